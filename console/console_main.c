/* console_main.c: duban-console, the coordinators' board. It connects to
 * the broker with a coordinator's (or auditor's) key, mirrors the log into
 * its own data directory, and serves the board over HTTP(S), by default on
 * 127.0.0.1 only; with --notify-config it also sends the notifications
 * (console_notify.c). Stops cleanly on SIGTERM or SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
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
    "                    [--notify-config FILE [--notify-data DIR] [--notify-from auto|head|start]]\n"
    "                    [--config FILE]\n"
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
    "  --notify-config FILE  发送通知（钉钉、企业微信、JSON webhook，格式见\n"
    "                    examples/notify/notify.conf），无需另起 duban-notify\n"
    "  --notify-data DIR 通知队列目录，默认 DATA/notify\n"
    "  --notify-from WHERE  新建的通知队列从何处开始：auto（默认：日志已有事件时\n"
    "                    从日志末尾开始，旧事件不再发送）、head（总是从末尾）、\n"
    "                    start（从第一个事件起全部发送）。已有的队列总是从上次停下处继续\n"
    "  --config FILE     配置文件：每行 键 = 值，键与上面的选项同名（不带 --），\n"
    "                    # 开头为注释；命令行选项优先\n"
    "  --version         版本（及协议版本、日志视图版本）\n"
    "  --help            本说明\n";

typedef struct {
  const char *broker, *keys, *key, *data, *users, *listen, *tls_cert, *tls_key;
  const char *notify_config, *notify_data, *notify_from, *config;
} options_t;

/* The options that take a value, once, for the flags and the config file
 * alike (a config key is the flag's name). */
static const struct {
  const char *name;
  size_t offset;
} settings[] = {
    {"broker", offsetof(options_t, broker)},
    {"keys", offsetof(options_t, keys)},
    {"key", offsetof(options_t, key)},
    {"data", offsetof(options_t, data)},
    {"users", offsetof(options_t, users)},
    {"listen", offsetof(options_t, listen)},
    {"tls-cert", offsetof(options_t, tls_cert)},
    {"tls-key", offsetof(options_t, tls_key)},
    {"notify-config", offsetof(options_t, notify_config)},
    {"notify-data", offsetof(options_t, notify_data)},
    {"notify-from", offsetof(options_t, notify_from)},
    {"config", offsetof(options_t, config)},
};
#define SETTING_COUNT (sizeof settings / sizeof settings[0])
#define SETTING_FLAG 256 /* getopt's val for settings[i] is SETTING_FLAG + i */

static const char **
setting_slot(options_t *o, size_t i)
{
  return (const char **)((char *)o + settings[i].offset);
}

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

static char *
trim(char *text)
{
  while (*text == ' ' || *text == '\t')
    text++;
  size_t len = strlen(text);
  while (len && strchr(" \t\r\n", text[len - 1]))
    text[--len] = '\0';
  return text;
}

/* Fill the settings flags left unset from `key = value` lines of path.
 * The values point into *text_p, which the caller frees at exit. */
static int
read_config(const char *path, options_t *o, char **text_p)
{
  FILE *file = fopen(path, "r");
  if (!file)
    return bad("无法读取配置文件 %s：%s", path, strerror(errno));
  char *text = NULL;
  size_t size = 0;
  ssize_t got = getdelim(&text, &size, '\0', file);
  fclose(file);
  *text_p = text;
  if (got < 0)
    return got == -1 && text ? 0 : bad("无法读取配置文件 %s", path);
  int number = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    number++;
    char *body = trim(line), *equals = strchr(body, '=');
    if (!*body || *body == '#')
      continue;
    if (!equals)
      return bad("%s 第 %d 行：应为 键 = 值", path, number);
    *equals = '\0';
    char *key = trim(body), *value = trim(equals + 1);
    size_t i = 0;
    while (i < SETTING_COUNT && strcmp(settings[i].name, key) != 0)
      i++;
    if (i == SETTING_COUNT || strcmp(key, "config") == 0)
      return bad("%s 第 %d 行：未知的键 '%s'", path, number, key);
    if (!*setting_slot(o, i))
      *setting_slot(o, i) = value;
  }
  return 0;
}

static int
check(options_t *o)
{
  if (!o->listen)
    o->listen = "127.0.0.1:8080";
  if (!o->broker)
    o->broker = getenv("DUBAN_BROKER");
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
  if (o->notify_from && strcmp(o->notify_from, "auto") != 0 && strcmp(o->notify_from, "head") != 0 &&
      strcmp(o->notify_from, "start") != 0)
    return bad("--notify-from 应为 auto、head 或 start，而不是 '%s'", o->notify_from);
  if ((o->notify_data || o->notify_from) && !o->notify_config)
    return bad("%s", "--notify-data 与 --notify-from 须与 --notify-config 一起使用");
  return 0;
}

static int
parse(int argc, char **argv, options_t *o, char **config_text_p)
{
  struct option options[SETTING_COUNT + 3];
  for (size_t i = 0; i < SETTING_COUNT; i++)
    options[i] = (struct option){settings[i].name, required_argument, NULL, SETTING_FLAG + (int)i};
  options[SETTING_COUNT] = (struct option){"help", no_argument, NULL, 'h'};
  options[SETTING_COUNT + 1] = (struct option){"version", no_argument, NULL, 'V'};
  options[SETTING_COUNT + 2] = (struct option){NULL, 0, NULL, 0};
  int opt;
  memset(o, 0, sizeof *o);
  opterr = 0; /* our own words for a bad option, below */
  while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
    switch (opt) {
    case 'h': fputs(usage, stdout); exit(0);
    case 'V': dbn_version_print("duban-console", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION); exit(0);
    case ':': return bad("option '%s' needs a value（选项缺少取值）", argv[optind - 1]);
    default:
      if (opt >= SETTING_FLAG && opt < SETTING_FLAG + (int)SETTING_COUNT) {
        *setting_slot(o, (size_t)(opt - SETTING_FLAG)) = optarg;
        break;
      }
      return bad("unknown option '%s'（未知选项）", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return bad("多余的参数 '%s'", argv[optind]);
  int rc = o->config ? read_config(o->config, o, config_text_p) : 0;
  return rc ? rc : check(o);
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

static enum dbn_console_notify_from
notify_from(const char *text)
{
  if (text && strcmp(text, "head") == 0)
    return DBN_NOTIFY_FROM_HEAD;
  if (text && strcmp(text, "start") == 0)
    return DBN_NOTIFY_FROM_START;
  return DBN_NOTIFY_FROM_AUTO;
}

/* The notifier, when --notify-config names channels; 0 or an exit code. */
static int
open_notifier(dbn_console_t *console, const options_t *o)
{
  if (!o->notify_config)
    return 0;
  char dir[4096];
  if (o->notify_data)
    snprintf(dir, sizeof dir, "%s", o->notify_data);
  else if (snprintf(dir, sizeof dir, "%s/notify", o->data) >= (int)sizeof dir)
    return bad("%s", "通知队列路径过长");
  console->notify_from = notify_from(o->notify_from);
  char why[1024] = "";
  if (dbn_console_notify_open(console, o->notify_config, dir, why, sizeof why) != 0) {
    fprintf(stderr, "duban-console: %s\n", why);
    return 2;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  options_t o;
  char *config_text = NULL;
  int rc = parse(argc, argv, &o, &config_text);
  if (rc != 0) {
    free(config_text);
    return rc;
  }
  char zone_why[512];
  if (dbn_plan_zone_check(zone_why, sizeof zone_why)) {
    fprintf(stderr, "duban-console: %s\n", zone_why);
    free(config_text);
    return 2;
  }
  dbn_console_t console = {.broker = o.broker, .data_dir = o.data};
  if ((rc = key_paths(&console, &o)) != 0) {
    free(config_text);
    return rc;
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  dbn_web_users_t *users = NULL;
  dbn_web_sessions_t *sessions = NULL;
  if ((rc = dbn_web_users_load(&users, o.users)) != 0) {
    fprintf(stderr, "duban-console: 无法读取账号文件 %s: %s%s\n", o.users, dbn_strerror(rc),
            rc == DBN_EPERM ? "（文件可被他人写入，请 chmod 600）" : "");
    free(config_text);
    return 1;
  }
  if (dbn_store_open(&console.mirror, o.data, NULL) != 0) {
    fprintf(stderr, "duban-console: 无法打开日志副本目录 %s\n", o.data);
    dbn_web_users_destroy(&users);
    free(config_text);
    return 1;
  }
  rc = open_notifier(&console, &o);
  if (rc == 0) {
    rc = 1;
    if (dbn_web_sessions_new(&sessions, 0, 0) == 0 &&
        dbn_web_hub_new(&console.hub, dbn_console_backlog, &console, 0) == 0 &&
        dbn_console_live_start(&console) == 0 && dbn_console_follow_start(&console) == 0)
      rc = serve(&console, &o, users, sessions);
  }
  atomic_store(&console.stop, true);
  dbn_console_follow_join(&console);
  dbn_console_live_stop(&console);
  dbn_notifier_destroy(&console.notifier); /* after the follower: it offers to the notifier */
  dbn_web_hub_destroy(&console.hub);
  dbn_web_sessions_destroy(&sessions);
  dbn_store_destroy(&console.mirror);
  dbn_web_users_destroy(&users);
  free(config_text);
  return rc;
}
