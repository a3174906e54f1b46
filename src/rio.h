/* rio.h -- a byte stream with a running CRC64 (rio.c).
 *
 * The RDB code reads and writes through a rio, so one serializer serves
 * files, memory buffers (DUMP, FUNCTION DUMP, the AOF preamble), sockets
 * (replication) and borrowed bytes (RESTORE).
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_RIO_H
#define CASTOR_RIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "str.h"

typedef struct rio {
    /* Returns bytes handled (== len) or 0 on error/EOF. */
    size_t (*read)(struct rio *r, void *buf, size_t len);
    size_t (*write)(struct rio *r, const void *buf, size_t len);
    int (*flush)(struct rio *r);
    uint64_t cksum; /* CRC64 of everything read/written so far */
    bool update_cksum;
    uint64_t processed; /* bytes read or written */
    size_t max_chunk;   /* 0: no limit */
    union {
        struct {
            FILE *fp;
            int fsync_every;
            size_t since_sync;
            long long prev_start;
        } file;
        struct {
            str *buf;
            size_t pos;
        } mem;
        struct {
            int fd;
        } fd;
        struct {
            const char *p;
            size_t len, pos;
        } view;
    } io;
} rio;

void rio_init_file(rio *r, FILE *fp);
/* A memory rio: writes append to *buf (which it owns until you take it
 * back in r->io.mem.buf); reads consume from pos. */
void rio_init_mem(rio *r, str *buf);
void rio_init_fd(rio *r, int fd);
/* A read-only rio over borrowed bytes (RESTORE payloads): no copy. */
void rio_init_view(rio *r, const char *p, size_t len);
/* A rio that only counts what would be written, in r->processed (DEBUG
 * OBJECT's serializedlength). */
void rio_init_counter(rio *r);
size_t rio_write(rio *r, const void *buf, size_t len);
size_t rio_read(rio *r, void *buf, size_t len);
/* Bytes the input can still deliver, or UINT64_MAX when unknown (pipes,
 * sockets). Used only to refuse lengths no input could satisfy. */
uint64_t rio_bytes_left(rio *r);

#endif
