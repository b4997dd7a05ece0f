/* lead.c: see lead.h. */
#include "lead.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "string_list.h"

dbn_seen_as_t
dbn_lead_seen_as(const Duban__Task *task, const char *unit)
{
  if (!unit || !*unit)
    return DBN_SEEN_NONE;
  if (task->unit && strcmp(task->unit, unit) == 0)
    return DBN_SEEN_OWN;
  if (dbn_string_listed(task->lead, task->n_lead, unit))
    return DBN_SEEN_LEAD;
  if (dbn_string_listed(task->cooperating, task->n_cooperating, unit))
    return DBN_SEEN_COOPERATING;
  return DBN_SEEN_NONE;
}

static const struct {
  const char *name, *zh;
} seen_names[] = {
    [DBN_SEEN_NONE] = {"", ""},
    [DBN_SEEN_OWN] = {"own", "本单位"},
    [DBN_SEEN_LEAD] = {"lead", "牵头"},
    [DBN_SEEN_COOPERATING] = {"cooperating", "配合"},
};

const char *
dbn_lead_seen_as_name(dbn_seen_as_t seen)
{
  return (unsigned)seen < sizeof seen_names / sizeof seen_names[0] ? seen_names[seen].name : "";
}

const char *
dbn_lead_seen_as_zh(dbn_seen_as_t seen)
{
  return (unsigned)seen < sizeof seen_names / sizeof seen_names[0] ? seen_names[seen].zh : "";
}

dbn_seen_as_t
dbn_lead_seen_as_parse(const char *name)
{
  for (size_t i = 1; name && *name && i < sizeof seen_names / sizeof seen_names[0]; i++)
    if (strcmp(seen_names[i].name, name) == 0)
      return (dbn_seen_as_t)i;
  return DBN_SEEN_NONE;
}

bool
dbn_lead_reader_leads(const Duban__Task *task)
{
  dbn_seen_as_t seen = dbn_lead_seen_as_parse(task->seen_as);
  return seen == DBN_SEEN_LEAD ||
         (seen == DBN_SEEN_OWN && dbn_string_listed(task->lead, task->n_lead, task->unit));
}

bool
dbn_lead_may_read(const Duban__Task *task, const char *unit)
{
  return dbn_lead_seen_as(task, unit) != DBN_SEEN_NONE;
}

int
dbn_lead_check_remind(const Duban__Task *task, const char *unit, char *why, size_t why_len)
{
  dbn_seen_as_t seen = dbn_lead_seen_as(task, unit);
  if (seen == DBN_SEEN_LEAD)
    return 0;
  if (seen == DBN_SEEN_OWN)
    snprintf(why, why_len, "任务 %s 是本单位的任务；牵头催办是对措施内其他单位的任务", task->id);
  else
    snprintf(why, why_len, "单位 %s 不是任务 %s 所属措施的牵头单位，不能催办", unit, task->id);
  return DBN_EPERM;
}
