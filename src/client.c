/* client.c -- client lifecycle and the query side: accept, read, parse,
 * dispatch, and the lists the server keeps of its clients.
 *
 * Arguments are slices into the query buffer (no copy); the buffer is
 * compacted once per read, after every complete request in it has run, so
 * a pipeline of n commands costs one memmove. A request whose bulk is large
 * gets its buffer sized once to the announced length (the parser says how
 * much it needs), which keeps a 500 MB argument linear to receive.
 * A client is never freed while its command runs: closing marks it
 * CLIENT_CLOSE_ASAP and the before-sleep hook frees it.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "errors.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "reply.h"
#include "seam.h"
#include "server.h"
#include "uring.h"
#include "util.h"

#define READ_CHUNK (16 * 1024)

/* The clients of srv.clients by ID, for CLIENT KILL ID, CLIENT UNBLOCK
 * and tracking's redirections and invalidations (one lookup per
 * invalidation sent). Entries are the clients' id_link fields; IDs are
 * handed out in sequence, so the ID itself spreads them over the buckets. */
static dict *by_id;

static client *client_of_link(const void *link) {
    return (client *)(void *)((char *)link - offsetof(client, id_link));
}

static const char *id_key(const void *link, size_t *len) {
    *len = sizeof(uint64_t);
    return (const char *)&client_of_link(link)->id;
}

static uint64_t id_hash(const char *key, size_t len) {
    uint64_t id;
    (void)len;
    memcpy(&id, key, sizeof(id));
    return id;
}

static const dict_type by_id_type = {.hash = id_hash, .key_of = id_key};

static client *pending_head;              /* clients with output to write */
static client *close_head;                /* clients to free before sleeping */
static client *paused_head, *paused_tail; /* held by CLIENT PAUSE, in order */

static void read_handler(int fd, void *data, int mask);
static void mem_forget(client *c);
static void prefetch_ahead(client *c);
static bool hint_keys(client *c);
static bool take_parsed_ahead(client *c);

/* Clients read in this loop turn whose requests have not run yet: running
 * them together lets their keys' cache misses overlap (run_queued()). */
static client **queued;
static size_t queued_len, queued_cap;
static bool running_queued;
static bool serving_busy; /* inside client_serve_while_busy() */

static void queue_input(client *c) {
    if (c->flags & CLIENT_INPUT_QUEUED) return;
    if (queued_len == queued_cap) {
        queued_cap = queued_cap ? queued_cap * 2 : 64;
        queued = mem_realloc(queued, sizeof(client *) * queued_cap);
    }
    queued[queued_len++] = c;
    c->flags |= CLIENT_INPUT_QUEUED;
}

static void unqueue_input(client *c) {
    for (size_t i = 0; i < queued_len; i++)
        if (queued[i] == c) queued[i] = NULL;
    c->flags &= ~CLIENT_INPUT_QUEUED;
}

static void handshake_handler(int fd, void *data, int mask);
static void handshake_step(client *c, bool first);

/* A client over fd, read by 'reader' (read_handler, or the handshake's
 * while TLS comes up); on failure t is freed and NULL returned. */
static client *new_client(int fd, bool unix_socket, tls_conn *t, ev_io_fn *reader) {
    client *c = mem_calloc(sizeof(client));
    c->id = ++srv.next_client_id;
    c->fd = fd;
    c->resp = 2;
    c->dbid = 0;
    c->db = db_get(0);
    c->ctime_ms = c->last_interaction_ms = srv.mstime;
    c->qbuf = str_new_cap(0);
    c->buf = mem_alloc(CLIENT_BUF_SIZE);
    c->buf_cap = mem_usable(c->buf);
    c->buf_peak = c->buf_cap; /* as Redis: no shrinking before the first peak reset */
    c->mem_type = -1;
    c->mem_bucket = -1;
    c->buf_peak_reset_ms = srv.mstime;
    resp_parser_init(&c->parser, cfg.proto_max_bulk_len);
    c->authenticated = !srv.acl_default_needs_auth;
    if (unix_socket) c->flags |= CLIENT_UNIX_SOCKET;
    if (fd != -1) {
        net_set_nodelay(fd);
        if (cfg.tcp_keepalive && !unix_socket) net_set_keepalive(fd, cfg.tcp_keepalive);
        if (ev_add(fd, EV_READ, reader, c) == -1) {
            tls_free(t);
            resp_parser_clear(&c->parser);
            str_free(c->qbuf);
            mem_free(c->buf);
            mem_free(c);
            return NULL;
        }
        net_peer_name(fd, c->addr, sizeof(c->addr));
        net_sock_name(fd, c->laddr, sizeof(c->laddr));
        if (unix_socket) {
            /* Redis shows "path:0"; long paths are cut to fit. */
            size_t n = strlen(cfg.unixsocket);
            if (n > NET_ADDR_SIZE - 3) n = NET_ADDR_SIZE - 3;
            memcpy(c->addr, cfg.unixsocket, n);
            memcpy(c->addr + n, ":0", 3);
            memcpy(c->laddr, c->addr, n + 3);
        }
        c->next = srv.clients;
        if (srv.clients) srv.clients->prev = c;
        srv.clients = c;
        srv.nclients++;
        if (by_id == NULL) by_id = dict_new(&by_id_type);
        dict_add(by_id, &c->id_link);
        c->tls = t;
    }
    return c;
}

client *client_new(int fd, bool unix_socket) {
    return new_client(fd, unix_socket, NULL, read_handler);
}

client *client_new_tls(int fd, tls_conn *t) { return new_client(fd, false, t, read_handler); }

static void unlink_pending(client *c) {
    for (client **pp = &pending_head; *pp; pp = &(*pp)->pending_next) {
        if (*pp == c) {
            *pp = c->pending_next;
            break;
        }
    }
    c->flags &= ~CLIENT_PENDING_WRITE;
}

static void unlink_paused(client *c) {
    client *prev = NULL;
    for (client *p = paused_head; p; prev = p, p = p->unpause_next) {
        if (p != c) continue;
        if (prev) prev->unpause_next = c->unpause_next;
        else paused_head = c->unpause_next;
        if (paused_tail == c) paused_tail = prev;
        break;
    }
    c->unpause_next = NULL;
}

void client_free(client *c) {
    if (c == NULL) return;
    /* Its queued read or write goes first: the batch holds its buffers. */
    if (c->flags & CLIENT_IO_QUEUED) uring_run();
    if (c->flags & CLIENT_MONITOR) client_monitor_remove(c);
    seam_client_freed(c);
    mem_forget(c);
    if (c->flags & CLIENT_PAUSED_WAIT) unlink_paused(c);
    if (c->flags & CLIENT_PENDING_WRITE) unlink_pending(c);
    if (c->flags & CLIENT_INPUT_QUEUED) unqueue_input(c);
    if (c->flags & CLIENT_IN_CLOSE_LIST) {
        for (client **pp = &close_head; *pp; pp = &(*pp)->close_next) {
            if (*pp == c) {
                *pp = c->close_next;
                break;
            }
        }
    }
    if (c->fd != -1) {
        ev_del(c->fd, EV_READ | EV_WRITE);
        tls_free(c->tls);
        uring_forget(c->fd);
        close(c->fd);
        if (c->prev) c->prev->next = c->next;
        else srv.clients = c->next;
        if (c->next) c->next->prev = c->prev;
        srv.nclients--;
        dict_unlink(by_id, (const char *)&c->id, sizeof(c->id));
        dict_shrink_if_needed(by_id); /* after a crowd of clients left */
    }
    reply_discard(c);
    resp_parser_clear(&c->parser);
    str_free(c->qbuf);
    str_free(c->name);
    mem_free(c->argv);
    mem_free(c->buf);
    mem_free(c);
}

void client_close_async(client *c) {
    /* Its memory no longer counts: it is as good as gone (a client the
     * output-buffer limit closes is not also a reason to evict another). */
    mem_forget(c);
    c->flags |= CLIENT_CLOSE_ASAP;
    if (c->flags & CLIENT_IN_CLOSE_LIST) return;
    c->flags |= CLIENT_IN_CLOSE_LIST;
    c->close_next = close_head;
    close_head = c;
}

void client_free_closing(void) {
    while (close_head) {
        client *c = close_head;
        close_head = c->close_next;
        c->flags &= ~CLIENT_IN_CLOSE_LIST;
        client_free(c);
    }
}

void client_install_pending_write(client *c) {
    if (c->flags & CLIENT_PENDING_WRITE) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->pending_next = pending_head;
    pending_head = c;
}

/* ---- Writing ---- */

/* A TLS write that stopped because OpenSSL must read first (a
 * renegotiation) is retried by the read handler: waiting for writability
 * would spin. Not while reads are paused: then no read event comes. */
static bool write_waits_for_read(const client *c) {
    return __builtin_expect(c->tls != NULL, 0) && tls_write_wants_read(c->tls) &&
           !(c->flags & CLIENT_READS_PAUSED);
}

static void write_handler(int fd, void *data, int mask) {
    (void)fd;
    (void)mask;
    client *c = data;
    if (c->flags & CLIENT_REPL_HOLD) { /* released by repl_sync.c, repl_ack.c */
        ev_del(c->fd, EV_WRITE);
        return;
    }
    /* Replies of commands run earlier in this loop turn may be in the
     * buffer: their AOF records go first (appendfsync always). */
    seam_before_reply_write();
    if (reply_write(c) == -1) {
        log_msg(LOG_VERBOSE, "Error writing to client: %s", conn_last_error(c->tls));
        client_close_async(c);
        return;
    }
    /* What a TLS read left to send (a KeyUpdate's answer while the socket
     * was full) goes too, replies or not. */
    bool tls_left = false;
    if (__builtin_expect(c->tls != NULL, 0) && tls_read_wants_write(c->tls)) {
        if (tls_flush(c->tls) == -1 && errno != EAGAIN) {
            log_msg(LOG_VERBOSE, "Error writing to client: %s", conn_last_error(c->tls));
            client_close_async(c);
            return;
        }
        tls_left = tls_read_wants_write(c->tls);
    }
    if ((reply_pending(c) == 0 && !tls_left) || write_waits_for_read(c)) {
        ev_del(c->fd, EV_WRITE);
        if (reply_pending(c) == 0 && (c->flags & CLIENT_CLOSE_AFTER_REPLY)) client_close_async(c);
    }
}

/* After a write of c: wait for writability while output is left, or close
 * a client whose last reply went. */
static void after_write(client *c) {
    if (reply_pending(c) > 0) {
        if (!write_waits_for_read(c) && ev_add(c->fd, EV_WRITE, write_handler, c) == -1)
            client_close_async(c);
    } else if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
        client_close_async(c);
    }
}

/* The batched send's completion (uring.c): as reply_write() after it. */
static void uring_write_done(void *owner, int res) {
    client *c = owner;
    c->flags &= ~CLIENT_IO_QUEUED;
    if (res < 0) errno = -res;
    if (reply_write_done(c, res < 0 ? -1 : res, c->io_len) == -1) {
        log_msg(LOG_VERBOSE, "Error writing to client: %s", conn_last_error(c->tls));
        client_close_async(c);
        return;
    }
    after_write(c);
}

void client_flush_pending(void) {
    bool batch = uring_is_on();
    while (pending_head) {
        client *c = pending_head;
        pending_head = c->pending_next;
        c->flags &= ~CLIENT_PENDING_WRITE;
        if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_REPL_HOLD)) continue;
        /* A client already waiting for writability keeps its handler. */
        if (ev_mask(c->fd) & EV_WRITE) continue;
        /* Plain sockets' replies go out in one batch; a replica's stream
         * (written from the shared buffer) and TLS write on their own. */
        if (batch && c->tls == NULL && !(c->flags & (CLIENT_REPLICA | CLIENT_IO_QUEUED))) {
            struct iovec iov[URING_IOV_MAX];
            int n = reply_gather(c, iov, URING_IOV_MAX, &c->io_len);
            if (n > 0) {
                c->flags |= CLIENT_IO_QUEUED;
                uring_sendv(c->fd, iov, n, uring_write_done, c);
            } else {
                after_write(c);
            }
            continue;
        }
        if (reply_write(c) == -1) {
            log_msg(LOG_VERBOSE, "Error writing to client: %s", conn_last_error(c->tls));
            client_close_async(c);
            continue;
        }
        after_write(c);
    }
    uring_run();
}

/* ---- Reading ---- */

static void protocol_error(client *c, const char *err) {
    char snippet[128];
    size_t have = c->qbuf->len - c->qpos;
    size_t n = have < 64 ? have : 64;
    size_t j = 0;
    for (size_t i = 0; i < n && j + 4 < sizeof(snippet); i++) {
        unsigned char ch = (unsigned char)c->qbuf->buf[c->qpos + i];
        if (ch >= 32 && ch < 127) snippet[j++] = (char)ch;
        else j += (size_t)snprintf(snippet + j, sizeof(snippet) - j, "\\x%02x", ch);
    }
    snippet[j] = '\0';
    log_msg(
        c->flags & CLIENT_MASTER ? LOG_WARNING : LOG_VERBOSE,
        "Protocol error (%s) from client: id=%llu addr=%s%s. Query buffer during protocol error: '%s'",
        err, (unsigned long long)c->id, c->addr, c->flags & CLIENT_MASTER ? " flags=M" : "",
        snippet);
    if (c->flags & CLIENT_MASTER) {
        /* As Redis: keep the link and log once, but apply nothing more (a
         * command after unparsable bytes may not be the next one); the
         * offset we acknowledge stops, so the lag shows on the master. A
         * reconnect would only fetch the same bytes from its backlog. */
        c->flags |= CLIENT_MASTER_STALLED;
        return;
    }
    reply_errorf(c, "ERR %s", err);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* Were the request's parse limits the same when the prefetch parsed it? */
static bool parse_limits_hold(const client *c, bool unauth) {
    /* An inline request knows no limit but its length, the same for all. */
    return c->parser.kind == 'i' ||
           (c->parser.unauthenticated == unauth && c->parser.max_bulk == cfg.proto_max_bulk_len);
}

/* The query buffer's bytes go: so does a request parsed ahead in them. */
static void forget_parsed_ahead(client *c) {
    if (!c->parsed_ahead) return;
    c->parsed_ahead = false;
    resp_parser_reset(&c->parser);
}

static void set_argv(client *c) {
    resp_parser *p = &c->parser;
    if (p->argc > c->argv_cap) {
        c->argv_cap = p->argc;
        c->argv = mem_realloc(c->argv, sizeof(slice) * c->argv_cap);
    }
    char *base = c->qbuf->buf + c->qpos;
    for (size_t i = 0; i < p->argc; i++)
        c->argv[i] = slice_of(base + p->argv[i].off, p->argv[i].len);
    c->argc = (int)p->argc;
}

/* The request at qpos (of 'used' bytes, parsed into c->argv) back into the
 * parser, as if parsed ahead: client_process_input() takes it from there. */
static void keep_parsed(client *c, char kind, size_t used) {
    resp_parser *p = &c->parser;
    if ((size_t)c->argc > p->argv_cap) {
        p->argv_cap = (size_t)c->argc;
        p->argv = mem_realloc(p->argv, p->argv_cap * sizeof(resp_arg));
    }
    const char *base = c->qbuf->buf + c->qpos;
    for (int i = 0; i < c->argc; i++)
        p->argv[i] = (resp_arg){.off = (size_t)(c->argv[i].ptr - base), .len = c->argv[i].len};
    p->argc = (size_t)c->argc;
    p->pos = used;
    p->kind = kind;
    c->parsed_ahead = true;
}

/* Our master's request goes on to our replicas and backlog byte for byte,
 * as Redis relays it: once it has run, put back the CR that parsing turned
 * into the NUL after each argument of the multibulk request at req (masters
 * send no inline ones). Arguments a command pointed elsewhere are left. */
static void restore_arg_ends(client *c, char *req, size_t used) {
    if (used == 0 || req[0] != '*') return;
    for (int i = 0; i < c->argc; i++) {
        char *end = c->argv[i].ptr + c->argv[i].len;
        if (end > req && end < req + used && *end == '\0') *end = '\r';
    }
}

void client_process_input(client *c) {
    while (c->qpos < c->qbuf->len) {
        /* A request postponed by CLIENT PAUSE (the dispatcher decides which)
         * stays first in the buffer until client_unpause_all() resumes it. */
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED |
                        CLIENT_PAUSED_WAIT | CLIENT_MASTER_STALLED))
            break;
        if (c->prefetched == 0 && c->parser.pos == 0) prefetch_ahead(c);
        bool unauth = !c->authenticated && client_auth_required(c);
        const char *err = NULL;
        resp_status st = RESP_OK;
        if (!c->parsed_ahead || !parse_limits_hold(c, unauth)) {
            /* Not parsed ahead, or under other limits (AUTH, CONFIG SET
             * between): from the start. */
            if (c->parsed_ahead) resp_parser_reset(&c->parser);
            c->parser.unauthenticated = unauth;
            c->parser.max_bulk = cfg.proto_max_bulk_len;
            if (!take_parsed_ahead(c))
                st = resp_parse(&c->parser, c->qbuf->buf + c->qpos, c->qbuf->len - c->qpos, &err);
        }
        c->parsed_ahead = false;
        if (st == RESP_INCOMPLETE) break;
        if (st == RESP_ERR) {
            protocol_error(c, err);
            resp_parser_reset(&c->parser);
            c->qpos = c->qbuf->len;
            break;
        }
        set_argv(c);
        size_t used = c->parser.pos;
        char kind = c->parser.kind;
        resp_parser_reset(&c->parser);
        /* An empty line counts too: how a replica that loads its snapshot
         * tells its master it lives (Redis refreshes a replica's ack time
         * on one; repl_sync.c reads this for a full sync's links). */
        c->last_interaction_ms = srv.mstime;
        if (c->argc > 0) {
            bool hinted = c->pf_next < c->pf_n && hint_keys(c);
            bool ran = cmdtable_dispatch(c);
            if (hinted) db_hint_clear();
            if (!ran) {
                /* Postponed (CLIENT_PAUSED_WAIT): kept parsed for when
                 * client_unpause_all() resumes the queue (an inline
                 * request was unescaped in place: it cannot be parsed
                 * twice). */
                keep_parsed(c, kind, used);
                c->argc = 0;
                c->unpause_next = NULL;
                if (paused_tail) paused_tail->unpause_next = c;
                else paused_head = c;
                paused_tail = c;
                break;
            }
        }
        /* Our master's stream: count and forward what was applied. */
        if (c->flags & CLIENT_MASTER) {
            restore_arg_ends(c, c->qbuf->buf + c->qpos, used);
            seam_master_request_done(c, c->qbuf->buf + c->qpos, used);
        }
        c->qpos += used;
        c->argc = 0;
        c->prefetched = c->prefetched > 0 ? c->prefetched - 1 : 0;
    }
    if (c->flags & CLIENT_MASTER_STALLED) { /* read, never applied */
        c->qpos = c->qbuf->len;
        forget_parsed_ahead(c);
    }
    if (c->qpos > 0) {
        str_consume(c->qbuf, c->qpos);
        c->qpos = 0;
        c->qgen++;
    }
    /* The query buffer, argv and the state its commands changed (MULTI,
     * WATCH, subscriptions, its replies) are counted once per read. */
    client_mem_update(c);
}

/* Where the next read goes: makes room in the query buffer and returns how
 * many bytes to ask for, at qbuf->buf + qbuf->len. */
static size_t read_room(client *c) {
    size_t readlen = READ_CHUNK;
    size_t need = c->parser.need;
    if (need >= RESP_BIG_ARG && need > c->qbuf->len - c->qpos) {
        /* A big bulk is on its way. Grow the buffer geometrically towards
         * the announced size and never past it: receiving n bytes costs
         * O(n) copying, the argument ends exactly at the buffer's end, and
         * a client that announces 512 MB but sends nothing costs nothing. */
        if (c->qpos > 0) {
            str_consume(c->qbuf, c->qpos);
            c->qpos = 0;
            c->qgen++;
        }
        size_t have = c->qbuf->len, remaining = need - have;
        if (c->qbuf->cap - have < READ_CHUNK && c->qbuf->cap < need) {
            size_t target = have * 2 > 1024 * 1024 ? have * 2 : 1024 * 1024;
            c->qbuf = str_grow_to(c->qbuf, target < need ? target : need);
        }
        size_t room = c->qbuf->cap - have;
        readlen = remaining < room ? remaining : room;
    } else if (c->qbuf->cap < readlen && c->qbuf->len == 0) {
        /* A fresh (or trimmed) buffer gets one read's worth, not twice it:
         * idle clients hold 16-32 KB as in Redis (sdsMakeRoomForNonGreedy). */
        c->qbuf = str_grow_to(c->qbuf, readlen);
    } else {
        c->qbuf = str_reserve(c->qbuf, readlen);
    }
    return readlen;
}

/* The query buffer's bytes that no argument holds yet: what Redis keeps in
 * its query buffer (it moves each argument of a request to argv as it is
 * parsed) and so what client-query-buffer-limit measures. A request of
 * many arguments may be bigger than the limit; its arguments count in the
 * client's memory (CLIENT LIST argv-mem, maxmemory-clients). */
static size_t qbuf_unparsed(const client *c) {
    size_t have = c->qbuf->len - c->qpos;
    const resp_parser *p = &c->parser;
    return p->kind == '*' && p->pos <= have ? have - p->pos : have;
}

/* Take the result n of a read into the query buffer (errno set when -1);
 * false when nothing more is to be had now (would block, closed, or an
 * error). */
static bool read_done(client *c, ssize_t n) {
    if (n == -1) {
        if (errno == EAGAIN || errno == EINTR) return false;
        log_msg(LOG_VERBOSE, "Reading from client: %s", conn_last_error(c->tls));
        client_close_async(c);
        return false;
    }
    if (n == 0) {
        log_msg(LOG_VERBOSE, "Client closed connection id=%llu addr=%s", (unsigned long long)c->id,
                c->addr);
        client_close_async(c);
        return false;
    }
    str_setlen(c->qbuf, c->qbuf->len + (size_t)n);
    srv.stat_net_input_bytes += n;
    srv.stat_io_reads++;
    if (c->qbuf->len > c->qbuf_peak) c->qbuf_peak = c->qbuf->len;
    if (!(c->flags & CLIENT_MASTER) &&
        (long long)qbuf_unparsed(c) > cfg.client_query_buffer_limit) {
        log_msg(
            LOG_WARNING,
            "Closing client that reached max query buffer length: id=%llu addr=%s (qbuf initial bytes: ...)",
            (unsigned long long)c->id, c->addr);
        srv.stat_client_qbuf_limit_disconnections++;
        client_close_async(c);
        return false;
    }
    /* A loop turn nested inside a running request (a busy script serving
     * other clients) answers at once. */
    if (running_queued || serving_busy) client_process_input(c);
    else queue_input(c);
    return true;
}

/* One read into the query buffer; false when nothing more is to be had
 * now (would block, closed, or an error). */
static bool read_once(client *c) {
    size_t readlen = read_room(c);
    return read_done(c, conn_read(c->fd, c->tls, c->qbuf->buf + c->qbuf->len, readlen));
}

/* The batched read's completion (uring.c): as read_once() after recv(2). */
static void uring_read_done(void *owner, int res) {
    client *c = owner;
    c->flags &= ~CLIENT_IO_QUEUED;
    if (res < 0) errno = -res;
    read_done(c, res < 0 ? -1 : res);
}

static void read_handler(int fd, void *data, int mask) {
    (void)fd;
    (void)mask;
    client *c = data;
    if (c->flags & CLIENT_CLOSE_ASAP) return;
    /* A TLS write that waited for this readability goes first. */
    if (__builtin_expect(c->tls != NULL, 0) && tls_write_wants_read(c->tls) &&
        !(ev_mask(c->fd) & EV_WRITE) && !(c->flags & CLIENT_REPL_HOLD)) {
        seam_before_reply_write();
        if (reply_write(c) == -1) {
            log_msg(LOG_VERBOSE, "Error writing to client: %s", conn_last_error(c->tls));
            client_close_async(c);
            return;
        }
        if (reply_pending(c) > 0 && !write_waits_for_read(c) &&
            ev_add(c->fd, EV_WRITE, write_handler, c) == -1) {
            client_close_async(c);
            return;
        }
    }
    /* A plain client in an ordinary loop turn: its recv joins the turn's
     * batch, run by client_run_queued() before any request does. */
    if (uring_is_on() && c->tls == NULL && !running_queued && !serving_busy) {
        if (c->flags & CLIENT_IO_QUEUED) return;
        size_t readlen = read_room(c);
        c->flags |= CLIENT_IO_QUEUED;
        uring_recv(c->fd, c->qbuf->buf + c->qbuf->len, readlen, uring_read_done, c);
        return;
    }
    /* Records OpenSSL read ahead (or decrypted beyond our buffer) leave
     * the socket unreadable: take them now, or they would wait for the
     * peer's next bytes. A plain client leaves after one read. */
    while (read_once(c) && __builtin_expect(c->tls != NULL, 0) &&
           !(c->flags & (CLIENT_CLOSE_ASAP | CLIENT_READS_PAUSED)) && tls_has_pending(c->tls))
        ;
    /* What the records asked OpenSSL to send (a KeyUpdate's answer) and
     * the socket refused: the write handler sends it once the socket
     * takes bytes again, replies or not. */
    if (__builtin_expect(c->tls != NULL, 0) && tls_read_wants_write(c->tls) &&
        !(c->flags & CLIENT_CLOSE_ASAP) && !(ev_mask(c->fd) & EV_WRITE) &&
        ev_add(c->fd, EV_WRITE, write_handler, c) == -1)
        client_close_async(c);
}

/* Start loading the keys of the requests waiting in queued[from..): a
 * bucket for each, then (once those are on their way) each chain's head.
 * Up to PREFETCH_MAX keys, at most PREFETCH_PER_CLIENT requests per client;
 * returns where the group ends. Requests of one or two arguments after the
 * name have their key first, as nearly every command; longer ones ask the
 * command table where their keys are (MSET, MGET, DEL...). */
#define PREFETCH_MAX CLIENT_PF_KEYS
/* Longer arguments are not hashed ahead (their lookup hashes them once). */
#define PREFETCH_KEY_MAX 256
#define PREFETCH_PER_CLIENT 16
typedef struct prefetch_ref {
    db *d;
    uint64_t h;
} prefetch_ref;

/* Keep key k of the request at p (hash h) for hint_keys(). */
static void keep_key(client *c, const char *p, const slice *key, size_t k, uint64_t h) {
    const char *buf = c->qbuf->buf;
    size_t key_off = (size_t)(key->ptr - buf);
    if (c->pf_n == CLIENT_PF_KEYS || key_off + key->len > UINT32_MAX) return;
    c->pf_keys[c->pf_n++] = (struct client_pf_key){.h = h,
                                                   .req_off = (uint32_t)(p - buf),
                                                   .key_off = (uint32_t)key_off,
                                                   .klen = (uint32_t)key->len,
                                                   .arg = (uint32_t)k};
}

/* Hand db.c the hashes the prefetch computed for the request about to run
 * (the one at qpos): each key still at the place it was hashed, in a
 * buffer not compacted since. Returns true if it gave any. */
static bool hint_keys(client *c) {
    if (c->pf_qgen != c->qgen) {
        c->pf_n = c->pf_next = 0;
        return false;
    }
    bool any = false;
    for (; c->pf_next < c->pf_n; c->pf_next++) {
        const struct client_pf_key *k = &c->pf_keys[c->pf_next];
        if (k->req_off > c->qpos) break; /* a later request's */
        if (k->req_off < c->qpos || k->arg >= (uint32_t)c->argc) continue;
        const slice *a = &c->argv[k->arg];
        if (a->ptr == c->qbuf->buf + k->key_off && a->len == k->klen) {
            db_hint_key(a->ptr, a->len, k->h);
            any = true;
        }
    }
    return any;
}

/* Keys a command finds with its getkeys (EVAL, EVALSHA, FCALL: the keys
 * after numkeys, which its script's commands look up). Only the arguments
 * the prefetch read are given. */
static int prefetch_movable(client *c, const command *cmd, const slice *args, size_t argc,
                            prefetch_ref *refs, int n) {
    slice argv[PREFETCH_MAX + 1];
    int nargs = (int)(argc < PREFETCH_MAX + 1 ? argc : PREFETCH_MAX + 1);
    memcpy(argv, args, sizeof(slice) * (size_t)nargs);
    int keys[PREFETCH_MAX];
    int nkeys = cmd->getkeys(nargs, argv, keys, PREFETCH_MAX - n);
    for (int i = 0; i < nkeys && n < PREFETCH_MAX; i++) {
        refs[n].d = c->db;
        refs[n].h = db_prefetch(c->db, argv[keys[i]].ptr, argv[keys[i]].len);
        n++;
    }
    return n;
}

static int prefetch_request(client *c, const char *p, const slice *args, size_t argc,
                            prefetch_ref *refs, int n) {
    db *d = c->db;
    size_t first = 1, last = 1, step = 1;
    if (argc > 3) {
        const command *cmd = cmdtable_find(args[0].ptr, args[0].len);
        if (cmd && cmd->getkeys && (cmd->flags & CMD_SCRIPT_FLAGS))
            return prefetch_movable(c, cmd, args, argc, refs, n);
        if (cmd == NULL || cmd->keys.first <= 0 || cmd->keys.step <= 0) return n;
        first = (size_t)cmd->keys.first;
        step = (size_t)cmd->keys.step;
        long l = cmd->keys.last < 0 ? (long)argc + cmd->keys.last : cmd->keys.last;
        if (l < (long)first) return n;
        last = (size_t)l;
    }
    for (size_t k = first; k <= last && k < argc && k < PREFETCH_MAX + 1 && n < PREFETCH_MAX;
         k += step) {
        /* Hashing a long argument costs more than the miss it would hide,
         * and the guess at short requests may not be a key at all (the
         * body of EVAL <script> 0). */
        if (args[k].len > PREFETCH_KEY_MAX) continue;
        refs[n].d = d;
        refs[n].h = db_prefetch(d, args[k].ptr, args[k].len);
        keep_key(c, p, &args[k], k, refs[n].h);
        n++;
    }
    return n;
}

/* Parse the request at qpos now, as client_process_input() would (same
 * limits), if it is all in and of the usual form; true if the parser now
 * holds it. */
static bool parse_ahead(client *c) {
    if (c->flags & CLIENT_MASTER_STALLED) return false;
    c->parser.unauthenticated = !c->authenticated && client_auth_required(c);
    c->parser.max_bulk = cfg.proto_max_bulk_len;
    c->parsed_ahead = resp_parse_whole(&c->parser, c->qbuf->buf + c->qpos, c->qbuf->len - c->qpos);
    return c->parsed_ahead;
}

/* Requests after the first that the prefetch parsed whole (not just
 * peeked at), kept here, not in the client, for the client to take
 * instead of parsing them again when they run: each valid only for its
 * client (by ID), at its offset in a query buffer not compacted since
 * (qgen) and under the same parse limits. Any prefetch starts the table
 * afresh; a request not found in it is parsed as usual. */
#define AHEAD_REQS 32
#define AHEAD_ARGS 128
#define AHEAD_REQ_ARGS 16 /* longer requests are peeked at as before */
static struct ahead_req {
    uint64_t cid;
    unsigned qgen;
    bool unauth;
    long long max_bulk;
    size_t off, used;
    uint32_t first, argc; /* in ahead_args */
} ahead_reqs[AHEAD_REQS];
static resp_arg ahead_args[AHEAD_ARGS];
static int ahead_n, ahead_next, ahead_nargs;

static void forget_ahead(void) { ahead_n = ahead_next = ahead_nargs = 0; }

/* Parse the request at p (offset off in c's query buffer) into the table
 * if it is of the usual form and there is room: args[] gets its first
 * arguments for the prefetch, *argc and *used as resp_peek_request(). */
static bool keep_parsed_ahead(client *c, char *p, size_t len, slice *args, size_t max_args,
                              size_t *argc, size_t *used) {
    if (ahead_n == AHEAD_REQS || AHEAD_ARGS - ahead_nargs < AHEAD_REQ_ARGS ||
        (c->flags & CLIENT_MASTER_STALLED))
        return false;
    bool unauth = !c->authenticated && client_auth_required(c);
    long long max_bulk = cfg.proto_max_bulk_len;
    resp_arg *out = &ahead_args[ahead_nargs];
    if (!resp_parse_whole_into(unauth, max_bulk, p, len, out, AHEAD_REQ_ARGS, argc, used))
        return false;
    ahead_reqs[ahead_n++] = (struct ahead_req){.cid = c->id,
                                               .qgen = c->qgen,
                                               .unauth = unauth,
                                               .max_bulk = max_bulk,
                                               .off = (size_t)(p - c->qbuf->buf),
                                               .used = *used,
                                               .first = (uint32_t)ahead_nargs,
                                               .argc = (uint32_t)*argc};
    ahead_nargs += (int)*argc;
    for (size_t i = 0; i < *argc && i < max_args; i++)
        args[i] = slice_of(p + out[i].off, out[i].len);
    return true;
}

/* The request at qpos from the table into c's (reset) parser, if the
 * prefetch parsed it under the limits the parser now has; false if not. */
static bool take_parsed_ahead(client *c) {
    resp_parser *p = &c->parser;
    if (ahead_next >= ahead_n || p->kind != 0 || p->pos != 0 || p->argc != 0 || p->mb_left != 0)
        return false;
    for (int i = ahead_next; i < ahead_n; i++) {
        const struct ahead_req *r = &ahead_reqs[i];
        if (r->cid != c->id || r->off != c->qpos) continue;
        ahead_next = i + 1;
        if (r->qgen != c->qgen || r->unauth != p->unauthenticated || r->max_bulk != p->max_bulk ||
            r->used > c->qbuf->len - c->qpos)
            return false;
        if (r->argc > p->argv_cap) {
            p->argv_cap = r->argc;
            p->argv = mem_realloc(p->argv, p->argv_cap * sizeof(resp_arg));
        }
        memcpy(p->argv, &ahead_args[r->first], r->argc * sizeof(resp_arg));
        p->argc = r->argc;
        p->pos = r->used;
        p->kind = '*';
        return true;
    }
    return false;
}

/* Hash and prefetch the keys of up to 'max' requests of c from qpos into
 * refs[*n..PREFETCH_MAX); records in c how many requests it covered. */
static void prefetch_client(client *c, int max, prefetch_ref *refs, int *n) {
    const char *p = c->qbuf->buf + c->qpos, *end = c->qbuf->buf + c->qbuf->len;
    int k = 0;
    c->pf_n = c->pf_next = 0;
    c->pf_qgen = c->qgen;
    /* At pipeline 1 the buffer ends after the first request: no peek. */
    for (; k < max && *n < PREFETCH_MAX && p < end; k++) {
        slice args[PREFETCH_MAX + 1];
        size_t argc, used;
        if (k == 0 && (c->parsed_ahead || parse_ahead(c))) {
            /* The request at qpos: parsed now, once, rather than peeked
             * here and parsed again when it runs. */
            argc = c->parser.argc;
            used = c->parser.pos;
            for (size_t i = 0; i < argc && i < PREFETCH_MAX + 1; i++)
                args[i] = slice_of(p + c->parser.argv[i].off, c->parser.argv[i].len);
        } else if (!keep_parsed_ahead(c, (char *)p, (size_t)(end - p), args, PREFETCH_MAX + 1,
                                      &argc, &used)) {
            used = resp_peek_request(p, (size_t)(end - p), args, PREFETCH_MAX + 1, &argc);
            if (used == 0) break;
        }
        if (argc >= 2) *n = prefetch_request(c, p, args, argc, refs, *n);
        p += used;
    }
    c->prefetched = k ? k : -1; /* -1: nothing to read ahead at qpos, don't look again */
}

static void prefetch_entries(const prefetch_ref *refs, int n) {
    for (int k = 0; k < n; k++) db_prefetch_entry(refs[k].d, refs[k].h);
}

static size_t prefetch_queued(size_t from) {
    prefetch_ref refs[PREFETCH_MAX];
    int n = 0;
    forget_ahead();
    size_t i = from;
    for (; i < queued_len && n < PREFETCH_MAX; i++)
        if (queued[i]) prefetch_client(queued[i], PREFETCH_PER_CLIENT, refs, &n);
    prefetch_entries(refs, n);
    return i;
}

/* Inside a long pipeline (or our master's stream): the next group. */
static void prefetch_ahead(client *c) {
    prefetch_ref refs[PREFETCH_MAX];
    int n = 0;
    forget_ahead();
    prefetch_client(c, PREFETCH_MAX, refs, &n);
    prefetch_entries(refs, n);
}

void client_run_queued(void) {
    if (running_queued) return;
    uring_run(); /* this turn's batched reads */
    running_queued = true;
    /* Groups of up to PREFETCH_MAX keys: many clients with one request
     * each at pipeline 1, one client's pipeline at pipeline 16. */
    size_t i = 0;
    while (i < queued_len) {
        size_t group_end = prefetch_queued(i);
        for (; i < group_end; i++) {
            client *c = queued[i];
            if (c == NULL) continue;
            c->flags &= ~CLIENT_INPUT_QUEUED;
            queued[i] = NULL;
            client_process_input(c);
        }
    }
    queued_len = 0;
    running_queued = false;
}

/* ---- While a script is busy ---- */

void client_serve_while_busy(client *running) {
    bool was = serving_busy;
    serving_busy = true;
    /* Up to four polls while fds are ready, as Redis's
     * processEventsWhileBlocked: a connection accepted in one is read and
     * answered in the next, not a whole load interval later. */
    for (int turn = 0; turn < 4; turn++) {
        /* Requests read in this loop turn wait behind the script's: their
         * bytes are in, so no readiness event would bring them up again. */
        for (size_t i = 0; i < queued_len; i++) {
            client *c = queued[i];
            if (c == NULL || (c->flags & CLIENT_READS_PAUSED)) continue;
            queued[i] = NULL;
            c->flags &= ~CLIENT_INPUT_QUEUED;
            client_process_input(c);
        }
        int ready = ev_poll_files(0);
        client_flush_pending();
        if (ready == 0) break;
    }
    /* Clients that went away are freed now (a replica that left must not
     * stay counted), all but the one whose request is running. */
    client **pp = &close_head;
    while (*pp) {
        client *c = *pp;
        if (c == running) {
            pp = &c->close_next;
            continue;
        }
        *pp = c->close_next;
        c->flags &= ~CLIENT_IN_CLOSE_LIST;
        client_free(c);
    }
    serving_busy = was;
}

void client_pause_reads(client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_READS_PAUSED)) return;
    c->flags |= CLIENT_READS_PAUSED;
    ev_del(c->fd, EV_READ);
}

void client_resume_reads(client *c) {
    if (!(c->flags & CLIENT_READS_PAUSED)) return;
    c->flags &= ~CLIENT_READS_PAUSED;
    if (!(c->flags & CLIENT_CLOSE_ASAP) && ev_add(c->fd, EV_READ, read_handler, c) == -1)
        client_close_async(c);
    else client_read_buffered(c);
}

/* Bytes OpenSSL read ahead (past a handshake's end, or before reads
 * were paused) wait for no event: read them now. */
void client_read_buffered(client *c) {
    if (c->tls && tls_has_pending(c->tls) && !(c->flags & CLIENT_READS_PAUSED))
        read_handler(c->fd, c, EV_READ);
}

/* ---- Batched socket I/O (io-uring) ---- */

/* The most operations in one batch: a turn's ready clients beyond it are
 * served in several batches. */
#define URING_ENTRIES 256

void client_set_io_uring(bool want) {
    if (!want) {
        if (uring_is_on()) log_msg(LOG_NOTICE, "io_uring off: client sockets use plain syscalls");
        uring_shutdown();
        return;
    }
    if (uring_is_on()) return;
    char err[256] = "";
    if (uring_init(URING_ENTRIES, (unsigned)ev_setsize(), err, sizeof(err)) == -1) {
        log_msg(LOG_WARNING, "io_uring unavailable (%s): client sockets use plain syscalls", err);
        return;
    }
    log_msg(LOG_NOTICE, "io_uring on: client reads and writes are batched per event loop turn");
}

/* ---- Accepting ---- */

#define DENIED_TEXT "-" ERR_DENIED "\r\n"

/* Redis's connIsLocal: exactly 127.0.0.1 or ::1. Not the rest of 127/8
 * (a container or VPN may route those) nor ::ffff:127.0.0.1. */
static bool ip_is_local(const char *ip, size_t len) {
    return (len == 9 && memcmp(ip, "127.0.0.1", 9) == 0) || (len == 3 && memcmp(ip, "::1", 3) == 0);
}

/* Redis's authRequired: a password is set and this client has not given
 * it (clearing requirepass frees clients that never authenticated). */
bool client_auth_required(const client *c) {
    return !c->authenticated && srv.acl_default_needs_auth;
}

/* Connected over the unix socket or from exactly 127.0.0.1 or ::1
 * (Redis's islocalClient, also what protected mode calls local). */
static bool is_local(const client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return true;
    const char *colon = strrchr(c->addr, ':');
    return ip_is_local(c->addr, colon ? (size_t)(colon - c->addr) : strlen(c->addr));
}

bool client_protected_action_allowed(const client *c, int setting) {
    return setting == PROTECTED_YES || (setting == PROTECTED_LOCAL && is_local(c));
}

static void reject(int fd, const char *msg) {
    ssize_t rc = write(fd, msg, strlen(msg));
    (void)rc;
    close(fd);
}

/* accept() errors that concern one pending connection only: Linux passes
 * the network errors of the new socket on, a peer may reset before it is
 * accepted, a firewall may refuse it. Accept the next one, as Redis's
 * CVE-2025-48367 fix does, rather than leave the backlog waiting for a
 * turn that a peer can keep stealing. */
static bool accept_error_is_transient(int err) {
    switch (err) {
    case ECONNABORTED:
    case EPROTO:
    case ENOPROTOOPT:
    case ENETDOWN:
    case ENONET:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EOPNOTSUPP:
    case EPERM: return true;
    default: return false;
    }
}

/* A descriptor held in reserve: out of descriptors (EMFILE), a pending
 * connection would stay in the backlog and keep the listener readable, so
 * the loop would spin on it. Freeing the reserve lets us accept it, tell the
 * client why and close it. */
static int spare_fd = -1;

void client_accept_init(void) {
    if (spare_fd == -1) spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static bool refuse_with_spare(int lfd) {
    if (spare_fd == -1) return false;
    close(spare_fd);
    int fd = net_accept(lfd, NULL, 0, NULL);
    if (fd != -1) reject(fd, "-" ERR_MAX_CLIENTS "\r\n");
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd != -1;
}

/* Listeners taken off the loop for a moment after an error that retrying
 * at once would only repeat (no memory, no descriptor even with the
 * reserve): one timer puts them back. */
#define ACCEPT_PAUSE_MS 100
static struct {
    int fd;
    void *data;
} paused_listeners[32];
static int npaused_listeners;

static long long resume_listeners(long long id, void *unused) {
    (void)id;
    (void)unused;
    for (int i = 0; i < npaused_listeners; i++)
        if (ev_add(paused_listeners[i].fd, EV_READ, client_accept_handler,
                   paused_listeners[i].data) == -1)
            log_msg(LOG_WARNING, "Resuming the accept handler: %s", strerror(errno));
    npaused_listeners = 0;
    return -1;
}

static void pause_listener(int lfd, void *data) {
    if (npaused_listeners == (int)(sizeof(paused_listeners) / sizeof(paused_listeners[0]))) return;
    ev_del(lfd, EV_READ);
    if (npaused_listeners == 0) ev_timer_add(ACCEPT_PAUSE_MS, resume_listeners, NULL);
    paused_listeners[npaused_listeners].fd = lfd;
    paused_listeners[npaused_listeners].data = data;
    npaused_listeners++;
}

/* Redis's line, at most once a second: an error that repeats must not
 * flood the log. */
static void log_accept_error(int err) {
    static long long last_ms;
    static unsigned long suppressed;
    if (srv.mstime - last_ms < 1000) {
        suppressed++;
        return;
    }
    if (suppressed)
        log_msg(LOG_WARNING,
                "Accepting client connection: accept: %s (%lu more since the last report)",
                strerror(err), suppressed);
    else log_msg(LOG_WARNING, "Accepting client connection: accept: %s", strerror(err));
    last_ms = srv.mstime;
    suppressed = 0;
}

/* Called when accept() failed with errno 'err'; true to keep accepting. */
static bool accept_failed(int lfd, void *data, int err) {
    if (err == EAGAIN || err == EWOULDBLOCK) return false;
    if (accept_error_is_transient(err)) return true;
    log_accept_error(err);
    if ((err == EMFILE || err == ENFILE) && refuse_with_spare(lfd)) {
        srv.stat_rejected_conn++;
        return true;
    }
    pause_listener(lfd, data);
    return false;
}

/* Protected mode refuses a client from outside with no password set. */
static bool refused_by_protected_mode(const char *ip) {
    return cfg.protected_mode && srv.acl_default_nopass && !ip_is_local(ip, strlen(ip));
}

/* Accept up to 1000 pending connections of lfd; tls: shake hands first. */
static void accept_clients(int lfd, void *data, bool tls) {
    bool unix_socket = data != NULL;
    for (int i = 0; i < 1000; i++) {
        char ip[NET_ADDR_SIZE];
        int port;
        int fd = net_accept(lfd, ip, sizeof(ip), &port);
        if (fd == -1) {
            if (accept_failed(lfd, data, errno)) continue;
            return;
        }
        log_msg(LOG_VERBOSE, "Accepted %s:%d", unix_socket ? "unix" : ip, port);
        srv.stat_numconnections++;
        if (srv.nclients >= (unsigned long)cfg.maxclients) {
            srv.stat_rejected_conn++;
            /* Redis can't tell a TLS peer before its handshake: it just closes. */
            if (tls) close(fd);
            else reject(fd, "-" ERR_MAX_CLIENTS "\r\n");
            continue;
        }
        /* A TLS client is told after its handshake (tls_accepted()). */
        if (!unix_socket && !tls && refused_by_protected_mode(ip)) {
            srv.stat_rejected_conn++;
            reject(fd, DENIED_TEXT);
            continue;
        }
        tls_conn *t = NULL;
        if (tls && (t = tls_new_accepted(fd)) == NULL) {
            close(fd);
            continue;
        }
        client *c = new_client(fd, unix_socket, t, tls ? handshake_handler : read_handler);
        if (c == NULL) {
            log_msg(LOG_WARNING, "Error registering fd event for the new client: %s (fd=%d)",
                    strerror(errno), fd);
            close(fd);
        } else if (tls) {
            handshake_step(c, true); /* the ClientHello may be here already */
        }
    }
}

void client_accept_handler(int lfd, void *data, int mask) {
    (void)mask;
    accept_clients(lfd, data, false);
}

void client_accept_tls_handler(int lfd, void *data, int mask) {
    (void)mask;
    (void)data;
    accept_clients(lfd, NULL, true);
}

/* The handshake is done: from now on the client is read as any other. */
static void tls_accepted(client *c) {
    ev_del(c->fd, EV_WRITE);
    if (ev_add(c->fd, EV_READ, read_handler, c) == -1) {
        client_close_async(c);
        return;
    }
    const char *colon = strrchr(c->addr, ':');
    char ip[NET_ADDR_SIZE];
    size_t n = colon ? (size_t)(colon - c->addr) : strlen(c->addr);
    memcpy(ip, c->addr, n);
    ip[n] = '\0';
    if (refused_by_protected_mode(ip)) {
        srv.stat_rejected_conn++;
        ssize_t rc = conn_write(c->fd, c->tls, DENIED_TEXT, strlen(DENIED_TEXT));
        (void)rc;
        client_close_async(c);
        return;
    }
    read_handler(c->fd, c, EV_READ);
}

/* Drive a TLS client's handshake: wait for what OpenSSL wants next, never
 * blocking the loop; a peer that fails it (plaintext, no certificate when
 * one is required, a bad one) is logged in Redis's words and closed. A
 * peer that stalls waits like an idle client (timeout closes it). */
static void handshake_step(client *c, bool first) {
    int fd = c->fd;
    switch (tls_handshake(c->tls)) {
    case TLS_DONE: tls_accepted(c); return;
    case TLS_WANT_READ:
        ev_del(fd, EV_WRITE);
        if (ev_add(fd, EV_READ, handshake_handler, c) == -1) client_close_async(c);
        return;
    case TLS_WANT_WRITE:
        ev_del(fd, EV_READ);
        if (ev_add(fd, EV_WRITE, handshake_handler, c) == -1) client_close_async(c);
        return;
    default:
        /* Redis words a failure at accept time with the descriptor. */
        if (first)
            log_msg(LOG_WARNING, "Error accepting a client connection: %s (conn: fd=%d)",
                    tls_last_error(c->tls), fd);
        else
            log_msg(LOG_WARNING, "Error accepting a client connection: %s", tls_last_error(c->tls));
        client_close_async(c);
    }
}

static void handshake_handler(int fd, void *data, int mask) {
    (void)fd;
    (void)mask;
    client *c = data;
    if (!(c->flags & CLIENT_CLOSE_ASAP)) handshake_step(c, false);
}

/* ---- MONITOR ---- */

static client **monitors;
static size_t nmonitors, monitors_cap;

void client_monitor_add(client *c) {
    if (c->flags & CLIENT_MONITOR) return;
    if (nmonitors == monitors_cap) {
        monitors_cap = monitors_cap ? monitors_cap * 2 : 4;
        monitors = mem_realloc(monitors, monitors_cap * sizeof(client *));
    }
    monitors[nmonitors++] = c;
    c->flags |= CLIENT_MONITOR;
}

void client_monitor_remove(client *c) {
    for (size_t i = 0; i < nmonitors; i++) {
        if (monitors[i] == c) {
            monitors[i] = monitors[--nmonitors];
            break;
        }
    }
    c->flags &= ~CLIENT_MONITOR;
}

bool client_has_monitors(void) { return nmonitors > 0; }

/* Send "+<time> [<db> <addr>] "arg" ..." to every monitor, as Redis does. */
void client_monitor_feed(client *c, int dbid, int argc, const slice *argv) {
    str *line = str_fmt("+%lld.%06lld [%d %s]", srv.ustime / 1000000, srv.ustime % 1000000, dbid,
                        (c->flags & CLIENT_UNIX_SOCKET) ? "unix:" : c->addr);
    if (c->flags & CLIENT_UNIX_SOCKET) line = str_catc(line, cfg.unixsocket);
    /* Like Redis, never show credentials (the slow log's rule). */
    bool redact = c->cmd && argv == c->argv;
    for (int i = 0; i < argc; i++) {
        if (redact && seam_arg_is_secret(c, i)) {
            line = str_catc(line, " \"(redacted)\"");
            continue;
        }
        line = str_cat(line, " ", 1);
        line = str_catrepr(line, argv[i].ptr, argv[i].len);
    }
    line = str_cat(line, "\r\n", 2);
    for (size_t i = 0; i < nmonitors; i++) reply_raw(monitors[i], line->buf, line->len);
    str_free(line);
}

/* ---- Memory accounting and client eviction ---- */

/* Evictable clients sit in buckets by memory, as in Redis 7.0: the first
 * holds those under 32 KB, each next one up to twice as much, the last
 * everything from 4 GB. Eviction takes from the largest non-empty bucket,
 * so the pass costs nothing while the total is under the limit and a
 * bucket's worth of work per client evicted otherwise. */
#define MEM_BUCKET_MIN_LOG 15
#define MEM_BUCKET_MAX_LOG 33
#define MEM_BUCKETS (1 + MEM_BUCKET_MAX_LOG - MEM_BUCKET_MIN_LOG)
/* Redis's floor for maxmemory-clients: a tiny limit must still let one
 * talk to the server. */
#define MEM_CLIENTS_MIN (128 * 1024)

static client *mem_buckets[MEM_BUCKETS];
static size_t mem_by_type[CLIENT_TYPES];

static int type_of(const client *c) {
    if (c->flags & CLIENT_MASTER) return CLIENT_TYPE_MASTER;
    if (c->flags & CLIENT_REPLICA) return CLIENT_TYPE_REPLICA;
    if (c->flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
    return CLIENT_TYPE_NORMAL;
}

static int bucket_of(size_t mem) {
    int bits = mem ? 64 - __builtin_clzll((unsigned long long)mem) : 0;
    int i = bits - MEM_BUCKET_MIN_LOG;
    if (i < 0) return 0;
    return i < MEM_BUCKETS ? i : MEM_BUCKETS - 1;
}

/* Masters and replicas are never evicted, nor a CLIENT NO-EVICT one. */
static bool evictable(const client *c) {
    return c->mem_type == CLIENT_TYPE_NORMAL || c->mem_type == CLIENT_TYPE_PUBSUB
               ? !(c->flags & (CLIENT_NO_EVICT | CLIENT_CLOSE_ASAP))
               : false;
}

static void bucket_unlink(client *c) {
    if (c->mem_bucket < 0) return;
    if (c->bucket_prev) c->bucket_prev->bucket_next = c->bucket_next;
    else mem_buckets[c->mem_bucket] = c->bucket_next;
    if (c->bucket_next) c->bucket_next->bucket_prev = c->bucket_prev;
    c->bucket_prev = c->bucket_next = NULL;
    c->mem_bucket = -1;
}

static void rebucket(client *c) {
    int b = evictable(c) ? bucket_of(c->mem_last) : -1;
    if (b == c->mem_bucket) return;
    bucket_unlink(c);
    if (b < 0) return;
    c->mem_bucket = (int8_t)b;
    c->bucket_next = mem_buckets[b];
    if (c->bucket_next) c->bucket_next->bucket_prev = c;
    mem_buckets[b] = c;
}

size_t client_mem_usage(const client *c, size_t *multi_mem) {
    size_t mem = sizeof(client) + c->buf_cap + sizeof(str) + 1 + c->qbuf->cap +
                 c->argv_cap * sizeof(slice) + c->reply_bytes +
                 c->parser.argv_cap * sizeof(c->parser.argv[0]);
    /* The running request's arguments, as Redis's argv-mem (ours point
     * into the query buffer, Redis's are objects of their own). */
    for (int i = 0; i < c->argc; i++) mem += c->argv[i].len;
    size_t mm = 0;
    if (c->multi || c->pubsub || c->tracking_prefixes) mem += seam_client_mem(c, &mm);
    if (multi_mem) *multi_mem = mm;
    return mem;
}

void client_mem_update(client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_CLOSE_ASAP)) return;
    size_t mem = client_mem_usage(c, NULL);
    int type = type_of(c);
    if (mem == c->mem_last && type == c->mem_type) return;
    if (c->mem_type >= 0) mem_by_type[c->mem_type] -= c->mem_last;
    mem_by_type[type] += mem;
    c->mem_last = mem;
    c->mem_type = (int8_t)type;
    rebucket(c);
}

/* c leaves the accounting (closing or freed). */
static void mem_forget(client *c) {
    if (c->mem_type >= 0) mem_by_type[c->mem_type] -= c->mem_last;
    c->mem_type = -1;
    c->mem_last = 0;
    bucket_unlink(c);
}

void client_set_no_evict(client *c, bool on) {
    if (on) c->flags |= CLIENT_NO_EVICT;
    else c->flags &= ~CLIENT_NO_EVICT;
    rebucket(c);
}

size_t client_mem_of_type(int type) { return mem_by_type[type]; }

/* maxmemory-clients in bytes (0: off); a percentage is of maxmemory. */
static size_t eviction_limit(void) {
    long long v = cfg.maxmemory_clients;
    unsigned long long limit;
    if (v > 0) limit = (unsigned long long)v;
    else if (v < 0 && cfg.maxmemory)
        limit = cfg.maxmemory / 100 * (unsigned long long)-v +
                cfg.maxmemory % 100 * (unsigned long long)-v / 100;
    else return 0;
    return limit < MEM_CLIENTS_MIN ? MEM_CLIENTS_MIN : (size_t)limit;
}

/* An evicted client's buffers go now, not when it is freed before
 * sleeping: the memory must be back before key eviction looks (Redis frees
 * it at once). Not while one of its requests runs (its argv points into
 * the query buffer): then it goes with the client. */
static void release_buffers(client *c) {
    if (c->argc != 0) return;
    if (c->flags & CLIENT_IO_QUEUED) uring_run(); /* it may be reading into qbuf */
    reply_discard(c);
    str_free(c->qbuf);
    c->qbuf = str_new_cap(0);
    c->qpos = 0;
    c->qgen++;
    resp_parser_reset(&c->parser);
    c->parsed_ahead = false;
}

void client_evict(void) {
    size_t limit = eviction_limit();
    if (limit == 0) return;
    int b = MEM_BUCKETS - 1;
    while (mem_by_type[CLIENT_TYPE_NORMAL] + mem_by_type[CLIENT_TYPE_PUBSUB] >= limit) {
        while (b >= 0 && mem_buckets[b] == NULL) b--;
        if (b < 0) return;
        client *c = mem_buckets[b];
        if (c->flags & (CLIENT_MASTER | CLIENT_REPLICA | CLIENT_NO_EVICT)) {
            /* Became one since it was last counted: never evicted. */
            bucket_unlink(c);
            continue;
        }
        str *info = client_info_line(str_new(NULL, 0), c);
        log_msg(LOG_VERBOSE, "Evicting client: %s", info->buf);
        str_free(info);
        srv.stat_evicted_clients++;
        client_close_async(c); /* leaves its bucket and the totals */
        release_buffers(c);
    }
}

/* ---- Periodic work and introspection ---- */

/* Output beyond the static buffer that a client which must authenticate
 * and has not may hold (Redis 7.0.15 as patched for CVE-2025-21605): a
 * client that pipelines requests and never reads the NOAUTH errors cannot
 * make the server buffer them. */
#define UNAUTH_OUTPUT_LIMIT 1024

static int obuf_class(const client *c) {
    return (c->flags & CLIENT_REPLICA)  ? COBL_REPLICA
           : (c->flags & CLIENT_PUBSUB) ? COBL_PUBSUB
                                        : COBL_NORMAL;
}

unsigned long long client_output_hard_limit(const client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_MASTER)) return 0;
    return cfg.client_output_buffer_limit[obuf_class(c)].hard;
}

void client_check_output_limits(client *c) {
    if (c->fd == -1 || (c->flags & CLIENT_CLOSE_ASAP)) return;
    int cls = obuf_class(c);
    if (c->flags & CLIENT_MASTER) return;
    cobl_limit *l = &cfg.client_output_buffer_limit[cls];
    unsigned long long used = c->reply_bytes;
    if (c->flags & CLIENT_REPLICA) used += seam_replica_pending(c); /* shared buffer */
    /* A replica's hard limit below repl-backlog-size would cut every link
     * that a partial resync just accepted: Redis uses the backlog size. */
    unsigned long long hard_limit = l->hard;
    if (cls == COBL_REPLICA && hard_limit && hard_limit < (unsigned long long)cfg.repl_backlog_size)
        hard_limit = (unsigned long long)cfg.repl_backlog_size;
    bool hard = (hard_limit && used >= hard_limit) ||
                (!c->authenticated && used > UNAUTH_OUTPUT_LIMIT && client_auth_required(c));
    bool soft = false;
    if (l->soft && used >= l->soft) {
        if (c->obuf_soft_since == 0) c->obuf_soft_since = srv.mstime;
        else soft = (srv.mstime - c->obuf_soft_since) / 1000 >= l->soft_seconds;
    } else {
        c->obuf_soft_since = 0;
    }
    if (hard || soft) {
        str *info = client_info_line(str_new(NULL, 0), c);
        log_msg(LOG_WARNING,
                "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                info->buf);
        str_free(info);
        srv.stat_client_outbuf_limit_disconnections++;
        client_close_async(c);
    }
}

/* DEBUG REPLYBUFFER: how often a buffer's peak restarts from what it
 * holds (ms, -1 never), and whether buffers are resized at all. */
#define REPLY_PEAK_RESET_MS 5000
static long long reply_peak_reset_ms = REPLY_PEAK_RESET_MS;
static bool reply_resizing = true;

void client_reply_buffer_tuning(long long peak_reset_ms, int resizing) {
    if (peak_reset_ms != CLIENT_TUNING_KEEP)
        reply_peak_reset_ms =
            peak_reset_ms == CLIENT_TUNING_DEFAULT ? REPLY_PEAK_RESET_MS : peak_reset_ms;
    if (resizing != (int)CLIENT_TUNING_KEEP) reply_resizing = resizing != 0;
}

/* As Redis's clientsCronResizeOutputBuffer: a reply buffer whose recent
 * peak used under half of it shrinks to just past that peak (not under
 * CLIENT_BUF_MIN); one that replies filled doubles, up to CLIENT_BUF_SIZE.
 * The peak restarts from the bytes held every reply_peak_reset_ms. */
static void resize_reply_buf(client *c) {
    if (!reply_resizing) return;
    size_t size = 0;
    if (c->buf_cap / 2 >= CLIENT_BUF_MIN && c->buf_peak < c->buf_cap / 2) {
        size = c->buf_peak + 1 > CLIENT_BUF_MIN ? c->buf_peak + 1 : CLIENT_BUF_MIN;
        srv.stat_reply_buffer_shrinks++;
    } else if (c->buf_cap * 2 < CLIENT_BUF_SIZE * 2 && c->buf_peak == c->buf_cap) {
        size = c->buf_cap * 2 < CLIENT_BUF_SIZE ? c->buf_cap * 2 : CLIENT_BUF_SIZE;
        srv.stat_reply_buffer_expands++;
    }
    if (reply_peak_reset_ms >= 0 && srv.mstime - c->buf_peak_reset_ms >= reply_peak_reset_ms) {
        c->buf_peak = c->buf_used;
        c->buf_peak_reset_ms = srv.mstime;
    }
    if (size == 0 || size < c->buf_used) return;
    char *buf = mem_alloc(size);
    memcpy(buf, c->buf, c->buf_used);
    mem_free(c->buf);
    c->buf = buf;
    c->buf_cap = mem_usable(buf);
}

void client_cron(void) {
    for (client *c = srv.clients; c; c = c->next) {
        if (c->flags & CLIENT_CLOSE_ASAP) continue;
        if (cfg.timeout &&
            !(c->flags & (CLIENT_MASTER | CLIENT_REPLICA | CLIENT_BLOCKED | CLIENT_PAUSED_WAIT |
                          CLIENT_PUBSUB)) &&
            (srv.mstime - c->last_interaction_ms) / 1000 > cfg.timeout) {
            log_msg(LOG_VERBOSE, "Closing idle client");
            client_close_async(c);
            continue;
        }
        /* Give back the memory of an empty query buffer that wastes more
         * than 4 KB: all of it when its client is idle for over 2 s; when it
         * is past 32 KB and twice its recent peak, down to that peak but no
         * less than one read's worth, which the client's next request needs
         * (Redis's clientsCronResizeQueryBuffer counts that read in its
         * peak). A busy client never shows a zero-sized buffer. */
        size_t qcap = c->qbuf->cap;
        bool idle = srv.mstime - c->last_interaction_ms > 2000;
        if (qcap - c->qbuf->len > 4096 && c->qbuf->len == 0 && c->parser.need == 0 &&
            (idle || (qcap > 32 * 1024 && qcap / 2 > c->qbuf_peak))) {
            size_t keep = c->qbuf_peak > READ_CHUNK ? c->qbuf_peak : READ_CHUNK;
            str_free(c->qbuf);
            c->qbuf = str_new_cap(idle ? 0 : keep);
            c->qgen++;
        }
        /* Likewise the argument arrays a huge request left behind. */
        if (c->argc == 0 && c->parser.kind == 0 && c->argv_cap > 1024) {
            mem_free(c->argv);
            c->argv = NULL;
            c->argv_cap = 0;
            resp_parser_clear(&c->parser);
        }
        c->qbuf_peak = c->qbuf->len;
        resize_reply_buf(c);
        if (c->reply_bytes || (c->flags & CLIENT_REPLICA)) client_check_output_limits(c);
        client_mem_update(c);
    }
}

const char *client_type_name(const client *c) {
    if (c->flags & CLIENT_MASTER) return "master";
    if (c->flags & CLIENT_REPLICA) return "replica";
    if (c->flags & CLIENT_PUBSUB) return "pubsub";
    return "normal";
}

client *client_find_by_id(uint64_t id) {
    if (by_id == NULL) return NULL;
    dict_link *link = dict_find(by_id, (const char *)&id, sizeof(id));
    return link ? client_of_link(link) : NULL;
}

bool client_name_valid(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] < '!' || p[i] > '~') return false;
    return true;
}

str *client_info_line(str *s, client *c) {
    char flags[32], *f = flags;
    if (c->flags & CLIENT_REPLICA) *f++ = 'S';
    if (c->flags & CLIENT_MONITOR) *f++ = 'O'; /* a replica's place, as Redis's monitors */
    if (c->flags & CLIENT_MASTER) *f++ = 'M';
    if (c->flags & CLIENT_PUBSUB) *f++ = 'P';
    if (c->flags & CLIENT_MULTI) *f++ = 'x';
    if (c->flags & (CLIENT_BLOCKED | CLIENT_PAUSED_WAIT)) *f++ = 'b'; /* Redis blocks paused ones */
    if (c->tracking & TRACKING_ON) *f++ = 't';
    if (c->tracking & TRACKING_BROKEN_REDIR) *f++ = 'R';
    if (c->tracking & TRACKING_BCAST) *f++ = 'B';
    if (c->multi && seam_watch_dirty(c)) *f++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *f++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) *f++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET) *f++ = 'U';
    if (c->flags & CLIENT_READONLY) *f++ = 'r';
    if (c->flags & CLIENT_NO_EVICT) *f++ = 'e';
    if (f == flags) *f++ = 'N';
    *f = '\0';
    char events[3], *e = events;
    int mask = c->fd != -1 ? ev_mask(c->fd) : 0;
    if (mask & EV_READ) *e++ = 'r';
    if (mask & EV_WRITE) *e++ = 'w';
    *e = '\0';
    size_t obl = c->buf_used;
    size_t oll = 0;
    for (reply_block *b = c->head; b; b = b->next) oll++;
    /* An empty buffer too small to read into counts as none, as Redis's
     * freed query buffer shows qbuf-free=0. */
    size_t qbuf_free = c->qbuf->cap < 64 && c->qbuf->len == 0 ? 0 : c->qbuf->cap - c->qbuf->len;
    size_t argv_mem = 0;
    for (int i = 0; i < c->argc; i++) argv_mem += c->argv[i].len;
    /* A big argument on its way: Redis has already moved the request's
     * earlier arguments to argv and cut its buffer to start at the bulk,
     * so qbuf shows only the bulk's bytes (tests wait for that figure). */
    size_t qbuf = c->qbuf->len;
    const resp_parser *p = &c->parser;
    if (p->bulk_len >= RESP_BIG_ARG && qbuf >= c->qpos + p->pos) {
        qbuf -= c->qpos + p->pos;
        for (size_t i = 0; i < p->argc; i++) argv_mem += p->argv[i].len;
    }
    size_t multi_mem;
    size_t tot = client_mem_usage(c, &multi_mem);
    int multi = (c->flags & CLIENT_MULTI) ? c->multi_len : -1;
    const char *cmd = c->lastcmd ? c->lastcmd->fullname : "NULL";
    return str_catfmt(
        s,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
        "sub=%llu psub=%llu ssub=%llu multi=%d qbuf=%zu qbuf-free=%zu argv-mem=%zu "
        "multi-mem=%zu rbs=%zu rbp=%zu obl=%zu oll=%zu omem=%zu tot-mem=%zu events=%s "
        "cmd=%s user=%s redir=%lld resp=%d",
        (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name->buf : "",
        (srv.mstime - c->ctime_ms) / 1000, (srv.mstime - c->last_interaction_ms) / 1000, flags,
        c->dbid, (unsigned long long)c->pubsub_channels, (unsigned long long)c->pubsub_patterns,
        (unsigned long long)c->pubsub_shard_channels, multi, qbuf, qbuf_free, argv_mem, multi_mem,
        c->buf_cap, c->buf_peak, obl, oll, c->reply_bytes, tot, events, cmd,
        (c->flags & CLIENT_MASTER) ? "(superuser)" : (c->user_name ? c->user_name : "default"),
        (c->tracking & TRACKING_ON) ? (long long)c->tracking_redir : -1LL, c->resp);
}

unsigned long client_paused_count(void) {
    unsigned long n = 0;
    for (client *c = paused_head; c; c = c->unpause_next) n++;
    return n;
}

static bool unpause_deferred; /* client_unpause_all() from inside a command */

/* Resume postponed clients in the order they were paused, as Redis does.
 * One that a pause still holds (a new pause began) joins a fresh queue.
 * From inside a command (CLIENT UNPAUSE, a CLIENT PAUSE that replaces an
 * expired one, SHUTDOWN ABORT, FAILOVER...) they wait for the loop's
 * before-sleep step instead, as Redis queues them with its unblocked
 * clients: run there and then, their requests would land in the middle of
 * the command, inside its EXEC, and before the rest of its pipeline. */
void client_unpause_all(void) {
    if (cmdtable_call_depth() > 0) {
        unpause_deferred = true;
        return;
    }
    unpause_deferred = false;
    client *c = paused_head;
    paused_head = paused_tail = NULL;
    while (c) {
        client *next = c->unpause_next;
        c->unpause_next = NULL;
        c->flags &= ~CLIENT_PAUSED_WAIT;
        client_process_input(c);
        c = next;
    }
}

void client_resume_unpaused(void) {
    while (unpause_deferred) client_unpause_all(); /* one resumed may unpause again */
}

bool client_unpause_pending(void) { return unpause_deferred; }
