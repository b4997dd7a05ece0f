/* identity.c: see identity.h. */
#include "identity.h"

#include <stdbool.h>
#include <string.h>

#include "error.h"

static const char *const role_names[DBN_ROLE_COUNT] = {"unit", "coordinator", "auditor", "admin"};

const char *
dbn_role_name(dbn_role_t role)
{
  return (unsigned)role < DBN_ROLE_COUNT ? role_names[role] : "unknown";
}

static bool
name_char(char c, bool dot_allowed)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         (dot_allowed && c == '.');
}

static bool
valid_name(const char *name)
{
  size_t len = strlen(name);
  if (len == 0 || len > 64)
    return false;
  for (const char *c = name; *c; c++)
    if (!name_char(*c, true))
      return false;
  return true;
}

int
dbn_identity_code_valid(const char *code)
{
  if (!code || !*code || strlen(code) > 32)
    return 0;
  for (const char *c = code; *c; c++)
    if (!name_char(*c, false))
      return 0;
  return 1;
}

int
dbn_identity_parse(const char *identity, dbn_role_t *role_p, const char **name_p)
{
  if (!identity)
    return DBN_EINVAL;
  const char *colon = strchr(identity, ':');
  if (!colon)
    return DBN_EINVAL;
  size_t kind_len = (size_t)(colon - identity);
  for (int r = 0; r < DBN_ROLE_COUNT; r++) {
    if (strlen(role_names[r]) == kind_len && strncmp(identity, role_names[r], kind_len) == 0) {
      if (!valid_name(colon + 1))
        return DBN_EINVAL;
      *role_p = (dbn_role_t)r;
      *name_p = colon + 1;
      return 0;
    }
  }
  return DBN_EINVAL;
}
