/* date.c: see date.h. */
#include "date.h"

#include <stdio.h>
#include <time.h>

#include "error.h"

int
dbn_date_parse(const char *text, int64_t *start_of_day_p)
{
  int year, month, day;
  char tail;
  if (!text || sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3 || year < 1970 || year > 9999 ||
      month < 1 || month > 12 || day < 1 || day > 31)
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
