/* import_dates.c: deadline phrases in an action's text → its milestones.
 *
 * Plans write deadlines in words: 2023年底前, 到2025年, 2024年6月底前,
 * 2023年9月30日前, 上半年, 两年内 (counted from the issuing date), and
 * ranges (2023—2025年, one deadline a year). find_dates reads them all in
 * order, skipping years that are not deadlines (2019年以来, 2024年起,
 * 《…（2021—2030年）》 in a title). Each date governs the words around it,
 * from the start of its clause to the clause where the next date begins;
 * one milestone per distinct date, in date order. import_build.c calls
 * this per action, after the whole document is read, because the latest
 * due date becomes the plan's horizon.
 *
 * Not domain/date.h: that reads the YYYY-MM-DD form of a plan's JSON;
 * these are the document's Chinese forms, and they are never parsed as
 * unix times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "wire.h"
#include "lang.h"

/* ---- calendar days --------------------------------------------------------------- */

int
ymd_days_in_month(int year, int month)
{
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
    return 29;
  return days[month - 1];
}

bool
import_parse_iso_date(const char *text, ymd_t *date_p)
{
  int year, month, day;
  char tail;
  if (strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
      sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3)
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !(text[i] >= '0' && text[i] <= '9'))
      return false;
  if (year < 1990 || year > 2100 || month < 1 || month > 12 || day < 1 ||
      day > ymd_days_in_month(year, month))
    return false;
  if (date_p)
    *date_p = (ymd_t){year, month, day};
  return true;
}

const char *
import_report_cycle(const uint32_t *normalized, size_t start, size_t end)
{
  static const struct {
    const char *phrase, *cycle;
  } cycles[] = {
      {"每月", "monthly"},     {"按月", "monthly"},       {"每季度", "quarterly"}, {"每季", "quarterly"},
      {"按季度", "quarterly"}, {"每半年", "half-yearly"}, {"每年", "yearly"},      {"每一年", "yearly"},
  };
  size_t best = SIZE_MAX;
  const char *cycle = NULL;
  for (size_t i = 0; i < sizeof cycles / sizeof cycles[0]; i++) {
    size_t at = literal_find(normalized, start, end, cycles[i].phrase);
    /* 每年安排800万元 is a rate of funding, not a report every year */
    while (at != SIZE_MAX && import_is_funding_clause(normalized, end, at))
      at = literal_find(normalized, at + 1, end, cycles[i].phrase);
    if (at < best) {
      best = at;
      cycle = cycles[i].cycle;
    }
  }
  return cycle;
}

const char *
import_ongoing_phrase(const uint32_t *normalized, size_t start, size_t end)
{
  static const char *const phrases[] = {"长期坚持", "持续推进", "长期推进", "常态化推进", "持续开展", NULL};
  for (int i = 0; phrases[i]; i++)
    if (literal_find(normalized, start, end, phrases[i]) != SIZE_MAX)
      return phrases[i];
  return NULL;
}

int
ymd_cmp(ymd_t a, ymd_t b)
{
  if (a.year != b.year)
    return a.year < b.year ? -1 : 1;
  if (a.month != b.month)
    return a.month < b.month ? -1 : 1;
  if (a.day != b.day)
    return a.day < b.day ? -1 : 1;
  return 0;
}

void
ymd_format(char *buf, size_t len, ymd_t date)
{
  snprintf(buf, len, "%04d-%02d-%02d", date.year, date.month, date.day);
}

static ymd_t
add_months(ymd_t date, int months)
{
  int total = date.year * 12 + (date.month - 1) + months;
  ymd_t result = {total / 12, total % 12 + 1, date.day};
  if (result.day > ymd_days_in_month(result.year, result.month))
    result.day = ymd_days_in_month(result.year, result.month);
  return result;
}

bool
import_parse_date_cn(const uint32_t *normalized, size_t start, size_t end, ymd_t *date_p, size_t *end_p)
{
  static const char *const separators[] = {"年", "月", "日"};
  size_t i = start;
  int parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++) {
    size_t part_start = i;
    while (i < end && cp_is_digit(normalized[i]) && i - part_start < 4)
      parts[k] = parts[k] * 10 + (int)(normalized[i++] - '0');
    if (i == part_start || !literal_at(normalized, i, end, separators[k]))
      return false;
    i++;
  }
  if (parts[0] < 1900 || parts[0] > 2200 || parts[1] < 1 || parts[1] > 12 || parts[2] < 1 ||
      parts[2] > ymd_days_in_month(parts[0], parts[1]))
    return false;
  date_p->year = parts[0];
  date_p->month = parts[1];
  date_p->day = parts[2];
  *end_p = i;
  return true;
}

/* ---- clauses and sentences ------------------------------------------------------------ */

bool
cp_is_clause_delim(uint32_t cp)
{
  return cp == ',' || cp == ';' || cp == 0x3002 || cp == ':' || cp == '!' || cp == '?' || cp == '\n';
}

static bool
is_sentence_delim(uint32_t cp)
{
  return cp == ';' || cp == 0x3002 || cp == '!' || cp == '?' || cp == '\n';
}

static bool
clause_start_at(const uint32_t *normalized, size_t at)
{
  while (at > 0 &&
         (cp_is_space(normalized[at - 1]) || normalized[at - 1] == 0x201c || normalized[at - 1] == '"'))
    at--;
  return at == 0 || cp_is_clause_delim(normalized[at - 1]) || normalized[at - 1] == 0x3001;
}

static bool
preceded_by_to(const uint32_t *normalized, size_t at)
{
  while (at > 0 && cp_is_space(normalized[at - 1]))
    at--;
  return at > 0 && cp_in_set(normalized[at - 1], "到至在于止");
}

static size_t
clause_begin(const uint32_t *normalized, size_t at)
{
  while (at > 0 && !cp_is_clause_delim(normalized[at - 1]))
    at--;
  return at;
}

static size_t
sentence_begin(const uint32_t *normalized, size_t at)
{
  while (at > 0 && !is_sentence_delim(normalized[at - 1]))
    at--;
  return at;
}

static size_t
sentence_end(const uint32_t *normalized, size_t at, size_t length)
{
  while (at < length && !is_sentence_delim(normalized[at]))
    at++;
  return at;
}

/* ---- finding deadlines ------------------------------------------------------------------- */

#define MAX_DATES 64

/* A deadline found: its due date and where it is written. */
typedef struct {
  ymd_t due;
  size_t position;
} date_hit_t;

/* The deadlines of one text, as find_dates collects them. */
typedef struct {
  importer_t *importer;
  const uint32_t *normalized;
  size_t length;
  int line; /* for the report */
  date_hit_t hits[MAX_DATES];
  size_t count;
} date_scan_t;

static void
add_hit(date_scan_t *scan, ymd_t due, size_t position)
{
  scan->hits[scan->count].due = due;
  scan->hits[scan->count++].position = position;
}

static bool
is_numeral(uint32_t cp)
{
  return cp_is_digit(cp) || cn_is_numeral(cp);
}

/* 两年内, 2年内, 6个月内 at i: true (with *resume_p, the last position it
 * takes) if it is one, whether or not it could be dated. */
static bool
relative_deadline(date_scan_t *scan, size_t i, size_t *resume_p)
{
  const uint32_t *normalized = scan->normalized;
  size_t length = scan->length;
  if (!is_numeral(normalized[i]) || (i > 0 && (is_numeral(normalized[i - 1]) || normalized[i - 1] == '.')))
    return false;
  size_t numeral_end = i;
  while (numeral_end < length && numeral_end - i < 3 && is_numeral(normalized[numeral_end]))
    numeral_end++;
  int number = -1;
  if (cp_is_digit(normalized[i])) {
    number = 0;
    for (size_t k = i; k < numeral_end; k++)
      number = cp_is_digit(normalized[k]) ? number * 10 + (int)(normalized[k] - '0') : -1000;
  } else {
    number = cn_value(normalized, i, numeral_end);
  }
  size_t word;
  int months = 0;
  if (number > 0 && number < 50 && (word = literal_at(normalized, numeral_end, length, "年内")))
    months = number * 12;
  else if (number > 0 && number < 120 && (word = literal_at(normalized, numeral_end, length, "个月内")))
    months = number;
  if (!months)
    return false;
  if (!scan->importer->have_issued)
    import_report(scan->importer, scan->line, "deadline",
                  dbn_tr("相对期限（几年内、几个月内），但没有印发日期：不读",
                         "a relative deadline but no issuing date: ignored"));
  else
    add_hit(scan, add_months(scan->importer->issued, months), i);
  *resume_p = numeral_end + word - 1;
  return true;
}

/* 2023—2025年 or 2023年至2025年 after the year at i (ending at year_end):
 * one deadline at the end of each year. */
static bool
year_range(date_scan_t *scan, size_t i, size_t year_end, int year, size_t *resume_p)
{
  const uint32_t *normalized = scan->normalized;
  size_t length = scan->length;
  size_t at = year_end;
  if (at < length && normalized[at] == 0x5e74) /* 年 */
    at++;
  if (!(at < length && (normalized[at] == CP_DASH || normalized[at] == '-' ||
                        normalized[at] == 0x81f3 /* 至 */ || normalized[at] == 0x5230 /* 到 */)))
    return false;
  size_t last_start = at + 1, last_end = last_start;
  int last_year = 0;
  while (last_end < length && cp_is_digit(normalized[last_end]) && last_end - last_start < 5)
    last_year = last_year * 10 + (int)(normalized[last_end++] - '0');
  if (!(last_end - last_start == 4 && last_end < length && normalized[last_end] == 0x5e74 &&
        last_year >= year && last_year - year <= 20))
    return false;
  for (int each = year; each <= last_year && scan->count < MAX_DATES; each++)
    add_hit(scan, (ymd_t){each, 12, 31}, i);
  *resume_p = last_end;
  return true;
}

/* A month (and day) after 年 at year_end: 2023年6月底前, 2023年9月30日前.
 * *at_p is where the words after the date start. False if a day is
 * written but is not one. */
static bool
month_and_day(const uint32_t *normalized, size_t length, size_t year_end, ymd_t *due, size_t *at_p)
{
  size_t at = year_end + 1, month_start = at;
  int month = 0;
  while (at < length && cp_is_digit(normalized[at]) && at - month_start < 2)
    month = month * 10 + (int)(normalized[at++] - '0');
  if (!(at > month_start && at < length && normalized[at] == 0x6708 && month >= 1 && month <= 12)) { /* 月 */
    *at_p = year_end + 1;
    return true;
  }
  at++;
  due->month = month;
  due->day = ymd_days_in_month(due->year, month);
  /* 上旬, 中旬, 下旬: the 10th, the 20th, the month's last day */
  if (literal_at(normalized, at, length, "上旬") || literal_at(normalized, at, length, "中旬") ||
      literal_at(normalized, at, length, "下旬")) {
    if (normalized[at] == 0x4e0a) /* 上 */
      due->day = 10;
    else if (normalized[at] == 0x4e2d) /* 中 */
      due->day = 20;
    *at_p = at + 2;
    return true;
  }
  size_t day_start = at;
  int day = 0;
  while (at < length && cp_is_digit(normalized[at]) && at - day_start < 2)
    day = day * 10 + (int)(normalized[at++] - '0');
  if (at > day_start && at < length && normalized[at] == 0x65e5 && day >= 1 &&
      day <= ymd_days_in_month(due->year, month)) { /* 日 */
    at++;
    due->day = day;
  } else if (at > day_start) {
    return false;
  }
  *at_p = at;
  return true;
}

enum deadline_word { WORD_NONE, WORD_DEADLINE, WORD_NOT_DEADLINE };

/* What the words after a date at at make of it: 年底前 is a deadline,
 * 以来 and 起 say it is not. 上半年 moves it to June 30. */
static enum deadline_word
word_after_date(const uint32_t *normalized, size_t length, size_t at, size_t year_end, ymd_t *due)
{
  if (literal_at(normalized, at, length, "年底") || literal_at(normalized, at, length, "年末"))
    return WORD_DEADLINE;
  if (literal_at(normalized, at, length, "上半年") || literal_at(normalized, at, length, "年中")) {
    due->month = 6;
    due->day = 30;
    return WORD_DEADLINE;
  }
  if (literal_at(normalized, at, length, "下半年"))
    return WORD_DEADLINE;
  /* 第一季度 … 第四季度 (or 一季度): the quarter's last day */
  size_t quarter = at + (at < length && normalized[at] == 0x7b2c /* 第 */);
  if (at == year_end + 1 && quarter < length && literal_at(normalized, quarter + 1, length, "季度")) {
    int q = normalized[quarter] >= '1' && normalized[quarter] <= '4'
                ? (int)(normalized[quarter] - '0')
                : cn_value(normalized, quarter, quarter + 1);
    if (q >= 1 && q <= 4) {
      due->month = q * 3;
      due->day = ymd_days_in_month(due->year, due->month);
      return WORD_DEADLINE;
    }
  }
  if (literal_at(normalized, at, length, "以前") || literal_at(normalized, at, length, "以后") ||
      literal_at(normalized, at, length, "以来") || literal_at(normalized, at, length, "开始"))
    return WORD_NOT_DEADLINE;
  if (at < length && cp_in_set(normalized[at], "后起"))
    return WORD_NOT_DEADLINE;
  if (at < length &&
      (cp_in_set(normalized[at], "底末内前") || (at == year_end + 1 && normalized[at] == 0x5ea6))) /* 度 */
    return WORD_DEADLINE;
  return WORD_NONE;
}

/* A year at i (2023年…), with what follows it. */
static void
absolute_deadline(date_scan_t *scan, size_t *i_p)
{
  const uint32_t *normalized = scan->normalized;
  size_t length = scan->length, i = *i_p;
  if (!cp_is_digit(normalized[i]) || (i > 0 && (cp_is_digit(normalized[i - 1]) || normalized[i - 1] == '.' ||
                                                cp_is_alpha(normalized[i - 1]))))
    return;
  size_t year_end = i;
  int year = 0;
  while (year_end < length && cp_is_digit(normalized[year_end]) && year_end - i < 5)
    year = year * 10 + (int)(normalized[year_end++] - '0');
  if (year_end - i != 4 || year < 1990 || year > 2100)
    return;
  if (year_range(scan, i, year_end, year, i_p))
    return;
  if (year_end >= length || normalized[year_end] != 0x5e74) /* 年 */
    return;
  ymd_t due = {year, 12, 31};
  size_t at;
  if (!month_and_day(normalized, length, year_end, &due, &at))
    return;
  enum deadline_word word = word_after_date(normalized, length, at, year_end, &due);
  if (word == WORD_NOT_DEADLINE)
    return;
  if (word == WORD_NONE && !clause_start_at(normalized, i) && !preceded_by_to(normalized, i))
    return;
  if (scan->importer->have_issued && due.year < scan->importer->issued.year) {
    import_report(
        scan->importer, scan->line, "deadline",
        dbn_tr("%d 年早于计划印发：不读作期限", "%d is before the plan was issued: not read as a deadline"),
        year);
    return;
  }
  add_hit(scan, due, i);
  *i_p = at - 1;
}

/* A month without a year, 6月底前, 9月中旬前, 9月30日前 (as a table's 完成时限
 * often has it): a deadline in the year the plan was issued, or the next
 * year when that day has passed by the issuing date (reported). Only with
 * a deadline word after it: 9月中旬启动 names no deadline, except in a
 * table's 完成时限 cell, where the month is the deadline (9月投入使用). */
static bool
month_deadline(date_scan_t *scan, size_t i, size_t *resume_p)
{
  const uint32_t *normalized = scan->normalized;
  size_t length = scan->length;
  if (!cp_is_digit(normalized[i]) ||
      (i > 0 && (cp_is_digit(normalized[i - 1]) || normalized[i - 1] == '.' ||
                 cp_is_alpha(normalized[i - 1]) || normalized[i - 1] == 0x5e74)))
    return false;
  size_t digits = i;
  while (digits < length && cp_is_digit(normalized[digits]) && digits - i < 3)
    digits++;
  if (digits - i > 2 || digits >= length || normalized[digits] != 0x6708) /* 月 */
    return false;
  if (!scan->importer->have_issued)
    return false;
  ymd_t due = {scan->importer->issued.year, 0, 0};
  size_t at;
  /* month_and_day reads from the place after a year's 年; here there is
   * none, so that place is i (i - 1 wraps to SIZE_MAX when i is 0, and
   * i - 1 + 1 is i again: unsigned arithmetic) */
  size_t before = i - 1;
  if (!month_and_day(normalized, length, before, &due, &at) || due.month == 0)
    return false;
  /* in a 完成时限 cell the month is the deadline whatever follows it (9月投入使用) */
  bool in_deadline_cell =
      literal_ends(normalized, 0, i, "完成时限:") || literal_ends(normalized, 0, i, "完成时间:");
  if (word_after_date(normalized, length, at, before, &due) != WORD_DEADLINE && !in_deadline_cell)
    return false;
  if (ymd_cmp(due, scan->importer->issued) < 0) {
    due.year++;
    if (due.month == 2)
      due.day = due.day > ymd_days_in_month(due.year, 2) ? ymd_days_in_month(due.year, 2) : due.day;
    import_report(scan->importer, scan->line, "deadline",
                  dbn_tr("只写月份、没有年份，且早于印发日期：读作 %d-%02d-%02d",
                         "a month without a year, before the issuing date: read as %d-%02d-%02d"),
                  due.year, due.month, due.day);
  }
  add_hit(scan, due, i);
  *resume_p = at > i ? at - 1 : i;
  return true;
}

/* Every deadline in the text, in order. Text inside 《》 is a title, not a
 * deadline: 《…（2021—2030年）》 names a plan. */
static void
find_dates(date_scan_t *scan)
{
  const uint32_t *normalized = scan->normalized;
  int book = 0;
  for (size_t i = 0; i < scan->length && scan->count < MAX_DATES; i++) {
    if (normalized[i] == 0x300a || normalized[i] == 0x3008)
      book++;
    else if ((normalized[i] == 0x300b || normalized[i] == 0x3009) && book > 0)
      book--;
    if (book)
      continue;
    size_t resume;
    if (relative_deadline(scan, i, &resume) || month_deadline(scan, i, &resume))
      i = resume;
    else
      absolute_deadline(scan, &i);
  }
}

/* ---- milestones ---------------------------------------------------------------------------- */

/* The words hit h governs: from the start of its clause (or of its
 * sentence, when it is the sentence's first date, so that the context
 * before it is kept) to the clause where the next date begins. The years
 * of one range share one position and one text. */
static char *
governed_text(const date_scan_t *scan, const cptext_t *text, size_t h)
{
  const uint32_t *normalized = text->normalized;
  const date_hit_t *hits = scan->hits;
  size_t position = hits[h].position;
  size_t sentence_start = sentence_begin(normalized, position);
  size_t sentence_stop = sentence_end(normalized, position, text->length);
  size_t previous = SIZE_MAX;
  for (size_t g = h; g-- > 0;)
    if (hits[g].position != position) {
      previous = hits[g].position;
      break;
    }
  size_t start;
  if (previous == SIZE_MAX || previous < sentence_start) {
    start = sentence_start;
  } else {
    start = clause_begin(normalized, position);
    if (start <= previous)
      start = position;
  }
  size_t end = sentence_stop;
  for (size_t g = h + 1; g < scan->count; g++) {
    if (hits[g].position == position)
      continue;
    if (hits[g].position < sentence_stop) {
      size_t next_clause = clause_begin(normalized, hits[g].position);
      end = next_clause > position ? next_clause : hits[g].position;
    }
    break;
  }
  while (start < end && (cp_is_space(normalized[start]) || cp_is_clause_delim(normalized[start])))
    start++;
  while (end > start && (cp_is_space(normalized[end - 1]) || cp_is_clause_delim(normalized[end - 1])))
    end--;
  return import_encode_limited(scan->importer, text->typed, start, end, scan->line,
                               dbn_tr("节点的文字", "a milestone's text"));
}

/* The earliest due date not yet used, or SIZE_MAX. */
static size_t
earliest_unused(const date_scan_t *scan, const bool *used)
{
  size_t best = SIZE_MAX;
  for (size_t h = 0; h < scan->count; h++)
    if (!used[h] && (best == SIZE_MAX || ymd_cmp(scan->hits[h].due, scan->hits[best].due) < 0))
      best = h;
  return best;
}

/* The texts of every unused hit due on hit best's date, joined with ；
 * (a repeat of the text before is left out), and marked used. NULL when
 * out of memory. */
static char *
join_texts(const date_scan_t *scan, char **texts, bool *used, size_t best)
{
  ymd_t due = scan->hits[best].due;
  size_t total = 1;
  for (size_t h = 0; h < scan->count; h++)
    if (!used[h] && ymd_cmp(scan->hits[h].due, due) == 0 && texts[h])
      total += strlen(texts[h]) + 4;
  char *joined = malloc(total);
  if (!joined)
    return NULL;
  joined[0] = '\0';
  const char *last = NULL;
  for (size_t h = 0; h < scan->count; h++) {
    if (used[h] || ymd_cmp(scan->hits[h].due, due) != 0)
      continue;
    used[h] = true;
    if (!texts[h] || (last && strcmp(last, texts[h]) == 0))
      continue;
    if (joined[0])
      strcat(joined, "\xef\xbc\x9b"); /* ； */
    strcat(joined, texts[h]);
    last = texts[h];
  }
  if (strlen(joined) > DBN_MAX_TEXT)
    import_cut_to_limit(joined);
  return joined;
}

static void
add_milestone(importer_t *importer, cJSON *milestones, ymd_t due, const char *text)
{
  char due_text[16];
  ymd_format(due_text, sizeof due_text, due);
  cJSON *milestone = cJSON_CreateObject();
  if (!milestone || !cJSON_AddStringToObject(milestone, "due", due_text) ||
      !cJSON_AddStringToObject(milestone, "text", text) ||
      !cJSON_AddBoolToObject(milestone, "inherited", 0)) {
    cJSON_Delete(milestone);
    importer->error = DBN_ENOMEM;
  } else {
    cJSON_AddItemToArray(milestones, milestone);
  }
}

cJSON *
import_milestones(importer_t *importer, const cptext_t *text, int line, ymd_t *latest, bool *dated)
{
  date_scan_t scan = {
      .importer = importer, .normalized = text->normalized, .length = text->length, .line = line};
  find_dates(&scan);
  cJSON *milestones = cJSON_CreateArray();
  if (!milestones) {
    importer->error = DBN_ENOMEM;
    return NULL;
  }
  *dated = scan.count > 0;
  char *texts[MAX_DATES] = {0};
  for (size_t h = 0; h < scan.count; h++)
    texts[h] = governed_text(&scan, text, h);
  /* one milestone per date, in date order; texts of one date joined */
  bool used[MAX_DATES] = {0};
  for (size_t best; (best = earliest_unused(&scan, used)) != SIZE_MAX;) {
    char *joined = join_texts(&scan, texts, used, best);
    if (!joined) {
      importer->error = DBN_ENOMEM;
      break;
    }
    ymd_t due = scan.hits[best].due;
    if (ymd_cmp(due, *latest) > 0)
      *latest = due;
    add_milestone(importer, milestones, due, joined);
    free(joined);
  }
  for (size_t h = 0; h < scan.count; h++)
    free(texts[h]);
  return milestones;
}
