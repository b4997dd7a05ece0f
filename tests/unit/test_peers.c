/* test_peers.c: the broker's table of connections (broker/peers.h): an
 * identity's share of a batch, cutting off the connections a revocation
 * finds open (and only those), and a table a reconnect storm cannot grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "peers.h"

static void
routing_of(int i, uint8_t routing[5])
{
  routing[0] = 0;
  routing[1] = (uint8_t)(i >> 24);
  routing[2] = (uint8_t)(i >> 16);
  routing[3] = (uint8_t)(i >> 8);
  routing[4] = (uint8_t)i;
}

static void
test_share_of_a_batch(void **state)
{
  (void)state;
  dbn_peers_t *peers;
  assert_int_equal(dbn_peers_new(&peers), 0);
  dbn_peers_batch_begin(peers);
  for (int i = 0; i < DBN_PEER_IN_FLIGHT_MAX; i++)
    assert_true(dbn_peers_admit(peers, "unit:LCJ", 100));
  assert_false(dbn_peers_admit(peers, "unit:LCJ", 100)); /* past its share */
  assert_true(dbn_peers_admit(peers, "unit:ZRJ", 100));  /* the others keep theirs */
  dbn_peers_batch_begin(peers);
  assert_true(dbn_peers_admit(peers, "unit:LCJ", 100)); /* a new batch, a new share */
  /* Bytes: one request always goes in, however large; the next past the
   * share does not. */
  dbn_peers_batch_begin(peers);
  assert_true(dbn_peers_admit(peers, "unit:LCJ", DBN_PEER_IN_FLIGHT_BYTES));
  assert_false(dbn_peers_admit(peers, "unit:LCJ", 1));
  dbn_peers_destroy(&peers);
  assert_null(peers);
}

static void
test_revocation_cuts_off_open_connections_only(void **state)
{
  (void)state;
  dbn_peers_t *peers;
  assert_int_equal(dbn_peers_new(&peers), 0);
  uint8_t a[5], b[5], c[5];
  routing_of(1, a);
  routing_of(2, b);
  routing_of(3, c);
  assert_false(dbn_peers_seen(peers, a, sizeof a, "unit:LCJ", 0));
  assert_false(dbn_peers_seen(peers, b, sizeof b, "unit:ZRJ", 0));
  assert_int_equal(dbn_peers_revoke(peers, "unit:LCJ"), 1);
  assert_true(dbn_peers_cut_off(peers, a, sizeof a));
  assert_true(dbn_peers_seen(peers, a, sizeof a, "unit:LCJ", 10)); /* and stays so */
  assert_false(dbn_peers_cut_off(peers, b, sizeof b));
  /* A connection made after the revocation is served. */
  assert_false(dbn_peers_seen(peers, c, sizeof c, "unit:LCJ", 20));
  /* The same routing id on another identity is another connection. */
  assert_false(dbn_peers_seen(peers, a, sizeof a, "unit:CZJ", 30));
  dbn_peers_destroy(&peers);
}

static void
test_reconnect_storm_cannot_grow_the_table(void **state)
{
  (void)state;
  dbn_peers_t *peers;
  assert_int_equal(dbn_peers_new(&peers), 0);
  uint8_t routing[5];
  int i = 0;
  for (; i < 20000; i++) {
    routing_of(i, routing);
    dbn_peers_seen(peers, routing, sizeof routing, "auditor:audit", 0);
  }
  size_t full = dbn_peers_count(peers);
  print_message("after 20,000 connections in one moment: %zu remembered\n", full);
  assert_true(full < 20000);
  /* Two seconds on, the idle ones make room for a new connection. */
  routing_of(i, routing);
  dbn_peers_seen(peers, routing, sizeof routing, "auditor:audit", 2000);
  assert_int_equal(dbn_peers_count(peers), 1);
  dbn_peers_destroy(&peers);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_share_of_a_batch),
      cmocka_unit_test(test_revocation_cuts_off_open_connections_only),
      cmocka_unit_test(test_reconnect_storm_cannot_grow_the_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
