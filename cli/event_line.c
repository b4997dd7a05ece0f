/* event_line.c: events as lines a person reads; see event_line.h. */
#include "event_line.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "display_name.h"
#include "event_kind.h"
#include "lang.h"
#include "text.h"

void
dbn_cli_unit_names_free(dbn_cli_unit_names_t *names)
{
  for (size_t i = 0; i < names->n_units; i++) {
    free(names->units[i].code);
    free(names->units[i].name);
  }
  free(names->units);
  free(names->ptrs);
  names->units = NULL;
  names->ptrs = NULL;
  names->n_units = 0;
}

int
dbn_cli_unit_names_set(dbn_cli_unit_names_t *names, Duban__Unit *const *units, size_t n_units)
{
  dbn_cli_unit_names_free(names);
  if (n_units == 0)
    return 0;
  names->units = calloc(n_units, sizeof *names->units);
  names->ptrs = calloc(n_units, sizeof *names->ptrs);
  if (!names->units || !names->ptrs) {
    dbn_cli_unit_names_free(names);
    return -1;
  }
  for (size_t i = 0; i < n_units; i++) {
    Duban__Unit *copy = &names->units[i];
    duban__unit__init(copy);
    names->n_units = i + 1; /* so that a failure below frees what was copied */
    copy->code = strdup(units[i]->code ? units[i]->code : "");
    copy->name = strdup(units[i]->name ? units[i]->name : "");
    if (!copy->code || !copy->name) {
      dbn_cli_unit_names_free(names);
      return -1;
    }
    names->ptrs[i] = copy;
  }
  return 0;
}

void
dbn_cli_unit_names_follow(dbn_cli_unit_names_t *names, const Duban__Event *event)
{
  if (event->body_case != DUBAN__EVENT__BODY_PLAN_LOADED || !event->plan_loaded || !event->plan_loaded->plan)
    return;
  const Duban__Plan *plan = event->plan_loaded->plan;
  if (plan->n_units)
    (void)dbn_cli_unit_names_set(names, plan->units, plan->n_units);
}

void
dbn_cli_print_event_line_for_person(FILE *out, const Duban__Event *event, const dbn_cli_unit_names_t *names)
{
  if (dbn_lang() == DBN_LANG_EN) {
    dbn_cli_print_event_line(out, event);
    return;
  }
  char when[32], subject[DBN_MAX_ID + 32], details[1024], named[1536], actor[256];
  dbn_cli_format_time(event->time, when);
  dbn_cli_event_describe(event, subject, sizeof subject, details, sizeof details);
  dbn_display_names_in_text(details, names->ptrs, names->n_units, named, sizeof named);
  if (event->actor && event->actor[0])
    dbn_identity_display_name(event->actor, event->person, names->ptrs, names->n_units, actor, sizeof actor);
  else
    snprintf(actor, sizeof actor, "-");
  fprintf(out, "%6llu  %s  ", (unsigned long long)event->seq, when);
  dbn_text_print_cell(out, actor, 20);
  fputs("  ", out);
  dbn_text_print_cell(out, dbn_event_kind_display(event->body_case, 0), 16);
  fputs("  ", out);
  if (named[0]) {
    dbn_text_print_cell(out, subject[0] ? subject : "-", 22);
    fprintf(out, "  %s\n", named);
  } else {
    fprintf(out, "%s\n", subject[0] ? subject : "-");
  }
}
