/* test_plan_json.c: plan JSON ↔ Duban__Plan. The seed plan goes through
 * import → from_json → to_json unchanged (but for "document", which the
 * protobuf does not carry); every unit reference is a code after from_json;
 * unit lookups by name, alias and code; and a table of broken plans, each
 * refused with the place named in the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "plan_import.h"
#include "plan_json.h"
#include "wire.h"

#define SEED DUBAN_SOURCE_DIR "/examples/plans/ordos-2023-58.txt"

static cJSON *
seed_json(void)
{
  cJSON *plan = NULL, *report = NULL;
  char why[256];
  /* with a horizon, as scripts/demo.sh imports it: every action has a due date */
  assert_int_equal(
      dbn_plan_import_file_horizon(SEED, NULL, NULL, "2025-12-31", &plan, &report, why, sizeof why), 0);
  cJSON_Delete(report);
  return plan;
}

static bool
is_code(const Duban__Plan *plan, const char *s)
{
  for (size_t i = 0; i < plan->n_units; i++)
    if (strcmp(plan->units[i]->code, s) == 0)
      return true;
  return false;
}

static void
test_seed_round_trip(void **state)
{
  (void)state;
  cJSON *json = seed_json();
  Duban__Plan *plan = NULL;
  char why[256] = "";
  assert_int_equal(dbn_plan_from_json(json, &plan, why, sizeof why), 0);
  assert_non_null(plan);
  assert_string_equal(plan->id, "ordos-2023-58");
  assert_int_equal(plan->n_units, 22);
  assert_int_equal(plan->n_sections, 7);
  size_t actions = 0;
  for (size_t s = 0; s < plan->n_sections; s++)
    for (size_t m = 0; m < plan->sections[s]->n_measures; m++) {
      const Duban__Measure *me = plan->sections[s]->measures[m];
      for (size_t k = 0; k < me->n_lead; k++)
        assert_true(is_code(plan, me->lead[k]));
      for (size_t k = 0; k < me->n_cooperating; k++)
        assert_true(is_code(plan, me->cooperating[k]));
      for (size_t a = 0; a < me->n_actions; a++) {
        assert_true(is_code(plan, me->actions[a]->unit));
        assert_true(me->actions[a]->n_milestones >= 1);
        actions++;
      }
    }
  assert_int_equal(actions, 83);
  /* the alias's action is owned by the canonical unit's code */
  assert_string_equal(plan->sections[3]->measures[6]->actions[0]->unit, "JTJ");

  cJSON *back = NULL;
  assert_int_equal(dbn_plan_to_json(plan, &back), 0);
  cJSON_DeleteItemFromObjectCaseSensitive(json, "document");
  assert_true(cJSON_Compare(json, back, 1));

  /* and once more through the protobuf */
  Duban__Plan *again = NULL;
  assert_int_equal(dbn_plan_from_json(back, &again, why, sizeof why), 0);
  assert_int_equal(duban__plan__get_packed_size(again), duban__plan__get_packed_size(plan));
  dbn_plan_free(&again);
  assert_null(again);
  dbn_plan_free(&plan);
  assert_null(plan);
  dbn_plan_free(&plan); /* NULL is fine */
  dbn_plan_free(NULL);
  cJSON_Delete(back);
  cJSON_Delete(json);
}

static void
test_unit_resolve(void **state)
{
  (void)state;
  cJSON *json = seed_json();
  Duban__Plan *plan = NULL;
  char why[256];
  assert_int_equal(dbn_plan_from_json(json, &plan, why, sizeof why), 0);
  const char *code = NULL;
  assert_int_equal(dbn_plan_unit_resolve(plan, "市交通运输局", &code), 0);
  assert_string_equal(code, "JTJ");
  assert_int_equal(dbn_plan_unit_resolve(plan, "市交通和运输局", &code), 0);
  assert_string_equal(code, "JTJ");
  assert_int_equal(dbn_plan_unit_resolve(plan, "JTJ", &code), 0);
  assert_string_equal(code, "JTJ");
  assert_int_equal(dbn_plan_unit_resolve(plan, "市财政局", &code), 0);
  assert_string_equal(code, "CZJ");
  assert_int_equal(dbn_plan_unit_resolve(plan, "市交通局", &code), DBN_ENOTFOUND);
  assert_int_equal(dbn_plan_unit_resolve(plan, "", &code), DBN_ENOTFOUND);
  dbn_plan_free(&plan);
  cJSON_Delete(json);
}

/* A small valid plan; each refusal case edits one thing in it. */
static const char SMALL[] =
    "{\"format\":\"duban-plan/"
    "1\",\"id\":\"p\",\"title\":\"T\",\"issued\":\"2023-09-18\",\"horizon\":\"2025-12-31\","
    "\"units\":[{\"code\":\"CZJ\",\"name\":\"市财政局\",\"aliases\":[\"财政局\"]},{\"code\":\"KJJ\",\"name\":"
    "\"市科学技术局\"}],"
    "\"sections\":[{\"number\":\"1\",\"title\":\"S\",\"measures\":["
    "{\"number\":\"1\",\"text\":\"M\",\"lead\":[\"财政局\"],\"cooperating\":[\"KJJ\"],\"source_line\":3,"
    "\"actions\":[{\"id\":\"p:1.1.1\",\"number\":\"1\",\"text\":\"A\",\"unit\":\"市科学技术局\","
    "\"milestones\":[{\"due\":\"2024-02-29\",\"text\":\"x\",\"inherited\":false}],"
    "\"targets\":[{\"value\":5000,\"unit_of_measure\":\"个\",\"what\":\"充电桩\"}],\"source_line\":5}]},"
    "{\"number\":\"2\",\"text\":\"general\",\"lead\":[],\"cooperating\":[],\"actions\":[]}]}]}";

static void
test_small_plan(void **state)
{
  (void)state;
  cJSON *json = cJSON_Parse(SMALL);
  assert_non_null(json);
  Duban__Plan *plan = NULL;
  char why[256] = "";
  int rc = dbn_plan_from_json(json, &plan, why, sizeof why);
  if (rc)
    fail_msg("%s", why);
  const Duban__Measure *m = plan->sections[0]->measures[0];
  assert_string_equal(m->lead[0], "CZJ");
  assert_string_equal(m->cooperating[0], "KJJ");
  assert_string_equal(m->actions[0]->unit, "KJJ");
  assert_int_equal(m->actions[0]->source_line, 5);
  assert_true(m->actions[0]->targets[0]->value == 5000);
  assert_int_equal(plan->sections[0]->measures[1]->n_actions, 0);
  dbn_plan_free(&plan);
  cJSON_Delete(json);
}

/* Replace the first occurrence of from with to in SMALL. */
static cJSON *
edited(const char *from, const char *to)
{
  static char buf[sizeof SMALL + 20000];
  const char *p = strstr(SMALL, from);
  assert_non_null(p);
  size_t head = (size_t)(p - SMALL);
  snprintf(buf, sizeof buf, "%.*s%s%s", (int)head, SMALL, to, p + strlen(from));
  cJSON *json = cJSON_Parse(buf);
  assert_non_null(json);
  return json;
}

static void
test_refusals(void **state)
{
  (void)state;
  static char long_text[DBN_MAX_TEXT + 16];
  memset(long_text, 'x', sizeof long_text - 1);
  static char long_field[DBN_MAX_TEXT + 64];
  snprintf(long_field, sizeof long_field, "\"text\":\"%s\"", long_text);
  static const struct {
    const char *from, *to;
    int err;
    const char *place; /* must appear in the message */
  } cases[] = {
      {"\"unit\":\"市科学技术局\"", "\"unit\":\"市统计局\"", DBN_EINVAL, "actions[0].unit"},
      {"\"lead\":[\"财政局\"]", "\"lead\":[\"无此局\"]", DBN_EINVAL, "measures[0].lead[0]"},
      {"\"cooperating\":[\"KJJ\"]", "\"cooperating\":[7]", DBN_EINVAL, "cooperating[0]"},
      {"\"due\":\"2024-02-29\"", "\"due\":\"2023-02-29\"", DBN_EINVAL, "milestones[0].due"},
      {"\"due\":\"2024-02-29\"", "\"due\":\"2024年底\"", DBN_EINVAL, "milestones[0].due"},
      {"\"issued\":\"2023-09-18\"", "\"issued\":\"\"", DBN_EINVAL, "plan.issued"},
      {"\"horizon\":\"2025-12-31\",", "", DBN_EINVAL, "horizon"},
      {"\"format\":\"duban-plan/1\"", "\"format\":\"duban-plan/2\"", DBN_EVERSION, "duban-plan/2"},
      {"\"format\":\"duban-plan/1\",", "", DBN_EINVAL, "format"},
      {"\"id\":\"p:1.1.1\"", "\"id\":\"p:1.1.9\"", DBN_EINVAL, "actions[0].id"},
      {"\"id\":\"p\"", "\"id\":\"a:b\"", DBN_EINVAL, "plan.id"},
      {"\"text\":\"A\"", long_field, DBN_ETOOBIG, "actions[0].text"},
      {"\"code\":\"KJJ\"", "\"code\":\"CZJ\"", DBN_EINVAL, "units[1].code"},
      {"\"code\":\"KJJ\"", "\"code\":\"科技\"", DBN_EINVAL, "units[1].code"},
      {"\"aliases\":[\"财政局\"]", "\"aliases\":[\"市科学技术局\"]", DBN_EINVAL, "units[0].aliases"},
      {"\"value\":5000", "\"value\":1e300", DBN_EINVAL, "targets[0].value"},
      {"\"value\":5000", "\"value\":\"5000\"", DBN_EINVAL, "targets[0].value"},
      {"\"number\":\"2\"", "\"number\":\"1\"", DBN_EINVAL, "measures[1].number"},
      {"\"number\":\"1\",\"title\"", "\"number\":\"一\",\"title\"", DBN_EINVAL, "sections[0].number"},
      {"\"lead\":[\"财政局\"]", "\"lead\":[]", DBN_EINVAL, "没有牵头单位"},
      {"\"source_line\":5", "\"source_line\":-1", DBN_EINVAL, "source_line"},
      {"\"title\":\"T\"", "\"title\":\"a\\u0001b\"", DBN_EINVAL, "plan.title"},
      {"\"units\":[", "\"unitz\":[", DBN_EINVAL, "units"},
      {"\"inherited\":false", "\"inherited\":\"no\"", DBN_EINVAL, "inherited"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *json = edited(cases[i].from, cases[i].to);
    Duban__Plan *plan = (Duban__Plan *)1;
    char why[512] = "";
    int rc = dbn_plan_from_json(json, &plan, why, sizeof why);
    if (rc != cases[i].err || !strstr(why, cases[i].place))
      fail_msg("case %zu (%s): rc %d, message \"%s\"", i, cases[i].to, rc, why);
    assert_null(plan);
    cJSON_Delete(json);
  }
  /* not an object at all */
  Duban__Plan *plan = NULL;
  char why[256];
  cJSON *arr = cJSON_CreateArray();
  assert_int_equal(dbn_plan_from_json(arr, &plan, why, sizeof why), DBN_EINVAL);
  assert_int_equal(dbn_plan_from_json(NULL, &plan, why, sizeof why), DBN_EINVAL);
  cJSON_Delete(arr);
}

int
main(void)
{
  /* the refusals are read in the default language, Chinese, whatever the
   * locale of the one who runs the tests */
  if (setenv("DUBAN_LANG", "zh", 1) != 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_round_trip),
      cmocka_unit_test(test_unit_resolve),
      cmocka_unit_test(test_small_plan),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
