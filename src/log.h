/* log.h -- Redis-format log lines: "pid:role dd Mon yyyy hh:mm:ss.mmm L msg". */
#ifndef CASTOR_LOG_H
#define CASTOR_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* Where to write ("" is stdout), the minimum level, and the role letter
 * (M master, S replica, C child, X sentinel). 0 or -1 if the file can't open. */
int log_open(const char *path, int level);
/* Also send every line to syslog(3) (syslog-enabled yes). */
void log_open_syslog(const char *ident, int facility);
void log_set_level(int level);
void log_set_role(char role);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log without formatting, safe from a signal handler. */
void log_raw_signal_safe(const char *msg);
/* The descriptor the log writes to (for backtrace_symbols_fd). */
int log_signal_fd(void);

#endif
