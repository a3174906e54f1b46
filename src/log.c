/* log.c -- log lines in Redis's format, which operators and test tools grep:
 *   12345:M 24 Nov 2026 02:55:35.123 * Ready to accept connections
 * The level marks are Redis's: '.' debug, '-' verbose, '*' notice, '#' warning.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log_syslog.h"

static FILE *out;
static char path_buf[1024];
static int min_level = LOG_NOTICE;
static char role = 'M';
static bool to_syslog;

int log_open(const char *path, int level) {
    min_level = level;
    if (out && out != stdout) fclose(out);
    out = NULL;
    snprintf(path_buf, sizeof(path_buf), "%s", path ? path : "");
    if (path_buf[0] == '\0') {
        out = stdout;
        return 0;
    }
    out = fopen(path_buf, "a");
    if (out == NULL) {
        out = stdout;
        return -1;
    }
    return 0;
}

void log_open_syslog(const char *ident, int facility) {
    log_syslog_open(ident, facility);
    to_syslog = true;
}

void log_set_level(int level) { min_level = level; }
void log_set_role(char r) { role = r; }

void log_msg(int level, const char *fmt, ...) {
    if (level < min_level) return;
    if (out == NULL) out = stdout;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char date[64];
    size_t off = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(date + off, sizeof(date) - off, "%03d", (int)tv.tv_usec / 1000);
    static const char marks[] = ".-*#";
    fprintf(out, "%d:%c %s %c %s\n", (int)getpid(), role, date, marks[level & 3], msg);
    fflush(out);
    if (to_syslog) log_syslog_write(level, msg);
}

int log_signal_fd(void) { return out && out != stdout ? fileno(out) : STDOUT_FILENO; }

void log_raw_signal_safe(const char *msg) {
    int fd = out && out != stdout ? fileno(out) : STDOUT_FILENO;
    ssize_t rc = write(fd, msg, strlen(msg));
    (void)rc;
}
