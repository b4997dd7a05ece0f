/* cmd_plan_diff.c: `duban plan diff OLD NEW`, what a revised plan changes.
 *
 * OLD and NEW are each a document (imported as `plan import` would) or a
 * plan JSON file (the one that was loaded, say). The changes are printed
 * in Chinese, one line each, grouped as added, removed, changed; with
 * --json they are printed as duban-plan-diff/1 (plan_diff.h), the form the
 * plan-change events load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "error.h"
#include "help_zh.h"
#include "plan_diff.h"
#include "plan_import.h"

static const char diff_usage[] =
    "usage: duban plan diff OLD NEW [--json] [--units FILE] [--horizon DATE]\n"
    "\n"
    "Compare two versions of a plan and print the tasks added, removed and\n"
    "changed (text, owner, dates, targets). OLD and NEW are each a document\n"
    "(.txt, .docx, .pdf: imported as 'duban plan import' does) or a plan JSON\n"
    "file (.json, as imported or loaded). Tasks are matched by their text, then\n"
    "by their number; a task whose number moved keeps its id.\n"
    "\n"
    "  --json          print the changes as duban-plan-diff/1 (add_task,\n"
    "                  cancel_task, amend_task, redate_task, renumber_task, each\n"
    "                  with the old plan's task id and a reason)\n"
    "  --units FILE    units file for the documents (as plan import)\n"
    "  --horizon DATE  as plan import\n"
    "\n"
    "Exit status: 0 no difference, 1 differences found, 2 usage error or a\n"
    "version that cannot be read.\n";

static bool
is_json_file(const char *path)
{
  const char *ext = strrchr(path, '.');
  return ext && strcasecmp(ext, ".json") == 0;
}

/* A plan JSON file (bounded as a document to import is), or NULL, said
 * on stderr, when it cannot be read or is not one. */
static cJSON *
read_plan_json(const char *path)
{
  char *text = NULL;
  size_t len = 0;
  cJSON *plan = NULL;
  if (dbn_cli_read_file(path, DBN_PLAN_IMPORT_MAX_INPUT, &text, &len) == 0)
    plan = cJSON_ParseWithLength(text, len);
  free(text);
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(plan, "format");
  if (!cJSON_IsString(format) || strcmp(format->valuestring, "duban-plan/1") != 0) {
    fprintf(stderr, "duban plan diff: %s: 不是计划 JSON（duban-plan/1）\n", path);
    cJSON_Delete(plan);
    return NULL;
  }
  return plan;
}

/* One version: a plan JSON file, or a document imported. */
static cJSON *
read_version(const char *path, const char *units, const char *horizon)
{
  if (is_json_file(path))
    return read_plan_json(path);
  char why[1024] = "";
  cJSON *plan = NULL, *report = NULL;
  int rc = dbn_plan_import_file_horizon(path, units, NULL, horizon, &plan, &report, why, sizeof why);
  cJSON_Delete(report);
  if (rc) {
    fprintf(stderr, "duban plan diff: %s: %s\n", path, why[0] ? why : dbn_strerror(rc));
    return NULL;
  }
  return plan;
}

static const char *
field(const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
  return cJSON_IsString(item) ? item->valuestring : "";
}

/* A text shortened for one line: its first 40 characters. */
static void
print_short(FILE *out, const char *text)
{
  int chars = 0;
  const char *p = text;
  while (*p && chars < 40) {
    p++;
    while ((*p & 0xc0) == 0x80)
      p++;
    chars++;
  }
  fprintf(out, "「%.*s%s」", (int)(p - text), text, *p ? "…" : "");
}

/* The items of list as print_item writes each, joined by 、; 无 when
 * there is none. */
static void
print_list(FILE *out, const cJSON *list, void (*print_item)(FILE *out, const cJSON *item))
{
  const cJSON *item;
  bool any = false;
  cJSON_ArrayForEach(item, list)
  {
    if (any)
      fputs("、", out);
    print_item(out, item);
    any = true;
  }
  if (!any)
    fputs("无", out);
}

static void
print_due(FILE *out, const cJSON *milestone)
{
  fputs(field(milestone, "due"), out);
}

static void
print_target(FILE *out, const cJSON *target)
{
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(target, "value");
  fprintf(out, "%s%g%s", field(target, "what"), cJSON_IsNumber(value) ? value->valuedouble : 0,
          field(target, "unit_of_measure"));
}

static void
print_dues(FILE *out, const cJSON *milestones)
{
  print_list(out, milestones, print_due);
}

static void
print_targets(FILE *out, const cJSON *targets)
{
  print_list(out, targets, print_target);
}

static void
print_text(FILE *out, const cJSON *text)
{
  print_short(out, cJSON_IsString(text) ? text->valuestring : "");
}

static void
print_string(FILE *out, const cJSON *string)
{
  fputs(cJSON_IsString(string) ? string->valuestring : "", out);
}

/* One changed field of task number: "  ~ NUMBER LABEL：OLD → NEW", each
 * value as print_value writes it. */
static void
print_old_new(FILE *out, const char *number, const char *label, const cJSON *old_value,
              const cJSON *new_value, void (*print_value)(FILE *out, const cJSON *value))
{
  fprintf(out, "  ~ %s %s：", number, label);
  print_value(out, old_value);
  fputs(" → ", out);
  print_value(out, new_value);
  fputc('\n', out);
}

/* The fields of an amend_task that changed ({"old", "new"} each). */
static void
print_amend(FILE *out, const cJSON *entry)
{
  static const struct {
    const char *key, *label;
    void (*print_value)(FILE *out, const cJSON *value);
  } amended[] = {{"unit", "责任单位", print_string},
                 {"text", "任务内容", print_text},
                 {"targets", "目标", print_targets}};
  const cJSON *fields = cJSON_GetObjectItemCaseSensitive(entry, "fields");
  for (size_t i = 0; i < sizeof amended / sizeof amended[0]; i++) {
    const cJSON *change = cJSON_GetObjectItemCaseSensitive(fields, amended[i].key);
    if (change)
      print_old_new(out, field(entry, "number"), amended[i].label,
                    cJSON_GetObjectItemCaseSensitive(change, "old"),
                    cJSON_GetObjectItemCaseSensitive(change, "new"), amended[i].print_value);
  }
}

static void
print_change(FILE *out, const cJSON *entry, const char *op)
{
  const char *number = field(entry, "number");
  if (strcmp(op, "add_task") == 0) {
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(entry, "action");
    fprintf(out, "  + %s（%s）〔%s〕", number, field(entry, "task"), field(action, "unit"));
    print_short(out, field(action, "text"));
    fputs(" 完成时限：", out);
    print_dues(out, cJSON_GetObjectItemCaseSensitive(action, "milestones"));
    fputc('\n', out);
  } else if (strcmp(op, "cancel_task") == 0) {
    fprintf(out, "  - %s（%s）〔%s〕", number, field(entry, "task"), field(entry, "unit"));
    print_short(out, field(entry, "text"));
    fputc('\n', out);
  } else if (strcmp(op, "amend_task") == 0) {
    print_amend(out, entry);
  } else if (strcmp(op, "redate_task") == 0) {
    print_old_new(out, number, "完成时限", cJSON_GetObjectItemCaseSensitive(entry, "old_milestones"),
                  cJSON_GetObjectItemCaseSensitive(entry, "milestones"), print_dues);
  } else if (strcmp(op, "renumber_task") == 0) {
    fprintf(out, "  = %s → %s（内容未变，任务编号 %s 不变）\n", field(entry, "old_number"), number,
            field(entry, "task"));
  }
}

static void
print_diff(FILE *out, const cJSON *diff)
{
  const cJSON *old_version = cJSON_GetObjectItemCaseSensitive(diff, "old");
  const cJSON *new_version = cJSON_GetObjectItemCaseSensitive(diff, "new");
  const cJSON *summary = cJSON_GetObjectItemCaseSensitive(diff, "summary");
  fprintf(out, "计划 %s 修订对比：%s（%s）→ %s（%s）\n", field(diff, "plan"), field(old_version, "document"),
          field(old_version, "issued"), field(new_version, "document"), field(new_version, "issued"));
  static const struct {
    const char *title;
    const char *ops[3];
  } groups[] = {{"新增任务", {"add_task", NULL, NULL}},
                {"删除任务", {"cancel_task", NULL, NULL}},
                {"修改任务", {"amend_task", "redate_task", "renumber_task"}}};
  static const char *const counts[] = {"added", "removed", "changed"};
  for (size_t g = 0; g < 3; g++) {
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(summary, counts[g]);
    fprintf(out, "%s %d 项%s\n", groups[g].title, cJSON_IsNumber(count) ? count->valueint : 0,
            cJSON_IsNumber(count) && count->valueint ? "：" : "");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(diff, "changes"))
    {
      const char *op = field(entry, "op");
      for (size_t k = 0; k < 3 && groups[g].ops[k]; k++)
        if (strcmp(op, groups[g].ops[k]) == 0)
          print_change(out, entry, op);
    }
  }
  const cJSON *unchanged = cJSON_GetObjectItemCaseSensitive(summary, "unchanged");
  fprintf(out, "未变 %d 项\n", cJSON_IsNumber(unchanged) ? unchanged->valueint : 0);
}

int
dbn_cmd_plan_diff(int argc, char **argv)
{
  const char *paths[2] = {NULL, NULL}, *units = NULL, *horizon = NULL;
  bool json = false;
  size_t given = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(dbn_cli_help_text("plan diff", diff_usage), stdout);
      return 0;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if ((strcmp(argv[i], "--units") == 0 || strcmp(argv[i], "--horizon") == 0) && i + 1 < argc) {
      *(strcmp(argv[i], "--units") == 0 ? &units : &horizon) = argv[i + 1];
      i++;
    } else if (argv[i][0] == '-' || given == 2) {
      fputs(dbn_cli_help_text("plan diff", diff_usage), stderr);
      return 2;
    } else {
      paths[given++] = argv[i];
    }
  }
  if (given != 2) {
    fputs(dbn_cli_help_text("plan diff", diff_usage), stderr);
    return 2;
  }
  cJSON *old_plan = read_version(paths[0], units, horizon);
  cJSON *new_plan = old_plan ? read_version(paths[1], units, horizon) : NULL;
  char reason[512];
  const cJSON *document = cJSON_GetObjectItemCaseSensitive(new_plan, "document");
  snprintf(reason, sizeof reason, "计划修订：%s",
           cJSON_IsString(document) && document->valuestring[0] ? document->valuestring : paths[1]);
  cJSON *diff = new_plan ? dbn_plan_diff(old_plan, new_plan, reason) : NULL;
  int status = 2;
  if (diff) {
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(diff, "changes");
    status = cJSON_GetArraySize(changes) > 0 ? 1 : 0;
    if (json) {
      char *text = cJSON_Print(diff);
      if (text)
        printf("%s\n", text);
      cJSON_free(text);
    } else {
      print_diff(stdout, diff);
    }
  } else if (new_plan) {
    fprintf(stderr, "duban plan diff: out of memory\n");
  }
  cJSON_Delete(diff);
  cJSON_Delete(old_plan);
  cJSON_Delete(new_plan);
  return status;
}
