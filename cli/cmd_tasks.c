/* cmd_tasks.c: what a department types: `tasks`, `task`, `claim`,
 * `progress`, `submit` and `escalate`.
 *
 * Usually through the department's agent (--agent, DUBAN_AGENT), which
 * forwards with the department's identity and keeps writes in its outbox
 * while the broker is away; the broker decides what the identity may see
 * and do, so these commands only shape requests and print answers. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_evidence.h"
#include "figure.h"
#include "display_name.h"
#include "lang.h"
#include "lead.h"
#include "milestone.h"
#include "report_cycle.h"
#include "text.h"

/* The command line of a command whose one argument is a TASK and that has
 * no options of its own: the shared options, then the task id, checked.
 * Returns the exit code, with *done_p true when the command has nothing
 * more to do (after --help or a usage error). */
static int
parse_task_argument(dbn_cli_t *cli, int argc, char **argv, const char **task_p, bool *done_p)
{
  int rc = dbn_cli_parse_common(cli, argc, argv, 1, 1, done_p);
  if (*done_p)
    return rc;
  *task_p = argv[optind];
  rc = dbn_cli_check_text(cli, "TASK", *task_p, DBN_MAX_ID, false);
  *done_p = rc != DBN_CLI_EXIT_OK;
  return rc;
}

static int
parse_task_state(const char *name, Duban__TaskState *state)
{
  for (int s = DUBAN__TASK_STATE__TASK_ASSIGNED; s <= DUBAN__TASK_STATE__TASK_DONE; s++) {
    if (strcmp(name, dbn_wire_task_state_name((Duban__TaskState)s)) == 0) {
      *state = (Duban__TaskState)s;
      return 0;
    }
  }
  return DBN_EINVAL;
}

/* The earliest milestone date of a task not yet confirmed met, or "" when
 * it has none. */
static const char *
first_due(const Duban__Task *task)
{
  const char *due = "";
  for (size_t i = 0; i < task->n_milestones; i++)
    if (task->milestones[i]->due[0] && !dbn_milestone_is_met(task, task->milestones[i]->due) &&
        (!due[0] || strcmp(task->milestones[i]->due, due) < 0))
      due = task->milestones[i]->due;
  return due;
}

/* ---- tasks ---- */

static const char tasks_usage[] =
    "usage: duban tasks [--state STATE] [--unit CODE] [--json]\n"
    "\n"
    "List the tasks you may see: a department sees its own and those of the\n"
    "measures it leads (牵头) or cooperates on (配合), each with its colour and\n"
    "one roll-up line per measure it leads; a coordinator or an auditor sees all.\n"
    "STATE is assigned, claimed, in_progress, blocked, submitted or done. The\n"
    "table shows id, state, percent, first due date, an overdue flag, the owning\n"
    "unit and the text, cut to the terminal's width.\n"
    "--json prints {\"tasks\": [...], \"head_seq\": N}.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

/* The task table. A unit's list also says how it sees each task (本单位,
 * 牵头, 配合) and its colour, and is followed by the roll-up of each measure
 * it leads (domain/lead.h); the other columns are the same for both. */
static int
print_tasks_table(const Duban__Reply *reply)
{
  if (reply->n_tasks == 0) {
    puts(dbn_tr("没有任务", "no tasks"));
    return DBN_CLI_EXIT_OK;
  }
  bool unit_view = reply->tasks[0]->seen_as && *reply->tasks[0]->seen_as;
  static const char *const unit_headers[] = {"编号 ID",  "关系 AS",      "颜色 COLOUR", "状态 STATE", "%",
                                             "期限 DUE", "逾期 OVERDUE", "单位 UNIT",   "内容 TEXT"};
  static const char *const headers[] = {"编号 ID",      "状态 STATE", "%",        "期限 DUE",
                                        "逾期 OVERDUE", "单位 UNIT",  "内容 TEXT"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, unit_view ? 9 : 7, unit_view ? unit_headers : headers) != 0)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  dbn_cli_table_align_right(table, unit_view ? 4 : 2); /* the percent */
  dbn_cli_table_max_width(table, 0, 40);
  for (size_t i = 0; i < reply->n_tasks; i++) {
    const Duban__Task *t = reply->tasks[i];
    char percent[16];
    snprintf(percent, sizeof percent, "%d", t->percent);
    const char *cells[9];
    size_t n = 0;
    cells[n++] = t->id;
    if (unit_view) {
      cells[n++] = dbn_lead_seen_as_zh(dbn_lead_seen_as_parse(t->seen_as));
      cells[n++] = t->cancelled ? "已撤销" : dbn_cli_task_colour_zh(t, reply->now);
    }
    cells[n++] = dbn_cli_word(dbn_wire_task_state_name(t->state));
    cells[n++] = percent;
    cells[n++] = first_due(t);
    cells[n++] = t->overdue ? dbn_tr("逾期", "overdue") : "";
    /* A person reads the plan's name (市能源局); English keeps the code for scripts. */
    cells[n++] =
        dbn_lang() == DBN_LANG_EN ? t->unit : dbn_unit_display_name(reply->units, reply->n_units, t->unit);
    cells[n++] = t->text;
    if (dbn_cli_table_add_row(table, cells) != 0)
      break;
  }
  int rc = dbn_cli_table_finish(&table, stdout);
  if (unit_view)
    dbn_cli_print_measure_rollups(stdout, reply);
  return rc;
}

static int
show_tasks(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)ctx;
  if (!cli->json)
    return print_tasks_table(reply);
  return dbn_cli_print_json(
      stdout, dbn_cli_list_json("tasks", (void *const *)reply->tasks, reply->n_tasks, reply->head_seq));
}

enum { OPT_STATE = DBN_CLI_OPT_FIRST_FREE, OPT_UNIT };

static int
tasks_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  Duban__ListTasks *list = ctx;
  if (opt == OPT_STATE && parse_task_state(arg, &list->state) != 0)
    return dbn_cli_usage_error(
        cli,
        dbn_tr("没有状态 '%s'；可选 assigned、claimed、in_progress、blocked、submitted 或 done",
               "no state '%s'; say assigned, claimed, in_progress, blocked, submitted or done"),
        arg);
  if (opt == OPT_UNIT) {
    int rc = dbn_cli_check_text(cli, "--unit", arg, DBN_MAX_ID, false);
    list->unit = (char *)arg;
    return rc;
  }
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_tasks(int argc, char **argv)
{
  static const struct option options[] = {
      {"state", required_argument, NULL, OPT_STATE},
      {"unit", required_argument, NULL, OPT_UNIT},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "tasks", tasks_usage);
  Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, tasks_option, &list, 0, 0, &done);
  if (done)
    return rc;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_TASKS;
  req.list_tasks = &list;
  return dbn_cli_show_reply(&cli, &req, show_tasks, NULL);
}

/* ---- task ---- */

static const char task_usage[] = "usage: duban task TASK [--json]\n"
                                 "\n"
                                 "Show one task in full: its place in the plan, state, percent, milestones,\n"
                                 "targets, the figures reported against them, the last note, reminders and\n"
                                 "open escalations. --json prints the task as one object.\n"
                                 "\n" DBN_CLI_CONNECTION_HELP;

static void
print_field(const char *label, const char *value)
{
  dbn_text_print_cell(stdout, label, 12);
  printf("%s\n", value);
}

/* "月报, last report 2024-03-05 10:00" (or none yet); nothing for a task
 * with no reporting cycle. */
static void
print_report_cycle(const Duban__Task *t, char *line, size_t line_len)
{
  dbn_report_cycle_t cycle;
  if (dbn_report_cycle_parse(t->report_cycle, &cycle) || cycle == DBN_CYCLE_NONE)
    return;
  char when[32];
  snprintf(when, sizeof when, "%s", dbn_tr("尚无", "none yet"));
  if (t->last_report_at > 0)
    dbn_cli_format_time(t->last_report_at, when);
  snprintf(line, line_len, dbn_tr("%s，最近一次报送 %s", "%s, last report %s"),
           dbn_report_cycle_name_zh(cycle), when);
  print_field(dbn_tr("报送周期", "reporting"), line);
}

/* 计划调整, oldest first: what changed, by whom, when and why. */
static void
print_plan_changes(const Duban__Task *t, char *line, size_t line_len)
{
  for (size_t i = 0; i < t->n_plan_changes; i++) {
    const Duban__PlanChangeRecord *change = t->plan_changes[i];
    char when[32];
    dbn_cli_format_time(change->time, when);
    snprintf(line, line_len, dbn_tr("事件 %llu %s %s %s；理由：%s", "seq %llu %s %s %s; reason: %s"),
             (unsigned long long)change->seq, when, change->actor, change->what, change->reason);
    print_field(i == 0 ? dbn_tr("计划调整", "plan changes") : "", line);
  }
}

static void
print_task(const Duban__Task *t)
{
  char line[DBN_MAX_TEXT + 256];
  print_field(dbn_tr("任务", "task"), t->id);
  snprintf(line, sizeof line,
           dbn_tr("%s，第 %s 部分，举措 %s，行动 %s", "%s, section %s, measure %s, action %s"), t->plan,
           t->section, t->measure, t->number);
  print_field(dbn_tr("计划", "plan"), line);
  snprintf(line, sizeof line, "%s", t->unit);
  if (t->n_lead > 0) {
    strncat(line, dbn_tr("（牵头单位", " (measure led by"), sizeof line - strlen(line) - 1);
    for (size_t i = 0; i < t->n_lead; i++) {
      strncat(line, " ", sizeof line - strlen(line) - 1);
      strncat(line, t->lead[i], sizeof line - strlen(line) - 1);
    }
    strncat(line, dbn_tr("）", ")"), sizeof line - strlen(line) - 1);
  }
  print_field(dbn_tr("责任单位", "unit"), line);
  if (t->seen_as && *t->seen_as) /* a unit's read: own, or its measure's as 牵头 or 配合 (domain/lead.h) */
    print_field(dbn_tr("关系", "seen as"), dbn_lead_seen_as_zh(dbn_lead_seen_as_parse(t->seen_as)));
  snprintf(line, sizeof line, "%s, %d%%%s%s", dbn_cli_word(dbn_wire_task_state_name(t->state)), t->percent,
           t->overdue ? dbn_tr("，逾期", ", OVERDUE") : "",
           t->cancelled ? dbn_tr("，已撤销（计划调整）", ", cancelled (plan change)") : "");
  print_field(dbn_tr("状态", "state"), line);
  if (t->n_cooperating > 0) {
    line[0] = '\0';
    for (size_t i = 0; i < t->n_cooperating; i++) {
      strncat(line, i ? " " : "", sizeof line - strlen(line) - 1);
      strncat(line, t->cooperating[i], sizeof line - strlen(line) - 1);
    }
    print_field(dbn_tr("配合单位", "cooperating"), line);
  }
  /* Numbered: `duban milestone met TASK 1` names the first. */
  for (size_t i = 0; i < t->n_milestones; i++) {
    const Duban__Milestone *m = t->milestones[i];
    const char *met = dbn_milestone_state_zh(t, m->due);
    snprintf(line, sizeof line, "%zu. %s%s%s%s%s %s", i + 1, m->due,
             m->inherited ? dbn_tr("（沿用计划期限）", " (plan horizon)") : "", *met ? "〔" : "", met,
             *met ? "〕" : "", m->text);
    print_field(i == 0 ? dbn_tr("节点", "milestones") : "", line);
  }
  print_report_cycle(t, line, sizeof line);
  /* Numbered: a figure may name its target by number (--figure '1=3300万千瓦'). */
  for (size_t i = 0; i < t->n_targets; i++) {
    char amount[DBN_QUANTITY_FORMAT_LEN] = "";
    dbn_quantity_t q;
    char why[128];
    if (dbn_target_quantity(t->targets[i], &q, why, sizeof why) == 0)
      dbn_quantity_format(&q, amount, sizeof amount);
    else
      snprintf(amount, sizeof amount, "%g%s", t->targets[i]->value, t->targets[i]->unit_of_measure);
    snprintf(line, sizeof line, "%zu. %s %s", i + 1, t->targets[i]->what, amount);
    print_field(i == 0 ? dbn_tr("目标", "targets") : "", line);
  }
  /* Each figure against its target: 3300万千瓦 / 5500万千瓦 (60%). */
  for (size_t i = 0; i < t->n_figures; i++) {
    char against[DBN_QUANTITY_AGAINST_LEN];
    dbn_figure_format(t->figures[i], dbn_figure_target(t, t->figures[i]), against, sizeof against);
    snprintf(line, sizeof line, "%s %s", t->figures[i]->what, against);
    print_field(i == 0 ? dbn_tr("指标", "figures") : "", line);
  }
  if (t->note[0])
    print_field(dbn_tr("说明", "note"), t->note);
  snprintf(line, sizeof line, dbn_tr("%u 次，未结督办事项 %u 件", "%u, open escalations %u"), t->reminders,
           t->open_escalations);
  print_field(dbn_tr("催办", "reminders"), line);
  char iso[32];
  dbn_cli_format_time(t->updated_at, iso);
  snprintf(line, sizeof line, dbn_tr("事件 %llu，%s", "seq %llu at %s"), (unsigned long long)t->updated_seq,
           iso);
  print_field(dbn_tr("最近更新", "updated"), line);
  if (t->measure_text[0])
    print_field(dbn_tr("举措", "measure"), t->measure_text);
  print_field(dbn_tr("内容", "text"), t->text);
  print_plan_changes(t, line, sizeof line);
}

static int
show_task(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  const char *id = ctx;
  if (reply->n_tasks == 0)
    return dbn_cli_fail("not_found", dbn_tr("没有任务 %s", "no task %s"), id);
  if (cli->json)
    return dbn_cli_print_json(stdout, dbn_cli_message_json(&reply->tasks[0]->base));
  print_task(reply->tasks[0]);
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_task(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "task", task_usage);
  const char *id;
  bool done;
  int rc = parse_task_argument(&cli, argc, argv, &id, &done);
  if (done)
    return rc;
  Duban__GetTask get = DUBAN__GET_TASK__INIT;
  get.task = (char *)id;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_GET_TASK;
  req.get_task = &get;
  return dbn_cli_show_reply(&cli, &req, show_task, (void *)id);
}

/* ---- claim ---- */

static const char claim_usage[] =
    "usage: duban claim TASK [--json]\n"
    "\n"
    "Claim (签收) a task assigned to your department: it moves from assigned to\n"
    "claimed. Through an agent while the broker is away the claim is queued\n"
    "and delivered later, once.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

int
dbn_cmd_claim(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "claim", claim_usage);
  const char *id;
  bool done;
  int rc = parse_task_argument(&cli, argc, argv, &id, &done);
  if (done)
    return rc;
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = (char *)id;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_CLAIM;
  req.claim = &claim;
  return dbn_cli_write_and_close(&cli, &req, dbn_tr("已签收 %s", "claimed %s"), id);
}

/* ---- progress ---- */

static const char progress_usage[] =
    "usage: duban progress TASK --percent N [--figure 'WHAT=VALUE[UNIT]']... [--note TEXT]\n"
    "                      [--evidence FILE]... [--json]\n"
    "\n"
    "Report progress on a task: N is 0..100. Each --figure is a quantity done\n"
    "against one of the task's targets, e.g. --figure '公共充电桩=1200个'\n"
    "(up to 64 of them). The first report moves a claimed task to in_progress.\n"
    "\n" DBN_CLI_EVIDENCE_HELP "\n" DBN_CLI_CONNECTION_HELP;

/* What the options of one progress report said; the figures' strings are
 * the report's to clear. */
typedef struct {
  Duban__Progress progress;
  dbn_cli_figures_t figures;
  bool have_percent;
  dbn_cli_evidence_t evidence;
} progress_report_t;

enum { OPT_PERCENT = DBN_CLI_OPT_FIRST_FREE, OPT_FIGURE, OPT_NOTE, OPT_EVIDENCE };

static int
progress_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  progress_report_t *report = ctx;
  if (opt == OPT_PERCENT) {
    report->have_percent = true;
    if (dbn_cli_parse_int(arg, 0, 100, &report->progress.percent) != 0)
      return dbn_cli_usage_error(cli,
                                 dbn_tr("--percent 要 0..100 的整数，而不是 '%s'",
                                        "--percent wants a whole number 0..100, not '%s'"),
                                 arg);
  } else if (opt == OPT_FIGURE) {
    return dbn_cli_figure_option(cli, &report->figures, arg);
  } else if (opt == OPT_NOTE) {
    report->progress.note = (char *)arg;
    return dbn_cli_check_text(cli, "--note", arg, DBN_MAX_TEXT, true);
  } else if (opt == OPT_EVIDENCE) {
    return dbn_cli_evidence_option(cli, &report->evidence, arg);
  }
  return DBN_CLI_EXIT_OK;
}

static int
send_progress(dbn_cli_t *cli, progress_report_t *report, const char *id)
{
  if (!report->have_percent)
    return dbn_cli_usage_error(cli, "%s", dbn_tr("必须给出 --percent N", "--percent N is required"));
  int rc = dbn_cli_check_text(cli, "TASK", id, DBN_MAX_ID, false);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  report->progress.task = (char *)id;
  report->progress.figures = report->figures.ptrs;
  report->progress.n_figures = report->figures.n;
  if ((rc = dbn_cli_evidence_load(cli, &report->evidence)) != DBN_CLI_EXIT_OK)
    return rc;
  report->progress.evidence = report->evidence.ptrs;
  report->progress.n_evidence = report->evidence.n;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  req.progress = &report->progress;
  return dbn_cli_write_and_close(
      cli, &req, dbn_tr("已填报 %s：进度 %d%%，指标 %zu 个%s", "%s at %d%%, %zu figure%s"), id,
      report->progress.percent, report->figures.n, report->figures.n == 1 ? "" : dbn_tr("", "s"));
}

int
dbn_cmd_progress(int argc, char **argv)
{
  static const struct option options[] = {
      {"percent", required_argument, NULL, OPT_PERCENT},
      {"figure", required_argument, NULL, OPT_FIGURE},
      {"note", required_argument, NULL, OPT_NOTE},
      {"evidence", required_argument, NULL, OPT_EVIDENCE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "progress", progress_usage);
  progress_report_t report = {.progress = DUBAN__PROGRESS__INIT};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, progress_option, &report, 1, 1, &done);
  if (!done)
    rc = send_progress(&cli, &report, argv[optind]);
  dbn_cli_figures_clear(&report.figures);
  dbn_cli_evidence_clear(&report.evidence);
  dbn_cli_fini(&cli);
  return rc;
}

/* ---- submit ---- */

static const char submit_usage[] = "usage: duban submit TASK [--note TEXT] [--evidence FILE]... [--json]\n"
                                   "\n"
                                   "Submit a task as done; a coordinator then accepts it or sends it back.\n"
                                   "\n" DBN_CLI_EVIDENCE_HELP "\n" DBN_CLI_CONNECTION_HELP;

typedef struct {
  const char *note;
  dbn_cli_evidence_t evidence;
} submit_options_t;

static int
submit_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  submit_options_t *o = ctx;
  if (opt == OPT_EVIDENCE)
    return dbn_cli_evidence_option(cli, &o->evidence, arg);
  o->note = arg;
  return dbn_cli_check_text(cli, "--note", arg, DBN_MAX_TEXT, true);
}

static int
send_submit(dbn_cli_t *cli, const char *id, submit_options_t *o)
{
  int rc = dbn_cli_check_text(cli, "TASK", id, DBN_MAX_ID, false);
  if (rc != DBN_CLI_EXIT_OK || (rc = dbn_cli_evidence_load(cli, &o->evidence)) != DBN_CLI_EXIT_OK)
    return rc;
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  submit.task = (char *)id;
  if (o->note)
    submit.note = (char *)o->note;
  submit.evidence = o->evidence.ptrs;
  submit.n_evidence = o->evidence.n;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_SUBMIT;
  req.submit = &submit;
  return dbn_cli_write_and_close(cli, &req, dbn_tr("已报结 %s", "submitted %s"), id);
}

int
dbn_cmd_submit(int argc, char **argv)
{
  static const struct option options[] = {
      {"note", required_argument, NULL, OPT_NOTE},
      {"evidence", required_argument, NULL, OPT_EVIDENCE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "submit", submit_usage);
  submit_options_t o = {0};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, submit_option, &o, 1, 1, &done);
  if (!done)
    rc = send_submit(&cli, argv[optind], &o);
  dbn_cli_evidence_clear(&o.evidence);
  dbn_cli_fini(&cli);
  return rc;
}

/* ---- escalate ---- */

static const char escalate_usage[] =
    "usage: duban escalate TASK --category CATEGORY --reason TEXT [--json]\n"
    "\n"
    "Raise a block your department cannot clear alone (funding, land,\n"
    "approval, another department...). The coordinators' watch shows it at\n"
    "once; the escalation's id is the seq printed here (ack and resolve take it).\n"
    "\n" DBN_CLI_CONNECTION_HELP;

enum { OPT_CATEGORY = DBN_CLI_OPT_FIRST_FREE, OPT_REASON };

static int
escalate_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli;
  Duban__Escalate *escalate = ctx;
  if (opt == OPT_CATEGORY)
    escalate->category = (char *)arg;
  else if (opt == OPT_REASON)
    escalate->reason = (char *)arg;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_escalate(int argc, char **argv)
{
  static const struct option options[] = {
      {"category", required_argument, NULL, OPT_CATEGORY},
      {"reason", required_argument, NULL, OPT_REASON},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "escalate", escalate_usage);
  /* NULL until given: the message says which one is missing. */
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.category = escalate.reason = NULL;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, escalate_option, &escalate, 1, 1, &done);
  if (done)
    return rc;
  const char *id = argv[optind];
  if (!escalate.category)
    return dbn_cli_usage_error(&cli, "%s",
                               dbn_tr("必须给出 --category（问题类别）", "--category is required"));
  if (!escalate.reason)
    return dbn_cli_usage_error(&cli, "%s", dbn_tr("必须给出 --reason（原因）", "--reason is required"));
  if ((rc = dbn_cli_check_text(&cli, "TASK", id, DBN_MAX_ID, false)) != 0 ||
      (rc = dbn_cli_check_text(&cli, "--category", escalate.category, DBN_MAX_ID, false)) != 0 ||
      (rc = dbn_cli_check_text(&cli, "--reason", escalate.reason, DBN_MAX_TEXT, false)) != 0)
    return rc;
  escalate.task = (char *)id;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_ESCALATE;
  req.escalate = &escalate;
  return dbn_cli_write_and_close(
      &cli, &req,
      dbn_tr("已提请协调 %s（督办事项编号即事件号）", "escalated %s (the escalation's id is the seq)"), id);
}
