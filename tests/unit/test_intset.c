/* test_intset.c -- unit tests for intset.c: Redis's sorted integer blob.
 *
 * The byte tests pin the layout that RDB depends on (header fields, width,
 * little-endian elements) against blobs written out by hand; the model test
 * runs random adds and removes against a sorted array and checks order,
 * uniqueness and the width after each step. */
#include "intset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

static void test_add_keeps_order_and_upgrades(void) {
    intset *s = intset_new();
    s = intset_add(s, 30, NULL);
    s = intset_add(s, -7, NULL);
    ASSERT_EQ(intset_width(s), sizeof(int16_t));
    s = intset_add(s, 1LL << 40, NULL); /* forces 64-bit encoding */
    ASSERT_EQ(intset_len(s), 3);
    ASSERT_EQ(intset_at(s, 0), -7);
    ASSERT_EQ(intset_at(s, 1), 30);
    ASSERT_EQ(intset_at(s, 2), 1LL << 40);
    ASSERT_EQ(intset_width(s), sizeof(int64_t));
    ASSERT_EQ(intset_blob_size(s), 8 + 3 * 8);
    intset_free(s);
}

static void test_add_reports_duplicates(void) {
    intset *s = intset_new();
    bool added;
    s = intset_add(s, 5, &added);
    ASSERT(added);
    s = intset_add(s, 5, &added);
    ASSERT(!added);
    ASSERT_EQ(intset_len(s), 1);
    intset_free(s);
}

static void test_upgrade_prepends_negative_values(void) {
    intset *s = intset_new();
    for (int i = 0; i < 10; i++) s = intset_add(s, i, NULL);
    s = intset_add(s, -100000, NULL); /* 32-bit, below everything */
    ASSERT_EQ(intset_width(s), 4);
    ASSERT_EQ(intset_at(s, 0), -100000);
    for (int i = 0; i < 10; i++) ASSERT_EQ(intset_at(s, (uint32_t)i + 1), i);
    s = intset_add(s, INT64_MIN, NULL);
    s = intset_add(s, INT64_MAX, NULL);
    ASSERT_EQ(intset_width(s), 8);
    ASSERT_EQ(intset_at(s, 0), INT64_MIN);
    ASSERT_EQ(intset_at(s, intset_len(s) - 1), INT64_MAX);
    ASSERT(intset_find(s, 9));
    ASSERT(intset_find(s, -100000));
    ASSERT(!intset_find(s, 10));
    intset_free(s);
}

static void test_bytes_match_redis_layout(void) {
    intset *s = intset_new();
    s = intset_add(s, 2, NULL);
    s = intset_add(s, -1, NULL);
    static const uint8_t want16[] = {2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 2, 0};
    ASSERT_MEMEQ(s, intset_blob_size(s), want16, sizeof(want16));
    s = intset_add(s, 70000, NULL);
    static const uint8_t want32[] = {4,    0,    0, 0, 3, 0, 0,    0,    0xff, 0xff,
                                     0xff, 0xff, 2, 0, 0, 0, 0x70, 0x11, 0x01, 0x00};
    ASSERT_MEMEQ(s, intset_blob_size(s), want32, sizeof(want32));
    intset_free(s);
}

static void test_remove_keeps_width_and_shrinks(void) {
    intset *s = intset_new();
    s = intset_add(s, 1, NULL);
    s = intset_add(s, 1LL << 33, NULL);
    bool removed;
    s = intset_remove(s, 1LL << 33, &removed);
    ASSERT(removed);
    ASSERT_EQ(intset_width(s), 8); /* Redis never downgrades */
    ASSERT_EQ(intset_blob_size(s), 8 + 8);
    s = intset_remove(s, 1LL << 40, &removed);
    ASSERT(!removed);
    s = intset_remove(s, 7, &removed);
    ASSERT(!removed);
    s = intset_remove(s, 1, &removed);
    ASSERT(removed);
    ASSERT_EQ(intset_len(s), 0);
    /* Removing from an empty set, or a value wider than the set, is a no-op. */
    s = intset_remove(s, 1, &removed);
    ASSERT(!removed);
    intset *n = intset_new();
    n = intset_remove(n, 1LL << 40, &removed);
    ASSERT(!removed);
    ASSERT(!intset_find(n, 1LL << 40));
    intset_free(n);
    intset_free(s);
}

static void test_validate_shallow_and_deep(void) {
    static const uint8_t good[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0};
    ASSERT(intset_validate(good, sizeof(good), true));
    static const uint8_t unsorted[] = {2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0};
    ASSERT(intset_validate(unsorted, sizeof(unsorted), false));
    ASSERT(!intset_validate(unsorted, sizeof(unsorted), true));
    static const uint8_t dup[] = {2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0};
    ASSERT(!intset_validate(dup, sizeof(dup), true));
    static const uint8_t badwidth[] = {3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    ASSERT(!intset_validate(badwidth, sizeof(badwidth), false));
    static const uint8_t empty[] = {2, 0, 0, 0, 0, 0, 0, 0};
    ASSERT(!intset_validate(empty, sizeof(empty), false));
    static const uint8_t huge_len[] = {8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0};
    ASSERT(!intset_validate(huge_len, sizeof(huge_len), false));
    ASSERT(!intset_validate(good, sizeof(good) - 1, false));
    ASSERT(!intset_validate(good, 4, false));
    ASSERT(!intset_validate(good, 0, false));
    intset *s = intset_from_blob(good, sizeof(good));
    ASSERT_EQ(intset_len(s), 2);
    ASSERT_EQ(intset_at(s, 1), 2);
    s = intset_add(s, 0, NULL);
    ASSERT_EQ(intset_at(s, 0), 0);
    intset_free(s);
}

static void test_validate_never_reads_out_of_bounds(void) {
    /* Random short buffers: must answer without touching bytes past size
     * (ASan catches a read past a heap buffer). */
    for (int round = 0; round < 2000; round++) {
        size_t size = (size_t)(util_rand64() % 40);
        uint8_t *buf = mem_alloc(size ? size : 1);
        for (size_t i = 0; i < size; i++) buf[i] = (uint8_t)util_rand64();
        if (size >= 8 && (round & 1)) {
            uint8_t widths[] = {2, 4, 8};
            buf[0] = widths[round % 3];
            buf[1] = buf[2] = buf[3] = 0;
            uint32_t len = (uint32_t)((size - 8) / buf[0]);
            memcpy(buf + 4, &len, 4);
        }
        bool shallow = intset_validate(buf, size, false);
        bool deep = intset_validate(buf, size, true);
        ASSERT(!deep || shallow);
        mem_free(buf);
    }
}

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int64_t random_value(void) {
    switch (util_rand64() % 4) {
    case 0: return (int64_t)(util_rand64() % 200) - 100;
    case 1: return (int64_t)(util_rand64() % 200000) - 100000;
    case 2: return (int64_t)util_rand64();
    default: return (int64_t)(util_rand64() % 70000) - 35000;
    }
}

static void test_random_operations_against_model(void) {
    intset *s = intset_new();
    long long model[600];
    size_t n = 0, maxw = 2;
    for (int step = 0; step < 20000; step++) {
        int64_t v = n && util_rand64() % 3 == 0 ? model[util_rand64() % n] : random_value();
        bool in_model = false;
        size_t at = 0;
        for (size_t i = 0; i < n; i++)
            if (model[i] == v) in_model = true, at = i;
        ASSERT_EQ(intset_find(s, v), in_model);
        if ((util_rand64() % 2 == 0 || n == 600) && n > 0) {
            bool removed;
            s = intset_remove(s, v, &removed);
            ASSERT_EQ(removed, in_model);
            if (in_model) model[at] = model[--n];
        } else {
            bool added;
            s = intset_add(s, v, &added);
            ASSERT_EQ(added, !in_model);
            if (!in_model) model[n++] = v;
            size_t w = v < INT32_MIN || v > INT32_MAX ? 8 : v < INT16_MIN || v > INT16_MAX ? 4 : 2;
            if (w > maxw) maxw = w;
        }
        ASSERT_EQ(intset_len(s), n);
        ASSERT_EQ(intset_width(s), maxw);
        if (step % 97 == 0 || n < 5) {
            long long sorted[600];
            memcpy(sorted, model, n * sizeof(long long));
            qsort(sorted, n, sizeof(long long), cmp_ll);
            for (size_t i = 0; i < n; i++) ASSERT_EQ(intset_at(s, (uint32_t)i), sorted[i]);
            ASSERT_EQ(intset_blob_size(s), 8 + n * maxw);
            if (n) {
                ASSERT(intset_validate(s, intset_blob_size(s), true));
                int64_t r = intset_random(s);
                ASSERT(intset_find(s, r));
            }
            intset *d = intset_dup(s);
            ASSERT_MEMEQ(d, intset_blob_size(d), s, intset_blob_size(s));
            intset_free(d);
        }
    }
    intset_free(s);
}

static void test_random_covers_every_element(void) {
    intset *s = intset_new();
    for (int i = 0; i < 8; i++) s = intset_add(s, i * 3, NULL);
    int seen[8] = {0};
    for (int i = 0; i < 2000; i++) seen[intset_random(s) / 3]++;
    for (int i = 0; i < 8; i++) ASSERT(seen[i] > 100);
    intset_free(s);
}

int main(void) {
    RUN(test_add_keeps_order_and_upgrades);
    RUN(test_add_reports_duplicates);
    RUN(test_upgrade_prepends_negative_values);
    RUN(test_bytes_match_redis_layout);
    RUN(test_remove_keeps_width_and_shrinks);
    RUN(test_validate_shallow_and_deep);
    RUN(test_validate_never_reads_out_of_bounds);
    RUN(test_random_operations_against_model);
    RUN(test_random_covers_every_element);
    return unit_report();
}
