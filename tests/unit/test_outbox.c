/* test_outbox.c: the agent's outbox on a real LMDB file in a temporary
 * directory: order, removal, a request id stored once, persistence across a
 * reopen (what a crash of the agent leaves), a second opener refused, and a
 * map that grows from its first megabyte as entries pile up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outbox.h"

typedef struct {
  char dir[64]; /* the outbox directory */
} fixture_t;

static int
setup(void **state)
{
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/dbn-test-outbox-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  fixture_t *f = *state;
  char command[128];
  snprintf(command, sizeof command, "rm -rf %s", f->dir);
  assert_int_equal(system(command), 0);
  free(f);
  return 0;
}

static void
put_text(dbn_outbox_t *outbox, const char *request_id, const char *text, uint64_t *key_p)
{
  assert_int_equal(dbn_outbox_put(outbox, request_id, (const uint8_t *)text, strlen(text), key_p), 0);
}

static void
test_order_and_remove(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  uint64_t k1, k2, k3;
  put_text(outbox, "r1", "first", &k1);
  put_text(outbox, "r2", "second", &k2);
  put_text(outbox, "r3", "third", &k3);
  assert_true(k1 < k2 && k2 < k3);
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 3);

  dbn_outbox_entry_t entries[8];
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, 8, &count), 0);
  assert_int_equal(count, 3);
  assert_string_equal(entries[0].request_id, "r1");
  assert_memory_equal(entries[0].data, "first", 5);
  assert_int_equal(entries[0].len, 5);
  assert_string_equal(entries[2].request_id, "r3");
  for (size_t i = 0; i < count; i++)
    dbn_outbox_entry_clear(&entries[i]);

  /* Peek after a key, and a limit. */
  assert_int_equal(dbn_outbox_peek(outbox, k1, entries, 1, &count), 0);
  assert_int_equal(count, 1);
  assert_string_equal(entries[0].request_id, "r2");
  dbn_outbox_entry_clear(&entries[0]);

  /* Remove from the middle: the rest keep their order. */
  assert_int_equal(dbn_outbox_remove(outbox, k2), 0);
  assert_int_equal(dbn_outbox_remove(outbox, k2), DBN_ENOTFOUND);
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, 8, &count), 0);
  assert_int_equal(count, 2);
  assert_string_equal(entries[0].request_id, "r1");
  assert_string_equal(entries[1].request_id, "r3");
  for (size_t i = 0; i < count; i++)
    dbn_outbox_entry_clear(&entries[i]);
  uint64_t found;
  assert_int_equal(dbn_outbox_find(outbox, "r2", &found), DBN_ENOTFOUND);
  assert_int_equal(dbn_outbox_find(outbox, "r3", &found), 0);
  assert_int_equal(found, k3);

  /* A new entry goes after the last, even after removals. */
  uint64_t k4;
  put_text(outbox, "r4", "fourth", &k4);
  assert_true(k4 > k3);
  dbn_outbox_close(&outbox);
  assert_null(outbox);
  dbn_outbox_close(&outbox); /* NULL is accepted */
}

static void
test_same_request_id_stored_once(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  uint64_t key, again = 0;
  put_text(outbox, "resent", "claim", &key);
  assert_int_equal(dbn_outbox_put(outbox, "resent", (const uint8_t *)"claim", 5, &again), DBN_EEXIST);
  assert_int_equal(again, key);
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 1);
  /* Once delivered and removed, the id may be stored again. */
  assert_int_equal(dbn_outbox_remove(outbox, key), 0);
  put_text(outbox, "resent", "claim", NULL);
  assert_int_equal(dbn_outbox_put(outbox, "", (const uint8_t *)"x", 1, NULL), DBN_EINVAL);
  dbn_outbox_close(&outbox);
}

static void
test_persists_across_reopen(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  uint64_t k1, k2;
  put_text(outbox, "a", "alpha", &k1);
  put_text(outbox, "b", "beta", &k2);
  assert_int_equal(dbn_outbox_remove(outbox, k1), 0);

  /* A second opener (another agent on the same directory) is refused. */
  dbn_outbox_t *second = NULL;
  assert_int_equal(dbn_outbox_open(&second, f->dir), DBN_EUNAVAIL);
  assert_null(second);
  dbn_outbox_close(&outbox);

  struct stat st;
  char path[128];
  snprintf(path, sizeof path, "%s/data.mdb", f->dir);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  size_t count;
  dbn_outbox_entry_t entries[4];
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, 4, &count), 0);
  assert_int_equal(count, 1);
  assert_int_equal(entries[0].key, k2);
  assert_string_equal(entries[0].request_id, "b");
  assert_memory_equal(entries[0].data, "beta", 4);
  dbn_outbox_entry_clear(&entries[0]);
  uint64_t k3;
  put_text(outbox, "c", "gamma", &k3);
  assert_true(k3 > k2); /* keys keep increasing after a reopen */
  uint64_t found;
  assert_int_equal(dbn_outbox_find(outbox, "b", &found), 0);
  dbn_outbox_close(&outbox);
}

static void
test_map_grows(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  /* 300 entries of 16 KiB are ~5 MB, five times the first map. */
  enum { ENTRIES = 300, SIZE = 16 * 1024 };
  uint8_t *payload = malloc(SIZE);
  assert_non_null(payload);
  for (int i = 0; i < ENTRIES; i++) {
    char id[32];
    snprintf(id, sizeof id, "grow-%d", i);
    memset(payload, 'a' + i % 26, SIZE);
    assert_int_equal(dbn_outbox_put(outbox, id, payload, SIZE, NULL), 0);
  }
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, ENTRIES);
  dbn_outbox_close(&outbox);

  /* Everything is there, in order, after a reopen. */
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  dbn_outbox_entry_t *entries = calloc(ENTRIES, sizeof *entries);
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, ENTRIES, &count), 0);
  assert_int_equal(count, ENTRIES);
  for (int i = 0; i < ENTRIES; i++) {
    char id[32];
    snprintf(id, sizeof id, "grow-%d", i);
    assert_string_equal(entries[i].request_id, id);
    assert_int_equal(entries[i].len, SIZE);
    assert_int_equal(entries[i].data[SIZE - 1], 'a' + i % 26);
    if (i > 0)
      assert_true(entries[i].key > entries[i - 1].key);
    assert_int_equal(dbn_outbox_remove(outbox, entries[i].key), 0);
    dbn_outbox_entry_clear(&entries[i]);
  }
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 0);
  free(entries);
  free(payload);
  dbn_outbox_close(&outbox);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_order_and_remove, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_request_id_stored_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_persists_across_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
