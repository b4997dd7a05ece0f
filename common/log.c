/* log.c: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

/* -1 not read yet, 0 plain lines, 1 JSON lines. A race between two threads'
 * first messages only reads the same variable twice. */
static int json_format = -1;

static bool
want_json(void)
{
  if (json_format < 0) {
    const char *format = getenv("DUBAN_LOG_FORMAT");
    json_format = format && strcmp(format, "json") == 0;
  }
  return json_format == 1;
}

/* Append s as a JSON string (with its quotes) to out[*used..size); what does
 * not fit is dropped whole, character by character, so out stays valid. */
static void
put_json_string(char *out, size_t size, size_t *used, const char *s)
{
  size_t len = strlen(s);
  char piece[8];
  /* Room is kept for the closing quote, "}" and the NUL. */
  size_t limit = size - 3;
  if (*used < limit)
    out[(*used)++] = '"';
  for (size_t i = 0; i < len;) {
    unsigned cp;
    size_t n = dbn_utf8_next(s + i, len - i, &cp);
    const char *bytes = piece;
    size_t piece_len;
    if (n == 0) {
      bytes = "\xEF\xBF\xBD"; /* U+FFFD */
      piece_len = 3;
      n = 1;
    } else if (cp == '"' || cp == '\\') {
      piece[0] = '\\';
      piece[1] = (char)cp;
      piece_len = 2;
    } else if (cp == '\n') {
      bytes = "\\n";
      piece_len = 2;
    } else if (cp == '\t') {
      bytes = "\\t";
      piece_len = 2;
    } else if (cp < 0x20 || cp == 0x7F) {
      snprintf(piece, sizeof piece, "\\u%04x", cp);
      piece_len = 6;
    } else {
      bytes = s + i;
      piece_len = n;
    }
    if (*used + piece_len >= limit)
      break;
    memcpy(out + *used, bytes, piece_len);
    *used += piece_len;
    i += n;
  }
  out[(*used)++] = '"';
  out[*used] = '\0';
}

void
dbn_log(enum dbn_log_level level, const char *component, const char *format, ...)
{
  static const char *const names[] = {"debug", "info", "warn", "error"};
  char line[2048];
  char stamp[64];
  struct timespec now;
  struct tm tm;

  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);

  if (want_json()) {
    char message[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    /* The fixed parts are short: stamp, level and component fit always;
     * the message takes what is left. */
    char json[4096];
    size_t used = (size_t)snprintf(json, sizeof json,
                                   "{\"time\":\"%s\",\"level\":\"%s\",\"component\":", stamp, names[level]);
    put_json_string(json, sizeof json / 2, &used, component ? component : "");
    memcpy(json + used, ",\"message\":", 12);
    used += 11;
    put_json_string(json, sizeof json, &used, message);
    fprintf(stderr, "%s}\n", json);
    return;
  }

  int used = snprintf(line, sizeof line, "%s %-5s %s: ", stamp, names[level], component);
  va_list args;
  va_start(args, format);
  if (used > 0 && (size_t)used < sizeof line)
    vsnprintf(line + used, sizeof line - (size_t)used, format, args);
  va_end(args);
  /* One fputs of a whole line keeps lines from interleaving across threads. */
  fprintf(stderr, "%s\n", line);
}
