/* agent_main.c: duban-agent's command line: read the config file and the
 * flags, block SIGTERM and SIGINT into a signalfd, and run the agent until
 * one arrives.
 *
 * A signalfd rather than a handler: the signal becomes a readable
 * descriptor in the agent's zmq_poll, so the stop is seen without a race
 * between checking a flag and going to sleep, and the program keeps no
 * mutable global at all. It is Linux-only, like the deployment (Debian
 * images). The signals are blocked before ZeroMQ starts its threads, which
 * inherit the mask, so no other thread takes them. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "date.h"
#include "agent.h"
#include "desk.h"
#include "log.h"
#include "store.h"
#include "version.h"
#include "wire.h"
#include "lang.h"

typedef struct {
  char *broker; /* owned; each NULL until set */
  char *server_key;
  char *key;
  char *listen;
  char *data;
  char *desk_listen; /* the desk (部门工作台), when given */
  char *desk_users;
  char *desk_tls_cert;
  char *desk_tls_key;
  char *metrics; /* HOST:PORT for Prometheus, when given */
} settings_t;

/* --help in Chinese; the English text below is the same, for --lang en. */
static const char usage_zh[] =
    "用法：duban-agent [--config FILE] [--broker tcp://HOST:PORT] [--server-key KEYS/broker.key]\n"
    "                  [--key KEYS/unit-CODE.key] [--listen ipc:///PATH/agent.sock] [--data DIR]\n"
    "\n"
    "一个部门的代理：它保持本部门到中心服务的 CURVE 连接和一个持久的发件箱，\n"
    "中心服务不在时发出的命令会在之后按顺序送达，且只生效一次。工作人员的\n"
    "`duban` 命令通过 ipc 套接字与它通信（权限 0660：套接字所属的组可以使用）。\n"
    "\n"
    "  --config FILE      `key = value` 格式的配置文件，键即下列括号中的名称（命令行选项优先）\n"
    "  --broker URL       中心服务的地址（broker）\n"
    "  --server-key FILE  中心服务的公钥证书 KEYS/broker.key（server-key）\n"
    "  --key FILE         本部门的证书 KEYS/unit-CODE.key，旁边须有其 _secret 文件（key）\n"
    "  --listen URL       供 duban 命令连接的 ipc 地址（listen）\n"
    "  --data DIR         发件箱所在的目录（data）\n"
    "  --desk-listen 127.0.0.1:PORT  同时在该地址提供部门工作台（desk-listen）；\n"
    "                     工作台像 duban 命令一样与本代理通信\n"
    "  --desk-users FILE  工作台的账号文件，用 `duban user add` 生成（desk-users）\n"
    "  --desk-tls-cert FILE, --desk-tls-key FILE  通过 HTTPS 提供工作台\n"
    "                     （desk-tls-cert、desk-tls-key）\n"
    "  --metrics 127.0.0.1:PORT  在 http://HOST:PORT/metrics 提供 Prometheus 指标\n"
    "                     （发件箱深度、最早一条的等待时间）（metrics）\n"
    "  --version          版本号、通信协议版本和日志格式版本\n"
    "  --help             本说明\n"
    "\n"
    "日志写到标准错误。SIGTERM 或 SIGINT 使它正常停止；未送达的命令留在发件箱中，\n"
    "下次运行时继续发送。\n";

static void
usage(FILE *out)
{
  if (dbn_lang() == DBN_LANG_ZH) {
    fputs(usage_zh, out);
    return;
  }
  fprintf(out,
          "usage: duban-agent [--config FILE] [--broker tcp://HOST:PORT] [--server-key KEYS/broker.key]\n"
          "                   [--key KEYS/unit-CODE.key] [--listen ipc:///PATH/agent.sock] [--data DIR]\n"
          "\n"
          "The agent of one department: it keeps the department's CURVE connection to the\n"
          "broker and a durable outbox, so commands given while the broker is away are\n"
          "delivered later, in order, and take effect exactly once. Staff's `duban` CLI\n"
          "talks to it over the ipc socket (mode 0660: the socket's group may use it).\n"
          "\n"
          "  --config FILE      `key = value` lines with the keys below (flags win)\n"
          "  --broker URL       the broker's endpoint (broker)\n"
          "  --server-key FILE  the broker's public cert, KEYS/broker.key (server-key)\n"
          "  --key FILE         this department's cert, KEYS/unit-CODE.key, with its\n"
          "                     _secret file beside it (key)\n"
          "  --listen URL       the ipc endpoint for the CLI (listen)\n"
          "  --data DIR         where the outbox lives (data)\n"
          "  --desk-listen 127.0.0.1:PORT  also serve the department desk (部门工作台) there\n"
          "                     (desk-listen); it talks to this agent like the CLI\n"
          "  --desk-users FILE  the desk's accounts, made with `duban user add` (desk-users)\n"
          "  --desk-tls-cert FILE, --desk-tls-key FILE  serve the desk over HTTPS\n"
          "                     (desk-tls-cert, desk-tls-key)\n"
          "  --metrics 127.0.0.1:PORT  serve Prometheus metrics (outbox depth, oldest\n"
          "                     entry's age) at http://HOST:PORT/metrics (metrics)\n"
          "  --version          the version, the wire protocol's and the log format's\n"
          "  --help             this text\n"
          "\n"
          "Logs go to stderr. SIGTERM or SIGINT stop it cleanly; the outbox keeps what\n"
          "was not delivered for the next run.\n");
}

static int
set(char **slot, const char *value)
{
  char *copy = strdup(value);
  if (!copy)
    return DBN_ENOMEM;
  free(*slot);
  *slot = copy;
  return 0;
}

static char *
trim(char *text)
{
  while (*text == ' ' || *text == '\t')
    text++;
  size_t len = strlen(text);
  while (len &&
         (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' || text[len - 1] == '\r'))
    text[--len] = '\0';
  return text;
}

/* Read `key = value` lines; blank lines and lines starting with # are
 * skipped. Only fills settings still unset, since flags win. */
static int
load_config(const char *path, settings_t *from_file)
{
  FILE *file = fopen(path, "r");
  if (!file) {
    dbn_log(DBN_LOG_ERROR, "agent", dbn_tr("无法读取配置文件 %s：%s", "cannot read the config file %s: %s"),
            path, strerror(errno));
    return DBN_EIO;
  }
  char line[4096];
  int number = 0, rc = 0;
  while (fgets(line, sizeof line, file)) {
    number++;
    char *text = trim(line);
    if (!*text || *text == '#')
      continue;
    char *equals = strchr(text, '=');
    if (!equals) {
      dbn_log(DBN_LOG_ERROR, "agent", dbn_tr("%s:%d：应为 `key = value`", "%s:%d: expected `key = value`"),
              path, number);
      rc = DBN_EINVAL;
      break;
    }
    *equals = '\0';
    char *key = trim(text), *value = trim(equals + 1);
    char **slot = strcmp(key, "broker") == 0          ? &from_file->broker
                  : strcmp(key, "server-key") == 0    ? &from_file->server_key
                  : strcmp(key, "key") == 0           ? &from_file->key
                  : strcmp(key, "listen") == 0        ? &from_file->listen
                  : strcmp(key, "data") == 0          ? &from_file->data
                  : strcmp(key, "desk-listen") == 0   ? &from_file->desk_listen
                  : strcmp(key, "desk-users") == 0    ? &from_file->desk_users
                  : strcmp(key, "desk-tls-cert") == 0 ? &from_file->desk_tls_cert
                  : strcmp(key, "desk-tls-key") == 0  ? &from_file->desk_tls_key
                  : strcmp(key, "metrics") == 0       ? &from_file->metrics
                                                      : NULL;
    if (!slot) {
      dbn_log(DBN_LOG_ERROR, "agent",
              dbn_tr("%s:%d：未知的键 `%s`（可用：broker、server-key、key、listen、data、desk-listen、"
                     "desk-users、desk-tls-cert、desk-tls-key、metrics）",
                     "%s:%d: unknown key `%s` (known: broker, server-key, key, listen, data, desk-listen, "
                     "desk-users, desk-tls-cert, desk-tls-key, metrics)"),
              path, number, key);
      rc = DBN_EINVAL;
      break;
    }
    rc = set(slot, value);
    if (rc)
      break;
  }
  fclose(file);
  return rc;
}

static void
settings_clear(settings_t *settings)
{
  free(settings->broker);
  free(settings->server_key);
  free(settings->key);
  free(settings->listen);
  free(settings->data);
  free(settings->desk_listen);
  free(settings->desk_users);
  free(settings->desk_tls_cert);
  free(settings->desk_tls_key);
  free(settings->metrics);
  memset(settings, 0, sizeof *settings);
}

/* What the command line asks for: run, or leave at once with exit_code. */
typedef struct {
  bool run;           /* the flags make sense: go on */
  int exit_code;      /* when not run: 0 for --help, 1 for a mistake */
  const char *config; /* --config FILE, borrowed from argv; NULL if none */
} command_line_t;

static command_line_t
parse_flags(int argc, char **argv, settings_t *flags)
{
  static const struct option long_options[] = {
      {"config", required_argument, NULL, 'c'},
      {"broker", required_argument, NULL, 'b'},
      {"server-key", required_argument, NULL, 's'},
      {"key", required_argument, NULL, 'k'},
      {"listen", required_argument, NULL, 'l'},
      {"data", required_argument, NULL, 'd'},
      {"desk-listen", required_argument, NULL, 'D'},
      {"desk-users", required_argument, NULL, 'U'},
      {"desk-tls-cert", required_argument, NULL, 'C'},
      {"desk-tls-key", required_argument, NULL, 'K'},
      {"metrics", required_argument, NULL, 'M'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  command_line_t line = {.exit_code = 1};
  int option;
  opterr = 0; /* our own words for a bad option, below */
  while ((option = getopt_long(argc, argv, ":c:b:s:k:l:d:h", long_options, NULL)) != -1) {
    int rc = 0;
    switch (option) {
    case 'c': line.config = optarg; break;
    case 'b': rc = set(&flags->broker, optarg); break;
    case 's': rc = set(&flags->server_key, optarg); break;
    case 'k': rc = set(&flags->key, optarg); break;
    case 'l': rc = set(&flags->listen, optarg); break;
    case 'd': rc = set(&flags->data, optarg); break;
    case 'D': rc = set(&flags->desk_listen, optarg); break;
    case 'U': rc = set(&flags->desk_users, optarg); break;
    case 'C': rc = set(&flags->desk_tls_cert, optarg); break;
    case 'K': rc = set(&flags->desk_tls_key, optarg); break;
    case 'M': rc = set(&flags->metrics, optarg); break;
    case 'h': usage(stdout); return (command_line_t){.exit_code = 0};
    case 'V':
      dbn_version_print("duban-agent", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION);
      return (command_line_t){.exit_code = 0};
    case ':':
      fprintf(stderr,
              dbn_tr("duban-agent：选项 '%s' 需要一个值\n", "duban-agent: option '%s' needs a value\n"),
              argv[optind - 1]);
      return line;
    default:
      fprintf(stderr,
              dbn_tr("duban-agent：未知选项 '%s'（见 --help）\n",
                     "duban-agent: unknown option '%s' (see --help)\n"),
              argv[optind - 1]);
      return line;
    }
    if (rc)
      return line;
  }
  if (optind < argc) {
    fprintf(stderr, dbn_tr("duban-agent：多余的参数 `%s`\n", "duban-agent: unexpected argument `%s`\n"),
            argv[optind]);
    usage(stderr);
    return line;
  }
  line.run = true;
  return line;
}

/* The agent's options from the flags, then the config file; false (and a
 * message) when one is missing from both. The options borrow the strings. */
static bool
resolve_options(const settings_t *flags, const settings_t *from_file, dbn_agent_options_t *options)
{
  *options = (dbn_agent_options_t){
      .broker_endpoint = flags->broker ? flags->broker : from_file->broker,
      .server_cert = flags->server_key ? flags->server_key : from_file->server_key,
      .client_cert = flags->key ? flags->key : from_file->key,
      .listen_endpoint = flags->listen ? flags->listen : from_file->listen,
      .data_dir = flags->data ? flags->data : from_file->data,
      .metrics_listen = flags->metrics ? flags->metrics : from_file->metrics,
  };
  const char *missing = !options->broker_endpoint   ? "--broker"
                        : !options->server_cert     ? "--server-key"
                        : !options->client_cert     ? "--key"
                        : !options->listen_endpoint ? "--listen"
                        : !options->data_dir        ? "--data"
                                                    : NULL;
  if (missing) {
    fprintf(stderr,
            dbn_tr("duban-agent：必须给出 %s（作为选项或写在 --config 中）\n",
                   "duban-agent: %s is required (as a flag or in --config)\n"),
            missing);
    usage(stderr);
    return false;
  }
  return true;
}

/* Block SIGTERM and SIGINT (before ZeroMQ starts a thread, so every thread
 * inherits the mask) and return a signalfd that becomes readable when one
 * arrives, or -1 after logging why not. */
static int
open_stop_signals(void)
{
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &stop_signals, NULL) != 0) {
    dbn_log(DBN_LOG_ERROR, "agent", dbn_tr("无法屏蔽 SIGTERM/SIGINT：%s", "cannot block SIGTERM/SIGINT: %s"),
            strerror(errno));
    return -1;
  }
  int stop_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (stop_fd < 0)
    dbn_log(DBN_LOG_ERROR, "agent", dbn_tr("无法创建 signalfd：%s", "cannot create a signalfd: %s"),
            strerror(errno));
  return stop_fd;
}

/* The desk's options from the flags, then the config file; false (and a
 * message) when they are half given. *wanted_p says whether to start one. */
static bool
resolve_desk(const settings_t *flags, const settings_t *from_file, const dbn_agent_options_t *agent,
             dbn_desk_options_t *desk, bool *wanted_p)
{
  *desk = (dbn_desk_options_t){
      .agent_endpoint = agent->listen_endpoint,
      .listen = flags->desk_listen ? flags->desk_listen : from_file->desk_listen,
      .users_file = flags->desk_users ? flags->desk_users : from_file->desk_users,
      .tls_cert = flags->desk_tls_cert ? flags->desk_tls_cert : from_file->desk_tls_cert,
      .tls_key = flags->desk_tls_key ? flags->desk_tls_key : from_file->desk_tls_key,
  };
  *wanted_p = desk->listen != NULL;
  if (!*wanted_p)
    return true;
  if (!desk->users_file || !desk->tls_cert != !desk->tls_key) {
    fputs(dbn_tr("duban-agent：--desk-listen 需要 --desk-users FILE，--desk-tls-cert 和 --desk-tls-key "
                 "须一起给出\n",
                 "duban-agent: --desk-listen needs --desk-users FILE, and --desk-tls-cert goes with "
                 "--desk-tls-key\n"),
          stderr);
    return false;
  }
  return true;
}

/* Start the agent (and its desk, when desk is not NULL) and serve until a
 * stop signal; the exit code. */
static int
run_agent(const dbn_agent_options_t *options, const dbn_desk_options_t *desk_options)
{
  int stop_fd = open_stop_signals();
  if (stop_fd < 0)
    return 1;
  dbn_agent_t *agent = NULL;
  int rc = dbn_agent_new(&agent, options);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "agent", dbn_tr("无法启动：%s", "cannot start: %s"), dbn_strerror(rc));
    close(stop_fd);
    return 1;
  }
  /* After the agent has bound its ipc socket: the desk talks to it there. */
  dbn_desk_t *desk = NULL;
  if (desk_options && dbn_desk_new(&desk, desk_options) != 0)
    dbn_log(DBN_LOG_ERROR, "agent", "%s",
            dbn_tr("部门工作台无法启动；代理在没有工作台的情况下运行",
                   "cannot start the desk; the agent runs without it"));
  rc = dbn_agent_run(agent, stop_fd);
  dbn_desk_destroy(&desk);
  dbn_agent_destroy(&agent);
  close(stop_fd);
  if (rc)
    return 1;
  dbn_log(DBN_LOG_INFO, "agent", "%s", dbn_tr("已停止", "stopped"));
  return 0;
}

int
main(int argc, char **argv)
{
  settings_t flags = {0}, from_file = {0};
  command_line_t line = parse_flags(argc, argv, &flags);
  int exit_code = line.exit_code;
  char zone_why[512];
  if (line.run && dbn_plan_zone_check(zone_why, sizeof zone_why)) {
    fprintf(stderr, "duban-agent: %s\n", zone_why);
    line.run = false;
    exit_code = 2;
  }
  dbn_agent_options_t options;
  dbn_desk_options_t desk;
  bool desk_wanted = false;
  if (line.run && (!line.config || load_config(line.config, &from_file) == 0) &&
      resolve_options(&flags, &from_file, &options) &&
      resolve_desk(&flags, &from_file, &options, &desk, &desk_wanted))
    exit_code = run_agent(&options, desk_wanted ? &desk : NULL);
  settings_clear(&flags);
  settings_clear(&from_file);
  return exit_code;
}
