/* metrics_server.c: GET /metrics over HTTP, in libmicrohttpd's own thread
 * (the same library the web console uses). See metrics.h.
 *
 * One internal polling thread serves every scrape in turn: a scrape is a
 * render of a few hundred lines, and one scraper every 15 s is the usual
 * load, so there is nothing to gain from a thread per connection. */
#include "metrics.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"

struct dbn_metrics_server {
  struct MHD_Daemon *daemon;
  dbn_metrics_t *metrics; /* borrowed */
};

static enum MHD_Result
reply(struct MHD_Connection *connection, unsigned status, const char *type, char *body, size_t len,
      enum MHD_ResponseMemoryMode mode)
{
  struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);
  if (!response)
    return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  enum MHD_Result result = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return result;
}

static enum MHD_Result
on_request(void *arg, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **state)
{
  (void)version;
  (void)upload_data;
  (void)upload_size;
  (void)state;
  dbn_metrics_server_t *server = arg;
  static char not_found[] = "只有 /metrics / only /metrics is served here\n";
  if (strcmp(url, "/metrics") != 0 || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
    return reply(connection, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found, strlen(not_found),
                 MHD_RESPMEM_PERSISTENT);
  char *text;
  size_t len;
  if (dbn_metrics_render(server->metrics, &text, &len) != 0) {
    static char failed[] = "out of memory\n";
    return reply(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", failed,
                 strlen(failed), MHD_RESPMEM_PERSISTENT);
  }
  return reply(connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
               MHD_RESPMEM_MUST_FREE);
}

/* HOST:PORT with a numeric host ("[v6]" in brackets) into *addr_p, which the
 * caller frees with freeaddrinfo. */
static int
resolve_listen(const char *listen, struct addrinfo **addr_p)
{
  const char *colon = strrchr(listen, ':');
  char host[128];
  if (!colon || colon == listen || !colon[1] || (size_t)(colon - listen) >= sizeof host)
    return DBN_EINVAL;
  const char *start = listen, *end = colon;
  if (*start == '[' && end[-1] == ']') {
    start++;
    end--;
  }
  memcpy(host, start, (size_t)(end - start));
  host[end - start] = '\0';
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
  return getaddrinfo(host, colon + 1, &hints, addr_p) == 0 ? 0 : DBN_EINVAL;
}

int
dbn_metrics_server_new(dbn_metrics_server_t **server_p, dbn_metrics_t *metrics, const char *listen)
{
  struct addrinfo *addr;
  int rc = resolve_listen(listen, &addr);
  if (rc)
    return rc;
  dbn_metrics_server_t *server = calloc(1, sizeof *server);
  if (!server) {
    freeaddrinfo(addr);
    return DBN_ENOMEM;
  }
  server->metrics = metrics;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (addr->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  server->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR,
                                    addr->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_END);
  freeaddrinfo(addr);
  if (!server->daemon) {
    free(server);
    return DBN_EIO;
  }
  *server_p = server;
  return 0;
}

void
dbn_metrics_server_destroy(dbn_metrics_server_t **server_p)
{
  if (!server_p || !*server_p)
    return;
  MHD_stop_daemon((*server_p)->daemon);
  free(*server_p);
  *server_p = NULL;
}

unsigned
dbn_metrics_server_port(const dbn_metrics_server_t *server)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}
