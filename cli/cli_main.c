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
#include "help_zh.h"
#include "lang.h"
#include "store.h"
#include "version.h"
#include "wire.h"

typedef struct {
  const char *name;                  /* as typed */
  int (*run)(int argc, char **argv); /* returns the exit code */
  const char *group;                 /* who it is for, for the overview */
  const char *summary;               /* one line */
  const char *summary_zh;            /* the same line in Chinese */
} command_t;

static const command_t commands[] = {
    {"tasks", dbn_cmd_tasks, "departments", "list tasks (--state, --unit)", "列出任务（--state、--unit）"},
    {"task", dbn_cmd_task, "departments", "show one task in full", "显示一项任务的全部内容"},
    {"claim", dbn_cmd_claim, "departments", "claim (签收) an assigned task", "签收分派的任务"},
    {"progress", dbn_cmd_progress, "departments", "report percent, figures and a note",
     "填报进度百分比、指标和说明"},
    {"submit", dbn_cmd_submit, "departments", "submit a task as done", "报送任务已完成"},
    {"milestone", dbn_cmd_milestone, "departments",
     "milestone met|confirm|return: one milestone (节点) at a time",
     "milestone met|confirm|return：节点逐个办理"},
    {"escalate", dbn_cmd_escalate, "departments", "raise a block you cannot clear alone",
     "提出无法独自解决的阻碍"},
    {"inbox", dbn_cmd_inbox, "departments", "what coordinators told you (催办, 退回, notes), unread first",
     "协调办告诉你的事（催办、退回、说明），未读在前"},
    {"outbox", dbn_cmd_outbox, "departments", "queued commands: pending, or refused and why",
     "排队的命令：待发送的，或被拒绝的及其理由"},
    {"watch", dbn_cmd_watch, "coordinators", "open escalations, then every event live",
     "未办结的督办事项，然后实时显示每个事件"},
    {"escalations", dbn_cmd_escalations, "coordinators", "list open (or --all) escalations",
     "列出未办结的（或 --all 全部）督办事项"},
    {"ack", dbn_cmd_ack, "coordinators", "acknowledge an escalation", "确认收到督办事项"},
    {"resolve", dbn_cmd_resolve, "coordinators", "resolve an escalation", "解决督办事项"},
    {"remind", dbn_cmd_remind, "coordinators", "remind (催办) a department of a task", "就某项任务催办部门"},
    {"accept", dbn_cmd_accept, "coordinators", "accept submitted work", "验收通过报送的工作"},
    {"reject", dbn_cmd_reject, "coordinators", "send submitted work back, with a reason",
     "退回报送的工作，附理由"},
    {"reassign", dbn_cmd_reassign, "coordinators", "give a task to another unit", "把任务改派给另一单位"},
    {"keygen", dbn_cmd_keygen, "admins", "make CURVE keys for the broker, units and roles",
     "为中心服务、单位和角色生成 CURVE 密钥"},
    {"user", dbn_cmd_user, "admins", "user add|list|remove|passwd: accounts of a desk or the board",
     "user add|list|remove|passwd：部门工作台或看板的账号"},
    {"plan", dbn_cmd_plan, "admins", "plan import FILE | plan load FILE.json | plan change (计划调整)",
     "plan import FILE | plan load FILE.json | plan change（计划调整）"},
    {"clock", dbn_cmd_clock, "admins", "clock advance SECONDS|--days N (virtual clock)",
     "clock advance SECONDS|--days N（虚拟时钟）"},
    {"admin", dbn_cmd_admin, "admins", "admin backup --data DIR --to DEST: a hot, verified copy of the log",
     "admin backup --data DIR --to DEST：日志的热备份，经过验证"},
    {"scoring", dbn_cmd_scoring, "coordinators", "scoring load FILE: the 考核 rules, dated and versioned",
     "scoring load FILE：考核细则，带日期和版本"},
    {"ping", dbn_cmd_ping, "anyone", "who you are to the broker, its clock, its head",
     "中心服务认为你是谁、它的时钟、最新序号"},
    {"audit", dbn_cmd_audit, "auditors", "audit verify|replay --data DIR (no broker needed)",
     "audit verify|replay --data DIR（无需中心服务）"},
    {"evidence", dbn_cmd_evidence, "anyone",
     "evidence list TASK | get HASH: files attached to reports (佐证材料)",
     "evidence list TASK | get HASH：填报附上的文件（佐证材料）"},
    {"lead", dbn_cmd_lead, "departments",
     "lead remind TASK --note TEXT: a measure's lead unit (牵头单位) reminds",
     "lead remind TASK --note TEXT：措施的牵头单位催办"},
};

/* A group of the overview ("departments") as the person reads it. */
static const char *
group_name(const char *group)
{
  static const struct {
    const char *en, *zh;
  } groups[] = {{"departments", "部门"},
                {"coordinators", "协调办"},
                {"admins", "管理员"},
                {"anyone", "所有人"},
                {"auditors", "审计"}};
  if (dbn_lang() == DBN_LANG_ZH)
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
      if (strcmp(groups[i].en, group) == 0)
        return groups[i].zh;
  return group;
}

static void
print_overview(FILE *out)
{
  bool zh = dbn_lang() == DBN_LANG_ZH;
  fputs(zh ? "用法：duban [连接选项] COMMAND [ARGS] [--json] [--lang zh|en] [--help]\n"
             "      duban --version   （版本号，以及线路协议和日志格式的版本）\n\n"
             "duban（督办）跟踪政策计划的各项任务在承办部门中的落实。\n"
             "每个命令都有 --help。\n"
           : "usage: duban [CONNECTION OPTIONS] COMMAND [ARGS] [--json] [--lang zh|en] [--help]\n"
             "       duban --version   (the version, the wire protocol's and the log format's)\n\n"
             "duban (督办) follows the tasks of a policy plan through the departments that\n"
             "carry it out. Every command has --help.\n",
        out);
  const char *group = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (!group || strcmp(group, commands[i].group) != 0) {
      group = commands[i].group;
      fprintf(out, zh ? "\n%s用：\n" : "\nFor %s:\n", group_name(group));
    }
    fprintf(out, "  %-12s %s\n", commands[i].name, zh ? commands[i].summary_zh : commands[i].summary);
  }
  fputs("\n", out);
  fputs(dbn_cli_connection_help(), out);
  fputs(zh ? "\n退出状态：0 完成，1 被拒绝或失败（原因见 stderr），2 命令行有误。\n"
           : "\nExit status: 0 done, 1 refused or failed (the reason on stderr), 2 a wrong command line.\n",
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
