/* notify_main.c: duban-notify, the daemon that sends notifications.
 *
 * It watches the broker's event stream with a coordinator's key from the
 * notifier's last seq + 1 and offers every event, in order, to the
 * notifier (notify.h), whose own thread delivers. The cursor is the
 * notifier's: it is stored in the same transaction as the queued entries,
 * so a restart neither skips an event nor queues one twice. As in `duban
 * watch`, a gap or a silence re-sends Watch{after_seq} and the broker
 * replays from its log.
 *
 * SIGTERM and SIGINT arrive through a signalfd polled beside the socket
 * (blocked before ZeroMQ and the delivery thread start, so they inherit
 * the mask): no global flag, no race between checking it and sleeping. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <zmq.h>

#include "date.h"
#include "client.h"
#include "log.h"
#include "monotonic.h"
#include "notify.h"
#include "store.h"
#include "version.h"
#include "wire.h"

#define KEEPALIVE_MS 3000

static void
usage(FILE *out)
{
  fprintf(out, "usage: duban-notify --config FILE --data DIR [--broker tcp://HOST:PORT] [--from start|head]\n"
               "                    [--server-key KEYS/broker.key] [--key KEYS/coordinator-NAME.key]\n"
               "\n"
               "Sends 催办, rejections, deadline warnings, 督办 ladder levels, escalations and\n"
               "resolutions to DingTalk, WeCom and JSON webhooks (see examples/notify/notify.conf).\n"
               "Every notification is queued on disk before it is sent and retried until the\n"
               "receiver takes it; a restart resumes where it stopped.\n"
               "\n"
               "  --config FILE      the channels (required)\n"
               "  --data DIR         where the queue lives (required)\n"
               "  --broker URL       the broker's endpoint (or DUBAN_BROKER)\n"
               "  --server-key FILE  the broker's public cert (or DUBAN_SERVER_KEY)\n"
               "  --key FILE         a coordinator's cert, with its _secret file beside it\n"
               "                     (or DUBAN_KEY)\n"
               "  --from WHERE       where a new queue starts: start (every event of the log,\n"
               "                     the default) or head (only events after the log's head\n"
               "                     when the queue is made; older ones are not sent). A queue\n"
               "                     that exists resumes where it stopped either way\n"
               "  --status           print the queue's status as JSON and exit\n"
               "  --version          the version, the wire protocol's and the log format's\n"
               "  --help             this text\n"
               "\n"
               "Logs go to stderr. SIGTERM or SIGINT stop it cleanly.\n");
}

typedef struct {
  const char *broker, *server_key, *key, *config, *data; /* borrowed from argv or the environment */
  bool status;                                           /* --status */
  bool from_head;                                        /* --from head */
} settings_t;

/* what, then arg in quotes when there is one. */
static int
bad_option(const char *what, const char *arg)
{
  if (arg)
    fprintf(stderr, "duban-notify：%s“%s”\n", what, arg);
  else
    fprintf(stderr, "duban-notify：%s\n", what);
  fprintf(stderr, "（duban-notify --help 查看用法）\n");
  return 2;
}

/* 0 to run, -1 after --help, else the exit code. */
static int
parse_args(int argc, char **argv, settings_t *s)
{
  static const struct option options[] = {
      {"broker", required_argument, NULL, 'b'}, {"server-key", required_argument, NULL, 's'},
      {"key", required_argument, NULL, 'k'},    {"config", required_argument, NULL, 'c'},
      {"data", required_argument, NULL, 'd'},   {"status", no_argument, NULL, 'S'},
      {"from", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},      {0},
  };
  s->broker = getenv("DUBAN_BROKER");
  s->server_key = getenv("DUBAN_SERVER_KEY");
  s->key = getenv("DUBAN_KEY");
  opterr = 0;
  int opt;
  while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
    switch (opt) {
    case 'b': s->broker = optarg; break;
    case 's': s->server_key = optarg; break;
    case 'k': s->key = optarg; break;
    case 'c': s->config = optarg; break;
    case 'd': s->data = optarg; break;
    case 'S': s->status = true; break;
    case 'f':
      if (strcmp(optarg, "head") != 0 && strcmp(optarg, "start") != 0)
        return bad_option("--from 应为 start 或 head，而不是", optarg);
      s->from_head = strcmp(optarg, "head") == 0;
      break;
    case 'h': usage(stdout); return -1;
    case 'V': dbn_version_print("duban-notify", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION); return -1;
    case ':': return bad_option("option needs a value（选项缺少取值）", argv[optind - 1]);
    default:
      fprintf(stderr, "duban-notify: unknown option '%s'（未知选项）\n（duban-notify --help 查看用法）\n",
              argv[optind - 1]);
      return 2;
    }
  }
  if (optind < argc)
    return bad_option("多余的参数", argv[optind]);
  if (!s->config)
    return bad_option("缺少 --config FILE（通知通道的配置文件）", NULL);
  if (!s->data)
    return bad_option("缺少 --data DIR（通知队列所在目录）", NULL);
  if (!s->status && (!s->broker || !s->server_key || !s->key))
    return bad_option("缺少 --broker、--server-key 或 --key（协调员的密钥）", NULL);
  return 0;
}

/* Offer the events of one delivery that continue the sequence; *gap_p when
 * one was skipped. An offer that fails (disk) stops the run: the cursor
 * did not move, so the next run retries that event. */
static int
take_events(dbn_notifier_t *notifier, const Duban__Reply *reply, uint64_t *last_p, bool *gap_p)
{
  for (size_t i = 0; i < reply->n_events; i++) {
    const Duban__Event *event = reply->events[i];
    if (event->seq <= *last_p)
      continue;
    if (event->seq != *last_p + 1) {
      *gap_p = true;
      return 0;
    }
    int rc = dbn_notifier_offer(notifier, event);
    if (rc) {
      dbn_log(DBN_LOG_ERROR, "notify", "cannot queue event %llu: %s", (unsigned long long)event->seq,
              dbn_strerror(rc));
      return rc;
    }
    *last_p = event->seq;
  }
  return 0;
}

/* A new queue told to start at the head (--from head) does so at the
 * head the broker's first answer names: the events up to it are still
 * offered, in order, but only teach names (notify.h). */
static int
start_at_head(dbn_notifier_t *notifier, uint64_t head, bool *pending_p)
{
  int rc = dbn_notifier_skip_to(notifier, head);
  if (rc == 0) {
    dbn_log(DBN_LOG_INFO, "notify", "new queue: events up to seq %llu are history, not sent",
            (unsigned long long)head);
    *pending_p = false;
  }
  return rc;
}

/* Read one reply (or the signal) within wait_ms: 0 to go on, 1 on SIGTERM
 * or SIGINT, -1 on a failure that waiting will not mend. */
static int
handle_one(dbn_client_t *client, int sigfd, dbn_notifier_t *notifier, uint64_t *last_p, bool *gap_p,
           bool *heard_p, bool *head_pending_p, int wait_ms)
{
  zmq_pollitem_t items[] = {{.socket = dbn_client_socket(client), .events = ZMQ_POLLIN},
                            {.fd = sigfd, .events = ZMQ_POLLIN}};
  if (zmq_poll(items, 2, wait_ms) < 0)
    return errno == EINTR ? 0 : -1;
  if (items[1].revents & ZMQ_POLLIN)
    return 1;
  if (!(items[0].revents & ZMQ_POLLIN))
    return 0;
  Duban__Reply *reply;
  if (dbn_client_recv(client, &reply, 0) != 0)
    return 0;
  *heard_p = true;
  int rc = 0;
  if (reply->code == DUBAN__CODE__CODE_OK && *head_pending_p)
    rc = start_at_head(notifier, reply->head_seq, head_pending_p) ? -1 : 0;
  if (rc == 0 && reply->code == DUBAN__CODE__CODE_OK)
    rc = take_events(notifier, reply, last_p, gap_p) ? -1 : 0;
  else if (reply->code != DUBAN__CODE__CODE_UNAVAILABLE) {
    dbn_log(DBN_LOG_ERROR, "notify", "the broker refused the watch: %s", reply->message);
    rc = -1;
  }
  dbn_wire_reply_free(&reply);
  return rc;
}

static int
follow(dbn_client_t *client, int sigfd, dbn_notifier_t *notifier, bool from_head)
{
  bool head_pending = from_head && dbn_notifier_is_new(notifier);
  uint64_t last = dbn_notifier_last_seq(notifier);
  dbn_log(DBN_LOG_INFO, "notify", "watching events after seq %llu", (unsigned long long)last);
  (void)dbn_client_watch(client, last);
  int64_t sent_ms = dbn_monotonic_ms(), heard_ms = sent_ms;
  for (;;) {
    int64_t now = dbn_monotonic_ms();
    if (now - sent_ms >= KEEPALIVE_MS && now - heard_ms >= KEEPALIVE_MS) {
      (void)dbn_client_watch(client, last); /* unreachable broker: ZeroMQ keeps trying */
      sent_ms = now;
    }
    bool gap = false, heard = false;
    int rc = handle_one(client, sigfd, notifier, &last, &gap, &heard, &head_pending, 500);
    if (rc)
      return rc < 0 ? 1 : 0;
    if (heard)
      heard_ms = dbn_monotonic_ms();
    if (gap && dbn_monotonic_ms() - sent_ms >= 200) {
      (void)dbn_client_watch(client, last);
      sent_ms = dbn_monotonic_ms();
    }
  }
}

static int
print_status(dbn_notifier_t *notifier)
{
  cJSON *status = dbn_notifier_status(notifier);
  char *text = status ? cJSON_PrintUnformatted(status) : NULL;
  if (text)
    printf("%s\n", text);
  free(text);
  cJSON_Delete(status);
  return text ? 0 : 1;
}

static int
run(const settings_t *s, int sigfd)
{
  char why[512] = "";
  dbn_notifier_options_t options = {.data_dir = s->data, .config_path = s->config};
  dbn_notifier_t *notifier;
  if (dbn_notifier_new(&notifier, &options, why, sizeof why) != 0) {
    fprintf(stderr, "duban-notify：%s\n", why);
    return 2;
  }
  if (s->status) {
    int rc = print_status(notifier);
    dbn_notifier_destroy(&notifier);
    return rc;
  }
  dbn_client_options_t copts = {.endpoint = s->broker, .server_cert = s->server_key, .client_cert = s->key};
  dbn_client_t *client;
  int rc = dbn_client_new(&client, &copts);
  if (rc) {
    fprintf(stderr, "duban-notify：无法连接 %s（%s）：检查 --broker、--server-key 和 --key\n", s->broker,
            dbn_strerror(rc));
    dbn_notifier_destroy(&notifier);
    return 2;
  }
  rc = dbn_notifier_start(notifier);
  if (rc)
    fprintf(stderr, "duban-notify：无法开始发送（%s）：另一个 duban-notify 或控制台是否正在使用 %s？\n",
            dbn_strerror(rc), s->data);
  else
    rc = follow(client, sigfd, notifier, s->from_head);
  dbn_log(DBN_LOG_INFO, "notify", "stopping");
  dbn_client_destroy(&client);
  dbn_notifier_destroy(&notifier);
  return rc;
}

int
main(int argc, char **argv)
{
  settings_t s = {0};
  int rc = parse_args(argc, argv, &s);
  if (rc)
    return rc < 0 ? 0 : rc;
  char zone_why[512];
  if (dbn_plan_zone_check(zone_why, sizeof zone_why)) {
    fprintf(stderr, "duban-notify: %s\n", zone_why);
    return 2;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
    return 1;
  signal(SIGPIPE, SIG_IGN); /* a receiver that hangs up is an error to retry, not a reason to die */
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sigfd < 0) {
    perror("duban-notify: signalfd");
    return 1;
  }
  rc = run(&s, sigfd);
  close(sigfd);
  return rc;
}
