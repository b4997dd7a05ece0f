/* lmdb_env.h: duban's one edge to LMDB, shared by the event log (store.c) and
 * the agent's outbox (agents/outbox.c).
 *
 * Three things both need and must do the same way: translate LMDB's codes
 * into duban's table; open an environment with every setting checked (a
 * map size or a reader count that silently did not take is how a log ends
 * up refusing writes or readers in production); and grow a full map
 * without the crash LMDB leaves behind when the bigger mmap fails. */
#ifndef DUBAN_LMDB_ENV_H
#define DUBAN_LMDB_ENV_H

#include <stddef.h>
#include <sys/types.h>

#include <lmdb.h>

#include "error.h"

/* The duban code for an LMDB (or errno) return value; 0 stays 0. */
int dbn_lmdb_error(int mdb_rc);

typedef struct {
  size_t map_size;      /* bytes to map at first; a bigger map in the file wins */
  unsigned max_dbs;     /* named databases */
  unsigned max_readers; /* reader slots; 0 = LMDB's default (126) */
  unsigned flags;       /* mdb_env_open flags (MDB_RDONLY, MDB_NOSYNC, MDB_NOTLS) */
  mode_t mode;          /* of the files it creates */
} dbn_lmdb_config_t;

/* Create and open the environment in dir. On success *env_p is the
 * caller's (mdb_env_close) and *map_size_p is the map size in use, which is
 * the file's own when another process grew it. On failure why says which
 * step failed and with what; a missing dir or file is DBN_ENOTFOUND; a file
 * shorter than its meta page says (truncated) is DBN_ECORRUPT, found before
 * any page is touched, so it is an error and never a SIGBUS. */
int dbn_lmdb_env_open(MDB_env **env_p, const char *dir, const dbn_lmdb_config_t *config, size_t *map_size_p,
                      char *why, size_t why_len);

/* Double the map of env from *map_size_p, never past map_max (0 = no cap),
 * with no transaction of this process open. DBN_EMAPFULL when it cannot
 * grow (at the cap, or no address space for the bigger map), leaving the
 * map usable at its present size. */
int dbn_lmdb_grow(MDB_env *env, size_t *map_size_p, size_t map_max);

#endif
