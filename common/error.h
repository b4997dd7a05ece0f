/* error.h: the one table of duban error codes.
 *
 * Every fallible duban function returns 0 or one of these negative codes,
 * and each module translates foreign codes (MDB_*, zmq errno, a NULL from
 * protobuf-c) into them at its own edge. The codes sit in a reserved range,
 * DBN_ERROR_FIRST down to DBN_ERROR_LAST, far below any -errno (Linux's
 * errno values end at 4095) and apart from LMDB's -30799..-30780, so a code
 * that leaked through untranslated can never be mistaken for one of ours.
 * The mapping onto the gRPC-style codes a Reply carries is the wire's
 * (dbn_wire_error_code in wire.h). */
#ifndef DUBAN_ERROR_H
#define DUBAN_ERROR_H

#include <stdbool.h>

#define DBN_ERROR_BASE (-7000)

enum dbn_error {
  DBN_OK = 0,
  DBN_ENOMEM = DBN_ERROR_BASE - 1,     /* out of memory */
  DBN_EINVAL = DBN_ERROR_BASE - 2,     /* a malformed or out-of-range argument */
  DBN_ENOTFOUND = DBN_ERROR_BASE - 3,  /* no such task, unit, escalation, key or event */
  DBN_EEXIST = DBN_ERROR_BASE - 4,     /* already exists */
  DBN_EPERM = DBN_ERROR_BASE - 5,      /* the identity may not do this */
  DBN_ESTATE = DBN_ERROR_BASE - 6,     /* not allowed in the current state */
  DBN_EUNAVAIL = DBN_ERROR_BASE - 7,   /* the broker, the disk or the map cannot take it now */
  DBN_EIO = DBN_ERROR_BASE - 8,        /* an I/O error from the operating system or LMDB */
  DBN_EMAPFULL = DBN_ERROR_BASE - 9,   /* the LMDB map is full; grow it and retry */
  DBN_ECORRUPT = DBN_ERROR_BASE - 10,  /* the log or a view does not verify */
  DBN_EVERSION = DBN_ERROR_BASE - 11,  /* a protocol or file version we do not speak */
  DBN_ETOOBIG = DBN_ERROR_BASE - 12,   /* over a size limit */
  DBN_ETIMEDOUT = DBN_ERROR_BASE - 13, /* no answer in time */
  DBN_EPROTO = DBN_ERROR_BASE - 14,    /* bytes that do not decode */
  DBN_EINTERNAL = DBN_ERROR_BASE - 15, /* a bug: should not happen */
  DBN_EUNAUTH = DBN_ERROR_BASE - 16,   /* no valid key, or the key is not known */
  DBN_EDISKFULL = DBN_ERROR_BASE - 17, /* no space left on the device */
  DBN_ERROR_FIRST = DBN_ENOMEM,
  DBN_ERROR_LAST = DBN_EDISKFULL,
};

/* True if err is one of the codes above (DBN_OK included). */
bool dbn_error_known(int err);

/* A static string that describes err; never NULL ("unknown error" for a
 * value outside the table). */
const char *dbn_strerror(int err);

#endif
