/* expire.c -- TTL commands and the active expiry cycle.
 *
 * Lazy expiry (db.c) removes keys when they are touched; this cycle removes
 * keys nobody touches. It samples each database's volatile array at random,
 * deletes what has expired and keeps going while more than a tenth of a
 * sample was stale, within a CPU budget of a quarter of the cron period
 * (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). Deletions propagate as DEL.
 * Replicas never run it: they wait for the master's DEL.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "expire.h"

#include <limits.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "latency.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define SAMPLES_PER_LOOP 20
#define ACCEPTABLE_STALE 10 /* percent */

static bool last_cycle_capped;
static long long last_fast_us;
static int next_db;

/* Expire up to a time budget. Returns true if it stopped on the budget. */
static bool run_cycle(long long budget_us) {
    long long start = util_ustime();
    int effort = cfg.active_expire_effort - 1;
    int per_loop = SAMPLES_PER_LOOP + SAMPLES_PER_LOOP / 4 * effort;
    int stale_target = ACCEPTABLE_STALE - effort;
    for (int n = 0; n < srv.ndbs; n++) {
        db *d = &srv.dbs[next_db];
        next_db = (next_db + 1) % srv.ndbs;
        int loops = 0;
        for (;;) {
            if (d->vol_len == 0) { /* as Redis: INFO's average of nothing is 0 */
                d->avg_ttl = 0;
                break;
            }
            int sampled = 0, expired = 0;
            long long ttl_sum = 0;
            int ttl_samples = 0;
            for (int i = 0; i < per_loop && d->vol_len > 0; i++) {
                kv *e = d->vol[util_rand64() % d->vol_len];
                sampled++;
                long long when = kv_expire(e);
                if (when <= srv.mstime) {
                    db_expire_now(d, e);
                    expired++;
                } else {
                    /* Saturated: a few keys loaded with TTLs near LLONG_MAX
                     * would overflow the sum (only an INFO average uses it). */
                    long long ttl = when - srv.mstime;
                    ttl_sum = ttl > LLONG_MAX - ttl_sum ? LLONG_MAX : ttl_sum + ttl;
                    ttl_samples++;
                }
            }
            if (ttl_samples) {
                long long avg = ttl_sum / ttl_samples;
                d->avg_ttl = d->avg_ttl ? (d->avg_ttl / 50) * 49 + avg / 50 : avg;
            }
            if ((++loops & 15) == 0 && util_ustime() - start > budget_us) return true;
            if (sampled == 0 || expired * 100 / sampled <= stale_target) break;
        }
        if (util_ustime() - start > budget_us) return true;
    }
    return false;
}

/* run_cycle(), its duration filed as the latency event "expire-cycle". */
static bool timed_cycle(long long budget_us) {
    long long start = util_ustime();
    bool capped = run_cycle(budget_us);
    latency_add_sample("expire-cycle", (util_ustime() - start) / 1000);
    return capped;
}

void expire_cycle_slow(void) {
    long long budget = 1000000LL / (srv.hz ? srv.hz : 10) * 25 / 100;
    last_cycle_capped = timed_cycle(budget);
    if (last_cycle_capped) srv.stat_expired_time_cap_reached++;
}

void expire_cycle_fast(void) {
    if (!last_cycle_capped) return;
    long long now = util_ustime();
    if (now - last_fast_us < 2000) return;
    last_fast_us = now;
    last_cycle_capped = timed_cycle(1000);
}

/* ---- Commands ---- */

#define EXP_NX 1
#define EXP_XX 2
#define EXP_GT 4
#define EXP_LT 8

static bool parse_flags(client *c, int from, int *flags) {
    *flags = 0;
    for (int i = from; i < c->argc; i++) {
        slice *a = &c->argv[i];
        if (arg_is(a, "nx")) *flags |= EXP_NX;
        else if (arg_is(a, "xx")) *flags |= EXP_XX;
        else if (arg_is(a, "gt")) *flags |= EXP_GT;
        else if (arg_is(a, "lt")) *flags |= EXP_LT;
        else {
            reply_errorf(c, ERR_EXPIRE_OPTION, a->ptr);
            return false;
        }
    }
    if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_error(c, ERR_EXPIRE_NX_XX);
        return false;
    }
    if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
        reply_error(c, ERR_EXPIRE_GT_LT);
        return false;
    }
    return true;
}

/* Propagate "PEXPIREAT key ms". */
static void propagate_pexpireat(int dbid, const slice *key, long long when) {
    char buf[UTIL_LLSTR_SIZE];
    size_t l = util_ll2str(buf, when);
    slice argv[3] = {slice_of("PEXPIREAT", 9), *key, slice_of(buf, l)};
    propagate(dbid, 3, argv);
}

/* EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT. basetime is now (relative forms) or
 * 0 (absolute); unit_ms is 1000 for seconds. */
static void expire_generic(client *c, long long basetime, long long unit_ms) {
    slice *key = &c->argv[1];
    long long when;
    int flags;
    /* Redis checks the flags before the time: EXPIRE k abc FOO is about FOO. */
    if (!parse_flags(c, 3, &flags)) return;
    if (!arg_ll(c, &c->argv[2], &when)) return;
    if (unit_ms == 1000) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
        return;
    }
    when += basetime;
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    if (flags) {
        long long cur = kv_expire(e);
        if ((flags & EXP_NX) && cur != -1) {
            reply_int(c, 0);
            return;
        }
        if ((flags & EXP_XX) && cur == -1) {
            reply_int(c, 0);
            return;
        }
        if ((flags & EXP_GT) && (cur == -1 || when <= cur)) {
            reply_int(c, 0);
            return;
        }
        if ((flags & EXP_LT) && cur != -1 && when >= cur) {
            reply_int(c, 0);
            return;
        }
    }
    if (when <= srv.mstime && !srv.loading && !srv.is_replica) {
        db_delete_propagate(c->db, key->ptr, key->len);
        reply_int(c, 1);
        return;
    }
    db_set_expire(c->db, e, when);
    propagate_pexpireat(c->dbid, key, when);
    db_key_changed(c->db, key, NOTIFY_GENERIC, "expire", 1);
    reply_int(c, 1);
}

static void cmd_expire(client *c) { expire_generic(c, srv.mstime, 1000); }
static void cmd_pexpire(client *c) { expire_generic(c, srv.mstime, 1); }
static void cmd_expireat(client *c) { expire_generic(c, 0, 1000); }
static void cmd_pexpireat(client *c) { expire_generic(c, 0, 1); }

/* TTL family: mode 0 ttl s, 1 ttl ms, 2 abs s, 3 abs ms. */
static void ttl_generic(client *c, int mode) {
    /* Asking for the TTL is no access: OBJECT IDLETIME keeps counting. */
    kv *e = db_find_read_notouch(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        reply_int(c, -2);
        return;
    }
    long long when = kv_expire(e);
    if (when == -1) {
        reply_int(c, -1);
        return;
    }
    /* As Redis: the TTL or the absolute time, never below 0, and seconds
     * rounded to the nearest ((ms + 500) / 1000, here without its overflow
     * near LLONG_MAX). A replica may hold any expire its master sent. */
    long long ms = mode >= 2 ? when : when > srv.mstime ? when - srv.mstime : 0;
    if (ms < 0) ms = 0;
    if (mode == 1 || mode == 3) reply_int(c, ms);
    else reply_int(c, ms / 1000 + (ms % 1000 + 500) / 1000);
}

static void cmd_ttl(client *c) { ttl_generic(c, 0); }
static void cmd_pttl(client *c) { ttl_generic(c, 1); }
static void cmd_expiretime(client *c) { ttl_generic(c, 2); }
static void cmd_pexpiretime(client *c) { ttl_generic(c, 3); }

static void cmd_persist(client *c) {
    slice *key = &c->argv[1];
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e == NULL || !kv_has_expire(e)) {
        reply_int(c, 0);
        return;
    }
    db_persist(c->db, e);
    propagate(c->dbid, c->argc, c->argv);
    db_key_changed(c->db, key, NOTIFY_GENERIC, "persist", 1);
    reply_int(c, 1);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command expire_commands[] = {
    {.name = "expire", .proc = cmd_expire, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "pexpire", .proc = cmd_pexpire, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "expireat", .proc = cmd_expireat, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "pexpireat", .proc = cmd_pexpireat, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "ttl", .proc = cmd_ttl, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "pttl", .proc = cmd_pttl, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "expiretime", .proc = cmd_expiretime, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "pexpiretime", .proc = cmd_pexpiretime, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "persist", .proc = cmd_persist, .arity = 2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
