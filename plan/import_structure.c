/* import_structure.c: the importer's second phase, lines in, sections →
 * measures → actions out.
 *
 * Each line is classified (section 一、, measure （一）, item 1. or （1） or
 * ①, the 具体落实举措 marker, a line of units, the 抄送 footer, or plain
 * text), and a small state machine puts it in its place: a section opens,
 * a measure opens under it, items become its actions, a paragraph becomes
 * a further action or part of one. Units in parentheses are read with
 * import_units.c as they come; everything else about units, dates and
 * targets waits for import_build.c. Whatever does not fit is reported with
 * its line. Numbers that repeat are made unique at the end
 * (import_check_numbers), so that task ids never collide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "import_internal.h"
#include "lang.h"

/* ---- classifying a line ---------------------------------------------------------- */

enum line_kind {
  LINE_BLANK,
  LINE_SECTION,
  LINE_MEASURE,
  LINE_ITEM,
  LINE_MARKER,
  LINE_UNITS,
  LINE_FOOTER,
  LINE_TEXT
};

enum item_style { ITEM_NONE, ITEM_DOTTED, ITEM_PARENTHESIZED, ITEM_CIRCLED };

typedef struct {
  enum line_kind kind;
  int number;            /* section, measure or item number */
  enum item_style style; /* items: "1.", "（1）" or "①" */
  size_t content;        /* where the text after the numbering starts */
} line_class_t;

static bool
is_footer(const uint32_t *normalized, size_t start, size_t end, bool started)
{
  if (literal_at(normalized, start, end, "抄送") || literal_at(normalized, start, end, "抄报"))
    return true;
  return started && literal_ends(normalized, start, end, "印发") &&
         literal_find(normalized, start, end, "年") != SIZE_MAX && end - start < 60;
}

/* 一、 / 一. / 第一部分 */
static bool
section_heading(const uint32_t *normalized, size_t start, size_t end, line_class_t *classified)
{
  size_t i = start;
  while (i < end && i - start < 4 && cn_is_numeral(normalized[i]))
    i++;
  /* 一、各责任单位要高度重视，……报区人民政府办公室。 is a numbered paragraph
   * of the covering notice, not a section: a heading is short, or at
   * least does not end a long sentence */
  if (i > start && i < end && end - i > 60 && normalized[end - 1] == 0x3002)
    return false;
  if (i > start && i < end && (normalized[i] == 0x3001 || normalized[i] == '.')) {
    classified->kind = LINE_SECTION;
    classified->number = cn_value(normalized, start, i);
    classified->content = cp_skip_spaces(normalized, i + 1, end);
    return true;
  }
  if (normalized[start] != 0x7b2c) /* 第 */
    return false;
  i = start + 1;
  while (i < end && i - start < 5 && cn_is_numeral(normalized[i]))
    i++;
  size_t word;
  if (i > start + 1 &&
      ((word = literal_at(normalized, i, end, "部分")) || (word = literal_at(normalized, i, end, "章")) ||
       (word = literal_at(normalized, i, end, "篇")))) {
    classified->kind = LINE_SECTION;
    classified->number = cn_value(normalized, start + 1, i);
    i += word;
    while (i < end && (cp_is_space(normalized[i]) || normalized[i] == 0x3001 || normalized[i] == ':'))
      i++;
    classified->content = i;
    return true;
  }
  return false;
}

/* （一） is a measure, （1） an item. */
static bool
parenthesized_heading(const uint32_t *normalized, size_t start, size_t end, line_class_t *classified)
{
  if (normalized[start] != '(')
    return false;
  size_t i = start + 1;
  while (i < end && i - start < 5 && cn_is_numeral(normalized[i]))
    i++;
  if (i > start + 1 && i < end && normalized[i] == ')') {
    classified->kind = LINE_MEASURE;
    classified->number = cn_value(normalized, start + 1, i);
    i = cp_skip_spaces(normalized, i + 1, end);
    if (i < end && normalized[i] == 0x3001)
      i++;
    classified->content = cp_skip_spaces(normalized, i, end);
    return true;
  }
  i = start + 1;
  while (i < end && i - start < 4 && cp_is_digit(normalized[i]))
    i++;
  if (i > start + 1 && i < end && normalized[i] == ')') {
    classified->kind = LINE_ITEM;
    classified->style = ITEM_PARENTHESIZED;
    classified->number = 0;
    for (size_t k = start + 1; k < i; k++)
      classified->number = classified->number * 10 + (int)(normalized[k] - '0');
    classified->content = cp_skip_spaces(normalized, i + 1, end);
    return true;
  }
  return false;
}

/* ①..⑳, and 1. 1、 1） — but "1.2023年…" is item 1 whose text begins with
 * a year, and "2.6亿元…" at the start of a line is not an item 2 unless 2
 * is the number we expect next. */
static bool
numbered_item(const importer_t *importer, size_t start, size_t end, line_class_t *classified)
{
  const uint32_t *normalized = importer->normalized;
  if (normalized[start] >= 0x2460 && normalized[start] <= 0x2473) {
    classified->kind = LINE_ITEM;
    classified->style = ITEM_CIRCLED;
    classified->number = (int)(normalized[start] - 0x2460) + 1;
    classified->content = cp_skip_spaces(normalized, start + 1, end);
    return true;
  }
  size_t i = start;
  while (i < end && i - start < 4 && cp_is_digit(normalized[i]))
    i++;
  if (!(i > start && i - start <= 3 && i < end &&
        (normalized[i] == '.' || normalized[i] == 0x3001 || normalized[i] == ')')))
    return false;
  int number = 0;
  for (size_t k = start; k < i; k++)
    number = number * 10 + (int)(normalized[k] - '0');
  bool digit_after = i + 1 < end && cp_is_digit(normalized[i + 1]);
  if (digit_after && number != 1 && number != importer->last_item_number + 1)
    return false;
  classified->kind = LINE_ITEM;
  classified->style = ITEM_DOTTED;
  classified->number = number;
  classified->content = cp_skip_spaces(normalized, i + 1, end);
  return true;
}

/* The marker before the actions: 具体落实举措： */
static bool
is_actions_marker(const uint32_t *normalized, size_t start, size_t end)
{
  return end - start <= 16 && literal_find(normalized, start, end, ",") == SIZE_MAX &&
         literal_find(normalized, start, end, "。") == SIZE_MAX &&
         (literal_find(normalized, start, end, "举措") != SIZE_MAX ||
          literal_find(normalized, start, end, "措施") != SIZE_MAX ||
          literal_find(normalized, start, end, "任务") != SIZE_MAX) &&
         (normalized[end - 1] == ':' || literal_ends(normalized, start, end, "举措") ||
          literal_ends(normalized, start, end, "措施"));
}

/* A line of units: 牵头单位：… or （牵头单位：…） */
static bool
units_line(const uint32_t *normalized, size_t start, size_t end, line_class_t *classified)
{
  size_t colon = literal_find(normalized, start, end < start + 9 ? end : start + 9, ":");
  size_t units_start = start, units_end = end;
  if (normalized[start] == '(' && normalized[end - 1] == ')') {
    units_start = start + 1;
    units_end = end - 1;
    colon =
        literal_find(normalized, units_start, units_end < units_start + 9 ? units_end : units_start + 9, ":");
  }
  if (colon == SIZE_MAX || !import_names_role(normalized, units_start, colon))
    return false;
  classified->kind = LINE_UNITS;
  classified->content = units_start;
  return true;
}

static line_class_t
classify(const importer_t *importer, const line_t *line, bool started)
{
  const uint32_t *normalized = importer->normalized;
  size_t start = line->start, end = line->end;
  line_class_t classified = {LINE_TEXT, 0, ITEM_NONE, start};
  if (start >= end) {
    classified.kind = LINE_BLANK;
    return classified;
  }
  if (is_footer(normalized, start, end, started)) {
    classified.kind = LINE_FOOTER;
    return classified;
  }
  if (section_heading(normalized, start, end, &classified) ||
      parenthesized_heading(normalized, start, end, &classified) ||
      numbered_item(importer, start, end, &classified))
    return classified;
  if (is_actions_marker(normalized, start, end))
    classified.kind = LINE_MARKER;
  else
    units_line(normalized, start, end, &classified);
  return classified;
}

/* ---- sections, measures, actions ---------------------------------------------------- */

static section_t *
new_section(importer_t *importer, int number, int line)
{
  if (!import_grow(importer, (void **)&importer->sections, &importer->section_capacity,
                   importer->section_count + 1, sizeof *importer->sections))
    return NULL;
  section_t *section = &importer->sections[importer->section_count++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)importer->section_count);
  section->number = import_strdup(importer, buf);
  section->line = line;
  return section;
}

/* A section for what comes before the first one: untitled, numbered 1. */
static section_t *
untitled_section(importer_t *importer, int line)
{
  section_t *section = new_section(importer, 1, line);
  if (section)
    section->title = import_strdup(importer, "");
  return section;
}

static measure_t *
new_measure(importer_t *importer, section_t *section, int number, int line)
{
  if (!import_grow(importer, (void **)&section->measures, &section->measure_capacity,
                   section->measure_count + 1, sizeof *section->measures))
    return NULL;
  measure_t *measure = &section->measures[section->measure_count++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)section->measure_count);
  measure->number = import_strdup(importer, buf);
  measure->line = line;
  return measure;
}

action_t *
import_new_action(importer_t *importer, measure_t *measure, int number, int line)
{
  if (!import_grow(importer, (void **)&measure->actions, &measure->action_capacity, measure->action_count + 1,
                   sizeof *measure->actions))
    return NULL;
  action_t *action = &measure->actions[measure->action_count++];
  char buf[24];
  snprintf(buf, sizeof buf, "%d", number > 0 ? number : (int)measure->action_count);
  action->number = import_strdup(importer, buf);
  action->line = action->last_line = line;
  return action;
}

/* The units read from an action's trailing parentheses: the first lead
 * (else cooperating) unit owns it, and labelled units are kept on it. */
static void
take_action_units(importer_t *importer, action_t *action, const strvec_t *lead, const strvec_t *cooperating,
                  bool labelled, int line)
{
  if (labelled) {
    strvec_push_copies(importer, &action->lead, lead);
    strvec_push_copies(importer, &action->cooperating, cooperating);
  }
  const char *owner = lead->count ? lead->items[0] : cooperating->items[0];
  if (!action->owner) {
    action->owner = import_strdup(importer, owner);
    if (lead->count > 1)
      import_report(importer, line, "owner",
                    dbn_tr("一项举措写了多个单位（%zu 个）：由 %s 负责",
                           "several units (%zu) named for one action: %s owns it"),
                    lead->count, owner);
    else if (!lead->count)
      import_report(
          importer, line, "owner",
          dbn_tr("这项举措只写了配合单位：由 %s 负责", "the action names only cooperating units: %s owns it"),
          owner);
  }
  action->closed = true;
}

/* Append normalized[start..end) to an action, taking a trailing unit
 * group as its owner. */
static void
action_text(importer_t *importer, action_t *action, size_t start, size_t end, int line)
{
  size_t open, close;
  if (line > action->last_line)
    action->last_line = line;
  if (import_trailing_paren(importer->normalized, start, end, &open, &close)) {
    strvec_t lead = {0}, cooperating = {0};
    bool labelled = false;
    if (import_parse_units(importer, open + 1, close, &lead, &cooperating, &labelled)) {
      take_action_units(importer, action, &lead, &cooperating, labelled, line);
      end = open;
      cp_trim(importer->normalized, &start, &end);
    }
    strvec_free(&lead);
    strvec_free(&cooperating);
  } else if (import_unclosed_units(importer->normalized, start, end)) {
    import_report(importer, line, "structure",
                  dbn_tr("写单位的左括号没有闭合：读不出责任单位",
                         "an opening parenthesis with units is never closed: the owner is unreadable"));
  }
  if (start >= end)
    return;
  cptext_append_paragraph(importer, &action->text, importer->typed + start, importer->normalized + start,
                          end - start);
}

static void
measure_text(importer_t *importer, measure_t *measure, size_t start, size_t end, int line)
{
  size_t open, close;
  if (import_trailing_paren(importer->normalized, start, end, &open, &close)) {
    bool labelled = false;
    if (import_parse_units(importer, open + 1, close, &measure->lead, &measure->cooperating, &labelled)) {
      measure->units_seen = true;
      end = open;
      cp_trim(importer->normalized, &start, &end);
    }
  } else if (import_unclosed_units(importer->normalized, start, end)) {
    import_report(
        importer, line, "structure",
        dbn_tr("写单位的左括号没有闭合：读不出措施的单位",
               "an opening parenthesis with units is never closed: the measure's units are unreadable"));
  }
  if (start >= end)
    return;
  cptext_append_paragraph(importer, &measure->text, importer->typed + start, importer->normalized + start,
                          end - start);
}

/* ---- the state machine ------------------------------------------------------------- */

/* Where the reader is: the section, measure and action that a line may
 * continue. NULL when there is none yet. */
typedef struct {
  section_t *section;
  measure_t *measure;
  action_t *action;
} cursor_t;

static void
on_section(importer_t *importer, cursor_t *at, const line_class_t *classified, const line_t *line)
{
  at->section = new_section(importer, classified->number, line->number);
  if (!at->section)
    return;
  at->section->title = import_encode_limited(importer, importer->typed, classified->content, line->end,
                                             line->number, dbn_tr("部分的标题", "a section title"));
  at->section->title_start = classified->content;
  at->section->title_end = line->end;
  at->measure = NULL;
  at->action = NULL;
}

static void
on_measure(importer_t *importer, cursor_t *at, const line_class_t *classified, const line_t *line)
{
  if (!at->section) {
    import_report(importer, line->number, "structure",
                  dbn_tr("措施出现在任何部分之前：归入无标题的第 1 部分",
                         "a measure before any section: put under an untitled section 1"));
    at->section = untitled_section(importer, line->number);
    if (!at->section)
      return;
  }
  at->measure = new_measure(importer, at->section, classified->number, line->number);
  at->action = NULL;
  if (at->measure)
    measure_text(importer, at->measure, classified->content, line->end, line->number);
}

/* The label of a units line names a person (牵头负责领导：金力), not a unit. */
static bool
names_person(const uint32_t *normalized, size_t start, size_t end)
{
  size_t colon = literal_find(normalized, start, end, ":");
  if (colon == SIZE_MAX)
    return false;
  return literal_find(normalized, start, colon, "领导") != SIZE_MAX ||
         literal_find(normalized, start, colon, "负责人") != SIZE_MAX ||
         literal_find(normalized, start, colon, "联系人") != SIZE_MAX;
}

/* A line of units belongs to the action before it if that has no owner
 * yet (a further line gives it cooperating units), else to a measure that
 * has no units and no actions yet. */
static void
on_units_line(importer_t *importer, cursor_t *at, const line_class_t *classified, const line_t *line)
{
  strvec_t lead = {0}, cooperating = {0};
  bool labelled = false;
  size_t units_start = classified->content, units_end = line->end;
  /* （牵头单位：…） as a whole line: without its parentheses; a line that
   * only ends with one (…政府（管委会）) keeps it */
  if (units_end > units_start && importer->normalized[units_end - 1] == ')' && units_start > line->start &&
      importer->normalized[line->start] == '(')
    units_end--;
  if (names_person(importer->normalized, units_start, units_end)) {
    import_report(importer, line->number, "units", "这一行写的是人（牵头负责领导、联系人），不是单位：不读");
  } else if (!import_parse_units(importer, units_start, units_end, &lead, &cooperating, &labelled)) {
    import_report(importer, line->number, "structure",
                  dbn_tr("读不出的一行单位：不读", "a line of units that cannot be read: ignored"));
  } else if (at->action && at->action->owner && at->action->line >= at->measure->line) {
    /* 牵头单位：A then 责任单位：B, C on the next line: A owns the action, B
     * and C answer with it */
    strvec_push_copies(importer, &at->action->cooperating, &lead);
    strvec_push_copies(importer, &at->action->cooperating, &cooperating);
    import_report(importer, line->number, "owner", "事项 %s 已由 %s 负责，其后这一行的单位记为配合单位",
                  at->action->number, at->action->owner);
  } else if (at->action && !at->action->owner) {
    at->action->owner = import_strdup(importer, lead.count ? lead.items[0] : cooperating.items[0]);
    strvec_push_copies(importer, &at->action->lead, &lead);
    strvec_push_copies(importer, &at->action->cooperating, &cooperating);
    at->action->closed = true;
  } else if (at->measure && !at->measure->units_seen && at->measure->action_count == 0) {
    strvec_push_copies(importer, &at->measure->lead, &lead);
    strvec_push_copies(importer, &at->measure->cooperating, &cooperating);
    at->measure->units_seen = true;
  } else {
    import_report(importer, line->number, "structure",
                  dbn_tr("一行单位没有可归属的措施或举措：不读",
                         "a line of units with nothing to attach it to: ignored"));
  }
  strvec_free(&lead);
  strvec_free(&cooperating);
}

/* Numbered items directly under a section: one measure whose text is the
 * section's title. */
static measure_t *
measure_for_items(importer_t *importer, section_t *section, int line)
{
  import_report(importer, line, "structure",
                dbn_tr("第 %s 部分下直接是编号事项：读作一项措施",
                       "numbered items directly under section %s: read as one measure"),
                section->number);
  measure_t *measure = new_measure(importer, section, 1, line);
  if (measure)
    cptext_append(importer, &measure->text, importer->typed + section->title_start,
                  importer->normalized + section->title_start, section->title_end - section->title_start);
  return measure;
}

static void
on_item(importer_t *importer, cursor_t *at, const line_class_t *classified, const line_t *line)
{
  if (at->measure && at->action && at->measure->item_style &&
      (int)classified->style != at->measure->item_style) {
    /* a sub-item ((1) under 1.): part of the action's text */
    action_text(importer, at->action, line->start, line->end, line->number);
    return;
  }
  if (!at->section) {
    import_report(importer, line->number, "structure",
                  dbn_tr("编号事项出现在任何部分之前：归入无标题的第 1 部分",
                         "a numbered item before any section: put under an untitled section 1"));
    at->section = untitled_section(importer, line->number);
    if (!at->section)
      return;
  }
  if (!at->measure) {
    at->measure = measure_for_items(importer, at->section, line->number);
    if (!at->measure)
      return;
  }
  at->measure->in_actions = true;
  at->measure->item_style = (int)classified->style;
  importer->last_item_number = classified->number;
  at->action = import_new_action(importer, at->measure, classified->number, line->number);
  if (at->action)
    action_text(importer, at->action, classified->content, line->end, line->number);
}

/* Plain text continues the measure's heading, or the open action, or
 * starts a further (unnumbered) action. */
static void
on_text(importer_t *importer, cursor_t *at, const line_class_t *classified, const line_t *line)
{
  measure_t *measure = at->measure;
  size_t start = classified->content, end = line->end;
  if (!at->section) {
    import_report(importer, line->number, "skipped",
                  dbn_tr("任何部分之前的文字：不属于计划", "text before any section: not part of the plan"));
  } else if (!measure) {
    import_report(importer, line->number, "skipped",
                  dbn_tr("第 %s 部分中第一项措施之前的文字：不是任务",
                         "text in section %s before its first measure: not a task"),
                  at->section->number);
  } else if (!measure->in_actions && measure->action_count == 0 && !measure->units_seen) {
    measure_text(importer, measure, start, end, line->number);
  } else if (at->action && !at->action->closed) {
    action_text(importer, at->action, start, end, line->number);
  } else {
    if (!measure->in_actions)
      import_report(importer, line->number, "structure",
                    dbn_tr("措施 %s.%s 之后的段落，没有“具体落实举措”：读作一项举措",
                           "a paragraph after measure %s.%s without 具体落实举措: read as an action"),
                    at->section->number, measure->number);
    else if (measure->action_count > 0)
      import_report(importer, line->number, "structure",
                    dbn_tr("举措 %s 之后没有编号的段落：读作又一项举措",
                           "an unnumbered paragraph after action %s: read as a further action"),
                    measure->actions[measure->action_count - 1].number);
    measure->in_actions = true;
    at->action = import_new_action(importer, measure, (int)measure->action_count + 1, line->number);
    if (at->action)
      action_text(importer, at->action, start, end, line->number);
  }
}

/* The plan starts at the first section or measure; a document that is
 * only numbered items starts at its item 1. Everything before is the
 * header (notice, title, issuing paragraph). */
static size_t
plan_start(const importer_t *importer)
{
  size_t first_item = importer->line_count;
  for (size_t i = 0; i < importer->line_count; i++) {
    line_class_t classified = classify(importer, &importer->lines[i], false);
    if (classified.kind == LINE_SECTION || classified.kind == LINE_MEASURE)
      return i;
    if (classified.kind == LINE_ITEM && classified.number == 1 && first_item == importer->line_count)
      first_item = i;
  }
  return first_item;
}

int
import_parse_structure(importer_t *importer, size_t *first_line_p, char *why, size_t why_len)
{
  cursor_t at = {NULL, NULL, NULL};
  size_t first_line = plan_start(importer);
  importer->last_item_number = 0;
  for (size_t i = first_line; i < importer->line_count && !importer->error; i++) {
    const line_t *line = &importer->lines[i];
    line_class_t classified = classify(importer, line, true);
    if (classified.kind == LINE_FOOTER)
      break;
    switch (classified.kind) {
    case LINE_BLANK:
    case LINE_FOOTER: break;
    case LINE_SECTION: on_section(importer, &at, &classified, line); break;
    case LINE_MEASURE: on_measure(importer, &at, &classified, line); break;
    case LINE_MARKER:
      if (!at.measure)
        import_report(
            importer, line->number, "structure",
            dbn_tr("“具体落实举措”不在任何措施之中：不读", "an actions marker outside any measure: ignored"));
      else
        at.measure->in_actions = true;
      break;
    case LINE_UNITS: on_units_line(importer, &at, &classified, line); break;
    case LINE_ITEM: on_item(importer, &at, &classified, line); break;
    case LINE_TEXT: on_text(importer, &at, &classified, line); break;
    }
  }
  if (importer->error)
    return importer->error;
  if (importer->section_count == 0) {
    snprintf(
        why, why_len,
        dbn_tr("没有结构：%zu 行中没有找到部分（一、）、措施（（一））或编号事项（1.）",
               "no structure: found no section (一、), measure (（一）) or numbered item (1.) in %zu lines"),
        importer->line_count);
    return DBN_ENOTFOUND;
  }
  *first_line_p = first_line;
  return 0;
}

/* ---- numbering ------------------------------------------------------------------------ */

/* Numbers repeated within their parent would make two tasks share an id:
 * a repeat gets one more than the largest number among its siblings (never
 * a number a later sibling already has), and the report says so. The
 * numbers are the `number` fields of count records stride bytes apart. */
static bool
renumber(importer_t *importer, char **numbers, size_t stride, size_t count, size_t index, int line,
         const char *what, const char *where)
{
  char **mine = (char **)((char *)numbers + index * stride);
  bool repeat = false;
  for (size_t j = 0; j < index && !repeat; j++) {
    char **other = (char **)((char *)numbers + j * stride);
    repeat = *other && *mine && strcmp(*other, *mine) == 0;
  }
  if (!repeat)
    return false;
  long max = 0;
  for (size_t j = 0; j < count; j++) {
    char **other = (char **)((char *)numbers + j * stride);
    long value = *other ? strtol(*other, NULL, 10) : 0;
    if (value > max)
      max = value;
  }
  char buf[24];
  snprintf(buf, sizeof buf, "%ld", max + 1);
  import_report(importer, line, "structure",
                dbn_tr("%s编号 %s 重复%s：改编为 %s", "%s number %s repeats%s: renumbered %s"), what, *mine,
                where, buf);
  free(*mine);
  *mine = import_strdup(importer, buf);
  return true;
}

static void
check_measure_numbers(importer_t *importer, section_t *section)
{
  char where[64];
  snprintf(where, sizeof where, dbn_tr("（第 %s 部分中）", " in section %s"),
           section->number ? section->number : "?");
  for (size_t i = 0; i < section->measure_count && !importer->error; i++)
    renumber(importer, &section->measures[0].number, sizeof section->measures[0], section->measure_count, i,
             section->measures[i].line, dbn_tr("措施", "measure"), where);
  for (size_t i = 0; i < section->measure_count && !importer->error; i++) {
    measure_t *measure = &section->measures[i];
    snprintf(where, sizeof where, dbn_tr("（措施 %s.%s 中）", " in measure %s.%s"),
             section->number ? section->number : "?", measure->number ? measure->number : "?");
    for (size_t k = 0; k < measure->action_count && !importer->error; k++)
      renumber(importer, &measure->actions[0].number, sizeof measure->actions[0], measure->action_count, k,
               measure->actions[k].line, dbn_tr("事项", "item"), where);
  }
}

void
import_check_numbers(importer_t *importer)
{
  for (size_t i = 0; i < importer->section_count && !importer->error; i++)
    renumber(importer, &importer->sections[0].number, sizeof importer->sections[0], importer->section_count,
             i, importer->sections[i].line, dbn_tr("部分", "section"), "");
  for (size_t i = 0; i < importer->section_count && !importer->error; i++)
    check_measure_numbers(importer, &importer->sections[i]);
}
