/* lifecycle.c: the transition tables; see lifecycle.h. */
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "request.h"
#include "wire.h"

#define ASSIGNED (1u << DUBAN__TASK_STATE__TASK_ASSIGNED)
#define CLAIMED (1u << DUBAN__TASK_STATE__TASK_CLAIMED)
#define IN_PROGRESS (1u << DUBAN__TASK_STATE__TASK_IN_PROGRESS)
#define BLOCKED (1u << DUBAN__TASK_STATE__TASK_BLOCKED)
#define SUBMITTED (1u << DUBAN__TASK_STATE__TASK_SUBMITTED)
#define DONE (1u << DUBAN__TASK_STATE__TASK_DONE)
#define ANY_STATE (ASSIGNED | CLAIMED | IN_PROGRESS | BLOCKED | SUBMITTED | DONE)
#define WORKING (CLAIMED | IN_PROGRESS)
#define NOT_DONE (ANY_STATE & ~DONE)
#define STAYS DUBAN__TASK_STATE__TASK_STATE_UNSPECIFIED

/* What a target of STAYS plus these flags means. */
enum {
  KEEPS_BLOCKED = 1, /* a blocked task stays blocked (progress while waiting for help) */
  UNBLOCKS = 2,      /* a blocked task with no open escalation left goes back to work */
};

struct task_transition {
  Duban__Event__BodyCase event; /* what happens */
  bool automatic;               /* raised by the broker itself */
  unsigned from;                /* the states it may happen in */
  Duban__TaskState to;          /* the state after; STAYS = unchanged */
  unsigned flags;               /* KEEPS_BLOCKED, UNBLOCKS */
};

static const struct task_transition task_transitions[] = {
    {DUBAN__EVENT__BODY_CLAIMED, false, ASSIGNED, DUBAN__TASK_STATE__TASK_CLAIMED, 0},
    {DUBAN__EVENT__BODY_PROGRESS, false, WORKING | BLOCKED, DUBAN__TASK_STATE__TASK_IN_PROGRESS,
     KEEPS_BLOCKED},
    {DUBAN__EVENT__BODY_SUBMITTED, false, WORKING, DUBAN__TASK_STATE__TASK_SUBMITTED, 0},
    {DUBAN__EVENT__BODY_ESCALATED, false, WORKING | BLOCKED, DUBAN__TASK_STATE__TASK_BLOCKED, 0},
    {DUBAN__EVENT__BODY_ESCALATED, true, ANY_STATE, STAYS, 0},
    {DUBAN__EVENT__BODY_REMINDED, false, NOT_DONE, STAYS, 0},
    {DUBAN__EVENT__BODY_ACCEPTED, false, SUBMITTED, DUBAN__TASK_STATE__TASK_DONE, 0},
    {DUBAN__EVENT__BODY_REJECTED, false, SUBMITTED, DUBAN__TASK_STATE__TASK_IN_PROGRESS, 0},
    {DUBAN__EVENT__BODY_REASSIGNED, false, NOT_DONE, DUBAN__TASK_STATE__TASK_ASSIGNED, 0},
    {DUBAN__EVENT__BODY_DEADLINE_WARNING, true, ANY_STATE, STAYS, 0},
    {DUBAN__EVENT__BODY_RESOLVED, false, ANY_STATE, STAYS, UNBLOCKS},
    /* A milestone is met while the work goes on: the task's state stays
     * (milestone.h decides about the milestone itself). */
    {DUBAN__EVENT__BODY_MILESTONE_REPORTED, false, WORKING | BLOCKED, STAYS, 0},
    {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, false, NOT_DONE, STAYS, 0},
    {DUBAN__EVENT__BODY_MILESTONE_RETURNED, false, NOT_DONE, STAYS, 0},
    {DUBAN__EVENT__BODY_REPORT_MISSED, true, ANY_STATE, STAYS, 0},
    /* 计划调整 (plan_change.h): the work's state stays; a done task's plan is history. */
    {DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED, false, NOT_DONE, STAYS, 0},
    {DUBAN__EVENT__BODY_PLAN_DATES_CHANGED, false, NOT_DONE, STAYS, 0},
    /* A lead unit's 催办, as a coordinator's (lead.h). */
    {DUBAN__EVENT__BODY_LEAD_REMINDED, false, NOT_DONE, STAYS, 0},
};

unsigned
dbn_task_state_bit(Duban__TaskState state)
{
  if (state < DUBAN__TASK_STATE__TASK_ASSIGNED || state > DUBAN__TASK_STATE__TASK_DONE)
    return 0;
  return 1u << (unsigned)state;
}

static const struct task_transition *
find_task_transition(Duban__Event__BodyCase event, bool automatic)
{
  for (size_t i = 0; i < sizeof task_transitions / sizeof task_transitions[0]; i++)
    if (task_transitions[i].event == event && task_transitions[i].automatic == automatic)
      return &task_transitions[i];
  return NULL;
}

unsigned
dbn_task_states_allowed(Duban__Event__BodyCase event, bool automatic)
{
  const struct task_transition *t = find_task_transition(event, automatic);
  return t ? t->from : 0;
}

/* "claimed or in_progress or blocked" for a set of states. */
static void
list_states(unsigned states, char *out, size_t out_len)
{
  out[0] = '\0';
  for (int s = DUBAN__TASK_STATE__TASK_ASSIGNED; s <= DUBAN__TASK_STATE__TASK_DONE; s++) {
    if (!(states & dbn_task_state_bit((Duban__TaskState)s)))
      continue;
    if (*out)
      strncat(out, " or ", out_len - strlen(out) - 1);
    strncat(out, dbn_wire_task_state_name((Duban__TaskState)s), out_len - strlen(out) - 1);
  }
}

static int
refuse(const Duban__Task *task, const struct task_transition *t, char *why, size_t why_len)
{
  const dbn_request_kind_t *kind = dbn_request_kind_of_event(t->event);
  const char *request = kind ? kind->name : dbn_wire_event_name(t->event);
  char allowed[160];
  list_states(t->from, allowed, sizeof allowed);
  if (!dbn_task_state_bit(task->state))
    snprintf(why, why_len, "task '%s' is in an unknown state (%d); %s needs it %s", task->id,
             (int)task->state, request, allowed);
  else if (task->state == DUBAN__TASK_STATE__TASK_BLOCKED)
    snprintf(why, why_len,
             "task '%s' is blocked by an open escalation; %s needs it %s (a coordinator resolves "
             "the escalation first)",
             task->id, request, allowed);
  else
    snprintf(why, why_len, "task '%s' is %s; %s needs it %s", task->id, dbn_wire_task_state_name(task->state),
             request, allowed);
  return DBN_ESTATE;
}

int
dbn_task_next_state(const Duban__Task *task, Duban__Event__BodyCase event, bool automatic,
                    uint32_t open_escalations, Duban__TaskState *next_p, char *why, size_t why_len)
{
  const struct task_transition *t = find_task_transition(event, automatic);
  if (!t) {
    snprintf(why, why_len, "%s does not act on a task", dbn_wire_event_name(event));
    return DBN_EINVAL;
  }
  /* A cancelled task takes nothing more, but an escalation still open on
   * it may be resolved (plan_change.h). */
  if (task->cancelled && !(t->flags & UNBLOCKS)) {
    snprintf(why, why_len, "任务 %s 已因计划调整撤销，不再办理", task->id);
    return DBN_ESTATE;
  }
  if (!(t->from & dbn_task_state_bit(task->state)))
    return refuse(task, t, why, why_len);
  bool blocked = task->state == DUBAN__TASK_STATE__TASK_BLOCKED;
  if ((t->flags & KEEPS_BLOCKED) && blocked)
    *next_p = task->state;
  else if (t->flags & UNBLOCKS)
    *next_p = blocked && open_escalations == 0 ? DUBAN__TASK_STATE__TASK_IN_PROGRESS : task->state;
  else
    *next_p = t->to == STAYS ? task->state : t->to;
  return 0;
}

int
dbn_escalation_next_state(const Duban__Escalation *escalation, Duban__Event__BodyCase event,
                          Duban__EscalationState *next_p, char *why, size_t why_len)
{
  unsigned long long id = (unsigned long long)escalation->id;
  Duban__EscalationState state = escalation->state;
  bool known = state >= DUBAN__ESCALATION_STATE__ESCALATION_OPEN &&
               state <= DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED;
  if (!known) {
    snprintf(why, why_len, "escalation %llu is in an unknown state (%d)", id, (int)state);
    return DBN_ESTATE;
  }
  switch (event) {
  case DUBAN__EVENT__BODY_ACKNOWLEDGED:
  case DUBAN__EVENT__BODY_RESOLVED:
    if (state == DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED) {
      snprintf(why, why_len, "escalation %llu is already resolved", id);
      return DBN_ESTATE;
    }
    if (event == DUBAN__EVENT__BODY_ACKNOWLEDGED && state != DUBAN__ESCALATION_STATE__ESCALATION_OPEN) {
      snprintf(why, why_len, "escalation %llu is already acknowledged; resolve it when it is cleared", id);
      return DBN_ESTATE;
    }
    *next_p = event == DUBAN__EVENT__BODY_RESOLVED ? DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED
                                                   : DUBAN__ESCALATION_STATE__ESCALATION_ACKNOWLEDGED;
    return 0;
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL:
    /* Only an escalation nobody has acknowledged rises. */
    if (state != DUBAN__ESCALATION_STATE__ESCALATION_OPEN) {
      snprintf(why, why_len, "escalation %llu is %s; only an open one rises a level", id,
               dbn_wire_escalation_state_name(state));
      return DBN_ESTATE;
    }
    *next_p = state;
    return 0;
  default:
    snprintf(why, why_len, "%s does not act on an escalation", dbn_wire_event_name(event));
    return DBN_EINVAL;
  }
}
