/* xlsx.c: the report as an Excel workbook (report.h's
 * dbn_report_write_xlsx), with libxlsxwriter. Four sheets, 任务, 指标,
 * 考核排名 and 逾期清单; each starts with a line naming the moment, the
 * scoring rules version and the log's head (seq and hash), so that a sheet
 * printed or forwarded alone still says what it was computed from. */
#include "xlsx.h"

#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "report.h"

uint32_t
dbn_xlsx_colour_fill(dbn_colour_t colour)
{
  switch (colour) {
  case DBN_COLOUR_GREEN: return 0xD9EAD3;
  case DBN_COLOUR_BLUE: return 0xCFE2F3;
  case DBN_COLOUR_YELLOW: return 0xFFF2CC;
  case DBN_COLOUR_RED: return 0xF4CCCC;
  }
  return 0xF4CCCC;
}

/* The row the column headers go on; data follows. */
enum { HEADER_ROW = 2 };

typedef struct {
  lxw_workbook *workbook;
  lxw_format *bold;
  lxw_format *fills[DBN_COLOUR_COUNT];
  const dbn_report_t *report;
} book_t;

static lxw_format *
fill(const book_t *book, dbn_colour_t colour)
{
  return book->fills[(unsigned)colour < DBN_COLOUR_COUNT ? colour : DBN_COLOUR_RED];
}

/* A sheet with its first line and its column headers. */
static lxw_worksheet *
new_sheet(const book_t *book, const char *name, const char *const *headers, size_t n_headers)
{
  lxw_worksheet *sheet = workbook_add_worksheet(book->workbook, name);
  if (!sheet)
    return NULL;
  const dbn_report_t *report = book->report;
  char day[16], line[512];
  dbn_report_local_date(report->at, day);
  snprintf(line, sizeof line, "截至 %s（北京时间）  考核细则：%s%s  日志头：%llu %s", day,
           report->rules.version, report->rules_loaded ? "" : "（未加载，按默认细则）",
           (unsigned long long)report->head_seq, report->head_hash);
  worksheet_write_string(sheet, 0, 0, line, book->bold);
  for (size_t c = 0; c < n_headers; c++) {
    worksheet_write_string(sheet, HEADER_ROW, (lxw_col_t)c, headers[c], book->bold);
    worksheet_set_column(sheet, (lxw_col_t)c, (lxw_col_t)c, c == 2 ? 40 : 14, NULL);
  }
  return sheet;
}

/* A task's unit as a person reads it: its name in the report (the code
 * when the plan has no such unit). */
static const char *
unit_name_of(const dbn_report_t *report, const char *code)
{
  code = code ? code : "";
  for (size_t u = 0; u < report->n_units; u++)
    if (strcmp(report->units[u].code, code) == 0 && report->units[u].name && report->units[u].name[0])
      return report->units[u].name;
  return code;
}

static int
tasks_sheet(const book_t *book)
{
  static const char *const headers[] = {"任务",  "责任单位",  "任务内容",   "颜色",
                                        "进度%", "序时进度%", "下一截止日", "逾期天数"};
  lxw_worksheet *sheet = new_sheet(book, "任务", headers, sizeof headers / sizeof headers[0]);
  if (!sheet)
    return -1;
  const dbn_report_t *report = book->report;
  for (size_t t = 0; t < report->n_tasks; t++) {
    const dbn_report_task_t *line = &report->tasks[t];
    lxw_row_t row = (lxw_row_t)(HEADER_ROW + 1 + t);
    char due[16] = "";
    if (line->pace.next_due)
      dbn_report_due_date(line->pace.next_due, due);
    worksheet_write_string(sheet, row, 0, line->task->id, NULL);
    worksheet_write_string(sheet, row, 1, unit_name_of(report, line->task->unit), NULL);
    worksheet_write_string(sheet, row, 2, line->task->text ? line->task->text : "", NULL);
    worksheet_write_string(sheet, row, 3, dbn_colour_name_zh(line->colour), fill(book, line->colour));
    worksheet_write_number(sheet, row, 4, line->task->percent, NULL);
    worksheet_write_number(sheet, row, 5, line->pace.expected_percent, NULL);
    worksheet_write_string(sheet, row, 6, due, NULL);
    worksheet_write_number(sheet, row, 7, line->pace.days_overdue, NULL);
  }
  return 0;
}

/* One row per target, with every figure reported on the task beside the
 * first (figure.h's lines already name their target). */
static int
targets_sheet(const book_t *book)
{
  static const char *const headers[] = {"任务", "责任单位", "指标", "报送数据"};
  lxw_worksheet *sheet = new_sheet(book, "指标", headers, sizeof headers / sizeof headers[0]);
  if (!sheet)
    return -1;
  const dbn_report_t *report = book->report;
  lxw_row_t row = HEADER_ROW + 1;
  for (size_t t = 0; t < report->n_tasks; t++) {
    const dbn_report_task_t *line = &report->tasks[t];
    size_t rows = line->n_targets > line->n_figures ? line->n_targets : line->n_figures;
    for (size_t i = 0; i < rows; i++, row++) {
      worksheet_write_string(sheet, row, 0, line->task->id, NULL);
      worksheet_write_string(sheet, row, 1, unit_name_of(report, line->task->unit), NULL);
      worksheet_write_string(sheet, row, 2, i < line->n_targets ? line->targets[i] : "", NULL);
      worksheet_write_string(sheet, row, 3, i < line->n_figures ? line->figures[i] : "", NULL);
    }
  }
  return 0;
}

static int
ranking_sheet(const book_t *book)
{
  const char *headers[DBN_REPORT_RANK_LEADING + DBN_REPORT_RANK_COUNTS];
  memcpy(headers, dbn_report_rank_leading, sizeof dbn_report_rank_leading);
  for (size_t k = 0; k < DBN_REPORT_RANK_COUNTS; k++)
    headers[DBN_REPORT_RANK_LEADING + k] = dbn_report_rank_columns[k].sheet_header;
  lxw_worksheet *sheet = new_sheet(book, "考核排名", headers, sizeof headers / sizeof headers[0]);
  if (!sheet)
    return -1;
  const dbn_report_t *report = book->report;
  for (size_t u = 0; u < report->n_units; u++) {
    const dbn_report_unit_t *unit = &report->units[u];
    const dbn_score_t *s = &unit->score;
    lxw_row_t row = (lxw_row_t)(HEADER_ROW + 1 + u);
    worksheet_write_number(sheet, row, 0, s->rank, NULL);
    worksheet_write_string(sheet, row, 1, unit->name, NULL);
    worksheet_write_string(sheet, row, 2, unit->code, NULL);
    worksheet_write_number(sheet, row, 3, s->total, NULL);
    worksheet_write_string(sheet, row, 4, dbn_colour_name_zh(s->colour), fill(book, s->colour));
    long long counts[DBN_REPORT_RANK_COUNTS];
    dbn_report_rank_counts(unit, counts);
    for (size_t k = 0; k < DBN_REPORT_RANK_COUNTS; k++)
      worksheet_write_number(sheet, row, (lxw_col_t)(DBN_REPORT_RANK_LEADING + k), (double)counts[k], NULL);
  }
  return 0;
}

static int
overdue_sheet(const book_t *book)
{
  static const char *const headers[] = {"任务", "责任单位", "任务内容", "截止日", "逾期天数"};
  lxw_worksheet *sheet = new_sheet(book, "逾期清单", headers, sizeof headers / sizeof headers[0]);
  if (!sheet)
    return -1;
  const dbn_report_t *report = book->report;
  for (size_t i = 0; i < report->n_overdue; i++) {
    const dbn_report_overdue_t *line = &report->overdue[i];
    const Duban__Task *task = report->tasks[line->task].task;
    lxw_row_t row = (lxw_row_t)(HEADER_ROW + 1 + i);
    char due[16];
    dbn_report_due_date(line->due_end, due);
    worksheet_write_string(sheet, row, 0, task->id, NULL);
    worksheet_write_string(sheet, row, 1, report->units[line->unit].name, NULL);
    worksheet_write_string(sheet, row, 2, task->text ? task->text : "", NULL);
    worksheet_write_string(sheet, row, 3, due, NULL);
    worksheet_write_number(sheet, row, 4, line->days_late, fill(book, DBN_COLOUR_RED));
  }
  return 0;
}

int
dbn_report_write_xlsx(const dbn_report_t *report, const char *path)
{
  book_t book = {.report = report};
  book.workbook = workbook_new(path);
  if (!book.workbook)
    return DBN_EIO;
  book.bold = workbook_add_format(book.workbook);
  format_set_bold(book.bold);
  for (int c = 0; c < DBN_COLOUR_COUNT; c++) {
    book.fills[c] = workbook_add_format(book.workbook);
    format_set_bg_color(book.fills[c], dbn_xlsx_colour_fill((dbn_colour_t)c));
    format_set_pattern(book.fills[c], LXW_PATTERN_SOLID);
  }
  int rc = tasks_sheet(&book);
  if (rc == 0)
    rc = targets_sheet(&book);
  if (rc == 0)
    rc = ranking_sheet(&book);
  if (rc == 0)
    rc = overdue_sheet(&book);
  /* workbook_close writes the file and frees the workbook, whatever rc. */
  lxw_error closed = workbook_close(book.workbook);
  return rc == 0 && closed == LXW_NO_ERROR ? 0 : DBN_EIO;
}
