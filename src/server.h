/* server.h -- the process-wide state, srv: bottom-layer data every layer
 * may read, the core included (its instance and the cached clock are in
 * state.c). Each field names the files that write it; everything else a
 * subsystem needs is static in its own file. Also the few functions of
 * server.c, the composition root, that commands call. */
#ifndef CASTOR_SERVER_H
#define CASTOR_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

#define CASTOR_VERSION "7.0.15" /* the Redis version we are compatible with */
#define CASTOR_OWN_VERSION "0.1.0"

struct db;

/* CLIENT PAUSE modes (srv.pause_type), in order of strictness. */
enum { PAUSE_NONE = 0, PAUSE_WRITE = 1, PAUSE_ALL = 2 };

struct server {
    pid_t pid;          /* server.c */
    char run_id[41];    /* server.c */
    char replid[41];    /* server.c at start; repl.c, repl_link.c (a new history) */
    char *executable;   /* server.c */
    char *config_file;  /* server.c: absolute path, or NULL */
    char **exec_argv;   /* server.c */
    long long start_ms; /* server.c */
    /* The cached clock: state.c's server_set_time(), called before each
     * command (cmdtable.c), by the loop's hooks and cron (server.c) and
     * before serving blocked clients (blocking.c). */
    long long mstime;
    long long ustime;
    uint32_t lruclock;
    int hz;              /* server.c at start, config.c (CONFIG SET hz) */
    long long cronloops; /* server.c */

    struct db *dbs; /* db.c */
    int ndbs;       /* db.c */

    client *clients;                /* client.c: list of all clients */
    unsigned long nclients;         /* client.c */
    unsigned long nreplicas;        /* repl_sync.c */
    uint64_t next_client_id;        /* client.c */
    client *current;                /* cmdtable.c: client whose command runs, a script's caller
                                       * for its commands (logging; db.c: is it our master?) */
    unsigned long blocked_clients;  /* blocking.c (keys), repl_ack.c (WAIT) */
    unsigned long tracking_clients; /* tracking.c: clients with CLIENT TRACKING on */

    int tcp_fds[16]; /* server.c */
    int tcp_count;   /* server.c */
    int tls_fds[16]; /* server.c: the tls-port listeners */
    int tls_count;   /* server.c */
    int unix_fd;     /* server.c */
    /* cluster.c: the open nodes.conf that holds our flock() (-1: none);
     * child.c closes a forked child's copy. */
    int cluster_lock_fd;

    /* Stats: the file named counts; info.c zeroes them all (CONFIG
     * RESETSTAT). Those naming no writer are always 0 in castor. */
    long long stat_numcommands;    /* cmdtable.c */
    long long stat_numconnections; /* client.c */
    long long stat_rejected_conn;  /* client.c */
    long long stat_expiredkeys;    /* db.c (lazy and active expiry) */
    long long stat_expired_stale_perc;
    long long stat_expired_time_cap_reached;   /* expire.c */
    long long stat_evictedkeys;                /* evict.c */
    long long stat_keyspace_hits;              /* db.c */
    long long stat_keyspace_misses;            /* db.c */
    long long stat_net_input_bytes;            /* client.c, repl_link.c */
    long long stat_net_output_bytes;           /* reply.c, repl.c, repl_sync.c */
    long long stat_unexpected_error_replies;   /* reply.c */
    long long stat_total_error_replies;        /* reply.c */
    long long stat_dump_payload_sanitizations; /* rdb_types.c (RESTORE, sanitize-dump-payload) */
    long long stat_io_reads, stat_io_writes;   /* client.c, reply.c */
    long long stat_client_qbuf_limit_disconnections;   /* client.c */
    long long stat_client_outbuf_limit_disconnections; /* client.c */
    long long stat_evicted_clients;                    /* client.c (maxmemory-clients) */
    long long stat_reply_buffer_shrinks;               /* client.c (its cron) */
    long long stat_reply_buffer_expands;               /* client.c (its cron) */
    long long stat_peak_memory;                        /* server.c (cron) */
    long long stat_total_forks, stat_fork_usec;        /* child.c: count, the last fork()'s time */
    size_t initial_memory_usage; /* server.c: used_memory once ready to serve */
    long long stat_total_reads_processed, stat_total_writes_processed;

    long long dirty;    /* changes since the last save: the commands that change
                                       * data (db_key_changed() and its peers); snapshot.c resets,
                                       * and aof.c after DEBUG LOADAOF */
    bool loading;       /* rdb.c, aof.c, repl_link.c: while a dataset loads */
    bool async_loading; /* repl_link.c: a full sync of our own history arrives
                                    * (repl-diskless-load swapdb) while the current dataset
                                    * keeps serving; commands flagged no-async-loading and
                                    * deny-loading configs get -LOADING */
    /* The start-up load's progress for INFO (snapshot.c, aof.c set the
     * start and total; rdb.c and aof.c count the bytes read). */
    long long loading_start_time, loading_total_bytes, loading_loaded_bytes;
    bool shutdown_asap;            /* server.c (signal handler) */
    int shutdown_flags;            /* server.c */
    long long shutdown_mstime;     /* server.c: a shutdown waits for replicas until then; 0: none */
    bool is_replica;               /* repl_role.c, repl.c (start): we are a replica */
    bool active_expire_enabled;    /* server.c at start, debug.c (DEBUG SET-ACTIVE-EXPIRE) */
    bool pause_cron;               /* debug.c: DEBUG PAUSE-CRON (the cron only keeps time) */
    bool skip_checksum_validation; /* debug.c: DEBUG SET-SKIP-CHECKSUM-VALIDATION */
    bool acl_default_open;         /* acl.c: the default user may run anything (no check) */
    bool acl_default_needs_auth;   /* acl.c: the default user has a password or is off */
    bool acl_default_nopass;       /* acl.c: the default user is nopass (protected mode) */
    bool no_dict_resizing;         /* debug.c: DEBUG DICT-RESIZING 0 */

    int busy_script; /* script.c: 1 (EVAL) or 2 (FCALL) while a script runs
                                       * past busy-reply-threshold */

    /* CLIENT PAUSE: clientcmd.c (PAUSE, UNPAUSE), repl_role.c (FAILOVER), and
     * server.c's cron, which ends it. */
    long long pause_end_ms;
    int pause_type; /* PAUSE_* */
};

extern struct server srv;

/* The cached clock (state.c) */
/* Update the cached clocks (called before each command and in cron). */
void server_update_time(void);
/* Set the cached clocks from a reading already taken (microseconds). */
void server_set_time(long long us);
/* server.c */
/* Raise the open-files limit (and the event loop's size) for maxclients,
 * lowering maxclients when the system refuses; an error text, or NULL.
 * server.c, for config.c's maxclients. */
const char *server_apply_maxclients(void);
/* Listen again on port/bind (CONFIG SET port, bind); an error text, or
 * NULL. For config.c. */
const char *server_relisten(bool bind_changed);
/* CONFIG SET tls-port: listen on the new port (0: not at all). */
const char *server_relisten_tls(void);
/* Shut down with SHUTDOWN_* flags (SHUTDOWN, SIGTERM, SIGINT), Redis 7.0's
 * way: unless NOW is given or shutdown-timeout is 0, a master whose
 * replicas have not acknowledged its offset pauses writes, asks them for an
 * ACK and waits up to shutdown-timeout seconds (the cron finishes the
 * shutdown). Returns 0 when the caller may exit(0) now; -1 when the
 * shutdown waits for replicas or failed (then it was cancelled and the
 * clients blocked in SHUTDOWN got the error). */
int server_prepare_shutdown(int flags);
/* Called by a load that blocks the event loop (rdb.c, a replica's full
 * sync): a SIGTERM/SIGINT that arrived meanwhile shuts down at once,
 * without saving the half-loaded dataset, as Redis 7.0 does. */
void server_shutdown_while_loading(void);
/* SHUTDOWN ABORT: cancel a shutdown that waits or a signal not yet acted
 * on. 0, or -1 when there is none. */
int server_abort_shutdown(void);
/* While the dataset loads at start-up: keep the clock, act on a SIGTERM
 * (a shutdown without saving) and serve the clients, which get -LOADING
 * for all but the commands flagged CMD_LOADING (INFO, CONFIG, DEBUG...).
 * snapshot.c and aof.c call it every loading-process-events-interval-bytes. */
void server_serve_while_loading(void);
#define SHUTDOWN_NOFLAGS 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8

#endif
