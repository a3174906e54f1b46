/* memory.c -- memory accounting and the MEMORY command.
 *
 * used_memory (mem.c) is split, as Redis splits it, into "overhead"
 * (start-up memory, client buffers, the key tables) and "dataset" (the
 * rest). castor has no dictEntry or robj per key: a key table costs its
 * bucket arrays plus the header of each kv entry, and the TTL index costs
 * its pointer array plus the expire slot of each volatile entry.
 * The allocator's own figures (jemalloc's allocated/active/resident) and the
 * RSS are sampled every 100 ms by memory_cron(), like Redis's
 * cron_malloc_stats, so INFO never pays for /proc reads or a jemalloc epoch.
 * Field names and reply shapes follow Redis 7.0's object.c (MEMORY) and
 * getMemoryOverheadData(). Not here: eviction (evict.c), used_memory itself
 * (mem.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "memory.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "aof.h"
#include "arg.h"
#include "cmdtable.h"
#include "db.h"
#include "errors.h"
#include "kv.h"
#include "mem.h"
#include "reply.h"
#include "repl.h"
#include "server.h"

#ifndef CASTOR_LIBC_MALLOC
/* Debian's jemalloc is built without a prefix: these are its mallctl API. */
#include <jemalloc/jemalloc.h>
#endif

/* ---- Sampling (cron) ---- */

static struct {
    long long last_ms;
    size_t rss, used;
    size_t allocated, active, resident;
} sample;

/* jemalloc's stats.allocated/active/resident, or zeros (libc malloc). */
static void allocator_info(size_t *allocated, size_t *active, size_t *resident) {
    *allocated = *active = *resident = 0;
#ifndef CASTOR_LIBC_MALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the cached stats */
    sz = sizeof(size_t);
    mallctl("stats.allocated", allocated, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.active", active, &sz, NULL, 0);
    sz = sizeof(size_t);
    mallctl("stats.resident", resident, &sz, NULL, 0);
#endif
}

static void take_sample(void) {
    sample.last_ms = srv.mstime;
    sample.rss = mem_rss();
    sample.used = mem_used();
    allocator_info(&sample.allocated, &sample.active, &sample.resident);
    /* As Redis does when the allocator gives no figures: fake them from the
     * RSS and used_memory so the ratios still say something. */
    if (sample.resident == 0) sample.resident = sample.rss;
    if (sample.active == 0) sample.active = sample.resident;
    if (sample.allocated == 0) sample.allocated = sample.used;
}

void memory_cron(void) {
    if (sample.last_ms == 0 || srv.mstime - sample.last_ms >= 100) take_sample();
}

/* ---- Overhead ---- */

/* Bytes of bookkeeping for one database: the key table (buckets and entry
 * headers) and the TTL index. */
static void memory_db_overhead(const db *d, size_t *main_ht, size_t *expires) {
    size_t keys = dict_len(d->keys);
    *main_ht = dict_overhead(d->keys) + keys * sizeof(kv);
    /* Each volatile entry carries an 8-byte expire and a 4-byte index. */
    *expires = d->vol_cap * sizeof(kv *) + d->vol_len * 12;
}

static float ratio(size_t a, size_t b) { return b ? (float)a / (float)b : 0; }

size_t memory_not_counted_for_evict(void) {
    return repl_replica_output_memory() + aof_buffer_size();
}

void memory_get_stats(memory_stats *ms) {
    memset(ms, 0, sizeof(*ms));
    if (sample.last_ms == 0) take_sample();
    ms->used = mem_used();
    ms->peak = (size_t)srv.stat_peak_memory > ms->used ? (size_t)srv.stat_peak_memory : ms->used;
    ms->startup = srv.initial_memory_usage;
    size_t total = ms->startup;
    /* Kept up to date by client.c, as Redis's stat_clients_type_memory. */
    ms->clients_slaves = client_mem_of_type(CLIENT_TYPE_REPLICA);
    ms->clients_normal = client_mem_of_type(CLIENT_TYPE_NORMAL) +
                         client_mem_of_type(CLIENT_TYPE_PUBSUB) +
                         client_mem_of_type(CLIENT_TYPE_MASTER);
    total += ms->clients_slaves + ms->clients_normal;
    ms->aof_buffer = aof_buffer_size();
    total += ms->aof_buffer;
    ms->repl_backlog = repl_backlog_memory();
    total += ms->repl_backlog;
    /* What replicas hold of the shared buffer beyond the backlog is theirs. */
    ms->replica_buffers = repl_replica_output_memory();
    ms->clients_slaves += ms->replica_buffers;
    total += ms->replica_buffers;
    ms->not_counted_for_evict = ms->replica_buffers + ms->aof_buffer;
    for (int i = 0; i < srv.ndbs; i++) {
        size_t keys = dict_len(srv.dbs[i].keys);
        if (keys == 0) continue;
        size_t main_ht, expires;
        memory_db_overhead(&srv.dbs[i], &main_ht, &expires);
        ms->total_keys += keys;
        total += main_ht + expires;
    }
    ms->overhead_total = total;
    ms->dataset = ms->used > total ? ms->used - total : 0;
    ms->peak_perc = ms->peak ? (float)ms->used * 100 / (float)ms->peak : 0;
    size_t net = ms->used > ms->startup ? ms->used - ms->startup : 1;
    ms->dataset_perc = (float)ms->dataset * 100 / (float)net;
    ms->bytes_per_key = ms->total_keys ? net / ms->total_keys : 0;

    ms->rss = sample.rss;
    ms->sampled_used = sample.used;
    ms->allocator_allocated = sample.allocated;
    ms->allocator_active = sample.active;
    ms->allocator_resident = sample.resident;
    ms->total_frag = ratio(sample.rss, sample.used);
    ms->total_frag_bytes = (long long)sample.rss - (long long)sample.used;
    ms->allocator_frag = ratio(sample.active, sample.allocated);
    ms->allocator_frag_bytes = (long long)sample.active - (long long)sample.allocated;
    ms->allocator_rss = ratio(sample.resident, sample.active);
    ms->allocator_rss_bytes = (long long)sample.resident - (long long)sample.active;
    ms->rss_extra = ratio(sample.rss, sample.resident);
    ms->rss_extra_bytes = (long long)sample.rss - (long long)sample.resident;
}

void memory_to_human(char *buf, size_t size, unsigned long long n) {
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(buf, size, "%lluB", n);
        return;
    }
    double d = (double)n / 1024;
    for (int i = 0; i < 5; i++, d /= 1024) {
        if (d < 1024) {
            snprintf(buf, size, "%.2f%c", d, units[i]);
            return;
        }
    }
    snprintf(buf, size, "%lluB", n); /* beyond petabytes, as Redis */
}

/* ---- MEMORY USAGE ---- */

/* MEMORY USAGE key [SAMPLES count]: the entry's allocation (and its value's)
 * plus the key's share of the bucket array. A missing key is a null reply;
 * logically expired keys not yet deleted still count, as in Redis. */
static void cmd_memory_usage(client *c) {
    long long samples = 5;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "samples") && j + 1 < c->argc) {
            if (!arg_ll(c, &c->argv[j + 1], &samples)) return;
            if (samples < 0) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            if (samples == 0) samples = LLONG_MAX;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    /* 'samples' bounds how many elements of a collection are measured; only
     * strings exist yet, which are measured exactly (collections: issue #3). */
    (void)samples;
    kv *e = db_find_raw(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) {
        reply_null(c);
        return;
    }
    size_t keys = dict_len(c->db->keys);
    size_t usage = kv_alloc_size(e) + (keys ? dict_overhead(c->db->keys) / keys : 0);
    reply_int(c, (long long)usage);
}

/* ---- MEMORY STATS ---- */

static void stat_ll(client *c, const char *name, long long v) {
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

static void stat_double(client *c, const char *name, float v) {
    reply_bulk_cstr(c, name);
    reply_double(c, v);
}

static void cmd_memory_stats(client *c) {
    memory_stats ms;
    memory_get_stats(&ms);
    int ndbs = 0;
    for (int i = 0; i < srv.ndbs; i++)
        if (dict_len(srv.dbs[i].keys)) ndbs++;
    reply_map(c, 27 + ndbs);
    stat_ll(c, "peak.allocated", (long long)ms.peak);
    stat_ll(c, "total.allocated", (long long)ms.used);
    stat_ll(c, "startup.allocated", (long long)ms.startup);
    stat_ll(c, "replication.backlog", (long long)ms.repl_backlog);
    stat_ll(c, "clients.slaves", (long long)ms.clients_slaves);
    stat_ll(c, "clients.normal", (long long)ms.clients_normal);
    stat_ll(c, "cluster.links", (long long)ms.cluster_links);
    stat_ll(c, "aof.buffer", (long long)ms.aof_buffer);
    stat_ll(c, "lua.caches", (long long)ms.lua_caches);
    stat_ll(c, "functions.caches", (long long)ms.functions_caches);
    for (int i = 0; i < srv.ndbs; i++) {
        if (dict_len(srv.dbs[i].keys) == 0) continue;
        size_t main_ht, expires;
        memory_db_overhead(&srv.dbs[i], &main_ht, &expires);
        char name[32];
        snprintf(name, sizeof(name), "db.%d", i);
        reply_bulk_cstr(c, name);
        reply_map(c, 3);
        stat_ll(c, "overhead.hashtable.main", (long long)main_ht);
        stat_ll(c, "overhead.hashtable.expires", (long long)expires);
        stat_ll(c, "overhead.hashtable.slot-to-keys", 0);
    }
    stat_ll(c, "overhead.total", (long long)ms.overhead_total);
    stat_ll(c, "keys.count", (long long)ms.total_keys);
    stat_ll(c, "keys.bytes-per-key", (long long)ms.bytes_per_key);
    stat_ll(c, "dataset.bytes", (long long)ms.dataset);
    stat_double(c, "dataset.percentage", ms.dataset_perc);
    stat_double(c, "peak.percentage", ms.peak_perc);
    stat_ll(c, "allocator.allocated", (long long)ms.allocator_allocated);
    stat_ll(c, "allocator.active", (long long)ms.allocator_active);
    stat_ll(c, "allocator.resident", (long long)ms.allocator_resident);
    stat_double(c, "allocator-fragmentation.ratio", ms.allocator_frag);
    stat_ll(c, "allocator-fragmentation.bytes", ms.allocator_frag_bytes);
    stat_double(c, "allocator-rss.ratio", ms.allocator_rss);
    stat_ll(c, "allocator-rss.bytes", ms.allocator_rss_bytes);
    stat_double(c, "rss-overhead.ratio", ms.rss_extra);
    stat_ll(c, "rss-overhead.bytes", ms.rss_extra_bytes);
    stat_double(c, "fragmentation", ms.total_frag);
    stat_ll(c, "fragmentation.bytes", ms.total_frag_bytes);
}

/* ---- MEMORY DOCTOR ---- */

#define DOCTOR_PEAK                                                                                \
    " * Peak memory: In the past this instance used more than 150% the memory that is "            \
    "currently using. The allocator is normally not able to release memory after a peak, so "      \
    "you can expect to see a big fragmentation ratio, however this is actually harmless and is "   \
    "only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "           \
    "currently bigger than expected, the memory will be used as soon as you fill the Redis "       \
    "instance with more data. If the memory peak was only occasional and you want to try to "      \
    "reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is "     \
    "to shutdown and restart the instance.\n\n"
#define DOCTOR_FRAG                                                                                \
    " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than "   \
    "1.4 (this means that the Resident Set Size of the Redis process is much larger than the "     \
    "sum of the logical allocations Redis performed). This problem is usually due either to a "    \
    "large peak memory (check if there is a peak memory entry above in the report) or may "        \
    "result from a workload that causes the allocator to fragment memory a lot. If the "           \
    "problem is a large peak memory, then there is no issue. Otherwise, make sure you are "        \
    "using the Jemalloc allocator and not the default libc malloc. Note: The currently used "      \
    "allocator is \"%s\".\n\n"
#define DOCTOR_ALLOC_FRAG                                                                          \
    " * High allocator fragmentation: This instance has an allocator external fragmentation "      \
    "greater than 1.1. This problem is usually due either to a large peak memory (check if "       \
    "there is a peak memory entry above in the report) or may result from a workload that "        \
    "causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config "   \
    "option.\n\n"
#define DOCTOR_ALLOC_RSS                                                                           \
    " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than "    \
    "1.1 (this means that the Resident Set Size of the allocator is much larger than the sum "     \
    "what the allocator actually holds). This problem is usually due to a large peak memory "      \
    "(check if there is a peak memory entry above in the report), you can try the MEMORY "         \
    "PURGE command to reclaim it.\n\n"
#define DOCTOR_PROC_RSS                                                                            \
    " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "        \
    "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "        \
    "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "         \
    "Modules.\n\n"
#define DOCTOR_REPLICA_BUF                                                                         \
    " * Big replica buffers: The replica output buffers in this instance are greater than 10MB "   \
    "for each replica (on average). This likely means that there is some replica instance that "   \
    "is struggling receiving data, either because it is too slow or because of networking "        \
    "issues. As a result, data piles on the master output buffers. Please try to identify what "   \
    "replica is not receiving data correctly and why. You can use the INFO output in order to "    \
    "check the replicas delays and the CLIENT LIST command to check the output buffers of each "   \
    "replica.\n\n"
#define DOCTOR_CLIENT_BUF                                                                          \
    " * Big client buffers: The clients output buffers in this instance are greater than 200K "    \
    "per client (on average). This may result from different causes, like Pub/Sub clients "        \
    "subscribed to channels bot not receiving data fast enough, so that data piles on the "        \
    "Redis instance output buffer, or clients sending commands with large replies or very "        \
    "large sequences of commands in the same pipeline. Please use the CLIENT LIST command in "     \
    "order to investigate the issue if it causes problems in your instance, or to understand "     \
    "better why certain clients are using a big amount of memory.\n\n"

/* Redis's getMemoryDoctorReport(), with the same thresholds and words.
 * Caller frees. */
static str *doctor_report(void) {
    memory_stats ms;
    memory_get_stats(&ms);
    if (ms.used < 5 * 1024 * 1024)
        return str_from(
            "Hi Sam, this instance is empty or is using very little memory, my issues detector "
            "can't be used in these conditions. Please, leave for your mission on Earth and fill "
            "it with some data. The new Sam and I will be back to our programming as soon as I "
            "finished rebooting.\n");
    unsigned long replicas = srv.nreplicas;
    unsigned long normal = srv.nclients > replicas ? srv.nclients - replicas : 0;
    bool big_peak = (float)ms.peak / (float)ms.used > 1.5;
    bool high_frag = ms.total_frag > 1.4 && ms.total_frag_bytes > 10 << 20;
    bool high_alloc_frag = ms.allocator_frag > 1.1 && ms.allocator_frag_bytes > 10 << 20;
    bool high_alloc_rss = ms.allocator_rss > 1.1 && ms.allocator_rss_bytes > 10 << 20;
    bool high_proc_rss = ms.rss_extra > 1.1 && ms.rss_extra_bytes > 10 << 20;
    bool big_client_buf = normal && ms.clients_normal / normal > 1024 * 200;
    bool big_replica_buf = replicas > 0 && ms.clients_slaves > 1024 * 1024 * 10;
    if (!(big_peak || high_frag || high_alloc_frag || high_alloc_rss || high_proc_rss ||
          big_client_buf || big_replica_buf))
        return str_from("Hi Sam, I can't find any memory issue in your instance. I can only "
                        "account for what occurs on this base.\n");
    str *s = str_from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    if (big_peak) s = str_catc(s, DOCTOR_PEAK);
    if (high_frag) s = str_catfmt(s, DOCTOR_FRAG, mem_allocator());
    if (high_alloc_frag) s = str_catc(s, DOCTOR_ALLOC_FRAG);
    if (high_alloc_rss) s = str_catc(s, DOCTOR_ALLOC_RSS);
    if (high_proc_rss) s = str_catc(s, DOCTOR_PROC_RSS);
    if (big_replica_buf) s = str_catc(s, DOCTOR_REPLICA_BUF);
    if (big_client_buf) s = str_catc(s, DOCTOR_CLIENT_BUF);
    return str_catc(s, "I'm here to keep you safe, Sam. I want to help you.\n");
}

static void cmd_memory_doctor(client *c) {
    str *report = doctor_report();
    reply_verbatim(c, report->buf, report->len, "txt");
    str_free(report);
}

/* ---- MALLOC-STATS, PURGE, HELP ---- */

#ifndef CASTOR_LIBC_MALLOC
static void append_stats(void *priv, const char *text) {
    str **s = priv;
    *s = str_catc(*s, text);
}
#endif

static void cmd_memory_malloc_stats(client *c) {
#ifndef CASTOR_LIBC_MALLOC
    str *s = str_new(NULL, 0);
    malloc_stats_print(append_stats, &s, NULL);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
#else
    reply_bulk_cstr(c, "Stats not supported for the current allocator");
#endif
}

/* Return unused dirty pages to the system (all jemalloc arenas; libc's
 * malloc_trim otherwise). */
static void cmd_memory_purge(client *c) {
#ifndef CASTOR_LIBC_MALLOC
    unsigned narenas = 0;
    size_t sz = sizeof(narenas);
    char name[32];
    if (mallctl("arenas.narenas", &narenas, &sz, NULL, 0) == 0) {
        snprintf(name, sizeof(name), "arena.%u.purge", narenas); /* narenas = all */
        if (mallctl(name, NULL, 0, NULL, 0) == 0) {
            reply_ok(c);
            return;
        }
    }
    reply_error(c, ERR_MEMORY_PURGE);
#else
    malloc_trim(0);
    reply_ok(c);
#endif
}

static void cmd_memory_help(client *c) {
    static const char *help[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL};
    reply_help(c, "MEMORY", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command memory_subcommands[] = {
    {.name = "usage", .proc = cmd_memory_usage, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "stats", .proc = cmd_memory_stats, .arity = 2, .acl = ACL_SLOW},
    {.name = "doctor", .proc = cmd_memory_doctor, .arity = 2, .acl = ACL_SLOW},
    {.name = "malloc-stats", .proc = cmd_memory_malloc_stats, .arity = 2, .acl = ACL_SLOW},
    {.name = "purge", .proc = cmd_memory_purge, .arity = 2, .acl = ACL_SLOW},
    {.name = "help", .proc = cmd_memory_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command memory_commands[] = {
    {.name = "memory", .arity = -2, .acl = ACL_SLOW, .subcmds = memory_subcommands},
    {.name = NULL}};
/* clang-format on */

/* ---- DEBUG MALLCTL, MALLCTL-STR ---- */

/* DEBUG MALLCTL <key> [<int>] / MALLCTL-STR <key> [<str>]: read (and
 * write) one of jemalloc's settings, as Redis does; the suite reads
 * arenas.page. An integer is tried as 64, 32, 16 then 8 bits wide. */
void memory_debug_mallctl(client *c, bool as_str) {
#ifdef CASTOR_LIBC_MALLOC
    (void)as_str;
    reply_error(c, ERR_MALLCTL_NO_JEMALLOC);
#else
    char key[256];
    const slice *k = &c->argv[2];
    if (k->len >= sizeof(key)) {
        reply_error(c, ERR_MALLCTL_NO_SUCH);
        return;
    }
    memcpy(key, k->ptr, k->len);
    key[k->len] = '\0';
    bool write = c->argc > 3;
    int ret;
    if (as_str) {
        /* Read first; a write-only setting (EPERM) may still be written.
         * The value "VOID" writes nothing (thread.tcache.flush). */
        char *old = NULL;
        size_t sz = sizeof(old);
        int rret = mallctl(key, &old, &sz, NULL, 0), wret = 0;
        if (rret && !(rret == EPERM && write)) {
            reply_errorf(c, "ERR %s", strerror(rret));
            return;
        }
        if (write) {
            char *val = c->argv[3].ptr;
            bool none = c->argv[3].len == 4 && memcmp(val, "VOID", 4) == 0;
            wret = mallctl(key, NULL, 0, none ? NULL : (void *)&val, none ? 0 : sizeof(val));
        }
        if (!rret) reply_bulk_cstr(c, old);
        else if (wret) reply_errorf(c, "ERR %s", strerror(wret));
        else reply_ok(c);
        return;
    }
    long long ll = 0;
    if (write && !arg_ll(c, &c->argv[3], &ll)) return;
    for (size_t sz = sizeof(int64_t); sz > 0; sz /= 2) {
        int64_t old = 0, val = ll;
        size_t got = sz;
        ret = mallctl(key, &old, &got, write ? &val : NULL, write ? sz : 0);
        if (ret == EPERM && write && mallctl(key, NULL, 0, &val, sz) == 0) {
            reply_ok(c);
            return;
        }
        if (ret == EINVAL) continue; /* another width */
        if (ret) break;
        /* Little-endian: the low 'got' bytes of old hold the value. */
        reply_int(c, got == sizeof(int64_t) ? old : (long long)(old & ((1LL << (8 * got)) - 1)));
        return;
    }
    reply_errorf(c, "ERR %s", strerror(ret ? ret : EINVAL));
#endif
}
