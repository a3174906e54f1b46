/* memory.h -- where the memory goes: the overhead/dataset split that INFO
 * memory and MEMORY STATS report, the allocator's own figures (sampled by
 * the cron, as Redis does), and Redis's human-readable byte format. */
#ifndef CASTOR_MEMORY_H
#define CASTOR_MEMORY_H

#include <stddef.h>

#include "cmdtable.h"

struct db;

/* Redis's struct redisMemOverhead plus the sampled allocator figures.
 * Ratios are float, as in Redis, so that printed digits match its style. */
typedef struct memory_stats {
    size_t used;    /* mem_used() now */
    size_t peak;    /* max(stat_peak_memory, used) */
    size_t startup; /* srv.initial_memory_usage */
    size_t repl_backlog, clients_slaves, clients_normal, cluster_links, aof_buffer;
    size_t replica_buffers; /* the replication buffer beyond the backlog (repl.c) */
    size_t not_counted_for_evict;
    size_t lua_caches, functions_caches;
    size_t overhead_total; /* startup + buffers + keyspace tables */
    size_t dataset;        /* used - overhead_total */
    size_t total_keys, bytes_per_key;
    float peak_perc, dataset_perc;
    /* Sampled every 100 ms by memory_cron(). */
    size_t rss, sampled_used;
    size_t allocator_allocated, allocator_active, allocator_resident;
    float total_frag, allocator_frag, allocator_rss, rss_extra;
    long long total_frag_bytes, allocator_frag_bytes, allocator_rss_bytes, rss_extra_bytes;
} memory_stats;

/* Memory that maxmemory does not count (Redis's mem_not_counted_for_evict):
 * what replicas hold of the replication buffer beyond the backlog, and the
 * AOF buffer. Counting them would make a master evict its data to make
 * room for replicating it. The backlog is counted. O(1). */
size_t memory_not_counted_for_evict(void);
/* Fill *ms from the current state and the last sample. O(dbs + clients). */
void memory_get_stats(memory_stats *ms);
/* Called every cron tick: samples RSS and allocator figures each 100 ms. */
void memory_cron(void);
/* DEBUG MALLCTL / MALLCTL-STR <key> [value] (debug.c): jemalloc's setting. */
void memory_debug_mallctl(client *c, bool as_str);
/* Redis's bytesToHuman: "1023B", "1.00K", "919.30K", "11.62M" ... into buf
 * (at least 32 bytes). */
void memory_to_human(char *buf, size_t size, unsigned long long n);

/* The command table, registered by server.c. */
extern command memory_commands[];

#endif
