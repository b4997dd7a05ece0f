/* apply.c: the one function that writes the views, dbn_store_apply_event.
 *
 * Live appends and verify's rebuild both come through here, which is what
 * makes a rebuild exact. Which state a task or an escalation moves to is not
 * decided here but by domain/lifecycle, the same function the broker's
 * rules checked the request with; an event the lifecycle refuses (which a
 * checked request never produces) means the log and the views have parted,
 * and is reported as DBN_ECORRUPT. See store_internal.h for the views. */
#include "store_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "be64.h"
#include "event_subject.h"
#include "evidence.h"
#include "identity.h"
#include "inbox.h"
#include "lifecycle.h"
#include "lmdb_env.h"
#include "signed_request.h"
#include "milestone.h"
#include "plan_change.h"
#include "report_cycle.h"
#include "wire.h"

/* ---- writing the views ---- */

/* Store a task's state half: everything but what the plan fixed, which
 * task_def_put stores once. Every change to a task (a progress report, a
 * claim) then packs and writes a few dozen bytes, not the whole action. */
static int
task_put(dbn_store_txn_t *txn, const Duban__Task *task)
{
  Duban__Task state = *task;
  state.plan = state.section = state.measure = state.number = state.text = state.measure_text = "";
  state.plan_issued = state.report_cycle = "";
  state.n_lead = state.n_milestones = state.n_targets = state.n_cooperating = 0;
  MDB_val key = dbn_store_string_key(task->id);
  return dbn_store_put_packed(txn, DBI_TASKS, &key, &state.base);
}

static int
task_def_put(dbn_store_txn_t *txn, const Duban__Task *task)
{
  Duban__Task def = DUBAN__TASK__INIT;
  def.id = task->id;
  def.plan = task->plan;
  def.section = task->section;
  def.measure = task->measure;
  def.number = task->number;
  def.text = task->text;
  def.measure_text = task->measure_text;
  def.plan_issued = task->plan_issued;
  def.report_cycle = task->report_cycle;
  def.n_lead = task->n_lead;
  def.lead = task->lead;
  def.n_cooperating = task->n_cooperating;
  def.cooperating = task->cooperating;
  def.n_milestones = task->n_milestones;
  def.milestones = task->milestones;
  def.n_targets = task->n_targets;
  def.targets = task->targets;
  MDB_val key = dbn_store_string_key(task->id);
  return dbn_store_put_packed(txn, DBI_TASK_DEFS, &key, &def.base);
}

static int
unit_task_index(dbn_store_txn_t *txn, const char *unit, const char *task_id, bool add)
{
  char *buf;
  MDB_val key, empty = {0, ""};
  int rc = dbn_store_pair_key(unit, task_id, &buf, &key);
  if (rc)
    return rc;
  rc = add ? mdb_put(txn->txn, txn->store->dbi[DBI_UNIT_TASKS], &key, &empty, 0)
           : mdb_del(txn->txn, txn->store->dbi[DBI_UNIT_TASKS], &key, NULL);
  free(buf);
  return dbn_lmdb_error(rc == MDB_NOTFOUND && !add ? 0 : rc);
}

static int
escalation_put(dbn_store_txn_t *txn, const Duban__Escalation *e)
{
  uint8_t id_be[8];
  dbn_be64_put(id_be, e->id);
  MDB_val key = {8, id_be}, empty = {0, ""};
  int rc = dbn_store_put_packed(txn, DBI_ESCALATIONS, &key, &e->base);
  if (rc)
    return rc;
  if (e->state == DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED)
    rc = mdb_del(txn->txn, txn->store->dbi[DBI_OPEN_ESCALATIONS], &key, NULL);
  else
    rc = mdb_put(txn->txn, txn->store->dbi[DBI_OPEN_ESCALATIONS], &key, &empty, 0);
  return dbn_lmdb_error(rc == MDB_NOTFOUND ? 0 : rc);
}

/* ---- the departments' inboxes ---- */

/* unit "\0" be64(seq): a unit's items sort by the event that said them. */
static int
inbox_key(const char *unit, uint64_t seq, char *buf, size_t buf_len, MDB_val *key)
{
  size_t unit_len = strlen(unit);
  if (unit_len + 9 > buf_len || unit_len + 9 > DBN_STORE_MAX_KEY)
    return DBN_ETOOBIG;
  memcpy(buf, unit, unit_len + 1);
  dbn_be64_put((uint8_t *)buf + unit_len + 1, seq);
  key->mv_size = unit_len + 9;
  key->mv_data = buf;
  return 0;
}

static int
inbox_put(dbn_store_txn_t *txn, const char *unit, const Duban__InboxItem *item)
{
  char buf[DBN_STORE_MAX_KEY + 1];
  MDB_val key;
  int rc = inbox_key(unit, item->seq, buf, sizeof buf, &key);
  return rc ? rc : dbn_store_put_packed(txn, DBI_INBOX, &key, &item->base);
}

/* Tell unit what event says, if it says anything to a department
 * (domain/inbox.h); task names the task when the event does not. */
static int
tell_unit(dbn_store_txn_t *txn, const Duban__Event *event, const char *unit, const char *task)
{
  Duban__InboxItem item;
  char text[512];
  if (!unit || !*unit || !dbn_inbox_item_of(event, &item, text, sizeof text))
    return 0;
  if (task)
    item.task = (char *)task;
  return inbox_put(txn, unit, &item);
}

/* The unit marks its items up to an event as read. */
static int
apply_inbox_read(dbn_store_txn_t *txn, const Duban__Event *event)
{
  dbn_role_t role;
  const char *unit;
  if (dbn_identity_parse(event->actor, &role, &unit) || role != DBN_ROLE_UNIT)
    return DBN_ECORRUPT;
  Duban__InboxItem **items;
  size_t count;
  int rc = dbn_store_inbox_list(txn, unit, true, &items, &count);
  for (size_t i = 0; rc == 0 && i < count; i++) {
    if (items[i]->seq > event->inbox_read->up_to_seq)
      continue;
    items[i]->read = true;
    rc = inbox_put(txn, unit, items[i]);
  }
  dbn_store_inbox_free(items, count);
  return rc;
}

/* ---- scoring rules ---- */

/* Under "effective \0 be64 seq": in force from their date on, a later load
 * of the same date replacing an earlier one. */
static int
apply_scoring_rules(dbn_store_txn_t *txn, const Duban__Event *event)
{
  const Duban__ScoringRules *rules = event->scoring_rules_loaded->rules;
  if (!rules || !rules->effective || strlen(rules->effective) > 64)
    return DBN_ECORRUPT;
  char buf[80];
  size_t len = strlen(rules->effective);
  memcpy(buf, rules->effective, len);
  buf[len] = '\0';
  dbn_be64_put((uint8_t *)buf + len + 1, event->seq);
  MDB_val key = {len + 9, buf};
  return dbn_store_put_packed(txn, DBI_SCORING, &key, &rules->base);
}

/* ---- a plan becomes tasks ---- */

/* The task of one action, borrowing the plan's strings and arrays: nothing
 * is copied, and it is packed before the plan is freed. */
static Duban__Task
task_of_action(const Duban__Event *event, const Duban__Plan *plan, const Duban__Section *section,
               const Duban__Measure *measure, const Duban__Action *action)
{
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = action->id;
  task.plan = plan->id;
  task.section = section->number;
  task.measure = measure->number;
  task.number = action->number;
  task.text = action->text;
  task.unit = action->unit;
  task.n_lead = measure->n_lead;
  task.lead = measure->lead;
  task.n_milestones = action->n_milestones;
  task.milestones = action->milestones;
  task.n_targets = action->n_targets;
  task.targets = action->targets;
  task.measure_text = measure->text;
  task.plan_issued = plan->issued;
  task.report_cycle =
      (char *)dbn_report_cycle_inherited(action->report_cycle, measure->report_cycle, plan->report_cycle);
  task.n_cooperating = measure->n_cooperating;
  task.cooperating = measure->cooperating;
  task.state = DUBAN__TASK_STATE__TASK_ASSIGNED;
  task.updated_seq = event->seq;
  task.updated_at = event->time;
  return task;
}

static int
apply_plan(dbn_store_txn_t *txn, const Duban__Event *event, const Duban__Plan *plan)
{
  int rc;
  for (size_t u = 0; u < plan->n_units; u++) {
    MDB_val key = dbn_store_string_key(plan->units[u]->code);
    if ((rc = dbn_store_put_packed(txn, DBI_UNITS, &key, &plan->units[u]->base)))
      return rc;
  }
  MDB_val plan_key = dbn_store_string_key(plan->id), title = dbn_store_string_key(plan->title);
  if ((rc = dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_PLANS], &plan_key, &title, 0))))
    return rc;
  for (size_t s = 0; s < plan->n_sections; s++) {
    const Duban__Section *section = plan->sections[s];
    for (size_t m = 0; m < section->n_measures; m++) {
      const Duban__Measure *measure = section->measures[m];
      for (size_t a = 0; a < measure->n_actions; a++) {
        Duban__Task task = task_of_action(event, plan, section, measure, measure->actions[a]);
        if ((rc = task_def_put(txn, &task)) || (rc = task_put(txn, &task)) ||
            (rc = unit_task_index(txn, task.unit, task.id, true)))
          return rc;
      }
    }
  }
  return 0;
}

/* ---- changes to one task ---- */

/* A task being changed. Strings and arrays the event provides are swapped
 * into the unpacked task only while it is packed; task_edit_finish puts
 * the task's own back so that its free frees what its unpack allocated. */
struct task_edit {
  Duban__Task *task; /* owned */
  char *own_note;    /* the task's own pointers, restored at the end */
  char *own_unit;
  size_t own_n_figures;
  Duban__Figure **own_figures;
  size_t own_n_warnings;
  char **own_warnings;
  size_t own_n_reported;
  char **own_reported;
  size_t own_n_met;
  char **own_met;
  Duban__Figure **figures; /* owned arrays and strings of the edit */
  char **warnings;
  char *warning_mark;
  char **reported;
  char **met;
};

static void
task_edit_start(struct task_edit *edit, Duban__Task *task)
{
  *edit = (struct task_edit){.task = task,
                             .own_note = task->note,
                             .own_unit = task->unit,
                             .own_n_figures = task->n_figures,
                             .own_figures = task->figures,
                             .own_n_warnings = task->n_warnings,
                             .own_warnings = task->warnings,
                             .own_n_reported = task->n_milestones_reported,
                             .own_reported = task->milestones_reported,
                             .own_n_met = task->n_milestones_met,
                             .own_met = task->milestones_met};
}

static void
task_edit_finish(struct task_edit *edit)
{
  Duban__Task *task = edit->task;
  task->note = edit->own_note;
  task->unit = edit->own_unit;
  task->n_figures = edit->own_n_figures;
  task->figures = edit->own_figures;
  task->n_warnings = edit->own_n_warnings;
  task->warnings = edit->own_warnings;
  task->n_milestones_reported = edit->own_n_reported;
  task->milestones_reported = edit->own_reported;
  task->n_milestones_met = edit->own_n_met;
  task->milestones_met = edit->own_met;
  free(edit->figures);
  free(edit->warnings);
  free(edit->warning_mark);
  free(edit->reported);
  free(edit->met);
  dbn_wire_task_free(&edit->task);
}

/* Progress figures replace the earlier figure of the same `what` and keep
 * the others: a report on one target must not erase another's figure. The
 * merged array borrows the Figures of both messages. */
static int
merge_figures(struct task_edit *edit, size_t n_figures, Duban__Figure *const *figures)
{
  Duban__Task *task = edit->task;
  size_t cap = task->n_figures + n_figures;
  Duban__Figure **merged = malloc((cap ? cap : 1) * sizeof *merged);
  if (!merged)
    return DBN_ENOMEM;
  size_t count = 0;
  for (size_t i = 0; i < task->n_figures; i++)
    merged[count++] = task->figures[i];
  for (size_t k = 0; k < n_figures; k++) {
    size_t i;
    for (i = 0; i < count; i++)
      if (strcmp(merged[i]->what, figures[k]->what) == 0)
        break;
    merged[i] = figures[k];
    if (i == count)
      count++;
  }
  edit->figures = merged;
  task->n_figures = count;
  task->figures = merged;
  return 0;
}

/* Remember "due/level" (a deadline warning's, or "period_end/missed" for a
 * missed report) so that the monitor raises each warning once. */
static int
record_warning(struct task_edit *edit, const char *due, const char *level)
{
  Duban__Task *task = edit->task;
  if (strcmp(level, "red") == 0)
    task->overdue = true;
  size_t mark_len = strlen(due) + strlen(level) + 2;
  edit->warning_mark = malloc(mark_len);
  edit->warnings = malloc((task->n_warnings + 1) * sizeof *edit->warnings);
  if (!edit->warning_mark || !edit->warnings)
    return DBN_ENOMEM;
  snprintf(edit->warning_mark, mark_len, "%s/%s", due, level);
  if (task->n_warnings) /* memcpy from NULL is undefined, even of 0 bytes */
    memcpy(edit->warnings, task->warnings, task->n_warnings * sizeof *edit->warnings);
  edit->warnings[task->n_warnings++] = edit->warning_mark;
  task->warnings = edit->warnings;
  return 0;
}

/* ---- milestones met one by one (domain/milestone.h) ---- */

/* days without due, into an array the edit owns. */
static int
days_without(char **days, size_t count, const char *due, char ***owned_p, size_t *count_p)
{
  char **kept = malloc((count ? count : 1) * sizeof *kept);
  if (!kept)
    return DBN_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < count; i++)
    if (strcmp(days[i], due) != 0)
      kept[n++] = days[i];
  *owned_p = kept;
  *count_p = n;
  return 0;
}

/* days with due added, into an array the edit owns; due is borrowed from
 * the event. */
static int
days_with(char **days, size_t count, char *due, char ***owned_p, size_t *count_p)
{
  char **grown = malloc((count + 1) * sizeof *grown);
  if (!grown)
    return DBN_ENOMEM;
  if (count)
    memcpy(grown, days, count * sizeof *grown);
  grown[count] = due;
  *owned_p = grown;
  *count_p = count + 1;
  return 0;
}

/* A milestone reported met awaits a coordinator; confirmed, it is met and
 * the task stays overdue only for another unmet milestone; sent back, it
 * is neither. The check is the broker's (milestone.h): one it refuses
 * means the log and the views have parted. */
static int
apply_milestone(const Duban__Event *event, struct task_edit *edit)
{
  Duban__Task *task = edit->task;
  char *due = event->body_case == DUBAN__EVENT__BODY_MILESTONE_REPORTED    ? event->milestone_reported->due
              : event->body_case == DUBAN__EVENT__BODY_MILESTONE_CONFIRMED ? event->milestone_confirmed->due
                                                                           : event->milestone_returned->due;
  char why[256];
  if (!due || dbn_milestone_check(task, event->body_case, due, why, sizeof why))
    return DBN_ECORRUPT;
  if (event->body_case == DUBAN__EVENT__BODY_MILESTONE_REPORTED) {
    const Duban__MilestoneMet *met = event->milestone_reported;
    task->last_report_at = event->time;
    if (*met->note)
      task->note = met->note;
    int rc = days_with(task->milestones_reported, task->n_milestones_reported, due, &edit->reported,
                       &task->n_milestones_reported);
    if (rc)
      return rc;
    task->milestones_reported = edit->reported;
    return merge_figures(edit, met->n_figures, met->figures);
  }
  int rc = days_without(task->milestones_reported, task->n_milestones_reported, due, &edit->reported,
                        &task->n_milestones_reported);
  if (rc)
    return rc;
  task->milestones_reported = edit->reported;
  if (event->body_case == DUBAN__EVENT__BODY_MILESTONE_CONFIRMED) {
    if ((rc = days_with(task->milestones_met, task->n_milestones_met, due, &edit->met,
                        &task->n_milestones_met)))
      return rc;
    task->milestones_met = edit->met;
    task->overdue = dbn_milestone_overdue(task);
  }
  return 0;
}

/* A department's escalation opens a block on its task; the deadline
 * monitor's is a warning to coordinators and leaves the task alone. */
static int
open_escalation(dbn_store_txn_t *txn, const Duban__Event *event, Duban__Task *task, bool automatic)
{
  Duban__Escalation e = DUBAN__ESCALATION__INIT;
  e.id = event->seq;
  e.task = event->escalated->task;
  e.category = event->escalated->category;
  e.reason = event->escalated->reason;
  e.state = DUBAN__ESCALATION_STATE__ESCALATION_OPEN;
  e.raised_by = event->actor;
  e.raised_at = event->time;
  e.updated_seq = event->seq;
  e.automatic = automatic;
  if (!automatic)
    task->open_escalations++;
  return escalation_put(txn, &e);
}

/* What the event changes besides the state. */
static int
edit_task_fields(dbn_store_txn_t *txn, const Duban__Event *event, struct task_edit *edit, bool automatic)
{
  Duban__Task *task = edit->task;
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_PROGRESS:
    task->percent = event->progress->percent;
    task->last_report_at = event->time;
    if (*event->progress->note)
      task->note = event->progress->note;
    return merge_figures(edit, event->progress->n_figures, event->progress->figures);
  case DUBAN__EVENT__BODY_MILESTONE_REPORTED:
  case DUBAN__EVENT__BODY_MILESTONE_CONFIRMED:
  case DUBAN__EVENT__BODY_MILESTONE_RETURNED: return apply_milestone(event, edit);
  case DUBAN__EVENT__BODY_REPORT_MISSED:
    return record_warning(edit, event->report_missed->period_end, DBN_WARNING_MISSED);
  case DUBAN__EVENT__BODY_SUBMITTED:
    if (*event->submitted->note)
      task->note = event->submitted->note;
    return 0;
  case DUBAN__EVENT__BODY_ESCALATED: return open_escalation(txn, event, task, automatic);
  case DUBAN__EVENT__BODY_CLAIMED: task->claimed_at = event->time; return 0;
  case DUBAN__EVENT__BODY_REMINDED: task->reminders++; return 0;
  case DUBAN__EVENT__BODY_ACCEPTED: task->overdue = false; return 0;
  case DUBAN__EVENT__BODY_REASSIGNED: {
    int rc = unit_task_index(txn, task->unit, task->id, false);
    if (rc == 0)
      rc = unit_task_index(txn, event->reassigned->unit, task->id, true);
    task->unit = event->reassigned->unit;
    return rc;
  }
  case DUBAN__EVENT__BODY_DEADLINE_WARNING:
    return record_warning(edit, event->deadline_warning->due, event->deadline_warning->level);
  default: return 0;
  }
}

/* The task's state as the check read it (taken from subject) or, without
 * one, as the views hold it. */
static int
load_task(dbn_store_txn_t *txn, const char *task_id, dbn_store_subject_t *subject, Duban__Task **task_p)
{
  if (subject && subject->task && strcmp(subject->task->id, task_id) == 0) {
    *task_p = subject->task;
    subject->task = NULL;
    return 0;
  }
  int rc = dbn_store_task_state_get(txn, task_id, task_p);
  return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
}

static int
apply_task_change(dbn_store_txn_t *txn, const Duban__Event *event, const char *task_id,
                  dbn_store_subject_t *subject)
{
  Duban__Task *task;
  int rc = load_task(txn, task_id, subject, &task);
  if (rc)
    return rc;
  bool automatic = strcmp(event->actor, "system") == 0;
  Duban__TaskState next;
  char why[256];
  if (dbn_task_next_state(task, event->body_case, automatic, task->open_escalations, &next, why,
                          sizeof why)) {
    dbn_wire_task_free(&task);
    return DBN_ECORRUPT;
  }
  struct task_edit edit;
  task_edit_start(&edit, task);
  task->updated_seq = event->seq;
  task->updated_at = event->time;
  task->state = next;
  rc = edit_task_fields(txn, event, &edit, automatic);
  if (rc == 0)
    rc = task_put(txn, task);
  /* The owner hears of it; on a reassignment the unit that loses the task
   * too. */
  if (rc == 0)
    rc = tell_unit(txn, event, task->unit, NULL);
  if (rc == 0 && strcmp(edit.own_unit, task->unit) != 0)
    rc = tell_unit(txn, event, edit.own_unit, NULL);
  task_edit_finish(&edit);
  return rc;
}

/* ---- changes to one escalation ---- */

static int
load_escalation(dbn_store_txn_t *txn, uint64_t id, dbn_store_subject_t *subject, Duban__Escalation **e_p)
{
  if (subject && subject->escalation && subject->escalation->id == id) {
    *e_p = subject->escalation;
    subject->escalation = NULL;
    return 0;
  }
  int rc = dbn_store_escalation_get(txn, id, e_p);
  return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
}

/* A resolved department's escalation no longer blocks its task; when it
 * was the last, the task goes back to work. */
static int
unblock_task(dbn_store_txn_t *txn, const Duban__Event *event, const Duban__Escalation *e)
{
  Duban__Task *task;
  int rc = load_task(txn, e->task, NULL, &task);
  if (rc)
    return rc;
  if (task->open_escalations > 0 && !e->automatic)
    task->open_escalations--;
  Duban__TaskState next;
  char why[256];
  rc = dbn_task_next_state(task, event->body_case, false, task->open_escalations, &next, why, sizeof why);
  if (rc == 0) {
    task->state = next;
    task->updated_seq = event->seq;
    task->updated_at = event->time;
    rc = task_put(txn, task);
  } else {
    rc = DBN_ECORRUPT;
  }
  dbn_wire_task_free(&task);
  return rc;
}

/* The unit that owns task now hears of the event. */
static int
tell_task_owner(dbn_store_txn_t *txn, const Duban__Event *event, const char *task_id)
{
  Duban__Task *task;
  int rc = load_task(txn, task_id, NULL, &task);
  if (rc)
    return rc;
  rc = tell_unit(txn, event, task->unit, task_id);
  dbn_wire_task_free(&task);
  return rc;
}

static int
apply_escalation_change(dbn_store_txn_t *txn, const Duban__Event *event, dbn_store_subject_t *subject)
{
  Duban__Escalation *e;
  int rc = load_escalation(txn, dbn_event_escalation(event), subject, &e);
  if (rc)
    return rc;
  Duban__EscalationState next;
  char why[256];
  if (dbn_escalation_next_state(e, event->body_case, &next, why, sizeof why)) {
    dbn_wire_escalation_free(&e);
    return DBN_ECORRUPT;
  }
  const char *note = event->body_case == DUBAN__EVENT__BODY_RESOLVED       ? event->resolved->note
                     : event->body_case == DUBAN__EVENT__BODY_ACKNOWLEDGED ? event->acknowledged->note
                                                                           : NULL;
  char *own_note = e->note, *own_level_name = e->level_name;
  if (event->body_case == DUBAN__EVENT__BODY_ESCALATION_LEVEL) {
    e->level = event->escalation_level->level;
    e->level_name = event->escalation_level->name;
  }
  if (note && *note)
    e->note = (char *)note;
  e->state = next;
  e->updated_seq = event->seq;
  rc = escalation_put(txn, e);
  e->note = own_note;
  e->level_name = own_level_name;
  if (rc == 0 && event->body_case == DUBAN__EVENT__BODY_RESOLVED)
    rc = unblock_task(txn, event, e);
  if (rc == 0)
    rc = tell_task_owner(txn, event, e->task);
  dbn_wire_escalation_free(&e);
  return rc;
}

/* ---- plan changes (计划调整, domain/plan_change.h) ---- */

/* The task's history with one more record (borrowed from the caller's
 * storage), in an array the caller frees; the task points to it until the
 * caller puts its own array back. */
static int
add_plan_change_record(Duban__Task *task, const Duban__Event *event, Duban__PlanChangeRecord *record,
                       char *what, size_t what_len, Duban__PlanChangeRecord ***grown_p)
{
  duban__plan_change_record__init(record);
  dbn_plan_change_describe(event, what, what_len);
  record->seq = event->seq;
  record->time = event->time;
  record->actor = event->actor;
  record->what = what;
  record->reason = (char *)dbn_plan_change_event_reason(event);
  Duban__PlanChangeRecord **grown = malloc((task->n_plan_changes + 1) * sizeof *grown);
  if (!grown)
    return DBN_ENOMEM;
  if (task->n_plan_changes)
    memcpy(grown, task->plan_changes, task->n_plan_changes * sizeof *grown);
  grown[task->n_plan_changes++] = record;
  task->plan_changes = grown;
  *grown_p = grown;
  return 0;
}

/* The milestone the broker re-dated or removed, by the day it had. */
static int
milestone_by_day(const Duban__Task *task, const char *due, size_t *index_p)
{
  for (size_t i = 0; due && i < task->n_milestones; i++)
    if (task->milestones[i]->due && strcmp(task->milestones[i]->due, due) == 0) {
      *index_p = i;
      return 0;
    }
  return DBN_ECORRUPT;
}

/* Warnings of a day no milestone has any more are forgotten, so that the
 * overdue flag follows the plan as it now stands; kept is the caller's. */
static int
forget_stale_warnings(Duban__Task *task, Duban__Milestone *const *milestones, size_t n_milestones,
                      char ***kept_p)
{
  char **kept = malloc((task->n_warnings + 1) * sizeof *kept);
  if (!kept)
    return DBN_ENOMEM;
  size_t n = 0;
  for (size_t w = 0; w < task->n_warnings; w++) {
    const char *mark = task->warnings[w], *slash = strrchr(mark, '/');
    bool current = !slash || dbn_report_cycle_warning_is_missed(mark);
    for (size_t m = 0; !current && m < n_milestones; m++)
      current = milestones[m]->due && strlen(milestones[m]->due) == (size_t)(slash - mark) &&
                strncmp(mark, milestones[m]->due, (size_t)(slash - mark)) == 0;
    if (current)
      kept[n++] = task->warnings[w];
  }
  task->warnings = kept;
  task->n_warnings = n;
  *kept_p = kept;
  return 0;
}

/* A milestone re-dated, added or removed: the task's definition gets its
 * new milestones, and its state forgets the warnings of a day it no longer
 * has. kept is the caller's to free. */
static int
change_dates(dbn_store_txn_t *txn, const Duban__PlanChangeDates *change, Duban__Task *task, char ***kept_p)
{
  Duban__Task *def;
  int rc = dbn_store_task_get(txn, task->id, &def);
  if (rc)
    return rc == DBN_ENOTFOUND ? DBN_ECORRUPT : rc;
  size_t index = SIZE_MAX;
  if (change->op != DUBAN__PLAN_CHANGE_DATES_OP__PLAN_CHANGE_ADD_MILESTONE)
    rc = milestone_by_day(def, change->old_due, &index);
  Duban__Milestone fresh, **milestones = malloc((def->n_milestones + 1) * sizeof *milestones);
  size_t count = 0;
  if (rc == 0 && !milestones)
    rc = DBN_ENOMEM;
  if (rc == 0) {
    dbn_plan_change_milestones(def, change, index, &fresh, milestones, &count);
    Duban__Milestone **own = def->milestones;
    size_t own_count = def->n_milestones;
    def->milestones = milestones;
    def->n_milestones = count;
    rc = task_def_put(txn, def);
    if (rc == 0)
      rc = forget_stale_warnings(task, milestones, count, kept_p);
    def->milestones = own;
    def->n_milestones = own_count;
  }
  if (rc == 0)
    task->overdue = dbn_milestone_overdue(task);
  free(milestones);
  dbn_wire_task_free(&def);
  return rc;
}

/* A task cancelled, or one of its milestones changed. */
static int
apply_plan_task_change(dbn_store_txn_t *txn, const Duban__Event *event, dbn_store_subject_t *subject)
{
  const char *task_id = dbn_event_task(event);
  Duban__Task *task;
  int rc = task_id ? load_task(txn, task_id, subject, &task) : DBN_ECORRUPT;
  if (rc)
    return rc;
  Duban__TaskState next;
  char why[256], what[512];
  if (dbn_task_next_state(task, event->body_case, false, task->open_escalations, &next, why, sizeof why)) {
    dbn_wire_task_free(&task);
    return DBN_ECORRUPT;
  }
  Duban__PlanChangeRecord **own_records = task->plan_changes, **records = NULL, record;
  size_t own_n_records = task->n_plan_changes, own_n_warnings = task->n_warnings;
  char **own_warnings = task->warnings, **kept = NULL;
  rc = add_plan_change_record(task, event, &record, what, sizeof what, &records);
  if (rc == 0 && event->body_case == DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED) {
    task->cancelled = true;
    task->overdue = false;
  } else if (rc == 0) {
    rc = change_dates(txn, event->plan_dates_changed, task, &kept);
  }
  task->updated_seq = event->seq;
  task->updated_at = event->time;
  if (rc == 0)
    rc = task_put(txn, task);
  if (rc == 0)
    rc = tell_unit(txn, event, task->unit, NULL);
  task->plan_changes = own_records;
  task->n_plan_changes = own_n_records;
  task->warnings = own_warnings;
  task->n_warnings = own_n_warnings;
  free(records);
  free(kept);
  dbn_wire_task_free(&task);
  return rc;
}

/* The first task of the new task's measure, whose measure, plan and units
 * the new one shares; ECORRUPT when there is none or the id is taken. */
static int
measure_sibling(dbn_store_txn_t *txn, const Duban__PlanChangeAdd *add, Duban__Task **sibling_p)
{
  Duban__Task **tasks;
  size_t count;
  int rc = dbn_store_tasks_list(txn, NULL, &tasks, &count);
  if (rc)
    return rc;
  *sibling_p = NULL;
  for (size_t i = 0; i < count && rc == 0; i++) {
    if (strcmp(tasks[i]->id, add->new_task) == 0)
      rc = DBN_ECORRUPT;
    else if (!*sibling_p && dbn_plan_change_in_measure(tasks[i]->id, add->measure))
      *sibling_p = tasks[i], tasks[i] = NULL;
  }
  dbn_store_tasks_free(tasks, count);
  if (rc == 0 && !*sibling_p)
    rc = DBN_ECORRUPT;
  if (rc)
    dbn_wire_task_free(sibling_p);
  return rc;
}

static int
apply_plan_task_added(dbn_store_txn_t *txn, const Duban__Event *event)
{
  const Duban__PlanChangeAdd *add = event->plan_task_added;
  Duban__Task *sibling = NULL;
  int rc = add->new_task && strrchr(add->new_task, '.') ? measure_sibling(txn, add, &sibling) : DBN_ECORRUPT;
  if (rc)
    return rc;
  Duban__Task task = DUBAN__TASK__INIT;
  task.id = add->new_task;
  task.plan = sibling->plan;
  task.section = sibling->section;
  task.measure = sibling->measure;
  task.number = strrchr(add->new_task, '.') + 1;
  task.text = add->text;
  task.unit = add->unit;
  task.n_lead = sibling->n_lead;
  task.lead = sibling->lead;
  task.n_cooperating = sibling->n_cooperating;
  task.cooperating = sibling->cooperating;
  task.n_milestones = add->n_milestones;
  task.milestones = add->milestones;
  task.measure_text = sibling->measure_text;
  task.plan_issued = sibling->plan_issued;
  task.report_cycle = sibling->report_cycle;
  task.state = DUBAN__TASK_STATE__TASK_ASSIGNED;
  task.updated_seq = event->seq;
  task.updated_at = event->time;
  Duban__PlanChangeRecord record, **records = NULL;
  char what[512];
  rc = add_plan_change_record(&task, event, &record, what, sizeof what, &records);
  if (rc == 0 && !((rc = task_def_put(txn, &task)) || (rc = task_put(txn, &task)) ||
                   (rc = unit_task_index(txn, task.unit, task.id, true))))
    rc = tell_unit(txn, event, task.unit, NULL);
  free(records);
  dbn_wire_task_free(&sibling);
  return rc;
}

/* ---- the event as a whole ---- */

static int
clock_put(dbn_store_txn_t *txn, int64_t now)
{
  int64_t current;
  int rc = dbn_store_clock_get(txn, &current);
  if (rc)
    return rc;
  if (now <= current)
    return 0;
  uint8_t be[8];
  dbn_be64_put(be, (uint64_t)now);
  MDB_val key = dbn_store_string_key("clock"), val = {8, be};
  return dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_META], &key, &val, 0));
}

/* (actor, request id) -> seq: what makes a retried request safe. */
static int
dedup_put(dbn_store_txn_t *txn, const Duban__Event *event)
{
  char *buf;
  MDB_val key;
  uint8_t seq_be[8];
  dbn_be64_put(seq_be, event->seq);
  MDB_val val = {8, seq_be};
  int rc = dbn_store_pair_key(event->actor, event->request_id, &buf, &key);
  if (rc)
    return rc;
  rc = dbn_lmdb_error(mdb_put(txn->txn, txn->store->dbi[DBI_DEDUP], &key, &val, 0));
  free(buf);
  return rc;
}

static int
apply_body(dbn_store_txn_t *txn, const Duban__Event *event, dbn_store_subject_t *subject)
{
  switch (event->body_case) {
  case DUBAN__EVENT__BODY_PLAN_LOADED:
    return event->plan_loaded->plan ? apply_plan(txn, event, event->plan_loaded->plan) : DBN_ECORRUPT;
  case DUBAN__EVENT__BODY_ACKNOWLEDGED:
  case DUBAN__EVENT__BODY_RESOLVED:
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: return apply_escalation_change(txn, event, subject);
  case DUBAN__EVENT__BODY_CLOCK_ADVANCED: return clock_put(txn, event->time + event->clock_advanced->seconds);
  case DUBAN__EVENT__BODY_INBOX_READ: return apply_inbox_read(txn, event);
  case DUBAN__EVENT__BODY_SCORING_RULES_LOADED: return apply_scoring_rules(txn, event);
  case DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED:
  case DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED: return dbn_signing_keys_apply(txn, event);
  case DUBAN__EVENT__BODY_PLAN_TASK_ADDED: return apply_plan_task_added(txn, event);
  case DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED:
  case DUBAN__EVENT__BODY_PLAN_DATES_CHANGED: return apply_plan_task_change(txn, event, subject);
  default: {
    const char *task_id = dbn_event_task(event);
    return task_id ? apply_task_change(txn, event, task_id, subject) : DBN_ECORRUPT;
  }
  }
}

/* What a log is, kept in meta for the checks made at every open; only the
 * first event may say it (the chain covers it there). */
static int
log_header_put(dbn_store_txn_t *txn, const Duban__Event *event)
{
  if (event->seq != 1)
    return DBN_ECORRUPT;
  MDB_val key = dbn_store_string_key("header");
  return dbn_store_put_packed(txn, DBI_META, &key, &event->log_header->base);
}

int
dbn_store_apply_event(dbn_store_txn_t *txn, const Duban__Event *event, dbn_store_subject_t *subject)
{
  int rc = event->log_header ? log_header_put(txn, event) : 0;
  if (rc) {
    dbn_store_subject_clear(subject);
    return rc;
  }
  rc = apply_body(txn, event, subject);
  dbn_store_subject_clear(subject);
  if (rc == 0)
    rc = dbn_signed_chain_apply(txn, event); /* a signer's chain (store/signed_request.h) */
  if (rc == 0)
    rc = dbn_store_evidence_index(txn, event); /* the files it names (store/evidence.h) */
  if (rc == 0)
    rc = clock_put(txn, event->time);
  if (rc == 0 && event->request_id && *event->request_id)
    rc = dedup_put(txn, event);
  return rc;
}
