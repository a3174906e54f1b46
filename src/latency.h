/* latency.h -- the latency monitor and the per-command latency histograms. */
#ifndef CASTOR_LATENCY_H
#define CASTOR_LATENCY_H

#include "cmdtable.h"
#include "str.h"

/* Record an event sample in ms if the monitor is on and it reaches the
 * threshold (latency-monitor-threshold). */
void latency_add_sample(const char *event, long long ms);
/* Add one run of cmd taking 'us' microseconds to its histogram (callers
 * check latency-tracking). */
void latency_record_command(command *cmd, long long us);
/* INFO's "latencystats" section, appended to s. */
str *latency_info(str *s);

/* The command table, registered by server.c. */
extern command latency_commands[];

#endif
