/* test_backlog.c -- the replication backlog ring: offsets, wrap-around,
 * what a continuing replica is sent, and resize dropping history. */
#include "backlog.h"

#include <stdint.h>
#include <string.h>

#include "str.h"
#include "unit.h"

static void collect(void *priv, const char *p, size_t len) {
    str **out = priv;
    *out = str_cat(*out, p, len);
}

static str *from(const backlog *b, long long off) {
    str *s = str_new_cap(16);
    backlog_copy_from(b, off, collect, &s);
    return s;
}

static void test_offsets_follow_the_stream(void) {
    backlog *b = backlog_new(16, 100);
    ASSERT(backlog_first_offset(b) == 101);
    ASSERT(backlog_has(b, 101));
    ASSERT(!backlog_has(b, 100));
    backlog_feed(b, "abcdef", 6);
    ASSERT(b->end == 106);
    ASSERT(backlog_first_offset(b) == 101);
    ASSERT(backlog_has(b, 101) && backlog_has(b, 107) && !backlog_has(b, 108));
    str *s = from(b, 103);
    ASSERT(s->len == 4 && memcmp(s->buf, "cdef", 4) == 0);
    str_free(s);
    backlog_free(b);
}

static void test_wraps_and_keeps_the_newest_bytes(void) {
    backlog *b = backlog_new(8, 0);
    backlog_feed(b, "0123456", 7);
    backlog_feed(b, "789AB", 5);    /* 12 bytes fed, 8 kept: 456789AB */
    ASSERT(b->end == 12 && b->histlen == 8);
    ASSERT(backlog_first_offset(b) == 5);
    ASSERT(!backlog_has(b, 4));
    str *s = from(b, 5);
    ASSERT(s->len == 8 && memcmp(s->buf, "456789AB", 8) == 0);
    str_free(s);
    s = from(b, 11);
    ASSERT(s->len == 2 && memcmp(s->buf, "AB", 2) == 0);
    str_free(s);
    s = from(b, 13);
    ASSERT(s->len == 0);
    str_free(s);
    backlog_free(b);
}

static void test_feed_larger_than_ring(void) {
    backlog *b = backlog_new(4, 0);
    backlog_feed(b, "x", 1);
    backlog_feed(b, "abcdefghij", 10);
    ASSERT(b->end == 11 && backlog_first_offset(b) == 8);
    str *s = from(b, 8);
    ASSERT(s->len == 4 && memcmp(s->buf, "ghij", 4) == 0);
    str_free(s);
    backlog_feed(b, "kl", 2);
    s = from(b, 10);
    ASSERT(s->len == 4 && memcmp(s->buf, "ijkl", 4) == 0);
    str_free(s);
    backlog_free(b);
}

static void test_random_feeds_match_a_flat_copy(void) {
    backlog *b = backlog_new(97, 0);
    str *all = str_new_cap(4096);
    uint32_t seed = 12345;
    for (int round = 0; round < 500; round++) {
        seed = seed * 1103515245 + 12345;
        size_t n = (seed >> 16) % 150;
        char chunk[150];
        for (size_t i = 0; i < n; i++) chunk[i] = (char)('a' + (round + i) % 26);
        backlog_feed(b, chunk, n);
        all = str_cat(all, chunk, n);
        ASSERT(b->end == (long long)all->len);
        long long first = backlog_first_offset(b);
        ASSERT(first == (long long)all->len - (long long)b->histlen + 1);
        long long off = first + (long long)((seed >> 8) % (b->histlen + 1));
        str *s = from(b, off);
        ASSERT(s->len == all->len - (size_t)(off - 1));
        ASSERT(memcmp(s->buf, all->buf + off - 1, s->len) == 0);
        str_free(s);
    }
    str_free(all);
    backlog_free(b);
}

static void test_resize_drops_history_keeps_offset(void) {
    backlog *b = backlog_new(8, 0);
    backlog_feed(b, "hello", 5);
    backlog_resize(b, 32);
    ASSERT(b->end == 5 && b->histlen == 0);
    ASSERT(backlog_has(b, 6) && !backlog_has(b, 5));
    backlog_feed(b, "!", 1);
    str *s = from(b, 6);
    ASSERT(s->len == 1 && s->buf[0] == '!');
    str_free(s);
    backlog_free(b);
}

int main(void) {
    RUN(test_offsets_follow_the_stream);
    RUN(test_wraps_and_keeps_the_newest_bytes);
    RUN(test_feed_larger_than_ring);
    RUN(test_random_feeds_match_a_flat_copy);
    RUN(test_resize_drops_history_keeps_offset);
    return unit_report();
}
