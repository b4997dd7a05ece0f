/* request.h: the one table of request kinds.
 *
 * Every place that must agree about a request reads this table: the
 * broker's checks (who may send it, which task states it may leave from),
 * its group commit (a write produces one event and is recorded for
 * retries; a read is answered from a snapshot), the agent's outbox (only
 * writes are queued) and the CLI (a write may carry --request-id). Adding a
 * request kind is one row here plus its handler in the broker's rules.
 *
 * What a request acts on decides which check it gets:
 *   DBN_SUBJECT_NONE        nothing beyond the sender's role (ping, lists)
 *   DBN_SUBJECT_TASK        one task (field `task` of the body): it must
 *                           exist, a unit may act only on its own, and the
 *                           task lifecycle must allow the move
 *   DBN_SUBJECT_ESCALATION  one escalation (field `escalation`): its
 *                           lifecycle must allow the move
 *   DBN_SUBJECT_PLAN        a whole plan, checked before it becomes tasks
 *   DBN_SUBJECT_CLOCK       the broker's virtual clock */
#ifndef DUBAN_REQUEST_H
#define DUBAN_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"
#include "identity.h"

typedef enum {
  DBN_SUBJECT_NONE,
  DBN_SUBJECT_TASK,
  DBN_SUBJECT_ESCALATION,
  DBN_SUBJECT_PLAN,
  DBN_SUBJECT_CLOCK,
} dbn_subject_t;

typedef struct {
  Duban__Request__BodyCase body; /* the request */
  const char *name;              /* "claim": in logs and messages */
  unsigned roles;                /* who may send it: DBN_ROLE_BIT()s */
  bool write;                    /* produces an event; false for reads and watch */
  dbn_subject_t subject;         /* what it acts on */
  Duban__Event__BodyCase event;  /* the event a write produces; NOT_SET for reads */
} dbn_request_kind_t;

/* The row of body, or NULL for a body duban does not know. */
const dbn_request_kind_t *dbn_request_kind(Duban__Request__BodyCase body);

/* The row that produces event, or NULL (events the broker raises itself:
 * deadline warnings, escalation levels). */
const dbn_request_kind_t *dbn_request_kind_of_event(Duban__Event__BodyCase event);

/* The name of a request body ("claim", "progress", ...), or "unknown". */
const char *dbn_request_name(Duban__Request__BodyCase body);

/* True for requests that produce an event; false for reads, watch and
 * unknown bodies. */
bool dbn_request_is_write(Duban__Request__BodyCase body);

/* The task a task request names (its body's `task` field), borrowed from
 * req; NULL for a request whose subject is not a task. */
const char *dbn_request_task(const Duban__Request *req);

/* Where the `task` field of a request whose subject is a task lives, for
 * a caller that rewrites it (a short id to the full one); NULL for other
 * requests. The string is protobuf-c's: free() and strdup() are its own. */
char **dbn_request_task_slot(Duban__Request *req);

/* The escalation an escalation request names (its body's `escalation`
 * field); 0 for any other request. */
uint64_t dbn_request_escalation(const Duban__Request *req);

/* The message a request's or an event's body points to (borrowed), or NULL. */
const ProtobufCMessage *dbn_request_body(const Duban__Request *req);
const ProtobufCMessage *dbn_event_body(const Duban__Event *event);

/* Make body (borrowed; its type must be the row's) the body of req, for a
 * caller that rebuilds the request an event came from. DBN_EINVAL when
 * the types differ. */
int dbn_request_set_body(Duban__Request *req, const dbn_request_kind_t *kind, const ProtobufCMessage *body);

/* Fill event's body from a checked write request: the event of the row,
 * carrying the request's body message. The event borrows that message:
 * keep req alive until the event is appended. Returns DBN_EINVAL for a read
 * or an unknown body (and leaves the event's body unset). */
int dbn_request_to_event(const Duban__Request *req, Duban__Event *event);

/* The actor of the events the broker raises itself (deadline warnings,
 * missed reports, escalation levels, a red warning's escalation). */
#define DBN_SYSTEM_ACTOR "system"

/* Whether actor could have made an event of this kind, by the table: the
 * roles of the row that produces it, and for a unit's own work on a task
 * (a claim, a report, a submission, an escalation, a milestone met) only
 * on a task it owned (task_owner: the unit code owning the task just
 * before the event, NULL when the event is about no task); an event with
 * no row only by DBN_SYSTEM_ACTOR. Returns 0, or DBN_EPERM with a Chinese
 * reason in why. `audit verify` asks this of every event on replay; the
 * broker's own check before a write (broker/rules.c) reads the same rows. */
int dbn_event_actor_check(Duban__Event__BodyCase event, const char *actor, const char *task_owner, char *why,
                          size_t why_len);

#endif
