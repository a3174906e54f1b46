/* kv.h -- a key and its value in one allocation: the keyspace's entry.
 *
 * Layout (one malloc):  dict_link | type:4 enc:4 lru:24 | flags |
 *   [expire ms (8) | volatile index (4)]   when KV_HAS_EXPIRE
 *   key length (1 byte, or 4 with KV_KLEN32) | key bytes |
 *   value: INT -> 8-byte long long; EMBSTR -> 1-byte length + bytes;
 *          RAW -> str*; collections -> pointer to the type's structure.
 * Functions that change the size of the entry return the new pointer
 * (MUST_USE); the caller (db.c) swaps it into the table. Pure: knows no
 * server state. */
#ifndef CASTOR_KV_H
#define CASTOR_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "mem.h"
#include "str.h"

/* Adding a type? Update kv_type_name() and kv_free_value(). */
/* Values are Redis's OBJ_* numbers (5 is OBJ_MODULE, which castor lacks). */
enum kv_type { KV_STRING = 0, KV_LIST = 1, KV_SET = 2, KV_ZSET = 3, KV_HASH = 4, KV_STREAM = 6 };

/* Adding an encoding? Update kv_enc_name(). Values match Redis's OBJ_ENCODING_*. */
enum kv_enc {
    KV_ENC_RAW = 0,
    KV_ENC_INT = 1,
    KV_ENC_HT = 2,
    KV_ENC_INTSET = 6,
    KV_ENC_SKIPLIST = 7,
    KV_ENC_EMBSTR = 8,
    KV_ENC_QUICKLIST = 9,
    KV_ENC_STREAM = 10,
    KV_ENC_LISTPACK = 11,
};

#define KV_EMBSTR_MAX 44 /* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT */

typedef struct kv {
    dict_link link;
    uint32_t type : 4;
    uint32_t enc : 4;
    uint32_t lru : 24; /* LRU clock or LFU (time:16, counter:8), as Redis */
    uint8_t flags;
    uint8_t data[];
} kv;

#define KV_HAS_EXPIRE 1
#define KV_KLEN32 2
/* An INT string Redis would not share though it is in 0..9999: one made
 * while an LRU or LFU maxmemory-policy was in force (Redis decides when it
 * creates the object: MAXMEMORY_FLAG_NO_SHARED_INTEGERS), or COPY's
 * duplicate (dupStringObject() makes a new object). Kept by a rekey
 * (RENAME, MOVE keep Redis's object); a new value decides again. */
#define KV_INT_OWN 4

/* Free callback for a collection value, set by the type modules. The
 * encoding tells the callback what 'ptr' is (listpack, skiplist, ...). */
typedef void (*kv_value_free_fn)(void *ptr, enum kv_enc enc);
void kv_set_value_free(enum kv_type type, kv_value_free_fn fn);

/* A string entry: chooses INT, EMBSTR or RAW exactly as Redis's
 * tryObjectEncoding would for a value set by SET. */
kv *kv_new_string(const char *key, size_t klen, const char *val, size_t vlen) MUST_USE;
/* A string entry that is never INT-encoded (EMBSTR up to 44 bytes, else
 * RAW), as Redis stores the results of INCRBYFLOAT. */
kv *kv_new_string_noint(const char *key, size_t klen, const char *val, size_t vlen) MUST_USE;
/* Write a new string value into e itself when the encoding kv_new_string()
 * would pick for it fits e as it is: an integer over INT, an embedded
 * string of the same length over EMBSTR, a raw one into a RAW buffer that
 * holds it without wasting over half. False (e untouched) otherwise. */
bool kv_overwrite_string(kv *e, const char *val, size_t vlen);
/* A string entry with the given integer value (encoding INT). */
kv *kv_new_int(const char *key, size_t klen, long long v) MUST_USE;
/* A string entry that stays RAW regardless of content (APPEND, SETRANGE). */
kv *kv_new_raw(const char *key, size_t klen, str *val) MUST_USE; /* takes ownership */
/* A collection entry pointing at 'ptr' (takes ownership). */
kv *kv_new_ptr(const char *key, size_t klen, enum kv_type type, enum kv_enc enc,
               void *ptr) MUST_USE;
/* Free the entry and its value. */
void kv_free(kv *e);
/* Free only the entry, not a pointed-to value (when the value moved). */
void kv_free_shell(kv *e);

const char *kv_key(const kv *e, size_t *len);

static inline bool kv_has_expire(const kv *e) { return e->flags & KV_HAS_EXPIRE; }
long long kv_expire(const kv *e); /* -1 when none */
uint32_t kv_volatile_idx(const kv *e);
void kv_set_volatile_idx(kv *e, uint32_t idx);
/* Returns the entry with an expire slot (possibly reallocated). */
kv *kv_set_expire(kv *e, long long when_ms) MUST_USE;
/* Returns the entry without an expire slot (possibly reallocated). */
kv *kv_clear_expire(kv *e) MUST_USE;
/* A new entry under another key with the same value and expire. The value
 * moves (RAW strings and collections are not copied): free the old entry
 * with kv_free_shell(). */
kv *kv_rekey(const kv *e, const char *key, size_t klen) MUST_USE;

/* A deep copy of 'e' (value included) under another key, with its expire.
 * Collections are copied through the type's dup callback. */
kv *kv_dup(const kv *e, const char *key, size_t klen) MUST_USE;
typedef void *(*kv_value_dup_fn)(const void *ptr, enum kv_enc enc);
void kv_set_value_dup(enum kv_type type, kv_value_dup_fn fn);

/* Bytes a collection value uses (MEMORY USAGE), registered by its type. */
typedef size_t (*kv_value_size_fn)(const void *ptr, enum kv_enc enc);
void kv_set_value_size(enum kv_type type, kv_value_size_fn fn);

/* String access. For INT the digits are written into buf
 * (>= 21 bytes) and a pointer to buf is returned. */
const char *kv_str(const kv *e, char *buf, size_t *len);
size_t kv_str_len(const kv *e);
long long kv_int(const kv *e);       /* only for KV_ENC_INT */
void kv_set_int(kv *e, long long v); /* in place, only for KV_ENC_INT */
str *kv_raw(const kv *e);            /* only for KV_ENC_RAW */
void kv_set_raw(kv *e, str *s);      /* only for KV_ENC_RAW; takes ownership */
/* Whether INT strings made from now on may be shared (KV_INT_OWN). */
void kv_share_ints(bool share);

void *kv_ptr(const kv *e); /* collections */
void kv_set_ptr(kv *e, void *ptr);

const char *kv_type_name(const kv *e);
const char *kv_enc_name(const kv *e);
/* Bytes of this entry and its value, as MEMORY USAGE reports. */
size_t kv_alloc_size(const kv *e);

#endif
