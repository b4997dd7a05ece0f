/* console_live.c: what the board must be told although no event says it.
 *
 * A task's colour depends on the time (domain/pace.h): it turns red when
 * the plan's day after its due day begins, blue when a due day comes near.
 * Whenever the board's time moves (dbn_console_now: the broker's clock, so
 * when the day turns in the plan's zone, domain/date.h, or a virtual clock
 * is moved by a clock_advanced event), a thread here computes the grid of
 * departments × measures at the old time and at the new one and pushes the
 * cells whose colour time alone changed. It also pushes the notifier's status
 * when it changes (a delivery failed, a retry worked), for the board's
 * 通知发送 panel.
 *
 * These pushes go on a stream of their own, GET /api/live, not on the
 * log's stream: an SSE id there is a log seq, and a recomputed colour is
 * not an event of the log. Here an id is a version of the console's
 * derived state, drawn from the real clock in microseconds (and always
 * above the last one), so a board that reconnects with Last-Event-ID after
 * a console restart still compares correctly. A (re)connecting board is
 * first sent the latest of each kind (the whole grid, the notifier's
 * status) when it has not seen it, then what changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "date.h"
#include "log.h"
#include "pace.h"
#include "wire.h"

#define TICK_MS 500

struct dbn_console_live {
  dbn_console_t *console; /* borrowed */
  dbn_web_hub_t *hub;     /* the /api/live stream; owned */
  pthread_mutex_t lock;   /* guards the fields up to the thread's own */
  uint64_t version;       /* the last id given */
  cJSON *cells;           /* the grid last computed: "UNIT\x1fMEASURE" → cell; owned */
  uint64_t cells_version; /* its id; 0 before the first computation */
  char *cells_day;        /* the day it was computed for; owned */
  int64_t cells_now;      /* the time it was computed for */
  char *notify_text;      /* the notifier's status last pushed; owned; NULL without a notifier */
  uint64_t notify_version;
  /* the thread's own */
  int64_t now;             /* the board's time at the last look (0 before it) */
  unsigned clock_advances; /* console->clock_advances then */
  atomic_bool stop;        /* set to end the thread */
  pthread_t thread;        /* the ticker */
  bool started;            /* thread is running */
};

int64_t
dbn_console_log_time(dbn_store_txn_t *txn)
{
  int64_t now = 0;
  if (dbn_store_clock_get(txn, &now) != 0 || now == 0)
    now = (int64_t)time(NULL);
  return now;
}

int64_t
dbn_console_now(const dbn_console_t *console, dbn_store_txn_t *txn)
{
  int64_t log_time = 0, broker_now = atomic_load(&console->broker_now);
  if (dbn_store_clock_get(txn, &log_time) != 0)
    log_time = 0;
  if (broker_now == 0)
    return log_time ? log_time : (int64_t)time(NULL);
  return broker_now > log_time ? broker_now : log_time;
}

/* Lock held. */
static uint64_t
next_version(dbn_console_live_t *live)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
  live->version = us > live->version ? us : live->version + 1;
  return live->version;
}

/* ---- the grid ---------------------------------------------------------- */

static cJSON *
new_cell(const char *unit, const char *measure)
{
  cJSON *cell = cJSON_CreateObject();
  cJSON_AddStringToObject(cell, "unit", unit);
  cJSON_AddStringToObject(cell, "measure", measure);
  cJSON *counts = cJSON_AddObjectToObject(cell, "counts");
  for (int c = DBN_COLOUR_RED; c >= DBN_COLOUR_GREEN; c--)
    cJSON_AddNumberToObject(counts, dbn_colour_name((dbn_colour_t)c), 0);
  return cell;
}

/* Each cell's colour: the worst of its tasks' (dbn_colour_rollup). */
static void
add_cell_colours(cJSON *grid)
{
  cJSON *cell;
  cJSON_ArrayForEach(cell, grid)
  {
    dbn_colour_t present[DBN_COLOUR_COUNT];
    size_t n = 0;
    cJSON *counts = cJSON_GetObjectItem(cell, "counts");
    for (int c = DBN_COLOUR_GREEN; c <= DBN_COLOUR_RED; c++)
      if (cJSON_GetNumberValue(cJSON_GetObjectItem(counts, dbn_colour_name((dbn_colour_t)c))) > 0)
        present[n++] = (dbn_colour_t)c;
    cJSON_AddStringToObject(cell, "colour", dbn_colour_name(dbn_colour_rollup(present, n)));
  }
}

/* The grid at now, keyed "UNIT\x1fMEASURE"; NULL when the mirror cannot be
 * read. The colours are the board's (console_api.c asks the same function
 * with the same start and now). */
static cJSON *
grid_compute(dbn_store_txn_t *txn, int64_t now)
{
  Duban__Task **tasks;
  size_t n = 0;
  if (dbn_store_tasks_list(txn, NULL, &tasks, &n) != 0)
    return NULL;
  cJSON *grid = cJSON_CreateObject();
  for (size_t i = 0; i < n; i++) {
    const Duban__Task *task = tasks[i];
    char key[512];
    snprintf(key, sizeof key, "%s\x1f%s", task->unit, task->measure);
    cJSON *cell = cJSON_GetObjectItemCaseSensitive(grid, key);
    if (!cell)
      cJSON_AddItemToObject(grid, key, cell = new_cell(task->unit, task->measure));
    dbn_colour_t colour = dbn_task_colour(task, dbn_task_pace_start(task), now, NULL, NULL);
    cJSON *count = cJSON_GetObjectItem(cJSON_GetObjectItem(cell, "counts"), dbn_colour_name(colour));
    if (count)
      cJSON_SetNumberValue(count, count->valuedouble + 1);
  }
  dbn_store_tasks_free(tasks, n);
  add_cell_colours(grid);
  return grid;
}

/* The cells of after that differ from before, and those of before that
 * are gone (with zero counts and no colour); a new array. */
static cJSON *
grid_changes(const cJSON *before, const cJSON *after)
{
  cJSON *changed = cJSON_CreateArray();
  const cJSON *cell;
  cJSON_ArrayForEach(cell, after)
  {
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(before, cell->string);
    if (!old || !cJSON_Compare(old, cell, true))
      cJSON_AddItemToArray(changed, cJSON_Duplicate(cell, true));
  }
  cJSON_ArrayForEach(cell, before)
  {
    if (cJSON_GetObjectItemCaseSensitive(after, cell->string))
      continue;
    cJSON *gone = new_cell(cJSON_GetStringValue(cJSON_GetObjectItem(cell, "unit")),
                           cJSON_GetStringValue(cJSON_GetObjectItem(cell, "measure")));
    cJSON_AddStringToObject(gone, "colour", "");
    cJSON_AddItemToArray(changed, gone);
  }
  return changed;
}

/* {"day", "now", "reason", "cells": [...]} as one line; cells is taken. */
static char *
cells_message(const char *day, int64_t now, const char *reason, cJSON *cells)
{
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "day", day);
  cJSON_AddNumberToObject(json, "now", (double)now);
  cJSON_AddStringToObject(json, "reason", reason);
  cJSON_AddItemToObject(json, "cells", cells);
  char *text = cJSON_PrintUnformatted(json);
  cJSON_Delete(json);
  return text;
}

static cJSON *
grid_array(const cJSON *grid)
{
  cJSON *array = cJSON_CreateArray();
  const cJSON *cell;
  cJSON_ArrayForEach(cell, grid) cJSON_AddItemToArray(array, cJSON_Duplicate(cell, true));
  return array;
}

/* Why the time moved, for the push and the log. */
static const char *
time_moved_reason(bool clock_advanced, const char *before_day, const char *day)
{
  return clock_advanced ? "clock" : strcmp(before_day, day) != 0 ? "day" : "time";
}

/* When the board's time has moved since the last look, compute the grid at
 * the old time and at the new one on the same snapshot of the mirror, and
 * push the cells that differ: exactly what time alone changed (a change an
 * event made shows in both, and reaches the board with the event). */
static void
tick_grid(dbn_console_live_t *live)
{
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(live->console->mirror, &txn) != 0)
    return;
  /* read after the snapshot began: a clock_advanced in the snapshot has
   * been counted (console_mirror.c counts before it commits) */
  unsigned advances = atomic_load(&live->console->clock_advances);
  /* Until the broker has answered once (or the mirror holds a clock) the
   * time is not known: this machine's clock is no stand-in for a virtual
   * one, and a grid made at it would turn into a "change" the first time
   * the broker's time arrives. */
  int64_t log_time = 0;
  if (atomic_load(&live->console->broker_now) == 0 &&
      (dbn_store_clock_get(txn, &log_time) != 0 || log_time == 0)) {
    dbn_store_abort(&txn);
    return;
  }
  int64_t now = dbn_console_now(live->console, txn), before_now = live->now;
  cJSON *before = NULL, *after = NULL;
  if (now != before_now) {
    before = before_now ? grid_compute(txn, before_now) : NULL;
    after = grid_compute(txn, now);
  }
  dbn_store_abort(&txn);
  if (!after) {
    cJSON_Delete(before);
    return;
  }
  char day[16], before_day[16];
  dbn_date_format(now, day);
  dbn_date_format(before_now, before_day);
  const char *reason = time_moved_reason(advances != live->clock_advances, before_day, day);
  live->now = now;
  live->clock_advances = advances;
  cJSON *changes = before ? grid_changes(before, after) : NULL;
  cJSON_Delete(before);
  bool push = changes && cJSON_GetArraySize(changes) > 0;
  pthread_mutex_lock(&live->lock);
  /* The first grid, once the time is known: streams opened before it get
   * it as their snapshot. */
  char *first = live->cells_version == 0 ? cells_message(day, now, "snapshot", grid_array(after)) : NULL;
  cJSON_Delete(live->cells);
  live->cells = after;
  free(live->cells_day);
  live->cells_day = strdup(day);
  live->cells_now = now;
  uint64_t version = live->cells_version =
      push || live->cells_version == 0 ? next_version(live) : live->cells_version;
  pthread_mutex_unlock(&live->lock);
  if (first)
    dbn_web_hub_publish(live->hub, version, "cells", first);
  free(first);
  char *text = push ? cells_message(day, now, reason, changes) : NULL;
  if (!push)
    cJSON_Delete(changes);
  if (text) {
    dbn_log(DBN_LOG_INFO, "console", "colours changed with the time (%s): pushing them (version %llu)",
            reason, (unsigned long long)version);
    dbn_web_hub_publish(live->hub, version, "cells", text);
  }
  free(text);
}

/* ---- the notifier's status ------------------------------------------------ */

static void
tick_notify(dbn_console_live_t *live)
{
  if (!live->console->notifier)
    return;
  cJSON *status = dbn_console_notify_status(live->console);
  char *text = status ? cJSON_PrintUnformatted(status) : NULL;
  cJSON_Delete(status);
  if (!text)
    return;
  pthread_mutex_lock(&live->lock);
  bool changed = !live->notify_text || strcmp(live->notify_text, text) != 0;
  uint64_t version = 0;
  if (changed) {
    free(live->notify_text);
    live->notify_text = strdup(text);
    version = live->notify_version = next_version(live);
  }
  pthread_mutex_unlock(&live->lock);
  if (changed)
    dbn_web_hub_publish(live->hub, version, "notify", text);
  free(text);
}

static void *
tick_loop(void *arg)
{
  dbn_console_live_t *live = arg;
  while (!atomic_load(&live->stop)) {
    tick_grid(live);
    tick_notify(live);
    struct timespec pause = {0, TICK_MS * 1000000L};
    nanosleep(&pause, NULL);
  }
  return NULL;
}

/* ---- the stream's backlog: the latest of each kind, in id order ---------- */

static int
live_backlog(uint64_t after, dbn_web_emit_fn emit, void *ctx, void *arg)
{
  dbn_console_live_t *live = arg;
  pthread_mutex_lock(&live->lock);
  uint64_t cells_version = live->cells_version, notify_version = live->notify_version;
  char *cells = live->cells && cells_version > after
                    ? cells_message(live->cells_day ? live->cells_day : "", live->cells_now, "snapshot",
                                    grid_array(live->cells))
                    : NULL;
  char *notify = live->notify_text && notify_version > after ? strdup(live->notify_text) : NULL;
  pthread_mutex_unlock(&live->lock);
  if (cells && (!notify || cells_version < notify_version))
    emit(ctx, cells_version, "cells", cells);
  if (notify)
    emit(ctx, notify_version, "notify", notify);
  if (cells && notify && cells_version > notify_version)
    emit(ctx, cells_version, "cells", cells);
  free(cells);
  free(notify);
  return 0;
}

int
dbn_console_live_start(dbn_console_t *console)
{
  dbn_console_live_t *live = calloc(1, sizeof *live);
  if (!live)
    return DBN_ENOMEM;
  live->console = console;
  pthread_mutex_init(&live->lock, NULL);
  int rc = dbn_web_hub_new(&live->hub, live_backlog, live, 0);
  if (rc == 0 && pthread_create(&live->thread, NULL, tick_loop, live) != 0)
    rc = DBN_ENOMEM;
  if (rc) {
    dbn_web_hub_destroy(&live->hub);
    pthread_mutex_destroy(&live->lock);
    free(live);
    return rc;
  }
  live->started = true;
  console->live = live;
  return 0;
}

void
dbn_console_live_stop(dbn_console_t *console)
{
  dbn_console_live_t *live = console->live;
  if (!live)
    return;
  atomic_store(&live->stop, true);
  if (live->started)
    pthread_join(live->thread, NULL);
  dbn_web_hub_destroy(&live->hub);
  cJSON_Delete(live->cells);
  free(live->cells_day);
  free(live->notify_text);
  pthread_mutex_destroy(&live->lock);
  free(live);
  console->live = NULL;
}

/* ---- the routes ------------------------------------------------------------ */

int
dbn_console_get_grid(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  dbn_store_txn_t *txn;
  if (dbn_store_read_begin(console->mirror, &txn) != 0)
    return dbn_web_reply_error(req, 503, "无法读取本地日志副本");
  int64_t now = dbn_console_now(console, txn);
  uint64_t head = dbn_store_txn_head(txn);
  cJSON *grid = grid_compute(txn, now);
  dbn_store_abort(&txn);
  if (!grid)
    return dbn_web_reply_error(req, 503, "无法读取本地日志副本");
  char day[16];
  dbn_date_format(now, day);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddNumberToObject(json, "head", (double)head);
  cJSON_AddStringToObject(json, "day", day);
  cJSON_AddNumberToObject(json, "now", (double)now);
  cJSON_AddItemToObject(json, "cells", grid_array(grid));
  cJSON_Delete(grid);
  int rc = dbn_web_reply_json(req, 200, json);
  cJSON_Delete(json);
  return rc;
}

int
dbn_console_get_live(dbn_web_request_t *req, void *arg)
{
  dbn_console_t *console = arg;
  if (!console->live)
    return dbn_web_reply_error(req, 503, "实时推送未启动");
  return dbn_web_reply_sse(req, console->live->hub, 0);
}
