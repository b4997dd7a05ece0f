/* console.h: what the parts of duban-console share. The console keeps a
 * mirror of the broker's log (console_mirror.c), serves the coordinators'
 * board from it (console_api.c), and sends the board's writes to the broker
 * as the logged-in person (the 经办人; the identity stays the console's
 * key). It can also send the notifications (console_notify.c, notify/ fed
 * from the mirror), and it pushes what changes with time alone, the
 * colours when a day turns and the notifier's state (console_live.c). */
#ifndef DUBAN_CONSOLE_H
#define DUBAN_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "notify.h"
#include "server.h"
#include "store.h"

/* Where a new notification queue starts (--notify-from). */
enum dbn_console_notify_from {
  DBN_NOTIFY_FROM_AUTO,  /* the log's head if the log already has events, else its start */
  DBN_NOTIFY_FROM_HEAD,  /* only events after the log's head when the queue is made */
  DBN_NOTIFY_FROM_START, /* every event of the log, from seq 1 */
};

typedef struct dbn_console_live dbn_console_live_t;

typedef struct {
  const char *broker;         /* tcp://host:port */
  const char *data_dir;       /* the mirror's directory (for reports) */
  char server_cert[4096];     /* KEYS/broker.key */
  char client_cert[4096];     /* KEYS/NAME.key */
  dbn_store_t *mirror;        /* owned by main */
  dbn_web_hub_t *hub;         /* owned by main */
  atomic_bool stop;           /* set on SIGTERM/SIGINT */
  atomic_bool connected;      /* the follower has heard from the broker lately */
  _Atomic int64_t broker_now; /* the broker's clock in its last answer that had one; 0 = none yet */
  atomic_uint clock_advances; /* clock_advanced events mirrored since the start */
  pthread_t follower;
  bool follower_started;
  dbn_notifier_t *notifier;                 /* NULL without --notify-config; owned by main */
  enum dbn_console_notify_from notify_from; /* for a new queue */
  atomic_bool notify_start_pending;         /* a new queue waits for the broker's head to choose */
  dbn_console_live_t *live;                 /* the pushes of console_live.c; owned by main */
} dbn_console_t;

/* The time as of the mirrored log: its last event's, moved on by
 * clock_advanced events (dbn_store_clock_get); the real clock for an empty
 * log. */
int64_t dbn_console_log_time(dbn_store_txn_t *txn);
/* What time it is for the board: the broker's clock as it last said
 * (every watch renewal answers with it, so at most a few seconds old, and
 * virtual when the broker runs on a virtual clock), or the log's time when
 * that is later (a clock_advanced just mirrored) or the broker has not
 * answered since the console started. While the broker is away the
 * board's time stands still. */
int64_t dbn_console_now(const dbn_console_t *console, dbn_store_txn_t *txn);

/* Open the notifier on data_dir with the channels of config_path and start
 * its delivery thread (console_notify.c). On failure why says, in Chinese,
 * what is wrong. */
int dbn_console_notify_open(dbn_console_t *console, const char *config_path, const char *data_dir, char *why,
                            size_t why_len);
/* Offer the notifier every mirrored event it has not had, in order; the
 * follower calls it after each delivery, with the head the broker said it
 * had (a new queue chooses its start from it). No-op without a notifier. */
void dbn_console_notify_feed(dbn_console_t *console, uint64_t broker_head);
/* The notifier's status (notify.h) with "enabled"; caller frees. */
cJSON *dbn_console_notify_status(dbn_console_t *console);

/* The pushes that no log event carries (console_live.c): a second SSE
 * stream, GET /api/live, whose ids are versions of the console's derived
 * state, with event "cells" (the grid's cells whose colour changed because
 * the board's time moved: the day turned, a virtual clock was advanced) and
 * "notify" (the notifier's status, when it changed). A thread looks once
 * every half second. */
int dbn_console_live_start(dbn_console_t *console);
void dbn_console_live_stop(dbn_console_t *console);
/* GET /api/grid: every cell of departments × measures with its counts per
 * colour and its colour; GET /api/live; GET /api/notify. */
int dbn_console_get_grid(dbn_web_request_t *req, void *arg);
int dbn_console_get_live(dbn_web_request_t *req, void *arg);
int dbn_console_get_notify(dbn_web_request_t *req, void *arg);

/* Start the thread that follows the broker's watch stream into the mirror
 * and publishes each new event to the hub. */
int dbn_console_follow_start(dbn_console_t *console);
/* Stop it (after setting console->stop) and wait for it. */
void dbn_console_follow_join(dbn_console_t *console);

/* The SSE backlog: every mirrored event after after_seq (server.h's
 * dbn_web_backlog_fn; arg is the console). */
int dbn_console_backlog(uint64_t after_seq, dbn_web_emit_fn emit, void *ctx, void *arg);

/* GET /api/report (the report's JSON: ranking, scores) and
 * GET /api/export.xlsx (the workbook), both of the mirror (console_report.c). */
int dbn_console_get_report(dbn_web_request_t *req, void *arg);
int dbn_console_get_xlsx(dbn_web_request_t *req, void *arg);
/* GET /api/charts: completion of the plan and of each department at each
 * month's end, and each department's monthly colour (console_report.c). */
int dbn_console_get_charts(dbn_web_request_t *req, void *arg);

/* A task's evidence (佐证材料) as the mirror's log names it: [{seq, time,
 * kind, name, media_type, size, hash, url}] (console_evidence.c). */
cJSON *dbn_console_evidence_json(dbn_store_txn_t *txn, const char *task_id);
/* GET /api/evidence/file?hash=HEX: the file, fetched from the broker. */
int dbn_console_get_evidence_file(dbn_web_request_t *req, void *arg);

/* The board's routes; arg of each is the console. */
extern const dbn_web_route_t dbn_console_routes[];
extern const size_t dbn_console_route_count;

#endif
