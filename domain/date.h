/* date.h: the calendar dates of a plan ("2023-12-31"), read once.
 *
 * Milestones, the virtual clock's start and an auditor's --at all name a
 * day as YYYY-MM-DD; this is the one reader of that form. A day is counted
 * in UTC, as the broker's clock is (DESIGN invariant 5). */
#ifndef DUBAN_DATE_H
#define DUBAN_DATE_H

#include <stdint.h>

#define DBN_DAY_SECONDS 86400

/* The start of the day text names, in unix seconds. Refuses anything but
 * exactly YYYY-MM-DD (ten characters) naming a real day from 1970 on:
 * 2023-02-30 is refused, not moved to March. */
int dbn_date_parse(const char *text, int64_t *start_of_day_p);

/* The same day's end: the first second of the next day. */
int dbn_date_parse_end(const char *text, int64_t *end_of_day_p);

#endif
