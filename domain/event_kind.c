/* event_kind.c: the Chinese names of the event kinds; see event_kind.h. */
#include "event_kind.h"

#include <stddef.h>
#include <string.h>

#include "wire.h"

/* One row per kind of Event.body. The names follow what the desk and the
 * supervision offices call each step (签收, 办结, 催办, 改派, 漏报); an
 * escalation is 发起督办 whether a department asked for help or the
 * deadline monitor raised it. A kind added to proto/duban.proto needs its
 * row here: test_event_kind fails until it has one. */
static const struct {
  Duban__Event__BodyCase body;
  const char *zh;
} event_kinds[] = {
    {DUBAN__EVENT__BODY_PLAN_LOADED, "导入计划"},
    {DUBAN__EVENT__BODY_CLAIMED, "认领任务"},
    {DUBAN__EVENT__BODY_PROGRESS, "填报进度"},
    {DUBAN__EVENT__BODY_SUBMITTED, "报结"},
    {DUBAN__EVENT__BODY_ESCALATED, "发起督办"},
    {DUBAN__EVENT__BODY_ACKNOWLEDGED, "签收督办"},
    {DUBAN__EVENT__BODY_RESOLVED, "督办办结"},
    {DUBAN__EVENT__BODY_REMINDED, "催办"},
    {DUBAN__EVENT__BODY_ACCEPTED, "确认办结"},
    {DUBAN__EVENT__BODY_REJECTED, "退回"},
    {DUBAN__EVENT__BODY_REASSIGNED, "改派"},
    {DUBAN__EVENT__BODY_CLOCK_ADVANCED, "时钟前进"},
    {DUBAN__EVENT__BODY_DEADLINE_WARNING, "期限预警"},
    {DUBAN__EVENT__BODY_ESCALATION_LEVEL, "督办升级"},
    {DUBAN__EVENT__BODY_INBOX_READ, "已读消息"},
    {DUBAN__EVENT__BODY_SCORING_RULES_LOADED, "导入考核规则"},
    {DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED, "登记签名密钥"},
    {DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED, "吊销签名密钥"},
    {DUBAN__EVENT__BODY_MILESTONE_REPORTED, "报节点达成"},
    {DUBAN__EVENT__BODY_MILESTONE_CONFIRMED, "确认节点"},
    {DUBAN__EVENT__BODY_MILESTONE_RETURNED, "退回节点"},
    {DUBAN__EVENT__BODY_REPORT_MISSED, "漏报"},
    {DUBAN__EVENT__BODY_PLAN_TASK_ADDED, "新增任务"},
    {DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED, "取消任务"},
    {DUBAN__EVENT__BODY_PLAN_DATES_CHANGED, "调整期限"},
    {DUBAN__EVENT__BODY_LEAD_REMINDED, "牵头单位催办"},
};

enum { N_EVENT_KINDS = sizeof event_kinds / sizeof event_kinds[0] };

const char *
dbn_event_kind_zh(Duban__Event__BodyCase body)
{
  for (size_t i = 0; i < N_EVENT_KINDS; i++)
    if (event_kinds[i].body == body)
      return event_kinds[i].zh;
  return NULL;
}

const char *
dbn_event_kind_zh_of_code(const char *code)
{
  if (!code)
    return NULL;
  for (size_t i = 0; i < N_EVENT_KINDS; i++)
    if (strcmp(dbn_wire_event_name(event_kinds[i].body), code) == 0)
      return event_kinds[i].zh;
  return NULL;
}

const char *
dbn_event_kind_display(Duban__Event__BodyCase body, int english)
{
  const char *zh = english ? NULL : dbn_event_kind_zh(body);
  return zh ? zh : dbn_wire_event_name(body);
}
