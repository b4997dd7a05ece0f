/* store.h: the LMDB event log and the views derived from it.
 *
 * The log is the truth (DESIGN invariant 4): events are appended, never
 * changed; the key is the sequence number as a big-endian uint64; each event
 * carries the hash of its predecessor's stored bytes (BLAKE2b-256, or SM3 in
 * a log made with the 国密 profile: dbn_store_crypto). The views
 * (tasks by id, tasks by unit, escalations, open escalations, units, plans,
 * and the (identity, request id) -> seq table that makes retries safe) are
 * updated in the same write transaction as the event that changes them, by
 * one function, dbn_store_apply(), which is also what `verify` runs to
 * rebuild them from the log. So a view can never disagree with the log
 * unless the file was changed behind LMDB's back, and verify says where.
 *
 * Lifetimes: a dbn_store_t is used by one thread. A write transaction is
 * open at most once at a time; read transactions may be many. Messages
 * returned by the getters are the caller's, freed with the matching
 * dbn_wire_*_free or the protobuf-c free_unpacked of their type (see each
 * function). A write transaction that hit an error is poisoned, the way
 * LMDB marks its own: every later append returns that first error, and so
 * does the commit, which then keeps nothing. */
#ifndef DUBAN_STORE_H
#define DUBAN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto_profile.h"
#include "duban.pb-c.h"
#include "error.h"

typedef struct dbn_store dbn_store_t;
typedef struct dbn_store_txn dbn_store_txn_t;

#define DBN_HASH_BYTES 32

/* What the views hold. Raised whenever apply.c starts writing something it
 * did not before (a new view, a new field derived from old events): a
 * broker that opens a log whose views are older rebuilds them from the log
 * in one transaction at start-up, and until then verify checks the chain
 * and the replay but cannot compare views written by an older duban.
 *   1: tasks, task definitions, unit tasks, escalations, units, plans, dedup
 *   2: + the departments' inboxes, escalation level names, scoring rules,
 *      a task's claim time and its plan's issue date
 *   3: + milestones reported and met, a task's report cycle, its last
 *      report's time and its measure's cooperating units
 *   4: + the evidence files each event names, by task and by hash */
#define DBN_STORE_VIEWS_VERSION 4

/* The log's own format, recorded in the LogHeader of its first event (seq
 * 1) and so covered by the chain. Raised when the events' meaning changes
 * in a way an older duban would misread: a broker or an audit refuses a log
 * of a newer format, naming both versions.
 *   1: no header (every log written before the header existed)
 *   2: a LogHeader on seq 1 (format version, the clock kind, the crypto
 *      profile) */
#define DBN_LOG_FORMAT_VERSION 2

/* What a log says it is: its LogHeader, or for a log without one format 1
 * and no clock kind (0 and "" for a log with no event yet). */
typedef struct {
  uint32_t format_version; /* DBN_LOG_FORMAT_VERSION of the duban that created it */
  char clock[16];          /* "real", "virtual", or "" when not recorded */
  char crypto[32];         /* the crypto profile; "" = the default one */
} dbn_log_header_t;

typedef struct {
  size_t map_size; /* initial map size in bytes; 0 = 64 MiB. It grows when full. */
  size_t map_max;  /* the map never grows past this many bytes; 0 = no cap */
  bool read_only;  /* audit: open read-only, concurrently with a running broker */
  bool no_sync;    /* MDB_NOSYNC: benchmarks only; an acknowledged event may be lost */
  /* MDB_NOMETASYNC: a commit costs one sync, of its data pages, which also
   * makes the previous commit's meta page durable; its own meta page is
   * durable only at the next commit or dbn_store_sync. Only for a writer
   * that holds every answer until dbn_store_durable_seq covers it (the
   * broker's pipelined group commit). */
  bool pipelined_sync;
  /* "real" or "virtual": the clock recorded in the LogHeader that the first
   * event of a new log carries; NULL writes no header (the store's own
   * tests, scratch rebuilds). Borrowed for the store's lifetime. */
  const char *log_clock;
  const char *log_crypto; /* the crypto profile for that header; NULL = "" */
} dbn_store_options_t;

/* Open (creating if needed, unless read-only) the log in directory dir. The
 * directory and files are created readable by their owner only. */
int dbn_store_open(dbn_store_t **store_p, const char *dir, const dbn_store_options_t *options);
void dbn_store_destroy(dbn_store_t **store_p);

/* The last committed sequence number (0 for an empty log) and its hash. */
int dbn_store_head(dbn_store_t *store, uint64_t *seq_p, uint8_t hash[DBN_HASH_BYTES]);

/* The current map size in bytes. */
size_t dbn_store_map_size(dbn_store_t *store);

/* The bytes of the map the log's pages use (LMDB's last page in use), for
 * the metrics' "how full is the map"; compare with dbn_store_map_size. */
size_t dbn_store_map_used(dbn_store_t *store);

/* Double the map (no transaction of this process may be open). Called after
 * DBN_EMAPFULL: the caller aborts, grows, and runs its batch again. */
int dbn_store_grow(dbn_store_t *store);

/* Remove reader slots left by processes that died mid-read, so that a killed
 * auditor does not pin old pages forever (mdb_reader_check). Returns the
 * number cleared in *cleared_p. */
int dbn_store_reader_check(dbn_store_t *store, int *cleared_p);

/* ---- transactions ---- */

int dbn_store_write_begin(dbn_store_t *store, dbn_store_txn_t **txn_p);
int dbn_store_read_begin(dbn_store_t *store, dbn_store_txn_t **txn_p);

/* Commit; on success the events are on disk (unless no_sync), and with
 * pipelined_sync once dbn_store_durable_seq reaches them. On failure
 * nothing of the transaction is kept; DBN_EMAPFULL and DBN_EDISKFULL say why.
 * A poisoned transaction is aborted and its first error returned. Always
 * frees the transaction and sets *txn_p to NULL. */
int dbn_store_commit(dbn_store_txn_t **txn_p);
/* Abort (read or write); accepts NULL. */
void dbn_store_abort(dbn_store_txn_t **txn_p);

/* ---- durability (pipelined_sync) ---- */

/* The last seq this process knows to be on disk with its meta page: the
 * head after every commit without pipelined_sync; with it, the head before
 * the last commit until the next commit or dbn_store_sync. */
uint64_t dbn_store_durable_seq(dbn_store_t *store);

/* True while a commit of this process is not yet durable (pipelined_sync):
 * nothing it wrote may be shown to anyone who could act on it. */
bool dbn_store_sync_pending(dbn_store_t *store);

/* The head of the last commit of this process. */
uint64_t dbn_store_committed_seq(dbn_store_t *store);

/* Make every commit durable (one fdatasync) when one is pending; 0 at once
 * when none is. */
int dbn_store_sync(dbn_store_t *store);

/* How many durable writes the commits and syncs of this store have cost:
 * an fdatasync, or a write of the meta page through LMDB's O_DSYNC
 * descriptor (which a commit without pipelined_sync makes after its
 * fdatasync), each count one. 0 with no_sync. */
uint64_t dbn_store_syncs(dbn_store_t *store);

/* The first error a write in txn hit, or 0. */
int dbn_store_txn_error(const dbn_store_txn_t *txn);

/* Mark txn unusable with error (the first error wins); returns the error
 * txn now carries, or error itself when it is 0. For callers whose own
 * step of a write failed between appends. */
int dbn_store_txn_poison(dbn_store_txn_t *txn, int error);

/* What the broker's check read of the task or escalation a write acts on,
 * in the same write transaction: handed to the append so the change does
 * not read it again. Members are owned; either may be NULL. */
typedef struct {
  Duban__Task *task;             /* as dbn_store_task_state_get returned it */
  Duban__Escalation *escalation; /* as dbn_store_escalation_get returned it */
} dbn_store_subject_t;

/* Free what subject holds (accepts NULL). */
void dbn_store_subject_clear(dbn_store_subject_t *subject);

/* Append event (write transaction): assigns event->seq (head + 1),
 * event->prev_hash and event->version, stores the packed bytes under the
 * sequence number, applies it to the views (checking that the lifecycles
 * allow it), and records (event->actor, event->request_id) -> seq when
 * request_id is not empty. The caller keeps ownership of event; prev_hash
 * points into the transaction's memory and is valid until the transaction
 * ends. On failure the transaction is poisoned. */
int dbn_store_append(dbn_store_txn_t *txn, Duban__Event *event);

/* The same, using what subject holds instead of reading the task or
 * escalation again; subject (may be NULL) is always cleared. */
int dbn_store_append_with(dbn_store_txn_t *txn, Duban__Event *event, dbn_store_subject_t *subject);

/* The sequence number a transaction would give its next event minus one
 * (the head as this transaction sees it). */
uint64_t dbn_store_txn_head(dbn_store_txn_t *txn);

/* ---- views (any transaction) ---- */

/* *task_p freed with duban__task__free_unpacked(task, NULL). */
int dbn_store_task_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p);

/* A task's state only (id, unit, state, percent, figures, note, flags,
 * warnings), without what the plan fixed (text, milestones, targets): the
 * cheap read for checks and changes. Freed like dbn_store_task_get's. */
int dbn_store_task_state_get(dbn_store_txn_t *txn, const char *task_id, Duban__Task **task_p);

/* Tasks of one unit (unit_code) or of all units (NULL), in task id order.
 * *tasks_p is an array of *count_p tasks, freed with dbn_store_tasks_free. */
int dbn_store_tasks_list(dbn_store_txn_t *txn, const char *unit_code, Duban__Task ***tasks_p,
                         size_t *count_p);
void dbn_store_tasks_free(Duban__Task **tasks, size_t count);

/* *escalation_p freed with duban__escalation__free_unpacked(e, NULL). */
int dbn_store_escalation_get(dbn_store_txn_t *txn, uint64_t id, Duban__Escalation **escalation_p);
int dbn_store_escalations_list(dbn_store_txn_t *txn, bool open_only, Duban__Escalation ***escalations_p,
                               size_t *count_p);
void dbn_store_escalations_free(Duban__Escalation **escalations, size_t count);

/* A unit by code; *unit_p freed with duban__unit__free_unpacked(u, NULL). */
int dbn_store_unit_get(dbn_store_txn_t *txn, const char *code, Duban__Unit **unit_p);
/* The code of the unit that text names: its code, its canonical name or one
 * of its aliases. *code_p is the caller's to free(); DBN_ENOTFOUND when no
 * unit answers to text. */
int dbn_store_unit_resolve(dbn_store_txn_t *txn, const char *text, char **code_p);

/* The full id of the task that text names: text itself when it holds a
 * ':' (a full id, whether or not it exists), else the one loaded plan's
 * task "PLAN:text". *id_p is the caller's to free(); *matches_p says how
 * many plans have such a task: DBN_ENOTFOUND for none, DBN_EEXIST when
 * more than one does (the short id is ambiguous). */
int dbn_store_task_resolve(dbn_store_txn_t *txn, const char *text, char **id_p, size_t *matches_p);

/* Every unit, in code order; freed with dbn_store_units_free. */
int dbn_store_units_list(dbn_store_txn_t *txn, Duban__Unit ***units_p, size_t *count_p);
void dbn_store_units_free(Duban__Unit **units, size_t count);

/* The inbox of a unit: what coordinators and the deadline monitor told it
 * (domain/inbox.h), newest first; only the unread items when unread_only.
 * Freed with dbn_store_inbox_free. */
int dbn_store_inbox_list(dbn_store_txn_t *txn, const char *unit_code, bool unread_only,
                         Duban__InboxItem ***items_p, size_t *count_p);
void dbn_store_inbox_free(Duban__InboxItem **items, size_t count);

/* The scoring rules (考核) in force on day (YYYY-MM-DD): of those the log
 * holds, the one with the latest effective date not after day (the last
 * loaded among several of that date). DBN_ENOTFOUND when none applies yet.
 * *rules_p is freed with dbn_wire_scoring_rules_free. */
int dbn_store_scoring_rules_in_force(dbn_store_txn_t *txn, const char *day, Duban__ScoringRules **rules_p);

/* The version of what the store's views hold (DBN_STORE_VIEWS_VERSION once
 * a broker has opened the log). */
uint64_t dbn_store_views_version(dbn_store_t *store);

/* The views version this open rebuilt the views from (an older duban's),
 * or 0 when they were current. */
uint64_t dbn_store_views_rebuilt_from(dbn_store_t *store);

/* What the log said it was when it was opened (its LogHeader); a new
 * log's header is only read back by the next open. A log of a newer format than
 * DBN_LOG_FORMAT_VERSION does not open (DBN_EVERSION, why names both). */
const dbn_log_header_t *dbn_store_log_header(dbn_store_t *store);

/* True if a plan with this id has been loaded. */
int dbn_store_plan_exists(dbn_store_txn_t *txn, const char *plan_id, bool *exists_p);

/* The seq of the event that (identity, request_id) produced, or DBN_ENOTFOUND. */
int dbn_store_dedup_get(dbn_store_txn_t *txn, const char *identity, const char *request_id, uint64_t *seq_p);

/* The broker's clock as the log last recorded it: the time of the last
 * event, advanced by any clock_advanced events (seconds; 0 if none). */
int dbn_store_clock_get(dbn_store_txn_t *txn, int64_t *now_p);

/* ---- the log ---- */

/* One event, decoded; *event_p freed with dbn_wire_event_free. */
int dbn_store_event_get(dbn_store_txn_t *txn, uint64_t seq, Duban__Event **event_p);

/* Call fn for each event with seq > after_seq, in order, at most max_count
 * (0 = no limit). bytes are the stored packed Event, valid only during the
 * call. fn returns 0 to go on, 1 to stop early, or a negative error that
 * is returned. */
typedef int (*dbn_store_event_fn)(void *arg, uint64_t seq, const uint8_t *bytes, size_t len);
int dbn_store_events_foreach(dbn_store_txn_t *txn, uint64_t after_seq, uint64_t max_count,
                             dbn_store_event_fn fn, void *arg);

/* ---- verify ---- */

typedef struct {
  uint64_t events;        /* events walked */
  uint64_t head_seq;      /* last sequence number in the log */
  uint64_t first_bad_seq; /* first sequence number where anything disagrees; 0 = none */
  char problem[512];      /* what disagrees there, for a person */
  char note[256];         /* what verify could not check and why ("" = everything was checked) */

  dbn_log_header_t header; /* what the log says it is (its format, its clock) */
  char crypto[24];         /* the log's crypto profile, as its first event names it */
} dbn_verify_report_t;

/* Walk the chain of the log in dir (read-only; safe while a broker runs):
 * every key is the next sequence number, every event decodes and carries
 * its predecessor's hash, the head record matches the last event. Then
 * rebuild every view from the log in a scratch environment in scratch_dir
 * (created and removed here; NULL = a directory under $TMPDIR) and compare
 * it with the stored views, entry by entry. Returns 0 when the log
 * verifies, DBN_ECORRUPT with the report filled when it does not, or
 * another error when it could not be read. */
int dbn_store_verify(const char *dir, const char *scratch_dir, dbn_verify_report_t *report);

/* The chain alone: keys, sequence numbers, hash links and the head record
 * (each event's seq and prev_hash are read off its bytes), without
 * rebuilding the views. Much faster; what it cannot see is a view changed
 * behind LMDB's back, or an evidence file (store/evidence.h) changed: the
 * full verify checks each against the hash its event holds. */
int dbn_store_verify_chain(const char *dir, dbn_verify_report_t *report);

/* State at any moment: rebuild the views of the log in dir as they stood
 * right after event until_seq (0 = the head) into a fresh store in
 * scratch_dir (created; must not hold a log), and hand it back opened, for
 * reading with the view getters. The caller destroys it and removes
 * scratch_dir. The chain is checked on the way; a broken one is
 * DBN_ECORRUPT. */
int dbn_store_rebuild_at(const char *dir, const char *scratch_dir, uint64_t until_seq,
                         dbn_store_t **snapshot_p);

/* Delete the LMDB files of a closed store in dir (a scratch copy), and dir
 * itself when remove_dir. */
void dbn_store_remove_files(const char *dir, bool remove_dir);

/* ---- hashing ---- */

/* The log's crypto profile (store/crypto_profile.h): its hash is the one
 * the next event carries as prev_hash, and its signatures are the ones the
 * log's registered keys make. Read from the first event's LogHeader when
 * the store is opened (a log without one is the default profile). */
dbn_crypto_t dbn_store_crypto(const dbn_store_t *store);
/* The same, for the store txn belongs to. */
dbn_crypto_t dbn_store_txn_crypto(const dbn_store_txn_t *txn);

/* What a log about to be created records in its first event: the profile
 * named by crypto (NULL: the default) and the broker's clock ("real" or
 * "virtual"). For a log that has events, crypto (when not NULL) must be
 * the log's own: DBN_ESTATE with a message in why when it is not, and
 * DBN_EINVAL for a name no profile has. */
int dbn_store_choose_crypto(dbn_store_t *store, const char *crypto, const char *clock, char *why,
                            size_t why_len);

/* ---- replicas ---- */

/* Append an event copied from another store's log (a console's mirror of
 * the broker, fed by Watch): DBN_ESTATE unless event->seq is the head + 1,
 * DBN_ECORRUPT unless event->prev_hash is the hash of the head event; then
 * stored and applied as dbn_store_append does. event stays the caller's.
 * On failure after the checks the transaction is poisoned. */
int dbn_store_append_replicated(dbn_store_txn_t *txn, const Duban__Event *event);

#endif
