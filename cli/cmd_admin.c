/* cmd_admin.c: `duban clock advance`, `duban ping` and `duban admin backup`.
 *
 * Time is injected (DESIGN invariant 5): a broker started with a virtual
 * clock lets an admin move it forward, so that a plan running to 2025 plays
 * out in seconds and the deadline monitor's warnings can be seen and
 * tested. `ping` is the first thing to try with a new key: it says who the
 * broker thinks you are, its clock and its head. `admin backup` copies a
 * running broker's log, hot and compacted, and checks the copy before it
 * says it is good. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang.h"
#include "backup.h"
#include "cli.h"
#include "date.h"
#include "store.h"

static const char clock_usage[] =
    "usage: duban clock advance SECONDS [--json]\n"
    "       duban clock advance --days N [--json]\n"
    "\n"
    "Move the clock of a broker started with a virtual clock forward (admin\n"
    "only; a broker on the real clock refuses). The deadline monitor then runs\n"
    "at the new time.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

static int
days_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)opt; /* --days is the only option of its own */
  if (dbn_cli_parse_int(arg, 1, 100 * 366, ctx) != 0)
    return dbn_cli_usage_error(
        cli, dbn_tr("--days 要 1..36600，而不是 '%s'", "--days wants 1..36600, not '%s'"), arg);
  return DBN_CLI_EXIT_OK;
}

static int
cmd_advance(int argc, char **argv)
{
  static const struct option options[] = {
      {"days", required_argument, NULL, DBN_CLI_OPT_FIRST_FREE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "clock advance", clock_usage);
  int days = -1;
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, days_option, &days, 0, -1, &done);
  if (done)
    return rc;
  /* SECONDS or --days, not both: the count is known only now. */
  rc = dbn_cli_finish_options(&cli, argc - optind, days > 0 ? 0 : 1, days > 0 ? 0 : 1, &done);
  if (rc)
    return rc;
  uint64_t seconds;
  if (days > 0) {
    seconds = (uint64_t)days * DBN_DAY_SECONDS;
  } else if (dbn_cli_parse_u64(argv[optind], &seconds) != 0 || seconds == 0 ||
             seconds > (uint64_t)100 * 366 * DBN_DAY_SECONDS) {
    return dbn_cli_usage_error(
        &cli,
        dbn_tr("SECONDS 要一个正的秒数（至多 100 年），而不是 '%s'",
               "SECONDS wants a positive number of seconds (at most 100 years), not '%s'"),
        argv[optind]);
  }
  Duban__AdvanceClock advance = DUBAN__ADVANCE_CLOCK__INIT;
  advance.seconds = (int64_t)seconds;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_ADVANCE_CLOCK;
  req.advance_clock = &advance;
  return dbn_cli_write_and_close(&cli, &req,
                                 dbn_tr("时钟已前移 %llu 秒（%.1f 天）", "clock advanced %llu s (%.1f days)"),
                                 (unsigned long long)seconds, (double)seconds / DBN_DAY_SECONDS);
}

int
dbn_cmd_clock(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"advance", cmd_advance}};
  return dbn_cli_run_word("clock", clock_usage, words, sizeof words / sizeof words[0], argc, argv);
}

static const char ping_usage[] = "usage: duban ping [--json]\n"
                                 "\n"
                                 "Ask the broker (or the agent, which answers for it) who you are, what\n"
                                 "time its clock says and the last committed sequence number.\n"
                                 "\n" DBN_CLI_CONNECTION_HELP;

static int
show_ping(dbn_cli_t *cli, const Duban__Reply *reply, void *ctx)
{
  (void)ctx;
  char now[32];
  dbn_cli_format_time(reply->now, now);
  if (!cli->json) {
    /* The plan's zone, as every time a person reads. */
    printf(dbn_tr("身份：    %s\n时钟：    %s\n最新事件：%llu\n",
                  "identity: %s\nclock:    %s\nhead:     %llu\n"),
           reply->identity, now, (unsigned long long)reply->head_seq);
    return DBN_CLI_EXIT_OK;
  }
  cJSON *json = cJSON_CreateObject();
  if (json) {
    cJSON_AddStringToObject(json, "identity", reply->identity);
    dbn_cli_format_time_iso(reply->now, now);
    cJSON_AddStringToObject(json, "now", now);
    cJSON_AddNumberToObject(json, "now_unix", (double)reply->now);
    cJSON_AddNumberToObject(json, "head_seq", (double)reply->head_seq);
    cJSON_AddBoolToObject(json, "queued", reply->queued);
  }
  return dbn_cli_print_json(stdout, json);
}

int
dbn_cmd_ping(int argc, char **argv)
{
  dbn_cli_t cli;
  dbn_cli_init(&cli, "ping", ping_usage);
  bool done;
  int rc = dbn_cli_parse_common(&cli, argc, argv, 0, 0, &done);
  if (done)
    return rc;
  Duban__Ping ping = DUBAN__PING__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PING;
  req.ping = &ping;
  return dbn_cli_show_reply(&cli, &req, show_ping, NULL);
}

static const char backup_usage[] =
    "usage: duban admin backup --data DIR --to DEST [--json]\n"
    "\n"
    "A hot backup of the event log in DIR (the broker may keep running and\n"
    "writing): a consistent copy of one commit, compacted, written to\n"
    "DEST/data.mdb (DEST is created; an existing copy is never overwritten).\n"
    "The copy's hash chain and views are then verified, and its head sequence\n"
    "number and hash printed. Run it as the broker's user (duban).\n"
    "\n"
    "To restore: stop the broker, put DEST/data.mdb in place of DIR/data.mdb\n"
    "(and remove DIR/lock.mdb), start it. See docs/deploy.md.\n"
    "\n"
    "Exit status: 0 the copy verifies, 1 it failed or does not verify, 2 usage.\n";

enum { OPT_DATA = DBN_CLI_OPT_FIRST_FREE, OPT_TO };

typedef struct {
  const char *data, *to;
} backup_args_t;

static int
backup_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  (void)cli;
  backup_args_t *args = ctx;
  if (opt == OPT_DATA)
    args->data = arg;
  else
    args->to = arg;
  return DBN_CLI_EXIT_OK;
}

static long long
file_size(const char *dir)
{
  char path[4200];
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int
cmd_backup(int argc, char **argv)
{
  static const struct option options[] = {
      {"data", required_argument, NULL, OPT_DATA},
      {"to", required_argument, NULL, OPT_TO},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "admin backup", backup_usage);
  backup_args_t args = {0};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, backup_option, &args, 0, 0, &done);
  if (done)
    return rc;
  if (!args.data || !args.to)
    return dbn_cli_usage_error(&cli, "%s", "需要 --data 日志目录 和 --to 备份目录");

  char why[1024] = "";
  int err = dbn_store_backup(args.data, args.to, why, sizeof why);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "备份失败：%s", why);

  dbn_verify_report_t report;
  memset(&report, 0, sizeof report);
  err = dbn_store_verify(args.to, NULL, &report);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "备份 %s 未通过校验（序号 %llu）：%s%s",
                        args.to, (unsigned long long)report.first_bad_seq, dbn_strerror(err), report.problem);
  dbn_store_t *copy = NULL;
  dbn_store_options_t read_only = {.read_only = true};
  uint64_t head_seq = 0;
  uint8_t hash[DBN_HASH_BYTES] = {0};
  err = dbn_store_open(&copy, args.to, &read_only);
  if (!err)
    err = dbn_store_head(copy, &head_seq, hash);
  dbn_store_destroy(&copy);
  if (err)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), "无法读取备份 %s 的最新事件：%s",
                        args.to, dbn_strerror(err));
  char hex[2 * DBN_HASH_BYTES + 1];
  for (size_t i = 0; i < DBN_HASH_BYTES; i++)
    snprintf(hex + 2 * i, 3, "%02x", hash[i]);
  long long bytes = file_size(args.to), original = file_size(args.data);
  if (cli.json) {
    cJSON *json = cJSON_CreateObject();
    if (json) {
      cJSON_AddBoolToObject(json, "ok", true);
      cJSON_AddStringToObject(json, "to", args.to);
      cJSON_AddNumberToObject(json, "events", (double)report.events);
      cJSON_AddNumberToObject(json, "head_seq", (double)head_seq);
      cJSON_AddStringToObject(json, "head_hash", hex);
      cJSON_AddNumberToObject(json, "bytes", (double)bytes);
      cJSON_AddNumberToObject(json, "source_bytes", (double)original);
      cJSON_AddStringToObject(json, "note", report.note);
    }
    return dbn_cli_print_json(stdout, json) ? DBN_CLI_EXIT_FAIL : DBN_CLI_EXIT_OK;
  }
  printf("备份完成：%s/data.mdb（%.1f KiB，原日志文件 %.1f KiB）\n", args.to, (double)bytes / 1024,
         (double)original / 1024);
  printf("校验通过：哈希链%s，共 %llu 个事件\n", report.note[0] ? "无误，每个事件均可重放" : "与全部视图无误",
         (unsigned long long)report.events);
  printf("最新序号：%llu\n", (unsigned long long)head_seq);
  printf("最新哈希：%s\n", hex);
  return DBN_CLI_EXIT_OK;
}

static const char admin_usage[] = "usage: duban admin backup --data DIR --to DEST [--json]\n"
                                  "       duban admin register-key IDENTITY PUBLIC_KEY [NOTE]\n"
                                  "       duban admin revoke-key IDENTITY KEY_ID REASON\n"
                                  "\n"
                                  "Administration of a broker's files and of who may sign:\n"
                                  "  backup         a hot, compacted copy of the log, verified\n"
                                  "  register-key   a signing key may sign IDENTITY's writes (an event)\n"
                                  "  revoke-key     it may no longer (an event)\n";

int
dbn_cmd_admin(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {
      {"backup", cmd_backup}, {"register-key", dbn_cmd_register_key}, {"revoke-key", dbn_cmd_revoke_key}};
  return dbn_cli_run_word("admin", admin_usage, words, sizeof words / sizeof words[0], argc, argv);
}
