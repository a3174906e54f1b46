/* server.h -- process-wide state only. Each field names the one file that
 * writes it; everything else a subsystem needs is static in its own file. */
#ifndef CASTOR_SERVER_H
#define CASTOR_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

#define CASTOR_VERSION "7.0.15"   /* the Redis version we are compatible with */
#define CASTOR_OWN_VERSION "0.1.0"

struct db;

struct server {
    pid_t pid;                        /* server.c */
    char run_id[41];                  /* server.c */
    char replid[41];                  /* server.c at start; later repl.c (new history) */
    char *executable;                 /* server.c */
    char *config_file;                /* server.c: absolute path, or NULL */
    char **exec_argv;                 /* server.c */
    long long start_ms;               /* server.c */
    long long mstime;                 /* server.c: cached wall clock, per command */
    long long ustime;                 /* server.c */
    uint32_t lruclock;                /* server.c */
    int hz;                           /* server.c (from cfg.hz, dynamic-hz) */
    long long cronloops;              /* server.c */

    struct db *dbs;                   /* db.c */
    int ndbs;                         /* db.c */

    client *clients;                  /* client.c: list of all clients */
    unsigned long nclients;           /* client.c */
    unsigned long nreplicas;          /* repl.c */
    uint64_t next_client_id;          /* client.c */
    client *current;                  /* cmdtable.c: client whose command runs (logging; db.c: is it our master?) */
    unsigned long blocked_clients;    /* blocking.c */

    int tcp_fds[16];                  /* server.c */
    int tcp_count;                    /* server.c */
    int unix_fd;                      /* server.c */

    /* Stats, reset by CONFIG RESETSTAT (info.c resets). */
    long long stat_numcommands;       /* cmdtable.c */
    long long stat_numconnections;    /* client.c */
    long long stat_rejected_conn;     /* client.c */
    long long stat_expiredkeys;       /* db.c / expire.c */
    long long stat_expired_stale_perc;/* expire.c */
    long long stat_expired_time_cap_reached; /* expire.c */
    long long stat_evictedkeys;       /* evict.c */
    long long stat_keyspace_hits;     /* db.c */
    long long stat_keyspace_misses;   /* db.c */
    long long stat_net_input_bytes;   /* client.c */
    long long stat_net_output_bytes;  /* reply.c */
    long long stat_unexpected_error_replies; /* reply.c */
    long long stat_total_error_replies;      /* reply.c */
    long long stat_dump_payload_sanitizations;
    long long stat_io_reads, stat_io_writes;  /* client.c, reply.c */
    long long stat_client_qbuf_limit_disconnections; /* client.c */
    long long stat_client_outbuf_limit_disconnections; /* client.c */
    long long stat_peak_memory;       /* server.c */
    size_t initial_memory_usage;      /* server.c: used_memory once ready to serve */
    long long stat_total_reads_processed, stat_total_writes_processed;

    long long dirty;                  /* commands count changes; snapshot.c resets on save */
    bool loading;                     /* rdb.c, aof.c: while loading at start */
    bool shutdown_asap;               /* server.c (signal handler) */
    int shutdown_flags;               /* server.c */
    long long shutdown_mstime;        /* server.c: a shutdown waits for replicas until then; 0: none */
    bool is_replica;                  /* repl.c: we are a replica of a master */
    bool active_expire_enabled;       /* debug.c: DEBUG SET-ACTIVE-EXPIRE */
    bool pause_cron;                  /* debug.c: DEBUG PAUSE-CRON (the cron only keeps time) */
    bool skip_checksum_validation;    /* debug.c: DEBUG SET-SKIP-CHECKSUM-VALIDATION */

    int busy_script;                  /* script.c: 1 (EVAL) or 2 (FCALL) while a script runs past busy-reply-threshold */

    /* CLIENT PAUSE, written by client.c. */
    long long pause_end_ms;
    int pause_type;                   /* 0 none, 1 write, 2 all */
};

extern struct server srv;

/* Update the cached clocks (called before each command and in cron). */
void server_update_time(void);
/* Set the cached clocks from a reading already taken (microseconds). */
void server_set_time(long long us);
/* Shut down with SHUTDOWN_* flags (SHUTDOWN, SIGTERM, SIGINT), Redis 7.0's
 * way: unless NOW is given or shutdown-timeout is 0, a master whose
 * replicas have not acknowledged its offset pauses writes, asks them for an
 * ACK and waits up to shutdown-timeout seconds (the cron finishes the
 * shutdown). Returns 0 when the caller may exit(0) now; -1 when the
 * shutdown waits for replicas or failed (then it was cancelled and the
 * clients blocked in SHUTDOWN got the error). */
int server_prepare_shutdown(int flags);
/* SHUTDOWN ABORT: cancel a shutdown that waits or a signal not yet acted
 * on. 0, or -1 when there is none. */
int server_abort_shutdown(void);
#define SHUTDOWN_NOFLAGS 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8

#endif
