/* client.h -- a connected client: its query buffer, argv, output buffers
 * and flags. Fields are public because the hot path (reply.c, cmdtable.c)
 * reads them directly; each field says which file writes it. */
#ifndef CASTOR_CLIENT_H
#define CASTOR_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "net.h"
#include "resp.h"
#include "str.h"

struct bstate;
struct tls_conn;
struct tracking_prefixes;
struct replica_info;
struct command;
struct db;
struct acl_user;

/* Client flags. */
/* Keys of the requests read ahead whose hashes a client keeps. */
#define CLIENT_PF_KEYS 16

#define CLIENT_CLOSE_AFTER_REPLY (1u << 0)
#define CLIENT_CLOSE_ASAP (1u << 1)
#define CLIENT_PENDING_WRITE (1u << 2)
#define CLIENT_UNIX_SOCKET (1u << 3)
#define CLIENT_MONITOR (1u << 4)
#define CLIENT_REPLY_OFF (1u << 5)
#define CLIENT_REPLY_SKIP_NEXT (1u << 6)
#define CLIENT_REPLY_SKIP (1u << 7)
#define CLIENT_NO_EVICT (1u << 8)
#define CLIENT_PUBSUB (1u << 9)
#define CLIENT_MULTI (1u << 10)
#define CLIENT_BLOCKED (1u << 11)
#define CLIENT_PROTECTED (1u << 12) /* don't free yet: a proc is running */
#define CLIENT_IN_CLOSE_LIST (1u << 13)
#define CLIENT_MASTER (1u << 14)
#define CLIENT_REPLICA (1u << 15)
#define CLIENT_FAKE (1u << 16)        /* no socket: AOF loading, scripts */
#define CLIENT_PAUSED_WAIT (1u << 17) /* postponed by CLIENT PAUSE */
#define CLIENT_REPL_HOLD                                                                           \
    (1u                                                                                            \
     << 18) /* output waits: a replica in a full sync (repl_sync.c), a held write reply (repl_ack.c) */
#define CLIENT_MASTER_FORCE_REPLY (1u << 19) /* our master gets this reply (REPLCONF ACK) */
#define CLIENT_INPUT_QUEUED (1u << 20)       /* read this turn, runs in client_run_queued() */
#define CLIENT_MASTER_STALLED (1u << 21) /* our master sent bytes that don't parse: apply no more */
#define CLIENT_SCRIPT (1u << 22)         /* the fake client scripts' commands run as (script.c) */
#define CLIENT_READONLY (1u << 24) /* READONLY: reads served by a cluster replica (cluster.c) */
#define CLIENT_ASKING                                                                              \
    (1u << 25) /* ASKING: the next command may use an importing slot (cluster.c) */
#define CLIENT_READS_PAUSED                                                                        \
    (1u << 23) /* its socket is not read: its script is running (script.c) */
/* A push (Pub/Sub, an invalidation) is being written: it reaches the client
 * even under CLIENT REPLY OFF/SKIP (pubsub.c, tracking.c). */
#define CLIENT_PUSHING (1u << 26) /* was 24, CLIENT_READONLY's bit */
/* A replica's own request runs (cmdtable.c): any reply to it would land in
 * the replication stream, so reply.c disconnects the replica instead. */
#define CLIENT_REPLICA_CMD (1u << 27)
/* A read or write of its socket is queued in uring.c's batch (client.c):
 * freeing it runs the batch first. */
#define CLIENT_IO_QUEUED (1u << 28)
/* SCRIPT DEBUG YES or SYNC: its next EVAL runs in the Lua debugger, in a
 * forked child or (SYNC) here, blocking the server (ldb.c). */
#define CLIENT_LUA_DEBUG (1u << 29)
#define CLIENT_LUA_DEBUG_SYNC (1u << 30)

/* Client types, as Redis's CLIENT_TYPE_* (output-buffer classes and
 * memory accounting). */
#define CLIENT_TYPE_NORMAL 0
#define CLIENT_TYPE_REPLICA 1
#define CLIENT_TYPE_PUBSUB 2
#define CLIENT_TYPE_MASTER 3
#define CLIENT_TYPES 4

/* Client-side caching state (client->tracking, written by tracking.c;
 * CLIENT LIST shows it). */
#define TRACKING_ON (1u << 0)
#define TRACKING_BROKEN_REDIR (1u << 1) /* the redirection client is gone */
#define TRACKING_BCAST (1u << 2)
#define TRACKING_OPTIN (1u << 3)
#define TRACKING_OPTOUT (1u << 4)
#define TRACKING_CACHING (1u << 5) /* CLIENT CACHING yes/no for the next command */
#define TRACKING_NOLOOP (1u << 6)

/* Redis's mustObeyClient: our master, or the AOF being loaded. */
#define client_must_obey(c)                                                                        \
    (((c)->flags & CLIENT_MASTER) || (((c)->flags & CLIENT_FAKE) && !((c)->flags & CLIENT_SCRIPT)))
#define CLIENT_BUF_SIZE (16 * 1024) /* the reply buffer's size at first and at most */
#define CLIENT_BUF_MIN 1024         /* ...and at least (Redis's PROTO_REPLY_MIN_BYTES) */

typedef struct reply_block {
    struct reply_block *next;
    size_t used, cap;
    char data[];
} reply_block;

typedef struct client {
    uint64_t id;
    dict_link id_link; /* client.c: its entry in the index by ID (clients with a socket) */
    int fd;
    struct tls_conn *tls; /* NULL: plain socket (client.c, at accept or from repl_link.c) */
    uint32_t flags;
    int resp;              /* 2 or 3, set by HELLO */
    int dbid;              /* keys.c (SELECT), srvcmd.c (RESET), client.c, repl_link.c */
    struct db *db;         /* &srv.dbs[dbid]: with dbid, and db.c (SWAPDB) */
    bool authenticated;    /* client.c (at connect), acl.c (AUTH, HELLO, RESET), repl_link.c */
    struct acl_user *user; /* acl.c: the ACL user; NULL: the default user */
    const char *user_name; /* acl.c: its name for CLIENT LIST; NULL: "default" */
    str *name;             /* CLIENT SETNAME / HELLO SETNAME */
    char addr[NET_ADDR_SIZE];
    char laddr[NET_ADDR_SIZE];
    long long ctime_ms;
    long long last_interaction_ms;
    long long woff; /* repl.c: master offset after the client's last write (WAIT) */

    /* Query side, written by client.c. */
    str *qbuf;
    size_t qpos;       /* start of the request being parsed */
    bool parsed_ahead; /* the parser holds the request at qpos, parsed by
                        * the prefetch (with the limits it records) */
    int prefetched;    /* requests from qpos whose keys were prefetched;
                                 * -1: the one at qpos could not be read ahead */
    /* The keys those requests had when prefetched, with their hashes, in
     * request order (client.c hands the running request's to db.c, so a
     * key is hashed once). Valid while qgen == pf_qgen: qgen counts the
     * compactions of qbuf, which move the bytes the offsets point at. */
    struct client_pf_key {
        uint64_t h;
        uint32_t req_off, key_off, klen; /* in qbuf */
        uint32_t arg;                    /* index in its request */
    } pf_keys[CLIENT_PF_KEYS];
    int pf_n, pf_next;
    unsigned qgen, pf_qgen;
    size_t qbuf_peak;
    resp_parser parser;
    int argc;
    slice *argv; /* borrowed from qbuf until the request ends */
    size_t argv_cap;
    struct command *cmd, *lastcmd;

    /* Reply side, written by reply.c. */
    size_t buf_used;
    size_t sent;                 /* bytes of the first buffer already written */
    size_t io_len;               /* client.c: bytes of its send queued in uring.c's batch */
    reply_block *head, *tail;    /* overflow beyond buf */
    size_t reply_bytes;          /* bytes held in the block list */
    long long obuf_soft_since;   /* ms when the soft limit was first passed, 0 if not */
    int multi_len;               /* queued commands in MULTI (multi.c) */
    size_t buf_peak;             /* most of buf used since the last peak reset (reply.c) */
    long long buf_peak_reset_ms; /* when buf_peak was last reset (client.c) */

    /* Memory accounting (client eviction, INFO mem_clients_*), written by
     * client.c: what the type totals hold for this client, updated
     * incrementally (after its input is processed, when its reply list
     * grows or shrinks, by the cron), never by walking all clients. */
    size_t mem_last;
    int8_t mem_type;   /* CLIENT_TYPE_* counted under, -1: not counted */
    int8_t mem_bucket; /* eviction bucket, -1: in none (not evictable) */
    struct client *bucket_prev, *bucket_next;

    /* Links in the server's lists, written by client.c. */
    struct client *prev, *next;
    struct client *pending_next;
    struct client *close_next;
    struct client *unpause_next;

    struct pubsub_state *pubsub; /* subscriptions, owned by pubsub.c */
    unsigned tracking;           /* TRACKING_* bits (tracking.c) */
    uint64_t tracking_redir;     /* client invalidations go to, 0: this one (tracking.c) */
    struct tracking_prefixes *tracking_prefixes; /* BCAST prefixes, owned by tracking.c */
    struct multi_state *multi;                   /* transaction and WATCH state, owned by multi.c */
    struct bstate *bstate;     /* what a CLIENT_BLOCKED client waits for (blocking.c) */
    struct replica_info *repl; /* a replica's (or REPLCONF sender's) state, owned by repl_sync.c */
    uint64_t pubsub_channels;  /* counts, for CLIENT LIST (pubsub.c) */
    uint64_t pubsub_patterns;
    uint64_t pubsub_shard_channels;
    /* The reply buffer (reply.c fills it, client.c's cron resizes it as
     * Redis does: shrunk towards its recent peak, grown up to
     * CLIENT_BUF_SIZE while replies fill it). */
    char *buf;
    size_t buf_cap;
} client;

/* Create a client for an accepted socket (fd -1 makes a fake client). */
client *client_new(int fd, bool unix_socket);
/* A client over an established TLS connection (our master's link); it
 * owns t from now on, freed with the client even on failure. */
client *client_new_tls(int fd, struct tls_conn *t);
/* Free now; never call on the client whose command is running. */
void client_free(client *c);
/* Close after the current command and pending writes are dropped. */
void client_close_async(client *c);
/* Run every complete request in the query buffer. */
void client_process_input(client *c);
/* The loop's after-events hook: run the requests of the clients read in
 * this turn, prefetching their keys first (see client.c). */
void client_run_queued(void);
/* Write pending output of every client (before sleep). */
void client_flush_pending(void);
/* Free clients scheduled with client_close_async(). */
void client_free_closing(void);
/* Mark the client as having output to send this turn. */
void client_install_pending_write(client *c);
/* Periodic: idle timeouts and buffer shrinking. */
void client_cron(void);
/* The hard output-buffer limit of c's class in bytes, 0: none (nor for
 * our master or a fake client). */
unsigned long long client_output_hard_limit(const client *c);
/* Output-buffer class limits check after output grew. */
void client_check_output_limits(client *c);
const char *client_type_name(const client *c);
/* Client memory (client eviction, maxmemory-clients). Bytes c uses now: struct, query buffer, argv, reply list and what the
 * features keep for it (MULTI queue, WATCH, Pub/Sub, tracking prefixes);
 * multi_mem (may be NULL) gets the MULTI queue's share. */
size_t client_mem_usage(const client *c, size_t *multi_mem);
/* Recount c after its buffers or state changed: cheap when nothing did. */
void client_mem_update(client *c);
/* Bytes counted for clients of a CLIENT_TYPE_*. */
size_t client_mem_of_type(int type);
/* Evict the largest evictable clients while normal and Pub/Sub clients
 * use maxmemory-clients or more: each is closed asynchronously, its
 * buffers freed at once unless one of its requests is running. */
void client_evict(void);
/* CLIENT NO-EVICT on|off. */
void client_set_no_evict(client *c, bool on);
/* DEBUG REPLYBUFFER: the reply buffers' peak reset period (ms; -1 never;
 * CLIENT_TUNING_DEFAULT: Redis's 5 s) and resizing (0/1); each left as it
 * is when CLIENT_TUNING_KEEP. */
#define CLIENT_TUNING_KEEP (-2LL)
#define CLIENT_TUNING_DEFAULT (-3LL)
void client_reply_buffer_tuning(long long peak_reset_ms, int resizing);
/* Build one CLIENT LIST line into s. */
str *client_info_line(str *s, client *c) MUST_USE;
/* The client with a socket whose ID is id, or NULL (fake clients, without
 * a socket, are not found). O(1): client.c keeps an index by ID. */
client *client_find_by_id(uint64_t id);
/* Must authenticate before running commands (callers that test
 * c->authenticated first skip the call on the hot path). */
bool client_auth_required(const client *c);
/* Redis's allowProtectedAction for enable-debug-command,
 * enable-module-command and enable-protected-configs: "yes", or "local"
 * and the client is local. */
bool client_protected_action_allowed(const client *c, int setting);
/* Validate a client name (no spaces or special chars). */
bool client_name_valid(const char *p, size_t len);
/* MONITOR: the clients that see every command. */
void client_monitor_add(client *c);
void client_monitor_remove(client *c);
bool client_has_monitors(void);
void client_monitor_feed(client *c, int dbid, int argc, const slice *argv);
/* The listener callbacks: TCP (data NULL) and the unix socket (data
 * non-NULL); TLS, whose clients shake hands before they are read. */
void client_accept_handler(int lfd, void *data, int mask);
void client_accept_tls_handler(int lfd, void *data, int mask);
/* Reserve the descriptor the accept handler frees to refuse a client when
 * the process is out of descriptors; call once the listeners exist. */
void client_accept_init(void);
/* Clients whose request CLIENT PAUSE holds (INFO counts them blocked, as
 * Redis's BLOCKED_POSTPONE). */
unsigned long client_paused_count(void);
/* Resume clients postponed by CLIENT PAUSE once it expires. */
void client_unpause_all(void);
/* The before-sleep step: resume those client_unpause_all() left for it. */
void client_resume_unpaused(void);
/* Did a command ask client_unpause_all() since the last resume? */
bool client_unpause_pending(void);
/* While a script runs past busy-reply-threshold: read and answer the
 * other clients (they get -BUSY) and write pending output, without timers
 * or the after-events hook; closed clients are freed, but 'running' (the
 * client whose request is running). The caller of the script is not read
 * meanwhile (client_pause_reads). */
void client_serve_while_busy(client *running);
void client_pause_reads(client *c);
/* Read what a TLS connection holds decrypted already (no event announces it). */
void client_read_buffered(client *c);
void client_resume_reads(client *c);
/* io-uring yes|no: batch plain clients' reads and writes through io_uring
 * (uring.c), or use a syscall each; falls back with a log line when the
 * kernel refuses io_uring. Only between loop turns' I/O (start-up, a
 * command): nothing may be queued. */
void client_set_io_uring(bool want);

#endif
