/* display_name.h: who someone is, as a person reads it.
 *
 * The log and the wire name a department by its short ASCII code ("NYJ")
 * and whoever spoke by an identity from the transport ("unit:NYJ",
 * "coordinator:office", identity.h). A person expects the department's
 * name as the plan writes it (市能源局) and a role in Chinese (协调员 张三).
 * This is the one place that turns the one into the other, for the desk,
 * the board and its workbook; the codes stay where a machine reads them
 * (data attributes, URLs, the JSON field `unit`). */
#ifndef DUBAN_DISPLAY_NAME_H
#define DUBAN_DISPLAY_NAME_H

#include <stddef.h>

#include "duban.pb-c.h"

/* The plan's name of the unit with code, or code itself when no unit of
 * units has it (no plan loaded yet): a code is better than an empty cell.
 * Borrowed from units or from code; "" for a NULL code. */
const char *dbn_unit_display_name(Duban__Unit *const *units, size_t n_units, const char *code);

/* Who spoke, for a person, into out (always terminated when out_len > 0,
 * cut at a character boundary):
 *   unit:CODE          the unit's name (dbn_unit_display_name)
 *   coordinator:NAME   协调员 PERSON, or 协调员 NAME when no person is known
 *   auditor:NAME       审计员 …, admin:NAME 管理员 …, likewise
 *   system             督办系统 (the deadline monitor, the SLA ladder)
 *   a bare unit code   the unit's name
 * and anything else as given. person is the one who acted (经办人: the
 * board's logged-in name, Event.person), NULL or "" when unknown; a unit's
 * person is not added (the unit answers, its clerk is shown apart). Returns
 * out. */
char *dbn_identity_display_name(const char *identity, const char *person, Duban__Unit *const *units,
                                size_t n_units, char *out, size_t out_len);

/* text, a message for a person (a refusal, translated), with each unit
 * code and each role's identity that stands as a word of its own (not part
 * of a longer run of [A-Za-z0-9_.:-], such as a task id) replaced by its
 * name, into out (cut at a character boundary). "system" is left alone: in
 * a sentence it is more often a word than the speaker. Returns out. */
char *dbn_display_names_in_text(const char *text, Duban__Unit *const *units, size_t n_units, char *out,
                                size_t out_len);

#endif
