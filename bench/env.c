/* env.c: the world a benchmark runs in: a temporary folder with a
 * generated plan and real CURVE keys, and the broker under test as a child
 * process.
 *
 * The plan has one unit and one task per simulated agent (unit:B0000 owns
 * bench-1:1.1.1, and so on), so that agents never contend on one task and
 * what is measured is the broker, not a queue of writers on one record.
 * Keys come from the built `duban keygen` exactly as a deployment makes
 * them; the broker is the built duban-broker found next to this program,
 * started with fork/exec on a fresh data folder per configuration, and the
 * plan is loaded with the built `duban plan load`. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <zmq.h>

#include "bench.h"

#ifndef DUBAN_SOURCE_DIR
#define DUBAN_SOURCE_DIR "."
#endif

#define PLAN_ID "bench-1"

void
bench_unit_identity(int i, char *out, size_t len)
{
  snprintf(out, len, "unit:B%04d", i);
}

void
bench_unit_task(int i, char *out, size_t len)
{
  snprintf(out, len, "%s:1.1.%d", PLAN_ID, i + 1);
}

static int
write_plan(const char *path, int units)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fprintf(f,
          "{\"format\": \"duban-plan/1\", \"id\": \"%s\", \"document\": \"基准〔2024〕1号\",\n"
          " \"title\": \"duban-bench 生成的方案\", \"issued\": \"2024-01-01\", \"horizon\": \"2099-12-31\",\n"
          " \"units\": [\n",
          PLAN_ID);
  for (int i = 0; i < units; i++)
    fprintf(f, "  {\"code\": \"B%04d\", \"name\": \"基准单位%04d\", \"aliases\": []}%s\n", i, i,
            i + 1 < units ? "," : "");
  fprintf(
      f, " ],\n \"sections\": [{\"number\": \"1\", \"title\": \"基准\", \"measures\": [\n"
         "  {\"number\": \"1\", \"text\": \"每个单位一项任务。\", \"lead\": [\"B0000\"], \"cooperating\": [],"
         " \"source_line\": 1, \"actions\": [\n");
  for (int i = 0; i < units; i++)
    fprintf(f,
            "   {\"id\": \"%s:1.1.%d\", \"number\": \"%d\", \"text\": \"报告进展。\", \"unit\": \"B%04d\","
            " \"milestones\": [{\"due\": \"2099-12-31\", \"text\": \"到2099年\", \"inherited\": false}],"
            " \"targets\": [{\"value\": 100, \"unit_of_measure\": \"个\", \"what\": \"事项\"}], "
            "\"source_line\": %d}%s\n",
            PLAN_ID, i + 1, i + 1, i, i + 2, i + 1 < units ? "," : "");
  fprintf(f, "  ]}]}]}\n");
  return fclose(f) == 0 ? 0 : -1;
}

static void
remove_tree(const char *path)
{
  char *argv[] = {"rm", "-rf", (char *)path, NULL};
  pid_t pid = fork();
  if (pid == 0) {
    execvp("rm", argv);
    _exit(127);
  }
  if (pid > 0)
    waitpid(pid, NULL, 0);
}

int
bench_env_init(bench_env_t *env, int units, int coordinators, const char *crypto)
{
  memset(env, 0, sizeof *env);
  snprintf(env->crypto, sizeof env->crypto, "%s", crypto ? crypto : "");
  env->units = units;
  env->coordinators = coordinators;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "duban-bench: cannot read /proc/self/exe\n");
    return -1;
  }
  exe[n] = '\0';
  snprintf(env->bin_dir, sizeof env->bin_dir, "%s", dirname(exe));
  snprintf(env->source_dir, sizeof env->source_dir, "%s", DUBAN_SOURCE_DIR);
  const char *tmp = getenv("TMPDIR");
  snprintf(env->root, sizeof env->root, "%s/duban-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(env->root)) {
    fprintf(stderr, "duban-bench: cannot make a temporary folder: %s\n", strerror(errno));
    return -1;
  }
  snprintf(env->keys, sizeof env->keys, "%s/keys", env->root);
  snprintf(env->plan, sizeof env->plan, "%s/plan.json", env->root);
  if (write_plan(env->plan, units) != 0) {
    fprintf(stderr, "duban-bench: cannot write %s\n", env->plan);
    return -1;
  }

  /* duban keygen --dir KEYS --plan PLAN coordinator:w000 ... */
  int argc = 0;
  char **argv = calloc((size_t)coordinators + 10, sizeof *argv);
  char duban[PATH_MAX + 8];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  argv[argc++] = duban;
  argv[argc++] = "keygen";
  argv[argc++] = "--dir";
  argv[argc++] = env->keys;
  argv[argc++] = "--plan";
  argv[argc++] = env->plan;
  if (env->crypto[0]) {
    argv[argc++] = "--crypto";
    argv[argc++] = env->crypto;
  }
  int first_named = argc;
  for (int i = 0; i < coordinators; i++) {
    argv[argc] = malloc(32);
    snprintf(argv[argc++], 32, "coordinator:w%03d", i);
  }
  double seconds;
  int status = bench_run_child(argv, "/dev/null", &seconds, NULL, NULL);
  for (int i = first_named; i < argc; i++)
    free(argv[i]);
  free(argv);
  if (status != 0) {
    fprintf(stderr, "duban-bench: `duban keygen` failed (status %d)\n", status);
    return -1;
  }
  char broker_key[PATH_MAX + 16];
  snprintf(broker_key, sizeof broker_key, "%s/broker.key", env->keys);
  zcert_t *cert = zcert_load(broker_key);
  if (!cert) {
    fprintf(stderr, "duban-bench: cannot read %s\n", broker_key);
    return -1;
  }
  memcpy(env->broker_public, zcert_public_key(cert), 32);
  zcert_destroy(&cert);

  /* One context for every connection the bench makes: 1,000 idle agents
   * are 1,000 sockets, beyond the default limit of 1,023 once watchers and
   * agents are counted; two I/O threads, as the machine has two cores. */
  env->zmq_ctx = zmq_ctx_new();
  zmq_ctx_set(env->zmq_ctx, ZMQ_MAX_SOCKETS, 8192);
  zmq_ctx_set(env->zmq_ctx, ZMQ_IO_THREADS, 2);
  return 0;
}

void
bench_env_fini(bench_env_t *env)
{
  if (env->zmq_ctx)
    zmq_ctx_term(env->zmq_ctx);
  env->zmq_ctx = NULL;
  if (*env->root)
    remove_tree(env->root);
}

int
bench_free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

int
bench_broker_spawn(bench_env_t *env, bench_broker_t *broker, const char *name, const char *const extra[])
{
  if (!broker->endpoint[0]) {
    int port = bench_free_port();
    if (port < 0)
      return -1;
    snprintf(broker->endpoint, sizeof broker->endpoint, "tcp://127.0.0.1:%d", port);
  }
  snprintf(broker->data, sizeof broker->data, "%s/data-%s", env->root, name);
  snprintf(broker->log, sizeof broker->log, "%s/broker-%s.log", env->root, name);
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/duban-broker", env->bin_dir);
  /* DUBAN_BENCH_WRAP runs the broker under a tool, e.g.
   * "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p". */
  char wrap[1024] = "";
  const char *wrap_env = getenv("DUBAN_BENCH_WRAP");
  if (wrap_env)
    snprintf(wrap, sizeof wrap, "%s", wrap_env);
  const char *argv[64];
  int argc = 0;
  for (char *save = NULL, *word = strtok_r(wrap, " ", &save); word && argc < 16;
       word = strtok_r(NULL, " ", &save))
    argv[argc++] = word;
  const char *fixed[] = {path, "--endpoint", broker->endpoint, "--data", broker->data, "--keys", env->keys};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    argv[argc++] = fixed[i];
  for (int i = 0; extra && extra[i] && argc < 61; i++)
    argv[argc++] = extra[i];
  if (env->crypto[0]) {
    argv[argc++] = "--crypto";
    argv[argc++] = env->crypto;
  }
  argv[argc] = NULL;

  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    int log = open(broker->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  broker->pid = pid;

  void *admin = bench_conn_open(env, broker->endpoint, "admin:admin");
  int rc = admin ? bench_conn_ping(admin, wrap_env ? 120000 : 10000) : -1;
  if (admin)
    zmq_close(admin);
  if (rc != 0) {
    fprintf(stderr, "duban-bench: the broker did not answer within 10 s (see %s)\n", broker->log);
    bench_broker_stop(broker);
    return -1;
  }
  return 0;
}

int
bench_broker_start(bench_env_t *env, bench_broker_t *broker, const char *name, const char *const extra[])
{
  memset(broker, 0, sizeof *broker);
  if (bench_broker_spawn(env, broker, name, extra) != 0)
    return -1;
  char duban[PATH_MAX + 8], server_key[PATH_MAX + 16], key[PATH_MAX + 24];
  snprintf(duban, sizeof duban, "%s/duban", env->bin_dir);
  snprintf(server_key, sizeof server_key, "%s/broker.key", env->keys);
  snprintf(key, sizeof key, "%s/admin-admin.key", env->keys);
  char *load[] = {
      duban,   "plan", "load",      env->plan, "--broker", broker->endpoint, "--server-key", server_key,
      "--key", key,    "--timeout", "60000",   NULL};
  double seconds;
  int status = bench_run_child(load, "/dev/null", &seconds, NULL, NULL);
  if (status != 0) {
    fprintf(stderr, "duban-bench: `duban plan load` failed (status %d; see %s)\n", status, broker->log);
    bench_broker_stop(broker);
    return -1;
  }
  return 0;
}

void
bench_broker_stop(bench_broker_t *broker)
{
  if (broker->pid <= 0)
    return;
  kill(broker->pid, SIGTERM);
  for (int i = 0; i < 1000; i++) {
    if (waitpid(broker->pid, NULL, WNOHANG) == broker->pid) {
      broker->pid = 0;
      return;
    }
    usleep(10000);
  }
  kill(broker->pid, SIGKILL);
  waitpid(broker->pid, NULL, 0);
  broker->pid = 0;
}

/* One "Key:   123 kB" line of /proc/PID/status, in KiB; -1 if absent. */
static long
status_kib(pid_t pid, const char *key)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  long value = -1;
  size_t key_len = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
      value = strtol(line + key_len + 1, NULL, 10);
      break;
    }
  fclose(f);
  return value;
}

long
bench_rss_kib(pid_t pid)
{
  return status_kib(pid, "VmRSS");
}

/* Peak RSS (VmHWM) and current anonymous RSS of pid, once it has exec'ed
 * (a forked copy of this program still says duban-bench, and its memory is
 * ours, not the command's). False before that or after it is gone. */
static bool
sample_child(pid_t pid, long *hwm_kib, long *anon_kib)
{
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return false;
  bool execed = false;
  *hwm_kib = *anon_kib = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "Name:", 5) == 0)
      execed = strstr(line, "duban-bench") == NULL;
    else if (strncmp(line, "VmHWM:", 6) == 0)
      *hwm_kib = strtol(line + 6, NULL, 10);
    else if (strncmp(line, "RssAnon:", 8) == 0)
      *anon_kib = strtol(line + 8, NULL, 10);
  }
  fclose(f);
  return execed && *hwm_kib >= 0;
}

int
bench_run_child(char *const argv[], const char *stdout_path, double *seconds_p, long *maxrss_kib_p,
                long *peak_anon_kib_p)
{
  double start = bench_now();
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (stdout_path) {
      int out = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out >= 0)
        dup2(out, 1);
    }
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
      dup2(null, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  /* Not wait4's ru_maxrss: it counts the forked copy of this process
   * before exec, so it would report the bench's own size. VmHWM of the
   * exec'ed program is sampled instead; it only grows, so the last sample
   * is within one interval of the peak. */
  long peak_anon = 0, peak = 0;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if (done < 0 && errno != EINTR)
      return -1;
    long hwm, anon;
    if (sample_child(pid, &hwm, &anon)) {
      if (hwm > peak)
        peak = hwm;
      if (anon > peak_anon)
        peak_anon = anon;
    }
    struct timespec pause = {0, 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  *seconds_p = bench_now() - start;
  if (maxrss_kib_p)
    *maxrss_kib_p = peak;
  if (peak_anon_kib_p)
    *peak_anon_kib_p = peak_anon;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
