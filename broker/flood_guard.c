/* flood_guard.c: the per-connection count of bytes not yet seen as complete
 * messages, from the kernel's TCP counters; see flood_guard.h for what it
 * is for and for the races it accepts. */
#include "flood_guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "monotonic.h"

/* Descriptors above this are not looked at (the broker's own limit on
 * connections, 16,384, is far below). */
#define FD_MAX (1 << 20)

/* What the guard knows of one descriptor, by its number. */
struct connection {
  ino_t inode;          /* the socket's inode: a reused number has another one; 0 = nothing known */
  uint64_t at_complete; /* bytes libzmq had read from it (bytes_received) when the guard last looked
                           after a complete message from it: at or after that message */
  int64_t
      quiet_since; /* when its last complete message was read, or the connection first seen (monotonic ms) */
  bool completed;  /* a complete message was read from it since the guard last looked */
  bool ours;       /* accepted on the broker's port (not a listener, not another socket) */
  bool dropped;    /* shut down by the guard; libzmq has not closed it yet */
  char identity[48]; /* who it spoke as at its last complete message, for the log */
};

struct dbn_flood_guard {
  bool on;                  /* TCP with a kernel that counts received bytes */
  uint16_t port;            /* the broker's listening port, host order */
  struct connection *by_fd; /* capacity entries, indexed by descriptor */
  size_t capacity;
  unsigned long long dropped; /* connections shut down since start */
  int64_t drained_checked_ms; /* when a DRAINED look last ran */
  int64_t drained_every_ms;   /* how often one may: 20 times its last walk, at least 10 ms */
};

/* The port of a tcp:// endpoint, or 0. */
static uint16_t
endpoint_port(const char *endpoint)
{
  if (!endpoint || strncmp(endpoint, "tcp://", 6) != 0)
    return 0;
  const char *colon = strrchr(endpoint, ':');
  if (!colon || colon < endpoint + 6)
    return 0;
  char *end;
  unsigned long port = strtoul(colon + 1, &end, 10);
  return (*end == '\0' && port > 0 && port <= 65535) ? (uint16_t)port : 0;
}

/* What libzmq has read from fd: the kernel's count of bytes received, less
 * those still waiting in the socket. -1 when unknown (not TCP, or a kernel
 * before 4.1 whose tcp_info ends before the count). */
static int
bytes_received(int fd, uint64_t *bytes)
{
  int waiting = 0;
  struct tcp_info info;
  socklen_t len = sizeof info;
  memset(&info, 0, sizeof info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return -1;
  if (len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return -1;
  if (ioctl(fd, FIONREAD, &waiting) != 0 || waiting < 0)
    waiting = 0;
  *bytes = info.tcpi_bytes_received > (uint64_t)waiting ? info.tcpi_bytes_received - (uint64_t)waiting : 0;
  return 0;
}

int
dbn_flood_guard_new(dbn_flood_guard_t **guard_p, const char *endpoint)
{
  dbn_flood_guard_t *guard = calloc(1, sizeof *guard);
  if (!guard)
    return DBN_ENOMEM;
  guard->port = endpoint_port(endpoint);
  /* Whether this kernel counts: ask a socket of our own. */
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  uint64_t ignored;
  guard->on = guard->port != 0 && probe >= 0 && bytes_received(probe, &ignored) == 0;
  if (probe >= 0)
    close(probe);
  *guard_p = guard;
  return 0;
}

void
dbn_flood_guard_destroy(dbn_flood_guard_t **guard_p)
{
  if (!guard_p || !*guard_p)
    return;
  free((*guard_p)->by_fd);
  free(*guard_p);
  *guard_p = NULL;
}

bool
dbn_flood_guard_on(const dbn_flood_guard_t *guard)
{
  return guard && guard->on;
}

unsigned long long
dbn_flood_guard_dropped(const dbn_flood_guard_t *guard)
{
  return guard ? guard->dropped : 0;
}

/* The entry of fd, the table grown to hold it; NULL when out of range or
 * out of memory (the connection is then not watched, which only loses the
 * guard's protection against it: the last resort remains). */
static struct connection *
entry_of(dbn_flood_guard_t *guard, int fd)
{
  if (fd < 0 || fd >= FD_MAX)
    return NULL;
  if ((size_t)fd >= guard->capacity) {
    size_t capacity = guard->capacity ? guard->capacity : 256;
    while (capacity <= (size_t)fd)
      capacity *= 2;
    struct connection *grown = realloc(guard->by_fd, capacity * sizeof *grown);
    if (!grown)
      return NULL;
    memset(grown + guard->capacity, 0, (capacity - guard->capacity) * sizeof *grown);
    guard->by_fd = grown;
    guard->capacity = capacity;
  }
  return &guard->by_fd[fd];
}

/* The port of fd's local address when it is a connected TCP socket (its
 * peer known: not a listener), else 0. */
static uint16_t
connected_port(int fd)
{
  struct sockaddr_storage local, peer;
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (getsockname(fd, (struct sockaddr *)&local, &local_len) != 0 ||
      getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0)
    return 0;
  if (local.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&local)->sin_port);
  if (local.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&local)->sin6_port);
  return 0;
}

/* Make e the record of the socket (inode) now behind its descriptor: a new
 * connection starts with nothing complete, so all it received counts. */
static void
take_over(struct connection *e, int fd, ino_t inode, uint16_t port, int64_t now_ms)
{
  memset(e, 0, sizeof *e);
  e->inode = inode;
  e->ours = connected_port(fd) == port;
  e->quiet_since = now_ms;
}

void
dbn_flood_guard_message(dbn_flood_guard_t *guard, int fd, const char *identity, int64_t now_ms)
{
  if (!guard || !guard->on)
    return;
  struct stat st;
  struct connection *e = entry_of(guard, fd);
  if (!e || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return;
  if (e->inode != st.st_ino)
    take_over(e, fd, st.st_ino, guard->port, now_ms);
  /* Only marked: the count is read when the guard next looks. A connection
   * delivers its messages in order, so what it received after this one is
   * either more complete messages (marked in turn) or the start of the next:
   * taking the count later can only under-count what it holds. Reading it
   * here cost two system calls a message on the hot path. */
  e->completed = true;
  e->quiet_since = now_ms;
  snprintf(e->identity, sizeof e->identity, "%s", identity && *identity ? identity : "");
}

/* The peer's address of fd, for the log. */
static void
peer_text(int fd, char *out, size_t out_len)
{
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0) {
    if (peer.ss_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, host, sizeof host);
      port = ntohs(((struct sockaddr_in *)&peer)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, host, sizeof host);
      port = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
    }
  }
  snprintf(out, out_len, "%s:%u", host, port);
}

/* Shut fd down when it is still the socket e records (see the races in
 * flood_guard.h): libzmq's I/O thread then reads the end of the stream and
 * closes the descriptor itself. */
static bool
shut_down(dbn_flood_guard_t *guard, struct connection *e, int fd, uint64_t held)
{
  char peer[INET6_ADDRSTRLEN + 8];
  peer_text(fd, peer, sizeof peer);
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_ino != e->inode || shutdown(fd, SHUT_RDWR) != 0)
    return false;
  e->dropped = true;
  guard->dropped++;
  dbn_log(DBN_LOG_WARN, "broker",
          "connection from %s (%s) dropped: it sent %llu MiB since its last complete message (frames that "
          "never end?); the other connections stay",
          peer, *e->identity ? e->identity : "no complete message yet", (unsigned long long)(held >> 20));
  return true;
}

/* Look at descriptor fd: returns true when it was shut down. */
static bool
check_one(dbn_flood_guard_t *guard, int fd, dbn_flood_check_t how, int64_t now_ms)
{
  struct stat st;
  uint64_t bytes;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return false;
  struct connection *e = entry_of(guard, fd);
  if (!e)
    return false;
  if (e->inode != st.st_ino)
    take_over(e, fd, st.st_ino, guard->port, now_ms);
  if (!e->ours || e->dropped || bytes_received(fd, &bytes) != 0)
    return false;
  if (e->completed) { /* a complete message since the last look: it holds at most what followed it */
    e->completed = false;
    e->at_complete = bytes;
    return false;
  }
  uint64_t held = bytes > e->at_complete ? bytes - e->at_complete : 0;
  bool over = how == DBN_FLOOD_PRESSED ? held > DBN_FLOOD_PRESSED_MAX
              : how == DBN_FLOOD_DRAINED
                  ? held > DBN_FLOOD_DRAINED_MAX
                  : held > DBN_FLOOD_UNFINISHED_MAX && now_ms - e->quiet_since >= DBN_FLOOD_QUIET_MS;
  return over && shut_down(guard, e, fd, held);
}

size_t
dbn_flood_guard_check(dbn_flood_guard_t *guard, dbn_flood_check_t how, int64_t now_ms)
{
  if (!guard || !guard->on)
    return 0;
  if (how == DBN_FLOOD_DRAINED) {
    if (guard->drained_checked_ms && now_ms - guard->drained_checked_ms < guard->drained_every_ms)
      return 0;
    guard->drained_checked_ms = now_ms;
  }
  /* O(descriptors): a few system calls each, a millisecond or so for a
   * thousand connections. Keeping the table by descriptor number makes
   * every lookup O(1); only the walk is linear, and DRAINED walks are
   * spaced by their own cost. */
  int64_t started_us = dbn_monotonic_us();
  DIR *dir = opendir("/proc/self/fd");
  if (!dir)
    return 0;
  size_t dropped = 0;
  struct dirent *d;
  while ((d = readdir(dir)) != NULL) {
    char *end;
    long fd = strtol(d->d_name, &end, 10);
    if (*end != '\0' || end == d->d_name || fd == dirfd(dir))
      continue;
    dropped += check_one(guard, (int)fd, how, now_ms);
  }
  closedir(dir);
  int64_t walk_ms = (dbn_monotonic_us() - started_us) / 1000;
  guard->drained_every_ms = walk_ms * 20 > 10 ? walk_ms * 20 : 10;
  return dropped;
}
