/* rdb.c -- the RDB format: rio streams, whole-dataset snapshots, DUMP and
 * RESTORE payloads.
 *
 * Saving writes version 10 ("REDIS0010"), the version Redis 7.0 writes,
 * with its encodings: lists as QUICKLIST_2 (each node's listpack verbatim,
 * compressed nodes as their LZF blob), small hashes and sorted sets as their
 * listpack, integer sets as their intset, big ones element by element, and
 * strings as integers when they fit 32 bits, else LZF-compressed above 20
 * bytes when rdbcompression is on.
 * Loading reads every type and opcode Redis 7.0 reads (versions 1..10, and
 * 11 from Redis 7.2 where the types are the same), including the ziplists
 * and zipmaps of old files (converted to listpacks by ziplist.c). Every
 * length and blob from outside is checked before it is trusted: listpacks
 * and intsets are validated deep, pairs are checked for duplicates, and a
 * length never allocates more than the input can still hold. A corrupt or
 * truncated input is an error naming the byte offset and the key being
 * read, never a crash. After loading, an encoding that castor's thresholds
 * would not keep is converted exactly where Redis's loader converts it.
 * Streams are written as STREAM_LISTPACKS_2 (what Redis 7.0 writes and
 * loads) and read in all three forms; their node listpacks are checked
 * entry by entry and their groups for dangling or shared pending entries.
 * Types castor does not have (modules) stop the load with an error naming
 * the key and the type: nothing is skipped silently.
 * Not here: when to save, fork, file names (snapshot.c); AOF (aof.c).
 * Spec: Redis 7.0 src/rdb.c and src/rdb.h (format), redis-doc RDB notes.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* sync_file_range */
#include "rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liblzf/lzf.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crc64.h"
#include "db.h"
#include "dict.h"
#include "intset.h"
#include "listpack.h"
#include "log.h"
#include "propagate.h"
#include "quicklist.h"
#include "seam.h"
#include "server.h"
#include "skiplist.h"
#include "stream.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "util.h"
#include "ziplist.h"
#include "zset.h"

/* Value types. Adding one? Update type_name() and is_object_type(). */
enum {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE_PRE_GA = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20,
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
};

/* Opcodes, in the same byte as a type. */
enum {
    RDB_OPCODE_FUNCTION2 = 245,
    RDB_OPCODE_FUNCTION_PRE_GA = 246,
    RDB_OPCODE_MODULE_AUX = 247,
    RDB_OPCODE_IDLE = 248,
    RDB_OPCODE_FREQ = 249,
    RDB_OPCODE_AUX = 250,
    RDB_OPCODE_RESIZEDB = 251,
    RDB_OPCODE_EXPIRETIME_MS = 252,
    RDB_OPCODE_EXPIRETIME = 253,
    RDB_OPCODE_SELECTDB = 254,
    RDB_OPCODE_EOF = 255,
};

/* Length prefixes: the top two bits of the first byte. */
#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
/* Special string encodings (after an RDB_ENCVAL prefix). */
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3

/* The highest version we read: 11 (Redis 7.2) uses the same encodings for
 * every type castor has, plus the set listpack. */
#define RDB_VERSION_READ_MAX 11
/* Quicklist node containers, as Redis. */
#define QL_CONTAINER_PLAIN 1
#define QL_CONTAINER_PACKED 2
/* Incremental fsync of snapshot files, Redis's REDIS_AUTOSYNC_BYTES. */
#define RDB_AUTOSYNC_BYTES (4 * 1024 * 1024)
/* Blobs above this size whose length the input cannot vouch for (a
 * socket) are read in pieces, growing the buffer as bytes arrive. */
#define READ_CHUNK (1 << 20)

static const char *type_name(int t) {
    switch (t) {
    case RDB_TYPE_STRING: return "string";
    case RDB_TYPE_LIST: return "list";
    case RDB_TYPE_SET: return "set";
    case RDB_TYPE_ZSET: return "zset";
    case RDB_TYPE_HASH: return "hash";
    case RDB_TYPE_ZSET_2: return "zset-v2";
    case RDB_TYPE_MODULE_PRE_GA: return "module-pre-ga";
    case RDB_TYPE_MODULE_2: return "module-v2";
    case RDB_TYPE_HASH_ZIPMAP: return "hash-zipmap";
    case RDB_TYPE_LIST_ZIPLIST: return "list-ziplist";
    case RDB_TYPE_SET_INTSET: return "set-intset";
    case RDB_TYPE_ZSET_ZIPLIST: return "zset-ziplist";
    case RDB_TYPE_HASH_ZIPLIST: return "hash-ziplist";
    case RDB_TYPE_LIST_QUICKLIST: return "quicklist";
    case RDB_TYPE_STREAM_LISTPACKS: return "stream";
    case RDB_TYPE_HASH_LISTPACK: return "hash-listpack";
    case RDB_TYPE_ZSET_LISTPACK: return "zset-listpack";
    case RDB_TYPE_LIST_QUICKLIST_2: return "quicklist-v2";
    case RDB_TYPE_STREAM_LISTPACKS_2: return "stream-v2";
    case RDB_TYPE_SET_LISTPACK: return "set-listpack";
    case RDB_TYPE_STREAM_LISTPACKS_3: return "stream-v3";
    default: return "unknown";
    }
}

static bool is_object_type(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 21); }

/* ---- rio ---- */

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

/* A read-only rio over borrowed bytes (RESTORE payloads): no copy. */
typedef struct view_rio {
    rio r; /* must stay first */
    const char *p;
    size_t len, pos;
} view_rio;

static size_t view_read(rio *r, void *buf, size_t len) {
    view_rio *v = (view_rio *)r;
    if (v->len - v->pos < len) return 0;
    memcpy(buf, v->p + v->pos, len);
    v->pos += len;
    return len;
}

static size_t refuse_write(rio *r, const void *buf, size_t len) {
    (void)r, (void)buf, (void)len;
    return 0;
}

static void view_init(view_rio *v, const char *p, size_t len) {
    rio_init(&v->r);
    v->r.read = view_read;
    v->r.write = refuse_write;
    v->r.flush = noop_flush;
    v->p = p;
    v->len = len;
    v->pos = 0;
}

/* A rio that only counts what would be written (DEBUG OBJECT's
 * serializedlength). */
static size_t count_write(rio *r, const void *buf, size_t len) {
    (void)r, (void)buf;
    return len;
}

/* Bytes the input can still deliver, or UINT64_MAX when unknown (pipes,
 * sockets). Used only to refuse lengths no input could satisfy. */
static uint64_t rio_bytes_left(rio *r) {
    if (r->read == mem_read) {
        str *s = r->io.mem.buf;
        return s && r->io.mem.pos <= s->len ? s->len - r->io.mem.pos : 0;
    }
    if (r->read == view_read) {
        view_rio *v = (view_rio *)r;
        return v->len - v->pos;
    }
    if (r->read == file_read) {
        struct stat st;
        off_t pos = ftello(r->io.file.fp);
        if (pos >= 0 && fstat(fileno(r->io.file.fp), &st) == 0 && S_ISREG(st.st_mode))
            return st.st_size >= pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    return UINT64_MAX;
}

/* ---- Saving: primitives ---- */

/* Each returns false on a write error (errno set by the rio). */

static bool wr(rio *r, const void *p, size_t len) {
    return len == 0 || rio_write(r, p, len) == len;
}

static bool save_type(rio *r, unsigned char t) { return wr(r, &t, 1); }

static bool save_len(rio *r, uint64_t len) {
    unsigned char buf[9];
    size_t n;
    if (len < (1 << 6)) {
        buf[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1 << 14)) {
        buf[0] = (unsigned char)((len >> 8) | (RDB_14BITLEN << 6));
        buf[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = RDB_32BITLEN;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = RDB_64BITLEN;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    return wr(r, buf, n);
}

/* Redis's rdbEncodeInteger: values that fit 32 bits; returns the size or 0. */
static size_t encode_int(long long v, unsigned char *enc) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        enc[1] = (unsigned char)v;
        return 2;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        enc[1] = (unsigned char)v;
        enc[2] = (unsigned char)(v >> 8);
        return 3;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        for (int i = 0; i < 4; i++) enc[1 + i] = (unsigned char)(v >> (8 * i));
        return 5;
    }
    return 0;
}

static bool save_lzf_blob(rio *r, const void *data, size_t clen, size_t ulen) {
    return save_type(r, (RDB_ENCVAL << 6) | RDB_ENC_LZF) && save_len(r, clen) &&
           save_len(r, ulen) && wr(r, data, clen);
}

/* Scratch space for compression: saving is single-threaded (the fork
 * child has its own copy), so one buffer serves every string. */
static unsigned char *lzf_scratch;
#define LZF_PROBE 256
#define LZF_GIVE_UP 64
#define LZF_SAMPLE 16
static unsigned lzf_fail_streak, lzf_skipped;
static size_t lzf_scratch_cap;

/* Write s LZF-compressed if that saves at least 4 bytes: 1 written, 0 not
 * worth it (nothing written), -1 write error. */
static int save_lzf_string(rio *r, const unsigned char *s, size_t len) {
    if (len <= 4 || len > UINT_MAX) return 0;
    size_t outlen = len - 4;
    if (lzf_scratch_cap < outlen) {
        mem_free(lzf_scratch);
        lzf_scratch_cap = outlen < 4096 ? 4096 : outlen;
        lzf_scratch = mem_alloc(lzf_scratch_cap);
    }
    /* Probe: LZF costs as much on data it can't shrink (already
     * compressed, encrypted, random) as on data it can. When the first
     * LZF_PROBE bytes of a long string don't shrink at all, store it raw
     * without trying the rest. A value whose head is noise but whose tail
     * repeats is then stored raw where Redis would compress it: the file
     * is still valid, only larger, and such values are rare. */
    if (len >= 4 * LZF_PROBE && lzf_compress(s, LZF_PROBE, lzf_scratch, LZF_PROBE - 1) == 0)
        return 0;
    /* A dataset of values LZF can't shrink (hashes, ids, compressed or
     * encrypted blobs) pays for a failed attempt on every string. After
     * LZF_GIVE_UP failures in a row only one string in LZF_SAMPLE is
     * tried; the first success goes back to trying every one. */
    if (lzf_fail_streak >= LZF_GIVE_UP && ++lzf_skipped % LZF_SAMPLE != 0) return 0;
    unsigned clen = lzf_compress(s, (unsigned)len, lzf_scratch, (unsigned)outlen);
    if (clen == 0) {
        lzf_fail_streak++;
        return 0;
    }
    lzf_fail_streak = 0;
    return save_lzf_blob(r, lzf_scratch, clen, len) ? 1 : -1;
}

/* Redis's rdbSaveRawString: an integer encoding for short canonical
 * integers, LZF above 20 bytes when rdbcompression is on, else verbatim. */
static bool save_raw_string(rio *r, const void *p, size_t len) {
    const unsigned char *s = p;
    if (len <= 11) {
        long long v;
        unsigned char enc[5];
        size_t n;
        if (util_str2ll(p, len, &v) && (n = encode_int(v, enc)) > 0) return wr(r, enc, n);
    }
    if (cfg.rdbcompression && len > 20) {
        int rc = save_lzf_string(r, s, len);
        if (rc != 0) return rc == 1;
    }
    return save_len(r, len) && wr(r, s, len);
}

static bool save_ll_string(rio *r, long long v) {
    unsigned char enc[5];
    size_t n = encode_int(v, enc);
    if (n) return wr(r, enc, n);
    char buf[UTIL_LLSTR_SIZE];
    size_t len = util_ll2str(buf, v);
    return save_len(r, len) && wr(r, buf, len);
}

static bool save_u64le(rio *r, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return wr(r, b, 8);
}

static bool save_binary_double(rio *r, double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return save_u64le(r, bits);
}

static bool save_aux(rio *r, const char *key, const char *val) {
    return save_type(r, RDB_OPCODE_AUX) && save_raw_string(r, key, strlen(key)) &&
           save_raw_string(r, val, strlen(val));
}

static bool save_aux_ll(rio *r, const char *key, long long v) {
    char buf[UTIL_LLSTR_SIZE];
    util_ll2str(buf, v);
    return save_aux(r, key, buf);
}

/* ---- Saving: values ---- */

/* The type byte Redis 7.0 writes for e's type and encoding. */
static int object_type(const kv *e) {
    switch (e->type) {
    case KV_STRING: return RDB_TYPE_STRING;
    case KV_LIST: return RDB_TYPE_LIST_QUICKLIST_2;
    case KV_SET: return e->enc == KV_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case KV_ZSET: return e->enc == KV_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case KV_HASH: return e->enc == KV_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case KV_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    }
    ASSERT(!"unknown value type");
    return -1;
}

/* For the foreach walks of sets and hashes, which cannot stop early. */
typedef struct walk_state {
    rio *r;
    bool ok;
} walk_state;

static void save_member(void *priv, const char *p, size_t len) {
    walk_state *w = priv;
    if (w->ok) w->ok = save_raw_string(w->r, p, len);
}

static void save_pair(void *priv, const char *f, size_t flen, const char *v, size_t vlen) {
    walk_state *w = priv;
    if (w->ok) w->ok = save_raw_string(w->r, f, flen) && save_raw_string(w->r, v, vlen);
}

static bool save_list(rio *r, const quicklist *ql) {
    if (!save_len(r, ql->len)) return false;
    for (const ql_node *n = ql->head; n; n = n->next) {
        if (!save_len(r, n->container)) return false;
        if (n->encoding == QL_NODE_LZF) {
            const void *data;
            size_t clen = ql_node_lzf(n, &data);
            if (!save_lzf_blob(r, data, clen, n->sz)) return false;
        } else if (!save_raw_string(r, n->entry, n->sz)) {
            return false;
        }
    }
    return true;
}

/* Skiplist members go out from the highest to the lowest, as Redis writes
 * them, so a loader inserting each at the head does O(1) work. */
static bool save_skiplist(rio *r, const skiplist *sl) {
    if (!save_len(r, sl->length)) return false;
    for (const sl_node *n = sl->tail; n; n = n->backward)
        if (!save_raw_string(r, sl_member(n), n->len) || !save_binary_double(r, n->score))
            return false;
    return true;
}

static bool save_sid(rio *r, const sid *id) { return save_len(r, id->ms) && save_len(r, id->seq); }

static bool save_raw_sid(rio *r, const sid *id) {
    unsigned char b[16];
    sid_encode(b, id);
    return wr(r, b, 16);
}

/* STREAM_LISTPACKS_2: the nodes (key: the master ID as 16 big-endian
 * bytes; value: the listpack), the stream's counters, then each group
 * with its PEL (ID, delivery time, count) and its consumers (name, seen
 * time, the IDs of their PEL). */
static bool save_stream(rio *r, const stream *s) {
    if (!save_len(r, sidmap_len(&s->nodes))) return false;
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++) {
        sidmap_item *it = sidmap_at(&s->nodes, i);
        unsigned char k[16];
        sid_encode(k, &it->id);
        if (!save_raw_string(r, k, 16) || !save_raw_string(r, it->val, lp_bytes(it->val)))
            return false;
    }
    if (!save_len(r, s->length) || !save_sid(r, &s->last_id) || !save_sid(r, &s->first_id) ||
        !save_sid(r, &s->max_deleted) || !save_len(r, s->entries_added) || !save_len(r, s->ngroups))
        return false;
    for (size_t i = 0; i < s->ngroups; i++) {
        const sgroup *g = s->groups[i];
        if (!save_raw_string(r, g->name, g->namelen) || !save_sid(r, &g->last_id) ||
            !save_len(r, (uint64_t)g->entries_read) || !save_len(r, sidmap_len(&g->pel)))
            return false;
        for (size_t j = 0; j < sidmap_len(&g->pel); j++) {
            sidmap_item *it = sidmap_at(&g->pel, j);
            const snack *n = it->val;
            if (!save_raw_sid(r, &it->id) || !save_u64le(r, (uint64_t)n->delivery_time) ||
                !save_len(r, n->delivery_count))
                return false;
        }
        if (!save_len(r, g->nconsumers)) return false;
        for (size_t j = 0; j < g->nconsumers; j++) {
            const sconsumer *c = g->consumers[j];
            if (!save_raw_string(r, c->name, c->namelen) ||
                !save_u64le(r, (uint64_t)c->seen_time) || !save_len(r, sidmap_len(&c->pel)))
                return false;
            for (size_t k = 0; k < sidmap_len(&c->pel); k++)
                if (!save_raw_sid(r, &sidmap_at(&c->pel, k)->id)) return false;
        }
    }
    return true;
}

/* The value of e as rdbSaveObject writes it (no type byte). */
static bool save_object(rio *r, const kv *e) {
    walk_state w = {r, true};
    switch (e->type) {
    case KV_STRING:
        if (e->enc == KV_ENC_INT) return save_ll_string(r, kv_int(e));
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const char *p = kv_str(e, buf, &len);
        return save_raw_string(r, p, len);
    case KV_LIST: return save_list(r, kv_ptr(e));
    case KV_SET:
        if (e->enc == KV_ENC_INTSET)
            return save_raw_string(r, kv_ptr(e), intset_blob_size(kv_ptr(e)));
        if (!save_len(r, t_set_len(e))) return false;
        t_set_foreach(e, save_member, &w);
        return w.ok;
    case KV_ZSET:
        if (e->enc == KV_ENC_LISTPACK) return save_raw_string(r, kv_ptr(e), lp_bytes(kv_ptr(e)));
        return save_skiplist(r, kv_ptr(e));
    case KV_HASH:
        if (e->enc == KV_ENC_LISTPACK) return save_raw_string(r, kv_ptr(e), lp_bytes(kv_ptr(e)));
        if (!save_len(r, hash_len(e))) return false;
        hash_foreach(e, save_pair, &w);
        return w.ok;
    case KV_STREAM: return save_stream(r, kv_ptr(e));
    }
    return false;
}

/* Expire, access data, type, key, value: rdbSaveKeyValuePair. */
static bool save_key_value(rio *r, const kv *e) {
    if (kv_has_expire(e) &&
        (!save_type(r, RDB_OPCODE_EXPIRETIME_MS) || !save_u64le(r, (uint64_t)kv_expire(e))))
        return false;
    if (cfg.maxmemory_policy == POLICY_VOLATILE_LRU || cfg.maxmemory_policy == POLICY_ALLKEYS_LRU) {
        if (!save_type(r, RDB_OPCODE_IDLE) || !save_len(r, db_idle_seconds(e))) return false;
    } else if (db_policy_is_lfu()) {
        unsigned char freq = (unsigned char)db_lfu_counter(e);
        if (!save_type(r, RDB_OPCODE_FREQ) || !wr(r, &freq, 1)) return false;
    }
    size_t klen;
    const char *key = kv_key(e, &klen);
    return save_type(r, (unsigned char)object_type(e)) && save_raw_string(r, key, klen) &&
           save_object(r, e);
}

/* A fork child reports how many keys it wrote (child.c), every 1024. */
static void (*save_progress)(long long keys);
static long long saved_keys;

void rdb_on_save_progress(void (*fn)(long long keys)) { save_progress = fn; }

static bool save_db(rio *r, db *d) {
    if (db_size(d) == 0) return true;
    if (!save_type(r, RDB_OPCODE_SELECTDB) || !save_len(r, (uint64_t)d->id)) return false;
    if (!save_type(r, RDB_OPCODE_RESIZEDB) || !save_len(r, db_size(d)) ||
        !save_len(r, db_volatile_count(d)))
        return false;
    dict_iter it;
    dict_iter_init(&it, d->keys);
    kv *e;
    bool ok = true;
    while (ok && (e = dict_iter_next(&it)) != NULL) {
        ok = save_key_value(r, e);
        if (cfg.rdb_key_save_delay) util_debug_delay(cfg.rdb_key_save_delay);
        if (save_progress && (++saved_keys & 1023) == 0) save_progress(saved_keys);
    }
    dict_iter_done(&it);
    return ok;
}

static bool save_aux_fields(rio *r, const rdb_info *info) {
    if (!save_aux(r, "redis-ver", CASTOR_VERSION) || !save_aux_ll(r, "redis-bits", 64) ||
        !save_aux_ll(r, "ctime", (long long)time(NULL)) ||
        !save_aux_ll(r, "used-mem", (long long)mem_used()))
        return false;
    if (info && info->repl_id[0]) {
        int stream_db = info->repl_stream_db < 0 ? 0 : info->repl_stream_db;
        if (!save_aux_ll(r, "repl-stream-db", stream_db) ||
            !save_aux(r, "repl-id", info->repl_id) ||
            !save_aux_ll(r, "repl-offset", info->repl_offset < 0 ? 0 : info->repl_offset))
            return false;
        if (info->repl_id2[0] && !save_aux(r, "castor-repl-id2", info->repl_id2)) return false;
    }
    return save_aux_ll(r, "aof-base", info && info->aof_base ? 1 : 0);
}

/* ---- Saving: whole datasets ---- */

void rdb_info_init(rdb_info *info) {
    memset(info, 0, sizeof(*info));
    info->repl_offset = -1;
    info->repl_stream_db = -1;
}

bool rdb_save_function(rio *r, const char *code, size_t len) {
    return save_type(r, RDB_OPCODE_FUNCTION2) && save_raw_string(r, code, len);
}

typedef struct function_writer {
    rio *r;
    bool ok;
} function_writer;

static void save_function_code(void *priv, const char *code, size_t len) {
    function_writer *w = priv;
    if (w->ok) w->ok = rdb_save_function(w->r, code, len);
}

int rdb_save_rio(rio *r, const rdb_info *info, str **err) {
    /* The checksum covers the RDB alone, not what the stream carried before
     * (an EOF mark, say); with rdbchecksum off it stays 0, which loaders
     * take as "not computed". */
    r->cksum = 0;
    r->update_cksum = cfg.rdbchecksum;
    saved_keys = 0;
    char magic[16];
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    bool ok = wr(r, magic, 9) && save_aux_fields(r, info);
    /* Function libraries come before the keys, as in Redis. */
    function_writer fw = {r, ok};
    if (ok && !info->exclude_functions) seam_function_foreach(save_function_code, &fw);
    ok = fw.ok;
    for (int i = 0; ok && !info->exclude_data && i < srv.ndbs; i++) ok = save_db(r, db_get(i));
    ok = ok && save_type(r, RDB_OPCODE_EOF) && save_u64le(r, r->cksum);
    if (!ok) {
        *err = str_fmt("Write error saving DB: %s", errno ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

/* fsync the directory holding 'path', so a rename into it is durable. */
static int fsync_dir_of(const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir)) return -1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd == -1) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int rdb_save_file(const char *path, const rdb_info *info, str **err) {
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    int n = snprintf(tmp, sizeof(tmp), "%.*stemp-%d.rdb", dirlen, path, (int)getpid());
    if (n < 0 || n >= (int)sizeof(tmp)) {
        *err = str_fmt("Path too long: %s", path);
        return -1;
    }
    FILE *fp = fopen(tmp, "w");
    if (fp == NULL) {
        *err = str_fmt("Failed opening the temp RDB file %s for saving: %s", tmp, strerror(errno));
        return -1;
    }
    setvbuf(fp, NULL, _IOFBF, 64 * 1024);
    rio r;
    rio_init_file(&r, fp);
    r.io.file.fsync_every = cfg.rdb_save_incremental_fsync ? RDB_AUTOSYNC_BYTES : 0;
    errno = 0;
    if (rdb_save_rio(&r, info, err) == -1) goto fail;
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        *err = str_fmt("Write error saving DB on disk: %s", strerror(errno));
        goto fail;
    }
    int rc = fclose(fp);
    fp = NULL;
    if (rc != 0) {
        *err = str_fmt("Write error saving DB on disk: %s", strerror(errno));
        goto fail;
    }
    if (rename(tmp, path) == -1) {
        *err = str_fmt("Error moving temp DB file %s on the final destination %s: %s", tmp, path,
                       strerror(errno));
        goto fail;
    }
    if (fsync_dir_of(path) == -1) {
        *err = str_fmt("Failed to fsync the directory of %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
fail:
    if (fp) fclose(fp);
    unlink(tmp);
    return -1;
}

/* ---- Loading: primitives ---- */

typedef struct loader {
    rio *r;
    int ver;
    str *err;        /* the first error, or NULL */
    uint64_t limit;  /* bytes the input held at the start (UINT64_MAX: unknown) */
    uint64_t start;  /* r->processed at the start */
    const char *key; /* the key being read, for messages (NULL: none) */
    size_t klen;
    int type;             /* its RDB type */
    bool count_sanitized; /* count deep validations in dump_payload_sanitizations */
} loader;

static void loader_init(loader *ld, rio *r) {
    memset(ld, 0, sizeof(*ld));
    ld->r = r;
    ld->ver = RDB_VERSION;
    ld->limit = rio_bytes_left(r);
    ld->start = r->processed;
}

static uint64_t bytes_left(const loader *ld) {
    if (ld->limit == UINT64_MAX) return UINT64_MAX;
    uint64_t used = ld->r->processed - ld->start;
    return used > ld->limit ? 0 : ld->limit - used;
}

/* A count taken from the input, capped to what the input could hold at
 * 'per' bytes each: safe to preallocate for. */
static size_t plausible(const loader *ld, uint64_t n, unsigned per) {
    uint64_t left = bytes_left(ld);
    uint64_t cap = left == UINT64_MAX ? (1u << 20) : left / per;
    return (size_t)(n < cap ? n : cap);
}

/* Append bytes a log line can show: printable ASCII, others as \xNN; long
 * keys are cut. */
static str *cat_printable(str *s, const char *p, size_t len) {
    size_t shown = len > 64 ? 64 : len;
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 32 && ch < 127 && ch != '\\' && ch != '\'') s = str_cat(s, &p[i], 1);
        else s = str_catfmt(s, "\\x%02x", ch);
    }
    if (shown < len) s = str_catfmt(s, "... (%zu bytes)", len);
    return s;
}

/* Record the first error, with the offset and the key being read; returns
 * false so that callers can 'return fail(...)'. */
static bool fail(loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *ld, const char *fmt, ...) {
    if (ld->err) return false;
    va_list ap;
    va_start(ap, fmt);
    str *s = str_catvfmt(str_new_cap(128), fmt, ap);
    va_end(ap);
    s = str_catfmt(s, " at offset %llu", (unsigned long long)ld->r->processed);
    if (ld->key) {
        s = str_catc(s, ", reading key '");
        s = cat_printable(s, ld->key, ld->klen);
        s = str_catfmt(s, "' (RDB type %d, %s)", ld->type, type_name(ld->type));
    }
    ld->err = s;
    return false;
}

static bool rd(loader *ld, void *buf, size_t len) {
    if (len == 0 || rio_read(ld->r, buf, len) == len) return true;
    return fail(ld, "Unexpected EOF reading RDB file");
}

static uint64_t le_bytes(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

static uint64_t be_bytes(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | b[i];
    return v;
}

/* A length, or (with *encoded set) a special string encoding number. */
static bool load_len_enc(loader *ld, uint64_t *len, bool *encoded) {
    unsigned char b[8];
    if (!rd(ld, b, 1)) return false;
    *encoded = false;
    switch ((b[0] & 0xc0) >> 6) {
    case RDB_ENCVAL:
        *encoded = true;
        *len = b[0] & 0x3f;
        return true;
    case RDB_6BITLEN: *len = b[0] & 0x3f; return true;
    case RDB_14BITLEN:
        if (!rd(ld, b + 1, 1)) return false;
        *len = (uint64_t)(b[0] & 0x3f) << 8 | b[1];
        return true;
    }
    if (b[0] == RDB_32BITLEN) {
        if (!rd(ld, b, 4)) return false;
        *len = be_bytes(b, 4);
        return true;
    }
    if (b[0] == RDB_64BITLEN) {
        if (!rd(ld, b, 8)) return false;
        *len = be_bytes(b, 8);
        return true;
    }
    return fail(ld, "Unknown length encoding %d in rdbLoadLen()", b[0]);
}

static bool load_len(loader *ld, uint64_t *len) {
    bool encoded;
    if (!load_len_enc(ld, len, &encoded)) return false;
    return !encoded || fail(ld, "Unexpected string encoding where a length belongs");
}

/* Strings load either into a plain allocation (blobs: listpacks, intsets,
 * members) or into a str (string values, kept without a copy). Both get
 * one spare byte for a terminating NUL. */
static void *buf_new(bool as_str, size_t cap) {
    return as_str ? (void *)str_new_cap(cap) : mem_alloc(cap + 1);
}
static char *buf_bytes(bool as_str, void *b) { return as_str ? ((str *)b)->buf : b; }
static void *buf_grow(bool as_str, void *b, size_t cap) {
    return as_str ? (void *)str_grow_to(b, cap) : mem_realloc(b, cap + 1);
}
static void buf_free(bool as_str, void *b) {
    if (as_str) str_free(b);
    else mem_free(b);
}
static void buf_finish(bool as_str, void *b, size_t len) {
    if (as_str) str_setlen(b, len);
    else ((char *)b)[len] = '\0';
}

/* Read len bytes. A length the input cannot hold fails at once; when the
 * input's size is unknown, big blobs grow as their bytes arrive, so a lying
 * length costs no more memory than the bytes actually sent. */
static void *read_bytes(loader *ld, bool as_str, uint64_t len) {
    uint64_t left = bytes_left(ld);
    if (len > left || len > SIZE_MAX / 2) {
        fail(ld, "Unexpected EOF reading RDB file (a string of %llu bytes)",
             (unsigned long long)len);
        return NULL;
    }
    size_t cap = left != UINT64_MAX || len <= READ_CHUNK ? (size_t)len : READ_CHUNK;
    void *b = buf_new(as_str, cap);
    size_t got = 0;
    while (got < len) {
        size_t n = len - got < READ_CHUNK ? (size_t)(len - got) : READ_CHUNK;
        if (got + n > cap) {
            cap = cap * 2 > len ? (size_t)len : cap * 2;
            if (cap < got + n) cap = got + n;
            b = buf_grow(as_str, b, cap);
        }
        if (!rd(ld, buf_bytes(as_str, b) + got, n)) {
            buf_free(as_str, b);
            return NULL;
        }
        got += n;
    }
    buf_finish(as_str, b, (size_t)len);
    return b;
}

static void *load_lzf(loader *ld, bool as_str, size_t *lenp) {
    uint64_t clen, ulen;
    if (!load_len(ld, &clen) || !load_len(ld, &ulen)) return NULL;
    /* An LZF back-reference of 3 bytes yields at most 264: nothing expands
     * more than 88 times. */
    if (clen == 0 || clen > UINT_MAX || ulen > UINT_MAX || ulen > clen * 100 + 300) {
        fail(ld, "Invalid LZF compressed string");
        return NULL;
    }
    unsigned char *c = read_bytes(ld, false, clen);
    if (c == NULL) return NULL;
    void *out = buf_new(as_str, (size_t)ulen);
    unsigned got = lzf_decompress(c, (unsigned)clen, buf_bytes(as_str, out), (unsigned)ulen);
    mem_free(c);
    if (got != ulen) {
        buf_free(as_str, out);
        fail(ld, "Invalid LZF compressed string");
        return NULL;
    }
    buf_finish(as_str, out, (size_t)ulen);
    *lenp = (size_t)ulen;
    return out;
}

/* Read a string in any encoding (raw, integer, LZF). */
static void *load_string_as(loader *ld, bool as_str, size_t *lenp) {
    uint64_t len;
    bool encoded;
    if (!load_len_enc(ld, &len, &encoded)) return NULL;
    if (!encoded) {
        void *b = read_bytes(ld, as_str, len);
        if (b) *lenp = (size_t)len;
        return b;
    }
    unsigned char b[4];
    long long v;
    switch (len) {
    case RDB_ENC_INT8:
        if (!rd(ld, b, 1)) return NULL;
        v = (int8_t)b[0];
        break;
    case RDB_ENC_INT16:
        if (!rd(ld, b, 2)) return NULL;
        v = (int16_t)le_bytes(b, 2);
        break;
    case RDB_ENC_INT32:
        if (!rd(ld, b, 4)) return NULL;
        v = (int32_t)le_bytes(b, 4);
        break;
    case RDB_ENC_LZF: return load_lzf(ld, as_str, lenp);
    default:
        fail(ld, "Unknown RDB string encoding type %llu", (unsigned long long)len);
        return NULL;
    }
    char digits[UTIL_LLSTR_SIZE];
    size_t n = util_ll2str(digits, v);
    void *out = buf_new(as_str, n);
    memcpy(buf_bytes(as_str, out), digits, n);
    buf_finish(as_str, out, n);
    *lenp = n;
    return out;
}

/* A NUL-terminated plain allocation (caller frees with mem_free). */
static char *load_string(loader *ld, size_t *len) { return load_string_as(ld, false, len); }

/* An old-style (RDB_TYPE_ZSET) score: a length byte then text, or 253/254/255
 * for nan/+inf/-inf. */
static bool load_text_double(loader *ld, double *out) {
    unsigned char len;
    char buf[256];
    if (!rd(ld, &len, 1)) return false;
    switch (len) {
    case 255: *out = -INFINITY; return true;
    case 254: *out = INFINITY; return true;
    case 253: *out = NAN; return true;
    }
    if (!rd(ld, buf, len)) return false;
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return end != buf || fail(ld, "Invalid double value");
}

static bool load_binary_double(loader *ld, double *out) {
    unsigned char b[8];
    if (!rd(ld, b, 8)) return false;
    uint64_t bits = le_bytes(b, 8);
    memcpy(out, &bits, 8);
    return true;
}

/* ---- Loading: checks of encoded blobs ---- */

typedef struct elem_ref {
    const char *p;
    size_t len;
} elem_ref;

static int elem_ref_cmp(const void *a, const void *b) {
    const elem_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c) return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Does a (validated) listpack repeat an element among those at indexes
 * 0, step, 2*step...? Integers compare by their text, as Redis keys them. */
static bool lp_has_dup(const unsigned char *lp, unsigned step) {
    unsigned long n = lp_len(lp), k = (n + step - 1) / step;
    if (k < 2) return false;
    elem_ref small_refs[32];
    unsigned char small_ints[32 * LP_INTBUF_SIZE];
    elem_ref *refs = k <= 32 ? small_refs : mem_alloc(k * sizeof(*refs));
    unsigned char *ints = k <= 32 ? small_ints : mem_alloc(k * LP_INTBUF_SIZE);
    unsigned long i = 0, idx = 0;
    for (unsigned char *p = lp_first(lp); p && i < k; p = lp_next(lp, p), idx++) {
        if (idx % step) continue;
        size_t len;
        refs[i].p = (const char *)lp_get(p, &len, NULL, ints + i * LP_INTBUF_SIZE);
        refs[i].len = len;
        i++;
    }
    qsort(refs, i, sizeof(*refs), elem_ref_cmp);
    bool dup = false;
    for (unsigned long j = 1; j < i && !dup; j++) dup = elem_ref_cmp(&refs[j - 1], &refs[j]) == 0;
    if (refs != small_refs) mem_free(refs);
    if (ints != small_ints) mem_free(ints);
    return dup;
}

/* Field/value listpacks: an even count and unique fields. */
static bool lp_pairs_ok(const unsigned char *lp) {
    return lp_len(lp) % 2 == 0 && !lp_has_dup(lp, 2);
}

/* A sorted-set score as a listpack holds it: an integer, or the text of a
 * number (what Redis's zzlStrtod reads; NaN is never stored). */
static bool lp_score_ok(const unsigned char *p, double *score) {
    lp_entry en;
    lp_get_entry(p, &en);
    if (en.sval == NULL) {
        *score = (double)en.lval;
        return true;
    }
    return en.slen < 128 && util_str2d((const char *)en.sval, en.slen, score);
}

/* Member/score listpacks: pairs, unique members, readable scores. */
static bool zset_lp_ok(const unsigned char *lp) {
    if (!lp_pairs_ok(lp)) return false;
    for (unsigned char *m = lp_first(lp); m;) {
        unsigned char *s = lp_next(lp, m);
        double score;
        if (s == NULL || !lp_score_ok(s, &score)) return false;
        m = lp_next(lp, s);
    }
    return true;
}

/* Are the pairs in (score, member) order, as every zset listpack Redis
 * writes? (zset_lp_ok() passed.) */
static bool zset_lp_sorted(const unsigned char *lp) {
    unsigned char pbuf[LP_INTBUF_SIZE], cbuf[LP_INTBUF_SIZE];
    const char *prev = NULL;
    size_t plen = 0;
    double pscore = 0;
    for (unsigned char *m = lp_first(lp); m;) {
        unsigned char *s = lp_next(lp, m);
        double score;
        lp_score_ok(s, &score);
        size_t len;
        unsigned char *buf = prev == (const char *)cbuf ? pbuf : cbuf; /* keep prev's */
        const char *cur = (const char *)lp_get(m, &len, NULL, buf);
        if (prev) {
            elem_ref a = {prev, plen}, b = {cur, len};
            if (score < pscore || (score == pscore && elem_ref_cmp(&a, &b) > 0)) return false;
        }
        prev = cur;
        plen = len;
        pscore = score;
        m = lp_next(lp, s);
    }
    return true;
}

static size_t max_intset_entries(void) {
    long long m = cfg.set_max_intset_entries;
    if (m > (1LL << 30)) m = 1LL << 30;
    return m < 0 ? 0 : (size_t)m;
}

/* ---- Loading: values ---- */

/* Outcome of loading one value. An empty collection is not an error (old
 * Redis versions could write them); the caller skips the key, as Redis. */
enum { LOAD_OK = 0, LOAD_ERR = -1, LOAD_EMPTY = 1 };

static int load_string_value(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    str *s = load_string_as(ld, true, &len);
    if (s == NULL) return LOAD_ERR;
    if (len <= KV_EMBSTR_MAX) {
        *out = kv_new_string(key, klen, s->buf, len);
        str_free(s);
    } else {
        *out = kv_new_raw(key, klen, s);
    }
    return LOAD_OK;
}

/* RDB_TYPE_LIST: a count, then every element. */
static int load_linked_list(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!load_len(ld, &n)) return LOAD_ERR;
    if (n == 0) return LOAD_EMPTY;
    quicklist *ql = list_new();
    while (n--) {
        size_t len;
        char *p = load_string(ld, &len);
        if (p == NULL) {
            ql_free(ql);
            return LOAD_ERR;
        }
        ql_push(ql, p, len, QL_TAIL);
        mem_free(p);
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return LOAD_OK;
}

static bool push_elem(void *priv, const unsigned char *s, size_t len, long long v) {
    char buf[UTIL_LLSTR_SIZE];
    if (s == NULL) {
        len = util_ll2str(buf, v);
        s = (const unsigned char *)buf;
    }
    ql_push(priv, (const char *)s, len, QL_TAIL);
    return true;
}

/* RDB_TYPE_LIST_ZIPLIST: one ziplist holding the whole list. */
static int load_list_ziplist(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *zl = (unsigned char *)load_string(ld, &len);
    if (zl == NULL) return LOAD_ERR;
    quicklist *ql = list_new();
    bool ok = zl_walk(zl, len, push_elem, ql);
    mem_free(zl);
    if (!ok || ql_count(ql) == 0) {
        ql_free(ql);
        return ok ? LOAD_EMPTY : (fail(ld, "List ziplist integrity check failed."), LOAD_ERR);
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return LOAD_OK;
}

/* One quicklist node: a plain element, a listpack (QUICKLIST_2) or a
 * ziplist (QUICKLIST). False on error. */
/* Every listpack, ziplist, zipmap and intset blob is validated deeply
 * before use, whatever sanitize-dump-payload says (Redis skips it with
 * "no" and may crash later on a corrupt payload). The setting only decides
 * whether the validation is counted in INFO's dump_payload_sanitizations,
 * as Redis counts the ones it does. */
static void count_deep_validation(const loader *ld) {
    if (ld->count_sanitized) srv.stat_dump_payload_sanitizations++;
}

static bool load_ql_node(loader *ld, int type, quicklist *ql) {
    uint64_t container = QL_CONTAINER_PACKED;
    if (type == RDB_TYPE_LIST_QUICKLIST_2) {
        if (!load_len(ld, &container)) return false;
        if (container != QL_CONTAINER_PACKED && container != QL_CONTAINER_PLAIN)
            return fail(ld, "Quicklist integrity check failed.");
    }
    size_t len;
    unsigned char *data = (unsigned char *)load_string(ld, &len);
    if (data == NULL) return false;
    if (len == 0) {
        mem_free(data);
        return fail(ld, "Empty quicklist node");
    }
    if (container == QL_CONTAINER_PLAIN) {
        ql_append_plain(ql, data, len);
        return true;
    }
    unsigned char *lp = data;
    count_deep_validation(ld);
    if (type == RDB_TYPE_LIST_QUICKLIST_2) {
        if (!lp_validate(lp, len, true)) {
            mem_free(data);
            return fail(ld, "Listpack integrity check failed.");
        }
    } else {
        lp = zl_to_listpack(data, len);
        mem_free(data);
        if (lp == NULL) return fail(ld, "Ziplist integrity check failed.");
    }
    unsigned long count = lp_len(lp);
    if (count == 0) {
        lp_free(lp); /* skipped silently, as Redis: an empty list fails below */
        return true;
    }
    if (count > UINT16_MAX) {
        lp_free(lp);
        return fail(ld, "Quicklist node with %lu elements (at most %u fit a node)", count,
                    UINT16_MAX);
    }
    ql_append_listpack(ql, lp);
    return true;
}

static int load_quicklist(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t nodes;
    if (!load_len(ld, &nodes)) return LOAD_ERR;
    if (nodes == 0) return LOAD_EMPTY;
    quicklist *ql = list_new();
    while (nodes--) {
        if (!load_ql_node(ld, type, ql)) {
            ql_free(ql);
            return LOAD_ERR;
        }
    }
    if (ql_count(ql) == 0) {
        ql_free(ql);
        return LOAD_EMPTY;
    }
    *out = kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, ql);
    return LOAD_OK;
}

/* Add a member to a set being loaded: an intset becomes a hashtable with
 * room for 'hint' at the first non-integer. */
static bool set_add_loaded(loader *ld, kv *e, const char *p, size_t len, size_t hint) {
    long long v;
    if (e->enc == KV_ENC_INTSET && !util_str2ll(p, len, &v)) t_set_convert_ht(e, hint);
    return t_set_add(e, p, len) || fail(ld, "Duplicate set members detected");
}

/* RDB_TYPE_SET: a count, then every member. Too many for an intset: a
 * hashtable from the start. */
static int load_set(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!load_len(ld, &n)) return LOAD_ERR;
    if (n == 0) return LOAD_EMPTY;
    size_t hint = plausible(ld, n, 2);
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new());
    if (n > max_intset_entries()) t_set_convert_ht(e, hint);
    while (n--) {
        size_t len;
        char *p = load_string(ld, &len);
        bool ok = p && set_add_loaded(ld, e, p, len, hint);
        mem_free(p);
        if (!ok) {
            kv_free(e);
            return LOAD_ERR;
        }
    }
    *out = e;
    return LOAD_OK;
}

static int load_intset(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    char *blob = load_string(ld, &len);
    if (blob == NULL) return LOAD_ERR;
    count_deep_validation(ld);
    if (!intset_validate(blob, len, true)) {
        mem_free(blob);
        fail(ld, "Intset integrity check failed.");
        return LOAD_ERR;
    }
    intset *is = intset_from_blob(blob, len);
    mem_free(blob);
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, is);
    if (intset_len(is) > max_intset_entries()) t_set_convert_ht(e, 0);
    *out = e;
    return LOAD_OK;
}

/* RDB_TYPE_SET_LISTPACK (Redis 7.2): castor has no listpack sets, so the
 * members go into an intset or a hashtable as SADD would put them. */
static int load_set_listpack(loader *ld, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *lp = (unsigned char *)load_string(ld, &len);
    if (lp == NULL) return LOAD_ERR;
    count_deep_validation(ld);
    if (!lp_validate(lp, len, true) || lp_has_dup(lp, 1)) {
        mem_free(lp);
        fail(ld, "Set listpack integrity check failed.");
        return LOAD_ERR;
    }
    unsigned long n = lp_len(lp);
    if (n == 0) {
        mem_free(lp);
        return LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_SET, KV_ENC_INTSET, intset_new());
    if (n > max_intset_entries()) t_set_convert_ht(e, n);
    unsigned char buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p)) {
        size_t mlen;
        const char *m = (const char *)lp_get(p, &mlen, NULL, buf);
        set_add_loaded(ld, e, m, mlen, n);
    }
    mem_free(lp);
    *out = e;
    return LOAD_OK;
}

/* RDB_TYPE_ZSET / ZSET_2: members with text or binary scores, built as a
 * skiplist and turned into a listpack afterwards if it fits (sorted sets
 * are not stored in order). */
static int load_zset(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!load_len(ld, &n)) return LOAD_ERR;
    if (n == 0) return LOAD_EMPTY;
    skiplist *sl = sl_new();
    size_t hint = plausible(ld, n, 10);
    if (hint > 1) dict_expand(sl->dict, hint);
    size_t maxlen = 0, totlen = 0;
    while (n--) {
        size_t len;
        double score;
        char *m = load_string(ld, &len);
        bool ok = m && (type == RDB_TYPE_ZSET_2 ? load_binary_double(ld, &score)
                                                : load_text_double(ld, &score));
        if (ok && isnan(score)) ok = fail(ld, "Zset with NAN score detected");
        if (ok && sl_find(sl, m, len)) ok = fail(ld, "Duplicate zset fields detected");
        if (!ok) {
            mem_free(m);
            sl_free(sl);
            return LOAD_ERR;
        }
        sl_insert(sl, score, m, len);
        mem_free(m);
        if (len > maxlen) maxlen = len;
        totlen += len;
    }
    kv *e = kv_new_ptr(key, klen, KV_ZSET, KV_ENC_SKIPLIST, sl);
    if (sl->length <= (unsigned long long)cfg.zset_max_listpack_entries &&
        maxlen <= (unsigned long long)cfg.zset_max_listpack_value && lp_safe_to_add(NULL, totlen))
        zset_convert(e, KV_ENC_LISTPACK);
    *out = e;
    return LOAD_OK;
}

/* RDB_TYPE_ZSET_ZIPLIST / ZSET_LISTPACK. */
static int load_zset_packed(loader *ld, int type, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *lp = (unsigned char *)load_string(ld, &len);
    if (lp == NULL) return LOAD_ERR;
    count_deep_validation(ld);
    const char *what = "Zset listpack integrity check failed.";
    if (type == RDB_TYPE_ZSET_ZIPLIST) {
        what = "Zset ziplist integrity check failed.";
        unsigned char *zl = lp;
        lp = zl_to_listpack(zl, len);
        mem_free(zl);
    } else if (!lp_validate(lp, len, true)) {
        mem_free(lp);
        lp = NULL;
    }
    if (lp == NULL || !zset_lp_ok(lp)) {
        lp_free(lp);
        fail(ld, "%s", what);
        return LOAD_ERR;
    }
    if (lp_len(lp) == 0) {
        lp_free(lp);
        return LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_ZSET, KV_ENC_LISTPACK, lp);
    if (lp_len(lp) / 2 > (unsigned long long)cfg.zset_max_listpack_entries) {
        zset_convert(e, KV_ENC_SKIPLIST);
    } else if (!zset_lp_sorted(lp)) {
        /* Out of order: the commands would misbehave on it. Sorting through
         * a skiplist repairs it. */
        zset_convert(e, KV_ENC_SKIPLIST);
        zset_convert(e, KV_ENC_LISTPACK);
    }
    *out = e;
    return LOAD_OK;
}

/* RDB_TYPE_HASH: a count, then field/value pairs. Redis's rule: a
 * hashtable from the start above hash-max-listpack-entries, else a listpack
 * until a field or value is too long for one. */
static int load_hash(loader *ld, const char *key, size_t klen, kv **out) {
    uint64_t n;
    if (!load_len(ld, &n)) return LOAD_ERR;
    if (n == 0) return LOAD_EMPTY;
    size_t hint = plausible(ld, n, 4);
    kv *e = kv_new_ptr(key, klen, KV_HASH, KV_ENC_LISTPACK, lp_new(0));
    if (n > (unsigned long long)cfg.hash_max_listpack_entries) hash_convert_ht(e, hint);
    while (n--) {
        size_t flen = 0, vlen = 0;
        char *f = load_string(ld, &flen);
        char *v = f ? load_string(ld, &vlen) : NULL;
        bool ok = v != NULL;
        if (ok && e->enc == KV_ENC_LISTPACK && !lp_safe_to_add(kv_ptr(e), flen + vlen))
            hash_convert_ht(e, hint);
        if (ok && !hash_set_field(e, f, flen, v, vlen))
            ok = fail(ld, "Duplicate hash fields detected");
        mem_free(f);
        mem_free(v);
        if (!ok) {
            kv_free(e);
            return LOAD_ERR;
        }
    }
    *out = e;
    return LOAD_OK;
}

typedef struct zipmap_state {
    unsigned char *lp;
    size_t maxlen;
} zipmap_state;

static bool zipmap_elem(void *priv, const unsigned char *s, size_t len, long long v) {
    (void)v;
    zipmap_state *z = priv;
    if (!lp_safe_to_add(z->lp, len)) return false;
    z->lp = lp_append(z->lp, (const char *)s, len);
    if (len > z->maxlen) z->maxlen = len;
    return true;
}

/* RDB_TYPE_HASH_ZIPMAP / HASH_ZIPLIST / HASH_LISTPACK. */
static int load_hash_packed(loader *ld, int type, const char *key, size_t klen, kv **out) {
    size_t len;
    unsigned char *blob = (unsigned char *)load_string(ld, &len);
    if (blob == NULL) return LOAD_ERR;
    count_deep_validation(ld);
    unsigned char *lp = NULL;
    size_t maxlen = 0;
    const char *what = "Hash listpack integrity check failed.";
    if (type == RDB_TYPE_HASH_ZIPMAP) {
        what = "Zipmap integrity check failed.";
        zipmap_state z = {lp_new(len), 0};
        if (zm_walk(blob, len, zipmap_elem, &z)) lp = z.lp;
        else lp_free(z.lp);
        maxlen = z.maxlen;
        mem_free(blob);
    } else if (type == RDB_TYPE_HASH_ZIPLIST) {
        what = "Hash ziplist integrity check failed.";
        lp = zl_to_listpack(blob, len);
        mem_free(blob);
    } else if (lp_validate(blob, len, true)) {
        lp = blob;
    } else {
        mem_free(blob);
    }
    if (lp == NULL || !lp_pairs_ok(lp)) {
        lp_free(lp);
        fail(ld, "%s", what);
        return LOAD_ERR;
    }
    unsigned long pairs = lp_len(lp) / 2;
    if (pairs == 0) {
        lp_free(lp);
        return LOAD_EMPTY;
    }
    kv *e = kv_new_ptr(key, klen, KV_HASH, KV_ENC_LISTPACK, lp);
    if (pairs > (unsigned long long)cfg.hash_max_listpack_entries ||
        (type == RDB_TYPE_HASH_ZIPMAP && maxlen > (unsigned long long)cfg.hash_max_listpack_value))
        hash_convert_ht(e, pairs);
    *out = e;
    return LOAD_OK;
}

static bool load_sid(loader *ld, sid *id) {
    return load_len(ld, &id->ms) && load_len(ld, &id->seq);
}

static bool load_raw_sid(loader *ld, sid *id) {
    unsigned char b[16];
    if (!rd(ld, b, 16)) return false;
    *id = sid_decode(b);
    return true;
}

static bool load_ms(loader *ld, long long *ms) {
    unsigned char b[8];
    if (!rd(ld, b, 8)) return false;
    *ms = (long long)le_bytes(b, 8);
    return true;
}

/* The nodes of a stream, each checked entry by entry; IDs must rise from
 * node to node. *live: the entries not marked deleted. */
static bool load_stream_nodes(loader *ld, stream *s, uint64_t *live, sid *top) {
    uint64_t n;
    if (!load_len(ld, &n)) return fail(ld, "Stream listpacks len loading failed.");
    bool have_prev = false;
    sid prev = {0, 0};
    *live = 0;
    while (n--) {
        size_t klen, len;
        char *k = load_string(ld, &klen);
        if (k == NULL) return false;
        if (klen != 16) {
            mem_free(k);
            return fail(ld, "Stream node key entry is not the size of a stream ID");
        }
        sid master = sid_decode((unsigned char *)k);
        mem_free(k);
        unsigned char *lp = (unsigned char *)load_string(ld, &len);
        if (lp == NULL) return false;
        count_deep_validation(ld);
        sid first, last;
        int64_t nlive;
        bool ok = true;
        if (len >= 7 && lp_validate(lp, len, false) && lp_first(lp) == NULL)
            ok = fail(ld, "Empty listpack inside stream");
        else if (!stream_validate_node(lp, len, true, &master, &first, &last, &nlive) ||
                 (have_prev && sid_cmp(&first, &prev) <= 0))
            ok = fail(ld, "Stream listpack integrity check failed.");
        else if (!sidmap_insert(&s->nodes, &master, lp))
            ok = fail(ld, "Stream listpack integrity check failed.");
        if (!ok) {
            mem_free(lp);
            return false;
        }
        have_prev = true;
        prev = last;
        *live += (uint64_t)nlive;
    }
    *top = prev;
    return true;
}

/* A group's consumers and their PELs: each ID must be pending in the
 * group and owned by no other consumer. */
static bool load_stream_consumers(loader *ld, int type, sgroup *g) {
    uint64_t n;
    if (!load_len(ld, &n)) return fail(ld, "Stream consumers num loading failed.");
    while (n--) {
        size_t len;
        char *name = load_string(ld, &len);
        if (name == NULL) return fail(ld, "Error reading the consumer name from Stream group.");
        long long seen = 0, active = 0;
        sconsumer *c = NULL;
        bool ok = load_ms(ld, &seen) || fail(ld, "Stream short read reading seen time.");
        if (ok && type == RDB_TYPE_STREAM_LISTPACKS_3)
            ok = load_ms(ld, &active) || fail(ld, "Stream short read reading active time.");
        if (ok && (c = stream_consumer_create(g, name, len, seen)) == NULL)
            ok = fail(ld, "Duplicate stream consumer detected.");
        mem_free(name);
        if (!ok) return false;
        uint64_t npel;
        if (!load_len(ld, &npel)) return fail(ld, "Stream consumer PEL num loading failed.");
        while (npel--) {
            sid id;
            if (!load_raw_sid(ld, &id)) return fail(ld, "Stream short read reading PEL streamID.");
            snack *nk = sidmap_find(&g->pel, &id);
            if (nk == NULL) return fail(ld, "Consumer entry not found in group global PEL");
            if (nk->consumer == c)
                return fail(ld, "Duplicated consumer PEL entry  loading a stream consumer group");
            if (nk->consumer)
                return fail(ld, "Stream consumer PEL entry already has a consumer assigned");
            nk->consumer = c;
            sidmap_insert(&c->pel, &id, nk);
        }
    }
    return true;
}

static bool load_stream_groups(loader *ld, int type, stream *s) {
    uint64_t n;
    if (!load_len(ld, &n)) return fail(ld, "Stream cgroup count loading failed.");
    while (n--) {
        size_t len;
        char *name = load_string(ld, &len);
        if (name == NULL) return fail(ld, "Error reading the consumer group name from Stream");
        sid gid;
        uint64_t read = 0;
        bool ok = load_sid(ld, &gid) || fail(ld, "Stream cgroup ID loading failed.");
        if (ok && type != RDB_TYPE_STREAM_LISTPACKS)
            ok = load_len(ld, &read) || fail(ld, "Stream cgroup offset loading failed.");
        long long entries_read =
            type == RDB_TYPE_STREAM_LISTPACKS ? stream_estimate_distance(s, &gid) : (long long)read;
        sgroup *g = NULL;
        if (ok && (g = stream_group_create(s, name, len, &gid, entries_read)) == NULL)
            ok = fail(ld, "Duplicated consumer group name %.*s", (int)(len > 64 ? 64 : len), name);
        mem_free(name);
        if (!ok) return false;
        uint64_t npel;
        if (!load_len(ld, &npel)) return fail(ld, "Stream PEL size loading failed.");
        while (npel--) {
            sid id;
            long long when;
            uint64_t count;
            if (!load_raw_sid(ld, &id)) return fail(ld, "Stream PEL ID loading failed.");
            if (!load_ms(ld, &when) || !load_len(ld, &count))
                return fail(ld, "Stream PEL NACK loading failed.");
            snack *nk = stream_nack_new(NULL, when);
            nk->delivery_count = count;
            if (!sidmap_insert(&g->pel, &id, nk)) {
                mem_free(nk);
                return fail(ld, "Duplicated global PEL entry loading stream consumer group");
            }
        }
        if (!load_stream_consumers(ld, type, g)) return false;
        for (size_t i = 0; i < sidmap_len(&g->pel); i++)
            if (((snack *)sidmap_at(&g->pel, i)->val)->consumer == NULL)
                return fail(ld, "Stream CG PEL entry without consumer");
    }
    return true;
}

/* RDB_TYPE_STREAM_LISTPACKS (_2, _3). */
static int load_stream(loader *ld, int type, const char *key, size_t klen, kv **out) {
    stream *s = stream_new();
    uint64_t live = 0;
    sid top = {0, 0};
    bool ok = load_stream_nodes(ld, s, &live, &top);
    if (ok && (!load_len(ld, &s->length) || !load_sid(ld, &s->last_id)))
        ok = fail(ld, "Stream object metadata loading failed.");
    if (ok && type != RDB_TYPE_STREAM_LISTPACKS &&
        (!load_sid(ld, &s->first_id) || !load_sid(ld, &s->max_deleted) ||
         !load_len(ld, &s->entries_added)))
        ok = fail(ld, "Stream object metadata loading failed.");
    if (ok && (s->length != live || (sidmap_len(&s->nodes) && sid_cmp(&top, &s->last_id) > 0)))
        ok = fail(ld, "Stream length inconsistent with rax entries");
    if (ok && type == RDB_TYPE_STREAM_LISTPACKS) {
        /* As 7.0: an empty stream's edge is the maximal ID. */
        stream_edge_id(s, true, true, &s->first_id);
        s->entries_added = s->length;
    }
    ok = ok && load_stream_groups(ld, type, s);
    if (!ok) {
        stream_free(s);
        return LOAD_ERR;
    }
    *out = kv_new_ptr(key, klen, KV_STREAM, KV_ENC_STREAM, s);
    return LOAD_OK;
}

/* Redis's moduleTypeNameByID: 9 characters packed in the id's high bits. */
static void module_name(uint64_t id, char name[10]) {
    static const char cset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    name[9] = '\0';
    id >>= 10;
    for (int j = 8; j >= 0; j--) {
        name[j] = cset[id & 63];
        id >>= 6;
    }
}

/* Read one value of RDB type 'type' into a new entry under 'key'. */
static int load_object(loader *ld, int type, const char *key, size_t klen, kv **out) {
    uint64_t id;
    char name[10];
    switch (type) {
    case RDB_TYPE_STRING: return load_string_value(ld, key, klen, out);
    case RDB_TYPE_LIST: return load_linked_list(ld, key, klen, out);
    case RDB_TYPE_LIST_ZIPLIST: return load_list_ziplist(ld, key, klen, out);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: return load_quicklist(ld, type, key, klen, out);
    case RDB_TYPE_SET: return load_set(ld, key, klen, out);
    case RDB_TYPE_SET_INTSET: return load_intset(ld, key, klen, out);
    case RDB_TYPE_SET_LISTPACK: return load_set_listpack(ld, key, klen, out);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: return load_zset(ld, type, key, klen, out);
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: return load_zset_packed(ld, type, key, klen, out);
    case RDB_TYPE_HASH: return load_hash(ld, key, klen, out);
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: return load_hash_packed(ld, type, key, klen, out);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3: return load_stream(ld, type, key, klen, out);
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
        if (!load_len(ld, &id)) return LOAD_ERR;
        module_name(id, name);
        fail(ld,
             "Module values are not supported by castor: the key holds a value of module "
             "type '%s'",
             name);
        return LOAD_ERR;
    }
    fail(ld, "Unknown RDB encoding type %d", type);
    return LOAD_ERR;
}

/* ---- Loading: the file ---- */

/* State carried across the opcodes that come before a key. */
typedef struct key_attrs {
    long long expire, idle, freq;
} key_attrs;

typedef struct load_state {
    loader *ld;
    rdb_info *info;
    db *d;
    bool keep_expired; /* replica, or an AOF base: expired keys load too */
    bool dry_run;      /* parse and check every value, keep none */
    long long now;
    long long empty_skipped;
} load_state;

static bool load_aux(load_state *st) {
    loader *ld = st->ld;
    size_t klen, vlen;
    char *k = load_string(ld, &klen);
    char *v = k ? load_string(ld, &vlen) : NULL;
    if (v == NULL) {
        mem_free(k);
        return false;
    }
    rdb_info *info = st->info;
    if (klen && k[0] == '%') {
        log_msg(LOG_NOTICE, "RDB '%s': %s", k, v);
    } else if (util_strcaseeq(k, klen, "repl-stream-db")) {
        info->repl_stream_db = atoi(v);
    } else if (util_strcaseeq(k, klen, "repl-id")) {
        if (vlen == 40) memcpy(info->repl_id, v, 41);
    } else if (util_strcaseeq(k, klen, "repl-offset")) {
        info->repl_offset = strtoll(v, NULL, 10);
    } else if (util_strcaseeq(k, klen, "redis-ver")) {
        log_msg(LOG_NOTICE, "Loading RDB produced by version %s", v);
    } else if (util_strcaseeq(k, klen, "ctime")) {
        long age = (long)time(NULL) - strtol(v, NULL, 10);
        log_msg(LOG_NOTICE, "RDB age %ld seconds", age < 0 ? 0 : age);
    } else if (util_strcaseeq(k, klen, "used-mem")) {
        log_msg(LOG_NOTICE, "RDB memory usage when created %.2f Mb",
                (double)strtoll(v, NULL, 10) / (1024 * 1024));
    } else if (util_strcaseeq(k, klen, "aof-preamble")) {
        if (strtoll(v, NULL, 10)) {
            log_msg(LOG_NOTICE, "RDB has an AOF tail");
            st->keep_expired = true;
        }
    } else if (util_strcaseeq(k, klen, "aof-base")) {
        if (strtoll(v, NULL, 10)) {
            log_msg(LOG_NOTICE, "RDB is base AOF");
            info->aof_base = true;
            /* The AOF that follows was written against every key as it was. */
            st->keep_expired = true;
        }
    } else if (!util_strcaseeq(k, klen, "redis-bits") && !util_strcaseeq(k, klen, "lua")) {
        log_msg(LOG_DEBUG, "Unrecognized RDB AUX field: '%s'", k);
    }
    mem_free(k);
    mem_free(v);
    return true;
}

/* A key and its value, after the opcodes that describe it. */
static bool load_key(load_state *st, int type, key_attrs *a) {
    loader *ld = st->ld;
    if (!is_object_type(type)) return fail(ld, "Unknown object type %d", type);
    size_t klen;
    char *key = load_string(ld, &klen);
    if (key == NULL) return false;
    ld->key = key;
    ld->klen = klen;
    ld->type = type;
    kv *e = NULL;
    int rc = load_object(ld, type, key, klen, &e);
    bool ok = rc != LOAD_ERR;
    if (rc == LOAD_EMPTY) {
        if (st->empty_skipped++ < 10)
            log_msg(LOG_WARNING, "rdbLoadObject skipping empty key: %s", key);
    } else if (rc == LOAD_OK && st->dry_run) {
        kv_free(e);
    } else if (rc == LOAD_OK) {
        if (!st->keep_expired && a->expire != -1 && a->expire < st->now) {
            kv_free(e);
            st->info->keys_expired_skipped++;
            /* A master restarting: its replicas hold the key, so the
             * history it continues must delete it (Redis's FEED_REPL). */
            if (st->info->feed_expired) propagate_loaded_expired(st->d->id, key, klen);
        } else {
            if (a->expire != -1) e = kv_set_expire(e, a->expire);
            if (st->info->allow_dup && db_find_raw(st->d, key, klen)) {
                db_set(st->d, e, false);
                db_set_access(e, a->freq, a->idle);
                st->info->keys_loaded++;
            } else if (!db_add_new(st->d, e)) {
                kv_free(e);
                ok = fail(ld, "Duplicated key in DB %d", st->d->id);
            } else {
                db_set_access(e, a->freq, a->idle);
                st->info->keys_loaded++;
            }
        }
    }
    ld->key = NULL;
    mem_free(key);
    a->expire = a->idle = a->freq = -1;
    if (cfg.key_load_delay) util_debug_delay(cfg.key_load_delay);
    return ok;
}

static bool load_header(loader *ld) {
    char magic[10];
    if (!rd(ld, magic, 9)) return false;
    magic[9] = '\0';
    bool ok = memcmp(magic, "REDIS", 5) == 0;
    for (int i = 5; i < 9; i++) ok = ok && magic[i] >= '0' && magic[i] <= '9';
    if (!ok) return fail(ld, "Wrong signature trying to load DB from file");
    ld->ver = atoi(magic + 5);
    if (ld->ver < 1 || ld->ver > RDB_VERSION_READ_MAX)
        return fail(ld, "Can't handle RDB format version %d", ld->ver);
    return true;
}

/* The trailing CRC64 (version 5 on): 0 means "not computed". */
static bool load_checksum(loader *ld) {
    uint64_t expected = ld->r->cksum;
    unsigned char b[8];
    if (ld->ver < 5) return true;
    if (!rd(ld, b, 8)) return false;
    uint64_t got = le_bytes(b, 8);
    if (!cfg.rdbchecksum || srv.skip_checksum_validation) return true;
    if (got == 0) {
        log_msg(LOG_WARNING, "RDB file was saved with checksum disabled: no check performed.");
        return true;
    }
    /* "RDB CRC error" is what Redis (and redis-check-rdb) say: operators
     * and Redis's tests look for it. */
    if (got != expected)
        return fail(ld, "RDB CRC error: wrong RDB checksum expected: (%llx) but got (%llx)",
                    (unsigned long long)expected, (unsigned long long)got);
    return true;
}

/* A function library: its code, created as FUNCTION LOAD would (with
 * REPLACE when duplicates are allowed). */
static bool load_function(loader *ld, bool replace) {
    size_t len;
    char *code = load_string(ld, &len);
    if (code == NULL) return false;
    str *err = NULL;
    int rc = seam_function_load(code, len, replace, &err);
    mem_free(code);
    if (rc == 0) return true;
    fail(ld, "Failed loading library, %s", err->buf);
    str_free(err);
    return false;
}

static bool skip_function(loader *ld) {
    size_t len;
    char *code = load_string(ld, &len);
    if (code == NULL) return false;
    mem_free(code);
    return true;
}

str *rdb_load_function_code(rio *r) {
    loader ld;
    loader_init(&ld, r);
    size_t len;
    char *code = load_string(&ld, &len);
    str_free(ld.err);
    if (code == NULL) return NULL;
    str *s = str_new(code, len);
    mem_free(code);
    return s;
}

/* One opcode or key; *done is set at EOF. */
static bool load_step(load_state *st, key_attrs *a, bool *done) {
    loader *ld = st->ld;
    unsigned char t, b[8];
    uint64_t v, v2;
    char name[10];
    if (!rd(ld, &t, 1)) return false;
    switch (t) {
    case RDB_OPCODE_EXPIRETIME:
        if (!rd(ld, b, 4)) return false;
        a->expire = (long long)(int32_t)le_bytes(b, 4) * 1000;
        return true;
    case RDB_OPCODE_EXPIRETIME_MS:
        if (!rd(ld, b, 8)) return false;
        a->expire = (long long)le_bytes(b, 8);
        return true;
    case RDB_OPCODE_FREQ:
        if (!rd(ld, b, 1)) return false;
        a->freq = b[0];
        return true;
    case RDB_OPCODE_IDLE:
        if (!load_len(ld, &v)) return false;
        a->idle = v > LLONG_MAX ? LLONG_MAX : (long long)v;
        return true;
    case RDB_OPCODE_EOF: *done = true; return true;
    case RDB_OPCODE_SELECTDB:
        if (!load_len(ld, &v)) return false;
        if (v >= (uint64_t)srv.ndbs)
            return fail(ld,
                        "FATAL: Data file was created with a Redis server configured to "
                        "handle more than %d databases",
                        srv.ndbs);
        st->d = db_get((int)v);
        return true;
    case RDB_OPCODE_RESIZEDB:
        if (!load_len(ld, &v) || !load_len(ld, &v2)) return false;
        v = plausible(ld, v, 3);
        if (!st->dry_run && v > dict_len(st->d->keys)) dict_expand(st->d->keys, (size_t)v);
        return true;
    case RDB_OPCODE_AUX: return load_aux(st);
    case RDB_OPCODE_MODULE_AUX:
        if (!load_len(ld, &v)) return false;
        module_name(v, name);
        return fail(ld,
                    "The RDB file contains AUX module data I can't load: "
                    "no matching module '%s'",
                    name);
    case RDB_OPCODE_FUNCTION2:
        /* A dry run registers nothing: the libraries we hold may have
         * the names the payload's have (it replaces them). */
        return st->dry_run ? skip_function(ld) : load_function(ld, st->info->allow_dup);
    case RDB_OPCODE_FUNCTION_PRE_GA: return fail(ld, "Pre-release function format not supported.");
    }
    return load_key(st, t, a);
}

static int load_rio(rio *r, rdb_info *info, bool dry_run, str **err);

int rdb_load_rio(rio *r, rdb_info *info, str **err) { return load_rio(r, info, false, err); }

static int load_rio(rio *r, rdb_info *info, bool dry_run, str **err) {
    rdb_info local;
    if (info == NULL) {
        rdb_info_init(&local);
        info = &local;
    }
    loader ld;
    loader_init(&ld, r);
    ld.count_sanitized = cfg.sanitize_dump_payload == SANITIZE_DUMP_YES;
    r->cksum = 0;
    r->update_cksum = true;
    load_state st = {.ld = &ld,
                     .info = info,
                     .d = db_get(0),
                     .keep_expired = srv.is_replica,
                     .dry_run = dry_run,
                     .now = util_mstime()};
    key_attrs a = {-1, -1, -1};
    bool was_loading = srv.loading, done = false, ok = load_header(&ld);
    srv.loading = true;
    while (ok && !done) ok = load_step(&st, &a, &done);
    ok = ok && load_checksum(&ld);
    srv.loading = was_loading;
    if (!ok) {
        *err = ld.err ? ld.err : str_from("RDB loading failed");
        return -1;
    }
    if (dry_run) return 0;
    if (st.empty_skipped)
        log_msg(
            LOG_WARNING,
            "Done loading RDB, keys loaded: %lld, keys expired: %lld, empty keys skipped: %lld.",
            info->keys_loaded, info->keys_expired_skipped, st.empty_skipped);
    else
        log_msg(LOG_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.",
                info->keys_loaded, info->keys_expired_skipped);
    return 0;
}

/* Open 'path' for reading through r, buffered; NULL with *err. */
static FILE *open_read(const char *path, rio *r, size_t bufsize, str **err) {
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        *err = str_fmt("can't open %s: %s", path, strerror(errno));
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, bufsize);
    rio_init_file(r, fp);
    return fp;
}

int rdb_load_file(const char *path, rdb_info *info, str **err) {
    return rdb_load_file_cb(path, info, NULL, 0, err);
}

/* rdb_load_file_cb()'s reader: the file's, then the callback every
 * cb_every bytes. */
static size_t (*cb_inner)(rio *r, void *buf, size_t len);
static void (*cb_fn)(void);
static size_t cb_count, cb_every;

static size_t cb_read(rio *r, void *buf, size_t len) {
    size_t n = cb_inner(r, buf, len);
    cb_count += len;
    srv.loading_loaded_bytes += (long long)len;
    if (cb_count >= cb_every) {
        cb_count = 0;
        cb_fn();
    }
    return n;
}

void rdb_rio_every(rio *r, void (*every)(void), size_t bytes) {
    cb_inner = r->read;
    cb_fn = every;
    cb_every = bytes;
    cb_count = 0;
    r->read = cb_read;
}

int rdb_load_file_cb(const char *path, rdb_info *info, void (*every)(void), size_t bytes,
                     str **err) {
    rio r;
    FILE *fp = open_read(path, &r, 64 * 1024, err);
    if (fp == NULL) return -1;
    if (every) rdb_rio_every(&r, every, bytes);
    int rc = rdb_load_rio(&r, info, err);
    fclose(fp);
    return rc;
}

/* ---- Single values: DUMP / RESTORE ---- */

str *rdb_dump_value(const kv *e) {
    rio r;
    rio_init_mem(&r, str_new_cap(64));
    r.update_cksum = false;
    bool ok = save_type(&r, (unsigned char)object_type(e)) && save_object(&r, e);
    ASSERT(ok); /* memory rios do not fail */
    str *s = r.io.mem.buf;
    unsigned char footer[10] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    s = str_cat(s, footer, 2);
    uint64_t crc = crc64(0, s->buf, s->len);
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    return str_cat(s, footer + 2, 8);
}

bool rdb_verify_payload(const char *p, size_t len, str **err) {
    const unsigned char *u = (const unsigned char *)p;
    if (len >= 10) {
        const unsigned char *footer = u + len - 10;
        unsigned ver = footer[0] | footer[1] << 8;
        if (ver <= RDB_VERSION &&
            (srv.skip_checksum_validation || crc64(0, p, len - 8) == le_bytes(footer + 2, 8)))
            return true;
    }
    *err = str_from("DUMP payload version or checksum are wrong");
    return false;
}

kv *rdb_restore_value(const char *key, size_t klen, const char *p, size_t len, bool count_sanitized,
                      str **err) {
    view_rio v;
    /* As Redis, the reader sees the footer too: a value cut short reads into
     * it rather than failing (deep validation still checks what it reads). */
    view_init(&v, p, len);
    loader ld;
    loader_init(&ld, &v.r);
    ld.count_sanitized = count_sanitized;
    unsigned char t;
    kv *e = NULL;
    if (!rd(&ld, &t, 1)) goto bad;
    if (!is_object_type(t)) {
        fail(&ld, "Unknown object type %d", t);
        goto bad;
    }
    ld.key = key;
    ld.klen = klen;
    ld.type = t;
    int rc = load_object(&ld, t, key, klen, &e);
    if (rc == LOAD_OK) return e;
    if (rc == LOAD_EMPTY) fail(&ld, "Empty value");
bad:
    *err = ld.err;
    return NULL;
}

size_t rdb_value_size(const kv *e) {
    rio r;
    rio_init(&r);
    r.write = count_write;
    r.flush = noop_flush;
    r.update_cksum = false;
    bool ok = save_object(&r, e);
    ASSERT(ok);
    return (size_t)r.processed;
}

/* ---- A received replication payload, before it replaces the dataset ----
 * (its CRC64 was checked as it arrived: repl_link.c) */

int rdb_check_payload(const char *path, bool deep, bool *has_keys, char *replid2, str **err) {
    *has_keys = true;
    replid2[0] = '\0';
    rio r;
    FILE *fp = open_read(path, &r, 256 * 1024, err);
    if (fp == NULL) return -1;
    if (deep) {
        rdb_info info;
        rdb_info_init(&info);
        int rc = load_rio(&r, &info, true, err);
        fclose(fp);
        if (rc == -1) return -1;
        fp = open_read(path, &r, 256 * 1024, err); /* then the quick look below */
        if (fp == NULL) return -1;
    }
    loader ld;
    loader_init(&ld, &r);
    bool ok = load_header(&ld);
    /* Opcodes before the first key: AUX fields are skipped; a SELECTDB or
     * any key means data (Redis writes no SELECTDB for an empty db). */
    bool scanning = ok;
    while (scanning) {
        unsigned char t;
        if (!rd(&ld, &t, 1)) {
            ok = false;
            break;
        }
        if (t == RDB_OPCODE_AUX) {
            size_t l1, l2;
            char *a = load_string(&ld, &l1);
            char *b = a ? load_string(&ld, &l2) : NULL;
            if (b && l2 == 40 && util_strcaseeq(a, l1, "castor-repl-id2")) memcpy(replid2, b, 41);
            mem_free(a);
            mem_free(b);
            if (b == NULL) ok = false;
            if (!ok) break;
            continue;
        }
        if (t == RDB_OPCODE_EOF) *has_keys = false;
        scanning = false;
    }
    fclose(fp);
    if (!ok) {
        *err = ld.err ? ld.err : str_from("Unreadable RDB payload");
        return -1;
    }
    str_free(ld.err);
    return 0;
}
