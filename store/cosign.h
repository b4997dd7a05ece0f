/* cosign.h: witnesses' cosignatures of the broker's checkpoints.
 *
 * A checkpoint (store/checkpoint.h) is the broker's word about its log; a
 * witness directory is only as good as the auditor's belief that a
 * department really held it. So a department's agent (and the CLI with
 * DUBAN_WITNESS), when it keeps a checkpoint, also signs it with the
 * department's own registered signing key (store/signed_request.h): "I,
 * unit:LCJ, held this checkpoint at this time". The operator, who holds
 * the broker's key, can sign checkpoints of a rewritten log and pass them
 * off as what departments were told; it cannot make their cosignatures.
 * `duban audit verify --witness DIR` checks each cosignature against the
 * key the log registered for its identity and says who cosigned up to
 * which seq.
 *
 * On disk, beside the checkpoint: DIR/SEQ-HASH-KEYID.cosig, the packed
 * CheckpointCosignature (several witnesses' files can share one folder). */
#ifndef DUBAN_COSIGN_H
#define DUBAN_COSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "duban.pb-c.h"
#include "wire.h"

/* Fill cosig for checkpoint (borrowed) as identity (borrowed) with key at
 * the witness's time now; the signature goes to signature_buf (64 bytes,
 * the caller's), the key id to key_id_buf (DBN_SIGN_KEY_ID_LEN + 1). */
int dbn_cosign_make(Duban__CheckpointCosignature *cosig, Duban__Checkpoint *checkpoint, const char *identity,
                    const dbn_sign_key_t *key, int64_t now, char *key_id_buf, uint8_t *signature_buf);

/* 0 when cosig's own signature holds for public_key of profile crypto;
 * DBN_EPERM when not. */
int dbn_cosign_check(const Duban__CheckpointCosignature *cosig, dbn_crypto_t crypto,
                     const uint8_t *public_key);

/* Keep cosig in dir (made 0700 when missing); one already kept is not
 * written again. */
int dbn_cosign_keep(const char *dir, const Duban__CheckpointCosignature *cosig);

/* Every cosignature kept in dir, by the checkpoint's seq ascending (an
 * unreadable file counts in *unreadable_p and is left out). Free with
 * dbn_cosigns_free. */
int dbn_cosigns_load(const char *dir, Duban__CheckpointCosignature ***list_p, size_t *count_p,
                     size_t *unreadable_p);
void dbn_cosigns_free(Duban__CheckpointCosignature **list, size_t count);

#define DBN_COSIGNERS_MAX 32

/* Who cosigned what, as verify found it. */
typedef struct {
  size_t held; /* cosignatures that hold */
  struct {
    char identity[DBN_MAX_ID + 1];
    size_t count;      /* cosignatures that hold */
    uint64_t last_seq; /* the newest checkpoint it cosigned */
  } by[DBN_COSIGNERS_MAX];
  size_t n_by;            /* identities in by (more are counted in held only) */
  uint64_t first_bad_seq; /* the checkpoint of the first cosignature that fails; 0 = none */
  char problem[512];      /* for a person, in Chinese */
} dbn_cosign_report_t;

/* Check each cosignature: the broker's signature of its checkpoint against
 * broker_key, and its own against the key the log in data_dir (opened
 * read-only) registered for its identity, which must not have been revoked
 * at or before the checkpoint's seq. 0 when all hold; DBN_ECORRUPT with the
 * report naming the first that does not. */
int dbn_store_verify_cosigns(const char *data_dir, const dbn_sign_key_t *broker_key,
                             Duban__CheckpointCosignature *const *cosigs, size_t count,
                             dbn_cosign_report_t *report);

#endif
