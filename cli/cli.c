/* cli.c: the parts every `duban` subcommand shares (see cli.h): the
 * connection options and the one way of making a request and reporting its
 * failure, strict argument parsers, tables that line up with Chinese text,
 * and the JSON and one-line renderings of tasks and events that `tasks`,
 * `watch` and `audit replay` print. It sits in the duban_cli library so
 * that the unit tests can reach the table and parsing helpers. */
#include "cli.h"

#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "date.h"
#include "error.h"
#include "event_subject.h"
#include "evidence_rule.h"
#include "figure.h"
#include "help_zh.h"
#include "lang.h"
#include "refusal.h"
#include "plan_change.h"
#include "report_cycle.h"
#include "request.h"
#include "text.h"

/* ---- the run and its options ---- */

void
dbn_cli_init(dbn_cli_t *cli, const char *command, const char *usage)
{
  memset(cli, 0, sizeof *cli);
  cli->command = command;
  cli->usage = usage;
}

void
dbn_cli_fini(dbn_cli_t *cli)
{
  dbn_client_destroy(&cli->client);
}

int
dbn_cli_usage_error(const dbn_cli_t *cli, const char *format, ...)
{
  va_list ap;
  fprintf(stderr, dbn_tr("duban %s：", "duban %s: "), cli->command);
  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  fprintf(stderr, dbn_tr("\n用法见 'duban %s --help'\n", "\ntry 'duban %s --help'\n"), cli->command);
  return DBN_CLI_EXIT_USAGE;
}

int
dbn_cli_fail(const char *code_name, const char *format, ...)
{
  va_list ap;
  /* Chinese: the sentence first, the code (for scripts) after it. */
  bool english = dbn_lang() == DBN_LANG_EN;
  if (english)
    fprintf(stderr, "duban: %s: ", code_name);
  else
    fputs("duban：", stderr);
  va_start(ap, format);
  vfprintf(stderr, format, ap);
  va_end(ap);
  if (!english)
    fprintf(stderr, "（%s）", code_name);
  fputc('\n', stderr);
  return DBN_CLI_EXIT_FAIL;
}

int
dbn_cli_refused(int code, const char *message)
{
  if (dbn_lang() == DBN_LANG_EN)
    return dbn_cli_fail(dbn_wire_code_name(code), "%s", message);
  char zh[DBN_MAX_TEXT + 512];
  dbn_web_refusal_zh(code, message, zh, sizeof zh);
  return dbn_cli_fail(dbn_wire_code_name(code), "%s", zh);
}

int
dbn_cli_common_option(dbn_cli_t *cli, int opt, const char *arg)
{
  switch (opt) {
  case DBN_CLI_OPT_AGENT: cli->agent = arg; return 0;
  case DBN_CLI_OPT_BROKER: cli->broker = arg; return 0;
  case DBN_CLI_OPT_SERVER_KEY: cli->server_key = arg; return 0;
  case DBN_CLI_OPT_KEY: cli->key = arg; return 0;
  case DBN_CLI_OPT_JSON: cli->json = true; return 0;
  case 'h':
  case DBN_CLI_OPT_HELP: cli->help = true; return 0;
  case DBN_CLI_OPT_TIMEOUT:
    if (dbn_cli_parse_int(arg, 1, 24 * 3600 * 1000, &cli->timeout_ms) != 0)
      return dbn_cli_usage_error(cli,
                                 dbn_tr("--timeout 要写毫秒数（1..86400000），而不是 '%s'",
                                        "--timeout wants milliseconds (1..86400000), not '%s'"),
                                 arg);
    return 0;
  case DBN_CLI_OPT_REQUEST_ID:
    if (arg[0] == '\0' || strlen(arg) > DBN_MAX_ID || !dbn_text_valid(arg, strlen(arg)))
      return dbn_cli_usage_error(
          cli, dbn_tr("--request-id 要 1..%d 字节的文本", "--request-id wants 1..%d bytes of text"),
          DBN_MAX_ID);
    cli->request_id = arg;
    return 0;
  case DBN_CLI_OPT_PERSON:
    if (arg[0] == '\0' || strlen(arg) > DBN_MAX_PERSON || !dbn_text_valid(arg, strlen(arg)))
      return dbn_cli_usage_error(
          cli, dbn_tr("--person 要 1..%d 字节的姓名", "--person wants a name of 1..%d bytes"),
          DBN_MAX_PERSON);
    cli->person = arg;
    return 0;
  default:
    /* getopt has already said what was wrong ('?' or ':'). */
    fprintf(stderr, dbn_tr("用法见 'duban %s --help'\n", "try 'duban %s --help'\n"), cli->command);
    return DBN_CLI_EXIT_USAGE;
  }
}

int
dbn_cli_finish_options(dbn_cli_t *cli, int positional, int min, int max, bool *done_p)
{
  *done_p = false;
  if (cli->help) {
    fputs(dbn_cli_help_text(cli->command, cli->usage), stdout);
    *done_p = true;
    return DBN_CLI_EXIT_OK;
  }
  if (positional < min)
    return dbn_cli_usage_error(cli, dbn_tr("缺少参数", "missing argument"));
  if (max >= 0 && positional > max)
    return dbn_cli_usage_error(cli, dbn_tr("参数过多", "too many arguments"));
  return DBN_CLI_EXIT_OK;
}

int
dbn_cli_parse_options(dbn_cli_t *cli, int argc, char **argv, const struct option *options,
                      dbn_cli_option_fn own_option, void *ctx, int min, int max, bool *done_p)
{
  int opt, rc;
  optind = 0;
  *done_p = true;
  while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
    /* A subcommand numbers its own options from DBN_CLI_OPT_FIRST_FREE, so
     * anything below is a shared option or getopt's complaint. */
    if (own_option && opt >= DBN_CLI_OPT_FIRST_FREE)
      rc = own_option(cli, opt, optarg, ctx);
    else
      rc = dbn_cli_common_option(cli, opt, optarg);
    if (rc != 0)
      return rc;
  }
  rc = dbn_cli_finish_options(cli, argc - optind, min, max, done_p);
  if (rc != 0)
    *done_p = true;
  return rc;
}

int
dbn_cli_parse_common(dbn_cli_t *cli, int argc, char **argv, int min, int max, bool *done_p)
{
  static const struct option options[] = {DBN_CLI_COMMON_OPTIONS, {0}};
  return dbn_cli_parse_options(cli, argc, argv, options, NULL, NULL, min, max, done_p);
}

int
dbn_cli_run_word(const char *command, const char *usage, const dbn_cli_word_t *words, size_t n, int argc,
                 char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(dbn_cli_help_text(command, usage), argc < 2 ? stderr : stdout);
    return argc < 2 ? DBN_CLI_EXIT_USAGE : DBN_CLI_EXIT_OK;
  }
  for (size_t i = 0; i < n; i++)
    if (strcmp(argv[1], words[i].word) == 0)
      return words[i].run(argc - 1, argv + 1);
  fprintf(stderr, dbn_tr("duban %s：没有子命令 '%s'，可用 ", "duban %s: no subcommand '%s'; say "), command,
          argv[1]);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, "%s%s",
            i == 0       ? ""
            : i + 1 == n ? dbn_tr(" 或 ", " or ")
                         : dbn_tr("、", ", "),
            words[i].word);
  fputc('\n', stderr);
  return DBN_CLI_EXIT_USAGE;
}

/* An option, else the environment variable, else NULL; empty counts as unset. */
static const char *
option_or_env(const char *option, const char *env)
{
  if (option && option[0])
    return option;
  const char *value = getenv(env);
  return value && value[0] ? value : NULL;
}

static int
check_readable(const char *what, const char *path)
{
  if (access(path, R_OK) != 0)
    return dbn_cli_fail("invalid_argument", dbn_tr("无法读取%s %s：%s", "cannot read %s %s: %s"), what, path,
                        strerror(errno));
  return 0;
}

/* The identity a key file says it is (the "identity" metadata keygen
 * writes), into out; false when the file has none. */
static bool
key_identity(const char *path, char *out, size_t out_len)
{
  zcert_t *cert = zcert_load(path);
  const char *identity = cert ? zcert_meta(cert, "identity") : NULL;
  bool found = identity && *identity;
  if (found)
    snprintf(out, out_len, "%s", identity);
  zcert_destroy(&cert);
  return found;
}

/* Through an agent, requests carry the department's identity, not the
 * key's: a key named with --key or DUBAN_KEY that is someone else's (a
 * coordinator's, with DUBAN_AGENT set as well) must not silently become
 * the agent's identity. Asks the agent who it speaks for (a ping). */
static int
check_key_matches_agent(dbn_cli_t *cli, const char *agent)
{
  const char *key = option_or_env(cli->key, "DUBAN_KEY");
  char identity[256];
  if (!key || !key_identity(key, identity, sizeof identity))
    return DBN_CLI_EXIT_OK;
  Duban__Ping ping = DUBAN__PING__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_PING;
  req.ping = &ping;
  dbn_cli_set_request_id(cli, &req);
  Duban__Reply *reply = NULL;
  if (dbn_client_call(cli->client, &req, &reply) != 0 || !reply || reply->code != DUBAN__CODE__CODE_OK) {
    dbn_wire_reply_free(&reply);
    /* The agent cannot ask the broker now (it may be away, and a write
     * would be queued under the department's name). An agent speaks for
     * one department: a key that is no department's cannot be its own. */
    dbn_role_t role;
    const char *name;
    if (dbn_identity_parse(identity, &role, &name) == 0 && role != DBN_ROLE_UNIT)
      return dbn_cli_usage_error(cli,
                                 "your key %s is %s, but the connection is the agent %s, which speaks for a "
                                 "department; to act as %s give --broker tcp://HOST:PORT (or unset "
                                 "DUBAN_AGENT), to act for the department unset DUBAN_KEY",
                                 key, identity, agent, identity);
    return DBN_CLI_EXIT_OK; /* the command itself will say what is wrong with the agent */
  }
  bool same = strcmp(reply->identity, identity) == 0;
  char speaks_for[256];
  snprintf(speaks_for, sizeof speaks_for, "%s", reply->identity);
  dbn_wire_reply_free(&reply);
  if (same)
    return DBN_CLI_EXIT_OK;
  return dbn_cli_usage_error(cli,
                             "your key %s is %s, but the connection is the agent %s, which speaks for %s; to "
                             "act as %s give --broker tcp://HOST:PORT (or unset DUBAN_AGENT), to act for the "
                             "department unset DUBAN_KEY",
                             key, identity, agent, speaks_for[0] ? speaks_for : "its department", identity);
}

int
dbn_cli_connect(dbn_cli_t *cli)
{
  if (cli->client)
    return DBN_CLI_EXIT_OK;
  if (cli->agent && cli->agent[0] && cli->broker && cli->broker[0])
    return dbn_cli_usage_error(cli, "give --agent or --broker, not both");

  /* An explicit option beats the environment, so that a coordinator with
   * DUBAN_AGENT set can still point one command at the broker. */
  const char *agent = NULL, *broker = NULL;
  if (cli->agent && cli->agent[0])
    agent = cli->agent;
  else if (cli->broker && cli->broker[0])
    broker = cli->broker;
  else if ((agent = option_or_env(NULL, "DUBAN_AGENT")) == NULL)
    broker = option_or_env(NULL, "DUBAN_BROKER");
  if (!agent && !broker)
    return dbn_cli_usage_error(cli, dbn_tr("没有连接：请给出 --agent ipc:///PATH 或 --broker "
                                           "tcp://HOST:PORT（或设置 DUBAN_AGENT 或 DUBAN_BROKER）",
                                           "no connection: give --agent ipc:///PATH or --broker "
                                           "tcp://HOST:PORT (or set DUBAN_AGENT or DUBAN_BROKER)"));

  dbn_client_options_t options = {.timeout_ms = cli->timeout_ms};
  char secret[PATH_MAX];
  if (agent) {
    options.endpoint = agent;
    cli->via_agent = true;
  } else {
    options.endpoint = broker;
    options.server_cert = option_or_env(cli->server_key, "DUBAN_SERVER_KEY");
    options.client_cert = option_or_env(cli->key, "DUBAN_KEY");
    if (!options.server_cert)
      return dbn_cli_usage_error(cli,
                                 dbn_tr("--broker 需要 --server-key KEYS/broker.key（或 DUBAN_SERVER_KEY）",
                                        "--broker needs --server-key KEYS/broker.key (or DUBAN_SERVER_KEY)"));
    if (!options.client_cert)
      return dbn_cli_usage_error(cli, dbn_tr("--broker 需要 --key KEYS/NAME.key（或 DUBAN_KEY）",
                                             "--broker needs --key KEYS/NAME.key (or DUBAN_KEY)"));
    if (snprintf(secret, sizeof secret, "%s_secret", options.client_cert) >= (int)sizeof secret)
      return dbn_cli_usage_error(cli, dbn_tr("密钥路径过长", "key path too long"));
    if (check_readable(dbn_tr("服务端公钥", "the broker's key"), options.server_cert) ||
        check_readable(dbn_tr("密钥", "key"), options.client_cert) ||
        check_readable(dbn_tr("私钥", "secret key"), secret))
      return DBN_CLI_EXIT_FAIL;
  }
  int rc = dbn_client_new(&cli->client, &options);
  if (rc != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(rc)),
                        dbn_tr("无法连接 %s：%s", "cannot connect to %s: %s"), options.endpoint,
                        dbn_strerror(rc));
  if (agent)
    return check_key_matches_agent(cli, agent);
  return DBN_CLI_EXIT_OK;
}

void
dbn_cli_set_request_id(dbn_cli_t *cli, Duban__Request *req)
{
  /* The broker records only a write against its id (domain/request.h), so
   * only a write has a use for --request-id: a retry under it takes effect
   * once. Reads and watches get a fresh id every time. */
  if (dbn_request_is_write(req->body_case)) {
    /* The 经办人 goes with each write; the environment names the person at
     * this terminal when no option does. */
    const char *person = option_or_env(cli->person, "DUBAN_PERSON");
    if (person && strlen(person) <= DBN_MAX_PERSON && dbn_text_valid(person, strlen(person)))
      req->person = (char *)person;
  }
  if (dbn_request_is_write(req->body_case) && cli->request_id) {
    req->request_id = (char *)cli->request_id;
  } else {
    dbn_wire_new_request_id(cli->fresh_id);
    req->request_id = cli->fresh_id;
  }
}

/* An agent's answer says how many queued commands the broker refused that
 * nobody has listed yet: say so once per command, on stderr so that --json
 * output stays parseable, until `duban outbox` has shown them. */
static void
outbox_notice(const dbn_cli_t *cli, const Duban__Reply *reply)
{
  static bool shown;
  if (shown || !cli->via_agent || !reply || reply->outbox_refused_unseen == 0 ||
      strcmp(cli->command, "outbox") == 0)
    return;
  shown = true;
  fprintf(stderr, "%u 条排队的命令被拒绝，见 duban outbox\n", reply->outbox_refused_unseen);
}

int
dbn_cli_request(dbn_cli_t *cli, Duban__Request *req, Duban__Reply **reply_p)
{
  *reply_p = NULL;
  int rc = dbn_cli_connect(cli);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  dbn_cli_set_request_id(cli, req);
  const char *name = dbn_request_name(req->body_case);

  Duban__Reply *reply = NULL;
  rc = dbn_client_call(cli->client, req, &reply);
  if (rc == DBN_ETIMEDOUT)
    return dbn_cli_fail(
        "unavailable",
        dbn_tr("%s 在 %d 毫秒内没有回答 %s（%s）", "no answer from %s within %d ms to %s (%s)"),
        cli->via_agent ? dbn_tr("部门代理", "the agent") : dbn_tr("中心服务", "the broker"),
        cli->timeout_ms ? cli->timeout_ms : 5000, name,
        cli->via_agent
            ? dbn_tr("该套接字上的部门代理是否在运行？", "is the department's agent running on that socket?")
            : dbn_tr("它是否在运行？你的密钥是否在它的 clients 目录中？",
                     "is it running, and is your key in its clients folder?"));
  if (rc != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(rc)), "%s: %s", name, dbn_strerror(rc));
  outbox_notice(cli, reply);
  if (reply->code != DUBAN__CODE__CODE_OK) {
    dbn_cli_refused(reply->code, reply->message && reply->message[0] ? reply->message : name);
    dbn_wire_reply_free(&reply);
    return DBN_CLI_EXIT_FAIL;
  }
  if (reply->queued && !cli->json)
    printf(
        dbn_tr("已排队：%s（请求号 %s）：部门代理把它存在发件箱里，中心服务恢复后送达\n",
               "queued: %s (request id %s): the agent keeps it in its outbox and delivers it when the broker "
               "answers\n"),
        name, req->request_id);
  *reply_p = reply;
  return DBN_CLI_EXIT_OK;
}

int
dbn_cli_write(dbn_cli_t *cli, Duban__Request *req, const char *what)
{
  Duban__Reply *reply;
  int rc = dbn_cli_request(cli, req, &reply);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  if (cli->json) {
    cJSON *json = cJSON_CreateObject();
    if (json) {
      cJSON_AddBoolToObject(json, "ok", 1);
      cJSON_AddStringToObject(json, "command", cli->command);
      cJSON_AddStringToObject(json, "request_id", req->request_id);
      cJSON_AddNumberToObject(json, "seq", (double)reply->seq);
      cJSON_AddBoolToObject(json, "queued", reply->queued);
      cJSON_AddBoolToObject(json, "duplicate", reply->duplicate);
    }
    rc = dbn_cli_print_json(stdout, json);
  } else if (!reply->queued) {
    printf(dbn_tr("完成：%s（事件 %llu）%s\n", "ok: %s (seq %llu)%s\n"), what, (unsigned long long)reply->seq,
           !reply->duplicate ? ""
                             : dbn_tr("——与先前的请求相同，只生效一次",
                                      " — a repeat of an earlier request: it took effect once"));
  }
  dbn_wire_reply_free(&reply);
  return rc;
}

int
dbn_cli_write_and_close(dbn_cli_t *cli, Duban__Request *req, const char *format, ...)
{
  char what[512];
  va_list args;
  va_start(args, format);
  vsnprintf(what, sizeof what, format, args);
  va_end(args);
  int rc = dbn_cli_write(cli, req, what);
  dbn_cli_fini(cli);
  return rc;
}

int
dbn_cli_show_reply(dbn_cli_t *cli, Duban__Request *req, dbn_cli_show_fn show, void *ctx)
{
  Duban__Reply *reply;
  int rc = dbn_cli_request(cli, req, &reply);
  if (rc == DBN_CLI_EXIT_OK) {
    rc = show(cli, reply, ctx);
    dbn_wire_reply_free(&reply);
  }
  dbn_cli_fini(cli);
  return rc;
}

/* ---- parsing arguments ---- */

int
dbn_cli_check_text(const dbn_cli_t *cli, const char *what, const char *s, size_t max_len, bool may_be_empty)
{
  size_t len = s ? strlen(s) : 0;
  if (len == 0 && !may_be_empty)
    return dbn_cli_usage_error(cli, "%s must not be empty", what);
  if (len > max_len)
    return dbn_cli_usage_error(cli, "%s is %zu bytes; at most %zu are allowed", what, len, max_len);
  if (len > 0 && !dbn_text_valid(s, len))
    return dbn_cli_usage_error(cli, "%s is not valid UTF-8 text (or holds control characters)", what);
  return DBN_CLI_EXIT_OK;
}

int
dbn_cli_parse_u64(const char *s, uint64_t *out)
{
  if (!s || *s < '0' || *s > '9')
    return DBN_EINVAL;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end != '\0')
    return DBN_EINVAL;
  *out = v;
  return 0;
}

int
dbn_cli_parse_int(const char *s, int min, int max, int *out)
{
  if (!s || !*s)
    return DBN_EINVAL;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (errno || *end != '\0' || end == s || v < min || v > max)
    return DBN_EINVAL;
  *out = (int)v;
  return 0;
}

static void
trim_span(const char **start, const char **end)
{
  while (*start < *end && (**start == ' ' || **start == '\t'))
    (*start)++;
  while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
    (*end)--;
}

int
dbn_cli_parse_figure(const char *arg, Duban__Figure *fig, char *why, size_t why_len)
{
  duban__figure__init(fig);
  const char *eq = strchr(arg, '=');
  if (!eq) {
    snprintf(why, why_len,
             dbn_tr("数据 '%s' 不是 指标=数值[单位] 的写法（如 公共充电桩=1200个）",
                    "figure '%s' is not WHAT=VALUE[UNIT] (e.g. 公共充电桩=1200个)"),
             arg);
    return DBN_EINVAL;
  }
  const char *what = arg, *what_end = eq;
  trim_span(&what, &what_end);
  if (what == what_end) {
    snprintf(why, why_len, dbn_tr("数据 '%s' 的 '=' 前没有指标名", "figure '%s' names nothing before '='"),
             arg);
    return DBN_EINVAL;
  }
  const char *number = eq + 1;
  while (*number == ' ' || *number == '\t')
    number++;
  /* Only plain decimal numbers: strtod would also take "inf", "nan" and hex. */
  const char *p = number;
  if (*p == '+' || *p == '-')
    p++;
  if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9'))) {
    snprintf(why, why_len, dbn_tr("数据 '%s' 的 '=' 后没有数值", "figure '%s' has no number after '='"), arg);
    return DBN_EINVAL;
  }
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    snprintf(why, why_len,
             dbn_tr("数据 '%s'：数值请用十进制书写", "figure '%s': write the number in decimal"), arg);
    return DBN_EINVAL;
  }
  errno = 0;
  char *end;
  double value = strtod(number, &end);
  if (errno == ERANGE || !isfinite(value) || fabs(value) > DBN_MAX_FIGURE_VALUE) {
    snprintf(why, why_len, dbn_tr("数据 '%s' 超出范围", "figure '%s' is out of range"), arg);
    return DBN_EINVAL;
  }
  const char *unit = end, *unit_end = end + strlen(end);
  trim_span(&unit, &unit_end);
  /* "1,200" would otherwise read as 1 of the unit ",200". */
  if (unit < unit_end && (strchr("0123456789,.", *unit) != NULL)) {
    snprintf(why, why_len,
             dbn_tr("数据 '%s'：数值不要带分隔符（写 1200，不写 1,200）",
                    "figure '%s': write the number without separators (1200, not 1,200)"),
             arg);
    return DBN_EINVAL;
  }
  char *what_copy = strndup(what, (size_t)(what_end - what));
  char *unit_copy = strndup(unit, (size_t)(unit_end - unit));
  if (!what_copy || !unit_copy) {
    free(what_copy);
    free(unit_copy);
    snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
    return DBN_ENOMEM;
  }
  fig->what = what_copy;
  fig->value = value;
  fig->unit_of_measure = unit_copy;
  return 0;
}

void
dbn_cli_figure_clear(Duban__Figure *fig)
{
  free(fig->what);
  free(fig->unit_of_measure);
  duban__figure__init(fig);
}

int
dbn_cli_figure_option(dbn_cli_t *cli, dbn_cli_figures_t *figures, const char *arg)
{
  char why[256];
  if (figures->n == DBN_MAX_FIGURES)
    return dbn_cli_usage_error(cli, dbn_tr("一次最多填报 %d 个指标", "at most %d figures in one report"),
                               DBN_MAX_FIGURES);
  int rc = dbn_cli_check_text(cli, "--figure", arg, DBN_MAX_TEXT, false);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  Duban__Figure *figure = &figures->figures[figures->n];
  if (dbn_cli_parse_figure(arg, figure, why, sizeof why) != 0)
    return dbn_cli_usage_error(cli, "%s", why);
  figures->ptrs[figures->n++] = figure;
  return DBN_CLI_EXIT_OK;
}

void
dbn_cli_figures_clear(dbn_cli_figures_t *figures)
{
  for (size_t i = 0; i < figures->n; i++)
    dbn_cli_figure_clear(&figures->figures[i]);
  figures->n = 0;
}

int
dbn_cli_read_file(const char *path, size_t max_bytes, char **text_p, size_t *len_p)
{
  *text_p = NULL;
  FILE *in = fopen(path, "rb");
  if (!in)
    return errno == ENOENT ? DBN_ENOTFOUND : DBN_EIO;
  size_t cap = 64 * 1024, len = 0;
  char *text = malloc(cap + 1);
  int rc = text ? 0 : DBN_ENOMEM;
  while (rc == 0) {
    if (len == cap) {
      if (cap >= max_bytes) {
        rc = DBN_ETOOBIG;
        break;
      }
      cap = cap * 2 > max_bytes ? max_bytes : cap * 2;
      char *bigger = realloc(text, cap + 1);
      if (!bigger) {
        rc = DBN_ENOMEM;
        break;
      }
      text = bigger;
    }
    size_t n = fread(text + len, 1, cap - len, in);
    len += n;
    if (n == 0) {
      if (ferror(in))
        rc = DBN_EIO;
      break;
    }
  }
  /* A file of exactly cap bytes fills the buffer without reaching EOF;
   * only a byte more proves it too big, which the loop above checks. */
  fclose(in);
  if (rc != 0) {
    free(text);
    return rc;
  }
  text[len] = '\0';
  *text_p = text;
  if (len_p)
    *len_p = len;
  return 0;
}

/* ---- output ---- */

void
dbn_cli_format_time(int64_t t, char out[32])
{
  char minute[24];
  dbn_time_format_minute(t, minute);
  snprintf(out, 32, "%s", minute);
}

void
dbn_cli_format_time_iso(int64_t t, char out[32])
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(out, 32, "%lld", (long long)t);
}

int
dbn_cli_terminal_width(void)
{
  int width;
  const char *columns = getenv("COLUMNS");
  if (columns && dbn_cli_parse_int(columns, 20, 10000, &width) == 0)
    return width;
  struct winsize ws;
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col;
  return 160;
}

struct dbn_cli_table {
  size_t columns;  /* number of columns */
  char **headers;  /* owned copies, columns of them */
  bool *right;     /* right-aligned columns */
  int *max_width;  /* per-column cap, 0 = none */
  char **cells;    /* owned copies, rows * columns, row-major */
  size_t rows;     /* rows added */
  size_t capacity; /* rows the cells array has room for */
  bool failed;     /* a row could not be added (out of memory) */
};

static char *
copy_cell(const char *s)
{
  return strdup(s ? s : "");
}

int
dbn_cli_table_new(dbn_cli_table_t **table_p, size_t columns, const char *const *headers)
{
  if (columns == 0)
    return DBN_EINVAL;
  dbn_cli_table_t *t = calloc(1, sizeof *t);
  if (!t)
    return DBN_ENOMEM;
  t->columns = columns;
  t->headers = calloc(columns, sizeof *t->headers);
  t->right = calloc(columns, sizeof *t->right);
  t->max_width = calloc(columns, sizeof *t->max_width);
  if (!t->headers || !t->right || !t->max_width) {
    dbn_cli_table_destroy(&t);
    return DBN_ENOMEM;
  }
  for (size_t i = 0; i < columns; i++) {
    if (!(t->headers[i] = copy_cell(headers[i]))) {
      dbn_cli_table_destroy(&t);
      return DBN_ENOMEM;
    }
  }
  *table_p = t;
  return 0;
}

void
dbn_cli_table_destroy(dbn_cli_table_t **table_p)
{
  dbn_cli_table_t *t = *table_p;
  if (!t)
    return;
  if (t->headers)
    for (size_t i = 0; i < t->columns; i++)
      free(t->headers[i]);
  for (size_t i = 0; i < t->rows * t->columns; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t->headers);
  free(t->right);
  free(t->max_width);
  free(t);
  *table_p = NULL;
}

void
dbn_cli_table_align_right(dbn_cli_table_t *table, size_t column)
{
  if (column < table->columns)
    table->right[column] = true;
}

void
dbn_cli_table_max_width(dbn_cli_table_t *table, size_t column, int max_width)
{
  if (column < table->columns)
    table->max_width[column] = max_width > 0 ? max_width : 0;
}

int
dbn_cli_table_add_row(dbn_cli_table_t *table, const char *const *cells)
{
  if (table->rows == table->capacity) {
    size_t capacity = table->capacity ? table->capacity * 2 : 16;
    char **bigger = realloc(table->cells, capacity * table->columns * sizeof *bigger);
    if (!bigger) {
      table->failed = true;
      return DBN_ENOMEM;
    }
    table->cells = bigger;
    table->capacity = capacity;
  }
  char **row = table->cells + table->rows * table->columns;
  for (size_t i = 0; i < table->columns; i++) {
    if (!(row[i] = copy_cell(cells[i]))) {
      while (i-- > 0)
        free(row[i]);
      table->failed = true;
      return DBN_ENOMEM;
    }
  }
  table->rows++;
  return 0;
}

size_t
dbn_cli_table_rows(const dbn_cli_table_t *table)
{
  return table->rows;
}

/* One cell in exactly width columns, cut with "…" when it does not fit. */
static void
print_cell(FILE *out, const char *s, int width, bool right)
{
  int w = dbn_text_width(s);
  if (right && w < width) {
    for (int i = w; i < width; i++)
      fputc(' ', out);
    fputs(s, out);
    return;
  }
  dbn_text_print_cell(out, s, width);
}

/* Print one row; it is built in memory first so that the trailing spaces
 * of padded empty cells can be dropped. */
static void
print_row(const dbn_cli_table_t *t, FILE *out, char *const *cells, const int *widths, int last_width)
{
  char *line = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&line, &size);
  if (!mem)
    return;
  for (size_t i = 0; i < t->columns; i++) {
    if (i > 0)
      fputs("  ", mem);
    if (i + 1 < t->columns)
      print_cell(mem, cells[i], widths[i], t->right[i]);
    else if (last_width > 0 && dbn_text_width(cells[i]) > last_width)
      dbn_text_print_cell(mem, cells[i], last_width);
    else
      fputs(cells[i], mem);
  }
  if (fclose(mem) != 0 || !line) {
    free(line);
    return;
  }
  while (size > 0 && line[size - 1] == ' ')
    line[--size] = '\0';
  fputs(line, out);
  fputc('\n', out);
  free(line);
}

void
dbn_cli_table_print(const dbn_cli_table_t *table, FILE *out, int total_width)
{
  int *widths = calloc(table->columns, sizeof *widths);
  if (!widths)
    return;
  for (size_t c = 0; c < table->columns; c++) {
    int w = dbn_text_width(table->headers[c]);
    for (size_t r = 0; r < table->rows; r++) {
      int cw = dbn_text_width(table->cells[r * table->columns + c]);
      if (cw > w)
        w = cw;
    }
    if (table->max_width[c] > 0 && w > table->max_width[c])
      w = table->max_width[c];
    widths[c] = w;
  }
  int last_width = 0;
  if (total_width > 0) {
    int used = 0;
    for (size_t c = 0; c + 1 < table->columns; c++)
      used += widths[c] + 2;
    last_width = total_width - used;
    if (last_width < 10)
      last_width = 10;
    int cap = table->max_width[table->columns - 1];
    if (cap > 0 && cap < last_width)
      last_width = cap;
  } else if (table->max_width[table->columns - 1] > 0) {
    last_width = table->max_width[table->columns - 1];
  }
  print_row(table, out, table->headers, widths, last_width);
  for (size_t r = 0; r < table->rows; r++)
    print_row(table, out, table->cells + r * table->columns, widths, last_width);
  free(widths);
}

int
dbn_cli_table_finish(dbn_cli_table_t **table_p, FILE *out)
{
  bool failed = (*table_p)->failed;
  if (!failed)
    dbn_cli_table_print(*table_p, out, dbn_cli_terminal_width());
  dbn_cli_table_destroy(table_p);
  return failed ? dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"))
                : DBN_CLI_EXIT_OK;
}

const char *
dbn_cli_word(const char *word)
{
  const char *zh = dbn_lang() == DBN_LANG_EN ? NULL : dbn_web_word_zh(word);
  return zh ? zh : word;
}

int
dbn_cli_print_escalations(FILE *out, Duban__Escalation *const *escalations, size_t count)
{
  if (count == 0) {
    fprintf(out, "%s\n", dbn_tr("没有督办事项", "no escalations"));
    return DBN_CLI_EXIT_OK;
  }
  static const char *const headers[] = {"编号 ID",       "状态 STATE",  "级别 LEVEL", "任务 TASK",
                                        "类别 CATEGORY", "提出 RAISED", "提出者 BY",  "原因 REASON"};
  dbn_cli_table_t *table;
  if (dbn_cli_table_new(&table, 8, headers) != 0)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  dbn_cli_table_align_right(table, 0);
  dbn_cli_table_max_width(table, 3, 32);
  dbn_cli_table_max_width(table, 4, 16);
  for (size_t i = 0; i < count; i++) {
    const Duban__Escalation *e = escalations[i];
    char id[24], level[96], raised[32];
    snprintf(id, sizeof id, "%llu", (unsigned long long)e->id);
    snprintf(level, sizeof level, "%u%s%s%s", e->level, e->level_name[0] ? " " : "", e->level_name,
             e->automatic ? dbn_tr(" 自动", " auto") : "");
    dbn_cli_format_time(e->raised_at, raised);
    const char *cells[] = {id,
                           dbn_cli_word(dbn_wire_escalation_state_name(e->state)),
                           level,
                           e->task,
                           dbn_cli_word(e->category),
                           raised,
                           e->raised_by,
                           e->reason};
    if (dbn_cli_table_add_row(table, cells) != 0)
      break;
  }
  return dbn_cli_table_finish(&table, out);
}

/* ---- JSON ---- */

static bool
is_time_field(const char *name)
{
  size_t n = strlen(name);
  return strcmp(name, "time") == 0 || (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

static cJSON *
enum_json(const ProtobufCEnumDescriptor *descriptor, int value)
{
  if (descriptor == &duban__task_state__descriptor)
    return cJSON_CreateString(dbn_wire_task_state_name((Duban__TaskState)value));
  if (descriptor == &duban__escalation_state__descriptor)
    return cJSON_CreateString(dbn_wire_escalation_state_name((Duban__EscalationState)value));
  if (descriptor == &duban__code__descriptor)
    return cJSON_CreateString(dbn_wire_code_name((Duban__Code)value));
  const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(descriptor, value);
  return v ? cJSON_CreateString(v->name) : cJSON_CreateNumber(value);
}

static cJSON *
hex_json(const uint8_t *bytes, size_t len)
{
  char *hex = malloc(len * 2 + 1);
  if (!hex)
    return NULL;
  for (size_t i = 0; i < len; i++)
    snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  hex[len * 2] = '\0';
  cJSON *json = cJSON_CreateString(hex);
  free(hex);
  return json;
}

/* The JSON of one value of field f stored at p. */
static cJSON *
value_json(const ProtobufCFieldDescriptor *f, const void *p)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32: return cJSON_CreateNumber(*(const int32_t *)p);
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return cJSON_CreateNumber(*(const uint32_t *)p);
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64: {
    int64_t v = *(const int64_t *)p;
    if (is_time_field(f->name)) {
      if (v == 0)
        return cJSON_CreateNull();
      char iso[32];
      dbn_cli_format_time_iso(v, iso);
      return cJSON_CreateString(iso);
    }
    return cJSON_CreateNumber((double)v);
  }
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return cJSON_CreateNumber((double)*(const uint64_t *)p);
  case PROTOBUF_C_TYPE_FLOAT: return cJSON_CreateNumber(*(const float *)p);
  case PROTOBUF_C_TYPE_DOUBLE: return cJSON_CreateNumber(*(const double *)p);
  case PROTOBUF_C_TYPE_BOOL: return cJSON_CreateBool(*(const protobuf_c_boolean *)p);
  case PROTOBUF_C_TYPE_ENUM: return enum_json(f->descriptor, *(const int *)p);
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)p;
    return cJSON_CreateString(s ? s : "");
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *b = p;
    return hex_json(b->data, b->len);
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
    return m ? dbn_cli_message_json(m) : cJSON_CreateNull();
  }
  }
  return cJSON_CreateNull();
}

static size_t
element_size(const ProtobufCFieldDescriptor *f)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return 8;
  case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
  case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
  default: return 4;
  }
}

cJSON *
dbn_cli_message_json(const ProtobufCMessage *msg)
{
  cJSON *json = cJSON_CreateObject();
  if (!json)
    return NULL;
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const char *base = (const char *)msg;
    const void *member = base + f->offset;
    cJSON *value;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      const char *array = *(char *const *)member;
      value = cJSON_CreateArray();
      for (size_t k = 0; value && k < n; k++) {
        cJSON *item = value_json(f, array + k * element_size(f));
        if (!item) {
          cJSON_Delete(value);
          value = NULL;
          break;
        }
        cJSON_AddItemToArray(value, item);
      }
    } else {
      if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
          continue;
      } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                 f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
        if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset))
          continue;
      }
      value = value_json(f, member);
    }
    if (!value) {
      cJSON_Delete(json);
      return NULL;
    }
    cJSON_AddItemToObject(json, f->name, value);
  }
  return json;
}

/* The body of event: the one member of its oneof that is set, or NULL for
 * none (or a kind this duban's descriptors do not have). */
static const ProtobufCMessage *
event_body(const Duban__Event *event)
{
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field(event->base.descriptor, (unsigned)event->body_case);
  if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
    return NULL;
  return *(const ProtobufCMessage *const *)((const char *)event + f->offset);
}

cJSON *
dbn_cli_event_json(const Duban__Event *event)
{
  cJSON *json = cJSON_CreateObject();
  if (!json)
    return NULL;
  char iso[32];
  dbn_cli_format_time_iso(event->time, iso);
  cJSON_AddNumberToObject(json, "seq", (double)event->seq);
  cJSON_AddStringToObject(json, "time", iso);
  cJSON_AddStringToObject(json, "actor", event->actor ? event->actor : "");
  cJSON_AddStringToObject(json, "request_id", event->request_id ? event->request_id : "");
  if (event->person && *event->person)
    cJSON_AddStringToObject(json, "person", event->person);
  cJSON_AddStringToObject(json, "kind", dbn_wire_event_name(event->body_case));
  cJSON *hash = hex_json(event->prev_hash.data, event->prev_hash.len);
  if (hash)
    cJSON_AddItemToObject(json, "prev_hash", hash);
  if (event->signer_key_id && *event->signer_key_id) /* who signed it (store/signed_request.h) */
    cJSON_AddStringToObject(json, "signer_key_id", event->signer_key_id);

  /* The body's fields go to the top level so that a script reads .task or
   * .percent whatever the kind. */
  const ProtobufCMessage *body = event_body(event);
  if (!body)
    return json;
  cJSON *fields = dbn_cli_message_json(body);
  if (!fields) {
    cJSON_Delete(json);
    return NULL;
  }
  while (fields->child) {
    cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
    char key[64];
    snprintf(key, sizeof key, "%s", item->string ? item->string : "field");
    if (cJSON_HasObjectItem(json, key))
      snprintf(key, sizeof key, "body_%s", item->string);
    cJSON_AddItemToObject(json, key, item);
  }
  cJSON_Delete(fields);
  return json;
}

int
dbn_cli_print_json(FILE *out, cJSON *json)
{
  if (!json)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  char *text = cJSON_PrintUnformatted(json);
  cJSON_Delete(json);
  if (!text)
    return dbn_cli_fail("resource_exhausted", "%s", dbn_tr("内存不足", "out of memory"));
  fputs(text, out);
  fputc('\n', out);
  cJSON_free(text);
  return DBN_CLI_EXIT_OK;
}

/* ---- plans ---- */

void
dbn_cli_plan_size(const Duban__Plan *plan, size_t *measures_p, size_t *actions_p)
{
  size_t measures = 0, actions = 0;
  for (size_t s = 0; s < plan->n_sections; s++) {
    measures += plan->sections[s]->n_measures;
    for (size_t m = 0; m < plan->sections[s]->n_measures; m++)
      actions += plan->sections[s]->measures[m]->n_actions;
  }
  if (measures_p)
    *measures_p = measures;
  if (actions_p)
    *actions_p = actions;
}

/* ---- events for people ---- */

/* Append to a bounded buffer, cutting when full, at a UTF-8 boundary: a
 * long note in watch or replay never ends in half a character. */
static void vappend(char *buf, size_t len, const char *format, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void
vappend(char *buf, size_t len, const char *format, va_list ap)
{
  size_t used = strlen(buf);
  if (used + 1 >= len)
    return;
  int n = vsnprintf(buf + used, len - used, format, ap);
  if (n >= 0 && (size_t)n >= len - used) {
    /* Cut: vsnprintf kept len - 1 bytes, which may end inside a character.
     * Find where the last character starts; drop it if it is not whole. */
    size_t end = len - 1, start = end;
    while (start > used && ((unsigned char)buf[start - 1] & 0xc0) == 0x80)
      start--;
    if (start > used) {
      unsigned char lead = (unsigned char)buf[start - 1];
      size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (end - (start - 1) < need)
        buf[start - 1] = '\0';
    }
  }
}

/* What one line of `watch` or `audit replay` says about an event, being
 * written: the subject and the details, each a bounded buffer. */
typedef struct {
  char *subject;      /* a task, "esc#N", a plan id */
  size_t subject_len; /* bytes at subject */
  char *details;      /* what the event says */
  size_t details_len; /* bytes at details */
} event_text_t;

static void append_subject(event_text_t *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void
append_subject(event_text_t *text, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  vappend(text->subject, text->subject_len, format, ap);
  va_end(ap);
}

static void append_details(event_text_t *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void
append_details(event_text_t *text, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  vappend(text->details, text->details_len, format, ap);
  va_end(ap);
}

/* "label: note" after what the details already say; nothing for no note. */
static void
append_note(event_text_t *text, const char *label, const char *note)
{
  if (note && note[0])
    append_details(text, "%s%s%s", text->details[0] ? "；" : "", label, note);
}

static void
subject_escalation(event_text_t *text, uint64_t escalation)
{
  append_subject(text, "esc#%llu", (unsigned long long)escalation);
}

/* One function per event kind; each is called only with its body set. */

static void
describe_plan_loaded(const Duban__Event *event, event_text_t *text)
{
  const Duban__Plan *plan = event->plan_loaded->plan;
  if (!plan)
    return;
  size_t measures, actions;
  dbn_cli_plan_size(plan, &measures, &actions);
  append_subject(text, "%s", plan->id);
  append_details(text, "%zu 个部分、%zu 项措施、%zu 项任务、%zu 个单位：%s", plan->n_sections, measures,
                 actions, plan->n_units, plan->title);
}

/* The figures a progress report or a milestone carries: "；WHAT AMOUNT" each. */
static void
append_figures(event_text_t *text, Duban__Figure *const *figures, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    char amount[DBN_QUANTITY_AGAINST_LEN];
    dbn_figure_format(figures[i], NULL, amount, sizeof amount);
    append_details(text, "；%s %s", figures[i]->what, amount);
  }
}

static void
describe_claimed(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->claimed->task);
}

static void
describe_progress(const Duban__Event *event, event_text_t *text)
{
  const Duban__Progress *p = event->progress;
  append_subject(text, "%s", p->task);
  append_details(text, "%d%%", p->percent);
  append_figures(text, p->figures, p->n_figures);
  append_note(text, "说明：", p->note);
}

static void
describe_submitted(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->submitted->task);
  append_note(text, "说明：", event->submitted->note);
}

static void
describe_escalated(const Duban__Event *event, event_text_t *text)
{
  /* An escalation's id is the seq of the event that raised it. */
  append_subject(text, "%s", event->escalated->task);
  const char *category = event->escalated->category;
  const char *category_zh = dbn_web_word_zh(category);
  append_details(text, "督办事项 #%llu〔%s〕%s", (unsigned long long)event->seq,
                 category_zh ? category_zh : category, event->escalated->reason);
}

static void
describe_acknowledged(const Duban__Event *event, event_text_t *text)
{
  subject_escalation(text, event->acknowledged->escalation);
  append_note(text, "说明：", event->acknowledged->note);
}

static void
describe_resolved(const Duban__Event *event, event_text_t *text)
{
  subject_escalation(text, event->resolved->escalation);
  append_note(text, "说明：", event->resolved->note);
}

static void
describe_reminded(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->reminded->task);
  append_note(text, "催办：", event->reminded->note);
}

static void
describe_accepted(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->accepted->task);
  append_note(text, "意见：", event->accepted->note);
}

static void
describe_rejected(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->rejected->task);
  append_note(text, "退回理由：", event->rejected->reason);
}

static void
describe_reassigned(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->reassigned->task);
  append_details(text, "改派给 %s", event->reassigned->unit);
  append_note(text, "理由：", event->reassigned->reason);
}

static void
describe_clock_advanced(const Duban__Event *event, event_text_t *text)
{
  int64_t s = event->clock_advanced->seconds;
  append_details(text, "时钟前进 %lld 秒（%.1f 天）", (long long)s, (double)s / DBN_DAY_SECONDS);
}

static void
describe_escalation_level(const Duban__Event *event, event_text_t *text)
{
  const Duban__EscalationLevel *level = event->escalation_level;
  append_subject(text, "esc#%llu", (unsigned long long)level->escalation);
  /* Counted from one, as the inbox and the ladder's names count. */
  append_details(text, "升至第 %u 级", level->level + 1);
  if (level->name && *level->name)
    append_details(text, "（%s）", level->name);
  if (level->notify && *level->notify)
    append_details(text, "；通知 %s", level->notify);
}

static void
describe_inbox_read(const Duban__Event *event, event_text_t *text)
{
  append_details(text, "已读至事件 #%llu", (unsigned long long)event->inbox_read->up_to_seq);
}

static void
describe_scoring_rules_loaded(const Duban__Event *event, event_text_t *text)
{
  const Duban__ScoringRules *rules = event->scoring_rules_loaded->rules;
  if (!rules)
    return;
  append_subject(text, "%s", rules->version);
  append_details(text, "考核规则自 %s 起施行", rules->effective);
  append_note(text, "说明：", rules->note);
}

static void
describe_deadline_warning(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->deadline_warning->task);
  const Duban__DeadlineWarning *warning = event->deadline_warning;
  bool red = strcmp(warning->level, "red") == 0;
  append_details(text, red ? "节点 %s 已逾期" : "节点 %s 即将到期", warning->due);
}

static void
describe_signing_key_registered(const Duban__Event *event, event_text_t *text)
{
  const Duban__SigningKeyRegistration *reg = event->signing_key_registered;
  append_subject(text, "%s", reg->identity);
  char key_id[DBN_SIGN_KEY_ID_LEN + 1] = "?";
  if (!dbn_sign_key_id(reg->public_key.data, reg->public_key.len, key_id))
    snprintf(key_id, sizeof key_id, "?");
  append_details(text, "登记签名密钥 %s", key_id);
  append_note(text, "说明：", reg->note);
}

static void
describe_signing_key_revoked(const Duban__Event *event, event_text_t *text)
{
  const Duban__SigningKeyRevocation *rev = event->signing_key_revoked;
  append_subject(text, "%s", rev->identity);
  append_details(text, "吊销签名密钥 %s", rev->key_id);
  append_note(text, "原因：", rev->reason);
}

static void
describe_milestone_reported(const Duban__Event *event, event_text_t *text)
{
  const Duban__MilestoneMet *met = event->milestone_reported;
  append_subject(text, "%s", met->task);
  append_details(text, "报节点 %s 达成", met->due);
  append_figures(text, met->figures, met->n_figures);
  append_note(text, "说明：", met->note);
}

static void
describe_milestone_confirmed(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->milestone_confirmed->task);
  append_details(text, "节点 %s 确认达成", event->milestone_confirmed->due);
  append_note(text, "意见：", event->milestone_confirmed->note);
}

static void
describe_milestone_returned(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->milestone_returned->task);
  append_details(text, "节点 %s 退回", event->milestone_returned->due);
  append_note(text, "退回理由：", event->milestone_returned->reason);
}

static void
describe_report_missed(const Duban__Event *event, event_text_t *text)
{
  const Duban__ReportMissed *missed = event->report_missed;
  dbn_report_cycle_t cycle;
  const char *name =
      dbn_report_cycle_parse(missed->cycle, &cycle) == 0 ? dbn_report_cycle_name_zh(cycle) : "";
  append_subject(text, "%s", missed->task);
  append_details(text, "漏报：截至 %s 的%s未报送", missed->period_end, *name ? name : missed->cycle);
}

/* 计划调整: the words are plan_change.h's, the same the task's history keeps. */
static void
describe_plan_change(const Duban__Event *event, event_text_t *text)
{
  char what[512];
  const char *task = dbn_event_task(event);
  dbn_plan_change_describe(event, what, sizeof what);
  append_subject(text, "%s", task ? task : "");
  append_details(text, "计划调整：%s", what);
  append_note(text, "理由：", dbn_plan_change_event_reason(event));
}

/* A measure's lead unit (domain/lead.h) reminded the owner. */
static void
describe_lead_reminded(const Duban__Event *event, event_text_t *text)
{
  append_subject(text, "%s", event->lead_reminded->task);
  append_details(text, "牵头单位催办");
  append_note(text, "", event->lead_reminded->note);
}

/* Every kind this duban can describe; any other prints as one it does not
 * know. */
static const struct {
  Duban__Event__BodyCase body;                                     /* the event's kind */
  void (*describe)(const Duban__Event *event, event_text_t *text); /* called with its body set */
} event_describers[] = {
    {DUBAN__EVENT__BODY_PLAN_LOADED, describe_plan_loaded},
    {DUBAN__EVENT__BODY_CLAIMED, describe_claimed},
    {DUBAN__EVENT__BODY_PROGRESS, describe_progress},
    {DUBAN__EVENT__BODY_SUBMITTED, describe_submitted},
    {DUBAN__EVENT__BODY_ESCALATED, describe_escalated},
    {DUBAN__EVENT__BODY_ACKNOWLEDGED, describe_acknowledged},
    {DUBAN__EVENT__BODY_RESOLVED, describe_resolved},
    {DUBAN__EVENT__BODY_REMINDED, describe_reminded},
    {DUBAN__EVENT__BODY_ACCEPTED, describe_accepted},
    {DUBAN__EVENT__BODY_REJECTED, describe_rejected},
    {DUBAN__EVENT__BODY_REASSIGNED, describe_reassigned},
    {DUBAN__EVENT__BODY_CLOCK_ADVANCED, describe_clock_advanced},
    {DUBAN__EVENT__BODY_DEADLINE_WARNING, describe_deadline_warning},
    {DUBAN__EVENT__BODY_ESCALATION_LEVEL, describe_escalation_level},
    {DUBAN__EVENT__BODY_INBOX_READ, describe_inbox_read},
    {DUBAN__EVENT__BODY_SCORING_RULES_LOADED, describe_scoring_rules_loaded},
    {DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED, describe_signing_key_registered},
    {DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED, describe_signing_key_revoked},
    {DUBAN__EVENT__BODY_MILESTONE_REPORTED, describe_milestone_reported},
    {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, describe_milestone_confirmed},
    {DUBAN__EVENT__BODY_MILESTONE_RETURNED, describe_milestone_returned},
    {DUBAN__EVENT__BODY_REPORT_MISSED, describe_report_missed},
    {DUBAN__EVENT__BODY_PLAN_TASK_ADDED, describe_plan_change},
    {DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED, describe_plan_change},
    {DUBAN__EVENT__BODY_PLAN_DATES_CHANGED, describe_plan_change},
    {DUBAN__EVENT__BODY_LEAD_REMINDED, describe_lead_reminded},
};

void
dbn_cli_event_describe(const Duban__Event *event, char *subject, size_t subject_len, char *details,
                       size_t details_len)
{
  subject[0] = '\0';
  details[0] = '\0';
  event_text_t text = {subject, subject_len, details, details_len};
  size_t i = 0, n = sizeof event_describers / sizeof event_describers[0];
  while (i < n && event_describers[i].body != event->body_case)
    i++;
  if (i == n)
    append_details(&text, "（此版本 duban 不认识的事件）");
  else if (event_body(event))
    event_describers[i].describe(event, &text);
  Duban__EvidenceRef **evidence;
  size_t n_evidence = dbn_evidence_of_event(event, &evidence);
  if (n_evidence) {
    char files[512];
    dbn_evidence_describe(n_evidence, evidence, files, sizeof files);
    append_details(&text, "%s%s", details[0] ? "；" : "", files);
  }
  if (event->person && *event->person)
    append_details(&text, "%s经办人：%s", details[0] ? "；" : "", event->person);
  /* One event, one line: notes may hold newlines. */
  for (char *p = details; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
}

void
dbn_cli_print_event_line(FILE *out, const Duban__Event *event)
{
  char iso[32], subject[DBN_MAX_ID + 32], details[1024];
  dbn_cli_format_time(event->time, iso);
  dbn_cli_event_describe(event, subject, sizeof subject, details, sizeof details);
  fprintf(out, "%6llu  %s  ", (unsigned long long)event->seq, iso);
  dbn_text_print_cell(out, event->actor && event->actor[0] ? event->actor : "-", 20);
  fputs("  ", out);
  dbn_text_print_cell(out, dbn_wire_event_name(event->body_case), 16);
  fputs("  ", out);
  if (details[0]) {
    dbn_text_print_cell(out, subject[0] ? subject : "-", 22);
    fprintf(out, "  %s\n", details);
  } else {
    fprintf(out, "%s\n", subject[0] ? subject : "-");
  }
}

cJSON *
dbn_cli_list_json(const char *name, void *const *items, size_t n, uint64_t head_seq)
{
  cJSON *json = cJSON_CreateObject();
  cJSON *array = json ? cJSON_AddArrayToObject(json, name) : NULL;
  if (!array) {
    cJSON_Delete(json);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    cJSON *item = dbn_cli_message_json((const ProtobufCMessage *)items[i]);
    if (!item) {
      cJSON_Delete(json);
      return NULL;
    }
    cJSON_AddItemToArray(array, item);
  }
  cJSON_AddNumberToObject(json, "head_seq", (double)head_seq);
  return json;
}
