/* rdb_int.h -- what rdb.c (the format's framing: lengths, strings,
 * opcodes, the load loop, files, DUMP/RESTORE) shares with rdb_types.c
 * (each value type's encoding). Not for other modules: they use rdb.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_RDB_INT_H
#define CASTOR_RDB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "rdb.h"
#include "rio.h"
#include "str.h"

/* Value types. Adding one? Update rdb_type_name() and rdb_is_object_type()
 * (rdb_types.c). The opcodes share their byte (rdb.c). */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE_PRE_GA = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20,
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
};

/* ---- Saving: the shared encodings (rdb.c) ---- */

/* Each returns false on a write error (errno set by the rio). */
static inline bool rdb_write(rio *r, const void *p, size_t len) {
    return len == 0 || rio_write(r, p, len) == len;
}
bool rdb_save_len(rio *r, uint64_t len);
bool rdb_save_lzf_blob(rio *r, const void *data, size_t clen, size_t ulen);
bool rdb_save_raw_string(rio *r, const void *p, size_t len);
bool rdb_save_ll_string(rio *r, long long v);
bool rdb_save_u64le(rio *r, uint64_t v);
/* A foreach walk's writer (walks that cannot stop early): each step
 * writes while ok and records the first failure. */
typedef struct rdb_walk {
    rio *r;
    bool ok;
} rdb_walk;

/* ---- Loading: the shared encodings (rdb.c) ---- */

typedef struct loader {
    rio *r;
    int ver;
    str *err;        /* the first error, or NULL */
    uint64_t limit;  /* bytes the input held at the start (UINT64_MAX: unknown) */
    uint64_t start;  /* r->processed at the start */
    const char *key; /* the key being read, for messages (NULL: none) */
    size_t klen;
    int type;             /* its RDB type */
    bool count_sanitized; /* count deep validations in dump_payload_sanitizations */
} loader;

bool rdb_fail(loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool rdb_read(loader *ld, void *buf, size_t len) {
    if (len == 0 || rio_read(ld->r, buf, len) == len) return true;
    return rdb_fail(ld, "Unexpected EOF reading RDB file");
}

static inline uint64_t rdb_le_bytes(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

bool rdb_load_len(loader *ld, uint64_t *len);
void *rdb_load_string_as(loader *ld, bool as_str, size_t *lenp);
size_t rdb_plausible(const loader *ld, uint64_t n, unsigned per);

/* A NUL-terminated plain allocation (caller frees with mem_free). */
static inline char *rdb_load_string(loader *ld, size_t *len) {
    return rdb_load_string_as(ld, false, len);
}

/* ---- Values (rdb_types.c) ---- */

const char *rdb_type_name(int t);
bool rdb_is_object_type(int t);
/* The type byte Redis 7.0 writes for e's type and encoding. */
int rdb_object_type(const kv *e);
/* The value of e as rdbSaveObject writes it (no type byte). */
bool rdb_save_object(rio *r, const kv *e);

/* Outcome of loading one value. An empty collection is not an error (old
 * Redis versions could write them); the caller skips the key, as Redis. */
enum { RDB_LOAD_OK = 0, RDB_LOAD_ERR = -1, RDB_LOAD_EMPTY = 1 };

/* Read one value of RDB type 'type' into a new entry under 'key'. */
int rdb_load_object(loader *ld, int type, const char *key, size_t klen, kv **out);
/* Redis's moduleTypeNameByID: 9 characters packed in the id's high bits. */
void rdb_module_name(uint64_t id, char name[10]);

#endif
