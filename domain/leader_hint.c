/* leader_hint.c: see leader_hint.h. */
#include "leader_hint.h"

#include <stdio.h>
#include <string.h>

#define TOKEN "leader="

void
dbn_leader_hint_format(const char *endpoint, char *out, size_t out_len)
{
  snprintf(out, out_len, TOKEN "%s", endpoint);
}

/* An endpoint ends at a space or at punctuation a sentence puts after it. */
static bool
ends_endpoint(char c)
{
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == ';' || c == ',' || c == ')' ||
         (unsigned char)c >= 0x80;
}

bool
dbn_leader_hint_parse(const char *message, char *out, size_t out_len)
{
  const char *start = message ? strstr(message, TOKEN) : NULL;
  if (!start || out_len == 0)
    return false;
  start += strlen(TOKEN);
  size_t len = 0;
  while (!ends_endpoint(start[len]))
    len++;
  if (len == 0 || len >= out_len || len >= DBN_LEADER_HINT_MAX)
    return false;
  memcpy(out, start, len);
  out[len] = '\0';
  return true;
}
