/* display_name.c: who someone is, as a person reads it; see display_name.h. */
#include "display_name.h"

#include <stdio.h>
#include <string.h>

#include "identity.h"

const char *
dbn_unit_display_name(Duban__Unit *const *units, size_t n_units, const char *code)
{
  if (!code)
    return "";
  for (size_t i = 0; i < n_units; i++)
    if (units[i] && units[i]->code && strcmp(units[i]->code, code) == 0)
      return units[i]->name && units[i]->name[0] ? units[i]->name : code;
  return code;
}

/* The Chinese word for a role that speaks through a key of its own. */
static const char *
role_zh(dbn_role_t role)
{
  switch (role) {
  case DBN_ROLE_COORDINATOR: return "协调员";
  case DBN_ROLE_AUDITOR: return "审计员";
  case DBN_ROLE_ADMIN: return "管理员";
  default: return NULL;
  }
}

/* Copy text into out, cut before a character that would not fit whole. */
static void
copy_whole_chars(char *out, size_t out_len, const char *text)
{
  size_t len = strlen(text);
  if (len >= out_len) {
    len = out_len - 1;
    while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
      len--; /* text[len] continues a character: cut before its start */
  }
  memcpy(out, text, len);
  out[len] = '\0';
}

char *
dbn_identity_display_name(const char *identity, const char *person, Duban__Unit *const *units, size_t n_units,
                          char *out, size_t out_len)
{
  if (!out || out_len == 0)
    return out;
  identity = identity ? identity : "";
  dbn_role_t role;
  const char *name;
  char joined[512];
  const char *shown = identity;
  if (strcmp(identity, "system") == 0) {
    shown = "督办系统";
  } else if (dbn_identity_parse(identity, &role, &name) == 0) {
    if (role == DBN_ROLE_UNIT) {
      shown = dbn_unit_display_name(units, n_units, name);
    } else if (role_zh(role)) {
      snprintf(joined, sizeof joined, "%s %s", role_zh(role), person && person[0] ? person : name);
      shown = joined;
    }
  } else {
    shown = dbn_unit_display_name(units, n_units, identity); /* a bare code, or as given */
  }
  copy_whole_chars(out, out_len, shown);
  return out;
}
