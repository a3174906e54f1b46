/* rio.c -- a byte stream with a running CRC64 over a file, a memory
 * buffer, a file descriptor or borrowed bytes.
 *
 * Every read or write updates the CRC64 (unless update_cksum is off) and
 * the count of bytes processed; max_chunk splits big transfers so a
 * reader's hook (rdb_rio_every()) runs at a steady pace. File writes can
 * sync as they go (fsync_every), keeping the dirty pages of a snapshot
 * bounded. A rio never allocates except a memory rio's buffer.
 * Not here: what the bytes mean (rdb.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* sync_file_range, fread_unlocked */
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc64.h"

static size_t file_read(rio *r, void *buf, size_t len) {
    /* One thread owns the stream: skip stdio's per-call locking. */
    return fread_unlocked(buf, 1, len, r->io.file.fp) == len ? len : 0;
}

static size_t file_write(rio *r, const void *buf, size_t len) {
    FILE *fp = r->io.file.fp;
    if (fwrite_unlocked(buf, 1, len, fp) != len) return 0;
    if (r->io.file.fsync_every > 0) {
        r->io.file.since_sync += len;
        if (r->io.file.since_sync >= (size_t)r->io.file.fsync_every) {
            /* Redis fdatasync()s every chunk and so waits for the disk
             * once per chunk. We start the writeback of the chunk just
             * written and wait only for the one before it: dirty pages
             * stay bounded at two chunks, and the disk writes while we
             * serialize the next one. */
            if (fflush(fp) != 0) return 0;
            int fd = fileno(fp);
            off_t end = (off_t)(r->processed + len), start = end - (off_t)r->io.file.since_sync;
            off_t prev = r->io.file.prev_start;
            if (start > prev &&
                sync_file_range(fd, prev, start - prev,
                                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                    SYNC_FILE_RANGE_WAIT_AFTER) == -1 &&
                fdatasync(fd) != 0)
                return 0;
            if (sync_file_range(fd, start, end - start, SYNC_FILE_RANGE_WRITE) == -1 &&
                fdatasync(fd) != 0)
                return 0;
            r->io.file.prev_start = start;
            r->io.file.since_sync = 0;
        }
    }
    return len;
}

static int file_flush(rio *r) { return fflush(r->io.file.fp) == 0 ? 0 : -1; }

static size_t mem_read(rio *r, void *buf, size_t len) {
    str *s = r->io.mem.buf;
    if (s == NULL || r->io.mem.pos > s->len || s->len - r->io.mem.pos < len) return 0;
    memcpy(buf, s->buf + r->io.mem.pos, len);
    r->io.mem.pos += len;
    return len;
}

static size_t mem_write(rio *r, const void *buf, size_t len) {
    if (r->io.mem.buf == NULL) r->io.mem.buf = str_new_cap(len);
    r->io.mem.buf = str_cat(r->io.mem.buf, buf, len);
    return len;
}

static int noop_flush(rio *r) {
    (void)r;
    return 0;
}

static size_t fd_read(rio *r, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(r->io.fd.fd, (char *)buf + done, len - done);
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) return 0;
        done += (size_t)n;
    }
    return len;
}

static size_t fd_write(rio *r, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(r->io.fd.fd, (const char *)buf + done, len - done);
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) return 0;
        done += (size_t)n;
    }
    return len;
}

static void rio_init(rio *r) {
    memset(r, 0, sizeof(*r));
    r->update_cksum = true;
}

void rio_init_file(rio *r, FILE *fp) {
    rio_init(r);
    r->read = file_read;
    r->write = file_write;
    r->flush = file_flush;
    r->io.file.fp = fp;
}

void rio_init_mem(rio *r, str *buf) {
    rio_init(r);
    r->read = mem_read;
    r->write = mem_write;
    r->flush = noop_flush;
    r->io.mem.buf = buf;
}

void rio_init_fd(rio *r, int fd) {
    rio_init(r);
    r->read = fd_read;
    r->write = fd_write;
    r->flush = noop_flush;
    r->io.fd.fd = fd;
}

size_t rio_write(rio *r, const void *buf, size_t len) {
    const char *p = buf;
    size_t left = len;
    while (left) {
        size_t n = r->max_chunk && left > r->max_chunk ? r->max_chunk : left;
        if (r->update_cksum) r->cksum = crc64(r->cksum, p, n);
        if (r->write(r, p, n) != n) return 0;
        r->processed += n;
        p += n;
        left -= n;
    }
    return len;
}

size_t rio_read(rio *r, void *buf, size_t len) {
    char *p = buf;
    size_t left = len;
    while (left) {
        size_t n = r->max_chunk && left > r->max_chunk ? r->max_chunk : left;
        if (r->read(r, p, n) != n) return 0;
        if (r->update_cksum) r->cksum = crc64(r->cksum, p, n);
        r->processed += n;
        p += n;
        left -= n;
    }
    return len;
}

static size_t view_read(rio *r, void *buf, size_t len) {
    if (r->io.view.len - r->io.view.pos < len) return 0;
    memcpy(buf, r->io.view.p + r->io.view.pos, len);
    r->io.view.pos += len;
    return len;
}

static size_t refuse_write(rio *r, const void *buf, size_t len) {
    (void)r, (void)buf, (void)len;
    return 0;
}

void rio_init_view(rio *r, const char *p, size_t len) {
    rio_init(r);
    r->read = view_read;
    r->write = refuse_write;
    r->flush = noop_flush;
    r->io.view.p = p;
    r->io.view.len = len;
    r->io.view.pos = 0;
}

static size_t count_write(rio *r, const void *buf, size_t len) {
    (void)r, (void)buf;
    return len;
}

void rio_init_counter(rio *r) {
    rio_init(r);
    r->write = count_write;
    r->flush = noop_flush;
}

uint64_t rio_bytes_left(rio *r) {
    if (r->read == mem_read) {
        str *s = r->io.mem.buf;
        return s && r->io.mem.pos <= s->len ? s->len - r->io.mem.pos : 0;
    }
    if (r->read == view_read) return r->io.view.len - r->io.view.pos;
    if (r->read == file_read) {
        struct stat st;
        off_t pos = ftello(r->io.file.fp);
        if (pos >= 0 && fstat(fileno(r->io.file.fp), &st) == 0 && S_ISREG(st.st_mode))
            return st.st_size >= pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    return UINT64_MAX;
}
