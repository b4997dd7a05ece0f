/* report_json.c: dbn_report_json (report.h), the report as the board and
 * `duban audit report --json` read it. Field names are English and stable
 * for scripts; colours are pace.h's English names. */
#include <stdio.h>

#include "report.h"

static void
add_time(cJSON *object, const char *name, int64_t t)
{
  char day[16];
  cJSON_AddNumberToObject(object, name, (double)t);
  if (t <= 0)
    return;
  char local_name[64];
  snprintf(local_name, sizeof local_name, "%s_local", name);
  dbn_report_local_date(t, day);
  cJSON_AddStringToObject(object, local_name, day);
}

static cJSON *
rules_json(const dbn_report_t *report)
{
  const dbn_scoring_rules_t *rules = &report->rules;
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "version", rules->version);
  cJSON_AddBoolToObject(json, "loaded", report->rules_loaded);
  add_time(json, "effective", rules->effective);
  cJSON_AddStringToObject(json, "note", report->rules_note);
  /* Every weight under its rules-file key, from the domain's one list. */
  for (size_t i = 0; dbn_scoring_weight_key(i); i++)
    cJSON_AddNumberToObject(json, dbn_scoring_weight_key(i), dbn_scoring_weight(rules, i));
  return json;
}

static cJSON *
colour_counts_json(const unsigned counts[DBN_COLOUR_COUNT])
{
  cJSON *json = cJSON_CreateObject();
  for (int c = 0; c < DBN_COLOUR_COUNT; c++)
    cJSON_AddNumberToObject(json, dbn_colour_name((dbn_colour_t)c), counts[c]);
  return json;
}

static cJSON *
unit_json(const dbn_report_unit_t *unit)
{
  const dbn_score_t *score = &unit->score;
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "code", unit->code);
  cJSON_AddStringToObject(json, "name", unit->name);
  cJSON_AddNumberToObject(json, "rank", score->rank);
  cJSON_AddNumberToObject(json, "total", score->total);
  cJSON_AddStringToObject(json, "colour", dbn_colour_name(score->colour));
  cJSON_AddItemToObject(json, "colours", colour_counts_json(unit->colours));
  cJSON_AddNumberToObject(json, "tasks", score->tasks);
  cJSON_AddNumberToObject(json, "base", score->base);
  cJSON_AddNumberToObject(json, "done_on_time", score->done_on_time);
  cJSON_AddNumberToObject(json, "done_on_time_points", score->done_on_time_points);
  cJSON_AddNumberToObject(json, "done_late", score->done_late);
  cJSON_AddNumberToObject(json, "done_late_points", score->done_late_points);
  cJSON_AddNumberToObject(json, "overdue_tasks", score->overdue_tasks);
  cJSON_AddNumberToObject(json, "overdue_days", (double)score->overdue_days);
  cJSON_AddNumberToObject(json, "overdue_points", score->overdue_points);
  cJSON_AddNumberToObject(json, "behind_pace", score->behind_pace);
  cJSON_AddNumberToObject(json, "behind_pace_points", score->behind_pace_points);
  cJSON_AddNumberToObject(json, "own_escalations", score->own_escalations);
  cJSON_AddNumberToObject(json, "own_escalation_points", score->own_escalation_points);
  cJSON_AddNumberToObject(json, "automatic_escalations", score->automatic_escalations);
  cJSON_AddNumberToObject(json, "automatic_escalation_points", score->automatic_escalation_points);
  cJSON_AddNumberToObject(json, "reminders", (double)score->reminders);
  cJSON_AddNumberToObject(json, "reminder_points", score->reminder_points);
  cJSON_AddNumberToObject(json, "missed_reports", score->missed_reports);
  cJSON_AddNumberToObject(json, "missed_report_points", score->missed_report_points);
  cJSON_AddNumberToObject(json, "confirmed_milestones", score->confirmed_milestones);
  cJSON_AddNumberToObject(json, "confirmed_milestone_points", score->confirmed_milestone_points);
  /* The scorecard's counts, as `audit report --json` printed them before
   * there were scores. */
  const dbn_scorecard_t *card = &unit->card;
  cJSON_AddNumberToObject(json, "assigned", card->assigned);
  cJSON_AddNumberToObject(json, "working", card->working);
  cJSON_AddNumberToObject(json, "blocked", card->blocked);
  cJSON_AddNumberToObject(json, "submitted", card->submitted);
  cJSON_AddNumberToObject(json, "done", card->done);
  cJSON_AddNumberToObject(json, "overdue", card->overdue);
  cJSON_AddNumberToObject(json, "average_percent", card->average_percent);
  cJSON_AddNumberToObject(json, "escalations", card->escalations);
  return json;
}

static cJSON *
lines_json(char *const *lines, size_t count)
{
  cJSON *json = cJSON_CreateArray();
  for (size_t i = 0; i < count; i++)
    cJSON_AddItemToArray(json, cJSON_CreateString(lines[i]));
  return json;
}

static cJSON *
task_json(const dbn_report_task_t *line)
{
  const Duban__Task *task = line->task;
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "id", task->id);
  cJSON_AddStringToObject(json, "unit", task->unit ? task->unit : "");
  cJSON_AddStringToObject(json, "text", task->text ? task->text : "");
  cJSON_AddStringToObject(json, "colour", dbn_colour_name(line->colour));
  cJSON_AddNumberToObject(json, "state", task->state);
  cJSON_AddNumberToObject(json, "percent", task->percent);
  cJSON_AddNumberToObject(json, "expected_percent", line->pace.expected_percent);
  cJSON_AddBoolToObject(json, "behind_pace", line->pace.behind_pace);
  cJSON_AddNumberToObject(json, "days_overdue", line->pace.days_overdue);
  char due[16] = "";
  if (line->pace.next_due)
    dbn_report_due_date(line->pace.next_due, due);
  cJSON_AddStringToObject(json, "next_due", due);
  cJSON_AddItemToObject(json, "figures", lines_json(line->figures, line->n_figures));
  cJSON_AddItemToObject(json, "targets", lines_json(line->targets, line->n_targets));
  /* Only when it is: the report of a log without plan changes stays the same. */
  if (task->cancelled) /* by a plan change (计划调整): not scored */
    cJSON_AddBoolToObject(json, "cancelled", true);
  return json;
}

static cJSON *
overdue_json(const dbn_report_t *report, const dbn_report_overdue_t *line)
{
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "task", report->tasks[line->task].task->id);
  cJSON_AddStringToObject(json, "unit", report->units[line->unit].code);
  cJSON_AddStringToObject(json, "name", report->units[line->unit].name);
  cJSON_AddNumberToObject(json, "days_late", line->days_late);
  char due[16];
  dbn_report_due_date(line->due_end, due);
  cJSON_AddStringToObject(json, "due", due);
  cJSON_AddNumberToObject(json, "due_end", (double)line->due_end);
  return json;
}

static cJSON *
escalation_json(const dbn_report_t *report, const dbn_report_escalation_t *esc)
{
  cJSON *json = cJSON_CreateObject();
  cJSON_AddNumberToObject(json, "id", (double)esc->id);
  cJSON_AddStringToObject(json, "task", esc->task_id);
  cJSON_AddStringToObject(json, "unit", esc->unit < report->n_units ? report->units[esc->unit].code : "");
  cJSON_AddBoolToObject(json, "automatic", esc->automatic);
  cJSON_AddBoolToObject(json, "open", esc->open);
  cJSON_AddStringToObject(json, "category", esc->category);
  cJSON_AddStringToObject(json, "level_name", esc->level_name);
  add_time(json, "raised_at", esc->raised_at);
  return json;
}

static cJSON *
month_json(const dbn_report_t *report, const dbn_report_month_t *month)
{
  char name[16];
  snprintf(name, sizeof name, "%04d-%02d", month->year, month->month);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "month", name);
  cJSON_AddNumberToObject(json, "end", (double)month->end);
  cJSON *colours = cJSON_AddObjectToObject(json, "colours");
  for (size_t u = 0; colours && u < report->n_units; u++)
    cJSON_AddStringToObject(colours, report->units[u].code, dbn_colour_name(month->colours[u]));
  return json;
}

static cJSON *
verify_json(const dbn_report_t *report)
{
  if (!report->verified)
    return cJSON_CreateNull();
  cJSON *json = cJSON_CreateObject();
  cJSON_AddBoolToObject(json, "ok", report->verify_ok);
  cJSON_AddNumberToObject(json, "events", (double)report->verify.events);
  cJSON_AddNumberToObject(json, "first_bad_seq", (double)report->verify.first_bad_seq);
  cJSON_AddStringToObject(json, "problem", report->verify.problem);
  return json;
}

/* cJSON's adders ignore a NULL parent or item, so an allocation that
 * failed leaves a hole; the tree is checked once at the end. */
cJSON *
dbn_report_json(const dbn_report_t *report)
{
  cJSON *json = cJSON_CreateObject();
  if (!json)
    return NULL;
  add_time(json, "at", report->at);
  cJSON_AddNumberToObject(json, "head_seq", (double)report->head_seq);
  cJSON_AddStringToObject(json, "head_hash", report->head_hash);
  cJSON_AddNumberToObject(json, "log_head_seq", (double)report->log_head_seq);
  cJSON_AddItemToObject(json, "rules", rules_json(report));
  cJSON_AddNumberToObject(json, "own_escalations", report->own_escalations);
  cJSON_AddNumberToObject(json, "automatic_escalations", report->automatic_escalations);
  cJSON *units = cJSON_AddArrayToObject(json, "units");
  for (size_t u = 0; units && u < report->n_units; u++)
    cJSON_AddItemToArray(units, unit_json(&report->units[u]));
  cJSON *tasks = cJSON_AddArrayToObject(json, "tasks");
  for (size_t t = 0; tasks && t < report->n_tasks; t++)
    cJSON_AddItemToArray(tasks, task_json(&report->tasks[t]));
  cJSON *overdue = cJSON_AddArrayToObject(json, "overdue");
  for (size_t i = 0; overdue && i < report->n_overdue; i++)
    cJSON_AddItemToArray(overdue, overdue_json(report, &report->overdue[i]));
  cJSON *escalations = cJSON_AddArrayToObject(json, "escalations");
  for (size_t e = 0; escalations && e < report->n_escalations; e++)
    cJSON_AddItemToArray(escalations, escalation_json(report, &report->escalations[e]));
  cJSON *months = cJSON_AddArrayToObject(json, "months");
  for (size_t m = 0; months && m < report->n_months; m++)
    cJSON_AddItemToArray(months, month_json(report, &report->months[m]));
  cJSON_AddItemToObject(json, "verify", verify_json(report));
  if (!units || !tasks || !overdue || !escalations || !months || !cJSON_GetObjectItem(json, "verify")) {
    cJSON_Delete(json);
    return NULL;
  }
  return json;
}
