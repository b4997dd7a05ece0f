/* import_build.c: the importer's last phase, the parsed document in, the
 * plan JSON (docs/plan-format.md, duban-plan/1) out.
 *
 * Three passes over sections → measures → actions, because each needs
 * the whole result of the one before:
 *   1. settle each measure's units: units written on its items, owners
 *      standing in for a missing lead, a measure with units but no actions
 *      read as its own action 1, a measure with no units kept as a general
 *      requirement (no tasks);
 *   2. resolve units in order of appearance (import_units.c), each
 *      action's owner, milestones (import_dates.c) and targets
 *      (import_targets.c); the latest due date becomes the plan's horizon,
 *      which the codes and undated actions then depend on;
 *   3. write the plan: header, units with their codes, sections.
 * Everything unsure goes into the report with its line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "wire.h"
#include "lang.h"

#define MAX_UNITS_PER_MEASURE 64

/* What pass 2 found for one action, written out by pass 3. */
typedef struct {
  cJSON *milestones; /* NULL once moved into the plan */
  cJSON *targets;    /* likewise */
  cJSON *facts;      /* numbers that are not targets; likewise */
  bool dated;        /* the text names a date */
  int owner;         /* index into importer->units; -1 = left out */
  int *members;      /* an owning collective expanded by the units file: one task each (owned) */
  size_t member_count;
} action_result_t;

/* A measure's units as indexes into importer->units, without repeats. */
typedef struct {
  int lead[MAX_UNITS_PER_MEASURE];
  size_t lead_count;
  int cooperating[MAX_UNITS_PER_MEASURE];
  size_t cooperating_count;
} measure_units_t;

/* The passes' shared state: results by action and by measure, in document
 * order, with a cursor for each. */
typedef struct {
  importer_t *importer;
  action_result_t *actions;
  size_t action_count, next_action;
  measure_units_t *measures;
  size_t next_measure;
  ymd_t latest;     /* the latest due date seen */
  char horizon[32]; /* the plan's horizon, YYYY-MM-DD */
  struct {
    int written, left_out, dated, with_target, inherited, facts;
  } counts; /* for the report's summary */
} build_t;

static const char *
unit_name(const importer_t *importer, int index)
{
  return importer->units[index].name;
}

static bool
index_in(const int *indexes, size_t count, int index)
{
  for (size_t i = 0; i < count; i++)
    if (indexes[i] == index)
      return true;
  return false;
}

/* ---- pass 1: each measure's units ------------------------------------------------- */

/* Units written on the items: the measure's are their union. */
static void
units_from_items(importer_t *importer, measure_t *measure)
{
  for (size_t k = 0; k < measure->action_count; k++) {
    const strvec_t *lead = &measure->actions[k].lead;
    for (size_t i = 0; i < lead->count; i++)
      if (!strvec_has(&measure->lead, lead->items[i]))
        strvec_push(importer, &measure->lead, import_strdup(importer, lead->items[i]));
  }
  for (size_t k = 0; k < measure->action_count; k++) {
    const strvec_t *cooperating = &measure->actions[k].cooperating;
    for (size_t i = 0; i < cooperating->count; i++)
      if (!strvec_has(&measure->lead, cooperating->items[i]) &&
          !strvec_has(&measure->cooperating, cooperating->items[i]))
        strvec_push(importer, &measure->cooperating, import_strdup(importer, cooperating->items[i]));
  }
}

static void
settle_measure(importer_t *importer, const section_t *section, measure_t *measure)
{
  if (measure->lead.count == 0 && measure->cooperating.count == 0)
    units_from_items(importer, measure);
  /* a measure whose actions have owners but that names no lead unit: the
   * owners answer for it */
  if (measure->lead.count == 0 && measure->action_count > 0) {
    for (size_t k = 0; k < measure->action_count; k++)
      if (measure->actions[k].owner && !strvec_has(&measure->lead, measure->actions[k].owner))
        strvec_push(importer, &measure->lead, import_strdup(importer, measure->actions[k].owner));
    if (measure->lead.count)
      import_report(
          importer, measure->line, "structure",
          dbn_tr("措施 %s.%s 没有写牵头单位：以其举措的责任单位为牵头单位",
                 "measure %s.%s names no lead unit: its lead units are taken from its actions' owners"),
          section->number, measure->number);
  }
  if (measure->lead.count > 0 && measure->action_count == 0) {
    action_t *action = import_new_action(importer, measure, 1, measure->line);
    if (action)
      cptext_append(importer, &action->text, measure->text.typed, measure->text.normalized,
                    measure->text.length);
    import_report(
        importer, measure->line, "structure",
        dbn_tr("措施 %s.%s 写了牵头单位但没有具体举措：措施本身读作举措 1",
               "measure %s.%s names lead units but no actions: the measure itself is read as action 1"),
        section->number, measure->number);
  }
  if (measure->lead.count == 0 && measure->action_count == 0)
    import_report(importer, measure->line, "general",
                  dbn_tr("措施 %s.%s 没有写单位：作为总体要求保留，不生成任务",
                         "measure %s.%s names no units: kept as a general requirement, no tasks"),
                  section->number, measure->number);
}

static void
settle_measures(importer_t *importer)
{
  for (size_t si = 0; si < importer->section_count && !importer->error; si++) {
    section_t *section = &importer->sections[si];
    for (size_t mi = 0; mi < section->measure_count && !importer->error; mi++)
      settle_measure(importer, section, &section->measures[mi]);
  }
}

/* Room for pass 2's results, counted after pass 1 made its actions. */
static bool
allocate_results(build_t *build)
{
  importer_t *importer = build->importer;
  size_t actions = 0, measures = 0;
  for (size_t si = 0; si < importer->section_count; si++) {
    measures += importer->sections[si].measure_count;
    for (size_t mi = 0; mi < importer->sections[si].measure_count; mi++)
      actions += importer->sections[si].measures[mi].action_count;
  }
  build->action_count = actions;
  build->actions = calloc(actions + 1, sizeof *build->actions);
  build->measures = calloc(measures + 1, sizeof *build->measures);
  if (!build->actions || !build->measures) {
    importer->error = DBN_ENOMEM;
    return false;
  }
  return true;
}

/* ---- pass 2: units, owners, dates, targets ------------------------------------------ */

/* Register the units of one list, without repeats. */
static size_t
resolve_list(importer_t *importer, const strvec_t *names, int line, int *out, size_t count, size_t max)
{
  for (size_t i = 0; i < names->count && count < max; i++) {
    int expanded[MAX_UNITS_PER_MEASURE];
    size_t n = import_unit_expand(importer, names->items[i], line, expanded, MAX_UNITS_PER_MEASURE);
    for (size_t k = 0; k < n && count < max; k++)
      if (!index_in(out, count, expanded[k]))
        out[count++] = expanded[k];
  }
  return count;
}

/* An owner that the units file expands into several units: the action
 * becomes one task for each (各区 does it in each district), reported. */
static int
expand_owner(importer_t *importer, const char *owner, int line, action_result_t *result)
{
  int expanded[MAX_UNITS_PER_MEASURE];
  size_t n = import_unit_expand(importer, owner, line, expanded, MAX_UNITS_PER_MEASURE);
  if (n == 0)
    return -1;
  if (n > 1) {
    result->members = malloc(n * sizeof *result->members);
    if (!result->members) {
      importer->error = DBN_ENOMEM;
      return -1;
    }
    memcpy(result->members, expanded, n * sizeof *result->members);
    result->member_count = n;
  }
  return expanded[0];
}

/* The owner of an action: its own unit, else the measure's first lead. */
static int
action_owner(importer_t *importer, const section_t *section, const measure_t *measure, const action_t *action,
             const measure_units_t *units, action_result_t *result)
{
  if (action->owner)
    return expand_owner(importer, action->owner, action->line, result);
  if (units->lead_count == 0)
    return -1;
  if (measure->lead.count == 1 && units->lead_count > 1) /* its one lead, a collective expanded */
    return expand_owner(importer, measure->lead.items[0], action->line, result);
  int owner = units->lead[0];
  if (units->lead_count > 1)
    import_report(importer, action->line, "owner",
                  dbn_tr("举措 %s.%s.%s 没有写单位：由措施的第一个牵头单位 %s 负责",
                         "action %s.%s.%s names no unit: owned by the measure's first lead unit %s"),
                  section->number, measure->number, action->number, unit_name(importer, owner));
  return owner;
}

static void
resolve_action(build_t *build, const section_t *section, const measure_t *measure, const action_t *action,
               const measure_units_t *units, action_result_t *result)
{
  importer_t *importer = build->importer;
  int owner = action_owner(importer, section, measure, action, units, result);
  result->owner = owner;
  if (owner < 0) {
    build->counts.left_out++;
    import_report(importer, action->line, "structure",
                  dbn_tr("举措 %s.%s.%s 没有责任单位：略去", "action %s.%s.%s has no owning unit: left out"),
                  section->number, measure->number, action->number);
    return;
  }
  if (!index_in(units->lead, units->lead_count, owner) &&
      !index_in(units->cooperating, units->cooperating_count, owner))
    import_report(importer, action->line, "owner",
                  dbn_tr("举措 %s.%s.%s 的责任单位 %s 不在措施 %s.%s 的单位之中",
                         "the owner of action %s.%s.%s, %s, is not among measure %s.%s's units"),
                  section->number, measure->number, action->number, unit_name(importer, owner),
                  section->number, measure->number);
  result->milestones =
      import_milestones(importer, &action->text, action->line, &build->latest, &result->dated);
  result->targets = import_targets(importer, &action->text, action->line, &result->facts);
}

/* Units in order of appearance; owners checked against their measure. */
static void
resolve_actions(build_t *build)
{
  importer_t *importer = build->importer;
  for (size_t si = 0; si < importer->section_count && !importer->error; si++) {
    const section_t *section = &importer->sections[si];
    for (size_t mi = 0; mi < section->measure_count && !importer->error; mi++) {
      const measure_t *measure = &section->measures[mi];
      measure_units_t *units = &build->measures[build->next_measure++];
      units->lead_count =
          resolve_list(importer, &measure->lead, measure->line, units->lead, 0, MAX_UNITS_PER_MEASURE);
      units->cooperating_count = resolve_list(importer, &measure->cooperating, measure->line,
                                              units->cooperating, 0, MAX_UNITS_PER_MEASURE);
      for (size_t k = 0; k < measure->action_count && !importer->error; k++)
        resolve_action(build, section, measure, &measure->actions[k], units,
                       &build->actions[build->next_action++]);
    }
  }
}

/* ---- pass 3: the plan JSON ------------------------------------------------------------- */

static cJSON *
names_json(importer_t *importer, const int *indexes, size_t count)
{
  cJSON *names = cJSON_CreateArray();
  if (!names) {
    importer->error = DBN_ENOMEM;
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    cJSON *name = cJSON_CreateString(unit_name(importer, indexes[i]));
    if (!name) {
      importer->error = DBN_ENOMEM;
      break;
    }
    cJSON_AddItemToArray(names, name);
  }
  return names;
}

static void
header_json(build_t *build, cJSON *plan)
{
  importer_t *importer = build->importer;
  char issued[32];
  cJSON_AddStringToObject(plan, "format", "duban-plan/1");
  cJSON_AddStringToObject(plan, "id", importer->plan_id ? importer->plan_id : "");
  cJSON_AddStringToObject(plan, "document", importer->document ? importer->document : "");
  cJSON_AddStringToObject(plan, "title", importer->title ? importer->title : "");
  ymd_format(issued, sizeof issued, importer->issued);
  cJSON_AddStringToObject(plan, "issued", issued);
  cJSON_AddStringToObject(plan, "horizon", build->horizon);
  cJSON *units = cJSON_AddArrayToObject(plan, "units");
  for (size_t i = 0; units && i < importer->unit_count && !importer->error; i++) {
    const unit_t *unit = &importer->units[i];
    cJSON *unit_json = cJSON_CreateObject();
    cJSON_AddItemToArray(units, unit_json);
    cJSON_AddStringToObject(unit_json, "code", unit->code ? unit->code : "");
    cJSON_AddStringToObject(unit_json, "name", unit->name);
    cJSON *aliases = cJSON_AddArrayToObject(unit_json, "aliases");
    for (size_t k = 0; aliases && k < unit->aliases.count; k++)
      cJSON_AddItemToArray(aliases, cJSON_CreateString(unit->aliases.items[k]));
  }
}

/* An action that names no date inherits the horizon given with --horizon
 * (without one it gets no due date). */
static void
add_inherited_milestone(build_t *build, cJSON *milestones, const section_t *section, const measure_t *measure,
                        const action_t *action)
{
  cJSON *inherited = cJSON_CreateObject();
  cJSON_AddStringToObject(inherited, "due", build->horizon);
  cJSON_AddStringToObject(inherited, "text", "");
  cJSON_AddBoolToObject(inherited, "inherited", 1);
  cJSON_AddItemToArray(milestones, inherited);
  build->counts.inherited++;
  import_report(build->importer, action->line, "inherited",
                dbn_tr("举措 %s.%s.%s 没有写日期：继承计划的期限 %s",
                       "action %s.%s.%s names no date: it inherits the plan's horizon %s"),
                section->number, measure->number, action->number, build->horizon);
}

/* One task of an action, owned by owner, numbered number (the action's
 * own, or a new one for a further unit of an expanded collective). Takes
 * the result's milestones and targets (and facts, when there are any). */
static void
write_action(build_t *build, cJSON *actions, const section_t *section, const measure_t *measure,
             const action_t *action, action_result_t *result, int owner, const char *number)
{
  importer_t *importer = build->importer;
  cJSON *action_object = cJSON_CreateObject();
  cJSON_AddItemToArray(actions, action_object);
  char id[DBN_MAX_ID * 2];
  snprintf(id, sizeof id, "%s:%s.%s.%s", importer->plan_id, section->number, measure->number, number);
  if (strlen(id) > DBN_MAX_ID)
    import_report(importer, action->line, "limit",
                  dbn_tr("任务编号 %s 超过 %d 字节", "task id %s is longer than %d bytes"), id, DBN_MAX_ID);
  cJSON_AddStringToObject(action_object, "id", id);
  cJSON_AddStringToObject(action_object, "number", number);
  char *text = import_encode_limited(importer, action->text.typed, 0, action->text.length, action->line,
                                     dbn_tr("举措的文字", "an action's text"));
  cJSON_AddStringToObject(action_object, "text", text ? text : "");
  free(text);
  cJSON_AddStringToObject(action_object, "unit", unit_name(importer, owner));
  cJSON *milestones = result->milestones;
  result->milestones = NULL;
  const uint32_t *normalized = action->text.normalized;
  if (milestones && !result->dated) {
    const char *ongoing = import_ongoing_phrase(normalized, 0, action->text.length);
    if (ongoing)
      import_report(importer, action->line, "deadline",
                    dbn_tr("举措 %s.%s.%s 没有写日期，属于长期工作（%s）：不设期限",
                           "action %s.%s.%s names no date and is ongoing (%s): no due date"),
                    section->number, measure->number, action->number, ongoing);
    else if (importer->options && importer->options->horizon)
      add_inherited_milestone(build, milestones, section, measure, action);
    else
      import_report(
          importer, action->line, "deadline",
          dbn_tr("举措 %s.%s.%s 没有写日期：不设期限（不凭空设定；用 --horizon 日期 "
                 "可给没有日期的举措设定该期限，"
                 "并标为继承）",
                 "action %s.%s.%s names no date: no due date (none is invented; --horizon DATE gives "
                 "undated actions that date, marked inherited)"),
          section->number, measure->number, action->number);
  }
  const char *cycle = import_report_cycle(normalized, 0, action->text.length);
  if (cycle)
    cJSON_AddStringToObject(action_object, "report_cycle", cycle);
  cJSON_AddItemToObject(action_object, "milestones", milestones ? milestones : cJSON_CreateArray());
  cJSON_AddItemToObject(action_object, "targets", result->targets ? result->targets : cJSON_CreateArray());
  result->targets = NULL;
  build->counts.written++;
  build->counts.dated += result->dated;
  build->counts.with_target +=
      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(action_object, "targets")) > 0;
  build->counts.facts += result->facts ? cJSON_GetArraySize(result->facts) : 0;
  if (result->facts && cJSON_GetArraySize(result->facts) > 0) {
    cJSON_AddItemToObject(action_object, "facts", result->facts);
    result->facts = NULL;
  }
  cJSON_AddNumberToObject(action_object, "source_line", action->line);
}

static cJSON *
duplicate(importer_t *importer, const cJSON *item)
{
  cJSON *copy = item ? cJSON_Duplicate(item, 1) : NULL;
  if (item && !copy)
    importer->error = DBN_ENOMEM;
  return copy;
}

/* An action owned by a collective that the units file expands: one task
 * for each member, the first under the action's number, the others under
 * the measure's next free numbers (*next), as a plan change would number
 * them; the dates and targets copied; reported with each task's number. */
static void
expanded_action_json(build_t *build, cJSON *actions, const section_t *section, const measure_t *measure,
                     const action_t *action, action_result_t *result, long *next)
{
  importer_t *importer = build->importer;
  char list[1024] = "";
  size_t used = 0;
  for (size_t k = 0; k < result->member_count && !importer->error; k++) {
    bool last = k + 1 == result->member_count;
    action_result_t copy = *result;
    if (!last) {
      copy.milestones = duplicate(importer, result->milestones);
      copy.targets = duplicate(importer, result->targets);
      copy.facts = duplicate(importer, result->facts);
    }
    char number[32];
    if (k == 0)
      snprintf(number, sizeof number, "%s", action->number);
    else
      snprintf(number, sizeof number, "%ld", (*next)++);
    write_action(build, actions, section, measure, action, &copy, result->members[k], number);
    cJSON_Delete(copy.milestones);
    cJSON_Delete(copy.targets);
    cJSON_Delete(copy.facts);
    if (last)
      result->milestones = result->targets = result->facts = NULL;
    int wrote = snprintf(list + used, sizeof list - used, "%s%s.%s.%s %s", k ? "、" : "", section->number,
                         measure->number, number, unit_name(importer, result->members[k]));
    used = wrote > 0 && (size_t)wrote < sizeof list - used ? used + (size_t)wrote : used;
  }
  import_report(importer, action->line, "collective",
                "任务 %s.%s.%s 由集体单位 %s 承担：按单位文件拆成 %zu 项任务，每个单位一项：%s",
                section->number, measure->number, action->number,
                action->owner ? action->owner : measure->lead.items[0], result->member_count, list);
}

static void
action_json(build_t *build, cJSON *actions, const section_t *section, const measure_t *measure,
            const action_t *action, action_result_t *result, long *next)
{
  if (result->owner < 0)
    return;
  if (result->member_count > 1)
    expanded_action_json(build, actions, section, measure, action, result, next);
  else
    write_action(build, actions, section, measure, action, result, result->owner, action->number);
}

/* The number after the measure's highest action number. */
static long
next_action_number(const measure_t *measure)
{
  long highest = 0;
  for (size_t k = 0; k < measure->action_count; k++) {
    long number = strtol(measure->actions[k].number, NULL, 10);
    highest = number > highest ? number : highest;
  }
  return highest + 1;
}

static void
measure_json(build_t *build, cJSON *measures, const section_t *section, const measure_t *measure)
{
  importer_t *importer = build->importer;
  const measure_units_t *units = &build->measures[build->next_measure++];
  cJSON *measure_object = cJSON_CreateObject();
  cJSON_AddItemToArray(measures, measure_object);
  cJSON_AddStringToObject(measure_object, "number", measure->number);
  char *text = import_encode_limited(importer, measure->text.typed, 0, measure->text.length, measure->line,
                                     dbn_tr("措施的文字", "a measure's text"));
  cJSON_AddStringToObject(measure_object, "text", text ? text : "");
  free(text);
  cJSON_AddItemToObject(measure_object, "lead", names_json(importer, units->lead, units->lead_count));
  cJSON_AddItemToObject(measure_object, "cooperating",
                        names_json(importer, units->cooperating, units->cooperating_count));
  cJSON_AddNumberToObject(measure_object, "source_line", measure->line);
  cJSON *actions = cJSON_AddArrayToObject(measure_object, "actions");
  long next = next_action_number(measure);
  for (size_t k = 0; k < measure->action_count && !importer->error; k++)
    action_json(build, actions, section, measure, &measure->actions[k], &build->actions[build->next_action++],
                &next);
}

static void
sections_json(build_t *build, cJSON *sections)
{
  importer_t *importer = build->importer;
  build->next_action = build->next_measure = 0;
  for (size_t si = 0; si < importer->section_count && !importer->error; si++) {
    const section_t *section = &importer->sections[si];
    cJSON *section_object = cJSON_CreateObject();
    cJSON_AddItemToArray(sections, section_object);
    cJSON_AddStringToObject(section_object, "number", section->number);
    cJSON_AddStringToObject(section_object, "title", section->title ? section->title : "");
    cJSON *measures = cJSON_AddArrayToObject(section_object, "measures");
    for (size_t mi = 0; mi < section->measure_count && !importer->error; mi++)
      measure_json(build, measures, section, &section->measures[mi]);
  }
}

/* ---- the passes in order --------------------------------------------------------------- */

/* The first year the document names (2020年), 1990-2100, or 0. */
static int
first_year_named(const importer_t *importer)
{
  const uint32_t *normalized = importer->normalized;
  for (size_t i = 0; i + 5 <= importer->length; i++) {
    if (i > 0 && cp_is_digit(normalized[i - 1]))
      continue;
    int year = 0;
    size_t k = i;
    while (k < i + 4 && cp_is_digit(normalized[k]))
      year = year * 10 + (int)(normalized[k++] - '0');
    if (k == i + 4 && normalized[k] == 0x5e74 && year >= 1990 && year <= 2100) /* 年 */
      return year;
  }
  return 0;
}

/* Without an issuing date, issued is the start of the first deadline's
 * year, else of the first year the document names; the horizon is the
 * latest deadline, else the issuing date. */
static void
settle_dates(build_t *build)
{
  importer_t *importer = build->importer;
  if (!importer->have_issued && !importer->error) {
    int named = first_year_named(importer);
    if (build->latest.year) {
      import_report(
          importer, 0, "header",
          dbn_tr("没有找到印发日期：印发日期取第一个期限所在年份的 1 月 1 日",
                 "no issuing date found: issued is taken as the start of the first deadline's year"));
      importer->issued = (ymd_t){build->latest.year, 1, 1};
    } else if (named) {
      import_report(importer, 0, "header",
                    "没有印发日期，也没有期限：印发日期取文中第一个年份 %d 年的 1 月 1 日", named);
      importer->issued = (ymd_t){named, 1, 1};
    } else {
      import_report(importer, 0, "header", "没有印发日期、期限和年份：印发日期记为 1970-01-01");
      importer->issued = (ymd_t){1970, 1, 1};
    }
  }
  importer->horizon = build->latest.year ? build->latest : importer->issued;
  if (importer->options && importer->options->horizon)
    import_parse_iso_date(importer->options->horizon, &importer->horizon);
  ymd_format(build->horizon, sizeof build->horizon, importer->horizon);
}

/* The report's last entry: what was found, in numbers a person checks
 * against the document. */
static void
report_summary(build_t *build)
{
  importer_t *importer = build->importer;
  int collectives = 0;
  for (size_t i = 0; i < importer->unit_count; i++)
    collectives += strncmp(importer->units[i].name, "各", strlen("各")) == 0;
  /* collectives the units file expanded are no units of the plan any more */
  char expanded[64] = "";
  if (importer->expanded.count)
    snprintf(expanded, sizeof expanded, "，按单位文件展开集体单位 %zu 个", importer->expanded.count);
  import_report(
      importer, 0, "summary",
      "汇总：任务 %d 项（有责任单位 %d 项，读不出责任单位而略去 %d 项），写明日期 %d 项，有目标 %d 项，"
      "继承期限 %d 项，记为事实的数字 %d 个，单位 %zu 个（其中集体单位 %d 个）%s",
      build->counts.written + build->counts.left_out, build->counts.written, build->counts.left_out,
      build->counts.dated, build->counts.with_target, build->counts.inherited, build->counts.facts,
      importer->unit_count, collectives, expanded);
}

static void
build_free(build_t *build)
{
  for (size_t i = 0; build->actions && i < build->action_count; i++) {
    cJSON_Delete(build->actions[i].milestones);
    cJSON_Delete(build->actions[i].targets);
    cJSON_Delete(build->actions[i].facts);
    free(build->actions[i].members);
  }
  free(build->actions);
  free(build->measures);
}

cJSON *
import_build_plan(importer_t *importer)
{
  build_t build = {.importer = importer};
  cJSON *plan = cJSON_CreateObject();
  cJSON *sections = cJSON_CreateArray();
  if (!plan || !sections) {
    cJSON_Delete(plan);
    cJSON_Delete(sections);
    importer->error = DBN_ENOMEM;
    return NULL;
  }
  if (importer->have_issued)
    build.latest = (ymd_t){importer->issued.year, 12, 31};
  settle_measures(importer);
  if (allocate_results(&build))
    resolve_actions(&build);
  settle_dates(&build);
  import_assign_codes(importer);
  header_json(&build, plan);
  cJSON_AddItemToObject(plan, "sections", sections);
  sections_json(&build, sections);
  if (!importer->error)
    report_summary(&build);
  build_free(&build);
  return plan;
}
