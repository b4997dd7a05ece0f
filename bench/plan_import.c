/* plan_import.c: time to read the seed plan document into duban's JSON.
 *
 * Runs the built `duban plan import examples/plans/ordos-2023-58.txt`
 * (stdout to /dev/null, the importer's report of doubtful lines to
 * /dev/null too) as a child process, as an administrator would. */
#include <stdio.h>

#include "bench.h"

#define MAX_RUNS 64

int
bench_plan_import(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  char duban[1100], file[1100];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  if (options->import_file)
    snprintf(file, sizeof file, "%s", options->import_file);
  else
    snprintf(file, sizeof file, "%s/examples/plans/ordos-2023-58.txt", env->source_dir);
  int runs = options->runs < MAX_RUNS ? options->runs : MAX_RUNS;
  double secs[MAX_RUNS], rss[MAX_RUNS];
  for (int r = 0; r < runs; r++) {
    char *argv[] = {duban, "plan", "import", file, NULL};
    long maxrss = 0;
    int status = bench_run_child(argv, "/dev/null", &secs[r], &maxrss, NULL);
    if (status != 0) {
      fprintf(stderr, "duban-bench: `duban plan import %s` failed (status %d)\n", file, status);
      return -1;
    }
    secs[r] *= 1e3;
    rss[r] = (double)maxrss / 1024;
  }
  bench_report_figure(report, "plan import", "ordos-2023-58.txt", "time", "ms", bench_figure_of(secs, runs));
  bench_report_figure(report, "plan import", "ordos-2023-58.txt", "peak RSS", "MiB",
                      bench_figure_of(rss, runs));
  return 0;
}
