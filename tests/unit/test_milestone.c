/* test_milestone.c: milestones met one by one (domain/milestone.h) and
 * missed reports (domain/report_cycle.h), as rules and on a real log with
 * the broker's deadline monitor.
 *
 * The case the rule exists for: a task with milestones at the end of 2023
 * and of 2025 whose 2023 milestone was reported met and confirmed is not
 * overdue in 2024 (no red warning, not red, no days late); and one warned
 * red for 2023 stops being overdue once that milestone is confirmed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "deadline_monitor.h"
#include "error.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "milestone.h"
#include "pace.h"
#include "report_cycle.h"
#include "store.h"
#include "wire.h"

/* ---- the rules ---- */

static void
test_find_and_check(void **state)
{
  (void)state;
  Duban__Milestone m1 = DUBAN__MILESTONE__INIT, m2 = DUBAN__MILESTONE__INIT, *ms[] = {&m1, &m2};
  m1.due = "2023-12-31";
  m2.due = "2025-12-31";
  char *reported[] = {"2025-12-31"}, *met[] = {"2023-12-31"};
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = "p:1.1.1";
  task.milestones = ms;
  task.n_milestones = 2;
  char why[256];
  size_t index = 9;
  assert_int_equal(dbn_milestone_find(&task, "2", &index, why, sizeof why), 0);
  assert_int_equal(index, 1);
  assert_int_equal(dbn_milestone_find(&task, "2023-12-31", &index, why, sizeof why), 0);
  assert_int_equal(index, 0);
  static const char *const unknown[] = {"3", "0", "2024-12-31", "1x", "", "-1"};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    assert_int_equal(dbn_milestone_find(&task, unknown[i], &index, why, sizeof why), DBN_ENOTFOUND);
    assert_non_null(strstr(why, "1. 2023-12-31，2. 2025-12-31"));
  }

  const struct {
    Duban__Event__BodyCase event;
    const char *due;
    bool with_state; /* 2023 met and 2025 reported, or neither */
    int rc;
  } cases[] = {
      {DUBAN__EVENT__BODY_MILESTONE_REPORTED, "2023-12-31", false, 0},
      {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, "2023-12-31", false, DBN_ESTATE}, /* nothing to confirm */
      {DUBAN__EVENT__BODY_MILESTONE_RETURNED, "2023-12-31", false, DBN_ESTATE},
      {DUBAN__EVENT__BODY_MILESTONE_REPORTED, "2023-12-31", true, DBN_ESTATE}, /* already met */
      {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, "2023-12-31", true, DBN_ESTATE},
      {DUBAN__EVENT__BODY_MILESTONE_REPORTED, "2025-12-31", true, DBN_ESTATE}, /* awaiting an answer */
      {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, "2025-12-31", true, 0},
      {DUBAN__EVENT__BODY_MILESTONE_RETURNED, "2025-12-31", true, 0},
      {DUBAN__EVENT__BODY_PROGRESS, "2025-12-31", true, DBN_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    task.milestones_reported = cases[i].with_state ? reported : NULL;
    task.n_milestones_reported = cases[i].with_state ? 1 : 0;
    task.milestones_met = cases[i].with_state ? met : NULL;
    task.n_milestones_met = cases[i].with_state ? 1 : 0;
    int rc = dbn_milestone_check(&task, cases[i].event, cases[i].due, why, sizeof why);
    if (rc != cases[i].rc)
      fail_msg("case %zu: rc %d, expected %d (%s)", i, rc, cases[i].rc, why);
  }
  assert_string_equal(dbn_milestone_state_zh(&task, "2023-12-31"), "已确认达成");
}

/* Overdue stays while any milestone warned red is unmet. */
static void
test_overdue_from_warnings(void **state)
{
  (void)state;
  Duban__Task task = DUBAN__TASK__INIT;
  char *warnings[] = {"2023-12-31/yellow", "2023-12-31/red", "2024-03-31/missed", "2024-06-30/red"};
  char *met[] = {"2023-12-31", "2024-06-30"};
  task.warnings = warnings;
  task.n_warnings = 4;
  assert_true(dbn_milestone_overdue(&task));
  task.milestones_met = met;
  task.n_milestones_met = 1;
  assert_true(dbn_milestone_overdue(&task)); /* 2024-06-30 is still unmet */
  task.n_milestones_met = 2;
  assert_false(dbn_milestone_overdue(&task));
  task.n_warnings = 3; /* a missed report does not make a task overdue */
  task.n_milestones_met = 0;
  assert_true(dbn_milestone_overdue(&task));
  task.n_warnings = 1;
  assert_false(dbn_milestone_overdue(&task));
}

/* The colour and days late pass over a met milestone. */
static void
test_colour_passes_over_met(void **state)
{
  (void)state;
  Duban__Milestone m1 = DUBAN__MILESTONE__INIT, m2 = DUBAN__MILESTONE__INIT, *ms[] = {&m1, &m2};
  m1.due = "2023-12-31";
  m2.due = "2025-12-31";
  Duban__Task task = DUBAN__TASK__INIT;
  task.milestones = ms;
  task.n_milestones = 2;
  task.state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
  task.percent = 60;
  int64_t june_2024 = fixture_day("2024-06-01"), start = fixture_day("2023-01-01");
  dbn_task_pace_t pace;
  assert_int_equal(dbn_task_colour(&task, start, june_2024, NULL, &pace), DBN_COLOUR_RED);
  assert_true(pace.days_overdue > 150);
  char *met[] = {"2023-12-31"};
  task.milestones_met = met;
  task.n_milestones_met = 1;
  assert_int_not_equal(dbn_task_colour(&task, start, june_2024, NULL, &pace), DBN_COLOUR_RED);
  assert_int_equal(pace.days_overdue, 0);
  int64_t end_2025;
  assert_int_equal(dbn_date_parse_end("2025-12-31", &end_2025), 0);
  assert_int_equal(pace.next_due, end_2025);
  assert_int_equal(dbn_days_overdue(&task, june_2024), 0);
}

static void
test_report_periods(void **state)
{
  (void)state;
  const struct {
    const char *cycle, *at, *start, *end;
  } cases[] = {
      {"monthly", "2024-02-29", "2024-02-01", "2024-03-01"},
      {"每月", "2024-12-31", "2024-12-01", "2025-01-01"},
      {"quarterly", "2024-05-15", "2024-04-01", "2024-07-01"},
      {"季报", "2024-12-01", "2024-10-01", "2025-01-01"},
      {"half-yearly", "2024-07-01", "2024-07-01", "2025-01-01"},
      {"yearly", "2024-06-30", "2024-01-01", "2025-01-01"},
      {"每年", "2024-01-01", "2024-01-01", "2025-01-01"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_report_cycle_t cycle;
    int64_t start, end;
    assert_int_equal(dbn_report_cycle_parse(cases[i].cycle, &cycle), 0);
    /* The last second of the day: still in the period, in Beijing time. */
    assert_int_equal(dbn_report_period(cycle, fixture_day(cases[i].at) + DBN_DAY_SECONDS - 1, &start, &end),
                     0);
    if (start != fixture_day(cases[i].start) || end != fixture_day(cases[i].end))
      fail_msg("%s at %s: wrong period", cases[i].cycle, cases[i].at);
  }
  dbn_report_cycle_t cycle;
  assert_int_equal(dbn_report_cycle_parse("weekly", &cycle), DBN_EINVAL);
  assert_int_equal(dbn_report_cycle_parse("", &cycle), 0);
  assert_int_equal(cycle, DBN_CYCLE_NONE);
  assert_string_equal(dbn_report_cycle_inherited("", "quarterly", "monthly"), "quarterly");
  assert_string_equal(dbn_report_cycle_inherited(NULL, "", "monthly"), "monthly");
  assert_string_equal(dbn_report_cycle_inherited("yearly", "quarterly", "monthly"), "yearly");
}

static void
test_report_missed_rule(void **state)
{
  (void)state;
  Duban__Task task = DUBAN__TASK__INIT;
  task.report_cycle = "monthly";
  task.state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
  char end[16];
  task.plan_issued = "2024-01-10";
  assert_int_equal(dbn_report_start(&task), fixture_day("2024-01-10"));
  /* In February, January was not a whole month of the task's: nothing owed. */
  assert_false(dbn_report_missed(&task, fixture_day("2024-02-05"), end));
  /* In March, February went without a report. */
  assert_true(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  assert_string_equal(end, "2024-02-29");
  task.last_report_at = fixture_day("2024-02-29") + DBN_DAY_SECONDS - 1; /* 23:59:59 Beijing */
  assert_false(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  task.last_report_at = fixture_day("2024-01-31");
  task.state = DUBAN__TASK_STATE__TASK_SUBMITTED;
  assert_false(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  task.state = DUBAN__TASK_STATE__TASK_ASSIGNED; /* not even claimed: still owes it */
  assert_true(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  task.claimed_at = fixture_day("2024-02-20"); /* claimed late: still owed February's */
  assert_true(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  /* How the task view keeps the warning, and nothing else mistaken for it. */
  assert_true(dbn_report_cycle_warning_is_missed("2024-02-29/" DBN_WARNING_MISSED));
  assert_false(dbn_report_cycle_warning_is_missed("2024-02-29/red"));
  assert_false(dbn_report_cycle_warning_is_missed("2024-02-29missed"));
  assert_false(dbn_report_cycle_warning_is_missed(NULL));
  task.plan_issued = ""; /* no issue day: reporting starts at the claim */
  assert_false(dbn_report_missed(&task, fixture_day("2024-03-01"), end));
  task.report_cycle = "";
  assert_false(dbn_report_missed(&task, fixture_day("2024-04-01"), end));
}

/* ---- on a real log, with the deadline monitor ---- */

typedef struct {
  char dir[64];
  dbn_store_t *store;
  fixture_plan_t plan;
  Duban__Milestone milestones[2];
  Duban__Milestone *milestone_ptrs[2];
} log_fixture_t;

/* Plan "p", issued 2023-01-01, two tasks of NYJ each due 2023-12-31 and
 * 2025-12-31, monthly reports for the second. */
static void
log_open(log_fixture_t *f)
{
  f->store = fixture_temp_store(f->dir, sizeof f->dir, "test-milestone", NULL);
  fixture_plan_init(&f->plan, "p", "计划", "一", "措施", "NYJ", "SLJ");
  fixture_plan_add_unit(&f->plan, "NYJ", "市农业农村局");
  fixture_plan_add_unit(&f->plan, "SLJ", "市水利局");
  f->plan.plan.issued = "2023-01-01";
  for (int i = 0; i < 2; i++) {
    duban__milestone__init(&f->milestones[i]);
    f->milestones[i].due = i == 0 ? "2023-12-31" : "2025-12-31";
    f->milestones[i].text = i == 0 ? "2023年底前建成一期" : "到2025年全部建成";
    f->milestone_ptrs[i] = &f->milestones[i];
  }
  for (int a = 0; a < 2; a++) {
    Duban__Action *action = fixture_plan_add_action(&f->plan, a == 0 ? "建设高标准农田" : "建设灌区", "NYJ");
    action->milestones = f->milestone_ptrs;
    action->n_milestones = 2;
    action->report_cycle = a == 1 ? "monthly" : "";
  }
  fixture_append_plan_loaded(f->store, &f->plan.load, fixture_day("2023-01-01"), NULL);
}

static void
log_close(log_fixture_t *f)
{
  dbn_store_destroy(&f->store);
  dbn_store_remove_files(f->dir, true);
}

static int
append_at(log_fixture_t *f, const char *day, const char *actor, Duban__Event *event)
{
  event->time = fixture_day(day) + 3600;
  event->actor = (char *)actor;
  return fixture_append_one(f->store, event);
}

/* NYJ claims task on 2023-01-05, at one in the morning as append_at. */
static void
claim(log_fixture_t *f, const char *task)
{
  fixture_append_claimed(f->store, task, "unit:NYJ", fixture_day("2023-01-05") + 3600, NULL);
}

/* Report the milestone due on due met, then confirm it, on day. */
static void
meet_milestone(log_fixture_t *f, const char *task, const char *due, const char *day)
{
  int64_t at = fixture_day(day) + 3600; /* as append_at */
  assert_int_equal(fixture_append_milestone_met(f->store, task, due, "unit:NYJ", at, "一期已建成"), 0);
  Duban__Task *t = fixture_read_task(f->store, task);
  assert_true(dbn_milestone_is_reported(t, due));
  assert_false(dbn_milestone_is_met(t, due));
  dbn_wire_task_free(&t);
  /* A second report of the same milestone is refused by the store too. */
  assert_int_equal(fixture_append_milestone_met(f->store, task, due, "unit:NYJ", at, "一期已建成"),
                   DBN_ECORRUPT);
  fixture_append_milestone_confirmed(f->store, task, due, at);
}

/* Met in time: in 2024 the task is neither warned red, nor overdue, nor red. */
static void
test_met_milestone_not_overdue_in_2024(void **state)
{
  (void)state;
  log_fixture_t f;
  log_open(&f);
  claim(&f, "p:1.1.1");
  /* Yellow for 2023 on both tasks, and task 2's November report missing. */
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2023-12-10"), NULL), 3);
  meet_milestone(&f, "p:1.1.1", "2023-12-31", "2023-12-20");
  /* Task 2 (the same milestones, not met) goes red and is escalated: 2;
   * task 1 nothing. Task 2 also missed its December report: 1. */
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2024-01-02"), NULL), 3);
  Duban__Task *t = fixture_read_task(f.store, "p:1.1.1");
  assert_false(t->overdue);
  assert_true(dbn_milestone_is_met(t, "2023-12-31"));
  int64_t june = fixture_day("2024-06-01");
  dbn_task_pace_t pace;
  assert_int_not_equal(dbn_task_colour(t, dbn_task_pace_start(t), june, NULL, &pace), DBN_COLOUR_RED);
  assert_int_equal(pace.days_overdue, 0);
  for (size_t i = 0; i < t->n_warnings; i++)
    assert_null(strstr(t->warnings[i], "/red"));
  dbn_wire_task_free(&t);
  t = fixture_read_task(f.store, "p:1.1.2");
  assert_true(t->overdue);
  dbn_wire_task_free(&t);
  log_close(&f);
}

/* Met late: overdue after the red warning, cleared by the confirmation,
 * and the monitor raises nothing more about 2023. */
static void
test_confirmation_clears_overdue(void **state)
{
  (void)state;
  log_fixture_t f;
  log_open(&f);
  claim(&f, "p:1.1.1");
  fixture_run_monitor(f.store, fixture_day("2024-01-02"), NULL);
  Duban__Task *t = fixture_read_task(f.store, "p:1.1.1");
  assert_true(t->overdue);
  dbn_wire_task_free(&t);
  meet_milestone(&f, "p:1.1.1", "2023-12-31", "2024-02-10");
  t = fixture_read_task(f.store, "p:1.1.1");
  assert_false(t->overdue);
  size_t warnings = t->n_warnings;
  dbn_wire_task_free(&t);
  fixture_run_monitor(f.store, fixture_day("2024-03-02"), NULL);
  t = fixture_read_task(f.store, "p:1.1.1");
  assert_false(t->overdue);
  assert_int_equal(t->n_warnings, warnings);
  dbn_wire_task_free(&t);
  /* The log replays to the same views: apply agrees with itself. */
  dbn_store_destroy(&f.store);
  dbn_verify_report_t report;
  int rc = dbn_store_verify(f.dir, NULL, &report);
  if (rc)
    fail_msg("verify: %s", report.problem);
  dbn_store_remove_files(f.dir, true);
}

/* A monthly task with no report in a month is warned once for it; a
 * report in the month keeps the next month's warning away. */
static void
test_missed_report_warned_once(void **state)
{
  (void)state;
  log_fixture_t f;
  log_open(&f);
  /* January 2023 is the plan's first month: owed from the start. */
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2023-02-01"), NULL), 1);
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2023-02-02"), NULL), 0);
  Duban__Task *t = fixture_read_task(f.store, "p:1.1.2");
  assert_string_equal(t->report_cycle, "monthly");
  bool marked = false;
  for (size_t i = 0; i < t->n_warnings; i++)
    marked |= strcmp(t->warnings[i], "2023-01-31/missed") == 0;
  assert_true(marked);
  assert_false(t->overdue);
  dbn_wire_task_free(&t);
  t = fixture_read_task(f.store, "p:1.1.1"); /* no cycle: never warned */
  assert_int_equal(t->n_warnings, 0);
  dbn_wire_task_free(&t);

  claim(&f, "p:1.1.2");
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "p:1.1.2";
  progress.percent = 10;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.body_case = DUBAN__EVENT__BODY_PROGRESS;
  event.progress = &progress;
  assert_int_equal(append_at(&f, "2023-02-20", "unit:NYJ", &event), 0);
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2023-03-01"), NULL), 0);
  assert_int_equal(fixture_run_monitor(f.store, fixture_day("2023-04-01"), NULL), 1); /* March: none */
  log_close(&f);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_find_and_check, fixture_default_zone),
      cmocka_unit_test_setup(test_overdue_from_warnings, fixture_default_zone),
      cmocka_unit_test_setup(test_colour_passes_over_met, fixture_default_zone),
      cmocka_unit_test_setup(test_report_periods, fixture_default_zone),
      cmocka_unit_test_setup(test_report_missed_rule, fixture_default_zone),
      cmocka_unit_test_setup(test_met_milestone_not_overdue_in_2024, fixture_default_zone),
      cmocka_unit_test_setup(test_confirmation_clears_overdue, fixture_default_zone),
      cmocka_unit_test_setup(test_missed_report_warned_once, fixture_default_zone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
