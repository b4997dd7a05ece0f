/* console_notify.c: the notifier inside the console, so that a deployment
 * needs no separate duban-notify. The queue, the delivery and the words
 * are notify/'s (the same library duban-notify links); what this file adds
 * is the feed: the console's mirror of the log, not a second watch.
 *
 * The notifier's cursor (its last seq) lives in its own queue, committed
 * with the entries an event queued, and the mirror only ever grows by the
 * next event, so after each mirror commit the feed offers every mirrored
 * event after the cursor: a console killed between the two commits offers
 * the rest at its next start, and an event offered twice is ignored by the
 * notifier. Each event is thus queued exactly once.
 *
 * Where a new queue starts: a notifier added to a console whose log
 * already holds events must not send a year of old reminders. With
 * --notify-from auto (the default) or head, a new queue waits for the
 * broker's first answer, which says the log's head, and starts after
 * max(that head, the mirror's head): older events teach it names only.
 * --notify-from start sends from seq 1. A queue that already exists
 * resumes from its cursor whatever the option says. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "console_names.h"
#include "log.h"
#include "wire.h"

int
dbn_console_notify_open(dbn_console_t *console, const char *config_path, const char *data_dir, char *why,
                        size_t why_len)
{
  dbn_notifier_options_t options = {.data_dir = data_dir, .config_path = config_path};
  int rc = dbn_notifier_new(&console->notifier, &options, why, why_len);
  if (rc)
    return rc;
  atomic_store(&console->notify_start_pending, dbn_notifier_is_new(console->notifier));
  if ((rc = dbn_notifier_start(console->notifier)) != 0) {
    snprintf(why, why_len, "无法开始发送通知（%s）：是否另有 duban-notify 或控制台在使用 %s？",
             dbn_strerror(rc), data_dir);
    dbn_notifier_destroy(&console->notifier);
    return rc;
  }
  dbn_log(DBN_LOG_INFO, "console", "notifications from %s, queue in %s (resuming after seq %llu)",
          config_path, data_dir, (unsigned long long)dbn_notifier_last_seq(console->notifier));
  return 0;
}

static uint64_t
mirror_head(dbn_console_t *console)
{
  uint64_t seq = 0;
  uint8_t hash[DBN_HASH_BYTES];
  dbn_store_head(console->mirror, &seq, hash);
  return seq;
}

/* A new queue's start, once the broker has said where its log ends. */
static void
choose_start(dbn_console_t *console, uint64_t broker_head)
{
  uint64_t head = mirror_head(console);
  if (broker_head > head)
    head = broker_head;
  bool skip = console->notify_from == DBN_NOTIFY_FROM_HEAD ||
              (console->notify_from == DBN_NOTIFY_FROM_AUTO && head > 0);
  if (skip) {
    int rc = dbn_notifier_skip_to(console->notifier, head);
    if (rc) {
      dbn_log(DBN_LOG_ERROR, "console", "cannot record where notifications start: %s", dbn_strerror(rc));
      return; /* stay pending: the next delivery tries again */
    }
    dbn_log(DBN_LOG_INFO, "console", "new notification queue: events up to seq %llu are history, not sent",
            (unsigned long long)head);
  }
  atomic_store(&console->notify_start_pending, false);
}

/* Events are offered in batches of this many, one notifier transaction
 * each: a new queue on a long log learns its history at a few hundred
 * events per disk flush rather than one. */
#define FEED_BATCH 256

typedef struct {
  Duban__Event *events[FEED_BATCH];
  size_t count;
} feed_batch_t;

static int
collect_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  feed_batch_t *batch = arg;
  if (dbn_wire_event_unpack(bytes, len, &batch->events[batch->count]) != 0)
    return DBN_ECORRUPT;
  batch->count++;
  return 0;
}

/* Offer the next batch after the notifier's cursor: 1 when there may be
 * more, 0 when caught up, or an error (the cursor did not move past it). */
static int
feed_batch(dbn_console_t *console)
{
  dbn_store_txn_t *txn;
  int rc = dbn_store_read_begin(console->mirror, &txn);
  if (rc)
    return rc;
  feed_batch_t batch = {.count = 0};
  rc = dbn_store_events_foreach(txn, dbn_notifier_last_seq(console->notifier), FEED_BATCH, collect_event,
                                &batch);
  dbn_store_abort(&txn);
  if (rc == 0 && batch.count)
    rc = dbn_notifier_offer_batch(console->notifier, (const Duban__Event *const *)batch.events, batch.count);
  for (size_t i = 0; i < batch.count; i++)
    dbn_wire_event_free(&batch.events[i]);
  return rc ? rc : batch.count == FEED_BATCH;
}

void
dbn_console_notify_feed(dbn_console_t *console, uint64_t broker_head)
{
  if (!console->notifier)
    return;
  if (atomic_load(&console->notify_start_pending))
    choose_start(console, broker_head);
  if (atomic_load(&console->notify_start_pending))
    return;
  int rc;
  while ((rc = feed_batch(console)) == 1 && !atomic_load(&console->stop))
    ;
  if (rc < 0) /* the next delivery retries from the same event */
    dbn_log(DBN_LOG_ERROR, "console", "cannot queue a notification: %s", dbn_strerror(rc));
}

/* Beside each channel's unit codes, their names (console_names.h). */
static void
name_channel_units(dbn_console_t *console, cJSON *status)
{
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(console->mirror, &txn) != 0)
    return;
  dbn_console_units_t units;
  dbn_console_units_read(txn, &units);
  dbn_store_abort(&txn);
  const cJSON *channel;
  cJSON_ArrayForEach(channel, cJSON_GetObjectItemCaseSensitive(status, "by_channel"))
  {
    cJSON *names = cJSON_CreateArray();
    const cJSON *code;
    cJSON_ArrayForEach(code, cJSON_GetObjectItemCaseSensitive(channel, "units"))
    {
      cJSON_AddItemToArray(names,
                           cJSON_CreateString(dbn_console_unit_name(&units, cJSON_GetStringValue(code))));
    }
    cJSON_AddItemToObject((cJSON *)channel, "unit_names", names);
  }
  dbn_console_units_clear(&units);
}

cJSON *
dbn_console_notify_status(dbn_console_t *console)
{
  cJSON *status = console->notifier ? dbn_notifier_status(console->notifier) : cJSON_CreateObject();
  if (!status)
    return NULL;
  name_channel_units(console, status);
  cJSON_AddBoolToObject(status, "enabled", console->notifier != NULL);
  if (console->notifier)
    cJSON_AddBoolToObject(status, "waiting_for_head", atomic_load(&console->notify_start_pending));
  return status;
}

int
dbn_console_get_notify(dbn_web_request_t *req, void *arg)
{
  cJSON *status = dbn_console_notify_status(arg);
  if (!status)
    return dbn_web_reply_error(req, 503, "无法读取通知队列");
  int rc = dbn_web_reply_json(req, 200, status);
  cJSON_Delete(status);
  return rc;
}
