/* fixture_store.h: what the store's fault tests do to a log from outside.
 *
 * A reader that dies inside a read transaction leaves its slot in LMDB's
 * lock file; the store, the broker and the outbox each promise to clear
 * such a slot. The tests that check it all need the same dying reader, and
 * those that measure memory need to know whether AddressSanitizer is
 * counting too; both live here, with the raw access a test needs to
 * change the file behind the store's back. Header-only (static inline), so a test
 * that includes it needs nothing more at link time. */
#ifndef DUBAN_FIXTURE_STORE_H
#define DUBAN_FIXTURE_STORE_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "store.h"

/* The log's LMDB file in dir opened behind the store's back, as someone
 * with the file could: one write transaction on its database name.
 * fixture_raw_commit commits it and closes the file. */
typedef struct {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
} fixture_raw_db_t;

static inline void
fixture_raw_open(fixture_raw_db_t *raw, const char *dir, const char *name)
{
  assert_int_equal(mdb_env_create(&raw->env), 0);
  assert_int_equal(mdb_env_set_maxdbs(raw->env, 32), 0);
  assert_int_equal(mdb_env_open(raw->env, dir, 0, 0600), 0);
  assert_int_equal(mdb_txn_begin(raw->env, NULL, 0, &raw->txn), 0);
  assert_int_equal(mdb_dbi_open(raw->txn, name, 0, &raw->dbi), 0);
}

static inline void
fixture_raw_commit(fixture_raw_db_t *raw)
{
  assert_int_equal(mdb_txn_commit(raw->txn), 0);
  mdb_env_close(raw->env);
}

#define FIXTURE_LAST_BYTE SIZE_MAX /* fixture_raw_flip_byte's offset of the value's last byte */

/* Flip one bit of the byte at offset (modulo the value's size, or its last
 * byte for FIXTURE_LAST_BYTE) of the value under key in database name of
 * the log in dir, behind the store's back, as an attacker with the file
 * would. */
static inline void
fixture_raw_flip_byte(const char *dir, const char *name, const void *key_bytes, size_t key_len, size_t offset)
{
  fixture_raw_db_t raw;
  fixture_raw_open(&raw, dir, name);
  MDB_val key = {key_len, (void *)key_bytes}, val;
  assert_int_equal(mdb_get(raw.txn, raw.dbi, &key, &val), 0);
  uint8_t *copy = malloc(val.mv_size);
  assert_non_null(copy);
  memcpy(copy, val.mv_data, val.mv_size);
  copy[offset == FIXTURE_LAST_BYTE ? val.mv_size - 1 : offset % val.mv_size] ^= 0x01;
  MDB_val changed = {val.mv_size, copy};
  assert_int_equal(mdb_put(raw.txn, raw.dbi, &key, &changed, 0), 0);
  fixture_raw_commit(&raw);
  free(copy);
}

/* Start a process that opens the log in dir read-only, begins a read
 * transaction and is killed (SIGKILL) inside it, so its reader slot stays
 * behind. Returns once it is dead. */
static inline void
fixture_kill_reader_mid_read(const char *dir)
{
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  pid_t auditor = fork();
  assert_true(auditor >= 0);
  if (auditor == 0) {
    dbn_store_t *ro;
    dbn_store_options_t options = {.read_only = true};
    dbn_store_txn_t *txn;
    if (dbn_store_open(&ro, dir, &options) || dbn_store_read_begin(ro, &txn))
      _exit(1);
    ssize_t w = write(ready[1], "r", 1);
    (void)w;
    pause();
    _exit(0);
  }
  char c;
  assert_int_equal(read(ready[0], &c, 1), 1);
  kill(auditor, SIGKILL);
  waitpid(auditor, NULL, 0);
  close(ready[0]);
  close(ready[1]);
}

/* Leave this process spare_mib of address space beyond what it uses now
 * (RLIMIT_AS): room for a map to double a few times from here, not for
 * hundreds. 0, or -1 as setrlimit. */
static inline int
fixture_limit_address_space(long spare_mib)
{
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long vm_kb = 0;
  while (status && fgets(line, sizeof line, status))
    if (sscanf(line, "VmSize: %ld kB", &vm_kb) == 1)
      break;
  if (status)
    fclose(status);
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = (rlim_t)(vm_kb + spare_mib * 1024) * 1024;
  return setrlimit(RLIMIT_AS, &rl);
}

/* Run child(dir) in a child process and return its exit code. A crash
 * there (what a map that failed to grow would cause) must end the child,
 * not return into cmocka's handler, and it fails the test naming what
 * crashed. */
static inline int
fixture_exit_code_in_child(int (*child)(const char *dir), const char *dir, const char *what)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    _exit(child(dir));
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status))
    fail_msg("%s crashed (signal %d) after its map failed to grow", what, WTERMSIG(status));
  return WEXITSTATUS(status);
}

/* AddressSanitizer's shadow memory and quarantine make sizes that a test
 * measures meaningless; such a test skips under it. */
static inline bool
fixture_running_under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

#endif
