/* backlog.h -- the replication buffer: the stream's recent bytes in a list
 * of blocks, shared by the backlog and every replica (Redis 7.0's design).
 *
 * Offsets are those of the stream (master_repl_offset): byte number n of
 * everything ever fed. Each byte is stored once. A replica reads the
 * stream through a reader (a position in a block, which pins that block
 * and every later one); the backlog is the history the buffer keeps: at
 * least 'size' bytes once that much was fed, and more while a slow reader
 * still needs older blocks, so a replica that reconnects can continue from
 * any offset between backlog_first_offset() and end + 1. Blocks nobody
 * reads and the backlog no longer needs are freed as soon as that is so.
 * Pure data structure (layer 1). */
#ifndef CASTOR_BACKLOG_H
#define CASTOR_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#define BACKLOG_BLOCK (16 * 1024)

typedef struct backlog_block {
    struct backlog_block *next;
    int readers; /* readers positioned in this block */
    size_t cap, used;
    long long start; /* stream offset of data[0] */
    char data[];
} backlog_block;

typedef struct backlog {
    backlog_block *head, *tail;
    size_t size;       /* history to keep (repl-backlog-size) */
    size_t histlen;    /* bytes held */
    size_t mem;        /* bytes allocated for blocks, headers included */
    size_t block_size; /* a new block's capacity (BACKLOG_BLOCK; tests use less) */
    long long end;     /* stream offset of the last byte fed (0: none yet) */
} backlog;

/* A replica's position: the next byte it needs is b->data[pos]. b NULL:
 * not attached. */
typedef struct backlog_reader {
    backlog_block *b;
    size_t pos;
} backlog_reader;

/* A backlog whose next byte will have offset end + 1. */
backlog *backlog_new(size_t size, long long end);
/* Readers must have been detached. */
void backlog_free(backlog *b);
void backlog_feed(backlog *b, const char *p, size_t len);
/* Offset of the oldest byte held (end + 1 when empty). */
long long backlog_first_offset(const backlog *b);
/* Can a replica continue from 'offset' (the next byte it needs)? */
bool backlog_has(const backlog *b, long long offset);
/* Call fn on the bytes from 'offset' to the end, block by block. Returns
 * the byte count; offset must satisfy backlog_has(). */
typedef void backlog_fn(void *priv, const char *p, size_t len);
size_t backlog_copy_from(const backlog *b, long long offset, backlog_fn *fn, void *priv);
/* A new history size: trims what no reader needs beyond it at once. */
void backlog_resize(backlog *b, size_t size);
/* The history held is renumbered so its last byte has offset 'end' (a
 * restarted master's bytes fed before it knew its offset). */
void backlog_rebase(backlog *b, long long end);

/* Readers */
/* Attach r at 'offset' (backlog_has() must hold). */
void backlog_reader_attach(backlog *b, backlog_reader *r, long long offset);
void backlog_reader_detach(backlog *b, backlog_reader *r);
/* Bytes from r's position to the end (0 when detached). */
size_t backlog_reader_pending(const backlog *b, const backlog_reader *r);
/* Up to max iovecs of the bytes r has not consumed; returns how many. */
int backlog_reader_iov(const backlog_reader *r, struct iovec *iov, int max);
/* r consumed n bytes (at most backlog_reader_pending()). */
void backlog_reader_advance(backlog *b, backlog_reader *r, size_t n);

#endif
