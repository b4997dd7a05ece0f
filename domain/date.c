/* date.c: see date.h. */
#include "date.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"

static bool
digits(const char *text, int count, int *value_p)
{
  int value = 0;
  for (int i = 0; i < count; i++) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    value = value * 10 + (text[i] - '0');
  }
  *value_p = value;
  return true;
}

static int
days_in_month(int year, int month)
{
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

int
dbn_zone_parse(const char *text, int64_t *offset_p)
{
  static const struct {
    const char *name;
    int64_t offset;
  } names[] = {
      {"Asia/Shanghai", 8 * 3600},
      {"Asia/Beijing", 8 * 3600},
      {"PRC", 8 * 3600},
      {"CST", 8 * 3600},
      {"UTC", 0},
      {"Z", 0},
      {"GMT", 0},
  };
  if (!text)
    return DBN_EINVAL;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(text, names[i].name) == 0) {
      *offset_p = names[i].offset;
      return 0;
    }
  }
  /* +HH:MM or +HHMM, sign required. */
  size_t len = strlen(text);
  int hours, minutes;
  if ((len != 6 && len != 5) || (text[0] != '+' && text[0] != '-') || !digits(text + 1, 2, &hours))
    return DBN_EINVAL;
  const char *mm = len == 6 ? text + 4 : text + 3;
  if ((len == 6 && text[3] != ':') || !digits(mm, 2, &minutes) || hours > 14 || minutes > 59)
    return DBN_EINVAL;
  int64_t offset = (int64_t)hours * 3600 + (int64_t)minutes * 60;
  *offset_p = text[0] == '-' ? -offset : offset;
  return 0;
}

int64_t
dbn_plan_zone_offset(void)
{
  const char *text = getenv(DBN_PLAN_ZONE_ENV);
  int64_t offset;
  if (!text || !*text || dbn_zone_parse(text, &offset) != 0)
    return DBN_PLAN_ZONE_OFFSET_DEFAULT;
  return offset;
}

int
dbn_plan_zone_check(char *why, size_t why_len)
{
  const char *text = getenv(DBN_PLAN_ZONE_ENV);
  int64_t offset;
  if (!text || !*text || dbn_zone_parse(text, &offset) == 0)
    return 0;
  snprintf(why, why_len,
           "环境变量 %s=“%.64s”不是可用的时区：请写 Asia/Shanghai（默认）、UTC，或 +08:00 这样的固定偏移"
           "（不支持有夏令时的时区）；一个部署的所有程序须用同一时区",
           DBN_PLAN_ZONE_ENV, text);
  return DBN_EINVAL;
}

int
dbn_date_parse_zone(const char *text, int64_t offset, int64_t *start_of_day_p)
{
  int year, month, day;
  /* Exactly YYYY-MM-DD: sscanf would also take " 2023-1-5" and "2023-+1-05". */
  if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 4, &year) ||
      !digits(text + 5, 2, &month) || !digits(text + 8, 2, &day))
    return DBN_EINVAL;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return DBN_EINVAL;
  struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day};
  time_t t = timegm(&tm);
  if (t == (time_t)-1)
    return DBN_EINVAL;
  /* Midnight in a zone east of UTC comes before midnight UTC. */
  *start_of_day_p = (int64_t)t - offset;
  return 0;
}

int
dbn_date_parse(const char *text, int64_t *start_of_day_p)
{
  return dbn_date_parse_zone(text, dbn_plan_zone_offset(), start_of_day_p);
}

int
dbn_date_parse_end(const char *text, int64_t *end_of_day_p)
{
  int64_t start;
  int rc = dbn_date_parse(text, &start);
  if (rc)
    return rc;
  *end_of_day_p = start + DBN_DAY_SECONDS;
  return 0;
}

void
dbn_date_format_zone(int64_t t, int64_t offset, char out[16])
{
  /* Saturated, so that a damaged clock prints at an end instead of
   * overflowing. */
  int64_t local = t > INT64_MAX - 86400 ? INT64_MAX - 86400 : t < INT64_MIN + 86400 ? INT64_MIN + 86400 : t;
  local += offset;
  int64_t days = local / DBN_DAY_SECONDS - (local % DBN_DAY_SECONDS < 0);
  /* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int day = (int)(doy - (153 * mp + 2) / 5 + 1), month = (int)(mp < 10 ? mp + 3 : mp - 9);
  int64_t year = yoe + era * 400 + (month <= 2);
  int shown = year < 0 ? 0 : year > 9999 ? 9999 : (int)year;
  snprintf(out, 16, "%04d-%02d-%02d", shown % 10000, month % 100, day % 100);
}

void
dbn_date_format(int64_t t, char out[16])
{
  dbn_date_format_zone(t, dbn_plan_zone_offset(), out);
}

void
dbn_time_format_minute(int64_t t, char out[24])
{
  char day[16];
  dbn_date_format(t, day);
  int64_t local = t + dbn_plan_zone_offset();
  int64_t second_of_day = local % DBN_DAY_SECONDS;
  if (second_of_day < 0)
    second_of_day += DBN_DAY_SECONDS;
  snprintf(out, 24, "%s %02d:%02d", day, (int)(second_of_day / 3600), (int)(second_of_day / 60 % 60));
}
