/* test_replication_config.c: the pieces of the replicated mode that need
 * no etcd: the leader hint a follower's refusal carries and the client
 * reads back (domain/leader_hint.h), and the broker's replicated-mode
 * settings (--etcd needs --node; --node alone is refused; --advertise
 * defaults to the endpoint; a batch is capped for etcd's request limit;
 * --etcd-prefix must be a /folder/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "leader_hint.h"

static void
test_hint_round_trip(void **state)
{
  (void)state;
  char token[DBN_LEADER_HINT_MAX + 8], message[1024], out[DBN_LEADER_HINT_MAX];
  dbn_leader_hint_format("tcp://10.0.0.2:7700", token, sizeof token);
  assert_string_equal(token, "leader=tcp://10.0.0.2:7700");
  /* Inside a Chinese sentence, followed by a full-width bracket. */
  snprintf(message, sizeof message, "本节点是从节点；主节点是 b1（%s） / the leader is %s", token, token);
  assert_true(dbn_leader_hint_parse(message, out, sizeof out));
  assert_string_equal(out, "tcp://10.0.0.2:7700");
  snprintf(message, sizeof message, "%s; retry", token);
  assert_true(dbn_leader_hint_parse(message, out, sizeof out));
  assert_string_equal(out, "tcp://10.0.0.2:7700");
}

static void
test_hint_absent_or_bad(void **state)
{
  (void)state;
  char out[DBN_LEADER_HINT_MAX];
  assert_false(dbn_leader_hint_parse("当前没有可用的主节点 / no leader right now", out, sizeof out));
  assert_false(dbn_leader_hint_parse("leader= nothing", out, sizeof out));
  assert_false(dbn_leader_hint_parse(NULL, out, sizeof out));
  char small[8];
  assert_false(dbn_leader_hint_parse("leader=tcp://10.0.0.2:7700", small, sizeof small));
}

static int
parse(dbn_broker_config_t *config, char *why, size_t why_len, const char *a, const char *b, const char *c,
      const char *d)
{
  char *argv[] = {"duban-broker", (char *)a, (char *)b, (char *)c, (char *)d, NULL};
  int argc = 1;
  while (argc < 5 && argv[argc])
    argc++;
  return dbn_broker_config_parse(config, argc, argv, why, why_len);
}

static void
test_config(void **state)
{
  (void)state;
  dbn_broker_config_t config;
  char why[512];
  assert_int_equal(parse(&config, why, sizeof why, NULL, NULL, NULL, NULL), 0);
  assert_string_equal(config.etcd, ""); /* single node by default */
  assert_int_equal(config.batch_max, 4096);

  assert_int_equal(parse(&config, why, sizeof why, "--etcd", "http://127.0.0.1:2379", NULL, NULL),
                   DBN_EINVAL);
  assert_non_null(strstr(why, "--node"));
  assert_int_equal(parse(&config, why, sizeof why, "--node", "b1", NULL, NULL), DBN_EINVAL);
  assert_non_null(strstr(why, "--etcd"));

  assert_int_equal(parse(&config, why, sizeof why, "--etcd", "http://127.0.0.1:2379", "--node", "b1"), 0);
  assert_string_equal(config.advertise, config.endpoint);
  assert_string_equal(config.etcd_prefix, "/duban/");
  assert_int_equal(config.lease_seconds, 3);
  assert_true(config.batch_max <= 256);
  assert_string_equal(config.snapshot_from, ""); /* an operator restores a snapshot by hand */

  assert_int_equal(parse(&config, why, sizeof why, "--node", "b 1", "--etcd", "http://x:1"), DBN_EINVAL);
  assert_int_equal(parse(&config, why, sizeof why, "--etcd-prefix", "duban", NULL, NULL), DBN_EINVAL);
  assert_int_equal(parse(&config, why, sizeof why, "--lease-seconds", "1", NULL, NULL), DBN_EINVAL);
  assert_int_equal(parse(&config, why, sizeof why, "--snapshot-from", "", NULL, NULL), DBN_EINVAL);
  assert_int_equal(parse(&config, why, sizeof why, "--snapshot-from", "/var/lib/duban/backups", NULL, NULL),
                   0);
  assert_string_equal(config.snapshot_from, "/var/lib/duban/backups");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hint_round_trip),
      cmocka_unit_test(test_hint_absent_or_bad),
      cmocka_unit_test(test_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
