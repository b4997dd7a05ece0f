/* snapshot_restore.c: a follower beyond etcd's window catches up from a
 * peer's backup (snapshot_restore.h). The replication calls it from the
 * broker's thread when etcd no longer holds the batches after the local
 * head; afterwards the follower reads the rest from etcd as usual. */
#include "snapshot_restore.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "log.h"
#include "wire.h"

/* Events appended per write transaction: a big snapshot is many small
 * commits, so one that fails half-way keeps what it got. */
#define RESTORE_CHUNK 1024
/* Backups looked at in a folder of them (the timer keeps 14 days). */
#define MAX_CANDIDATES 64

static bool
has_log(const char *dir)
{
  char path[PATH_MAX];
  struct stat st;
  return snprintf(path, sizeof path, "%s/data.mdb", dir) < (int)sizeof path && stat(path, &st) == 0 &&
         S_ISREG(st.st_mode);
}

static int
newest_first(const void *a, const void *b)
{
  return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders under from that hold a log, newest name first (the timer's
 * YYYYMMDD-HHMMSS sort by time); from itself when it holds one. */
static size_t
list_candidates(const char *from, char *out[MAX_CANDIDATES])
{
  if (has_log(from))
    return (out[0] = strdup(from)) ? 1 : 0;
  DIR *dir = opendir(from);
  if (!dir)
    return 0;
  size_t n = 0;
  struct dirent *entry;
  while (n < MAX_CANDIDATES && (entry = readdir(dir))) {
    char path[PATH_MAX];
    if (entry->d_name[0] == '.' ||
        snprintf(path, sizeof path, "%s/%s", from, entry->d_name) >= (int)sizeof path || !has_log(path))
      continue;
    if ((out[n] = strdup(path)))
      n++;
  }
  closedir(dir);
  qsort(out, n, sizeof out[0], newest_first);
  return n;
}

static int
snapshot_head(const char *dir, uint64_t *head_p)
{
  dbn_store_t *snapshot;
  dbn_store_options_t options = {.read_only = true};
  int rc = dbn_store_open(&snapshot, dir, &options);
  if (rc)
    return rc;
  rc = dbn_store_head(snapshot, head_p, NULL);
  dbn_store_destroy(&snapshot);
  return rc;
}

typedef struct {
  dbn_store_txn_t *txn; /* the local write transaction */
  uint64_t appended;    /* events it took */
} append_ctx_t;

static int
append_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  append_ctx_t *ctx = arg;
  Duban__Event *event;
  int rc = dbn_wire_event_unpack(bytes, len, &event);
  if (rc)
    return rc;
  rc = dbn_store_append_replicated(ctx->txn, event);
  dbn_wire_event_free(&event);
  if (rc == 0)
    ctx->appended++;
  return rc;
}

/* Append the events of the snapshot in txn after the local head, a chunk
 * per commit, until the local head is snapshot_head. */
static int
append_from(dbn_store_t *store, dbn_store_txn_t *from, uint64_t snapshot_head, uint64_t *applied_p)
{
  for (;;) {
    dbn_store_txn_t *txn;
    int rc = dbn_store_write_begin(store, &txn);
    if (rc)
      return rc;
    uint64_t head = dbn_store_txn_head(txn);
    if (head >= snapshot_head) {
      dbn_store_abort(&txn);
      return 0;
    }
    append_ctx_t ctx = {txn, 0};
    rc = dbn_store_events_foreach(from, head, RESTORE_CHUNK, append_one, &ctx);
    if (rc == 0 && ctx.appended == 0)
      rc = DBN_ECORRUPT; /* the snapshot's head record promised more events than it holds */
    if (rc == 0)
      rc = dbn_store_commit(&txn);
    else
      dbn_store_abort(&txn);
    if (rc == DBN_EMAPFULL && dbn_store_grow(store) == 0)
      continue;
    if (rc)
      return rc;
    *applied_p += ctx.appended;
  }
}

static int
copy_events(dbn_store_t *store, const char *dir, uint64_t head, uint64_t *applied_p)
{
  dbn_store_t *snapshot;
  dbn_store_options_t options = {.read_only = true};
  int rc = dbn_store_open(&snapshot, dir, &options);
  if (rc)
    return rc;
  dbn_store_txn_t *from;
  if ((rc = dbn_store_read_begin(snapshot, &from)) == 0) {
    rc = append_from(store, from, head, applied_p);
    dbn_store_abort(&from);
  }
  dbn_store_destroy(&snapshot);
  return rc;
}

/* One candidate: DBN_ENOTFOUND when it does not reach past local_head,
 * DBN_ECORRUPT when it does not verify or does not continue the local log;
 * what was wrong in why. */
static int
try_snapshot(dbn_store_t *store, const char *dir, uint64_t local_head, uint64_t *applied_p, char *why,
             size_t why_len)
{
  uint64_t head = 0;
  int rc = snapshot_head(dir, &head);
  if (rc) {
    snprintf(why, why_len, "快照 %s 无法读取：%s / cannot read the snapshot", dir, dbn_strerror(rc));
    return rc;
  }
  if (head <= local_head) {
    snprintf(why, why_len, "快照 %s 止于 seq %llu，不比本节点新 / the snapshot is not ahead of this broker",
             dir, (unsigned long long)head);
    return DBN_ENOTFOUND;
  }
  dbn_verify_report_t report;
  if ((rc = dbn_store_verify(dir, NULL, &report)) != 0) {
    snprintf(why, why_len, "快照 %s 未通过校验（seq %llu：%s）/ the snapshot does not verify", dir,
             (unsigned long long)report.first_bad_seq,
             rc == DBN_ECORRUPT ? report.problem : dbn_strerror(rc));
    return DBN_ECORRUPT;
  }
  if ((rc = copy_events(store, dir, head, applied_p)) != 0)
    snprintf(why, why_len,
             "快照 %s 接不上本节点的日志：%s / the snapshot does not continue this broker's log", dir,
             dbn_strerror(rc));
  return rc;
}

int
dbn_snapshot_restore(dbn_store_t *store, const char *from, uint64_t *applied_p, char *used, size_t used_len,
                     char *why, size_t why_len)
{
  *applied_p = 0;
  char *candidates[MAX_CANDIDATES];
  size_t n = list_candidates(from, candidates);
  snprintf(why, why_len, "%s 中没有快照（data.mdb）/ no snapshot there", from);
  int rc = DBN_ENOTFOUND;
  for (size_t i = 0; i < n; i++) {
    uint64_t local_head = 0;
    if (rc != 0 && rc != DBN_ENOMEM && (rc = dbn_store_head(store, &local_head, NULL)) == 0) {
      rc = try_snapshot(store, candidates[i], local_head, applied_p, why, why_len);
      if (rc == 0)
        snprintf(used, used_len, "%s", candidates[i]);
      else
        dbn_log(DBN_LOG_WARN, "replication", "%s", why);
    }
    free(candidates[i]);
  }
  return rc;
}
