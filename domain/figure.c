/* figure.c: see figure.h. */
#include "figure.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int
dbn_target_quantity(const Duban__Target *target, dbn_quantity_t *q, char *why, size_t why_len)
{
  int rc = dbn_quantity_from_value(target->value, target->unit_of_measure, q, why, why_len);
  /* The importer stores targets in the base unit (5500万千瓦 as 55000000
   * 千瓦): print them on the 万/亿 ladder, the way the plan wrote them. */
  if (rc == 0)
    q->as_typed = false;
  return rc;
}

void
dbn_targets_describe(const Duban__Task *task, char *out, size_t out_len)
{
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < task->n_targets && used < out_len; i++) {
    char amount[DBN_QUANTITY_FORMAT_LEN] = "";
    dbn_quantity_t q;
    char why[128];
    if (dbn_target_quantity(task->targets[i], &q, why, sizeof why) == 0)
      dbn_quantity_format(&q, amount, sizeof amount);
    int n = snprintf(out + used, out_len - used, "%s%zu. %s %s", i ? "; " : "", i + 1, task->targets[i]->what,
                     amount);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* The target figure->what names: by name, or by its number "1", "#1". */
static const Duban__Target *
find_target(const Duban__Task *task, const char *what, size_t *index_p)
{
  for (size_t i = 0; i < task->n_targets; i++)
    if (strcmp(task->targets[i]->what, what) == 0) {
      *index_p = i;
      return task->targets[i];
    }
  const char *digits = what[0] == '#' ? what + 1 : what;
  char *end;
  long number = strtol(digits, &end, 10);
  if (*digits >= '1' && *digits <= '9' && *end == '\0' && number >= 1 && (size_t)number <= task->n_targets) {
    *index_p = (size_t)number - 1;
    return task->targets[number - 1];
  }
  return NULL;
}

const Duban__Target *
dbn_figure_target(const Duban__Task *task, const Duban__Figure *figure)
{
  size_t index;
  return figure->what ? find_target(task, figure->what, &index) : NULL;
}

/* Refuse with what is wrong (first) and the task's targets. */
static int
refuse(const Duban__Task *task, const char *first, char *why, size_t why_len)
{
  char targets[600];
  dbn_targets_describe(task, targets, sizeof targets);
  snprintf(why, why_len, "%s; the targets of task '%s' are: %s", first, task->id, targets);
  return DBN_EINVAL;
}

int
dbn_figure_check(const Duban__Task *task, const Duban__Figure *figure, size_t *target_index_p,
                 int64_t *base_milli_p, char *why, size_t why_len)
{
  if (task->n_targets == 0) {
    snprintf(why, why_len,
             "task '%s' sets no quantity to report against; report --percent and a --note (and evidence) "
             "instead of a figure",
             task->id);
    return DBN_EINVAL;
  }
  const char *what = figure->what ? figure->what : "";
  char first[320], detail[200];
  const Duban__Target *target = find_target(task, what, target_index_p);
  if (!target) {
    snprintf(first, sizeof first, "'%s' is not a target of this task", what);
    return refuse(task, first, why, why_len);
  }
  if (!figure->unit_of_measure || !*figure->unit_of_measure) {
    snprintf(first, sizeof first, "figure '%s' has no unit; write it with one, as the target is", what);
    return refuse(task, first, why, why_len);
  }
  dbn_quantity_t reported, wanted;
  if (dbn_quantity_from_value(figure->value, figure->unit_of_measure, &reported, detail, sizeof detail)) {
    snprintf(first, sizeof first, "figure '%s': %s", what, detail);
    return refuse(task, first, why, why_len);
  }
  if (dbn_target_quantity(target, &wanted, detail, sizeof detail)) {
    snprintf(first, sizeof first, "the target '%s' cannot be read: %s", target->what, detail);
    return refuse(task, first, why, why_len);
  }
  if (!dbn_quantity_same_dimension(&reported, &wanted)) {
    snprintf(first, sizeof first, "figure '%s' is in %s, but the target '%s' is measured in %s (%s)", what,
             dbn_unit_name(reported.unit), target->what, dbn_unit_dimension(wanted.unit),
             dbn_unit_name(dbn_unit_base(wanted.unit)));
    return refuse(task, first, why, why_len);
  }
  *base_milli_p = reported.base_milli;
  return 0;
}

void
dbn_figure_format(const Duban__Figure *figure, const Duban__Target *target, char *out, size_t out_len)
{
  dbn_quantity_t reported, wanted;
  char why[128];
  if (dbn_quantity_from_value(figure->value, figure->unit_of_measure, &reported, why, sizeof why)) {
    /* A figure an older duban let in, in a unit the table does not know. */
    snprintf(out, out_len, "%g%s", figure->value, figure->unit_of_measure ? figure->unit_of_measure : "");
    return;
  }
  if (target && dbn_target_quantity(target, &wanted, why, sizeof why) == 0)
    dbn_quantity_format_against(&reported, &wanted, out, out_len);
  else
    dbn_quantity_format(&reported, out, out_len);
}
