/* console_report.c: the assessment report (report/report.h) of the
 * mirror, as JSON for the board's ranking and as an Excel workbook.
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

/* In the child: build the report and write it as JSON or xlsx at path. */
static int
make_report(const char *dir, bool xlsx, const char *path)
{
  dbn_report_options_t options = {.store_dir = dir};
  dbn_report_t *report;
  if (dbn_report_build(&options, &report, NULL, 0) != 0)
    return 1;
  int rc = 1;
  if (xlsx) {
    rc = dbn_report_write_xlsx(report, path) == 0 ? 0 : 1;
  } else {
    cJSON *json = dbn_report_json(report);
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

/* The report's bytes in *data_p (the caller frees), or NULL. */
static char *
run_report(const dbn_console_t *console, bool xlsx, size_t *len)
{
  char dir[] = "/tmp/duban-console-report-XXXXXX";
  if (!mkdtemp(dir))
    return NULL;
  char path[sizeof dir + 32];
  snprintf(path, sizeof path, "%s/%s", dir, xlsx ? "report.xlsx" : "report.json");
  pid_t pid = fork();
  if (pid == 0)
    _exit(make_report(console->data_dir, xlsx, path));
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

int
dbn_console_get_report(dbn_web_request_t *req, void *arg)
{
  size_t len = 0;
  char *json = run_report(arg, false, &len);
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
  char *data = run_report(arg, true, &len);
  if (!data)
    return dbn_web_reply_error(req, 503, "暂时无法导出Excel（日志副本为空或计分规则有误）");
  int rc = dbn_web_reply_bytes(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               data, len, "督办考核报告.xlsx");
  free(data);
  return rc;
}
