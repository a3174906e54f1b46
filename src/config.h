/* config.h -- every directive's current value, cfg: bottom-layer data
 * that every layer may read, the core included (the instance is in
 * state.c). In castor-server only config.c writes it; programs without
 * config.c (castor-check-rdb, the RDB fuzzer) set the few values loading
 * reads with config_loading_defaults(). Field names are the redis.conf
 * names with '-' turned into '_'.
 * Every directive Redis 7.0.15 knows has a field, even where castor has no
 * feature behind it yet (README.md's configuration table says which), so
 * the subsystem that adds the feature finds its setting already parsed,
 * validated, shown by CONFIG GET and kept by CONFIG REWRITE. */
#ifndef CASTOR_CONFIG_H
#define CASTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdtable.h"
#include "str.h"

enum { COBL_NORMAL = 0, COBL_REPLICA = 1, COBL_PUBSUB = 2, COBL_COUNT = 3 };
/* appendfsync values, Redis's AOF_FSYNC_* numbers. */
enum { APPENDFSYNC_NO = 0, APPENDFSYNC_ALWAYS = 1, APPENDFSYNC_EVERYSEC = 2 };
/* enable-protected-configs, enable-debug-command, enable-module-command. */
enum { PROTECTED_NO = 0, PROTECTED_YES = 1, PROTECTED_LOCAL = 2 };
/* oom-score-adj, and the process classes of oom-score-adj-values. */
enum { OOM_SCORE_ADJ_NO = 0, OOM_SCORE_RELATIVE = 1, OOM_SCORE_ADJ_ABSOLUTE = 2 };
enum { OOM_CLASS_MASTER = 0, OOM_CLASS_REPLICA = 1, OOM_CLASS_BGCHILD = 2, OOM_CLASS_COUNT = 3 };
enum {
    SUPERVISED_NONE = 0,
    SUPERVISED_AUTODETECT = 1,
    SUPERVISED_SYSTEMD = 2,
    SUPERVISED_UPSTART = 3
};
enum { SANITIZE_DUMP_NO = 0, SANITIZE_DUMP_YES = 1, SANITIZE_DUMP_CLIENTS = 2 };
enum { TLS_CLIENT_AUTH_NO = 0, TLS_CLIENT_AUTH_YES = 1, TLS_CLIENT_AUTH_OPTIONAL = 2 };
enum { ENDPOINT_IP = 0, ENDPOINT_HOSTNAME = 1, ENDPOINT_UNKNOWN = 2 };
#define CONFIG_BINDADDR_MAX 16

typedef struct cobl_limit {
    unsigned long long hard, soft;
    long long soft_seconds;
} cobl_limit;

struct config {
    /* Network */
    char *bind; /* the addresses joined by spaces; "" for none */
    int port;
    int tcp_backlog;
    int tcp_keepalive;
    char *unixsocket; /* NULL when unset */
    unsigned unixsocketperm;
    unsigned socket_mark_id;
    char *bind_source_addr;
    int timeout;
    unsigned maxclients;
    int io_coalesce_us; /* castor: see coalesce.h */
    int io_uring;       /* castor: batch client socket I/O (client.c, uring.c) */
    bool protected_mode;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    cobl_limit client_output_buffer_limit[COBL_COUNT];
    /* General */
    int databases;
    int hz;
    bool dynamic_hz;
    int loglevel;
    char *logfile;
    bool syslog_enabled;
    char *syslog_ident;
    int syslog_facility; /* LOG_USER, LOG_LOCAL0.. (syslog.h) */
    bool daemonize;
    int supervised; /* SUPERVISED_* */
    char *pidfile;  /* NULL when unset */
    bool always_show_logo;
    bool set_proc_title;
    char *proc_title_template;
    bool crash_log_enabled;
    bool crash_memcheck_enabled;
    bool use_exit_on_panic;
    int watchdog_period;
    char *ignore_warnings;
    bool disable_thp;
    int oom_score_adj; /* OOM_SCORE_* */
    int oom_score_adj_values[OOM_CLASS_COUNT];
    char *server_cpulist, *bio_cpulist, *aof_rewrite_cpulist, *bgsave_cpulist;
    int io_threads;
    bool io_threads_do_reads;
    bool jemalloc_bg_thread;
    bool activerehashing;
    int enable_debug_command; /* PROTECTED_* */
    int enable_protected_configs;
    int enable_module_command;
    int active_expire_effort;
    bool latency_tracking;
    double *latency_tracking_info_percentiles;
    int latency_tracking_info_percentiles_len;
    long long tracking_table_max_keys;
    /* Snapshots */
    char *dir;
    char *dbfilename;
    char *save; /* "seconds changes ..." normalized; "" for none */
    bool stop_writes_on_bgsave_error;
    bool rdbcompression;
    bool rdbchecksum;
    bool rdb_del_sync_files;
    bool rdb_save_incremental_fsync;
    long long loading_process_events_interval_bytes;
    int sanitize_dump_payload; /* SANITIZE_DUMP_* */
    /* Append-only file */
    bool appendonly;
    char *appendfilename;
    char *appenddirname;
    int appendfsync; /* APPENDFSYNC_* (aof.c) */
    bool aof_use_rdb_preamble;
    bool aof_load_truncated;
    bool aof_timestamp_enabled;
    bool aof_disable_auto_gc;
    bool aof_rewrite_incremental_fsync;
    bool no_appendfsync_on_rewrite;
    int auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    /* Security */
    char *requirepass;      /* NULL when unset; may hold NUL bytes: */
    size_t requirepass_len; /* its length in bytes */
    char *aclfile;
    long long acllog_max_len;
    int acl_pubsub_default; /* 0 resetchannels, 1 allchannels */
    /* Memory */
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int maxmemory_eviction_tenacity;
    long long maxmemory_clients; /* bytes, or -percent of maxmemory */
    int lfu_log_factor;
    int lfu_decay_time;
    bool lazyfree_lazy_eviction;
    bool lazyfree_lazy_expire;
    bool lazyfree_lazy_server_del;
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_user_flush;
    bool activedefrag;
    long long active_defrag_ignore_bytes;
    int active_defrag_threshold_lower, active_defrag_threshold_upper;
    int active_defrag_cycle_min, active_defrag_cycle_max;
    long long active_defrag_max_scan_fields;
    /* Diagnostics */
    long long slowlog_log_slower_than;
    long long slowlog_max_len;
    long long latency_monitor_threshold;
    int notify_keyspace_events; /* NOTIFY_* flags (db.h) */
    long long busy_reply_threshold;
    bool lua_enable_deprecated_api;
    /* Collection encodings (t_list.c, t_hash.c, t_set.c, t_zset.c). */
    int list_max_listpack_size;
    int list_compress_depth;
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long set_max_intset_entries;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    long long hll_sparse_max_bytes;
    long long stream_node_max_bytes;
    long long stream_node_max_entries;
    /* Replication (repl.c). */
    char *replicaof;       /* "host port" from the config, or "" */
    char *masterauth;      /* NULL when unset; may hold NUL bytes: */
    size_t masterauth_len; /* its length in bytes */
    char *masteruser;
    long long repl_backlog_size;
    long long repl_backlog_ttl;
    bool repl_diskless_sync;
    int repl_diskless_sync_delay;
    int repl_diskless_sync_max_replicas;
    int repl_diskless_load; /* REPL_DISKLESS_LOAD_* */
    int repl_timeout;
    int repl_ping_replica_period;
    bool repl_disable_tcp_nodelay;
    int min_replicas_to_write;
    int min_replicas_max_lag;
    int replica_priority;
    char *replica_announce_ip;
    int replica_announce_port;
    bool replica_announced;
    bool replica_read_only;
    bool replica_serve_stale_data;
    bool replica_ignore_maxmemory;
    bool replica_lazy_flush;
    bool replica_ignore_disk_write_errors;
    bool repl_empty_master_guard;       /* castor: see docs/REPLICATION.md */
    long long replica_sync_buffer_size; /* castor: stream buffered in memory during a full sync */
    int min_replicas_to_ack;        /* castor: a write's reply waits for this many replicas' acks */
    int propagation_error_behavior; /* PROPAGATION_ERR_*: a replica's error applying its master's stream */
    int shutdown_timeout;           /* s a master waits for its replicas at SHUTDOWN (server.c) */
    int shutdown_on_sigterm;        /* SHUTDOWN_* flags (server.h) for SIGTERM */
    int shutdown_on_sigint;         /* and for SIGINT */
    int rdb_key_save_delay; /* test-only: µs slept per key saved (<0: 1 µs once in -n keys) */
    int key_load_delay;     /* test-only: the same per key loaded */
    /* Cluster (castor has no cluster mode: accepted and kept only). */
    bool cluster_enabled;
    char *cluster_config_file;
    long long cluster_node_timeout;
    int cluster_port;
    int cluster_announce_port, cluster_announce_bus_port, cluster_announce_tls_port;
    char *cluster_announce_ip;
    char *cluster_announce_hostname;
    int cluster_preferred_endpoint_type;
    int cluster_migration_barrier;
    int cluster_replica_validity_factor;
    bool cluster_replica_no_failover;
    bool cluster_require_full_coverage;
    bool cluster_allow_reads_when_down;
    bool cluster_allow_pubsubshard_when_down;
    bool cluster_allow_replica_migration;
    unsigned long long cluster_link_sendbuf_limit;
    /* TLS (not implemented yet: accepted and kept only). */
    int tls_port;
    char *tls_cert_file, *tls_key_file, *tls_key_file_pass;
    char *tls_client_cert_file, *tls_client_key_file, *tls_client_key_file_pass;
    char *tls_dh_params_file, *tls_ca_cert_file, *tls_ca_cert_dir;
    char *tls_protocols, *tls_ciphers, *tls_ciphersuites;
    int tls_auth_clients; /* TLS_CLIENT_AUTH_* */
    bool tls_replication, tls_cluster, tls_prefer_server_ciphers, tls_session_caching;
    int tls_session_cache_size, tls_session_cache_timeout;
};

/* maxmemory-policy values, in config.c's enum order (evict.c, db.c). */
enum {
    POLICY_VOLATILE_LRU = 0,
    POLICY_VOLATILE_LFU = 1,
    POLICY_VOLATILE_RANDOM = 2,
    POLICY_VOLATILE_TTL = 3,
    POLICY_ALLKEYS_LRU = 4,
    POLICY_ALLKEYS_LFU = 5,
    POLICY_ALLKEYS_RANDOM = 6,
    POLICY_NOEVICTION = 7,
};

#define REPL_DISKLESS_LOAD_DISABLED 0
#define REPL_DISKLESS_LOAD_ON_EMPTY_DB 1
#define REPL_DISKLESS_LOAD_SWAPDB 2

#define PROPAGATION_ERR_IGNORE 0
#define PROPAGATION_ERR_PANIC 1
#define PROPAGATION_ERR_PANIC_ON_REPLICAS 2

extern struct config cfg; /* the instance is in state.c */

/* The defaults of the values that loading a dataset reads: encodings,
 * checksums, access data. config.c's table takes them from here, and the
 * programs that load without config.c (castor-check-rdb, the RDB fuzzer)
 * start from them with config_loading_defaults(). */
#define CONFIG_DEFAULT_DATABASES 16
#define CONFIG_DEFAULT_HASH_MAX_LISTPACK_ENTRIES 512
#define CONFIG_DEFAULT_HASH_MAX_LISTPACK_VALUE 64
#define CONFIG_DEFAULT_SET_MAX_INTSET_ENTRIES 512
#define CONFIG_DEFAULT_ZSET_MAX_LISTPACK_ENTRIES 128
#define CONFIG_DEFAULT_ZSET_MAX_LISTPACK_VALUE 64
#define CONFIG_DEFAULT_LIST_MAX_LISTPACK_SIZE -2
#define CONFIG_DEFAULT_LIST_COMPRESS_DEPTH 0
#define CONFIG_DEFAULT_LFU_LOG_FACTOR 10
#define CONFIG_DEFAULT_LFU_DECAY_TIME 1
#define CONFIG_DEFAULT_RDBCHECKSUM 1
#define CONFIG_DEFAULT_RDBCOMPRESSION 1
#define CONFIG_DEFAULT_MAXMEMORY_POLICY POLICY_NOEVICTION

/* Set the values above (and nothing else) to their defaults. Only for a
 * program without config.c: in castor-server config_init() does it. */
static inline void config_loading_defaults(void) {
    cfg.databases = CONFIG_DEFAULT_DATABASES;
    cfg.hash_max_listpack_entries = CONFIG_DEFAULT_HASH_MAX_LISTPACK_ENTRIES;
    cfg.hash_max_listpack_value = CONFIG_DEFAULT_HASH_MAX_LISTPACK_VALUE;
    cfg.set_max_intset_entries = CONFIG_DEFAULT_SET_MAX_INTSET_ENTRIES;
    cfg.zset_max_listpack_entries = CONFIG_DEFAULT_ZSET_MAX_LISTPACK_ENTRIES;
    cfg.zset_max_listpack_value = CONFIG_DEFAULT_ZSET_MAX_LISTPACK_VALUE;
    cfg.list_max_listpack_size = CONFIG_DEFAULT_LIST_MAX_LISTPACK_SIZE;
    cfg.list_compress_depth = CONFIG_DEFAULT_LIST_COMPRESS_DEPTH;
    cfg.lfu_log_factor = CONFIG_DEFAULT_LFU_LOG_FACTOR;
    cfg.lfu_decay_time = CONFIG_DEFAULT_LFU_DECAY_TIME;
    cfg.rdbchecksum = CONFIG_DEFAULT_RDBCHECKSUM;
    cfg.rdbcompression = CONFIG_DEFAULT_RDBCOMPRESSION;
    cfg.maxmemory_policy = CONFIG_DEFAULT_MAXMEMORY_POLICY;
}

/* Defaults for every directive (before parsing). Frees earlier values, so
 * it may run again (the config fuzzer does). */
void config_init(void);
/* Load the file (path may be NULL; "-" or from_stdin reads standard input
 * after it) then the command-line directives (already joined into one
 * "name value\n..." text, may be NULL), as redis-server does. On error
 * returns -1 with Redis's "*** FATAL CONFIG FILE ERROR ***" report in
 * *err (caller frees), naming the file and line. */
int config_load(const char *path, bool from_stdin, const char *options, str **err);
/* Parse one config text as if it were a file named 'origin'. For the
 * fuzzer and config_load(); same contract as config_load(). */
int config_load_text(const char *text, size_t len, const char *origin, str **err);
/* Start-up work a directive asks for once the config is loaded and logging
 * works: oom-score-adj, disable-thp, process title, warnings for directives
 * castor accepts without their feature. */
void config_apply_at_start(void);
/* CONFIG REWRITE of the file castor started with (force_all: every
 * directive, defaults too). 0, or -1 with errno set (ENOENT: no file). */
int config_rewrite(bool force_all);
/* CONFIG GET for one exact name into *out (caller frees), or -1. */
int config_get_value(const char *name, str **out);
/* Parse a memory value as redis.conf does ("100", "1kb", "2gb"). */
bool config_parse_memory(const char *s, long long *out);
/* True if CONFIG SET hides the value of this directive (SENSITIVE_CONFIG):
 * SLOWLOG and MONITOR show "(redacted)" for it. */
bool config_is_sensitive(const char *name, size_t len);
/* Write oom_score_adj for a process class (OOM_CLASS_*, or -1: master or
 * replica by the current role), as Redis's setOOMScoreAdj. 0 or -1. */
int config_set_oom_score_adj(int process_class);
/* Set the process title from proc-title-template (title NULL: argv[0]). */
void config_set_proc_title(const char *title);

/* Command-line arguments joined as redis-server joins them: "--name v1 v2"
 * becomes "name \"v1\" \"v2\"", a value may start with "--" right after its
 * name, "--save" without a value is save "". Caller frees. */
str *config_join_options(int argc, char **argv, int start) MUST_USE;

/* The command table, registered by server.c. */
extern command config_commands[];

#endif
