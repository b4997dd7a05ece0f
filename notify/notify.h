/* notify.h: notifications that reach people, durable until delivered.
 *
 * A notifier is fed the broker's events in seq order (by duban-notify, or
 * by the console that embeds it). For each event that tells someone
 * something (a 催办, a rejection, a deadline warning, a level of the 督办
 * ladder, an escalation raised or resolved) it queues one entry per
 * matching channel in an LMDB file in its data dir, in the same
 * transaction that records the event's seq as seen: an event is queued
 * once or not at all, and a caller that restarts resumes its watch from
 * dbn_notifier_last_seq() + 1. A delivery thread posts due entries over
 * HTTPS (libcurl, peers verified), deletes an entry only after the
 * receiver accepted it (2xx, and errcode 0 for DingTalk and WeCom), and
 * retries a failure with exponential backoff (1 s doubling to 10 min,
 * with jitter), keeping the attempt count and last error for the board.
 *
 * The notifier also keeps what it needs to name things (units as typed in
 * the plan, task titles, which task an escalation is about), learnt from
 * the same events, so a message never waits for a lookup at the broker. */
#ifndef DUBAN_NOTIFY_H
#define DUBAN_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duban.pb-c.h"

typedef struct dbn_notifier dbn_notifier_t;

typedef struct {
  const char *data_dir;    /* the queue's LMDB folder; created if missing */
  const char *config_path; /* channels, see examples/notify/notify.conf */
} dbn_notifier_options_t;

/* Read the config and open (or create) the queue. On failure why says, in
 * Chinese, what is wrong (a config error names the file and line). On
 * success *notifier_p is the caller's, freed with dbn_notifier_destroy. */
int dbn_notifier_new(dbn_notifier_t **notifier_p, const dbn_notifier_options_t *options, char *why,
                     size_t why_len);

/* Stop the delivery thread if running, close the queue, free, NULL the
 * pointer. Accepts NULL. Undelivered entries stay on disk for next time. */
void dbn_notifier_destroy(dbn_notifier_t **notifier_p);

/* The last event seq offered and recorded (0 for a new queue): resume the
 * watch after it. */
uint64_t dbn_notifier_last_seq(dbn_notifier_t *notifier);

/* Record event (borrowed) in one write transaction: if event->seq <= the
 * stored last seq, nothing happens (an event never notifies twice);
 * otherwise one entry per matching channel is queued and last seq becomes
 * event->seq. Every event must be offered, in seq order, including those
 * that notify nobody (the plan's units and titles come from them). Safe to
 * call while the delivery thread runs. */
int dbn_notifier_offer(dbn_notifier_t *notifier, const Duban__Event *event);

/* The same for count events (borrowed) in seq order, in one transaction
 * (one fsync for the lot, which a feed that catches up on a long log
 * needs: one commit per event costs a disk flush each). All or none are
 * recorded. */
int dbn_notifier_offer_batch(dbn_notifier_t *notifier, const Duban__Event *const *events, size_t count);

/* True for a queue that has never been offered an event nor told where to
 * start: the one moment its caller may choose (dbn_notifier_skip_to). */
bool dbn_notifier_is_new(dbn_notifier_t *notifier);

/* Start a new queue at a log's head: events up to seq, still to be offered
 * in order, only teach names (units, titles) and queue nothing, so a
 * notifier added to a log that already has a year of events does not send
 * them all. Recorded in the queue: a restart keeps the choice. On a queue
 * that is not new nothing changes (it resumes where it stopped, whatever
 * its caller now asks, so that no event is lost across a restart). */
int dbn_notifier_skip_to(dbn_notifier_t *notifier, uint64_t seq);

/* Start the delivery thread (once); stop it and wait for it (an entry
 * being posted finishes its attempt first, bounded by the channel's
 * timeout). */
int dbn_notifier_start(dbn_notifier_t *notifier);
void dbn_notifier_stop(dbn_notifier_t *notifier);

/* For the board: {"last_seq": N, "deliver_after": N (0 unless started at a
 * head), "pending": N, "failed": N (pending with at least one failed
 * attempt), "channels": ["name", ...], "errors": [{"channel", "seq",
 * "attempts", "error", "next_attempt"}, ...] (up to 20), "by_channel":
 * [{"channel", "type_zh", "pending", "failed", "attempts", "last_error" (Chinese),
 * "next_attempt"}, ...] (each configured channel, in file order)}. Caller
 * frees with cJSON_Delete; NULL on an I/O error. */
cJSON *dbn_notifier_status(dbn_notifier_t *notifier);

#endif
