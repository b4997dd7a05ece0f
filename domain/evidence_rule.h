/* evidence_rule.h: what evidence (佐证材料) a report may carry.
 *
 * A department attaches files to a progress report, a milestone-met report
 * or a submission. Each is named by the BLAKE2b-256 hash of its content,
 * which the event holds, so the hash chain covers the file. The limits are
 * here once: the CLI and the desk refuse before sending (a request over the
 * transport's 4 MiB is dropped unread), and the broker refuses again for a
 * client that did not ask. Every refusal says which limit, in Chinese. */
#ifndef DUBAN_EVIDENCE_RULE_H
#define DUBAN_EVIDENCE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"

#define DBN_EVIDENCE_HASH_BYTES 32
#define DBN_EVIDENCE_MAX_FILE_BYTES ((size_t)1 << 20) /* 1 MiB per file */
#define DBN_EVIDENCE_MAX_FILES 5                      /* per report */
/* All files of one report: under the 4 MiB a message may be, with room for
 * the rest of the request. */
#define DBN_EVIDENCE_MAX_TOTAL_BYTES ((size_t)3 << 20)
#define DBN_EVIDENCE_MAX_NAME 255 /* bytes of a file name */

/* The media type of a file name, by its extension, from the table of
 * types a report may carry; NULL for one that is not allowed. */
const char *dbn_evidence_media_type_of(const char *file_name);

/* True when media_type is one a report may carry. */
bool dbn_evidence_media_type_allowed(const char *media_type);

/* BLAKE2b-256 of content. */
void dbn_evidence_hash(const uint8_t *content, size_t len, uint8_t out[DBN_EVIDENCE_HASH_BYTES]);

/* The hash as 64 lowercase hex digits (out holds 65 bytes). */
void dbn_evidence_hash_hex(const uint8_t hash[DBN_EVIDENCE_HASH_BYTES], char out[65]);

/* Parse 64 hex digits into hash; DBN_EINVAL for anything else. */
int dbn_evidence_hash_parse(const char *hex, uint8_t hash[DBN_EVIDENCE_HASH_BYTES]);

/* Check the evidence of a write request as it arrives: at most
 * DBN_EVIDENCE_MAX_FILES, each with a name (no directory), an allowed media
 * type, content of its stated size within DBN_EVIDENCE_MAX_FILE_BYTES and
 * all of them within DBN_EVIDENCE_MAX_TOTAL_BYTES, and a hash that is the
 * content's. DBN_ETOOBIG or DBN_EINVAL with a Chinese message in why. */
int dbn_evidence_check(size_t n, Duban__EvidenceRef *const *refs, char *why, size_t why_len);

/* The evidence a request body or an event carries (Progress, MilestoneMet,
 * Submit), borrowed; 0 refs for any other. */
size_t dbn_evidence_of_request(const Duban__Request *req, Duban__EvidenceRef ***refs_p);
size_t dbn_evidence_of_event(const Duban__Event *event, Duban__EvidenceRef ***refs_p);

/* The same for a body message (as dbn_event_body returns it). */
size_t dbn_evidence_of_body(const ProtobufCMessage *body, Duban__EvidenceRef ***refs_p);

/* "佐证材料：a.pdf、b.png" into out for refs; "" for none. */
void dbn_evidence_describe(size_t n, Duban__EvidenceRef *const *refs, char *out, size_t out_len);

#endif
