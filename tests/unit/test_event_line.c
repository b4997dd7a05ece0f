/* test_event_line.c: an event as the line a person reads (cli/event_line.h).
 * In Chinese the kind reads 改派 and the unit a task was handed to and the
 * unit that acted read as the plan names them; the names are learnt from a
 * plan_loaded event that goes by; in English the line is byte for byte
 * dbn_cli_print_event_line's, codes and all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event_line.h"

static Duban__Unit jtj = {PROTOBUF_C_MESSAGE_INIT(&duban__unit__descriptor), "JTJ", "市交通运输局", 0, NULL};
static Duban__Unit zrj = {PROTOBUF_C_MESSAGE_INIT(&duban__unit__descriptor), "ZRJ", "市自然资源局", 0, NULL};
static Duban__Unit *plan_units[] = {&jtj, &zrj};

/* What print wrote for event, as a string of the caller's. */
static char *
line_of(const Duban__Event *event, const dbn_cli_unit_names_t *names, int machine)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  if (machine)
    dbn_cli_print_event_line(out, event);
  else
    dbn_cli_print_event_line_for_person(out, event, names);
  fclose(out);
  return text;
}

static void
reassignment(Duban__Event *event, Duban__Reassign *reassign, const char *actor)
{
  duban__reassign__init(reassign);
  reassign->task = "p:1.1.2";
  reassign->unit = "JTJ";
  reassign->reason = "职责调整";
  duban__event__init(event);
  event->seq = 4;
  event->time = 1695168000;
  event->actor = (char *)actor;
  event->body_case = DUBAN__EVENT__BODY_REASSIGNED;
  event->reassigned = reassign;
}

static void
test_chinese_names_kind_and_units(void **state)
{
  (void)state;
  setenv("DUBAN_LANG", "zh", 1);
  dbn_cli_unit_names_t names = {0};
  assert_int_equal(dbn_cli_unit_names_set(&names, plan_units, 2), 0);
  Duban__Event event;
  Duban__Reassign reassign;
  reassignment(&event, &reassign, "unit:ZRJ");
  char *line = line_of(&event, &names, 0);
  if (!strstr(line, "改派给 市交通运输局") || !strstr(line, "市自然资源局") || !strstr(line, "改派 "))
    fail_msg("the line: %s", line);
  if (strstr(line, "JTJ") || strstr(line, "ZRJ") || strstr(line, "reassigned"))
    fail_msg("a code shown: %s", line);
  free(line);
  dbn_cli_unit_names_free(&names);
  /* No names known: the kind is still Chinese, the units keep their codes. */
  line = line_of(&event, &names, 0);
  if (!strstr(line, "改派给 JTJ") || strstr(line, "reassigned"))
    fail_msg("without names: %s", line);
  free(line);
}

static void
test_names_from_a_plan_loaded(void **state)
{
  (void)state;
  setenv("DUBAN_LANG", "zh", 1);
  Duban__Plan plan = DUBAN__PLAN__INIT;
  plan.id = "p";
  plan.units = plan_units;
  plan.n_units = 2;
  Duban__LoadPlan load = DUBAN__LOAD_PLAN__INIT;
  load.plan = &plan;
  Duban__Event loaded = DUBAN__EVENT__INIT;
  loaded.body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
  loaded.plan_loaded = &load;
  dbn_cli_unit_names_t names = {0};
  dbn_cli_unit_names_follow(&names, &loaded);
  assert_int_equal(names.n_units, 2);
  Duban__Event event;
  Duban__Reassign reassign;
  reassignment(&event, &reassign, "coordinator:office");
  dbn_cli_unit_names_follow(&names, &event); /* not a plan: the names stay */
  assert_int_equal(names.n_units, 2);
  char *line = line_of(&event, &names, 0);
  if (!strstr(line, "改派给 市交通运输局") || !strstr(line, "协调员 office"))
    fail_msg("the line: %s", line);
  free(line);
  dbn_cli_unit_names_free(&names);
}

static void
test_english_is_the_machine_line(void **state)
{
  (void)state;
  setenv("DUBAN_LANG", "en", 1);
  dbn_cli_unit_names_t names = {0};
  assert_int_equal(dbn_cli_unit_names_set(&names, plan_units, 2), 0);
  Duban__Event event;
  Duban__Reassign reassign;
  reassignment(&event, &reassign, "unit:ZRJ");
  char *person = line_of(&event, &names, 0), *machine = line_of(&event, &names, 1);
  assert_string_equal(person, machine);
  assert_non_null(strstr(person, "reassigned"));
  free(person);
  free(machine);
  dbn_cli_unit_names_free(&names);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chinese_names_kind_and_units),
      cmocka_unit_test(test_names_from_a_plan_loaded),
      cmocka_unit_test(test_english_is_the_machine_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
