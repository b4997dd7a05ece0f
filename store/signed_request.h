/* signed_request.h: a department's, coordinator's or admin's own
 * signature of each write it sends, and the registry of which key may sign
 * for which identity, kept in the log itself.
 *
 * The broker's operator holds the log file and the broker's clients folder:
 * it can rewrite an event and rechain, or mint a second CURVE key for a
 * department. Neither lets it forge what a department signed with a key
 * that only the department holds (made by `duban keygen --self` on its own
 * host) and that an admin registered by an event in the log. The signer
 * signs the canonical bytes below; the broker checks the signature before
 * it writes (dbn_signed_write_check, from broker/rules.c) and stores it in
 * the event; `duban audit verify` checks it again against the key the log
 * had registered for the event's actor at that moment
 * (dbn_signed_event_check, from store/verify.c).
 *
 * The canonical bytes of a write, the one definition for signer, broker
 * and verify (a fixed layout, not a protobuf encoding, so that no encoder's
 * choice changes them):
 *   "duban-write/1" 0x00
 *   | str(kind)         the request kind's name ("progress", domain/request.h)
 *   | str(request_id) | str(identity) | str(plan_id) | str(key_id)
 *   | be64(seen_seq)    the last event the signer had seen
 *   | str(signer_prev)  the link of the signer's write this one follows ("" for none)
 *   | str(body)         the packed body message with the broker's own fields
 *                       cleared (a figure's base_milli)
 * where str(x) is be32(length) followed by the bytes.
 *
 * When signatures are required: from the event that registers the log's
 * first admin key on, every write (a department's, a coordinator's, an
 * admin's) must be signed by a key registered for its identity and not
 * revoked; a signature by any other key, a key minted beside the broker's
 * clients folder included, is refused. Before that event, and in every
 * older log, writes are unsigned and verify as before. Registering and
 * revoking keys is an admin's signed write; the log's very first admin key
 * is registered by that admin signing its own registration (the only
 * self-signed one), so an admin registers its key before anything else. */
#ifndef DUBAN_SIGNED_REQUEST_H
#define DUBAN_SIGNED_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "duban.pb-c.h"
#include "store.h"

#define DBN_SIGNATURE_BYTES 64

/* What a signature covers, apart from the body. */
typedef struct {
  const char *kind;       /* the request kind's name */
  const char *request_id; /* as sent */
  const char *identity;   /* the signer's identity ("unit:fgw") */
  const char *plan_id;    /* the plan the signer meant, "" for none */
  const char *key_id;     /* the signing key's id */
  uint64_t seen_seq;      /* the last event the signer had seen */
  const uint8_t *prev;    /* the signer's chain: the link this write follows (NULL, 0: none) */
  size_t prev_len;
} dbn_signed_fields_t;

/* The canonical bytes of a witness's cosignature of a checkpoint (store/
 * cosign.h), beside those of a write so that every layout a holder signs
 * lives here:
 *   "duban-cosign/1" 0x00
 *   | be64(seq) | str(head_hash) | be64(time)   the broker's checkpoint
 *   | str(broker key_id) | str(broker signature)
 *   | str(identity) | str(key_id)                the witness and its key
 *   | be64(witnessed time)                       the witness's clock
 * *buf_p is the caller's to free. DBN_EINVAL when the checkpoint has no
 * head hash or no signature. */
int dbn_cosign_bytes(const Duban__CheckpointCosignature *cosig, uint8_t **buf_p, size_t *len_p);

/* The packed body with the broker's own fields cleared; *buf_p is the
 * caller's to free(). */
int dbn_signed_body_pack(const ProtobufCMessage *body, uint8_t **buf_p, size_t *len_p);

/* The canonical bytes of fields and a body already packed by
 * dbn_signed_body_pack; *buf_p is the caller's to free(). */
int dbn_signed_bytes(const dbn_signed_fields_t *fields, const uint8_t *body, size_t body_len, uint8_t **buf_p,
                     size_t *len_p);

/* Sign a write request as identity with key (its secret must be loaded):
 * fills seen_seq, plan_id (when empty, the plan its task id or plan names),
 * signer_key_id and signature. signature_buf (DBN_SIGNATURE_BYTES) and
 * plan_buf (DBN_MAX_ID bytes) are the caller's and must outlive req's use.
 * A read is left unsigned. */
int dbn_request_sign(Duban__Request *req, const char *identity, const dbn_sign_key_t *key, uint64_t seen_seq,
                     uint8_t *signature_buf, char *plan_buf);

/* The signer's chain, for a signer that writes faster than the broker can
 * check one signature per write: the link of a write is the log profile's hash of
 * its canonical bytes. A write that carries signer_prev (the link of the
 * signer's write before it, whose signer_continues was set) need not be
 * signed: the next signature in the chain covers it, because the signed
 * bytes hold the previous link, which holds the one before. The broker
 * checks such a write with a hash and one read (it must follow an open end
 * of its own identity's chain under the same registered key) and verify
 * checks every link again. dbn_request_sign_chained is dbn_request_sign
 * that reads req->signer_prev and req->signer_continues (set by the
 * caller), signs only when with_signature, and leaves the write's link in
 * link_out (DBN_HASH_BYTES; NULL: not wanted). */
int dbn_request_sign_chained(Duban__Request *req, const char *identity, const dbn_sign_key_t *key,
                             uint64_t seen_seq, bool with_signature, uint8_t *signature_buf, char *plan_buf,
                             uint8_t *link_out);

/* Keep the open ends of the signers' chains for event (from store/apply.c). */
int dbn_signed_chain_apply(dbn_store_txn_t *txn, const Duban__Event *event);

/* Chains whose last writes no signature covers yet, as txn holds them:
 * how many, and the newest such write. */
int dbn_signed_chains_uncovered(dbn_store_txn_t *txn, size_t *chains_p, uint64_t *last_seq_p);

/* ---- the broker's side (called from broker/rules.c) ---- */

/* Before the broker resolves the names a person typed: keep the body as
 * signed in req->signed_body (once; a retried batch keeps the first). */
int dbn_signed_write_keep_body(Duban__Request *req);

/* Whether identity's write req may be written as far as signatures go:
 * signed by a key registered for identity and not revoked, over the body
 * as it came (and, for the log, req->signed_body is dropped when the body
 * did not change). Returns 0, or DBN_EUNAUTH (missing) / DBN_EPERM (bad,
 * unregistered or revoked key, another plan) with a Chinese message in why. */
int dbn_signed_write_check(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, char *why,
                           size_t why_len);

/* The checks of a register or revoke request beyond the admin role. */
int dbn_signing_keys_check_request(dbn_store_txn_t *txn, const Duban__Request *req, char *why,
                                   size_t why_len);

/* ---- the registry (meta "signers/IDENTITY": a SigningKeyList) ---- */

/* Apply a signing_key_registered or signing_key_revoked event. */
int dbn_signing_keys_apply(dbn_store_txn_t *txn, const Duban__Event *event);

/* identity's registered keys as the log holds them now (*list_p NULL when
 * it never had one); free with duban__signing_key_list__free_unpacked. */
int dbn_signing_keys_get(dbn_store_txn_t *txn, const char *identity, Duban__SigningKeyList **list_p);

/* ---- audit verify's side ---- */

/* Check event against the registry as txn holds it just before the event:
 * a required signature present and valid for the key then registered.
 * Returns 0, or DBN_ECORRUPT with a Chinese message in why. */
int dbn_signed_event_check(dbn_store_txn_t *txn, const Duban__Event *event, char *why, size_t why_len);

/* ---- secret keys are their holder's ---- */

/* 0 when the file at path is readable by its owner only; DBN_EPERM with a
 * message naming the file and `chmod 600` otherwise (DBN_ENOTFOUND when it
 * is missing). */
int dbn_secret_file_check(const char *path, char *why, size_t why_len);

#endif
