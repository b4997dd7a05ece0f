/* log.h: one line per message on stderr, with a UTC timestamp and a level.
 * Daemons log here; nothing is buffered, so a kill -9 loses no log line. */
#ifndef DUBAN_LOG_H
#define DUBAN_LOG_H

enum dbn_log_level { DBN_LOG_DEBUG, DBN_LOG_INFO, DBN_LOG_WARN, DBN_LOG_ERROR };

void dbn_log(enum dbn_log_level level, const char *component, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
