/* backup.h: a hot, consistent, compacted copy of a running broker's log.
 *
 * The copy is taken in one LMDB read transaction (mdb_env_copy2 with
 * MDB_CP_COMPACT), so it is the log exactly as some commit left it, while
 * the broker goes on writing; free pages are left out, so the copy is as
 * small as the data. Restoring is copying its data.mdb over a stopped
 * broker's (docs/deploy.md). */
#ifndef DUBAN_STORE_BACKUP_H
#define DUBAN_STORE_BACKUP_H

#include <stddef.h>

/* Copy the log in dir (opened read-only, safe beside a running broker) to
 * dest_dir/data.mdb. dest_dir is created (mode 0700) if missing and must
 * not already hold a data.mdb. The file is fsynced, then its directory. On
 * failure nothing is left in dest_dir and why says what went wrong;
 * DBN_EEXIST when a copy is already there. */
int dbn_store_backup(const char *dir, const char *dest_dir, char *why, size_t why_len);

#endif
