/* cmd_watch.c: `duban watch`, the coordinators' live view.
 *
 * First the open escalations (what needs someone now), then every event
 * after the head that listing saw, as it is committed. A department (a
 * unit's key or agent) sees only the events of its own tasks and its own
 * events; the broker says which seqs each of its deliveries covers. Watching loses
 * nothing (DESIGN invariant 7) because the watcher, not the broker, owns
 * the cursor: it remembers the last seq it printed, and whenever the stream
 * skips one (a gap) or falls silent for a few seconds (a restarted broker
 * has forgotten the subscription), it simply sends Watch{after_seq = last}
 * again. The broker replays from its log, so a repeat costs a few
 * duplicates, which are dropped by seq. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang.h"
#include "cli.h"
#include "event_line.h"
#include "monotonic.h"

static const char watch_usage[] =
    "usage: duban watch [--after SEQ] [--count N] [--timeout-idle MS] [--json]\n"
    "\n"
    "Print the open escalations, then every event after them as it happens:\n"
    "seq, time (UTC), actor, kind, task, details; with --json one object per\n"
    "line (the first line {\"open_escalations\": [...], \"head_seq\": N}, then\n"
    "events as 'duban audit replay --json' prints them).\n"
    "\n"
    "  --after SEQ          start after SEQ instead of after the current head\n"
    "                       (--after 0: the whole log, then live)\n"
    "  --count N            exit after N events\n"
    "  --timeout-idle MS    exit after MS without an event\n"
    "  --keepalive MS       re-send the subscription after MS of silence\n"
    "                       (default 3000), which survives a broker restart\n"
    "\n"
    "A gap in the sequence numbers is filled from the broker's log before\n"
    "going on, so no event is ever skipped.\n"
    "\n" DBN_CLI_CONNECTION_HELP;

/* One watcher's progress through the log. */
typedef struct {
  dbn_cli_t *cli;             /* the run; borrowed */
  uint64_t last_seq;          /* the last event printed (or the starting point) */
  uint64_t printed;           /* events printed so far */
  uint64_t count;             /* stop after this many; 0 = never */
  int64_t last_sent_ms;       /* when Watch was last sent (monotonic) */
  dbn_cli_unit_names_t names; /* the plan's units, for Chinese lines; empty = codes */
} watcher_t;

/* The plan's units, for names in place of codes: the first page of
 * ListTasks carries them. Only for Chinese lines; a broker that cannot
 * answer leaves the codes, which the lines show as before. */
static void
fetch_unit_names(watcher_t *w)
{
  Duban__ListTasks list = DUBAN__LIST_TASKS__INIT;
  list.limit = 1;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_TASKS;
  req.list_tasks = &list;
  Duban__Reply *reply;
  if (dbn_cli_request(w->cli, &req, &reply) != DBN_CLI_EXIT_OK)
    return;
  (void)dbn_cli_unit_names_set(&w->names, reply->units, reply->n_units);
  dbn_wire_reply_free(&reply);
}

static int
send_watch(watcher_t *w)
{
  Duban__Watch watch = DUBAN__WATCH__INIT;
  watch.after_seq = w->last_seq;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_WATCH;
  req.watch = &watch;
  dbn_cli_set_request_id(w->cli, &req);
  w->last_sent_ms = dbn_monotonic_ms();
  int rc = dbn_client_send_any(w->cli->client, &req);
  if (rc != 0)
    return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(rc)),
                        dbn_tr("无法发送订阅请求：%s", "cannot send watch: %s"), dbn_strerror(rc));
  return DBN_CLI_EXIT_OK;
}

/* Best effort: tell the broker to stop streaming to us. */
static void
send_unwatch(watcher_t *w)
{
  Duban__Unwatch unwatch = DUBAN__UNWATCH__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_UNWATCH;
  req.unwatch = &unwatch;
  dbn_cli_set_request_id(w->cli, &req);
  (void)dbn_client_send(w->cli->client, &req);
}

/* Print the events of one delivery that continue the sequence. Returns
 * DBN_CLI_EXIT_OK, with *gap_p true when a seq was skipped, and *done_p
 * when --count is reached. */
static int
take_events(watcher_t *w, const Duban__Reply *reply, bool *gap_p, bool *done_p)
{
  /* A unit's watch leaves out other units' events: the delivery says which
   * seqs it covers, and a jump inside them is no gap. */
  bool covered = reply->stream_through && reply->stream_after <= w->last_seq;
  for (size_t i = 0; i < reply->n_events; i++) {
    const Duban__Event *event = reply->events[i];
    if (event->seq <= w->last_seq)
      continue; /* a duplicate from an overlapping re-subscription */
    if (!covered && event->seq != w->last_seq + 1) {
      *gap_p = true;
      return DBN_CLI_EXIT_OK;
    }
    if (w->cli->json) {
      if (dbn_cli_print_json(stdout, dbn_cli_event_json(event)) != 0)
        return DBN_CLI_EXIT_FAIL;
    } else {
      dbn_cli_unit_names_follow(&w->names, event);
      dbn_cli_print_event_line_for_person(stdout, event, &w->names);
    }
    fflush(stdout);
    w->last_seq = event->seq;
    w->printed++;
    if (w->count && w->printed >= w->count) {
      *done_p = true;
      return DBN_CLI_EXIT_OK;
    }
  }
  if (covered && reply->stream_through > w->last_seq)
    w->last_seq = reply->stream_through;
  else if (reply->stream_through && !covered)
    *gap_p = true; /* it starts past what we have: ask for the rest */
  return DBN_CLI_EXIT_OK;
}

static int
print_open_escalations(dbn_cli_t *cli, uint64_t *head_p)
{
  Duban__ListEscalations list = DUBAN__LIST_ESCALATIONS__INIT;
  list.open_only = 1;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_LIST_ESCALATIONS;
  req.list_escalations = &list;
  Duban__Reply *reply;
  int rc = dbn_cli_request(cli, &req, &reply);
  if (rc != DBN_CLI_EXIT_OK)
    return rc;
  *head_p = reply->head_seq;
  if (cli->json) {
    cJSON *json = dbn_cli_list_json("open_escalations", (void *const *)reply->escalations,
                                    reply->n_escalations, reply->head_seq);
    rc = dbn_cli_print_json(stdout, json);
  } else {
    puts(dbn_tr("未结督办事项：", "open escalations:"));
    rc = dbn_cli_print_escalations(stdout, reply->escalations, reply->n_escalations);
    printf("\n");
  }
  fflush(stdout);
  dbn_wire_reply_free(&reply);
  return rc;
}

static int
follow(watcher_t *w, int keepalive_ms, int idle_ms)
{
  int rc = send_watch(w);
  int64_t last_event_ms = dbn_monotonic_ms(), last_heard_ms = last_event_ms;
  while (rc == DBN_CLI_EXIT_OK) {
    int64_t now = dbn_monotonic_ms();
    if (idle_ms > 0 && now - last_event_ms >= idle_ms)
      return DBN_CLI_EXIT_OK;
    /* Silence: the broker may have restarted and forgotten us. Ask again
     * from where we are; if it had not forgotten, we get duplicates. */
    if (now - last_heard_ms >= keepalive_ms && now - w->last_sent_ms >= keepalive_ms) {
      /* Given several brokers (replicated), one that did not answer the
       * last subscription is left for the next. */
      if (last_heard_ms < w->last_sent_ms)
        dbn_client_next_endpoint(w->cli->client);
      if ((rc = send_watch(w)) != DBN_CLI_EXIT_OK)
        return rc;
    }
    int64_t wait = keepalive_ms - (now - (last_heard_ms > w->last_sent_ms ? last_heard_ms : w->last_sent_ms));
    if (idle_ms > 0 && idle_ms - (now - last_event_ms) < wait)
      wait = idle_ms - (now - last_event_ms);
    if (wait < 1)
      wait = 1;

    Duban__Reply *reply;
    int err = dbn_client_recv(w->cli->client, &reply, (int)wait);
    if (err == DBN_ETIMEDOUT)
      continue;
    if (err != 0)
      return dbn_cli_fail(dbn_wire_code_name(dbn_wire_error_code(err)), dbn_tr("订阅中断：%s", "watch: %s"),
                          dbn_strerror(err));
    last_heard_ms = dbn_monotonic_ms();
    if (reply->code != DUBAN__CODE__CODE_OK) {
      /* A broker on its way down says unavailable: keep asking. Anything
       * else (permission denied, a bad request) will not change. */
      bool transient = reply->code == DUBAN__CODE__CODE_UNAVAILABLE;
      if (!transient)
        rc = dbn_lang() == DBN_LANG_EN
                 ? dbn_cli_fail(dbn_wire_code_name(reply->code), "watch: %s", reply->message)
                 : dbn_cli_refused(reply->code, reply->message);
      dbn_wire_reply_free(&reply);
      continue;
    }
    uint64_t before = w->printed;
    bool gap = false, done = false;
    rc = take_events(w, reply, &gap, &done);
    dbn_wire_reply_free(&reply);
    if (w->printed != before)
      last_event_ms = last_heard_ms;
    if (done)
      return rc;
    /* A skipped seq: ask for the rest from the log. Not more often than
     * every 200 ms, or a burst of live events arriving ahead of the replay
     * would make us ask again for each of them. */
    if (rc == DBN_CLI_EXIT_OK && gap && dbn_monotonic_ms() - w->last_sent_ms >= 200)
      rc = send_watch(w);
  }
  return rc;
}

enum { OPT_AFTER = DBN_CLI_OPT_FIRST_FREE, OPT_COUNT, OPT_IDLE, OPT_KEEPALIVE };

/* What watch's own options said. */
typedef struct {
  watcher_t *watcher; /* --after and --count go straight into it */
  bool have_after;    /* --after was given */
  int idle_ms;        /* --timeout-idle; 0 = wait for ever */
  int keepalive_ms;   /* --keepalive */
} watch_options_t;

static int
watch_option(dbn_cli_t *cli, int opt, const char *arg, void *ctx)
{
  watch_options_t *given = ctx;
  if (opt == OPT_AFTER) {
    if (dbn_cli_parse_u64(arg, &given->watcher->last_seq) != 0)
      return dbn_cli_usage_error(
          cli, dbn_tr("--after 应为事件序号，而不是“%s”", "--after wants a sequence number, not '%s'"), arg);
    given->have_after = true;
  } else if (opt == OPT_COUNT) {
    if (dbn_cli_parse_u64(arg, &given->watcher->count) != 0 || given->watcher->count == 0)
      return dbn_cli_usage_error(
          cli, dbn_tr("--count 应为正整数，而不是“%s”", "--count wants a positive number, not '%s'"), arg);
  } else if (opt == OPT_IDLE) {
    if (dbn_cli_parse_int(arg, 1, 365 * 24 * 3600, &given->idle_ms) != 0)
      return dbn_cli_usage_error(
          cli, dbn_tr("--timeout-idle 应为毫秒数，而不是“%s”", "--timeout-idle wants milliseconds, not '%s'"),
          arg);
  } else if (opt == OPT_KEEPALIVE) {
    if (dbn_cli_parse_int(arg, 100, 3600 * 1000, &given->keepalive_ms) != 0)
      return dbn_cli_usage_error(cli,
                                 dbn_tr("--keepalive 应为 100 到 3600000 毫秒，而不是“%s”",
                                        "--keepalive wants 100..3600000 milliseconds, not '%s'"),
                                 arg);
  }
  return DBN_CLI_EXIT_OK;
}

int
dbn_cmd_watch(int argc, char **argv)
{
  static const struct option options[] = {
      {"after", required_argument, NULL, OPT_AFTER},
      {"count", required_argument, NULL, OPT_COUNT},
      {"timeout-idle", required_argument, NULL, OPT_IDLE},
      {"keepalive", required_argument, NULL, OPT_KEEPALIVE},
      DBN_CLI_COMMON_OPTIONS,
      {0},
  };
  dbn_cli_t cli;
  dbn_cli_init(&cli, "watch", watch_usage);
  watcher_t w = {.cli = &cli};
  watch_options_t opts = {.watcher = &w, .have_after = false, .idle_ms = 0, .keepalive_ms = 3000};
  bool done;
  int rc = dbn_cli_parse_options(&cli, argc, argv, options, watch_option, &opts, 0, 0, &done);
  if (done)
    return rc;

  uint64_t head = 0;
  rc = print_open_escalations(&cli, &head);
  if (rc == DBN_CLI_EXIT_OK) {
    /* Without --after: what the listing already covers is not news. */
    if (!opts.have_after)
      w.last_seq = head;
    if (!cli.json && dbn_lang() != DBN_LANG_EN)
      fetch_unit_names(&w);
    if (!cli.json)
      fprintf(stderr,
              dbn_tr("duban watch：第 %llu 号之后的事件（按 Ctrl-C 停止）\n",
                     "duban watch: events after seq %llu (Ctrl-C to stop)\n"),
              (unsigned long long)w.last_seq);
    rc = follow(&w, opts.keepalive_ms, opts.idle_ms);
    send_unwatch(&w);
  }
  dbn_cli_unit_names_free(&w.names);
  dbn_cli_fini(&cli);
  return rc;
}
