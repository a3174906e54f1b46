/* test_ziplist.c -- the validating ziplist and zipmap readers: every entry
 * encoding decodes to its value, the conversion to a listpack keeps order,
 * and each kind of damage (bad prevlen, count, tail, size, terminator,
 * encoding, truncation) is refused. */
#include "ziplist.h"

#include <stdint.h>
#include <string.h>

#include "listpack.h"
#include "unit.h"

/* ---- A small ziplist writer, as Redis's ziplist.c encodes ---- */

typedef struct zlbuf {
    unsigned char b[4096];
    size_t len, prev, tail;
    unsigned count;
} zlbuf;

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void zl_begin(zlbuf *z) {
    memset(z, 0, sizeof(*z));
    z->len = 10;
    z->tail = 10;
}

/* Append an entry whose encoding+data bytes are given. */
static void zl_raw(zlbuf *z, const unsigned char *enc, size_t n) {
    size_t start = z->len;
    if (z->prev < 254) {
        z->b[z->len++] = (unsigned char)z->prev;
    } else {
        z->b[z->len++] = 0xfe;
        put32(z->b + z->len, (uint32_t)z->prev);
        z->len += 4;
    }
    memcpy(z->b + z->len, enc, n);
    z->len += n;
    z->prev = z->len - start;
    z->tail = start;
    z->count++;
}

static void zl_str(zlbuf *z, const char *s) {
    unsigned char e[300];
    size_t n = strlen(s);
    e[0] = (unsigned char)n; /* 6-bit length (tests keep strings < 64) */
    memcpy(e + 1, s, n);
    zl_raw(z, e, n + 1);
}

static void zl_int(zlbuf *z, unsigned char tag, long long v, int bytes) {
    unsigned char e[9] = {tag};
    for (int i = 0; i < bytes; i++) e[1 + i] = (unsigned char)((unsigned long long)v >> (8 * i));
    zl_raw(z, e, 1 + (size_t)bytes);
}

static size_t zl_end(zlbuf *z) {
    z->b[z->len++] = 0xff;
    put32(z->b, (uint32_t)z->len);
    put32(z->b + 4, (uint32_t)z->tail);
    z->b[8] = (unsigned char)z->count;
    z->b[9] = (unsigned char)(z->count >> 8);
    return z->len;
}

/* One of each encoding: strings of 6/14-bit lengths, every integer width. */
static size_t sample(zlbuf *z) {
    zl_begin(z);
    zl_str(z, "hello");
    zl_int(z, 0xfe, -5, 1);                          /* int8 */
    zl_int(z, 0xc0, -30000, 2);                      /* int16 */
    unsigned char i24[4] = {0xf0, 0x00, 0x00, 0x80}; /* -(1 << 23) */
    zl_raw(z, i24, 4);
    zl_int(z, 0xd0, 2000000000, 4);   /* int32 */
    zl_int(z, 0xe0, -(1LL << 60), 8); /* int64 */
    unsigned char imm = 0xf1 + 12;    /* immediate 12 */
    zl_raw(z, &imm, 1);
    unsigned char s14[2 + 100] = {0x40, 100};
    memset(s14 + 2, 'q', 100);
    zl_raw(z, s14, sizeof(s14));
    return zl_end(z);
}

typedef struct seen {
    int n;
    long long ints[16];
    char strs[16][128];
    size_t lens[16];
} seen;

static bool record(void *priv, const unsigned char *s, size_t len, long long v) {
    seen *x = priv;
    if (x->n >= 16) return false;
    if (s) {
        memcpy(x->strs[x->n], s, len < 127 ? len : 127);
        x->lens[x->n] = len;
    } else {
        x->ints[x->n] = v;
        x->lens[x->n] = SIZE_MAX;
    }
    x->n++;
    return true;
}

static void test_every_encoding_decodes(void) {
    zlbuf z;
    size_t n = sample(&z);
    seen x = {0};
    ASSERT(zl_walk(z.b, n, record, &x));
    ASSERT_EQ(x.n, 8);
    ASSERT_MEMEQ(x.strs[0], x.lens[0], "hello", 5);
    ASSERT_EQ(x.ints[1], -5);
    ASSERT_EQ(x.ints[2], -30000);
    ASSERT_EQ(x.ints[3], -(1LL << 23));
    ASSERT_EQ(x.ints[4], 2000000000);
    ASSERT_EQ(x.ints[5], -(1LL << 60));
    ASSERT_EQ(x.ints[6], 12);
    ASSERT_EQ(x.lens[7], 100);
}

static void test_conversion_to_listpack_keeps_order(void) {
    zlbuf z;
    size_t n = sample(&z);
    unsigned char *lp = zl_to_listpack(z.b, n);
    ASSERT(lp != NULL);
    ASSERT_EQ(lp_len(lp), 8);
    unsigned char buf[LP_INTBUF_SIZE];
    size_t len;
    const unsigned char *v = lp_get(lp_seek(lp, 0), &len, NULL, buf);
    ASSERT_MEMEQ(v, len, "hello", 5);
    v = lp_get(lp_seek(lp, 5), &len, NULL, buf);
    ASSERT_MEMEQ(v, len, "-1152921504606846976", 20);
    lp_free(lp);
}

static void test_empty_ziplist_is_valid(void) {
    zlbuf z;
    zl_begin(&z);
    size_t n = zl_end(&z);
    ASSERT(zl_walk(z.b, n, NULL, NULL));
    unsigned char *lp = zl_to_listpack(z.b, n);
    ASSERT_EQ(lp_len(lp), 0);
    lp_free(lp);
}

static void test_damage_is_refused(void) {
    zlbuf z;
    size_t n = sample(&z);
    unsigned char bad[4096];
    /* Each damage at a time. */
    memcpy(bad, z.b, n);
    bad[10 + 7] = 9; /* second entry's prevlen (first is 7 bytes) */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    bad[8] = 3; /* count */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    bad[8] = 0xff, bad[9] = 0xff; /* count unknown: accepted */
    ASSERT(zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    put32(bad + 4, 10); /* tail */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    put32(bad, (uint32_t)n + 1); /* total bytes */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    bad[n - 1] = 0; /* terminator */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    bad[11] = 0xc5; /* no such encoding */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    memcpy(bad, z.b, n);
    bad[11] = 0x80; /* a 32-bit string length running past the end */
    ASSERT(!zl_walk(bad, n, NULL, NULL));
    for (size_t cut = 0; cut < n; cut++) {
        memcpy(bad, z.b, cut);
        ASSERT(!zl_walk(bad, cut, NULL, NULL));
        ASSERT(zl_to_listpack(bad, cut) == NULL);
    }
}

static void test_zipmap_pairs_and_damage(void) {
    /* count 2, "a"->"1" with 1 free byte, "bb"->"xyz" */
    unsigned char zm[] = {2, 1, 'a', 1, 1, '1', 0, 2, 'b', 'b', 3, 0, 'x', 'y', 'z', 0xff};
    seen x = {0};
    ASSERT(zm_walk(zm, sizeof(zm), record, &x));
    ASSERT_EQ(x.n, 4);
    ASSERT_MEMEQ(x.strs[0], x.lens[0], "a", 1);
    ASSERT_MEMEQ(x.strs[1], x.lens[1], "1", 1);
    ASSERT_MEMEQ(x.strs[3], x.lens[3], "xyz", 3);
    unsigned char bad[sizeof(zm)];
    memcpy(bad, zm, sizeof(zm));
    bad[0] = 3; /* wrong count */
    ASSERT(!zm_walk(bad, sizeof(bad), NULL, NULL));
    bad[0] = 254; /* unknown count: accepted */
    ASSERT(zm_walk(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, zm, sizeof(zm));
    bad[4] = 200; /* free bytes past the end */
    ASSERT(!zm_walk(bad, sizeof(bad), NULL, NULL));
    unsigned char empty[] = {0, 0xff};
    ASSERT(!zm_walk(empty, sizeof(empty), NULL, NULL));
    for (size_t cut = 0; cut < sizeof(zm); cut++) ASSERT(!zm_walk(zm, cut, NULL, NULL));
}

int main(void) {
    RUN(test_every_encoding_decodes);
    RUN(test_conversion_to_listpack_keeps_order);
    RUN(test_empty_ziplist_is_valid);
    RUN(test_damage_is_refused);
    RUN(test_zipmap_pairs_and_damage);
    return unit_report();
}
