/* ladder.h: the 督办 ladder, the levels an escalation climbs while nobody
 * acknowledges it.
 *
 * The levels have names (by default 蓝色督办单 → 橙色督办单 → 红色督办单,
 * as 三明's supervision system names them) and the last one is the cap.
 * Each level may name the role it notifies. An escalation rises one level
 * per SLA period since it was raised, one event per level: a clock that
 * jumps a month raises it step by step up to the cap, never several levels
 * in one event, so the log shows when each level was reached. */
#ifndef DUBAN_LADDER_H
#define DUBAN_LADDER_H

#include <stddef.h>
#include <stdint.h>

#define DBN_LADDER_MAX_LEVELS 8
#define DBN_LADDER_NAME_MAX 64

typedef struct {
  size_t count;                                            /* levels; 1..DBN_LADDER_MAX_LEVELS */
  char names[DBN_LADDER_MAX_LEVELS][DBN_LADDER_NAME_MAX];  /* level i's name */
  char notify[DBN_LADDER_MAX_LEVELS][DBN_LADDER_NAME_MAX]; /* whom level i notifies; "" = coordinators */
} dbn_ladder_t;

/* 蓝色督办单, 橙色督办单, 红色督办单; nobody named to notify. */
void dbn_ladder_default(dbn_ladder_t *ladder);

/* Read "NAME[=WHOM],NAME[=WHOM],..." (1..8 levels, each name 1..63 bytes
 * of UTF-8 without ',' or '='). On failure ladder is unchanged and why
 * says what is wrong. */
int dbn_ladder_parse(dbn_ladder_t *ladder, const char *text, char *why, size_t why_len);

/* The highest level: count - 1. */
uint32_t dbn_ladder_cap(const dbn_ladder_t *ladder);

/* The level an escalation raised at raised_at has earned by now: one per
 * full SLA period, never past the cap. */
uint32_t dbn_ladder_due_level(const dbn_ladder_t *ladder, int64_t raised_at, int64_t now,
                              int64_t sla_seconds);

/* Level's name, or the cap's for a level past it (an old log may hold
 * levels a smaller ladder does not have). */
const char *dbn_ladder_name(const dbn_ladder_t *ladder, uint32_t level);
const char *dbn_ladder_notify(const dbn_ladder_t *ladder, uint32_t level);

#endif
