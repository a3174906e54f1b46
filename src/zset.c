/* zset.c -- sorted set values: one API over the listpack and skiplist
 * encodings, and the conversions between them.
 *
 * A listpack holds member,score,member,score... in (score, member) order;
 * small sets live there and every operation is a linear walk, which beats
 * pointer chasing at these sizes. A set grows into a skiplist (skiplist.c)
 * when an insert would pass zset-max-listpack-entries or brings a member
 * longer than zset-max-listpack-value, exactly where Redis 7.0 converts; it
 * never goes back, except for the results of ZUNIONSTORE & co, which are
 * built large and shrunk if they fit (zset_shrink_if_fits).
 * Layer 1: the thresholds come in as arguments.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "zset.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- Listpack helpers ---- */

double zset_strtod(const char *s, size_t len) {
    char buf[128];
    if (len > sizeof(buf) - 1) len = sizeof(buf) - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

static double lp_score(const unsigned char *sptr) {
    lp_entry en;
    lp_get_entry(sptr, &en);
    if (en.sval) return zset_strtod((const char *)en.sval, en.slen);
    return (double)en.lval;
}

static const char *lp_text(const unsigned char *p, unsigned char *buf, size_t *len) {
    return (const char *)lp_get(p, len, NULL, buf);
}

/* Redis's double2ll: integral doubles within +-2^62 are stored as integers. */
static bool double_is_ll(double d, long long *out) {
    if (d < (double)(-LLONG_MAX / 2) || d > (double)(LLONG_MAX / 2)) return false;
    long long ll = (long long)d;
    if ((double)ll != d) return false;
    *out = ll;
    return true;
}

/* Insert member and score before eptr (at the end when eptr is NULL). */
static unsigned char *lp_insert_pair(unsigned char *zl, unsigned char *eptr, const char *m,
                                     size_t len, double score) {
    long long ll;
    bool is_ll = double_is_ll(score, &ll);
    char sbuf[UTIL_DSTR_SIZE];
    size_t slen = is_ll ? 0 : util_d2str(sbuf, score);
    if (eptr == NULL) {
        zl = lp_append(zl, m, len);
        return is_ll ? lp_append_int(zl, ll) : lp_append(zl, sbuf, slen);
    }
    unsigned char *sptr;
    zl = lp_insert(zl, m, len, eptr, LP_BEFORE, &sptr);
    if (is_ll) return lp_insert_int(zl, ll, sptr, LP_AFTER, NULL);
    return lp_insert(zl, sbuf, slen, sptr, LP_AFTER, NULL);
}

static int mem_order(const char *a, size_t alen, const char *b, size_t blen) {
    size_t min = alen < blen ? alen : blen;
    int c = min ? memcmp(a, b, min) : 0;
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Insert at the (score, member) place. */
static unsigned char *lp_insert_sorted(unsigned char *zl, const char *m, size_t len, double score) {
    unsigned char *eptr = lp_first(zl);
    while (eptr) {
        unsigned char *sptr = lp_next(zl, eptr);
        double s = lp_score(sptr);
        if (s > score) break;
        if (s == score) {
            unsigned char buf[LP_INTBUF_SIZE];
            size_t elen;
            const char *em = lp_text(eptr, buf, &elen);
            if (mem_order(em, elen, m, len) > 0) break;
        }
        eptr = lp_next(zl, sptr);
    }
    return lp_insert_pair(zl, eptr, m, len, score);
}

static unsigned char *lp_find_member(const unsigned char *zl, const char *m, size_t len,
                                     double *score) {
    unsigned char *first = lp_first(zl);
    if (first == NULL) return NULL;
    unsigned char *eptr = lp_find(zl, first, m, len, 1);
    if (eptr && score) *score = lp_score(lp_next(zl, eptr));
    return eptr;
}

static unsigned char *lp_delete_pair(unsigned char *zl, unsigned char *eptr) {
    return lp_delete_range_at(zl, &eptr, 2);
}

/* ---- Lifetime ---- */

void zset_value_free(void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) lp_free(ptr);
    else sl_free(ptr);
}

void *zset_value_dup(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) return lp_dup(ptr);
    return sl_dup(ptr);
}

size_t zset_value_size(const void *ptr, enum kv_enc enc) {
    if (enc == KV_ENC_LISTPACK) return mem_usable(ptr);
    return sl_alloc_size(ptr);
}

void *zset_value_new(const zset_limits *lim, size_t first_len, size_t size_hint, enum kv_enc *enc) {
    if (lim->max_entries == 0 || size_hint > lim->max_entries || first_len > lim->max_value) {
        *enc = KV_ENC_SKIPLIST;
        return sl_new();
    }
    *enc = KV_ENC_LISTPACK;
    return lp_new(0);
}

/* ---- Reading ---- */

static inline bool is_lp(const kv *e) { return e->enc == KV_ENC_LISTPACK; }

unsigned long zset_len(const kv *e) {
    if (is_lp(e)) return lp_len(kv_ptr(e)) / 2;
    return ((skiplist *)kv_ptr(e))->length;
}

bool zset_score(const kv *e, const char *m, size_t len, double *score) {
    if (is_lp(e)) return lp_find_member(kv_ptr(e), m, len, score) != NULL;
    sl_node *n = sl_find(kv_ptr(e), m, len);
    if (n == NULL) return false;
    *score = n->score;
    return true;
}

long zset_rank(const kv *e, const char *m, size_t len, bool rev) {
    unsigned long n = zset_len(e), rank;
    if (is_lp(e)) {
        unsigned char *zl = kv_ptr(e);
        unsigned char *eptr = lp_first(zl);
        rank = 1;
        while (eptr && !lp_eq(eptr, m, len)) {
            rank++;
            eptr = lp_next(zl, lp_next(zl, eptr));
        }
        if (eptr == NULL) return -1;
    } else {
        skiplist *sl = kv_ptr(e);
        sl_node *node = sl_find(sl, m, len);
        if (node == NULL) return -1;
        rank = sl_rank(sl, node);
        ASSERT(rank != 0);
    }
    return rev ? (long)(n - rank) : (long)(rank - 1);
}

unsigned long zset_count_score(const kv *e, const sl_range *r) {
    if (is_lp(e)) {
        unsigned long count = 0;
        zset_iter it;
        for (zset_iter_score(&it, e, r, false); zset_iter_valid(&it); zset_iter_next(&it)) {
            if (!sl_value_lte_max(zset_iter_get_score(&it), r)) break;
            count++;
        }
        return count;
    }
    skiplist *sl = kv_ptr(e);
    sl_node *first = sl_first_in_range(sl, r);
    if (first == NULL) return 0;
    sl_node *last = sl_last_in_range(sl, r);
    return sl_rank(sl, last) - sl_rank(sl, first) + 1;
}

unsigned long zset_count_lex(const kv *e, const sl_lexrange *r) {
    if (is_lp(e)) {
        unsigned long count = 0;
        zset_iter it;
        for (zset_iter_lex(&it, e, r, false); zset_iter_valid(&it); zset_iter_next(&it)) {
            zset_elem el;
            zset_iter_get(&it, &el, false);
            if (!sl_lex_lte_max(el.m, el.len, r)) break;
            count++;
        }
        return count;
    }
    /* Members that are not in lex order (mixed scores) leave the result
     * unspecified: the two searches may disagree, and a first without a
     * last counts to the end, as zlexcountCommand() does. */
    skiplist *sl = kv_ptr(e);
    sl_node *first = sl_first_in_lex(sl, r);
    if (first == NULL) return 0;
    unsigned long count = sl->length - (sl_rank(sl, first) - 1);
    sl_node *last = sl_last_in_lex(sl, r);
    if (last != NULL) count -= sl->length - sl_rank(sl, last);
    return count;
}

/* ---- Conversion ---- */

void zset_convert(kv *e, enum kv_enc to) {
    if (e->enc == to) return;
    if (to == KV_ENC_SKIPLIST) {
        unsigned char *zl = kv_ptr(e);
        skiplist *sl = sl_new();
        dict_expand(sl->dict, lp_len(zl) / 2);
        unsigned char buf[LP_INTBUF_SIZE];
        for (unsigned char *eptr = lp_first(zl); eptr;) {
            unsigned char *sptr = lp_next(zl, eptr);
            size_t len;
            const char *m = lp_text(eptr, buf, &len);
            sl_insert(sl, lp_score(sptr), m, len);
            eptr = lp_next(zl, sptr);
        }
        lp_free(zl);
        kv_set_ptr(e, sl);
    } else {
        skiplist *sl = kv_ptr(e);
        unsigned char *zl = lp_new(0);
        for (sl_node *n = sl_first(sl); n; n = sl_next(n))
            zl = lp_insert_pair(zl, NULL, sl_member(n), n->len, n->score);
        sl_free(sl);
        kv_set_ptr(e, zl);
    }
    e->enc = to;
}

void zset_shrink_if_fits(kv *e, size_t maxlen, const zset_limits *lim) {
    if (is_lp(e)) return;
    if (zset_len(e) <= lim->max_entries && maxlen <= lim->max_value)
        zset_convert(e, KV_ENC_LISTPACK);
}

/* ---- Writing ---- */

bool zset_add(kv *e, double score, const char *m, size_t len, int in, int *out, double *newscore,
              const zset_limits *lim) {
    bool incr = in & ZSET_IN_INCR, nx = in & ZSET_IN_NX, xx = in & ZSET_IN_XX;
    bool gt = in & ZSET_IN_GT, lt = in & ZSET_IN_LT;
    *out = 0;
    if (isnan(score)) {
        *out = ZSET_OUT_NAN;
        return false;
    }
    double cur;
    bool found;
    unsigned char *eptr = NULL;
    sl_node *node = NULL;
    uint64_t h = 0;
    bool was_sl = !is_lp(e);
    if (is_lp(e)) {
        eptr = lp_find_member(kv_ptr(e), m, len, &cur);
        found = eptr != NULL;
    } else {
        h = sl_member_hash(m, len);
        node = sl_find_h(kv_ptr(e), m, len, h);
        found = node != NULL;
        if (found) cur = node->score;
    }
    if (found) {
        if (nx) {
            *out = ZSET_OUT_NOP;
            return true;
        }
        if (incr) {
            score += cur;
            if (isnan(score)) {
                *out = ZSET_OUT_NAN;
                return false;
            }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) {
            *out = ZSET_OUT_NOP;
            return true;
        }
        if (newscore) *newscore = score;
        if (score != cur) {
            if (is_lp(e)) {
                unsigned char *zl = lp_delete_pair(kv_ptr(e), eptr);
                kv_set_ptr(e, lp_insert_sorted(zl, m, len, score));
            } else {
                sl_update_score(kv_ptr(e), node, score);
            }
            *out = ZSET_OUT_UPDATED;
        }
        return true;
    }
    if (xx) {
        *out = ZSET_OUT_NOP;
        return true;
    }
    if (is_lp(e)) {
        unsigned char *zl = kv_ptr(e);
        if (lp_len(zl) / 2 + 1 > lim->max_entries || len > lim->max_value ||
            !lp_safe_to_add(zl, len)) {
            zset_convert(e, KV_ENC_SKIPLIST);
        } else {
            kv_set_ptr(e, lp_insert_sorted(zl, m, len, score));
        }
    }
    if (!is_lp(e)) {
        if (!was_sl) h = sl_member_hash(m, len); /* just converted from a listpack */
        sl_insert_h(kv_ptr(e), score, m, len, h);
    }
    if (newscore) *newscore = score;
    *out = ZSET_OUT_ADDED;
    return true;
}

bool zset_del(kv *e, const char *m, size_t len) {
    if (is_lp(e)) {
        unsigned char *zl = kv_ptr(e);
        unsigned char *eptr = lp_find_member(zl, m, len, NULL);
        if (eptr == NULL) return false;
        kv_set_ptr(e, lp_delete_pair(zl, eptr));
        return true;
    }
    skiplist *sl = kv_ptr(e);
    sl_node *n = sl_find(sl, m, len);
    if (n == NULL) return false;
    sl_delete(sl, n);
    dict_shrink_if_needed(sl->dict);
    return true;
}

unsigned long zset_delete_score(kv *e, const sl_range *r) {
    if (!is_lp(e)) {
        skiplist *sl = kv_ptr(e);
        unsigned long n = sl_delete_range_by_score(sl, r);
        dict_shrink_if_needed(sl->dict);
        return n;
    }
    zset_iter it;
    zset_iter_score(&it, e, r, false);
    if (!zset_iter_valid(&it)) return 0;
    unsigned char *zl = it.zl, *eptr = it.eptr;
    unsigned long n = 0;
    while (eptr && sl_value_lte_max(lp_score(lp_next(zl, eptr)), r)) {
        zl = lp_delete_range_at(zl, &eptr, 2);
        n++;
    }
    kv_set_ptr(e, zl);
    return n;
}

unsigned long zset_delete_lex(kv *e, const sl_lexrange *r) {
    if (!is_lp(e)) {
        skiplist *sl = kv_ptr(e);
        unsigned long n = sl_delete_range_by_lex(sl, r);
        dict_shrink_if_needed(sl->dict);
        return n;
    }
    zset_iter it;
    zset_iter_lex(&it, e, r, false);
    if (!zset_iter_valid(&it)) return 0;
    unsigned char *zl = it.zl, *eptr = it.eptr;
    unsigned long n = 0;
    unsigned char buf[LP_INTBUF_SIZE];
    while (eptr) {
        size_t len;
        const char *m = lp_text(eptr, buf, &len);
        if (!sl_lex_lte_max(m, len, r)) break;
        zl = lp_delete_range_at(zl, &eptr, 2);
        n++;
    }
    kv_set_ptr(e, zl);
    return n;
}

unsigned long zset_delete_rank(kv *e, unsigned long start, unsigned long end) {
    unsigned long num = end - start + 1;
    if (is_lp(e)) {
        kv_set_ptr(e, lp_delete_range(kv_ptr(e), (long)(2 * start), 2 * num));
        return num;
    }
    skiplist *sl = kv_ptr(e);
    unsigned long n = sl_delete_range_by_rank(sl, start + 1, end + 1);
    dict_shrink_if_needed(sl->dict);
    return n;
}

/* ---- Iteration ---- */

static void iter_setup(zset_iter *it, const kv *e, bool rev) {
    it->lp = is_lp(e);
    it->rev = rev;
    it->zl = it->lp ? kv_ptr(e) : NULL;
    it->eptr = it->sptr = NULL;
    it->node = NULL;
}

static void lp_at(zset_iter *it, unsigned char *eptr) {
    it->eptr = eptr;
    it->sptr = eptr ? lp_next(it->zl, eptr) : NULL;
}

void zset_iter_init(zset_iter *it, const kv *e, bool rev) {
    iter_setup(it, e, rev);
    if (it->lp) lp_at(it, lp_seek(it->zl, rev ? -2 : 0));
    else it->node = rev ? ((skiplist *)kv_ptr(e))->tail : sl_first(kv_ptr(e));
}

void zset_iter_rank(zset_iter *it, const kv *e, unsigned long rank, bool rev) {
    iter_setup(it, e, rev);
    if (it->lp) {
        long idx = rev ? -2 - 2 * (long)rank : 2 * (long)rank;
        lp_at(it, lp_seek(it->zl, idx));
        return;
    }
    skiplist *sl = kv_ptr(e);
    if (rank >= sl->length) return;
    it->node = sl_by_rank(sl, rev ? sl->length - rank : rank + 1);
}

void zset_iter_next(zset_iter *it) {
    if (!it->lp) {
        it->node = it->rev ? it->node->backward : sl_next(it->node);
        return;
    }
    if (it->rev) {
        unsigned char *sptr = lp_prev(it->zl, it->eptr);
        it->eptr = sptr ? lp_prev(it->zl, sptr) : NULL;
        it->sptr = sptr;
    } else {
        lp_at(it, lp_next(it->zl, it->sptr));
    }
}

void zset_iter_get(const zset_iter *it, zset_elem *out, bool want_score) {
    if (it->lp) {
        out->m = lp_text(it->eptr, out->buf, &out->len);
        out->score = want_score ? lp_score(it->sptr) : 0;
    } else {
        out->m = sl_member(it->node);
        out->len = it->node->len;
        out->score = it->node->score;
    }
}

double zset_iter_get_score(const zset_iter *it) {
    return it->lp ? lp_score(it->sptr) : it->node->score;
}

void zset_iter_score(zset_iter *it, const kv *e, const sl_range *r, bool rev) {
    iter_setup(it, e, rev);
    if (!it->lp) {
        it->node = rev ? sl_last_in_range(kv_ptr(e), r) : sl_first_in_range(kv_ptr(e), r);
        return;
    }
    /* Redis's zzlIsInRange first: both ends of the set must reach into the
     * range. Then walk from the end the range starts at, stopping at the
     * first member inside it, or giving up at the first one past it. */
    if (sl_range_is_empty(r)) return;
    unsigned char *last = lp_seek(it->zl, -1), *first = lp_seek(it->zl, 1);
    if (last == NULL || !sl_value_gte_min(lp_score(last), r) ||
        !sl_value_lte_max(lp_score(first), r))
        return;
    for (zset_iter_init(it, e, rev); zset_iter_valid(it); zset_iter_next(it)) {
        double s = lp_score(it->sptr);
        bool past_start = rev ? sl_value_lte_max(s, r) : sl_value_gte_min(s, r);
        if (!past_start) continue;
        bool inside = rev ? sl_value_gte_min(s, r) : sl_value_lte_max(s, r);
        if (!inside) it->eptr = it->sptr = NULL;
        return;
    }
}

void zset_iter_lex(zset_iter *it, const kv *e, const sl_lexrange *r, bool rev) {
    iter_setup(it, e, rev);
    if (!it->lp) {
        it->node = rev ? sl_last_in_lex(kv_ptr(e), r) : sl_first_in_lex(kv_ptr(e), r);
        return;
    }
    /* As above (Redis's zzlIsInLexRange). This precheck matters: members
     * with different scores are not in member order, and Redis answers
     * by these exact steps. */
    if (sl_lexrange_is_empty(r)) return;
    unsigned char buf[LP_INTBUF_SIZE];
    unsigned char *last = lp_seek(it->zl, -2), *first = lp_seek(it->zl, 0);
    if (last == NULL) return;
    size_t len;
    const char *m = lp_text(last, buf, &len);
    if (!sl_lex_gte_min(m, len, r)) return;
    m = lp_text(first, buf, &len);
    if (!sl_lex_lte_max(m, len, r)) return;
    for (zset_iter_init(it, e, rev); zset_iter_valid(it); zset_iter_next(it)) {
        m = lp_text(it->eptr, buf, &len);
        bool past_start = rev ? sl_lex_lte_max(m, len, r) : sl_lex_gte_min(m, len, r);
        if (!past_start) continue;
        bool inside = rev ? sl_lex_gte_min(m, len, r) : sl_lex_lte_max(m, len, r);
        if (!inside) it->eptr = it->sptr = NULL;
        return;
    }
}

void zset_random(const kv *e, zset_elem *out) {
    if (is_lp(e)) {
        unsigned char *zl = kv_ptr(e);
        unsigned char *eptr = lp_random(zl, 2);
        ASSERT(eptr != NULL);
        out->m = lp_text(eptr, out->buf, &out->len);
        out->score = lp_score(lp_next(zl, eptr));
        return;
    }
    sl_node *n = dict_random(((skiplist *)kv_ptr(e))->dict);
    ASSERT(n != NULL);
    out->m = sl_member(n);
    out->len = n->len;
    out->score = n->score;
}
