/* test_outbox.c: the agent's outbox on a real LMDB file in a temporary
 * directory: order, removal, a request id stored once, persistence across a
 * reopen (what a crash of the agent leaves), a second opener refused, a map
 * that grows from its first megabyte as entries pile up, and one that
 * cannot grow. Entries the broker applied leave at once and are deleted by
 * the next commit: one commit per command, and a crash (a child process
 * that _exits without closing) brings back only those not yet deleted. */
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

#include <lmdb.h>

#include "fixture_dir.h"
#include "fixture_store.h"
#include "outbox.h"

typedef struct {
  char dir[64]; /* the outbox directory */
} fixture_t;

static int
setup(void **state)
{
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  fixture_temp_dir(f->dir, sizeof f->dir, "test-outbox");
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  fixture_t *f = *state;
  fixture_remove_dir(f->dir);
  free(f);
  return 0;
}

/* The outbox in the case's folder, which must open. */
static dbn_outbox_t *
open_outbox(const fixture_t *f)
{
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  return outbox;
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
  dbn_outbox_t *outbox = open_outbox(f);
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
  dbn_outbox_t *outbox = open_outbox(f);
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
  dbn_outbox_t *outbox = open_outbox(f);
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
  dbn_outbox_t *outbox = open_outbox(f);
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

/* Every pending entry's request id, in order, joined by spaces. */
static void
pending_ids(dbn_outbox_t *outbox, char *out, size_t len)
{
  dbn_outbox_entry_t entries[16];
  size_t count;
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, 16, &count), 0);
  out[0] = '\0';
  for (size_t i = 0; i < count; i++) {
    snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? " " : "", entries[i].request_id);
    dbn_outbox_entry_clear(&entries[i]);
  }
}

static void
test_applied_leaves_at_once_and_is_deleted_on_close(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = open_outbox(f);
  uint64_t ka, kb, kc;
  put_text(outbox, "a", "alpha", &ka);
  put_text(outbox, "b", "beta", &kb);
  put_text(outbox, "c", "gamma", &kc);
  assert_int_equal(dbn_outbox_mark_applied(outbox, kb), 0);

  /* No longer pending, for every way of looking. */
  char ids[128];
  pending_ids(outbox, ids, sizeof ids);
  assert_string_equal(ids, "a c");
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 2);
  dbn_outbox_entry_t entry;
  assert_int_equal(dbn_outbox_peek(outbox, ka, &entry, 1, &count), 0);
  assert_int_equal(count, 1);
  assert_string_equal(entry.request_id, "c");
  dbn_outbox_entry_clear(&entry);
  uint64_t found;
  assert_int_equal(dbn_outbox_find(outbox, "b", &found), DBN_ENOTFOUND);
  assert_int_equal(dbn_outbox_mark_applied(outbox, kb), DBN_ENOTFOUND);
  assert_int_equal(dbn_outbox_remove(outbox, kb), DBN_ENOTFOUND);
  assert_int_equal(dbn_outbox_mark_applied(outbox, 999), DBN_ENOTFOUND);

  /* Its request id may be stored again (the put deletes the old entry). */
  uint64_t kb2;
  put_text(outbox, "b", "beta again", &kb2);
  assert_true(kb2 > kc);
  pending_ids(outbox, ids, sizeof ids);
  assert_string_equal(ids, "a c b");
  assert_int_equal(dbn_outbox_mark_applied(outbox, kb2), 0);
  assert_int_equal(dbn_outbox_mark_applied(outbox, ka), 0);
  assert_int_equal(dbn_outbox_flush(outbox), 0);
  assert_int_equal(dbn_outbox_flush(outbox), 0); /* nothing left: no commit */
  assert_int_equal(dbn_outbox_mark_applied(outbox, kc), 0);
  dbn_outbox_close(&outbox); /* flushes c */

  /* Nothing applied comes back after a clean close. */
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 0);
  assert_int_equal(dbn_outbox_find(outbox, "c", &found), DBN_ENOTFOUND);
  dbn_outbox_close(&outbox);
}

/* Run steps in a child that ends with _exit and no close: what a crash (or
 * kill -9) of the agent leaves on disk. */
static void
in_crashing_child(const char *dir, void (*steps)(dbn_outbox_t *outbox))
{
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    dbn_outbox_t *outbox = NULL;
    if (dbn_outbox_open(&outbox, dir))
      _exit(10);
    steps(outbox);
    _exit(0);
  }
  int status;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void
put_and_apply_first(dbn_outbox_t *outbox)
{
  uint64_t key;
  if (dbn_outbox_put(outbox, "first", (const uint8_t *)"1", 1, &key) || dbn_outbox_mark_applied(outbox, key))
    _exit(11);
}

static void
apply_first_then_put_second(dbn_outbox_t *outbox)
{
  uint64_t key;
  if (dbn_outbox_find(outbox, "first", &key) || dbn_outbox_mark_applied(outbox, key) ||
      dbn_outbox_put(outbox, "second", (const uint8_t *)"2", 1, NULL))
    _exit(12);
}

static void
test_crash_resends_only_applied_not_yet_deleted(void **state)
{
  fixture_t *f = *state;
  /* Applied, then a crash before any other commit: it is pending again
   * (and the broker will answer its resend from its dedup table). */
  in_crashing_child(f->dir, put_and_apply_first);
  dbn_outbox_t *outbox = open_outbox(f);
  char ids[128];
  pending_ids(outbox, ids, sizeof ids);
  assert_string_equal(ids, "first");
  dbn_outbox_close(&outbox);

  /* Applied, then a put: the put's commit deleted it, crash or not. */
  in_crashing_child(f->dir, apply_first_then_put_second);
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  pending_ids(outbox, ids, sizeof ids);
  assert_string_equal(ids, "second");
  dbn_outbox_close(&outbox);
}

/* The id of the last committed transaction in dir's LMDB file. */
static size_t
last_txnid(const char *dir)
{
  MDB_env *env;
  assert_int_equal(mdb_env_create(&env), 0);
  assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
  assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
  MDB_envinfo info;
  assert_int_equal(mdb_env_info(env, &info), 0);
  mdb_env_close(env);
  return info.me_last_txnid;
}

static void
test_one_commit_per_command(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = NULL;
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0); /* commit 1: the tables */
  enum { COMMANDS = 50 };
  for (int i = 0; i < COMMANDS; i++) {
    char id[32];
    uint64_t key;
    snprintf(id, sizeof id, "command-%d", i);
    put_text(outbox, id, "progress", &key);
    assert_int_equal(dbn_outbox_mark_applied(outbox, key), 0);
  }
  dbn_outbox_close(&outbox); /* one more: the last command's deletion */
  /* Every commit is a full sync; removing applied entries adds none. */
  assert_int_equal(last_txnid(f->dir), 1 + COMMANDS + 1);

  /* More applied than the outbox keeps in memory: they are deleted on
   * their own, and no more than DBN_OUTBOX_MAX_APPLIED wait at a time. */
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  enum { MANY = DBN_OUTBOX_MAX_APPLIED + 10 };
  uint64_t *keys = calloc(MANY, sizeof *keys);
  assert_non_null(keys);
  for (int i = 0; i < MANY; i++) {
    char id[32];
    snprintf(id, sizeof id, "many-%d", i);
    put_text(outbox, id, "x", &keys[i]);
  }
  for (int i = 0; i < MANY; i++)
    assert_int_equal(dbn_outbox_mark_applied(outbox, keys[i]), 0);
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 0);
  dbn_outbox_close(&outbox);
  free(keys);
  assert_int_equal(dbn_outbox_open(&outbox, f->dir), 0);
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 0);
  dbn_outbox_close(&outbox);
}

enum { BIG = 512 * 1024, MAX_BIG = 200 };

/* In the child: fill the outbox until the map cannot grow, then use it. The
 * exit code says what went wrong; 0 is all well. */
static int
fill_until_full(const char *dir)
{
  dbn_outbox_t *outbox;
  uint8_t *payload = malloc(BIG);
  if (!payload || dbn_outbox_open(&outbox, dir))
    return 10;
  if (fixture_limit_address_space(48))
    return 11;
  int stored = 0, rc = 0;
  uint64_t keys[MAX_BIG];
  for (; stored < MAX_BIG; stored++) {
    char id[32];
    snprintf(id, sizeof id, "big-%d", stored);
    memset(payload, 'a' + stored % 26, BIG);
    if ((rc = dbn_outbox_put(outbox, id, payload, BIG, &keys[stored])))
      break;
  }
  /* Before anything else, read through the map: with no map left behind by
   * a failed mdb_env_set_mapsize, this is where the agent would crash. */
  size_t count;
  if (dbn_outbox_count(outbox, &count) || count != (size_t)stored)
    return 12;
  if (rc != DBN_EMAPFULL)
    return 13; /* a full map is reported as such, not as ENOMEM or EIO */
  if (stored < 4 || stored == MAX_BIG)
    return 14; /* it grew at least once, and it did stop */
  dbn_outbox_entry_t entry;
  if (dbn_outbox_peek(outbox, keys[stored - 1] - 1, &entry, 1, &count) || count != 1 || entry.len != BIG ||
      entry.data[BIG - 1] != 'a' + (stored - 1) % 26)
    return 15;
  dbn_outbox_entry_clear(&entry);
  /* Usable at its present size: what the broker takes makes room again. */
  for (int i = 0; i < 4; i++)
    if (dbn_outbox_remove(outbox, keys[i]))
      return 16;
  if (dbn_outbox_put(outbox, "small", (const uint8_t *)"after", 5, NULL))
    return 17;
  dbn_outbox_close(&outbox);
  free(payload);
  return 0;
}

static void
test_map_that_cannot_grow(void **state)
{
  fixture_t *f = *state;
  if (fixture_running_under_asan())
    skip(); /* ASan's shadow memory does not fit in a small address space */
  int step = fixture_exit_code_in_child(fill_until_full, f->dir, "the outbox");
  if (step)
    fail_msg("the child failed at step %d (see fill_until_full)", step);

  /* Everything stored is there, in order, with the room the removals made. */
  dbn_outbox_t *outbox = open_outbox(f);
  dbn_outbox_entry_t entry;
  size_t count;
  assert_int_equal(dbn_outbox_peek(outbox, 0, &entry, 1, &count), 0);
  assert_int_equal(count, 1);
  assert_string_equal(entry.request_id, "big-4");
  dbn_outbox_entry_clear(&entry);
  uint64_t found;
  assert_int_equal(dbn_outbox_find(outbox, "small", &found), 0);
  dbn_outbox_close(&outbox);
}

/* A refusal leaves the pending entries and is kept, with the broker's code
 * and reason, in the same file: across a reopen, unseen until marked seen,
 * and its key is never handed out again. */
static void
test_refusal_kept_until_seen(void **state)
{
  fixture_t *f = *state;
  dbn_outbox_t *outbox = open_outbox(f);
  uint64_t k1, k2;
  put_text(outbox, "mine", "one", &k1);
  put_text(outbox, "theirs", "two", &k2);
  Duban__OutboxItem item = DUBAN__OUTBOX_ITEM__INIT;
  item.request_id = "theirs";
  item.kind = "claim";
  item.task = "p:2.1.1";
  item.refused = true;
  item.code = DUBAN__CODE__CODE_PERMISSION_DENIED;
  item.reason = "task 'p:2.1.1' is not one of unit LCJ's tasks";
  item.answered_at = 1751299200;
  assert_int_equal(dbn_outbox_refuse(outbox, k2, &item), 0);
  assert_int_equal(dbn_outbox_refuse(outbox, k2, &item), DBN_ENOTFOUND); /* no longer pending */
  size_t count;
  assert_int_equal(dbn_outbox_count(outbox, &count), 0);
  assert_int_equal(count, 1);
  uint64_t found;
  assert_int_equal(dbn_outbox_find(outbox, "theirs", &found), DBN_ENOTFOUND);
  dbn_outbox_close(&outbox);

  outbox = open_outbox(f);
  size_t unseen;
  assert_int_equal(dbn_outbox_refused_unseen(outbox, &unseen), 0);
  assert_int_equal(unseen, 1);
  Duban__OutboxItem **items;
  assert_int_equal(dbn_outbox_refused_list(outbox, &items, &count), 0);
  assert_int_equal(count, 1);
  assert_string_equal(items[0]->request_id, "theirs");
  assert_string_equal(items[0]->task, "p:2.1.1");
  assert_int_equal(items[0]->code, DUBAN__CODE__CODE_PERMISSION_DENIED);
  assert_string_equal(items[0]->reason, item.reason);
  assert_int_equal(items[0]->answered_at, 1751299200);
  assert_false(items[0]->seen);
  dbn_outbox_items_free(items, count);
  assert_int_equal(dbn_outbox_refused_mark_seen(outbox), 0);
  assert_int_equal(dbn_outbox_refused_unseen(outbox, &unseen), 0);
  assert_int_equal(unseen, 0);
  /* The last key was the refused one: a new entry still gets a new key. */
  dbn_outbox_entry_t entries[2];
  assert_int_equal(dbn_outbox_peek(outbox, 0, entries, 2, &count), 0);
  assert_int_equal(count, 1);
  assert_int_equal(dbn_outbox_mark_applied(outbox, entries[0].key), 0);
  dbn_outbox_entry_clear(&entries[0]);
  dbn_outbox_close(&outbox);
  outbox = open_outbox(f);
  uint64_t k3;
  put_text(outbox, "later", "three", &k3);
  assert_true(k3 > k2);
  assert_int_equal(dbn_outbox_refused_list(outbox, &items, &count), 0);
  assert_int_equal(count, 1);
  assert_true(items[0]->seen);
  dbn_outbox_items_free(items, count);
  dbn_outbox_close(&outbox);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_order_and_remove, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusal_kept_until_seen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_request_id_stored_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_persists_across_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_applied_leaves_at_once_and_is_deleted_on_close, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crash_resends_only_applied_not_yet_deleted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_one_commit_per_command, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_that_cannot_grow, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
