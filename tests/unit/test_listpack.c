/* test_listpack.c -- unit tests for listpack.c.
 *
 * Byte compatibility is checked against listpacks that redis-server 7.0.15
 * itself wrote (taken from DUMP payloads of hashes, rdbcompression off):
 * one small vector compared byte for byte and one 57 KB vector compared by
 * length and FNV-1a hash. Everything else checks the listpack against a
 * plain model (an array of strings) after each change, walking it forward
 * and backward, so a wrong backlen or header shows up as a disagreement. */
#include "listpack.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

/* ---- Helpers ---- */

static uint64_t rng_state;
static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The element at p as text, in buf. */
static size_t elem_text(const unsigned char *p, char *buf, size_t cap) {
    unsigned char ib[LP_INTBUF_SIZE];
    size_t len = 0;
    const unsigned char *s = lp_get(p, &len, NULL, ib);
    ASSERT(s != NULL);
    ASSERT(len <= cap);
    memcpy(buf, s, len);
    return len;
}

typedef struct {
    char *s;
    size_t len;
} mstr;

/* Check lp holds exactly model[0..n), walking both ways and seeking. */
static void check_model(const unsigned char *lp, const mstr *model, size_t n) {
    static char buf[1 << 16];
    ASSERT_EQ(lp_len(lp), n);
    ASSERT(lp_validate(lp, lp_bytes(lp), true));
    size_t i = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), i++) {
        ASSERT(i < n);
        size_t len = elem_text(p, buf, sizeof(buf));
        ASSERT_MEMEQ(buf, len, model[i].s, model[i].len);
        ASSERT(lp_eq(p, model[i].s, model[i].len));
    }
    ASSERT_EQ(i, n);
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p)) {
        ASSERT(i > 0);
        i--;
        size_t len = elem_text(p, buf, sizeof(buf));
        ASSERT_MEMEQ(buf, len, model[i].s, model[i].len);
    }
    ASSERT_EQ(i, 0);
}

static const char *redis_elems[] = {"0",
                                    "127",
                                    "128",
                                    "-1",
                                    "-4096",
                                    "4095",
                                    "4096",
                                    "-4097",
                                    "32767",
                                    "32768",
                                    "-32768",
                                    "-32769",
                                    "8388607",
                                    "8388608",
                                    "-8388608",
                                    "-8388609",
                                    "2147483647",
                                    "2147483648",
                                    "-2147483648",
                                    "-2147483649",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "9223372036854775808",
                                    "a",
                                    NULL /* 63 b */,
                                    NULL /* 64 c */,
                                    "01",
                                    "-0",
                                    "",
                                    " 1",
                                    "+1"};

/* Written by redis-server 7.0.15: HSET h e e for each of redis_elems. */
static const unsigned char redis_small[] =
    "\x4b\x02\x00\x00\x3e\x00\x00\x01\x00\x01\x7f\x01\x7f\x01\xc0\x80\x02\xc0\x80\x02\xdf\xff\x02\xdf\xff\x02\xd0\x00\x02\xd0\x00\x02"
    "\xcf\xff\x02\xcf\xff\x02\xf1\x00\x10\x03\xf1\x00\x10\x03\xf1\xff\xef\x03\xf1\xff\xef\x03\xf1\xff\x7f\x03\xf1\xff\x7f\x03\xf2\x00"
    "\x80\x00\x04\xf2\x00\x80\x00\x04\xf1\x00\x80\x03\xf1\x00\x80\x03\xf2\xff\x7f\xff\x04\xf2\xff\x7f\xff\x04\xf2\xff\xff\x7f\x04\xf2"
    "\xff\xff\x7f\x04\xf3\x00\x00\x80\x00\x05\xf3\x00\x00\x80\x00\x05\xf2\x00\x00\x80\x04\xf2\x00\x00\x80\x04\xf3\xff\xff\x7f\xff\x05"
    "\xf3\xff\xff\x7f\xff\x05\xf3\xff\xff\xff\x7f\x05\xf3\xff\xff\xff\x7f\x05\xf4\x00\x00\x00\x80\x00\x00\x00\x00\x09\xf4\x00\x00\x00"
    "\x80\x00\x00\x00\x00\x09\xf3\x00\x00\x00\x80\x05\xf3\x00\x00\x00\x80\x05\xf4\xff\xff\xff\x7f\xff\xff\xff\xff\x09\xf4\xff\xff\xff"
    "\x7f\xff\xff\xff\xff\x09\xf4\xff\xff\xff\xff\xff\xff\xff\x7f\x09\xf4\xff\xff\xff\xff\xff\xff\xff\x7f\x09\xf4\x00\x00\x00\x00\x00"
    "\x00\x00\x80\x09\xf4\x00\x00\x00\x00\x00\x00\x00\x80\x09\x93\x39\x32\x32\x33\x33\x37\x32\x30\x33\x36\x38\x35\x34\x37\x37\x35\x38"
    "\x30\x38\x14\x93\x39\x32\x32\x33\x33\x37\x32\x30\x33\x36\x38\x35\x34\x37\x37\x35\x38\x30\x38\x14\x81\x61\x02\x81\x61\x02\xbf\x62"
    "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62"
    "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x40\xbf"
    "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62"
    "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x40"
    "\xe0\x40\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x42\xe0\x40\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63\x63"
    "\x63\x63\x63\x63\x63\x42\x82\x30\x31\x03\x82\x30\x31\x03\x82\x2d\x30\x03\x82\x2d\x30\x03\x80\x01\x80\x01\x82\x20\x31\x03\x82\x20"
    "\x31\x03\x82\x2b\x31\x03\x82\x2b\x31\x03\xff";

/* Build the listpack Redis built for the element list (each twice, as
 * field and value); big adds 4095 'd', 4096 'e' and 20000 'f' strings
 * before "01" as the 57 KB vector has them. */
static unsigned char *build_redis_like(bool big) {
    static char bbuf[64], cbuf[64];
    memset(bbuf, 'b', 63);
    memset(cbuf, 'c', 64);
    unsigned char *lp = lp_new(0);
    for (size_t i = 0; i < sizeof(redis_elems) / sizeof(*redis_elems); i++) {
        const char *s = redis_elems[i];
        size_t len = s ? strlen(s) : 0;
        if (i == 24) s = bbuf, len = 63;
        if (i == 25) s = cbuf, len = 64;
        if (big && i == 26) {
            static const struct {
                char c;
                size_t n;
            } bigs[] = {{'d', 4095}, {'e', 4096}};
            for (size_t k = 0; k < 2; k++) {
                char *t = mem_alloc(bigs[k].n);
                memset(t, bigs[k].c, bigs[k].n);
                lp = lp_append(lp, t, bigs[k].n);
                lp = lp_append(lp, t, bigs[k].n);
                mem_free(t);
            }
        }
        if (big && i == 29) {
            char *t = mem_alloc(20000);
            memset(t, 'f', 20000);
            lp = lp_append(lp, t, 20000);
            lp = lp_append(lp, t, 20000);
            mem_free(t);
        }
        lp = lp_append(lp, s, len);
        lp = lp_append(lp, s, len);
    }
    return lp;
}

/* ---- Byte compatibility ---- */

static void test_bytes_match_redis_small_vector(void) {
    unsigned char *lp = build_redis_like(false);
    ASSERT_EQ(lp_bytes(lp), sizeof(redis_small) - 1);
    ASSERT(memcmp(lp, redis_small, sizeof(redis_small) - 1) == 0);
    lp_free(lp);
}

static void test_bytes_match_redis_big_vector(void) {
    unsigned char *lp = build_redis_like(true);
    ASSERT_EQ(lp_bytes(lp), 57007);
    ASSERT_EQ(lp_len(lp), 68);
    ASSERT(fnv1a(lp, lp_bytes(lp)) == 0xde91228be0dd214full);
    lp_free(lp);
}

static void test_redis_vector_reads_back(void) {
    const unsigned char *lp = redis_small;
    ASSERT(lp_validate(lp, sizeof(redis_small) - 1, true));
    ASSERT_EQ(lp_len(lp), 62);
    long long v = 0;
    unsigned char *p = lp_seek(lp, 2 * 21); /* -9223372036854775808 */
    ASSERT(lp_get_int(p, &v));
    ASSERT(v == INT64_MIN);
    p = lp_seek(lp, 2 * 22); /* 2^63 does not fit: a string */
    ASSERT(!lp_get_int(p, &v));
    ASSERT(lp_eq(p, "9223372036854775808", 19));
    p = lp_seek(lp, -2); /* "+1" is a string */
    ASSERT(lp_eq(p, "+1", 2));
    ASSERT(!lp_get_int(p, &v));
}

/* ---- Round trips of every encoding boundary ---- */

static void test_integer_boundaries_round_trip(void) {
    static const long long vals[] = {0,
                                     1,
                                     127,
                                     128,
                                     -1,
                                     -4096,
                                     -4097,
                                     4095,
                                     4096,
                                     -32768,
                                     -32769,
                                     32767,
                                     32768,
                                     -8388608,
                                     -8388609,
                                     8388607,
                                     8388608,
                                     -2147483648LL,
                                     -2147483649LL,
                                     2147483647LL,
                                     2147483648LL,
                                     INT64_MAX,
                                     INT64_MIN,
                                     INT64_MIN + 1,
                                     INT64_MAX - 1};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 2, 3, 2, 3, 3, 4, 3, 4,
                                   4, 5, 4, 5, 5, 9, 5, 9, 9, 9, 9, 9};
    size_t n = sizeof(vals) / sizeof(*vals);
    for (size_t i = 0; i < n; i++) {
        /* As an integer and as its text: both must encode the same way. */
        char buf[UTIL_LLSTR_SIZE];
        size_t len = util_ll2str(buf, vals[i]);
        unsigned char *a = lp_append_int(lp_new(0), vals[i]);
        unsigned char *b = lp_append(lp_new(0), buf, len);
        ASSERT_EQ(lp_bytes(a), 7 + sizes[i] + 1);
        ASSERT_EQ(lp_bytes(a), lp_bytes(b));
        ASSERT(memcmp(a, b, lp_bytes(a)) == 0);
        long long v = 0;
        ASSERT(lp_get_int(lp_first(a), &v));
        ASSERT(v == vals[i]);
        unsigned char ib[LP_INTBUF_SIZE];
        size_t tl = 0;
        const unsigned char *t = lp_get(lp_first(b), &tl, &v, ib);
        ASSERT_MEMEQ(t, tl, buf, len);
        ASSERT(lp_get(lp_first(b), &tl, &v, NULL) == NULL);
        ASSERT(v == vals[i]);
        ASSERT(lp_last(a) == lp_first(a));
        lp_free(a);
        lp_free(b);
    }
}

static void test_string_length_and_backlen_boundaries(void) {
    /* Lengths at the 6/12/32-bit string limits and at the 1/2/3/4-byte
     * backlen limits (entry sizes 127/128, 16382/16383, 2097150/2097151). */
    static const size_t lens[] = {0,    1,     63,    64,      125,     126,    4095,
                                  4096, 16377, 16378, 2097145, 2097146, 3000000};
    static const size_t hdr[] = {1, 1, 1, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5};
    static const size_t blen[] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4};
    size_t n = sizeof(lens) / sizeof(*lens);
    for (size_t i = 0; i < n; i++) {
        char *s = mem_alloc(lens[i] + 1);
        for (size_t k = 0; k < lens[i]; k++) s[k] = (char)('a' + k % 26);
        unsigned char *lp = lp_new(0);
        lp = lp_append(lp, "x", 1);
        lp = lp_append(lp, s, lens[i]);
        lp = lp_append(lp, "y", 1);
        ASSERT_EQ(lp_bytes(lp), 6 + 3 + hdr[i] + lens[i] + blen[i] + 3 + 1);
        ASSERT(lp_validate(lp, lp_bytes(lp), true));
        unsigned char *mid = lp_next(lp, lp_first(lp));
        ASSERT(lp_prev(lp, lp_last(lp)) == mid);
        size_t len = 0;
        const unsigned char *got = lp_get(mid, &len, NULL, NULL);
        ASSERT_MEMEQ(got, len, s, lens[i]);
        ASSERT(lp_eq(mid, s, lens[i]));
        ASSERT(lp_seek(lp, -2) == mid);
        lp_free(lp);
        mem_free(s);
    }
}

/* ---- Insert, delete, replace ---- */

static void model_free(mstr *m, size_t n) {
    for (size_t i = 0; i < n; i++) mem_free(m[i].s);
}

static void rand_elem(mstr *e) {
    char buf[200];
    size_t len;
    switch (rng() % 5) {
    case 0: len = util_ll2str(buf, (long long)(rng() % 300) - 150); break;
    case 1: len = util_ll2str(buf, (long long)rng()); break;
    case 2: len = util_ll2str(buf, (long long)(rng() % 100000) - 50000); break;
    default:
        len = rng() % (rng() % 4 == 0 ? 200 : 20);
        for (size_t k = 0; k < len; k++) buf[k] = (char)('A' + rng() % 60);
    }
    e->s = mem_strndup(buf, len);
    e->len = len;
}

static void test_insert_delete_replace_against_model(void) {
    rng_seed(7);
    enum { MAX = 400 };
    mstr model[MAX];
    size_t n = 0;
    unsigned char *lp = lp_new(0);
    for (int step = 0; step < 4000; step++) {
        unsigned op = (unsigned)(rng() % 6);
        if (n == 0) op = 0;
        if (n == MAX) op = 3;
        size_t at = n ? (size_t)(rng() % n) : 0;
        mstr e;
        if (op == 0 || op == 1) { /* insert before / after 'at' */
            rand_elem(&e);
            unsigned char *newp = NULL;
            if (n == 0) {
                lp = rng() % 2 ? lp_append(lp, e.s, e.len) : lp_prepend(lp, e.s, e.len);
            } else {
                lp = lp_insert(lp, e.s, e.len, lp_seek(lp, (long)at),
                               op == 0 ? LP_BEFORE : LP_AFTER, &newp);
                if (op == 1) at++;
                ASSERT(newp == lp_seek(lp, (long)at));
            }
            memmove(&model[at + 1], &model[at], (n - at) * sizeof(mstr));
            model[at] = e;
            n++;
        } else if (op == 2) { /* replace */
            rand_elem(&e);
            unsigned char *newp = NULL;
            lp = lp_insert(lp, e.s, e.len, lp_seek(lp, (long)at), LP_REPLACE, &newp);
            ASSERT(newp == lp_seek(lp, (long)at));
            mem_free(model[at].s);
            model[at] = e;
        } else if (op == 3) { /* delete one */
            unsigned char *newp = NULL;
            lp = lp_delete(lp, lp_seek(lp, (long)at), &newp);
            mem_free(model[at].s);
            memmove(&model[at], &model[at + 1], (n - at - 1) * sizeof(mstr));
            n--;
            ASSERT(newp == (at < n ? lp_seek(lp, (long)at) : NULL));
        } else if (op == 4) { /* delete a range by index */
            size_t num = (size_t)(rng() % 5);
            long idx = rng() % 2 ? (long)at : (long)at - (long)n;
            lp = lp_delete_range(lp, idx, num);
            size_t del = num > n - at ? n - at : num;
            model_free(&model[at], del);
            memmove(&model[at], &model[at + del], (n - at - del) * sizeof(mstr));
            n -= del;
        } else { /* delete a range at an element */
            size_t num = (size_t)(rng() % 5) + 1;
            unsigned char *p = lp_seek(lp, (long)at);
            lp = lp_delete_range_at(lp, &p, num);
            size_t del = num > n - at ? n - at : num;
            model_free(&model[at], del);
            memmove(&model[at], &model[at + del], (n - at - del) * sizeof(mstr));
            n -= del;
            ASSERT(p == (at < n ? lp_seek(lp, (long)at) : NULL));
        }
        ASSERT(mem_usable(lp) >= lp_bytes(lp));
        if (step % 16 == 0 || n < 5) check_model(lp, model, n);
    }
    check_model(lp, model, n);
    model_free(model, n);
    lp_free(lp);
}

static void test_insert_int_and_prepend_int(void) {
    unsigned char *lp = lp_new(0);
    lp = lp_append_int(lp, 5);
    lp = lp_prepend_int(lp, -70000);
    lp = lp_insert_int(lp, 1LL << 40, lp_first(lp), LP_AFTER, NULL);
    mstr m[3] = {{"-70000", 6}, {"1099511627776", 13}, {"5", 1}};
    check_model(lp, m, 3);
    lp_free(lp);
}

/* ---- Seeking and finding ---- */

static void test_seek_from_both_ends(void) {
    unsigned char *lp = lp_new(0);
    for (long i = 0; i < 1001; i++) lp = lp_append_int(lp, i * 3);
    for (long i = 0; i < 1001; i++) {
        long long v;
        ASSERT(lp_get_int(lp_seek(lp, i), &v));
        ASSERT_EQ(v, i * 3);
        ASSERT(lp_get_int(lp_seek(lp, -1 - i), &v));
        ASSERT_EQ(v, (1000 - i) * 3);
    }
    ASSERT(lp_seek(lp, 1001) == NULL);
    ASSERT(lp_seek(lp, -1002) == NULL);
    ASSERT(lp_seek(lp, LONG_MIN) == NULL);
    lp_free(lp);
    lp = lp_new(0);
    ASSERT(lp_seek(lp, 0) == NULL);
    ASSERT(lp_seek(lp, -1) == NULL);
    ASSERT(lp_first(lp) == NULL);
    ASSERT(lp_last(lp) == NULL);
    ASSERT(lp_random(lp, 2) == NULL);
    lp_free(lp);
}

static void test_find_with_skip_matches_fields_only(void) {
    unsigned char *lp = lp_new(0);
    /* field/value pairs where values equal other fields */
    const char *kv[] = {"a", "b", "b", "12", "12", "a", "x", "-5"};
    for (int i = 0; i < 8; i++) lp = lp_append(lp, kv[i], strlen(kv[i]));
    ASSERT(lp_find(lp, lp_first(lp), "b", 1, 1) == lp_seek(lp, 2));
    ASSERT(lp_find(lp, lp_first(lp), "12", 2, 1) == lp_seek(lp, 4));
    ASSERT(lp_find(lp, lp_first(lp), "-5", 2, 1) == NULL);
    ASSERT(lp_find(lp, lp_first(lp), "-5", 2, 0) == lp_seek(lp, 7));
    ASSERT(lp_find(lp, lp_first(lp), "012", 3, 0) == NULL);
    ASSERT(lp_find(lp, lp_first(lp), "12 ", 3, 0) == NULL);
    ASSERT(lp_find(lp, lp_seek(lp, 1), "12", 2, 1) == lp_seek(lp, 3));
    ASSERT(!lp_eq(lp_seek(lp, 3), "+12", 3));
    lp_free(lp);
}

/* ---- More than 65535 elements ---- */

static void test_count_saturates_past_65535(void) {
    unsigned char *lp = lp_new(400000); /* reserved: no realloc per append */
    for (long i = 0; i < 70000; i++) lp = lp_append_int(lp, i);
    ASSERT_EQ(lp[4], 0xff);
    ASSERT_EQ(lp[5], 0xff);
    ASSERT_EQ(lp_len(lp), 70000);
    ASSERT(lp_validate(lp, lp_bytes(lp), true));
    long long v;
    ASSERT(lp_get_int(lp_seek(lp, 69999), &v));
    ASSERT_EQ(v, 69999);
    ASSERT(lp_get_int(lp_seek(lp, -70000), &v));
    ASSERT_EQ(v, 0);
    /* Deleting below the limit stores the count again on the next lp_len. */
    lp = lp_delete_range(lp, 0, 10000);
    ASSERT_EQ(lp_len(lp), 60000);
    ASSERT_EQ(lp[4] | lp[5] << 8, 60000);
    ASSERT(lp_get_int(lp_first(lp), &v));
    ASSERT_EQ(v, 10000);
    lp = lp_delete(lp, lp_first(lp), NULL);
    ASSERT_EQ(lp_len(lp), 59999);
    ASSERT(lp_validate(lp, lp_bytes(lp), true));
    lp_free(lp);
}

/* lp_append_batch() must write exactly the bytes of one lp_append() or
 * lp_append_int() per item: random batches (across its 16-item chunks) of
 * integers, canonical and non-canonical integer texts and strings at the
 * header and backlen size limits, into a listpack that must grow. */
static void test_append_batch_matches_one_by_one(void) {
    static const size_t lens[] = {0, 1, 63, 64, 125, 126, 4095, 4096, 16377, 16378};
    static const char *texts[] = {
        "007", "-0", "12", "-4096", "9223372036854775807", "9223372036854775808",
        "1e3", " 1", "+1", "-"};
    char *big = mem_alloc(16378);
    memset(big, 'q', 16378);
    rng_seed(42);
    for (int round = 0; round < 100; round++) {
        /* A fresh pair each round (one-by-one appends realloc every time:
         * slow under ASan on a long listpack), after a common prefix. */
        unsigned char *a = lp_append(lp_new(0), "head", 4), *b = lp_append(lp_new(0), "head", 4);
        lp_item items[40];
        char nums[40][UTIL_LLSTR_SIZE];
        size_t n = rng() % 41;
        for (size_t i = 0; i < n; i++) {
            long long v = (long long)rng();
            switch (rng() % 6) {
            case 0: items[i] = (lp_item){.v = v >> (rng() % 64)}; break;
            case 1: items[i] = (lp_item){.v = (long long)(rng() % 9000) - 4500}; break;
            case 2: {
                size_t l = util_ll2str(nums[i], v >> (rng() % 64));
                items[i] = (lp_item){.s = nums[i], .len = l};
                break;
            }
            case 3: {
                const char *t = texts[rng() % 10];
                items[i] = (lp_item){.s = t, .len = strlen(t)};
                break;
            }
            case 4: items[i] = (lp_item){.s = big, .len = lens[rng() % 10]}; break;
            default: items[i] = (lp_item){.s = big, .len = rng() % 6}; break;
            }
        }
        a = lp_append_batch(a, items, n);
        for (size_t i = 0; i < n; i++)
            b = items[i].s ? lp_append(b, items[i].s, items[i].len) : lp_append_int(b, items[i].v);
        ASSERT_EQ(lp_bytes(a), lp_bytes(b));
        ASSERT(memcmp(a, b, lp_bytes(a)) == 0);
        ASSERT(lp_validate(a, lp_bytes(a), true));
        lp_free(a);
        lp_free(b);
    }
    mem_free(big);
    /* The element count saturates as one append at a time would. */
    lp_item ten[10];
    for (int i = 0; i < 10; i++) ten[i] = (lp_item){.v = i};
    unsigned char *a = lp_new(200000); /* reserved: no realloc per append */
    for (long i = 0; i < 65520; i++) a = lp_append_int(a, 1);
    a = lp_append_batch(a, ten, 10);
    ASSERT_EQ(a[4] | a[5] << 8, 65530);
    a = lp_append_batch(a, ten, 10);
    ASSERT_EQ(a[4], 0xff);
    ASSERT_EQ(a[5], 0xff);
    ASSERT_EQ(lp_len(a), 65540);
    ASSERT(lp_validate(a, lp_bytes(a), true));
    lp_free(a);
}

/* ---- Validation of outside bytes ---- */

static void test_validate_rejects_truncated_buffers(void) {
    unsigned char *lp = build_redis_like(true);
    size_t size = lp_bytes(lp);
    ASSERT(lp_validate(lp, size, true));
    ASSERT(lp_validate(lp, size, false));
    unsigned char *copy = mem_alloc(size);
    for (size_t cut = 0; cut < size; cut += (cut < 700 ? 1 : 97)) {
        /* Truncated as stored (header says more bytes). */
        memcpy(copy, lp, cut);
        ASSERT(!lp_validate(copy, cut, true));
        if (cut < 7) continue;
        /* Truncated with header and terminator patched to look right. */
        memcpy(copy, lp, cut);
        copy[0] = cut & 0xff;
        copy[1] = (cut >> 8) & 0xff;
        copy[2] = (cut >> 16) & 0xff;
        copy[3] = 0;
        copy[cut - 1] = 0xff;
        copy[4] = copy[5] = 0xff; /* count unknown: only layout decides */
        bool ok = lp_validate(copy, cut, true);
        if (ok) {
            /* Only if the cut fell exactly after a whole entry. */
            unsigned long count = 0;
            for (unsigned char *p = lp_first(copy); p; p = lp_next(copy, p)) count++;
            ASSERT(count < 68);
        }
    }
    mem_free(copy);
    lp_free(lp);
    ASSERT(!lp_validate(NULL, 0, true));
}

static void test_validate_rejects_corrupt_entries(void) {
    unsigned char *lp = lp_new(0);
    lp = lp_append(lp, "hello", 5);
    lp = lp_append_int(lp, 300);
    size_t size = lp_bytes(lp); /* 6 + (6+1) + (2+1) + 1 = 17 */
    ASSERT_EQ(size, 17);
    unsigned char buf[32];

    memcpy(buf, lp, size);
    buf[4] = 3; /* wrong element count */
    ASSERT(!lp_validate(buf, size, true));
    ASSERT(lp_validate(buf, size, false)); /* shallow checks only layout */

    memcpy(buf, lp, size);
    buf[size - 1] = 0xfe; /* no terminator */
    ASSERT(!lp_validate(buf, size, false));

    memcpy(buf, lp, size);
    buf[12] = 7; /* backlen of "hello" wrong */
    ASSERT(!lp_validate(buf, size, true));

    memcpy(buf, lp, size);
    buf[6] = 0xf5; /* invalid encoding byte */
    ASSERT(!lp_validate(buf, size, true));

    memcpy(buf, lp, size);
    buf[6] = 0xff; /* early terminator */
    ASSERT(!lp_validate(buf, size, true));

    memcpy(buf, lp, size);
    buf[6] = 0xbf; /* string longer than buffer */
    ASSERT(!lp_validate(buf, size, true));

    memcpy(buf, lp, size);
    buf[6] = 0xf0; /* 32-bit length runs off the end */
    ASSERT(!lp_validate(buf, size, true));

    memcpy(buf, lp, size);
    buf[0] = 18; /* header size disagrees */
    ASSERT(!lp_validate(buf, size, false));

    /* A backlen byte flagged as continued past the entry's own backlen. */
    static const unsigned char longback[] = {9, 0, 0, 0, 1, 0, 0x00, 0x81, 0xff};
    ASSERT(!lp_validate(longback, sizeof(longback), true));
    static const unsigned char goodback[] = {9, 0, 0, 0, 1, 0, 0x00, 0x01, 0xff};
    ASSERT(lp_validate(goodback, sizeof(goodback), true));

    /* Every single-byte corruption: either rejected or safe to walk. */
    for (size_t i = 0; i < size; i++) {
        for (int b = 0; b < 256; b++) {
            memcpy(buf, lp, size);
            buf[i] = (unsigned char)b;
            if (!lp_validate(buf, size, true)) continue;
            unsigned long n = 0;
            for (unsigned char *p = lp_first(buf); p; p = lp_next(buf, p)) {
                lp_entry e;
                lp_get_entry(p, &e);
                n++;
            }
            for (unsigned char *p = lp_last(buf); p; p = lp_prev(buf, p)) n--;
            ASSERT_EQ(n, 0);
        }
    }
    lp_free(lp);
}

static void test_empty_listpack_validates(void) {
    unsigned char *lp = lp_new(100);
    ASSERT_EQ(lp_bytes(lp), 7);
    ASSERT_EQ(lp_len(lp), 0);
    ASSERT(lp_validate(lp, 7, true));
    unsigned char *d = lp_dup(lp);
    ASSERT(memcmp(d, "\x07\x00\x00\x00\x00\x00\xff", 7) == 0);
    lp_free(d);
    lp_free(lp);
    lp_free(NULL);
}

/* ---- Random picks ---- */

static void test_random_pairs_cover_and_unique_is_distinct(void) {
    unsigned char *lp = lp_new(0);
    for (int i = 0; i < 20; i++) {
        char f[8];
        int n = snprintf(f, sizeof(f), "f%d", i);
        lp = lp_append(lp, f, (size_t)n);
        lp = lp_append_int(lp, i);
    }
    int seen[20] = {0};
    lp_entry k[50], v[50];
    for (int round = 0; round < 40; round++) {
        lp_random_pairs(lp, 50, k, v);
        for (int i = 0; i < 50; i++) {
            ASSERT(k[i].sval != NULL);
            ASSERT(v[i].sval == NULL);
            char f[8];
            int n = snprintf(f, sizeof(f), "f%lld", v[i].lval);
            ASSERT_MEMEQ(k[i].sval, k[i].slen, f, (size_t)n);
            seen[v[i].lval]++;
        }
    }
    for (int i = 0; i < 20; i++) ASSERT(seen[i] > 0);
    for (int round = 0; round < 50; round++) {
        unsigned long want = (unsigned long)(round % 25);
        unsigned long got = lp_random_pairs_unique(lp, want, k, NULL);
        ASSERT_EQ(got, want > 20 ? 20 : want);
        for (unsigned long i = 1; i < got; i++) {
            /* listpack order and distinct: strictly increasing field ids */
            ASSERT(atoi((const char *)k[i].sval + 1) > atoi((const char *)k[i - 1].sval + 1));
        }
    }
    for (int i = 0; i < 100; i++) {
        unsigned char *p = lp_random(lp, 2);
        ASSERT(p[0] != 0xff);
        long long x;
        ASSERT(!lp_get_int(p, &x)); /* a field, never a value */
    }
    ASSERT(lp_safe_to_add(lp, 100));
    ASSERT(!lp_safe_to_add(lp, (size_t)1 << 30));
    lp_free(lp);
}

int main(void) {
    RUN(test_bytes_match_redis_small_vector);
    RUN(test_bytes_match_redis_big_vector);
    RUN(test_redis_vector_reads_back);
    RUN(test_integer_boundaries_round_trip);
    RUN(test_string_length_and_backlen_boundaries);
    RUN(test_insert_delete_replace_against_model);
    RUN(test_insert_int_and_prepend_int);
    RUN(test_seek_from_both_ends);
    RUN(test_find_with_skip_matches_fields_only);
    RUN(test_count_saturates_past_65535);
    RUN(test_append_batch_matches_one_by_one);
    RUN(test_validate_rejects_truncated_buffers);
    RUN(test_validate_rejects_corrupt_entries);
    RUN(test_empty_listpack_validates);
    RUN(test_random_pairs_cover_and_unique_is_distinct);
    return unit_report();
}
