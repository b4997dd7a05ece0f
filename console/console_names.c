/* console_names.c: the board's departments and speakers by name; see
 * console_names.h. */
#include "console_names.h"

#include <stdio.h>
#include <string.h>

#include "display_name.h"
#include "event_kind.h"
#include "wire.h"

void
dbn_console_units_read(dbn_store_txn_t *txn, dbn_console_units_t *units)
{
  units->units = NULL;
  units->n_units = 0;
  if (dbn_store_units_list(txn, &units->units, &units->n_units) != 0) {
    units->units = NULL;
    units->n_units = 0;
  }
}

void
dbn_console_units_clear(dbn_console_units_t *units)
{
  dbn_store_units_free(units->units, units->n_units);
  units->units = NULL;
  units->n_units = 0;
}

const char *
dbn_console_unit_name(const dbn_console_units_t *units, const char *code)
{
  return dbn_unit_display_name(units->units, units->n_units, code);
}

void
dbn_console_add_name(cJSON *json, const char *key, const char *person, const dbn_console_units_t *units)
{
  const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, key));
  if (!value)
    return;
  char name_key[64], name[256];
  snprintf(name_key, sizeof name_key, "%s_name", key);
  dbn_identity_display_name(value, person, units->units, units->n_units, name, sizeof name);
  cJSON_DeleteItemFromObjectCaseSensitive(json, name_key);
  cJSON_AddStringToObject(json, name_key, name);
}

void
dbn_console_name_event(cJSON *event_json, const dbn_console_units_t *units)
{
  if (!event_json)
    return;
  const char *person = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event_json, "person"));
  dbn_console_add_name(event_json, "actor", person, units);
  dbn_console_add_name(event_json, "unit", NULL, units); /* a reassignment's new unit, a warning's */
  /* The kind as a person reads it beside its code (event_kind.h). */
  const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event_json, "kind"));
  const char *kind_name = dbn_event_kind_zh_of_code(kind);
  if (kind_name)
    cJSON_AddStringToObject(event_json, "kind_name", kind_name);
}
