/* ladder.c: see ladder.h. */
#include "ladder.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "utf8.h"

void
dbn_ladder_default(dbn_ladder_t *ladder)
{
  static const char *const names[] = {"蓝色督办单", "橙色督办单", "红色督办单"};
  memset(ladder, 0, sizeof *ladder);
  ladder->count = sizeof names / sizeof names[0];
  for (size_t i = 0; i < ladder->count; i++)
    snprintf(ladder->names[i], sizeof ladder->names[i], "%s", names[i]);
}

/* Copy the len bytes at text into out (DBN_LADDER_NAME_MAX), checked. */
static bool
copy_part(char *out, const char *text, size_t len)
{
  if (len == 0 || len >= DBN_LADDER_NAME_MAX || !dbn_utf8_valid(text, len) || memchr(text, '=', len))
    return false;
  memcpy(out, text, len);
  out[len] = '\0';
  return true;
}

int
dbn_ladder_parse(dbn_ladder_t *ladder, const char *text, char *why, size_t why_len)
{
  dbn_ladder_t parsed;
  memset(&parsed, 0, sizeof parsed);
  const char *level = text;
  while (level) {
    const char *comma = strchr(level, ',');
    size_t len = comma ? (size_t)(comma - level) : strlen(level);
    const char *equals = memchr(level, '=', len);
    size_t name_len = equals ? (size_t)(equals - level) : len;
    if (parsed.count == DBN_LADDER_MAX_LEVELS) {
      snprintf(why, why_len, "the ladder has at most %d levels", DBN_LADDER_MAX_LEVELS);
      return DBN_EINVAL;
    }
    size_t i = parsed.count++;
    if (!copy_part(parsed.names[i], level, name_len) ||
        (equals && !copy_part(parsed.notify[i], equals + 1, len - name_len - 1))) {
      snprintf(why, why_len, "level %zu of the ladder '%s' needs a name (and =WHOM) of 1-63 bytes of UTF-8",
               i + 1, text);
      return DBN_EINVAL;
    }
    level = comma ? comma + 1 : NULL;
  }
  *ladder = parsed;
  return 0;
}

uint32_t
dbn_ladder_cap(const dbn_ladder_t *ladder)
{
  return ladder->count ? (uint32_t)(ladder->count - 1) : 0;
}

uint32_t
dbn_ladder_due_level(const dbn_ladder_t *ladder, int64_t raised_at, int64_t now, int64_t sla_seconds)
{
  if (sla_seconds <= 0 || now <= raised_at)
    return 0;
  int64_t periods = (now - raised_at) / sla_seconds;
  uint32_t cap = dbn_ladder_cap(ladder);
  return periods >= (int64_t)cap ? cap : (uint32_t)periods;
}

const char *
dbn_ladder_name(const dbn_ladder_t *ladder, uint32_t level)
{
  if (ladder->count == 0)
    return "";
  return ladder->names[level < ladder->count ? level : ladder->count - 1];
}

const char *
dbn_ladder_notify(const dbn_ladder_t *ladder, uint32_t level)
{
  if (ladder->count == 0)
    return "";
  return ladder->notify[level < ladder->count ? level : ladder->count - 1];
}
