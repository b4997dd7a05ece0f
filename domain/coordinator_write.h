/* coordinator_write.h: the body of a coordinator's write on one task or one
 * escalation (确认收悉 ack, 办结 resolve, 催办 remind, 验收 accept, 退回
 * reject, 改派 reassign), built once.
 *
 * The CLI's commands and the console's batch actions send the same six
 * requests from the same few words (a task or an escalation, a note, a
 * reason, a unit); this is where those words become a request. Who may
 * send them and from which states stays with request.h and lifecycle.h.
 * Pure: no I/O, no allocation. */
#ifndef DUBAN_COORDINATOR_WRITE_H
#define DUBAN_COORDINATOR_WRITE_H

#include <stdint.h>

#include "duban.pb-c.h"

/* Room for any one of the six bodies; the request points into it. */
typedef union {
  Duban__Ack ack;
  Duban__Resolve resolve;
  Duban__Remind remind;
  Duban__Accept accept;
  Duban__Reject reject;
  Duban__Reassign reassign;
} dbn_coordinator_bodies_t;

/* What a coordinator's write says beyond its kind; each field is read only
 * by the bodies that carry it, and a NULL string leaves the field empty.
 * The strings are borrowed. */
typedef struct {
  uint64_t escalation; /* ack, resolve */
  const char *task;    /* remind, accept, reject, reassign */
  const char *note;    /* ack, resolve, remind, accept */
  const char *reason;  /* reject, reassign */
  const char *unit;    /* reassign: the unit that is to own the task */
} dbn_coordinator_write_t;

/* Make req's body the write of kind body (one of the six above), filled
 * from write, stored in bodies (which must outlive req's use, and the
 * strings with it). DBN_EINVAL, req untouched, for any other body. */
int dbn_coordinator_write_request(Duban__Request *req, dbn_coordinator_bodies_t *bodies,
                                  Duban__Request__BodyCase body, const dbn_coordinator_write_t *write);

#endif
