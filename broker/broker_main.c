/* broker_main.c: `duban-broker`, the daemon's entry point.
 *
 * Start-up problems (bad flags, an old libzmq, keys others can write, a log
 * that will not open, a port in use) are reported and end the process here,
 * and only here. SIGTERM and SIGINT are taken through a signalfd that the
 * event loop polls, so shutdown happens between batches: the batch in hand
 * is committed or refused whole, never half-written. */
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "broker.h"
#include "config.h"
#include "date.h"
#include "log.h"
#include "lang.h"

int
main(int argc, char **argv)
{
  dbn_broker_config_t config;
  char why[1024];
  int rc = dbn_broker_config_parse(&config, argc, argv, why, sizeof why);
  if (rc == 1)
    return 0;
  if (rc == 0)
    rc = dbn_plan_zone_check(why, sizeof why);
  if (rc) {
    fprintf(stderr, "duban-broker: %s\n", why);
    return 2;
  }

  /* The libzmq actually loaded, not the one we were compiled against. */
  int major, minor, patch;
  zmq_version(&major, &minor, &patch);
  if (dbn_broker_check_libzmq(major, minor, patch, why, sizeof why)) {
    dbn_log(DBN_LOG_ERROR, "broker", "%s", why);
    return 1;
  }

  /* Files we create (the log, its lock) are the owner's only. */
  umask(077);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, NULL);
  signal(SIGPIPE, SIG_IGN);
  int stop_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (stop_fd < 0) {
    dbn_log(DBN_LOG_ERROR, "broker", "%s", dbn_tr("无法创建 signalfd", "cannot create a signalfd"));
    return 1;
  }

  dbn_broker_t *broker;
  rc = dbn_broker_new(&broker, &config, why, sizeof why);
  if (rc) {
    dbn_log(DBN_LOG_ERROR, "broker", "%s", why);
    close(stop_fd);
    return 1;
  }
  rc = dbn_broker_run(broker, stop_fd);
  dbn_broker_destroy(&broker);
  close(stop_fd);
  dbn_log(DBN_LOG_INFO, "broker", "%s", dbn_tr("已停止", "stopped"));
  return rc ? 1 : 0;
}
