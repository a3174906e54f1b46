/* skiplist.h -- the large encoding of a sorted set: a span-counting skiplist
 * ordered by (score, member) and a hash table from member to node.
 *
 * Each member costs one allocation: the node holds the dict's chain link,
 * the score, the backward pointer, its levels and the member's bytes, so
 * the table needs no entry of its own and nothing is stored twice. Spans
 * give O(log n) rank queries and access by rank, as in Redis.
 * Layer 1: no server state. Node pointers stay valid until that member is
 * deleted; sl_update_score() keeps the node (it only relinks it). */
#ifndef CASTOR_SKIPLIST_H
#define CASTOR_SKIPLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "mem.h"

#define SL_MAXLEVEL 32

typedef struct sl_node sl_node;

struct sl_level {
    sl_node *forward;
    unsigned long span; /* nodes crossed by following 'forward' */
};

/* Fields are public: t_zset.c walks nodes on its hot paths. */
struct sl_node {
    dict_link link; /* the member table's chain (must stay first) */
    double score;
    sl_node *backward; /* NULL for the first node */
    uint32_t len;      /* member bytes, stored after level[height] */
    uint8_t height;
    struct sl_level level[];
};

typedef struct skiplist {
    sl_node *header; /* sentinel with SL_MAXLEVEL levels, no member */
    sl_node *tail;
    unsigned long length;
    int level;  /* levels in use (>= 1) */
    dict *dict; /* member -> node */
} skiplist;

/* A score interval; minex/maxex make an end exclusive. */
typedef struct sl_range {
    double min, max;
    bool minex, maxex;
} sl_range;

/* A member interval for the BYLEX commands. An end is a byte string, or
 * one of the infinities "-" and "+" (kind SL_LEX_NEG/SL_LEX_POS, which are
 * always exclusive). The strings are borrowed from the caller. */
enum { SL_LEX_STR = 0, SL_LEX_NEG = 1, SL_LEX_POS = 2 };
typedef struct sl_lex_end {
    const char *p;
    size_t len;
    int kind;
    bool ex;
} sl_lex_end;
typedef struct sl_lexrange {
    sl_lex_end min, max;
} sl_lexrange;

static inline const char *sl_member(const sl_node *n) { return (const char *)&n->level[n->height]; }
static inline sl_node *sl_first(const skiplist *sl) { return sl->header->level[0].forward; }
static inline sl_node *sl_next(const sl_node *n) { return n->level[0].forward; }

/* Lifetime */
skiplist *sl_new(void) MUST_USE;
void sl_free(skiplist *sl);
skiplist *sl_dup(const skiplist *sl) MUST_USE;
/* Bytes used by the structure, its nodes and its table. */
size_t sl_alloc_size(const skiplist *sl);

/* Members */
sl_node *sl_find(const skiplist *sl, const char *m, size_t len);
/* Insert a member that is not present (copies m); returns its node. */
sl_node *sl_insert(skiplist *sl, double score, const char *m, size_t len);
/* The same, given the member's hash (sl_member_hash()): a member looked
 * up and then added is hashed once. */
static inline uint64_t sl_member_hash(const char *m, size_t len) { return dict_hash_bytes(m, len); }
sl_node *sl_find_h(const skiplist *sl, const char *m, size_t len, uint64_t h);
sl_node *sl_insert_h(skiplist *sl, double score, const char *m, size_t len, uint64_t h);
/* Remove the node from the list and the table, and free it. */
void sl_delete(skiplist *sl, sl_node *n);
/* Give n a new score, moving it to its new place; n stays valid. */
void sl_update_score(skiplist *sl, sl_node *n, double score);

/* Ranks are 1-based here. */
unsigned long sl_rank(const skiplist *sl, const sl_node *n);
sl_node *sl_by_rank(const skiplist *sl, unsigned long rank);

/* Ranges: NULL when nothing is inside. */
bool sl_value_gte_min(double v, const sl_range *r);
bool sl_value_lte_max(double v, const sl_range *r);
sl_node *sl_first_in_range(const skiplist *sl, const sl_range *r);
sl_node *sl_last_in_range(const skiplist *sl, const sl_range *r);
bool sl_lex_gte_min(const char *m, size_t len, const sl_lexrange *r);
bool sl_lex_lte_max(const char *m, size_t len, const sl_lexrange *r);
/* Is the interval empty whatever the set holds (min above max)? */
bool sl_range_is_empty(const sl_range *r);
bool sl_lexrange_is_empty(const sl_lexrange *r);
sl_node *sl_first_in_lex(const skiplist *sl, const sl_lexrange *r);
sl_node *sl_last_in_lex(const skiplist *sl, const sl_lexrange *r);

/* Bulk deletion; each returns how many members went. */
unsigned long sl_delete_range_by_score(skiplist *sl, const sl_range *r);
unsigned long sl_delete_range_by_lex(skiplist *sl, const sl_lexrange *r);
/* Ranks start..end, 1-based and inclusive. */
unsigned long sl_delete_range_by_rank(skiplist *sl, unsigned long start, unsigned long end);

/* Check every invariant (order, spans, backward links, table); for tests. */
bool sl_verify(const skiplist *sl);

#endif
