/* lmdb_env.c: see lmdb_env.h. */
#include "lmdb_env.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

int
dbn_lmdb_error(int mdb_rc)
{
  switch (mdb_rc) {
  case MDB_SUCCESS: return 0;
  case MDB_NOTFOUND: return DBN_ENOTFOUND;
  case MDB_MAP_FULL: return DBN_EMAPFULL;
  case MDB_MAP_RESIZED: return DBN_EUNAVAIL;
  case ENOSPC: return DBN_EDISKFULL;
  case ENOMEM: return DBN_ENOMEM;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INVALID: return DBN_ECORRUPT;
  case MDB_VERSION_MISMATCH: return DBN_EVERSION;
  case MDB_BAD_VALSIZE: return DBN_ETOOBIG; /* a key past LMDB's limit: the request's fault, not the disk's */
  case EACCES:
  case EPERM:
  case EROFS: return DBN_EPERM;
  default: return DBN_EIO;
  }
}

/* Run one mdb_env_set_* step; on failure say which in why. */
static int
checked(int mdb_rc, const char *step, char *why, size_t why_len)
{
  if (mdb_rc)
    snprintf(why, why_len, "%s: %s", step, mdb_strerror(mdb_rc));
  return mdb_rc;
}

/* LMDB maps the file and trusts it: a page past the end of a truncated file
 * is a SIGBUS at the first read that touches it, not an error. mdb_env_open
 * reads only the two meta pages (with read(), not through the map), so
 * right after it, before any transaction, compare the file's size with the
 * pages the newest meta page says are in use. */
static int
check_file_size(MDB_env *env, char *why, size_t why_len)
{
  MDB_envinfo info;
  MDB_stat stat;
  mdb_filehandle_t fd;
  struct stat st;
  if (mdb_env_info(env, &info) || mdb_env_stat(env, &stat) || mdb_env_get_fd(env, &fd) || fstat(fd, &st)) {
    snprintf(why, why_len, "数据文件无法检查 / cannot check the size of the data file");
    return DBN_EIO;
  }
  unsigned long long needed = ((unsigned long long)info.me_last_pgno + 1) * stat.ms_psize;
  if ((unsigned long long)st.st_size >= needed)
    return 0;
  /* Short enough for a 256-byte message buffer (the outbox's). */
  snprintf(
      why, why_len,
      "the data file is truncated / 数据文件已被截断: %lld bytes, but its meta page records %llu pages of "
      "%u bytes (%llu bytes) in use; no page was read / 未读取任何数据页",
      (long long)st.st_size, (unsigned long long)info.me_last_pgno + 1, stat.ms_psize, needed);
  return DBN_ECORRUPT;
}

int
dbn_lmdb_env_open(MDB_env **env_p, const char *dir, const dbn_lmdb_config_t *config, size_t *map_size_p,
                  char *why, size_t why_len)
{
  MDB_env *env;
  int rc = checked(mdb_env_create(&env), "mdb_env_create", why, why_len);
  if (rc)
    return dbn_lmdb_error(rc);
  rc = checked(mdb_env_set_maxdbs(env, config->max_dbs), "mdb_env_set_maxdbs", why, why_len);
  if (rc == 0 && config->max_readers)
    rc = checked(mdb_env_set_maxreaders(env, config->max_readers), "mdb_env_set_maxreaders", why, why_len);
  if (rc == 0)
    rc = checked(mdb_env_set_mapsize(env, config->map_size), "mdb_env_set_mapsize", why, why_len);
  if (rc == 0)
    rc = checked(mdb_env_open(env, dir, config->flags, config->mode), "mdb_env_open", why, why_len);
  if (rc) {
    mdb_env_close(env);
    return rc == ENOENT ? DBN_ENOTFOUND : dbn_lmdb_error(rc);
  }
  if ((rc = check_file_size(env, why, why_len))) {
    mdb_env_close(env);
    return rc;
  }
  /* Another process may have grown the map: adopt the size in the file. */
  size_t map_size = config->map_size;
  MDB_envinfo info;
  if (mdb_env_info(env, &info) == 0 && info.me_mapsize > map_size)
    map_size = info.me_mapsize;
  *env_p = env;
  *map_size_p = map_size;
  return 0;
}

int
dbn_lmdb_grow(MDB_env *env, size_t *map_size_p, size_t map_max)
{
  size_t bigger = *map_size_p * 2;
  /* An operator's cap bounds the file: at the cap the map is full. */
  if (map_max && bigger > map_max)
    bigger = map_max;
  if (bigger <= *map_size_p)
    return DBN_EMAPFULL;
  /* mdb_env_set_mapsize unmaps the old map before it maps the new one, and
   * when that mmap fails (no address space left) it leaves the environment
   * with no map at all: the next transaction reads through NULL. So first
   * make sure the bigger map fits, with a reservation that costs no memory;
   * if it does not, the map is full and stays usable at its present size. */
  void *probe = mmap(NULL, bigger, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED)
    return DBN_EMAPFULL;
  munmap(probe, bigger);
  int rc = mdb_env_set_mapsize(env, bigger);
  if (rc)
    return dbn_lmdb_error(rc);
  *map_size_p = bigger;
  return 0;
}
