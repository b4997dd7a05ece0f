/* fixture_log.h: writing a test's events into a real log, reading them
 * back, and running the deadline monitor over it.
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
#include <stdlib.h>

#include "date.h"
#include "fixture_dir.h"
#include "store.h"
#include "wire.h"

/* A new, empty log in a fresh directory (fixture_temp_dir(dir, len, name)),
 * opened with options (NULL: the defaults). */
static inline dbn_store_t *
fixture_temp_store(char *dir, size_t len, const char *name, const dbn_store_options_t *options)
{
  fixture_temp_dir(dir, len, name);
  dbn_store_t *store = NULL;
  assert_int_equal(dbn_store_open(&store, dir, options), 0);
  return store;
}

/* Append one event in a transaction of its own; 0 or the store's error. */
static inline int
fixture_append_one(dbn_store_t *store, Duban__Event *event)
{
  dbn_store_txn_t *txn = NULL; /* a begin that fails leaves it unset: then there is nothing to abort */
  int rc = dbn_store_write_begin(store, &txn);
  if (rc == 0)
    rc = dbn_store_append(txn, event);
  return rc ? (dbn_store_abort(&txn), rc) : dbn_store_commit(&txn);
}

/* The administrator loads a plan (fixture_plan.h's load body) at time.
 * request_id may be NULL: the event then carries none. */
static inline void
fixture_append_plan_loaded(dbn_store_t *store, Duban__LoadPlan *load, int64_t time, const char *request_id)
{
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = time;
  event.actor = "admin:admin";
  if (request_id)
    event.request_id = (char *)request_id;
  event.body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
  event.plan_loaded = load;
  assert_int_equal(fixture_append_one(store, &event), 0);
}

/* The event of actor ("unit:LCJ") claiming task, in caller storage (event
 * points at claim; time 0), for a test that appends it in a transaction it
 * holds open. */
static inline void
fixture_claimed_event(Duban__Event *event, Duban__Claim *claim, const char *task, const char *actor)
{
  duban__claim__init(claim);
  claim->task = (char *)task;
  duban__event__init(event);
  event->actor = (char *)actor;
  event->body_case = DUBAN__EVENT__BODY_CLAIMED;
  event->claimed = claim;
}

/* actor claims task at time, in a transaction of its own; request_id as
 * above. */
static inline void
fixture_append_claimed(dbn_store_t *store, const char *task, const char *actor, int64_t time,
                       const char *request_id)
{
  Duban__Claim claim;
  Duban__Event event;
  fixture_claimed_event(&event, &claim, task, actor);
  event.time = time;
  if (request_id)
    event.request_id = (char *)request_id;
  assert_int_equal(fixture_append_one(store, &event), 0);
}

/* actor reports the milestone due of task met at time, with note; 0 or
 * the store's error (a second report of the same milestone is refused). */
static inline int
fixture_append_milestone_met(dbn_store_t *store, const char *task, const char *due, const char *actor,
                             int64_t time, const char *note)
{
  Duban__MilestoneMet met = DUBAN__MILESTONE_MET__INIT;
  met.task = (char *)task;
  met.due = (char *)due;
  met.note = (char *)note;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = time;
  event.actor = (char *)actor;
  event.body_case = DUBAN__EVENT__BODY_MILESTONE_REPORTED;
  event.milestone_reported = &met;
  return fixture_append_one(store, &event);
}

/* The coordinators' office confirms that milestone met, at time. */
static inline void
fixture_append_milestone_confirmed(dbn_store_t *store, const char *task, const char *due, int64_t time)
{
  Duban__MilestoneConfirm confirm = DUBAN__MILESTONE_CONFIRM__INIT;
  confirm.task = (char *)task;
  confirm.due = (char *)due;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = time;
  event.actor = "coordinator:office";
  event.body_case = DUBAN__EVENT__BODY_MILESTONE_CONFIRMED;
  event.milestone_confirmed = &confirm;
  assert_int_equal(fixture_append_one(store, &event), 0);
}

/* actor moves the clock on by one second at time, in a transaction of its
 * own: an event that needs no plan. 0 or the store's error. */
static inline int
fixture_append_clock_advanced(dbn_store_t *store, const char *actor, int64_t time)
{
  Duban__AdvanceClock advance = DUBAN__ADVANCE_CLOCK__INIT;
  advance.seconds = 1;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = time;
  event.actor = (char *)actor;
  event.body_case = DUBAN__EVENT__BODY_CLOCK_ADVANCED;
  event.clock_advanced = &advance;
  return fixture_append_one(store, &event);
}

/* actor raises an escalation of task at time, of category, for reason. */
static inline void
fixture_append_escalated(dbn_store_t *store, const char *task, const char *actor, int64_t time,
                         const char *category, const char *reason)
{
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = (char *)task;
  escalate.category = (char *)category;
  escalate.reason = (char *)reason;
  Duban__Event event = DUBAN__EVENT__INIT;
  event.time = time;
  event.actor = (char *)actor;
  event.body_case = DUBAN__EVENT__BODY_ESCALATED;
  event.escalated = &escalate;
  assert_int_equal(fixture_append_one(store, &event), 0);
}

/* The task id in the views of store, read in a transaction of its own
 * (the caller frees it with dbn_wire_task_free). */
static inline Duban__Task *
fixture_read_task(dbn_store_t *store, const char *id)
{
  dbn_store_txn_t *txn;
  Duban__Task *task = NULL;
  assert_int_equal(dbn_store_read_begin(store, &txn), 0);
  assert_int_equal(dbn_store_task_get(txn, id, &task), 0);
  dbn_store_abort(&txn);
  return task;
}

/* What a test looks at in each event of a log (fixture_each_event): the
 * event is unpacked for the call and freed after it. */
typedef void (*fixture_event_fn)(const Duban__Event *event, void *arg);

typedef struct {
  fixture_event_fn fn;
  void *arg;
} fixture_event_walk_t;

static inline int
fixture_event_unpacked(void *walk_p, uint64_t seq, const uint8_t *bytes, size_t len)
{
  (void)seq;
  fixture_event_walk_t *walk = walk_p;
  Duban__Event *event;
  assert_int_equal(dbn_wire_event_unpack(bytes, len, &event), 0);
  walk->fn(event, walk->arg);
  dbn_wire_event_free(&event);
  return 0;
}

/* fn(event, arg) for every event of the log txn reads, in order. */
static inline void
fixture_each_event(dbn_store_txn_t *txn, fixture_event_fn fn, void *arg)
{
  fixture_event_walk_t walk = {fn, arg};
  assert_int_equal(dbn_store_events_foreach(txn, 0, 0, fixture_event_unpacked, &walk), 0);
}

/* A cmocka setup: the plan's zone is the default one (DBN_PLAN_ZONE_ENV
 * unset), whatever the environment the tests run in says, so that the
 * days the cases name end where they expect. */
static inline int
fixture_default_zone(void **state)
{
  (void)state;
  unsetenv(DBN_PLAN_ZONE_ENV);
  return 0;
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
