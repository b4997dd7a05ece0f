/* event_line.h: one event of the log as a line a person reads, for
 * `duban watch` (and `audit replay`, which prints the same lines).
 *
 * dbn_cli_print_event_line (cli.h) prints the machine's words: the kind's
 * code and the identities as the transport gives them. A person reading
 * Chinese gets the kind's name (domain/event_kind.h) and the units by the
 * plan's names (domain/display_name.h); English keeps the machine's line,
 * byte for byte. The names come from the plan's units, which the watcher
 * learns from the broker's first ListTasks page or from a plan_loaded
 * event that goes by, so it keeps its own copy of them. */
#ifndef DUBAN_CLI_EVENT_LINE_H
#define DUBAN_CLI_EVENT_LINE_H

#include <stddef.h>
#include <stdio.h>

#include "duban.pb-c.h"

/* The plan's units (code and name), owned. Zero-initialised: no names,
 * the codes show. */
typedef struct {
  Duban__Unit *units; /* n_units, each with its own code and name */
  Duban__Unit **ptrs; /* units[i]'s address, as display_name.h takes them */
  size_t n_units;
} dbn_cli_unit_names_t;

/* Replace names' units with a copy of units (code and name only). 0, or
 * -1 when out of memory (names is then left empty). */
int dbn_cli_unit_names_set(dbn_cli_unit_names_t *names, Duban__Unit *const *units, size_t n_units);

/* When event loads a plan that has units, they become the names from it
 * on (a plan loaded while watching names its units at once). */
void dbn_cli_unit_names_follow(dbn_cli_unit_names_t *names, const Duban__Event *event);

void dbn_cli_unit_names_free(dbn_cli_unit_names_t *names);

/* One line, as dbn_cli_print_event_line lays it out: in English exactly
 * that line; otherwise with the kind's Chinese name, who acted by name
 * (协调员 张三, 市能源局) and each unit code in the details by its name. */
void dbn_cli_print_event_line_for_person(FILE *out, const Duban__Event *event,
                                         const dbn_cli_unit_names_t *names);

#endif
