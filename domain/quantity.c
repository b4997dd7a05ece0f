/* quantity.c: the table of units and exact decimal quantities; see
 * quantity.h.
 *
 * All arithmetic is on unsigned 64-bit magnitudes of at most
 * DBN_QUANTITY_MAX_MILLI (1e18), so ten times one still fits (1e19 <
 * 1.8e19): that headroom is what lets the percentage be computed digit by
 * digit without a wider type. */
#include "quantity.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "error.h"

struct dbn_unit {
  const char *name;      /* as plans write it: "万千瓦" */
  const char *dimension; /* "power": units compare by this string */
  int exp10;             /* the unit is 10^exp10 of the dimension's base unit */
  bool ladder;           /* a unit dbn_quantity_format may choose for a quantity not typed in it */
};

/* A counting word, its 万 and its 亿: a dimension of its own. */
#define COUNT(w)                                                                                             \
  {w, "count of " w, 0, true}, {"万" w, "count of " w, 4, true},                                             \
  {                                                                                                          \
    "亿" w, "count of " w, 8, true                                                                           \
  }

/* Every unit of measure duban knows. Each dimension has exactly one base
 * unit (exp10 0, on the ladder); aliases (度, 公斤, 方, ％, 名) are off the
 * ladder so that a quantity printed by choice always uses the main name.
 * The units in plans/ordos-2023-58.txt are all here (tests/unit/
 * test_quantity.c reads them from the plan's phrases). Adding a unit is one
 * row, plus its row in that test. */
static const struct dbn_unit units[] = {
    /* power (装机, 批复规模) */
    {"瓦", "power", -3, false},
    {"千瓦", "power", 0, true},
    {"兆瓦", "power", 3, false},
    {"吉瓦", "power", 6, false},
    {"万千瓦", "power", 4, true},
    {"亿千瓦", "power", 8, true},
    /* energy (发电量, 用电量) */
    {"千瓦时", "energy", 0, true},
    {"度", "energy", 0, false},
    {"兆瓦时", "energy", 3, false},
    {"吉瓦时", "energy", 6, false},
    {"万千瓦时", "energy", 4, true},
    {"万度", "energy", 4, false},
    {"亿千瓦时", "energy", 8, true},
    {"亿度", "energy", 8, false},
    /* energy consumption in standard coal (能耗), not a mass of coal */
    {"吨标准煤", "standard coal", 0, true},
    {"万吨标准煤", "standard coal", 4, true},
    {"亿吨标准煤", "standard coal", 8, true},
    /* mass */
    {"千克", "mass", -3, false},
    {"公斤", "mass", -3, false},
    {"吨", "mass", 0, true},
    {"万吨", "mass", 4, true},
    {"亿吨", "mass", 8, true},
    /* volume (水指标, 土石方) */
    {"升", "volume", -3, false},
    {"立方米", "volume", 0, true},
    {"方", "volume", 0, false},
    {"万立方米", "volume", 4, true},
    {"万方", "volume", 4, false},
    {"亿立方米", "volume", 8, true},
    {"亿方", "volume", 8, false},
    /* area in 亩 (林草, 耕地): 1亩 = 2000/3 平方米, so never mixed with the next */
    {"亩", "area in 亩", 0, true},
    {"万亩", "area in 亩", 4, true},
    {"亿亩", "area in 亩", 8, true},
    /* area in square metres (建筑面积, 国土) */
    {"平方米", "area in 平方米", 0, true},
    {"万平方米", "area in 平方米", 4, true},
    {"亿平方米", "area in 平方米", 8, true},
    {"公顷", "area in 平方米", 4, false},
    {"万公顷", "area in 平方米", 8, false},
    {"平方公里", "area in 平方米", 6, false},
    {"平方千米", "area in 平方米", 6, false},
    {"万平方公里", "area in 平方米", 10, false},
    /* money (投资, 资金) */
    {"元", "money", 0, true},
    {"千元", "money", 3, false},
    {"万元", "money", 4, true},
    {"亿元", "money", 8, true},
    {"万亿元", "money", 12, true},
    /* length (公路, 管网); plans print long ones in 公里 */
    {"米", "length", 0, true},
    {"千米", "length", 3, false},
    {"公里", "length", 3, true},
    {"万公里", "length", 7, true},
    /* voltage (500千伏网架) */
    {"伏", "voltage", -3, false},
    {"千伏", "voltage", 0, true},
    /* shares (比重超过50%) and changes of a share (提高5个百分点) */
    {"%", "percent", 0, true},
    {"％", "percent", 0, false},
    {"个百分点", "percentage points", 0, true},
    {"百分点", "percentage points", 0, false},
    /* counting words */
    COUNT("个"),
    COUNT("座"),
    COUNT("人"),
    {"名", "count of 人", 0, false},
    {"万名", "count of 人", 4, false},
    COUNT("人次"),
    COUNT("家"),
    COUNT("户"),
    COUNT("户次"),
    COUNT("只"),
    COUNT("头"),
    COUNT("条"),
    COUNT("处"),
    COUNT("项"),
    COUNT("台"),
    COUNT("套"),
    COUNT("所"),
    COUNT("辆"),
    COUNT("栋"),
    COUNT("间"),
    COUNT("次"),
    COUNT("件"),
    COUNT("批"),
    COUNT("棵"),
    COUNT("株"),
    COUNT("张"),
    COUNT("群"),
    COUNT("段"),
    COUNT("场"),
    COUNT("期"),
    COUNT("标准箱"),
};

#define N_UNITS (sizeof units / sizeof units[0])

/* For messages about a unit that is not in the table. */
#define KNOWN_UNITS                                                                                          \
  "known units include 个, 座, 人, 家, 万千瓦, 千瓦时, 吨, 万立方米, 万亩, 平方米, 万元, 亿元, 公里, %%"

/* 10^exp for exp 0..15: every power a conversion needs (a thousandth of
 * the base unit up to 万亿). */
static uint64_t
pow10u(int exp)
{
  uint64_t power = 1;
  while (exp-- > 0)
    power *= 10;
  return power;
}

/* The power of ten of thousandths of the base unit in one unit: 0..15. */
static int
milli_exp(const dbn_unit_t *unit)
{
  return unit->exp10 + 3;
}

static void cut_at_character(char *out, size_t out_len, int wanted);
static int fail(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t why_len, const char *fmt, ...)
{
  if (why && why_len > 0) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    cut_at_character(why, why_len, n);
  }
  return DBN_EINVAL;
}

/* ---- the table ---- */

static const dbn_unit_t *
find_unit(const char *name, size_t len)
{
  for (size_t i = 0; i < N_UNITS; i++)
    if (strlen(units[i].name) == len && memcmp(units[i].name, name, len) == 0)
      return &units[i];
  return NULL;
}

const dbn_unit_t *
dbn_unit_find(const char *name)
{
  return name ? find_unit(name, strlen(name)) : NULL;
}

size_t
dbn_unit_count(void)
{
  return N_UNITS;
}

const dbn_unit_t *
dbn_unit_at(size_t i)
{
  return i < N_UNITS ? &units[i] : NULL;
}

const char *
dbn_unit_name(const dbn_unit_t *unit)
{
  return unit->name;
}

const char *
dbn_unit_dimension(const dbn_unit_t *unit)
{
  return unit->dimension;
}

int
dbn_unit_exp10(const dbn_unit_t *unit)
{
  return unit->exp10;
}

bool
dbn_unit_same_dimension(const dbn_unit_t *a, const dbn_unit_t *b)
{
  return a == b || strcmp(a->dimension, b->dimension) == 0;
}

const dbn_unit_t *
dbn_unit_base(const dbn_unit_t *unit)
{
  for (size_t i = 0; i < N_UNITS; i++)
    if (units[i].exp10 == 0 && units[i].ladder && dbn_unit_same_dimension(&units[i], unit))
      return &units[i];
  return unit; /* not reached: the test checks every dimension has its base */
}

/* ---- printing ---- */

static uint64_t
magnitude_of(int64_t v)
{
  return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
}

/* The decimals magnitude (thousandths of the base) needs in a unit of
 * 10^exp thousandths: 0 when it is a whole number of them. */
static int
decimals_needed(uint64_t magnitude, int exp)
{
  uint64_t rest = magnitude % pow10u(exp);
  if (rest == 0)
    return 0;
  int decimals = exp;
  while (rest % 10 == 0) {
    rest /= 10;
    decimals--;
  }
  return decimals;
}

/* If snprintf cut the text, cut it further back to a whole UTF-8
 * character, so a truncated line never ends in half of a 千. */
static void
cut_at_character(char *out, size_t out_len, int wanted)
{
  if (wanted < 0) {
    out[0] = '\0';
    return;
  }
  if ((size_t)wanted < out_len)
    return;
  size_t end = out_len - 1, start = end;
  while (start > 0 && ((unsigned char)out[start - 1] & 0xC0) == 0x80)
    start--;
  if (start == 0) {
    out[0] = '\0';
    return;
  }
  unsigned char lead = (unsigned char)out[start - 1];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (start - 1 + need > end)
    out[start - 1] = '\0';
}

/* q's amount in unit, exactly: "5500", "0.33", "-1.5". */
static void
print_amount(int64_t base_milli, const dbn_unit_t *unit, char *out, size_t out_len)
{
  int exp = milli_exp(unit);
  uint64_t magnitude = magnitude_of(base_milli);
  uint64_t whole = magnitude / pow10u(exp), rest = magnitude % pow10u(exp);
  int decimals = decimals_needed(magnitude, exp);
  const char *sign = base_milli < 0 ? "-" : "";
  if (decimals == 0)
    snprintf(out, out_len, "%s%llu", sign, (unsigned long long)whole);
  else
    snprintf(out, out_len, "%s%llu.%0*llu", sign, (unsigned long long)whole, decimals,
             (unsigned long long)(rest / pow10u(exp - decimals)));
}

static void
print_in(int64_t base_milli, const dbn_unit_t *unit, char *out, size_t out_len)
{
  if (!out || out_len == 0)
    return;
  char amount[32];
  print_amount(base_milli, unit, amount, sizeof amount);
  cut_at_character(out, out_len, snprintf(out, out_len, "%s%s", amount, unit->name));
}

/* The unit dbn_quantity_format prints q in. */
static const dbn_unit_t *
display_unit(const dbn_quantity_t *q)
{
  if (q->as_typed)
    return q->unit;
  uint64_t magnitude = magnitude_of(q->base_milli);
  const dbn_unit_t *best = dbn_unit_base(q->unit);
  for (size_t i = 0; i < N_UNITS; i++) {
    const dbn_unit_t *u = &units[i];
    if (!u->ladder || u->exp10 <= best->exp10 || !dbn_unit_same_dimension(u, q->unit))
      continue;
    if (magnitude >= pow10u(milli_exp(u)) && decimals_needed(magnitude, milli_exp(u)) <= 2)
      best = u;
  }
  return best;
}

/* The largest quantity of unit's dimension, for a message: "1000万亿元". */
static void
print_largest(const dbn_unit_t *unit, char *out, size_t out_len)
{
  dbn_quantity_t largest = {DBN_QUANTITY_MAX_MILLI, unit, false};
  print_in(largest.base_milli, display_unit(&largest), out, out_len);
}

void
dbn_quantity_format(const dbn_quantity_t *q, char *out, size_t out_len)
{
  print_in(q->base_milli, display_unit(q), out, out_len);
}

int
dbn_quantity_format_in(const dbn_quantity_t *q, const dbn_unit_t *unit, char *out, size_t out_len)
{
  if (!dbn_unit_same_dimension(q->unit, unit)) {
    if (out && out_len > 0)
      out[0] = '\0';
    return DBN_EINVAL;
  }
  print_in(q->base_milli, unit, out, out_len);
  return 0;
}

/* ---- comparing ---- */

bool
dbn_quantity_same_dimension(const dbn_quantity_t *a, const dbn_quantity_t *b)
{
  return dbn_unit_same_dimension(a->unit, b->unit);
}

/* Why figure cannot be compared with target, for a message. */
static int
refuse_mismatch(const dbn_quantity_t *figure, const dbn_quantity_t *target, char *why, size_t why_len)
{
  char f[DBN_QUANTITY_FORMAT_LEN], t[DBN_QUANTITY_FORMAT_LEN];
  dbn_quantity_format(figure, f, sizeof f);
  dbn_quantity_format(target, t, sizeof t);
  const char *fd = figure->unit->dimension, *td = target->unit->dimension;
  if ((strcmp(fd, "area in 亩") == 0 && strcmp(td, "area in 平方米") == 0) ||
      (strcmp(fd, "area in 平方米") == 0 && strcmp(td, "area in 亩") == 0))
    return fail(why, why_len,
                "%s and %s do not mix: 1亩 is 2000/3平方米, which has no exact decimal; report the "
                "figure in %s as the target is",
                f, t, dbn_unit_base(target->unit)->name);
  return fail(
      why, why_len,
      "%s (%s) cannot be compared with the target %s (%s): report the figure in %s or another unit of %s", f,
      fd, t, td, dbn_unit_base(target->unit)->name, td);
}

int
dbn_quantity_percent_of(const dbn_quantity_t *figure, const dbn_quantity_t *target, int *percent_p, char *why,
                        size_t why_len)
{
  if (!dbn_quantity_same_dimension(figure, target))
    return refuse_mismatch(figure, target, why, why_len);
  if (figure->base_milli < 0 || target->base_milli < 0)
    return fail(why, why_len, "a figure or target below zero has no percentage");
  if (figure->base_milli > DBN_QUANTITY_MAX_MILLI || target->base_milli > DBN_QUANTITY_MAX_MILLI)
    return fail(why, why_len, "a figure or target above 10^15 %s has no percentage",
                dbn_unit_base(target->unit)->name);
  if (target->base_milli == 0) {
    char t[DBN_QUANTITY_FORMAT_LEN];
    dbn_quantity_format(target, t, sizeof t);
    return fail(why, why_len, "the target is %s: a figure is no percentage of zero", t);
  }
  /* floor(100 f / t) as whole + two digits of long division; the rest is
   * below t <= 1e18, so ten times it fits in 64 bits. */
  uint64_t f = (uint64_t)figure->base_milli, t = (uint64_t)target->base_milli;
  uint64_t whole = f / t, rest = f % t;
  if (whole > (uint64_t)INT32_MAX / 100) {
    *percent_p = INT32_MAX;
    return 0;
  }
  uint64_t tens = rest * 10 / t;
  rest = rest * 10 % t;
  uint64_t percent = whole * 100 + tens * 10 + rest * 10 / t;
  *percent_p = percent > (uint64_t)INT32_MAX ? INT32_MAX : (int)percent;
  return 0;
}

void
dbn_quantity_format_against(const dbn_quantity_t *figure, const dbn_quantity_t *target, char *out,
                            size_t out_len)
{
  if (!out || out_len == 0)
    return;
  char f[DBN_QUANTITY_FORMAT_LEN], t[DBN_QUANTITY_FORMAT_LEN];
  const dbn_unit_t *unit = display_unit(target);
  print_in(target->base_milli, unit, t, sizeof t);
  if (dbn_quantity_same_dimension(figure, target) &&
      decimals_needed(magnitude_of(figure->base_milli), milli_exp(unit)) <= 3)
    print_in(figure->base_milli, unit, f, sizeof f);
  else
    dbn_quantity_format(figure, f, sizeof f);
  int percent = 0;
  int n;
  if (!dbn_quantity_same_dimension(figure, target))
    n = snprintf(out, out_len, "%s / %s (not comparable: %s vs %s)", f, t, figure->unit->dimension,
                 target->unit->dimension);
  else if (dbn_quantity_percent_of(figure, target, &percent, NULL, 0) == 0)
    n = snprintf(out, out_len, "%s / %s (%d%%)", f, t, percent);
  else if (target->base_milli == 0)
    n = snprintf(out, out_len, "%s / %s (the target is zero)", f, t);
  else
    n = snprintf(out, out_len, "%s / %s", f, t);
  cut_at_character(out, out_len, n);
}

/* ---- reading ---- */

double
dbn_quantity_value(const dbn_quantity_t *q)
{
  /* One division of two doubles: exact operands (below 2^53 and a power of
   * ten up to 10^15) give the nearest double to the exact decimal. */
  return (double)q->base_milli / (double)pow10u(milli_exp(q->unit));
}

int
dbn_quantity_from_value(double value, const char *unit_name, dbn_quantity_t *q, char *why, size_t why_len)
{
  if (!unit_name || !*unit_name)
    return fail(why, why_len, "a value with no unit of measure: say what it counts (个, 万千瓦, 亿元...)");
  const dbn_unit_t *unit = dbn_unit_find(unit_name);
  if (!unit)
    return fail(why, why_len, "unknown unit of measure '%s'; " KNOWN_UNITS, unit_name);
  if (isnan(value) || isinf(value))
    return fail(why, why_len, "the value in %s is not a finite number", unit_name);
  if (value < 0)
    return fail(why, why_len, "a value in %s is negative: figures and targets count from zero up", unit_name);
  double milli = value * (double)pow10u(milli_exp(unit));
  if (milli > (double)DBN_QUANTITY_MAX_MILLI) {
    char max[DBN_QUANTITY_FORMAT_LEN];
    print_largest(unit, max, sizeof max);
    return fail(why, why_len, "a value in %s is too large: at most %s", unit_name, max);
  }
  q->base_milli = llround(milli);
  q->unit = unit;
  q->as_typed = true;
  return 0;
}

/* The characters a number may be written with, in ASCII and full width
 * (U+FF0C ，, U+FF0D －, U+FF0E ．, U+FF10.. ０..９). Each returns the
 * bytes it matched, 0 for none. */
static size_t
full_width(const char *p, unsigned char low)
{
  return (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBC && (unsigned char)p[2] == low ? 3 : 0;
}

static size_t
match_digit(const char *p, int *digit)
{
  if (*p >= '0' && *p <= '9') {
    *digit = *p - '0';
    return 1;
  }
  if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBC && (unsigned char)p[2] >= 0x90 &&
      (unsigned char)p[2] <= 0x99) {
    *digit = (unsigned char)p[2] - 0x90;
    return 3;
  }
  return 0;
}

static size_t
match_separator(const char *p)
{
  return *p == ',' ? 1 : full_width(p, 0x8C);
}

static size_t
match_point(const char *p)
{
  return *p == '.' ? 1 : full_width(p, 0x8E);
}

static size_t
match_minus(const char *p)
{
  return *p == '-' ? 1 : full_width(p, 0x8D);
}

static size_t
match_space(const char *p)
{
  if (*p == ' ' || *p == '\t')
    return 1;
  return (unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80 ? 3 : 0;
}

static const char *
skip_spaces(const char *p)
{
  size_t n;
  while ((n = match_space(p)) != 0)
    p += n;
  return p;
}

/* A number as written: its significant digits, and how many of them are
 * decimals. */
struct decimal {
  char digits[40]; /* '0'..'9', integer part without leading zeros, then the decimals */
  size_t count;    /* digits used */
  int decimals;    /* how many of them follow the point */
};

static bool
add_digit(struct decimal *d, int digit, bool fraction)
{
  if (!fraction && d->count == 0 && digit == 0)
    return true;
  if (d->count == sizeof d->digits)
    return false;
  d->digits[d->count++] = (char)('0' + digit);
  if (fraction)
    d->decimals++;
  return true;
}

#define GROUPING "'%s': thousands separators group the digits by three (1,200 or 1200)"

/* Digits, optionally grouped by three with separators, then optionally a
 * point and more digits. *pp is left after the number. */
static int
read_number(const char *text, const char **pp, struct decimal *d, char *why, size_t why_len)
{
  const char *p = *pp;
  size_t n;
  int digit;
  size_t group = 0, digits_seen = 0;
  bool grouped = false;
  memset(d, 0, sizeof *d);
  for (;;) {
    if ((n = match_digit(p, &digit)) != 0) {
      if (!add_digit(d, digit, false))
        return fail(why, why_len, "'%s' has too many digits", text);
      group++;
      digits_seen++;
    } else if ((n = match_separator(p)) != 0 && digits_seen > 0) {
      if ((grouped && group != 3) || (!grouped && group > 3))
        return fail(why, why_len, GROUPING, text);
      grouped = true;
      group = 0;
    } else {
      break;
    }
    p += n;
  }
  if (grouped && group != 3)
    return fail(why, why_len, GROUPING, text);
  if ((n = match_point(p)) != 0) {
    p += n;
    if (!match_digit(p, &digit))
      return fail(why, why_len, "'%s': a decimal point needs digits after it", text);
    while ((n = match_digit(p, &digit)) != 0) {
      if (!add_digit(d, digit, true))
        return fail(why, why_len, "'%s' has too many digits", text);
      p += n;
    }
  }
  *pp = p;
  return 0;
}

static bool
starts_with_word(const char *p, const char *word)
{
  return strncasecmp(p, word, strlen(word)) == 0;
}

/* Why the unit text after a number is not a unit, with the nearest help. */
static int
refuse_unit(const char *text, const char *unit, size_t len, char *why, size_t why_len)
{
  static const char *const multipliers[] = {"十", "百", "千", "万", "十万", "百万", "千万", "亿", "万亿"};
  if (len == 0)
    return fail(why, why_len,
                "'%s' has no unit of measure: write it as the plan does (5000个, 3300万千瓦, 50%%)", text);
  for (size_t i = 0; i < sizeof multipliers / sizeof multipliers[0]; i++)
    if (strlen(multipliers[i]) == len && memcmp(multipliers[i], unit, len) == 0)
      return fail(
          why, why_len,
          "'%s': %s is a multiplier, not a unit of measure; say what is counted (万千瓦, 万个, 万元...)",
          text, multipliers[i]);
  const dbn_unit_t *prefix = NULL;
  for (size_t i = 0; i < N_UNITS; i++) {
    size_t l = strlen(units[i].name);
    if (l < len && memcmp(units[i].name, unit, l) == 0 && (!prefix || l > strlen(prefix->name)))
      prefix = &units[i];
  }
  if (prefix)
    return fail(why, why_len,
                "unknown unit of measure '%.*s' in '%s': write only the number and its unit (%s?)", (int)len,
                unit, text, prefix->name);
  return fail(why, why_len, "unknown unit of measure '%.*s' in '%s'; " KNOWN_UNITS, (int)len, unit, text);
}

/* value_milli = digits * 10^(milli exponent - decimals), exactly. */
static int
convert(const char *text, struct decimal *d, const dbn_unit_t *unit, int64_t *milli_p, char *why,
        size_t why_len)
{
  while (d->decimals > 0 && d->digits[d->count - 1] == '0') {
    d->count--;
    d->decimals--;
  }
  size_t lead = 0;
  while (lead < d->count && d->digits[lead] == '0')
    lead++;
  int exp = milli_exp(unit);
  const dbn_unit_t *base = dbn_unit_base(unit);
  if (d->decimals > exp && unit == base)
    return fail(why, why_len, "'%s' is finer than 0.001%s, the finest a quantity holds (3 decimals in %s)",
                text, base->name, base->name);
  if (d->decimals > exp)
    return fail(why, why_len,
                "'%s' is finer than 0.001%s, the finest a quantity holds (3 decimals in %s, %d in %s)", text,
                base->name, base->name, exp, unit->name);
  size_t significant = d->count - lead, shift = (size_t)(exp - d->decimals);
  uint64_t milli = 0;
  if (significant + shift <= 19) {
    for (size_t i = lead; i < d->count; i++)
      milli = milli * 10 + (uint64_t)(d->digits[i] - '0');
    milli *= pow10u(shift);
  }
  if (significant + shift > 19 || milli > (uint64_t)DBN_QUANTITY_MAX_MILLI) {
    char max[DBN_QUANTITY_FORMAT_LEN];
    print_largest(unit, max, sizeof max);
    return fail(why, why_len, "'%s' is too large: at most %s", text, max);
  }
  *milli_p = (int64_t)milli;
  return 0;
}

int
dbn_quantity_parse(const char *text, dbn_quantity_t *q, char *why, size_t why_len)
{
  if (!text)
    return fail(why, why_len, "no quantity given");
  const char *p = skip_spaces(text);
  if (match_minus(p))
    return fail(why, why_len, "'%s' is negative: figures and targets count from zero up", text);
  if (starts_with_word(p, "nan") || starts_with_word(p, "inf"))
    return fail(why, why_len, "'%s' is not a finite number", text);
  int digit;
  if (!match_digit(p, &digit))
    return fail(why, why_len, "'%s' does not start with a number (write 5000个, 3300万千瓦, 50%%)", text);
  struct decimal d;
  int rc = read_number(text, &p, &d, why, why_len);
  if (rc)
    return rc;
  const char *unit_text = skip_spaces(p), *end = unit_text + strlen(unit_text);
  while (end > unit_text) {
    /* trailing spaces: ASCII, or the three bytes of U+3000 */
    if (end[-1] == ' ' || end[-1] == '\t')
      end--;
    else if (end - unit_text >= 3 && match_space(end - 3) == 3)
      end -= 3;
    else
      break;
  }
  const dbn_unit_t *unit = find_unit(unit_text, (size_t)(end - unit_text));
  if (!unit)
    return refuse_unit(text, unit_text, (size_t)(end - unit_text), why, why_len);
  int64_t milli = 0;
  if ((rc = convert(text, &d, unit, &milli, why, why_len)) != 0)
    return rc;
  q->base_milli = milli;
  q->unit = unit;
  q->as_typed = true;
  return 0;
}
