/* rules.c: rights and the task state machine; see rules.h. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* Bit per role, so that the table below reads as a matrix. */
#define UNIT (1u << DBN_ROLE_UNIT)
#define COORDINATOR (1u << DBN_ROLE_COORDINATOR)
#define AUDITOR (1u << DBN_ROLE_AUDITOR)
#define ADMIN (1u << DBN_ROLE_ADMIN)
#define ANYONE (UNIT | COORDINATOR | AUDITOR | ADMIN)

struct permission {
  Duban__Request__BodyCase body; /* the request */
  unsigned roles;                /* who may send it */
  bool write;                    /* produces an event */
};

static const struct permission permissions[] = {
    {DUBAN__REQUEST__BODY_PING, ANYONE, false},
    {DUBAN__REQUEST__BODY_LIST_TASKS, ANYONE, false},
    {DUBAN__REQUEST__BODY_GET_TASK, ANYONE, false},
    {DUBAN__REQUEST__BODY_LIST_ESCALATIONS, ANYONE, false},
    {DUBAN__REQUEST__BODY_WATCH, COORDINATOR | AUDITOR | ADMIN, false},
    {DUBAN__REQUEST__BODY_UNWATCH, COORDINATOR | AUDITOR | ADMIN, false},
    {DUBAN__REQUEST__BODY_CLAIM, UNIT, true},
    {DUBAN__REQUEST__BODY_PROGRESS, UNIT, true},
    {DUBAN__REQUEST__BODY_SUBMIT, UNIT, true},
    {DUBAN__REQUEST__BODY_ESCALATE, UNIT, true},
    {DUBAN__REQUEST__BODY_ACK, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_RESOLVE, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_REMIND, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_ACCEPT, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_REJECT, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_REASSIGN, COORDINATOR, true},
    {DUBAN__REQUEST__BODY_LOAD_PLAN, ADMIN, true},
    {DUBAN__REQUEST__BODY_ADVANCE_CLOCK, ADMIN, true},
};

static const char *const role_names[DBN_ROLE_COUNT] = {"unit", "coordinator", "auditor", "admin"};

static const struct permission *
find_permission(Duban__Request__BodyCase body)
{
  for (size_t i = 0; i < sizeof permissions / sizeof permissions[0]; i++)
    if (permissions[i].body == body)
      return &permissions[i];
  return NULL;
}

bool
dbn_rules_is_write(Duban__Request__BodyCase body)
{
  const struct permission *p = find_permission(body);
  return p && p->write;
}

static bool
valid_name(const char *name)
{
  size_t len = strlen(name);
  if (len == 0 || len > 64)
    return false;
  for (const char *c = name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
          *c == '-' || *c == '.'))
      return false;
  return true;
}

int
dbn_identity_parse(const char *identity, dbn_role_t *role_p, const char **name_p)
{
  if (!identity)
    return DBN_EINVAL;
  const char *colon = strchr(identity, ':');
  if (!colon)
    return DBN_EINVAL;
  size_t kind_len = (size_t)(colon - identity);
  for (int r = 0; r < DBN_ROLE_COUNT; r++) {
    if (strlen(role_names[r]) == kind_len && strncmp(identity, role_names[r], kind_len) == 0) {
      if (!valid_name(colon + 1))
        return DBN_EINVAL;
      *role_p = (dbn_role_t)r;
      *name_p = colon + 1;
      return 0;
    }
  }
  return DBN_EINVAL;
}

/* A task the caller may act on: it exists, and a unit owns it. */
static int
load_own_task(dbn_store_txn_t *txn, dbn_role_t role, const char *unit, const char *task_id,
              Duban__Task **task_p, char *why, size_t why_len)
{
  int rc = dbn_store_task_state_get(txn, task_id, task_p);
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, why_len, "no task '%s'; `duban tasks` lists the tasks you can see", task_id);
    return rc;
  }
  if (rc) {
    snprintf(why, why_len, "task '%s' could not be read: %s", task_id, dbn_strerror(rc));
    return rc;
  }
  if (role == DBN_ROLE_UNIT && strcmp((*task_p)->unit, unit) != 0) {
    snprintf(why, why_len, "task '%s' belongs to unit %s; unit %s may act only on its own tasks", task_id,
             (*task_p)->unit, unit);
    duban__task__free_unpacked(*task_p, NULL);
    *task_p = NULL;
    return DBN_EPERM;
  }
  return 0;
}

/* allowed is a bit set of task states in which the request may proceed. */
#define STATE_BIT(s) (1u << (s))

static int
require_state(const Duban__Task *task, unsigned allowed, const char *request, char *why, size_t why_len)
{
  if (allowed & STATE_BIT(task->state))
    return 0;
  char list[160] = "";
  for (int s = DUBAN__TASK_STATE__TASK_ASSIGNED; s <= DUBAN__TASK_STATE__TASK_DONE; s++) {
    if (allowed & STATE_BIT(s)) {
      if (*list)
        strncat(list, " or ", sizeof list - strlen(list) - 1);
      strncat(list, dbn_wire_task_state_name((Duban__TaskState)s), sizeof list - strlen(list) - 1);
    }
  }
  if (task->state == DUBAN__TASK_STATE__TASK_BLOCKED)
    snprintf(why, why_len,
             "task '%s' is blocked by an open escalation; %s needs it %s (a coordinator resolves "
             "the escalation first)",
             task->id, request, list);
  else
    snprintf(why, why_len, "task '%s' is %s; %s needs it %s", task->id, dbn_wire_task_state_name(task->state),
             request, list);
  return DBN_ESTATE;
}

static int
check_escalation(dbn_store_txn_t *txn, uint64_t id, bool resolving, char *why, size_t why_len)
{
  Duban__Escalation *e;
  int rc = dbn_store_escalation_get(txn, id, &e);
  if (rc == DBN_ENOTFOUND) {
    snprintf(why, why_len, "no escalation %llu; `duban escalations --all` lists them",
             (unsigned long long)id);
    return rc;
  }
  if (rc) {
    snprintf(why, why_len, "escalation %llu could not be read: %s", (unsigned long long)id, dbn_strerror(rc));
    return rc;
  }
  Duban__EscalationState state = e->state;
  duban__escalation__free_unpacked(e, NULL);
  if (state == DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED) {
    snprintf(why, why_len, "escalation %llu is already resolved", (unsigned long long)id);
    return DBN_ESTATE;
  }
  if (!resolving && state != DUBAN__ESCALATION_STATE__ESCALATION_OPEN) {
    snprintf(why, why_len, "escalation %llu is already acknowledged; resolve it when it is cleared",
             (unsigned long long)id);
    return DBN_ESTATE;
  }
  return 0;
}

static bool
valid_unit_code(const char *code)
{
  if (!code || !*code || strlen(code) > 32)
    return false;
  for (const char *c = code; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
          *c == '-'))
      return false;
  return true;
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

/* A plan must be whole and consistent before it becomes tasks: every unit
 * it names is declared, every task id is new, unique and under the plan. */
static int
check_plan(dbn_store_txn_t *txn, const Duban__Plan *plan, char *why, size_t why_len)
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
  if (strchr(plan->id, ':') || !valid_unit_code(plan->id)) {
    snprintf(why, why_len, "plan id '%s' must be 1-32 characters of A-Z a-z 0-9 _ -", plan->id);
    return DBN_EINVAL;
  }
  for (size_t u = 0; u < plan->n_units; u++) {
    if (!valid_unit_code(plan->units[u]->code) || !plan->units[u]->name || !*plan->units[u]->name) {
      snprintf(why, why_len, "unit %zu needs a name and a code of 1-32 characters of A-Z a-z 0-9 _ -", u + 1);
      return DBN_EINVAL;
    }
    for (size_t k = 0; k < u; k++)
      if (strcmp(plan->units[k]->code, plan->units[u]->code) == 0) {
        snprintf(why, why_len, "unit code '%s' is used twice", plan->units[u]->code);
        return DBN_EINVAL;
      }
  }
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
  char **ids = malloc((n_actions ? n_actions : 1) * sizeof *ids);
  if (!ids)
    return DBN_ENOMEM;
  size_t n = 0, prefix_len = strlen(plan->id);
  rc = 0;
  for (size_t s = 0; s < plan->n_sections && !rc; s++)
    for (size_t m = 0; m < plan->sections[s]->n_measures && !rc; m++) {
      const Duban__Measure *measure = plan->sections[s]->measures[m];
      for (size_t a = 0; a < measure->n_actions && !rc; a++) {
        const Duban__Action *action = measure->actions[a];
        if (strncmp(action->id, plan->id, prefix_len) != 0 || action->id[prefix_len] != ':' ||
            !action->id[prefix_len + 1]) {
          snprintf(why, why_len, "task id '%s' must start with '%s:'", action->id, plan->id);
          rc = DBN_EINVAL;
        } else if (!plan_has_unit(plan, action->unit)) {
          snprintf(why, why_len, "task '%s' is owned by unit '%s', which the plan's units do not declare",
                   action->id, action->unit);
          rc = DBN_EINVAL;
        } else {
          ids[n++] = action->id;
        }
      }
    }
  if (!rc) {
    qsort(ids, n, sizeof *ids, cmp_strings);
    for (size_t i = 1; i < n && !rc; i++)
      if (strcmp(ids[i - 1], ids[i]) == 0) {
        snprintf(why, why_len, "task id '%s' appears twice in the plan", ids[i]);
        rc = DBN_EINVAL;
      }
  }
  for (size_t i = 0; i < n && !rc; i++) {
    Duban__Task *task;
    if (dbn_store_task_state_get(txn, ids[i], &task) == 0) {
      duban__task__free_unpacked(task, NULL);
      snprintf(why, why_len, "task '%s' already exists", ids[i]);
      rc = DBN_EEXIST;
    }
  }
  free(ids);
  return rc;
}

int
dbn_rules_check(dbn_store_txn_t *txn, const char *identity, const Duban__Request *req, bool virtual_clock,
                char *why, size_t why_len)
{
  dbn_role_t role;
  const char *name;
  if (dbn_identity_parse(identity, &role, &name)) {
    snprintf(why, why_len, "identity '%s' is not one duban knows", identity ? identity : "");
    return DBN_EPERM;
  }
  const struct permission *permission = find_permission(req->body_case);
  if (!permission) {
    snprintf(why, why_len, "unknown request type");
    return DBN_EINVAL;
  }
  const char *request = dbn_wire_request_name(req->body_case);
  if (!(permission->roles & (1u << role))) {
    snprintf(why, why_len, "%s may not %s: it is for %s%s%s%s", identity, request,
             permission->roles & UNIT ? "departments " : "",
             permission->roles & COORDINATOR ? "coordinators " : "",
             permission->roles & AUDITOR ? "auditors " : "", permission->roles & ADMIN ? "admins" : "");
    return DBN_EPERM;
  }

  Duban__Task *task = NULL;
  int rc = 0;
  const unsigned working =
      STATE_BIT(DUBAN__TASK_STATE__TASK_CLAIMED) | STATE_BIT(DUBAN__TASK_STATE__TASK_IN_PROGRESS);
  const unsigned not_done = ~STATE_BIT(DUBAN__TASK_STATE__TASK_DONE);
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_LIST_TASKS:
    if (role == DBN_ROLE_UNIT && *req->list_tasks->unit && strcmp(req->list_tasks->unit, name) != 0) {
      snprintf(why, why_len, "unit %s may list only its own tasks", name);
      return DBN_EPERM;
    }
    return 0;
  case DUBAN__REQUEST__BODY_GET_TASK:
    rc = load_own_task(txn, role, name, req->get_task->task, &task, why, why_len);
    break;
  case DUBAN__REQUEST__BODY_CLAIM:
    if (!(rc = load_own_task(txn, role, name, req->claim->task, &task, why, why_len)))
      rc = require_state(task, STATE_BIT(DUBAN__TASK_STATE__TASK_ASSIGNED), "claim", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_PROGRESS:
    if (!(rc = load_own_task(txn, role, name, req->progress->task, &task, why, why_len)))
      rc =
          require_state(task, working | STATE_BIT(DUBAN__TASK_STATE__TASK_BLOCKED), "progress", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_SUBMIT:
    if (!(rc = load_own_task(txn, role, name, req->submit->task, &task, why, why_len)))
      rc = require_state(task, working, "submit", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_ESCALATE:
    if (!(rc = load_own_task(txn, role, name, req->escalate->task, &task, why, why_len)))
      rc =
          require_state(task, working | STATE_BIT(DUBAN__TASK_STATE__TASK_BLOCKED), "escalate", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_ACK: return check_escalation(txn, req->ack->escalation, false, why, why_len);
  case DUBAN__REQUEST__BODY_RESOLVE:
    return check_escalation(txn, req->resolve->escalation, true, why, why_len);
  case DUBAN__REQUEST__BODY_REMIND:
    if (!(rc = load_own_task(txn, role, name, req->remind->task, &task, why, why_len)))
      rc = require_state(task, not_done, "remind", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_ACCEPT:
    if (!(rc = load_own_task(txn, role, name, req->accept->task, &task, why, why_len)))
      rc = require_state(task, STATE_BIT(DUBAN__TASK_STATE__TASK_SUBMITTED), "accept", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_REJECT:
    if (!(rc = load_own_task(txn, role, name, req->reject->task, &task, why, why_len)))
      rc = require_state(task, STATE_BIT(DUBAN__TASK_STATE__TASK_SUBMITTED), "reject", why, why_len);
    break;
  case DUBAN__REQUEST__BODY_REASSIGN: {
    if ((rc = load_own_task(txn, role, name, req->reassign->task, &task, why, why_len)))
      break;
    if ((rc = require_state(task, not_done, "reassign", why, why_len)))
      break;
    Duban__Unit *unit;
    if (dbn_store_unit_get(txn, req->reassign->unit, &unit) != 0) {
      snprintf(why, why_len, "no unit with code '%s'", req->reassign->unit);
      rc = DBN_ENOTFOUND;
      break;
    }
    duban__unit__free_unpacked(unit, NULL);
    if (strcmp(task->unit, req->reassign->unit) == 0) {
      snprintf(why, why_len, "task '%s' already belongs to unit %s", task->id, task->unit);
      rc = DBN_ESTATE;
    }
    break;
  }
  case DUBAN__REQUEST__BODY_LOAD_PLAN: return check_plan(txn, req->load_plan->plan, why, why_len);
  case DUBAN__REQUEST__BODY_ADVANCE_CLOCK:
    if (!virtual_clock) {
      snprintf(why, why_len,
               "this broker runs on the real clock; start it with --virtual-clock to move time");
      return DBN_ESTATE;
    }
    return 0;
  default: return 0;
  }
  if (task)
    duban__task__free_unpacked(task, NULL);
  return rc;
}

void
dbn_rules_event_from_request(const Duban__Request *req, Duban__Event *event)
{
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_CLAIM:
    event->body_case = DUBAN__EVENT__BODY_CLAIMED;
    event->claimed = req->claim;
    break;
  case DUBAN__REQUEST__BODY_PROGRESS:
    event->body_case = DUBAN__EVENT__BODY_PROGRESS;
    event->progress = req->progress;
    break;
  case DUBAN__REQUEST__BODY_SUBMIT:
    event->body_case = DUBAN__EVENT__BODY_SUBMITTED;
    event->submitted = req->submit;
    break;
  case DUBAN__REQUEST__BODY_ESCALATE:
    event->body_case = DUBAN__EVENT__BODY_ESCALATED;
    event->escalated = req->escalate;
    break;
  case DUBAN__REQUEST__BODY_ACK:
    event->body_case = DUBAN__EVENT__BODY_ACKNOWLEDGED;
    event->acknowledged = req->ack;
    break;
  case DUBAN__REQUEST__BODY_RESOLVE:
    event->body_case = DUBAN__EVENT__BODY_RESOLVED;
    event->resolved = req->resolve;
    break;
  case DUBAN__REQUEST__BODY_REMIND:
    event->body_case = DUBAN__EVENT__BODY_REMINDED;
    event->reminded = req->remind;
    break;
  case DUBAN__REQUEST__BODY_ACCEPT:
    event->body_case = DUBAN__EVENT__BODY_ACCEPTED;
    event->accepted = req->accept;
    break;
  case DUBAN__REQUEST__BODY_REJECT:
    event->body_case = DUBAN__EVENT__BODY_REJECTED;
    event->rejected = req->reject;
    break;
  case DUBAN__REQUEST__BODY_REASSIGN:
    event->body_case = DUBAN__EVENT__BODY_REASSIGNED;
    event->reassigned = req->reassign;
    break;
  case DUBAN__REQUEST__BODY_LOAD_PLAN:
    event->body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
    event->plan_loaded = req->load_plan;
    break;
  case DUBAN__REQUEST__BODY_ADVANCE_CLOCK:
    event->body_case = DUBAN__EVENT__BODY_CLOCK_ADVANCED;
    event->clock_advanced = req->advance_clock;
    break;
  default: event->body_case = DUBAN__EVENT__BODY__NOT_SET;
  }
}
