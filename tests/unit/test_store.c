/* test_store.c: the LMDB event log on a real file in a temporary folder:
 * append and read back, views kept in step, retries recorded, the chain
 * verified and a change to the file found at the right sequence number, the
 * map grown when it fills, and read-only access beside a writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture_store.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "store.h"
#include "wire.h"

struct fixture {
  char dir[256];      /* the log's folder */
  dbn_store_t *store; /* open read-write */
};

/* ---- a two-unit plan built in memory ---- */

static fixture_plan_t fixture_plan;

static void
build_plan(void)
{
  fixture_plan_t *f = &fixture_plan;
  fixture_plan_init(f, "t", "测试方案", "筑牢生态安全屏障", "推进重点生态工程建设", "LCJ", "ZRJ");
  fixture_plan_add_unit(f, "LCJ", "市林业和草原局");
  fixture_plan_add_unit(f, "ZRJ", "市自然资源局");
  fixture_plan_add_action(f, "申请资金和任务", "LCJ");
  fixture_plan_add_action(f, "开展历史遗留废弃矿山生态修复", "ZRJ");
}

static void
append_plan(dbn_store_t *store)
{
  fixture_append_plan_loaded(store, &fixture_plan.load, 1695000000, "r-plan");
}

static void
append_claim(dbn_store_t *store, const char *task, const char *request_id)
{
  /* The task's owner claims it: verify checks who may. */
  fixture_append_claimed(store, task, strcmp(task, "t:1.1.2") == 0 ? "unit:ZRJ" : "unit:LCJ", 1695000100,
                         request_id);
}

static int
append_progress(dbn_store_t *store, const char *task, int percent, const char *note)
{
  Duban__Figure figure = DUBAN__FIGURE__INIT;
  figure.what = "公共充电桩";
  figure.value = percent * 50;
  figure.unit_of_measure = "个";
  Duban__Figure *figures[] = {&figure};
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = (char *)task;
  progress.percent = percent;
  progress.note = (char *)note;
  progress.n_figures = 1;
  progress.figures = figures;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = 1695000200;
  event.actor = "unit:LCJ";
  event.body_case = DUBAN__EVENT__BODY_PROGRESS;
  event.progress = &progress;
  return fixture_append_one(store, &event);
}

/* The escalations a fresh read sees (open ones only, or all); the caller
 * frees them with dbn_store_escalations_free. */
static Duban__Escalation **
read_escalations(dbn_store_t *store, bool open_only, size_t *count)
{
  dbn_store_txn_t *txn;
  Duban__Escalation **escalations = NULL;
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  assert_int_equal(dbn_store_escalations_list(txn, open_only, &escalations, count), 0);
  dbn_store_abort(&txn);
  return escalations;
}

/* The log verifies clean and holds this many events. */
static void
expect_verified(const char *dir, uint64_t events)
{
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), 0);
  assert_int_equal(report.events, events);
}

/* The plan, and t:1.1.1 claimed: progress needs a claimed task. */
static void
append_plan_claimed(dbn_store_t *store)
{
  append_plan(store);
  append_claim(store, "t:1.1.1", "r-claim-1");
}

static int
setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  f->store = fixture_temp_store(f->dir, sizeof f->dir, "test-store", NULL);
  build_plan();
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  struct fixture *f = *state;
  dbn_store_destroy(&f->store);
  fixture_remove_dir(f->dir);
  free(f);
  return 0;
}

/* ---- cases ---- */

static void
test_append_and_views(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  append_claim(f->store, "t:1.1.1", "r-claim");
  assert_int_equal(append_progress(f->store, "t:1.1.1", 40, "已完成选址"), 0);

  uint64_t head;
  uint8_t hash[DBN_HASH_BYTES];
  assert_int_equal(dbn_store_head(f->store, &head, hash), 0);
  assert_int_equal(head, 3);

  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  Duban__Task *task;
  assert_int_equal(dbn_store_task_get(txn, "t:1.1.1", &task), 0);
  assert_int_equal(task->state, DUBAN__TASK_STATE__TASK_IN_PROGRESS);
  assert_int_equal(task->percent, 40);
  assert_string_equal(task->note, "已完成选址");
  assert_int_equal(task->n_figures, 1);
  assert_true(task->figures[0]->value == 2000);
  assert_int_equal(task->updated_seq, 3);
  dbn_wire_task_free(&task);

  assert_int_equal(dbn_store_task_get(txn, "t:9.9.9", &task), DBN_ENOTFOUND);

  Duban__Task **tasks;
  size_t count;
  assert_int_equal(dbn_store_tasks_list(txn, "ZRJ", &tasks, &count), 0);
  assert_int_equal(count, 1);
  assert_string_equal(tasks[0]->id, "t:1.1.2");
  assert_int_equal(tasks[0]->state, DUBAN__TASK_STATE__TASK_ASSIGNED);
  dbn_store_tasks_free(tasks, count);
  assert_int_equal(dbn_store_tasks_list(txn, NULL, &tasks, &count), 0);
  assert_int_equal(count, 2);
  dbn_store_tasks_free(tasks, count);
  /* "LC" is a prefix of "LCJ" but not a unit: it must list nothing. */
  assert_int_equal(dbn_store_tasks_list(txn, "LC", &tasks, &count), 0);
  assert_int_equal(count, 0);
  dbn_store_tasks_free(tasks, count);

  uint64_t seq;
  assert_int_equal(dbn_store_dedup_get(txn, "unit:LCJ", "r-claim", &seq), 0);
  assert_int_equal(seq, 2);
  assert_int_equal(dbn_store_dedup_get(txn, "unit:ZRJ", "r-claim", &seq), DBN_ENOTFOUND);

  Duban__Unit *unit;
  assert_int_equal(dbn_store_unit_get(txn, "ZRJ", &unit), 0);
  assert_string_equal(unit->name, "市自然资源局");
  dbn_wire_unit_free(&unit);
  bool exists;
  assert_int_equal(dbn_store_plan_exists(txn, "t", &exists), 0);
  assert_true(exists);

  Duban__Event *event;
  assert_int_equal(dbn_store_event_get(txn, 2, &event), 0);
  assert_int_equal(event->body_case, DUBAN__EVENT__BODY_CLAIMED);
  assert_int_equal(event->prev_hash.len, DBN_HASH_BYTES);
  dbn_wire_event_free(&event);
  dbn_store_abort(&txn);
}

static void
test_escalation_blocks_and_resolves(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  append_claim(f->store, "t:1.1.1", "r1");
  fixture_append_escalated(f->store, "t:1.1.1", "unit:LCJ", 0, "funding", "资金未到位");

  Duban__Task *task = fixture_read_task(f->store, "t:1.1.1");
  assert_int_equal(task->state, DUBAN__TASK_STATE__TASK_BLOCKED);
  dbn_wire_task_free(&task);
  size_t count;
  Duban__Escalation **open = read_escalations(f->store, true, &count);
  assert_int_equal(count, 1);
  assert_int_equal(open[0]->id, 3);
  assert_string_equal(open[0]->reason, "资金未到位");
  dbn_store_escalations_free(open, count);

  Duban__Resolve resolve = DUBAN__RESOLVE__INIT;
  resolve.escalation = 3;
  resolve.note = "已协调财政局";
  Duban__Event resolved = DUBAN__EVENT__INIT;
  resolved.actor = "coordinator:office";
  resolved.body_case = DUBAN__EVENT__BODY_RESOLVED;
  resolved.resolved = &resolve;
  assert_int_equal(fixture_append_one(f->store, &resolved), 0);

  task = fixture_read_task(f->store, "t:1.1.1");
  assert_int_equal(task->state, DUBAN__TASK_STATE__TASK_IN_PROGRESS);
  dbn_wire_task_free(&task);
  open = read_escalations(f->store, true, &count);
  assert_int_equal(count, 0);
  dbn_store_escalations_free(open, count);
  Duban__Escalation **all = read_escalations(f->store, false, &count);
  assert_int_equal(count, 1);
  assert_int_equal(all[0]->state, DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED);
  dbn_store_escalations_free(all, count);

  expect_verified(f->dir, 4);
}

static int
count_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)bytes;
  (void)len;
  uint64_t *last = arg;
  assert_int_equal(seq, *last + 1);
  *last = seq;
  return 0;
}

static void
test_read_range(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  for (int i = 0; i < 20; i++)
    assert_int_equal(append_progress(f->store, "t:1.1.1", i, ""), 0);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  uint64_t last = 5;
  assert_int_equal(dbn_store_events_foreach(txn, 5, 0, count_event, &last), 0);
  assert_int_equal(last, 22);
  last = 0;
  assert_int_equal(dbn_store_events_foreach(txn, 0, 7, count_event, &last), 0);
  assert_int_equal(last, 7);
  last = 22;
  assert_int_equal(dbn_store_events_foreach(txn, 22, 0, count_event, &last), 0);
  assert_int_equal(last, 22);
  dbn_store_abort(&txn);
}

static void
test_verify_clean_log(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  for (int i = 0; i < 50; i++)
    assert_int_equal(append_progress(f->store, "t:1.1.1", i % 101, "进展"), 0);
  dbn_verify_report_t report;
  /* Read-only verify while the writer still has the file open. */
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);
  assert_int_equal(report.events, 52);
  assert_int_equal(report.head_seq, 52);
  assert_int_equal(report.first_bad_seq, 0);
}

static void
test_verify_finds_changed_event(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  for (int i = 0; i < 10; i++)
    assert_int_equal(append_progress(f->store, "t:1.1.1", i, "进展"), 0);
  dbn_store_destroy(&f->store);

  /* Every byte of event 6, its prev_hash field included, is blamed on 6:
   * flip it, verify, flip it back. */
  uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 6};
  dbn_verify_report_t report;
  for (size_t offset = 0; offset < 60; offset += 3) {
    fixture_raw_flip_byte(f->dir, "events", key, sizeof key, offset);
    assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
    assert_int_equal(report.first_bad_seq, 6);
    assert_int_equal(dbn_store_verify_chain(f->dir, &report), DBN_ECORRUPT);
    assert_int_equal(report.first_bad_seq, 6);
    fixture_raw_flip_byte(f->dir, "events", key, sizeof key, offset);
  }
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);
  fixture_raw_flip_byte(f->dir, "events", key, sizeof key, 40);
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
  assert_non_null(strstr(report.problem, "6"));
  assert_int_equal(dbn_store_open(&f->store, f->dir, NULL), 0);
}

static void
test_verify_finds_changed_last_event(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  for (int i = 0; i < 3; i++)
    assert_int_equal(append_progress(f->store, "t:1.1.1", i, "进展"), 0);
  dbn_store_destroy(&f->store);
  uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 5};
  fixture_raw_flip_byte(f->dir, "events", key, sizeof key, 30);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
  assert_int_equal(report.first_bad_seq, 5);
  assert_int_equal(dbn_store_open(&f->store, f->dir, NULL), 0);
}

static void
test_verify_finds_changed_view(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  append_claim(f->store, "t:1.1.2", "r9");
  for (int i = 0; i < 5; i++)
    assert_int_equal(append_progress(f->store, "t:1.1.1", i, "进展"), 0);
  dbn_store_destroy(&f->store);
  fixture_raw_flip_byte(f->dir, "tasks", "t:1.1.2", strlen("t:1.1.2"), 3);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), DBN_ECORRUPT);
  assert_non_null(strstr(report.problem, "tasks"));
  /* The chain alone cannot see a changed view: that is what the full
   * verify's rebuild is for. */
  assert_int_equal(dbn_store_verify_chain(f->dir, &report), 0);
  assert_int_equal(report.events, 8);
  assert_int_equal(dbn_store_open(&f->store, f->dir, NULL), 0);
}

static void
test_map_grows_when_full(void **state)
{
  struct fixture *f = *state;
  dbn_store_destroy(&f->store);
  dbn_store_options_t small = {.map_size = 256 * 1024};
  assert_int_equal(dbn_store_open(&f->store, f->dir, &small), 0);
  append_plan_claimed(f->store);

  char note[4000];
  memset(note, 'x', sizeof note - 1);
  note[sizeof note - 1] = '\0';
  int grown = 0;
  for (int i = 0; i < 300; i++) {
    int rc = append_progress(f->store, "t:1.1.1", i % 100, note);
    if (rc == DBN_EMAPFULL) {
      /* The failed transaction left nothing: grow and run it again. */
      assert_int_equal(dbn_store_grow(f->store), 0);
      grown++;
      rc = append_progress(f->store, "t:1.1.1", i % 100, note);
    }
    assert_int_equal(rc, 0);
  }
  assert_true(grown > 0);
  assert_true(dbn_store_map_size(f->store) > small.map_size);
  uint64_t head;
  assert_int_equal(dbn_store_head(f->store, &head, NULL), 0);
  assert_int_equal(head, 302);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);
  assert_int_equal(report.events, 302);
}

static void
test_map_stops_at_its_cap(void **state)
{
  struct fixture *f = *state;
  dbn_store_destroy(&f->store);
  dbn_store_options_t capped = {.map_size = 256 * 1024, .map_max = 600 * 1024};
  assert_int_equal(dbn_store_open(&f->store, f->dir, &capped), 0);
  assert_int_equal(dbn_store_grow(f->store), 0); /* 256 KiB -> 512 KiB */
  assert_int_equal(dbn_store_grow(f->store), 0); /* -> 600 KiB, the cap */
  assert_int_equal(dbn_store_map_size(f->store), 600 * 1024);
  assert_int_equal(dbn_store_grow(f->store), DBN_EMAPFULL);
  append_plan(f->store); /* still usable at the cap */
}

static void
test_failed_transaction_leaves_log(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(f->store, &txn), 0);
  Duban__Claim claim;
  Duban__Event event;
  fixture_claimed_event(&event, &claim, "t:1.1.1", "unit:LCJ");
  assert_int_equal(dbn_store_append(txn, &event), 0);
  assert_int_equal(dbn_store_txn_head(txn), 2);
  dbn_store_abort(&txn);
  uint64_t head;
  assert_int_equal(dbn_store_head(f->store, &head, NULL), 0);
  assert_int_equal(head, 1);
}

/* A write transaction that hit an error is poisoned, as LMDB marks its own:
 * the next append and the commit return the first error, and nothing of
 * the transaction reaches the log, not even the append that succeeded
 * before the error. */
static void
test_failed_append_poisons_transaction(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(f->store, &txn), 0);
  Duban__Claim claim;
  Duban__Event claimed;
  fixture_claimed_event(&claimed, &claim, "t:1.1.2", "unit:ZRJ");
  assert_int_equal(dbn_store_append(txn, &claimed), 0);
  assert_int_equal(dbn_store_txn_error(txn), 0);
  /* Progress on t:1.1.1, still assigned: the task lifecycle refuses it, so
   * the event cannot be applied to the state before it. */
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "t:1.1.1";
  progress.percent = 10;
  progress.note = "";
  Duban__Event reported = DUBAN__EVENT__INIT;
  reported.actor = "unit:LCJ";
  reported.body_case = DUBAN__EVENT__BODY_PROGRESS;
  reported.progress = &progress;
  assert_int_equal(dbn_store_append(txn, &reported), DBN_ECORRUPT);
  assert_int_equal(dbn_store_txn_error(txn), DBN_ECORRUPT);
  /* A valid append after the error gets the first error, not a new seq. */
  claim.task = "t:1.1.1";
  claimed.actor = "unit:LCJ";
  assert_int_equal(dbn_store_append(txn, &claimed), DBN_ECORRUPT);
  assert_int_equal(dbn_store_txn_poison(txn, DBN_EIO), DBN_ECORRUPT); /* the first error wins */
  assert_int_equal(dbn_store_commit(&txn), DBN_ECORRUPT);
  assert_null(txn);
  uint64_t head;
  assert_int_equal(dbn_store_head(f->store, &head, NULL), 0);
  assert_int_equal(head, 1);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(f->dir, NULL, &report), 0);
  assert_int_equal(report.events, 1);
}

/* The broker's check hands the task it read to the append: the change uses
 * that copy and the result is what a second read would have given. */
static void
test_append_with_checked_task(void **state)
{
  struct fixture *f = *state;
  append_plan_claimed(f->store);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(f->store, &txn), 0);
  dbn_store_subject_t subject = {0};
  assert_int_equal(dbn_store_task_state_get(txn, "t:1.1.1", &subject.task), 0);
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  submit.task = "t:1.1.1";
  submit.note = "已完成";
  Duban__Event event = DUBAN__EVENT__INIT;
  event.actor = "unit:LCJ";
  event.body_case = DUBAN__EVENT__BODY_SUBMITTED;
  event.submitted = &submit;
  assert_int_equal(dbn_store_append_with(txn, &event, &subject), 0);
  assert_null(subject.task);
  assert_int_equal(dbn_store_commit(&txn), 0);
  Duban__Task *task = fixture_read_task(f->store, "t:1.1.1");
  assert_int_equal(task->state, DUBAN__TASK_STATE__TASK_SUBMITTED);
  assert_string_equal(task->note, "已完成");
  assert_string_equal(task->text, "申请资金和任务");
  dbn_wire_task_free(&task);
  expect_verified(f->dir, 3);
}

/* Regression: the first warning on a task copied from a NULL array
 * (undefined behaviour that UBSan aborts on). */
static void
test_deadline_warnings_recorded_once_each(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  const char *levels[] = {"yellow", "red"};
  for (int i = 0; i < 2; i++) {
    Duban__DeadlineWarning warning = DUBAN__DEADLINE_WARNING__INIT;
    warning.task = "t:1.1.2";
    warning.due = "2023-12-31";
    warning.level = (char *)levels[i];
    Duban__Event event = DUBAN__EVENT__INIT;
    event.actor = "system";
    event.body_case = DUBAN__EVENT__BODY_DEADLINE_WARNING;
    event.deadline_warning = &warning;
    assert_int_equal(fixture_append_one(f->store, &event), 0);
  }
  Duban__Task *task = fixture_read_task(f->store, "t:1.1.2");
  assert_true(task->overdue);
  assert_int_equal(task->n_warnings, 2);
  assert_string_equal(task->warnings[0], "2023-12-31/yellow");
  assert_string_equal(task->warnings[1], "2023-12-31/red");
  dbn_wire_task_free(&task);
  expect_verified(f->dir, 3);
}

static void
test_unit_resolve(void **state)
{
  struct fixture *f = *state;
  append_plan(f->store);
  dbn_store_txn_t *txn;
  char *code;
  assert_int_equal(dbn_store_read_begin(f->store, &txn), 0);
  assert_int_equal(dbn_store_unit_resolve(txn, "ZRJ", &code), 0);
  assert_string_equal(code, "ZRJ");
  free(code);
  assert_int_equal(dbn_store_unit_resolve(txn, "市自然资源局", &code), 0);
  assert_string_equal(code, "ZRJ");
  free(code);
  assert_int_equal(dbn_store_unit_resolve(txn, "市不存在局", &code), DBN_ENOTFOUND);
  dbn_store_abort(&txn);
}

static void
test_read_only_open_of_missing_log(void **state)
{
  (void)state;
  dbn_store_t *store;
  dbn_store_options_t ro = {.read_only = true};
  assert_int_equal(dbn_store_open(&store, "/nonexistent/duban", &ro), DBN_ENOTFOUND);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_append_and_views, setup, teardown),
      cmocka_unit_test_setup_teardown(test_escalation_blocks_and_resolves, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_range, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_clean_log, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_finds_changed_event, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_finds_changed_last_event, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_finds_changed_view, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_grows_when_full, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_stops_at_its_cap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_transaction_leaves_log, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_append_poisons_transaction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_append_with_checked_task, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deadline_warnings_recorded_once_each, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unit_resolve, setup, teardown),
      cmocka_unit_test(test_read_only_open_of_missing_log),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
