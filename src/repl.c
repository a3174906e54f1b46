/* repl.c -- replication: the master side, and what both roles share
 * (offsets, replication IDs, REPLICAOF/ROLE, INFO, the cron). The
 * replica's link to its master is repl_link.c; their shared state is
 * repl_int.h; docs/REPLICATION.md is the contract.
 *
 * Master side. Every effect of our own dataset (propagate.c) is encoded
 * once as RESP, with a SELECT when the db changes, and appended once to
 * the replication buffer (backlog.c), which every replica reads through
 * its own position (reply.c writes a replica's replies, then its stream:
 * repl_write_stream). A replica in a full sync has CLIENT_REPL_HOLD: its
 * position stays at the fork's offset + 1 (pinning the stream from there)
 * until the snapshot went out (by disk: the file by sendfile(); diskless:
 * the child's pipe, relayed here), so the stream continues exactly at the
 * offset announced in +FULLRESYNC.
 *
 * Replica side (repl_link.c). The master's stream is applied by a client
 * flagged CLIENT_MASTER; the bytes it applied are fed here, verbatim, to
 * our own backlog and sub-replicas, so offsets are the same along a chain. A MULTI block is fed when its EXEC runs, so a cut
 * link never leaves half a transaction counted as applied.
 *
 * Offsets: master_repl_offset counts stream bytes; it only moves while a
 * backlog exists (as in Redis). replid/replid2/second_repl_offset follow
 * PSYNC2 so restarted, promoted and chained nodes continue partially.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* pipe2 */
#include "repl.h"
#include "repl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arg.h"
#include "blocking.h"
#include "child.h"
#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "errors.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

#define BULK_CHUNK (64 * 1024)

/* ---- State: the master side, and FAILOVER (repl_link.c has its own) ---- */

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
    bool close_when_sent;  /* split: the stream link went online first */
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

typedef struct waiter {
    client *c;
    long long off;
    long numreplicas;
    long long deadline_ms; /* 0: forever */
} waiter;

/* A client whose write's reply is held until min-replicas-to-ack replicas
 * acknowledged 'off' (the durability mode): its output from 'mark' on is
 * that reply. */
typedef struct ack_waiter {
    client *c;
    long long off;
    size_t mark;
    long long deadline_ms;
} ack_waiter;

struct repl_master_state {
    client **replicas;
    size_t nreplicas, cap;
    backlog *bl;
    long long offset; /* master_repl_offset */
    char replid2[41];
    long long second_offset; /* -1: none */
    int seldb;               /* db of the last SELECT fed, -1: none yet */
    long long no_replicas_since_ms;
    str *enc; /* scratch encoding buffer */
    long long last_ping_ms;
    bool getack_pending;
    int good_replicas;
    /* Disk sync: the snapshot file, sent while the child still writes it. */
    int tail_fd;
    pid_t tail_child;
    bool tail_done;
    off_t tail_size;
    char tail_mark[41];
    long long tail_timer;
    /* Diskless relay. */
    int pipe_rfd;
    char *pipe_buf;
    size_t pipe_len;
    bool pipe_eof;
    /* WAIT. */
    waiter *waiters;
    size_t nwaiters, waiters_cap;
    /* The durability mode: held replies, and the request running now. */
    ack_waiter *ackw;
    size_t nackw, ackw_cap;
    client *ack_client;
    size_t ack_mark;
    long long ack_before;
    long long max_acked;   /* the highest offset a replica acknowledged */
    long long loop_ms;     /* when the event loop last went to sleep */
    long long fence_until; /* after a freeze: no write acknowledged before */
    client **resume;
    size_t nresume, resume_cap;
    /* Stats and the visible sync state. */
    long long sync_full, sync_partial_ok, sync_partial_err;
    const char *phase; /* none, waiting, bgsave, transfer */
    long long sent_bytes, total_bytes;
    const char *last_reason;
};

/* FAILOVER (Redis 6.2+): pause writes, wait for a replica to have every
 * byte, then become its replica with "PSYNC <replid> <offset> FAILOVER",
 * which makes it promote itself and continue our history. */
typedef enum { FO_NONE, FO_WAIT_FOR_SYNC, FO_IN_PROGRESS } fostate;
struct repl_failover {
    fostate state;
    char host[256]; /* target, "" for any */
    int port;
    bool force;
    long long end_ms; /* 0: no timeout */
};

static struct repl_master_state repl_ms = {.second_offset = -1,
                                           .seldb = -1,
                                           .pipe_rfd = -1,
                                           .tail_fd = -1,
                                           .phase = "none",
                                           .last_reason = "none",
                                           .replid2 = ZERO_REPLID};
static struct repl_failover repl_fo;

static void start_pending_syncs(void);
static void failover_step(void);
static void tail_maybe_finish(void);
static void check_waiters(void);
static void check_ack_waiters(void);
static void fence_after_silence(client *c, long long silent);
static void count_good_replicas(void);

/* ---- Helpers ---- */

static replica_info *rinfo(client *c) {
    if (c->repl == NULL) {
        replica_info *ri = mem_calloc(sizeof(*ri));
        ri->bulk_fd = -1;
        ri->ack_ms = srv.mstime;
        c->repl = ri;
    }
    return c->repl;
}

static const char *replica_name(client *c) {
    static char buf[NET_ADDR_SIZE + 16];
    replica_info *ri = c->repl;
    const char *colon = strrchr(c->addr, ':');
    int iplen = colon ? (int)(colon - c->addr) : (int)strlen(c->addr);
    if (ri && ri->ip[0]) snprintf(buf, sizeof(buf), "%s:%d", ri->ip, ri->listening_port);
    else if (ri && ri->listening_port)
        snprintf(buf, sizeof(buf), "%.*s:%d", iplen, c->addr, ri->listening_port);
    else snprintf(buf, sizeof(buf), "%s", c->addr);
    return buf;
}

long long repl_total_keys(void) {
    long long n = 0;
    for (int i = 0; i < srv.ndbs; i++) n += (long long)db_size(db_get(i));
    return n;
}

static void new_replid(void) { util_random_hex(srv.replid, 40); }

void repl_change_replid(void) {
    new_replid();
    repl_clear_replid2();
}

void repl_clear_replid2(void) {
    memcpy(repl_ms.replid2, ZERO_REPLID, 41);
    repl_ms.second_offset = -1;
}

/* Our history continues under a new id: the old one stays valid up to
 * the current offset (PSYNC2's shift). */
static void shift_replid(void) {
    memcpy(repl_ms.replid2, srv.replid, 41);
    repl_ms.second_offset = repl_ms.offset + 1;
    new_replid();
    log_msg(
        LOG_NOTICE,
        "Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
        repl_ms.replid2, repl_ms.second_offset, srv.replid);
}

void repl_backlog_create(void) {
    if (repl_ms.bl) return;
    /* repl-backlog-ttl counts from now, not from the epoch. */
    if (repl_ms.nreplicas == 0) repl_ms.no_replicas_since_ms = srv.mstime;
    repl_ms.bl = backlog_new((size_t)cfg.repl_backlog_size, repl_ms.offset);
    propagate_set_reader(PROPAGATE_REPL, true);
}

void repl_backlog_drop(void) {
    if (repl_ms.bl == NULL) return;
    /* Replicas read from it: they are being dropped too (or must resync). */
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        backlog_reader_detach(repl_ms.bl, &repl_ms.replicas[i]->repl->rd);
    backlog_free(repl_ms.bl);
    repl_ms.bl = NULL;
    propagate_set_reader(PROPAGATE_REPL, false);
}

long long repl_offset(void) { return repl_ms.offset; }

long long repl_max_acked(void) { return repl_ms.max_acked; }

void repl_set_offset(long long offset) { repl_ms.offset = offset; }

void repl_continue_history(const char *replid) {
    memcpy(repl_ms.replid2, srv.replid, 41);
    repl_ms.second_offset = repl_ms.offset + 1;
    memcpy(srv.replid, replid, 40);
    srv.replid[40] = '\0';
}

bool repl_is_our_history(const char *replid) {
    return strcasecmp(replid, srv.replid) == 0 || strcasecmp(replid, repl_ms.replid2) == 0;
}

void repl_backlog_size_changed(void) {
    if (repl_ms.bl) backlog_resize(repl_ms.bl, (size_t)cfg.repl_backlog_size);
}

/* The replication buffer's memory, split as Redis 7.0 reports it: the
 * backlog is up to repl-backlog-size; what replicas hold beyond it is
 * theirs (not counted for maxmemory). */
size_t repl_backlog_memory(void) {
    size_t total = repl_ms.bl ? repl_ms.bl->mem : 0;
    return repl_ms.nreplicas && total > (size_t)cfg.repl_backlog_size
               ? (size_t)cfg.repl_backlog_size
               : total;
}

size_t repl_replica_output_memory(void) {
    return (repl_ms.bl ? repl_ms.bl->mem : 0) - repl_backlog_memory();
}

/* ---- Master side: the stream ---- */

/* Append stream bytes to the replication buffer, once: every replica
 * reads them from there. A replica not held by its full sync gets a write
 * this loop turn; each is checked against its output limit. */
static void feed_bytes(const char *p, size_t len) {
    if (repl_ms.bl == NULL) return;
    backlog_feed(repl_ms.bl, p, len);
    repl_ms.offset = repl_ms.bl->end;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        if (c->repl->rd.b == NULL) continue;
        if (!(c->flags & (CLIENT_PENDING_WRITE | CLIENT_REPL_HOLD | CLIENT_CLOSE_ASAP)))
            client_install_pending_write(c);
        client_check_output_limits(c);
    }
}

size_t repl_stream_pending(const client *c) {
    const replica_info *ri = c->repl;
    return ri && repl_ms.bl ? backlog_reader_pending(repl_ms.bl, &ri->rd) : 0;
}

int repl_write_stream(client *c) {
    replica_info *ri = c->repl;
    if (ri == NULL || ri->rd.b == NULL || (c->flags & CLIENT_REPL_HOLD)) return 0;
    for (;;) {
        struct iovec iov[16];
        int n = backlog_reader_iov(&ri->rd, iov, 16);
        if (n == 0) return 0;
        size_t total = 0;
        for (int i = 0; i < n; i++) total += iov[i].iov_len;
        ssize_t w = conn_writev(c->fd, c->tls, iov, n);
        if (w < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        srv.stat_net_output_bytes += w;
        srv.stat_io_writes++;
        backlog_reader_advance(repl_ms.bl, &ri->rd, (size_t)w);
        if ((size_t)w < total) return 0; /* the socket is full */
    }
}

static void feed_command(int dbid, int argc, const slice *argv) {
    if (repl_ms.bl == NULL) return;
    if (repl_ms.enc == NULL) repl_ms.enc = str_new_cap(256);
    str_setlen(repl_ms.enc, 0);
    if (dbid >= 0 && dbid != repl_ms.seldb) {
        repl_ms.enc = resp_cat_select(repl_ms.enc, dbid);
        repl_ms.seldb = dbid;
    }
    repl_ms.enc = resp_cat_command(repl_ms.enc, argc, argv);
    feed_bytes(repl_ms.enc->buf, repl_ms.enc->len);
    if (repl_ms.enc->cap > 64 * 1024) { /* don't keep a big value's buffer */
        str_free(repl_ms.enc);
        repl_ms.enc = NULL;
    }
}

void repl_feed(int dbid, int argc, const slice *argv) {
    if (srv.is_replica) return; /* a replica forwards its master's bytes */
    feed_command(dbid, argc, argv);
    /* WAIT waits for the client's own writes (Redis's c->woff). */
    if (srv.current) srv.current->woff = repl_ms.offset;
}

void repl_feed_applied(const char *p, size_t len) {
    feed_bytes(p, len);
    if (repl_ms.bl == NULL) repl_ms.offset += (long long)len;
}

/* ---- Master side: replicas ---- */

static void add_replica(client *c) {
    if (repl_ms.nreplicas == repl_ms.cap) {
        repl_ms.cap = repl_ms.cap ? repl_ms.cap * 2 : 4;
        repl_ms.replicas = mem_realloc(repl_ms.replicas, repl_ms.cap * sizeof(client *));
    }
    repl_ms.replicas[repl_ms.nreplicas++] = c;
    srv.nreplicas = repl_ms.nreplicas;
    c->flags |= CLIENT_REPLICA;
    rinfo(c)->is_replica = true;
}

static void count_good_replicas(void);

static void remove_replica(client *c) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        if (repl_ms.replicas[i] == c) {
            repl_ms.replicas[i] = repl_ms.replicas[--repl_ms.nreplicas];
            break;
        }
    }
    srv.nreplicas = repl_ms.nreplicas;
    if (repl_ms.nreplicas == 0) repl_ms.no_replicas_since_ms = srv.mstime;
    count_good_replicas();
}

void repl_disconnect_replicas(void) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) client_close_async(repl_ms.replicas[i]);
}

static void hold(client *c, bool on) {
    if (on) {
        c->flags |= CLIENT_REPL_HOLD;
    } else {
        c->flags &= ~CLIENT_REPL_HOLD;
        if (reply_pending(c)) client_install_pending_write(c);
    }
}

static void go_online(client *c) {
    replica_info *ri = c->repl;
    ri->state = RS_ONLINE;
    ri->online_on_ack = false;
    ri->ack_ms = srv.mstime;
    count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
    hold(c, false);
    count_good_replicas();
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", replica_name(c));
}

void repl_write_all_nb(int fd, tls_conn *t, const char *p, size_t len) {
    ssize_t n = conn_write(fd, t, p, len);
    (void)n; /* a keepalive; a dead socket shows on the next read */
}

/* +FULLRESYNC for a replica whose snapshot starts now at our offset. */
static void setup_full_resync(client *c, long long offset) {
    replica_info *ri = c->repl;
    ri->init_offset = offset;
    ri->state = RS_WAIT_BGSAVE_END;
    /* Its stream starts right after the snapshot's offset. */
    backlog_reader_attach(repl_ms.bl, &ri->rd, offset + 1);
    /* The next command fed carries a SELECT: the replica can't know ours. */
    repl_ms.seldb = -1;
    char buf[160];
    int n;
    /* castor: a replica that takes its stream on a second link is told
     * which sync to join (this link's client id); others see Redis's line. */
    /* Only when an output-buffer limit could cut the sync: with none
     * ("replica 0 0 0") Redis's exchange never loops and is kept. */
    const cobl_limit *lim = &cfg.client_output_buffer_limit[COBL_REPLICA];
    ri->split = ri->capa_stream && !ri->old_sync && !c->tls && (lim->hard || lim->soft);
    if (ri->split)
        n = snprintf(buf, sizeof(buf), "+FULLRESYNC %s %lld STREAM %llu\r\n", srv.replid, offset,
                     (unsigned long long)c->id);
    else n = snprintf(buf, sizeof(buf), "+FULLRESYNC %s %lld\r\n", srv.replid, offset);
    if (!ri->old_sync) repl_write_all_nb(c->fd, c->tls, buf, (size_t)n);
}

/* ---- castor's split sync: the stream on a second link ----
 * A replica that announced "capa castor-stream" gets "+FULLRESYNC <id>
 * <offset> STREAM <client id>", opens a second connection and sends
 * "REPLCONF stream-for <client id>" and "PSYNC <id> <offset + 1>": that
 * link takes the stream at once (the replica buffers it on its side), so
 * the first link carries only the snapshot and pins nothing. The stream
 * link goes online (RS_ONLINE) at its first REPLCONF ACK, sent once the
 * replica loaded the snapshot and applied what it buffered; the first link
 * is closed then. Either link failing before that ends both. */

static client *peer_of(const replica_info *ri) {
    return ri->peer_id ? client_find_by_id(ri->peer_id) : NULL;
}

/* A split sync's snapshot went out on c: it waits for its stream link. */
static void snapshot_sent(client *c) {
    replica_info *ri = c->repl;
    ri->state = RS_SNAPSHOT_SENT;
    log_msg(LOG_NOTICE,
            "Snapshot transfer to replica %s succeeded; its stream goes through its stream link",
            replica_name(c));
    if (ri->close_when_sent) client_close_async(c);
}

/* PSYNC on a link that said "REPLCONF stream-for <id>". */
static void stream_link_attach(client *c, const char *id, long long off) {
    replica_info *ri = c->repl;
    client *m = peer_of(ri);
    replica_info *mi = m ? m->repl : NULL;
    if (mi == NULL || !mi->split || mi->peer_id || mi->rd.b == NULL || off != mi->init_offset + 1 ||
        strcasecmp(id, srv.replid) != 0 || (m->flags & CLIENT_CLOSE_ASAP)) {
        reply_error(c, ERR_STREAM_LINK_NO_SYNC);
        return;
    }
    add_replica(c);
    ri->state = RS_STREAM;
    ri->ack_ms = srv.mstime;
    mi->peer_id = c->id;
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "+CONTINUE %s\r\n", srv.replid);
    reply_raw(c, buf, (size_t)n);
    /* The stream moves from the snapshot's link to this one. */
    backlog_reader_attach(repl_ms.bl, &ri->rd, off);
    backlog_reader_detach(repl_ms.bl, &mi->rd);
    log_msg(LOG_NOTICE, "Replica %s takes its full sync's stream on a second link from offset %lld",
            replica_name(c), off);
}

/* The stream link's first ACK: its replica loaded the snapshot. */
static void stream_link_online(client *c) {
    replica_info *ri = c->repl;
    ri->state = RS_ONLINE;
    count_good_replicas();
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", replica_name(c));
    client *m = peer_of(ri);
    ri->peer_id = 0;
    if (m && m->repl) {
        m->repl->peer_id = 0;
        if (m->repl->state == RS_SNAPSHOT_SENT) client_close_async(m);
        else m->repl->close_when_sent = true;
    }
}

static void fail_replica(client *c, const char *why) {
    log_msg(LOG_WARNING, "%s: closing the link with replica %s", why, replica_name(c));
    client_close_async(c);
}

/* ---- Disk transfer ---- */

/* ---- Disk transfer: the file as the child writes it ----
 * Replicas that read "$EOF:" (capa eof) don't need the length first, so
 * they get the snapshot file while the BGSAVE child is still writing it,
 * framed by a random mark; the others wait for the end and get "$<len>".
 * One file serves every replica that arrives during the BGSAVE. */

static off_t tail_available(void) {
    if (repl_ms.tail_fd == -1) return 0;
    if (repl_ms.tail_done) return repl_ms.tail_size;
    struct stat sb;
    return fstat(repl_ms.tail_fd, &sb) == 0 ? sb.st_size : 0;
}

static bool tail_open(void) {
    if (repl_ms.tail_fd != -1) return true;
    char name[64];
    snprintf(name, sizeof(name), "temp-%d.rdb", (int)repl_ms.tail_child); /* rdb.c's temp name */
    repl_ms.tail_fd = open(name, O_RDONLY | O_CLOEXEC);
    return repl_ms.tail_fd != -1;
}

static void send_bulk(int fd, void *data, int mask);

static long long tail_tick(long long id, void *data) {
    (void)id;
    (void)data;
    bool any = false;
    if (repl_ms.tail_fd == -1 && !repl_ms.tail_done) tail_open();
    off_t avail = tail_available();
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->tailing || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        any = true;
        if ((ev_mask(c->fd) & EV_WRITE) == 0 && (ri->bulk_off < avail || repl_ms.tail_done))
            ev_add(c->fd, EV_WRITE, send_bulk, c);
    }
    if (!any) {
        repl_ms.tail_timer = 0;
        return -1;
    }
    return 2;
}

/* Close the file once the child is done and no replica still reads it. */
static void tail_maybe_finish(void) {
    if (!repl_ms.tail_done) return;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->tailing) return;
    if (repl_ms.tail_fd != -1) close(repl_ms.tail_fd);
    repl_ms.tail_fd = -1;
    repl_ms.tail_done = false;
    repl_ms.tail_child = 0;
    repl_ms.phase = "none";
}

static void tail_start(client *c) {
    replica_info *ri = c->repl;
    ri->tailing = true;
    ri->state = RS_SEND_BULK;
    ri->bulk_off = 0;
    ri->mark_sent = 0;
    ri->bulk_pre_len =
        (size_t)snprintf(ri->bulk_pre, sizeof(ri->bulk_pre), "$EOF:%s\r\n", repl_ms.tail_mark);
    ri->bulk_pre_sent = 0;
    if (repl_ms.tail_timer == 0) repl_ms.tail_timer = ev_timer_add(1, tail_tick, NULL);
}

static void send_bulk(int fd, void *data, int mask) {
    (void)mask;
    client *c = data;
    replica_info *ri = c->repl;
    if (ri->bulk_pre_sent < ri->bulk_pre_len) {
        ssize_t n = conn_write(fd, c->tls, ri->bulk_pre + ri->bulk_pre_sent,
                               ri->bulk_pre_len - ri->bulk_pre_sent);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            fail_replica(c, "Write error sending the RDB preamble to replica");
            return;
        }
        ri->bulk_pre_sent += (size_t)n;
        if (ri->bulk_pre_sent < ri->bulk_pre_len) return;
    }
    int src = ri->tailing ? repl_ms.tail_fd : ri->bulk_fd;
    off_t avail = ri->tailing ? tail_available() : ri->bulk_size;
    while (ri->bulk_off < avail) {
        off_t off = ri->bulk_off;
        size_t want =
            (size_t)(avail - off) < BULK_CHUNK * 4 ? (size_t)(avail - off) : BULK_CHUNK * 4;
        ssize_t n = c->tls ? tls_send_file(c->tls, src, &off, want) : sendfile(fd, src, &off, want);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            log_msg(LOG_WARNING, "Write error sending DB to replica: %s",
                    n == 0 ? "unexpected end of file" : strerror(errno));
            client_close_async(c);
            return;
        }
        ri->bulk_off = off;
        repl_ms.sent_bytes += n;
        srv.stat_net_output_bytes += n;
    }
    if (ri->tailing) {
        if (!repl_ms.tail_done || ri->bulk_off < repl_ms.tail_size) {
            ev_del(fd, EV_WRITE); /* the tail timer wakes us when it grows */
            return;
        }
        while (ri->mark_sent < 40) {
            ssize_t n =
                conn_write(fd, c->tls, repl_ms.tail_mark + ri->mark_sent, 40 - ri->mark_sent);
            if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
            if (n <= 0) {
                fail_replica(c, "Write error sending the RDB end mark to replica");
                return;
            }
            ri->mark_sent += (size_t)n;
        }
        ev_del(fd, EV_WRITE);
        ri->tailing = false;
        if (ri->split) {
            snapshot_sent(c);
            tail_maybe_finish();
            return;
        }
        ri->state = RS_ONLINE;
        count_good_replicas();    /* min-replicas-to-write sees it now, as Redis */
        ri->online_on_ack = true; /* as diskless: the stream waits for its ACK */
        log_msg(
            LOG_NOTICE,
            "Streamed RDB transfer with replica %s succeeded (disk). Waiting for REPLCONF ACK from replica to enable streaming",
            replica_name(c));
        tail_maybe_finish();
        return;
    }
    close(ri->bulk_fd);
    ri->bulk_fd = -1;
    ev_del(fd, EV_WRITE);
    if (ri->split) snapshot_sent(c);
    else go_online(c);
    bool more = false;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->state == RS_SEND_BULK) more = true;
    if (!more) repl_ms.phase = "none";
}

static void disk_snapshot_done(bool ok) {
    struct stat sb;
    if (repl_ms.tail_child) {
        /* The child renamed its file to dbfilename; our fd still reads it.
         * A tiny snapshot may have been renamed before we opened it. */
        if (ok && repl_ms.tail_fd == -1)
            repl_ms.tail_fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        repl_ms.tail_done = true;
        repl_ms.tail_size =
            repl_ms.tail_fd != -1 && fstat(repl_ms.tail_fd, &sb) == 0 ? sb.st_size : 0;
        repl_ms.total_bytes = repl_ms.tail_size;
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *c = repl_ms.replicas[i];
            replica_info *ri = c->repl;
            if (!ri->tailing) continue;
            if (!ok || repl_ms.tail_fd == -1) {
                ri->tailing = false;
                fail_replica(c, "SYNC failed. BGSAVE child returned an error");
            } else if ((ev_mask(c->fd) & EV_WRITE) == 0) {
                ev_add(c->fd, EV_WRITE, send_bulk, c);
            }
        }
        tail_maybe_finish();
    }
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (ri->state != RS_WAIT_BGSAVE_END || ri->diskless) continue;
        if (!ok) {
            fail_replica(c, "SYNC failed. BGSAVE child returned an error");
            continue;
        }
        int fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        if (fd == -1 || fstat(fd, &sb) == -1) {
            log_msg(LOG_WARNING, "SYNC failed. Can't open/stat DB after BGSAVE: %s",
                    strerror(errno));
            if (fd != -1) close(fd);
            client_close_async(c);
            continue;
        }
        ri->bulk_fd = fd;
        ri->bulk_off = 0;
        ri->bulk_size = sb.st_size;
        ri->bulk_pre_len = (size_t)snprintf(ri->bulk_pre, sizeof(ri->bulk_pre), "$%lld\r\n",
                                            (long long)sb.st_size);
        ri->bulk_pre_sent = 0;
        ri->state = RS_SEND_BULK;
        repl_ms.phase = "transfer";
        repl_ms.sent_bytes = 0;
        repl_ms.total_bytes = sb.st_size;
        if (ev_add(c->fd, EV_WRITE, send_bulk, c) == -1) client_close_async(c);
    }
}

/* ---- Diskless transfer: relay the child's pipe ---- */

static void pipe_read(int fd, void *data, int mask);

static void pipe_finish(void) {
    if (repl_ms.pipe_rfd != -1) {
        ev_del(repl_ms.pipe_rfd, EV_READ);
        close(repl_ms.pipe_rfd);
        repl_ms.pipe_rfd = -1;
    }
    mem_free(repl_ms.pipe_buf);
    repl_ms.pipe_buf = NULL;
    repl_ms.pipe_len = 0;
    repl_ms.phase = "none";
}

/* Write the current chunk to each replica still taking it. true when all
 * have it. */
static bool pipe_push(void) {
    bool all = true;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->in_pipe || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        while (ri->pipe_sent < repl_ms.pipe_len) {
            ssize_t n = conn_write(c->fd, c->tls, repl_ms.pipe_buf + ri->pipe_sent,
                                   repl_ms.pipe_len - ri->pipe_sent);
            if (n == -1 && (errno == EAGAIN || errno == EINTR)) break;
            if (n <= 0) {
                log_msg(LOG_WARNING, "Diskless rdb transfer, write error sending DB to replica: %s",
                        strerror(errno));
                ri->in_pipe = false;
                client_close_async(c);
                break;
            }
            ri->pipe_sent += (size_t)n;
            ri->last_write_ms = srv.mstime;
            srv.stat_net_output_bytes += n;
        }
        if (ri->in_pipe && ri->pipe_sent < repl_ms.pipe_len) all = false;
    }
    return all;
}

static void replica_pipe_writable(int fd, void *data, int mask) {
    (void)mask;
    (void)data;
    if (fd != -1) ev_del(fd, EV_WRITE);
    if (pipe_push()) {
        if (repl_ms.pipe_rfd != -1) ev_add(repl_ms.pipe_rfd, EV_READ, pipe_read, NULL);
    } else {
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *c = repl_ms.replicas[i];
            replica_info *ri = c->repl;
            if (ri->in_pipe && ri->pipe_sent < repl_ms.pipe_len && !(c->flags & CLIENT_CLOSE_ASAP))
                ev_add(c->fd, EV_WRITE, replica_pipe_writable, c);
        }
    }
}

static void pipe_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    if (repl_ms.pipe_buf == NULL) repl_ms.pipe_buf = mem_alloc(BULK_CHUNK);
    ssize_t n = read(fd, repl_ms.pipe_buf, BULK_CHUNK);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        /* The child closed its end: every replica still in has it all. */
        int up = 0;
        for (size_t i = 0; i < repl_ms.nreplicas; i++)
            if (repl_ms.replicas[i]->repl->in_pipe &&
                !(repl_ms.replicas[i]->flags & CLIENT_CLOSE_ASAP))
                up++;
        if (n == 0)
            log_msg(LOG_NOTICE,
                    "Diskless rdb transfer, done reading from pipe, %d replicas still up.", up);
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *c = repl_ms.replicas[i];
            replica_info *ri = c->repl;
            if (!ri->in_pipe) continue;
            ri->in_pipe = false;
            if (n == 0 && !(c->flags & CLIENT_CLOSE_ASAP) && ri->split) {
                snapshot_sent(c);
            } else if (n == 0 && !(c->flags & CLIENT_CLOSE_ASAP)) {
                log_msg(
                    LOG_NOTICE,
                    "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming",
                    replica_name(c));
                ri->state = RS_ONLINE;
                count_good_replicas();    /* min-replicas-to-write sees it now, as Redis */
                ri->online_on_ack = true; /* hold the stream until it loaded */
            } else {
                client_close_async(c);
            }
        }
        pipe_finish();
        return;
    }
    repl_ms.pipe_len = (size_t)n;
    repl_ms.sent_bytes += n;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        repl_ms.replicas[i]->repl->pipe_sent = 0;
        repl_ms.replicas[i]->repl->last_write_ms = srv.mstime; /* its wait starts now */
    }
    if (!pipe_push()) {
        ev_del(fd, EV_READ);
        replica_pipe_writable(-1, NULL, 0);
    }
}

/* With no replica left to take the pipe (each left by a write error, a
 * timeout or a close), the child's work is wasted: Redis kills it. Called
 * where no relay loop is running (a replica freed, the cron). Returns true
 * when the transfer was abandoned. */
static bool pipe_abandoned(void) {
    if (repl_ms.pipe_rfd == -1) return false;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->in_pipe && !(repl_ms.replicas[i]->flags & CLIENT_CLOSE_ASAP))
            return false;
    log_msg(LOG_WARNING, "Diskless rdb transfer, last replica dropped, killing fork child.");
    if (child_type() == CHILD_RDB) snapshot_kill_child();
    else pipe_finish(); /* the child is gone already: only its bytes were left */
    return true;
}

bool repl_diskless_transfer_active(void) { return repl_ms.pipe_rfd != -1; }

/* ---- Starting snapshots for waiting replicas ---- */

static int start_snapshot(bool diskless, int exclude) {
    if (diskless) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == -1) return -1;
        char mark[41];
        util_random_hex(mark, 40);
        if (snapshot_bgsave_pipe(fds[1], fds[0], mark, exclude) == -1) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        close(fds[1]);
        net_set_nonblock(fds[0], true);
        repl_ms.pipe_rfd = fds[0];
        repl_ms.pipe_len = 0;
        ev_add(repl_ms.pipe_rfd, EV_READ, pipe_read, NULL);
        return 0;
    }
    return snapshot_bgsave();
}

/* Is c a replica waiting for a snapshot to start? */
static bool waits_for_snapshot(const client *c) {
    return c->repl->state == RS_WAIT_BGSAVE_START && !(c->flags & CLIENT_CLOSE_ASAP);
}

/* Start the snapshot that replicas in RS_WAIT_BGSAVE_START wait for, if
 * nothing else runs; diskless waits repl-diskless-sync-delay for more
 * replicas to arrive (or until repl-diskless-sync-max-replicas wait).
 * Replicas that asked for a filtered RDB (REPLCONF rdb-filter-only) share
 * a snapshot only with replicas that asked for the same filter, and it
 * goes to their sockets, never to the dump file (as Redis). */
static void start_pending_syncs(void) {
    if (child_active() || repl_ms.pipe_rfd != -1) return;
    size_t waiting = 0;
    long long oldest = 0;
    bool all_eof = true;
    int exclude = -1; /* the filter of the first waiting replica: this round's */
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (!waits_for_snapshot(repl_ms.replicas[i])) continue;
        if (exclude == -1) exclude = ri->rdb_exclude;
        if (ri->rdb_exclude != exclude) continue;
        waiting++;
        if (!ri->capa_eof) all_eof = false;
        if (oldest == 0 || ri->wait_since_ms < oldest) oldest = ri->wait_since_ms;
    }
    if (waiting == 0) return;
    bool diskless = (cfg.repl_diskless_sync || exclude) && all_eof;
    if (diskless && cfg.repl_diskless_sync && cfg.repl_diskless_sync_delay > 0 &&
        srv.mstime - oldest < (long long)cfg.repl_diskless_sync_delay * 1000 &&
        !(cfg.repl_diskless_sync_max_replicas > 0 &&
          waiting >= (size_t)cfg.repl_diskless_sync_max_replicas))
        return;
    log_msg(LOG_NOTICE, "Starting BGSAVE for SYNC with target: %s",
            diskless ? "replicas sockets" : "disk");
    long long offset = repl_ms.offset;
    if (start_snapshot(diskless, diskless ? exclude : 0) == -1) {
        log_msg(LOG_WARNING, "BGSAVE for replication failed");
        for (size_t i = 0; i < repl_ms.nreplicas; i++)
            if (repl_ms.replicas[i]->repl->state == RS_WAIT_BGSAVE_START)
                client_close_async(repl_ms.replicas[i]);
        return;
    }
    repl_ms.phase = diskless ? "transfer" : "bgsave";
    repl_ms.sent_bytes = 0;
    repl_ms.total_bytes = 0;
    if (!diskless) {
        repl_ms.tail_child = child_pid();
        repl_ms.tail_done = false;
        if (repl_ms.tail_fd != -1) close(repl_ms.tail_fd);
        repl_ms.tail_fd = -1;
        util_random_hex(repl_ms.tail_mark, 40);
    }
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!waits_for_snapshot(c) || ri->rdb_exclude != exclude) continue;
        ri->diskless = diskless;
        setup_full_resync(c, offset);
        if (!diskless && ri->capa_eof) tail_start(c);
        if (diskless) {
            ri->state = RS_SEND_BULK;
            ri->in_pipe = true;
            ri->pipe_sent = 0;
            ri->last_write_ms = srv.mstime;
        }
    }
}

void repl_rdb_child_done(bool ok, bool to_disk) {
    if (to_disk) {
        disk_snapshot_done(ok);
    } else if (!ok) {
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            replica_info *ri = repl_ms.replicas[i]->repl;
            if (ri->in_pipe || (ri->state == RS_ONLINE && ri->online_on_ack))
                fail_replica(repl_ms.replicas[i], "Diskless rdb transfer failed");
        }
        pipe_finish();
    }
    start_pending_syncs();
}

/* ---- Master side: SYNC / PSYNC / REPLCONF ---- */

static bool try_partial(client *c, const char *id, long long off) {
    const char *reason = NULL;
    if (strcasecmp(id, srv.replid) != 0 &&
        (strcasecmp(id, repl_ms.replid2) != 0 || off > repl_ms.second_offset)) {
        if (id[0] == '?' || off == 1) { /* no history: "?" or a fresh node's own id */
            reason = "new_replica";
        } else {
            reason = "replid_mismatch";
            if (strcasecmp(id, repl_ms.replid2) != 0)
                log_msg(
                    LOG_NOTICE,
                    "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')",
                    id, srv.replid, repl_ms.replid2);
            else
                log_msg(
                    LOG_NOTICE,
                    "Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can reply up to %lld",
                    off, repl_ms.second_offset);
        }
    } else if (repl_ms.bl == NULL) {
        reason = "no_backlog";
        log_msg(
            LOG_NOTICE,
            "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
            replica_name(c), off);
    } else if (!backlog_has(repl_ms.bl, off)) {
        reason = "offset_out_of_backlog";
        log_msg(
            LOG_NOTICE,
            "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
            replica_name(c), off);
        if (off > repl_ms.offset)
            log_msg(
                LOG_WARNING,
                "Warning: replica %s tried to PSYNC with an offset that is greater than the master replication offset.",
                replica_name(c));
    }
    if (reason) {
        repl_ms.last_reason = reason;
        return false;
    }
    replica_info *ri = rinfo(c);
    add_replica(c);
    ri->state = RS_ONLINE;
    ri->ack_ms = srv.mstime;
    count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
    char buf[128];
    int n = ri->capa_psync2 ? snprintf(buf, sizeof(buf), "+CONTINUE %s\r\n", srv.replid)
                            : snprintf(buf, sizeof(buf), "+CONTINUE\r\n");
    reply_raw(c, buf, (size_t)n);
    backlog_reader_attach(repl_ms.bl, &ri->rd, off);
    size_t sent = backlog_reader_pending(repl_ms.bl, &ri->rd);
    repl_ms.sync_partial_ok++;
    log_msg(
        LOG_NOTICE,
        "Partial resynchronization request from %s accepted. Sending %zu bytes of backlog starting from offset %lld.",
        replica_name(c), sent, off);
    return true;
}

static void become_master(void);

static void sync_command(client *c, bool psync) {
    if (c->flags & CLIENT_REPLICA) return; /* already one */
    if (psync && c->argc > 3 && arg_is(&c->argv[3], "failover")) {
        /* Our master hands over: promote, then continue its history. */
        log_msg(LOG_NOTICE, "Failover request received for replid %.*s.", (int)c->argv[1].len,
                c->argv[1].ptr);
        if (!srv.is_replica) {
            reply_error(c, ERR_PSYNC_FAILOVER_MASTER);
            return;
        }
        if (c->argv[1].len != 40 || strncasecmp(c->argv[1].ptr, srv.replid, 40) != 0) {
            reply_error(c, ERR_PSYNC_FAILOVER_REPLID);
            return;
        }
        become_master();
    }
    if (srv.is_replica && !repl_link_is_up()) {
        reply_error(c, ERR_NOMASTERLINK);
        return;
    }
    if (psync && c->repl && c->repl->stream_link) {
        /* Its REPLCONF replies may still be pending: the replica sent
         * the whole handshake at once, and reads them first. */
        char id[41];
        long long off;
        snprintf(id, sizeof(id), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
        if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &off)) off = -1;
        stream_link_attach(c, id, off);
        return;
    }
    if (reply_pending(c)) {
        reply_error(c, ERR_SYNC_PENDING);
        return;
    }
    log_msg(LOG_NOTICE, "Replica %s asks for synchronization", replica_name(c));
    replica_info *ri = rinfo(c);
    if (psync) {
        long long off;
        char id[41];
        snprintf(id, sizeof(id), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
        if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &off)) {
            log_msg(LOG_WARNING, "Replica %s asks for synchronization but with a wrong offset",
                    replica_name(c));
            reply_error(c, ERR_NOT_INT);
            return;
        }
        if (try_partial(c, id, off)) return;
        if (id[0] != '?') repl_ms.sync_partial_err++;
    } else {
        repl_ms.last_reason = "new_replica";
        ri->capa_psync2 = false;
        /* A filtered RDB goes to the socket only (never the dump file), so
         * such a SYNC client (redis-cli --functions-rdb) keeps its "$EOF:". */
        if (!ri->rdb_exclude) ri->capa_eof = false;
        ri->old_sync = true;
    }
    repl_ms.sync_full++;
    /* The first replica: a fresh history (as Redis), and a backlog. */
    if (repl_ms.bl == NULL && !srv.is_replica) {
        new_replid();
        repl_clear_replid2();
        repl_backlog_create();
        log_msg(LOG_NOTICE, "Replication backlog created, my new replication IDs are '%s' and '%s'",
                srv.replid, repl_ms.replid2);
    } else if (repl_ms.bl == NULL) {
        repl_backlog_create();
    }
    add_replica(c);
    hold(c, true);
    ri->state = RS_WAIT_BGSAVE_START;
    ri->wait_since_ms = srv.mstime;
    repl_ms.phase = "waiting";
    /* A disk BGSAVE for replication already runs: share it when another
     * replica waits for it (copy that replica's buffered stream). */
    if (child_type() == CHILD_RDB && !cfg.repl_diskless_sync) {
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *o = repl_ms.replicas[i];
            replica_info *oi = o->repl;
            /* Same snapshot, same stream since its fork. A replica that
             * reads "$EOF:" joins the tail; one that needs the length gets
             * the finished file like the others waiting for it. */
            bool same_snapshot = (oi->state == RS_WAIT_BGSAVE_END && !oi->diskless) || oi->tailing;
            /* A split sync's stream moved to its stream link: the buffer
             * may no longer hold the stream from its snapshot on. */
            if (o == c || !same_snapshot || ri->rdb_exclude ||
                !backlog_has(repl_ms.bl, oi->init_offset + 1))
                continue;
            ri->diskless = false;
            setup_full_resync(c, oi->init_offset);
            if (ri->capa_eof && repl_ms.tail_child) tail_start(c);
            log_msg(LOG_NOTICE, "Waiting for end of BGSAVE for SYNC");
            return;
        }
    }
    if (child_active())
        log_msg(LOG_NOTICE,
                "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    else if (cfg.repl_diskless_sync && ri->capa_eof && cfg.repl_diskless_sync_delay > 0)
        log_msg(LOG_NOTICE, "Delay next BGSAVE for diskless SYNC");
    start_pending_syncs();
}

static void cmd_sync(client *c) { sync_command(c, false); }
static void cmd_psync(client *c) { sync_command(c, true); }

/* REPLCONF rdb-filter-only "<filter> ...": what the replica's RDB keeps,
 * nothing but what is listed (space-separated; "functions" is the only
 * filter, "" keeps nothing). Replies Redis's error and returns false on an
 * unknown filter. */
static bool parse_rdb_filter(client *c, const slice *val) {
    int exclude = SNAPSHOT_EXCLUDE_DATA | SNAPSHOT_EXCLUDE_FUNCTIONS;
    size_t i = 0;
    while (i < val->len) {
        while (i < val->len && (val->ptr[i] == ' ' || val->ptr[i] == '\t')) i++;
        size_t start = i;
        while (i < val->len && val->ptr[i] != ' ' && val->ptr[i] != '\t') i++;
        if (i == start) break;
        slice word = slice_of(val->ptr + start, i - start);
        if (arg_is(&word, "functions")) {
            exclude &= ~SNAPSHOT_EXCLUDE_FUNCTIONS;
        } else {
            reply_errorf(c, ERR_RDB_FILTER_OPTION, (int)word.len, word.ptr);
            return false;
        }
    }
    rinfo(c)->rdb_exclude = exclude;
    return true;
}

static void cmd_replconf(client *c) {
    if (c->argc % 2 == 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        const slice *opt = &c->argv[j], *val = &c->argv[j + 1];
        if (arg_is(opt, "listening-port")) {
            long long port;
            if (!arg_ll(c, val, &port)) return;
            rinfo(c)->listening_port = (int)port;
        } else if (arg_is(opt, "ip-address")) {
            if (val->len >= NET_ADDR_SIZE) {
                reply_error(c, ERR_REPLCONF_IP_LONG);
                return;
            }
            memcpy(rinfo(c)->ip, val->ptr, val->len);
            rinfo(c)->ip[val->len] = '\0';
        } else if (arg_is(opt, "capa")) {
            if (arg_is(val, "eof")) rinfo(c)->capa_eof = true;
            else if (arg_is(val, "psync2")) rinfo(c)->capa_psync2 = true;
            else if (arg_is(val, "castor-stream")) rinfo(c)->capa_stream = true;
        } else if (arg_is(opt, "stream-for")) { /* castor: a split sync's stream link */
            long long id;
            if (!arg_ll(c, val, &id)) return;
            if (id <= 0) {
                reply_error(c, ERR_STREAM_FOR_ID);
                return;
            }
            rinfo(c)->stream_link = true;
            rinfo(c)->peer_id = (uint64_t)id;
        } else if (arg_is(opt, "ack")) {
            /* No reply: the replica does not read one. */
            if (!(c->flags & CLIENT_REPLICA)) return;
            long long off;
            if (!util_str2ll(val->ptr, val->len, &off)) return;
            replica_info *ri = c->repl;
            if (ri->getack_ms && cfg.min_replicas_to_ack > 0)
                fence_after_silence(c, srv.mstime - ri->getack_ms);
            ri->getack_ms = 0;
            if (off > ri->ack_off) ri->ack_off = off;
            if (ri->ack_off > repl_ms.max_acked && ri->ack_off <= repl_ms.offset)
                repl_ms.max_acked = ri->ack_off;
            ri->ack_ms = srv.mstime;
            if (ri->state == RS_STREAM) stream_link_online(c);
            if (ri->state == RS_ONLINE && ri->online_on_ack) {
                ri->online_on_ack = false;
                hold(c, false);
                count_good_replicas();
                log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", replica_name(c));
            }
            /* It loaded its snapshot: from now on it answers GETACKs at once. */
            if (ri->state == RS_ONLINE && !ri->online_on_ack) ri->acked_online = true;
            if (repl_ms.nwaiters) check_waiters();
            if (repl_ms.nackw) check_ack_waiters();
            return;
        } else if (arg_is(opt, "getack")) {
            if (repl_link_is_master(c)) repl_send_ack();
            return;
        } else if (arg_is(opt, "rdb-only")) {
            long v;
            if (!arg_long_range(c, val, 0, 1, &v, NULL)) return;
        } else if (arg_is(opt, "rdb-filter-only")) {
            if (!parse_rdb_filter(c, val)) return;
        } else {
            reply_errorf(c, ERR_REPLCONF_OPTION, (int)opt->len, opt->ptr);
            return;
        }
    }
    reply_ok(c);
}

/* ---- WAIT ---- */

static int acked(long long off) {
    int n = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (ri->state == RS_ONLINE && ri->ack_off >= off) n++;
    }
    return n;
}

static void cmd_wait(client *c) {
    if (srv.is_replica) {
        reply_error(c, ERR_WAIT_REPLICA);
        return;
    }
    long long n, timeout;
    if (!arg_ll(c, &c->argv[1], &n)) return;
    if (!arg_ll_msg(c, &c->argv[2], &timeout, ERR_TIMEOUT_NOT_INT)) return;
    if (timeout < 0) {
        reply_error(c, ERR_TIMEOUT_NEG);
        return;
    }
    /* The replicas that have this connection's last write, as Redis counts
     * them: a connection that never wrote gets every online replica at once. */
    long long off = c->woff;
    int have = acked(off);
    if (have >= n || !blocking_allowed(c)) {
        reply_int(c, have);
        return;
    }
    if (repl_ms.nwaiters == repl_ms.waiters_cap) {
        repl_ms.waiters_cap = repl_ms.waiters_cap ? repl_ms.waiters_cap * 2 : 4;
        repl_ms.waiters = mem_realloc(repl_ms.waiters, repl_ms.waiters_cap * sizeof(waiter));
    }
    /* A deadline past the end of time waits forever (Redis 7.0 blocks too). */
    long long deadline = timeout > LLONG_MAX - srv.mstime ? LLONG_MAX : srv.mstime + timeout;
    repl_ms.waiters[repl_ms.nwaiters++] = (waiter){c, off, (long)n, timeout ? deadline : 0};
    c->flags |= CLIENT_BLOCKED;
    srv.blocked_clients++;
    repl_ms.getack_pending = true;
}

/* c was released: what it pipelined runs before the loop sleeps. */
static void resume_later(client *c) {
    if (repl_ms.nresume == repl_ms.resume_cap) {
        repl_ms.resume_cap = repl_ms.resume_cap ? repl_ms.resume_cap * 2 : 4;
        repl_ms.resume = mem_realloc(repl_ms.resume, repl_ms.resume_cap * sizeof(client *));
    }
    repl_ms.resume[repl_ms.nresume++] = c;
}

/* End waiter i with 'err', or (NULL) with the count. */
static void unblock_waiter(size_t i, int count, const char *err) {
    client *c = repl_ms.waiters[i].c;
    repl_ms.waiters[i] = repl_ms.waiters[--repl_ms.nwaiters];
    c->flags &= ~CLIENT_BLOCKED;
    srv.blocked_clients--;
    if (err) reply_error(c, err);
    else reply_int(c, count);
    resume_later(c);
}

static void check_waiters(void) {
    for (size_t i = 0; i < repl_ms.nwaiters;) {
        waiter *w = &repl_ms.waiters[i];
        int n = acked(w->off);
        if (n >= w->numreplicas || (w->deadline_ms && w->deadline_ms <= srv.mstime)) {
            unblock_waiter(i, n, NULL);
            continue;
        }
        i++;
    }
}

bool repl_unblock_wait(client *c, const char *err) {
    for (size_t i = 0; i < repl_ms.nwaiters; i++) {
        if (repl_ms.waiters[i].c == c) {
            unblock_waiter(i, acked(repl_ms.waiters[i].off), err);
            return true;
        }
    }
    return false;
}

/* ---- The durability mode (min-replicas-to-ack, castor) ----
 * A write from a client is applied and propagated as always; then its
 * reply (and whatever the client sent after it) is held until
 * min-replicas-to-ack replicas acknowledged its offset, like an implicit
 * WAIT the client cannot forget. REPLCONF GETACK goes into the stream at
 * the end of the loop turn so replicas answer at once. Past
 * min-replicas-max-lag seconds the held reply becomes -NOREPLICAS: never
 * a silent success. Reads are dirty: other clients see a held write. */

/* A master frozen longer than this (SIGSTOP, a VM pause) may have been
 * replaced by a failover meanwhile, and a replica not yet told so still
 * acknowledges what it sends: for twice the freeze (at most a minute) it
 * acknowledges no write, held or new, until Sentinel demoted it. */
#define FREEZE_MS 1000

static bool fenced(void) {
    long long now = util_mstime();
    if (!srv.is_replica && repl_ms.loop_ms && now - repl_ms.loop_ms > FREEZE_MS &&
        now >= repl_ms.fence_until) {
        long long frozen = now - repl_ms.loop_ms;
        long long fence = frozen * 2 < 60000 ? frozen * 2 : 60000;
        repl_ms.fence_until = now + fence;
        log_msg(LOG_WARNING,
                "This master did not run for %lld ms: a failover may have replaced it; no write "
                "is acknowledged for %lld ms (min-replicas-to-ack).",
                frozen, fence);
    }
    repl_ms.loop_ms = now;
    return !srv.is_replica && now < repl_ms.fence_until;
}

/* A replica answers a GETACK after over a second of silence: the link was
 * cut (a network partition) and a failover may have replaced this master
 * meanwhile, while that replica, not yet told by Sentinel, acknowledges what
 * it still gets from here. As after a freeze: for twice the silence (at
 * most a minute) no write is acknowledged. */
static void fence_after_silence(client *c, long long silent) {
    if (silent <= FREEZE_MS || srv.is_replica) return;
    long long fence = silent * 2 < 60000 ? silent * 2 : 60000;
    if (srv.mstime + fence <= repl_ms.fence_until) return;
    repl_ms.fence_until = srv.mstime + fence;
    log_msg(LOG_WARNING,
            "Replica %s did not answer a GETACK for %lld ms: a failover may have replaced this "
            "master; no write is acknowledged for %lld ms (min-replicas-to-ack).",
            replica_name(c), silent, fence);
}

static int online_replicas(void) {
    int n = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (ri->state == RS_ONLINE && !ri->online_on_ack) n++;
    }
    return n;
}

void repl_ack_before(client *c, bool write) {
    if (!write || srv.is_replica || c->fd == -1 || (c->flags & (CLIENT_MASTER | CLIENT_REPLICA))) {
        repl_ms.ack_client = NULL;
        return;
    }
    repl_ms.ack_client = c;
    repl_ms.ack_mark = reply_pending(c);
    repl_ms.ack_before = repl_ms.offset;
}

void repl_ack_after(client *c) {
    if (c != repl_ms.ack_client) return;
    repl_ms.ack_client = NULL;
    if (repl_ms.offset == repl_ms.ack_before || srv.is_replica ||
        (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)))
        return;
    if (acked(repl_ms.offset) >= cfg.min_replicas_to_ack) return;
    if (repl_ms.nackw == repl_ms.ackw_cap) {
        repl_ms.ackw_cap = repl_ms.ackw_cap ? repl_ms.ackw_cap * 2 : 8;
        repl_ms.ackw = mem_realloc(repl_ms.ackw, repl_ms.ackw_cap * sizeof(ack_waiter));
    }
    long long lag = cfg.min_replicas_max_lag > 0 ? cfg.min_replicas_max_lag : 10;
    repl_ms.ackw[repl_ms.nackw++] =
        (ack_waiter){c, repl_ms.offset, repl_ms.ack_mark, srv.mstime + lag * 1000};
    c->flags |= CLIENT_BLOCKED | CLIENT_REPL_HOLD;
    srv.blocked_clients++;
    repl_ms.getack_pending = true;
}

/* Release held client i: its reply goes out, or (err) becomes err. */
static void release_ack_waiter(size_t i, const char *err) {
    ack_waiter w = repl_ms.ackw[i];
    repl_ms.ackw[i] = repl_ms.ackw[--repl_ms.nackw];
    client *c = w.c;
    c->flags &= ~(CLIENT_BLOCKED | CLIENT_REPL_HOLD);
    srv.blocked_clients--;
    if (err) {
        size_t have = reply_pending(c);
        if (have > w.mark) reply_drop_tail(c, have - w.mark);
        reply_error(c, err);
    }
    if (reply_pending(c)) client_install_pending_write(c);
    resume_later(c);
}

static void check_ack_waiters(void) {
    bool fence = cfg.min_replicas_to_ack > 0 && fenced();
    for (size_t i = 0; i < repl_ms.nackw;) {
        ack_waiter *w = &repl_ms.ackw[i];
        if (fence) {
            /* Held until its deadline, then an error: an ack seen during the
             * fence may come from a replica about to be resynced. */
            if (w->deadline_ms <= srv.mstime) release_ack_waiter(i, ERR_NOT_ACKED);
            else i++;
        } else if (acked(w->off) >= cfg.min_replicas_to_ack || cfg.min_replicas_to_ack <= 0) {
            release_ack_waiter(i, NULL);
        } else if (w->deadline_ms <= srv.mstime) {
            release_ack_waiter(i, ERR_NOT_ACKED);
        } else {
            i++;
        }
    }
}

/* The role changed to replica: nothing a blocked client waits for may
 * come from here now, and a key it waits on would be served from our
 * master's stream (the replica would diverge). Every kind of blocked
 * client gets Redis's -UNBLOCKED, and is closed after it as Redis does:
 * keys (lists, sorted sets) and WAIT. Clients held by a pause are not
 * blocked on anything and stay. */
static void unblock_all_for_role_change(void) {
    blocking_unblock_all(ERR_UNBLOCKED_ROLE);
    /* Held writes were never acknowledged: an error, not their reply. */
    while (repl_ms.nackw) release_ack_waiter(0, ERR_NOT_ACKED);
    while (repl_ms.nwaiters) {
        client *c = repl_ms.waiters[0].c;
        unblock_waiter(0, 0, ERR_UNBLOCKED_ROLE);
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
}

/* ---- Shutdown ---- */

bool repl_replicas_in_sync(void) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->ack_off != repl_ms.offset) return false;
    return true;
}

void repl_send_getack(void) {
    if (repl_ms.nreplicas == 0) return;
    slice a[3] = {slice_of("REPLCONF", 8), slice_of("GETACK", 6), slice_of("*", 1)};
    feed_command(-1, 3, a);
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (ri->state == RS_ONLINE && ri->acked_online && ri->getack_ms == 0)
            ri->getack_ms = srv.mstime;
    }
}

/* Does this replica wait for the disk snapshot a child is writing? A
 * replica that reads the file as it grows (castor) still waits for the
 * child: its transfer can't end before the snapshot does. */
static bool waits_for_disk_snapshot(const replica_info *ri) {
    return (ri->state == RS_WAIT_BGSAVE_END && !ri->diskless) ||
           (ri->tailing && !repl_ms.tail_done);
}

static const char *replica_state_name(const replica_info *ri) {
    if (ri->state == RS_ONLINE) return ri->online_on_ack ? "send_bulk" : "online";
    if (ri->state == RS_SNAPSHOT_SENT) return "send_bulk";
    /* Redis's replica waits for the end of the child's snapshot, through a
     * diskless transfer as through a disk one. */
    if (waits_for_disk_snapshot(ri) || ri->in_pipe) return "wait_bgsave";
    return ri->state == RS_SEND_BULK ? "send_bulk" : "wait_bgsave";
}

/* The last replica waiting for a disk snapshot left: unless save points
 * want the snapshot anyway, the child's work (and its copy-on-write
 * memory) is wasted and it would delay the next sync, so it is stopped, as
 * Redis 7.0 does. */
static void drop_unneeded_disk_snapshot(void) {
    if (child_type() != CHILD_RDB || repl_ms.pipe_rfd != -1 || snapshot_has_save_points()) return;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (waits_for_disk_snapshot(repl_ms.replicas[i]->repl)) return;
    log_msg(LOG_NOTICE,
            "No replica waits for the RDB child's snapshot any more and no save point needs it: "
            "killing the child.");
    snapshot_kill_child();
}

void repl_log_shutdown_state(void) {
    int lagging = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (ri->ack_off == repl_ms.offset) continue;
        lagging++;
        long long lag = ri->state == RS_ONLINE ? (srv.mstime - ri->ack_ms) / 1000 : 0;
        log_msg(LOG_WARNING,
                "Lagging replica %s reported offset %lld behind master, lag=%lld, state=%s.",
                replica_name(c), repl_ms.offset - ri->ack_off, lag, replica_state_name(ri));
    }
    if (repl_ms.nreplicas)
        log_msg(LOG_NOTICE, "%d of %d replicas are in sync when shutting down.",
                (int)repl_ms.nreplicas - lagging, (int)repl_ms.nreplicas);
}

/* ---- Refusing commands ---- */

bool repl_too_few_replicas(void) {
    return !srv.is_replica && cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0 &&
           repl_ms.good_replicas < cfg.min_replicas_to_write;
}

const char *repl_refuse(client *c, uint32_t cmd_flags) {
    if (c->flags & (CLIENT_MASTER | CLIENT_FAKE)) return NULL;
    if ((cmd_flags & CMD_WRITE) && repl_too_few_replicas()) return ERR_NOREPLICAS;
    /* The durability mode: a write that can't be acknowledged is not applied. */
    if ((cmd_flags & CMD_WRITE) && cfg.min_replicas_to_ack > 0 && !srv.is_replica &&
        (online_replicas() < cfg.min_replicas_to_ack || fenced()))
        return ERR_NOREPLICAS;
    if (!srv.is_replica) return NULL;
    if (cfg.replica_read_only && (cmd_flags & CMD_WRITE)) return ERR_READONLY;
    if (!repl_link_is_up() && !cfg.replica_serve_stale_data && !(cmd_flags & CMD_STALE))
        return ERR_MASTERDOWN;
    return NULL;
}

bool repl_is_stale(void) {
    return srv.is_replica && !repl_link_is_up() && !cfg.replica_serve_stale_data;
}

void repl_client_freed(client *c) {
    repl_link_client_freed(c);
    if (c->flags & CLIENT_BLOCKED) {
        for (size_t i = 0; i < repl_ms.nwaiters; i++) {
            if (repl_ms.waiters[i].c == c) {
                repl_ms.waiters[i] = repl_ms.waiters[--repl_ms.nwaiters];
                c->flags &= ~CLIENT_BLOCKED;
                srv.blocked_clients--;
                break;
            }
        }
    }
    for (size_t i = 0; i < repl_ms.nackw; i++) {
        if (repl_ms.ackw[i].c == c) {
            repl_ms.ackw[i] = repl_ms.ackw[--repl_ms.nackw];
            c->flags &= ~(CLIENT_BLOCKED | CLIENT_REPL_HOLD);
            srv.blocked_clients--;
            break;
        }
    }
    if (repl_ms.ack_client == c) repl_ms.ack_client = NULL;
    for (size_t i = 0; i < repl_ms.nresume; i++)
        if (repl_ms.resume[i] == c) repl_ms.resume[i] = NULL;
    replica_info *ri = c->repl;
    if (ri) {
        if (repl_ms.bl) backlog_reader_detach(repl_ms.bl, &ri->rd);
        if (ri->is_replica) {
            if (ri->split && ri->state == RS_SNAPSHOT_SENT)
                log_msg(LOG_NOTICE, "Snapshot link of replica %s closed.", replica_name(c));
            else log_msg(LOG_NOTICE, "Connection with replica %s lost.", replica_name(c));
            remove_replica(c);
        }
        if (ri->bulk_fd != -1) close(ri->bulk_fd);
        /* A split sync ends when either link goes before it completed;
         * other replicas' syncs go on. */
        client *peer = peer_of(ri);
        if (peer && peer->repl &&
            ((ri->split && ri->state != RS_SNAPSHOT_SENT) ||
             (ri->stream_link && ri->state == RS_STREAM))) {
            peer->repl->peer_id = 0;
            fail_replica(peer, "The other link of its full sync was lost");
        }
        bool was_in_pipe = ri->in_pipe;
        bool was_tailing = ri->tailing;
        bool waited_for_disk = ri->is_replica && waits_for_disk_snapshot(ri);
        mem_free(ri);
        c->repl = NULL;
        /* The relay may have been waiting for this one. */
        if (was_in_pipe && repl_ms.pipe_rfd != -1 && !pipe_abandoned())
            replica_pipe_writable(-1, NULL, 0);
        if (was_tailing) tail_maybe_finish();
        if (waited_for_disk) drop_unneeded_disk_snapshot();
    }
}

/* ---- FAILOVER ---- */

static void become_replica(const char *host, int port);

static void unpause_writes(void) {
    srv.pause_type = PAUSE_NONE;
    srv.pause_end_ms = 0;
    client_unpause_all();
}

void repl_failover_abort(const char *why) {
    log_msg(LOG_NOTICE, "FAILOVER aborted: %s", why);
    if (repl_fo.state == FO_IN_PROGRESS) {
        repl_fo.state = FO_NONE;
        become_master(); /* back to where we were */
    }
    repl_fo.state = FO_NONE;
    unpause_writes();
}

bool repl_failover_in_progress(void) { return repl_fo.state == FO_IN_PROGRESS; }

bool repl_failover_pending(void) { return repl_fo.state != FO_NONE; }

/* Our link to the failover target is up: the handover is complete. */
void repl_failover_link_up(const char *host, int port) {
    if (repl_fo.state != FO_IN_PROGRESS) return;
    log_msg(LOG_NOTICE, "Failover target %s:%d is now our master: FAILOVER complete", host, port);
    repl_fo.state = FO_NONE;
    unpause_writes();
}

static client *find_replica(const char *host, int port) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(c->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - c->addr) : (int)strlen(c->addr),
                 c->addr);
        if (!strcasecmp(ri->ip[0] ? ri->ip : ip, host) && ri->listening_port == port) return c;
    }
    return NULL;
}

static void failover_step(void) {
    if (repl_fo.state != FO_WAIT_FOR_SYNC) return;
    client *target = NULL;
    if (repl_fo.host[0]) {
        client *c = find_replica(repl_fo.host, repl_fo.port);
        if (c && c->repl->state == RS_ONLINE && c->repl->ack_off == repl_ms.offset) target = c;
    } else {
        for (size_t i = 0; i < repl_ms.nreplicas && !target; i++) {
            replica_info *ri = repl_ms.replicas[i]->repl;
            if (ri->state == RS_ONLINE && !ri->online_on_ack && ri->ack_off == repl_ms.offset)
                target = repl_ms.replicas[i];
        }
    }
    bool timed_out = repl_fo.end_ms && srv.mstime >= repl_fo.end_ms;
    if (target == NULL && !(timed_out && repl_fo.force)) {
        if (timed_out) repl_failover_abort("Replica never caught up before timeout");
        return;
    }
    if (target == NULL) { /* FORCE: the named target, caught up or not */
        log_msg(LOG_NOTICE, "FAILOVER to %s:%d time out exceeded, failing over.", repl_fo.host,
                repl_fo.port);
        repl_fo.state = FO_IN_PROGRESS;
        become_replica(repl_fo.host, repl_fo.port);
        return;
    }
    {
        replica_info *ri = target->repl;
        const char *colon = strrchr(target->addr, ':');
        if (ri->ip[0]) snprintf(repl_fo.host, sizeof(repl_fo.host), "%s", ri->ip);
        else
            snprintf(repl_fo.host, sizeof(repl_fo.host), "%.*s",
                     colon ? (int)(colon - target->addr) : (int)strlen(target->addr), target->addr);
        repl_fo.port = ri->listening_port;
    }
    log_msg(LOG_NOTICE, "Failover target %s:%d is synced, failing over.", repl_fo.host,
            repl_fo.port);
    repl_fo.state = FO_IN_PROGRESS;
    become_replica(repl_fo.host, repl_fo.port);
}

static void cmd_failover(client *c) {
    if (c->argc == 2 && arg_is(&c->argv[1], "abort")) {
        if (repl_fo.state == FO_NONE) {
            reply_error(c, ERR_FAILOVER_NONE);
            return;
        }
        repl_failover_abort("Failover manually aborted");
        reply_ok(c);
        return;
    }
    long long timeout = 0, port = 0;
    bool force = false;
    const slice *host = NULL;
    for (int j = 1; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "timeout") && j + 1 < c->argc && timeout == 0) {
            if (!arg_ll(c, &c->argv[j + 1], &timeout)) return;
            if (timeout <= 0) {
                reply_error(c, ERR_FAILOVER_TIMEOUT);
                return;
            }
            j++;
        } else if (arg_is(&c->argv[j], "to") && j + 2 < c->argc && !host) {
            if (!arg_ll(c, &c->argv[j + 2], &port)) return;
            host = &c->argv[j + 1];
            j += 2;
        } else if (arg_is(&c->argv[j], "force") && !force) {
            force = true;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (repl_fo.state != FO_NONE) {
        reply_error(c, ERR_FAILOVER_RUNNING);
        return;
    }
    if (srv.is_replica) {
        reply_error(c, ERR_FAILOVER_REPLICA);
        return;
    }
    if (repl_ms.nreplicas == 0) {
        reply_error(c, ERR_FAILOVER_NO_REPLICAS);
        return;
    }
    if (force && (!timeout || !host)) {
        reply_error(c, ERR_FAILOVER_FORCE);
        return;
    }
    repl_fo.host[0] = '\0';
    if (host) {
        snprintf(repl_fo.host, sizeof(repl_fo.host), "%.*s", (int)host->len, host->ptr);
        client *target = find_replica(repl_fo.host, (int)port);
        if (target == NULL) {
            reply_error(c, ERR_FAILOVER_NOT_REPLICA);
            return;
        }
        if (target->repl->state != RS_ONLINE) {
            reply_error(c, ERR_FAILOVER_NOT_ONLINE);
            return;
        }
        repl_fo.port = (int)port;
        log_msg(LOG_NOTICE, "FAILOVER requested to %s:%d.", repl_fo.host, repl_fo.port);
    } else {
        log_msg(LOG_NOTICE, "FAILOVER requested to any replica.");
    }
    repl_fo.end_ms = timeout ? srv.mstime + timeout : 0;
    repl_fo.force = force;
    repl_fo.state = FO_WAIT_FOR_SYNC;
    /* Writes wait (CLIENT PAUSE WRITE) until the roles are swapped. */
    if (srv.pause_type != PAUSE_ALL) srv.pause_type = PAUSE_WRITE;
    srv.pause_end_ms = LLONG_MAX;
    reply_ok(c);
}

/* ---- REPLICAOF / ROLE ---- */

static void become_master(void) {
    if (!srv.is_replica) return;
    log_msg(LOG_NOTICE, "MASTER MODE enabled (user request)");
    repl_link_stop();
    srv.is_replica = false;
    log_set_role('M');
    config_set_oom_score_adj(-1); /* oom-score-adj's master class */
    /* Our history goes on under a new id; sub-replicas reconnect and
     * continue with the old one as replid2. */
    shift_replid();
    repl_disconnect_replicas();
    repl_ms.seldb = -1;
    repl_ms.no_replicas_since_ms = srv.mstime; /* the backlog's ttl starts now */
    if (repl_ms.bl == NULL) repl_backlog_create();
}

static void become_replica(const char *host, int port) {
    bool was_master = !srv.is_replica;
    srv.is_replica = true;
    log_set_role('S');
    config_set_oom_score_adj(-1); /* oom-score-adj's replica class */
    unblock_all_for_role_change();
    /* From a master: PSYNC with our own history, a promoted peer may
     * continue it. */
    repl_link_start(host, port, was_master ? (repl_ms.seldb >= 0 ? repl_ms.seldb : 0) : -1);
}

void repl_cluster_follow(const char *host, int port) {
    if (host == NULL) {
        become_master();
        return;
    }
    if (srv.is_replica && repl_link_is_to(host, port)) return;
    become_replica(host, port);
    log_msg(LOG_NOTICE, "Connecting to MASTER %s:%d", host, port);
}

long long repl_cluster_offset(void) { return repl_offset(); }

long long repl_cluster_data_age(void) { return srv.is_replica ? repl_link_data_age_ms() : 0; }

static void replicaof(client *c) {
    if (cfg.cluster_enabled) {
        reply_error(c, ERR_REPLICAOF_CLUSTER);
        return;
    }
    if (repl_fo.state != FO_NONE) {
        reply_error(c, ERR_REPLICAOF_FAILING_OVER);
        return;
    }
    if (arg_is(&c->argv[1], "no") && arg_is(&c->argv[2], "one")) {
        if (srv.is_replica) {
            become_master();
            log_msg(LOG_NOTICE, "MASTER MODE enabled (user request from 'id=%llu addr=%s')",
                    (unsigned long long)c->id, c->addr);
        }
        reply_ok(c);
        return;
    }
    if (c->flags & CLIENT_REPLICA) {
        reply_error(c, ERR_REPLICAOF_REPLICA);
        return;
    }
    long long port;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &port) || port < 0 || port > 65535) {
        reply_error(c, ERR_MASTER_PORT);
        return;
    }
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
    if (srv.is_replica && repl_link_is_to(host, (int)port)) {
        log_msg(
            LOG_NOTICE,
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        repl_link_lift_guard(); /* castor: an explicit command lifts it */
        reply_simple(c, "OK Already connected to specified master");
        return;
    }
    become_replica(host, (int)port);
    log_msg(LOG_NOTICE, "REPLICAOF %s:%d enabled (user request from 'id=%llu addr=%s')", host,
            (int)port, (unsigned long long)c->id, c->addr);
    reply_ok(c);
}

static void cmd_replicaof(client *c) { replicaof(c); }
static void cmd_slaveof(client *c) { replicaof(c); }

static void cmd_role(client *c) {
    if (srv.is_replica) {
        repl_link_role(c);
        return;
    }
    reply_array(c, 3);
    reply_bulk_cstr(c, "master");
    reply_int(c, repl_ms.offset);
    void *node = reply_defer(c);
    long long n = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *s = repl_ms.replicas[i];
        replica_info *ri = s->repl;
        if (ri->state != RS_ONLINE) continue;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(s->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - s->addr) : (int)strlen(s->addr),
                 s->addr);
        reply_array(c, 3);
        reply_bulk_cstr(c, ri->ip[0] ? ri->ip : ip);
        reply_bulk_ll(c, ri->listening_port);
        reply_bulk_ll(c, ri->ack_off);
        n++;
    }
    reply_set_deferred_array(c, node, n);
}

/* ---- Start-up, RDB info ---- */

void repl_init(void) {
    /* The first PING to replicas comes a period after start, as Redis's
     * cron counts it: a new master's offset stays put until a write. */
    repl_ms.last_ping_ms = srv.mstime;
    if (cfg.replicaof && cfg.replicaof[0]) {
        char host[256];
        int port;
        if (sscanf(cfg.replicaof, "%255s %d", host, &port) == 2) {
            srv.is_replica = true;
            log_set_role('S');
            repl_link_configure(host, port);
        }
    }
}

void repl_prepare_load(rdb_info *info, bool at_start) {
    if (srv.is_replica) return;
    if (at_start) repl_backlog_create();
    info->feed_expired = true;
}

/* The file's history: (id, offset), or false when it carries none. */
static bool file_history(const rdb_info *info) {
    return info && strlen(info->repl_id) == 40 && info->repl_offset >= 0 &&
           info->repl_stream_db >= 0;
}

void repl_adopt_history(const rdb_info *info, bool at_start) {
    bool valid = file_history(info);
    if (srv.is_replica) {
        if (valid && at_start) {
            memcpy(srv.replid, info->repl_id, 41);
            repl_ms.offset = info->repl_offset;
            repl_link_loaded(info->repl_stream_db);
            log_msg(LOG_NOTICE, "Restoring replication ID %s and offset %lld from the RDB file",
                    srv.replid, repl_ms.offset);
            return;
        }
        if (at_start ||
            (valid && !strcmp(info->repl_id, srv.replid) && info->repl_offset == repl_ms.offset))
            return;
        /* Data from a point of no history we know: start over with our
         * master, and our sub-replicas with us. */
        new_replid();
        repl_clear_replid2();
        repl_link_forget_history();
        repl_disconnect_replicas();
        return;
    }
    if (valid && !at_start && !strcmp(info->repl_id, srv.replid) &&
        info->repl_offset == repl_ms.offset)
        return; /* the file is exactly where our history is */
    long long fed = repl_ms.bl && at_start ? repl_ms.bl->end : 0; /* DELs of expired keys */
    if (valid) {
        memcpy(repl_ms.replid2, info->repl_id, 41);
        repl_ms.second_offset = info->repl_offset + 1;
        repl_ms.offset = info->repl_offset + fed;
        new_replid();
        log_msg(
            LOG_NOTICE,
            "Continuing the replication history of the file under a new ID: secondary ID %s valid up to offset %lld, new replication ID %s",
            repl_ms.replid2, repl_ms.second_offset, srv.replid);
        if (at_start) {
            backlog_rebase(repl_ms.bl, repl_ms.offset);
        } else {
            repl_backlog_drop();
            repl_backlog_create();
        }
        repl_ms.seldb = at_start ? repl_ms.seldb : -1;
        repl_ms.no_replicas_since_ms = srv.mstime;
    } else {
        /* No history fits the data: replicas must sync in full. */
        new_replid();
        repl_clear_replid2();
        if (at_start) repl_backlog_drop();
        else if (repl_ms.bl) {
            repl_backlog_drop();
            repl_backlog_create();
        }
        repl_ms.seldb = -1;
    }
    if (!at_start) repl_disconnect_replicas();
}

void repl_fill_rdb_info(rdb_info *info) {
    if (srv.is_replica) {
        int stream_db;
        if (!repl_link_stream_db(&stream_db)) return;
        memcpy(info->repl_id, srv.replid, 41);
        info->repl_offset = repl_ms.offset;
        info->repl_stream_db = stream_db;
        memcpy(info->repl_id2, repl_link_lineage(), 41);
    } else {
        if (repl_ms.bl == NULL) return;
        memcpy(info->repl_id, srv.replid, 41);
        info->repl_offset = repl_ms.offset;
        info->repl_stream_db = repl_ms.seldb >= 0 ? repl_ms.seldb : 0;
        if (repl_ms.second_offset > 0 && strcmp(repl_ms.replid2, ZERO_REPLID) != 0)
            memcpy(info->repl_id2, repl_ms.replid2, 41);
    }
}

/* ---- Cron ---- */

static void count_good_replicas(void) {
    int good = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (ri->state == RS_ONLINE &&
            srv.mstime - ri->ack_ms <= (long long)cfg.min_replicas_max_lag * 1000)
            good++;
    }
    repl_ms.good_replicas = good;
}

void repl_min_replicas_changed(void) { count_good_replicas(); }

void repl_cron(void) {
    static long long last_second_ms;
    bool second = srv.mstime - last_second_ms >= 1000;
    if (second) last_second_ms = srv.mstime;
    if (srv.is_replica && second) repl_link_cron();
    if (srv.is_replica) repl_link_retry();
    pipe_abandoned();
    start_pending_syncs();
    if (repl_ms.nwaiters) check_waiters();
    if (repl_ms.nackw) check_ack_waiters();
    if (repl_fo.state != FO_NONE) failover_step();
    if (!second) return;
    /* The master pings its replicas so they can detect a dead link, every
     * repl-ping-replica-period from when the first one attached (not at
     * once: a replica's stream starts with the data, as Redis's does). */
    if (repl_ms.nreplicas == 0) repl_ms.last_ping_ms = srv.mstime;
    /* Not while clients are paused: FAILOVER waits for the offset to stand still. */
    if (!srv.is_replica && repl_ms.nreplicas && !srv.pause_type &&
        srv.mstime - repl_ms.last_ping_ms >= (long long)cfg.repl_ping_replica_period * 1000) {
        repl_ms.last_ping_ms = srv.mstime;
        slice ping = slice_of("PING", 4);
        feed_command(-1, 1, &ping);
    }
    long long timeout = (long long)cfg.repl_timeout * 1000;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        /* Newlines keep a replica waiting for its snapshot from timing out. */
        if ((ri->state == RS_WAIT_BGSAVE_START ||
             (ri->state == RS_WAIT_BGSAVE_END && !ri->diskless)) &&
            !(c->flags & CLIENT_CLOSE_ASAP))
            repl_write_all_nb(c->fd, c->tls, "\n", 1);
        /* Only a replica that holds back the current chunk (Redis's
         * partial write) can time out: one that took it all waits for the
         * slow one, like the child. */
        if (ri->in_pipe && !(c->flags & CLIENT_CLOSE_ASAP) && ri->pipe_sent < repl_ms.pipe_len &&
            srv.mstime - ri->last_write_ms > timeout) {
            /* It stopped reading: the others and the child must not wait. */
            log_msg(LOG_WARNING, "Disconnecting timedout replica (full sync): %s", replica_name(c));
            ri->in_pipe = false;
            ev_del(c->fd, EV_WRITE);
            client_close_async(c);
            if (repl_ms.pipe_rfd != -1) replica_pipe_writable(-1, NULL, 0);
            continue;
        }
        if (ri->state == RS_ONLINE && !ri->online_on_ack && srv.mstime - ri->ack_ms > timeout) {
            log_msg(LOG_WARNING, "Disconnecting timedout replica (streaming sync): %s",
                    replica_name(c));
            client_close_async(c);
        }
    }
    count_good_replicas();
    if (!srv.is_replica && repl_ms.nreplicas == 0 && repl_ms.bl && cfg.repl_backlog_ttl > 0 &&
        srv.mstime - repl_ms.no_replicas_since_ms > (long long)cfg.repl_backlog_ttl * 1000) {
        new_replid();
        repl_clear_replid2();
        repl_backlog_drop();
        log_msg(LOG_NOTICE,
                "Replication backlog freed after %lld seconds without connected replicas.",
                cfg.repl_backlog_ttl);
    }
}

void repl_before_sleep(void) {
    /* The loop runs: fenced() measures freezes between two turns. */
    if (cfg.min_replicas_to_ack > 0) fenced();
    else repl_ms.loop_ms = srv.mstime;
    /* Clients WAIT (or the durability mode) released: run what they
     * pipelined after it first: its writes ask for their ACK below. */
    while (repl_ms.nresume) {
        client *c = repl_ms.resume[--repl_ms.nresume];
        if (c && !(c->flags & (CLIENT_BLOCKED | CLIENT_CLOSE_ASAP))) client_process_input(c);
    }
    if (repl_ms.getack_pending && repl_ms.nreplicas && !srv.pause_type) repl_send_getack();
    repl_ms.getack_pending = false;
}

/* ---- INFO ---- */

str *repl_info(str *s) {
    s = str_catfmt(s, "role:%s\r\n", srv.is_replica ? "slave" : "master");
    if (srv.is_replica) s = repl_link_info(s);
    /* A split sync's stream link is not another replica (castor). */
    size_t nlinks = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->state == RS_STREAM) nlinks++;
    s = str_catfmt(s, "connected_slaves:%zu\r\n", repl_ms.nreplicas - nlinks);
    if (cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0)
        s = str_catfmt(s, "min_slaves_good_slaves:%d\r\n", repl_ms.good_replicas);
    int k = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (ri->state == RS_STREAM) continue;
        const char *state = replica_state_name(ri);
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(c->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - c->addr) : (int)strlen(c->addr),
                 c->addr);
        s = str_catfmt(s, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\r\n", k++,
                       ri->ip[0] ? ri->ip : ip, ri->listening_port, state, ri->ack_off,
                       (srv.mstime - ri->ack_ms) / 1000);
    }
    s = str_catfmt(s,
                   "master_failover_state:%s\r\n"
                   "master_replid:%s\r\n"
                   "master_replid2:%s\r\n"
                   "master_repl_offset:%lld\r\n"
                   "second_repl_offset:%lld\r\n"
                   "repl_backlog_active:%d\r\n"
                   "repl_backlog_size:%lld\r\n"
                   "repl_backlog_first_byte_offset:%lld\r\n"
                   "repl_backlog_histlen:%zu\r\n",
                   repl_fo.state == FO_NONE            ? "no-failover"
                   : repl_fo.state == FO_WAIT_FOR_SYNC ? "waiting-for-sync"
                                                       : "failover-in-progress",
                   srv.replid, repl_ms.replid2, repl_ms.offset, repl_ms.second_offset,
                   repl_ms.bl ? 1 : 0, cfg.repl_backlog_size,
                   repl_ms.bl ? backlog_first_offset(repl_ms.bl) : 0,
                   repl_ms.bl ? repl_ms.bl->histlen : (size_t)0);
    /* castor: syncs made visible (docs/REPLICATION.md). */
    /* The stream written during full syncs: held here (Redis's way) or
     * sent to a stream link and buffered by the replica (castor's). */
    long long held = 0;
    const char *where = "none";
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        bool syncing = ri->state == RS_STREAM ||
                       (ri->state != RS_ONLINE && ri->state != RS_SNAPSHOT_SENT && !ri->split) ||
                       (ri->state == RS_ONLINE && ri->online_on_ack);
        if (ri->split && ri->state != RS_SNAPSHOT_SENT && ri->peer_id == 0) syncing = true;
        if (!syncing) continue;
        held += (long long)repl_stream_pending(repl_ms.replicas[i]);
        if (ri->state == RS_STREAM) {
            if (strcmp(where, "master") != 0) where = "replica";
        } else {
            where = "master";
        }
    }
    s = str_catfmt(s,
                   "full_sync_phase:%s\r\n"
                   "full_sync_bytes_sent:%lld\r\n"
                   "full_sync_bytes_total:%lld\r\n"
                   "last_full_sync_reason:%s\r\n"
                   "full_sync_stream_links:%zu\r\n"
                   "full_sync_stream_buffer:%s\r\n"
                   "full_sync_stream_pending_bytes:%lld\r\n",
                   repl_ms.phase, repl_ms.sent_bytes, repl_ms.total_bytes, repl_ms.last_reason,
                   nlinks, where, held);
    if (srv.is_replica) s = repl_link_info_sync(s);
    return s;
}

void repl_sync_stats(long long out[3]) {
    out[0] = repl_ms.sync_full;
    out[1] = repl_ms.sync_partial_ok;
    out[2] = repl_ms.sync_partial_err;
}

void repl_reset_stats(void) {
    repl_ms.sync_full = repl_ms.sync_partial_ok = repl_ms.sync_partial_err = 0;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command repl_commands[] = {
    {.name = "replicaof", .proc = cmd_replicaof, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "slaveof", .proc = cmd_slaveof, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "role", .proc = cmd_role, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS},
    {.name = "wait", .proc = cmd_wait, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "replconf", .proc = cmd_replconf, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "psync", .proc = cmd_psync, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "sync", .proc = cmd_sync, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "failover", .proc = cmd_failover, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
