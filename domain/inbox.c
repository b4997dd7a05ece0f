/* inbox.c: see inbox.h. */
#include "inbox.h"

#include <stdio.h>
#include <string.h>

#include "event_subject.h"
#include "wire.h"

/* The note a coordinator wrote with the event, or NULL for none. */
static const char *
coordinator_text(const Duban__Event *event)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_REMINDED: return event->reminded->note;
  case DUBAN__EVENT__BODY_REJECTED: return event->rejected->reason;
  case DUBAN__EVENT__BODY_ACCEPTED: return event->accepted->note;
  case DUBAN__EVENT__BODY_REASSIGNED: return event->reassigned->reason;
  case DUBAN__EVENT__BODY_ACKNOWLEDGED: return event->acknowledged->note;
  case DUBAN__EVENT__BODY_RESOLVED: return event->resolved->note;
  default: return NULL;
  }
}

/* What the broker's own events say, in the words of the plan's office. */
static bool
system_text(const Duban__Event *event, char *text_buf, size_t text_len)
{
  if (event->body_case == DUBAN__EVENT__BODY_DEADLINE_WARNING) {
    const Duban__DeadlineWarning *warning = event->deadline_warning;
    bool red = strcmp(warning->level, "red") == 0;
    snprintf(text_buf, text_len, red ? "节点 %s 已逾期" : "节点 %s 即将到期", warning->due);
    return true;
  }
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATION_LEVEL) {
    const Duban__EscalationLevel *level = event->escalation_level;
    if (level->name && *level->name)
      snprintf(text_buf, text_len, "督办升级为%s", level->name);
    else
      snprintf(text_buf, text_len, "督办升至第 %u 级", level->level + 1);
    return true;
  }
  return false;
}

bool
dbn_inbox_item_of(const Duban__Event *event, Duban__InboxItem *item, char *text_buf, size_t text_len)
{
  const char *text = coordinator_text(event);
  if (!text) {
    if (!system_text(event, text_buf, text_len))
      return false;
    text = text_buf;
  }
  duban__inbox_item__init(item);
  item->seq = event->seq;
  item->time = event->time;
  item->kind = (char *)dbn_wire_event_name(event->body_case);
  const char *task = dbn_event_task(event);
  item->task = (char *)(task ? task : "");
  item->from = event->actor ? event->actor : "";
  item->text = (char *)text;
  item->escalation = dbn_event_escalation(event);
  return true;
}
