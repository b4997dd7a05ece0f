/* import_explain.c: `plan import --explain TASK`, where one task came from.
 *
 * A person who doubts a task (its owner, its date, a target) wants the
 * words it was read from, not the whole document: the section and measure
 * headings above it and the lines of the task itself, with their numbers
 * as the report counts them. For a .docx those lines are made from table
 * rows (import_docx.c), so each is followed by the row and its cells under
 * their column headers, merged cells marked. Runs after the build, on the
 * importer's own state, so the ids are exactly the plan's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "wire.h"
#include "lang.h"

typedef struct {
  char *data;
  size_t length, capacity;
  bool failed;
} text_t;

static void
text_add(text_t *text, const char *part)
{
  size_t len = strlen(part);
  if (text->failed)
    return;
  if (text->length + len + 1 > text->capacity) {
    size_t capacity = text->capacity ? text->capacity * 2 : 1024;
    while (capacity < text->length + len + 1)
      capacity *= 2;
    char *bigger = realloc(text->data, capacity);
    if (!bigger) {
      text->failed = true;
      return;
    }
    text->data = bigger;
    text->capacity = capacity;
  }
  memcpy(text->data + text->length, part, len + 1);
  text->length += len;
}

/* "第N行：<the line as typed>" and, for a table row, its cells. */
static void
add_line(importer_t *importer, text_t *out, int number, const char *indent)
{
  if (number < 1 || (size_t)number > importer->line_count)
    return;
  const line_t *line = &importer->lines[number - 1];
  char head[64];
  snprintf(head, sizeof head, "%s第%d行：", indent, number);
  text_add(out, head);
  char *typed = import_encode(importer, importer->typed, line->start, line->end);
  text_add(out, typed ? typed : "");
  free(typed);
  text_add(out, "\n");
  if ((size_t)number - 1 < importer->origin_count && importer->origins[number - 1]) {
    text_add(out, indent);
    text_add(out, "  ← ");
    text_add(out, importer->origins[number - 1]);
    text_add(out, "\n");
  }
}

static void
explain_action(importer_t *importer, text_t *out, const section_t *section, const measure_t *measure,
               const action_t *action, const char *task_id)
{
  char head[512];
  snprintf(
      head, sizeof head, "任务 %s 的来源（%s）：\n", task_id,
      importer->source_kind && strcmp(importer->source_kind, "docx") == 0 ? ".docx 转成的文本，行号同报告"
      : importer->source_kind && strcmp(importer->source_kind, "pdf") == 0 ? "pdftotext -layout 读出的文本"
                                                                           : "文档的行");
  text_add(out, head);
  text_add(out, "部分：\n");
  add_line(importer, out, section->line, "  ");
  text_add(out, "措施：\n");
  add_line(importer, out, measure->line, "  ");
  text_add(out, "任务：\n");
  int first = action->line, last = action->last_line >= first ? action->last_line : first;
  if (first == measure->line && measure->action_count == 1 && last == first) {
    text_add(out, "  （措施本身即任务，见上一行）\n");
    return;
  }
  for (int number = first; number <= last; number++)
    add_line(importer, out, number, "  ");
}

static bool
id_matches(const char *id, const char *task_id)
{
  /* the full id, or <section>.<measure>.<action> alone */
  const char *colon = strchr(id, ':');
  return strcmp(id, task_id) == 0 || (colon && strcmp(colon + 1, task_id) == 0);
}

/* The line a task of the built plan came from, when its id is not an
 * action's own: a further task of an action whose collective owner the
 * units file expanded (import_build.c numbers those after the measure's
 * actions). 0 if the plan has no such task. */
static int
plan_task_line(const cJSON *plan, const char *task_id, const char **section_p, const char **measure_p)
{
  const cJSON *section, *measure, *action;
  cJSON_ArrayForEach(section, cJSON_GetObjectItemCaseSensitive(plan, "sections"))
  {
    cJSON_ArrayForEach(measure, cJSON_GetObjectItemCaseSensitive(section, "measures"))
    {
      cJSON_ArrayForEach(action, cJSON_GetObjectItemCaseSensitive(measure, "actions"))
      {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(action, "id");
        const cJSON *line = cJSON_GetObjectItemCaseSensitive(action, "source_line");
        if (!cJSON_IsString(id) || !cJSON_IsNumber(line) || !id_matches(id->valuestring, task_id))
          continue;
        *section_p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(section, "number"));
        *measure_p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(measure, "number"));
        return *section_p && *measure_p ? (int)line->valueint : 0;
      }
    }
  }
  return 0;
}

/* The parsed action with task_id as its id, or (line > 0) the action of
 * that section and measure that starts on line. */
static const action_t *
find_action(const importer_t *importer, const char *task_id, const char *section_number,
            const char *measure_number, int line, const section_t **section_p, const measure_t **measure_p)
{
  for (size_t si = 0; si < importer->section_count; si++) {
    const section_t *section = &importer->sections[si];
    for (size_t mi = 0; mi < section->measure_count; mi++) {
      const measure_t *measure = &section->measures[mi];
      for (size_t k = 0; k < measure->action_count; k++) {
        const action_t *action = &measure->actions[k];
        char id[DBN_MAX_ID * 2];
        snprintf(id, sizeof id, "%s:%s.%s.%s", importer->plan_id ? importer->plan_id : "", section->number,
                 measure->number, action->number);
        bool found = line > 0 ? strcmp(section->number, section_number) == 0 &&
                                    strcmp(measure->number, measure_number) == 0 && action->line == line
                              : id_matches(id, task_id);
        if (found) {
          *section_p = section;
          *measure_p = measure;
          return action;
        }
      }
    }
  }
  return NULL;
}

char *
import_explain(importer_t *importer, const cJSON *plan, const char *task_id, char *why, size_t why_len)
{
  const section_t *section = NULL;
  const measure_t *measure = NULL;
  const action_t *action = find_action(importer, task_id, NULL, NULL, 0, &section, &measure);
  if (!action && plan) {
    const char *section_number = NULL, *measure_number = NULL;
    int line = plan_task_line(plan, task_id, &section_number, &measure_number);
    if (line > 0)
      action = find_action(importer, task_id, section_number, measure_number, line, &section, &measure);
  }
  if (!action) {
    snprintf(why, why_len, "文档中没有任务 %s（任务编号形如 %s:1.1.1 或 1.1.1）", task_id,
             importer->plan_id ? importer->plan_id : "PLAN");
    return NULL;
  }
  char id[DBN_MAX_ID * 2];
  if (strchr(task_id, ':'))
    snprintf(id, sizeof id, "%s", task_id);
  else
    snprintf(id, sizeof id, "%s:%s", importer->plan_id ? importer->plan_id : "", task_id);
  text_t out = {0};
  explain_action(importer, &out, section, measure, action, id);
  if (out.failed) {
    free(out.data);
    importer->error = DBN_ENOMEM;
    snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
    return NULL;
  }
  return out.data;
}
