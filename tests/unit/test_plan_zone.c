/* test_plan_zone.c: the plan's time zone (domain/date.h) at the hours
 * where it matters. A task due 2025-06-30 is due by 2025-06-30 24:00
 * Beijing time, 2025-06-30T16:00:00Z: at 15:30Z it is not yet late, at
 * 16:30Z it is, for the colours (pace.h) and the broker's deadline monitor
 * alike, on a real LMDB log. */
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
#include "ladder.h"
#include "pace.h"
#include "store.h"
#include "wire.h"

#define END_OF_JUNE_30 1751299200 /* 2025-06-30T16:00:00Z = 2025-07-01 00:00 +08:00 */
#define AT_1530Z (END_OF_JUNE_30 - 30 * 60)
#define AT_1630Z (END_OF_JUNE_30 + 30 * 60)

static void
test_zone_parse(void **state)
{
  (void)state;
  const struct {
    const char *text;
    int rc;
    int64_t offset;
  } cases[] = {
      {"Asia/Shanghai", 0, 8 * 3600},
      {"PRC", 0, 8 * 3600},
      {"UTC", 0, 0},
      {"Z", 0, 0},
      {"+08:00", 0, 8 * 3600},
      {"+0800", 0, 8 * 3600},
      {"-05:30", 0, -(5 * 3600 + 30 * 60)},
      {"+14:00", 0, 14 * 3600},
      {"+15:00", DBN_EINVAL, 0},
      {"+08:60", DBN_EINVAL, 0},
      {"08:00", DBN_EINVAL, 0},
      {"+8:00", DBN_EINVAL, 0},
      {"+08:00 ", DBN_EINVAL, 0},
      {"America/New_York", DBN_EINVAL, 0}, /* daylight saving: refused */
      {"", DBN_EINVAL, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t offset = -1;
    int rc = dbn_zone_parse(cases[i].text, &offset);
    if (rc != cases[i].rc || (rc == 0 && offset != cases[i].offset)) {
      fprintf(stderr, "'%s': rc %d offset %lld\n", cases[i].text, rc, (long long)offset);
      fail();
    }
  }
  assert_int_equal(dbn_zone_parse(NULL, &(int64_t){0}), DBN_EINVAL);
}

/* Unset, the plan's zone is Beijing: the day ends at 16:00Z. */
static void
test_day_ends_at_beijing_midnight(void **state)
{
  (void)state;
  assert_int_equal(dbn_plan_zone_offset(), 8 * 3600);
  int64_t start, end;
  assert_int_equal(dbn_date_parse("2025-06-30", &start), 0);
  assert_int_equal(dbn_date_parse_end("2025-06-30", &end), 0);
  assert_int_equal(end, END_OF_JUNE_30);
  assert_int_equal(start, END_OF_JUNE_30 - DBN_DAY_SECONDS);
  char day[16];
  dbn_date_format(END_OF_JUNE_30 - 1, day);
  assert_string_equal(day, "2025-06-30");
  dbn_date_format(END_OF_JUNE_30, day);
  assert_string_equal(day, "2025-07-01");
  dbn_date_format(start, day);
  assert_string_equal(day, "2025-06-30");
  dbn_date_format(start - 1, day);
  assert_string_equal(day, "2025-06-29");
  /* The UTC reading is still there for whoever needs a calendar day as such. */
  assert_int_equal(dbn_date_parse_zone("2025-06-30", 0, &end), 0);
  assert_int_equal(end, END_OF_JUNE_30 - 16 * 3600);
  dbn_date_format_zone(END_OF_JUNE_30, 0, day);
  assert_string_equal(day, "2025-06-30");
}

static void
due_task(Duban__Task *task, Duban__Milestone *milestone, Duban__Milestone **pointer)
{
  duban__task__init(task);
  duban__milestone__init(milestone);
  task->id = "p:1.1.1";
  task->state = DUBAN__TASK_STATE__TASK_IN_PROGRESS;
  task->percent = 90;
  milestone->due = "2025-06-30";
  milestone->text = "6月底前完成";
  *pointer = milestone;
  task->milestones = pointer;
  task->n_milestones = 1;
}

/* What a person reads: the minute in Beijing time, across the UTC day. */
static void
test_time_a_person_reads(void **state)
{
  (void)state;
  char out[24];
  dbn_time_format_minute(1751300999, out); /* 2025-06-30T16:29:59Z */
  assert_string_equal(out, "2025-07-01 00:29");
  dbn_time_format_minute(1751299200, out); /* 2025-06-30T16:00:00Z: Beijing midnight */
  assert_string_equal(out, "2025-07-01 00:00");
  dbn_time_format_minute(1751299199, out);
  assert_string_equal(out, "2025-06-30 23:59");
}

static void
test_colour_at_boundary_hours(void **state)
{
  (void)state;
  Duban__Task task;
  Duban__Milestone milestone, *pointer;
  due_task(&task, &milestone, &pointer);
  dbn_task_pace_t pace;
  /* 23:30 Beijing on the due day: near, not late. */
  assert_int_equal(dbn_task_colour(&task, 0, AT_1530Z, NULL, &pace), DBN_COLOUR_BLUE);
  assert_int_equal(pace.days_overdue, 0);
  assert_int_equal(pace.next_due, END_OF_JUNE_30);
  assert_int_equal(dbn_task_colour(&task, 0, END_OF_JUNE_30 - 1, NULL, NULL), DBN_COLOUR_BLUE);
  /* 00:00 and 00:30 Beijing on 1 July: late, by one day. */
  assert_int_equal(dbn_task_colour(&task, 0, END_OF_JUNE_30, NULL, NULL), DBN_COLOUR_RED);
  assert_int_equal(dbn_task_colour(&task, 0, AT_1630Z, NULL, &pace), DBN_COLOUR_RED);
  assert_int_equal(pace.days_overdue, 1);
  assert_int_equal(pace.overdue_since, END_OF_JUNE_30);
  /* The second day late starts at the next Beijing midnight. */
  assert_int_equal(dbn_days_overdue(&task, END_OF_JUNE_30 + DBN_DAY_SECONDS - 1), 1);
  assert_int_equal(dbn_days_overdue(&task, END_OF_JUNE_30 + DBN_DAY_SECONDS), 2);
}

/* DUBAN_PLAN_ZONE moves every reader at once; a value that is not a zone
 * leaves Beijing. */
static void
test_zone_from_environment(void **state)
{
  (void)state;
  Duban__Task task;
  Duban__Milestone milestone, *pointer;
  due_task(&task, &milestone, &pointer);
  int64_t end;
  assert_int_equal(setenv(DBN_PLAN_ZONE_ENV, "UTC", 1), 0);
  assert_int_equal(dbn_date_parse_end("2025-06-30", &end), 0);
  assert_int_equal(end, END_OF_JUNE_30 + 8 * 3600);
  assert_int_equal(dbn_task_colour(&task, 0, AT_1630Z, NULL, NULL), DBN_COLOUR_BLUE);
  assert_int_equal(setenv(DBN_PLAN_ZONE_ENV, "-05:00", 1), 0);
  assert_int_equal(dbn_plan_zone_offset(), -5 * 3600);
  assert_int_equal(setenv(DBN_PLAN_ZONE_ENV, "Mars/Olympus", 1), 0);
  assert_int_equal(dbn_plan_zone_offset(), DBN_PLAN_ZONE_OFFSET_DEFAULT);
  assert_int_equal(dbn_date_parse_end("2025-06-30", &end), 0);
  assert_int_equal(end, END_OF_JUNE_30);
  assert_int_equal(unsetenv(DBN_PLAN_ZONE_ENV), 0);
}

/* A value that is not a zone is refused, named, in Chinese, with what to
 * write instead: never a silent fall back. */
static void
test_zone_check_refuses(void **state)
{
  (void)state;
  char why[512] = "";
  assert_int_equal(dbn_plan_zone_check(why, sizeof why), 0); /* unset */
  static const char *const good[] = {"", "Asia/Shanghai", "UTC", "+05:30"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    assert_int_equal(setenv(DBN_PLAN_ZONE_ENV, good[i], 1), 0);
    assert_int_equal(dbn_plan_zone_check(why, sizeof why), 0);
  }
  static const char *const bad[] = {"Mars/Olympus", "America/New_York", "+8", "Asia/Shanghai "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(setenv(DBN_PLAN_ZONE_ENV, bad[i], 1), 0);
    why[0] = '\0';
    assert_int_equal(dbn_plan_zone_check(why, sizeof why), DBN_EINVAL);
    assert_non_null(strstr(why, bad[i]));
    assert_non_null(strstr(why, "不是可用的时区"));
    assert_non_null(strstr(why, "Asia/Shanghai"));
  }
  assert_int_equal(unsetenv(DBN_PLAN_ZONE_ENV), 0);
}

/* ---- the deadline monitor on a real log ---- */

struct warnings {
  char levels[4][16];
  size_t count;
};

static void
collect_warnings(const Duban__Event *event, void *arg)
{
  struct warnings *seen = arg;
  if (event->body_case == DUBAN__EVENT__BODY_DEADLINE_WARNING && seen->count < 4) {
    assert_string_equal(event->deadline_warning->due, "2025-06-30");
    snprintf(seen->levels[seen->count++], sizeof seen->levels[0], "%s", event->deadline_warning->level);
  }
}

static void
test_monitor_at_boundary_hours(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "test-zone", NULL);
  fixture_plan_t fixture;
  fixture_plan_init(&fixture, "p", "计划", "一", "措施", "NYJ", NULL);
  fixture_plan_add_unit(&fixture, "NYJ", "市农业农村局");
  Duban__Action *action = fixture_plan_add_action(&fixture, "建设高标准农田", "NYJ");
  Duban__Milestone milestone = DUBAN__MILESTONE__INIT, *pointer = &milestone;
  milestone.due = "2025-06-30";
  milestone.text = "6月底前完成";
  action->milestones = &pointer;
  action->n_milestones = 1;
  fixture_append_plan_loaded(store, &fixture.load, AT_1530Z - DBN_DAY_SECONDS * 60, NULL);

  /* 23:30 Beijing on the due day: the yellow warning only (within 30 days). */
  assert_int_equal(fixture_run_monitor(store, AT_1530Z, NULL), 1);
  assert_int_equal(fixture_run_monitor(store, END_OF_JUNE_30 - 1, NULL), 0);
  /* 00:30 Beijing on 1 July: red, and its escalation (2). */
  assert_int_equal(fixture_run_monitor(store, AT_1630Z, NULL), 2);

  dbn_store_txn_t *txn;
  struct warnings seen = {0};
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  fixture_each_event(txn, collect_warnings, &seen);
  dbn_store_abort(&txn);
  assert_int_equal(seen.count, 2);
  assert_string_equal(seen.levels[0], "yellow");
  assert_string_equal(seen.levels[1], "red");
  dbn_store_destroy(&store);
  dbn_store_remove_files(dir, true);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_zone_parse, fixture_default_zone),
      cmocka_unit_test_setup(test_day_ends_at_beijing_midnight, fixture_default_zone),
      cmocka_unit_test_setup(test_time_a_person_reads, fixture_default_zone),
      cmocka_unit_test_setup(test_colour_at_boundary_hours, fixture_default_zone),
      cmocka_unit_test_setup(test_zone_from_environment, fixture_default_zone),
      cmocka_unit_test_setup(test_zone_check_refuses, fixture_default_zone),
      cmocka_unit_test_setup(test_monitor_at_boundary_hours, fixture_default_zone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
