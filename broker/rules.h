/* rules.h: who may do what, and in which state (DESIGN invariants 1 and 6).
 *
 * The broker asks this module about every request before anything is
 * written. The identity always comes from the transport (the ZAP handler's
 * User-Id), never from the message. Which role may send a request and what
 * it acts on come from domain/'s request table; whether the state allows it
 * from domain/'s lifecycles; this module reads the state those need from
 * the store and writes the refusal a person can act on. A request that
 * passes becomes exactly one Event; one that fails changes nothing. No
 * sockets here, which is what lets it be fuzzed. */
#ifndef DUBAN_RULES_H
#define DUBAN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"
#include "identity.h"
#include "store.h"

/* Check a request that has passed dbn_wire_request_check() against the
 * caller's rights and the current state as txn sees it. Returns 0 if it
 * may proceed, or a negative code with a message in why. A request that
 * passes is left in the form the log holds: a progress figure names its
 * target by name and carries its exact amount (base_milli); checking it
 * again gives the same result.
 *
 * subject may be NULL. When it is not, a passing check leaves in it the
 * task or escalation it read (the caller's; hand it to dbn_store_append in
 * the same transaction, or free it with dbn_store_subject_clear), so the
 * write does not read it again. On failure subject is left empty. */
int dbn_rules_check(dbn_store_txn_t *txn, const char *identity, Duban__Request *req, bool virtual_clock,
                    dbn_store_subject_t *subject, char *why, size_t why_len);

/* Make the names a person types the ones the log holds, before the check
 * (idempotent, so a retried batch may run it again):
 *  - a unit may be named by its code, its Chinese name or an alias: the
 *    unit field of a list_tasks or reassign request becomes the code
 *    (DBN_ENOTFOUND with a message when no unit answers to the name);
 *  - a short task id ("2.1.1") becomes the full one ("ordos-2023-58:2.1.1")
 *    when exactly one loaded plan has it (DBN_EINVAL when several do). */
int dbn_rules_resolve_names(dbn_store_txn_t *txn, Duban__Request *req, char *why, size_t why_len);

#endif
