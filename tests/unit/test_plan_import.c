/* test_plan_import.c: the plan importer on the seed document and on small
 * hand-written documents in tests/fixtures/plans/, one per format variant
 * (other unit labels, units on items, numbering that runs on, full-width
 * characters, CRLF, a byte order mark, GB18030), on tables of deadline and
 * target phrases, and on malformed input (no structure, cut mid-measure,
 * binary junk), which must give errors or report lines, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "plan_import.h"
#include "plan_json.h"

#define SEED DUBAN_SOURCE_DIR "/examples/plans/ordos-2023-58.txt"
#define FIXTURE(name) DUBAN_SOURCE_DIR "/tests/fixtures/plans/" name

/* ---- helpers --------------------------------------------------------------- */

/* The horizon import_text and import_file pass (NULL: none). */
static const char *test_horizon;

static cJSON *
import_file(const char *path, cJSON **report_p)
{
  cJSON *plan = NULL, *report = NULL;
  char why[512] = "";
  int rc = dbn_plan_import_file_horizon(path, NULL, NULL, test_horizon, &plan, &report, why, sizeof why);
  if (rc)
    fprintf(stderr, "import %s: %d %s\n", path, rc, why);
  assert_int_equal(rc, 0);
  assert_non_null(plan);
  assert_non_null(report);
  if (report_p)
    *report_p = report;
  else
    cJSON_Delete(report);
  return plan;
}

static cJSON *
import_text(const char *text, cJSON **report_p)
{
  cJSON *plan = NULL, *report = NULL;
  char why[512] = "";
  dbn_plan_import_options_t options = {.horizon = test_horizon};
  int rc = dbn_plan_import(text, strlen(text), &options, &plan, &report, why, sizeof why);
  if (rc)
    fprintf(stderr, "import: %d %s\n", rc, why);
  assert_int_equal(rc, 0);
  if (report_p)
    *report_p = report;
  else
    cJSON_Delete(report);
  return plan;
}

static const char *
str(const cJSON *obj, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  assert_true(cJSON_IsString(v));
  return v->valuestring;
}

static const cJSON *
arr(const cJSON *obj, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  assert_true(cJSON_IsArray(v));
  return v;
}

/* "a|b|c" from an array of strings */
static void
join(const cJSON *a, char *out, size_t len)
{
  out[0] = '\0';
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    if (out[0])
      strncat(out, "|", len - strlen(out) - 1);
    strncat(out, e->valuestring, len - strlen(out) - 1);
  }
}

static const cJSON *
measure(const cJSON *plan, const char *sec, const char *num)
{
  const cJSON *s, *m;
  cJSON_ArrayForEach(s, arr(plan, "sections"))
  {
    if (strcmp(str(s, "number"), sec) != 0)
      continue;
    cJSON_ArrayForEach(m, arr(s, "measures"))
    {
      if (strcmp(str(m, "number"), num) == 0)
        return m;
    }
  }
  fail_msg("no measure %s.%s", sec, num);
  return NULL;
}

static const cJSON *
action_by_id(const cJSON *plan, const char *id)
{
  const cJSON *s, *m, *a;
  cJSON_ArrayForEach(s, arr(plan, "sections"))
  {
    cJSON_ArrayForEach(m, arr(s, "measures"))
    {
      cJSON_ArrayForEach(a, arr(m, "actions"))
      {
        if (strcmp(str(a, "id"), id) == 0)
          return a;
      }
    }
  }
  fail_msg("no action %s", id);
  return NULL;
}

static int
count_report(const cJSON *report, const char *kind, int line)
{
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, report)
  {
    if (strcmp(str(e, "kind"), kind) == 0 &&
        (line < 0 || cJSON_GetObjectItemCaseSensitive(e, "line")->valueint == line))
      n++;
  }
  return n;
}

/* milestones' dues as "d1,d2" */
static void
dues(const cJSON *action, char *out, size_t len)
{
  out[0] = '\0';
  const cJSON *m;
  cJSON_ArrayForEach(m, arr(action, "milestones"))
  {
    if (out[0])
      strncat(out, ",", len - strlen(out) - 1);
    strncat(out, str(m, "due"), len - strlen(out) - 1);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "inherited")))
      strncat(out, "*", len - strlen(out) - 1);
  }
}

/* ---- the seed document -------------------------------------------------------- */

static const struct {
  const char *measure; /* section.measure */
  int line;
  const char *lead; /* canonical names, '|'-joined */
  const char *coop;
  const char *owners; /* owner of action 1, 2, … */
} SEED_MEASURES[] = {
    {"1.1", 21, "市林业和草原局", "市自然资源局", "市林业和草原局|市自然资源局"},
    {"1.2", 30, "市林业和草原局", "市科学技术局|市财政局", "市林业和草原局|市科学技术局|市财政局"},
    {"1.3", 40, "市林业和草原局", "市科学技术局", "市林业和草原局|市科学技术局"},
    {"1.4", 48, "市水利局", "市林业和草原局", "市水利局|市林业和草原局"},
    {"1.5", 56, "市水利局", "市自然资源局|市林业和草原局", "市水利局|市自然资源局|市林业和草原局"},
    {"1.6", 66, "市水利局", "市生态环境局", "市水利局|市生态环境局"},
    {"1.7", 74, "市住房和城乡建设局", "市生态环境局|市水利局", "市住房和城乡建设局|市水利局|市生态环境局"},
    {"2.1", 85, "市能源局", "市科学技术局", "市能源局|市科学技术局"},
    {"2.2", 93, "市发展和改革委员会", "市能源局|市自然资源局", "市发展和改革委员会|市能源局|市自然资源局"},
    {"2.3", 103, "市能源局", "", "市能源局"},
    {"2.4", 109, "市工业和信息化局", "市能源局", "市工业和信息化局|市能源局"},
    {"2.5", 117, "市能源局", "鄂尔多斯供电公司", "市能源局|鄂尔多斯供电公司"},
    {"2.6", 125, "市能源局", "", "市能源局"},
    {"3.1", 132, "市能源局", "", "市能源局"},
    {"3.2", 138, "市工业和信息化局", "", "市工业和信息化局"},
    {"3.3", 144, "市工业和信息化局", "", "市工业和信息化局"},
    {"3.4", 150, "市住房和城乡建设局", "市工业和信息化局|市能源局",
     "市住房和城乡建设局|市工业和信息化局|市能源局"},
    {"4.1", 160, "市农牧局", "", "市农牧局"},
    {"4.2", 166, "市农牧局", "市市场监督管理局", "市农牧局|市市场监督管理局"},
    {"4.3", 174, "市农牧局", "市科学技术局", "市农牧局|市科学技术局"},
    {"4.4", 182, "市发展和改革委员会", "市科学技术局", "市发展和改革委员会|市科学技术局"},
    {"4.5", 190, "市文化和旅游局", "", "市文化和旅游局"},
    {"4.6", 195, "市发展和改革委员会", "市交通运输局", "市发展和改革委员会|市交通运输局"},
    {"4.7", 203, "市交通运输局", "", "市交通运输局"},
    {"4.8", 209, "市发展和改革委员会", "市教育体育局", "市发展和改革委员会|市教育体育局"},
    {"4.9", 216, "市大数据中心", "市工业和信息化局", "市大数据中心|市工业和信息化局"},
    {"5.1", 224, "市科学技术局", "市财政局", "市科学技术局|市财政局"},
    {"5.2", 231, "市科学技术局", "", "市科学技术局"},
    {"5.3", 237, "市科学技术局", "市财政局|市工业和信息化局", "市科学技术局|市财政局|市工业和信息化局"},
    {"5.4", 245, "市委组织部", "市人力资源和社会保障局", "市委组织部|市人力资源和社会保障局"},
    {"5.5", 253, "市人力资源和社会保障局", "市科学技术局", "市人力资源和社会保障局|市科学技术局"},
    {"5.6", 261, "市教育体育局", "市发展和改革委员会", "市教育体育局|市发展和改革委员会"},
    {"5.7", 269, "市教育体育局", "市人力资源和社会保障局|市财政局",
     "市教育体育局|市人力资源和社会保障局|市财政局"},
    {"6.1", 281, "市公共资源交易中心", "", "市公共资源交易中心"},
    {"6.2", 287, "市自然资源局", "", "市自然资源局"},
    {"6.3", 293, "市发展和改革委员会", "市自然资源局|市能源局", "市发展和改革委员会|市能源局|市自然资源局"},
    {"6.4", 303, "市生态环境局", "市发展和改革委员会", "市生态环境局|市发展和改革委员会"},
    {"6.5", 309, "市生态环境局", "市林业和草原局", "市生态环境局|市林业和草原局"},
    {"6.6", 316, "市人力资源和社会保障局", "市委组织部", "市人力资源和社会保障局|市委组织部"},
    {"6.7", 324, "市人力资源和社会保障局", "市科学技术局|市教育体育局",
     "市人力资源和社会保障局|市科学技术局|市教育体育局"},
    {"6.8", 334, "市科学技术局", "", "市科学技术局"},
    {"6.9", 340, "市财政局", "市科学技术局", "市财政局|市科学技术局"},
    {"6.10", 348, "国家税务局鄂尔多斯市税务局", "", "国家税务局鄂尔多斯市税务局"},
    {"6.11", 354, "市人民政府金融工作办公室", "", "市人民政府金融工作办公室"},
    {"7.1", 360, "", "", ""},
    {"7.2", 362, "", "", ""},
    {"7.3", 364, "", "", ""},
    {"7.4", 366, "", "", ""},
    {"7.5", 368, "", "", ""},
};

/* Every measure of the seed plan against SEED_MEASURES (its id, line,
 * lead, cooperating units and its actions' owners), every action's id,
 * number and text: 49 measures, 44 with a lead, 83 actions. */
static void
check_seed_measures(const cJSON *plan)
{
  int measures = 0, with_lead = 0, actions = 0;
  const cJSON *section, *measure, *action;
  size_t row = 0;
  cJSON_ArrayForEach(section, arr(plan, "sections"))
  {
    cJSON_ArrayForEach(measure, arr(section, "measures"))
    {
      assert_true(row < sizeof SEED_MEASURES / sizeof SEED_MEASURES[0]);
      char id[32], got[1024];
      snprintf(id, sizeof id, "%s.%s", str(section, "number"), str(measure, "number"));
      assert_string_equal(id, SEED_MEASURES[row].measure);
      assert_int_equal(cJSON_GetObjectItemCaseSensitive(measure, "source_line")->valueint,
                       SEED_MEASURES[row].line);
      join(arr(measure, "lead"), got, sizeof got);
      assert_string_equal(got, SEED_MEASURES[row].lead);
      join(arr(measure, "cooperating"), got, sizeof got);
      assert_string_equal(got, SEED_MEASURES[row].coop);
      got[0] = '\0';
      int k = 0;
      cJSON_ArrayForEach(action, arr(measure, "actions"))
      {
        char want_id[64], num[16];
        snprintf(num, sizeof num, "%d", ++k);
        snprintf(want_id, sizeof want_id, "ordos-2023-58:%s.%s", id, num);
        assert_string_equal(str(action, "id"), want_id);
        assert_string_equal(str(action, "number"), num);
        if (got[0])
          strcat(got, "|");
        strcat(got, str(action, "unit"));
        const char *text = str(action, "text");
        assert_true(strlen(text) > 10);
        /* the owner's parenthesis is not part of the text */
        assert_null(strstr(text, "（市"));
        actions++;
      }
      assert_string_equal(got, SEED_MEASURES[row].owners);
      measures++;
      if (cJSON_GetArraySize(arr(measure, "lead")) > 0)
        with_lead++;
      else
        assert_int_equal(cJSON_GetArraySize(arr(measure, "actions")), 0);
      row++;
    }
  }
  assert_int_equal(measures, 49);
  assert_int_equal(with_lead, 44);
  assert_int_equal(actions, 83);
}

/* The plan's actions whose source line in the seed does not begin with a
 * number and a dot ("1."). */
static int
count_unnumbered_actions(const cJSON *plan)
{
  FILE *f = fopen(SEED, "rb");
  assert_non_null(f);
  char lines[400][2048];
  int nlines = 0;
  while (nlines < 400 && fgets(lines[nlines], sizeof lines[nlines], f))
    nlines++;
  fclose(f);
  int unnumbered = 0;
  const cJSON *section, *measure, *action;
  cJSON_ArrayForEach(section, arr(plan, "sections"))
  {
    cJSON_ArrayForEach(measure, arr(section, "measures"))
    {
      cJSON_ArrayForEach(action, arr(measure, "actions"))
      {
        int line = cJSON_GetObjectItemCaseSensitive(action, "source_line")->valueint;
        assert_true(line >= 1 && line <= nlines);
        const char *p = lines[line - 1];
        while (*p >= '0' && *p <= '9')
          p++;
        if (p == lines[line - 1] || *p != '.')
          unnumbered++;
      }
    }
  }
  return unnumbered;
}

static void
test_seed_structure(void **state)
{
  (void)state;
  cJSON *report;
  cJSON *plan = import_file(SEED, &report);
  assert_string_equal(str(plan, "format"), "duban-plan/1");
  assert_string_equal(str(plan, "id"), "ordos-2023-58");
  assert_string_equal(str(plan, "document"), "鄂府发〔2023〕58号");
  assert_string_equal(str(plan, "title"),
                      "落实自治区人民政府支持鄂尔多斯市建设国家可持续发展议程创新示范区若干政策措施分解方案");
  assert_string_equal(str(plan, "issued"), "2023-09-18");
  assert_string_equal(str(plan, "horizon"), "2025-12-31");
  assert_int_equal(cJSON_GetArraySize(arr(plan, "sections")), 7);
  assert_int_equal(cJSON_GetArraySize(arr(plan, "units")), 22);

  check_seed_measures(plan);
  assert_int_equal(count_unnumbered_actions(plan), 14);

  /* 1.2023年… is item 1 whose text begins with the year */
  const cJSON *a141 = action_by_id(plan, "ordos-2023-58:1.4.1");
  assert_int_equal(strncmp(str(a141, "text"), "2023年，指导各旗区", strlen("2023年，指导各旗区")), 0);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(a141, "source_line")->valueint, 52);

  /* every owner is among its measure's units: nothing to report */
  assert_int_equal(count_report(report, "owner", -1), 0);
  assert_int_equal(count_report(report, "general", -1), 5);
  assert_int_equal(count_report(report, "skipped", -1), 0);
  assert_int_equal(count_report(report, "structure", -1), 0);
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
test_seed_alias(void **state)
{
  (void)state;
  cJSON *report;
  cJSON *plan = import_file(SEED, &report);
  const cJSON *u;
  int found = 0;
  cJSON_ArrayForEach(u, arr(plan, "units"))
  {
    if (strcmp(str(u, "name"), "市交通运输局") == 0) {
      char al[256];
      join(arr(u, "aliases"), al, sizeof al);
      assert_string_equal(al, "市交通和运输局");
      assert_string_equal(str(u, "code"), "JTJ");
      found++;
    }
    assert_string_not_equal(str(u, "name"), "市交通和运输局");
  }
  assert_int_equal(found, 1);
  assert_int_equal(count_report(report, "alias", 207), 1);
  assert_int_equal(count_report(report, "alias", -1), 1);
  assert_string_equal(str(action_by_id(plan, "ordos-2023-58:4.7.1"), "unit"), "市交通运输局");
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
test_seed_units_codes(void **state)
{
  (void)state;
  cJSON *plan = import_file(SEED, NULL);
  /* codes are unique, ASCII, and the same on every import */
  const cJSON *u, *w;
  cJSON_ArrayForEach(u, arr(plan, "units"))
  {
    const char *code = str(u, "code");
    assert_true(strlen(code) > 0 && strlen(code) <= 32);
    for (const char *p = code; *p; p++)
      assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));
    int same = 0;
    cJSON_ArrayForEach(w, arr(plan, "units"))
    {
      same += strcmp(code, str(w, "code")) == 0;
    }
    assert_int_equal(same, 1);
  }
  cJSON *again = import_file(SEED, NULL);
  assert_true(cJSON_Compare(plan, again, 1));
  cJSON_Delete(again);
  cJSON_Delete(plan);
}

static void
test_seed_header_footer_not_tasks(void **state)
{
  (void)state;
  cJSON *plan = import_file(SEED, NULL);
  char *text = cJSON_PrintUnformatted(plan);
  /* the notice, the issuing paragraph and the 抄送 footer are not in the plan */
  assert_null(strstr(text, "抄送"));
  assert_null(strstr(text, "常务会议审议通过"));
  assert_null(strstr(text, "各驻军部队"));
  assert_null(strstr(text, "印发\""));
  cJSON_free(text);
  const cJSON *m75 = measure(plan, "7", "5");
  assert_int_equal(strncmp(str(m75, "text"), "扩大宣传引导", strlen("扩大宣传引导")), 0);
  cJSON_Delete(plan);
}

static void
test_seed_deadlines_and_targets(void **state)
{
  (void)state;
  cJSON *report;
  /* Without a horizon an action that names no date gets no due date, and
   * the report says so; with --horizon it inherits it, marked. */
  cJSON *plan = import_file(SEED, &report);
  const cJSON *undated = action_by_id(plan, "ordos-2023-58:1.1.1");
  assert_int_equal(cJSON_GetArraySize(arr(undated, "milestones")), 0);
  assert_int_equal(count_report(report, "inherited", 25), 0);
  assert_int_equal(count_report(report, "deadline", 25), 1);
  assert_string_equal(str(plan, "horizon"), "2025-12-31");
  cJSON_Delete(plan);
  cJSON_Delete(report);
  test_horizon = "2025-12-31";
  plan = import_file(SEED, &report);
  test_horizon = NULL;
  static const struct {
    const char *id;
    const char *dues;
  } cases[] = {
      {"ordos-2023-58:1.4.1", "2023-12-31"},                       /* 2023年，… twice: one milestone */
      {"ordos-2023-58:2.1.1", "2023-12-31,2025-12-31"},            /* 2023年底前 …，到2025年 */
      {"ordos-2023-58:3.4.1", "2023-12-31,2024-12-31,2025-12-31"}, /* 2023年 + 2023—2025年 */
      {"ordos-2023-58:4.2.1", "2023-12-31,2024-12-31,2025-12-31"}, /* 2023年…；2024年…；2025年… */
      {"ordos-2023-58:5.1.1", "2025-09-18"},                       /* 2年内, from the issuing date */
      {"ordos-2023-58:5.5.1", "2023-12-31,2025-12-31"},            /* 2023年内 */
      {"ordos-2023-58:1.5.2", "2023-12-31"},                       /* 2023年度 */
      {"ordos-2023-58:6.1.1", "2023-12-31,2025-12-31"},            /* 2023年年底前, 在2025年年底前 */
      {"ordos-2023-58:1.1.1", "2025-12-31*"},                      /* no date: the horizon */
      {"ordos-2023-58:4.5.1", "2025-12-31*"}, /* 《…（2021—2030年）》 is a title */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char got[256];
    dues(action_by_id(plan, cases[i].id), got, sizeof got);
    if (strcmp(got, cases[i].dues) != 0)
      fail_msg("%s: dues %s, expected %s", cases[i].id, got, cases[i].dues);
  }
  assert_int_equal(count_report(report, "inherited", 25), 1);
  /* 10座城镇污水处理厂的运行情况 and 最高500万元开办费 are facts, not targets */
  assert_int_equal(count_report(report, "fact", 82), 1);
  assert_int_equal(count_report(report, "fact", 265), 1);
  assert_int_equal(count_report(report, "fact", -1), 9);
  assert_null(cJSON_GetObjectItemCaseSensitive(action_by_id(plan, "ordos-2023-58:3.4.1"), "report_cycle"));
  const cJSON *t = cJSON_GetArrayItem(arr(action_by_id(plan, "ordos-2023-58:3.4.1"), "targets"), 0);
  assert_true(cJSON_GetObjectItemCaseSensitive(t, "value")->valuedouble == 5000);
  assert_string_equal(str(t, "unit_of_measure"), "个");
  assert_string_equal(str(t, "what"), "公共充电桩");
  t = cJSON_GetArrayItem(arr(action_by_id(plan, "ordos-2023-58:1.6.1"), "targets"), 0);
  assert_true(cJSON_GetObjectItemCaseSensitive(t, "value")->valuedouble == 10000000);
  assert_string_equal(str(t, "unit_of_measure"), "立方米");
  t = cJSON_GetArrayItem(arr(action_by_id(plan, "ordos-2023-58:2.1.1"), "targets"), 0);
  assert_true(cJSON_GetObjectItemCaseSensitive(t, "value")->valuedouble == 55000000);
  assert_string_equal(str(t, "unit_of_measure"), "千瓦");
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
test_seed_timing(void **state)
{
  (void)state;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < 20; i++)
    cJSON_Delete(import_file(SEED, NULL));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / 20;
  print_message("seed import: %.2f ms\n", ms);
  assert_true(ms < 1000);
}

/* ---- phrase tables ----------------------------------------------------------- */

static const cJSON *
first_action(const cJSON *plan)
{
  const cJSON *s = cJSON_GetArrayItem(arr(plan, "sections"), 0);
  const cJSON *m = cJSON_GetArrayItem(arr(s, "measures"), 0);
  const cJSON *a = cJSON_GetArrayItem(arr(m, "actions"), 0);
  assert_non_null(a);
  return a;
}

/* One action in a minimal plan issued 2023-09-18. */
static cJSON *
one_action(const char *phrase, cJSON **report_p)
{
  char doc[4096];
  snprintf(doc, sizeof doc,
           "2023年9月18日\n一、总体\n（一）措施。（牵头单位：市财政局）\n具体落实举措：\n1.%s（市财政局）\n",
           phrase);
  return import_text(doc, report_p);
}

static void
test_deadline_phrases(void **state)
{
  (void)state;
  static const struct {
    const char *phrase;
    const char *dues; /* "*" marks an inherited horizon */
  } cases[] = {
      {"2023年底前完成。", "2023-12-31"},
      {"2023年底完成。", "2023-12-31"},
      {"2023年内完成。", "2023-12-31"},
      {"到2023年，完成。", "2023-12-31"},
      {"到2024年底，完成。", "2024-12-31"},
      {"2024年，完成任务。", "2024-12-31"},
      {"2023年完成甲；2024年完成乙；2025年完成丙。", "2023-12-31,2024-12-31,2025-12-31"},
      {"2023—2025年，每年安排资金。", "2023-12-31,2024-12-31,2025-12-31"},
      {"2024－2025年参与。", "2024-12-31,2025-12-31"},
      {"两年内建成。", "2025-09-18"},
      {"2年内建成。", "2025-09-18"},
      {"6个月内建成。", "2024-03-18"},
      {"2024年6月底前完成。", "2024-06-30"},
      {"2024年3月15日前完成。", "2024-03-15"},
      {"至2025年初步建成。", "2025-12-31"},
      {"在2025年年底前完成。", "2025-12-31"},
      {"２０２４年底前完成。", "2024-12-31"},
      {"对2022年后取得标识的项目给予奖励。", "2023-12-31*"},
      {"编制《规划（2021—2030年）》。", "2023-12-31*"},
      {"建立长效机制。", "2023-12-31*"},
      {"利用两年左右的时间完成。", "2023-12-31*"},
      {"2024年6月上旬前完成。", "2024-06-10"},
      {"2024年2月中旬启动。", "2024-02-20"},
      {"2024年2月下旬前完成。", "2024-02-29"},
      {"2024年第一季度完成。", "2024-03-31"},
      {"2024年第三季度完成试点。", "2024-09-30"},
      {"2024年四季度完成。", "2024-12-31"},
      {"2024年上半年完成。", "2024-06-30"},
      {"2024年下半年完成。", "2024-12-31"},
      {"每季度报送进展。", "2023-12-31*"}, /* a reporting cycle, not a due date */
      {"12月底前完成。", "2023-12-31"},    /* no year: the issuing year (issued 2023-09-18) */
      {"10月中旬前完成。", "2023-10-20"},
      {"11月30日前完成。", "2023-11-30"},
      {"3月底前完成。", "2024-03-31"},  /* passed by the issuing date: the next year */
      {"9月中旬启动。", "2023-12-31*"}, /* no deadline word */
      {"长期坚持，推进公交优先。", ""}, /* ongoing: never a due date, even with a horizon */
      {"持续推进示范区建设。", ""},
  };
  test_horizon = "2023-12-31";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *plan = one_action(cases[i].phrase, NULL);
    char got[256];
    dues(first_action(plan), got, sizeof got);
    if (strcmp(got, cases[i].dues) != 0)
      fail_msg("%s: dues %s, expected %s", cases[i].phrase, got, cases[i].dues);
    cJSON_Delete(plan);
  }
  test_horizon = NULL;
  /* without a horizon nothing is invented */
  cJSON *report = NULL;
  cJSON *plan = one_action("建立长效机制。", &report);
  assert_int_equal(cJSON_GetArraySize(arr(first_action(plan), "milestones")), 0);
  assert_int_equal(count_report(report, "deadline", 5), 1);
  cJSON_Delete(plan);
  cJSON_Delete(report);
}

/* A unit with offices in parentheses is one unit (with 、 or ， inside, the
 * same unit); a collective (各区、县级市) stays one unit with its wording. */
static void
test_collective_and_parenthesised_units(void **state)
{
  (void)state;
  cJSON *report = NULL;
  cJSON *plan =
      import_text("2024年5月20日\n一、交通\n（一）推进智慧交通。\n"
                  "1.2024年底前建成。（牵头单位：市交通委（科信处、宣传处）；配合单位：各区、县级市）\n"
                  "2.2024年底前完成。（责任单位：各有关单位）\n"
                  "3.2024年底前完成。（各旗区人民政府）\n"
                  "4.2024年底前完成。（市交通委（科信处，宣传处））\n"
                  "5.2024年底前完成。（各县（市、区）人民政府）\n",
                  &report);
  const cJSON *measure = cJSON_GetArrayItem(arr(cJSON_GetArrayItem(arr(plan, "sections"), 0), "measures"), 0);
  const cJSON *actions = arr(measure, "actions");
  assert_int_equal(cJSON_GetArraySize(actions), 5);
  assert_string_equal(str(cJSON_GetArrayItem(actions, 0), "unit"), "市交通委（科信处、宣传处）");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 1), "unit"), "各有关单位");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 2), "unit"), "各旗区人民政府");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 3), "unit"), "市交通委（科信处、宣传处）");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 4), "unit"), "各县（市、区）人民政府");
  assert_string_equal(cJSON_GetArrayItem(arr(measure, "cooperating"), 0)->valuestring, "各区、县级市");
  const cJSON *units = arr(plan, "units");
  assert_int_equal(cJSON_GetArraySize(units), 5);
  int collectives = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, report)
  {
    const char *message = str(entry, "message");
    collectives += strcmp(str(entry, "kind"), "units") == 0 && strstr(message, "collective") != NULL;
  }
  assert_int_equal(collectives, 4);
  Duban__Plan *proto = NULL;
  char why[256];
  assert_int_equal(dbn_plan_from_json(plan, &proto, why, sizeof why), 0);
  dbn_plan_free(&proto);
  cJSON_Delete(plan);
  cJSON_Delete(report);
}

/* 每月, 每季度, 每半年, 每年 set the action's reporting cycle. */
static void
test_report_cycles(void **state)
{
  (void)state;
  static const struct {
    const char *phrase, *cycle;
  } cases[] = {
      {"每月调度一次。", "monthly"},       {"每季度报送进展。", "quarterly"},
      {"每半年通报一次。", "half-yearly"}, {"2024年底前完成，每年报告。", "yearly"},
      {"按月报送。", "monthly"},           {"建立长效机制。", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *plan = one_action(cases[i].phrase, NULL);
    const cJSON *cycle = cJSON_GetObjectItemCaseSensitive(first_action(plan), "report_cycle");
    if (cases[i].cycle ? !cJSON_IsString(cycle) || strcmp(cycle->valuestring, cases[i].cycle) != 0
                       : cycle != NULL)
      fail_msg("%s: report_cycle %s, expected %s", cases[i].phrase,
               cJSON_IsString(cycle) ? cycle->valuestring : "none", cases[i].cycle ? cases[i].cycle : "none");
    Duban__Plan *proto = NULL;
    char why[256];
    assert_int_equal(dbn_plan_from_json(plan, &proto, why, sizeof why), 0);
    const char *stored = proto->sections[0]->measures[0]->actions[0]->report_cycle;
    assert_string_equal(stored, cases[i].cycle ? cases[i].cycle : "");
    dbn_plan_free(&proto);
    cJSON_Delete(plan);
  }
}

static void
test_target_phrases(void **state)
{
  (void)state;
  static const struct {
    const char *phrase;
    double value;
    const char *unit;
    const char *what;
  } cases[] = {
      {"新建5000个公共充电桩。", 5000, "个", "公共充电桩"},
      {"盘活闲置水指标1000万立方米。", 10000000, "立方米", "盘活闲置水指标"},
      {"2023年底前全市新能源批复规模超过5500万千瓦。", 55000000, "千瓦", "全市新能源批复规模"},
      {"绒山羊存栏达到700万只以上。", 7000000, "只", "绒山羊存栏"},
      {"年产羊绒3500吨。", 3500, "吨", "年产羊绒"},
      {"获得不低于1000万元资金支持。", 10000000, "元", "资金支持"},
      {"完成治理区60％的土石方工程。", 60, "%", "土石方工程"},
      {"实施林草生态建设5.8万亩。", 58000, "亩", "实施林草生态建设"},
      {"新增取得证书2670人次以上。", 2670, "人次", "新增取得证书"},
      {"新增１０家技术转移服务机构。", 10, "家", "技术转移服务机构"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *plan = one_action(cases[i].phrase, NULL);
    const cJSON *targets = arr(first_action(plan), "targets");
    if (cJSON_GetArraySize(targets) != 1)
      fail_msg("%s: %d targets", cases[i].phrase, cJSON_GetArraySize(targets));
    const cJSON *t = cJSON_GetArrayItem(targets, 0);
    double v = cJSON_GetObjectItemCaseSensitive(t, "value")->valuedouble;
    if (v != cases[i].value || strcmp(str(t, "unit_of_measure"), cases[i].unit) != 0 ||
        strcmp(str(t, "what"), cases[i].what) != 0)
      fail_msg("%s: got %g %s %s", cases[i].phrase, v, str(t, "unit_of_measure"), str(t, "what"));
    cJSON_Delete(plan);
  }
  /* numbers that are not targets */
  static const char *const none[] = {
      "落实“人才新政30条”。", "推进S27高速公路。",
      "构建500千伏网架。",    "落实《方案》（鄂府办发〔2023〕19号）。",
      "建立“1+9+N”体系。",
  };
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
    cJSON *plan = one_action(none[i], NULL);
    if (cJSON_GetArraySize(arr(first_action(plan), "targets")) != 0)
      fail_msg("%s: read a target", none[i]);
    cJSON_Delete(plan);
  }
}

/* Money given or budgeted, limits and existing counts are facts of the
 * action, not targets; each is reported at its line (5 in one_action). */
static void
test_fact_phrases(void **state)
{
  (void)state;
  static const struct {
    const char *phrase;
    int facts, targets;
    double value; /* the first fact's */
    const char *kind;
  } cases[] = {
      {"对新获批的基地，分别一次性给予100万元和30万元奖补。", 2, 0, 1000000, "funding"},
      {"对新增设的急需专业给予最高500万元开办费。", 1, 0, 5000000, "limit"},
      {"全面抓好我市10座城镇污水处理厂的运行情况。", 1, 0, 10, "existing"},
      {"2023—2025年，每年安排800万元，对项目给予奖励。", 1, 0, 8000000, "funding"},
      {"按规定给予单个项目最高1000万元支持。", 1, 0, 10000000, "limit"},
      {"单个项目补助不超过50万元。", 1, 0, 500000, "limit"},
      {"对认定的企业奖励20万元，新建5000个公共充电桩。", 1, 1, 200000, "funding"},
      {"安排资金2.6亿元。", 1, 0, 260000000, "funding"},
      {"完成投资超150亿元。", 0, 1, 0, NULL},
      {"到2025年获得不低于1000万元资金支持。", 0, 1, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *report;
    cJSON *plan = one_action(cases[i].phrase, &report);
    const cJSON *action = first_action(plan);
    const cJSON *facts = cJSON_GetObjectItemCaseSensitive(action, "facts");
    int nfacts = cJSON_IsArray(facts) ? cJSON_GetArraySize(facts) : 0;
    int ntargets = cJSON_GetArraySize(arr(action, "targets"));
    if (nfacts != cases[i].facts || ntargets != cases[i].targets)
      fail_msg("%s: %d facts, %d targets; expected %d, %d", cases[i].phrase, nfacts, ntargets, cases[i].facts,
               cases[i].targets);
    assert_int_equal(count_report(report, "fact", 5), cases[i].facts);
    if (nfacts) {
      const cJSON *fact = cJSON_GetArrayItem(facts, 0);
      assert_true(cJSON_GetObjectItemCaseSensitive(fact, "value")->valuedouble == cases[i].value);
      assert_string_equal(str(fact, "kind"), cases[i].kind);
      assert_non_null(strstr(cases[i].phrase, str(fact, "text")));
    }
    /* the facts survive the plan's load and come back out */
    Duban__Plan *proto = NULL;
    char why[256];
    assert_int_equal(dbn_plan_from_json(plan, &proto, why, sizeof why), 0);
    const Duban__Action *stored = proto->sections[0]->measures[0]->actions[0];
    assert_int_equal(stored->n_facts, (size_t)cases[i].facts);
    if (nfacts)
      assert_string_equal(stored->facts[0]->kind, cases[i].kind);
    dbn_plan_free(&proto);
    cJSON_Delete(plan);
    cJSON_Delete(report);
  }
  /* 每年 next to money is a rate, not a yearly report; elsewhere it still is */
  cJSON *plan = one_action("2023—2025年，每年安排800万元，对项目给予奖励。", NULL);
  assert_null(cJSON_GetObjectItemCaseSensitive(first_action(plan), "report_cycle"));
  cJSON_Delete(plan);
  plan = one_action("每年安排800万元；每年报送进展。", NULL);
  assert_string_equal(str(first_action(plan), "report_cycle"), "yearly");
  cJSON_Delete(plan);
}

/* The report ends with a summary a person checks against the document:
 * the seed's 83 actions, 36 dated, 23 with a target, 9 facts, 22 units;
 * with --horizon the 47 undated ones inherit it. */
static void
test_report_summary(void **state)
{
  (void)state;
  for (int with_horizon = 0; with_horizon < 2; with_horizon++) {
    cJSON *report;
    test_horizon = with_horizon ? "2025-12-31" : NULL;
    cJSON *plan = import_file(SEED, &report);
    test_horizon = NULL;
    const cJSON *last = cJSON_GetArrayItem(report, cJSON_GetArraySize(report) - 1);
    assert_string_equal(str(last, "kind"), "summary");
    char want[512];
    snprintf(want, sizeof want,
             "汇总：任务 83 项（有责任单位 83 项，读不出责任单位而略去 0 项），写明日期 36 项，有目标 23 项，"
             "继承期限 %d 项，记为事实的数字 9 个，单位 22 个（其中集体单位 0 个）",
             with_horizon ? 47 : 0);
    assert_string_equal(str(last, "message"), want);
    cJSON_Delete(plan);
    cJSON_Delete(report);
  }
}

/* Unit statements seen in the corpus (tests/fixtures/plans/SOURCES.md),
 * each on one item: the owner and the cooperating units read. */
static void
test_corpus_statements(void **state)
{
  (void)state;
  static const struct {
    const char *item; /* after "1.做事。" */
    const char *owner, *cooperating;
  } cases[] = {
      {"\n牵头单位:区发改局\n责任单位:立山经济开发区,全区经济运行各专班", "区发改局",
       "立山经济开发区|全区经济运行各专班"},
      {"\n牵头负责领导:金力。\n牵头责任单位:市财政局。\n协同责任单位:市税务局、滁州海关等,各县、市、区政府。",
       "市财政局", "市税务局|滁州海关|各县、市、区政府"},
      {"\n责任单位:市卫生健康委等,各县(市、区)政府(管委会)", "市卫生健康委", ""},
      {"〔责任单位:省发展改革委、商务厅按职责分工负责。具体任务均涉及相关市(州)人民政府,不再做分工,下同。〕",
       "省发展改革委", ""},
      {"(牵头单位:市商务局  责任单位:市编办、各区县政府)", "市商务局", "市编办|各区县政府"},
      {"(市政府辦公室牽頭,市級各有關部門及各縣市區政府按職責分工負責)", "市政府辦公室",
       "市級各有關部門|各縣市區政府"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char doc[1024];
    snprintf(doc, sizeof doc, "2023年9月18日\n一、总体\n1.做事。%s\n", cases[i].item);
    cJSON *report;
    cJSON *plan = import_text(doc, &report);
    const cJSON *m = cJSON_GetArrayItem(arr(cJSON_GetArrayItem(arr(plan, "sections"), 0), "measures"), 0);
    const cJSON *a = cJSON_GetArrayItem(arr(m, "actions"), 0);
    char coop[512];
    join(arr(m, "cooperating"), coop, sizeof coop);
    if (!a || strcmp(str(a, "unit"), cases[i].owner) != 0 || strcmp(coop, cases[i].cooperating) != 0)
      fail_msg("%s: owner %s, cooperating %s", cases[i].item, a ? str(a, "unit") : "(none)", coop);
    cJSON_Delete(plan);
    cJSON_Delete(report);
  }
}

/* ---- format variants ---------------------------------------------------------- */

static void
test_variant_labels(void **state)
{
  (void)state;
  cJSON *report;
  cJSON *plan = import_file(FIXTURE("labels.txt"), &report);
  char got[512];
  /* an issuer not in the table: the file's stem */
  assert_string_equal(str(plan, "id"), "labels");
  assert_string_equal(str(plan, "document"), "某政办发〔2024〕7号");
  assert_string_equal(str(plan, "title"), "关于印发某市推进节水工作实施方案的通知");
  assert_string_equal(str(plan, "issued"), "2024-03-01");
  /* 牵头部门/配合部门 */
  const cJSON *m = measure(plan, "1", "1");
  join(arr(m, "lead"), got, sizeof got);
  assert_string_equal(got, "市水务局");
  join(arr(m, "cooperating"), got, sizeof got);
  assert_string_equal(got, "市发展改革委|市工业和信息化局");
  /* 责任单位 with several units separated by 、; an unnumbered action
   * without an owner goes to the first lead, reported */
  m = measure(plan, "1", "2");
  join(arr(m, "lead"), got, sizeof got);
  assert_string_equal(got, "市水务局|市住房和城乡建设局");
  const cJSON *a = action_by_id(plan, "labels:1.2.1");
  assert_string_equal(str(a, "unit"), "市水务局");
  assert_int_equal(count_report(report, "owner", 13), 1);
  dues(a, got, sizeof got);
  assert_string_equal(got, "2026-03-01"); /* 两年内 from 2024-03-01 */
  /* 支撑单位 and 协办单位 cooperate; measure numbering runs on into
   * section 二 */
  m = measure(plan, "2", "3");
  join(arr(m, "lead"), got, sizeof got);
  assert_string_equal(got, "市科技局");
  join(arr(m, "cooperating"), got, sizeof got);
  assert_string_equal(got, "市农业农村局|市财政局");
  /* full-width digits and dot: １．２０２４年内… */
  a = action_by_id(plan, "labels:2.3.1");
  assert_string_equal(str(a, "unit"), "市科技局");
  dues(a, got, sizeof got);
  assert_string_equal(got, "2024-12-31");
  assert_string_equal(str(action_by_id(plan, "labels:2.3.2"), "unit"), "市财政局");
  /* the 抄送 footer is not a task */
  char *text = cJSON_PrintUnformatted(plan);
  assert_null(strstr(text, "市委办公室"));
  cJSON_free(text);
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
check_items_plan(const cJSON *plan, const char *id)
{
  char got[512], want[128];
  /* units on the items: the measure's units are their union */
  const cJSON *m = measure(plan, "1", "1");
  join(arr(m, "lead"), got, sizeof got);
  assert_string_equal(got, "区政务服务局|区大数据中心");
  snprintf(want, sizeof want, "%s:1.1.1", id);
  const cJSON *a = action_by_id(plan, want);
  assert_string_equal(str(a, "unit"), "区政务服务局");
  dues(a, got, sizeof got);
  assert_string_equal(got, "2024-06-30");
  /* "A牵头，B配合" */
  m = measure(plan, "1", "2");
  join(arr(m, "lead"), got, sizeof got);
  assert_string_equal(got, "区市场监督管理局");
  join(arr(m, "cooperating"), got, sizeof got);
  assert_string_equal(got, "区税务局");
  snprintf(want, sizeof want, "%s:2.1.1", id);
  a = action_by_id(plan, want);
  assert_string_equal(str(a, "unit"), "区自然资源局");
  assert_string_equal(str(a, "text"), "2024年，供应工业用地1000亩。");
  snprintf(want, sizeof want, "%s:1.1.2", id);
  assert_string_equal(str(action_by_id(plan, want), "text"), "到2025年，政务服务事项网上可办率达到95％。");
}

static void
test_variant_items(void **state)
{
  (void)state;
  cJSON *report;
  cJSON *plan = import_file(FIXTURE("items.txt"), &report);
  assert_string_equal(str(plan, "id"), "items");
  check_items_plan(plan, "items");
  assert_int_equal(count_report(report, "owner", 7), 1); /* two leads on one item */
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
test_variant_crlf_bom_gb18030(void **state)
{
  (void)state;
  cJSON *plain = import_file(FIXTURE("items.txt"), NULL);
  static const char *const files[] = {"items-crlf.txt", "items-gb18030.txt", "bom.txt"};
  for (size_t i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s", FIXTURE(""));
    strncat(path, files[i], sizeof path - strlen(path) - 1);
    cJSON *plan = NULL, *report = NULL;
    char why[256];
    /* the same plan as the UTF-8 LF file, given the same id */
    assert_int_equal(dbn_plan_import_file(path, NULL, "items", &plan, &report, why, sizeof why), 0);
    char *a = cJSON_PrintUnformatted(plan);
    char *b = cJSON_PrintUnformatted(plain);
    assert_string_equal(a, b);
    cJSON_free(a);
    cJSON_free(b);
    if (strstr(files[i], "gb18030"))
      assert_int_equal(count_report(report, "encoding", 0), 1);
    cJSON_Delete(report);
    cJSON_Delete(plan);
  }
  cJSON_Delete(plain);
}

/* A collective the units file gives "members" is expanded into them: in a
 * measure's units list, and as an owner one task for each member (the
 * first under the action's number, the others under the measure's next
 * numbers, the dates copied), each expansion reported; a collective
 * without members stays one unit, reported; a member that is not a unit
 * of the file is refused. */
static const char collective_doc[] =
    "2024年2月1日\n一、城市更新\n（一）推进老旧小区改造。（牵头单位：市住建局；配合单位：各区、县级市）\n"
    "1.2024年底前完成改造。（责任单位：各区、县级市）\n"
    "2.2024年6月底前印发导则。（责任单位：市住建局）\n"
    "（二）加强基层治理。（牵头单位：各相关街镇）\n1.2024年9月底前建成网格。\n";

/* The measure's 配合单位 and action 1's 责任单位 expand into the file's
 * members, the action split in two, each expansion reported. */
static void
check_collective_expanded(void)
{
  cJSON *units = cJSON_Parse("[{\"name\":\"市住建局\",\"code\":\"ZJJ\"},"
                             "{\"name\":\"东城区人民政府\",\"code\":\"DCQ\",\"aliases\":[\"东城区\"]},"
                             "{\"name\":\"西城区人民政府\",\"code\":\"XCQ\"},"
                             "{\"name\":\"各区、县级市\",\"members\":[\"东城区\",\"XCQ\"]}]");
  assert_non_null(units);
  dbn_plan_import_options_t opt = {.id = "c", .units = units};
  cJSON *plan = NULL, *report = NULL;
  char why[256];
  assert_int_equal(
      dbn_plan_import(collective_doc, sizeof collective_doc - 1, &opt, &plan, &report, why, sizeof why), 0);
  const cJSON *measures = arr(cJSON_GetArrayItem(arr(plan, "sections"), 0), "measures");
  const cJSON *first = cJSON_GetArrayItem(measures, 0);
  assert_int_equal(cJSON_GetArraySize(arr(first, "cooperating")), 2);
  assert_string_equal(cJSON_GetArrayItem(arr(first, "cooperating"), 0)->valuestring, "东城区人民政府");
  assert_string_equal(cJSON_GetArrayItem(arr(first, "cooperating"), 1)->valuestring, "西城区人民政府");
  const cJSON *actions = arr(first, "actions");
  assert_int_equal(cJSON_GetArraySize(actions), 3);
  assert_string_equal(str(cJSON_GetArrayItem(actions, 0), "id"), "c:1.1.1");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 0), "unit"), "东城区人民政府");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 1), "id"), "c:1.1.3"); /* the measure's next number */
  assert_string_equal(str(cJSON_GetArrayItem(actions, 1), "unit"), "西城区人民政府");
  const cJSON *due = cJSON_GetArrayItem(arr(cJSON_GetArrayItem(actions, 1), "milestones"), 0);
  assert_string_equal(str(due, "due"), "2024-12-31");
  assert_string_equal(str(cJSON_GetArrayItem(actions, 2), "unit"), "市住建局");
  /* the collective itself is no unit of the plan; 各相关街镇 (no members) is */
  bool expanded_kept = false, kept = false;
  const cJSON *u;
  cJSON_ArrayForEach(u, arr(plan, "units"))
  {
    expanded_kept |= strcmp(str(u, "name"), "各区、县级市") == 0;
    kept |= strcmp(str(u, "name"), "各相关街镇") == 0;
  }
  assert_false(expanded_kept);
  assert_true(kept);
  int expansions = 0, split = 0, unexpanded = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, report)
  {
    const char *message = str(entry, "message");
    expansions += strcmp(str(entry, "kind"), "collective") == 0 && strstr(message, "展开为 2 个单位") != NULL;
    split += strcmp(str(entry, "kind"), "collective") == 0 && strstr(message, "拆成 2 项任务") != NULL;
    unexpanded +=
        strcmp(str(entry, "kind"), "units") == 0 && strstr(message, "各相关街镇 is a collective") != NULL;
  }
  assert_int_equal(expansions, 2); /* the measure's 配合单位 and action 1's 责任单位 */
  assert_int_equal(split, 1);
  assert_int_equal(unexpanded, 1);
  Duban__Plan *proto = NULL;
  assert_int_equal(dbn_plan_from_json(plan, &proto, why, sizeof why), 0);
  dbn_plan_free(&proto);
  cJSON_Delete(plan);
  cJSON_Delete(report);
  cJSON_Delete(units);
}

/* The file may spell the collective with () where the document has （）. */
static void
check_collective_spelled_with_ascii_parens(void)
{
  static const char parens[] = "2024年2月1日\n一、交通\n（一）推进智慧交通。\n"
                               "1.2024年底前完成。（责任单位：各县（市、区）人民政府）\n";
  cJSON *spelled = cJSON_Parse("[{\"name\":\"甲县人民政府\",\"code\":\"JX\"},"
                               "{\"name\":\"各县(市、区)人民政府\",\"members\":[\"JX\"]}]");
  assert_non_null(spelled);
  dbn_plan_import_options_t opt = {.id = "c", .units = spelled};
  cJSON *plan = NULL, *report = NULL;
  char why[256];
  assert_int_equal(dbn_plan_import(parens, sizeof parens - 1, &opt, &plan, &report, why, sizeof why), 0);
  const cJSON *only = cJSON_GetArrayItem(
      arr(cJSON_GetArrayItem(arr(cJSON_GetArrayItem(arr(plan, "sections"), 0), "measures"), 0), "actions"),
      0);
  assert_string_equal(str(only, "unit"), "甲县人民政府");
  cJSON_Delete(plan);
  cJSON_Delete(report);
  cJSON_Delete(spelled);
}

/* A member that names no unit of the file, or a collective, is refused. */
static void
check_bad_members_refused(void)
{
  static const char *const bad_files[] = {
      "[{\"name\":\"各区\",\"members\":[\"北区\"]}]",
      "[{\"name\":\"各区\",\"members\":[\"各县\"]},{\"name\":\"各县\",\"members\":[\"各区\"]}]",
      "[{\"name\":\"各区\",\"members\":[]}]",
  };
  dbn_plan_import_options_t opt = {.id = "c"};
  cJSON *plan, *report;
  char why[256];
  for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
    cJSON *bad = cJSON_Parse(bad_files[i]);
    assert_non_null(bad);
    opt.units = bad;
    plan = report = NULL;
    assert_int_equal(
        dbn_plan_import(collective_doc, sizeof collective_doc - 1, &opt, &plan, &report, why, sizeof why),
        DBN_EINVAL);
    assert_non_null(strstr(why, "units file"));
    assert_null(plan);
    cJSON_Delete(report);
    cJSON_Delete(bad);
  }
}

static void
test_collective_expanded_by_units_file(void **state)
{
  (void)state;
  check_collective_expanded();
  check_collective_spelled_with_ascii_parens();
  check_bad_members_refused();
}

static void
test_units_file_and_id(void **state)
{
  (void)state;
  cJSON *units = cJSON_Parse("[{\"name\":\"市交通运输局\",\"code\":\"TRANSPORT\",\"aliases\":[\"交通局\"]},"
                             "{\"name\":\"市林业和草原局\",\"code\":\"FOREST\"}]");
  assert_non_null(units);
  FILE *f = fopen(SEED, "rb");
  assert_non_null(f);
  static char buf[200000];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  dbn_plan_import_options_t opt = {.id = "demo", .file_stem = NULL, .units = units};
  cJSON *plan = NULL, *report = NULL;
  char why[256];
  assert_int_equal(dbn_plan_import(buf, len, &opt, &plan, &report, why, sizeof why), 0);
  assert_string_equal(str(plan, "id"), "demo");
  assert_string_equal(str(action_by_id(plan, "demo:4.7.1"), "unit"), "市交通运输局");
  const cJSON *u;
  int seen = 0;
  cJSON_ArrayForEach(u, arr(plan, "units"))
  {
    if (strcmp(str(u, "name"), "市交通运输局") == 0) {
      assert_string_equal(str(u, "code"), "TRANSPORT");
      seen++;
    }
    if (strcmp(str(u, "name"), "市林业和草原局") == 0) {
      assert_string_equal(str(u, "code"), "FOREST");
      seen++;
    }
  }
  assert_int_equal(seen, 2);
  cJSON_Delete(plan);
  cJSON_Delete(report);

  /* a bad units file and a bad id are refused with a message */
  cJSON *bad = cJSON_Parse("[{\"name\":\"市财政局\",\"code\":\"财政\"}]");
  opt.units = bad;
  opt.id = NULL;
  assert_int_equal(dbn_plan_import(buf, len, &opt, &plan, &report, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "units file"));
  assert_null(plan);
  opt.units = NULL;
  opt.id = "a:b";
  assert_int_equal(dbn_plan_import(buf, len, &opt, &plan, &report, why, sizeof why), DBN_EINVAL);
  cJSON_Delete(bad);
  cJSON_Delete(units);
}

/* ---- malformed input ------------------------------------------------------------ */

static void
test_malformed_no_structure(void **state)
{
  (void)state;
  cJSON *plan = NULL, *report = NULL;
  char why[512];
  int rc = dbn_plan_import_file(FIXTURE("no-structure.txt"), NULL, NULL, &plan, &report, why, sizeof why);
  assert_int_equal(rc, DBN_ENOTFOUND); /* read, but no structure: its own error (the CLI exits 3) */
  assert_non_null(strstr(why, "no structure"));
  assert_null(plan);
  assert_null(report);
  rc = dbn_plan_import("", 0, NULL, &plan, &report, why, sizeof why);
  assert_int_equal(rc, DBN_ENOTFOUND); /* an empty document has no structure either */
}

static void
test_malformed_truncated(void **state)
{
  (void)state;
  cJSON *report;
  cJSON *plan = import_file(FIXTURE("truncated.txt"), &report);
  /* the cut measure is kept, without units, and the cut line is reported */
  assert_int_equal(count_report(report, "structure", 7), 1);
  const cJSON *m = measure(plan, "1", "2");
  assert_int_equal(cJSON_GetArraySize(arr(m, "lead")), 0);
  assert_int_equal(cJSON_GetArraySize(arr(m, "actions")), 0);
  assert_string_equal(str(action_by_id(plan, "ordos-2023-58:1.1.1"), "unit"), "市林业和草原局");
  cJSON_Delete(report);
  cJSON_Delete(plan);
}

static void
test_malformed_binary(void **state)
{
  (void)state;
  cJSON *plan = NULL, *report = NULL;
  char why[512];
  static const char nul[] = "一、标题\n\0\x01\x02（一）措施";
  assert_int_equal(dbn_plan_import(nul, sizeof nul - 1, NULL, &plan, &report, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "binary"));
  /* a person reads the refusal in Chinese unless English was asked for */
  assert_int_equal(unsetenv("DUBAN_LANG"), 0);
  assert_int_equal(dbn_plan_import(nul, sizeof nul - 1, NULL, &plan, &report, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "二进制数据：第 2 行有 NUL 字节"));
  assert_int_equal(setenv("DUBAN_LANG", "en", 1), 0);
  /* neither UTF-8 nor GB18030 */
  static const char bad[] = "\x81\x30\xff\xff\x80\x80";
  assert_int_equal(dbn_plan_import(bad, sizeof bad - 1, NULL, &plan, &report, why, sizeof why), DBN_EINVAL);
  assert_non_null(strstr(why, "GB18030"));
  /* random bytes: an error or a plan, never a crash */
  unsigned seed = 12345;
  static char junk[4096];
  for (int round = 0; round < 300; round++) {
    size_t len = (size_t)(round * 13 % 4096);
    for (size_t i = 0; i < len; i++) {
      seed = seed * 1103515245u + 12345u;
      /* mostly structure characters, so that the parser gets deep */
      static const char *const pieces[] = {"一、",     "（一）", "1.", "具体落实举措：", "（牵头单位：",
                                           "市财政局", "）",     "、", "2023年",         "底前",
                                           "5000万",   "个",     "\n", "\r\n",           "\xff",
                                           "《",       "》",     "（", "两年内",         "“"};
      const char *piece = pieces[(seed >> 16) % 20];
      size_t pl = strlen(piece);
      if (i + pl > len)
        break;
      memcpy(junk + i, piece, pl);
      i += pl - 1;
    }
    int rc = dbn_plan_import(junk, len, NULL, &plan, &report, why, sizeof why);
    if (rc == 0) {
      assert_non_null(plan);
      cJSON_Delete(plan);
      cJSON_Delete(report);
    } else {
      assert_null(plan);
      assert_true(why[0] != '\0');
    }
  }
}

/* Found by fuzzing: plans the importer made that plan load refused. Every
 * imported plan must load. */
static void
test_imported_plans_load(void **state)
{
  (void)state;
  static const char *const docs[] = {
      /* 9月31日 is no date: not the issuing date */
      "2023年9月31日\n一、T\n（一）M（牵头单位：市财政局）\n具体落实举措：\n1.做事。（市财政局）\n",
      /* a repeated section number, and a repeat of the renumbered one */
      ("一、A\n（一）M（牵头单位：市财政局）\n一、B\n（一）M（牵头单位：市财政局）\n二、C\n（一）M（牵头单位"
       "："
       "市财政局）\n"),
      /* only cooperating units, on the item */
      "一、A\n（一）M\n1.做事。（配合单位：市财政局）\n",
      /* repeated items */
      "一、A\n（一）M（牵头单位：市财政局）\n1.甲。\n1.乙。\n2.丙。\n",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    cJSON *report;
    cJSON *plan = import_text(docs[i], &report);
    Duban__Plan *pb = NULL;
    char why[512] = "";
    if (dbn_plan_from_json(plan, &pb, why, sizeof why) != 0)
      fail_msg("doc %zu: %s", i, why);
    dbn_plan_free(&pb);
    cJSON_Delete(plan);
    cJSON_Delete(report);
  }
}

int
main(void)
{
  /* The cases compare the importer's English texts; test_malformed_binary
   * also reads a refusal in the default language, Chinese. */
  if (setenv("DUBAN_LANG", "en", 1) != 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_structure),
      cmocka_unit_test(test_seed_alias),
      cmocka_unit_test(test_seed_units_codes),
      cmocka_unit_test(test_seed_header_footer_not_tasks),
      cmocka_unit_test(test_seed_deadlines_and_targets),
      cmocka_unit_test(test_seed_timing),
      cmocka_unit_test(test_deadline_phrases),
      cmocka_unit_test(test_report_cycles),
      cmocka_unit_test(test_collective_and_parenthesised_units),
      cmocka_unit_test(test_target_phrases),
      cmocka_unit_test(test_fact_phrases),
      cmocka_unit_test(test_report_summary),
      cmocka_unit_test(test_corpus_statements),
      cmocka_unit_test(test_variant_labels),
      cmocka_unit_test(test_variant_items),
      cmocka_unit_test(test_variant_crlf_bom_gb18030),
      cmocka_unit_test(test_units_file_and_id),
      cmocka_unit_test(test_malformed_no_structure),
      cmocka_unit_test(test_malformed_truncated),
      cmocka_unit_test(test_malformed_binary),
      cmocka_unit_test(test_imported_plans_load),
      cmocka_unit_test(test_collective_expanded_by_units_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
