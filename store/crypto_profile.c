/* crypto_profile.c: BLAKE2b-256 / Ed25519 through libsodium and SM3 / SM2
 * through OpenSSL 3's EVP API, as one table of operations per profile. See
 * crypto_profile.h for the sizes and encodings.
 *
 * OpenSSL holds SM2 keys as EVP_PKEYs; the log holds raw bytes. So each
 * SM2 operation builds its EVP_PKEY from the raw key (which checks that the
 * point lies on the curve) and turns SM2's DER signature into the fixed
 * r | s the log stores and back. A key is rebuilt for every signature and
 * check: the cost is measured (README, "国密") and small beside SM2's own. */
#include "crypto_profile.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "error.h"

#define SM2_SCALAR 32
#define SM2_POINT 64 /* x | y */
/* GM/T 0009's default distinguishing ID, hashed into every SM2 signature
 * (Z_A of GB/T 32918.2) so that a signature names the signer's ID too. */
#define SM2_DISTINGUISHING_ID "1234567812345678"

typedef struct {
  const char *name;
  size_t public_bytes, secret_bytes;
  void (*hash)(const uint8_t *bytes, size_t len, uint8_t *out, size_t out_len);
  int (*keypair)(uint8_t *public_key, uint8_t *secret_key);
  int (*public_of_secret)(const uint8_t *secret_key, uint8_t *public_key);
  bool (*public_valid)(const uint8_t *public_key);
  int (*sign)(const uint8_t *secret_key, const uint8_t *bytes, size_t len, uint8_t *signature);
  int (*verify)(const uint8_t *public_key, const uint8_t *bytes, size_t len, const uint8_t *signature);
} profile_ops_t;

/* ---- ed25519-blake2b (libsodium) ---- */

static void
blake2b_hash(const uint8_t *bytes, size_t len, uint8_t *out, size_t out_len)
{
  crypto_generichash(out, out_len, bytes, len, NULL, 0);
}

static int
ed25519_keypair(uint8_t *public_key, uint8_t *secret_key)
{
  if (sodium_init() < 0)
    return DBN_EIO;
  return crypto_sign_keypair(public_key, secret_key) == 0 ? 0 : DBN_EIO;
}

static int
ed25519_public_of_secret(const uint8_t *secret_key, uint8_t *public_key)
{
  return crypto_sign_ed25519_sk_to_pk(public_key, secret_key) == 0 ? 0 : DBN_EINVAL;
}

static bool
ed25519_public_valid(const uint8_t *public_key)
{
  return crypto_core_ed25519_is_valid_point(public_key) == 1;
}

static int
ed25519_sign(const uint8_t *secret_key, const uint8_t *bytes, size_t len, uint8_t *signature)
{
  return crypto_sign_detached(signature, NULL, bytes, len, secret_key) == 0 ? 0 : DBN_EIO;
}

static int
ed25519_verify(const uint8_t *public_key, const uint8_t *bytes, size_t len, const uint8_t *signature)
{
  return crypto_sign_verify_detached(signature, bytes, len, public_key) == 0 ? 0 : DBN_EPERM;
}

/* ---- sm (OpenSSL 3) ---- */

static void
sm3_hash(const uint8_t *bytes, size_t len, uint8_t *out, size_t out_len)
{
  uint8_t digest[DBN_CRYPTO_HASH_BYTES];
  unsigned int digest_len = 0;
  if (EVP_Digest(bytes, len, digest, &digest_len, EVP_sm3(), NULL) != 1 || digest_len != sizeof digest)
    memset(digest, 0, sizeof digest); /* only when OpenSSL lacks SM3: no chain would verify */
  memcpy(out, digest, out_len);
}

/* An SM2 key from x | y and, when secret is not NULL, the scalar d. NULL
 * when the point is not on the curve or OpenSSL fails. */
static EVP_PKEY *
sm2_key_build(const uint8_t *point_xy, const uint8_t *scalar)
{
  uint8_t point[1 + SM2_POINT] = {POINT_CONVERSION_UNCOMPRESSED};
  memcpy(point + 1, point_xy, SM2_POINT);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *d = scalar ? BN_bin2bn(scalar, SM2_SCALAR, NULL) : NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  bool ok = bld && (!scalar || d) &&
            OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_sm2, 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) &&
            (!d || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d));
  if (ok && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
      (ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
      EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(d);
  return pkey;
}

static int
sm2_keypair(uint8_t *public_key, uint8_t *secret_key)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  EVP_PKEY *pkey = NULL;
  BIGNUM *d = NULL;
  uint8_t point[1 + SM2_POINT];
  size_t point_len = 0;
  bool ok =
      ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_generate(ctx, &pkey) > 0 &&
      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) > 0 &&
      BN_bn2binpad(d, secret_key, SM2_SCALAR) == SM2_SCALAR &&
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_len) > 0 &&
      point_len == sizeof point && point[0] == POINT_CONVERSION_UNCOMPRESSED;
  if (ok) {
    memcpy(public_key, point + 1, SM2_POINT);
    memcpy(secret_key + SM2_SCALAR, point + 1, SM2_POINT);
  }
  BN_clear_free(d);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  return ok ? 0 : DBN_EIO;
}

/* The secret holds its public point after the scalar; check that the two
 * belong together, so a damaged file is refused when loaded, not later. */
static int
sm2_public_of_secret(const uint8_t *secret_key, uint8_t *public_key)
{
  EVP_PKEY *pkey = sm2_key_build(secret_key + SM2_SCALAR, secret_key);
  EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new(pkey, NULL) : NULL;
  bool ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (ok)
    memcpy(public_key, secret_key + SM2_SCALAR, SM2_POINT);
  return ok ? 0 : DBN_EINVAL;
}

static bool
sm2_public_valid(const uint8_t *public_key)
{
  EVP_PKEY *pkey = sm2_key_build(public_key, NULL);
  EVP_PKEY_free(pkey);
  return pkey != NULL;
}

/* A digest-sign or digest-verify context for pkey with SM3 and the
 * distinguishing ID; *pctx_p is the caller's to free after the context. */
static EVP_MD_CTX *
sm2_context(EVP_PKEY *pkey, bool signing, EVP_PKEY_CTX **pctx_p)
{
  EVP_MD_CTX *mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pkey, NULL);
  *pctx_p = pctx;
  if (!mctx || !pctx ||
      EVP_PKEY_CTX_set1_id(pctx, SM2_DISTINGUISHING_ID, strlen(SM2_DISTINGUISHING_ID)) <= 0) {
    EVP_MD_CTX_free(mctx);
    return NULL;
  }
  EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
  int rc = signing ? EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, pkey)
                   : EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, pkey);
  if (rc != 1) {
    EVP_MD_CTX_free(mctx);
    return NULL;
  }
  return mctx;
}

/* DER's SEQUENCE { r, s } into r | s. */
static bool
sm2_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw)
{
  const unsigned char *p = der;
  ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  const BIGNUM *r = NULL, *s = NULL;
  if (sig)
    ECDSA_SIG_get0(sig, &r, &s);
  bool ok = sig && BN_bn2binpad(r, raw, SM2_SCALAR) == SM2_SCALAR &&
            BN_bn2binpad(s, raw + SM2_SCALAR, SM2_SCALAR) == SM2_SCALAR;
  ECDSA_SIG_free(sig);
  return ok;
}

static int
sm2_sign(const uint8_t *secret_key, const uint8_t *bytes, size_t len, uint8_t *signature)
{
  EVP_PKEY *pkey = sm2_key_build(secret_key + SM2_SCALAR, secret_key);
  EVP_PKEY_CTX *pctx = NULL;
  EVP_MD_CTX *mctx = pkey ? sm2_context(pkey, true, &pctx) : NULL;
  uint8_t der[128];
  size_t der_len = sizeof der;
  bool ok =
      mctx && EVP_DigestSign(mctx, der, &der_len, bytes, len) == 1 && sm2_der_to_raw(der, der_len, signature);
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  EVP_PKEY_free(pkey);
  return ok ? 0 : DBN_EIO;
}

static int
sm2_verify(const uint8_t *public_key, const uint8_t *bytes, size_t len, const uint8_t *signature)
{
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(signature, SM2_SCALAR, NULL),
         *s = BN_bin2bn(signature + SM2_SCALAR, SM2_SCALAR, NULL);
  unsigned char *der = NULL;
  int der_len = -1;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = NULL; /* the signature owns them now */
    der_len = i2d_ECDSA_SIG(sig, &der);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  EVP_PKEY *pkey = der_len > 0 ? sm2_key_build(public_key, NULL) : NULL;
  EVP_PKEY_CTX *pctx = NULL;
  EVP_MD_CTX *mctx = pkey ? sm2_context(pkey, false, &pctx) : NULL;
  bool ok = mctx && EVP_DigestVerify(mctx, der, (size_t)der_len, bytes, len) == 1;
  EVP_MD_CTX_free(mctx);
  EVP_PKEY_CTX_free(pctx);
  EVP_PKEY_free(pkey);
  OPENSSL_free(der);
  return ok ? 0 : DBN_EPERM;
}

/* ---- the table ---- */

static const profile_ops_t profiles[] = {
    [DBN_CRYPTO_ED25519_BLAKE2B] = {"ed25519-blake2b", crypto_sign_PUBLICKEYBYTES, crypto_sign_SECRETKEYBYTES,
                                    blake2b_hash, ed25519_keypair, ed25519_public_of_secret,
                                    ed25519_public_valid, ed25519_sign, ed25519_verify},
    [DBN_CRYPTO_SM] = {"sm", SM2_POINT, SM2_SCALAR + SM2_POINT, sm3_hash, sm2_keypair, sm2_public_of_secret,
                       sm2_public_valid, sm2_sign, sm2_verify},
};
#define PROFILE_COUNT (sizeof profiles / sizeof profiles[0])
_Static_assert(crypto_sign_BYTES == DBN_CRYPTO_SIGNATURE_BYTES, "both profiles sign in 64 bytes");
_Static_assert(SM2_SCALAR + SM2_POINT <= DBN_CRYPTO_SECRET_MAX, "an SM2 secret fits");

static const profile_ops_t *
ops(dbn_crypto_t crypto)
{
  return (size_t)crypto < PROFILE_COUNT ? &profiles[crypto] : &profiles[DBN_CRYPTO_ED25519_BLAKE2B];
}

const char *
dbn_crypto_name(dbn_crypto_t crypto)
{
  return ops(crypto)->name;
}

int
dbn_crypto_parse(const char *name, dbn_crypto_t *crypto_p)
{
  if (!name || !*name) {
    *crypto_p = DBN_CRYPTO_ED25519_BLAKE2B;
    return 0;
  }
  for (size_t i = 0; i < PROFILE_COUNT; i++)
    if (strcmp(name, profiles[i].name) == 0) {
      *crypto_p = (dbn_crypto_t)i;
      return 0;
    }
  return DBN_EINVAL;
}

size_t
dbn_crypto_public_bytes(dbn_crypto_t crypto)
{
  return ops(crypto)->public_bytes;
}

size_t
dbn_crypto_secret_bytes(dbn_crypto_t crypto)
{
  return ops(crypto)->secret_bytes;
}

bool
dbn_crypto_of_public_len(size_t len, dbn_crypto_t *crypto_p)
{
  for (size_t i = 0; i < PROFILE_COUNT; i++)
    if (profiles[i].public_bytes == len) {
      *crypto_p = (dbn_crypto_t)i;
      return true;
    }
  return false;
}

bool
dbn_crypto_of_secret_len(size_t len, dbn_crypto_t *crypto_p)
{
  for (size_t i = 0; i < PROFILE_COUNT; i++)
    if (profiles[i].secret_bytes == len) {
      *crypto_p = (dbn_crypto_t)i;
      return true;
    }
  return false;
}

bool
dbn_crypto_public_valid(dbn_crypto_t crypto, const uint8_t *public_key)
{
  return ops(crypto)->public_valid(public_key);
}

void
dbn_crypto_hash(dbn_crypto_t crypto, const uint8_t *bytes, size_t len, uint8_t out[DBN_CRYPTO_HASH_BYTES])
{
  ops(crypto)->hash(bytes, len, out, DBN_CRYPTO_HASH_BYTES);
}

void
dbn_crypto_short_hash(dbn_crypto_t crypto, const uint8_t *bytes, size_t len, uint8_t *out, size_t out_len)
{
  if (out_len > DBN_CRYPTO_HASH_BYTES)
    out_len = DBN_CRYPTO_HASH_BYTES;
  ops(crypto)->hash(bytes, len, out, out_len);
}

int
dbn_crypto_keypair(dbn_crypto_t crypto, uint8_t *public_key, uint8_t *secret_key)
{
  return ops(crypto)->keypair(public_key, secret_key);
}

int
dbn_crypto_public_of_secret(dbn_crypto_t crypto, const uint8_t *secret_key, uint8_t *public_key)
{
  return ops(crypto)->public_of_secret(secret_key, public_key);
}

int
dbn_crypto_sign(dbn_crypto_t crypto, const uint8_t *secret_key, const uint8_t *bytes, size_t len,
                uint8_t signature[DBN_CRYPTO_SIGNATURE_BYTES])
{
  return ops(crypto)->sign(secret_key, bytes, len, signature);
}

int
dbn_crypto_verify(dbn_crypto_t crypto, const uint8_t *public_key, const uint8_t *bytes, size_t len,
                  const uint8_t signature[DBN_CRYPTO_SIGNATURE_BYTES])
{
  return ops(crypto)->verify(public_key, bytes, len, signature);
}
