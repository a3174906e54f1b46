/* quicklist.c -- a doubly linked list of listpacks (Redis 7.0's quicklist).
 *
 * Every node holds a listpack of up to 'fill' elements or bytes, or one
 * element of at least the packed threshold on its own ("plain"). Nodes more
 * than 'compress' places from either end are kept LZF-compressed; a node
 * decompressed to be read or changed is marked 'recompress' and compressed
 * again when the operation ends. The head and tail are never compressed, so
 * pushes, pops and peeks at the ends touch no compressed data.
 * The fill, merge and split rules follow Redis 7.0 so lists get the same
 * node layout (which RDB files and DEBUG OBJECT expose).
 * Not here: the list commands (t_list.c), RDB encoding of nodes (rdb.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "quicklist.h"

#include <liblzf/lzf.h>
#include <string.h>

#include "listpack.h"
#include "util.h"

/* Byte limits of fill -1..-5. The largest is 64 KB, so even one-byte
 * elements cannot overflow the 16-bit count. */
static const size_t size_levels[] = {4096, 8192, 16384, 32768, 65536};

#define PACKED_THRESHOLD_DEFAULT (1ULL << 30)
static size_t packed_threshold = PACKED_THRESHOLD_DEFAULT;
#define IS_LARGE(sz) ((sz) >= packed_threshold)

/* Nodes filled by count still stop at this many bytes. */
#define SIZE_SAFETY_LIMIT 8192
/* Over-estimate of an element's listpack overhead when checking room. */
#define SIZE_ESTIMATE_OVERHEAD 8
/* Don't compress listpacks smaller than this, or keep a compression that
 * saves less than MIN_COMPRESS_IMPROVE bytes. */
#define MIN_COMPRESS_BYTES 48
#define MIN_COMPRESS_IMPROVE 8

#define FILL_MAX ((1 << 15) - 1)
#define COMPRESS_MAX ((1 << 16) - 1)

/* The compressed form of a node's entry. */
typedef struct ql_lzf {
    size_t sz; /* compressed bytes */
    char compressed[];
} ql_lzf;

#define IS_PLAIN(n) ((n)->container == QL_NODE_PLAIN)

bool ql_set_packed_threshold(size_t sz) {
    if (sz > (1ULL << 32) - (1 << 20)) return false;
    packed_threshold = sz == 0 ? PACKED_THRESHOLD_DEFAULT : sz;
    return true;
}

quicklist *ql_new(int fill, int compress) {
    quicklist *ql = mem_calloc(sizeof(*ql));
    if (fill > FILL_MAX) fill = FILL_MAX;
    if (fill < -5) fill = -5;
    if (compress < 0) compress = 0;
    if (compress > COMPRESS_MAX) compress = COMPRESS_MAX;
    ql->fill = fill;
    ql->compress = (unsigned)compress;
    return ql;
}

static ql_node *node_new(void) {
    ql_node *n = mem_calloc(sizeof(*n));
    n->encoding = QL_NODE_RAW;
    n->container = QL_NODE_PACKED;
    return n;
}

void ql_free(quicklist *ql) {
    if (ql == NULL) return;
    ql_node *n = ql->head;
    while (n) {
        ql_node *next = n->next;
        mem_free(n->entry);
        mem_free(n);
        n = next;
    }
    mem_free(ql);
}

size_t ql_alloc_size(const quicklist *ql) {
    size_t total = mem_usable(ql);
    for (const ql_node *n = ql->head; n; n = n->next) total += mem_usable(n) + mem_usable(n->entry);
    return total;
}

/* ---- Compression ---- */

/* Compress an interior node. False if it is too small or does not shrink
 * enough (it then stays raw). */
static bool compress_node(ql_node *n) {
    if (n->dont_compress) return false;
    ASSERT(n->prev && n->next);
    n->recompress = 0;
    if (n->sz < MIN_COMPRESS_BYTES || n->sz > 0xffffffffu) return false;
    ql_lzf *lzf = mem_alloc(sizeof(*lzf) + n->sz);
    lzf->sz = lzf_compress(n->entry, (unsigned)n->sz, lzf->compressed, (unsigned)n->sz);
    if (lzf->sz == 0 || lzf->sz + MIN_COMPRESS_IMPROVE >= n->sz) {
        mem_free(lzf);
        return false;
    }
    lzf = mem_realloc(lzf, sizeof(*lzf) + lzf->sz);
    mem_free(n->entry);
    n->entry = (unsigned char *)lzf;
    n->encoding = QL_NODE_LZF;
    return true;
}

static void compress_if_raw(ql_node *n) {
    if (n && n->encoding == QL_NODE_RAW) compress_node(n);
}

static void decompress_node(ql_node *n) {
    n->recompress = 0;
    unsigned char *raw = mem_alloc(n->sz);
    ql_lzf *lzf = (ql_lzf *)n->entry;
    unsigned got = lzf_decompress(lzf->compressed, (unsigned)lzf->sz, raw, (unsigned)n->sz);
    ASSERT(got == n->sz); /* we compressed it ourselves */
    mem_free(lzf);
    n->entry = raw;
    n->encoding = QL_NODE_RAW;
}

static void decompress_if_lzf(ql_node *n) {
    if (n && n->encoding == QL_NODE_LZF) decompress_node(n);
}

/* Decompress a node to read or change it; it is compressed again later. */
static void decompress_for_use(ql_node *n) {
    if (n && n->encoding == QL_NODE_LZF) {
        decompress_node(n);
        n->recompress = 1;
    }
}

size_t ql_node_lzf(const ql_node *node, const void **data) {
    const ql_lzf *lzf = (const ql_lzf *)node->entry;
    *data = lzf->compressed;
    return lzf->sz;
}

/* Make the list meet its compress depth after a change near 'node' (which
 * may be NULL): the 'compress' nodes at each end raw, 'node' and the first
 * node past the depth on each side compressed. */
static void compress_depth(quicklist *ql, ql_node *node) {
    if (ql->len == 0) return;
    ASSERT(ql->head->recompress == 0 && ql->tail->recompress == 0);
    if (ql->compress == 0 || ql->len < ql->compress * 2UL) return;
    ql_node *fwd = ql->head, *rev = ql->tail;
    bool in_depth = false;
    for (unsigned depth = 0; depth < ql->compress; depth++) {
        decompress_if_lzf(fwd);
        decompress_if_lzf(rev);
        if (fwd == node || rev == node) in_depth = true;
        /* The two ends met: nothing lies beyond the depth. */
        if (fwd == rev || fwd->next == rev) return;
        fwd = fwd->next;
        rev = rev->prev;
    }
    if (!in_depth && node) compress_if_raw(node);
    compress_if_raw(fwd);
    compress_if_raw(rev);
}

/* After using 'node': compress it again if it was decompressed for use,
 * otherwise re-check the depth around it. */
static void compress_after(quicklist *ql, ql_node *node) {
    if (node->recompress) compress_if_raw(node);
    else compress_depth(ql, node);
}

static void recompress_only(ql_node *n) {
    if (n->recompress) compress_if_raw(n);
}

/* ---- Nodes ---- */

static void update_sz(ql_node *n) { n->sz = lp_bytes(n->entry); }

/* Link 'nn' after (after=true) or before 'old' (NULL only when empty). */
static void insert_node(quicklist *ql, ql_node *old, ql_node *nn, bool after) {
    if (after) {
        nn->prev = old;
        if (old) {
            nn->next = old->next;
            if (old->next) old->next->prev = nn;
            old->next = nn;
        }
        if (ql->tail == old) ql->tail = nn;
    } else {
        nn->next = old;
        if (old) {
            nn->prev = old->prev;
            if (old->prev) old->prev->next = nn;
            old->prev = nn;
        }
        if (ql->head == old) ql->head = nn;
    }
    if (ql->len == 0) ql->head = ql->tail = nn;
    ql->len++; /* before compressing: compress_depth reads len */
    if (old) compress_after(ql, old);
    compress_after(ql, nn);
}

static void del_node(quicklist *ql, ql_node *n) {
    if (n->next) n->next->prev = n->prev;
    if (n->prev) n->prev->next = n->next;
    if (n == ql->tail) ql->tail = n->prev;
    if (n == ql->head) ql->head = n->next;
    ql->len--;
    ql->count -= n->count;
    /* Removing a node inside the depth may pull a compressed one inside. */
    compress_depth(ql, NULL);
    mem_free(n->entry);
    mem_free(n);
}

static bool size_meets_level(size_t sz, int fill) {
    if (fill >= 0) return false;
    size_t level = (size_t)(-fill) - 1;
    return level < sizeof(size_levels) / sizeof(size_levels[0]) && sz <= size_levels[level];
}

/* May an element of sz bytes join node n? */
static bool allow_insert(const ql_node *n, int fill, size_t sz) {
    if (n == NULL || IS_PLAIN(n) || IS_LARGE(sz)) return false;
    size_t new_sz = n->sz + sz + SIZE_ESTIMATE_OVERHEAD;
    if (size_meets_level(new_sz, fill)) return true;
    if (new_sz > SIZE_SAFETY_LIMIT) return false;
    return (int)n->count < fill;
}

static bool allow_merge(const ql_node *a, const ql_node *b, int fill) {
    if (a == NULL || b == NULL || IS_PLAIN(a) || IS_PLAIN(b)) return false;
    size_t merge_sz = a->sz + b->sz - 11; /* one header and terminator less */
    if (size_meets_level(merge_sz, fill)) return true;
    if (merge_sz > SIZE_SAFETY_LIMIT) return false;
    return (int)(a->count + b->count) <= fill;
}

static ql_node *plain_node_new(const char *s, size_t len) {
    ql_node *n = node_new();
    n->entry = mem_alloc(len ? len : 1);
    memcpy(n->entry, s, len);
    n->container = QL_NODE_PLAIN;
    n->sz = len;
    n->count = 1;
    return n;
}

static void insert_plain(quicklist *ql, ql_node *old, const char *s, size_t len, bool after) {
    insert_node(ql, old, plain_node_new(s, len), after);
    ql->count++;
}

/* A listpack holding one element. */
static ql_node *packed_node_with(const char *s, size_t len) {
    ql_node *n = node_new();
    n->entry = lp_append(lp_new(0), s, len);
    n->count = 1;
    update_sz(n);
    return n;
}

/* ---- Adding ---- */

void ql_push(quicklist *ql, const char *s, size_t len, int where) {
    bool head = where == QL_HEAD;
    ql_node *end = head ? ql->head : ql->tail;
    if (IS_LARGE(len)) {
        insert_plain(ql, end, s, len, !head);
        return;
    }
    if (allow_insert(end, ql->fill, len)) {
        end->entry = head ? lp_prepend(end->entry, s, len) : lp_append(end->entry, s, len);
        end->count++;
        update_sz(end);
    } else {
        insert_node(ql, end, packed_node_with(s, len), !head);
    }
    ql->count++;
}

void ql_append_listpack(quicklist *ql, unsigned char *lp) {
    ql_node *n = node_new();
    n->entry = lp;
    n->count = (unsigned)lp_len(lp);
    update_sz(n);
    insert_node(ql, ql->tail, n, true);
    ql->count += n->count;
}

void ql_append_plain(quicklist *ql, unsigned char *data, size_t sz) {
    ql_node *n = node_new();
    n->entry = data;
    n->count = 1;
    n->sz = sz;
    n->container = QL_NODE_PLAIN;
    insert_node(ql, ql->tail, n, true);
    ql->count++;
}

quicklist *ql_dup(const quicklist *ql) {
    quicklist *copy = ql_new(ql->fill, (int)ql->compress);
    for (const ql_node *cur = ql->head; cur; cur = cur->next) {
        ql_node *n = node_new();
        size_t bytes = cur->encoding == QL_NODE_LZF
                           ? sizeof(ql_lzf) + ((const ql_lzf *)cur->entry)->sz
                           : cur->sz;
        n->entry = mem_memdup(cur->entry, bytes ? bytes : 1);
        n->count = cur->count;
        n->sz = cur->sz;
        n->encoding = cur->encoding;
        n->container = cur->container;
        copy->count += n->count;
        insert_node(copy, copy->tail, n, true);
    }
    return copy;
}

/* ---- Reading an element ---- */

static void fill_entry(ql_entry *e, ql_node *n, unsigned char *zi, long offset) {
    e->node = n;
    e->zi = zi;
    e->offset = offset;
    if (IS_PLAIN(n)) {
        e->value = n->entry;
        e->sz = n->sz;
        e->lval = 0;
        return;
    }
    size_t len = 0;
    long long v = 0;
    e->value = lp_get(zi, &len, &v, NULL);
    e->sz = len;
    e->lval = v;
}

bool ql_entry_eq(const ql_entry *e, const char *s, size_t len) {
    if (IS_PLAIN(e->node)) return e->sz == len && memcmp(e->value, s, len) == 0;
    return lp_eq(e->zi, s, len);
}

bool ql_peek(const quicklist *ql, int where, ql_entry *e) {
    ql_node *n = where == QL_HEAD ? ql->head : ql->tail;
    if (n == NULL) return false;
    ASSERT(n->encoding == QL_NODE_RAW);
    if (IS_PLAIN(n)) {
        fill_entry(e, n, NULL, 0);
        return true;
    }
    unsigned char *zi = where == QL_HEAD ? lp_first(n->entry) : lp_last(n->entry);
    fill_entry(e, n, zi, where == QL_HEAD ? 0 : -1);
    return true;
}

/* Delete the element at *zi of node n (any for plain nodes); *zi becomes
 * the element after it. Returns true if the whole node went away. */
static bool del_index(quicklist *ql, ql_node *n, unsigned char **zi) {
    if (IS_PLAIN(n)) {
        del_node(ql, n);
        return true;
    }
    n->entry = lp_delete(n->entry, *zi, zi);
    n->count--;
    ql->count--;
    if (n->count == 0) {
        del_node(ql, n);
        return true;
    }
    update_sz(n);
    return false;
}

bool ql_pop_discard(quicklist *ql, int where) {
    ql_entry e;
    if (!ql_peek(ql, where, &e)) return false;
    del_index(ql, e.node, &e.zi);
    return true;
}

void ql_rotate(quicklist *ql) {
    if (ql->count <= 1) return;
    ql_node *tail = ql->tail;
    if (IS_PLAIN(tail)) {
        /* Relink the plain tail node as the head. */
        ql_node *new_tail = tail->prev;
        ql->head->prev = tail;
        new_tail->next = NULL;
        tail->next = ql->head;
        tail->prev = NULL;
        ql->head = tail;
        ql->tail = new_tail;
        /* The new tail may have been an interior, compressed node. */
        decompress_if_lzf(new_tail);
        compress_depth(ql, tail->next);
        return;
    }
    ql_entry e;
    ql_peek(ql, QL_TAIL, &e);
    char numbuf[UTIL_LLSTR_SIZE];
    const char *val;
    size_t len;
    char *copy = NULL;
    if (e.value == NULL) {
        len = util_ll2str(numbuf, e.lval);
        val = numbuf;
    } else {
        /* Pushing may move the listpack the element lives in. */
        copy = mem_memdup(e.value, e.sz ? e.sz : 1);
        val = copy;
        len = e.sz;
    }
    ql_push(ql, val, len, QL_HEAD);
    ql_pop_discard(ql, QL_TAIL);
    mem_free(copy);
}

/* ---- Iteration ---- */

void ql_iter_init(ql_iter *it, quicklist *ql, int direction) {
    it->ql = ql;
    it->direction = direction;
    it->zi = NULL;
    if (direction == QL_HEAD) {
        it->current = ql->head;
        it->offset = 0;
    } else {
        it->current = ql->tail;
        it->offset = -1;
    }
}

bool ql_iter_init_at(ql_iter *it, quicklist *ql, int direction, long long idx) {
    ql_iter_init(it, ql, direction);
    bool forward = idx >= 0;
    unsigned long long index = forward ? (unsigned long long)idx : (unsigned long long)(-(idx + 1));
    if (index >= ql->count) {
        it->current = NULL;
        return false;
    }
    /* Walk from whichever end is nearer. */
    bool seek_forward = forward;
    unsigned long long seek_index = index;
    if (index > (ql->count - 1) / 2) {
        seek_forward = !forward;
        seek_index = ql->count - 1 - index;
    }
    unsigned long long accum = 0;
    ql_node *n = seek_forward ? ql->head : ql->tail;
    while (n && accum + n->count <= seek_index) {
        accum += n->count;
        n = seek_forward ? n->next : n->prev;
    }
    ASSERT(n != NULL);
    /* Express accum as if we had walked in the asked direction. */
    if (seek_forward != forward) accum = ql->count - n->count - accum;
    it->current = n;
    it->offset = forward ? (long)(index - accum) : -(long)(index - accum) - 1;
    return true;
}

bool ql_next(ql_iter *it, ql_entry *e) {
    while (it->current) {
        ql_node *n = it->current;
        bool plain = IS_PLAIN(n);
        if (it->zi == NULL) {
            decompress_for_use(n);
            it->zi = plain ? n->entry : lp_seek(n->entry, it->offset);
        } else if (plain) {
            it->zi = NULL;
        } else if (it->direction == QL_HEAD) {
            it->zi = lp_next(n->entry, it->zi);
            it->offset++;
        } else {
            it->zi = lp_prev(n->entry, it->zi);
            it->offset--;
        }
        if (it->zi) {
            fill_entry(e, n, plain ? NULL : it->zi, it->offset);
            return true;
        }
        /* This node is done: recompress it and move on. */
        compress_after(it->ql, n);
        if (it->direction == QL_HEAD) {
            it->current = n->next;
            it->offset = 0;
        } else {
            it->current = n->prev;
            it->offset = -1;
        }
        it->zi = NULL;
    }
    return false;
}

void ql_iter_clear(ql_iter *it) {
    if (it->current) compress_after(it->ql, it->current);
    it->current = NULL;
    it->zi = NULL;
}

void ql_del_entry(ql_iter *it, ql_entry *e) {
    ql_node *prev = e->node->prev, *next = e->node->next;
    bool gone = del_index(it->ql, e->node, &e->zi);
    /* With zi cleared, ql_next() re-seeks by offset without stepping:
     * forward, the next element slid into the deleted one's offset;
     * backward, the previous element keeps its offset from the node's end. */
    it->zi = NULL;
    if (gone) {
        if (it->direction == QL_HEAD) {
            it->current = next;
            it->offset = 0;
        } else {
            it->current = prev;
            it->offset = -1;
        }
    }
}

/* ---- Insertion and replacement ---- */

/* Split n: with after, n keeps [0, offset] and the returned node gets
 * [offset+1, end]; without, the returned node gets [0, offset-1] and n
 * keeps [offset, end]. */
static ql_node *split_node(ql_node *n, long offset, bool after) {
    ql_node *nn = node_new();
    nn->entry = mem_memdup(n->entry, n->sz);
    if (offset < 0) offset += n->count;
    long orig_start = after ? offset + 1 : 0;
    unsigned long orig_extent = after ? (unsigned long)-1 : (unsigned long)offset;
    long new_start = after ? 0 : offset;
    unsigned long new_extent = after ? (unsigned long)offset + 1 : (unsigned long)-1;
    n->entry = lp_delete_range(n->entry, orig_start, orig_extent);
    n->count = (unsigned)lp_len(n->entry);
    update_sz(n);
    nn->entry = lp_delete_range(nn->entry, new_start, new_extent);
    nn->count = (unsigned)lp_len(nn->entry);
    update_sz(nn);
    return nn;
}

/* Append every element of listpack 'src' to 'dst'. */
static unsigned char *lp_append_all(unsigned char *dst, const unsigned char *src) {
    for (unsigned char *p = lp_first(src); p; p = lp_next(src, p)) {
        lp_entry le;
        lp_get_entry(p, &le);
        if (le.sval) dst = lp_append(dst, (const char *)le.sval, le.slen);
        else dst = lp_append_int(dst, le.lval);
    }
    return dst;
}

/* Merge b (right of a) into a, dropping b. Returns the kept node. */
static ql_node *merge_pair(quicklist *ql, ql_node *a, ql_node *b) {
    decompress_if_lzf(a);
    decompress_if_lzf(b);
    a->entry = lp_append_all(a->entry, b->entry);
    a->count = (unsigned)lp_len(a->entry);
    update_sz(a);
    b->count = 0; /* its elements now count in a */
    del_node(ql, b);
    compress_after(ql, a);
    return a;
}

/* Try to merge the nodes around 'center' after a split, as Redis does:
 * (prev_prev, prev), (next, next_next), (prev, center), (center, next). */
static void merge_around(quicklist *ql, ql_node *center) {
    int fill = ql->fill;
    ql_node *prev = center->prev, *next = center->next;
    ql_node *prev_prev = prev ? prev->prev : NULL;
    ql_node *next_next = next ? next->next : NULL;
    if (allow_merge(prev, prev_prev, fill)) merge_pair(ql, prev_prev, prev);
    if (allow_merge(next, next_next, fill)) merge_pair(ql, next, next_next);
    ql_node *target = center;
    if (allow_merge(center, center->prev, fill)) target = merge_pair(ql, center->prev, center);
    if (allow_merge(target, target->next, fill)) merge_pair(ql, target, target->next);
}

static void insert_at(ql_iter *it, ql_entry *e, const char *s, size_t len, bool after) {
    quicklist *ql = it->ql;
    int fill = ql->fill;
    ql_node *n = e->node;
    it->current = NULL; /* the iteration ends here */
    it->zi = NULL;
    if (n == NULL) {
        if (IS_LARGE(len)) insert_plain(ql, ql->tail, s, len, after);
        else {
            insert_node(ql, NULL, packed_node_with(s, len), after);
            ql->count++;
        }
        return;
    }
    bool full = !allow_insert(n, fill, len);
    bool at_tail = false, at_head = false, avail_next = false, avail_prev = false;
    if (after && (e->offset == (long)n->count - 1 || e->offset == -1)) {
        at_tail = true;
        avail_next = allow_insert(n->next, fill, len);
    }
    if (!after && (e->offset == 0 || e->offset == -(long)n->count)) {
        at_head = true;
        avail_prev = allow_insert(n->prev, fill, len);
    }
    if (IS_LARGE(len)) {
        if (IS_PLAIN(n) || at_tail || at_head) {
            insert_plain(ql, n, s, len, after);
        } else {
            decompress_for_use(n);
            ql_node *rest = split_node(n, e->offset, after);
            ql_node *mid = plain_node_new(s, len);
            insert_node(ql, n, mid, after);
            insert_node(ql, mid, rest, after);
            ql->count++;
        }
        return;
    }
    ql_node *nn;
    if (!full) {
        decompress_for_use(n);
        n->entry = lp_insert(n->entry, s, len, e->zi, after ? LP_AFTER : LP_BEFORE, NULL);
        n->count++;
        update_sz(n);
        recompress_only(n);
    } else if (at_tail && avail_next) {
        nn = n->next;
        decompress_for_use(nn);
        nn->entry = lp_prepend(nn->entry, s, len);
        nn->count++;
        update_sz(nn);
        recompress_only(nn);
        recompress_only(n);
    } else if (at_head && avail_prev) {
        nn = n->prev;
        decompress_for_use(nn);
        nn->entry = lp_append(nn->entry, s, len);
        nn->count++;
        update_sz(nn);
        recompress_only(nn);
        recompress_only(n);
    } else if (at_tail || at_head) {
        insert_node(ql, n, packed_node_with(s, len), after);
    } else {
        /* A full node with the position inside it: split it there. */
        decompress_for_use(n);
        nn = split_node(n, e->offset, after);
        nn->entry = after ? lp_prepend(nn->entry, s, len) : lp_append(nn->entry, s, len);
        nn->count++;
        update_sz(nn);
        insert_node(ql, n, nn, after);
        merge_around(ql, n);
    }
    ql->count++;
}

void ql_insert_before(ql_iter *it, ql_entry *e, const char *s, size_t len) {
    insert_at(it, e, s, len, false);
}

void ql_insert_after(ql_iter *it, ql_entry *e, const char *s, size_t len) {
    insert_at(it, e, s, len, true);
}

void ql_replace_entry(ql_iter *it, ql_entry *e, const char *s, size_t len) {
    quicklist *ql = it->ql;
    ql_node *n = e->node;
    if (!IS_PLAIN(n) && !IS_LARGE(len)) {
        n->entry = lp_insert(n->entry, s, len, e->zi, LP_REPLACE, NULL);
        update_sz(n);
        compress_after(ql, n);
    } else if (IS_PLAIN(n)) {
        if (IS_LARGE(len)) {
            mem_free(n->entry);
            n->entry = mem_memdup(s, len);
            n->sz = len;
            compress_after(ql, n);
        } else {
            insert_at(it, e, s, len, true);
            del_node(ql, n);
        }
    } else {
        /* A large element replacing a packed one: it gets its own node. */
        n->dont_compress = 1;
        insert_at(it, e, s, len, true);
        if (n->count == 1) {
            del_node(ql, n);
        } else {
            /* insert_at split n so the replaced element is its last one. */
            unsigned char *p = lp_last(n->entry);
            del_index(ql, n, &p);
            n->dont_compress = 0;
            compress_after(ql, n);
            compress_after(ql, n->next);
        }
    }
    it->current = NULL;
    it->zi = NULL;
}

bool ql_replace_at(quicklist *ql, long long idx, const char *s, size_t len) {
    ql_iter it;
    ql_entry e;
    if (!ql_iter_init_at(&it, ql, QL_TAIL, idx) || !ql_next(&it, &e)) return false;
    ql_replace_entry(&it, &e, s, len);
    ql_iter_clear(&it);
    return true;
}

/* ---- Deleting ranges ---- */

void ql_del_range(quicklist *ql, long start, long count) {
    if (count <= 0) return;
    unsigned long extent = (unsigned long)count;
    if (start >= 0 && extent > ql->count - (unsigned long)start)
        extent = ql->count - (unsigned long)start;
    else if (start < 0 && extent > (unsigned long)(-start)) extent = (unsigned long)(-start);
    ql_iter it;
    if (!ql_iter_init_at(&it, ql, QL_TAIL, start)) return;
    ql_node *n = it.current;
    long offset = it.offset;
    while (extent) {
        ql_node *next = n->next;
        unsigned long del;
        bool whole = false;
        if (offset == 0 && extent >= n->count) {
            whole = true;
            del = n->count;
        } else if (offset >= 0 && extent + (unsigned long)offset >= n->count) {
            del = n->count - (unsigned long)offset;
        } else if (offset < 0) {
            /* First node, offset counted from its end. */
            del = (unsigned long)(-offset);
            if (del > extent) del = extent;
        } else {
            del = extent;
        }
        if (whole || IS_PLAIN(n)) {
            del_node(ql, n);
        } else {
            decompress_for_use(n);
            n->entry = lp_delete_range(n->entry, offset, del);
            update_sz(n);
            n->count -= del;
            ql->count -= del;
            if (n->count == 0) del_node(ql, n);
            else recompress_only(n);
        }
        extent -= del;
        n = next;
        offset = 0;
    }
}
