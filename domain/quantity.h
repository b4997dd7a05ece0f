/* quantity.h: the units of measure plans write, and exact quantities in them.
 *
 * A plan sets targets (新建5000个公共充电桩, 新能源批复规模超过5500万千瓦,
 * 完成投资150亿元, 实施林草生态建设5.8万亩, 比重超过50%) and departments
 * report figures against them. This is the one table of the units those
 * carry, and the one place that reads, compares and prints them: the CLI
 * parses --figure with it, the broker checks a figure's unit against its
 * target with it, the console and reports print both with it.
 *
 * Each unit belongs to a dimension (power, money, area in 亩, a count of 座)
 * and is a power of ten of that dimension's base unit: 万千瓦 is 10^4 千瓦,
 * 瓦 is 10^-3 千瓦. So converting between units of a dimension only moves a
 * decimal point and never rounds. That is also why 亩 and 平方米 are two
 * dimensions (1亩 = 2000/3 平方米 has no exact decimal), and why every
 * counting word is a dimension of its own: 5000个 charging piles are not
 * 5000座 plants. The one exception is 名, which counts the same people as
 * 人 and shares its dimension.
 *
 * A quantity is an exact decimal: an int64 of thousandths of the base unit
 * (the resolution is 0.001 base unit: 1瓦 for power, 1千克 for mass, 0.001元
 * for money), so comparisons, percentages and sums use no floating point,
 * and 5500万千瓦 prints as 5500万千瓦, never as 5.5e+07千瓦.
 *
 * Pure functions over a constant table: no I/O, no state, thread-safe. */
#ifndef DUBAN_QUANTITY_H
#define DUBAN_QUANTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest quantity held, in base units (1000万亿元, 1000万亿千瓦);
 * in thousandths it is 1e18, which an int64 holds with room to spare. */
#define DBN_QUANTITY_MAX_BASE INT64_C(1000000000000000)
#define DBN_QUANTITY_MAX_MILLI (DBN_QUANTITY_MAX_BASE * 1000)

/* Enough for any one quantity dbn_quantity_format prints, with its NUL. */
#define DBN_QUANTITY_FORMAT_LEN 64
/* Enough for anything dbn_quantity_format_against prints, with its NUL. */
#define DBN_QUANTITY_AGAINST_LEN 192

/* A unit of measure: a row of the table, valid for the life of the
 * program; never freed. */
typedef struct dbn_unit dbn_unit_t;

typedef struct {
  int64_t base_milli;     /* the amount, in thousandths of the dimension's base unit */
  const dbn_unit_t *unit; /* the unit it was typed in (borrowed from the table); never NULL */
  bool as_typed;          /* print in unit; false: on the dimension's 万/亿 ladder */
} dbn_quantity_t;

/* ---- the table of units ---- */

/* The unit named exactly name ("万千瓦", "个", "%"), or NULL. */
const dbn_unit_t *dbn_unit_find(const char *name);

/* The number of units in the table, and the i-th (NULL past the end): for
 * listing them and for tests that must cover every row. */
size_t dbn_unit_count(void);
const dbn_unit_t *dbn_unit_at(size_t i);

/* The unit's name as plans write it ("万千瓦"). */
const char *dbn_unit_name(const dbn_unit_t *unit);

/* The unit's dimension, a stable id that reads in a message: "power",
 * "energy", "mass", "volume", "area in 亩", "area in 平方米", "money",
 * "length", "percent", "count of 座", ... Two units may be compared, and a
 * figure reported against a target, exactly when these are equal. */
const char *dbn_unit_dimension(const dbn_unit_t *unit);

/* The unit's factor to its dimension's base unit, as a power of ten: the
 * unit is 10^exp10 base units (万千瓦: 4, 千瓦: 0, 瓦: -3). Always in
 * -3..12, so a thousandth of the base unit is never finer than the unit. */
int dbn_unit_exp10(const dbn_unit_t *unit);

/* The base unit of unit's dimension (千瓦 for 万千瓦, 座 for 万座). */
const dbn_unit_t *dbn_unit_base(const dbn_unit_t *unit);

/* True when a and b measure the same dimension. */
bool dbn_unit_same_dimension(const dbn_unit_t *a, const dbn_unit_t *b);

/* ---- quantities ---- */

/* Read a quantity the way plans and people write it: a number, then its
 * unit ("3300万千瓦", "5.8万亩", "150亿元", "50%", "1,200吨", "５０００个",
 * "50％"), optionally with spaces around and between. Thousands separators
 * (',' or '，') must group by three; full-width digits and '．' are read as
 * ASCII ones. Refuses, with DBN_EINVAL and a message in why: no number, no
 * unit, an unknown unit (named, with some known ones listed), a bare
 * multiplier (913万), a negative number, NaN or infinity, more than 3
 * decimals of the base unit (0.0005吨 is half a 千克), and more than
 * DBN_QUANTITY_MAX_BASE base units. q is written only on success, with
 * as_typed set. */
int dbn_quantity_parse(const char *text, dbn_quantity_t *q, char *why, size_t why_len);

/* A quantity from what the wire carries (Figure and Target: a double value
 * in unit_name), rounded to the nearest thousandth of the base unit once.
 * Exact while the value has at most 15 significant digits (the importer's
 * and the CLI's values do). Refuses an empty or unknown unit, a negative,
 * NaN or infinite value and one above DBN_QUANTITY_MAX_BASE base units. */
int dbn_quantity_from_value(double value, const char *unit_name, dbn_quantity_t *q, char *why,
                            size_t why_len);

/* The value of q in its own unit, for the wire's double: the nearest
 * double to the exact decimal, so dbn_quantity_from_value gives q back. */
double dbn_quantity_value(const dbn_quantity_t *q);

/* True when a and b measure the same dimension. */
bool dbn_quantity_same_dimension(const dbn_quantity_t *a, const dbn_quantity_t *b);

/* How much of target figure is, in whole percent rounded down (59.99% is
 * 59), in exact integer arithmetic; over 100 when the target is exceeded,
 * capped at INT32_MAX. Refuses (DBN_EINVAL, why says which) quantities of
 * different dimensions, a zero target and a negative one. why may be NULL. */
int dbn_quantity_percent_of(const dbn_quantity_t *figure, const dbn_quantity_t *target, int *percent_p,
                            char *why, size_t why_len);

/* Print q the way plans write it, never in exponent notation: in its unit
 * with every decimal it has when as_typed ("3300万千瓦", "5.8万亩"); else in
 * the largest unit of the dimension's ladder (the base unit and its 万, 亿
 * and 万亿 multiples; for length 公里 and 万公里) in which it is at least 1
 * with at most 2 decimals, and in the base unit when none is (55000000千瓦
 * -> "5500万千瓦", not "0.55亿千瓦"; 5000个 -> "5000个"; 0.5吨 -> "0.5吨").
 * Trailing zeros are dropped. A result longer than out is cut at a whole
 * UTF-8 character. */
void dbn_quantity_format(const dbn_quantity_t *q, char *out, size_t out_len);

/* Print q exactly in unit, with every decimal it needs ("0.33亿千瓦" for
 * 3300万千瓦). DBN_EINVAL, with out empty, when unit is of another
 * dimension. */
int dbn_quantity_format_in(const dbn_quantity_t *q, const dbn_unit_t *unit, char *out, size_t out_len);

/* A figure against its target, as a report line reads:
 * "3300万千瓦 / 5500万千瓦 (60%)". The target prints as dbn_quantity_format
 * prints it, and the figure in the same unit when it has at most 3 decimals
 * there, so the two read alike. Quantities of different dimensions or a
 * zero target print without a percentage and say why
 * ("5000座 / 5000个 (not comparable: count of 座 vs count of 个)"). */
void dbn_quantity_format_against(const dbn_quantity_t *figure, const dbn_quantity_t *target, char *out,
                                 size_t out_len);

#endif
