/* bitops.c -- bitmap commands on string values (SETBIT, GETBIT, BITCOUNT,
 * BITPOS, BITOP, BITFIELD, BITFIELD_RO) and LCS.
 *
 * A string is a bitmap whose bit 0 is the most significant bit of byte 0;
 * reads past the end see zeros, writes grow the string with zero bytes.
 * Writers work on a RAW value (t_string_make_raw), signal the key and
 * propagate the command as given: every one of them is deterministic.
 * As in Redis 7.0, SETBIT and BITFIELD count as a change only when a byte
 * changed or the string grew, so a no-op is neither signalled nor
 * propagated. LCS lives here too: like the bit commands it reads string
 * bytes as an array, and t_string.c stays about storing them.
 * Spec: the Redis 7.0 command reference; error texts are Redis's.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "bitops.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "t_string.h"
#include "util.h"

/* ---- Helpers ---- */

/* Announce a changed key: WATCH, notifications, dirty counter. */
/* The master's stream and the AOF are obeyed even past our own limits. */
static bool must_obey(const client *c) { return (c->flags & CLIENT_MASTER) || srv.loading; }

/* Look up a string for reading; replies WRONGTYPE and returns false if the
 * key holds another type. *out is NULL when missing. */
static bool find_string(client *c, const slice *key, kv **out) {
    return arg_lookup(c, key, KV_STRING, false, out);
}

/* Parse a bit offset: a non-negative integer whose byte is below
 * proto-max-bulk-len. With 'hash' (BITFIELD), "#N" means N * bits. */
static bool parse_bit_offset(client *c, const slice *a, bool hash, int bits, uint64_t *out) {
    bool usehash = hash && bits > 0 && a->len > 0 && a->ptr[0] == '#';
    long long v;
    if (!util_str2ll(a->ptr + usehash, a->len - usehash, &v)) {
        reply_error(c, ERR_BIT_OFFSET);
        return false;
    }
    /* Wraps like Redis's long long multiply, without the undefined behaviour. */
    if (usehash) v = (long long)((unsigned long long)v * (unsigned long long)bits);
    if (v < 0 || (!must_obey(c) && (v >> 3) >= cfg.proto_max_bulk_len)) {
        reply_error(c, ERR_BIT_OFFSET);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* Find the key of argv[1] for writing bits up to 'maxbit', creating it or
 * padding it with zero bytes as needed. The value is RAW on return.
 * *grown tells whether the key was created or lengthened. Replies
 * WRONGTYPE and returns NULL if the key holds another type. */
static kv *find_bits_for_write(client *c, uint64_t maxbit, bool *grown) {
    slice *key = &c->argv[1];
    size_t need = (size_t)(maxbit >> 3) + 1;
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e && e->type != KV_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return NULL;
    }
    *grown = false;
    if (e == NULL) {
        str *s = str_new_cap(need);
        memset(s->buf, 0, need);
        str_setlen(s, need);
        e = kv_new_raw(key->ptr, key->len, s);
        db_add(c->db, e);
        *grown = true;
        return e;
    }
    /* Like Redis's dbUnshareStringValue: the value turns RAW even when
     * nothing changes, which OBJECT ENCODING shows. */
    e = t_string_make_raw(c, e);
    str *s = kv_raw(e);
    if (s->len < need) {
        size_t old = s->len;
        s = str_reserve(s, need - old);
        memset(s->buf + old, 0, need - old);
        str_setlen(s, need);
        kv_set_raw(e, s);
        *grown = true;
    }
    return e;
}

/* Bits set in p[0..n). */
#if defined(__x86_64__)
__attribute__((target_clones("popcnt", "default")))
#endif
static long long
popcount(const unsigned char *p, size_t n) {
    long long bits = 0;
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        uint64_t w[4];
        memcpy(w, p + j, sizeof(w));
        bits += __builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) +
                __builtin_popcountll(w[2]) + __builtin_popcountll(w[3]);
    }
    for (; j + 8 <= n; j += 8) {
        uint64_t w;
        memcpy(&w, p + j, sizeof(w));
        bits += __builtin_popcountll(w);
    }
    for (; j < n; j++) bits += __builtin_popcount(p[j]);
    return bits;
}

/* Position of the first bit equal to 'bit' in p[0..n), n > 0. When there is
 * none: -1 looking for a 1, n*8 looking for a 0 (the string is taken as
 * padded with zeros on the right), as Redis's redisBitpos. */
static long long first_bit(const unsigned char *p, size_t n, int bit) {
    unsigned char skip = bit ? 0 : 0xff;
    uint64_t skipword = bit ? 0 : UINT64_MAX;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        uint64_t w;
        memcpy(&w, p + j, sizeof(w));
        if (w != skipword) break;
    }
    for (; j < n; j++) {
        if (p[j] == skip) continue;
        unsigned char b = bit ? p[j] : (unsigned char)~p[j];
        return (long long)j * 8 + __builtin_clz((unsigned)b) - 24;
    }
    return bit ? -1 : (long long)n * 8;
}

/* ---- SETBIT / GETBIT ---- */

static void cmd_setbit(client *c) {
    uint64_t offset;
    long long on;
    if (!parse_bit_offset(c, &c->argv[2], false, 0, &offset)) return;
    if (!arg_ll_msg(c, &c->argv[3], &on, ERR_BIT_VALUE)) return;
    if (on & ~1LL) {
        reply_error(c, ERR_BIT_VALUE);
        return;
    }
    bool grown;
    kv *e = find_bits_for_write(c, offset, &grown);
    if (e == NULL) return;
    unsigned char *p = (unsigned char *)kv_raw(e)->buf + (offset >> 3);
    int shift = 7 - (int)(offset & 7);
    int old = (*p >> shift) & 1;
    if (grown || old != on) {
        *p = (unsigned char)((*p & ~(1 << shift)) | (on << shift));
        db_key_changed(c->db, &c->argv[1], NOTIFY_STRING, "setbit", 1);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, old);
}

static void cmd_getbit(client *c) {
    uint64_t offset;
    if (!parse_bit_offset(c, &c->argv[2], false, 0, &offset)) return;
    kv *e;
    if (!find_string(c, &c->argv[1], &e)) return;
    int bit = 0;
    if (e) {
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const unsigned char *p = (const unsigned char *)kv_str(e, buf, &len);
        if ((offset >> 3) < len) bit = (p[offset >> 3] >> (7 - (offset & 7))) & 1;
    }
    reply_int(c, bit);
}

/* ---- BITCOUNT / BITPOS ---- */

/* A range in BYTE or BIT units turned into bytes [*start, *end] of a
 * string of 'len' bytes, with masks of the bits outside the range in the
 * first and last byte (BIT only). start > end means empty. Negative
 * indexes count from the end, as in Redis. */
static void clamp_range(long long len, bool isbit, long long *start, long long *end,
                        unsigned char *first_mask, unsigned char *last_mask) {
    long long total = isbit ? len << 3 : len;
    if (*start < 0) *start = total + *start;
    if (*end < 0) *end = total + *end;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= total) *end = total - 1;
    *first_mask = *last_mask = 0;
    if (isbit && *start <= *end) {
        *first_mask = (unsigned char)(~((1 << (8 - (*start & 7))) - 1) & 0xff);
        *last_mask = (unsigned char)((1 << (7 - (*end & 7))) - 1);
        *start >>= 3;
        *end >>= 3;
    }
}

/* Parse a BIT|BYTE unit argument; replies a syntax error if neither. */
static bool parse_unit(client *c, const slice *a, bool *isbit) {
    return arg_choice(c, a, "byte", "bit", isbit);
}

/* BITCOUNT key [start end [BYTE|BIT]]. As in Redis 7.0 the key is looked up
 * before the arguments are parsed: a missing key answers 0 whatever follows. */
static void cmd_bitcount(client *c) {
    kv *e;
    if (!find_string(c, &c->argv[1], &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    const unsigned char *p = (const unsigned char *)kv_str(e, buf, &len);
    long long start = 0, end = (long long)len - 1;
    unsigned char first_mask = 0, last_mask = 0;
    if (c->argc == 4 || c->argc == 5) {
        if (!arg_ll(c, &c->argv[2], &start) || !arg_ll(c, &c->argv[3], &end)) return;
        if (start < 0 && end < 0 && start > end) {
            reply_int(c, 0);
            return;
        }
        bool isbit = false;
        if (c->argc == 5 && !parse_unit(c, &c->argv[4], &isbit)) return;
        clamp_range((long long)len, isbit, &start, &end, &first_mask, &last_mask);
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (start > end) {
        reply_int(c, 0);
        return;
    }
    long long count = popcount(p + start, (size_t)(end - start + 1));
    /* Take away the bits of the edge bytes that are outside the range. */
    count -= __builtin_popcount(p[start] & first_mask);
    count -= __builtin_popcount(p[end] & last_mask);
    reply_int(c, count);
}

/* First 'bit' in bytes p[start..end] with edge masks; returns the position
 * relative to the whole string, or -1. With end_given, a 0 found only in the
 * implied padding past 'end' does not count (Redis 7.0's algorithm, edge
 * bytes scanned apart so that masked bits are never found). */
static long long bitpos_range(const unsigned char *p, long long start, long long end, int bit,
                              unsigned char first_mask, unsigned char last_mask, bool end_given) {
    long long bytes = end - start + 1, pos;
    unsigned char tmp;
    if (first_mask) {
        tmp = bit ? p[start] & ~first_mask : p[start] | first_mask;
        if (last_mask && bytes == 1) tmp = bit ? tmp & ~last_mask : tmp | last_mask;
        pos = first_bit(&tmp, 1, bit);
        if (bytes == 1 || (pos != -1 && pos != 8)) goto result;
        start++;
        bytes--;
    }
    long long mid = bytes - (last_mask ? 1 : 0);
    if (mid > 0) {
        pos = first_bit(p + start, (size_t)mid, bit);
        if (bytes == mid || (pos != -1 && pos != mid << 3)) goto result;
        start += mid;
        bytes -= mid;
    }
    tmp = bit ? p[end] & ~last_mask : p[end] | last_mask;
    pos = first_bit(&tmp, 1, bit);
result:
    if (end_given && bit == 0 && pos == bytes << 3) return -1;
    return pos == -1 ? -1 : pos + (start << 3);
}

/* BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is all zeros: 0
 * for a clear bit, -1 for a set one, whatever the range. */
static void cmd_bitpos(client *c) {
    long long bit;
    if (!arg_ll(c, &c->argv[2], &bit)) return;
    if (bit != 0 && bit != 1) {
        reply_error(c, ERR_BIT_ARG);
        return;
    }
    kv *e;
    if (!find_string(c, &c->argv[1], &e)) return;
    if (e == NULL) {
        reply_int(c, bit ? -1 : 0);
        return;
    }
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    const unsigned char *p = (const unsigned char *)kv_str(e, buf, &len);
    long long start = 0, end = (long long)len - 1;
    unsigned char first_mask = 0, last_mask = 0;
    bool end_given = false;
    if (c->argc >= 4 && c->argc <= 6) {
        bool isbit = false;
        if (!arg_ll(c, &c->argv[3], &start)) return;
        /* The unit is checked before the end, as Redis does. */
        if (c->argc == 6 && !parse_unit(c, &c->argv[5], &isbit)) return;
        if (c->argc >= 5) {
            if (!arg_ll(c, &c->argv[4], &end)) return;
            end_given = true;
        }
        clamp_range((long long)len, isbit, &start, &end, &first_mask, &last_mask);
    } else if (c->argc != 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (start > end) {
        reply_int(c, -1);
        return;
    }
    reply_int(c, bitpos_range(p, start, end, (int)bit, first_mask, last_mask, end_given));
}

/* ---- BITOP ---- */

enum bitop { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

/* res[0..n) op= src[0..n), eight bytes at a time where possible. */
static void bitop_apply(unsigned char *res, const unsigned char *src, size_t n, enum bitop op) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        uint64_t a, b;
        memcpy(&a, res + j, 8);
        memcpy(&b, src + j, 8);
        a = op == BITOP_AND ? a & b : op == BITOP_OR ? a | b : a ^ b;
        memcpy(res + j, &a, 8);
    }
    for (; j < n; j++) {
        if (op == BITOP_AND) res[j] &= src[j];
        else if (op == BITOP_OR) res[j] |= src[j];
        else res[j] ^= src[j];
    }
}

struct bitop_src {
    const unsigned char *p;
    size_t len;
    char buf[UTIL_LLSTR_SIZE]; /* digits of an INT-encoded value */
};

/* BITOP op destkey key [key ...]: missing keys are empty strings, shorter
 * strings are padded with zeros. An empty result deletes destkey. */
static void cmd_bitop(client *c) {
    enum bitop op;
    slice *dest = &c->argv[2];
    if (arg_is(&c->argv[1], "and")) op = BITOP_AND;
    else if (arg_is(&c->argv[1], "or")) op = BITOP_OR;
    else if (arg_is(&c->argv[1], "xor")) op = BITOP_XOR;
    else if (arg_is(&c->argv[1], "not")) op = BITOP_NOT;
    else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (op == BITOP_NOT && c->argc != 4) {
        reply_error(c, ERR_BITOP_NOT);
        return;
    }
    int n = c->argc - 3;
    struct bitop_src *src = mem_alloc(sizeof(*src) * (size_t)n);
    size_t maxlen = 0;
    for (int i = 0; i < n; i++) {
        kv *e;
        if (!find_string(c, &c->argv[3 + i], &e)) {
            mem_free(src);
            return;
        }
        src[i].p = NULL;
        src[i].len = 0;
        if (e) src[i].p = (const unsigned char *)kv_str(e, src[i].buf, &src[i].len);
        if (src[i].len > maxlen) maxlen = src[i].len;
    }
    if (maxlen == 0) {
        mem_free(src);
        db_delete_propagate(c->db, dest->ptr, dest->len);
        reply_int(c, 0);
        return;
    }
    /* Sources are read in full before destkey (maybe one of them) changes. */
    str *res = str_new_cap(maxlen);
    unsigned char *r = (unsigned char *)res->buf;
    memset(r, 0, maxlen);
    if (src[0].len) memcpy(r, src[0].p, src[0].len);
    if (op == BITOP_NOT) {
        for (size_t j = 0; j < maxlen; j++) r[j] = (unsigned char)~r[j];
    }
    for (int i = 1; i < n; i++) {
        bitop_apply(r, src[i].p, src[i].len, op);
        if (op == BITOP_AND) memset(r + src[i].len, 0, maxlen - src[i].len);
    }
    str_setlen(res, maxlen);
    mem_free(src);
    db_set(c->db, kv_new_raw(dest->ptr, dest->len, res), 0);
    db_key_changed(c->db, dest, NOTIFY_STRING, "set", 1);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, (long long)maxlen);
}

/* ---- BITFIELD ---- */

enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };
enum bf_opcode { BF_GET, BF_SET, BF_INCRBY };

struct bf_op {
    uint64_t offset;
    int64_t value; /* SET value or INCRBY increment */
    enum bf_opcode opcode;
    enum bf_overflow overflow;
    int bits;
    bool sign;
};

/* Parse a type such as i16 or u8: i1..i64, u1..u63 (a u64 could not be
 * replied as a RESP integer). Like Redis, the digits end at a NUL byte. */
static bool parse_bf_type(client *c, const slice *a, bool *sign, int *bits) {
    long long v;
    if (a->len == 0 || (a->ptr[0] != 'i' && a->ptr[0] != 'u')) {
        reply_error(c, ERR_BITFIELD_TYPE);
        return false;
    }
    *sign = a->ptr[0] == 'i';
    const char *nul = memchr(a->ptr + 1, '\0', a->len - 1);
    size_t n = nul ? (size_t)(nul - (a->ptr + 1)) : a->len - 1;
    if (!util_str2ll(a->ptr + 1, n, &v) || v < 1 || v > (*sign ? 64 : 63)) {
        reply_error(c, ERR_BITFIELD_TYPE);
        return false;
    }
    *bits = (int)v;
    return true;
}

static uint64_t bf_get_unsigned(const unsigned char *p, uint64_t offset, int bits) {
    uint64_t v = 0;
    for (int j = 0; j < bits; j++, offset++)
        v = (v << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
    return v;
}

static int64_t bf_get_signed(const unsigned char *p, uint64_t offset, int bits) {
    uint64_t v = bf_get_unsigned(p, offset, bits);
    if (bits < 64 && (v & ((uint64_t)1 << (bits - 1)))) v |= UINT64_MAX << bits;
    return (int64_t)v;
}

static void bf_set(unsigned char *p, uint64_t offset, int bits, uint64_t v) {
    for (int j = 0; j < bits; j++, offset++) {
        int bit = (v >> (bits - 1 - j)) & 1;
        int shift = 7 - (int)(offset & 7);
        p[offset >> 3] = (unsigned char)((p[offset >> 3] & ~(1 << shift)) | (bit << shift));
    }
}

/* Would value+incr leave the range of a 'bits'-wide unsigned field? Returns
 * 1 above, -1 below, 0 if it fits; when it does not, *limit is the value
 * to store under WRAP or SAT. Redis's exact arithmetic, so that even
 * out-of-range SET values land where Redis puts them. */
static int bf_check_unsigned(uint64_t value, int64_t incr, int bits, enum bf_overflow ow,
                             uint64_t *limit) {
    uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    int64_t maxincr = (int64_t)(max - value);
    int64_t minincr = (int64_t)(0 - value);
    int dir;
    if (value > max || (incr > 0 && incr > maxincr)) dir = 1;
    else if (incr < 0 && incr < minincr) dir = -1;
    else return 0;
    if (ow == BF_WRAP) *limit = (value + (uint64_t)incr) & ~(UINT64_MAX << bits);
    else if (ow == BF_SAT) *limit = dir > 0 ? max : 0;
    return dir;
}

/* The signed twin of bf_check_unsigned. */
static int bf_check_signed(int64_t value, int64_t incr, int bits, enum bf_overflow ow,
                           int64_t *limit) {
    int64_t max = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
    int64_t min = -max - 1;
    /* These may wrap (Redis computes them the same way); they are only
     * trusted after 'value' itself was checked against the range. */
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr))
        dir = -1;
    else return 0;
    if (ow == BF_WRAP) {
        uint64_t v = (uint64_t)value + (uint64_t)incr;
        if (bits < 64) {
            uint64_t mask = UINT64_MAX << bits;
            v = (v & ((uint64_t)1 << (bits - 1))) ? v | mask : v & ~mask;
        }
        *limit = (int64_t)v;
    } else if (ow == BF_SAT) {
        *limit = dir > 0 ? max : min;
    }
    return dir;
}

/* Run one SET or INCRBY on the RAW bytes p; replies its value (or null
 * when OVERFLOW FAIL refuses it). Returns 1 if the bits changed, 0 if the
 * same bits were written, -1 if OVERFLOW FAIL refused the write. */
static int bf_write(client *c, unsigned char *p, const struct bf_op *op) {
    uint64_t oldbits, newbits;
    long long reply;
    int overflow;
    if (op->sign) {
        int64_t old = bf_get_signed(p, op->offset, op->bits), val, wrapped = 0;
        if (op->opcode == BF_INCRBY) {
            overflow = bf_check_signed(old, op->value, op->bits, op->overflow, &wrapped);
            val = overflow ? wrapped : old + op->value;
            reply = val;
        } else {
            overflow = bf_check_signed(op->value, 0, op->bits, op->overflow, &wrapped);
            val = overflow ? wrapped : op->value;
            reply = old;
        }
        oldbits = (uint64_t)old;
        newbits = (uint64_t)val;
    } else {
        uint64_t old = bf_get_unsigned(p, op->offset, op->bits), val, wrapped = 0;
        if (op->opcode == BF_INCRBY) {
            overflow = bf_check_unsigned(old, op->value, op->bits, op->overflow, &wrapped);
            val = overflow ? wrapped : old + (uint64_t)op->value;
            reply = (long long)val;
        } else {
            overflow = bf_check_unsigned((uint64_t)op->value, 0, op->bits, op->overflow, &wrapped);
            val = overflow ? wrapped : (uint64_t)op->value;
            reply = (long long)old;
        }
        oldbits = old;
        newbits = val;
    }
    if (overflow && op->overflow == BF_FAIL) {
        reply_null(c);
        return -1;
    }
    reply_int(c, reply);
    bf_set(p, op->offset, op->bits, newbits);
    return oldbits != newbits;
}

/* GET on a possibly missing or INT-encoded value: the bytes past the end
 * read as zeros. */
static void bf_get(client *c, const kv *e, const struct bf_op *op) {
    unsigned char win[9] = {0};
    uint64_t byte = op->offset >> 3;
    if (e) {
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const char *p = kv_str(e, buf, &len);
        for (uint64_t i = 0; i < 9 && byte + i < len; i++) win[i] = (unsigned char)p[byte + i];
    }
    uint64_t off = op->offset - byte * 8;
    if (op->sign) reply_int(c, bf_get_signed(win, off, op->bits));
    else reply_int(c, (long long)bf_get_unsigned(win, off, op->bits));
}

/* Parse every subcommand of BITFIELD from argv[2]; replies and returns
 * NULL on the first error. Caller frees. */
static struct bf_op *bf_parse(client *c, int *nops, bool *readonly, uint64_t *maxbit) {
    struct bf_op *ops = mem_alloc(sizeof(*ops) * (size_t)(c->argc / 3 + 1));
    enum bf_overflow ow = BF_WRAP;
    *nops = 0;
    *readonly = true;
    *maxbit = 0;
    for (int j = 2; j < c->argc; j++) {
        int more = c->argc - j - 1;
        slice *a = &c->argv[j];
        struct bf_op op = {.overflow = ow};
        if (arg_is(a, "get") && more >= 2) op.opcode = BF_GET;
        else if (arg_is(a, "set") && more >= 3) op.opcode = BF_SET;
        else if (arg_is(a, "incrby") && more >= 3) op.opcode = BF_INCRBY;
        else if (arg_is(a, "overflow") && more >= 1) {
            slice *t = &c->argv[++j];
            if (arg_is(t, "wrap")) ow = BF_WRAP;
            else if (arg_is(t, "sat")) ow = BF_SAT;
            else if (arg_is(t, "fail")) ow = BF_FAIL;
            else {
                reply_error(c, ERR_BITFIELD_OVERFLOW);
                goto fail;
            }
            continue;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto fail;
        }
        if (!parse_bf_type(c, &c->argv[j + 1], &op.sign, &op.bits)) goto fail;
        if (!parse_bit_offset(c, &c->argv[j + 2], true, op.bits, &op.offset)) goto fail;
        if (op.opcode != BF_GET) {
            long long v;
            *readonly = false;
            if (*maxbit < op.offset + (uint64_t)op.bits - 1) *maxbit = op.offset + op.bits - 1;
            if (!arg_ll(c, &c->argv[j + 3], &v)) goto fail;
            op.value = v;
        }
        ops[(*nops)++] = op;
        j += op.opcode == BF_GET ? 2 : 3;
    }
    return ops;
fail:
    mem_free(ops);
    return NULL;
}

/* BITFIELD and BITFIELD_RO. All subcommands are parsed before any runs, so
 * an error leaves the key untouched. Like Redis 7.0 the command notifies
 * "setbit" and touches watchers only when a SET/INCRBY that OVERFLOW FAIL
 * did not refuse changed bits or wrote into a string it grew; unlike it,
 * growth alone (OVERFLOW FAIL refusing every write on a new key, which is
 * still created zeroed) is propagated, silently, so a replica and the AOF
 * get the key the master now has. */
static void bitfield_generic(client *c, bool ro_command) {
    int nops;
    bool readonly;
    uint64_t maxbit;
    struct bf_op *ops = bf_parse(c, &nops, &readonly, &maxbit);
    if (ops == NULL) return;
    kv *e;
    bool grown = false;
    if (readonly) {
        if (!find_string(c, &c->argv[1], &e)) goto done;
    } else {
        if (ro_command) {
            reply_error(c, ERR_BITFIELD_RO);
            goto done;
        }
        if ((e = find_bits_for_write(c, maxbit, &grown)) == NULL) goto done;
    }
    long long changes = 0;
    reply_array(c, nops);
    for (int i = 0; i < nops; i++) {
        if (ops[i].opcode == BF_GET) {
            bf_get(c, e, &ops[i]);
            continue;
        }
        int r = bf_write(c, (unsigned char *)kv_raw(e)->buf, &ops[i]);
        if (r == 1 || (r == 0 && grown)) changes++;
    }
    if (changes) {
        db_key_changed(c->db, &c->argv[1], NOTIFY_STRING, "setbit", changes);
        propagate(c->dbid, c->argc, c->argv);
    } else if (grown) {
        srv.dirty++;
        propagate(c->dbid, c->argc, c->argv);
    }
done:
    mem_free(ops);
}

static void cmd_bitfield(client *c) { bitfield_generic(c, false); }
static void cmd_bitfield_ro(client *c) { bitfield_generic(c, true); }

/* ---- LCS ---- */

/* Reply one IDX match: [[a_start, a_end], [b_start, b_end], (len)]. */
static void reply_lcs_match(client *c, uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1,
                            bool withlen) {
    reply_array(c, 2 + withlen);
    reply_array(c, 2);
    reply_int(c, a0);
    reply_int(c, a1);
    reply_array(c, 2);
    reply_int(c, b0);
    reply_int(c, b1);
    if (withlen) reply_int(c, (long long)a1 - a0 + 1);
}

/* Walk the LCS table back from its corner, filling 'out' (the LCS string,
 * may be NULL) and, with 'idx', replying the matching ranges from the end
 * of the strings backwards, exactly as Redis orders them. Returns how many
 * ranges were replied. */
static long long lcs_walk(client *c, const uint32_t *t, const char *a, uint32_t alen, const char *b,
                          uint32_t blen, char *out, bool idx, long long minlen, bool withlen) {
#define T(i, j) t[(size_t)(j) + (size_t)(i) * ((size_t)blen + 1)]
    uint32_t i = alen, j = blen, k = T(alen, blen);
    uint32_t a0 = alen, a1 = 0, b0 = 0, b1 = 0; /* current range; a0 == alen: none */
    long long nranges = 0;
    while (i > 0 && j > 0) {
        bool emit = false;
        if (a[i - 1] == b[j - 1]) {
            if (out) out[k - 1] = a[i - 1];
            if (a0 == alen) {
                a0 = a1 = i - 1;
                b0 = b1 = j - 1;
            } else if (a0 == i && b0 == j) {
                a0--;
                b0--;
            } else {
                emit = true;
            }
            if (a0 == 0 || b0 == 0) emit = true;
            k--;
            i--;
            j--;
        } else {
            if (T(i - 1, j) > T(i, j - 1)) i--;
            else j--;
            if (a0 != alen) emit = true;
        }
        if (emit) {
            if (idx && (minlen == 0 || (long long)(a1 - a0 + 1) >= minlen)) {
                reply_lcs_match(c, a0, a1, b0, b1, withlen);
                nranges++;
            }
            a0 = alen;
        }
    }
    return nranges;
#undef T
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest
 * common subsequence by the classic O(N*M) table, whose size is bounded by
 * proto-max-bulk-len. Missing keys are empty strings. */
static void cmd_lcs(client *c) {
    kv *ea = db_find_read(c->db, c->argv[1].ptr, c->argv[1].len);
    kv *eb = db_find_read(c->db, c->argv[2].ptr, c->argv[2].len);
    if ((ea && ea->type != KV_STRING) || (eb && eb->type != KV_STRING)) {
        reply_error(c, ERR_LCS_TYPE);
        return;
    }
    bool getlen = false, getidx = false, withlen = false;
    long long minlen = 0;
    for (int j = 3; j < c->argc; j++) {
        slice *a = &c->argv[j];
        if (arg_is(a, "idx")) getidx = true;
        else if (arg_is(a, "len")) getlen = true;
        else if (arg_is(a, "withmatchlen")) withlen = true;
        else if (arg_is(a, "minmatchlen") && j + 1 < c->argc) {
            if (!arg_ll(c, &c->argv[++j], &minlen)) return;
            if (minlen < 0) minlen = 0;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (getlen && getidx) {
        reply_error(c, ERR_LCS_BOTH);
        return;
    }
    char abuf[UTIL_LLSTR_SIZE], bbuf[UTIL_LLSTR_SIZE];
    size_t alen = 0, blen = 0;
    const char *a = ea ? kv_str(ea, abuf, &alen) : "";
    const char *b = eb ? kv_str(eb, bbuf, &blen) : "";
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        reply_error(c, ERR_LCS_TOO_LONG);
        return;
    }
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long size = cells * sizeof(uint32_t);
    if (size >= SIZE_MAX || size / cells != sizeof(uint32_t)) {
        reply_error(c, ERR_LCS_MEM_FAIL);
        return;
    }
    if (size > (unsigned long long)cfg.proto_max_bulk_len) {
        reply_error(c, ERR_LCS_MEM_LIMIT);
        return;
    }
    /* Redis tries the allocation and fails softly; mem.c aborts on OOM, so
     * a table this large must fit (proto-max-bulk-len bounds it). */
    uint32_t *t = mem_alloc((size_t)size);
    size_t w = blen + 1;
    for (size_t i = 0; i <= alen; i++) {
        for (size_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0) t[i * w + j] = 0;
            else if (a[i - 1] == b[j - 1]) t[i * w + j] = t[(i - 1) * w + j - 1] + 1;
            else {
                uint32_t up = t[(i - 1) * w + j], left = t[i * w + j - 1];
                t[i * w + j] = up > left ? up : left;
            }
        }
    }
    uint32_t total = t[alen * w + blen];
    if (getlen) {
        reply_int(c, total);
    } else if (getidx) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "matches");
        void *node = reply_defer(c);
        long long n =
            lcs_walk(c, t, a, (uint32_t)alen, b, (uint32_t)blen, NULL, true, minlen, withlen);
        reply_set_deferred_array(c, node, n);
        reply_bulk_cstr(c, "len");
        reply_int(c, total);
    } else {
        char *out = mem_alloc(total ? total : 1);
        lcs_walk(c, t, a, (uint32_t)alen, b, (uint32_t)blen, out, false, 0, false);
        reply_bulk(c, out, total);
        mem_free(out);
    }
    mem_free(t);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command bitops_commands[] = {
    {.name = "lcs", .proc = cmd_lcs, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_STRING | ACL_READ | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "setbit", .proc = cmd_setbit, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_BITMAP | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "getbit", .proc = cmd_getbit, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_BITMAP | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "bitcount", .proc = cmd_bitcount, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_BITMAP | ACL_READ | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "bitpos", .proc = cmd_bitpos, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_BITMAP | ACL_READ | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "bitop", .proc = cmd_bitop, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_BITMAP | ACL_WRITE | ACL_SLOW, .keys = {2, -1, 1}},
    {.name = "bitfield", .proc = cmd_bitfield, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_BITMAP | ACL_WRITE | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "bitfield_ro", .proc = cmd_bitfield_ro, .arity = -2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_BITMAP | ACL_READ | ACL_FAST, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
