/* event_subject.h: what an event is about, read off its body.
 *
 * An event names either a task (a claim, a report, a reminder, a deadline
 * warning...) or an escalation (an acknowledgement, a resolution, a level
 * rise), or neither (a plan, the clock, the scoring rules, an inbox read).
 * The store's apply, the broker's watch filter and the notifier all need
 * this, so the one table of which body names what lives here: a new event
 * kind is added to it once. */
#ifndef DUBAN_EVENT_SUBJECT_H
#define DUBAN_EVENT_SUBJECT_H

#include <stdint.h>

#include "duban.pb-c.h"

/* The task the event names directly, or NULL (an escalation's events name
 * the escalation; read its task from the escalation's view). */
const char *dbn_event_task(const Duban__Event *event);

/* The escalation the event names (an acknowledgement, a resolution, a level
 * rise), or 0. An escalation is named by the seq of the event that raised
 * it, so 0 is never one. */
uint64_t dbn_event_escalation(const Duban__Event *event);

#endif
