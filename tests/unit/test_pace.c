/* test_pace.c: 序时进度 and the colours 红黄蓝绿 (domain/pace.h) at the
 * seconds where they change: the end of a due day, the edge of the blue
 * window, the edge of the pace margin; tasks done, with two milestones,
 * with damaged states and due strings; and the roll-up of every pair of
 * colours. Each is a table of named cases with the answer written out. */
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
#include "pace.h"

#define DAY DBN_DAY_SECONDS
#define GREEN DBN_COLOUR_GREEN
#define BLUE DBN_COLOUR_BLUE
#define YELLOW DBN_COLOUR_YELLOW
#define RED DBN_COLOUR_RED
#define DONE DUBAN__TASK_STATE__TASK_DONE
#define WORKING DUBAN__TASK_STATE__TASK_IN_PROGRESS

/* The start of the day text names. */
/* A task with up to two milestones (NULL: none). */
typedef struct {
  Duban__Task task;
  Duban__Milestone milestones[2];
  Duban__Milestone *pointers[2];
} fixture_t;

static void
make_task(fixture_t *f, int state, int percent, const char *due_1, const char *due_2)
{
  memset(f, 0, sizeof *f);
  duban__task__init(&f->task);
  f->task.id = "p:1.1.1";
  f->task.state = (Duban__TaskState)state;
  f->task.percent = percent;
  f->task.milestones = f->pointers;
  const char *dues[] = {due_1, due_2};
  for (size_t i = 0; i < 2; i++) {
    if (!dues[i])
      continue;
    duban__milestone__init(&f->milestones[f->task.n_milestones]);
    /* "(none)" stands for a milestone whose due is NULL. */
    f->milestones[f->task.n_milestones].due = strcmp(dues[i], "(none)") == 0 ? NULL : (char *)dues[i];
    f->milestones[f->task.n_milestones].text = "举措";
    f->pointers[f->task.n_milestones] = &f->milestones[f->task.n_milestones];
    f->task.n_milestones++;
  }
}

/* ---- 序时进度 ---- */

static void
test_expected_percent(void **state)
{
  (void)state;
  const struct {
    const char *name;
    int64_t start, due_end, now;
    int percent;
  } cases[] = {
      {"half way", 0, 100, 50, 50},
      {"at the start", 0, 100, 0, 0},
      {"clock before the start", 0, 100, -5, 0},
      {"a second before the end", 0, 100, 99, 99},
      {"at the end", 0, 100, 100, 100},
      {"after the end", 0, 100, 1000, 100},
      {"a third rounds down", 0, 3, 1, 33},
      {"two thirds round down", 0, 3, 2, 66},
      {"start == due, before", 100, 100, 99, 0},
      {"start == due, at it", 100, 100, 100, 100},
      {"start after due, before due", 200, 100, 50, 0},
      {"start after due, between", 200, 100, 150, 100},
      /* Spans where 100 x elapsed does not fit in 64 bits: still exact. */
      {"whole int64 range, at 0", INT64_MIN, INT64_MAX, 0, 50},
      {"whole int64 range, at -1", INT64_MIN, INT64_MAX, -1, 49},
      {"whole int64 range, near the end", INT64_MIN, INT64_MAX, INT64_MAX - 1, 99},
      {"whole int64 range, just after the start", INT64_MIN, INT64_MAX, INT64_MIN + 1, 0},
      {"half of INT64_MAX rounds down", 0, INT64_MAX, INT64_MAX / 2, 49},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = dbn_pace_expected_percent(cases[i].start, cases[i].due_end, cases[i].now);
    if (got != cases[i].percent)
      fail_msg("%s: expected %d%%, got %d%%", cases[i].name, cases[i].percent, got);
  }
  /* A plan's year: 2024 has 366 days, so 2024-07-02 is exactly half way. */
  assert_int_equal(dbn_pace_expected_percent(fixture_day("2024-01-01"), fixture_day("2025-01-01"),
                                             fixture_day("2024-07-02")),
                   50);
  assert_int_equal(dbn_pace_expected_percent(fixture_day("2024-01-01"), fixture_day("2025-01-01"),
                                             fixture_day("2024-07-02") - 1),
                   49);
}

/* ---- the colour of one task ---- */

/* Every case starts on 2024-01-01 unless it says otherwise, with the
 * default policy (blue within 30 days of the end of a due day, yellow when
 * behind 序时进度 by more than 10 points). The task due "2024-12-31" must
 * be done by 2025-01-01T00:00:00Z; 2024 has 366 days. */
static const struct colour_case {
  const char *name;
  int state;
  int percent;
  const char *due_1, *due_2;
  const char *start;   /* NULL: 2024-01-01 */
  const char *now_day; /* now is this day's start ... */
  int64_t now_offset;  /* ... plus this many seconds */
  dbn_colour_t colour;
  int expected_percent;
  const char *next_due; /* the day whose end next_due is; NULL: 0 */
  int days_overdue;
  bool behind_pace;
} colour_cases[] = {
    /* The end of the due day. */
    {"last second of the due day", WORKING, 50, "2024-12-31", NULL, NULL, "2024-12-31", DAY - 1, BLUE, 99,
     "2024-12-31", 0, true},
    {"first second after the due day", WORKING, 50, "2024-12-31", NULL, NULL, "2025-01-01", 0, RED, 100, NULL,
     1, true},
    {"last second of the day after", WORKING, 50, "2024-12-31", NULL, NULL, "2025-01-01", DAY - 1, RED, 100,
     NULL, 1, true},
    {"two days late", WORKING, 100, "2024-12-31", NULL, NULL, "2025-01-02", 0, RED, 100, NULL, 2, false},
    {"submitted but not accepted is still red", DUBAN__TASK_STATE__TASK_SUBMITTED, 100, "2024-12-31", NULL,
     NULL, "2025-01-05", 0, RED, 100, NULL, 5, false},
    /* The blue window: 30 days before 2025-01-01T00:00 is 2024-12-02T00:00. */
    {"exactly yellow_days before", WORKING, 100, "2024-12-31", NULL, NULL, "2024-12-02", 0, BLUE, 91,
     "2024-12-31", 0, false},
    {"a second earlier, on pace", WORKING, 100, "2024-12-31", NULL, NULL, "2024-12-01", DAY - 1, GREEN, 91,
     "2024-12-31", 0, false},
    {"a second earlier, behind pace", WORKING, 0, "2024-12-31", NULL, NULL, "2024-12-01", DAY - 1, YELLOW, 91,
     "2024-12-31", 0, true},
    {"blue wins over behind pace", WORKING, 0, "2024-12-31", NULL, NULL, "2024-12-15", 0, BLUE, 95,
     "2024-12-31", 0, true},
    /* The pace margin: expected 50 at 2024-07-02T00:00, 49 a second before. */
    {"exactly at the margin", WORKING, 40, "2024-12-31", NULL, NULL, "2024-07-02", 0, GREEN, 50, "2024-12-31",
     0, false},
    {"one point past the margin", WORKING, 39, "2024-12-31", NULL, NULL, "2024-07-02", 0, YELLOW, 50,
     "2024-12-31", 0, true},
    {"one point past, a second earlier", WORKING, 39, "2024-12-31", NULL, NULL, "2024-07-01", DAY - 1, GREEN,
     49, "2024-12-31", 0, false},
    {"ahead of pace", WORKING, 90, "2024-12-31", NULL, NULL, "2024-07-02", 0, GREEN, 50, "2024-12-31", 0,
     false},
    /* Odd starts. */
    {"start == end of the due day", WORKING, 0, "2024-12-31", NULL, "2025-01-01", "2024-06-01", 0, GREEN, 0,
     "2024-12-31", 0, false},
    {"clock before the start", WORKING, 0, "2024-12-31", NULL, "2024-07-01", "2024-03-01", 0, GREEN, 0,
     "2024-12-31", 0, false},
    /* Done is green, whenever and however. */
    {"done, long past due", DONE, 0, "2024-12-31", NULL, NULL, "2025-03-01", 0, GREEN, 100, NULL, 0, false},
    {"done, near the due day", DONE, 100, "2024-12-31", NULL, NULL, "2024-12-31", 0, GREEN, 99, "2024-12-31",
     0, false},
    {"done, behind pace", DONE, 0, "2024-12-31", NULL, NULL, "2024-07-02", 0, GREEN, 50, "2024-12-31", 0,
     false},
    /* Two milestones: expected runs to the next one still ahead. */
    {"two: first past is red", WORKING, 100, "2024-06-30", "2024-12-31", NULL, "2024-07-15", 0, RED, 53,
     "2024-12-31", 15, false},
    {"two, listed backwards: still red", WORKING, 100, "2024-12-31", "2024-06-30", NULL, "2024-07-15", 0, RED,
     53, "2024-12-31", 15, false},
    {"two: first past, second near: red", WORKING, 100, "2024-06-30", "2024-12-31", NULL, "2024-12-15", 0,
     RED, 95, "2024-12-31", 168, false},
    {"two: only the nearer one near: blue", WORKING, 100, "2024-06-30", "2024-12-31", NULL, "2024-06-15", 0,
     BLUE, 91, "2024-06-30", 0, false},
    {"two: both far, behind the nearer's pace", WORKING, 0, "2024-06-30", "2024-12-31", NULL, "2024-03-01", 0,
     YELLOW, 32, "2024-06-30", 0, true},
    {"two: both far, on the nearer's pace", WORKING, 30, "2024-06-30", "2024-12-31", NULL, "2024-03-01", 0,
     GREEN, 32, "2024-06-30", 0, false},
    /* A state outside the enum (a damaged view) is not done. */
    {"state 99, past due", 99, 100, "2024-12-31", NULL, NULL, "2025-01-01", 0, RED, 100, NULL, 1, false},
    {"state -1, behind pace", -1, 0, "2024-12-31", NULL, NULL, "2024-07-02", 0, YELLOW, 50, "2024-12-31", 0,
     true},
    {"state unspecified, past due", DUBAN__TASK_STATE__TASK_STATE_UNSPECIFIED, 100, "2024-12-31", NULL, NULL,
     "2025-02-01", 0, RED, 100, NULL, 32, false},
    /* Bad dues are ignored, as the deadline monitor ignores them: the
     * importer never writes one, and a damaged string must not turn a
     * task red. A task with only bad dues has no due date. */
    {"no milestone", WORKING, 0, NULL, NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"Feb 30 is no day", WORKING, 0, "2024-02-30", NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"slashes", WORKING, 0, "2024/06/30", NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"empty due", WORKING, 0, "", NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"NULL due", WORKING, 0, "(none)", NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"words", WORKING, 0, "2024年底前", NULL, NULL, "2030-01-01", 0, GREEN, 0, NULL, 0, false},
    {"a bad due beside a good one", WORKING, 100, "soon", "2024-12-31", NULL, "2025-01-01", 0, RED, 100, NULL,
     1, false},
};

/* One case of colour_cases: the colour, its pace, and the same answer
 * without pace_out and from dbn_days_overdue. */
static void
check_task_colour(const struct colour_case *c)
{
  fixture_t f;
  make_task(&f, c->state, c->percent, c->due_1, c->due_2);
  int64_t start = fixture_day(c->start ? c->start : "2024-01-01");
  int64_t now = fixture_day(c->now_day) + c->now_offset;
  dbn_pace_policy_t policy;
  dbn_pace_policy_default(&policy);
  dbn_task_pace_t pace;
  memset(&pace, 0xff, sizeof pace);
  dbn_colour_t colour = dbn_task_colour(&f.task, start, now, &policy, &pace);
  int64_t next_due = c->next_due ? fixture_day(c->next_due) + DAY : 0;
  if (colour != c->colour || pace.expected_percent != c->expected_percent || pace.next_due != next_due ||
      pace.days_overdue != c->days_overdue || pace.behind_pace != c->behind_pace)
    fail_msg(
        "%s: expected %s, %d%%, next %lld, %d days, behind %d; got %s, %d%%, next %lld, %d days, behind %d",
        c->name, dbn_colour_name(c->colour), c->expected_percent, (long long)next_due, c->days_overdue,
        c->behind_pace, dbn_colour_name(colour), pace.expected_percent, (long long)pace.next_due,
        pace.days_overdue, pace.behind_pace);
  assert_int_equal(dbn_task_colour(&f.task, start, now, &policy, NULL), colour);
  assert_int_equal(dbn_days_overdue(&f.task, now), c->days_overdue);
  assert_true(pace.overdue_since == 0 ? pace.days_overdue == 0 : pace.days_overdue > 0);
}

static void
test_task_colour(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof colour_cases / sizeof colour_cases[0]; i++)
    check_task_colour(&colour_cases[i]);
}

/* overdue_since is the end of the earliest due day missed, whatever the
 * order the milestones are listed in. */
static void
test_overdue_since(void **state)
{
  (void)state;
  fixture_t f;
  dbn_task_pace_t pace;
  make_task(&f, WORKING, 0, "2024-12-31", "2024-06-30");
  dbn_task_colour(&f.task, fixture_day("2024-01-01"), fixture_day("2025-02-01"), NULL, &pace);
  assert_int_equal(pace.overdue_since, fixture_day("2024-07-01"));
  assert_int_equal(pace.days_overdue, 216); /* 2024-06-30 to 2025-02-01: 184 + 32 */
  assert_int_equal(pace.next_due, 0);
  assert_int_equal(pace.expected_percent, 100);
}

/* The policy moves the edges; NULL is the default. */
static void
test_policy(void **state)
{
  (void)state;
  fixture_t f;
  make_task(&f, WORKING, 100, "2024-12-31", NULL);
  int64_t start = fixture_day("2024-01-01"), end = fixture_day("2025-01-01");
  const struct {
    const char *name;
    int yellow_days, pace_margin;
    int percent;
    int64_t now;
    dbn_colour_t colour;
  } cases[] = {
      {"no blue window: green to the last second", 0, 10, 100, end - 1, GREEN},
      {"no blue window: red at the end", 0, 10, 100, end, RED},
      {"a 7-day window, at its edge", 7, 10, 100, end - 7 * DAY, BLUE},
      {"a 7-day window, a second before", 7, 10, 100, end - 7 * DAY - 1, GREEN},
      {"margin 0: one point behind is yellow", 0, 0, 49, fixture_day("2024-07-02"), YELLOW},
      {"margin 0: on pace is green", 0, 0, 50, fixture_day("2024-07-02"), GREEN},
      {"margin 100: never yellow", 0, 100, 0, end - 1, GREEN},
      {"negative window is no window", -5, 10, 100, end - 1, GREEN},
      {"negative margin counts as 0", 0, -20, 50, fixture_day("2024-07-02"), GREEN},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_pace_policy_t policy = {cases[i].yellow_days, cases[i].pace_margin};
    f.task.percent = cases[i].percent;
    dbn_colour_t colour = dbn_task_colour(&f.task, start, cases[i].now, &policy, NULL);
    if (colour != cases[i].colour)
      fail_msg("%s: expected %s, got %s", cases[i].name, dbn_colour_name(cases[i].colour),
               dbn_colour_name(colour));
  }
  /* NULL is the default policy: blue exactly 30 days before. */
  f.task.percent = 100;
  assert_int_equal(dbn_task_colour(&f.task, start, end - 30 * DAY, NULL, NULL), BLUE);
  assert_int_equal(dbn_task_colour(&f.task, start, end - 30 * DAY - 1, NULL, NULL), GREEN);
}

static void
test_policy_check(void **state)
{
  (void)state;
  const struct {
    const char *name;
    int yellow_days, pace_margin;
    int rc;
  } cases[] = {
      {"defaults", DBN_PACE_YELLOW_DAYS_DEFAULT, DBN_PACE_MARGIN_DEFAULT, 0},
      {"zeros", 0, 0, 0},
      {"largest", 3660, 100, 0},
      {"negative window", -1, 10, DBN_EINVAL},
      {"a window of over ten years", 3661, 10, DBN_EINVAL},
      {"negative margin", 30, -1, DBN_EINVAL},
      {"margin over 100", 30, 101, DBN_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_pace_policy_t policy = {cases[i].yellow_days, cases[i].pace_margin};
    char why[128] = "";
    int rc = dbn_pace_policy_check(&policy, why, sizeof why);
    if (rc != cases[i].rc)
      fail_msg("%s: expected %d, got %d", cases[i].name, cases[i].rc, rc);
    assert_true(rc == 0 ? why[0] == '\0' : strlen(why) > 0);
  }
}

/* ---- roll-up and names ---- */

static void
test_rollup(void **state)
{
  (void)state;
  /* worst[a][b]: the roll-up of a task coloured a and one coloured b. */
  static const dbn_colour_t worst[4][4] = {
      /*            green   blue    yellow  red */
      /* green  */ {GREEN, BLUE, YELLOW, RED},
      /* blue   */ {BLUE, BLUE, YELLOW, RED},
      /* yellow */ {YELLOW, YELLOW, YELLOW, RED},
      /* red    */ {RED, RED, RED, RED},
  };
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      dbn_colour_t pair[] = {(dbn_colour_t)a, (dbn_colour_t)b};
      if (dbn_colour_rollup(pair, 2) != worst[a][b])
        fail_msg("%s + %s: expected %s", dbn_colour_name(pair[0]), dbn_colour_name(pair[1]),
                 dbn_colour_name(worst[a][b]));
    }
  assert_int_equal(dbn_colour_rollup(NULL, 0), GREEN); /* nothing is green */
  dbn_colour_t one[] = {YELLOW};
  assert_int_equal(dbn_colour_rollup(one, 1), YELLOW);
  dbn_colour_t many[] = {GREEN, GREEN, BLUE, GREEN, YELLOW, GREEN};
  assert_int_equal(dbn_colour_rollup(many, 6), YELLOW);
  /* A damaged value counts as red rather than hiding. */
  dbn_colour_t damaged[] = {GREEN, (dbn_colour_t)7};
  assert_int_equal(dbn_colour_rollup(damaged, 2), RED);
  dbn_colour_t negative[] = {(dbn_colour_t)-1, GREEN};
  assert_int_equal(dbn_colour_rollup(negative, 2), RED);
}

static void
test_colour_names(void **state)
{
  (void)state;
  const struct {
    dbn_colour_t colour;
    const char *name, *name_zh;
  } cases[] = {
      {GREEN, "green", "绿"},
      {BLUE, "blue", "蓝"},
      {YELLOW, "yellow", "黄"},
      {RED, "red", "红"},
      {(dbn_colour_t)4, "unknown", "未知"},
      {(dbn_colour_t)-1, "unknown", "未知"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_string_equal(dbn_colour_name(cases[i].colour), cases[i].name);
    assert_string_equal(dbn_colour_name_zh(cases[i].colour), cases[i].name_zh);
  }
  /* Severity is the enum's order. */
  assert_true(GREEN < BLUE && BLUE < YELLOW && YELLOW < RED);
}

/* The start of 序时进度: the claim, else the plan's issue day, else 0. */
static void
test_pace_start(void **state)
{
  (void)state;
  Duban__Task task = DUBAN__TASK__INIT;
  assert_int_equal(dbn_task_pace_start(&task), 0);
  task.plan_issued = "2023-09-18";
  assert_int_equal(dbn_task_pace_start(&task),
                   1694966400); /* 2023-09-18 00:00 Beijing, 2023-09-17T16:00:00Z */
  task.claimed_at = 1695200000;
  assert_int_equal(dbn_task_pace_start(&task), 1695200000);
  task.claimed_at = 0;
  task.plan_issued = "2023-02-30"; /* not a day: no start rather than a wrong one */
  assert_int_equal(dbn_task_pace_start(&task), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expected_percent), cmocka_unit_test(test_task_colour),
      cmocka_unit_test(test_overdue_since),    cmocka_unit_test(test_policy),
      cmocka_unit_test(test_policy_check),     cmocka_unit_test(test_rollup),
      cmocka_unit_test(test_colour_names),     cmocka_unit_test(test_pace_start),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
