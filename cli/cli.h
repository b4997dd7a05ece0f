/* cli.h: what the subcommands of `duban` share.
 *
 * The CLI is one program whose subcommands live in cli/cmd_*.c, one file
 * per area of work. They all take the same connection options (to the
 * department's agent over ipc, or to the broker over CURVE/tcp), print
 * errors the same way ("duban: permission_denied: ..."), exit with the same
 * codes, and draw tables that line up when cells hold Chinese. Those shared
 * parts are here, so that each cmd_*.c reads as the work it does.
 *
 * Exit codes: DBN_CLI_EXIT_OK (0), DBN_CLI_EXIT_FAIL (1: an error reply, a
 * broker that did not answer, a log that does not verify) and
 * DBN_CLI_EXIT_USAGE (2: the command line is wrong). */
#ifndef DUBAN_CLI_H
#define DUBAN_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "lang.h"
#include "client.h"
#include "duban.pb-c.h"
#include "wire.h"

enum { DBN_CLI_EXIT_OK = 0, DBN_CLI_EXIT_FAIL = 1, DBN_CLI_EXIT_USAGE = 2 };

/* ---- options every subcommand takes ---- */

/* getopt_long values of the shared options; above any short option. */
enum {
  DBN_CLI_OPT_AGENT = 1000,
  DBN_CLI_OPT_BROKER,
  DBN_CLI_OPT_SERVER_KEY,
  DBN_CLI_OPT_KEY,
  DBN_CLI_OPT_TIMEOUT,
  DBN_CLI_OPT_REQUEST_ID,
  DBN_CLI_OPT_PERSON,
  DBN_CLI_OPT_JSON,
  DBN_CLI_OPT_HELP,
  DBN_CLI_OPT_FIRST_FREE /* a subcommand numbers its own long options from here */
};

/* Entries for a subcommand's struct option table, before its {0} end. */
#define DBN_CLI_COMMON_OPTIONS                                                                               \
  {"agent", required_argument, NULL, DBN_CLI_OPT_AGENT},                                                     \
      {"broker", required_argument, NULL, DBN_CLI_OPT_BROKER},                                               \
      {"server-key", required_argument, NULL, DBN_CLI_OPT_SERVER_KEY},                                       \
      {"key", required_argument, NULL, DBN_CLI_OPT_KEY},                                                     \
      {"timeout", required_argument, NULL, DBN_CLI_OPT_TIMEOUT},                                             \
      {"request-id", required_argument, NULL, DBN_CLI_OPT_REQUEST_ID},                                       \
      {"person", required_argument, NULL, DBN_CLI_OPT_PERSON},                                               \
      {"json", no_argument, NULL, DBN_CLI_OPT_JSON},                                                         \
  {                                                                                                          \
    "help", no_argument, NULL, DBN_CLI_OPT_HELP                                                              \
  }

/* The help text of the shared options, for the end of each usage text. */
#define DBN_CLI_CONNECTION_HELP                                                                              \
  "Connection (options win over the environment):\n"                                                         \
  "  --agent ipc:///PATH      the department's agent (env DUBAN_AGENT)\n"                                    \
  "  --broker tcp://HOST:PORT the broker, directly (env DUBAN_BROKER)\n"                                     \
  "  --server-key FILE        the broker's public key, KEYS/broker.key (env DUBAN_SERVER_KEY)\n"             \
  "  --key FILE               your key, KEYS/NAME.key with NAME.key_secret beside it\n"                      \
  "                           (env DUBAN_KEY)\n"                                                             \
  "  --timeout MS             give up waiting for an answer after MS (default 5000)\n"                       \
  "  --request-id ID          use ID instead of a fresh one: a repeat has one effect\n"                      \
  "  --person NAME            who is acting (经办人), recorded with each write (env DUBAN_PERSON)\n"      \
  "  --help                   this text\n"

/* One run of one subcommand: what the shared options said, and the
 * connection once made. Lives on the subcommand's stack; dbn_cli_fini
 * releases the connection. */
typedef struct {
  const char *command;    /* "claim", "plan load": for messages; borrowed */
  const char *usage;      /* the subcommand's --help text; borrowed */
  const char *agent;      /* --agent; borrowed from argv */
  const char *broker;     /* --broker */
  const char *server_key; /* --server-key */
  const char *key;        /* --key */
  const char *request_id; /* --request-id; NULL = a fresh one per write */
  const char *person;     /* --person, else $DUBAN_PERSON: the 经办人 of a write; NULL = none */
  int timeout_ms;         /* --timeout; 0 = the client's default */
  bool json;              /* --json */
  bool help;              /* --help was given */
  bool via_agent;         /* the connection goes to an agent, not the broker */
  dbn_client_t *client;   /* owned; NULL until dbn_cli_connect */
  char fresh_id[33];      /* storage for a fresh request id */
} dbn_cli_t;

/* Start a run: zero everything, remember the name and the usage text. */
void dbn_cli_init(dbn_cli_t *cli, const char *command, const char *usage);
/* Close the connection; accepts a cli never connected. */
void dbn_cli_fini(dbn_cli_t *cli);

/* Handle one getopt_long result that a subcommand did not recognise as its
 * own: a shared option, or '?' / ':' (getopt has already named the
 * problem). Returns 0 when it was a shared option, else DBN_CLI_EXIT_USAGE
 * after pointing at --help. */
int dbn_cli_common_option(dbn_cli_t *cli, int opt, const char *arg);

/* After option parsing: print the usage to stdout when --help was given
 * (returns DBN_CLI_EXIT_OK with *done_p true), or check that the number of
 * positional arguments is in [min, max] (DBN_CLI_EXIT_USAGE when not). */
int dbn_cli_finish_options(dbn_cli_t *cli, int positional, int min, int max, bool *done_p);

/* A subcommand's own option (getopt_long value opt, at or above
 * DBN_CLI_OPT_FIRST_FREE, and its argument): DBN_CLI_EXIT_OK, or the exit
 * code that ends the command after a usage error it has printed. */
typedef int (*dbn_cli_option_fn)(dbn_cli_t *cli, int opt, const char *arg, void *ctx);

/* The whole option parsing of a subcommand: getopt_long over options (its
 * own entries, then DBN_CLI_COMMON_OPTIONS), each own option to own_option
 * with ctx, the shared ones to dbn_cli_common_option, then
 * dbn_cli_finish_options with [min, max] (max -1: no limit). Parsing stops
 * at the first error. Returns the exit code, with *done_p true when the
 * command has nothing more to do (after --help or a usage error); else the
 * positional arguments start at argv[optind]. */
int dbn_cli_parse_options(dbn_cli_t *cli, int argc, char **argv, const struct option *options,
                          dbn_cli_option_fn own_option, void *ctx, int min, int max, bool *done_p);

/* The whole option parsing of a subcommand that has no options of its own:
 * the shared ones, then dbn_cli_finish_options on what is left (max -1: no
 * limit). Returns the exit code, with *done_p true when the command has
 * nothing more to do (after --help or a usage error); else the positional
 * arguments start at argv[optind]. */
int dbn_cli_parse_common(dbn_cli_t *cli, int argc, char **argv, int min, int max, bool *done_p);

/* One word of a command that has words of its own (`clock advance`,
 * `plan load`): the word and what runs it, with argv from the word on. */
typedef struct {
  const char *word;                  /* "advance" */
  int (*run)(int argc, char **argv); /* gets argv[0] = the word */
} dbn_cli_word_t;

/* Run the word argv[1] names from words (n of them) for `duban COMMAND`.
 * No word prints usage to stderr (DBN_CLI_EXIT_USAGE); --help or -h prints
 * it to stdout (DBN_CLI_EXIT_OK); an unknown word says which words there
 * are ("say import or load") and returns DBN_CLI_EXIT_USAGE. */
int dbn_cli_run_word(const char *command, const char *usage, const dbn_cli_word_t *words, size_t n, int argc,
                     char **argv);

/* Print "duban COMMAND: MESSAGE" and "try 'duban COMMAND --help'" to stderr;
 * returns DBN_CLI_EXIT_USAGE. */
int dbn_cli_usage_error(const dbn_cli_t *cli, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Print "duban: CODE_NAME: MESSAGE" to stderr; returns DBN_CLI_EXIT_FAIL. */
int dbn_cli_fail(const char *code_name, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* The broker's (or the agent's) refusal: code and message, in Chinese
 * through web/refusal.h unless the person reads English (lang.h). Returns
 * DBN_CLI_EXIT_FAIL. */
int dbn_cli_refused(int code, const char *message);

/* One of the broker's words (a task or escalation state, a request kind,
 * the category "deadline") as the person reads it: Chinese through
 * web/refusal.h's vocabulary, or as it is in English or when unknown. */
const char *dbn_cli_word(const char *word);

/* Connect to the agent or the broker, from the options or else the
 * environment. Usage problems (no endpoint, a broker without keys) return
 * DBN_CLI_EXIT_USAGE; unreadable keys DBN_CLI_EXIT_FAIL; both printed. */
int dbn_cli_connect(dbn_cli_t *cli);

/* Give req its request id: a write (dbn_request_is_write, domain/request.h)
 * gets --request-id or a fresh id; a read or a watch always a fresh one.
 * req->request_id points into cli until the next call. */
void dbn_cli_set_request_id(dbn_cli_t *cli, Duban__Request *req);

/* Send req and wait for its reply, connecting first if needed; the request
 * id is set as dbn_cli_set_request_id says. On DBN_CLI_EXIT_OK *reply_p is
 * the caller's (dbn_wire_reply_free) and its code is OK. An error reply or
 * no answer is printed and returns DBN_CLI_EXIT_FAIL. A queued answer from
 * the agent is printed ("queued: ...") and returned as OK. req stays the
 * caller's. */
int dbn_cli_request(dbn_cli_t *cli, Duban__Request *req, Duban__Reply **reply_p);

/* Send a write, then print its outcome: "ok: WHAT (seq N)" and
 * "(a repeat: ...)" for a duplicate, or one JSON object with --json. The
 * whole of a simple write subcommand after its options. */
int dbn_cli_write(dbn_cli_t *cli, Duban__Request *req, const char *what);

/* dbn_cli_write with WHAT formatted from format (at most 511 bytes), then
 * dbn_cli_fini: the end of a simple write subcommand. */
int dbn_cli_write_and_close(dbn_cli_t *cli, Duban__Request *req, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* What a read subcommand does with its reply: print it; returns the exit
 * code. The reply is borrowed for the call. */
typedef int (*dbn_cli_show_fn)(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx);

/* The rest of a read subcommand after its options: send req
 * (dbn_cli_request), hand the reply to show, free it and close the
 * connection (dbn_cli_fini). Returns the exit code. */
int dbn_cli_show_reply(dbn_cli_t *cli, Duban__Request *req, dbn_cli_show_fn show, void *ctx);

/* ---- parsing arguments ---- */

/* An argument that will travel as a string field: non-empty (unless
 * may_be_empty), valid UTF-8 and at most max_len bytes. Prints a usage
 * error naming `what` and returns DBN_CLI_EXIT_USAGE when it is not. */
int dbn_cli_check_text(const dbn_cli_t *cli, const char *what, const char *s, size_t max_len,
                       bool may_be_empty);

/* Strict decimal parsers: the whole string, within range. 0 or DBN_EINVAL. */
int dbn_cli_parse_u64(const char *s, uint64_t *out);
int dbn_cli_parse_int(const char *s, int min, int max, int *out);

/* Parse a figure 'WHAT=VALUE[UNIT]' ('公共充电桩=1200个', 'km=3.5').
 * On success fig's strings are malloc'd copies, freed with
 * dbn_cli_figure_clear. On failure writes why. */
int dbn_cli_parse_figure(const char *arg, Duban__Figure *fig, char *why, size_t why_len);
void dbn_cli_figure_clear(Duban__Figure *fig);

/* The --figure options of one command (progress, milestone met): the
 * figures parsed so far and the pointer array its request carries. */
typedef struct {
  Duban__Figure figures[DBN_MAX_FIGURES];
  Duban__Figure *ptrs[DBN_MAX_FIGURES];
  size_t n;
} dbn_cli_figures_t;

/* One --figure ARG: checked, parsed and added to figures. A usage error
 * (printed, DBN_CLI_EXIT_USAGE) when it is not a figure or one too many. */
int dbn_cli_figure_option(dbn_cli_t *cli, dbn_cli_figures_t *figures, const char *arg);
void dbn_cli_figures_clear(dbn_cli_figures_t *figures);

/* Read a whole file into a NUL-terminated malloc'd buffer (*text_p is the
 * caller's to free), refusing one larger than max_bytes. */
int dbn_cli_read_file(const char *path, size_t max_bytes, char **text_p, size_t *len_p);

/* ---- output ---- */

/* The time a person reads: unix seconds as "2023-09-18 16:00" in the
 * plan's zone (domain/date.h, Beijing time unless DUBAN_PLAN_ZONE), for
 * every table, `duban task`, watch and replay line and notice. */
void dbn_cli_format_time(int64_t t, char out[32]);

/* For scripts (--json): unix seconds as ISO-8601 UTC, "2023-09-18T08:00:00Z". */
void dbn_cli_format_time_iso(int64_t t, char out[32]);

/* Columns the table may use: $COLUMNS, else the terminal's width, else
 * 160 (a pipe or a file, where a generous width is kinder than none). */
int dbn_cli_terminal_width(void);

/* A table of text cells that lines up in a terminal whatever the script:
 * widths are display columns (a CJK character takes two), every column but
 * the last is as wide as its widest cell (capped), and the last takes what
 * is left of the total width, cut with "…". */
typedef struct dbn_cli_table dbn_cli_table_t;

int dbn_cli_table_new(dbn_cli_table_t **table_p, size_t columns, const char *const *headers);
void dbn_cli_table_destroy(dbn_cli_table_t **table_p);
/* Right-align a column (numbers). */
void dbn_cli_table_align_right(dbn_cli_table_t *table, size_t column);
/* Cap a column's width (cells beyond it are cut with "…"); 0 = no cap. */
void dbn_cli_table_max_width(dbn_cli_table_t *table, size_t column, int max_width);
/* Add a row of `columns` cells (NULL = empty); the cells are copied. */
int dbn_cli_table_add_row(dbn_cli_table_t *table, const char *const *cells);
size_t dbn_cli_table_rows(const dbn_cli_table_t *table);
/* Print the header and the rows. total_width <= 0 leaves the last column
 * uncut. The last column gets at least 10 columns even when that makes a
 * line longer than total_width. Trailing spaces are never printed. */
void dbn_cli_table_print(const dbn_cli_table_t *table, FILE *out, int total_width);

/* Print the table to the terminal's width (dbn_cli_terminal_width) and
 * destroy it. When a row could not be added, prints nothing of it and
 * fails with "resource_exhausted: out of memory" (DBN_CLI_EXIT_FAIL) so
 * that a caller may stop adding at the first failed row. */
int dbn_cli_table_finish(dbn_cli_table_t **table_p, FILE *out);

/* Escalations as a table (id, state, level, task, category, raised, by,
 * reason), or "no escalations". */
int dbn_cli_print_escalations(FILE *out, Duban__Escalation *const *escalations, size_t count);

/* ---- JSON ---- */

/* Any protobuf-c message as a cJSON object: every field by its .proto name,
 * repeated fields as arrays, only the set member of a oneof, bytes as hex,
 * enums by their lower-case duban name ("in_progress", "permission_denied"),
 * and int64 fields named "time" or "*_at" as ISO-8601 UTC strings. NULL when
 * out of memory. The result is the caller's (cJSON_Delete). */
cJSON *dbn_cli_message_json(const ProtobufCMessage *msg);

/* {"<name>": [each message as dbn_cli_message_json], "head_seq": N}: how a
 * list reply (tasks, escalations) prints with --json. items is an array of
 * n message pointers (Duban__Task **, Duban__Escalation ** cast). NULL when
 * out of memory. */
cJSON *dbn_cli_list_json(const char *name, void *const *items, size_t n, uint64_t head_seq);

/* An event as scripts read it: seq, time (ISO-8601 UTC), actor,
 * request_id, kind, prev_hash (hex) and the fields of its body at the top
 * level. The caller's; NULL when out of memory. */
cJSON *dbn_cli_event_json(const Duban__Event *event);

/* Print json on one line followed by a newline, then free it; returns
 * DBN_CLI_EXIT_FAIL when json is NULL (out of memory). */
int dbn_cli_print_json(FILE *out, cJSON *json);

/* ---- plans ---- */

/* The measures and the actions (each one task) of plan, over all its
 * sections; either pointer may be NULL. */
void dbn_cli_plan_size(const Duban__Plan *plan, size_t *measures_p, size_t *actions_p);

/* Print the plan importer's report (plan_import.h) to out: one "line N:
 * kind: message" per entry. In cmd_plan_import.c. */
void dbn_cli_print_import_report(FILE *out, const cJSON *report);

/* ---- events for people ---- */

/* The task an event concerns ("ordos-2023-58:1.1.1", or "esc#42" for an
 * escalation, or the plan id) and a short description of what it says, for
 * one line of `watch` and `audit replay`. */
void dbn_cli_event_describe(const Duban__Event *event, char *subject, size_t subject_len, char *details,
                            size_t details_len);

/* One line: seq, time, actor, kind, subject, details; columns aligned. */
void dbn_cli_print_event_line(FILE *out, const Duban__Event *event);

/* ---- the subcommands (cli/cmd_*.c) ---- */

/* Each takes the subcommand's own argv (argv[0] is its name) and returns
 * the exit code. */
int dbn_cmd_tasks(int argc, char **argv);
int dbn_cmd_task(int argc, char **argv);
int dbn_cmd_claim(int argc, char **argv);
int dbn_cmd_progress(int argc, char **argv);
int dbn_cmd_submit(int argc, char **argv);
int dbn_cmd_milestone(int argc, char **argv); /* milestone met|confirm|return */
int dbn_cmd_escalate(int argc, char **argv);
int dbn_cmd_escalations(int argc, char **argv);
int dbn_cmd_inbox(int argc, char **argv);
int dbn_cmd_outbox(int argc, char **argv);
int dbn_cmd_scoring(int argc, char **argv);
int dbn_cmd_ack(int argc, char **argv);
int dbn_cmd_resolve(int argc, char **argv);
int dbn_cmd_remind(int argc, char **argv);
int dbn_cmd_accept(int argc, char **argv);
int dbn_cmd_reject(int argc, char **argv);
int dbn_cmd_reassign(int argc, char **argv);
int dbn_cmd_watch(int argc, char **argv);
int dbn_cmd_keygen(int argc, char **argv);
int dbn_cmd_plan(int argc, char **argv);
/* plan change add|cancel|redate|add-milestone|remove-milestone */
int dbn_cmd_plan_change(int argc, char **argv);
int dbn_cmd_lead(int argc, char **argv); /* lead remind: a measure's lead unit's 催办 */

/* A task's colour now, as the desk and the board draw it (domain/pace.h). */
const char *dbn_cli_task_colour_zh(const Duban__Task *task, int64_t now);
/* One line per measure the listing unit leads, coloured by the worst of its
 * tasks (domain/pace.h's roll-up); nothing for a list with no led task. */
void dbn_cli_print_measure_rollups(FILE *out, const Duban__Reply *reply);
int dbn_cmd_audit(int argc, char **argv);
int dbn_cmd_admin(int argc, char **argv); /* admin backup, register-key, revoke-key */
int dbn_cmd_register_key(int argc, char **argv);
int dbn_cmd_revoke_key(int argc, char **argv);
int dbn_cmd_user(int argc, char **argv);
int dbn_cmd_clock(int argc, char **argv);
int dbn_cmd_ping(int argc, char **argv);
int dbn_cmd_evidence(int argc, char **argv); /* evidence list|get: 佐证材料 */

#endif
