/* rdb.c -- the RDB format's framing: whole-dataset snapshots (header, AUX
 * fields, databases, opcodes, EOF and checksum), the load loop, DUMP and
 * RESTORE payloads, and the encodings every value shares (lengths, strings
 * as integers or LZF).
 *
 * Saving writes version 10 ("REDIS0010"), the version Redis 7.0 writes,
 * with strings as integers when they fit 32 bits, else LZF-compressed
 * above 20 bytes when rdbcompression is on.
 * Loading reads every opcode Redis 7.0 reads (versions 1..10, and 11 from
 * Redis 7.2 where the types are the same). Every length and blob from
 * outside is checked before it is trusted: a length never allocates more
 * than the input can still hold. A corrupt or truncated input is an error
 * naming the byte offset and the key being read, never a crash. Module AUX
 * data stops the load with an error naming the module.
 * Not here: each type's value encoding (rdb_types.c); the byte streams
 * (rio.c); when to save, fork, file names (snapshot.c); AOF (aof.c).
 * Spec: Redis 7.0 src/rdb.c and src/rdb.h (format), redis-doc RDB notes.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "rdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liblzf/lzf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crc64.h"
#include "db.h"
#include "dict.h"
#include "log.h"
#include "propagate.h"
#include "rdb_int.h"
#include "seam.h"
#include "server.h"
#include "util.h"

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
/* Incremental fsync of snapshot files, Redis's REDIS_AUTOSYNC_BYTES. */
#define RDB_AUTOSYNC_BYTES (4 * 1024 * 1024)
/* Blobs above this size whose length the input cannot vouch for (a
 * socket) are read in pieces, growing the buffer as bytes arrive. */
#define READ_CHUNK (1 << 20)

/* ---- Saving: lengths and strings ---- */

/* Each returns false on a write error (errno set by the rio). */

static bool save_type(rio *r, unsigned char t) { return rdb_write(r, &t, 1); }

bool rdb_save_len(rio *r, uint64_t len) {
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
    return rdb_write(r, buf, n);
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

bool rdb_save_lzf_blob(rio *r, const void *data, size_t clen, size_t ulen) {
    return save_type(r, (RDB_ENCVAL << 6) | RDB_ENC_LZF) && rdb_save_len(r, clen) &&
           rdb_save_len(r, ulen) && rdb_write(r, data, clen);
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
    return rdb_save_lzf_blob(r, lzf_scratch, clen, len) ? 1 : -1;
}

/* Redis's rdbSaveRawString: an integer encoding for short canonical
 * integers, LZF above 20 bytes when rdbcompression is on, else verbatim. */
bool rdb_save_raw_string(rio *r, const void *p, size_t len) {
    const unsigned char *s = p;
    if (len <= 11) {
        long long v;
        unsigned char enc[5];
        size_t n;
        if (util_str2ll(p, len, &v) && (n = encode_int(v, enc)) > 0) return rdb_write(r, enc, n);
    }
    if (cfg.rdbcompression && len > 20) {
        int rc = save_lzf_string(r, s, len);
        if (rc != 0) return rc == 1;
    }
    return rdb_save_len(r, len) && rdb_write(r, s, len);
}

bool rdb_save_ll_string(rio *r, long long v) {
    unsigned char enc[5];
    size_t n = encode_int(v, enc);
    if (n) return rdb_write(r, enc, n);
    char buf[UTIL_LLSTR_SIZE];
    size_t len = util_ll2str(buf, v);
    return rdb_save_len(r, len) && rdb_write(r, buf, len);
}

bool rdb_save_u64le(rio *r, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return rdb_write(r, b, 8);
}

static bool save_aux(rio *r, const char *key, const char *val) {
    return save_type(r, RDB_OPCODE_AUX) && rdb_save_raw_string(r, key, strlen(key)) &&
           rdb_save_raw_string(r, val, strlen(val));
}

static bool save_aux_ll(rio *r, const char *key, long long v) {
    char buf[UTIL_LLSTR_SIZE];
    util_ll2str(buf, v);
    return save_aux(r, key, buf);
}

/* ---- Saving: keys and databases ---- */

/* Expire, access data, type, key, value: rdbSaveKeyValuePair. */
static bool save_key_value(rio *r, const kv *e) {
    if (kv_has_expire(e) &&
        (!save_type(r, RDB_OPCODE_EXPIRETIME_MS) || !rdb_save_u64le(r, (uint64_t)kv_expire(e))))
        return false;
    if (cfg.maxmemory_policy == POLICY_VOLATILE_LRU || cfg.maxmemory_policy == POLICY_ALLKEYS_LRU) {
        if (!save_type(r, RDB_OPCODE_IDLE) || !rdb_save_len(r, db_idle_seconds(e))) return false;
    } else if (db_policy_is_lfu()) {
        unsigned char freq = (unsigned char)db_lfu_counter(e);
        if (!save_type(r, RDB_OPCODE_FREQ) || !rdb_write(r, &freq, 1)) return false;
    }
    size_t klen;
    const char *key = kv_key(e, &klen);
    return save_type(r, (unsigned char)rdb_object_type(e)) && rdb_save_raw_string(r, key, klen) &&
           rdb_save_object(r, e);
}

/* A fork child reports how many keys it wrote (child.c), every 1024. */
static void (*save_progress)(long long keys);
static long long saved_keys;

void rdb_on_save_progress(void (*fn)(long long keys)) { save_progress = fn; }

static bool save_db(rio *r, db *d) {
    if (db_size(d) == 0) return true;
    if (!save_type(r, RDB_OPCODE_SELECTDB) || !rdb_save_len(r, (uint64_t)d->id)) return false;
    if (!save_type(r, RDB_OPCODE_RESIZEDB) || !rdb_save_len(r, db_size(d)) ||
        !rdb_save_len(r, db_volatile_count(d)))
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
    return save_type(r, RDB_OPCODE_FUNCTION2) && rdb_save_raw_string(r, code, len);
}

static void save_function_code(void *priv, const char *code, size_t len) {
    rdb_walk *w = priv;
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
    bool ok = rdb_write(r, magic, 9) && save_aux_fields(r, info);
    /* Function libraries come before the keys, as in Redis. */
    rdb_walk fw = {r, ok};
    if (ok && !info->exclude_functions) seam_function_foreach(save_function_code, &fw);
    ok = fw.ok;
    for (int i = 0; ok && !info->exclude_data && i < srv.ndbs; i++) ok = save_db(r, db_get(i));
    ok = ok && save_type(r, RDB_OPCODE_EOF) && rdb_save_u64le(r, r->cksum);
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

/* ---- Loading: lengths and strings ---- */

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
size_t rdb_plausible(const loader *ld, uint64_t n, unsigned per) {
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
 * false so that callers can 'return rdb_fail(...)'. */
bool rdb_fail(loader *ld, const char *fmt, ...) {
    if (ld->err) return false;
    va_list ap;
    va_start(ap, fmt);
    str *s = str_catvfmt(str_new_cap(128), fmt, ap);
    va_end(ap);
    s = str_catfmt(s, " at offset %llu", (unsigned long long)ld->r->processed);
    if (ld->key) {
        s = str_catc(s, ", reading key '");
        s = cat_printable(s, ld->key, ld->klen);
        s = str_catfmt(s, "' (RDB type %d, %s)", ld->type, rdb_type_name(ld->type));
    }
    ld->err = s;
    return false;
}

static uint64_t be_bytes(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | b[i];
    return v;
}

/* A length, or (with *encoded set) a special string encoding number. */
static bool load_len_enc(loader *ld, uint64_t *len, bool *encoded) {
    unsigned char b[8];
    if (!rdb_read(ld, b, 1)) return false;
    *encoded = false;
    switch ((b[0] & 0xc0) >> 6) {
    case RDB_ENCVAL:
        *encoded = true;
        *len = b[0] & 0x3f;
        return true;
    case RDB_6BITLEN: *len = b[0] & 0x3f; return true;
    case RDB_14BITLEN:
        if (!rdb_read(ld, b + 1, 1)) return false;
        *len = (uint64_t)(b[0] & 0x3f) << 8 | b[1];
        return true;
    }
    if (b[0] == RDB_32BITLEN) {
        if (!rdb_read(ld, b, 4)) return false;
        *len = be_bytes(b, 4);
        return true;
    }
    if (b[0] == RDB_64BITLEN) {
        if (!rdb_read(ld, b, 8)) return false;
        *len = be_bytes(b, 8);
        return true;
    }
    return rdb_fail(ld, "Unknown length encoding %d in rdbLoadLen()", b[0]);
}

bool rdb_load_len(loader *ld, uint64_t *len) {
    bool encoded;
    if (!load_len_enc(ld, len, &encoded)) return false;
    return !encoded || rdb_fail(ld, "Unexpected string encoding where a length belongs");
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
        rdb_fail(ld, "Unexpected EOF reading RDB file (a string of %llu bytes)",
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
        if (!rdb_read(ld, buf_bytes(as_str, b) + got, n)) {
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
    if (!rdb_load_len(ld, &clen) || !rdb_load_len(ld, &ulen)) return NULL;
    /* An LZF back-reference of 3 bytes yields at most 264: nothing expands
     * more than 88 times. */
    if (clen == 0 || clen > UINT_MAX || ulen > UINT_MAX || ulen > clen * 100 + 300) {
        rdb_fail(ld, "Invalid LZF compressed string");
        return NULL;
    }
    unsigned char *c = read_bytes(ld, false, clen);
    if (c == NULL) return NULL;
    void *out = buf_new(as_str, (size_t)ulen);
    unsigned got = lzf_decompress(c, (unsigned)clen, buf_bytes(as_str, out), (unsigned)ulen);
    mem_free(c);
    if (got != ulen) {
        buf_free(as_str, out);
        rdb_fail(ld, "Invalid LZF compressed string");
        return NULL;
    }
    buf_finish(as_str, out, (size_t)ulen);
    *lenp = (size_t)ulen;
    return out;
}

/* Read a string in any encoding (raw, integer, LZF). */
void *rdb_load_string_as(loader *ld, bool as_str, size_t *lenp) {
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
        if (!rdb_read(ld, b, 1)) return NULL;
        v = (int8_t)b[0];
        break;
    case RDB_ENC_INT16:
        if (!rdb_read(ld, b, 2)) return NULL;
        v = (int16_t)rdb_le_bytes(b, 2);
        break;
    case RDB_ENC_INT32:
        if (!rdb_read(ld, b, 4)) return NULL;
        v = (int32_t)rdb_le_bytes(b, 4);
        break;
    case RDB_ENC_LZF: return load_lzf(ld, as_str, lenp);
    default:
        rdb_fail(ld, "Unknown RDB string encoding type %llu", (unsigned long long)len);
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
    char *k = rdb_load_string(ld, &klen);
    char *v = k ? rdb_load_string(ld, &vlen) : NULL;
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
    if (!rdb_is_object_type(type)) return rdb_fail(ld, "Unknown object type %d", type);
    size_t klen;
    char *key = rdb_load_string(ld, &klen);
    if (key == NULL) return false;
    ld->key = key;
    ld->klen = klen;
    ld->type = type;
    kv *e = NULL;
    int rc = rdb_load_object(ld, type, key, klen, &e);
    bool ok = rc != RDB_LOAD_ERR;
    if (rc == RDB_LOAD_EMPTY) {
        if (st->empty_skipped++ < 10)
            log_msg(LOG_WARNING, "rdbLoadObject skipping empty key: %s", key);
    } else if (rc == RDB_LOAD_OK && st->dry_run) {
        kv_free(e);
    } else if (rc == RDB_LOAD_OK) {
        if (!st->keep_expired && a->expire != -1 && a->expire < st->now) {
            kv_free(e);
            st->info->keys_expired_skipped++;
            /* A master restarting: its replicas hold the key, so the
             * history it continues must delete it (Redis's FEED_REPL). */
            if (st->info->feed_expired) propagate_loaded_expired(st->d->id, key, klen);
        } else {
            if (a->expire != -1) e = kv_set_expire(e, a->expire);
            if (st->info->allow_dup && db_find_raw(st->d, key, klen)) {
                db_set(st->d, e, 0);
                db_set_access(e, a->freq, a->idle);
                st->info->keys_loaded++;
            } else if (!db_add_new(st->d, e)) {
                kv_free(e);
                ok = rdb_fail(ld, "Duplicated key in DB %d", st->d->id);
            } else {
                db_set_access(e, a->freq, a->idle);
                st->info->keys_loaded++;
            }
        }
    }
    ld->key = NULL;
    mem_free(key);
    a->expire = a->idle = a->freq = -1;
    /* A debug knob that slows loading (Redis's key-load-delay): not the
     * parse-only check of a replica's payload (castor's), which holds the
     * loop before loading starts and Redis does not have. */
    if (cfg.key_load_delay && !st->dry_run) util_debug_delay(cfg.key_load_delay);
    return ok;
}

static bool load_header(loader *ld) {
    char magic[10];
    if (!rdb_read(ld, magic, 9)) return false;
    magic[9] = '\0';
    bool ok = memcmp(magic, "REDIS", 5) == 0;
    for (int i = 5; i < 9; i++) ok = ok && magic[i] >= '0' && magic[i] <= '9';
    if (!ok) return rdb_fail(ld, "Wrong signature trying to load DB from file");
    ld->ver = atoi(magic + 5);
    if (ld->ver < 1 || ld->ver > RDB_VERSION_READ_MAX)
        return rdb_fail(ld, "Can't handle RDB format version %d", ld->ver);
    return true;
}

/* The trailing CRC64 (version 5 on): 0 means "not computed". */
static bool load_checksum(loader *ld) {
    uint64_t expected = ld->r->cksum;
    unsigned char b[8];
    if (ld->ver < 5) return true;
    if (!rdb_read(ld, b, 8)) return false;
    uint64_t got = rdb_le_bytes(b, 8);
    if (!cfg.rdbchecksum || srv.skip_checksum_validation) return true;
    if (got == 0) {
        log_msg(LOG_WARNING, "RDB file was saved with checksum disabled: no check performed.");
        return true;
    }
    /* "RDB CRC error" is what Redis (and redis-check-rdb) say: operators
     * and Redis's tests look for it. */
    if (got != expected)
        return rdb_fail(ld, "RDB CRC error: wrong RDB checksum expected: (%llx) but got (%llx)",
                        (unsigned long long)expected, (unsigned long long)got);
    return true;
}

/* A function library: its code, created as FUNCTION LOAD would (with
 * REPLACE when duplicates are allowed). */
static bool load_function(loader *ld, bool replace) {
    size_t len;
    char *code = rdb_load_string(ld, &len);
    if (code == NULL) return false;
    str *err = NULL;
    int rc = seam_function_load(code, len, replace, &err);
    mem_free(code);
    if (rc == 0) return true;
    rdb_fail(ld, "Failed loading library, %s", err->buf);
    str_free(err);
    return false;
}

static bool skip_function(loader *ld) {
    size_t len;
    char *code = rdb_load_string(ld, &len);
    if (code == NULL) return false;
    mem_free(code);
    return true;
}

str *rdb_load_function_code(rio *r) {
    loader ld;
    loader_init(&ld, r);
    size_t len;
    char *code = rdb_load_string(&ld, &len);
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
    if (!rdb_read(ld, &t, 1)) return false;
    switch (t) {
    case RDB_OPCODE_EXPIRETIME:
        if (!rdb_read(ld, b, 4)) return false;
        a->expire = (long long)(int32_t)rdb_le_bytes(b, 4) * 1000;
        return true;
    case RDB_OPCODE_EXPIRETIME_MS:
        if (!rdb_read(ld, b, 8)) return false;
        a->expire = (long long)rdb_le_bytes(b, 8);
        return true;
    case RDB_OPCODE_FREQ:
        if (!rdb_read(ld, b, 1)) return false;
        a->freq = b[0];
        return true;
    case RDB_OPCODE_IDLE:
        if (!rdb_load_len(ld, &v)) return false;
        a->idle = v > LLONG_MAX ? LLONG_MAX : (long long)v;
        return true;
    case RDB_OPCODE_EOF: *done = true; return true;
    case RDB_OPCODE_SELECTDB:
        if (!rdb_load_len(ld, &v)) return false;
        if (v >= (uint64_t)srv.ndbs)
            return rdb_fail(ld,
                            "FATAL: Data file was created with a Redis server configured to "
                            "handle more than %d databases",
                            srv.ndbs);
        st->d = db_get((int)v);
        return true;
    case RDB_OPCODE_RESIZEDB:
        if (!rdb_load_len(ld, &v) || !rdb_load_len(ld, &v2)) return false;
        v = rdb_plausible(ld, v, 3);
        if (!st->dry_run && v > dict_len(st->d->keys)) dict_expand(st->d->keys, (size_t)v);
        return true;
    case RDB_OPCODE_AUX: return load_aux(st);
    case RDB_OPCODE_MODULE_AUX:
        if (!rdb_load_len(ld, &v)) return false;
        rdb_module_name(v, name);
        return rdb_fail(ld,
                        "The RDB file contains AUX module data I can't load: "
                        "no matching module '%s'",
                        name);
    case RDB_OPCODE_FUNCTION2:
        /* A dry run registers nothing: the libraries we hold may have
         * the names the payload's have (it replaces them). */
        return st->dry_run ? skip_function(ld) : load_function(ld, st->info->allow_dup);
    case RDB_OPCODE_FUNCTION_PRE_GA:
        return rdb_fail(ld, "Pre-release function format not supported.");
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
    bool ok = save_type(&r, (unsigned char)rdb_object_type(e)) && rdb_save_object(&r, e);
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
            (srv.skip_checksum_validation || crc64(0, p, len - 8) == rdb_le_bytes(footer + 2, 8)))
            return true;
    }
    *err = str_from("DUMP payload version or checksum are wrong");
    return false;
}

kv *rdb_restore_value(const char *key, size_t klen, const char *p, size_t len, bool count_sanitized,
                      str **err) {
    rio v;
    /* As Redis, the reader sees the footer too: a value cut short reads into
     * it rather than failing (deep validation still checks what it reads). */
    rio_init_view(&v, p, len);
    loader ld;
    loader_init(&ld, &v);
    ld.count_sanitized = count_sanitized;
    unsigned char t;
    kv *e = NULL;
    if (!rdb_read(&ld, &t, 1)) goto bad;
    if (!rdb_is_object_type(t)) {
        rdb_fail(&ld, "Unknown object type %d", t);
        goto bad;
    }
    ld.key = key;
    ld.klen = klen;
    ld.type = t;
    int rc = rdb_load_object(&ld, t, key, klen, &e);
    if (rc == RDB_LOAD_OK) return e;
    if (rc == RDB_LOAD_EMPTY) rdb_fail(&ld, "Empty value");
bad:
    *err = ld.err;
    return NULL;
}

size_t rdb_value_size(const kv *e) {
    rio r;
    rio_init_counter(&r);
    r.update_cksum = false;
    bool ok = rdb_save_object(&r, e);
    ASSERT(ok);
    return (size_t)r.processed;
}

/* ---- A received replication payload, before it replaces the dataset ----
 * (its CRC64 was checked as it arrived: repl_link.c) */

int rdb_check_payload(const char *path, bool deep, bool *has_keys, char *replid2,
                      void (*every)(void), size_t bytes, str **err) {
    *has_keys = true;
    replid2[0] = '\0';
    rio r;
    FILE *fp = open_read(path, &r, 256 * 1024, err);
    if (fp == NULL) return -1;
    if (deep) {
        rdb_info info;
        rdb_info_init(&info);
        if (every) rdb_rio_every(&r, every, bytes);
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
        if (!rdb_read(&ld, &t, 1)) {
            ok = false;
            break;
        }
        if (t == RDB_OPCODE_AUX) {
            size_t l1, l2;
            char *a = rdb_load_string(&ld, &l1);
            char *b = a ? rdb_load_string(&ld, &l2) : NULL;
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
