/* ziplist.c -- validating readers of the ziplist and zipmap formats.
 *
 * Ziplist: <zlbytes u32le> <zltail u32le> <zllen u16le> <entry>... <0xff>.
 * An entry is <prevlen: 1 byte, or 0xfe + u32le> <encoding> <data>:
 *   00pppppp            string, 6-bit length
 *   01pppppp qqqqqqqq   string, 14-bit big-endian length
 *   10______ + 4 bytes  string, 32-bit big-endian length
 *   0xc0 int16, 0xd0 int32, 0xe0 int64, 0xf0 int24, 0xfe int8 (little-endian)
 *   0xf1..0xfd          immediate 0..12
 * Zipmap: <count: 1 byte, 254 = unknown> then pairs <len><field><len><free>
 * <value><free bytes>, a len being 1 byte (< 254) or 254 + u32le; 0xff ends.
 * The checks follow Redis's ziplistValidateIntegrity (deep) and
 * zipmapValidateIntegrity: nothing is read before its bounds are known.
 * Spec: Redis 7.0 src/ziplist.c and src/zipmap.c (format comments).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "ziplist.h"

#include <stdint.h>
#include <string.h>

#include "listpack.h"

#define ZL_HEADER_SIZE 10
#define ZL_END 0xff
#define ZL_BIG_PREVLEN 0xfe

static uint32_t u32le(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decode the entry at p, which lies before 'end' (the terminator). On
 * success sets the entry's total size, its prevlen and the element. */
static bool decode_entry(const unsigned char *p, const unsigned char *end, size_t *entry_size,
                         size_t *prevlen, const unsigned char **s, size_t *slen, long long *v) {
    size_t avail = (size_t)(end - p);
    size_t pl_size = p[0] < ZL_BIG_PREVLEN ? 1 : 5;
    if (avail < pl_size + 1) return false;
    *prevlen = pl_size == 1 ? p[0] : u32le(p + 1);
    const unsigned char *e = p + pl_size;
    unsigned char enc = e[0];
    size_t hdr, len = 0;
    *s = NULL;
    switch (enc >> 6) {
    case 0:
        hdr = 1;
        len = enc & 0x3f;
        break;
    case 1:
        if (avail < pl_size + 2) return false;
        hdr = 2;
        len = (size_t)(enc & 0x3f) << 8 | e[1];
        break;
    case 2:
        if (avail < pl_size + 5) return false;
        hdr = 5;
        len = (size_t)e[1] << 24 | (size_t)e[2] << 16 | (size_t)e[3] << 8 | e[4];
        break;
    default:
        hdr = 1;
        switch (enc) {
        case 0xc0: len = 2; break;
        case 0xd0: len = 4; break;
        case 0xe0: len = 8; break;
        case 0xf0: len = 3; break;
        case 0xfe: len = 1; break;
        default:
            if (enc < 0xf1 || enc > 0xfd) return false;
            len = 0;
        }
    }
    if (avail < pl_size + hdr || avail - pl_size - hdr < len) return false;
    const unsigned char *d = e + hdr;
    *entry_size = pl_size + hdr + len;
    if (enc < 0xc0) {
        *s = d;
        *slen = len;
        return true;
    }
    switch (enc) {
    case 0xc0: *v = (int16_t)(uint16_t)(d[0] | d[1] << 8); break;
    case 0xd0: *v = (int32_t)u32le(d); break;
    case 0xe0: *v = (int64_t)((uint64_t)u32le(d) | (uint64_t)u32le(d + 4) << 32); break;
    case 0xf0: /* 24 bits: the top three bytes of an int32, shifted down with sign */
        *v = (int32_t)((uint32_t)d[0] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 24) >> 8;
        break;
    case 0xfe: *v = (int8_t)d[0]; break;
    default: *v = (enc & 0x0f) - 1;
    }
    return true;
}

bool zl_walk(const unsigned char *zl, size_t size, zl_elem_fn *fn, void *priv) {
    if (zl == NULL || size < ZL_HEADER_SIZE + 1) return false;
    if (u32le(zl) != size || zl[size - 1] != ZL_END) return false;
    uint32_t tail = u32le(zl + 4);
    if (tail > size - 1) return false;
    unsigned header_count = (unsigned)(zl[8] | zl[9] << 8);
    const unsigned char *end = zl + size - 1;
    const unsigned char *p = zl + ZL_HEADER_SIZE, *prev = NULL;
    size_t prev_size = 0, count = 0;
    while (p < end && *p != ZL_END) {
        size_t esize, prevlen, slen = 0;
        const unsigned char *s;
        long long v = 0;
        if (!decode_entry(p, end, &esize, &prevlen, &s, &slen, &v)) return false;
        if (prevlen != prev_size) return false;
        if (fn && !fn(priv, s, slen, v)) return false;
        prev_size = esize;
        prev = p;
        p += esize;
        count++;
    }
    if (p != end) return false;
    if (prev != NULL && prev != zl + tail) return false;
    if (header_count != UINT16_MAX && count != header_count) return false;
    return true;
}

static bool append_elem(void *priv, const unsigned char *s, size_t len, long long v) {
    unsigned char **lp = priv;
    if (s) {
        if (!lp_safe_to_add(*lp, len)) return false;
        *lp = lp_append(*lp, (const char *)s, len);
    } else {
        *lp = lp_append_int(*lp, v);
    }
    return true;
}

unsigned char *zl_to_listpack(const unsigned char *zl, size_t size) {
    unsigned char *lp = lp_new(size);
    if (!zl_walk(zl, size, append_elem, &lp)) {
        lp_free(lp);
        return NULL;
    }
    return lp;
}

/* ---- Zipmap ---- */

#define ZM_BIGLEN 254
#define ZM_END 255

/* Read a zipmap length at *p (bounded by 'end', the last byte); advance. */
static bool zm_len(const unsigned char **p, const unsigned char *end, size_t *len) {
    const unsigned char *q = *p;
    size_t n = q[0] < ZM_BIGLEN ? 1 : 5;
    if ((size_t)(end - q) < n) return false; /* the value must leave room for END */
    *len = n == 1 ? q[0] : u32le(q + 1);
    *p = q + n;
    return true;
}

bool zm_walk(const unsigned char *zm, size_t size, zl_elem_fn *fn, void *priv) {
    if (zm == NULL || size < 2 || zm[size - 1] != ZM_END) return false;
    const unsigned char *end = zm + size - 1;
    const unsigned char *p = zm + 1;
    size_t count = 0;
    while (*p != ZM_END) {
        size_t flen, vlen;
        if (!zm_len(&p, end, &flen)) return false;
        if ((size_t)(end - p) < flen) return false;
        const unsigned char *f = p;
        p += flen;
        if (p >= end || !zm_len(&p, end, &vlen)) return false;
        if (p >= end) return false;
        size_t free_bytes = *p++;
        if ((size_t)(end - p) < vlen || (size_t)(end - p) - vlen < free_bytes) return false;
        const unsigned char *v = p;
        p += vlen + free_bytes;
        if (fn && (!fn(priv, f, flen, 0) || !fn(priv, v, vlen, 0))) return false;
        count++;
    }
    if (p != end) return false;
    if (count == 0) return false;
    if (zm[0] != ZM_BIGLEN && zm[0] != count) return false;
    return true;
}
