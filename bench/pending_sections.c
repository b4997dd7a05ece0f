/* pending_sections.c: sections of duban-bench not written yet; each says
 * so and reports nothing. Removed as the sections land. */
#include <stdio.h>

#include "bench.h"

int
bench_watch(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  (void)env, (void)options, (void)report;
  return 0;
}
int
bench_connections(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  (void)env, (void)options, (void)report;
  return 0;
}
int
bench_plan_import(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  (void)env, (void)options, (void)report;
  return 0;
}
void
bench_targets(bench_report_t *report)
{
  (void)report;
}
