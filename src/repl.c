/* repl.c -- replication: what both roles share (offsets, replication IDs,
 * the backlog and the stream, history adopted from a file, the cron, INFO
 * replication) and the master side's checks (min-replicas-to-write,
 * shutdown). The master side's other files are repl_sync.c (a replica's
 * handshake and sync), repl_ack.c (WAIT, the durability mode) and
 * repl_role.c (REPLICAOF, ROLE, FAILOVER); the replica's link to its
 * master is repl_link.c; they share repl_int.h; docs/REPLICATION.md is the
 * contract.
 *
 * Master side. Every effect of our own dataset (propagate.c) is encoded
 * once as RESP, with a SELECT when the db changes, and appended once to
 * the replication buffer (backlog.c), which every replica reads through
 * its own position (reply.c writes a replica's replies, then its stream:
 * repl_write_stream). A replica in a full sync is held at the snapshot's
 * offset by repl_sync.c until its snapshot went out.
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
#include "repl.h"
#include "repl_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>

#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "propagate.h"
#include "resp.h"
#include "server.h"
#include "util.h"

/* ---- State: the master side's, shared by its files (repl_int.h) ---- */

struct repl_master_state repl_ms = {.second_offset = -1, .seldb = -1, .replid2 = ZERO_REPLID};

/* ---- Helpers ---- */

const char *repl_replica_name(client *c) {
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
void repl_shift_replid(void) {
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
        /* A plain socket that took less is full. A TLS write takes at most
         * one record (16 KB: partial writes are on): go on until it says
         * EAGAIN, or a TLS replica would get one record a loop turn and
         * its stream would pile up here under a burst (see
         * test_tls_replica_stream_written_until_the_socket_is_full). A
         * record left half-written at a full socket would make OpenSSL
         * fail a KeyUpdate from the replica (see write_some() in reply.c);
         * replicas, Redis's included, send none. */
        if ((size_t)w < total && c->tls == NULL) return 0;
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

void repl_disconnect_replicas(void) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) client_close_async(repl_ms.replicas[i]);
}

void repl_write_all_nb(int fd, tls_conn *t, const char *p, size_t len) {
    /* Nobody retries these (a keepalive, a line into an empty socket); a
     * dead socket shows on the next read. Over TLS a record the socket
     * took only in part must not be owed to the next write. */
    if (t) {
        tls_write_detached(t, p, len);
        return;
    }
    ssize_t n = conn_write(fd, t, p, len);
    (void)n;
}

/* ---- Shutdown ---- */

/* Is this link a replica as INFO and SHUTDOWN count them? A split sync's
 * two links are one replica: the stream link is not listed until it goes
 * online, and the snapshot link no longer once it has (it only finishes
 * sending the snapshot's last bytes, then closes). */
static bool listed(const replica_info *ri) {
    return ri->state != RS_STREAM && !ri->close_when_sent;
}

bool repl_replicas_in_sync(void) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        const replica_info *ri = repl_ms.replicas[i]->repl;
        if (listed(ri) && ri->ack_off != repl_ms.offset) return false;
    }
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

void repl_log_shutdown_state(void) {
    int lagging = 0, n = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!listed(ri)) continue;
        n++;
        if (ri->ack_off == repl_ms.offset) continue;
        lagging++;
        long long lag = ri->state == RS_ONLINE ? (srv.mstime - ri->ack_ms) / 1000 : 0;
        log_msg(LOG_WARNING,
                "Lagging replica %s reported offset %lld behind master, lag=%lld, state=%s.",
                repl_replica_name(c), repl_ms.offset - ri->ack_off, lag, repl_sync_state_name(ri));
    }
    if (n) log_msg(LOG_NOTICE, "%d of %d replicas are in sync when shutting down.", n - lagging, n);
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
    if ((cmd_flags & CMD_WRITE) && repl_ack_refuses_write()) return ERR_NOREPLICAS;
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
    repl_ack_client_freed(c);
    if (c->repl) repl_sync_replica_freed(c);
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

void repl_count_good_replicas(void) {
    int good = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        replica_info *ri = repl_ms.replicas[i]->repl;
        if (ri->state == RS_ONLINE &&
            srv.mstime - ri->ack_ms <= (long long)cfg.min_replicas_max_lag * 1000)
            good++;
    }
    repl_ms.good_replicas = good;
}

void repl_min_replicas_changed(void) { repl_count_good_replicas(); }

void repl_cron(void) {
    static long long last_second_ms;
    bool second = srv.mstime - last_second_ms >= 1000;
    if (second) last_second_ms = srv.mstime;
    if (srv.is_replica && second) repl_link_cron();
    if (srv.is_replica) repl_link_retry();
    repl_sync_cron();
    repl_ack_check_waiters();
    if (repl_failover_pending()) repl_failover_step();
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
        if (repl_sync_replica_tick(c, timeout)) continue;
        /* As Redis, one that loads its snapshot too (online_on_ack): a
         * live replica sends a newline every second meanwhile. */
        if (ri->state == RS_ONLINE && srv.mstime - repl_replica_heard_ms(c) > timeout) {
            log_msg(LOG_WARNING, "Disconnecting timedout replica (streaming sync): %s",
                    repl_replica_name(c));
            client_close_async(c);
        }
    }
    repl_count_good_replicas();
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
    repl_ack_before_sleep();
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
        if (!listed(repl_ms.replicas[i]->repl)) nlinks++;
    s = str_catfmt(s, "connected_slaves:%zu\r\n", repl_ms.nreplicas - nlinks);
    if (cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0)
        s = str_catfmt(s, "min_slaves_good_slaves:%d\r\n", repl_ms.good_replicas);
    int k = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        if (!listed(ri)) continue;
        const char *state = repl_sync_state_name(ri);
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
                   repl_failover_state_name(), srv.replid, repl_ms.replid2, repl_ms.offset,
                   repl_ms.second_offset, repl_ms.bl ? 1 : 0, cfg.repl_backlog_size,
                   repl_ms.bl ? backlog_first_offset(repl_ms.bl) : 0,
                   repl_ms.bl ? repl_ms.bl->histlen : (size_t)0);
    /* castor: syncs made visible (docs/REPLICATION.md). */
    s = repl_sync_info(s, nlinks);
    if (srv.is_replica) s = repl_link_info_sync(s);
    return s;
}
