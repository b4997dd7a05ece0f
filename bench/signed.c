/* signed.c: the signed rows of the ingest section (--signed). The broker is
 * started on a fresh log as for group commit; then admin:admin registers
 * its own signing key (the log's first, self-signed) and one fresh key per
 * writer, and from then on every report carries its department's
 * signature (Ed25519, or SM2 with --crypto sm), which the broker checks before it writes
 * (store/signed_request.h); or, chained, one signature per `every` reports and the reports between carrying
 * only the link of the one before, which the broker checks with a hash. The keys live only in this process:
 * the bench measures the broker, not key files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "signed_request.h"
#include "wire.h"
#include "writer.h"

#define SIGNED_WRITERS 64

static bench_signer_t signers[SIGNED_WRITERS + 1]; /* [0] is the admin's */

static int
fresh_key(dbn_sign_key_t *key, dbn_crypto_t crypto)
{
  key->crypto = crypto;
  key->public_len = dbn_crypto_public_bytes(crypto);
  if (dbn_crypto_keypair(crypto, key->public_key, key->secret_key) != 0)
    return -1;
  dbn_sign_key_id(key->public_key, key->public_len, key->key_id);
  return 0;
}

/* admin:admin registers identity's key, signed with the admin's. */
static int
register_key(void *admin, const char *identity, const dbn_sign_key_t *key)
{
  Duban__SigningKeyRegistration reg = DUBAN__SIGNING_KEY_REGISTRATION__INIT;
  reg.identity = (char *)identity;
  reg.public_key.data = (uint8_t *)key->public_key;
  reg.public_key.len = key->public_len;
  char id[33], plan[DBN_MAX_ID];
  uint8_t signature[DBN_SIGNATURE_BYTES];
  dbn_wire_new_request_id(id);
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.version = DBN_PROTOCOL_VERSION;
  req.request_id = id;
  req.body_case = DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  req.register_signing_key = &reg;
  if (dbn_request_sign(&req, "admin:admin", &signers[0].key, 0, signature, plan) != 0)
    return -1;
  Duban__Reply *reply;
  if (bench_conn_call(admin, &req, &reply, 10000) != 0) {
    fprintf(stderr, "duban-bench: no answer to the registration of %s's key\n", identity);
    return -1;
  }
  int rc = reply->code == DUBAN__CODE__CODE_OK ? 0 : -1;
  if (rc)
    fprintf(stderr, "duban-bench: registering %s's key was refused: %s\n", identity, reply->message);
  dbn_wire_reply_free(&reply);
  return rc;
}

int
bench_signer_sign(bench_signer_t *signer, Duban__Request *req, const char *identity)
{
  if (signer->every <= 1)
    return dbn_request_sign(req, identity, &signer->key, 0, signer->signature, signer->plan);
  /* A chain: the first report and every `every`-th carry a signature. */
  req->signer_continues = true;
  if (signer->have_link) {
    memcpy(signer->prev, signer->link, sizeof signer->prev);
    req->signer_prev.data = signer->prev;
    req->signer_prev.len = sizeof signer->prev;
  }
  bool with_signature = !signer->have_link || ++signer->count % (unsigned)signer->every == 0;
  signer->have_link = true;
  return dbn_request_sign_chained(req, identity, &signer->key, 0, with_signature, signer->signature,
                                  signer->plan, signer->link);
}

int
bench_writers_sign(bench_writers_t *writers, bench_env_t *env, const bench_broker_t *broker, int every)
{
  if (sodium_init() < 0)
    return -1;
  void *admin = bench_conn_open(env, broker->endpoint, "admin:admin");
  if (!admin)
    return -1;
  memset(signers, 0, sizeof signers);
  dbn_crypto_t crypto = DBN_CRYPTO_ED25519_BLAKE2B;
  int rc = dbn_crypto_parse(env->crypto, &crypto);
  if (rc == 0)
    rc = fresh_key(&signers[0].key, crypto);
  if (rc == 0)
    rc = register_key(admin, "admin:admin", &signers[0].key);
  for (int i = 0; rc == 0 && i < SIGNED_WRITERS; i++) {
    signers[i + 1].every = every;
    rc = fresh_key(&signers[i + 1].key, crypto);
    if (rc == 0)
      rc = register_key(admin, bench_writer_identity(writers, i), &signers[i + 1].key);
    if (rc == 0)
      bench_writer_set_signer(writers, i, &signers[i + 1]);
  }
  zmq_close(admin);
  return rc;
}
