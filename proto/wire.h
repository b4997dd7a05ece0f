/* wire.h: the only module that calls protobuf-c's pack and unpack.
 *
 * Everything the broker, the agent and the CLI send or store goes through
 * here, so the size limits and the version check live in one place. Every
 * unpack has one matching free; packed buffers are malloc'd and the caller
 * frees them with free(). */
#ifndef DUBAN_WIRE_H
#define DUBAN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "duban.pb-c.h"
#include "error.h"

#define DBN_PROTOCOL_VERSION 1u

/* Largest frame any duban socket accepts (ZMQ_MAXMSGSIZE). A plan of a few
 * hundred actions is well under it; a note of megabytes is refused by the
 * transport before it costs the broker anything. */
#define DBN_MAX_MESSAGE (4 * 1024 * 1024)
/* Largest event the log takes: a watcher receives every event in a
 * delivery of its own at worst, and the delivery's header and framing must
 * still fit in DBN_MAX_MESSAGE. */
#define DBN_MAX_EVENT (DBN_MAX_MESSAGE - 64 * 1024)
/* Largest string field (a note, a reason, an action's text). */
#define DBN_MAX_TEXT 8192
/* Largest name of the person who acted (经办人): a name, not a note. */
#define DBN_MAX_PERSON 64
/* Largest identifier (a request id, a task id, a unit code). */
#define DBN_MAX_ID 128
/* Most figures one progress report may carry. */
#define DBN_MAX_FIGURES 64
/* Largest absolute figure: beyond it a value is a typo, not a measurement. */
#define DBN_MAX_FIGURE_VALUE 1e15

/* Pack msg into a new buffer; on success *buf_p is the caller's to free(). */
int dbn_wire_pack(const ProtobufCMessage *msg, uint8_t **buf_p, size_t *len_p);
/* The bytes msg packs into, without packing it (to cut a reply into pages). */
size_t dbn_wire_packed_size(const ProtobufCMessage *msg);

/* Decode a Request; on success *req_p is the caller's, freed with
 * dbn_wire_request_free(). Does not check the version: see
 * dbn_wire_request_check(), so that a reply can still name the request id. */
int dbn_wire_request_unpack(const uint8_t *buf, size_t len, Duban__Request **req_p);
void dbn_wire_request_free(Duban__Request **req_p);

int dbn_wire_reply_unpack(const uint8_t *buf, size_t len, Duban__Reply **reply_p);
void dbn_wire_reply_free(Duban__Reply **reply_p);

int dbn_wire_event_unpack(const uint8_t *buf, size_t len, Duban__Event **event_p);
void dbn_wire_event_free(Duban__Event **event_p);

/* The views the store keeps, decoded the same way: each unpack's result is
 * the caller's, freed with the matching free, which accepts NULL and sets
 * the pointer to NULL. Fails with DBN_EPROTO on bytes that do not decode. */
int dbn_wire_task_unpack(const uint8_t *buf, size_t len, Duban__Task **task_p);
void dbn_wire_task_free(Duban__Task **task_p);
int dbn_wire_escalation_unpack(const uint8_t *buf, size_t len, Duban__Escalation **escalation_p);
void dbn_wire_escalation_free(Duban__Escalation **escalation_p);
int dbn_wire_unit_unpack(const uint8_t *buf, size_t len, Duban__Unit **unit_p);
void dbn_wire_unit_free(Duban__Unit **unit_p);
int dbn_wire_inbox_item_unpack(const uint8_t *buf, size_t len, Duban__InboxItem **item_p);
void dbn_wire_inbox_item_free(Duban__InboxItem **item_p);
int dbn_wire_scoring_rules_unpack(const uint8_t *buf, size_t len, Duban__ScoringRules **rules_p);
void dbn_wire_scoring_rules_free(Duban__ScoringRules **rules_p);
int dbn_wire_log_header_unpack(const uint8_t *buf, size_t len, Duban__LogHeader **header_p);
void dbn_wire_log_header_free(Duban__LogHeader **header_p);

/* Free one message that came from an unpack above, through a pointer to
 * its pointer of any message type (set to NULL). */
void dbn_wire_message_free(void *msg_pp);

/* Free an array of count messages that came from the unpacks above, and
 * the array (malloc'd); either may be empty. */
void dbn_wire_messages_free(void **messages, size_t count);

/* The checks that need no state: version, request id, a known body, valid
 * UTF-8 in every string, every size limit, percent in 0..100, finite and
 * bounded figures. On failure returns a negative code and writes a message
 * a person can act on into why[0..why_len). */
int dbn_wire_request_check(const Duban__Request *req, char *why, size_t why_len);

/* The checks only the packed bytes of a request can make (its decoded
 * strings end at the first NUL): DBN_EINVAL, with why naming the field,
 * when any string field holds a NUL byte. */
int dbn_wire_request_check_bytes(const uint8_t *buf, size_t len, char *why, size_t why_len);

/* Every string in msg (recursively) is valid UTF-8 and at most max_len
 * bytes; on failure names the field in why. */
int dbn_wire_check_strings(const ProtobufCMessage *msg, size_t max_len, char *why, size_t why_len);

/* Watch deliveries are built from events exactly as the log stores them,
 * without decoding: a Reply's `events` field (13) repeated once per event.
 * Concatenated fields are a valid message, so a packed Reply header followed
 * by these entries decodes as one Reply carrying the events. Returns the
 * bytes an entry for an event of event_len bytes takes. */
size_t dbn_wire_event_entry_size(size_t event_len);
/* Write that entry at out (which has dbn_wire_event_entry_size() bytes);
 * returns the bytes written. */
size_t dbn_wire_event_entry_write(uint8_t *out, const uint8_t *event, size_t event_len);

/* Read only an Event's seq and prev_hash from its packed bytes, without
 * decoding the rest: the fast path of a chain walk. *prev_hash_p points
 * into bytes. Fails with DBN_EPROTO on bytes that are not a well-formed
 * sequence of protobuf fields. */
int dbn_wire_event_peek(const uint8_t *bytes, size_t len, uint64_t *seq_p, const uint8_t **prev_hash_p,
                        size_t *prev_hash_len_p);

/* The wire code a Reply carries for a duban error code. */
Duban__Code dbn_wire_error_code(int err);

/* The name of a wire code, lower case ("permission_denied"). */
const char *dbn_wire_code_name(Duban__Code code);

/* A fresh random request id: 32 lower-case hex digits and a NUL. */
void dbn_wire_new_request_id(char out[33]);

/* The name of an event body, or "unknown". */
const char *dbn_wire_event_name(Duban__Event__BodyCase body);

/* Task and escalation state names, lower case ("in_progress"). */
const char *dbn_wire_task_state_name(Duban__TaskState state);
const char *dbn_wire_escalation_state_name(Duban__EscalationState state);

#endif
