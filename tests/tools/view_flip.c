/* view_flip.c: damage one record of one view of a stopped broker's log, as
 * a bad disk block or a careless hand would, for test_harden_verify.sh.
 *
 *   view_flip DIR VIEW KEY
 *
 * Opens DIR/data.mdb with LMDB itself (not duban's store, which would
 * refuse to write a view by hand), finds the record KEY of the named view
 * ("plans", "units", "task_defs", "unit_tasks", ...; %00 in KEY stands for
 * the NUL that joins a unit code and a task id) and flips the lowest bit of
 * the byte in the middle of its value; a record with no value (an index
 * such as unit_tasks) is moved to its key with the last byte's lowest bit
 * flipped. Exits 1 when there is no such record. The hash chain is untouched: only the
 * comparison of the views with their replay can find it. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEY with every %00 made a NUL byte, into out; returns its length. */
static size_t
decode_key(const char *text, char *out, size_t cap)
{
  size_t n = 0;
  for (const char *p = text; *p && n < cap; n++) {
    if (strncmp(p, "%00", 3) == 0) {
      out[n] = '\0';
      p += 3;
    } else {
      out[n] = *p++;
    }
  }
  return n;
}

static int
check(int rc, const char *what)
{
  if (rc)
    fprintf(stderr, "view_flip: %s: %s\n", what, mdb_strerror(rc));
  return rc;
}

int
main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: view_flip DIR VIEW KEY\n");
    return 2;
  }
  char key_bytes[512];
  MDB_val key = {decode_key(argv[3], key_bytes, sizeof key_bytes), key_bytes}, val;
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  if (check(mdb_env_create(&env), "create") || check(mdb_env_set_maxdbs(env, 64), "maxdbs") ||
      check(mdb_env_open(env, argv[1], 0, 0600), argv[1]))
    return 2;
  if (check(mdb_txn_begin(env, NULL, 0, &txn), "begin") ||
      check(mdb_dbi_open(txn, argv[2], 0, &dbi), argv[2]))
    return 2;
  int rc = mdb_get(txn, dbi, &key, &val);
  if (rc == MDB_NOTFOUND) {
    fprintf(stderr, "view_flip: no record '%s' in view %s\n", argv[3], argv[2]);
    return 1;
  }
  if (check(rc, "get"))
    return 2;
  if (val.mv_size == 0) {
    char moved[sizeof key_bytes];
    memcpy(moved, key_bytes, key.mv_size);
    moved[key.mv_size - 1] ^= 1;
    MDB_val to = {key.mv_size, moved};
    if (check(mdb_del(txn, dbi, &key, NULL), "del") || check(mdb_put(txn, dbi, &to, &val, 0), "put") ||
        check(mdb_txn_commit(txn), "commit"))
      return 2;
    mdb_env_close(env);
    printf("moved the record '%s' of view %s to a key one bit away\n", argv[3], argv[2]);
    return 0;
  }
  unsigned char *copy = malloc(val.mv_size);
  if (!copy)
    return 2;
  memcpy(copy, val.mv_data, val.mv_size);
  copy[val.mv_size / 2] ^= 1;
  MDB_val changed = {val.mv_size, copy};
  if (check(mdb_put(txn, dbi, &key, &changed, 0), "put") || check(mdb_txn_commit(txn), "commit"))
    return 2;
  free(copy);
  mdb_env_close(env);
  printf("flipped a bit of the %zu-byte record '%s' of view %s\n", val.mv_size, argv[3], argv[2]);
  return 0;
}
