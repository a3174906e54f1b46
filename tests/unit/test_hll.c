/* test_hll.c -- unit tests for hll.c, the HyperLogLog value.
 *
 * The golden bytes and counts below were taken from redis-server 7.0.15
 * (PFADD then GET / PFCOUNT / PFDEBUG): they pin the byte format, the
 * hash, the sparse update and merge rules and the estimator to Redis's.
 * The corrupt-value tests build sparse bodies whose runs overflow the
 * register count (the CVE-2025-32023 class) and require every reader to
 * refuse them; under ASan an out-of-bounds access fails the test. */
#include "hll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "str.h"
#include "unit.h"

#define MAX_SPARSE 3000

static str *from_hex(const char *hex) {
    size_t n = strlen(hex) / 2;
    str *s = str_new_cap(n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        s->buf[i] = (char)v;
    }
    str_setlen(s, n);
    return s;
}

static void assert_hex(const str *s, const char *hex) {
    str *want = from_hex(hex);
    ASSERT_MEMEQ(s->buf, s->len, want->buf, want->len);
    str_free(want);
}

static str *add_elems(str *h, int from, int to) {
    char buf[32];
    for (int i = from; i < to; i++) {
        int n = snprintf(buf, sizeof(buf), "elem:%d", i);
        ASSERT(hll_add(&h, buf, (size_t)n, MAX_SPARSE) >= 0);
    }
    return h;
}

static uint64_t count(const str *h) {
    uint64_t c;
    ASSERT(hll_count((const uint8_t *)h->buf, h->len, &c));
    return c;
}

static void test_new_is_redis_empty_value(void) {
    str *h = hll_new();
    assert_hex(h, "48594c4c0100000000000000000000007fff");
    ASSERT(hll_is_valid((uint8_t *)h->buf, h->len));
    ASSERT_EQ(count(h), 0);
    /* PFADD of a new key marks the cache stale: Redis's bytes after "PFADD e". */
    hll_cache_invalidate((uint8_t *)h->buf);
    assert_hex(h, "48594c4c0100000000000000000000807fff");
    str_free(h);
}

static void test_three_elements_bytes_and_cache(void) {
    str *h = hll_new();
    ASSERT_EQ(hll_add(&h, "a", 1, MAX_SPARSE), 1);
    ASSERT_EQ(hll_add(&h, "b", 1, MAX_SPARSE), 1);
    ASSERT_EQ(hll_add(&h, "c", 1, MAX_SPARSE), 1);
    ASSERT_EQ(hll_add(&h, "a", 1, MAX_SPARSE), 0);
    assert_hex(h, "48594c4c01000000000000000000008060f38050b1844bfb80425a");
    uint64_t c;
    ASSERT(!hll_cache_get((uint8_t *)h->buf, &c));
    c = count(h);
    ASSERT_EQ(c, 3);
    hll_cache_set((uint8_t *)h->buf, c);
    assert_hex(h, "48594c4c01000000030000000000000060f38050b1844bfb80425a");
    ASSERT(hll_cache_get((uint8_t *)h->buf, &c));
    ASSERT_EQ(c, 3);
    str_free(h);
}

static void test_sparse_bytes_after_200_elements(void) {
    str *h = add_elems(hll_new(), 0, 200);
    assert_hex(
        h,
        "48594c4c010000000000000000000080429f800381178840978c0180411a8403803f840884404280158040968c"
        "41728c40558406802f84405d901284018840528440478410801b8040718040418400803a8419881f84404d8c23"
        "8040708c413480407e841780008c1d80409580168040bb8c1384405884406e8040b984407188068c4048800090"
        "405684099440fb8003800480406884406284406d84288440ae84088040f28419881b8040648040af8840868440"
        "7c803d80411d84407c8040cd802784408f84158c008c2d8020803b8c405f8c008c4104841a8840cb8813944062"
        "803c88404d884083803c8033801784088410800d880a8c1884405384406088405e8008882e80328040a7a0405f"
        "8440578011801880068019880b8040e680405c8011842e8440648c404d8440908006800280278841428040ea88"
        "404b801c884063842f8c1c881b802a80405880404b842180238013843880038036841e80407a804047901b8440"
        "4684406e8440ac803780398040748440de8442bd80338c08881a8418802480407a80078404811a8440798c4043"
        "800a8840ea80028040a884408b800080188431904049801490412a84405c80844075800a8840e9801880406080"
        "168008842b802080088440cc80058819941188078040b9803d80208810883c882a80358040d090801a8c40a2");
    /* Registers Redis's PFDEBUG GETREG reports. */
    ASSERT_EQ(hll_to_dense(&h), 1);
    ASSERT_EQ(hll_encoding((uint8_t *)h->buf), HLL_DENSE);
    ASSERT_EQ(h->len, HLL_DENSE_SIZE);
    const uint8_t *p = (const uint8_t *)h->buf;
    ASSERT_EQ(hll_dense_get(p, 0), 0);
    ASSERT_EQ(hll_dense_get(p, 672), 1);
    ASSERT_EQ(hll_dense_get(p, 703), 3);
    ASSERT_EQ(hll_dense_get(p, 856), 4);
    ASSERT_EQ(hll_dense_get(p, 2077), 5);
    ASSERT_EQ(hll_dense_get(p, 2100), 3);
    ASSERT_EQ(hll_to_dense(&h), 0);
    str_free(h);
}

static void test_counts_and_promotion_match_redis(void) {
    /* n, PFCOUNT, encoding, length, as redis-server 7.0.15 gives them. */
    static const struct {
        int n;
        uint64_t card;
        int enc;
        size_t len;
    } want[] = {{100, 100, HLL_SPARSE, 277},
                {1000, 1005, HLL_SPARSE, 1913},
                {10000, 9922, HLL_DENSE, HLL_DENSE_SIZE},
                {100000, 99904, HLL_DENSE, HLL_DENSE_SIZE},
                {1000000, 990064, HLL_DENSE, HLL_DENSE_SIZE}};
    str *h = hll_new();
    int done = 0;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        h = add_elems(h, done, want[i].n);
        done = want[i].n;
        ASSERT_EQ(count(h), want[i].card);
        ASSERT_EQ(hll_encoding((uint8_t *)h->buf), want[i].enc);
        ASSERT_EQ(h->len, want[i].len);
    }
    str_free(h);
}

static void test_dense_and_sparse_agree(void) {
    str *s = hll_new(), *d = hll_new();
    ASSERT_EQ(hll_to_dense(&d), 1);
    char buf[32];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(buf, sizeof(buf), "x%d", i * 7919);
        int a = hll_add(&s, buf, (size_t)n, 1000000);
        int b = hll_add(&d, buf, (size_t)n, 1000000);
        ASSERT_EQ(a, b);
        if (i % 97 == 0) ASSERT_EQ(count(s), count(d));
    }
    ASSERT_EQ(hll_encoding((uint8_t *)s->buf), HLL_SPARSE);
    ASSERT_EQ(count(s), count(d));
    /* Converting the sparse one gives the very same registers. */
    ASSERT_EQ(hll_to_dense(&s), 1);
    ASSERT_MEMEQ(s->buf + HLL_HDR_SIZE, s->len - HLL_HDR_SIZE, d->buf + HLL_HDR_SIZE,
                 d->len - HLL_HDR_SIZE);
    str_free(s);
    str_free(d);
}

static void test_sparse_max_bytes_promotes(void) {
    str *h = add_elems(hll_new(), 0, 50);
    ASSERT_EQ(hll_encoding((uint8_t *)h->buf), HLL_SPARSE);
    size_t before = h->len;
    /* A limit below the current size: the next split goes dense. */
    char buf[16];
    int r = 0;
    for (int i = 0; r == 0; i++) r = hll_add(&h, buf, (size_t)snprintf(buf, 16, "p%d", i), before);
    ASSERT_EQ(r, 1);
    ASSERT_EQ(hll_encoding((uint8_t *)h->buf), HLL_DENSE);
    str_free(h);
}

static void test_big_register_promotes(void) {
    str *h = hll_new();
    ASSERT_EQ(hll_set(&h, 100, 33, MAX_SPARSE), 1);
    ASSERT_EQ(hll_encoding((uint8_t *)h->buf), HLL_DENSE);
    ASSERT_EQ(hll_dense_get((uint8_t *)h->buf, 100), 33);
    ASSERT_EQ(hll_set(&h, 100, 20, MAX_SPARSE), 0);
    ASSERT_EQ(hll_set(&h, HLL_REGISTERS - 1, 63, MAX_SPARSE), 1);
    ASSERT_EQ(hll_dense_get((uint8_t *)h->buf, HLL_REGISTERS - 1), 63);
    ASSERT_EQ(hll_dense_get((uint8_t *)h->buf, HLL_REGISTERS - 2), 0);
    str_free(h);
}

static void test_merge_and_raw_count(void) {
    str *a = add_elems(hll_new(), 0, 500), *b = add_elems(hll_new(), 250, 750);
    str *u = add_elems(hll_new(), 0, 750);
    static uint8_t max[HLL_REGISTERS];
    memset(max, 0, sizeof(max));
    ASSERT(hll_merge(max, (uint8_t *)a->buf, a->len));
    ASSERT_EQ(hll_to_dense(&b), 1);
    ASSERT(hll_merge(max, (uint8_t *)b->buf, b->len));
    ASSERT_EQ(hll_count_registers(max), count(u));
    str_free(a);
    str_free(b);
    str_free(u);
}

static void test_header_checks(void) {
    str *h = hll_new();
    uint8_t *p = (uint8_t *)h->buf;
    ASSERT(hll_is_valid(p, h->len));
    ASSERT(!hll_is_valid(p, 15));
    p[0] = 'X';
    ASSERT(!hll_is_valid(p, h->len));
    p[0] = 'H';
    p[4] = 2;
    ASSERT(!hll_is_valid(p, h->len));
    p[4] = HLL_DENSE; /* dense but not 12304 bytes */
    ASSERT(!hll_is_valid(p, h->len));
    str_free(h);
}

/* A sparse value: header, then 'count' copies of the opcode bytes 'op'. */
static str *crafted(const uint8_t *op, size_t oplen, size_t count, const uint8_t *tail,
                    size_t taillen) {
    str *s = hll_new();
    str_setlen(s, HLL_HDR_SIZE);
    for (size_t i = 0; i < count; i++) s = str_cat(s, op, oplen);
    s = str_cat(s, tail, taillen);
    return s;
}

static void test_overflowing_runs_are_corrupt_not_out_of_bounds(void) {
    /* 300000 XZERO:16384 wrap a 32-bit register index in Redis before the
     * fix; then a VAL run would be written before the array. */
    const uint8_t xz[2] = {0x7f, 0xff}, val[1] = {0x83};
    str *s = crafted(xz, 2, 300000, val, 1);
    uint64_t c;
    ASSERT(hll_is_valid((uint8_t *)s->buf, s->len));
    ASSERT(!hll_count((uint8_t *)s->buf, s->len, &c));
    static uint8_t max[HLL_REGISTERS];
    ASSERT(!hll_merge(max, (uint8_t *)s->buf, s->len));
    ASSERT_EQ(hll_to_dense(&s), -1);
    str_free(s);

    /* VAL runs past the last register. */
    const uint8_t z[2] = {0x7f, 0xfe}, v4[1] = {0x83}; /* XZERO:16383, then VAL len 4 */
    s = crafted(z, 2, 1, v4, 1);
    ASSERT(!hll_count((uint8_t *)s->buf, s->len, &c));
    ASSERT(!hll_merge(max, (uint8_t *)s->buf, s->len));
    ASSERT_EQ(hll_to_dense(&s), -1);
    ASSERT_EQ(hll_set(&s, HLL_REGISTERS - 1, 40, MAX_SPARSE), -1);
    str_free(s);

    /* Too few registers; a set past the covered ones finds no opcode. */
    const uint8_t few[1] = {0x3f}; /* ZERO:64 */
    s = crafted(few, 1, 1, NULL, 0);
    ASSERT(!hll_count((uint8_t *)s->buf, s->len, &c));
    ASSERT_EQ(hll_set(&s, 1000, 3, MAX_SPARSE), -1);
    str_free(s);
}

static void test_truncated_xzero_reads_nothing_past_the_end(void) {
    /* An XZERO's first byte as the last byte: its length reads the missing
     * byte as 0 (Redis reads the terminator there). */
    const uint8_t half[1] = {0x7f};
    str *s = crafted(half, 1, 1, NULL, 0);
    uint64_t c;
    ASSERT(!hll_count((uint8_t *)s->buf, s->len, &c)); /* 16129 registers */
    str *out = hll_decode(str_new(NULL, 0), (uint8_t *)s->buf, s->len);
    ASSERT_STREQ(out->buf, "Z:16129");
    str_free(out);
    ASSERT_EQ(hll_set(&s, 5, 3, MAX_SPARSE), 1);
    str_free(s);
}

static void test_decode_text(void) {
    str *h = hll_new();
    ASSERT_EQ(hll_set(&h, 1000, 2, MAX_SPARSE), 1);
    ASSERT_EQ(hll_set(&h, 1020, 3, MAX_SPARSE), 1);
    ASSERT_EQ(hll_set(&h, 1021, 3, MAX_SPARSE), 1);
    str *out = hll_decode(str_new(NULL, 0), (uint8_t *)h->buf, h->len);
    ASSERT_STREQ(out->buf, "Z:1000 v:2,1 z:19 v:3,2 Z:15362");
    str_free(out);
    str_free(h);
}

static void test_selftest_passes(void) {
    char err[128];
    const char *r = hll_selftest(MAX_SPARSE, 12345, err, sizeof(err));
    if (r) UNIT_FAIL("%s", r);
}

int main(void) {
    RUN(test_new_is_redis_empty_value);
    RUN(test_three_elements_bytes_and_cache);
    RUN(test_sparse_bytes_after_200_elements);
    RUN(test_counts_and_promotion_match_redis);
    RUN(test_dense_and_sparse_agree);
    RUN(test_sparse_max_bytes_promotes);
    RUN(test_big_register_promotes);
    RUN(test_merge_and_raw_count);
    RUN(test_header_checks);
    RUN(test_overflowing_runs_are_corrupt_not_out_of_bounds);
    RUN(test_truncated_xzero_reads_nothing_past_the_end);
    RUN(test_decode_text);
    RUN(test_selftest_passes);
    return unit_report();
}
