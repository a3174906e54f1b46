/* repl_ack.c -- replicas' acknowledgements: WAIT, and castor's durability
 * mode (min-replicas-to-ack, docs/REPLICATION.md "No acknowledged write
 * lost").
 *
 * A client in WAIT, and a client whose write's reply is held, wait for
 * replicas to acknowledge an offset (REPLCONF ACK, which repl_sync.c
 * receives and reports here through repl_ack_check_waiters()). Both are
 * blocked clients (CLIENT_BLOCKED); when released, what they pipelined
 * meanwhile runs before the loop sleeps (the resume list). A role change
 * to replica answers every one of them, and every client blocked on keys,
 * with -UNBLOCKED.
 * Not here: the offsets and the stream (repl.c), the replicas' state
 * (repl_sync.c), min-replicas-to-write (repl.c's repl_refuse()).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "repl.h"
#include "repl_int.h"

#include <limits.h>
#include <string.h>

#include "arg.h"
#include "blocking.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ---- State ---- */

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

static struct {
    /* WAIT. */
    waiter *waiters;
    size_t nwaiters, waiters_cap;
    /* The durability mode: held replies, and the request running now. */
    ack_waiter *ackw;
    size_t nackw, ackw_cap;
    client *ack_client;
    size_t ack_mark;
    long long ack_before;
    long long loop_ms;     /* when the event loop last went to sleep */
    long long fence_until; /* after a freeze: no write acknowledged before */
    /* Clients released: what they pipelined runs before the loop sleeps. */
    client **resume;
    size_t nresume, resume_cap;
} repl_as;

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
    if (repl_as.nwaiters == repl_as.waiters_cap) {
        repl_as.waiters_cap = repl_as.waiters_cap ? repl_as.waiters_cap * 2 : 4;
        repl_as.waiters = mem_realloc(repl_as.waiters, repl_as.waiters_cap * sizeof(waiter));
    }
    /* A deadline past the end of time waits forever (Redis 7.0 blocks too). */
    long long deadline = timeout > LLONG_MAX - srv.mstime ? LLONG_MAX : srv.mstime + timeout;
    repl_as.waiters[repl_as.nwaiters++] = (waiter){c, off, (long)n, timeout ? deadline : 0};
    c->flags |= CLIENT_BLOCKED;
    srv.blocked_clients++;
    repl_ms.getack_pending = true;
}

/* c was released: what it pipelined runs before the loop sleeps. */
static void resume_later(client *c) {
    if (repl_as.nresume == repl_as.resume_cap) {
        repl_as.resume_cap = repl_as.resume_cap ? repl_as.resume_cap * 2 : 4;
        repl_as.resume = mem_realloc(repl_as.resume, repl_as.resume_cap * sizeof(client *));
    }
    repl_as.resume[repl_as.nresume++] = c;
}

/* Take entry i out of an array of n, keeping the others in order: clients
 * are released, and run what they pipelined, in the order they blocked
 * (as Redis). */
static void take_out(void *arr, size_t *n, size_t i, size_t size) {
    char *a = arr;
    memmove(a + i * size, a + (i + 1) * size, (*n - i - 1) * size);
    (*n)--;
}

/* The entries of an array of n that 'done' picks, moved in order to a new
 * array (*nout of them; NULL if none), the rest kept in order in place. */
static void *split_done(void *arr, size_t *n, size_t size, bool (*done)(const void *),
                        size_t *nout) {
    char *a = arr, *out = NULL;
    size_t kept = 0;
    *nout = 0;
    for (size_t i = 0; i < *n; i++) {
        if (done(a + i * size)) {
            if (!out) out = mem_alloc(*n * size);
            memcpy(out + (*nout)++ * size, a + i * size, size);
        } else {
            memmove(a + kept++ * size, a + i * size, size);
        }
    }
    *n = kept;
    return out;
}

/* End a waiter (already taken out) with 'err', or (NULL) with the count. */
static void unblock_waiter(waiter w, int count, const char *err) {
    client *c = w.c;
    c->flags &= ~CLIENT_BLOCKED;
    srv.blocked_clients--;
    if (err) reply_error(c, err);
    else reply_int(c, count);
    resume_later(c);
}

static bool wait_done(const void *p) {
    const waiter *w = p;
    return acked(w->off) >= w->numreplicas || (w->deadline_ms && w->deadline_ms <= srv.mstime);
}

static void check_waiters(void) {
    size_t n;
    waiter *done = split_done(repl_as.waiters, &repl_as.nwaiters, sizeof(waiter), wait_done, &n);
    for (size_t i = 0; i < n; i++) unblock_waiter(done[i], acked(done[i].off), NULL);
    mem_free(done);
}

bool repl_unblock_wait(client *c, const char *err) {
    for (size_t i = 0; i < repl_as.nwaiters; i++) {
        if (repl_as.waiters[i].c == c) {
            waiter w = repl_as.waiters[i];
            take_out(repl_as.waiters, &repl_as.nwaiters, i, sizeof(waiter));
            unblock_waiter(w, acked(w.off), err);
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
    if (!srv.is_replica && repl_as.loop_ms && now - repl_as.loop_ms > FREEZE_MS &&
        now >= repl_as.fence_until) {
        long long frozen = now - repl_as.loop_ms;
        long long fence = frozen * 2 < 60000 ? frozen * 2 : 60000;
        repl_as.fence_until = now + fence;
        log_msg(LOG_WARNING,
                "This master did not run for %lld ms: a failover may have replaced it; no write "
                "is acknowledged for %lld ms (min-replicas-to-ack).",
                frozen, fence);
    }
    repl_as.loop_ms = now;
    return !srv.is_replica && now < repl_as.fence_until;
}

/* A replica answers a GETACK after over a second of silence: the link was
 * cut (a network partition) and a failover may have replaced this master
 * meanwhile, while that replica, not yet told by Sentinel, acknowledges what
 * it still gets from here. As after a freeze: for twice the silence (at
 * most a minute) no write is acknowledged. */
void repl_ack_fence_after_silence(client *c, long long silent) {
    if (silent <= FREEZE_MS || srv.is_replica) return;
    long long fence = silent * 2 < 60000 ? silent * 2 : 60000;
    if (srv.mstime + fence <= repl_as.fence_until) return;
    repl_as.fence_until = srv.mstime + fence;
    log_msg(LOG_WARNING,
            "Replica %s did not answer a GETACK for %lld ms: a failover may have replaced this "
            "master; no write is acknowledged for %lld ms (min-replicas-to-ack).",
            repl_replica_name(c), silent, fence);
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
        repl_as.ack_client = NULL;
        return;
    }
    repl_as.ack_client = c;
    repl_as.ack_mark = reply_pending(c);
    repl_as.ack_before = repl_ms.offset;
}

void repl_ack_after(client *c) {
    if (c != repl_as.ack_client) return;
    repl_as.ack_client = NULL;
    if (repl_ms.offset == repl_as.ack_before || srv.is_replica ||
        (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_BLOCKED)))
        return;
    if (acked(repl_ms.offset) >= cfg.min_replicas_to_ack) return;
    if (repl_as.nackw == repl_as.ackw_cap) {
        repl_as.ackw_cap = repl_as.ackw_cap ? repl_as.ackw_cap * 2 : 8;
        repl_as.ackw = mem_realloc(repl_as.ackw, repl_as.ackw_cap * sizeof(ack_waiter));
    }
    long long lag = cfg.min_replicas_max_lag > 0 ? cfg.min_replicas_max_lag : 10;
    repl_as.ackw[repl_as.nackw++] =
        (ack_waiter){c, repl_ms.offset, repl_as.ack_mark, srv.mstime + lag * 1000};
    c->flags |= CLIENT_BLOCKED | CLIENT_REPL_HOLD;
    srv.blocked_clients++;
    repl_ms.getack_pending = true;
}

/* Release a held client (already taken out): its reply goes out, or
 * (err) becomes err. */
static void release_ack_waiter(ack_waiter w, const char *err) {
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

/* Whether a held reply goes out now (ack) or as an error (its deadline). */
static bool ack_fence; /* during check_ack_waiters() */

static bool acked_enough(const ack_waiter *w) {
    /* During the fence an ack may come from a replica about to be resynced. */
    return !ack_fence && (cfg.min_replicas_to_ack <= 0 || acked(w->off) >= cfg.min_replicas_to_ack);
}

static bool ack_done(const void *p) {
    const ack_waiter *w = p;
    return acked_enough(w) || w->deadline_ms <= srv.mstime;
}

static void check_ack_waiters(void) {
    ack_fence = cfg.min_replicas_to_ack > 0 && fenced();
    size_t n;
    ack_waiter *done = split_done(repl_as.ackw, &repl_as.nackw, sizeof(ack_waiter), ack_done, &n);
    for (size_t i = 0; i < n; i++)
        release_ack_waiter(done[i], acked_enough(&done[i]) ? NULL : ERR_NOT_ACKED);
    mem_free(done);
}

/* The role changed to replica: nothing a blocked client waits for may
 * come from here now, and a key it waits on would be served from our
 * master's stream (the replica would diverge). Every kind of blocked
 * client gets Redis's -UNBLOCKED, and is closed after it as Redis does:
 * keys (lists, sorted sets) and WAIT. Clients held by a pause are not
 * blocked on anything and stay. */
void repl_unblock_all_for_role_change(void) {
    blocking_unblock_all(ERR_UNBLOCKED_ROLE);
    /* Held writes were never acknowledged: an error, not their reply. */
    ack_waiter *held = repl_as.ackw;
    size_t nheld = repl_as.nackw;
    repl_as.ackw = NULL;
    repl_as.nackw = repl_as.ackw_cap = 0;
    for (size_t i = 0; i < nheld; i++) release_ack_waiter(held[i], ERR_NOT_ACKED);
    mem_free(held);
    waiter *waiting = repl_as.waiters;
    size_t nwaiting = repl_as.nwaiters;
    repl_as.waiters = NULL;
    repl_as.nwaiters = repl_as.waiters_cap = 0;
    for (size_t i = 0; i < nwaiting; i++) {
        unblock_waiter(waiting[i], 0, ERR_UNBLOCKED_ROLE);
        waiting[i].c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
    mem_free(waiting);
}

void repl_ack_check_waiters(void) {
    if (repl_as.nwaiters) check_waiters();
    if (repl_as.nackw) check_ack_waiters();
}

bool repl_ack_refuses_write(void) {
    return cfg.min_replicas_to_ack > 0 && !srv.is_replica &&
           (online_replicas() < cfg.min_replicas_to_ack || fenced());
}

void repl_ack_client_freed(client *c) {
    if (c->flags & CLIENT_BLOCKED) {
        for (size_t i = 0; i < repl_as.nwaiters; i++) {
            if (repl_as.waiters[i].c == c) {
                take_out(repl_as.waiters, &repl_as.nwaiters, i, sizeof(waiter));
                c->flags &= ~CLIENT_BLOCKED;
                srv.blocked_clients--;
                break;
            }
        }
    }
    for (size_t i = 0; i < repl_as.nackw; i++) {
        if (repl_as.ackw[i].c == c) {
            take_out(repl_as.ackw, &repl_as.nackw, i, sizeof(ack_waiter));
            c->flags &= ~(CLIENT_BLOCKED | CLIENT_REPL_HOLD);
            srv.blocked_clients--;
            break;
        }
    }
    if (repl_as.ack_client == c) repl_as.ack_client = NULL;
    for (size_t i = 0; i < repl_as.nresume; i++)
        if (repl_as.resume[i] == c) repl_as.resume[i] = NULL;
}

void repl_ack_before_sleep(void) {
    /* The loop runs: fenced() measures freezes between two turns. */
    if (cfg.min_replicas_to_ack > 0) fenced();
    else repl_as.loop_ms = srv.mstime;
}

/* Clients WAIT (or the durability mode) released run what they pipelined
 * after it (their writes ask for their ACK in repl_before_sleep()). */
void repl_resume_released(void) {
    /* In the order they were released (more may be added meanwhile). */
    for (size_t i = 0; i < repl_as.nresume; i++) {
        client *c = repl_as.resume[i];
        if (c && !(c->flags & (CLIENT_BLOCKED | CLIENT_CLOSE_ASAP))) client_process_input(c);
    }
    repl_as.nresume = 0;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command repl_ack_commands[] = {
    {.name = "wait", .proc = cmd_wait, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = NULL}};
/* clang-format on */
