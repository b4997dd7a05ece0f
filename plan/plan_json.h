/* plan_json.h: the plan JSON (docs/plan-format.md, duban-plan/1) to and from
 * the protobuf Duban__Plan that `plan load` sends to the broker.
 *
 * The JSON is what people read, correct and keep in files; it names units
 * as typed in the document (a canonical name, an alias, or a code). The
 * protobuf is what the broker runs; it names every unit by its code. This
 * module is the one place that crosses between them, so every check a
 * person can act on — an unknown unit, a missing field, a bad date, a
 * string over the wire limits of wire.h — is made here, before anything
 * reaches the broker, with a message that names the place in the file. */
#ifndef DUBAN_PLAN_JSON_H
#define DUBAN_PLAN_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duban.pb-c.h"

/* Convert and check a plan JSON (borrowed). On success returns 0 and
 * *plan_p is a new plan, the caller's, freed with dbn_plan_free(); every
 * unit reference in it is a unit code. On failure returns DBN_EINVAL (a
 * malformed plan), DBN_EVERSION (a format other than duban-plan/1),
 * DBN_ETOOBIG (a string over DBN_MAX_TEXT/DBN_MAX_ID, or a plan larger
 * than one message) or DBN_ENOMEM, writes into why[0..why_len) a message
 * naming the place (e.g. "sections[2].measures[0].actions[1].unit: unknown
 * unit 市X局"), and leaves *plan_p NULL. */
int dbn_plan_from_json(const cJSON *json, Duban__Plan **plan_p, char *why, size_t why_len);

/* Free a plan made by dbn_plan_from_json() and set *plan_p to NULL;
 * accepts NULL and a pointer to NULL. Not for plans from the wire module's
 * unpack, which have their own free. */
void dbn_plan_free(Duban__Plan **plan_p);

/* The plan as JSON (borrowed plan; units named by canonical name, as
 * `plan import` writes them). On success *json_p is the caller's, freed
 * with cJSON_Delete(). Returns DBN_EINVAL if the plan names a unit code it
 * does not define, DBN_ENOMEM. Works on any Duban__Plan, also an
 * unpacked one. */
int dbn_plan_to_json(const Duban__Plan *plan, cJSON **json_p);

/* Find a unit by its code, its canonical name or one of its aliases (in
 * that order). On success returns 0 and *code_p points at the unit's code
 * inside plan (valid while plan lives); DBN_ENOTFOUND if no unit matches. */
int dbn_plan_unit_resolve(const Duban__Plan *plan, const char *name_alias_or_code, const char **code_p);

#endif
