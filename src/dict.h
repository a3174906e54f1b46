/* dict.h -- intrusive chained hash table with incremental rehashing.
 *
 * Entries are the caller's own allocations whose first field is a
 * dict_link; the table stores only pointers to them, so a key and its value
 * can live in one allocation with no per-entry node. The dict never copies
 * keys: the type's key_of() reads an entry's key bytes. */
#ifndef CASTOR_DICT_H
#define CASTOR_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

typedef struct dict_link {
    struct dict_link *next;
} dict_link;

typedef struct dict_type {
    uint64_t (*hash)(const char *key, size_t len);
    const char *(*key_of)(const void *entry, size_t *len);
    bool (*key_eq)(const char *a, size_t alen, const char *b, size_t blen); /* NULL: memcmp */
    void (*free_entry)(void *entry);                                        /* may be NULL */
    /* May the table grow by 'more' bytes of buckets, its load being
     * 'ratio'? NULL: always (Redis's expandAllowed, for the keyspace). */
    bool (*expand_allowed)(size_t more, double ratio);
} dict_type;

typedef struct dict dict;

typedef struct dict_iter {
    dict *d;
    int table;
    long idx;
    dict_link *entry, *next;
} dict_iter;

/* The process-wide seed for dict_hash_bytes(); set once at start. */
void dict_set_seed(const uint8_t seed[16]);
uint64_t dict_hash_bytes(const char *key, size_t len);
uint64_t dict_hash_nocase(const char *key, size_t len);

dict *dict_new(const dict_type *type);
/* Frees every entry through the type's free_entry, then the dict. */
void dict_free(dict *d);
/* Removes (and frees) every entry; calls progress(priv) every 64k buckets. */
void dict_clear(dict *d, void (*progress)(void *), void *priv);

size_t dict_len(const dict *d);
/* Number of buckets (both tables while rehashing). */
size_t dict_buckets(const dict *d);
/* Bytes used by the bucket arrays (not entries). */
size_t dict_overhead(const dict *d);

void *dict_find(dict *d, const char *key, size_t len);
/* The slot that points at the entry with this key, or NULL: lets a caller
 * swap the entry for a reallocated copy with dict_set_slot() in O(1). The
 * slot stays valid until the next call that modifies or finds in 'd'. */
dict_link **dict_find_slot(dict *d, const char *key, size_t len);
/* Put 'entry' in the place of the entry at *slot (same key). */
void dict_set_slot(dict_link **slot, void *entry);
/* Insert an entry whose key is not present. Takes ownership. */
void dict_add(dict *d, void *entry);
/* Add 'entry' (whose key is key/len) unless the key is present: one hash
 * and one walk of its chain. Returns the entry already there, or NULL
 * when 'entry' was added. */
void *dict_add_unique(dict *d, void *entry, const char *key, size_t len);
/* Remove the entry with this key and return it (not freed), or NULL. */
void *dict_unlink(dict *d, const char *key, size_t len);
/* Remove and free; returns true if the key was present. */
bool dict_delete(dict *d, const char *key, size_t len);

/* The same, for a caller that has the key's hash already (h equal to the
 * type's hash of key/len; for dict_unlink_h only if have_h): a key is
 * hashed once per request however many calls it goes through. */
void *dict_find_h(dict *d, const char *key, size_t len, uint64_t h);
dict_link **dict_find_slot_h(dict *d, const char *key, size_t len, uint64_t h);
void dict_add_h(dict *d, void *entry, uint64_t h);
void *dict_add_unique_h(dict *d, void *entry, const char *key, size_t len, uint64_t h);
void *dict_unlink_h(dict *d, const char *key, size_t len, uint64_t h, bool have_h);

/* Memory prefetch for a lookup that comes soon, in two steps so a batch of
 * keys overlaps its cache misses: dict_prefetch() hashes the key, starts
 * loading its bucket and returns the hash; dict_prefetch_entry() (called
 * once the bucket had time to arrive) starts loading the chain's head. */
uint64_t dict_prefetch(const dict *d, const char *key, size_t len);
void dict_prefetch_entry(const dict *d, uint64_t h);

/* Grow so that 'n' entries fit without rehashing. */
void dict_expand(dict *d, size_t n);
/* Shrink if the table is less than 1/8 full; returns true if started. */
bool dict_shrink_if_needed(dict *d);
/* Do rehash steps for about 'us' microseconds; returns true if more remain. */
bool dict_rehash_us(dict *d, long long us);
bool dict_is_rehashing(const dict *d);
/* Forbid growing while a forked child shares pages (unless very overloaded). */
void dict_set_resize_allowed(bool allowed);

/* A uniformly chosen bucket, then a random entry in its chain; NULL if empty. */
void *dict_random(dict *d);
/* Append Redis's DEBUG HTSTATS text for d (each table: size, elements,
 * slots used, chain lengths; the rehashing target too while it exists). */
str *dict_stats(const dict *d, str *s) MUST_USE;
/* A random entry, NULL if empty: one of a sample of 20 from neighbouring
 * buckets, as Redis's dictGetFairRandomKey (dict_random() alone favours
 * entries that are alone in their bucket: SRANDMEMBER, HRANDFIELD and
 * SPOP use this, and the suite checks them with a chi-square test). */
void *dict_fair_random(dict *d);
/* Up to 'count' entries (fewer if the dict is smaller) from consecutive
 * buckets after a random one, into out[]; returns how many. Cheap and not
 * uniform: picking one of a sample of 20 is Redis's "fair" random member,
 * much less biased against long chains than dict_random(). The chain that
 * fills the sample is sampled whole (reservoir), so every entry of a long
 * chain can be drawn. */
size_t dict_sample(dict *d, void **out, size_t count);

/* Redis's reverse-binary cursor scan: every entry present for the whole
 * scan is returned at least once, across resizes. Returns the next cursor
 * (0 when done). fn must not modify 'd'. */
unsigned long dict_scan(dict *d, unsigned long cursor, void (*fn)(void *priv, void *entry),
                        void *priv);

/* Iteration pauses rehashing; the current entry may be removed. */
void dict_iter_init(dict_iter *it, dict *d);
void *dict_iter_next(dict_iter *it);
void dict_iter_done(dict_iter *it);

#endif
