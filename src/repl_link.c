/* repl_link.c -- the replica side of replication: the non-blocking link
 * to our master (connect, PING, AUTH, REPLCONF, PSYNC), the transfer of
 * its snapshot (to a temp file checked by CRC64 as it arrives, or parsed
 * straight from the socket when there is nothing to keep), replacing the
 * dataset, the empty-master guard, and the client that applies the
 * master's stream and ACKs it. The master side is repl.c, repl_sync.c,
 * repl_ack.c and repl_role.c; what they ask each other is in repl_int.h. docs/REPLICATION.md is the contract.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "repl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof.h"
#include "child.h"
#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "crc64.h"
#include "db.h"
#include "function.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "repl.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

#define REFUSED_RETRY_MS 5000

/* ---- State: the link (repl_int.h has the master side's) ---- */

typedef enum {
    L_NONE,       /* not a replica */
    L_CONNECT,    /* must (re)connect */
    L_CONNECTING, /* TCP connect in progress */
    L_TLS,        /* TLS handshake in progress (tls-replication) */
    L_PONG,       /* waiting for the PING reply */
    L_HANDSHAKE,  /* waiting for AUTH / REPLCONF replies */
    L_PSYNC,      /* waiting for the PSYNC reply */
    L_BULK_HDR,   /* waiting for "$len" or "$EOF:mark" */
    L_TRANSFER,   /* receiving the payload */
    L_CONNECTED,  /* the master client applies the stream */
} lstate;

struct repl_link_state {
    char *host;
    int port;
    lstate state;
    int fd;
    tls_conn *tls; /* tls-replication: the link's TLS, else NULL */
    str *rbuf;
    int pending;       /* handshake replies still expected */
    bool auth_pending; /* the first of them answers AUTH */
    client *master;
    long long last_io_ms;
    long long link_down_since;     /* s, 0: never up or up */
    long long last_master_data_ms; /* when the master client last sent data, kept at its free */
    long long connect_after_ms;
    /* What PSYNC asks for. */
    bool have_cached;
    int cached_db;
    /* The transfer. */
    char new_replid[41];
    long long new_offset;
    int tmp_fd;
    char tmp_name[512];
    long long size; /* -1: EOF-marked */
    long long received;
    char mark[41];
    char tail[40]; /* last bytes received (EOF-marked) */
    size_t tail_len;
    /* CRC64 of the payload as it arrives, lagging by the footer (and the
     * EOF mark): it is checked before anything is replaced. */
    uint64_t crc;
    char lag[48];
    size_t lag_len;
    int tee_fd; /* parsing from the socket: copy to this file */
    long long sync_start_ms;
    const char *asked; /* what the last PSYNC asked: first_sync or a partial */
    const char *last_full_reason;
    /* A MULTI block applied but not yet fed (until its EXEC). */
    str *multi_buf;
    /* castor's split sync: the master sends the stream on a second link
     * while the snapshot transfers; we buffer it (memory up to
     * replica-sync-buffer-size, then a file in dir) and apply it after
     * loading the snapshot. */
    bool split;
    unsigned long long split_id;        /* the first link's client id on the master */
    int sfd;                            /* the stream link, -1: none */
    tls_conn *stls;                     /* its TLS when the first link has one (ours until
                                           the master client takes it: then borrowed) */
    bool s_more;                        /* the last pump stopped with bytes left to read */
    int s_state;                        /* SL_* */
    int s_pending;                      /* handshake replies before PSYNC's */
    str *s_rbuf;                        /* its handshake replies */
    struct sb_chunk *sb_head, *sb_tail; /* the stream buffered in memory */
    long long s_mem;                    /* bytes held there */
    int sfile_fd;                       /* then in this file */
    char sfile_name[64];
    off_t sfile_pos;           /* applied up to here */
    long long s_total, s_file; /* bytes buffered, of which in the file */
    long long s_applied;       /* of them applied */
    long long apply_timer;
    bool transfer_waiting; /* the payload arrived before the stream link was up */
    bool s_loading;        /* loading the snapshot: a lost link can't cancel now */
    bool s_applying;       /* applying the buffer: the link is the master client's */
    bool from_master;      /* we were a master: our history may hold unacknowledged writes */
    /* The empty-master guard. */
    bool guard_armed;
    /* The history our master's (castor) last full sync payload said it
     * continues (aux castor-repl-id2), when that was ours: our snapshots
     * pass it on, so our own replicas of that history accept our data
     * even when it is empty. */
    char lineage[41];
    bool refused;
    char refused_reason[160];
    /* Full syncs that ended before their payload replaced anything (the
     * dataset kept): how many, and why the last one did (NULL: none since
     * the last full sync that finished). abort_reason: set by the failing
     * path just before link_cancel(). */
    long long syncs_aborted;
    const char *last_abort;
    const char *abort_reason;
};

enum { SL_NONE, SL_CONNECTING, SL_TLS, SL_HANDSHAKE, SL_STREAMING, SL_APPLYING };

/* The memory part of the buffer: a list of blocks, freed as applied. */
#define SB_CHUNK (1024 * 1024)
typedef struct sb_chunk {
    struct sb_chunk *next;
    size_t len, pos; /* filled, applied */
    char data[SB_CHUNK];
} sb_chunk;

static struct repl_link_state repl_ls = {.state = L_NONE,
                                         .fd = -1,
                                         .tmp_fd = -1,
                                         .tee_fd = -1,
                                         .sfd = -1,
                                         .sfile_fd = -1,
                                         .asked = "",
                                         .last_full_reason = "none"};

static void transfer_done(void);
static void socket_load(bool tee);

/* ---- Replica side: the link ---- */

static void sb_free_all(void) {
    while (repl_ls.sb_head) {
        sb_chunk *k = repl_ls.sb_head;
        repl_ls.sb_head = k->next;
        mem_free(k);
    }
    repl_ls.sb_tail = NULL;
    repl_ls.s_mem = 0;
}

/* Close *fd (its events first); -1 after. */
static void close_ev_fd(int *fd) {
    if (*fd == -1) return;
    ev_del(*fd, EV_READ | EV_WRITE);
    close(*fd);
    *fd = -1;
}

/* Close *fd and remove the temp file it wrote. */
static void close_unlink(int *fd, const char *name) {
    if (*fd == -1) return;
    close(*fd);
    *fd = -1;
    unlink(name);
}

/* Close the stream link while it is ours (its TLS session first). */
static void stream_link_close(void) {
    tls_free(repl_ls.stls);
    repl_ls.stls = NULL;
    close_ev_fd(&repl_ls.sfd);
}

static void stream_link_reset(void) {
    if (repl_ls.apply_timer) {
        ev_timer_del(repl_ls.apply_timer);
        repl_ls.apply_timer = 0;
    }
    if (repl_ls.s_applying) { /* the master client's socket: not ours to close */
        repl_ls.sfd = -1;
        repl_ls.stls = NULL;
        repl_ls.s_applying = false;
    }
    stream_link_close();
    close_unlink(&repl_ls.sfile_fd, repl_ls.sfile_name);
    str_free(repl_ls.s_rbuf);
    repl_ls.s_rbuf = NULL;
    sb_free_all();
    repl_ls.sfile_pos = 0;
    repl_ls.s_state = SL_NONE;
    repl_ls.s_total = repl_ls.s_file = repl_ls.s_applied = 0;
    repl_ls.split = false;
    repl_ls.transfer_waiting = false;
}

static void link_close(void) {
    srv.async_loading = false;
    stream_link_reset();
    if (repl_ls.fd != -1) {
        ev_del(repl_ls.fd, EV_READ | EV_WRITE);
        tls_free(repl_ls.tls);
        repl_ls.tls = NULL;
        close(repl_ls.fd);
        repl_ls.fd = -1;
    }
    if (repl_ls.tmp_fd != -1) {
        close(repl_ls.tmp_fd);
        repl_ls.tmp_fd = -1;
        unlink(repl_ls.tmp_name);
    }
    str_free(repl_ls.rbuf);
    repl_ls.rbuf = NULL;
}

/* A full sync that ended before its payload replaced the dataset: the
 * dataset stays, and the log and INFO (master_sync_aborted,
 * master_sync_last_abort) say so (castor). */
static void sync_aborted(const char *reason) {
    repl_ls.syncs_aborted++;
    repl_ls.last_abort = reason;
    log_msg(LOG_WARNING,
            "MASTER <-> REPLICA sync: the full sync did not finish (%s); keeping the current "
            "dataset (%lld keys)",
            reason, repl_total_keys());
}

/* Drop a connection in progress (not the master client) and retry. A
 * full sync in progress (after +FULLRESYNC) counts as aborted. */
static void link_cancel(const char *why) {
    if (why) log_msg(LOG_WARNING, "%s", why);
    bool midsync = repl_ls.state == L_TRANSFER || repl_ls.state == L_BULK_HDR;
    const char *reason = repl_ls.abort_reason ? repl_ls.abort_reason : "error";
    repl_ls.abort_reason = NULL;
    if (midsync) sync_aborted(reason);
    if (repl_failover_in_progress()) {
        link_close();
        repl_failover_abort("Failover target rejected psync request or the link failed");
        return;
    }
    link_close();
    if (repl_ls.state != L_NONE) repl_ls.state = L_CONNECT;
    repl_ls.connect_after_ms = srv.mstime + 1000; /* retry once a second, as Redis */
    if (repl_ls.link_down_since == 0) repl_ls.link_down_since = srv.mstime / 1000;
}

static void send_slices(int argc, const slice *a) {
    str *s = str_new_cap(128);
    s = resp_cat_command(s, argc, a);
    repl_write_all_nb(repl_ls.fd, repl_ls.tls, s->buf, s->len);
    str_free(s);
}

static void send_cmd(int argc, const char **argv) {
    slice a[8];
    for (int i = 0; i < argc; i++) a[i] = slice_of(argv[i], strlen(argv[i]));
    send_slices(argc, a);
}

/* REPLCONF listening-port (and ip-address if announced) on the link being
 * set up, each counted in *pending. Over TLS the master is told our TLS
 * port, as Redis announces it. */
static void send_announce(int *pending) {
    char port[16];
    int my_port = cfg.replica_announce_port             ? cfg.replica_announce_port
                  : cfg.tls_replication && cfg.tls_port ? cfg.tls_port
                                                        : cfg.port;
    snprintf(port, sizeof(port), "%d", my_port);
    const char *lp[] = {"REPLCONF", "listening-port", port};
    send_cmd(3, lp);
    (*pending)++;
    if (cfg.replica_announce_ip && cfg.replica_announce_ip[0]) {
        const char *ip[] = {"REPLCONF", "ip-address", cfg.replica_announce_ip};
        send_cmd(3, ip);
        (*pending)++;
    }
}

static void link_read(int fd, void *data, int mask);
static void link_tls_handshake(int fd, void *data, int mask);
static void link_ready(int fd);

static void send_psync(void) {
    if (repl_ls.have_cached) {
        char off[32];
        snprintf(off, sizeof(off), "%lld", repl_offset() + 1);
        log_msg(LOG_NOTICE, "Trying a partial resynchronization (request %s:%s).", srv.replid, off);
        const char *argv[] = {"PSYNC", srv.replid, off, "FAILOVER"};
        send_cmd(repl_failover_in_progress() ? 4 : 3, argv);
        repl_ls.asked = repl_offset() == 0 ? "first_sync" : "partial";
    } else {
        log_msg(LOG_NOTICE, "Partial resynchronization not possible (no cached master)");
        const char *argv[] = {"PSYNC", "?", "-1"};
        send_cmd(3, argv);
        repl_ls.asked = "first_sync";
    }
    repl_ls.state = L_PSYNC;
}

/* AUTH with masterauth (and masteruser) on repl_ls.fd, if set. */
static bool send_auth(void) {
    if (!cfg.masterauth_len) return false;
    /* The password may hold NUL bytes: sent whole, by its length. */
    slice pass = slice_of(cfg.masterauth, cfg.masterauth_len);
    if (cfg.masteruser && cfg.masteruser[0]) {
        slice argv[] = {slice_of("AUTH", 4), slice_of(cfg.masteruser, strlen(cfg.masteruser)),
                        pass};
        send_slices(3, argv);
    } else {
        slice argv[] = {slice_of("AUTH", 4), pass};
        send_slices(2, argv);
    }
    return true;
}

static void send_handshake(void) {
    repl_ls.pending = 0;
    repl_ls.auth_pending = false;
    if (send_auth()) {
        repl_ls.auth_pending = true;
        repl_ls.pending++;
    }
    /* Over TLS the master (and Sentinel, from its INFO) must reach us on
     * the TLS port, as Redis announces it. */
    send_announce(&repl_ls.pending);
    /* castor-stream: a castor master may send a full sync's stream on a
     * second link, over TLS too (Redis masters ignore capabilities they
     * don't know). */
    const char *capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2", "capa", "castor-stream"};
    send_cmd(7, capa);
    repl_ls.pending++;
    repl_ls.state = L_HANDSHAKE;
}

/* The error a non-blocking connect() ended with (0: connected). */
static int socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
    return err;
}

static void link_connected(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    int err = socket_error(fd);
    if (err) {
        log_msg(LOG_WARNING, "Error condition on socket for SYNC: %s", strerror(err));
        link_cancel(NULL);
        return;
    }
    ev_del(fd, EV_WRITE);
    log_msg(LOG_NOTICE, "Non blocking connect for SYNC fired the event.");
    if (cfg.tls_replication) {
        if ((repl_ls.tls = tls_new_connected(fd)) == NULL) {
            link_cancel("Can't create a TLS connection for SYNC");
            return;
        }
        repl_ls.state = L_TLS;
        link_tls_handshake(fd, NULL, EV_WRITE);
        return;
    }
    link_ready(fd);
}

/* One step of a link's TLS handshake: while OpenSSL waits for the socket,
 * 'again' is called at the event it asks for (TLS_WANT_*; LINK_TLS_NO_EVENT
 * when the event can't be made); else the link's events are dropped and
 * TLS_DONE or TLS_FAILED returned. */
#define LINK_TLS_NO_EVENT -2
static int tls_link_step(int fd, tls_conn *t, ev_io_fn *again) {
    int rc = tls_handshake(t);
    if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE) {
        ev_del(fd, rc == TLS_WANT_READ ? EV_WRITE : EV_READ);
        if (ev_add(fd, rc == TLS_WANT_READ ? EV_READ : EV_WRITE, again, NULL) == -1)
            return LINK_TLS_NO_EVENT;
        return rc;
    }
    ev_del(fd, EV_READ | EV_WRITE);
    return rc;
}

/* The link's TLS handshake, one step per event: reads and writes wait for
 * what OpenSSL asks, then the replication handshake starts. */
static void link_tls_handshake(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    int rc = tls_link_step(fd, repl_ls.tls, link_tls_handshake);
    if (rc == LINK_TLS_NO_EVENT)
        link_cancel("Can't create an event for the TLS handshake with MASTER");
    if (rc != TLS_DONE && rc != TLS_FAILED) return;
    if (rc == TLS_FAILED) {
        log_msg(LOG_WARNING, "Error condition on socket for SYNC: %s", tls_last_error(repl_ls.tls));
        link_cancel(NULL);
        return;
    }
    link_ready(fd);
}

/* The link is up (TCP, and TLS if asked): PING opens the handshake. */
static void link_ready(int fd) {
    if (ev_add(fd, EV_READ, link_read, NULL) == -1) {
        link_cancel("Can't create readable event for SYNC");
        return;
    }
    repl_ls.rbuf = str_new_cap(1024);
    repl_ls.state = L_PONG;
    repl_ls.last_io_ms = srv.mstime;
    const char *ping[] = {"PING"};
    send_cmd(1, ping);
}

static void link_connect(void) {
    char err[256];
    log_msg(LOG_NOTICE, "Connecting to MASTER %s:%d", repl_ls.host, repl_ls.port);
    int fd = net_connect_from(repl_ls.host, repl_ls.port, cfg.bind_source_addr, err, sizeof(err));
    if (fd == -1) {
        log_msg(LOG_WARNING, "Unable to connect to MASTER: %s", err);
        repl_ls.connect_after_ms = srv.mstime + 1000;
        return;
    }
    if (!cfg.repl_disable_tcp_nodelay) net_set_nodelay(fd);
    if (ev_add(fd, EV_WRITE, link_connected, NULL) == -1) {
        close(fd);
        return;
    }
    repl_ls.fd = fd;
    repl_ls.state = L_CONNECTING;
    repl_ls.last_io_ms = srv.mstime;
    repl_ls.sync_start_ms = srv.mstime;
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync started");
}

/* Take one "\r\n" line from rbuf; skips the bare "\n" keepalives a master
 * sends while it prepares the snapshot. */
static bool take_line(char *out, size_t cap) {
    for (;;) {
        char *nl = memchr(repl_ls.rbuf->buf, '\n', repl_ls.rbuf->len);
        if (nl == NULL) return false;
        size_t n = (size_t)(nl - repl_ls.rbuf->buf);
        size_t l = n > 0 && repl_ls.rbuf->buf[n - 1] == '\r' ? n - 1 : n;
        if (l >= cap) l = cap - 1;
        memcpy(out, repl_ls.rbuf->buf, l);
        out[l] = '\0';
        str_consume(repl_ls.rbuf, n + 1);
        if (l == 0) continue;
        return true;
    }
}

/* The master client: applies the stream; its leftover bytes come first. */
static void make_master_client(int dbid) {
    /* After a load (the loop's clock stood still through it, or through
     * its last 2 MB at least): the new client's last interaction is now,
     * or the cron would time it out at once when the load took longer
     * than repl-timeout, and the sync would start again, forever. */
    server_update_time();
    int fd = repl_ls.fd;
    ev_del(fd, EV_READ | EV_WRITE);
    repl_ls.fd = -1;
    tls_conn *t = repl_ls.tls;
    repl_ls.tls = NULL;
    client *c = t ? client_new_tls(fd, t) : client_new(fd, false);
    if (c == NULL) {
        close(fd);
        str_free(repl_ls.rbuf);
        repl_ls.rbuf = NULL;
        repl_ls.state = L_CONNECT;
        return;
    }
    c->flags |= CLIENT_MASTER;
    c->authenticated = true;
    c->dbid = dbid >= 0 && dbid < srv.ndbs ? dbid : 0;
    c->db = db_get(c->dbid);
    repl_ls.master = c;
    repl_ls.state = L_CONNECTED;
    repl_failover_link_up(repl_ls.host, repl_ls.port);
    repl_ls.link_down_since = 0;
    repl_ls.have_cached = false;
    repl_ls.guard_armed = true;
    repl_ls.refused = false;
    repl_ls.refused_reason[0] = '\0';
    repl_ls.last_abort = NULL; /* our data follows a master again */
    repl_send_ack();           /* a diskless master starts the stream on this first ACK */
    if (repl_ls.rbuf && repl_ls.rbuf->len) {
        c->qbuf = str_cat(c->qbuf, repl_ls.rbuf->buf, repl_ls.rbuf->len);
        str_free(repl_ls.rbuf);
        repl_ls.rbuf = NULL;
        client_process_input(c);
    } else {
        str_free(repl_ls.rbuf);
        repl_ls.rbuf = NULL;
    }
    /* A split sync's stream link: what OpenSSL holds comes after the
     * buffer, read once it is applied (stream_apply_end). */
    if (!repl_ls.split) client_read_buffered(c);
}

/* ---- castor's split sync: the stream link ---- */

/* Room for bytes at the memory buffer's tail (NULL: the limit is
 * reached, or bytes already go to the file: order is kept). */
static sb_chunk *sb_room(void) {
    if (repl_ls.sfile_fd != -1) return NULL;
    sb_chunk *t = repl_ls.sb_tail;
    if (t && t->len < SB_CHUNK) return t;
    if (repl_ls.s_mem + SB_CHUNK > cfg.replica_sync_buffer_size) return NULL;
    sb_chunk *k = mem_alloc(sizeof(*k));
    k->next = NULL;
    k->len = k->pos = 0;
    if (t) t->next = k;
    else repl_ls.sb_head = k;
    repl_ls.sb_tail = k;
    return k;
}

/* Keep stream bytes: memory up to replica-sync-buffer-size, then the file
 * (once a byte went to the file, every later one does: order is kept). */
static bool stream_store(const char *p, size_t n) {
    while (n) {
        sb_chunk *k = sb_room();
        if (k == NULL) break;
        size_t take = SB_CHUNK - k->len < n ? SB_CHUNK - k->len : n;
        memcpy(k->data + k->len, p, take);
        k->len += take;
        repl_ls.s_mem += (long long)take;
        repl_ls.s_total += (long long)take;
        p += take;
        n -= take;
    }
    if (n == 0) return true;
    if (repl_ls.sfile_fd == -1) {
        snprintf(repl_ls.sfile_name, sizeof(repl_ls.sfile_name), "temp-sync-stream-%d.buf",
                 (int)srv.pid);
        repl_ls.sfile_fd =
            open(repl_ls.sfile_name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC | O_APPEND, 0644);
        if (repl_ls.sfile_fd == -1) {
            log_msg(LOG_WARNING, "Can't create %s to buffer the master's stream: %s",
                    repl_ls.sfile_name, strerror(errno));
            return false;
        }
        repl_ls.sfile_pos = 0;
        log_msg(LOG_NOTICE,
                "MASTER <-> REPLICA sync: the stream buffered during the sync passed %lld bytes, "
                "buffering the rest in %s",
                cfg.replica_sync_buffer_size, repl_ls.sfile_name);
    }
    if (util_write_all(repl_ls.sfile_fd, p, n) != (long)n) {
        log_msg(LOG_WARNING, "Write error buffering the master's stream in %s: %s",
                repl_ls.sfile_name, strerror(errno));
        return false;
    }
    repl_ls.s_total += (long long)n;
    repl_ls.s_file += (long long)n;
    return true;
}

static void transfer_done(void);

/* The stream link failed: the sync is retried, the dataset kept. While
 * the snapshot loads (the dataset is being replaced) the link is only
 * closed: finish_full_sync() then resyncs from the snapshot's offset. */
static void stream_link_fail(const char *why) {
    if (repl_ls.s_applying) { /* the link is the master client's: it goes */
        if (why) log_msg(LOG_WARNING, "%s", why);
        ev_del(repl_ls.sfd, EV_READ);
        repl_ls.sfd = -1;
        repl_ls.stls = NULL; /* the client's */
        if (repl_ls.master) client_close_async(repl_ls.master);
        return;
    }
    if (!repl_ls.s_loading) {
        repl_ls.abort_reason = "stream_link_lost";
        link_cancel(why);
        return;
    }
    if (why) log_msg(LOG_WARNING, "%s", why);
    stream_link_close();
    repl_ls.s_state = SL_NONE;
}

/* Read what the stream link has: handshake replies, then the stream. A
 * pump that stops before the socket said EAGAIN sets s_more (over TLS the
 * rest may wait in OpenSSL, where no event announces it). */
static bool stream_link_pump(void) {
    static char buf[256 * 1024];
    repl_ls.s_more = false;
    for (int rounds = 0; rounds < 64 && repl_ls.sfd != -1; rounds++) {
        ssize_t n;
        sb_chunk *k = repl_ls.s_state >= SL_STREAMING ? sb_room() : NULL;
        if (k) {
            /* Straight into the memory buffer. */
            n = conn_read(repl_ls.sfd, repl_ls.stls, k->data + k->len, SB_CHUNK - k->len);
            if (n > 0) {
                k->len += (size_t)n;
                repl_ls.s_mem += n;
                repl_ls.s_total += n;
                srv.stat_net_input_bytes += n;
                repl_ls.last_io_ms = srv.mstime;
                continue;
            }
        } else {
            n = conn_read(repl_ls.sfd, repl_ls.stls, buf, sizeof(buf));
        }
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) return true;
        if (n <= 0) {
            stream_link_fail(n == 0 ? "Master closed the stream link during the full sync"
                                    : "Error reading the stream link during the full sync");
            return false;
        }
        srv.stat_net_input_bytes += n;
        repl_ls.last_io_ms = srv.mstime;
        if (repl_ls.s_state >= SL_STREAMING) {
            if (!stream_store(buf, (size_t)n)) {
                stream_link_fail(NULL);
                return false;
            }
            continue;
        }
        repl_ls.s_rbuf = str_cat(repl_ls.s_rbuf, buf, (size_t)n);
        for (;;) {
            char *nl = memchr(repl_ls.s_rbuf->buf, '\n', repl_ls.s_rbuf->len);
            if (nl == NULL) {
                if (repl_ls.s_rbuf->len > 4096) {
                    stream_link_fail("Bad protocol from MASTER on the stream link");
                    return false;
                }
                break;
            }
            size_t len = (size_t)(nl - repl_ls.s_rbuf->buf) + 1;
            char line[512];
            size_t l = len - 1 > 0 && repl_ls.s_rbuf->buf[len - 2] == '\r' ? len - 2 : len - 1;
            snprintf(line, sizeof(line), "%.*s", (int)l, repl_ls.s_rbuf->buf);
            str_consume(repl_ls.s_rbuf, len);
            if (l == 0) continue;
            if (line[0] == '-' || (repl_ls.s_pending == 0 && strncmp(line, "+CONTINUE", 9) != 0)) {
                char msg[700];
                snprintf(msg, sizeof(msg), "MASTER refused the stream link of the full sync: %s",
                         line);
                stream_link_fail(msg);
                return false;
            }
            if (repl_ls.s_pending > 0) {
                repl_ls.s_pending--;
                continue;
            }
            repl_ls.s_state = SL_STREAMING;
            log_msg(LOG_NOTICE,
                    "MASTER <-> REPLICA sync: the stream link is up; buffering the stream from "
                    "offset %lld while the snapshot transfers",
                    repl_ls.new_offset + 1);
            bool ok = stream_store(repl_ls.s_rbuf->buf, repl_ls.s_rbuf->len);
            str_free(repl_ls.s_rbuf);
            repl_ls.s_rbuf = NULL;
            if (!ok) {
                stream_link_fail(NULL);
                return false;
            }
            if (repl_ls.transfer_waiting) {
                repl_ls.transfer_waiting = false;
                transfer_done();
                return repl_ls.sfd != -1;
            }
            break;
        }
    }
    repl_ls.s_more = repl_ls.sfd != -1;
    return true;
}

/* Bytes OpenSSL holds after a pump that stopped early: the next read
 * can't wait for the socket. */
static bool stream_link_has_more(void) {
    return repl_ls.s_more && repl_ls.stls && tls_has_pending(repl_ls.stls);
}

static void stream_link_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    if (!stream_link_pump() || repl_ls.s_applying || repl_ls.sfd != fd) return;
    /* Until then the link is ours alone: a writable event (at once: the
     * socket has room) brings us back next turn for what OpenSSL holds. */
    if (stream_link_has_more()) ev_add(fd, EV_WRITE, stream_link_read, NULL);
    else if (ev_mask(fd) & EV_WRITE) ev_del(fd, EV_WRITE);
}

static void stream_link_tls_step(int fd, void *data, int mask);
static void stream_link_ready(int fd);

static void stream_link_connected(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    int err = socket_error(fd);
    if (err) {
        char msg[300];
        snprintf(msg, sizeof(msg), "Error connecting the stream link of the full sync: %s",
                 strerror(err));
        /* Not link_cancel(): while the snapshot loads from the socket the
         * first link is the loader's and must stay open. */
        stream_link_fail(msg);
        return;
    }
    ev_del(fd, EV_WRITE);
    if (repl_ls.stls) {
        repl_ls.s_state = SL_TLS;
        stream_link_tls_step(fd, NULL, EV_WRITE);
        return;
    }
    stream_link_ready(fd);
}

/* The stream link's TLS handshake, as the first link's (same port, same
 * certificates): one step per event, or per drain while loading. */
static void stream_link_tls_step(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    int rc = tls_link_step(fd, repl_ls.stls, stream_link_tls_step);
    if (rc == LINK_TLS_NO_EVENT)
        stream_link_fail("Can't create an event for the TLS handshake of the stream link");
    if (rc != TLS_DONE && rc != TLS_FAILED) return;
    if (rc == TLS_FAILED) {
        char msg[400];
        snprintf(msg, sizeof(msg), "TLS handshake of the stream link of the full sync failed: %s",
                 tls_last_error(repl_ls.stls));
        stream_link_fail(msg);
        return;
    }
    stream_link_ready(fd);
}

/* The stream link is up (TCP, and TLS if the first link has it): its
 * handshake goes out at once, without waiting for replies. */
static void stream_link_ready(int fd) {
    if (ev_add(fd, EV_READ, stream_link_read, NULL) == -1) {
        stream_link_fail("Can't create readable event for the stream link");
        return;
    }
    int main_fd = repl_ls.fd;
    tls_conn *main_tls = repl_ls.tls;
    repl_ls.fd = fd; /* send_slices writes to repl_ls.fd */
    repl_ls.tls = repl_ls.stls;
    repl_ls.s_pending = 0;
    if (send_auth()) repl_ls.s_pending++;
    char id[32], off[32];
    snprintf(id, sizeof(id), "%llu", repl_ls.split_id);
    snprintf(off, sizeof(off), "%lld", repl_ls.new_offset + 1);
    send_announce(&repl_ls.s_pending);
    const char *sf[] = {"REPLCONF", "stream-for", id};
    send_cmd(3, sf);
    repl_ls.s_pending++;
    const char *ps[] = {"PSYNC", repl_ls.new_replid, off};
    send_cmd(3, ps);
    repl_ls.fd = main_fd;
    repl_ls.tls = main_tls;
    repl_ls.s_state = SL_HANDSHAKE;
    repl_ls.s_rbuf = str_new_cap(256);
}

static void stream_link_open(void) {
    char err[256];
    /* From bind-source-addr too: once streaming, this link is the one the
     * master lists for us (INFO replication's ip=). */
    int fd = net_connect_from(repl_ls.host, repl_ls.port, cfg.bind_source_addr, err, sizeof(err));
    if (fd == -1) {
        char msg[400];
        snprintf(msg, sizeof(msg), "Unable to connect the stream link to MASTER: %s", err);
        link_cancel(msg);
        return;
    }
    if (!cfg.repl_disable_tcp_nodelay) net_set_nodelay(fd);
    /* The same port as the first link: TLS if that one is (the session
     * comes up once connected). */
    tls_conn *t = NULL;
    if (repl_ls.tls && (t = tls_new_connected(fd)) == NULL) {
        close(fd);
        link_cancel("Can't create a TLS connection for the stream link");
        return;
    }
    if (ev_add(fd, EV_WRITE, stream_link_connected, NULL) == -1) {
        tls_free(t);
        close(fd);
        link_cancel("Can't create writable event for the stream link");
        return;
    }
    repl_ls.sfd = fd;
    repl_ls.stls = t;
    repl_ls.s_state = SL_CONNECTING;
}

/* Apply what the stream link buffered, through the new master client, in
 * order (memory, then the file), a few MB per event loop turn: the replica
 * keeps serving meanwhile, and the link (the client's socket, its reads
 * paused) keeps being drained into the buffer, so the master never holds
 * our stream. When the buffer is empty and the socket has nothing more,
 * the client reads its socket itself. */
static void stream_apply_end(client *c) {
    ev_del(repl_ls.sfd, EV_READ);
    repl_ls.sfd = -1;
    repl_ls.stls = NULL; /* the client's */
    repl_ls.s_applying = false;
    log_msg(LOG_NOTICE,
            "MASTER <-> REPLICA sync: applied %lld bytes of stream buffered during the sync (%lld "
            "of them from %s)",
            repl_ls.s_applied, repl_ls.s_file, repl_ls.s_file ? repl_ls.sfile_name : "memory only");
    repl_ls.apply_timer = 0; /* the timer returns -1 */
    stream_link_reset();
    client_resume_reads(c);
}

static long long stream_apply_tick(long long id, void *data) {
    (void)id;
    (void)data;
    client *c = repl_ls.master;
    if (c == NULL || !repl_ls.s_applying || (c->flags & CLIENT_CLOSE_ASAP)) {
        repl_ls.apply_timer = 0;
        stream_link_reset();
        return -1;
    }
    static char fbuf[256 * 1024];
    for (int budget = 0; budget < 16 && repl_ls.master == c; budget++) {
        sb_chunk *k = repl_ls.sb_head;
        if (k && k->pos < k->len) {
            size_t n = k->len - k->pos;
            c->qbuf = str_cat(c->qbuf, k->data + k->pos, n);
            k->pos += n;
            repl_ls.s_applied += (long long)n;
        } else if (k && k->len == SB_CHUNK) { /* consumed and full: free it */
            repl_ls.sb_head = k->next;
            if (repl_ls.sb_tail == k) repl_ls.sb_tail = NULL;
            repl_ls.s_mem -= (long long)k->len;
            mem_free(k);
            continue;
        } else if (repl_ls.sfile_fd != -1 && (k == NULL || k->pos == k->len)) {
            ssize_t n = pread(repl_ls.sfile_fd, fbuf, sizeof(fbuf), repl_ls.sfile_pos);
            if (n <= 0) break;
            repl_ls.sfile_pos += n;
            repl_ls.s_applied += n;
            c->qbuf = str_cat(c->qbuf, fbuf, (size_t)n);
        } else {
            break;
        }
        client_process_input(c);
    }
    if (repl_ls.master != c) return -1;
    stream_link_pump();
    if (!repl_ls.s_applying || repl_ls.master != c) return -1;
    if (repl_ls.s_applied == repl_ls.s_total) {
        stream_apply_end(c);
        return -1;
    }
    return 1;
}

static void stream_apply_start(client *c) {
    repl_ls.s_applying = true;
    repl_ls.s_state = SL_APPLYING;
    repl_ls.sfd = c->fd;
    repl_ls.stls = c->tls; /* borrowed: the client keeps its session */
    client_pause_reads(c);
    if (ev_add(c->fd, EV_READ, stream_link_read, NULL) == -1) {
        client_close_async(c);
        return;
    }
    repl_ls.apply_timer = ev_timer_add(1, stream_apply_tick, NULL);
}

static void partial_sync_ok(const char *line) {
    log_msg(LOG_NOTICE, "Successful partial resynchronization with master.");
    repl_ls.from_master = false; /* it continues our whole history */
    const char *id = line + 9;
    while (*id == ' ') id++;
    if (strlen(id) >= 40 && strncmp(id, srv.replid, 40) != 0) {
        /* The master's history continues under a new id (it was promoted). */
        repl_continue_history(id);
        log_msg(LOG_NOTICE, "Master replication ID changed to %s", srv.replid);
        repl_disconnect_replicas(); /* they must learn the new id */
    }
    repl_backlog_create(); /* if none yet */
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    make_master_client(repl_ls.cached_db);
}

static void full_sync_start(const char *line) {
    char id[64];
    long long off;
    unsigned long long split_id = 0;
    int got = sscanf(line, "+FULLRESYNC %63s %lld STREAM %llu", id, &off, &split_id);
    if (got < 2 || strlen(id) != 40) {
        link_cancel("Master replied with wrong +FULLRESYNC syntax.");
        return;
    }
    stream_link_reset();
    if (got == 3 && split_id > 0) {
        repl_ls.split = true;
        repl_ls.split_id = split_id;
    }
    memcpy(repl_ls.new_replid, id, 41);
    repl_ls.new_offset = off;
    if (strcmp(repl_ls.asked, "first_sync") == 0) repl_ls.last_full_reason = "first_sync";
    else if (strcasecmp(id, srv.replid) == 0) repl_ls.last_full_reason = "offset_out_of_backlog";
    else repl_ls.last_full_reason = "replid_mismatch";
    log_msg(LOG_NOTICE, "Full resync from master: %s:%lld", id, off);
    if (repl_ls.from_master) {
        /* Our new master's history does not contain ours: what we applied
         * as a master past it goes with the full sync. */
        long long acked = repl_max_acked();
        log_msg(LOG_WARNING,
                "The new master does not continue our history (we were a master up to offset "
                "%lld): discarding the writes it lacks; %lld bytes of them were never "
                "acknowledged by a replica (acknowledged up to offset %lld).",
                repl_offset(), repl_offset() > acked ? repl_offset() - acked : 0, acked);
        repl_ls.from_master = false;
    }
    repl_ls.state = L_BULK_HDR;
    if (repl_ls.split) stream_link_open();
}

static void transfer_start(const char *line) {
    if (line[0] == '-') {
        char buf[700];
        snprintf(buf, sizeof(buf), "MASTER aborted replication with an error: %s", line + 1);
        repl_ls.abort_reason = "master_error";
        link_cancel(buf);
        return;
    }
    if (line[0] != '$') {
        char buf[700];
        snprintf(
            buf, sizeof(buf),
            "Bad protocol from MASTER, the first byte is not '$' (we received '%.200s'), are you sure the host and port are right?",
            line);
        link_cancel(buf);
        return;
    }
    if (strncmp(line + 1, "EOF:", 4) == 0 && strlen(line + 5) >= 40) {
        memcpy(repl_ls.mark, line + 5, 40);
        repl_ls.mark[40] = '\0';
        repl_ls.size = -1;
    } else {
        long long n;
        if (!util_str2ll(line + 1, strlen(line + 1), &n) || n < 0) {
            link_cancel("Bad protocol from MASTER: invalid bulk length");
            return;
        }
        repl_ls.size = n;
    }
    /* With nothing to keep, parse as the bytes arrive. Under the default
     * repl-diskless-load disabled the payload is still written to the temp
     * file (and becomes our RDB), as Redis does, but nothing waits for the
     * whole file before loading starts. */
    bool empty = repl_total_keys() == 0;
    /* A split sync stages the payload in a file (loading from the socket
     * would stop reading the stream link). */
    bool to_parser = cfg.repl_diskless_load != REPL_DISKLESS_LOAD_DISABLED && empty;
    if (repl_ls.size < 0)
        log_msg(LOG_NOTICE,
                "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF %s",
                to_parser ? "to parser" : "to disk");
    else
        log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from master %s",
                repl_ls.size, to_parser ? "to parser" : "to disk");
    if (to_parser) {
        repl_ls.state = L_TRANSFER;
        socket_load(false);
        return;
    }
    snprintf(repl_ls.tmp_name, sizeof(repl_ls.tmp_name), "temp-%lld.%d.rdb",
             (long long)(srv.mstime / 1000), (int)srv.pid);
    repl_ls.tmp_fd = open(repl_ls.tmp_name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    /* A split sync under the default (disabled) receives the file with
     * the event loop running, as Redis does: the replica keeps answering
     * and drains its stream link meanwhile. */
    if (repl_ls.tmp_fd != -1 && empty && !repl_ls.split) {
        repl_ls.state = L_TRANSFER;
        socket_load(true);
        return;
    }
    if (repl_ls.tmp_fd == -1) {
        char buf[600];
        snprintf(buf, sizeof(buf),
                 "Opening the temp file needed for MASTER <-> REPLICA synchronization: %s",
                 strerror(errno));
        link_cancel(buf);
        return;
    }
    repl_ls.received = 0;
    repl_ls.tail_len = 0;
    repl_ls.crc = 0;
    repl_ls.lag_len = 0;
    repl_ls.state = L_TRANSFER;
    /* Redis's async loading: under swapdb, a full sync of the history we
     * already follow (the master's ID is ours: our data is an older point
     * of the same dataset) keeps serving what we hold while the new one
     * arrives, and says so (INFO async_loading); only commands and configs
     * that can't run during a load get -LOADING. Another history (loading)
     * is not served as if it were the master's. */
    srv.async_loading = cfg.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB &&
                        strcasecmp(repl_ls.new_replid, srv.replid) == 0;
}

static void transfer_done(void);

static void crc_feed(const char *p, size_t n) {
    size_t keep = repl_ls.size < 0 ? 48 : 8;
    size_t total = repl_ls.lag_len + n;
    if (total <= keep) {
        memcpy(repl_ls.lag + repl_ls.lag_len, p, n);
        repl_ls.lag_len = total;
        return;
    }
    size_t sum = total - keep; /* bytes that leave the lag now */
    size_t from_lag = sum < repl_ls.lag_len ? sum : repl_ls.lag_len;
    repl_ls.crc = crc64(repl_ls.crc, repl_ls.lag, from_lag);
    repl_ls.crc = crc64(repl_ls.crc, p, sum - from_lag);
    /* The lag keeps the last 'keep' bytes of lag + p. */
    char joined[48];
    size_t j = 0;
    for (size_t i = from_lag; i < repl_ls.lag_len; i++) joined[j++] = repl_ls.lag[i];
    memcpy(joined + j, p + (sum - from_lag), n - (sum - from_lag));
    repl_ls.lag_len = keep;
    memcpy(repl_ls.lag, joined, keep);
}

/* The footer's CRC (0: saved without one) against what arrived. */
static bool crc_ok(void) {
    if (repl_ls.lag_len < 8) return false;
    uint64_t got = 0;
    for (int i = 7; i >= 0; i--) got = got << 8 | (unsigned char)repl_ls.lag[i];
    return got == 0 || got == repl_ls.crc;
}

/* Payload bytes in rbuf go to the temp file; with a length, what follows
 * is already the stream and stays in rbuf. */
static void transfer_consume(void) {
    size_t take = repl_ls.rbuf->len;
    if (repl_ls.size >= 0 && (long long)take > repl_ls.size - repl_ls.received)
        take = (size_t)(repl_ls.size - repl_ls.received);
    if (take) {
        ssize_t n = write(repl_ls.tmp_fd, repl_ls.rbuf->buf, take);
        if (n != (ssize_t)take) {
            char buf[700];
            snprintf(
                buf, sizeof(buf),
                "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: %s",
                n == -1 ? strerror(errno) : "short write");
            link_cancel(buf);
            return;
        }
        if (repl_ls.size < 0) {
            /* Keep the last 40 bytes seen to spot the mark. */
            if (take >= 40) {
                memcpy(repl_ls.tail, repl_ls.rbuf->buf + take - 40, 40);
                repl_ls.tail_len = 40;
            } else {
                size_t keep = repl_ls.tail_len + take > 40 ? 40 - take : repl_ls.tail_len;
                memmove(repl_ls.tail, repl_ls.tail + repl_ls.tail_len - keep, keep);
                memcpy(repl_ls.tail + keep, repl_ls.rbuf->buf, take);
                repl_ls.tail_len = keep + take;
            }
        }
        crc_feed(repl_ls.rbuf->buf, take);
        repl_ls.received += (long long)take;
        str_consume(repl_ls.rbuf, take);
    }
    bool done = repl_ls.size >= 0
                    ? repl_ls.received == repl_ls.size
                    : repl_ls.tail_len == 40 && memcmp(repl_ls.tail, repl_ls.mark, 40) == 0;
    if (done) transfer_done();
}

static bool link_read_once(int fd);

/* Bytes OpenSSL read ahead wait for no event: take them in the same turn. */
static void link_read(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    while (link_read_once(fd) && repl_ls.fd == fd && repl_ls.tls && repl_ls.state != L_CONNECTED &&
           tls_has_pending(repl_ls.tls))
        ;
}

static bool link_read_once(int fd) {
    repl_ls.rbuf = str_reserve(repl_ls.rbuf, 64 * 1024);
    ssize_t n = conn_read(fd, repl_ls.tls, repl_ls.rbuf->buf + repl_ls.rbuf->len,
                          repl_ls.rbuf->cap - repl_ls.rbuf->len);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return false;
    if (n <= 0) {
        char buf[700];
        snprintf(buf, sizeof(buf), "%s",
                 repl_ls.state == L_TRANSFER
                     ? "I/O error trying to sync with MASTER: connection lost"
                 : n == 0 ? "Master closed the connection during the handshake"
                          : "Error reading from MASTER during the handshake");
        if (n == -1)
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ": %s",
                     conn_last_error(repl_ls.tls));
        repl_ls.abort_reason = "master_link_lost";
        link_cancel(buf);
        return false;
    }
    str_setlen(repl_ls.rbuf, repl_ls.rbuf->len + (size_t)n);
    srv.stat_net_input_bytes += n;
    repl_ls.last_io_ms = srv.mstime;
    char line[512];
    while (repl_ls.fd != -1 && repl_ls.state != L_CONNECTED) {
        if (repl_ls.state == L_TRANSFER) {
            transfer_consume();
            return true;
        }
        if (!take_line(line, sizeof(line))) {
            if (repl_ls.rbuf->len > 4096)
                link_cancel("Bad protocol from MASTER: reply line too long");
            return true;
        }
        switch (repl_ls.state) {
        case L_PONG:
            if (line[0] == '-' && strncmp(line, "-NOAUTH", 7) != 0 &&
                strncmp(line, "-NOPERM", 7) != 0 &&
                strncmp(line, "-ERR operation not permitted", 28) != 0) {
                char buf[600];
                snprintf(buf, sizeof(buf), "Error reply to PING from master: '%s'", line);
                link_cancel(buf);
                return true;
            }
            log_msg(LOG_NOTICE, "Master replied to PING, replication can continue...");
            send_handshake();
            break;
        case L_HANDSHAKE:
            if (repl_ls.auth_pending) {
                repl_ls.auth_pending = false;
                if (line[0] == '-') {
                    char buf[600];
                    snprintf(buf, sizeof(buf), "Unable to AUTH to MASTER: %s", line);
                    link_cancel(buf);
                    return true;
                }
            } else if (line[0] == '-') {
                log_msg(LOG_NOTICE, "(Non critical) Master does not understand REPLCONF: %s", line);
            }
            if (--repl_ls.pending == 0) send_psync();
            break;
        case L_PSYNC:
            if (strncmp(line, "+FULLRESYNC", 11) == 0) {
                full_sync_start(line);
            } else if (strncmp(line, "+CONTINUE", 9) == 0) {
                partial_sync_ok(line);
                return true;
            } else if (strncmp(line, "-NOMASTERLINK", 13) == 0 ||
                       strncmp(line, "-LOADING", 8) == 0) {
                char buf[600];
                snprintf(buf, sizeof(buf),
                         "Master is currently unable to PSYNC but should be in the future: %s",
                         line);
                link_cancel(buf);
                return true;
            } else {
                char buf[600];
                snprintf(buf, sizeof(buf), "Unexpected reply to PSYNC from master: %s", line);
                link_cancel(buf);
                return true;
            }
            break;
        case L_BULK_HDR: transfer_start(line); break;
        default: return true;
        }
    }
    return true;
}

/* The dataset is about to be replaced by a full sync: no child may be
 * writing the old one, the AOF restarts afterwards, and sub-replicas must
 * resync with the new history. Returns whether the AOF was on. */
static bool prepare_replace(void) {
    if (child_type() == CHILD_RDB) {
        log_msg(
            LOG_WARNING,
            "Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process %ld and removing its temp file to avoid any race",
            (long)child_pid());
        snapshot_stop_child();
    }
    bool aof_was_on = aof_is_on();
    if (aof_was_on) aof_suspend();
    repl_disconnect_replicas();
    return aof_was_on;
}

/* Loading a split sync's snapshot: every 2 ms (checked each 64 KB read)
 * the stream link is drained into the buffer, so the master never holds
 * our stream for long. */
static long long drain_last_us;

/* A newline to the master on each link of a full sync, once a second,
 * while we receive (split sync), check or load its snapshot, or wait for
 * the stream link: the master drops a replica that stays silent for
 * repl-timeout, and a newline counts as hearing from it (Redis's replica
 * sends them while it loads; castor's split sync is silent on both links
 * otherwise until its first REPLCONF ACK). A link that is not up yet
 * (connecting, TLS handshake) is skipped. */
static long long keepalive_last_ms;

static void sync_keepalive(void) {
    long long now = util_mstime();
    if (now - keepalive_last_ms < 1000) return;
    keepalive_last_ms = now;
    if (repl_ls.fd != -1) repl_write_all_nb(repl_ls.fd, repl_ls.tls, "\n", 1);
    if (repl_ls.sfd != -1 && repl_ls.s_state >= SL_HANDSHAKE && !repl_ls.s_applying)
        repl_write_all_nb(repl_ls.sfd, repl_ls.stls, "\n", 1);
}

static void drain_while_loading(void) {
    if (srv.shutdown_asap) server_shutdown_while_loading();
    sync_keepalive();
    long long now = util_ustime();
    if (now - drain_last_us < 2000 || repl_ls.sfd == -1) return;
    if (repl_ls.s_state == SL_CONNECTING) {
        /* The event loop is not running: finish the connect here. */
        struct pollfd pfd = {.fd = repl_ls.sfd, .events = POLLOUT};
        if (poll(&pfd, 1, 0) > 0) stream_link_connected(repl_ls.sfd, NULL, 0);
    } else if (repl_ls.s_state == SL_TLS) {
        stream_link_tls_step(repl_ls.sfd, NULL, 0); /* a step that can't go on waits */
    } else {
        stream_link_pump();
    }
    drain_last_us = util_ustime();
}

/* ---- Serving clients while a full sync loads ----
 * As at start-up (Redis's processEventsWhileBlocked): every
 * loading-process-events-interval-bytes of payload, and while the loader
 * waits for the master's next bytes, clients are served: -LOADING for most
 * commands, INFO says loading:1 with its progress. The link is out of the
 * event loop meanwhile: its bytes are the loader's. */
static long long served_at_bytes, served_ms;

static void serve_clients(void) {
    served_at_bytes = srv.loading_loaded_bytes;
    served_ms = util_mstime();
    server_serve_while_loading();
}

/* The loader's callback, every 64 KB of payload or every
 * loading-process-events-interval-bytes if that is less (a payload that
 * compresses well holds seconds of loading in a few KB: Redis serves
 * clients every that many bytes read): a split sync's stream link is
 * drained (every 2 ms), clients are served. */
static size_t while_loading_every(void) {
    long long every = cfg.loading_process_events_interval_bytes;
    return every > 0 && every < 64 * 1024 ? (size_t)every : 64 * 1024;
}

static void while_loading(void) {
    drain_while_loading();
    long long every = cfg.loading_process_events_interval_bytes;
    if (every > 0 && srv.loading_loaded_bytes - served_at_bytes >= every) serve_clients();
}

/* The payload ('total' bytes, 0 if not known) starts loading. */
static void begin_loading(long long total) {
    if (repl_ls.fd != -1) ev_del(repl_ls.fd, EV_READ | EV_WRITE);
    srv.loading_start_time = (long long)time(NULL);
    srv.loading_total_bytes = total;
    srv.loading_loaded_bytes = 0;
    served_at_bytes = 0;
    srv.loading = true;
}

static int load_draining(const char *path, rdb_info *info, str **err) {
    repl_ls.s_loading = repl_ls.split;
    int rc = rdb_load_file_cb(path, info, while_loading, while_loading_every(), err);
    repl_ls.s_loading = false;
    return rc;
}

/* A split sync's finished snapshot link, read until the master closes it
 * (over TLS, through its session: no close_notify of ours before). */
static int closing_fd = -1;
static tls_conn *closing_tls;

static void closing_drop(void) {
    tls_free(closing_tls);
    closing_tls = NULL;
    close_ev_fd(&closing_fd);
}

static void read_until_closed(int fd, void *data, int mask) {
    (void)data;
    (void)mask;
    char buf[512];
    ssize_t n;
    do n = conn_read(fd, closing_tls, buf, sizeof(buf));
    while (n > 0 && closing_tls && tls_has_pending(closing_tls));
    if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) closing_drop();
}

/* A split sync's snapshot is loaded: the stream link becomes the master
 * client, which applies what was buffered, then reads the link. */
static void finish_split_sync(int dbid) {
    /* The snapshot's link: the master closes it once the stream link is
     * online (closing it first would look like a sync that failed). */
    if (closing_fd != -1) closing_drop(); /* an older one, never closed */
    if (repl_ls.fd != -1) {
        ev_del(repl_ls.fd, EV_READ | EV_WRITE);
        closing_fd = repl_ls.fd;
        closing_tls = repl_ls.tls;
        if (ev_add(repl_ls.fd, EV_READ, read_until_closed, NULL) == -1) closing_drop();
        repl_ls.fd = -1;
        repl_ls.tls = NULL;
    }
    str_free(repl_ls.rbuf);
    repl_ls.rbuf = NULL;
    /* Loaded from the socket, the stream link may not be up yet: its
     * +CONTINUE is a round trip away. */
    long long until = util_mstime() + cfg.repl_timeout * 1000LL;
    repl_ls.s_loading = true;
    while (repl_ls.sfd != -1 && repl_ls.s_state < SL_STREAMING && util_mstime() < until) {
        drain_last_us = 0;
        drain_while_loading();
        /* (the drain above read what OpenSSL held; a TLS handshake that
         * waits to write is stepped again within 10 ms) */
        struct pollfd pfd = {.fd = repl_ls.sfd,
                             .events = repl_ls.s_state == SL_CONNECTING ? POLLOUT : POLLIN};
        if (repl_ls.sfd != -1 && !stream_link_has_more()) poll(&pfd, 1, 10);
    }
    repl_ls.s_loading = false;
    if (repl_ls.sfd != -1) stream_link_pump(); /* what arrived since the last drain */
    if (repl_ls.sfd == -1 || repl_ls.s_state != SL_STREAMING) {
        /* Lost while loading: continue from the snapshot's offset. */
        log_msg(LOG_WARNING,
                "MASTER <-> REPLICA sync: the stream link was lost while loading; resyncing from "
                "offset %lld",
                repl_offset() + 1);
        /* No stream link will go online to make the master close the
         * snapshot's link: close it here, or the master keeps it listed
         * (state=send_bulk), pinning the stream from the snapshot's offset. */
        closing_drop();
        stream_link_reset();
        repl_ls.have_cached = true;
        repl_ls.cached_db = dbid;
        repl_ls.state = L_CONNECT;
        repl_ls.connect_after_ms = 0;
        repl_ls.link_down_since = srv.mstime / 1000;
        return;
    }
    repl_ls.fd = repl_ls.sfd;
    repl_ls.tls = repl_ls.stls; /* the master client keeps the session */
    repl_ls.sfd = -1;
    repl_ls.stls = NULL;
    make_master_client(dbid);
    client *c = repl_ls.master;
    if (c) stream_apply_start(c);
    else stream_link_reset();
}

/* The new dataset is in memory: adopt the master's history and go online. */
static void finish_full_sync(const rdb_info *info, bool aof_was_on) {
    memcpy(srv.replid, repl_ls.new_replid, 41);
    repl_clear_replid2();
    repl_set_offset(repl_ls.new_offset);
    repl_backlog_drop();
    repl_backlog_create();
    str_free(repl_ls.multi_buf);
    repl_ls.multi_buf = NULL;
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    if (aof_was_on) aof_resume();
    if (repl_ls.split) {
        finish_split_sync(info->repl_stream_db);
        return;
    }
    make_master_client(info->repl_stream_db);
}

/* After loading the payload from 'where': online, or an empty dataset
 * (never half of one) and a retry. */
static void load_finished(int rc, str *err, const rdb_info *info, bool aof_was_on,
                          const char *where) {
    if (rc == -1) {
        log_msg(
            LOG_WARNING,
            "Failed trying to load the MASTER synchronization DB from %s, check server logs. (%s)",
            where, err ? err->buf : "?");
        str_free(err);
        db_empty_all();
        function_flush();
        if (aof_was_on) aof_resume();
        if (repl_ls.state != L_NONE)
            repl_ls.state = L_CONNECT; /* not an abort that kept the dataset: it is empty now */
        link_cancel(NULL);
        return;
    }
    finish_full_sync(info, aof_was_on);
}

/* The whole payload is in the temp file: check it, then replace the
 * dataset with it, and go online. */
static void transfer_done(void) {
    if (repl_ls.split && repl_ls.s_state != SL_STREAMING) {
        /* The stream link's +CONTINUE comes next: then we go on. */
        repl_ls.transfer_waiting = true;
        ev_del(repl_ls.fd, EV_READ);
        return;
    }
    if (repl_ls.size < 0 && ftruncate(repl_ls.tmp_fd, repl_ls.received - 40) == -1) {
        link_cancel("Error truncating the RDB payload received from the master");
        return;
    }
    if (fsync(repl_ls.tmp_fd) == -1) {
        link_cancel(
            "Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization");
        return;
    }
    close(repl_ls.tmp_fd);
    repl_ls.tmp_fd = -1;
    bool has_keys;
    str *err = NULL;
    if (!crc_ok()) err = str_from("wrong CRC64 checksum");
    /* With data to keep, every value is parsed first (castor): a payload
     * whose CRC is right but whose inner encoding is not must not cost us
     * the dataset we have. */
    long long held = repl_total_keys();
    char replid2[41];
    if (err || rdb_check_payload(repl_ls.tmp_name, held > 0, &has_keys, replid2, sync_keepalive,
                                 while_loading_every(), &err) == -1) {
        char buf[600];
        snprintf(
            buf, sizeof(buf),
            "MASTER <-> REPLICA sync: the RDB payload from the master is not valid (%s): keeping the current dataset",
            err ? err->buf : "?");
        str_free(err);
        unlink(repl_ls.tmp_name);
        repl_ls.abort_reason = "invalid_payload";
        link_cancel(buf);
        return;
    }
    long long have = held;
    /* A master whose secondary ID is our history (it restarted from its
     * snapshot and continues it; its keys may all have expired) is no
     * stranger that lost its data. */
    if (cfg.repl_empty_master_guard && repl_ls.guard_armed && have > 0 && !has_keys &&
        !repl_is_our_history(repl_ls.new_replid) && !(replid2[0] && repl_is_our_history(replid2))) {
        snprintf(repl_ls.refused_reason, sizeof(repl_ls.refused_reason),
                 "master %s:%d restarted with an empty dataset and a new replication ID",
                 repl_ls.host, repl_ls.port);
        log_msg(
            LOG_WARNING,
            "Refusing to load an empty dataset from MASTER %s:%d (new replication ID %s, we hold %lld keys): keeping our data. Run REPLICAOF to accept it, or set repl-empty-master-guard no.",
            repl_ls.host, repl_ls.port, repl_ls.new_replid, have);
        repl_ls.refused = true;
        unlink(repl_ls.tmp_name);
        if (repl_ls.state != L_NONE)
            repl_ls.state = L_CONNECT; /* refused (master_sync_refused), not aborted */
        link_cancel(NULL);
        repl_ls.connect_after_ms = srv.mstime + REFUSED_RETRY_MS;
        return;
    }
    if (replid2[0] && repl_is_our_history(replid2)) memcpy(repl_ls.lineage, replid2, 41);
    else repl_ls.lineage[0] = '\0';
    bool aof_was_on = prepare_replace();
    if (rename(repl_ls.tmp_name, cfg.dbfilename) == -1) {
        char buf[700];
        snprintf(
            buf, sizeof(buf),
            "Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s",
            cfg.dbfilename, strerror(errno));
        unlink(repl_ls.tmp_name);
        if (aof_was_on) aof_resume();
        link_cancel(buf);
        return;
    }
    srv.async_loading = false; /* the old dataset stops being served here */
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    db_signal_flushed(-1, -1);
    db_empty_all();
    function_flush(); /* the master's functions come with its data */
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    rdb_info info;
    rdb_info_init(&info);
    struct stat sb;
    begin_loading(stat(cfg.dbfilename, &sb) == 0 ? (long long)sb.st_size : 0);
    int rc = load_draining(cfg.dbfilename, &info, &err);
    srv.loading = false;
    load_finished(rc, err, &info, aof_was_on, "disk");
}

/* Parsing straight from the socket (an empty dataset has nothing to keep
 * if the transfer fails): blocking reads bounded by repl-timeout, through
 * rbuf in large chunks, rpos marking what the parser took. Whatever is
 * read past the payload stays in rbuf for the master client. With 'tee'
 * every chunk also goes to the temp file, which becomes our RDB. */
static size_t rpos;

/* While waiting for the master's bytes, clients are served this often. */
#define LOAD_WAIT_SLICE_MS 10

static bool conn_fill(void) {
    if (rpos == repl_ls.rbuf->len) {
        str_setlen(repl_ls.rbuf, 0);
        rpos = 0;
    }
    repl_ls.rbuf = str_reserve(repl_ls.rbuf, 256 * 1024);
    for (;;) {
        ssize_t n = conn_read(repl_ls.fd, repl_ls.tls, repl_ls.rbuf->buf + repl_ls.rbuf->len,
                              repl_ls.rbuf->cap - repl_ls.rbuf->len);
        if (n > 0) {
            if (repl_ls.tee_fd != -1 &&
                write(repl_ls.tee_fd, repl_ls.rbuf->buf + repl_ls.rbuf->len, (size_t)n) != n) {
                log_msg(
                    LOG_WARNING,
                    "Write error writing to the DB dump file needed for MASTER <-> REPLICA synchronization: %s",
                    strerror(errno));
                return false;
            }
            str_setlen(repl_ls.rbuf, repl_ls.rbuf->len + (size_t)n);
            repl_ls.received += n;
            srv.stat_net_input_bytes += n;
            return true;
        }
        if (n == -1 && errno == EINTR) continue;
        if (n == -1 && errno == EAGAIN) {
            /* A split sync's stream link is drained while we wait. */
            long long until = util_mstime() + cfg.repl_timeout * 1000LL;
            for (;;) {
                if (srv.shutdown_asap) server_shutdown_while_loading();
                drain_while_loading();
                /* The master is slow: serve meanwhile (not at every short wait). */
                if (srv.loading && util_mstime() - served_ms >= LOAD_WAIT_SLICE_MS) serve_clients();
                struct pollfd pfd[2] = {{.fd = repl_ls.fd, .events = POLLIN},
                                        {.fd = repl_ls.sfd, .events = POLLIN}};
                int nfds = repl_ls.sfd != -1 && repl_ls.s_state >= SL_HANDSHAKE ? 2 : 1;
                int wait = repl_ls.split ? 2 : LOAD_WAIT_SLICE_MS;
                /* What OpenSSL holds of the stream link wakes no poll: pump now. */
                if (stream_link_has_more()) wait = 0;
                int rc = poll(pfd, (nfds_t)nfds, wait);
                if (rc > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) break;
                if ((rc > 0 && nfds == 2 && pfd[1].revents) || stream_link_has_more())
                    drain_last_us = 0; /* pump now */
                if (util_mstime() >= until) break;
            }
            if (util_mstime() < until) continue;
            log_msg(LOG_WARNING,
                    "Timeout receiving bulk data from MASTER while loading from the socket");
        }
        return false;
    }
}

static size_t socket_rio_read(rio *rr, void *buf, size_t len) {
    (void)rr;
    if (srv.shutdown_asap) server_shutdown_while_loading();
    if (repl_ls.split) drain_while_loading();
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        if (rpos == repl_ls.rbuf->len && !conn_fill()) return 0;
        size_t n = repl_ls.rbuf->len - rpos < len - done ? repl_ls.rbuf->len - rpos : len - done;
        memcpy(p + done, repl_ls.rbuf->buf + rpos, n);
        rpos += n;
        done += n;
    }
    return len;
}

static void socket_load(bool tee) {
    repl_ls.lineage[0] = '\0'; /* the payload is not checked before it loads */
    bool aof_was_on = prepare_replace();
    log_msg(LOG_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory (from the socket)");
    db_signal_flushed(-1, -1);
    db_empty_all();
    function_flush();
    rpos = 0;
    repl_ls.received = (long long)repl_ls.rbuf->len;
    if (tee) {
        repl_ls.tee_fd = repl_ls.tmp_fd;
        if (repl_ls.rbuf->len && write(repl_ls.tee_fd, repl_ls.rbuf->buf, repl_ls.rbuf->len) !=
                                     (ssize_t)repl_ls.rbuf->len)
            repl_ls.tee_fd = -1; /* the load goes on; the file is dropped below */
    }
    rio rr;
    rio_init_fd(&rr, repl_ls.fd);
    rr.read = socket_rio_read;
    rdb_rio_every(&rr, while_loading, while_loading_every());
    rdb_info info;
    rdb_info_init(&info);
    str *err = NULL;
    begin_loading(repl_ls.size > 0 ? repl_ls.size : 0);
    repl_ls.s_loading = true; /* a lost stream link can't cancel the load */
    int rc = rdb_load_rio(&rr, &info, &err);
    srv.loading = false;
    bool tee_ok = tee && repl_ls.tee_fd != -1;
    repl_ls.tee_fd = -1;
    long long rdb_len = (long long)rr.processed;
    if (rc == 0 && repl_ls.size < 0) {
        char mark[40];
        if (socket_rio_read(&rr, mark, 40) != 40 || memcmp(mark, repl_ls.mark, 40) != 0) {
            rc = -1;
            err = str_from("the EOF mark does not follow the RDB payload");
        }
    } else if (rc == 0 && rdb_len != repl_ls.size) {
        rc = -1;
        err = str_from("the RDB payload is not as long as announced");
    }
    repl_ls.s_loading = false;
    str_consume(repl_ls.rbuf, rpos); /* the rest is the stream */
    rpos = 0;
    if (tee && rc == 0) {
        /* The copy (cut to the RDB itself) becomes our RDB file, as after
         * a disk-based load. */
        if (!tee_ok || ftruncate(repl_ls.tmp_fd, rdb_len) == -1 || fsync(repl_ls.tmp_fd) == -1 ||
            rename(repl_ls.tmp_name, cfg.dbfilename) == -1) {
            log_msg(
                LOG_WARNING,
                "Failed trying to keep the synchronization DB as %s: %s (the dataset is loaded)",
                cfg.dbfilename, strerror(errno));
            unlink(repl_ls.tmp_name);
        }
        close(repl_ls.tmp_fd);
        repl_ls.tmp_fd = -1;
    }
    load_finished(rc, err, &info, aof_was_on, "socket");
}

bool repl_receiving_dataset(void) {
    return repl_ls.state == L_TRANSFER && cfg.repl_diskless_load != REPL_DISKLESS_LOAD_DISABLED &&
           !srv.async_loading;
}

/* ---- Replica side: the master client ---- */

void repl_master_error(client *c, const char *err, size_t len) {
    const char *cmd = c->cmd ? c->cmd->fullname : "<unknown>";
    log_msg(
        LOG_WARNING,
        "== CRITICAL == This replica is sending an error to its master: '%.*s' after processing the command '%s'",
        (int)len, err, cmd);
    if (cfg.replica_read_only &&
        (cfg.propagation_error_behavior == PROPAGATION_ERR_PANIC ||
         cfg.propagation_error_behavior == PROPAGATION_ERR_PANIC_ON_REPLICAS)) {
        log_msg(
            LOG_WARNING,
            "Guru Meditation: This replica panicked sending an error to its master after processing the command '%s'",
            cmd);
        abort();
    }
}

void repl_send_ack(void) {
    client *c = repl_ls.master;
    if (c == NULL) return;
    char off[32];
    int n = snprintf(off, sizeof(off), "%lld", repl_offset());
    char buf[96];
    int len =
        snprintf(buf, sizeof(buf), "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", n, off);
    c->flags |= CLIENT_MASTER_FORCE_REPLY;
    reply_raw(c, buf, (size_t)len);
    c->flags &= ~CLIENT_MASTER_FORCE_REPLY;
}

void repl_link_cron(void) {
    long long timeout = (long long)cfg.repl_timeout * 1000;
    /* A split sync's links say nothing else until the snapshot loaded. */
    if (repl_ls.split && (repl_ls.state == L_BULK_HDR || repl_ls.state == L_TRANSFER))
        sync_keepalive();
    switch (repl_ls.state) {
    case L_CONNECT:
        if (srv.mstime >= repl_ls.connect_after_ms) link_connect();
        break;
    case L_CONNECTING:
    case L_TLS:
    case L_PONG:
    case L_HANDSHAKE:
    case L_PSYNC:
    case L_BULK_HDR:
        if (srv.mstime - repl_ls.last_io_ms > timeout) {
            repl_ls.abort_reason = "timeout";
            link_cancel("Timeout connecting to the MASTER...");
        }
        break;
    case L_TRANSFER:
        if (srv.mstime - repl_ls.last_io_ms > timeout) {
            repl_ls.abort_reason = "timeout";
            link_cancel(
                "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        }
        break;
    case L_CONNECTED:
        if (repl_ls.master && srv.mstime - repl_ls.master->last_interaction_ms > timeout) {
            log_msg(LOG_WARNING, "MASTER timeout: no data nor PING received...");
            client *c = repl_ls.master;
            client_close_async(c);
        } else {
            repl_send_ack();
        }
        break;
    default: break;
    }
}

/* ---- What the master side's files ask of the link ---- */

/* A master client whose connection ended (EOF or error: it is freed at
 * the end of this loop turn) is a link that is down: a client asking in
 * the same turn must not hear "up". */
bool repl_link_is_up(void) {
    return repl_ls.state == L_CONNECTED &&
           !(repl_ls.master && (repl_ls.master->flags & CLIENT_CLOSE_ASAP));
}

bool repl_link_in_full_sync(void) {
    return repl_ls.state == L_TRANSFER || repl_ls.state == L_BULK_HDR;
}

bool repl_link_is_master(const client *c) { return c == repl_ls.master; }

void repl_master_applied(client *c, const char *p, size_t len) {
    if (c != repl_ls.master) return;
    if (c->flags & CLIENT_MULTI) {
        if (repl_ls.multi_buf == NULL) repl_ls.multi_buf = str_new_cap(len);
        repl_ls.multi_buf = str_cat(repl_ls.multi_buf, p, len);
        return;
    }
    if (repl_ls.multi_buf) {
        repl_ls.multi_buf = str_cat(repl_ls.multi_buf, p, len);
        repl_feed_applied(repl_ls.multi_buf->buf, repl_ls.multi_buf->len);
        str_free(repl_ls.multi_buf);
        repl_ls.multi_buf = NULL;
        return;
    }
    repl_feed_applied(p, len);
}

void repl_link_client_freed(client *c) {
    if (c != repl_ls.master) return;
    repl_ls.master = NULL;
    repl_ls.last_master_data_ms = c->last_interaction_ms;
    if (repl_ls.s_applying || repl_ls.apply_timer) {
        /* Its buffered stream is dropped: PSYNC continues from what it applied. */
        stream_link_reset();
    }
    log_msg(LOG_NOTICE, "Connection with master lost.");
    log_msg(LOG_NOTICE, "* Caching the disconnected master state.");
    repl_ls.have_cached = true;
    repl_ls.cached_db = c->dbid;
    str_free(repl_ls.multi_buf); /* an unfinished MULTI was never counted */
    repl_ls.multi_buf = NULL;
    if (repl_ls.state == L_CONNECTED) {
        repl_ls.state = L_CONNECT;
        repl_ls.connect_after_ms = 0;
        repl_ls.link_down_since = srv.mstime / 1000;
        /* Reconnect at once, as Redis 7.0: every ms of delay lets the
         * master's backlog roll past our offset (a full resync). */
        if (repl_ls.host && !repl_failover_pending()) {
            log_msg(LOG_NOTICE, "Reconnecting to MASTER %s:%d", repl_ls.host, repl_ls.port);
            link_connect();
        }
    }
}

void repl_link_stop(void) {
    if (repl_ls.master) {
        /* Closed, still typed master (CLIENT KILL TYPE normal skips it). */
        client *c = repl_ls.master;
        repl_ls.master = NULL;
        client_close_async(c);
    }
    link_close();
    mem_free(repl_ls.host);
    repl_ls.host = NULL;
    repl_ls.state = L_NONE;
    repl_ls.have_cached = false;
    repl_ls.refused = false;
    repl_ls.refused_reason[0] = '\0';
}

void repl_link_start(const char *host, int port, int own_history_db) {
    if (repl_ls.master) {
        client *c = repl_ls.master;
        repl_ls.state = L_NONE; /* no reconnect to the old master */
        repl_client_freed(c);   /* caches the state for PSYNC; repl_ls.master is NULL now */
        client_close_async(c);
    }
    link_close();
    mem_free(repl_ls.host);
    repl_ls.host = mem_strdup(host);
    repl_ls.port = port;
    if (own_history_db >= 0) {
        repl_ls.have_cached = true;
        repl_ls.cached_db = own_history_db;
    }
    repl_ls.from_master = own_history_db >= 0;
    repl_ls.state = L_CONNECT;
    repl_ls.connect_after_ms = 0;
    repl_ls.link_down_since = srv.mstime / 1000;
    repl_ls.guard_armed = false; /* the operator chose this master */
    repl_ls.refused = false;
    repl_ls.refused_reason[0] = '\0';
    if (repl_ls.host) link_connect();
}

bool repl_link_is_to(const char *host, int port) {
    return repl_ls.host && !strcasecmp(repl_ls.host, host) && repl_ls.port == port;
}

void repl_link_lift_guard(void) {
    if (!repl_ls.refused) return;
    log_msg(LOG_NOTICE,
            "Empty-master guard lifted by REPLICAOF: the next sync may replace our data.");
    repl_ls.guard_armed = false;
    repl_ls.refused = false;
    repl_ls.refused_reason[0] = '\0';
    repl_ls.connect_after_ms = 0;
}

void repl_link_configure(const char *host, int port) {
    repl_ls.host = mem_strdup(host);
    repl_ls.port = port;
    repl_ls.state = L_CONNECT;
    repl_ls.link_down_since = srv.mstime / 1000;
}

void repl_link_loaded(int stream_db) {
    repl_ls.have_cached = true;
    repl_ls.cached_db = stream_db;
    repl_ls.guard_armed = true;
}

void repl_link_forget_history(void) {
    repl_ls.have_cached = false;
    if (repl_ls.master) client_close_async(repl_ls.master);
}

bool repl_link_stream_db(int *dbid) {
    if (!repl_ls.master && !repl_ls.have_cached) return false;
    *dbid = repl_ls.master ? repl_ls.master->dbid : repl_ls.cached_db;
    return true;
}

const char *repl_link_lineage(void) { return repl_ls.lineage; }

void repl_link_retry(void) {
    if (repl_ls.state == L_CONNECT && srv.mstime >= repl_ls.connect_after_ms) link_connect();
}

static const char *link_state_name(void) {
    switch (repl_ls.state) {
    case L_NONE: return "none";
    case L_CONNECT: return "connect";
    case L_CONNECTING:
    case L_TLS: return "connecting";
    case L_PONG:
    case L_HANDSHAKE:
    case L_PSYNC: return "handshake";
    case L_BULK_HDR:
    case L_TRANSFER: return "sync";
    case L_CONNECTED: return "connected";
    }
    return "unknown";
}

void repl_link_role(client *c) {
    reply_array(c, 5);
    reply_bulk_cstr(c, "slave");
    reply_bulk_cstr(c, repl_ls.host);
    reply_int(c, repl_ls.port);
    reply_bulk_cstr(c, link_state_name());
    reply_int(c, repl_ls.master ? repl_offset() : -1);
}

const char *repl_config_master(void) {
    static char buf[700];
    if (!srv.is_replica || repl_ls.host == NULL) return NULL;
    snprintf(buf, sizeof(buf), "%s %d", repl_ls.host, repl_ls.port);
    return buf;
}

long long repl_link_data_age_ms(void) {
    if (repl_ls.master) return srv.mstime - repl_ls.master->last_interaction_ms;
    /* Since the last data: a master killed late (CLIENT KILL inside a long
     * EXEC) went quiet when it stopped sending, not when it was freed. */
    long long since = repl_ls.link_down_since ? repl_ls.link_down_since * 1000 : repl_ls.last_io_ms;
    if (repl_ls.last_master_data_ms && repl_ls.last_master_data_ms < since)
        since = repl_ls.last_master_data_ms;
    return srv.mstime - since;
}

str *repl_link_info(str *s) {
    long long last_io = repl_ls.master ? (srv.mstime - repl_ls.master->last_interaction_ms) / 1000
                                       : (srv.mstime - repl_ls.last_io_ms) / 1000;
    bool syncing = repl_ls.state == L_TRANSFER || repl_ls.state == L_BULK_HDR;
    /* Read but not applied yet (CLIENT PAUSE holds our master's stream):
     * what is left in the master client's query buffer. */
    long long unapplied = 0;
    client *m = repl_ls.master;
    if (m && m->qbuf && m->qbuf->len > m->qpos) unapplied = (long long)(m->qbuf->len - m->qpos);
    s = str_catfmt(s,
                   "master_host:%s\r\n"
                   "master_port:%d\r\n"
                   "master_link_status:%s\r\n"
                   "master_last_io_seconds_ago:%lld\r\n"
                   "master_sync_in_progress:%d\r\n"
                   "slave_read_repl_offset:%lld\r\n"
                   "slave_repl_offset:%lld\r\n",
                   repl_ls.host, repl_ls.port, repl_link_is_up() ? "up" : "down",
                   repl_ls.master || repl_ls.fd != -1 ? last_io : -1, syncing ? 1 : 0,
                   repl_offset() + unapplied, repl_offset());
    if (repl_ls.state == L_TRANSFER) {
        double perc = repl_ls.size > 0 ? (double)repl_ls.received * 100 / (double)repl_ls.size : 0;
        s = str_catfmt(s,
                       "master_sync_total_bytes:%lld\r\n"
                       "master_sync_read_bytes:%lld\r\n"
                       "master_sync_left_bytes:%lld\r\n"
                       "master_sync_perc:%.2f\r\n"
                       "master_sync_last_io_seconds_ago:%lld\r\n",
                       repl_ls.size, repl_ls.received,
                       repl_ls.size >= 0 ? repl_ls.size - repl_ls.received : -1, perc,
                       (srv.mstime - repl_ls.last_io_ms) / 1000);
    }
    if (repl_ls.state != L_CONNECTED)
        s = str_catfmt(s, "master_link_down_since_seconds:%lld\r\n",
                       repl_ls.link_down_since ? srv.mstime / 1000 - repl_ls.link_down_since : -1);
    s = str_catfmt(s,
                   "slave_priority:%d\r\n"
                   "slave_read_only:%d\r\n"
                   "replica_announced:%d\r\n",
                   cfg.replica_priority, cfg.replica_read_only ? 1 : 0,
                   cfg.replica_announced ? 1 : 0);
    return s;
}

str *repl_link_info_sync(str *s) {
    const char *phase = repl_ls.refused                                              ? "refused"
                        : repl_ls.state == L_CONNECT                                 ? "none"
                        : repl_ls.state == L_CONNECTING || repl_ls.state == L_TLS    ? "connecting"
                        : repl_ls.state == L_TRANSFER || repl_ls.state == L_BULK_HDR ? "transfer"
                        : repl_ls.state == L_CONNECTED                               ? "online"
                                                                                     : "handshake";
    s = str_catfmt(s,
                   "master_sync_phase:%s\r\n"
                   "master_sync_bytes_received:%lld\r\n"
                   "master_sync_bytes_total:%lld\r\n"
                   "master_last_full_sync_reason:%s\r\n"
                   "master_sync_refused:%d\r\n"
                   "master_sync_refused_reason:%s\r\n"
                   "master_sync_aborted:%lld\r\n"
                   "master_sync_last_abort:%s\r\n",
                   phase, repl_ls.received, repl_ls.size, repl_ls.last_full_reason,
                   repl_ls.refused ? 1 : 0, repl_ls.refused_reason, repl_ls.syncs_aborted,
                   repl_ls.last_abort ? repl_ls.last_abort : "none");
    /* castor: the stream link of a split full sync and what it buffered. */
    s = str_catfmt(s,
                   "master_sync_stream_link:%s\r\n"
                   "master_sync_stream_buffer:%s\r\n"
                   "master_sync_stream_buffered_bytes:%lld\r\n"
                   "master_sync_stream_file_bytes:%lld\r\n",
                   repl_ls.s_state == SL_NONE         ? "none"
                   : repl_ls.s_state == SL_CONNECTING ? "connecting"
                   : repl_ls.s_state == SL_TLS        ? "connecting"
                   : repl_ls.s_state == SL_HANDSHAKE  ? "handshake"
                   : repl_ls.s_state == SL_STREAMING  ? "up"
                                                      : "applying",
                   repl_ls.s_file    ? "file"
                   : repl_ls.s_total ? "memory"
                                     : "none",
                   repl_ls.s_total - repl_ls.s_applied, repl_ls.s_file);
    return s;
}
