/* test_score.c: 考核 scores (domain/score.h): a hand-computed assessment of
 * three departments with five tasks each, the floor on one task's overdue
 * points, competition ranks, escalations a department raised itself
 * against automatic ones, on time against late at the boundary second,
 * the overdue list, the versions of the rules and the rules' check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "fixture_log.h"
#include "score.h"

#define DAY DBN_DAY_SECONDS
#define MAX_TASKS 8

#define ASSIGNED DUBAN__TASK_STATE__TASK_ASSIGNED
#define CLAIMED DUBAN__TASK_STATE__TASK_CLAIMED
#define WORKING DUBAN__TASK_STATE__TASK_IN_PROGRESS
#define BLOCKED DUBAN__TASK_STATE__TASK_BLOCKED
#define SUBMITTED DUBAN__TASK_STATE__TASK_SUBMITTED
#define DONE DUBAN__TASK_STATE__TASK_DONE

/* A task as the tables write it. */
typedef struct {
  const char *id;
  int state;
  int percent;
  const char *due;         /* its one milestone; NULL: none */
  const char *updated_day; /* updated_at (for a done task, its acceptance) is this day's start ... */
  int64_t updated_offset;  /* ... plus this many seconds; NULL day: 0 */
  unsigned reminders;
} task_spec_t;

/* One department: its tasks built from specs, all started 2024-01-01. */
typedef struct {
  Duban__Task tasks[MAX_TASKS];
  Duban__Milestone milestones[MAX_TASKS];
  Duban__Milestone *milestone_pointers[MAX_TASKS];
  const Duban__Task *task_pointers[MAX_TASKS];
  int64_t starts[MAX_TASKS];
} department_t;

static void
build(department_t *d, const char *unit, const task_spec_t *specs, size_t n, unsigned own, unsigned automatic,
      dbn_score_input_t *input)
{
  assert_true(n <= MAX_TASKS);
  memset(d, 0, sizeof *d);
  for (size_t i = 0; i < n; i++) {
    Duban__Task *task = &d->tasks[i];
    duban__task__init(task);
    task->id = (char *)specs[i].id;
    task->unit = (char *)unit;
    task->state = (Duban__TaskState)specs[i].state;
    task->percent = specs[i].percent;
    task->reminders = specs[i].reminders;
    task->updated_at = specs[i].updated_day ? fixture_day(specs[i].updated_day) + specs[i].updated_offset : 0;
    if (specs[i].due) {
      duban__milestone__init(&d->milestones[i]);
      d->milestones[i].due = (char *)specs[i].due;
      d->milestones[i].text = "举措";
      d->milestone_pointers[i] = &d->milestones[i];
      task->milestones = &d->milestone_pointers[i];
      task->n_milestones = 1;
    }
    d->task_pointers[i] = task;
    d->starts[i] = fixture_day("2024-01-01");
  }
  *input = (dbn_score_input_t){unit, d->task_pointers, d->starts, n, own, automatic};
}

/* ---- the hand-computed assessment ---- */

/* Scored at 2025-01-11T00:00Z under the default rules (base 100, on time
 * +5, late +2, -1 a day overdue down to -30 a task, behind pace -3, own
 * escalation 0, automatic -5, reminder -2) and the default pace policy
 * (blue within 30 days, yellow more than 10 points behind). Every task
 * started 2024-01-01, 376 days before now. Expected percents:
 *   due 2025-01-31: 376/397 days = 94%   due 2025-03-31: 376/456 = 82%
 *   due 2025-06-30: 376/547 days = 68%   due 2025-12-31: 376/731 = 51% */
static const task_spec_t transport[] = {
    /* done 2024-06-30 12:00, due that day: on time                     +5 */
    {"p:1.1.1", DONE, 100, "2024-06-30", "2024-06-30", 12 * 3600, 0},
    /* done 2024-07-03, due 2024-06-30: late                            +2 */
    {"p:1.1.2", DONE, 100, "2024-06-30", "2024-07-03", 0, 0},
    /* due 2024-12-31, not done: red, 11 days (Jan 1..11)              -11 */
    {"p:1.1.3", WORKING, 80, "2024-12-31", NULL, 0, 0},
    /* due 2025-06-30: 10% < 68 - 10: behind -3; one reminder -2        -5 */
    {"p:1.1.4", WORKING, 10, "2025-06-30", NULL, 0, 1},
    /* due 2025-12-31: 60% >= 51 - 10: green                             0 */
    {"p:1.1.5", CLAIMED, 60, "2025-12-31", NULL, 0, 0},
};
static const task_spec_t development[] = {
    /* done, no milestone: on time                                      +5 */
    {"p:2.1.1", DONE, 100, NULL, "2024-05-01", 0, 0},
    /* accepted at 2025-01-01T00:00:00, the first second after its due
     * day 2024-12-31: late                                              +2 */
    {"p:2.1.2", DONE, 100, "2024-12-31", "2025-01-01", 0, 0},
    /* due 2024-03-31, blocked: 286 days, floored at -30; 3 reminders -6 -36 */
    {"p:2.1.3", BLOCKED, 20, "2024-03-31", NULL, 0, 3},
    /* due 2025-01-31, 21 days ahead: blue; 90% >= 94 - 10: not behind   0 */
    {"p:2.1.4", WORKING, 90, "2025-01-31", NULL, 0, 0},
    /* submitted, due 2025-03-31: 100% >= 82 - 10: green                 0 */
    {"p:2.1.5", SUBMITTED, 100, "2025-03-31", NULL, 0, 0},
};
static const task_spec_t forestry[] = {
    /* accepted 2024-12-31T23:59:59, the last second of its due day: on time +5 */
    {"p:3.1.1", DONE, 100, "2024-12-31", "2024-12-31", DAY - 1, 0},
    /* done a month early: on time                                       +5 */
    {"p:3.1.2", DONE, 100, "2024-09-30", "2024-09-01", 0, 0},
    /* due 2025-01-31: blue, and 30% < 94 - 10: behind counts          -3 */
    {"p:3.1.3", WORKING, 30, "2025-01-31", NULL, 0, 0},
    /* due 2025-06-30: 60% >= 68 - 10: green                             0 */
    {"p:3.1.4", WORKING, 60, "2025-06-30", NULL, 0, 0},
    /* due 2025-12-31: 0% < 51 - 10: yellow, behind -3; 2 reminders -4  -7 */
    {"p:3.1.5", ASSIGNED, 0, "2025-12-31", NULL, 0, 2},
};

/* Score the n departments of inputs at now under the default rules. */
static void
score_by_default_rules(const dbn_score_input_t *inputs, size_t n, int64_t now, dbn_score_t *scores)
{
  dbn_scoring_rules_t rules;
  dbn_scoring_rules_default(&rules);
  assert_int_equal(dbn_score_departments(inputs, n, &rules, NULL, now, scores), 0);
}

static void
test_three_departments(void **state)
{
  (void)state;
  static department_t departments[3];
  dbn_score_input_t inputs[3];
  /* 交通运输局 escalated twice itself (0) and once automatically (-5). */
  build(&departments[0], "JTJ", transport, 5, 2, 1, &inputs[0]);
  /* 发展改革委 never asked for help; the monitor escalated twice (-10). */
  build(&departments[1], "FGW", development, 5, 0, 2, &inputs[1]);
  /* 林草局 asked for help five times: 0 under the default rules. */
  build(&departments[2], "LCJ", forestry, 5, 5, 0, &inputs[2]);
  dbn_score_t scores[3];
  score_by_default_rules(inputs, 3, fixture_day("2025-01-11"), scores);

  const struct {
    const char *unit;
    int total, rank;
    dbn_colour_t colour;
    unsigned on_time, late, overdue_tasks;
    uint64_t overdue_days;
    int overdue_points;
    unsigned behind;
    uint64_t reminders;
    int automatic_points;
  } expected[] = {
      /* JTJ: 100 + 5 + 2 - 11 - 3 - 2 (reminder) - 5 (automatic) = 86 */
      {"JTJ", 86, 2, DBN_COLOUR_RED, 1, 1, 1, 11, -11, 1, 1, -5},
      /* FGW: 100 + 5 + 2 - 30 (286 days, floored) - 6 (reminders) - 10 = 61 */
      {"FGW", 61, 3, DBN_COLOUR_RED, 1, 1, 1, 286, -30, 0, 3, -10},
      /* LCJ: 100 + 5 + 5 - 3 - 3 - 4 (reminders) + 0 (own) = 100 */
      {"LCJ", 100, 1, DBN_COLOUR_YELLOW, 2, 0, 0, 0, 0, 2, 2, 0},
  };
  for (size_t u = 0; u < 3; u++) {
    const dbn_score_t *score = &scores[u];
    assert_string_equal(score->unit, expected[u].unit);
    if (score->total != expected[u].total || score->rank != expected[u].rank)
      fail_msg("%s: expected %d (rank %d), got %d (rank %d)", expected[u].unit, expected[u].total,
               expected[u].rank, score->total, score->rank);
    assert_int_equal(score->colour, expected[u].colour);
    assert_int_equal(score->tasks, 5);
    assert_int_equal(score->base, 100);
    assert_int_equal(score->done_on_time, expected[u].on_time);
    assert_int_equal(score->done_on_time_points, 5 * (int)expected[u].on_time);
    assert_int_equal(score->done_late, expected[u].late);
    assert_int_equal(score->done_late_points, 2 * (int)expected[u].late);
    assert_int_equal(score->overdue_tasks, expected[u].overdue_tasks);
    assert_int_equal(score->overdue_days, expected[u].overdue_days);
    assert_int_equal(score->overdue_points, expected[u].overdue_points);
    assert_int_equal(score->behind_pace, expected[u].behind);
    assert_int_equal(score->behind_pace_points, -3 * (int)expected[u].behind);
    assert_int_equal(score->reminders, expected[u].reminders);
    assert_int_equal(score->reminder_points, -2 * (int)expected[u].reminders);
    assert_int_equal(score->own_escalation_points, 0);
    assert_int_equal(score->automatic_escalation_points, expected[u].automatic_points);
    /* The parts add up to the total. */
    assert_int_equal(score->base + score->done_on_time_points + score->done_late_points +
                         score->overdue_points + score->behind_pace_points + score->own_escalation_points +
                         score->automatic_escalation_points + score->reminder_points,
                     score->total);
  }
  assert_int_equal(scores[0].own_escalations, 2);
  assert_int_equal(scores[2].own_escalations, 5);
  assert_int_equal(scores[1].automatic_escalations, 2);
}

/* ---- the floor on one task's overdue points ---- */

static void
test_overdue_floor(void **state)
{
  (void)state;
  /* Due 2024-12-31; days overdue at the start of day 2025-01-N are N. */
  const struct {
    const char *name;
    const char *now;
    int per_day, floor;
    uint64_t days;
    int points;
  } cases[] = {
      {"1 day", "2025-01-01", -1, -30, 1, -1},
      {"29 days", "2025-01-29", -1, -30, 29, -29},
      {"30 days: at the floor", "2025-01-30", -1, -30, 30, -30},
      {"31 days: floored", "2025-01-31", -1, -30, 31, -30},
      {"a year: floored", "2026-01-01", -1, -30, 366, -30},
      {"2 a day, 14 days", "2025-01-14", -2, -30, 14, -28},
      {"2 a day, 15 days: at the floor", "2025-01-15", -2, -30, 15, -30},
      {"2 a day, 16 days: floored", "2025-01-16", -2, -30, 16, -30},
      {"floor 0: overdue costs nothing", "2025-01-20", -1, 0, 20, 0},
      {"no cost a day", "2025-01-20", 0, -30, 20, 0},
  };
  static const task_spec_t late[] = {{"p:1.1.1", WORKING, 50, "2024-12-31", NULL, 0, 0}};
  static const task_spec_t two_late[] = {{"p:1.1.1", WORKING, 50, "2024-12-31", NULL, 0, 0},
                                         {"p:1.1.2", WORKING, 50, "2024-12-31", NULL, 0, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    static department_t department;
    dbn_score_input_t input;
    build(&department, "JTJ", late, 1, 0, 0, &input);
    dbn_scoring_rules_t rules;
    dbn_scoring_rules_default(&rules);
    rules.per_day_overdue = cases[i].per_day;
    rules.max_overdue_per_task = cases[i].floor;
    dbn_score_t score;
    assert_int_equal(dbn_score_departments(&input, 1, &rules, NULL, fixture_day(cases[i].now), &score), 0);
    if (score.overdue_days != cases[i].days || score.overdue_points != cases[i].points)
      fail_msg("%s: expected %llu days, %d points; got %llu days, %d points", cases[i].name,
               (unsigned long long)cases[i].days, cases[i].points, (unsigned long long)score.overdue_days,
               score.overdue_points);
    assert_int_equal(score.total, 100 + cases[i].points);
  }
  /* The floor is per task: two tasks 31 days late cost 2 x -30. */
  static department_t department;
  dbn_score_input_t input;
  build(&department, "JTJ", two_late, 2, 0, 0, &input);
  dbn_score_t score;
  score_by_default_rules(&input, 1, fixture_day("2025-01-31"), &score);
  assert_int_equal(score.overdue_days, 62);
  assert_int_equal(score.overdue_points, -60);
  assert_int_equal(score.total, 40);
}

/* ---- ranks ---- */

/* Departments without tasks, their totals set by automatic escalations
 * (-5 each): competition ranking, highest first, ties share a rank. */
static void
test_tied_ranks(void **state)
{
  (void)state;
  const struct {
    const char *name;
    size_t n;
    unsigned automatic[5];
    int ranks[5];
  } cases[] = {
      {"100, 95, 95, 90", 4, {0, 1, 1, 2}, {1, 2, 2, 4}},
      {"95, 100, 90, 95 (input order kept)", 4, {1, 0, 2, 1}, {2, 1, 4, 2}},
      {"all equal", 3, {1, 1, 1}, {1, 1, 1}},
      {"100, 100, 90, 90, 80", 5, {0, 0, 2, 2, 4}, {1, 1, 3, 3, 5}},
      {"one department", 1, {3}, {1}},
      {"all different", 3, {2, 0, 1}, {3, 1, 2}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_score_input_t inputs[5];
    for (size_t u = 0; u < cases[i].n; u++)
      inputs[u] = (dbn_score_input_t){"U", NULL, NULL, 0, 0, cases[i].automatic[u]};
    dbn_score_t scores[5];
    score_by_default_rules(inputs, cases[i].n, 0, scores);
    for (size_t u = 0; u < cases[i].n; u++) {
      assert_int_equal(scores[u].total, 100 - 5 * (int)cases[i].automatic[u]);
      if (scores[u].rank != cases[i].ranks[u])
        fail_msg("%s: department %zu: expected rank %d, got %d", cases[i].name, u, cases[i].ranks[u],
                 scores[u].rank);
      assert_int_equal(scores[u].colour, DBN_COLOUR_GREEN); /* no task: green */
    }
  }
  /* No departments at all is fine. */
  dbn_scoring_rules_t rules;
  dbn_scoring_rules_default(&rules);
  assert_int_equal(dbn_score_departments(NULL, 0, &rules, NULL, 0, NULL), 0);
}

/* ---- escalations ---- */

static void
test_escalations(void **state)
{
  (void)state;
  const struct {
    const char *name;
    int per_own; /* 1: the default rules; else per_own_escalation */
    unsigned own, automatic;
    int total;
  } cases[] = {
      {"asking for help costs nothing", 1, 10, 0, 100},
      {"automatic ones cost 5 each", 1, 0, 3, 85},
      {"both: only the automatic ones count", 1, 10, 3, 85},
      {"rules that do charge for asking", -1, 10, 3, 75},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_scoring_rules_t rules;
    dbn_scoring_rules_default(&rules);
    if (cases[i].per_own != 1)
      rules.per_own_escalation = cases[i].per_own;
    dbn_score_input_t input = {"JTJ", NULL, NULL, 0, cases[i].own, cases[i].automatic};
    dbn_score_t score;
    assert_int_equal(dbn_score_departments(&input, 1, &rules, NULL, 0, &score), 0);
    if (score.total != cases[i].total)
      fail_msg("%s: expected %d, got %d", cases[i].name, cases[i].total, score.total);
    assert_int_equal(score.own_escalations, cases[i].own);
    assert_int_equal(score.automatic_escalations, cases[i].automatic);
  }
}

/* Missed reports (漏报: the task view's "PERIOD/missed" warnings) cost and
 * milestones a coordinator confirmed earn, on every task, done ones too;
 * other warnings ("DUE/red") are not reports missed. Hand-computed: one
 * green task due 2025-12-31 (scored 2024-06-01, 60% against 21% expected)
 * with two missed periods and one red warning, and one done-late task with
 * two confirmed milestones: 100 - 2*2 + 2 (late) + 2*1 = 100; under rules
 * that charge 5 a missed report and give 3 a milestone: 100 - 10 + 2 + 6 = 98. */
static void
test_missed_reports_and_milestones(void **state)
{
  (void)state;
  department_t d;
  dbn_score_input_t input;
  static const task_spec_t specs[] = {
      {"p:4.1.1", WORKING, 60, "2025-12-31", NULL, 0, 0},
      {"p:4.1.2", DONE, 100, "2024-03-31", "2024-04-02", 0, 0},
  };
  build(&d, "NYJ", specs, 2, 0, 0, &input);
  char *warnings[] = {"2024-01-31/missed", "2024-03-31/red", "2024-04-30/missed"};
  d.tasks[0].warnings = warnings;
  d.tasks[0].n_warnings = 3;
  char *met[] = {"2024-01-31", "2024-03-31"};
  d.tasks[1].milestones_met = met;
  d.tasks[1].n_milestones_met = 2;
  dbn_scoring_rules_t rules;
  dbn_scoring_rules_default(&rules);
  dbn_score_t score;
  assert_int_equal(dbn_score_departments(&input, 1, &rules, NULL, fixture_day("2024-06-01"), &score), 0);
  assert_int_equal(score.missed_reports, 2);
  assert_int_equal(score.missed_report_points, -4);
  assert_int_equal(score.confirmed_milestones, 2);
  assert_int_equal(score.confirmed_milestone_points, 2);
  assert_int_equal(score.done_late, 1);
  assert_int_equal(score.total, 100);
  rules.per_missed_report = -5;
  rules.per_confirmed_milestone = 3;
  assert_int_equal(dbn_score_departments(&input, 1, &rules, NULL, fixture_day("2024-06-01"), &score), 0);
  assert_int_equal(score.total, 98);
  /* A lost minus sign cannot make a missed report a reward. */
  rules.per_missed_report = 2;
  char why[160] = "";
  assert_int_not_equal(dbn_scoring_rules_check(&rules, why, sizeof why), 0);
  assert_non_null(strstr(why, "per_missed_report"));
}

/* ---- on time or late ---- */

static void
test_done_on_time(void **state)
{
  (void)state;
  const struct {
    const char *name;
    int state;
    const char *due;
    const char *updated_day;
    int64_t updated_offset;
    bool on_time;
  } cases[] = {
      {"accepted early", DONE, "2024-12-31", "2024-06-01", 0, true},
      {"accepted at the due day's start", DONE, "2024-12-31", "2024-12-31", 0, true},
      {"accepted at its last second", DONE, "2024-12-31", "2024-12-31", DAY - 1, true},
      {"accepted at the next day's first second", DONE, "2024-12-31", "2025-01-01", 0, false},
      {"accepted a month late", DONE, "2024-12-31", "2025-02-01", 0, false},
      {"no milestone", DONE, NULL, "2030-01-01", 0, true},
      {"a bad due is no due", DONE, "2024-13-01", "2030-01-01", 0, true},
      {"not done is not on time", SUBMITTED, "2024-12-31", "2024-06-01", 0, false},
      {"state 99 is not done", 99, "2024-12-31", "2024-06-01", 0, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    static department_t department;
    dbn_score_input_t input;
    task_spec_t spec = {
        "p:1.1.1", cases[i].state, 100, cases[i].due, cases[i].updated_day, cases[i].updated_offset, 0};
    build(&department, "JTJ", &spec, 1, 0, 0, &input);
    if (dbn_score_done_on_time(&department.tasks[0]) != cases[i].on_time)
      fail_msg("%s: expected %s", cases[i].name, cases[i].on_time ? "on time" : "not on time");
  }

  /* The latest due day decides, whatever the milestones' order. */
  static department_t department;
  dbn_score_input_t input;
  task_spec_t spec = {"p:1.1.1", DONE, 100, "2024-12-31", "2024-09-01", 0, 0};
  build(&department, "JTJ", &spec, 1, 0, 0, &input);
  Duban__Milestone early = DUBAN__MILESTONE__INIT;
  early.due = "2024-06-30";
  Duban__Milestone *both[] = {&department.milestones[0], &early};
  department.tasks[0].milestones = both;
  department.tasks[0].n_milestones = 2;
  assert_true(dbn_score_done_on_time(&department.tasks[0]));
  both[0] = &early;
  both[1] = &department.milestones[0];
  assert_true(dbn_score_done_on_time(&department.tasks[0]));
}

/* ---- the overdue list ---- */

static void
test_overdue_list(void **state)
{
  (void)state;
  static const task_spec_t specs[] = {
      {"p:1.1.4", WORKING, 50, "2024-12-31", NULL, 0, 0},       /* 11 days */
      {"p:1.1.1", DONE, 100, "2024-03-31", "2024-12-01", 0, 0}, /* done late: not overdue */
      {"p:1.1.2", BLOCKED, 20, "2024-03-31", NULL, 0, 0},       /* 286 days */
      {"p:1.1.3", WORKING, 50, "2024-12-31", NULL, 0, 0},       /* 11 days, sorts before 1.1.4 */
      {"p:1.1.5", WORKING, 50, "2025-12-31", NULL, 0, 0},       /* not due yet */
      {"p:1.1.6", ASSIGNED, 0, NULL, NULL, 0, 0},               /* no due date */
      {"p:1.1.7", SUBMITTED, 100, "2025-01-10", NULL, 0, 0},    /* 1 day: submitted is not accepted */
  };
  static department_t department;
  dbn_score_input_t input;
  build(&department, "JTJ", specs, sizeof specs / sizeof specs[0], 0, 0, &input);
  dbn_overdue_t list[MAX_TASKS];
  size_t count = 99;
  assert_int_equal(dbn_score_overdue_list(&input, fixture_day("2025-01-11"), list, &count), 0);
  const struct {
    const char *id;
    int days;
    const char *due;
  } expected[] = {
      {"p:1.1.2", 286, "2024-03-31"},
      {"p:1.1.3", 11, "2024-12-31"},
      {"p:1.1.4", 11, "2024-12-31"},
      {"p:1.1.7", 1, "2025-01-10"},
  };
  assert_int_equal(count, sizeof expected / sizeof expected[0]);
  for (size_t i = 0; i < count; i++) {
    assert_string_equal(list[i].task->id, expected[i].id);
    assert_int_equal(list[i].days_late, expected[i].days);
    assert_int_equal(list[i].due_end, fixture_day(expected[i].due) + DAY);
  }
  /* Nothing overdue before the first due day has ended. */
  assert_int_equal(dbn_score_overdue_list(&input, fixture_day("2024-03-31") + DAY - 1, list, &count), 0);
  assert_int_equal(count, 0);
  /* An input that claims tasks it does not have. */
  dbn_score_input_t broken = {"JTJ", NULL, NULL, 3, 0, 0};
  assert_int_equal(dbn_score_overdue_list(&broken, 0, list, &count), DBN_EINVAL);
}

/* ---- refusals ---- */

static void
test_score_refusals(void **state)
{
  (void)state;
  dbn_scoring_rules_t rules;
  dbn_scoring_rules_default(&rules);
  dbn_score_t score;
  static department_t department;
  static const task_spec_t one[] = {{"p:1.1.1", WORKING, 0, "2024-12-31", NULL, 0, 0}};
  dbn_score_input_t input;
  build(&department, "JTJ", one, 1, 0, 0, &input);

  dbn_scoring_rules_t bad = rules;
  bad.per_reminder = 2;
  assert_int_equal(dbn_score_departments(&input, 1, &bad, NULL, 0, &score), DBN_EINVAL);
  dbn_score_input_t no_starts = input;
  no_starts.starts = NULL;
  assert_int_equal(dbn_score_departments(&no_starts, 1, &rules, NULL, 0, &score), DBN_EINVAL);
  dbn_score_input_t no_tasks = input;
  no_tasks.tasks = NULL;
  assert_int_equal(dbn_score_departments(&no_tasks, 1, &rules, NULL, 0, &score), DBN_EINVAL);
  const Duban__Task *null_task[] = {NULL};
  dbn_score_input_t null_in_tasks = input;
  null_in_tasks.tasks = null_task;
  assert_int_equal(dbn_score_departments(&null_in_tasks, 1, &rules, NULL, 0, &score), DBN_EINVAL);

  /* Points that leave int: 2^32 - 1 reminders at -1000 each. */
  department.tasks[0].reminders = UINT32_MAX;
  bad = rules;
  bad.per_reminder = -1000;
  assert_int_equal(dbn_score_departments(&input, 1, &bad, NULL, 0, &score), DBN_ETOOBIG);
  /* The same count at weight 0 is fine. */
  bad.per_reminder = 0;
  assert_int_equal(dbn_score_departments(&input, 1, &bad, NULL, 0, &score), 0);
  assert_int_equal(score.reminders, UINT32_MAX);
  assert_int_equal(score.reminder_points, 0);
}

/* ---- the rules ---- */

static void
test_rules_default(void **state)
{
  (void)state;
  dbn_scoring_rules_t rules;
  memset(&rules, 0x5a, sizeof rules);
  dbn_scoring_rules_default(&rules);
  assert_string_equal(rules.version, "default");
  assert_int_equal(rules.effective, 0);
  assert_int_equal(rules.base, 100);
  assert_int_equal(rules.done_on_time, 5);
  assert_int_equal(rules.done_late, 2);
  assert_int_equal(rules.per_day_overdue, -1);
  assert_int_equal(rules.max_overdue_per_task, -30);
  assert_int_equal(rules.behind_pace, -3);
  assert_int_equal(rules.per_own_escalation, 0);
  assert_int_equal(rules.per_automatic_escalation, -5);
  assert_int_equal(rules.per_reminder, -2);
  assert_int_equal(rules.per_missed_report, -2);
  assert_int_equal(rules.per_confirmed_milestone, 1);
  char why[160] = "";
  assert_int_equal(dbn_scoring_rules_check(&rules, why, sizeof why), 0);
}

/* Each case changes one field of the default rules. */
enum field {
  F_VERSION,
  F_EFFECTIVE,
  F_BASE,
  F_DONE_ON_TIME,
  F_DONE_LATE,
  F_PER_DAY,
  F_MAX_OVERDUE,
  F_BEHIND,
  F_OWN,
  F_AUTOMATIC,
  F_REMINDER,
};

static void
set_field(dbn_scoring_rules_t *rules, enum field field, int64_t value, const char *version)
{
  switch (field) {
  case F_VERSION:
    memset(rules->version, 0, sizeof rules->version);
    /* Copy exactly, without a NUL when it fills the array. */
    for (size_t i = 0; i < sizeof rules->version && version[i]; i++)
      rules->version[i] = version[i];
    break;
  case F_EFFECTIVE: rules->effective = value; break;
  case F_BASE: rules->base = (int)value; break;
  case F_DONE_ON_TIME: rules->done_on_time = (int)value; break;
  case F_DONE_LATE: rules->done_late = (int)value; break;
  case F_PER_DAY: rules->per_day_overdue = (int)value; break;
  case F_MAX_OVERDUE: rules->max_overdue_per_task = (int)value; break;
  case F_BEHIND: rules->behind_pace = (int)value; break;
  case F_OWN: rules->per_own_escalation = (int)value; break;
  case F_AUTOMATIC: rules->per_automatic_escalation = (int)value; break;
  case F_REMINDER: rules->per_reminder = (int)value; break;
  }
}

static void
test_rules_check(void **state)
{
  (void)state;
  const struct {
    const char *name;
    enum field field;
    int64_t value;
    const char *version;
    int rc;
    const char *why_has; /* a word the message must name */
  } cases[] = {
      {"a dated version", F_VERSION, 0, "2024-1", 0, NULL},
      {"63 bytes", F_VERSION, 0, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0", 0, NULL},
      {"empty version", F_VERSION, 0, "", DBN_EINVAL, "version"},
      {"a space in the version", F_VERSION, 0, "2024 v1", 0, NULL},
      {"a tab in the version", F_VERSION, 0, "v\t1", DBN_EINVAL, "version"},
      {"a newline in the version", F_VERSION, 0, "v\n1", DBN_EINVAL, "version"},
      {"Chinese version", F_VERSION, 0, "2024年度考核细则", 0, NULL},
      {"broken UTF-8", F_VERSION, 0, "v\xe5\xb9", DBN_EINVAL, "version"},
      {"64 bytes: no room for the NUL", F_VERSION, 0,
       "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01", DBN_EINVAL, "version"},
      {"effective before 1970", F_EFFECTIVE, -1, NULL, DBN_EINVAL, "effective"},
      {"effective far ahead", F_EFFECTIVE, INT64_MAX, NULL, 0, NULL},
      {"base 1000", F_BASE, 1000, NULL, 0, NULL},
      {"base 1001", F_BASE, 1001, NULL, DBN_EINVAL, "base"},
      {"base -1001", F_BASE, -1001, NULL, DBN_EINVAL, "base"},
      {"late work may cost", F_DONE_LATE, -5, NULL, 0, NULL},
      {"on time -1001", F_DONE_ON_TIME, -1001, NULL, DBN_EINVAL, "done_on_time"},
      {"on time INT_MAX", F_DONE_ON_TIME, INT_MAX, NULL, DBN_EINVAL, "done_on_time"},
      {"reminder -1000", F_REMINDER, -1000, NULL, 0, NULL},
      {"reminder -1001", F_REMINDER, -1001, NULL, DBN_EINVAL, "per_reminder"},
      {"a reminder rewarded", F_REMINDER, 2, NULL, DBN_EINVAL, "per_reminder"},
      {"an overdue day rewarded", F_PER_DAY, 1, NULL, DBN_EINVAL, "per_day_overdue"},
      {"a positive floor", F_MAX_OVERDUE, 30, NULL, DBN_EINVAL, "max_overdue_per_task"},
      {"behind pace rewarded", F_BEHIND, 3, NULL, DBN_EINVAL, "behind_pace"},
      {"asking for help rewarded", F_OWN, 1, NULL, DBN_EINVAL, "per_own_escalation"},
      {"asking for help charged", F_OWN, -1, NULL, 0, NULL},
      {"automatic rewarded", F_AUTOMATIC, 5, NULL, DBN_EINVAL, "per_automatic_escalation"},
      {"automatic INT_MIN", F_AUTOMATIC, INT_MIN, NULL, DBN_EINVAL, "per_automatic_escalation"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_scoring_rules_t rules;
    dbn_scoring_rules_default(&rules);
    set_field(&rules, cases[i].field, cases[i].value, cases[i].version);
    char why[200] = "";
    int rc = dbn_scoring_rules_check(&rules, why, sizeof why);
    if (rc != cases[i].rc)
      fail_msg("%s: expected %d, got %d (%s)", cases[i].name, cases[i].rc, rc, why);
    if (cases[i].why_has && !strstr(why, cases[i].why_has))
      fail_msg("%s: the message '%s' does not name %s", cases[i].name, why, cases[i].why_has);
  }
}

/* The rules in effect at a moment: the latest effective at or before it;
 * of two from the same moment, the later in the log. */
static void
test_rules_at(void **state)
{
  (void)state;
  dbn_scoring_rules_t versions[4];
  const char *names[] = {"v1", "v2", "v3", "v4"};
  const int64_t effective[] = {100, 300, 300, 200};
  for (size_t i = 0; i < 4; i++) {
    dbn_scoring_rules_default(&versions[i]);
    snprintf(versions[i].version, sizeof versions[i].version, "%s", names[i]);
    versions[i].effective = effective[i];
  }
  const struct {
    int64_t at;
    const char *version; /* NULL: none in effect */
  } cases[] = {
      {99, NULL}, {100, "v1"}, {199, "v1"}, {200, "v4"}, {299, "v4"}, {300, "v3"}, {1000000, "v3"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const dbn_scoring_rules_t *in_effect = dbn_scoring_rules_at(versions, 4, cases[i].at);
    if (!cases[i].version) {
      assert_null(in_effect);
      continue;
    }
    assert_non_null(in_effect);
    if (strcmp(in_effect->version, cases[i].version) != 0)
      fail_msg("at %lld: expected %s, got %s", (long long)cases[i].at, cases[i].version, in_effect->version);
  }
  assert_null(dbn_scoring_rules_at(NULL, 0, 0));
}

/* The rules as the log holds them, made the rules score.c counts with. */
static void
test_rules_from_proto(void **state)
{
  (void)state;
  Duban__ScoringRules message = DUBAN__SCORING_RULES__INIT;
  message.version = "2023年度考核细则";
  message.effective = "2023-09-18";
  message.base_points = 100;
  message.per_day_overdue = -1;
  message.per_reminder = -2;
  dbn_scoring_rules_t rules;
  char why[200] = "";
  assert_int_equal(dbn_scoring_rules_from_proto(&message, &rules, why, sizeof why), 0);
  assert_string_equal(rules.version, "2023年度考核细则");
  assert_int_equal(rules.effective, 1694966400); /* 2023-09-18 00:00 Beijing, 2023-09-17T16:00:00Z */
  assert_int_equal(rules.base, 100);
  assert_int_equal(rules.per_reminder, -2);
  assert_int_equal(dbn_scoring_rules_check(&rules, why, sizeof why), 0);

  message.effective = "2023-02-30";
  assert_int_equal(dbn_scoring_rules_from_proto(&message, &rules, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "effective"));
  message.effective = "2023-09-18";
  message.version = "";
  assert_int_equal(dbn_scoring_rules_from_proto(&message, &rules, why, sizeof why), DBN_EINVAL);
  message.version = "a version far too long to be a name anyone cites in a report, more than 64 bytes";
  assert_int_equal(dbn_scoring_rules_from_proto(&message, &rules, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "version"));
  message.version = "v1";
  message.per_reminder = 3; /* a reward for being reminded: the check refuses it */
  assert_int_equal(dbn_scoring_rules_from_proto(&message, &rules, why, sizeof why), 0);
  assert_int_equal(dbn_scoring_rules_check(&rules, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "per_reminder"));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_three_departments), cmocka_unit_test(test_overdue_floor),
      cmocka_unit_test(test_tied_ranks),        cmocka_unit_test(test_escalations),
      cmocka_unit_test(test_done_on_time),      cmocka_unit_test(test_overdue_list),
      cmocka_unit_test(test_score_refusals),    cmocka_unit_test(test_rules_default),
      cmocka_unit_test(test_rules_check),       cmocka_unit_test(test_rules_at),
      cmocka_unit_test(test_rules_from_proto),  cmocka_unit_test(test_missed_reports_and_milestones),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
