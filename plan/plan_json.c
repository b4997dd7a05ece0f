/* plan_json.c: see plan_json.h.
 *
 * from_json reads in two passes: units first (so that every later
 * reference can be resolved and refused if unknown), then sections. Every
 * string is copied with malloc, so dbn_plan_free() frees exactly what this
 * file allocated and nothing that protobuf-c's init left pointing at its
 * static empty string. to_json writes the same shape back, naming units
 * by their canonical names. */
#include "plan_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "lang.h"
#include "text.h"
#include "wire.h"

typedef struct {
  char *why;
  size_t why_len;
  const Duban__Plan *plan; /* for unit lookups while sections are read */
} ctx_t;

static int fail(ctx_t *ctx, int err, const char *format, ...) __attribute__((format(printf, 3, 4)));

static int
fail(ctx_t *ctx, int err, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  vsnprintf(ctx->why, ctx->why_len, format, args);
  va_end(args);
  return err;
}

/* ---- reading fields ---------------------------------------------------------------- */

/* A copy of the string at object[key] into *out, checked: present (unless
 * optional, then ""), valid UTF-8 without controls, at most max bytes. */
static int
get_string(ctx_t *ctx, const cJSON *object, const char *key, const char *place, bool required, size_t max,
           char **out)
{
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, key);
  const char *text = "";
  if (value == NULL || cJSON_IsNull(value)) {
    if (required)
      return fail(ctx, DBN_EINVAL, dbn_tr("%s：缺少 \"%s\"", "%s: \"%s\" is missing"), place, key);
  } else if (!cJSON_IsString(value) || !value->valuestring) {
    return fail(ctx, DBN_EINVAL, dbn_tr("%s.%s：须为字符串", "%s.%s: must be a string"), place, key);
  } else {
    text = value->valuestring;
  }
  size_t len = strlen(text);
  if (len > max)
    return fail(ctx, DBN_ETOOBIG,
                dbn_tr("%s.%s：%zu 字节，超过上限 %zu", "%s.%s: %zu bytes, more than the %zu allowed"), place,
                key, len, max);
  if (!dbn_text_valid(text, len))
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s.%s：不是有效的 UTF-8 文本（或含控制字符）",
                       "%s.%s: not valid UTF-8 text (or holds control characters)"),
                place, key);
  *out = strdup(text);
  if (!*out)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  return 0;
}

/* YYYY-MM-DD with a year 1900..2200 and a day that exists. Not
 * domain/date.h's dbn_date_parse: that one takes years from 1970 and any
 * day up to 31 (it rolls 02-30 over into March), and a plan's dates must
 * name real days. */
static bool
valid_date(const char *text)
{
  if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
      return false;
  int year = atoi(text), month = atoi(text + 5), day = atoi(text + 8);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1)
    return false;
  int days_in_month =
      days[month - 1] + (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0));
  return day <= days_in_month;
}

static int
get_date(ctx_t *ctx, const cJSON *object, const char *key, const char *place, char **out)
{
  int rc = get_string(ctx, object, key, place, true, DBN_MAX_ID, out);
  if (rc)
    return rc;
  if (!valid_date(*out))
    return fail(
        ctx, DBN_EINVAL,
        dbn_tr("%s.%s：\"%.40s\" 不是日期（YYYY-MM-DD）", "%s.%s: \"%.40s\" is not a date (YYYY-MM-DD)"),
        place, key, *out);
  return 0;
}

static int
get_number_string(ctx_t *ctx, const cJSON *object, const char *place, char **out)
{
  int rc = get_string(ctx, object, "number", place, true, 9, out);
  if (rc)
    return rc == DBN_ETOOBIG ? fail(ctx, DBN_EINVAL,
                                    dbn_tr("%s.number：至多 9 位数字", "%s.number: at most 9 digits"), place)
                             : rc;
  if (!(*out)[0])
    return fail(ctx, DBN_EINVAL, dbn_tr("%s.number：为空", "%s.number: empty"), place);
  for (const char *p = *out; *p; p++)
    if (*p < '0' || *p > '9')
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.number：\"%s\" 不是十进制数", "%s.number: \"%s\" is not a decimal number"),
                  place, *out);
  return 0;
}

static int
get_line(ctx_t *ctx, const cJSON *object, const char *place, uint32_t *out)
{
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, "source_line");
  *out = 0;
  if (!value)
    return 0;
  if (!cJSON_IsNumber(value) || value->valuedouble < 0 || value->valuedouble > 4294967295.0 ||
      value->valuedouble != floor(value->valuedouble))
    return fail(ctx, DBN_EINVAL, dbn_tr("%s.source_line：须为整数", "%s.source_line: must be a whole number"),
                place);
  *out = (uint32_t)value->valuedouble;
  return 0;
}

/* An array member that may be absent (then empty) but not of another type. */
static int
get_array(ctx_t *ctx, const cJSON *object, const char *key, const char *place, bool required,
          const cJSON **out)
{
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, key);
  if (!value && !required) {
    *out = NULL;
    return 0;
  }
  if (!cJSON_IsArray(value))
    return fail(ctx, DBN_EINVAL, dbn_tr("%s：\"%s\" 须为数组", "%s: \"%s\" must be an array"), place, key);
  *out = value;
  return 0;
}

static void *
alloc_array(size_t count, size_t element_size)
{
  return calloc(count ? count : 1, element_size);
}

static size_t
array_size(const cJSON *array)
{
  return array ? (size_t)cJSON_GetArraySize(array) : 0;
}

/* ---- units ---------------------------------------------------------------------------- */

static const Duban__Unit *
find_unit(const Duban__Plan *plan, const char *ref)
{
  for (size_t i = 0; i < plan->n_units; i++)
    if (strcmp(plan->units[i]->code, ref) == 0)
      return plan->units[i];
  for (size_t i = 0; i < plan->n_units; i++)
    if (strcmp(plan->units[i]->name, ref) == 0)
      return plan->units[i];
  for (size_t i = 0; i < plan->n_units; i++)
    for (size_t k = 0; k < plan->units[i]->n_aliases; k++)
      if (strcmp(plan->units[i]->aliases[k], ref) == 0)
        return plan->units[i];
  return NULL;
}

int
dbn_plan_unit_resolve(const Duban__Plan *plan, const char *name_alias_or_code, const char **code_p)
{
  if (!plan || !name_alias_or_code || !code_p)
    return DBN_EINVAL;
  const Duban__Unit *unit = find_unit(plan, name_alias_or_code);
  if (!unit)
    return DBN_ENOTFOUND;
  *code_p = unit->code;
  return 0;
}

/* A unit reference (name, alias or code) → a copy of the unit's code. */
static int
resolve(ctx_t *ctx, const cJSON *ref, const char *place, char **out)
{
  if (!cJSON_IsString(ref) || !ref->valuestring)
    return fail(ctx, DBN_EINVAL, dbn_tr("%s：单位须用字符串指明", "%s: a unit must be named by a string"),
                place);
  const Duban__Unit *unit = find_unit(ctx->plan, ref->valuestring);
  if (!unit)
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s：未知单位 \"%.200s\"（不是 \"units\" 中的名称、别名或代码）",
                       "%s: unknown unit \"%.200s\" (not a name, alias or code in \"units\")"),
                place, ref->valuestring);
  *out = strdup(unit->code);
  return *out ? 0 : fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
}

static int
unit_list(ctx_t *ctx, const cJSON *object, const char *key, const char *place, char ***out, size_t *count_out)
{
  const cJSON *array;
  int rc = get_array(ctx, object, key, place, false, &array);
  if (rc || !array)
    return rc;
  *out = alloc_array(array_size(array), sizeof **out);
  if (!*out)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *ref;
  char sub[256];
  cJSON_ArrayForEach(ref, array)
  {
    snprintf(sub, sizeof sub, "%s.%s[%zu]", place, key, *count_out);
    if ((rc = resolve(ctx, ref, sub, &(*out)[*count_out])) != 0)
      return rc;
    for (size_t k = 0; k < *count_out; k++)
      if (strcmp((*out)[k], (*out)[*count_out]) == 0) {
        free((*out)[*count_out]);
        (*out)[*count_out] = NULL;
        return fail(ctx, DBN_EINVAL, dbn_tr("%s：单位 %s 写了两次", "%s: unit %s is named twice"), sub,
                    ref->valuestring);
      }
    (*count_out)++;
  }
  return 0;
}

static bool
valid_code_chars(const char *code)
{
  for (const char *p = code; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
          *p == '_'))
      return false;
  return true;
}

static int
read_aliases(ctx_t *ctx, const cJSON *entry, const char *place, Duban__Unit *unit)
{
  const cJSON *aliases = NULL;
  int rc = get_array(ctx, entry, "aliases", place, false, &aliases);
  if (rc)
    return rc;
  unit->aliases = alloc_array(array_size(aliases), sizeof *unit->aliases);
  if (!unit->aliases)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *alias;
  cJSON_ArrayForEach(alias, aliases)
  {
    if (!cJSON_IsString(alias) || !alias->valuestring[0])
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.aliases[%zu]：须为非空字符串", "%s.aliases[%zu]: must be a non-empty string"),
                  place, unit->n_aliases);
    size_t len = strlen(alias->valuestring);
    if (len > DBN_MAX_TEXT || !dbn_text_valid(alias->valuestring, len))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.aliases[%zu]：文字无效或太长", "%s.aliases[%zu]: not valid text or too long"),
                  place, unit->n_aliases);
    unit->aliases[unit->n_aliases] = strdup(alias->valuestring);
    if (!unit->aliases[unit->n_aliases])
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    unit->n_aliases++;
  }
  return 0;
}

static int
read_unit(ctx_t *ctx, const cJSON *entry, const char *place, Duban__Unit *unit)
{
  int rc;
  if ((rc = get_string(ctx, entry, "code", place, true, DBN_MAX_ID, &unit->code)) != 0)
    return rc;
  if ((rc = get_string(ctx, entry, "name", place, true, DBN_MAX_TEXT, &unit->name)) != 0)
    return rc;
  if (!unit->code[0] || !unit->name[0])
    return fail(ctx, DBN_EINVAL, dbn_tr("%s：code 和 name 不能为空", "%s: code and name must not be empty"),
                place);
  if (!valid_code_chars(unit->code))
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s.code：\"%s\" 只能由 ASCII 字母、数字、'-' 或 '_' 组成",
                       "%s.code: \"%s\" must be ASCII letters, digits, '-' or '_'"),
                place, unit->code);
  return read_aliases(ctx, entry, place, unit);
}

/* Every code, name and alias must point at one unit only, or a reference
 * would silently pick one of two departments. */
static int
check_units_distinct(ctx_t *ctx, const Duban__Plan *plan)
{
  for (size_t i = 0; i < plan->n_units; i++) {
    const Duban__Unit *unit = plan->units[i];
    for (size_t j = 0; j < i; j++) {
      const Duban__Unit *other = plan->units[j];
      if (strcmp(unit->code, other->code) == 0)
        return fail(ctx, DBN_EINVAL,
                    dbn_tr("units[%zu].code：%s 也是 units[%zu] 的代码",
                           "units[%zu].code: %s is also the code of units[%zu]"),
                    i, unit->code, j);
      if (strcmp(unit->name, other->name) == 0)
        return fail(ctx, DBN_EINVAL,
                    dbn_tr("units[%zu].name：%s 也是 units[%zu] 的名称",
                           "units[%zu].name: %s is also the name of units[%zu]"),
                    i, unit->name, j);
    }
    for (size_t j = 0; j < plan->n_units; j++) {
      const Duban__Unit *other = plan->units[j];
      for (size_t k = 0; k < unit->n_aliases; k++) {
        const char *alias = unit->aliases[k];
        if (j != i && (strcmp(alias, other->name) == 0 || strcmp(alias, other->code) == 0))
          return fail(
              ctx, DBN_EINVAL,
              dbn_tr("units[%zu].aliases：%s 也指 units[%zu]", "units[%zu].aliases: %s names units[%zu] too"),
              i, alias, j);
        for (size_t l = 0; j < i && l < other->n_aliases; l++)
          if (strcmp(alias, other->aliases[l]) == 0)
            return fail(ctx, DBN_EINVAL,
                        dbn_tr("units[%zu].aliases：%s 也是 units[%zu] 的别名",
                               "units[%zu].aliases: %s is also an alias of units[%zu]"),
                        i, alias, j);
      }
    }
  }
  return 0;
}

static int
read_units(ctx_t *ctx, const cJSON *json, Duban__Plan *plan)
{
  const cJSON *array = NULL;
  int rc = get_array(ctx, json, "units", "plan", true, &array);
  if (rc)
    return rc;
  plan->units = alloc_array(array_size(array), sizeof *plan->units);
  if (!plan->units)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *entry;
  char place[64];
  cJSON_ArrayForEach(entry, array)
  {
    snprintf(place, sizeof place, "units[%zu]", plan->n_units);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s：须为对象 {\"code\", \"name\", \"aliases\"}",
                         "%s: must be an object {\"code\", \"name\", \"aliases\"}"),
                  place);
    Duban__Unit *unit = malloc(sizeof *unit);
    if (!unit)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__unit__init(unit);
    plan->units[plan->n_units++] = unit;
    if ((rc = read_unit(ctx, entry, place, unit)) != 0)
      return rc;
  }
  return check_units_distinct(ctx, plan);
}

/* ---- sections, measures, actions ------------------------------------------------------ */

static int
read_milestones(ctx_t *ctx, const cJSON *object, const char *place, Duban__Action *action)
{
  const cJSON *array = NULL, *entry = NULL;
  int rc = get_array(ctx, object, "milestones", place, false, &array);
  if (rc)
    return rc;
  action->milestones = alloc_array(array_size(array), sizeof *action->milestones);
  if (!action->milestones)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  char sub[256];
  cJSON_ArrayForEach(entry, array)
  {
    snprintf(sub, sizeof sub, "%s.milestones[%zu]", place, action->n_milestones);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s：须为对象 {\"due\", \"text\", \"inherited\"}",
                         "%s: must be an object {\"due\", \"text\", \"inherited\"}"),
                  sub);
    Duban__Milestone *milestone = malloc(sizeof *milestone);
    if (!milestone)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__milestone__init(milestone);
    action->milestones[action->n_milestones++] = milestone;
    if ((rc = get_date(ctx, entry, "due", sub, &milestone->due)) != 0)
      return rc;
    if ((rc = get_string(ctx, entry, "text", sub, false, DBN_MAX_TEXT, &milestone->text)) != 0)
      return rc;
    const cJSON *inherited = cJSON_GetObjectItemCaseSensitive(entry, "inherited");
    if (inherited && !cJSON_IsBool(inherited))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.inherited：须为 true 或 false", "%s.inherited: must be true or false"), sub);
    milestone->inherited = cJSON_IsTrue(inherited);
  }
  return 0;
}

static int
read_targets(ctx_t *ctx, const cJSON *object, const char *place, Duban__Action *action)
{
  const cJSON *array = NULL, *entry = NULL;
  int rc = get_array(ctx, object, "targets", place, false, &array);
  if (rc)
    return rc;
  action->targets = alloc_array(array_size(array), sizeof *action->targets);
  if (!action->targets)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  char sub[256];
  cJSON_ArrayForEach(entry, array)
  {
    snprintf(sub, sizeof sub, "%s.targets[%zu]", place, action->n_targets);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s：须为对象 {\"value\", \"unit_of_measure\", \"what\"}",
                         "%s: must be an object {\"value\", \"unit_of_measure\", \"what\"}"),
                  sub);
    Duban__Target *target = malloc(sizeof *target);
    if (!target)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__target__init(target);
    action->targets[action->n_targets++] = target;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(entry, "value");
    if (!cJSON_IsNumber(value) || !isfinite(value->valuedouble) ||
        fabs(value->valuedouble) > DBN_MAX_FIGURE_VALUE)
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.value：须为不超过 %g 的数", "%s.value: must be a number of at most %g"), sub,
                  DBN_MAX_FIGURE_VALUE);
    target->value = value->valuedouble;
    if ((rc = get_string(ctx, entry, "unit_of_measure", sub, false, DBN_MAX_TEXT,
                         &target->unit_of_measure)) != 0)
      return rc;
    if ((rc = get_string(ctx, entry, "what", sub, false, DBN_MAX_TEXT, &target->what)) != 0)
      return rc;
  }
  return 0;
}

/* "facts": numbers of the text that are not targets (optional). */
static int
read_facts(ctx_t *ctx, const cJSON *object, const char *place, Duban__Action *action)
{
  const cJSON *array = NULL, *entry = NULL;
  int rc = get_array(ctx, object, "facts", place, false, &array);
  if (rc)
    return rc;
  action->facts = alloc_array(array_size(array), sizeof *action->facts);
  if (!action->facts)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  char sub[256];
  cJSON_ArrayForEach(entry, array)
  {
    snprintf(sub, sizeof sub, "%s.facts[%zu]", place, action->n_facts);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s：须为对象 {\"value\", \"unit_of_measure\", \"what\", \"kind\"}",
                         "%s: must be an object {\"value\", \"unit_of_measure\", \"what\", \"kind\"}"),
                  sub);
    Duban__PlanFact *fact = malloc(sizeof *fact);
    if (!fact)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__plan_fact__init(fact);
    action->facts[action->n_facts++] = fact;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(entry, "value");
    if (!cJSON_IsNumber(value) || !isfinite(value->valuedouble) ||
        fabs(value->valuedouble) > DBN_MAX_FIGURE_VALUE)
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.value：须为不超过 %g 的数", "%s.value: must be a number of at most %g"), sub,
                  DBN_MAX_FIGURE_VALUE);
    fact->value = value->valuedouble;
    if ((rc = get_string(ctx, entry, "unit_of_measure", sub, false, DBN_MAX_TEXT, &fact->unit_of_measure)) ||
        (rc = get_string(ctx, entry, "what", sub, false, DBN_MAX_TEXT, &fact->what)) ||
        (rc = get_string(ctx, entry, "kind", sub, false, 16, &fact->kind)) ||
        (rc = get_string(ctx, entry, "text", sub, false, DBN_MAX_TEXT, &fact->text)))
      return rc;
    if (fact->kind[0] && strcmp(fact->kind, "funding") != 0 && strcmp(fact->kind, "limit") != 0 &&
        strcmp(fact->kind, "existing") != 0)
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.kind：\"%s\" 不是 funding、limit、existing 之一",
                         "%s.kind: \"%s\" is none of funding, limit, existing"),
                  sub, fact->kind);
  }
  return 0;
}

/* The numbers an action's id is made of: <plan>:<section>.<measure>. */
typedef struct {
  const char *plan_id;
  const char *section;
  const char *measure;
} action_place_t;

static int
read_action(ctx_t *ctx, const cJSON *object, const char *place, const action_place_t *numbers,
            Duban__Action *action)
{
  int rc;
  if (!cJSON_IsObject(object))
    return fail(ctx, DBN_EINVAL, dbn_tr("%s：须为对象", "%s: must be an object"), place);
  if ((rc = get_string(ctx, object, "id", place, true, DBN_MAX_ID, &action->id)) != 0)
    return rc;
  if ((rc = get_number_string(ctx, object, place, &action->number)) != 0)
    return rc;
  char want[3 * DBN_MAX_ID];
  snprintf(want, sizeof want, "%s:%s.%s.%s", numbers->plan_id, numbers->section, numbers->measure,
           action->number);
  if (strcmp(action->id, want) != 0)
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s.id：\"%s\" 应为 \"%s\"（<计划>:<部分>.<措施>.<举措>）",
                       "%s.id: \"%s\" should be \"%s\" (<plan>:<section>.<measure>.<action>)"),
                place, action->id, want);
  if ((rc = get_string(ctx, object, "text", place, true, DBN_MAX_TEXT, &action->text)) != 0)
    return rc;
  char sub[256];
  snprintf(sub, sizeof sub, "%s.unit", place);
  const cJSON *unit = cJSON_GetObjectItemCaseSensitive(object, "unit");
  if (!unit)
    return fail(ctx, DBN_EINVAL, dbn_tr("%s：缺少 \"unit\"", "%s: \"unit\" is missing"), place);
  if ((rc = resolve(ctx, unit, sub, &action->unit)) != 0)
    return rc;
  if ((rc = get_line(ctx, object, place, &action->source_line)) != 0)
    return rc;
  if ((rc = get_string(ctx, object, "report_cycle", place, false, 16, &action->report_cycle)) != 0)
    return rc;
  if (action->report_cycle[0] && strcmp(action->report_cycle, "monthly") != 0 &&
      strcmp(action->report_cycle, "quarterly") != 0 && strcmp(action->report_cycle, "half-yearly") != 0 &&
      strcmp(action->report_cycle, "yearly") != 0)
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s.report_cycle：\"%s\" 不是 monthly、quarterly、half-yearly、yearly 之一",
                       "%s.report_cycle: \"%s\" is none of monthly, quarterly, half-yearly, yearly"),
                place, action->report_cycle);
  if ((rc = read_milestones(ctx, object, place, action)) != 0)
    return rc;
  if ((rc = read_targets(ctx, object, place, action)) != 0)
    return rc;
  return read_facts(ctx, object, place, action);
}

static int
read_actions(ctx_t *ctx, const cJSON *array, const char *place, const action_place_t *numbers,
             Duban__Measure *measure)
{
  measure->actions = alloc_array(array_size(array), sizeof *measure->actions);
  if (!measure->actions)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *entry;
  cJSON_ArrayForEach(entry, array)
  {
    char action_place[200];
    snprintf(action_place, sizeof action_place, "%s.actions[%zu]", place, measure->n_actions);
    Duban__Action *action = malloc(sizeof *action);
    if (!action)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__action__init(action);
    measure->actions[measure->n_actions++] = action;
    int rc = read_action(ctx, entry, action_place, numbers, action);
    if (rc)
      return rc;
    for (size_t k = 0; k + 1 < measure->n_actions; k++)
      if (strcmp(measure->actions[k]->number, action->number) == 0)
        return fail(ctx, DBN_EINVAL,
                    dbn_tr("%s.number：举措 %s 在措施 %s.%s 中出现两次",
                           "%s.number: action %s appears twice in measure %s.%s"),
                    action_place, action->number, numbers->section, numbers->measure);
  }
  return 0;
}

static int
read_measure(ctx_t *ctx, const cJSON *object, const char *place, const char *plan_id,
             const Duban__Section *section, Duban__Measure *measure)
{
  int rc;
  if ((rc = get_number_string(ctx, object, place, &measure->number)) != 0)
    return rc;
  for (size_t k = 0; k + 1 < section->n_measures; k++)
    if (strcmp(section->measures[k]->number, measure->number) == 0)
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.number：措施 %s 在第 %s 部分中出现两次",
                         "%s.number: measure %s appears twice in section %s"),
                  place, measure->number, section->number);
  if ((rc = get_string(ctx, object, "text", place, false, DBN_MAX_TEXT, &measure->text)) != 0)
    return rc;
  if ((rc = get_line(ctx, object, place, &measure->source_line)) != 0)
    return rc;
  if ((rc = unit_list(ctx, object, "lead", place, &measure->lead, &measure->n_lead)) != 0)
    return rc;
  if ((rc = unit_list(ctx, object, "cooperating", place, &measure->cooperating, &measure->n_cooperating)) !=
      0)
    return rc;
  const cJSON *actions = NULL;
  if ((rc = get_array(ctx, object, "actions", place, false, &actions)) != 0)
    return rc;
  if (array_size(actions) > 0 && measure->n_lead == 0)
    return fail(ctx, DBN_EINVAL,
                dbn_tr("%s：有举措却没有牵头单位；没有牵头单位的措施是总体要求，其 \"actions\" 为 []",
                       "%s: has actions but no lead unit; a measure without lead units is a general "
                       "requirement and has \"actions\": []"),
                place);
  action_place_t numbers = {plan_id, section->number, measure->number};
  return read_actions(ctx, actions, place, &numbers, measure);
}

static int
read_section(ctx_t *ctx, const cJSON *object, const char *place, const Duban__Plan *plan,
             Duban__Section *section)
{
  int rc;
  if ((rc = get_number_string(ctx, object, place, &section->number)) != 0)
    return rc;
  for (size_t k = 0; k + 1 < plan->n_sections; k++)
    if (strcmp(plan->sections[k]->number, section->number) == 0)
      return fail(ctx, DBN_EINVAL,
                  dbn_tr("%s.number：第 %s 部分出现两次", "%s.number: section %s appears twice"), place,
                  section->number);
  if ((rc = get_string(ctx, object, "title", place, false, DBN_MAX_TEXT, &section->title)) != 0)
    return rc;
  const cJSON *measures = NULL;
  if ((rc = get_array(ctx, object, "measures", place, false, &measures)) != 0)
    return rc;
  section->measures = alloc_array(array_size(measures), sizeof *section->measures);
  if (!section->measures)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *entry;
  cJSON_ArrayForEach(entry, measures)
  {
    char measure_place[160];
    snprintf(measure_place, sizeof measure_place, "%s.measures[%zu]", place, section->n_measures);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL, dbn_tr("%s：须为对象", "%s: must be an object"), measure_place);
    Duban__Measure *measure = malloc(sizeof *measure);
    if (!measure)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__measure__init(measure);
    section->measures[section->n_measures++] = measure;
    if ((rc = read_measure(ctx, entry, measure_place, plan->id, section, measure)) != 0)
      return rc;
  }
  return 0;
}

static int
read_sections(ctx_t *ctx, const cJSON *json, Duban__Plan *plan)
{
  const cJSON *array = NULL;
  int rc = get_array(ctx, json, "sections", "plan", true, &array);
  if (rc)
    return rc;
  plan->sections = alloc_array(array_size(array), sizeof *plan->sections);
  if (!plan->sections)
    return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  const cJSON *entry;
  char place[128];
  cJSON_ArrayForEach(entry, array)
  {
    snprintf(place, sizeof place, "sections[%zu]", plan->n_sections);
    if (!cJSON_IsObject(entry))
      return fail(ctx, DBN_EINVAL, dbn_tr("%s：须为对象", "%s: must be an object"), place);
    Duban__Section *section = malloc(sizeof *section);
    if (!section)
      return fail(ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
    duban__section__init(section);
    plan->sections[plan->n_sections++] = section;
    if ((rc = read_section(ctx, entry, place, plan, section)) != 0)
      return rc;
  }
  return 0;
}

/* The plan must fit in one message. Sizes come from the wire module, the
 * one user of protobuf-c's pack functions: it has no size-only call, so
 * the plan is packed once here and the buffer dropped. */
static int
check_packed_size(ctx_t *ctx, const Duban__Plan *plan)
{
  uint8_t *packed = NULL;
  size_t packed_len = 0;
  int rc = dbn_wire_pack(&plan->base, &packed, &packed_len);
  free(packed);
  if (rc == DBN_ENOMEM)
    return fail(ctx, rc, dbn_tr("内存不足", "out of memory"));
  if (rc)
    return fail(ctx, rc, dbn_tr("plan：无法打包（%s）", "plan: cannot be packed (%s)"), dbn_strerror(rc));
  if (packed_len > DBN_MAX_MESSAGE - 4096)
    return fail(ctx, DBN_ETOOBIG,
                dbn_tr("plan：打包后 %zu 字节，超过一条消息的上限（%d）",
                       "plan: %zu bytes packed, more than one message may carry (%d)"),
                packed_len, DBN_MAX_MESSAGE - 4096);
  return 0;
}

static int
read_plan(ctx_t *ctx, const cJSON *json, Duban__Plan *plan)
{
  int rc = get_string(ctx, json, "id", "plan", true, DBN_MAX_ID, &plan->id);
  if (!rc && (!plan->id[0] || strchr(plan->id, ':') || strchr(plan->id, ' ')))
    rc = fail(ctx, DBN_EINVAL,
              dbn_tr("plan.id：\"%s\" 须非空，且不含 ':' 或空格",
                     "plan.id: \"%s\" must be non-empty, without ':' or spaces"),
              plan->id);
  if (!rc)
    rc = get_string(ctx, json, "title", "plan", true, DBN_MAX_TEXT, &plan->title);
  if (!rc)
    rc = get_date(ctx, json, "issued", "plan", &plan->issued);
  if (!rc)
    rc = get_date(ctx, json, "horizon", "plan", &plan->horizon);
  if (!rc)
    rc = read_units(ctx, json, plan);
  if (!rc)
    rc = read_sections(ctx, json, plan);
  if (!rc)
    rc = check_packed_size(ctx, plan);
  return rc;
}

int
dbn_plan_from_json(const cJSON *json, Duban__Plan **plan_p, char *why, size_t why_len)
{
  char scratch[8];
  ctx_t ctx = {why && why_len ? why : scratch, why && why_len ? why_len : sizeof scratch, NULL};
  ctx.why[0] = '\0';
  if (!plan_p)
    return DBN_EINVAL;
  *plan_p = NULL;
  if (!cJSON_IsObject(json))
    return fail(&ctx, DBN_EINVAL, dbn_tr("计划须为 JSON 对象", "a plan must be a JSON object"));
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(json, "format");
  if (!cJSON_IsString(format))
    return fail(&ctx, DBN_EINVAL,
                dbn_tr("plan：缺少 \"format\"（应为 \"duban-plan/1\"）",
                       "plan: \"format\" is missing (expected \"duban-plan/1\")"));
  if (strcmp(format->valuestring, "duban-plan/1") != 0)
    return fail(&ctx, DBN_EVERSION,
                dbn_tr("plan：本 duban 不读格式 \"%.40s\"（只读 duban-plan/1）",
                       "plan: format \"%.40s\" is not one this duban reads (duban-plan/1)"),
                format->valuestring);
  Duban__Plan *plan = malloc(sizeof *plan);
  if (!plan)
    return fail(&ctx, DBN_ENOMEM, dbn_tr("内存不足", "out of memory"));
  duban__plan__init(plan);
  ctx.plan = plan;
  int rc = read_plan(&ctx, json, plan);
  if (rc) {
    dbn_plan_free(&plan);
    return rc;
  }
  *plan_p = plan;
  return 0;
}

/* ---- freeing ------------------------------------------------------------------------------ */

static void
free_str(char *text)
{
  if (text && text != protobuf_c_empty_string)
    free(text);
}

static void
free_strs(char **texts, size_t count)
{
  for (size_t i = 0; i < count; i++)
    free_str(texts[i]);
  free(texts);
}

static void
action_free(Duban__Action *action)
{
  free_str(action->id);
  free_str(action->number);
  free_str(action->text);
  free_str(action->report_cycle);
  free_str(action->unit);
  for (size_t k = 0; k < action->n_milestones; k++) {
    free_str(action->milestones[k]->due);
    free_str(action->milestones[k]->text);
    free(action->milestones[k]);
  }
  free(action->milestones);
  for (size_t k = 0; k < action->n_targets; k++) {
    free_str(action->targets[k]->unit_of_measure);
    free_str(action->targets[k]->what);
    free(action->targets[k]);
  }
  free(action->targets);
  for (size_t k = 0; k < action->n_facts; k++) {
    free_str(action->facts[k]->unit_of_measure);
    free_str(action->facts[k]->what);
    free_str(action->facts[k]->kind);
    free_str(action->facts[k]->text);
    free(action->facts[k]);
  }
  free(action->facts);
  free(action);
}

static void
section_free(Duban__Section *section)
{
  for (size_t mi = 0; mi < section->n_measures; mi++) {
    Duban__Measure *measure = section->measures[mi];
    for (size_t ai = 0; ai < measure->n_actions; ai++)
      action_free(measure->actions[ai]);
    free(measure->actions);
    free_str(measure->number);
    free_str(measure->text);
    free_strs(measure->lead, measure->n_lead);
    free_strs(measure->cooperating, measure->n_cooperating);
    free(measure);
  }
  free(section->measures);
  free_str(section->number);
  free_str(section->title);
  free(section);
}

void
dbn_plan_free(Duban__Plan **plan_p)
{
  if (!plan_p || !*plan_p)
    return;
  Duban__Plan *plan = *plan_p;
  for (size_t i = 0; i < plan->n_units; i++) {
    Duban__Unit *unit = plan->units[i];
    free_str(unit->code);
    free_str(unit->name);
    free_strs(unit->aliases, unit->n_aliases);
    free(unit);
  }
  free(plan->units);
  for (size_t si = 0; si < plan->n_sections; si++)
    section_free(plan->sections[si]);
  free(plan->sections);
  free_str(plan->id);
  free_str(plan->title);
  free_str(plan->issued);
  free_str(plan->horizon);
  free(plan);
  *plan_p = NULL;
}

/* ---- to JSON -------------------------------------------------------------------------------- */

/* The writers below return 0, DBN_ENOMEM, or DBN_EINVAL when the plan
 * names a unit code it does not define; each adds what it made to its
 * parent before filling it, so that a failure leaves nothing to free but
 * the whole. */

static const char *
code_to_name(const Duban__Plan *plan, const char *code)
{
  for (size_t i = 0; i < plan->n_units; i++)
    if (strcmp(plan->units[i]->code, code) == 0)
      return plan->units[i]->name;
  return NULL;
}

/* The names of codes; false if one is unknown or out of memory. */
static bool
add_names(cJSON *object, const char *key, const Duban__Plan *plan, char **codes, size_t count)
{
  cJSON *array = cJSON_AddArrayToObject(object, key);
  if (!array)
    return false;
  for (size_t i = 0; i < count; i++) {
    const char *name = code_to_name(plan, codes[i]);
    if (!name)
      return false;
    cJSON *name_json = cJSON_CreateString(name);
    if (!name_json)
      return false;
    cJSON_AddItemToArray(array, name_json);
  }
  return true;
}

/* A new object appended to array, or NULL. */
static cJSON *
add_object(cJSON *array)
{
  cJSON *object = cJSON_CreateObject();
  if (object)
    cJSON_AddItemToArray(array, object);
  return object;
}

static int
units_to_json(const Duban__Plan *plan, cJSON *json)
{
  cJSON *units = cJSON_AddArrayToObject(json, "units");
  if (!units)
    return DBN_ENOMEM;
  for (size_t i = 0; i < plan->n_units; i++) {
    const Duban__Unit *unit = plan->units[i];
    cJSON *unit_json = add_object(units);
    cJSON *aliases = NULL;
    if (!unit_json || !cJSON_AddStringToObject(unit_json, "code", unit->code) ||
        !cJSON_AddStringToObject(unit_json, "name", unit->name) ||
        !(aliases = cJSON_AddArrayToObject(unit_json, "aliases")))
      return DBN_ENOMEM;
    for (size_t k = 0; k < unit->n_aliases; k++) {
      cJSON *alias = cJSON_CreateString(unit->aliases[k]);
      if (!alias)
        return DBN_ENOMEM;
      cJSON_AddItemToArray(aliases, alias);
    }
  }
  return 0;
}

static int
milestones_to_json(const Duban__Action *action, cJSON *action_json)
{
  cJSON *milestones = cJSON_AddArrayToObject(action_json, "milestones");
  if (!milestones)
    return DBN_ENOMEM;
  for (size_t k = 0; k < action->n_milestones; k++) {
    const Duban__Milestone *milestone = action->milestones[k];
    cJSON *milestone_json = add_object(milestones);
    if (!milestone_json || !cJSON_AddStringToObject(milestone_json, "due", milestone->due) ||
        !cJSON_AddStringToObject(milestone_json, "text", milestone->text) ||
        !cJSON_AddBoolToObject(milestone_json, "inherited", milestone->inherited))
      return DBN_ENOMEM;
  }
  return 0;
}

static int
targets_to_json(const Duban__Action *action, cJSON *action_json)
{
  cJSON *targets = cJSON_AddArrayToObject(action_json, "targets");
  if (!targets)
    return DBN_ENOMEM;
  for (size_t k = 0; k < action->n_targets; k++) {
    const Duban__Target *target = action->targets[k];
    cJSON *target_json = add_object(targets);
    if (!target_json || !cJSON_AddNumberToObject(target_json, "value", target->value) ||
        !cJSON_AddStringToObject(target_json, "unit_of_measure", target->unit_of_measure) ||
        !cJSON_AddStringToObject(target_json, "what", target->what))
      return DBN_ENOMEM;
  }
  return 0;
}

/* "facts" only when there are some: a plan without them reads as before. */
static int
facts_to_json(const Duban__Action *action, cJSON *action_json)
{
  if (action->n_facts == 0)
    return 0;
  cJSON *facts = cJSON_AddArrayToObject(action_json, "facts");
  if (!facts)
    return DBN_ENOMEM;
  for (size_t k = 0; k < action->n_facts; k++) {
    const Duban__PlanFact *fact = action->facts[k];
    cJSON *fact_json = add_object(facts);
    if (!fact_json || !cJSON_AddNumberToObject(fact_json, "value", fact->value) ||
        !cJSON_AddStringToObject(fact_json, "unit_of_measure", fact->unit_of_measure) ||
        !cJSON_AddStringToObject(fact_json, "what", fact->what) ||
        !cJSON_AddStringToObject(fact_json, "kind", fact->kind) ||
        !cJSON_AddStringToObject(fact_json, "text", fact->text))
      return DBN_ENOMEM;
  }
  return 0;
}

static int
action_to_json(const Duban__Plan *plan, const Duban__Action *action, cJSON *actions)
{
  cJSON *action_json = add_object(actions);
  if (!action_json)
    return DBN_ENOMEM;
  const char *owner = code_to_name(plan, action->unit);
  if (!owner)
    return DBN_EINVAL;
  if (!cJSON_AddStringToObject(action_json, "id", action->id) ||
      !cJSON_AddStringToObject(action_json, "number", action->number) ||
      !cJSON_AddStringToObject(action_json, "text", action->text) ||
      !cJSON_AddStringToObject(action_json, "unit", owner))
    return DBN_ENOMEM;
  if (action->report_cycle && action->report_cycle[0] &&
      !cJSON_AddStringToObject(action_json, "report_cycle", action->report_cycle))
    return DBN_ENOMEM;
  int rc = milestones_to_json(action, action_json);
  if (!rc)
    rc = targets_to_json(action, action_json);
  if (!rc)
    rc = facts_to_json(action, action_json);
  if (!rc && !cJSON_AddNumberToObject(action_json, "source_line", action->source_line))
    rc = DBN_ENOMEM;
  return rc;
}

static int
measure_to_json(const Duban__Plan *plan, const Duban__Measure *measure, cJSON *measures)
{
  cJSON *measure_json = add_object(measures);
  if (!measure_json || !cJSON_AddStringToObject(measure_json, "number", measure->number) ||
      !cJSON_AddStringToObject(measure_json, "text", measure->text))
    return DBN_ENOMEM;
  if (!add_names(measure_json, "lead", plan, measure->lead, measure->n_lead) ||
      !add_names(measure_json, "cooperating", plan, measure->cooperating, measure->n_cooperating))
    return DBN_EINVAL;
  cJSON *actions = NULL;
  if (!cJSON_AddNumberToObject(measure_json, "source_line", measure->source_line) ||
      !(actions = cJSON_AddArrayToObject(measure_json, "actions")))
    return DBN_ENOMEM;
  for (size_t ai = 0; ai < measure->n_actions; ai++) {
    int rc = action_to_json(plan, measure->actions[ai], actions);
    if (rc)
      return rc;
  }
  return 0;
}

static int
sections_to_json(const Duban__Plan *plan, cJSON *json)
{
  cJSON *sections = cJSON_AddArrayToObject(json, "sections");
  if (!sections)
    return DBN_ENOMEM;
  for (size_t si = 0; si < plan->n_sections; si++) {
    const Duban__Section *section = plan->sections[si];
    cJSON *section_json = add_object(sections);
    cJSON *measures = NULL;
    if (!section_json || !cJSON_AddStringToObject(section_json, "number", section->number) ||
        !cJSON_AddStringToObject(section_json, "title", section->title) ||
        !(measures = cJSON_AddArrayToObject(section_json, "measures")))
      return DBN_ENOMEM;
    for (size_t mi = 0; mi < section->n_measures; mi++) {
      int rc = measure_to_json(plan, section->measures[mi], measures);
      if (rc)
        return rc;
    }
  }
  return 0;
}

int
dbn_plan_to_json(const Duban__Plan *plan, cJSON **json_p)
{
  if (!plan || !json_p)
    return DBN_EINVAL;
  *json_p = NULL;
  cJSON *json = cJSON_CreateObject();
  int rc = DBN_ENOMEM;
  if (json && cJSON_AddStringToObject(json, "format", "duban-plan/1") &&
      cJSON_AddStringToObject(json, "id", plan->id) && cJSON_AddStringToObject(json, "title", plan->title) &&
      cJSON_AddStringToObject(json, "issued", plan->issued) &&
      cJSON_AddStringToObject(json, "horizon", plan->horizon))
    rc = units_to_json(plan, json);
  if (!rc)
    rc = sections_to_json(plan, json);
  if (rc) {
    cJSON_Delete(json);
    return rc;
  }
  *json_p = json;
  return 0;
}
