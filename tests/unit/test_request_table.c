/* test_request_table.c: the one table of request kinds (domain/request.c).
 *
 * The request oneof is read from protobuf-c's descriptor of
 * duban.Request, so a body added to proto/duban.proto without a row in the
 * table fails here. The rights, the read/write split and the event each
 * write produces are written out below as broker/rules.c had them before
 * the table moved into domain/ (its permissions table and
 * dbn_rules_event_from_request), so a row that drifts from what the broker
 * enforced fails too. The helpers that read a request's `task` or
 * `escalation` and move its body into an event are checked for every row,
 * through the descriptors, with no switch of their own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "request.h"
#include "wire.h"

#define UNIT DBN_ROLE_BIT(DBN_ROLE_UNIT)
#define COORDINATOR DBN_ROLE_BIT(DBN_ROLE_COORDINATOR)
#define AUDITOR DBN_ROLE_BIT(DBN_ROLE_AUDITOR)
#define ADMIN DBN_ROLE_BIT(DBN_ROLE_ADMIN)
#define ANYONE (UNIT | COORDINATOR | AUDITOR | ADMIN)

/* broker/rules.c before the move (git show HEAD~3:broker/rules.c): the
 * permissions table, the names dbn_wire_request_name gave, the switch of
 * dbn_rules_event_from_request, and the field each check read. */
struct old_row {
  Duban__Request__BodyCase body;
  const char *name;
  unsigned roles;
  bool write;
  dbn_subject_t subject;
  Duban__Event__BodyCase event;
};

static const struct old_row old_rows[] = {
    {DUBAN__REQUEST__BODY_PING, "ping", ANYONE, false, DBN_SUBJECT_NONE, DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_LIST_TASKS, "list_tasks", ANYONE, false, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_GET_TASK, "get_task", ANYONE, false, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_LIST_ESCALATIONS, "list_escalations", ANYONE, false, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_WATCH, "watch", UNIT | COORDINATOR | AUDITOR | ADMIN, false, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_UNWATCH, "unwatch", UNIT | COORDINATOR | AUDITOR | ADMIN, false, DBN_SUBJECT_NONE,
     DUBAN__EVENT__BODY__NOT_SET},
    {DUBAN__REQUEST__BODY_CLAIM, "claim", UNIT, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_CLAIMED},
    {DUBAN__REQUEST__BODY_PROGRESS, "progress", UNIT, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_PROGRESS},
    {DUBAN__REQUEST__BODY_SUBMIT, "submit", UNIT, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_SUBMITTED},
    {DUBAN__REQUEST__BODY_ESCALATE, "escalate", UNIT, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_ESCALATED},
    {DUBAN__REQUEST__BODY_ACK, "ack", COORDINATOR, true, DBN_SUBJECT_ESCALATION,
     DUBAN__EVENT__BODY_ACKNOWLEDGED},
    {DUBAN__REQUEST__BODY_RESOLVE, "resolve", COORDINATOR, true, DBN_SUBJECT_ESCALATION,
     DUBAN__EVENT__BODY_RESOLVED},
    {DUBAN__REQUEST__BODY_REMIND, "remind", COORDINATOR, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_REMINDED},
    {DUBAN__REQUEST__BODY_ACCEPT, "accept", COORDINATOR, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_ACCEPTED},
    {DUBAN__REQUEST__BODY_REJECT, "reject", COORDINATOR, true, DBN_SUBJECT_TASK, DUBAN__EVENT__BODY_REJECTED},
    {DUBAN__REQUEST__BODY_REASSIGN, "reassign", COORDINATOR, true, DBN_SUBJECT_TASK,
     DUBAN__EVENT__BODY_REASSIGNED},
    {DUBAN__REQUEST__BODY_LOAD_PLAN, "load_plan", ADMIN, true, DBN_SUBJECT_PLAN,
     DUBAN__EVENT__BODY_PLAN_LOADED},
    {DUBAN__REQUEST__BODY_ADVANCE_CLOCK, "advance_clock", ADMIN, true, DBN_SUBJECT_CLOCK,
     DUBAN__EVENT__BODY_CLOCK_ADVANCED},
};

#define N_OLD_ROWS (sizeof old_rows / sizeof old_rows[0])

/* Rows added after the move, by the proto field name (so that this file
 * builds with or without them), with the rights they were given: a body
 * that is neither in old_rows nor here fails test_rows_match_old_rules
 * until someone writes down who may send it. */
struct added_row {
  const char *name;
  unsigned roles;
  bool write;
  dbn_subject_t subject;
  const char *event; /* the Event body's field name; NULL for a read */
};

static const struct added_row added_rows[] = {
    /* A department's inbox (DESIGN: Domain): its own, so units only. */
    {"list_inbox", UNIT, false, DBN_SUBJECT_NONE, NULL},
    {"mark_inbox_read", UNIT, true, DBN_SUBJECT_NONE, "inbox_read"},
    /* 考核 rules are set by the leading group's office or an admin. */
    {"load_scoring_rules", COORDINATOR | ADMIN, true, DBN_SUBJECT_NONE, "scoring_rules_loaded"},
    /* A department's agent lists its own outbox (agents/agent.c answers it). */
    {"list_outbox", UNIT, false, DBN_SUBJECT_NONE, NULL},
    /* Which key may sign as whom: an admin's signed write (store/signed_request.h). */
    {"register_signing_key", ADMIN, true, DBN_SUBJECT_NONE, "signing_key_registered"},
    {"revoke_signing_key", ADMIN, true, DBN_SUBJECT_NONE, "signing_key_revoked"},
    /* Milestones met one by one: the department reports, a coordinator answers. */
    {"milestone_met", UNIT, true, DBN_SUBJECT_TASK, "milestone_reported"},
    {"confirm_milestone", COORDINATOR, true, DBN_SUBJECT_TASK, "milestone_confirmed"},
    {"return_milestone", COORDINATOR, true, DBN_SUBJECT_TASK, "milestone_returned"},
    /* 计划调整: the leading group's office or an admin changes a loaded plan. */
    {"plan_change_add", COORDINATOR | ADMIN, true, DBN_SUBJECT_NONE, "plan_task_added"},
    {"plan_change_cancel", COORDINATOR | ADMIN, true, DBN_SUBJECT_TASK, "plan_task_cancelled"},
    {"plan_change_dates", COORDINATOR | ADMIN, true, DBN_SUBJECT_TASK, "plan_dates_changed"},
    /* 佐证材料: a unit reads its own tasks' (the task check), others any (broker/read.c). */
    {"list_evidence", ANYONE, false, DBN_SUBJECT_TASK, NULL},
    {"get_evidence", ANYONE, false, DBN_SUBJECT_NONE, NULL},
    /* A measure's lead unit reminds the owner of one of its tasks (domain/lead.h). */
    {"lead_remind", UNIT, true, DBN_SUBJECT_TASK, "lead_reminded"},
};

#define N_ADDED_ROWS (sizeof added_rows / sizeof added_rows[0])

/* The events the broker raises itself (broker/deadline_monitor.c): no
 * request produces them. */
static const char *const broker_events[] = {"deadline_warning", "escalation_level", "report_missed"};

static bool
broker_event(const char *name)
{
  for (size_t i = 0; i < sizeof broker_events / sizeof broker_events[0]; i++)
    if (strcmp(broker_events[i], name) == 0)
      return true;
  return false;
}

/* The fields of a message's oneof (duban has one per message), in
 * descriptor order; returns how many. */
static size_t
oneof_fields(const ProtobufCMessageDescriptor *desc, const ProtobufCFieldDescriptor **out, size_t cap)
{
  size_t n = 0;
  for (unsigned i = 0; i < desc->n_fields; i++)
    if (desc->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      assert_true(n < cap);
      out[n++] = &desc->fields[i];
    }
  return n;
}

static const struct old_row *
old_row(Duban__Request__BodyCase body)
{
  for (size_t i = 0; i < N_OLD_ROWS; i++)
    if (old_rows[i].body == body)
      return &old_rows[i];
  return NULL;
}

/* The row of a oneof field; fails the test (not the process) when there
 * is none, so the other checks of a run still report. */
static const dbn_request_kind_t *
row_of(const ProtobufCFieldDescriptor *field)
{
  const dbn_request_kind_t *kind = dbn_request_kind((Duban__Request__BodyCase)field->id);
  if (!kind) {
    fprintf(stderr, "Request body '%s' (field %u) has no row in domain/request.c\n", field->name, field->id);
    fail();
  }
  return kind;
}

/* A request whose body is a zeroed, initialised message of the body's
 * type, as wire would unpack it; free with free_request. */
static Duban__Request *
new_request(const ProtobufCFieldDescriptor *field)
{
  Duban__Request *req = calloc(1, sizeof *req);
  assert_non_null(req);
  duban__request__init(req);
  const ProtobufCMessageDescriptor *body_desc = field->descriptor;
  ProtobufCMessage *body = calloc(1, body_desc->sizeof_message);
  assert_non_null(body);
  body_desc->message_init(body);
  *(ProtobufCMessage **)((char *)req + field->offset) = body;
  req->body_case = (Duban__Request__BodyCase)field->id;
  return req;
}

static ProtobufCMessage *
request_body(const Duban__Request *req, const ProtobufCFieldDescriptor *field)
{
  return *(ProtobufCMessage *const *)((const char *)req + field->offset);
}

static void
free_request(Duban__Request *req, const ProtobufCFieldDescriptor *field)
{
  free(request_body(req, field));
  free(req);
}

/* Every body of the oneof has a row, named as the field; there is no row
 * for a body the .proto does not have; names are unique. */
static void
test_every_body_has_a_row(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  assert_true(n > 0);
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = dbn_request_kind((Duban__Request__BodyCase)fields[i]->id);
    if (!kind) {
      fprintf(stderr, "Request body '%s' (field %u) has no row in domain/request.c\n", fields[i]->name,
              fields[i]->id);
      fail();
    }
    assert_int_equal(kind->body, fields[i]->id);
    assert_string_equal(kind->name, fields[i]->name);
    assert_string_equal(dbn_request_name(kind->body), fields[i]->name);
    assert_int_equal(fields[i]->type, PROTOBUF_C_TYPE_MESSAGE);
    for (size_t k = 0; k < i; k++)
      assert_string_not_equal(kind->name, dbn_request_kind((Duban__Request__BodyCase)fields[k]->id)->name);
  }
  /* No row for anything else: scan every field number a body could have. */
  size_t rows = 0;
  for (int body = -1; body < 1024; body++) {
    const dbn_request_kind_t *kind = dbn_request_kind((Duban__Request__BodyCase)body);
    if (!kind)
      continue;
    rows++;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(&duban__request__descriptor, (unsigned)body);
    if (!field || !(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
      fprintf(stderr, "row '%s' (%d) is not a body of duban.Request\n", kind->name, body);
      fail();
    }
  }
  assert_int_equal(rows, n);
  assert_null(dbn_request_kind(DUBAN__REQUEST__BODY__NOT_SET));
  assert_string_equal(dbn_request_name(DUBAN__REQUEST__BODY__NOT_SET), "unknown");
  assert_string_equal(dbn_request_name((Duban__Request__BodyCase)999), "unknown");
  assert_false(dbn_request_is_write(DUBAN__REQUEST__BODY__NOT_SET));
  assert_false(dbn_request_is_write((Duban__Request__BodyCase)999));
}

/* Each row says what broker/rules.c enforced: roles, write, subject, the
 * event, the name. Every old row is still there; every other row is one
 * of added_rows, with the rights written there. */
static void
test_rows_match_old_rules(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  int failures = 0;
  for (size_t i = 0; i < N_OLD_ROWS; i++) {
    const struct old_row *old = &old_rows[i];
    const dbn_request_kind_t *kind = dbn_request_kind(old->body);
    if (!kind || strcmp(kind->name, old->name) != 0 || kind->roles != old->roles ||
        kind->write != old->write || dbn_request_is_write(old->body) != old->write ||
        kind->subject != old->subject || kind->event != old->event) {
      fprintf(stderr,
              "%s: row %s roles 0x%x write %d subject %d event %d; old roles 0x%x write %d subject %d "
              "event %d\n",
              old->name, kind ? kind->name : "(none)", kind ? kind->roles : 0, kind ? kind->write : 0,
              kind ? (int)kind->subject : -1, kind ? (int)kind->event : -1, old->roles, old->write,
              (int)old->subject, (int)old->event);
      failures++;
    }
  }
  size_t added = 0;
  for (size_t i = 0; i < n; i++) {
    if (old_row((Duban__Request__BodyCase)fields[i]->id))
      continue;
    const struct added_row *row = NULL;
    for (size_t k = 0; k < N_ADDED_ROWS; k++)
      if (strcmp(added_rows[k].name, fields[i]->name) == 0)
        row = &added_rows[k];
    const dbn_request_kind_t *kind = row_of(fields[i]);
    if (!row) {
      fprintf(stderr, "row '%s' is new: add it to added_rows with the rights the broker should enforce\n",
              fields[i]->name);
      failures++;
      continue;
    }
    added++;
    const ProtobufCFieldDescriptor *event =
        row->event ? protobuf_c_message_descriptor_get_field_by_name(&duban__event__descriptor, row->event)
                   : NULL;
    Duban__Event__BodyCase wanted_event =
        event ? (Duban__Event__BodyCase)event->id : DUBAN__EVENT__BODY__NOT_SET;
    if (!kind || kind->roles != row->roles || kind->write != row->write || kind->subject != row->subject ||
        (row->event && !event) || kind->event != wanted_event) {
      fprintf(stderr,
              "%s: roles 0x%x write %d subject %d event %d; wanted roles 0x%x write %d subject %d event %s\n",
              row->name, kind ? kind->roles : 0, kind ? kind->write : 0, kind ? (int)kind->subject : -1,
              kind ? (int)kind->event : -1, row->roles, row->write, (int)row->subject,
              row->event ? row->event : "none");
      failures++;
    }
  }
  assert_int_equal(failures, 0);
  assert_int_equal(n, N_OLD_ROWS + added);
}

/* A write has an event, carrying the same message type as the request's
 * body; a read has none. No role bit outside the four roles; every row may
 * be sent by someone. */
static void
test_writes_have_events(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = row_of(fields[i]);
    assert_non_null(kind);
    assert_int_not_equal(kind->roles, 0);
    assert_int_equal(kind->roles & ~(unsigned)DBN_ROLES_ANY, 0);
    /* Auditors read everything and write nothing (DESIGN: Who uses it). */
    if (kind->write)
      assert_int_equal(kind->roles & AUDITOR, 0);
    if (!kind->write) {
      assert_int_equal(kind->event, DUBAN__EVENT__BODY__NOT_SET);
      continue;
    }
    const ProtobufCFieldDescriptor *event_field =
        protobuf_c_message_descriptor_get_field(&duban__event__descriptor, (unsigned)kind->event);
    if (!event_field || !(event_field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
        event_field->descriptor != fields[i]->descriptor) {
      fprintf(stderr, "%s: event %d is not an Event body of type %s\n", kind->name, (int)kind->event,
              ((const ProtobufCMessageDescriptor *)fields[i]->descriptor)->name);
      fail();
    }
  }
}

/* The subject is what the body names: a `task` string exactly for task
 * requests, an `escalation` number exactly for escalation requests, a
 * plan for load_plan. A request that acts on a task under another subject
 * would skip the ownership and lifecycle checks. */
static void
test_subject_matches_body_fields(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = row_of(fields[i]);
    const ProtobufCMessageDescriptor *body = fields[i]->descriptor;
    const ProtobufCFieldDescriptor *task = protobuf_c_message_descriptor_get_field_by_name(body, "task");
    const ProtobufCFieldDescriptor *escalation =
        protobuf_c_message_descriptor_get_field_by_name(body, "escalation");
    const ProtobufCFieldDescriptor *plan = protobuf_c_message_descriptor_get_field_by_name(body, "plan");
    bool has_task = task && task->type == PROTOBUF_C_TYPE_STRING;
    bool has_escalation = escalation && escalation->type == PROTOBUF_C_TYPE_UINT64;
    bool has_plan =
        plan && plan->type == PROTOBUF_C_TYPE_MESSAGE && plan->descriptor == &duban__plan__descriptor;
    if (has_task != (kind->subject == DBN_SUBJECT_TASK) ||
        has_escalation != (kind->subject == DBN_SUBJECT_ESCALATION) ||
        has_plan != (kind->subject == DBN_SUBJECT_PLAN)) {
      fprintf(stderr, "%s: subject %d, body has task %d escalation %d plan %d\n", kind->name,
              (int)kind->subject, has_task, has_escalation, has_plan);
      fail();
    }
  }
}

/* Every write moves its body into the right event field, the same
 * pointer, not a copy; every read is refused and leaves the body unset. */
static void
test_request_to_event(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = row_of(fields[i]);
    const struct old_row *old = old_row(kind->body);
    /* The event the old switch in dbn_rules_event_from_request chose;
     * for a row added since, the one test_rows_match_old_rules checked. */
    Duban__Event__BodyCase wanted = old ? old->event : kind->event;
    Duban__Request *req = new_request(fields[i]);
    Duban__Event event = DUBAN__EVENT__INIT;
    event.body_case = DUBAN__EVENT__BODY_ESCALATION_LEVEL; /* must be overwritten */
    int rc = dbn_request_to_event(req, &event);
    bool ok;
    if (!kind->write) {
      ok = rc == DBN_EINVAL && event.body_case == DUBAN__EVENT__BODY__NOT_SET;
    } else {
      ok = rc == 0 && event.body_case == wanted;
      const ProtobufCFieldDescriptor *event_field =
          ok ? protobuf_c_message_descriptor_get_field(&duban__event__descriptor, (unsigned)event.body_case)
             : NULL;
      /* The body itself, not a copy, in the event's member for it. */
      ok = ok && event_field &&
           *(const ProtobufCMessage *const *)((const char *)&event + event_field->offset) ==
               request_body(req, fields[i]);
      /* And it packs as an Event. */
      uint8_t *buf = NULL;
      size_t len;
      ok = ok && dbn_wire_pack(&event.base, &buf, &len) == 0;
      free(buf);
    }
    if (!ok) {
      fprintf(stderr, "%s (%s): rc %d body_case %d; wanted %s\n", kind->name, kind->write ? "write" : "read",
              rc, (int)event.body_case,
              kind->write ? "0 and its event, carrying the body" : "DBN_EINVAL, unset");
      failures++;
    }
    free_request(req, fields[i]);
  }
  assert_int_equal(failures, 0);
}

/* The old switch, spelled out per request so that a descriptor mix-up in
 * request.c (a wrong offset, the wrong oneof) shows as a wrong member. */
static void
test_request_to_event_named_members(void **state)
{
  (void)state;
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  Duban__Progress progress = DUBAN__PROGRESS__INIT;
  Duban__Submit submit = DUBAN__SUBMIT__INIT;
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  Duban__Ack ack = DUBAN__ACK__INIT;
  Duban__Resolve resolve = DUBAN__RESOLVE__INIT;
  Duban__Remind remind = DUBAN__REMIND__INIT;
  Duban__Accept accept = DUBAN__ACCEPT__INIT;
  Duban__Reject reject = DUBAN__REJECT__INIT;
  Duban__Reassign reassign = DUBAN__REASSIGN__INIT;
  Duban__LoadPlan load_plan = DUBAN__LOAD_PLAN__INIT;
  Duban__AdvanceClock advance_clock = DUBAN__ADVANCE_CLOCK__INIT;
  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__Event event = DUBAN__EVENT__INIT;

#define CHECK(BODY, member, value, EVENT, event_member)                                                      \
  do {                                                                                                       \
    req.body_case = DUBAN__REQUEST__BODY_##BODY;                                                             \
    req.member = &value;                                                                                     \
    event = (Duban__Event)DUBAN__EVENT__INIT;                                                                \
    assert_int_equal(dbn_request_to_event(&req, &event), 0);                                                 \
    assert_int_equal(event.body_case, DUBAN__EVENT__BODY_##EVENT);                                           \
    assert_ptr_equal(event.event_member, &value);                                                            \
  } while (0)

  CHECK(CLAIM, claim, claim, CLAIMED, claimed);
  CHECK(PROGRESS, progress, progress, PROGRESS, progress);
  CHECK(SUBMIT, submit, submit, SUBMITTED, submitted);
  CHECK(ESCALATE, escalate, escalate, ESCALATED, escalated);
  CHECK(ACK, ack, ack, ACKNOWLEDGED, acknowledged);
  CHECK(RESOLVE, resolve, resolve, RESOLVED, resolved);
  CHECK(REMIND, remind, remind, REMINDED, reminded);
  CHECK(ACCEPT, accept, accept, ACCEPTED, accepted);
  CHECK(REJECT, reject, reject, REJECTED, rejected);
  CHECK(REASSIGN, reassign, reassign, REASSIGNED, reassigned);
  CHECK(LOAD_PLAN, load_plan, load_plan, PLAN_LOADED, plan_loaded);
  CHECK(ADVANCE_CLOCK, advance_clock, advance_clock, CLOCK_ADVANCED, clock_advanced);
#undef CHECK

  /* A body case duban does not know, and none. */
  req.body_case = (Duban__Request__BodyCase)999;
  event.body_case = DUBAN__EVENT__BODY_CLAIMED;
  assert_int_equal(dbn_request_to_event(&req, &event), DBN_EINVAL);
  assert_int_equal(event.body_case, DUBAN__EVENT__BODY__NOT_SET);
  req.body_case = DUBAN__REQUEST__BODY__NOT_SET;
  event.body_case = DUBAN__EVENT__BODY_CLAIMED;
  assert_int_equal(dbn_request_to_event(&req, &event), DBN_EINVAL);
  assert_int_equal(event.body_case, DUBAN__EVENT__BODY__NOT_SET);
}

/* dbn_request_task and dbn_request_escalation read the body's own field,
 * for every row, and give NULL / 0 for the others. */
static void
test_task_and_escalation_fields(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = row_of(fields[i]);
    Duban__Request *req = new_request(fields[i]);
    ProtobufCMessage *body = request_body(req, fields[i]);
    char task_id[64];
    snprintf(task_id, sizeof task_id, "plan-%s:1.2.3", kind->name);
    uint64_t escalation_id = 1000 + (uint64_t)kind->body;
    const ProtobufCFieldDescriptor *task =
        protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "task");
    const ProtobufCFieldDescriptor *escalation =
        protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "escalation");
    if (task && task->type == PROTOBUF_C_TYPE_STRING)
      *(char **)((char *)body + task->offset) = task_id;
    if (escalation && escalation->type == PROTOBUF_C_TYPE_UINT64)
      *(uint64_t *)((char *)body + escalation->offset) = escalation_id;

    if (kind->subject == DBN_SUBJECT_TASK)
      assert_ptr_equal(dbn_request_task(req), task_id);
    else
      assert_null(dbn_request_task(req));
    if (kind->subject == DBN_SUBJECT_ESCALATION)
      assert_int_equal(dbn_request_escalation(req), escalation_id);
    else
      assert_int_equal(dbn_request_escalation(req), 0);
    free_request(req, fields[i]);
  }

  /* Named, the way the old checks read them. */
  Duban__Reassign reassign = DUBAN__REASSIGN__INIT;
  reassign.task = "ordos-2023-58:3.4.1";
  reassign.unit = "ENERGY";
  Duban__Request req = DUBAN__REQUEST__INIT;
  req.body_case = DUBAN__REQUEST__BODY_REASSIGN;
  req.reassign = &reassign;
  assert_ptr_equal(dbn_request_task(&req), reassign.task);
  Duban__Resolve resolve = DUBAN__RESOLVE__INIT;
  resolve.escalation = UINT64_MAX;
  req.body_case = DUBAN__REQUEST__BODY_RESOLVE;
  req.resolve = &resolve;
  assert_true(dbn_request_escalation(&req) == UINT64_MAX);
  assert_null(dbn_request_task(&req));

  /* A body case that names no row. */
  req.body_case = (Duban__Request__BodyCase)999;
  assert_null(dbn_request_task(&req));
  assert_int_equal(dbn_request_escalation(&req), 0);
  req.body_case = DUBAN__REQUEST__BODY__NOT_SET;
  assert_null(dbn_request_task(&req));
  assert_int_equal(dbn_request_escalation(&req), 0);
}

/* dbn_request_kind_of_event is the inverse of the table for every write;
 * the events the broker raises itself have no request; every Event body is
 * one or the other. */
static void
test_kind_of_event_is_the_inverse(void **state)
{
  (void)state;
  const ProtobufCFieldDescriptor *fields[64];
  size_t n = oneof_fields(&duban__request__descriptor, fields, 64);
  size_t writes = 0;
  for (size_t i = 0; i < n; i++) {
    const dbn_request_kind_t *kind = row_of(fields[i]);
    if (!kind->write)
      continue;
    writes++;
    assert_ptr_equal(dbn_request_kind_of_event(kind->event), kind);
  }
  const ProtobufCFieldDescriptor *event_fields[64];
  size_t n_events = oneof_fields(&duban__event__descriptor, event_fields, 64);
  size_t produced = 0;
  for (size_t i = 0; i < n_events; i++) {
    Duban__Event__BodyCase event = (Duban__Event__BodyCase)event_fields[i]->id;
    const dbn_request_kind_t *kind = dbn_request_kind_of_event(event);
    /* The event's name is its field's name. */
    assert_string_equal(dbn_wire_event_name(event), event_fields[i]->name);
    if (broker_event(event_fields[i]->name)) {
      assert_null(kind);
      continue;
    }
    if (!kind) {
      fprintf(stderr, "Event body '%s' is produced by no request and is not one the broker raises\n",
              event_fields[i]->name);
      fail();
    }
    assert_true(kind->write);
    assert_int_equal(kind->event, event);
    produced++;
  }
  assert_int_equal(produced, writes);
  assert_null(dbn_request_kind_of_event(DUBAN__EVENT__BODY__NOT_SET));
  assert_null(dbn_request_kind_of_event((Duban__Event__BodyCase)999));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_body_has_a_row),
      cmocka_unit_test(test_rows_match_old_rules),
      cmocka_unit_test(test_writes_have_events),
      cmocka_unit_test(test_subject_matches_body_fields),
      cmocka_unit_test(test_request_to_event),
      cmocka_unit_test(test_request_to_event_named_members),
      cmocka_unit_test(test_task_and_escalation_fields),
      cmocka_unit_test(test_kind_of_event_is_the_inverse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
