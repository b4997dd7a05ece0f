/* console_names.h: the board's departments and speakers by name.
 *
 * The mirror names a department by its code and a speaker by its identity;
 * the board shows the plan's names instead (市能源局, 协调员 王协调: the
 * logged-in person who acted, else the key's name), through
 * domain/display_name.h. The JSON keeps the codes ("unit", "actor",
 * "raised_by") for the pages' data attributes and URLs, and adds the names
 * beside them ("unit_name", "actor_name", "raised_by_name"). */
#ifndef DUBAN_CONSOLE_NAMES_H
#define DUBAN_CONSOLE_NAMES_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duban.pb-c.h"
#include "store.h"

/* The plan's units as the mirror holds them; owned, freed by
 * dbn_console_units_clear. */
typedef struct {
  Duban__Unit **units;
  size_t n_units;
} dbn_console_units_t;

/* Read every unit in txn into units (none when it cannot: the codes show). */
void dbn_console_units_read(dbn_store_txn_t *txn, dbn_console_units_t *units);
void dbn_console_units_clear(dbn_console_units_t *units);

/* The name of the unit with code (borrowed; code itself when unknown). */
const char *dbn_console_unit_name(const dbn_console_units_t *units, const char *code);

/* Beside json's string field key (an identity or a code), key_name with
 * the name a person reads; person is the 经办人 when known (NULL: none).
 * Nothing when json has no such string. */
void dbn_console_add_name(cJSON *json, const char *key, const char *person, const dbn_console_units_t *units);

/* An event as dbn_cli_event_json writes it, with actor_name (the event's
 * person for a role's key) and unit_name beside a unit its body names. */
void dbn_console_name_event(cJSON *event_json, const dbn_console_units_t *units);

#endif
