/* crypto_profile.h: the two cryptographic profiles a log can be made with,
 * behind one small interface, so that the chain, the signers' links, the
 * request digests, key ids and every signature and its check name a
 * profile instead of an algorithm.
 *
 *   "ed25519-blake2b" (the default, and what a log without a header uses):
 *     BLAKE2b-256 for hashes, Ed25519 signatures (libsodium).
 *   "sm" (国密): SM3 (GB/T 32905) for hashes, SM2 signatures (GB/T 32918)
 *     with the distinguishing ID "1234567812345678" (GM/T 0009's default),
 *     OpenSSL 3's implementations through its EVP API.
 *
 * The profile of a log is chosen when the log is created and recorded in
 * its first event (LogHeader.crypto, store.h), so every later reader picks
 * the same. A key's profile shows in its size, so a key file and a public
 * key in the registry say which profile they belong to:
 *   Ed25519: public 32 bytes, secret 64 (libsodium's seed | public);
 *   SM2:     public 64 bytes (x | y), secret 96 (d | x | y).
 * Both profiles make 32-byte hashes and 64-byte signatures (SM2's r | s,
 * each 32 bytes big-endian, not DER), so the sizes in the log do not
 * change with the profile. */
#ifndef DUBAN_CRYPTO_PROFILE_H
#define DUBAN_CRYPTO_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  DBN_CRYPTO_ED25519_BLAKE2B = 0, /* the default */
  DBN_CRYPTO_SM = 1,              /* SM2 / SM3 */
} dbn_crypto_t;

#define DBN_CRYPTO_HASH_BYTES 32
#define DBN_CRYPTO_SIGNATURE_BYTES 64
#define DBN_CRYPTO_PUBLIC_MAX 64
#define DBN_CRYPTO_SECRET_MAX 96

/* The profile's name as a log header and --crypto spell it. */
const char *dbn_crypto_name(dbn_crypto_t crypto);

/* The profile named by name: "" and "ed25519-blake2b" are the default, "sm"
 * the 国密 one. DBN_EINVAL for any other name. */
int dbn_crypto_parse(const char *name, dbn_crypto_t *crypto_p);

/* The sizes of the profile's keys. */
size_t dbn_crypto_public_bytes(dbn_crypto_t crypto);
size_t dbn_crypto_secret_bytes(dbn_crypto_t crypto);

/* The profile whose public (secret) keys are len bytes; false when none is. */
bool dbn_crypto_of_public_len(size_t len, dbn_crypto_t *crypto_p);
bool dbn_crypto_of_secret_len(size_t len, dbn_crypto_t *crypto_p);

/* Whether public_key is a key of the profile at all: a point on its curve
 * (SM2), or an Ed25519 point of the main subgroup. */
bool dbn_crypto_public_valid(dbn_crypto_t crypto, const uint8_t *public_key);

/* The profile's hash of bytes (the chain, the signers' links, digests). */
void dbn_crypto_hash(dbn_crypto_t crypto, const uint8_t *bytes, size_t len,
                     uint8_t out[DBN_CRYPTO_HASH_BYTES]);

/* A short hash (out_len at most DBN_CRYPTO_HASH_BYTES) for ids: BLAKE2b
 * made for that length (the key ids of existing logs), or SM3 cut to it. */
void dbn_crypto_short_hash(dbn_crypto_t crypto, const uint8_t *bytes, size_t len, uint8_t *out,
                           size_t out_len);

/* A new pair: public_key (dbn_crypto_public_bytes) and secret_key
 * (dbn_crypto_secret_bytes). DBN_EIO when the library fails. */
int dbn_crypto_keypair(dbn_crypto_t crypto, uint8_t *public_key, uint8_t *secret_key);

/* The public key held in a secret key. DBN_EINVAL when the secret is not a
 * valid key of the profile. */
int dbn_crypto_public_of_secret(dbn_crypto_t crypto, const uint8_t *secret_key, uint8_t *public_key);

/* Sign bytes with secret_key into signature. DBN_EIO when the library fails. */
int dbn_crypto_sign(dbn_crypto_t crypto, const uint8_t *secret_key, const uint8_t *bytes, size_t len,
                    uint8_t signature[DBN_CRYPTO_SIGNATURE_BYTES]);

/* 0 when signature holds for bytes under public_key; DBN_EPERM when not. */
int dbn_crypto_verify(dbn_crypto_t crypto, const uint8_t *public_key, const uint8_t *bytes, size_t len,
                      const uint8_t signature[DBN_CRYPTO_SIGNATURE_BYTES]);

#endif
