/* disk.c: the physical floor of durability on this machine.
 *
 * A durable acknowledgement needs the bytes on stable storage, so the
 * number of fdatasync calls the disk completes per second bounds what any
 * commit-per-request design can do, and a group commit is judged by how
 * many reports it acknowledges per fsync. This loop appends ~200 bytes and
 * calls fdatasync, as an ideal one-record-per-sync log would, in the same
 * temporary folder the broker's log lives in. (LMDB itself syncs twice per
 * commit: the data pages, then the meta page that makes them visible.) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

int
bench_disk_floor(bench_env_t *env, const bench_options_t *options, bench_report_t *report)
{
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/fsync-probe", env->root);
  double seconds = options->quick ? 0.3 : 1.0;
  double rates[64];
  int runs = options->runs < 64 ? options->runs : 64;
  char record[200];
  memset(record, 'x', sizeof record);
  for (int r = 0; r < runs; r++) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) {
      perror("duban-bench: fsync probe");
      return -1;
    }
    long syncs = 0;
    double start = bench_now(), now;
    do {
      if (write(fd, record, sizeof record) != (ssize_t)sizeof record || fdatasync(fd) != 0) {
        perror("duban-bench: fsync probe");
        close(fd);
        return -1;
      }
      syncs++;
      now = bench_now();
    } while (now - start < seconds);
    close(fd);
    rates[r] = (double)syncs / (now - start);
  }
  unlink(path);
  bench_report_figure(report, "disk floor", "write 200 B + fdatasync", "fsyncs/s", "",
                      bench_figure_of(rates, runs));
  return 0;
}
