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

char *
import_explain(importer_t *importer, const char *task_id, char *why, size_t why_len)
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
        /* the full id, or <section>.<measure>.<action> alone */
        const char *colon = strchr(id, ':');
        if (strcmp(id, task_id) != 0 && !(colon && strcmp(colon + 1, task_id) == 0))
          continue;
        text_t out = {0};
        explain_action(importer, &out, section, measure, action, id);
        if (out.failed) {
          free(out.data);
          importer->error = DBN_ENOMEM;
          snprintf(why, why_len, "out of memory");
          return NULL;
        }
        return out.data;
      }
    }
  }
  snprintf(why, why_len, "文档中没有任务 %s（任务编号形如 %s:1.1.1 或 1.1.1）", task_id,
           importer->plan_id ? importer->plan_id : "PLAN");
  return NULL;
}
