/* t_hash.c -- the hash type and its commands (HSET ... HSCAN).
 *
 * A hash starts as a listpack of field,value pairs in insertion order and
 * becomes a hashtable, for good, exactly where Redis 7.0 converts it: when a
 * field or value about to be stored is longer than hash-max-listpack-value,
 * when the pairs outnumber hash-max-listpack-entries, or when the listpack
 * would pass its 1 GB safety size. OBJECT ENCODING therefore answers what
 * redis-server answers for the same commands.
 * The hashtable encoding is a dict.h table whose entries are one allocation
 * each: link, lengths, field bytes, value bytes (no per-field node or
 * string headers). Changing a value reallocates the entry and swaps it
 * into its bucket slot.
 * Writes signal the key and propagate their effect: HINCRBYFLOAT goes out
 * as HSET with the final value, so a replica stores the same bytes.
 * Not here: RDB encoding of hashes (rdb_types.c reads the listpack verbatim).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_hash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "errors.h"
#include "listpack.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "scan.h"
#include "server.h"
#include "util.h"

/* ---- The hashtable encoding: one allocation per field ---- */

typedef struct hfield {
    dict_link link;
    uint32_t flen, vlen;
    char buf[]; /* field bytes, then value bytes */
} hfield;

static const char *hfield_key(const void *entry, size_t *len) {
    const hfield *h = entry;
    *len = h->flen;
    return h->buf;
}

static uint64_t hfield_hash(const char *key, size_t len) { return dict_hash_bytes(key, len); }

static void hfield_free(void *entry) { mem_free(entry); }

static const dict_type hfield_dict_type = {
    .hash = hfield_hash, .key_of = hfield_key, .key_eq = NULL, .free_entry = hfield_free};

static hfield *hfield_new(const char *f, size_t flen, const char *v, size_t vlen) {
    hfield *h = mem_alloc(sizeof(*h) + flen + vlen);
    h->link.next = NULL;
    h->flen = (uint32_t)flen;
    h->vlen = (uint32_t)vlen;
    memcpy(h->buf, f, flen);
    if (vlen) memcpy(h->buf + flen, v, vlen);
    return h;
}

static const char *hfield_val(const hfield *h) { return h->buf + h->flen; }

/* Set the value of the field whose entry sits at *slot, reallocating the
 * entry (and updating the slot) only when it does not fit. */
static void hfield_set_value(dict_link **slot, const char *v, size_t vlen) {
    hfield *h = (hfield *)*slot;
    size_t need = sizeof(*h) + h->flen + vlen;
    if (need > mem_usable(h) || need + 64 < mem_usable(h)) {
        /* dict_set_slot reads the old entry's link: free it only after. */
        hfield *n = mem_alloc(need);
        memcpy(n, h, sizeof(*h) + h->flen);
        dict_set_slot(slot, n);
        mem_free(h);
        h = n;
    }
    if (vlen) memcpy(h->buf + h->flen, v, vlen);
    h->vlen = (uint32_t)vlen;
}

/* ---- Value callbacks registered with kv.c ---- */

static void hash_value_free(void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) lp_free(ptr);
    else dict_free(ptr);
}

static void *hash_value_dup(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) return lp_dup(ptr);
    dict *src = (dict *)ptr;
    dict *d = dict_new(&hfield_dict_type);
    dict_expand(d, dict_len(src));
    dict_iter it;
    dict_iter_init(&it, src);
    hfield *h;
    while ((h = dict_iter_next(&it)) != NULL) {
        size_t size = sizeof(*h) + h->flen + h->vlen;
        hfield *n = mem_memdup(h, size);
        n->link.next = NULL;
        dict_add(d, n);
    }
    dict_iter_done(&it);
    return d;
}

static size_t hash_value_size(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) return mem_usable(ptr);
    dict *d = (dict *)ptr;
    size_t n = dict_overhead(d), seen = 0, bytes = 0;
    /* Sampled as Redis's MEMORY USAGE does by default, but wider. */
    dict_iter it;
    dict_iter_init(&it, d);
    hfield *h;
    while (seen < 1024 && (h = dict_iter_next(&it)) != NULL) {
        bytes += mem_usable(h);
        seen++;
    }
    dict_iter_done(&it);
    if (seen) n += (size_t)((double)bytes / (double)seen * (double)dict_len(d));
    return n;
}

void hash_init(void) {
    kv_set_value_free(KV_HASH, hash_value_free);
    kv_set_value_dup(KV_HASH, hash_value_dup);
    kv_set_value_size(KV_HASH, hash_value_size);
}

/* ---- Encoding-independent access ---- */

static bool is_listpack(const kv *e) { return e->enc == KV_ENC_LISTPACK; }

unsigned long hash_len(const kv *e) {
    if (is_listpack(e)) return lp_len(kv_ptr(e)) / 2;
    return dict_len(kv_ptr(e));
}

/* The listpack element holding the value of 'field', or NULL. */
static unsigned char *lp_value_of(const kv *e, const char *field, size_t flen) {
    unsigned char *lp = kv_ptr(e);
    unsigned char *p = lp_first(lp);
    if (p == NULL) return NULL;
    p = lp_find(lp, p, field, flen, 1);
    if (p == NULL) return NULL;
    p = lp_next(lp, p);
    ASSERT(p != NULL);
    return p;
}

const char *hash_get(const kv *e, const char *field, size_t flen, size_t *vlen, char *buf) {
    if (is_listpack(e)) {
        unsigned char *p = lp_value_of(e, field, flen);
        if (p == NULL) return NULL;
        return (const char *)lp_get(p, vlen, NULL, (unsigned char *)buf);
    }
    hfield *h = dict_find(kv_ptr(e), field, flen);
    if (h == NULL) return NULL;
    *vlen = h->vlen;
    return hfield_val(h);
}

/* An iterator over both encodings. Fields and values read from a
 * listpack integer are written into fbuf/vbuf. */
typedef struct hash_iter {
    const kv *e;
    unsigned char *p; /* listpack: next field element */
    dict_iter di;
    char fbuf[HASH_INTBUF_SIZE], vbuf[HASH_INTBUF_SIZE];
} hash_iter;

static void hash_iter_init(hash_iter *it, const kv *e) {
    it->e = e;
    if (is_listpack(e)) it->p = lp_first(kv_ptr(e));
    else dict_iter_init(&it->di, kv_ptr(e));
}

static bool hash_iter_next(hash_iter *it, const char **f, size_t *flen, const char **v,
                           size_t *vlen) {
    if (is_listpack(it->e)) {
        if (it->p == NULL) return false;
        unsigned char *lp = kv_ptr(it->e);
        unsigned char *vp = lp_next(lp, it->p);
        ASSERT(vp != NULL);
        *f = (const char *)lp_get(it->p, flen, NULL, (unsigned char *)it->fbuf);
        *v = (const char *)lp_get(vp, vlen, NULL, (unsigned char *)it->vbuf);
        it->p = lp_next(lp, vp);
        return true;
    }
    hfield *h = dict_iter_next(&it->di);
    if (h == NULL) return false;
    *f = h->buf;
    *flen = h->flen;
    *v = hfield_val(h);
    *vlen = h->vlen;
    return true;
}

static void hash_iter_done(hash_iter *it) {
    if (!is_listpack(it->e)) dict_iter_done(&it->di);
}

void hash_foreach(const kv *e, hash_pair_fn *fn, void *priv) {
    hash_iter it;
    hash_iter_init(&it, e);
    const char *f, *v;
    size_t flen, vlen;
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) fn(priv, f, flen, v, vlen);
    hash_iter_done(&it);
}

/* ---- Encoding changes and mutation ---- */

/* Listpack to hashtable, never back (as Redis). */
static void convert_to_ht(kv *e) {
    if (!is_listpack(e)) return;
    unsigned char *lp = kv_ptr(e);
    dict *d = dict_new(&hfield_dict_type);
    dict_expand(d, lp_len(lp) / 2);
    hash_iter it;
    hash_iter_init(&it, e);
    const char *f, *v;
    size_t flen, vlen;
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        ASSERT(dict_find(d, f, flen) == NULL);
        dict_add(d, hfield_new(f, flen, v, vlen));
    }
    hash_iter_done(&it);
    lp_free(lp);
    e->enc = KV_ENC_HT;
    kv_set_ptr(e, d);
}

/* Redis's hashTypeTryConversion: before storing argv[start..end], convert
 * if any is longer than hash-max-listpack-value or the listpack would grow
 * past its safety size. */
static void try_conversion(kv *e, const slice *argv, int start, int end) {
    if (!is_listpack(e)) return;
    size_t sum = 0;
    for (int i = start; i <= end; i++) {
        if ((long long)argv[i].len > cfg.hash_max_listpack_value) {
            convert_to_ht(e);
            return;
        }
        sum += argv[i].len;
    }
    if (!lp_safe_to_add(kv_ptr(e), sum)) convert_to_ht(e);
}

/* Set field to value (copies both). Returns true if the field is new.
 * Converts first if either is too long for a listpack (the HINCRBY* path),
 * and after if the pairs now exceed hash-max-listpack-entries. */
static bool hash_set(kv *e, const char *f, size_t flen, const char *v, size_t vlen) {
    if (is_listpack(e) && ((long long)flen > cfg.hash_max_listpack_value ||
                           (long long)vlen > cfg.hash_max_listpack_value))
        convert_to_ht(e);
    if (is_listpack(e)) {
        unsigned char *lp = kv_ptr(e);
        unsigned char *vp = lp_value_of(e, f, flen);
        bool added = vp == NULL;
        if (vp) {
            lp = lp_insert(lp, v, vlen, vp, LP_REPLACE, NULL);
        } else {
            lp = lp_append(lp, f, flen);
            lp = lp_append(lp, v, vlen);
        }
        kv_set_ptr(e, lp);
        if ((long long)(lp_len(lp) / 2) > cfg.hash_max_listpack_entries) convert_to_ht(e);
        return added;
    }
    dict *d = kv_ptr(e);
    dict_link **slot = dict_find_slot(d, f, flen);
    if (slot) {
        hfield_set_value(slot, v, vlen);
        return false;
    }
    dict_add(d, hfield_new(f, flen, v, vlen));
    return true;
}

bool hash_set_field(kv *e, const char *f, size_t flen, const char *v, size_t vlen) {
    return hash_set(e, f, flen, v, vlen);
}

void hash_convert_ht(kv *e, size_t hint) {
    convert_to_ht(e);
    if (hint > dict_len(kv_ptr(e))) dict_expand(kv_ptr(e), hint);
}

/* Remove a field; returns true if it was there. */
static bool hash_delete(kv *e, const char *f, size_t flen) {
    if (is_listpack(e)) {
        unsigned char *lp = kv_ptr(e);
        unsigned char *p = lp_first(lp);
        if (p == NULL) return false;
        p = lp_find(lp, p, f, flen, 1);
        if (p == NULL) return false;
        lp = lp_delete_range_at(lp, &p, 2);
        kv_set_ptr(e, lp);
        return true;
    }
    dict *d = kv_ptr(e);
    if (!dict_delete(d, f, flen)) return false;
    dict_shrink_if_needed(d);
    return true;
}

/* ---- Lookup helpers for commands ---- */

/* Announce a changed key: WATCH, notifications, dirty counter. */
/* Find a hash; replies WRONGTYPE and returns false if the key holds another
 * type. *out is NULL when the key is missing. */
static bool find_hash(client *c, const slice *key, kv **out, bool write) {
    return arg_lookup(c, key, KV_HASH, write, out);
}

/* Find a hash for writing, creating an empty listpack one if missing.
 * NULL (after replying WRONGTYPE) if the key holds another type. */
static kv *find_or_create(client *c, const slice *key) {
    kv *e;
    if (!find_hash(c, key, &e, true)) return NULL;
    if (e == NULL) {
        e = kv_new_ptr(key->ptr, key->len, KV_HASH, KV_ENC_LISTPACK, lp_new(0));
        db_add(c->db, e);
    }
    return e;
}

/* ---- Setting and getting fields ---- */

static void hset_generic(client *c, bool hmset) {
    if ((c->argc % 2) == 1) {
        reply_error_arity(c);
        return;
    }
    slice *key = &c->argv[1];
    kv *e = find_or_create(c, key);
    if (e == NULL) return;
    try_conversion(e, c->argv, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2) {
        const slice *f = &c->argv[i], *v = &c->argv[i + 1];
        created += hash_set(e, f->ptr, f->len, v->ptr, v->len);
    }
    db_key_changed(c->db, key, NOTIFY_HASH, "hset", (c->argc - 2) / 2);
    propagate(c->dbid, c->argc, c->argv);
    if (hmset) reply_ok(c);
    else reply_int(c, created);
}

static void cmd_hset(client *c) { hset_generic(c, false); }
static void cmd_hmset(client *c) { hset_generic(c, true); }

static void cmd_hsetnx(client *c) {
    slice *key = &c->argv[1], *f = &c->argv[2], *v = &c->argv[3];
    kv *e = find_or_create(c, key);
    if (e == NULL) return;
    char buf[HASH_INTBUF_SIZE];
    size_t vlen;
    if (hash_get(e, f->ptr, f->len, &vlen, buf)) {
        reply_int(c, 0);
        return;
    }
    try_conversion(e, c->argv, 2, 3);
    hash_set(e, f->ptr, f->len, v->ptr, v->len);
    db_key_changed(c->db, key, NOTIFY_HASH, "hset", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, 1);
}

/* Reply with the value of field in e (null if e or the field is missing). */
static void reply_field(client *c, const kv *e, const slice *f) {
    char buf[HASH_INTBUF_SIZE];
    size_t vlen = 0;
    const char *v = e ? hash_get(e, f->ptr, f->len, &vlen, buf) : NULL;
    if (v) reply_bulk(c, v, vlen);
    else reply_null(c);
}

static void cmd_hget(client *c) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    reply_field(c, e, &c->argv[2]);
}

static void cmd_hmget(client *c) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_field(c, e, &c->argv[i]);
}

static void cmd_hdel(client *c) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_hash(c, key, &e, true)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    long long deleted = 0;
    bool removed = false;
    for (int i = 2; i < c->argc; i++) {
        if (!hash_delete(e, c->argv[i].ptr, c->argv[i].len)) continue;
        deleted++;
        if (hash_len(e) == 0) {
            db_delete(c->db, key->ptr, key->len);
            removed = true;
            break;
        }
    }
    if (deleted) {
        db_key_changed(c->db, key, NOTIFY_HASH, "hdel", deleted);
        if (removed) db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, deleted);
}

static void cmd_hlen(client *c) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    reply_int(c, e ? (long long)hash_len(e) : 0);
}

static void cmd_hstrlen(client *c) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    char buf[HASH_INTBUF_SIZE];
    size_t vlen = 0;
    const char *v = e ? hash_get(e, c->argv[2].ptr, c->argv[2].len, &vlen, buf) : NULL;
    reply_int(c, v ? (long long)vlen : 0);
}

static void cmd_hexists(client *c) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    char buf[HASH_INTBUF_SIZE];
    size_t vlen;
    reply_int(c, e && hash_get(e, c->argv[2].ptr, c->argv[2].len, &vlen, buf) ? 1 : 0);
}

/* ---- Whole-hash replies ---- */

#define WANT_FIELDS 1
#define WANT_VALUES 2

static void getall_generic(client *c, int what) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    long long len = e ? (long long)hash_len(e) : 0;
    if (what == (WANT_FIELDS | WANT_VALUES)) reply_map(c, len);
    else reply_array(c, len);
    if (e == NULL) return;
    hash_iter it;
    hash_iter_init(&it, e);
    const char *f, *v;
    size_t flen, vlen;
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        if (what & WANT_FIELDS) reply_bulk(c, f, flen);
        if (what & WANT_VALUES) reply_bulk(c, v, vlen);
    }
    hash_iter_done(&it);
}

static void cmd_hkeys(client *c) { getall_generic(c, WANT_FIELDS); }
static void cmd_hvals(client *c) { getall_generic(c, WANT_VALUES); }
static void cmd_hgetall(client *c) { getall_generic(c, WANT_FIELDS | WANT_VALUES); }

/* ---- Counters ---- */

static void cmd_hincrby(client *c) {
    slice *key = &c->argv[1], *f = &c->argv[2];
    long long incr;
    if (!arg_ll(c, &c->argv[3], &incr)) return;
    kv *e;
    if (!find_hash(c, key, &e, true)) return;
    long long value = 0;
    char buf[HASH_INTBUF_SIZE];
    size_t vlen;
    const char *v = e ? hash_get(e, f->ptr, f->len, &vlen, buf) : NULL;
    if (v && !util_str2ll(v, vlen, &value)) {
        reply_error(c, ERR_HASH_NOT_INT);
        return;
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    if (e == NULL) e = find_or_create(c, key);
    char out[UTIL_LLSTR_SIZE];
    size_t len = util_ll2str(out, value);
    hash_set(e, f->ptr, f->len, out, len);
    db_key_changed(c->db, key, NOTIFY_HASH, "hincrby", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, value);
}

static void cmd_hincrbyfloat(client *c) {
    slice *key = &c->argv[1], *f = &c->argv[2];
    long double incr, value = 0;
    if (!arg_long_double(c, &c->argv[3], &incr)) return;
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, ERR_VALUE_NAN_INF);
        return;
    }
    kv *e;
    if (!find_hash(c, key, &e, true)) return;
    char buf[HASH_INTBUF_SIZE];
    size_t vlen;
    const char *v = e ? hash_get(e, f->ptr, f->len, &vlen, buf) : NULL;
    if (v && !util_str2ld(v, vlen, &value)) {
        reply_error(c, ERR_HASH_NOT_FLOAT);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, ERR_NAN_OR_INF);
        return;
    }
    char out[UTIL_DSTR_SIZE];
    size_t len = util_ld2str(out, value);
    if (e == NULL) e = find_or_create(c, key);
    hash_set(e, f->ptr, f->len, out, len);
    db_key_changed(c->db, key, NOTIFY_HASH, "hincrbyfloat", 1);
    /* The effect, not the command: float formatting must not differ on
     * replicas or after an AOF reload. */
    slice argv[4] = {slice_of("HSET", 4), *key, *f, slice_of(out, len)};
    propagate(c->dbid, 4, argv);
    reply_bulk(c, out, len);
}

/* ---- HRANDFIELD ---- */

/* How much bigger than the count a hash must be before picking at random
 * beats copying and removing (Redis's HRANDFIELD_SUB_STRATEGY_MUL). */
#define HRANDFIELD_SUB_STRATEGY_MUL 3
/* Listpack picks per round, bounding the temporary arrays. */
#define HRANDFIELD_RANDOM_SAMPLE_LIMIT 1000

static void reply_lp_entry(client *c, const lp_entry *e) {
    if (e->sval) reply_bulk(c, (const char *)e->sval, e->slen);
    else reply_bulk_ll(c, e->lval);
}

/* One field (and value) of the reply: RESP3 nests each pair in an array. */
static void reply_pick_lp(client *c, const lp_entry *k, const lp_entry *v) {
    if (v && c->resp > 2) reply_array(c, 2);
    reply_lp_entry(c, k);
    if (v) reply_lp_entry(c, v);
}

static void reply_pick_ht(client *c, const hfield *h, bool withvalues) {
    if (withvalues && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, h->buf, h->flen);
    if (withvalues) reply_bulk(c, hfield_val(h), h->vlen);
}

/* CASE 1: a negative count, repetitions allowed, random order. */
static void hrandfield_repeat(client *c, kv *e, unsigned long count, bool withvalues) {
    if (!arg_rand_repeat_ok(c, count, withvalues)) return;
    reply_array(c, (long long)(withvalues && c->resp == 2 ? count * 2 : count));
    size_t begin = reply_repeat_begin(c);
    if (!is_listpack(e)) {
        while (count--) {
            reply_pick_ht(c, dict_fair_random(kv_ptr(e)), withvalues);
            if (reply_repeat_stop(c, begin)) break;
        }
        return;
    }
    unsigned long limit =
        count > HRANDFIELD_RANDOM_SAMPLE_LIMIT ? HRANDFIELD_RANDOM_SAMPLE_LIMIT : count;
    lp_entry *keys = mem_alloc(sizeof(lp_entry) * limit);
    lp_entry *vals = withvalues ? mem_alloc(sizeof(lp_entry) * limit) : NULL;
    while (count) {
        unsigned long n = count > limit ? limit : count;
        count -= n;
        lp_random_pairs(kv_ptr(e), n, keys, vals);
        for (unsigned long i = 0; i < n; i++) reply_pick_lp(c, &keys[i], vals ? &vals[i] : NULL);
        if (reply_repeat_stop(c, begin)) break;
    }
    mem_free(keys);
    mem_free(vals);
}

/* A field,value pair borrowed from the hash for the unique cases. */
typedef struct pick {
    dict_link link; /* for the de-duplicating table of CASE 4 */
    const char *f, *v;
    size_t flen, vlen;
} pick;

static const char *pick_key(const void *entry, size_t *len) {
    const pick *p = entry;
    *len = p->flen;
    return p->f;
}

static const dict_type pick_dict_type = {
    .hash = hfield_hash, .key_of = pick_key, .key_eq = NULL, .free_entry = NULL};

static void reply_pick(client *c, const pick *p, bool withvalues) {
    if (withvalues && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, p->f, p->flen);
    if (withvalues) reply_bulk(c, p->v, p->vlen);
}

/* CASE 3: the count is close to the size: take every pair, then drop
 * random ones until 'count' remain. Listpack integers are turned into
 * text in one buffer that lives as long as the picks. */
static void hrandfield_drop(client *c, kv *e, unsigned long size, unsigned long count,
                            bool withvalues) {
    pick *picks = mem_alloc(sizeof(pick) * size);
    char *text = is_listpack(e) ? mem_alloc(size * 2 * HASH_INTBUF_SIZE) : NULL;
    unsigned long n = 0;
    hash_iter it;
    hash_iter_init(&it, e);
    const char *f, *v;
    size_t flen, vlen;
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        char *fb = text + n * 2 * HASH_INTBUF_SIZE, *vb = fb + HASH_INTBUF_SIZE;
        if (f == it.fbuf) f = memcpy(fb, f, flen);
        if (v == it.vbuf) v = memcpy(vb, v, vlen);
        picks[n++] = (pick){.f = f, .flen = flen, .v = v, .vlen = vlen};
    }
    hash_iter_done(&it);
    ASSERT(n == size);
    while (n > count) {
        unsigned long r = (unsigned long)(util_rand64() % n);
        picks[r] = picks[--n];
    }
    for (unsigned long i = 0; i < n; i++) reply_pick(c, &picks[i], withvalues);
    mem_free(text);
    mem_free(picks);
}

/* CASE 4: a big hash: random picks until 'count' distinct fields. */
static void hrandfield_pick(client *c, kv *e, unsigned long count, bool withvalues) {
    if (is_listpack(e)) {
        lp_entry *keys = mem_alloc(sizeof(lp_entry) * count);
        lp_entry *vals = withvalues ? mem_alloc(sizeof(lp_entry) * count) : NULL;
        unsigned long got = lp_random_pairs_unique(kv_ptr(e), count, keys, vals);
        ASSERT(got == count);
        for (unsigned long i = 0; i < count; i++)
            reply_pick_lp(c, &keys[i], vals ? &vals[i] : NULL);
        mem_free(keys);
        mem_free(vals);
        return;
    }
    dict *seen = dict_new(&pick_dict_type);
    dict_expand(seen, count);
    pick *picks = mem_alloc(sizeof(pick) * count);
    unsigned long added = 0;
    while (added < count) {
        hfield *h = dict_fair_random(kv_ptr(e));
        if (dict_find(seen, h->buf, h->flen)) continue;
        pick *p = &picks[added++];
        *p = (pick){.f = h->buf, .flen = h->flen, .v = hfield_val(h), .vlen = h->vlen};
        p->link.next = NULL;
        dict_add(seen, p);
        reply_pick(c, p, withvalues);
    }
    dict_free(seen);
    mem_free(picks);
}

static void hrandfield_count(client *c, long long l, bool withvalues) {
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    if (e == NULL) {
        reply_empty_array(c);
        return;
    }
    unsigned long size = hash_len(e);
    bool uniq = l >= 0;
    unsigned long count = uniq ? (unsigned long)l : (unsigned long)-l;
    if (count == 0) {
        reply_empty_array(c);
        return;
    }
    if (!uniq || count == 1) {
        hrandfield_repeat(c, e, count, withvalues);
        return;
    }
    unsigned long reply_len = count < size ? count : size;
    reply_array(c, (long long)(withvalues && c->resp == 2 ? reply_len * 2 : reply_len));
    if (count >= size) { /* CASE 2: everything */
        hash_iter it;
        hash_iter_init(&it, e);
        pick p = {0};
        while (hash_iter_next(&it, &p.f, &p.flen, &p.v, &p.vlen)) reply_pick(c, &p, withvalues);
        hash_iter_done(&it);
    } else if (count * HRANDFIELD_SUB_STRATEGY_MUL > size) {
        hrandfield_drop(c, e, size, count, withvalues);
    } else {
        hrandfield_pick(c, e, count, withvalues);
    }
}

static void cmd_hrandfield(client *c) {
    if (c->argc >= 3) {
        long l;
        bool withvalues;
        if (!arg_rand_count(c, "withvalues", &l, &withvalues)) return;
        hrandfield_count(c, l, withvalues);
        return;
    }
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    if (is_listpack(e)) {
        unsigned char *lp = kv_ptr(e);
        unsigned char *p = lp_random(lp, 2);
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        const unsigned char *s = lp_get(p, &len, NULL, buf);
        reply_bulk(c, (const char *)s, len);
    } else {
        hfield *h = dict_fair_random(kv_ptr(e));
        reply_bulk(c, h->buf, h->flen);
    }
}

/* ---- HSCAN ---- */

static void cmd_hscan(client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, &c->argv[2], &cursor)) return;
    kv *e;
    if (!find_hash(c, &c->argv[1], &e, false)) return;
    if (e == NULL) {
        scan_reply_empty(c);
        return;
    }
    scan_opts o;
    if (!scan_parse_opts(c, 3, false, &o)) return;
    long long n = 0;
    if (is_listpack(e)) {
        /* A small hash is returned whole, whatever the cursor (as Redis). */
        void *node = scan_reply_start(c, 0);
        hash_iter it;
        hash_iter_init(&it, e);
        const char *f, *v;
        size_t flen, vlen;
        while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
            if (!scan_match(&o, f, flen)) continue;
            reply_bulk(c, f, flen);
            reply_bulk(c, v, vlen);
            n += 2;
        }
        hash_iter_done(&it);
        reply_set_deferred_array(c, node, n);
        return;
    }
    size_t len;
    hfield **items = (hfield **)scan_dict(kv_ptr(e), &cursor, &o, &len);
    void *node = scan_reply_start(c, cursor);
    for (size_t i = 0; i < len; i++) {
        hfield *h = items[i];
        if (!scan_match(&o, h->buf, h->flen)) continue;
        reply_bulk(c, h->buf, h->flen);
        reply_bulk(c, hfield_val(h), h->vlen);
        n += 2;
    }
    mem_free(items);
    reply_set_deferred_array(c, node, n);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command t_hash_commands[] = {
    {.name = "hset", .proc = cmd_hset, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hsetnx", .proc = cmd_hsetnx, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hget", .proc = cmd_hget, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hmget", .proc = cmd_hmget, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hmset", .proc = cmd_hmset, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hdel", .proc = cmd_hdel, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hlen", .proc = cmd_hlen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hstrlen", .proc = cmd_hstrlen, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hexists", .proc = cmd_hexists, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "hkeys", .proc = cmd_hkeys, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "hvals", .proc = cmd_hvals, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "hgetall", .proc = cmd_hgetall, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "hincrby", .proc = cmd_hincrby, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_HASH | ACL_FAST,
     .keys = {1, 1, 1}},
    {.name = "hincrbyfloat", .proc = cmd_hincrbyfloat, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_HASH | ACL_FAST,
     .keys = {1, 1, 1}},
    {.name = "hrandfield", .proc = cmd_hrandfield, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "hscan", .proc = cmd_hscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
