/* test_ptrset.c -- the pointer set: adds, removals with backward shift
 * (every member still found after any removal), growth and shrinking,
 * replace, list (and where the next listing starts). */
#include "ptrset.h"

#include <stdlib.h>

#include "unit.h"

#define N 5000

static void test_add_find_remove_all(void) {
    ptrset s = {0};
    char *base = malloc(N * 16);
    for (int i = 0; i < N; i++) ptrset_add(&s, base + i * 16);
    ASSERT(s.len == N);
    for (int i = 0; i < N; i++) ASSERT(ptrset_has(&s, base + i * 16));
    ASSERT(!ptrset_has(&s, base + N * 16));
    /* Remove every third, check the rest after each step of the way. */
    for (int i = 0; i < N; i += 3) ASSERT(ptrset_remove(&s, base + i * 16));
    ASSERT(!ptrset_remove(&s, base));
    for (int i = 0; i < N; i++) ASSERT(ptrset_has(&s, base + i * 16) == (i % 3 != 0));
    for (int i = 0; i < N; i++)
        if (i % 3) ASSERT(ptrset_remove(&s, base + i * 16));
    ASSERT(s.len == 0 && s.tab == NULL);
    free(base);
}

static void test_list_and_replace(void) {
    ptrset s = {0};
    long vals[100];
    for (int i = 0; i < 100; i++) ptrset_add(&s, &vals[i]);
    void *out[200];
    ASSERT(ptrset_list(&s, out, 200) == 100);
    ASSERT(ptrset_list(&s, out, 7) == 7);
    long other;
    ptrset_replace(&s, &vals[5], &other);
    ASSERT(!ptrset_has(&s, &vals[5]) && ptrset_has(&s, &other) && s.len == 100);
    ASSERT(ptrset_bytes(&s) >= 100 * sizeof(void *));
    ptrset_clear(&s);
    ASSERT(s.len == 0 && ptrset_bytes(&s) == 0);
}

/* GETKEYSINSLOT then MIGRATE: list the first members and remove them, over
 * and over. Each listing starts past the emptied front (s.lo only moves up
 * while nothing is added), and every member is listed; one removed member
 * added back (its index is likely below s.lo by then) is listed again. */
static void test_list_and_remove_drains_from_lo(void) {
    ptrset s = {0};
    char *base = malloc(N * 16);
    for (int i = 0; i < N; i++) ptrset_add(&s, base + i * 16);
    void *out[10];
    size_t listed = 0, n;
    uint32_t lo = 0, bits = s.bits;
    bool moved = false, readded = false;
    while ((n = ptrset_list(&s, out, 10)) > 0) {
        ASSERT(n == (s.len < 10 ? s.len : 10));
        if (s.bits == bits) {
            ASSERT(s.lo >= lo);
            moved |= s.lo > lo;
        }
        for (size_t i = 0; i < n; i++) ASSERT(ptrset_remove(&s, out[i]));
        listed += n;
        if (!readded && listed >= N / 2) {
            ptrset_add(&s, out[0]);
            listed--;
            readded = true;
        }
        lo = s.lo;
        bits = s.bits;
    }
    ASSERT(moved && readded && listed == N && s.len == 0 && s.tab == NULL && s.lo == 0);
    free(base);
}

/* Random adds and removals against a plain array model. */
static void test_random_against_model(void) {
    ptrset s = {0};
    char *base = malloc(1000 * 16);
    bool in[1000] = {0};
    unsigned seed = 12345;
    for (int step = 0; step < 100000; step++) {
        seed = seed * 1103515245 + 12345;
        int i = (int)((seed >> 8) % 1000);
        if (in[i]) ASSERT(ptrset_remove(&s, base + i * 16));
        else ptrset_add(&s, base + i * 16);
        in[i] = !in[i];
    }
    size_t count = 0;
    for (int i = 0; i < 1000; i++) {
        ASSERT(ptrset_has(&s, base + i * 16) == in[i]);
        count += in[i];
    }
    ASSERT(s.len == count);
    void *all[1000];
    ASSERT(ptrset_list(&s, all, 1000) == count);
    for (size_t j = 0; j < count; j++) ASSERT(in[((char *)all[j] - base) / 16]);
    ptrset_clear(&s);
    free(base);
}

int main(void) {
    RUN(test_add_find_remove_all);
    RUN(test_list_and_replace);
    RUN(test_list_and_remove_drains_from_lo);
    RUN(test_random_against_model);
    return unit_report();
}
