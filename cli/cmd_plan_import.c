/* cmd_plan_import.c: `duban plan import FILE`, the command-line face of
 * plan_import.c.
 *
 * It prints the plan JSON on stdout, so that it can be piped into a file,
 * read and corrected by a person, and given to `duban plan load`; the
 * report goes to stderr (or a file), one line per doubt, so that the person
 * knows which lines of the document to check. `--load` belongs to the CLI's
 * main, which owns the broker connection (see plan_import.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "help_zh.h"
#include "plan_diff.h"
#include "plan_import.h"
#include "lang.h"

static const char import_usage[] =
    "usage: duban plan import FILE [--units FILE] [--id ID] [--report FILE]\n"
    "                         [--horizon DATE] [--text FILE] [--load]\n"
    "       duban plan import --explain TASK FILE [--units FILE] [--id ID]\n"
    "\n"
    "Read a plan document (.docx, .pdf, or text in UTF-8, GB18030 or GBK; LF or CRLF) and\n"
    "print the plan as JSON (duban-plan/1) on stdout; everything the importer was unsure of goes\n"
    "to stderr, one line each with the document's line number.\n"
    "\n"
    "  --units FILE   a JSON array of {\"name\", \"code\", \"aliases\"} that sets unit\n"
    "                 codes and aliases; {\"name\": \"各区、县级市\", \"members\": [names or\n"
    "                 codes]} expands that collective into those units (one task each)\n"
    "  --id ID        the plan id (default: from the document number, e.g.\n"
    "                 鄂府发〔2023〕58号 gives ordos-2023-58, or the file's name)\n"
    "  --report FILE  write the report as JSON to FILE instead of stderr\n"
    "  --horizon DATE the due date (YYYY-MM-DD) of every action that names none,\n"
    "                 marked inherited; without it such an action gets no due\n"
    "                 date (长期坚持/持续推进 never get one)\n"
    "  --text FILE    (.docx, .pdf) write the document as the text whose lines the\n"
    "                 report numbers\n"
    "  --load         also load the plan into the broker (admin identity)\n"
    "  --against LOADED.json  print what this revision changes in the plan as\n"
    "                 loaded (tasks added, removed, changed; --json for the\n"
    "                 plan-change events), as 'duban plan diff LOADED.json FILE'\n"
    "  --explain TASK print where task TASK (ordos-2023-58:1.1.1, or 1.1.1) came\n"
    "                 from: its section's and measure's lines and its own, and\n"
    "                 for a .docx each line's table row and cells\n"
    "\n"
    "In a .docx, the paragraphs and every table with a header row (序号, 任务,\n"
    "具体措施, 牵头单位, 配合单位, 责任单位, 完成时限 and variants) are read: one\n"
    "task per row, merged cells inherited. A .doc/.wps must first be converted:\n"
    "  libreoffice --headless --convert-to docx FILE\n"
    "A .pdf is read through pdftotext -layout (poppler-utils), best effort: page\n"
    "numbers left out, printed lines joined; tables in columns are not read.\n"
    "\n"
    "Exit status: 0 imported, 1 the document cannot be read, 2 usage error,\n"
    "3 no structure (no section, measure or item) found, 4 an old .doc/.wps.\n";

static void
usage(FILE *out)
{
  fputs(dbn_cli_help_text("plan import (print)", import_usage), out);
}

/* --text: the .docx as the text whose lines the report numbers. */
static int
write_docx_text(const char *file, const char *text_path)
{
  char why[1024], *text = NULL;
  size_t len = 0;
  int rc = dbn_plan_import_docx_text(file, &text, &len, why, sizeof why);
  if (rc) {
    fprintf(stderr, dbn_tr("duban plan import：%s\n", "duban plan import: %s\n"),
            why[0] ? why : dbn_strerror(rc));
    return 1;
  }
  FILE *f = fopen(text_path, "w");
  int status = f && fwrite(text, 1, len, f) == len ? 0 : 1;
  if (f && fclose(f) != 0)
    status = 1;
  if (status)
    fprintf(
        stderr,
        dbn_tr("duban plan import：无法把文本写入 %s\n", "duban plan import: cannot write the text to %s\n"),
        text_path);
  free(text);
  return status;
}

/* The command's arguments, borrowed from argv. */
typedef struct {
  const char *file, *units, *id, *report_path, *text_path, *horizon, *explain, *against;
  bool json;
} import_args_t;

/* --against LOADED.json: the revision's changes to the plan as loaded,
 * as `plan diff LOADED.json FILE` prints them (with --json, for the
 * plan-change events). */
static int
against_loaded(const import_args_t *args)
{
  char *argv[9];
  int argc = 0;
  argv[argc++] = "diff";
  argv[argc++] = (char *)args->against;
  argv[argc++] = (char *)args->file;
  if (args->json)
    argv[argc++] = "--json";
  if (args->units) {
    argv[argc++] = "--units";
    argv[argc++] = (char *)args->units;
  }
  if (args->horizon) {
    argv[argc++] = "--horizon";
    argv[argc++] = (char *)args->horizon;
  }
  argv[argc] = NULL;
  return dbn_cmd_plan_diff(argc, argv);
}

/* --explain: where one task came from, on stdout. */
static int
explain_task(const char *file, const char *units, const char *id, const char *task)
{
  char why[1024], *text = NULL;
  int rc = dbn_plan_import_explain_file(file, units, id, task, &text, why, sizeof why);
  if (rc) {
    fprintf(stderr, dbn_tr("duban plan import：%s：%s\n", "duban plan import: %s: %s\n"), file,
            why[0] ? why : dbn_strerror(rc));
    return rc == DBN_EVERSION ? 4 : 1;
  }
  int status = fputs(text, stdout) == EOF || fflush(stdout) == EOF ? 1 : 0;
  free(text);
  return status;
}

void
dbn_cli_print_import_report(FILE *out, const cJSON *report)
{
  const cJSON *entry;
  cJSON_ArrayForEach(entry, report)
  {
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(entry, "line");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(entry, "kind");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(entry, "message");
    fprintf(out, dbn_tr("第 %d 行：%s：%s\n", "line %d: %s: %s\n"), cJSON_IsNumber(line) ? line->valueint : 0,
            cJSON_IsString(kind) ? kind->valuestring : "?",
            cJSON_IsString(message) ? message->valuestring : "");
  }
}

/* argv into args: -1 to go on, else the exit status (help, usage error). */
static int
parse_args(int argc, char **argv, import_args_t *args)
{
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(arg, "--units") == 0 || strcmp(arg, "--id") == 0 || strcmp(arg, "--report") == 0 ||
        strcmp(arg, "--text") == 0 || strcmp(arg, "--horizon") == 0 || strcmp(arg, "--explain") == 0 ||
        strcmp(arg, "--against") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, dbn_tr("duban plan import：%s 需要一个值\n", "duban plan import: %s needs a value\n"),
                arg);
        return 2;
      }
      const char **dst = strcmp(arg, "--units") == 0     ? &args->units
                         : strcmp(arg, "--id") == 0      ? &args->id
                         : strcmp(arg, "--text") == 0    ? &args->text_path
                         : strcmp(arg, "--horizon") == 0 ? &args->horizon
                         : strcmp(arg, "--explain") == 0 ? &args->explain
                         : strcmp(arg, "--against") == 0 ? &args->against
                                                         : &args->report_path;
      *dst = argv[++i];
      continue;
    }
    if (strcmp(arg, "--json") == 0) {
      args->json = true;
      continue;
    }
    if (strcmp(arg, "--load") == 0) {
      fputs(dbn_tr("duban plan import：--load 由 duban 命令处理，不由这个命令处理\n",
                   "duban plan import: --load is handled by the duban CLI, not by this command\n"),
            stderr);
      return 2;
    }
    if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr,
              dbn_tr("duban plan import：未知选项 %s（见 --help）\n",
                     "duban plan import: unknown option %s (see --help)\n"),
              arg);
      return 2;
    }
    if (args->file) {
      fprintf(stderr,
              dbn_tr("duban plan import：只能给一个文件（给了 %s 和 %s）\n",
                     "duban plan import: one FILE only (got %s and %s)\n"),
              args->file, arg);
      return 2;
    }
    args->file = arg;
  }
  if (!args->file) {
    usage(stderr);
    return 2;
  }
  return -1;
}

int
dbn_cmd_plan_import(int argc, char **argv)
{
  import_args_t args = {0};
  int parsed = parse_args(argc, argv, &args);
  if (parsed >= 0)
    return parsed;
  const char *file = args.file, *units = args.units, *id = args.id, *report_path = args.report_path;
  const char *text_path = args.text_path, *horizon = args.horizon;
  if (args.explain)
    return explain_task(file, units, id, args.explain);
  if (args.against)
    return against_loaded(&args);
  cJSON *plan = NULL, *report = NULL;
  char why[1024];
  if (text_path && write_docx_text(file, text_path) != 0)
    return 1;
  int rc = dbn_plan_import_file_horizon(file, units, id, horizon, &plan, &report, why, sizeof why);
  if (rc) {
    fprintf(stderr, dbn_tr("duban plan import：%s：%s\n", "duban plan import: %s: %s\n"), file,
            why[0] ? why : dbn_strerror(rc));
    if (rc == DBN_ENOTFOUND)
      return 3;
    if (rc == DBN_EVERSION)
      return 4;
    /* a bad --id or --horizon is a usage error; the importer's refusal
     * names it ("plan id"/"计划编号", "horizon"/"--horizon") in either language */
    bool bad_id = id && (strstr(why, "plan id") || strstr(why, "计划编号"));
    return rc == DBN_EINVAL && (bad_id || (horizon && strstr(why, "horizon"))) ? 2 : 1;
  }
  char *text = cJSON_Print(plan);
  int status = 0;
  if (!text || fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
    fputs(dbn_tr("duban plan import：无法把计划写到标准输出\n",
                 "duban plan import: cannot write the plan to stdout\n"),
          stderr);
    status = 1;
  }
  cJSON_free(text);
  if (report_path) {
    FILE *f = fopen(report_path, "w");
    char *rt = cJSON_Print(report);
    if (!f || !rt || fputs(rt, f) == EOF || fputc('\n', f) == EOF) {
      fprintf(stderr,
              dbn_tr("duban plan import：无法把报告写入 %s\n",
                     "duban plan import: cannot write the report to %s\n"),
              report_path);
      status = 1;
    }
    if (f && fclose(f) != 0)
      status = 1;
    cJSON_free(rt);
  } else {
    dbn_cli_print_import_report(stderr, report);
  }
  cJSON_Delete(plan);
  cJSON_Delete(report);
  return status;
}
