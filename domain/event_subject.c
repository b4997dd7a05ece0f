/* event_subject.c: see event_subject.h. */
#include "event_subject.h"

#include <stddef.h>

const char *
dbn_event_task(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_CLAIMED: return event->claimed->task;
  case DUBAN__EVENT__BODY_PROGRESS: return event->progress->task;
  case DUBAN__EVENT__BODY_SUBMITTED: return event->submitted->task;
  case DUBAN__EVENT__BODY_ESCALATED: return event->escalated->task;
  case DUBAN__EVENT__BODY_REMINDED: return event->reminded->task;
  case DUBAN__EVENT__BODY_ACCEPTED: return event->accepted->task;
  case DUBAN__EVENT__BODY_REJECTED: return event->rejected->task;
  case DUBAN__EVENT__BODY_REASSIGNED: return event->reassigned->task;
  case DUBAN__EVENT__BODY_DEADLINE_WARNING: return event->deadline_warning->task;
  case DUBAN__EVENT__BODY_MILESTONE_REPORTED: return event->milestone_reported->task;
  case DUBAN__EVENT__BODY_MILESTONE_CONFIRMED: return event->milestone_confirmed->task;
  case DUBAN__EVENT__BODY_MILESTONE_RETURNED: return event->milestone_returned->task;
  case DUBAN__EVENT__BODY_REPORT_MISSED: return event->report_missed->task;
  case DUBAN__EVENT__BODY_PLAN_TASK_ADDED: return event->plan_task_added->new_task;
  case DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED: return event->plan_task_cancelled->task;
  case DUBAN__EVENT__BODY_PLAN_DATES_CHANGED: return event->plan_dates_changed->task;
  case DUBAN__EVENT__BODY_LEAD_REMINDED: return event->lead_reminded->task;
  default: return NULL;
  }
}

uint64_t
dbn_event_escalation(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_ACKNOWLEDGED: return event->acknowledged->escalation;
  case DUBAN__EVENT__BODY_RESOLVED: return event->resolved->escalation;
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: return event->escalation_level->escalation;
  default: return 0;
  }
}
