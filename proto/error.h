/* error.h: the one table of duban error codes.
 *
 * Every fallible duban function returns 0 or one of these negative codes,
 * and each module translates foreign codes (MDB_*, zmq errno, a NULL from
 * protobuf-c) into them at its own edge. dbn_error_code() maps a code to the
 * gRPC-style Code a Reply carries, so one table serves the log, the CLI and
 * the wire. */
#ifndef DUBAN_ERROR_H
#define DUBAN_ERROR_H

#include "duban.pb-c.h"

enum dbn_error {
  DBN_OK = 0,
  DBN_ENOMEM = -1,     /* out of memory */
  DBN_EINVAL = -2,     /* a malformed or out-of-range argument */
  DBN_ENOTFOUND = -3,  /* no such task, unit, escalation, key or event */
  DBN_EEXIST = -4,     /* already exists */
  DBN_EPERM = -5,      /* the identity may not do this */
  DBN_ESTATE = -6,     /* not allowed in the current state */
  DBN_EUNAVAIL = -7,   /* the broker, the disk or the map cannot take it now */
  DBN_EIO = -8,        /* an I/O error from the operating system or LMDB */
  DBN_EMAPFULL = -9,   /* the LMDB map is full; grow it and retry */
  DBN_ECORRUPT = -10,  /* the log or a view does not verify */
  DBN_EVERSION = -11,  /* a protocol or file version we do not speak */
  DBN_ETOOBIG = -12,   /* over a size limit */
  DBN_ETIMEDOUT = -13, /* no answer in time */
  DBN_EPROTO = -14,    /* bytes that do not decode */
  DBN_EINTERNAL = -15, /* a bug: should not happen */
  DBN_EUNAUTH = -16,   /* no valid key, or the key is not known */
  DBN_EDISKFULL = -17, /* no space left on the device */
};

/* A static string that describes err; never NULL. */
const char *dbn_strerror(int err);

/* The wire code a Reply carries for err. */
Duban__Code dbn_error_code(int err);

/* The name of a wire code, lower case ("permission_denied"). */
const char *dbn_code_name(Duban__Code code);

#endif
