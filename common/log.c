/* log.c: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void
dbn_log(enum dbn_log_level level, const char *component, const char *format, ...)
{
  static const char *const names[] = {"debug", "info", "warn", "error"};
  char line[2048];
  struct timespec now;
  struct tm tm;

  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  int used = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000,
                      names[level], component);
  va_list args;
  va_start(args, format);
  if (used > 0 && (size_t)used < sizeof line)
    vsnprintf(line + used, sizeof line - (size_t)used, format, args);
  va_end(args);
  /* One fputs of a whole line keeps lines from interleaving across threads. */
  fprintf(stderr, "%s\n", line);
}
