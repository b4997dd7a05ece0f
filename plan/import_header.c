/* import_header.c: what the lines before the plan say about it.
 *
 * A breakdown document opens with a notice: the document number
 * (鄂府发〔2023〕58号), the title (often broken over lines), the issuing
 * date (2023年9月18日). import_structure.c finds where the plan itself
 * starts; this file reads the lines before it for those three, and makes
 * the plan id: the options' id, else the issuer's slug with year and
 * number (ordos-2023-58), else the file's stem, else a hash. Relative
 * deadlines (两年内) count from the issuing date (import_dates.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"
#include "lang.h"

/* Issuers whose document numbers give a readable plan id. */
static const struct {
  const char *issuer;
  const char *slug;
} ISSUERS[] = {
    {"鄂府发", "ordos"},
    {"鄂府办发", "ordos-office"},
    {"鄂府字", "ordos-zi"},
    {"鄂府函", "ordos-letter"},
    {"内政发", "nmg"},
    {"内政办发", "nmg-office"},
    {"内政字", "nmg-zi"},
    {"国发", "gov"},
    {"国办发", "gov-office"},
    {"国函", "gov-letter"},
    {"包府发", "baotou"},
    {"呼政发", "hohhot"},
    {NULL, NULL},
};

/* What the document number says, for the plan id. */
typedef struct {
  char *issuer; /* 鄂府发, the caller's; NULL if there is no document number */
  int year;     /* 2023 */
  int number;   /* 58 */
} document_number_t;

static bool
is_open_bracket(uint32_t cp)
{
  return cp == 0x3014 || cp == '[' || cp == '(' || cp == 0x3010;
}

static bool
is_close_bracket(uint32_t cp)
{
  return cp == 0x3015 || cp == ']' || cp == ')' || cp == 0x3011;
}

/* 〔2023〕58号 at normalized[at..end): the year, the number and where 号 is. */
static bool
number_at(const uint32_t *normalized, size_t at, size_t end, int *year_p, int *number_p, size_t *hao_p)
{
  if (!is_open_bracket(normalized[at]))
    return false;
  size_t year_start = at + 1, i = year_start;
  int year = 0;
  while (i < end && cp_is_digit(normalized[i]) && i - year_start < 4)
    year = year * 10 + (int)(normalized[i++] - '0');
  if (i - year_start != 4 || i >= end || !is_close_bracket(normalized[i]))
    return false;
  size_t number_start = cp_skip_spaces(normalized, i + 1, end); /* 许政 [2020] 20号 */
  i = number_start;
  int number = 0;
  while (i < end && cp_is_digit(normalized[i]) && i - number_start < 6)
    number = number * 10 + (int)(normalized[i++] - '0');
  if (i == number_start || !literal_at(normalized, i, end, "号"))
    return false;
  *year_p = year;
  *number_p = number;
  *hao_p = i;
  return true;
}

/* A document number in the line [start, end): sets importer->document. */
static bool
read_document_number(importer_t *importer, size_t start, size_t end, document_number_t *found)
{
  const uint32_t *normalized = importer->normalized;
  for (size_t i = start; i < end; i++) {
    int year, number;
    size_t hao;
    if (!number_at(normalized, i, end, &year, &number, &hao))
      continue;
    size_t issuer_end = i; /* up to 8 Chinese characters before the bracket (and a space) */
    while (issuer_end > start && cp_is_space(normalized[issuer_end - 1]) && i - issuer_end < 2)
      issuer_end--;
    size_t issuer_start = issuer_end;
    while (issuer_start > start && normalized[issuer_start - 1] >= 0x4e00 &&
           normalized[issuer_start - 1] <= 0x9fff && issuer_end - issuer_start < 8)
      issuer_start--;
    if (issuer_start == issuer_end)
      continue;
    importer->document = import_encode(importer, importer->typed, issuer_start, hao + 1);
    found->issuer = import_encode(importer, importer->typed, issuer_start, issuer_end);
    found->year = year;
    found->number = number;
    return true;
  }
  return false;
}

/* A line a title is not: long, or with the punctuation of a sentence. */
static bool
is_prose(const uint32_t *normalized, size_t start, size_t end)
{
  return end - start > 60 || literal_find(normalized, start, end, ",") != SIZE_MAX ||
         literal_find(normalized, start, end, "。") != SIZE_MAX ||
         literal_find(normalized, start, end, ":") != SIZE_MAX ||
         literal_find(normalized, start, end, ";") != SIZE_MAX;
}

/* The title is the longest run of title-like lines (the last one when
 * runs tie); blank lines do not end a run. */
typedef struct {
  size_t best_first, best_length; /* the longest run so far: first line, code points */
  size_t first, length;           /* the run being read */
  bool in_run;
} title_run_t;

static void
title_run_add(title_run_t *run, size_t line_index, bool title_like, size_t length, size_t first_line)
{
  if (title_like) {
    if (!run->in_run) {
      run->in_run = true;
      run->first = line_index;
      run->length = 0;
    }
    run->length += length;
  } else if (run->in_run) {
    run->in_run = false;
    if (run->length >= run->best_length) {
      run->best_length = run->length;
      run->best_first = run->first;
    }
  }
  if (run->in_run && run->length >= run->best_length && line_index + 1 == first_line) {
    run->best_length = run->length;
    run->best_first = run->first;
  }
}

/* Join the lines of the run from first: a title broken over lines. */
static void
join_title(importer_t *importer, size_t first, size_t first_line)
{
  const uint32_t *normalized = importer->normalized;
  cptext_t title = {0};
  for (size_t i = first; i < first_line; i++) {
    const line_t *line = &importer->lines[i];
    if (line->start >= line->end)
      continue;
    ymd_t date;
    size_t date_end;
    if (is_prose(normalized, line->start, line->end) ||
        import_parse_date_cn(normalized, line->start, line->end, &date, &date_end))
      break;
    /* a page that repeats its title line (once as the page's heading,
     * once as the document's) gives it once */
    size_t length = line->end - line->start;
    if (title.length == length &&
        memcmp(title.normalized, normalized + line->start, length * sizeof *normalized) == 0)
      continue;
    cptext_append(importer, &title, importer->typed + line->start, normalized + line->start, length);
  }
  importer->title =
      import_encode_limited(importer, title.typed, 0, title.length, 0, dbn_tr("标题", "the title"));
  cptext_free(&title);
}

/* The file's stem as an id: lower case, letters, digits, '-' and '_',
 * with '.' and ' ' as '-'. */
static void
stem_id(const char *file_stem, char *out, size_t out_len)
{
  size_t k = 0;
  for (const char *p = file_stem; *p && k + 1 < out_len && k < 64; p++) {
    char ch = *p;
    if (ch >= 'A' && ch <= 'Z')
      ch = (char)(ch - 'A' + 'a');
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
      out[k++] = ch;
    else if ((ch == '.' || ch == ' ') && k > 0 && out[k - 1] != '-')
      out[k++] = '-';
  }
  while (k > 0 && out[k - 1] == '-')
    k--;
  out[k] = '\0';
}

static void
make_plan_id(importer_t *importer, const document_number_t *document)
{
  const dbn_plan_import_options_t *options = importer->options;
  if (options && options->id) {
    importer->plan_id = import_strdup(importer, options->id);
    return;
  }
  const char *slug = NULL;
  for (int i = 0; document->issuer && ISSUERS[i].issuer; i++)
    if (strcmp(document->issuer, ISSUERS[i].issuer) == 0)
      slug = ISSUERS[i].slug;
  char stem[80] = "";
  if (options && options->file_stem)
    stem_id(options->file_stem, stem, sizeof stem);
  char id[160];
  if (slug) {
    snprintf(id, sizeof id, "%s-%d-%d", slug, document->year, document->number);
  } else if (stem[0]) {
    snprintf(id, sizeof id, "%s", stem);
  } else if (document->issuer) {
    snprintf(id, sizeof id, "plan-%04x-%d-%d", (unsigned)(import_fnv1a(document->issuer) & 0xffff),
             document->year, document->number);
  } else {
    /* nothing to name it by: a hash of the text keeps it stable */
    char *all = import_encode(importer, importer->typed, 0, importer->length);
    snprintf(id, sizeof id, "plan-%08x", (unsigned)(all ? import_fnv1a(all) : 0));
    free(all);
  }
  importer->plan_id = import_strdup(importer, id);
  if (!slug && document->issuer)
    import_report(importer, 0, "header",
                  dbn_tr("发文机关 %s 不在内置表中：计划编号记为 %s",
                         "issuer %s is not in the built-in table: plan id %s"),
                  document->issuer, id);
}

/* 发文日期 2023-01-03, 发布时间:2020-02-03 17:29: the date a published page
 * gives in its own metadata, used when the text names no issuing date. */
static bool
published_date(const uint32_t *normalized, size_t start, size_t end, ymd_t *date)
{
  static const char *const labels[] = {"发文日期", "成文日期", "发布日期", "发布时间", "印发日期", NULL};
  for (int k = 0; labels[k]; k++) {
    size_t at = literal_find(normalized, start, end, labels[k]);
    if (at == SIZE_MAX)
      continue;
    for (size_t i = at; i + 10 <= end; i++) {
      char iso[11];
      bool shaped = true;
      for (size_t j = 0; j < 10 && shaped; j++) {
        uint32_t cp = normalized[i + j];
        shaped = (j == 4 || j == 7) ? cp == '-' : cp_is_digit(cp);
        iso[j] = (char)cp;
      }
      iso[10] = '\0';
      if (shaped && import_parse_iso_date(iso, date))
        return true;
    }
  }
  return false;
}

void
import_read_header(importer_t *importer, size_t first_line)
{
  const uint32_t *normalized = importer->normalized;
  title_run_t run = {0, 0, 0, 0, false};
  document_number_t document = {NULL, 0, 0};
  ymd_t published;
  bool have_published = false;
  for (size_t i = 0; i < first_line && !importer->error; i++) {
    size_t start = importer->lines[i].start, end = importer->lines[i].end;
    if (start >= end)
      continue;
    bool title_like = true;
    if (!importer->document && read_document_number(importer, start, end, &document))
      title_like = false;
    ymd_t date;
    size_t date_end;
    if (import_parse_date_cn(normalized, start, end, &date, &date_end)) {
      if (date_end == end && !importer->have_issued) {
        importer->issued = date;
        importer->have_issued = true;
      }
      title_like = false;
    }
    if (!have_published && published_date(normalized, start, end, &published)) {
      have_published = true;
      title_like = false;
    }
    if (title_like && is_prose(normalized, start, end))
      title_like = false;
    title_run_add(&run, i, title_like, end - start, first_line);
  }
  if (!importer->have_issued && have_published) {
    importer->issued = published;
    importer->have_issued = true;
    import_report(importer, 0, "header", "印发日期取自页面的发布/发文日期（%04d-%02d-%02d）", published.year,
                  published.month, published.day);
  }
  if (run.best_length > 0)
    join_title(importer, run.best_first, first_line);
  if (!importer->title) {
    importer->title = import_strdup(importer, importer->document ? importer->document : "");
    import_report(importer, 0, "header",
                  dbn_tr("第一部分之前没有找到标题", "no title found before the first section"));
  }
  make_plan_id(importer, &document);
  free(document.issuer);
}
