/* test_fault_store.c: the event log when the machine misbehaves.
 *
 * - The map cannot grow (the address space is exhausted): dbn_store_grow
 *   says so and the store stays usable at its old size. LMDB's
 *   mdb_env_set_mapsize unmaps before it maps again, and a failed mmap
 *   leaves the environment with no map at all, so the next transaction
 *   would read through a NULL pointer; this is run in a child process with
 *   a small RLIMIT_AS so a crash fails the test instead of ending it.
 * - Stale readers: a process killed with kill -9 in the middle of a read
 *   transaction leaves its reader slot behind, which pins old pages so the
 *   file grows forever; opening the log, or dbn_store_reader_check(),
 *   clears it.
 * - The log's folder and files are created readable by their owner only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_dir.h"
#include "fixture_log.h"
#include "fixture_store.h"
#include "store.h"
#include "wire.h"

/* Append one clock event (any event will do; this one needs no plan). */
static int
append_one(dbn_store_t *store)
{
  return fixture_append_clock_advanced(store, "admin:test", 1700000000);
}

/* In the child: grow the map until the address space refuses, then use
 * the store at the size it had. The exit code says what went wrong; 0 is
 * all well. */
static int
grow_until_refused(const char *dir)
{
  dbn_store_t *store;
  dbn_store_options_t options = {.map_size = 1 << 20};
  if (dbn_store_open(&store, dir, &options))
    return 10;
  if (fixture_limit_address_space(48))
    return 11;
  int rc = 0, grown = 0;
  while ((rc = dbn_store_grow(store)) == 0)
    if (++grown > 30)
      return 12;
  if (rc == 0)
    return 13;
  /* It said no; the store must still work at the size it had. */
  if (dbn_store_map_size(store) < ((size_t)1 << 20))
    return 14;
  for (int i = 0; i < 10; i++)
    if (append_one(store))
      return 15;
  uint64_t head;
  if (dbn_store_head(store, &head, NULL) || head != 10)
    return 16;
  dbn_store_destroy(&store);
  return 0;
}

static void
test_map_that_cannot_grow(void **state)
{
  (void)state;
  if (fixture_running_under_asan())
    skip(); /* ASan's shadow memory does not fit in a small address space */
  char dir[256];
  fixture_temp_dir(dir, sizeof dir, "fstore");
  assert_int_equal(fixture_exit_code_in_child(grow_until_refused, dir, "the store"), 0);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), 0);
  fixture_remove_dir(dir);
}

static void
test_stale_reader_is_cleared(void **state)
{
  (void)state;
  char dir[256];
  fixture_temp_dir(dir, sizeof dir, "fstore");
  dbn_store_t *store;
  dbn_store_options_t options = {.map_size = 8 << 20};
  assert_int_equal(dbn_store_open(&store, dir, &options), 0);
  assert_int_equal(append_one(store), 0);
  fixture_kill_reader_mid_read(dir); /* an auditor killed in a read transaction */
  /* While the slot is held, every write leaves pages that cannot be reused. */
  struct stat before, after;
  char data[300];
  snprintf(data, sizeof data, "%s/data.mdb", dir);
  int cleared = -1;
  assert_int_equal(dbn_store_reader_check(store, &cleared), 0);
  assert_int_equal(cleared, 1);
  /* With the slot cleared, a long run of writes reuses its pages: the file
   * settles instead of growing with every transaction. */
  for (int i = 0; i < 200; i++)
    assert_int_equal(append_one(store), 0);
  assert_int_equal(stat(data, &before), 0);
  for (int i = 0; i < 2000; i++)
    assert_int_equal(append_one(store), 0);
  assert_int_equal(stat(data, &after), 0);
  print_message("data.mdb %lld -> %lld bytes over 2000 writes\n", (long long)before.st_size,
                (long long)after.st_size);
  /* 2000 small events are a few hundred KiB; a pinned snapshot would make
   * every transaction copy its pages anew, tens of MiB. */
  assert_true(after.st_size - before.st_size < 2 * 1024 * 1024);
  dbn_store_destroy(&store);

  /* Opening the log clears a stale slot by itself. */
  fixture_kill_reader_mid_read(dir);
  assert_int_equal(dbn_store_open(&store, dir, &options), 0);
  assert_int_equal(dbn_store_reader_check(store, &cleared), 0);
  assert_int_equal(cleared, 0);
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);
}

static void
test_files_are_owner_only(void **state)
{
  (void)state;
  char dir[256], sub[300];
  fixture_temp_dir(dir, sizeof dir, "fstore");
  snprintf(sub, sizeof sub, "%s/log", dir);
  mode_t old = umask(0); /* the store must not rely on the caller's umask */
  dbn_store_t *store;
  assert_int_equal(dbn_store_open(&store, sub, NULL), 0);
  umask(old);
  assert_int_equal(append_one(store), 0);
  struct stat st;
  assert_int_equal(stat(sub, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  const char *files[] = {"data.mdb", "lock.mdb"};
  for (size_t i = 0; i < 2; i++) {
    char path[400];
    snprintf(path, sizeof path, "%s/%s", sub, files[i]);
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 0777) != 0600)
      fail_msg("%s has mode %o, not 0600", files[i], st.st_mode & 0777);
  }
  dbn_store_destroy(&store);
  fixture_remove_dir(dir);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_that_cannot_grow),
      cmocka_unit_test(test_stale_reader_is_cleared),
      cmocka_unit_test(test_files_are_owner_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
