/* test_plan_change.c: the rules of 计划调整 (domain/plan_change.h), table
 * by table: which re-dates, added and removed milestones are allowed and
 * why not, the milestones a change leaves in due order, which tasks lie in
 * a measure and the id a new one gets, and what a cancelled task is to the
 * lifecycle, the colours and the scores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "fixture_log.h"
#include "lifecycle.h"
#include "pace.h"
#include "plan_change.h"
#include "score.h"
#include "scorecard.h"

#define REDATE DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REDATE
#define ADD DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE
#define REMOVE DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_REMOVE_MILESTONE

static int64_t
day(const char *text)
{
  int64_t t;
  assert_int_equal(dbn_date_parse(text, &t), 0);
  return t;
}

/* A task issued 2023-09-18 with milestones 2023-12-31 (missed), 2024-06-30
 * (reported met, awaiting a coordinator) and 2025-12-31; 2024-03-31 would
 * be its confirmed one when `met` is set. */
typedef struct {
  Duban__Task task;
  Duban__Milestone m[3];
  Duban__Milestone *ms[3];
  char *reported[1];
} fixture_task_t;

static void
fixture_task(fixture_task_t *f, size_t n_milestones)
{
  static const char *const dues[] = {"2023-12-31", "2024-06-30", "2025-12-31"};
  memset(f, 0, sizeof *f);
  duban__task__init(&f->task);
  f->task.id = "p:1.1.1";
  f->task.plan_issued = "2023-09-18";
  f->task.state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
  for (size_t i = 0; i < n_milestones; i++) {
    duban__milestone__init(&f->m[i]);
    f->m[i].due = (char *)dues[i];
    f->m[i].text = "节点";
    f->ms[i] = &f->m[i];
  }
  f->task.milestones = f->ms;
  f->task.n_milestones = n_milestones;
  f->reported[0] = "2024-06-30";
  f->task.milestones_reported = f->reported;
  f->task.n_milestones_reported = 1;
}

static void
test_check_dates(void **state)
{
  (void)state;
  static const struct {
    const char *name;
    size_t n_milestones;
    Duban__PlanChangeDatesOp op;
    const char *milestone, *due, *text, *reason;
    int rc;
    const char *why; /* a part of the message, for a refusal */
    size_t index;    /* the milestone it acts on, when allowed */
  } cases[] = {
      {"a missed milestone moved to a later day", 3, REDATE, "1", "2024-09-30", "", "延期", 0, "", 0},
      {"by its day", 3, REDATE, "2023-12-31", "2024-09-30", "", "延期", 0, "", 0},
      {"no milestone named: the deadline, the latest", 3, REDATE, "", "2026-06-30", "", "延期", 0, "", 2},
      {"no reason", 3, REDATE, "1", "2024-09-30", "", "", DBN_EINVAL, "理由", 0},
      {"before the plan's issue", 3, REDATE, "1", "2023-09-17", "", "延期", DBN_EINVAL, "早于方案印发日", 0},
      {"a day already past", 3, REDATE, "1", "2024-01-06", "", "延期", DBN_EINVAL, "已经过去", 0},
      {"today is not past", 3, REDATE, "1", "2024-01-07", "", "延期", 0, "", 0},
      {"not a day", 3, REDATE, "1", "2024-02-30", "", "延期", DBN_EINVAL, "不是日期", 0},
      {"onto another milestone's day", 3, REDATE, "1", "2025-12-31", "", "延期", DBN_EEXIST, "已有一个", 0},
      {"to the day it has", 3, REDATE, "3", "2025-12-31", "", "延期", DBN_EINVAL, "已是", 0},
      {"a milestone awaiting confirmation", 3, REDATE, "2", "2024-09-30", "", "延期", DBN_ESTATE, "待确认",
       0},
      {"an unknown milestone", 3, REDATE, "7", "2024-09-30", "", "延期", DBN_ENOTFOUND, "没有节点", 0},
      {"a milestone added", 3, ADD, "", "2024-03-31", "一期", "细化", 0, "", 0},
      {"added without its text", 3, ADD, "", "2024-03-31", "", "细化", DBN_EINVAL, "--text", 0},
      {"added on a day the task has", 3, ADD, "", "2024-06-30", "一期", "细化", DBN_EEXIST, "已有一个", 0},
      {"added in the past", 3, ADD, "", "2023-12-01", "一期", "细化", DBN_EINVAL, "已经过去", 0},
      {"a missed milestone removed", 3, REMOVE, "1", "", "", "合并", 0, "", 0},
      {"the only milestone removed", 1, REMOVE, "1", "", "", "合并", DBN_ESTATE, "至少保留一个", 0},
      {"an awaited one removed", 3, REMOVE, "2024-06-30", "", "", "合并", DBN_ESTATE, "不能改期或删除", 0},
      {"an unknown operation", 3, (Duban__PlanChangeDatesOp)9, "1", "2024-09-30", "", "x", DBN_EINVAL, "未知",
       0},
  };
  int64_t now = day("2024-01-07");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture_task_t f;
    fixture_task(&f, cases[i].n_milestones);
    Duban__PlanChangeDates change = DUBAN__PLAN_CHANGE_DATES__INIT;
    change.task = f.task.id;
    change.op = cases[i].op;
    change.milestone = (char *)cases[i].milestone;
    change.due = (char *)cases[i].due;
    change.text = (char *)cases[i].text;
    change.reason = (char *)cases[i].reason;
    size_t index = 99;
    char why[256] = "";
    int rc = dbn_plan_change_check_dates(&f.task, &change, now, &index, why, sizeof why);
    if (rc != cases[i].rc || (rc && !strstr(why, cases[i].why)) ||
        (rc == 0 && cases[i].op != ADD && index != cases[i].index))
      fail_msg("%s: rc %d index %zu '%s'", cases[i].name, rc, index, why);
  }
}

/* The milestones a checked change leaves, in due order. */
static void
test_milestones_after(void **state)
{
  (void)state;
  static const struct {
    const char *name;
    Duban__PlanChangeDatesOp op;
    size_t index;
    const char *due;
    const char *expected; /* the days, comma-separated */
  } cases[] = {
      {"re-dated past the others", REDATE, 0, "2026-03-31", "2024-06-30,2025-12-31,2026-03-31"},
      {"re-dated in place", REDATE, 0, "2024-01-31", "2024-01-31,2024-06-30,2025-12-31"},
      {"added between", ADD, 0, "2024-03-31", "2023-12-31,2024-03-31,2024-06-30,2025-12-31"},
      {"added last", ADD, 0, "2026-01-31", "2023-12-31,2024-06-30,2025-12-31,2026-01-31"},
      {"removed", REMOVE, 1, "", "2023-12-31,2025-12-31"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture_task_t f;
    fixture_task(&f, 3);
    Duban__PlanChangeDates change = DUBAN__PLAN_CHANGE_DATES__INIT;
    change.op = cases[i].op;
    change.due = (char *)cases[i].due;
    change.text = "新节点";
    Duban__Milestone fresh, *out[4];
    size_t count = 0;
    dbn_plan_change_milestones(&f.task, &change, cases[i].index, &fresh, out, &count);
    char days[128] = "";
    for (size_t k = 0; k < count; k++) {
      strcat(days, k ? "," : "");
      strcat(days, out[k]->due);
    }
    if (strcmp(days, cases[i].expected) != 0)
      fail_msg("%s: %s", cases[i].name, days);
  }
}

static void
test_new_milestones(void **state)
{
  (void)state;
  static const struct {
    const char *name;
    const char *dues[3];
    size_t count;
    int rc;
  } cases[] = {
      {"one ahead", {"2024-12-31"}, 1, 0},
      {"two ahead", {"2024-06-30", "2024-12-31"}, 2, 0},
      {"none", {NULL}, 0, DBN_EINVAL},
      {"one past", {"2024-06-30", "2023-12-31"}, 2, DBN_EINVAL},
      {"a day twice", {"2024-06-30", "2024-06-30"}, 2, DBN_EINVAL},
      {"not a day", {"明年"}, 1, DBN_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Duban__Milestone m[3], *ms[3];
    for (size_t k = 0; k < cases[i].count; k++) {
      duban__milestone__init(&m[k]);
      m[k].due = (char *)cases[i].dues[k];
      ms[k] = &m[k];
    }
    char why[256];
    int rc = dbn_plan_change_check_new_milestones(ms, cases[i].count, "2023-09-18", day("2024-01-07"), why,
                                                  sizeof why);
    if (rc != cases[i].rc)
      fail_msg("%s: rc %d", cases[i].name, rc);
  }
}

static void
test_measures_and_new_ids(void **state)
{
  (void)state;
  static const struct {
    const char *task, *measure;
    bool in;
  } cases[] = {
      {"p:2.1.1", "2.1", true},    {"p:2.1.1", "p:2.1", true}, {"p:2.10.1", "2.1", false},
      {"p:2.1.1", "q:2.1", false}, {"p:2.1", "2.1", false},    {"p:12.1.1", "2.1", false},
      {"p:2.1.1.1", "2.1", false}, {"p:2.1.1", "", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (dbn_plan_change_in_measure(cases[i].task, cases[i].measure) != cases[i].in)
      fail_msg("%s in %s: %d", cases[i].task, cases[i].measure, !cases[i].in);
  char *ids[] = {"p:2.1.1", "p:2.1.9", "p:2.1.10"};
  char out[32];
  assert_int_equal(dbn_plan_change_next_task_id(ids, 3, out, sizeof out), 0);
  assert_string_equal(out, "p:2.1.11");
  assert_int_equal(dbn_plan_change_next_task_id(ids, 1, out, sizeof out), 0);
  assert_string_equal(out, "p:2.1.2");
  assert_int_equal(dbn_plan_change_next_task_id(ids, 0, out, sizeof out), DBN_EINVAL);
  assert_int_equal(dbn_plan_change_next_task_id(ids, 3, out, 6), DBN_ETOOBIG);
}

/* A cancelled task takes no event but the resolution of an escalation. */
static void
test_cancelled_task_in_the_lifecycle(void **state)
{
  (void)state;
  static const struct {
    Duban__Event__BodyCase event;
    bool allowed;
  } cases[] = {
      {DUBAN__EVENT__BODY_CLAIMED, false},
      {DUBAN__EVENT__BODY_PROGRESS, false},
      {DUBAN__EVENT__BODY_REMINDED, false},
      {DUBAN__EVENT__BODY_REASSIGNED, false},
      {DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED, false},
      {DUBAN__EVENT__BODY_PLAN_DATES_CHANGED, false},
      {DUBAN__EVENT__BODY_RESOLVED, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Duban__Task task = DUBAN__TASK__INIT;
    task.id = "p:1.1.1";
    task.state = DUBAN__TASK_STATE__TASK_ASSIGNED;
    task.cancelled = true;
    Duban__TaskState next;
    char why[256] = "";
    int rc = dbn_task_next_state(&task, cases[i].event, false, 0, &next, why, sizeof why);
    if ((rc == 0) != cases[i].allowed || (rc && !strstr(why, "已因计划调整撤销")))
      fail_msg("event %d: rc %d '%s'", (int)cases[i].event, rc, why);
  }
}

/* Cancelled past its due day: green, no days late, not scored. */
static void
test_cancelled_task_is_not_late_nor_scored(void **state)
{
  (void)state;
  fixture_task_t f;
  fixture_task(&f, 3);
  int64_t now = day("2024-01-07");
  dbn_task_pace_t pace;
  assert_int_equal(dbn_task_colour(&f.task, day("2023-09-18"), now, NULL, &pace), DBN_COLOUR_RED);
  assert_true(dbn_days_overdue(&f.task, now) > 0);
  f.task.cancelled = true;
  assert_int_equal(dbn_task_colour(&f.task, day("2023-09-18"), now, NULL, &pace), DBN_COLOUR_GREEN);
  assert_int_equal(pace.days_overdue, 0);
  assert_false(pace.behind_pace);
  assert_int_equal(dbn_days_overdue(&f.task, now), 0);

  const Duban__Task *tasks[] = {&f.task};
  int64_t starts[] = {day("2023-09-18")};
  dbn_score_input_t unit = {.unit = "SLJ", .tasks = tasks, .starts = starts, .n_tasks = 1};
  dbn_scoring_rules_t rules;
  dbn_scoring_rules_default(&rules);
  dbn_score_t score;
  assert_int_equal(dbn_score_departments(&unit, 1, &rules, NULL, now, &score), 0);
  assert_int_equal(score.tasks, 0);
  assert_int_equal(score.overdue_tasks, 0);
  assert_int_equal(score.total, rules.base);
  dbn_overdue_t overdue[1];
  size_t count = 9;
  assert_int_equal(dbn_score_overdue_list(&unit, now, overdue, &count), 0);
  assert_int_equal(count, 0);

  /* Nor on the unit's scorecard (the state counts of 考核). */
  Duban__Unit slj = DUBAN__UNIT__INIT;
  slj.code = "SLJ";
  slj.name = "市水利局";
  Duban__Unit *units[] = {&slj};
  f.task.unit = "SLJ";
  f.task.percent = 40;
  Duban__Task *all[] = {&f.task};
  dbn_scorecard_input_t in = {.units = units, .n_units = 1, .tasks = all, .n_tasks = 1};
  dbn_scorecard_t *cards;
  assert_int_equal(dbn_scorecards(&in, &cards, &count), 0);
  assert_int_equal(count, 1);
  assert_int_equal(cards[0].tasks, 0);
  assert_int_equal(cards[0].working, 0);
  dbn_scorecards_free(cards, count);
}

/* The words of each change, as history, replay and the inbox show them. */
static void
test_describe(void **state)
{
  (void)state;
  Duban__PlanChangeDates dates = DUBAN__PLAN_CHANGE_DATES__INIT;
  dates.op = REDATE;
  dates.old_due = "2023-12-31";
  dates.due = "2024-06-30";
  dates.reason = "受汛期影响";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.body_case = DUBAN__EVENT__BODY_PLAN_DATES_CHANGED;
  event.plan_dates_changed = &dates;
  char out[256];
  dbn_plan_change_describe(&event, out, sizeof out);
  assert_string_equal(out, "节点 2023-12-31 改期为 2024-06-30");
  dbn_plan_change_inbox_text(&event, out, sizeof out);
  assert_string_equal(out, "计划调整：节点 2023-12-31 改期为 2024-06-30；理由：受汛期影响");
  /* Cut short, the text ends on a whole character. */
  for (size_t len = 10; len < 40; len++) {
    char cut[64];
    dbn_plan_change_inbox_text(&event, cut, len);
    assert_true(strlen(cut) < len);
    assert_true(strncmp(out, cut, strlen(cut)) == 0);
    size_t n = strlen(cut);
    assert_true(n == 0 || ((unsigned char)out[n] & 0xC0) != 0x80);
  }
  Duban__PlanChangeCancel cancel = DUBAN__PLAN_CHANGE_CANCEL__INIT;
  cancel.reason = "并入";
  event.body_case = DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED;
  event.plan_task_cancelled = &cancel;
  dbn_plan_change_describe(&event, out, sizeof out);
  assert_string_equal(out, "撤销任务");
  assert_string_equal(dbn_plan_change_event_reason(&event), "并入");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_dates),
      cmocka_unit_test(test_milestones_after),
      cmocka_unit_test(test_new_milestones),
      cmocka_unit_test(test_measures_and_new_ids),
      cmocka_unit_test(test_cancelled_task_in_the_lifecycle),
      cmocka_unit_test(test_cancelled_task_is_not_late_nor_scored),
      cmocka_unit_test(test_describe),
  };
  return cmocka_run_group_tests(tests, fixture_default_zone, NULL);
}
