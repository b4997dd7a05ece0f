/* desk_evidence.h: evidence files (佐证材料) as the desk's pages send and
 * read them.
 *
 * The progress form sends its files in the JSON body as
 * "evidence": [{"name": "批复.pdf", "data": BASE64}], since every write of
 * the desk is JSON; they are decoded, typed by their name and hashed here,
 * and checked against domain/evidence_rule.h's limits before anything goes
 * to the agent, so the clerk reads the limit beside the field. */
#ifndef DUBAN_DESK_EVIDENCE_H
#define DUBAN_DESK_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duban.pb-c.h"
#include "evidence_rule.h"

/* More than the limit is read, so that the refusal names the limit. */
#define DBN_DESK_EVIDENCE_MAX_ITEMS 16

typedef struct {
  Duban__EvidenceRef refs[DBN_DESK_EVIDENCE_MAX_ITEMS];
  Duban__EvidenceRef *ptrs[DBN_DESK_EVIDENCE_MAX_ITEMS];
  uint8_t hashes[DBN_DESK_EVIDENCE_MAX_ITEMS][DBN_EVIDENCE_HASH_BYTES];
  size_t n;
} dbn_desk_evidence_t;

/* Decode array (NULL or absent: no files) into ev; names are borrowed from
 * the JSON, contents owned by ev. 0, or DBN_EINVAL / DBN_ETOOBIG with a
 * Chinese message in why; ev is cleared either way on failure. */
int dbn_desk_evidence_parse(const cJSON *array, dbn_desk_evidence_t *ev, char *why, size_t why_len);
void dbn_desk_evidence_clear(dbn_desk_evidence_t *ev);

/* {"evidence": [{seq, time (plan zone, to the minute), kind, kind_zh,
 * name, media_type, size, size_text, hash, url}]} of a list_evidence
 * reply. */
cJSON *dbn_desk_evidence_list_json(const Duban__Reply *reply);

#endif
