/* etcd.h: a small client of etcd's v3 API, over the JSON gateway etcd
 * serves at http://HOST:PORT/v3/... (keys and values base64 on the wire,
 * 64-bit numbers as JSON strings), for the broker's replicated mode
 * (broker/replication.h). Only what replication needs: put, range, a
 * transaction of equality compares and puts, leases, and a watch stream.
 *
 * A client knows every member's address and talks to one at a time; when
 * a member cannot be reached (nothing was sent), the same call goes to the
 * next one. A call that reached a member and then failed is not repeated
 * here: a transaction whose answer was lost may have been applied, and
 * only the caller knows how to find out. Calls block for at most the
 * timeout given at creation. The last failure is described, in Chinese
 * and English, by dbn_etcd_last_error.
 *
 * A client is used by one thread. Keys and values are bytes (not strings):
 * every call takes a pointer and a length. */
#ifndef DUBAN_ETCD_H
#define DUBAN_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct dbn_etcd dbn_etcd_t;

#define DBN_ETCD_MAX_ENDPOINTS 9

/* endpoints: "http://127.0.0.1:2379,http://10.0.0.2:2379" (up to
 * DBN_ETCD_MAX_ENDPOINTS). timeout_ms bounds every call (0 = 2000).
 * DBN_EINVAL with a message in why for a list that does not parse. */
int dbn_etcd_new(dbn_etcd_t **etcd_p, const char *endpoints, int timeout_ms, char *why, size_t why_len);
void dbn_etcd_destroy(dbn_etcd_t **etcd_p);

/* Talk to https:// members with this CA (the members' certificates must
 * chain to it) and present this client certificate and key (etcd's
 * --client-cert-auth). Any may be NULL or "" (the system's CAs; no client
 * certificate). The paths are copied. DBN_EINVAL when one is too long. */
int dbn_etcd_set_tls(dbn_etcd_t *etcd, const char *ca_file, const char *cert_file, const char *key_file);

/* What the last failed call hit, for a person; "" after a success.
 * Borrowed, valid until the next call. */
const char *dbn_etcd_last_error(const dbn_etcd_t *etcd);

/* One key-value pair as etcd stores it. key and value are owned by the
 * range result or the watch call that produced them. */
typedef struct {
  uint8_t *key;
  size_t key_len;
  uint8_t *value;
  size_t value_len;
  int64_t create_revision; /* the revision that created the key */
  int64_t mod_revision;    /* the revision that last changed it */
  int64_t lease;           /* the lease it is attached to, or 0 */
} dbn_etcd_kv_t;

typedef struct {
  dbn_etcd_kv_t *kvs; /* count pairs in key order, owned */
  size_t count;
  bool more;        /* the limit cut the answer short */
  int64_t revision; /* the store's revision when it answered */
} dbn_etcd_range_t;

void dbn_etcd_range_clear(dbn_etcd_range_t *range);

/* The key just past every key that starts with prefix (etcd's range_end
 * for a prefix), into out (prefix_len bytes); false when the prefix is all
 * 0xff bytes (no such key: use "\0" for "to the end"). */
bool dbn_etcd_prefix_end(const uint8_t *prefix, size_t prefix_len, uint8_t *out);

/* Put key = value, attached to lease (0 = none). *revision_p (may be NULL)
 * is the revision of the write. */
int dbn_etcd_put(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *value, size_t value_len,
                 int64_t lease, int64_t *revision_p);

/* Keys in [key, range_end) (range_end NULL: key alone), at most limit (0 =
 * all). The result is the caller's to clear, also after a failure. */
int dbn_etcd_range(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end,
                   size_t range_end_len, int64_t limit, dbn_etcd_range_t *out);

/* Delete the keys in [key, range_end) (range_end NULL: key alone). */
int dbn_etcd_delete(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end,
                    size_t range_end_len);

/* ---- transactions ---- */

enum dbn_etcd_target {
  DBN_ETCD_MOD_REVISION,    /* the revision of the key's last change; 0 = the key does not exist */
  DBN_ETCD_CREATE_REVISION, /* the revision that created it; 0 = it does not exist */
  DBN_ETCD_LEASE,           /* the lease it is attached to */
};

/* key's target must equal value. */
typedef struct {
  const void *key;
  size_t key_len;
  enum dbn_etcd_target target;
  int64_t value;
} dbn_etcd_compare_t;

typedef struct {
  const void *key;
  size_t key_len;
  const void *value;
  size_t value_len;
  int64_t lease; /* 0 = none */
} dbn_etcd_put_op_t;

/* If every compare holds, do every put, atomically: *succeeded_p says
 * whether they held. *revision_p (may be NULL) is the store's revision
 * after the transaction (the puts' revision when it succeeded).
 * DBN_ETIMEDOUT means the answer did not come in time: the transaction may
 * or may not have been applied. */
int dbn_etcd_txn(dbn_etcd_t *etcd, const dbn_etcd_compare_t *compares, size_t compare_count,
                 const dbn_etcd_put_op_t *puts, size_t put_count, bool *succeeded_p, int64_t *revision_p);

/* ---- leases ---- */

/* A new lease of ttl_seconds; its id in *lease_p. */
int dbn_etcd_lease_grant(dbn_etcd_t *etcd, int64_t ttl_seconds, int64_t *lease_p);

/* Renew lease for its whole TTL again; *ttl_p (may be NULL) is what etcd
 * gave it. DBN_ENOTFOUND when the lease has expired or was revoked. */
int dbn_etcd_lease_keepalive(dbn_etcd_t *etcd, int64_t lease, int64_t *ttl_p);

/* End lease now: every key attached to it is deleted. */
int dbn_etcd_lease_revoke(dbn_etcd_t *etcd, int64_t lease);

/* ---- watching ---- */

typedef struct dbn_etcd_watch dbn_etcd_watch_t;

/* Called for each change, in revision order. kv is borrowed for the call;
 * deleted says the key was deleted (kv->value is then empty). Returns 0 to
 * go on, or a negative error that stops the poll and is returned. */
typedef int (*dbn_etcd_watch_fn)(void *arg, const dbn_etcd_kv_t *kv, bool deleted);

/* Watch [key, range_end) (range_end NULL: key alone) for changes from
 * start_revision (0 = from now) on, as a stream that stays open. It is
 * read by dbn_etcd_watch_poll, without blocking the caller's loop. */
int dbn_etcd_watch_open(dbn_etcd_t *etcd, const void *key, size_t key_len, const void *range_end,
                        size_t range_end_len, int64_t start_revision, dbn_etcd_watch_t **watch_p);

/* Read what the stream has brought within timeout_ms (0 = only what is
 * already here) and call fn for each change. DBN_EUNAVAIL when the stream
 * has ended or its member went away (close it and open another from the
 * revision after the last change seen), DBN_ENOTFOUND when the start
 * revision was compacted away. */
int dbn_etcd_watch_poll(dbn_etcd_watch_t *watch, int timeout_ms, dbn_etcd_watch_fn fn, void *arg);

/* The revision after which the stream has delivered every change. */
int64_t dbn_etcd_watch_revision(const dbn_etcd_watch_t *watch);

void dbn_etcd_watch_close(dbn_etcd_watch_t **watch_p);

#endif
