/* test_ladder.c: the 督办 ladder (domain/ladder.h): names, the cap, one
 * level per SLA period, and the broker's deadline monitor climbing it one
 * event per level on a real LMDB log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline_monitor.h"
#include "error.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "ladder.h"
#include "store.h"
#include "wire.h"

#define HOUR 3600

static void
test_default_ladder(void **state)
{
  (void)state;
  dbn_ladder_t ladder;
  dbn_ladder_default(&ladder);
  assert_int_equal(ladder.count, 3);
  assert_int_equal(dbn_ladder_cap(&ladder), 2);
  assert_string_equal(dbn_ladder_name(&ladder, 0), "蓝色督办单");
  assert_string_equal(dbn_ladder_name(&ladder, 1), "橙色督办单");
  assert_string_equal(dbn_ladder_name(&ladder, 2), "红色督办单");
  /* A level past the cap (an old log) reads as the cap. */
  assert_string_equal(dbn_ladder_name(&ladder, 16), "红色督办单");
  assert_string_equal(dbn_ladder_notify(&ladder, 1), "");
}

/* The level an escalation has earned, by hours since it was raised, with a
 * 48-hour SLA and three levels: one per full period, capped at 2. */
static void
test_due_level_boundaries(void **state)
{
  (void)state;
  dbn_ladder_t ladder;
  dbn_ladder_default(&ladder);
  const struct {
    int64_t hours;
    uint32_t level;
  } cases[] = {{0, 0}, {47, 0}, {48, 1}, {95, 1}, {96, 2}, {97, 2}, {33 * 24, 2}, {-5, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_int_equal(dbn_ladder_due_level(&ladder, 1000000, 1000000 + cases[i].hours * HOUR, 48 * HOUR),
                     cases[i].level);
  assert_int_equal(dbn_ladder_due_level(&ladder, 0, 100 * HOUR, 0), 0); /* no SLA: never rises */
}

static void
test_parse(void **state)
{
  (void)state;
  dbn_ladder_t ladder;
  char why[256];
  dbn_ladder_default(&ladder);
  assert_int_equal(
      dbn_ladder_parse(&ladder, "提醒=coordinator:office,警示,约谈=admin:leader,问责", why, sizeof why), 0);
  assert_int_equal(ladder.count, 4);
  assert_int_equal(dbn_ladder_cap(&ladder), 3);
  assert_string_equal(dbn_ladder_name(&ladder, 0), "提醒");
  assert_string_equal(dbn_ladder_notify(&ladder, 0), "coordinator:office");
  assert_string_equal(dbn_ladder_notify(&ladder, 1), "");
  assert_string_equal(dbn_ladder_name(&ladder, 2), "约谈");
  assert_string_equal(dbn_ladder_notify(&ladder, 2), "admin:leader");
  const char *bad[] = {"",
                       "a,,b",
                       "a=",
                       "=b",
                       "1,2,3,4,5,6,7,8,9",
                       "\xff\xfe",
                       "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    why[0] = '\0';
    assert_int_equal(dbn_ladder_parse(&ladder, bad[i], why, sizeof why), DBN_EINVAL);
    assert_true(strlen(why) > 0);
    assert_int_equal(ladder.count, 4); /* unchanged */
  }
}

/* ---- the monitor on a real log ---- */

/* A plan of one undated unit task, claimed, and escalated at `raised`. */
static void
escalated_log(dbn_store_t *store, int64_t raised)
{
  fixture_plan_t fixture;
  fixture_plan_init(&fixture, "p", "计划", "一", "措施", "LCJ", NULL);
  fixture_plan_add_unit(&fixture, "LCJ", "市林业和草原局");
  fixture_plan_add_action(&fixture, "编制规划", "LCJ");
  fixture_append_plan_loaded(store, &fixture.load, raised, NULL);
  fixture_append_claimed(store, "p:1.1.1", "unit:LCJ", raised, NULL);
  fixture_append_escalated(store, "p:1.1.1", "unit:LCJ", raised, "资金", "资金未到位");
}

struct level_walk {
  uint32_t levels[16]; /* the level of each escalation_level event, in order */
  char names[16][DBN_LADDER_NAME_MAX];
  size_t count;
};

static void
collect_levels(const Duban__Event *event, void *arg)
{
  struct level_walk *walk = arg;
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATION_LEVEL && walk->count < 16) {
    walk->levels[walk->count] = event->escalation_level->level;
    snprintf(walk->names[walk->count], DBN_LADDER_NAME_MAX, "%s", event->escalation_level->name);
    walk->count++;
  }
}

/* A 33-day jump of the clock raises the escalation 0 -> 1 -> 2, one event
 * per level with the level's name, and stops at the cap; a later scan adds
 * nothing. */
static void
test_monitor_climbs_one_level_per_event(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "test-ladder", NULL);
  const int64_t raised = 1700000000;
  escalated_log(store, raised);
  dbn_ladder_t ladder;
  dbn_ladder_default(&ladder);
  assert_int_equal(fixture_run_monitor(store, raised + 47 * HOUR, &ladder), 0);
  assert_int_equal(fixture_run_monitor(store, raised + 33 * 24 * HOUR, &ladder), 2);
  assert_int_equal(fixture_run_monitor(store, raised + 60 * 24 * HOUR, &ladder), 0);

  dbn_store_txn_t *txn;
  struct level_walk walk = {0};
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  fixture_each_event(txn, collect_levels, &walk);
  Duban__Escalation *e;
  assert_int_equal(dbn_store_escalation_get(txn, 3, &e), 0);
  assert_int_equal(e->level, 2);
  assert_string_equal(e->level_name, "红色督办单");
  dbn_wire_escalation_free(&e);
  dbn_store_abort(&txn);
  assert_int_equal(walk.count, 2);
  assert_int_equal(walk.levels[0], 1);
  assert_string_equal(walk.names[0], "橙色督办单");
  assert_int_equal(walk.levels[1], 2);
  assert_string_equal(walk.names[1], "红色督办单");

  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), 0);
  dbn_store_destroy(&store);
  dbn_store_remove_files(dir, true);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_ladder),
      cmocka_unit_test(test_due_level_boundaries),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_monitor_climbs_one_level_per_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
