/* fixture_plan.h: the small plans the unit tests load, built in memory.
 *
 * Many cases need "a plan of one measure with an action or two, each owned
 * by a unit" before they can test anything about tasks. This builds that
 * plan in one struct the test owns, so each test says only what is
 * particular to it (ids, names, texts) and the linking of sections,
 * measures and actions lives once. Header-only: every function is static
 * inline, so a test that includes it needs nothing more at link time.
 *
 * The strings are borrowed (literals in the tests); the struct must
 * outlive every event that points into it. */
#ifndef DUBAN_FIXTURE_PLAN_H
#define DUBAN_FIXTURE_PLAN_H

#include <assert.h>
#include <stdio.h>

#include "duban.pb-c.h"

#define FIXTURE_PLAN_MAX 4 /* units and actions a fixture plan holds */

typedef struct {
  Duban__Unit units[FIXTURE_PLAN_MAX];          /* the plan's units */
  Duban__Unit *unit_ptrs[FIXTURE_PLAN_MAX];     /* plan.units points here */
  Duban__Action actions[FIXTURE_PLAN_MAX];      /* the measure's actions */
  Duban__Action *action_ptrs[FIXTURE_PLAN_MAX]; /* measure.actions points here */
  char action_ids[FIXTURE_PLAN_MAX][64];        /* "<plan>:1.1.<n>" */
  char action_numbers[FIXTURE_PLAN_MAX][8];     /* "<n>" */
  char *lead[1];                                /* the measure's lead unit */
  char *cooperating[1];                         /* its cooperating unit */
  Duban__Measure measure;                       /* the one measure, number 1 */
  Duban__Measure *measure_ptrs[1];
  Duban__Section section; /* the one section, number 1 */
  Duban__Section *section_ptrs[1];
  Duban__Plan plan;     /* the plan itself */
  Duban__LoadPlan load; /* a LoadPlan body carrying it */
} fixture_plan_t;

/* Start an empty plan: section 1 titled section_title holding measure 1
 * whose text is measure_text, led by lead_unit (lead_unit and
 * cooperating_unit may be NULL: a measure that names no unit). */
static inline void
fixture_plan_init(fixture_plan_t *f, const char *id, const char *title, const char *section_title,
                  const char *measure_text, const char *lead_unit, const char *cooperating_unit)
{
  duban__plan__init(&f->plan);
  duban__section__init(&f->section);
  duban__measure__init(&f->measure);
  duban__load_plan__init(&f->load);
  f->lead[0] = (char *)lead_unit;
  f->cooperating[0] = (char *)cooperating_unit;
  f->measure.number = "1";
  f->measure.text = (char *)measure_text;
  f->measure.n_lead = lead_unit ? 1 : 0;
  f->measure.lead = lead_unit ? f->lead : NULL;
  f->measure.n_cooperating = cooperating_unit ? 1 : 0;
  f->measure.cooperating = cooperating_unit ? f->cooperating : NULL;
  f->measure.actions = f->action_ptrs;
  f->measure_ptrs[0] = &f->measure;
  f->section.number = "1";
  f->section.title = (char *)section_title;
  f->section.n_measures = 1;
  f->section.measures = f->measure_ptrs;
  f->section_ptrs[0] = &f->section;
  f->plan.id = (char *)id;
  f->plan.title = (char *)title;
  f->plan.n_sections = 1;
  f->plan.sections = f->section_ptrs;
  f->plan.units = f->unit_ptrs;
  f->load.plan = &f->plan;
}

static inline void
fixture_plan_add_unit(fixture_plan_t *f, const char *code, const char *name)
{
  assert(f->plan.n_units < FIXTURE_PLAN_MAX);
  Duban__Unit *unit = &f->units[f->plan.n_units];
  duban__unit__init(unit);
  unit->code = (char *)code;
  unit->name = (char *)name;
  f->unit_ptrs[f->plan.n_units++] = unit;
}

/* The next action of the measure (its task id is "<plan>:1.1.<n>"),
 * returned so that a test may add milestones or targets. */
static inline Duban__Action *
fixture_plan_add_action(fixture_plan_t *f, const char *text, const char *unit)
{
  size_t i = f->measure.n_actions;
  assert(i < FIXTURE_PLAN_MAX);
  Duban__Action *action = &f->actions[i];
  duban__action__init(action);
  snprintf(f->action_ids[i], sizeof f->action_ids[i], "%s:1.1.%zu", f->plan.id, i + 1);
  snprintf(f->action_numbers[i], sizeof f->action_numbers[i], "%zu", i + 1);
  action->id = f->action_ids[i];
  action->number = f->action_numbers[i];
  action->text = (char *)text;
  action->unit = (char *)unit;
  f->action_ptrs[f->measure.n_actions++] = action;
  return action;
}

#endif
