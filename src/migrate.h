/* migrate.h -- MIGRATE and its cache of connections to targets. */
#ifndef CASTOR_MIGRATE_H
#define CASTOR_MIGRATE_H

#include "cmdtable.h"

/* Close the cached connections unused for more than 10 s (server cron). */
void migrate_cron(void);
/* How many connections are cached (INFO's migrate_cached_sockets). */
int migrate_cached_count(void);

/* The command table, registered by server.c. */
extern command migrate_commands[];

#endif
