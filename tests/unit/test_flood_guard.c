/* test_flood_guard.c: the broker's flood guard (broker/flood_guard.h) on
 * real loopback TCP connections in this process. A connection that
 * received far more than its complete messages is shut down (never
 * closed), but only once no message was read from it for a moment; one
 * whose bytes were complete messages is kept; memory pressure, or a queue
 * just found empty, lowers the bar and waits for nothing; sockets on other
 * ports are left alone; a descriptor number reused by a new connection
 * starts from nothing. The "messages" here are what the test says they
 * are: it tells the guard, as the broker does after reading one from
 * libzmq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flood_guard.h"

#define MIB (1024 * 1024)

/* A loopback listener; its endpoint as ZMQ_LAST_ENDPOINT writes it. */
static int
listen_on_loopback(char *endpoint, size_t len)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
  assert_int_equal(listen(fd, 8), 0);
  socklen_t addr_len = sizeof addr;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
  snprintf(endpoint, len, "tcp://127.0.0.1:%u", ntohs(addr.sin_port));
  return fd;
}

/* A connection to listener: the client's end in *client, the accepted end
 * (the broker's, libzmq's in real life) returned. */
static int
connect_to(int listener, int *client)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  assert_int_equal(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
  *client = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(connect(*client, (struct sockaddr *)&addr, sizeof addr), 0);
  int accepted = accept(listener, NULL, NULL);
  assert_true(accepted >= 0);
  return accepted;
}

/* The client sends bytes and the accepted end reads them all, as libzmq
 * reads every frame into memory whether or not the message ends. */
static void
transfer(int client, int accepted, size_t bytes)
{
  static char chunk[64 * 1024];
  while (bytes > 0) {
    size_t n = bytes < sizeof chunk ? bytes : sizeof chunk;
    assert_int_equal(send(client, chunk, n, MSG_NOSIGNAL), (ssize_t)n);
    for (size_t got = 0; got < n;) {
      ssize_t r = recv(accepted, chunk, n - got, 0);
      assert_true(r > 0);
      got += (size_t)r;
    }
    bytes -= n;
  }
}

/* Whether the guard shut the accepted end down: its reads see the end, its
 * client sees the end too, and the descriptor is still open (libzmq's to
 * close). */
static bool
was_shut_down(int client, int accepted)
{
  char byte;
  bool ended = recv(accepted, &byte, 1, MSG_DONTWAIT) == 0 && recv(client, &byte, 1, 0) == 0;
  assert_int_not_equal(fcntl(accepted, F_GETFD), -1);
  return ended;
}

static void
test_unfinished_message_is_shut_down_alone(void **state)
{
  (void)state;
  char endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip(); /* a kernel before Linux 4.1 */
  int flooder_client, writer_client;
  int flooder = connect_to(listener, &flooder_client);
  int writer = connect_to(listener, &writer_client);
  /* The writer sends more, but every 4 MiB is a complete message. */
  for (int i = 0; i < 20; i++) {
    transfer(writer_client, writer, 4 * MIB);
    dbn_flood_guard_message(guard, writer, "unit:ZRJ", 0);
  }
  transfer(flooder_client, flooder, DBN_FLOOD_UNFINISHED_MAX - MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 0), 0);
  transfer(flooder_client, flooder, 2 * MIB);
  /* Over the bar, but first seen only now: the quiet time runs first. */
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, DBN_FLOOD_QUIET_MS - 1), 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, DBN_FLOOD_QUIET_MS), 1);
  assert_true(was_shut_down(flooder_client, flooder));
  assert_int_equal(dbn_flood_guard_dropped(guard), 1);
  /* Under pressure too, the writer keeps its connection. */
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 10 * DBN_FLOOD_QUIET_MS), 0);
  transfer(writer_client, writer, 1024);
  int fds[] = {flooder, flooder_client, writer, writer_client, listener};
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    close(fds[i]);
  dbn_flood_guard_destroy(&guard);
  assert_null(guard);
}

static void
test_pressure_lowers_the_bar(void **state)
{
  (void)state;
  char endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip();
  int client;
  int accepted = connect_to(listener, &client);
  transfer(client, accepted, DBN_FLOOD_PRESSED_MAX + MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 10 * DBN_FLOOD_QUIET_MS), 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 0), 1); /* no quiet time under pressure */
  assert_true(was_shut_down(client, accepted));
  close(accepted);
  close(client);
  close(listener);
  dbn_flood_guard_destroy(&guard);
}

static void
test_other_ports_are_left_alone(void **state)
{
  (void)state;
  char endpoint[64], other_endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  int other = listen_on_loopback(other_endpoint, sizeof other_endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip();
  int client;
  int accepted = connect_to(other, &client);
  transfer(client, accepted, DBN_FLOOD_UNFINISHED_MAX + MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 0), 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 10 * DBN_FLOOD_QUIET_MS), 0);
  transfer(client, accepted, 1024); /* still open */
  close(accepted);
  close(client);
  close(other);
  close(listener);
  dbn_flood_guard_destroy(&guard);
}

/* What a complete message of a closed connection recorded does not
 * shelter the next connection libzmq accepts under the same number. */
static void
test_reused_descriptor_starts_afresh(void **state)
{
  (void)state;
  char endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip();
  int first_client;
  int first = connect_to(listener, &first_client);
  transfer(first_client, first, DBN_FLOOD_PRESSED_MAX + MIB);
  dbn_flood_guard_message(guard, first, "unit:LCJ", 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 0), 0);
  close(first);
  close(first_client);
  int client;
  int accepted = connect_to(listener, &client);
  if (accepted != first)
    skip(); /* the number was not reused: nothing to show */
  transfer(client, accepted, DBN_FLOOD_PRESSED_MAX + MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 0), 1);
  assert_true(was_shut_down(client, accepted));
  close(accepted);
  close(client);
  close(listener);
  dbn_flood_guard_destroy(&guard);
}

/* Complete messages waiting in libzmq's queue look like an unfinished
 * message to the kernel's count: a connection the broker read a message
 * from a moment ago is not dropped over the bar until it has been quiet. */
static void
test_recently_read_connection_waits_for_quiet(void **state)
{
  (void)state;
  char endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip();
  int client;
  int accepted = connect_to(listener, &client);
  dbn_flood_guard_message(guard, accepted, "unit:LCJ", 1000);
  transfer(client, accepted, DBN_FLOOD_UNFINISHED_MAX + MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 1000 + DBN_FLOOD_QUIET_MS - 1), 0);
  dbn_flood_guard_message(guard, accepted, "unit:LCJ", 1000 + DBN_FLOOD_QUIET_MS); /* read: held is 0 again */
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 1000 + DBN_FLOOD_QUIET_MS), 0);
  transfer(client, accepted, DBN_FLOOD_UNFINISHED_MAX + MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 1000 + 2 * DBN_FLOOD_QUIET_MS - 1), 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 1000 + 2 * DBN_FLOOD_QUIET_MS), 1);
  assert_true(was_shut_down(client, accepted));
  close(accepted);
  close(client);
  close(listener);
  dbn_flood_guard_destroy(&guard);
}

/* Right after the broker found libzmq's queue empty the bar is 12 MiB with
 * no quiet time, and those looks are spaced (10 ms at least). */
static void
test_drained_queue_lowers_the_bar(void **state)
{
  (void)state;
  char endpoint[64];
  int listener = listen_on_loopback(endpoint, sizeof endpoint);
  dbn_flood_guard_t *guard;
  assert_int_equal(dbn_flood_guard_new(&guard, endpoint), 0);
  if (!dbn_flood_guard_on(guard))
    skip();
  int client;
  int accepted = connect_to(listener, &client);
  transfer(client, accepted, DBN_FLOOD_DRAINED_MAX - MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_DRAINED, 1000), 0);
  transfer(client, accepted, 2 * MIB);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_QUIET, 1001), 0);
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_DRAINED, 1001), 0); /* too soon after the last */
  assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_DRAINED, 1010), 1);
  assert_true(was_shut_down(client, accepted));
  close(accepted);
  close(client);
  close(listener);
  dbn_flood_guard_destroy(&guard);
}

static void
test_off_without_tcp(void **state)
{
  (void)state;
  const char *endpoints[] = {"ipc:///tmp/duban.sock", "tcp://127.0.0.1:", "tcp://127.0.0.1:99999", "", NULL};
  for (size_t i = 0; i < sizeof endpoints / sizeof *endpoints; i++) {
    dbn_flood_guard_t *guard;
    assert_int_equal(dbn_flood_guard_new(&guard, endpoints[i]), 0);
    assert_false(dbn_flood_guard_on(guard));
    dbn_flood_guard_message(guard, 0, "unit:LCJ", 0);
    assert_int_equal(dbn_flood_guard_check(guard, DBN_FLOOD_PRESSED, 0), 0);
    dbn_flood_guard_destroy(&guard);
  }
  dbn_flood_guard_destroy(NULL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unfinished_message_is_shut_down_alone),
      cmocka_unit_test(test_pressure_lowers_the_bar),
      cmocka_unit_test(test_other_ports_are_left_alone),
      cmocka_unit_test(test_reused_descriptor_starts_afresh),
      cmocka_unit_test(test_recently_read_connection_waits_for_quiet),
      cmocka_unit_test(test_drained_queue_lowers_the_bar),
      cmocka_unit_test(test_off_without_tcp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
