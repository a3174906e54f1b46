/* rdb_types.c -- each value type in the RDB format: the type byte and the
 * encoding Redis 7.0 writes for a value, and the reading of every type
 * Redis 7.0 reads (and Redis 7.2's set listpack).
 *
 * Saving uses Redis 7.0's encodings: lists as QUICKLIST_2 (each node's
 * listpack verbatim, compressed nodes as their LZF blob), small hashes and
 * sorted sets as their listpack, integer sets as their intset, big ones
 * element by element, streams as STREAM_LISTPACKS_2.
 * Loading also reads the ziplists and zipmaps of old files (converted to
 * listpacks by ziplist.c). Listpacks and intsets are validated deep, pairs
 * are checked for duplicates, and after loading an encoding that castor's
 * thresholds would not keep is converted exactly where Redis's loader
 * converts it. Streams are read in all three forms; their node listpacks
 * are checked entry by entry and their groups for dangling or shared
 * pending entries. Types castor does not have (modules) stop the load with
 * an error naming the key and the type: nothing is skipped silently.
 * Not here: lengths, strings, opcodes, the load loop, DUMP framing (rdb.c).
 * Spec: Redis 7.0 src/rdb.c (rdbSaveObject, rdbLoadObject).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "rdb_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dict.h"
#include "intset.h"
#include "listpack.h"
#include "quicklist.h"
#include "server.h"
#include "skiplist.h"
#include "stream.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "util.h"
#include "ziplist.h"
#include "zset.h"

/* Quicklist node containers, as Redis. */
#define QL_CONTAINER_PLAIN 1
#define QL_CONTAINER_PACKED 2

const char *rdb_type_name(int t) {
    switch (t) {
    case RDB_TYPE_STRING: return "string";
    case RDB_TYPE_LIST: return "list";
    case RDB_TYPE_SET: return "set";
    case RDB_TYPE_ZSET: return "zset";
    case RDB_TYPE_HASH: return "hash";
    case RDB_TYPE_ZSET_2: return "zset-v2";
    case RDB_TYPE_MODULE_PRE_GA: return "module-pre-ga";
    case RDB_TYPE_MODULE_2: return "module-v2";
    case RDB_TYPE_HASH_ZIPMAP: return "hash-zipmap";
    case RDB_TYPE_LIST_ZIPLIST: return "list-ziplist";
    case RDB_TYPE_SET_INTSET: return "set-intset";
    case RDB_TYPE_ZSET_ZIPLIST: return "zset-ziplist";
    case RDB_TYPE_HASH_ZIPLIST: return "hash-ziplist";
    case RDB_TYPE_LIST_QUICKLIST: return "quicklist";
    case RDB_TYPE_STREAM_LISTPACKS: return "stream";
    case RDB_TYPE_HASH_LISTPACK: return "hash-listpack";
    case RDB_TYPE_ZSET_LISTPACK: return "zset-listpack";
    case RDB_TYPE_LIST_QUICKLIST_2: return "quicklist-v2";
    case RDB_TYPE_STREAM_LISTPACKS_2: return "stream-v2";
    case RDB_TYPE_SET_LISTPACK: return "set-listpack";
    case RDB_TYPE_STREAM_LISTPACKS_3: return "stream-v3";
    default: return "unknown";
    }
}

bool rdb_is_object_type(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 21); }

/* ---- Saving: values ---- */

static bool save_binary_double(rio *r, double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return rdb_save_u64le(r, bits);
}

/* The type byte Redis 7.0 writes for e's type and encoding. */
int rdb_object_type(const kv *e) {
    switch (e->type) {
    case KV_STRING: return RDB_TYPE_STRING;
    case KV_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case KV_SET: return e->enc == KV_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case KV_ZSET: return e->enc == KV_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case KV_HASH: return e->enc == KV_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case KV_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    }
    ASSERT(!"unknown value type");
    return -1;
}

static void save_member(void *priv, const char *p, size_t len) {
    rdb_walk *w = priv;
    if (w->ok) w->ok = rdb_save_raw_string(w->r, p, len);
}

static void save_pair(void *priv, const char *f, size_t flen, const char *v, size_t vlen) {
    rdb_walk *w = priv;
    if (w->ok) w->ok = rdb_save_raw_string(w->r, f, flen) && rdb_save_raw_string(w->r, v, vlen);
}

static bool save_list(rio *r, const quicklist *ql) {
    if (!rdb_save_len(r, ql->len)) return false;
    for (const ql_node *n = ql->head; n; n = n->next) {
        if (!rdb_save_len(r, n->container)) return false;
        if (n->encoding == QL_NODE_LZF) {
            const void *data;
            size_t clen = ql_node_lzf(n, &data);
            if (!rdb_save_lzf_blob(r, data, clen, n->sz)) return false;
        } else if (!rdb_save_raw_string(r, n->entry, n->sz)) {
            return false;
        }
    }
    return true;
}

/* Skiplist members go out from the highest to the lowest, as Redis writes
 * them, so a loader inserting each at the head does O(1) work. */
static bool save_skiplist(rio *r, const skiplist *sl) {
    if (!rdb_save_len(r, sl->length)) return false;
    for (const sl_node *n = sl->tail; n; n = n->backward)
        if (!rdb_save_raw_string(r, sl_member(n), n->len) || !save_binary_double(r, n->score))
            return false;
    return true;
}

static bool save_sid(rio *r, const sid *id) {
    return rdb_save_len(r, id->ms) && rdb_save_len(r, id->seq);
}

static bool save_raw_sid(rio *r, const sid *id) {
    unsigned char b[16];
    sid_encode(b, id);
    return rdb_write(r, b, 16);
}

/* STREAM_LISTPACKS_2: the nodes (key: the master ID as 16 big-endian
 * bytes; value: the listpack), the stream's counters, then each group
 * with its PEL (ID, delivery time, count) and its consumers (name, seen
 * time, the IDs of their PEL). */
static bool save_stream(rio *r, const stream *s) {
    if (!rdb_save_len(r, sidmap_len(&s->nodes))) return false;
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++) {
        sidmap_item *it = sidmap_at(&s->nodes, i);
        unsigned char k[16];
        sid_encode(k, &it->id);
        if (!rdb_save_raw_string(r, k, 16) || !rdb_save_raw_string(r, it->val, lp_bytes(it->val)))
            return false;
    }
    if (!rdb_save_len(r, s->length) || !save_sid(r, &s->last_id) || !save_sid(r, &s->first_id) ||
        !save_sid(r, &s->max_deleted) || !rdb_save_len(r, s->entries_added) ||
        !rdb_save_len(r, s->ngroups))
        return false;
    for (size_t i = 0; i < s->ngroups; i++) {
        const sgroup *g = s->groups[i];
        if (!rdb_save_raw_string(r, g->name, g->namelen) || !save_sid(r, &g->last_id) ||
            !rdb_save_len(r, (uint64_t)g->entries_read) || !rdb_save_len(r, sidmap_len(&g->pel)))
            return false;
        for (size_t j = 0; j < sidmap_len(&g->pel); j++) {
            sidmap_item *it = sidmap_at(&g->pel, j);
            const snack *n = it->val;
            if (!save_raw_sid(r, &it->id) || !rdb_save_u64le(r, (uint64_t)n->delivery_time) ||
                !rdb_save_len(r, n->delivery_count))
                return false;
        }
        if (!rdb_save_len(r, g->nconsumers)) return false;
        for (size_t j = 0; j < g->nconsumers; j++) {
            const sconsumer *c = g->consumers[j];
            if (!rdb_save_raw_string(r, c->name, c->namelen) ||
                !rdb_save_u64le(r, (uint64_t)c->seen_time) || !rdb_save_len(r, sidmap_len(&c->pel)))
                return false;
            for (size_t k = 0; k < sidmap_len(&c->pel); k++)
                if (!save_raw_sid(r, &sidmap_at(&c->pel, k)->id)) return false;
        }
    }
    return true;
}

/* The value of e as rdbSaveObject writes it (no type byte). */
bool rdb_save_object(rio *r, const kv *e) {
    rdb_walk w = {r, true};
    switch (e->type) {
    case KV_STRING:
        if (e->enc == KV_ENC_INT) return rdb_save_ll_string(r, kv_int(e));
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const char *p = kv_str(e, buf, &len);
        return rdb_save_raw_string(r, p, len);
    case KV_LIST: return save_list(r, kv_ptr(e));
    case KV_SET:
        if (e->enc == KV_ENC_INTSET)
            return rdb_save_raw_string(r, kv_ptr(e), intset_blob_size(kv_ptr(e)));
        if (!rdb_save_len(r, t_set_len(e))) return false;
        t_set_foreach(e, save_member, &w);
        return w.ok;
    case KV_ZSET:
        if (e->enc == KV_ENC_LISTPACK)
            return rdb_save_raw_string(r, kv_ptr(e), lp_bytes(kv_ptr(e)));
        return save_skiplist(r, kv_ptr(e));
    case KV_HASH:
        if (e->enc == KV_ENC_LISTPACK)
            return rdb_save_raw_string(r, kv_ptr(e), lp_bytes(kv_ptr(e)));
        if (!rdb_save_len(r, hash_len(e))) return false;
        hash_foreach(e, save_pair, &w);
        return w.ok;
    case KV_STREAM: return save_stream(r, kv_ptr(e));
    }
    return false;
}

/* ---- Loading: scores ---- */

/* An old-style (RDB_TYPE_ZSET) score: a length byte then text, or 253/254/255
 * for nan/+inf/-inf. */
static bool load_text_double(loader *ld, double *out) {
    unsigned char len;
    char buf[256];
    if (!rdb_read(ld, &len, 1)) return false;
    switch (len) {
    case 255: *out = -INFINITY; return true;
    case 254: *out = INFINITY; return true;
    case 253: *out = NAN; return true;
    }
    if (!rdb_read(ld, buf, len)) return false;
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return end != buf || rdb_fail(ld, "Invalid double value");
}

static bool load_binary_double(loader *ld, double *out) {
    unsigned char b[8];
    if (!rdb_read(ld, b, 8)) return false;
    uint64_t bits = rdb_le_bytes(b, 8);
    memcpy(out, &bits, 8);
    return true;
}

/* ---- Loading: checks of encoded blobs ---- */

typedef struct elem_ref {
    const char *p;
    size_t len;
} elem_ref;

static int elem_ref_cmp(const void *a, const void *b) {
    const elem_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Does a (validated) listpack repeat an element among those at indexes
 * 0, step, 2*step...? Integers compare by their text, as Redis keys them. */
static bool lp_has_dup(const unsigned char *lp, unsigned step) {
    unsigned long n = lp_len(lp), k = (n + step - 1) / step;
    if (k < 2) return false;
    elem_ref small_refs[32];
    unsigned char small_ints[32 * LP_INTBUF_SIZE];
    elem_ref *refs = k <= 32 ? small_refs : mem_alloc(k * sizeof(*refs));
    unsigned char *ints = k <= 32 ? small_ints : mem_alloc(k * LP_INTBUF_SIZE);
    unsigned long i = 0, idx = 0;
    for (unsigned char *p = lp_first(lp); p && i < k; p = lp_next(lp, p), idx++) {
        if (idx % step) continue;
        size_t len;
        refs[i].p = (const char *)lp_get(p, &len, NULL, ints + i * LP_INTBUF_SIZE);
        refs[i].len = len;
        i++;
    }
    qsort(refs, i, sizeof(*refs), elem_ref_cmp);
    bool dup = false;
    for (unsigned long j = 1; j < i && !dup; j++) dup = elem_ref_cmp(&refs[j - 1], &refs[j]) == 0;
    if (refs != small_refs) mem_free(refs);
    if (ints != small_ints) mem_free(ints);
    return dup;
}

/* Field/value listpacks: an even count and unique fields. */
static bool lp_pairs_ok(const unsigned char *lp) {
    return lp_len(lp) % 2 == 0 && !lp_has_dup(lp, 2);
}

/* A sorted-set score as a listpack holds it: an integer, or the text of a
 * number (what Redis's zzlStrtod reads; NaN is never stored). */
static bool lp_score_ok(const unsigned char *p, double *score) {
    lp_entry en;
    lp_get_entry(p, &en);
    if (en.sval == NULL) {
        *score = (double)en.lval;
        return true;
    }
    return en.slen < 128 && util_str2d((const char *)en.sval, en.slen, score);
}

/* Member/score listpacks: pairs, unique members, readable scores. */
static bool zset_lp_ok(const unsigned char *lp) {
    if (!lp_pairs_ok(lp)) return false;
    for (unsigned char *m = lp_first(lp); m;) {
        unsigned char *s = lp_next(lp, m);
        double score;
        if (s == NULL || !lp_score_ok(s, &score)) return false;
        m = lp_next(lp, s);
    }
    return true;
}

/* Are the pairs in (score, member) order, as every zset listpack Redis
 * writes? (zset_lp_ok() passed.) */
static bool zset_lp_sorted(const unsigned char *lp) {
    unsigned char pbuf[LP_INTBUF_SIZE], cbuf[LP_INTBUF_SIZE];
    const char *prev = NULL;
    size_t plen = 0;
    double pscore = 0;
    for (unsigned char *m = lp_first(lp); m;) {
        unsigned char *s = lp_next(lp, m);
        double score;
        lp_score_ok(s, &score);
        size_t len;
        unsigned char *buf = prev == (const char *)cbuf ? pbuf : cbuf; /* keep prev's */
        const char *cur = (const char *)lp_get(m, &len, NULL, buf);
        if (prev) {
            elem_ref a = {prev, plen}, b = {cur, len};
            if (score < pscore || (score == pscore && elem_ref_cmp(&a, &b) > 0)) return false;
        }
        prev = cur;
        plen = len;
        pscore = score;
        m = lp_next(lp, s);
    }
    return true;
}

static size_t max_intset_entries(void) {
    long long m = cfg.set_max_intset_entries;
    if (m > (1LL << 30)) m = 1LL << 30;
    return m < 0 ? 0 : (size_t)m;
}

/* ---- Loading: values ---- */

static int load_string_value(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    str *s = rdb_load_string_as(ld, true, &len);
    if (s == NULL) return RDB_LOAD_ERR;
    if (len <= KV_EMBSTR_MAX) {
        *out = kv_new_string(key, klen, s->buf, len);
        str_free(s);
    } else {
        *out = kv_new_raw(key, klen, s);
    }
    return RDB_LOAD_OK;
}

/* RDB_TYPE_LIST: a count, then every element. */
static int load_linked_list(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return RDB_LOAD_ERR;
    if (n == 0) return RDB_LOAD_EMPTY;
    quicklist *ql = list_new();
    while (n--) {
        size_t len;
        char *p = rdb_load_string(ld, &len);
        if (p == NULL) {
            ql_free(ql);
            return RDB_LOAD_ERR;
        }
        ql_push(ql, p, len, QL_TAIL);
        mem_free(p);
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return RDB_LOAD_OK;
}

static bool push_elem(void *priv, const unsigned char *s, size_t len, long long v) {
    char buf[UTIL_LLSTR_SIZE];
    if (s == NULL) {
        len = util_ll2str(buf, v);
        s = (const unsigned char *)buf;
    }
    ql_push(priv, (const char *)s, len, QL_TAIL);
    return true;
}

/* RDB_TYPE_LIST_ZIPLIST: one ziplist holding the whole list. */
static int load_list_ziplist(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *zl = (unsigned char *)rdb_load_string(ld, &len);
    if (zl == NULL) return RDB_LOAD_ERR;
    quicklist *ql = list_new();
    bool ok = zl_walk(zl, len, push_elem, ql);
    mem_free(zl);
    if (!ok || ql_count(ql) == 0) {
        ql_free(ql);
        return ok ? RDB_LOAD_EMPTY
                  : (rdb_fail(ld, "List ziplist integrity check failed."), RDB_LOAD_ERR);
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return RDB_LOAD_OK;
}

/* One quicklist node: a plain element, a listpack (QUICKLIST_2) or a
 * ziplist (QUICKLIST). False on error. */
/* Every listpack, ziplist, zipmap and intset blob is validated deeply
 * before use, whatever sanitize-dump-payload says (Redis skips it with
 * "no" and may crash later on a corrupt payload). The setting only decides
 * whether the validation is counted in INFO's dump_payload_sanitizations,
 * as Redis counts the ones it does. */
static void count_deep_validation(const loader *ld) {
    if (ld->count_sanitized) srv.stat_dump_payload_sanitizations++;
}

static bool load_ql_node(loader *ld, int type, quicklist *ql) {
    uint64_t container = QL_CONTAINER_PACKED;
    if (type == RDB_TYPE_LIST_QUICKLIST_2) {
        if (!rdb_load_len(ld, &container)) return false;
        if (container != QL_CONTAINER_PACKED && container != QL_CONTAINER_PLAIN)
            return rdb_fail(ld, "Quicklist integrity check failed.");
    }
    size_t len;
    unsigned char *data = (unsigned char *)rdb_load_string(ld, &len);
    if (data == NULL) return false;
    if (len == 0) {
        mem_free(data);
        return rdb_fail(ld, "Empty quicklist node");
    }
    if (container == QL_CONTAINER_PLAIN) {
        ql_append_plain(ql, data, len);
        return true;
    }
    unsigned char *lp = data;
    count_deep_validation(ld);
    if (type == RDB_TYPE_LIST_QUICKLIST_2) {
        if (!lp_validate(lp, len, true)) {
            mem_free(data);
            return rdb_fail(ld, "Listpack integrity check failed.");
        }
    } else {
        lp = zl_to_listpack(data, len);
        mem_free(data);
        if (lp == NULL) return rdb_fail(ld, "Ziplist integrity check failed.");
    }
    unsigned long count = lp_len(lp);
    if (count == 0) {
        lp_free(lp); /* skipped silently, as Redis: an empty list fails below */
        return true;
    }
    if (count > UINT16_MAX) {
        lp_free(lp);
        return rdb_fail(ld, "Quicklist node with %lu elements (at most %u fit a node)", count,
                        UINT16_MAX);
    }
    ql_append_listpack(ql, lp);
    return true;
}

static int load_quicklist(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t nodes;
    if (!rdb_load_len(ld, &nodes)) return RDB_LOAD_ERR;
    if (nodes == 0) return RDB_LOAD_EMPTY;
    quicklist *ql = list_new();
    while (nodes--) {
        if (!load_ql_node(ld, type, ql)) {
            ql_free(ql);
            return RDB_LOAD_ERR;
        }
    }
    if (ql_count(ql) == 0) {
        ql_free(ql);
        return RDB_LOAD_EMPTY;
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return RDB_LOAD_OK;
}

/* Add a member to a set being loaded: an intset becomes a hashtable with
 * room for 'hint' at the first non-integer. */
static bool set_add_loaded(loader *ld, kv *e, const char *p, size_t len, size_t hint) {
    long long v;
    if (e->enc == KV_ENC_INTSET && !util_str2ll(p, len, &v)) t_set_convert_ht(e, hint);
    return t_set_add(e, p, len) || rdb_fail(ld, "Duplicate set members detected");
}

/* RDB_TYPE_SET: a count, then every member. Too many for an intset: a
 * hashtable from the start. */
static int load_set(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return RDB_LOAD_ERR;
    if (n == 0) return RDB_LOAD_EMPTY;
    size_t hint = rdb_plausible(ld, n, 2);
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new());
    if (n > max_intset_entries()) t_set_convert_ht(e, hint);
    while (n--) {
        size_t len;
        char *p = rdb_load_string(ld, &len);
        bool ok = p && set_add_loaded(ld, e, p, len, hint);
        mem_free(p);
        if (!ok) {
            kv_free(e);
            return RDB_LOAD_ERR;
        }
    }
    *out = e;
    return RDB_LOAD_OK;
}

static int load_intset(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    char *blob = rdb_load_string(ld, &len);
    if (blob == NULL) return RDB_LOAD_ERR;
    count_deep_validation(ld);
    if (!intset_validate(blob, len, true)) {
        mem_free(blob);
        rdb_fail(ld, "Intset integrity check failed.");
        return RDB_LOAD_ERR;
    }
    intset *is = intset_from_blob(blob, len);
    mem_free(blob);
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, is);
    if (intset_len(is) > max_intset_entries()) t_set_convert_ht(e, 0);
    *out = e;
    return RDB_LOAD_OK;
}

/* RDB_TYPE_SET_LISTPACK (Redis 7.2): castor has no listpack sets, so the
 * members go into an intset or a hashtable as SADD would put them. */
static int load_set_listpack(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *lp = (unsigned char *)rdb_load_string(ld, &len);
    if (lp == NULL) return RDB_LOAD_ERR;
    count_deep_validation(ld);
    if (!lp_validate(lp, len, true) || lp_has_dup(lp, 1)) {
        mem_free(lp);
        rdb_fail(ld, "Set listpack integrity check failed.");
        return RDB_LOAD_ERR;
    }
    unsigned long n = lp_len(lp);
    if (n == 0) {
        mem_free(lp);
        return RDB_LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new());
    if (n > max_intset_entries()) t_set_convert_ht(e, n);
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t mlen;
        const char *m = (const char *)lp_get(p, &mlen, NULL, buf);
        set_add_loaded(ld, e, m, mlen, n);
    }
    mem_free(lp);
    *out = e;
    return RDB_LOAD_OK;
}

/* RDB_TYPE_ZSET / ZSET_2: members with text or binary scores, built as a
 * skiplist and turned into a listpack afterwards if it fits (sorted sets
 * are not stored in order). */
static int load_zset(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return RDB_LOAD_ERR;
    if (n == 0) return RDB_LOAD_EMPTY;
    skiplist *sl = sl_new();
    size_t hint = rdb_plausible(ld, n, 10);
    if (hint > 1) dict_expand(sl->dict, hint);
    size_t maxlen = 0, totlen = 0;
    while (n--) {
        size_t len;
        double score;
        char *m = rdb_load_string(ld, &len);
        bool ok = m && (type == RDB_TYPE_ZSET_2 ? load_binary_double(ld, &score)
                                                : load_text_double(ld, &score));
        if (ok && isnan(score)) ok = rdb_fail(ld, "Zset with NAN score detected");
        if (ok && sl_find(sl, m, len)) ok = rdb_fail(ld, "Duplicate zset fields detected");
        if (!ok) {
            mem_free(m);
            sl_free(sl);
            return RDB_LOAD_ERR;
        }
        sl_insert(sl, score, m, len);
        mem_free(m);
        if (len > maxlen) maxlen = len;
        totlen += len;
    }
    kv *e = kv_new_ptr(key, klen, KV_ZSET, KV_ENC_SKIPLIST, sl);
    if (sl->length <= (unsigned long long)cfg.zset_max_listpack_entries &&
        maxlen <= (unsigned long long)cfg.zset_max_listpack_value && lp_safe_to_add(NULL, totlen))
        zset_convert(e, KV_ENC_LISTPACK);
    *out = e;
    return RDB_LOAD_OK;
}

/* RDB_TYPE_ZSET_ZIPLIST / ZSET_LISTPACK. */
static int load_zset_packed(loader *ld, int type, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *lp = (unsigned char *)rdb_load_string(ld, &len);
    if (lp == NULL) return RDB_LOAD_ERR;
    count_deep_validation(ld);
    const char *what = "Zset listpack integrity check failed.";
    if (type == RDB_TYPE_ZSET_ZIPLIST) {
        what = "Zset ziplist integrity check failed.";
        unsigned char *zl = lp;
        lp = zl_to_listpack(zl, len);
        mem_free(zl);
    } else if (!lp_validate(lp, len, true)) {
        mem_free(lp);
        lp = NULL;
    }
    if (lp == NULL || !zset_lp_ok(lp)) {
        lp_free(lp);
        rdb_fail(ld, "%s", what);
        return RDB_LOAD_ERR;
    }
    if (lp_len(lp) == 0) {
        lp_free(lp);
        return RDB_LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_ZSET, KV_ENC_LISTPACK, lp);
    if (lp_len(lp) / 2 > (unsigned long long)cfg.zset_max_listpack_entries) {
        zset_convert(e, KV_ENC_SKIPLIST);
    } else if (!zset_lp_sorted(lp)) {
        /* Out of order: the commands would misbehave on it. Sorting through
         * a skiplist repairs it. */
        zset_convert(e, KV_ENC_SKIPLIST);
        zset_convert(e, KV_ENC_LISTPACK);
    }
    *out = e;
    return RDB_LOAD_OK;
}

/* RDB_TYPE_HASH: a count, then field/value pairs. Redis's rule: a
 * hashtable from the start above hash-max-listpack-entries, else a listpack
 * until a field or value is too long for one. */
static int load_hash(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return RDB_LOAD_ERR;
    if (n == 0) return RDB_LOAD_EMPTY;
    size_t hint = rdb_plausible(ld, n, 4);
    kv *e = kv_new_ptr(key, klen, KV_HASH, KV_ENC_LISTPACK, lp_new(0));
    if (n > (unsigned long long)cfg.hash_max_listpack_entries) hash_convert_ht(e, hint);
    while (n--) {
        size_t flen = 0, vlen = 0;
        char *f = rdb_load_string(ld, &flen);
        char *v = f ? rdb_load_string(ld, &vlen) : NULL;
        bool ok = v != NULL;
        if (ok && e->enc == KV_ENC_LISTPACK && !lp_safe_to_add(kv_ptr(e), flen + vlen))
            hash_convert_ht(e, hint);
        if (ok && !hash_set_field(e, f, flen, v, vlen))
            ok = rdb_fail(ld, "Duplicate hash fields detected");
        mem_free(f);
        mem_free(v);
        if (!ok) {
            kv_free(e);
            return RDB_LOAD_ERR;
        }
    }
    *out = e;
    return RDB_LOAD_OK;
}

typedef struct zipmap_state {
    unsigned char *lp;
    size_t maxlen;
} zipmap_state;

static bool zipmap_elem(void *priv, const unsigned char *s, size_t len, long long v) {
    (void)v;
    zipmap_state *z = priv;
    if (!lp_safe_to_add(z->lp, len)) return false;
    z->lp = lp_append(z->lp, (const char *)s, len);
    if (len > z->maxlen) z->maxlen = len;
    return true;
}

/* RDB_TYPE_HASH_ZIPMAP / HASH_ZIPLIST / HASH_LISTPACK. */
static int load_hash_packed(loader *ld, int type, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *blob = (unsigned char *)rdb_load_string(ld, &len);
    if (blob == NULL) return RDB_LOAD_ERR;
    count_deep_validation(ld);
    unsigned char *lp = NULL;
    size_t maxlen = 0;
    const char *what = "Hash listpack integrity check failed.";
    if (type == RDB_TYPE_HASH_ZIPMAP) {
        what = "Zipmap integrity check failed.";
        zipmap_state z = {lp_new(len), 0};
        if (zm_walk(blob, len, zipmap_elem, &z)) lp = z.lp;
        else lp_free(z.lp);
        maxlen = z.maxlen;
        mem_free(blob);
    } else if (type == RDB_TYPE_HASH_ZIPLIST) {
        what = "Hash ziplist integrity check failed.";
        lp = zl_to_listpack(blob, len);
        mem_free(blob);
    } else if (lp_validate(blob, len, true)) {
        lp = blob;
    } else {
        mem_free(blob);
    }
    if (lp == NULL || !lp_pairs_ok(lp)) {
        lp_free(lp);
        rdb_fail(ld, "%s", what);
        return RDB_LOAD_ERR;
    }
    unsigned long pairs = lp_len(lp) / 2;
    if (pairs == 0) {
        lp_free(lp);
        return RDB_LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_HASH, KV_ENC_LISTPACK, lp);
    if (pairs > (unsigned long long)cfg.hash_max_listpack_entries ||
        (type == RDB_TYPE_HASH_ZIPMAP && maxlen > (unsigned long long)cfg.hash_max_listpack_value))
        hash_convert_ht(e, pairs);
    *out = e;
    return RDB_LOAD_OK;
}

static bool load_sid(loader *ld, sid *id) {
    return rdb_load_len(ld, &id->ms) && rdb_load_len(ld, &id->seq);
}

static bool load_raw_sid(loader *ld, sid *id) {
    unsigned char b[16];
    if (!rdb_read(ld, b, 16)) return false;
    *id = sid_decode(b);
    return true;
}

static bool load_ms(loader *ld, long long *ms) {
    unsigned char b[8];
    if (!rdb_read(ld, b, 8)) return false;
    *ms = (long long)rdb_le_bytes(b, 8);
    return true;
}

/* The nodes of a stream, each checked entry by entry (stream_validate_node);
 * a node's master ID is above every entry of the nodes before but deleted
 * ones (a seek starts at the last node whose ID is not above the target).
 * *live: the entries not marked deleted; *top: the greatest of them. */
static bool load_stream_nodes(loader *ld, stream *s, uint64_t *live, sid *top) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return rdb_fail(ld, "Stream listpacks len loading failed.");
    *top = (sid){0, 0};
    *live = 0;
    bool first_node = true;
    sid prev_master = {0, 0};
    while (n--) {
        size_t klen, len;
        char *k = rdb_load_string(ld, &klen);
        if (k == NULL) return false;
        if (klen != 16) {
            mem_free(k);
            return rdb_fail(ld, "Stream node key entry is not the size of a stream ID");
        }
        sid master = sid_decode((unsigned char *)k);
        mem_free(k);
        unsigned char *lp = (unsigned char *)rdb_load_string(ld, &len);
        if (lp == NULL) return false;
        count_deep_validation(ld);
        int64_t nlive;
        bool ok = true;
        bool after =
            first_node || (sid_cmp(&master, &prev_master) > 0 && sid_cmp(&master, top) > 0);
        if (len >= 7 && lp_validate(lp, len, false) && lp_first(lp) == NULL)
            ok = rdb_fail(ld, "Empty listpack inside stream");
        else if (!after || !stream_validate_node(lp, len, &master, top, &nlive))
            ok = rdb_fail(ld, "Stream listpack integrity check failed.");
        else if (!sidmap_insert(&s->nodes, &master, lp))
            ok = rdb_fail(ld, "Stream listpack integrity check failed.");
        if (!ok) {
            mem_free(lp);
            return false;
        }
        *live += (uint64_t)nlive;
        first_node = false;
        prev_master = master;
    }
    return true;
}

/* A group's consumers and their PELs: each ID must be pending in the
 * group and owned by no other consumer. */
static bool load_stream_consumers(loader *ld, int type, sgroup *g) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return rdb_fail(ld, "Stream consumers num loading failed.");
    while (n--) {
        size_t len;
        char *name = rdb_load_string(ld, &len);
        if (name == NULL) return rdb_fail(ld, "Error reading the consumer name from Stream group.");
        long long seen = 0, active = 0;
        sconsumer *c = NULL;
        bool ok = load_ms(ld, &seen) || rdb_fail(ld, "Stream short read reading seen time.");
        if (ok && type == RDB_TYPE_STREAM_LISTPACKS_3)
            ok = load_ms(ld, &active) || rdb_fail(ld, "Stream short read reading active time.");
        if (ok && (c = stream_consumer_create(g, name, len, seen)) == NULL)
            ok = rdb_fail(ld, "Duplicate stream consumer detected.");
        mem_free(name);
        if (!ok) return false;
        uint64_t npel;
        if (!rdb_load_len(ld, &npel))
            return rdb_fail(ld, "Stream consumer PEL num loading failed.");
        while (npel--) {
            sid id;
            if (!load_raw_sid(ld, &id))
                return rdb_fail(ld, "Stream short read reading PEL streamID.");
            snack *nk = sidmap_find(&g->pel, &id);
            if (nk == NULL) return rdb_fail(ld, "Consumer entry not found in group global PEL");
            if (nk->consumer == c)
                return rdb_fail(ld,
                                "Duplicated consumer PEL entry  loading a stream consumer group");
            if (nk->consumer)
                return rdb_fail(ld, "Stream consumer PEL entry already has a consumer assigned");
            nk->consumer = c;
            sidmap_insert(&c->pel, &id, nk);
        }
    }
    return true;
}

static bool load_stream_groups(loader *ld, int type, stream *s) {
    uint64_t n;
    if (!rdb_load_len(ld, &n)) return rdb_fail(ld, "Stream cgroup count loading failed.");
    while (n--) {
        size_t len;
        char *name = rdb_load_string(ld, &len);
        if (name == NULL) return rdb_fail(ld, "Error reading the consumer group name from Stream");
        sid gid;
        uint64_t read = 0;
        bool ok = load_sid(ld, &gid) || rdb_fail(ld, "Stream cgroup ID loading failed.");
        if (ok && type != RDB_TYPE_STREAM_LISTPACKS)
            ok = rdb_load_len(ld, &read) || rdb_fail(ld, "Stream cgroup offset loading failed.");
        long long entries_read =
            type == RDB_TYPE_STREAM_LISTPACKS ? stream_estimate_distance(s, &gid) : (long long)read;
        sgroup *g = NULL;
        if (ok && (g = stream_group_create(s, name, len, &gid, entries_read)) == NULL)
            ok = rdb_fail(ld, "Duplicated consumer group name %.*s", (int)(len > 64 ? 64 : len),
                          name);
        mem_free(name);
        if (!ok) return false;
        uint64_t npel;
        if (!rdb_load_len(ld, &npel)) return rdb_fail(ld, "Stream PEL size loading failed.");
        while (npel--) {
            sid id;
            long long when;
            uint64_t count;
            if (!load_raw_sid(ld, &id)) return rdb_fail(ld, "Stream PEL ID loading failed.");
            if (!load_ms(ld, &when) || !rdb_load_len(ld, &count))
                return rdb_fail(ld, "Stream PEL NACK loading failed.");
            snack *nk = stream_nack_new(NULL, when);
            nk->delivery_count = count;
            if (!sidmap_insert(&g->pel, &id, nk)) {
                mem_free(nk);
                return rdb_fail(ld, "Duplicated global PEL entry loading stream consumer group");
            }
        }
        if (!load_stream_consumers(ld, type, g)) return false;
        for (size_t i = 0; i < sidmap_len(&g->pel); i++)
            if (((snack *)sidmap_at(&g->pel, i)->val)->consumer == NULL)
                return rdb_fail(ld, "Stream CG PEL entry without consumer");
    }
    return true;
}

/* RDB_TYPE_STREAM_LISTPACKS (_2, _3). */
static int load_stream(loader *ld, int type, const char *key, size_t klen, kv **out) {
    stream *s = stream_new();
    uint64_t live = 0;
    sid top = {0, 0};
    bool ok = load_stream_nodes(ld, s, &live, &top);
    if (ok && (!rdb_load_len(ld, &s->length) || !load_sid(ld, &s->last_id)))
        ok = rdb_fail(ld, "Stream object metadata loading failed.");
    if (ok && type != RDB_TYPE_STREAM_LISTPACKS &&
        (!load_sid(ld, &s->first_id) || !load_sid(ld, &s->max_deleted) ||
         !rdb_load_len(ld, &s->entries_added)))
        ok = rdb_fail(ld, "Stream object metadata loading failed.");
    if (ok && (s->length != live || (sidmap_len(&s->nodes) && sid_cmp(&top, &s->last_id) > 0)))
        ok = rdb_fail(ld, "Stream length inconsistent with rax entries");
    if (ok && type == RDB_TYPE_STREAM_LISTPACKS) {
        /* As 7.0: an empty stream's edge is the maximal ID. */
        stream_edge_id(s, true, true, &s->first_id);
        s->entries_added = s->length;
    }
    ok = ok && load_stream_groups(ld, type, s);
    if (!ok) {
        stream_free(s);
        return RDB_LOAD_ERR;
    }
    *out = kv_new_ptr(key, klen, KV_STREAM, KV_ENC_STREAM, s);
    return RDB_LOAD_OK;
}

/* Redis's moduleTypeNameByID: 9 characters packed in the id's high bits. */
void rdb_module_name(uint64_t id, char name[10]) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    name[9] = '\0';
    id >>= 10;
    for (int j = 8; j >= 0; j--) {
        name[j] = cset[id & 63];
        id >>= 6;
    }
}

/* Read one value of RDB type 'type' into a new entry under 'key'. */
int rdb_load_object(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t id;
    char name[10];
    switch (type) {
    case RDB_TYPE_STRING: return load_string_value(ld, key, klen, out);
    case RDB_TYPE_LIST: return load_linked_list(ld, key, klen, out);
    case RDB_TYPE_LIST_ZIPLIST: return load_list_ziplist(ld, key, klen, out);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: return load_quicklist(ld, type, key, klen, out);
    case RDB_TYPE_SET: return load_set(ld, key, klen, out);
    case RDB_TYPE_SET_INTSET: return load_intset(ld, key, klen, out);
    case RDB_TYPE_SET_LISTPACK: return load_set_listpack(ld, key, klen, out);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: return load_zset(ld, type, key, klen, out);
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: return load_zset_packed(ld, type, key, klen, out);
    case RDB_TYPE_HASH: return load_hash(ld, key, klen, out);
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: return load_hash_packed(ld, type, key, klen, out);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3: return load_stream(ld, type, key, klen, out);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
        if (!rdb_load_len(ld, &id)) return RDB_LOAD_ERR;
        rdb_module_name(id, name);
        rdb_fail(ld,
                 "Module values are not supported by castor: the key holds a value of module "
                 "type '%s'",
                 name);
        return RDB_LOAD_ERR;
    }
    rdb_fail(ld, "Unknown RDB encoding type %d", type);
    return RDB_LOAD_ERR;
}
