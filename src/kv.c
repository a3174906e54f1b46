/* kv.c -- keyspace entries: key, value and expire in one allocation.
 *
 * The point of this file is memory per key: a 16-byte key with a 16-byte
 * value costs one 48-byte allocation here, where Redis spends a dictEntry,
 * an sds key and a robj. Every accessor computes offsets from the flags, so
 * the layout stays private to this file (see kv.h for the picture).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "kv.h"

#include <string.h>

#include "util.h"

#define EXPIRE_SIZE (8 + 4)

static kv_value_free_fn value_free[8];
static kv_value_dup_fn value_dup[8];
static kv_value_size_fn value_size_fn[8];

void kv_set_value_size(enum kv_type type, kv_value_size_fn fn) { value_size_fn[type] = fn; }

void kv_set_value_dup(enum kv_type type, kv_value_dup_fn fn) { value_dup[type] = fn; }

void kv_set_value_free(enum kv_type type, kv_value_free_fn fn) { value_free[type] = fn; }

static inline size_t klen_size(uint8_t flags) { return (flags & KV_KLEN32) ? 4 : 1; }

static inline uint8_t *key_hdr(const kv *e) {
    return (uint8_t *)e->data + ((e->flags & KV_HAS_EXPIRE) ? EXPIRE_SIZE : 0);
}

const char *kv_key(const kv *e, size_t *len) {
    const uint8_t *p = key_hdr(e);
    if (e->flags & KV_KLEN32) {
        uint32_t l;
        memcpy(&l, p, 4);
        *len = l;
        return (const char *)p + 4;
    }
    *len = p[0];
    return (const char *)p + 1;
}

/* Values that are pointers (RAW strings, collections) sit 8-aligned, so
 * leak checkers and debuggers see them; INT and EMBSTR stay packed. */
static inline bool holds_ptr(enum kv_enc enc) { return enc != KV_ENC_INT && enc != KV_ENC_EMBSTR; }

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static inline uint8_t *val_ptr(const kv *e) {
    size_t klen;
    const char *k = kv_key(e, &klen);
    size_t off = (size_t)((const uint8_t *)k + klen - (const uint8_t *)e);
    if (holds_ptr(e->enc)) off = align8(off);
    return (uint8_t *)e + off;
}

static size_t value_size(enum kv_enc enc, size_t vlen) {
    switch (enc) {
    case KV_ENC_EMBSTR: return 1 + vlen;
    default: return 8; /* INT payload or a pointer */
    }
}

/* Allocate an entry and write its header and key; the value is left to
 * the caller at val_ptr(). */
static kv *alloc_entry(const char *key, size_t klen, enum kv_type type, enum kv_enc enc,
                       size_t vsize, bool with_expire) {
    uint8_t flags = (klen > 255 ? KV_KLEN32 : 0) | (with_expire ? KV_HAS_EXPIRE : 0);
    size_t size = offsetof(kv, data) + (with_expire ? EXPIRE_SIZE : 0) + klen_size(flags) + klen;
    if (holds_ptr(enc)) size = align8(size);
    size += vsize;
    kv *e = mem_alloc(size);
    e->link.next = NULL;
    e->type = type;
    e->enc = enc;
    e->lru = 0;
    e->flags = flags;
    uint8_t *p = key_hdr(e);
    if (flags & KV_KLEN32) {
        uint32_t l = (uint32_t)klen;
        memcpy(p, &l, 4);
        p += 4;
    } else {
        *p++ = (uint8_t)klen;
    }
    if (klen) memcpy(p, key, klen);
    return e;
}

static void write_ptr(kv *e, const void *ptr) { memcpy(val_ptr(e), &ptr, sizeof(ptr)); }

static bool share_ints = true;

void kv_share_ints(bool share) { share_ints = share; }

kv *kv_new_int(const char *key, size_t klen, long long v) {
    kv *e = alloc_entry(key, klen, KV_STRING, KV_ENC_INT, 8, false);
    kv_set_int(e, v);
    return e;
}

kv *kv_new_raw(const char *key, size_t klen, str *val) {
    kv *e = alloc_entry(key, klen, KV_STRING, KV_ENC_RAW, 8, false);
    write_ptr(e, val);
    return e;
}

kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen) {
    long long ll;
    if (vlen <= 20 && util_str2ll(val, vlen, &ll)) return kv_new_int(key, klen, ll);
    return kv_new_string_noint(key, klen, val, vlen);
}

kv *kv_new_string_noint(const char *key, size_t klen, const char *val, size_t vlen) {
    if (vlen > KV_EMBSTR_MAX) return kv_new_raw(key, klen, str_new(val, vlen));
    kv *e = alloc_entry(key, klen, KV_STRING, KV_ENC_EMBSTR, 1 + vlen, false);
    uint8_t *p = val_ptr(e);
    p[0] = (uint8_t)vlen;
    if (vlen) memcpy(p + 1, val, vlen);
    return e;
}

bool kv_overwrite_string(kv *e, const char *val, size_t vlen) {
    if (e->type != KV_STRING) return false;
    long long ll;
    if (vlen <= 20 && util_str2ll(val, vlen, &ll)) {
        if (e->enc != KV_ENC_INT) return false;
        kv_set_int(e, ll);
        return true;
    }
    if (vlen <= KV_EMBSTR_MAX) {
        uint8_t *p = val_ptr(e);
        if (e->enc != KV_ENC_EMBSTR || p[0] != vlen) return false;
        memcpy(p + 1, val, vlen);
        return true;
    }
    if (e->enc != KV_ENC_RAW) return false;
    str *s = kv_raw(e);
    if (s->cap < vlen || s->cap / 2 > vlen) return false;
    memcpy(s->buf, val, vlen);
    str_setlen(s, vlen);
    return true;
}

kv *kv_new_ptr(const char *key, size_t klen, enum kv_type type, enum kv_enc enc, void *ptr) {
    kv *e = alloc_entry(key, klen, type, enc, 8, false);
    write_ptr(e, ptr);
    return e;
}

static void free_value(kv *e) {
    if (e->type == KV_STRING) {
        if (e->enc == KV_ENC_RAW) str_free(kv_raw(e));
        return;
    }
    if (value_free[e->type]) value_free[e->type](kv_ptr(e), (enum kv_enc)e->enc);
}

void kv_free(kv *e) {
    if (e == NULL) return;
    free_value(e);
    mem_free(e);
}

void kv_free_shell(kv *e) { mem_free(e); }

long long kv_expire(const kv *e) {
    if (!(e->flags & KV_HAS_EXPIRE)) return -1;
    long long ms;
    memcpy(&ms, e->data, 8);
    return ms;
}

uint32_t kv_volatile_idx(const kv *e) {
    uint32_t idx;
    memcpy(&idx, e->data + 8, 4);
    return idx;
}

void kv_set_volatile_idx(kv *e, uint32_t idx) { memcpy(e->data + 8, &idx, 4); }

/* Copy 'e' into a new allocation with or without the expire slot. */
static kv *relayout(const kv *e, bool with_expire) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    const uint8_t *v = val_ptr(e);
    size_t vsize = value_size(e->enc, e->enc == KV_ENC_EMBSTR ? v[0] : 0);
    kv *n = alloc_entry(key, klen, e->type, e->enc, vsize, with_expire);
    n->lru = e->lru;
    n->flags |= e->flags & KV_INT_OWN;
    memcpy(val_ptr(n), v, vsize);
    return n;
}

kv *kv_set_expire(kv *e, long long when_ms) {
    if (!(e->flags & KV_HAS_EXPIRE)) {
        kv *n = relayout(e, true);
        mem_free(e);
        e = n;
        kv_set_volatile_idx(e, UINT32_MAX);
    }
    memcpy(e->data, &when_ms, 8);
    return e;
}

kv *kv_clear_expire(kv *e) {
    if (!(e->flags & KV_HAS_EXPIRE)) return e;
    kv *n = relayout(e, false);
    mem_free(e);
    return n;
}

kv *kv_rekey(const kv *e, const char *key, size_t klen) {
    const uint8_t *v = val_ptr(e);
    size_t vsize = value_size(e->enc, e->enc == KV_ENC_EMBSTR ? v[0] : 0);
    bool ex = kv_has_expire(e);
    kv *n = alloc_entry(key, klen, e->type, e->enc, vsize, ex);
    n->lru = e->lru;
    n->flags |= e->flags & KV_INT_OWN;
    memcpy(val_ptr(n), v, vsize);
    if (ex) {
        memcpy(n->data, e->data, 8);
        kv_set_volatile_idx(n, UINT32_MAX);
    }
    return n;
}

kv *kv_dup(const kv *e, const char *key, size_t klen) {
    kv *n = kv_rekey(e, key, klen);
    if (e->type == KV_STRING && e->enc == KV_ENC_INT) {
        n->flags |= KV_INT_OWN;
    } else if (e->type == KV_STRING && e->enc == KV_ENC_RAW) {
        str *s = kv_raw(e);
        kv_set_raw(n, str_new(s->buf, s->len));
    } else if (e->type != KV_STRING) {
        ASSERT(value_dup[e->type] != NULL);
        kv_set_ptr(n, value_dup[e->type](kv_ptr(e), (enum kv_enc)e->enc));
    }
    return n;
}

const char *kv_str(const kv *e, char *buf, size_t *len) {
    const uint8_t *v = val_ptr(e);
    switch (e->enc) {
    case KV_ENC_INT: {
        long long ll;
        memcpy(&ll, v, 8);
        *len = util_ll2str(buf, ll);
        return buf;
    }
    case KV_ENC_EMBSTR: *len = v[0]; return (const char *)v + 1;
    default: {
        str *s = kv_raw(e);
        *len = s->len;
        return s->buf;
    }
    }
}

size_t kv_str_len(const kv *e) {
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    kv_str(e, buf, &len);
    return len;
}

long long kv_int(const kv *e) {
    long long ll;
    memcpy(&ll, val_ptr(e), 8);
    return ll;
}

void kv_set_int(kv *e, long long v) {
    memcpy(val_ptr(e), &v, 8);
    /* A new value: Redis makes a new object, shared as the policy says now. */
    if (share_ints) e->flags &= (uint8_t)~KV_INT_OWN;
    else e->flags |= KV_INT_OWN;
}

str *kv_raw(const kv *e) {
    str *s;
    memcpy(&s, val_ptr(e), sizeof(s));
    return s;
}

void kv_set_raw(kv *e, str *s) { write_ptr(e, s); }

void *kv_ptr(const kv *e) {
    void *p;
    memcpy(&p, val_ptr(e), sizeof(p));
    return p;
}

void kv_set_ptr(kv *e, void *ptr) { write_ptr(e, ptr); }

const char *kv_type_name(const kv *e) {
    static const char *names[] = {"string", "list", "set", "zset", "hash", "none", "stream"};
    return e->type < 7 ? names[e->type] : "none";
}

const char *kv_enc_name(const kv *e) {
    switch (e->enc) {
    case KV_ENC_RAW: return "raw";
    case KV_ENC_INT: return "int";
    case KV_ENC_HT: return "hashtable";
    case KV_ENC_INTSET: return "intset";
    case KV_ENC_SKIPLIST: return "skiplist";
    case KV_ENC_EMBSTR: return "embstr";
    case KV_ENC_QUICKLIST: return "quicklist";
    case KV_ENC_LISTPACK: return "listpack";
    case KV_ENC_STREAM: return "stream";
    default: return "unknown";
    }
}

size_t kv_alloc_size(const kv *e) {
    size_t n = mem_usable(e);
    if (e->type == KV_STRING && e->enc == KV_ENC_RAW) n += str_alloc_size(kv_raw(e));
    else if (e->type != KV_STRING && value_size_fn[e->type])
        n += value_size_fn[e->type](kv_ptr(e), (enum kv_enc)e->enc);
    return n;
}
