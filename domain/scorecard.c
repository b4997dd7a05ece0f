/* scorecard.c: see scorecard.h. */
#include "scorecard.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

static dbn_scorecard_t *
find_card(dbn_scorecard_t *cards, size_t count, const char *code)
{
  for (size_t i = 0; i < count; i++)
    if (strcmp(cards[i].code, code) == 0)
      return &cards[i];
  return NULL;
}

static int
count_task(dbn_scorecard_t *card, const Duban__Task *task)
{
  if (task->cancelled) /* cancelled by a plan change (plan_change.h): no longer the unit's work */
    return 0;
  card->tasks++;
  card->average_percent += task->percent;
  card->overdue += task->overdue;
  card->reminders += task->reminders;
  switch (task->state) {
  case DUBAN__TASK_STATE__TASK_ASSIGNED: card->assigned++; break;
  case DUBAN__TASK_STATE__TASK_CLAIMED:
  case DUBAN__TASK_STATE__TASK_IN_PROGRESS: card->working++; break;
  case DUBAN__TASK_STATE__TASK_BLOCKED: card->blocked++; break;
  case DUBAN__TASK_STATE__TASK_SUBMITTED: card->submitted++; break;
  case DUBAN__TASK_STATE__TASK_DONE: card->done++; break;
  default: break;
  }
  return 0;
}

int
dbn_scorecards(const dbn_scorecard_input_t *in, dbn_scorecard_t **cards_p, size_t *count_p)
{
  int rc = 0;
  size_t n_units = in->n_units, n_tasks = in->n_tasks, n_escalations = in->n_escalations;
  Duban__Unit *const *units = in->units;
  Duban__Task *const *tasks = in->tasks;
  Duban__Escalation *const *escalations = in->escalations;
  dbn_scorecard_t *cards = calloc(n_units ? n_units : 1, sizeof *cards);
  if (!cards)
    return DBN_ENOMEM;
  for (size_t u = 0; rc == 0 && u < n_units; u++) {
    cards[u].code = strdup(units[u]->code);
    cards[u].name = strdup(units[u]->name);
    if (!cards[u].code || !cards[u].name)
      rc = DBN_ENOMEM;
  }
  for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
    dbn_scorecard_t *card = find_card(cards, n_units, tasks[t]->unit);
    if (card)
      count_task(card, tasks[t]);
  }
  /* An escalation counts against the unit that owns its task now. This is
   * O(escalations x tasks): a plan has hundreds of each. */
  for (size_t e = 0; rc == 0 && e < n_escalations; e++) {
    for (size_t t = 0; t < n_tasks; t++) {
      if (strcmp(tasks[t]->id, escalations[e]->task) == 0) {
        dbn_scorecard_t *card = tasks[t]->cancelled ? NULL : find_card(cards, n_units, tasks[t]->unit);
        if (card) /* none for a task a plan change cancelled (plan_change.h) */
          card->escalations++;
        break;
      }
    }
  }
  for (size_t u = 0; rc == 0 && u < n_units; u++)
    if (cards[u].tasks)
      cards[u].average_percent /= cards[u].tasks;
  if (rc) {
    dbn_scorecards_free(cards, n_units);
    return rc;
  }
  *cards_p = cards;
  *count_p = n_units;
  return 0;
}

void
dbn_scorecards_free(dbn_scorecard_t *cards, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    free(cards[i].code);
    free(cards[i].name);
  }
  free(cards);
}
