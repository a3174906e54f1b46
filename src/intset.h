/* intset.h -- a sorted set of integers in one contiguous blob, byte for
 * byte Redis's intset (RDB stores it verbatim).
 *
 * Layout: encoding (u32 LE: 2, 4 or 8 = bytes per element) | length (u32
 * LE) | length elements, little-endian, strictly increasing. Every element
 * uses the width of the widest one; adding a wider value upgrades the whole
 * blob, and nothing ever downgrades it. Functions that may move the blob
 * return the new pointer (MUST_USE). Pure: knows no server state. */
#ifndef CASTOR_INTSET_H
#define CASTOR_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

typedef struct intset intset;

#define INTSET_HEADER_SIZE 8

/* Lifetime */
intset *intset_new(void) MUST_USE;
void intset_free(intset *s);
intset *intset_dup(const intset *s) MUST_USE;

/* Mutation */
/* Insert v; *added (may be NULL) tells whether it was absent. */
intset *intset_add(intset *s, int64_t v, bool *added) MUST_USE;
/* Remove v; *removed (may be NULL) tells whether it was present. */
intset *intset_remove(intset *s, int64_t v, bool *removed) MUST_USE;

/* Lookup */
bool intset_find(const intset *s, int64_t v);
/* The element at idx (0 <= idx < len): the idx-th smallest. */
int64_t intset_at(const intset *s, uint32_t idx);
/* A uniformly chosen element; s must not be empty. */
int64_t intset_random(const intset *s);
uint32_t intset_len(const intset *s);
/* Bytes per element: 2, 4 or 8. */
size_t intset_width(const intset *s);

/* Serialized form */
/* Bytes of the blob (header and elements), as RDB writes it. */
size_t intset_blob_size(const intset *s);
/* Is p[0..size) a well-formed intset? The header, the width and the length
 * must match size and the set must not be empty; with 'deep' the elements
 * must also be strictly increasing (sorted and unique). Safe on any bytes. */
bool intset_validate(const void *p, size_t size, bool deep);
/* A copy of a blob that intset_validate() accepted. Caller frees. */
intset *intset_from_blob(const void *p, size_t size) MUST_USE;

#endif
