/* test_pipelined_sync.c: what the store tells the broker about durability
 * (store.h, "durability"), on a real log in a temporary folder.
 *
 * With pipelined_sync a commit syncs once and leaves its own meta page for
 * the next commit or an explicit sync to make durable: the durable seq
 * trails the committed one by exactly one commit until then. Without it a
 * commit is durable at once and costs two durable writes; with no_sync it
 * costs none. A commit that changed nothing syncs nothing, and a process
 * killed with a commit pending leaves a log whose next open syncs it before
 * anything is served from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_log.h"
#include "fixture_plan.h"
#include "store.h"

static fixture_plan_t plan;

static void
build_plan(void)
{
  fixture_plan_init(&plan, "t", "测试方案", "筑牢生态安全屏障", "推进重点生态工程建设", "LCJ", "ZRJ");
  fixture_plan_add_unit(&plan, "LCJ", "市林业和草原局");
  fixture_plan_add_unit(&plan, "ZRJ", "市自然资源局");
  fixture_plan_add_action(&plan, "申请资金和任务", "LCJ");
}

/* The plan (seq 1) and a claim of its task (seq 2), each its own commit. */
static void
append_two(dbn_store_t *store)
{
  fixture_append_plan_loaded(store, &plan.load, 1695000000, "r-plan");
  fixture_append_claimed(store, "t:1.1.1", "unit:LCJ", 1695000100, "r-claim");
}

/* The durable writes the store had made when a test began counting (a new
 * log's open commits its empty views, and a pipelined open syncs). */
static uint64_t syncs_before;

static void
expect_durability(dbn_store_t *store, uint64_t committed, uint64_t durable, bool pending, uint64_t syncs)
{
  assert_int_equal(dbn_store_committed_seq(store), committed);
  assert_int_equal(dbn_store_durable_seq(store), durable);
  assert_int_equal(dbn_store_sync_pending(store), pending);
  assert_int_equal(dbn_store_syncs(store) - syncs_before, syncs);
}

static void
test_commit_makes_the_one_before_durable(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_options_t options = {.pipelined_sync = true};
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "pipelined", &options);
  syncs_before = dbn_store_syncs(store);
  expect_durability(store, 0, 0, false, 0);
  fixture_append_plan_loaded(store, &plan.load, 1695000000, "r-plan");
  expect_durability(store, 1, 0, true, 1);
  fixture_append_claimed(store, "t:1.1.1", "unit:LCJ", 1695000100, "r-claim");
  expect_durability(store, 2, 1, true, 2); /* one sync, which covered seq 1's meta page */
  assert_int_equal(dbn_store_sync(store), 0);
  expect_durability(store, 2, 2, false, 3);
  assert_int_equal(dbn_store_sync(store), 0); /* nothing pending: no sync */
  expect_durability(store, 2, 2, false, 3);

  /* A transaction that changed nothing: LMDB writes nothing, syncs nothing. */
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  assert_int_equal(dbn_store_commit(&txn), 0);
  expect_durability(store, 2, 2, false, 3);
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);
}

static void
test_without_pipelining_each_commit_is_durable(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "synced", NULL);
  syncs_before = dbn_store_syncs(store);
  append_two(store);
  expect_durability(store, 2, 2, false, 4); /* an fdatasync and an O_DSYNC meta write each */
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);

  dbn_store_options_t no_sync = {.no_sync = true, .pipelined_sync = true};
  store = fixture_temp_store(dir, sizeof dir, "nosync", &no_sync);
  syncs_before = dbn_store_syncs(store);
  append_two(store);
  expect_durability(store, 2, 2, false, 0);
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);
}

/* A clean close syncs what is pending: the next open finds it all. */
static void
test_close_syncs_what_is_pending(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_options_t options = {.pipelined_sync = true};
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "close", &options);
  append_two(store);
  assert_true(dbn_store_sync_pending(store));
  dbn_store_destroy(&store);
  syncs_before = 0;
  assert_int_equal(dbn_store_open(&store, dir, &options), 0);
  expect_durability(store, 2, 2, false, 1); /* the open's sync: its views are current */
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);
}

/* kill -9 with a commit pending: the page cache still holds its meta page,
 * so the next open reads it, and syncs it before saying it is durable. */
static void
test_killed_with_a_commit_pending(void **state)
{
  (void)state;
  char dir[256];
  fixture_temp_dir(dir, sizeof dir, "killed");
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    dbn_store_options_t options = {.pipelined_sync = true};
    dbn_store_t *store = NULL;
    if (dbn_store_open(&store, dir, &options) != 0)
      _exit(2);
    append_two(store);
    if (!dbn_store_sync_pending(store) || dbn_store_durable_seq(store) != 1)
      _exit(3);
    raise(SIGKILL);
    _exit(4);
  }
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  dbn_store_options_t options = {.pipelined_sync = true};
  dbn_store_t *store = NULL;
  syncs_before = 0;
  assert_int_equal(dbn_store_open(&store, dir, &options), 0);
  expect_durability(store, 2, 2, false, 1); /* the sync that made the killed process's commit durable */
  uint64_t head = 0;
  assert_int_equal(dbn_store_head(store, &head, NULL), 0);
  assert_int_equal(head, 2);
  dbn_store_destroy(&store);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), 0);
  assert_int_equal(report.events, 2);
  assert_int_equal(report.first_bad_seq, 0);
  fixture_remove_dir(dir);
}

int
main(void)
{
  build_plan();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commit_makes_the_one_before_durable),
      cmocka_unit_test(test_without_pipelining_each_commit_is_durable),
      cmocka_unit_test(test_close_syncs_what_is_pending),
      cmocka_unit_test(test_killed_with_a_commit_pending),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
