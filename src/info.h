/* info.h -- the INFO command and the statistics it samples over time. */
#ifndef CASTOR_INFO_H
#define CASTOR_INFO_H

#include "cmdtable.h"
#include "str.h"

/* Called every cron tick: samples instantaneous ops/s and kbps each 100 ms
 * and the allocator figures (memory_cron). */
void info_cron(void);
/* A stable id for this build, printed like Redis's redis_build_id. */
unsigned long long info_build_id(void);
/* CONFIG RESETSTAT: zero the stat_* counters of srv, the command table's
 * calls/usec/rejected/failed, the error counts and the instantaneous rings. */
void info_reset_stats(void);

/* The text of INFO everything (the crash report). Caller frees. */
str *info_generate_all(void);

/* The command table, registered by server.c. */
extern command info_commands[];

#endif
