/* report.c: see report.h. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

static dbn_scorecard_t *
find_card(dbn_scorecard_t *cards, size_t count, const char *code)
{
  for (size_t i = 0; i < count; i++)
    if (strcmp(cards[i].code, code) == 0)
      return &cards[i];
  return NULL;
}

int
dbn_report_scorecards(dbn_store_txn_t *txn, dbn_scorecard_t **cards_p, size_t *count_p)
{
  Duban__Unit **units = NULL;
  Duban__Task **tasks = NULL;
  Duban__Escalation **escalations = NULL;
  size_t n_units = 0, n_tasks = 0, n_escalations = 0;
  int rc = dbn_store_units_list(txn, &units, &n_units);
  if (rc == 0)
    rc = dbn_store_tasks_list(txn, NULL, &tasks, &n_tasks);
  if (rc == 0)
    rc = dbn_store_escalations_list(txn, false, &escalations, &n_escalations);
  dbn_scorecard_t *cards = rc ? NULL : calloc(n_units ? n_units : 1, sizeof *cards);
  if (rc == 0 && !cards)
    rc = DBN_ENOMEM;
  for (size_t u = 0; rc == 0 && u < n_units; u++) {
    cards[u].code = strdup(units[u]->code);
    cards[u].name = strdup(units[u]->name);
    if (!cards[u].code || !cards[u].name)
      rc = DBN_ENOMEM;
  }
  for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
    const Duban__Task *task = tasks[t];
    dbn_scorecard_t *card = find_card(cards, n_units, task->unit);
    if (!card)
      continue;
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
  }
  /* An escalation counts against the unit that owns its task now. This is
   * O(escalations x tasks): a plan has hundreds of each. */
  for (size_t e = 0; rc == 0 && e < n_escalations; e++) {
    for (size_t t = 0; t < n_tasks; t++) {
      if (strcmp(tasks[t]->id, escalations[e]->task) == 0) {
        dbn_scorecard_t *card = find_card(cards, n_units, tasks[t]->unit);
        if (card)
          card->escalations++;
        break;
      }
    }
  }
  for (size_t u = 0; rc == 0 && u < n_units; u++)
    if (cards[u].tasks)
      cards[u].average_percent /= cards[u].tasks;
  dbn_store_units_free(units, n_units);
  dbn_store_tasks_free(tasks, n_tasks);
  dbn_store_escalations_free(escalations, n_escalations);
  if (rc) {
    dbn_report_free(cards, cards ? n_units : 0);
    return rc;
  }
  *cards_p = cards;
  *count_p = n_units;
  return 0;
}

void
dbn_report_free(dbn_scorecard_t *cards, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    free(cards[i].code);
    free(cards[i].name);
  }
  free(cards);
}
