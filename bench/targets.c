/* targets.c: the targets, checked against this run's figures.
 *
 * Each target is read as a ratio or a threshold on medians measured in the
 * same invocation, and printed as met or missed with the figure and the
 * gap. A target whose figures were not measured (a section left out with
 * --only) is skipped. Nothing here fails the program: a slow machine gets
 * a "missed", not an error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void verdict(bench_report_t *report, const char *target, bool met, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static void
verdict(bench_report_t *report, const char *target, bool met, const char *format, ...)
{
  char text[160];
  va_list args;
  va_start(args, format);
  vsnprintf(text, sizeof text, format, args);
  va_end(args);
  bench_report_text(report, "targets", target, "measured", text);
  bench_report_text(report, "targets", target, "verdict", met ? "met" : "MISSED");
}

static bool
get(bench_report_t *report, const char *section, const char *row, const char *column, double *out)
{
  bench_figure_t f;
  if (!bench_report_get(report, section, row, column, &f))
    return false;
  *out = f.median;
  return true;
}

void
bench_targets(bench_report_t *report)
{
  char group64[128], single64[128], nosync64[128], group8[128];
  bench_ingest_row(group64, sizeof group64, "group commit", 64, 32);
  bench_ingest_row(single64, sizeof single64, "commit every request", 64, 32);
  bench_ingest_row(nosync64, sizeof nosync64, "not durable (no sync)", 64, 32);
  bench_ingest_row(group8, sizeof group8, "group commit", 8, 1);
  double g, s, n, p99;
  if (get(report, "ingest", group64, "acks/s", &g) && get(report, "ingest", single64, "acks/s", &s) && s > 0)
    verdict(report, "group commit >= 30x commit-every-request, 64 agents", g / s >= 30, "%.1fx (%.0f acks/s)",
            g / s, g);
  if (get(report, "ingest", group64, "acks/s", &g) && get(report, "ingest", nosync64, "acks/s", &n) && n > 0)
    verdict(report, "durable >= 1/2 of not durable, 64 agents", g / n >= 0.5, "%.2f of %.0f acks/s", g / n,
            n);
  if (get(report, "ingest", group64, "acks/s", &g))
    verdict(report, ">= 100,000 durable acks/s, 64 agents", g >= 100000, "%.0f acks/s (%.0f%% of target)", g,
            g / 1000);
  if (get(report, "ingest", group8, "p99", &p99))
    verdict(report, "p99 < 5 ms, 8 agents (W=1)", p99 < 5, "%.2f ms", p99);

  /* Verify: the largest log measured. */
  double rate = 0, chain_rate = 0, anon_small = 0, anon_large = 0;
  const char *sizes[] = {"10000", "100000", "1000000"};
  char verify_row[96], chain_row[96], replay_row[96];
  int found = 0;
  for (int i = 0; i < 3; i++) {
    double r, a;
    snprintf(verify_row, sizeof verify_row, "audit verify, %s events", sizes[i]);
    snprintf(chain_row, sizeof chain_row, "audit verify --chain-only, %s events", sizes[i]);
    snprintf(replay_row, sizeof replay_row, "audit replay --json, %s events", sizes[i]);
    if (get(report, "replay", verify_row, "events/s", &r))
      rate = r;
    if (get(report, "replay", chain_row, "events/s", &r))
      chain_rate = r;
    if (get(report, "replay", replay_row, "peak anon RSS", &a)) {
      if (found++ == 0)
        anon_small = a;
      anon_large = a;
    }
  }
  if (chain_rate > 0)
    verdict(report, "audit verify --chain-only >= 1,000,000 events/s", chain_rate >= 1e6,
            "%.0f events/s (%.0f%% of target)", chain_rate, chain_rate / 1e4);
  if (rate > 0)
    verdict(report, "audit verify (rebuilding every view) >= 1,000,000 events/s", rate >= 1e6,
            "%.0f events/s (%.0f%% of target)", rate, rate / 1e4);
  if (found >= 2)
    verdict(report, "replay memory flat (10x the log)", anon_large <= anon_small * 2 + 1,
            "anon RSS %.1f -> %.1f MiB", anon_small, anon_large);

  double delivery, alone, watched;
  if (get(report, "watch", "8 agents, W=32, 100 watchers", "delivery p99", &delivery))
    verdict(report, "watch delivery p99 < 10 ms", delivery < 10, "%.2f ms", delivery);
  if (get(report, "watch", "8 agents, W=32, no watchers", "writer acks/s", &alone) &&
      get(report, "watch", "8 agents, W=32, 100 watchers", "writer acks/s", &watched) && alone > 0)
    verdict(report, "writers slowed < 20% by 100 watchers", 1 - watched / alone < 0.2,
            "%.0f%% slower (%.0f acks/s)", (1 - watched / alone) * 100, watched);

  double per_agent;
  if (get(report, "connections", "1000 idle agents (CURVE, own keys)", "per agent", &per_agent))
    verdict(report, "< 64 KiB broker memory per idle agent", per_agent < 64, "%.1f KiB", per_agent);
}
