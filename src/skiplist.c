/* skiplist.c -- sorted set skiplist with spans, plus its member table.
 *
 * William Pugh's skiplist as Redis uses it: ordered by score and then by
 * member bytes (memcmp, shorter first on a tie), backward links on level 0
 * for reverse walks, and per-level spans so that ranks cost O(log n).
 * Levels are drawn with p = 1/4, at most SL_MAXLEVEL.
 * The member table is an intrusive dict whose entries are the nodes
 * themselves (dict_link first), so a member is stored once, inside its node.
 * Invariants (sl_verify checks them): level-0 order is strict, the spans of
 * every level add up to 'length', and the table holds exactly the nodes.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "skiplist.h"

#include <math.h>
#include <string.h>

#include "util.h"

static const char *node_key(const void *entry, size_t *len) {
    const sl_node *n = entry;
    *len = n->len;
    return sl_member(n);
}

static const dict_type member_dict = {
    .hash = dict_hash_bytes,
    .key_of = node_key,
};

static sl_node *node_new(int height, double score, const char *m, size_t len) {
    sl_node *n = mem_alloc(sizeof(sl_node) + (size_t)height * sizeof(struct sl_level) + len);
    n->link.next = NULL;
    n->score = score;
    n->backward = NULL;
    n->len = (uint32_t)len;
    n->height = (uint8_t)height;
    if (len) memcpy((char *)&n->level[height], m, len);
    return n;
}

static int random_level(void) {
    uint64_t r = util_rand64();
    int level = 1;
    /* Two random bits per level: each further level has probability 1/4. */
    while ((r & 3) == 0 && level < SL_MAXLEVEL) {
        level++;
        r >>= 2;
    }
    return level;
}

/* Byte order of members, as Redis's sdscmp. */
/* Only the sign of the result means anything. Eight bytes at a time as
 * big-endian words: members with equal scores (GEOADD's nearby points)
 * are compared at every level of an insert's descent, and a call to
 * memcmp cost more than the compare. */
static inline int word_order(const char *a, const char *b) {
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x == y) return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
    y = __builtin_bswap64(y);
#endif
    return x < y ? -1 : 1;
}

static inline int member_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t min = alen < blen ? alen : blen;
    int c = 0;
    if (min >= 8) {
        size_t i = 0;
        for (; i + 8 <= min && c == 0; i += 8) c = word_order(a + i, b + i);
        /* The last partial word: overlap bytes already found equal. */
        if (c == 0 && i < min) c = word_order(a + min - 8, b + min - 8);
    } else if (min) {
        c = memcmp(a, b, min);
    }
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Does node n sort before (score, m)? */
static inline bool before(const sl_node *n, double score, const char *m, size_t len) {
    return n->score < score || (n->score == score && member_cmp(sl_member(n), n->len, m, len) < 0);
}

skiplist *sl_new(void) {
    skiplist *sl = mem_alloc(sizeof(*sl));
    sl->header = node_new(SL_MAXLEVEL, 0, NULL, 0);
    for (int i = 0; i < SL_MAXLEVEL; i++) {
        sl->header->level[i].forward = NULL;
        sl->header->level[i].span = 0;
    }
    sl->tail = NULL;
    sl->length = 0;
    sl->level = 1;
    sl->dict = dict_new(&member_dict);
    return sl;
}

void sl_free(skiplist *sl) {
    if (sl == NULL) return;
    dict_free(sl->dict); /* first: it walks its chains, through the nodes */
    sl_node *n = sl_first(sl);
    while (n) {
        sl_node *next = sl_next(n);
        mem_free(n);
        n = next;
    }
    mem_free(sl->header);
    mem_free(sl);
}

/* Fill update[] with the last node before (score, m) on every level and
 * rank[] with the rank of each. */
static void locate(const skiplist *sl, double score, const char *m, size_t len, sl_node **update,
                   unsigned long *rank) {
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        if (rank) rank[i] = i == sl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward && before(x->level[i].forward, score, m, len)) {
            if (rank) rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
}

/* Put an unlinked node into the list at its (score, member) place. */
static void link_node(skiplist *sl, sl_node *x) {
    sl_node *update[SL_MAXLEVEL];
    unsigned long rank[SL_MAXLEVEL];
    locate(sl, x->score, sl_member(x), x->len, update, rank);
    int level = x->height;
    if (level > sl->level) {
        for (int i = sl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = sl->header;
            update[i]->level[i].span = sl->length;
        }
        sl->level = level;
    }
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < sl->level; i++) update[i]->level[i].span++;
    x->backward = update[0] == sl->header ? NULL : update[0];
    if (x->level[0].forward) x->level[0].forward->backward = x;
    else sl->tail = x;
    sl->length++;
}

/* Take x out of the list; update[] as filled by locate() for x. */
static void unlink_node(skiplist *sl, sl_node *x, sl_node **update) {
    for (int i = 0; i < sl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward) x->level[0].forward->backward = x->backward;
    else sl->tail = x->backward;
    while (sl->level > 1 && sl->header->level[sl->level - 1].forward == NULL) sl->level--;
    sl->length--;
}

sl_node *sl_find(const skiplist *sl, const char *m, size_t len) {
    return dict_find(sl->dict, m, len);
}

sl_node *sl_find_h(const skiplist *sl, const char *m, size_t len, uint64_t h) {
    return dict_find_h(sl->dict, m, len, h);
}

sl_node *sl_insert(skiplist *sl, double score, const char *m, size_t len) {
    return sl_insert_h(sl, score, m, len, dict_hash_bytes(m, len));
}

sl_node *sl_insert_h(skiplist *sl, double score, const char *m, size_t len, uint64_t h) {
    ASSERT(!isnan(score));
    sl_node *x = node_new(random_level(), score, m, len);
    link_node(sl, x);
    dict_add_h(sl->dict, x, h);
    return x;
}

void sl_delete(skiplist *sl, sl_node *n) {
    sl_node *update[SL_MAXLEVEL];
    locate(sl, n->score, sl_member(n), n->len, update, NULL);
    ASSERT(update[0]->level[0].forward == n);
    unlink_node(sl, n, update);
    void *e = dict_unlink(sl->dict, sl_member(n), n->len);
    ASSERT(e == n);
    mem_free(n);
}

void sl_update_score(skiplist *sl, sl_node *n, double score) {
    ASSERT(!isnan(score));
    /* Still between its neighbours: change the score in place. */
    if ((n->backward == NULL || n->backward->score < score) &&
        (n->level[0].forward == NULL || n->level[0].forward->score > score)) {
        n->score = score;
        return;
    }
    sl_node *update[SL_MAXLEVEL];
    locate(sl, n->score, sl_member(n), n->len, update, NULL);
    ASSERT(update[0]->level[0].forward == n);
    unlink_node(sl, n, update);
    n->score = score;
    link_node(sl, n);
}

unsigned long sl_rank(const skiplist *sl, const sl_node *n) {
    const char *m = sl_member(n);
    unsigned long rank = 0;
    const sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               (x->level[i].forward == n || before(x->level[i].forward, n->score, m, n->len))) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x == n) return rank;
    }
    return 0;
}

sl_node *sl_by_rank(const skiplist *sl, unsigned long rank) {
    unsigned long traversed = 0;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank) return x == sl->header ? NULL : x;
    }
    return NULL;
}

/* ---- Score ranges ---- */

bool sl_value_gte_min(double v, const sl_range *r) { return r->minex ? v > r->min : v >= r->min; }
bool sl_value_lte_max(double v, const sl_range *r) { return r->maxex ? v < r->max : v <= r->max; }

bool sl_range_is_empty(const sl_range *r) {
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

static bool in_range(const skiplist *sl, const sl_range *r) {
    if (sl_range_is_empty(r)) return false;
    if (sl->tail == NULL || !sl_value_gte_min(sl->tail->score, r)) return false;
    sl_node *first = sl_first(sl);
    return first != NULL && sl_value_lte_max(first->score, r);
}

sl_node *sl_first_in_range(const skiplist *sl, const sl_range *r) {
    if (!in_range(sl, r)) return NULL;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--)
        while (x->level[i].forward && !sl_value_gte_min(x->level[i].forward->score, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    ASSERT(x != NULL);
    return sl_value_lte_max(x->score, r) ? x : NULL;
}

sl_node *sl_last_in_range(const skiplist *sl, const sl_range *r) {
    if (!in_range(sl, r)) return NULL;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--)
        while (x->level[i].forward && sl_value_lte_max(x->level[i].forward->score, r))
            x = x->level[i].forward;
    ASSERT(x != sl->header);
    return sl_value_gte_min(x->score, r) ? x : NULL;
}

/* ---- Lexicographic ranges ---- */

/* Compare a member with one end of a lex range: "-" is below everything,
 * "+" above everything. */
static int lex_cmp(const char *m, size_t len, const sl_lex_end *e) {
    if (e->kind == SL_LEX_NEG) return 1;
    if (e->kind == SL_LEX_POS) return -1;
    return member_cmp(m, len, e->p, e->len);
}

bool sl_lex_gte_min(const char *m, size_t len, const sl_lexrange *r) {
    int c = lex_cmp(m, len, &r->min);
    return r->min.ex ? c > 0 : c >= 0;
}

bool sl_lex_lte_max(const char *m, size_t len, const sl_lexrange *r) {
    int c = lex_cmp(m, len, &r->max);
    return r->max.ex ? c < 0 : c <= 0;
}

bool sl_lexrange_is_empty(const sl_lexrange *r) {
    int c;
    if (r->min.kind == r->max.kind && r->min.kind != SL_LEX_STR) c = 0;
    else if (r->min.kind == SL_LEX_NEG || r->max.kind == SL_LEX_POS) c = -1;
    else if (r->min.kind == SL_LEX_POS || r->max.kind == SL_LEX_NEG) c = 1;
    else c = member_cmp(r->min.p, r->min.len, r->max.p, r->max.len);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}

static bool in_lex_range(const skiplist *sl, const sl_lexrange *r) {
    if (sl_lexrange_is_empty(r)) return false;
    sl_node *x = sl->tail;
    if (x == NULL || !sl_lex_gte_min(sl_member(x), x->len, r)) return false;
    x = sl_first(sl);
    return x != NULL && sl_lex_lte_max(sl_member(x), x->len, r);
}

sl_node *sl_first_in_lex(const skiplist *sl, const sl_lexrange *r) {
    if (!in_lex_range(sl, r)) return NULL;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               !sl_lex_gte_min(sl_member(x->level[i].forward), x->level[i].forward->len, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    ASSERT(x != NULL);
    return sl_lex_lte_max(sl_member(x), x->len, r) ? x : NULL;
}

sl_node *sl_last_in_lex(const skiplist *sl, const sl_lexrange *r) {
    if (!in_lex_range(sl, r)) return NULL;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               sl_lex_lte_max(sl_member(x->level[i].forward), x->level[i].forward->len, r))
            x = x->level[i].forward;
    ASSERT(x != sl->header);
    return sl_lex_gte_min(sl_member(x), x->len, r) ? x : NULL;
}

/* ---- Bulk deletion ---- */

/* Unlink and free x, whose predecessors on every level are update[]. */
static void drop(skiplist *sl, sl_node *x, sl_node **update) {
    unlink_node(sl, x, update);
    void *e = dict_unlink(sl->dict, sl_member(x), x->len);
    ASSERT(e == x);
    mem_free(x);
}

unsigned long sl_delete_range_by_score(skiplist *sl, const sl_range *r) {
    sl_node *update[SL_MAXLEVEL];
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !sl_value_gte_min(x->level[i].forward->score, r))
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    unsigned long removed = 0;
    while (x && sl_value_lte_max(x->score, r)) {
        sl_node *next = x->level[0].forward;
        drop(sl, x, update);
        removed++;
        x = next;
    }
    return removed;
}

unsigned long sl_delete_range_by_lex(skiplist *sl, const sl_lexrange *r) {
    sl_node *update[SL_MAXLEVEL];
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               !sl_lex_gte_min(sl_member(x->level[i].forward), x->level[i].forward->len, r))
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    unsigned long removed = 0;
    while (x && sl_lex_lte_max(sl_member(x), x->len, r)) {
        sl_node *next = x->level[0].forward;
        drop(sl, x, update);
        removed++;
        x = next;
    }
    return removed;
}

unsigned long sl_delete_range_by_rank(skiplist *sl, unsigned long start, unsigned long end) {
    sl_node *update[SL_MAXLEVEL];
    unsigned long traversed = 0, removed = 0;
    sl_node *x = sl->header;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    traversed++;
    x = x->level[0].forward;
    while (x && traversed <= end) {
        sl_node *next = x->level[0].forward;
        drop(sl, x, update);
        removed++;
        traversed++;
        x = next;
    }
    return removed;
}

/* ---- Copies, sizes, checks ---- */

skiplist *sl_dup(const skiplist *sl) {
    skiplist *n = sl_new();
    dict_expand(n->dict, sl->length);
    /* From the tail down: each insert lands at the front, in O(level). */
    for (sl_node *x = sl->tail; x; x = x->backward) sl_insert(n, x->score, sl_member(x), x->len);
    return n;
}

size_t sl_alloc_size(const skiplist *sl) {
    size_t n = mem_usable(sl) + mem_usable(sl->header) + dict_overhead(sl->dict);
    for (sl_node *x = sl_first(sl); x; x = sl_next(x)) n += mem_usable(x);
    return n;
}

bool sl_verify(const skiplist *sl) {
    if (dict_len(sl->dict) != sl->length) return false;
    /* Level 0: order, backward links, table membership. */
    unsigned long count = 0;
    const sl_node *prev = NULL;
    for (const sl_node *x = sl_first(sl); x; x = sl_next(x)) {
        if (x->backward != prev) return false;
        if (prev && !before(prev, x->score, sl_member(x), x->len)) return false;
        if (sl_find(sl, sl_member(x), x->len) != x) return false;
        if (x->height > sl->level) return false;
        prev = x;
        count++;
    }
    if (count != sl->length || sl->tail != prev) return false;
    /* Every level: spans add up to the distance in level-0 steps. */
    for (int i = 0; i < sl->level; i++) {
        unsigned long pos = 0;
        const sl_node *x = sl->header;
        while (x) {
            const sl_node *f = x->level[i].forward;
            unsigned long steps = 0;
            const sl_node *y = x;
            if (f) {
                while (y && y != f) {
                    y = y == sl->header ? sl_first(sl) : sl_next(y);
                    steps++;
                }
                if (y != f || x->level[i].span != steps) return false;
            } else if (x->level[i].span != sl->length - pos) {
                return false;
            }
            pos += steps;
            x = f;
        }
    }
    return true;
}
