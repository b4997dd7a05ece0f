/* test_harden_store.c: event times never go backwards, and verify says so.
 *
 * The broker now refuses to write an event older than the log's clock
 * (tests/integration/test_harden_clock.sh), so a log whose times run
 * backwards can only come from an older broker or an edit: this test
 * writes one straight through the store, in a real LMDB file in a temporary
 * folder, and checks that `verify` names the event at its seq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture_log.h"
#include "store.h"

#define ADMIN "admin:admin" /* who moves the clock */

static void
test_verify_reports_time_going_backwards(void **state)
{
  (void)state;
  char dir[128];
  dbn_store_t *store = fixture_temp_store(dir, sizeof dir, "harden-store", NULL);
  assert_int_equal(fixture_append_clock_advanced(store, ADMIN, 4796668800), 0); /* 2122-01-01 */
  assert_int_equal(fixture_append_clock_advanced(store, ADMIN, 4796668801), 0);
  dbn_store_destroy(&store);
  dbn_verify_report_t report;
  assert_int_equal(dbn_store_verify(dir, NULL, &report), 0); /* forward in time: fine */

  assert_int_equal(dbn_store_open(&store, dir, NULL), 0);
  assert_int_equal(fixture_append_clock_advanced(store, ADMIN, 1796668800),
                   0); /* 2026: after 2122 in the log */
  assert_int_equal(fixture_append_clock_advanced(store, ADMIN, 1796668801), 0);
  dbn_store_destroy(&store);
  assert_int_equal(dbn_store_verify(dir, NULL, &report), DBN_ECORRUPT);
  assert_int_equal(report.first_bad_seq, 3);
  assert_non_null(strstr(report.problem, "时间倒退了"));
  dbn_store_remove_files(dir, true);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verify_reports_time_going_backwards),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
