/* error.c: the one table of duban error codes, its strerror, and its mapping
 * onto the gRPC-style codes that replies carry. */
#include "error.h"

#include <stddef.h>

struct error_entry {
  int err;          /* a dbn_error */
  const char *text; /* what dbn_strerror says */
  Duban__Code code; /* what goes on the wire */
};

static const struct error_entry error_table[] = {
    {DBN_OK, "success", DUBAN__CODE__CODE_OK},
    {DBN_ENOMEM, "out of memory", DUBAN__CODE__CODE_RESOURCE_EXHAUSTED},
    {DBN_EINVAL, "invalid argument", DUBAN__CODE__CODE_INVALID_ARGUMENT},
    {DBN_ENOTFOUND, "not found", DUBAN__CODE__CODE_NOT_FOUND},
    {DBN_EEXIST, "already exists", DUBAN__CODE__CODE_ALREADY_EXISTS},
    {DBN_EPERM, "permission denied", DUBAN__CODE__CODE_PERMISSION_DENIED},
    {DBN_ESTATE, "not allowed in the current state", DUBAN__CODE__CODE_FAILED_PRECONDITION},
    {DBN_EUNAVAIL, "unavailable", DUBAN__CODE__CODE_UNAVAILABLE},
    {DBN_EIO, "input/output error", DUBAN__CODE__CODE_UNAVAILABLE},
    {DBN_EMAPFULL, "the event log's map is full", DUBAN__CODE__CODE_UNAVAILABLE},
    {DBN_ECORRUPT, "the event log does not verify", DUBAN__CODE__CODE_DATA_LOSS},
    {DBN_EVERSION, "unsupported version", DUBAN__CODE__CODE_FAILED_PRECONDITION},
    {DBN_ETOOBIG, "over the size limit", DUBAN__CODE__CODE_INVALID_ARGUMENT},
    {DBN_ETIMEDOUT, "timed out", DUBAN__CODE__CODE_DEADLINE_EXCEEDED},
    {DBN_EPROTO, "malformed message", DUBAN__CODE__CODE_INVALID_ARGUMENT},
    {DBN_EINTERNAL, "internal error", DUBAN__CODE__CODE_INTERNAL},
    {DBN_EUNAUTH, "not authenticated", DUBAN__CODE__CODE_UNAUTHENTICATED},
    {DBN_EDISKFULL, "no space left on the device", DUBAN__CODE__CODE_UNAVAILABLE},
};

static const struct error_entry *
find_entry(int err)
{
  for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
    if (error_table[i].err == err)
      return &error_table[i];
  return NULL;
}

const char *
dbn_strerror(int err)
{
  const struct error_entry *entry = find_entry(err);
  return entry ? entry->text : "unknown error";
}

Duban__Code
dbn_error_code(int err)
{
  const struct error_entry *entry = find_entry(err);
  return entry ? entry->code : DUBAN__CODE__CODE_UNKNOWN;
}

const char *
dbn_code_name(Duban__Code code)
{
  switch (code) {
  case DUBAN__CODE__CODE_OK: return "ok";
  case DUBAN__CODE__CODE_CANCELLED: return "cancelled";
  case DUBAN__CODE__CODE_UNKNOWN: return "unknown";
  case DUBAN__CODE__CODE_INVALID_ARGUMENT: return "invalid_argument";
  case DUBAN__CODE__CODE_DEADLINE_EXCEEDED: return "deadline_exceeded";
  case DUBAN__CODE__CODE_NOT_FOUND: return "not_found";
  case DUBAN__CODE__CODE_ALREADY_EXISTS: return "already_exists";
  case DUBAN__CODE__CODE_PERMISSION_DENIED: return "permission_denied";
  case DUBAN__CODE__CODE_RESOURCE_EXHAUSTED: return "resource_exhausted";
  case DUBAN__CODE__CODE_FAILED_PRECONDITION: return "failed_precondition";
  case DUBAN__CODE__CODE_ABORTED: return "aborted";
  case DUBAN__CODE__CODE_OUT_OF_RANGE: return "out_of_range";
  case DUBAN__CODE__CODE_UNIMPLEMENTED: return "unimplemented";
  case DUBAN__CODE__CODE_INTERNAL: return "internal";
  case DUBAN__CODE__CODE_UNAVAILABLE: return "unavailable";
  case DUBAN__CODE__CODE_DATA_LOSS: return "data_loss";
  case DUBAN__CODE__CODE_UNAUTHENTICATED: return "unauthenticated";
  default: return "unknown";
  }
}
