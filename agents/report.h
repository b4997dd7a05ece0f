/* report.h: scorecards per department (考核), computed from the views.
 *
 * An auditor's report reads a snapshot of the log (live, or rebuilt as it
 * stood at an earlier moment by dbn_store_rebuild_at) and counts, for each
 * unit, its tasks by state, how many are overdue, its average progress, the
 * escalations on its tasks and the reminders it received. Nothing here
 * writes; the numbers are a pure function of the views. */
#ifndef DUBAN_REPORT_H
#define DUBAN_REPORT_H

#include <stddef.h>

#include "store.h"

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

/* One scorecard per unit, in code order. *cards_p is freed with
 * dbn_report_free. */
int dbn_report_scorecards(dbn_store_txn_t *txn, dbn_scorecard_t **cards_p, size_t *count_p);
void dbn_report_free(dbn_scorecard_t *cards, size_t count);

#endif
