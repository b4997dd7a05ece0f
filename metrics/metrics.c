/* metrics.c: the registry and the text exposition format. See metrics.h.
 *
 * Families and their series are singly linked lists appended under the
 * registry's mutex and walked under it by a scrape; the values themselves
 * are atomics, so the writer never takes the mutex after creating a
 * series. A lookup walks the family's series (O(series)): callers keep the
 * pointer rather than look it up per update. */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define LABELS_MAX 512

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_type_t;

struct dbn_metric {
  struct dbn_metric *next;     /* the next series of its family */
  char labels[LABELS_MAX];     /* `kind="claim",code="ok"`, escaped; "" for none */
  _Atomic uint64_t value;      /* counter: the count; gauge: the double's bits */
  _Atomic uint64_t sum;        /* histogram: the double's bits of the sum */
  _Atomic uint64_t *buckets;   /* histogram: n_bounds + 1 counts, not cumulative */
  const struct family *family; /* borrowed */
};

struct family {
  struct family *next;
  char *name;
  char *help;
  metric_type_t type;
  double *bounds; /* histogram: increasing upper bounds, +Inf not included */
  size_t n_bounds;
  struct dbn_metric *series, **series_tail;
};

struct dbn_metrics {
  pthread_mutex_t lock;
  struct family *families, **families_tail;
};

static uint64_t
double_bits(double value)
{
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static double
bits_double(uint64_t bits)
{
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

int
dbn_metrics_new(dbn_metrics_t **metrics_p)
{
  dbn_metrics_t *metrics = calloc(1, sizeof *metrics);
  if (!metrics)
    return DBN_ENOMEM;
  pthread_mutex_init(&metrics->lock, NULL);
  metrics->families_tail = &metrics->families;
  *metrics_p = metrics;
  return 0;
}

void
dbn_metrics_destroy(dbn_metrics_t **metrics_p)
{
  if (!metrics_p || !*metrics_p)
    return;
  dbn_metrics_t *metrics = *metrics_p;
  for (struct family *f = metrics->families, *next_f; f; f = next_f) {
    next_f = f->next;
    for (struct dbn_metric *m = f->series, *next_m; m; m = next_m) {
      next_m = m->next;
      free(m->buckets);
      free(m);
    }
    free(f->name);
    free(f->help);
    free(f->bounds);
    free(f);
  }
  pthread_mutex_destroy(&metrics->lock);
  free(metrics);
  *metrics_p = NULL;
}

/* key="value",... from the NULL-terminated pairs, with \, " and newline
 * escaped as the format asks. false when it does not fit. */
static bool
format_labels(char *out, size_t out_len, va_list pairs)
{
  size_t used = 0;
  out[0] = '\0';
  for (const char *key; (key = va_arg(pairs, const char *));) {
    const char *value = va_arg(pairs, const char *);
    int n = snprintf(out + used, out_len - used, "%s%s=\"", used ? "," : "", key);
    if (n < 0 || (size_t)n >= out_len - used)
      return false;
    used += (size_t)n;
    for (const char *c = value ? value : ""; *c; c++) {
      const char *escaped = *c == '\\' ? "\\\\" : *c == '"' ? "\\\"" : *c == '\n' ? "\\n" : NULL;
      size_t len = escaped ? 2 : 1;
      if (used + len + 2 > out_len)
        return false;
      memcpy(out + used, escaped ? escaped : c, len);
      used += len;
    }
    out[used++] = '"';
    out[used] = '\0';
  }
  return true;
}

static struct family *
family_get(dbn_metrics_t *metrics, const char *name, const char *help, metric_type_t type,
           const double *bounds, size_t n_bounds)
{
  for (struct family *f = metrics->families; f; f = f->next)
    if (strcmp(f->name, name) == 0)
      return f->type == type ? f : NULL;
  struct family *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->name = strdup(name);
  f->help = strdup(help);
  f->type = type;
  f->n_bounds = n_bounds;
  f->bounds = n_bounds ? malloc(n_bounds * sizeof *bounds) : NULL;
  if (!f->name || !f->help || (n_bounds && !f->bounds)) {
    free(f->name);
    free(f->help);
    free(f->bounds);
    free(f);
    return NULL;
  }
  if (n_bounds)
    memcpy(f->bounds, bounds, n_bounds * sizeof *bounds);
  f->series_tail = &f->series;
  *metrics->families_tail = f;
  metrics->families_tail = &f->next;
  return f;
}

static dbn_metric_t *
series_get(dbn_metrics_t *metrics, const char *name, const char *help, metric_type_t type,
           const double *bounds, size_t n_bounds, va_list pairs)
{
  char labels[LABELS_MAX];
  if (!format_labels(labels, sizeof labels, pairs))
    return NULL;
  pthread_mutex_lock(&metrics->lock);
  struct family *f = family_get(metrics, name, help, type, bounds, n_bounds);
  dbn_metric_t *m = NULL;
  for (m = f ? f->series : NULL; m; m = m->next)
    if (strcmp(m->labels, labels) == 0)
      break;
  if (f && !m && (m = calloc(1, sizeof *m))) {
    memcpy(m->labels, labels, sizeof labels);
    m->family = f;
    if (type == METRIC_HISTOGRAM && !(m->buckets = calloc(f->n_bounds + 1, sizeof *m->buckets))) {
      free(m);
      m = NULL;
    } else {
      *f->series_tail = m;
      f->series_tail = &m->next;
    }
  }
  pthread_mutex_unlock(&metrics->lock);
  return m;
}

dbn_metric_t *
dbn_metrics_counter(dbn_metrics_t *metrics, const char *name, const char *help, ...)
{
  va_list pairs;
  va_start(pairs, help);
  dbn_metric_t *m = series_get(metrics, name, help, METRIC_COUNTER, NULL, 0, pairs);
  va_end(pairs);
  return m;
}

dbn_metric_t *
dbn_metrics_gauge(dbn_metrics_t *metrics, const char *name, const char *help, ...)
{
  va_list pairs;
  va_start(pairs, help);
  dbn_metric_t *m = series_get(metrics, name, help, METRIC_GAUGE, NULL, 0, pairs);
  va_end(pairs);
  return m;
}

dbn_metric_t *
dbn_metrics_histogram(dbn_metrics_t *metrics, const char *name, const char *help, const double *bounds,
                      size_t n_bounds, ...)
{
  va_list pairs;
  va_start(pairs, n_bounds);
  dbn_metric_t *m = series_get(metrics, name, help, METRIC_HISTOGRAM, bounds, n_bounds, pairs);
  va_end(pairs);
  return m;
}

/* One writer per series: a load and a store, not a read-modify-write. */
void
dbn_metric_add(dbn_metric_t *counter, uint64_t n)
{
  if (counter)
    atomic_store_explicit(&counter->value, atomic_load_explicit(&counter->value, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void
dbn_metric_set(dbn_metric_t *gauge, double value)
{
  if (gauge)
    atomic_store_explicit(&gauge->value, double_bits(value), memory_order_relaxed);
}

void
dbn_metric_observe(dbn_metric_t *histogram, double value)
{
  if (!histogram)
    return;
  const struct family *f = histogram->family;
  size_t i = 0;
  while (i < f->n_bounds && value > f->bounds[i])
    i++;
  _Atomic uint64_t *bucket = &histogram->buckets[i];
  atomic_store_explicit(bucket, atomic_load_explicit(bucket, memory_order_relaxed) + 1, memory_order_relaxed);
  double sum = bits_double(atomic_load_explicit(&histogram->sum, memory_order_relaxed));
  atomic_store_explicit(&histogram->sum, double_bits(sum + value), memory_order_relaxed);
}

double
dbn_metric_value(const dbn_metric_t *metric)
{
  uint64_t bits = atomic_load_explicit(&metric->value, memory_order_relaxed);
  return metric->family->type == METRIC_COUNTER ? (double)bits : bits_double(bits);
}

/* ---- the text format ---- */

/* A number as Prometheus reads it: integers without a fraction, others
 * with enough digits, and its words for the infinities and NaN. */
static void
put_number(FILE *out, double value)
{
  if (isnan(value))
    fputs("NaN", out);
  else if (isinf(value))
    fputs(value > 0 ? "+Inf" : "-Inf", out);
  else if (value == floor(value) && fabs(value) < 9007199254740992.0)
    fprintf(out, "%.0f", value);
  else
    fprintf(out, "%.9g", value);
}

/* name{labels[,extra]} */
static void
put_series_name(FILE *out, const char *name, const char *suffix, const char *labels, const char *extra)
{
  fprintf(out, "%s%s", name, suffix);
  if (*labels || extra)
    fprintf(out, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
  fputc(' ', out);
}

static void
render_histogram(FILE *out, const struct family *f, const dbn_metric_t *m)
{
  /* The buckets are read once each, and the count is their total, so that
   * a scrape's +Inf bucket and _count agree even while observations come. */
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= f->n_bounds; i++) {
    cumulative += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
    char le[48];
    if (i < f->n_bounds)
      snprintf(le, sizeof le, "le=\"%.9g\"", f->bounds[i]);
    else
      snprintf(le, sizeof le, "le=\"+Inf\"");
    put_series_name(out, f->name, "_bucket", m->labels, le);
    fprintf(out, "%llu\n", (unsigned long long)cumulative);
  }
  put_series_name(out, f->name, "_sum", m->labels, NULL);
  put_number(out, bits_double(atomic_load_explicit(&m->sum, memory_order_relaxed)));
  fputc('\n', out);
  put_series_name(out, f->name, "_count", m->labels, NULL);
  fprintf(out, "%llu\n", (unsigned long long)cumulative);
}

int
dbn_metrics_render(dbn_metrics_t *metrics, char **text_p, size_t *len_p)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  if (!out)
    return DBN_ENOMEM;
  static const char *const type_names[] = {"counter", "gauge", "histogram"};
  pthread_mutex_lock(&metrics->lock);
  for (const struct family *f = metrics->families; f; f = f->next) {
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, type_names[f->type]);
    for (const dbn_metric_t *m = f->series; m; m = m->next) {
      if (f->type == METRIC_HISTOGRAM) {
        render_histogram(out, f, m);
        continue;
      }
      put_series_name(out, f->name, "", m->labels, NULL);
      put_number(out, dbn_metric_value(m));
      fputc('\n', out);
    }
  }
  pthread_mutex_unlock(&metrics->lock);
  if (fclose(out) != 0) {
    free(text);
    return DBN_ENOMEM;
  }
  *text_p = text;
  *len_p = len;
  return 0;
}
