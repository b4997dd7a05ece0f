/* report.c: the results of duban-bench, as tables or JSON.
 *
 * Sections add cells (row × column) as they measure; nothing is printed
 * until the end, so the table of a section lines up whatever order its
 * figures came in, and later sections can read earlier figures (the disk
 * floor beside the ingest rates, the targets from everything). A cell
 * prints as "median [min–max]". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct cell {
  char section[32]; /* "ingest" */
  char row[96];     /* "group commit, 64 agents, W=32" */
  char column[40];  /* "acks/s" */
  char unit[16];    /* "ms", "" */
  bench_figure_t figure;
  bool is_text;
  char text[160];
};

struct bench_report {
  struct cell *cells; /* in insertion order */
  size_t count;
  size_t capacity;
};

bench_report_t *
bench_report_new(void)
{
  return calloc(1, sizeof(bench_report_t));
}

void
bench_report_destroy(bench_report_t **report_p)
{
  if (!report_p || !*report_p)
    return;
  free((*report_p)->cells);
  free(*report_p);
  *report_p = NULL;
}

static struct cell *
add(bench_report_t *report, const char *section, const char *row, const char *column)
{
  if (report->count == report->capacity) {
    size_t capacity = report->capacity ? report->capacity * 2 : 64;
    struct cell *grown = realloc(report->cells, capacity * sizeof *grown);
    if (!grown)
      return NULL;
    report->cells = grown;
    report->capacity = capacity;
  }
  struct cell *c = &report->cells[report->count++];
  memset(c, 0, sizeof *c);
  snprintf(c->section, sizeof c->section, "%s", section);
  snprintf(c->row, sizeof c->row, "%s", row);
  snprintf(c->column, sizeof c->column, "%s", column);
  return c;
}

void
bench_report_figure(bench_report_t *report, const char *section, const char *row, const char *column,
                    const char *unit, bench_figure_t figure)
{
  struct cell *c = add(report, section, row, column);
  if (!c)
    return;
  snprintf(c->unit, sizeof c->unit, "%s", unit ? unit : "");
  c->figure = figure;
}

void
bench_report_text(bench_report_t *report, const char *section, const char *row, const char *column,
                  const char *text)
{
  struct cell *c = add(report, section, row, column);
  if (!c)
    return;
  c->is_text = true;
  snprintf(c->text, sizeof c->text, "%s", text);
}

bool
bench_report_get(bench_report_t *report, const char *section, const char *row, const char *column,
                 bench_figure_t *figure_p)
{
  for (size_t i = 0; i < report->count; i++) {
    struct cell *c = &report->cells[i];
    if (!c->is_text && strcmp(c->section, section) == 0 && strcmp(c->row, row) == 0 &&
        strcmp(c->column, column) == 0) {
      *figure_p = c->figure;
      return true;
    }
  }
  return false;
}

/* A number in few characters: 123456 → "123456", 0.01234 → "0.0123". */
static void
format_number(double v, char *out, size_t len)
{
  double a = v < 0 ? -v : v;
  if (a >= 1000 || a == 0)
    snprintf(out, len, "%.0f", v);
  else if (a >= 100)
    snprintf(out, len, "%.1f", v);
  else if (a >= 1)
    snprintf(out, len, "%.2f", v);
  else
    snprintf(out, len, "%.3g", v);
}

static void
format_cell(const struct cell *c, char *out, size_t len)
{
  if (c->is_text) {
    snprintf(out, len, "%s", c->text);
    return;
  }
  char med[32], lo[32], hi[32];
  format_number(c->figure.median, med, sizeof med);
  if (c->figure.runs <= 1) {
    snprintf(out, len, "%s", med);
    return;
  }
  format_number(c->figure.min, lo, sizeof lo);
  format_number(c->figure.max, hi, sizeof hi);
  snprintf(out, len, "%s [%s-%s]", med, lo, hi);
}

#define MAX_COLUMNS 12
#define MAX_ROWS 64

void
bench_report_print_table(bench_report_t *report, FILE *out)
{
  /* Sections in order of first appearance; within one, rows and columns
   * likewise. */
  bool *done = calloc(report->count + 1, sizeof *done);
  if (!done)
    return;
  for (size_t s = 0; s < report->count; s++) {
    if (done[s])
      continue;
    const char *section = report->cells[s].section;
    const char *columns[MAX_COLUMNS], *rows[MAX_ROWS];
    char headers[MAX_COLUMNS][64];
    int n_columns = 0, n_rows = 0;
    for (size_t i = s; i < report->count; i++) {
      struct cell *c = &report->cells[i];
      if (strcmp(c->section, section) != 0)
        continue;
      done[i] = true;
      int k;
      for (k = 0; k < n_columns && strcmp(columns[k], c->column) != 0; k++)
        ;
      if (k == n_columns && n_columns < MAX_COLUMNS) {
        columns[n_columns] = c->column;
        if (*c->unit)
          snprintf(headers[n_columns], sizeof headers[0], "%s (%s)", c->column, c->unit);
        else
          snprintf(headers[n_columns], sizeof headers[0], "%s", c->column);
        n_columns++;
      }
      for (k = 0; k < n_rows && strcmp(rows[k], c->row) != 0; k++)
        ;
      if (k == n_rows && n_rows < MAX_ROWS)
        rows[n_rows++] = c->row;
    }
    /* Widths. */
    int row_width = (int)strlen(section);
    int widths[MAX_COLUMNS];
    for (int k = 0; k < n_columns; k++)
      widths[k] = (int)strlen(headers[k]);
    for (int r = 0; r < n_rows; r++) {
      if ((int)strlen(rows[r]) > row_width)
        row_width = (int)strlen(rows[r]);
      for (int k = 0; k < n_columns; k++) {
        for (size_t i = s; i < report->count; i++) {
          struct cell *c = &report->cells[i];
          if (strcmp(c->section, section) == 0 && strcmp(c->row, rows[r]) == 0 &&
              strcmp(c->column, columns[k]) == 0) {
            char text[200];
            format_cell(c, text, sizeof text);
            if ((int)strlen(text) > widths[k])
              widths[k] = (int)strlen(text);
          }
        }
      }
    }
    fprintf(out, "\n| %-*s |", row_width, section);
    for (int k = 0; k < n_columns; k++)
      fprintf(out, " %-*s |", widths[k], headers[k]);
    fprintf(out, "\n|%.*s|", row_width + 2,
            "------------------------------------------------------------------------------------------------"
            "--------");
    for (int k = 0; k < n_columns; k++)
      fprintf(out, "%.*s|", widths[k] + 2,
              "----------------------------------------------------------------------------------------------"
              "----------");
    fprintf(out, "\n");
    for (int r = 0; r < n_rows; r++) {
      fprintf(out, "| %-*s |", row_width, rows[r]);
      for (int k = 0; k < n_columns; k++) {
        char text[200] = "";
        for (size_t i = s; i < report->count; i++) {
          struct cell *c = &report->cells[i];
          if (strcmp(c->section, section) == 0 && strcmp(c->row, rows[r]) == 0 &&
              strcmp(c->column, columns[k]) == 0)
            format_cell(c, text, sizeof text);
        }
        fprintf(out, " %-*s |", widths[k], text);
      }
      fprintf(out, "\n");
    }
  }
  free(done);
}

static void
json_string(FILE *out, const char *s)
{
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(out, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      fprintf(out, "\\u%04x", *s);
    else
      fputc(*s, out);
  }
  fputc('"', out);
}

void
bench_report_print_json(bench_report_t *report, FILE *out, const char *machine)
{
  fprintf(out, "{\"machine\": ");
  json_string(out, machine);
  fprintf(out, ", \"results\": [\n");
  for (size_t i = 0; i < report->count; i++) {
    struct cell *c = &report->cells[i];
    fprintf(out, "  {\"section\": ");
    json_string(out, c->section);
    fprintf(out, ", \"case\": ");
    json_string(out, c->row);
    fprintf(out, ", \"metric\": ");
    json_string(out, c->column);
    if (c->is_text) {
      fprintf(out, ", \"text\": ");
      json_string(out, c->text);
    } else {
      fprintf(out, ", \"unit\": ");
      json_string(out, c->unit);
      fprintf(out, ", \"median\": %.6g, \"min\": %.6g, \"max\": %.6g, \"runs\": %d", c->figure.median,
              c->figure.min, c->figure.max, c->figure.runs);
    }
    fprintf(out, "}%s\n", i + 1 < report->count ? "," : "");
  }
  fprintf(out, "]}\n");
}
