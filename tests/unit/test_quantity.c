/* test_quantity.c: units of measure and exact quantities (domain/quantity.h).
 *
 * Every table below is written out, not computed: a row per unit of the
 * table (and a check that no unit is missing a row), the quantities the
 * real plan examples/plans/ordos-2023-58.txt writes (each phrase is checked
 * to be in the plan), conversions, the refusals with the word their message
 * must carry, percentage boundaries, printing, and format(parse(x)) == x for
 * plan-style strings. Each row has a name; a failing row is printed with it
 * and the test fails once at the end, so one run shows every broken row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "quantity.h"

#define N(cases) (sizeof(cases) / sizeof(cases)[0])

/* True when s is whole UTF-8: a cut message never ends in half a character. */
static bool
utf8_whole(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t need = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
    if (need == 0)
      return false;
    for (size_t i = 1; i < need; i++)
      if ((p[i] & 0xC0) != 0x80)
        return false;
    p += need;
  }
  return true;
}

static dbn_quantity_t
parsed(const char *text)
{
  dbn_quantity_t q = {0, NULL, false};
  char why[256] = "";
  int rc = dbn_quantity_parse(text, &q, why, sizeof why);
  if (rc)
    fail_msg("'%s' should parse: %s", text, why);
  return q;
}

/* ---- the table, a row per unit ---- */

struct unit_row {
  const char *name;      /* the unit */
  const char *dimension; /* its dimension */
  int exp10;             /* it is 10^exp10 base units */
};

#define COUNT_ROWS(w)                                                                                        \
  {w, "count of " w, 0}, {"万" w, "count of " w, 4},                                                         \
  {                                                                                                          \
    "亿" w, "count of " w, 8                                                                                 \
  }

static const struct unit_row unit_rows[] = {
    {"瓦", "power", -3},
    {"千瓦", "power", 0},
    {"兆瓦", "power", 3},
    {"吉瓦", "power", 6},
    {"万千瓦", "power", 4},
    {"亿千瓦", "power", 8},
    {"千瓦时", "energy", 0},
    {"度", "energy", 0},
    {"兆瓦时", "energy", 3},
    {"吉瓦时", "energy", 6},
    {"万千瓦时", "energy", 4},
    {"万度", "energy", 4},
    {"亿千瓦时", "energy", 8},
    {"亿度", "energy", 8},
    {"吨标准煤", "standard coal", 0},
    {"万吨标准煤", "standard coal", 4},
    {"亿吨标准煤", "standard coal", 8},
    {"千克", "mass", -3},
    {"公斤", "mass", -3},
    {"吨", "mass", 0},
    {"万吨", "mass", 4},
    {"亿吨", "mass", 8},
    {"升", "volume", -3},
    {"立方米", "volume", 0},
    {"方", "volume", 0},
    {"万立方米", "volume", 4},
    {"万方", "volume", 4},
    {"亿立方米", "volume", 8},
    {"亿方", "volume", 8},
    {"亩", "area in 亩", 0},
    {"万亩", "area in 亩", 4},
    {"亿亩", "area in 亩", 8},
    {"平方米", "area in 平方米", 0},
    {"万平方米", "area in 平方米", 4},
    {"亿平方米", "area in 平方米", 8},
    {"公顷", "area in 平方米", 4},
    {"万公顷", "area in 平方米", 8},
    {"平方公里", "area in 平方米", 6},
    {"平方千米", "area in 平方米", 6},
    {"万平方公里", "area in 平方米", 10},
    {"元", "money", 0},
    {"千元", "money", 3},
    {"万元", "money", 4},
    {"亿元", "money", 8},
    {"万亿元", "money", 12},
    {"米", "length", 0},
    {"千米", "length", 3},
    {"公里", "length", 3},
    {"万公里", "length", 7},
    {"伏", "voltage", -3},
    {"千伏", "voltage", 0},
    {"%", "percent", 0},
    {"％", "percent", 0},
    {"个百分点", "percentage points", 0},
    {"百分点", "percentage points", 0},
    COUNT_ROWS("个"),
    COUNT_ROWS("座"),
    COUNT_ROWS("人"),
    {"名", "count of 人", 0},
    {"万名", "count of 人", 4},
    COUNT_ROWS("人次"),
    COUNT_ROWS("家"),
    COUNT_ROWS("户"),
    COUNT_ROWS("户次"),
    COUNT_ROWS("只"),
    COUNT_ROWS("头"),
    COUNT_ROWS("条"),
    COUNT_ROWS("处"),
    COUNT_ROWS("项"),
    COUNT_ROWS("台"),
    COUNT_ROWS("套"),
    COUNT_ROWS("所"),
    COUNT_ROWS("辆"),
    COUNT_ROWS("栋"),
    COUNT_ROWS("间"),
    COUNT_ROWS("次"),
    COUNT_ROWS("件"),
    COUNT_ROWS("批"),
    COUNT_ROWS("棵"),
    COUNT_ROWS("株"),
    COUNT_ROWS("张"),
    COUNT_ROWS("群"),
    COUNT_ROWS("段"),
    COUNT_ROWS("场"),
    COUNT_ROWS("期"),
    COUNT_ROWS("标准箱"),
};

/* n times 10^exp, for exp 0..15. */
static int64_t
times_pow10(int64_t n, int exp)
{
  while (exp-- > 0)
    n *= 10;
  return n;
}

/* Every unit is found, has its dimension and factor, and 7 of it parses,
 * converts, prints back as typed and comes the same from the wire. */
static void
test_every_unit(void **state)
{
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < N(unit_rows); i++) {
    const struct unit_row *c = &unit_rows[i];
    const dbn_unit_t *u = dbn_unit_find(c->name);
    char text[64], printed[DBN_QUANTITY_FORMAT_LEN], why[256] = "";
    snprintf(text, sizeof text, "7%s", c->name);
    dbn_quantity_t q = {0, NULL, false}, w = {0, NULL, false};
    int64_t want = times_pow10(7, c->exp10 + 3);
    bool ok = u && strcmp(dbn_unit_name(u), c->name) == 0 &&
              strcmp(dbn_unit_dimension(u), c->dimension) == 0 && dbn_unit_exp10(u) == c->exp10 &&
              dbn_quantity_parse(text, &q, why, sizeof why) == 0 && q.unit == u && q.as_typed &&
              q.base_milli == want && dbn_quantity_from_value(7, c->name, &w, why, sizeof why) == 0 &&
              w.unit == u && w.base_milli == want;
    if (ok) {
      dbn_quantity_format(&q, printed, sizeof printed);
      ok = strcmp(printed, text) == 0;
    }
    if (!ok) {
      fprintf(stderr, "unit %s: found %d, parse '%s' -> %lld (want %lld) '%s'\n", c->name, u != NULL, text,
              (long long)q.base_milli, (long long)want, why);
      failures++;
    }
  }
  /* No unit of the table without its row above, none twice. */
  assert_int_equal(dbn_unit_count(), N(unit_rows));
  for (size_t i = 0; i < dbn_unit_count(); i++) {
    const char *name = dbn_unit_name(dbn_unit_at(i));
    size_t rows = 0;
    for (size_t j = 0; j < N(unit_rows); j++)
      rows += strcmp(unit_rows[j].name, name) == 0;
    if (rows != 1) {
      fprintf(stderr, "unit %s of the table has %zu rows here\n", name, rows);
      failures++;
    }
  }
  assert_null(dbn_unit_at(dbn_unit_count()));
  assert_null(dbn_unit_find("颗"));
  assert_null(dbn_unit_find(""));
  assert_null(dbn_unit_find(NULL));
  assert_int_equal(failures, 0);
}

/* Every dimension has one base unit, of factor 1, and every unit finds it. */
static void
test_every_dimension_has_its_base(void **state)
{
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < dbn_unit_count(); i++) {
    const dbn_unit_t *u = dbn_unit_at(i), *base = dbn_unit_base(u);
    if (dbn_unit_exp10(base) != 0 || !dbn_unit_same_dimension(u, base) || dbn_unit_exp10(u) < -3 ||
        dbn_unit_exp10(u) > 12) {
      fprintf(stderr, "unit %s: base %s, exp10 %d\n", dbn_unit_name(u), dbn_unit_name(base),
              dbn_unit_exp10(u));
      failures++;
    }
  }
  const struct {
    const char *unit, *base;
  } cases[] = {
      {"万千瓦", "千瓦"},     {"度", "千瓦时"},   {"公斤", "吨"},         {"万方", "立方米"}, {"万亩", "亩"},
      {"平方公里", "平方米"}, {"万亿元", "元"},   {"公里", "米"},         {"％", "%"},        {"万座", "座"},
      {"名", "人"},           {"万人次", "人次"}, {"百分点", "个百分点"}, {"伏", "千伏"}};
  for (size_t i = 0; i < N(cases); i++)
    if (dbn_unit_base(dbn_unit_find(cases[i].unit)) != dbn_unit_find(cases[i].base)) {
      fprintf(stderr, "base of %s is %s, want %s\n", cases[i].unit,
              dbn_unit_name(dbn_unit_base(dbn_unit_find(cases[i].unit))), cases[i].base);
      failures++;
    }
  assert_int_equal(failures, 0);
}

/* ---- the plan's own quantities ---- */

static char *
read_plan(void)
{
  FILE *f = fopen(DUBAN_SOURCE_DIR "/examples/plans/ordos-2023-58.txt", "rb");
  assert_non_null(f);
  static char text[256 * 1024];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  return text;
}

/* Each phrase is in the plan, holds the quantity, and the quantity reads
 * and prints back as written. */
static void
test_plan_quantities(void **state)
{
  (void)state;
  const struct {
    const char *phrase;   /* as the plan writes it */
    const char *quantity; /* the part this module reads */
    const char *unit;     /* the unit it reads */
  } cases[] = {
      {"新建5000个公共充电桩", "5000个", "个"},
      {"完成投资超150亿元", "150亿元", "亿元"},
      {"不低于3亿元", "3亿元", "亿元"},
      {"批复规模超过5500万千瓦", "5500万千瓦", "万千瓦"},
      {"电力总装机达到1亿千瓦", "1亿千瓦", "亿千瓦"},
      {"比重超过50%", "50%", "%"},
      {"治理区60％的土石方", "60％", "％"},
      {"林草生态建设5.8万亩", "5.8万亩", "万亩"},
      {"闲置水指标1000万立方米", "1000万立方米", "万立方米"},
      {"30万吨粉煤灰", "30万吨", "万吨"},
      {"年产羊绒3500吨", "3500吨", "吨"},
      {"不低于1000万元资金支持", "1000万元", "万元"},
      {"每年安排800万元", "800万元", "万元"},
      {"存栏达到700万只以上", "700万只", "万只"},
      {"核心群300群", "300群", "群"},
      {"标准化牧场1000户", "1000户", "户"},
      {"中试公共服务平台6家", "6家", "家"},
      {"西柳沟等4条孔兑", "4条", "条"},
      {"拦沙坝151座", "151座", "座"},
      {"10座城镇污水处理厂", "10座", "座"},
      {"1处生态廊道", "1处", "处"},
      {"2个生态清洁小流域", "2个", "个"},
      {"300人规模", "300人", "人"},
      {"培养人数达到2000人", "2000人", "人"},
      {"等级证书2670人次以上", "2670人次", "人次"},
      {"剩余49段收费公路", "49段", "段"},
      {"500千伏网架", "500千伏", "千伏"},
  };
  const char *plan = read_plan();
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = {0, NULL, false};
    char why[256] = "", printed[DBN_QUANTITY_FORMAT_LEN] = "";
    int rc = dbn_quantity_parse(cases[i].quantity, &q, why, sizeof why);
    if (rc == 0)
      dbn_quantity_format(&q, printed, sizeof printed);
    if (!strstr(plan, cases[i].phrase) || !strstr(cases[i].phrase, cases[i].quantity) || rc != 0 ||
        q.unit != dbn_unit_find(cases[i].unit) || strcmp(printed, cases[i].quantity) != 0) {
      fprintf(stderr, "plan phrase '%s': rc %d '%s', printed '%s'\n", cases[i].phrase, rc, why, printed);
      failures++;
    }
  }
  /* "913万新能源项目" is 913万 of nothing: the plan leaves the unit implied. */
  assert_non_null(strstr(plan, "913万新能源项目"));
  dbn_quantity_t q;
  char why[256];
  assert_int_equal(dbn_quantity_parse("913万", &q, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "multiplier"));
  assert_int_equal(failures, 0);
}

/* ---- conversions ---- */

static void
test_conversions(void **state)
{
  (void)state;
  const struct {
    const char *a, *b; /* the same amount */
  } same[] = {
      {"3300万千瓦", "33000000千瓦"},
      {"3300万千瓦", "0.33亿千瓦"},
      {"3300万千瓦", "33000兆瓦"},
      {"3300万千瓦", "33吉瓦"},
      {"3300万千瓦", "33000000000瓦"},
      {"1亿千瓦", "10000万千瓦"},
      {"5500万千瓦", "55000000千瓦"},
      {"1度", "1千瓦时"},
      {"1亿千瓦时", "10000万千瓦时"},
      {"1万度", "1万千瓦时"},
      {"1兆瓦时", "1000千瓦时"},
      {"1吨", "1000千克"},
      {"1吨", "1000公斤"},
      {"30万吨", "300000吨"},
      {"1万立方米", "10000立方米"},
      {"1万方", "1万立方米"},
      {"1立方米", "1000升"},
      {"5.8万亩", "58000亩"},
      {"1亿亩", "10000万亩"},
      {"1平方公里", "100万平方米"},
      {"1平方公里", "100公顷"},
      {"1平方千米", "1000000平方米"},
      {"1万公顷", "1亿平方米"},
      {"1万平方公里", "100亿平方米"},
      {"150亿元", "15000000000元"},
      {"1万亿元", "10000亿元"},
      {"1千元", "0.1万元"},
      {"1公里", "1000米"},
      {"1千米", "1公里"},
      {"1万公里", "10000公里"},
      {"500千伏", "500000伏"},
      {"50%", "50％"},
      {"1万名", "10000人"},
      {"1.5万个", "15000个"},
      {"0.001吨", "1千克"},
      {"2670人次", "0.267万人次"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(same); i++) {
    dbn_quantity_t a = parsed(same[i].a), b = parsed(same[i].b);
    if (a.base_milli != b.base_milli || !dbn_quantity_same_dimension(&a, &b)) {
      fprintf(stderr, "%s = %s: %lld vs %lld\n", same[i].a, same[i].b, (long long)a.base_milli,
              (long long)b.base_milli);
      failures++;
    }
  }
  /* One quantity printed exactly in each unit of its dimension. */
  const struct {
    const char *quantity, *unit, *printed;
  } in[] = {
      {"3300万千瓦", "亿千瓦", "0.33亿千瓦"},
      {"3300万千瓦", "千瓦", "33000000千瓦"},
      {"3300万千瓦", "瓦", "33000000000瓦"},
      {"3300万千瓦", "兆瓦", "33000兆瓦"},
      {"1234.567千瓦", "万千瓦", "0.1234567万千瓦"},
      {"5.8万亩", "亩", "58000亩"},
      {"1元", "万亿元", "0.000000000001万亿元"},
      {"0.001元", "万亿元", "0.000000000000001万亿元"},
      {"1平方公里", "公顷", "100公顷"},
      {"1.5公里", "米", "1500米"},
  };
  for (size_t i = 0; i < N(in); i++) {
    dbn_quantity_t q = parsed(in[i].quantity);
    char out[DBN_QUANTITY_FORMAT_LEN] = "";
    int rc = dbn_quantity_format_in(&q, dbn_unit_find(in[i].unit), out, sizeof out);
    if (rc != 0 || strcmp(out, in[i].printed) != 0) {
      fprintf(stderr, "%s in %s: rc %d '%s', want '%s'\n", in[i].quantity, in[i].unit, rc, out,
              in[i].printed);
      failures++;
    }
  }
  dbn_quantity_t mu = parsed("5.8万亩");
  char out[DBN_QUANTITY_FORMAT_LEN] = "x";
  assert_int_equal(dbn_quantity_format_in(&mu, dbn_unit_find("平方米"), out, sizeof out), DBN_EINVAL);
  assert_string_equal(out, "");
  assert_int_equal(failures, 0);
}

static void
test_same_dimension(void **state)
{
  (void)state;
  const struct {
    const char *a, *b;
    bool same;
  } cases[] = {
      {"5000个", "5000座", false},         {"5万亩", "5万平方米", false}, {"1度", "1千瓦时", true},
      {"50%", "5个百分点", false},         {"1吨", "1吨标准煤", false},   {"300人", "2000名", true},
      {"300人", "300人次", false},         {"1000户", "1000户次", false}, {"10家", "10个", false},
      {"3300万千瓦", "1亿千瓦时", false},  {"1公里", "1平方公里", false}, {"150亿元", "800万元", true},
      {"1000万立方米", "1000万吨", false}, {"500千伏", "500千瓦", false}, {"5个百分点", "5百分点", true},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t a = parsed(cases[i].a), b = parsed(cases[i].b);
    if (dbn_quantity_same_dimension(&a, &b) != cases[i].same ||
        dbn_quantity_same_dimension(&b, &a) != cases[i].same) {
      fprintf(stderr, "%s vs %s: same dimension should be %d\n", cases[i].a, cases[i].b, cases[i].same);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

/* ---- reading ---- */

static void
test_parse_accepts(void **state)
{
  (void)state;
  const struct {
    const char *name, *text;
    int64_t base_milli;
    const char *unit;
  } cases[] = {
      {"plain", "5000个", 5000000, "个"},
      {"万", "3300万千瓦", INT64_C(33000000000), "万千瓦"},
      {"decimal", "5.8万亩", 58000000, "万亩"},
      {"亿", "150亿元", INT64_C(15000000000000), "亿元"},
      {"percent", "50%", 50000, "%"},
      {"full-width percent", "50％", 50000, "％"},
      {"thousands separators", "1,200吨", 1200000, "吨"},
      {"two separators", "12,345,678元", INT64_C(12345678000), "元"},
      {"full-width separators", "1，200吨", 1200000, "吨"},
      {"full-width digits", "５０００个", 5000000, "个"},
      {"full-width digits and point", "５．８万亩", 58000000, "万亩"},
      {"full-width everything", "１，２００．５吨", 1200500, "吨"},
      {"spaces", "  3300 万千瓦  ", INT64_C(33000000000), "万千瓦"},
      {"ideographic spaces", "\u30003300\u3000万千瓦\u3000", INT64_C(33000000000), "万千瓦"},
      {"tab", "5000\t个", 5000000, "个"},
      {"half", "0.5吨", 500, "吨"},
      {"zero", "0个", 0, "个"},
      {"zero point zero", "0.0万千瓦", 0, "万千瓦"},
      {"a thousandth", "0.001吨", 1, "吨"},
      {"trailing zeros past a thousandth", "0.0010000吨", 1, "吨"},
      {"leading zeros", "0050个", 50000, "个"},
      {"finest 万", "0.0000001万千瓦", 1, "万千瓦"},
      {"finest 万亿", "0.000000000000001万亿元", 1, "万亿元"},
      {"largest in base", "1000000000000000元", DBN_QUANTITY_MAX_MILLI, "元"},
      {"largest in 万亿", "1000万亿元", DBN_QUANTITY_MAX_MILLI, "万亿元"},
      {"largest with decimals", "999999999999999.999元", DBN_QUANTITY_MAX_MILLI - 1, "元"},
      {"瓦 is a thousandth of 千瓦", "1瓦", 1, "瓦"},
      {"percentage points", "3个百分点", 3000, "个百分点"},
      {"alias 名", "2000名", 2000000, "名"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = {0, NULL, false};
    char why[256] = "";
    int rc = dbn_quantity_parse(cases[i].text, &q, why, sizeof why);
    if (rc != 0 || q.base_milli != cases[i].base_milli || q.unit != dbn_unit_find(cases[i].unit) ||
        !q.as_typed) {
      fprintf(stderr, "%s: '%s' -> rc %d %lld '%s'\n", cases[i].name, cases[i].text, rc,
              (long long)q.base_milli, why);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

static void
test_parse_refusals(void **state)
{
  (void)state;
  const struct {
    const char *name, *text;
    const char *words[3]; /* what the message must say */
  } cases[] = {
      {"no unit", "5000", {"no unit", "5000"}},
      {"only spaces after", "5000   ", {"no unit"}},
      {"unknown unit", "5000颗", {"unknown unit", "颗", "万千瓦"}},
      {"unknown unit, lists known", "12 widgets", {"widgets", "known units include", "个"}},
      {"words after the unit", "5500万千瓦以上", {"unknown unit", "万千瓦以上", "万千瓦?"}},
      {"bare 万", "913万", {"multiplier", "万"}},
      {"bare 亿", "3亿", {"multiplier", "亿"}},
      {"bare 万亿", "2万亿", {"multiplier", "万亿"}},
      {"negative", "-5个", {"negative"}},
      {"full-width negative", "－5个", {"negative"}},
      {"negative after spaces", "  -0.5吨", {"negative"}},
      {"nan", "nan个", {"not a finite number"}},
      {"NaN", "NaN万千瓦", {"not a finite number"}},
      {"inf", "inf元", {"not a finite number"}},
      {"Infinity", "Infinity吨", {"not a finite number"}},
      {"below a thousandth", "0.0005吨", {"3 decimals", "0.001吨"}},
      {"half a 千克", "1.5千克", {"3 decimals", "吨"}},
      {"a tenth of a 瓦", "0.1瓦", {"3 decimals", "千瓦"}},
      {"too fine in 万", "0.00000001万千瓦", {"3 decimals", "7 in 万千瓦"}},
      {"too fine percent", "0.0001%", {"3 decimals"}},
      {"too large", "1001万亿元", {"too large", "1000万亿元"}},
      {"too large in base", "1000000000000001元", {"too large"}},
      {"too large by a thousandth", "1000000000000000.001元", {"too large"}},
      {"too large in 亿千瓦", "100000000亿千瓦", {"too large", "亿千瓦"}},
      {"far too large", "99999999999999999999999个", {"too large"}},
      {"too many digits", "0.0000000000000000000000000000000000000000000001个", {"too many digits"}},
      {"group of two", "1,20吨", {"by three"}},
      {"group of two first", "12,00吨", {"by three"}},
      {"group of four", "1,2000吨", {"by three"}},
      {"group of four first", "1200,000吨", {"by three"}},
      {"separator at the end", "1200,吨", {"by three"}},
      {"point without digits", "5.个", {"decimal point"}},
      {"no number", "个", {"does not start with a number"}},
      {"empty", "", {"does not start with a number"}},
      {"words before", "约5000个", {"does not start with a number"}},
      {"point first", ".5吨", {"does not start with a number"}},
      {"plus", "+5个", {"does not start with a number"}},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = {42, NULL, false};
    char why[512] = "";
    int rc = dbn_quantity_parse(cases[i].text, &q, why, sizeof why);
    bool ok = rc == DBN_EINVAL && q.base_milli == 42 && q.unit == NULL && utf8_whole(why);
    for (size_t w = 0; w < N(cases[i].words) && cases[i].words[w]; w++)
      ok = ok && strstr(why, cases[i].words[w]) != NULL;
    if (!ok) {
      fprintf(stderr, "%s: '%s' -> rc %d '%s'\n", cases[i].name, cases[i].text, rc, why);
      failures++;
    }
  }
  dbn_quantity_t q;
  char why[64] = "";
  assert_int_equal(dbn_quantity_parse(NULL, &q, why, sizeof why), DBN_EINVAL);
  assert_int_equal(dbn_quantity_parse("5颗", &q, NULL, 0), DBN_EINVAL);
  /* A message cut short ends on a whole character, never half a 万. */
  for (size_t len = 1; len < 64; len++) {
    char small[64];
    memset(small, 'x', sizeof small);
    assert_int_equal(dbn_quantity_parse("5500万千瓦以上", &q, small, len), DBN_EINVAL);
    assert_true(strlen(small) < len);
    assert_true(utf8_whole(small));
  }
  assert_int_equal(failures, 0);
}

/* ---- the wire's doubles ---- */

static void
test_from_value(void **state)
{
  (void)state;
  const struct {
    const char *name;
    double value;
    const char *unit;
    int rc;
    int64_t base_milli; /* when rc is 0 */
    const char *word;   /* in the message, when it is not */
  } cases[] = {
      {"万千瓦", 3300, "万千瓦", 0, INT64_C(33000000000), NULL},
      {"the importer's 5500万千瓦", 55000000, "千瓦", 0, INT64_C(55000000000), NULL},
      {"5.8万亩", 5.8, "万亩", 0, 58000000, NULL},
      {"0.1 + 0.2 吨", 0.1 + 0.2, "吨", 0, 300, NULL},
      {"rounds down below half", 0.0004, "吨", 0, 0, NULL},
      {"rounds up above half", 0.0006, "吨", 0, 1, NULL},
      {"rounds once, not twice", 0.00149, "吨", 0, 1, NULL},
      {"亿元", 150, "亿元", 0, INT64_C(15000000000000), NULL},
      {"percent", 59.99, "%", 0, 59990, NULL},
      {"zero", 0, "个", 0, 0, NULL},
      {"negative zero", -0.0, "个", 0, 0, NULL},
      {"largest", 1e15, "元", 0, DBN_QUANTITY_MAX_MILLI, NULL},
      {"largest in 万亿", 1000, "万亿元", 0, DBN_QUANTITY_MAX_MILLI, NULL},
      {"too large", 1.001e15, "元", DBN_EINVAL, 0, "too large"},
      {"too large in 万亿", 1001, "万亿元", DBN_EINVAL, 0, "too large"},
      {"negative", -1, "个", DBN_EINVAL, 0, "negative"},
      {"tiny negative", -0.0001, "吨", DBN_EINVAL, 0, "negative"},
      {"nan", NAN, "个", DBN_EINVAL, 0, "finite"},
      {"infinity", INFINITY, "个", DBN_EINVAL, 0, "finite"},
      {"minus infinity", -INFINITY, "个", DBN_EINVAL, 0, "finite"},
      {"no unit", 5000, "", DBN_EINVAL, 0, "no unit"},
      {"unknown unit", 5000, "颗", DBN_EINVAL, 0, "颗"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = {42, NULL, false};
    char why[256] = "";
    int rc = dbn_quantity_from_value(cases[i].value, cases[i].unit, &q, why, sizeof why);
    bool ok = rc == cases[i].rc && (rc == 0 ? q.base_milli == cases[i].base_milli &&
                                                  q.unit == dbn_unit_find(cases[i].unit) && q.as_typed
                                            : q.base_milli == 42 && strstr(why, cases[i].word) != NULL);
    if (!ok) {
      fprintf(stderr, "%s: %g %s -> rc %d %lld '%s'\n", cases[i].name, cases[i].value, cases[i].unit, rc,
              (long long)q.base_milli, why);
      failures++;
    }
  }
  dbn_quantity_t q;
  char why[256] = "";
  assert_int_equal(dbn_quantity_from_value(1, NULL, &q, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "no unit"));
  assert_int_equal(failures, 0);
}

/* What the CLI puts on the wire (the value in the unit as typed) comes
 * back as the same quantity. */
static void
test_value_for_the_wire(void **state)
{
  (void)state;
  const char *cases[] = {"3300万千瓦", "5.8万亩",      "150亿元",    "59.99%",
                         "0.001吨",    "1234.567千瓦", "0.33亿千瓦", "1.23456789万亿元",
                         "2670人次",   "999999.999吨", "0个"};
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = parsed(cases[i]), back = {0, NULL, false};
    double value = dbn_quantity_value(&q);
    char why[256] = "";
    int rc = dbn_quantity_from_value(value, dbn_unit_name(q.unit), &back, why, sizeof why);
    if (rc != 0 || back.base_milli != q.base_milli || back.unit != q.unit) {
      fprintf(stderr, "%s: value %.17g back %lld vs %lld '%s'\n", cases[i], value, (long long)back.base_milli,
              (long long)q.base_milli, why);
      failures++;
    }
  }
  assert_true(dbn_quantity_value(&(dbn_quantity_t){58000000, dbn_unit_find("万亩"), true}) == 5.8);
  assert_int_equal(failures, 0);
}

/* ---- percentages ---- */

static void
test_percent_of(void **state)
{
  (void)state;
  const struct {
    const char *name, *figure, *target;
    int rc;
    int percent;      /* when rc is 0 */
    const char *word; /* in the message, when it is not */
  } cases[] = {
      {"nothing yet", "0万千瓦", "5500万千瓦", 0, 0, NULL},
      {"just under", "59.99%", "100%", 0, 59, NULL},
      {"just under, counted", "5999个", "10000个", 0, 59, NULL},
      {"just under, in 万", "0.5999万个", "1万个", 0, 59, NULL},
      {"a thousandth under", "99.999%", "100%", 0, 99, NULL},
      {"a third", "1吨", "3吨", 0, 33, NULL},
      {"two thirds", "2吨", "3吨", 0, 66, NULL},
      {"report line", "3300万千瓦", "5500万千瓦", 0, 60, NULL},
      {"across units", "33000000千瓦", "5500万千瓦", 0, 60, NULL},
      {"done", "5500万千瓦", "5500万千瓦", 0, 100, NULL},
      {"done, other unit", "0.55亿千瓦", "55000000千瓦", 0, 100, NULL},
      {"just over", "5500.001万千瓦", "5500万千瓦", 0, 100, NULL},
      {"over", "6000万千瓦", "5500万千瓦", 0, 109, NULL},
      {"far over", "1亿千瓦", "5500万千瓦", 0, 181, NULL},
      {"names and people", "1000名", "2000人", 0, 50, NULL},
      {"huge target", "0.001吨", "1000000000000000吨", 0, 0, NULL},
      {"huge both", "999999999999999.999元", "1000000000000000元", 0, 99, NULL},
      {"capped", "1000000000000000吨", "0.001吨", 0, INT32_MAX, NULL},
      {"zero target", "5个", "0个", DBN_EINVAL, 0, "zero"},
      {"zero of zero", "0个", "0个", DBN_EINVAL, 0, "zero"},
      {"counting words differ", "5000座", "5000个", DBN_EINVAL, 0, "count of 个"},
      {"亩 and 平方米", "5万亩", "5万平方米", DBN_EINVAL, 0, "2000/3"},
      {"平方米 and 亩", "5万平方米", "5万亩", DBN_EINVAL, 0, "2000/3"},
      {"power and energy", "3300万千瓦时", "5500万千瓦", DBN_EINVAL, 0, "energy"},
      {"percent and points", "5个百分点", "50%", DBN_EINVAL, 0, "percent"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t f = parsed(cases[i].figure), t = parsed(cases[i].target);
    int percent = -42;
    char why[256] = "";
    int rc = dbn_quantity_percent_of(&f, &t, &percent, why, sizeof why);
    bool ok = rc == cases[i].rc &&
              (rc == 0 ? percent == cases[i].percent : percent == -42 && strstr(why, cases[i].word) != NULL);
    if (!ok) {
      fprintf(stderr, "%s: %s of %s -> rc %d %d%% '%s'\n", cases[i].name, cases[i].figure, cases[i].target,
              rc, percent, why);
      failures++;
    }
  }
  /* Quantities a caller built by hand: below zero, above the largest. */
  const dbn_unit_t *ge = dbn_unit_find("个");
  dbn_quantity_t five = {5000, ge, true}, minus = {-5000, ge, true}, huge = {INT64_MAX, ge, false};
  int percent;
  assert_int_equal(dbn_quantity_percent_of(&minus, &five, &percent, NULL, 0), DBN_EINVAL);
  assert_int_equal(dbn_quantity_percent_of(&five, &minus, &percent, NULL, 0), DBN_EINVAL);
  assert_int_equal(dbn_quantity_percent_of(&huge, &five, &percent, NULL, 0), DBN_EINVAL);
  assert_int_equal(dbn_quantity_percent_of(&five, &huge, &percent, NULL, 0), DBN_EINVAL);
  assert_int_equal(failures, 0);
}

/* ---- printing ---- */

static void
test_format(void **state)
{
  (void)state;
  const struct {
    const char *name;
    int64_t base_milli;
    const char *unit;
    bool as_typed;
    const char *printed;
  } cases[] = {
      {"万, not 0.55亿", INT64_C(55000000000), "千瓦", false, "5500万千瓦"},
      {"亿", INT64_C(15000000000000), "元", false, "150亿元"},
      {"万 with a decimal", 58000000, "亩", false, "5.8万亩"},
      {"under a 万", 5000000, "个", false, "5000个"},
      {"percent", 50000, "%", false, "50%"},
      {"half a ton", 500, "吨", false, "0.5吨"},
      {"zero", 0, "千瓦", false, "0千瓦"},
      {"a thousandth", 1, "元", false, "0.001元"},
      {"one 亿", INT64_C(100000000000), "千瓦", false, "1亿千瓦"},
      {"two decimals of 亿", INT64_C(123000000000), "千瓦", false, "1.23亿千瓦"},
      {"three decimals of 亿 is 万", INT64_C(123400000000), "千瓦", false, "12340万千瓦"},
      {"too many decimals for any", INT64_C(123456789000), "元", false, "123456789元"},
      {"whole 万", INT64_C(123450000000), "元", false, "12345万元"},
      {"万亿", INT64_C(3000000000000000), "元", false, "3万亿元"},
      {"largest", DBN_QUANTITY_MAX_MILLI, "元", false, "1000万亿元"},
      {"largest power", DBN_QUANTITY_MAX_MILLI, "千瓦", false, "10000000亿千瓦"},
      {"one 万", 10000000, "个", false, "1万个"},
      {"1.2万个", 12000000, "个", false, "1.2万个"},
      {"12345个", 12345000, "个", false, "12345个"},
      {"公里", 1500000, "米", false, "1.5公里"},
      {"metres that are not whole 公里", 1234000, "米", false, "1234米"},
      {"under a 公里", 500000, "米", false, "500米"},
      {"万公里", INT64_C(25000000000), "米", false, "2.5万公里"},
      {"亿平方米", INT64_C(1000000000000), "平方米", false, "10亿平方米"},
      {"an alias picks the main name", INT64_C(10000000000), "度", false, "1000万千瓦时"},
      {"名 prints as 人", 20000000, "名", false, "2万人"},
      {"％ prints as %", 60000, "％", false, "60%"},
      {"thousandths in base", 1234567, "吨", false, "1234.567吨"},
      {"below zero", -58000000, "亩", false, "-5.8万亩"},
      {"typed 万", INT64_C(33000000000), "万千瓦", true, "3300万千瓦"},
      {"typed 亿 below one", INT64_C(33000000000), "亿千瓦", true, "0.33亿千瓦"},
      {"typed base", INT64_C(55000000000), "千瓦", true, "55000000千瓦"},
      {"typed 万 under a 万", 5000000, "万个", true, "0.5万个"},
      {"typed with every decimal", INT64_C(1234567890000000), "万亿元", true, "1.23456789万亿元"},
      {"typed finest", 1, "万亿元", true, "0.000000000000001万亿元"},
      {"typed alias", 1000, "度", true, "1度"},
      {"typed ％", 60000, "％", true, "60％"},
      {"the smallest int64", INT64_MIN, "元", true, "-9223372036854775.808元"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = {cases[i].base_milli, dbn_unit_find(cases[i].unit), cases[i].as_typed};
    char out[DBN_QUANTITY_FORMAT_LEN] = "";
    dbn_quantity_format(&q, out, sizeof out);
    if (strcmp(out, cases[i].printed) != 0) {
      fprintf(stderr, "%s: %lld %s printed '%s', want '%s'\n", cases[i].name, (long long)cases[i].base_milli,
              cases[i].unit, out, cases[i].printed);
      failures++;
    }
  }
  /* Cut short at whole characters: 5500万千瓦 is 4 + 3 x 3 bytes. */
  const struct {
    size_t len;
    const char *printed;
  } cut[] = {{1, ""},       {4, "550"},       {5, "5500"},       {7, "5500"},
             {8, "5500万"}, {13, "5500万千"}, {14, "5500万千瓦"}};
  dbn_quantity_t q = parsed("5500万千瓦");
  for (size_t i = 0; i < N(cut); i++) {
    char out[32];
    memset(out, 'x', sizeof out);
    dbn_quantity_format(&q, out, cut[i].len);
    if (strcmp(out, cut[i].printed) != 0) {
      fprintf(stderr, "cut to %zu: '%s', want '%s'\n", cut[i].len, out, cut[i].printed);
      failures++;
    }
  }
  dbn_quantity_format(&q, NULL, 0); /* nothing to write to: nothing written */
  assert_int_equal(failures, 0);
}

/* format(parse(x)) == x for the way plans write quantities, as typed and,
 * for those already on the ladder, when the printer chooses the unit. */
static void
test_round_trips(void **state)
{
  (void)state;
  const struct {
    const char *text;
    bool ladder; /* also what the printer picks on its own */
  } cases[] = {
      {"5000个", true},
      {"3300万千瓦", true},
      {"5500万千瓦", true},
      {"150亿元", true},
      {"5.8万亩", true},
      {"50%", true},
      {"0.5吨", true},
      {"1亿千瓦", true},
      {"1000万立方米", true},
      {"2670人次", true},
      {"3万亿元", true},
      {"30万吨", true},
      {"700万只", true},
      {"3个百分点", true},
      {"1000万千瓦时", true},
      {"5万吨标准煤", true},
      {"151座", true},
      {"1.2万个", true},
      {"500千伏", true},
      {"0.001元", true},
      {"12.5公里", true},
      {"1.23亿平方米", true},
      {"59.99%", true},
      {"1234.567吨", true},
      {"0.33亿千瓦", false},
      {"12000个", false},
      {"100平方公里", false},
      {"60％", false},
      {"1.23456789万亿元", false},
      {"1500米", false},
      {"0.5万个", false},
      {"2000名", false},
      {"33000兆瓦", false},
      {"800千元", false},
      {"1000升", false},
      {"1万方", false},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t q = parsed(cases[i].text);
    char typed[DBN_QUANTITY_FORMAT_LEN], chosen[DBN_QUANTITY_FORMAT_LEN];
    dbn_quantity_format(&q, typed, sizeof typed);
    q.as_typed = false;
    dbn_quantity_format(&q, chosen, sizeof chosen);
    if (strcmp(typed, cases[i].text) != 0 || (strcmp(chosen, cases[i].text) == 0) != cases[i].ladder) {
      fprintf(stderr, "'%s': as typed '%s', chosen '%s'\n", cases[i].text, typed, chosen);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

static dbn_quantity_t
from_wire(double value, const char *unit, bool as_typed)
{
  dbn_quantity_t q = {0, NULL, false};
  char why[256] = "";
  if (dbn_quantity_from_value(value, unit, &q, why, sizeof why) != 0)
    fail_msg("%g%s: %s", value, unit, why);
  q.as_typed = as_typed;
  return q;
}

static void
test_format_against(void **state)
{
  (void)state;
  const struct {
    const char *name, *figure, *target, *printed;
  } cases[] = {
      {"report line", "3300万千瓦", "5500万千瓦", "3300万千瓦 / 5500万千瓦 (60%)"},
      {"figure in the target's unit", "33000000千瓦", "5500万千瓦", "3300万千瓦 / 5500万千瓦 (60%)"},
      {"figure in 亿", "0.33亿千瓦", "5500万千瓦", "3300万千瓦 / 5500万千瓦 (60%)"},
      {"figure over", "1亿千瓦", "5500万千瓦", "10000万千瓦 / 5500万千瓦 (181%)"},
      {"small figure", "0.5万千瓦", "5500万千瓦", "0.5万千瓦 / 5500万千瓦 (0%)"},
      {"three decimals of the target's unit", "10千瓦", "5500万千瓦", "0.001万千瓦 / 5500万千瓦 (0%)"},
      {"four decimals of the target's unit", "1.5千瓦", "5500万千瓦", "1.5千瓦 / 5500万千瓦 (0%)"},
      {"too fine for the target's unit", "1234.567千瓦", "5500万千瓦", "1234.567千瓦 / 5500万千瓦 (0%)"},
      {"counted", "3000个", "5000个", "3000个 / 5000个 (60%)"},
      {"counted in 万", "1.2万个", "5000个", "12000个 / 5000个 (240%)"},
      {"percent", "45%", "50％", "45％ / 50％ (90%)"},
      {"money", "120亿元", "150亿元", "120亿元 / 150亿元 (80%)"},
      {"counting words differ", "5000座", "5000个",
       "5000座 / 5000个 (not comparable: count of 座 vs count of 个)"},
      {"亩 and 平方米", "5万亩", "5万平方米",
       "5万亩 / 5万平方米 (not comparable: area in 亩 vs area in 平方米)"},
      {"zero target", "5个", "0个", "5个 / 0个 (the target is zero)"},
  };
  int failures = 0;
  for (size_t i = 0; i < N(cases); i++) {
    dbn_quantity_t f = parsed(cases[i].figure), t = parsed(cases[i].target);
    char out[DBN_QUANTITY_AGAINST_LEN] = "";
    dbn_quantity_format_against(&f, &t, out, sizeof out);
    if (strcmp(out, cases[i].printed) != 0) {
      fprintf(stderr, "%s: '%s', want '%s'\n", cases[i].name, out, cases[i].printed);
      failures++;
    }
  }
  /* What the wire carries today: the importer folds 万 into the value
   * (Target{55000000, "千瓦"}). Printed by choice it reads as the plan
   * wrote it; printed as typed it stays in 千瓦. */
  char out[DBN_QUANTITY_AGAINST_LEN];
  dbn_quantity_t target = from_wire(55000000, "千瓦", false), figure = from_wire(3300, "万千瓦", true);
  dbn_quantity_format_against(&figure, &target, out, sizeof out);
  assert_string_equal(out, "3300万千瓦 / 5500万千瓦 (60%)");
  target = from_wire(55000000, "千瓦", true);
  figure = from_wire(33000000, "千瓦", true);
  dbn_quantity_format_against(&figure, &target, out, sizeof out);
  assert_string_equal(out, "33000000千瓦 / 55000000千瓦 (60%)");
  /* Cut short at whole characters. */
  for (size_t len = 1; len < 40; len++) {
    char small[40];
    dbn_quantity_format_against(&figure, &target, small, len);
    assert_true(strlen(small) < len);
    assert_true(utf8_whole(small));
  }
  assert_int_equal(failures, 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_unit),
      cmocka_unit_test(test_every_dimension_has_its_base),
      cmocka_unit_test(test_plan_quantities),
      cmocka_unit_test(test_conversions),
      cmocka_unit_test(test_same_dimension),
      cmocka_unit_test(test_parse_accepts),
      cmocka_unit_test(test_parse_refusals),
      cmocka_unit_test(test_from_value),
      cmocka_unit_test(test_value_for_the_wire),
      cmocka_unit_test(test_percent_of),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_format_against),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
