/* ziplist.h -- read-only, validating readers for the ziplist and zipmap
 * encodings of old RDB files (Redis <= 6.2 ziplists, Redis <= 2.4 zipmaps).
 *
 * castor never keeps either in memory: the RDB loader walks them once,
 * checking every byte against the format, and rebuilds the elements as a
 * listpack. Every function here is safe on arbitrary bytes. Layer 1. */
#ifndef CASTOR_ZIPLIST_H
#define CASTOR_ZIPLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "mem.h"

/* One element: a string (s, len) or, when s is NULL, an integer v. The
 * string points into the blob being walked. Return false to stop the walk
 * (the walk then fails). */
typedef bool zl_elem_fn(void *priv, const unsigned char *s, size_t len, long long v);

/* Validate the ziplist zl[0..size) completely (header, every entry, the
 * previous-length links, the tail offset, the count) and call fn (may be
 * NULL) for each element in order. False if anything is malformed or fn
 * returned false; fn may have been called for a prefix. */
bool zl_walk(const unsigned char *zl, size_t size, zl_elem_fn *fn, void *priv);

/* The elements of a valid ziplist as a new listpack (caller frees), or
 * NULL if the ziplist is malformed. */
unsigned char *zl_to_listpack(const unsigned char *zl, size_t size) MUST_USE;

/* Validate the zipmap zm[0..size) completely and call fn for each
 * field, then value, in order (so fn sees 2 * pairs elements, all
 * strings). False if malformed, empty, if the header count disagrees, or
 * fn returned false. */
bool zm_walk(const unsigned char *zm, size_t size, zl_elem_fn *fn, void *priv);

#endif
