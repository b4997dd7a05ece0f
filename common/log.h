/* log.h: one line per message on stderr, with a UTC timestamp and a level.
 * Daemons log here; nothing is buffered, so a kill -9 loses no log line.
 *
 * With DUBAN_LOG_FORMAT=json in the environment (read at the first message,
 * so no program's options change), each line is instead one JSON object:
 *   {"time":"2026-12-03T08:40:28.592Z","level":"info","component":"broker","message":"..."}
 * with the message's bytes that are not well-formed UTF-8 written as U+FFFD.
 * Any other value, or none, keeps the plain lines. */
#ifndef DUBAN_LOG_H
#define DUBAN_LOG_H

enum dbn_log_level { DBN_LOG_DEBUG, DBN_LOG_INFO, DBN_LOG_WARN, DBN_LOG_ERROR };

void dbn_log(enum dbn_log_level level, const char *component, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
