/* inbox.c: see inbox.h. */
#include "inbox.h"

#include <stdio.h>
#include <string.h>

#include "event_subject.h"
#include "plan_change.h"
#include "report_cycle.h"
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
  case DUBAN__EVENT__BODY_MILESTONE_RETURNED: return event->milestone_returned->reason;
  case DUBAN__EVENT__BODY_LEAD_REMINDED: return event->lead_reminded->note;
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
  if (event->body_case == DUBAN__EVENT__BODY_MILESTONE_CONFIRMED) {
    const Duban__MilestoneConfirm *confirm = event->milestone_confirmed;
    snprintf(text_buf, text_len, "节点 %s 已确认达成%s%s", confirm->due, *confirm->note ? "：" : "",
             confirm->note);
    return true;
  }
  if (event->body_case == DUBAN__EVENT__BODY_REPORT_MISSED) {
    const Duban__ReportMissed *missed = event->report_missed;
    dbn_report_cycle_t cycle;
    const char *name =
        dbn_report_cycle_parse(missed->cycle, &cycle) == 0 ? dbn_report_cycle_name_zh(cycle) : "";
    snprintf(text_buf, text_len, "截至 %s 的%s未报送进展", missed->period_end, *name ? name : "定期报告");
    return true;
  }
  if (dbn_plan_change_is_event(event->body_case)) {
    dbn_plan_change_inbox_text(event, text_buf, text_len);
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

const char *
dbn_inbox_kind_zh(const char *kind)
{
  static const struct {
    const char *kind, *zh;
  } names[] = {
      {"reminded", "催办"},
      {"rejected", "退回"},
      {"accepted", "验收通过"},
      {"reassigned", "改派"},
      {"acknowledged", "已受理"},
      {"resolved", "已解决"},
      {"deadline_warning", "期限预警"},
      {"escalation_level", "督办升级"},
      {"milestone_confirmed", "节点确认"},
      {"milestone_returned", "节点退回"},
      {"report_missed", "漏报提醒"},
      {"plan_task_added", "新增任务"},
      {"plan_task_cancelled", "任务撤销"},
      {"plan_dates_changed", "节点调整"},
      {"lead_reminded", "牵头催办"},
  };
  for (size_t i = 0; kind && i < sizeof names / sizeof names[0]; i++)
    if (strcmp(kind, names[i].kind) == 0)
      return names[i].zh;
  return kind ? kind : "";
}
