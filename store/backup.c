/* backup.c: see backup.h. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "lmdb_env.h"
#include "store.h"
#include "store_internal.h"

/* fsync path (a file or a directory). */
static int
sync_path(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int
dbn_store_backup(const char *dir, const char *dest_dir, char *why, size_t why_len)
{
  char source[4200], target[4200];
  snprintf(source, sizeof source, "%s/data.mdb", dir);
  snprintf(target, sizeof target, "%s/data.mdb", dest_dir);
  struct stat st;
  if (stat(source, &st) != 0) {
    snprintf(why, why_len, "%s 中没有日志（%s）", dir, strerror(errno));
    return DBN_ENOTFOUND;
  }
  if (lstat(target, &st) == 0) {
    snprintf(why, why_len, "%s 已存在，不覆盖已有的备份", target);
    return DBN_EEXIST;
  }
  if (mkdir(dest_dir, 0700) != 0 && errno != EEXIST) {
    snprintf(why, why_len, "无法创建目录 %s（%s）", dest_dir, strerror(errno));
    return errno == ENOSPC ? DBN_EDISKFULL : DBN_EIO;
  }

  dbn_store_t *store = NULL;
  dbn_store_options_t options = {.read_only = true};
  int rc = dbn_store_open(&store, dir, &options);
  if (rc) {
    snprintf(why, why_len, "无法打开 %s 中的日志：%s", dir, dbn_strerror(rc));
    return rc;
  }
  /* One read transaction inside LMDB: a snapshot of one commit, while the
   * broker keeps committing. */
  int mdb_rc = mdb_env_copy2(store->env, dest_dir, MDB_CP_COMPACT);
  dbn_store_destroy(&store);
  if (mdb_rc) {
    snprintf(why, why_len, "复制到 %s 失败：%s", dest_dir, mdb_strerror(mdb_rc));
    unlink(target);
    return dbn_lmdb_error(mdb_rc);
  }
  if (chmod(target, 0600) != 0 || sync_path(target) != 0 || sync_path(dest_dir) != 0) {
    snprintf(why, why_len, "无法把 %s 写到磁盘（%s）", target, strerror(errno));
    rc = errno == ENOSPC ? DBN_EDISKFULL : DBN_EIO;
    unlink(target);
    return rc;
  }
  return 0;
}
