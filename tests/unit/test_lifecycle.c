/* test_lifecycle.c: the task and escalation state machines of
 * domain/lifecycle.c, cell by cell.
 *
 * The expected values are written out here, not computed: every (task
 * state x task event) pair has a row, taken from DESIGN.md (assigned ->
 * claimed -> in_progress <-> blocked -> submitted -> done, submitted ->
 * in_progress on a rejection, a reassignment from any state but done back
 * to assigned, progress keeps a blocked task blocked, the broker's own
 * events never move a task, a resolution unblocks only when no department's
 * escalation is left open) and from the checks broker/rules.c made before
 * the rules moved into domain/ (require_state and dbn_rules_check: which
 * states each request could leave from, and the refusal messages, word for
 * word). A change to the lifecycle that is not also a change to these rows
 * fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "lifecycle.h"

#define ASSIGNED DUBAN__TASK_STATE__TASK_ASSIGNED
#define CLAIMED DUBAN__TASK_STATE__TASK_CLAIMED
#define IN_PROGRESS DUBAN__TASK_STATE__TASK_IN_PROGRESS
#define BLOCKED DUBAN__TASK_STATE__TASK_BLOCKED
#define SUBMITTED DUBAN__TASK_STATE__TASK_SUBMITTED
#define DONE DUBAN__TASK_STATE__TASK_DONE

#define TASK_ID "ordos-2023-58:3.4.1"

/* ---- the task events, as the broker's checks and the store ask ---- */

/* One event as it reaches dbn_task_next_state, with what broker/rules.c
 * said when it refused the request that produces it. */
struct task_event {
  const char *label;            /* for failure messages */
  Duban__Event__BodyCase event; /* what happens */
  bool automatic;               /* raised by the broker itself */
  uint32_t open_escalations;    /* departments' escalations left open, the event counted */
  const char *request;          /* the name the refusal gives */
  const char *allowed;          /* the states the refusal lists, as the old require_state listed them */
};

enum {
  EV_CLAIMED,
  EV_PROGRESS,
  EV_SUBMITTED,
  EV_ESCALATED,
  EV_ESCALATED_AUTO,
  EV_REMINDED,
  EV_ACCEPTED,
  EV_REJECTED,
  EV_REASSIGNED,
  EV_DEADLINE_WARNING,
  EV_RESOLVED_LAST,
  EV_RESOLVED_ONE_LEFT,
  EV_MILESTONE_REPORTED,
  EV_MILESTONE_CONFIRMED,
  EV_MILESTONE_RETURNED,
  EV_REPORT_MISSED,
  EV_PLAN_TASK_CANCELLED,
  EV_PLAN_DATES_CHANGED,
  EV_LEAD_REMINDED,
  EV_COUNT
};

#define ALL_STATES "assigned or claimed or in_progress or blocked or submitted or done"
#define NOT_DONE "assigned or claimed or in_progress or blocked or submitted"

static const struct task_event task_events[EV_COUNT] = {
    [EV_CLAIMED] = {"claimed", DUBAN__EVENT__BODY_CLAIMED, false, 0, "claim", "assigned"},
    [EV_PROGRESS] = {"progress", DUBAN__EVENT__BODY_PROGRESS, false, 0, "progress",
                     "claimed or in_progress or blocked"},
    [EV_SUBMITTED] = {"submitted", DUBAN__EVENT__BODY_SUBMITTED, false, 0, "submit",
                      "claimed or in_progress"},
    [EV_ESCALATED] = {"escalated by a department", DUBAN__EVENT__BODY_ESCALATED, false, 1, "escalate",
                      "claimed or in_progress or blocked"},
    [EV_ESCALATED_AUTO] = {"escalated by the broker", DUBAN__EVENT__BODY_ESCALATED, true, 0, "escalate",
                           ALL_STATES},
    [EV_REMINDED] = {"reminded", DUBAN__EVENT__BODY_REMINDED, false, 0, "remind", NOT_DONE},
    [EV_ACCEPTED] = {"accepted", DUBAN__EVENT__BODY_ACCEPTED, false, 0, "accept", "submitted"},
    [EV_REJECTED] = {"rejected", DUBAN__EVENT__BODY_REJECTED, false, 0, "reject", "submitted"},
    [EV_REASSIGNED] = {"reassigned", DUBAN__EVENT__BODY_REASSIGNED, false, 0, "reassign", NOT_DONE},
    [EV_DEADLINE_WARNING] = {"deadline_warning", DUBAN__EVENT__BODY_DEADLINE_WARNING, true, 0,
                             "deadline_warning", ALL_STATES},
    [EV_RESOLVED_LAST] = {"resolved, none left open", DUBAN__EVENT__BODY_RESOLVED, false, 0, "resolve",
                          ALL_STATES},
    [EV_RESOLVED_ONE_LEFT] = {"resolved, one left open", DUBAN__EVENT__BODY_RESOLVED, false, 1, "resolve",
                              ALL_STATES},
    [EV_MILESTONE_REPORTED] = {"milestone_reported", DUBAN__EVENT__BODY_MILESTONE_REPORTED, false, 0,
                               "milestone_met", "claimed or in_progress or blocked"},
    [EV_MILESTONE_CONFIRMED] = {"milestone_confirmed", DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, false, 0,
                                "confirm_milestone", NOT_DONE},
    [EV_MILESTONE_RETURNED] = {"milestone_returned", DUBAN__EVENT__BODY_MILESTONE_RETURNED, false, 0,
                               "return_milestone", NOT_DONE},
    [EV_REPORT_MISSED] = {"report_missed", DUBAN__EVENT__BODY_REPORT_MISSED, true, 0, "report_missed",
                          ALL_STATES},
    [EV_PLAN_TASK_CANCELLED] = {"plan_task_cancelled", DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED, false, 0,
                                "plan_change_cancel", NOT_DONE},
    [EV_PLAN_DATES_CHANGED] = {"plan_dates_changed", DUBAN__EVENT__BODY_PLAN_DATES_CHANGED, false, 0,
                               "plan_change_dates", NOT_DONE},
    [EV_LEAD_REMINDED] = {"lead_reminded", DUBAN__EVENT__BODY_LEAD_REMINDED, false, 0, "lead_remind",
                          NOT_DONE},
};

/* ---- every (state x event) pair ---- */

struct task_case {
  Duban__TaskState state; /* the task's state before */
  int event;              /* EV_* */
  int rc;                 /* 0 or DBN_ESTATE */
  Duban__TaskState next;  /* the state after, when rc is 0 */
};

#define TO(s) 0, s
#define REFUSED DBN_ESTATE, DUBAN__TASK_STATE__TASK_STATE_UNSPECIFIED

static const struct task_case task_cases[] = {
    /* assigned: only a claim moves it forward; progress before a claim is
     * refused (broker/rules.c refused it; the old store would have moved
     * it to in_progress, which no accepted request could reach). */
    {ASSIGNED, EV_CLAIMED, TO(CLAIMED)},
    {ASSIGNED, EV_PROGRESS, REFUSED},
    {ASSIGNED, EV_SUBMITTED, REFUSED},
    {ASSIGNED, EV_ESCALATED, REFUSED},
    {ASSIGNED, EV_ESCALATED_AUTO, TO(ASSIGNED)},
    {ASSIGNED, EV_REMINDED, TO(ASSIGNED)},
    {ASSIGNED, EV_ACCEPTED, REFUSED},
    {ASSIGNED, EV_REJECTED, REFUSED},
    {ASSIGNED, EV_REASSIGNED, TO(ASSIGNED)},
    {ASSIGNED, EV_DEADLINE_WARNING, TO(ASSIGNED)},
    {ASSIGNED, EV_RESOLVED_LAST, TO(ASSIGNED)},
    {ASSIGNED, EV_RESOLVED_ONE_LEFT, TO(ASSIGNED)},

    {CLAIMED, EV_CLAIMED, REFUSED},
    {CLAIMED, EV_PROGRESS, TO(IN_PROGRESS)},
    {CLAIMED, EV_SUBMITTED, TO(SUBMITTED)},
    {CLAIMED, EV_ESCALATED, TO(BLOCKED)},
    {CLAIMED, EV_ESCALATED_AUTO, TO(CLAIMED)},
    {CLAIMED, EV_REMINDED, TO(CLAIMED)},
    {CLAIMED, EV_ACCEPTED, REFUSED},
    {CLAIMED, EV_REJECTED, REFUSED},
    {CLAIMED, EV_REASSIGNED, TO(ASSIGNED)},
    {CLAIMED, EV_DEADLINE_WARNING, TO(CLAIMED)},
    {CLAIMED, EV_RESOLVED_LAST, TO(CLAIMED)},
    {CLAIMED, EV_RESOLVED_ONE_LEFT, TO(CLAIMED)},

    {IN_PROGRESS, EV_CLAIMED, REFUSED},
    {IN_PROGRESS, EV_PROGRESS, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_SUBMITTED, TO(SUBMITTED)},
    {IN_PROGRESS, EV_ESCALATED, TO(BLOCKED)},
    {IN_PROGRESS, EV_ESCALATED_AUTO, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_REMINDED, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_ACCEPTED, REFUSED},
    {IN_PROGRESS, EV_REJECTED, REFUSED},
    {IN_PROGRESS, EV_REASSIGNED, TO(ASSIGNED)},
    {IN_PROGRESS, EV_DEADLINE_WARNING, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_RESOLVED_LAST, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_RESOLVED_ONE_LEFT, TO(IN_PROGRESS)},

    /* blocked: progress while waiting for help keeps it blocked; a second
     * escalation keeps it blocked; only the last resolution unblocks. */
    {BLOCKED, EV_CLAIMED, REFUSED},
    {BLOCKED, EV_PROGRESS, TO(BLOCKED)},
    {BLOCKED, EV_SUBMITTED, REFUSED},
    {BLOCKED, EV_ESCALATED, TO(BLOCKED)},
    {BLOCKED, EV_ESCALATED_AUTO, TO(BLOCKED)},
    {BLOCKED, EV_REMINDED, TO(BLOCKED)},
    {BLOCKED, EV_ACCEPTED, REFUSED},
    {BLOCKED, EV_REJECTED, REFUSED},
    {BLOCKED, EV_REASSIGNED, TO(ASSIGNED)},
    {BLOCKED, EV_DEADLINE_WARNING, TO(BLOCKED)},
    {BLOCKED, EV_RESOLVED_LAST, TO(IN_PROGRESS)},
    {BLOCKED, EV_RESOLVED_ONE_LEFT, TO(BLOCKED)},

    /* submitted: a coordinator accepts or rejects; a resolution of an
     * escalation raised earlier does not move it. */
    {SUBMITTED, EV_CLAIMED, REFUSED},
    {SUBMITTED, EV_PROGRESS, REFUSED},
    {SUBMITTED, EV_SUBMITTED, REFUSED},
    {SUBMITTED, EV_ESCALATED, REFUSED},
    {SUBMITTED, EV_ESCALATED_AUTO, TO(SUBMITTED)},
    {SUBMITTED, EV_REMINDED, TO(SUBMITTED)},
    {SUBMITTED, EV_ACCEPTED, TO(DONE)},
    {SUBMITTED, EV_REJECTED, TO(IN_PROGRESS)},
    {SUBMITTED, EV_REASSIGNED, TO(ASSIGNED)},
    {SUBMITTED, EV_DEADLINE_WARNING, TO(SUBMITTED)},
    {SUBMITTED, EV_RESOLVED_LAST, TO(SUBMITTED)},
    {SUBMITTED, EV_RESOLVED_ONE_LEFT, TO(SUBMITTED)},

    /* done: nothing a person sends acts on it any more. */
    {DONE, EV_CLAIMED, REFUSED},
    {DONE, EV_PROGRESS, REFUSED},
    {DONE, EV_SUBMITTED, REFUSED},
    {DONE, EV_ESCALATED, REFUSED},
    {DONE, EV_ESCALATED_AUTO, TO(DONE)},
    {DONE, EV_REMINDED, REFUSED},
    {DONE, EV_ACCEPTED, REFUSED},
    {DONE, EV_REJECTED, REFUSED},
    {DONE, EV_REASSIGNED, REFUSED},
    {DONE, EV_DEADLINE_WARNING, TO(DONE)},
    {DONE, EV_RESOLVED_LAST, TO(DONE)},
    {DONE, EV_RESOLVED_ONE_LEFT, TO(DONE)},
    /* Milestones met one by one leave the task's state as it is
     * (domain/milestone.h decides about the milestone). */
    {ASSIGNED, EV_MILESTONE_REPORTED, REFUSED},
    {ASSIGNED, EV_MILESTONE_CONFIRMED, TO(ASSIGNED)},
    {ASSIGNED, EV_MILESTONE_RETURNED, TO(ASSIGNED)},
    {ASSIGNED, EV_REPORT_MISSED, TO(ASSIGNED)},
    {CLAIMED, EV_MILESTONE_REPORTED, TO(CLAIMED)},
    {CLAIMED, EV_MILESTONE_CONFIRMED, TO(CLAIMED)},
    {CLAIMED, EV_MILESTONE_RETURNED, TO(CLAIMED)},
    {CLAIMED, EV_REPORT_MISSED, TO(CLAIMED)},
    {IN_PROGRESS, EV_MILESTONE_REPORTED, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_MILESTONE_CONFIRMED, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_MILESTONE_RETURNED, TO(IN_PROGRESS)},
    {IN_PROGRESS, EV_REPORT_MISSED, TO(IN_PROGRESS)},
    {BLOCKED, EV_MILESTONE_REPORTED, TO(BLOCKED)},
    {BLOCKED, EV_MILESTONE_CONFIRMED, TO(BLOCKED)},
    {BLOCKED, EV_MILESTONE_RETURNED, TO(BLOCKED)},
    {BLOCKED, EV_REPORT_MISSED, TO(BLOCKED)},
    {SUBMITTED, EV_MILESTONE_REPORTED, REFUSED},
    {SUBMITTED, EV_MILESTONE_CONFIRMED, TO(SUBMITTED)},
    {SUBMITTED, EV_MILESTONE_RETURNED, TO(SUBMITTED)},
    {SUBMITTED, EV_REPORT_MISSED, TO(SUBMITTED)},
    {DONE, EV_MILESTONE_REPORTED, REFUSED},
    {DONE, EV_MILESTONE_CONFIRMED, REFUSED},
    {DONE, EV_MILESTONE_RETURNED, REFUSED},
    {DONE, EV_REPORT_MISSED, TO(DONE)},
    /* 计划调整 leaves the state of the work; a done task's plan is history. */
    {ASSIGNED, EV_PLAN_TASK_CANCELLED, TO(ASSIGNED)},
    {CLAIMED, EV_PLAN_TASK_CANCELLED, TO(CLAIMED)},
    {IN_PROGRESS, EV_PLAN_TASK_CANCELLED, TO(IN_PROGRESS)},
    {BLOCKED, EV_PLAN_TASK_CANCELLED, TO(BLOCKED)},
    {SUBMITTED, EV_PLAN_TASK_CANCELLED, TO(SUBMITTED)},
    {DONE, EV_PLAN_TASK_CANCELLED, REFUSED},
    {ASSIGNED, EV_PLAN_DATES_CHANGED, TO(ASSIGNED)},
    {CLAIMED, EV_PLAN_DATES_CHANGED, TO(CLAIMED)},
    {IN_PROGRESS, EV_PLAN_DATES_CHANGED, TO(IN_PROGRESS)},
    {BLOCKED, EV_PLAN_DATES_CHANGED, TO(BLOCKED)},
    {SUBMITTED, EV_PLAN_DATES_CHANGED, TO(SUBMITTED)},
    {DONE, EV_PLAN_DATES_CHANGED, REFUSED},
    /* A lead unit's 催办 is a coordinator's: while the work is not done. */
    {ASSIGNED, EV_LEAD_REMINDED, TO(ASSIGNED)},
    {CLAIMED, EV_LEAD_REMINDED, TO(CLAIMED)},
    {IN_PROGRESS, EV_LEAD_REMINDED, TO(IN_PROGRESS)},
    {BLOCKED, EV_LEAD_REMINDED, TO(BLOCKED)},
    {SUBMITTED, EV_LEAD_REMINDED, TO(SUBMITTED)},
    {DONE, EV_LEAD_REMINDED, REFUSED},
};

static const char *
state_name(Duban__TaskState state)
{
  static const char *const names[] = {"unspecified", "assigned",  "claimed", "in_progress",
                                      "blocked",     "submitted", "done"};
  return (unsigned)state < sizeof names / sizeof names[0] ? names[state] : "out of range";
}

/* The message broker/rules.c's require_state gave, word for word. */
static void
old_refusal(const Duban__Task *task, const struct task_event *ev, char *out, size_t out_len)
{
  if (task->state == BLOCKED)
    snprintf(out, out_len,
             "task '%s' is blocked by an open escalation; %s needs it %s (a coordinator resolves the "
             "escalation first)",
             task->id, ev->request, ev->allowed);
  else
    snprintf(out, out_len, "task '%s' is %s; %s needs it %s", task->id, state_name(task->state), ev->request,
             ev->allowed);
}

static void
test_every_state_and_event(void **state)
{
  (void)state;
  int seen[DONE + 1][EV_COUNT] = {{0}};
  int failures = 0;
  for (size_t i = 0; i < sizeof task_cases / sizeof task_cases[0]; i++) {
    const struct task_case *c = &task_cases[i];
    const struct task_event *ev = &task_events[c->event];
    seen[c->state][c->event]++;
    Duban__Task task = DUBAN__TASK__INIT;
    task.id = TASK_ID;
    task.unit = "TRANSPORT";
    task.state = c->state;
    task.open_escalations = ev->open_escalations;
    Duban__TaskState next = (Duban__TaskState)-42;
    char why[512] = "";
    int rc =
        dbn_task_next_state(&task, ev->event, ev->automatic, ev->open_escalations, &next, why, sizeof why);
    char wanted_why[512] = "";
    if (c->rc)
      old_refusal(&task, ev, wanted_why, sizeof wanted_why);
    bool ok = rc == c->rc && (c->rc ? strcmp(why, wanted_why) == 0 : next == c->next);
    /* The allowed set agrees with the transition itself. */
    unsigned allowed = dbn_task_states_allowed(ev->event, ev->automatic);
    ok = ok && ((allowed & dbn_task_state_bit(c->state)) != 0) == (c->rc == 0);
    if (!ok) {
      fprintf(stderr, "%s x %s: got rc %d next %s '%s' (allowed 0x%x); wanted rc %d next %s '%s'\n",
              state_name(c->state), ev->label, rc, rc ? "-" : state_name(next), why, allowed, c->rc,
              c->rc ? "-" : state_name(c->next), wanted_why);
      failures++;
    }
  }
  /* Exactly one row per pair: a state or event added without rows fails. */
  for (int s = ASSIGNED; s <= DONE; s++)
    for (int e = 0; e < EV_COUNT; e++)
      if (seen[s][e] != 1) {
        fprintf(stderr, "%s x %s has %d rows, wanted 1\n", state_name((Duban__TaskState)s),
                task_events[e].label, seen[s][e]);
        failures++;
      }
  assert_int_equal(failures, 0);
}

/* The sets broker/rules.c's dbn_rules_check passed to require_state, per
 * request, against dbn_task_states_allowed for the event it produces. */
static void
test_allowed_sets_match_old_rules(void **state)
{
  (void)state;
#define BIT(s) (1u << (s))
  const unsigned working = BIT(CLAIMED) | BIT(IN_PROGRESS);
  const unsigned not_done = BIT(ASSIGNED) | BIT(CLAIMED) | BIT(IN_PROGRESS) | BIT(BLOCKED) | BIT(SUBMITTED);
  const unsigned any = not_done | BIT(DONE);
  const struct {
    Duban__Event__BodyCase event;
    bool automatic;
    unsigned allowed;
  } sets[] = {
      {DUBAN__EVENT__BODY_CLAIMED, false, BIT(ASSIGNED)},
      {DUBAN__EVENT__BODY_PROGRESS, false, working | BIT(BLOCKED)},
      {DUBAN__EVENT__BODY_SUBMITTED, false, working},
      {DUBAN__EVENT__BODY_ESCALATED, false, working | BIT(BLOCKED)},
      {DUBAN__EVENT__BODY_REMINDED, false, not_done},
      {DUBAN__EVENT__BODY_ACCEPTED, false, BIT(SUBMITTED)},
      {DUBAN__EVENT__BODY_REJECTED, false, BIT(SUBMITTED)},
      {DUBAN__EVENT__BODY_REASSIGNED, false, not_done},
      /* The old rules did not look at the task for a resolve; nor does the
       * new lifecycle, for any state a task can be in. */
      {DUBAN__EVENT__BODY_RESOLVED, false, any},
      /* The broker's own: never refused for a real state. */
      {DUBAN__EVENT__BODY_ESCALATED, true, any},
      {DUBAN__EVENT__BODY_DEADLINE_WARNING, true, any},
      {DUBAN__EVENT__BODY_MILESTONE_REPORTED, false, working | BIT(BLOCKED)},
      {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, false, not_done},
      {DUBAN__EVENT__BODY_MILESTONE_RETURNED, false, not_done},
      {DUBAN__EVENT__BODY_REPORT_MISSED, true, any},
  };
#undef BIT
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
    unsigned got = dbn_task_states_allowed(sets[i].event, sets[i].automatic);
    if (got != sets[i].allowed) {
      fprintf(stderr, "event %d automatic %d: allowed 0x%x, wanted 0x%x\n", (int)sets[i].event,
              sets[i].automatic, got, sets[i].allowed);
      fail();
    }
  }
}

/* A state read from a damaged file is refused by every event, with a
 * message, and never used as a shift count (UBSan would flag 1u << 99). */
static void
test_out_of_range_state_is_refused(void **state)
{
  (void)state;
  const int bad_states[] = {
      DUBAN__TASK_STATE__TASK_STATE_UNSPECIFIED, 7, 31, 32, 33, 64, 99, -1, -2147483647};
  for (size_t s = 0; s < sizeof bad_states / sizeof bad_states[0]; s++) {
    Duban__TaskState bad = (Duban__TaskState)bad_states[s];
    assert_int_equal(dbn_task_state_bit(bad), 0);
    for (int e = 0; e < EV_COUNT; e++) {
      const struct task_event *ev = &task_events[e];
      Duban__Task task = DUBAN__TASK__INIT;
      task.id = TASK_ID;
      task.state = bad;
      Duban__TaskState next = (Duban__TaskState)-42;
      char why[512] = "";
      int rc =
          dbn_task_next_state(&task, ev->event, ev->automatic, ev->open_escalations, &next, why, sizeof why);
      char unknown[64];
      snprintf(unknown, sizeof unknown, "unknown state (%d)", bad_states[s]);
      if (rc != DBN_ESTATE || !strstr(why, TASK_ID) || !strstr(why, unknown) || !strstr(why, ev->request) ||
          next != (Duban__TaskState)-42) {
        fprintf(stderr, "state %d x %s: rc %d next %d '%s'\n", bad_states[s], ev->label, rc, (int)next, why);
        fail();
      }
    }
  }
}

static void
test_state_bits(void **state)
{
  (void)state;
  unsigned all = 0;
  for (int s = ASSIGNED; s <= DONE; s++) {
    unsigned bit = dbn_task_state_bit((Duban__TaskState)s);
    assert_int_equal(bit, 1u << s);
    assert_int_equal(all & bit, 0);
    all |= bit;
  }
}

/* DBN_EINVAL, with a message and no state written, for every event in
 * every state. */
static void
check_not_a_task_event(Duban__Event__BodyCase event, bool automatic)
{
  assert_int_equal(dbn_task_states_allowed(event, automatic), 0);
  for (int s = ASSIGNED; s <= DONE; s++) {
    Duban__Task task = DUBAN__TASK__INIT;
    task.id = TASK_ID;
    task.state = (Duban__TaskState)s;
    Duban__TaskState next = (Duban__TaskState)-42;
    char why[256] = "";
    int rc = dbn_task_next_state(&task, event, automatic, 0, &next, why, sizeof why);
    if (rc != DBN_EINVAL || !strstr(why, "does not act on a task") || next != (Duban__TaskState)-42) {
      fprintf(stderr, "event %d automatic %d in %s: rc %d '%s'\n", (int)event, automatic,
              state_name(task.state), rc, why);
      fail();
    }
  }
}

/* Every Event body of proto/duban.proto, with either automatic flag, that
 * is not one of task_events does not act on a task: the plan, the clock,
 * an acknowledgement or a level (they act on an escalation), and the
 * user events with automatic set (only deadline warnings and the
 * escalations they open are raised by the broker itself,
 * broker/deadline_monitor.c), and a deadline warning that is not the
 * broker's. Read from the descriptor, so an event added later is covered. */
static void
test_events_that_do_not_act_on_a_task(void **state)
{
  (void)state;
  size_t checked = 0;
  for (unsigned f = 0; f < duban__event__descriptor.n_fields; f++) {
    const ProtobufCFieldDescriptor *field = &duban__event__descriptor.fields[f];
    if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
      continue;
    for (int automatic = 0; automatic <= 1; automatic++) {
      bool acts = false;
      for (int e = 0; e < EV_COUNT; e++)
        if ((unsigned)task_events[e].event == field->id && task_events[e].automatic == automatic)
          acts = true;
      if (!acts) {
        check_not_a_task_event((Duban__Event__BodyCase)field->id, automatic);
        checked++;
      }
    }
  }
  /* At least the ones known when this was written. */
  assert_true(checked >= 17);
  const Duban__Event__BodyCase outside[] = {DUBAN__EVENT__BODY__NOT_SET, (Duban__Event__BodyCase)99,
                                            (Duban__Event__BodyCase)-1};
  for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
    check_not_a_task_event(outside[i], false);
    check_not_a_task_event(outside[i], true);
  }
}

/* A short message buffer truncates; it never overflows (ASan would see). */
static void
test_short_message_buffer(void **state)
{
  (void)state;
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = TASK_ID;
  task.state = DONE;
  Duban__TaskState next;
  char why[9];
  memset(why, 'x', sizeof why);
  assert_int_equal(
      dbn_task_next_state(&task, DUBAN__EVENT__BODY_CLAIMED, false, 0, &next, why, sizeof why - 1),
      DBN_ESTATE);
  assert_int_equal(strlen(why), sizeof why - 2);
  assert_int_equal(why[sizeof why - 1], 'x');
}

/* ---- escalations: open -> acknowledged -> resolved ---- */

#define E_OPEN DUBAN__ESCALATION_STATE__ESCALATION_OPEN
#define E_ACKNOWLEDGED DUBAN__ESCALATION_STATE__ESCALATION_ACKNOWLEDGED
#define E_RESOLVED DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED

struct escalation_case {
  int state;                    /* before; out-of-range values too */
  Duban__Event__BodyCase event; /* what happens */
  int rc;                       /* 0, DBN_ESTATE or DBN_EINVAL */
  Duban__EscalationState next;  /* after, when rc is 0 */
  const char *why;              /* the message, word for word, when refused */
};

#define E_TO(s) 0, s, NULL
#define E_REFUSED(msg) DBN_ESTATE, DUBAN__ESCALATION_STATE__ESCALATION_STATE_UNSPECIFIED, msg
#define E_NOT_MINE(msg) DBN_EINVAL, DUBAN__ESCALATION_STATE__ESCALATION_STATE_UNSPECIFIED, msg

static const struct escalation_case escalation_cases[] = {
    {E_OPEN, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_TO(E_ACKNOWLEDGED)},
    {E_OPEN, DUBAN__EVENT__BODY_RESOLVED, E_TO(E_RESOLVED)},
    /* The SLA monitor raises the level of an open escalation; it stays open. */
    {E_OPEN, DUBAN__EVENT__BODY_ESCALATION_LEVEL, E_TO(E_OPEN)},
    {E_OPEN, DUBAN__EVENT__BODY_CLAIMED, E_NOT_MINE("claimed does not act on an escalation")},
    {E_OPEN, DUBAN__EVENT__BODY_ESCALATED, E_NOT_MINE("escalated does not act on an escalation")},

    /* The old check_escalation's messages, word for word. */
    {E_ACKNOWLEDGED, DUBAN__EVENT__BODY_ACKNOWLEDGED,
     E_REFUSED("escalation 42 is already acknowledged; resolve it when it is cleared")},
    {E_ACKNOWLEDGED, DUBAN__EVENT__BODY_RESOLVED, E_TO(E_RESOLVED)},
    /* broker/deadline_monitor.c raised levels only on open escalations. */
    {E_ACKNOWLEDGED, DUBAN__EVENT__BODY_ESCALATION_LEVEL,
     E_REFUSED("escalation 42 is acknowledged; only an open one rises a level")},
    {E_ACKNOWLEDGED, DUBAN__EVENT__BODY_CLAIMED, E_NOT_MINE("claimed does not act on an escalation")},
    {E_ACKNOWLEDGED, DUBAN__EVENT__BODY_ESCALATED, E_NOT_MINE("escalated does not act on an escalation")},

    {E_RESOLVED, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_REFUSED("escalation 42 is already resolved")},
    {E_RESOLVED, DUBAN__EVENT__BODY_RESOLVED, E_REFUSED("escalation 42 is already resolved")},
    {E_RESOLVED, DUBAN__EVENT__BODY_ESCALATION_LEVEL,
     E_REFUSED("escalation 42 is resolved; only an open one rises a level")},
    {E_RESOLVED, DUBAN__EVENT__BODY_CLAIMED, E_NOT_MINE("claimed does not act on an escalation")},
    {E_RESOLVED, DUBAN__EVENT__BODY_ESCALATED, E_NOT_MINE("escalated does not act on an escalation")},

    /* A state read from a damaged file is refused whatever the event. Note
     * the order: an unknown state is refused before the event is looked
     * at, so an event that does not act on an escalation gets DBN_ESTATE
     * here, where dbn_task_next_state answers DBN_EINVAL first. */
    {0, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_REFUSED("escalation 42 is in an unknown state (0)")},
    {0, DUBAN__EVENT__BODY_RESOLVED, E_REFUSED("escalation 42 is in an unknown state (0)")},
    {0, DUBAN__EVENT__BODY_ESCALATION_LEVEL, E_REFUSED("escalation 42 is in an unknown state (0)")},
    {0, DUBAN__EVENT__BODY_CLAIMED, E_REFUSED("escalation 42 is in an unknown state (0)")},
    {4, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_REFUSED("escalation 42 is in an unknown state (4)")},
    {4, DUBAN__EVENT__BODY_RESOLVED, E_REFUSED("escalation 42 is in an unknown state (4)")},
    {4, DUBAN__EVENT__BODY_ESCALATION_LEVEL, E_REFUSED("escalation 42 is in an unknown state (4)")},
    {4, DUBAN__EVENT__BODY_CLAIMED, E_REFUSED("escalation 42 is in an unknown state (4)")},
    {99, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_REFUSED("escalation 42 is in an unknown state (99)")},
    {99, DUBAN__EVENT__BODY_RESOLVED, E_REFUSED("escalation 42 is in an unknown state (99)")},
    {99, DUBAN__EVENT__BODY_ESCALATION_LEVEL, E_REFUSED("escalation 42 is in an unknown state (99)")},
    {99, DUBAN__EVENT__BODY_CLAIMED, E_REFUSED("escalation 42 is in an unknown state (99)")},
    {-1, DUBAN__EVENT__BODY_ACKNOWLEDGED, E_REFUSED("escalation 42 is in an unknown state (-1)")},
    {-1, DUBAN__EVENT__BODY_RESOLVED, E_REFUSED("escalation 42 is in an unknown state (-1)")},
    {-1, DUBAN__EVENT__BODY_ESCALATION_LEVEL, E_REFUSED("escalation 42 is in an unknown state (-1)")},
    {-1, DUBAN__EVENT__BODY_CLAIMED, E_REFUSED("escalation 42 is in an unknown state (-1)")},
};

static void
test_escalation_lifecycle(void **state)
{
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof escalation_cases / sizeof escalation_cases[0]; i++) {
    const struct escalation_case *c = &escalation_cases[i];
    Duban__Escalation e = DUBAN__ESCALATION__INIT;
    e.id = 42;
    e.task = TASK_ID;
    e.state = (Duban__EscalationState)c->state;
    Duban__EscalationState next = (Duban__EscalationState)-42;
    char why[256] = "";
    int rc = dbn_escalation_next_state(&e, c->event, &next, why, sizeof why);
    bool ok = rc == c->rc &&
              (c->rc ? strcmp(why, c->why) == 0 && next == (Duban__EscalationState)-42 : next == c->next);
    if (!ok) {
      fprintf(stderr, "escalation state %d x event %d: got rc %d next %d '%s'; wanted rc %d next %d '%s'\n",
              c->state, (int)c->event, rc, (int)next, why, c->rc, (int)c->next, c->why ? c->why : "");
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

/* Every Event body other than acknowledged, resolved and
 * escalation_level does not act on an escalation, in any known state. */
static void
test_other_events_do_not_act_on_an_escalation(void **state)
{
  (void)state;
  const Duban__EscalationState states[] = {E_OPEN, E_ACKNOWLEDGED, E_RESOLVED};
  for (unsigned f = 0; f < duban__event__descriptor.n_fields; f++) {
    const ProtobufCFieldDescriptor *field = &duban__event__descriptor.fields[f];
    Duban__Event__BodyCase event = (Duban__Event__BodyCase)field->id;
    if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || event == DUBAN__EVENT__BODY_ACKNOWLEDGED ||
        event == DUBAN__EVENT__BODY_RESOLVED || event == DUBAN__EVENT__BODY_ESCALATION_LEVEL)
      continue;
    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
      Duban__Escalation e = DUBAN__ESCALATION__INIT;
      e.id = 42;
      e.state = states[s];
      Duban__EscalationState next = (Duban__EscalationState)-42;
      char why[256] = "", wanted[256];
      snprintf(wanted, sizeof wanted, "%s does not act on an escalation", field->name);
      int rc = dbn_escalation_next_state(&e, event, &next, why, sizeof why);
      if (rc != DBN_EINVAL || strcmp(why, wanted) != 0 || next != (Duban__EscalationState)-42) {
        fprintf(stderr, "escalation state %d x %s: rc %d '%s'\n", (int)states[s], field->name, rc, why);
        fail();
      }
    }
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_state_and_event),
      cmocka_unit_test(test_allowed_sets_match_old_rules),
      cmocka_unit_test(test_out_of_range_state_is_refused),
      cmocka_unit_test(test_state_bits),
      cmocka_unit_test(test_events_that_do_not_act_on_a_task),
      cmocka_unit_test(test_short_message_buffer),
      cmocka_unit_test(test_escalation_lifecycle),
      cmocka_unit_test(test_other_events_do_not_act_on_an_escalation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
