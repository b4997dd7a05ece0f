/* import_targets.c: numbers in an action's text → its targets.
 *
 * A target is a number with a unit of measure (新建5000个公共充电桩:
 * 5000, 个, 公共充电桩), perhaps with a multiplier (1.5亿元, 5500万千瓦),
 * and what it counts: the words after the number, else the words before
 * it without the date and the comparison that lead up to it
 * (盘活闲置水指标1000万立方米). Numbers inside 《》 or “” are parts of names
 * (“人才新政30条”), and numbers glued to letters or other numbers (5G,
 * 2023年) are not targets. Progress figures are compared with these
 * targets later (domain/), so the unit of measure is kept as written.
 *
 * Not every number is a target. Money given or budgeted (分别一次性给予
 * 100万元奖补, 每年安排800万元), a limit (最高500万元开办费, 不超过…) and a
 * count of what already exists (10座城镇污水处理厂的运行情况) are facts of
 * the action: kept in its "facts" with their kind and clause, never
 * compared with progress, and each such decision is reported with its line.
 * The cue words are read in the number's clause (，；。 bound it).
 * import_build.c calls this per action. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "lang.h"

/* Units of measure a target may carry, longest first so that 千瓦时 wins
 * over 千瓦 and 人次 over 人. */
static const char *const MEASURES[] = {
    "平方公里", "立方米", "平方米", "千瓦时", "标准箱", "万千瓦", "千瓦", "公里", "千米", "公顷", "人次",
    "户次",     "千克",   "公斤",   "吨",     "元",     "亩",     "个",   "座",   "处",   "家",   "人",
    "只",       "头",     "户",     "群",     "条",     "项",     "所",   "名",   "辆",   "台",   "套",
    "件",       "栋",     "间",     "张",     "株",     "棵",     "米",   "%",    NULL,
};

/* Words between a number and what it counts: 5000个以上的充电桩. */
static const char *const WORDS_AFTER_NUMBER[] = {"以上", "以内", "左右", "多", "的", NULL};
/* Words between what is counted and its number: 指标达到1000万立方米. */
static const char *const WORDS_BEFORE_NUMBER[] = {"不低于", "不少于", "不超过", "超过", "达到", "突破", "约",
                                                  "达",     "超",     "为",     "共",   "计",   NULL};

/* Cue words that make a number a fact instead of a target, by kind. A
 * limit's cue comes before the number in its clause; money's and an
 * existing count's anywhere in the clause (money only with 元). */
static const char *const LIMIT_CUES[] = {"最高", "不超过", "最多", "上限", "封顶", NULL};
static const char *const FUNDING_CUES[] = {"给予", "补助", "补贴", "奖励",     "奖补", "开办费",
                                           "安排", "资助", "拨付", "扶持资金", NULL};
static const char *const EXISTING_CUES[] = {"运行情况", "现有", "已有", "已建成", "运营情况", NULL};

/* The clause around position at: from after the previous ，；。 (or line
 * break) to the next one. */
static void
clause_bounds(const uint32_t *normalized, size_t length, size_t at, size_t *start_p, size_t *end_p)
{
  size_t start = at, end = at;
  while (start > 0 && !cp_is_clause_delim(normalized[start - 1]))
    start--;
  while (end < length && !cp_is_clause_delim(normalized[end]))
    end++;
  *start_p = start;
  *end_p = end;
}

static const char *
cue_in(const uint32_t *normalized, size_t start, size_t end, const char *const *cues)
{
  for (int i = 0; cues[i]; i++)
    if (literal_find(normalized, start, end, cues[i]) != SIZE_MAX)
      return cues[i];
  return NULL;
}

/* A money amount (digits, perhaps 万/亿, then 元) in normalized[start..end). */
static bool
names_money(const uint32_t *normalized, size_t start, size_t end)
{
  for (size_t i = start; i < end; i++) {
    if (normalized[i] != 0x5143 || i == start) /* 元 */
      continue;
    size_t k = i;
    while (k > start && cp_in_set(normalized[k - 1], "万亿千百十"))
      k--;
    if (k > start && cp_is_digit(normalized[k - 1]))
      return true;
  }
  return false;
}

bool
import_is_funding_clause(const uint32_t *normalized, size_t length, size_t at)
{
  size_t start, end;
  clause_bounds(normalized, length, at, &start, &end);
  return names_money(normalized, start, end) && cue_in(normalized, start, end, FUNDING_CUES) != NULL;
}

/* The kind of fact the number at [number_start, after) is ("limit",
 * "funding", "existing"), with the cue word that decided it; NULL when it
 * is a target. */
static const char *
fact_kind(const uint32_t *normalized, size_t length, size_t number_start, const char *unit, const char **cue)
{
  size_t start, end;
  clause_bounds(normalized, length, number_start, &start, &end);
  if ((*cue = cue_in(normalized, start, number_start, LIMIT_CUES)))
    return "limit";
  if (strcmp(unit, "元") == 0 && (*cue = cue_in(normalized, start, end, FUNDING_CUES)))
    return "funding";
  if ((*cue = cue_in(normalized, start, end, EXISTING_CUES)))
    return "existing";
  return NULL;
}

static const char *
fact_kind_cn(const char *kind)
{
  return strcmp(kind, "limit") == 0 ? "上限" : strcmp(kind, "funding") == 0 ? "给予或安排的资金" : "已有数量";
}

static bool
is_target_delim(uint32_t cp)
{
  return cp_is_clause_delim(cp) || cp == 0x3001 || cp == '(' || cp == ')' || cp == 0x300a || cp == 0x300b ||
         cp == ' ';
}

/* A number in the text: its value before a multiplier, and where it ends. */
typedef struct {
  double mantissa; /* the digits, without the decimal point */
  double scale;    /* 10 to the number of decimals */
  size_t end;
} number_t;

enum number_read { NUMBER_OK, NUMBER_NONE, NUMBER_SKIP_TO_END };

/* The number starting at i. NUMBER_NONE: not a number that may be a
 * target; NUMBER_SKIP_TO_END: not one, and its digits are skipped. */
static enum number_read
read_number(const uint32_t *normalized, size_t length, size_t i, number_t *number)
{
  if (i > 0 &&
      (cp_is_digit(normalized[i - 1]) || normalized[i - 1] == '.' || cp_is_alpha(normalized[i - 1]) ||
       normalized[i - 1] == '+' || normalized[i - 1] == 0x7b2c)) /* 第 */
    return NUMBER_NONE;
  size_t j = i;
  number->mantissa = 0;
  while (j < length && cp_is_digit(normalized[j]) && j - i < 15)
    number->mantissa = number->mantissa * 10 + (normalized[j++] - '0');
  if (j < length && cp_is_digit(normalized[j]))
    return NUMBER_NONE;
  number->scale = 1;
  if (j + 1 < length && normalized[j] == '.' && cp_is_digit(normalized[j + 1])) {
    j++;
    size_t fraction_start = j;
    while (j < length && cp_is_digit(normalized[j]) && j - fraction_start < 6) {
      number->mantissa = number->mantissa * 10 + (normalized[j++] - '0');
      number->scale *= 10;
    }
  }
  number->end = j;
  if (j < length && (cp_is_alpha(normalized[j]) || normalized[j] == '+' || normalized[j] == '.'))
    return NUMBER_SKIP_TO_END;
  return NUMBER_OK;
}

static const char *
measure_at(const uint32_t *normalized, size_t length, size_t at, size_t *measure_length)
{
  for (int i = 0; MEASURES[i]; i++)
    if ((*measure_length = literal_at(normalized, at, length, MEASURES[i])))
      return MEASURES[i];
  return NULL;
}

/* The unit of measure after a number ending at at, perhaps after a
 * multiplier (万, 亿, …); NULL if there is none. *after_p is where the
 * unit ends. */
static const char *
read_measure(const uint32_t *normalized, size_t length, size_t at, double *multiplier, size_t *after_p)
{
  static const struct {
    const char *word;
    double value;
  } MULTIPLIERS[] = {{"万亿", 1e12}, {"千万", 1e7}, {"百万", 1e6}, {"十万", 1e5},
                     {"万", 1e4},    {"亿", 1e8},   {NULL, 0}};
  size_t measure_length = 0;
  *multiplier = 1;
  const char *unit = measure_at(normalized, length, at, &measure_length);
  for (int i = 0; !unit && MULTIPLIERS[i].word; i++) {
    size_t word = literal_at(normalized, at, length, MULTIPLIERS[i].word);
    if (word) {
      *multiplier = MULTIPLIERS[i].value;
      at += word;
      unit = measure_at(normalized, length, at, &measure_length);
      break;
    }
  }
  /* 万千瓦 is in the list for "5500万千瓦" read without the multiplier */
  if (unit && strcmp(unit, "万千瓦") == 0) {
    *multiplier *= 1e4;
    unit = "千瓦";
  }
  *after_p = at + measure_length;
  return unit;
}

/* What a number counts, from the words after it: [*start_p, *end_p). */
static void
words_after(const uint32_t *normalized, size_t length, size_t after, size_t *start_p, size_t *end_p)
{
  size_t start = after;
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (int i = 0; WORDS_AFTER_NUMBER[i]; i++) {
      size_t word = literal_at(normalized, start, length, WORDS_AFTER_NUMBER[i]);
      if (word) {
        start += word;
        stripped = true;
      }
    }
  }
  size_t end = start;
  while (end < length && (!is_target_delim(normalized[end]) || (normalized[end] == 0x3001 && end > start)) &&
         !cp_is_digit(normalized[end]) && end - start < 24)
    end++;
  while (end > start && (normalized[end - 1] == 0x3001 || cp_in_set(normalized[end - 1], "和及与或")))
    end--;
  *start_p = start;
  *end_p = end;
}

/* Where the words before position i start: up to 30 code points back, to
 * a delimiter, keeping a bracket whole (名师工作室（站）5个). */
static size_t
words_before_start(const uint32_t *normalized, size_t i)
{
  size_t start = i;
  while (start > 0 && i - start < 30) {
    if (normalized[start - 1] == ')') {
      size_t k = start - 1;
      int depth = 0;
      while (k > 0) {
        if (normalized[k] == ')')
          depth++;
        else if (normalized[k] == '(' && --depth == 0)
          break;
        k--;
      }
      if (depth != 0 || k == 0)
        break;
      start = k;
      continue;
    }
    if (is_target_delim(normalized[start - 1]))
      break;
    start--;
  }
  return start;
}

/* What a number at i counts, from the words before it, without a leading
 * date (2023年底前, 到2025年) and the comparison before the number. */
static void
words_before(const uint32_t *normalized, size_t i, size_t *start_p, size_t *end_p)
{
  size_t start = words_before_start(normalized, i), end = i;
  size_t at = start;
  if (at < end && cp_in_set(normalized[at], "到至在于"))
    at++;
  if (at < end && cp_is_digit(normalized[at])) {
    while (at < end && cp_is_digit(normalized[at]))
      at++;
    if (at < end && normalized[at] == 0x5e74)
      at++;
    while (at < end && cp_in_set(normalized[at], "年底前末内度"))
      at++;
    start = at;
  }
  bool again = true;
  while (again && start < end) {
    again = false;
    for (int k = 0; WORDS_BEFORE_NUMBER[k]; k++)
      if (literal_ends(normalized, start, end, WORDS_BEFORE_NUMBER[k])) {
        end -= literal_length(WORDS_BEFORE_NUMBER[k]);
        again = true;
        break;
      }
  }
  *start_p = start;
  *end_p = end;
}

/* Where one action's numbers go: targets, or facts with the line the
 * report names. */
typedef struct {
  cJSON *targets, *facts;
  int line;
} numbers_out_t;

static cJSON *
number_json(importer_t *importer, const cptext_t *text, double value, const char *unit, size_t what_start,
            size_t what_end)
{
  char *what = import_encode(importer, text->typed, what_start, what_end);
  cJSON *number = cJSON_CreateObject();
  if (!what || !number || !cJSON_AddNumberToObject(number, "value", value) ||
      !cJSON_AddStringToObject(number, "unit_of_measure", unit) ||
      !cJSON_AddStringToObject(number, "what", what)) {
    cJSON_Delete(number);
    number = NULL;
    importer->error = DBN_ENOMEM;
  }
  free(what);
  return number;
}

/* A fact: the number with its kind and its clause as written, reported. */
static void
add_fact(importer_t *importer, numbers_out_t *out, const cptext_t *text, cJSON *fact, size_t number_start,
         const char *kind, const char *cue)
{
  size_t start, end;
  clause_bounds(text->normalized, text->length, number_start, &start, &end);
  cp_trim(text->normalized, &start, &end);
  char *clause = import_encode_limited(importer, text->typed, start, end, out->line,
                                       dbn_tr("事实所在的分句", "a fact's clause"));
  if (!clause || !cJSON_AddStringToObject(fact, "kind", kind) ||
      !cJSON_AddStringToObject(fact, "text", clause)) {
    importer->error = DBN_ENOMEM;
    cJSON_Delete(fact);
    free(clause);
    return;
  }
  cJSON_AddItemToArray(out->facts, fact);
  import_report(importer, out->line, "fact", "「%s」中的数字是%s（依据“%s”），记为任务的事实，不作为目标",
                clause, fact_kind_cn(kind), cue);
  free(clause);
}

/* A target whose number starts at i; returns the position to go on from
 * (the last one it read). */
static size_t
target_at(importer_t *importer, numbers_out_t *out, const cptext_t *text, size_t i)
{
  const uint32_t *normalized = text->normalized;
  size_t length = text->length;
  number_t number;
  enum number_read read = read_number(normalized, length, i, &number);
  if (read == NUMBER_NONE)
    return i;
  if (read == NUMBER_SKIP_TO_END)
    return number.end;
  double multiplier;
  size_t after;
  const char *unit = read_measure(normalized, length, number.end, &multiplier, &after);
  if (!unit)
    return number.end - 1;
  double value = round(number.mantissa / number.scale * multiplier * 1e6) / 1e6;
  size_t what_start, what_end;
  words_after(normalized, length, after, &what_start, &what_end);
  if (what_end == what_start)
    words_before(normalized, i, &what_start, &what_end);
  cJSON *found = number_json(importer, text, value, unit, what_start, what_end);
  const char *cue = NULL;
  const char *kind = fact_kind(normalized, length, i, unit, &cue);
  if (found && kind)
    add_fact(importer, out, text, found, i, kind, cue);
  else if (found)
    cJSON_AddItemToArray(out->targets, found);
  return after - 1;
}

cJSON *
import_targets(importer_t *importer, const cptext_t *text, int line, cJSON **facts_p)
{
  const uint32_t *normalized = text->normalized;
  numbers_out_t out = {cJSON_CreateArray(), cJSON_CreateArray(), line};
  *facts_p = NULL;
  if (!out.targets || !out.facts) {
    cJSON_Delete(out.targets);
    cJSON_Delete(out.facts);
    importer->error = DBN_ENOMEM;
    return NULL;
  }
  int book = 0, quote = 0;
  for (size_t i = 0; i < text->length && !importer->error; i++) {
    if (normalized[i] == 0x300a || normalized[i] == 0x3008)
      book++;
    else if ((normalized[i] == 0x300b || normalized[i] == 0x3009) && book > 0)
      book--;
    else if (normalized[i] == 0x201c)
      quote++;
    else if (normalized[i] == 0x201d && quote > 0)
      quote--;
    if (book || quote || !cp_is_digit(normalized[i]))
      continue;
    i = target_at(importer, &out, text, i);
  }
  *facts_p = out.facts;
  return out.targets;
}
