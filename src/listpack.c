/* listpack.c -- Redis 7.0's listpack, byte for byte: a compact contiguous
 * sequence of strings and integers used by small hashes, sorted sets and
 * list nodes, and stored verbatim in RDB files.
 *
 * Layout: <total-bytes:u32le> <num-elements:u16le> <entry>... <0xFF>.
 * An entry is <encoding+data><backlen>. The encoding byte says how long the
 * entry is, so lists walk forward; backlen (the size of encoding+data,
 * written as 1-5 bytes of 7 bits, most significant first, every byte but the
 * first flagged with bit 7) lets them walk backward from the next entry.
 * Encodings, smallest that fits: 0xxxxxxx 7-bit uint; 10xxxxxx 6-bit-length
 * string; 110xxxxx 13-bit int; 1110xxxx 12-bit-length string; 0xF1/F2/F3/F4
 * 16/24/32/64-bit int (little endian, two's complement); 0xF0 32-bit-length
 * string. A string that is a canonical integer is always stored as one.
 * The element count saturates at 65535 ("unknown"); lp_len() then counts.
 * Invariants: total bytes in the header equals the allocation's used size;
 * the last byte is 0xFF. Outside bytes go through lp_validate() first; every
 * other function trusts its listpack (ASSERT only guards our own bugs).
 * Spec: Redis 7.0 src/listpack.c and its listpack.md.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "listpack.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"

#define LP_HDR_SIZE 6
#define LP_HDR_NUMELE_UNKNOWN UINT16_MAX
#define LP_EOF 0xFF
#define LP_MAX_SAFETY_SIZE (1u << 30)

#define LP_ENC_6BIT_STR 0x80
#define LP_ENC_13BIT_INT 0xC0
#define LP_ENC_12BIT_STR 0xE0
#define LP_ENC_32BIT_STR 0xF0
#define LP_ENC_16BIT_INT 0xF1
#define LP_ENC_24BIT_INT 0xF2
#define LP_ENC_32BIT_INT 0xF3
#define LP_ENC_64BIT_INT 0xF4

#define IS_7BIT_UINT(b) (((b)&0x80) == 0)
#define IS_6BIT_STR(b) (((b)&0xC0) == LP_ENC_6BIT_STR)
#define IS_13BIT_INT(b) (((b)&0xE0) == LP_ENC_13BIT_INT)
#define IS_12BIT_STR(b) (((b)&0xF0) == LP_ENC_12BIT_STR)

/* ---- Header ---- */

static uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_u32(unsigned char *p, uint32_t v) {
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = (v >> 24) & 0xff;
}

static uint32_t hdr_numele(const unsigned char *lp) {
    return (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
}

static void set_numele(unsigned char *lp, uint32_t n) {
    lp[4] = n & 0xff;
    lp[5] = (n >> 8) & 0xff;
}

size_t lp_bytes(const unsigned char *lp) { return get_u32(lp); }

/* ---- Entry sizes ---- */

/* Bytes a backlen of value l takes. */
static unsigned backlen_size(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

/* Write the backlen of l into buf (which must hold backlen_size(l)). */
static unsigned encode_backlen(unsigned char *buf, uint64_t l) {
    if (l <= 127) { /* nearly every entry: one byte, no loop */
        buf[0] = (unsigned char)l;
        return 1;
    }
    unsigned n = backlen_size(l);
    for (unsigned i = 0; i < n; i++) {
        unsigned shift = 7 * (n - 1 - i);
        buf[i] = (unsigned char)((l >> shift) & 127);
        if (i > 0) buf[i] |= 128;
    }
    return n;
}

/* Decode the backlen whose last byte is at p. UINT64_MAX if longer than
 * five bytes (only corrupt input). Never reads below 'floor'. */
static uint64_t decode_backlen(const unsigned char *p, const unsigned char *floor) {
    uint64_t val = 0;
    unsigned shift = 0;
    for (;;) {
        val |= (uint64_t)(p[0] & 127) << shift;
        if (!(p[0] & 128)) break;
        shift += 7;
        if (shift > 28 || p == floor) return UINT64_MAX;
        p--;
    }
    return val;
}

/* Bytes of the encoding byte(s) that hold the entry's length, 0 for an
 * invalid encoding byte. */
static unsigned enc_len_bytes(unsigned char b) {
    if (IS_7BIT_UINT(b) || IS_6BIT_STR(b)) return 1;
    if (IS_13BIT_INT(b) || IS_12BIT_STR(b)) return 2;
    switch (b) {
    case LP_ENC_16BIT_INT:
    case LP_ENC_24BIT_INT:
    case LP_ENC_32BIT_INT:
    case LP_ENC_64BIT_INT:
    case LP_EOF: return 1;
    case LP_ENC_32BIT_STR: return 5;
    default: return 0;
    }
}

/* Size of encoding+data of the entry at p (not its backlen). Needs the
 * enc_len_bytes() bytes at p readable; 0 for an invalid encoding. */
static uint64_t entry_enc_size(const unsigned char *p) {
    unsigned char b = p[0];
    if (IS_7BIT_UINT(b)) return 1;
    if (IS_6BIT_STR(b)) return 1 + (b & 0x3F);
    if (IS_13BIT_INT(b)) return 2;
    if (IS_12BIT_STR(b)) return 2 + (((uint64_t)(b & 0x0F) << 8) | p[1]);
    switch (b) {
    case LP_ENC_16BIT_INT: return 3;
    case LP_ENC_24BIT_INT: return 4;
    case LP_ENC_32BIT_INT: return 5;
    case LP_ENC_64BIT_INT: return 9;
    case LP_ENC_32BIT_STR: return 5 + (uint64_t)get_u32(p + 1);
    case LP_EOF: return 1;
    default: return 0;
    }
}

/* Whole size of the entry at p, backlen included. */
static uint64_t entry_size(const unsigned char *p) {
    uint64_t l = entry_enc_size(p);
    return l + backlen_size(l);
}

/* ---- Encoding ---- */

/* Encode v in the smallest integer encoding into buf (9 bytes); returns
 * its size. */
static unsigned encode_int(unsigned char *buf, long long v) {
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t u = v < 0 ? (uint64_t)((1LL << 13) + v) : (uint64_t)v;
        buf[0] = (unsigned char)((u >> 8) | LP_ENC_13BIT_INT);
        buf[1] = u & 0xff;
        return 2;
    }
    unsigned nbytes;
    unsigned char enc;
    if (v >= -32768 && v <= 32767) {
        nbytes = 2;
        enc = LP_ENC_16BIT_INT;
    } else if (v >= -8388608 && v <= 8388607) {
        nbytes = 3;
        enc = LP_ENC_24BIT_INT;
    } else if (v >= -2147483648LL && v <= 2147483647LL) {
        nbytes = 4;
        enc = LP_ENC_32BIT_INT;
    } else {
        nbytes = 8;
        enc = LP_ENC_64BIT_INT;
    }
    uint64_t u = (uint64_t)v; /* two's complement, truncated to nbytes */
    buf[0] = enc;
    for (unsigned i = 0; i < nbytes; i++) buf[1 + i] = (u >> (8 * i)) & 0xff;
    return 1 + nbytes;
}

/* The size encode_int() gives v. */
static unsigned int_enc_size(long long v) {
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648LL && v <= 2147483647LL) return 5;
    return 9;
}

/* Size of the string header for a string of len bytes. */
static unsigned str_hdr_size(size_t len) {
    if (len < 64) return 1;
    if (len < 4096) return 2;
    return 5;
}

static void encode_str(unsigned char *buf, const char *s, size_t len) {
    unsigned h = str_hdr_size(len);
    if (h == 1) {
        buf[0] = (unsigned char)(len | LP_ENC_6BIT_STR);
    } else if (h == 2) {
        buf[0] = (unsigned char)((len >> 8) | LP_ENC_12BIT_STR);
        buf[1] = len & 0xff;
    } else {
        buf[0] = LP_ENC_32BIT_STR;
        set_u32(buf + 1, (uint32_t)len);
    }
    if (len) memcpy(buf + h, s, len);
}

/* Sign-extend the low 'bits' bits of u. */
static long long sign_extend(uint64_t u, unsigned bits) {
    uint64_t negstart = (uint64_t)1 << (bits - 1);
    if (bits == 64 || u < negstart) return (long long)u;
    uint64_t negmax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    return -(long long)(negmax - u) - 1;
}

/* ---- Creation ---- */

/* An empty listpack with room for 'capacity' bytes (at least its 7). */
unsigned char *lp_new(size_t capacity) {
    if (capacity < LP_HDR_SIZE + 1) capacity = LP_HDR_SIZE + 1;
    unsigned char *lp = mem_alloc(capacity);
    set_u32(lp, LP_HDR_SIZE + 1);
    set_numele(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lp_free(unsigned char *lp) { mem_free(lp); }

unsigned char *lp_dup(const unsigned char *lp) { return mem_memdup(lp, lp_bytes(lp)); }

/* Number of elements. When the header count has saturated, counts them, and
 * stores the count again if it fits (as Redis's lpLength does). */
unsigned long lp_len(const unsigned char *lp) {
    uint32_t n = hdr_numele(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) return n;
    unsigned long count = 0;
    for (const unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) count++;
    /* The listpack is always writable memory; caching the count is what
     * keeps repeated lp_len() calls cheap after deletions. */
    if (count < LP_HDR_NUMELE_UNKNOWN) set_numele((unsigned char *)lp, (uint32_t)count);
    return count;
}

/* ---- Navigation ---- */

unsigned char *lp_first(const unsigned char *lp) {
    const unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_next(const unsigned char *lp, const unsigned char *p) {
    ASSERT(p && p[0] != LP_EOF);
    p += entry_size(p);
    ASSERT((size_t)(p - lp) < lp_bytes(lp));
    return p[0] == LP_EOF ? NULL : (unsigned char *)p;
}

unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p) {
    ASSERT(p);
    if (p == lp + LP_HDR_SIZE) return NULL;
    p--;
    uint64_t prevlen = decode_backlen(p, lp + LP_HDR_SIZE);
    ASSERT(prevlen != UINT64_MAX);
    prevlen += backlen_size(prevlen);
    p -= prevlen - 1;
    ASSERT(p >= lp + LP_HDR_SIZE);
    return (unsigned char *)p;
}

unsigned char *lp_last(const unsigned char *lp) {
    const unsigned char *eof = lp + lp_bytes(lp) - 1;
    return lp_prev(lp, eof);
}

unsigned char *lp_seek(const unsigned char *lp, long index) {
    unsigned long n = lp_len(lp);
    if (index < 0) index += (long)n;
    if (index < 0 || (unsigned long)index >= n) return NULL;
    unsigned char *p;
    if ((unsigned long)index > n / 2) {
        p = lp_last(lp);
        for (unsigned long i = n - 1; i > (unsigned long)index; i--) p = lp_prev(lp, p);
    } else {
        p = lp_first(lp);
        for (long i = 0; i < index; i++) p = lp_next(lp, p);
    }
    return p;
}

/* ---- Reading ---- */

/* Decode the element at p: returns its string bytes (setting *len), or
 * NULL for an integer (setting *v). */
static const unsigned char *decode(const unsigned char *p, size_t *len, long long *v) {
    unsigned char b = p[0];
    if (IS_7BIT_UINT(b)) {
        *v = b;
        return NULL;
    }
    if (IS_6BIT_STR(b)) {
        *len = b & 0x3F;
        return p + 1;
    }
    if (IS_13BIT_INT(b)) {
        *v = sign_extend(((uint64_t)(b & 0x1F) << 8) | p[1], 13);
        return NULL;
    }
    if (IS_12BIT_STR(b)) {
        *len = ((size_t)(b & 0x0F) << 8) | p[1];
        return p + 2;
    }
    unsigned nbytes;
    switch (b) {
    case LP_ENC_16BIT_INT: nbytes = 2; break;
    case LP_ENC_24BIT_INT: nbytes = 3; break;
    case LP_ENC_32BIT_INT: nbytes = 4; break;
    case LP_ENC_64BIT_INT: nbytes = 8; break;
    case LP_ENC_32BIT_STR: *len = get_u32(p + 1); return p + 5;
    default: ASSERT(!"invalid listpack encoding"); return NULL;
    }
    uint64_t u = 0;
    for (unsigned i = 0; i < nbytes; i++) u |= (uint64_t)p[1 + i] << (8 * i);
    *v = sign_extend(u, nbytes * 8);
    return NULL;
}

const unsigned char *lp_get(const unsigned char *p, size_t *len, long long *ival,
                            unsigned char *intbuf) {
    long long v = 0;
    size_t l = 0;
    const unsigned char *s = decode(p, &l, &v);
    if (s) {
        *len = l;
        return s;
    }
    if (intbuf == NULL) {
        if (ival) *ival = v;
        return NULL;
    }
    *len = util_ll2str((char *)intbuf, v);
    if (ival) *ival = v;
    return intbuf;
}

bool lp_get_int(const unsigned char *p, long long *v) {
    size_t len;
    long long iv = 0;
    if (decode(p, &len, &iv)) return false;
    *v = iv;
    return true;
}

void lp_get_entry(const unsigned char *p, lp_entry *e) {
    size_t len = 0;
    long long v = 0;
    const unsigned char *s = decode(p, &len, &v);
    e->sval = s;
    e->slen = s ? (uint32_t)len : 0;
    e->lval = s ? 0 : v;
}

/* Compare the element at p with s, given s's integer value if it has one. */
static bool eq_with(const unsigned char *p, const char *s, size_t len, bool s_is_int,
                    long long sv) {
    size_t l = 0;
    long long v = 0;
    const unsigned char *es = decode(p, &l, &v);
    if (es) return l == len && util_mem_eq(es, s, len);
    return s_is_int && v == sv;
}

bool lp_eq(const unsigned char *p, const char *s, size_t len) {
    size_t l = 0;
    long long v = 0;
    const unsigned char *es = decode(p, &l, &v);
    if (es) return l == len && util_mem_eq(es, s, len);
    /* Only an integer element needs s's value. */
    long long sv;
    return util_str2ll(s, len, &sv) && v == sv;
}

unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const char *s, size_t len,
                       unsigned skip) {
    long long sv = 0;
    bool s_is_int = util_str2ll(s, len, &sv);
    unsigned skipcnt = 0;
    while (p) {
        if (skipcnt == 0) {
            if (eq_with(p, s, len, s_is_int, sv)) return p;
            skipcnt = skip;
        } else {
            skipcnt--;
        }
        p = lp_next(lp, p);
    }
    return NULL;
}

/* ---- Insertion and deletion ---- */

/* Shrink the allocation to the header's size when it has slack. */
static unsigned char *shrink_to_fit(unsigned char *lp) {
    size_t bytes = lp_bytes(lp);
    if (mem_usable(lp) > bytes) lp = mem_realloc(lp, bytes);
    return lp;
}

unsigned char *lp_shrink(unsigned char *lp) { return shrink_to_fit(lp); }

/* The one writer: put the ready-encoded entry enc[0..enclen) before p or in
 * place of p, or delete p (enc NULL, where LP_REPLACE). */
static unsigned char *insert_raw(unsigned char *lp, const unsigned char *enc, size_t enclen,
                                 const char *str, size_t slen, unsigned char *p, int where,
                                 unsigned char **newp) {
    bool del = enc == NULL && str == NULL;
    ASSERT(p);
    if (where == LP_AFTER) {
        ASSERT(p[0] != LP_EOF);
        p += entry_size(p);
        where = LP_BEFORE;
    }
    size_t poff = (size_t)(p - lp);
    size_t elen = enc ? enclen : (str ? str_hdr_size(slen) + slen : 0);
    if (where == LP_REPLACE && !del && entry_enc_size(p) == elen) {
        /* Same size (a counter that keeps its width): overwrite in place,
         * the backlen stays right. */
        if (enc) memcpy(p, enc, enclen);
        else encode_str(p, str, slen);
        if (newp) *newp = p;
        return lp;
    }
    unsigned char backlen[5];
    unsigned blen = del ? 0 : encode_backlen(backlen, elen);
    uint64_t old_bytes = lp_bytes(lp);
    uint64_t replaced = where == LP_REPLACE ? entry_size(p) : 0;
    uint64_t new_bytes = old_bytes + elen + blen - replaced;
    ASSERT(new_bytes <= UINT32_MAX);

    unsigned char *dst = lp + poff;
    if (new_bytes > old_bytes && new_bytes > mem_usable(lp)) {
        lp = mem_realloc(lp, new_bytes);
        dst = lp + poff;
    }
    if (where == LP_BEFORE) {
        memmove(dst + elen + blen, dst, old_bytes - poff);
    } else {
        memmove(dst + elen + blen, dst + replaced, old_bytes - poff - replaced);
    }
    if (new_bytes < old_bytes) {
        lp = mem_realloc(lp, new_bytes);
        dst = lp + poff;
    }
    if (newp) {
        *newp = dst;
        if (del && dst[0] == LP_EOF) *newp = NULL;
    }
    if (!del) {
        if (enc) memcpy(dst, enc, enclen);
        else encode_str(dst, str, slen);
        memcpy(dst + elen, backlen, blen);
    }
    if (where != LP_REPLACE || del) {
        uint32_t n = hdr_numele(lp);
        if (n != LP_HDR_NUMELE_UNKNOWN) set_numele(lp, del ? n - 1 : n + 1);
    }
    set_u32(lp, (uint32_t)new_bytes);
    return lp;
}

/* Insert a string, using an integer encoding if it is a canonical integer. */
static unsigned char *insert_str(unsigned char *lp, const char *s, size_t len, unsigned char *p,
                                 int where, unsigned char **newp) {
    long long v;
    if (util_str2ll(s, len, &v)) {
        unsigned char buf[9];
        unsigned n = encode_int(buf, v);
        return insert_raw(lp, buf, n, NULL, 0, p, where, newp);
    }
    return insert_raw(lp, NULL, 0, s ? s : "", len, p, where, newp);
}

unsigned char *lp_insert(unsigned char *lp, const char *s, size_t len, unsigned char *p, int where,
                         unsigned char **newp) {
    return insert_str(lp, s, len, p, where, newp);
}

unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p, int where,
                             unsigned char **newp) {
    unsigned char buf[9];
    unsigned n = encode_int(buf, v);
    return insert_raw(lp, buf, n, NULL, 0, p, where, newp);
}

unsigned char *lp_append(unsigned char *lp, const char *s, size_t len) {
    unsigned char *eof = lp + lp_bytes(lp) - 1;
    return insert_str(lp, s, len, eof, LP_BEFORE, NULL);
}

unsigned char *lp_prepend(unsigned char *lp, const char *s, size_t len) {
    return insert_str(lp, s, len, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lp_append_int(unsigned char *lp, long long v) {
    unsigned char *eof = lp + lp_bytes(lp) - 1;
    return lp_insert_int(lp, v, eof, LP_BEFORE, NULL);
}

/* lp_append_batch() of up to LP_BATCH items: their encodings first (and
 * so their total size), then one size check and one pass of writing over
 * the old end marker. */
#define LP_BATCH 16
static unsigned char *append_chunk(unsigned char *lp, const lp_item *items, size_t n) {
    struct {
        long long v;
        unsigned len; /* 0: a string, written from items[i] */
    } ints[LP_BATCH];
    uint64_t add = 0;
    for (size_t i = 0; i < n; i++) {
        long long v = items[i].v;
        uint64_t elen;
        if (items[i].s == NULL || util_str2ll(items[i].s, items[i].len, &v)) {
            ints[i].v = v;
            ints[i].len = int_enc_size(v);
            elen = ints[i].len;
        } else {
            ints[i].len = 0;
            elen = str_hdr_size(items[i].len) + items[i].len;
        }
        add += elen + backlen_size(elen);
    }
    uint64_t old_bytes = lp_bytes(lp), new_bytes = old_bytes + add;
    ASSERT(new_bytes <= UINT32_MAX);
    if (new_bytes > mem_usable(lp)) lp = mem_realloc(lp, new_bytes);
    unsigned char *dst = lp + old_bytes - 1; /* the end marker's place */
    for (size_t i = 0; i < n; i++) {
        uint64_t elen;
        if (ints[i].len) {
            elen = encode_int(dst, ints[i].v);
        } else {
            encode_str(dst, items[i].s, items[i].len);
            elen = str_hdr_size(items[i].len) + items[i].len;
        }
        dst += elen;
        dst += encode_backlen(dst, elen);
    }
    *dst = LP_EOF;
    uint32_t num = hdr_numele(lp);
    if (num != LP_HDR_NUMELE_UNKNOWN)
        set_numele(lp,
                   num + n < LP_HDR_NUMELE_UNKNOWN ? (uint32_t)(num + n) : LP_HDR_NUMELE_UNKNOWN);
    set_u32(lp, (uint32_t)new_bytes);
    return lp;
}

unsigned char *lp_append_batch(unsigned char *lp, const lp_item *items, size_t n) {
    for (size_t done = 0; done < n;) {
        size_t k = n - done < LP_BATCH ? n - done : LP_BATCH;
        lp = append_chunk(lp, items + done, k);
        done += k;
    }
    return lp;
}

unsigned char *lp_prepend_int(unsigned char *lp, long long v) {
    return lp_insert_int(lp, v, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp) {
    return insert_raw(lp, NULL, 0, NULL, 0, p, LP_REPLACE, newp);
}

unsigned char *lp_delete_range_at(unsigned char *lp, unsigned char **p, unsigned long num) {
    if (num == 0 || *p == NULL) return lp;
    size_t bytes = lp_bytes(lp);
    unsigned char *eof = lp + bytes - 1;
    unsigned char *first = *p, *tail = *p;
    unsigned long deleted = 0;
    while (num--) {
        deleted++;
        tail += entry_size(tail);
        ASSERT(tail <= eof);
        if (tail[0] == LP_EOF) break;
    }
    size_t poff = (size_t)(first - lp);
    memmove(first, tail, (size_t)(eof - tail) + 1);
    set_u32(lp, (uint32_t)(bytes - (size_t)(tail - first)));
    uint32_t n = hdr_numele(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) set_numele(lp, n - (uint32_t)deleted);
    lp = shrink_to_fit(lp);
    *p = lp + poff;
    if ((*p)[0] == LP_EOF) *p = NULL;
    return lp;
}

unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num) {
    unsigned char *p = lp_seek(lp, index);
    if (p == NULL) return lp;
    return lp_delete_range_at(lp, &p, num);
}

bool lp_safe_to_add(const unsigned char *lp, size_t add) {
    size_t len = lp ? lp_bytes(lp) : 0;
    return len + add <= LP_MAX_SAFETY_SIZE;
}

/* ---- Validation of outside bytes ---- */

/* Check the entry at *pp lies within lp[0..size-1) (before the terminator)
 * and that its backlen agrees with its size; advance *pp past it. */
static bool validate_next(const unsigned char *lp, const unsigned char **pp, size_t size) {
    const unsigned char *p = *pp;
    const unsigned char *end = lp + size - 1; /* the terminator */
    if (p < lp + LP_HDR_SIZE || p >= end || p[0] == LP_EOF) return false;
    unsigned lenbytes = enc_len_bytes(p[0]);
    if (lenbytes == 0) return false;
    if ((size_t)(end - p) < lenbytes) return false;
    uint64_t enc = entry_enc_size(p);
    if (enc == 0) return false;
    unsigned blen = backlen_size(enc);
    uint64_t total = enc + blen;
    if ((uint64_t)(end - p) < total) return false;
    p += total;
    uint64_t back = decode_backlen(p - 1, p - blen);
    if (back == UINT64_MAX || back + blen != total) return false;
    *pp = p;
    return true;
}

bool lp_validate(const unsigned char *lp, size_t size, bool deep) {
    if (lp == NULL || size < LP_HDR_SIZE + 1) return false;
    if (lp_bytes(lp) != size) return false;
    if (lp[size - 1] != LP_EOF) return false;
    if (!deep) return true;
    unsigned long count = 0;
    const unsigned char *p = lp + LP_HDR_SIZE;
    while (p != lp + size - 1) {
        if (!validate_next(lp, &p, size)) return false;
        count++;
    }
    uint32_t n = hdr_numele(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN && n != count) return false;
    return true;
}

/* ---- Random picks ---- */

unsigned char *lp_random(const unsigned char *lp, unsigned step) {
    if (step == 0) step = 1;
    unsigned long total = lp_len(lp) / step;
    if (total == 0) return NULL;
    unsigned long r = (unsigned long)(util_rand64() % total);
    return lp_seek(lp, (long)(r * step));
}

typedef struct {
    unsigned long index;
    unsigned long order;
} rand_pick;

static int pick_cmp(const void *a, const void *b) {
    unsigned long x = ((const rand_pick *)a)->index, y = ((const rand_pick *)b)->index;
    return x < y ? -1 : x > y;
}

/* 'count' pairs (field/value, member/score) picked with repetition, in
 * random order, as Redis's lpRandomPairs: pick indexes, sort them, then
 * read them in one forward walk. vals may be NULL. */
void lp_random_pairs(const unsigned char *lp, unsigned long count, lp_entry *keys, lp_entry *vals) {
    unsigned long total = lp_len(lp) / 2;
    ASSERT(total > 0);
    if (count == 0) return;
    rand_pick *picks = mem_alloc(sizeof(*picks) * count);
    for (unsigned long i = 0; i < count; i++) {
        picks[i].index = (unsigned long)(util_rand64() % total) * 2;
        picks[i].order = i;
    }
    qsort(picks, count, sizeof(*picks), pick_cmp);
    unsigned long lpindex = picks[0].index, pick = 0;
    const unsigned char *p = lp_seek(lp, (long)lpindex);
    while (p && pick < count) {
        const unsigned char *v = lp_next(lp, p);
        ASSERT(v);
        while (pick < count && picks[pick].index == lpindex) {
            lp_get_entry(p, &keys[picks[pick].order]);
            if (vals) lp_get_entry(v, &vals[picks[pick].order]);
            pick++;
        }
        lpindex += 2;
        p = lp_next(lp, v);
    }
    mem_free(picks);
}

/* Up to 'count' distinct pairs in listpack order (selection sampling, as
 * Redis's lpRandomPairsUnique). Returns how many were stored. */
unsigned long lp_random_pairs_unique(const unsigned char *lp, unsigned long count, lp_entry *keys,
                                     lp_entry *vals) {
    unsigned long total = lp_len(lp) / 2;
    if (count > total) count = total;
    unsigned long picked = 0, remaining = count, index = 0;
    const unsigned char *p = lp_first(lp);
    while (picked < count && p) {
        const unsigned char *v = lp_next(lp, p);
        ASSERT(v);
        double r = (double)(util_rand64() >> 11) / (double)(1ULL << 53);
        double threshold = (double)remaining / (double)(total - index);
        if (r <= threshold) {
            lp_get_entry(p, &keys[picked]);
            if (vals) lp_get_entry(v, &vals[picked]);
            remaining--;
            picked++;
        }
        p = lp_next(lp, v);
        index++;
    }
    return picked;
}
