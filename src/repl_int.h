/* repl_int.h -- how the files of replication ask each other. The master
 * side is four files: repl.c (what both roles share: offsets, IDs, the
 * backlog and the stream, the cron, INFO, start-up), repl_sync.c (a
 * replica's handshake and sync on the master: REPLCONF, SYNC/PSYNC, the
 * snapshot by disk or diskless, castor's split sync), repl_ack.c (WAIT and
 * the durability mode) and repl_role.c (REPLICAOF, ROLE, FAILOVER);
 * repl_link.c is the replica side (the link to our master, the handshake,
 * the transfer and load of its snapshot, the client applying its stream).
 * repl_link.c keeps its state static; the master side shares repl_ms below
 * (each field names the files that write it) and the replica_info of each
 * replica client. Not for other modules: they use repl.h. */
#ifndef CASTOR_REPL_INT_H
#define CASTOR_REPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backlog.h"
#include "client.h"
#include "net.h"
#include "rdb.h"
#include "str.h"
#include "tls.h"

#define ZERO_REPLID "0000000000000000000000000000000000000000"

/* ---- The master side's shared state ---- */

/* A replica client's state on the master (client->repl). Created by
 * repl_sync.c at its first REPLCONF or SYNC/PSYNC, freed with the client. */
typedef enum {
    RS_WAIT_BGSAVE_START, /* full sync wanted, no snapshot started for it yet */
    RS_WAIT_BGSAVE_END,   /* the snapshot is being made; stream buffered */
    RS_SEND_BULK,         /* the snapshot is going out */
    RS_ONLINE,            /* streaming */
    /* castor's split sync (docs/REPLICATION.md "Full syncs that finish"): */
    RS_STREAM,        /* a stream link: streaming while its replica loads */
    RS_SNAPSHOT_SENT, /* a split sync's first link: the snapshot went out */
} rstate;

typedef struct replica_info {
    rstate state;
    bool capa_eof, capa_psync2;
    bool capa_stream;      /* castor: takes its full sync's stream on a second link */
    bool split;            /* this full sync's stream goes through a stream link */
    bool stream_link;      /* this client is that stream link (REPLCONF stream-for) */
    bool close_when_sent;  /* split: the stream link went online (it is the replica now) */
    uint64_t peer_id;      /* split: the other link's client id (0: none yet) */
    bool diskless;         /* this sync's snapshot comes from the pipe */
    bool online_on_ack;    /* diskless: hold the stream until the first ACK */
    bool is_replica;       /* PSYNC/SYNC happened (else only REPLCONF) */
    bool old_sync;         /* SYNC, not PSYNC: no +FULLRESYNC line, no EOF mark */
    int rdb_exclude;       /* SNAPSHOT_EXCLUDE_*: REPLCONF rdb-filter-only */
    long long init_offset; /* offset announced in +FULLRESYNC */
    long long ack_off, ack_ms;
    long long getack_ms; /* a GETACK it has not answered since was sent then (0: none) */
    bool acked_online;   /* it acked while online: loaded its snapshot, answers GETACKs */
    long long wait_since_ms;
    int listening_port;
    char ip[NET_ADDR_SIZE];
    /* Disk transfer. */
    int bulk_fd;
    off_t bulk_off, bulk_size;
    char bulk_pre[64]; /* "$<len>\r\n" or "$EOF:<40 chars>\r\n" */
    size_t bulk_pre_len, bulk_pre_sent;
    /* Disk transfer while the file is still being written ($EOF: framing). */
    bool tailing;
    size_t mark_sent;
    /* Diskless transfer: bytes of the current pipe chunk already sent. */
    size_t pipe_sent;
    bool in_pipe;
    long long last_write_ms; /* last progress of the transfer */
    /* Where this replica reads the stream in the shared replication
     * buffer (repl_ms.bl); attached from the moment its stream starts. */
    backlog_reader rd;
} replica_info;

struct repl_master_state {
    /* The replicas (clients that sent SYNC/PSYNC): repl_sync.c. */
    client **replicas;
    size_t nreplicas, cap;
    /* The replication buffer and the offset it ends at: repl.c. */
    backlog *bl;
    long long offset; /* master_repl_offset */
    char replid2[41];
    long long second_offset; /* -1: none */
    /* db of the last SELECT fed, -1: none yet: repl.c; repl_sync.c and
     * repl_role.c reset it when a replica can't know ours. */
    int seldb;
    /* repl.c, repl_sync.c (the last replica left), repl_role.c (promotion). */
    long long no_replicas_since_ms;
    str *enc;               /* scratch encoding buffer: repl.c */
    long long last_ping_ms; /* repl.c */
    /* A REPLCONF GETACK is wanted at the end of this loop turn: set by
     * repl_ack.c, fed and cleared by repl.c. */
    bool getack_pending;
    int good_replicas;   /* repl.c (count_good_replicas) */
    long long max_acked; /* the highest offset a replica acknowledged: repl_sync.c */
};
extern struct repl_master_state repl_ms;

/* ---- repl.c, for the master side's files ---- */

/* "ip:port" of a replica as Redis logs it (a static buffer). */
const char *repl_replica_name(client *c);
/* Our history continues under a new id: the old one stays valid up to
 * the current offset (PSYNC2's shift). */
void repl_shift_replid(void);
/* Recount the replicas min-replicas-to-write counts as good. */
void repl_count_good_replicas(void);

/* ---- repl_sync.c, for repl.c ---- */

/* The cron: a diskless transfer nobody takes is stopped, waiting
 * replicas get their snapshot. Per replica (every second): a replica
 * waiting for its snapshot gets a newline; one that holds back a diskless
 * transfer past 'timeout' ms is dropped (returns true then). */
void repl_sync_cron(void);
bool repl_sync_replica_tick(client *c, long long timeout);
/* A replica client is being freed (c->repl is set): it leaves the
 * replicas, its sync ends, and c->repl is freed. */
void repl_sync_replica_freed(client *c);
/* The state INFO and the shutdown log show for a replica (Redis's words). */
const char *repl_sync_state_name(const replica_info *ri);
/* When replica c was last heard from: its last ACK, or anything it sent
 * (a newline while it loads a snapshot counts, as in Redis). */
static inline long long repl_replica_heard_ms(const client *c) {
    return c->repl->ack_ms > c->last_interaction_ms ? c->repl->ack_ms : c->last_interaction_ms;
}
/* castor's INFO fields of full syncs in progress ('nlinks' stream links). */
str *repl_sync_info(str *s, size_t nlinks) MUST_USE;

/* ---- repl_ack.c, for repl.c and repl_sync.c ---- */

/* A replica acknowledged an offset (or time passed): release the clients
 * in WAIT and the held writes that got what they wait for. */
void repl_ack_check_waiters(void);
/* A replica answered a GETACK after `silent` ms: fence acknowledgements
 * (the durability mode) when that looks like a healed partition. */
void repl_ack_fence_after_silence(client *c, long long silent);
/* The durability mode refuses a write now (too few online replicas, or a
 * master that was frozen). */
bool repl_ack_refuses_write(void);
/* c is being freed: it no longer waits for anything. */
void repl_ack_client_freed(client *c);
/* Before the loop sleeps: clients released run what they pipelined. */
void repl_ack_before_sleep(void);
/* The role changed to replica: every blocked client gets -UNBLOCKED. */
void repl_unblock_all_for_role_change(void);

/* ---- repl_role.c, for repl.c and repl_sync.c ---- */

/* PSYNC ... FAILOVER from our master, REPLICAOF NO ONE: promote. */
void repl_become_master(void);
/* The cron: a FAILOVER waiting for its target goes on or times out. */
void repl_failover_step(void);
/* INFO master_failover_state. */
const char *repl_failover_state_name(void);

/* ---- repl.c and repl_role.c, for repl_link.c ---- */

/* master_repl_offset: the bytes of the stream (ours or our master's). */
long long repl_offset(void);
/* The highest offset a replica of ours acknowledged. */
long long repl_max_acked(void);
/* A full sync took the master's snapshot at 'offset'. */
void repl_set_offset(long long offset);
/* Our master's history goes on under 'replid' (it was promoted): ours so
 * far becomes replid2, valid up to the current offset (PSYNC2). */
void repl_continue_history(const char *replid);
/* Is 'replid' our current or our previous replication ID? */
bool repl_is_our_history(const char *replid);
/* Bytes our master's client applied: to our backlog and sub-replicas. */
void repl_feed_applied(const char *p, size_t len);
long long repl_total_keys(void);
void repl_clear_replid2(void);
/* Create the backlog if there is none; drop it. */
void repl_backlog_create(void);
void repl_backlog_drop(void);
void repl_disconnect_replicas(void);
void repl_write_all_nb(int fd, tls_conn *t, const char *p, size_t len);
/* FAILOVER: are we handing over to a replica (PSYNC ... FAILOVER)? Is
 * one under way at all (waiting for a replica to catch up, or that)? */
bool repl_failover_in_progress(void);
bool repl_failover_pending(void);
void repl_failover_abort(const char *why);
/* The link to the failover target host:port is up: FAILOVER is done. */
void repl_failover_link_up(const char *host, int port);

/* ---- repl_link.c, for repl.c ---- */

/* The link's life: REPLICAOF host port (or the replicaof directive, before
 * loading: configure), REPLICAOF NO ONE (stop), the cron. start():
 * own_history_db >= 0 when we were a master (PSYNC continues our history
 * from that db), else -1. */
void repl_link_configure(const char *host, int port);
void repl_link_start(const char *host, int port, int own_history_db);
void repl_link_stop(void);
void repl_link_cron(void);
/* Connect now if a (re)connection is due. */
void repl_link_retry(void);
/* The master client is connected and applying the stream. */
bool repl_link_is_up(void);
/* A full sync is under way: the payload comes or loads (the offset we
 * had is no more). */
bool repl_link_in_full_sync(void);
bool repl_link_is_master(const client *c);
/* c is being freed: if it is our master's client, cache its state. */
void repl_link_client_freed(client *c);
/* Is host:port the master we follow? */
bool repl_link_is_to(const char *host, int port);
/* REPLICAOF of the same master: lift the empty-master guard if it refused. */
void repl_link_lift_guard(void);
/* The RDB we loaded at start names the stream's db (PSYNC from it). */
void repl_link_loaded(int stream_db);
/* A dataset of a history we don't know was loaded: no partial resync,
 * the master client goes. */
void repl_link_forget_history(void);
/* The db of the master's stream (to save in an RDB); false if none. */
bool repl_link_stream_db(int *dbid);
/* The history our master's last full sync said it continues, when it was
 * ours ("" if none): our snapshots carry it as aux castor-repl-id2. */
const char *repl_link_lineage(void);
/* ROLE, and the replica's INFO fields (Redis's, then castor's). */
void repl_link_role(client *c);
str *repl_link_info(str *s);
str *repl_link_info_sync(str *s);
void repl_send_ack(void);
/* Milliseconds since our master last sent data (or since the link went
 * down): a cluster replica's data age in an election. */
long long repl_link_data_age_ms(void);

#endif
