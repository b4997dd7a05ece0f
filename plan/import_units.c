/* import_units.c: departments, as the document names them.
 *
 * Two halves. Reading: the unit statements of a heading, an item or a line
 * of their own ("（牵头单位：A、B，配合单位：C）", "（A牵头，B配合）",
 * "（A）") into lists of names as written; import_structure.c calls this
 * while it reads lines. Resolving: once the whole document is read,
 * import_build.c registers every name, so that a spelling from the units
 * file, or a second spelling of one department (市交通和运输局 beside
 * 市交通运输局), becomes an alias of one canonical unit, and gives each
 * unit its code (see plan_import.h for the rule). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "identity.h"
#include "import_internal.h"
#include "utf8.h"
#include "lang.h"

/* ---- roles ------------------------------------------------------------------ */

enum role { ROLE_NONE, ROLE_LEAD, ROLE_COOPERATING };

/* The role a label such as 牵头单位 or 配合部门 names. */
static enum role
role_of(const uint32_t *normalized, size_t start, size_t end)
{
  static const char *const cooperating[] = {"配合", "协办", "支撑", "支持", "参与",
                                            "协同", "协助", "协作", NULL};
  static const char *const lead[] = {"牵头", "责任", "主责", "负责", "主办", "承办", NULL};
  if (end - start > 8)
    return ROLE_NONE;
  for (int i = 0; cooperating[i]; i++)
    if (literal_find(normalized, start, end, cooperating[i]) != SIZE_MAX)
      return ROLE_COOPERATING;
  for (int i = 0; lead[i]; i++)
    if (literal_find(normalized, start, end, lead[i]) != SIZE_MAX)
      return ROLE_LEAD;
  return ROLE_NONE;
}

bool
import_names_role(const uint32_t *normalized, size_t start, size_t end)
{
  return role_of(normalized, start, end) != ROLE_NONE;
}

/* ---- reading unit statements ------------------------------------------------------ */

static const cJSON *file_unit(const importer_t *importer, const char *name);
static const unit_t *find_unit_loose(const importer_t *importer, const char *name);

/* The characters a unit's name ends with. */
#define UNIT_ENDINGS "局委办部心司会院厅署队所站行团处科室组社馆台校府区旗县镇道位关联协盟学园场门厂矿班"

/* A unit with a parenthesized part, one unit: its offices,
 * 市交通委（科信处、宣传处） (with 、 or ， inside), or the places a collective
 * covers, 各县（市、区）人民政府. One level of parentheses, not first; the
 * words outside them end as a unit's name does; nothing inside reads as a
 * date, a title or a label. */
static bool
looks_like_unit_with_parens(const uint32_t *normalized, size_t start, size_t end)
{
  if (end - start > 80 || normalized[start] == '(')
    return false;
  int depth = 0;
  size_t last_outside = SIZE_MAX;
  for (size_t i = start; i < end; i++) {
    uint32_t cp = normalized[i];
    if (cp == '(') {
      if (++depth > 1)
        return false;
    } else if (cp == ')') {
      if (--depth < 0)
        return false;
    } else if (cp_is_digit(cp) || cp_in_set(cp, ":。《》“”\"〔〕;")) {
      return false;
    } else if (depth == 0) {
      if (cp == ',')
        return false;
      last_outside = i;
    }
  }
  return depth == 0 && last_outside != SIZE_MAX && cp_in_set(normalized[last_outside], UNIT_ENDINGS);
}

bool
import_looks_like_unit(importer_t *importer, size_t start, size_t end)
{
  const uint32_t *normalized = importer->normalized;
  if (end - start < 2)
    return false;
  for (size_t i = start; i < end && i - start <= 80; i++)
    if (normalized[i] == '(')
      return looks_like_unit_with_parens(normalized, start, end);
  if (end - start > 40)
    return false;
  for (size_t i = start; i < end; i++)
    if (cp_is_digit(normalized[i]) || cp_in_set(normalized[i], ":。《》“”\"()〔〕,;"))
      return false;
  if (cp_in_set(normalized[end - 1], UNIT_ENDINGS))
    return true;
  /* a name the units file or the document already knows is a unit
   * whatever its ending */
  char *name = import_encode(importer, importer->typed, start, end);
  bool known = name && (file_unit(importer, name) != NULL || find_unit_loose(importer, name) != NULL);
  free(name);
  return known;
}

/* The names found so far in one statement, by role. */
typedef struct {
  strvec_t lead, cooperating;
} unit_lists_t;

/* The role of one part of a statement ("牵头单位：A、B" or "A牵头" or
 * "A"), and the bounds of its names. False if the part has a label that
 * names no role. */
/* "A、B按职责分工负责": the units share the work; after a label they have
 * the label's role, without one they cooperate with the lead named before. */
static const char *const SHARED_DUTY_SUFFIXES[] = {"按职责分工负责", "按职责分工落实", "按职能分工负责",
                                                   "按职责负责",     "按职责分工",     NULL};

static bool
strip_shared_duty(const uint32_t *normalized, size_t start, size_t *end)
{
  for (int i = 0; SHARED_DUTY_SUFFIXES[i]; i++)
    if (literal_ends(normalized, start, *end, SHARED_DUTY_SUFFIXES[i])) {
      *end -= literal_length(SHARED_DUTY_SUFFIXES[i]);
      return true;
    }
  return false;
}

static bool
part_role(const uint32_t *normalized, size_t start, size_t end, enum role *role, bool *any_label,
          bool *lead_seen, size_t *names_start_p, size_t *names_end_p)
{
  static const char *const lead_suffixes[] = {"牵头", "负责", NULL};
  static const char *const cooperating_suffixes[] = {"配合", "参与", "协办", "协助", NULL};
  size_t colon = start;
  while (colon < end && normalized[colon] != ':')
    colon++;
  *names_start_p = start;
  *names_end_p = end;
  if (colon < end) {
    enum role labelled = role_of(normalized, start, colon);
    if (labelled == ROLE_NONE)
      return false;
    /* 牵头单位：A 责任单位：B, C: after a lead, 责任单位 are the units
     * that answer with it */
    if (labelled == ROLE_LEAD && literal_find(normalized, start, colon, "牵头") != SIZE_MAX)
      *lead_seen = true;
    else if (labelled == ROLE_LEAD && *lead_seen)
      labelled = ROLE_COOPERATING;
    *role = labelled;
    *any_label = true;
    *names_start_p = colon + 1;
    strip_shared_duty(normalized, *names_start_p, names_end_p);
    return true;
  }
  if (strip_shared_duty(normalized, *names_start_p, names_end_p)) {
    *role = *role == ROLE_NONE ? ROLE_LEAD : ROLE_COOPERATING;
    *any_label = true;
    return true;
  }
  /* "A牵头" / "B、C配合" */
  bool found = false;
  for (int i = 0; lead_suffixes[i] && !found; i++)
    if (literal_ends(normalized, *names_start_p, *names_end_p, lead_suffixes[i])) {
      *role = ROLE_LEAD;
      *names_end_p -= literal_length(lead_suffixes[i]);
      found = true;
    }
  for (int i = 0; cooperating_suffixes[i] && !found; i++)
    if (literal_ends(normalized, *names_start_p, *names_end_p, cooperating_suffixes[i])) {
      *role = ROLE_COOPERATING;
      *names_end_p -= literal_length(cooperating_suffixes[i]);
      found = true;
    }
  if (found)
    *any_label = true;
  else if (*role == ROLE_NONE)
    *role = ROLE_LEAD;
  return true;
}

/* The first of the separators seps in normalized[at..end) outside
 * parentheses, or end. */
static size_t
separator(const uint32_t *normalized, size_t at, size_t end, const char *seps)
{
  int depth = 0;
  for (; at < end; at++) {
    if (normalized[at] == '(')
      depth++;
    else if (normalized[at] == ')' && depth > 0)
      depth--;
    else if (depth == 0 && cp_in_set(normalized[at], seps))
      break;
  }
  return at;
}

/* A word of a collective's list: the kinds of places and bodies that 各
 * ranges over (区, 县级市, 旗, 乡镇, 街道, 部门, 单位 …), no digits or
 * punctuation. */
static bool
collective_word(const uint32_t *normalized, size_t start, size_t end)
{
  if (end <= start)
    return false;
  for (size_t i = start; i < end; i++)
    if (cp_is_digit(normalized[i]) || cp_in_set(normalized[i], ":。《》“”\"()〔〕,;"))
      return false;
  return cp_in_set(normalized[end - 1], "市区县旗镇乡街道门位府业关园苏木嘎查村");
}

/* Where 及 joins two names that each read as a unit (市级各有关部门及各县市区
 *政府), outside parentheses; SIZE_MAX when it does not. */
static size_t
joining_ji(importer_t *importer, size_t start, size_t end)
{
  size_t at = separator(importer->normalized, start, end, "及");
  if (at >= end || at == start || at + 1 >= end)
    return SIZE_MAX;
  return import_looks_like_unit(importer, start, at) && import_looks_like_unit(importer, at + 1, end)
             ? at
             : SIZE_MAX;
}

/* Names separated by 、 or / (or a 及 between two units) in
 * normalized[start..end), into the list of role; false if one of them
 * does not read as a unit. */
static bool
read_names(importer_t *importer, size_t start, size_t end, enum role role, unit_lists_t *found)
{
  const uint32_t *normalized = importer->normalized;
  size_t at = start;
  while (at < end) {
    size_t stop = separator(normalized, at, end, "、/");
    size_t ji = joining_ji(importer, at, stop);
    if (ji != SIZE_MAX)
      stop = ji;
    size_t name_start = at, name_end = stop;
    at = stop + 1;
    cp_trim(normalized, &name_start, &name_end);
    /* A collective (各区、县级市): 各 holds for the words after it in the
     * list that are no unit on their own; they stay one name, as worded. */
    if (name_start < name_end && normalized[name_start] == 0x5404 /* 各 */) {
      while (at < end) {
        size_t next = separator(normalized, at, end, "、/");
        size_t word_start = at, word_end = next;
        cp_trim(normalized, &word_start, &word_end);
        /* 各县、市、区政府: the government of each, one collective */
        bool government =
            word_end - word_start <= 4 && literal_ends(normalized, word_start, word_end, "政府");
        if (word_start >= word_end || word_end - word_start > 8 || normalized[word_start] == 0x5404 ||
            (!government && (import_looks_like_unit(importer, word_start, word_end) ||
                             !collective_word(normalized, word_start, word_end))))
          break;
        name_end = word_end;
        at = next + 1;
      }
      if (!import_looks_like_unit(importer, name_start, name_end) &&
          !collective_word(normalized, name_start, name_end))
        return false;
      char *name = import_encode(importer, importer->typed, name_start, name_end);
      strvec_t *list = role == ROLE_COOPERATING ? &found->cooperating : &found->lead;
      if (name && (strvec_has(&found->lead, name) || strvec_has(&found->cooperating, name)))
        free(name);
      else
        strvec_push(importer, list, name);
      continue;
    }
    if (name_end > name_start && normalized[name_end - 1] == 0x7b49) /* trailing 等 */
      name_end--;
    if (name_start >= name_end)
      continue;
    if (!import_looks_like_unit(importer, name_start, name_end))
      return false;
    char *name = import_encode(importer, importer->typed, name_start, name_end);
    strvec_t *list = role == ROLE_COOPERATING ? &found->cooperating : &found->lead;
    if (name && (strvec_has(&found->lead, name) || strvec_has(&found->cooperating, name)))
      free(name);
    else
      strvec_push(importer, list, name);
  }
  return true;
}

/* Parts are separated by ，；。 or a space; a role named in one part
 * holds for the parts after it. */
static bool
read_statement(importer_t *importer, size_t at, size_t end, unit_lists_t *found, bool *any_label)
{
  const uint32_t *normalized = importer->normalized;
  enum role role = ROLE_NONE;
  bool lead_seen = false;
  while (at < end) {
    size_t stop = separator(normalized, at, end, ",;。 ");
    size_t part_start = at, part_end = stop;
    /* after a full stop that ends units already read comes a note
     * (具体任务均涉及相关市(州)人民政府,不再做分工,下同): not units */
    if (at > 0 && normalized[at - 1] == 0x3002 && (found->lead.count || found->cooperating.count))
      return true;
    at = stop + 1;
    cp_trim(normalized, &part_start, &part_end);
    if (part_start >= part_end)
      continue;
    size_t names_start, names_end;
    if (!part_role(normalized, part_start, part_end, &role, any_label, &lead_seen, &names_start,
                   &names_end) ||
        !read_names(importer, names_start, names_end, role, found))
      return false;
  }
  return true;
}

bool
import_parse_units(importer_t *importer, size_t start, size_t end, strvec_t *lead, strvec_t *cooperating,
                   bool *labelled)
{
  unit_lists_t found = {{0}, {0}};
  bool any_label = false;
  size_t at = start; /* parts are read from the untrimmed start */
  cp_trim(importer->normalized, &start, &end);
  if (start >= end)
    return false;
  if (!read_statement(importer, at, end, &found, &any_label) ||
      (found.lead.count == 0 && found.cooperating.count == 0)) {
    strvec_free(&found.lead);
    strvec_free(&found.cooperating);
    return false;
  }
  /* the names move to the caller's lists */
  for (size_t i = 0; i < found.lead.count; i++)
    strvec_push(importer, lead, found.lead.items[i]);
  for (size_t i = 0; i < found.cooperating.count; i++)
    strvec_push(importer, cooperating, found.cooperating.items[i]);
  free(found.lead.items);
  free(found.cooperating.items);
  *labelled = any_label;
  return true;
}

bool
import_trailing_paren(const uint32_t *normalized, size_t start, size_t end, size_t *open_p, size_t *close_p)
{
  while (end > start && (cp_is_space(normalized[end - 1]) || normalized[end - 1] == 0x3002 ||
                         normalized[end - 1] == '.' || normalized[end - 1] == ';'))
    end--;
  /* （…） or 〔…〕 (四川: 〔责任单位：省市场监管局〕) */
  uint32_t close = end > start ? normalized[end - 1] : 0;
  if (end <= start || (close != ')' && close != 0x3015))
    return false;
  uint32_t open = close == ')' ? '(' : 0x3014;
  int depth = 0;
  for (size_t i = end; i-- > start;) {
    if (normalized[i] == close)
      depth++;
    else if (normalized[i] == open && --depth == 0) {
      *open_p = i;
      *close_p = end - 1;
      return true;
    }
  }
  return false;
}

bool
import_unclosed_units(const uint32_t *normalized, size_t start, size_t end)
{
  int depth = 0;
  size_t open = SIZE_MAX;
  for (size_t i = start; i < end; i++) {
    if (normalized[i] == '(') {
      if (depth++ == 0)
        open = i;
    } else if (normalized[i] == ')' && depth > 0) {
      depth--;
    }
  }
  if (depth == 0 || open == SIZE_MAX)
    return false;
  for (size_t i = open; i < end; i++)
    if (normalized[i] == ':' && role_of(normalized, open + 1, i) != ROLE_NONE)
      return true;
  return false;
}

/* ---- canonical names and aliases ---------------------------------------------------- */

/* The loose key of a name: without 和/与/及, 、，and spaces, so that 市交通和运输局
 * and 市交通运输局 meet. Names from the units file may be any bytes: a byte
 * that starts no UTF-8 sequence is kept as it is. */
static void
loose_key(const char *name, char *out, size_t out_len)
{
  size_t k = 0;
  for (const char *p = name; *p && k + 5 < out_len;) {
    unsigned cp;
    size_t step = dbn_utf8_decode(p, &cp);
    if (!(cp == 0x548c || cp == 0x4e0e || cp == 0x53ca || cp == ' ' || cp == 0x3000 || cp == 0x3001 ||
          cp == 0xff0c || cp == ',')) {
      memcpy(out + k, p, step);
      k += step;
    }
    p += step;
  }
  out[k] = '\0';
}

/* Two spellings of a name that differ only in full-width or half-width
 * forms (（）and ()), as a units file typed by hand and the document may. */
static bool
same_name(const char *a, const char *b)
{
  while (*a && *b) {
    unsigned ca, cb;
    a += dbn_utf8_decode(a, &ca);
    b += dbn_utf8_decode(b, &cb);
    if (cp_normalize(ca) != cp_normalize(cb))
      return false;
  }
  return !*a && !*b;
}

/* The units file's entry that names name (as its name or an alias). */
static const cJSON *
file_unit(const importer_t *importer, const char *name)
{
  if (!importer->options || !importer->options->units)
    return NULL;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, importer->options->units)
  {
    const cJSON *entry_name = cJSON_GetObjectItemCaseSensitive(entry, "name");
    if (cJSON_IsString(entry_name) && same_name(entry_name->valuestring, name))
      return entry;
    const cJSON *alias;
    cJSON_ArrayForEach(alias, cJSON_GetObjectItemCaseSensitive(entry, "aliases"))
    {
      if (cJSON_IsString(alias) && same_name(alias->valuestring, name))
        return entry;
    }
  }
  return NULL;
}

/* A unit already seen under name, an alias of it, or a name with the
 * same loose key. */
static const unit_t *
find_unit_loose(const importer_t *importer, const char *name)
{
  char key[512], unit_key[512];
  loose_key(name, key, sizeof key);
  for (size_t i = 0; i < importer->unit_count; i++) {
    const unit_t *unit = &importer->units[i];
    if (strcmp(unit->name, name) == 0 || strvec_has(&unit->aliases, name))
      return unit;
    loose_key(unit->name, unit_key, sizeof unit_key);
    if (strcmp(key, unit_key) == 0)
      return unit;
  }
  return NULL;
}

static void
add_alias(importer_t *importer, unit_t *unit, const char *name)
{
  if (!strvec_has(&unit->aliases, name))
    strvec_push(importer, &unit->aliases, import_strdup(importer, name));
}

/* A unit first seen: with its aliases and code if the units file has it. */
static int
add_unit(importer_t *importer, const char *name, const char *canonical, const cJSON *from_file, int line)
{
  if (!import_grow(importer, (void **)&importer->units, &importer->unit_capacity, importer->unit_count + 1,
                   sizeof *importer->units))
    return -1;
  unit_t *unit = &importer->units[importer->unit_count];
  unit->name = import_strdup(importer, canonical);
  if (from_file) {
    const cJSON *alias;
    cJSON_ArrayForEach(alias, cJSON_GetObjectItemCaseSensitive(from_file, "aliases"))
    {
      if (cJSON_IsString(alias))
        strvec_push(importer, &unit->aliases, import_strdup(importer, alias->valuestring));
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(from_file, "code");
    if (cJSON_IsString(code)) /* a collective's entry may have members and no code */
      unit->code = import_strdup(importer, code->valuestring);
    if (strcmp(canonical, name) != 0)
      import_report(importer, line, "alias",
                    dbn_tr("%s 读作 %s（单位文件中的别名）", "%s read as %s (an alias from the units file)"),
                    name, canonical);
  }
  importer->unit_count++;
  return (int)importer->unit_count - 1;
}

int
import_unit_register(importer_t *importer, const char *name, int line)
{
  const cJSON *from_file = file_unit(importer, name);
  const char *canonical = name;
  if (from_file)
    canonical = cJSON_GetObjectItemCaseSensitive(from_file, "name")->valuestring;
  for (size_t i = 0; i < importer->unit_count; i++) {
    if (strcmp(importer->units[i].name, canonical) == 0) {
      if (strcmp(canonical, name) != 0) {
        add_alias(importer, &importer->units[i], name);
        import_report(
            importer, line, "alias",
            dbn_tr("%s 读作 %s（单位文件中的别名）", "%s read as %s (an alias from the units file)"), name,
            canonical);
      }
      return (int)i;
    }
  }
  if (!from_file) {
    const unit_t *seen = find_unit_loose(importer, name);
    if (seen) {
      int index = (int)(seen - importer->units);
      add_alias(importer, &importer->units[index], name);
      import_report(importer, line, "alias",
                    dbn_tr("%s 读作 %s，是别名（文中两种写法都有）",
                           "%s read as %s, an alias (the document spells it both ways)"),
                    name, seen->name);
      return index;
    }
  }
  int index = add_unit(importer, name, canonical, from_file, line);
  if (index >= 0 && !from_file && strncmp(name, "各", strlen("各")) == 0)
    import_report(
        importer, line, "units",
        dbn_tr("%s 是集体单位（一个名称下有多个单位）：按原文保留为一个单位；"
               "可在单位文件中给它 \"members\"（其所属的已登记单位）或一个代码",
               "%s is a collective (several units under one name): kept as one unit with its wording; "
               "give it \"members\" (its registered units) in the units file, or a code"),
        name);
  return index;
}

/* ---- collectives expanded through the units file ------------------------------------ */

/* The entry of the units file a member names: by name, code or alias. */
static const cJSON *
member_entry(const cJSON *units, const char *member)
{
  const cJSON *entry;
  cJSON_ArrayForEach(entry, units)
  {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(entry, "code");
    if ((cJSON_IsString(name) && same_name(name->valuestring, member)) ||
        (cJSON_IsString(code) && strcmp(code->valuestring, member) == 0))
      return entry;
    const cJSON *alias;
    cJSON_ArrayForEach(alias, cJSON_GetObjectItemCaseSensitive(entry, "aliases"))
    {
      if (cJSON_IsString(alias) && same_name(alias->valuestring, member))
        return entry;
    }
  }
  return NULL;
}

/* The members the units file gives a collective, or NULL. */
static const cJSON *
collective_members(const importer_t *importer, const char *name)
{
  const cJSON *entry = file_unit(importer, name);
  const cJSON *members = entry ? cJSON_GetObjectItemCaseSensitive(entry, "members") : NULL;
  return cJSON_IsArray(members) && cJSON_GetArraySize(members) > 0 ? members : NULL;
}

size_t
import_unit_expand(importer_t *importer, const char *name, int line, int *out, size_t max)
{
  const cJSON *members = collective_members(importer, name);
  if (!members) {
    int index = import_unit_register(importer, name, line);
    if (index < 0 || max == 0)
      return 0;
    out[0] = index;
    return 1;
  }
  size_t count = 0;
  char list[1024] = "";
  size_t used = 0;
  const cJSON *member;
  cJSON_ArrayForEach(member, members)
  {
    /* import_check_units_file made sure every member names a plain entry */
    const cJSON *entry = member_entry(importer->options->units, member->valuestring);
    if (!entry)
      continue;
    const char *unit = cJSON_GetObjectItemCaseSensitive(entry, "name")->valuestring;
    int index = import_unit_register(importer, unit, line);
    bool seen = false;
    for (size_t i = 0; i < count; i++)
      seen |= out[i] == index;
    if (index < 0 || seen || count >= max)
      continue;
    out[count++] = index;
    int wrote = snprintf(list + used, sizeof list - used, "%s%s", count > 1 ? "、" : "", unit);
    used = wrote > 0 && (size_t)wrote < sizeof list - used ? used + (size_t)wrote : used;
  }
  import_report(importer, line, "collective", "集体单位 %s 按单位文件展开为 %zu 个单位：%s", name, count,
                list);
  if (!strvec_has(&importer->expanded, name))
    strvec_push(importer, &importer->expanded, import_strdup(importer, name));
  return count;
}

/* ---- codes ------------------------------------------------------------------------ */

/* Readable codes for common department names: the initials of the usual
 * short form's pinyin (林草局 → LCJ). Matched against the end of a name, so
 * 市交通运输局 and 国家税务局鄂尔多斯市税务局 both find theirs. */
static const struct {
  const char *suffix;
  const char *code;
} CODES[] = {
    {"发展和改革委员会", "FGW"},
    {"发展改革委", "FGW"},
    {"发改委", "FGW"},
    {"工业和信息化局", "GXJ"},
    {"科学技术局", "KJJ"},
    {"科技局", "KJJ"},
    {"教育体育局", "JYJ"},
    {"教育局", "JYJ"},
    {"体育局", "TYJ"},
    {"公安局", "GAJ"},
    {"民政局", "MZJ"},
    {"司法局", "SFJ"},
    {"财政局", "CZJ"},
    {"人力资源和社会保障局", "RSJ"},
    {"人力资源社会保障局", "RSJ"},
    {"人社局", "RSJ"},
    {"自然资源局", "ZRZYJ"},
    {"生态环境局", "STHJJ"},
    {"住房和城乡建设局", "ZJJ"},
    {"住建局", "ZJJ"},
    {"交通运输局", "JTJ"},
    {"水利局", "SLJ"},
    {"农牧局", "NMJ"},
    {"农业农村局", "NNJ"},
    {"商务局", "SWUJ"},
    {"文化和旅游局", "WLJ"},
    {"文旅局", "WLJ"},
    {"卫生健康委员会", "WJW"},
    {"卫健委", "WJW"},
    {"退役军人事务局", "TYJRJ"},
    {"应急管理局", "YJJ"},
    {"审计局", "SJJ"},
    {"国有资产监督管理委员会", "GZW"},
    {"国资委", "GZW"},
    {"市场监督管理局", "SCJGJ"},
    {"统计局", "TJJ"},
    {"医疗保障局", "YBJ"},
    {"林业和草原局", "LCJ"},
    {"林草局", "LCJ"},
    {"大数据中心", "DSJZX"},
    {"大数据局", "DSJJ"},
    {"政务服务局", "ZWFWJ"},
    {"公共资源交易中心", "GGZYJYZX"},
    {"金融工作办公室", "JRB"},
    {"金融办", "JRB"},
    {"组织部", "ZZB"},
    {"宣传部", "XCB"},
    {"统战部", "TZB"},
    {"供电公司", "GDGS"},
    {"气象局", "QXJ"},
    {"政府办公室", "ZFB"},
    {"外事办公室", "WSB"},
    {"城市管理综合执法局", "CGJ"},
    {"城市管理局", "CGJ"},
    {"乡村振兴局", "XCZXJ"},
    {"广播电视局", "GDJ"},
    {"税务局", "SWJ"},
    {"能源局", "NYJ"},
    {"地震局", "DZJ"},
    {"粮食和物资储备局", "LSJ"},
    {"林业局", "LYJ"},
    {"水务局", "SWUJ"},
    {"总工会", "ZGH"},
    {"团委", "TW"},
    {"妇联", "FL"},
    {"科协", "KX"},
    {"残联", "CL"},
    {NULL, NULL},
};

/* The code a name gets before collisions are settled: the longest
 * matching suffix's, else U and six hex digits of its hash. */
static void
base_code(const char *name, char *out, size_t out_len)
{
  const char *best = NULL;
  size_t best_len = 0, name_len = strlen(name);
  for (int i = 0; CODES[i].suffix; i++) {
    size_t suffix_len = strlen(CODES[i].suffix);
    if (suffix_len <= name_len && suffix_len > best_len &&
        strcmp(name + name_len - suffix_len, CODES[i].suffix) == 0) {
      best = CODES[i].code;
      best_len = suffix_len;
    }
  }
  if (best)
    snprintf(out, out_len, "%s", best);
  else
    snprintf(out, out_len, "U%06X", (unsigned)(import_fnv1a(name) & 0xffffff));
}

static bool
code_taken(const importer_t *importer, size_t except, const char *code)
{
  for (size_t i = 0; i < importer->unit_count; i++)
    if (i != except && importer->units[i].code && strcmp(importer->units[i].code, code) == 0)
      return true;
  return false;
}

void
import_assign_codes(importer_t *importer)
{
  for (size_t i = 0; i < importer->unit_count && !importer->error; i++) {
    unit_t *unit = &importer->units[i];
    if (unit->code)
      continue;
    char base[64], code[80];
    base_code(unit->name, base, sizeof base);
    snprintf(code, sizeof code, "%s", base);
    for (int suffix = 2; code_taken(importer, i, code); suffix++)
      snprintf(code, sizeof code, "%s%d", base, suffix);
    unit->code = import_strdup(importer, code);
  }
}

/* ---- the units file ------------------------------------------------------------------ */

/* A collective's "members": strings, each naming (by name, code or alias)
 * another entry of the file that is a unit, not a collective itself. */
static int
check_members(const cJSON *units, const cJSON *entry, int index, char *why, size_t why_len)
{
  const cJSON *members = cJSON_GetObjectItemCaseSensitive(entry, "members");
  const char *name = cJSON_GetObjectItemCaseSensitive(entry, "name")->valuestring;
  if (!cJSON_IsArray(members) || cJSON_GetArraySize(members) == 0) {
    snprintf(why, why_len,
             dbn_tr("单位文件：第 %d 项（%.200s）：\"members\" 须为非空数组",
                    "units file: entry %d (%.200s): \"members\" must be a non-empty array"),
             index, name);
    return DBN_EINVAL;
  }
  const cJSON *member;
  cJSON_ArrayForEach(member, members)
  {
    const cJSON *target = cJSON_IsString(member) ? member_entry(units, member->valuestring) : NULL;
    if (!target || target == entry || cJSON_GetObjectItemCaseSensitive(target, "members")) {
      snprintf(
          why, why_len,
          dbn_tr("单位文件：第 %d 项（%.200s）：成员 %.200s 不是文件中的单位（按名称、代码或别名；"
                 "集体单位不能作为成员）",
                 "units file: entry %d (%.200s): member %.200s is not a unit of the file (by name, code or "
                 "alias; a collective cannot be a member)"),
          index, name,
          cJSON_IsString(member) ? member->valuestring : dbn_tr("（不是字符串）", "(not a string)"));
      return DBN_EINVAL;
    }
  }
  return 0;
}

static int
check_units_entry(const cJSON *units, const cJSON *entry, int index, char *why, size_t why_len)
{
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(entry, "code");
  const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(entry, "aliases");
  const cJSON *members = cJSON_GetObjectItemCaseSensitive(entry, "members");
  if (!cJSON_IsObject(entry) || !cJSON_IsString(name) || !name->valuestring[0] ||
      !(cJSON_IsString(code) || (members && !code))) {
    snprintf(why, why_len,
             dbn_tr("单位文件：第 %d 项需要字符串 \"name\" 和 \"code\"",
                    "units file: entry %d needs a string \"name\" and \"code\""),
             index);
    return DBN_EINVAL;
  }
  if (members) {
    int rc = check_members(units, entry, index, why, why_len);
    if (rc || !code)
      return rc;
  }
  if (!dbn_identity_code_valid(code->valuestring)) {
    snprintf(
        why, why_len,
        dbn_tr("单位文件：第 %d 项（%.200s）：代码 \"%.40s\" 须为 1 到 32 个 ASCII 字母、数字、- 或 _",
               "units file: entry %d (%.200s): code \"%.40s\" must be 1-32 ASCII letters, digits, - or _"),
        index, name->valuestring, code->valuestring);
    return DBN_EINVAL;
  }
  bool aliases_ok = !aliases || cJSON_IsArray(aliases);
  if (aliases_ok) {
    const cJSON *alias;
    cJSON_ArrayForEach(alias, aliases)
    {
      if (!cJSON_IsString(alias))
        aliases_ok = false;
    }
  }
  if (!aliases_ok) {
    snprintf(why, why_len,
             dbn_tr("单位文件：第 %d 项（%.200s）：\"aliases\" 须为字符串数组",
                    "units file: entry %d (%.200s): \"aliases\" must be an array of strings"),
             index, name->valuestring);
    return DBN_EINVAL;
  }
  int earlier_index = 0;
  const cJSON *earlier;
  cJSON_ArrayForEach(earlier, units)
  {
    if (earlier_index >= index)
      break;
    const cJSON *earlier_code = cJSON_GetObjectItemCaseSensitive(earlier, "code");
    if (cJSON_IsString(earlier_code) && strcmp(earlier_code->valuestring, code->valuestring) == 0) {
      snprintf(why, why_len,
               dbn_tr("单位文件：代码 %.40s 同时给了第 %d 项和第 %d 项",
                      "units file: code %.40s is given to entries %d and %d"),
               code->valuestring, earlier_index, index);
      return DBN_EINVAL;
    }
    earlier_index++;
  }
  return 0;
}

int
import_check_units_file(const cJSON *units, char *why, size_t why_len)
{
  if (!cJSON_IsArray(units)) {
    snprintf(why, why_len,
             dbn_tr("单位文件：应为 {\"name\", \"code\", \"aliases\"} 组成的 JSON 数组",
                    "units file: expected a JSON array of {\"name\", \"code\", \"aliases\"}"));
    return DBN_EINVAL;
  }
  int index = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, units)
  {
    int rc = check_units_entry(units, entry, index, why, why_len);
    if (rc)
      return rc;
    index++;
  }
  return 0;
}
