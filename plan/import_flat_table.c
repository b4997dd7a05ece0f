/* import_flat_table.c: a task table that lost its grid, read back.
 *
 * A table copied out of a web page or a PDF often arrives one cell a
 * line: 序号 / 2022年预期目标 / 责任单位, then 1 / 地区生产总值增长5.5%左右 /
 * 区发展改革委, 2 / … (blank lines between, or not). Read as text that is
 * "no structure". Here such a run is found by its header (a 序号 line and
 * the column names after it, mapped as a .docx table's header is,
 * import_docx.c) and each row, starting with its number 1, 2, 3 …, is
 * rewritten on its first line as the item the parser reads:
 * "1.地区生产总值增长5.5%左右（责任单位：区发展改革委）". The header's and the
 * other cells' lines become empty, so every line keeps its number and the
 * report still points into the document. A cell that is empty on the page
 * cannot be told from a missing line: a row is read only while its number
 * is the next one, and a table whose rows do not line up ends there. A
 * row with more lines than columns is read only under a 序号 / text / unit
 * [/ 完成时限] header, when its lines fall into place as a work's text, its
 * units one a line and its deadline (read_tall_row).
 * Some pages end every cell with " |" (the table's rule, kept as text):
 * that mark is not part of the cell. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "utf8.h"

#define FLAT_MAX_COLUMNS 8
#define FLAT_MAX_HEADER_CELL 12 /* code points */

typedef struct {
  enum column_role roles[FLAT_MAX_COLUMNS];
  size_t columns; /* after 序号 */
} flat_header_t;

/* What replaces each line: NULL keeps it, an empty text blanks it. */
typedef struct {
  cptext_t *lines; /* by line index */
  bool *blank;
  bool any;
} rewrite_t;

static bool
line_blank(const importer_t *importer, size_t i)
{
  return importer->lines[i].start >= importer->lines[i].end;
}

static size_t
next_filled(const importer_t *importer, size_t i)
{
  while (i < importer->line_count && line_blank(importer, i))
    i++;
  return i;
}

/* Where line i's cell ends: before a closing "|" and the spaces around it. */
static size_t
cell_end(const importer_t *importer, size_t i)
{
  const line_t *line = &importer->lines[i];
  size_t end = line->end;
  while (end > line->start && importer->normalized[end - 1] == ' ')
    end--;
  if (end > line->start && importer->normalized[end - 1] == '|') {
    end--;
    while (end > line->start && importer->normalized[end - 1] == ' ')
      end--;
  }
  return end;
}

static enum column_role
line_role(importer_t *importer, size_t i)
{
  const line_t *line = &importer->lines[i];
  size_t end = cell_end(importer, i);
  if (end - line->start > FLAT_MAX_HEADER_CELL)
    return COLUMN_NONE;
  char *text = import_encode(importer, importer->typed, line->start, end);
  enum column_role role = text ? import_column_role(text) : COLUMN_NONE;
  free(text);
  return role;
}

/* The number a line holds alone (1, 12), or -1. */
static int
line_number(const importer_t *importer, size_t i)
{
  const line_t *line = &importer->lines[i];
  size_t end = cell_end(importer, i);
  int value = 0;
  if (end - line->start == 0 || end - line->start > 4)
    return -1;
  for (size_t k = line->start; k < end; k++) {
    if (!cp_is_digit(importer->normalized[k]))
      return -1;
    value = value * 10 + (int)(importer->normalized[k] - '0');
  }
  return value;
}

/* The header that starts at line i (序号 then column names); *after_p is
 * the line after it. */
static bool
read_header(importer_t *importer, size_t i, flat_header_t *header, size_t *after_p)
{
  if (line_role(importer, i) != COLUMN_NUMBER)
    return false;
  bool text = false, unit = false;
  header->columns = 0;
  size_t at = next_filled(importer, i + 1);
  while (at < importer->line_count && header->columns < FLAT_MAX_COLUMNS) {
    enum column_role role = line_role(importer, at);
    if (role == COLUMN_NONE || role == COLUMN_NUMBER)
      break; /* a people column (责任领导) is a column, read as nothing */
    text |= role == COLUMN_TASK || role == COLUMN_MEASURE;
    unit |= role == COLUMN_LEAD || role == COLUMN_COOP || role == COLUMN_OWNER;
    header->roles[header->columns++] = role;
    at = next_filled(importer, at + 1);
  }
  *after_p = at;
  return text && unit && header->columns >= 2;
}

static void
append_literal(importer_t *importer, cptext_t *text, const char *literal)
{
  while (*literal && !importer->error) {
    uint32_t cp;
    literal += dbn_utf8_decode(literal, &cp);
    uint32_t normalized = cp_normalize(cp);
    cptext_append(importer, text, &cp, &normalized, 1);
  }
}

static void
append_line(importer_t *importer, cptext_t *text, size_t i)
{
  const line_t *line = &importer->lines[i];
  cptext_append(importer, text, importer->typed + line->start, importer->normalized + line->start,
                line->end - line->start);
}

/* Line i as a cell, without its closing "|". */
static void
append_cell(importer_t *importer, cptext_t *text, size_t i)
{
  const line_t *line = &importer->lines[i];
  size_t end = cell_end(importer, i);
  cptext_append(importer, text, importer->typed + line->start, importer->normalized + line->start,
                end - line->start);
}

/* Row cells (line indexes, in header order) as an item on the row's line. */
static void
compose_row(importer_t *importer, const flat_header_t *header, size_t number_line, const size_t *cells,
            cptext_t *out)
{
  static const struct {
    enum column_role role;
    const char *label;
  } units[] = {{COLUMN_LEAD, "牵头单位："}, {COLUMN_OWNER, "责任单位："}, {COLUMN_COOP, "配合单位："}};
  append_cell(importer, out, number_line);
  append_literal(importer, out, ".");
  bool first_text = true;
  for (size_t c = 0; c < header->columns; c++)
    if (header->roles[c] == COLUMN_TASK || header->roles[c] == COLUMN_MEASURE) {
      if (!first_text)
        append_literal(importer, out, "：");
      append_cell(importer, out, cells[c]);
      first_text = false;
    }
  for (size_t c = 0; c < header->columns; c++)
    if (header->roles[c] == COLUMN_DEADLINE) {
      append_literal(importer, out, "（完成时限：");
      append_cell(importer, out, cells[c]);
      append_literal(importer, out, "）");
    }
  bool opened = false;
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
    for (size_t c = 0; c < header->columns; c++)
      if (header->roles[c] == units[u].role) {
        append_literal(importer, out, opened ? "；" : "（");
        append_literal(importer, out, units[u].label);
        append_cell(importer, out, cells[c]);
        opened = true;
      }
  if (opened)
    append_literal(importer, out, "）");
}

/* True when the next row's number (next) comes within a row's width after
 * line k, but not at k: the row had more lines than columns (a cell of
 * several lines, units one a line), so its cells cannot be lined up. */
static bool
row_overflows(const importer_t *importer, const flat_header_t *header, size_t k, int next)
{
  for (size_t seen = 0; k < importer->line_count && seen <= header->columns; seen++) {
    if (line_number(importer, k) == next)
      return seen > 0;
    k = next_filled(importer, k + 1);
  }
  return false;
}

/* ---- rows whose cells take several lines ---------------------------------------- */

#define FLAT_MAX_TALL 24 /* lines of one row */

/* A 完成时限 cell: short, naming a month or a year (12月底前, 9月投入使用). */
static bool
looks_like_deadline(const importer_t *importer, size_t i)
{
  const line_t *line = &importer->lines[i];
  size_t end = cell_end(importer, i);
  if (end <= line->start || end - line->start > 16 || importer->normalized[end - 1] == 0x3002) /* 。 */
    return false;
  for (size_t k = line->start; k + 1 < end; k++)
    if (cp_is_digit(importer->normalized[k]) &&
        (importer->normalized[k + 1] == 0x6708 || importer->normalized[k + 1] == 0x5e74)) /* 月 年 */
      return true;
  return false;
}

/* The header a tall row can be read under: 序号 / text / one unit column
 * [/ 完成时限]; *unit_p is the unit column's role. */
static bool
tall_header(const flat_header_t *header, enum column_role *unit_p)
{
  const enum column_role *roles = header->roles;
  bool text = roles[0] == COLUMN_TASK || roles[0] == COLUMN_MEASURE;
  bool unit = header->columns >= 2 &&
              (roles[1] == COLUMN_LEAD || roles[1] == COLUMN_OWNER || roles[1] == COLUMN_COOP);
  *unit_p = unit ? roles[1] : COLUMN_NONE;
  return text && unit && (header->columns == 2 || (header->columns == 3 && roles[2] == COLUMN_DEADLINE));
}

/* One work of a tall row as an item on its text line: "N.text（完成时限：d）
 * （责任单位：A、B）", the units those of the row's first work (its unit
 * cell merged down). */
static void
compose_work(importer_t *importer, size_t number_line, size_t text, size_t deadline, const size_t *units,
             size_t unit_count, enum column_role role, cptext_t *out)
{
  append_cell(importer, out, number_line);
  append_literal(importer, out, ".");
  append_cell(importer, out, text);
  if (deadline != SIZE_MAX) {
    append_literal(importer, out, "（完成时限：");
    append_cell(importer, out, deadline);
    append_literal(importer, out, "）");
  }
  append_literal(importer, out,
                 role == COLUMN_LEAD   ? "（牵头单位："
                 : role == COLUMN_COOP ? "（配合单位："
                                       : "（责任单位：");
  for (size_t u = 0; u < unit_count; u++) {
    if (u)
      append_literal(importer, out, "、");
    append_cell(importer, out, units[u]);
  }
  append_literal(importer, out, "）");
}

/* A row (number on line at, the next row's number next) whose cells take
 * several lines, as 大竹县's table has them: the work's text, its units one
 * a line, its deadline; then perhaps a further work (text, deadline) under
 * the same number and units. Read only when every line falls into place;
 * *k_p is then the next row's line. */
static bool
read_tall_row(importer_t *importer, const flat_header_t *header, size_t at, int next, rewrite_t *rewrite,
              size_t *k_p)
{
  enum column_role role;
  if (!tall_header(header, &role))
    return false;
  size_t lines[FLAT_MAX_TALL], n = 0, k = next_filled(importer, at + 1);
  while (k < importer->line_count && line_number(importer, k) != next && n < FLAT_MAX_TALL) {
    lines[n++] = k;
    k = next_filled(importer, k + 1);
  }
  if (k >= importer->line_count || line_number(importer, k) != next)
    return false;
  bool with_deadline = header->columns == 3;
  size_t units[FLAT_MAX_TALL], unit_count = 0, i = 0;
  size_t texts[FLAT_MAX_TALL], deadlines[FLAT_MAX_TALL], works = 0;
  while (i < n) {
    size_t text = lines[i++];
    if (looks_like_deadline(importer, text) ||
        import_looks_like_unit(importer, importer->lines[text].start, cell_end(importer, text)))
      return false;
    while (works == 0 && i < n &&
           import_looks_like_unit(importer, importer->lines[lines[i]].start, cell_end(importer, lines[i])))
      units[unit_count++] = lines[i++];
    size_t deadline = SIZE_MAX;
    if (with_deadline) {
      if (i >= n || !looks_like_deadline(importer, lines[i]))
        return false;
      deadline = lines[i++];
    }
    texts[works] = text;
    deadlines[works++] = deadline;
  }
  if (unit_count == 0)
    return false;
  for (size_t w = 0; w < works; w++)
    compose_work(importer, at, texts[w], deadlines[w], units, unit_count, role, &rewrite->lines[texts[w]]);
  rewrite->blank[at] = true;
  for (size_t l = 0; l < n; l++)
    rewrite->blank[lines[l]] = rewrite->lines[lines[l]].length == 0;
  rewrite->any = true;
  *k_p = k;
  return true;
}

/* The rows after a header at line after; returns how many were read. */
static int
read_rows(importer_t *importer, const flat_header_t *header, size_t after, rewrite_t *rewrite)
{
  int rows = 0;
  size_t at = next_filled(importer, after);
  while (at < importer->line_count && !importer->error && line_number(importer, at) == rows + 1) {
    size_t cells[FLAT_MAX_COLUMNS], k = next_filled(importer, at + 1);
    size_t c = 0;
    for (; c < header->columns && k < importer->line_count && line_number(importer, k) != rows + 2; c++) {
      cells[c] = k;
      k = next_filled(importer, k + 1);
    }
    if (c < header->columns)
      break; /* a short row: the table ends (or its cells cannot be lined up) */
    if (row_overflows(importer, header, k, rows + 2)) {
      int row_line = importer->lines[at].number;
      if (read_tall_row(importer, header, at, rows + 2, rewrite, &at)) {
        import_report(importer, row_line, "table",
                      "第 %d 行的单元格占多行：按“事项、单位（一行一个）、完成时限”读出", rows + 1);
        rows++;
        continue;
      }
      import_report(importer, importer->lines[at].number, "table",
                    "第 %d 行的单元格多于 %zu 行（一格多行）：对不齐，表格从此不读", rows + 1,
                    header->columns);
      break;
    }
    compose_row(importer, header, at, cells, &rewrite->lines[at]);
    rewrite->any = true;
    for (c = 0; c < header->columns; c++)
      rewrite->blank[cells[c]] = true;
    rows++;
    at = k;
  }
  return rows;
}

/* The text with every rewritten line replaced, lines kept apart by \n. */
static void
rebuild(importer_t *importer, const rewrite_t *rewrite)
{
  cptext_t all = {0};
  const uint32_t newline = '\n';
  for (size_t i = 0; i < importer->line_count && !importer->error; i++) {
    if (i > 0)
      cptext_append(importer, &all, &newline, &newline, 1);
    const cptext_t *line = &rewrite->lines[i];
    if (line->length)
      cptext_append(importer, &all, line->typed, line->normalized, line->length);
    else if (!rewrite->blank[i])
      append_line(importer, &all, i);
  }
  if (importer->error) {
    cptext_free(&all);
    return;
  }
  free(importer->typed);
  free(importer->normalized);
  free(importer->lines);
  importer->typed = all.typed;
  importer->normalized = all.normalized;
  importer->length = all.length;
  importer->lines = NULL;
  importer->line_count = 0;
}

bool
import_unflatten_tables(importer_t *importer)
{
  rewrite_t rewrite = {calloc(importer->line_count + 1, sizeof *rewrite.lines),
                       calloc(importer->line_count + 1, sizeof *rewrite.blank), false};
  if (!rewrite.lines || !rewrite.blank) {
    free(rewrite.lines);
    free(rewrite.blank);
    importer->error = DBN_ENOMEM;
    return false;
  }
  size_t line_count = importer->line_count;
  for (size_t i = 0; i < importer->line_count && !importer->error; i++) {
    flat_header_t header;
    size_t after;
    if (!read_header(importer, i, &header, &after))
      continue;
    int read = read_rows(importer, &header, after, &rewrite);
    if (read == 0)
      continue;
    for (size_t k = i; k < after; k++)
      rewrite.blank[k] = true;
    import_report(importer, importer->lines[i].number, "table",
                  "表格按单元格逐行展开（序号后 %zu 列）：%d 行读作事项", header.columns, read);
  }
  bool rebuilt = rewrite.any && !importer->error;
  if (rebuilt)
    rebuild(importer, &rewrite);
  for (size_t i = 0; i < line_count + 1; i++)
    cptext_free(&rewrite.lines[i]);
  free(rewrite.lines);
  free(rewrite.blank);
  return rebuilt;
}
