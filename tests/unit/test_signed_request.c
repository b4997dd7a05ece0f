/* test_signed_request.c: the writer's own signatures (store/signed_request.h)
 * on a real store in a temporary folder: the canonical bytes are the layout
 * the header promises and change with every field; a signed write checks,
 * and a changed body, a flipped signature byte, a missing signature, an
 * unregistered key, another unit's key and a revoked key are refused; the
 * log's first admin key is the only self-signed one; an event's signature
 * checks again for verify, and a changed event does not. The broker's and
 * verify's checks and the cosignatures run in both crypto profiles: in a
 * log made with the default one (Ed25519 keys) and in one made with sm
 * (SM2 keys, SM3 links). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_dir.h"
#include "checkpoint.h"
#include "cosign.h"
#include "error.h"
#include "request.h"
#include "signed_request.h"
#include "store.h"

static char dir[200];

/* The profile a test runs in: its prestate (the sm cases), else the default. */
static dbn_crypto_t
profile_of(void **state)
{
  return state && *state ? *(const dbn_crypto_t *)*state : DBN_CRYPTO_ED25519_BLAKE2B;
}

static void
make_key(const char *name, dbn_crypto_t crypto, dbn_sign_key_t *key)
{
  bool created;
  char path[400];
  assert_int_equal(dbn_sign_key_make_named(dir, name, crypto, &created), 0);
  snprintf(path, sizeof path, "%s/%s.sign_secret", dir, name);
  assert_int_equal(dbn_sign_key_load_secret(key, path), 0);
}

static void
test_canonical_bytes(void **state)
{
  (void)state;
  dbn_signed_fields_t f = {"claim", "r1", "unit:a", "p", "k", 0x0102, (const uint8_t *)"L", 1};
  const uint8_t body[] = {0xAA, 0xBB};
  uint8_t *bytes;
  size_t len;
  assert_int_equal(dbn_signed_bytes(&f, body, sizeof body, &bytes, &len), 0);
  static const uint8_t want[] = {'d', 'u', 'b', 'a', 'n',  '-', 'w', 'r', 'i', 't',
                                 'e', '/', '1', 0,                                  /* tag */
                                 0,   0,   0,   5,   'c',  'l', 'a', 'i', 'm',      /* kind */
                                 0,   0,   0,   2,   'r',  '1',                     /* request id */
                                 0,   0,   0,   6,   'u',  'n', 'i', 't', ':', 'a', /* identity */
                                 0,   0,   0,   1,   'p',                           /* plan */
                                 0,   0,   0,   1,   'k',                           /* key id */
                                 0,   0,   0,   0,   0,    0,   1,   2,             /* seen seq */
                                 0,   0,   0,   1,   'L',                           /* signer_prev */
                                 0,   0,   0,   2,   0xAA, 0xBB};                   /* body */
  assert_int_equal(len, sizeof want);
  assert_memory_equal(bytes, want, sizeof want);
  /* Moving a byte from one field to the next changes the bytes: lengths are in. */
  dbn_signed_fields_t g = {"claimr", "1", "unit:a", "p", "k", 0x0102, (const uint8_t *)"L", 1};
  uint8_t *other;
  size_t other_len;
  assert_int_equal(dbn_signed_bytes(&g, body, sizeof body, &other, &other_len), 0);
  assert_true(other_len != len || memcmp(other, bytes, len) != 0);
  free(other);
  free(bytes);
}

/* The canonical body a and b are the same bytes and c is not; frees all three. */
static void
assert_same_then_different(uint8_t *a, size_t a_len, uint8_t *b, size_t b_len, uint8_t *c, size_t c_len)
{
  assert_int_equal(a_len, b_len);
  assert_memory_equal(a, b, a_len);
  assert_true(a_len != c_len || memcmp(a, c, a_len) != 0);
  free(a);
  free(b);
  free(c);
}

/* A progress report's canonical body ignores the broker's base_milli, nothing else. */
static void
test_body_ignores_base_milli(void **state)
{
  (void)state;
  Duban__Figure fig = DUBAN__FIGURE__INIT, *figs[] = {&fig};
  fig.what = "里程";
  fig.value = 3;
  fig.unit_of_measure = "公里";
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "p:1.1.1";
  progress.percent = 30;
  progress.n_figures = 1;
  progress.figures = figs;
  uint8_t *a, *b, *c;
  size_t a_len, b_len, c_len;
  assert_int_equal(dbn_signed_body_pack(&progress.base, &a, &a_len), 0);
  fig.base_milli = 3000000;
  assert_int_equal(dbn_signed_body_pack(&progress.base, &b, &b_len), 0);
  assert_int_equal(fig.base_milli, 3000000); /* the message itself is left alone */
  fig.value = 4;
  assert_int_equal(dbn_signed_body_pack(&progress.base, &c, &c_len), 0);
  assert_same_then_different(a, a_len, b, b_len, c, c_len);
}

/* An evidence file is signed by its hash: the canonical body is the same
 * with its content (which the log never holds) or without it. */
static void
test_body_signs_evidence_by_hash(void **state)
{
  (void)state;
  uint8_t hash[32] = {1, 2, 3};
  Duban__EvidenceRef ref = DUBAN__EVIDENCE_REF__INIT, *refs[] = {&ref};
  ref.name = "验收报告.pdf";
  ref.media_type = "application/pdf";
  ref.size = 5;
  ref.hash.data = hash;
  ref.hash.len = sizeof hash;
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  submit.task = "p:1.1.1";
  submit.n_evidence = 1;
  submit.evidence = refs;
  uint8_t *a, *b, *c;
  size_t a_len, b_len, c_len;
  assert_int_equal(dbn_signed_body_pack(&submit.base, &a, &a_len), 0);
  ref.content.data = (uint8_t *)"12345";
  ref.content.len = 5;
  assert_int_equal(dbn_signed_body_pack(&submit.base, &b, &b_len), 0);
  assert_int_equal(ref.content.len, 5); /* the message itself is left alone */
  hash[0] = 9;
  assert_int_equal(dbn_signed_body_pack(&submit.base, &c, &c_len), 0);
  assert_same_then_different(a, a_len, b, b_len, c, c_len);
}

struct signer {
  const char *identity;
  dbn_sign_key_t key;
  uint8_t signature[DBN_SIGNATURE_BYTES];
  char plan[128];
};

static Duban__Request
registration(Duban__SigningKeyRegistration *reg, const char *identity, const dbn_sign_key_t *key)
{
  duban__signing_key_registration__init(reg);
  reg->identity = (char *)identity;
  reg->public_key.data = (uint8_t *)key->public_key;
  reg->public_key.len = key->public_len;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.request_id = (char *)"reg";
  req.body_case = DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  req.register_signing_key = reg;
  return req;
}

/* Check req as the broker does and, when it passes, append its event. */
static int
write_as(dbn_store_t *store, const char *identity, Duban__Request *req, bool append)
{
  dbn_store_txn_t *txn;
  char why[512] = "";
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  int rc = dbn_signed_write_keep_body(req);
  if (rc == 0)
    rc = dbn_signed_write_check(txn, identity, req, why, sizeof why);
  if (rc == 0 && append) {
    Duban__Event event = DUBAN__EVENT__INIT;
    event.actor = (char *)identity;
    event.request_id = req->request_id;
    assert_int_equal(dbn_request_to_event(req, &event), 0);
    ProtobufCBinaryData prev = event.prev_hash;
    assert_int_equal(dbn_store_append(txn, &event), 0);
    event.prev_hash = prev;
  }
  if (rc)
    assert_true(why[0] != '\0'); /* every refusal says why */
  assert_int_equal(dbn_store_commit(&txn), 0);
  free(req->signed_body.data);
  req->signed_body.data = NULL;
  req->signed_body.len = 0;
  return rc;
}

static void
sign(Duban__Request *req, struct signer *s)
{
  req->signature.len = 0;
  req->plan_id = NULL;
  assert_int_equal(dbn_request_sign(req, s->identity, &s->key, 7, s->signature, s->plan), 0);
}

/* An event as the broker would write it for req, checked as verify does. */
static int
event_check(dbn_store_t *store, const char *actor, const Duban__Request *req, int percent_after)
{
  Duban__Event event = DUBAN__EVENT__INIT;
  event.actor = (char *)actor;
  event.request_id = req->request_id;
  assert_int_equal(dbn_request_to_event(req, &event), 0);
  int saved = req->progress->percent;
  if (percent_after >= 0)
    req->progress->percent = percent_after;
  dbn_store_txn_t *txn;
  char why[512] = "";
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  int rc = dbn_signed_event_check(txn, &event, why, sizeof why);
  dbn_store_abort(&txn);
  req->progress->percent = saved;
  return rc;
}

/* The signers of test_broker_and_verify and the log it writes. */
struct signed_log {
  dbn_store_t *store;
  struct signer admin, lcj, zrj, other_admin;
};

/* Keys for every signer, and a new log in dir/data using crypto. */
static void
signed_log_open(struct signed_log *log, dbn_crypto_t crypto)
{
  fixture_temp_dir(dir, sizeof dir, "signed");
  *log = (struct signed_log){.admin = {.identity = "admin:admin"},
                             .lcj = {.identity = "unit:LCJ"},
                             .zrj = {.identity = "unit:ZRJ"},
                             .other_admin = {.identity = "admin:b"}};
  make_key("admin", crypto, &log->admin.key);
  make_key("lcj", crypto, &log->lcj.key);
  make_key("zrj", crypto, &log->zrj.key);
  make_key("b", crypto, &log->other_admin.key);
  char data[300];
  snprintf(data, sizeof data, "%s/data", dir);
  dbn_store_options_t options = {0};
  assert_int_equal(dbn_store_open(&log->store, data, &options), 0);
  char why[256];
  assert_int_equal(dbn_store_choose_crypto(log->store, dbn_crypto_name(crypto), "real", why, sizeof why), 0);
}

/* The first admin key registers itself (signed, not unsigned); no second
 * admin signs itself in; the admin registers unit:LCJ's and unit:ZRJ's. */
static void
register_keys(struct signed_log *log)
{
  Duban__SigningKeyRegistration reg;
  Duban__Request req = registration(&reg, "admin:admin", &log->admin.key);
  assert_int_equal(write_as(log->store, "admin:admin", &req, false), DBN_EUNAUTH);
  sign(&req, &log->admin);
  assert_int_equal(write_as(log->store, "admin:admin", &req, true), 0);
  req = registration(&reg, "admin:b", &log->other_admin.key);
  sign(&req, &log->other_admin);
  assert_int_equal(write_as(log->store, "admin:b", &req, false), DBN_EPERM);
  req = registration(&reg, "unit:LCJ", &log->lcj.key);
  sign(&req, &log->admin);
  assert_int_equal(write_as(log->store, "admin:admin", &req, true), 0);
  Duban__SigningKeyRegistration reg2;
  req = registration(&reg2, "unit:ZRJ", &log->zrj.key);
  sign(&req, &log->admin);
  assert_int_equal(write_as(log->store, "admin:admin", &req, true), 0);
}

/* A signed write checks; unsigned, changed, flipped or another's does not.
 * write is LCJ's progress report, progress its body. */
static void
check_signed_write(struct signed_log *log, Duban__Request *write, Duban__Progress *progress)
{
  dbn_store_t *store = log->store;
  write->signature.len = 0;
  assert_int_equal(write_as(store, "unit:LCJ", write, false), DBN_EUNAUTH);
  sign(write, &log->lcj);
  assert_int_equal(write_as(store, "unit:LCJ", write, false), 0);
  assert_int_equal(event_check(store, "unit:LCJ", write, -1), 0);
  assert_int_equal(event_check(store, "unit:LCJ", write, 100), DBN_ECORRUPT);
  assert_int_equal(event_check(store, "unit:ZRJ", write, -1), DBN_ECORRUPT);
  progress->percent = 100;
  assert_int_equal(write_as(store, "unit:LCJ", write, false), DBN_EPERM);
  progress->percent = 30;
  log->lcj.signature[5] ^= 1;
  assert_int_equal(write_as(store, "unit:LCJ", write, false), DBN_EPERM);
  log->lcj.signature[5] ^= 1;
  assert_int_equal(write_as(store, "unit:ZRJ", write, false), DBN_EPERM); /* LCJ's key, ZRJ's name */
  sign(write, &log->zrj);
  assert_int_equal(write_as(store, "unit:LCJ", write, false), DBN_EPERM); /* ZRJ's key, LCJ's name */
  sign(write, &log->other_admin);
  assert_int_equal(write_as(store, "unit:LCJ", write, false), DBN_EPERM); /* a key nobody registered */
}

/* How many signers' chains end in writes no signature covers yet. */
static size_t
uncovered_chains(dbn_store_t *store)
{
  dbn_store_txn_t *txn;
  size_t chains;
  uint64_t last;
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  assert_int_equal(dbn_signed_chains_uncovered(txn, &chains, &last), 0);
  dbn_store_abort(&txn);
  return chains;
}

/* A signer's chain: a signed write that continues, chain-only writes that
 * follow it, and one that follows a link nobody wrote. */
static void
check_signer_chain(struct signed_log *log)
{
  struct signer *admin = &log->admin;
  Duban__ScoringRules rules = DUBAN__SCORING_RULES__INIT;
  rules.version = "v1";
  rules.effective = "2024-01-01";
  Duban__LoadScoringRules load = DUBAN__LOAD_SCORING_RULES__INIT;
  load.rules = &rules;
  Duban__Request chained = DUBAN__REQUEST__INIT;
  chained.body_case = DUBAN__REQUEST__BODY_LOAD_SCORING_RULES;
  chained.load_scoring_rules = &load;
  chained.signer_continues = true;
  chained.request_id = "c1";
  uint8_t link[32], next[32];
  assert_int_equal(dbn_request_sign_chained(&chained, "admin:admin", &admin->key, 0, true, admin->signature,
                                            admin->plan, link),
                   0);
  assert_int_equal(write_as(log->store, "admin:admin", &chained, true), 0);
  chained.signer_prev.data = link;
  chained.signer_prev.len = sizeof link;
  chained.request_id = "c2";
  rules.version = "v2";
  assert_int_equal(dbn_request_sign_chained(&chained, "admin:admin", &admin->key, 0, false, admin->signature,
                                            admin->plan, next),
                   0);
  assert_int_equal(chained.signature.len, 0);
  assert_int_equal(write_as(log->store, "unit:LCJ", &chained, false), DBN_EPERM); /* not LCJ's chain */
  assert_int_equal(write_as(log->store, "admin:admin", &chained, true), 0);
  assert_int_equal(write_as(log->store, "admin:admin", &chained, false),
                   DBN_EPERM); /* link already followed */
  memcpy(link, next, sizeof link);
  assert_int_equal(uncovered_chains(log->store), 1); /* c2 is covered only by the chain */
  chained.request_id = "c3";
  rules.version = "v3";
  chained.signer_continues = false;
  assert_int_equal(dbn_request_sign_chained(&chained, "admin:admin", &admin->key, 0, true, admin->signature,
                                            admin->plan, NULL),
                   0);
  assert_int_equal(write_as(log->store, "admin:admin", &chained, true), 0);
  assert_int_equal(uncovered_chains(log->store), 0); /* c3's signature covers c2 */
}

/* Revoked: LCJ's write is refused from then on, while the one before
 * still verifies. */
static void
check_revocation(struct signed_log *log, Duban__Request *write)
{
  sign(write, &log->lcj);
  Duban__SigningKeyRevocation rev = DUBAN__SIGNING_KEY_REVOCATION__INIT;
  rev.identity = "unit:LCJ";
  rev.key_id = log->lcj.key.key_id;
  rev.reason = "丢失";
  Duban__Request revoke = DUBAN__REQUEST__INIT;
  revoke.request_id = "rev";
  revoke.body_case = DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY;
  revoke.revoke_signing_key = &rev;
  sign(&revoke, &log->admin);
  assert_int_equal(write_as(log->store, "admin:admin", &revoke, true), 0);
  assert_int_equal(write_as(log->store, "unit:LCJ", write, false), DBN_EPERM);
  Duban__SigningKeyList *list = NULL;
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_write_begin(log->store, &txn), 0);
  assert_int_equal(dbn_signing_keys_get(txn, "unit:LCJ", &list), 0);
  assert_non_null(list);
  assert_int_equal(list->n_keys, 1);
  assert_true(list->keys[0]->revoked_seq > list->keys[0]->registered_seq);
  duban__signing_key_list__free_unpacked(list, NULL);
  dbn_store_abort(&txn);
}

static void
test_broker_and_verify(void **state)
{
  struct signed_log log;
  signed_log_open(&log, profile_of(state));
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  progress.task = "p:1.1.1";
  progress.percent = 30;
  progress.note = "进展";
  Duban__Request write = DUBAN__REQUEST__INIT;
  write.request_id = "w1";
  write.body_case = DUBAN__REQUEST__BODY_PROGRESS;
  write.progress = &progress;
  /* Before any key is registered nothing is required (older logs). */
  assert_int_equal(write_as(log.store, "unit:LCJ", &write, false), 0);
  register_keys(&log);
  check_signed_write(&log, &write, &progress);
  check_signer_chain(&log);
  check_revocation(&log, &write);
  dbn_store_destroy(&log.store);
  fixture_remove_dir(dir);
}

static void
test_secret_file_mode(void **state)
{
  (void)state;
  char path[] = "/tmp/duban-secret-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char why[600];
  assert_int_equal(fchmod(fd, 0600), 0);
  assert_int_equal(dbn_secret_file_check(path, why, sizeof why), 0);
  assert_int_equal(fchmod(fd, 0640), 0);
  assert_int_equal(dbn_secret_file_check(path, why, sizeof why), DBN_EPERM);
  assert_non_null(strstr(why, path));
  assert_non_null(strstr(why, "chmod 600"));
  assert_int_equal(fchmod(fd, 0604), 0);
  assert_int_equal(dbn_secret_file_check(path, why, sizeof why), DBN_EPERM);
  unlink(path);
  assert_int_equal(dbn_secret_file_check(path, why, sizeof why), DBN_ENOTFOUND);
}

/* A witness's cosignature: the layout store/signed_request.h promises, a
 * signature that holds for the witness's key only, and one that fails
 * when any part of the checkpoint it covers changes. */
static void
test_cosign(void **state)
{
  dbn_crypto_t crypto = profile_of(state);
  fixture_temp_dir(dir, sizeof dir, "cosign");
  dbn_sign_key_t broker, lcj, other;
  make_key("broker", crypto, &broker);
  make_key("unit-LCJ", crypto, &lcj);
  make_key("other", crypto, &other);
  uint8_t head[32], broker_sig[64], sig[64];
  memset(head, 0xAB, sizeof head);
  char broker_id[DBN_SIGN_KEY_ID_LEN + 1], key_id[DBN_SIGN_KEY_ID_LEN + 1];
  Duban__Checkpoint c = DUBAN__CHECKPOINT__INIT;
  c.seq = 0x0102;
  c.head_hash.data = head;
  c.head_hash.len = sizeof head;
  c.time = 7;
  dbn_checkpoint_sign(&c, &broker, broker_id, broker_sig);
  Duban__CheckpointCosignature cosig;
  assert_int_equal(dbn_cosign_make(&cosig, &c, "unit:LCJ", &lcj, 9, key_id, sig), 0);
  assert_string_equal(cosig.key_id, lcj.key_id);
  uint8_t *bytes;
  size_t len;
  assert_int_equal(dbn_cosign_bytes(&cosig, &bytes, &len), 0);
  size_t want = sizeof "duban-cosign/1" + 8 + 4 + 32 + 8 + 4 + 16 + 4 + 64 + 4 + 8 + 4 + 16 + 8;
  assert_int_equal(len, want);
  assert_memory_equal(bytes, "duban-cosign/1\0\0\0\0\0\0\0\1\2\0\0\0\x20", 15 + 8 + 4);
  assert_memory_equal(bytes + len - 8, "\0\0\0\0\0\0\0\x09", 8); /* the witness's time, last */
  free(bytes);
  assert_int_equal(dbn_cosign_check(&cosig, crypto, lcj.public_key), 0);
  assert_int_equal(dbn_cosign_check(&cosig, crypto, other.public_key), DBN_EPERM);
  c.seq = 0x0103; /* the checkpoint it covers changed */
  assert_int_equal(dbn_cosign_check(&cosig, crypto, lcj.public_key), DBN_EPERM);
  c.seq = 0x0102;
  cosig.identity = "unit:ZRJ"; /* passed off as another unit's */
  assert_int_equal(dbn_cosign_check(&cosig, crypto, lcj.public_key), DBN_EPERM);
  cosig.identity = "unit:LCJ";
  /* Kept and read back as it was. */
  assert_int_equal(dbn_cosign_keep(dir, &cosig), 0);
  Duban__CheckpointCosignature **list;
  size_t count, unreadable;
  assert_int_equal(dbn_cosigns_load(dir, &list, &count, &unreadable), 0);
  assert_int_equal(count, 1);
  assert_int_equal(unreadable, 0);
  assert_int_equal(dbn_cosign_check(list[0], crypto, lcj.public_key), 0);
  assert_int_equal(dbn_checkpoint_check(list[0]->checkpoint, &broker), 0);
  dbn_cosigns_free(list, count);
  fixture_remove_dir(dir);
}

int
main(void)
{
  static dbn_crypto_t sm = DBN_CRYPTO_SM;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_bytes),
      cmocka_unit_test(test_body_ignores_base_milli),
      cmocka_unit_test(test_body_signs_evidence_by_hash),
      cmocka_unit_test(test_broker_and_verify),
      cmocka_unit_test(test_secret_file_mode),
      cmocka_unit_test(test_cosign),
      cmocka_unit_test_prestate(test_broker_and_verify, &sm),
      cmocka_unit_test_prestate(test_cosign, &sm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
