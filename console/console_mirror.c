/* console_mirror.c: the console's copy of the log. One thread owns one
 * client connection to the broker, subscribes with Watch{after_seq = the
 * mirror's head}, and appends each event it is sent with
 * dbn_store_append_replicated, which refuses anything that is not the next
 * event on the same chain. Only after the commit is the event published to
 * the SSE hub, so a board that reconnects finds in the mirror every event
 * it was ever sent. The subscription is renewed every few seconds (the
 * broker forgets a watcher it has not heard from; a renewal from the head
 * loses nothing, as `duban watch` does). Every delivery carries the
 * broker's latest signed checkpoint: the console keeps each new one whose
 * signature holds in DATA/witness, as an agent does (agents/witness.h), so
 * the console's host is one more witness of what the broker signed. After
 * each commit the notifier, when there is one, is offered what was mirrored
 * (console_notify.c). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "console.h"
#include "console_names.h"
#include "log.h"
#include "monotonic.h"
#include "wire.h"
#include "witness.h"

#define RENEW_MS 3000

static uint64_t
mirror_head(dbn_console_t *console)
{
  uint64_t seq = 0;
  uint8_t hash[DBN_HASH_BYTES];
  dbn_store_head(console->mirror, &seq, hash);
  return seq;
}

/* One event as the one line of JSON the board reads (the CLI's --json),
 * with the names of who acted and of a unit it names (console_names.h). */
static char *
event_text(const Duban__Event *event, const dbn_console_units_t *units)
{
  cJSON *json = dbn_cli_event_json(event);
  dbn_console_name_event(json, units);
  char *text = json ? cJSON_PrintUnformatted(json) : NULL;
  cJSON_Delete(json);
  return text;
}

static void
publish(dbn_console_t *console, const Duban__Event *event, const dbn_console_units_t *units)
{
  char *text = event_text(event, units);
  if (text)
    dbn_web_hub_publish(console->hub, event->seq, "event", text);
  cJSON_free(text);
}

/* Append the events of one delivery that follow the head, in one
 * transaction; then publish them. *gap_p when the delivery skipped ahead. */
static int
take(dbn_console_t *console, const Duban__Reply *reply, bool *gap_p)
{
  dbn_store_txn_t *txn;
  int rc = dbn_store_write_begin(console->mirror, &txn);
  if (rc != 0)
    return rc;
  uint64_t head = dbn_store_txn_head(txn), first = head;
  unsigned clock_advances = 0;
  for (size_t i = 0; i < reply->n_events && rc == 0; i++) {
    const Duban__Event *event = reply->events[i];
    if (event->seq <= head)
      continue;
    if (event->seq != head + 1) {
      *gap_p = true;
      break;
    }
    rc = dbn_store_append_replicated(txn, event);
    if (rc == 0)
      head = event->seq;
    if (rc == 0 && event->body_case == DUBAN__EVENT__BODY_CLOCK_ADVANCED)
      clock_advances++;
  }
  if (rc != 0) {
    dbn_store_abort(&txn);
    return rc;
  }
  /* Counted before the commit, so that whoever sees the event in the
   * mirror sees the count too (console_live.c names the cause). */
  atomic_fetch_add(&console->clock_advances, clock_advances);
  if ((rc = dbn_store_commit(&txn)) != 0)
    return rc;
  /* The units as of the events just committed (a plan load among them names its own). */
  dbn_console_units_t units = {0};
  if (head > first && dbn_store_read_begin(console->mirror, &txn) == 0) {
    dbn_console_units_read(txn, &units);
    dbn_store_abort(&txn);
  }
  for (size_t i = 0; i < reply->n_events; i++)
    if (reply->events[i]->seq > first && reply->events[i]->seq <= head)
      publish(console, reply->events[i], &units);
  dbn_console_units_clear(&units);
  return 0;
}

static void *
follow(void *arg)
{
  dbn_console_t *console = arg;
  dbn_client_options_t options = {
      .endpoint = console->broker, .server_cert = console->server_cert, .client_cert = console->client_cert};
  dbn_client_t *client;
  if (dbn_client_new(&client, &options) != 0) {
    dbn_log(DBN_LOG_ERROR, "console", "cannot connect to %s", console->broker);
    return NULL;
  }
  char witness_dir[4200];
  dbn_witness_t *witness = NULL;
  snprintf(witness_dir, sizeof witness_dir, "%s/witness", console->data_dir);
  if (dbn_witness_open(&witness, witness_dir, console->server_cert) != 0)
    dbn_log(DBN_LOG_WARN, "console", "cannot keep the broker's checkpoints in %s", witness_dir);
  int64_t last_sent = 0, last_heard = 0;
  if (!atomic_load(&console->notify_start_pending)) /* a new queue waits for the broker's head */
    dbn_console_notify_feed(console, 0);            /* what a crash left mirrored but not offered */
  while (!atomic_load(&console->stop)) {
    int64_t now = dbn_monotonic_ms();
    if (now - last_sent >= RENEW_MS) {
      /* Given several brokers (replicated), one that did not answer the
       * last subscription is left for the next, as `duban watch` does;
       * the renewal from the mirror's head loses nothing. */
      if (last_sent && last_heard < last_sent)
        dbn_client_next_endpoint(client);
      dbn_client_watch(client, mirror_head(console));
      last_sent = now;
    }
    Duban__Reply *reply;
    if (dbn_client_recv(client, &reply, 200) != 0)
      continue;
    last_heard = dbn_monotonic_ms();
    atomic_store(&console->connected, true);
    dbn_witness_take(witness, reply);
    if (reply->now) /* the watch's own answer carries the broker's clock */
      atomic_store(&console->broker_now, reply->now);
    bool gap = false;
    int rc = reply->code == DUBAN__CODE__CODE_OK ? take(console, reply, &gap) : 0;
    if (reply->code != DUBAN__CODE__CODE_OK)
      dbn_log(DBN_LOG_WARN, "console", "watch: %s", reply->message);
    else if (rc == 0)
      dbn_console_notify_feed(console, reply->head_seq);
    dbn_wire_reply_free(&reply);
    if (rc != 0) {
      dbn_log(DBN_LOG_ERROR, "console", "mirror refused an event: %s", dbn_strerror(rc));
      break;
    }
    if (gap)
      last_sent = 0; /* ask again from the head */
  }
  dbn_witness_close(&witness);
  dbn_client_destroy(&client);
  return NULL;
}

int
dbn_console_follow_start(dbn_console_t *console)
{
  if (pthread_create(&console->follower, NULL, follow, console) != 0)
    return DBN_ENOMEM;
  console->follower_started = true;
  return 0;
}

void
dbn_console_follow_join(dbn_console_t *console)
{
  if (console->follower_started)
    pthread_join(console->follower, NULL);
  console->follower_started = false;
}

typedef struct {
  dbn_web_emit_fn emit;
  void *ctx;
  const dbn_console_units_t *units;
} backlog_ctx_t;

static int
backlog_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  backlog_ctx_t *b = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return DBN_ECORRUPT;
  char *text = event_text(event, b->units);
  dbn_wire_event_free(&event);
  if (!text)
    return DBN_ENOMEM;
  b->emit(b->ctx, seq, "event", text);
  cJSON_free(text);
  return 0;
}

int
dbn_console_backlog(uint64_t after_seq, dbn_web_emit_fn emit, void *ctx, void *arg)
{
  dbn_console_t *console = arg;
  dbn_store_txn_t *txn;
  int rc = dbn_store_read_begin(console->mirror, &txn);
  if (rc != 0)
    return rc;
  dbn_console_units_t units;
  dbn_console_units_read(txn, &units);
  backlog_ctx_t b = {emit, ctx, &units};
  rc = dbn_store_events_foreach(txn, after_seq, 0, backlog_event, &b);
  dbn_console_units_clear(&units);
  dbn_store_abort(&txn);
  return rc;
}
