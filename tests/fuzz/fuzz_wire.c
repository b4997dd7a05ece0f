/* fuzz_wire.c: libFuzzer target for the wire decoder.
 *
 * Any bytes a peer can send reach dbn_wire_request_unpack and then
 * dbn_wire_request_check (and the NUL scan of the packed bytes,
 * dbn_wire_request_check_bytes) before anything else looks at them; replies reach
 * the CLI and agents through dbn_wire_reply_unpack, stored events reach
 * audit through dbn_wire_event_unpack. None of them may crash, leak or read
 * out of bounds, whatever the bytes. Built with -DDUBAN_FUZZ=ON (clang). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "request.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Duban__Request *req = NULL;
  if (dbn_wire_request_unpack(data, size, &req) == 0) {
    char why[400];
    dbn_wire_request_check(req, why, sizeof why);
    dbn_wire_request_check_bytes(data, size, why, sizeof why);
    (void)dbn_request_name(req->body_case);
    /* What decodes packs again. */
    uint8_t *buf;
    size_t len;
    if (dbn_wire_pack(&req->base, &buf, &len) == 0)
      free(buf);
    dbn_wire_request_free(&req);
  }
  Duban__Reply *reply = NULL;
  if (dbn_wire_reply_unpack(data, size, &reply) == 0)
    dbn_wire_reply_free(&reply);
  Duban__Event *event = NULL;
  if (dbn_wire_event_unpack(data, size, &event) == 0) {
    char why[400];
    dbn_wire_check_strings(&event->base, DBN_MAX_TEXT, why, sizeof why);
    dbn_wire_event_free(&event);
  }
  return 0;
}
