/* replay.c: what an auditor waits for: `duban audit verify` (walk the hash
 * chain and rebuild every view in a scratch log) and `duban audit replay
 * --json` (print every event), over logs of growing size.
 *
 * The log is written here directly with the store API, in big no-sync
 * transactions (it is test data; going through a broker would take minutes
 * to make the same bytes): a plan of 64 units, a claim per task, then
 * progress reports from every unit in turn, each with its request id, as a
 * busy month would leave them. Then the built CLI runs as a child process,
 * timed, with its peak memory (VmHWM) and its peak anonymous memory, both
 * sampled from /proc: VmHWM also counts the pages of the
 * memory-mapped log it has read, which the kernel can drop at any time,
 * while anonymous memory is what the program itself holds. "Flat" replay
 * memory means the second does not grow with the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "wire.h"
#include "writer.h"

#define UNITS 64
#define CHUNK 10000
#define MAX_RUNS 64

/* The plan-loaded event of a 64-unit plan, built in place. */
struct plan_storage {
  Duban__Plan plan;
  Duban__Section section, *sections[1];
  Duban__Measure measure, *measures[1];
  Duban__Action actions[UNITS], *action_ptrs[UNITS];
  Duban__Milestone milestones[UNITS], *milestone_ptrs[UNITS];
  Duban__Unit units[UNITS], *unit_ptrs[UNITS];
  char codes[UNITS][16], names[UNITS][32], ids[UNITS][32], numbers[UNITS][8];
  char *lead[1];
  Duban__LoadPlan load;
};

static void
build_plan(struct plan_storage *s)
{
  s->plan = (Duban__Plan)DUBAN__PLAN__INIT;
  s->plan.id = "bench-1";
  s->plan.title = "duban-bench replay";
  s->plan.issued = "2024-01-01";
  s->plan.horizon = "2099-12-31";
  for (int i = 0; i < UNITS; i++) {
    snprintf(s->codes[i], sizeof s->codes[i], "B%04d", i);
    snprintf(s->names[i], sizeof s->names[i], "基准单位%04d", i);
    snprintf(s->ids[i], sizeof s->ids[i], "bench-1:1.1.%d", i + 1);
    snprintf(s->numbers[i], sizeof s->numbers[i], "%d", i + 1);
    s->units[i] = (Duban__Unit)DUBAN__UNIT__INIT;
    s->units[i].code = s->codes[i];
    s->units[i].name = s->names[i];
    s->unit_ptrs[i] = &s->units[i];
    s->milestones[i] = (Duban__Milestone)DUBAN__MILESTONE__INIT;
    s->milestones[i].due = "2099-12-31";
    s->milestones[i].text = "到2099年";
    s->milestone_ptrs[i] = &s->milestones[i];
    s->actions[i] = (Duban__Action)DUBAN__ACTION__INIT;
    s->actions[i].id = s->ids[i];
    s->actions[i].number = s->numbers[i];
    s->actions[i].text = "报告进展。";
    s->actions[i].unit = s->codes[i];
    s->actions[i].n_milestones = 1;
    s->actions[i].milestones = &s->milestone_ptrs[i];
    s->action_ptrs[i] = &s->actions[i];
  }
  s->lead[0] = s->codes[0];
  s->measure = (Duban__Measure)DUBAN__MEASURE__INIT;
  s->measure.number = "1";
  s->measure.text = "每个单位一项任务。";
  s->measure.n_lead = 1;
  s->measure.lead = s->lead;
  s->measure.n_actions = UNITS;
  s->measure.actions = s->action_ptrs;
  s->measures[0] = &s->measure;
  s->section = (Duban__Section)DUBAN__SECTION__INIT;
  s->section.number = "1";
  s->section.title = "基准";
  s->section.n_measures = 1;
  s->section.measures = s->measures;
  s->sections[0] = &s->section;
  s->plan.n_sections = 1;
  s->plan.sections = s->sections;
  s->plan.n_units = UNITS;
  s->plan.units = s->unit_ptrs;
  s->load = (Duban__LoadPlan)DUBAN__LOAD_PLAN__INIT;
  s->load.plan = &s->plan;
}

/* Append the event number seq (1-based) of the synthetic log. */
static int
append_one(dbn_store_txn_t *txn, uint64_t seq, struct plan_storage *plan)
{
  Duban__Event event = DUBAN__EVENT__INIT;
  char actor[32], task[64], id[33];
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  Duban__Request req;
  Duban__Progress progress;
  Duban__Figure figure, *figures[1];
  event.time = 1700000000 + (int64_t)(seq / 100);
  if (seq == 1) {
    dbn_wire_new_request_id(id);
    event.actor = "admin:admin";
    event.request_id = id;
    event.body_case = DUBAN__EVENT__BODY_PLAN_LOADED;
    event.plan_loaded = &plan->load;
    return dbn_store_append(txn, &event);
  }
  int unit = (int)((seq - 2) % UNITS);
  bench_unit_identity(unit, actor, sizeof actor);
  bench_unit_task(unit, task, sizeof task);
  event.actor = actor;
  if (seq < 2 + UNITS) {
    dbn_wire_new_request_id(id);
    claim.task = task;
    event.request_id = id;
    event.body_case = DUBAN__EVENT__BODY_CLAIMED;
    event.claimed = &claim;
    return dbn_store_append(txn, &event);
  }
  bench_fill_progress(&req, &progress, &figure, figures, task, id, (unsigned)seq);
  event.request_id = id;
  event.body_case = DUBAN__EVENT__BODY_PROGRESS;
  event.progress = &progress;
  return dbn_store_append(txn, &event);
}

/* Grow the log in dir to `events` events. */
static int
build_log(const char *dir, uint64_t events, const char *crypto)
{
  dbn_store_options_t options = {.no_sync = true, .map_size = (size_t)256 << 20};
  dbn_store_t *store = NULL;
  int rc = dbn_store_open(&store, dir, &options);
  char why[256];
  if (rc == 0 && (rc = dbn_store_choose_crypto(store, *crypto ? crypto : NULL, "real", why, sizeof why)))
    fprintf(stderr, "replay: %s\n", why);
  if (rc) {
    dbn_store_destroy(&store);
    return rc;
  }
  struct plan_storage *plan = calloc(1, sizeof *plan);
  build_plan(plan);
  uint64_t head = 0;
  dbn_store_head(store, &head, NULL);
  while (rc == 0 && head < events) {
    dbn_store_txn_t *txn;
    if ((rc = dbn_store_write_begin(store, &txn)))
      break;
    uint64_t until = head + CHUNK < events ? head + CHUNK : events;
    for (uint64_t seq = head + 1; rc == 0 && seq <= until; seq++)
      rc = append_one(txn, seq, plan);
    if (rc == 0) {
      rc = dbn_store_commit(&txn);
    } else {
      dbn_store_abort(&txn);
    }
    if (rc == DBN_EMAPFULL && dbn_store_grow(store) == 0) {
      rc = 0;
      continue;
    }
    if (rc == 0)
      head = until;
  }
  free(plan);
  dbn_store_destroy(&store);
  return rc;
}

static void
measure(bench_env_t *env, const bench_options_t *options, bench_report_t *report, const char *dir,
        uint64_t events)
{
  char duban[1100];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  static const char *const commands[] = {"verify", "verify --chain-only", "replay --json"};
  for (int c = 0; c < 3; c++) {
    double rate[MAX_RUNS], secs[MAX_RUNS], maxrss[MAX_RUNS], anon[MAX_RUNS];
    int status = 0;
    for (int r = 0; r < runs; r++) {
      char *verify[] = {duban, "audit", "verify", "--data", (char *)dir, NULL};
      char *chain[] = {duban, "audit", "verify", "--chain-only", "--data", (char *)dir, NULL};
      char *replay[] = {duban, "audit", "replay", "--data", (char *)dir, "--json", NULL};
      char **argv_of[] = {verify, chain, replay};
      long rss = 0, peak_anon = 0;
      status |= bench_run_child(argv_of[c], "/dev/null", &secs[r], &rss, &peak_anon);
      rate[r] = (double)events / secs[r];
      maxrss[r] = (double)rss / 1024;
      anon[r] = (double)peak_anon / 1024;
    }
    char row[96];
    snprintf(row, sizeof row, "audit %s, %llu events", commands[c], (unsigned long long)events);
    fprintf(stderr, "replay: %-40s %10.0f events/s, peak RSS %.1f MiB (anon %.1f)%s\n", row,
            bench_figure_of(rate, runs).median, bench_figure_of(maxrss, runs).median,
            bench_figure_of(anon, runs).median, status ? " FAILED" : "");
    bench_report_figure(report, "replay", row, "events/s", "", bench_figure_of(rate, runs));
    bench_report_figure(report, "replay", row, "time", "s", bench_figure_of(secs, runs));
    bench_report_figure(report, "replay", row, "peak RSS", "MiB", bench_figure_of(maxrss, runs));
    bench_report_figure(report, "replay", row, "peak anon RSS", "MiB", bench_figure_of(anon, runs));
    if (status)
      bench_report_text(report, "replay", row, "status", "the command failed");
  }
}

int
bench_replay(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  char dir[1100];
  snprintf(dir, sizeof dir, "%s/data-replay", env->root);
  /* Two sizes, ten times apart, so that memory that grows with the log
   * shows as a difference. */
  uint64_t sizes[2] = {10000, 100000};
  if (options->full) {
    sizes[0] = 100000;
    sizes[1] = 1000000;
  }
  for (int i = 0; i < 2; i++) {
    double start = bench_now();
    int rc = build_log(dir, sizes[i], env->crypto);
    if (rc) {
      fprintf(stderr, "duban-bench: cannot build the replay log: %s\n", dbn_strerror(rc));
      return -1;
    }
    fprintf(stderr, "replay: log of %llu events written in %.1f s\n", (unsigned long long)sizes[i],
            bench_now() - start);
    measure(env, options, report, dir, sizes[i]);
  }
  return 0;
}
