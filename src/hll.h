/* hll.h -- the HyperLogLog value: Redis's byte format and its estimator.
 *
 * A HyperLogLog is a string value, byte for byte the one Redis 7.0 writes,
 * so it moves between castor and redis-server by RDB, DUMP/RESTORE and
 * replication and counts the same:
 *
 *   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes |
 *   cached cardinality, 8 bytes little endian, top bit set = stale |
 *   registers: dense = 16384 6-bit registers packed LSB first (12288 bytes);
 *              sparse = run-length opcodes ZERO 00xxxxxx (1-64 zeros),
 *              XZERO 01xxxxxx yyyyyyyy (1-16384 zeros), VAL 1vvvvvxx
 *              (1-4 registers of value 1-32).
 *
 * Elements are hashed with MurmurHash64A (Redis's seed): the low 14 bits
 * pick the register, the run of zeros above them plus one is its value.
 * The count is Otmar Ertl's improved estimator, as Redis 7.0 computes it,
 * with the same floating-point steps so the numbers agree exactly.
 *
 * Bytes from outside (RDB, RESTORE, SETRANGE) are never trusted: every
 * reader checks opcode runs against the register count and the buffer end
 * (the CVE-2025-32023 class), and reports a corrupt sparse value instead of
 * touching memory outside it.
 *
 * Layer 1: no server state. The caller passes hll-sparse-max-bytes.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_HLL_H
#define CASTOR_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "str.h"

#define HLL_P 14                   /* register index bits */
#define HLL_Q (64 - HLL_P)         /* hash bits left for the zero run */
#define HLL_REGISTERS (1 << HLL_P) /* 16384 */
#define HLL_BITS 6
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_SPARSE_VAL_MAX 32 /* larger registers need the dense form */

enum { HLL_DENSE = 0, HLL_SPARSE = 1 };

/* Checks and creation */
/* Whether p[0..len) passes Redis's isHLLObjectOrReply: at least a header,
 * the magic, a known encoding, and exactly HLL_DENSE_SIZE bytes if dense.
 * (A sparse body is only checked when it is read.) */
static inline bool hll_is_valid(const uint8_t *p, size_t len) {
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0 || p[4] > HLL_SPARSE) return false;
    return p[4] == HLL_SPARSE || len == HLL_DENSE_SIZE;
}
/* An empty HyperLogLog: sparse, one XZERO:16384, cached cardinality 0. */
str *hll_new(void) MUST_USE;
static inline int hll_encoding(const uint8_t *p) { return p[4]; }

/* Mutation. 'hll' must have passed hll_is_valid(). Each may reallocate
 * *hll (or replace it with a dense copy when the sparse form would pass
 * sparse_max bytes or needs a register above 32); they return 1 when a
 * register grew (and then mark the cached cardinality stale), 0 when
 * nothing changed, -1 when the sparse body is corrupt. */
int hll_add(str **hll, const void *ele, size_t len, size_t sparse_max);
/* Raise register 'index' to 'count' if it is lower. */
int hll_set(str **hll, long index, uint8_t count, size_t sparse_max);
/* Convert to the dense form: 1 if converted, 0 if already dense, -1 if the
 * sparse body is corrupt (*hll is then unchanged). Keeps the header's
 * cached cardinality. */
int hll_to_dense(str **hll);

/* Reading */
/* The cached cardinality: true and *card if it is valid. */
static inline bool hll_cache_get(const uint8_t *p, uint64_t *card) {
    const uint8_t *c = p + 8; /* little endian; the top bit marks it stale */
    if (c[7] & 0x80) return false;
    *card = (uint64_t)c[0] | (uint64_t)c[1] << 8 | (uint64_t)c[2] << 16 | (uint64_t)c[3] << 24 |
            (uint64_t)c[4] << 32 | (uint64_t)c[5] << 40 | (uint64_t)c[6] << 48 |
            (uint64_t)c[7] << 56;
    return true;
}
void hll_cache_set(uint8_t *p, uint64_t card);
void hll_cache_invalidate(uint8_t *p);
/* Estimate the cardinality from the registers (the cache is not read).
 * False if a sparse body does not cover exactly HLL_REGISTERS. */
bool hll_count(const uint8_t *p, size_t len, uint64_t *card);
/* max[i] = MAX(max[i], register i of p): for PFCOUNT of several keys and
 * PFMERGE. False if a sparse body is corrupt (max may be partly updated). */
bool hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len);
/* The estimate for registers held one per byte. */
uint64_t hll_count_registers(const uint8_t regs[HLL_REGISTERS]);
/* Register i of a dense value p (as hll_is_valid() accepted it). */
unsigned hll_dense_get(const uint8_t *p, long i);

/* Debugging */
/* Append the opcodes of a sparse value as PFDEBUG DECODE prints them
 * ("Z:16384", "z:3 v:2,1 ..."), space separated. */
str *hll_decode(str *out, const uint8_t *p, size_t len) MUST_USE;
/* PFSELFTEST: register access, then 10M elements into a dense and a
 * sparse HyperLogLog side by side, checking encodings, agreement and the
 * error at each power of ten. NULL on success, else an error text written
 * into err ("TESTFAILED ..."). */
const char *hll_selftest(size_t sparse_max, uint64_t seed, char *err, size_t errlen);

#endif
