/* coordinator_write.c: see coordinator_write.h. */
#include "coordinator_write.h"

#include "error.h"

/* s for a protobuf-c string field, or NULL to keep the field's "". */
static void
set_text(char **field, const char *s)
{
  if (s)
    *field = (char *)s;
}

/* The escalation writes: ack and resolve carry the same two fields. */
static void
escalation_write(Duban__Request *req, dbn_coordinator_bodies_t *bodies, Duban__Request__BodyCase body,
                 const dbn_coordinator_write_t *write)
{
  if (body == DUBAN__REQUEST__BODY_ACK) {
    duban__ack__init(&bodies->ack);
    bodies->ack.escalation = write->escalation;
    set_text(&bodies->ack.note, write->note);
    req->ack = &bodies->ack;
  } else {
    duban__resolve__init(&bodies->resolve);
    bodies->resolve.escalation = write->escalation;
    set_text(&bodies->resolve.note, write->note);
    req->resolve = &bodies->resolve;
  }
  req->body_case = body;
}

int
dbn_coordinator_write_request(Duban__Request *req, dbn_coordinator_bodies_t *bodies,
                              Duban__Request__BodyCase body, const dbn_coordinator_write_t *write)
{
  switch (body) {
  case DUBAN__REQUEST__BODY_ACK:
  case DUBAN__REQUEST__BODY_RESOLVE: escalation_write(req, bodies, body, write); return 0;
  case DUBAN__REQUEST__BODY_REMIND:
    duban__remind__init(&bodies->remind);
    set_text(&bodies->remind.task, write->task);
    set_text(&bodies->remind.note, write->note);
    req->remind = &bodies->remind;
    break;
  case DUBAN__REQUEST__BODY_ACCEPT:
    duban__accept__init(&bodies->accept);
    set_text(&bodies->accept.task, write->task);
    set_text(&bodies->accept.note, write->note);
    req->accept = &bodies->accept;
    break;
  case DUBAN__REQUEST__BODY_REJECT:
    duban__reject__init(&bodies->reject);
    set_text(&bodies->reject.task, write->task);
    set_text(&bodies->reject.reason, write->reason);
    req->reject = &bodies->reject;
    break;
  case DUBAN__REQUEST__BODY_REASSIGN:
    duban__reassign__init(&bodies->reassign);
    set_text(&bodies->reassign.task, write->task);
    set_text(&bodies->reassign.unit, write->unit);
    set_text(&bodies->reassign.reason, write->reason);
    req->reassign = &bodies->reassign;
    break;
  default: return DBN_EINVAL;
  }
  req->body_case = body;
  return 0;
}
