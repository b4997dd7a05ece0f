/* checkpoint.h: witnessed checkpoints, signed statements of the broker
 * about its log ("the log held SEQ events and event SEQ hashed to HEAD").
 *
 * The hash chain shows that a log was changed only to someone who does not
 * hold the file: an operator who rewrites an event and recomputes every
 * hash after it has a log that verifies. So the broker signs a checkpoint
 * with its own key (KEYS/broker.sign_secret, made by `duban keygen`;
 * Ed25519, or SM2 for a log of the 国密 profile) every so many events or seconds and hands the latest to
 * every client with every reply; agents keep the checkpoints they receive, after checking the signature, in a
 * witness directory the operator does not hold. `duban audit verify --witness DIR` then finds where a log
 * parts from what the broker once signed. Checkpoints are not events: they are about the chain, not in it.
 *
 * The signed bytes are fixed, not a protobuf encoding:
 *   "duban-checkpoint/1" 0x00 | seq (be64) | head hash (32) | time (be64) | key id (16 hex)
 *
 * Keys on disk: KEYS/broker.sign (the public key in hex and a newline,
 * mode 0644: publish it like broker.key) and KEYS/broker.sign_secret (the
 * secret key in hex, mode 0600); the sizes are the profile's
 * (store/crypto_profile.h). */
#ifndef DUBAN_CHECKPOINT_H
#define DUBAN_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto_profile.h"
#include "duban.pb-c.h"
#include "error.h"

#define DBN_SIGN_PUBLIC_MAX DBN_CRYPTO_PUBLIC_MAX
#define DBN_SIGN_SECRET_MAX DBN_CRYPTO_SECRET_MAX
#define DBN_SIGN_KEY_ID_LEN 16 /* hex digits */

/* A signing key of either profile (store/crypto_profile.h): the profile
 * shows in the size of the key in its file. */
typedef struct {
  dbn_crypto_t crypto; /* the profile the key belongs to */
  size_t public_len;   /* dbn_crypto_public_bytes(crypto) */
  uint8_t public_key[DBN_SIGN_PUBLIC_MAX];
  uint8_t secret_key[DBN_SIGN_SECRET_MAX]; /* zero when only the public key is loaded */
  char key_id[DBN_SIGN_KEY_ID_LEN + 1];
} dbn_sign_key_t;

/* Make a new pair of profile crypto as DIR/broker.sign and
 * DIR/broker.sign_secret, unless both are present (*created_p false then).
 * DBN_EEXIST when only one is; DBN_ESTATE when the pair present is of the
 * other profile. */
int dbn_sign_key_make(const char *dir, dbn_crypto_t crypto, bool *created_p);

/* The same for a department's or a role's own pair, DIR/NAME.sign and
 * DIR/NAME.sign_secret (`duban keygen --self`; store/signed_request.h). */
int dbn_sign_key_make_named(const char *dir, const char *name, dbn_crypto_t crypto, bool *created_p);

/* The key id of a public key of len bytes: hex of its profile's 8-byte
 * short hash (BLAKE2b-64, or SM3 cut to 8 bytes). false, with out "",
 * when len is the size of no profile's public key. */
bool dbn_sign_key_id(const uint8_t *public_key, size_t len, char out[DBN_SIGN_KEY_ID_LEN + 1]);

/* Load the pair from secret_path (public key and id derived from it; the
 * profile from the key's size). */
int dbn_sign_key_load_secret(dbn_sign_key_t *key, const char *secret_path);
/* Load the public key alone from public_path. */
int dbn_sign_key_load_public(dbn_sign_key_t *key, const char *public_path);
/* Forget the secret. */
void dbn_sign_key_clear(dbn_sign_key_t *key);

/* Fill checkpoint's key_id and signature for its seq, head_hash and time.
 * key_id and signature point into owned storage of the caller: pass buffers
 * key_id_buf (DBN_SIGN_KEY_ID_LEN + 1) and signature_buf (64 bytes). */
void dbn_checkpoint_sign(Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key, char *key_id_buf,
                         uint8_t *signature_buf);

/* 0 when checkpoint carries key's valid signature; DBN_EPERM otherwise. */
int dbn_checkpoint_check(const Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key);

/* Check checkpoint against key and, when it holds, keep it in dir (made
 * 0700 when missing) as SEQ-HASH.ckpt (the packed message); a checkpoint
 * already kept is not written again. DBN_EPERM for a bad signature (nothing
 * is written). */
int dbn_checkpoint_keep(const char *dir, const Duban__Checkpoint *checkpoint, const dbn_sign_key_t *key);

/* A witness directory's files (a checkpoint, a cosignature: store/
 * cosign.h) are one packed message each, under DBN_WITNESS_FILE_MAX bytes.
 * Write message to path through a temporary file and fsync (a file already
 * there is left as it is); read one back into buf (DBN_WITNESS_FILE_MAX). */
#define DBN_WITNESS_FILE_MAX 1024
int dbn_witness_file_write(const char *path, const ProtobufCMessage *message);
int dbn_witness_file_read(const char *path, uint8_t *buf, size_t *len_p);

/* Every file in a witness directory whose name ends in suffix, each read
 * by load (given its path and arg; NULL: unreadable or refused, counted
 * in *bad_p and left out), sorted with compare. DBN_ENOTFOUND when dir
 * does not exist. Each message is freed with protobuf_c_message_free_unpacked. */
typedef ProtobufCMessage *(*dbn_witness_load_fn)(const char *path, const void *arg);
int dbn_witness_dir_load(const char *dir, const char *suffix, dbn_witness_load_fn load, const void *arg,
                         int (*compare)(const void *, const void *), ProtobufCMessage ***list_p,
                         size_t *count_p, size_t *bad_p);

/* Open the log in data_dir read-only, hand read one read transaction on
 * it, and close it again: how the witness's checks (the checkpoints', the
 * cosignatures') read the log. The store's error, or what read returned. */
struct dbn_store;
struct dbn_store_txn;
typedef int (*dbn_witness_read_fn)(struct dbn_store *store, struct dbn_store_txn *txn, void *ctx);
int dbn_witness_read_log(const char *data_dir, dbn_witness_read_fn read, void *ctx);

/* Every checkpoint kept in dir, by seq ascending; each checked against key
 * when key is not NULL (*bad_p counts those that failed and are left out).
 * Free with dbn_checkpoints_free. */
int dbn_checkpoints_load(const char *dir, const dbn_sign_key_t *key, Duban__Checkpoint ***list_p,
                         size_t *count_p, size_t *bad_p);
void dbn_checkpoints_free(Duban__Checkpoint **list, size_t count);

/* What a log says against the checkpoints a witness holds. */
typedef struct {
  size_t checkpoints;     /* compared */
  uint64_t agreed_seq;    /* the last checkpoint seq the log agrees with (0 = none) */
  uint64_t first_bad_seq; /* the first checkpoint seq the log disagrees with; 0 = all agree */
  uint64_t log_head;      /* the log's head */
  bool beyond_head;       /* first_bad_seq is past the log's head: its tail was cut or rolled back */
  bool forked;       /* two checkpoints of one seq name different heads: the broker signed two histories */
  char problem[512]; /* for a person, in Chinese */
} dbn_witness_report_t;

/* Compare the log in data_dir (opened read-only) with the checkpoints: for
 * each, the log must hold its seq and the hash of that event's stored bytes
 * must be its head_hash. 0 when all agree, DBN_ECORRUPT with the report
 * filled when one does not. */
int dbn_store_verify_witness(const char *data_dir, Duban__Checkpoint *const *checkpoints, size_t count,
                             dbn_witness_report_t *report);

#endif
