/* backlog.c -- the replication buffer shared by the backlog and the
 * replicas (see backlog.h).
 * Invariants: blocks are in stream order, each block's start is the
 * previous block's start + used; histlen is the sum of used; the tail is
 * never freed by trimming (so a reader at the end has a block to sit in);
 * a block is freed only when no reader is in it and the history without
 * it still holds 'size' bytes.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "backlog.h"

#include <string.h>

#include "mem.h"

/* A block with room for cap bytes (a usual block is one allocation of
 * block_size, header included); 'mem' counts what the allocator really
 * holds for it. */
static backlog_block *new_block(backlog *b, size_t cap, long long start) {
    if (cap == b->block_size && cap > 2 * sizeof(backlog_block)) cap -= sizeof(backlog_block);
    backlog_block *k = mem_alloc(sizeof(*k) + cap);
    size_t got = mem_usable(k);
    k->next = NULL;
    k->readers = 0;
    k->cap = cap;
    k->used = 0;
    k->start = start;
    if (b->tail) b->tail->next = k;
    else b->head = k;
    b->tail = k;
    b->mem += got;
    return k;
}

/* Free head blocks nobody reads that the history no longer needs. */
static void trim(backlog *b) {
    while (b->head && b->head != b->tail && b->head->readers == 0 &&
           b->histlen - b->head->used >= b->size) {
        backlog_block *k = b->head;
        b->head = k->next;
        b->histlen -= k->used;
        b->mem -= mem_usable(k);
        mem_free(k);
    }
}

backlog *backlog_new(size_t size, long long end) {
    backlog *b = mem_calloc(sizeof(*b));
    b->size = size ? size : 1;
    b->block_size = BACKLOG_BLOCK;
    b->end = end;
    return b;
}

void backlog_free(backlog *b) {
    if (b == NULL) return;
    backlog_block *k = b->head;
    while (k) {
        backlog_block *next = k->next;
        mem_free(k);
        k = next;
    }
    mem_free(b);
}

void backlog_feed(backlog *b, const char *p, size_t len) {
    while (len) {
        backlog_block *k = b->tail;
        if (k == NULL || k->used == k->cap)
            k = new_block(b, len > b->block_size ? len : b->block_size, b->end + 1);
        size_t n = k->cap - k->used < len ? k->cap - k->used : len;
        memcpy(k->data + k->used, p, n);
        k->used += n;
        b->histlen += n;
        b->end += (long long)n;
        p += n;
        len -= n;
    }
    trim(b);
}

long long backlog_first_offset(const backlog *b) { return b->end - (long long)b->histlen + 1; }

bool backlog_has(const backlog *b, long long offset) {
    return offset >= backlog_first_offset(b) && offset <= b->end + 1;
}

/* The block holding 'offset' and the position in it; the tail's end for
 * end + 1. NULL when no block exists. */
static backlog_block *find(const backlog *b, long long offset, size_t *pos) {
    for (backlog_block *k = b->head; k; k = k->next) {
        if (offset < k->start + (long long)k->used || k->next == NULL) {
            *pos = (size_t)(offset - k->start);
            return k;
        }
    }
    return NULL;
}

size_t backlog_copy_from(const backlog *b, long long offset, backlog_fn *fn, void *priv) {
    size_t pos, total = 0;
    for (backlog_block *k = find(b, offset, &pos); k; k = k->next, pos = 0) {
        if (k->used > pos) fn(priv, k->data + pos, k->used - pos);
        total += k->used - pos;
    }
    return total;
}

void backlog_resize(backlog *b, size_t size) {
    b->size = size ? size : 1;
    trim(b);
}

void backlog_rebase(backlog *b, long long end) {
    long long delta = end - b->end;
    for (backlog_block *k = b->head; k; k = k->next) k->start += delta;
    b->end = end;
}

/* ---- Readers ---- */

void backlog_reader_attach(backlog *b, backlog_reader *r, long long offset) {
    if (b->tail == NULL) new_block(b, b->block_size, b->end + 1);
    r->b = find(b, offset, &r->pos);
    r->b->readers++;
}

void backlog_reader_detach(backlog *b, backlog_reader *r) {
    if (r->b == NULL) return;
    r->b->readers--;
    r->b = NULL;
    trim(b);
}

size_t backlog_reader_pending(const backlog *b, const backlog_reader *r) {
    if (r->b == NULL) return 0;
    return (size_t)(b->end + 1 - (r->b->start + (long long)r->pos));
}

int backlog_reader_iov(const backlog_reader *r, struct iovec *iov, int max) {
    int n = 0;
    size_t pos = r->pos;
    for (backlog_block *k = r->b; k && n < max; k = k->next, pos = 0) {
        if (k->used == pos) continue;
        iov[n].iov_base = k->data + pos;
        iov[n].iov_len = k->used - pos;
        n++;
    }
    return n;
}

void backlog_reader_advance(backlog *b, backlog_reader *r, size_t n) {
    backlog_block *k = r->b;
    size_t pos = r->pos + n;
    /* Move on past every block consumed (a reader at the end of a full
     * block sits in the next one, so the old one can go). */
    while (k->next && pos >= k->used) {
        pos -= k->used;
        k->readers--;
        k = k->next;
        k->readers++;
    }
    bool moved = k != r->b;
    r->b = k;
    r->pos = pos;
    if (moved) trim(b);
}
