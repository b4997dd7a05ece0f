/* test_witness.c: the broker's checkpoint signatures (store/checkpoint.h)
 * on real key files in a temporary folder: a signed checkpoint checks and
 * is kept once; any change to its seq, head, time, key id or signature, or
 * another broker's key, is refused and nothing is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_dir.h"
#include "checkpoint.h"
#include "store.h"

static char keys_dir[200], other_dir[300], witness_dir[300];

static size_t
files_in(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void
load_keys(dbn_sign_key_t *secret, dbn_sign_key_t *public_only, const char *dir)
{
  char path[400];
  snprintf(path, sizeof path, "%s/broker.sign_secret", dir);
  assert_int_equal(dbn_sign_key_load_secret(secret, path), 0);
  snprintf(path, sizeof path, "%s/broker.sign", dir);
  assert_int_equal(dbn_sign_key_load_public(public_only, path), 0);
}

/* The broker's signing key in keys_dir (made once, then kept, private
 * to its owner) and another broker's in other_dir. */
static void
make_broker_keys(void)
{
  fixture_temp_dir(keys_dir, sizeof keys_dir, "witness");
  snprintf(other_dir, sizeof other_dir, "%s/other", keys_dir);
  snprintf(witness_dir, sizeof witness_dir, "%s/witness", keys_dir);
  assert_int_equal(mkdir(other_dir, 0700), 0);
  bool created = false;
  assert_int_equal(dbn_sign_key_make(keys_dir, DBN_CRYPTO_ED25519_BLAKE2B, &created), 0);
  assert_true(created);
  assert_int_equal(dbn_sign_key_make(keys_dir, DBN_CRYPTO_ED25519_BLAKE2B, &created), 0);
  assert_false(created); /* kept */
  assert_int_equal(dbn_sign_key_make(other_dir, DBN_CRYPTO_ED25519_BLAKE2B, &created), 0);

  struct stat st;
  char path[400];
  snprintf(path, sizeof path, "%s/broker.sign_secret", keys_dir);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
}

/* A change to any field the signature covers, or to the signature, fails
 * the check (and a checkpoint that fails is not kept); undone, it checks. */
static void
check_every_field_covered(Duban__Checkpoint *c, uint8_t *head, uint8_t *signature,
                          const dbn_sign_key_t *key_public)
{
  c->seq = 43;
  assert_int_equal(dbn_checkpoint_check(c, key_public), DBN_EPERM);
  c->seq = 42;
  head[31] ^= 1;
  assert_int_equal(dbn_checkpoint_check(c, key_public), DBN_EPERM);
  head[31] ^= 1;
  c->time++;
  assert_int_equal(dbn_checkpoint_check(c, key_public), DBN_EPERM);
  c->time--;
  signature[10] ^= 0x80;
  assert_int_equal(dbn_checkpoint_check(c, key_public), DBN_EPERM);
  assert_int_equal(dbn_checkpoint_keep(witness_dir, c, key_public), DBN_EPERM);
  assert_int_equal(files_in(witness_dir), 0);
  signature[10] ^= 0x80;
  assert_int_equal(dbn_checkpoint_check(c, key_public), 0);
}

/* Kept once, and read back as it was; checked against another key, left
 * out. */
static void
check_kept_once(const Duban__Checkpoint *c, const uint8_t *head, const dbn_sign_key_t *key_public,
                const dbn_sign_key_t *other_public)
{
  assert_int_equal(dbn_checkpoint_keep(witness_dir, c, key_public), 0);
  assert_int_equal(dbn_checkpoint_keep(witness_dir, c, key_public), 0);
  assert_int_equal(files_in(witness_dir), 1);
  Duban__Checkpoint **list;
  size_t count, bad;
  assert_int_equal(dbn_checkpoints_load(witness_dir, other_public, &list, &count, &bad), 0);
  assert_int_equal(count, 0); /* checked against another key: left out */
  assert_int_equal(bad, 1);
  assert_int_equal(dbn_checkpoints_load(witness_dir, key_public, &list, &count, &bad), 0);
  assert_int_equal(count, 1);
  assert_int_equal(bad, 0);
  assert_int_equal(list[0]->seq, 42);
  assert_memory_equal(list[0]->head_hash.data, head, DBN_HASH_BYTES);
  dbn_checkpoints_free(list, count);
}

static void
test_sign_check_keep(void **state)
{
  (void)state;
  make_broker_keys();
  dbn_sign_key_t key, key_public, other, other_public;
  load_keys(&key, &key_public, keys_dir);
  load_keys(&other, &other_public, other_dir);
  assert_string_equal(key.key_id, key_public.key_id);
  assert_string_not_equal(key.key_id, other.key_id);

  uint8_t head[DBN_HASH_BYTES];
  memset(head, 0x5a, sizeof head);
  Duban__Checkpoint c = DUBAN__CHECKPOINT__INIT;
  char key_id[DBN_SIGN_KEY_ID_LEN + 1];
  uint8_t signature[64];
  c.seq = 42;
  c.head_hash.data = head;
  c.head_hash.len = sizeof head;
  c.time = 1695168000;
  dbn_checkpoint_sign(&c, &key, key_id, signature);
  assert_int_equal(dbn_checkpoint_check(&c, &key_public), 0);
  assert_int_equal(dbn_checkpoint_check(&c, &other_public), DBN_EPERM);

  check_every_field_covered(&c, head, signature, &key_public);

  /* Another broker's checkpoint, even well signed by its own key. */
  Duban__Checkpoint forged = c;
  char forged_id[DBN_SIGN_KEY_ID_LEN + 1];
  uint8_t forged_signature[64];
  dbn_checkpoint_sign(&forged, &other, forged_id, forged_signature);
  assert_int_equal(dbn_checkpoint_keep(witness_dir, &forged, &key_public), DBN_EPERM);
  /* ... or carrying the right key id over its own signature. */
  forged.key_id = key_id;
  assert_int_equal(dbn_checkpoint_keep(witness_dir, &forged, &key_public), DBN_EPERM);
  assert_int_equal(files_in(witness_dir), 0);

  check_kept_once(&c, head, &key_public, &other_public);

  dbn_sign_key_clear(&key);
  dbn_sign_key_clear(&other);
  fixture_remove_dir(keys_dir);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sign_check_keep),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
