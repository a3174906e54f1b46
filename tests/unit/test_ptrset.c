/* test_ptrset.c -- the pointer set: adds, removals with backward shift
 * (every member still found after any removal), growth and shrinking,
 * replace, list. */
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
    ptrset_clear(&s);
    free(base);
}

int main(void) {
    RUN(test_add_find_remove_all);
    RUN(test_list_and_replace);
    RUN(test_random_against_model);
    return unit_report();
}
