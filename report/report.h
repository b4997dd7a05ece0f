/* report.h: the assessment report (考核) of a log, for any moment.
 *
 * An auditor or the coordinators' office asks what the plan looked like at
 * a moment: each department's score and its parts and rank, the colours of
 * its tasks, each task against its targets and its 序时进度, the tasks past
 * due with their days late, escalations split into the department's own
 * requests for help and the deadline monitor's automatic ones, and the
 * colour each department had at the end of each month (瓯海's monthly
 * colours). The report says which scoring rules version it used and the
 * log's head, so that the same request gives the same numbers whenever it
 * is run: the views are rebuilt as they stood at the moment from the log
 * (store's dbn_store_rebuild_at) and scored with the rules in force then
 * (dbn_store_scoring_rules_in_force, on the day of the moment in the
 * plan's zone); every rule comes from domain/
 * (score.h, pace.h, figure.h), none is restated here.
 *
 * The report reads a store directory (a broker's data directory or a copy
 * of it, as the console keeps) read-only; it works while a broker writes.
 * `duban audit report` prints it, `--json` and the board read
 * dbn_report_json, `duban audit export --xlsx` writes dbn_report_write_xlsx.
 *
 * Times: every int64_t time is unix seconds (UTC). What a person reads is in
 * the plan's zone, Asia/Shanghai (UTC+8, no daylight saving): months and
 * --at dates end at midnight there. */
#ifndef DUBAN_REPORT_H
#define DUBAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "date.h"
#include "duban.pb-c.h"
#include "pace.h"
#include "score.h"
#include "scorecard.h"
#include "store.h"

/* The plan's time zone, as seconds east of UTC: kept in domain/date.h
 * (Asia/Shanghai unless DUBAN_PLAN_ZONE says otherwise). */
#define DBN_REPORT_ZONE_OFFSET (dbn_plan_zone_offset())

/* At most this many monthly colours (the latest months); ten years. */
#define DBN_REPORT_MAX_MONTHS 120

/* What to report on. Borrowed for the call. */
typedef struct {
  const char *store_dir;         /* the log to read (read-only); required */
  const char *scratch_dir;       /* where scratch copies for the past are made (a
                                  * fresh directory under it each, removed before
                                  * return); NULL: $TMPDIR, else /tmp */
  int64_t at;                    /* the moment, unix seconds; 0: the head, scored at
                                  * the broker's clock as the log records it */
  uint64_t until_seq;            /* instead of at: right after this event, scored at
                                  * its clock; 0: not used. at and until_seq
                                  * together are DBN_EINVAL */
  const dbn_pace_policy_t *pace; /* NULL: pace.h's defaults */
  bool verify;                   /* also run dbn_store_verify on store_dir */
  bool no_months;                /* skip the monthly colours (one rebuild per month) */
} dbn_report_options_t;

/* One task as the report shows it. */
typedef struct {
  const Duban__Task *task; /* owned by the report (with its definition) */
  int64_t start;           /* where its 序时进度 starts: claimed_at, else plan_issued */
  dbn_colour_t colour;     /* pace.h's dbn_task_colour at the report's moment */
  dbn_task_pace_t pace;    /* expected_percent, next_due, days_overdue, behind_pace */
  char **figures;          /* n_figures lines "3300万千瓦 / 5500万千瓦 (60%)", one per
                            * figure reported (figure.h's dbn_figure_format); owned */
  size_t n_figures;
  char **targets; /* n_targets lines "全市新能源批复规模 5500万千瓦"; owned */
  size_t n_targets;
} dbn_report_task_t;

/* One department. */
typedef struct {
  char *code;                         /* the unit's code; owned */
  char *name;                         /* its name as the plan types it; owned */
  dbn_score_t score;                  /* score.h's; score.unit is code */
  unsigned colours[DBN_COLOUR_COUNT]; /* its tasks by colour, indexed by dbn_colour_t */
  size_t *tasks;                      /* indexes into the report's tasks; owned */
  size_t n_tasks;
  dbn_scorecard_t card; /* scorecard.h's counts by state, average percent,
                         * escalations and reminders; card.code and card.name
                         * are NULL (code and name above say them) */
} dbn_report_unit_t;

/* One line of the overdue list (逾期清单). */
typedef struct {
  size_t task;     /* index into the report's tasks */
  size_t unit;     /* index into the report's units */
  int days_late;   /* 1 on the day after the due day */
  int64_t due_end; /* end of the earliest due day it missed */
} dbn_report_overdue_t;

/* One escalation on a task, split as the score splits it. */
typedef struct {
  uint64_t id;            /* the event that raised it */
  const char *task_id;    /* borrowed from the report */
  size_t unit;            /* index into units of the task's unit; SIZE_MAX if unknown */
  bool automatic;         /* the deadline monitor raised it; else the department asked */
  bool open;              /* not resolved */
  const char *category;   /* borrowed */
  const char *level_name; /* the ladder's name of its level; "" when none; borrowed */
  int64_t raised_at;
} dbn_report_escalation_t;

/* The colour of every department at the end of one month. */
typedef struct {
  int year, month;       /* 2024, 1..12 */
  int64_t end;           /* the moment scored: the end of the month in the
                          * plan's zone, or the report's moment for its own month */
  dbn_colour_t *colours; /* n_units, parallel to the report's units; owned */
} dbn_report_month_t;

/* The whole report. Read it; free it with dbn_report_free. */
typedef struct {
  int64_t at;                /* the moment reported (unix seconds): events before it count */
  int64_t scored;            /* when colours and days late are taken: at for the head, the
                              * last second of the day for --at DATE (report.c) */
  uint64_t head_seq;         /* the last event the report saw (the snapshot's head) */
  char head_hash[65];        /* that event's hash, hex ("" for an empty log) */
  uint64_t log_head_seq;     /* the log's head when the report was made */
  dbn_scoring_rules_t rules; /* the rules in force at `at` (dbn_scoring_rules_default
                              * when the log holds none yet: then rules_loaded false) */
  bool rules_loaded;
  char rules_note[256];     /* the loaded rules' note; "" when none */
  dbn_pace_policy_t pace;   /* the policy used */
  dbn_report_unit_t *units; /* every unit, ordered by rank, then code */
  size_t n_units;
  dbn_report_task_t *tasks; /* every task, in task id order */
  size_t n_tasks;
  dbn_report_overdue_t *overdue; /* most days late first (score.h's order) */
  size_t n_overdue;
  dbn_report_escalation_t *escalations; /* every escalation, by id */
  size_t n_escalations;
  unsigned own_escalations; /* totals of the split */
  unsigned automatic_escalations;
  dbn_report_month_t *months; /* oldest first: from the month of the first event to
                               * the report's month, at most DBN_REPORT_MAX_MONTHS */
  size_t n_months;
  bool verified;                        /* options.verify was set */
  bool verify_ok;                       /* the log verified */
  dbn_verify_report_t verify;           /* dbn_store_verify's report, when verified */
  Duban__Escalation **escalation_views; /* private: what escalations borrow from */
  size_t n_escalation_views;
} dbn_report_t;

/* Build the report that options ask for into *report_p (the caller frees it
 * with dbn_report_free). 0, or: DBN_EINVAL for bad options or scoring rules
 * in the log that domain/score.h refuses (why says which); DBN_ENOTFOUND
 * when `at` is before the log's first event or until_seq after its head;
 * the store's errors otherwise
 * (DBN_ECORRUPT when the chain does not verify on the way). why (may be
 * NULL) gets a sentence for a person on failure. */
int dbn_report_build(const dbn_report_options_t *options, dbn_report_t **report_p, char *why, size_t why_len);

/* The report as JSON (the board and `--json`): {"at", "at_local", "head_seq",
 * "head_hash", "rules": {version, effective, loaded, note, weights...},
 * "units": [{code, name, rank, total, colour, colours{red..}, parts...,
 * own_escalations, automatic_escalations}], "tasks": [{id, unit, text,
 * colour, state, percent, expected_percent, behind_pace, days_overdue,
 * next_due (the plan's date, "" when none), figures[], targets[]}],
 * "overdue": [{task, unit, name, days_late, due (the plan's date), due_end}], "escalations": [...],
 * "months": [{month "2024-01", colours{code: colour}}], "verify": {...}}.
 * Colours are "red", "yellow", "blue", "green". NULL when out of memory;
 * the caller deletes it. */
cJSON *dbn_report_json(const dbn_report_t *report);

/* Write the report as an Excel workbook at path (libxlsxwriter): sheets 任务,
 * 指标, 考核排名 and 逾期清单, Chinese headers, colours as cell fills, and the
 * rules version and head hash in the first rows of each sheet. 0 or
 * DBN_EIO. */
int dbn_report_write_xlsx(const dbn_report_t *report, const char *path);

/* Free *report_p (NULL is fine) and set it to NULL. */
void dbn_report_free(dbn_report_t **report_p);

/* t as YYYY-MM-DD in the plan's zone into out, for people. */
void dbn_report_local_date(int64_t t, char out[16]);

/* The due day (YYYY-MM-DD, as the plan writes it) whose end is due_end,
 * into out: due days end as date.h and pace.h end them, so this is the day
 * the plan names, not a moment converted to a zone. */
void dbn_report_due_date(int64_t due_end, char out[16]);

/* The end of day YYYY-MM-DD in the plan's zone (unix seconds): what --at
 * DATE means. DBN_EINVAL when text is not a real date. */
int dbn_report_parse_at(const char *text, int64_t *at_p);

/* The ranking (考核排名) both the terminal and the workbook show: five
 * leading columns (排名 单位 代码 总分 颜色), then the counts below in this
 * order. One list, so that a count added to the score shows in both. */
enum { DBN_REPORT_RANK_LEADING = 5, DBN_REPORT_RANK_COUNTS = 16 };

/* One count column of the ranking. */
typedef struct {
  const char *sheet_header;    /* the workbook's header */
  const char *terminal_header; /* the terminal's, shorter where its table is narrow */
  bool sheet_only;             /* the terminal leaves it out (its row is already wide) */
} dbn_report_rank_column_t;

/* The leading headers, the same in the terminal and the workbook. */
extern const char *const dbn_report_rank_leading[DBN_REPORT_RANK_LEADING];

/* The count columns, in the order dbn_report_rank_counts fills them. */
extern const dbn_report_rank_column_t dbn_report_rank_columns[DBN_REPORT_RANK_COUNTS];

/* unit's counts into counts, one per dbn_report_rank_columns entry. */
void dbn_report_rank_counts(const dbn_report_unit_t *unit, long long counts[DBN_REPORT_RANK_COUNTS]);

#endif
/* API stable */
