/* desk.h: the department desk (部门工作台), the web pages a department's
 * clerks use, served from inside duban-agent.
 *
 * The desk is a local client of its own agent: every request goes over the
 * agent's ipc endpoint exactly as the CLI's do, so writes pass through the
 * outbox (a write the broker cannot take now is shown as 已排队 and is
 * delivered later) and the broker alone decides what the department may
 * do. Each write carries the logged-in clerk as the 经办人 (person).
 *
 * It runs on its own threads (libmicrohttpd's, and one that starts it once
 * the agent answers a ping and so says which unit it speaks for; only that
 * unit's clerks may log in). */
#ifndef DUBAN_DESK_H
#define DUBAN_DESK_H

#include "error.h"

typedef struct {
  const char *agent_endpoint; /* the agent's ipc endpoint ("ipc:///PATH") */
  const char *listen;         /* "127.0.0.1:PORT" */
  const char *users_file;     /* accounts (web/users.h) */
  const char *tls_cert;       /* PEM files for HTTPS; NULL = HTTP */
  const char *tls_key;
} dbn_desk_options_t;

typedef struct dbn_desk dbn_desk_t;

/* Copy the options and start a thread that waits for the agent to answer
 * (up to 60 s), then serves. A desk that cannot start logs why; the agent
 * keeps running. */
int dbn_desk_new(dbn_desk_t **desk_p, const dbn_desk_options_t *options);
/* Stop serving and free; accepts NULL and *desk_p == NULL. */
void dbn_desk_destroy(dbn_desk_t **desk_p);

#endif
