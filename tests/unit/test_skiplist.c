/* test_skiplist.c -- unit tests for skiplist.c, the large sorted set encoding.
 *
 * The randomized test keeps a plain model (an array of (score, member)
 * sorted the way Redis sorts) and after every operation compares order,
 * ranks and the member table, and runs sl_verify() on the spans. */
#include "skiplist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

static sl_node *ins(skiplist *sl, double score, const char *m) {
    return sl_insert(sl, score, m, strlen(m));
}

static void test_insert_orders_by_score_then_member(void) {
    skiplist *sl = sl_new();
    ins(sl, 2, "b");
    ins(sl, 1, "z");
    ins(sl, 2, "a");
    ins(sl, 2, "ab");
    ins(sl, -INFINITY, "min");
    ins(sl, INFINITY, "max");
    const char *want[] = {"min", "z", "a", "ab", "b", "max"};
    int i = 0;
    for (sl_node *n = sl_first(sl); n; n = sl_next(n), i++) {
        ASSERT_MEMEQ(sl_member(n), n->len, want[i], strlen(want[i]));
        ASSERT_EQ(sl_rank(sl, n), i + 1);
        ASSERT(sl_by_rank(sl, (unsigned long)i + 1) == n);
    }
    ASSERT_EQ(i, 6);
    ASSERT(sl_by_rank(sl, 0) == NULL);
    ASSERT(sl_by_rank(sl, 7) == NULL);
    ASSERT(sl_verify(sl));
    sl_free(sl);
}

static int cmp_members(const void *x, const void *y) {
    const unsigned char *a = x, *b = y; /* [0] is the length */
    size_t min = a[0] < b[0] ? a[0] : b[0];
    int c = memcmp(a + 1, b + 1, min);
    return c ? c : (int)a[0] - (int)b[0];
}

/* Members of one score sort in byte order (memcmp, then the shorter
 * first) whatever their lengths (the compare goes by 8-byte words and an
 * overlapping last word): high bytes, a difference at every position of
 * members from 0 to 30 bytes, prefixes of each other. */
static void test_equal_scores_sort_in_byte_order(void) {
    enum { N = 400 };
    static unsigned char m[N][32];
    skiplist *sl = sl_new();
    uint64_t r = 12345;
    for (int i = 0; i < N; i++) {
        unsigned char len = (unsigned char)(i % 31);
        m[i][0] = len;
        for (int j = 0; j < len; j++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            /* a small alphabet with high bytes: long shared prefixes */
            m[i][1 + j] = (r >> 61) & 1 ? 0xf0 : (unsigned char)('a' + ((r >> 59) & 1));
        }
        if (sl_find(sl, (const char *)m[i] + 1, len) == NULL)
            sl_insert(sl, 7, (const char *)m[i] + 1, len);
        else m[i][0] = 255; /* a duplicate: not inserted */
    }
    int n = 0;
    for (int i = 0; i < N; i++)
        if (m[i][0] != 255) memmove(m[n++], m[i], 32);
    qsort(m, (size_t)n, 32, cmp_members);
    int i = 0;
    for (sl_node *x = sl_first(sl); x; x = sl_next(x), i++)
        ASSERT_MEMEQ(sl_member(x), x->len, (const char *)m[i] + 1, m[i][0]);
    ASSERT_EQ(i, n);
    ASSERT(sl_verify(sl));
    sl_free(sl);
}

static void test_binary_members_and_empty_member(void) {
    skiplist *sl = sl_new();
    sl_insert(sl, 0, "a\0b", 3);
    sl_insert(sl, 0, "a", 1);
    sl_insert(sl, 0, "", 0);
    sl_node *n = sl_first(sl);
    ASSERT_EQ(n->len, 0);
    ASSERT_EQ(sl_next(n)->len, 1);
    ASSERT_EQ(sl_next(sl_next(n))->len, 3);
    ASSERT(sl_find(sl, "a\0b", 3) == sl_next(sl_next(n)));
    ASSERT(sl_find(sl, "a\0c", 3) == NULL);
    ASSERT(sl_verify(sl));
    sl_free(sl);
}

static void test_update_score_keeps_node(void) {
    skiplist *sl = sl_new();
    for (int i = 0; i < 100; i++) {
        char m[16];
        snprintf(m, sizeof(m), "m%03d", i);
        ins(sl, i, m);
    }
    sl_node *n = sl_find(sl, "m050", 4);
    sl_update_score(sl, n, 50.5); /* stays in place */
    ASSERT(sl_find(sl, "m050", 4) == n);
    ASSERT_EQ(sl_rank(sl, n), 51);
    sl_update_score(sl, n, -1); /* moves to the front */
    ASSERT(sl_first(sl) == n);
    ASSERT_EQ(sl_rank(sl, n), 1);
    sl_update_score(sl, n, 1000);
    ASSERT(sl->tail == n);
    ASSERT_EQ(sl_rank(sl, n), 100);
    ASSERT(sl_verify(sl));
    sl_free(sl);
}

static void test_ranges_by_score_and_lex(void) {
    skiplist *sl = sl_new();
    const char *ms[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) ins(sl, i + 1, ms[i]);
    sl_range r = {.min = 2, .max = 4};
    ASSERT_MEMEQ(sl_member(sl_first_in_range(sl, &r)), 1, "b", 1);
    ASSERT_MEMEQ(sl_member(sl_last_in_range(sl, &r)), 1, "d", 1);
    r.minex = r.maxex = true;
    ASSERT_MEMEQ(sl_member(sl_first_in_range(sl, &r)), 1, "c", 1);
    ASSERT_MEMEQ(sl_member(sl_last_in_range(sl, &r)), 1, "c", 1);
    r = (sl_range){.min = 3, .max = 3, .minex = true};
    ASSERT(sl_range_is_empty(&r));
    ASSERT(sl_first_in_range(sl, &r) == NULL);
    r = (sl_range){.min = 6, .max = 9};
    ASSERT(sl_first_in_range(sl, &r) == NULL);
    ASSERT(sl_last_in_range(sl, &r) == NULL);

    sl_lexrange lr = {.min = {.p = "b", .len = 1}, .max = {.kind = SL_LEX_POS, .ex = true}};
    ASSERT_MEMEQ(sl_member(sl_first_in_lex(sl, &lr)), 1, "b", 1);
    ASSERT_MEMEQ(sl_member(sl_last_in_lex(sl, &lr)), 1, "e", 1);
    lr.min.ex = true;
    lr.max = (sl_lex_end){.p = "d", .len = 1, .ex = true};
    ASSERT_MEMEQ(sl_member(sl_first_in_lex(sl, &lr)), 1, "c", 1);
    ASSERT_MEMEQ(sl_member(sl_last_in_lex(sl, &lr)), 1, "c", 1);
    lr = (sl_lexrange){.min = {.kind = SL_LEX_POS, .ex = true},
                       .max = {.kind = SL_LEX_POS, .ex = true}};
    ASSERT(sl_lexrange_is_empty(&lr));
    lr = (sl_lexrange){.min = {.kind = SL_LEX_NEG, .ex = true},
                       .max = {.kind = SL_LEX_POS, .ex = true}};
    ASSERT(!sl_lexrange_is_empty(&lr));
    ASSERT_EQ(sl_delete_range_by_lex(sl, &lr), 5);
    ASSERT_EQ(sl->length, 0);
    ASSERT(sl_verify(sl));
    sl_free(sl);
}

static void test_delete_ranges(void) {
    skiplist *sl = sl_new();
    for (int i = 0; i < 1000; i++) {
        char m[16];
        snprintf(m, sizeof(m), "%d", i);
        ins(sl, i, m);
    }
    sl_range r = {.min = 100, .max = 199};
    ASSERT_EQ(sl_delete_range_by_score(sl, &r), 100);
    ASSERT_EQ(sl->length, 900);
    ASSERT(sl_verify(sl));
    ASSERT_EQ(sl_delete_range_by_rank(sl, 1, 10), 10); /* 0..9 */
    ASSERT(sl_first(sl)->score == 10);
    ASSERT_EQ(sl_delete_range_by_rank(sl, 881, 2000), 10);
    ASSERT(sl->tail->score == 989);
    ASSERT(sl_verify(sl));
    skiplist *d = sl_dup(sl);
    ASSERT(sl_verify(d));
    ASSERT_EQ(d->length, sl->length);
    ASSERT(sl_alloc_size(d) > 880 * sizeof(sl_node));
    sl_free(sl);
    sl_free(d);
}

/* ---- Randomized against a model ---- */

typedef struct item {
    double score;
    char m[8];
    size_t len;
} item;

static int item_cmp(const void *a, const void *b) {
    const item *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    size_t min = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->m, y->m, min);
    if (c) return c;
    return (int)x->len - (int)y->len;
}

static void test_random_against_model(void) {
    srand(1234);
    skiplist *sl = sl_new();
    item model[300];
    size_t n = 0;
    for (int step = 0; step < 20000; step++) {
        char m[8];
        size_t len = (size_t)snprintf(m, sizeof(m), "k%d", rand() % 300);
        double score = (double)(rand() % 50) / 2;
        size_t at = n;
        for (size_t i = 0; i < n; i++)
            if (model[i].len == len && memcmp(model[i].m, m, len) == 0) at = i;
        sl_node *node = sl_find(sl, m, len);
        ASSERT((node != NULL) == (at != n));
        int op = rand() % 3;
        if (at == n) {
            sl_insert(sl, score, m, len);
            model[n].score = score;
            memcpy(model[n].m, m, len);
            model[n].len = len;
            n++;
        } else if (op == 0) {
            sl_delete(sl, node);
            model[at] = model[--n];
        } else {
            sl_update_score(sl, node, score);
            ASSERT(sl_find(sl, m, len) == node);
            model[at].score = score;
        }
        if (step % 97 == 0 || n < 5) {
            qsort(model, n, sizeof(item), item_cmp);
            ASSERT(sl_verify(sl));
            ASSERT_EQ(sl->length, n);
            size_t i = 0;
            for (sl_node *x = sl_first(sl); x; x = sl_next(x), i++) {
                ASSERT(x->score == model[i].score);
                ASSERT_MEMEQ(sl_member(x), x->len, model[i].m, model[i].len);
                ASSERT_EQ(sl_rank(sl, x), i + 1);
            }
        }
    }
    sl_free(sl);
}

int main(void) {
    RUN(test_insert_orders_by_score_then_member);
    RUN(test_binary_members_and_empty_member);
    RUN(test_equal_scores_sort_in_byte_order);
    RUN(test_update_score_keeps_node);
    RUN(test_ranges_by_score_and_lex);
    RUN(test_delete_ranges);
    RUN(test_random_against_model);
    return unit_report();
}
