/* stream.h -- the stream value: entries in listpacks under an ordered index
 * of their master IDs, and the consumer groups with their pending lists.
 *
 * Entries: each node is a listpack in Redis 7.0's byte format (a master
 * entry of field names, then entries delta-encoded against the node's
 * master ID, with the SAMEFIELDS and DELETED flags and a trailing lp-count
 * so the list can be walked backwards), so RDB stores and loads nodes
 * verbatim. The index of nodes, the pending-entry lists (PELs) and every
 * other ID-ordered set here is an 'sidmap': a sorted vector of (ID, value)
 * pairs with a gap at its head. Entries are only ever added at the tail
 * and trimmed from the head, and PELs grow at the tail and are mostly
 * acknowledged from the head, so both ends are O(1) and a lookup is a
 * binary search; a removal in the middle moves the items after it. At the
 * default 100 entries per node that is 24 bytes of index per 100 entries,
 * less than a radix tree's nodes (measured in the report of issue 16).
 * Groups and consumers are kept sorted by name (byte order, shorter first
 * on a common prefix: the order Redis's rax lists them in).
 * Layer 1: no server state; the node limits are arguments.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_STREAM_H
#define CASTOR_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "str.h"

/* ---- IDs ---- */

typedef struct sid {
    uint64_t ms, seq;
} sid;

#define SID_STR_SIZE 42 /* "ms-seq" with both at UINT64_MAX, and a NUL */

static inline int sid_cmp(const sid *a, const sid *b) {
    if (a->ms != b->ms) return a->ms > b->ms ? 1 : -1;
    if (a->seq != b->seq) return a->seq > b->seq ? 1 : -1;
    return 0;
}
/* Next / previous ID; false (and the ID wraps to 0-0 / max) at the end. */
bool sid_incr(sid *id);
bool sid_decr(sid *id);
static inline bool sid_is_zero(const sid *id) { return id->ms == 0 && id->seq == 0; }
/* "ms-seq" into buf (SID_STR_SIZE); returns the length. */
size_t sid_fmt(char *buf, const sid *id);
/* The 16-byte big-endian form (RDB node keys, PEL IDs). */
void sid_encode(unsigned char *buf, const sid *id);
sid sid_decode(const unsigned char *buf);
/* Parse "ms", "ms-seq" (seq defaults to missing_seq), "-" and "+" (unless
 * strict) and, when seq_given is not NULL, "ms-*" (then *seq_given is
 * false). Redis's streamGenericParseIDOrReply without the reply. */
bool sid_parse(const char *p, size_t len, sid *out, uint64_t missing_seq, bool strict,
               bool *seq_given);

/* ---- An ordered map from ID to pointer ---- */

typedef struct sidmap_item {
    sid id;
    void *val;
} sidmap_item;

typedef struct sidmap {
    sidmap_item *items; /* live items are items[head .. head+len) */
    size_t head, len, cap;
} sidmap;

static inline size_t sidmap_len(const sidmap *m) { return m->len; }
static inline sidmap_item *sidmap_at(const sidmap *m, size_t i) { return &m->items[m->head + i]; }
/* Index of the first item >= id (len if none). */
size_t sidmap_lower(const sidmap *m, const sid *id);
void *sidmap_find(const sidmap *m, const sid *id);
/* False if id is present (nothing changes). */
bool sidmap_insert(sidmap *m, const sid *id, void *val);
/* Remove the item at index i / with this id; returns its value (NULL if absent). */
void *sidmap_remove_at(sidmap *m, size_t i);
void *sidmap_remove(sidmap *m, const sid *id);
void sidmap_clear(sidmap *m);
size_t sidmap_mem(const sidmap *m);

/* ---- Consumer groups ---- */

typedef struct sconsumer sconsumer;

/* A pending entry: shared by the group's PEL and its consumer's. */
typedef struct snack {
    long long delivery_time;
    uint64_t delivery_count;
    sconsumer *consumer;
} snack;

struct sconsumer {
    long long seen_time;
    sidmap pel; /* id -> snack (the group's) */
    uint32_t namelen;
    char name[];
};

#define SGROUP_ENTRIES_READ_INVALID (-1LL)

typedef struct sgroup {
    sid last_id;
    long long entries_read; /* SGROUP_ENTRIES_READ_INVALID: unknown */
    sidmap pel;             /* id -> snack (owned) */
    sconsumer **consumers;  /* sorted by name */
    size_t nconsumers, consumers_cap;
    uint32_t namelen;
    char name[];
} sgroup;

/* ---- The stream ---- */

/* Where the last forward iteration returned an entry: in the node of
 * master ID 'master', the entry 'id' follows the element 'off' bytes past
 * the node's master entry terminator. A later forward iteration that
 * starts at or after 'id' in that node jumps there instead of walking the
 * node from its first entry (a consumer group reading on where it
 * stopped). Entries only ever grow at a node's end, so the offset holds
 * until an entry is changed in place or a node removed (XDEL, trimming),
 * which clears it. */
typedef struct stream_seek {
    sid master, id;
    uint32_t off; /* 0: no hint */
} stream_seek;

typedef struct stream {
    sidmap nodes; /* master id -> listpack (owned) */
    uint64_t length;
    sid last_id, first_id, max_deleted;
    uint64_t entries_added;
    sgroup **groups; /* sorted by name */
    size_t ngroups, groups_cap;
    stream_seek seek;
} stream;

/* Register the kv callbacks of KV_STREAM (free, dup, size). */
void stream_init(void);
stream *stream_new(void) MUST_USE;
void stream_free(stream *s);
stream *stream_dup(const stream *s) MUST_USE;
size_t stream_mem(const stream *s);

/* Where a node ends, as stream-node-max-bytes / -entries (0: no limit). */
typedef struct stream_limits {
    long long node_max_bytes, node_max_entries;
} stream_limits;

/* Append an entry of nfields field/value pairs (fields[i], values[i]) with
 * ID *id (seq_given false: the seq is chosen, as "ms-*") or, if id is NULL,
 * the next ID after last_id at time now_ms. Returns 0 and sets *added,
 * -1 if the ID is not above the top item (or none is left), -2 if the
 * elements are too large. */
int stream_append(stream *s, const slice *fields, const slice *values, long nfields, const sid *id,
                  bool seq_given, long long now_ms, const stream_limits *lim, sid *added);

enum { STREAM_TRIM_NONE = 0, STREAM_TRIM_MAXLEN = 1, STREAM_TRIM_MINID = 2 };
typedef struct stream_trim_args {
    int strategy;
    bool approx;
    long long limit; /* 0: no limit */
    long long maxlen;
    sid minid;
} stream_trim_args;
/* Redis's streamTrim: entries removed. */
long long stream_trim(stream *s, const stream_trim_args *a);

/* Iterating entries between start and end (inclusive; NULL: unbounded). */
typedef struct stream_iter {
    stream *s;
    sid start, end;
    bool rev;
    bool skip_tombstones;
    size_t node; /* index of the next node to open (forward) or + 1 (rev) */
    unsigned char *lp, *p;
    unsigned char *entries; /* the open node's master entry terminator */
    sid master;
    int64_t master_fields;
    unsigned char *master_fields_start, *master_field_ptr;
    unsigned char *flags_p;
    int64_t entry_flags;
    unsigned char fbuf[21], vbuf[21];
} stream_iter;

void stream_iter_start(stream_iter *it, stream *s, const sid *start, const sid *end, bool rev);
bool stream_iter_next(stream_iter *it, sid *id, int64_t *nfields);
/* The next field and value of the current entry (borrowed until the next call). */
void stream_iter_field(stream_iter *it, const char **f, size_t *flen, const char **v, size_t *vlen);
/* Delete the current entry (after stream_iter_next); the iterator moves on. */
void stream_iter_remove(stream_iter *it, const sid *current);

bool stream_delete(stream *s, const sid *id);
bool stream_entry_exists(stream *s, const sid *id);
/* The ID of the first or last entry (with tombstones unless skip); max/0-0 if none. */
void stream_edge_id(stream *s, bool first, bool skip_tombstones, sid *out);
/* The last live entry's ID (0-0 when empty). */
void stream_last_valid_id(stream *s, sid *out);
/* Redis 7.0's streamEstimateDistanceFromFirstEverEntry. */
long long stream_estimate_distance(const stream *s, const sid *id);
bool stream_range_has_tombstones(const stream *s, const sid *start, const sid *end);
/* The lag of a group (false: unknown, reply null). */
bool stream_group_lag(stream *s, const sgroup *g, long long *lag);

sgroup *stream_group_find(const stream *s, const char *name, size_t len);
/* NULL if a group of this name exists. */
sgroup *stream_group_create(stream *s, const char *name, size_t len, const sid *id,
                            long long entries_read);
void stream_group_destroy(stream *s, sgroup *g);
sconsumer *stream_consumer_find(const sgroup *g, const char *name, size_t len);
/* NULL if it exists. */
sconsumer *stream_consumer_create(sgroup *g, const char *name, size_t len, long long now_ms);
/* Delete a consumer and its pending entries (from the group's PEL too). */
void stream_consumer_delete(sgroup *g, sconsumer *c);
snack *stream_nack_new(sconsumer *c, long long now_ms);

/* Check a node listpack from outside (RDB, RESTORE): the listpack, every
 * entry's structure, and its IDs as the commands leave them: each entry at
 * or above the master ID and above *top, the greatest live ID of the nodes
 * before (0-0 for the first), which it then raises. A deleted entry may
 * be above a later one: XSETID may move the last ID back below it (down to
 * the last live entry), and the next XADD appends after it. Fills in the
 * node's live count. */
bool stream_validate_node(const unsigned char *lp, size_t size, const sid *master, sid *top,
                          int64_t *live);

#endif
