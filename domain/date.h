/* date.h: the calendar dates of a plan ("2023-12-31"), read once, and the
 * plan's time zone, kept once.
 *
 * Milestones, the virtual clock's start, scoring rules' effective days and
 * an auditor's --at all name a day as YYYY-MM-DD; this is the one reader of
 * that form. A plan's day is a day in the plan's zone, Asia/Shanghai
 * (+08:00, no daylight saving) unless DUBAN_PLAN_ZONE says otherwise: a
 * task due 2025-06-30 is due by 2025-06-30 24:00 Beijing time, which is
 * 2025-06-30T16:00:00Z. The broker's clock stays in unix seconds (DESIGN
 * invariant 5); only the reading of a day, here, knows the zone, and the
 * deadline monitor, the colours (pace.h), the desk and the reports all read
 * days here, so they agree on when a day ends. */
#ifndef DUBAN_DATE_H
#define DUBAN_DATE_H

#include <stddef.h>
#include <stdint.h>

#define DBN_DAY_SECONDS 86400

/* The plan's zone when DUBAN_PLAN_ZONE is unset. */
#define DBN_PLAN_ZONE_DEFAULT "Asia/Shanghai"
#define DBN_PLAN_ZONE_OFFSET_DEFAULT (8 * 3600)
/* The environment variable that names another zone (see dbn_zone_parse). */
#define DBN_PLAN_ZONE_ENV "DUBAN_PLAN_ZONE"

/* A zone's offset east of UTC, in seconds, from "Asia/Shanghai" (also
 * "Asia/Beijing", "PRC", "CST"), "UTC" ("Z", "GMT"), or a fixed offset
 * "+08:00" / "-05:30" / "+0800" (hours 0..14, minutes 0..59). Only fixed
 * offsets: a zone with daylight saving is refused (DBN_EINVAL), as a plan's
 * day must always be 24 hours. */
int dbn_zone_parse(const char *text, int64_t *offset_p);

/* The plan's zone offset: DUBAN_PLAN_ZONE read by dbn_zone_parse, else (unset,
 * empty or not a zone dbn_zone_parse takes) DBN_PLAN_ZONE_OFFSET_DEFAULT.
 * Every process of one deployment must see the same value; read each call
 * (getenv), no state. A value it cannot take never gets this far: every
 * program refuses to start with it (dbn_plan_zone_check). */
int64_t dbn_plan_zone_offset(void);

/* 0 when DUBAN_PLAN_ZONE is unset, empty or a zone dbn_zone_parse takes;
 * DBN_EINVAL otherwise, with a message in Chinese in why that names the
 * value and says what to write. Every program's main calls it before it
 * reads or prints a day, so a mistyped zone is an error at start-up, never a
 * silent fall back to Beijing time in one process and not in another. */
int dbn_plan_zone_check(char *why, size_t why_len);

/* The first second of the day text names in a zone offset seconds east of
 * UTC, in unix seconds. Refuses anything but exactly YYYY-MM-DD (ten
 * characters) naming a real day from 1970 on: 2023-02-30 is refused, not
 * moved to March. Pure. */
int dbn_date_parse_zone(const char *text, int64_t offset, int64_t *start_of_day_p);

/* dbn_date_parse_zone in the plan's zone (dbn_plan_zone_offset): the start
 * of that day in Beijing time by default. */
int dbn_date_parse(const char *text, int64_t *start_of_day_p);

/* The same day's end in the plan's zone: the first second of the next day
 * (2025-06-30 ends at 2025-06-30T16:00:00Z with +08:00). */
int dbn_date_parse_end(const char *text, int64_t *end_of_day_p);

/* The plan-zone day ("YYYY-MM-DD") that contains unix second t; years are
 * clamped to 0000..9999 for printing. */
void dbn_date_format(int64_t t, char out[16]);

/* The same in a zone offset seconds east of UTC. Pure. */
void dbn_date_format_zone(int64_t t, int64_t offset, char out[16]);

/* "YYYY-MM-DD HH:MM" in the plan's zone: the time a person reads (notices,
 * the desk's inbox, every time the CLI prints for a person: tables, `duban
 * task`, watch and audit replay lines). Machine formats (--json) keep UTC
 * ISO 8601. */
void dbn_time_format_minute(int64_t t, char out[24]);

#endif
