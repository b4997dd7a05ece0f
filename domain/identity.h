/* identity.h: who is speaking (DESIGN invariant 1).
 *
 * An identity is what the broker's ZAP handler found in a key's
 * certificate: "unit:CODE" for a department, "coordinator:NAME",
 * "auditor:NAME" or "admin:NAME" for a role. It always comes from the
 * transport, never from a field a client wrote; this module only reads it. */
#ifndef DUBAN_IDENTITY_H
#define DUBAN_IDENTITY_H

typedef enum {
  DBN_ROLE_UNIT,        /* a department: acts on its own tasks */
  DBN_ROLE_COORDINATOR, /* the leading group's office */
  DBN_ROLE_AUDITOR,     /* reads everything, writes nothing */
  DBN_ROLE_ADMIN,       /* loads plans, moves a virtual clock */
  DBN_ROLE_COUNT
} dbn_role_t;

/* A set of roles, one bit each: DBN_ROLE_BIT(DBN_ROLE_UNIT) | ... */
#define DBN_ROLE_BIT(role) (1u << (unsigned)(role))
#define DBN_ROLES_ANY                                                                                        \
  (DBN_ROLE_BIT(DBN_ROLE_UNIT) | DBN_ROLE_BIT(DBN_ROLE_COORDINATOR) | DBN_ROLE_BIT(DBN_ROLE_AUDITOR) |       \
   DBN_ROLE_BIT(DBN_ROLE_ADMIN))

/* Split "unit:CODE", "coordinator:NAME", "auditor:NAME" or "admin:NAME".
 * On success *name_p points into identity (borrowed). The name is 1..64
 * characters of [A-Za-z0-9_.-]. */
int dbn_identity_parse(const char *identity, dbn_role_t *role_p, const char **name_p);

/* "unit", "coordinator", "auditor" or "admin"; "unknown" out of range. */
const char *dbn_role_name(dbn_role_t role);

/* A unit code or a plan id: 1..32 characters of [A-Za-z0-9_-]. */
int dbn_identity_code_valid(const char *code);

#endif
