/* console.h: what the parts of duban-console share. The console keeps a
 * mirror of the broker's log (console_mirror.c), serves the coordinators'
 * board from it (console_api.c), and sends the board's writes to the broker
 * as the logged-in person (the 经办人; the identity stays the console's
 * key). */
#ifndef DUBAN_CONSOLE_H
#define DUBAN_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "server.h"
#include "store.h"

typedef struct {
  const char *broker;     /* tcp://host:port */
  const char *data_dir;   /* the mirror's directory (for reports) */
  char server_cert[4096]; /* KEYS/broker.key */
  char client_cert[4096]; /* KEYS/NAME.key */
  dbn_store_t *mirror;    /* owned by main */
  dbn_web_hub_t *hub;     /* owned by main */
  atomic_bool stop;       /* set on SIGTERM/SIGINT */
  atomic_bool connected;  /* the follower has heard from the broker lately */
  pthread_t follower;
  bool follower_started;
} dbn_console_t;

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
