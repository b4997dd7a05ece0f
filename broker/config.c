/* config.c: see config.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "error.h"
#include "lang.h"
#include "store.h"
#include "version.h"
#include "wire.h"

static const char usage[] =
    "usage: duban-broker [--config FILE] [options]\n"
    "\n"
    "The duban broker: routes department requests, commits every event to the\n"
    "LMDB log before it answers, and streams events to coordinators.\n"
    "\n"
    "options (also `key = value` lines in the config file):\n"
    "  --endpoint ENDPOINT      bind address (default tcp://127.0.0.1:7700)\n"
    "  --data DIR               event log directory (default ./data)\n"
    "  --keys DIR               key directory from `duban keygen` (default ./keys)\n"
    "  --map-size MIB           initial LMDB map size; it grows when full (default 64)\n"
    "  --map-max MIB            never grow the map past this: at the cap writes are refused\n"
    "                           as unavailable and reads go on (default: no cap)\n"
    "  --virtual-clock DATE     run on a virtual clock from YYYY-MM-DD that an admin\n"
    "                           moves with `duban clock advance`\n"
    "  --yellow-days N          warn this many days before a due date (default 30)\n"
    "  --escalation-sla-hours N an escalation nobody acknowledges rises a level every N hours\n"
    "                           (default 48)\n"
    "  --escalation-levels L    the ladder it rises through, NAME[=WHOM],... up to 8 levels\n"
    "                           (default 蓝色督办单,橙色督办单,红色督办单; the last is the cap)\n"
    "  --batch-max N            most requests per group commit (default 4096)\n"
    "  --checkpoint-events N    sign a checkpoint of the log every N new events (default 100)\n"
    "  --checkpoint-seconds N   ... or every N seconds when events came (default 10); needs\n"
    "                           KEYS/broker.sign_secret from `duban keygen`\n"
    "  --memory-mib N           the broker's memory ceiling: past N MiB of its own memory\n"
    "                           (not the log's mapped pages) every connection is dropped and\n"
    "                           clients reconnect and retry (default 1024)\n"
    "  --no-group-commit        commit every request on its own (for comparison only)\n"
    "  --no-sync                do not fsync: NOT DURABLE, for benchmarks only\n"
    "  --no-pipeline            sync each commit's meta page at once (two syncs a batch; comparison only)\n"
    "  --etcd URLS              replicated mode: the etcd members, http://host:port,...; every\n"
    "                           batch is written to etcd before it is acknowledged, and one\n"
    "                           broker of those sharing the etcd is the leader (docs/replication.md)\n"
    "  --node NAME              replicated mode: this broker's name (required with --etcd)\n"
    "  --advertise ENDPOINT     replicated mode: the endpoint clients reach this broker at\n"
    "                           (default: --endpoint)\n"
    "  --lease-seconds N        replicated mode: the leader's lease; a dead leader is replaced\n"
    "                           within about this long (default 3)\n"
    "  --etcd-prefix P          replicated mode: the deployment's keys in etcd (default /duban/;\n"
    "                           brokers of one deployment share it, another deployment uses its own)\n"
    "  --etcd-window N          replicated mode: events etcd keeps behind the head; a follower\n"
    "                           further behind restores a snapshot first (default 100000)\n"
    "  --etcd-ca FILE           replicated mode over https://: the etcd members' CA\n"
    "  --etcd-cert FILE         ... this broker's client certificate, for members that ask for one\n"
    "  --etcd-key FILE          ... and its key\n"
    "  --snapshot-from DIR      replicated mode: a peer's backup (what duban admin backup writes), or\n"
    "                           the folder the backup timer fills; a follower beyond the window\n"
    "                           verifies the newest that continues its log, copies its events, and\n"
    "                           goes on from etcd\n"
    "  --allow-clock-behind     start even though the clock is behind the log's last event;\n"
    "                           events keep that event's time until the clock passes it\n"
    "  --allow-clock-change     start on the other kind of clock (virtual or real) than the log\n"
    "                           was created on, or behind its last event (as --allow-clock-behind);\n"
    "                           deadline warnings for the gap are then summarised\n"
    "  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "                           (a numeric address, e.g. 127.0.0.1:9477; default: none)\n"
    "  --crypto PROFILE         the crypto profile of a log it creates: ed25519-blake2b\n"
    "                           (default) or sm (国密: SM3 chain, SM2 signatures); recorded\n"
    "                           in the log's first event; a log made with another profile\n"
    "                           is refused (without --crypto: the log's own)\n"
    "  --version                the version, the wire protocol's and the log format's\n"
    "  --help                   this text\n";

int
dbn_broker_check_libzmq(int major, int minor, int patch, char *why, size_t why_len)
{
  /* libzmq before 4.3.3 has known CURVE vulnerabilities (CVE-2020-15166 and
   * earlier); the identity of every request rests on CURVE. Compare part by
   * part: a packed major*10000+minor*100+patch would call 4.2.100 newer. */
  if (major > 4 || (major == 4 && (minor > 3 || (minor == 3 && patch >= 3))))
    return 0;
  snprintf(why, why_len,
           dbn_tr("libzmq %d.%d.%d 早于 4.3.3（该版本修复了已知的 CURVE 缺陷），请升级",
                  "libzmq %d.%d.%d is older than 4.3.3, which fixes known CURVE flaws; upgrade it"),
           major, minor, patch);
  return DBN_EVERSION;
}

static bool
parse_bool(const char *value)
{
  return !value || strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
         strcmp(value, "on") == 0;
}

static int
parse_int(const char *value, long min, long max, long *out)
{
  char *end;
  long v = strtol(value ? value : "", &end, 10);
  if (!value || !*value || *end || v < min || v > max)
    return DBN_EINVAL;
  *out = v;
  return 0;
}

/* The settings that are bare flags on the command line (no value). */
static bool
is_flag(const char *key)
{
  return strcmp(key, "no-group-commit") == 0 || strcmp(key, "no-sync") == 0 ||
         strcmp(key, "no-pipeline") == 0 || strcmp(key, "allow-clock-behind") == 0 ||
         strcmp(key, "allow-clock-change") == 0;
}

/* Every setting apply_setting knows, flag or not: an unknown one is refused before its value is
 * looked at, so that `--bogus` is "unknown", not "needs a value". */
static bool
is_known(const char *key)
{
  static const char *const keys[] = {"endpoint",
                                     "data",
                                     "keys",
                                     "map-max",
                                     "map-size",
                                     "virtual-clock",
                                     "yellow-days",
                                     "escalation-sla-hours",
                                     "escalation-levels",
                                     "batch-max",
                                     "checkpoint-events",
                                     "checkpoint-seconds",
                                     "memory-mib",
                                     "no-group-commit",
                                     "no-sync",
                                     "no-pipeline",
                                     "allow-clock-behind",
                                     "allow-clock-change",
                                     "metrics",
                                     "crypto",
                                     "etcd",
                                     "node",
                                     "advertise",
                                     "lease-seconds",
                                     "etcd-prefix",
                                     "etcd-window",
                                     "etcd-ca",
                                     "etcd-cert",
                                     "etcd-key",
                                     "snapshot-from"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(key, keys[i]) == 0)
      return true;
  return false;
}

/* One setting of the replicated mode (docs/replication.md); DBN_EINVAL
 * for a bad value. */
static int
apply_replicated_setting(dbn_broker_config_t *config, const char *key, const char *value)
{
  long n;
  if (strcmp(key, "etcd") == 0)
    snprintf(config->etcd, sizeof config->etcd, "%s", value);
  else if (strcmp(key, "node") == 0) {
    if (!*value || strlen(value) >= sizeof config->node || strpbrk(value, " \t\n/"))
      return DBN_EINVAL;
    snprintf(config->node, sizeof config->node, "%s", value);
  } else if (strcmp(key, "advertise") == 0)
    snprintf(config->advertise, sizeof config->advertise, "%s", value);
  else if (strcmp(key, "etcd-ca") == 0)
    snprintf(config->etcd_ca, sizeof config->etcd_ca, "%s", value);
  else if (strcmp(key, "etcd-cert") == 0)
    snprintf(config->etcd_cert, sizeof config->etcd_cert, "%s", value);
  else if (strcmp(key, "etcd-key") == 0)
    snprintf(config->etcd_key, sizeof config->etcd_key, "%s", value);
  else if (strcmp(key, "snapshot-from") == 0) {
    if (!*value || strlen(value) >= sizeof config->snapshot_from)
      return DBN_EINVAL;
    snprintf(config->snapshot_from, sizeof config->snapshot_from, "%s", value);
  } else if (strcmp(key, "etcd-window") == 0) {
    if (parse_int(value, 1, 1L << 30, &n))
      return DBN_EINVAL;
    config->etcd_window = (uint64_t)n;
  } else if (strcmp(key, "etcd-prefix") == 0) {
    size_t len = strlen(value);
    if (len < 2 || len >= sizeof config->etcd_prefix || value[0] != '/' || value[len - 1] != '/')
      return DBN_EINVAL;
    snprintf(config->etcd_prefix, sizeof config->etcd_prefix, "%s", value);
  } else if (strcmp(key, "lease-seconds") == 0) {
    if (parse_int(value, 2, 600, &n))
      return DBN_EINVAL;
    config->lease_seconds = (int)n;
  } else {
    return DBN_EINVAL;
  }
  return 0;
}

/* One setting. value is NULL for a bare boolean flag. */
static int
apply_setting(dbn_broker_config_t *config, const char *key, const char *value, char *why, size_t why_len)
{
  long n;
  if (!is_known(key)) {
    snprintf(why, why_len, dbn_tr("未知设置 '%s'（见 --help）", "unknown setting '%s' (see --help)"), key);
    return DBN_EINVAL;
  }
  bool needs_value = !is_flag(key);
  if (needs_value && !value) {
    snprintf(why, why_len, dbn_tr("'%s' 需要一个值", "'%s' needs a value"), key);
    return DBN_EINVAL;
  }
  if (strcmp(key, "endpoint") == 0)
    snprintf(config->endpoint, sizeof config->endpoint, "%s", value);
  else if (strcmp(key, "data") == 0)
    snprintf(config->data_dir, sizeof config->data_dir, "%s", value);
  else if (strcmp(key, "keys") == 0)
    snprintf(config->keys_dir, sizeof config->keys_dir, "%s", value);
  else if (strcmp(key, "map-max") == 0) {
    if (parse_int(value, 1, 1L << 22, &n))
      goto bad;
    config->map_max = (size_t)n << 20;
  } else if (strcmp(key, "map-size") == 0) {
    if (parse_int(value, 1, 1L << 22, &n))
      goto bad;
    config->map_size = (size_t)n << 20;
  } else if (strcmp(key, "virtual-clock") == 0) {
    if (dbn_date_parse(value, &config->virtual_clock))
      goto bad;
  } else if (strcmp(key, "yellow-days") == 0) {
    if (parse_int(value, 0, 3650, &n))
      goto bad;
    config->yellow_days = (int)n;
  } else if (strcmp(key, "escalation-sla-hours") == 0) {
    if (parse_int(value, 1, 24 * 3650, &n))
      goto bad;
    config->escalation_sla_hours = (int)n;
  } else if (strcmp(key, "escalation-levels") == 0) {
    if (dbn_ladder_parse(&config->ladder, value, why, why_len))
      return DBN_EINVAL;
  } else if (strcmp(key, "batch-max") == 0) {
    if (parse_int(value, 1, 1 << 20, &n))
      goto bad;
    config->batch_max = (int)n;
  } else if (strcmp(key, "checkpoint-events") == 0) {
    if (parse_int(value, 1, 1 << 24, &n))
      goto bad;
    config->checkpoint_events = (int)n;
  } else if (strcmp(key, "checkpoint-seconds") == 0) {
    if (parse_int(value, 1, 86400, &n))
      goto bad;
    config->checkpoint_seconds = (int)n;
  } else if (strcmp(key, "crypto") == 0) {
    dbn_crypto_t crypto;
    if (dbn_crypto_parse(value, &crypto) || !*value)
      goto bad;
    snprintf(config->crypto, sizeof config->crypto, "%s", dbn_crypto_name(crypto));
  } else if (strcmp(key, "memory-mib") == 0) {
    if (parse_int(value, 16, 1 << 20, &n))
      goto bad;
    config->memory_mib = (int)n;
  } else if (strcmp(key, "no-group-commit") == 0)
    config->group_commit = !parse_bool(value);
  else if (strcmp(key, "no-sync") == 0)
    config->no_sync = parse_bool(value);
  else if (strcmp(key, "no-pipeline") == 0)
    config->no_pipeline = parse_bool(value);
  else if (strcmp(key, "allow-clock-behind") == 0)
    config->allow_clock_behind = parse_bool(value);
  else if (strcmp(key, "metrics") == 0)
    snprintf(config->metrics, sizeof config->metrics, "%s", value);
  else if (strcmp(key, "allow-clock-change") == 0)
    config->allow_clock_change = parse_bool(value);
  else if (strncmp(key, "etcd", 4) == 0 || strcmp(key, "node") == 0 || strcmp(key, "advertise") == 0 ||
           strcmp(key, "lease-seconds") == 0 || strcmp(key, "snapshot-from") == 0) {
    if (apply_replicated_setting(config, key, value))
      goto bad;
  } else {
    snprintf(why, why_len, dbn_tr("未知设置 '%s'（见 --help）", "unknown setting '%s' (see --help)"), key);
    return DBN_EINVAL;
  }
  return 0;
bad:
  snprintf(why, why_len,
           dbn_tr("'%2$s' 的值 '%1$s' 无效（见 --help）", "bad value '%s' for '%s' (see --help)"), value,
           key);
  return DBN_EINVAL;
}

static char *
trim(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  char *end = s + strlen(s);
  while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
    *--end = '\0';
  return s;
}

static int
load_file(dbn_broker_config_t *config, const char *path, char *why, size_t why_len)
{
  FILE *file = fopen(path, "r");
  if (!file) {
    snprintf(why, why_len, dbn_tr("无法打开配置文件 '%s'", "cannot open config file '%s'"), path);
    return DBN_EINVAL;
  }
  char line[2048];
  int number = 0, rc = 0;
  while (!rc && fgets(line, sizeof line, file)) {
    number++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char *text = trim(line);
    if (!*text)
      continue;
    char *eq = strchr(text, '=');
    if (!eq) {
      snprintf(why, why_len, dbn_tr("%s 第 %d 行：应为 `key = value`", "%s:%d: expected `key = value`"), path,
               number);
      rc = DBN_EINVAL;
      break;
    }
    *eq = '\0';
    char inner[512];
    if ((rc = apply_setting(config, trim(text), trim(eq + 1), inner, sizeof inner)))
      snprintf(why, why_len, "%s:%d: %s", path, number, inner);
  }
  fclose(file);
  return rc;
}

/* Replicated mode needs a name; clients are sent to the advertised
 * endpoint, which is the bound one unless said otherwise. A batch goes to
 * etcd in one request, which etcd caps at 1.5 MiB: batches are kept well
 * below that. */
static int
check_replicated(dbn_broker_config_t *config, char *why, size_t why_len)
{
  if (!*config->etcd) {
    if (*config->node || *config->advertise) {
      snprintf(why, why_len,
               "--node 和 --advertise 只用于副本模式，需同时给出 --etcd / --node and --advertise "
               "need --etcd (replicated mode)");
      return DBN_EINVAL;
    }
    return 0;
  }
  if (!*config->node) {
    snprintf(why, why_len,
             "副本模式（--etcd）需要用 --node 给出本节点名称 / replicated mode (--etcd) needs --node NAME");
    return DBN_EINVAL;
  }
  if (!*config->advertise)
    snprintf(config->advertise, sizeof config->advertise, "%s", config->endpoint);
  if (config->batch_max > 256)
    config->batch_max = 256;
  return 0;
}

int
dbn_broker_config_parse(dbn_broker_config_t *config, int argc, char **argv, char *why, size_t why_len)
{
  memset(config, 0, sizeof *config);
  snprintf(config->endpoint, sizeof config->endpoint, "tcp://127.0.0.1:7700");
  snprintf(config->data_dir, sizeof config->data_dir, "data");
  snprintf(config->keys_dir, sizeof config->keys_dir, "keys");
  config->map_size = (size_t)64 << 20;
  config->group_commit = true;
  config->batch_max = 4096;
  config->yellow_days = 30;
  config->escalation_sla_hours = 48;
  config->checkpoint_events = 100;
  config->checkpoint_seconds = 10;
  config->memory_mib = 1024;
  config->lease_seconds = 3;
  config->etcd_window = 100000;
  snprintf(config->etcd_prefix, sizeof config->etcd_prefix, "/duban/");
  dbn_ladder_default(&config->ladder);

  /* The file first, so that flags override it wherever they appear. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage, stdout);
      return 1;
    }
    if (strcmp(argv[i], "--version") == 0) {
      dbn_version_print("duban-broker", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION);
      return 1;
    }
    if (strcmp(argv[i], "--config") == 0) {
      if (i + 1 >= argc) {
        snprintf(why, why_len, "%s", dbn_tr("--config 需要一个文件", "--config needs a file"));
        return DBN_EINVAL;
      }
      int rc = load_file(config, argv[i + 1], why, why_len);
      if (rc)
        return rc;
    }
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0) {
      i++;
      continue;
    }
    if (strncmp(argv[i], "--", 2) != 0) {
      snprintf(why, why_len, dbn_tr("多余的参数 '%s'（见 --help）", "unexpected argument '%s' (see --help)"),
               argv[i]);
      return DBN_EINVAL;
    }
    const char *key = argv[i] + 2;
    if (!is_known(key)) {
      snprintf(why, why_len, dbn_tr("未知选项 '%s'（见 --help）", "unknown option '%s' (see --help)"),
               argv[i]);
      return DBN_EINVAL;
    }
    const char *value = NULL;
    if (!is_flag(key) && i + 1 < argc)
      value = argv[++i];
    int rc = apply_setting(config, key, value, why, why_len);
    if (rc)
      return rc;
  }
  if (!config->group_commit)
    config->batch_max = 1;
  return check_replicated(config, why, why_len);
}
