/* import_docx.c: a Word document (.docx) read as the text the importer
 * parses (see import_internal.h, import_docx_to_text).
 *
 * A .docx is a zip archive (libzip) whose word/document.xml (libxml2)
 * holds the body: paragraphs (w:p, their text in w:t runs) and tables
 * (w:tbl → w:tr rows → w:tc cells). Departments get most breakdown plans as
 * a responsibility table: a header row (序号, 任务, 具体措施, 牵头单位,
 * 配合单位, 完成时限 and their variants) and one row per task, with the task
 * or the lead unit written once in a cell merged down over several rows
 * (w:vMerge) and category rows that span the whole width (w:gridSpan).
 *
 * The table is first laid out on its grid, every merged cell's text copied
 * into each grid place it covers, so that a row carries everything it
 * inherits. The header row names each column's role; each later row then
 * becomes one numbered item (one task) under a measure (the task column's
 * text, a new measure whenever it changes), with its deadline and its units
 * written after it as the text format has them:
 *   （一）任务
 *   1.具体措施（完成时限：2024年6月底前）（牵头单位：A；配合单位：B）
 * A row whose one cell spans the width starts a section (一、…). The
 * paragraphs outside tables are kept as lines, so the document number,
 * title and issuing date are read from them as from a text document. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "error.h"
#include "import_internal.h"
#include "lang.h"

#define DOCX_MAX_XML (32 * 1024 * 1024) /* word/document.xml of a plan is far smaller */
#define DOCX_MAX_COLUMNS 64
#define DOCX_MAX_CELLS (1 << 20) /* grid places in one table */

/* ---- a growing output buffer ------------------------------------------------- */

typedef struct {
  char *data;
  size_t length, capacity;
  size_t lines; /* line breaks written so far */
  bool failed;
} outbuf_t;

static void
out_add(outbuf_t *out, const char *text, size_t len)
{
  if (out->failed)
    return;
  if (out->length + len + 1 > out->capacity) {
    size_t capacity = out->capacity ? out->capacity : 4096;
    while (capacity < out->length + len + 1)
      capacity *= 2;
    char *bigger = realloc(out->data, capacity);
    if (!bigger) {
      out->failed = true;
      return;
    }
    out->data = bigger;
    out->capacity = capacity;
  }
  memcpy(out->data + out->length, text, len);
  for (size_t i = 0; i < len; i++)
    out->lines += text[i] == '\n';
  out->length += len;
  out->data[out->length] = '\0';
}

static void
out_str(outbuf_t *out, const char *text)
{
  out_add(out, text, strlen(text));
}

/* ---- XML helpers ------------------------------------------------------------- */

/* An element in the WordprocessingML namespace (any prefix) named name. */
static bool
is_w(const xmlNode *node, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

static const xmlNode *
w_child(const xmlNode *node, const char *name)
{
  for (const xmlNode *child = node ? node->children : NULL; child; child = child->next)
    if (is_w(child, name))
      return child;
  return NULL;
}

/* The w:val attribute (namespaced or not), the caller's to xmlFree; NULL if absent. */
static xmlChar *
w_val(const xmlNode *node)
{
  for (const xmlAttr *attr = node->properties; attr; attr = attr->next)
    if (strcmp((const char *)attr->name, "val") == 0)
      return xmlNodeGetContent((const xmlNode *)attr);
  return NULL;
}

/* The text of a paragraph or of anything holding runs: w:t, with w:tab and
 * w:br read as a space; deleted text (w:delText) is not read. */
static void
collect_text(const xmlNode *node, outbuf_t *out)
{
  for (const xmlNode *child = node->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE)
      continue;
    if (is_w(child, "t")) {
      xmlChar *content = xmlNodeGetContent(child);
      if (content) {
        for (const xmlChar *p = content; *p; p++)
          out_add(out, *p == '\n' || *p == '\r' ? " " : (const char *)p, 1);
        xmlFree(content);
      }
    } else if (is_w(child, "tab") || is_w(child, "br") || is_w(child, "cr")) {
      out_str(out, " ");
    } else if (!is_w(child, "delText") && !is_w(child, "instrText") && !is_w(child, "pPr") &&
               !is_w(child, "rPr")) {
      collect_text(child, out);
    }
  }
}

/* The text of a cell: its paragraphs joined by a space (a cell is one
 * item of the plan; a line break inside it must not start a new one). */
static char *
cell_text(const xmlNode *cell, bool *failed)
{
  outbuf_t out = {0};
  out_str(&out, "");
  for (const xmlNode *child = cell->children; child; child = child->next) {
    if (is_w(child, "p") || is_w(child, "tbl") || is_w(child, "sdt")) {
      size_t before = out.length;
      if (before > 0)
        out_str(&out, " ");
      collect_text(child, &out);
      if (out.length == before + 1)
        out.length = before, out.data[before] = '\0';
    }
  }
  if (out.failed) {
    free(out.data);
    *failed = true;
    return NULL;
  }
  return out.data;
}

/* ---- tables on their grid ------------------------------------------------------ */

typedef struct {
  char *text;     /* the cell's own text, or the merged cell's it continues */
  bool origin;    /* the first grid place of the cell as written (not a copy) */
  bool vcontinue; /* continues the cell above (w:vMerge without restart) */
  int width;      /* grid columns the written cell spans */
} place_t;

typedef struct {
  place_t *places; /* rows × columns */
  size_t rows, columns;
} grid_t;

static void
grid_free(grid_t *grid)
{
  for (size_t i = 0; i < grid->rows * grid->columns; i++)
    free(grid->places[i].text);
  free(grid->places);
}

static place_t *
grid_at(grid_t *grid, size_t row, size_t column)
{
  return &grid->places[row * grid->columns + column];
}

static size_t
count_rows(const xmlNode *table)
{
  size_t rows = 0;
  for (const xmlNode *row = table->children; row; row = row->next)
    rows += is_w(row, "tr");
  return rows;
}

static int
cell_span(const xmlNode *cell, bool *vmerge, bool *vcontinue)
{
  const xmlNode *props = w_child(cell, "tcPr");
  int span = 1;
  *vmerge = *vcontinue = false;
  const xmlNode *grid_span = w_child(props, "gridSpan");
  if (grid_span) {
    xmlChar *value = w_val(grid_span);
    if (value) {
      span = atoi((const char *)value);
      xmlFree(value);
    }
    if (span < 1 || span > DOCX_MAX_COLUMNS)
      span = 1;
  }
  const xmlNode *vm = w_child(props, "vMerge");
  if (vm) {
    *vmerge = true;
    xmlChar *value = w_val(vm);
    *vcontinue = !value || strcmp((const char *)value, "restart") != 0;
    xmlFree(value);
  }
  return span;
}

/* Grid columns a row leaves empty before its first cell (w:gridBefore). */
static size_t
grid_before(const xmlNode *row)
{
  const xmlNode *before = w_child(w_child(row, "trPr"), "gridBefore");
  xmlChar *value = before ? w_val(before) : NULL;
  int n = value ? atoi((const char *)value) : 0;
  xmlFree(value);
  return n > 0 && n <= DOCX_MAX_COLUMNS ? (size_t)n : 0;
}

static size_t
row_width(const xmlNode *row)
{
  size_t width = grid_before(row);
  for (const xmlNode *cell = row->children; cell; cell = cell->next) {
    if (!is_w(cell, "tc"))
      continue;
    bool vmerge, vcontinue;
    width += (size_t)cell_span(cell, &vmerge, &vcontinue);
  }
  return width;
}

/* Lay the table out on its grid, resolving w:gridSpan (the text in every
 * column the cell spans) and w:vMerge (the text of the cell above). */
static int
build_grid(const xmlNode *table, grid_t *grid)
{
  memset(grid, 0, sizeof *grid);
  grid->rows = count_rows(table);
  for (const xmlNode *row = table->children; row; row = row->next)
    if (is_w(row, "tr")) {
      size_t width = row_width(row);
      if (width > grid->columns)
        grid->columns = width;
    }
  if (grid->columns > DOCX_MAX_COLUMNS)
    grid->columns = DOCX_MAX_COLUMNS;
  if (grid->rows == 0 || grid->columns == 0)
    return 0;
  if (grid->rows > DOCX_MAX_CELLS / grid->columns)
    return DBN_ETOOBIG;
  grid->places = calloc(grid->rows * grid->columns, sizeof *grid->places);
  if (!grid->places)
    return DBN_ENOMEM;
  size_t r = 0;
  bool failed = false;
  for (const xmlNode *row = table->children; row && !failed; row = row->next) {
    if (!is_w(row, "tr"))
      continue;
    size_t c = grid_before(row);
    for (const xmlNode *cell = row->children; cell && c < grid->columns && !failed; cell = cell->next) {
      if (!is_w(cell, "tc"))
        continue;
      bool vmerge, vcontinue;
      int span = cell_span(cell, &vmerge, &vcontinue);
      char *text = NULL;
      if (vcontinue && r > 0 && grid_at(grid, r - 1, c)->text)
        text = strdup(grid_at(grid, r - 1, c)->text);
      else
        text = cell_text(cell, &failed);
      if (!text) {
        failed = true;
        break;
      }
      for (int k = 0; k < span && c < grid->columns; k++, c++) {
        place_t *place = grid_at(grid, r, c);
        place->text = k == 0 ? text : strdup(text);
        place->origin = k == 0;
        place->vcontinue = vcontinue && r > 0;
        place->width = span;
        if (!place->text)
          failed = true;
      }
    }
    r++;
  }
  return failed ? DBN_ENOMEM : 0;
}

/* ---- header mapping ------------------------------------------------------------ */

/* The header words of each role, matched as a substring of the header cell
 * with spaces removed; earlier entries win ("具体措施" before "措施"). */
static const struct {
  const char *word;
  enum column_role role;
} header_words[] = {
    {"序号", COLUMN_NUMBER},       {"编号", COLUMN_NUMBER},       {"具体措施", COLUMN_MEASURE},
    {"具体举措", COLUMN_MEASURE},  {"落实举措", COLUMN_MEASURE},  {"工作措施", COLUMN_MEASURE},
    {"主要措施", COLUMN_MEASURE},  {"推进措施", COLUMN_MEASURE},  {"工作举措", COLUMN_MEASURE},
    {"具体内容", COLUMN_MEASURE},  {"措施", COLUMN_MEASURE},      {"举措", COLUMN_MEASURE},
    {"牵头", COLUMN_LEAD},         {"主责", COLUMN_LEAD},         {"主办", COLUMN_LEAD},
    {"配合", COLUMN_COOP},         {"协同", COLUMN_COOP},         {"协办", COLUMN_COOP},
    {"参与", COLUMN_COOP},         {"支撑", COLUMN_COOP},         {"责任单位", COLUMN_OWNER},
    {"责任部门", COLUMN_OWNER},    {"责任主体", COLUMN_OWNER},    {"承办单位", COLUMN_OWNER},
    {"实施单位", COLUMN_OWNER},    {"完成时限", COLUMN_DEADLINE}, {"完成时间", COLUMN_DEADLINE},
    {"时间节点", COLUMN_DEADLINE}, {"时限", COLUMN_DEADLINE},     {"进度安排", COLUMN_DEADLINE},
    {"完成期限", COLUMN_DEADLINE}, {"任务", COLUMN_TASK},         {"工作内容", COLUMN_TASK},
    {"事项", COLUMN_TASK},         {"目标", COLUMN_TASK},         {"实事", COLUMN_TASK},
    {"重点工作", COLUMN_TASK},
};

enum column_role
import_column_role(const char *text)
{
  char squeezed[256];
  size_t n = 0;
  for (const char *p = text; *p && n + 1 < sizeof squeezed; p++)
    if (*p != ' ')
      squeezed[n++] = *p;
  squeezed[n] = '\0';
  if (strncmp(squeezed, "\xe3\x80\x80", 3) == 0) /* an ideographic space */
    memmove(squeezed, squeezed + 3, n - 2);
  /* 牵头市领导, 联系人, 备注: people and notes, not units or tasks */
  if (strstr(squeezed, "领导") || strstr(squeezed, "联系人") || strstr(squeezed, "备注"))
    return COLUMN_PEOPLE;
  for (size_t i = 0; i < sizeof header_words / sizeof header_words[0]; i++)
    if (strstr(squeezed, header_words[i].word))
      return header_words[i].role;
  return COLUMN_NONE;
}

typedef struct {
  enum column_role roles[DOCX_MAX_COLUMNS];
  int task, measure, lead, coop, owner, deadline; /* column or -1 */
  size_t header_row;
} columns_t;

/* The header row among the first rows: at least a text column (task or
 * measure) and a unit column. */
static bool
map_header(grid_t *grid, columns_t *columns)
{
  for (size_t r = 0; r < grid->rows && r < 3; r++) {
    memset(columns, 0, sizeof *columns);
    columns->task = columns->measure = columns->lead = columns->coop = columns->owner = columns->deadline =
        -1;
    for (size_t c = 0; c < grid->columns; c++) {
      place_t *place = grid_at(grid, r, c);
      if (!place->text || !place->origin)
        continue;
      enum column_role role = import_column_role(place->text);
      int *slot = role == COLUMN_TASK       ? &columns->task
                  : role == COLUMN_MEASURE  ? &columns->measure
                  : role == COLUMN_LEAD     ? &columns->lead
                  : role == COLUMN_COOP     ? &columns->coop
                  : role == COLUMN_OWNER    ? &columns->owner
                  : role == COLUMN_DEADLINE ? &columns->deadline
                                            : NULL;
      if (slot && *slot < 0) {
        *slot = (int)c;
        columns->roles[c] = role;
      }
    }
    if ((columns->task >= 0 || columns->measure >= 0) &&
        (columns->lead >= 0 || columns->owner >= 0 || columns->coop >= 0)) {
      columns->header_row = r;
      return true;
    }
  }
  return false;
}

/* ---- emitting the text format ---------------------------------------------------- */

typedef struct {
  outbuf_t *out;
  int sections, measures, items; /* numbering of what was emitted */
  char *measure_key;             /* the task text of the current measure */
  char *caption;                 /* the last paragraph before the table (owned) */
  int tables;                    /* tables whose header was read */
  int skipped;                   /* paragraphs and cells after a task table not read */
  char **origins;                /* by line of the text (0-based): the table row it came from */
  size_t origin_capacity;
} emit_t;

static const char *const cn_digits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 1..99 in Chinese numerals (the structure parser reads up to 九十九). */
static void
cn_numeral(int n, char *buf, size_t len)
{
  if (n < 1 || n > 99) {
    snprintf(buf, len, "九十九");
    return;
  }
  if (n < 10)
    snprintf(buf, len, "%s", cn_digits[n]);
  else
    snprintf(buf, len, "%s十%s", n >= 20 ? cn_digits[n / 10] : "", cn_digits[n % 10]);
}

static bool
blank(const char *text)
{
  for (const char *p = text; p && *p; p++)
    if (*p != ' ')
      return strncmp(p, "\xe3\x80\x80", 3) == 0 ? blank(p + 3) : false;
  return true;
}

/* Remember that the next line of the text is row r of the current table:
 * "表1 第3行：序号=1 | 具体措施=… | 责任单位=…", its cells under their
 * headers, for `plan import --explain`. */
static void
note_origin(emit_t *emit, grid_t *grid, const columns_t *columns, size_t r)
{
  size_t line = emit->out->lines;
  if (line >= emit->origin_capacity) {
    size_t capacity = emit->origin_capacity ? emit->origin_capacity * 2 : 64;
    while (capacity <= line)
      capacity *= 2;
    char **bigger = realloc(emit->origins, capacity * sizeof *bigger);
    if (!bigger) {
      emit->out->failed = true;
      return;
    }
    memset(bigger + emit->origin_capacity, 0, (capacity - emit->origin_capacity) * sizeof *bigger);
    emit->origins = bigger;
    emit->origin_capacity = capacity;
  }
  outbuf_t origin = {0};
  char where[64];
  snprintf(where, sizeof where, "表%d 第%zu行：", emit->tables, r + 1);
  out_str(&origin, where);
  bool first = true;
  for (size_t c = 0; c < grid->columns; c++) {
    const place_t *place = grid_at(grid, r, c);
    const place_t *header = grid_at(grid, columns->header_row, c);
    if (!place->origin || blank(place->text))
      continue;
    out_str(&origin, first ? "" : " | ");
    out_str(&origin, header->text && !blank(header->text) ? header->text : "？");
    out_str(&origin, place->vcontinue ? "（合并）=" : "=");
    out_str(&origin, place->text);
    first = false;
  }
  if (origin.failed) {
    free(origin.data);
    emit->out->failed = true;
    return;
  }
  free(emit->origins[line]);
  emit->origins[line] = origin.data;
}

/* Starts with a section number of its own (一、 … 九十九、). */
static bool
has_section_number(const char *text)
{
  const char *p = text;
  bool numeral = false;
  while (*p) {
    bool found = false;
    for (int d = 1; d <= 9 && !found; d++)
      if (strncmp(p, cn_digits[d], 3) == 0)
        found = true;
    if (!found && strncmp(p, "十", 3) == 0)
      found = true;
    if (!found)
      break;
    numeral = true;
    p += 3;
  }
  return numeral && strncmp(p, "、", 3) == 0;
}

static void
emit_section(emit_t *emit, const char *title)
{
  char numeral[32];
  emit->sections++;
  free(emit->measure_key);
  emit->measure_key = NULL;
  out_str(emit->out, "\n");
  if (!has_section_number(title)) {
    cn_numeral(emit->sections, numeral, sizeof numeral);
    out_str(emit->out, numeral);
    out_str(emit->out, "、");
  }
  out_str(emit->out, title);
  out_str(emit->out, "\n");
  emit->measures = 0;
}

static void
emit_measure(emit_t *emit, const char *text)
{
  char numeral[32];
  emit->measures++;
  emit->items = 0;
  cn_numeral(emit->measures, numeral, sizeof numeral);
  out_str(emit->out, "（");
  out_str(emit->out, numeral);
  out_str(emit->out, "）");
  out_str(emit->out, text);
  out_str(emit->out, "\n");
  free(emit->measure_key);
  emit->measure_key = strdup(text);
  if (!emit->measure_key)
    emit->out->failed = true;
}

static const char *
column_text(grid_t *grid, size_t r, int c)
{
  if (c < 0)
    return NULL;
  const place_t *place = grid_at(grid, r, (size_t)c);
  /* A cell spanning several columns belongs to the first of them only. */
  return !place->origin || blank(place->text) ? NULL : place->text;
}

/* A row whose one written cell spans (nearly) the width: a category. */
static const char *
category_row(grid_t *grid, size_t r)
{
  place_t *first = grid_at(grid, r, 0);
  if (grid->columns >= 3 && first->origin && !first->vcontinue && (size_t)first->width >= grid->columns - 1 &&
      !blank(first->text))
    return first->text;
  return NULL;
}

static void
emit_row(emit_t *emit, grid_t *grid, const columns_t *columns, size_t r)
{
  const char *category = category_row(grid, r);
  if (category) {
    emit_section(emit, category);
    return;
  }
  const char *task = column_text(grid, r, columns->task);
  const char *measure = column_text(grid, r, columns->measure);
  const char *item = measure ? measure : task;
  if (!item)
    return; /* an empty row or a row with only a number */
  int header_cells = 0;
  for (size_t c = 0; c < grid->columns; c++) {
    const char *text = column_text(grid, r, (int)c);
    if (columns->roles[c] != COLUMN_NONE && text && strlen(text) < 32 &&
        import_column_role(text) == columns->roles[c])
      header_cells++;
  }
  if (header_cells >= 2)
    return; /* the header repeated (on a new page) */
  if (emit->sections == 0)
    emit_section(emit, emit->caption && !blank(emit->caption) ? emit->caption : "重点任务");
  const char *key = measure && task ? task : emit->measure_key ? emit->measure_key : "重点任务";
  if (!emit->measure_key || strcmp(key, emit->measure_key) != 0 || emit->measures == 0)
    emit_measure(emit, key);
  char number[16];
  snprintf(number, sizeof number, "%d.", ++emit->items);
  note_origin(emit, grid, columns, r);
  out_str(emit->out, number);
  out_str(emit->out, item);
  const char *deadline = column_text(grid, r, columns->deadline);
  if (deadline) {
    out_str(emit->out, "（完成时限：");
    out_str(emit->out, deadline);
    out_str(emit->out, "）");
  }
  const char *lead = column_text(grid, r, columns->lead);
  const char *coop = column_text(grid, r, columns->coop);
  const char *owner = column_text(grid, r, columns->owner);
  if (lead || coop || owner) {
    out_str(emit->out, "（");
    bool any = false;
    if (lead || (!owner && coop)) {
      out_str(emit->out, "牵头单位：");
      out_str(emit->out, lead ? lead : coop);
      any = true;
    }
    if (owner) {
      out_str(emit->out, any ? "；责任单位：" : "责任单位：");
      out_str(emit->out, owner);
      any = true;
    }
    if (coop && (lead || owner)) {
      out_str(emit->out, "；配合单位：");
      out_str(emit->out, coop);
    }
    out_str(emit->out, "）");
  }
  out_str(emit->out, "\n");
}

static int
emit_table(emit_t *emit, const xmlNode *table)
{
  grid_t grid;
  int rc = build_grid(table, &grid);
  columns_t columns;
  if (!rc && grid.places && map_header(&grid, &columns)) {
    emit->tables++;
    for (size_t r = columns.header_row + 1; r < grid.rows; r++)
      emit_row(emit, &grid, &columns, r);
  } else if (!rc && grid.places) {
    /* Not a task table: its cells as paragraphs, so nothing is lost. */
    for (size_t r = 0; r < grid.rows; r++)
      for (size_t c = 0; c < grid.columns; c++) {
        place_t *place = grid_at(&grid, r, c);
        if (place->origin && !place->vcontinue && !blank(place->text) && emit->tables > 0) {
          emit->skipped++; /* after a task table: would read as part of its last row */
        } else if (place->origin && !place->vcontinue && !blank(place->text)) {
          out_str(emit->out, place->text);
          out_str(emit->out, "\n");
        }
      }
  }
  grid_free(&grid);
  return rc;
}

static int
emit_body(emit_t *emit, const xmlNode *body, outbuf_t *caption)
{
  int rc = 0;
  for (const xmlNode *node = body->children; node && !rc && !emit->out->failed; node = node->next) {
    if (is_w(node, "p")) {
      caption->length = 0;
      out_str(caption, "");
      collect_text(node, caption);
      if (caption->failed)
        return DBN_ENOMEM;
      /* After a task table, a paragraph that is no section (表2, a note,
       * the 抄送 footer) would read as a further paragraph of the last
       * row's item: it is left out and counted. */
      if (emit->tables > 0 && !has_section_number(caption->data)) {
        emit->skipped += !blank(caption->data);
        continue;
      }
      out_str(emit->out, caption->data);
      out_str(emit->out, "\n");
      if (!blank(caption->data)) {
        free(emit->caption);
        emit->caption = strdup(caption->data);
        if (!emit->caption)
          return DBN_ENOMEM;
      }
      if (has_section_number(caption->data)) { /* a section written outside the table */
        emit->sections++;
        emit->measures = 0;
        free(emit->measure_key);
        emit->measure_key = NULL;
      }
    } else if (is_w(node, "tbl")) {
      rc = emit_table(emit, node);
    } else if (is_w(node, "sdt")) {
      const xmlNode *content = w_child(node, "sdtContent");
      if (content)
        rc = emit_body(emit, content, caption);
    }
  }
  return rc;
}

/* ---- the archive ------------------------------------------------------------------- */

static int
read_document_xml(const char *bytes, size_t len, char **xml_p, size_t *xml_len_p, char *why, size_t why_len)
{
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t *source = zip_source_buffer_create(bytes, len, 0, &error);
  zip_t *archive = source ? zip_open_from_source(source, ZIP_RDONLY, &error) : NULL;
  if (!archive) {
    snprintf(why, why_len, dbn_tr("不是可读的 .docx（zip 压缩包）：%s", "not a readable .docx (zip): %s"),
             zip_error_strerror(&error));
    zip_error_fini(&error);
    if (source)
      zip_source_free(source);
    return DBN_EINVAL;
  }
  zip_error_fini(&error);
  int rc = 0;
  zip_stat_t st;
  zip_stat_init(&st);
  zip_file_t *file = NULL;
  char *xml = NULL;
  if (zip_stat(archive, "word/document.xml", 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    snprintf(why, why_len,
             dbn_tr("zip 压缩包中没有 word/document.xml：不是 Word 文档",
                    "a zip archive without word/document.xml: not a Word document"));
    rc = DBN_EINVAL;
  } else if (st.size > DOCX_MAX_XML) {
    snprintf(
        why, why_len,
        dbn_tr("word/document.xml 有 %llu 字节，超过 %d", "word/document.xml is %llu bytes, more than %d"),
        (unsigned long long)st.size, DOCX_MAX_XML);
    rc = DBN_ETOOBIG;
  } else if (!(xml = malloc((size_t)st.size + 1))) {
    rc = DBN_ENOMEM;
  } else if (!(file = zip_fopen(archive, "word/document.xml", 0)) ||
             zip_fread(file, xml, st.size) != (zip_int64_t)st.size) {
    snprintf(
        why, why_len,
        dbn_tr("无法从压缩包中读出 word/document.xml", "word/document.xml cannot be read from the archive"));
    rc = DBN_EINVAL;
  }
  if (file)
    zip_fclose(file);
  zip_discard(archive);
  if (rc) {
    free(xml);
    return rc;
  }
  xml[st.size] = '\0';
  *xml_p = xml;
  *xml_len_p = (size_t)st.size;
  return 0;
}

bool
import_is_docx(const char *bytes, size_t len)
{
  return len >= 4 && memcmp(bytes, "PK\x03\x04", 4) == 0;
}

bool
import_is_ole(const char *bytes, size_t len)
{
  return len >= 8 && memcmp(bytes, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0;
}

/* The origins emit noted, as many as the text has lines (NULL where a line
 * is no table row), or freed when origins_p is NULL. */
static void
hand_over_origins(emit_t *emit, size_t lines, char ***origins_p, size_t *origin_count_p)
{
  if (!origins_p || emit->out->failed) {
    for (size_t i = 0; i < emit->origin_capacity; i++)
      free(emit->origins[i]);
    free(emit->origins);
    return;
  }
  *origins_p = emit->origins;
  *origin_count_p = emit->origin_capacity < lines ? emit->origin_capacity : lines;
  for (size_t i = *origin_count_p; i < emit->origin_capacity; i++)
    free(emit->origins[i]);
}

int
import_docx_to_text(const char *bytes, size_t len, char **text_p, size_t *text_len_p, int *tables_p,
                    int *skipped_p, char ***origins_p, size_t *origin_count_p, char *why, size_t why_len)
{
  char *xml = NULL;
  size_t xml_len = 0;
  *text_p = NULL;
  int rc = read_document_xml(bytes, len, &xml, &xml_len, why, why_len);
  if (rc)
    return rc;
  xmlDoc *doc = xmlReadMemory(xml, (int)xml_len, "document.xml", NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  free(xml);
  const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
  const xmlNode *body = root ? w_child(root, "body") : NULL;
  if (!body) {
    snprintf(why, why_len,
             dbn_tr("word/document.xml 不是 Word 文档正文（w:document/w:body）",
                    "word/document.xml is not a Word document body (w:document/w:body)"));
    xmlFreeDoc(doc);
    return DBN_EINVAL;
  }
  outbuf_t out = {0}, caption = {0};
  out_str(&out, "");
  emit_t emit = {.out = &out};
  rc = emit_body(&emit, body, &caption);
  if (rc)
    out.failed = true;
  hand_over_origins(&emit, out.lines + 1, rc ? NULL : origins_p, origin_count_p);
  free(emit.measure_key);
  free(emit.caption);
  free(caption.data);
  xmlFreeDoc(doc);
  if (!rc && out.failed)
    rc = DBN_ENOMEM;
  if (rc) {
    free(out.data);
    if (rc == DBN_ENOMEM)
      snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
    else if (rc == DBN_ETOOBIG)
      snprintf(why, why_len,
               dbn_tr("文档中有表格超过 %d 个单元格", "a table of the document is larger than %d cells"),
               DOCX_MAX_CELLS);
    return rc;
  }
  *text_p = out.data;
  *text_len_p = out.length;
  *tables_p = emit.tables;
  *skipped_p = emit.skipped;
  return 0;
}
