/* test_pipeline.c: the broker's held replies (broker/pipeline.h) over a real
 * ROUTER and DEALER and a real log in a temporary folder.
 *
 * The rule under test: no reply leaves while the store holds a commit that
 * is not yet durable. A reply made then waits for the next commit (whose
 * sync covers it) or for the explicit sync the settle makes when nothing
 * will carry it; replies leave in the order they were made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "event_stream.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "peers.h"
#include "pipeline.h"
#include "store.h"
#include "wire.h"

struct fixture {
  char dir[256];
  dbn_store_t *store;
  dbn_peers_t *peers;
  dbn_pipeline_t *pipeline;
  void *ctx, *router, *dealer;
  uint8_t routing[64]; /* the dealer's routing id as the router sees it */
  size_t routing_len;
};

static fixture_plan_t plan;

static int
setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  dbn_store_options_t options = {.pipelined_sync = true};
  f->store = fixture_temp_store(f->dir, sizeof f->dir, "pipeline", &options);
  f->ctx = zmq_ctx_new();
  f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
  f->dealer = zmq_socket(f->ctx, ZMQ_DEALER);
  int one = 1;
  assert_int_equal(zmq_setsockopt(f->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one), 0);
  assert_int_equal(zmq_bind(f->router, "inproc://pipeline"), 0);
  assert_int_equal(zmq_connect(f->dealer, "inproc://pipeline"), 0);
  assert_int_equal(zmq_send(f->dealer, "hello", 5, 0), 5);
  int n = zmq_recv(f->router, f->routing, sizeof f->routing, 0);
  assert_true(n > 0 && (size_t)n <= sizeof f->routing);
  f->routing_len = (size_t)n;
  char hello[8];
  assert_int_equal(zmq_recv(f->router, hello, sizeof hello, 0), 5);
  assert_int_equal(dbn_peers_new(&f->peers), 0);
  assert_int_equal(dbn_pipeline_new(&f->pipeline, f->store, f->peers, f->router), 0);
  *state = f;
  return 0;
}

static int
teardown(void **state)
{
  struct fixture *f = *state;
  dbn_pipeline_destroy(&f->pipeline);
  dbn_peers_destroy(&f->peers);
  zmq_close(f->dealer);
  zmq_close(f->router);
  zmq_ctx_term(f->ctx);
  dbn_store_destroy(&f->store);
  fixture_remove_dir(f->dir);
  free(f);
  return 0;
}

static void
send_reply(struct fixture *f, const char *text)
{
  size_t len = strlen(text);
  uint8_t *buf = malloc(len);
  memcpy(buf, text, len);
  dbn_pipeline_send(f->pipeline, f->routing, f->routing_len, buf, len);
}

/* The dealer has text waiting (true), or nothing at all (text NULL). */
static void
expect_received(struct fixture *f, const char *text)
{
  char got[64];
  int n = zmq_recv(f->dealer, got, sizeof got - 1, ZMQ_DONTWAIT);
  if (!text) {
    assert_int_equal(n, -1);
    return;
  }
  assert_true(n >= 0);
  got[n] = '\0';
  assert_string_equal(got, text);
}

static void
commit_one(struct fixture *f, int k)
{
  if (k == 1)
    fixture_append_plan_loaded(f->store, &plan.load, 1695000000, "r-plan");
  else
    fixture_append_claimed(f->store, "t:1.1.1", "unit:LCJ", 1695000100, "r-claim");
  dbn_pipeline_committed(f->pipeline);
}

static void
test_nothing_pending_goes_at_once(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(dbn_pipeline_wait_ms(f->pipeline), -1);
  send_reply(f, "a");
  expect_received(f, "a");
  assert_int_equal(dbn_pipeline_held(f->pipeline), 0);
}

static void
test_next_commit_releases_the_one_before(void **state)
{
  struct fixture *f = *state;
  commit_one(f, 1); /* seq 1, its meta page not yet durable */
  send_reply(f, "after 1");
  expect_received(f, NULL);
  assert_int_equal(dbn_pipeline_held(f->pipeline), 1);
  assert_true(dbn_pipeline_wait_ms(f->pipeline) >= 0);
  /* A next batch is waiting and none came yet: its commit will carry it. */
  assert_int_equal(dbn_pipeline_settle(f->pipeline, true), 0);
  expect_received(f, NULL);

  dbn_pipeline_received(f->pipeline, 1);
  commit_one(f, 2); /* its one sync makes seq 1 durable */
  expect_received(f, "after 1");
  send_reply(f, "after 2");
  expect_received(f, NULL);
  assert_int_equal(dbn_store_durable_seq(f->store), 1);

  /* Nothing waiting. The client answered a moment ago may send again, so
   * the settle may wait once (the loop polls about a millisecond), and then
   * syncs; on a slow machine the moment has passed and it syncs at once. */
  int settled = dbn_pipeline_settle(f->pipeline, false);
  if (settled == 0) {
    expect_received(f, NULL);
    settled = dbn_pipeline_settle(f->pipeline, false);
  }
  assert_int_equal(settled, 1);
  expect_received(f, "after 2");
  assert_int_equal(dbn_store_durable_seq(f->store), 2);
  assert_false(dbn_store_sync_pending(f->store));
  assert_int_equal(dbn_pipeline_held(f->pipeline), 0);
}

/* A batch read after the commit that commits nothing (a read) does not
 * carry the sync: the settle makes it, even with more requests waiting. */
static void
test_a_batch_without_commit_does_not_carry(void **state)
{
  struct fixture *f = *state;
  commit_one(f, 1);
  send_reply(f, "write");
  dbn_pipeline_received(f->pipeline, 1);
  send_reply(f, "read");
  expect_received(f, NULL);
  assert_int_equal(dbn_pipeline_settle(f->pipeline, true), 1);
  expect_received(f, "write");
  expect_received(f, "read");
}

/* The seq of the last event in the delivery the dealer has waiting, or 0
 * when none is waiting. */
static uint64_t
delivered_through(struct fixture *f)
{
  uint8_t buf[65536];
  int n = zmq_recv(f->dealer, buf, sizeof buf, ZMQ_DONTWAIT);
  if (n < 0)
    return 0;
  assert_true((size_t)n <= sizeof buf);
  Duban__Reply *reply = NULL; /* a delivery decodes as one Reply carrying the events */
  assert_int_equal(dbn_wire_reply_unpack(buf, (size_t)n, &reply), 0);
  uint64_t last = reply->n_events ? reply->events[reply->n_events - 1]->seq : 0;
  assert_true(reply->head_seq >= last);
  dbn_wire_reply_free(&reply);
  return last;
}

/* A watcher is shown an event only once it is durable, as no client is
 * answered before: the stream stops at the durable seq. */
static void
test_watchers_see_only_what_is_durable(void **state)
{
  struct fixture *f = *state;
  dbn_event_stream_t *stream = NULL;
  assert_int_equal(dbn_event_stream_new(&stream, f->router), 0);
  assert_int_equal(dbn_event_stream_watch(stream, f->routing, f->routing_len, "w-1", 0, 0), 0);
  commit_one(f, 1);
  dbn_event_stream_pump(stream, f->store, NULL, 0);
  assert_int_equal(delivered_through(f), 0);
  commit_one(f, 2); /* seq 1 is durable now, seq 2 not yet */
  dbn_event_stream_pump(stream, f->store, NULL, 0);
  assert_int_equal(delivered_through(f), 1);
  dbn_event_stream_pump(stream, f->store, NULL, 0);
  assert_int_equal(delivered_through(f), 0);
  assert_int_equal(dbn_store_sync(f->store), 0);
  dbn_event_stream_pump(stream, f->store, NULL, 0);
  assert_int_equal(delivered_through(f), 2);
  dbn_event_stream_destroy(&stream);
}

int
main(void)
{
  fixture_plan_init(&plan, "t", "测试方案", "筑牢生态安全屏障", "推进重点生态工程建设", "LCJ", "ZRJ");
  fixture_plan_add_unit(&plan, "LCJ", "市林业和草原局");
  fixture_plan_add_action(&plan, "申请资金和任务", "LCJ");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_nothing_pending_goes_at_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_next_commit_releases_the_one_before, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_batch_without_commit_does_not_carry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_watchers_see_only_what_is_durable, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
