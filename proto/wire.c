/* wire.c: see wire.h. */
#include "wire.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

int
dbn_wire_pack(const ProtobufCMessage *msg, uint8_t **buf_p, size_t *len_p)
{
  size_t len = protobuf_c_message_get_packed_size(msg);
  /* malloc(0) may return NULL; an empty message is still a valid frame. */
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return DBN_ENOMEM;
  size_t packed = protobuf_c_message_pack(msg, buf);
  if (packed != len) {
    free(buf);
    return DBN_EINTERNAL;
  }
  *buf_p = buf;
  *len_p = len;
  return 0;
}

size_t
dbn_wire_packed_size(const ProtobufCMessage *msg)
{
  return protobuf_c_message_get_packed_size(msg);
}

/* Every unpack goes through here, and every free through free_message:
 * protobuf-c's default allocator on both sides. */
static int
unpack_message(const ProtobufCMessageDescriptor *descriptor, const uint8_t *buf, size_t len, size_t max_len,
               void **msg_p)
{
  if (max_len && len > max_len)
    return DBN_ETOOBIG;
  ProtobufCMessage *msg = protobuf_c_message_unpack(descriptor, NULL, len, buf);
  if (!msg)
    return DBN_EPROTO;
  *msg_p = msg;
  return 0;
}

static void
free_message(void **msg_p)
{
  if (msg_p && *msg_p) {
    protobuf_c_message_free_unpacked(*msg_p, NULL);
    *msg_p = NULL;
  }
}

int
dbn_wire_request_unpack(const uint8_t *buf, size_t len, Duban__Request **req_p)
{
  return unpack_message(&duban__request__descriptor, buf, len, DBN_MAX_MESSAGE, (void **)req_p);
}

void
dbn_wire_request_free(Duban__Request **req_p)
{
  free_message((void **)req_p);
}

int
dbn_wire_reply_unpack(const uint8_t *buf, size_t len, Duban__Reply **reply_p)
{
  return unpack_message(&duban__reply__descriptor, buf, len, DBN_MAX_MESSAGE, (void **)reply_p);
}

void
dbn_wire_reply_free(Duban__Reply **reply_p)
{
  free_message((void **)reply_p);
}

int
dbn_wire_event_unpack(const uint8_t *buf, size_t len, Duban__Event **event_p)
{
  return unpack_message(&duban__event__descriptor, buf, len, 0, (void **)event_p);
}

void
dbn_wire_event_free(Duban__Event **event_p)
{
  free_message((void **)event_p);
}

int
dbn_wire_task_unpack(const uint8_t *buf, size_t len, Duban__Task **task_p)
{
  return unpack_message(&duban__task__descriptor, buf, len, 0, (void **)task_p);
}

void
dbn_wire_task_free(Duban__Task **task_p)
{
  free_message((void **)task_p);
}

int
dbn_wire_escalation_unpack(const uint8_t *buf, size_t len, Duban__Escalation **escalation_p)
{
  return unpack_message(&duban__escalation__descriptor, buf, len, 0, (void **)escalation_p);
}

void
dbn_wire_escalation_free(Duban__Escalation **escalation_p)
{
  free_message((void **)escalation_p);
}

int
dbn_wire_unit_unpack(const uint8_t *buf, size_t len, Duban__Unit **unit_p)
{
  return unpack_message(&duban__unit__descriptor, buf, len, 0, (void **)unit_p);
}

void
dbn_wire_unit_free(Duban__Unit **unit_p)
{
  free_message((void **)unit_p);
}

int
dbn_wire_log_header_unpack(const uint8_t *buf, size_t len, Duban__LogHeader **header_p)
{
  return unpack_message(&duban__log_header__descriptor, buf, len, 0, (void **)header_p);
}

void
dbn_wire_log_header_free(Duban__LogHeader **header_p)
{
  free_message((void **)header_p);
}

int
dbn_wire_inbox_item_unpack(const uint8_t *buf, size_t len, Duban__InboxItem **item_p)
{
  return unpack_message(&duban__inbox_item__descriptor, buf, len, 0, (void **)item_p);
}

void
dbn_wire_inbox_item_free(Duban__InboxItem **item_p)
{
  free_message((void **)item_p);
}

int
dbn_wire_scoring_rules_unpack(const uint8_t *buf, size_t len, Duban__ScoringRules **rules_p)
{
  return unpack_message(&duban__scoring_rules__descriptor, buf, len, 0, (void **)rules_p);
}

void
dbn_wire_scoring_rules_free(Duban__ScoringRules **rules_p)
{
  free_message((void **)rules_p);
}

void
dbn_wire_message_free(void *msg_pp)
{
  free_message(msg_pp);
}

void
dbn_wire_messages_free(void **messages, size_t count)
{
  for (size_t i = 0; i < count; i++)
    free_message(&messages[i]);
  free(messages);
}

/* Walk every field of msg through its descriptor, so that a field added to
 * the .proto later is checked without anyone remembering to. With
 * refuse_unknown, a field the .proto does not have (protobuf-c keeps its
 * bytes in unknown_fields, and a repack would store them) is refused. */
static int
check_strings(const ProtobufCMessage *msg, size_t max_len, bool refuse_unknown, int depth, char *why,
              size_t why_len)
{
  const ProtobufCMessageDescriptor *desc = msg->descriptor;
  if (depth > 8) {
    snprintf(why, why_len, "message nested too deeply");
    return DBN_EINVAL;
  }
  if (refuse_unknown && msg->n_unknown_fields) {
    const ProtobufCMessageUnknownField *unknown = &msg->unknown_fields[0];
    snprintf(
        why, why_len,
        "请求中有本版本不认识的字段（%s 的第 %u 号字段，%zu 字节），不予受理 / the request holds a field "
        "this version does not know (number %u of %s, %zu bytes): refused, nothing recorded",
        desc->short_name, unknown->tag, unknown->len, unknown->tag, desc->short_name, unknown->len);
    return DBN_EINVAL;
  }
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *field = &desc->fields[i];
    const char *base = (const char *)msg;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t which = *(const uint32_t *)(const void *)(base + field->quantifier_offset);
      if (which != field->id)
        continue;
    }
    size_t count = 1;
    const void *values = base + field->offset;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
      count = *(const size_t *)(const void *)(base + field->quantifier_offset);
      values = *(void *const *)values;
    }
    for (size_t k = 0; k < count; k++) {
      if (field->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = ((const char *const *)values)[k];
        if (!s)
          continue;
        size_t len = strlen(s);
        if (len > max_len) {
          snprintf(why, why_len, "field '%s' is %zu bytes; the limit is %zu", field->name, len, max_len);
          return DBN_ETOOBIG;
        }
        if (!dbn_text_valid(s, len)) {
          snprintf(why, why_len, "field '%s' is not valid UTF-8 text", field->name);
          return DBN_EINVAL;
        }
      } else if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessage *sub = ((const ProtobufCMessage *const *)values)[k];
        if (sub) {
          int rc = check_strings(sub, max_len, refuse_unknown, depth + 1, why, why_len);
          if (rc)
            return rc;
        }
      }
    }
  }
  return 0;
}

int
dbn_wire_check_strings(const ProtobufCMessage *msg, size_t max_len, char *why, size_t why_len)
{
  return check_strings(msg, max_len, false, 0, why, why_len);
}

static int
check_id(const char *what, const char *id, char *why, size_t why_len)
{
  if (!id || !*id) {
    snprintf(why, why_len, "%s is missing", what);
    return DBN_EINVAL;
  }
  if (strlen(id) > DBN_MAX_ID) {
    snprintf(why, why_len, "%s is longer than %d bytes", what, DBN_MAX_ID);
    return DBN_ETOOBIG;
  }
  return 0;
}

static int
check_figures(size_t n, Duban__Figure **figures, char *why, size_t why_len)
{
  if (n > DBN_MAX_FIGURES) {
    snprintf(why, why_len, "%zu figures; a report may carry at most %d", n, DBN_MAX_FIGURES);
    return DBN_ETOOBIG;
  }
  for (size_t i = 0; i < n; i++) {
    double v = figures[i]->value;
    if (!isfinite(v) || fabs(v) > DBN_MAX_FIGURE_VALUE) {
      snprintf(why, why_len, "figure '%s' has value %g; figures must be finite and at most %g",
               figures[i]->what, v, DBN_MAX_FIGURE_VALUE);
      return DBN_EINVAL;
    }
    if (!figures[i]->what || !*figures[i]->what) {
      snprintf(why, why_len, "figure %zu does not say what it measures", i + 1);
      return DBN_EINVAL;
    }
  }
  return 0;
}

static int
check_progress(const Duban__Progress *progress, char *why, size_t why_len)
{
  int rc = check_id("task id", progress->task, why, why_len);
  if (rc)
    return rc;
  if (progress->percent < 0 || progress->percent > 100) {
    snprintf(why, why_len, "percent is %d; it must be between 0 and 100", progress->percent);
    return DBN_EINVAL;
  }
  return check_figures(progress->n_figures, progress->figures, why, why_len);
}

/* A task id, and a text a person must have written (a reason). */
static int
check_task_and_text(const char *task, const char *text, const char *missing, char *why, size_t why_len)
{
  int rc = check_id("task id", task, why, why_len);
  if (rc)
    return rc;
  if (!text || !*text) {
    snprintf(why, why_len, "%s", missing);
    return DBN_EINVAL;
  }
  return 0;
}

static int
check_escalate(const Duban__Escalate *escalate, char *why, size_t why_len)
{
  int rc = check_id("task id", escalate->task, why, why_len);
  if (rc == 0)
    rc = check_id("category", escalate->category, why, why_len);
  if (rc == 0 && (!escalate->reason || !*escalate->reason)) {
    snprintf(why, why_len, "an escalation needs a reason a coordinator can act on");
    rc = DBN_EINVAL;
  }
  return rc;
}

/* A milestone request names a task and a milestone (its number or due day,
 * which becomes part of the task's view). */
static int
check_milestone(const Duban__Request *req, char *why, size_t why_len)
{
  const char *task = req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET       ? req->milestone_met->task
                     : req->body_case == DUBAN__REQUEST__BODY_CONFIRM_MILESTONE ? req->confirm_milestone->task
                                                                                : req->return_milestone->task;
  const char *due = req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET       ? req->milestone_met->due
                    : req->body_case == DUBAN__REQUEST__BODY_CONFIRM_MILESTONE ? req->confirm_milestone->due
                                                                               : req->return_milestone->due;
  int rc = check_id("task id", task, why, why_len);
  if (rc == 0)
    rc = check_id("milestone", due, why, why_len);
  if (rc == 0 && req->body_case == DUBAN__REQUEST__BODY_MILESTONE_MET)
    rc = check_figures(req->milestone_met->n_figures, req->milestone_met->figures, why, why_len);
  if (rc == 0 && req->body_case == DUBAN__REQUEST__BODY_RETURN_MILESTONE &&
      (!req->return_milestone->reason || !*req->return_milestone->reason)) {
    snprintf(why, why_len, "a milestone sent back needs a reason the department can act on");
    rc = DBN_EINVAL;
  }
  return rc;
}

/* Every identifier of a plan becomes (part of) an LMDB key when it is
 * applied: check them all here, before the request joins a batch, so that
 * one oversized id is refused alone instead of failing the commit of every
 * request it was batched with. */
static int
check_plan(const Duban__Plan *plan, char *why, size_t why_len)
{
  int rc = check_id("plan id", plan->id, why, why_len);
  for (size_t u = 0; rc == 0 && u < plan->n_units; u++)
    rc = check_id("unit code", plan->units[u] ? plan->units[u]->code : NULL, why, why_len);
  for (size_t s = 0; rc == 0 && s < plan->n_sections; s++) {
    const Duban__Section *section = plan->sections[s];
    for (size_t m = 0; rc == 0 && section && m < section->n_measures; m++) {
      const Duban__Measure *measure = section->measures[m];
      for (size_t a = 0; rc == 0 && measure && a < measure->n_actions; a++) {
        const Duban__Action *action = measure->actions[a];
        if (!action)
          continue;
        rc = check_id("task id", action->id, why, why_len);
        if (rc == 0 && action->unit && *action->unit) /* rules say whether it may be empty */
          rc = check_id("unit code", action->unit, why, why_len);
      }
    }
  }
  return rc;
}

/* The checks of each body that need no state. */
static int
check_body(const Duban__Request *req, char *why, size_t why_len)
{
  int rc;
  switch (req->body_case) {
  case DUBAN__REQUEST__BODY_PING:
  case DUBAN__REQUEST__BODY_LIST_TASKS:
  case DUBAN__REQUEST__BODY_WATCH:
  case DUBAN__REQUEST__BODY_UNWATCH:
  case DUBAN__REQUEST__BODY_LIST_ESCALATIONS: return 0;
  case DUBAN__REQUEST__BODY_GET_TASK: return check_id("task id", req->get_task->task, why, why_len);
  case DUBAN__REQUEST__BODY_CLAIM: return check_id("task id", req->claim->task, why, why_len);
  case DUBAN__REQUEST__BODY_PROGRESS: return check_progress(req->progress, why, why_len);
  case DUBAN__REQUEST__BODY_SUBMIT: return check_id("task id", req->submit->task, why, why_len);
  case DUBAN__REQUEST__BODY_ESCALATE: return check_escalate(req->escalate, why, why_len);
  case DUBAN__REQUEST__BODY_ACK:
  case DUBAN__REQUEST__BODY_RESOLVE: {
    uint64_t id =
        req->body_case == DUBAN__REQUEST__BODY_ACK ? req->ack->escalation : req->resolve->escalation;
    if (id == 0) {
      snprintf(why, why_len, "escalation id is missing");
      return DBN_EINVAL;
    }
    return 0;
  }
  case DUBAN__REQUEST__BODY_REMIND: return check_id("task id", req->remind->task, why, why_len);
  case DUBAN__REQUEST__BODY_ACCEPT: return check_id("task id", req->accept->task, why, why_len);
  case DUBAN__REQUEST__BODY_REJECT:
    return check_task_and_text(req->reject->task, req->reject->reason,
                               "a rejection needs a reason the department can act on", why, why_len);
  case DUBAN__REQUEST__BODY_REASSIGN:
    if ((rc = check_id("task id", req->reassign->task, why, why_len)))
      return rc;
    return check_id("unit", req->reassign->unit, why, why_len);
  case DUBAN__REQUEST__BODY_LOAD_PLAN:
    if (!req->load_plan->plan) {
      snprintf(why, why_len, "plan is missing");
      return DBN_EINVAL;
    }
    return check_plan(req->load_plan->plan, why, why_len);
  case DUBAN__REQUEST__BODY_ADVANCE_CLOCK:
    if (req->advance_clock->seconds <= 0 || req->advance_clock->seconds > 100LL * 366 * 86400) {
      snprintf(why, why_len, "the clock moves forward only, by at most a hundred years");
      return DBN_EINVAL;
    }
    return 0;
  case DUBAN__REQUEST__BODY_LIST_INBOX: return 0;
  case DUBAN__REQUEST__BODY_MILESTONE_MET:
  case DUBAN__REQUEST__BODY_CONFIRM_MILESTONE:
  case DUBAN__REQUEST__BODY_RETURN_MILESTONE: return check_milestone(req, why, why_len);
  case DUBAN__REQUEST__BODY_LIST_OUTBOX: return 0; /* answered by a department's agent */
  case DUBAN__REQUEST__BODY_REGISTER_SIGNING_KEY:
    return check_id("identity", req->register_signing_key->identity, why, why_len);
  case DUBAN__REQUEST__BODY_REVOKE_SIGNING_KEY:
    if ((rc = check_id("identity", req->revoke_signing_key->identity, why, why_len)))
      return rc;
    return check_id("key id", req->revoke_signing_key->key_id, why, why_len);
  case DUBAN__REQUEST__BODY_LOAD_SCORING_RULES:
    if (!req->load_scoring_rules->rules) {
      snprintf(why, why_len, "the scoring rules are missing");
      return DBN_EINVAL;
    }
    return check_id("scoring rules version", req->load_scoring_rules->rules->version, why, why_len);
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_ADD:
    if ((rc = check_id("measure", req->plan_change_add->measure, why, why_len)))
      return rc;
    return check_id("unit", req->plan_change_add->unit, why, why_len);
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_CANCEL:
    return check_task_and_text(req->plan_change_cancel->task, req->plan_change_cancel->reason,
                               "计划调整须写明理由", why, why_len);
  case DUBAN__REQUEST__BODY_PLAN_CHANGE_DATES:
    return check_task_and_text(req->plan_change_dates->task, req->plan_change_dates->reason,
                               "计划调整须写明理由", why, why_len);
  case DUBAN__REQUEST__BODY_LEAD_REMIND:
    return check_task_and_text(req->lead_remind->task, req->lead_remind->note,
                               "牵头催办须写明催办内容（--note），对方单位会看到它", why, why_len);
  case DUBAN__REQUEST__BODY_MARK_INBOX_READ:
    if (req->mark_inbox_read->up_to_seq == 0) {
      snprintf(why, why_len, "up_to_seq is missing: name the last event you have read");
      return DBN_EINVAL;
    }
    return 0;
  case DUBAN__REQUEST__BODY_LIST_EVIDENCE: return check_id("task id", req->list_evidence->task, why, why_len);
  case DUBAN__REQUEST__BODY_GET_EVIDENCE:
    if (req->get_evidence->hash.len != 32) {
      snprintf(why, why_len,
               "佐证材料以其 32 字节的哈希值（64 位十六进制）指明 / name the file by its 32-byte hash");
      return DBN_EINVAL;
    }
    return 0;
  default:
    snprintf(why, why_len, "unknown or empty request type; this peer speaks protocol version %u",
             DBN_PROTOCOL_VERSION);
    return DBN_EINVAL;
  }
}

int
dbn_wire_request_check(const Duban__Request *req, char *why, size_t why_len)
{
  int rc;
  if (req->version != DBN_PROTOCOL_VERSION) {
    snprintf(why, why_len, "protocol version %u is not supported; this peer speaks version %u", req->version,
             DBN_PROTOCOL_VERSION);
    return DBN_EVERSION;
  }
  if ((rc = check_id("request id", req->request_id, why, why_len)))
    return rc;
  if ((rc = dbn_wire_check_strings(&req->base, DBN_MAX_TEXT, why, why_len)))
    return rc;
  if (req->person && strlen(req->person) > DBN_MAX_PERSON) {
    snprintf(why, why_len, "the person who acted is named in at most %d bytes", DBN_MAX_PERSON);
    return DBN_ETOOBIG;
  }
  /* signed_body is the broker's note of a body as signed (store/signed_request.h). */
  if (req->signed_body.len) {
    snprintf(why, why_len, "field signed_body is the broker's own; a client never sends it");
    return DBN_EINVAL;
  }
  if (req->signature.len && req->signature.len != 64) {
    snprintf(why, why_len, "a signature is 64 bytes (Ed25519), not %zu", req->signature.len);
    return DBN_EINVAL;
  }
  /* An unknown body first: that is a newer peer's request type, and says so. */
  if ((rc = check_body(req, why, why_len)))
    return rc;
  return check_strings(&req->base, DBN_MAX_TEXT, true, 0, why, why_len);
}

/* Field 13 of Reply, wire type 2 (length-delimited): tag (13 << 3) | 2. */
#define REPLY_EVENTS_TAG 0x6a

static size_t
varint_size(size_t v)
{
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t
dbn_wire_event_entry_size(size_t event_len)
{
  return 1 + varint_size(event_len) + event_len;
}

size_t
dbn_wire_event_entry_write(uint8_t *out, const uint8_t *event, size_t event_len)
{
  size_t n = 0;
  out[n++] = REPLY_EVENTS_TAG;
  size_t v = event_len;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  memcpy(out + n, event, event_len);
  return n + event_len;
}

static int
read_varint(const uint8_t *bytes, size_t len, size_t *at, uint64_t *value)
{
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *at < len; shift += 7) {
    uint8_t b = bytes[(*at)++];
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *value = v;
      return 0;
    }
  }
  return DBN_EPROTO;
}

/* Walk the packed bytes of a message of type desc and refuse a NUL inside
 * any string field, of it or of a message inside it. protobuf-c hands a
 * string over as a char *, so everything after a NUL would silently vanish
 * (request ids "same\0A" and "same\0B" would collide, a note would be cut);
 * only the bytes still say how long the string really was. */
static int
scan_for_nul(const ProtobufCMessageDescriptor *desc, const uint8_t *bytes, size_t len, int depth, char *why,
             size_t why_len)
{
  if (depth > 8) {
    snprintf(why, why_len, "message nested too deeply");
    return DBN_EINVAL;
  }
  size_t at = 0;
  while (at < len) {
    uint64_t tag, size;
    if (read_varint(bytes, len, &at, &tag))
      return DBN_EPROTO;
    switch (tag & 7) {
    case 0:
      if (read_varint(bytes, len, &at, &size))
        return DBN_EPROTO;
      continue;
    case 1: size = 8; break;
    case 5: size = 4; break;
    case 2:
      if (read_varint(bytes, len, &at, &size))
        return DBN_EPROTO;
      break;
    default: return DBN_EPROTO;
    }
    if (size > len - at)
      return DBN_EPROTO;
    const ProtobufCFieldDescriptor *field = NULL;
    if ((tag & 7) == 2 && tag >> 3 <= UINT32_MAX)
      field = protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
    if (field && field->type == PROTOBUF_C_TYPE_STRING && memchr(bytes + at, 0, (size_t)size)) {
      snprintf(why, why_len, "field '%s' holds a NUL byte; text and ids may not", field->name);
      return DBN_EINVAL;
    }
    if (field && field->type == PROTOBUF_C_TYPE_MESSAGE) {
      int rc = scan_for_nul(field->descriptor, bytes + at, (size_t)size, depth + 1, why, why_len);
      if (rc)
        return rc;
    }
    at += (size_t)size;
  }
  return 0;
}

int
dbn_wire_request_check_bytes(const uint8_t *buf, size_t len, char *why, size_t why_len)
{
  int rc = scan_for_nul(&duban__request__descriptor, buf, len, 0, why, why_len);
  if (rc == DBN_EPROTO)
    snprintf(why, why_len, "the bytes do not decode as a duban Request");
  return rc;
}

int
dbn_wire_event_peek(const uint8_t *bytes, size_t len, uint64_t *seq_p, const uint8_t **prev_hash_p,
                    size_t *prev_hash_len_p)
{
  /* Event fields 2 (seq, varint) and 5 (prev_hash, bytes); every other
   * field is skipped by its wire type. */
  size_t at = 0;
  *seq_p = 0;
  *prev_hash_p = NULL;
  *prev_hash_len_p = 0;
  while (at < len) {
    uint64_t tag, value;
    if (read_varint(bytes, len, &at, &tag))
      return DBN_EPROTO;
    switch (tag & 7) {
    case 0:
      if (read_varint(bytes, len, &at, &value))
        return DBN_EPROTO;
      if (tag >> 3 == 2)
        *seq_p = value;
      break;
    case 1:
      if (len - at < 8)
        return DBN_EPROTO;
      at += 8;
      break;
    case 2:
      if (read_varint(bytes, len, &at, &value) || value > len - at)
        return DBN_EPROTO;
      if (tag >> 3 == 5) {
        *prev_hash_p = bytes + at;
        *prev_hash_len_p = (size_t)value;
      }
      at += (size_t)value;
      break;
    case 5:
      if (len - at < 4)
        return DBN_EPROTO;
      at += 4;
      break;
    default: return DBN_EPROTO;
    }
  }
  return 0;
}

void
dbn_wire_new_request_id(char out[33])
{
  /* 13 hex digits of microseconds since 1970, then 19 random ones. The
   * broker files (identity, request id) in a B-tree; ids that grow with
   * time land at the end of their identity's range, so a batch of requests
   * dirties a few leaf pages instead of one random page each, and every
   * commit's fsync writes that much less. Uniqueness rests on the random
   * part, as before. */
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  unsigned long long micros =
      (unsigned long long)now.tv_sec * 1000000ull + (unsigned long long)now.tv_nsec / 1000;
  snprintf(out, 14, "%013llx", micros & 0xfffffffffffffull);
  unsigned char raw[10];
  char hex[21];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  memcpy(out + 13, hex, 19);
  out[32] = '\0';
}

const char *
dbn_wire_event_name(Duban__Event__BodyCase body)
{
  switch (body) {
  case DUBAN__EVENT__BODY_PLAN_LOADED: return "plan_loaded";
  case DUBAN__EVENT__BODY_CLAIMED: return "claimed";
  case DUBAN__EVENT__BODY_PROGRESS: return "progress";
  case DUBAN__EVENT__BODY_SUBMITTED: return "submitted";
  case DUBAN__EVENT__BODY_ESCALATED: return "escalated";
  case DUBAN__EVENT__BODY_ACKNOWLEDGED: return "acknowledged";
  case DUBAN__EVENT__BODY_RESOLVED: return "resolved";
  case DUBAN__EVENT__BODY_REMINDED: return "reminded";
  case DUBAN__EVENT__BODY_ACCEPTED: return "accepted";
  case DUBAN__EVENT__BODY_REJECTED: return "rejected";
  case DUBAN__EVENT__BODY_REASSIGNED: return "reassigned";
  case DUBAN__EVENT__BODY_CLOCK_ADVANCED: return "clock_advanced";
  case DUBAN__EVENT__BODY_DEADLINE_WARNING: return "deadline_warning";
  case DUBAN__EVENT__BODY_ESCALATION_LEVEL: return "escalation_level";
  case DUBAN__EVENT__BODY_INBOX_READ: return "inbox_read";
  case DUBAN__EVENT__BODY_SCORING_RULES_LOADED: return "scoring_rules_loaded";
  case DUBAN__EVENT__BODY_SIGNING_KEY_REGISTERED: return "signing_key_registered";
  case DUBAN__EVENT__BODY_SIGNING_KEY_REVOKED: return "signing_key_revoked";
  case DUBAN__EVENT__BODY_MILESTONE_REPORTED: return "milestone_reported";
  case DUBAN__EVENT__BODY_MILESTONE_CONFIRMED: return "milestone_confirmed";
  case DUBAN__EVENT__BODY_MILESTONE_RETURNED: return "milestone_returned";
  case DUBAN__EVENT__BODY_REPORT_MISSED: return "report_missed";
  case DUBAN__EVENT__BODY_PLAN_TASK_ADDED: return "plan_task_added";
  case DUBAN__EVENT__BODY_PLAN_TASK_CANCELLED: return "plan_task_cancelled";
  case DUBAN__EVENT__BODY_PLAN_DATES_CHANGED: return "plan_dates_changed";
  case DUBAN__EVENT__BODY_LEAD_REMINDED: return "lead_reminded";
  default: return "unknown";
  }
}

const char *
dbn_wire_task_state_name(Duban__TaskState state)
{
  switch (state) {
  case DUBAN__TASK_STATE__TASK_ASSIGNED: return "assigned";
  case DUBAN__TASK_STATE__TASK_CLAIMED: return "claimed";
  case DUBAN__TASK_STATE__TASK_IN_PROGRESS: return "in_progress";
  case DUBAN__TASK_STATE__TASK_BLOCKED: return "blocked";
  case DUBAN__TASK_STATE__TASK_SUBMITTED: return "submitted";
  case DUBAN__TASK_STATE__TASK_DONE: return "done";
  default: return "unknown";
  }
}

const char *
dbn_wire_escalation_state_name(Duban__EscalationState state)
{
  switch (state) {
  case DUBAN__ESCALATION_STATE__ESCALATION_OPEN: return "open";
  case DUBAN__ESCALATION_STATE__ESCALATION_ACKNOWLEDGED: return "acknowledged";
  case DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED: return "resolved";
  default: return "unknown";
  }
}

/* ---- error codes on the wire ---- */

/* The gRPC-style code a Reply carries for each duban error. Indexed like
 * error.c's table: by DBN_ERROR_BASE - err, [0] for DBN_OK. */
static const Duban__Code wire_codes[] = {
    [0] = DUBAN__CODE__CODE_OK,
    [DBN_ERROR_BASE - DBN_ENOMEM] = DUBAN__CODE__CODE_RESOURCE_EXHAUSTED,
    [DBN_ERROR_BASE - DBN_EINVAL] = DUBAN__CODE__CODE_INVALID_ARGUMENT,
    [DBN_ERROR_BASE - DBN_ENOTFOUND] = DUBAN__CODE__CODE_NOT_FOUND,
    [DBN_ERROR_BASE - DBN_EEXIST] = DUBAN__CODE__CODE_ALREADY_EXISTS,
    [DBN_ERROR_BASE - DBN_EPERM] = DUBAN__CODE__CODE_PERMISSION_DENIED,
    [DBN_ERROR_BASE - DBN_ESTATE] = DUBAN__CODE__CODE_FAILED_PRECONDITION,
    [DBN_ERROR_BASE - DBN_EUNAVAIL] = DUBAN__CODE__CODE_UNAVAILABLE,
    [DBN_ERROR_BASE - DBN_EIO] = DUBAN__CODE__CODE_UNAVAILABLE,
    [DBN_ERROR_BASE - DBN_EMAPFULL] = DUBAN__CODE__CODE_UNAVAILABLE,
    [DBN_ERROR_BASE - DBN_ECORRUPT] = DUBAN__CODE__CODE_DATA_LOSS,
    [DBN_ERROR_BASE - DBN_EVERSION] = DUBAN__CODE__CODE_FAILED_PRECONDITION,
    [DBN_ERROR_BASE - DBN_ETOOBIG] = DUBAN__CODE__CODE_INVALID_ARGUMENT,
    [DBN_ERROR_BASE - DBN_ETIMEDOUT] = DUBAN__CODE__CODE_DEADLINE_EXCEEDED,
    [DBN_ERROR_BASE - DBN_EPROTO] = DUBAN__CODE__CODE_INVALID_ARGUMENT,
    [DBN_ERROR_BASE - DBN_EINTERNAL] = DUBAN__CODE__CODE_INTERNAL,
    [DBN_ERROR_BASE - DBN_EUNAUTH] = DUBAN__CODE__CODE_UNAUTHENTICATED,
    [DBN_ERROR_BASE - DBN_EDISKFULL] = DUBAN__CODE__CODE_UNAVAILABLE,
};

_Static_assert(sizeof wire_codes / sizeof wire_codes[0] == DBN_ERROR_BASE - DBN_ERROR_LAST + 1,
               "every error code has its wire code");

Duban__Code
dbn_wire_error_code(int err)
{
  if (!dbn_error_known(err))
    return DUBAN__CODE__CODE_UNKNOWN;
  return wire_codes[err == DBN_OK ? 0 : DBN_ERROR_BASE - err];
}

const char *
dbn_wire_code_name(Duban__Code code)
{
  switch (code) {
  case DUBAN__CODE__CODE_OK: return "ok";
  case DUBAN__CODE__CODE_CANCELLED: return "cancelled";
  case DUBAN__CODE__CODE_UNKNOWN: return "unknown";
  case DUBAN__CODE__CODE_INVALID_ARGUMENT: return "invalid_argument";
  case DUBAN__CODE__CODE_DEADLINE_EXCEEDED: return "deadline_exceeded";
  case DUBAN__CODE__CODE_NOT_FOUND: return "not_found";
  case DUBAN__CODE__CODE_ALREADY_EXISTS: return "already_exists";
  case DUBAN__CODE__CODE_PERMISSION_DENIED: return "permission_denied";
  case DUBAN__CODE__CODE_RESOURCE_EXHAUSTED: return "resource_exhausted";
  case DUBAN__CODE__CODE_FAILED_PRECONDITION: return "failed_precondition";
  case DUBAN__CODE__CODE_ABORTED: return "aborted";
  case DUBAN__CODE__CODE_OUT_OF_RANGE: return "out_of_range";
  case DUBAN__CODE__CODE_UNIMPLEMENTED: return "unimplemented";
  case DUBAN__CODE__CODE_INTERNAL: return "internal";
  case DUBAN__CODE__CODE_UNAVAILABLE: return "unavailable";
  case DUBAN__CODE__CODE_DATA_LOSS: return "data_loss";
  case DUBAN__CODE__CODE_UNAUTHENTICATED: return "unauthenticated";
  default: return "unknown";
  }
}
