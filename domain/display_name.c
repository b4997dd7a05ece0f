/* display_name.c: who someone is, as a person reads it; see display_name.h. */
#include "display_name.h"

#include <stdbool.h>
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

/* Whether c may be part of a code, an identity or a task id. */
static bool
word_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '-';
}

/* The name a word of a sentence stands for, or NULL to keep it. */
static const char *
word_name(const char *word, Duban__Unit *const *units, size_t n_units, char *buf, size_t buf_len)
{
  dbn_role_t role;
  const char *name;
  if (strchr(word, ':'))
    return dbn_identity_parse(word, &role, &name) == 0
               ? dbn_identity_display_name(word, NULL, units, n_units, buf, buf_len)
               : NULL;
  const char *shown = dbn_unit_display_name(units, n_units, word);
  return shown == word ? NULL : shown;
}

/* Append len bytes of piece to out if they all fit (used bytes so far). */
static bool
append_whole(char *out, size_t out_len, size_t *used, const char *piece, size_t len)
{
  if (*used + len + 1 > out_len)
    return false;
  memcpy(out + *used, piece, len);
  *used += len;
  out[*used] = '\0';
  return true;
}

/* The bytes of the UTF-8 character that starts at text (1 for a stray byte). */
static size_t
char_len(const char *text)
{
  size_t len = 1;
  while (text[len] && ((unsigned char)text[len] & 0xC0) == 0x80 && len < 4)
    len++;
  return len;
}

char *
dbn_display_names_in_text(const char *text, Duban__Unit *const *units, size_t n_units, char *out,
                          size_t out_len)
{
  if (!out || out_len == 0)
    return out;
  size_t used = 0;
  out[0] = '\0';
  text = text ? text : "";
  bool room = true;
  while (*text && room) {
    size_t len = 0;
    while (word_char(text[len]))
      len++;
    while (len > 0 && (text[len - 1] == '.' || text[len - 1] == ':' || text[len - 1] == '-'))
      len--;        /* a sentence's full stop or colon is not part of the word */
    if (len == 0) { /* one character between words */
      len = char_len(text);
      room = append_whole(out, out_len, &used, text, len);
      text += len;
      continue;
    }
    char word[128], buf[256];
    const char *name = NULL;
    if (len < sizeof word) {
      memcpy(word, text, len);
      word[len] = '\0';
      name = word_name(word, units, n_units, buf, sizeof buf);
    }
    if (name) {
      room = append_whole(out, out_len, &used, name, strlen(name));
      if (!room) /* as much of the name as fits, whole characters only */
        copy_whole_chars(out + used, out_len - used, name);
    } else {
      room = append_whole(out, out_len, &used, text, len);
      if (!room) /* an ASCII word: any cut is at a character boundary */
        copy_whole_chars(out + used, out_len - used, text);
    }
    text += len;
  }
  return out;
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
