/* listpack.h -- Redis 7.0's listpack: a compact, contiguous list of strings
 * and integers, byte-compatible with Redis (RDB stores it verbatim).
 *
 * Layout: <total-bytes:u32le> <num-elements:u16le> <entry>... <0xFF>
 * Each entry: <encoding+data> <backlen>, integers in the smallest of Redis's
 * integer encodings, strings as 6/12/32-bit length strings. The element
 * count saturates at 65535 (then lp_len() walks the list), as in Redis.
 * Layer 1: no server state. Every function that may move the listpack
 * returns the new pointer (MUST_USE). Element pointers ('p') point at an
 * entry's first byte and stay valid only until the next change. */
#ifndef CASTOR_LISTPACK_H
#define CASTOR_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

#define LP_INTBUF_SIZE 21 /* enough for a long long as text */

/* Where to insert relative to an element. */
enum { LP_BEFORE = 0, LP_AFTER = 1, LP_REPLACE = 2 };

unsigned char *lp_new(size_t capacity) MUST_USE;
void lp_free(unsigned char *lp);
/* A copy (for COPY / kv_dup). */
unsigned char *lp_dup(const unsigned char *lp) MUST_USE;
/* Give back the allocation's slack past the header's size (a listpack
 * made with room to grow, once it is full). */
unsigned char *lp_shrink(unsigned char *lp) MUST_USE;
/* Total bytes, as stored in the header. */
size_t lp_bytes(const unsigned char *lp);
/* Number of elements. */
unsigned long lp_len(const unsigned char *lp);

/* Add a string element; a string that is a canonical integer (as
 * util_str2ll accepts) is stored with an integer encoding, as Redis does. */
unsigned char *lp_append(unsigned char *lp, const char *s, size_t len) MUST_USE;
unsigned char *lp_prepend(unsigned char *lp, const char *s, size_t len) MUST_USE;
unsigned char *lp_append_int(unsigned char *lp, long long v) MUST_USE;
/* One element for lp_append_batch(): the string s[0..len) (stored as
 * lp_append() stores it) or, when s is NULL, the integer v. */
typedef struct lp_item {
    const char *s;
    size_t len;
    long long v;
} lp_item;
/* Append n elements: the same bytes as one lp_append()/lp_append_int()
 * each, with one size check and one write for the lot (a stream entry's
 * fields in XADD). */
unsigned char *lp_append_batch(unsigned char *lp, const lp_item *items, size_t n) MUST_USE;
/* Insert s before/after the element at p, or replace it (LP_REPLACE).
 * If newp is not NULL it receives the inserted/replaced element. */
unsigned char *lp_insert(unsigned char *lp, const char *s, size_t len, unsigned char *p, int where,
                         unsigned char **newp) MUST_USE;
/* Delete the element at p; *newp (if not NULL) receives the element that
 * followed it, or NULL at the end. */
unsigned char *lp_delete(unsigned char *lp, unsigned char *p, unsigned char **newp) MUST_USE;
/* Delete num elements starting at index (negative counts from the end). */
unsigned char *lp_delete_range(unsigned char *lp, long index, unsigned long num) MUST_USE;
/* Delete num elements starting at the element p. */
unsigned char *lp_delete_range_at(unsigned char *lp, unsigned char **p, unsigned long num) MUST_USE;

/* Navigation: NULL past either end. */
unsigned char *lp_first(const unsigned char *lp);
unsigned char *lp_last(const unsigned char *lp);
unsigned char *lp_next(const unsigned char *lp, const unsigned char *p);
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p);
/* Element at index (negative from the end), NULL if out of range. O(n),
 * walking from the nearer end. */
unsigned char *lp_seek(const unsigned char *lp, long index);

/* Read the element at p. For a string, returns its bytes and sets *len.
 * For an integer, writes its decimal text into intbuf (LP_INTBUF_SIZE) and
 * returns intbuf, setting *len; if intbuf is NULL, returns NULL and sets
 * *ival instead. */
const unsigned char *lp_get(const unsigned char *p, size_t *len, long long *ival,
                            unsigned char *intbuf);
/* Is the element at p an integer (then *v is set)? */
bool lp_get_int(const unsigned char *p, long long *v);
/* Compare the element at p with s[0..len). */
bool lp_eq(const unsigned char *p, const char *s, size_t len);
/* Find s starting at p, comparing every (skip+1)-th element (skip=1 walks
 * the keys of a field/value listpack). NULL if absent. */
unsigned char *lp_find(const unsigned char *lp, unsigned char *p, const char *s, size_t len,
                       unsigned skip);

/* Validate untrusted bytes (RDB, RESTORE): header, every entry and the
 * terminator must be in bounds; with deep, each entry is checked. */
bool lp_validate(const unsigned char *lp, size_t size, bool deep);
/* Would adding an element of this size keep the listpack safe (below
 * 1 GB, Redis's LISTPACK_MAX_SAFETY_SIZE)? */
bool lp_safe_to_add(const unsigned char *lp, size_t add);

/* A decoded element: a string (sval, slen) or, when sval is NULL, an
 * integer (lval). sval points into the listpack (borrowed). */
typedef struct lp_entry {
    const unsigned char *sval;
    uint32_t slen;
    long long lval;
} lp_entry;

/* Decode the element at p into *e. */
void lp_get_entry(const unsigned char *p, lp_entry *e);
/* Integer variants of insertion (always an integer encoding). */
unsigned char *lp_insert_int(unsigned char *lp, long long v, unsigned char *p, int where,
                             unsigned char **newp) MUST_USE;
unsigned char *lp_prepend_int(unsigned char *lp, long long v) MUST_USE;

/* A uniformly random element whose index is a multiple of 'step' (step 2
 * picks a random field of a field/value listpack); NULL if empty. */
unsigned char *lp_random(const unsigned char *lp, unsigned step);
/* For field/value (member/score) listpacks, as Redis's lpRandomPairs:
 * 'count' random pairs with repetition, in random order, into keys[] and
 * (if not NULL) vals[]. The listpack must not be empty. */
void lp_random_pairs(const unsigned char *lp, unsigned long count, lp_entry *keys, lp_entry *vals);
/* As Redis's lpRandomPairsUnique: up to 'count' distinct pairs, in listpack
 * order. Returns how many were stored. */
unsigned long lp_random_pairs_unique(const unsigned char *lp, unsigned long count, lp_entry *keys,
                                     lp_entry *vals);

#endif
