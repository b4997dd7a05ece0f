/* console_report.c: the assessment report (report/report.h) of the
 * mirror, as JSON for the board's ranking and as an Excel workbook, and
 * the board's charts over time (GET /api/charts). The report and the
 * workbook take ?at=YYYY-MM-DD: the scores and ranking as the log stood at
 * the end of that day, under the rules then in force; the completion of the
 * plan and of each department at the end of each month, and each
 * department's colour at the end of each month (瓯海's monthly colours).
 * Completion is the scorecard's average percent (domain/scorecard.h) of
 * the report made at each month's end; colours are the report's own
 * monthly colours; nothing is computed here that report/ computes.
 *
 * The report opens the mirror's directory as a second LMDB environment.
 * LMDB forbids opening one environment twice in a process (closing either
 * drops the other's locks), so the report is made in a forked child, which
 * writes its result to a file in a fresh temporary directory and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "report.h"

/* Months drawn on the charts at most (the latest): one report each. */
#define CHART_MONTHS 24

enum report_kind { REPORT_JSON, REPORT_XLSX, REPORT_CHARTS };

/* The plan's completion in report: the average percent of every task. */
static double
plan_completion(const dbn_report_t *report)
{
  double sum = 0;
  for (size_t i = 0; i < report->n_tasks; i++)
    sum += report->tasks[i].task->percent;
  return report->n_tasks ? sum / (double)report->n_tasks : 0;
}

/* The unit with code in report, or NULL. */
static const dbn_report_unit_t *
unit_in(const dbn_report_t *report, const char *code)
{
  for (size_t u = 0; u < report->n_units; u++)
    if (strcmp(report->units[u].code, code) == 0)
      return &report->units[u];
  return NULL;
}

static double
rounded(double value)
{
  return (double)(long)(value * 10 + 0.5) / 10;
}

/* The charts' JSON: {"head_seq", "months": ["2023-09", ...], "plan":
 * [percent per month], "units": [{code, name, completion: [percent per
 * month], colours: [colour per month]}]}, the units in the head report's
 * order. Each past month is a report at its end (no monthly colours of its
 * own); the last month is the head's report. NULL on failure. */
static cJSON *
charts_json(const char *dir, const dbn_report_t *head)
{
  size_t first = head->n_months > CHART_MONTHS ? head->n_months - CHART_MONTHS : 0;
  size_t count = head->n_months - first;
  dbn_report_t **at_month = calloc(count ? count : 1, sizeof *at_month);
  if (!at_month)
    return NULL;
  for (size_t m = 0; m + 1 < count; m++) {
    dbn_report_options_t options = {.store_dir = dir, .at = head->months[first + m].end, .no_months = true};
    if (dbn_report_build(&options, &at_month[m], NULL, 0) != 0)
      at_month[m] = NULL; /* drawn as a gap */
  }
  cJSON *json = cJSON_CreateObject();
  cJSON_AddNumberToObject(json, "head_seq", (double)head->head_seq);
  cJSON *months = cJSON_AddArrayToObject(json, "months");
  cJSON *plan = cJSON_AddArrayToObject(json, "plan");
  cJSON *units = cJSON_AddArrayToObject(json, "units");
  for (size_t m = 0; m < count; m++) {
    char name[16];
    snprintf(name, sizeof name, "%04d-%02d", head->months[first + m].year, head->months[first + m].month);
    cJSON_AddItemToArray(months, cJSON_CreateString(name));
    const dbn_report_t *report = m + 1 == count ? head : at_month[m];
    cJSON_AddItemToArray(plan,
                         report ? cJSON_CreateNumber(rounded(plan_completion(report))) : cJSON_CreateNull());
  }
  for (size_t u = 0; u < head->n_units; u++) {
    cJSON *unit = cJSON_CreateObject();
    cJSON_AddStringToObject(unit, "code", head->units[u].code);
    cJSON_AddStringToObject(unit, "name", head->units[u].name);
    cJSON *completion = cJSON_AddArrayToObject(unit, "completion");
    cJSON *colours = cJSON_AddArrayToObject(unit, "colours");
    for (size_t m = 0; m < count; m++) {
      const dbn_report_t *report = m + 1 == count ? head : at_month[m];
      const dbn_report_unit_t *then = report ? unit_in(report, head->units[u].code) : NULL;
      cJSON_AddItemToArray(completion, then && then->card.tasks
                                           ? cJSON_CreateNumber(rounded(then->card.average_percent))
                                           : cJSON_CreateNull());
      cJSON_AddItemToArray(colours, cJSON_CreateString(dbn_colour_name(head->months[first + m].colours[u])));
    }
    cJSON_AddItemToArray(units, unit);
  }
  for (size_t m = 0; m < count; m++)
    dbn_report_free(&at_month[m]);
  free(at_month);
  return json;
}

/* In the child: build the report as of at (0: the mirror's head) and write
 * it as JSON, xlsx or the charts' JSON at path. */
static int
make_report(const char *dir, enum report_kind kind, int64_t at, const char *path)
{
  dbn_report_options_t options = {.store_dir = dir, .at = at};
  dbn_report_t *report;
  if (dbn_report_build(&options, &report, NULL, 0) != 0)
    return 1;
  int rc = 1;
  if (kind == REPORT_XLSX) {
    rc = dbn_report_write_xlsx(report, path) == 0 ? 0 : 1;
  } else {
    cJSON *json = kind == REPORT_CHARTS ? charts_json(dir, report) : dbn_report_json(report);
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    FILE *file = text ? fopen(path, "w") : NULL;
    if (file) {
      rc = fputs(text, file) >= 0 ? 0 : 1;
      rc |= fclose(file) != 0;
    }
    cJSON_free(text);
    cJSON_Delete(json);
  }
  dbn_report_free(&report);
  return rc;
}

/* The report's bytes as of at (0: now) in *data_p (the caller frees), or NULL. */
static char *
run_report(const dbn_console_t *console, enum report_kind kind, int64_t at, size_t *len)
{
  char dir[] = "/tmp/duban-console-report-XXXXXX";
  if (!mkdtemp(dir))
    return NULL;
  char path[sizeof dir + 32];
  snprintf(path, sizeof path, "%s/%s", dir, kind == REPORT_XLSX ? "report.xlsx" : "report.json");
  pid_t pid = fork();
  if (pid == 0)
    _exit(make_report(console->data_dir, kind, at, path));
  int status = 1;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    status = 1;
  char *data = NULL;
  FILE *file = status == 0 ? fopen(path, "rb") : NULL;
  if (file) {
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    data = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (data && fread(data, 1, (size_t)size, file) != (size_t)size) {
      free(data);
      data = NULL;
    }
    if (data) {
      data[size] = '\0';
      *len = (size_t)size;
    }
    fclose(file);
  }
  unlink(path);
  rmdir(dir);
  return data;
}

/* ?at=YYYY-MM-DD: the report as the log stood at the end of that day in the
 * plan's zone (what `duban audit report --at` means), else now. 0 and
 * *at_p, or -1 when the date is not a real one. */
static int
requested_at(dbn_web_request_t *req, int64_t *at_p)
{
  const char *at = dbn_web_request_query(req, "at");
  *at_p = 0;
  return at && *at && dbn_report_parse_at(at, at_p) != 0 ? -1 : 0;
}

int
dbn_console_get_report(dbn_web_request_t *req, void *arg)
{
  size_t len = 0;
  int64_t at;
  if (requested_at(req, &at) != 0)
    return dbn_web_reply_error(req, 400, "日期应为 YYYY-MM-DD，且是真实的一天");
  char *json = run_report(arg, REPORT_JSON, at, &len);
  if (!json)
    return dbn_web_reply_error(req, 503, "暂时无法生成考核报告（日志副本为空或计分规则有误）");
  int rc = dbn_web_reply_json_text(req, 200, json);
  free(json);
  return rc;
}

int
dbn_console_get_xlsx(dbn_web_request_t *req, void *arg)
{
  size_t len = 0;
  int64_t at;
  if (requested_at(req, &at) != 0)
    return dbn_web_reply_error(req, 400, "日期应为 YYYY-MM-DD，且是真实的一天");
  char *data = run_report(arg, REPORT_XLSX, at, &len);
  if (!data)
    return dbn_web_reply_error(req, 503, "暂时无法导出Excel（日志副本为空或计分规则有误）");
  int rc = dbn_web_reply_bytes(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               data, len, "督办考核报告.xlsx");
  free(data);
  return rc;
}

int
dbn_console_get_charts(dbn_web_request_t *req, void *arg)
{
  size_t len = 0;
  char *json = run_report(arg, REPORT_CHARTS, 0, &len);
  if (!json)
    return dbn_web_reply_error(req, 503, "暂时无法生成统计图（日志副本为空或计分规则有误）");
  int rc = dbn_web_reply_json_text(req, 200, json);
  free(json);
  return rc;
}
