/* plan_json.c: see plan_json.h.
 *
 * from_json reads in two passes: units first (so that every later
 * reference can be resolved and refused if unknown), then sections. Every
 * string is copied with malloc, so dbn_plan_free() frees exactly what this
 * file allocated and nothing that protobuf-c's init left pointing at its
 * static empty string. */
#include "plan_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "text.h"
#include "wire.h"

typedef struct {
  char *why;
  size_t why_len;
  const Duban__Plan *plan; /* for unit lookups while sections are read */
} ctx_t;

static int fail(ctx_t *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(ctx_t *c, int err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, c->why_len, fmt, ap);
  va_end(ap);
  return err;
}

/* A copy of the string at obj[key] into *out, checked: present (unless
 * optional, then ""), valid UTF-8 without controls, at most max bytes. */
static int
get_string(ctx_t *c, const cJSON *obj, const char *key, const char *place, bool required, size_t max,
           char **out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  const char *s = "";
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return fail(c, DBN_EINVAL, "%s: \"%s\" is missing", place, key);
  } else if (!cJSON_IsString(v) || !v->valuestring) {
    return fail(c, DBN_EINVAL, "%s.%s: must be a string", place, key);
  } else {
    s = v->valuestring;
  }
  size_t len = strlen(s);
  if (len > max)
    return fail(c, DBN_ETOOBIG, "%s.%s: %zu bytes, more than the %zu allowed", place, key, len, max);
  if (!dbn_text_valid(s, len))
    return fail(c, DBN_EINVAL, "%s.%s: not valid UTF-8 text (or holds control characters)", place, key);
  *out = strdup(s);
  if (!*out)
    return fail(c, DBN_ENOMEM, "out of memory");
  return 0;
}

static bool
valid_date(const char *s)
{
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
      return false;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
    return false;
  int dim = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  return d <= dim;
}

static int
get_date(ctx_t *c, const cJSON *obj, const char *key, const char *place, char **out)
{
  int rc = get_string(c, obj, key, place, true, DBN_MAX_ID, out);
  if (rc)
    return rc;
  if (!valid_date(*out))
    return fail(c, DBN_EINVAL, "%s.%s: \"%.40s\" is not a date (YYYY-MM-DD)", place, key, *out);
  return 0;
}

static int
get_number_string(ctx_t *c, const cJSON *obj, const char *place, char **out)
{
  int rc = get_string(c, obj, "number", place, true, 9, out);
  if (rc)
    return rc == DBN_ETOOBIG ? fail(c, DBN_EINVAL, "%s.number: at most 9 digits", place) : rc;
  if (!(*out)[0])
    return fail(c, DBN_EINVAL, "%s.number: empty", place);
  for (const char *p = *out; *p; p++)
    if (*p < '0' || *p > '9')
      return fail(c, DBN_EINVAL, "%s.number: \"%s\" is not a decimal number", place, *out);
  return 0;
}

static int
get_line(ctx_t *c, const cJSON *obj, const char *place, uint32_t *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "source_line");
  *out = 0;
  if (!v)
    return 0;
  if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
      v->valuedouble != floor(v->valuedouble))
    return fail(c, DBN_EINVAL, "%s.source_line: must be a whole number", place);
  *out = (uint32_t)v->valuedouble;
  return 0;
}

/* An array member that may be absent (then empty) but not of another type. */
static int
get_array(ctx_t *c, const cJSON *obj, const char *key, const char *place, bool required, const cJSON **out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v && !required) {
    *out = NULL;
    return 0;
  }
  if (!cJSON_IsArray(v))
    return fail(c, DBN_EINVAL, "%s: \"%s\" must be an array", place, key);
  *out = v;
  return 0;
}

static void *
alloc_array(size_t n, size_t elem)
{
  return calloc(n ? n : 1, elem);
}

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
  const Duban__Unit *u = find_unit(plan, name_alias_or_code);
  if (!u)
    return DBN_ENOTFOUND;
  *code_p = u->code;
  return 0;
}

/* A unit reference (name, alias or code) → a copy of the unit's code. */
static int
resolve(ctx_t *c, const cJSON *v, const char *place, char **out)
{
  if (!cJSON_IsString(v) || !v->valuestring)
    return fail(c, DBN_EINVAL, "%s: a unit must be named by a string", place);
  const Duban__Unit *u = find_unit(c->plan, v->valuestring);
  if (!u)
    return fail(c, DBN_EINVAL, "%s: unknown unit \"%.200s\" (not a name, alias or code in \"units\")", place,
                v->valuestring);
  *out = strdup(u->code);
  return *out ? 0 : fail(c, DBN_ENOMEM, "out of memory");
}

static int
unit_list(ctx_t *c, const cJSON *obj, const char *key, const char *place, char ***out, size_t *n_out)
{
  const cJSON *arr;
  int rc = get_array(c, obj, key, place, false, &arr);
  if (rc || !arr)
    return rc;
  size_t n = (size_t)cJSON_GetArraySize(arr);
  *out = alloc_array(n, sizeof **out);
  if (!*out)
    return fail(c, DBN_ENOMEM, "out of memory");
  const cJSON *v;
  char sub[256];
  cJSON_ArrayForEach(v, arr)
  {
    snprintf(sub, sizeof sub, "%s.%s[%zu]", place, key, *n_out);
    if ((rc = resolve(c, v, sub, &(*out)[*n_out])) != 0)
      return rc;
    for (size_t k = 0; k < *n_out; k++)
      if (strcmp((*out)[k], (*out)[*n_out]) == 0) {
        free((*out)[*n_out]);
        (*out)[*n_out] = NULL;
        return fail(c, DBN_EINVAL, "%s: unit %s is named twice", sub, v->valuestring);
      }
    (*n_out)++;
  }
  return 0;
}

static int
read_units(ctx_t *c, const cJSON *json, Duban__Plan *plan)
{
  const cJSON *arr = NULL;
  int rc = get_array(c, json, "units", "plan", true, &arr);
  if (rc)
    return rc;
  size_t n = (size_t)cJSON_GetArraySize(arr);
  plan->units = alloc_array(n, sizeof *plan->units);
  if (!plan->units)
    return fail(c, DBN_ENOMEM, "out of memory");
  const cJSON *e;
  char place[64];
  cJSON_ArrayForEach(e, arr)
  {
    snprintf(place, sizeof place, "units[%zu]", plan->n_units);
    if (!cJSON_IsObject(e))
      return fail(c, DBN_EINVAL, "%s: must be an object {\"code\", \"name\", \"aliases\"}", place);
    Duban__Unit *u = malloc(sizeof *u);
    if (!u)
      return fail(c, DBN_ENOMEM, "out of memory");
    duban__unit__init(u);
    plan->units[plan->n_units++] = u;
    if ((rc = get_string(c, e, "code", place, true, DBN_MAX_ID, &u->code)) != 0)
      return rc;
    if ((rc = get_string(c, e, "name", place, true, DBN_MAX_TEXT, &u->name)) != 0)
      return rc;
    if (!u->code[0] || !u->name[0])
      return fail(c, DBN_EINVAL, "%s: code and name must not be empty", place);
    for (const char *p = u->code; *p; p++)
      if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_'))
        return fail(c, DBN_EINVAL, "%s.code: \"%s\" must be ASCII letters, digits, '-' or '_'", place,
                    u->code);
    const cJSON *aliases = NULL;
    if ((rc = get_array(c, e, "aliases", place, false, &aliases)) != 0)
      return rc;
    size_t na = aliases ? (size_t)cJSON_GetArraySize(aliases) : 0;
    u->aliases = alloc_array(na, sizeof *u->aliases);
    if (!u->aliases)
      return fail(c, DBN_ENOMEM, "out of memory");
    const cJSON *a;
    cJSON_ArrayForEach(a, aliases)
    {
      if (!cJSON_IsString(a) || !a->valuestring[0])
        return fail(c, DBN_EINVAL, "%s.aliases[%zu]: must be a non-empty string", place, u->n_aliases);
      size_t len = strlen(a->valuestring);
      if (len > DBN_MAX_TEXT || !dbn_text_valid(a->valuestring, len))
        return fail(c, DBN_EINVAL, "%s.aliases[%zu]: not valid text or too long", place, u->n_aliases);
      u->aliases[u->n_aliases] = strdup(a->valuestring);
      if (!u->aliases[u->n_aliases])
        return fail(c, DBN_ENOMEM, "out of memory");
      u->n_aliases++;
    }
  }
  /* every code, name and alias must point at one unit only, or a reference
   * would silently pick one of two departments */
  for (size_t i = 0; i < plan->n_units; i++) {
    const Duban__Unit *u = plan->units[i];
    for (size_t j = 0; j < i; j++) {
      const Duban__Unit *w = plan->units[j];
      if (strcmp(u->code, w->code) == 0)
        return fail(c, DBN_EINVAL, "units[%zu].code: %s is also the code of units[%zu]", i, u->code, j);
      if (strcmp(u->name, w->name) == 0)
        return fail(c, DBN_EINVAL, "units[%zu].name: %s is also the name of units[%zu]", i, u->name, j);
    }
    for (size_t j = 0; j < plan->n_units; j++) {
      const Duban__Unit *w = plan->units[j];
      for (size_t k = 0; k < u->n_aliases; k++) {
        if ((j != i && (strcmp(u->aliases[k], w->name) == 0 || strcmp(u->aliases[k], w->code) == 0)))
          return fail(c, DBN_EINVAL, "units[%zu].aliases: %s names units[%zu] too", i, u->aliases[k], j);
        for (size_t l = 0; j < i && l < w->n_aliases; l++)
          if (strcmp(u->aliases[k], w->aliases[l]) == 0)
            return fail(c, DBN_EINVAL, "units[%zu].aliases: %s is also an alias of units[%zu]", i,
                        u->aliases[k], j);
      }
    }
  }
  return 0;
}

static int
read_action(ctx_t *c, const cJSON *e, const char *place, const char *plan_id, const char *sn, const char *mn,
            Duban__Action *a)
{
  int rc;
  if (!cJSON_IsObject(e))
    return fail(c, DBN_EINVAL, "%s: must be an object", place);
  if ((rc = get_string(c, e, "id", place, true, DBN_MAX_ID, &a->id)) != 0)
    return rc;
  if ((rc = get_number_string(c, e, place, &a->number)) != 0)
    return rc;
  char want[3 * DBN_MAX_ID];
  snprintf(want, sizeof want, "%s:%s.%s.%s", plan_id, sn, mn, a->number);
  if (strcmp(a->id, want) != 0)
    return fail(c, DBN_EINVAL, "%s.id: \"%s\" should be \"%s\" (<plan>:<section>.<measure>.<action>)", place,
                a->id, want);
  if ((rc = get_string(c, e, "text", place, true, DBN_MAX_TEXT, &a->text)) != 0)
    return rc;
  char sub[256];
  snprintf(sub, sizeof sub, "%s.unit", place);
  const cJSON *unit = cJSON_GetObjectItemCaseSensitive(e, "unit");
  if (!unit)
    return fail(c, DBN_EINVAL, "%s: \"unit\" is missing", place);
  if ((rc = resolve(c, unit, sub, &a->unit)) != 0)
    return rc;
  if ((rc = get_line(c, e, place, &a->source_line)) != 0)
    return rc;

  const cJSON *arr = NULL, *v = NULL;
  if ((rc = get_array(c, e, "milestones", place, false, &arr)) != 0)
    return rc;
  size_t n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
  a->milestones = alloc_array(n, sizeof *a->milestones);
  if (!a->milestones)
    return fail(c, DBN_ENOMEM, "out of memory");
  cJSON_ArrayForEach(v, arr)
  {
    snprintf(sub, sizeof sub, "%s.milestones[%zu]", place, a->n_milestones);
    if (!cJSON_IsObject(v))
      return fail(c, DBN_EINVAL, "%s: must be an object {\"due\", \"text\", \"inherited\"}", sub);
    Duban__Milestone *m = malloc(sizeof *m);
    if (!m)
      return fail(c, DBN_ENOMEM, "out of memory");
    duban__milestone__init(m);
    a->milestones[a->n_milestones++] = m;
    if ((rc = get_date(c, v, "due", sub, &m->due)) != 0)
      return rc;
    if ((rc = get_string(c, v, "text", sub, false, DBN_MAX_TEXT, &m->text)) != 0)
      return rc;
    const cJSON *inh = cJSON_GetObjectItemCaseSensitive(v, "inherited");
    if (inh && !cJSON_IsBool(inh))
      return fail(c, DBN_EINVAL, "%s.inherited: must be true or false", sub);
    m->inherited = cJSON_IsTrue(inh);
  }

  if ((rc = get_array(c, e, "targets", place, false, &arr)) != 0)
    return rc;
  n = arr ? (size_t)cJSON_GetArraySize(arr) : 0;
  a->targets = alloc_array(n, sizeof *a->targets);
  if (!a->targets)
    return fail(c, DBN_ENOMEM, "out of memory");
  cJSON_ArrayForEach(v, arr)
  {
    snprintf(sub, sizeof sub, "%s.targets[%zu]", place, a->n_targets);
    if (!cJSON_IsObject(v))
      return fail(c, DBN_EINVAL, "%s: must be an object {\"value\", \"unit_of_measure\", \"what\"}", sub);
    Duban__Target *t = malloc(sizeof *t);
    if (!t)
      return fail(c, DBN_ENOMEM, "out of memory");
    duban__target__init(t);
    a->targets[a->n_targets++] = t;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(v, "value");
    if (!cJSON_IsNumber(value) || !isfinite(value->valuedouble) ||
        fabs(value->valuedouble) > DBN_MAX_FIGURE_VALUE)
      return fail(c, DBN_EINVAL, "%s.value: must be a number of at most %g", sub, DBN_MAX_FIGURE_VALUE);
    t->value = value->valuedouble;
    if ((rc = get_string(c, v, "unit_of_measure", sub, false, DBN_MAX_TEXT, &t->unit_of_measure)) != 0)
      return rc;
    if ((rc = get_string(c, v, "what", sub, false, DBN_MAX_TEXT, &t->what)) != 0)
      return rc;
  }
  return 0;
}

static int
read_sections(ctx_t *c, const cJSON *json, Duban__Plan *plan)
{
  const cJSON *arr = NULL;
  int rc = get_array(c, json, "sections", "plan", true, &arr);
  if (rc)
    return rc;
  size_t n = (size_t)cJSON_GetArraySize(arr);
  plan->sections = alloc_array(n, sizeof *plan->sections);
  if (!plan->sections)
    return fail(c, DBN_ENOMEM, "out of memory");
  const cJSON *se;
  char place[128];
  cJSON_ArrayForEach(se, arr)
  {
    size_t si = plan->n_sections;
    snprintf(place, sizeof place, "sections[%zu]", si);
    if (!cJSON_IsObject(se))
      return fail(c, DBN_EINVAL, "%s: must be an object", place);
    Duban__Section *s = malloc(sizeof *s);
    if (!s)
      return fail(c, DBN_ENOMEM, "out of memory");
    duban__section__init(s);
    plan->sections[plan->n_sections++] = s;
    if ((rc = get_number_string(c, se, place, &s->number)) != 0)
      return rc;
    for (size_t k = 0; k < si; k++)
      if (strcmp(plan->sections[k]->number, s->number) == 0)
        return fail(c, DBN_EINVAL, "%s.number: section %s appears twice", place, s->number);
    if ((rc = get_string(c, se, "title", place, false, DBN_MAX_TEXT, &s->title)) != 0)
      return rc;
    const cJSON *marr = NULL;
    if ((rc = get_array(c, se, "measures", place, false, &marr)) != 0)
      return rc;
    size_t nm = marr ? (size_t)cJSON_GetArraySize(marr) : 0;
    s->measures = alloc_array(nm, sizeof *s->measures);
    if (!s->measures)
      return fail(c, DBN_ENOMEM, "out of memory");
    const cJSON *me;
    cJSON_ArrayForEach(me, marr)
    {
      size_t mi = s->n_measures;
      char mplace[160];
      snprintf(mplace, sizeof mplace, "%s.measures[%zu]", place, mi);
      if (!cJSON_IsObject(me))
        return fail(c, DBN_EINVAL, "%s: must be an object", mplace);
      Duban__Measure *m = malloc(sizeof *m);
      if (!m)
        return fail(c, DBN_ENOMEM, "out of memory");
      duban__measure__init(m);
      s->measures[s->n_measures++] = m;
      if ((rc = get_number_string(c, me, mplace, &m->number)) != 0)
        return rc;
      for (size_t k = 0; k < mi; k++)
        if (strcmp(s->measures[k]->number, m->number) == 0)
          return fail(c, DBN_EINVAL, "%s.number: measure %s appears twice in section %s", mplace, m->number,
                      s->number);
      if ((rc = get_string(c, me, "text", mplace, false, DBN_MAX_TEXT, &m->text)) != 0)
        return rc;
      if ((rc = get_line(c, me, mplace, &m->source_line)) != 0)
        return rc;
      if ((rc = unit_list(c, me, "lead", mplace, &m->lead, &m->n_lead)) != 0)
        return rc;
      if ((rc = unit_list(c, me, "cooperating", mplace, &m->cooperating, &m->n_cooperating)) != 0)
        return rc;
      const cJSON *aarr = NULL;
      if ((rc = get_array(c, me, "actions", mplace, false, &aarr)) != 0)
        return rc;
      size_t na = aarr ? (size_t)cJSON_GetArraySize(aarr) : 0;
      if (na > 0 && m->n_lead == 0)
        return fail(c, DBN_EINVAL,
                    "%s: has actions but no lead unit; a measure without lead units is a general "
                    "requirement and has \"actions\": []",
                    mplace);
      m->actions = alloc_array(na, sizeof *m->actions);
      if (!m->actions)
        return fail(c, DBN_ENOMEM, "out of memory");
      const cJSON *ae;
      cJSON_ArrayForEach(ae, aarr)
      {
        char aplace[200];
        snprintf(aplace, sizeof aplace, "%s.actions[%zu]", mplace, m->n_actions);
        Duban__Action *a = malloc(sizeof *a);
        if (!a)
          return fail(c, DBN_ENOMEM, "out of memory");
        duban__action__init(a);
        m->actions[m->n_actions++] = a;
        if ((rc = read_action(c, ae, aplace, plan->id, s->number, m->number, a)) != 0)
          return rc;
        for (size_t k = 0; k + 1 < m->n_actions; k++)
          if (strcmp(m->actions[k]->number, a->number) == 0)
            return fail(c, DBN_EINVAL, "%s.number: action %s appears twice in measure %s.%s", aplace,
                        a->number, s->number, m->number);
      }
    }
  }
  return 0;
}

int
dbn_plan_from_json(const cJSON *json, Duban__Plan **plan_p, char *why, size_t why_len)
{
  char scratch[8];
  ctx_t c = {why && why_len ? why : scratch, why && why_len ? why_len : sizeof scratch, NULL};
  c.why[0] = '\0';
  if (!plan_p)
    return DBN_EINVAL;
  *plan_p = NULL;
  if (!cJSON_IsObject(json))
    return fail(&c, DBN_EINVAL, "a plan must be a JSON object");
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(json, "format");
  if (!cJSON_IsString(format))
    return fail(&c, DBN_EINVAL, "plan: \"format\" is missing (expected \"duban-plan/1\")");
  if (strcmp(format->valuestring, "duban-plan/1") != 0)
    return fail(&c, DBN_EVERSION, "plan: format \"%.40s\" is not one this duban reads (duban-plan/1)",
                format->valuestring);

  Duban__Plan *plan = malloc(sizeof *plan);
  if (!plan)
    return fail(&c, DBN_ENOMEM, "out of memory");
  duban__plan__init(plan);
  c.plan = plan;
  int rc = get_string(&c, json, "id", "plan", true, DBN_MAX_ID, &plan->id);
  if (!rc && (!plan->id[0] || strchr(plan->id, ':') || strchr(plan->id, ' ')))
    rc = fail(&c, DBN_EINVAL, "plan.id: \"%s\" must be non-empty, without ':' or spaces", plan->id);
  if (!rc)
    rc = get_string(&c, json, "title", "plan", true, DBN_MAX_TEXT, &plan->title);
  if (!rc)
    rc = get_date(&c, json, "issued", "plan", &plan->issued);
  if (!rc)
    rc = get_date(&c, json, "horizon", "plan", &plan->horizon);
  if (!rc)
    rc = read_units(&c, json, plan);
  if (!rc)
    rc = read_sections(&c, json, plan);
  if (!rc) {
    size_t packed = duban__plan__get_packed_size(plan);
    if (packed > DBN_MAX_MESSAGE - 4096)
      rc = fail(&c, DBN_ETOOBIG, "plan: %zu bytes packed, more than one message may carry (%d)", packed,
                DBN_MAX_MESSAGE - 4096);
  }
  if (rc) {
    dbn_plan_free(&plan);
    return rc;
  }
  *plan_p = plan;
  return 0;
}

static void
free_str(char *s)
{
  if (s && s != protobuf_c_empty_string)
    free(s);
}

static void
free_strs(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free_str(v[i]);
  free(v);
}

void
dbn_plan_free(Duban__Plan **plan_p)
{
  if (!plan_p || !*plan_p)
    return;
  Duban__Plan *p = *plan_p;
  for (size_t i = 0; i < p->n_units; i++) {
    Duban__Unit *u = p->units[i];
    free_str(u->code);
    free_str(u->name);
    free_strs(u->aliases, u->n_aliases);
    free(u);
  }
  free(p->units);
  for (size_t si = 0; si < p->n_sections; si++) {
    Duban__Section *s = p->sections[si];
    for (size_t mi = 0; mi < s->n_measures; mi++) {
      Duban__Measure *m = s->measures[mi];
      for (size_t ai = 0; ai < m->n_actions; ai++) {
        Duban__Action *a = m->actions[ai];
        free_str(a->id);
        free_str(a->number);
        free_str(a->text);
        free_str(a->unit);
        for (size_t k = 0; k < a->n_milestones; k++) {
          free_str(a->milestones[k]->due);
          free_str(a->milestones[k]->text);
          free(a->milestones[k]);
        }
        free(a->milestones);
        for (size_t k = 0; k < a->n_targets; k++) {
          free_str(a->targets[k]->unit_of_measure);
          free_str(a->targets[k]->what);
          free(a->targets[k]);
        }
        free(a->targets);
        free(a);
      }
      free(m->actions);
      free_str(m->number);
      free_str(m->text);
      free_strs(m->lead, m->n_lead);
      free_strs(m->cooperating, m->n_cooperating);
      free(m);
    }
    free(s->measures);
    free_str(s->number);
    free_str(s->title);
    free(s);
  }
  free(p->sections);
  free_str(p->id);
  free_str(p->title);
  free_str(p->issued);
  free_str(p->horizon);
  free(p);
  *plan_p = NULL;
}

/* ---- to JSON ------------------------------------------------------------- */

static const char *
code_to_name(const Duban__Plan *plan, const char *code)
{
  for (size_t i = 0; i < plan->n_units; i++)
    if (strcmp(plan->units[i]->code, code) == 0)
      return plan->units[i]->name;
  return NULL;
}

static bool
add_names(cJSON *obj, const char *key, const Duban__Plan *plan, char **codes, size_t n)
{
  cJSON *arr = cJSON_AddArrayToObject(obj, key);
  if (!arr)
    return false;
  for (size_t i = 0; i < n; i++) {
    const char *name = code_to_name(plan, codes[i]);
    if (!name)
      return false;
    cJSON *s = cJSON_CreateString(name);
    if (!s)
      return false;
    cJSON_AddItemToArray(arr, s);
  }
  return true;
}

int
dbn_plan_to_json(const Duban__Plan *plan, cJSON **json_p)
{
  if (!plan || !json_p)
    return DBN_EINVAL;
  *json_p = NULL;
  cJSON *j = cJSON_CreateObject();
  bool ok = j && cJSON_AddStringToObject(j, "format", "duban-plan/1") &&
            cJSON_AddStringToObject(j, "id", plan->id) && cJSON_AddStringToObject(j, "title", plan->title) &&
            cJSON_AddStringToObject(j, "issued", plan->issued) &&
            cJSON_AddStringToObject(j, "horizon", plan->horizon);
  int err = DBN_ENOMEM;
  cJSON *units = ok ? cJSON_AddArrayToObject(j, "units") : NULL;
  ok = ok && units;
  for (size_t i = 0; ok && i < plan->n_units; i++) {
    const Duban__Unit *u = plan->units[i];
    cJSON *uj = cJSON_CreateObject();
    ok = uj != NULL;
    if (ok)
      cJSON_AddItemToArray(units, uj);
    ok = ok && cJSON_AddStringToObject(uj, "code", u->code) && cJSON_AddStringToObject(uj, "name", u->name);
    cJSON *al = ok ? cJSON_AddArrayToObject(uj, "aliases") : NULL;
    ok = ok && al;
    for (size_t k = 0; ok && k < u->n_aliases; k++) {
      cJSON *s = cJSON_CreateString(u->aliases[k]);
      ok = s != NULL;
      if (ok)
        cJSON_AddItemToArray(al, s);
    }
  }
  cJSON *sections = ok ? cJSON_AddArrayToObject(j, "sections") : NULL;
  ok = ok && sections;
  for (size_t si = 0; ok && si < plan->n_sections; si++) {
    const Duban__Section *s = plan->sections[si];
    cJSON *sj = cJSON_CreateObject();
    ok = sj != NULL;
    if (ok)
      cJSON_AddItemToArray(sections, sj);
    ok = ok && cJSON_AddStringToObject(sj, "number", s->number) &&
         cJSON_AddStringToObject(sj, "title", s->title);
    cJSON *measures = ok ? cJSON_AddArrayToObject(sj, "measures") : NULL;
    ok = ok && measures;
    for (size_t mi = 0; ok && mi < s->n_measures; mi++) {
      const Duban__Measure *m = s->measures[mi];
      cJSON *mj = cJSON_CreateObject();
      ok = mj != NULL;
      if (ok)
        cJSON_AddItemToArray(measures, mj);
      ok = ok && cJSON_AddStringToObject(mj, "number", m->number) &&
           cJSON_AddStringToObject(mj, "text", m->text);
      if (ok && (!add_names(mj, "lead", plan, m->lead, m->n_lead) ||
                 !add_names(mj, "cooperating", plan, m->cooperating, m->n_cooperating))) {
        ok = false;
        err = DBN_EINVAL;
      }
      ok = ok && cJSON_AddNumberToObject(mj, "source_line", m->source_line);
      cJSON *actions = ok ? cJSON_AddArrayToObject(mj, "actions") : NULL;
      ok = ok && actions;
      for (size_t ai = 0; ok && ai < m->n_actions; ai++) {
        const Duban__Action *a = m->actions[ai];
        cJSON *aj = cJSON_CreateObject();
        ok = aj != NULL;
        if (ok)
          cJSON_AddItemToArray(actions, aj);
        const char *owner = code_to_name(plan, a->unit);
        if (ok && !owner) {
          ok = false;
          err = DBN_EINVAL;
        }
        ok = ok && cJSON_AddStringToObject(aj, "id", a->id) &&
             cJSON_AddStringToObject(aj, "number", a->number) &&
             cJSON_AddStringToObject(aj, "text", a->text) && cJSON_AddStringToObject(aj, "unit", owner);
        cJSON *ms = ok ? cJSON_AddArrayToObject(aj, "milestones") : NULL;
        ok = ok && ms;
        for (size_t k = 0; ok && k < a->n_milestones; k++) {
          cJSON *x = cJSON_CreateObject();
          ok = x != NULL;
          if (ok)
            cJSON_AddItemToArray(ms, x);
          ok = ok && cJSON_AddStringToObject(x, "due", a->milestones[k]->due) &&
               cJSON_AddStringToObject(x, "text", a->milestones[k]->text) &&
               cJSON_AddBoolToObject(x, "inherited", a->milestones[k]->inherited);
        }
        cJSON *ts = ok ? cJSON_AddArrayToObject(aj, "targets") : NULL;
        ok = ok && ts;
        for (size_t k = 0; ok && k < a->n_targets; k++) {
          cJSON *x = cJSON_CreateObject();
          ok = x != NULL;
          if (ok)
            cJSON_AddItemToArray(ts, x);
          ok = ok && cJSON_AddNumberToObject(x, "value", a->targets[k]->value) &&
               cJSON_AddStringToObject(x, "unit_of_measure", a->targets[k]->unit_of_measure) &&
               cJSON_AddStringToObject(x, "what", a->targets[k]->what);
        }
        ok = ok && cJSON_AddNumberToObject(aj, "source_line", a->source_line);
      }
    }
  }
  if (!ok) {
    cJSON_Delete(j);
    return err;
  }
  *json_p = j;
  return 0;
}
