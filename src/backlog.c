/* backlog.c -- the replication backlog ring (see backlog.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "backlog.h"

#include <string.h>

#include "mem.h"

backlog *backlog_new(size_t size, long long end) {
    backlog *b = mem_alloc(sizeof(*b));
    b->size = size ? size : 1;
    b->buf = mem_alloc(b->size);
    b->idx = 0;
    b->histlen = 0;
    b->end = end;
    return b;
}

void backlog_free(backlog *b) {
    if (b == NULL) return;
    mem_free(b->buf);
    mem_free(b);
}

void backlog_feed(backlog *b, const char *p, size_t len) {
    b->end += (long long)len;
    if (len >= b->size) {   /* only the tail fits */
        memcpy(b->buf, p + len - b->size, b->size);
        b->idx = 0;
        b->histlen = b->size;
        return;
    }
    size_t first = b->size - b->idx;
    if (first > len) first = len;
    memcpy(b->buf + b->idx, p, first);
    memcpy(b->buf, p + first, len - first);
    b->idx = (b->idx + len) % b->size;
    b->histlen += len;
    if (b->histlen > b->size) b->histlen = b->size;
}

long long backlog_first_offset(const backlog *b) { return b->end - (long long)b->histlen + 1; }

bool backlog_has(const backlog *b, long long offset) {
    return offset >= backlog_first_offset(b) && offset <= b->end + 1;
}

size_t backlog_copy_from(const backlog *b, long long offset, backlog_fn *fn, void *priv) {
    size_t want = (size_t)(b->end + 1 - offset);
    if (want == 0) return 0;
    /* The oldest byte sits at idx - histlen (mod size); skip what the
     * replica already has. */
    size_t start = (b->idx + b->size - b->histlen + (b->histlen - want)) % b->size;
    size_t first = b->size - start;
    if (first > want) first = want;
    fn(priv, b->buf + start, first);
    if (want > first) fn(priv, b->buf, want - first);
    return want;
}

void backlog_rebase(backlog *b, long long end) { b->end = end; }

void backlog_resize(backlog *b, size_t size) {
    if (size == 0) size = 1;
    if (size == b->size) return;
    mem_free(b->buf);
    b->buf = mem_alloc(size);
    b->size = size;
    b->idx = 0;
    b->histlen = 0;
}
