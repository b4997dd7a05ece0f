/* fixture_log.h: writing a test's events into a real log, and running the
 * deadline monitor over it.
 *
 * The store's, the ladder's, the plan zone's and the scoring tests all make
 * a log event by event and then let the monitor look at it at some moment;
 * these are the steps they share. Header-only (static inline), so a test
 * that includes it needs nothing more at link time than the store and the
 * broker's monitor it already links. */
#ifndef DUBAN_FIXTURE_LOG_H
#define DUBAN_FIXTURE_LOG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "date.h"
#include "store.h"

/* Append one event in a transaction of its own; 0 or the store's error. */
static inline int
fixture_append_one(dbn_store_t *store, Duban__Event *event)
{
  dbn_store_txn_t *txn;
  int rc = dbn_store_write_begin(store, &txn);
  if (rc == 0)
    rc = dbn_store_append(txn, event);
  return rc ? (dbn_store_abort(&txn), rc) : dbn_store_commit(&txn);
}

/* The start of the day text names (YYYY-MM-DD, in the plan's zone). */
static inline int64_t
fixture_day(const char *text)
{
  int64_t start;
  assert_int_equal(dbn_date_parse(text, &start), 0);
  return start;
}

#ifdef DUBAN_DEADLINE_MONITOR_H
/* Run the monitor once at now with the policy the tests share (yellow 30
 * days ahead, escalations rise after 48 hours) and the ladder given, or the
 * default ladder for NULL; returns how many events it raised. */
static inline int
fixture_run_monitor(dbn_store_t *store, int64_t now, const dbn_ladder_t *ladder)
{
  dbn_ladder_t default_ladder;
  if (!ladder) {
    dbn_ladder_default(&default_ladder);
    ladder = &default_ladder;
  }
  dbn_deadline_policy_t policy = {.yellow_days = 30, .escalation_sla_hours = 48, .ladder = ladder};
  dbn_store_txn_t *txn;
  int raised = 0;
  assert_int_equal(dbn_store_write_begin(store, &txn), 0);
  assert_int_equal(dbn_deadline_monitor_run(txn, now, &policy, &raised), 0);
  assert_int_equal(dbn_store_commit(&txn), 0);
  return raised;
}
#endif

#endif
