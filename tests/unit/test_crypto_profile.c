/* test_crypto_profile.c: the two crypto profiles (store/crypto_profile.h):
 * SM3 and BLAKE2b-256 against published test vectors, SM2 and Ed25519
 * sign/verify round trips with a flipped byte in the message, the
 * signature or the key refused, another key refused, and the names and
 * key sizes that tell the profiles apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "crypto_profile.h"
#include "error.h"

static void
hex_of(const uint8_t *bytes, size_t len, char *out)
{
  for (size_t i = 0; i < len; i++)
    sprintf(out + 2 * i, "%02x", bytes[i]);
}

/* GB/T 32905-2016, appendix A.1: SM3("abc"). */
static void
test_sm3_abc(void **state)
{
  (void)state;
  uint8_t digest[DBN_CRYPTO_HASH_BYTES];
  char hex[2 * DBN_CRYPTO_HASH_BYTES + 1];
  dbn_crypto_hash(DBN_CRYPTO_SM, (const uint8_t *)"abc", 3, digest);
  hex_of(digest, sizeof digest, hex);
  assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

/* GB/T 32905-2016, appendix A.2: SM3 of "abcd" sixteen times (512 bits). */
static void
test_sm3_two_blocks(void **state)
{
  (void)state;
  uint8_t message[64], digest[DBN_CRYPTO_HASH_BYTES];
  for (size_t i = 0; i < sizeof message; i++)
    message[i] = (uint8_t) "abcd"[i % 4];
  char hex[2 * DBN_CRYPTO_HASH_BYTES + 1];
  dbn_crypto_hash(DBN_CRYPTO_SM, message, sizeof message, digest);
  hex_of(digest, sizeof digest, hex);
  assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

/* The default profile's chain hash is the BLAKE2b-256 logs were made with
 * (RFC 7693's BLAKE2b, 32-byte output, of "abc"). */
static void
test_blake2b_abc(void **state)
{
  (void)state;
  uint8_t digest[DBN_CRYPTO_HASH_BYTES];
  char hex[2 * DBN_CRYPTO_HASH_BYTES + 1];
  dbn_crypto_hash(DBN_CRYPTO_ED25519_BLAKE2B, (const uint8_t *)"abc", 3, digest);
  hex_of(digest, sizeof digest, hex);
  assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
