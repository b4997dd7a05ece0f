/* signed.c: the signed rows of the ingest section (--signed). The broker is
 * started on a fresh log as for group commit; then admin:admin registers
 * its own signing key (the log's first, self-signed) and one fresh key per
 * writer, and from then on every report carries its department's Ed25519
 * signature, which the broker checks before it writes (store/signed_request.h).
 * The keys live only in this process: the bench measures the broker, not
 * key files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "signed_request.h"
#include "wire.h"
#include "writer.h"

#define SIGNED_WRITERS 64

static dbn_sign_key_t keys[SIGNED_WRITERS + 1]; /* [0] is the admin's */

static void
fresh_key(dbn_sign_key_t *key)
{
  crypto_sign_keypair(key->public_key, key->secret_key);
  dbn_sign_key_id(key->public_key, key->key_id);
}

/* admin:admin registers identity's key, signed with the admin's. */
static int
register_key(void *admin, const char *identity, const dbn_sign_key_t *key)
{
  Duban__SigningKeyRegistration reg = DUBAN__SIGNING_KEY_REGISTRATION__INIT;
  reg.identity = (char *)identity;
  reg.public_key.data = (uint8_t *)key->public_key;
  reg.public_key.len = DBN_SIGN_PUBLIC_BYTES;
  char id[33], plan[DBN_MAX_ID];
  uint8_t signature[DBN_SIGNATURE_BYTES];
  dbn_wire_new_request_id(id);
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.version = DBN_PROTOCOL_VERSION;
  req.request_id = id;
  req.body_case = DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  req.register_signing_key = &reg;
  if (dbn_request_sign(&req, "admin:admin", &keys[0], 0, signature, plan) != 0)
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
bench_writers_sign(bench_writers_t *writers, bench_env_t *env, const bench_broker_t *broker)
{
  if (sodium_init() < 0)
    return -1;
  void *admin = bench_conn_open(env, broker->endpoint, "admin:admin");
  if (!admin)
    return -1;
  fresh_key(&keys[0]);
  int rc = register_key(admin, "admin:admin", &keys[0]);
  for (int i = 0; rc == 0 && i < SIGNED_WRITERS; i++) {
    fresh_key(&keys[i + 1]);
    rc = register_key(admin, bench_writer_identity(writers, i), &keys[i + 1]);
    if (rc == 0)
      bench_writer_set_key(writers, i, &keys[i + 1]);
  }
  zmq_close(admin);
  return rc;
}
