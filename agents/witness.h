/* witness.h: what an agent (or the CLI) keeps of the broker's signed
 * checkpoints.
 *
 * Every broker reply may carry the broker's latest checkpoint (store/
 * checkpoint.h). The agent checks its signature against the broker's
 * published key (broker.sign beside the broker.key it was given) and keeps
 * each new one in DATA/witness/, a directory the broker's operator does not
 * hold. A checkpoint whose signature fails is refused and logged, never
 * kept. Without broker.sign the agent keeps nothing and says so once.
 * The CLI keeps them too when it talks to the broker directly and the
 * environment names a directory in DUBAN_WITNESS (agents/client.c). */
#ifndef DUBAN_WITNESS_H
#define DUBAN_WITNESS_H

#include <stdint.h>

#include "checkpoint.h"
#include "duban.pb-c.h"

typedef struct dbn_witness dbn_witness_t;

/* Open a witness keeping checkpoints in dir (DATA/witness for an agent)
 * for the broker whose public cert is server_cert. Returns 0 (with
 * *witness_p NULL when there is no signing key to check against) or
 * DBN_ENOMEM / DBN_EINVAL. */
int dbn_witness_open(dbn_witness_t **witness_p, const char *dir, const char *server_cert);
void dbn_witness_close(dbn_witness_t **witness_p);

/* Keep reply's checkpoint when it is new and its signature holds. Accepts a
 * NULL witness and a reply without a checkpoint. */
void dbn_witness_take(dbn_witness_t *witness, const Duban__Reply *reply);

/* From now on also cosign every checkpoint kept, as identity with key (a
 * copy is kept; store/cosign.h): the witness's own word that it held it.
 * Accepts a NULL witness. */
void dbn_witness_cosign_as(dbn_witness_t *witness, const char *identity, const dbn_sign_key_t *key);

#endif
