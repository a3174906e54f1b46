/* repl_sync.c -- a replica's handshake and sync, on the master: REPLCONF,
 * SYNC/PSYNC, the partial resync from the backlog, the full sync's
 * snapshot by disk or diskless, and castor's split sync.
 *
 * A replica in a full sync has CLIENT_REPL_HOLD: its position in the
 * replication buffer stays at the fork's offset + 1 (pinning the stream
 * from there) until the snapshot went out (by disk: the file by
 * sendfile(), while the child still writes it for replicas that read an
 * EOF mark; diskless: the child's pipe, relayed here to every replica of
 * that snapshot), so the stream continues exactly at the offset announced
 * in +FULLRESYNC. One snapshot serves every replica that waits when it
 * starts; a replica that arrives during a disk BGSAVE for replication
 * shares it. castor's split sync moves the stream of a full sync to a
 * second link at once (docs/REPLICATION.md "Full syncs that finish").
 * Each replica's state is its client's replica_info (repl_int.h); this
 * file adds and removes replicas, the others read them.
 * Not here: the stream itself and the backlog (repl.c), WAIT (repl_ack.c),
 * the replica's side (repl_link.c). docs/REPLICATION.md is the contract.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* pipe2 */
#include "repl.h"
#include "repl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arg.h"
#include "child.h"
#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "errors.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

#define BULK_CHUNK (64 * 1024)

/* ---- State: the snapshots being served ---- */

static struct {
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
    /* Stats and the visible sync state. */
    long long sync_full, sync_partial_ok, sync_partial_err;
    const char *phase; /* none, waiting, bgsave, transfer */
    long long sent_bytes, total_bytes;
    const char *last_reason;
} repl_ss = {.pipe_rfd = -1, .tail_fd = -1, .phase = "none", .last_reason = "none"};

static void start_pending_syncs(void);
static void tail_maybe_finish(void);

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

static void remove_replica(client *c) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        if (repl_ms.replicas[i] == c) {
            repl_ms.replicas[i] = repl_ms.replicas[--repl_ms.nreplicas];
            break;
        }
    }
    srv.nreplicas = repl_ms.nreplicas;
    if (repl_ms.nreplicas == 0) repl_ms.no_replicas_since_ms = srv.mstime;
    repl_count_good_replicas();
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
    repl_count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
    hold(c, false);
    repl_count_good_replicas();
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", repl_replica_name(c));
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
    ri->split = ri->capa_stream && !ri->old_sync && (lim->hard || lim->soft);
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
    ri->last_write_ms = srv.mstime; /* its silence counts from here */
    log_msg(LOG_NOTICE,
            "Snapshot transfer to replica %s succeeded; its stream goes through its stream link",
            repl_replica_name(c));
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
            repl_replica_name(c), off);
}

/* The stream link's first ACK: its replica loaded the snapshot. */
static void stream_link_online(client *c) {
    replica_info *ri = c->repl;
    ri->state = RS_ONLINE;
    repl_count_good_replicas();
    log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded", repl_replica_name(c));
    client *m = peer_of(ri);
    ri->peer_id = 0;
    if (m && m->repl) {
        m->repl->peer_id = 0;
        m->repl->close_when_sent = true; /* no longer listed as a replica */
        if (m->repl->state == RS_SNAPSHOT_SENT) client_close_async(m);
    }
}

static void fail_replica(client *c, const char *why) {
    log_msg(LOG_WARNING, "%s: closing the link with replica %s", why, repl_replica_name(c));
    client_close_async(c);
}

/* ---- Disk transfer: the file as the child writes it ----
 * Replicas that read "$EOF:" (capa eof) don't need the length first, so
 * they get the snapshot file while the BGSAVE child is still writing it,
 * framed by a random mark; the others wait for the end and get "$<len>".
 * One file serves every replica that arrives during the BGSAVE. */

static off_t tail_available(void) {
    if (repl_ss.tail_fd == -1) return 0;
    if (repl_ss.tail_done) return repl_ss.tail_size;
    struct stat sb;
    return fstat(repl_ss.tail_fd, &sb) == 0 ? sb.st_size : 0;
}

static bool tail_open(void) {
    if (repl_ss.tail_fd != -1) return true;
    char name[64];
    snprintf(name, sizeof(name), "temp-%d.rdb", (int)repl_ss.tail_child); /* rdb.c's temp name */
    repl_ss.tail_fd = open(name, O_RDONLY | O_CLOEXEC);
    return repl_ss.tail_fd != -1;
}

static void send_bulk(int fd, void *data, int mask);

static long long tail_tick(long long id, void *data) {
    (void)id;
    (void)data;
    bool any = false;
    if (repl_ss.tail_fd == -1 && !repl_ss.tail_done) tail_open();
    off_t avail = tail_available();
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->tailing || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        any = true;
        if ((ev_mask(c->fd) & EV_WRITE) == 0 && (ri->bulk_off < avail || repl_ss.tail_done))
            ev_add(c->fd, EV_WRITE, send_bulk, c);
    }
    if (!any) {
        repl_ss.tail_timer = 0;
        return -1;
    }
    return 2;
}

/* Close the file once the child is done and no replica still reads it. */
static void tail_maybe_finish(void) {
    if (!repl_ss.tail_done) return;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->tailing) return;
    if (repl_ss.tail_fd != -1) close(repl_ss.tail_fd);
    repl_ss.tail_fd = -1;
    repl_ss.tail_done = false;
    repl_ss.tail_child = 0;
    repl_ss.phase = "none";
}

static void tail_start(client *c) {
    replica_info *ri = c->repl;
    ri->tailing = true;
    ri->state = RS_SEND_BULK;
    ri->bulk_off = 0;
    ri->mark_sent = 0;
    ri->bulk_pre_len =
        (size_t)snprintf(ri->bulk_pre, sizeof(ri->bulk_pre), "$EOF:%s\r\n", repl_ss.tail_mark);
    ri->bulk_pre_sent = 0;
    if (repl_ss.tail_timer == 0) repl_ss.tail_timer = ev_timer_add(1, tail_tick, NULL);
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
    int src = ri->tailing ? repl_ss.tail_fd : ri->bulk_fd;
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
        repl_ss.sent_bytes += n;
        srv.stat_net_output_bytes += n;
    }
    if (ri->tailing) {
        if (!repl_ss.tail_done || ri->bulk_off < repl_ss.tail_size) {
            ev_del(fd, EV_WRITE); /* the tail timer wakes us when it grows */
            return;
        }
        while (ri->mark_sent < 40) {
            ssize_t n =
                conn_write(fd, c->tls, repl_ss.tail_mark + ri->mark_sent, 40 - ri->mark_sent);
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
        repl_count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
        ri->online_on_ack = true;   /* as diskless: the stream waits for its ACK */
        ri->ack_ms = srv.mstime;    /* it loads from now: its silence counts from here */
        log_msg(
            LOG_NOTICE,
            "Streamed RDB transfer with replica %s succeeded (disk). Waiting for REPLCONF ACK from replica to enable streaming",
            repl_replica_name(c));
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
    if (!more) repl_ss.phase = "none";
}

static void disk_snapshot_done(bool ok) {
    struct stat sb;
    if (repl_ss.tail_child) {
        /* The child renamed its file to dbfilename; our fd still reads it.
         * A tiny snapshot may have been renamed before we opened it. */
        if (ok && repl_ss.tail_fd == -1)
            repl_ss.tail_fd = open(cfg.dbfilename, O_RDONLY | O_CLOEXEC);
        repl_ss.tail_done = true;
        repl_ss.tail_size =
            repl_ss.tail_fd != -1 && fstat(repl_ss.tail_fd, &sb) == 0 ? sb.st_size : 0;
        repl_ss.total_bytes = repl_ss.tail_size;
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *c = repl_ms.replicas[i];
            replica_info *ri = c->repl;
            if (!ri->tailing) continue;
            if (!ok || repl_ss.tail_fd == -1) {
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
        repl_ss.phase = "transfer";
        repl_ss.sent_bytes = 0;
        repl_ss.total_bytes = sb.st_size;
        if (ev_add(c->fd, EV_WRITE, send_bulk, c) == -1) client_close_async(c);
    }
}

/* ---- Diskless transfer: relay the child's pipe ---- */

static void pipe_read(int fd, void *data, int mask);

static void pipe_finish(void) {
    if (repl_ss.pipe_rfd != -1) {
        ev_del(repl_ss.pipe_rfd, EV_READ);
        close(repl_ss.pipe_rfd);
        repl_ss.pipe_rfd = -1;
    }
    mem_free(repl_ss.pipe_buf);
    repl_ss.pipe_buf = NULL;
    repl_ss.pipe_len = 0;
    repl_ss.phase = "none";
}

/* Write the current chunk to each replica still taking it. true when all
 * have it. */
static bool pipe_push(void) {
    bool all = true;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!ri->in_pipe || (c->flags & CLIENT_CLOSE_ASAP)) continue;
        while (ri->pipe_sent < repl_ss.pipe_len) {
            ssize_t n = conn_write(c->fd, c->tls, repl_ss.pipe_buf + ri->pipe_sent,
                                   repl_ss.pipe_len - ri->pipe_sent);
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
        if (ri->in_pipe && ri->pipe_sent < repl_ss.pipe_len) all = false;
    }
    return all;
}

static void replica_pipe_writable(int fd, void *data, int mask) {
    (void)mask;
    (void)data;
    if (fd != -1) ev_del(fd, EV_WRITE);
    if (pipe_push()) {
        if (repl_ss.pipe_rfd != -1) ev_add(repl_ss.pipe_rfd, EV_READ, pipe_read, NULL);
    } else {
        for (size_t i = 0; i < repl_ms.nreplicas; i++) {
            client *c = repl_ms.replicas[i];
            replica_info *ri = c->repl;
            if (ri->in_pipe && ri->pipe_sent < repl_ss.pipe_len && !(c->flags & CLIENT_CLOSE_ASAP))
                ev_add(c->fd, EV_WRITE, replica_pipe_writable, c);
        }
    }
}

static void pipe_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    if (repl_ss.pipe_buf == NULL) repl_ss.pipe_buf = mem_alloc(BULK_CHUNK);
    ssize_t n = read(fd, repl_ss.pipe_buf, BULK_CHUNK);
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
                    repl_replica_name(c));
                ri->state = RS_ONLINE;
                repl_count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
                ri->online_on_ack = true;   /* hold the stream until it loaded */
                ri->ack_ms = srv.mstime;    /* its silence counts from here */
            } else {
                client_close_async(c);
            }
        }
        pipe_finish();
        return;
    }
    repl_ss.pipe_len = (size_t)n;
    repl_ss.sent_bytes += n;
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
    if (repl_ss.pipe_rfd == -1) return false;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (repl_ms.replicas[i]->repl->in_pipe && !(repl_ms.replicas[i]->flags & CLIENT_CLOSE_ASAP))
            return false;
    log_msg(LOG_WARNING, "Diskless rdb transfer, last replica dropped, killing fork child.");
    if (child_type() == CHILD_RDB) snapshot_kill_child();
    else pipe_finish(); /* the child is gone already: only its bytes were left */
    return true;
}

bool repl_diskless_transfer_active(void) { return repl_ss.pipe_rfd != -1; }

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
        repl_ss.pipe_rfd = fds[0];
        repl_ss.pipe_len = 0;
        ev_add(repl_ss.pipe_rfd, EV_READ, pipe_read, NULL);
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
    if (child_active() || repl_ss.pipe_rfd != -1) return;
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
    repl_ss.phase = diskless ? "transfer" : "bgsave";
    repl_ss.sent_bytes = 0;
    repl_ss.total_bytes = 0;
    if (!diskless) {
        repl_ss.tail_child = child_pid();
        repl_ss.tail_done = false;
        if (repl_ss.tail_fd != -1) close(repl_ss.tail_fd);
        repl_ss.tail_fd = -1;
        util_random_hex(repl_ss.tail_mark, 40);
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
            repl_replica_name(c), off);
    } else if (!backlog_has(repl_ms.bl, off)) {
        reason = "offset_out_of_backlog";
        log_msg(
            LOG_NOTICE,
            "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
            repl_replica_name(c), off);
        if (off > repl_ms.offset)
            log_msg(
                LOG_WARNING,
                "Warning: replica %s tried to PSYNC with an offset that is greater than the master replication offset.",
                repl_replica_name(c));
    }
    if (reason) {
        repl_ss.last_reason = reason;
        return false;
    }
    replica_info *ri = rinfo(c);
    add_replica(c);
    ri->state = RS_ONLINE;
    ri->ack_ms = srv.mstime;
    repl_count_good_replicas(); /* min-replicas-to-write sees it now, as Redis */
    char buf[128];
    int n = ri->capa_psync2 ? snprintf(buf, sizeof(buf), "+CONTINUE %s\r\n", srv.replid)
                            : snprintf(buf, sizeof(buf), "+CONTINUE\r\n");
    reply_raw(c, buf, (size_t)n);
    backlog_reader_attach(repl_ms.bl, &ri->rd, off);
    size_t sent = backlog_reader_pending(repl_ms.bl, &ri->rd);
    repl_ss.sync_partial_ok++;
    log_msg(
        LOG_NOTICE,
        "Partial resynchronization request from %s accepted. Sending %zu bytes of backlog starting from offset %lld.",
        repl_replica_name(c), sent, off);
    return true;
}

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
        repl_become_master();
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
    log_msg(LOG_NOTICE, "Replica %s asks for synchronization", repl_replica_name(c));
    replica_info *ri = rinfo(c);
    if (psync) {
        long long off;
        char id[41];
        snprintf(id, sizeof(id), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
        if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &off)) {
            log_msg(LOG_WARNING, "Replica %s asks for synchronization but with a wrong offset",
                    repl_replica_name(c));
            reply_error(c, ERR_NOT_INT);
            return;
        }
        if (try_partial(c, id, off)) return;
        if (id[0] != '?') repl_ss.sync_partial_err++;
    } else {
        repl_ss.last_reason = "new_replica";
        ri->capa_psync2 = false;
        /* A filtered RDB goes to the socket only (never the dump file), so
         * such a SYNC client (redis-cli --functions-rdb) keeps its "$EOF:". */
        if (!ri->rdb_exclude) ri->capa_eof = false;
        ri->old_sync = true;
    }
    repl_ss.sync_full++;
    /* The first replica: a fresh history (as Redis), and a backlog. */
    if (repl_ms.bl == NULL && !srv.is_replica) {
        repl_change_replid();
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
    repl_ss.phase = "waiting";
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
            if (ri->capa_eof && repl_ss.tail_child) tail_start(c);
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
                repl_ack_fence_after_silence(c, srv.mstime - ri->getack_ms);
            ri->getack_ms = 0;
            if (off > ri->ack_off) ri->ack_off = off;
            if (ri->ack_off > repl_ms.max_acked && ri->ack_off <= repl_ms.offset)
                repl_ms.max_acked = ri->ack_off;
            ri->ack_ms = srv.mstime;
            if (ri->state == RS_STREAM) stream_link_online(c);
            if (ri->state == RS_ONLINE && ri->online_on_ack) {
                ri->online_on_ack = false;
                hold(c, false);
                repl_count_good_replicas();
                log_msg(LOG_NOTICE, "Synchronization with replica %s succeeded",
                        repl_replica_name(c));
            }
            /* It loaded its snapshot: from now on it answers GETACKs at once. */
            if (ri->state == RS_ONLINE && !ri->online_on_ack) ri->acked_online = true;
            repl_ack_check_waiters();
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

/* ---- Replica states ---- */

/* Does this replica wait for the disk snapshot a child is writing? A
 * replica that reads the file as it grows (castor) still waits for the
 * child: its transfer can't end before the snapshot does. */
static bool waits_for_disk_snapshot(const replica_info *ri) {
    return (ri->state == RS_WAIT_BGSAVE_END && !ri->diskless) ||
           (ri->tailing && !repl_ss.tail_done);
}

const char *repl_sync_state_name(const replica_info *ri) {
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
    if (child_type() != CHILD_RDB || repl_ss.pipe_rfd != -1 || snapshot_has_save_points()) return;
    for (size_t i = 0; i < repl_ms.nreplicas; i++)
        if (waits_for_disk_snapshot(repl_ms.replicas[i]->repl)) return;
    log_msg(LOG_NOTICE,
            "No replica waits for the RDB child's snapshot any more and no save point needs it: "
            "killing the child.");
    snapshot_kill_child();
}

/* The link of a split sync that went silent: the snapshot went out (or
 * it is the stream link) and nothing came from the replica for
 * 'timeout' ms, neither its first ACK nor the newline it sends every
 * second while it receives, checks and loads the snapshot (repl_link.c
 * sync_keepalive). Its replica hangs or the path to it is dead: without
 * this the master kept both links, and the stream the first one pins until
 * the stream link attaches, as long as the output-buffer limit allowed
 * (forever without writes). The sync ends as when either link is lost. */
static bool split_link_timed_out(client *c, long long timeout) {
    replica_info *ri = c->repl;
    if ((ri->state != RS_SNAPSHOT_SENT && ri->state != RS_STREAM) || (c->flags & CLIENT_CLOSE_ASAP))
        return false;
    client *peer = peer_of(ri);
    /* While its snapshot still flows through a diskless relay, the relay's
     * rule decides (a replica that holds back the current chunk times out,
     * "full sync", as in Redis); once the snapshot went out, this one. */
    if (peer && peer->repl && peer->repl->in_pipe) return false;
    long long heard = repl_replica_heard_ms(c);
    if (ri->state == RS_SNAPSHOT_SENT && ri->last_write_ms > heard) heard = ri->last_write_ms;
    if (srv.mstime - heard <= timeout) return false;
    log_msg(LOG_WARNING, "Disconnecting timedout replica (full sync %s link): %s",
            ri->state == RS_STREAM ? "stream" : "snapshot", repl_replica_name(c));
    if (peer && peer->repl) {
        peer->repl->peer_id = 0;
        ri->peer_id = 0;
        fail_replica(peer, "The other link of its full sync was lost");
    }
    client_close_async(c);
    return true;
}

/* ---- Cron ---- */

void repl_sync_cron(void) {
    pipe_abandoned();
    start_pending_syncs();
}

bool repl_sync_replica_tick(client *c, long long timeout) {
    replica_info *ri = c->repl;
    if (split_link_timed_out(c, timeout)) return true;
    /* Newlines keep a replica waiting for its snapshot from timing out. */
    if ((ri->state == RS_WAIT_BGSAVE_START || (ri->state == RS_WAIT_BGSAVE_END && !ri->diskless)) &&
        !(c->flags & CLIENT_CLOSE_ASAP))
        repl_write_all_nb(c->fd, c->tls, "\n", 1);
    /* Only a replica that holds back the current chunk (Redis's
     * partial write) can time out: one that took it all waits for the
     * slow one, like the child. */
    if (ri->in_pipe && !(c->flags & CLIENT_CLOSE_ASAP) && ri->pipe_sent < repl_ss.pipe_len &&
        srv.mstime - ri->last_write_ms > timeout) {
        /* It stopped reading: the others and the child must not wait. */
        log_msg(LOG_WARNING, "Disconnecting timedout replica (full sync): %s",
                repl_replica_name(c));
        ri->in_pipe = false;
        ev_del(c->fd, EV_WRITE);
        client_close_async(c);
        if (repl_ss.pipe_rfd != -1) replica_pipe_writable(-1, NULL, 0);
        return true;
    }
    return false;
}

/* ---- A replica leaves ---- */

void repl_sync_replica_freed(client *c) {
    replica_info *ri = c->repl;
    if (repl_ms.bl) backlog_reader_detach(repl_ms.bl, &ri->rd);
    if (ri->is_replica) {
        if (ri->split && ri->state == RS_SNAPSHOT_SENT)
            log_msg(LOG_NOTICE, "Snapshot link of replica %s closed.", repl_replica_name(c));
        else log_msg(LOG_NOTICE, "Connection with replica %s lost.", repl_replica_name(c));
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
    if (was_in_pipe && repl_ss.pipe_rfd != -1 && !pipe_abandoned())
        replica_pipe_writable(-1, NULL, 0);
    if (was_tailing) tail_maybe_finish();
    if (waited_for_disk) drop_unneeded_disk_snapshot();
}

/* ---- INFO ---- */

str *repl_sync_info(str *s, size_t nlinks) {
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
                   repl_ss.phase, repl_ss.sent_bytes, repl_ss.total_bytes, repl_ss.last_reason,
                   nlinks, where, held);
    return s;
}

void repl_sync_stats(long long out[3]) {
    out[0] = repl_ss.sync_full;
    out[1] = repl_ss.sync_partial_ok;
    out[2] = repl_ss.sync_partial_err;
}

void repl_reset_stats(void) {
    repl_ss.sync_full = repl_ss.sync_partial_ok = repl_ss.sync_partial_err = 0;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command repl_sync_commands[] = {
    {.name = "replconf", .proc = cmd_replconf, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "psync", .proc = cmd_psync, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "sync", .proc = cmd_sync, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
