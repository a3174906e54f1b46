/* test_quicklist.c -- unit tests for quicklist.c.
 *
 * Most tests run a list of operations against both the quicklist and a
 * plain model (an array of strings), for every fill from -5 to a few
 * element counts and compress depths 0..3, and compare the whole list after
 * each step. check_shape() also verifies the invariants: node counts sum to
 * the element count, links agree both ways, the ends are never compressed
 * and no node within the compress depth is compressed. */
#include "quicklist.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "util.h"
#include "unit.h"

/* ---- The model ---- */

typedef struct model {
    char **v;
    size_t *len;
    size_t n, cap;
} model;

static void m_insert(model *m, size_t at, const char *s, size_t len) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = realloc(m->v, m->cap * sizeof(char *));
        m->len = realloc(m->len, m->cap * sizeof(size_t));
    }
    memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof(char *));
    memmove(m->len + at + 1, m->len + at, (m->n - at) * sizeof(size_t));
    m->v[at] = malloc(len + 1);
    memcpy(m->v[at], s, len);
    m->len[at] = len;
    m->n++;
}

static void m_delete(model *m, size_t at) {
    free(m->v[at]);
    memmove(m->v + at, m->v + at + 1, (m->n - at - 1) * sizeof(char *));
    memmove(m->len + at, m->len + at + 1, (m->n - at - 1) * sizeof(size_t));
    m->n--;
}

static void m_free(model *m) {
    for (size_t i = 0; i < m->n; i++) free(m->v[i]);
    free(m->v);
    free(m->len);
    memset(m, 0, sizeof(*m));
}

/* The text of an entry (integers as decimal). */
static size_t entry_text(const ql_entry *e, char *buf, const char **out) {
    if (e->value) {
        *out = (const char *)e->value;
        return e->sz;
    }
    *out = buf;
    return util_ll2str(buf, e->lval);
}

static void check_shape(const quicklist *ql) {
    unsigned long count = 0, len = 0;
    const ql_node *prev = NULL;
    for (const ql_node *n = ql->head; n; n = n->next) {
        ASSERT(n->prev == prev);
        ASSERT(n->count > 0);
        if (n->container == QL_NODE_PACKED && n->encoding == QL_NODE_RAW) {
            ASSERT_EQ(lp_len(n->entry), n->count);
            ASSERT_EQ(lp_bytes(n->entry), n->sz);
        }
        count += n->count;
        len++;
        prev = n;
    }
    ASSERT(ql->tail == prev);
    ASSERT_EQ(count, ql->count);
    ASSERT_EQ(len, ql->len);
    if (ql->head) ASSERT_EQ(ql->head->encoding, QL_NODE_RAW);
    if (ql->tail) ASSERT_EQ(ql->tail->encoding, QL_NODE_RAW);
    /* Nodes within the depth from either end are raw. */
    const ql_node *f = ql->head, *r = ql->tail;
    for (unsigned d = 0; d < ql->compress && f && r; d++) {
        ASSERT_EQ(f->encoding, QL_NODE_RAW);
        ASSERT_EQ(r->encoding, QL_NODE_RAW);
        ASSERT(f->recompress == 0 && r->recompress == 0);
        f = f->next;
        r = r->prev;
    }
    for (const ql_node *n = ql->head; n; n = n->next) ASSERT(n->recompress == 0);
}

static void check_equal(quicklist *ql, const model *m) {
    check_shape(ql);
    ASSERT_EQ(ql_count(ql), m->n);
    ql_iter it;
    ql_entry e;
    char buf[32];
    size_t i = 0;
    ql_iter_init(&it, ql, QL_HEAD);
    while (ql_next(&it, &e)) {
        ASSERT(i < m->n);
        const char *p;
        size_t l = entry_text(&e, buf, &p);
        ASSERT_MEMEQ(p, l, m->v[i], m->len[i]);
        i++;
    }
    ql_iter_clear(&it);
    ASSERT_EQ(i, m->n);
    /* Backward too. */
    ql_iter_init(&it, ql, QL_TAIL);
    while (ql_next(&it, &e)) {
        ASSERT(i > 0);
        i--;
        const char *p;
        size_t l = entry_text(&e, buf, &p);
        ASSERT_MEMEQ(p, l, m->v[i], m->len[i]);
    }
    ql_iter_clear(&it);
    ASSERT_EQ(i, 0);
    check_shape(ql);
}

/* ---- Random values ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Integers, short strings, and compressible longer strings. */
static size_t random_value(char *buf, size_t cap) {
    switch (rnd() % 4) {
    case 0: return util_ll2str(buf, (long long)(rnd() % 100000) - 50000);
    case 1: return (size_t)snprintf(buf, cap, "v%llu", (unsigned long long)(rnd() % 1000));
    case 2: {
        size_t n = 20 + rnd() % 200;
        for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + (i / 7) % 3);
        return n;
    }
    default: {
        size_t n = rnd() % 40;
        for (size_t i = 0; i < n; i++) buf[i] = (char)('A' + rnd() % 26);
        return n;
    }
    }
}

/* ---- Tests ---- */

static void test_push_pop_peek_both_ends(void) {
    quicklist *ql = ql_new(-2, 0);
    ql_push(ql, "b", 1, QL_HEAD);
    ql_push(ql, "a", 1, QL_HEAD);
    ql_push(ql, "123", 3, QL_TAIL);
    ASSERT_EQ(ql_count(ql), 3);
    ql_entry e;
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_MEMEQ(e.value, e.sz, "a", 1);
    ASSERT(ql_peek(ql, QL_TAIL, &e));
    ASSERT(e.value == NULL); /* stored as an integer */
    ASSERT_EQ(e.lval, 123);
    ASSERT(ql_pop_discard(ql, QL_TAIL));
    ASSERT(ql_pop_discard(ql, QL_HEAD));
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_MEMEQ(e.value, e.sz, "b", 1);
    ASSERT(ql_pop_discard(ql, QL_HEAD));
    ASSERT_EQ(ql_count(ql), 0);
    ASSERT(ql->head == NULL && ql->tail == NULL && ql->len == 0);
    ASSERT(!ql_peek(ql, QL_HEAD, &e));
    ASSERT(!ql_pop_discard(ql, QL_TAIL));
    ql_free(ql);
}

static void test_fill_by_count_and_by_size(void) {
    /* Positive fill: at most that many elements per node. */
    quicklist *ql = ql_new(4, 0);
    for (int i = 0; i < 10; i++) ql_push(ql, "x", 1, QL_TAIL);
    ASSERT_EQ(ql->len, 3);
    ASSERT_EQ(ql->head->count, 4);
    ASSERT_EQ(ql->tail->count, 2);
    ql_free(ql);
    /* Negative fill: -1 keeps nodes within 4 KB. */
    ql = ql_new(-1, 0);
    char big[1000];
    memset(big, 'z', sizeof(big));
    for (int i = 0; i < 20; i++) ql_push(ql, big, sizeof(big), QL_TAIL);
    for (ql_node *n = ql->head; n; n = n->next) ASSERT(n->sz <= 4096);
    ASSERT(ql->len >= 5);
    ql_free(ql);
    /* Positive fill still stops at the 8 KB safety limit. */
    ql = ql_new(1000, 0);
    for (int i = 0; i < 20; i++) ql_push(ql, big, sizeof(big), QL_TAIL);
    for (ql_node *n = ql->head; n; n = n->next) ASSERT(n->sz <= 8192);
    ASSERT(ql->len >= 3);
    ql_free(ql);
}

static void test_fill_clamped_like_redis(void) {
    quicklist *ql = ql_new(-9, -3);
    ASSERT_EQ(ql->fill, -5);
    ASSERT_EQ(ql->compress, 0);
    ql_free(ql);
    ql = ql_new(100000, 70000);
    ASSERT_EQ(ql->fill, 32767);
    ASSERT_EQ(ql->compress, 65535);
    ql_free(ql);
}

static void test_compression_of_interior_nodes(void) {
    quicklist *ql = ql_new(4, 1);
    char buf[200];
    memset(buf, 'q', sizeof(buf));
    for (int i = 0; i < 40; i++) ql_push(ql, buf, sizeof(buf), QL_TAIL);
    ASSERT_EQ(ql->len, 10);
    int lzf = 0;
    for (ql_node *n = ql->head; n; n = n->next) lzf += n->encoding == QL_NODE_LZF;
    ASSERT_EQ(lzf, 8); /* all but head and tail */
    const void *data;
    size_t csz = ql_node_lzf(ql->head->next, &data);
    ASSERT(csz > 0 && csz < ql->head->next->sz);
    /* Reading an interior element decompresses only while needed. */
    ql_iter it;
    ql_entry e;
    ASSERT(ql_iter_init_at(&it, ql, QL_HEAD, 20));
    ASSERT(ql_next(&it, &e));
    ASSERT_MEMEQ(e.value, e.sz, buf, sizeof(buf));
    ql_iter_clear(&it);
    lzf = 0;
    for (ql_node *n = ql->head; n; n = n->next) lzf += n->encoding == QL_NODE_LZF;
    ASSERT_EQ(lzf, 8);
    /* A copy keeps the encoding and the contents. */
    quicklist *copy = ql_dup(ql);
    ASSERT_EQ(copy->count, 40);
    ASSERT_EQ(copy->len, 10);
    ASSERT(ql_iter_init_at(&it, copy, QL_TAIL, -17));
    ASSERT(ql_next(&it, &e));
    ASSERT_MEMEQ(e.value, e.sz, buf, sizeof(buf));
    ql_iter_clear(&it);
    check_shape(copy);
    ql_free(copy);
    ql_free(ql);
}

static void test_small_nodes_are_not_compressed(void) {
    quicklist *ql = ql_new(1, 1);
    for (int i = 0; i < 5; i++) ql_push(ql, "ab", 2, QL_TAIL);
    for (ql_node *n = ql->head; n; n = n->next) ASSERT_EQ(n->encoding, QL_NODE_RAW);
    ql_free(ql);
}

static void test_plain_nodes_for_large_elements(void) {
    ASSERT(ql_set_packed_threshold(100));
    quicklist *ql = ql_new(-2, 0);
    char big[150];
    memset(big, 'P', sizeof(big));
    ql_push(ql, "a", 1, QL_TAIL);
    ql_push(ql, big, sizeof(big), QL_TAIL);
    ql_push(ql, "b", 1, QL_TAIL);
    ASSERT_EQ(ql->len, 3);
    ASSERT_EQ(ql->head->next->container, QL_NODE_PLAIN);
    ql_entry e;
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ql_pop_discard(ql, QL_HEAD);
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_MEMEQ(e.value, e.sz, big, sizeof(big));
    ASSERT(ql_entry_eq(&e, big, sizeof(big)));
    /* Replacing the plain element with a small one packs it again. */
    ASSERT(ql_replace_at(ql, 0, "small", 5));
    check_shape(ql);
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_MEMEQ(e.value, e.sz, "small", 5);
    ASSERT_EQ(ql->head->container, QL_NODE_PACKED);
    /* And a packed element replaced by a large one becomes plain. */
    ql_push(ql, "c", 1, QL_TAIL);
    ASSERT(ql_replace_at(ql, 1, big, sizeof(big)));
    check_shape(ql);
    ASSERT_EQ(ql_count(ql), 3);
    ql_iter it;
    ASSERT(ql_iter_init_at(&it, ql, QL_HEAD, 1));
    ASSERT(ql_next(&it, &e));
    ASSERT_EQ(e.node->container, QL_NODE_PLAIN);
    ql_iter_clear(&it);
    ql_rotate(ql); /* tail "c" to the head */
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_MEMEQ(e.value, e.sz, "c", 1);
    ql_push(ql, big, sizeof(big), QL_TAIL);
    ql_rotate(ql); /* a plain tail moves as a node */
    ASSERT(ql_peek(ql, QL_HEAD, &e));
    ASSERT_EQ(e.node->container, QL_NODE_PLAIN);
    check_shape(ql);
    ql_free(ql);
    ASSERT(!ql_set_packed_threshold((size_t)1 << 33));
    ASSERT(ql_set_packed_threshold(0));
}

static void test_index_from_both_ends(void) {
    quicklist *ql = ql_new(3, 0);
    char buf[32];
    for (int i = 0; i < 100; i++) ql_push(ql, buf, util_ll2str(buf, i), QL_TAIL);
    for (long long i = -100; i < 100; i++) {
        ql_iter it;
        ql_entry e;
        ASSERT(ql_iter_init_at(&it, ql, QL_HEAD, i));
        ASSERT(ql_next(&it, &e));
        ASSERT(e.value == NULL);
        ASSERT_EQ(e.lval, i < 0 ? 100 + i : i);
        ql_iter_clear(&it);
    }
    ql_iter it;
    ASSERT(!ql_iter_init_at(&it, ql, QL_HEAD, 100));
    ASSERT(!ql_iter_init_at(&it, ql, QL_HEAD, -101));
    ql_entry e;
    ASSERT(!ql_next(&it, &e));
    ql_free(ql);
}

static void test_rotate(void) {
    quicklist *ql = ql_new(2, 0);
    model m = {0};
    const char *vals[] = {"1", "two", "3", "four", "5"};
    for (int i = 0; i < 5; i++) {
        ql_push(ql, vals[i], strlen(vals[i]), QL_TAIL);
        m_insert(&m, m.n, vals[i], strlen(vals[i]));
    }
    for (int r = 0; r < 7; r++) {
        ql_rotate(ql);
        char *last = m.v[m.n - 1];
        size_t ll = m.len[m.n - 1];
        m_insert(&m, 0, last, ll);
        m_delete(&m, m.n - 1);
        check_equal(ql, &m);
    }
    /* A single-node list rotates within its listpack. */
    quicklist *one = ql_new(-2, 0);
    ql_push(one, "a", 1, QL_TAIL);
    ql_push(one, "longer-value", 12, QL_TAIL);
    ql_rotate(one);
    ql_entry e;
    ql_peek(one, QL_HEAD, &e);
    ASSERT_MEMEQ(e.value, e.sz, "longer-value", 12);
    ql_free(one);
    m_free(&m);
    ql_free(ql);
}

static void test_del_range_variants(void) {
    for (int fill = -2; fill <= 5; fill += 7) {
        for (long start = -12; start < 12; start += 3) {
            for (long count = 0; count < 14; count += 4) {
                quicklist *ql = ql_new(fill == -2 ? -2 : 3, 1);
                model m = {0};
                char buf[32];
                for (int i = 0; i < 10; i++) {
                    size_t l = (size_t)snprintf(buf, sizeof(buf), "e%d", i);
                    ql_push(ql, buf, l, QL_TAIL);
                    m_insert(&m, m.n, buf, l);
                }
                ql_del_range(ql, start, count);
                long s = start < 0 ? 10 + start : start;
                if (s >= 0 && s < 10) {
                    long ext = count;
                    if (ext > 10 - s) ext = 10 - s;
                    for (long k = 0; k < ext; k++) m_delete(&m, (size_t)s);
                }
                check_equal(ql, &m);
                m_free(&m);
                ql_free(ql);
            }
        }
    }
}

static void test_delete_while_iterating_both_ways(void) {
    for (int dir = 0; dir < 2; dir++) {
        quicklist *ql = ql_new(3, 1);
        model m = {0};
        char buf[64];
        for (int i = 0; i < 60; i++) {
            size_t l = (size_t)snprintf(buf, sizeof(buf), "%s-%d-padding-padding-padding",
                                        i % 3 == 0 ? "del" : "keep", i);
            ql_push(ql, buf, l, QL_TAIL);
            m_insert(&m, m.n, buf, l);
        }
        ql_iter it;
        ql_entry e;
        ql_iter_init(&it, ql, dir == 0 ? QL_HEAD : QL_TAIL);
        while (ql_next(&it, &e)) {
            if (e.value && e.sz >= 3 && memcmp(e.value, "del", 3) == 0) ql_del_entry(&it, &e);
        }
        ql_iter_clear(&it);
        for (size_t i = m.n; i-- > 0;)
            if (memcmp(m.v[i], "del", 3) == 0) m_delete(&m, i);
        check_equal(ql, &m);
        m_free(&m);
        ql_free(ql);
    }
}

/* Random operations against the model for many fills and depths. */
static void run_random(int fill, int compress, int steps, size_t threshold) {
    ASSERT(ql_set_packed_threshold(threshold));
    quicklist *ql = ql_new(fill, compress);
    model m = {0};
    char buf[512];
    for (int step = 0; step < steps; step++) {
        int op = (int)(rnd() % 10);
        size_t l = random_value(buf, sizeof(buf));
        if (op <= 2) {
            bool head = rnd() & 1;
            ql_push(ql, buf, l, head ? QL_HEAD : QL_TAIL);
            m_insert(&m, head ? 0 : m.n, buf, l);
        } else if (op == 3 && m.n) {
            bool head = rnd() & 1;
            ASSERT(ql_pop_discard(ql, head ? QL_HEAD : QL_TAIL));
            m_delete(&m, head ? 0 : m.n - 1);
        } else if (op == 4 && m.n) {
            /* Insert before/after a random element (LINSERT). */
            size_t at = rnd() % m.n;
            bool after = rnd() & 1;
            ql_iter it;
            ql_entry e;
            ASSERT(ql_iter_init_at(&it, ql, QL_HEAD, (long long)at));
            ASSERT(ql_next(&it, &e));
            if (after) ql_insert_after(&it, &e, buf, l);
            else ql_insert_before(&it, &e, buf, l);
            ql_iter_clear(&it);
            m_insert(&m, after ? at + 1 : at, buf, l);
        } else if (op == 5 && m.n) {
            size_t at = rnd() % m.n;
            long long idx = (rnd() & 1) ? (long long)at : (long long)at - (long long)m.n;
            ASSERT(ql_replace_at(ql, idx, buf, l));
            free(m.v[at]);
            m.v[at] = malloc(l + 1);
            memcpy(m.v[at], buf, l);
            m.len[at] = l;
        } else if (op == 6 && m.n) {
            long start = (long)(rnd() % (m.n + 2)) - (long)(rnd() % 3 == 0 ? m.n : 0);
            long count = (long)(rnd() % 6);
            ql_del_range(ql, start, count);
            long s = start < 0 ? (long)m.n + start : start;
            if (s >= 0 && (size_t)s < m.n) {
                long ext = count;
                if (start < 0 && ext > -start) ext = -start;
                if (ext > (long)m.n - s) ext = (long)m.n - s;
                for (long k = 0; k < ext; k++) m_delete(&m, (size_t)s);
            }
        } else if (op == 7 && m.n) {
            /* Delete every element equal to a random one (LREM). */
            size_t at = rnd() % m.n;
            char *target = malloc(m.len[at] + 1);
            size_t tl = m.len[at];
            memcpy(target, m.v[at], tl);
            bool fwd = rnd() & 1;
            ql_iter it;
            ql_entry e;
            ql_iter_init(&it, ql, fwd ? QL_HEAD : QL_TAIL);
            while (ql_next(&it, &e))
                if (ql_entry_eq(&e, target, tl)) ql_del_entry(&it, &e);
            ql_iter_clear(&it);
            for (size_t i = m.n; i-- > 0;)
                if (m.len[i] == tl && memcmp(m.v[i], target, tl) == 0) m_delete(&m, i);
            free(target);
        } else if (op == 8 && m.n) {
            ql_rotate(ql);
            char *last = m.v[m.n - 1];
            size_t ll = m.len[m.n - 1];
            m_insert(&m, 0, last, ll);
            m_delete(&m, m.n - 1);
        } else if (op == 9 && rnd() % 20 == 0) {
            quicklist *copy = ql_dup(ql);
            ql_free(ql);
            ql = copy;
        }
        check_shape(ql);
        if (step % 7 == 0 || step == steps - 1) check_equal(ql, &m);
    }
    m_free(&m);
    ql_free(ql);
    ASSERT(ql_set_packed_threshold(0));
}

static void test_random_against_model(void) {
    int fills[] = {-5, -4, -3, -2, -1, 1, 2, 3, 7, 128};
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++)
        for (int c = 0; c <= 3; c++) run_random(fills[f], c, 2000, 0);
}

static void test_random_with_plain_nodes(void) {
    int fills[] = {-2, 1, 4};
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++)
        for (int c = 0; c <= 2; c++) run_random(fills[f], c, 600, 100);
}

static void test_listpack_and_plain_appends(void) {
    quicklist *ql = ql_new(-2, 1);
    for (int i = 0; i < 4; i++) {
        unsigned char *lp = lp_new(0);
        for (int j = 0; j < 30; j++) lp = lp_append(lp, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 34);
        ql_append_listpack(ql, lp);
    }
    ql_append_plain(ql, mem_memdup("plain!", 6), 6);
    ASSERT_EQ(ql_count(ql), 121);
    ASSERT_EQ(ql->len, 5);
    check_shape(ql);
    ql_entry e;
    ql_peek(ql, QL_TAIL, &e);
    ASSERT_MEMEQ(e.value, e.sz, "plain!", 6);
    ASSERT(ql_alloc_size(ql) > 4 * 30 * 34 / 4);
    ql_free(ql);
}

int main(void) {
    RUN(test_push_pop_peek_both_ends);
    RUN(test_fill_by_count_and_by_size);
    RUN(test_fill_clamped_like_redis);
    RUN(test_compression_of_interior_nodes);
    RUN(test_small_nodes_are_not_compressed);
    RUN(test_plain_nodes_for_large_elements);
    RUN(test_index_from_both_ends);
    RUN(test_rotate);
    RUN(test_del_range_variants);
    RUN(test_delete_while_iterating_both_ways);
    RUN(test_random_against_model);
    RUN(test_random_with_plain_nodes);
    RUN(test_listpack_and_plain_appends);
    return unit_report();
}
