/* verify.c: audit's walk of the log: the hash chain, the rebuild of every
 * view from the events in a scratch store and its comparison with the
 * stored views, and the rebuild as the log stood at a past event. It reads
 * the log read-only, so it runs beside a live broker. See store.h. */
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "be64.h"
#include "evidence.h"
#include "event_subject.h"
#include "lmdb_env.h"
#include "request.h"
#include "signed_request.h"
#include "wire.h"
#include "lang.h"

/* The rebuild commits every this many events. LMDB keeps a transaction's
 * dirty pages in memory and caches them after commit, and with views of
 * random keys (the retry table) nearly every event dirties its own leaf
 * pages, so the chunk, not the log, sets verify's peak memory: about
 * 2000 x a few 4 KiB pages. */
#define VERIFY_CHUNK_EVENTS 2000

struct verify_walk {
  dbn_verify_report_t *report;       /* where problems go */
  dbn_store_txn_t *rebuild;          /* write txn on the scratch store */
  dbn_store_txn_t *stored;           /* verify: the log's own, whose evidence files are checked */
  dbn_store_t *scratch;              /* the scratch store, to commit in chunks */
  uint64_t expected_seq;             /* the next key the chain must have */
  uint8_t prev_hash[DBN_HASH_BYTES]; /* hash of the previous event */
  uint64_t until_seq;                /* stop after this seq; 0 = the head */
  uint64_t broken_link;              /* first seq whose link to its predecessor failed; 0 = none */
  bool rebuild_stopped;              /* views are not rebuilt past a broken link */
  bool check_time;                   /* verify: report an event older than its predecessor */
  int64_t prev_time;                 /* time of the previous event: times never go backwards */
  int error;                         /* a non-corruption failure (I/O, memory) */
  dbn_crypto_t crypto;               /* the log's profile: its chain hash */
  struct view_record *tracked;       /* a record whose last writer the walk looks for; NULL = none */
};

/* One record of one view, and the last event of the replay that changed
 * it: the event to name when the stored record is damaged. */
struct view_record {
  enum view_dbi which;
  uint8_t key[DBN_STORE_MAX_KEY];
  size_t key_len;
  uint8_t *value; /* the record as the replay last left it (malloc'd); NULL = absent */
  size_t value_len;
  uint64_t last_writer; /* 0 = no event wrote it */
};

static int verify_fail(dbn_verify_report_t *report, uint64_t seq, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first problem only: later ones are usually its echoes. */
static int
verify_fail(dbn_verify_report_t *report, uint64_t seq, const char *format, ...)
{
  if (report->first_bad_seq == 0) {
    va_list args;
    va_start(args, format);
    report->first_bad_seq = seq;
    vsnprintf(report->problem, sizeof report->problem, format, args);
    va_end(args);
  }
  return DBN_ECORRUPT;
}

/* Whether the event's actor could have made it (domain/request.h), with
 * the task's owner as the replay holds it just before the event. */
static int
check_actor_right(dbn_store_txn_t *rebuild, const Duban__Event *event, char *why, size_t why_len)
{
  const char *task_id = dbn_event_task(event);
  Duban__Task *task = NULL;
  if (task_id && dbn_store_task_state_get(rebuild, task_id, &task) != 0)
    task = NULL; /* no such task: apply says so */
  int rc = dbn_event_actor_check(event->body_case, event->actor, task ? task->unit : NULL, why, why_len);
  dbn_wire_task_free(&task);
  return rc;
}

/* After an event is applied: did it change the tracked record? */
static int
track_record(dbn_store_txn_t *rebuild, struct view_record *record, uint64_t seq)
{
  MDB_val key = {record->key_len, record->key}, val;
  int rc = mdb_get(rebuild->txn, rebuild->store->dbi[record->which], &key, &val);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return dbn_lmdb_error(rc);
  bool present = rc == 0;
  bool same = present ? record->value && record->value_len == val.mv_size &&
                            memcmp(record->value, val.mv_data, val.mv_size) == 0
                      : record->value == NULL;
  if (same)
    return 0;
  free(record->value);
  record->value = NULL;
  record->value_len = 0;
  if (present) {
    if (!(record->value = malloc(val.mv_size ? val.mv_size : 1)))
      return DBN_ENOMEM;
    memcpy(record->value, val.mv_data, val.mv_size);
    record->value_len = val.mv_size;
  }
  record->last_writer = seq;
  return 0;
}

/* The checks and the replay of one decoded event whose link holds: its
 * time, its signature, its actor's right, then its changes to the views
 * and the evidence files it names. */
static int
replay_event(struct verify_walk *walk, uint64_t seq, const Duban__Event *event)
{
  dbn_verify_report_t *report = walk->report;
  char detail[400];
  /* A clock set back, or a real clock after a virtual one: every "as it
   * stood on day D" question would read the log in the wrong order. (A
   * time of 0 is no time at all: no broker writes one, and the store's own
   * tests append events without.) */
  if (walk->check_time && event->time && event->time < walk->prev_time)
    return verify_fail(report, seq,
                       dbn_tr("事件时间 %lld 早于前一个事件的时间（%lld）：时间倒退了",
                              "event time %lld is before its predecessor's (%lld): time went backwards"),
                       (long long)event->time, (long long)walk->prev_time);
  /* Against the keys the log had registered just before this event. */
  if (dbn_signed_event_check(walk->rebuild, event, detail, sizeof detail) != 0 ||
      (walk->check_time && check_actor_right(walk->rebuild, event, detail, sizeof detail) != 0))
    return verify_fail(report, seq, dbn_tr("第 %llu 号事件（%s）：%s", "event %llu (%s): %s"),
                       (unsigned long long)seq, dbn_wire_event_name(event->body_case), detail);
  if (event->time)
    walk->prev_time = event->time;
  int rc = dbn_store_apply_event(walk->rebuild, event, NULL);
  if (rc == DBN_ECORRUPT)
    return verify_fail(
        report, seq,
        dbn_tr("事件无法应用到它之前的状态上（%s）", "event cannot be applied to the state before it (%s)"),
        dbn_wire_event_name(event->body_case));
  /* The evidence files it names, against the hashes the chain covers. */
  if (rc == 0 && walk->stored)
    rc = dbn_store_evidence_verify_event(walk->stored, event, report, NULL);
  if (rc == 0 && walk->tracked)
    rc = track_record(walk->rebuild, walk->tracked, seq);
  if (rc && rc != DBN_ECORRUPT)
    walk->error = rc;
  return rc;
}

static int
verify_event(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  struct verify_walk *walk = arg;
  dbn_verify_report_t *report = walk->report;
  char detail[400];
  if (walk->until_seq && seq > walk->until_seq)
    return 1;
  if (seq != walk->expected_seq) {
    snprintf(detail, sizeof detail, dbn_tr("第 %llu 号紧接在第 %llu 号之后", "%llu follows %llu"),
             (unsigned long long)seq, (unsigned long long)(walk->expected_seq - 1));
    return verify_fail(report, walk->expected_seq,
                       dbn_tr("序号不连续：%s", "sequence numbers are not consecutive: %s"), detail);
  }
  /* The chain needs only seq and prev_hash, read straight off the bytes;
   * the whole event is decoded only when the views are rebuilt. */
  uint64_t event_seq;
  const uint8_t *prev_hash;
  size_t prev_hash_len;
  Duban__Event *event = NULL;
  if (dbn_wire_event_peek(bytes, len, &event_seq, &prev_hash, &prev_hash_len) ||
      (walk->rebuild && dbn_wire_event_unpack(bytes, len, &event)))
    return verify_fail(report, seq, dbn_tr("事件无法解码%s", "event does not decode%s"), "");
  int rc = 0;
  if (event_seq != seq) {
    snprintf(detail, sizeof detail, "%llu", (unsigned long long)event_seq);
    rc = verify_fail(
        report, seq,
        dbn_tr("存在这个键下的事件自称是第 %s 号", "event stored under this key says it is seq %s"), detail);
  } else if (prev_hash_len != DBN_HASH_BYTES || memcmp(prev_hash, walk->prev_hash, DBN_HASH_BYTES) != 0) {
    /* The link into this event is broken: either the event before it was
     * changed, or this one was (its prev_hash field). Which one shows at
     * the next link: a changed event also breaks the link after it. */
    if (walk->broken_link) {
      rc = verify_fail(report, seq - 1,
                       dbn_tr("第 %llu 号事件被改写过：它前后的链接都不成立",
                              "event %llu was changed: neither link around it holds"),
                       (unsigned long long)(seq - 1));
    } else {
      walk->broken_link = seq;
      walk->rebuild_stopped = true;
    }
  } else if (walk->broken_link) {
    rc = verify_fail(report, walk->broken_link - 1,
                     dbn_tr("第 %llu 号事件被改写过：它的哈希不是下一个事件所带的那个",
                            "event %llu was changed: its hash is not the one the next event carries"),
                     (unsigned long long)(walk->broken_link - 1));
  } else if (walk->rebuild && !walk->rebuild_stopped) {
    rc = replay_event(walk, seq, event);
  }
  dbn_wire_event_free(&event);
  if (rc)
    return rc;
  dbn_crypto_hash(walk->crypto, bytes, len, walk->prev_hash);
  walk->expected_seq = seq + 1;
  report->events++;
  /* Commit the scratch rebuild in chunks so its dirty pages stay bounded:
   * replay memory must not grow with the log. */
  if (walk->rebuild && report->events % VERIFY_CHUNK_EVENTS == 0) {
    if ((rc = dbn_store_commit(&walk->rebuild)) ||
        (rc = dbn_store_write_begin(walk->scratch, &walk->rebuild))) {
      walk->error = rc;
      return rc;
    }
  }
  return 0;
}

/* Writes covered by their signer's chain and not yet by a signature are
 * not a fault (the signer signs again within N writes), but a reader must
 * know (store/signed_request.h). */
static int
note_uncovered(dbn_store_txn_t *rebuild, dbn_verify_report_t *report)
{
  size_t chains;
  uint64_t last;
  int rc = dbn_signed_chains_uncovered(rebuild, &chains, &last);
  if (rc == 0 && chains)
    snprintf(
        report->note, sizeof report->note,
        dbn_tr("%zu 条签名链的末尾写入（最晚到事件 %llu）目前只由链覆盖，尚无签名覆盖",
               "the last writes of %zu signing chains (up to event %llu) are covered by their chain only, "
               "not yet by a signature"),
        chains, (unsigned long long)last);
  return rc;
}

static uint64_t
value_seq(enum view_dbi which, const MDB_val *val)
{
  uint64_t seq = 0;
  if (which == DBI_TASKS) {
    Duban__Task *task = NULL;
    if (dbn_wire_task_unpack(val->mv_data, val->mv_size, &task) == 0)
      seq = task->updated_seq;
    dbn_wire_task_free(&task);
    return seq;
  }
  if (which == DBI_ESCALATIONS) {
    Duban__Escalation *e = NULL;
    if (dbn_wire_escalation_unpack(val->mv_data, val->mv_size, &e) == 0)
      seq = e->updated_seq;
    dbn_wire_escalation_free(&e);
    return seq;
  }
  if (which == DBI_DEDUP && val->mv_size == 8)
    return dbn_be64_get(val->mv_data);
  return 0;
}

/* LMDB's default order of keys. */
static bool
key_before(const MDB_val *a, const MDB_val *b)
{
  size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
  int c = memcmp(a->mv_data, b->mv_data, n);
  return c < 0 || (c == 0 && a->mv_size < b->mv_size);
}

/* Compare one view of the stored log with its rebuild, key by key. A
 * record whose value does not say which event last changed it is left in
 * *damaged for a replay that finds its writer (name_last_writer). */
static int
compare_view(dbn_store_txn_t *stored, dbn_store_txn_t *rebuilt, enum view_dbi which,
             dbn_verify_report_t *report, struct view_record *damaged)
{
  MDB_cursor *a, *b;
  int rc = mdb_cursor_open(stored->txn, stored->store->dbi[which], &a);
  if (rc)
    return dbn_lmdb_error(rc);
  if ((rc = mdb_cursor_open(rebuilt->txn, rebuilt->store->dbi[which], &b))) {
    mdb_cursor_close(a);
    return dbn_lmdb_error(rc);
  }
  MDB_val ka, va, kb, vb;
  int ra = mdb_cursor_get(a, &ka, &va, MDB_FIRST);
  int rb = mdb_cursor_get(b, &kb, &vb, MDB_FIRST);
  int result = 0;
  while (ra == 0 || rb == 0) {
    bool same_key =
        ra == 0 && rb == 0 && ka.mv_size == kb.mv_size && memcmp(ka.mv_data, kb.mv_data, ka.mv_size) == 0;
    bool same = same_key && va.mv_size == vb.mv_size && memcmp(va.mv_data, vb.mv_data, va.mv_size) == 0;
    if (!same) {
      /* Where the keys part, the smaller is the record one side lacks. */
      bool stored_first = rb != 0 || (ra == 0 && !same_key && key_before(&ka, &kb));
      MDB_val *key = same_key || stored_first ? &ka : &kb;
      char printable[96];
      size_t n = key->mv_size < sizeof printable - 1 ? key->mv_size : sizeof printable - 1;
      for (size_t i = 0; i < n; i++) {
        unsigned char c = ((const unsigned char *)key->mv_data)[i];
        printable[i] = c >= 0x20 ? (char)c : '.';
      }
      printable[n] = '\0';
      /* The earlier of the two last-changed seqs is where they part. */
      uint64_t seq_a = ra == 0 ? value_seq(which, &va) : 0;
      uint64_t seq_b = rb == 0 ? value_seq(which, &vb) : 0;
      uint64_t seq = seq_a && (!seq_b || seq_a < seq_b) ? seq_a : seq_b;
      if (seq == 0 && key->mv_size <= sizeof damaged->key) {
        damaged->which = which;
        memcpy(damaged->key, key->mv_data, key->mv_size);
        damaged->key_len = key->mv_size;
      }
      if (seq == 0)
        seq = rebuilt->head_seq ? rebuilt->head_seq : 1;
      char detail[256];
      snprintf(detail, sizeof detail,
               dbn_tr("视图 '%s' 在键 '%s' 处与日志不符", "view '%s' disagrees with the log at key '%s'"),
               dbn_store_dbi_names[which], printable);
      verify_fail(report, seq, "%s", detail);
      result = DBN_ECORRUPT;
      break;
    }
    ra = mdb_cursor_get(a, &ka, &va, MDB_NEXT);
    rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
  }
  mdb_cursor_close(a);
  mdb_cursor_close(b);
  return result;
}

/* Where the rebuild goes: the directory given, or a fresh one under
 * TMPDIR (removed afterwards). */
static int
choose_scratch_path(const char *scratch_dir, char *path, size_t path_len)
{
  if (scratch_dir) {
    snprintf(path, path_len, "%s", scratch_dir);
    return 0;
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(path, path_len, "%s/duban-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  return mkdtemp(path) ? 0 : DBN_EIO;
}

/* The walk's end against the head record: a link broken at the last
 * event, a log shorter or longer than the head says, a changed last event. */
static int
check_chain_end(const struct verify_walk *walk, const dbn_store_txn_t *stored)
{
  dbn_verify_report_t *report = walk->report;
  if (walk->broken_link) {
    /* The break is at the last link: the head record decides, as it holds
     * the last event's hash the way a next event would. */
    uint64_t last = walk->broken_link;
    bool last_changed = memcmp(walk->prev_hash, stored->head_hash, DBN_HASH_BYTES) != 0;
    uint64_t bad = last_changed ? last : last - 1;
    return verify_fail(report, bad,
                       dbn_tr("第 %llu 号事件被改写过：哈希链在那里断开",
                              "event %llu was changed: the hash chain breaks there"),
                       (unsigned long long)bad);
  }
  if (walk->expected_seq - 1 != stored->head_seq) {
    char detail[64];
    snprintf(detail, sizeof detail, "%llu", (unsigned long long)stored->head_seq);
    return verify_fail(report, walk->expected_seq,
                       dbn_tr("头记录说日志止于第 %s 号", "the head record says the log ends at %s"), detail);
  }
  if (stored->head_seq && memcmp(walk->prev_hash, stored->head_hash, DBN_HASH_BYTES) != 0)
    return verify_fail(report, stored->head_seq,
                       dbn_tr("最后一个事件与头记录中的哈希不符%s",
                              "the last event does not match the head record's hash%s"),
                       "");
  return 0;
}

/* The header a broker's start-up reads from meta (the log's format and
 * clock) must be the one event 1 carries, which the chain covers: an edit
 * of meta alone would let a log pass for what it is not. */
static int
compare_log_header(dbn_store_txn_t *stored, dbn_store_txn_t *rebuilt, dbn_verify_report_t *report)
{
  MDB_val key = dbn_store_string_key("header"), kept, carried;
  int kept_rc = dbn_store_get_raw(stored, DBI_META, &key, &kept);
  int carried_rc = dbn_store_get_raw(rebuilt, DBI_META, &key, &carried);
  if (kept_rc && kept_rc != DBN_ENOTFOUND)
    return kept_rc;
  if (carried_rc && carried_rc != DBN_ENOTFOUND)
    return carried_rc;
  bool same = kept_rc == carried_rc &&
              (kept_rc ||
               (kept.mv_size == carried.mv_size && memcmp(kept.mv_data, carried.mv_data, kept.mv_size) == 0));
  return same ? 0
              : verify_fail(report, 1,
                            dbn_tr("为启动检查保存的日志头（格式、时钟）与第 1 号事件所带的不同%s",
                                   "the log header kept for start-up checks (format, clock) is not the one "
                                   "event 1 carries%s"),
                            "");
}

/* The views the replay rebuilt against the stored ones, view by view. */
static int
compare_rebuilt_views(const dbn_store_t *store, dbn_store_txn_t *stored, dbn_store_txn_t *rebuilt,
                      dbn_verify_report_t *report, struct view_record *damaged)
{
  int header_rc = compare_log_header(stored, rebuilt, report);
  if (header_rc)
    return header_rc;
  if (store->views_version != DBN_STORE_VIEWS_VERSION) {
    /* Views an older duban wrote hold less than ours would: they cannot be
     * compared, only the replay that rebuilt ours. */
    snprintf(
        report->note, sizeof report->note,
        dbn_tr("视图由较早的 duban 写成（视图版本 %llu，本版本写 %d），中心服务下次打开日志时由日志重建；"
               "哈希链和每个事件的重放均已通过校验",
               "the views were written by an older duban (views version %llu, this one writes %d) and are "
               "rebuilt from the log when a broker next opens it; the chain and a replay of every event "
               "verified"),
        (unsigned long long)store->views_version, DBN_STORE_VIEWS_VERSION);
    return 0;
  }
  rebuilt->head_seq = stored->head_seq;
  int rc = 0;
  for (int v = DBI_META + 1; v < DBI_VIEWS_END && rc == 0; v++)
    rc = compare_view(stored, rebuilt, (enum view_dbi)v, report, damaged);
  return rc == 0 && !report->note[0] ? note_uncovered(rebuilt, report) : rc;
}

/* A damaged record of a view that keeps no seq in its values: replay the
 * log once more into a fresh scratch store (scratch_path, emptied) and
 * watch which event last changed the record, and name that event. */
static void
name_last_writer(dbn_store_t *store, const char *scratch_path, struct view_record *record,
                 dbn_verify_report_t *report)
{
  dbn_store_options_t scratch_options = {.no_sync = true, .map_size = dbn_store_map_size(store)};
  dbn_store_t *scratch = NULL;
  dbn_store_txn_t *stored = NULL;
  dbn_verify_report_t replay;
  memset(&replay, 0, sizeof replay);
  struct verify_walk walk = {.report = &replay, .expected_seq = 1, .tracked = record};
  int rc = dbn_store_open(&scratch, scratch_path, &scratch_options);
  if (rc == 0)
    rc = dbn_store_read_begin(store, &stored);
  if (rc == 0)
    rc = dbn_store_write_begin(scratch, &walk.rebuild);
  walk.scratch = scratch;
  if (rc == 0)
    rc = dbn_store_events_foreach(stored, 0, 0, verify_event, &walk);
  dbn_store_abort(&walk.rebuild);
  dbn_store_abort(&stored);
  dbn_store_destroy(&scratch);
  dbn_store_remove_files(scratch_path, false);
  free(record->value);
  record->value = NULL;
  if (rc || record->last_writer == 0)
    return; /* the head stays named: no event wrote a record only the stored view has */
  report->first_bad_seq = record->last_writer;
  size_t used = strlen(report->problem);
  snprintf(report->problem + used, sizeof report->problem - used,
           dbn_tr("（由第 %llu 号事件写入）", " (written by event %llu)"),
           (unsigned long long)record->last_writer);
}

static int
verify_log(const char *dir, const char *scratch_dir, bool rebuild_views, dbn_verify_report_t *report)
{
  memset(report, 0, sizeof *report);
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *store;
  char why[sizeof report->problem] = "";
  int rc = dbn_store_open_why(&store, dir, &ro, why, sizeof why);
  if (rc == DBN_ECORRUPT || rc == DBN_EVERSION)
    snprintf(report->problem, sizeof report->problem, "%s", why);
  if (rc)
    return rc;
  report->header = *dbn_store_log_header(store);
  snprintf(report->crypto, sizeof report->crypto, "%s", dbn_crypto_name(store->crypto));

  char scratch_path[4096] = "";
  if (rebuild_views && (rc = choose_scratch_path(scratch_dir, scratch_path, sizeof scratch_path))) {
    dbn_store_destroy(&store);
    return rc;
  }
  /* The rebuild needs no durability: it is thrown away. */
  dbn_store_options_t scratch_options = {.no_sync = true, .map_size = dbn_store_map_size(store)};
  dbn_store_t *scratch = NULL;
  dbn_store_txn_t *stored = NULL;
  /* Time order is verify's to report; a state-at-a-moment rebuild reads a
   * log as it is (an older broker's may hold times out of order). */
  struct verify_walk walk = {
      .report = report, .expected_seq = 1, .check_time = true, .crypto = dbn_store_crypto(store)};

  rc = rebuild_views ? dbn_store_open(&scratch, scratch_path, &scratch_options) : 0;
  if (rc == 0 && scratch)
    scratch->crypto = store->crypto; /* its links and keys are the log's */
  if (rc == 0)
    rc = dbn_store_read_begin(store, &stored);
  if (rc == 0 && rebuild_views)
    rc = dbn_store_write_begin(scratch, &walk.rebuild);
  walk.scratch = scratch;
  walk.stored = rebuild_views ? stored : NULL;
  if (rc == 0) {
    report->head_seq = stored->head_seq;
    rc = dbn_store_events_foreach(stored, 0, 0, verify_event, &walk);
    if (rc == DBN_ECORRUPT && walk.error)
      rc = walk.error;
  }
  if (rc == 0)
    rc = check_chain_end(&walk, stored);
  struct view_record damaged = {.key_len = 0};
  if (rc == 0 && rebuild_views)
    rc = compare_rebuilt_views(store, stored, walk.rebuild, report, &damaged);
  dbn_store_abort(&walk.rebuild);
  dbn_store_abort(&stored);
  dbn_store_destroy(&scratch);
  if (*scratch_path)
    dbn_store_remove_files(scratch_path, false);
  if (rc == DBN_ECORRUPT && damaged.key_len)
    name_last_writer(store, scratch_path, &damaged, report);
  dbn_store_destroy(&store);
  /* Remove the scratch files (and the directory when we made it). */
  if (*scratch_path)
    dbn_store_remove_files(scratch_path, !scratch_dir);
  return rc;
}

void
dbn_store_remove_files(const char *dir, bool remove_dir)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  if (remove_dir)
    rmdir(dir);
}

int
dbn_store_verify(const char *dir, const char *scratch_dir, dbn_verify_report_t *report)
{
  return verify_log(dir, scratch_dir, true, report);
}

int
dbn_store_verify_chain(const char *dir, dbn_verify_report_t *report)
{
  return verify_log(dir, NULL, false, report);
}

int
dbn_store_rebuild_at(const char *dir, const char *scratch_dir, uint64_t until_seq, dbn_store_t **snapshot_p)
{
  dbn_store_options_t ro = {.read_only = true};
  dbn_store_t *store;
  int rc = dbn_store_open(&store, dir, &ro);
  if (rc)
    return rc;
  dbn_store_options_t scratch_options = {.no_sync = true, .map_size = dbn_store_map_size(store)};
  dbn_store_t *scratch = NULL;
  dbn_store_txn_t *stored = NULL;
  dbn_verify_report_t report;
  memset(&report, 0, sizeof report);
  struct verify_walk walk = {
      .report = &report, .expected_seq = 1, .until_seq = until_seq, .crypto = dbn_store_crypto(store)};
  rc = dbn_store_open(&scratch, scratch_dir, &scratch_options);
  if (rc == 0)
    scratch->crypto = store->crypto; /* its links and keys are the log's */
  if (rc == 0)
    rc = dbn_store_read_begin(store, &stored);
  if (rc == 0)
    rc = dbn_store_write_begin(scratch, &walk.rebuild);
  walk.scratch = scratch;
  if (rc == 0) {
    rc = dbn_store_events_foreach(stored, 0, 0, verify_event, &walk);
    if (rc == DBN_ECORRUPT && walk.error)
      rc = walk.error;
    if (rc == 0 && walk.broken_link)
      rc = DBN_ECORRUPT;
  }
  if (rc == 0) {
    /* The snapshot's head is where the rebuild stopped. */
    uint8_t head[8 + DBN_HASH_BYTES];
    dbn_be64_put(head, walk.expected_seq - 1);
    memcpy(head + 8, walk.prev_hash, DBN_HASH_BYTES);
    MDB_val key = dbn_store_string_key("head"), val = {sizeof head, head};
    rc = dbn_lmdb_error(mdb_put(walk.rebuild->txn, scratch->dbi[DBI_META], &key, &val, 0));
  }
  if (rc == 0)
    rc = dbn_store_commit(&walk.rebuild);
  dbn_store_abort(&walk.rebuild);
  dbn_store_abort(&stored);
  dbn_store_destroy(&store);
  if (rc) {
    dbn_store_destroy(&scratch);
    return rc;
  }
  *snapshot_p = scratch;
  return 0;
}
