/* intset.c -- sorted integer sets in Redis's intset format.
 *
 * The blob is the whole object: an intset pointer points at the encoding
 * field, so RDB can write and read it as bytes. Elements are kept in
 * ascending order at a fixed width (2, 4 or 8 bytes), which makes lookup a
 * binary search and insertion a memmove; a value that does not fit the
 * width rewrites every element wider, back to front, in place after one
 * realloc. Memory is always exactly header + len * width: each add or
 * remove reallocs, as Redis does, trading speed for the smallest form.
 * Integers are stored little-endian on every host.
 * Not here: when a set stops being an intset (t_set.c decides).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "intset.h"

#include <string.h>

#include "util.h"

struct intset {
    uint8_t encoding[4];
    uint8_t length[4];
    uint8_t contents[];
};

/* ---- Little-endian access ---- */

static inline uint64_t load_le(const uint8_t *p, size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static inline void store_le(uint8_t *p, uint64_t v, size_t width) {
    for (size_t i = 0; i < width; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_u32(const uint8_t *p) { return (uint32_t)load_le(p, 4); }
static inline void set_u32(uint8_t *p, uint32_t v) { store_le(p, v, 4); }

static inline size_t width_of(const intset *s) { return get_u32(s->encoding); }

uint32_t intset_len(const intset *s) { return get_u32(s->length); }

size_t intset_width(const intset *s) { return width_of(s); }

/* The element at idx for a given width, sign-extended. */
static inline int64_t get_w(const intset *s, uint32_t idx, size_t width) {
    const uint8_t *p = s->contents + (size_t)idx * width;
    /* Constant widths let the compiler turn each loop into one load. */
    switch (width) {
    case 2: return (int16_t)(uint16_t)load_le(p, 2);
    case 4: return (int32_t)(uint32_t)load_le(p, 4);
    default: return (int64_t)load_le(p, 8);
    }
}

static inline void set_w(intset *s, uint32_t idx, int64_t v, size_t width) {
    uint8_t *p = s->contents + (size_t)idx * width;
    switch (width) {
    case 2: store_le(p, (uint64_t)v, 2); break;
    case 4: store_le(p, (uint64_t)v, 4); break;
    default: store_le(p, (uint64_t)v, 8); break;
    }
}

/* The narrowest width that holds v. */
static size_t width_for(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) return 8;
    if (v < INT16_MIN || v > INT16_MAX) return 4;
    return 2;
}

/* ---- Lifetime ---- */

intset *intset_new(void) {
    intset *s = mem_alloc(INTSET_HEADER_SIZE);
    set_u32(s->encoding, 2);
    set_u32(s->length, 0);
    return s;
}

void intset_free(intset *s) { mem_free(s); }

size_t intset_blob_size(const intset *s) {
    return INTSET_HEADER_SIZE + (size_t)intset_len(s) * width_of(s);
}

intset *intset_dup(const intset *s) { return mem_memdup(s, intset_blob_size(s)); }

static intset *resize(intset *s, uint32_t len) {
    return mem_realloc(s, INTSET_HEADER_SIZE + (size_t)len * width_of(s));
}

/* ---- Lookup ---- */

/* Binary search: true and *pos = its index if v is present, else false
 * and *pos = where v would be inserted. */
static bool search(const intset *s, int64_t v, uint32_t *pos) {
    uint32_t len = intset_len(s);
    size_t w = width_of(s);
    if (len == 0) {
        *pos = 0;
        return false;
    }
    /* Appends and prepends are common (increasing IDs): check the ends. */
    if (v > get_w(s, len - 1, w)) {
        *pos = len;
        return false;
    }
    if (v < get_w(s, 0, w)) {
        *pos = 0;
        return false;
    }
    uint32_t lo = 0, hi = len - 1;
    while (lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = get_w(s, mid, w);
        if (cur == v) {
            *pos = mid;
            return true;
        }
        if (cur < v) {
            lo = mid + 1;
        } else {
            if (mid == 0) break;
            hi = mid - 1;
        }
    }
    *pos = lo;
    return false;
}

bool intset_find(const intset *s, int64_t v) {
    uint32_t pos;
    return width_for(v) <= width_of(s) && search(s, v, &pos);
}

int64_t intset_at(const intset *s, uint32_t idx) {
    ASSERT(idx < intset_len(s));
    return get_w(s, idx, width_of(s));
}

int64_t intset_random(const intset *s) {
    uint32_t len = intset_len(s);
    ASSERT(len > 0);
    return get_w(s, (uint32_t)(util_rand64() % len), width_of(s));
}

/* ---- Mutation ---- */

/* Widen every element to 'nw' and add v, which needs that width and so is
 * either below or above every present element. */
static intset *upgrade_and_add(intset *s, int64_t v, size_t nw) {
    size_t ow = width_of(s);
    uint32_t len = intset_len(s);
    bool prepend = v < 0;
    set_u32(s->encoding, (uint32_t)nw);
    s = resize(s, len + 1);
    /* Back to front, so no element is overwritten before it is read. */
    for (uint32_t i = len; i-- > 0;) set_w(s, i + prepend, get_w(s, i, ow), nw);
    set_w(s, prepend ? 0 : len, v, nw);
    set_u32(s->length, len + 1);
    return s;
}

intset *intset_add(intset *s, int64_t v, bool *added) {
    size_t nw = width_for(v);
    if (added) *added = true;
    if (nw > width_of(s)) return upgrade_and_add(s, v, nw);
    uint32_t pos;
    if (search(s, v, &pos)) {
        if (added) *added = false;
        return s;
    }
    uint32_t len = intset_len(s);
    size_t w = width_of(s);
    s = resize(s, len + 1);
    if (pos < len)
        memmove(s->contents + (pos + 1) * w, s->contents + pos * w, (size_t)(len - pos) * w);
    set_w(s, pos, v, w);
    set_u32(s->length, len + 1);
    return s;
}

intset *intset_remove(intset *s, int64_t v, bool *removed) {
    uint32_t pos;
    if (removed) *removed = false;
    if (width_for(v) > width_of(s) || !search(s, v, &pos)) return s;
    uint32_t len = intset_len(s);
    size_t w = width_of(s);
    if (pos < len - 1)
        memmove(s->contents + pos * w, s->contents + (pos + 1) * w, (size_t)(len - pos - 1) * w);
    set_u32(s->length, len - 1);
    if (removed) *removed = true;
    return resize(s, len - 1);
}

/* ---- Serialized form ---- */

bool intset_validate(const void *p, size_t size, bool deep) {
    if (size < INTSET_HEADER_SIZE) return false;
    const intset *s = p;
    size_t w = width_of(s);
    if (w != 2 && w != 4 && w != 8) return false;
    uint32_t len = intset_len(s);
    /* Overflow-free: len * w fits in 64 bits for any u32 len. */
    if ((uint64_t)len * w != (uint64_t)(size - INTSET_HEADER_SIZE)) return false;
    if (len == 0) return false;
    if (!deep) return true;
    int64_t prev = get_w(s, 0, w);
    for (uint32_t i = 1; i < len; i++) {
        int64_t cur = get_w(s, i, w);
        if (cur <= prev) return false;
        prev = cur;
    }
    return true;
}

intset *intset_from_blob(const void *p, size_t size) {
    ASSERT(size >= INTSET_HEADER_SIZE);
    return mem_memdup(p, size);
}
