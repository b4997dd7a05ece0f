/* web_internal.h: what server.c shares with sse.c, and nothing else sees. */
#ifndef DUBAN_WEB_INTERNAL_H
#define DUBAN_WEB_INTERNAL_H

#include <stdatomic.h>

#include <microhttpd.h>

#include "server.h"

/* Add the security headers to resp, queue it with status on req's
 * connection, and release our reference. 0, or DBN_EINTERNAL when
 * libmicrohttpd refused it. */
int dbn_web_queue(dbn_web_request_t *req, struct MHD_Response *resp, unsigned status);

/* True while the server runs; SSE streams end when it turns false. */
bool dbn_web_request_server_running(const dbn_web_request_t *req);

/* The server's running flag, for SSE readers that outlive their request
 * handler (valid until the daemon has stopped, which waits for them). */
const atomic_bool *dbn_web_request_running_flag(const dbn_web_request_t *req);

/* What an SSE stream needs to end when its session does (logout, the
 * account removed from the users file, expiry): the sessions, the request's
 * session token (borrowed, valid while the handler runs; NULL when none),
 * and a counter the server bumps whenever it ends sessions (valid as long
 * as the running flag). */
dbn_web_sessions_t *dbn_web_request_sessions(const dbn_web_request_t *req);
const char *dbn_web_request_session_token(const dbn_web_request_t *req);
const atomic_uint *dbn_web_request_sessions_ended(const dbn_web_request_t *req);

#endif
