/* console_main.c: duban-console, the coordinators' board. It connects to
 * the broker with a coordinator's (or auditor's) key, mirrors the log into
 * its own data directory, and serves the board over HTTP(S), by default on
 * 127.0.0.1 only. Stops cleanly on SIGTERM or SIGINT. */
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "console.h"
#include "log.h"
#include "store.h"
#include "version.h"
#include "wire.h"

static const char usage[] =
    "用法: duban-console --broker tcp://HOST:PORT --keys DIR --key NAME --data DIR --users FILE\n"
    "                    [--listen 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE]\n"
    "\n"
    "督办看板：以协调办（或审计）的密钥连接督办服务器，在 --data 目录保存日志副本，\n"
    "并在 --listen 地址提供网页看板（默认只监听 127.0.0.1）。\n"
    "  --broker URL      督办服务器地址（或环境变量 DUBAN_BROKER）\n"
    "  --keys DIR        密钥目录（含 broker.key）\n"
    "  --key NAME        本看板的密钥名，如 coordinator-office（DIR/NAME.key）\n"
    "  --data DIR        日志副本目录\n"
    "  --users FILE      账号文件（duban user add 创建）\n"
    "  --listen ADDR     监听地址:端口，默认 127.0.0.1:8080\n"
    "  --tls-cert FILE   HTTPS 证书（PEM），与 --tls-key 一起使用\n"
    "  --tls-key FILE    HTTPS 私钥（PEM）\n"
    "  --version         版本（及协议版本、日志视图版本）\n"
    "  --help            本说明\n";

typedef struct {
  const char *broker, *keys, *key, *data, *users, *listen, *tls_cert, *tls_key;
} options_t;

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
  stop_signal = sig;
}

static int __attribute__((format(printf, 1, 2))) bad(const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  fprintf(stderr, "duban-console: ");
  vfprintf(stderr, format, ap);
  fprintf(stderr, "\n");
  fprintf(stderr, "试试 'duban-console --help'\n");
  va_end(ap);
  return 2;
}

static int
parse(int argc, char **argv, options_t *o)
{
  static const struct option options[] = {
      {"broker", required_argument, NULL, 'b'},
      {"keys", required_argument, NULL, 'K'},
      {"key", required_argument, NULL, 'k'},
      {"data", required_argument, NULL, 'd'},
      {"users", required_argument, NULL, 'u'},
      {"listen", required_argument, NULL, 'l'},
      {"tls-cert", required_argument, NULL, 'c'},
      {"tls-key", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  int opt;
  memset(o, 0, sizeof *o);
  o->listen = "127.0.0.1:8080";
  o->broker = getenv("DUBAN_BROKER");
  opterr = 0; /* our own words for a bad option, below */
  while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
    switch (opt) {
    case 'b': o->broker = optarg; break;
    case 'K': o->keys = optarg; break;
    case 'k': o->key = optarg; break;
    case 'd': o->data = optarg; break;
    case 'u': o->users = optarg; break;
    case 'l': o->listen = optarg; break;
    case 'c': o->tls_cert = optarg; break;
    case 'p': o->tls_key = optarg; break;
    case 'h': fputs(usage, stdout); exit(0);
    case 'V': dbn_version_print("duban-console", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION); exit(0);
    case ':': return bad("option '%s' needs a value（选项缺少取值）", argv[optind - 1]);
    default: return bad("unknown option '%s'（未知选项）", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return bad("多余的参数 '%s'", argv[optind]);
  if (!o->broker || strncmp(o->broker, "tcp://", 6) != 0)
    return bad("%s", "需要 --broker tcp://主机:端口");
  if (!o->keys || !o->key)
    return bad("%s", "需要 --keys 密钥目录 和 --key 密钥名");
  if (!o->data)
    return bad("%s", "需要 --data 日志副本目录");
  if (!o->users)
    return bad("%s", "需要 --users 账号文件");
  if (!o->tls_cert != !o->tls_key)
    return bad("%s", "--tls-cert 与 --tls-key 须同时给出");
  return 0;
}

static int
key_paths(dbn_console_t *console, const options_t *o)
{
  const char *name = o->key;
  size_t len = strlen(name);
  const char *suffix = len > 4 && strcmp(name + len - 4, ".key") == 0 ? "" : ".key";
  if (snprintf(console->server_cert, sizeof console->server_cert, "%s/broker.key", o->keys) >=
          (int)sizeof console->server_cert ||
      snprintf(console->client_cert, sizeof console->client_cert, "%s/%s%s", o->keys, name, suffix) >=
          (int)sizeof console->client_cert)
    return bad("%s", "密钥路径过长");
  if (access(console->server_cert, R_OK) != 0)
    return bad("找不到服务器公钥 %s", console->server_cert);
  if (access(console->client_cert, R_OK) != 0)
    return bad("找不到密钥 %s", console->client_cert);
  return 0;
}

static int
serve(dbn_console_t *console, const options_t *o, dbn_web_users_t *users, dbn_web_sessions_t *sessions)
{
  dbn_web_config_t config = {
      .listen = o->listen,
      .tls_cert = o->tls_cert,
      .tls_key = o->tls_key,
      .body_limit = 1u << 20,
      .routes = dbn_console_routes,
      .route_count = dbn_console_route_count,
      .arg = console,
      .users = users,
      .sessions = sessions,
      .index_asset = "board/index.html",
      .login_asset = "common/login.html",
      .allowed_roles =
          (1u << DBN_WEB_ROLE_COORDINATOR) | (1u << DBN_WEB_ROLE_AUDITOR) | (1u << DBN_WEB_ROLE_ADMIN),
  };
  dbn_web_server_t *server;
  int rc = dbn_web_server_new(&server, &config);
  if (rc != 0) {
    fprintf(stderr, "duban-console: 无法在 %s 提供服务: %s\n", o->listen, dbn_strerror(rc));
    return 1;
  }
  const char *colon = strrchr(o->listen, ':');
  int host_len = (int)(colon - o->listen);
  printf("duban-console: 看板 %s://%.*s:%u/\n", o->tls_cert ? "https" : "http", host_len, o->listen,
         dbn_web_server_port(server));
  fflush(stdout);
  while (!stop_signal)
    pause();
  dbn_log(DBN_LOG_INFO, "console", "stopping on signal %d", (int)stop_signal);
  atomic_store(&console->stop, true);
  dbn_web_server_destroy(&server);
  return 0;
}

int
main(int argc, char **argv)
{
  options_t o;
  int rc = parse(argc, argv, &o);
  if (rc != 0)
    return rc;
  char zone_why[512];
  if (dbn_plan_zone_check(zone_why, sizeof zone_why)) {
    fprintf(stderr, "duban-console: %s\n", zone_why);
    return 2;
  }
  dbn_console_t console = {.broker = o.broker, .data_dir = o.data};
  if ((rc = key_paths(&console, &o)) != 0)
    return rc;
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  dbn_web_users_t *users = NULL;
  dbn_web_sessions_t *sessions = NULL;
  if ((rc = dbn_web_users_load(&users, o.users)) != 0) {
    fprintf(stderr, "duban-console: 无法读取账号文件 %s: %s%s\n", o.users, dbn_strerror(rc),
            rc == DBN_EPERM ? "（文件可被他人写入，请 chmod 600）" : "");
    return 1;
  }
  if (dbn_store_open(&console.mirror, o.data, NULL) != 0) {
    fprintf(stderr, "duban-console: 无法打开日志副本目录 %s\n", o.data);
    dbn_web_users_destroy(&users);
    return 1;
  }
  rc = 1;
  if (dbn_web_sessions_new(&sessions, 0, 0) == 0 &&
      dbn_web_hub_new(&console.hub, dbn_console_backlog, &console, 0) == 0 &&
      dbn_console_follow_start(&console) == 0)
    rc = serve(&console, &o, users, sessions);
  atomic_store(&console.stop, true);
  dbn_console_follow_join(&console);
  dbn_web_hub_destroy(&console.hub);
  dbn_web_sessions_destroy(&sessions);
  dbn_store_destroy(&console.mirror);
  dbn_web_users_destroy(&users);
  return rc;
}
