/* slowlog.h -- the slow log. */
#ifndef CASTOR_SLOWLOG_H
#define CASTOR_SLOWLOG_H

#include "client.h"
#include "cmdtable.h"

/* True if argument i of c's command carries a secret: the arguments Redis
 * shows as "(redacted)" in the slow log and MONITOR. */
bool slowlog_arg_is_secret(const client *c, int i);
/* Record c's current command if it took longer than the threshold. */
void slowlog_maybe_add(client *c, long long duration_us);

/* The command table, registered by server.c. */
extern command slowlog_commands[];

#endif
