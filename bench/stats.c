/* stats.c: the clock and the arithmetic of duban-bench's figures.
 *
 * Latencies are kept as raw samples (seconds) and turned into quantiles by
 * nearest rank after sorting: exact, and cheap enough for the few million
 * samples a run produces. A figure is the median of per-run values with
 * their min and max, so one noisy run on a shared 2-core machine shows as
 * a wide range instead of moving the headline number. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double
bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_samples_add(bench_samples_t *samples, double value)
{
  if (samples->count == samples->capacity) {
    size_t capacity = samples->capacity ? samples->capacity * 2 : 4096;
    double *grown = realloc(samples->values, capacity * sizeof *grown);
    if (!grown)
      return; /* a lost sample is better than a lost benchmark */
    samples->values = grown;
    samples->capacity = capacity;
  }
  samples->values[samples->count++] = value;
}

void
bench_samples_merge(bench_samples_t *samples, const bench_samples_t *other)
{
  for (size_t i = 0; i < other->count; i++)
    bench_samples_add(samples, other->values[i]);
}

static int
compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double
bench_samples_quantile(bench_samples_t *samples, double q)
{
  if (samples->count == 0)
    return 0;
  qsort(samples->values, samples->count, sizeof *samples->values, compare_doubles);
  size_t rank = (size_t)(q * (double)samples->count + 0.5);
  if (rank < 1)
    rank = 1;
  if (rank > samples->count)
    rank = samples->count;
  return samples->values[rank - 1];
}

void
bench_samples_free(bench_samples_t *samples)
{
  free(samples->values);
  memset(samples, 0, sizeof *samples);
}

bench_figure_t
bench_figure_of(const double *values, int n)
{
  bench_figure_t figure = {0, 0, 0, n};
  if (n <= 0)
    return figure;
  double *sorted = malloc((size_t)n * sizeof *sorted);
  if (!sorted)
    return figure;
  memcpy(sorted, values, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
  figure.min = sorted[0];
  figure.max = sorted[n - 1];
  figure.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  free(sorted);
  return figure;
}
