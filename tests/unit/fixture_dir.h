/* fixture_dir.h: a fresh scratch directory for a test's log, keys or
 * outbox, and its removal. Most tests make one the same way; this is that way, so every test
 * honours $TMPDIR alike. Header-only (static inline). */
#ifndef DUBAN_FIXTURE_DIR_H
#define DUBAN_FIXTURE_DIR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Make a fresh directory into dir (of len bytes): duban-NAME-XXXXXX under
 * $TMPDIR, or under /tmp when it is not set. */
static inline void
fixture_temp_dir(char *dir, size_t len, const char *name)
{
  const char *tmp = getenv("TMPDIR");
  int n = snprintf(dir, len, "%s/duban-%s-XXXXXX", tmp ? tmp : "/tmp", name);
  assert_true(n > 0 && (size_t)n < len);
  assert_non_null(mkdtemp(dir));
}

/* Remove dir and everything in it (a test's scratch directory). */
static inline void
fixture_remove_dir(const char *dir)
{
  char command[4200];
  assert_true(strlen(dir) < sizeof command - 16 && !strchr(dir, '\''));
  snprintf(command, sizeof command, "rm -rf '%s'", dir);
  assert_int_equal(system(command), 0);
}

#endif
