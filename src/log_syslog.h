/* log_syslog.h -- log lines also sent to syslog(3) (syslog-enabled yes).
 * Apart from log.c because <syslog.h> defines LOG_DEBUG, LOG_NOTICE and
 * LOG_WARNING, which log.h uses for castor's own levels. */
#ifndef CASTOR_LOG_SYSLOG_H
#define CASTOR_LOG_SYSLOG_H

/* openlog(ident, LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility). */
void log_syslog_open(const char *ident, int facility);
/* Send msg at castor's level 0..3 (debug, verbose, notice, warning). */
void log_syslog_write(int level, const char *msg);

#endif
