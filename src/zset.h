/* zset.h -- a sorted set value in either of Redis's two encodings.
 *
 * A KV_ZSET entry's value is a listpack of member,score pairs sorted by
 * (score, member) (KV_ENC_LISTPACK) or a skiplist (KV_ENC_SKIPLIST). These
 * functions hide the difference from the commands, convert between the two
 * at Redis's thresholds (passed in: this is layer 1, it reads no config) and
 * keep the entry's pointer and encoding up to date, so callers must not hold
 * an old kv_ptr() across a change.
 * Scores in a listpack are stored as Redis stores them: an integer when the
 * double is integral and within +-2^62, otherwise "%.17g" text ("inf" for
 * infinities). So a listpack keeps -0 as 0, while a skiplist keeps -0. */
#ifndef CASTOR_ZSET_H
#define CASTOR_ZSET_H

#include <stdbool.h>
#include <stddef.h>

#include "kv.h"
#include "listpack.h"
#include "skiplist.h"

/* Encoding limits (zset-max-listpack-entries / -value). */
typedef struct zset_limits {
    unsigned long long max_entries, max_value;
} zset_limits;

/* zset_add() input flags and output flags, as Redis's ZADD_IN_* / ZADD_OUT_*. */
enum {
    ZSET_IN_INCR = 1 << 0,
    ZSET_IN_NX = 1 << 1,
    ZSET_IN_XX = 1 << 2,
    ZSET_IN_GT = 1 << 3,
    ZSET_IN_LT = 1 << 4,
};
enum {
    ZSET_OUT_NAN = 1 << 0, /* the result would be NaN: nothing changed */
    ZSET_OUT_ADDED = 1 << 1,
    ZSET_OUT_UPDATED = 1 << 2,
    ZSET_OUT_NOP = 1 << 3, /* NX/XX/GT/LT blocked the operation */
};

/* Lifetime (the kv type callbacks) */
void zset_value_free(void *ptr, enum kv_enc enc);
void *zset_value_dup(const void *ptr, enum kv_enc enc);
size_t zset_value_size(const void *ptr, enum kv_enc enc);
/* An empty value for a new key: a listpack unless the limits (or the first
 * member's length) call for a skiplist. Sets *enc. */
void *zset_value_new(const zset_limits *lim, size_t first_len, size_t size_hint,
                     enum kv_enc *enc) MUST_USE;

/* Reading */
unsigned long zset_len(const kv *e);
bool zset_score(const kv *e, const char *m, size_t len, double *score);
/* 0-based rank from the low end (or from the high end with rev); -1 if absent. */
long zset_rank(const kv *e, const char *m, size_t len, bool rev);
unsigned long zset_count_score(const kv *e, const sl_range *r);
unsigned long zset_count_lex(const kv *e, const sl_lexrange *r);

/* Writing. zset_add() returns false only when the score (or the sum for
 * INCR) is NaN; *newscore gets the resulting score. */
bool zset_add(kv *e, double score, const char *m, size_t len, int in, int *out, double *newscore,
              const zset_limits *lim);
bool zset_del(kv *e, const char *m, size_t len);
unsigned long zset_delete_score(kv *e, const sl_range *r);
unsigned long zset_delete_lex(kv *e, const sl_lexrange *r);
/* Ranks start..end, 0-based, inclusive, already clamped to the set. */
unsigned long zset_delete_rank(kv *e, unsigned long start, unsigned long end);
void zset_convert(kv *e, enum kv_enc to);
/* A result built as a skiplist goes back to a listpack when it fits
 * (ZUNIONSTORE and friends); maxlen is its longest member. */
void zset_shrink_if_fits(kv *e, size_t maxlen, const zset_limits *lim);

/* Iteration. An iterator reads an entry that must not change meanwhile. */
typedef struct zset_iter {
    bool lp, rev;
    unsigned char *zl, *eptr, *sptr;
    sl_node *node;
} zset_iter;

/* A member read from an iterator: m points into the set or into buf. */
typedef struct zset_elem {
    const char *m;
    size_t len;
    double score;
    unsigned char buf[LP_INTBUF_SIZE];
} zset_elem;

/* Start at the lowest (highest with rev) member. */
void zset_iter_init(zset_iter *it, const kv *e, bool rev);
/* Start at the member with this 0-based rank, counted in the direction. */
void zset_iter_rank(zset_iter *it, const kv *e, unsigned long rank, bool rev);
/* Start at the first member inside the range (the last one with rev);
 * the iterator is invalid when none is. */
void zset_iter_score(zset_iter *it, const kv *e, const sl_range *r, bool rev);
void zset_iter_lex(zset_iter *it, const kv *e, const sl_lexrange *r, bool rev);
static inline bool zset_iter_valid(const zset_iter *it) {
    return it->lp ? it->eptr != NULL : it->node != NULL;
}
void zset_iter_next(zset_iter *it);
/* The current member (and its score if want_score, else 0). */
void zset_iter_get(const zset_iter *it, zset_elem *out, bool want_score);
double zset_iter_get_score(const zset_iter *it);

/* A random member with its score (the set must not be empty). */
void zset_random(const kv *e, zset_elem *out);

/* Parse a listpack score element's text as Redis's zzlStrtod does. */
double zset_strtod(const char *s, size_t len);

#endif
