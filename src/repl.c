/* repl.c -- replication, both sides (docs/REPLICATION.md is the contract).
 *
 * Master side. Every effect of our own dataset (propagate.c) is encoded
 * once as RESP, with a SELECT when the db changes, and appended to the
 * backlog ring and to each replica's output buffer. A replica in a full
 * sync has CLIENT_REPL_HOLD: its buffer fills with the stream from the
 * fork on but is not written until the snapshot went out (by disk: the
 * file by sendfile(); diskless: the child's pipe, relayed here), so the
 * stream continues exactly at the offset announced in +FULLRESYNC.
 *
 * Replica side. A non-blocking state machine connects, handshakes
 * (PING, AUTH, REPLCONF, PSYNC), receives the payload into a temp file,
 * checks it, and only then replaces the dataset. The master's stream is
 * applied by a client flagged CLIENT_MASTER; the bytes it applied are
 * fed verbatim to our own backlog and sub-replicas, so offsets are the
 * same along a chain. A MULTI block is fed when its EXEC runs, so a cut
 * link never leaves half a transaction counted as applied.
 *
 * Offsets: master_repl_offset counts stream bytes; it only moves while a
 * backlog exists (as in Redis). replid/replid2/second_repl_offset follow
 * PSYNC2 so restarted, promoted and chained nodes continue partially.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE   /* pipe2 */
#include "repl.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof.h"
#include "arg.h"
#include "backlog.h"
#include "blocking.h"
#include "child.h"
#include "cmdtable.h"
#include "commands.h"
#include "config.h"
#include "crc64.h"
#include "db.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "multi.h"
#include "propagate.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

#define ZERO_REPLID "0000000000000000000000000000000000000000"
#define BULK_CHUNK (64 * 1024)
#define REFUSED_RETRY_MS 5000

/* ---- Master side: state ---- */

typedef enum {
    RS_WAIT_BGSAVE_START,   /* full sync wanted, no snapshot started for it yet */
    RS_WAIT_BGSAVE_END,     /* the snapshot is being made; stream buffered */
    RS_SEND_BULK,           /* the snapshot is going out */
    RS_ONLINE,              /* streaming */
} rstate;

typedef struct replica_info {
    rstate state;
    bool capa_eof, capa_psync2;
    bool diskless;          /* this sync's snapshot comes from the pipe */
    bool online_on_ack;     /* diskless: hold the stream until the first ACK */
    bool is_replica;        /* PSYNC/SYNC happened (else only REPLCONF) */
    bool old_sync;          /* SYNC, not PSYNC: no +FULLRESYNC line, no EOF mark */
    long long init_offset;  /* offset announced in +FULLRESYNC */
    long long ack_off, ack_ms;
    long long wait_since_ms;
    int listening_port;
    char ip[NET_ADDR_SIZE];
    /* Disk transfer. */
    int bulk_fd;
    off_t bulk_off, bulk_size;
    char bulk_pre[64];   /* "$<len>\r\n" or "$EOF:<40 chars>\r\n" */
    size_t bulk_pre_len, bulk_pre_sent;
    /* Disk transfer while the file is still being written ($EOF: framing). */
    bool tailing;
    size_t mark_sent;
    /* Diskless transfer: bytes of the current pipe chunk already sent. */
    size_t pipe_sent;
    bool in_pipe;
    long long last_write_ms;   /* last progress of the transfer */
} replica_info;

typedef struct waiter {
    client *c;
    long long off;
    long numreplicas;
    long long deadline_ms;   /* 0: forever */
} waiter;

static struct {
    client **replicas;
    size_t nreplicas, cap;
    backlog *bl;
    long long offset;          /* master_repl_offset */
    char replid2[41];
    long long second_offset;   /* -1: none */
    int seldb;                 /* db of the last SELECT fed, -1: none yet */
    long long no_replicas_since_ms;
    str *enc;                  /* scratch encoding buffer */
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
    client **resume;
    size_t nresume, resume_cap;
    /* Stats and the visible sync state. */
    long long sync_full, sync_partial_ok, sync_partial_err;
    const char *phase;         /* none, waiting, bgsave, transfer */
    long long sent_bytes, total_bytes;
    const char *last_reason;
} m = {.second_offset = -1, .seldb = -1, .pipe_rfd = -1, .tail_fd = -1, .phase = "none",
       .last_reason = "none", .replid2 = ZERO_REPLID};

/* ---- Replica side: state ---- */

typedef enum {
    L_NONE,          /* not a replica */
    L_CONNECT,       /* must (re)connect */
    L_CONNECTING,    /* TCP connect in progress */
    L_PONG,          /* waiting for the PING reply */
    L_HANDSHAKE,     /* waiting for AUTH / REPLCONF replies */
    L_PSYNC,         /* waiting for the PSYNC reply */
    L_BULK_HDR,      /* waiting for "$len" or "$EOF:mark" */
    L_TRANSFER,      /* receiving the payload */
    L_CONNECTED,     /* the master client applies the stream */
} lstate;

static struct {
    char *host;
    int port;
    lstate state;
    int fd;
    str *rbuf;
    int pending;               /* handshake replies still expected */
    bool auth_pending;         /* the first of them answers AUTH */
    client *master;
    long long last_io_ms;
    long long link_down_since; /* s, 0: never up or up */
    long long connect_after_ms;
    /* What PSYNC asks for. */
    bool have_cached;
    int cached_db;
    /* The transfer. */
    char new_replid[41];
    long long new_offset;
    int tmp_fd;
    char tmp_name[512];
    long long size;            /* -1: EOF-marked */
    long long received;
    char mark[41];
    char tail[40];             /* last bytes received (EOF-marked) */
    size_t tail_len;
    /* CRC64 of the payload as it arrives, lagging by the footer (and the
     * EOF mark): it is checked before anything is replaced. */
    uint64_t crc;
    char lag[48];
    size_t lag_len;
    int tee_fd;                /* parsing from the socket: copy to this file */
    long long sync_start_ms;
    const char *asked;         /* what the last PSYNC asked: first_sync or a partial */
    const char *last_full_reason;
    /* A MULTI block applied but not yet fed (until its EXEC). */
    str *multi_buf;
    /* The empty-master guard. */
    bool guard_armed;
    bool refused;
    char refused_reason[160];
} r = {.state = L_NONE, .fd = -1, .tmp_fd = -1, .tee_fd = -1, .asked = "", .last_full_reason = "none"};

/* FAILOVER (Redis 6.2+): pause writes, wait for a replica to have every
 * byte, then become its replica with "PSYNC <replid> <offset> FAILOVER",
 * which makes it promote itself and continue our history. */
typedef enum { FO_NONE, FO_WAIT_FOR_SYNC, FO_IN_PROGRESS } fostate;
static struct {
    fostate state;
    char host[256];    /* target, "" for any */
    int port;
    bool force;
    long long end_ms;  /* 0: no timeout */
} fo;

static void link_cancel(const char *why);
static void failover_abort(const char *why);
static void socket_load(bool tee);
static void send_ack(void);
static void start_pending_syncs(void);
static void failover_step(void);
static void tail_maybe_finish(void);
static void check_waiters(void);

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

static long long total_keys(void) {
    long long n = 0;
    for (int i = 0; i < srv.ndbs; i++) n += (long long)db_size(db_get(i));
    return n;
}

static void new_replid(void) { util_random_hex(srv.replid, 40); }

static void clear_replid2(void) {
    memcpy(m.replid2, ZERO_REPLID, 41);
    m.second_offset = -1;
}

/* Our history continues under a new id: the old one stays valid up to
 * the current offset (PSYNC2's shift). */
static void shift_replid(void) {
    memcpy(m.replid2, srv.replid, 41);
    m.second_offset = m.offset + 1;
    new_replid();
    log_msg(LOG_NOTICE, "Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
            m.replid2, m.second_offset, srv.replid);
}

static void backlog_create(void) {
    if (m.bl) return;
    /* repl-backlog-ttl counts from now, not from the epoch. */
    if (m.nreplicas == 0) m.no_replicas_since_ms = srv.mstime;
    m.bl = backlog_new((size_t)cfg.repl_backlog_size, m.offset);
    propagate_set_reader(PROPAGATE_REPL, true);
}

static void backlog_drop(void) {
    backlog_free(m.bl);
    m.bl = NULL;
    propagate_set_reader(PROPAGATE_REPL, false);
}

void repl_backlog_size_changed(void) {
    if (m.bl) backlog_resize(m.bl, (size_t)cfg.repl_backlog_size);
}

size_t repl_backlog_memory(void) { return m.bl ? m.bl->size : 0; }

/* ---- Master side: the stream ---- */

static bool receives_stream(const client *c) {
    const replica_info *ri = c->repl;
    return ri && ri->is_replica && ri->state != RS_WAIT_BGSAVE_START;
}

/* Append stream bytes to the backlog and every replica that takes them. */
static void feed_bytes(const char *p, size_t len) {
    if (m.bl == NULL) return;
    backlog_feed(m.bl, p, len);
    m.offset = m.bl->end;
    for (size_t i = 0; i < m.nreplicas; i++)
        if (receives_stream(m.replicas[i])) reply_raw(m.replicas[i], p, len);
}

static void feed_command(int dbid, int argc, const slice *argv) {
    if (m.bl == NULL) return;
    if (m.enc == NULL) m.enc = str_new_cap(256);
    str_setlen(m.enc, 0);
    if (dbid >= 0 && dbid != m.seldb) {
        m.enc = resp_cat_select(m.enc, dbid);
        m.seldb = dbid;
    }
    m.enc = resp_cat_command(m.enc, argc, argv);
    feed_bytes(m.enc->buf, m.enc->len);
    if (m.enc->cap > 64 * 1024) {   /* don't keep a big value's buffer */
        str_free(m.enc);
        m.enc = NULL;
    }
}

void repl_feed(int dbid, int argc, const slice *argv) {
    if (srv.is_replica) return;   /* a replica forwards its master's bytes */
    feed_command(dbid, argc, argv);
}

void repl_master_applied(client *c, const char *p, size_t len) {
    if (c != r.master) return;
    if (c->flags & CLIENT_MULTI) {
        if (r.multi_buf == NULL) r.multi_buf = str_new_cap(len);
        r.multi_buf = str_cat(r.multi_buf, p, len);
        return;
    }
    if (r.multi_buf) {
        r.multi_buf = str_cat(r.multi_buf, p, len);
        feed_bytes(r.multi_buf->buf, r.multi_buf->len);
        if (m.bl == NULL) m.offset += (long long)r.multi_buf->len;
        str_free(r.multi_buf);
        r.multi_buf = NULL;
        return;
    }
    feed_bytes(p, len);
    if (m.bl == NULL) m.offset += (long long)len;
}

/* ---- Master side: replicas ---- */

static void add_replica(client *c) {
    if (m.nreplicas == m.cap) {
        m.cap = m.cap ? m.cap * 2 : 4;
        m.replicas = mem_realloc(m.replicas, m.cap * sizeof(client *));
    }
    m.replicas[m.nreplicas++] = c;
    srv.nreplicas = m.nreplicas;
    c->flags |= CLIENT_REPLICA;
    rinfo(c)->is_replica = true;
}

static void remove_replica(client *c) {
    for (size_t i = 0; i < m.nreplicas; i++) {
        if (m.replicas[i] == c) {
            m.replicas[i] = m.replicas[--m.nreplicas];
            break;
        }
    }
    srv.nreplicas = m.nreplicas;
    if (m.nreplicas == 0) m.no_replicas_since_ms = srv.mstime;
}

static void disconnect_replicas(void) {
    for (size_t i = 0; i < m.nreplicas; i++) client_close_async(m.replicas[i]);
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
    hold(c, false);
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", replica_name(c));
}

static void write_all_nb(int fd, const char *p, size_t len) {
    ssize_t n = write(fd, p, len);
    (void)n;   /* a keepalive; a dead socket shows on the next read */
}

/* +FULLRESYNC for a replica whose snapshot starts now at our offset. */
static void setup_full_resync(client *c, long long offset) {
    replica_info *ri = c->repl;
    ri->init_offset = offset;
    ri->state = RS_WAIT_BGSAVE_END;
    /* The next command fed carries a SELECT: the replica can't know ours. */
    m.seldb = -1;
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "+FULLRESYNC %s %lld\r\n", srv.replid, offset);
    if (!ri->old_sync) write_all_nb(c->fd, buf, (size_t)n);
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
    if (m.tail_fd == -1) return 0;
    if (m.tail_done) return m.tail_size;
    struct stat sb;
    return fstat(m.tail_fd, &sb) == 0 ? sb.st_size : 0;
}

static bool tail_open(void) {
    if (m.tail_fd != -1) return true;
    char name[64];
    snprintf(name, sizeof(name), "temp-%d.rdb", (int)m.tail_child);   /* rdb.c's temp name */
    m.tail_fd = open(name, O_RDONLY | O_CLOEXEC);
    return m.tail_fd != -1;
}

static void send_bulk(int fd, void *data, int mask);

static long long tail_tick(long long id, void *data) {
    (void)id;
    (void)data;
    bool any = false;
    if (m.tail_fd == -1 && !m.tail_done) tail_open();
    off_t avail = tail_available();
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->tailing || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        any = true;
        if ((ev_mask(c->fd) & EV_WRITE) == 0 && (ri->bulk_off < avail || m.tail_done))
            ev_add(c->fd, EV_WRITE, send_bulk, c);
    }
    if (!any) {
        m.tail_timer = 0;
        return -1;
    }
    return 2;
}

/* Close the file once the child is done and no replica still reads it. */
static void tail_maybe_finish(void) {
    if (!m.tail_done) return;
    for (size_t i = 0; i < m.nreplicas; i++)
        if (m.replicas[i]->repl->tailing) return;
    if (m.tail_fd != -1) close(m.tail_fd);
    m.tail_fd = -1;
    m.tail_done = false;
    m.tail_child = 0;
    m.phase = "none";
}

static void tail_start(client *c) {
    replica_info *ri = c->repl;
    ri->tailing = true;
    ri->state = RS_SEND_BULK;
    ri->bulk_off = 0;
    ri->mark_sent = 0;
    ri->bulk_pre_len = (size_t)snprintf(ri->bulk_pre, sizeof(ri->bulk_pre), "$EOF:%s\r\n", m.tail_mark);
    ri->bulk_pre_sent = 0;
    if (m.tail_timer == 0) m.tail_timer = ev_timer_add(1, tail_tick, NULL);
}

static void send_bulk(int fd, void *data, int mask) {
    (void)mask;
    client *c = data;
    replica_info *ri = c->repl;
    if (ri->bulk_pre_sent < ri->bulk_pre_len) {
        ssize_t n = write(fd, ri->bulk_pre + ri->bulk_pre_sent, ri->bulk_pre_len - ri->bulk_pre_sent);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            fail_replica(c, "Write error sending the RDB preamble to replica");
            return;
        }
        ri->bulk_pre_sent += (size_t)n;
        if (ri->bulk_pre_sent < ri->bulk_pre_len) return;
    }
    int src = ri->tailing ? m.tail_fd : ri->bulk_fd;
    off_t avail = ri->tailing ? tail_available() : ri->bulk_size;
    while (ri->bulk_off < avail) {
        off_t off = ri->bulk_off;
        size_t want = (size_t)(avail - off) < BULK_CHUNK * 4 ? (size_t)(avail - off) : BULK_CHUNK * 4;
        ssize_t n = sendfile(fd, src, &off, want);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            log_msg(LOG_WARNING, "Write error sending DB to replica: %s",
                    n == 0 ? "unexpected end of file" : strerror(errno));
            client_close_async(c);
            return;
        }
        ri->bulk_off = off;
        m.sent_bytes += n;
        srv.stat_net_output_bytes += n;
    }
    if (ri->tailing) {
        if (!m.tail_done || ri->bulk_off < m.tail_size) {
            ev_del(fd, EV_WRITE);   /* the tail timer wakes us when it grows */
            return;
        }
        while (ri->mark_sent < 40) {
            ssize_t n = write(fd, m.tail_mark + ri->mark_sent, 40 - ri->mark_sent);
            if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
            if (n <= 0) {
                fail_replica(c, "Write error sending the RDB end mark to replica");
                return;
            }
            ri->mark_sent += (size_t)n;
        }
        ev_del(fd, EV_WRITE);
        ri->tailing = false;
        ri->state = RS_ONLINE;
        ri->online_on_ack = true;   /* as diskless: the stream waits for its ACK */
        log_msg(LOG_NOTICE, "Streamed RDB transfer with replica %s succeeded (disk). Waiting for REPLCONF ACK from replica to enable streaming",
                replica_name(c));
        tail_maybe_finish();
        return;
    }
    close(ri->bulk_fd);
    ri->bulk_fd = -1;
    ev_del(fd, EV_WRITE);
    go_online(c);
    bool more = false;
    for (size_t i = 0; i < m.nreplicas; i++)
        if (m.replicas[i]->repl->state == RS_SEND_BULK) more = true;
    if (!more) m.phase = "none";
}

static void disk_snapshot_done(bool ok) {
    struct stat sb;
    if (m.tail_child) {
        /* The child renamed its file to dbfilename; our fd still reads it.
         * A tiny snapshot may have been renamed before we opened it. */
        if (ok && m.tail_fd == -1) m.tail_fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        m.tail_done = true;
        m.tail_size = m.tail_fd != -1 && fstat(m.tail_fd, &sb) == 0 ? sb.st_size : 0;
        m.total_bytes = m.tail_size;
        for (size_t i = 0; i < m.nreplicas; i++) {
            client *c = m.replicas[i];
            replica_info *ri = c->repl;
            if (!ri->tailing) continue;
            if (!ok || m.tail_fd == -1) {
                ri->tailing = false;
                fail_replica(c, "SYNC failed. BGSAVE child returned an error");
            } else if ((ev_mask(c->fd) & EV_WRITE) == 0) {
                ev_add(c->fd, EV_WRITE, send_bulk, c);
            }
        }
        tail_maybe_finish();
    }
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        if (ri->state != RS_WAIT_BGSAVE_END || ri->diskless) continue;
        if (!ok) {
            fail_replica(c, "SYNC failed. BGSAVE child returned an error");
            continue;
        }
        int fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        if (fd == -1 || fstat(fd, &sb) == -1) {
            log_msg(LOG_WARNING, "SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
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
        m.phase = "transfer";
        m.sent_bytes = 0;
        m.total_bytes = sb.st_size;
        if (ev_add(c->fd, EV_WRITE, send_bulk, c) == -1) client_close_async(c);
    }
}

/* ---- Diskless transfer: relay the child's pipe ---- */

static void pipe_read(int fd, void *data, int mask);

static void pipe_finish(void) {
    if (m.pipe_rfd != -1) {
        ev_del(m.pipe_rfd, EV_READ);
        close(m.pipe_rfd);
        m.pipe_rfd = -1;
    }
    mem_free(m.pipe_buf);
    m.pipe_buf = NULL;
    m.pipe_len = 0;
    m.phase = "none";
}

/* Write the current chunk to each replica still taking it. true when all
 * have it. */
static bool pipe_push(void) {
    bool all = true;
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->in_pipe || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        while (ri->pipe_sent < m.pipe_len) {
            ssize_t n = write(c->fd, m.pipe_buf + ri->pipe_sent, m.pipe_len - ri->pipe_sent);
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
        if (ri->in_pipe && ri->pipe_sent < m.pipe_len) all = false;
    }
    return all;
}

static void replica_pipe_writable(int fd, void *data, int mask) {
    (void)mask;
    (void)data;
    if (fd != -1) ev_del(fd, EV_WRITE);
    if (pipe_push()) {
        if (m.pipe_rfd != -1) ev_add(m.pipe_rfd, EV_READ, pipe_read, NULL);
    } else {
        for (size_t i = 0; i < m.nreplicas; i++) {
            client *c = m.replicas[i];
            replica_info *ri = c->repl;
            if (ri->in_pipe && ri->pipe_sent < m.pipe_len && !(c->flags & CLIENT_CLOSE_ASAP))
                ev_add(c->fd, EV_WRITE, replica_pipe_writable, c);
        }
    }
}

static void pipe_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    if (m.pipe_buf == NULL) m.pipe_buf = mem_alloc(BULK_CHUNK);
    ssize_t n = read(fd, m.pipe_buf, BULK_CHUNK);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        /* The child closed its end: every replica still in has it all. */
        for (size_t i = 0; i < m.nreplicas; i++) {
            client *c = m.replicas[i];
            replica_info *ri = c->repl;
            if (!ri->in_pipe) continue;
            ri->in_pipe = false;
            if (n == 0 && !(c->flags & CLIENT_CLOSE_ASAP)) {
                log_msg(LOG_NOTICE, "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming",
                        replica_name(c));
                ri->state = RS_ONLINE;
                ri->online_on_ack = true;   /* hold the stream until it loaded */
            } else {
                client_close_async(c);
            }
        }
        pipe_finish();
        return;
    }
    m.pipe_len = (size_t)n;
    m.sent_bytes += n;
    for (size_t i = 0; i < m.nreplicas; i++) m.replicas[i]->repl->pipe_sent = 0;
    if (!pipe_push()) {
        ev_del(fd, EV_READ);
        replica_pipe_writable(-1, NULL, 0);
    }
}

/* ---- Starting snapshots for waiting replicas ---- */

static int start_snapshot(bool diskless) {
    if (diskless) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == -1) return -1;
        char mark[41];
        util_random_hex(mark, 40);
        if (snapshot_bgsave_pipe(fds[1], fds[0], mark) == -1) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        close(fds[1]);
        net_set_nonblock(fds[0], true);
        m.pipe_rfd = fds[0];
        m.pipe_len = 0;
        ev_add(m.pipe_rfd, EV_READ, pipe_read, NULL);
        return 0;
    }
    return snapshot_bgsave();
}

/* Start the snapshot that replicas in RS_WAIT_BGSAVE_START wait for, if
 * nothing else runs; diskless waits repl-diskless-sync-delay for more
 * replicas to arrive (or until repl-diskless-sync-max-replicas wait). */
static void start_pending_syncs(void) {
    if (child_active() || m.pipe_rfd != -1) return;
    size_t waiting = 0;
    long long oldest = 0;
    bool all_eof = true;
    for (size_t i = 0; i < m.nreplicas; i++) {
        replica_info *ri = m.replicas[i]->repl;
        if (ri->state != RS_WAIT_BGSAVE_START || (m.replicas[i]->flags & CLIENT_CLOSE_ASAP)) continue;
        waiting++;
        if (!ri->capa_eof) all_eof = false;
        if (oldest == 0 || ri->wait_since_ms < oldest) oldest = ri->wait_since_ms;
    }
    if (waiting == 0) return;
    bool diskless = cfg.repl_diskless_sync && all_eof;
    if (diskless && cfg.repl_diskless_sync_delay > 0 &&
        srv.mstime - oldest < (long long)cfg.repl_diskless_sync_delay * 1000 &&
        !(cfg.repl_diskless_sync_max_replicas > 0 &&
          waiting >= (size_t)cfg.repl_diskless_sync_max_replicas))
        return;
    log_msg(LOG_NOTICE, "Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
    long long offset = m.offset;
    if (start_snapshot(diskless) == -1) {
        log_msg(LOG_WARNING, "BGSAVE for replication failed");
        for (size_t i = 0; i < m.nreplicas; i++)
            if (m.replicas[i]->repl->state == RS_WAIT_BGSAVE_START) client_close_async(m.replicas[i]);
        return;
    }
    m.phase = diskless ? "transfer" : "bgsave";
    m.sent_bytes = 0;
    m.total_bytes = 0;
    if (!diskless) {
        m.tail_child = child_pid();
        m.tail_done = false;
        if (m.tail_fd != -1) close(m.tail_fd);
        m.tail_fd = -1;
        util_random_hex(m.tail_mark, 40);
    }
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        if (ri->state != RS_WAIT_BGSAVE_START || (c->flags & CLIENT_CLOSE_ASAP)) continue;
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
        for (size_t i = 0; i < m.nreplicas; i++) {
            replica_info *ri = m.replicas[i]->repl;
            if (ri->in_pipe || (ri->state == RS_ONLINE && ri->online_on_ack))
                fail_replica(m.replicas[i], "Diskless rdb transfer failed");
        }
        pipe_finish();
    }
    start_pending_syncs();
}

/* ---- Master side: SYNC / PSYNC / REPLCONF ---- */

static void to_client(void *priv, const char *p, size_t len) { reply_raw(priv, p, len); }

static bool try_partial(client *c, const char *id, long long off) {
    const char *reason = NULL;
    if (strcasecmp(id, srv.replid) != 0 &&
        (strcasecmp(id, m.replid2) != 0 || off > m.second_offset)) {
        if (id[0] == '?' || off == 1) {   /* no history: "?" or a fresh node's own id */
            reason = "new_replica";
        } else {
            reason = "replid_mismatch";
            if (strcasecmp(id, m.replid2) != 0)
                log_msg(LOG_NOTICE, "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')",
                        id, srv.replid, m.replid2);
            else
                log_msg(LOG_NOTICE, "Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can reply up to %lld",
                        off, m.second_offset);
        }
    } else if (m.bl == NULL) {
        reason = "no_backlog";
        log_msg(LOG_NOTICE, "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
                replica_name(c), off);
    } else if (!backlog_has(m.bl, off)) {
        reason = "offset_out_of_backlog";
        log_msg(LOG_NOTICE, "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
                replica_name(c), off);
        if (off > m.offset)
            log_msg(LOG_WARNING, "Warning: replica %s tried to PSYNC with an offset that is greater than the master replication offset.",
                    replica_name(c));
    }
    if (reason) {
        m.last_reason = reason;
        return false;
    }
    replica_info *ri = rinfo(c);
    add_replica(c);
    ri->state = RS_ONLINE;
    ri->ack_ms = srv.mstime;
    char buf[128];
    int n = ri->capa_psync2 ? snprintf(buf, sizeof(buf), "+CONTINUE %s\r\n", srv.replid)
                            : snprintf(buf, sizeof(buf), "+CONTINUE\r\n");
    reply_raw(c, buf, (size_t)n);
    size_t sent = backlog_copy_from(m.bl, off, to_client, c);
    m.sync_partial_ok++;
    log_msg(LOG_NOTICE, "Partial resynchronization request from %s accepted. Sending %zu bytes of backlog starting from offset %lld.",
            replica_name(c), sent, off);
    return true;
}

static void become_master(void);

static void sync_command(client *c, bool psync) {
    if (c->flags & CLIENT_REPLICA) return;   /* already one */
    if (psync && c->argc > 3 && cmd_arg_is(&c->argv[3], "failover")) {
        /* Our master hands over: promote, then continue its history. */
        if (!srv.is_replica || c->argv[1].len != 40 || strncasecmp(c->argv[1].ptr, srv.replid, 40) != 0) {
            reply_error(c, "ERR PSYNC FAILOVER replid must match my replid.");
            return;
        }
        log_msg(LOG_NOTICE, "Failover request received for replid %s.", srv.replid);
        become_master();
    }
    if (srv.is_replica && r.state != L_CONNECTED) {
        reply_error(c, "NOMASTERLINK Can't SYNC while not connected with my master");
        return;
    }
    if (reply_pending(c)) {
        reply_error(c, "ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    log_msg(LOG_NOTICE, "Replica %s asks for synchronization", replica_name(c));
    replica_info *ri = rinfo(c);
    if (psync) {
        long long off;
        char id[41];
        snprintf(id, sizeof(id), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
        if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &off)) off = -1;
        if (try_partial(c, id, off)) return;
        if (id[0] != '?') m.sync_partial_err++;
    } else {
        m.last_reason = "new_replica";
        ri->capa_psync2 = false;
        ri->capa_eof = false;
        ri->old_sync = true;
    }
    m.sync_full++;
    /* The first replica: a fresh history (as Redis), and a backlog. */
    if (m.bl == NULL && !srv.is_replica) {
        new_replid();
        clear_replid2();
        backlog_create();
        log_msg(LOG_NOTICE, "Replication backlog created, my new replication IDs are '%s' and '%s'",
                srv.replid, m.replid2);
    } else if (m.bl == NULL) {
        backlog_create();
    }
    add_replica(c);
    hold(c, true);
    ri->state = RS_WAIT_BGSAVE_START;
    ri->wait_since_ms = srv.mstime;
    m.phase = "waiting";
    /* A disk BGSAVE for replication already runs: share it when another
     * replica waits for it (copy that replica's buffered stream). */
    if (child_type() == CHILD_RDB && !cfg.repl_diskless_sync) {
        for (size_t i = 0; i < m.nreplicas; i++) {
            client *o = m.replicas[i];
            replica_info *oi = o->repl;
            /* Same snapshot, same stream since its fork. A replica that
             * reads "$EOF:" joins the tail; one that needs the length gets
             * the finished file like the others waiting for it. */
            bool same_snapshot = (oi->state == RS_WAIT_BGSAVE_END && !oi->diskless) || oi->tailing;
            if (o == c || !same_snapshot) continue;
            reply_copy(c, o);
            ri->diskless = false;
            setup_full_resync(c, oi->init_offset);
            if (ri->capa_eof && m.tail_child) tail_start(c);
            log_msg(LOG_NOTICE, "Waiting for end of BGSAVE for SYNC");
            return;
        }
    }
    if (child_active())
        log_msg(LOG_NOTICE, "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    else if (cfg.repl_diskless_sync && ri->capa_eof && cfg.repl_diskless_sync_delay > 0)
        log_msg(LOG_NOTICE, "Delay next BGSAVE for diskless SYNC");
    start_pending_syncs();
}

void cmd_sync(client *c) { sync_command(c, false); }
void cmd_psync(client *c) { sync_command(c, true); }

void cmd_replconf(client *c) {
    if (c->argc % 2 == 0) {
        reply_error(c, "ERR syntax error");
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        const slice *opt = &c->argv[j], *val = &c->argv[j + 1];
        if (cmd_arg_is(opt, "listening-port")) {
            long long port;
            if (!cmd_arg_ll(c, val, &port)) return;
            rinfo(c)->listening_port = (int)port;
        } else if (cmd_arg_is(opt, "ip-address")) {
            if (val->len >= NET_ADDR_SIZE) {
                reply_error(c, "ERR REPLCONF ip-address provided by replica instance is too long: 46 bytes maximum");
                return;
            }
            memcpy(rinfo(c)->ip, val->ptr, val->len);
            rinfo(c)->ip[val->len] = '\0';
        } else if (cmd_arg_is(opt, "capa")) {
            if (cmd_arg_is(val, "eof")) rinfo(c)->capa_eof = true;
            else if (cmd_arg_is(val, "psync2")) rinfo(c)->capa_psync2 = true;
        } else if (cmd_arg_is(opt, "ack")) {
            /* No reply: the replica does not read one. */
            if (!(c->flags & CLIENT_REPLICA)) return;
            long long off;
            if (!util_str2ll(val->ptr, val->len, &off)) return;
            replica_info *ri = c->repl;
            if (off > ri->ack_off) ri->ack_off = off;
            ri->ack_ms = srv.mstime;
            if (ri->state == RS_ONLINE && ri->online_on_ack) {
                ri->online_on_ack = false;
                hold(c, false);
                log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", replica_name(c));
            }
            if (m.nwaiters) check_waiters();
            return;
        } else if (cmd_arg_is(opt, "getack")) {
            if (c == r.master) send_ack();
            return;
        } else if (cmd_arg_is(opt, "rdb-only") || cmd_arg_is(opt, "rdb-filter-only")) {
            /* accepted, as Redis 7.0 does */
        } else {
            reply_errorf(c, "ERR Unrecognized REPLCONF option: %.*s", (int)opt->len, opt->ptr);
            return;
        }
    }
    reply_ok(c);
}

/* ---- WAIT ---- */

static int acked(long long off) {
    int n = 0;
    for (size_t i = 0; i < m.nreplicas; i++) {
        replica_info *ri = m.replicas[i]->repl;
        if (ri->state == RS_ONLINE && ri->ack_off >= off) n++;
    }
    return n;
}

void cmd_wait(client *c) {
    if (srv.is_replica) {
        reply_error(c, "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        return;
    }
    long long n, timeout;
    if (!cmd_arg_ll(c, &c->argv[1], &n)) return;
    if (!cmd_arg_ll_msg(c, &c->argv[2], &timeout, "ERR timeout is not an integer or out of range"))
        return;
    if (timeout < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    long long off = m.offset;
    int have = acked(off);
    if (have >= n || !blocking_allowed(c)) {
        reply_int(c, have);
        return;
    }
    if (m.nwaiters == m.waiters_cap) {
        m.waiters_cap = m.waiters_cap ? m.waiters_cap * 2 : 4;
        m.waiters = mem_realloc(m.waiters, m.waiters_cap * sizeof(waiter));
    }
    m.waiters[m.nwaiters++] = (waiter){c, off, (long)n, timeout ? srv.mstime + timeout : 0};
    c->flags |= CLIENT_BLOCKED;
    srv.blocked_clients++;
    m.getack_pending = true;
}

static void unblock_waiter(size_t i, int count) {
    client *c = m.waiters[i].c;
    m.waiters[i] = m.waiters[--m.nwaiters];
    c->flags &= ~CLIENT_BLOCKED;
    srv.blocked_clients--;
    if (count < 0) reply_error(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else reply_int(c, count);
    if (m.nresume == m.resume_cap) {
        m.resume_cap = m.resume_cap ? m.resume_cap * 2 : 4;
        m.resume = mem_realloc(m.resume, m.resume_cap * sizeof(client *));
    }
    m.resume[m.nresume++] = c;
}

static void check_waiters(void) {
    for (size_t i = 0; i < m.nwaiters;) {
        waiter *w = &m.waiters[i];
        int n = acked(w->off);
        if (n >= w->numreplicas || (w->deadline_ms && w->deadline_ms <= srv.mstime)) {
            unblock_waiter(i, n);
            continue;
        }
        i++;
    }
}

bool repl_unblock_wait(client *c, bool as_error) {
    for (size_t i = 0; i < m.nwaiters; i++) {
        if (m.waiters[i].c == c) {
            unblock_waiter(i, as_error ? -1 : acked(m.waiters[i].off));
            return true;
        }
    }
    return false;
}

/* ---- Refusing commands ---- */

#define ERR_READONLY "READONLY You can't write against a read only replica."
#define ERR_MASTERDOWN "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
#define ERR_NOREPLICAS "NOREPLICAS Not enough good replicas to write."

const char *repl_refuse(client *c, const struct command *cmd) {
    if (c->flags & (CLIENT_MASTER | CLIENT_FAKE)) return NULL;
    if (!srv.is_replica && cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0 &&
        (cmd->flags & CMD_WRITE) && m.good_replicas < cfg.min_replicas_to_write)
        return ERR_NOREPLICAS;
    if (!srv.is_replica) return NULL;
    if (cfg.replica_read_only && (cmd->flags & CMD_WRITE)) return ERR_READONLY;
    if (r.state != L_CONNECTED && !cfg.replica_serve_stale_data && !(cmd->flags & CMD_STALE))
        return ERR_MASTERDOWN;
    return NULL;
}

/* ---- Replica side: the link ---- */

static void close_link_fd(void) {
    if (r.fd != -1) {
        ev_del(r.fd, EV_READ | EV_WRITE);
        close(r.fd);
        r.fd = -1;
    }
    if (r.tmp_fd != -1) {
        close(r.tmp_fd);
        r.tmp_fd = -1;
        unlink(r.tmp_name);
    }
    str_free(r.rbuf);
    r.rbuf = NULL;
}

/* Drop a connection in progress (not the master client) and retry. */
static void link_cancel(const char *why) {
    if (why) log_msg(LOG_WARNING, "%s", why);
    if (fo.state == FO_IN_PROGRESS) {
        close_link_fd();
        failover_abort("Failover target rejected psync request or the link failed");
        return;
    }
    close_link_fd();
    if (r.state != L_NONE) r.state = L_CONNECT;
    r.connect_after_ms = srv.mstime + 1000;   /* retry once a second, as Redis */
    if (r.link_down_since == 0) r.link_down_since = srv.mstime / 1000;
}

static void send_cmd(int argc, const char **argv) {
    str *s = str_new_cap(128);
    slice a[8];
    for (int i = 0; i < argc; i++) a[i] = slice_of(argv[i], strlen(argv[i]));
    s = resp_cat_command(s, argc, a);
    write_all_nb(r.fd, s->buf, s->len);
    str_free(s);
}

static void link_read(int fd, void *data, int mask);

static void send_psync(void) {
    if (r.have_cached) {
        char off[32];
        snprintf(off, sizeof(off), "%lld", m.offset + 1);
        log_msg(LOG_NOTICE, "Trying a partial resynchronization (request %s:%s).", srv.replid, off);
        const char *argv[] = {"PSYNC", srv.replid, off, "FAILOVER"};
        send_cmd(fo.state == FO_IN_PROGRESS ? 4 : 3, argv);
        r.asked = m.offset == 0 ? "first_sync" : "partial";
    } else {
        log_msg(LOG_NOTICE, "Partial resynchronization not possible (no cached master)");
        const char *argv[] = {"PSYNC", "?", "-1"};
        send_cmd(3, argv);
        r.asked = "first_sync";
    }
    r.state = L_PSYNC;
}

static void send_handshake(void) {
    r.pending = 0;
    r.auth_pending = false;
    if (cfg.masterauth && cfg.masterauth[0]) {
        r.auth_pending = true;
        if (cfg.masteruser && cfg.masteruser[0]) {
            const char *argv[] = {"AUTH", cfg.masteruser, cfg.masterauth};
            send_cmd(3, argv);
        } else {
            const char *argv[] = {"AUTH", cfg.masterauth};
            send_cmd(2, argv);
        }
        r.pending++;
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg.replica_announce_port ? cfg.replica_announce_port : cfg.port);
    const char *lp[] = {"REPLCONF", "listening-port", port};
    send_cmd(3, lp);
    r.pending++;
    if (cfg.replica_announce_ip && cfg.replica_announce_ip[0]) {
        const char *ip[] = {"REPLCONF", "ip-address", cfg.replica_announce_ip};
        send_cmd(3, ip);
        r.pending++;
    }
    const char *capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    send_cmd(5, capa);
    r.pending++;
    r.state = L_HANDSHAKE;
}

static void link_connected(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
    if (err) {
        log_msg(LOG_WARNING, "Error condition on socket for SYNC: %s", strerror(err));
        link_cancel(NULL);
        return;
    }
    ev_del(fd, EV_WRITE);
    log_msg(LOG_NOTICE, "Non blocking connect for SYNC fired the event.");
    if (ev_add(fd, EV_READ, link_read, NULL) == -1) {
        link_cancel("Can't create readable event for SYNC");
        return;
    }
    r.rbuf = str_new_cap(1024);
    r.state = L_PONG;
    r.last_io_ms = srv.mstime;
    const char *ping[] = {"PING"};
    send_cmd(1, ping);
}

static void link_connect(void) {
    char err[256];
    log_msg(LOG_NOTICE, "Connecting to MASTER %s:%d", r.host, r.port);
    int fd = net_connect(r.host, r.port, err, sizeof(err));
    if (fd == -1) {
        log_msg(LOG_WARNING, "Unable to connect to MASTER: %s", err);
        r.connect_after_ms = srv.mstime + 1000;
        return;
    }
    if (!cfg.repl_disable_tcp_nodelay) net_set_nodelay(fd);
    if (ev_add(fd, EV_WRITE, link_connected, NULL) == -1) {
        close(fd);
        return;
    }
    r.fd = fd;
    r.state = L_CONNECTING;
    r.last_io_ms = srv.mstime;
    r.sync_start_ms = srv.mstime;
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync started");
}

/* Take one "\r\n" line from rbuf; skips the bare "\n" keepalives a master
 * sends while it prepares the snapshot. */
static bool take_line(char *out, size_t cap) {
    for (;;) {
        char *nl = memchr(r.rbuf->buf, '\n', r.rbuf->len);
        if (nl == NULL) return false;
        size_t n = (size_t)(nl - r.rbuf->buf);
        size_t l = n > 0 && r.rbuf->buf[n - 1] == '\r' ? n - 1 : n;
        if (l >= cap) l = cap - 1;
        memcpy(out, r.rbuf->buf, l);
        out[l] = '\0';
        str_consume(r.rbuf, n + 1);
        if (l == 0) continue;
        return true;
    }
}

/* The master client: applies the stream; its leftover bytes come first. */
static void make_master_client(int dbid) {
    int fd = r.fd;
    ev_del(fd, EV_READ | EV_WRITE);
    r.fd = -1;
    client *c = client_new(fd, false);
    if (c == NULL) {
        close(fd);
        str_free(r.rbuf);
        r.rbuf = NULL;
        r.state = L_CONNECT;
        return;
    }
    c->flags |= CLIENT_MASTER;
    c->authenticated = true;
    c->dbid = dbid >= 0 && dbid < srv.ndbs ? dbid : 0;
    c->db = db_get(c->dbid);
    r.master = c;
    r.state = L_CONNECTED;
    if (fo.state == FO_IN_PROGRESS) {
        log_msg(LOG_NOTICE, "Failover target %s:%d is now our master: FAILOVER complete", r.host, r.port);
        fo.state = FO_NONE;
        srv.pause_type = 0;
        srv.pause_end_ms = 0;
        client_unpause_all();
    }
    r.link_down_since = 0;
    r.have_cached = false;
    r.guard_armed = true;
    r.refused = false;
    r.refused_reason[0] = '\0';
    send_ack();   /* a diskless master starts the stream on this first ACK */
    if (r.rbuf && r.rbuf->len) {
        c->qbuf = str_cat(c->qbuf, r.rbuf->buf, r.rbuf->len);
        str_free(r.rbuf);
        r.rbuf = NULL;
        client_process_input(c);
    } else {
        str_free(r.rbuf);
        r.rbuf = NULL;
    }
}

static void partial_sync_ok(const char *line) {
    log_msg(LOG_NOTICE, "Successful partial resynchronization with master.");
    const char *id = line + 9;
    while (*id == ' ') id++;
    if (strlen(id) >= 40 && strncmp(id, srv.replid, 40) != 0) {
        /* The master's history continues under a new id (it was promoted). */
        memcpy(m.replid2, srv.replid, 41);
        m.second_offset = m.offset + 1;
        memcpy(srv.replid, id, 40);
        srv.replid[40] = '\0';
        log_msg(LOG_NOTICE, "Master replication ID changed to %s", srv.replid);
        disconnect_replicas();   /* they must learn the new id */
    }
    if (m.bl == NULL) backlog_create();
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    make_master_client(r.cached_db);
}

static void full_sync_start(const char *line) {
    char id[64];
    long long off;
    if (sscanf(line, "+FULLRESYNC %63s %lld", id, &off) != 2 || strlen(id) != 40) {
        link_cancel("Master replied with wrong +FULLRESYNC syntax.");
        return;
    }
    memcpy(r.new_replid, id, 41);
    r.new_offset = off;
    if (strcmp(r.asked, "first_sync") == 0) r.last_full_reason = "first_sync";
    else if (strcasecmp(id, srv.replid) == 0) r.last_full_reason = "offset_out_of_backlog";
    else r.last_full_reason = "replid_mismatch";
    log_msg(LOG_NOTICE, "Full resync from master: %s:%lld", id, off);
    r.state = L_BULK_HDR;
}

static void transfer_start(const char *line) {
    if (line[0] == '-') {
        char buf[700];
        snprintf(buf, sizeof(buf), "MASTER aborted replication with an error: %s", line + 1);
        link_cancel(buf);
        return;
    }
    if (line[0] != '$') {
        char buf[700];
        snprintf(buf, sizeof(buf), "Bad protocol from MASTER, the first byte is not '$' (we received '%.200s'), are you sure the host and port are right?", line);
        link_cancel(buf);
        return;
    }
    if (strncmp(line + 1, "EOF:", 4) == 0 && strlen(line + 5) >= 40) {
        memcpy(r.mark, line + 5, 40);
        r.mark[40] = '\0';
        r.size = -1;
    } else {
        long long n;
        if (!util_str2ll(line + 1, strlen(line + 1), &n) || n < 0) {
            link_cancel("Bad protocol from MASTER: invalid bulk length");
            return;
        }
        r.size = n;
    }
    /* With nothing to keep, parse as the bytes arrive. Under the default
     * repl-diskless-load disabled the payload is still written to the temp
     * file (and becomes our RDB), as Redis does, but nothing waits for the
     * whole file before loading starts. */
    bool empty = total_keys() == 0;
    bool to_parser = cfg.repl_diskless_load != REPL_DISKLESS_LOAD_DISABLED && empty;
    if (r.size < 0)
        log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF %s",
                to_parser ? "to parser" : "to disk");
    else
        log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from master %s", r.size,
                to_parser ? "to parser" : "to disk");
    if (to_parser) {
        r.state = L_TRANSFER;
        socket_load(false);
        return;
    }
    snprintf(r.tmp_name, sizeof(r.tmp_name), "temp-%lld.%d.rdb", (long long)(srv.mstime / 1000),
             (int)srv.pid);
    r.tmp_fd = open(r.tmp_name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    if (r.tmp_fd != -1 && empty) {
        r.state = L_TRANSFER;
        socket_load(true);
        return;
    }
    if (r.tmp_fd == -1) {
        char buf[600];
        snprintf(buf, sizeof(buf), "Opening the temp file needed for MASTER <-> REPLICA synchronization: %s",
                 strerror(errno));
        link_cancel(buf);
        return;
    }
    r.received = 0;
    r.tail_len = 0;
    r.crc = 0;
    r.lag_len = 0;
    r.state = L_TRANSFER;
}

static void transfer_done(void);

static void crc_feed(const char *p, size_t n) {
    size_t keep = r.size < 0 ? 48 : 8;
    size_t total = r.lag_len + n;
    if (total <= keep) {
        memcpy(r.lag + r.lag_len, p, n);
        r.lag_len = total;
        return;
    }
    size_t sum = total - keep;   /* bytes that leave the lag now */
    size_t from_lag = sum < r.lag_len ? sum : r.lag_len;
    r.crc = crc64(r.crc, r.lag, from_lag);
    r.crc = crc64(r.crc, p, sum - from_lag);
    /* The lag keeps the last 'keep' bytes of lag + p. */
    char joined[48];
    size_t j = 0;
    for (size_t i = from_lag; i < r.lag_len; i++) joined[j++] = r.lag[i];
    memcpy(joined + j, p + (sum - from_lag), n - (sum - from_lag));
    r.lag_len = keep;
    memcpy(r.lag, joined, keep);
}

/* The footer's CRC (0: saved without one) against what arrived. */
static bool crc_ok(void) {
    if (r.lag_len < 8) return false;
    uint64_t got = 0;
    for (int i = 7; i >= 0; i--) got = got << 8 | (unsigned char)r.lag[i];
    return got == 0 || got == r.crc;
}

/* Payload bytes in rbuf go to the temp file; with a length, what follows
 * is already the stream and stays in rbuf. */
static void transfer_consume(void) {
    size_t take = r.rbuf->len;
    if (r.size >= 0 && (long long)take > r.size - r.received) take = (size_t)(r.size - r.received);
    if (take) {
        ssize_t n = write(r.tmp_fd, r.rbuf->buf, take);
        if (n != (ssize_t)take) {
            char buf[700];
            snprintf(buf, sizeof(buf), "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: %s",
                     n == -1 ? strerror(errno) : "short write");
            link_cancel(buf);
            return;
        }
        if (r.size < 0) {
            /* Keep the last 40 bytes seen to spot the mark. */
            if (take >= 40) {
                memcpy(r.tail, r.rbuf->buf + take - 40, 40);
                r.tail_len = 40;
            } else {
                size_t keep = r.tail_len + take > 40 ? 40 - take : r.tail_len;
                memmove(r.tail, r.tail + r.tail_len - keep, keep);
                memcpy(r.tail + keep, r.rbuf->buf, take);
                r.tail_len = keep + take;
            }
        }
        crc_feed(r.rbuf->buf, take);
        r.received += (long long)take;
        str_consume(r.rbuf, take);
    }
    bool done = r.size >= 0 ? r.received == r.size
                            : r.tail_len == 40 && memcmp(r.tail, r.mark, 40) == 0;
    if (done) transfer_done();
}

static void link_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    r.rbuf = str_reserve(r.rbuf, 64 * 1024);
    ssize_t n = read(fd, r.rbuf->buf + r.rbuf->len, r.rbuf->cap - r.rbuf->len);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        char buf[700];
        snprintf(buf, sizeof(buf), "%s",
                 r.state == L_TRANSFER
                     ? "I/O error trying to sync with MASTER: connection lost"
                     : n == 0 ? "Master closed the connection during the handshake"
                              : "Error reading from MASTER during the handshake");
        if (n == -1) snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s", strerror(errno));
        link_cancel(buf);
        return;
    }
    str_setlen(r.rbuf, r.rbuf->len + (size_t)n);
    srv.stat_net_input_bytes += n;
    r.last_io_ms = srv.mstime;
    char line[512];
    while (r.fd != -1 && r.state != L_CONNECTED) {
        if (r.state == L_TRANSFER) {
            transfer_consume();
            return;
        }
        if (!take_line(line, sizeof(line))) {
            if (r.rbuf->len > 4096) link_cancel("Bad protocol from MASTER: reply line too long");
            return;
        }
        switch (r.state) {
        case L_PONG:
            if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) != 0 && strncmp(line, "-NOPERM", 7) != 0 &&
                strncmp(line, "-ERR operation not permitted", 28) != 0) {
                char buf[600];
                snprintf(buf, sizeof(buf), "Error reply to PING from master: '%s'", line);
                link_cancel(buf);
                return;
            }
            log_msg(LOG_NOTICE, "Master replied to PING, replication can continue...");
            send_handshake();
            break;
        case L_HANDSHAKE:
            if (r.auth_pending) {
                r.auth_pending = false;
                if (line[0] == '-') {
                    char buf[600];
                    snprintf(buf, sizeof(buf), "Unable to AUTH to MASTER: %s", line);
                    link_cancel(buf);
                    return;
                }
            } else if (line[0] == '-') {
                log_msg(LOG_NOTICE, "(Non critical) Master does not understand REPLCONF: %s", line);
            }
            if (--r.pending == 0) send_psync();
            break;
        case L_PSYNC:
            if (strncmp(line, "+FULLRESYNC", 11) == 0) {
                full_sync_start(line);
            } else if (strncmp(line, "+CONTINUE", 9) == 0) {
                partial_sync_ok(line);
                return;
            } else if (strncmp(line, "-NOMASTERLINK", 13) == 0 || strncmp(line, "-LOADING", 8) == 0) {
                char buf[600];
                snprintf(buf, sizeof(buf), "Master is currently unable to PSYNC but should be in the future: %s", line);
                link_cancel(buf);
                return;
            } else {
                char buf[600];
                snprintf(buf, sizeof(buf), "Unexpected reply to PSYNC from master: %s", line);
                link_cancel(buf);
                return;
            }
            break;
        case L_BULK_HDR:
            transfer_start(line);
            break;
        default:
            return;
        }
    }
}

/* The dataset is about to be replaced by a full sync: no child may be
 * writing the old one, the AOF restarts afterwards, and sub-replicas must
 * resync with the new history. Returns whether the AOF was on. */
static bool prepare_replace(void) {
    if (child_type() == CHILD_RDB) {
        log_msg(LOG_WARNING, "Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process %ld and removing its temp file to avoid any race",
                (long)child_pid());
        snapshot_stop_child();
    }
    bool aof_was_on = aof_is_on();
    if (aof_was_on) aof_suspend();
    disconnect_replicas();
    return aof_was_on;
}

/* The new dataset is in memory: adopt the master's history and go online. */
static void finish_full_sync(const rdb_info *info, bool aof_was_on) {
    memcpy(srv.replid, r.new_replid, 41);
    clear_replid2();
    m.offset = r.new_offset;
    backlog_drop();
    backlog_create();
    str_free(r.multi_buf);
    r.multi_buf = NULL;
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    if (aof_was_on) aof_resume();
    make_master_client(info->repl_stream_db);
}

/* After loading the payload from 'where': online, or an empty dataset
 * (never half of one) and a retry. */
static void load_finished(int rc, str *err, const rdb_info *info, bool aof_was_on, const char *where) {
    if (rc == -1) {
        log_msg(LOG_WARNING, "Failed trying to load the MASTER synchronization DB from %s, check server logs. (%s)",
                where, err ? err->buf : "?");
        str_free(err);
        db_empty_all();
        if (aof_was_on) aof_resume();
        link_cancel(NULL);
        return;
    }
    finish_full_sync(info, aof_was_on);
}

/* The whole payload is in the temp file: check it, then replace the
 * dataset with it, and go online. */
static void transfer_done(void) {
    if (r.size < 0 && ftruncate(r.tmp_fd, r.received - 40) == -1) {
        link_cancel("Error truncating the RDB payload received from the master");
        return;
    }
    if (fsync(r.tmp_fd) == -1) {
        link_cancel("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization");
        return;
    }
    close(r.tmp_fd);
    r.tmp_fd = -1;
    bool has_keys;
    str *err = NULL;
    if (!crc_ok()) err = str_from("wrong CRC64 checksum");
    if (err || rdb_check_payload(r.tmp_name, &has_keys, &err) == -1) {
        char buf[600];
        snprintf(buf, sizeof(buf), "MASTER <-> REPLICA sync: the RDB payload from the master is not valid (%s): keeping the current dataset",
                 err ? err->buf : "?");
        str_free(err);
        unlink(r.tmp_name);
        link_cancel(buf);
        return;
    }
    long long have = total_keys();
    if (cfg.repl_empty_master_guard && r.guard_armed && have > 0 && !has_keys &&
        strcasecmp(r.new_replid, srv.replid) != 0 && strcasecmp(r.new_replid, m.replid2) != 0) {
        snprintf(r.refused_reason, sizeof(r.refused_reason),
                 "master %s:%d restarted with an empty dataset and a new replication ID", r.host, r.port);
        log_msg(LOG_WARNING, "Refusing to load an empty dataset from MASTER %s:%d (new replication ID %s, we hold %lld keys): keeping our data. Run REPLICAOF to accept it, or set repl-empty-master-guard no.",
                r.host, r.port, r.new_replid, have);
        r.refused = true;
        unlink(r.tmp_name);
        link_cancel(NULL);
        r.connect_after_ms = srv.mstime + REFUSED_RETRY_MS;
        return;
    }
    bool aof_was_on = prepare_replace();
    if (rename(r.tmp_name, cfg.dbfilename) == -1) {
        char buf[700];
        snprintf(buf, sizeof(buf), "Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s",
                 cfg.dbfilename, strerror(errno));
        unlink(r.tmp_name);
        if (aof_was_on) aof_resume();
        link_cancel(buf);
        return;
    }
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    db_signal_flushed(-1, -1);
    db_empty_all();
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    rdb_info info;
    rdb_info_init(&info);
    srv.loading = true;
    int rc = rdb_load_file(cfg.dbfilename, &info, &err);
    srv.loading = false;
    load_finished(rc, err, &info, aof_was_on, "disk");
}

/* Parsing straight from the socket (an empty dataset has nothing to keep
 * if the transfer fails): blocking reads bounded by repl-timeout, through
 * rbuf in large chunks, rpos marking what the parser took. Whatever is
 * read past the payload stays in rbuf for the master client. With 'tee'
 * every chunk also goes to the temp file, which becomes our RDB. */
static size_t rpos;

static bool conn_fill(void) {
    if (rpos == r.rbuf->len) {
        str_setlen(r.rbuf, 0);
        rpos = 0;
    }
    r.rbuf = str_reserve(r.rbuf, 256 * 1024);
    for (;;) {
        ssize_t n = read(r.fd, r.rbuf->buf + r.rbuf->len, r.rbuf->cap - r.rbuf->len);
        if (n > 0) {
            if (r.tee_fd != -1 && write(r.tee_fd, r.rbuf->buf + r.rbuf->len, (size_t)n) != n) {
                log_msg(LOG_WARNING, "Write error writing to the DB dump file needed for MASTER <-> REPLICA synchronization: %s",
                        strerror(errno));
                return false;
            }
            str_setlen(r.rbuf, r.rbuf->len + (size_t)n);
            r.received += n;
            srv.stat_net_input_bytes += n;
            return true;
        }
        if (n == -1 && errno == EINTR) continue;
        if (n == -1 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = r.fd, .events = POLLIN};
            if (poll(&pfd, 1, cfg.repl_timeout * 1000) > 0) continue;
            log_msg(LOG_WARNING, "Timeout receiving bulk data from MASTER while loading from the socket");
        }
        return false;
    }
}

static size_t conn_read(rio *rr, void *buf, size_t len) {
    (void)rr;
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        if (rpos == r.rbuf->len && !conn_fill()) return 0;
        size_t n = r.rbuf->len - rpos < len - done ? r.rbuf->len - rpos : len - done;
        memcpy(p + done, r.rbuf->buf + rpos, n);
        rpos += n;
        done += n;
    }
    return len;
}

static void socket_load(bool tee) {
    bool aof_was_on = prepare_replace();
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory (from the socket)");
    db_signal_flushed(-1, -1);
    db_empty_all();
    rpos = 0;
    r.received = (long long)r.rbuf->len;
    if (tee) {
        r.tee_fd = r.tmp_fd;
        if (r.rbuf->len && write(r.tee_fd, r.rbuf->buf, r.rbuf->len) != (ssize_t)r.rbuf->len)
            r.tee_fd = -1;   /* the load goes on; the file is dropped below */
    }
    rio rr;
    rio_init_fd(&rr, r.fd);
    rr.read = conn_read;
    rdb_info info;
    rdb_info_init(&info);
    str *err = NULL;
    srv.loading = true;
    int rc = rdb_load_rio(&rr, &info, &err);
    srv.loading = false;
    bool tee_ok = tee && r.tee_fd != -1;
    r.tee_fd = -1;
    long long rdb_len = (long long)rr.processed;
    if (rc == 0 && r.size < 0) {
        char mark[40];
        if (conn_read(&rr, mark, 40) != 40 || memcmp(mark, r.mark, 40) != 0) {
            rc = -1;
            err = str_from("the EOF mark does not follow the RDB payload");
        }
    } else if (rc == 0 && rdb_len != r.size) {
        rc = -1;
        err = str_from("the RDB payload is not as long as announced");
    }
    str_consume(r.rbuf, rpos);   /* the rest is the stream */
    rpos = 0;
    if (tee && rc == 0) {
        /* The copy (cut to the RDB itself) becomes our RDB file, as after
         * a disk-based load. */
        if (!tee_ok || ftruncate(r.tmp_fd, rdb_len) == -1 || fsync(r.tmp_fd) == -1 ||
            rename(r.tmp_name, cfg.dbfilename) == -1) {
            log_msg(LOG_WARNING, "Failed trying to keep the synchronization DB as %s: %s (the dataset is loaded)",
                    cfg.dbfilename, strerror(errno));
            unlink(r.tmp_name);
        }
        close(r.tmp_fd);
        r.tmp_fd = -1;
    }
    load_finished(rc, err, &info, aof_was_on, "socket");
}

/* ---- Replica side: the master client ---- */

static void send_ack(void) {
    client *c = r.master;
    if (c == NULL) return;
    char off[32];
    int n = snprintf(off, sizeof(off), "%lld", m.offset);
    char buf[96];
    int len = snprintf(buf, sizeof(buf), "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", n, off);
    c->flags |= CLIENT_MASTER_FORCE_REPLY;
    reply_raw(c, buf, (size_t)len);
    c->flags &= ~CLIENT_MASTER_FORCE_REPLY;
}

void repl_client_freed(client *c) {
    if (c == r.master) {
        r.master = NULL;
        log_msg(LOG_NOTICE, "Connection with master lost.");
        log_msg(LOG_NOTICE, "* Caching the disconnected master state.");
        r.have_cached = true;
        r.cached_db = c->dbid;
        str_free(r.multi_buf);   /* an unfinished MULTI was never counted */
        r.multi_buf = NULL;
        if (r.state == L_CONNECTED) {
            r.state = L_CONNECT;
            r.connect_after_ms = 0;   /* reconnect at once: a partial resync is likely */
            r.link_down_since = srv.mstime / 1000;
        }
    }
    if (c->flags & CLIENT_BLOCKED) {
        for (size_t i = 0; i < m.nwaiters; i++) {
            if (m.waiters[i].c == c) {
                m.waiters[i] = m.waiters[--m.nwaiters];
                c->flags &= ~CLIENT_BLOCKED;
                srv.blocked_clients--;
                break;
            }
        }
    }
    for (size_t i = 0; i < m.nresume; i++)
        if (m.resume[i] == c) m.resume[i] = NULL;
    replica_info *ri = c->repl;
    if (ri) {
        if (ri->is_replica) {
            log_msg(LOG_NOTICE, "Connection with replica %s lost.", replica_name(c));
            remove_replica(c);
        }
        if (ri->bulk_fd != -1) close(ri->bulk_fd);
        bool was_in_pipe = ri->in_pipe;
        bool was_tailing = ri->tailing;
        mem_free(ri);
        c->repl = NULL;
        /* The relay may have been waiting for this one. */
        if (was_in_pipe && m.pipe_rfd != -1) replica_pipe_writable(-1, NULL, 0);
        if (was_tailing) tail_maybe_finish();
    }
}

/* ---- FAILOVER ---- */

static void become_replica(const char *host, int port);

static void unpause_writes(void) {
    srv.pause_type = 0;
    srv.pause_end_ms = 0;
    client_unpause_all();
}

static void failover_abort(const char *why) {
    log_msg(LOG_NOTICE, "FAILOVER aborted: %s", why);
    if (fo.state == FO_IN_PROGRESS) {
        fo.state = FO_NONE;
        become_master();   /* back to where we were */
    }
    fo.state = FO_NONE;
    unpause_writes();
}

static client *find_replica(const char *host, int port) {
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(c->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - c->addr) : (int)strlen(c->addr), c->addr);
        if (!strcasecmp(ri->ip[0] ? ri->ip : ip, host) && ri->listening_port == port) return c;
    }
    return NULL;
}

static void failover_step(void) {
    if (fo.state != FO_WAIT_FOR_SYNC) return;
    client *target = NULL;
    if (fo.host[0]) {
        client *c = find_replica(fo.host, fo.port);
        if (c && c->repl->state == RS_ONLINE && c->repl->ack_off == m.offset) target = c;
    } else {
        for (size_t i = 0; i < m.nreplicas && !target; i++) {
            replica_info *ri = m.replicas[i]->repl;
            if (ri->state == RS_ONLINE && !ri->online_on_ack && ri->ack_off == m.offset) target = m.replicas[i];
        }
    }
    bool timed_out = fo.end_ms && srv.mstime >= fo.end_ms;
    if (target == NULL && !(timed_out && fo.force)) {
        if (timed_out) failover_abort("Replica never caught up before timeout");
        return;
    }
    if (target) {
        replica_info *ri = target->repl;
        const char *colon = strrchr(target->addr, ':');
        if (ri->ip[0]) snprintf(fo.host, sizeof(fo.host), "%s", ri->ip);
        else snprintf(fo.host, sizeof(fo.host), "%.*s", colon ? (int)(colon - target->addr) : (int)strlen(target->addr),
                      target->addr);
        fo.port = ri->listening_port;
    }
    log_msg(LOG_NOTICE, "Failover target %s:%d is synced, failing over.", fo.host, fo.port);
    fo.state = FO_IN_PROGRESS;
    become_replica(fo.host, fo.port);
}

void cmd_failover(client *c) {
    if (c->argc == 2 && cmd_arg_is(&c->argv[1], "abort")) {
        if (fo.state == FO_NONE) {
            reply_error(c, "ERR No failover in progress.");
            return;
        }
        failover_abort("Failover manually aborted");
        reply_ok(c);
        return;
    }
    long long timeout = 0, port = 0;
    bool force = false;
    const slice *host = NULL;
    for (int j = 1; j < c->argc; j++) {
        if (cmd_arg_is(&c->argv[j], "timeout") && j + 1 < c->argc && timeout == 0) {
            if (!cmd_arg_ll(c, &c->argv[j + 1], &timeout)) return;
            if (timeout <= 0) {
                reply_error(c, "ERR FAILOVER timeout must be greater than 0");
                return;
            }
            j++;
        } else if (cmd_arg_is(&c->argv[j], "to") && j + 2 < c->argc && !host) {
            if (!cmd_arg_ll(c, &c->argv[j + 2], &port)) return;
            host = &c->argv[j + 1];
            j += 2;
        } else if (cmd_arg_is(&c->argv[j], "force") && !force) {
            force = true;
        } else {
            reply_error(c, "ERR syntax error");
            return;
        }
    }
    if (fo.state != FO_NONE) {
        reply_error(c, "ERR FAILOVER already in progress.");
        return;
    }
    if (srv.is_replica) {
        reply_error(c, "ERR FAILOVER is not valid when server is a replica.");
        return;
    }
    if (m.nreplicas == 0) {
        reply_error(c, "ERR FAILOVER requires connected replicas.");
        return;
    }
    if (force && (!timeout || !host)) {
        reply_error(c, "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
        return;
    }
    fo.host[0] = '\0';
    if (host) {
        snprintf(fo.host, sizeof(fo.host), "%.*s", (int)host->len, host->ptr);
        client *r = find_replica(fo.host, (int)port);
        if (r == NULL) {
            reply_error(c, "ERR FAILOVER target HOST and PORT is not a replica.");
            return;
        }
        if (r->repl->state != RS_ONLINE) {
            reply_error(c, "ERR FAILOVER target replica is not online.");
            return;
        }
        fo.port = (int)port;
        log_msg(LOG_NOTICE, "FAILOVER requested to %s:%d.", fo.host, fo.port);
    } else {
        log_msg(LOG_NOTICE, "FAILOVER requested to any replica.");
    }
    fo.end_ms = timeout ? srv.mstime + timeout : 0;
    fo.force = force;
    fo.state = FO_WAIT_FOR_SYNC;
    /* Writes wait (CLIENT PAUSE WRITE) until the roles are swapped. */
    srv.pause_type = srv.pause_type > 1 ? srv.pause_type : 1;
    srv.pause_end_ms = LLONG_MAX;
    reply_ok(c);
}

/* ---- REPLICAOF / ROLE ---- */

static void become_master(void) {
    if (!srv.is_replica) return;
    log_msg(LOG_NOTICE, "MASTER MODE enabled (user request)");
    if (r.master) {
        /* Closed, still typed master (CLIENT KILL TYPE normal skips it). */
        client *c = r.master;
        r.master = NULL;
        client_close_async(c);
    }
    close_link_fd();
    mem_free(r.host);
    r.host = NULL;
    r.state = L_NONE;
    r.have_cached = false;
    r.refused = false;
    r.refused_reason[0] = '\0';
    srv.is_replica = false;
    log_set_role('M');
    /* Our history goes on under a new id; sub-replicas reconnect and
     * continue with the old one as replid2. */
    shift_replid();
    disconnect_replicas();
    m.seldb = -1;
    m.no_replicas_since_ms = srv.mstime;   /* the backlog's ttl starts now */
    if (m.bl == NULL) backlog_create();
}

static void become_replica(const char *host, int port) {
    bool was_master = !srv.is_replica;
    if (r.master) {
        client *c = r.master;
        repl_client_freed(c);   /* caches the state for PSYNC; r.master is NULL now */
        client_close_async(c);
    }
    close_link_fd();
    mem_free(r.host);
    r.host = mem_strdup(host);
    r.port = port;
    srv.is_replica = true;
    log_set_role('S');
    if (was_master) {
        /* PSYNC with our own history: a promoted peer may continue it. */
        r.have_cached = true;
        r.cached_db = m.seldb >= 0 ? m.seldb : 0;
    }
    /* Blocked clients would wait for writes that can't come now. */
    r.state = L_CONNECT;
    r.connect_after_ms = 0;
    r.link_down_since = srv.mstime / 1000;
    r.guard_armed = false;   /* the operator chose this master */
    r.refused = false;
    r.refused_reason[0] = '\0';
    if (r.host) link_connect();
}

static void replicaof(client *c) {
    if (cmd_arg_is(&c->argv[1], "no") && cmd_arg_is(&c->argv[2], "one")) {
        if (srv.is_replica) {
            become_master();
            log_msg(LOG_NOTICE, "MASTER MODE enabled (user request from 'id=%llu addr=%s')",
                    (unsigned long long)c->id, c->addr);
        }
        reply_ok(c);
        return;
    }
    if (c->flags & CLIENT_REPLICA) {
        reply_error(c, "ERR Command is not valid when client is a replica.");
        return;
    }
    long long port;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &port) || port < 0 || port > 65535) {
        reply_error(c, "ERR Invalid master port");
        return;
    }
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
    if (srv.is_replica && r.host && !strcasecmp(r.host, host) && r.port == port) {
        log_msg(LOG_NOTICE, "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        /* castor: an explicit command lifts the empty-master guard. */
        if (r.refused) {
            log_msg(LOG_NOTICE, "Empty-master guard lifted by REPLICAOF: the next sync may replace our data.");
            r.guard_armed = false;
            r.refused = false;
            r.refused_reason[0] = '\0';
            r.connect_after_ms = 0;
        }
        reply_simple(c, "OK Already connected to specified master");
        return;
    }
    become_replica(host, (int)port);
    log_msg(LOG_NOTICE, "REPLICAOF %s:%d enabled (user request from 'id=%llu addr=%s')", host, (int)port,
            (unsigned long long)c->id, c->addr);
    reply_ok(c);
}

void cmd_replicaof(client *c) { replicaof(c); }
void cmd_slaveof(client *c) { replicaof(c); }

static const char *link_state_name(void) {
    switch (r.state) {
    case L_NONE: return "none";
    case L_CONNECT: return "connect";
    case L_CONNECTING: return "connecting";
    case L_PONG:
    case L_HANDSHAKE:
    case L_PSYNC: return "handshake";
    case L_BULK_HDR:
    case L_TRANSFER: return "sync";
    case L_CONNECTED: return "connected";
    }
    return "unknown";
}

void cmd_role(client *c) {
    if (srv.is_replica) {
        reply_array(c, 5);
        reply_bulk_cstr(c, "slave");
        reply_bulk_cstr(c, r.host);
        reply_int(c, r.port);
        reply_bulk_cstr(c, link_state_name());
        reply_int(c, r.master ? m.offset : -1);
        return;
    }
    reply_array(c, 3);
    reply_bulk_cstr(c, "master");
    reply_int(c, m.offset);
    void *node = reply_defer(c);
    long long n = 0;
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *s = m.replicas[i];
        replica_info *ri = s->repl;
        if (ri->state != RS_ONLINE) continue;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(s->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - s->addr) : (int)strlen(s->addr), s->addr);
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
    if (cfg.replicaof && cfg.replicaof[0]) {
        char host[256];
        int port;
        if (sscanf(cfg.replicaof, "%255s %d", host, &port) == 2) {
            r.host = mem_strdup(host);
            r.port = port;
            r.state = L_CONNECT;
            srv.is_replica = true;
            log_set_role('S');
            r.link_down_since = srv.mstime / 1000;
        }
    }
}

const char *repl_config_master(void) {
    static char buf[700];
    if (!srv.is_replica || r.host == NULL) return NULL;
    snprintf(buf, sizeof(buf), "%s %d", r.host, r.port);
    return buf;
}

void repl_loaded(const rdb_info *info) {
    if (info->repl_id[0] == '\0' || strlen(info->repl_id) != 40 || info->repl_offset < 0) return;
    memcpy(srv.replid, info->repl_id, 41);
    m.offset = info->repl_offset;
    if (srv.is_replica) {
        r.have_cached = true;
        r.cached_db = info->repl_stream_db >= 0 ? info->repl_stream_db : 0;
        r.guard_armed = true;
    } else {
        /* A restarted master keeps its history: replicas at exactly our
         * offset continue. */
        backlog_create();
    }
    log_msg(LOG_NOTICE, "Restoring replication ID %s and offset %lld from the RDB file", srv.replid, m.offset);
}

void repl_fill_rdb_info(rdb_info *info) {
    if (srv.is_replica) {
        if (!r.master && !r.have_cached) return;
        memcpy(info->repl_id, srv.replid, 41);
        info->repl_offset = m.offset;
        info->repl_stream_db = r.master ? r.master->dbid : r.cached_db;
    } else {
        if (m.bl == NULL) return;
        memcpy(info->repl_id, srv.replid, 41);
        info->repl_offset = m.offset;
        info->repl_stream_db = m.seldb >= 0 ? m.seldb : 0;
    }
}

/* ---- Cron ---- */

static void count_good_replicas(void) {
    int good = 0;
    for (size_t i = 0; i < m.nreplicas; i++) {
        replica_info *ri = m.replicas[i]->repl;
        if (ri->state == RS_ONLINE && srv.mstime - ri->ack_ms <= (long long)cfg.min_replicas_max_lag * 1000)
            good++;
    }
    m.good_replicas = good;
}

static void replica_side_cron(void) {
    long long timeout = (long long)cfg.repl_timeout * 1000;
    switch (r.state) {
    case L_CONNECT:
        if (srv.mstime >= r.connect_after_ms) link_connect();
        break;
    case L_CONNECTING:
    case L_PONG:
    case L_HANDSHAKE:
    case L_PSYNC:
    case L_BULK_HDR:
        if (srv.mstime - r.last_io_ms > timeout) link_cancel("Timeout connecting to the MASTER...");
        break;
    case L_TRANSFER:
        if (srv.mstime - r.last_io_ms > timeout)
            link_cancel("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        break;
    case L_CONNECTED:
        if (r.master && srv.mstime - r.master->last_interaction_ms > timeout) {
            log_msg(LOG_WARNING, "MASTER timeout: no data nor PING received...");
            client *c = r.master;
            client_close_async(c);
        } else {
            send_ack();
        }
        break;
    default:
        break;
    }
}

void repl_cron(void) {
    static long long last_second_ms;
    bool second = srv.mstime - last_second_ms >= 1000;
    if (second) last_second_ms = srv.mstime;
    if (srv.is_replica && second) replica_side_cron();
    if (srv.is_replica && r.state == L_CONNECT && srv.mstime >= r.connect_after_ms) link_connect();
    start_pending_syncs();
    if (m.nwaiters) check_waiters();
    if (fo.state != FO_NONE) failover_step();
    if (!second) return;
    /* The master pings its replicas so they can detect a dead link. */
    /* Not while clients are paused: FAILOVER waits for the offset to stand still. */
    if (!srv.is_replica && m.nreplicas && !srv.pause_type &&
        srv.mstime - m.last_ping_ms >= (long long)cfg.repl_ping_replica_period * 1000) {
        m.last_ping_ms = srv.mstime;
        slice ping = slice_of("PING", 4);
        feed_command(-1, 1, &ping);
    }
    long long timeout = (long long)cfg.repl_timeout * 1000;
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        /* Newlines keep a replica waiting for its snapshot from timing out. */
        if ((ri->state == RS_WAIT_BGSAVE_START || (ri->state == RS_WAIT_BGSAVE_END && !ri->diskless)) &&
            !(c->flags & CLIENT_CLOSE_ASAP))
            write_all_nb(c->fd, "\n", 1);
        if (ri->in_pipe && !(c->flags & CLIENT_CLOSE_ASAP) && srv.mstime - ri->last_write_ms > timeout) {
            /* It stopped reading: the others and the child must not wait. */
            log_msg(LOG_WARNING, "Disconnecting timedout replica (full sync): %s", replica_name(c));
            ri->in_pipe = false;
            ev_del(c->fd, EV_WRITE);
            client_close_async(c);
            if (m.pipe_rfd != -1) replica_pipe_writable(-1, NULL, 0);
            continue;
        }
        if (ri->state == RS_ONLINE && !ri->online_on_ack && srv.mstime - ri->ack_ms > timeout) {
            log_msg(LOG_WARNING, "Disconnecting timedout replica (streaming sync): %s", replica_name(c));
            client_close_async(c);
        }
    }
    count_good_replicas();
    if (!srv.is_replica && m.nreplicas == 0 && m.bl && cfg.repl_backlog_ttl > 0 &&
        srv.mstime - m.no_replicas_since_ms > (long long)cfg.repl_backlog_ttl * 1000) {
        new_replid();
        clear_replid2();
        backlog_drop();
        log_msg(LOG_NOTICE, "Replication backlog freed after %d seconds without connected replicas.",
                cfg.repl_backlog_ttl);
    }
}

void repl_before_sleep(void) {
    if (m.getack_pending && m.nreplicas && !srv.pause_type) {
        slice a[3] = {slice_of("REPLCONF", 8), slice_of("GETACK", 6), slice_of("*", 1)};
        feed_command(-1, 3, a);
    }
    m.getack_pending = false;
    /* Clients WAIT released: run what they pipelined after it. */
    while (m.nresume) {
        client *c = m.resume[--m.nresume];
        if (c && !(c->flags & (CLIENT_BLOCKED | CLIENT_CLOSE_ASAP))) client_process_input(c);
    }
}

/* ---- INFO ---- */

str *repl_info(str *s) {
    s = str_catfmt(s, "role:%s\r\n", srv.is_replica ? "slave" : "master");
    if (srv.is_replica) {
        long long last_io = r.master ? (srv.mstime - r.master->last_interaction_ms) / 1000
                                     : (srv.mstime - r.last_io_ms) / 1000;
        bool syncing = r.state == L_TRANSFER || r.state == L_BULK_HDR;
        s = str_catfmt(s,
                       "master_host:%s\r\n"
                       "master_port:%d\r\n"
                       "master_link_status:%s\r\n"
                       "master_last_io_seconds_ago:%lld\r\n"
                       "master_sync_in_progress:%d\r\n"
                       "slave_read_repl_offset:%lld\r\n"
                       "slave_repl_offset:%lld\r\n",
                       r.host, r.port, r.state == L_CONNECTED ? "up" : "down",
                       r.master || r.fd != -1 ? last_io : -1, syncing ? 1 : 0, m.offset, m.offset);
        if (r.state == L_TRANSFER) {
            double perc = r.size > 0 ? (double)r.received * 100 / (double)r.size : 0;
            s = str_catfmt(s,
                           "master_sync_total_bytes:%lld\r\n"
                           "master_sync_read_bytes:%lld\r\n"
                           "master_sync_left_bytes:%lld\r\n"
                           "master_sync_perc:%.2f\r\n"
                           "master_sync_last_io_seconds_ago:%lld\r\n",
                           r.size, r.received, r.size >= 0 ? r.size - r.received : -1, perc,
                           (srv.mstime - r.last_io_ms) / 1000);
        }
        if (r.state != L_CONNECTED)
            s = str_catfmt(s, "master_link_down_since_seconds:%lld\r\n",
                           r.link_down_since ? srv.mstime / 1000 - r.link_down_since : -1);
        s = str_catfmt(s,
                       "slave_priority:%d\r\n"
                       "slave_read_only:%d\r\n"
                       "replica_announced:%d\r\n",
                       cfg.replica_priority, cfg.replica_read_only ? 1 : 0, cfg.replica_announced ? 1 : 0);
    }
    s = str_catfmt(s, "connected_slaves:%zu\r\n", m.nreplicas);
    if (cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0)
        s = str_catfmt(s, "min_slaves_good_slaves:%d\r\n", m.good_replicas);
    int k = 0;
    for (size_t i = 0; i < m.nreplicas; i++) {
        client *c = m.replicas[i];
        replica_info *ri = c->repl;
        const char *state = ri->state == RS_ONLINE ? (ri->online_on_ack ? "send_bulk" : "online")
                            : ri->state == RS_SEND_BULK ? "send_bulk"
                                                        : "wait_bgsave";
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(c->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - c->addr) : (int)strlen(c->addr), c->addr);
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
                   fo.state == FO_NONE ? "no-failover"
                   : fo.state == FO_WAIT_FOR_SYNC ? "waiting-for-sync"
                                                  : "failover-in-progress",
                   srv.replid, m.replid2, m.offset, m.second_offset, m.bl ? 1 : 0,
                   cfg.repl_backlog_size, m.bl ? backlog_first_offset(m.bl) : 0,
                   m.bl ? m.bl->histlen : (size_t)0);
    /* castor: syncs made visible (docs/REPLICATION.md). */
    s = str_catfmt(s,
                   "full_sync_phase:%s\r\n"
                   "full_sync_bytes_sent:%lld\r\n"
                   "full_sync_bytes_total:%lld\r\n"
                   "last_full_sync_reason:%s\r\n",
                   m.phase, m.sent_bytes, m.total_bytes, m.last_reason);
    if (srv.is_replica) {
        const char *phase = r.refused ? "refused"
                            : r.state == L_CONNECT ? "none"
                            : r.state == L_CONNECTING ? "connecting"
                            : r.state == L_TRANSFER || r.state == L_BULK_HDR ? "transfer"
                            : r.state == L_CONNECTED ? "online"
                                                     : "handshake";
        s = str_catfmt(s,
                       "master_sync_phase:%s\r\n"
                       "master_sync_bytes_received:%lld\r\n"
                       "master_sync_bytes_total:%lld\r\n"
                       "master_last_full_sync_reason:%s\r\n"
                       "master_sync_refused:%d\r\n"
                       "master_sync_refused_reason:%s\r\n",
                       phase, r.received, r.size, r.last_full_reason, r.refused ? 1 : 0,
                       r.refused_reason);
    }
    return s;
}

void repl_sync_stats(long long out[3]) {
    out[0] = m.sync_full;
    out[1] = m.sync_partial_ok;
    out[2] = m.sync_partial_err;
}

void repl_reset_stats(void) {
    m.sync_full = m.sync_partial_ok = m.sync_partial_err = 0;
}
