/* rules.h: who may do what, and in which state (DESIGN invariants 1 and 6).
 *
 * The broker asks these functions about every request before anything is
 * written. The identity always comes from the transport (the ZAP handler's
 * User-Id), never from the message. A request that passes becomes exactly
 * one Event; one that fails gets a code and a message a person can act on,
 * and changes nothing. Pure functions of (identity, request, state): this
 * module opens no sockets, which is what lets it be fuzzed. */
#ifndef DUBAN_RULES_H
#define DUBAN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"
#include "store.h"

typedef enum {
  DBN_ROLE_UNIT,        /* a department: acts on its own tasks */
  DBN_ROLE_COORDINATOR, /* the leading group's office */
  DBN_ROLE_AUDITOR,     /* reads everything, writes nothing */
  DBN_ROLE_ADMIN,       /* loads plans, moves a virtual clock */
  DBN_ROLE_COUNT
} dbn_role_t;

/* Split "unit:CODE", "coordinator:NAME", "auditor:NAME" or "admin:NAME".
 * On success *name_p points into identity (borrowed). The name is 1..64
 * characters of [A-Za-z0-9_.-]. */
int dbn_identity_parse(const char *identity, dbn_role_t *role_p, const char **name_p);

/* True for requests that produce an event (and so are group-committed and
 * recorded for retries); false for reads and watch. */
bool dbn_rules_is_write(Duban__Request__BodyCase body);

/* Check a request that has passed dbn_wire_request_check() against the
 * caller's rights and the current state as txn sees it. Returns 0 if it
 * may proceed, or a negative code with a message in why. */
int dbn_rules_check(dbn_store_txn_t *txn, const char *identity, const Duban__Request *req, bool virtual_clock,
                    char *why, size_t why_len);

/* Fill event's body from a checked write request. The event borrows the
 * request's body: keep req alive until the event is appended. */
void dbn_rules_event_from_request(const Duban__Request *req, Duban__Event *event);

#endif
