/* rules.c: rights and states of every request; see rules.h. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_rule.h"
#include "figure.h"
#include "lead.h"
#include "lifecycle.h"
#include "milestone.h"
#include "plan_change_rules.h"
#include "request.h"
#include "score.h"
#include "signed_request.h"
#include "wire.h"

/* A unit may read a task of a measure it leads or cooperates on, and a
 * lead may remind its owner (domain/lead.h): reread *task_p with its
 * definition, which names the measure's units. */
static bool
seen_by_measure_unit(dbn_store_txn_t *txn, const char *unit, const char *task_id, bool lead_only,
                     Duban__Task **task_p)
{
  Duban__Task *full;
  if (dbn_store_task_get(txn, task_id, &full) != 0)
    return false;
  if (lead_only ? dbn_lead_seen_as(full, unit) == DBN_SEEN_LEAD : dbn_lead_may_read(full, unit)) {
    dbn_wire_task_free(task_p);
    *task_p = full;
    return true;
  }
  dbn_wire_task_free(&full);
  return false;
}

/* A task the caller may act on: it exists, and a unit acts only on its own
 * (reads, and a lead's reminder, may also reach its measure's tasks).
 * with_definition reads its text, milestones and targets too. */
static int
load_own_task(dbn_store_txn_t *txn, dbn_role_t role, const char *unit, const char *task_id,
              const dbn_request_kind_t *kind, bool with_definition, Duban__Task **task_p, char *why,
              size_t why_len)
{
  int rc = with_definition ? dbn_store_task_get(txn, task_id, task_p)
                           : dbn_store_task_state_get(txn, task_id, task_p);
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, why_len, "no task '%s'; `duban tasks` lists the tasks you can see", task_id);
    return rc;
  }
  if (rc) {
    snprintf(why, why_len, "task '%s' could not be read: %s", task_id, dbn_strerror(rc));
    return rc;
  }
  bool lead_remind = kind->body == DUBAN__REQUEST__BODY_LEAD_REMIND;
  if (role == DBN_ROLE_UNIT && strcmp((*task_p)->unit, unit) != 0 && (!kind->write || lead_remind) &&
      seen_by_measure_unit(txn, unit, task_id, lead_remind, task_p))
    return 0;
  if (role == DBN_ROLE_UNIT && strcmp((*task_p)->unit, unit) != 0) {
    /* Not the owner's code: who owns what is not this unit's to learn. */
    snprintf(why, why_len, "task '%s' is not one of unit %s's tasks; a unit may act only on its own", task_id,
             unit);
    dbn_wire_task_free(task_p);
    return DBN_EPERM;
  }
  return 0;
}

/* A reassignment names a unit that exists and is not the task's own. */
static int
check_reassign(dbn_store_txn_t *txn, const Duban__Task *task, const Duban__Reassign *reassign, char *why,
               size_t why_len)
{
  Duban__Unit *unit;
  if (dbn_store_unit_get(txn, reassign->unit, &unit) != 0) {
    snprintf(why, why_len, "no unit with code '%s'", reassign->unit);
    return DBN_ENOTFOUND;
  }
  dbn_wire_unit_free(&unit);
  if (strcmp(task->unit, reassign->unit) == 0) {
    snprintf(why, why_len, "task '%s' already belongs to unit %s", task->id, task->unit);
    return DBN_ESTATE;
  }
  return 0;
}

/* Every figure names one of the task's targets in a unit of its dimension
 * (domain/figure.h). The figure is made the form the log holds: the
 * target's name (it may have been given by number) and its exact amount. */
static int
check_figures(const Duban__Task *task, size_t n_figures, Duban__Figure **figures, char *why, size_t why_len)
{
  for (size_t i = 0; i < n_figures; i++) {
    Duban__Figure *figure = figures[i];
    size_t target;
    int64_t base_milli;
    int rc = dbn_figure_check(task, figure, &target, &base_milli, why, why_len);
    if (rc)
      return rc;
    if (strcmp(figure->what, task->targets[target]->what) != 0) {
      char *name = strdup(task->targets[target]->what);
      if (!name)
        return DBN_ENOMEM;
      free(figure->what); /* protobuf-c's default allocator: free() is its own */
      figure->what = name;
    }
    figure->base_milli = base_milli;
  }
  return 0;
}

/* The milestone a milestone request names, by number or due day, made the
 * due day the log holds, and whether it may be met, confirmed or sent
 * back now (domain/milestone.h). */
static int
check_milestone(const Duban__Task *task, Duban__Request *req, const dbn_request_kind_t *kind, char *why,
                size_t why_len)
{
  char **due = req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET       ? &req->milestone_met->due
               : req->body_case == DUBAN__REQUEST__BODY_CONFIRM_MILESTONE ? &req->confirm_milestone->due
                                                                          : &req->return_milestone->due;
  size_t index;
  int rc = dbn_milestone_find(task, *due, &index, why, why_len);
  if (rc)
    return rc;
  const char *day = task->milestones[index]->due;
  if (strcmp(*due, day) != 0) {
    char *copy = strdup(day);
    if (!copy)
      return DBN_ENOMEM;
    free(*due);
    *due = copy;
  }
  rc = dbn_milestone_check(task, kind->event, *due, why, why_len);
  if (rc == 0 && req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET)
    rc = check_figures(task, req->milestone_met->n_figures, req->milestone_met->figures, why, why_len);
  return rc;
}

static bool
is_milestone_request(const Duban__Request *req)
{
  return req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET ||
         req->body_case == DUBAN__REQUEST__BODY_CONFIRM_MILESTONE ||
         req->body_case == DUBAN__REQUEST__BODY_RETURN_MILESTONE;
}

static int
check_task(dbn_store_txn_t *txn, dbn_role_t role, const char *name, Duban__Request *req,
           const dbn_request_kind_t *kind, Duban__Task **task_p, char *why, size_t why_len)
{
  bool figures = req->body_case == DUBAN__REQUEST__BODY_PROGRESS && req->progress->n_figures > 0;
  bool milestone = is_milestone_request(req);
  bool plan_change = dbn_plan_change_rules_applies(req);
  bool lead_remind = req->body_case == DUBAN__REQUEST__BODY_LEAD_REMIND;
  int rc = load_own_task(txn, role, name, dbn_request_task(req), kind,
                         figures || milestone || plan_change || lead_remind, task_p, why, why_len);
  if (rc || !kind->write)
    return rc;
  Duban__TaskState next;
  rc = dbn_task_next_state(*task_p, kind->event, false, (*task_p)->open_escalations, &next, why, why_len);
  if (rc == 0 && req->body_case == DUBAN__REQUEST__BODY_REASSIGN)
    rc = check_reassign(txn, *task_p, req->reassign, why, why_len);
  if (rc == 0 && figures)
    rc = check_figures(*task_p, req->progress->n_figures, req->progress->figures, why, why_len);
  if (rc == 0 && milestone)
    rc = check_milestone(*task_p, req, kind, why, why_len);
  if (rc == 0 && plan_change)
    rc = dbn_plan_change_rules_check(txn, req, *task_p, why, why_len);
  if (rc == 0 && lead_remind)
    rc = dbn_lead_check_remind(*task_p, name, why, why_len);
  if (rc)
    dbn_wire_task_free(task_p);
  return rc;
}

static int
check_escalation(dbn_store_txn_t *txn, const Duban__Request *req, const dbn_request_kind_t *kind,
                 Duban__Escalation **escalation_p, char *why, size_t why_len)
{
  uint64_t id = dbn_request_escalation(req);
  int rc = dbn_store_escalation_get(txn, id, escalation_p);
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, why_len, "no escalation %llu; `duban escalations --all` lists them",
             (unsigned long long)id);
    return rc;
  }
  if (rc) {
    snprintf(why, why_len, "escalation %llu could not be read: %s", (unsigned long long)id, dbn_strerror(rc));
    return rc;
  }
  Duban__EscalationState next;
  if ((rc = dbn_escalation_next_state(*escalation_p, kind->event, &next, why, why_len)))
    dbn_wire_escalation_free(escalation_p);
  return rc;
}

static bool
plan_has_unit(const Duban__Plan *plan, const char *code)
{
  for (size_t u = 0; u < plan->n_units; u++)
    if (strcmp(plan->units[u]->code, code) == 0)
      return true;
  return false;
}

static int
cmp_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plan is new, its id is well-formed, and its units have good codes,
 * names, and no code twice. */
static int
check_plan_units(dbn_store_txn_t *txn, const Duban__Plan *plan, char *why, size_t why_len)
{
  bool exists;
  int rc = dbn_store_plan_exists(txn, plan->id, &exists);
  if (rc) {
    snprintf(why, why_len, "plans could not be read: %s", dbn_strerror(rc));
    return rc;
  }
  if (exists) {
    snprintf(why, why_len, "plan '%s' is already loaded", plan->id);
    return DBN_EEXIST;
  }
  if (strchr(plan->id, ':') || !dbn_identity_code_valid(plan->id)) {
    snprintf(why, why_len, "plan id '%s' must be 1-32 characters of A-Z a-z 0-9 _ -", plan->id);
    return DBN_EINVAL;
  }
  for (size_t u = 0; u < plan->n_units; u++) {
    if (!dbn_identity_code_valid(plan->units[u]->code) || !plan->units[u]->name || !*plan->units[u]->name) {
      snprintf(why, why_len, "unit %zu needs a name and a code of 1-32 characters of A-Z a-z 0-9 _ -", u + 1);
      return DBN_EINVAL;
    }
    for (size_t k = 0; k < u; k++)
      if (strcmp(plan->units[k]->code, plan->units[u]->code) == 0) {
        snprintf(why, why_len, "unit code '%s' is used twice", plan->units[u]->code);
        return DBN_EINVAL;
      }
  }
  return 0;
}

/* Every unit a measure names is declared; counts the actions. */
static int
check_plan_measures(const Duban__Plan *plan, size_t *n_actions_p, char *why, size_t why_len)
{
  size_t n_actions = 0;
  for (size_t s = 0; s < plan->n_sections; s++)
    for (size_t m = 0; m < plan->sections[s]->n_measures; m++) {
      const Duban__Measure *measure = plan->sections[s]->measures[m];
      for (size_t i = 0; i < measure->n_lead + measure->n_cooperating; i++) {
        const char *code = i < measure->n_lead ? measure->lead[i] : measure->cooperating[i - measure->n_lead];
        if (!plan_has_unit(plan, code)) {
          snprintf(why, why_len, "measure %s.%s names unit '%s', which the plan's units do not declare",
                   plan->sections[s]->number, measure->number, code);
          return DBN_EINVAL;
        }
      }
      n_actions += measure->n_actions;
    }
  if (n_actions > 100000) {
    snprintf(why, why_len, "%zu actions; a plan may have at most 100000", n_actions);
    return DBN_ETOOBIG;
  }
  *n_actions_p = n_actions;
  return 0;
}

/* Collect every action's task id into ids (which has room for all),
 * checking that it is under the plan and owned by a declared unit. */
static int
collect_task_ids(const Duban__Plan *plan, char **ids, size_t *count_p, char *why, size_t why_len)
{
  size_t count = 0, prefix_len = strlen(plan->id);
  for (size_t s = 0; s < plan->n_sections; s++)
    for (size_t m = 0; m < plan->sections[s]->n_measures; m++) {
      const Duban__Measure *measure = plan->sections[s]->measures[m];
      for (size_t a = 0; a < measure->n_actions; a++) {
        const Duban__Action *action = measure->actions[a];
        if (strncmp(action->id, plan->id, prefix_len) != 0 || action->id[prefix_len] != ':' ||
            !action->id[prefix_len + 1]) {
          snprintf(why, why_len, "task id '%s' must start with '%s:'", action->id, plan->id);
          return DBN_EINVAL;
        }
        if (!plan_has_unit(plan, action->unit)) {
          snprintf(why, why_len, "task '%s' is owned by unit '%s', which the plan's units do not declare",
                   action->id, action->unit);
          return DBN_EINVAL;
        }
        ids[count++] = action->id;
      }
    }
  *count_p = count;
  return 0;
}

/* Task ids are unique in the plan and new to the log. */
static int
check_task_ids_new(dbn_store_txn_t *txn, char **ids, size_t count, char *why, size_t why_len)
{
  qsort(ids, count, sizeof *ids, cmp_strings);
  for (size_t i = 1; i < count; i++)
    if (strcmp(ids[i - 1], ids[i]) == 0) {
      snprintf(why, why_len, "task id '%s' appears twice in the plan", ids[i]);
      return DBN_EINVAL;
    }
  for (size_t i = 0; i < count; i++) {
    Duban__Task *task;
    if (dbn_store_task_state_get(txn, ids[i], &task) == 0) {
      dbn_wire_task_free(&task);
      snprintf(why, why_len, "task '%s' already exists", ids[i]);
      return DBN_EEXIST;
    }
  }
  return 0;
}

/* A plan must be whole and consistent before it becomes tasks: every unit
 * it names is declared, every task id is new, unique and under the plan. */
static int
check_plan(dbn_store_txn_t *txn, const Duban__Plan *plan, char *why, size_t why_len)
{
  size_t n_actions = 0, count = 0;
  int rc = check_plan_units(txn, plan, why, why_len);
  if (rc == 0)
    rc = check_plan_measures(plan, &n_actions, why, why_len);
  if (rc)
    return rc;
  char **ids = malloc((n_actions ? n_actions : 1) * sizeof *ids);
  if (!ids)
    return DBN_ENOMEM;
  rc = collect_task_ids(plan, ids, &count, why, why_len);
  if (rc == 0)
    rc = check_task_ids_new(txn, ids, count, why, why_len);
  free(ids);
  return rc;
}

/* Scoring rules go into the log only when domain/score.c would score with
 * them: a report for any later day must never meet rules it refuses. */
static int
check_scoring_rules(const Duban__LoadScoringRules *load, char *why, size_t why_len)
{
  if (!load->rules) {
    snprintf(why, why_len, "the scoring rules are missing");
    return DBN_EINVAL;
  }
  dbn_scoring_rules_t rules;
  int rc = dbn_scoring_rules_from_proto(load->rules, &rules, why, why_len);
  return rc ? rc : dbn_scoring_rules_check(&rules, why, why_len);
}

static int
refuse_role(const char *identity, const dbn_request_kind_t *kind, char *why, size_t why_len)
{
  unsigned roles = kind->roles;
  snprintf(why, why_len, "%s may not %s: it is for %s%s%s%s", identity, kind->name,
           roles & DBN_ROLE_BIT(DBN_ROLE_UNIT) ? "departments " : "",
           roles & DBN_ROLE_BIT(DBN_ROLE_COORDINATOR) ? "coordinators " : "",
           roles & DBN_ROLE_BIT(DBN_ROLE_AUDITOR) ? "auditors " : "",
           roles & DBN_ROLE_BIT(DBN_ROLE_ADMIN) ? "admins" : "");
  return DBN_EPERM;
}

int
dbn_rules_check(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, bool virtual_clock,
                dbn_store_subject_t *subject, char *why, size_t why_len)
{
  dbn_store_subject_t ignored = {0};
  if (!subject)
    subject = &ignored;
  dbn_role_t role;
  const char *name;
  if (dbn_identity_parse(identity, &role, &name)) {
    snprintf(why, why_len, "identity '%s' is not one duban knows", identity ? identity : "");
    return DBN_EPERM;
  }
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  if (!kind) {
    snprintf(why, why_len, "unknown request type");
    return DBN_EINVAL;
  }
  if (!(kind->roles & DBN_ROLE_BIT(role)))
    return refuse_role(identity, kind, why, why_len);
  /* The writer's own signature, against the key the log registered for it. */
  int rc = dbn_signed_write_check(txn, identity, req, why, why_len);
  if (rc)
    return rc;
  /* Evidence files within their limits, each its hash's (domain/evidence_rule.h). */
  Duban__EvidenceRef **evidence;
  size_t n_evidence = dbn_evidence_of_request(req, &evidence);
  if (n_evidence && (rc = dbn_evidence_check(n_evidence, evidence, why, why_len)))
    return rc;
  switch (kind->subject) {
  case DBN_SUBJECT_TASK: rc = check_task(txn, role, name, req, kind, &subject->task, why, why_len); break;
  case DBN_SUBJECT_ESCALATION:
    rc = check_escalation(txn, req, kind, &subject->escalation, why, why_len);
    break;
  case DBN_SUBJECT_PLAN: rc = check_plan(txn, req->load_plan->plan, why, why_len); break;
  case DBN_SUBJECT_CLOCK:
    if (!virtual_clock) {
      snprintf(why, why_len,
               "this broker runs on the real clock; start it with --virtual-clock to move time");
      rc = DBN_ESTATE;
    }
    break;
  case DBN_SUBJECT_NONE:
    if (req->body_case == DUBAN__REQUEST__BODY_LIST_TASKS && role == DBN_ROLE_UNIT &&
        *req->list_tasks->unit && strcmp(req->list_tasks->unit, name) != 0) {
      snprintf(why, why_len, "unit %s may list only its own tasks", name);
      rc = DBN_EPERM;
    }
    if (req->body_case == DUBAN__REQUEST__BODY_LOAD_SCORING_RULES)
      rc = check_scoring_rules(req->load_scoring_rules, why, why_len);
    if (req->body_case == DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY ||
        req->body_case == DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY)
      rc = dbn_signing_keys_check_request(txn, req, why, why_len);
    if (req->body_case == DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD)
      rc = dbn_plan_change_rules_check(txn, req, NULL, why, why_len);
    break;
  }
  dbn_store_subject_clear(&ignored);
  return rc;
}

/* The names a person types, made the ones the log holds: see rules.h. The
 * request came from protobuf-c's default allocator, so free() and strdup()
 * are its own. */
/* A short task id ("2.1.1") names the one loaded plan's task; rewrite it
 * to the full id. One that no plan has is left for the check to refuse. */
static int
resolve_task_id(dbn_store_txn_t *txn, Duban__Request *req, char *why, size_t why_len)
{
  char **slot = dbn_request_task_slot(req);
  if (!slot || !*slot || !**slot || strchr(*slot, ':'))
    return 0;
  char *full;
  size_t matches;
  int rc = dbn_store_task_resolve(txn, *slot, &full, &matches);
  if (rc == DBN_ENOTFOUND)
    return 0;
  if (rc == DBN_EEXIST) {
    snprintf(why, why_len, "task '%s' is in %zu plans; give the full id (PLAN:%s)", *slot, matches, *slot);
    return DBN_EINVAL;
  }
  if (rc) {
    snprintf(why, why_len, "tasks could not be read: %s", dbn_strerror(rc));
    return rc;
  }
  free(*slot);
  *slot = full;
  return 0;
}

int
dbn_rules_resolve_names(dbn_store_txn_t *txn, Duban__Request *req, char *why, size_t why_len)
{
  /* What the writer signed is the body before names are resolved. */
  int rc = dbn_signed_write_keep_body(req);
  if (rc) {
    snprintf(why, why_len, "out of memory while reading the request; retry");
    return rc;
  }
  rc = resolve_task_id(txn, req, why, why_len);
  if (rc)
    return rc;
  char **field = NULL;
  if (req->body_case == DUBAN__REQUEST__BODY_LIST_TASKS && *req->list_tasks->unit)
    field = &req->list_tasks->unit;
  else if (req->body_case == DUBAN__REQUEST__BODY_REASSIGN)
    field = &req->reassign->unit;
  else if (req->body_case == DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD)
    field = &req->plan_change_add->unit;
  if (!field)
    return 0;
  char *code;
  rc = dbn_store_unit_resolve(txn, *field, &code);
  if (rc == DBN_ENOTFOUND)
    snprintf(why, why_len, "no unit '%s'; name a unit by its code, its name or an alias", *field);
  else if (rc)
    snprintf(why, why_len, "units could not be read: %s", dbn_strerror(rc));
  if (rc)
    return rc;
  free(*field);
  *field = code;
  return 0;
}
