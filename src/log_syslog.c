/* log_syslog.c -- the syslog(3) side of logging, as Redis's serverLogRaw:
 * castor's levels map to LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "log_syslog.h"

#include <syslog.h>

void log_syslog_open(const char *ident, int facility) {
    openlog(ident, LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
}

void log_syslog_write(int level, const char *msg) {
    static const int map[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    syslog(map[level & 3], "%s", msg);
}
