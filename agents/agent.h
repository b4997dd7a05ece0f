/* agent.h: duban-agent, the long-running agent of one department.
 *
 * Staff's CLI processes talk to it over a local ipc socket (a ROUTER whose
 * file permissions decide who may talk); it holds the department's one CURVE
 * connection to the broker. Writes (claim, progress, submit, escalate, ...)
 * go into the durable outbox first, under the request id the CLI chose, and
 * are delivered in order, resent until the broker answers: the broker's
 * dedup table makes each take effect once even across crashes of either
 * side. Reads (ping, tasks, a task, escalations, watch) are forwarded as
 * they come and answered "unavailable" when the broker does not answer.
 *
 * The agent is one thread that owns all its sockets; dbn_agent_run returns
 * when stop_fd becomes readable (main passes a signalfd for SIGTERM and
 * SIGINT). Nothing in it is per department: the key file says who it is. */
#ifndef DUBAN_AGENT_H
#define DUBAN_AGENT_H

#include "error.h"

typedef struct {
  const char *broker_endpoint; /* "tcp://host:port" */
  const char *server_cert;     /* the broker's public cert (KEYS/broker.key) */
  const char *client_cert;     /* this department's cert (KEYS/unit-CODE.key + _secret) */
  const char *listen_endpoint; /* "ipc:///path/agent.sock" for the CLI */
  const char *data_dir;        /* where the outbox lives */
  int answer_ms;               /* how long a CLI waits for the broker's answer; 0 = 2000 */
  const char *metrics_listen;  /* "127.0.0.1:PORT": serve Prometheus metrics there; NULL = none */
} dbn_agent_options_t;

typedef struct dbn_agent dbn_agent_t;

/* Open the outbox, bind the ipc socket (mode 0660) and start connecting to
 * the broker. The options' strings are copied. Fails with a logged reason
 * on unreadable keys, an outbox in use or an endpoint that cannot bind. */
int dbn_agent_new(dbn_agent_t **agent_p, const dbn_agent_options_t *options);
void dbn_agent_destroy(dbn_agent_t **agent_p);

/* Serve until stop_fd is readable; whatever the outbox holds from before
 * (a crash, a restart) is delivered first. Returns 0 on a requested stop. */
int dbn_agent_run(dbn_agent_t *agent, int stop_fd);

#endif
