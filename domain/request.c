/* request.c: the request table; see request.h.
 *
 * A request's body and the event it becomes carry the same message (Claim
 * is both the body `claim` of a Request and the body `claimed` of an
 * Event), so the move from one to the other, and the reading of the `task`
 * or `escalation` field, go through protobuf-c's descriptors of the two
 * oneofs rather than a switch per kind: a new row needs no new case. */
#include "request.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define UNIT DBN_ROLE_BIT(DBN_ROLE_UNIT)
#define COORDINATOR DBN_ROLE_BIT(DBN_ROLE_COORDINATOR)
#define AUDITOR DBN_ROLE_BIT(DBN_ROLE_AUDITOR)
#define ADMIN DBN_ROLE_BIT(DBN_ROLE_ADMIN)
#define ANYONE DBN_ROLES_ANY
#define READ false
#define WRITE true
#define NO_EVENT DUBAN__EVENT__BODY__NOT_SET

static const dbn_request_kind_t kinds[] = {
    {DUBAN__REQUEST__BODY_PING, "ping", ANYONE, READ, DBN_SUBJECT_NONE, NO_EVENT},
    {DUBAN__REQUEST__BODY_LIST_TASKS, "list_tasks", ANYONE, READ, DBN_SUBJECT_NONE, NO_EVENT},
    {DUBAN__REQUEST__BODY_GET_TASK, "get_task", ANYONE, READ, DBN_SUBJECT_TASK, NO_EVENT},
    {DUBAN__REQUEST__BODY_LIST_ESCALATIONS, "list_escalations", ANYONE, READ, DBN_SUBJECT_NONE, NO_EVENT},
    {DUBAN__REQUEST__BODY_WATCH, "watch", UNIT | COORDINATOR | AUDITOR | ADMIN, READ, DBN_SUBJECT_NONE,
     NO_EVENT},
    {DUBAN__REQUEST__BODY_UNWATCH, "unwatch", UNIT | COORDINATOR | AUDITOR | ADMIN, READ, DBN_SUBJECT_NONE,
     NO_EVENT},
    {DUBAN__REQUEST__BODY_CLAIM, "claim", UNIT, WRITE, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_CLAIMED},
    {DUBAN__REQUEST__BODY_PROGRESS, "progress", UNIT, WRITE, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_PROGRESS},
    {DUBAN__REQUEST__BODY_SUBMIT, "submit", UNIT, WRITE, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_SUBMITTED},
    {DUBAN__REQUEST__BODY_ESCALATE, "escalate", UNIT, WRITE, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_ESCALATED},
    {DUBAN__REQUEST__BODY_ACK, "ack", COORDINATOR, WRITE, DBN_SUBJECT_ESCALATION,
     DUBAN__EVENT__BODY_ACKNOWLEDGED},
    {DUBAN__REQUEST__BODY_RESOLVE, "resolve", COORDINATOR, WRITE, DBN_SUBJECT_ESCALATION,
     DUBAN__EVENT__BODY_RESOLVED},
    {DUBAN__REQUEST__BODY_REMIND, "remind", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_REMINDED},
    {DUBAN__REQUEST__BODY_ACCEPT, "accept", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_ACCEPTED},
    {DUBAN__REQUEST__BODY_REJECT, "reject", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_REJECTED},
    {DUBAN__REQUEST__BODY_REASSIGN, "reassign", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_REASSIGNED},
    {DUBAN__REQUEST__BODY_LOAD_PLAN, "load_plan", ADMIN, WRITE, DBN_SUBJECT_PLAN,
     DUBAN__EVENT__BODY_PLAN_LOADED},
    {DUBAN__REQUEST__BODY_ADVANCE_CLOCK, "advance_clock", ADMIN, WRITE, DBN_SUBJECT_CLOCK,
     DUBAN__EVENT__BODY_CLOCK_ADVANCED},
    {DUBAN__REQUEST__BODY_LIST_INBOX, "list_inbox", UNIT, READ, DBN_SUBJECT_NONE, NO_EVENT},
    {DUBAN__REQUEST__BODY_MARK_INBOX_READ, "mark_inbox_read", UNIT, WRITE, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY_INBOX_READ},
    {DUBAN__REQUEST__BODY_LOAD_SCORING_RULES, "load_scoring_rules", COORDINATOR | ADMIN, WRITE,
     DBN_SUBJECT_NONE, DUBAN__EVENT__BODY_SCORING_RULES_LOADED},
    /* A department's agent answers it from its own outbox; the broker has none (an empty answer). */
    {DUBAN__REQUEST__BODY_LIST_OUTBOX, "list_outbox", UNIT, READ, DBN_SUBJECT_NONE, NO_EVENT},
    /* Who may sign as whom (store/signed_request.h): the checks beyond the role are there. */
    {DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY, "register_signing_key", ADMIN, WRITE, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED},
    {DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY, "revoke_signing_key", ADMIN, WRITE, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED},
    {DUBAN__REQUEST__BODY_MILESTONE_MET, "milestone_met", UNIT, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_MILESTONE_REPORTED},
    {DUBAN__REQUEST__BODY_CONFIRM_MILESTONE, "confirm_milestone", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_MILESTONE_CONFIRMED},
    {DUBAN__REQUEST__BODY_RETURN_MILESTONE, "return_milestone", COORDINATOR, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_MILESTONE_RETURNED},
    /* 计划调整 (domain/plan_change.h): a new task has no task yet to act on. */
    {DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD, "plan_change_add", COORDINATOR | ADMIN, WRITE, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY_PLAN_TASK_ADDED},
    {DUBAN__REQUEST__BODY_PLAN_CHANGE_CANCEL, "plan_change_cancel", COORDINATOR | ADMIN, WRITE,
     DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED},
    {DUBAN__REQUEST__BODY_PLAN_CHANGE_DATES, "plan_change_dates", COORDINATOR | ADMIN, WRITE,
     DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_PLAN_DATES_CHANGED},
    /* 佐证材料: a unit reads those of its own tasks, the others any (broker/read.c). */
    {DUBAN__REQUEST__BODY_LIST_EVIDENCE, "list_evidence", ANYONE, READ, DBN_SUBJECT_TASK, NO_EVENT},
    {DUBAN__REQUEST__BODY_GET_EVIDENCE, "get_evidence", ANYONE, READ, DBN_SUBJECT_NONE, NO_EVENT},
    /* A measure's lead unit reminds the owner of one of its tasks (domain/lead.h). */
    {DUBAN__REQUEST__BODY_LEAD_REMIND, "lead_remind", UNIT, WRITE, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_LEAD_REMINDED},
};

const dbn_request_kind_t *
dbn_request_kind(Duban__Request__BodyCase body)
{
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (kinds[i].body == body)
      return &kinds[i];
  return NULL;
}

const dbn_request_kind_t *
dbn_request_kind_of_event(Duban__Event__BodyCase event)
{
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (kinds[i].write && kinds[i].event == event)
      return &kinds[i];
  return NULL;
}

const char *
dbn_request_name(Duban__Request__BodyCase body)
{
  const dbn_request_kind_t *kind = dbn_request_kind(body);
  return kind ? kind->name : "unknown";
}

bool
dbn_request_is_write(Duban__Request__BodyCase body)
{
  const dbn_request_kind_t *kind = dbn_request_kind(body);
  return kind && kind->write;
}

/* The message a oneof member of msg points to, given its field number
 * (protobuf-c's body case values are the field numbers). */
static const ProtobufCMessage *
oneof_message(const ProtobufCMessage *msg, unsigned field_number)
{
  const ProtobufCFieldDescriptor *field =
      protobuf_c_message_descriptor_get_field(msg->descriptor, field_number);
  if (!field || field->type != PROTOBUF_C_TYPE_MESSAGE)
    return NULL;
  return *(const ProtobufCMessage *const *)((const char *)msg + field->offset);
}

/* The field `name` of the request's body message, or NULL. */
static const ProtobufCFieldDescriptor *
body_field(const Duban__Request *req, const char *name, const ProtobufCMessage **body_p)
{
  const ProtobufCMessage *body = oneof_message(&req->base, (unsigned)req->body_case);
  if (!body)
    return NULL;
  *body_p = body;
  return protobuf_c_message_descriptor_get_field_by_name(body->descriptor, name);
}

char **
dbn_request_task_slot(Duban__Request *req)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  const ProtobufCMessage *body;
  if (!kind || kind->subject != DBN_SUBJECT_TASK)
    return NULL;
  const ProtobufCFieldDescriptor *field = body_field(req, "task", &body);
  if (!field || field->type != PROTOBUF_C_TYPE_STRING)
    return NULL;
  return (char **)((char *)body + field->offset);
}

const char *
dbn_request_task(const Duban__Request *req)
{
  char **slot = dbn_request_task_slot((Duban__Request *)req);
  return slot ? *slot : NULL;
}

uint64_t
dbn_request_escalation(const Duban__Request *req)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  const ProtobufCMessage *body;
  if (!kind || kind->subject != DBN_SUBJECT_ESCALATION)
    return 0;
  const ProtobufCFieldDescriptor *field = body_field(req, "escalation", &body);
  if (!field || field->type != PROTOBUF_C_TYPE_UINT64)
    return 0;
  return *(const uint64_t *)((const char *)body + field->offset);
}

const ProtobufCMessage *
dbn_request_body(const Duban__Request *req)
{
  return oneof_message(&req->base, (unsigned)req->body_case);
}

const ProtobufCMessage *
dbn_event_body(const Duban__Event *event)
{
  return oneof_message(&event->base, (unsigned)event->body_case);
}

/* Point the member field_number of message (of descriptor) at body, when
 * that member is a message of body's type; DBN_EINVAL otherwise. The
 * caller sets the oneof's case. */
static int
set_oneof_message(void *message, const ProtobufCMessageDescriptor *descriptor, unsigned field_number,
                  const ProtobufCMessage *body)
{
  const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field(descriptor, field_number);
  if (!body || !field || field->type != PROTOBUF_C_TYPE_MESSAGE || field->descriptor != body->descriptor)
    return DBN_EINVAL;
  *(const ProtobufCMessage **)((char *)message + field->offset) = body;
  return 0;
}

int
dbn_request_set_body(Duban__Request *req, const dbn_request_kind_t *kind, const ProtobufCMessage *body)
{
  if (set_oneof_message(req, &duban__request__descriptor, (unsigned)kind->body, body) != 0)
    return DBN_EINVAL;
  req->body_case = kind->body;
  return 0;
}

int
dbn_request_to_event(const Duban__Request *req, Duban__Event *event)
{
  const dbn_request_kind_t *kind = dbn_request_kind(req->body_case);
  event->body_case = DUBAN__EVENT__BODY__NOT_SET;
  if (!kind || !kind->write)
    return DBN_EINVAL;
  const ProtobufCMessage *body = oneof_message(&req->base, (unsigned)req->body_case);
  if (set_oneof_message(event, &duban__event__descriptor, (unsigned)kind->event, body) != 0)
    return DBN_EINVAL;
  event->body_case = kind->event;
  /* The writer's signature goes into the log with what it signed (store/signed_request.h). */
  event->signature = req->signature;
  event->signer_key_id = req->signer_key_id;
  event->signed_seen_seq = req->seen_seq;
  event->signed_plan_id = req->plan_id;
  event->signed_body = req->signed_body;
  event->signer_prev = req->signer_prev;
  event->signer_continues = req->signer_continues;
  return 0;
}

/* Events with a row that the broker also raises itself: a red deadline
 * warning escalates on its own. */
static bool
system_may_raise(Duban__Event__BodyCase event)
{
  return event == DUBAN__EVENT__BODY_ESCALATED;
}

/* A unit's own work on its task: only the task's owner makes these. (A
 * unit may act on a task it does not own in other ways, such as a
 * measure's lead unit reminding the owner; those carry their own rule.) */
static bool
owner_only(Duban__Event__BodyCase event)
{
  return event == DUBAN__EVENT__BODY_CLAIMED || event == DUBAN__EVENT__BODY_PROGRESS ||
         event == DUBAN__EVENT__BODY_SUBMITTED || event == DUBAN__EVENT__BODY_ESCALATED ||
         event == DUBAN__EVENT__BODY_MILESTONE_REPORTED;
}

int
dbn_event_actor_check(Duban__Event__BodyCase event, const char *actor, const char *task_owner, char *why,
                      size_t why_len)
{
  const dbn_request_kind_t *kind = dbn_request_kind_of_event(event);
  bool system = actor && strcmp(actor, DBN_SYSTEM_ACTOR) == 0;
  if (system && (!kind || system_may_raise(event)))
    return 0;
  if (!kind) {
    snprintf(why, why_len, "此类事件只能由代理自身（%s）记录，记录者却是 %s", DBN_SYSTEM_ACTOR,
             actor ? actor : "");
    return DBN_EPERM;
  }
  dbn_role_t role;
  const char *name;
  if (!actor || dbn_identity_parse(actor, &role, &name) != 0 || !(kind->roles & DBN_ROLE_BIT(role))) {
    snprintf(why, why_len, "记录者 %s 无权发出 %s 请求", actor ? actor : "", kind->name);
    return DBN_EPERM;
  }
  if (role == DBN_ROLE_UNIT && owner_only(event) && task_owner && strcmp(task_owner, name) != 0) {
    snprintf(why, why_len, "记录者 %s 对不属于本单位的任务发出了 %s 请求", actor, kind->name);
    return DBN_EPERM;
  }
  return 0;
}
