/* t_hash.h -- the hash type, for files outside t_hash.c that look inside a
 * hash value (DEBUG DIGEST, SORT's "->field" patterns, RDB, RESTORE).
 * The commands are in t_hash.c's table. */
#ifndef CASTOR_T_HASH_H
#define CASTOR_T_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdtable.h"
#include "kv.h"

/* Enough for a field or value held as an integer in a listpack. */
#define HASH_INTBUF_SIZE 21

/* Registers the hash value callbacks (free, dup, size) with kv.c. */
void hash_init(void);

/* Number of fields of a KV_HASH entry. */
unsigned long hash_len(const kv *e);

/* The value of 'field', or NULL if absent. An integer-encoded value is
 * written as text into buf (HASH_INTBUF_SIZE) and buf is returned. The
 * pointer is borrowed: valid until the hash next changes. */
const char *hash_get(const kv *e, const char *field, size_t flen, size_t *vlen, char *buf);

/* Call fn for every field/value pair, in storage order (insertion order
 * for listpacks). fn must not change the hash. */
typedef void hash_pair_fn(void *priv, const char *f, size_t flen, const char *v, size_t vlen);
void hash_foreach(const kv *e, hash_pair_fn *fn, void *priv);

/* Building a hash outside the commands (RDB loading, RESTORE). */
/* Set field to value in the hash entry 'e' (copies both), converting the
 * encoding as HSET does; true if the field is new. */
bool hash_set_field(kv *e, const char *f, size_t flen, const char *v, size_t vlen);
/* Make a listpack hash a hashtable with room for 'hint' fields (never
 * back); no-op if it already is one. */
void hash_convert_ht(kv *e, size_t hint);

/* The command table, registered by server.c. */
extern command t_hash_commands[];

#endif
