/* error.c: the text of each duban error code; see error.h. */
#include "error.h"

#include <stddef.h>

/* Indexed by DBN_ERROR_BASE - err; [0] is DBN_OK. */
static const char *const error_text[] = {
    [0] = "success",
    [DBN_ERROR_BASE - DBN_ENOMEM] = "out of memory",
    [DBN_ERROR_BASE - DBN_EINVAL] = "invalid argument",
    [DBN_ERROR_BASE - DBN_ENOTFOUND] = "not found",
    [DBN_ERROR_BASE - DBN_EEXIST] = "already exists",
    [DBN_ERROR_BASE - DBN_EPERM] = "permission denied",
    [DBN_ERROR_BASE - DBN_ESTATE] = "not allowed in the current state",
    [DBN_ERROR_BASE - DBN_EUNAVAIL] = "unavailable",
    [DBN_ERROR_BASE - DBN_EIO] = "input/output error",
    [DBN_ERROR_BASE - DBN_EMAPFULL] = "the event log's map is full",
    [DBN_ERROR_BASE - DBN_ECORRUPT] = "the event log does not verify",
    [DBN_ERROR_BASE - DBN_EVERSION] = "unsupported version",
    [DBN_ERROR_BASE - DBN_ETOOBIG] = "over the size limit",
    [DBN_ERROR_BASE - DBN_ETIMEDOUT] = "timed out",
    [DBN_ERROR_BASE - DBN_EPROTO] = "malformed message",
    [DBN_ERROR_BASE - DBN_EINTERNAL] = "internal error",
    [DBN_ERROR_BASE - DBN_EUNAUTH] = "not authenticated",
    [DBN_ERROR_BASE - DBN_EDISKFULL] = "no space left on the device",
};

_Static_assert(sizeof error_text / sizeof error_text[0] == DBN_ERROR_BASE - DBN_ERROR_LAST + 1,
               "every error code has its text");

bool
dbn_error_known(int err)
{
  return err == DBN_OK || (err <= DBN_ERROR_FIRST && err >= DBN_ERROR_LAST);
}

const char *
dbn_strerror(int err)
{
  if (!dbn_error_known(err))
    return "unknown error";
  return error_text[err == DBN_OK ? 0 : DBN_ERROR_BASE - err];
}
