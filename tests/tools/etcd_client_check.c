/* etcd_client_check.c: broker/etcd.c against a real etcd, whose members'
 * client addresses DUBAN_ETCD names (tests/integration/test_etcd_client.sh
 * starts them with lib_etcd.sh): put and range, a transaction whose
 * compare fails and changes nothing, a prefix range, a lease that expires
 * and takes its key with it, a watch stream that brings changes in order,
 * and a member that cannot be reached (the next one answers; with none, a
 * clear error). DUBAN_ETCD_CA, _CERT and _KEY, when set, are the TLS
 * files for members served over https://. Each case writes under its own prefix, so a rerun against
 * the same etcd does not see an earlier run's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"
#include "monotonic.h"

static char prefix[64]; /* "check/<pid>-<time>/" */

static dbn_etcd_t *
connect_to(const char *endpoints)
{
  dbn_etcd_t *etcd = NULL;
  char why[512];
  assert_int_equal(dbn_etcd_new(&etcd, endpoints, 2000, why, sizeof why), 0);
  /* Members over https:// with client certificates (test_etcd_tls.sh). */
  assert_int_equal(
      dbn_etcd_set_tls(etcd, getenv("DUBAN_ETCD_CA"), getenv("DUBAN_ETCD_CERT"), getenv("DUBAN_ETCD_KEY")),
      0);
  return etcd;
}

static dbn_etcd_t *
connect_etcd(void)
{
  return connect_to(getenv("DUBAN_ETCD"));
}

/* The full key of name, in one of eight buffers used in turn, so that a
 * case can hold several keys at once. */
static const char *
key(const char *name)
{
  static char bufs[8][128];
  static int next;
  char *buf = bufs[next++ % 8];
  snprintf(buf, sizeof bufs[0], "%s%s", prefix, name);
  return buf;
}

static void
test_put_and_range(void **state)
{
  (void)state;
  dbn_etcd_t *etcd = connect_etcd();
  int64_t revision = 0;
  const char *k = key("a");
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "值一\0x", 9, 0, &revision), 0);
  assert_true(revision > 0);
  dbn_etcd_range_t range;
  assert_int_equal(dbn_etcd_range(etcd, k, strlen(k), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 1);
  assert_int_equal(range.kvs[0].value_len, 9); /* bytes, with the NUL inside */
  assert_memory_equal(range.kvs[0].value, "值一\0x", 9);
  assert_int_equal(range.kvs[0].mod_revision, revision);
  dbn_etcd_range_clear(&range);
  const char *absent = key("absent");
  assert_int_equal(dbn_etcd_range(etcd, absent, strlen(absent), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 0);
  dbn_etcd_range_clear(&range);
  dbn_etcd_destroy(&etcd);
}

static void
test_txn_compare_failure_changes_nothing(void **state)
{
  (void)state;
  dbn_etcd_t *etcd = connect_etcd();
  const char *k = key("head");
  int64_t revision = 0;
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "1", 1, 0, &revision), 0);
  const char *other = key("batch");
  dbn_etcd_compare_t stale = {k, strlen(k), DBN_ETCD_MOD_REVISION, revision - 1};
  dbn_etcd_put_op_t puts[] = {{k, strlen(k), "2", 1, 0}, {other, strlen(other), "b", 1, 0}};
  bool succeeded = true;
  assert_int_equal(dbn_etcd_txn(etcd, &stale, 1, puts, 2, &succeeded, NULL), 0);
  assert_false(succeeded);
  dbn_etcd_range_t range;
  assert_int_equal(dbn_etcd_range(etcd, k, strlen(k), NULL, 0, 0, &range), 0);
  assert_memory_equal(range.kvs[0].value, "1", 1);
  dbn_etcd_range_clear(&range);
  assert_int_equal(dbn_etcd_range(etcd, other, strlen(other), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 0);
  dbn_etcd_range_clear(&range);

  /* The right revision: both puts, at one new revision. */
  dbn_etcd_compare_t current = {k, strlen(k), DBN_ETCD_MOD_REVISION, revision};
  int64_t after = 0;
  assert_int_equal(dbn_etcd_txn(etcd, &current, 1, puts, 2, &succeeded, &after), 0);
  assert_true(succeeded);
  assert_true(after > revision);
  assert_int_equal(dbn_etcd_range(etcd, other, strlen(other), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 1);
  assert_int_equal(range.kvs[0].mod_revision, after);
  dbn_etcd_range_clear(&range);

  /* A key that must not exist yet (create_revision 0). */
  const char *fresh = key("fresh");
  dbn_etcd_compare_t absent = {fresh, strlen(fresh), DBN_ETCD_CREATE_REVISION, 0};
  dbn_etcd_put_op_t put_fresh = {fresh, strlen(fresh), "x", 1, 0};
  assert_int_equal(dbn_etcd_txn(etcd, &absent, 1, &put_fresh, 1, &succeeded, NULL), 0);
  assert_true(succeeded);
  assert_int_equal(dbn_etcd_txn(etcd, &absent, 1, &put_fresh, 1, &succeeded, NULL), 0);
  assert_false(succeeded);
  dbn_etcd_destroy(&etcd);
}

static void
test_prefix_range(void **state)
{
  (void)state;
  dbn_etcd_t *etcd = connect_etcd();
  const char *names[] = {"p/3", "p/1", "p/2", "q"};
  for (size_t i = 0; i < 4; i++) {
    const char *k = key(names[i]);
    assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), names[i], strlen(names[i]), 0, NULL), 0);
  }
  char start[128], end[128];
  snprintf(start, sizeof start, "%s", key("p/"));
  assert_true(dbn_etcd_prefix_end((const uint8_t *)start, strlen(start), (uint8_t *)end));
  dbn_etcd_range_t range;
  assert_int_equal(dbn_etcd_range(etcd, start, strlen(start), end, strlen(start), 0, &range), 0);
  assert_int_equal(range.count, 3);
  assert_memory_equal(range.kvs[0].value, "p/1", 3); /* in key order */
  assert_memory_equal(range.kvs[2].value, "p/3", 3);
  dbn_etcd_range_clear(&range);
  assert_int_equal(dbn_etcd_range(etcd, start, strlen(start), end, strlen(start), 2, &range), 0);
  assert_int_equal(range.count, 2);
  assert_true(range.more);
  dbn_etcd_range_clear(&range);
  dbn_etcd_destroy(&etcd);
}

static void
test_lease_expiry(void **state)
{
  (void)state;
  dbn_etcd_t *etcd = connect_etcd();
  int64_t lease = 0, ttl = 0;
  assert_int_equal(dbn_etcd_lease_grant(etcd, 2, &lease), 0);
  const char *k = key("leased");
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "v", 1, lease, NULL), 0);
  assert_int_equal(dbn_etcd_lease_keepalive(etcd, lease, &ttl), 0);
  assert_true(ttl >= 1 && ttl <= 2);
  dbn_etcd_range_t range;
  assert_int_equal(dbn_etcd_range(etcd, k, strlen(k), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 1);
  assert_int_equal(range.kvs[0].lease, lease);
  dbn_etcd_range_clear(&range);
  /* Unrenewed, the lease ends within its TTL (etcd checks about twice a
   * second); give it plenty on a loaded machine. */
  int64_t deadline = dbn_monotonic_ms() + 15000;
  size_t count = 1;
  while (count > 0 && dbn_monotonic_ms() < deadline) {
    usleep(200 * 1000);
    assert_int_equal(dbn_etcd_range(etcd, k, strlen(k), NULL, 0, 0, &range), 0);
    count = range.count;
    dbn_etcd_range_clear(&range);
  }
  assert_int_equal(count, 0);
  assert_int_equal(dbn_etcd_lease_keepalive(etcd, lease, &ttl), DBN_ENOTFOUND);
  assert_non_null(strstr(dbn_etcd_last_error(etcd), "租约"));

  /* Revoked: the key goes at once. */
  assert_int_equal(dbn_etcd_lease_grant(etcd, 30, &lease), 0);
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "w", 1, lease, NULL), 0);
  assert_int_equal(dbn_etcd_lease_revoke(etcd, lease), 0);
  assert_int_equal(dbn_etcd_range(etcd, k, strlen(k), NULL, 0, 0, &range), 0);
  assert_int_equal(range.count, 0);
  dbn_etcd_range_clear(&range);
  dbn_etcd_destroy(&etcd);
}

struct seen {
  char values[8][16];
  int64_t revisions[8];
  int count;
};

static int
on_change(void *arg, const dbn_etcd_kv_t *kv, bool deleted)
{
  struct seen *seen = arg;
  if (deleted || seen->count == 8)
    return 0;
  snprintf(seen->values[seen->count], sizeof seen->values[0], "%.*s", (int)kv->value_len, (char *)kv->value);
  seen->revisions[seen->count++] = kv->mod_revision;
  return 0;
}

static void
test_watch_stream(void **state)
{
  (void)state;
  dbn_etcd_t *etcd = connect_etcd();
  char start[128], end[128];
  snprintf(start, sizeof start, "%s", key("w/"));
  assert_true(dbn_etcd_prefix_end((const uint8_t *)start, strlen(start), (uint8_t *)end));
  /* One change before the watch: it is seen because the watch starts at
   * its revision. */
  const char *k0 = key("w/0");
  int64_t first = 0;
  assert_int_equal(dbn_etcd_put(etcd, k0, strlen(k0), "zero", 4, 0, &first), 0);
  dbn_etcd_watch_t *watch = NULL;
  assert_int_equal(dbn_etcd_watch_open(etcd, start, strlen(start), end, strlen(start), first, &watch), 0);
  /* Let the stream open, so that what follows comes live, not as history. */
  struct seen seen = {0};
  int64_t settle = dbn_monotonic_ms() + 1000;
  while (dbn_monotonic_ms() < settle)
    assert_int_equal(dbn_etcd_watch_poll(watch, 100, on_change, &seen), 0);
  assert_int_equal(seen.count, 1);
  const char *k1 = key("w/1"), *k2 = key("w/2"), *outside = key("x");
  assert_int_equal(dbn_etcd_put(etcd, outside, strlen(outside), "no", 2, 0, NULL), 0);
  assert_int_equal(dbn_etcd_put(etcd, k1, strlen(k1), "one", 3, 0, NULL), 0);
  assert_int_equal(dbn_etcd_put(etcd, k2, strlen(k2), "two", 3, 0, NULL), 0);
  int64_t deadline = dbn_monotonic_ms() + 10000;
  while (seen.count < 3 && dbn_monotonic_ms() < deadline)
    assert_int_equal(dbn_etcd_watch_poll(watch, 100, on_change, &seen), 0);
  assert_int_equal(seen.count, 3);
  assert_string_equal(seen.values[0], "zero");
  assert_string_equal(seen.values[1], "one");
  assert_string_equal(seen.values[2], "two");
  assert_true(seen.revisions[0] < seen.revisions[1] && seen.revisions[1] < seen.revisions[2]);
  assert_int_equal(dbn_etcd_watch_revision(watch), seen.revisions[2]);
  /* Nothing more comes: a poll returns without changes. */
  assert_int_equal(dbn_etcd_watch_poll(watch, 200, on_change, &seen), 0);
  assert_int_equal(seen.count, 3);
  dbn_etcd_watch_close(&watch);
  dbn_etcd_destroy(&etcd);
}

static void
test_unreachable_member(void **state)
{
  (void)state;
  /* Port 1 on loopback refuses at once: the call moves on to the real one. */
  char endpoints[1024];
  snprintf(endpoints, sizeof endpoints, "http://127.0.0.1:1,%s", getenv("DUBAN_ETCD"));
  dbn_etcd_t *etcd = connect_to(endpoints);
  const char *k = key("via-second");
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "v", 1, 0, NULL), 0);
  dbn_etcd_destroy(&etcd);

  etcd = connect_to("http://127.0.0.1:1");
  assert_int_equal(dbn_etcd_put(etcd, k, strlen(k), "v", 1, 0, NULL), DBN_EUNAVAIL);
  assert_non_null(strstr(dbn_etcd_last_error(etcd), "无法访问 etcd 成员 http://127.0.0.1:1"));
  dbn_etcd_destroy(&etcd);

  char why[512];
  assert_int_equal(dbn_etcd_new(&etcd, "127.0.0.1:2379", 0, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "etcd 地址列表无效"));
  assert_null(etcd);
}

int
main(void)
{
  if (!getenv("DUBAN_ETCD")) {
    fprintf(stderr, "etcd_client_check: set DUBAN_ETCD to the etcd members' client addresses\n");
    return 2;
  }
  snprintf(prefix, sizeof prefix, "check/%d-%lld/", (int)getpid(), (long long)time(NULL));
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_and_range), cmocka_unit_test(test_txn_compare_failure_changes_nothing),
      cmocka_unit_test(test_prefix_range),  cmocka_unit_test(test_lease_expiry),
      cmocka_unit_test(test_watch_stream),  cmocka_unit_test(test_unreachable_member),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
