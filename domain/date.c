/* date.c: see date.h. */
#include "date.h"

#include <stdbool.h>
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
dbn_date_parse(const char *text, int64_t *start_of_day_p)
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
  *start_of_day_p = (int64_t)t;
  return 0;
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
