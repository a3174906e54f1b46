/* config.h -- every directive's current value. Only config.c writes cfg;
 * field names are the redis.conf names with '-' turned into '_'. */
#ifndef CASTOR_CONFIG_H
#define CASTOR_CONFIG_H

#include <stdbool.h>

#include "str.h"

enum { COBL_NORMAL = 0, COBL_REPLICA = 1, COBL_PUBSUB = 2, COBL_COUNT = 3 };
/* appendfsync values, Redis's AOF_FSYNC_* numbers. */
enum { APPENDFSYNC_NO = 0, APPENDFSYNC_ALWAYS = 1, APPENDFSYNC_EVERYSEC = 2 };

typedef struct cobl_limit {
    long long hard, soft, soft_seconds;
} cobl_limit;

struct config {
    /* Network */
    char *bind;                  /* space-separated list */
    int port;
    int tcp_backlog;
    int tcp_keepalive;
    char *unixsocket;
    int unixsocketperm;
    int timeout;
    int maxclients;
    int io_coalesce_us;             /* castor: see coalesce.h */
    long long busy_reply_threshold; /* ms before a running script makes others -BUSY (script.c) */
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
    bool daemonize;
    char *pidfile;
    char *dir;
    char *dbfilename;
    char *save;
    bool appendonly;
    char *appendfilename;
    char *appenddirname;
    int appendfsync;             /* APPENDFSYNC_* (aof.c) */
    bool aof_use_rdb_preamble;
    bool aof_load_truncated;
    bool no_appendfsync_on_rewrite;
    int auto_aof_rewrite_percentage;
    long long auto_aof_rewrite_min_size;
    int enable_debug_command;    /* 0 no, 1 yes, 2 local */
    int enable_protected_configs;
    int active_expire_effort;
    /* Security */
    char *requirepass;
    /* Memory */
    long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int lfu_log_factor;
    int lfu_decay_time;
    /* Diagnostics */
    long long slowlog_log_slower_than;
    int slowlog_max_len;
    long long latency_monitor_threshold;
    int notify_keyspace_events;  /* NOTIFY_* flags (pubsub.h) */
    bool lazyfree_lazy_user_del;
    bool lazyfree_lazy_user_flush;
    bool replica_read_only;
    /* Collection encodings (t_list.c, t_hash.c, t_set.c, t_zset.c). */
    int list_max_listpack_size;
    int list_compress_depth;
    long long hash_max_listpack_entries;
    long long hash_max_listpack_value;
    long long set_max_intset_entries;
    long long zset_max_listpack_entries;
    long long zset_max_listpack_value;
    bool replica_serve_stale_data;
    /* Replication (repl.c). */
    char *replicaof;             /* "host port" from the config, or "" */
    char *masterauth;
    char *masteruser;
    long long repl_backlog_size;
    int repl_backlog_ttl;
    bool repl_diskless_sync;
    int repl_diskless_sync_delay;
    int repl_diskless_sync_max_replicas;
    int repl_diskless_load;      /* REPL_DISKLESS_LOAD_* */
    int repl_timeout;
    int repl_ping_replica_period;
    bool repl_disable_tcp_nodelay;
    int min_replicas_to_write;
    int min_replicas_max_lag;
    int replica_priority;
    char *replica_announce_ip;
    int replica_announce_port;
    bool replica_announced;
    bool replica_ignore_maxmemory;
    bool repl_empty_master_guard;   /* castor: see docs/REPLICATION.md */
    /* Persistence (rdb.c). */
    bool rdbcompression;
    bool rdbchecksum;
    bool stop_writes_on_bgsave_error;   /* snapshot.c: -MISCONF after a failed BGSAVE */
};

#define REPL_DISKLESS_LOAD_DISABLED 0
#define REPL_DISKLESS_LOAD_ON_EMPTY_DB 1
#define REPL_DISKLESS_LOAD_SWAPDB 2

extern struct config cfg;

/* Defaults for every directive (before parsing). */
void config_init(void);
/* Load the file (may be NULL) then the command-line directives (already
 * joined into one "name value\n..." string). On error returns -1 with a
 * message in *err (caller frees), naming file, line and directive. */
int config_load(const char *path, const char *extra, str **err);
/* CONFIG GET for one exact name into *out (caller frees), or -1. */
int config_get_value(const char *name, str **out);
/* Parse a memory value as redis.conf does ("100", "1kb", "2gb"). */
bool config_parse_memory(const char *s, long long *out);

#endif
