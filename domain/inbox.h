/* inbox.h: what a department is told, and by which events.
 *
 * The loop is closed on the department's side: a coordinator's reminder
 * (催办) with its text, a rejection with its reason, an acceptance, a
 * reassignment, an acknowledgement or resolution of its escalation with the
 * note, a milestone confirmed met or sent back with the reason, a missed
 * report, a deadline warning and a level of the 督办 ladder each become an item
 * in the inbox of the unit that owns the task (and, on a reassignment, of
 * the unit that loses it too). Which events do, and what the item says, is
 * decided here once; store/apply.c writes the items, the CLI lists them. */
#ifndef DUBAN_INBOX_H
#define DUBAN_INBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "duban.pb-c.h"

/* Fill item (seq, time, kind, task, from, text, escalation) from event when
 * the event tells the unit that owns its task something; false when it
 * does not (a department's own claim or report, a plan, the clock). The
 * item borrows event's strings, except text, which is written into
 * text_buf (text_len bytes) when the event carries no text of its own. For
 * an escalation's events item->task is left empty: the caller knows the
 * escalation's task. */
bool dbn_inbox_item_of(const Duban__Event *event, Duban__InboxItem *item, char *text_buf, size_t text_len);

/* The word a clerk reads for an item's kind ("reminded" -> "催办"), for
 * `duban inbox` and the desk alike; the kind itself when it has none. */
const char *dbn_inbox_kind_zh(const char *kind);

#endif
