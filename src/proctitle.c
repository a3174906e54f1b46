/* proctitle.c -- set the title ps(1) shows for the process.
 *
 * Linux reads /proc/PID/cmdline from the memory that held argv's strings
 * when the process started, which the environment's strings follow. As
 * Redis's setproctitle.c does, the environment is copied to the heap (so
 * getenv() keeps working), and the whole region is then free for the
 * title; its unused tail is zeroed so no old argument shows through.
 * The short name in /proc/PID/comm is left alone.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "proctitle.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

extern char **environ;

static char *area, *area_end; /* [area, area_end) may be overwritten */
static char *argv0;

void proctitle_init(int argc, char **argv) {
    if (argc < 1 || argv[0] == NULL || area) return;
    argv0 = mem_strdup(argv[0]);
    char *end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i] != end) break; /* not contiguous: stop there */
        end = argv[i] + strlen(argv[i]) + 1;
    }
    if (environ) {
        int n = 0;
        while (environ[n]) n++;
        char **copy = mem_alloc(sizeof(char *) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            if (environ[i] == end) end = environ[i] + strlen(environ[i]) + 1;
            copy[i] = mem_strdup(environ[i]);
        }
        copy[n] = NULL;
        environ = copy;
    }
    area = argv[0];
    area_end = end;
}

void proctitle_set(const char *title) {
    if (area == NULL || area_end - area < 2) return;
    size_t room = (size_t)(area_end - area) - 1;
    size_t len = strlen(title);
    if (len > room) len = room;
    memcpy(area, title, len);
    memset(area + len, '\0', (size_t)(area_end - area) - len);
}

const char *proctitle_argv0(void) { return argv0 ? argv0 : "castor-server"; }
