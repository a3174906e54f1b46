/* t_set.c -- set commands (SADD ... SSCAN) over Redis 7.0's two set
 * encodings.
 *
 * A set value is an intset (intset.c) while every member is an integer and
 * there are at most set-max-intset-entries of them, else a hashtable: a
 * dict.h table whose entries are one allocation each (link, length, member
 * bytes). A set never goes back from hashtable to intset, except where
 * Redis builds a fresh set (the STORE commands, SPOP's rebuild), so OBJECT
 * ENCODING answers what Redis answers after the same commands. Intsets are
 * sorted, and every reply that walks one (SMEMBERS, SINTER, SUNION...) is
 * in ascending order, as in Redis.
 * Effects are propagated as Redis does: SPOP as SREM (a DEL when the whole
 * set goes), several SREMs wrapped in one MULTI/EXEC; the deterministic
 * commands as themselves.
 * Spec: Redis 7.0 t_set.c semantics (algorithm cases of SRANDMEMBER and
 * SPOP, SDIFF's choice of algorithm, which decides the stored encoding).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_set.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "errors.h"
#include "intset.h"
#include "propagate.h"
#include "reply.h"
#include "scan.h"
#include "server.h"
#include "util.h"

/* ---- Members of a hashtable set ---- */

typedef struct member {
    dict_link link;
    uint32_t len;
    char buf[];
} member;

static const char *member_key(const void *entry, size_t *len) {
    const member *m = entry;
    *len = m->len;
    return m->buf;
}

static void member_free(void *entry) { mem_free(entry); }

static const dict_type member_type = {
    .hash = dict_hash_bytes, .key_of = member_key, .free_entry = member_free};

static member *member_new(const char *p, size_t len) {
    ASSERT(len <= UINT32_MAX);
    member *m = mem_alloc(offsetof(member, buf) + len);
    m->link.next = NULL;
    m->len = (uint32_t)len;
    memcpy(m->buf, p, len);
    return m;
}

/* ---- Set values: either encoding behind one interface ---- */

/* A set value outside its kv entry: load() it, change it, save() it back
 * (adds and removes may move or re-encode it). */
typedef struct setv {
    enum kv_enc enc; /* KV_ENC_INTSET or KV_ENC_HT */
    void *ptr;       /* intset * or dict * */
} setv;

/* One member as read from a set. From an intset, is_int is set and v holds
 * the value; p always points at the bytes (buf for integers, else into the
 * set: valid until the set changes). Not to be copied by value. */
typedef struct elem {
    const char *p;
    size_t len;
    bool is_int;
    long long v;
    char buf[UTIL_LLSTR_SIZE];
} elem;

static setv load(const kv *e) { return (setv){(enum kv_enc)e->enc, kv_ptr(e)}; }

static void save(kv *e, const setv *s) {
    e->enc = s->enc;
    kv_set_ptr(e, s->ptr);
}

static void elem_of_ll(elem *x, long long v) {
    x->is_int = true;
    x->v = v;
    x->len = util_ll2str(x->buf, v);
    x->p = x->buf;
}

static void elem_of_member(elem *x, const member *m) {
    x->is_int = false;
    x->p = m->buf;
    x->len = m->len;
}

static size_t max_intset_entries(void) {
    long long m = cfg.set_max_intset_entries;
    /* Redis's cap: an intset's length must fit its 32-bit field with room. */
    if (m > (1LL << 30)) m = 1LL << 30;
    return m < 0 ? 0 : (size_t)m;
}

static setv setv_new_intset(void) { return (setv){KV_ENC_INTSET, intset_new()}; }

/* The empty set Redis's setTypeCreate() makes for a first member: an
 * intset if that member is an integer. */
static setv setv_new_for(const char *p, size_t len) {
    long long v;
    if (util_str2ll(p, len, &v)) return setv_new_intset();
    return (setv){KV_ENC_HT, dict_new(&member_type)};
}

static size_t setv_len(const setv *s) {
    return s->enc == KV_ENC_INTSET ? intset_len(s->ptr) : dict_len(s->ptr);
}

static void setv_free(setv *s) {
    if (s->enc == KV_ENC_INTSET) intset_free(s->ptr);
    else dict_free(s->ptr);
    s->ptr = NULL;
}

static void to_hashtable(setv *s) {
    intset *is = s->ptr;
    uint32_t n = intset_len(is);
    dict *d = dict_new(&member_type);
    if (n) dict_expand(d, n);
    for (uint32_t i = 0; i < n; i++) {
        char buf[UTIL_LLSTR_SIZE];
        size_t len = util_ll2str(buf, intset_at(is, i));
        dict_add(d, member_new(buf, len));
    }
    intset_free(is);
    s->enc = KV_ENC_HT;
    s->ptr = d;
}

/* Add to an intset, converting when it grows past the limit. */
static bool add_ll(setv *s, long long v) {
    bool added;
    s->ptr = intset_add(s->ptr, v, &added);
    if (added && intset_len(s->ptr) > max_intset_entries()) to_hashtable(s);
    return added;
}

/* Add a member; true if it was not there. */
static bool setv_add(setv *s, const char *p, size_t len) {
    if (s->enc == KV_ENC_INTSET) {
        long long v;
        if (util_str2ll(p, len, &v)) return add_ll(s, v);
        to_hashtable(s);
    }
    if (dict_find(s->ptr, p, len)) return false;
    dict_add(s->ptr, member_new(p, len));
    return true;
}

static bool setv_add_elem(setv *s, const elem *x) {
    if (x->is_int && s->enc == KV_ENC_INTSET) return add_ll(s, x->v);
    return setv_add(s, x->p, x->len);
}

/* Remove a member; true if it was there. p may point into the member. */
static bool setv_remove(setv *s, const char *p, size_t len) {
    if (s->enc == KV_ENC_INTSET) {
        long long v;
        bool removed;
        if (!util_str2ll(p, len, &v)) return false;
        s->ptr = intset_remove(s->ptr, v, &removed);
        return removed;
    }
    if (!dict_delete(s->ptr, p, len)) return false;
    dict_shrink_if_needed(s->ptr);
    return true;
}

static bool setv_remove_elem(setv *s, const elem *x) {
    if (x->is_int && s->enc == KV_ENC_INTSET) {
        bool removed;
        s->ptr = intset_remove(s->ptr, x->v, &removed);
        return removed;
    }
    return setv_remove(s, x->p, x->len);
}

static bool setv_has(const setv *s, const char *p, size_t len) {
    if (s->enc == KV_ENC_INTSET) {
        long long v;
        return util_str2ll(p, len, &v) && intset_find(s->ptr, v);
    }
    return dict_find(s->ptr, p, len) != NULL;
}

static bool setv_has_elem(const setv *s, const elem *x) {
    if (x->is_int && s->enc == KV_ENC_INTSET) return intset_find(s->ptr, x->v);
    return setv_has(s, x->p, x->len);
}

/* A random member of a non-empty set. */
static void setv_random(const setv *s, elem *x) {
    if (s->enc == KV_ENC_INTSET) elem_of_ll(x, intset_random(s->ptr));
    else elem_of_member(x, dict_fair_random(s->ptr));
}

typedef struct set_iter {
    const setv *s;
    uint32_t idx;
    dict_iter di;
} set_iter;

static void iter_init(set_iter *it, const setv *s) {
    it->s = s;
    it->idx = 0;
    if (s->enc == KV_ENC_HT) dict_iter_init(&it->di, s->ptr);
}

static bool iter_next(set_iter *it, elem *x) {
    if (it->s->enc == KV_ENC_INTSET) {
        if (it->idx >= intset_len(it->s->ptr)) return false;
        elem_of_ll(x, intset_at(it->s->ptr, it->idx++));
        return true;
    }
    member *m = dict_iter_next(&it->di);
    if (m == NULL) return false;
    elem_of_member(x, m);
    return true;
}

static void iter_done(set_iter *it) {
    if (it->s->enc == KV_ENC_HT) dict_iter_done(&it->di);
}

/* ---- Value callbacks and the shared API (t_set.h) ---- */

static void value_free(void *ptr, enum kv_enc enc) {
    setv s = {enc, ptr};
    setv_free(&s);
}

static void *value_dup(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_INTSET) return intset_dup(ptr);
    dict *src = (dict *)ptr, *d = dict_new(&member_type);
    if (dict_len(src)) dict_expand(d, dict_len(src));
    dict_iter it;
    dict_iter_init(&it, src);
    member *m;
    while ((m = dict_iter_next(&it)) != NULL) dict_add(d, member_new(m->buf, m->len));
    dict_iter_done(&it);
    return d;
}

static size_t value_size(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_INTSET) return mem_usable(ptr);
    dict *d = (dict *)ptr;
    size_t n = mem_usable(d) + dict_overhead(d);
    dict_iter it;
    dict_iter_init(&it, d);
    member *m;
    while ((m = dict_iter_next(&it)) != NULL) n += mem_usable(m);
    dict_iter_done(&it);
    return n;
}

void t_set_init(void) {
    kv_set_value_free(KV_SET, value_free);
    kv_set_value_dup(KV_SET, value_dup);
    kv_set_value_size(KV_SET, value_size);
}

void t_set_foreach(const kv *e, t_set_member_fn *fn, void *priv) {
    setv s = load(e);
    set_iter it;
    elem x;
    iter_init(&it, &s);
    while (iter_next(&it, &x)) fn(priv, x.p, x.len);
    iter_done(&it);
}

size_t t_set_len(const kv *e) {
    setv s = load(e);
    return setv_len(&s);
}

bool t_set_add(kv *e, const char *p, size_t len) {
    setv s = load(e);
    bool added = setv_add(&s, p, len);
    save(e, &s);
    return added;
}

void t_set_convert_ht(kv *e, size_t hint) {
    setv s = load(e);
    if (s.enc != KV_ENC_INTSET) return;
    to_hashtable(&s);
    if (hint) dict_expand(s.ptr, hint);
    save(e, &s);
}

/* ---- Keyspace helpers ---- */

/* Look up a set; replies WRONGTYPE and returns false if the key holds
 * another type. *out is NULL when the key is missing. */
static bool find_set(client *c, const slice *key, bool write, kv **out) {
    return arg_lookup(c, key, KV_SET, write, out);
}

/* A new, empty set key whose first member will be p (Redis's
 * setTypeCreate + dbAdd). */
static kv *create_set(client *c, const slice *key, const char *p, size_t len) {
    setv s = setv_new_for(p, len);
    kv *e = kv_new_ptr(key->ptr, key->len, KV_SET, s.enc, s.ptr);
    db_add(c->db, e);
    return e;
}

/* Delete a set that became empty. */
static void delete_empty(client *c, const slice *key) {
    db_delete(c->db, key->ptr, key->len);
    db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
}

static void reply_elem(client *c, const elem *x) { reply_bulk(c, x->p, x->len); }

static void propagate_srem(client *c, const slice *key, const elem *x) {
    slice argv[3] = {slice_of("SREM", 4), *key, slice_of(x->p, x->len)};
    propagate(c->dbid, 3, argv);
}

/* ---- SADD, SREM, SMOVE ---- */

static void cmd_sadd(client *c) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_set(c, key, true, &e)) return;
    if (e == NULL) e = create_set(c, key, c->argv[2].ptr, c->argv[2].len);
    setv s = load(e);
    long long added = 0;
    for (int j = 2; j < c->argc; j++)
        if (setv_add(&s, c->argv[j].ptr, c->argv[j].len)) added++;
    save(e, &s);
    if (added) {
        db_key_changed(c->db, key, NOTIFY_SET, "sadd", added);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, added);
}

static void cmd_srem(client *c) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_set(c, key, true, &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    setv s = load(e);
    long long deleted = 0;
    bool emptied = false;
    for (int j = 2; j < c->argc && !emptied; j++) {
        if (!setv_remove(&s, c->argv[j].ptr, c->argv[j].len)) continue;
        deleted++;
        emptied = setv_len(&s) == 0;
    }
    save(e, &s);
    if (deleted) {
        db_notify(NOTIFY_SET, "srem", key->ptr, key->len, c->dbid);
        if (emptied) delete_empty(c, key);
        db_signal_modified(c->db, key->ptr, key->len);
        srv.dirty += deleted;
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, deleted);
}

static void cmd_smove(client *c) {
    slice *src = &c->argv[1], *dst = &c->argv[2], *ele = &c->argv[3];
    kv *se = db_find_write(c->db, src->ptr, src->len);
    kv *de = db_find_write(c->db, dst->ptr, dst->len);
    if (se == NULL) {
        reply_int(c, 0);
        return;
    }
    if (se->type != KV_SET || (de && de->type != KV_SET)) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    setv s = load(se);
    if (se == de) {
        reply_int(c, setv_has(&s, ele->ptr, ele->len));
        return;
    }
    bool removed = setv_remove(&s, ele->ptr, ele->len);
    save(se, &s);
    if (!removed) {
        reply_int(c, 0);
        return;
    }
    db_notify(NOTIFY_SET, "srem", src->ptr, src->len, c->dbid);
    if (setv_len(&s) == 0) delete_empty(c, src);
    if (de == NULL) de = create_set(c, dst, ele->ptr, ele->len);
    db_signal_modified(c->db, src->ptr, src->len);
    srv.dirty++;
    setv d = load(de);
    bool added = setv_add(&d, ele->ptr, ele->len);
    save(de, &d);
    if (added) {
        srv.dirty++;
        db_signal_modified(c->db, dst->ptr, dst->len);
        db_notify(NOTIFY_SET, "sadd", dst->ptr, dst->len, c->dbid);
    }
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, 1);
}

/* ---- Membership and size ---- */

static void cmd_sismember(client *c) {
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    setv s = e ? load(e) : (setv){0};
    reply_int(c, e && setv_has(&s, c->argv[2].ptr, c->argv[2].len));
}

static void cmd_smismember(client *c) {
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    setv s = e ? load(e) : (setv){0};
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++)
        reply_int(c, e && setv_has(&s, c->argv[j].ptr, c->argv[j].len));
}

static void cmd_scard(client *c) {
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    reply_int(c, e ? (long long)t_set_len(e) : 0);
}

/* ---- Union and difference ---- */

enum set_op { SET_OP_UNION, SET_OP_DIFF };

/* The union or difference of sets[0..n) (an absent key is {0}) as a new
 * value, built the way Redis builds it: starting from an empty intset and
 * adding member by member, so its encoding is the one Redis stores. */
static setv union_diff(setv *sets, long n, enum set_op op) {
    setv out = setv_new_intset();
    set_iter it;
    elem x;
    if (op == SET_OP_UNION) {
        for (long j = 0; j < n; j++) {
            if (sets[j].ptr == NULL) continue;
            iter_init(&it, &sets[j]);
            while (iter_next(&it, &x)) setv_add_elem(&out, &x);
            iter_done(&it);
        }
        return out;
    }
    if (sets[0].ptr == NULL) return out;
    for (long j = 1; j < n; j++)
        if (sets[j].ptr == sets[0].ptr) return out; /* A - A - ... is empty */
    /* Algorithm 1 tests each member of the first set against the others
     * (about |A| * n work); algorithm 2 adds A and removes the rest (the
     * sum of the sizes). Redis picks the cheaper, favouring 1 by half, and
     * the choice shows in the result's encoding. */
    long long work1 = 0, work2 = 0;
    for (long j = 0; j < n; j++) {
        if (sets[j].ptr == NULL) continue;
        work1 += (long long)setv_len(&sets[0]);
        work2 += (long long)setv_len(&sets[j]);
    }
    if (work1 / 2 <= work2) {
        iter_init(&it, &sets[0]);
        while (iter_next(&it, &x)) {
            long j;
            for (j = 1; j < n; j++)
                if (sets[j].ptr && setv_has_elem(&sets[j], &x)) break;
            if (j == n) setv_add_elem(&out, &x);
        }
        iter_done(&it);
        return out;
    }
    for (long j = 0; j < n; j++) {
        if (sets[j].ptr == NULL) continue;
        iter_init(&it, &sets[j]);
        while (iter_next(&it, &x)) {
            if (j == 0) setv_add_elem(&out, &x);
            else setv_remove_elem(&out, &x);
        }
        iter_done(&it);
        if (setv_len(&out) == 0) break;
    }
    return out;
}

/* Reply with every member of s as a set (RESP3 '~'). */
static void reply_members(client *c, const setv *s) {
    set_iter it;
    elem x;
    reply_set(c, (long long)setv_len(s));
    iter_init(&it, s);
    while (iter_next(&it, &x)) reply_elem(c, &x);
    iter_done(&it);
}

/* Load the sets named by keys[0..n) (missing keys as {0}); replies
 * WRONGTYPE and returns NULL if one is not a set. *missing counts the
 * absent keys. Caller frees the array. */
static setv *load_sets(client *c, const slice *keys, long n, long *missing) {
    setv *sets = mem_alloc(sizeof(setv) * (size_t)n);
    *missing = 0;
    for (long j = 0; j < n; j++) {
        kv *e = db_find_read(c->db, keys[j].ptr, keys[j].len);
        if (e == NULL) {
            sets[j] = (setv){0};
            (*missing)++;
        } else if (e->type != KV_SET) {
            reply_error(c, ERR_WRONGTYPE);
            mem_free(sets);
            return NULL;
        } else {
            sets[j] = load(e);
        }
    }
    return sets;
}

/* Store the result 'out' under dst (replacing any value and TTL) and
 * propagate the command, or delete dst (propagated as DEL) when the
 * result is empty; replies with the size. Takes ownership. */
static void store_result(client *c, const slice *dst, setv *out, const char *event) {
    size_t len = setv_len(out);
    if (len == 0) {
        setv_free(out);
        reply_int(c, 0);
        db_delete_propagate(c->db, dst->ptr, dst->len);
        return;
    }
    kv *e = kv_new_ptr(dst->ptr, dst->len, KV_SET, out->enc, out->ptr);
    db_set(c->db, e, 0);
    reply_int(c, (long long)len);
    db_key_changed(c->db, dst, NOTIFY_SET, event, 1);
    propagate(c->dbid, c->argc, c->argv);
}

static void union_diff_command(client *c, const slice *keys, long n, const slice *dst,
                               enum set_op op) {
    long missing;
    setv *sets = load_sets(c, keys, n, &missing);
    if (sets == NULL) return;
    setv out = union_diff(sets, n, op);
    mem_free(sets);
    if (dst) {
        store_result(c, dst, &out, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        return;
    }
    reply_members(c, &out);
    setv_free(&out);
}

static void cmd_sunion(client *c) {
    union_diff_command(c, c->argv + 1, c->argc - 1, NULL, SET_OP_UNION);
}
static void cmd_sdiff(client *c) {
    union_diff_command(c, c->argv + 1, c->argc - 1, NULL, SET_OP_DIFF);
}

static void cmd_sunionstore(client *c) {
    union_diff_command(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_UNION);
}

static void cmd_sdiffstore(client *c) {
    union_diff_command(c, c->argv + 2, c->argc - 2, &c->argv[1], SET_OP_DIFF);
}

/* ---- Intersection ---- */

typedef struct ranked {
    setv s;
    long pos;
} ranked;

/* Smallest first; equal sizes keep their argument order (Redis's qsort is
 * glibc's stable merge sort, and which set is walked decides the order of
 * the reply). */
static int by_size(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    size_t lx = setv_len(&x->s), ly = setv_len(&y->s);
    if (lx != ly) return lx < ly ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* SINTER, SMEMBERS, SINTERSTORE (dst set) and SINTERCARD (card_only, with
 * limit 0 = none). */
static void inter_command(client *c, const slice *keys, long n, const slice *dst, bool card_only,
                          unsigned long long limit) {
    long missing;
    setv *loaded = load_sets(c, keys, n, &missing);
    if (loaded == NULL) return;
    if (missing) {
        mem_free(loaded);
        if (dst) {
            setv none = setv_new_intset();
            store_result(c, dst, &none, "sinterstore");
        } else if (card_only) {
            reply_int(c, 0);
        } else {
            reply_set(c, 0);
        }
        return;
    }
    ranked *r = mem_alloc(sizeof(ranked) * (size_t)n);
    for (long j = 0; j < n; j++) r[j] = (ranked){loaded[j], j};
    mem_free(loaded);
    qsort(r, (size_t)n, sizeof(ranked), by_size);

    setv out = {0};
    void *node = NULL;
    if (dst) out = setv_new_intset();
    else if (!card_only) node = reply_defer(c);
    unsigned long long card = 0;
    set_iter it;
    elem x;
    iter_init(&it, &r[0].s);
    while (iter_next(&it, &x)) {
        long j;
        for (j = 1; j < n; j++) {
            if (r[j].s.ptr == r[0].s.ptr) continue;
            if (!setv_has_elem(&r[j].s, &x)) break;
        }
        if (j < n) continue;
        if (dst) {
            setv_add_elem(&out, &x);
        } else {
            card++;
            if (!card_only) reply_elem(c, &x);
            else if (limit && card >= limit) break;
        }
    }
    iter_done(&it);
    mem_free(r);
    if (dst) store_result(c, dst, &out, "sinterstore");
    else if (card_only) reply_int(c, (long long)card);
    else reply_set_deferred_set(c, node, (long long)card);
}

static void cmd_sinter(client *c) { inter_command(c, c->argv + 1, c->argc - 1, NULL, false, 0); }

/* SMEMBERS is SINTER of one key, as in Redis. */
static void cmd_smembers(client *c) { inter_command(c, c->argv + 1, 1, NULL, false, 0); }

static void cmd_sinterstore(client *c) {
    inter_command(c, c->argv + 2, c->argc - 2, &c->argv[1], false, 0);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void cmd_sintercard(client *c) {
    long long numkeys, limit = 0;
    if (!arg_ll_range(c, &c->argv[1], 1, LLONG_MAX, &numkeys, ERR_NUMKEYS_ZERO)) return;
    if (numkeys > c->argc - 2) {
        reply_error(c, ERR_NUMKEYS_TOO_MANY);
        return;
    }
    for (long j = 2 + numkeys; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "limit") && j + 1 < c->argc) {
            if (!arg_ll_range(c, &c->argv[++j], 0, LLONG_MAX, &limit, ERR_LIMIT_NEG)) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    inter_command(c, c->argv + 2, (long)numkeys, NULL, true, (unsigned long long)limit);
}

/* COMMAND GETKEYS for SINTERCARD: numkeys at 1, the keys after it. */
static int sintercard_getkeys(int argc, slice *argv, int *keys, int cap) {
    return cmdtable_numkeys_getkeys(argc, argv, 1, keys, 0, cap);
}

/* ---- SRANDMEMBER ---- */

/* Below this ratio of size to count, SRANDMEMBER picks by elimination
 * (Redis's SRANDMEMBER_SUB_STRATEGY_MUL). */
#define SRANDMEMBER_SUB_MUL 3

/* 'count' distinct members, count < size <= SRANDMEMBER_SUB_MUL * count:
 * a partial Fisher-Yates shuffle of all positions. */
static void reply_random_dense(client *c, const setv *s, size_t count) {
    size_t size = setv_len(s);
    reply_array(c, (long long)count);
    if (s->enc == KV_ENC_INTSET) {
        uint32_t *pos = mem_alloc(sizeof(uint32_t) * size);
        for (size_t i = 0; i < size; i++) pos[i] = (uint32_t)i;
        for (size_t i = 0; i < count; i++) {
            size_t j = i + util_rand64() % (size - i);
            uint32_t t = pos[i];
            pos[i] = pos[j];
            pos[j] = t;
            reply_bulk_ll(c, intset_at(s->ptr, pos[i]));
        }
        mem_free(pos);
        return;
    }
    member **all = mem_alloc(sizeof(member *) * size);
    size_t n = 0;
    dict_iter it;
    dict_iter_init(&it, s->ptr);
    member *m;
    while ((m = dict_iter_next(&it)) != NULL) all[n++] = m;
    dict_iter_done(&it);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + util_rand64() % (size - i);
        m = all[j];
        all[j] = all[i];
        all[i] = m;
        reply_bulk(c, m->buf, m->len);
    }
    mem_free(all);
}

/* 'count' distinct members out of a much bigger set: sample until that
 * many different ones came up. */
static void reply_random_sparse(client *c, const setv *s, size_t count) {
    dict *seen = dict_new(&member_type);
    dict_expand(seen, count);
    reply_array(c, (long long)count);
    while (dict_len(seen) < count) {
        elem x;
        setv_random(s, &x);
        if (dict_find(seen, x.p, x.len)) continue;
        dict_add(seen, member_new(x.p, x.len));
        reply_elem(c, &x);
    }
    dict_free(seen);
}

static void srandmember_count(client *c) {
    long l;
    if (!arg_long_range(c, &c->argv[2], -LONG_MAX, LONG_MAX, &l, NULL)) return;
    bool uniq = l >= 0;
    unsigned long long count = uniq ? (unsigned long long)l : (unsigned long long)-l;
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    if (e == NULL || count == 0) {
        reply_array(c, 0);
        return;
    }
    setv s = load(e);
    size_t size = setv_len(&s);
    /* Repeats allowed: independent draws, in random order. */
    if (!uniq || count == 1) {
        if (!arg_rand_repeat_ok(c, count, false)) return;
        reply_array(c, (long long)count);
        size_t begin = reply_repeat_begin(c);
        while (count--) {
            elem x;
            setv_random(&s, &x);
            reply_elem(c, &x);
            if (reply_repeat_stop(c, begin)) break;
        }
        return;
    }
    if (count >= size) {
        set_iter it;
        elem x;
        reply_array(c, (long long)size);
        iter_init(&it, &s);
        while (iter_next(&it, &x)) reply_elem(c, &x);
        iter_done(&it);
        return;
    }
    if (count * SRANDMEMBER_SUB_MUL > size) reply_random_dense(c, &s, count);
    else reply_random_sparse(c, &s, count);
}

/* SRANDMEMBER and SPOP: "key count" runs the count form, more arguments
 * are a syntax error; true leaves the plain "key" form to the caller. */
static bool plain_form(client *c, void (*with_count)(client *)) {
    if (c->argc == 3) with_count(c);
    else if (c->argc > 3) reply_error(c, ERR_SYNTAX);
    return c->argc == 2;
}

static void cmd_srandmember(client *c) {
    if (!plain_form(c, srandmember_count)) return;
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    setv s = load(e);
    elem x;
    setv_random(&s, &x);
    reply_elem(c, &x);
}

/* ---- SPOP ---- */

/* When at most 1/SPOP_MOVE_MUL of the set would remain, SPOP builds a new
 * set of the survivors instead (Redis's SPOP_MOVE_STRATEGY_MUL). */
#define SPOP_MOVE_MUL 5

static void spop_count(client *c) {
    slice *key = &c->argv[1];
    long long l;
    if (!arg_ll_range(c, &c->argv[2], 0, LLONG_MAX, &l, ERR_NOT_POSITIVE)) return;
    kv *e;
    if (!find_set(c, key, true, &e)) return;
    if (e == NULL || l == 0) {
        reply_set(c, 0);
        return;
    }
    setv s = load(e);
    size_t size = setv_len(&s);
    unsigned long long count = (unsigned long long)l;
    db_notify(NOTIFY_SET, "spop", key->ptr, key->len, c->dbid);
    if (count >= size) {
        /* The whole set: replied as Redis's SUNION of the key, then one DEL.
         * That SUNION looks the key up again: count the hit as Redis does. */
        (void)db_find_read(c->db, key->ptr, key->len);
        setv all = union_diff(&s, 1, SET_OP_UNION);
        reply_members(c, &all);
        setv_free(&all);
        delete_empty(c, key);
        propagate_del(c->dbid, key->ptr, key->len);
        db_signal_modified(c->db, key->ptr, key->len);
        srv.dirty += (long long)size;
        return;
    }
    srv.dirty += (long long)count;
    reply_set(c, (long long)count);
    size_t remaining = size - count;
    if (remaining * SPOP_MOVE_MUL > count) {
        while (count--) {
            elem x;
            setv_random(&s, &x);
            reply_elem(c, &x);
            propagate_srem(c, key, &x);
            setv_remove_elem(&s, &x);
        }
    } else {
        /* Move the survivors to a new set; reply with what is left. */
        setv keep = {0};
        while (remaining--) {
            elem x;
            setv_random(&s, &x);
            if (keep.ptr == NULL) keep = setv_new_for(x.p, x.len);
            setv_add_elem(&keep, &x);
            setv_remove_elem(&s, &x);
        }
        set_iter it;
        elem x;
        iter_init(&it, &s);
        while (iter_next(&it, &x)) {
            reply_elem(c, &x);
            propagate_srem(c, key, &x);
        }
        iter_done(&it);
        setv_free(&s);
        s = keep;
    }
    save(e, &s);
    db_signal_modified(c->db, key->ptr, key->len);
}

static void cmd_spop(client *c) {
    if (!plain_form(c, spop_count)) return;
    slice *key = &c->argv[1];
    kv *e;
    if (!find_set(c, key, true, &e)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    setv s = load(e);
    elem x;
    setv_random(&s, &x);
    reply_elem(c, &x);
    propagate_srem(c, key, &x);
    setv_remove_elem(&s, &x); /* x is dangling from here on */
    save(e, &s);
    db_notify(NOTIFY_SET, "spop", key->ptr, key->len, c->dbid);
    if (setv_len(&s) == 0) delete_empty(c, key);
    db_signal_modified(c->db, key->ptr, key->len);
    srv.dirty++;
}

/* ---- SSCAN ---- */

/* SSCAN key cursor [MATCH pattern] [COUNT count]: an intset comes back
 * whole with cursor 0, as in Redis; a hashtable is walked with dict_scan. */
static void cmd_sscan(client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, &c->argv[2], &cursor)) return;
    kv *e;
    if (!find_set(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        scan_reply_empty(c);
        return;
    }
    scan_opts o;
    if (!scan_parse_opts(c, 3, false, &o)) return;
    setv s = load(e);
    long long n = 0;
    if (s.enc == KV_ENC_INTSET) {
        void *node = scan_reply_start(c, 0);
        set_iter it;
        elem x;
        iter_init(&it, &s);
        while (iter_next(&it, &x)) {
            if (!scan_match(&o, x.p, x.len)) continue;
            reply_elem(c, &x);
            n++;
        }
        iter_done(&it);
        reply_set_deferred_array(c, node, n);
        return;
    }
    size_t len;
    member **items = (member **)scan_dict(s.ptr, &cursor, &o, &len);
    void *node = scan_reply_start(c, cursor);
    for (size_t i = 0; i < len; i++) {
        if (!scan_match(&o, items[i]->buf, items[i]->len)) continue;
        reply_bulk(c, items[i]->buf, items[i]->len);
        n++;
    }
    mem_free(items);
    reply_set_deferred_array(c, node, n);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command t_set_commands[] = {
    {.name = "sadd", .proc = cmd_sadd, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "srem", .proc = cmd_srem, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "scard", .proc = cmd_scard, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "sismember", .proc = cmd_sismember, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "smismember", .proc = cmd_smismember, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "smembers", .proc = cmd_smembers, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "srandmember", .proc = cmd_srandmember, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "spop", .proc = cmd_spop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "smove", .proc = cmd_smove, .arity = 4, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 2, 1}},
    {.name = "sinter", .proc = cmd_sinter, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sintercard", .proc = cmd_sintercard, .getkeys = sintercard_getkeys, .arity = -3,
     .flags = CMD_READONLY | CMD_MOVABLE_KEYS, .acl = ACL_READ | ACL_SET | ACL_SLOW},
    {.name = "sinterstore", .proc = cmd_sinterstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sunion", .proc = cmd_sunion, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sunionstore", .proc = cmd_sunionstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sdiff", .proc = cmd_sdiff, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sdiffstore", .proc = cmd_sdiffstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sscan", .proc = cmd_sscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
