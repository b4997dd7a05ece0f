/* cmd_admin.c: `duban clock advance` and `duban ping`.
 *
 * Time is injected (DESIGN invariant 5): a broker started with a virtual
 * clock lets an admin move it forward, so that a plan running to 2025 plays
 * out in seconds and the deadline monitor's warnings can be seen and
 * tested. `ping` is the first thing to try with a new key: it says who the
 * broker thinks you are, its clock and its head. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"

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
    return dbn_cli_usage_error(cli, "--days wants 1..36600, not '%s'", arg);
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
        &cli, "SECONDS wants a positive number of seconds (at most 100 years), not '%s'", argv[optind]);
  }
  Duban__AdvanceClock advance = DUBAN__ADVANCE_CLOCK__INIT;
  advance.seconds = (int64_t)seconds;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_ADVANCE_CLOCK;
  req.advance_clock = &advance;
  return dbn_cli_write_and_close(&cli, &req, "clock advanced %llu s (%.1f days)", (unsigned long long)seconds,
                                 (double)seconds / DBN_DAY_SECONDS);
}

int
dbn_cmd_clock(int argc, char **argv)
{
  static const dbn_cli_word_t words[] = {{"advance", cmd_advance}};
  return dbn_cli_run_word("clock", clock_usage, words, 1, argc, argv);
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
    printf("identity: %s\nclock:    %s\nhead:     %llu\n", reply->identity, now,
           (unsigned long long)reply->head_seq);
    return DBN_CLI_EXIT_OK;
  }
  cJSON *json = cJSON_CreateObject();
  if (json) {
    cJSON_AddStringToObject(json, "identity", reply->identity);
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
