/* test_deadline_catch_up.c: the deadline monitor after a long gap
 * (broker/deadline_monitor.h), and the log header that tells a broker the
 * gap came with a change of clock (store/store.h, DBN_LOG_FORMAT_VERSION).
 *
 * The case the summary exists for: a log a virtual clock kept in 2023,
 * served years later on the real clock. Every milestone passed in between;
 * without the summary each task would get a red warning and an escalation
 * per milestone, and each old escalation one event per ladder level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "deadline_monitor.h"
#include "error.h"
#include "fixture_store.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "ladder.h"
#include "store.h"
#include "wire.h"

#define MILESTONES 4

typedef struct {
  char dir[64];
  dbn_store_t *store;
  fixture_plan_t plan;
  Duban__Milestone milestones[MILESTONES];
  Duban__Milestone *milestone_ptrs[MILESTONES];
} gap_fixture_t;

/* Two tasks of unit NYJ, each with milestones at the end of 2023, mid and
 * end 2024, and the end of 2025; task 1 claimed and escalated by its unit
 * in 2023. */
static void
gap_open(gap_fixture_t *f, const dbn_store_options_t *options)
{
  static const char *const dues[MILESTONES] = {"2023-12-31", "2024-06-30", "2024-12-31", "2025-12-31"};
  f->store = fixture_temp_store(f->dir, sizeof f->dir, "test-catch-up", options);
  fixture_plan_init(&f->plan, "p", "计划", "一", "措施", "NYJ", NULL);
  fixture_plan_add_unit(&f->plan, "NYJ", "市农业农村局");
  f->plan.plan.issued = "2023-01-01";
  for (int i = 0; i < MILESTONES; i++) {
    duban__milestone__init(&f->milestones[i]);
    f->milestones[i].due = (char *)dues[i];
    f->milestones[i].text = "建成";
    f->milestone_ptrs[i] = &f->milestones[i];
  }
  for (int a = 0; a < 2; a++) {
    Duban__Action *action = fixture_plan_add_action(&f->plan, a == 0 ? "建设高标准农田" : "建设灌区", "NYJ");
    action->milestones = f->milestone_ptrs;
    action->n_milestones = MILESTONES;
  }
  fixture_append_plan_loaded(f->store, &f->plan.load, fixture_day("2023-01-01"), NULL);
  fixture_append_claimed(f->store, "p:1.1.1", "unit:NYJ", fixture_day("2023-01-05"), NULL);
  fixture_append_escalated(f->store, "p:1.1.1", "unit:NYJ", fixture_day("2023-02-01"), "资金", "资金未到位");
}

static void
gap_close(gap_fixture_t *f)
{
  dbn_store_destroy(&f->store);
  dbn_store_remove_files(f->dir, true);
}

static int
run_monitor(gap_fixture_t *f, int64_t now, bool catch_up)
{
  dbn_ladder_t ladder;
  dbn_ladder_default(&ladder);
  dbn_deadline_policy_t policy = {
      .yellow_days = 30, .escalation_sla_hours = 48, .ladder = &ladder, .catch_up = catch_up};
  dbn_store_txn_t *txn;
  int raised = 0;
  assert_int_equal(dbn_store_write_begin(f->store, &txn), 0);
  assert_int_equal(dbn_deadline_monitor_run(txn, now, &policy, &raised), 0);
  assert_int_equal(dbn_store_commit(&txn), 0);
  return raised;
}

struct kind_count {
  int red, yellow, escalated, levels;
  char reason[512]; /* the last automatic escalation's reason */
};

static void
count_kinds(const Duban__Event *event, void *arg)
{
  struct kind_count *count = arg;
  if (event->body_case == DUBAN__EVENT__BODY_DEADLINE_WARNING)
    *(strcmp(event->deadline_warning->level, "red") == 0 ? &count->red : &count->yellow) += 1;
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATED && strcmp(event->actor, "system") == 0) {
    count->escalated++;
    snprintf(count->reason, sizeof count->reason, "%s", event->escalated->reason);
  }
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATION_LEVEL)
    count->levels++;
}

static struct kind_count
kinds_in(gap_fixture_t *f)
{
  struct kind_count count = {0};
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  fixture_each_event(txn, count_kinds, &count);
  dbn_store_abort(&txn);
  return count;
}

/* Without the summary, a scan in 2026 raises per milestone and per level:
 * 2 tasks x 4 milestones x (red + escalation) + 2 levels = 18 events. */
static void
test_gap_without_summary_floods(void **state)
{
  (void)state;
  gap_fixture_t f;
  gap_open(&f, NULL);
  assert_int_equal(run_monitor(&f, fixture_day("2026-03-01"), false), 18);
  struct kind_count count = kinds_in(&f);
  assert_int_equal(count.red, 8);
  assert_int_equal(count.levels, 2);
  gap_close(&f);
}

/* With it: one red per task (for the latest milestone, its escalation
 * counting the 3 earlier ones), the old escalation straight to the level
 * it has earned in one event: 2 x 2 + 1 = 5. Later scans on the normal
 * path raise no warning: the earlier milestones are covered by the red. */
static void
test_gap_summarised_once_per_task_and_kind(void **state)
{
  (void)state;
  gap_fixture_t f;
  gap_open(&f, NULL);
  int64_t now = fixture_day("2026-03-01");
  assert_int_equal(run_monitor(&f, now, true), 5);
  struct kind_count count = kinds_in(&f);
  assert_int_equal(count.red, 2);
  assert_int_equal(count.escalated, 2);
  assert_int_equal(count.levels, 1);
  assert_non_null(strstr(count.reason, "节点 2025-12-31 已过"));
  assert_non_null(strstr(count.reason, "另有 3 个更早的节点"));
  dbn_store_txn_t *txn;
  Duban__Escalation *e;
  assert_int_equal(dbn_store_read_begin(f.store, &txn), 0);
  assert_int_equal(dbn_store_escalation_get(txn, 3, &e), 0);
  assert_int_equal(e->level, 2);
  dbn_wire_escalation_free(&e);
  Duban__Task *task;
  assert_int_equal(dbn_store_task_get(txn, "p:1.1.2", &task), 0);
  assert_true(task->overdue);
  dbn_wire_task_free(&task);
  dbn_store_abort(&txn);
  assert_int_equal(run_monitor(&f, now + 3600, false), 0);
  /* A month on, the two automatic escalations nobody acknowledged climb
   * their two levels as usual; still no warning. */
  assert_int_equal(run_monitor(&f, now + 30 * DBN_DAY_SECONDS, false), 4);
  count = kinds_in(&f);
  assert_int_equal(count.red + count.yellow, 2);

  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f.dir, NULL, &report), 0);
  gap_close(&f);
}

/* The red for the latest milestone covers the earlier ones only while it
 * is not met: once a coordinator confirms it, the next scan warns the
 * latest earlier one the gap passed over, so a passed, unmet milestone
 * never stays unwarned. */
static void
test_cover_ends_when_met(void **state)
{
  (void)state;
  gap_fixture_t f;
  gap_open(&f, NULL);
  int64_t now = fixture_day("2026-03-01");
  assert_int_equal(run_monitor(&f, now, true), 5);
  assert_int_equal(
      fixture_append_milestone_met(f.store, "p:1.1.1", "2025-12-31", "unit:NYJ", now + 60, "已建成"), 0);
  fixture_append_milestone_confirmed(f.store, "p:1.1.1", "2025-12-31", now + 120);
  /* Not a gap now: every earlier milestone of task 1 is due its red. */
  assert_int_equal(run_monitor(&f, now + 3600, false), 3 * 2);
  assert_int_equal(kinds_in(&f).red, 2 + 3);
  assert_int_equal(run_monitor(&f, now + 7200, false), 0);
  gap_close(&f);
}

/* A new log's first event carries the header the options ask for, kept in
 * meta: the next open reads format 2 and the clock kind; a log written
 * without one reads as format 1. */
static void
test_header_on_first_event(void **state)
{
  (void)state;
  dbn_store_options_t options = {.log_clock = "virtual"};
  gap_fixture_t f;
  gap_open(&f, &options);
  assert_int_equal(dbn_store_log_header(f.store)->format_version, 0); /* read at open: no event then */
  dbn_store_txn_t *txn;
  Duban__Event *first, *second;
  assert_int_equal(dbn_store_read_begin(f.store, &txn), 0);
  assert_int_equal(dbn_store_event_get(txn, 1, &first), 0);
  assert_int_equal(dbn_store_event_get(txn, 2, &second), 0); /* the claim */
  dbn_store_abort(&txn);
  assert_non_null(first->log_header);
  assert_int_equal(first->log_header->format_version, DBN_LOG_FORMAT_VERSION);
  assert_string_equal(first->log_header->clock, "virtual");
  assert_null(second->log_header);
  dbn_wire_event_free(&first);
  dbn_wire_event_free(&second);
  dbn_store_destroy(&f.store);
  assert_int_equal(dbn_store_open(&f.store, f.dir, NULL), 0);
  assert_int_equal(dbn_store_log_header(f.store)->format_version, DBN_LOG_FORMAT_VERSION);
  assert_string_equal(dbn_store_log_header(f.store)->clock, "virtual");
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f.dir, NULL, &report), 0);
  assert_int_equal(report.header.format_version, DBN_LOG_FORMAT_VERSION);

  /* The copy in meta edited behind the chain's back ("real" for "virtual",
   * to pass a broker's clock check): verify names event 1. */
  dbn_store_destroy(&f.store);
  fixture_raw_db_t meta;
  fixture_raw_open(&meta, f.dir, "meta");
  Duban__LogHeader forged = DUBAN__LOG_HEADER__INIT;
  forged.format_version = DBN_LOG_FORMAT_VERSION;
  forged.clock = "real";
  uint8_t *packed;
  size_t packed_len;
  assert_int_equal(dbn_wire_pack(&forged.base, &packed, &packed_len), 0);
  MDB_val key = {6, "header"}, val = {packed_len, packed};
  assert_int_equal(mdb_put(meta.txn, meta.dbi, &key, &val, 0), 0);
  free(packed);
  fixture_raw_commit(&meta);
  assert_int_equal(dbn_store_verify(f.dir, NULL, &report), DBN_ECORRUPT);
  assert_int_equal(report.first_bad_seq, 1);
  assert_non_null(strstr(report.problem, "日志头"));
  assert_int_equal(dbn_store_open(&f.store, f.dir, NULL), 0);
  gap_close(&f);

  gap_open(&f, NULL);
  dbn_store_destroy(&f.store);
  assert_int_equal(dbn_store_open(&f.store, f.dir, NULL), 0);
  assert_int_equal(dbn_store_log_header(f.store)->format_version, 1);
  assert_string_equal(dbn_store_log_header(f.store)->clock, "");
  gap_close(&f);
}

/* A header claiming a newer format is refused by every open, read-only
 * too; a header on any event but the first is refused by the store. */
static void
test_newer_format_refused(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "test-future", NULL);
  Duban__LogHeader header = DUBAN__LOG_HEADER__INIT;
  header.format_version = DBN_LOG_FORMAT_VERSION + 1;
  header.clock = "real";
  Duban__AdvanceClock advance = DUBAN__ADVANCE_CLOCK__INIT;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = fixture_day("2024-01-01");
  event.actor = "admin:admin";
  event.body_case = DUBAN__EVENT__BODY_CLOCK_ADVANCED;
  event.clock_advanced = &advance;
  event.log_header = &header;
  assert_int_equal(fixture_append_one(store, &event), 0);
  assert_int_equal(fixture_append_one(store, &event), DBN_ECORRUPT); /* seq 2 */
  dbn_store_destroy(&store);
  assert_int_equal(dbn_store_open(&store, dir, NULL), DBN_EVERSION);
  dbn_store_options_t ro = {.read_only = true};
  assert_int_equal(dbn_store_open(&store, dir, &ro), DBN_EVERSION);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), DBN_EVERSION);
  char versions[64];
  snprintf(versions, sizeof versions, "版本为 %d，本程序只认识到版本 %d", DBN_LOG_FORMAT_VERSION + 1,
           DBN_LOG_FORMAT_VERSION);
  assert_non_null(strstr(report.problem, versions));
  dbn_store_remove_files(dir, true);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gap_without_summary_floods),
      cmocka_unit_test(test_gap_summarised_once_per_task_and_kind),
      cmocka_unit_test(test_cover_ends_when_met),
      cmocka_unit_test(test_header_on_first_event),
      cmocka_unit_test(test_newer_format_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
