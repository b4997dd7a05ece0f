/* cli_main.c: the `duban` program's entry: find the subcommand and hand it
 * its own argv.
 *
 * Subcommands are grouped by who types them (departments, coordinators,
 * admins, auditors) so that `duban --help` reads as a map of the work.
 * Connection options may come before the subcommand (`duban --agent X
 * tasks`); they are moved behind it, where the subcommand's option parser
 * reads them, so that no subcommand needs to know about the move. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "lang.h"
#include "store.h"
#include "version.h"
#include "wire.h"

typedef struct {
  const char *name;                  /* as typed */
  int (*run)(int argc, char **argv); /* returns the exit code */
  const char *group;                 /* who it is for, for the overview */
  const char *summary;               /* one line */
} command_t;

static const command_t commands[] = {
    {"tasks", dbn_cmd_tasks, "departments", "list tasks (--state, --unit)"},
    {"task", dbn_cmd_task, "departments", "show one task in full"},
    {"claim", dbn_cmd_claim, "departments", "claim (签收) an assigned task"},
    {"progress", dbn_cmd_progress, "departments", "report percent, figures and a note"},
    {"submit", dbn_cmd_submit, "departments", "submit a task as done"},
    {"milestone", dbn_cmd_milestone, "departments",
     "milestone met|confirm|return: one milestone (节点) at a time"},
    {"escalate", dbn_cmd_escalate, "departments", "raise a block you cannot clear alone"},
    {"inbox", dbn_cmd_inbox, "departments", "what coordinators told you (催办, 退回, notes), unread first"},
    {"outbox", dbn_cmd_outbox, "departments", "queued commands: pending, or refused and why"},
    {"watch", dbn_cmd_watch, "coordinators", "open escalations, then every event live"},
    {"escalations", dbn_cmd_escalations, "coordinators", "list open (or --all) escalations"},
    {"ack", dbn_cmd_ack, "coordinators", "acknowledge an escalation"},
    {"resolve", dbn_cmd_resolve, "coordinators", "resolve an escalation"},
    {"remind", dbn_cmd_remind, "coordinators", "remind (催办) a department of a task"},
    {"accept", dbn_cmd_accept, "coordinators", "accept submitted work"},
    {"reject", dbn_cmd_reject, "coordinators", "send submitted work back, with a reason"},
    {"reassign", dbn_cmd_reassign, "coordinators", "give a task to another unit"},
    {"keygen", dbn_cmd_keygen, "admins", "make CURVE keys for the broker, units and roles"},
    {"user", dbn_cmd_user, "admins", "user add|list|remove|passwd: accounts of a desk or the board"},
    {"plan", dbn_cmd_plan, "admins", "plan import FILE | plan load FILE.json | plan change (计划调整)"},
    {"clock", dbn_cmd_clock, "admins", "clock advance SECONDS|--days N (virtual clock)"},
    {"admin", dbn_cmd_admin, "admins", "admin backup --data DIR --to DEST: a hot, verified copy of the log"},
    {"scoring", dbn_cmd_scoring, "coordinators", "scoring load FILE: the 考核 rules, dated and versioned"},
    {"ping", dbn_cmd_ping, "anyone", "who you are to the broker, its clock, its head"},
    {"audit", dbn_cmd_audit, "auditors", "audit verify|replay --data DIR (no broker needed)"},
    {"evidence", dbn_cmd_evidence, "anyone",
     "evidence list TASK | get HASH: files attached to reports (佐证材料)"},
    {"lead", dbn_cmd_lead, "departments",
     "lead remind TASK --note TEXT: a measure's lead unit (牵头单位) reminds"},
};

static void
print_overview(FILE *out)
{
  fputs("usage: duban [CONNECTION OPTIONS] COMMAND [ARGS] [--json] [--lang zh|en] [--help]\n"
        "       duban --version   (the version, the wire protocol's and the log format's)\n\n"
        "duban (督办) follows the tasks of a policy plan through the departments that\n"
        "carry it out. Every command has --help.\n",
        out);
  const char *group = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (!group || strcmp(group, commands[i].group) != 0) {
      group = commands[i].group;
      fprintf(out, "\nFor %s:\n", group);
    }
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  }
  fputs("\n" DBN_CLI_CONNECTION_HELP
        "\nExit status: 0 done, 1 refused or failed (the reason on stderr), 2 a wrong command line.\n",
        out);
}

/* True if arg is a connection option; *takes_value when its value is the
 * next argument. */
static bool
is_connection_option(const char *arg, bool *takes_value)
{
  static const char *const with_value[] = {"--agent", "--broker",  "--server-key",
                                           "--key",   "--timeout", "--request-id"};
  *takes_value = false;
  for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++) {
    size_t n = strlen(with_value[i]);
    if (strncmp(arg, with_value[i], n) == 0) {
      if (arg[n] == '\0') {
        *takes_value = true;
        return true;
      }
      if (arg[n] == '=')
        return true;
    }
  }
  return strcmp(arg, "--json") == 0;
}

/* Take `--lang NAME` (or `--lang=NAME`) out of argv, wherever it stands
 * before a "--", and make it the process's DUBAN_LANG (lang.h): every
 * subcommand, and every helper deep inside one, then prints in it.
 * Returns 0, or DBN_CLI_EXIT_USAGE with the reason on stderr. */
static int
take_lang_option(int *argc_p, char **argv)
{
  int argc = *argc_p, kept = 1;
  bool after_dashes = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    after_dashes |= strcmp(arg, "--") == 0;
    const char *name = NULL;
    if (!after_dashes && strcmp(arg, "--lang") == 0) {
      if (i + 1 >= argc) {
        fputs("duban: --lang 需要一个值（zh 或 en） / --lang needs a value (zh or en)\n", stderr);
        return DBN_CLI_EXIT_USAGE;
      }
      name = argv[++i];
    } else if (!after_dashes && strncmp(arg, "--lang=", 7) == 0) {
      name = arg + 7;
    } else {
      argv[kept++] = argv[i];
      continue;
    }
    dbn_lang_t lang;
    if (dbn_lang_parse(name, &lang) != 0) {
      fprintf(stderr, "duban: 不支持的语言 '%s'，可选 zh 或 en / no language '%s': say zh or en\n", name,
              name);
      return DBN_CLI_EXIT_USAGE;
    }
    setenv("DUBAN_LANG", lang == DBN_LANG_EN ? "en" : "zh", 1);
  }
  argv[kept] = NULL;
  *argc_p = kept;
  return 0;
}

int
main(int argc, char **argv)
{
  if (take_lang_option(&argc, argv) != 0)
    return DBN_CLI_EXIT_USAGE;
  /* Connection options before the command: remember where they are. */
  int first = 1;
  while (first < argc) {
    bool takes_value;
    if (!is_connection_option(argv[first], &takes_value))
      break;
    if (takes_value && first + 1 >= argc) {
      fprintf(stderr, "duban: %s needs a value\n", argv[first]);
      return DBN_CLI_EXIT_USAGE;
    }
    first += takes_value ? 2 : 1;
  }
  if (first >= argc) {
    print_overview(stderr);
    return DBN_CLI_EXIT_USAGE;
  }
  const char *name = argv[first];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
    if (strcmp(name, "help") == 0 && first + 1 < argc) {
      /* `duban help claim` is `duban claim --help`. */
      name = argv[first + 1];
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
          char *help_argv[] = {argv[first + 1], "--help", NULL};
          return commands[i].run(2, help_argv);
        }
      }
      fprintf(stderr, "duban: no command '%s'\n", name);
      return DBN_CLI_EXIT_USAGE;
    }
    print_overview(stdout);
    return DBN_CLI_EXIT_OK;
  }
  if (strcmp(name, "--version") == 0) {
    dbn_version_print("duban", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION);
    return DBN_CLI_EXIT_OK;
  }

  char zone_why[512];
  if (dbn_plan_zone_check(zone_why, sizeof zone_why)) {
    fprintf(stderr, "duban: %s\n", zone_why);
    return DBN_CLI_EXIT_USAGE;
  }

  const command_t *command = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(commands[i].name, name) == 0)
      command = &commands[i];
  if (!command) {
    if (name[0] == '-')
      fprintf(stderr, "duban: unknown option '%s'; 'duban --help' lists them\n", name);
    else
      fprintf(stderr, "duban: no command '%s'; 'duban --help' lists them\n", name);
    return DBN_CLI_EXIT_USAGE;
  }

  /* The subcommand's argv: its name, its own arguments up to any "--", the
   * connection options given before it, then the rest. */
  int sub_argc = argc - 1;
  char **sub_argv = calloc((size_t)sub_argc + 1, sizeof *sub_argv);
  if (!sub_argv) {
    fputs("duban: out of memory\n", stderr);
    return DBN_CLI_EXIT_FAIL;
  }
  int n = 0, rest = first + 1;
  sub_argv[n++] = argv[first];
  while (rest < argc && strcmp(argv[rest], "--") != 0)
    sub_argv[n++] = argv[rest++];
  for (int i = 1; i < first; i++)
    sub_argv[n++] = argv[i];
  while (rest < argc)
    sub_argv[n++] = argv[rest++];
  sub_argv[n] = NULL;

  int rc = command->run(n, sub_argv);
  free(sub_argv);
  return rc;
}
