/* test_domain.c: the small pure rules of domain/: identities as the ZAP
 * handler hands them over (identity.c), the calendar dates of a plan
 * (date.c) and the scorecards an auditor's report counts (scorecard.c).
 * Each is a table of named cases with the answer written out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "error.h"
#include "identity.h"
#include "scorecard.h"

/* ---- identities ---- */

static void
test_identity_parse(void **state)
{
  (void)state;
  static char name_64[6 + 64 + 1], name_65[6 + 65 + 1];
  strcpy(name_64, "admin:");
  memset(name_64 + 6, 'n', 64);
  strcpy(name_65, "admin:");
  memset(name_65 + 6, 'n', 65);
  const struct {
    const char *name;
    const char *identity;
    int rc;
    dbn_role_t role;
    const char *who; /* the name part, when rc is 0 */
  } cases[] = {
      {"unit", "unit:TRANSPORT", 0, DBN_ROLE_UNIT, "TRANSPORT"},
      {"coordinator", "coordinator:office-1", 0, DBN_ROLE_COORDINATOR, "office-1"},
      {"auditor with a dot", "auditor:li.ming", 0, DBN_ROLE_AUDITOR, "li.ming"},
      {"admin with underscore", "admin:root_2", 0, DBN_ROLE_ADMIN, "root_2"},
      {"one-character name", "unit:x", 0, DBN_ROLE_UNIT, "x"},
      {"64-character name", name_64, 0, DBN_ROLE_ADMIN, name_64 + 6},
      {"65-character name", name_65, DBN_EINVAL, 0, NULL},
      {"empty name", "unit:", DBN_EINVAL, 0, NULL},
      {"unknown role", "boss:x", DBN_EINVAL, 0, NULL},
      {"role with a suffix", "units:x", DBN_EINVAL, 0, NULL},
      {"role prefix only", "uni:x", DBN_EINVAL, 0, NULL},
      {"role in capitals", "UNIT:x", DBN_EINVAL, 0, NULL},
      {"no role", ":x", DBN_EINVAL, 0, NULL},
      {"no colon", "unitTRANSPORT", DBN_EINVAL, 0, NULL},
      {"empty", "", DBN_EINVAL, 0, NULL},
      {"second colon", "unit:a:b", DBN_EINVAL, 0, NULL},
      {"space in name", "unit:a b", DBN_EINVAL, 0, NULL},
      {"slash in name", "unit:a/b", DBN_EINVAL, 0, NULL},
      {"Chinese name", "unit:市交通运输局", DBN_EINVAL, 0, NULL},
      {"trailing newline", "unit:x\n", DBN_EINVAL, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dbn_role_t role = (dbn_role_t)-1;
    const char *who = NULL;
    int rc = dbn_identity_parse(cases[i].identity, &role, &who);
    bool ok = rc == cases[i].rc;
    if (ok && rc == 0)
      /* Borrowed from the identity, not copied. */
      ok = role == cases[i].role && who == strchr(cases[i].identity, ':') + 1 &&
           strcmp(who, cases[i].who) == 0;
    if (ok && rc != 0)
      ok = role == (dbn_role_t)-1 && who == NULL; /* nothing written on failure */
    if (!ok) {
      fprintf(stderr, "case '%s': rc %d role %d name '%s'\n", cases[i].name, rc, (int)role, who ? who : "");
      fail();
    }
  }
  dbn_role_t role;
  const char *who;
  assert_int_equal(dbn_identity_parse(NULL, &role, &who), DBN_EINVAL);
}

static void
test_role_names(void **state)
{
  (void)state;
  assert_string_equal(dbn_role_name(DBN_ROLE_UNIT), "unit");
  assert_string_equal(dbn_role_name(DBN_ROLE_COORDINATOR), "coordinator");
  assert_string_equal(dbn_role_name(DBN_ROLE_AUDITOR), "auditor");
  assert_string_equal(dbn_role_name(DBN_ROLE_ADMIN), "admin");
  assert_string_equal(dbn_role_name(DBN_ROLE_COUNT), "unknown");
  assert_string_equal(dbn_role_name((dbn_role_t)-1), "unknown");
  assert_string_equal(dbn_role_name((dbn_role_t)99), "unknown");
  /* Every role's name parses back to that role. */
  for (int r = 0; r < DBN_ROLE_COUNT; r++) {
    char identity[64];
    snprintf(identity, sizeof identity, "%s:someone", dbn_role_name((dbn_role_t)r));
    dbn_role_t role;
    const char *who;
    assert_int_equal(dbn_identity_parse(identity, &role, &who), 0);
    assert_int_equal(role, r);
  }
}

static void
test_code_valid(void **state)
{
  (void)state;
  static char code_32[33], code_33[34];
  memset(code_32, 'C', 32);
  memset(code_33, 'C', 33);
  const struct {
    const char *name;
    const char *code;
    int valid;
  } cases[] = {
      {"unit code", "TRANSPORT", 1},
      {"plan id", "ordos-2023-58", 1},
      {"underscore and digits", "a_b_1", 1},
      {"one character", "x", 1},
      {"32 characters", code_32, 1},
      {"33 characters", code_33, 0},
      {"empty", "", 0},
      {"NULL", NULL, 0},
      {"dot", "a.b", 0},
      {"colon", "plan:1", 0},
      {"space", "a b", 0},
      {"Chinese", "交通", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (dbn_identity_code_valid(cases[i].code) != cases[i].valid) {
      fprintf(stderr, "case '%s': wanted %d\n", cases[i].name, cases[i].valid);
      fail();
    }
}

/* ---- dates ---- */

static void
test_date_parse(void **state)
{
  (void)state;
  const struct {
    const char *name;
    const char *text;
    int rc;
    int64_t start; /* unix seconds, UTC, when rc is 0 */
  } cases[] = {
      {"end of 2023", "2023-12-31", 0, 1703980800},
      {"the epoch", "1970-01-01", 0, 0},
      {"leap day", "2024-02-29", 0, 1709164800},
      {"after a leap day", "2024-03-01", 0, 1709251200},
      {"past 2038", "2038-01-20", 0, 2147558400},
      {"last day accepted", "9999-12-31", 0, 253402214400},
      {"before the epoch", "1969-12-31", DBN_EINVAL, 0},
      {"year 0", "0000-01-01", DBN_EINVAL, 0},
      {"month 13", "2023-13-01", DBN_EINVAL, 0},
      {"month 0", "2023-00-10", DBN_EINVAL, 0},
      {"day 0", "2023-12-00", DBN_EINVAL, 0},
      {"day 32", "2023-12-32", DBN_EINVAL, 0},
      {"trailing letter", "2023-12-31x", DBN_EINVAL, 0},
      {"trailing space", "2023-12-31 ", DBN_EINVAL, 0},
      {"trailing newline", "2023-12-31\n", DBN_EINVAL, 0},
      {"a time after it", "2023-12-31T00:00:00", DBN_EINVAL, 0},
      {"five-digit year", "10000-01-01", DBN_EINVAL, 0},
      {"slashes", "2023/12/31", DBN_EINVAL, 0},
      {"Chinese", "2023年底前", DBN_EINVAL, 0},
      {"no day", "2023-12", DBN_EINVAL, 0},
      {"empty", "", DBN_EINVAL, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t start = -7, end = -7;
    int64_t utc = -7;
    int rc = dbn_date_parse(cases[i].text, &start);
    int rc_end = dbn_date_parse_end(cases[i].text, &end);
    int rc_utc = dbn_date_parse_zone(cases[i].text, 0, &utc);
    bool ok = rc == cases[i].rc && rc_end == cases[i].rc && rc_utc == cases[i].rc;
    /* A plan's day is a Beijing day: it starts 8 hours before midnight UTC. */
    if (ok && rc == 0)
      ok = utc == cases[i].start && start == cases[i].start - 8 * 3600 && end == start + 86400 &&
           DBN_DAY_SECONDS == 86400;
    if (ok && rc != 0)
      ok = start == -7 && end == -7;
    if (!ok) {
      fprintf(stderr, "case '%s': rc %d start %lld end rc %d end %lld\n", cases[i].name, rc, (long long)start,
              rc_end, (long long)end);
      fail();
    }
  }
  int64_t t;
  assert_int_equal(dbn_date_parse(NULL, &t), DBN_EINVAL);
  assert_int_equal(dbn_date_parse_end(NULL, &t), DBN_EINVAL);
}

/* date.h promises to refuse "anything but YYYY-MM-DD". sscanf's %4d-%2d-%2d
 * skips leading blanks, takes a sign and takes one digit where two are
 * wanted, so these are not refused today (finding: date.c, not changed
 * here). */
static void
test_date_refuses_other_forms(void **state)
{
  (void)state;
  const struct {
    const char *name;
    const char *text;
  } cases[] = {
      {"leading space", " 2023-12-31"},
      {"one-digit month", "2023-1-05"},
      {"one-digit day", "2023-12-5"},
      {"signed month", "2023-+1-05"},
      {"blank in the month", "2023- 1-05"},
      {"30 February", "2023-02-30"},
      {"29 February of a common year", "2023-02-29"},
      {"31 April", "2023-04-31"},
      {"1900 is not a leap year", "1900-02-29"},
  };
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t start;
    if (dbn_date_parse(cases[i].text, &start) != DBN_EINVAL) {
      fprintf(stderr, "case '%s': '%s' accepted as %lld, wanted DBN_EINVAL\n", cases[i].name, cases[i].text,
              (long long)start);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

/* ---- scorecards ---- */

/* The tasks the scorecards count, and a task of a unit that is not in the
 * units view: counted nowhere. */
static const struct scorecard_task {
  const char *id;
  const char *unit;
  Duban__TaskState state;
  int percent;
  bool overdue;
  uint32_t reminders;
} scorecard_tasks[] = {
    {"p:1.1.1", "TRANSPORT", DUBAN__TASK_STATE__TASK_ASSIGNED, 0, false, 0},
    {"p:1.1.2", "TRANSPORT", DUBAN__TASK_STATE__TASK_IN_PROGRESS, 40, false, 1},
    {"p:1.1.3", "TRANSPORT", DUBAN__TASK_STATE__TASK_BLOCKED, 20, true, 2},
    {"p:1.1.4", "TRANSPORT", DUBAN__TASK_STATE__TASK_DONE, 100, false, 0},
    {"p:2.1.1", "ENERGY", DUBAN__TASK_STATE__TASK_CLAIMED, 10, true, 0},
    {"p:2.1.2", "ENERGY", DUBAN__TASK_STATE__TASK_SUBMITTED, 90, false, 3},
    {"p:9.9.9", "GHOST", DUBAN__TASK_STATE__TASK_DONE, 100, true, 5},
};
enum { SCORECARD_TASKS = sizeof scorecard_tasks / sizeof scorecard_tasks[0] };

/* Two on a TRANSPORT task (one resolved, one the deadline monitor's), one
 * on an ENERGY task, one on the ghost unit's task and one on a task that
 * does not exist: the last two count nowhere. */
static const struct scorecard_escalation {
  const char *task;
  Duban__EscalationState state;
  bool automatic;
} scorecard_escalations[] = {
    {"p:1.1.3", DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED, false},
    {"p:1.1.3", DUBAN__ESCALATION_STATE__ESCALATION_OPEN, true},
    {"p:2.1.2", DUBAN__ESCALATION_STATE__ESCALATION_ACKNOWLEDGED, false},
    {"p:9.9.9", DUBAN__ESCALATION_STATE__ESCALATION_OPEN, false},
    {"p:7.7.7", DUBAN__ESCALATION_STATE__ESCALATION_OPEN, false},
};
enum { SCORECARD_ESCALATIONS = sizeof scorecard_escalations / sizeof scorecard_escalations[0] };

/* What each unit's card must say, in the units' order. */
static const struct scorecard_wanted {
  const char *code, *name;
  unsigned tasks, assigned, working, blocked, submitted, done, overdue;
  double average_percent;
  unsigned escalations, reminders;
} scorecard_wanted[] = {
    {"TRANSPORT", "市交通运输局", 4, 1, 1, 1, 0, 1, 1, 40.0, 2, 3},
    {"ENERGY", "市能源局", 2, 0, 1, 0, 1, 0, 1, 50.0, 1, 3},
    {"WATER", "市水利局", 0, 0, 0, 0, 0, 0, 0, 0.0, 0, 0},
};

static void
scorecard_task_views(Duban__Task values[SCORECARD_TASKS], Duban__Task *tasks[SCORECARD_TASKS])
{
  for (size_t i = 0; i < SCORECARD_TASKS; i++) {
    values[i] = (Duban__Task)DUBAN__TASK__INIT;
    values[i].id = (char *)scorecard_tasks[i].id;
    values[i].unit = (char *)scorecard_tasks[i].unit;
    values[i].state = scorecard_tasks[i].state;
    values[i].percent = scorecard_tasks[i].percent;
    values[i].overdue = scorecard_tasks[i].overdue;
    values[i].reminders = scorecard_tasks[i].reminders;
    tasks[i] = &values[i];
  }
}

static void
scorecard_escalation_views(Duban__Escalation values[SCORECARD_ESCALATIONS],
                           Duban__Escalation *escalations[SCORECARD_ESCALATIONS])
{
  for (size_t i = 0; i < SCORECARD_ESCALATIONS; i++) {
    values[i] = (Duban__Escalation)DUBAN__ESCALATION__INIT;
    values[i].id = 100 + i;
    values[i].task = (char *)scorecard_escalations[i].task;
    values[i].state = scorecard_escalations[i].state;
    values[i].automatic = scorecard_escalations[i].automatic;
    escalations[i] = &values[i];
  }
}

/* The card of unit is the one wanted, with the strings copied (owned by
 * the card). */
static void
assert_scorecard(const dbn_scorecard_t *c, const struct scorecard_wanted *want, const Duban__Unit *unit)
{
  assert_string_equal(c->code, want->code);
  assert_string_equal(c->name, want->name);
  assert_ptr_not_equal(c->code, unit->code);
  if (c->tasks != want->tasks || c->assigned != want->assigned || c->working != want->working ||
      c->blocked != want->blocked || c->submitted != want->submitted || c->done != want->done ||
      c->overdue != want->overdue || c->average_percent != want->average_percent ||
      c->escalations != want->escalations || c->reminders != want->reminders) {
    fprintf(stderr,
            "%s: tasks %u assigned %u working %u blocked %u submitted %u done %u overdue %u avg %.2f "
            "escalations %u reminders %u\n",
            c->code, c->tasks, c->assigned, c->working, c->blocked, c->submitted, c->done, c->overdue,
            c->average_percent, c->escalations, c->reminders);
    fail();
  }
}

static void
test_scorecards(void **state)
{
  (void)state;
  Duban__Unit transport = DUBAN__UNIT__INIT, energy = DUBAN__UNIT__INIT, water = DUBAN__UNIT__INIT;
  transport.code = "TRANSPORT";
  transport.name = "市交通运输局";
  energy.code = "ENERGY";
  energy.name = "市能源局";
  water.code = "WATER";
  water.name = "市水利局"; /* owns nothing */
  Duban__Unit *units[] = {&transport, &energy, &water};
  Duban__Task task_values[SCORECARD_TASKS];
  Duban__Task *tasks[SCORECARD_TASKS];
  scorecard_task_views(task_values, tasks);
  Duban__Escalation escalation_values[SCORECARD_ESCALATIONS];
  Duban__Escalation *escalations[SCORECARD_ESCALATIONS];
  scorecard_escalation_views(escalation_values, escalations);

  dbn_scorecard_input_t in = {units, 3, tasks, SCORECARD_TASKS, escalations, SCORECARD_ESCALATIONS};
  dbn_scorecard_t *cards = NULL;
  size_t count = 0;
  assert_int_equal(dbn_scorecards(&in, &cards, &count), 0);
  assert_int_equal(count, 3);
  for (size_t u = 0; u < count; u++)
    assert_scorecard(&cards[u], &scorecard_wanted[u], units[u]);
  dbn_scorecards_free(cards, count);
}

static void
test_scorecards_of_nothing(void **state)
{
  (void)state;
  dbn_scorecard_input_t in = {NULL, 0, NULL, 0, NULL, 0};
  dbn_scorecard_t *cards = NULL;
  size_t count = 99;
  assert_int_equal(dbn_scorecards(&in, &cards, &count), 0);
  assert_int_equal(count, 0);
  dbn_scorecards_free(cards, count);
  dbn_scorecards_free(NULL, 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identity_parse),
      cmocka_unit_test(test_role_names),
      cmocka_unit_test(test_code_valid),
      cmocka_unit_test(test_date_parse),
      cmocka_unit_test(test_date_refuses_other_forms),
      cmocka_unit_test(test_scorecards),
      cmocka_unit_test(test_scorecards_of_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
