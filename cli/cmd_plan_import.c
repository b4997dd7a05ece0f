/* cmd_plan_import.c: `duban plan import FILE`, the command-line face of
 * plan_import.c.
 *
 * It prints the plan JSON on stdout, so that it can be piped into a file,
 * read and corrected by a person, and given to `duban plan load`; the
 * report goes to stderr (or a file), one line per doubt, so that the person
 * knows which lines of the document to check. `--load` belongs to the CLI's
 * main, which owns the broker connection (see plan_import.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "plan_import.h"

static void
usage(FILE *out)
{
  fputs("usage: duban plan import FILE [--units FILE] [--id ID] [--report FILE] [--load]\n"
        "\n"
        "Read a plan document (UTF-8, GB18030 or GBK; LF or CRLF) and print the plan\n"
        "as JSON (duban-plan/1) on stdout; everything the importer was unsure of goes\n"
        "to stderr, one line each with the document's line number.\n"
        "\n"
        "  --units FILE   a JSON array of {\"name\", \"code\", \"aliases\"} that sets unit\n"
        "                 codes and aliases\n"
        "  --id ID        the plan id (default: from the document number, e.g.\n"
        "                 鄂府发〔2023〕58号 gives ordos-2023-58, or the file's name)\n"
        "  --report FILE  write the report as JSON to FILE instead of stderr\n"
        "  --load         also load the plan into the broker (admin identity)\n"
        "\n"
        "Exit status: 0 imported, 1 the document cannot be read, 2 usage error.\n",
        out);
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
    fprintf(out, "line %d: %s: %s\n", cJSON_IsNumber(line) ? line->valueint : 0,
            cJSON_IsString(kind) ? kind->valuestring : "?",
            cJSON_IsString(message) ? message->valuestring : "");
  }
}

int
dbn_cmd_plan_import(int argc, char **argv)
{
  const char *file = NULL, *units = NULL, *id = NULL, *report_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(arg, "--units") == 0 || strcmp(arg, "--id") == 0 || strcmp(arg, "--report") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "duban plan import: %s needs a value\n", arg);
        return 2;
      }
      const char **dst = strcmp(arg, "--units") == 0 ? &units : strcmp(arg, "--id") == 0 ? &id : &report_path;
      *dst = argv[++i];
      continue;
    }
    if (strcmp(arg, "--load") == 0) {
      fprintf(stderr, "duban plan import: --load is handled by the duban CLI, not by this command\n");
      return 2;
    }
    if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "duban plan import: unknown option %s (see --help)\n", arg);
      return 2;
    }
    if (file) {
      fprintf(stderr, "duban plan import: one FILE only (got %s and %s)\n", file, arg);
      return 2;
    }
    file = arg;
  }
  if (!file) {
    usage(stderr);
    return 2;
  }

  cJSON *plan = NULL, *report = NULL;
  char why[1024];
  int rc = dbn_plan_import_file(file, units, id, &plan, &report, why, sizeof why);
  if (rc) {
    fprintf(stderr, "duban plan import: %s: %s\n", file, why[0] ? why : dbn_strerror(rc));
    return rc == DBN_EINVAL && id && strstr(why, "plan id") ? 2 : 1;
  }
  char *text = cJSON_Print(plan);
  int status = 0;
  if (!text || fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
    fprintf(stderr, "duban plan import: cannot write the plan to stdout\n");
    status = 1;
  }
  cJSON_free(text);
  if (report_path) {
    FILE *f = fopen(report_path, "w");
    char *rt = cJSON_Print(report);
    if (!f || !rt || fputs(rt, f) == EOF || fputc('\n', f) == EOF) {
      fprintf(stderr, "duban plan import: cannot write the report to %s\n", report_path);
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
