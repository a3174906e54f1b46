/* t_list.c -- the list type and its commands.
 *
 * A list is a quicklist (quicklist.c); Redis 7.0 has no other list
 * encoding, so OBJECT ENCODING always answers "quicklist". A list never
 * stays empty: the command that removes its last element deletes the key.
 * Every write goes through db.c, signals the key (which also wakes clients
 * blocked on it), notifies and counts dirty as Redis does, and propagates
 * its effect: a pop of the blocking commands goes out as the LPOP/RPOP it
 * performed, BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH, LMPOP as LPOP/RPOP
 * with the count it really popped.
 * Not here: the blocking commands (blocking.c), which serve their waiters
 * with the list operations t_list.h exports.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_list.h"

#include <limits.h>
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

/* ---- The value ---- */

static void list_value_free(void *ptr, enum kv_enc enc) {
    (void)enc;
    ql_free(ptr);
}

static void *list_value_dup(const void *ptr, enum kv_enc enc) {
    (void)enc;
    return ql_dup(ptr);
}

static size_t list_value_size(const void *ptr, enum kv_enc enc) {
    (void)enc;
    return ql_alloc_size(ptr);
}

void list_init(void) {
    kv_set_value_free(KV_LIST, list_value_free);
    kv_set_value_dup(KV_LIST, list_value_dup);
    kv_set_value_size(KV_LIST, list_value_size);
}

quicklist *list_new(void) { return ql_new(cfg.list_max_listpack_size, cfg.list_compress_depth); }

static quicklist *ql_of(const kv *e) { return kv_ptr(e); }

unsigned long list_len(const kv *e) { return ql_count(ql_of(e)); }

void list_foreach(const kv *e, list_elem_fn *fn, void *priv) {
    ql_iter it;
    ql_entry en;
    ql_iter_init(&it, ql_of(e), QL_HEAD);
    while (ql_next(&it, &en)) {
        if (en.value) {
            fn(priv, (const char *)en.value, en.sz);
        } else {
            char buf[UTIL_LLSTR_SIZE];
            fn(priv, buf, util_ll2str(buf, en.lval));
        }
    }
    ql_iter_clear(&it);
}

/* ---- Helpers ---- */

/* Look up a list; replies WRONGTYPE and returns false if the key holds
 * another type. *out is NULL when the key is missing. */
static bool find_list(client *c, const slice *key, bool write, kv **out) {
    return arg_lookup(c, key, KV_LIST, write, out);
}

static void reply_zero(client *c) { reply_int(c, 0); }
static void reply_no_key(client *c) { reply_error(c, ERR_NO_KEY); }

/* The list at key, or NULL once the reply is given: WRONGTYPE, or what
 * the command answers when there is no list ('missing'). */
static kv *existing_list(client *c, const slice *key, bool write, void (*missing)(client *)) {
    kv *e;
    if (!find_list(c, key, write, &e)) return NULL;
    if (e == NULL) missing(c);
    return e;
}

static kv *create_list(client *c, const slice *key) {
    kv *e = kv_new_ptr(key->ptr, key->len, KV_LIST, KV_ENC_QUICKLIST, list_new());
    db_add(c->db, e);
    return e;
}

static void reply_entry(client *c, const ql_entry *e) {
    if (e->value) reply_bulk(c, (const char *)e->value, e->sz);
    else reply_bulk_ll(c, e->lval);
}

/* Delete the key if its list is now empty (announcing "del"). Returns
 * true if it was deleted. */
static bool delete_if_empty(client *c, kv *e, const slice *key) {
    if (ql_count(ql_of(e)) != 0) return false;
    db_delete(c->db, key->ptr, key->len);
    db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
    return true;
}

/* After popping 'count' elements from one end (Redis's listElementsRemoved). */
static void elements_removed(client *c, const slice *key, int where, kv *e, long count) {
    db_notify(NOTIFY_LIST, where == QL_HEAD ? "lpop" : "rpop", key->ptr, key->len, c->dbid);
    delete_if_empty(c, e, key);
    db_signal_modified(c->db, key->ptr, key->len);
    srv.dirty += count;
}

static void propagate_argv(client *c) { propagate(c->dbid, c->argc, c->argv); }

/* Propagate "LPOP key" / "RPOP key" [count]. */
static void propagate_pop(client *c, const slice *key, int where, long count) {
    char buf[UTIL_LLSTR_SIZE];
    slice argv[3] = {where == QL_HEAD ? slice_of("LPOP", 4) : slice_of("RPOP", 4), *key,
                     slice_of(buf, 0)};
    if (count >= 0) argv[2].len = util_ll2str(buf, count);
    propagate(c->dbid, count >= 0 ? 3 : 2, argv);
}

bool list_parse_side(client *c, const slice *a, int *where) {
    bool right;
    if (!arg_choice(c, a, "left", "right", &right)) return false;
    *where = right ? QL_TAIL : QL_HEAD;
    return true;
}

/* Reply the elements [start, end] (already within the list), from head to
 * tail, or from end to start when reverse (RPOP with a count). */
static void reply_range(client *c, quicklist *ql, long start, long end, bool reverse) {
    long n = end - start + 1;
    reply_array(c, n);
    ql_iter it;
    ql_entry e;
    ql_iter_init_at(&it, ql, reverse ? QL_TAIL : QL_HEAD, reverse ? end : start);
    while (n-- > 0 && ql_next(&it, &e)) reply_entry(c, &e);
    ql_iter_clear(&it);
}

/* Pop up to count elements from 'where', replying them as an array. */
static long pop_range_reply(client *c, quicklist *ql, int where, long count) {
    long llen = (long)ql_count(ql);
    long n = count > llen ? llen : count;
    if (where == QL_HEAD) {
        reply_range(c, ql, 0, n - 1, false);
        ql_del_range(ql, 0, n);
    } else {
        reply_range(c, ql, llen - n, llen - 1, true);
        ql_del_range(ql, -n, n);
    }
    return n;
}

/* ---- Pushes ---- */

static void push_generic(client *c, int where, bool only_existing) {
    const slice *key = &c->argv[1];
    kv *e;
    if (!find_list(c, key, true, &e)) return;
    if (e == NULL) {
        if (only_existing) {
            reply_int(c, 0);
            return;
        }
        e = create_list(c, key);
    }
    quicklist *ql = ql_of(e);
    for (int j = 2; j < c->argc; j++) ql_push(ql, c->argv[j].ptr, c->argv[j].len, where);
    srv.dirty += c->argc - 2;
    reply_int(c, (long long)ql_count(ql));
    db_signal_modified(c->db, key->ptr, key->len);
    db_notify(NOTIFY_LIST, where == QL_HEAD ? "lpush" : "rpush", key->ptr, key->len, c->dbid);
    propagate_argv(c);
}

static void cmd_lpush(client *c) { push_generic(c, QL_HEAD, false); }
static void cmd_rpush(client *c) { push_generic(c, QL_TAIL, false); }
static void cmd_lpushx(client *c) { push_generic(c, QL_HEAD, true); }
static void cmd_rpushx(client *c) { push_generic(c, QL_TAIL, true); }

/* LINSERT key BEFORE|AFTER pivot element */
static void cmd_linsert(client *c) {
    bool after;
    if (!arg_choice(c, &c->argv[2], "before", "after", &after)) return;
    const slice *key = &c->argv[1], *pivot = &c->argv[3], *val = &c->argv[4];
    kv *e = existing_list(c, key, true, reply_zero);
    if (e == NULL) return;
    quicklist *ql = ql_of(e);
    ql_iter it;
    ql_entry en;
    bool inserted = false;
    ql_iter_init(&it, ql, QL_HEAD);
    while (ql_next(&it, &en)) {
        if (!ql_entry_eq(&en, pivot->ptr, pivot->len)) continue;
        if (after) ql_insert_after(&it, &en, val->ptr, val->len);
        else ql_insert_before(&it, &en, val->ptr, val->len);
        inserted = true;
        break;
    }
    ql_iter_clear(&it);
    if (!inserted) {
        reply_int(c, -1);
        return;
    }
    db_key_changed(c->db, key, NOTIFY_LIST, "linsert", 1);
    propagate_argv(c);
    reply_int(c, (long long)ql_count(ql));
}

/* ---- Reads ---- */

static void cmd_llen(client *c) {
    kv *e;
    if (!find_list(c, &c->argv[1], false, &e)) return;
    reply_int(c, e ? (long long)ql_count(ql_of(e)) : 0);
}

static void cmd_lindex(client *c) {
    kv *e = existing_list(c, &c->argv[1], false, reply_null);
    if (e == NULL) return;
    long index;
    if (!arg_long(c, &c->argv[2], &index)) return;
    ql_iter it;
    ql_entry en;
    if (ql_iter_init_at(&it, ql_of(e), QL_TAIL, index) && ql_next(&it, &en)) reply_entry(c, &en);
    else reply_null(c);
    ql_iter_clear(&it);
}

/* Clamp [start, end] (negative from the end) to a list of llen; false if
 * the range is empty. */
static bool clamp_range(long llen, long *start, long *end) {
    if (*start < 0) *start += llen;
    if (*end < 0) *end += llen;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= llen) return false;
    if (*end >= llen) *end = llen - 1;
    return true;
}

static void cmd_lrange(client *c) {
    long start, end;
    if (!arg_long(c, &c->argv[2], &start) || !arg_long(c, &c->argv[3], &end)) return;
    kv *e = existing_list(c, &c->argv[1], false, reply_empty_array);
    if (e == NULL) return;
    quicklist *ql = ql_of(e);
    if (!clamp_range((long)ql_count(ql), &start, &end)) {
        reply_empty_array(c);
        return;
    }
    reply_range(c, ql, start, end, false);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
static void cmd_lpos(client *c) {
    const slice *ele = &c->argv[2];
    long rank = 1, count = -1, maxlen = 0; /* count -1: option not given */
    int direction = QL_HEAD;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (arg_is(&c->argv[j], "rank") && more) {
            if (!arg_long(c, &c->argv[++j], &rank)) return;
            if (rank == 0) {
                reply_error(c, ERR_LPOS_RANK);
                return;
            }
        } else if (arg_is(&c->argv[j], "count") && more) {
            if (!arg_long_range(c, &c->argv[++j], 0, LONG_MAX, &count, ERR_LPOS_COUNT)) return;
        } else if (arg_is(&c->argv[j], "maxlen") && more) {
            if (!arg_long_range(c, &c->argv[++j], 0, LONG_MAX, &maxlen, ERR_LPOS_MAXLEN)) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (rank < 0) {
        /* Wraps for LONG_MIN (which then matches at once), as in Redis 7.0. */
        rank = (long)(0UL - (unsigned long)rank);
        direction = QL_TAIL;
    }
    kv *e;
    if (!find_list(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        if (count != -1) reply_empty_array(c);
        else reply_null(c);
        return;
    }
    quicklist *ql = ql_of(e);
    void *deferred = count != -1 ? reply_defer(c) : NULL;
    long llen = (long)ql_count(ql);
    long index = 0, matches = 0, matchindex = -1, arraylen = 0;
    ql_iter it;
    ql_entry en;
    ql_iter_init(&it, ql, direction);
    while ((maxlen == 0 || index < maxlen) && ql_next(&it, &en)) {
        if (ql_entry_eq(&en, ele->ptr, ele->len)) {
            matches++;
            matchindex = direction == QL_HEAD ? index : llen - index - 1;
            if (matches >= rank) {
                if (!deferred) break;
                arraylen++;
                reply_int(c, matchindex);
                if (count && matches - rank + 1 >= count) break;
            }
        }
        index++;
        matchindex = -1; /* remembers a loop exit without a match */
    }
    ql_iter_clear(&it);
    if (deferred) reply_set_deferred_array(c, deferred, arraylen);
    else if (matchindex != -1) reply_int(c, matchindex);
    else reply_null(c);
}

/* ---- Changes in place ---- */

static void cmd_lset(client *c) {
    const slice *key = &c->argv[1];
    kv *e = existing_list(c, key, true, reply_no_key);
    if (e == NULL) return;
    long index;
    if (!arg_long(c, &c->argv[2], &index)) return;
    if (!ql_replace_at(ql_of(e), index, c->argv[3].ptr, c->argv[3].len)) {
        reply_error(c, ERR_OUT_OF_RANGE);
        return;
    }
    reply_ok(c);
    db_key_changed(c->db, key, NOTIFY_LIST, "lset", 1);
    propagate_argv(c);
}

/* LREM key count element: count > 0 from the head, < 0 from the tail,
 * 0 all. */
static void cmd_lrem(client *c) {
    const slice *key = &c->argv[1], *ele = &c->argv[3];
    long toremove;
    if (!arg_long(c, &c->argv[2], &toremove)) return;
    kv *e = existing_list(c, key, true, reply_zero);
    if (e == NULL) return;
    quicklist *ql = ql_of(e);
    ql_iter it;
    ql_entry en;
    long removed = 0;
    ql_iter_init(&it, ql, toremove < 0 ? QL_TAIL : QL_HEAD);
    /* Unsigned: -LLONG_MIN is no long, and it just means "all". */
    unsigned long want = toremove < 0 ? 0UL - (unsigned long)toremove : (unsigned long)toremove;
    while (ql_next(&it, &en)) {
        if (!ql_entry_eq(&en, ele->ptr, ele->len)) continue;
        ql_del_entry(&it, &en);
        removed++;
        if ((unsigned long)removed == want) break;
    }
    ql_iter_clear(&it);
    srv.dirty += removed;
    if (removed) {
        db_signal_modified(c->db, key->ptr, key->len);
        db_notify(NOTIFY_LIST, "lrem", key->ptr, key->len, c->dbid);
        propagate_argv(c);
    }
    delete_if_empty(c, e, key);
    reply_int(c, removed);
}

static void cmd_ltrim(client *c) {
    const slice *key = &c->argv[1];
    long start, end;
    if (!arg_long(c, &c->argv[2], &start) || !arg_long(c, &c->argv[3], &end)) return;
    kv *e = existing_list(c, key, true, reply_ok);
    if (e == NULL) return;
    quicklist *ql = ql_of(e);
    long llen = (long)ql_count(ql), ltrim, rtrim;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
        ltrim = llen; /* nothing left */
        rtrim = 0;
    } else {
        if (end >= llen) end = llen - 1;
        ltrim = start;
        rtrim = llen - end - 1;
    }
    ql_del_range(ql, 0, ltrim);
    ql_del_range(ql, -rtrim, rtrim);
    db_notify(NOTIFY_LIST, "ltrim", key->ptr, key->len, c->dbid);
    delete_if_empty(c, e, key);
    db_signal_modified(c->db, key->ptr, key->len);
    srv.dirty += ltrim + rtrim;
    if (ltrim + rtrim) propagate_argv(c);
    reply_ok(c);
}

/* ---- Pops ---- */

static void pop_generic(client *c, int where) {
    const slice *key = &c->argv[1];
    bool has_count = c->argc == 3;
    long count = 0;
    if (c->argc > 3) {
        reply_error_arity(c);
        return;
    }
    if (has_count && !arg_long_range(c, &c->argv[2], 0, LONG_MAX, &count, ERR_NOT_POSITIVE)) return;
    kv *e;
    if (!find_list(c, key, true, &e)) return;
    if (e == NULL) {
        if (has_count) reply_null_array(c);
        else reply_null(c);
        return;
    }
    quicklist *ql = ql_of(e);
    if (has_count && count == 0) {
        /* Redis 7.0 answers an empty array and changes nothing. */
        reply_empty_array(c);
        return;
    }
    if (!has_count) {
        ql_entry en;
        ql_peek(ql, where, &en);
        reply_entry(c, &en);
        ql_pop_discard(ql, where);
        count = 1;
    } else {
        count = pop_range_reply(c, ql, where, count);
    }
    elements_removed(c, key, where, e, count);
    propagate_argv(c);
}

static void cmd_lpop(client *c) { pop_generic(c, QL_HEAD); }
static void cmd_rpop(client *c) { pop_generic(c, QL_TAIL); }

/* Pop one element from src's 'from' end and push it at dst's 'to' end,
 * replying with it (Redis's lmoveGenericCommand). src is a non-empty list
 * in c's db. Replies WRONGTYPE (moving nothing) if dst holds another type.
 * Propagates LMOVE, or RPOPLPUSH for (B)RPOPLPUSH. */
static void move_one(client *c, kv *src, int from, int to, bool rpoplpush, bool served) {
    const slice *skey = &c->argv[1], *dkey = &c->argv[2];
    kv *dst;
    if (!find_list(c, dkey, true, &dst)) return;
    quicklist *sql = ql_of(src);
    ql_entry en;
    ql_peek(sql, from, &en);
    /* Copy the element: the pop (or the push into the same list) moves it. */
    char small[128], numbuf[UTIL_LLSTR_SIZE];
    const char *val;
    size_t len;
    char *big = NULL;
    if (en.value == NULL) {
        len = util_ll2str(numbuf, en.lval);
        val = numbuf;
    } else {
        len = en.sz;
        char *copy = small;
        if (len > sizeof(small)) copy = big = mem_alloc(len);
        memcpy(copy, en.value, len);
        val = copy;
    }
    ql_pop_discard(sql, from);
    if (dst == NULL) dst = create_list(c, dkey);
    db_signal_modified(c->db, dkey->ptr, dkey->len);
    ql_push(ql_of(dst), val, len, to);
    db_notify(NOTIFY_LIST, to == QL_HEAD ? "lpush" : "rpush", dkey->ptr, dkey->len, c->dbid);
    reply_bulk(c, val, len);
    db_notify(NOTIFY_LIST, from == QL_HEAD ? "lpop" : "rpop", skey->ptr, skey->len, c->dbid);
    delete_if_empty(c, src, skey);
    db_signal_modified(c->db, skey->ptr, skey->len);
    if (!served) srv.dirty++;
    mem_free(big);
    if (rpoplpush) {
        slice argv[3] = {slice_of("RPOPLPUSH", 9), *skey, *dkey};
        propagate(c->dbid, 3, argv);
    } else {
        slice argv[5] = {slice_of("LMOVE", 5), *skey, *dkey,
                         from == QL_HEAD ? slice_of("LEFT", 4) : slice_of("RIGHT", 5),
                         to == QL_HEAD ? slice_of("LEFT", 4) : slice_of("RIGHT", 5)};
        propagate(c->dbid, 5, argv);
    }
}

bool list_move(client *c, int from, int to, bool rpoplpush, bool served) {
    kv *src;
    if (!find_list(c, &c->argv[1], true, &src)) return true;
    if (src == NULL) return false;
    move_one(c, src, from, to, rpoplpush, served);
    return true;
}

static void lmove_generic(client *c, int from, int to, bool rpoplpush) {
    if (!list_move(c, from, to, rpoplpush, false)) reply_null(c);
}

static void cmd_lmove(client *c) {
    int from, to;
    if (!list_parse_side(c, &c->argv[3], &from) || !list_parse_side(c, &c->argv[4], &to)) return;
    lmove_generic(c, from, to, false);
}

static void cmd_rpoplpush(client *c) { lmove_generic(c, QL_TAIL, QL_HEAD, true); }

/* ---- Multi-key pops ---- */

/* Movable keys of LMPOP: numkeys at argv[1]. */
static int lmpop_getkeys(int argc, slice *argv, int *keys, int cap) {
    return cmdtable_numkeys_getkeys(argc, argv, 1, keys, 0, cap);
}

bool list_mpop(client *c, const slice *keys, int nkeys, int where, long count) {
    for (int j = 0; j < nkeys; j++) {
        kv *e;
        if (!find_list(c, &keys[j], true, &e)) return true;
        if (e == NULL) continue;
        reply_array(c, 2);
        reply_bulk(c, keys[j].ptr, keys[j].len);
        long n = pop_range_reply(c, ql_of(e), where, count);
        elements_removed(c, &keys[j], where, e, n);
        propagate_pop(c, &keys[j], where, n);
        return true;
    }
    return false;
}

bool list_parse_mpop(client *c, int idx, long *numkeys, int *where, long *count) {
    arg_mpop a;
    if (!arg_parse_mpop(c, idx, "left", "right", &a)) return false;
    *numkeys = a.numkeys;
    *where = a.second ? QL_TAIL : QL_HEAD;
    *count = a.count;
    return true;
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
static void cmd_lmpop(client *c) {
    long numkeys, count;
    int where;
    if (!list_parse_mpop(c, 1, &numkeys, &where, &count)) return;
    if (!list_mpop(c, &c->argv[2], (int)numkeys, where, count)) reply_null_array(c);
}

/* ---- For the blocking pops (blocking.c) ---- */

bool list_pop_first(client *c, const slice *keys, int nkeys, int where, bool served) {
    for (int j = 0; j < nkeys; j++) {
        kv *e;
        if (!find_list(c, &keys[j], true, &e)) return true;
        if (e == NULL) continue;
        ql_entry en;
        ql_peek(ql_of(e), where, &en);
        reply_array(c, 2);
        reply_bulk(c, keys[j].ptr, keys[j].len);
        reply_entry(c, &en);
        ql_pop_discard(ql_of(e), where);
        elements_removed(c, &keys[j], where, e, served ? 0 : 1);
        propagate_pop(c, &keys[j], where, -1);
        return true;
    }
    return false;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command t_list_commands[] = {
    {.name = "lpush", .proc = cmd_lpush, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "rpush", .proc = cmd_rpush, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "lpushx", .proc = cmd_lpushx, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "rpushx", .proc = cmd_rpushx, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "lpop", .proc = cmd_lpop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "rpop", .proc = cmd_rpop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "llen", .proc = cmd_llen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_LIST | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "lrange", .proc = cmd_lrange, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "lindex", .proc = cmd_lindex, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "lset", .proc = cmd_lset, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "linsert", .proc = cmd_linsert, .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "lrem", .proc = cmd_lrem, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "ltrim", .proc = cmd_ltrim, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "lpos", .proc = cmd_lpos, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "lmove", .proc = cmd_lmove, .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "rpoplpush", .proc = cmd_rpoplpush, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "lmpop", .proc = cmd_lmpop, .getkeys = lmpop_getkeys, .arity = -4,
     .flags = CMD_WRITE | CMD_MOVABLE_KEYS, .acl = ACL_WRITE | ACL_LIST | ACL_SLOW},
    {.name = NULL}};
/* clang-format on */
