/* pace.h: 序时进度 (the progress a task should show by now) and the colours
 * 红黄蓝绿 that say how a task stands against its deadlines, once.
 *
 * The deadline monitor, the scorecards (score.h) and the coordinators'
 * board all ask this one function what colour a task is, so a task can
 * never be red on the board and blue in the report. The colours follow
 * 宿迁's 红黄蓝 督查 practice:
 *
 *   green  绿  done, or on pace with no deadline near;
 *   blue   蓝  a due date is near (within yellow_days of its end);
 *   yellow 黄  behind 序时进度 by more than pace_margin percentage points;
 *   red    红  a due date has passed and the task is not done.
 *
 * A task that is both near a deadline and behind pace is blue: the nearer
 * deadline is the more urgent fact (and score.h still counts it as behind
 * pace, from dbn_task_pace_t.behind_pace). Precedence is therefore
 * done (green) > red > blue > yellow > green.
 *
 * Time: a due date "2023-12-31" means by the end of that day, and the end
 * of a day is the first second of the next in the plan's zone (date.h,
 * Asia/Shanghai by default). So a task due 2023-12-31 turns red at
 * 2024-01-01 00:00 Beijing time (2023-12-31T16:00:00Z) exactly, and is blue
 * (not red) at 2023-12-31T15:59:59Z. Milestones whose due is missing or not a
 * YYYY-MM-DD date are ignored, as the deadline monitor ignores them: the
 * importer never writes one, and a damaged one must not turn a task red.
 *
 * Pure functions: no I/O, no state, thread-safe. */
#ifndef DUBAN_PACE_H
#define DUBAN_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"

/* Ordered by severity, so the worst of several colours is the largest. */
typedef enum {
  DBN_COLOUR_GREEN,
  DBN_COLOUR_BLUE,
  DBN_COLOUR_YELLOW,
  DBN_COLOUR_RED,
} dbn_colour_t;

#define DBN_COLOUR_COUNT 4

#define DBN_PACE_YELLOW_DAYS_DEFAULT 30
#define DBN_PACE_MARGIN_DEFAULT 10

typedef struct {
  int yellow_days; /* the blue window, in days before the end of a due day */
  int pace_margin; /* yellow when behind 序时进度 by more than this many percentage points */
} dbn_pace_policy_t;

/* How a task stands against time, as dbn_task_colour saw it. */
typedef struct {
  int expected_percent;  /* 序时进度 toward next_due; 100 when every due day has passed; 0 with none */
  int64_t next_due;      /* end of the next due day (unix seconds), 0 if no due day is still ahead */
  int days_overdue;      /* calendar days since the earliest past due day; 0 if none or done */
  int64_t overdue_since; /* end of that earliest past due day (unix seconds), 0 if none or done */
  bool behind_pace;      /* not done, and percent < expected_percent - pace_margin */
} dbn_task_pace_t;

/* yellow_days 30, pace_margin 10. */
void dbn_pace_policy_default(dbn_pace_policy_t *policy);

/* yellow_days in 0..3660 and pace_margin in 0..100; DBN_EINVAL with a
 * message in why otherwise. */
int dbn_pace_policy_check(const dbn_pace_policy_t *policy, char *why, size_t why_len);

/* The percent a task started at start and due by due_end (the end of its
 * due day) should have reached at now: linear from 0 at start to 100 at
 * due_end, rounded down, clamped to 0..100, exact for any int64 inputs.
 * A span that is empty or negative (start >= due_end) jumps: 0 before
 * due_end, 100 from due_end on. */
int dbn_pace_expected_percent(int64_t start, int64_t due_end, int64_t now);

/* The colour of task at now, for a task that started at start (the plan's
 * publication or the task's assignment, as the caller knows it):
 *
 *   1. state done, or cancelled by a plan change (plan_change.h) -> green
 *      (whenever it was done; lateness is score.h's);
 *   2. a due day has ended (now >= its end) -> red; any state but done
 *      counts, submitted included (the work is not accepted) and a state
 *      value outside the enum (a damaged view) too;
 *   3. the next due day ends within yellow_days (next_due - now <=
 *      yellow_days days: exactly yellow_days before is blue) -> blue;
 *   4. percent < expected - pace_margin, with expected from start to the
 *      end of the next due day -> yellow (exactly at the margin is green);
 *   5. else green. A task with no valid due date expects 0: green.
 *
 * "Next" is the earliest due day still ahead, whatever the milestones'
 * order. Milestones are met one by one (milestone.h): a milestone a
 * coordinator confirmed met counts for neither red nor blue nor 序时进度,
 * and any other past due day of a task not done makes it red. policy NULL: the defaults; a negative
 * yellow_days or an out-of-range pace_margin is clamped to 0..100. pace_out may be NULL; when given, it is
 * always filled. */
dbn_colour_t dbn_task_colour(const Duban__Task *task, int64_t start, int64_t now,
                             const dbn_pace_policy_t *policy, dbn_task_pace_t *pace_out);

/* Where a task's 序时进度 starts, the start dbn_task_colour takes: its claim
 * (claimed_at), else the day its plan was issued (plan_issued), else 0.
 * The board, the desk and the report all ask this, so they agree. */
int64_t dbn_task_pace_start(const Duban__Task *task);

/* The colour of a measure or a department from its tasks' colours: the
 * worst of them (red if any is red, else yellow if any is yellow, else blue
 * if any is blue, else green), so a department's one overdue task is never
 * averaged away. A value outside the enum counts as red: a damaged colour
 * should draw attention, not hide. Nothing (count 0) is green. */
dbn_colour_t dbn_colour_rollup(const dbn_colour_t *colours, size_t count);

/* Calendar days from the earliest due day of task that has ended by now to
 * the day of now: 1 on the day after the due day (逾期1天), from its first
 * second; 0 when no due day has ended or the task is done. Capped at
 * INT_MAX. */
int dbn_days_overdue(const Duban__Task *task, int64_t now);

/* "green", "blue", "yellow", "red"; "unknown" outside the enum. */
const char *dbn_colour_name(dbn_colour_t colour);
/* "绿", "蓝", "黄", "红"; "未知" outside the enum. */
const char *dbn_colour_name_zh(dbn_colour_t colour);

#endif
