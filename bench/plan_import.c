/* plan_import.c: time to read a plan document into duban's JSON.
 *
 * Runs the built `duban plan import FILE` (stdout to /dev/null, the
 * importer's report of doubtful lines to /dev/null too) as a child
 * process, as an administrator would: on the seed document (or
 * --plan-text), then on a 1,000-task document in the seed's layout that
 * tests/tools/make_big_plan.py writes into the bench's folder. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define MAX_RUNS 64
#define BIG_TASKS "1000"

/* Import file runs times; its time and peak RSS under label. */
static int
time_import(bench_env_t *env, const char *file, const char *label, int runs, bench_report_t *report)
{
  char duban[1100];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  double secs[MAX_RUNS], rss[MAX_RUNS];
  for (int r = 0; r < runs; r++) {
    char *argv[] = {duban, "plan", "import", (char *)file, NULL};
    long maxrss = 0;
    int status = bench_run_child(argv, "/dev/null", &secs[r], &maxrss, NULL);
    if (status != 0) {
      fprintf(stderr, "duban-bench: `duban plan import %s` failed (status %d)\n", file, status);
      return -1;
    }
    secs[r] *= 1e3;
    rss[r] = (double)maxrss / 1024;
  }
  bench_report_figure(report, "plan import", label, "time", "ms", bench_figure_of(secs, runs));
  bench_report_figure(report, "plan import", label, "peak RSS", "MiB", bench_figure_of(rss, runs));
  return 0;
}

int
bench_plan_import(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  char file[1100], script[1100], big[PATH_MAX + 16];
  if (options->import_file)
    snprintf(file, sizeof file, "%s", options->import_file);
  else
    snprintf(file, sizeof file, "%s/examples/plans/ordos-2023-58.txt", env->source_dir);
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  const char *slash = strrchr(file, '/');
  if (time_import(env, file, slash ? slash + 1 : file, runs, report) != 0)
    return -1;
  snprintf(script, sizeof script, "%s/tests/tools/make_big_plan.py", env->source_dir);
  snprintf(big, sizeof big, "%s/plan-" BIG_TASKS ".txt", env->root);
  char *argv[] = {"/usr/bin/env", "python3", script, big, BIG_TASKS, NULL};
  double secs = 0;
  if (bench_run_child(argv, "/dev/null", &secs, NULL, NULL) != 0) {
    fprintf(stderr, "duban-bench: %s could not write the " BIG_TASKS "-task document; skipped\n", script);
    return 0;
  }
  return time_import(env, big, BIG_TASKS " tasks (make_big_plan.py)", runs, report);
}
