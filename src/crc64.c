/* crc64.c -- Redis's CRC-64 (Jones polynomial, reflected), slicing by 8.
 *
 * The table for one byte is the classic reflected CRC table; tables 1..7
 * give the CRC of a byte followed by 1..7 zero bytes, so eight input bytes
 * fold into the CRC with eight lookups and no data-dependent shifts. The
 * tables are built once, on first use, from the polynomial (no large
 * literal tables to get wrong). Little-endian and big-endian hosts both
 * work: words are assembled byte by byte.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "crc64.h"

#include <stdbool.h>

/* 0xad93d23594c935a9 with its bits reversed (the reflected algorithm). */
#define POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t table[8][256];
static bool table_ready;

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t crc = (uint64_t)n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLY_REFLECTED : crc >> 1;
        table[0][n] = crc;
    }
    for (int n = 0; n < 256; n++) {
        uint64_t crc = table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = table[0][crc & 0xff] ^ (crc >> 8);
            table[k][n] = crc;
        }
    }
    table_ready = true;
}

static uint64_t crc64_tables(uint64_t crc, const void *buf, size_t len) {
    const unsigned char *p = buf;
    while (len >= 8) {
        uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                     (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                     (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
        crc ^= w;
        crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^ table[5][(crc >> 16) & 0xff] ^
              table[4][(crc >> 24) & 0xff] ^ table[3][(crc >> 32) & 0xff] ^
              table[2][(crc >> 40) & 0xff] ^ table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

/* ---- Carry-less multiplication (x86-64 PCLMULQDQ) ----
 * Folding, as in Intel's "Fast CRC Computation for Generic Polynomials
 * Using PCLMULQDQ": a 16-byte state X (high-degree half in the first 8
 * bytes, bit-reflected like the CRC) absorbs the next 16 bytes B as
 * X' = H * (x^191 mod P) + L * (x^127 mod P) + B, which is congruent to
 * X * x^128 + B modulo P, so the CRC of the state (plus the tail) equals
 * the CRC of everything folded. A reflected product comes out one degree
 * short, hence 191 and 127 rather than 192 and 128. The state's own CRC
 * is then taken with the tables: no Barrett reduction to get wrong. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

static uint64_t k_hi, k_lo;   /* reflected x^191 mod P, x^127 mod P: fold by 128 bits */
static uint64_t k4_hi, k4_lo; /* reflected x^575 mod P, x^511 mod P: fold by 512 bits */

static uint64_t reflect64(uint64_t v) {
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) r |= ((v >> i) & 1) << (63 - i);
    return r;
}

/* x^n mod P in the normal (non-reflected) bit order. */
static uint64_t xpow_mod(int n) {
    const uint64_t poly = 0xad93d23594c935a9ULL;
    uint64_t r = 1;
    for (int i = 0; i < n; i++) r = (r & (1ULL << 63)) ? (r << 1) ^ poly : r << 1;
    return r;
}

__attribute__((target("pclmul,sse4.1"))) static uint64_t crc64_clmul(uint64_t crc,
                                                                     const unsigned char *p,
                                                                     size_t len) {
    const __m128i k = _mm_set_epi64x((long long)k_lo, (long long)k_hi);
    const __m128i k4 = _mm_set_epi64x((long long)k4_lo, (long long)k4_hi);
#define FOLD(x, kk, next)                                                                          \
    _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128((x), (kk), 0x00),                             \
                                _mm_clmulepi64_si128((x), (kk), 0x11)),                            \
                  (next))
    /* Four states 64 bytes apart hide the multiplier's latency. */
    __m128i x0 =
        _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_set_epi64x(0, (long long)crc));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    len -= 64;
    while (len >= 64) {
        x0 = FOLD(x0, k4, _mm_loadu_si128((const __m128i *)p));
        x1 = FOLD(x1, k4, _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = FOLD(x2, k4, _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = FOLD(x3, k4, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        len -= 64;
    }
    __m128i x = FOLD(FOLD(FOLD(x0, k, x1), k, x2), k, x3);
    while (len >= 16) {
        x = FOLD(x, k, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        len -= 16;
    }
#undef FOLD
    unsigned char state[16];
    _mm_storeu_si128((__m128i *)state, x);
    crc = crc64_tables(0, state, 16);
    return crc64_tables(crc, p, len);
}

static int clmul_ok = -1;

static bool use_clmul(void) {
    if (clmul_ok == -1) {
        __builtin_cpu_init();
        clmul_ok = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
        k_hi = reflect64(xpow_mod(191));
        k_lo = reflect64(xpow_mod(127));
        k4_hi = reflect64(xpow_mod(575));
        k4_lo = reflect64(xpow_mod(511));
    }
    return clmul_ok;
}
#else
static bool use_clmul(void) { return false; }
static uint64_t crc64_clmul(uint64_t crc, const unsigned char *p, size_t len) {
    return crc64_tables(crc, p, len);
}
#endif

uint64_t crc64(uint64_t crc, const void *buf, size_t len) {
    if (!table_ready) build_tables();
    if (len >= 64 && use_clmul()) return crc64_clmul(crc, buf, len);
    return crc64_tables(crc, buf, len);
}
