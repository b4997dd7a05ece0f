/* report.c: see report.h. The report is built in phases, one function
 * each: find the snapshot (the head, or the views rebuilt as they stood at
 * the moment), read the views, take the rules in force, score the units
 * (domain/score.c), list the overdue and the escalations, then the monthly
 * colours, each from its own rebuilt snapshot. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "figure.h"
#include "wire.h"

/* ---- times in the plan's zone ---- */

void
dbn_report_local_date(int64_t t, char out[16])
{
  dbn_date_format(t, out);
}

void
dbn_report_due_date(int64_t due_end, char out[16])
{
  dbn_date_format(due_end - 1, out);
}

int
dbn_report_parse_at(const char *text, int64_t *at_p)
{
  int64_t end;
  if (dbn_date_parse_end(text, &end) != 0)
    return DBN_EINVAL;
  *at_p = end;
  return 0;
}

/* The moment colours and scores are taken at a day's end (the end of a
 * Beijing day, exclusive): its last second. At the end of 2024-01-31 a task
 * due that day is at its limit, not yet a day late, and one due 2024-01-30
 * is one day late (pace.h counts the next day from its first second). A
 * report of the head is scored at the clock itself (report->scored). */
static int64_t
last_second(int64_t end)
{
  return end > INT64_MIN ? end - 1 : end;
}

/* The first second of month (1..12) of year in the plan's zone. */
static int64_t
month_start(int year, int month)
{
  char day[16];
  snprintf(day, sizeof day, "%04d-%02d-01", year, month);
  int64_t start = 0;
  dbn_date_parse(day, &start);
  return start;
}

/* ---- the snapshot ---- */

typedef struct {
  int64_t before;
  uint64_t last_seq;
  int64_t first_time; /* the first event's time; 0 for an empty log */
} find_time_t;

static int
find_time_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
  find_time_t *find = arg;
  Duban__Event *event;
  if (dbn_wire_event_unpack(bytes, len, &event) != 0)
    return DBN_ECORRUPT;
  int64_t time = event->time;
  dbn_wire_event_free(&event);
  if (seq == 1)
    find->first_time = time;
  if (time >= find->before)
    return 1;
  find->last_seq = seq;
  return 0;
}

/* The last event before `before`, and the first event's time. */
static int
last_seq_before(dbn_store_t *store, int64_t before, uint64_t *seq_p, int64_t *first_time_p)
{
  find_time_t find = {.before = before};
  dbn_store_txn_t *txn = NULL;
  int err = dbn_store_read_begin(store, &txn);
  if (err == 0)
    err = dbn_store_events_foreach(txn, 0, 0, find_time_one, &find);
  dbn_store_abort(&txn);
  *seq_p = find.last_seq;
  if (first_time_p)
    *first_time_p = find.first_time;
  return err;
}

/* A view of the log right after event until: the log itself when until is
 * its head, else a rebuilt scratch copy (scratch names it; "" for none). */
typedef struct {
  dbn_store_t *snapshot; /* NULL: read the log */
  char scratch[512];
} snapshot_t;

static int
snapshot_open(const dbn_report_options_t *options, uint64_t until, uint64_t head, snapshot_t *snap)
{
  memset(snap, 0, sizeof *snap);
  if (until == head)
    return 0;
  const char *tmp = options->scratch_dir ? options->scratch_dir : getenv("TMPDIR");
  snprintf(snap->scratch, sizeof snap->scratch, "%s/duban-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(snap->scratch)) {
    snap->scratch[0] = '\0';
    return DBN_EIO;
  }
  return dbn_store_rebuild_at(options->store_dir, snap->scratch, until, &snap->snapshot);
}

static void
snapshot_close(snapshot_t *snap)
{
  dbn_store_destroy(&snap->snapshot);
  if (snap->scratch[0])
    dbn_store_remove_files(snap->scratch, true);
  snap->scratch[0] = '\0';
}

/* ---- the views of one snapshot ---- */

typedef struct {
  Duban__Unit **units;
  size_t n_units;
  Duban__Task **tasks;
  size_t n_tasks;
  Duban__Escalation **escalations;
  size_t n_escalations;
} views_t;

static int
views_read(dbn_store_txn_t *txn, views_t *views)
{
  memset(views, 0, sizeof *views);
  int rc = dbn_store_units_list(txn, &views->units, &views->n_units);
  if (rc == 0)
    rc = dbn_store_tasks_list(txn, NULL, &views->tasks, &views->n_tasks);
  if (rc == 0)
    rc = dbn_store_escalations_list(txn, false, &views->escalations, &views->n_escalations);
  return rc;
}

static void
views_free(views_t *views)
{
  dbn_store_units_free(views->units, views->n_units);
  dbn_store_tasks_free(views->tasks, views->n_tasks);
  dbn_store_escalations_free(views->escalations, views->n_escalations);
  memset(views, 0, sizeof *views);
}

/* The index of the task named id in the report's tasks (in id order, as
 * the store lists them), or SIZE_MAX. */
static size_t
find_task(const dbn_report_t *report, const char *id)
{
  size_t lo = 0, hi = report->n_tasks;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = strcmp(report->tasks[mid].task->id, id ? id : "");
    if (cmp == 0)
      return mid;
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return SIZE_MAX;
}

/* ---- the rules ---- */

static int
read_rules(dbn_store_txn_t *txn, int64_t at, dbn_report_t *report, char *why, size_t why_len)
{
  char day[16];
  dbn_report_local_date(at, day);
  Duban__ScoringRules *message = NULL;
  int rc = dbn_store_scoring_rules_in_force(txn, day, &message);
  if (rc == DBN_ENOTFOUND) {
    dbn_scoring_rules_default(&report->rules);
    return 0;
  }
  if (rc)
    return rc;
  rc = dbn_scoring_rules_from_proto(message, &report->rules, why, why_len);
  if (rc == 0)
    rc = dbn_scoring_rules_check(&report->rules, why, why_len);
  if (rc == 0) {
    report->rules_loaded = true;
    snprintf(report->rules_note, sizeof report->rules_note, "%s", message->note ? message->note : "");
  }
  dbn_wire_scoring_rules_free(&message);
  return rc;
}

/* ---- tasks ---- */

static char *
copy_text(const char *text)
{
  return strdup(text ? text : "");
}

static int
describe_task(dbn_report_task_t *line, const dbn_report_t *report)
{
  const Duban__Task *task = line->task;
  line->start = dbn_task_pace_start(task);
  line->colour = dbn_task_colour(task, line->start, report->scored, &report->pace, &line->pace);
  line->figures = calloc(task->n_figures + 1, sizeof *line->figures);
  line->targets = calloc(task->n_targets + 1, sizeof *line->targets);
  if (!line->figures || !line->targets)
    return DBN_ENOMEM;
  char text[512];
  for (size_t f = 0; f < task->n_figures; f++) {
    dbn_figure_format(task->figures[f], dbn_figure_target(task, task->figures[f]), text, sizeof text);
    if (!(line->figures[line->n_figures++] = copy_text(text)))
      return DBN_ENOMEM;
  }
  for (size_t t = 0; t < task->n_targets; t++) {
    const Duban__Target *target = task->targets[t];
    dbn_quantity_t quantity;
    char amount[128] = "";
    char why[160];
    if (dbn_target_quantity(target, &quantity, why, sizeof why) == 0)
      dbn_quantity_format(&quantity, amount, sizeof amount);
    snprintf(text, sizeof text, "%s %s", target->what ? target->what : "", amount);
    if (!(line->targets[line->n_targets++] = copy_text(text)))
      return DBN_ENOMEM;
  }
  return 0;
}

/* ---- units and their scores ---- */

/* Group tasks by unit and count the escalations on them, into inputs. */
static int
group_units(dbn_report_t *report, dbn_score_input_t *inputs, const Duban__Task **tasks, int64_t *starts)
{
  size_t next = 0;
  for (size_t u = 0; u < report->n_units; u++) {
    dbn_report_unit_t *unit = &report->units[u];
    unit->tasks = calloc(report->n_tasks + 1, sizeof *unit->tasks);
    if (!unit->tasks)
      return DBN_ENOMEM;
    inputs[u] = (dbn_score_input_t){.unit = unit->code, .tasks = &tasks[next], .starts = &starts[next]};
    for (size_t t = 0; t < report->n_tasks; t++) {
      const dbn_report_task_t *line = &report->tasks[t];
      if (strcmp(line->task->unit ? line->task->unit : "", unit->code) != 0)
        continue;
      unit->tasks[unit->n_tasks++] = t;
      unit->colours[line->colour]++;
      tasks[next] = line->task;
      starts[next++] = line->start;
    }
    inputs[u].n_tasks = unit->n_tasks;
  }
  for (size_t e = 0; e < report->n_escalations; e++) {
    const dbn_report_escalation_t *esc = &report->escalations[e];
    if (esc->unit == SIZE_MAX)
      continue;
    if (esc->automatic)
      inputs[esc->unit].automatic_escalations++;
    else
      inputs[esc->unit].own_escalations++;
  }
  return 0;
}

static size_t
unit_index(const dbn_report_t *report, const char *code)
{
  for (size_t u = 0; u < report->n_units; u++)
    if (strcmp(report->units[u].code, code ? code : "") == 0)
      return u;
  return SIZE_MAX;
}

static int
collect_escalations(dbn_report_t *report, const views_t *views)
{
  report->escalations = calloc(views->n_escalations + 1, sizeof *report->escalations);
  if (!report->escalations)
    return DBN_ENOMEM;
  for (size_t e = 0; e < views->n_escalations; e++) {
    const Duban__Escalation *esc = views->escalations[e];
    size_t t = find_task(report, esc->task);
    dbn_report_escalation_t *line = &report->escalations[report->n_escalations++];
    *line = (dbn_report_escalation_t){
        .id = esc->id,
        .task_id = esc->task ? esc->task : "",
        /* One on a task a plan change cancelled counts against nobody (plan_change.h). */
        .unit = t == SIZE_MAX || report->tasks[t].task->cancelled
                    ? SIZE_MAX
                    : unit_index(report, report->tasks[t].task->unit),
        .automatic = esc->automatic,
        .open = esc->state != DUBAN__ESCALATION_STATE__ESCALATION_RESOLVED,
        .category = esc->category ? esc->category : "",
        .level_name = esc->level_name ? esc->level_name : "",
        .raised_at = esc->raised_at,
    };
    if (line->automatic)
      report->automatic_escalations++;
    else
      report->own_escalations++;
  }
  return 0;
}

static int
compare_units(const void *a_p, const void *b_p)
{
  const dbn_report_unit_t *a = a_p, *b = b_p;
  if (a->score.rank != b->score.rank)
    return a->score.rank < b->score.rank ? -1 : 1;
  return strcmp(a->code, b->code);
}

/* Score every unit (score.h), list the overdue, then order units by rank. */
static int
score_units(dbn_report_t *report)
{
  size_t n = report->n_units;
  dbn_score_input_t *inputs = calloc(n + 1, sizeof *inputs);
  dbn_score_t *scores = calloc(n + 1, sizeof *scores);
  const Duban__Task **tasks = calloc(report->n_tasks + 1, sizeof *tasks);
  int64_t *starts = calloc(report->n_tasks + 1, sizeof *starts);
  dbn_overdue_t *overdue = calloc(report->n_tasks + 1, sizeof *overdue);
  report->overdue = calloc(report->n_tasks + 1, sizeof *report->overdue);
  int rc = inputs && scores && tasks && starts && overdue && report->overdue ? 0 : DBN_ENOMEM;
  if (rc == 0)
    rc = group_units(report, inputs, tasks, starts);
  if (rc == 0)
    rc = dbn_score_departments(inputs, n, &report->rules, &report->pace, report->scored, scores);
  for (size_t u = 0; rc == 0 && u < n; u++) {
    report->units[u].score = scores[u];
    size_t count = 0;
    rc = dbn_score_overdue_list(&inputs[u], report->scored, overdue, &count);
    for (size_t i = 0; rc == 0 && i < count; i++) {
      size_t t = find_task(report, overdue[i].task->id);
      report->overdue[report->n_overdue++] = (dbn_report_overdue_t){
          .task = t, .unit = u, .days_late = overdue[i].days_late, .due_end = overdue[i].due_end};
    }
  }
  free(inputs);
  free(scores);
  free(tasks);
  free(starts);
  free(overdue);
  return rc;
}

/* Most days late first; equal days by task id, which is the tasks' order. */
static int
compare_overdue(const void *a_p, const void *b_p)
{
  const dbn_report_overdue_t *a = a_p, *b = b_p;
  if (a->days_late != b->days_late)
    return a->days_late > b->days_late ? -1 : 1;
  return (a->task > b->task) - (a->task < b->task);
}

/* Units in rank order (then code), with the indexes that name them in the
 * overdue list and the escalations moved along. */
static int
order_units(dbn_report_t *report)
{
  size_t n = report->n_units;
  dbn_report_unit_t *old = malloc((n + 1) * sizeof *old);
  size_t *moved = malloc((n + 1) * sizeof *moved);
  if (!old || !moved) {
    free(old);
    free(moved);
    return DBN_ENOMEM;
  }
  memcpy(old, report->units, n * sizeof *old);
  qsort(report->units, n, sizeof *report->units, compare_units);
  for (size_t u = 0; u < n; u++)
    for (size_t v = 0; v < n; v++)
      if (report->units[v].code == old[u].code)
        moved[u] = v;
  for (size_t i = 0; i < report->n_overdue; i++)
    report->overdue[i].unit = moved[report->overdue[i].unit];
  for (size_t e = 0; e < report->n_escalations; e++)
    if (report->escalations[e].unit != SIZE_MAX)
      report->escalations[e].unit = moved[report->escalations[e].unit];
  qsort(report->overdue, report->n_overdue, sizeof *report->overdue, compare_overdue);
  free(old);
  free(moved);
  return 0;
}

/* ---- the report at its moment ---- */

static int
fill_units(dbn_report_t *report, const views_t *views)
{
  report->units = calloc(views->n_units + 1, sizeof *report->units);
  if (!report->units)
    return DBN_ENOMEM;
  for (size_t u = 0; u < views->n_units; u++) {
    dbn_report_unit_t *unit = &report->units[report->n_units++];
    unit->code = copy_text(views->units[u]->code);
    unit->name = copy_text(views->units[u]->name && *views->units[u]->name ? views->units[u]->name
                                                                           : views->units[u]->code);
    if (!unit->code || !unit->name)
      return DBN_ENOMEM;
  }
  return 0;
}

/* Each unit's scorecard (scorecard.h), from the views before the report
 * takes their tasks: units are still in the views' order. */
static int
fill_cards(dbn_report_t *report, const views_t *views)
{
  dbn_scorecard_input_t in = {
      .units = views->units,
      .n_units = views->n_units,
      .tasks = views->tasks,
      .n_tasks = views->n_tasks,
      .escalations = views->escalations,
      .n_escalations = views->n_escalations,
  };
  dbn_scorecard_t *cards = NULL;
  size_t count = 0;
  int rc = dbn_scorecards(&in, &cards, &count);
  for (size_t u = 0; rc == 0 && u < count && u < report->n_units; u++) {
    report->units[u].card = cards[u];
    report->units[u].card.code = NULL;
    report->units[u].card.name = NULL;
  }
  if (rc == 0)
    dbn_scorecards_free(cards, count);
  return rc;
}

/* The tasks of views, taken over by the report (views keeps none, so that
 * one free releases them whatever fails after). */
static int
fill_tasks(dbn_report_t *report, views_t *views)
{
  report->tasks = calloc(views->n_tasks + 1, sizeof *report->tasks);
  if (!report->tasks)
    return DBN_ENOMEM;
  for (size_t t = 0; t < views->n_tasks; t++)
    report->tasks[t].task = views->tasks[t];
  report->n_tasks = views->n_tasks;
  free(views->tasks);
  views->tasks = NULL;
  views->n_tasks = 0;
  for (size_t t = 0; t < report->n_tasks; t++) {
    int rc = describe_task(&report->tasks[t], report);
    if (rc)
      return rc;
  }
  return 0;
}

/* Everything but the months, from the views txn reads. */
static int
build_at(dbn_report_t *report, dbn_store_txn_t *txn, char *why, size_t why_len)
{
  views_t views;
  int rc = views_read(txn, &views);
  if (rc == 0)
    rc = read_rules(txn, report->at, report, why, why_len);
  if (rc == 0)
    rc = fill_units(report, &views);
  if (rc == 0)
    rc = fill_cards(report, &views);
  if (rc == 0)
    rc = fill_tasks(report, &views);
  if (rc == 0)
    rc = collect_escalations(report, &views);
  if (rc == 0)
    rc = score_units(report);
  if (rc == 0)
    rc = order_units(report);
  /* The escalations' strings are borrowed from their views: the report
   * keeps those. */
  report->escalation_views = views.escalations;
  report->n_escalation_views = views.n_escalations;
  views.escalations = NULL;
  views.n_escalations = 0;
  views_free(&views);
  return rc;
}

/* ---- monthly colours ---- */

/* Each unit's colour in the snapshot txn reads, scored at `at`. */
static int
colours_at(const dbn_report_t *report, dbn_store_txn_t *txn, int64_t at, dbn_colour_t *colours)
{
  Duban__Task **tasks = NULL;
  size_t n_tasks = 0;
  int rc = dbn_store_tasks_list(txn, NULL, &tasks, &n_tasks);
  for (size_t u = 0; rc == 0 && u < report->n_units; u++) {
    dbn_colour_t worst = DBN_COLOUR_GREEN;
    for (size_t t = 0; t < n_tasks; t++) {
      if (strcmp(tasks[t]->unit ? tasks[t]->unit : "", report->units[u].code) != 0)
        continue;
      dbn_colour_t pair[] = {
          worst, dbn_task_colour(tasks[t], dbn_task_pace_start(tasks[t]), at, &report->pace, NULL)};
      worst = dbn_colour_rollup(pair, 2);
    }
    colours[u] = worst;
  }
  dbn_store_tasks_free(tasks, n_tasks);
  return rc;
}

/* One month's colours: the views rebuilt as they stood at its end. One
 * rebuild per month replays the log each time (O(months x events)); for
 * the few thousand events and few dozen months of a plan that is well
 * under a second, and it keeps every colour the one pace.h computes from
 * the views, with no second copy of how events change a task. */
static int
month_colours(const dbn_report_options_t *options, dbn_store_t *store, uint64_t head, dbn_report_t *report,
              dbn_report_month_t *month)
{
  uint64_t until = 0;
  month->colours = calloc(report->n_units + 1, sizeof *month->colours);
  if (!month->colours)
    return DBN_ENOMEM;
  int rc = last_seq_before(store, month->end, &until, NULL);
  if (rc || until == 0)
    return rc; /* nothing had happened: every unit green */
  snapshot_t snap;
  rc = snapshot_open(options, until, head, &snap);
  dbn_store_txn_t *txn = NULL;
  if (rc == 0)
    rc = dbn_store_read_begin(snap.snapshot ? snap.snapshot : store, &txn);
  if (rc == 0)
    rc = colours_at(report, txn, month->end == report->at ? report->scored : last_second(month->end),
                    month->colours);
  dbn_store_abort(&txn);
  snapshot_close(&snap);
  return rc;
}

static int
build_months(const dbn_report_options_t *options, dbn_store_t *store, uint64_t head, int64_t first_time,
             dbn_report_t *report)
{
  char day[16];
  int year, month, last_year, last_month;
  dbn_report_local_date(first_time, day);
  sscanf(day, "%d-%d", &year, &month);
  dbn_report_local_date(report->at, day);
  sscanf(day, "%d-%d", &last_year, &last_month);
  long count = (long)(last_year - year) * 12 + (last_month - month) + 1;
  if (count <= 0)
    return 0;
  if (count > DBN_REPORT_MAX_MONTHS) {
    long skip = count - DBN_REPORT_MAX_MONTHS;
    year += (int)((month - 1 + skip) / 12);
    month = (int)((month - 1 + skip) % 12) + 1;
    count = DBN_REPORT_MAX_MONTHS;
  }
  report->months = calloc((size_t)count, sizeof *report->months);
  if (!report->months)
    return DBN_ENOMEM;
  for (long i = 0; i < count; i++) {
    dbn_report_month_t *line = &report->months[report->n_months++];
    line->year = year;
    line->month = month;
    month = month % 12 + 1;
    year += month == 1;
    int64_t end = month_start(year, month);
    line->end = end < report->at ? end : report->at;
    int rc = month_colours(options, store, head, report, line);
    if (rc)
      return rc;
  }
  return 0;
}

/* ---- building ---- */

static void
hex(const uint8_t *bytes, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * len] = '\0';
}

/* Which event the report stands after and at what moment it scores. */
static int
choose_moment(const dbn_report_options_t *options, dbn_store_t *store, uint64_t head, uint64_t *until_p,
              int64_t *first_time_p, char *why, size_t why_len)
{
  int64_t before = options->at ? options->at : INT64_MAX;
  int rc = last_seq_before(store, before, until_p, first_time_p);
  if (rc)
    return rc;
  if (options->until_seq) {
    if (options->until_seq > head) {
      snprintf(why, why_len, "the log ends at event %llu; there is no event %llu", (unsigned long long)head,
               (unsigned long long)options->until_seq);
      return DBN_ENOTFOUND;
    }
    *until_p = options->until_seq;
  } else if (!options->at) {
    *until_p = head;
  } else if (*until_p == 0) {
    char day[16];
    /* at is the first second after the day it names. */
    dbn_report_local_date(options->at - 1, day);
    snprintf(why, why_len, "the log has no event before the end of %s (Beijing time)", day);
    return DBN_ENOTFOUND;
  }
  return 0;
}

static int
check_options(const dbn_report_options_t *options, dbn_report_t *report, char *why, size_t why_len)
{
  if (!options || !options->store_dir || !*options->store_dir) {
    snprintf(why, why_len, "the report needs the log's directory");
    return DBN_EINVAL;
  }
  if (options->at && options->until_seq) {
    snprintf(why, why_len, "say a moment or an event, not both");
    return DBN_EINVAL;
  }
  if (options->at < 0) {
    snprintf(why, why_len, "the moment must be from 1970 on");
    return DBN_EINVAL;
  }
  if (options->pace)
    report->pace = *options->pace;
  else
    dbn_pace_policy_default(&report->pace);
  return dbn_pace_policy_check(&report->pace, why, why_len);
}

/* The head, the snapshot and everything at the moment; the months last. */
static int
build(const dbn_report_options_t *options, dbn_store_t *store, dbn_report_t *report, char *why,
      size_t why_len)
{
  uint8_t hash[DBN_HASH_BYTES];
  uint64_t until = 0;
  int64_t first_time = 0;
  int rc = dbn_store_head(store, &report->log_head_seq, hash);
  if (rc == 0)
    rc = choose_moment(options, store, report->log_head_seq, &until, &first_time, why, why_len);
  snapshot_t snap = {0};
  if (rc == 0)
    rc = snapshot_open(options, until, report->log_head_seq, &snap);
  dbn_store_t *source = snap.snapshot ? snap.snapshot : store;
  dbn_store_txn_t *txn = NULL;
  if (rc == 0)
    rc = dbn_store_read_begin(source, &txn);
  if (rc == 0)
    rc = dbn_store_head(source, &report->head_seq, hash);
  if (rc == 0 && report->head_seq)
    hex(hash, sizeof hash, report->head_hash);
  report->at = options->at;
  if (rc == 0 && !options->at)
    rc = dbn_store_clock_get(txn, &report->at);
  report->scored = options->at ? last_second(report->at) : report->at;
  if (rc == 0)
    rc = build_at(report, txn, why, why_len);
  dbn_store_abort(&txn);
  snapshot_close(&snap);
  if (rc == 0 && !options->no_months && report->head_seq)
    rc = build_months(options, store, report->log_head_seq, first_time, report);
  return rc;
}

int
dbn_report_build(const dbn_report_options_t *options, dbn_report_t **report_p, char *why, size_t why_len)
{
  char ignored[8];
  if (!why || why_len == 0) {
    why = ignored;
    why_len = sizeof ignored;
  }
  *why = '\0';
  *report_p = NULL;
  dbn_report_t *report = calloc(1, sizeof *report);
  if (!report)
    return DBN_ENOMEM;
  int rc = check_options(options, report, why, why_len);
  dbn_store_t *store = NULL;
  dbn_store_options_t read_only = {.read_only = true};
  if (rc == 0 && (rc = dbn_store_open(&store, options->store_dir, &read_only)) != 0)
    snprintf(why, why_len, "cannot open the log in %s: %s", options->store_dir, dbn_strerror(rc));
  if (rc == 0)
    rc = build(options, store, report, why, why_len);
  dbn_store_destroy(&store);
  if (rc == 0 && options->verify) {
    report->verified = true;
    int err = dbn_store_verify(options->store_dir, options->scratch_dir, &report->verify);
    report->verify_ok = err == 0;
    if (err && err != DBN_ECORRUPT)
      snprintf(report->verify.problem, sizeof report->verify.problem, "%s", dbn_strerror(err));
  }
  if (rc && !*why)
    snprintf(why, why_len, "cannot build the report from %s: %s", options->store_dir, dbn_strerror(rc));
  if (rc) {
    dbn_report_free(&report);
    return rc;
  }
  *report_p = report;
  return 0;
}

static void
free_lines(char **lines, size_t count)
{
  for (size_t i = 0; lines && i < count; i++)
    free(lines[i]);
  free(lines);
}

void
dbn_report_free(dbn_report_t **report_p)
{
  dbn_report_t *report = report_p ? *report_p : NULL;
  if (!report)
    return;
  for (size_t u = 0; u < report->n_units; u++) {
    free(report->units[u].code);
    free(report->units[u].name);
    free(report->units[u].tasks);
  }
  free(report->units);
  for (size_t t = 0; t < report->n_tasks; t++) {
    duban__task__free_unpacked((Duban__Task *)report->tasks[t].task, NULL);
    free_lines(report->tasks[t].figures, report->tasks[t].n_figures);
    free_lines(report->tasks[t].targets, report->tasks[t].n_targets);
  }
  free(report->tasks);
  free(report->overdue);
  free(report->escalations);
  dbn_store_escalations_free(report->escalation_views, report->n_escalation_views);
  for (size_t m = 0; m < report->n_months; m++)
    free(report->months[m].colours);
  free(report->months);
  free(report);
  *report_p = NULL;
}

const char *const dbn_report_rank_leading[DBN_REPORT_RANK_LEADING] = {"排名", "单位", "代码", "总分", "颜色"};

const dbn_report_rank_column_t dbn_report_rank_columns[DBN_REPORT_RANK_COUNTS] = {
    {"任务数", "任务", false},
    {"按期办结", "按期办结", false},
    {"逾期办结", "逾期办结", false},
    {"逾期任务", "逾期", false},
    {"逾期天数", "逾期天数", false},
    {"逾期扣分", "逾期扣分", true},
    {"滞后序时", "滞后序时", false},
    {"主动求助", "主动求助", false},
    {"自动督办", "自动督办", false},
    {"催办", "催办", false},
    {"漏报", "漏报", false},
    {"确认节点", "确认节点", false},
    {"红", "红", false},
    {"黄", "黄", false},
    {"蓝", "蓝", false},
    {"绿", "绿", false},
};

void
dbn_report_rank_counts(const dbn_report_unit_t *unit, long long counts[DBN_REPORT_RANK_COUNTS])
{
  const dbn_score_t *s = &unit->score;
  const long long in_column_order[DBN_REPORT_RANK_COUNTS] = {s->tasks,
                                                             s->done_on_time,
                                                             s->done_late,
                                                             s->overdue_tasks,
                                                             (long long)s->overdue_days,
                                                             s->overdue_points,
                                                             s->behind_pace,
                                                             s->own_escalations,
                                                             s->automatic_escalations,
                                                             (long long)s->reminders,
                                                             s->missed_reports,
                                                             s->confirmed_milestones,
                                                             unit->colours[DBN_COLOUR_RED],
                                                             unit->colours[DBN_COLOUR_YELLOW],
                                                             unit->colours[DBN_COLOUR_BLUE],
                                                             unit->colours[DBN_COLOUR_GREEN]};
  memcpy(counts, in_column_order, sizeof in_column_order);
}
