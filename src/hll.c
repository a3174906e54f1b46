/* hll.c -- the HyperLogLog value: Redis's dense and sparse byte formats,
 * register updates, merging and the cardinality estimate.
 *
 * Everything here works on the bytes of a string value (hll.h describes
 * them). The updates reproduce Redis 7.0's hyperloglog.c step for step --
 * where a sparse run is split, when neighbouring VAL opcodes are merged,
 * when the value turns dense -- because the resulting bytes are visible:
 * GETRANGE, DUMP, DEBUG DIGEST and a replica's copy must be the same as
 * redis-server's. Readers of opcodes never trust them: a run that passes
 * the register count or the end of the buffer makes the value corrupt
 * (the caller replies -INVALIDOBJ), it never moves a write out of bounds.
 * Not here: the PF* commands and their errors (hllcmd.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "hll.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_ALPHA_INF 0.721347520444481703680 /* 1 / (2 ln 2) */
#define HLL_SEED 0xadc83b19ULL

/* ---- Header ---- */

void hll_cache_set(uint8_t *p, uint64_t card) {
    for (int i = 0; i < 8; i++) p[8 + i] = (uint8_t)(card >> (8 * i));
}

void hll_cache_invalidate(uint8_t *p) { p[15] |= 0x80; }

/* ---- Sparse opcodes ---- */

#define OP_IS_ZERO(b) (((b)&0xc0) == 0x00)
#define OP_IS_XZERO(b) (((b)&0xc0) == 0x40)
#define OP_IS_VAL(b) (((b)&0x80) != 0)
#define ZERO_MAX_LEN 64
#define VAL_MAX_LEN 4

static inline long zero_len(uint8_t b) { return (b & 0x3f) + 1; }
static inline int val_value(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
static inline long val_len(uint8_t b) { return (b & 0x3) + 1; }
static inline uint8_t val_op(int value, long len) {
    return (uint8_t)(0x80 | ((value - 1) << 2) | (len - 1));
}

/* An XZERO whose second byte lies past 'end' reads it as 0: Redis reads
 * the string's terminator there. */
static inline long xzero_len(const uint8_t *p, const uint8_t *end) {
    uint8_t lo = p + 1 < end ? p[1] : 0;
    return ((long)(p[0] & 0x3f) << 8 | lo) + 1;
}

/* Write a ZERO or an XZERO for 'len' zero registers; returns its size. */
static int put_zeros(uint8_t *p, long len) {
    if (len > ZERO_MAX_LEN) {
        p[0] = (uint8_t)(0x40 | ((len - 1) >> 8));
        p[1] = (uint8_t)((len - 1) & 0xff);
        return 2;
    }
    p[0] = (uint8_t)(len - 1);
    return 1;
}

str *hll_new(void) {
    /* One XZERO covers all 16384 registers. */
    str *s = str_new_cap(HLL_HDR_SIZE + 2);
    memset(s->buf, 0, HLL_HDR_SIZE);
    memcpy(s->buf, "HYLL", 4);
    s->buf[4] = HLL_SPARSE;
    int n = put_zeros((uint8_t *)s->buf + HLL_HDR_SIZE, HLL_REGISTERS);
    str_setlen(s, (size_t)(HLL_HDR_SIZE + n));
    return s;
}

/* ---- Hashing ---- */

/* Redis's MurmurHash64A (MurmurHash2, 64-bit, endian neutral). */
static uint64_t murmur64a(const void *key, size_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ ((uint64_t)len * m);
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    while (data != end) {
        /* Little endian whatever the host, as Redis reads it (one load here). */
        uint64_t k = (uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16 |
                     (uint64_t)data[3] << 24 | (uint64_t)data[4] << 32 | (uint64_t)data[5] << 40 |
                     (uint64_t)data[6] << 48 | (uint64_t)data[7] << 56;
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
        data += 8;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1: h ^= (uint64_t)data[0]; h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* Redis's hllPatLen: the register 'ele' falls in (*index) and the value it
 * offers, the run of zeros above the index bits plus one (1..51). */
static int pat_len(const void *ele, size_t len, long *index) {
    uint64_t hash = murmur64a(ele, len, HLL_SEED);
    *index = (long)(hash & (HLL_REGISTERS - 1));
    /* The bit above the Q hash bits ends the run, so the value is at most Q+1. */
    hash = (hash >> HLL_P) | (1ULL << HLL_Q);
    return __builtin_ctzll(hash) + 1;
}

/* ---- Dense registers ---- */

/* Register i spans one byte, or two when it starts in the top 4 bits. */
static inline unsigned dense_get(const uint8_t *r, long i) {
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = (unsigned)(i * HLL_BITS) & 7;
    unsigned v = r[byte] >> fb;
    if (fb > 8 - HLL_BITS) v |= (unsigned)r[byte + 1] << (8 - fb);
    return v & HLL_REGISTER_MAX;
}

static inline void dense_put(uint8_t *r, long i, unsigned val) {
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = (unsigned)(i * HLL_BITS) & 7;
    r[byte] = (uint8_t)((r[byte] & ~(HLL_REGISTER_MAX << fb)) | (val << fb));
    if (fb > 8 - HLL_BITS)
        r[byte + 1] =
            (uint8_t)((r[byte + 1] & ~(HLL_REGISTER_MAX >> (8 - fb))) | (val >> (8 - fb)));
}

unsigned hll_dense_get(const uint8_t *p, long i) { return dense_get(p + HLL_HDR_SIZE, i); }

static int dense_set(uint8_t *regs, long index, unsigned count) {
    if (count <= dense_get(regs, index)) return 0;
    dense_put(regs, index, count);
    return 1;
}

/* ---- Sparse to dense ---- */

/* Fill the dense registers 'regs' (zeroed) from a sparse body. False if the
 * runs do not add up to exactly HLL_REGISTERS. */
static bool sparse_to_registers(const uint8_t *p, const uint8_t *end, uint8_t *regs) {
    long idx = 0;
    while (p < end) {
        uint8_t b = *p;
        if (OP_IS_ZERO(b)) {
            idx += zero_len(b);
            p++;
        } else if (OP_IS_XZERO(b)) {
            idx += xzero_len(p, end);
            p += 2;
        } else {
            long run = val_len(b);
            if (idx + run > HLL_REGISTERS) return false;
            for (int v = val_value(b); run--; idx++) dense_put(regs, idx, (unsigned)v);
            p++;
        }
        if (idx > HLL_REGISTERS) return false;
    }
    return idx == HLL_REGISTERS;
}

int hll_to_dense(str **hll) {
    str *s = *hll;
    uint8_t *p = (uint8_t *)s->buf;
    if (p[4] == HLL_DENSE) return 0;
    str *d = str_new_cap(HLL_DENSE_SIZE);
    memset(d->buf, 0, HLL_DENSE_SIZE);
    uint8_t *q = (uint8_t *)d->buf;
    if (!sparse_to_registers(p + HLL_HDR_SIZE, p + s->len, q + HLL_HDR_SIZE)) {
        str_free(d);
        return -1;
    }
    memcpy(q, p, HLL_HDR_SIZE); /* magic and cached cardinality */
    q[4] = HLL_DENSE;
    str_setlen(d, HLL_DENSE_SIZE);
    str_free(s);
    *hll = d;
    return 1;
}

/* ---- Sparse update ---- */

/* After a change at 'from', merge neighbouring VAL opcodes of equal value
 * whose runs fit one opcode, looking at most five opcodes ahead (Redis's
 * "Step 4"). Returns the new end. */
static uint8_t *merge_vals(uint8_t *p, uint8_t *end) {
    int scan = 5;
    while (p < end && scan-- > 0) {
        if (OP_IS_XZERO(*p)) {
            p += 2;
            continue;
        }
        if (OP_IS_ZERO(*p)) {
            p++;
            continue;
        }
        if (p + 1 < end && OP_IS_VAL(p[1]) && val_value(p[0]) == val_value(p[1])) {
            long len = val_len(p[0]) + val_len(p[1]);
            if (len <= VAL_MAX_LEN) {
                p[1] = val_op(val_value(p[0]), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                end--;
                continue; /* the merged opcode may merge again */
            }
        }
        p++;
    }
    return end;
}

static int sparse_set(str **hll, long index, uint8_t count, size_t sparse_max) {
    str *s = *hll;
    if (count > HLL_SPARSE_VAL_MAX) goto promote;
    /* The worst split (XZERO -> XZERO VAL XZERO) grows the body by 3 bytes. */
    s = str_reserve(s, 3);
    *hll = s;
    uint8_t *sparse = (uint8_t *)s->buf + HLL_HDR_SIZE;
    uint8_t *end = (uint8_t *)s->buf + s->len;
    uint8_t *p = sparse, *prev = NULL;
    long first = 0, span = 0;

    /* Step 1: the opcode covering 'index', with the first register it
     * covers and the opcode before it. */
    while (p < end) {
        int oplen = 1;
        if (OP_IS_ZERO(*p)) {
            span = zero_len(*p);
        } else if (OP_IS_VAL(*p)) {
            span = val_len(*p);
        } else {
            span = xzero_len(p, end);
            oplen = 2;
        }
        if (index <= first + span - 1) break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end) return -1;
    uint8_t *next = OP_IS_XZERO(*p) ? p + 2 : p + 1;
    if (next >= end) next = NULL;
    bool is_xzero = OP_IS_XZERO(*p), is_val = OP_IS_VAL(*p);
    long runlen = span;

    /* Step 2: the easy cases in place. */
    if (is_val) {
        int old = val_value(*p);
        if (old >= count) return 0;
        if (runlen == 1) {
            *p = val_op(count, 1);
            goto updated;
        }
    } else if (!is_xzero && runlen == 1) {
        *p = val_op(count, 1);
        goto updated;
    }

    /* Step 3: split the run around 'index' into at most three opcodes. */
    uint8_t seq[5], *n = seq;
    long last = first + span - 1;
    if (is_val) {
        int cur = val_value(*p);
        if (index != first) *n++ = val_op(cur, index - first);
        *n++ = val_op(count, 1);
        if (index != last) *n++ = val_op(cur, last - index);
    } else {
        if (index != first) n += put_zeros(n, index - first);
        *n++ = val_op(count, 1);
        if (index != last) n += put_zeros(n, last - index);
    }
    long seqlen = n - seq;
    long oldlen = is_xzero ? 2 : 1;
    long delta = seqlen - oldlen;
    if (delta > 0 && s->len + (size_t)delta > sparse_max) goto promote;
    if (delta && next) memmove(next + delta, next, (size_t)(end - next));
    /* A truncated XZERO at the very end is written over as Redis does; the
     * 3 bytes reserved above cover it. */
    memcpy(p, seq, (size_t)seqlen);
    end += delta;

updated:
    end = merge_vals(prev ? prev : sparse, end);
    str_setlen(s, (size_t)(end - (uint8_t *)s->buf));
    hll_cache_invalidate((uint8_t *)s->buf);
    return 1;

promote:
    if (hll_to_dense(hll) < 0) return -1;
    /* Redis asserts this is 1: the register was below 'count'. */
    return dense_set((uint8_t *)(*hll)->buf + HLL_HDR_SIZE, index, count);
}

int hll_set(str **hll, long index, uint8_t count, size_t sparse_max) {
    uint8_t *p = (uint8_t *)(*hll)->buf;
    if (p[4] == HLL_DENSE) return dense_set(p + HLL_HDR_SIZE, index, count);
    return sparse_set(hll, index, count, sparse_max);
}

int hll_add(str **hll, const void *ele, size_t len, size_t sparse_max) {
    long index;
    int count = pat_len(ele, len, &index);
    return hll_set(hll, index, (uint8_t)count, sparse_max);
}

/* ---- Counting ---- */

/* All registers of a dense body, one per byte: eight from every six bytes,
 * by spreading 48 bits of 6-bit fields into 64 bits of bytes. (The byte
 * shifts compile to single loads and stores on little-endian hosts.) */
static void dense_unpack(const uint8_t *restrict r, uint8_t *restrict out) {
    for (int j = 0; j < HLL_REGISTERS / 8; j++, r += 6, out += 8) {
        uint64_t w = (uint64_t)r[0] | (uint64_t)r[1] << 8 | (uint64_t)r[2] << 16 |
                     (uint64_t)r[3] << 24 | (uint64_t)r[4] << 32 | (uint64_t)r[5] << 40;
        w = (w & 0x0000000000FFFFFFULL) | ((w & 0x0000FFFFFF000000ULL) << 8);
        w = (w & 0x00000FFF00000FFFULL) | ((w & 0x00FFF00000FFF000ULL) << 4);
        w = (w & 0x003F003F003F003FULL) | ((w & 0x0FC00FC00FC00FC0ULL) << 2);
        out[0] = (uint8_t)w;
        out[1] = (uint8_t)(w >> 8);
        out[2] = (uint8_t)(w >> 16);
        out[3] = (uint8_t)(w >> 24);
        out[4] = (uint8_t)(w >> 32);
        out[5] = (uint8_t)(w >> 40);
        out[6] = (uint8_t)(w >> 48);
        out[7] = (uint8_t)(w >> 56);
    }
}

/* Histograms of register values; 64 slots so that any 6-bit value lands
 * inside, whatever the bytes say. */
typedef int64_t histo[64];

/* False unless the runs cover exactly HLL_REGISTERS. */
static bool sparse_histo(const uint8_t *p, const uint8_t *end, histo h) {
    long idx = 0;
    while (p < end) {
        long run;
        if (OP_IS_ZERO(*p)) {
            run = zero_len(*p);
            h[0] += run;
            p++;
        } else if (OP_IS_XZERO(*p)) {
            run = xzero_len(p, end);
            h[0] += run;
            p += 2;
        } else {
            run = val_len(*p);
            h[val_value(*p)] += run;
            p++;
        }
        idx += run;
        if (idx > HLL_REGISTERS) return false;
    }
    return idx == HLL_REGISTERS;
}

/* Ertl's sigma and tau ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284), iterated to convergence in
 * the same order as Redis so the doubles come out the same. */
static double sigma(double x) {
    if (x == 1.) return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (prev != z);
    return z;
}

static double tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double y = 1.0, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (prev != z);
    return z / 3;
}

static uint64_t estimate(const histo h) {
    double m = HLL_REGISTERS;
    double z = m * tau((m - (double)h[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += (double)h[j];
        z *= 0.5;
    }
    z += m * sigma((double)h[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

bool hll_count(const uint8_t *p, size_t len, uint64_t *card) {
    if (p[4] == HLL_DENSE) {
        uint8_t regs[HLL_REGISTERS];
        dense_unpack(p + HLL_HDR_SIZE, regs);
        *card = hll_count_registers(regs);
        return true;
    }
    histo h = {0};
    if (!sparse_histo(p + HLL_HDR_SIZE, p + len, h)) return false;
    *card = estimate(h);
    return true;
}

uint64_t hll_count_registers(const uint8_t regs[HLL_REGISTERS]) {
    /* Four histograms: consecutive registers often hold the same value,
     * and one counter would make each increment wait for the last. */
    int64_t part[4][64] = {{0}};
    for (int i = 0; i < HLL_REGISTERS; i += 4) {
        part[0][regs[i] & 63]++;
        part[1][regs[i + 1] & 63]++;
        part[2][regs[i + 2] & 63]++;
        part[3][regs[i + 3] & 63]++;
    }
    histo h;
    for (int v = 0; v < 64; v++) h[v] = part[0][v] + part[1][v] + part[2][v] + part[3][v];
    return estimate(h);
}

bool hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len) {
    const uint8_t *r = p + HLL_HDR_SIZE;
    if (p[4] == HLL_DENSE) {
        uint8_t regs[HLL_REGISTERS];
        dense_unpack(r, regs);
        for (long i = 0; i < HLL_REGISTERS; i++) max[i] = regs[i] > max[i] ? regs[i] : max[i];
        return true;
    }
    const uint8_t *end = p + len;
    long idx = 0;
    while (r < end) {
        if (OP_IS_ZERO(*r)) {
            idx += zero_len(*r);
            r++;
        } else if (OP_IS_XZERO(*r)) {
            idx += xzero_len(r, end);
            r += 2;
        } else {
            long run = val_len(*r);
            uint8_t v = (uint8_t)val_value(*r);
            if (idx + run > HLL_REGISTERS) return false;
            for (; run--; idx++)
                if (v > max[idx]) max[idx] = v;
            r++;
        }
        if (idx > HLL_REGISTERS) return false;
    }
    return idx == HLL_REGISTERS;
}

/* ---- Debugging ---- */

str *hll_decode(str *out, const uint8_t *p, size_t len) {
    const uint8_t *end = p + len;
    bool sep = false;
    for (p += HLL_HDR_SIZE; p < end; sep = true) {
        if (sep) out = str_cat(out, " ", 1);
        if (OP_IS_ZERO(*p)) {
            out = str_catfmt(out, "z:%ld", zero_len(*p));
            p++;
        } else if (OP_IS_XZERO(*p)) {
            out = str_catfmt(out, "Z:%ld", xzero_len(p, end));
            p += 2;
        } else {
            out = str_catfmt(out, "v:%d,%ld", val_value(*p), val_len(*p));
            p++;
        }
    }
    return out;
}

/* A small generator for the self test (xorshift64*). */
static uint64_t next_rand(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

const char *hll_selftest(size_t sparse_max, uint64_t seed, char *err, size_t errlen) {
    const char *fail = NULL;
    uint64_t state = seed | 1;
    /* One spare byte: the packed registers end mid-word. */
    static uint8_t regs[(HLL_REGISTERS * HLL_BITS + 7) / 8 + 1];
    static uint8_t bytes[HLL_REGISTERS];

    /* Test 1: every register keeps what was written, neighbours untouched. */
    for (int cycle = 0; cycle < 1000; cycle++) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            unsigned r = (unsigned)(next_rand(&state) & HLL_REGISTER_MAX);
            bytes[i] = (uint8_t)r;
            dense_put(regs, i, r);
        }
        for (long i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = dense_get(regs, i);
            if (v != bytes[i]) {
                snprintf(err, errlen, "TESTFAILED Register %ld should be %d but is %u", i, bytes[i],
                         v);
                return err;
            }
        }
    }

    /* Test 2: the estimate, dense and sparse side by side. */
    str *dense = hll_new();
    str *sparse = hll_new();
    if (hll_to_dense(&dense) != 1) {
        fail = "TESTFAILED dense conversion";
        goto done;
    }
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    int64_t checkpoint = 1;
    uint64_t base = next_rand(&state);
    for (int64_t j = 1; j <= 10000000; j++) {
        uint64_t ele = (uint64_t)j ^ base;
        if (hll_add(&dense, &ele, sizeof(ele), sparse_max) < 0 ||
            hll_add(&sparse, &ele, sizeof(ele), sparse_max) < 0) {
            fail = "TESTFAILED corrupt sparse value";
            goto done;
        }
        if (j != checkpoint) continue;
        if ((size_t)j < sparse_max / 2 && hll_encoding((uint8_t *)sparse->buf) != HLL_SPARSE) {
            fail = "TESTFAILED sparse encoding not used";
            goto done;
        }
        uint64_t cd, cs;
        if (!hll_count((uint8_t *)dense->buf, dense->len, &cd) ||
            !hll_count((uint8_t *)sparse->buf, sparse->len, &cs) || cd != cs) {
            fail = "TESTFAILED dense/sparse disagree";
            goto done;
        }
        int64_t abserr = checkpoint - (int64_t)cd;
        uint64_t maxerr = (uint64_t)ceil(relerr * 6 * (double)checkpoint);
        /* At 10 a collision is a likely error of more than 1 in 6 sigma. */
        if (j == 10) maxerr = 1;
        if (abserr < 0) abserr = -abserr;
        if (abserr > (int64_t)maxerr) {
            snprintf(err, errlen, "TESTFAILED Too big error. card:%llu abserr:%llu",
                     (unsigned long long)checkpoint, (unsigned long long)abserr);
            fail = err;
            goto done;
        }
        checkpoint *= 10;
    }
done:
    str_free(dense);
    str_free(sparse);
    if (fail && fail != err) {
        snprintf(err, errlen, "%s", fail);
        fail = err;
    }
    return fail;
}
