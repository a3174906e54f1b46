/* info.c -- the INFO command: one text of "field:value" lines in sections.
 *
 * Sentinel, redis-cli, client libraries and monitoring exporters parse this
 * text, so every field keeps Redis 7.0.15's name, order and number format
 * (genRedisInfoString in Redis's server.c): lines end in \r\n, each section
 * starts with "# Name" and sections are separated by one empty line. Fields
 * for subsystems castor does not have yet print the value an idle Redis
 * without that activity prints (0, -1, "ok"), never an invented figure.
 * The one stateful part is the instantaneous metrics: info_cron() samples
 * the command and byte counters every 100 ms into 16-slot rings, as Redis's
 * trackInstantaneousMetric() does, and INFO prints the ring's mean.
 * Not here: the figures themselves (their writers are named in server.h),
 * memory accounting (memory.c), latency percentiles (not implemented: the
 * "latencystats" section is absent).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* RUSAGE_THREAD, for the main thread's CPU time */
#include "info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "aof.h"
#include "blocking.h"
#include "arg.h"
#include "cluster.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "ev.h"
#include "function.h"
#include "latency.h"
#include "lazyfree.h"
#include "mem.h"
#include "pubsub.h"
#include "memory.h"
#include "migrate.h"
#include "reply.h"
#include "repl.h"
#include "script.h"
#include "server.h"
#include "snapshot.h"
#include "str.h"
#include "tracking.h"
#include "uring.h"
#include "util.h"

/* ---- Instantaneous metrics ---- */

#define METRIC_SAMPLES 16
enum { METRIC_COMMAND, METRIC_NET_INPUT, METRIC_NET_OUTPUT, METRIC_COUNT };

static struct {
    long long last_sample_ms;
    long long last_count;
    long long samples[METRIC_SAMPLES];
    int idx;
} metrics[METRIC_COUNT];

static void track_metric(int m, long long now_ms, long long count) {
    long long t = now_ms - metrics[m].last_sample_ms;
    long long ops = count - metrics[m].last_count;
    metrics[m].samples[metrics[m].idx] = t > 0 ? ops * 1000 / t : 0;
    metrics[m].idx = (metrics[m].idx + 1) % METRIC_SAMPLES;
    metrics[m].last_sample_ms = now_ms;
    metrics[m].last_count = count;
}

static long long metric_mean(int m) {
    long long sum = 0;
    for (int j = 0; j < METRIC_SAMPLES; j++) sum += metrics[m].samples[j];
    return sum / METRIC_SAMPLES;
}

static void reset_metrics(void) {
    memset(metrics, 0, sizeof(metrics));
    for (int m = 0; m < METRIC_COUNT; m++) metrics[m].last_sample_ms = srv.mstime;
}

void info_cron(void) {
    static long long last_ms;
    if (srv.mstime - last_ms >= 100) {
        if (last_ms == 0) reset_metrics(); /* first tick: start the clocks now */
        last_ms = srv.mstime;
        track_metric(METRIC_COMMAND, srv.mstime, srv.stat_numcommands);
        track_metric(METRIC_NET_INPUT, srv.mstime, srv.stat_net_input_bytes);
        track_metric(METRIC_NET_OUTPUT, srv.mstime, srv.stat_net_output_bytes);
    }
    memory_cron();
}

void info_reset_stats(void) {
    repl_reset_stats();
    lazyfree_reset_stats();
    srv.stat_numcommands = 0;
    srv.stat_numconnections = 0;
    srv.stat_rejected_conn = 0;
    srv.stat_expiredkeys = 0;
    srv.stat_expired_stale_perc = 0;
    srv.stat_expired_time_cap_reached = 0;
    srv.stat_evictedkeys = 0;
    srv.stat_keyspace_hits = 0;
    srv.stat_keyspace_misses = 0;
    srv.stat_net_input_bytes = 0;
    srv.stat_net_output_bytes = 0;
    srv.stat_unexpected_error_replies = 0;
    srv.stat_total_error_replies = 0;
    srv.stat_dump_payload_sanitizations = 0;
    srv.stat_io_reads = srv.stat_io_writes = 0;
    ev_reset_turns();
    srv.stat_total_reads_processed = srv.stat_total_writes_processed = 0;
    srv.stat_client_qbuf_limit_disconnections = 0;
    srv.stat_client_outbuf_limit_disconnections = 0;
    srv.stat_evicted_clients = 0;
    srv.stat_reply_buffer_shrinks = srv.stat_reply_buffer_expands = 0;
    srv.stat_total_forks = srv.stat_fork_usec = 0;
    reset_metrics();
    aof_reset_stats();
    cmdtable_reset_stats();
    reply_errorstats_reset();
}

/* ---- Sections ---- */

/* Adding a section? Add its bit, its name in section_names[], its place in
 * gen_info() (the order is Redis's) and, if INFO alone shows it, DEFAULTS. */
enum {
    SEC_SERVER = 1 << 0,
    SEC_CLIENTS = 1 << 1,
    SEC_MEMORY = 1 << 2,
    SEC_PERSISTENCE = 1 << 3,
    SEC_STATS = 1 << 4,
    SEC_REPLICATION = 1 << 5,
    SEC_CPU = 1 << 6,
    SEC_MODULES = 1 << 7,
    SEC_COMMANDSTATS = 1 << 8,
    SEC_ERRORSTATS = 1 << 9,
    SEC_CLUSTER = 1 << 10,
    SEC_KEYSPACE = 1 << 11,
    SEC_LATENCYSTATS = 1 << 12,
};
#define SEC_DEFAULTS                                                                               \
    (SEC_SERVER | SEC_CLIENTS | SEC_MEMORY | SEC_PERSISTENCE | SEC_STATS | SEC_REPLICATION |       \
     SEC_CPU | SEC_MODULES | SEC_ERRORSTATS | SEC_CLUSTER | SEC_KEYSPACE)
#define SEC_ALL (SEC_DEFAULTS | SEC_COMMANDSTATS | SEC_LATENCYSTATS)

static const struct {
    const char *name;
    int bit;
} section_names[] = {
    {"server", SEC_SERVER},
    {"clients", SEC_CLIENTS},
    {"memory", SEC_MEMORY},
    {"persistence", SEC_PERSISTENCE},
    {"stats", SEC_STATS},
    {"replication", SEC_REPLICATION},
    {"cpu", SEC_CPU},
    {"modules", SEC_MODULES},
    {"module_list", SEC_MODULES},
    {"commandstats", SEC_COMMANDSTATS},
    {"errorstats", SEC_ERRORSTATS},
    {"latencystats", SEC_LATENCYSTATS},
    {"cluster", SEC_CLUSTER},
    {"keyspace", SEC_KEYSPACE},
    {"default", SEC_DEFAULTS},
    {"all", SEC_ALL},
    {"everything", SEC_ALL},
};

/* The sections named by INFO's arguments (case-insensitive); none means
 * the defaults. Unknown names select nothing, as in Redis. */
static int parse_sections(client *c) {
    if (c->argc == 1) return SEC_DEFAULTS;
    int mask = 0;
    for (int i = 1; i < c->argc; i++) {
        for (size_t k = 0; k < sizeof(section_names) / sizeof(section_names[0]); k++)
            if (arg_is(&c->argv[i], section_names[k].name)) mask |= section_names[k].bit;
    }
    return mask;
}

static const char *os_name(void) {
    static char name[256];
    if (name[0] == '\0') {
        struct utsname u;
        if (uname(&u) == 0)
            snprintf(name, sizeof(name), "%s %s %s", u.sysname, u.release, u.machine);
        else snprintf(name, sizeof(name), "Linux");
    }
    return name;
}

unsigned long long info_build_id(void) {
    const char *s = "castor-" CASTOR_OWN_VERSION "-redis-" CASTOR_VERSION;
    unsigned long long h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h >> 4;
}

static str *sec_server(str *s) {
    long long uptime = (srv.mstime - srv.start_ms) / 1000;
#ifdef __GNUC__
    int gv[3] = {__GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__};
#else
    int gv[3] = {0, 0, 0};
#endif
    s = str_catfmt(s,
                   "# Server\r\n"
                   "redis_version:%s\r\n"
                   "redis_git_sha1:00000000\r\n"
                   "redis_git_dirty:0\r\n"
                   "redis_build_id:%llx\r\n"
                   "redis_mode:%s\r\n"
                   "os:%s\r\n"
                   "arch_bits:%d\r\n"
                   "monotonic_clock:POSIX clock_gettime\r\n"
                   "multiplexing_api:epoll\r\n"
                   "atomicvar_api:c11-builtin\r\n"
                   "gcc_version:%d.%d.%d\r\n"
                   "process_id:%ld\r\n"
                   "process_supervised:no\r\n"
                   "run_id:%s\r\n"
                   "tcp_port:%d\r\n"
                   "server_time_usec:%lld\r\n"
                   "uptime_in_seconds:%lld\r\n"
                   "uptime_in_days:%lld\r\n"
                   "hz:%d\r\n"
                   "configured_hz:%d\r\n"
                   "lru_clock:%u\r\n"
                   "executable:%s\r\n"
                   "config_file:%s\r\n"
                   "io_threads_active:0\r\n"
                   "castor_version:%s\r\n",
                   CASTOR_VERSION, info_build_id(), cfg.cluster_enabled ? "cluster" : "standalone",
                   os_name(), (int)(sizeof(long) * 8), gv[0], gv[1], gv[2], (long)srv.pid,
                   srv.run_id, cfg.port, srv.ustime, uptime, uptime / 86400, srv.hz, cfg.hz,
                   (unsigned)srv.lruclock, srv.executable ? srv.executable : "",
                   srv.config_file ? srv.config_file : "", CASTOR_OWN_VERSION);
    if (srv.shutdown_mstime) /* a shutdown waits for replicas */
        s = str_catfmt(s, "shutdown_in_milliseconds:%lld\r\n",
                       srv.shutdown_mstime > srv.mstime ? srv.shutdown_mstime - srv.mstime : 0);
    return s;
}

static str *sec_clients(str *s) {
    /* Redis keeps an 8-second ring of per-client peaks; castor scans the
     * clients on demand, which costs O(clients) per INFO. */
    size_t max_in = 0, max_out = 0;
    for (client *c = srv.clients; c; c = c->next) {
        size_t in = str_alloc_size(c->qbuf);
        if (in > max_in) max_in = in;
        if (c->reply_bytes > max_out) max_out = c->reply_bytes;
    }
    unsigned long normal = srv.nclients > srv.nreplicas ? srv.nclients - srv.nreplicas : 0;
    return str_catfmt(s,
                      "# Clients\r\n"
                      "connected_clients:%lu\r\n"
                      "cluster_connections:%lu\r\n"
                      "maxclients:%d\r\n"
                      "client_recent_max_input_buffer:%zu\r\n"
                      "client_recent_max_output_buffer:%zu\r\n"
                      "blocked_clients:%lu\r\n"
                      "tracking_clients:%lu\r\n"
                      "clients_in_timeout_table:%lu\r\n",
                      normal, cluster_connections(), cfg.maxclients, max_in, max_out,
                      srv.blocked_clients + client_paused_count(), srv.tracking_clients,
                      blocking_timeout_count());
}

static size_t total_system_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

static str *maxmemory_policy_name(void) {
    str *v = NULL;
    if (config_get_value("maxmemory-policy", &v) == -1) v = str_from("noeviction");
    return v;
}

static str *sec_memory(str *s) {
    memory_stats ms;
    memory_get_stats(&ms);
    char used_h[32], rss_h[32], peak_h[32], sys_h[32], max_h[32];
    size_t sysmem = total_system_memory();
    memory_to_human(used_h, sizeof(used_h), ms.used);
    memory_to_human(rss_h, sizeof(rss_h), ms.rss);
    memory_to_human(peak_h, sizeof(peak_h), ms.peak);
    memory_to_human(sys_h, sizeof(sys_h), sysmem);
    memory_to_human(max_h, sizeof(max_h), (unsigned long long)cfg.maxmemory);
    str *policy = maxmemory_policy_name();
    s = str_catfmt(s,
                   "# Memory\r\n"
                   "used_memory:%zu\r\n"
                   "used_memory_human:%s\r\n"
                   "used_memory_rss:%zu\r\n"
                   "used_memory_rss_human:%s\r\n"
                   "used_memory_peak:%zu\r\n"
                   "used_memory_peak_human:%s\r\n"
                   "used_memory_peak_perc:%.2f%%\r\n"
                   "used_memory_overhead:%zu\r\n"
                   "used_memory_startup:%zu\r\n"
                   "used_memory_dataset:%zu\r\n"
                   "used_memory_dataset_perc:%.2f%%\r\n"
                   "allocator_allocated:%zu\r\n"
                   "allocator_active:%zu\r\n"
                   "allocator_resident:%zu\r\n"
                   "total_system_memory:%zu\r\n"
                   "total_system_memory_human:%s\r\n",
                   ms.used, used_h, ms.rss, rss_h, ms.peak, peak_h, ms.peak_perc, ms.overhead_total,
                   ms.startup, ms.dataset, ms.dataset_perc, ms.allocator_allocated,
                   ms.allocator_active, ms.allocator_resident, sysmem, sys_h);
    /* The two Lua engines (EVAL's, functions') and what their caches hold. */
    size_t vm_eval = script_memory_lua(), vm_fn = function_memory_vm();
    size_t scripts_eval = script_cache_bytes(), fn_mem = function_memory_overhead();
    char lua_h[32], vm_h[32], scripts_h[32];
    memory_to_human(lua_h, sizeof(lua_h), vm_eval);
    memory_to_human(vm_h, sizeof(vm_h), vm_eval + vm_fn);
    memory_to_human(scripts_h, sizeof(scripts_h), scripts_eval + fn_mem);
    s = str_catfmt(s,
                   "used_memory_lua:%zu\r\n"
                   "used_memory_vm_eval:%zu\r\n"
                   "used_memory_lua_human:%s\r\n"
                   "used_memory_scripts_eval:%zu\r\n"
                   "number_of_cached_scripts:%zu\r\n"
                   "number_of_functions:%zu\r\n"
                   "number_of_libraries:%zu\r\n"
                   "used_memory_vm_functions:%zu\r\n"
                   "used_memory_vm_total:%zu\r\n"
                   "used_memory_vm_total_human:%s\r\n"
                   "used_memory_functions:%zu\r\n"
                   "used_memory_scripts:%zu\r\n"
                   "used_memory_scripts_human:%s\r\n",
                   vm_eval, vm_eval, lua_h, scripts_eval, script_cache_count(), function_count(),
                   function_library_count(), vm_fn, vm_eval + vm_fn, vm_h, fn_mem,
                   scripts_eval + fn_mem, scripts_h);
    s = str_catfmt(s,
                   "maxmemory:%llu\r\n"
                   "maxmemory_human:%s\r\n"
                   "maxmemory_policy:%s\r\n"
                   "allocator_frag_ratio:%.2f\r\n"
                   "allocator_frag_bytes:%lld\r\n"
                   "allocator_rss_ratio:%.2f\r\n"
                   "allocator_rss_bytes:%lld\r\n"
                   "rss_overhead_ratio:%.2f\r\n"
                   "rss_overhead_bytes:%lld\r\n"
                   "mem_fragmentation_ratio:%.2f\r\n"
                   "mem_fragmentation_bytes:%lld\r\n"
                   "mem_not_counted_for_evict:%zu\r\n"
                   "mem_replication_backlog:%zu\r\n"
                   "mem_total_replication_buffers:%zu\r\n"
                   "mem_clients_slaves:%zu\r\n"
                   "mem_clients_normal:%zu\r\n"
                   "mem_cluster_links:%zu\r\n"
                   "mem_aof_buffer:%zu\r\n"
                   "mem_allocator:%s\r\n"
                   "active_defrag_running:0\r\n"
                   "lazyfree_pending_objects:%lld\r\n"
                   "lazyfreed_objects:%lld\r\n",
                   cfg.maxmemory, max_h, policy->buf, ms.allocator_frag, ms.allocator_frag_bytes,
                   ms.allocator_rss, ms.allocator_rss_bytes, ms.rss_extra, ms.rss_extra_bytes,
                   ms.total_frag, ms.total_frag_bytes, ms.not_counted_for_evict, ms.repl_backlog,
                   ms.repl_backlog + ms.replica_buffers, ms.clients_slaves, ms.clients_normal,
                   cluster_links_memory(), ms.aof_buffer, mem_allocator(), lazyfree_pending(),
                   lazyfree_freed());
    str_free(policy);
    return s;
}

static str *sec_persistence(str *s) {
    s = str_catfmt(s,
                   "# Persistence\r\n"
                   "loading:%d\r\n"
                   "async_loading:%d\r\n",
                   srv.loading || repl_receiving_dataset() ? 1 : 0, srv.async_loading ? 1 : 0);
    s = snapshot_info(s);   /* current_cow_peak .. rdb_last_load_keys_loaded */
    s = aof_info_fields(s); /* aof_enabled .. aof_last_cow_size */
    s = str_catc(s, "module_fork_in_progress:0\r\n"
                    "module_fork_last_cow_size:0\r\n");
    s = aof_info_sizes(s); /* aof_current_size .., when the AOF is on */
    if (!srv.loading) return s;
    /* The load's progress (at start-up, or a replica's full sync), as Redis reports it. */
    long long total = srv.loading_total_bytes, done = srv.loading_loaded_bytes;
    long long elapsed = (long long)time(NULL) - srv.loading_start_time;
    long long eta = elapsed <= 0 || done <= 0 ? 1 : elapsed * (total - done) / done;
    return str_catfmt(s,
                      "loading_start_time:%lld\r\n"
                      "loading_total_bytes:%lld\r\n"
                      "loading_loaded_bytes:%lld\r\n"
                      "loading_loaded_perc:%.2f\r\n"
                      "loading_eta_seconds:%lld\r\n",
                      srv.loading_start_time, total, done,
                      total > 0 ? (double)done * 100 / (double)total : 0.0, eta);
}

static str *sec_stats(str *s) {
    long long sync[3];
    repl_sync_stats(sync);
    const coalesce *co = ev_coalesce();
    s = str_catfmt(s,
                   "# Stats\r\n"
                   "total_connections_received:%lld\r\n"
                   "total_commands_processed:%lld\r\n"
                   "instantaneous_ops_per_sec:%lld\r\n"
                   "total_net_input_bytes:%lld\r\n"
                   "total_net_output_bytes:%lld\r\n"
                   "total_net_repl_input_bytes:0\r\n"
                   "total_net_repl_output_bytes:0\r\n"
                   "instantaneous_input_kbps:%.2f\r\n"
                   "instantaneous_output_kbps:%.2f\r\n"
                   "instantaneous_input_repl_kbps:0.00\r\n"
                   "instantaneous_output_repl_kbps:0.00\r\n"
                   "rejected_connections:%lld\r\n"
                   "sync_full:%lld\r\n"
                   "sync_partial_ok:%lld\r\n"
                   "sync_partial_err:%lld\r\n"
                   "expired_keys:%lld\r\n"
                   "expired_stale_perc:%.2f\r\n"
                   "expired_time_cap_reached_count:%lld\r\n"
                   "expire_cycle_cpu_milliseconds:0\r\n"
                   "evicted_keys:%lld\r\n"
                   "evicted_clients:%lld\r\n"
                   "total_eviction_exceeded_time:0\r\n"
                   "current_eviction_exceeded_time:0\r\n"
                   "keyspace_hits:%lld\r\n"
                   "keyspace_misses:%lld\r\n",
                   srv.stat_numconnections, srv.stat_numcommands, metric_mean(METRIC_COMMAND),
                   srv.stat_net_input_bytes, srv.stat_net_output_bytes,
                   (float)metric_mean(METRIC_NET_INPUT) / 1024,
                   (float)metric_mean(METRIC_NET_OUTPUT) / 1024, srv.stat_rejected_conn, sync[0],
                   sync[1], sync[2], srv.stat_expiredkeys, (double)srv.stat_expired_stale_perc,
                   srv.stat_expired_time_cap_reached, srv.stat_evictedkeys,
                   srv.stat_evicted_clients, srv.stat_keyspace_hits, srv.stat_keyspace_misses);
    return str_catfmt(
        s,
        "pubsub_channels:%zu\r\n"
        "pubsub_patterns:%zu\r\n"
        "pubsubshard_channels:%zu\r\n"
        "latest_fork_usec:%lld\r\n"
        "total_forks:%lld\r\n"
        "migrate_cached_sockets:%d\r\n"
        "slave_expires_tracked_keys:0\r\n"
        "active_defrag_hits:0\r\n"
        "active_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\n"
        "active_defrag_key_misses:0\r\n"
        "total_active_defrag_time:0\r\n"
        "current_active_defrag_time:0\r\n"
        "tracking_total_keys:%llu\r\n"
        "tracking_total_items:%llu\r\n"
        "tracking_total_prefixes:%llu\r\n"
        "unexpected_error_replies:%lld\r\n"
        "total_error_replies:%lld\r\n"
        "dump_payload_sanitizations:%lld\r\n"
        "total_reads_processed:%lld\r\n"
        "total_writes_processed:%lld\r\n"
        "io_threaded_reads_processed:0\r\n"
        "io_threaded_writes_processed:0\r\n"
        "reply_buffer_shrinks:%lld\r\n"
        "reply_buffer_expands:%lld\r\n"
        /* Redis 7.2's names for two counters 7.0 lacks. */
        "client_query_buffer_limit_disconnections:%lld\r\n"
        "client_output_buffer_limit_disconnections:%lld\r\n"
        /* Redis 7.2's name: the event loop's turns (a test tells from it
         * how many turns a write took, e.g. a TLS replica's burst). */
        "eventloop_cycles:%llu\r\n"
        /* castor: the event loop's timed sleep (coalesce.h). */
        "io_coalesce_active:%d\r\n"
        "io_coalesce_probes:%llu\r\n"
        "io_coalesce_engaged:%llu\r\n"
        "io_coalesce_sleeps:%llu\r\n"
        "io_coalesce_sleep_us:%ld\r\n"
        /* castor: batched client socket I/O (uring.c). */
        "io_uring:%d\r\n"
        "io_uring_enters:%llu\r\n"
        "io_uring_ops:%llu\r\n",
        pubsub_channel_count(), pubsub_pattern_count(), pubsub_shard_count(), srv.stat_fork_usec,
        srv.stat_total_forks, migrate_cached_count(), tracking_total_keys(), tracking_total_items(),
        tracking_total_prefixes(), srv.stat_unexpected_error_replies, srv.stat_total_error_replies,
        srv.stat_dump_payload_sanitizations, srv.stat_io_reads, srv.stat_io_writes,
        srv.stat_reply_buffer_shrinks, srv.stat_reply_buffer_expands,
        srv.stat_client_qbuf_limit_disconnections, srv.stat_client_outbuf_limit_disconnections,
        ev_turns(), coalesce_is_on(co), (unsigned long long)co->probes,
        (unsigned long long)co->engaged, (unsigned long long)co->sleeps, coalesce_nap_us(co),
        uring_is_on(), (unsigned long long)uring_stat_enters(),
        (unsigned long long)uring_stat_ops());
}

static str *sec_replication(str *s) {
    s = str_catc(s, "# Replication\r\n");
    return repl_info(s);
}

static str *sec_cpu(str *s) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    return str_catfmt(s,
                      "# CPU\r\n"
                      "used_cpu_sys:%ld.%06ld\r\n"
                      "used_cpu_user:%ld.%06ld\r\n"
                      "used_cpu_sys_children:%ld.%06ld\r\n"
                      "used_cpu_user_children:%ld.%06ld\r\n"
                      "used_cpu_sys_main_thread:%ld.%06ld\r\n"
                      "used_cpu_user_main_thread:%ld.%06ld\r\n",
                      (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
                      (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec,
                      (long)children.ru_stime.tv_sec, (long)children.ru_stime.tv_usec,
                      (long)children.ru_utime.tv_sec, (long)children.ru_utime.tv_usec,
                      (long)thread.ru_stime.tv_sec, (long)thread.ru_stime.tv_usec,
                      (long)thread.ru_utime.tv_sec, (long)thread.ru_utime.tv_usec);
}

static str *cmdstat_line(str *s, const command *cmd) {
    if (cmd->calls == 0 && cmd->failed == 0 && cmd->rejected == 0) return s;
    float per_call = cmd->calls == 0 ? 0 : (float)cmd->usec / (float)cmd->calls;
    return str_catfmt(s,
                      "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                      "failed_calls=%lld\r\n",
                      cmd->fullname, cmd->calls, cmd->usec, per_call, cmd->rejected, cmd->failed);
}

static void add_cmdstats(command *cmd, void *priv) {
    str **s = priv;
    *s = cmdstat_line(*s, cmd);
    for (command *sub = cmd->subcmds; sub && sub->name; sub++) *s = cmdstat_line(*s, sub);
}

static str *sec_commandstats(str *s) {
    s = str_catc(s, "# Commandstats\r\n");
    cmdtable_foreach(add_cmdstats, &s);
    return s;
}

typedef struct errstat_item {
    const char *code;
    unsigned long long count;
} errstat_item;

typedef struct errstat_list {
    int n, cap;
    errstat_item *items;
} errstat_list;

static void collect_errstat(void *priv, const char *code, unsigned long long n) {
    errstat_list *l = priv;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->items = mem_realloc(l->items, sizeof(*l->items) * (size_t)l->cap);
    }
    l->items[l->n].code = code;
    l->items[l->n++].count = n;
}

static int errstat_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static str *sec_errorstats(str *s) {
    s = str_catc(s, "# Errorstats\r\n");
    errstat_list l = {0, 0, NULL};
    reply_errorstats(collect_errstat, &l);
    /* Redis keeps error codes in a radix tree: print them sorted. */
    if (l.n) qsort(l.items, (size_t)l.n, sizeof(l.items[0]), errstat_cmp);
    for (int i = 0; i < l.n; i++)
        s = str_catfmt(s, "errorstat_%s:count=%llu\r\n", l.items[i].code, l.items[i].count);
    mem_free(l.items);
    return s;
}

static str *sec_keyspace(str *s) {
    s = str_catc(s, "# Keyspace\r\n");
    for (int i = 0; i < srv.ndbs; i++) {
        db *d = &srv.dbs[i];
        size_t keys = db_size(d), vkeys = db_volatile_count(d);
        if (keys || vkeys)
            s = str_catfmt(s, "db%d:keys=%zu,expires=%zu,avg_ttl=%lld\r\n", i, keys, vkeys,
                           d->avg_ttl);
    }
    return s;
}

/* The INFO text for the sections in 'mask', in Redis's order. Caller frees. */
static str *gen_info(int mask) {
    static const struct {
        int bit;
        str *(*gen)(str *s);
    } order[] = {
        {SEC_SERVER, sec_server},
        {SEC_CLIENTS, sec_clients},
        {SEC_MEMORY, sec_memory},
        {SEC_PERSISTENCE, sec_persistence},
        {SEC_STATS, sec_stats},
        {SEC_REPLICATION, sec_replication},
        {SEC_CPU, sec_cpu},
        {SEC_MODULES, NULL},
        {SEC_COMMANDSTATS, sec_commandstats},
        {SEC_ERRORSTATS, sec_errorstats},
        {SEC_LATENCYSTATS, latency_info},
        {SEC_CLUSTER, NULL},
        {SEC_KEYSPACE, sec_keyspace},
    };
    str *s = str_new(NULL, 0);
    int sections = 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(mask & order[i].bit)) continue;
        if (sections++) s = str_cat(s, "\r\n", 2);
        if (order[i].bit == SEC_MODULES) s = str_catc(s, "# Modules\r\n"); /* none loaded */
        else if (order[i].bit == SEC_CLUSTER) s = cluster_info_fields(str_catc(s, "# Cluster\r\n"));
        else s = order[i].gen(s);
    }
    return s;
}

str *info_generate_all(void) { return gen_info(SEC_ALL); }

/* INFO [section ...]: a bulk string in RESP2, a verbatim "txt" string in
 * RESP3. Unknown section names are ignored (an empty reply if none match). */
static void cmd_info(client *c) {
    str *s = gen_info(parse_sections(c));
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command info_commands[] = {
    {.name = "info", .proc = cmd_info, .arity = -1, .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
