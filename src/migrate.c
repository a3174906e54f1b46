/* migrate.c -- MIGRATE: move or copy keys to another server, and the
 * connections it keeps to them.
 *
 * MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
 * [AUTH2 user pw] [KEYS k...] sends the target one pipeline (AUTH, SELECT
 * when the target's selected db is not known to be 'db', then one RESTORE
 * per key with its remaining TTL and the DUMP payload) and reads one reply
 * per command sent. A key the target acknowledged is deleted here unless
 * COPY, and MIGRATE propagates as DEL of exactly those keys. Replies and
 * errors are Redis 7.0's, word for word: +NOKEY when no key exists,
 * -IOERR for a connect, write or read failure or timeout, "ERR Target
 * instance replied with error: ..." for the target's own refusal.
 *
 * I/O is synchronous, as in Redis: the server waits for the target, but
 * never longer than 'timeout' ms per operation (connect, each write, each
 * reply line), so a silent target costs at most that. A socket error on the
 * first reply of a reused connection is retried once on a new connection
 * (the target may have closed an idle cached one), never after a timeout.
 *
 * Connections are cached by "host:port" as given (at most 64; a random one
 * goes when full) and closed by migrate_cron() after 10 s unused, as
 * Redis's migrate_cached_sockets. Under tls-cluster yes they are TLS
 * connections (the client side of tls-* certificates, as replication's),
 * as Redis 7.0 makes them; a handshake that fails or outlasts the timeout
 * is "-IOERR error or timeout connecting to the client".
 * In cluster mode the keys go as RESTORE-ASKING (dump.c), as Redis sends
 * them, so a target that is importing the slot takes them.
 * Spec: Redis 7.0 cluster.c (migrateCommand, migrateGetSocket,
 * migrateCloseTimedoutSockets).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "migrate.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "errors.h"
#include "mem.h"
#include "net.h"
#include "propagate.h"
#include "rdb.h"
#include "reply.h"
#include "resp.h"
#include "server.h"
#include "tls.h"
#include "util.h"

#define MIGRATE_CACHE_MAX 64  /* Redis's MIGRATE_SOCKET_CACHE_ITEMS */
#define MIGRATE_CACHE_TTL 10  /* seconds unused before the cron closes it */
#define MIGRATE_CHUNK 65536   /* the pipeline is written in 64 KB pieces */
#define MIGRATE_LINE_MAX 1024 /* a reply line longer than this is cut */

/* One cached connection to a target. */
typedef struct migrate_conn {
    str *name;          /* "host:port" as the client wrote them: the cache key */
    int fd;             /* non-blocking; waited on with poll() */
    tls_conn *tls;      /* under tls-cluster yes, else NULL */
    int last_dbid;      /* the db the target has selected, -1 unknown */
    long long last_use; /* unix seconds */
    char rbuf[4096];    /* replies read ahead of the line asked for */
    size_t rpos, rlen;
} migrate_conn;

static migrate_conn *cache[MIGRATE_CACHE_MAX];
static int cache_len;

/* ---- Synchronous I/O with a deadline ---- */

static long long now_ms(void) { return (long long)(util_monotonic_us() / 1000); }

/* Wait until fd is ready for 'events' or deadline (monotonic ms) passes.
 * False with errno ETIMEDOUT on timeout. */
static bool wait_fd(int fd, short events, long long deadline) {
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return false;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
        if (n > 0) return true;
        if (n == -1 && errno != EINTR) return false;
    }
}

/* Connect to host:port, waiting at most timeout ms: the fd, or -1 if the
 * address cannot be used at all. As Redis's connBlockingConnect, a refused
 * or unfinished connect still returns the socket: the write that follows
 * fails (within its own timeout), so the client reads Redis's "-IOERR
 * error or timeout writing to target instance". */
static int sync_connect(const char *host, int port, long long timeout) {
    char err[128];
    int fd = net_connect(host, port, err, sizeof(err));
    if (fd == -1) return -1;
    wait_fd(fd, POLLOUT, now_ms() + timeout);
    net_set_nodelay(fd);
    return fd;
}

/* The TLS handshake of a new connection within timeout ms. */
static bool sync_handshake(tls_conn *t, int fd, long long timeout) {
    long long deadline = now_ms() + timeout;
    for (;;) {
        int rc = tls_handshake(t);
        if (rc == TLS_DONE) return true;
        if (rc == TLS_FAILED || !wait_fd(fd, rc == TLS_WANT_READ ? POLLIN : POLLOUT, deadline))
            return false;
    }
}

/* Write all of p to mc within timeout ms: false on error or timeout. */
static bool sync_write(migrate_conn *mc, const char *p, size_t len, long long timeout) {
    long long deadline = now_ms() + timeout;
    while (len > 0) {
        ssize_t n = conn_write(mc->fd, mc->tls, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            /* A TLS write that must read first (renegotiation) waits for input. */
            bool in = mc->tls && tls_write_wants_read(mc->tls);
            if (!wait_fd(mc->fd, in ? POLLIN : POLLOUT, deadline)) return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Read one reply line (CRLF stripped, cut to cap-1 bytes) within timeout
 * ms. False on error, end of stream, timeout or an empty line. */
static bool sync_readline(migrate_conn *mc, char *line, size_t cap, long long timeout) {
    long long deadline = now_ms() + timeout;
    size_t len = 0;
    for (;;) {
        while (mc->rpos < mc->rlen) {
            char ch = mc->rbuf[mc->rpos++];
            if (ch == '\n') {
                if (len && line[len - 1] == '\r') len--;
                line[len] = '\0';
                return len > 0;
            }
            if (len < cap - 1) line[len++] = ch;
        }
        ssize_t n = conn_read(mc->fd, mc->tls, mc->rbuf, sizeof(mc->rbuf));
        if (n > 0) {
            mc->rpos = 0;
            mc->rlen = (size_t)n;
        } else if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            /* A TLS read that must write first (a KeyUpdate) waits for room. */
            bool out = mc->tls && tls_read_wants_write(mc->tls);
            if (!wait_fd(mc->fd, out ? POLLOUT : POLLIN, deadline)) return false;
        } else {
            if (n == 0) errno = ECONNRESET;
            return false;
        }
    }
}

/* ---- The connection cache ---- */

static void conn_close_at(int i) {
    migrate_conn *mc = cache[i];
    if (mc->tls) tls_free(mc->tls);
    close(mc->fd);
    str_free(mc->name);
    mem_free(mc);
    cache[i] = cache[--cache_len];
}

static str *conn_name(const slice *host, const slice *port) {
    str *name = str_new(host->ptr, host->len);
    name = str_cat(name, ":", 1);
    return str_cat(name, port->ptr, port->len);
}

static int conn_find(const str *name) {
    for (int i = 0; i < cache_len; i++)
        if (cache[i]->name->len == name->len &&
            memcmp(cache[i]->name->buf, name->buf, name->len) == 0)
            return i;
    return -1;
}

/* Drop the cached connection to host:port, if any (after a socket error:
 * the stream's state is unknown). */
static void conn_forget(const slice *host, const slice *port) {
    str *name = conn_name(host, port);
    int i = conn_find(name);
    if (i != -1) conn_close_at(i);
    str_free(name);
}

/* The cached connection to host:port, or a new one; NULL (the client got
 * -IOERR) if it cannot connect within timeout ms. */
static migrate_conn *conn_get(client *c, const slice *host, const slice *port, long long timeout) {
    str *name = conn_name(host, port);
    int i = conn_find(name);
    if (i != -1) {
        str_free(name);
        cache[i]->last_use = srv.mstime / 1000;
        return cache[i];
    }
    if (cache_len == MIGRATE_CACHE_MAX) conn_close_at(rand() % cache_len);
    /* Like Redis's atoi(): a port that is not a number is port 0, and
     * connecting to it fails. */
    char hostbuf[256], portbuf[32];
    size_t hl = host->len < sizeof(hostbuf) - 1 ? host->len : sizeof(hostbuf) - 1;
    size_t pl = port->len < sizeof(portbuf) - 1 ? port->len : sizeof(portbuf) - 1;
    memcpy(hostbuf, host->ptr, hl);
    hostbuf[hl] = '\0';
    memcpy(portbuf, port->ptr, pl);
    portbuf[pl] = '\0';
    int fd = hl == host->len ? sync_connect(hostbuf, atoi(portbuf), timeout) : -1;
    tls_conn *t = NULL;
    if (fd != -1 && cfg.tls_cluster &&
        ((t = tls_new_connected(fd)) == NULL || !sync_handshake(t, fd, timeout))) {
        if (t) tls_free(t);
        close(fd);
        fd = -1;
    }
    if (fd == -1) {
        str_free(name);
        reply_error(c, ERR_MIGRATE_CONNECT);
        return NULL;
    }
    migrate_conn *mc = mem_calloc(sizeof(*mc));
    mc->name = name;
    mc->fd = fd;
    mc->tls = t;
    mc->last_dbid = -1;
    mc->last_use = srv.mstime / 1000;
    cache[cache_len++] = mc;
    return mc;
}

void migrate_cron(void) {
    long long now = srv.mstime / 1000;
    for (int i = cache_len - 1; i >= 0; i--)
        if (now - cache[i]->last_use > MIGRATE_CACHE_TTL) conn_close_at(i);
}

int migrate_cached_count(void) { return cache_len; }

/* ---- MIGRATE ---- */

typedef struct migrate_args {
    bool copy, replace;
    const slice *user, *pass; /* AUTH2 user pass, AUTH pass; NULL: none */
    int first_key, nkeys;     /* the keys in argv */
    long long timeout, dbid;
} migrate_args;

/* Options, then timeout and db, in Redis's order of checks. */
static bool parse_migrate(client *c, migrate_args *a) {
    *a = (migrate_args){.first_key = 3, .nkeys = 1};
    for (int j = 6; j < c->argc; j++) {
        const slice *o = &c->argv[j];
        int more = c->argc - 1 - j;
        if (arg_is(o, "copy")) {
            a->copy = true;
        } else if (arg_is(o, "replace")) {
            a->replace = true;
        } else if (arg_is(o, "auth") && more >= 1) {
            a->pass = &c->argv[++j];
        } else if (arg_is(o, "auth2") && more >= 2) {
            a->user = &c->argv[++j];
            a->pass = &c->argv[++j];
        } else if (arg_is(o, "keys")) {
            if (c->argv[3].len != 0) {
                reply_error(c, ERR_MIGRATE_KEYS);
                return false;
            }
            a->first_key = j + 1;
            a->nkeys = c->argc - j - 1;
            break; /* the rest are keys */
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    long t, d;
    if (!arg_long(c, &c->argv[5], &t) || !arg_long(c, &c->argv[4], &d)) return false;
    a->timeout = t <= 0 ? 1000 : t;
    a->dbid = d;
    return true;
}

/* The pipeline for the target: AUTH, SELECT if *select, one RESTORE per key
 * still alive (their argv indexes are kept in keys[], *nkeys updated). */
static str *build_pipeline(client *c, const migrate_args *a, bool select, int *keys, int *nkeys) {
    str *cmd = str_new_cap(256);
    if (a->pass) {
        slice auth[3] = {slice_of("AUTH", 4)};
        int n = 1;
        if (a->user) auth[n++] = *a->user;
        auth[n++] = *a->pass;
        cmd = resp_cat_command(cmd, n, auth);
    }
    if (select) {
        char dbs[UTIL_LLSTR_SIZE];
        slice sel[2] = {slice_of("SELECT", 6), slice_of(dbs, util_ll2str(dbs, a->dbid))};
        cmd = resp_cat_command(cmd, 2, sel);
    }
    int alive = 0;
    long long now = util_mstime();
    for (int j = 0; j < *nkeys; j++) {
        const slice *k = &c->argv[keys[j]];
        kv *e = db_find_raw(c->db, k->ptr, k->len);
        if (e == NULL) continue;
        long long ttl = 0;
        if (kv_has_expire(e)) {
            ttl = kv_expire(e) - now;
            if (ttl < 0) continue; /* expired since it was looked up */
            if (ttl < 1) ttl = 1;
        }
        keys[alive++] = keys[j];
        str *payload = rdb_dump_value(e);
        char ttlbuf[UTIL_LLSTR_SIZE];
        /* A cluster's target may be importing the slot: RESTORE-ASKING. */
        slice name = cfg.cluster_enabled ? slice_of("RESTORE-ASKING", 14) : slice_of("RESTORE", 7);
        slice restore[5] = {name, *k, slice_of(ttlbuf, util_ll2str(ttlbuf, ttl)),
                            slice_of(payload->buf, payload->len), slice_of("REPLACE", 7)};
        cmd = resp_cat_command(cmd, a->replace ? 5 : 4, restore);
        str_free(payload);
    }
    *nkeys = alive;
    return cmd;
}

/* How an attempt ended: replied (done), or an I/O error to retry on a new
 * connection, or to report as -IOERR ... writing / reading. */
typedef enum { MIG_DONE, MIG_RETRY, MIG_FAIL_WRITE, MIG_FAIL_READ } mig_outcome;

/* An I/O error before any key was acknowledged: retry once, unless it was
 * a timeout (the target may just be busy). */
static mig_outcome io_failed(bool may_retry, mig_outcome fail) {
    return may_retry && errno != ETIMEDOUT ? MIG_RETRY : fail;
}

/* Read the target's replies to the pipeline; delete (unless COPY) and
 * propagate as DEL what it acknowledged, and reply. */
static mig_outcome read_replies(client *c, const migrate_args *a, migrate_conn *mc, bool select,
                                int *keys, int nkeys, bool may_retry) {
    char authl[MIGRATE_LINE_MAX], sell[MIGRATE_LINE_MAX], line[MIGRATE_LINE_MAX];
    if (a->pass && !sync_readline(mc, authl, sizeof(authl), a->timeout))
        return io_failed(may_retry, MIG_FAIL_READ);
    if (select && !sync_readline(mc, sell, sizeof(sell), a->timeout))
        return io_failed(may_retry, MIG_FAIL_READ);

    bool target_error = false, socket_error = false;
    int acked = 0, j;
    for (j = 0; j < nkeys; j++) {
        if (!sync_readline(mc, line, sizeof(line), a->timeout)) {
            socket_error = true;
            break;
        }
        const char *err = a->pass && authl[0] == '-' ? authl
                          : select && sell[0] == '-' ? sell
                          : line[0] == '-'           ? line
                                                     : NULL;
        if (err) {
            if (!target_error) {
                target_error = true;
                mc->last_dbid = -1; /* the SELECT may not have happened */
                reply_errorf(c, ERR_MIGRATE_TARGET, err + 1);
            }
        } else if (!a->copy) {
            const slice *k = &c->argv[keys[j]];
            db_delete(c->db, k->ptr, k->len);
            db_key_changed(c->db, k, NOTIFY_GENERIC, "del", 1);
            keys[acked++] = keys[j];
        }
    }
    if (socket_error && !target_error && j == 0) {
        mig_outcome r = io_failed(may_retry, MIG_FAIL_READ);
        if (r == MIG_RETRY) return r;
    }
    if (acked > 0) {
        slice *del = mem_alloc(sizeof(*del) * (size_t)(acked + 1));
        del[0] = slice_of("DEL", 3);
        for (int i = 0; i < acked; i++) del[i + 1] = c->argv[keys[i]];
        propagate(c->dbid, acked + 1, del);
        mem_free(del);
    }
    if (socket_error) {
        if (target_error) {
            conn_forget(&c->argv[1], &c->argv[2]);
            return MIG_DONE;
        }
        return MIG_FAIL_READ;
    }
    if (!target_error) {
        mc->last_dbid = (int)a->dbid;
        reply_ok(c);
    }
    return MIG_DONE;
}

/* One attempt over mc: send the pipeline and read its replies. */
static mig_outcome migrate_once(client *c, const migrate_args *a, migrate_conn *mc, int *keys,
                                int *nkeys, bool may_retry) {
    bool select = mc->last_dbid != a->dbid;
    str *cmd = build_pipeline(c, a, select, keys, nkeys);
    bool ok = true;
    for (size_t pos = 0; ok && pos < cmd->len; pos += MIGRATE_CHUNK) {
        size_t n = cmd->len - pos < MIGRATE_CHUNK ? cmd->len - pos : MIGRATE_CHUNK;
        ok = sync_write(mc, cmd->buf + pos, n, a->timeout);
    }
    str_free(cmd);
    if (!ok) return io_failed(may_retry, MIG_FAIL_WRITE);
    return read_replies(c, a, mc, select, keys, *nkeys, may_retry);
}

static void cmd_migrate(client *c) {
    migrate_args a;
    if (!parse_migrate(c, &a)) return;
    int *keys = mem_alloc(sizeof(int) * (size_t)(a.nkeys > 0 ? a.nkeys : 1));
    int nkeys = 0;
    for (int j = 0; j < a.nkeys; j++) {
        const slice *k = &c->argv[a.first_key + j];
        if (db_find_read(c->db, k->ptr, k->len)) keys[nkeys++] = a.first_key + j;
    }
    if (nkeys == 0) {
        /* Not an error: the keys often just expired meanwhile. */
        mem_free(keys);
        reply_simple(c, "NOKEY");
        return;
    }
    bool may_retry = true;
    for (;;) {
        migrate_conn *mc = conn_get(c, &c->argv[1], &c->argv[2], a.timeout);
        if (mc == NULL) break; /* -IOERR sent */
        mig_outcome r = migrate_once(c, &a, mc, keys, &nkeys, may_retry);
        if (r == MIG_DONE) break;
        /* The stream's state is unknown: a new connection next time. */
        conn_forget(&c->argv[1], &c->argv[2]);
        if (r == MIG_RETRY) {
            may_retry = false;
            continue;
        }
        reply_errorf(c, ERR_MIGRATE_IO, r == MIG_FAIL_WRITE ? "writing" : "reading");
        break;
    }
    mem_free(keys);
}

/* MIGRATE's keys: argv[3], or those after KEYS when argv[3] is "". */
static int migrate_getkeys(int argc, slice *argv, int *keys, int cap) {
    for (int j = 6; j < argc; j++) {
        if (arg_is(&argv[j], "auth")) {
            j++;
        } else if (arg_is(&argv[j], "auth2")) {
            j += 2;
        } else if (arg_is(&argv[j], "keys") && argv[3].len == 0) {
            int n = 0;
            for (int k = j + 1; k < argc && n < cap; k++) keys[n++] = k;
            return n;
        }
    }
    if (cap < 1) return 0;
    keys[0] = 3;
    return 1;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command migrate_commands[] = {
    {.name = "migrate", .proc = cmd_migrate, .arity = -6, .flags = CMD_WRITE | CMD_MOVABLE_KEYS,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .keys = {3, 3, 1},
     .getkeys = migrate_getkeys},
    {.name = NULL}};
/* clang-format on */
