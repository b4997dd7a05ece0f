/* lead.h: a measure's lead unit (牵头单位) and its cooperating units (配合单位),
 * once.
 *
 * A measure names its lead units and its cooperating units; each of its
 * actions (tasks) is owned by one unit. The lead answers for the measure:
 * it sees every task of it, with their colours and the measure's roll-up
 * (pace.h's dbn_colour_rollup, the worst colour), and may remind (催办) the
 * unit that owns one of them, which reaches that unit's inbox with the
 * text. A cooperating unit sees the tasks of the measures it cooperates on,
 * read-only. Neither may write to a task it does not own: only the owner
 * claims, reports and submits (broker/rules.c keeps that).
 *
 * The task view carries its measure's lead and cooperating units, so these
 * are questions about one task. Pure functions: no I/O. */
#ifndef DUBAN_LEAD_H
#define DUBAN_LEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"

/* How a unit stands to a task; the first that holds wins, in this order. */
typedef enum {
  DBN_SEEN_NONE,        /* none of the below: the unit does not see the task */
  DBN_SEEN_OWN,         /* the unit owns the task */
  DBN_SEEN_LEAD,        /* the unit leads the task's measure */
  DBN_SEEN_COOPERATING, /* the unit cooperates on the task's measure */
} dbn_seen_as_t;

/* How unit (a code) stands to task, read with its definition (lead and
 * cooperating are part of it). */
dbn_seen_as_t dbn_lead_seen_as(const Duban__Task *task, const char *unit);

/* "own", "lead", "cooperating" ("" for none): Task.seen_as on the wire. */
const char *dbn_lead_seen_as_name(dbn_seen_as_t seen);

/* "本单位", "牵头", "配合" ("" for none), for the tables people read. */
const char *dbn_lead_seen_as_zh(dbn_seen_as_t seen);

/* The wire name back ("" or unknown: DBN_SEEN_NONE). */
dbn_seen_as_t dbn_lead_seen_as_parse(const char *name);

/* Does the unit a read was marked for (Task.seen_as) lead task's measure?
 * Its own task's measure too when it is among the leads. */
bool dbn_lead_reader_leads(const Duban__Task *task);

/* May unit read task (get it, list it, watch its events)? */
bool dbn_lead_may_read(const Duban__Task *task, const char *unit);

/* May unit remind the owner of task as its measure's lead? It must lead
 * the measure and not own the task itself (its own work needs no 催办).
 * 0, or DBN_EPERM with a message in why. */
int dbn_lead_check_remind(const Duban__Task *task, const char *unit, char *why, size_t why_len);

#endif
