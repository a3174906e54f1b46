/* quicklist.h -- Redis 7.0's quicklist: a doubly linked list of listpack
 * nodes, each optionally LZF-compressed, holding the elements of a list.
 *
 * Node fill follows list-max-listpack-size: a negative fill -1..-5 caps a
 * node's listpack at 4/8/16/32/64 KB, a positive one caps its element count
 * (with an 8 KB safety limit). list-compress-depth keeps that many nodes at
 * each end uncompressed and compresses the interior. An element of at least
 * the packed threshold (1 GB by default) lives alone in a "plain" node, as
 * in Redis 7.0. Layer 1: no server state.
 *
 * Entries (ql_entry) point into a node and stay valid only until the next
 * change to the list, or the next step of the iterator that produced them. */
#ifndef CASTOR_QUICKLIST_H
#define CASTOR_QUICKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

enum { QL_HEAD = 0, QL_TAIL = 1 };
enum { QL_NODE_RAW = 1, QL_NODE_LZF = 2 };      /* node->encoding, as Redis */
enum { QL_NODE_PLAIN = 1, QL_NODE_PACKED = 2 }; /* node->container, as Redis */

/* Node fields are public because rdb_types.c writes nodes verbatim (listpack or
 * LZF blob) and DEBUG OBJECT reports them; only quicklist.c changes them. */
typedef struct ql_node {
    struct ql_node *prev, *next;
    unsigned char *entry;           /* listpack, LZF blob, or the plain element */
    size_t sz;                      /* uncompressed bytes of entry */
    unsigned int count : 16;        /* elements in this node */
    unsigned int encoding : 2;      /* QL_NODE_RAW or QL_NODE_LZF */
    unsigned int container : 2;     /* QL_NODE_PACKED or QL_NODE_PLAIN */
    unsigned int recompress : 1;    /* decompressed for use; compress it again */
    unsigned int dont_compress : 1; /* while being replaced */
} ql_node;

typedef struct quicklist {
    ql_node *head, *tail;
    unsigned long count; /* elements */
    unsigned long len;   /* nodes */
    signed int fill : 16;
    unsigned int compress : 16;
} quicklist;

/* One element as an iterator or ql_peek() sees it: a string (value, sz) or,
 * when value is NULL, an integer (lval). value is borrowed from the node. */
typedef struct ql_entry {
    ql_node *node;
    unsigned char *zi; /* the element in node's listpack (packed nodes) */
    long offset;       /* index within the node (negative from its end) */
    const unsigned char *value;
    size_t sz;
    long long lval;
} ql_entry;

/* An iterator lives in the caller's storage; ql_iter_clear() recompresses
 * the node it stopped on. While iterating, the only changes allowed are
 * ql_del_entry() through the same iterator; insert/replace end the
 * iteration. */
typedef struct ql_iter {
    quicklist *ql;
    ql_node *current;
    unsigned char *zi;
    long offset;
    int direction; /* QL_HEAD: head to tail; QL_TAIL: tail to head */
} ql_iter;

/* Lifecycle */
quicklist *ql_new(int fill, int compress) MUST_USE;
void ql_free(quicklist *ql);
quicklist *ql_dup(const quicklist *ql) MUST_USE;
static inline unsigned long ql_count(const quicklist *ql) { return ql->count; }
/* Bytes allocated for the list (MEMORY USAGE). */
size_t ql_alloc_size(const quicklist *ql);
/* Elements at least this big go to plain nodes; 0 restores 1 GB. Returns
 * false (and changes nothing) above 4 GB - 1 MB, as Redis's DEBUG
 * QUICKLIST-PACKED-THRESHOLD. Process-wide, as in Redis. */
bool ql_set_packed_threshold(size_t sz);

/* Adding */
void ql_push(quicklist *ql, const char *s, size_t len, int where);
/* Append a whole listpack as a new tail node (RDB loading); takes ownership. */
void ql_append_listpack(quicklist *ql, unsigned char *lp);
/* Append a plain node holding one element (RDB loading); takes ownership. */
void ql_append_plain(quicklist *ql, unsigned char *data, size_t sz);

/* Ends: the head and tail nodes are never compressed, so peeking is cheap. */
bool ql_peek(const quicklist *ql, int where, ql_entry *e);
/* Remove the first (QL_HEAD) or last element; false if the list is empty. */
bool ql_pop_discard(quicklist *ql, int where);
/* Move the tail element to the head. */
void ql_rotate(quicklist *ql);

/* Iteration */
void ql_iter_init(ql_iter *it, quicklist *ql, int direction);
/* Start at element idx (negative counts from the tail). False if out of
 * range (then the iterator yields nothing). */
bool ql_iter_init_at(ql_iter *it, quicklist *ql, int direction, long long idx);
bool ql_next(ql_iter *it, ql_entry *e);
void ql_iter_clear(ql_iter *it);
/* Delete the element the iterator just returned; iteration continues. */
void ql_del_entry(ql_iter *it, ql_entry *e);
/* Replace / insert around the element the iterator just returned. Both end
 * the iteration: only ql_iter_clear() may follow. */
void ql_replace_entry(ql_iter *it, ql_entry *e, const char *s, size_t len);
void ql_insert_before(ql_iter *it, ql_entry *e, const char *s, size_t len);
void ql_insert_after(ql_iter *it, ql_entry *e, const char *s, size_t len);

/* Random access */
/* Replace the element at idx; false if out of range. */
bool ql_replace_at(quicklist *ql, long long idx, const char *s, size_t len);
/* Delete count elements starting at start (negative from the tail). */
void ql_del_range(quicklist *ql, long start, long count);
/* Does the entry equal s[0..len)? Integers compare by their decimal text. */
bool ql_entry_eq(const ql_entry *e, const char *s, size_t len);

/* Compressed data of an LZF node for writing it verbatim (RDB). */
size_t ql_node_lzf(const ql_node *node, const void **data);

#endif
