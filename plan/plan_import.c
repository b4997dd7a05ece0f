/* plan_import.c: see plan_import.h. The importer's entry points; they run
 * the phases of import_internal.h in order.
 *
 * How it reads a document. The bytes are checked and converted to UTF-8,
 * then decoded into code points twice over: as typed (for every text that
 * goes into the plan, so that the plan quotes the document exactly) and
 * normalized (full-width digits, letters and punctuation folded to ASCII,
 * every kind of space to ' ', every dash to '—'), which is what the parser
 * looks at. The two arrays run in parallel, so a position found in one is a
 * position in the other (import_input.c).
 *
 * Each line is then classified (section 一、, measure （一）, item 1. or （1）
 * or ①, the 具体落实举措 marker, a line of units, the 抄送 footer, or plain
 * text) and a small state machine builds sections → measures → actions
 * (import_structure.c); the lines before the first section give the title,
 * document number and issuing date (import_header.c). Units, deadlines and
 * targets are resolved only once the whole document is read, because the
 * plan's horizon (which undated actions inherit) and the canonical name of
 * each unit (the first spelling seen) depend on all of it
 * (import_build.c, with import_units.c, import_dates.c, import_targets.c).
 *
 * Everything the parser is unsure of goes into the report with its line;
 * nothing is dropped or guessed without a report entry. */
#include "plan_import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "import_internal.h"
#include "lang.h"

/* ---- freeing what an import built ---------------------------------------------------- */

static void
measure_free(measure_t *measure)
{
  for (size_t k = 0; k < measure->action_count; k++) {
    action_t *action = &measure->actions[k];
    free(action->number);
    cptext_free(&action->text);
    free(action->owner);
    strvec_free(&action->lead);
    strvec_free(&action->cooperating);
  }
  free(measure->actions);
  free(measure->number);
  cptext_free(&measure->text);
  strvec_free(&measure->lead);
  strvec_free(&measure->cooperating);
}

static void
importer_free(importer_t *importer)
{
  for (size_t si = 0; si < importer->section_count; si++) {
    section_t *section = &importer->sections[si];
    for (size_t mi = 0; mi < section->measure_count; mi++)
      measure_free(&section->measures[mi]);
    free(section->measures);
    free(section->number);
    free(section->title);
  }
  free(importer->sections);
  strvec_free(&importer->expanded);
  for (size_t i = 0; i < importer->unit_count; i++) {
    free(importer->units[i].name);
    free(importer->units[i].code);
    strvec_free(&importer->units[i].aliases);
  }
  free(importer->units);
  free(importer->typed);
  free(importer->normalized);
  free(importer->lines);
  free(importer->document);
  free(importer->title);
  free(importer->plan_id);
  for (size_t i = 0; i < importer->origin_count; i++)
    free(importer->origins[i]);
  free(importer->origins);
}

/* ---- importing --------------------------------------------------------------------------- */

/* A plan id given in the options: 1-64 of [A-Za-z0-9._-]. */
static bool
valid_id(const char *id)
{
  size_t len = strlen(id);
  if (len == 0 || len > 64)
    return false;
  for (size_t i = 0; i < len; i++) {
    char ch = id[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '_' || ch == '.'))
      return false;
  }
  return true;
}

/* What can be refused before the document is read. */
static int
check_arguments(const char *bytes, size_t len, const dbn_plan_import_options_t *options, cJSON **plan_p,
                cJSON **report_p, char *why, size_t why_len)
{
  if (!plan_p || !report_p || (!bytes && len > 0)) {
    snprintf(why, why_len, "dbn_plan_import: missing argument");
    return DBN_EINVAL;
  }
  if (len > DBN_PLAN_IMPORT_MAX_INPUT) {
    snprintf(why, why_len,
             dbn_tr("文件有 %zu 字节，超过计划文件的上限 %d 字节",
                    "the document is %zu bytes, more than the %d a plan may have"),
             len, DBN_PLAN_IMPORT_MAX_INPUT);
    return DBN_ETOOBIG;
  }
  if (options && options->id && (!valid_id(options->id) || strchr(options->id, ':'))) {
    snprintf(why, why_len,
             dbn_tr("计划编号 \"%.80s\" 须为 1 到 64 个 ASCII 字母、数字、'-'、'_' 或 '.'",
                    "plan id \"%.80s\" must be 1-64 ASCII letters, digits, '-', '_' or '.'"),
             options->id);
    return DBN_EINVAL;
  }
  if (options && options->horizon && !import_parse_iso_date(options->horizon, NULL)) {
    snprintf(
        why, why_len,
        dbn_tr("期限 --horizon \"%.40s\" 须为日期 YYYY-MM-DD", "horizon \"%.40s\" must be a date YYYY-MM-DD"),
        options->horizon);
    return DBN_EINVAL;
  }
  if (options && options->units)
    return import_check_units_file(options->units, why, why_len);
  return 0;
}

/* The phases in order; the plan, or NULL with the error. */
static int
run_phases(importer_t *importer, const char *bytes, size_t len, cJSON **plan_p, char *why, size_t why_len)
{
  size_t first_line = 0;
  int rc = import_read_input(importer, bytes, len, why, why_len);
  if (!rc)
    rc = import_parse_structure(importer, &first_line, why, why_len);
  if (!rc) {
    import_read_header(importer, first_line);
    rc = importer->error;
  }
  if (!rc) {
    import_check_numbers(importer);
    *plan_p = import_build_plan(importer);
    rc = importer->error;
  }
  return rc;
}

/* What an import hands back besides the plan: the explanation of one
 * task when asked for (--explain). */
typedef struct {
  const char *task;  /* the task to explain, or NULL */
  char *explanation; /* its sources (the caller's) */
  bool pdf;          /* the bytes are pdftotext's text of a PDF */
  int pages, joined; /* of the PDF: pages, lines joined to the one before */
} import_extra_t;

/* The .docx as text, with its table rows' origins kept for --explain. */
static int
read_docx(importer_t *importer, const char *bytes, size_t len, char **text_p, size_t *text_len_p, char *why,
          size_t why_len)
{
  int tables = 0, skipped = 0;
  int rc = import_docx_to_text(bytes, len, text_p, text_len_p, &tables, &skipped, &importer->origins,
                               &importer->origin_count, why, why_len);
  importer->source_kind = "docx";
  if (!rc && skipped > 0)
    import_report(importer, 0, "skipped",
                  dbn_tr("任务表格之后有 %d 个段落不属于任何部分，未读取（见 --text）",
                         "%d paragraph(s) after a task table are no section and were not read (see --text)"),
                  skipped);
  if (!rc && tables > 0)
    import_report(
        importer, 0, "docx",
        dbn_tr("读取了 .docx 中的 %d 个任务表格；行号按段落和表格行计，每个一行，"
               "每项任务（措施）的第一行之前另有一行写任务本身",
               "read %d task table(s) of the .docx; line numbers count its paragraphs and table rows, "
               "one line each, with a line for the task (measure) before its first row"),
        tables);
  return rc;
}

static int
import_document(const char *bytes, size_t len, const dbn_plan_import_options_t *options,
                import_extra_t *extra, cJSON **plan_p, cJSON **report_p, char *why, size_t why_len)
{
  char scratch[8];
  if (!why || why_len == 0) {
    why = scratch;
    why_len = sizeof scratch;
  }
  why[0] = '\0';
  if (plan_p)
    *plan_p = NULL;
  if (report_p)
    *report_p = NULL;
  int rc = check_arguments(bytes, len, options, plan_p, report_p, why, why_len);
  if (rc)
    return rc;
  importer_t importer;
  memset(&importer, 0, sizeof importer);
  importer.options = options;
  importer.report = cJSON_CreateArray();
  if (!importer.report)
    return DBN_ENOMEM;
  cJSON *plan = NULL;
  char *docx_text = NULL;
  size_t docx_len = 0;
  if (bytes && import_is_ole(bytes, len)) {
    snprintf(why, why_len,
             "旧的二进制 Word/WPS 文档（.doc/.wps）无法读取，请先转换为 .docx：libreoffice --headless "
             "--convert-to docx %s",
             options && options->file_path ? options->file_path : "FILE");
    rc = DBN_EVERSION;
  } else if (bytes && import_is_docx(bytes, len)) {
    rc = read_docx(&importer, bytes, len, &docx_text, &docx_len, why, why_len);
  } else if (bytes && import_is_pdf(bytes, len)) {
    snprintf(why, why_len, "PDF 只能从文件读取：duban plan import FILE.pdf");
    rc = DBN_EINVAL;
  } else if (extra && extra->pdf) {
    importer.source_kind = "pdf";
    import_report(
        &importer, 0, "pdf",
        "从 PDF 的版面读出（pdftotext -layout，尽力而为）：%d 页，%d 行与上一行接续合并，页码已去掉；"
        "行号按 --text 给出的文本计；表格和分栏排版无法按列读出，请核对",
        extra->pages, extra->joined);
  }
  if (!rc)
    rc = docx_text ? run_phases(&importer, docx_text, docx_len, &plan, why, why_len)
                   : run_phases(&importer, bytes ? bytes : "", len, &plan, why, why_len);
  free(docx_text);
  if (!rc && extra && extra->task &&
      !(extra->explanation = import_explain(&importer, plan, extra->task, why, why_len)))
    rc = importer.error ? importer.error : DBN_ENOTFOUND;
  if (rc == DBN_ENOMEM && !why[0])
    snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
  importer_free(&importer);
  if (rc) {
    cJSON_Delete(plan);
    cJSON_Delete(importer.report);
    return rc;
  }
  *plan_p = plan;
  *report_p = importer.report;
  return 0;
}

int
dbn_plan_import(const char *bytes, size_t len, const dbn_plan_import_options_t *options, cJSON **plan_p,
                cJSON **report_p, char *why, size_t why_len)
{
  return import_document(bytes, len, options, NULL, plan_p, report_p, why, why_len);
}

/* ---- from files ------------------------------------------------------------------------------ */

/* The whole file, NUL-terminated, into a new buffer (the caller's). */
static int
read_file(const char *path, char **buf_p, size_t *len_p, char *why, size_t why_len)
{
  FILE *file = fopen(path, "rb");
  if (!file) {
    snprintf(why, why_len, dbn_tr("%s：%s", "%s: %s"), path, strerror(errno));
    return DBN_EIO;
  }
  size_t capacity = 65536, len = 0;
  char *buf = malloc(capacity + 1);
  int rc = 0;
  while (buf) {
    if (len == capacity) {
      if (capacity > DBN_PLAN_IMPORT_MAX_INPUT) {
        snprintf(why, why_len, dbn_tr("%s：超过 %d 字节", "%s: larger than %d bytes"), path,
                 DBN_PLAN_IMPORT_MAX_INPUT);
        rc = DBN_ETOOBIG;
        break;
      }
      char *bigger = realloc(buf, capacity * 2 + 1);
      if (!bigger)
        break;
      buf = bigger;
      capacity *= 2;
    }
    size_t got = fread(buf + len, 1, capacity - len, file);
    len += got;
    if (got == 0) {
      if (ferror(file)) {
        snprintf(why, why_len, dbn_tr("%s：读取出错", "%s: read error"), path);
        rc = DBN_EIO;
      }
      break;
    }
  }
  fclose(file);
  if (!buf) {
    snprintf(why, why_len, "%s", dbn_tr("内存不足", "out of memory"));
    return DBN_ENOMEM;
  }
  if (rc) {
    free(buf);
    return rc;
  }
  buf[len] = '\0';
  *buf_p = buf;
  *len_p = len;
  return 0;
}

/* The file's stem: without directory and extension. */
static void
file_stem(const char *path, char *stem, size_t stem_len)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  snprintf(stem, stem_len, "%s", base);
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem)
    *dot = '\0';
}

/* The units file at path, parsed into *units_p (the caller's). */
static int
read_units_file(const char *path, cJSON **units_p, char *why, size_t why_len)
{
  char *buf = NULL;
  size_t len = 0;
  int rc = read_file(path, &buf, &len, why, why_len);
  if (rc)
    return rc;
  *units_p = cJSON_ParseWithLength(buf, len);
  free(buf);
  if (!*units_p) {
    snprintf(why, why_len, dbn_tr("%s：不是有效的 JSON", "%s: not valid JSON"), path);
    return DBN_EINVAL;
  }
  return 0;
}

int
dbn_plan_import_file(const char *path, const char *units_path, const char *id, cJSON **plan_p,
                     cJSON **report_p, char *why, size_t why_len)
{
  return dbn_plan_import_file_horizon(path, units_path, id, NULL, plan_p, report_p, why, why_len);
}

static int import_text_file(char *buf, size_t len, const char *path, const char *units_path, const char *id,
                            const char *horizon, import_extra_t *extra, cJSON **plan_p, cJSON **report_p,
                            char *why, size_t why_len);
static int import_file(const char *path, const char *units_path, const char *id, const char *horizon,
                       import_extra_t *extra, cJSON **plan_p, cJSON **report_p, char *why, size_t why_len);

int
dbn_plan_import_file_horizon(const char *path, const char *units_path, const char *id, const char *horizon,
                             cJSON **plan_p, cJSON **report_p, char *why, size_t why_len)
{
  return import_file(path, units_path, id, horizon, NULL, plan_p, report_p, why, why_len);
}

int
dbn_plan_import_explain_file(const char *path, const char *units_path, const char *id, const char *task,
                             char **text_p, char *why, size_t why_len)
{
  import_extra_t extra = {.task = task};
  cJSON *plan = NULL, *report = NULL;
  *text_p = NULL;
  int rc = import_file(path, units_path, id, NULL, &extra, &plan, &report, why, why_len);
  cJSON_Delete(plan);
  cJSON_Delete(report);
  if (rc) {
    free(extra.explanation);
    return rc;
  }
  *text_p = extra.explanation;
  return 0;
}

static int
import_file(const char *path, const char *units_path, const char *id, const char *horizon,
            import_extra_t *extra, cJSON **plan_p, cJSON **report_p, char *why, size_t why_len)
{
  char *buf = NULL;
  size_t len = 0;
  *plan_p = NULL;
  *report_p = NULL;
  int rc = read_file(path, &buf, &len, why, why_len);
  if (rc)
    return rc;
  import_extra_t plain = {0};
  if (import_is_pdf(buf, len)) {
    extra = extra ? extra : &plain;
    extra->pdf = true;
    free(buf);
    if ((rc = import_pdf_to_text(path, &buf, &len, &extra->pages, &extra->joined, why, why_len)) != 0)
      return rc;
  }
  return import_text_file(buf, len, path, units_path, id, horizon, extra, plan_p, report_p, why, why_len);
}

/* The bytes of the file at path (buf, taken: a PDF's as pdftotext gave
 * them) imported. */
static int
import_text_file(char *buf, size_t len, const char *path, const char *units_path, const char *id,
                 const char *horizon, import_extra_t *extra, cJSON **plan_p, cJSON **report_p, char *why,
                 size_t why_len)
{
  cJSON *units = NULL;
  int rc = 0;
  const char *ext = strrchr(path, '.');
  if (ext && (strcasecmp(ext, ".doc") == 0 || strcasecmp(ext, ".wps") == 0) && !import_is_docx(buf, len)) {
    snprintf(why, why_len,
             "旧的二进制 Word/WPS 文档（.doc/.wps）无法读取，请先转换为 .docx：libreoffice --headless "
             "--convert-to docx %s",
             path);
    free(buf);
    return DBN_EVERSION;
  }
  if (units_path && (rc = read_units_file(units_path, &units, why, why_len)) != 0) {
    free(buf);
    return rc;
  }
  char stem[128];
  file_stem(path, stem, sizeof stem);
  dbn_plan_import_options_t options = {
      .id = id, .file_stem = stem, .units = units, .file_path = path, .horizon = horizon};
  rc = import_document(buf, len, &options, extra, plan_p, report_p, why, why_len);
  cJSON_Delete(units);
  free(buf);
  return rc;
}

int
dbn_plan_import_docx_text(const char *path, char **text_p, size_t *text_len_p, char *why, size_t why_len)
{
  char *buf = NULL;
  size_t len = 0;
  int tables = 0, skipped = 0;
  *text_p = NULL;
  int rc = read_file(path, &buf, &len, why, why_len);
  if (rc)
    return rc;
  if (import_is_pdf(buf, len)) {
    int pages = 0, joined = 0;
    rc = import_pdf_to_text(path, text_p, text_len_p, &pages, &joined, why, why_len);
  } else if (!import_is_docx(buf, len)) {
    snprintf(why, why_len,
             dbn_tr("%s：既不是 .docx（zip）文档，也不是 PDF", "%s: not a .docx (zip) document nor a PDF"),
             path);
    rc = DBN_EINVAL;
  } else {
    rc = import_docx_to_text(buf, len, text_p, text_len_p, &tables, &skipped, NULL, NULL, why, why_len);
  }
  free(buf);
  return rc;
}
