/* keys.c -- commands on keys regardless of type: DEL, EXISTS, KEYS, SCAN,
 * RENAME, MOVE, COPY, SELECT, SWAPDB, FLUSHDB/FLUSHALL, OBJECT.
 *
 * Type-specific copying lives with each type (kv_dup_value); this file
 * only moves entries between names and databases.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "keys.h"

#include <limits.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "lazyfree.h"
#include "propagate.h"
#include "reply.h"
#include "scan.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

/* ---- Databases ---- */

/* A DB index argument: an int, as Redis's getIntFromObjectOrReply reads
 * it ("value is out of range, value must between ..." past INT_MIN/MAX,
 * or 'err' for both a non-number and that when given). */
static bool arg_dbid(client *c, const slice *a, const char *err, int *out) {
    long v;
    if (!arg_long_range(c, a, INT_MIN, INT_MAX, &v, err)) return false;
    *out = (int)v;
    return true;
}

static void cmd_select(client *c) {
    int id;
    if (!arg_dbid(c, &c->argv[1], NULL, &id)) return;
    if (cfg.cluster_enabled && id != 0) {
        reply_error(c, ERR_CLUSTER_SELECT);
        return;
    }
    db *d = db_get(id);
    if (d == NULL) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    c->db = d;
    c->dbid = id;
    reply_ok(c);
}

static void cmd_swapdb(client *c) {
    int a, b;
    if (cfg.cluster_enabled) {
        reply_error(c, ERR_CLUSTER_SWAPDB);
        return;
    }
    if (!arg_dbid(c, &c->argv[1], ERR_SWAPDB_FIRST, &a)) return;
    if (!arg_dbid(c, &c->argv[2], ERR_SWAPDB_SECOND, &b)) return;
    if (a < 0 || a >= srv.ndbs || b < 0 || b >= srv.ndbs) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (a != b) {
        db_signal_flushed(a, b);
        db_swap(a, b);
    }
    /* A database swapped with itself changes nothing but still counts as a
     * change and is propagated, as Redis 7.0 (a save point counts it). */
    propagate(c->dbid, c->argc, c->argv);
    srv.dirty++;
    reply_ok(c);
}

static void cmd_dbsize(client *c) { reply_int(c, (long long)db_size(c->db)); }

/* FLUSHDB/FLUSHALL [ASYNC|SYNC]: ASYNC (or no flag under
 * lazyfree-lazy-user-flush) frees the keys on the lazy free thread. 0 or 1
 * (async), -1 after a syntax error reply. */
static int parse_flush_flags(client *c) {
    if (c->argc == 1) return cfg.lazyfree_lazy_user_flush ? 1 : 0;
    if (c->argc == 2 && arg_is(&c->argv[1], "async")) return 1;
    if (c->argc == 2 && arg_is(&c->argv[1], "sync")) return 0;
    reply_error(c, ERR_SYNTAX);
    return -1;
}

static long long empty_db(db *d, bool async) {
    if (!async) return db_empty(d);
    long long n = (long long)db_size(d);
    if (n == 0) return 0;
    dict *old = db_detach_keys(d);
    if (!lazyfree_keys(old)) dict_free(old);
    return n;
}

static void cmd_flushdb(client *c) {
    int async = parse_flush_flags(c);
    if (async == -1) return;
    db_signal_flushed(c->dbid, -1);
    srv.dirty += empty_db(c->db, async);
    propagate(c->dbid, c->argc, c->argv);
    reply_ok(c);
}

static void cmd_flushall(client *c) {
    int async = parse_flush_flags(c);
    if (async == -1) return;
    db_signal_flushed(-1, -1);
    for (int i = 0; i < srv.ndbs; i++) srv.dirty += empty_db(db_get(i), async);
    /* Stops a BGSAVE child and, with save points, saves the empty
     * dataset (which resets dirty), as Redis 7.0 does. */
    snapshot_flushall();
    propagate(c->dbid, c->argc, c->argv);
    reply_ok(c);
}

/* ---- Existence and deletion ---- */

/* DEL, and UNLINK ('lazy'), whose large values are freed on the lazy
 * free thread; DEL's too under lazyfree-lazy-user-del. */
static void del_generic(client *c, bool lazy) {
    long long n = 0;
    lazy = lazy || cfg.lazyfree_lazy_user_del;
    for (int i = 1; i < c->argc; i++) {
        slice *k = &c->argv[i];
        if (db_find_write(c->db, k->ptr, k->len) == NULL) continue;
        if (lazy) lazyfree_value(db_unlink(c->db, k->ptr, k->len));
        else db_delete(c->db, k->ptr, k->len);
        slice argv[2] = {c->argv[0], *k};
        propagate(c->dbid, 2, argv);
        db_key_changed(c->db, k, NOTIFY_GENERIC, "del", 1);
        n++;
    }
    reply_int(c, n);
}

static void cmd_del(client *c) { del_generic(c, false); }
static void cmd_unlink(client *c) { del_generic(c, true); }

/* EXISTS and TOUCH: how many of the keys exist (a key named twice counts
 * twice). EXISTS looks without touching the keys, as Redis's. */
static void count_existing(client *c, bool touch) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        slice *k = &c->argv[i];
        if (touch ? db_find_read(c->db, k->ptr, k->len)
                  : db_find_read_notouch(c->db, k->ptr, k->len))
            n++;
    }
    reply_int(c, n);
}

static void cmd_exists(client *c) { count_existing(c, false); }
static void cmd_touch(client *c) { count_existing(c, true); }

static void cmd_type(client *c) {
    kv *e = db_find_read_notouch(c->db, c->argv[1].ptr, c->argv[1].len);
    reply_simple(c, e ? kv_type_name(e) : "none");
}

/* ---- Iteration ---- */

static void cmd_keys(client *c) {
    slice *pat = &c->argv[1];
    bool all = pat->len == 1 && pat->ptr[0] == '*';
    void *node = reply_defer(c);
    long long n = 0;
    dict_iter it;
    dict_iter_init(&it, c->db->keys);
    kv *e;
    while ((e = dict_iter_next(&it)) != NULL) {
        size_t klen;
        const char *k = kv_key(e, &klen);
        if (!all && !util_glob_match(pat->ptr, pat->len, k, klen, false)) continue;
        if (db_key_is_expired(e)) continue;
        reply_bulk(c, k, klen);
        n++;
    }
    dict_iter_done(&it);
    reply_set_deferred_array(c, node, n);
}

static void cmd_scan(client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, &c->argv[1], &cursor)) return;
    scan_opts o;
    if (!scan_parse_opts(c, 2, true, &o)) return;
    size_t len;
    kv **items = (kv **)scan_dict(c->db->keys, &cursor, &o, &len);
    /* Filter after collecting: matching and expiry may delete nothing from
     * the table while it is being walked. Each key is looked up by a copy
     * of its name (an expired one is deleted, with the name it holds).
     * With TYPE, Redis reads the key for its type: a keyspace hit, or a
     * miss (and "keymiss") for a key whose TTL passed, which goes; else
     * an expired key goes and no access is recorded (expireIfNeeded):
     * SCAN leaves the keys' idle time as it found it. */
    long long n = 0;
    void *node = scan_reply_start(c, cursor);
    for (size_t i = 0; i < len; i++) {
        size_t klen;
        const char *k = kv_key(items[i], &klen);
        if (!scan_match(&o, k, klen)) continue;
        str *name = str_new(k, klen);
        kv *live = o.type ? db_find_read_notouch(c->db, name->buf, name->len)
                          : db_find_silent(c->db, name->buf, name->len);
        if (live && (!o.type || util_strcaseeq(o.type->ptr, o.type->len, kv_type_name(live)))) {
            reply_bulk(c, name->buf, name->len);
            n++;
        }
        str_free(name);
    }
    mem_free(items);
    reply_set_deferred_array(c, node, n);
}

static void cmd_randomkey(client *c) {
    for (int tries = 0; tries < 100; tries++) {
        kv *e = dict_random(c->db->keys);
        if (e == NULL) break;
        if (db_key_is_expired(e)) {
            if (!srv.is_replica) db_expire_now(c->db, e);
            else if (tries > 50) {
                /* A replica full of logically expired keys: return one. */
            } else continue;
            if (!srv.is_replica) continue;
        }
        size_t klen;
        const char *k = kv_key(e, &klen);
        reply_bulk(c, k, klen);
        return;
    }
    reply_null(c);
}

/* ---- Renaming and moving ---- */

static void rename_generic(client *c, bool nx) {
    slice *src = &c->argv[1], *dst = &c->argv[2];
    kv *e = db_find_write(c->db, src->ptr, src->len);
    if (e == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    bool same = src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
    if (same) {
        if (nx) reply_int(c, 0);
        else reply_ok(c);
        return;
    }
    bool exists = db_find_write(c->db, dst->ptr, dst->len) != NULL;
    if (exists && nx) {
        reply_int(c, 0);
        return;
    }
    if (exists) db_delete(c->db, dst->ptr, dst->len);
    db_move_entry(c->db, src->ptr, src->len, c->db, dst->ptr, dst->len);
    propagate(c->dbid, c->argc, c->argv);
    db_signal_modified(c->db, src->ptr, src->len);
    db_signal_modified(c->db, dst->ptr, dst->len);
    db_notify(NOTIFY_GENERIC, "rename_from", src->ptr, src->len, c->dbid);
    db_notify(NOTIFY_GENERIC, "rename_to", dst->ptr, dst->len, c->dbid);
    srv.dirty++;
    if (nx) reply_int(c, 1);
    else reply_ok(c);
}

static void cmd_rename(client *c) { rename_generic(c, false); }
static void cmd_renamenx(client *c) { rename_generic(c, true); }

static void cmd_move(client *c) {
    slice *key = &c->argv[1];
    int id;
    if (cfg.cluster_enabled) {
        reply_error(c, ERR_CLUSTER_MOVE);
        return;
    }
    if (!arg_dbid(c, &c->argv[2], NULL, &id)) return;
    db *dst = db_get(id);
    if (dst == NULL) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (dst == c->db) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e == NULL || db_find_write(dst, key->ptr, key->len)) {
        reply_int(c, 0);
        return;
    }
    db_move_entry(c->db, key->ptr, key->len, dst, key->ptr, key->len);
    propagate(c->dbid, c->argc, c->argv);
    db_signal_modified(c->db, key->ptr, key->len);
    db_signal_modified(dst, key->ptr, key->len);
    db_notify(NOTIFY_GENERIC, "move_from", key->ptr, key->len, c->dbid);
    db_notify(NOTIFY_GENERIC, "move_to", key->ptr, key->len, dst->id);
    srv.dirty++;
    reply_int(c, 1);
}

static void cmd_copy(client *c) {
    slice *src = &c->argv[1], *dst = &c->argv[2];
    db *to = c->db;
    bool replace = false;
    for (int i = 3; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "replace")) {
            replace = true;
        } else if (arg_is(&c->argv[i], "db") && i + 1 < c->argc) {
            int id;
            if (!arg_dbid(c, &c->argv[++i], NULL, &id)) return;
            to = db_get(id);
            if (to == NULL) {
                reply_error(c, ERR_DB_INDEX);
                return;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (cfg.cluster_enabled && (c->dbid != 0 || to->id != 0)) {
        reply_error(c, ERR_CLUSTER_COPY_DB);
        return;
    }
    if (to == c->db && src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    kv *e = db_find_read(c->db, src->ptr, src->len); /* a read, as Redis: hits and misses count */
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    bool exists = db_find_write(to, dst->ptr, dst->len) != NULL;
    if (exists && !replace) {
        reply_int(c, 0);
        return;
    }
    kv *n = kv_dup(e, dst->ptr, dst->len);
    if (exists) db_delete(to, dst->ptr, dst->len);
    db_add(to, n);
    propagate(c->dbid, c->argc, c->argv);
    db_key_changed(to, dst, NOTIFY_GENERIC, "copy_to", 1);
    reply_int(c, 1);
}

/* ---- OBJECT ---- */

/* Find without touching the access time (OBJECT must not change it); an
 * expired key goes and a hit or miss counts, as Redis 7.0. */
static kv *object_lookup(client *c) {
    kv *e = db_find_read_quiet(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) reply_null(c);
    return e;
}

static void cmd_object_encoding(client *c) {
    kv *e = object_lookup(c);
    if (e) reply_bulk_cstr(c, kv_enc_name(e));
}

static void cmd_object_refcount(client *c) {
    kv *e = object_lookup(c);
    if (e == NULL) return;
    /* Redis shares the integers 0..9999 and reports them as INT_MAX. */
    reply_int(c, db_int_is_shared(e) ? INT_MAX : 1);
}

static void cmd_object_idletime(client *c) {
    kv *e = object_lookup(c);
    if (e == NULL) return;
    if (db_policy_is_lfu()) {
        reply_error(c, ERR_OBJECT_IDLETIME_LFU);
        return;
    }
    reply_int(c, (long long)db_idle_seconds(e));
}

static void cmd_object_freq(client *c) {
    kv *e = object_lookup(c);
    if (e == NULL) return;
    if (!db_policy_is_lfu()) {
        reply_error(c, ERR_OBJECT_FREQ_NOT_LFU);
        return;
    }
    reply_int(c, db_lfu_counter(e));
}

static void cmd_object_help(client *c) {
    static const char *help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    reply_help(c, "OBJECT", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command object_subcommands[] = {
    {.name = "encoding", .proc = cmd_object_encoding, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "refcount", .proc = cmd_object_refcount, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "idletime", .proc = cmd_object_idletime, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "freq", .proc = cmd_object_freq, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "help", .proc = cmd_object_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_KEYSPACE | ACL_SLOW},
    {.name = NULL}};

command keys_commands[] = {
    {.name = "select", .proc = cmd_select, .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "swapdb", .proc = cmd_swapdb, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST | ACL_DANGEROUS},
    {.name = "move", .proc = cmd_move, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "copy", .proc = cmd_copy, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "del", .proc = cmd_del, .arity = -2, .flags = CMD_WRITE,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "unlink", .proc = cmd_unlink, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, -1, 1}},
    {.name = "exists", .proc = cmd_exists, .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, -1, 1}},
    {.name = "type", .proc = cmd_type, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "keys", .proc = cmd_keys, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW | ACL_DANGEROUS},
    {.name = "scan", .proc = cmd_scan, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW},
    {.name = "randomkey", .proc = cmd_randomkey, .arity = 1, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW},
    {.name = "rename", .proc = cmd_rename, .arity = 3, .flags = CMD_WRITE,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "renamenx", .proc = cmd_renamenx, .arity = 3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_FAST, .keys = {1, 2, 1}},
    {.name = "dbsize", .proc = cmd_dbsize, .arity = 1, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST},
    {.name = "flushdb", .proc = cmd_flushdb, .arity = -1, .flags = CMD_WRITE,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS},
    {.name = "flushall", .proc = cmd_flushall, .arity = -1, .flags = CMD_WRITE,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS},
    {.name = "touch", .proc = cmd_touch, .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_FAST, .keys = {1, -1, 1}},
    {.name = "object", .arity = -2, .acl = ACL_SLOW, .subcmds = object_subcommands},
    {.name = NULL}};
/* clang-format on */
