/* fuzz_hll.c -- libFuzzer target for hll.c, the reader and writer of
 * HyperLogLog values that arrive from outside (SET, SETRANGE, RESTORE,
 * RDB, a master's stream).
 *
 * The first input byte picks the mode: bit 0 puts a sparse header before
 * the rest (so the fuzzer works on opcodes), bit 1 a dense header with the
 * rest padded or cut to the dense size, neither: the rest is the whole
 * value. Values hll_is_valid() refuses stop there, as the commands do.
 * Read-only calls get a copy of exactly the value's size, so ASan sees any
 * read past it. Then: counting, merging and decoding must not crash; a
 * sparse value that counts must convert to dense with the same registers
 * and the same count; adds and sets (hll-sparse-max-bytes taken from the
 * input) must leave a value that is still a HyperLogLog.
 * Build and run: see README.md beside this file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "str.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_hll: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint8_t max1[HLL_REGISTERS], max2[HLL_REGISTERS];

/* Every read-only entry point on an exact-size copy; true if it counts. */
static bool read_all(const str *s, uint64_t *card) {
    uint8_t *p = malloc(s->len ? s->len : 1);
    memcpy(p, s->buf, s->len);
    bool ok = hll_count(p, s->len, card);
    memset(max1, 0, sizeof(max1));
    bool merged = hll_merge(max1, p, s->len);
    CHECK(merged == ok); /* both cover exactly HLL_REGISTERS, or neither */
    if (ok) CHECK(hll_count_registers(max1) == *card);
    uint64_t cached;
    (void)hll_cache_get(p, &cached);
    if (hll_encoding(p) == HLL_SPARSE) str_free(hll_decode(str_new(NULL, 0), p, s->len));
    free(p);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    str *s;
    if (mode & 2) {
        s = str_new_cap(HLL_DENSE_SIZE);
        memset(s->buf, 0, HLL_DENSE_SIZE);
        memcpy(s->buf, "HYLL", 4);
        memcpy(s->buf + 8, data, size < 8 ? size : 8);
        size_t body = size > 8 ? size - 8 : 0;
        memcpy(s->buf + HLL_HDR_SIZE, data + (size - body),
               body < HLL_DENSE_SIZE - HLL_HDR_SIZE ? body : HLL_DENSE_SIZE - HLL_HDR_SIZE);
        str_setlen(s, HLL_DENSE_SIZE);
    } else if (mode & 1) {
        s = str_new("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80", HLL_HDR_SIZE);
        s = str_cat(s, data, size);
    } else {
        s = str_new(data, size);
    }
    if (!hll_is_valid((uint8_t *)s->buf, s->len)) {
        str_free(s);
        return 0;
    }
    uint64_t card = 0, card2 = 0;
    bool counts = read_all(s, &card);

    /* A countable sparse value converts to the same registers. */
    str *d = str_new(s->buf, s->len);
    int conv = hll_to_dense(&d);
    if (hll_encoding((uint8_t *)s->buf) == HLL_SPARSE) {
        CHECK(conv == (counts ? 1 : -1));
        if (counts) {
            CHECK(d->len == HLL_DENSE_SIZE && read_all(d, &card2) && card2 == card);
            memset(max2, 0, sizeof(max2));
            CHECK(hll_merge(max2, (uint8_t *)d->buf, d->len));
            CHECK(memcmp(max1, max2, sizeof(max1)) == 0);
        }
    } else {
        CHECK(conv == 0);
    }
    str_free(d);

    /* Writes, whatever state the value is in. */
    size_t sparse_max = (mode >> 2) * 200;
    for (size_t i = 0; i + 3 <= size && i < 60; i += 3) {
        long index = ((long)data[i] << 8 | data[i + 1]) & (HLL_REGISTERS - 1);
        uint8_t count = data[i + 2] & 63;
        int r = (data[i + 2] & 64) ? hll_add(&s, data + i, 3, sparse_max)
                                   : hll_set(&s, index, count ? count : 1, sparse_max);
        CHECK(r >= -1 && r <= 1);
        CHECK(hll_is_valid((uint8_t *)s->buf, s->len));
        if (r < 0) break;
    }
    (void)read_all(s, &card);
    str_free(s);
    return 0;
}
