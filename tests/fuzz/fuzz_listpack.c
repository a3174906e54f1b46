/* fuzz_listpack.c -- libFuzzer target for lp_validate(), the gate every
 * listpack from outside (RDB, RESTORE) passes before anything reads it.
 *
 * The first input byte picks the mode: bit 0 patches the header's total
 * bytes and the terminator to fit the input (so the fuzzer reaches the
 * entries instead of dying at the header), bit 1 sets the element count to
 * "unknown" (65535). The rest is copied into an allocation of exactly its
 * size, so ASan sees any read past it. Shallow and deep validation must
 * never crash; only when deep validation passes are the elements walked in
 * both directions, read, sought, searched and then changed (append, insert,
 * replace, delete), and the result must validate again.
 * Build and run: see README.md beside this file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_listpack: check failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Walk, read and search a validated listpack; returns its element count. */
static unsigned long walk(const unsigned char *lp) {
    unsigned long n = 0;
    unsigned char ib[LP_INTBUF_SIZE];
    const unsigned char *firststr = NULL;
    size_t firstlen = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t len = 0;
        long long v = 0;
        const unsigned char *s = lp_get(p, &len, &v, ib);
        CHECK(s != NULL);
        if (s != ib && firststr == NULL) {
            firststr = s;
            firstlen = len;
        }
        lp_entry e;
        lp_get_entry(p, &e);
        CHECK(e.sval ? e.slen == len : e.lval == v);
        CHECK(lp_eq(p, (const char *)s, len));
        n++;
    }
    unsigned long back = 0;
    for (unsigned char *p = lp_last(lp); p; p = lp_prev(lp, p)) back++;
    CHECK(back == n);
    CHECK(lp_len(lp) == n);
    if (n) {
        CHECK(lp_seek(lp, 0) == lp_first(lp));
        CHECK(lp_seek(lp, -1) == lp_last(lp));
        CHECK(lp_seek(lp, (long)n) == NULL);
        CHECK(lp_random(lp, 1) != NULL);
    }
    if (firststr) CHECK(lp_find(lp, lp_first(lp), (const char *)firststr, firstlen, 0) != NULL);
    (void)lp_find(lp, lp_first(lp), "12", 2, 1);
    if (n >= 2 && n % 2 == 0) { /* pairs need field/value listpacks */
        lp_entry k[4], v[4];
        lp_random_pairs(lp, 4, k, v);
        (void)lp_random_pairs_unique(lp, 3, k, v);
    }
    return n;
}

/* Change a copy of a validated listpack; every result must validate. */
static void mutate(const unsigned char *lp, unsigned long n) {
    unsigned char *c = lp_dup(lp);
    c = lp_append(c, "fuzz", 4);
    c = lp_append_int(c, -123456789);
    c = lp_prepend(c, "", 0);
    c = lp_insert(c, "x", 1, lp_seek(c, (long)(n / 2)), LP_AFTER, NULL);
    c = lp_insert(c, "4096", 4, lp_seek(c, 1), LP_REPLACE, NULL);
    c = lp_delete(c, lp_first(c), NULL);
    c = lp_delete_range(c, (long)(n / 3), 2);
    CHECK(lp_validate(c, lp_bytes(c), true));
    CHECK(lp_len(c) == n + 1); /* +2 +1 +1 (replace) -1 -2 */
    lp_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    unsigned mode = data[0];
    data++;
    size--;
    unsigned char *buf = malloc(size ? size : 1);
    if (size) memcpy(buf, data, size);
    if ((mode & 1) && size >= 7) {
        buf[0] = size & 0xff;
        buf[1] = (size >> 8) & 0xff;
        buf[2] = (size >> 16) & 0xff;
        buf[3] = (size >> 24) & 0xff;
        buf[size - 1] = 0xff;
    }
    if ((mode & 2) && size >= 7) buf[4] = buf[5] = 0xff;
    bool shallow = lp_validate(buf, size, false);
    bool deep = lp_validate(buf, size, true);
    CHECK(!deep || shallow);
    if (deep) mutate(buf, walk(buf));
    free(buf);
    return 0;
}
