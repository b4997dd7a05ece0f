/* desk_task.c: the unit's tasks as the desk's pages read them; see
 * desk_task.h. */
#include "desk_task.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "display_name.h"
#include "figure.h"
#include "lead.h"
#include "milestone.h"
#include "pace.h"
#include "quantity.h"
#include "refusal.h"
#include "wire.h"

static const char *
state_zh(Duban__TaskState state)
{
  const char *zh = dbn_web_word_zh(dbn_wire_task_state_name(state));
  return zh ? zh : "未知";
}

/* The units a figure on target may be typed in: those of its dimension. */
static cJSON *
target_json(const Duban__Target *target, size_t index)
{
  cJSON *json = cJSON_CreateObject();
  cJSON_AddNumberToObject(json, "index", (double)index + 1);
  cJSON_AddStringToObject(json, "what", target->what);
  char amount[DBN_QUANTITY_FORMAT_LEN] = "";
  dbn_quantity_t q;
  char why[128];
  if (dbn_target_quantity(target, &q, why, sizeof why) == 0)
    dbn_quantity_format(&q, amount, sizeof amount);
  else
    snprintf(amount, sizeof amount, "%g%s", target->value, target->unit_of_measure);
  cJSON_AddStringToObject(json, "amount", amount);
  cJSON_AddStringToObject(json, "unit", target->unit_of_measure);
  cJSON *units = cJSON_AddArrayToObject(json, "units");
  const dbn_unit_t *own = dbn_unit_find(target->unit_of_measure);
  for (size_t i = 0; own && i < dbn_unit_count(); i++)
    if (dbn_unit_same_dimension(own, dbn_unit_at(i)))
      cJSON_AddItemToArray(units, cJSON_CreateString(dbn_unit_name(dbn_unit_at(i))));
  if (!own)
    cJSON_AddItemToArray(units, cJSON_CreateString(target->unit_of_measure));
  return json;
}

static const char *
next_due(const Duban__Task *task, int64_t now)
{
  const char *due = "";
  for (size_t i = 0; i < task->n_milestones; i++) {
    int64_t end;
    const char *date = task->milestones[i]->due;
    if (dbn_date_parse_end(date, &end) == 0 && end > now && (!due[0] || strcmp(date, due) < 0))
      due = date;
  }
  return due;
}

/* Each milestone with its state: 未完成, 待确认 (reported, awaiting a
 * coordinator) or 已确认 (domain/milestone.h). */
static cJSON *
milestones_json(const Duban__Task *task)
{
  cJSON *array = cJSON_CreateArray();
  for (size_t i = 0; i < task->n_milestones; i++) {
    const Duban__Milestone *milestone = task->milestones[i];
    bool met = dbn_milestone_is_met(task, milestone->due);
    bool reported = !met && dbn_milestone_is_reported(task, milestone->due);
    const char *state_zh = dbn_milestone_state_zh(task, milestone->due);
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "index", (double)i + 1);
    cJSON_AddStringToObject(json, "due", milestone->due);
    cJSON_AddStringToObject(json, "text", milestone->text);
    cJSON_AddStringToObject(json, "state", met ? "met" : reported ? "reported" : "open");
    cJSON_AddStringToObject(json, "state_zh", state_zh[0] ? state_zh : "未完成");
    cJSON_AddItemToArray(array, json);
  }
  return array;
}

/* The task's plan changes (计划调整), oldest first: what, why, who, when. */
static cJSON *
plan_changes_json(const Duban__Task *task, Duban__Unit *const *units, size_t n_units)
{
  cJSON *array = cJSON_CreateArray();
  for (size_t i = 0; i < task->n_plan_changes; i++) {
    const Duban__PlanChangeRecord *change = task->plan_changes[i];
    cJSON *json = dbn_desk_event_line_json(change->seq, change->time);
    cJSON_AddStringToObject(json, "actor", change->actor);
    char actor[256];
    cJSON_AddStringToObject(
        json, "actor_name",
        dbn_identity_display_name(change->actor, NULL, units, n_units, actor, sizeof actor));
    cJSON_AddStringToObject(json, "what", change->what);
    cJSON_AddStringToObject(json, "reason", change->reason);
    cJSON_AddItemToArray(array, json);
  }
  return array;
}

/* How the desk's unit stands to the task (domain/lead.h), and so what the
 * page offers: the owner's writes on its own live tasks only (the broker
 * refuses the rest), 催办 to a lead on its measure's others' tasks. */
/* codes[i] as "key" and their names as "key_names", in the same order. */
static void
add_units(cJSON *json, const char *key, char *const *codes, size_t n_codes, Duban__Unit *const *units,
          size_t n_units)
{
  char names_key[64];
  snprintf(names_key, sizeof names_key, "%s_names", key);
  cJSON *array = cJSON_AddArrayToObject(json, key);
  cJSON *names = cJSON_AddArrayToObject(json, names_key);
  for (size_t i = 0; i < n_codes; i++) {
    cJSON_AddItemToArray(array, cJSON_CreateString(codes[i]));
    cJSON_AddItemToArray(names, cJSON_CreateString(dbn_unit_display_name(units, n_units, codes[i])));
  }
}

static void
add_standing(cJSON *json, const Duban__Task *task, Duban__Unit *const *units, size_t n_units)
{
  dbn_seen_as_t seen = dbn_lead_seen_as_parse(task->seen_as);
  cJSON_AddStringToObject(json, "seen_as", task->seen_as);
  cJSON_AddStringToObject(json, "seen_as_zh", dbn_lead_seen_as_zh(seen));
  cJSON_AddBoolToObject(json, "cancelled", task->cancelled);
  cJSON_AddBoolToObject(json, "writable", seen == DBN_SEEN_OWN && !task->cancelled);
  cJSON_AddBoolToObject(json, "may_remind",
                        seen != DBN_SEEN_OWN && dbn_lead_reader_leads(task) && !task->cancelled);
  cJSON_AddStringToObject(json, "unit", task->unit);
  cJSON_AddStringToObject(json, "unit_name", dbn_unit_display_name(units, n_units, task->unit));
  add_units(json, "lead", task->lead, task->n_lead, units, n_units);
  add_units(json, "cooperating", task->cooperating, task->n_cooperating, units, n_units);
}

cJSON *
dbn_desk_task_json(const Duban__Task *task, int64_t now, Duban__Unit *const *units, size_t n_units)
{
  cJSON *json = cJSON_CreateObject();
  char label[128];
  snprintf(label, sizeof label, "%s.%s.%s", task->section, task->measure, task->number);
  cJSON_AddStringToObject(json, "id", task->id);
  cJSON_AddStringToObject(json, "number", label);
  cJSON_AddStringToObject(json, "text", task->text);
  cJSON_AddStringToObject(json, "state", dbn_wire_task_state_name(task->state));
  cJSON_AddStringToObject(json, "state_zh", task->cancelled ? "已撤销" : state_zh(task->state));
  add_standing(json, task, units, n_units);
  cJSON_AddNumberToObject(json, "percent", task->percent);
  dbn_colour_t colour = dbn_task_colour(task, dbn_task_pace_start(task), now, NULL, NULL);
  cJSON_AddStringToObject(json, "colour", dbn_colour_name(colour));
  cJSON_AddStringToObject(json, "colour_zh", dbn_colour_name_zh(colour));
  cJSON_AddStringToObject(json, "next_due", next_due(task, now));
  cJSON_AddBoolToObject(json, "overdue", task->overdue);
  cJSON_AddStringToObject(json, "note", task->note);
  cJSON_AddItemToObject(json, "milestones", milestones_json(task));
  cJSON_AddItemToObject(json, "plan_changes", plan_changes_json(task, units, n_units));
  cJSON *targets = cJSON_AddArrayToObject(json, "targets");
  for (size_t i = 0; i < task->n_targets; i++)
    cJSON_AddItemToArray(targets, target_json(task->targets[i], i));
  cJSON *figures = cJSON_AddArrayToObject(json, "figures");
  for (size_t i = 0; i < task->n_figures; i++) {
    char against[DBN_QUANTITY_AGAINST_LEN];
    dbn_figure_format(task->figures[i], dbn_figure_target(task, task->figures[i]), against, sizeof against);
    cJSON *figure = cJSON_CreateObject();
    cJSON_AddStringToObject(figure, "what", task->figures[i]->what);
    cJSON_AddStringToObject(figure, "against", against);
    cJSON_AddItemToArray(figures, figure);
  }
  return json;
}

static bool
same_measure(const Duban__Task *a, const Duban__Task *b)
{
  return strcmp(a->plan, b->plan) == 0 && strcmp(a->section, b->section) == 0 &&
         strcmp(a->measure, b->measure) == 0;
}

/* One measure the unit leads, first seen at tasks[first]: the roll-up of
 * its tasks' colours (pace.h, the worst) and how many of each. */
static cJSON *
measure_rollup_json(const Duban__Reply *reply, size_t first, dbn_colour_t *colours)
{
  const Duban__Task *lead_task = reply->tasks[first];
  int counts[DBN_COLOUR_COUNT] = {0};
  size_t count = 0;
  for (size_t k = 0; k < reply->n_tasks; k++) /* a cancelled task no longer counts (plan change) */
    if (same_measure(reply->tasks[k], lead_task) && !reply->tasks[k]->cancelled) {
      colours[count] =
          dbn_task_colour(reply->tasks[k], dbn_task_pace_start(reply->tasks[k]), reply->now, NULL, NULL);
      counts[colours[count++] % DBN_COLOUR_COUNT]++;
    }
  dbn_colour_t rollup = dbn_colour_rollup(colours, count);
  char measure[96];
  snprintf(measure, sizeof measure, "%s.%s", lead_task->section, lead_task->measure);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "measure", measure);
  cJSON_AddStringToObject(json, "text", lead_task->measure_text);
  /* A measure whose tasks were all cancelled has no colour, not green. */
  cJSON_AddStringToObject(json, "colour", count ? dbn_colour_name(rollup) : "none");
  cJSON_AddStringToObject(json, "colour_zh", count ? dbn_colour_name_zh(rollup) : "无在办任务");
  cJSON_AddNumberToObject(json, "tasks", (double)count);
  cJSON_AddNumberToObject(json, "green", counts[DBN_COLOUR_GREEN]);
  cJSON_AddNumberToObject(json, "blue", counts[DBN_COLOUR_BLUE]);
  cJSON_AddNumberToObject(json, "yellow", counts[DBN_COLOUR_YELLOW]);
  cJSON_AddNumberToObject(json, "red", counts[DBN_COLOUR_RED]);
  return json;
}

/* The measures the unit leads (牵头), one roll-up each, in list order. */
cJSON *
dbn_desk_lead_measures_json(const Duban__Reply *reply)
{
  cJSON *array = cJSON_CreateArray();
  dbn_colour_t *colours = calloc(reply->n_tasks ? reply->n_tasks : 1, sizeof *colours);
  for (size_t i = 0; colours && i < reply->n_tasks; i++) {
    if (!dbn_lead_reader_leads(reply->tasks[i]))
      continue;
    bool seen = false; /* the measure's first task the unit leads adds it */
    for (size_t k = 0; k < i && !seen; k++)
      seen = same_measure(reply->tasks[k], reply->tasks[i]) && dbn_lead_reader_leads(reply->tasks[k]);
    if (!seen)
      cJSON_AddItemToArray(array, measure_rollup_json(reply, i, colours));
  }
  free(colours);
  return array;
}

cJSON *
dbn_desk_event_line_json(uint64_t seq, int64_t time)
{
  char when[24];
  dbn_time_format_minute(time, when);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddNumberToObject(json, "seq", (double)seq);
  cJSON_AddStringToObject(json, "time", when);
  return json;
}
