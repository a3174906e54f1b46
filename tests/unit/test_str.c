/* test_str.c -- unit tests for str.c: growable byte strings.
 *
 * Checks that a str is always NUL-terminated and binary safe, that growth
 * is amortised (few reallocations for many small appends), that formatting
 * appends correctly whether or not it fits in the spare room, and that
 * consume/reserve/shrink keep the bytes. Each test ends with mem_used() back
 * where it started. */
#include "str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "unit.h"

static void check_invariants(const str *s) {
    ASSERT(s->len <= s->cap);
    ASSERT_EQ(s->buf[s->len], '\0');
    ASSERT(str_alloc_size(s) >= sizeof(str) + s->cap + 1);
}

static void test_new_from_and_binary_content(void) {
    size_t base = mem_used();
    str *s = str_new("a\0b", 3);
    ASSERT_EQ(s->len, 3);
    ASSERT_MEMEQ(s->buf, s->len, "a\0b", 3);
    check_invariants(s);
    str_free(s);

    s = str_from("hello");
    ASSERT_EQ(s->len, 5);
    ASSERT_STREQ(s->buf, "hello");
    check_invariants(s);
    str_free(s);

    s = str_new(NULL, 0);
    ASSERT_EQ(s->len, 0);
    ASSERT_STREQ(s->buf, "");
    check_invariants(s);
    str_free(s);

    s = str_new_cap(1000);
    ASSERT_EQ(s->len, 0);
    ASSERT(s->cap >= 1000);
    ASSERT_STREQ(s->buf, "");
    str_free(s);
    str_free(NULL);
    ASSERT_EQ(mem_used(), base);
}

static void test_append_grows_amortised(void) {
    size_t base = mem_used();
    str *s = str_new(NULL, 0);
    const size_t n = 3 * 1024 * 1024; /* past the 1 MiB doubling limit */
    int moves = 0;
    size_t cap = s->cap;
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        s = str_cat(s, &c, 1);
        if (s->cap != cap) {
            moves++;
            cap = s->cap;
        }
    }
    ASSERT_EQ(s->len, n);
    check_invariants(s);
    for (size_t i = 0; i < n; i += 4097) ASSERT_EQ(s->buf[i], (char)('a' + i % 26));
    /* Doubling to 1 MiB then +1 MiB steps: about 20 + 3 capacity changes. */
    ASSERT(moves < 40);
    ASSERT(s->cap < n + 2 * 1024 * 1024 + 4096); /* no more than 1 MiB (plus a step) spare */
    str_free(s);
    ASSERT_EQ(mem_used(), base);
}

static void test_cat_variants(void) {
    str *s = str_from("ab");
    s = str_catc(s, "cd");
    s = str_cat(s, "\0e", 2);
    s = str_cat(s, NULL, 0);
    ASSERT_MEMEQ(s->buf, s->len, "abcd\0e", 6);
    check_invariants(s);
    /* Append a string to itself through a copy of its bytes. */
    char copy[6];
    memcpy(copy, s->buf, 6);
    s = str_cat(s, copy, 6);
    ASSERT_MEMEQ(s->buf, s->len, "abcd\0eabcd\0e", 12);
    str_free(s);
}

static void test_catfmt_fits_and_grows(void) {
    size_t base = mem_used();
    str *s = str_new_cap(64);
    s = str_catfmt(s, "%d-%s", 42, "x");
    ASSERT_STREQ(s->buf, "42-x");
    ASSERT_EQ(s->len, 4);
    /* Longer than the spare room: must reformat after growing. */
    s = str_catfmt(s, "[%0500d]", 7);
    ASSERT_EQ(s->len, 4 + 502);
    ASSERT_EQ(s->buf[4], '[');
    ASSERT_EQ(s->buf[4 + 500], '7');
    ASSERT_EQ(s->buf[4 + 501], ']');
    ASSERT_MEMEQ(s->buf, 4, "42-x", 4);
    check_invariants(s);
    /* Exactly filling the spare room, then one byte over. */
    str *t = str_new_cap(8);
    size_t room = t->cap;
    char *fill = malloc(room + 2);
    memset(fill, 'f', room + 1);
    fill[room] = '\0';
    t = str_catfmt(t, "%s", fill);
    ASSERT_EQ(t->len, room);
    check_invariants(t);
    t = str_catfmt(t, "%c", 'g');
    ASSERT_EQ(t->len, room + 1);
    ASSERT_EQ(t->buf[room], 'g');
    check_invariants(t);
    t = str_catfmt(t, "%s", ""); /* empty output changes nothing */
    ASSERT_EQ(t->len, room + 1);
    free(fill);
    str_free(t);
    /* Formatting after binary content keeps the binary bytes. */
    str *b = str_new("\0\0", 2);
    b = str_catfmt(b, "%lld", -9223372036854775807LL - 1);
    ASSERT_MEMEQ(b->buf, b->len, "\0\0-9223372036854775808", 22);
    str_free(b);
    str_free(s);
    ASSERT_EQ(mem_used(), base);
}

static void test_fmt_builds_new_string(void) {
    str *s = str_fmt("%s:%u:%.2f", "k", 7u, 1.5);
    ASSERT_STREQ(s->buf, "k:7:1.50");
    ASSERT_EQ(s->len, 8);
    str_free(s);
    char big[3000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = str_fmt("<%s>", big);
    ASSERT_EQ(s->len, sizeof(big) + 1);
    ASSERT_EQ(s->buf[0], '<');
    ASSERT_EQ(s->buf[s->len - 1], '>');
    check_invariants(s);
    str_free(s);
}

static void test_consume_drops_prefix(void) {
    str *s = str_from("0123456789");
    str_consume(s, 0);
    ASSERT_STREQ(s->buf, "0123456789");
    str_consume(s, 3);
    ASSERT_STREQ(s->buf, "3456789");
    ASSERT_EQ(s->len, 7);
    check_invariants(s);
    str_consume(s, 6);
    ASSERT_STREQ(s->buf, "9");
    str_consume(s, 1); /* exactly everything */
    ASSERT_EQ(s->len, 0);
    ASSERT_STREQ(s->buf, "");
    s = str_cat(s, "abc", 3);
    str_consume(s, 100); /* more than there is */
    ASSERT_EQ(s->len, 0);
    ASSERT_STREQ(s->buf, "");
    check_invariants(s);
    /* Binary bytes move intact. */
    s = str_cat(s, "x\0y\0z", 5);
    str_consume(s, 1);
    ASSERT_MEMEQ(s->buf, s->len, "\0y\0z", 4);
    str_free(s);
}

static void test_reserve_setlen_and_shrink(void) {
    size_t base = mem_used();
    str *s = str_from("abc");
    str *same = str_reserve(s, 0);
    ASSERT(same == s);
    size_t spare = s->cap - s->len;
    same = str_reserve(s, spare); /* already fits: no move, no change */
    ASSERT(same == s);
    s = str_reserve(s, 10000);
    ASSERT_EQ(s->len, 3);
    ASSERT_STREQ(s->buf, "abc");
    ASSERT(s->cap - s->len >= 10000);
    check_invariants(s);
    /* Write into the reserved room directly, then set the length. */
    memset(s->buf + 3, 'q', 10000);
    str_setlen(s, 10003);
    ASSERT_EQ(s->buf[10002], 'q');
    check_invariants(s);
    str_setlen(s, 2);
    ASSERT_STREQ(s->buf, "ab");
    size_t before = str_alloc_size(s);
    s = str_shrink(s);
    ASSERT_STREQ(s->buf, "ab");
    ASSERT_EQ(s->len, 2);
    ASSERT(str_alloc_size(s) < before);
    check_invariants(s);
    s = str_shrink(s); /* again: nothing left to release, bytes unchanged */
    ASSERT_STREQ(s->buf, "ab");
    check_invariants(s);
    str_free(s);
    ASSERT_EQ(mem_used(), base);
}

static void test_slice_views_memory(void) {
    const char *text = "hello world";
    slice sl = slice_of(text + 6, 5);
    ASSERT_MEMEQ(sl.ptr, sl.len, "world", 5);
    ASSERT(sl.ptr == text + 6);
}

int main(void) {
    RUN(test_new_from_and_binary_content);
    RUN(test_append_grows_amortised);
    RUN(test_cat_variants);
    RUN(test_catfmt_fits_and_grows);
    RUN(test_fmt_builds_new_string);
    RUN(test_consume_drops_prefix);
    RUN(test_reserve_setlen_and_shrink);
    RUN(test_slice_views_memory);
    return unit_report();
}
