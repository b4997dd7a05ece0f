/* cmd_audit.c: `duban audit verify` and `duban audit replay`, the
 * auditors' view of the log.
 *
 * An auditor trusts the file, not the broker: both commands open the LMDB
 * log directly, read-only, with no broker connection and no key. LMDB's
 * readers do not block its writer, so they run against a live broker's data
 * directory and see a consistent snapshot as of the moment they start. */
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "scorecard.h"
#include "store.h"

static const char audit_usage[] =
    "usage: duban audit verify --data DIR [--json]\n"
    "       duban audit replay --data DIR [--after SEQ] [--until SEQ] [--json]\n"
    "       duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--json]\n"
    "\n"
    "  verify   walk the hash chain of the log and rebuild every view from it;\n"
    "           say OK, or the first sequence number where anything disagrees\n"
    "           (exit 1)\n"
    "  replay   print every event, one readable line each, or one JSON object\n"
    "           per line with --json\n"
    "  report   scorecards per department, now or as the log stood at a past moment\n"
    "\n"
    "Both read the broker's data directory read-only and work while it runs.\n";

static const char verify_usage[] =
    "usage: duban audit verify --data DIR [--chain-only] [--json]\n"
    "\n"
    "Walk the log in DIR (the broker's data directory): every key is the next\n"
    "sequence number, every event decodes and carries the hash of the one\n"
    "before it. Then rebuild every view from the log and compare. Prints the\n"
    "events walked, the head, and OK or the first bad sequence number and what\n"
    "is wrong there. Exit 0 when the log verifies, 1 when it does not.\n"
    "--chain-only checks the chain without rebuilding the views (faster).\n"
    "--json prints {\"ok\", \"events\", \"head_seq\", \"first_bad_seq\", \"problem\", \"note\"}; the note "
    "says\n"
    "what could not be checked (views an older duban wrote, until a broker rebuilds them).\n";

static const char replay_usage[] =
    "usage: duban audit replay --data DIR [--after SEQ] [--until SEQ] [--json]\n"
    "\n"
    "Print the events of the log in DIR with after < seq <= until (default:\n"
    "all): seq, time (UTC), actor, kind, task, details. With --json one object\n"
    "per line: seq, time (ISO-8601 UTC), actor, request_id, kind, prev_hash and\n"
    "the fields of the event's body.\n";

static const char report_usage[] =
    "usage: duban audit report --data DIR [--until SEQ | --at YYYY-MM-DD] [--json]\n"
    "\n"
    "Scorecards per department (考核): tasks by state, overdue tasks, average\n"
    "progress, escalations on its tasks and reminders received. By default as\n"
    "the log stands now; --until SEQ rebuilds the state right after event SEQ,\n"
    "--at DATE as it stood at the end of that day (broker clock, UTC), by\n"
    "replaying the log into a scratch copy.\n";

/* Parse --data and the shared --json/--help, plus --after/--until when
 * range is not NULL. */
static int
parse_audit(dbn_cli_t *cli, int argc, char **argv, const char **dir_p, uint64_t range[2], bool *done_p)
{
  enum { OPT_DATA = DBN_CLI_OPT_FIRST_FREE, OPT_AFTER, OPT_UNTIL };
  static const struct option options[] = {
      {"data", required_argument, NULL, OPT_DATA},   {"after", required_argument, NULL, OPT_AFTER},
      {"until", required_argument, NULL, OPT_UNTIL}, {"json", no_argument, NULL, DBN_CLI_OPT_JSON},
      {"help", no_argument, NULL, DBN_CLI_OPT_HELP}, {0},
  };
  *done_p = true;
  int opt, rc;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    if (opt == OPT_DATA) {
      *dir_p = optarg;
    } else if ((opt == OPT_AFTER || opt == OPT_UNTIL) && range) {
      if (dbn_cli_parse_u64(optarg, &range[opt == OPT_AFTER ? 0 : 1]) != 0)
        return dbn_cli_usage_error(cli, "--%s wants a sequence number, not '%s'",
                                   opt == OPT_AFTER ? "after" : "until", optarg);
    } else if (opt == OPT_AFTER || opt == OPT_UNTIL) {
      return dbn_cli_usage_error(cli, "--after and --until are for replay");
    } else if ((rc = dbn_cli_common_option(cli, opt, optarg)) != 0) {
      return rc;
    }
  }
  rc = dbn_cli_finish_options(cli, argc - optind, 0, 0, done_p);
  if (*done_p || rc) {
    *done_p = true;
    return rc;
  }
  if (!*dir_p || !(*dir_p)[0]) {
    *done_p = true;
    return dbn_cli_usage_error(cli, "--data DIR (the broker's data directory) is required");
  }
  return DBN_CLI_EXIT_OK;
}

/* An option of one audit subcommand that parse_audit does not know
 * (verify's --chain-only, report's --at): taken out of argv before
 * parse_audit sees the rest. */
typedef struct {
  const char *name;  /* as typed: "--chain-only" */
  bool takes_value;  /* the next argument is its value */
  bool given;        /* it was on the command line */
  const char *value; /* its value, borrowed from argv; NULL if none */
} own_option_t;

/* argv without own's option, NULL-terminated, *n_p arguments long; the
 * caller frees it. An option that wants a value and is last is left in, for
 * getopt to refuse. NULL when out of memory. */
static char **
take_own_option(int argc, char **argv, own_option_t *own, int *n_p)
{
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  if (!rest)
    return NULL;
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], own->name) == 0 && (!own->takes_value || i + 1 < argc)) {
      own->given = true;
      if (own->takes_value)
        own->value = argv[++i];
    } else {
      rest[n++] = argv[i];
    }
  }
  *n_p = n;
  return rest;
}

/* parse_audit on argv without own's option. */
static int
parse_audit_with(dbn_cli_t *cli, int argc, char **argv, own_option_t *own, const char **dir_p,
                 uint64_t range[2], bool *done_p)
{
  int n;
  char **rest = take_own_option(argc, argv, own, &n);
  if (!rest) {
    *done_p = true;
    return DBN_CLI_EXIT_FAIL;
  }
  int rc = parse_audit(cli, n, rest, dir_p, range, done_p);
  free(rest);
  return rc;
}

/* Open the log in dir read-only, or say why not. */
static int
open_log(const char *dir, dbn_store_t **store_p)
{
  dbn_store_options_t options = {.read_only = true};
  int err = dbn_store_open(store_p, dir, &options);
  if (err != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "cannot open the log in %s: %s", dir,
                        dbn_strerror(err));
  return DBN_CLI_EXIT_OK;
}

static int
cmd_verify(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit verify", verify_usage);
  const char *dir = NULL;
  own_option_t chain_only_option = {"--chain-only", false, false, NULL};
  bool done;
  int rc = parse_audit_with(&cli, argc, argv, &chain_only_option, &dir, NULL, &done);
  if (done)
    return rc;
  bool chain_only = chain_only_option.given;

  dbn_verify_report_t report;
  memset(&report, 0, sizeof report);
  int err = chain_only ? dbn_store_verify_chain(dir, &report) : dbn_store_verify(dir, NULL, &report);
  if (err != 0 && err != DBN_ECORRUPT)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "cannot verify the log in %s: %s%s%s",
                        dir, dbn_strerror(err), report.problem[0] ? ": " : "", report.problem);
  bool ok = err == 0;
  if (cli.json) {
    cJSON *json = cJSON_CreateObject();
    if (json) {
      cJSON_AddBoolToObject(json, "ok", ok);
      cJSON_AddNumberToObject(json, "events", (double)report.events);
      cJSON_AddNumberToObject(json, "head_seq", (double)report.head_seq);
      cJSON_AddNumberToObject(json, "first_bad_seq", (double)report.first_bad_seq);
      cJSON_AddStringToObject(json, "problem", report.problem);
      cJSON_AddStringToObject(json, "note", report.note);
    }
    if (dbn_cli_print_json(stdout, json) != 0)
      return DBN_CLI_EXIT_FAIL;
  } else {
    printf("events walked: %llu\n", (unsigned long long)report.events);
    printf("head:          %llu\n", (unsigned long long)report.head_seq);
    if (ok && report.note[0])
      printf("OK: the chain verifies and every event replays; %s\n", report.note);
    else if (ok)
      printf(chain_only ? "OK: the chain verifies (views not rebuilt)\n"
                        : "OK: the chain and every view verify\n");
    else
      printf("CORRUPT at seq %llu: %s\n", (unsigned long long)report.first_bad_seq, report.problem);
  }
  if (!ok)
    fprintf(stderr, "duban: data_loss: the log in %s does not verify at seq %llu: %s\n", dir,
            (unsigned long long)report.first_bad_seq, report.problem);
  return ok ? DBN_CLI_EXIT_OK : DBN_CLI_EXIT_FAIL;
}

/* The replay's state, passed through dbn_store_events_foreach. */
typedef struct {
  uint64_t until; /* stop after this seq; 0 = the end */
  bool json;      /* one JSON object per line */
  uint64_t printed;
  uint64_t bad_seq; /* an event that did not decode */
} replay_t;

static int
replay_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  replay_t *replay = arg;
  if (replay->until && seq > replay->until)
    return 1;
  Duban__Event *event = NULL;
  int err = dbn_wire_event_unpack(bytes, len, &event);
  if (err != 0) {
    replay->bad_seq = seq;
    return err;
  }
  /* The key is the truth about position; a body that says otherwise is
   * verify's business, but show what the key says. */
  if (event->seq != seq)
    event->seq = seq;
  int rc = 0;
  if (replay->json) {
    if (dbn_cli_print_json(stdout, dbn_cli_event_json(event)) != 0)
      rc = DBN_ENOMEM;
  } else {
    dbn_cli_print_event_line(stdout, event);
  }
  dbn_wire_event_free(&event);
  replay->printed++;
  return rc;
}

static int
cmd_replay(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit replay", replay_usage);
  const char *dir = NULL;
  uint64_t range[2] = {0, 0};
  bool done;
  int rc = parse_audit(&cli, argc, argv, &dir, range, &done);
  if (done)
    return rc;
  if (range[1] && range[1] <= range[0])
    return dbn_cli_usage_error(&cli, "--until must be greater than --after");

  dbn_store_t *store = NULL;
  if ((rc = open_log(dir, &store)) != DBN_CLI_EXIT_OK)
    return rc;
  dbn_store_txn_t *txn = NULL;
  int err = dbn_store_read_begin(store, &txn);
  replay_t replay = {.until = range[1], .json = cli.json};
  if (err == 0)
    err = dbn_store_events_foreach(txn, range[0], 0, replay_one, &replay);
  dbn_store_abort(&txn);
  dbn_store_destroy(&store);
  fflush(stdout);
  if (err != 0) {
    if (replay.bad_seq)
      return dbn_cli_fail("data_loss", "event %llu in %s does not decode: %s (run 'duban audit verify')",
                          (unsigned long long)replay.bad_seq, dir, dbn_strerror(err));
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "cannot read the log in %s: %s", dir,
                        dbn_strerror(err));
  }
  return DBN_CLI_EXIT_OK;
}

/* The last event whose time is before `before` (unix seconds). */
typedef struct {
  int64_t before;
  uint64_t last_seq;
} find_time_t;

static int
find_time_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  find_time_t *find = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return DBN_ECORRUPT;
  bool before = event->time < find->before;
  dbn_wire_event_free(&event);
  if (!before)
    return 1;
  find->last_seq = seq;
  return 0;
}

/* The scorecards of the snapshot txn reads: its views, counted by domain/. */
static int
read_scorecards(dbn_store_txn_t *txn, dbn_scorecard_t **cards_p, size_t *count_p)
{
  dbn_scorecard_input_t in = {0};
  Duban__Unit **units = NULL;
  Duban__Task **tasks = NULL;
  Duban__Escalation **escalations = NULL;
  int rc = dbn_store_units_list(txn, &units, &in.n_units);
  if (rc == 0)
    rc = dbn_store_tasks_list(txn, NULL, &tasks, &in.n_tasks);
  if (rc == 0)
    rc = dbn_store_escalations_list(txn, false, &escalations, &in.n_escalations);
  in.units = units;
  in.tasks = tasks;
  in.escalations = escalations;
  if (rc == 0)
    rc = dbn_scorecards(&in, cards_p, count_p);
  dbn_store_units_free(units, in.n_units);
  dbn_store_tasks_free(tasks, in.n_tasks);
  dbn_store_escalations_free(escalations, in.n_escalations);
  return rc;
}

/* The scorecards as `audit report --json` prints them; NULL when out of
 * memory. */
static cJSON *
report_json(const dbn_scorecard_t *cards, size_t count, uint64_t head)
{
  cJSON *json = cJSON_CreateObject();
  cJSON *list = cJSON_AddArrayToObject(json, "units");
  cJSON_AddNumberToObject(json, "head_seq", (double)head);
  for (size_t i = 0; i < count && list; i++) {
    cJSON *card = cJSON_CreateObject();
    cJSON_AddStringToObject(card, "code", cards[i].code);
    cJSON_AddStringToObject(card, "name", cards[i].name);
    cJSON_AddNumberToObject(card, "tasks", cards[i].tasks);
    cJSON_AddNumberToObject(card, "assigned", cards[i].assigned);
    cJSON_AddNumberToObject(card, "working", cards[i].working);
    cJSON_AddNumberToObject(card, "blocked", cards[i].blocked);
    cJSON_AddNumberToObject(card, "submitted", cards[i].submitted);
    cJSON_AddNumberToObject(card, "done", cards[i].done);
    cJSON_AddNumberToObject(card, "overdue", cards[i].overdue);
    cJSON_AddNumberToObject(card, "average_percent", cards[i].average_percent);
    cJSON_AddNumberToObject(card, "escalations", cards[i].escalations);
    cJSON_AddNumberToObject(card, "reminders", cards[i].reminders);
    cJSON_AddItemToArray(list, card);
  }
  return json;
}

/* The table's columns after the unit's name and code: counts, but for the
 * average percent at REPORT_PERCENT_COLUMN. */
enum { REPORT_NUMBERS = 10, REPORT_PERCENT_COLUMN = 7 };

/* Add one row of the report table: name, code, then numbers[] in column
 * order, with percent in place of numbers[REPORT_PERCENT_COLUMN]. */
static void
add_report_row(dbn_cli_table_t *table, const char *name, const char *code,
               const unsigned numbers[REPORT_NUMBERS], double percent)
{
  char cells[REPORT_NUMBERS][24];
  const char *row[REPORT_NUMBERS + 2] = {name, code};
  for (int k = 0; k < REPORT_NUMBERS; k++) {
    if (k == REPORT_PERCENT_COLUMN)
      snprintf(cells[k], sizeof cells[k], "%.0f", percent);
    else
      snprintf(cells[k], sizeof cells[k], "%u", numbers[k]);
    row[k + 2] = cells[k];
  }
  dbn_cli_table_add_row(table, row);
}

/* The scorecards as a table, one row per unit and a total; the total's
 * average percent is weighted by each unit's tasks. */
static int
print_report_table(const dbn_scorecard_t *cards, size_t count, uint64_t head, int64_t now)
{
  char when[32] = "";
  time_t t = (time_t)now;
  struct tm tm;
  if (now && gmtime_r(&t, &tm))
    strftime(when, sizeof when, "%Y-%m-%d", &tm);
  printf("Scorecards as of event %llu (broker clock %s)\n\n", (unsigned long long)head, *when ? when : "-");
  static const char *const headers[REPORT_NUMBERS + 2] = {"单位 UNIT", "CODE",    "TASKS",       "DONE",
                                                          "SUBMITTED", "WORKING", "BLOCKED",     "UNCLAIMED",
                                                          "OVERDUE",   "AVG %",   "ESCALATIONS", "REMINDERS"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, REPORT_NUMBERS + 2, headers) != 0)
    return DBN_CLI_EXIT_FAIL;
  for (size_t c = 2; c < REPORT_NUMBERS + 2; c++)
    dbn_cli_table_align_right(table, c);
  unsigned total[REPORT_NUMBERS] = {0};
  double percent_sum = 0;
  for (size_t i = 0; i < count; i++) {
    const dbn_scorecard_t *card = &cards[i];
    const unsigned numbers[REPORT_NUMBERS] = {
        card->tasks,   card->done, card->submitted,   card->working,  card->blocked, card->assigned,
        card->overdue, 0,          card->escalations, card->reminders};
    for (int k = 0; k < REPORT_NUMBERS; k++)
      total[k] += numbers[k];
    percent_sum += card->average_percent * card->tasks;
    add_report_row(table, card->name, card->code, numbers, card->average_percent);
  }
  add_report_row(table, "合计 ALL", "", total, total[0] ? percent_sum / total[0] : 0.0);
  dbn_cli_table_print(table, stdout, 0);
  dbn_cli_table_destroy(&table);
  return DBN_CLI_EXIT_OK;
}

static int
print_report(dbn_cli_t *cli, dbn_store_txn_t *txn, const char *dir)
{
  dbn_scorecard_t *cards;
  size_t count;
  int err = read_scorecards(txn, &cards, &count);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "cannot read the views in %s: %s", dir,
                        dbn_strerror(err));
  uint64_t head = dbn_store_txn_head(txn);
  int64_t now = 0;
  dbn_store_clock_get(txn, &now);
  int rc;
  if (cli->json)
    rc = dbn_cli_print_json(stdout, report_json(cards, count, head));
  else
    rc = print_report_table(cards, count, head, now);
  dbn_scorecards_free(cards, count);
  return rc;
}

/* For --at: the last event of the log before `before` (unix seconds), 0
 * when there is none. */
static int
last_seq_before(dbn_store_t *store, int64_t before, uint64_t *seq_p)
{
  find_time_t find = {.before = before};
  dbn_store_txn_t *txn = NULL;
  int err = dbn_store_read_begin(store, &txn);
  if (err == 0)
    err = dbn_store_events_foreach(txn, 0, 0, find_time_one, &find);
  dbn_store_abort(&txn);
  *seq_p = find.last_seq;
  return err;
}

/* The views as they stood right after event until, rebuilt from the log
 * in dir into a new scratch directory, whose name goes to scratch ("" when
 * none was made); the caller destroys the snapshot and removes scratch. */
static int
rebuild_snapshot(const char *dir, uint64_t until, char *scratch, size_t scratch_len, dbn_store_t **snapshot_p)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(scratch, scratch_len, "%s/duban-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(scratch))
    return DBN_EIO;
  return dbn_store_rebuild_at(dir, scratch, until, snapshot_p);
}

static int
cmd_report(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "audit report", report_usage);
  const char *dir = NULL;
  /* --at is ours; the shared parser handles --until (as the range's end). */
  own_option_t at_option = {"--at", true, false, NULL};
  uint64_t range[2] = {0, 0};
  bool done;
  int rc = parse_audit_with(&cli, argc, argv, &at_option, &dir, range, &done);
  if (done)
    return rc;
  const char *at = at_option.value;
  uint64_t until = range[1];
  if (at && until)
    return dbn_cli_usage_error(&cli, "say --until SEQ or --at DATE, not both");

  dbn_store_t *store = NULL;
  if ((rc = open_log(dir, &store)) != DBN_CLI_EXIT_OK)
    return rc;
  int err = 0;
  if (at) {
    int64_t end_of_day;
    if (dbn_date_parse_end(at, &end_of_day) != 0) {
      dbn_store_destroy(&store);
      return dbn_cli_usage_error(&cli, "--at wants a date YYYY-MM-DD, not '%s'", at);
    }
    err = last_seq_before(store, end_of_day, &until);
    if (err == 0 && until == 0) {
      dbn_store_destroy(&store);
      return dbn_cli_fail("not_found", "the log has no event before the end of %s", at);
    }
  }
  char scratch[256] = "";
  dbn_store_t *snapshot = NULL;
  if (err == 0 && until)
    err = rebuild_snapshot(dir, until, scratch, sizeof scratch, &snapshot);
  dbn_store_txn_t *txn = NULL;
  if (err == 0)
    err = dbn_store_read_begin(snapshot ? snapshot : store, &txn);
  if (err == 0)
    rc = print_report(&cli, txn, dir);
  else
    rc = dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "cannot build the report from %s: %s",
                      dir, dbn_strerror(err));
  dbn_store_abort(&txn);
  dbn_store_destroy(&snapshot);
  dbn_store_destroy(&store);
  if (*scratch)
    dbn_store_remove_files(scratch, true);
  return rc;
}

int
dbn_cmd_audit(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(audit_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? DBN_CLI_EXIT_USAGE : DBN_CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "verify") == 0)
    return cmd_verify(argc - 1, argv + 1);
  if (strcmp(argv[1], "replay") == 0)
    return cmd_replay(argc - 1, argv + 1);
  if (strcmp(argv[1], "report") == 0)
    return cmd_report(argc - 1, argv + 1);
  fprintf(stderr, "duban audit: no subcommand '%s'; say verify, replay or report\n", argv[1]);
  return DBN_CLI_EXIT_USAGE;
}
