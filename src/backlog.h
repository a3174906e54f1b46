/* backlog.h -- the replication backlog: the last 'size' bytes of the
 * replication stream in a ring, addressed by stream offset.
 *
 * Offsets are those of the stream (master_repl_offset): byte number n of
 * everything ever fed. The backlog knows the offset of its last byte, so
 * a replica asking to continue from offset o can be served when
 * first_offset <= o <= end + 1. Pure data structure (layer 1). */
#ifndef CASTOR_BACKLOG_H
#define CASTOR_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct backlog {
    char *buf;
    size_t size;        /* capacity */
    size_t idx;         /* where the next byte goes */
    size_t histlen;     /* bytes held, <= size */
    long long end;      /* stream offset of the last byte fed (0: none yet) */
} backlog;

/* A backlog whose next byte will have offset end + 1. */
backlog *backlog_new(size_t size, long long end);
void backlog_free(backlog *b);
void backlog_feed(backlog *b, const char *p, size_t len);
/* Offset of the oldest byte held (end + 1 when empty). */
long long backlog_first_offset(const backlog *b);
/* Can a replica continue from 'offset' (the next byte it needs)? */
bool backlog_has(const backlog *b, long long offset);
/* Call fn on the bytes from 'offset' to the end, in at most two pieces.
 * Returns the byte count; offset must satisfy backlog_has(). */
typedef void backlog_fn(void *priv, const char *p, size_t len);
size_t backlog_copy_from(const backlog *b, long long offset, backlog_fn *fn, void *priv);
/* The history held is renumbered so its last byte has offset 'end' (a
 * restarted master's bytes fed before it knew its offset). */
void backlog_rebase(backlog *b, long long end);
/* A new capacity: the history is dropped (as Redis does on resize), the
 * offset carries on. */
void backlog_resize(backlog *b, size_t size);

#endif
