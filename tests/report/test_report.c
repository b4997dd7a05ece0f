/* test_report.c: the assessment report on a small real log.
 *
 * Three departments and five tasks, written as events into an LMDB log in a
 * temporary folder, then reported on with report.h. Every expected figure
 * is worked out by hand in the comments, from score.h's default weights
 * (base 100, on time +5, late +2, -1 a day overdue floored at -30 a task,
 * own escalation 0, automatic -5, reminder -2). The pace margin is set to
 * 100 so that no task is ever yellow: the colours are then the deadlines'
 * alone (blue within 30 days of a due day, red past it), which keeps the
 * hand computation short.
 *
 *   JIA 市甲局  t:1.1.1 due 2024-03-31, accepted 2024-03-10    on time  +5
 *              t:1.1.2 due 2024-06-30, claimed, own escalation 04-05   0
 *   YI  市乙局  t:1.1.3 due 2024-02-29, claimed, never done    overdue
 *              t:1.1.4 due 2024-03-31, accepted 2024-04-10    late     +2
 *   BING 市丙局 t:1.1.5 due 2024-01-31, never claimed          overdue,
 *              an automatic escalation 02-01 (-5), a reminder 02-05 (-2)
 *
 * Reported at the end of 2024-04-15 (Beijing time, 2024-04-15T16:00Z):
 *   t:1.1.3 is 46 days late (Feb 29 -> Apr 15: 1 + 31 + 14), floor -30;
 *   t:1.1.5 is 75 days late (Jan 31 -> Apr 15: 1 + 29 + 31 + 14), floor -30.
 *   JIA 105 (rank 1), YI 100 - 30 + 2 = 72 (2), BING 100 - 30 - 5 - 2 = 63 (3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "date.h"
#include "report.h"
#include "store.h"

struct fixture {
  char dir[256];
  char scratch[300];
};

/* Unix seconds of day (YYYY-MM-DD, a UTC day) at hour UTC. */
static int64_t
at_day(const char *day, int hour)
{
  int64_t start;
  assert_int_equal(dbn_date_parse_zone(day, 0, &start), 0);
  return start + hour * 3600;
}

static void
append(dbn_store_t *store, Duban__Event *event)
{
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  int rc = dbn_store_append(txn, event);
  if (rc) {
    dbn_store_abort(&txn);
    fail_msg("append %d failed: %s", event->body_case, dbn_strerror(rc));
  }
  assert_int_equal(dbn_store_commit(&txn), 0);
}

/* ---- the plan ---- */

static void
load_plan(dbn_store_t *store)
{
  static const struct {
    const char *id, *unit, *due;
  } tasks[] = {
      {"t:1.1.1", "JIA", "2024-03-31"}, {"t:1.1.2", "JIA", "2024-06-30"},  {"t:1.1.3", "YI", "2024-02-29"},
      {"t:1.1.4", "YI", "2024-03-31"},  {"t:1.1.5", "BING", "2024-01-31"},
  };
  enum { N = sizeof tasks / sizeof tasks[0] };
  Duban__Milestone milestones[N];
  Duban__Milestone *milestone_p[N];
  Duban__Action actions[N];
  Duban__Action *action_p[N];
  char numbers[N][4];
  for (size_t i = 0; i < N; i++) {
    duban__milestone__init(&milestones[i]);
    milestones[i].due = (char *)tasks[i].due;
    milestones[i].text = "完成";
    milestone_p[i] = &milestones[i];
    duban__action__init(&actions[i]);
    snprintf(numbers[i], sizeof numbers[i], "%zu", i + 1);
    actions[i].id = (char *)tasks[i].id;
    actions[i].number = numbers[i];
    actions[i].text = "落实任务";
    actions[i].unit = (char *)tasks[i].unit;
    actions[i].n_milestones = 1;
    actions[i].milestones = &milestone_p[i];
    action_p[i] = &actions[i];
  }
  static char *lead[] = {"JIA"};
  Duban__Measure measure = DUBAN__MEASURE__INIT;
  measure.number = "1";
  measure.text = "推进重点工作";
  measure.n_lead = 1;
  measure.lead = lead;
  measure.n_actions = N;
  measure.actions = action_p;
  Duban__Measure *measure_p = &measure;
  Duban__Section section = DUBAN__SECTION__INIT;
  section.number = "1";
  section.title = "总体要求";
  section.n_measures = 1;
  section.measures = &measure_p;
  Duban__Section *section_p = &section;
  Duban__Unit units[3] = {DUBAN__UNIT__INIT, DUBAN__UNIT__INIT, DUBAN__UNIT__INIT};
  units[0].code = "BING";
  units[0].name = "市丙局";
  units[1].code = "JIA";
  units[1].name = "市甲局";
  units[2].code = "YI";
  units[2].name = "市乙局";
  Duban__Unit *unit_p[] = {&units[0], &units[1], &units[2]};
  Duban__Plan plan = DUBAN__PLAN__INIT;
  plan.id = "t";
  plan.title = "测试方案";
  plan.issued = "2024-01-01";
  plan.horizon = "2024-12-31";
  plan.n_sections = 1;
  plan.sections = &section_p;
  plan.n_units = 3;
  plan.units = unit_p;
  Duban__LoadPlan load = DUBAN__LOAD_PLAN__INIT;
  load.plan = &plan;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = at_day("2024-01-01", 1);
  event.actor = "admin:admin";
  event.body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
  event.plan_loaded = &load;
  append(store, &event);
}

/* ---- what happened ---- */

static void
task_event(dbn_store_t *store, const char *day, const char *actor, int body_case, const char *task)
{
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  Duban__Accept accept = DUBAN__ACCEPT__INIT;
  Duban__Remind remind = DUBAN__REMIND__INIT;
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = at_day(day, 2);
  event.actor = (char *)actor;
  event.body_case = body_case;
  claim.task = submit.task = accept.task = remind.task = escalate.task = (char *)task;
  remind.note = "请加快进度";
  escalate.category = strcmp(actor, "system") == 0 ? "deadline" : "funding";
  escalate.reason = "需要协调";
  switch (body_case) {
  case DUBAN__EVENT__BODY_CLAIMED: event.claimed = &claim; break;
  case DUBAN__EVENT__BODY_SUBMITTED: event.submitted = &submit; break;
  case DUBAN__EVENT__BODY_ACCEPTED: event.accepted = &accept; break;
  case DUBAN__EVENT__BODY_REMINDED: event.reminded = &remind; break;
  case DUBAN__EVENT__BODY_ESCALATED: event.escalated = &escalate; break;
  default: fail_msg("no such event in this test: %d", body_case);
  }
  append(store, &event);
}

static void
load_rules(dbn_store_t *store, const char *day, const char *version, const char *effective, int base,
           int per_day_overdue)
{
  Duban__ScoringRules rules = DUBAN__SCORING_RULES__INIT;
  rules.version = (char *)version;
  rules.effective = (char *)effective;
  rules.base_points = base;
  rules.done_on_time = 5;
  rules.done_late = 2;
  rules.per_day_overdue = per_day_overdue;
  rules.max_overdue_per_task = -30;
  rules.per_automatic_escalation = -5;
  rules.per_reminder = -2;
  rules.note = "测试";
  Duban__LoadScoringRules load = DUBAN__LOAD_SCORING_RULES__INIT;
  load.rules = &rules;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = at_day(day, 3);
  event.actor = "coordinator:office";
  event.body_case = DUBAN__EVENT__BODY_SCORING_RULES_LOADED;
  event.scoring_rules_loaded = &load;
  append(store, &event);
}

/* The story of the header comment; with_rules also loads two versions of
 * the rules early, the second effective only from 2024-03-01. */
static void
write_log(const char *dir, bool with_rules)
{
  dbn_store_t *store;
  assert_int_equal(dbn_store_open(&store, dir, NULL), 0);
  load_plan(store);
  if (with_rules) {
    load_rules(store, "2024-01-01", "2024年度考核细则（一）", "2024-01-01", 100, -2);
    load_rules(store, "2024-01-05", "2024年度考核细则（二）", "2024-03-01", 50, -1);
  }
  task_event(store, "2024-01-02", "unit:JIA", DUBAN__EVENT__BODY_CLAIMED, "t:1.1.1");
  task_event(store, "2024-01-02", "unit:JIA", DUBAN__EVENT__BODY_CLAIMED, "t:1.1.2");
  task_event(store, "2024-01-03", "unit:YI", DUBAN__EVENT__BODY_CLAIMED, "t:1.1.3");
  task_event(store, "2024-01-03", "unit:YI", DUBAN__EVENT__BODY_CLAIMED, "t:1.1.4");
  task_event(store, "2024-02-01", "system", DUBAN__EVENT__BODY_ESCALATED, "t:1.1.5");
  task_event(store, "2024-02-05", "coordinator:office", DUBAN__EVENT__BODY_REMINDED, "t:1.1.5");
  task_event(store, "2024-03-08", "unit:JIA", DUBAN__EVENT__BODY_SUBMITTED, "t:1.1.1");
  task_event(store, "2024-03-10", "coordinator:office", DUBAN__EVENT__BODY_ACCEPTED, "t:1.1.1");
  task_event(store, "2024-04-05", "unit:JIA", DUBAN__EVENT__BODY_ESCALATED, "t:1.1.2");
  task_event(store, "2024-04-08", "unit:YI", DUBAN__EVENT__BODY_SUBMITTED, "t:1.1.4");
  task_event(store, "2024-04-10", "coordinator:office", DUBAN__EVENT__BODY_ACCEPTED, "t:1.1.4");
  dbn_store_destroy(&store);
}

static int
setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/duban-test-report-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->scratch, sizeof f->scratch, "%s/scratch", f->dir);
  assert_int_equal(mkdir(f->scratch, 0700), 0);
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  struct fixture *f = *state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

/* Build the report of the log in f at the end of day (Beijing time). */
static dbn_report_t *
report_at(struct fixture *f, const char *log, const char *day)
{
  dbn_pace_policy_t pace = {.yellow_days = 30, .pace_margin = 100};
  dbn_report_options_t options = {.store_dir = log, .scratch_dir = f->scratch, .pace = &pace};
  if (day)
    assert_int_equal(dbn_report_parse_at(day, &options.at), 0);
  dbn_report_t *report = NULL;
  char why[256] = "";
  int rc = dbn_report_build(&options, &report, why, sizeof why);
  if (rc)
    fail_msg("report at %s: %s (%s)", day ? day : "head", dbn_strerror(rc), why);
  return report;
}

static const dbn_report_unit_t *
unit(const dbn_report_t *report, const char *code)
{
  for (size_t u = 0; u < report->n_units; u++)
    if (strcmp(report->units[u].code, code) == 0)
      return &report->units[u];
  fail_msg("no unit %s", code);
  return NULL;
}

static const char *
log_dir(struct fixture *f, bool with_rules)
{
  static char log[300];
  snprintf(log, sizeof log, "%s/log", f->dir);
  assert_int_equal(mkdir(log, 0700), 0);
  write_log(log, with_rules);
  return log;
}

/* The scratch folder is empty again after every report. */
static void
assert_scratch_empty(struct fixture *f)
{
  char cmd[400];
  snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", f->scratch);
  assert_int_equal(system(cmd), 0);
}

/* The hand-computed example at the end of 2024-04-15. */
static void
test_scores_and_ranks(void **state)
{
  struct fixture *f = *state;
  const char *log = log_dir(f, false);
  dbn_report_t *report = report_at(f, log, "2024-04-15");
  assert_int_equal(report->at, at_day("2024-04-15", 16));
  assert_false(report->rules_loaded);
  assert_string_equal(report->rules.version, "default");
  assert_int_equal(report->head_seq, 12);
  assert_int_equal(strlen(report->head_hash), 64);
  assert_int_equal(report->n_units, 3);
  /* In rank order. */
  assert_string_equal(report->units[0].code, "JIA");
  assert_string_equal(report->units[1].code, "YI");
  assert_string_equal(report->units[2].code, "BING");
  const dbn_report_unit_t *jia = unit(report, "JIA"), *yi = unit(report, "YI"), *bing = unit(report, "BING");
  assert_string_equal(jia->name, "市甲局");
  assert_int_equal(jia->score.total, 105);
  assert_int_equal(jia->score.rank, 1);
  assert_int_equal(jia->score.done_on_time, 1);
  assert_int_equal(jia->score.own_escalations, 1);
  assert_int_equal(jia->score.automatic_escalations, 0);
  assert_int_equal(yi->score.total, 72);
  assert_int_equal(yi->score.rank, 2);
  assert_int_equal(yi->score.done_late, 1);
  assert_int_equal(yi->score.overdue_days, 46);
  assert_int_equal(yi->score.overdue_points, -30);
  assert_int_equal(bing->score.total, 63);
  assert_int_equal(bing->score.rank, 3);
  assert_int_equal(bing->score.automatic_escalations, 1);
  assert_int_equal(bing->score.reminders, 1);
  assert_int_equal(bing->score.overdue_days, 75);
  /* Colours: JIA done + far from its due day; YI one red one done. */
  assert_int_equal(jia->colours[DBN_COLOUR_GREEN], 2);
  assert_int_equal(yi->colours[DBN_COLOUR_RED], 1);
  assert_int_equal(yi->colours[DBN_COLOUR_GREEN], 1);
  assert_int_equal(bing->colours[DBN_COLOUR_RED], 1);
  assert_int_equal(yi->score.colour, DBN_COLOUR_RED);
  /* The scorecard's counts ride along. */
  assert_int_equal(yi->card.done, 1);
  assert_int_equal(bing->card.assigned, 1);
  /* The overdue list, most days late first. */
  assert_int_equal(report->n_overdue, 2);
  assert_string_equal(report->tasks[report->overdue[0].task].task->id, "t:1.1.5");
  assert_int_equal(report->overdue[0].days_late, 75);
  assert_string_equal(report->units[report->overdue[0].unit].code, "BING");
  assert_string_equal(report->tasks[report->overdue[1].task].task->id, "t:1.1.3");
  assert_int_equal(report->overdue[1].days_late, 46);
  assert_string_equal(report->units[report->overdue[1].unit].code, "YI");
  /* Escalations split. */
  assert_int_equal(report->own_escalations, 1);
  assert_int_equal(report->automatic_escalations, 1);
  assert_int_equal(report->n_escalations, 2);
  assert_scratch_empty(f);
  dbn_report_free(&report);
  assert_null(report);
}

/* Colours at the end of each month, worked out in the header's terms:
 *   Jan 31 (16:00Z): JIA green (due days 60+ days out); YI blue (t:1.1.3
 *   due in 29 days); BING blue (t:1.1.5 due that very day, not yet past).
 *   Feb 29: JIA green (31.3 days to Mar 31's end); YI blue; BING red.
 *   Mar 31: JIA green (t:1.1.1 done); YI red; BING red.
 *   Apr (to the 15th): JIA green; YI red; BING red. */
static void
test_monthly_colours(void **state)
{
  struct fixture *f = *state;
  const char *log = log_dir(f, false);
  dbn_report_t *report = report_at(f, log, "2024-04-15");
  assert_int_equal(report->n_months, 4);
  const char *expected[4][3] = {
      {"green", "blue", "blue"}, {"green", "blue", "red"}, {"green", "red", "red"}, {"green", "red", "red"}};
  const char *codes[3] = {"JIA", "YI", "BING"};
  for (size_t m = 0; m < 4; m++) {
    assert_int_equal(report->months[m].year, 2024);
    assert_int_equal(report->months[m].month, (int)m + 1);
    for (size_t c = 0; c < 3; c++) {
      size_t u = (size_t)(unit(report, codes[c]) - report->units);
      const char *got = dbn_colour_name(report->months[m].colours[u]);
      if (strcmp(got, expected[m][c]) != 0)
        fail_msg("month %zu, %s: expected %s, got %s", m + 1, codes[c], expected[m][c], got);
    }
  }
  assert_int_equal(report->months[3].end, report->at);
  assert_int_equal(report->months[0].end, at_day("2024-01-31", 16));
  cJSON *json = dbn_report_json(report);
  assert_non_null(json);
  cJSON *months = cJSON_GetObjectItem(json, "months");
  assert_int_equal(cJSON_GetArraySize(months), 4);
  cJSON *feb = cJSON_GetArrayItem(months, 1);
  assert_string_equal(cJSON_GetObjectItem(feb, "month")->valuestring, "2024-02");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(feb, "colours"), "BING")->valuestring, "red");
  cJSON_Delete(json);
  assert_scratch_empty(f);
  dbn_report_free(&report);
}

/* A past moment gives the scores as they were: at the end of 2024-02-15
 * t:1.1.3 is not due yet, t:1.1.5 is 15 days late (-15), its automatic
 * escalation (-5) and reminder (-2) are in: JIA 100, YI 100, BING 78. */
static void
test_past_moment(void **state)
{
  struct fixture *f = *state;
  const char *log = log_dir(f, false);
  dbn_report_t *report = report_at(f, log, "2024-02-15");
  assert_int_equal(report->head_seq, 7); /* plan, four claims, escalation, reminder */
  assert_int_equal(report->log_head_seq, 12);
  assert_int_equal(unit(report, "JIA")->score.total, 100);
  assert_int_equal(unit(report, "YI")->score.total, 100);
  assert_int_equal(unit(report, "BING")->score.total, 78);
  assert_int_equal(unit(report, "JIA")->score.rank, 1);
  assert_int_equal(unit(report, "YI")->score.rank, 1);
  assert_int_equal(unit(report, "BING")->score.rank, 3);
  assert_int_equal(report->n_overdue, 1);
  assert_int_equal(report->overdue[0].days_late, 15);
  assert_int_equal(report->own_escalations, 0);
  assert_scratch_empty(f);
  dbn_report_free(&report);

  /* The same report twice is the same report. */
  dbn_report_t *again = report_at(f, log, "2024-02-15");
  assert_int_equal(unit(again, "BING")->score.total, 78);
  dbn_report_free(&again);

  /* Before the first event there is nothing to report. */
  dbn_report_options_t options = {.store_dir = log, .scratch_dir = f->scratch};
  assert_int_equal(dbn_report_parse_at("2023-12-31", &options.at), 0);
  char why[200] = "";
  assert_int_equal(dbn_report_build(&options, &again, why, sizeof why), DBN_ENOTFOUND);
  assert_null(again);
  assert_non_null(strstr(why, "2023-12-31"));
}

/* Rules loaded early apply from their own dates: on 2024-02-15 the first
 * version (-2 a day) is in force, though the second was in the log: BING
 * 100 - 30 (15 days x 2) - 5 - 2 = 63. On 2024-04-15 the second (base 50,
 * -1 a day): JIA 55, YI 50 - 30 + 2 = 22, BING 50 - 30 - 5 - 2 = 13. */
static void
test_rules_from_their_date(void **state)
{
  struct fixture *f = *state;
  const char *log = log_dir(f, true);
  dbn_report_t *report = report_at(f, log, "2024-02-15");
  assert_true(report->rules_loaded);
  assert_string_equal(report->rules.version, "2024年度考核细则（一）");
  assert_int_equal(unit(report, "BING")->score.total, 63);
  assert_int_equal(unit(report, "JIA")->score.total, 100);
  dbn_report_free(&report);

  report = report_at(f, log, "2024-04-15");
  assert_string_equal(report->rules.version, "2024年度考核细则（二）");
  assert_string_equal(report->rules_note, "测试");
  assert_int_equal(unit(report, "JIA")->score.total, 55);
  assert_int_equal(unit(report, "YI")->score.total, 22);
  assert_int_equal(unit(report, "BING")->score.total, 13);
  cJSON *json = dbn_report_json(report);
  assert_non_null(json);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "rules"), "version")->valuestring,
                      "2024年度考核细则（二）");
  assert_string_equal(cJSON_GetObjectItem(json, "head_hash")->valuestring, report->head_hash);
  cJSON_Delete(json);
  dbn_report_free(&report);
}

/* The head, the workbook, and verify when asked. */
static void
test_head_xlsx_verify(void **state)
{
  struct fixture *f = *state;
  const char *log = log_dir(f, false);
  dbn_report_options_t options = {.store_dir = log, .scratch_dir = f->scratch, .verify = true};
  dbn_report_t *report = NULL;
  char why[200] = "";
  assert_int_equal(dbn_report_build(&options, &report, why, sizeof why), 0);
  assert_int_equal(report->head_seq, 12);
  assert_int_equal(report->at, at_day("2024-04-10", 2)); /* the log's clock: its last event */
  assert_true(report->verified);
  assert_true(report->verify_ok);
  char path[400];
  snprintf(path, sizeof path, "%s/report.xlsx", f->dir);
  assert_int_equal(dbn_report_write_xlsx(report, path), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_true(st.st_size > 1000);
  snprintf(path, sizeof path, "%s/no/such/dir/report.xlsx", f->dir);
  assert_int_equal(dbn_report_write_xlsx(report, path), DBN_EIO);
  dbn_report_free(&report);

  options.until_seq = 99;
  assert_int_equal(dbn_report_build(&options, &report, why, sizeof why), DBN_ENOTFOUND);
  options.until_seq = 3;
  options.at = 1;
  assert_int_equal(dbn_report_build(&options, &report, why, sizeof why), DBN_EINVAL);
  dbn_report_free(&report);
}

static void
test_local_dates(void **state)
{
  (void)state;
  char day[16];
  dbn_report_local_date(at_day("2024-01-31", 15), day);
  assert_string_equal(day, "2024-01-31");
  dbn_report_local_date(at_day("2024-01-31", 16), day); /* midnight in Beijing */
  assert_string_equal(day, "2024-02-01");
  dbn_report_local_date(at_day("2024-02-29", 0), day);
  assert_string_equal(day, "2024-02-29");
  int64_t at;
  assert_int_equal(dbn_report_parse_at("2024-12-31", &at), 0);
  assert_int_equal(at, at_day("2024-12-31", 16));
  /* A due day ends at Beijing midnight and prints as the day the plan names. */
  dbn_report_due_date(at, day);
  assert_string_equal(day, "2024-12-31");
  dbn_report_local_date(at - 1, day);
  assert_string_equal(day, "2024-12-31");
  assert_int_equal(dbn_report_parse_at("2024-02-30", &at), DBN_EINVAL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_scores_and_ranks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_monthly_colours, setup, teardown),
      cmocka_unit_test_setup_teardown(test_past_moment, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rules_from_their_date, setup, teardown),
      cmocka_unit_test_setup_teardown(test_head_xlsx_verify, setup, teardown),
      cmocka_unit_test(test_local_dates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
