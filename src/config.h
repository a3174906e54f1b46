/* config.h -- every directive's current value, cfg: bottom-layer data
 * that every layer may read, the core included (the instance is in
 * state.c). In castor-server only config.c writes it; programs without
 * config.c (castor-check-rdb, the RDB fuzzer) set the few values loading
 * reads with config_loading_defaults(). Field names are the redis.conf
 * names with '-' turned into '_'. */
#ifndef CASTOR_CONFIG_H
#define CASTOR_CONFIG_H

#include <stdbool.h>

#include "cmdtable.h"
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
    int notify_keyspace_events;  /* NOTIFY_* flags (db.h) */
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

extern struct config cfg;   /* the instance is in state.c */

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
/* rdbchecksum, rdbcompression: yes; maxmemory-policy: noeviction. */
#define CONFIG_STR(x) CONFIG_STR_(x)   /* a default as config.c's table text */
#define CONFIG_STR_(x) #x

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
    cfg.rdbchecksum = true;
    cfg.rdbcompression = true;
    cfg.maxmemory_policy = POLICY_NOEVICTION;
}


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

/* The command table, registered by server.c. */
extern command config_commands[];

#endif
