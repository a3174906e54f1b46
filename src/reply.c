/* reply.c -- replies: encoding into a client's output buffers and writing
 * them to the socket.
 *
 * A reply goes into the client's reply buffer (1-16 KB, resized by the
 * cron as Redis does) while no overflow block exists, else onto the tail
 * block, so byte order is always queue order. Output is only written in the before-sleep hook (one writev per
 * client per loop turn) or by the write handler when the socket was full.
 * Output-buffer limits are checked, and the client's memory recounted,
 * when blocks are added.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "reply.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cmdtable.h"
#include "config.h"
#include "conn.h"
#include "errors.h"
#include "log.h"
#include "mem.h"
#include "resp.h"
#include "seam.h"
#include "server.h"
#include "util.h"

#define BLOCK_SIZE (16 * 1024)

/* A rogue replica's request made a reply: as Redis, never write it into
 * the replication stream; log and disconnect the replica. */
static void replica_replied(client *c) {
    str *info = client_info_line(str_new(NULL, 0), c);
    log_msg(LOG_WARNING, "Replica generated a reply to command '%s', disconnecting it: %s",
            c->cmd ? c->cmd->fullname : "<unknown>", info->buf);
    str_free(info);
    client_close_async(c);
}

/* Flags any of which wants_reply() must look at more closely; a plain
 * client already queued for writing has none of them but PENDING_WRITE. */
#define REPLY_SLOW_FLAGS                                                                           \
    (CLIENT_CLOSE_ASAP | CLIENT_REPLICA_CMD | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP |               \
     CLIENT_MASTER | CLIENT_PENDING_WRITE)

static __attribute__((noinline)) bool wants_reply_slow(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP) return false;
    if (c->flags & CLIENT_REPLICA_CMD) {
        replica_replied(c);
        return false;
    }
    /* CLIENT REPLY OFF/SKIP silence replies, not pushes. */
    if ((c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) && !(c->flags & CLIENT_PUSHING))
        return false;
    /* A script's fake client keeps its replies for the script to read. */
    if (c->fd == -1) return (c->flags & CLIENT_SCRIPT) != 0;
    /* Our master reads no replies, except REPLCONF ACK. */
    if ((c->flags & (CLIENT_MASTER | CLIENT_MASTER_FORCE_REPLY)) == CLIENT_MASTER) return false;
    if (!(c->flags & CLIENT_PENDING_WRITE)) client_install_pending_write(c);
    return true;
}

/* Every reply asks: the common answer inline, the rest out of line. */
static inline bool wants_reply(client *c) {
    if ((c->flags & REPLY_SLOW_FLAGS) == CLIENT_PENDING_WRITE && c->fd != -1) return true;
    return wants_reply_slow(c);
}

static reply_block *new_block(client *c, size_t need) {
    size_t cap = need > BLOCK_SIZE ? need : BLOCK_SIZE;
    reply_block *b = mem_alloc(sizeof(reply_block) + cap);
    b->cap = mem_usable(b) - sizeof(reply_block);
    b->used = 0;
    b->next = NULL;
    if (c->tail) c->tail->next = b;
    else c->head = b;
    c->tail = b;
    c->reply_bytes += b->cap;
    /* The buffer overflowed: it was too small at its peak. */
    c->buf_peak = c->buf_cap;
    return b;
}

static void append(client *c, const char *p, size_t len) {
    if (c->head == NULL) {
        size_t room = c->buf_cap - c->buf_used;
        if (len <= room) {
            memcpy(c->buf + c->buf_used, p, len);
            c->buf_used += len;
            return;
        }
        memcpy(c->buf + c->buf_used, p, room);
        c->buf_used += room;
        p += room;
        len -= room;
    }
    reply_block *t = c->tail;
    if (t && t->cap > t->used) {
        size_t room = t->cap - t->used;
        size_t n = len < room ? len : room;
        memcpy(t->data + t->used, p, n);
        t->used += n;
        p += n;
        len -= n;
    }
    if (len) {
        t = new_block(c, len);
        memcpy(t->data, p, len);
        t->used = len;
        client_check_output_limits(c);
        client_mem_update(c);
    }
}

/* Room for 'need' more bytes where append() would put the next ones (the
 * client's own buffer, or the last reply block once there are blocks),
 * without splitting them: where to write them in place, with *used the
 * count to add what was written to; else NULL and the caller goes
 * through append(). Saves the copy from a scratch buffer on the
 * commonest replies. */
static inline char *room_for(client *c, size_t need, size_t **used) {
    if (c->head == NULL) {
        if (c->buf_cap - c->buf_used < need) return NULL;
        *used = &c->buf_used;
        return c->buf + c->buf_used;
    }
    reply_block *t = c->tail;
    if (t->cap - t->used < need) return NULL;
    *used = &t->used;
    return t->data + t->used;
}

void reply_raw(client *c, const char *p, size_t len) {
    if (!wants_reply(c)) return;
    append(c, p, len);
}

static void add_hdr(client *c, char type, long long n) {
    char hdr[RESP_HDR_MAX];
    size_t l = resp_enc_hdr(hdr, type, n);
    append(c, hdr, l);
}

void reply_ok(client *c) { reply_raw(c, "+OK\r\n", 5); }

/* Append p[0..len) as the body of a one-line reply: CR and LF become
 * spaces, so bytes that came from a user can't end the line and forge
 * replies after it. */
static void append_line(client *c, const char *p, size_t len) {
    while (len) {
        size_t n = 0;
        while (n < len && p[n] != '\r' && p[n] != '\n') n++;
        append(c, p, n);
        if (n == len) return;
        append(c, " ", 1);
        p += n + 1;
        len -= n + 1;
    }
}

void reply_simple(client *c, const char *s) {
    if (!wants_reply(c)) return;
    append(c, "+", 1);
    append_line(c, s, strlen(s));
    append(c, "\r\n", 2);
}

/* ---- Errors and their statistics ---- */

typedef struct errstat {
    char *code; /* the error's first word, whole */
    unsigned long long count;
} errstat;

/* As Redis 7.0, every distinct code is tracked (7.2 added a limit). */
static errstat *errstats;
static int nerrstats, errstats_cap;
static unsigned long long total_errors;

static void count_error(const char *err, size_t len) {
    size_t clen = 0;
    while (clen < len && err[clen] != ' ') clen++;
    total_errors++;
    srv.stat_total_error_replies++;
    for (int i = 0; i < nerrstats; i++) {
        if (strlen(errstats[i].code) == clen && memcmp(errstats[i].code, err, clen) == 0) {
            errstats[i].count++;
            return;
        }
    }
    if (nerrstats == errstats_cap) {
        errstats_cap = errstats_cap ? errstats_cap * 2 : 16;
        errstats = mem_realloc(errstats, sizeof(*errstats) * (size_t)errstats_cap);
    }
    errstats[nerrstats].code = mem_strndup(err, clen);
    errstats[nerrstats++].count = 1;
}

void reply_errorstats(reply_errstat_fn *fn, void *priv) {
    for (int i = 0; i < nerrstats; i++) fn(priv, errstats[i].code, errstats[i].count);
}

void reply_errorstats_reset(void) {
    for (int i = 0; i < nerrstats; i++) mem_free(errstats[i].code);
    nerrstats = 0;
    total_errors = 0;
}

unsigned long long reply_total_errors(void) { return total_errors; }

static void error_len(client *c, const char *err, size_t len, bool count) {
    if (count) count_error(err, len);
    if (c->flags & CLIENT_MASTER) {
        srv.stat_unexpected_error_replies++;
        seam_master_error(c, err, len); /* logs; may panic (propagation-error-behavior) */
    }
    bool want = wants_reply(c);
    if ((c->flags & CLIENT_REPLICA) && !(c->flags & CLIENT_MONITOR))
        log_msg(LOG_WARNING,
                "== CRITICAL == This master is sending an error to its replica: '%.*s' after "
                "processing the command '%s'",
                (int)len, err, c->lastcmd ? c->lastcmd->fullname : "<unknown>");
    if (!want) return;
    /* Newlines would break the protocol (and let user bytes echoed in an
     * error forge replies): as Redis's addReplyErrorFormat, trailing ones
     * are dropped and the others become spaces. */
    while (len && (err[len - 1] == '\r' || err[len - 1] == '\n')) len--;
    append(c, "-", 1);
    append_line(c, err, len);
    append(c, "\r\n", 2);
}

void reply_error(client *c, const char *err) { error_len(c, err, strlen(err), true); }

/* Not in the error counts, yet the command that replies it failed (Redis's
 * ERR_REPLY_FLAG_NO_STATS_UPDATE). */
void reply_error_nostats(client *c, const char *err) {
    error_len(c, err, strlen(err), false);
    if (c->cmd) c->cmd->failed++;
}

/* Like addReplyErrorFormat(), no length limit: an argument quoted with
 * "%s" comes back whole (the formats that cut say so, as '%.128s'). */
void reply_errorf(client *c, const char *fmt, ...) {
    char buf[1024];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof(buf)) {
        error_len(c, buf, (size_t)n, true);
    } else {
        str *big = str_catvfmt(str_new_cap((size_t)n + 1), fmt, again);
        error_len(c, big->buf, big->len, true);
        str_free(big);
    }
    va_end(again);
}

void reply_error_arity(client *c) {
    const char *name = c->cmd && c->cmd->fullname ? c->cmd->fullname : c->argv[0].ptr;
    reply_errorf(c, ERR_ARITY, name);
}

void reply_error_subcommand(client *c, const char *cmd) {
    reply_errorf(c, ERR_SUBCOMMAND_SYNTAX, c->argv[1].ptr, cmd);
}

/* ---- Scalars ---- */

void reply_int(client *c, long long v) {
    if (!wants_reply(c)) return;
    /* ':', at most 20 characters ("-9223372036854775808"), CRLF; the NUL
     * util_ll2str() writes lands where the CR goes. */
    size_t *used;
    char *d = room_for(c, 1 + UTIL_LLSTR_SIZE + 2, &used);
    if (d == NULL) {
        add_hdr(c, ':', v);
        return;
    }
    d[0] = ':';
    size_t l;
    if (v >= 0 && v <= 9) {
        d[1] = (char)('0' + v);
        l = 2;
    } else {
        l = 1 + util_ll2str(d + 1, v);
    }
    d[l] = '\r';
    d[l + 1] = '\n';
    *used += l + 2;
}

void reply_bulk(client *c, const char *p, size_t len) {
    if (!wants_reply(c)) return;
    char *d;
    size_t *used;
    if (len <= 64 && (d = room_for(c, RESP_HDR_MAX + 64 + 2, &used)) != NULL) {
        /* Small bulks straight into the client's buffer. */
        size_t l = resp_enc_hdr(d, '$', (long long)len);
        memcpy(d + l, p, len);
        l += len;
        d[l++] = '\r';
        d[l++] = '\n';
        *used += l;
        return;
    }
    char hdr[RESP_HDR_MAX + 64];
    size_t l = resp_enc_hdr(hdr, '$', (long long)len);
    if (len <= 64) {
        /* Small bulks: one copy for header, payload and CRLF. */
        memcpy(hdr + l, p, len);
        l += len;
        hdr[l++] = '\r';
        hdr[l++] = '\n';
        append(c, hdr, l);
        return;
    }
    append(c, hdr, l);
    append(c, p, len);
    append(c, "\r\n", 2);
}

/* Stage bytes for append(): one call per STAGE_SIZE instead of three per
 * bulk (XRANGE of 100 entries spent half its time appending). */
#define STAGE_SIZE 1024
typedef struct stage {
    size_t len;
    char buf[STAGE_SIZE];
} stage;

static void stage_hdr(client *c, stage *st, char type, long long n) {
    if (st->len + RESP_HDR_MAX > STAGE_SIZE) {
        append(c, st->buf, st->len);
        st->len = 0;
    }
    st->len += resp_enc_hdr(st->buf + st->len, type, n);
}

static void stage_bulk(client *c, stage *st, const slice *b) {
    stage_hdr(c, st, '$', (long long)b->len);
    if (st->len + b->len + 2 > STAGE_SIZE) {
        append(c, st->buf, st->len);
        st->len = 0;
        if (b->len + 2 > STAGE_SIZE) {
            append(c, b->ptr, b->len);
            append(c, "\r\n", 2);
            return;
        }
    }
    memcpy(st->buf + st->len, b->ptr, b->len);
    st->len += b->len;
    st->buf[st->len++] = '\r';
    st->buf[st->len++] = '\n';
}

/* A bulk at p (room checked by the caller); returns the end. */
static inline char *put_bulk(char *p, const slice *b) {
    p += resp_enc_hdr(p, '$', (long long)b->len);
    memcpy(p, b->ptr, b->len);
    p += b->len;
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

void reply_bulk_and_bulks(client *c, const slice *head, const slice *items, size_t n) {
    if (!wants_reply(c)) return;
    /* Straight into the client's buffer when it has room for the most
     * this can take (a stream entry read by XRANGE or XREADGROUP). */
    size_t need = 2 * RESP_HDR_MAX + RESP_HDR_MAX + head->len + 2;
    for (size_t i = 0; i < n; i++) need += RESP_HDR_MAX + items[i].len + 2;
    size_t *used;
    char *d = room_for(c, need, &used);
    if (d) {
        char *p = d;
        p += resp_enc_hdr(p, '*', 2);
        p = put_bulk(p, head);
        p += resp_enc_hdr(p, '*', (long long)n);
        for (size_t i = 0; i < n; i++) p = put_bulk(p, &items[i]);
        *used += (size_t)(p - d);
        return;
    }
    stage st;
    st.len = 0;
    stage_hdr(c, &st, '*', 2);
    stage_bulk(c, &st, head);
    stage_hdr(c, &st, '*', (long long)n);
    for (size_t i = 0; i < n; i++) stage_bulk(c, &st, &items[i]);
    append(c, st.buf, st.len);
}

void reply_bulk_cstr(client *c, const char *s) { reply_bulk(c, s, strlen(s)); }

void reply_bulk_ll(client *c, long long v) {
    char buf[UTIL_LLSTR_SIZE];
    size_t l = util_ll2str(buf, v);
    reply_bulk(c, buf, l);
}

void reply_null(client *c) {
    if (c->resp == 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(client *c) {
    if (c->resp == 3) reply_raw(c, "_\r\n", 3);
    else reply_raw(c, "*-1\r\n", 5);
}

void reply_array(client *c, long long n) {
    if (!wants_reply(c)) return;
    add_hdr(c, '*', n);
}

void reply_empty_array(client *c) { reply_raw(c, "*0\r\n", 4); }

void reply_map(client *c, long long n) {
    if (!wants_reply(c)) return;
    if (c->resp == 3) add_hdr(c, '%', n);
    else add_hdr(c, '*', n * 2);
}

void reply_set(client *c, long long n) {
    if (!wants_reply(c)) return;
    add_hdr(c, c->resp == 3 ? '~' : '*', n);
}

void reply_push(client *c, long long n) {
    if (!wants_reply(c)) return;
    add_hdr(c, c->resp == 3 ? '>' : '*', n);
}

/* A double's text: a bulk string in RESP2, a double in RESP3. */
static void double_text(client *c, const char *buf, size_t l) {
    if (c->resp == 3) {
        if (!wants_reply(c)) return;
        append(c, ",", 1);
        append(c, buf, l);
        append(c, "\r\n", 2);
    } else {
        reply_bulk(c, buf, l);
    }
}

/* Redis's addReplyDouble() spells only infinities itself and gives the rest
 * to "%.17g", so a NaN keeps its sign: a script's {double=0/0} is "-nan". */
void reply_double(client *c, double d) {
    char buf[UTIL_DSTR_SIZE];
    if (isnan(d)) {
        double_text(c, signbit(d) ? "-nan" : "nan", signbit(d) ? 4 : 3);
        return;
    }
    double_text(c, buf, util_d2str(buf, d));
}

void reply_human_double(client *c, long double d) {
    char buf[UTIL_DSTR_SIZE];
    double_text(c, buf, util_ld2str(buf, d));
}

void reply_big_number(client *c, const char *p, size_t len) {
    if (c->resp == 2) {
        reply_bulk(c, p, len);
        return;
    }
    if (!wants_reply(c)) return;
    append(c, "(", 1);
    append(c, p, len);
    append(c, "\r\n", 2);
}

void reply_bool(client *c, int b) {
    if (c->resp == 3) reply_raw(c, b ? "#t\r\n" : "#f\r\n", 4);
    else reply_raw(c, b ? ":1\r\n" : ":0\r\n", 4);
}

void reply_verbatim(client *c, const char *p, size_t len, const char *ext) {
    if (c->resp == 2) {
        reply_bulk(c, p, len);
        return;
    }
    if (!wants_reply(c)) return;
    /* Like addReplyVerbatim(): a format shorter than three bytes (up to a
     * NUL) is padded with spaces. */
    char fmt[5] = "   :";
    for (int i = 0; i < 3 && ext[i] != '\0'; i++) fmt[i] = ext[i];
    add_hdr(c, '=', (long long)len + 4);
    append(c, fmt, 4);
    append(c, p, len);
    append(c, "\r\n", 2);
}

void reply_help(client *c, const char *cmd, const char **lines) {
    long long n = 0;
    while (lines[n]) n++;
    reply_array(c, n + 3);
    char first[256];
    snprintf(first, sizeof(first),
             "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    reply_simple(c, first);
    for (long long i = 0; i < n; i++) reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Prints this help.");
}

/* ---- Deferred lengths ---- */

/* The data after a deferred length goes to a new block, so a block the
 * placeholder closes keeps its free room until written: a pipeline of
 * deferred replies (16 XRANGEs of 6 KB) would hold a 20 KB block each,
 * 1 MB across 50 clients per loop turn, more than jemalloc's caches keep,
 * and its pages are faulted in afresh each turn (twice the kernel time of
 * the reply's own writes). Give a mostly empty tail block's room back
 * first, as Redis's trimReplyUnusedTailSpace does; only near the list's
 * head (its predecessor is found by walking), so the cost stays bounded. */
#define TRIM_WALK_MAX 32
static void trim_tail(client *c) {
    reply_block *t = c->tail;
    if (t == NULL || t->used >= BLOCK_SIZE || t->cap - t->used <= t->cap / 4) return;
    reply_block *prev = NULL;
    if (c->head != t) {
        int steps = 0;
        for (prev = c->head; prev->next != t; prev = prev->next)
            if (++steps == TRIM_WALK_MAX) return;
    }
    size_t old_cap = t->cap;
    t = mem_realloc(t, sizeof(reply_block) + t->used);
    t->cap = mem_usable(t) - sizeof(reply_block);
    c->reply_bytes = c->reply_bytes - old_cap + t->cap;
    if (prev) prev->next = t;
    else c->head = t;
    c->tail = t;
}

void *reply_defer(client *c) {
    if (!wants_reply(c)) return NULL;
    trim_tail(c);
    reply_block *b = mem_alloc(sizeof(reply_block) + RESP_HDR_MAX);
    b->cap = 0; /* full: nothing may be appended into the placeholder */
    b->used = 0;
    b->next = NULL;
    if (c->tail) c->tail->next = b;
    else c->head = b;
    c->tail = b;
    return b;
}

static void set_deferred(client *c, void *node, char type, long long n) {
    if (node == NULL) return;
    reply_block *b = node;
    b->used = b->cap = resp_enc_hdr(b->data, type, n);
    /* Counted from now on, as it is subtracted when written or dropped:
     * uncounted, omem wrapped below zero and the next output-buffer check
     * closed the client. */
    c->reply_bytes += b->cap;
}

void reply_set_deferred_array(client *c, void *node, long long n) { set_deferred(c, node, '*', n); }

void reply_set_deferred_map(client *c, void *node, long long n) {
    if (c->resp == 3) set_deferred(c, node, '%', n);
    else set_deferred(c, node, '*', n * 2);
}

void reply_set_deferred_set(client *c, void *node, long long n) {
    set_deferred(c, node, c->resp == 3 ? '~' : '*', n);
}

/* ---- Output ---- */

void reply_discard(client *c) {
    reply_block *b = c->head;
    while (b) {
        reply_block *next = b->next;
        mem_free(b);
        b = next;
    }
    c->head = c->tail = NULL;
    c->reply_bytes = 0;
    c->buf_used = 0;
    c->sent = 0;
}

size_t reply_pending(const client *c) {
    size_t n = c->buf_used - (c->buf_used ? c->sent : 0);
    for (reply_block *b = c->head; b; b = b->next) n += b->used;
    if (c->buf_used == 0 && c->head) n -= c->sent;
    /* A replica also has the stream to read from the shared buffer, once
     * its full sync no longer holds it. */
    if ((c->flags & (CLIENT_REPLICA | CLIENT_REPL_HOLD)) == CLIENT_REPLICA)
        n += seam_replica_pending(c);
    return n;
}

void reply_drop_tail(client *c, size_t n) {
    while (n) {
        reply_block *t = c->tail;
        if (t == NULL) {
            size_t take = n < c->buf_used ? n : c->buf_used;
            if (take == 0) return;
            c->buf_used -= take;
            if (c->buf_used == 0) c->sent = 0;
            n -= take;
            continue;
        }
        size_t take = n < t->used ? n : t->used;
        t->used -= take;
        n -= take;
        if (t->used) continue;
        reply_block *prev = NULL;
        for (reply_block *b = c->head; b != t; b = b->next) prev = b;
        if (prev) prev->next = NULL;
        else c->head = NULL;
        c->tail = prev;
        c->reply_bytes -= t->cap;
        mem_free(t);
    }
}

/* Bytes held for c: O(1), counting whole blocks. */
static size_t held(const client *c) { return c->buf_used + c->reply_bytes; }

size_t reply_repeat_begin(const client *c) { return held(c); }

bool reply_repeat_stop(client *c, size_t begin) {
    if (!wants_reply(c)) return true;
    if (held(c) - begin <= (size_t)cfg.proto_max_bulk_len) return false;
    log_msg(LOG_WARNING,
            "Client id=%llu addr=%s closed: a reply of random picks with repetition "
            "passed proto-max-bulk-len (%lld bytes)",
            (unsigned long long)c->id, c->addr, cfg.proto_max_bulk_len);
    srv.stat_client_outbuf_limit_disconnections++;
    client_close_async(c);
    return true;
}

/* Writes and frees what was sent; recounts c's memory if blocks went. */
static int write_some(client *c);

int reply_write(client *c) {
    /* The buffer only fills between writes: its peak is what it holds now. */
    if (c->buf_used > c->buf_peak) c->buf_peak = c->buf_used;
    if (c->head == NULL) return write_some(c);
    int rc = write_some(c);
    client_mem_update(c);
    return rc;
}

/* The iovecs of what c holds to send, up to max; *total gets their bytes. */
static int gather(const client *c, struct iovec *iov, int max, size_t *total) {
    int n = 0;
    *total = 0;
    if (c->buf_used) {
        iov[n].iov_base = c->buf + c->sent;
        iov[n].iov_len = c->buf_used - c->sent;
        *total += iov[n++].iov_len;
    }
    size_t skip = c->buf_used ? 0 : c->sent;
    for (reply_block *b = c->head; b && n < max; b = b->next) {
        if (b->used - skip == 0) {
            skip = 0;
            continue;
        }
        iov[n].iov_base = b->data + skip;
        iov[n].iov_len = b->used - skip;
        *total += iov[n++].iov_len;
        skip = 0;
    }
    return n;
}

/* Drop the first w bytes of c's output (they were written): the buffer,
 * then whole blocks, freed as they go. */
static void drop_sent(client *c, size_t w) {
    srv.stat_net_output_bytes += w;
    srv.stat_io_writes++;
    size_t left = w;
    if (c->buf_used) {
        size_t part = c->buf_used - c->sent;
        if (left < part) {
            c->sent += left;
            return;
        }
        left -= part;
        c->buf_used = 0;
        c->sent = 0;
    }
    while (c->head) {
        reply_block *b = c->head;
        size_t part = b->used - c->sent;
        if (left < part) {
            c->sent += left;
            return;
        }
        left -= part;
        c->sent = 0;
        c->head = b->next;
        if (c->head == NULL) c->tail = NULL;
        c->reply_bytes -= b->cap;
        mem_free(b);
    }
}

static int write_some(client *c) {
    for (;;) {
        struct iovec iov[64];
        size_t total;
        int n = gather(c, iov, 64, &total);
        if (n == 0) return (c->flags & CLIENT_REPLICA) ? seam_replica_write(c) : 0;
        ssize_t w = conn_writev(c->fd, c->tls, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            return -1;
        }
        drop_sent(c, (size_t)w);
        /* Short: the socket is full (a TLS write, too, goes on record
         * after record until it is; tls.c). */
        if ((size_t)w < total) return 0;
        if (c->head == NULL && c->buf_used == 0) return 0;
    }
}

int reply_gather(client *c, struct iovec *iov, int max, size_t *total) {
    if (c->buf_used > c->buf_peak) c->buf_peak = c->buf_used;
    return gather(c, iov, max, total);
}

int reply_write_done(client *c, ssize_t w, size_t total) {
    bool had_blocks = c->head != NULL;
    int rc = 0;
    if (w < 0) {
        rc = errno == EAGAIN || errno == EINTR ? 0 : -1;
    } else {
        drop_sent(c, (size_t)w);
        /* All of it went and more is held (past the gathered iovecs): on
         * at once, as write_some() would. */
        if ((size_t)w == total && (c->head || c->buf_used)) rc = write_some(c);
    }
    if (had_blocks) client_mem_update(c);
    return rc;
}
