/* cmd_plan_change.c: `duban plan change ...`, 计划调整 of a loaded plan
 * (domain/plan_change.h).
 *
 * An admin or a coordinator adds a task to a measure, cancels a task, or
 * re-dates, adds or removes one of its milestones, always with a reason the
 * department reads in its inbox. Each is one event in the log; `duban task`
 * lists a task's changes and `duban audit report --at DATE` shows the plan
 * as it stood on any day. The broker decides what is allowed and says why
 * not. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lang.h"
#include "plan_change.h"

static const char change_usage[] =
    "usage: duban plan change add MEASURE --unit UNIT --text TEXT --due DATE [--due DATE]... --reason TEXT\n"
    "       duban plan change cancel TASK --reason TEXT\n"
    "       duban plan change redate TASK --due DATE [--milestone N|DATE] --reason TEXT\n"
    "       duban plan change add-milestone TASK --due DATE --text TEXT --reason TEXT\n"
    "       duban plan change remove-milestone TASK --milestone N|DATE --reason TEXT\n"
    "\n"
    "计划调整 (for coordinators and admins), each with a reason (--reason) that the\n"
    "task's department reads in its inbox:\n"
    "  add               a new task under MEASURE (2.1, or PLAN:2.1), owned by UNIT\n"
    "                    (code, name or alias), with one milestone per --due; its id\n"
    "                    is the measure's next action number\n"
    "  cancel            the task is no longer to be done: not overdue, not warned,\n"
    "                    not scored\n"
    "  redate            a milestone gets another due day; without --milestone, the\n"
    "                    task's last one (its deadline)\n"
    "  add-milestone     a new milestone with the text it governs\n"
    "  remove-milestone  a milestone is dropped (a task keeps at least one)\n"
    "A new day is YYYY-MM-DD, not before the plan's issue day and not already past;\n"
    "a milestone met or awaiting confirmation keeps its day. MILESTONE is its number\n"
    "in `duban task TASK` or its due day. `duban task TASK` shows every change.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

enum { OPT_UNIT = DBN_CLI_OPT_FIRST_FREE, OPT_TEXT, OPT_DUE, OPT_MILESTONE, OPT_REASON };

/* What the options said, borrowed from argv. */
typedef struct {
  const char *unit;
  const char *text;
  const char *dues[DBN_PLAN_CHANGE_MAX_MILESTONES];
  size_t n_dues;
  const char *milestone;
  const char *reason;
} change_options_t;

static int
change_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  change_options_t *o = ctx;
  switch (opt) {
  case OPT_UNIT: o->unit = arg; return dbn_cli_check_text(cli, "--unit", arg, DBN_MAX_ID, false);
  case OPT_TEXT: o->text = arg; return dbn_cli_check_text(cli, "--text", arg, DBN_MAX_TEXT, false);
  case OPT_MILESTONE:
    o->milestone = arg;
    return dbn_cli_check_text(cli, "--milestone", arg, DBN_MAX_ID, false);
  case OPT_REASON: o->reason = arg; return dbn_cli_check_text(cli, "--reason", arg, DBN_MAX_TEXT, false);
  case OPT_DUE:
    if (o->n_dues == DBN_PLAN_CHANGE_MAX_MILESTONES)
      return dbn_cli_usage_error(cli, "一个任务至多 %d 个节点", DBN_PLAN_CHANGE_MAX_MILESTONES);
    o->dues[o->n_dues++] = arg;
    return dbn_cli_check_text(cli, "--due", arg, DBN_MAX_ID, false);
  default: return DBN_CLI_EXIT_OK;
  }
}

/* The options a word needs and takes: "u" unit, "t" text, "d" one due,
 * "D" dues, "m" milestone (optional), "M" milestone (required). */
static int
check_options(dbn_cli_t *cli, const change_options_t *o, const char *needs)
{
  if (!o->reason)
    return dbn_cli_usage_error(cli, "--reason 是必填的：部门会看到调整的理由");
  if ((o->unit != NULL) != (strchr(needs, 'u') != NULL))
    return dbn_cli_usage_error(cli, o->unit ? "--unit 只用于 plan change add" : "--unit 是必填的");
  if ((o->text != NULL) != (strchr(needs, 't') != NULL))
    return dbn_cli_usage_error(cli, o->text ? "这个调整不带 --text" : "--text 是必填的");
  if (strchr(needs, 'd') && o->n_dues != 1)
    return dbn_cli_usage_error(cli, "需要一个 --due 日期");
  if (strchr(needs, 'D') && o->n_dues == 0)
    return dbn_cli_usage_error(cli, "至少需要一个 --due 日期");
  if (!strchr(needs, 'd') && !strchr(needs, 'D') && o->n_dues)
    return dbn_cli_usage_error(cli, "这个调整不带 --due");
  if (strchr(needs, 'M') && !o->milestone)
    return dbn_cli_usage_error(cli, "--milestone 是必填的（序号或到期日）");
  if (!strchr(needs, 'm') && !strchr(needs, 'M') && o->milestone)
    return dbn_cli_usage_error(cli, "这个调整不带 --milestone");
  return DBN_CLI_EXIT_OK;
}

/* The task the broker made for the add that produced seq: the one in the
 * measure it last changed. */
static char *
find_added_task(dbn_cli_t *cli, uint64_t seq)
{
  Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_TASKS;
  req.list_tasks = &list;
  Duban__Reply *reply;
  if (dbn_cli_request(cli, &req, &reply) != DBN_CLI_EXIT_OK)
    return NULL;
  char *id = NULL;
  for (size_t i = 0; i < reply->n_tasks && !id; i++)
    if (reply->tasks[i]->updated_seq == seq && reply->tasks[i]->n_plan_changes == 1)
      id = strdup(reply->tasks[i]->id);
  dbn_wire_reply_free(&reply);
  return id;
}

static int
send_add(dbn_cli_t *cli, const char *measure, const change_options_t *o)
{
  Duban__Milestone milestones[DBN_PLAN_CHANGE_MAX_MILESTONES], *pointers[DBN_PLAN_CHANGE_MAX_MILESTONES];
  for (size_t i = 0; i < o->n_dues; i++) {
    duban__milestone__init(&milestones[i]);
    milestones[i].due = (char *)o->dues[i];
    milestones[i].text = (char *)o->text;
    pointers[i] = &milestones[i];
  }
  Duban__PlanChangeAdd add = DUBAN__PLAN_CHANGE_ADD__INIT;
  add.measure = (char *)measure;
  add.unit = (char *)o->unit;
  add.text = (char *)o->text;
  add.reason = (char *)o->reason;
  add.milestones = pointers;
  add.n_milestones = o->n_dues;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD;
  req.plan_change_add = &add;
  Duban__Reply *reply;
  int rc = dbn_cli_request(cli, &req, &reply);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  uint64_t seq = reply->seq;
  bool queued = reply->queued;
  dbn_wire_reply_free(&reply);
  char *id = queued ? NULL : find_added_task(cli, seq);
  if (cli->json) {
    cJSON *json = cJSON_CreateObject();
    if (json) {
      cJSON_AddBoolToObject(json, "ok", 1);
      cJSON_AddNumberToObject(json, "seq", (double)seq);
      cJSON_AddStringToObject(json, "task", id ? id : "");
    }
    rc = dbn_cli_print_json(stdout, json);
  } else if (!queued) {
    printf(dbn_tr("完成：已新增任务 %s（事件 %llu）\n", "ok: added task %s (seq %llu)\n"),
           id ? id : dbn_tr("（见 duban tasks）", "(see duban tasks)"), (unsigned long long)seq);
  }
  free(id);
  return rc;
}

static int
send_dates(dbn_cli_t *cli, Duban__PlanChangeDatesOp op, const char *task, const change_options_t *o)
{
  Duban__PlanChangeDates change = DUBAN__PLAN_CHANGE_DATES__INIT;
  change.task = (char *)task;
  change.op = op;
  change.milestone = (char *)(o->milestone ? o->milestone : "");
  change.due = (char *)(o->n_dues ? o->dues[0] : "");
  change.text = (char *)(o->text ? o->text : "");
  change.reason = (char *)o->reason;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PLAN_CHANGE_DATES;
  req.plan_change_dates = &change;
  const char *what = op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE          ? "节点改期"
                     : op == DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE ? "新增节点"
                                                                                    : "删除节点";
  return dbn_cli_write(cli, &req, what);
}

static int
send_cancel(dbn_cli_t *cli, const char *task, const change_options_t *o)
{
  Duban__PlanChangeCancel cancel = DUBAN__PLAN_CHANGE_CANCEL__INIT;
  cancel.task = (char *)task;
  cancel.reason = (char *)o->reason;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PLAN_CHANGE_CANCEL;
  req.plan_change_cancel = &cancel;
  char what[DBN_MAX_ID + 32];
  snprintf(what, sizeof what, "已撤销任务 %s", task);
  return dbn_cli_write(cli, &req, what);
}

/* One word of `plan change`: its options, what it needs, and its request. */
static int
run_change(const char *word, const char *needs, int argc, char **argv)
{
  static const struct option options[] = {
      {"unit", required_argument, NULL, OPT_UNIT},
      {"text", required_argument, NULL, OPT_TEXT},
      {"due", required_argument, NULL, OPT_DUE},
      {"milestone", required_argument, NULL, OPT_MILESTONE},
      {"reason", required_argument, NULL, OPT_REASON},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  char command[48];
  snprintf(command, sizeof command, "plan change %s", word);
  dbn_cli_t cli;
  dbn_cli_init(&cli, command, change_usage);
  change_options_t o = {0};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, change_option, &o, 1, 1, &done);
  if (done)
    return rc;
  const char *subject = argv[optind];
  rc = dbn_cli_check_text(&cli, strcmp(word, "add") == 0 ? "MEASURE" : "TASK", subject, DBN_MAX_ID, false);
  if (rc == DBN_CLI_EXIT_OK)
    rc = check_options(&cli, &o, needs);
  if (rc == DBN_CLI_EXIT_OK) {
    if (strcmp(word, "add") == 0)
      rc = send_add(&cli, subject, &o);
    else if (strcmp(word, "cancel") == 0)
      rc = send_cancel(&cli, subject, &o);
    else if (strcmp(word, "redate") == 0)
      rc = send_dates(&cli, DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE, subject, &o);
    else if (strcmp(word, "add-milestone") == 0)
      rc = send_dates(&cli, DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE, subject, &o);
    else
      rc = send_dates(&cli, DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE, subject, &o);
  }
  dbn_cli_fini(&cli);
  return rc;
}

static int
cmd_add(int argc, char **argv)
{
  return run_change("add", "utD", argc, argv);
}

static int
cmd_cancel(int argc, char **argv)
{
  return run_change("cancel", "", argc, argv);
}

static int
cmd_redate(int argc, char **argv)
{
  return run_change("redate", "dm", argc, argv);
}

static int
cmd_add_milestone(int argc, char **argv)
{
  return run_change("add-milestone", "td", argc, argv);
}

static int
cmd_remove_milestone(int argc, char **argv)
{
  return run_change("remove-milestone", "M", argc, argv);
}

int
dbn_cmd_plan_change(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"add", cmd_add},
                                         {"cancel", cmd_cancel},
                                         {"redate", cmd_redate},
                                         {"add-milestone", cmd_add_milestone},
                                         {"remove-milestone", cmd_remove_milestone}};
  return dbn_cli_run_word("plan change", change_usage, words, sizeof words / sizeof words[0], argc, argv);
}
