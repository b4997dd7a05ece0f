/* fixture_store.h: what the store's fault tests do to a log from outside.
 *
 * A reader that dies inside a read transaction leaves its slot in LMDB's
 * lock file; the store, the broker and the outbox each promise to clear
 * such a slot. The tests that check it all need the same dying reader, and
 * those that measure memory need to know whether AddressSanitizer is
 * counting too; both live here. Header-only (static inline), so a test
 * that includes it needs nothing more at link time. */
#ifndef DUBAN_FIXTURE_STORE_H
#define DUBAN_FIXTURE_STORE_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

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
