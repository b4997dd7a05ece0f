/* scorecard.h: scorecards per department (考核), computed from the views.
 *
 * An auditor's report reads a snapshot of the log (live, or rebuilt as it
 * stood at an earlier moment by dbn_store_rebuild_at) and hands its views
 * here; this counts, for each
 * unit, its tasks by state, how many are overdue, its average progress, the
 * escalations on its tasks and the reminders it received. Nothing here
 * writes; the numbers are a pure function of the views. */
#ifndef DUBAN_SCORECARD_H
#define DUBAN_SCORECARD_H

#include <stddef.h>

#include "duban.pb-c.h"

typedef struct {
  char *code;        /* the unit's code; owned */
  char *name;        /* its canonical name; owned */
  unsigned tasks;    /* tasks it owns */
  unsigned assigned; /* not yet claimed */
  unsigned working;  /* claimed or in progress */
  unsigned blocked;
  unsigned submitted;
  unsigned done;
  unsigned overdue; /* a milestone passed before the task was done */
  double average_percent;
  unsigned escalations; /* on its tasks, raised by it or by the deadline monitor */
  unsigned reminders;   /* reminders from coordinators */
} dbn_scorecard_t;

/* What the scorecards are counted from: the views as a snapshot shows them
 * (borrowed for the call). */
typedef struct {
  Duban__Unit *const *units; /* every unit, in the order the cards come out */
  size_t n_units;
  Duban__Task *const *tasks; /* every task */
  size_t n_tasks;
  Duban__Escalation *const *escalations; /* every escalation, resolved ones too */
  size_t n_escalations;
} dbn_scorecard_input_t;

/* One scorecard per unit of in, in its order. *cards_p is freed with
 * dbn_scorecards_free. */
int dbn_scorecards(const dbn_scorecard_input_t *in, dbn_scorecard_t **cards_p, size_t *count_p);
void dbn_scorecards_free(dbn_scorecard_t *cards, size_t count);

#endif
