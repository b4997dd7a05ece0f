/* evidence_tamper: change or remove one evidence file in a broker's log
 * directory behind duban's back, as someone with the disk could, so that a
 * test sees `duban audit verify` name the event whose file no longer
 * matches its hash (tests/integration/test_evidence.sh).
 *
 *   evidence_tamper DIR HASH          flip the first byte of the file
 *   evidence_tamper DIR HASH --delete remove it
 *
 * Run it with no broker on DIR. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_rule.h"

static int
tamper(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, int delete)
{
  if (delete)
    return mdb_del(txn, dbi, key, NULL);
  MDB_val val;
  int rc = mdb_get(txn, dbi, key, &val);
  if (rc)
    return rc;
  unsigned char *copy = malloc(val.mv_size);
  if (!copy)
    return ENOMEM;
  memcpy(copy, val.mv_data, val.mv_size);
  copy[0] ^= 0xff;
  MDB_val changed = {val.mv_size, copy};
  rc = mdb_put(txn, dbi, key, &changed, 0);
  free(copy);
  return rc;
}

int
main(int argc, char **argv)
{
  uint8_t hash[DBN_EVIDENCE_HASH_BYTES];
  if (argc < 3 || dbn_evidence_hash_parse(argv[2], hash) != 0) {
    fprintf(stderr, "usage: evidence_tamper DIR HASH [--delete]\n");
    return 2;
  }
  int delete = argc > 3 && strcmp(argv[3], "--delete") == 0;
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_val key = {sizeof hash, hash};
  int rc = mdb_env_create(&env);
  if (rc == 0 && (rc = mdb_env_set_maxdbs(env, 32)) == 0 && (rc = mdb_env_open(env, argv[1], 0, 0600)) == 0 &&
      (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
    if ((rc = mdb_dbi_open(txn, "evidence", 0, &dbi)) == 0 && (rc = tamper(txn, dbi, &key, delete)) == 0)
      rc = mdb_txn_commit(txn);
    else
      mdb_txn_abort(txn);
  }
  if (rc)
    fprintf(stderr, "evidence_tamper: %s\n", mdb_strerror(rc));
  mdb_env_close(env);
  return rc ? 1 : 0;
}
