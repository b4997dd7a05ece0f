/* plan_diff.c: see plan_diff.h.
 *
 * Both plans are flattened into lists of tasks (section.measure.action
 * number, text, owner, due dates, targets). Pairing goes in two rounds:
 * first equal texts (so an inserted task does not make every later one
 * "changed" merely because its number moved), then equal numbers among
 * what is left (the same task, reworded). Unpaired old tasks are
 * cancelled, unpaired new ones added. A pair whose owner, dates, targets
 * or text differ gives one change per aspect, each an operation the
 * plan-change events know: amend_task (text, owner, targets), redate_task
 * (milestones), renumber_task (the document's number moved; the id stays). */
#include "plan_diff.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const cJSON *action;  /* in its plan */
  const cJSON *measure; /* the action's measure */
  char number[64];      /* section.measure.action */
  const char *id, *text, *unit;
  char *dues;    /* "2023-12-31,2025-12-31" (inherited ones marked *) */
  char *targets; /* the targets array, printed */
  int pair;      /* index of the paired task in the other list, or -1 */
} diff_task_t;

typedef struct {
  diff_task_t *tasks;
  size_t count;
  const char *plan_id;
} task_list_t;

static const char *
string_of(const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
  return cJSON_IsString(item) ? item->valuestring : "";
}

static char *
dues_of(const cJSON *action)
{
  size_t capacity = 16, length = 0;
  char *dues = calloc(1, capacity);
  const cJSON *milestone;
  cJSON_ArrayForEach(milestone, cJSON_GetObjectItemCaseSensitive(action, "milestones"))
  {
    const char *due = string_of(milestone, "due");
    bool inherited = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(milestone, "inherited"));
    if (!dues || length + strlen(due) + 3 > capacity) {
      capacity = (length + strlen(due) + 3) * 2;
      char *bigger = dues ? realloc(dues, capacity) : NULL;
      if (!bigger) {
        free(dues);
        return NULL;
      }
      dues = bigger;
    }
    length += (size_t)snprintf(dues + length, capacity - length, "%s%s%s", length ? "," : "", due,
                               inherited ? "*" : "");
  }
  return dues;
}

static bool
add_task(task_list_t *list, size_t *capacity, const cJSON *section, const cJSON *measure, const cJSON *action)
{
  if (list->count == *capacity) {
    *capacity = *capacity ? *capacity * 2 : 64;
    diff_task_t *bigger = realloc(list->tasks, *capacity * sizeof *bigger);
    if (!bigger)
      return false;
    list->tasks = bigger;
  }
  diff_task_t *task = &list->tasks[list->count];
  memset(task, 0, sizeof *task);
  task->action = action;
  task->measure = measure;
  snprintf(task->number, sizeof task->number, "%s.%s.%s", string_of(section, "number"),
           string_of(measure, "number"), string_of(action, "number"));
  task->id = string_of(action, "id");
  task->text = string_of(action, "text");
  task->unit = string_of(action, "unit");
  task->dues = dues_of(action);
  const cJSON *targets = cJSON_GetObjectItemCaseSensitive(action, "targets");
  task->targets = targets ? cJSON_PrintUnformatted(targets) : strdup("[]");
  task->pair = -1;
  list->count++;
  return task->dues && task->targets;
}

static bool
flatten(const cJSON *plan, task_list_t *list)
{
  size_t capacity = 0;
  const cJSON *section, *measure, *action;
  list->plan_id = string_of(plan, "id");
  cJSON_ArrayForEach(section, cJSON_GetObjectItemCaseSensitive(plan, "sections"))
  {
    cJSON_ArrayForEach(measure, cJSON_GetObjectItemCaseSensitive(section, "measures"))
    {
      cJSON_ArrayForEach(action, cJSON_GetObjectItemCaseSensitive(measure, "actions"))
      {
        if (!add_task(list, &capacity, section, measure, action))
          return false;
      }
    }
  }
  return true;
}

static void
list_free(task_list_t *list)
{
  for (size_t i = 0; i < list->count; i++) {
    free(list->tasks[i].dues);
    cJSON_free(list->tasks[i].targets);
  }
  free(list->tasks);
}

/* Round 1 pairs equal texts, round 2 equal numbers, among the unpaired. */
static void
pair_tasks(task_list_t *old_list, task_list_t *new_list, bool by_text)
{
  for (size_t i = 0; i < old_list->count; i++) {
    diff_task_t *old_task = &old_list->tasks[i];
    for (size_t k = 0; k < new_list->count && old_task->pair < 0; k++) {
      diff_task_t *new_task = &new_list->tasks[k];
      if (new_task->pair >= 0)
        continue;
      if (by_text ? strcmp(old_task->text, new_task->text) == 0
                  : strcmp(old_task->number, new_task->number) == 0) {
        old_task->pair = (int)k;
        new_task->pair = (int)i;
      }
    }
  }
}

/* ---- the changes as JSON ----------------------------------------------------------- */

static cJSON *
change(cJSON *changes, const char *op, const char *task, const char *number, const char *reason)
{
  cJSON *entry = cJSON_CreateObject();
  cJSON_AddItemToArray(changes, entry);
  cJSON_AddStringToObject(entry, "op", op);
  cJSON_AddStringToObject(entry, "task", task);
  cJSON_AddStringToObject(entry, "number", number);
  cJSON_AddStringToObject(entry, "reason", reason);
  return entry;
}

static void
old_new(cJSON *fields, const char *field, cJSON *old_value, cJSON *new_value)
{
  cJSON *pair = cJSON_AddObjectToObject(fields, field);
  cJSON_AddItemToObject(pair, "old", old_value);
  cJSON_AddItemToObject(pair, "new", new_value);
}

static cJSON *
copy_of(const cJSON *action, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(action, key);
  return item ? cJSON_Duplicate(item, true) : cJSON_CreateArray();
}

/* The changes of one pair: amend (text, owner, targets), redate, renumber. */
static int
pair_changes(cJSON *changes, const diff_task_t *old_task, const diff_task_t *new_task, const char *reason)
{
  int count = 0;
  bool text = strcmp(old_task->text, new_task->text) != 0, unit = strcmp(old_task->unit, new_task->unit) != 0;
  bool targets = strcmp(old_task->targets, new_task->targets) != 0;
  if (text || unit || targets) {
    cJSON *fields = cJSON_AddObjectToObject(
        change(changes, "amend_task", old_task->id, new_task->number, reason), "fields");
    if (text)
      old_new(fields, "text", cJSON_CreateString(old_task->text), cJSON_CreateString(new_task->text));
    if (unit)
      old_new(fields, "unit", cJSON_CreateString(old_task->unit), cJSON_CreateString(new_task->unit));
    if (targets)
      old_new(fields, "targets", copy_of(old_task->action, "targets"), copy_of(new_task->action, "targets"));
    count++;
  }
  if (strcmp(old_task->dues, new_task->dues) != 0) {
    cJSON *entry = change(changes, "redate_task", old_task->id, new_task->number, reason);
    cJSON_AddItemToObject(entry, "old_milestones", copy_of(old_task->action, "milestones"));
    cJSON_AddItemToObject(entry, "milestones", copy_of(new_task->action, "milestones"));
    count++;
  }
  if (strcmp(old_task->number, new_task->number) != 0) {
    cJSON *entry = change(changes, "renumber_task", old_task->id, new_task->number, reason);
    cJSON_AddStringToObject(entry, "old_number", old_task->number);
    count++;
  }
  return count;
}

/* The id an added task gets in the old plan: its number in the revision,
 * unless an old task (kept) has it; then the next free action number of
 * that measure. */
static bool
id_taken(const task_list_t *old_list, const cJSON *changes, const char *id)
{
  for (size_t i = 0; i < old_list->count; i++)
    if (strcmp(old_list->tasks[i].id, id) == 0)
      return true;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, changes)
  {
    if (strcmp(string_of(entry, "op"), "add_task") == 0 && strcmp(string_of(entry, "task"), id) == 0)
      return true;
  }
  return false;
}

static void
added_id(const task_list_t *old_list, const cJSON *changes, const diff_task_t *task, char *id, size_t id_len)
{
  char measure[64];
  snprintf(measure, sizeof measure, "%s", task->number);
  char *last_dot = strrchr(measure, '.');
  int action = last_dot ? atoi(last_dot + 1) : 1;
  if (last_dot)
    *last_dot = '\0';
  do
    snprintf(id, id_len, "%s:%s.%d", old_list->plan_id, measure, action++);
  while (id_taken(old_list, changes, id));
}

static void
added_change(cJSON *changes, const task_list_t *old_list, const diff_task_t *task, const char *reason)
{
  char id[256];
  added_id(old_list, changes, task, id, sizeof id);
  cJSON *entry = change(changes, "add_task", id, task->number, reason);
  cJSON *action = cJSON_Duplicate(task->action, true);
  cJSON_ReplaceItemInObjectCaseSensitive(action, "id", cJSON_CreateString(id));
  cJSON_ReplaceItemInObjectCaseSensitive(action, "number", cJSON_CreateString(strrchr(id, '.') + 1));
  cJSON_AddItemToObject(entry, "action", action);
  cJSON_AddItemToObject(entry, "measure_text", cJSON_CreateString(string_of(task->measure, "text")));
}

static cJSON *
version_json(const cJSON *plan)
{
  cJSON *version = cJSON_CreateObject();
  cJSON_AddStringToObject(version, "id", string_of(plan, "id"));
  cJSON_AddStringToObject(version, "document", string_of(plan, "document"));
  cJSON_AddStringToObject(version, "title", string_of(plan, "title"));
  cJSON_AddStringToObject(version, "issued", string_of(plan, "issued"));
  return version;
}

static void
add_changes(cJSON *diff, const task_list_t *old_list, const task_list_t *new_list, const char *reason)
{
  cJSON *changes = cJSON_AddArrayToObject(diff, "changes");
  int removed = 0, added = 0, changed = 0, unchanged = 0;
  for (size_t i = 0; i < old_list->count; i++) {
    const diff_task_t *task = &old_list->tasks[i];
    if (task->pair < 0) {
      cJSON *entry = change(changes, "cancel_task", task->id, task->number, reason);
      cJSON_AddStringToObject(entry, "text", task->text);
      cJSON_AddStringToObject(entry, "unit", task->unit);
      removed++;
    } else if (pair_changes(changes, task, &new_list->tasks[task->pair], reason)) {
      changed++;
    } else {
      unchanged++;
    }
  }
  for (size_t k = 0; k < new_list->count; k++)
    if (new_list->tasks[k].pair < 0) {
      added_change(changes, old_list, &new_list->tasks[k], reason);
      added++;
    }
  cJSON *summary = cJSON_AddObjectToObject(diff, "summary");
  cJSON_AddNumberToObject(summary, "added", added);
  cJSON_AddNumberToObject(summary, "removed", removed);
  cJSON_AddNumberToObject(summary, "changed", changed);
  cJSON_AddNumberToObject(summary, "unchanged", unchanged);
}

cJSON *
dbn_plan_diff(const cJSON *old_plan, const cJSON *new_plan, const char *reason)
{
  task_list_t old_list = {0}, new_list = {0};
  cJSON *diff = NULL;
  if (flatten(old_plan, &old_list) && flatten(new_plan, &new_list) && (diff = cJSON_CreateObject())) {
    pair_tasks(&old_list, &new_list, true);
    pair_tasks(&old_list, &new_list, false);
    cJSON_AddStringToObject(diff, "format", "duban-plan-diff/1");
    cJSON_AddStringToObject(diff, "plan", old_list.plan_id);
    cJSON_AddItemToObject(diff, "old", version_json(old_plan));
    cJSON_AddItemToObject(diff, "new", version_json(new_plan));
    add_changes(diff, &old_list, &new_list, reason ? reason : "");
  }
  list_free(&old_list);
  list_free(&new_list);
  return diff;
}
