/* desk_task.h: the unit's tasks as the desk's pages read them (JSON).
 *
 * A task with its colour, next due day, figures against targets, its
 * milestones with their states (未完成 / 待确认 / 已确认), its plan changes
 * (计划调整) and how the unit stands to it (domain/lead.h): 本单位, 牵头 or
 * 配合, whether the page may offer the owner's writes (its own live task)
 * or 催办 (a lead, on another unit's task of its measure); and one roll-up
 * per measure the unit leads. Pure: reads a reply, writes JSON. */
#ifndef DUBAN_DESK_TASK_H
#define DUBAN_DESK_TASK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duban.pb-c.h"

/* One task as the pages read it, at now (unix seconds). units (borrowed,
 * the plan's, may be empty) give the names shown for its owner, its
 * measure's lead and cooperating units and who changed its plan
 * (domain/display_name.h); the codes stay in "unit", "lead", "cooperating". */
cJSON *dbn_desk_task_json(const Duban__Task *task, int64_t now, Duban__Unit *const *units, size_t n_units);

/* [{measure, text, colour, colour_zh, tasks, green, blue, yellow, red}]:
 * each measure the reader of a list_tasks reply leads, the worst colour of
 * its live tasks (pace.h's roll-up), in list order. */
cJSON *dbn_desk_lead_measures_json(const Duban__Reply *reply);

/* A new object for one line a page lists by the event behind it (an inbox
 * message, an evidence file, a plan change): {"seq", "time"}, the time to
 * the minute in the plan's zone (date.h), so that every list stamps its
 * lines alike. The caller adds the rest and owns it. */
cJSON *dbn_desk_event_line_json(uint64_t seq, int64_t time);

#endif
