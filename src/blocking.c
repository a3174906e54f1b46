/* blocking.c -- clients blocked on keys, their timeouts and their wake-up,
 * and the blocking commands (BLPOP ... BLMPOP, BZPOPMIN ... BZMPOP).
 * XREAD and XREADGROUP, which block only with BLOCK, live in t_stream.c and
 * block through blocking_block(); their waiters re-run on every change of
 * the key, whatever it then holds (the command decides).
 *
 * Each key that clients wait on has a FIFO of waiters (one per client and
 * key) in one table keyed by database and key. A write to such a key
 * (db_signal_modified -> blocking_signal_key) only queues it as "ready";
 * the queue is served after the writing command returns (seam_after_call), so
 * a command that pushes several elements, or a MULTI/EXEC, completes before
 * any waiter runs, as in Redis. Serving a key re-runs the blocked commands of
 * its waiters in order while the key still holds the awaited type; each
 * re-run serves from that key, replies and propagates its own effect. A
 * re-run may ready other keys (BLMOVE pushes), so serving loops until the
 * queue stays empty.
 * A blocked client keeps an owned copy of its argv (the query buffer moves
 * on) and stops processing its pipeline (client.c checks CLIENT_BLOCKED);
 * once unblocked it is resumed before the event loop sleeps.
 * Deadlines sit in a binary heap; one event-loop timer is kept armed for the
 * earliest, so timeouts fire with millisecond precision.
 * A blocking command's proc:
 *
 *     long long deadline;
 *     if (!parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
 *     const slice *ready = ready_key_of(c);   // NULL on the first run
 *     ... try the ready key only (or every key on the first run); serve,
 *         reply and propagate the effect (e.g. ZPOPMIN), then return ...
 *     if (!blocking_allowed(c)) { reply_null_array(c); return; }
 *     block(c, keys, nkeys, KV_ZSET, deadline);
 *
 * A client whose deadline passes gets a null array (as Redis 7.0 replies
 * for every list and sorted-set block).
 * Not here: what serving does to a value (t_list.h, t_zset.h export it).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "blocking.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "errors.h"
#include "ev.h"
#include "latency.h"
#include "mem.h"
#include "reply.h"
#include "repl.h"
#include "server.h"
#include "slowlog.h"
#include "t_list.h"
#include "t_zset.h"
#include "util.h"

typedef struct waiter waiter;

/* A key clients wait on, with its FIFO of waiters. Freed when the FIFO
 * empties. Its id is the database number (4 bytes) then the key. */
typedef struct bkey {
    dict_link link;
    waiter *head, *tail;
    bool ready; /* queued for serving */
    size_t idlen;
    char id[];
} bkey;

struct waiter {
    waiter *prev, *next;
    bkey *bk;
    struct bstate *owner;
};

#define NO_HEAP SIZE_MAX

/* What a blocked client waits for; c->bstate while CLIENT_BLOCKED. */
typedef struct bstate {
    client *c;
    int dbid;
    enum kv_type type;
    long long deadline; /* ms, 0: none */
    size_t heap_idx;    /* NO_HEAP without a deadline */
    int nwaiters;
    waiter *waiters;
    struct command *cmd;
    int argc;
    slice *argv;            /* owned: one allocation with the bytes */
    const slice *ready_key; /* set while the command re-runs */
    bool reblocked;         /* block() called during a re-run */
    long long usec;         /* run time so far, counted when it ends */
} bstate;

static const char *bkey_id(const void *e, size_t *len) {
    const bkey *bk = e;
    *len = bk->idlen;
    return bk->id;
}

static void bkey_free(void *e) { mem_free(e); }

static const dict_type bkey_type = {
    .hash = dict_hash_bytes, .key_of = bkey_id, .free_entry = bkey_free};

static dict *bkeys; /* id -> bkey */
static str **ready; /* ids of signalled keys, in order */
static size_t ready_len, ready_cap;
static bstate **heap; /* by deadline */
static size_t heap_len, heap_cap;
static long long timer_id; /* 0: no timer armed */
static long long timer_at; /* the deadline it is armed for */
static client **resume;    /* unblocked clients whose pipelines wait */
static size_t resume_len, resume_cap;
static bool serving;

/* Build a key id in buf (cap bytes) or, if too big, on the heap (caller
 * frees the returned pointer when it differs from buf). */
static char *make_id(char *buf, size_t cap, int dbid, const char *key, size_t klen, size_t *len) {
    *len = sizeof(int) + klen;
    char *id = *len <= cap ? buf : mem_alloc(*len);
    memcpy(id, &dbid, sizeof(int));
    memcpy(id + sizeof(int), key, klen);
    return id;
}

/* ---- Deadlines ---- */

static void heap_swap(size_t i, size_t j) {
    bstate *t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
    heap[i]->heap_idx = i;
    heap[j]->heap_idx = j;
}

static void heap_up(size_t i) {
    while (i > 0 && heap[(i - 1) / 2]->deadline > heap[i]->deadline) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_len && heap[l]->deadline < heap[m]->deadline) m = l;
        if (r < heap_len && heap[r]->deadline < heap[m]->deadline) m = r;
        if (m == i) return;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_add(bstate *b) {
    if (heap_len == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 16;
        heap = mem_realloc(heap, heap_cap * sizeof(*heap));
    }
    b->heap_idx = heap_len;
    heap[heap_len++] = b;
    heap_up(b->heap_idx);
}

static void heap_remove(bstate *b) {
    size_t i = b->heap_idx;
    ASSERT(i < heap_len && heap[i] == b);
    heap_len--;
    if (i != heap_len) {
        heap[i] = heap[heap_len];
        heap[i]->heap_idx = i;
        heap_down(i);
        heap_up(i);
    }
    b->heap_idx = NO_HEAP;
}

unsigned long blocking_timeout_count(void) { return heap_len; }

static void unblock(client *c, bool resume_input);

/* The blocked command ends: its time (all its runs), its failure and
 * its latency are counted now (Redis's updateStatsOnUnblock). */
static void count_unblocked(client *c, bool failed) {
    bstate *b = c->bstate;
    cmdtable_count_unblocked(b->cmd, b->usec, failed);
    if (cfg.latency_tracking) latency_record_command(b->cmd, b->usec);
}

void blocking_add_usec(client *c, long long usec) {
    if (c->bstate) c->bstate->usec += usec;
}

static long long on_timer(long long id, void *data) {
    (void)id;
    (void)data;
    long long now = util_mstime();
    while (heap_len && heap[0]->deadline <= now) {
        client *c = heap[0]->c;
        reply_null_array(c);
        count_unblocked(c, false);
        unblock(c, true);
    }
    if (heap_len == 0) {
        timer_id = 0;
        return -1;
    }
    timer_at = heap[0]->deadline;
    return timer_at - now;
}

/* Keep the timer armed for the earliest deadline. */
static void arm_timer(void) {
    if (heap_len == 0 || (timer_id && timer_at <= heap[0]->deadline)) return;
    if (timer_id) ev_timer_del(timer_id);
    long long ms = heap[0]->deadline - util_mstime();
    timer_at = heap[0]->deadline;
    timer_id = ev_timer_add(ms > 0 ? ms : 0, on_timer, NULL);
}

/* ---- Blocking and unblocking ---- */

/* Parse a timeout in seconds (decimals allowed, as Redis) into an absolute
 * deadline in ms, or 0 for "forever". Replies and returns false on error. */
static bool parse_timeout(client *c, const slice *arg, long long *deadline_ms) {
    long double secs;
    if (!util_str2ld(arg->ptr, arg->len, &secs)) {
        reply_error(c, ERR_TIMEOUT_INVALID);
        return false;
    }
    long double ms = ceill(secs * 1000.0L);
    /* Redis 7.0 casts without a range check, which on x86-64 turns values
     * out of range (inf, 1e300) into LLONG_MIN: they are "negative". */
    long long tval =
        ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L ? (long long)ms : LLONG_MIN;
    if (tval < 0) {
        reply_error(c, ERR_TIMEOUT_NEG);
        return false;
    }
    if (tval > 0) tval = tval > LLONG_MAX - srv.mstime ? LLONG_MAX : tval + srv.mstime;
    *deadline_ms = tval;
    return true;
}

bool blocking_allowed(const client *c) {
    return !(c->flags & (CLIENT_MULTI | CLIENT_FAKE)) && cmdtable_call_depth() <= 1;
}

/* While a blocked command runs again: the key that became ready; NULL on a
 * command's first run. */
static const slice *ready_key_of(const client *c) {
    return c->bstate ? c->bstate->ready_key : NULL;
}

const slice *blocking_ready_key(const client *c) { return ready_key_of(c); }

bool blocking_parse_timeout_ms(client *c, const slice *arg, long long *deadline_ms) {
    long long ms;
    if (!util_str2ll(arg->ptr, arg->len, &ms)) {
        reply_error(c, ERR_TIMEOUT_NOT_INT);
        return false;
    }
    if (ms < 0) {
        reply_error(c, ERR_TIMEOUT_NEG);
        return false;
    }
    if (ms > 0) ms = ms > LLONG_MAX - srv.mstime ? LLONG_MAX : ms + srv.mstime;
    *deadline_ms = ms;
    return true;
}

static void copy_argv(bstate *b, const client *c) {
    size_t bytes = 0;
    for (int i = 0; i < c->argc; i++) bytes += c->argv[i].len;
    b->argc = c->argc;
    b->argv = mem_alloc(sizeof(slice) * (size_t)c->argc + bytes + 1);
    char *p = (char *)(b->argv + c->argc);
    for (int i = 0; i < c->argc; i++) {
        memcpy(p, c->argv[i].ptr, c->argv[i].len);
        b->argv[i] = slice_of(p, c->argv[i].len);
        p += c->argv[i].len;
    }
}

/* Block c on keys[0..nkeys) of its database until one holds a value of
 * 'type' (then the command runs again) or the deadline passes (0: never).
 * Copies the keys and the client's argv. Called again while the command
 * re-runs, it leaves the client blocked where it was. */
static void block(client *c, const slice *keys, int nkeys, enum kv_type type,
                  long long deadline_ms) {
    if (c->bstate) {
        /* A re-run that found nothing after all: stay where it was. */
        c->bstate->reblocked = true;
        return;
    }
    if (bkeys == NULL) bkeys = dict_new(&bkey_type);
    bstate *b = mem_calloc(sizeof(*b));
    b->c = c;
    b->dbid = c->dbid;
    b->type = type;
    b->deadline = deadline_ms;
    b->heap_idx = NO_HEAP;
    b->cmd = c->cmd;
    copy_argv(b, c);
    b->waiters = mem_alloc(sizeof(waiter) * (size_t)nkeys);
    for (int i = 0; i < nkeys; i++) {
        char buf[128];
        size_t idlen;
        char *id = make_id(buf, sizeof(buf), c->dbid, keys[i].ptr, keys[i].len, &idlen);
        bkey *bk = dict_find(bkeys, id, idlen);
        if (bk == NULL) {
            bk = mem_calloc(sizeof(*bk) + idlen);
            bk->idlen = idlen;
            memcpy(bk->id, id, idlen);
            dict_add(bkeys, bk);
        }
        if (id != buf) mem_free(id);
        /* A key named twice waits once (this client's waiters go in order,
         * so a repeat finds this client's waiter at the tail). */
        if (bk->tail && bk->tail >= b->waiters && bk->tail < b->waiters + b->nwaiters) continue;
        waiter *w = &b->waiters[b->nwaiters++];
        w->bk = bk;
        w->owner = b;
        w->next = NULL;
        w->prev = bk->tail;
        if (bk->tail) bk->tail->next = w;
        else bk->head = w;
        bk->tail = w;
    }
    c->bstate = b;
    c->flags |= CLIENT_BLOCKED;
    srv.blocked_clients++;
    if (deadline_ms) {
        heap_add(b);
        arm_timer();
    }
}

void blocking_block(client *c, const slice *keys, int nkeys, enum kv_type type,
                    long long deadline_ms) {
    block(c, keys, nkeys, type, deadline_ms);
}

/* Take c out of every key FIFO and the deadline heap, free its state and,
 * if resume_input, queue its pipeline to be processed before sleeping. */
static void unblock(client *c, bool resume_input) {
    bstate *b = c->bstate;
    ASSERT(b != NULL);
    for (int i = 0; i < b->nwaiters; i++) {
        waiter *w = &b->waiters[i];
        bkey *bk = w->bk;
        if (w->prev) w->prev->next = w->next;
        else bk->head = w->next;
        if (w->next) w->next->prev = w->prev;
        else bk->tail = w->prev;
        if (bk->head == NULL) dict_delete(bkeys, bk->id, bk->idlen);
    }
    if (b->heap_idx != NO_HEAP) heap_remove(b);
    mem_free(b->waiters);
    mem_free(b->argv);
    mem_free(b);
    c->bstate = NULL;
    c->flags &= ~CLIENT_BLOCKED;
    srv.blocked_clients--;
    if (!resume_input) return;
    if (resume_len == resume_cap) {
        resume_cap = resume_cap ? resume_cap * 2 : 16;
        resume = mem_realloc(resume, resume_cap * sizeof(*resume));
    }
    resume[resume_len++] = c;
}

/* Clients blocked in SHUTDOWN, in the order they came. */
static client **shutdown_waiters;
static size_t shutdown_len, shutdown_cap;

static bool forget_shutdown_waiter(client *c) {
    for (size_t i = 0; i < shutdown_len; i++) {
        if (shutdown_waiters[i] != c) continue;
        memmove(shutdown_waiters + i, shutdown_waiters + i + 1,
                (shutdown_len - i - 1) * sizeof(client *));
        shutdown_len--;
        c->flags &= ~CLIENT_BLOCKED;
        srv.blocked_clients--;
        return true;
    }
    return false;
}

void blocking_block_shutdown(client *c) {
    if (shutdown_len == shutdown_cap) {
        shutdown_cap = shutdown_cap ? shutdown_cap * 2 : 4;
        shutdown_waiters = mem_realloc(shutdown_waiters, shutdown_cap * sizeof(client *));
    }
    shutdown_waiters[shutdown_len++] = c;
    c->flags |= CLIENT_BLOCKED;
    srv.blocked_clients++;
}

void blocking_reply_shutdown_waiters(const char *err) {
    while (shutdown_len) {
        client *c = shutdown_waiters[0];
        forget_shutdown_waiter(c);
        reply_error(c, err);
        if (resume_len == resume_cap) {
            resume_cap = resume_cap ? resume_cap * 2 : 16;
            resume = mem_realloc(resume, resume_cap * sizeof(*resume));
        }
        resume[resume_len++] = c;
    }
}

void blocking_client_freed(client *c) {
    if (c->bstate) unblock(c, false);
    else if ((c->flags & CLIENT_BLOCKED) && shutdown_len) forget_shutdown_waiter(c);
    for (size_t i = 0; i < resume_len; i++) {
        if (resume[i] != c) continue;
        memmove(resume + i, resume + i + 1, (resume_len - i - 1) * sizeof(*resume));
        resume_len--;
        break;
    }
}

/* ---- Serving ready keys ---- */

void blocking_signal_key(db *d, const char *key, size_t klen) {
    if (bkeys == NULL || dict_len(bkeys) == 0) return;
    char buf[128];
    size_t idlen;
    char *id = make_id(buf, sizeof(buf), d->id, key, klen, &idlen);
    bkey *bk = dict_find(bkeys, id, idlen);
    if (bk && !bk->ready) {
        bk->ready = true;
        if (ready_len == ready_cap) {
            ready_cap = ready_cap ? ready_cap * 2 : 16;
            ready = mem_realloc(ready, ready_cap * sizeof(*ready));
        }
        ready[ready_len++] = str_new(id, idlen);
    }
    if (id != buf) mem_free(id);
}

/* Run c's blocked command again with 'key' as the ready key; unblock c
 * unless the command blocked again. */
static void rerun(client *c, const char *key, size_t klen) {
    bstate *b = c->bstate;
    slice ready_key = slice_of(key, klen);
    slice *own_argv = c->argv;
    int own_argc = c->argc;
    struct command *own_cmd = c->cmd;
    c->argv = b->argv;
    c->argc = b->argc;
    c->cmd = b->cmd;
    b->ready_key = &ready_key;
    b->reblocked = false;
    unsigned long long errors = reply_total_errors();
    b->usec += cmdtable_run(c, b->cmd);
    /* The served command goes to the slow log as it was sent (BLPOP, not
     * the LPOP it propagates), with the time of all its runs. */
    if (!b->reblocked && !(b->cmd->flags & CMD_SKIP_SLOWLOG)) slowlog_maybe_add(c, b->usec);
    c->argv = own_argv;
    c->argc = own_argc;
    c->cmd = own_cmd;
    b->ready_key = NULL;
    if (!b->reblocked) {
        count_unblocked(c, reply_total_errors() > errors);
        unblock(c, true);
    }
}

/* Serve the waiters of one signalled key, first come first served, while
 * the key holds a value: each re-run consumes from it. */
static void serve_key(const str *id) {
    bkey *bk = dict_find(bkeys, id->buf, id->len);
    if (bk == NULL) return;
    bk->ready = false; /* from here on a new signal queues it again */
    int dbid;
    memcpy(&dbid, id->buf, sizeof(int));
    db *d = db_get(dbid);
    const char *key = id->buf + sizeof(int);
    size_t klen = id->len - sizeof(int);
    /* One access for all the waiters served, as Redis's
     * handleClientsBlockedOnKeys() reads the key once; a re-run's own
     * lookup of it records none, but for BZPOP*, whose pop looks the key up
     * again in Redis too (genericZpopCommand). */
    (void)db_find_read_nostats(d, key, klen);
    waiter *w = bk->head;
    while (w) {
        /* Serving a client frees its waiters, and the bkey with its last. */
        waiter *next = w->next;
        kv *e = db_find_silent(d, key, klen);
        client *c = w->owner->c;
        /* Stream readers re-run on any change of their key, even when it
         * is gone or holds another type: XREADGROUP then fails (Redis
         * 7.0's -UNBLOCKED / -NOGROUP), XREAD blocks again. */
        bool stream = w->owner->type == KV_STREAM;
        if (e == NULL && !stream) { /* consumed (and deleted) */
            w = next;
            continue;
        }
        /* A client being closed must not take an element with it. */
        if ((stream || (enum kv_type)e->type == w->owner->type) &&
            !(c->flags & CLIENT_CLOSE_ASAP)) {
            if (w->owner->type != KV_ZSET) db_skip_access_once(e);
            rerun(c, key, klen);
            db_skip_access_once(NULL);
        }
        w = next;
    }
}

void blocking_serve_ready(void) {
    if (serving || ready_len == 0) return;
    serving = true;
    server_update_time();
    while (ready_len) {
        str **list = ready;
        size_t n = ready_len;
        ready = NULL;
        ready_len = ready_cap = 0;
        for (size_t i = 0; i < n; i++) {
            serve_key(list[i]);
            str_free(list[i]);
        }
        mem_free(list);
    }
    serving = false;
}

void blocking_on_swapdb(int a, int b) {
    if (bkeys == NULL || dict_len(bkeys) == 0) return;
    dict_iter it;
    dict_iter_init(&it, bkeys);
    bkey *bk;
    /* Signalling only queues ids: bkeys does not change while we walk it. */
    while ((bk = dict_iter_next(&it)) != NULL) {
        int dbid;
        memcpy(&dbid, bk->id, sizeof(int));
        if (dbid != a && dbid != b) continue;
        /* Even a key now missing: its stream readers hear of it. */
        blocking_signal_key(db_get(dbid), bk->id + sizeof(int), bk->idlen - sizeof(int));
    }
    dict_iter_done(&it);
}

void blocking_on_flush(int dbid) {
    if (bkeys == NULL || dict_len(bkeys) == 0) return;
    dict_iter it;
    dict_iter_init(&it, bkeys);
    bkey *bk;
    while ((bk = dict_iter_next(&it)) != NULL) {
        int id;
        memcpy(&id, bk->id, sizeof(int));
        if (dbid != -1 && id != dbid) continue;
        blocking_signal_key(db_get(id), bk->id + sizeof(int), bk->idlen - sizeof(int));
    }
    dict_iter_done(&it);
}

void blocking_before_sleep(void) {
    blocking_serve_ready();
    while (resume_len) {
        client *c = resume[0];
        memmove(resume, resume + 1, (resume_len - 1) * sizeof(*resume));
        resume_len--;
        if (!(c->flags & CLIENT_CLOSE_ASAP)) client_process_input(c);
    }
}

void blocking_unblock_all(const char *err) {
    for (client *c = srv.clients; c; c = c->next) {
        if (c->bstate == NULL) continue;
        reply_error(c, err);
        count_unblocked(c, true);
        unblock(c, false);
        c->flags |= CLIENT_CLOSE_AFTER_REPLY; /* as Redis: its pipeline is moot */
    }
}

/* ---- CLIENT UNBLOCK ---- */

bool blocking_unblock_client(client *target, bool as_error) {
    if (!(target->flags & CLIENT_BLOCKED) || target->bstate == NULL) return false;
    if (as_error) reply_error(target, ERR_UNBLOCKED_CLIENT);
    else reply_null_array(target);
    /* Redis counts a failure either way (updateStatsOnUnblock(..., 1)). */
    count_unblocked(target, true);
    unblock(target, true);
    return true;
}

bool blocking_unblock_with_error(client *c, const char *err) {
    if (!(c->flags & CLIENT_BLOCKED) || c->bstate == NULL) return false;
    reply_error(c, err);
    unblock(c, true);
    return true;
}

bool blocking_first_key(const client *c, slice *key) {
    const bstate *b = c->bstate;
    if (!(c->flags & CLIENT_BLOCKED) || b == NULL || b->cmd == NULL) return false;
    int keys[1];
    if (cmdtable_get_keys(b->cmd, b->argc, b->argv, keys, 1) < 1) return false;
    *key = b->argv[keys[0]];
    return true;
}

/* ---- Blocking list pops (the list side: t_list.c) ---- */

/* BLPOP/BRPOP key [key ...] timeout. May block (no reply until served or
 * timed out). */
static void blocking_list_pop(client *c, int where) {
    long long deadline;
    if (!parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
    const slice *ready_key = ready_key_of(c);
    const slice *keys = ready_key ? ready_key : &c->argv[1];
    if (list_pop_first(c, keys, ready_key ? 1 : c->argc - 2, where, ready_key != NULL)) return;
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    block(c, &c->argv[1], c->argc - 2, KV_LIST, deadline);
}

static void cmd_blpop(client *c) { blocking_list_pop(c, QL_HEAD); }
static void cmd_brpop(client *c) { blocking_list_pop(c, QL_TAIL); }

/* BLMOVE/BRPOPLPUSH: LMOVE, or block until the source has an element. */
static void blmove_generic(client *c, int from, int to, long long deadline, bool rpoplpush) {
    /* Redis's blmoveGenericCommand looks the source up, then LMOVE does
     * again: a list served at once records two accesses. */
    if (ready_key_of(c) == NULL) {
        kv *e = db_find_write(c->db, c->argv[1].ptr, c->argv[1].len);
        if (e && (enum kv_type)e->type != KV_LIST) {
            reply_error(c, ERR_WRONGTYPE);
            return;
        }
    }
    if (list_move(c, from, to, rpoplpush, ready_key_of(c) != NULL)) return;
    if (!blocking_allowed(c)) {
        reply_null(c); /* Redis 7.0: a null bulk here, a null array on timeout */
        return;
    }
    block(c, &c->argv[1], 1, KV_LIST, deadline);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout. May block. */
static void cmd_blmove(client *c) {
    int from, to;
    long long deadline;
    if (!list_parse_side(c, &c->argv[3], &from) || !list_parse_side(c, &c->argv[4], &to)) return;
    if (!parse_timeout(c, &c->argv[5], &deadline)) return;
    blmove_generic(c, from, to, deadline, false);
}

/* BRPOPLPUSH source destination timeout. May block. */
static void cmd_brpoplpush(client *c) {
    long long deadline;
    if (!parse_timeout(c, &c->argv[3], &deadline)) return;
    blmove_generic(c, QL_TAIL, QL_HEAD, deadline, true);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. May
 * block. */
static void cmd_blmpop(client *c) {
    long numkeys, count;
    int where;
    long long deadline;
    if (!list_parse_mpop(c, 2, &numkeys, &where, &count)) return;
    if (!parse_timeout(c, &c->argv[1], &deadline)) return;
    const slice *ready_key = ready_key_of(c);
    if (list_mpop(c, ready_key ? ready_key : &c->argv[3], ready_key ? 1 : (int)numkeys, where,
                  count))
        return;
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    block(c, &c->argv[3], (int)numkeys, KV_LIST, deadline);
}

/* Movable keys of BLMPOP and BZMPOP: numkeys at argv[2]. */
static int bmpop_getkeys(int argc, slice *argv, int *keys, int cap) {
    return cmdtable_numkeys_getkeys(argc, argv, 2, keys, 0, cap);
}

/* ---- Blocking sorted-set pops ---- */

/* Redis's blockingGenericZpopCommand: pop from the first existing sorted
 * set among keys (the ready key when re-run), else block. count -1 pops
 * one. May block (no reply until served or timed out). */
static void bzpop_generic(client *c, const slice *keys, int nkeys, int where, int timeout_idx,
                          long count, bool nested) {
    long long deadline;
    if (!parse_timeout(c, &c->argv[timeout_idx], &deadline)) return;
    const slice *ready_key = ready_key_of(c);
    const slice *try_keys = ready_key ? ready_key : keys;
    int ntry = ready_key ? 1 : nkeys;
    for (int j = 0; j < ntry; j++) {
        kv *e;
        if (!arg_lookup(c, &try_keys[j], KV_ZSET, true, &e)) return;
        if (e == NULL) continue;
        /* Served at once, the pop looks the key up again, as Redis's
         * genericZpopCommand: a second access (a re-run's is the serve's). */
        if (ready_key == NULL) e = db_find_write(c->db, try_keys[j].ptr, try_keys[j].len);
        zset_pop_reply(c, &try_keys[j], e, where, count == -1 ? 1 : count, true, nested);
        return;
    }
    if (!blocking_allowed(c)) {
        reply_null_array(c);
        return;
    }
    block(c, keys, nkeys, KV_ZSET, deadline);
}

/* BZPOPMIN key [key ...] timeout */
static void cmd_bzpopmin(client *c) {
    bzpop_generic(c, &c->argv[1], c->argc - 2, ZSET_MIN, c->argc - 1, -1, false);
}

/* BZPOPMAX key [key ...] timeout */
static void cmd_bzpopmax(client *c) {
    bzpop_generic(c, &c->argv[1], c->argc - 2, ZSET_MAX, c->argc - 1, -1, false);
}

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
static void cmd_bzmpop(client *c) {
    arg_mpop a;
    if (!arg_parse_mpop(c, 2, "min", "max", &a)) return;
    bzpop_generic(c, &c->argv[3], (int)a.numkeys, a.second ? ZSET_MAX : ZSET_MIN, 1, a.count, true);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command blocking_commands[] = {
    {.name = "blpop", .proc = cmd_blpop, .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, -2, 1}},
    {.name = "brpop", .proc = cmd_brpop, .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, -2, 1}},
    {.name = "blmove", .proc = cmd_blmove, .arity = 6,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1}},
    {.name = "brpoplpush", .proc = cmd_brpoplpush, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1}},
    {.name = "blmpop", .proc = cmd_blmpop, .getkeys = bmpop_getkeys, .arity = -5,
     .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING},
    {.name = "bzpopmin", .proc = cmd_bzpopmin, .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .keys = {1, -2, 1}},
    {.name = "bzpopmax", .proc = cmd_bzpopmax, .arity = -3,
     .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .keys = {1, -2, 1}},
    {.name = "bzmpop", .proc = cmd_bzmpop, .getkeys = bmpop_getkeys, .arity = -5,
     .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW | ACL_BLOCKING},
    {.name = NULL}};
/* clang-format on */
