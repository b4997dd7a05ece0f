/* witness.c: see witness.h. */
#include "witness.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "cosign.h"
#include "log.h"

struct dbn_witness {
  char dir[PATH_MAX];    /* DATA/witness */
  dbn_sign_key_t key;    /* the broker's public signing key */
  uint64_t kept_seq;     /* the last checkpoint kept this run */
  uint8_t kept_hash[32]; /* and its head hash */
  bool have_kept;
  bool cosigns;                         /* cosign each checkpoint kept (dbn_witness_cosign_as) */
  dbn_sign_key_t cosign_key;            /* the holder's own signing key */
  char cosign_identity[DBN_MAX_ID + 1]; /* and its identity */
};

int
dbn_witness_open(dbn_witness_t **witness_p, const char *dir, const char *server_cert)
{
  *witness_p = NULL;
  char key_path[PATH_MAX];
  const char *slash = strrchr(server_cert, '/');
  int dir_len = slash ? (int)(slash - server_cert) : 1;
  if (snprintf(key_path, sizeof key_path, "%.*s/broker.sign", dir_len, slash ? server_cert : ".") >=
      (int)sizeof key_path)
    return DBN_EINVAL;
  dbn_witness_t *witness = calloc(1, sizeof *witness);
  if (!witness)
    return DBN_ENOMEM;
  int rc = dbn_sign_key_load_public(&witness->key, key_path);
  if (rc) {
    dbn_log(DBN_LOG_WARN, "witness",
            "cannot read the broker's checkpoint key %s (%s): no checkpoints are kept", key_path,
            dbn_strerror(rc));
    free(witness);
    return 0;
  }
  if (snprintf(witness->dir, sizeof witness->dir, "%s", dir) >= (int)sizeof witness->dir) {
    free(witness);
    return DBN_EINVAL;
  }
  dbn_log(DBN_LOG_INFO, "witness", "keeping the broker's checkpoints (key %s) in %s", witness->key.key_id,
          witness->dir);
  *witness_p = witness;
  return 0;
}

void
dbn_witness_close(dbn_witness_t **witness_p)
{
  if (!witness_p || !*witness_p)
    return;
  dbn_sign_key_clear(&(*witness_p)->cosign_key);
  free(*witness_p);
  *witness_p = NULL;
}

void
dbn_witness_cosign_as(dbn_witness_t *witness, const char *identity, const dbn_sign_key_t *key)
{
  if (!witness || !identity ||
      snprintf(witness->cosign_identity, sizeof witness->cosign_identity, "%s", identity) >=
          (int)sizeof witness->cosign_identity)
    return;
  witness->cosign_key = *key;
  witness->cosigns = true;
  dbn_log(DBN_LOG_INFO, "witness", "cosigning the checkpoints kept as %s (key %s)", identity, key->key_id);
}

/* The holder's cosignature of a checkpoint just kept (store/cosign.h). */
static void
cosign(dbn_witness_t *witness, const Duban__Checkpoint *c)
{
  if (!witness->cosigns)
    return;
  Duban__CheckpointCosignature cosig;
  char key_id[DBN_SIGN_KEY_ID_LEN + 1];
  uint8_t signature[64];
  int rc = dbn_cosign_make(&cosig, (Duban__Checkpoint *)c, witness->cosign_identity, &witness->cosign_key,
                           (int64_t)time(NULL), key_id, signature);
  if (rc == 0)
    rc = dbn_cosign_keep(witness->dir, &cosig);
  if (rc)
    dbn_log(DBN_LOG_WARN, "witness",
            "未能副署第 %llu 号检查点 / cannot cosign the checkpoint at seq %llu: %s",
            (unsigned long long)c->seq, (unsigned long long)c->seq, dbn_strerror(rc));
}

void
dbn_witness_take(dbn_witness_t *witness, const Duban__Reply *reply)
{
  const Duban__Checkpoint *c = reply ? reply->checkpoint : NULL;
  if (!witness || !c)
    return;
  if (witness->have_kept && c->seq == witness->kept_seq && c->head_hash.len == sizeof witness->kept_hash &&
      memcmp(c->head_hash.data, witness->kept_hash, sizeof witness->kept_hash) == 0)
    return;
  int rc = dbn_checkpoint_keep(witness->dir, c, &witness->key);
  if (rc == DBN_EPERM) {
    dbn_log(DBN_LOG_WARN, "witness",
            "拒收检查点：第 %llu 号的签名与督办服务器公布的公钥不符 / refused a checkpoint at seq %llu: its "
            "signature does "
            "not hold against the broker's key %s",
            (unsigned long long)c->seq, (unsigned long long)c->seq, witness->key.key_id);
    return;
  }
  if (rc) {
    dbn_log(DBN_LOG_WARN, "witness", "cannot keep the checkpoint at seq %llu in %s: %s",
            (unsigned long long)c->seq, witness->dir, dbn_strerror(rc));
    return;
  }
  cosign(witness, c);
  witness->have_kept = c->head_hash.len == sizeof witness->kept_hash;
  witness->kept_seq = c->seq;
  if (witness->have_kept)
    memcpy(witness->kept_hash, c->head_hash.data, sizeof witness->kept_hash);
}
