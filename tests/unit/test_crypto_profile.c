/* test_crypto_profile.c: the two crypto profiles (store/crypto_profile.h):
 * SM3 and BLAKE2b-256 against published test vectors, SM2 and Ed25519
 * sign/verify round trips with a flipped byte in the message, the
 * signature or the key refused, another key refused, the names and key
 * sizes that tell the profiles apart; and a real log in a temporary folder
 * made with the sm profile: its first event carries the header, a reopen
 * (and a read-only open, as audit uses) reads the profile back, the chain
 * is SM3, and asking for the other profile is refused; SM2 key files,
 * checkpoints and cosignatures; the key registry of each profile's log
 * taking its own profile's keys only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cosign.h"
#include "crypto_profile.h"
#include "error.h"
#include "fixture_log.h"
#include "fixture_plan.h"
#include "signed_request.h"
#include "store.h"
#include "wire.h"

static void
hex_of(const uint8_t *bytes, size_t len, char *out)
{
  for (size_t i = 0; i < len; i++)
    sprintf(out + 2 * i, "%02x", bytes[i]);
}

/* crypto's chain hash of message, in hex, is want. */
static void
assert_hash_is(dbn_crypto_t crypto, const uint8_t *message, size_t len, const char *want)
{
  uint8_t digest[DBN_CRYPTO_HASH_BYTES];
  char hex[2 * DBN_CRYPTO_HASH_BYTES + 1];
  dbn_crypto_hash(crypto, message, len, digest);
  hex_of(digest, sizeof digest, hex);
  assert_string_equal(hex, want);
}

/* GB/T 32905-2016, appendix A.1: SM3("abc"). */
static void
test_sm3_abc(void **state)
{
  (void)state;
  assert_hash_is(DBN_CRYPTO_SM, (const uint8_t *)"abc", 3,
                 "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

/* GB/T 32905-2016, appendix A.2: SM3 of "abcd" sixteen times (512 bits). */
static void
test_sm3_two_blocks(void **state)
{
  (void)state;
  uint8_t message[64];
  for (size_t i = 0; i < sizeof message; i++)
    message[i] = (uint8_t) "abcd"[i % 4];
  assert_hash_is(DBN_CRYPTO_SM, message, sizeof message,
                 "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

/* The default profile's chain hash is the BLAKE2b-256 logs were made with
 * (RFC 7693's BLAKE2b, 32-byte output, of "abc"). */
static void
test_blake2b_abc(void **state)
{
  (void)state;
  assert_hash_is(DBN_CRYPTO_ED25519_BLAKE2B, (const uint8_t *)"abc", 3,
                 "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

static void
round_trip(dbn_crypto_t crypto)
{
  uint8_t pk[DBN_CRYPTO_PUBLIC_MAX], sk[DBN_CRYPTO_SECRET_MAX], pk2[DBN_CRYPTO_PUBLIC_MAX];
  uint8_t other_pk[DBN_CRYPTO_PUBLIC_MAX], other_sk[DBN_CRYPTO_SECRET_MAX];
  uint8_t signature[DBN_CRYPTO_SIGNATURE_BYTES];
  uint8_t message[] = "duban-write/1 progress unit:fgw 60%";
  size_t public_bytes = dbn_crypto_public_bytes(crypto);
  assert_int_equal(dbn_crypto_keypair(crypto, pk, sk), 0);
  assert_int_equal(dbn_crypto_keypair(crypto, other_pk, other_sk), 0);
  assert_int_equal(dbn_crypto_public_of_secret(crypto, sk, pk2), 0);
  assert_memory_equal(pk, pk2, public_bytes);

  assert_int_equal(dbn_crypto_sign(crypto, sk, message, sizeof message, signature), 0);
  assert_int_equal(dbn_crypto_verify(crypto, pk, message, sizeof message, signature), 0);
  assert_int_equal(dbn_crypto_verify(crypto, other_pk, message, sizeof message, signature), DBN_EPERM);

  message[3] ^= 1;
  assert_int_equal(dbn_crypto_verify(crypto, pk, message, sizeof message, signature), DBN_EPERM);
  message[3] ^= 1;
  for (size_t at = 0; at < sizeof signature; at += 21) {
    signature[at] ^= 0x10;
    assert_int_equal(dbn_crypto_verify(crypto, pk, message, sizeof message, signature), DBN_EPERM);
    signature[at] ^= 0x10;
  }
  pk[public_bytes - 1] ^= 1;
  assert_int_equal(dbn_crypto_verify(crypto, pk, message, sizeof message, signature), DBN_EPERM);
  pk[public_bytes - 1] ^= 1;
  assert_int_equal(dbn_crypto_verify(crypto, pk, message, sizeof message, signature), 0);
}

static void
test_sm2_round_trip(void **state)
{
  (void)state;
  round_trip(DBN_CRYPTO_SM);
}

static void
test_ed25519_round_trip(void **state)
{
  (void)state;
  round_trip(DBN_CRYPTO_ED25519_BLAKE2B);
}

/* A secret whose public half was changed is refused when loaded. */
static void
test_sm2_secret_mismatch_refused(void **state)
{
  (void)state;
  uint8_t pk[DBN_CRYPTO_PUBLIC_MAX], sk[DBN_CRYPTO_SECRET_MAX], out[DBN_CRYPTO_PUBLIC_MAX];
  uint8_t other_pk[DBN_CRYPTO_PUBLIC_MAX], other_sk[DBN_CRYPTO_SECRET_MAX];
  assert_int_equal(dbn_crypto_keypair(DBN_CRYPTO_SM, pk, sk), 0);
  assert_int_equal(dbn_crypto_keypair(DBN_CRYPTO_SM, other_pk, other_sk), 0);
  memcpy(sk + 32, other_pk, 64);
  assert_int_equal(dbn_crypto_public_of_secret(DBN_CRYPTO_SM, sk, out), DBN_EINVAL);
}

static void
test_names_and_sizes(void **state)
{
  (void)state;
  dbn_crypto_t crypto = DBN_CRYPTO_SM;
  assert_int_equal(dbn_crypto_parse("", &crypto), 0);
  assert_int_equal(crypto, DBN_CRYPTO_ED25519_BLAKE2B);
  assert_int_equal(dbn_crypto_parse("sm", &crypto), 0);
  assert_int_equal(crypto, DBN_CRYPTO_SM);
  assert_int_equal(dbn_crypto_parse("ed25519-blake2b", &crypto), 0);
  assert_int_equal(crypto, DBN_CRYPTO_ED25519_BLAKE2B);
  assert_int_equal(dbn_crypto_parse("SM2", &crypto), DBN_EINVAL);
  assert_string_equal(dbn_crypto_name(DBN_CRYPTO_SM), "sm");
  assert_true(dbn_crypto_of_public_len(64, &crypto));
  assert_int_equal(crypto, DBN_CRYPTO_SM);
  assert_true(dbn_crypto_of_public_len(32, &crypto));
  assert_int_equal(crypto, DBN_CRYPTO_ED25519_BLAKE2B);
  assert_false(dbn_crypto_of_public_len(33, &crypto));
  assert_true(dbn_crypto_of_secret_len(96, &crypto));
  assert_int_equal(crypto, DBN_CRYPTO_SM);
}

static fixture_plan_t plan;

/* Event 1 loads a two-unit plan, event 2 a claim of its first task. */
static void
append_two_events(dbn_store_t *store)
{
  fixture_plan_init(&plan, "t", "测试方案", "筑牢生态安全屏障", "推进重点生态工程建设", "LCJ", "ZRJ");
  fixture_plan_add_unit(&plan, "LCJ", "市林业和草原局");
  fixture_plan_add_unit(&plan, "ZRJ", "市自然资源局");
  fixture_plan_add_action(&plan, "申请资金和任务", "LCJ");
  fixture_append_plan_loaded(store, &plan.load, 1695000000, "r-plan");
  fixture_append_claimed(store, "t:1.1.1", "unit:LCJ", 1695000100, "r-claim");
}

static int
hash_first(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  assert_int_equal(seq, 1);
  dbn_crypto_hash(DBN_CRYPTO_SM, bytes, len, arg);
  return 0;
}

static void
test_sm_log_header(void **state)
{
  (void)state;
  char dir[256], why[512] = "";
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "crypto", NULL);
  assert_int_equal(dbn_store_choose_crypto(store, "sm", "virtual", why, sizeof why), 0);
  assert_int_equal(dbn_store_crypto(store), DBN_CRYPTO_SM);
  append_two_events(store);
  dbn_store_destroy(&store);

  dbn_store_options_t ro = {.read_only = true};
  assert_int_equal(dbn_store_open(&store, dir, &ro), 0);
  assert_int_equal(dbn_store_crypto(store), DBN_CRYPTO_SM);
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  Duban__Event *first, *second;
  assert_int_equal(dbn_store_event_get(txn, 1, &first), 0);
  assert_int_equal(dbn_store_event_get(txn, 2, &second), 0);
  assert_non_null(first->log_header);
  assert_string_equal(first->log_header->crypto, "sm");
  assert_string_equal(first->log_header->clock, "virtual");
  assert_int_equal(first->log_header->format_version, 2);
  assert_null(second->log_header);
  /* Event 2's prev_hash is SM3 of event 1 as stored. */
  uint8_t digest[DBN_HASH_BYTES];
  assert_int_equal(dbn_store_events_foreach(txn, 0, 1, hash_first, digest), 0);
  assert_int_equal(second->prev_hash.len, DBN_HASH_BYTES);
  assert_memory_equal(second->prev_hash.data, digest, DBN_HASH_BYTES);
  dbn_wire_event_free(&first);
  dbn_wire_event_free(&second);
  dbn_store_abort(&txn);
  dbn_store_destroy(&store);

  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify_chain(dir, &report), 0);
  assert_string_equal(report.crypto, "sm");

  assert_int_equal(dbn_store_open(&store, dir, NULL), 0);
  assert_int_equal(dbn_store_choose_crypto(store, "ed25519-blake2b", "real", why, sizeof why), DBN_ESTATE);
  assert_non_null(strstr(why, "sm"));
  assert_int_equal(dbn_store_choose_crypto(store, NULL, "real", why, sizeof why), 0);
  assert_int_equal(dbn_store_choose_crypto(store, "sm", "real", why, sizeof why), 0);
  assert_int_equal(dbn_store_choose_crypto(store, "sm3", "real", why, sizeof why), DBN_EINVAL);
  dbn_store_destroy(&store);
  dbn_store_remove_files(dir, true);
}

/* A log without a header (every log before headers) is the default profile. */
static void
test_log_without_header_is_default(void **state)
{
  (void)state;
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "crypto", NULL);
  append_two_events(store);
  dbn_store_destroy(&store);
  dbn_store_options_t ro = {.read_only = true};
  assert_int_equal(dbn_store_open(&store, dir, &ro), 0);
  assert_int_equal(dbn_store_crypto(store), DBN_CRYPTO_ED25519_BLAKE2B);
  dbn_store_destroy(&store);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify_chain(dir, &report), 0);
  assert_string_equal(report.crypto, "ed25519-blake2b");
  dbn_store_remove_files(dir, true);
}

/* SM2 key files as keygen writes them, and the checkpoints and
 * cosignatures signed with them; an Ed25519 pair in the same folder is
 * refused for the sm profile and its checkpoint does not pass an SM2 key. */
static void
test_sm2_key_files_checkpoints_cosigns(void **state)
{
  (void)state;
  char dir[256], path[400];
  fixture_temp_dir(dir, sizeof dir, "crypto");
  bool created = false;
  assert_int_equal(dbn_sign_key_make(dir, DBN_CRYPTO_SM, &created), 0);
  assert_true(created);
  assert_int_equal(dbn_sign_key_make(dir, DBN_CRYPTO_SM, &created), 0);
  assert_false(created);
  assert_int_equal(dbn_sign_key_make(dir, DBN_CRYPTO_ED25519_BLAKE2B, &created), DBN_ESTATE);
  assert_int_equal(dbn_sign_key_make_named(dir, "unit-LCJ", DBN_CRYPTO_SM, &created), 0);
  assert_int_equal(dbn_sign_key_make_named(dir, "unit-ZRJ", DBN_CRYPTO_ED25519_BLAKE2B, &created), 0);

  dbn_sign_key_t broker, broker_public, lcj, zrj;
  snprintf(path, sizeof path, "%s/broker.sign_secret", dir);
  assert_int_equal(dbn_sign_key_load_secret(&broker, path), 0);
  snprintf(path, sizeof path, "%s/broker.sign", dir);
  assert_int_equal(dbn_sign_key_load_public(&broker_public, path), 0);
  snprintf(path, sizeof path, "%s/unit-LCJ.sign_secret", dir);
  assert_int_equal(dbn_sign_key_load_secret(&lcj, path), 0);
  snprintf(path, sizeof path, "%s/unit-ZRJ.sign_secret", dir);
  assert_int_equal(dbn_sign_key_load_secret(&zrj, path), 0);
  assert_int_equal(broker.crypto, DBN_CRYPTO_SM);
  assert_int_equal(broker_public.crypto, DBN_CRYPTO_SM);
  assert_int_equal(broker_public.public_len, 64);
  assert_string_equal(broker.key_id, broker_public.key_id);
  assert_int_equal(zrj.crypto, DBN_CRYPTO_ED25519_BLAKE2B);
  /* The key id is SM3 of the public key, cut to 8 bytes. */
  uint8_t digest[DBN_CRYPTO_HASH_BYTES];
  char hex[2 * DBN_CRYPTO_HASH_BYTES + 1];
  dbn_crypto_hash(DBN_CRYPTO_SM, broker.public_key, 64, digest);
  hex_of(digest, 8, hex);
  assert_string_equal(broker.key_id, hex);

  uint8_t head[DBN_HASH_BYTES], signature[64], cosig_signature[64], ed_signature[64];
  memset(head, 0x5a, sizeof head);
  char key_id[DBN_SIGN_KEY_ID_LEN + 1], cosig_key_id[DBN_SIGN_KEY_ID_LEN + 1], ed_id[DBN_SIGN_KEY_ID_LEN + 1];
  Duban__Checkpoint c = DUBAN__CHECKPOINT__INIT;
  c.seq = 42;
  c.head_hash.data = head;
  c.head_hash.len = sizeof head;
  c.time = 1695168000;
  dbn_checkpoint_sign(&c, &broker, key_id, signature);
  assert_int_equal(c.signature.len, 64);
  assert_int_equal(dbn_checkpoint_check(&c, &broker_public), 0);
  head[0] ^= 1;
  assert_int_equal(dbn_checkpoint_check(&c, &broker_public), DBN_EPERM);
  head[0] ^= 1;
  Duban__Checkpoint by_ed25519 = c;
  dbn_checkpoint_sign(&by_ed25519, &zrj, ed_id, ed_signature);
  by_ed25519.key_id = key_id; /* passed off as the SM2 broker's */
  assert_int_equal(dbn_checkpoint_check(&by_ed25519, &broker_public), DBN_EPERM);

  Duban__CheckpointCosignature cosig;
  assert_int_equal(dbn_cosign_make(&cosig, &c, "unit:LCJ", &lcj, 9, cosig_key_id, cosig_signature), 0);
  assert_int_equal(dbn_cosign_check(&cosig, DBN_CRYPTO_SM, lcj.public_key), 0);
  assert_int_equal(dbn_cosign_check(&cosig, DBN_CRYPTO_SM, broker.public_key), DBN_EPERM);
  cosig.time++;
  assert_int_equal(dbn_cosign_check(&cosig, DBN_CRYPTO_SM, lcj.public_key), DBN_EPERM);

  dbn_sign_key_clear(&broker);
  dbn_sign_key_clear(&lcj);
  dbn_sign_key_clear(&zrj);
  fixture_remove_dir(dir);
}

/* What the registry says of a key registration in a log of crypto. */
static int
registration_check(dbn_crypto_t crypto, const uint8_t *public_key, size_t len, char *why, size_t why_len)
{
  char dir[256];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "crypto", NULL);
  assert_int_equal(dbn_store_choose_crypto(store, dbn_crypto_name(crypto), "real", why, why_len), 0);
  Duban__SigningKeyRegistration reg = DUBAN__SIGNING_KEY_REGISTRATION__INIT;
  reg.identity = "unit:LCJ";
  reg.public_key.data = (uint8_t *)public_key;
  reg.public_key.len = len;
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY;
  req.register_signing_key = &reg;
  dbn_store_txn_t *txn;
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  why[0] = '\0';
  int rc = dbn_signing_keys_check_request(txn, &req, why, why_len);
  dbn_store_abort(&txn);
  dbn_store_destroy(&store);
  dbn_store_remove_files(dir, true);
  return rc;
}

/* The registry takes keys of its log's profile only, and says which. */
static void
test_registry_takes_the_logs_profile(void **state)
{
  (void)state;
  uint8_t ed_pk[DBN_CRYPTO_PUBLIC_MAX], ed_sk[DBN_CRYPTO_SECRET_MAX];
  uint8_t sm_pk[DBN_CRYPTO_PUBLIC_MAX], sm_sk[DBN_CRYPTO_SECRET_MAX];
  assert_int_equal(dbn_crypto_keypair(DBN_CRYPTO_ED25519_BLAKE2B, ed_pk, ed_sk), 0);
  assert_int_equal(dbn_crypto_keypair(DBN_CRYPTO_SM, sm_pk, sm_sk), 0);
  char why[512];
  assert_int_equal(registration_check(DBN_CRYPTO_SM, sm_pk, 64, why, sizeof why), 0);
  assert_int_equal(registration_check(DBN_CRYPTO_SM, ed_pk, 32, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "ed25519-blake2b 配置的公钥"));
  assert_int_equal(registration_check(DBN_CRYPTO_ED25519_BLAKE2B, ed_pk, 32, why, sizeof why), 0);
  assert_int_equal(registration_check(DBN_CRYPTO_ED25519_BLAKE2B, sm_pk, 64, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "sm 配置的公钥"));
  assert_int_equal(registration_check(DBN_CRYPTO_SM, sm_pk, 33, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "64 字节"));
  /* The right size, but no point of the curve. */
  sm_pk[63] ^= 1;
  assert_false(dbn_crypto_public_valid(DBN_CRYPTO_SM, sm_pk));
  assert_int_equal(registration_check(DBN_CRYPTO_SM, sm_pk, 64, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "不在曲线上"));
  sm_pk[63] ^= 1;
  assert_true(dbn_crypto_public_valid(DBN_CRYPTO_SM, sm_pk));
  assert_true(dbn_crypto_public_valid(DBN_CRYPTO_ED25519_BLAKE2B, ed_pk));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sm3_abc),
      cmocka_unit_test(test_sm3_two_blocks),
      cmocka_unit_test(test_blake2b_abc),
      cmocka_unit_test(test_sm2_round_trip),
      cmocka_unit_test(test_ed25519_round_trip),
      cmocka_unit_test(test_sm2_secret_mismatch_refused),
      cmocka_unit_test(test_names_and_sizes),
      cmocka_unit_test(test_sm_log_header),
      cmocka_unit_test(test_log_without_header_is_default),
      cmocka_unit_test(test_sm2_key_files_checkpoints_cosigns),
      cmocka_unit_test(test_registry_takes_the_logs_profile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
