/* slowlog.h -- the slow log and the latency monitor. */
#ifndef CASTOR_SLOWLOG_H
#define CASTOR_SLOWLOG_H

#include "client.h"
#include "cmdtable.h"

/* Record c's current command if it took longer than the threshold. */
void slowlog_maybe_add(client *c, long long duration_us);
/* Latency monitor: record an event sample in ms if above the threshold. */
void latency_add_sample(const char *event, long long ms);

/* The command table, registered by server.c. */
extern command slowlog_commands[];

#endif
