/* cli_evidence.h: the --evidence FILE option that `duban progress`,
 * `duban milestone met` and `duban submit` share.
 *
 * Each file is read, named by its base name, typed by its extension and
 * hashed (domain/evidence_rule.h), and checked against the limits before
 * anything is sent: a request over the transport's 4 MiB would be dropped
 * unread, with no answer. */
#ifndef DUBAN_CLI_EVIDENCE_H
#define DUBAN_CLI_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "evidence_rule.h"

/* More than the limit may be named, so that the refusal is the broker's
 * own message naming the limit, not a parse error. */
#define DBN_CLI_EVIDENCE_MAX_OPTIONS 16

typedef struct {
  Duban__EvidenceRef refs[DBN_CLI_EVIDENCE_MAX_OPTIONS];
  Duban__EvidenceRef *ptrs[DBN_CLI_EVIDENCE_MAX_OPTIONS];
  uint8_t hashes[DBN_CLI_EVIDENCE_MAX_OPTIONS][DBN_EVIDENCE_HASH_BYTES];
  const char *paths[DBN_CLI_EVIDENCE_MAX_OPTIONS];
  size_t n;
} dbn_cli_evidence_t;

/* Remember path for an --evidence option (read by dbn_cli_evidence_load). */
int dbn_cli_evidence_option(dbn_cli_t *cli, dbn_cli_evidence_t *ev, const char *path);

/* Read, type and hash every file named, and check them all against the
 * limits. Prints the refusal and returns DBN_CLI_EXIT_FAIL (or USAGE for a
 * file that cannot be read); DBN_CLI_EXIT_OK with ev->ptrs ready. */
int dbn_cli_evidence_load(dbn_cli_t *cli, dbn_cli_evidence_t *ev);

/* Free what load read; accepts an ev never loaded. */
void dbn_cli_evidence_clear(dbn_cli_evidence_t *ev);

#define DBN_CLI_EVIDENCE_HELP                                                                                \
  "  --evidence FILE          attach a file (佐证材料); up to 5 per report, 1 MiB each,\n"               \
  "                           3 MiB together: PDF, OFD, Word, Excel, JPG, PNG, TXT, CSV, ZIP\n"

#endif
