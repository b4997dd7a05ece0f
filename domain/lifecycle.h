/* lifecycle.h: the task and escalation state machines, once.
 *
 * Task states: assigned -> claimed -> in_progress <-> blocked -> submitted
 * -> done, with submitted -> in_progress when a coordinator rejects and any
 * state but done -> assigned on a reassignment. Escalations: open ->
 * acknowledged -> resolved. Both are keyed by the event that happens to the
 * task or escalation, because that is what the store applies, on a live
 * append and on verify's replay alike; the broker asks the same question
 * with the event a request would produce before it writes anything. So the
 * state a check allows and the state the store writes cannot disagree.
 *
 * automatic marks the events the broker raises itself (actor "system"):
 * deadline warnings and the escalations they open, which inform
 * coordinators without moving the task. Pure functions: no I/O. */
#ifndef DUBAN_LIFECYCLE_H
#define DUBAN_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"

/* A set of task states, one bit each; 0 for a value outside the enum, so
 * a state read from a damaged file is never in any set. */
unsigned dbn_task_state_bit(Duban__TaskState state);

/* The task states event may happen in (0: it does not act on a task). */
unsigned dbn_task_states_allowed(Duban__Event__BodyCase event, bool automatic);

/* The state task is in after event happens to it. open_escalations is the
 * number of departments' escalations still open on the task once the event
 * is counted (a resolution unblocks a task only when it was the last).
 * DBN_ESTATE with a message a person can act on in why when the event may
 * not happen in the task's state; DBN_EINVAL for an event that does not
 * act on a task. */
int dbn_task_next_state(const Duban__Task *task, Duban__Event__BodyCase event, bool automatic,
                        uint32_t open_escalations, Duban__TaskState *next_p, char *why, size_t why_len);

/* The state escalation is in after event (acknowledged, resolved, or an
 * SLA level) happens to it; DBN_ESTATE with a message when it may not. */
int dbn_escalation_next_state(const Duban__Escalation *escalation, Duban__Event__BodyCase event,
                              Duban__EscalationState *next_p, char *why, size_t why_len);

#endif
