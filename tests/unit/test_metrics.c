/* test_metrics.c: the registry and the text format (metrics/metrics.h):
 * label values escaped, one family header for many series, histogram
 * buckets cumulative with +Inf equal to _count, a name reused with another
 * type refused, and the HTTP endpoint serving exactly that text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "metrics.h"

static char *
render(dbn_metrics_t *metrics)
{
  char *text;
  size_t len;
  assert_int_equal(dbn_metrics_render(metrics, &text, &len), 0);
  assert_int_equal(strlen(text), len);
  return text;
}

static void
test_counters_and_labels(void **state)
{
  (void)state;
  dbn_metrics_t *metrics;
  assert_int_equal(dbn_metrics_new(&metrics), 0);
  dbn_metric_t *ok = dbn_metrics_counter(metrics, "x_total", "请求", "kind", "claim", "code", "ok", NULL);
  dbn_metric_t *odd =
      dbn_metrics_counter(metrics, "x_total", "ignored", "kind", "a\"b\\c\nd", "code", "ok", NULL);
  assert_non_null(ok);
  assert_non_null(odd);
  assert_ptr_equal(dbn_metrics_counter(metrics, "x_total", "", "kind", "claim", "code", "ok", NULL), ok);
  assert_null(dbn_metrics_gauge(metrics, "x_total", "another type", NULL));
  dbn_metric_add(ok, 5);
  dbn_metric_add(odd, 1);
  dbn_metric_add(NULL, 1); /* metrics off */
  assert_true(dbn_metric_value(ok) == 5);
  dbn_metric_t *gauge = dbn_metrics_gauge(metrics, "y", "大小", NULL);
  dbn_metric_set(gauge, 0.25);
  char *text = render(metrics);
  const char *want = "# HELP x_total 请求\n# TYPE x_total counter\n"
                     "x_total{kind=\"claim\",code=\"ok\"} 5\n"
                     "x_total{kind=\"a\\\"b\\\\c\\nd\",code=\"ok\"} 1\n"
                     "# HELP y 大小\n# TYPE y gauge\ny 0.25\n";
  assert_string_equal(text, want);
  free(text);
  dbn_metrics_destroy(&metrics);
  assert_null(metrics);
}

static void
test_histogram(void **state)
{
  (void)state;
  dbn_metrics_t *metrics;
  assert_int_equal(dbn_metrics_new(&metrics), 0);
  const double bounds[] = {1, 10};
  dbn_metric_t *h = dbn_metrics_histogram(metrics, "z_seconds", "耗时", bounds, 2, NULL);
  const double observed[] = {0.5, 1, 3, 10, 11, 100};
  for (size_t i = 0; i < sizeof observed / sizeof observed[0]; i++)
    dbn_metric_observe(h, observed[i]);
  char *text = render(metrics);
  const char *want = "# HELP z_seconds 耗时\n# TYPE z_seconds histogram\n"
                     "z_seconds_bucket{le=\"1\"} 2\n"
                     "z_seconds_bucket{le=\"10\"} 4\n"
                     "z_seconds_bucket{le=\"+Inf\"} 6\n"
                     "z_seconds_sum 125.5\n"
                     "z_seconds_count 6\n";
  assert_string_equal(text, want);
  free(text);
  dbn_metrics_destroy(&metrics);
}

/* The endpoint serves the render; another path is 404; a name is refused. */
static void
test_server(void **state)
{
  (void)state;
  dbn_metrics_t *metrics;
  assert_int_equal(dbn_metrics_new(&metrics), 0);
  dbn_metric_add(dbn_metrics_counter(metrics, "served_total", "次数", NULL), 3);
  dbn_metrics_server_t *server = NULL;
  assert_int_equal(dbn_metrics_server_new(&server, metrics, "localhost:9"), DBN_EINVAL);
  assert_int_equal(dbn_metrics_server_new(&server, metrics, "127.0.0.1"), DBN_EINVAL);
  assert_int_equal(dbn_metrics_server_new(&server, metrics, "127.0.0.1:0"), 0);
  unsigned port = dbn_metrics_server_port(server);
  assert_true(port > 0);
  char command[128], body[256] = "";
  snprintf(command, sizeof command, "curl -sf http://127.0.0.1:%u/metrics", port);
  FILE *curl = popen(command, "r");
  assert_non_null(curl);
  size_t got = fread(body, 1, sizeof body - 1, curl);
  body[got] = '\0';
  assert_int_equal(pclose(curl), 0);
  assert_string_equal(body, "# HELP served_total 次数\n# TYPE served_total counter\nserved_total 3\n");
  snprintf(command, sizeof command, "curl -s -o /dev/null -w %%{http_code} http://127.0.0.1:%u/other", port);
  curl = popen(command, "r");
  got = fread(body, 1, sizeof body - 1, curl);
  body[got] = '\0';
  pclose(curl);
  assert_string_equal(body, "404");
  dbn_metrics_server_destroy(&server);
  assert_null(server);
  dbn_metrics_destroy(&metrics);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counters_and_labels),
      cmocka_unit_test(test_histogram),
      cmocka_unit_test(test_server),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
