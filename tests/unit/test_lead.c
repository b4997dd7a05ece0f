/* test_lead.c: how a unit stands to a task (domain/lead.h), table by table:
 * own before lead before cooperating, who may read, who may remind as the
 * measure's lead, and the names each standing goes by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "lead.h"

/* Measure 2.1 of the real plan: led by NYJ, KJJ cooperating; 2.1.2 is
 * KJJ's. A unit may also lead and cooperate at once (it is lead, then). */
static Duban__Task
task_of(const char *owner, char **lead, size_t n_lead, char **cooperating, size_t n_cooperating)
{
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = "ordos-2023-58:2.1.2";
  task.unit = (char *)owner;
  task.lead = lead;
  task.n_lead = n_lead;
  task.cooperating = cooperating;
  task.n_cooperating = n_cooperating;
  return task;
}

static void
test_seen_as(void **state)
{
  (void)state;
  static char *lead[] = {"NYJ"}, *cooperating[] = {"KJJ", "NYJ"};
  static const struct {
    const char *unit;
    dbn_seen_as_t seen;
    bool may_read;
    int remind_rc;
  } cases[] = {
      {"KJJ", DBN_SEEN_OWN, true, DBN_EPERM},    /* the owner: its own work needs no 催办 */
      {"NYJ", DBN_SEEN_LEAD, true, 0},           /* lead (and listed cooperating: lead wins) */
      {"JTJ", DBN_SEEN_NONE, false, DBN_EPERM},  /* no part in the measure */
      {"", DBN_SEEN_NONE, false, DBN_EPERM},     /* no unit */
      {"NYJX", DBN_SEEN_NONE, false, DBN_EPERM}, /* a code is matched whole */
  };
  Duban__Task task = task_of("KJJ", lead, 1, cooperating, 2);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char why[256] = "";
    if (dbn_lead_seen_as(&task, cases[i].unit) != cases[i].seen ||
        dbn_lead_may_read(&task, cases[i].unit) != cases[i].may_read ||
        dbn_lead_check_remind(&task, cases[i].unit, why, sizeof why) != cases[i].remind_rc ||
        (cases[i].remind_rc && !*why))
      fail_msg("unit '%s': seen %d '%s'", cases[i].unit, (int)dbn_lead_seen_as(&task, cases[i].unit), why);
  }
  /* A cooperating unit that does not lead reads but may not remind. */
  Duban__Task other = task_of("NYJ", lead, 1, cooperating, 1);
  char why[256];
  assert_int_equal(dbn_lead_seen_as(&other, "KJJ"), DBN_SEEN_COOPERATING);
  assert_true(dbn_lead_may_read(&other, "KJJ"));
  assert_int_equal(dbn_lead_check_remind(&other, "KJJ", why, sizeof why), DBN_EPERM);
  assert_non_null(strstr(why, "不是任务"));
}

static void
test_names(void **state)
{
  (void)state;
  static const struct {
    dbn_seen_as_t seen;
    const char *name, *zh;
  } cases[] = {
      {DBN_SEEN_NONE, "", ""},         {DBN_SEEN_OWN, "own", "本单位"},
      {DBN_SEEN_LEAD, "lead", "牵头"}, {DBN_SEEN_COOPERATING, "cooperating", "配合"},
      {(dbn_seen_as_t)42, "", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_string_equal(dbn_lead_seen_as_name(cases[i].seen), cases[i].name);
    assert_string_equal(dbn_lead_seen_as_zh(cases[i].seen), cases[i].zh);
    if ((unsigned)cases[i].seen <= DBN_SEEN_COOPERATING)
      assert_int_equal(dbn_lead_seen_as_parse(cases[i].name), cases[i].seen);
  }
  assert_int_equal(dbn_lead_seen_as_parse("boss"), DBN_SEEN_NONE);
  assert_int_equal(dbn_lead_seen_as_parse(NULL), DBN_SEEN_NONE);
}

/* Whether the reader of a list leads a task's measure: marked lead, or
 * its own task of a measure it leads. */
static void
test_reader_leads(void **state)
{
  (void)state;
  static char *lead[] = {"NYJ"};
  static const struct {
    const char *owner, *seen_as;
    bool leads;
  } cases[] = {
      {"KJJ", "lead", true},         {"NYJ", "own", true}, {"KJJ", "own", false},
      {"NYJ", "cooperating", false}, {"NYJ", "", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    Duban__Task task = task_of(cases[i].owner, lead, 1, NULL, 0);
    task.seen_as = (char *)cases[i].seen_as;
    if (dbn_lead_reader_leads(&task) != cases[i].leads)
      fail_msg("owner %s seen as '%s'", cases[i].owner, cases[i].seen_as);
  }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seen_as),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_reader_leads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
