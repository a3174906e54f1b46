/* sort.c -- SORT and SORT_RO: sorting a list, set or sorted set, by its
 * elements or by keys named after them, with GET, LIMIT and STORE.
 *
 * The result is byte for byte the one of Redis 7.0's sortCommandGeneric,
 * ties included. So this file mirrors the parts of that function whose
 * details show: option parsing (a later option overrides an earlier one;
 * the last STORE wins), the clamping of LIMIT, the "BY <no star>" shortcut
 * that keeps a list's or sorted set's own order and reads only the LIMIT
 * range, the forced ALPHA sort of a set given BY nosort and STORE, and the
 * two sort algorithms: a full sort is glibc's qsort, which is a stable merge
 * sort, and a BY sort restricted by LIMIT is Redis's partial Bentley-McIlroy
 * quicksort (pqsort.c), whose handling of equal keys decides the order of
 * ties. ALPHA compares as strcoll() in the C locale (strcmp: up to the first
 * NUL byte), except with STORE, where Redis compares binary strings.
 * A sorted set is converted to a skiplist first, as Redis does.
 *
 * SORT ... STORE writes a list (an empty result deletes the destination),
 * made as Redis 7.0 makes it: with the default fill and no compression,
 * whatever the list-* settings say. It propagates its effect, not the
 * command: DEL (when the destination existed) and RPUSHes of the stored
 * elements, in one MULTI/EXEC, because the result of a sort whose keys tie
 * depends on the order of a set's hash table, which a replica need not
 * share.
 * BY and GET patterns are refused to a user who may not read every key
 * (acl.c); castor has no cluster mode, so not its refusals.
 * Spec: Redis 7.0 sort.c and pqsort.c semantics.
 * SPDX-License-Identifier: BSD-3-Clause */

#include "sort.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "arg.h"
#include "cmdtable.h"
#include "db.h"
#include "errors.h"
#include "propagate.h"
#include "quicklist.h"
#include "reply.h"
#include "server.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "util.h"
#include "zset.h"

/* ---- Byte arena for the copied elements ---- */

/* The elements (and ALPHA BY values) are copied out of the containers, as
 * Redis does, so that key lookups during the sort cannot invalidate them.
 * One bump allocator: blocks never move, so pointers stay valid. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block;

#define ARENA_BLOCK_SIZE (64 * 1024)

static const char *arena_copy(arena_block **head, const char *p, size_t len) {
    if (len == 0) return "";
    arena_block *b = *head;
    if (b == NULL || b->cap - b->used < len) {
        size_t cap = len > ARENA_BLOCK_SIZE ? len : ARENA_BLOCK_SIZE;
        b = mem_alloc(sizeof(*b) + cap);
        b->used = 0;
        b->cap = cap;
        b->next = *head;
        *head = b;
    }
    char *dst = b->data + b->used;
    memcpy(dst, p, len);
    b->used += len;
    return dst;
}

static void arena_free(arena_block *b) {
    while (b) {
        arena_block *next = b->next;
        mem_free(b);
        b = next;
    }
}

/* ---- Patterns: "*" substitution, "->field", "#" ---- */

/* A BY or GET pattern, analysed once. Redis reads patterns as C strings
 * (strchr, strstr), so a NUL byte ends the search for '*' and "->", while
 * the lengths of the parts count every byte. */
typedef struct pattern {
    const char *p;
    size_t len;
    bool self; /* "#": the element itself */
    bool has_star;
    size_t prefix_len;  /* bytes before the '*' */
    size_t postfix_len; /* bytes after it, up to the "->" if any */
    const char *field;  /* NULL: the key must hold a string */
    size_t field_len;
} pattern;

static void pattern_init(pattern *pt, const slice *s) {
    memset(pt, 0, sizeof(*pt));
    pt->p = s->ptr;
    pt->len = s->len;
    pt->self = s->len >= 1 && s->ptr[0] == '#' && (s->len == 1 || s->ptr[1] == '\0');
    size_t clen = strnlen(s->ptr, s->len);
    const char *star = memchr(s->ptr, '*', clen);
    if (star == NULL) return;
    pt->has_star = true;
    pt->prefix_len = (size_t)(star - s->ptr);
    size_t fieldlen = 0;
    /* The first "->" after the '*', taken only if a byte follows it. */
    for (size_t i = pt->prefix_len + 1; i + 1 < clen; i++) {
        if (s->ptr[i] == '-' && s->ptr[i + 1] == '>') {
            if (i + 2 < clen) {
                fieldlen = s->len - i - 2;
                pt->field = s->ptr + i + 2;
                pt->field_len = fieldlen;
            }
            break;
        }
    }
    pt->postfix_len = s->len - (pt->prefix_len + 1) - (fieldlen ? fieldlen + 2 : 0);
}

/* Redis's lookupKeyByPattern: the value that 'pt' names for the element
 * e[0..elen), or false when there is none (no '*', a missing key, a key of
 * the wrong type, a missing field). The value is borrowed (from the
 * keyspace or from buf, of at least UTIL_LLSTR_SIZE bytes): valid until
 * the next lookup. */
static bool lookup_pattern(client *c, const pattern *pt, const char *e, size_t elen, char *buf,
                           const char **val, size_t *vlen) {
    if (pt->self) {
        *val = e;
        *vlen = elen;
        return true;
    }
    if (!pt->has_star) return false;
    size_t klen = pt->prefix_len + elen + pt->postfix_len;
    char stack[256];
    char *key = klen <= sizeof(stack) ? stack : mem_alloc(klen);
    memcpy(key, pt->p, pt->prefix_len);
    memcpy(key + pt->prefix_len, e, elen);
    memcpy(key + pt->prefix_len + elen, pt->p + pt->prefix_len + 1, pt->postfix_len);
    kv *o = db_find_read(c->db, key, klen);
    if (key != stack) mem_free(key);
    if (o == NULL) return false;
    if (pt->field) {
        if (o->type != KV_HASH) return false;
        *val = hash_get(o, pt->field, pt->field_len, vlen, buf);
        return *val != NULL;
    }
    if (o->type != KV_STRING) return false;
    *val = kv_str(o, buf, vlen);
    return true;
}

/* ---- Comparison ---- */

typedef struct sort_item {
    const char *p; /* the element (arena) */
    size_t len;
    double score;    /* numeric sort: its weight (0 when BY finds none) */
    const char *cmp; /* ALPHA BY: the weight (arena), NULL when missing */
    size_t cmp_len;
} sort_item;

typedef struct sort_ctx {
    bool desc, alpha, by, store;
} sort_ctx;

/* Redis's compareStringObjects: memcmp, then the shorter is smaller. */
static int cmp_binary(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r != 0) return r;
    return alen < blen ? -1 : alen > blen;
}

/* strcoll() in the C locale, on strings that end at len or at a NUL. */
static int cmp_cstr(const char *a, size_t alen, const char *b, size_t blen) {
    for (size_t i = 0;; i++) {
        unsigned char ca = i < alen ? (unsigned char)a[i] : 0;
        unsigned char cb = i < blen ? (unsigned char)b[i] : 0;
        if (ca != cb) return ca < cb ? -1 : 1;
        if (ca == 0) return 0;
    }
}

/* Redis's sortCompare. */
static int item_cmp(const sort_item *a, const sort_item *b, const sort_ctx *x) {
    int r;
    if (!x->alpha) {
        if (a->score > b->score) r = 1;
        else if (a->score < b->score) r = -1;
        else r = cmp_binary(a->p, a->len, b->p, b->len);
    } else if (x->by) {
        if (a->cmp == NULL || b->cmp == NULL) r = a->cmp == b->cmp ? 0 : a->cmp == NULL ? -1 : 1;
        else if (x->store) r = cmp_binary(a->cmp, a->cmp_len, b->cmp, b->cmp_len);
        else r = cmp_cstr(a->cmp, a->cmp_len, b->cmp, b->cmp_len);
    } else {
        r = x->store ? cmp_binary(a->p, a->len, b->p, b->len)
                     : cmp_cstr(a->p, a->len, b->p, b->len);
    }
    return x->desc ? -r : r;
}

/* ---- Sorting ---- */

/* A stable merge sort: what glibc's qsort() is for arrays that fit in
 * memory, so equal items keep their input order as they do in Redis. */
static void merge_sort(sort_item *v, sort_item *tmp, size_t n, const sort_ctx *x) {
    if (n <= 1) return;
    size_t n1 = n / 2;
    merge_sort(v, tmp, n1, x);
    merge_sort(v + n1, tmp, n - n1, x);
    size_t i = 0, j = n1, k = 0;
    while (i < n1 && j < n) tmp[k++] = item_cmp(&v[i], &v[j], x) <= 0 ? v[i++] : v[j++];
    while (i < n1) tmp[k++] = v[i++];
    /* The rest of the right run is already in place. */
    memcpy(v, tmp, k * sizeof(*v));
}

static void item_swap(sort_item *v, long a, long b) {
    sort_item t = v[a];
    v[a] = v[b];
    v[b] = t;
}

static void items_swap_run(sort_item *v, long a, long b, long n) {
    for (long i = 0; i < n; i++) item_swap(v, a + i, b + i);
}

static long med3(sort_item *v, long a, long b, long c, const sort_ctx *x) {
    if (item_cmp(&v[a], &v[b], x) < 0) {
        if (item_cmp(&v[b], &v[c], x) < 0) return b;
        return item_cmp(&v[a], &v[c], x) < 0 ? c : a;
    }
    if (item_cmp(&v[b], &v[c], x) > 0) return b;
    return item_cmp(&v[a], &v[c], x) < 0 ? a : c;
}

static void insertion_sort(sort_item *v, long a, long n, const sort_ctx *x) {
    for (long m = a + 1; m < a + n; m++)
        for (long l = m; l > a && item_cmp(&v[l - 1], &v[l], x) > 0; l--) item_swap(v, l, l - 1);
}

/* Does the run [l, r] miss the wanted ranks [lo, hi] entirely? */
static bool outside(long l, long r, long lo, long hi) {
    return (lo < l && hi < l) || (lo > r && hi > r);
}

/* Redis's pqsort(): Bentley and McIlroy's quicksort (three-way partition,
 * median of three or ninther, insertion sort below 7 items; Redis 7.0's
 * has no insertion-sort fallback for runs that needed no swap) that skips
 * the runs holding none of the ranks lo..hi. The sequence of swaps is
 * Redis's, so ties come out the same. */
static void partial_sort(sort_item *v, long a, long n, const sort_ctx *x, long lo, long hi) {
    for (;;) {
        if (n < 7) {
            insertion_sort(v, a, n, x);
            return;
        }
        long pm = a + n / 2;
        if (n > 7) {
            long pl = a, pn = a + n - 1;
            if (n > 40) {
                long d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, x);
                pm = med3(v, pm - d, pm, pm + d, x);
                pn = med3(v, pn - 2 * d, pn - d, pn, x);
            }
            pm = med3(v, pl, pm, pn, x);
        }
        item_swap(v, a, pm);
        long pa = a + 1, pb = a + 1, pc = a + n - 1, pd = a + n - 1;
        for (;;) {
            int r;
            while (pb <= pc && (r = item_cmp(&v[pb], &v[a], x)) <= 0) {
                if (r == 0) item_swap(v, pa++, pb);
                pb++;
            }
            while (pb <= pc && (r = item_cmp(&v[pc], &v[a], x)) >= 0) {
                if (r == 0) item_swap(v, pc, pd--);
                pc--;
            }
            if (pb > pc) break;
            item_swap(v, pb++, pc--);
        }
        long pn = a + n;
        long r = pa - a < pb - pa ? pa - a : pb - pa;
        items_swap_run(v, a, pb - r, r);
        r = pd - pc < pn - pd - 1 ? pd - pc : pn - pd - 1;
        items_swap_run(v, pb, pn - r, r);
        /* The two runs are disjoint and sorted independently, so the order
         * in which they are done changes nothing: recurse into the smaller
         * one and loop on the other, which bounds the stack depth. */
        long ln = pb - pa, ra = pn - (pd - pc), rn = pd - pc;
        bool lwant = ln > 1 && !outside(a, a + ln - 1, lo, hi);
        bool rwant = rn > 1 && !outside(ra, ra + rn - 1, lo, hi);
        if (lwant && rwant) {
            if (ln <= rn) {
                partial_sort(v, a, ln, x, lo, hi);
                a = ra;
                n = rn;
            } else {
                partial_sort(v, ra, rn, x, lo, hi);
                n = ln;
            }
        } else if (lwant) {
            n = ln;
        } else if (rwant) {
            a = ra;
            n = rn;
        } else {
            return;
        }
    }
}

/* ---- Loading the elements ---- */

typedef struct sort_vec {
    sort_item *v;
    size_t len, cap;
    arena_block *arena;
} sort_vec;

static void vec_push(void *priv, const char *p, size_t len) {
    sort_vec *sv = priv;
    if (sv->len == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 16;
        sv->v = mem_realloc(sv->v, sv->cap * sizeof(*sv->v));
    }
    sort_item *it = &sv->v[sv->len++];
    it->p = arena_copy(&sv->arena, p, len);
    it->len = len;
    it->score = 0;
    it->cmp = NULL;
    it->cmp_len = 0;
}

/* Up to 'max' list elements from index 'from', towards the tail (or the
 * head with rev). */
static void load_list(sort_vec *sv, const kv *e, long from, long max, bool rev) {
    ql_iter it;
    ql_entry en;
    if (!ql_iter_init_at(&it, kv_ptr(e), rev ? QL_TAIL : QL_HEAD, from)) {
        ql_iter_clear(&it);
        return;
    }
    while (max-- > 0 && ql_next(&it, &en)) {
        if (en.value) {
            vec_push(sv, (const char *)en.value, en.sz);
        } else {
            char buf[UTIL_LLSTR_SIZE];
            vec_push(sv, buf, util_ll2str(buf, en.lval));
        }
    }
    ql_iter_clear(&it);
}

/* Up to 'max' sorted set members from rank 'from', counted from the low
 * end (the high end with rev). */
static void load_zset(sort_vec *sv, const kv *e, unsigned long from, long max, bool rev) {
    zset_iter it;
    zset_iter_rank(&it, e, from, rev);
    for (; max-- > 0 && zset_iter_valid(&it); zset_iter_next(&it)) {
        zset_elem el;
        zset_iter_get(&it, &el, false);
        vec_push(sv, el.m, el.len);
    }
}

/* Parse a weight as Redis does: strtod() of the C string, which must be
 * consumed up to its end (or a NUL byte), without overflow or NaN. */
static bool parse_weight(const char *p, size_t len, double *out) {
    char stack[128];
    char *s = len < sizeof(stack) ? stack : mem_alloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    bool ok = *end == '\0' && errno != ERANGE && !isnan(*out);
    if (s != stack) mem_free(s);
    return ok;
}

/* ---- The command ---- */

typedef struct sort_opts {
    bool desc, alpha, dontsort;
    long long limit_start, limit_count;
    const slice *by, *store;
    pattern *gets;
    int ngets;
} sort_opts;

/* Parse argv[2...] as sortCommandGeneric does. Replies and returns false on
 * an error. o->gets is allocated (caller frees) when GET is present. */
static bool parse_options(client *c, bool readonly, sort_opts *o) {
    memset(o, 0, sizeof(*o));
    o->limit_count = -1;
    for (int j = 2; j < c->argc; j++) {
        const slice *a = &c->argv[j];
        int left = c->argc - j - 1;
        if (arg_is(a, "asc")) {
            o->desc = false;
        } else if (arg_is(a, "desc")) {
            o->desc = true;
        } else if (arg_is(a, "alpha")) {
            o->alpha = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_ll(c, &c->argv[j + 1], &o->limit_start)) return false;
            if (!arg_ll(c, &c->argv[j + 2], &o->limit_count)) return false;
            j += 2;
        } else if (!readonly && arg_is(a, "store") && left >= 1) {
            o->store = &c->argv[++j];
        } else if (arg_is(a, "by") && left >= 1) {
            o->by = &c->argv[++j];
            /* A BY without '*' (as a C string) names no weight: no sorting.
             * As in Redis, a later BY with a '*' does not undo that. */
            if (memchr(o->by->ptr, '*', strnlen(o->by->ptr, o->by->len)) == NULL) {
                o->dontsort = true;
            } else if (!acl_client_has_full_key_access(c)) {
                /* A pattern names keys ACL can't check beforehand. */
                reply_error(c, ERR_SORT_BY_ACL);
                return false;
            }
        } else if (arg_is(a, "get") && left >= 1) {
            if (!acl_client_has_full_key_access(c)) {
                reply_error(c, ERR_SORT_GET_ACL);
                return false;
            }
            if (o->gets == NULL)
                o->gets = mem_alloc(sizeof(pattern) * (size_t)((c->argc - j) / 2 + 1));
            pattern_init(&o->gets[o->ngets++], &c->argv[++j]);
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Output of one sorted element: the element itself without GET, else the
 * value of every GET pattern (for a reply, a missing one is a null; for
 * STORE, an empty string). */
static void emit_reply(client *c, const sort_opts *o, const sort_item *it) {
    if (o->ngets == 0) {
        reply_bulk(c, it->p, it->len);
        return;
    }
    for (int g = 0; g < o->ngets; g++) {
        char buf[UTIL_LLSTR_SIZE];
        const char *v;
        size_t vlen;
        if (lookup_pattern(c, &o->gets[g], it->p, it->len, buf, &v, &vlen)) reply_bulk(c, v, vlen);
        else reply_null(c);
    }
}

static void emit_store(client *c, const sort_opts *o, const sort_item *it, quicklist *ql) {
    if (o->ngets == 0) {
        ql_push(ql, it->p, it->len, QL_TAIL);
        return;
    }
    for (int g = 0; g < o->ngets; g++) {
        char buf[UTIL_LLSTR_SIZE];
        const char *v;
        size_t vlen;
        if (lookup_pattern(c, &o->gets[g], it->p, it->len, buf, &v, &vlen))
            ql_push(ql, v, vlen, QL_TAIL);
        else ql_push(ql, "", 0, QL_TAIL);
    }
}

#define RPUSH_BATCH 1024

/* Propagate the stored list as RPUSHes of at most RPUSH_BATCH elements.
 * A batch borrows entries from several nodes, which is safe only because
 * the list is uncompressed: no node is recompressed as the iterator moves. */
static void propagate_rpush(client *c, const slice *key, quicklist *ql) {
    ASSERT(ql->compress == 0);
    size_t cap = ql_count(ql) < RPUSH_BATCH ? ql_count(ql) : RPUSH_BATCH;
    slice *argv = mem_alloc(sizeof(slice) * (cap + 2));
    char(*nums)[UTIL_LLSTR_SIZE] = mem_alloc(sizeof(*nums) * cap);
    argv[0] = slice_of("RPUSH", 5);
    argv[1] = *key;
    int n = 0;
    ql_iter it;
    ql_entry en;
    ql_iter_init(&it, ql, QL_HEAD);
    while (ql_next(&it, &en)) {
        if (en.value) argv[2 + n] = slice_of((const char *)en.value, en.sz);
        else argv[2 + n] = slice_of(nums[n], util_ll2str(nums[n], en.lval));
        if (++n == (int)cap) {
            propagate(c->dbid, n + 2, argv);
            n = 0;
        }
    }
    ql_iter_clear(&it);
    if (n) propagate(c->dbid, n + 2, argv);
    mem_free(nums);
    mem_free(argv);
}

/* Write the result list under o->store (or delete it when empty), signal,
 * notify, propagate the effect; reply the number of elements stored. */
static void store_result(client *c, const slice *dst, quicklist *ql) {
    bool existed = db_find_write(c->db, dst->ptr, dst->len) != NULL;
    unsigned long n = ql_count(ql);
    if (n > 0) {
        /* Effects first, while ql is still ours to read. */
        if (existed) propagate_del(c->dbid, dst->ptr, dst->len);
        propagate_rpush(c, dst, ql);
        db_set(c->db, kv_new_ptr(dst->ptr, dst->len, KV_LIST, KV_ENC_QUICKLIST, ql),
               DB_SET_LOOKED_UP);
        db_key_changed(c->db, dst, NOTIFY_LIST, "sortstore", (long long)n);
    } else {
        ql_free(ql);
        db_delete_propagate(c->db, dst->ptr, dst->len);
    }
    reply_int(c, (long long)n);
}

/* Fill sv with the elements to sort and set *startp, *endp to the output
 * range within it, as sortCommandGeneric's loading step. */
static void load_elements(kv *e, const sort_opts *o, sort_vec *sv, long *startp, long *endp) {
    long vlen = e == NULL            ? 0
                : e->type == KV_LIST ? (long)list_len(e)
                : e->type == KV_SET  ? (long)t_set_len(e)
                                     : (long)zset_len(e);
    /* LIMIT, clamped to the size against overflow, as Redis 7.0.15 does. */
    long start = o->limit_start < 0 ? 0 : o->limit_start > vlen ? vlen : (long)o->limit_start;
    long count = o->limit_count < -1 ? -1 : o->limit_count > vlen ? vlen : (long)o->limit_count;
    long end = count < 0 ? vlen - 1 : start + count - 1;
    if (start >= vlen) {
        start = vlen - 1;
        end = vlen - 2;
    }
    if (end >= vlen) end = vlen - 1;
    *startp = start;
    *endp = end;
    if (e == NULL) return;

    bool ordered = e->type == KV_LIST || e->type == KV_ZSET;
    if (ordered && o->dontsort) {
        /* Only the range, in the container's order (reversed for DESC). */
        if (end < start) return;
        long n = end - start + 1;
        if (e->type == KV_LIST) load_list(sv, e, o->desc ? vlen - start - 1 : start, n, o->desc);
        else load_zset(sv, e, (unsigned long)start, n, o->desc);
        *startp = 0;
        *endp = end - start;
        return;
    }
    if (e->type == KV_LIST) load_list(sv, e, 0, vlen, false);
    else if (e->type == KV_SET) t_set_foreach(e, vec_push, sv);
    else load_zset(sv, e, 0, vlen, false);
}

/* Compute each item's weight. Returns false if one is not a number (for
 * a numeric sort). */
static bool load_weights(client *c, const sort_opts *o, const pattern *by, sort_vec *sv) {
    if (o->alpha && by == NULL) return true; /* compares the elements themselves */
    bool ok = true;
    for (size_t j = 0; j < sv->len; j++) {
        sort_item *it = &sv->v[j];
        char buf[UTIL_LLSTR_SIZE];
        const char *v = it->p;
        size_t vlen = it->len;
        if (by && !lookup_pattern(c, by, it->p, it->len, buf, &v, &vlen)) continue;
        if (o->alpha) {
            if (by) {
                it->cmp = arena_copy(&sv->arena, v, vlen);
                it->cmp_len = vlen;
            }
        } else if (!parse_weight(v, vlen, &it->score)) {
            ok = false;
        }
    }
    return ok;
}

static void sort_generic(client *c, bool readonly) {
    sort_opts o;
    if (!parse_options(c, readonly, &o)) {
        mem_free(o.gets);
        return;
    }
    kv *e = db_find_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e && e->type != KV_LIST && e->type != KV_SET && e->type != KV_ZSET) {
        mem_free(o.gets);
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    const slice *by = o.by;
    /* A set has no order of its own: with STORE, or for a script, sort it
     * anyway so that the result does not depend on the hash table. */
    if (o.dontsort && e && e->type == KV_SET && (o.store || (c->flags & CLIENT_SCRIPT))) {
        o.dontsort = false;
        o.alpha = true;
        by = NULL;
    }
    if (e && e->type == KV_ZSET) zset_convert(e, KV_ENC_SKIPLIST);

    sort_vec sv = {0};
    long start, end;
    load_elements(e, &o, &sv, &start, &end);

    bool conversion_error = false;
    if (!o.dontsort) {
        pattern bypat;
        if (by) pattern_init(&bypat, by);
        conversion_error = !load_weights(c, &o, by ? &bypat : NULL, &sv);
        sort_ctx x = {.desc = o.desc, .alpha = o.alpha, .by = by != NULL, .store = o.store != NULL};
        if (by && (start != 0 || end != (long)sv.len - 1)) {
            partial_sort(sv.v, 0, (long)sv.len, &x, start, end);
        } else if (sv.len > 1) {
            sort_item *tmp = mem_alloc(sv.len * sizeof(*tmp));
            merge_sort(sv.v, tmp, sv.len, &x);
            mem_free(tmp);
        }
    }

    long long rows = end - start + 1;
    long long outlen = o.ngets ? o.ngets * rows : rows;
    if (conversion_error) {
        reply_error(c, ERR_SORT_SCORE);
    } else if (o.store == NULL) {
        reply_array(c, outlen);
        for (long j = start; j <= end; j++) emit_reply(c, &o, &sv.v[j]);
    } else {
        /* Redis 7.0's createQuicklistObject(): the default fill (-2) and no
         * compression, whatever list-max-listpack-size and
         * list-compress-depth say. */
        quicklist *ql = ql_new(-2, 0);
        for (long j = start; j <= end; j++) emit_store(c, &o, &sv.v[j], ql);
        store_result(c, o.store, ql);
    }
    mem_free(sv.v);
    arena_free(sv.arena);
    mem_free(o.gets);
}

static void cmd_sort(client *c) { sort_generic(c, false); }
static void cmd_sort_ro(client *c) { sort_generic(c, true); }

/* COMMAND GETKEYS for SORT, as Redis's sortGetKeys: the sorted key, then
 * the argument after the last STORE. Options are skipped with their
 * arguments (LIMIT 2, GET and BY 1) but STORE's own argument is not, a
 * quirk kept for the same answers. */
static int sort_getkeys(int argc, slice *argv, int *keys, int cap) {
    if (cap < 2) return 0;
    int store = 0;
    keys[0] = 1;
    for (int i = 2; i < argc; i++) {
        if (arg_is(&argv[i], "limit")) i += 2;
        else if (arg_is(&argv[i], "get") || arg_is(&argv[i], "by")) i += 1;
        else if (arg_is(&argv[i], "store") && i + 1 < argc) store = i + 1;
    }
    if (store == 0) return 1;
    keys[1] = store;
    return 2;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command sort_commands[] = {
    {.name = "sort", .proc = cmd_sort, .getkeys = sort_getkeys, .arity = -2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS,
     .keys = {1, 1, 1}},
    {.name = "sort_ro", .proc = cmd_sort_ro, .arity = -2, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS,
     .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
