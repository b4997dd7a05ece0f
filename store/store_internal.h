/* store_internal.h: what store.c, apply.c and verify.c share, and nothing
 * outside store/ may see: the environment's named databases, the structs
 * behind the opaque handles, and the few helpers all three use.
 *
 * One LMDB environment holds these named databases:
 *   events            be64 seq            -> packed Event (append only)
 *   meta              "head"              -> be64 seq + 32-byte hash of that event
 *                     "clock"             -> be64 broker clock (seconds)
 *                     "header"            -> packed LogHeader of seq 1 (log format 2)
 *   tasks             task id             -> packed Task: what changes (state,
 *                                            percent, figures, unit, flags)
 *   task_defs         task id             -> packed Task: what the plan fixed
 *                                            (text, milestones, targets, measure)
 *   unit_tasks        unit code \0 task id -> ""
 *   escalations       be64 id             -> packed Escalation
 *   open_escalations  be64 id             -> ""
 *   units             unit code           -> packed Unit
 *   plans             plan id             -> plan title
 *   dedup             identity \0 req id  -> be64 seq
 *   inbox             unit code \0 be64 seq -> packed InboxItem (views version 2)
 *   scoring           effective date \0 be64 seq -> packed ScoringRules (version 2)
 *                     meta "views"         -> be64 version of what the views hold
 *   evidence_refs     't' task \0 be64 seq, index -> packed EvidenceRef (version 4)
 *                     'h' hash be64 seq, index    -> task id
 *   evidence          32-byte hash        -> an evidence file's bytes (not a view; evidence.h)
 * Everything but events and meta.head is a view: apply.c is the only code
 * that writes them, and verify rebuilds them with the same function. */
#ifndef DUBAN_STORE_INTERNAL_H
#define DUBAN_STORE_INTERNAL_H

#include <lmdb.h>
#include <string.h>

#include "store.h"

/* LMDB's default largest key. */
#define DBN_STORE_MAX_KEY 511

enum view_dbi {
  DBI_EVENTS,
  DBI_META,
  DBI_TASKS,
  DBI_TASK_DEFS,
  DBI_UNIT_TASKS,
  DBI_ESCALATIONS,
  DBI_OPEN_ESCALATIONS,
  DBI_UNITS,
  DBI_PLANS,
  DBI_DEDUP,
  DBI_INBOX,         /* views version 2 */
  DBI_SCORING,       /* views version 2 */
  DBI_EVIDENCE_REFS, /* views version 4: evidence files by task and by hash (evidence.h) */
  DBI_EVIDENCE,      /* not a view: evidence files by hash (evidence.h), which no replay could rebuild */
  DBI_COUNT
};

/* The views are the databases after meta and before this one: what a
 * rebuild empties and replays, and verify compares. */
#define DBI_VIEWS_END DBI_EVIDENCE

/* The views of the first log format; a read-only open of an older log may
 * lack the ones after it. */
#define DBI_FIRST_LOG_COUNT DBI_INBOX

extern const char *const dbn_store_dbi_names[]; /* DBI_COUNT of them */

struct dbn_store {
  MDB_env *env;                /* the environment; one per store */
  MDB_dbi dbi[DBI_COUNT];      /* handles of the named databases */
  bool read_only;              /* opened for audit */
  bool dbis_open;              /* false for a read-only store of a log not yet created */
  bool dbi_present[DBI_COUNT]; /* false for a view an older log does not have (read-only) */
  uint64_t views_version;      /* what the stored views hold; DBN_STORE_VIEWS_VERSION once current */
  uint64_t views_rebuilt_from; /* the version this open rebuilt the views from; 0 = none */
  size_t map_size;             /* current map size in bytes */
  size_t map_max;              /* cap on growth in bytes; 0 = none */
  dbn_log_header_t header;     /* what the log says it is (meta "header") */
  const char *log_clock;       /* the clock a new log's header records; NULL = no header */
  const char *log_crypto;      /* its crypto profile; NULL = "" */
  dbn_crypto_t crypto;         /* the log's profile, from its first event */
  bool header_for_new_log;     /* the next seq 1 gets new_header (dbn_store_choose_crypto) */
  Duban__LogHeader new_header; /* its strings are static */
  bool no_sync;                /* MDB_NOSYNC: nothing is ever synced */
  bool pipelined_sync;         /* MDB_NOMETASYNC: a commit's meta waits for the next sync */
  bool sync_pending;           /* the last commit's meta page is not yet durable */
  uint64_t committed_seq;      /* the head of this process's last commit */
  uint64_t durable_seq;        /* the last seq on disk with its meta page */
  uint64_t syncs;              /* durable writes made (dbn_store_syncs) */
};

struct dbn_store_txn {
  dbn_store_t *store; /* borrowed */
  MDB_txn *txn;       /* the LMDB transaction */
  bool write;         /* a write transaction */
  int error;          /* the first write error; once set, every write and the commit return it */
  uint64_t head_seq;  /* last seq as this transaction sees it */
  uint8_t head_hash[DBN_HASH_BYTES]; /* its hash; next event's prev_hash */
  uint8_t prev_hash[DBN_HASH_BYTES]; /* backing store for the last appended event's prev_hash */
};

static inline MDB_val
dbn_store_string_key(const char *s)
{
  MDB_val key = {strlen(s), (void *)s};
  return key;
}

/* dbn_store_open, with what went wrong written to why (a damaged file:
 * what its size and its meta page say), for callers that report it
 * themselves, such as verify. */
int dbn_store_open_why(dbn_store_t **store_p, const char *dir, const dbn_store_options_t *options, char *why,
                       size_t why_len);

/* Pack msg and put it under key in the view which. */
int dbn_store_put_packed(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key,
                         const ProtobufCMessage *msg);

/* mdb_get on the view which; DBN_ENOTFOUND for a log with no views yet. */
int dbn_store_get_raw(dbn_store_txn_t *txn, enum view_dbi which, MDB_val *key, MDB_val *val);

/* An "a\0b" key in a malloc'd *buf_p (the caller frees it); DBN_ETOOBIG
 * when it would pass LMDB's key limit. */
int dbn_store_pair_key(const char *a, const char *b, char **buf_p, MDB_val *key);

/* Apply event (already in the log at event->seq) to the views: the one
 * function that writes them. subject, when not NULL, may hold the task or
 * escalation the broker's check read in this transaction; it is used
 * instead of a second read and is always cleared. Returns DBN_ECORRUPT for
 * an event the state before it does not allow. */
int dbn_store_apply_event(dbn_store_txn_t *txn, const Duban__Event *event, dbn_store_subject_t *subject);

/* The log's profile from its first event, into store->crypto (log_header.c);
 * DBN_ECORRUPT with why for a header that names no profile. */
int dbn_store_log_crypto_read(dbn_store_t *store, char *why, size_t why_len);

/* Before event (seq already set) is stored: the first event of a new log
 * gets the header dbn_store_choose_crypto made, and a first event that
 * carries a header (a mirror's) sets the store's profile. DBN_EINVAL for a
 * header naming no profile. */
int dbn_store_log_header_attach(dbn_store_txn_t *txn, Duban__Event *event);

#endif
