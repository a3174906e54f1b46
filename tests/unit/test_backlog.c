/* test_backlog.c -- the replication buffer: offsets, the history kept
 * (at least 'size' bytes, more while a reader needs older blocks), what a
 * continuing replica is sent, readers, resize and rebase. */
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

/* What a reader would send, without consuming it. */
static str *read_all(const backlog_reader *r) {
    struct iovec iov[64];
    int n = backlog_reader_iov(r, iov, 64);
    str *s = str_new_cap(16);
    for (int i = 0; i < n; i++) s = str_cat(s, iov[i].iov_base, iov[i].iov_len);
    return s;
}

static backlog *small(size_t size, long long end, size_t block) {
    backlog *b = backlog_new(size, end);
    b->block_size = block;
    return b;
}

/* Feed p in pieces of n bytes (a piece larger than a block gets a block
 * of its own size, as a big command does). */
static void feed_by(backlog *b, const char *p, size_t n) {
    for (size_t len = strlen(p); len;) {
        size_t k = len < n ? len : n;
        backlog_feed(b, p, k);
        p += k;
        len -= k;
    }
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

static void test_keeps_at_least_size_bytes_in_whole_blocks(void) {
    backlog *b = small(8, 0, 4);
    feed_by(b, "0123456789AB", 4); /* blocks 0123 4567 89AB: the first goes */
    ASSERT(b->end == 12 && b->histlen == 8);
    ASSERT(backlog_first_offset(b) == 5);
    ASSERT(!backlog_has(b, 4));
    str *s = from(b, 5);
    ASSERT(s->len == 8 && memcmp(s->buf, "456789AB", 8) == 0);
    str_free(s);
    s = from(b, 13);
    ASSERT(s->len == 0);
    str_free(s);
    backlog_free(b);
}

static void test_a_reader_pins_history_until_it_moves_on(void) {
    backlog *b = small(4, 0, 4);
    backlog_reader r = {0};
    backlog_reader_attach(b, &r, 1);
    feed_by(b, "abcdefghijklmnop", 4);
    ASSERT(b->histlen == 16 && backlog_first_offset(b) == 1); /* beyond size: r needs it */
    ASSERT(backlog_reader_pending(b, &r) == 16);
    str *s = read_all(&r);
    ASSERT(s->len == 16 && memcmp(s->buf, "abcdefghijklmnop", 16) == 0);
    str_free(s);
    backlog_reader_advance(b, &r, 10);
    ASSERT(backlog_reader_pending(b, &r) == 6);
    ASSERT(backlog_first_offset(b) == 9); /* blocks before r's freed, size kept */
    s = read_all(&r);
    ASSERT(s->len == 6 && memcmp(s->buf, "klmnop", 6) == 0);
    str_free(s);
    backlog_reader_advance(b, &r, 6);
    ASSERT(backlog_reader_pending(b, &r) == 0);
    backlog_feed(b, "qr", 2);
    ASSERT(backlog_reader_pending(b, &r) == 2);
    backlog_reader_detach(b, &r);
    ASSERT(backlog_reader_pending(b, &r) == 0);
    ASSERT(b->histlen >= 4);
    backlog_free(b);
}

static void test_reader_attached_at_the_end_of_an_empty_buffer(void) {
    backlog *b = small(8, 41, 4);
    backlog_reader r = {0};
    backlog_reader_attach(b, &r, 42);
    ASSERT(backlog_reader_pending(b, &r) == 0);
    backlog_feed(b, "xyz12", 5);
    str *s = read_all(&r);
    ASSERT(s->len == 5 && memcmp(s->buf, "xyz12", 5) == 0);
    str_free(s);
    backlog_reader_advance(b, &r, 5);
    backlog_reader_detach(b, &r);
    backlog_free(b);
}

static void test_random_feeds_match_a_flat_copy(void) {
    backlog *b = small(97, 0, 32);
    backlog_reader r = {0};
    backlog_reader_attach(b, &r, 1);
    str *all = str_new_cap(4096);
    uint32_t seed = 12345;
    long long consumed = 0;
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
        ASSERT(b->histlen >= (all->len < 97 ? all->len : 97));
        long long off = first + (long long)((seed >> 8) % (b->histlen + 1));
        str *s = from(b, off);
        ASSERT(s->len == all->len - (size_t)(off - 1));
        ASSERT(memcmp(s->buf, all->buf + off - 1, s->len) == 0);
        str_free(s);
        /* The reader consumes part of what is pending, in random steps. */
        size_t pend = backlog_reader_pending(b, &r);
        size_t take = pend ? (seed >> 4) % (pend + 1) : 0;
        s = read_all(&r);
        ASSERT(s->len == pend && memcmp(s->buf, all->buf + consumed, pend) == 0);
        str_free(s);
        backlog_reader_advance(b, &r, take);
        consumed += (long long)take;
        ASSERT(first <= consumed + 1);
    }
    backlog_reader_detach(b, &r);
    str_free(all);
    backlog_free(b);
}

static void test_resize_trims_and_keeps_offset(void) {
    backlog *b = small(64, 0, 4);
    feed_by(b, "abcdefghijklmnop", 4);
    ASSERT(b->histlen == 16);
    backlog_resize(b, 4);
    ASSERT(b->end == 16 && b->histlen == 4 && backlog_first_offset(b) == 13);
    backlog_feed(b, "!", 1);
    str *s = from(b, 13);
    ASSERT(s->len == 5 && memcmp(s->buf, "mnop!", 5) == 0);
    /* A feed fills the tail's room, then takes a block of what is left. */
    backlog_feed(b, "0123456789", 10);
    ASSERT(b->tail->used == 7 && b->tail->start == 21);
    str_free(s);
    backlog_free(b);
}

static void test_rebase_renumbers_the_history(void) {
    backlog *b = small(64, 0, 4);
    backlog_feed(b, "DELDEL", 6);
    backlog_rebase(b, 1006);
    ASSERT(backlog_first_offset(b) == 1001 && b->end == 1006);
    backlog_reader r = {0};
    backlog_reader_attach(b, &r, 1004);
    str *s = read_all(&r);
    ASSERT(s->len == 3 && memcmp(s->buf, "DEL", 3) == 0);
    str_free(s);
    backlog_reader_detach(b, &r);
    backlog_free(b);
}

int main(void) {
    RUN(test_offsets_follow_the_stream);
    RUN(test_keeps_at_least_size_bytes_in_whole_blocks);
    RUN(test_a_reader_pins_history_until_it_moves_on);
    RUN(test_reader_attached_at_the_end_of_an_empty_buffer);
    RUN(test_random_feeds_match_a_flat_copy);
    RUN(test_resize_trims_and_keeps_offset);
    RUN(test_rebase_renumbers_the_history);
    return unit_report();
}
