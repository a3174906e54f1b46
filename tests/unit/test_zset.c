/* test_zset.c -- unit tests for zset.c, the sorted set value in its two
 * encodings.
 *
 * The central test drives a listpack-encoded and a skiplist-encoded value
 * with the same random operations and requires identical answers from
 * both after every step: that pins the listpack walk and the skiplist
 * search to the same semantics. Other tests pin Redis's storage details
 * (how a listpack stores a score) and the conversion thresholds. */
#include "zset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

static const zset_limits BIG = {1000000, 1000000};

static kv *new_value(enum kv_enc want) {
    zset_limits lim = want == KV_ENC_SKIPLIST ? (zset_limits){0, 0} : BIG;
    enum kv_enc enc;
    void *v = zset_value_new(&lim, 0, 0, &enc);
    ASSERT_EQ(enc, want);
    return kv_new_ptr("k", 1, KV_ZSET, enc, v);
}

static void add(kv *e, double score, const char *m) {
    int out;
    double ns;
    ASSERT(zset_add(e, score, m, strlen(m), 0, &out, &ns, &BIG));
}

static void free_value(kv *e) {
    zset_value_free(kv_ptr(e), (enum kv_enc)e->enc);
    kv_free_shell(e);
}

static void test_listpack_stores_scores_as_redis(void) {
    kv *e = new_value(KV_ENC_LISTPACK);
    add(e, -0.0, "negzero");
    add(e, 1e17, "int");
    add(e, 5e18, "big");
    add(e, 1.5, "frac");
    add(e, INFINITY, "inf");
    unsigned char *zl = kv_ptr(e);
    /* Member, score pairs in score order: negzero 0, frac 1.5, int, big, inf. */
    const char *want[] = {"negzero", "0",     "frac", "1.5", "int", "100000000000000000",
                          "big",     "5e+18", "inf",  "inf"};
    int i = 0;
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(zl); p; p = lp_next(zl, p), i++) {
        size_t len;
        const unsigned char *s = lp_get(p, &len, NULL, buf);
        ASSERT_MEMEQ(s, len, want[i], strlen(want[i]));
    }
    ASSERT_EQ(i, 10);
    long long v;
    ASSERT(lp_get_int(lp_seek(zl, 5), &v));  /* 1e17 is an integer entry */
    ASSERT(!lp_get_int(lp_seek(zl, 7), &v)); /* 5e18 is past 2^62: text */
    double s;
    ASSERT(zset_score(e, "negzero", 7, &s));
    ASSERT(s == 0 && !signbit(s)); /* -0 came back as 0 */
    free_value(e);

    e = new_value(KV_ENC_SKIPLIST);
    add(e, -0.0, "negzero");
    ASSERT(zset_score(e, "negzero", 7, &s));
    ASSERT(s == 0 && signbit(s)); /* a skiplist keeps -0 */
    free_value(e);
}

static void test_add_flags(void) {
    kv *e = new_value(KV_ENC_LISTPACK);
    int out;
    double ns;
    ASSERT(zset_add(e, 5, "a", 1, ZSET_IN_XX, &out, &ns, &BIG));
    ASSERT_EQ(out, ZSET_OUT_NOP);
    ASSERT(zset_add(e, 5, "a", 1, ZSET_IN_NX, &out, &ns, &BIG));
    ASSERT_EQ(out, ZSET_OUT_ADDED);
    ASSERT(zset_add(e, 4, "a", 1, ZSET_IN_GT, &out, &ns, &BIG));
    ASSERT_EQ(out, ZSET_OUT_NOP);
    ASSERT(zset_add(e, 4, "a", 1, ZSET_IN_LT, &out, &ns, &BIG));
    ASSERT_EQ(out, ZSET_OUT_UPDATED);
    ASSERT(zset_add(e, INFINITY, "a", 1, ZSET_IN_INCR, &out, &ns, &BIG));
    ASSERT(isinf(ns));
    ASSERT(!zset_add(e, -INFINITY, "a", 1, ZSET_IN_INCR, &out, &ns, &BIG));
    ASSERT_EQ(out, ZSET_OUT_NAN);
    ASSERT(!zset_add(e, NAN, "b", 1, 0, &out, &ns, &BIG));
    ASSERT_EQ(zset_len(e), 1);
    free_value(e);
}

static void test_conversion_thresholds(void) {
    zset_limits lim = {3, 5};
    enum kv_enc enc;
    void *v = zset_value_new(&lim, 5, 0, &enc);
    ASSERT_EQ(enc, KV_ENC_LISTPACK);
    kv *e = kv_new_ptr("k", 1, KV_ZSET, enc, v);
    int out;
    double ns;
    for (int i = 0; i < 3; i++) {
        char m[16];
        snprintf(m, sizeof(m), "m%d", i);
        ASSERT(zset_add(e, i, m, strlen(m), 0, &out, &ns, &lim));
        ASSERT_EQ(e->enc, KV_ENC_LISTPACK);
    }
    ASSERT(zset_add(e, 1, "m1", 2, 0, &out, &ns, &lim)); /* an update stays */
    ASSERT_EQ(e->enc, KV_ENC_LISTPACK);
    ASSERT(zset_add(e, 9, "m9", 2, 0, &out, &ns, &lim));
    ASSERT_EQ(e->enc, KV_ENC_SKIPLIST);
    ASSERT_EQ(zset_len(e), 4);
    ASSERT_EQ(zset_rank(e, "m9", 2, false), 3);
    zset_del(e, "m9", 2);
    zset_shrink_if_fits(e, 2, &lim);
    ASSERT_EQ(e->enc, KV_ENC_LISTPACK);
    ASSERT_EQ(zset_rank(e, "m2", 2, true), 0);
    free_value(e);

    v = zset_value_new(&lim, 6, 0, &enc); /* first member too long */
    ASSERT_EQ(enc, KV_ENC_SKIPLIST);
    zset_value_free(v, enc);
    v = zset_value_new(&lim, 1, 4, &enc); /* more than fits */
    ASSERT_EQ(enc, KV_ENC_SKIPLIST);
    zset_value_free(v, enc);
}

/* ---- Both encodings side by side ---- */

static void same_iteration(zset_iter *a, zset_iter *b) {
    while (zset_iter_valid(a) || zset_iter_valid(b)) {
        ASSERT(zset_iter_valid(a) && zset_iter_valid(b));
        zset_elem x, y;
        zset_iter_get(a, &x, true);
        zset_iter_get(b, &y, true);
        ASSERT_MEMEQ(x.m, x.len, y.m, y.len);
        ASSERT(x.score == y.score);
        zset_iter_next(a);
        zset_iter_next(b);
    }
}

static void random_member(char *m, size_t *len) {
    static const char *pool[] = {"a", "b", "c", "d", "10", "2", "-7", "", "xyz", "aa", "ab"};
    const char *p = pool[rand() % 11];
    *len = strlen(p);
    memcpy(m, p, *len);
}

static void test_encodings_agree_on_random_operations(void) {
    srand(42);
    kv *lp = new_value(KV_ENC_LISTPACK), *sl = new_value(KV_ENC_SKIPLIST);
    static const double scores[] = {0, 1, 1, 2, -1, 2.5, INFINITY, -INFINITY, 3};
    for (int step = 0; step < 5000; step++) {
        char m[8];
        size_t len;
        random_member(m, &len);
        double s = scores[rand() % 9];
        int op = rand() % 6, o1, o2;
        double n1 = 0, n2 = 0;
        if (op <= 2) {
            int flags = rand() % 4 == 0 ? ZSET_IN_INCR : 0;
            bool r1 = zset_add(lp, s, m, len, flags, &o1, &n1, &BIG);
            bool r2 = zset_add(sl, s, m, len, flags, &o2, &n2, &BIG);
            ASSERT_EQ(r1, r2);
            ASSERT_EQ(o1, o2);
        } else if (op == 3) {
            ASSERT_EQ(zset_del(lp, m, len), zset_del(sl, m, len));
        } else if (op == 4) {
            sl_range r = {.min = scores[rand() % 9],
                          .max = scores[rand() % 9],
                          .minex = rand() % 2,
                          .maxex = rand() % 2};
            ASSERT_EQ(zset_count_score(lp, &r), zset_count_score(sl, &r));
            bool rev = rand() % 2;
            zset_iter a, b;
            zset_iter_score(&a, lp, &r, rev);
            zset_iter_score(&b, sl, &r, rev);
            ASSERT_EQ(zset_iter_valid(&a), zset_iter_valid(&b));
            if (zset_iter_valid(&a)) {
                zset_elem x, y;
                zset_iter_get(&a, &x, true);
                zset_iter_get(&b, &y, true);
                ASSERT_MEMEQ(x.m, x.len, y.m, y.len);
            }
            if (rand() % 8 == 0) {
                ASSERT_EQ(zset_delete_score(lp, &r), zset_delete_score(sl, &r));
            }
        } else {
            unsigned long n = zset_len(lp);
            if (n) {
                unsigned long start = (unsigned long)rand() % n,
                              end = start + (unsigned long)rand() % (n - start);
                bool rev = rand() % 2;
                zset_iter a, b;
                zset_iter_rank(&a, lp, start, rev);
                zset_iter_rank(&b, sl, start, rev);
                same_iteration(&a, &b);
                if (rand() % 8 == 0) {
                    ASSERT_EQ(zset_delete_rank(lp, start, end), zset_delete_rank(sl, start, end));
                }
            }
        }
        ASSERT_EQ(zset_len(lp), zset_len(sl));
        ASSERT_EQ(zset_rank(lp, m, len, false), zset_rank(sl, m, len, false));
        ASSERT_EQ(zset_rank(lp, m, len, true), zset_rank(sl, m, len, true));
        zset_iter a, b;
        zset_iter_init(&a, lp, step % 2);
        zset_iter_init(&b, sl, step % 2);
        same_iteration(&a, &b);
    }
    /* Converting the listpack gives the same set again. */
    zset_convert(lp, KV_ENC_SKIPLIST);
    ASSERT(sl_verify(kv_ptr(lp)));
    zset_iter a, b;
    zset_iter_init(&a, lp, false);
    zset_iter_init(&b, sl, false);
    same_iteration(&a, &b);
    zset_convert(sl, KV_ENC_LISTPACK);
    zset_iter_init(&a, lp, true);
    zset_iter_init(&b, sl, true);
    same_iteration(&a, &b);
    free_value(lp);
    free_value(sl);
}

static void test_lex_ranges_on_listpack(void) {
    kv *e = new_value(KV_ENC_LISTPACK);
    const char *ms[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) add(e, 0, ms[i]);
    sl_lexrange r = {.min = {.p = "b", .len = 1}, .max = {.kind = SL_LEX_POS, .ex = true}};
    ASSERT_EQ(zset_count_lex(e, &r), 3);
    r.min.ex = true;
    ASSERT_EQ(zset_count_lex(e, &r), 2);
    ASSERT_EQ(zset_delete_lex(e, &r), 2);
    ASSERT_EQ(zset_len(e), 2);
    free_value(e);
}

int main(void) {
    RUN(test_listpack_stores_scores_as_redis);
    RUN(test_add_flags);
    RUN(test_conversion_thresholds);
    RUN(test_encodings_agree_on_random_operations);
    RUN(test_lex_ranges_on_listpack);
    return unit_report();
}
