/* leader_hint.h: how a follower broker names the leader in its refusal, and
 * how a client reads it back (broker/replication.c writes it,
 * agents/client.c reads it): one home for the format, so that the two
 * cannot drift apart.
 *
 * The refusal is an `unavailable` reply whose message, meant for a person,
 * holds the token `leader=ENDPOINT` (an address such as tcp://10.0.0.2:7700,
 * with no spaces). A message without the token says no leader is known yet
 * (an election in progress, or etcd unreachable). */
#ifndef DUBAN_LEADER_HINT_H
#define DUBAN_LEADER_HINT_H

#include <stdbool.h>
#include <stddef.h>

#define DBN_LEADER_HINT_MAX 256

/* The token for endpoint, into out: "leader=ENDPOINT". */
void dbn_leader_hint_format(const char *endpoint, char *out, size_t out_len);

/* The leader's endpoint named in message, into out (at most
 * DBN_LEADER_HINT_MAX - 1 bytes); false when message names none. */
bool dbn_leader_hint_parse(const char *message, char *out, size_t out_len);

#endif
