/* event_kind.h: each kind of event in the log by the name a person reads.
 *
 * The log, the wire and every JSON a script reads name a kind by its
 * machine code ("progress", "acknowledged": dbn_wire_event_name, proto/
 * wire.c, the one home of the codes). A person reads 填报进度 and 签收督办.
 * This table is the one home of those names, for `duban watch`, `audit
 * replay`, the board's live lines and a task page's 类型 column; the codes
 * stay where a machine reads them (the JSON field `kind`). Pure: which
 * language to print in is the caller's choice (common/lang.h). */
#ifndef DUBAN_DOMAIN_EVENT_KIND_H
#define DUBAN_DOMAIN_EVENT_KIND_H

#include "duban.pb-c.h"

/* The Chinese name of the kind body (填报进度), or NULL for a kind the
 * table does not have (a kind added to the protocol without a name, or
 * none). */
const char *dbn_event_kind_zh(Duban__Event__BodyCase body);

/* The same for a kind given by its code ("progress"), as the JSON of an
 * event or an evidence listing carries it; NULL when code names no kind
 * of the table (or is NULL). */
const char *dbn_event_kind_zh_of_code(const char *code);

/* For a person: the Chinese name, or the code itself when the table has
 * none, so that a new kind still shows as something. english: the code,
 * which is what English readers have always been shown. Never NULL. */
const char *dbn_event_kind_display(Duban__Event__BodyCase body, int english);

#endif
