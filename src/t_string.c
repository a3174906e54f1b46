/* t_string.c -- string commands (GET, SET and friends, counters, ranges).
 *
 * Values are kv entries (kv.h) whose encoding follows Redis's rules, so
 * OBJECT ENCODING answers int/embstr/raw at the same points. Every write
 * goes through db.c, signals the key, and propagates its effect: SET with a
 * relative TTL goes out with PXAT, INCRBYFLOAT as SET ... KEEPTTL, so a
 * replica reaches the same bytes.
 * Bit commands live in bitops.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_string.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* Announce a changed key: WATCH, notifications, dirty counter. */
/* Look up a string for reading; replies WRONGTYPE and returns false if the
 * key holds another type. *out is NULL when missing. */
static bool find_string(client *c, const slice *key, kv **out, bool write) {
    return arg_lookup(c, key, KV_STRING, write, out);
}

static void reply_value(client *c, const kv *e) {
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    const char *p = kv_str(e, buf, &len);
    reply_bulk(c, p, len);
}

static bool check_length(client *c, long long offset, size_t len) {
    if ((unsigned long long)offset + len > (unsigned long long)cfg.proto_max_bulk_len) {
        reply_error(c, ERR_STRING_TOO_LONG);
        return false;
    }
    return true;
}

/* ---- GET / SET ---- */

static void cmd_get(client *c) {
    kv *e;
    if (!find_string(c, &c->argv[1], &e, false)) return;
    if (e == NULL) reply_null(c);
    else reply_value(c, e);
}

#define SET_NX (1 << 0)
#define SET_XX (1 << 1)
#define SET_EX (1 << 2)
#define SET_PX (1 << 3)
#define SET_KEEPTTL (1 << 4)
#define SET_GET (1 << 5)
#define SET_EXAT (1 << 6)
#define SET_PXAT (1 << 7)
#define SET_PERSIST (1 << 8)
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* Parse SET/GETEX options from argv[from]. For GETEX (getex=true) only the
 * expire options and PERSIST are valid. *expire is the expire argument or
 * NULL. Replies and returns false on a syntax error. */
static bool parse_set_options(client *c, int from, bool getex, int *flags, slice **expire_out) {
    *flags = 0;
    slice *expire = NULL;
    *expire_out = NULL;
    for (int j = from; j < c->argc; j++) {
        slice *a = &c->argv[j];
        bool has_next = j + 1 < c->argc;
        int f = *flags;
        if (!getex && arg_is(a, "nx") && !(f & SET_XX)) {
            *flags |= SET_NX;
        } else if (!getex && arg_is(a, "xx") && !(f & SET_NX)) {
            *flags |= SET_XX;
        } else if (!getex && arg_is(a, "get")) {
            *flags |= SET_GET;
        } else if (!getex && arg_is(a, "keepttl") && !(f & SET_ANY_EXPIRE)) {
            *flags |= SET_KEEPTTL;
        } else if (getex && arg_is(a, "persist") && !(f & SET_ANY_EXPIRE)) {
            *flags |= SET_PERSIST;
        } else if (has_next &&
                   (arg_is(a, "ex") || arg_is(a, "px") || arg_is(a, "exat") || arg_is(a, "pxat"))) {
            /* An expire option excludes the others, but may repeat itself. */
            int mine = arg_is(a, "ex")     ? SET_EX
                       : arg_is(a, "px")   ? SET_PX
                       : arg_is(a, "exat") ? SET_EXAT
                                           : SET_PXAT;
            if (f & ((SET_ANY_EXPIRE & ~mine) | SET_KEEPTTL | SET_PERSIST)) {
                reply_error(c, ERR_SYNTAX);
                return false;
            }
            *flags |= mine;
            expire = &c->argv[++j];
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    *expire_out = expire;
    return true;
}

/* The absolute expire in ms for an EX/PX/EXAT/PXAT argument (-1 if none).
 * Replies and returns false on an invalid value. */
static bool expire_ms(client *c, int flags, const slice *expire, long long *when) {
    *when = -1;
    if (expire == NULL) return true;
    long long v;
    if (!arg_ll(c, expire, &v)) return false;
    bool seconds = flags & (SET_EX | SET_EXAT);
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
        return false;
    }
    if (seconds) v *= 1000;
    if (flags & (SET_EX | SET_PX)) {
        if (v > LLONG_MAX - srv.mstime) {
            reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
            return false;
        }
        v += srv.mstime;
    }
    *when = v;
    return true;
}

/* Propagate "SET key value PXAT when" (or argv as given when no TTL). */
static void propagate_set(client *c, const slice *key, const slice *val, long long when,
                          bool keepttl) {
    if (when == -1) {
        if (keepttl) {
            slice argv[4] = {slice_of("SET", 3), *key, *val, slice_of("KEEPTTL", 7)};
            propagate(c->dbid, 4, argv);
        } else {
            slice argv[3] = {slice_of("SET", 3), *key, *val};
            propagate(c->dbid, 3, argv);
        }
        return;
    }
    char buf[UTIL_LLSTR_SIZE];
    size_t l = util_ll2str(buf, when);
    slice argv[5] = {slice_of("SET", 3), *key, *val, slice_of("PXAT", 4), slice_of(buf, l)};
    propagate(c->dbid, 5, argv);
}

/* Store key=val with an optional absolute expire (-1 none); 'flags' are
 * db_set()'s. */
static void store(client *c, const slice *key, const slice *val, long long when, int flags) {
    if (when == -1) {
        db_set_string(c->db, key->ptr, key->len, val->ptr, val->len, flags);
        return;
    }
    kv *e = kv_set_expire(kv_new_string(key->ptr, key->len, val->ptr, val->len), when);
    db_set(c->db, e, flags);
}

static void set_generic(client *c, int flags, const slice *key, const slice *val, long long when,
                        const char *ok_reply) {
    /* The GET of SET ... GET, GETSET and GETDEL is a read, as Redis's
     * getGenericCommand: it counts a keyspace hit or miss (and "keymiss"). */
    if (flags & SET_GET) {
        kv *old;
        if (!find_string(c, key, &old, false)) return;
        if (old) reply_value(c, old);
        else reply_null(c);
    }
    int set_flags = flags & SET_KEEPTTL ? DB_SET_KEEPTTL : 0;
    if (flags & (SET_NX | SET_XX)) {
        bool found = db_find_write(c->db, key->ptr, key->len) != NULL;
        if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
            if (!(flags & SET_GET)) reply_null(c);
            return;
        }
        set_flags |= DB_SET_LOOKED_UP;
    }
    /* An EXAT/PXAT in the past stores the key all the same, with "set" and
     * "expire" events and SET ... PXAT on the stream (Redis 7.0; GETEX,
     * EXPIRE and RESTORE delete at once instead): it is expired like any
     * other, on its next access or by the active cycle. */
    store(c, key, val, when, set_flags);
    db_key_changed(c->db, key, NOTIFY_STRING, "set", 1);
    if (when != -1) db_notify(NOTIFY_GENERIC, "expire", key->ptr, key->len, c->dbid);
    propagate_set(c, key, val, when, flags & SET_KEEPTTL);
    if (!(flags & SET_GET)) reply_raw(c, ok_reply, strlen(ok_reply));
}

static void cmd_set(client *c) {
    int flags;
    long long when;
    slice *expire;
    if (!parse_set_options(c, 3, false, &flags, &expire)) return;
    if (!expire_ms(c, flags, expire, &when)) return;
    set_generic(c, flags, &c->argv[1], &c->argv[2], when, "+OK\r\n");
}

static void cmd_setnx(client *c) {
    slice *key = &c->argv[1];
    if (db_find_write(c->db, key->ptr, key->len)) {
        reply_int(c, 0);
        return;
    }
    store(c, key, &c->argv[2], -1, DB_SET_LOOKED_UP);
    db_key_changed(c->db, key, NOTIFY_STRING, "set", 1);
    propagate_set(c, key, &c->argv[2], -1, false);
    reply_int(c, 1);
}

static void setex_generic(client *c, long long unit) {
    long long v;
    if (!arg_ll(c, &c->argv[2], &v)) return;
    if (v <= 0 || (unit == 1000 && v > LLONG_MAX / 1000)) {
        reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
        return;
    }
    v *= unit;
    if (v > LLONG_MAX - srv.mstime) {
        reply_errorf(c, ERR_EXPIRE_TIME, c->cmd->fullname);
        return;
    }
    set_generic(c, 0, &c->argv[1], &c->argv[3], v + srv.mstime, "+OK\r\n");
}

static void cmd_setex(client *c) { setex_generic(c, 1000); }
static void cmd_psetex(client *c) { setex_generic(c, 1); }

static void cmd_getset(client *c) {
    kv *old;
    slice *key = &c->argv[1];
    if (!find_string(c, key, &old, false)) return;
    if (old) reply_value(c, old);
    else reply_null(c);
    /* Redis's GETSET reads the key, then sets it (two accesses). */
    store(c, key, &c->argv[2], -1, 0);
    db_key_changed(c->db, key, NOTIFY_STRING, "set", 1);
    propagate_set(c, key, &c->argv[2], -1, false);
}

static void cmd_getdel(client *c) {
    kv *e;
    slice *key = &c->argv[1];
    if (!find_string(c, key, &e, false)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    reply_value(c, e);
    db_delete_propagate(c->db, key->ptr, key->len);
}

static void cmd_getex(client *c) {
    int flags;
    long long when;
    slice *key = &c->argv[1], *expire;
    if (!parse_set_options(c, 2, true, &flags, &expire)) return;
    kv *e;
    if (!find_string(c, key, &e, false)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    if (!expire_ms(c, flags, expire, &when)) return;
    reply_value(c, e);
    if (when != -1 && when <= srv.mstime && !srv.loading && !srv.is_replica) {
        db_delete_propagate(c->db, key->ptr, key->len);
    } else if (when != -1) {
        db_set_expire(c->db, e, when);
        char buf[UTIL_LLSTR_SIZE];
        size_t l = util_ll2str(buf, when);
        slice argv[3] = {slice_of("PEXPIREAT", 9), *key, slice_of(buf, l)};
        propagate(c->dbid, 3, argv);
        db_key_changed(c->db, key, NOTIFY_GENERIC, "expire", 1);
    } else if ((flags & SET_PERSIST) && kv_has_expire(e)) {
        db_persist(c->db, e);
        slice argv[2] = {slice_of("PERSIST", 7), *key};
        propagate(c->dbid, 2, argv);
        db_key_changed(c->db, key, NOTIFY_GENERIC, "persist", 1);
    }
}

/* ---- Multiple keys ---- */

static void cmd_mget(client *c) {
    reply_array(c, c->argc - 1);
    for (int i = 1; i < c->argc; i++) {
        kv *e = db_find_read(c->db, c->argv[i].ptr, c->argv[i].len);
        if (e == NULL || e->type != KV_STRING) reply_null(c);
        else reply_value(c, e);
    }
}

static void mset_generic(client *c, bool nx) {
    if ((c->argc % 2) == 0) {
        reply_error_arity(c);
        return;
    }
    if (nx) {
        for (int i = 1; i < c->argc; i += 2) {
            if (db_find_write(c->db, c->argv[i].ptr, c->argv[i].len)) {
                reply_int(c, 0);
                return;
            }
        }
    }
    /* Each write looks its key up, MSETNX's too, as Redis 7.0's setKey():
     * a key named twice is found the second time (its access counts). */
    for (int i = 1; i < c->argc; i += 2) {
        store(c, &c->argv[i], &c->argv[i + 1], -1, 0);
        db_key_changed(c->db, &c->argv[i], NOTIFY_STRING, "set", 1);
    }
    propagate(c->dbid, c->argc, c->argv);
    if (nx) reply_int(c, 1);
    else reply_ok(c);
}

static void cmd_mset(client *c) { mset_generic(c, false); }
static void cmd_msetnx(client *c) { mset_generic(c, true); }

/* ---- Length, append, ranges ---- */

static void cmd_strlen(client *c) {
    kv *e;
    if (!find_string(c, &c->argv[1], &e, false)) return;
    reply_int(c, e ? (long long)kv_str_len(e) : 0);
}

/* Declared in t_string.h: bitops.c modifies string bytes in place too. */
kv *t_string_make_raw(client *c, kv *e) {
    if (e->enc == KV_ENC_RAW) return e;
    char buf[UTIL_LLSTR_SIZE];
    size_t len, klen;
    const char *p = kv_str(e, buf, &len);
    const char *key = kv_key(e, &klen);
    kv *n = kv_new_raw(key, klen, str_new(p, len));
    /* Give n the TTL first: db_replace then keeps n as it is, while 'e'
     * (and the key bytes read from it) is freed. */
    if (kv_has_expire(e)) n = kv_set_expire(n, kv_expire(e));
    db_replace(c->db, n, true);
    return n;
}

static void cmd_append(client *c) {
    slice *key = &c->argv[1], *val = &c->argv[2];
    kv *e;
    if (!find_string(c, key, &e, true)) return;
    size_t total;
    if (e == NULL) {
        /* A new key is encoded as SET would (Redis: tryObjectEncoding). */
        db_add(c->db, kv_new_string(key->ptr, key->len, val->ptr, val->len));
        total = val->len;
    } else {
        if (!check_length(c, (long long)kv_str_len(e), val->len)) return;
        e = t_string_make_raw(c, e);
        str *s = str_cat(kv_raw(e), val->ptr, val->len);
        kv_set_raw(e, s);
        total = s->len;
    }
    db_key_changed(c->db, key, NOTIFY_STRING, "append", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, (long long)total);
}

static void cmd_getrange(client *c) {
    long long start, end;
    if (!arg_ll(c, &c->argv[2], &start) || !arg_ll(c, &c->argv[3], &end)) return;
    kv *e;
    if (!find_string(c, &c->argv[1], &e, false)) return;
    if (e == NULL) {
        reply_bulk(c, "", 0);
        return;
    }
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    const char *p = kv_str(e, buf, &len);
    long long slen = (long long)len;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start = slen + start;
    if (end < 0) end = slen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= slen) end = slen - 1;
    if (start > end || slen == 0) {
        reply_bulk(c, "", 0);
        return;
    }
    reply_bulk(c, p + start, (size_t)(end - start + 1));
}

static void cmd_setrange(client *c) {
    slice *key = &c->argv[1], *val = &c->argv[3];
    long long offset;
    if (!arg_ll(c, &c->argv[2], &offset)) return;
    if (offset < 0) {
        reply_error(c, ERR_OFFSET_RANGE);
        return;
    }
    kv *e;
    if (!find_string(c, key, &e, true)) return;
    if (e == NULL) {
        if (val->len == 0) {
            reply_int(c, 0);
            return;
        }
        if (!check_length(c, offset, val->len)) return;
        str *s = str_new_cap((size_t)offset + val->len);
        memset(s->buf, 0, (size_t)offset);
        memcpy(s->buf + offset, val->ptr, val->len);
        str_setlen(s, (size_t)offset + val->len);
        db_add(c->db, kv_new_raw(key->ptr, key->len, s));
        db_key_changed(c->db, key, NOTIFY_STRING, "setrange", 1);
        propagate(c->dbid, c->argc, c->argv);
        reply_int(c, (long long)s->len);
        return;
    }
    size_t olen = kv_str_len(e);
    if (val->len == 0) {
        reply_int(c, (long long)olen);
        return;
    }
    if (!check_length(c, offset, val->len)) return;
    e = t_string_make_raw(c, e);
    str *s = kv_raw(e);
    size_t need = (size_t)offset + val->len;
    if (need > s->len) {
        s = str_reserve(s, need - s->len);
        memset(s->buf + s->len, 0, need - s->len);
        str_setlen(s, need);
    }
    memcpy(s->buf + offset, val->ptr, val->len);
    kv_set_raw(e, s);
    db_key_changed(c->db, key, NOTIFY_STRING, "setrange", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, (long long)s->len);
}

/* ---- Counters ---- */

static void incr_generic(client *c, long long incr) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_string(c, key, &e, true)) return;
    long long value = 0;
    if (e) {
        if (e->enc == KV_ENC_INT) {
            value = kv_int(e);
        } else {
            char buf[UTIL_LLSTR_SIZE];
            size_t len;
            const char *p = kv_str(e, buf, &len);
            if (!util_str2ll(p, len, &value)) {
                reply_error(c, ERR_NOT_INT);
                return;
            }
        }
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    if (e && e->enc == KV_ENC_INT) {
        kv_set_int(e, value); /* in place: keeps the TTL and the entry */
    } else if (e) {
        db_replace(c->db, kv_new_int(key->ptr, key->len, value), true);
    } else {
        db_add(c->db, kv_new_int(key->ptr, key->len, value));
    }
    db_key_changed(c->db, key, NOTIFY_STRING, "incrby", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, value);
}

static void cmd_incr(client *c) { incr_generic(c, 1); }
static void cmd_decr(client *c) { incr_generic(c, -1); }

static void cmd_incrby(client *c) {
    long long incr;
    if (!arg_ll(c, &c->argv[2], &incr)) return;
    incr_generic(c, incr);
}

static void cmd_decrby(client *c) {
    long long incr;
    if (!arg_ll(c, &c->argv[2], &incr)) return;
    if (incr == LLONG_MIN) {
        reply_error(c, ERR_DECR_OVERFLOW);
        return;
    }
    incr_generic(c, -incr);
}

static void cmd_incrbyfloat(client *c) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_string(c, key, &e, true)) return;
    long double value = 0, incr;
    if (e) {
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const char *p = kv_str(e, buf, &len);
        if (!util_str2ld(p, len, &value)) {
            reply_error(c, ERR_NOT_FLOAT);
            return;
        }
    }
    if (!arg_long_double(c, &c->argv[2], &incr)) return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, ERR_NAN_OR_INF);
        return;
    }
    char out[UTIL_DSTR_SIZE];
    size_t len = util_ld2str(out, value);
    kv *n = kv_new_string_noint(key->ptr, key->len, out, len);
    if (e) db_replace(c->db, n, true);
    else db_add(c->db, n);
    db_key_changed(c->db, key, NOTIFY_STRING, "incrbyfloat", 1);
    slice v = slice_of(out, len);
    propagate_set(c, key, &v, -1, true);
    reply_bulk(c, out, len);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command t_string_commands[] = {
    {.name = "get", .proc = cmd_get, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_STRING | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "set", .proc = cmd_set, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "setnx", .proc = cmd_setnx, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "setex", .proc = cmd_setex, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "psetex", .proc = cmd_psetex, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "mget", .proc = cmd_mget, .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_STRING | ACL_READ | ACL_FAST, .keys = {1, -1, 1}},
    {.name = "mset", .proc = cmd_mset, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 2}},
    {.name = "msetnx", .proc = cmd_msetnx, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 2}},
    {.name = "getset", .proc = cmd_getset, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "getdel", .proc = cmd_getdel, .arity = 2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "getex", .proc = cmd_getex, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "append", .proc = cmd_append, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "strlen", .proc = cmd_strlen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_STRING | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "incr", .proc = cmd_incr, .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "decr", .proc = cmd_decr, .arity = 2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "incrby", .proc = cmd_incrby, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "decrby", .proc = cmd_decrby, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_STRING | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "incrbyfloat", .proc = cmd_incrbyfloat, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_STRING | ACL_WRITE | ACL_FAST,
     .keys = {1, 1, 1}},
    {.name = "getrange", .proc = cmd_getrange, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_STRING | ACL_READ | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "substr", .proc = cmd_getrange, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_STRING | ACL_READ | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "setrange", .proc = cmd_setrange, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_STRING | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
