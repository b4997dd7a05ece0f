/* flood_guard.h: finding the one connection that holds an unfinished message.
 *
 * libzmq bounds a frame (ZMQ_MAXMSGSIZE) but keeps every frame of a message
 * until its last one arrives, and no part of an unfinished message reaches
 * the broker's code: a key holder sending frames flagged "more" and never a
 * last one grows the broker without end. libzmq does not say which
 * connection holds what, but the kernel does: it counts the bytes each TCP
 * connection received (TCP_INFO's tcpi_bytes_received, Linux 4.1 and
 * later). The broker marks each connection it reads a complete message
 * from (ZMQ_SRCFD names the connection's descriptor; marking costs one
 * fstat), and the guard, when it next looks, takes that count as the
 * connection's mark; what a connection received since then is held
 * by libzmq, in an unfinished message or in complete ones the broker has
 * not read yet. A connection holding far more than any complete message
 * can be is shut down (shutdown(2), never close(2): the descriptor stays
 * libzmq's, which sees the end of the stream and closes it itself, freeing
 * what it held). Every other connection stays open: writers keep being
 * acknowledged and watchers keep their watch.
 *
 * Races, and why they are harmless:
 *   - libzmq's I/O thread owns the descriptors and may close one, and
 *     accept a new connection under the same number, at any time. The guard
 *     knows a connection by its descriptor and its socket's inode, checks
 *     the inode again just before shutdown(2), and never closes: the worst
 *     case, a descriptor reused in the microseconds between that check and
 *     the shutdown, drops one well-behaved connection, whose client
 *     reconnects and retries under the same request ids (what a drop of
 *     every connection did to all of them).
 *   - A message read after its descriptor was reused is counted for the
 *     new connection only if the inode matches it; otherwise it is ignored.
 *   - The count the broker records at a complete message already includes
 *     what arrived after it: the guard can only under-count what a
 *     connection holds, so it never drops a connection for bytes that were
 *     complete messages it read.
 *   - Complete messages libzmq has read but the broker not yet (its queue)
 *     count as held: hence the quiet time, or a look right after the
 *     broker found the queue empty (DBN_FLOOD_DRAINED).
 *   - After the shutdown libzmq closes the descriptor and frees what it
 *     held; the peer may then sit for a while against a closed window (a
 *     sender blocked, not the broker's memory).
 *
 * The guard lives on the broker's thread. Without TCP (an ipc endpoint) or
 * without tcpi_bytes_received (an older kernel) it finds nothing, and the
 * broker's last resort, dropping every connection, remains. */
#ifndef DUBAN_FLOOD_GUARD_H
#define DUBAN_FLOOD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A connection that received this much since its last complete message,
 * and had no complete message read for DBN_FLOOD_QUIET_MS, is shut down
 * whatever the broker's memory: sixteen of the largest messages a client
 * may send. What a well-behaved client has received but the broker not yet
 * read is complete messages waiting in libzmq's queue (up to ZMQ_RCVHWM of
 * them); the broker reads that queue on every turn of its loop, so such a
 * client has a complete message read well within the quiet time (an
 * agent's window of 64 reports with 3 MiB of evidence each, sent while the
 * broker commits a batch, is over the bar for a moment, never for long).
 * A message that never ends has nothing read, ever. */
#define DBN_FLOOD_UNFINISHED_MAX (64ULL * 1024 * 1024)
#define DBN_FLOOD_QUIET_MS 250
/* Under memory pressure (the broker past half its ceiling) the bar is two
 * of the largest messages, and there is no quiet time to wait for: dropping
 * one connection that might have been slow to be read beats dropping
 * every connection a moment later. */
#define DBN_FLOOD_PRESSED_MAX (8ULL * 1024 * 1024)
/* Right after the broker found libzmq's queue empty, every complete
 * message has been read: what a connection holds then is at most one
 * message still arriving, plus what was completed in the moment between
 * finding the queue empty and counting. The bar is three of the largest
 * messages, with no quiet time, which cuts a flooder off a few
 * milliseconds after it passes it instead of a quarter second. */
#define DBN_FLOOD_DRAINED_MAX (12ULL * 1024 * 1024)

/* What the broker knows when it asks the guard to look. */
typedef enum {
  DBN_FLOOD_QUIET,   /* nothing: the 64 MiB bar and the quiet time */
  DBN_FLOOD_PRESSED, /* memory is past half the ceiling: the 8 MiB bar */
  DBN_FLOOD_DRAINED, /* libzmq's queue was just found empty: the 12 MiB bar */
} dbn_flood_check_t;

typedef struct dbn_flood_guard dbn_flood_guard_t;

/* A guard for the connections accepted on endpoint, as ZMQ_LAST_ENDPOINT
 * gives it (tcp://ADDRESS:PORT). Always succeeds but for memory: on another
 * transport, or a kernel without the count, the guard is off
 * (dbn_flood_guard_on is false) and every call does nothing. */
int dbn_flood_guard_new(dbn_flood_guard_t **guard_p, const char *endpoint);
void dbn_flood_guard_destroy(dbn_flood_guard_t **guard_p);

bool dbn_flood_guard_on(const dbn_flood_guard_t *guard);

/* The broker read a complete message from descriptor fd (ZMQ_SRCFD; -1 when
 * unknown) of a connection speaking as identity (borrowed; "" when
 * unknown), at now_ms (monotonic). */
void dbn_flood_guard_message(dbn_flood_guard_t *guard, int fd, const char *identity, int64_t now_ms);

/* Look at every connection at now_ms (monotonic) and shut down each that
 * holds more than the bar of how (above). What a connection holds is what
 * libzmq read from it (the kernel's count, less what still waits in the
 * socket) since its last complete message. A connection first seen here
 * counts as quiet from then. Each drop is logged. Returns how many were
 * shut down. Costs a few system calls per open descriptor: QUIET and
 * PRESSED are for every tenth of a second; DRAINED may be asked on every
 * turn of the loop, and looks only as often as keeps its walks under a
 * twentieth of the time (every 10 ms at most). */
size_t dbn_flood_guard_check(dbn_flood_guard_t *guard, dbn_flood_check_t how, int64_t now_ms);

/* How many connections the guard has shut down since it started. */
unsigned long long dbn_flood_guard_dropped(const dbn_flood_guard_t *guard);

#endif
