/* bench_main.c: `duban-bench`, the benchmark of a whole duban broker.
 *
 * Reads the flags, raises the file-descriptor limit (1,000 agents are
 * 1,000 sockets here and 1,000 connections in the broker, which inherits
 * the limit), builds the environment (keys, plan), runs the sections in
 * order, and prints one table per section (or JSON with --json). Progress
 * goes to stderr. Benchmarks print figures; they never fail because a
 * machine is slow: the exit status is non-zero only when a section could
 * not run at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "store.h"
#include "version.h"
#include "wire.h"

static const char usage[] =
    "usage: duban-bench [--quick | --full] [--only NAME] [--runs N] [--signed] [--peers] [--crypto sm] "
    "[--rounds N] [--json]\n"
    "\n"
    "Start duban-broker (found next to this program) on a temporary folder with\n"
    "real CURVE keys and measure it. Every figure is the median of the runs,\n"
    "with [min-max]. The bench and the broker share this machine's cores.\n"
    "\n"
    "  --quick        the whole run in about a minute (short runs, 100,000-event log; the\n"
    "                 replicated section, where etcd is installed, adds about 30 s)\n"
    "  --full         longer runs and a 1,000,000-event log (default: between)\n"
    "  --only NAME    one section: disk, ingest, replay, watch, connections, import, replicated\n"
    "  --runs N       runs per figure (default 3, --full 5)\n"
    "  --seconds S    length of one ingest or watch run (default 0.25 quick, 1 normal, 2 full)\n"
    "  --plan-text F  the document for the import section (default examples/plans/ordos-2023-58.txt)\n"
    "  --signed       ingest also with every report signed by its department\n"
    "  --peers        the ingest cells also against Redis Streams (appendfsync always, TLS), side by side\n"
    "  --crypto sm    every log and key of the 国密 profile (SM3 chain, SM2 signatures)\n"
    "  --rounds N     failovers in the replicated section (default 10, --quick 3); it starts three etcd\n"
    "                 members and two brokers itself, and is skipped when etcd is not installed\n"
    "  --json         results as JSON on stdout (the table goes to stderr)\n"
    "  --version      the version, the wire protocol's and the log format's\n"
    "  --help         this text\n";

static const char *const sections[] = {"disk",        "ingest", "replay",    "watch",
                                       "connections", "import", "replicated"};

static bool
wanted(const bench_options_t *options, const char *name)
{
  return !options->only || strcmp(options->only, name) == 0;
}

static void
describe_machine(char *out, size_t len)
{
  char model[128] = "unknown CPU", line[256];
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "model name", 10) == 0) {
        char *colon = strchr(line, ':');
        if (colon) {
          snprintf(model, sizeof model, "%s", colon + 2);
          model[strcspn(model, "\n")] = '\0';
        }
        break;
      }
    fclose(f);
  }
  struct utsname u;
  uname(&u);
  snprintf(out, len, "%ld cores, %s, Linux %s", sysconf(_SC_NPROCESSORS_ONLN), model, u.release);
}

int
main(int argc, char **argv)
{
  bench_options_t options = {.runs = 0};
  double seconds = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--quick") == 0)
      options.quick = true;
    else if (strcmp(a, "--full") == 0)
      options.full = true;
    else if (strcmp(a, "--json") == 0)
      options.json = true;
    else if (strcmp(a, "--signed") == 0)
      options.sign = true;
    else if (strcmp(a, "--peers") == 0)
      options.peers = true;
    else if (strcmp(a, "--crypto") == 0 && i + 1 < argc)
      options.crypto = argv[++i];
    else if (strcmp(a, "--only") == 0 && i + 1 < argc)
      options.only = argv[++i];
    else if (strcmp(a, "--rounds") == 0 && i + 1 < argc)
      options.rounds = atoi(argv[++i]);
    else if (strcmp(a, "--runs") == 0 && i + 1 < argc)
      options.runs = atoi(argv[++i]);
    else if (strcmp(a, "--seconds") == 0 && i + 1 < argc)
      seconds = atof(argv[++i]);
    else if (strcmp(a, "--plan-text") == 0 && i + 1 < argc)
      options.import_file = argv[++i];
    else if (strcmp(a, "--version") == 0) {
      dbn_version_print("duban-bench", DBN_PROTOCOL_VERSION, DBN_LOG_FORMAT_VERSION);
      return 0;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    } else {
      fprintf(stderr, "duban-bench: unknown %s '%s'\n%s", a[0] == '-' ? "option" : "argument", a, usage);
      return 2;
    }
  }
  if (options.quick && options.full) {
    fprintf(stderr, "duban-bench: --quick or --full, not both\n");
    return 2;
  }
  if (options.only) {
    bool known = false;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
      known |= strcmp(options.only, sections[i]) == 0;
    if (!known) {
      fprintf(stderr, "duban-bench: no section '%s'\n%s", options.only, usage);
      return 2;
    }
  }
  if (options.runs <= 0)
    options.runs = options.full ? 5 : 3;
  if (options.rounds <= 0)
    options.rounds = options.quick ? 3 : 10;
  options.run_seconds = seconds > 0 ? seconds : options.quick ? 0.25 : options.full ? 2.0 : 1.0;

  /* The broker is our child and inherits the limit. */
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  bench_env_t env;
  double started = bench_now();
  if (bench_env_init(&env, 1000, 100, options.crypto) != 0) {
    bench_env_fini(&env);
    return 1;
  }
  char machine[512];
  describe_machine(machine, sizeof machine);
  fprintf(stderr, "duban-bench: %s; %s mode, %d runs per figure; keys and plan in %.1f s\n", machine,
          options.quick  ? "quick"
          : options.full ? "full"
                         : "normal",
          options.runs, bench_now() - started);

  bench_report_t *report = bench_report_new();
  int failed = 0;
  /* The disk floor first: ingest prints its rates as multiples of it. */
  if ((wanted(&options, "disk") || wanted(&options, "ingest")) && bench_disk_floor(&env, &options, report))
    failed++;
  if (wanted(&options, "ingest") && bench_ingest(&env, &options, report))
    failed++;
  if (wanted(&options, "ingest") && options.peers && bench_peers(&env, &options, report))
    failed++;
  if (wanted(&options, "replay") && bench_replay(&env, &options, report))
    failed++;
  if (wanted(&options, "watch") && bench_watch(&env, &options, report))
    failed++;
  if (wanted(&options, "connections") && bench_connections(&env, &options, report))
    failed++;
  if (wanted(&options, "import") && bench_plan_import(&env, &options, report))
    failed++;
  if (wanted(&options, "replicated") && bench_replicated(&env, &options, report))
    failed++;
  bench_targets(report);

  FILE *table = options.json ? stderr : stdout;
  fprintf(table,
          "\nduban-bench on %s; %s mode; median [min-max] of %d runs; bench and broker share the cores\n",
          machine,
          options.quick  ? "quick"
          : options.full ? "full"
                         : "normal",
          options.runs);
  bench_report_print_table(report, table);
  if (options.json)
    bench_report_print_json(report, stdout, machine);
  fprintf(stderr, "\nduban-bench: done in %.1f s%s\n", bench_now() - started,
          failed ? "; some sections could not run (see above)" : "");
  bench_report_destroy(&report);
  bench_env_fini(&env);
  return failed ? 1 : 0;
}
