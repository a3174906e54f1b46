/* hllcmd.c -- the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG,
 * PFSELFTEST.
 *
 * A HyperLogLog is a string value in Redis's byte format (hll.c owns the
 * format); these procs find the key, check the value is a HyperLogLog as
 * Redis's isHLLObjectOrReply does, make it RAW so its bytes can change in
 * place, and announce what changed. Like Redis, a single-key PFCOUNT that
 * refreshes the cached cardinality writes the value: it signals the key,
 * counts a change and propagates itself, so replicas and the AOF hold the
 * same bytes; PFDEBUG GETREG and TODENSE propagate when they convert.
 * Errors are Redis's: WRONGTYPE for other types and for strings that are
 * not HyperLogLogs, INVALIDOBJ for a corrupt sparse body.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "hllcmd.h"

#include "hll.h"

#include <string.h>

#include "arg.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "t_string.h"
#include "util.h"

static size_t sparse_max(void) { return (size_t)cfg.hll_sparse_max_bytes; }

/* Redis's isHLLObjectOrReply for an existing entry: a string whose bytes
 * are a HyperLogLog, else the matching WRONGTYPE error. */
static bool check_hll(client *c, const kv *e) {
    if (e->type != KV_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return false;
    }
    char buf[UTIL_LLSTR_SIZE];
    size_t len;
    const char *p = kv_str(e, buf, &len);
    if (e->enc != KV_ENC_INT && hll_is_valid((const uint8_t *)p, len)) return true;
    reply_error(c, ERR_HLL_WRONGTYPE);
    return false;
}

static const uint8_t *hll_bytes(const kv *e, size_t *len) {
    char buf[UTIL_LLSTR_SIZE]; /* unused: a HyperLogLog is never INT-encoded */
    return (const uint8_t *)kv_str(e, buf, len);
}

/* The checked HyperLogLog of an existing entry, made RAW first (Redis's
 * dbUnshareStringValue) so its bytes may change in place: *e may be
 * replaced. NULL after replying an error. A RAW value, the usual case, is
 * read through one pointer. */
static str *raw_hll(client *c, kv **e) {
    kv *x = *e;
    if (x->type == KV_STRING && x->enc == KV_ENC_RAW) {
        str *s = kv_raw(x);
        if (hll_is_valid((const uint8_t *)s->buf, s->len)) return s;
        reply_error(c, ERR_HLL_WRONGTYPE);
        return NULL;
    }
    if (!check_hll(c, x)) return NULL;
    *e = t_string_make_raw(c, x);
    return kv_raw(*e);
}

/* The key's HyperLogLog as a RAW string whose bytes may change: creates an
 * empty one if missing (*created), else the checked value made RAW. NULL
 * after replying an error; *s is the value. */
static kv *writable_hll(client *c, const slice *key, bool *created, str **s) {
    kv *e = db_find_write(c->db, key->ptr, key->len);
    *created = e == NULL;
    if (e == NULL) {
        *s = hll_new();
        e = kv_new_raw(key->ptr, key->len, *s);
        db_add(c->db, e);
        return e;
    }
    *s = raw_hll(c, &e);
    return *s ? e : NULL;
}

static void changed(client *c, const slice *key, const char *event, long long dirty) {
    db_key_changed(c->db, key, NOTIFY_STRING, event, dirty);
    propagate(c->dbid, c->argc, c->argv);
}

/* PFADD key [element ...]: 1 if a register grew or the key is new. */
static void cmd_pfadd(client *c) {
    slice *key = &c->argv[1];
    bool created;
    str *s, *orig;
    kv *e = writable_hll(c, key, &created, &s);
    if (e == NULL) return;
    long long updated = created;
    size_t max = sparse_max();
    orig = s;
    for (int j = 2; j < c->argc; j++) {
        int r = hll_add(&s, c->argv[j].ptr, c->argv[j].len, max);
        if (r < 0) {
            /* As Redis: registers set so far stay, unannounced. */
            if (s != orig) kv_set_raw(e, s);
            reply_error(c, ERR_HLL_CORRUPT);
            return;
        }
        updated += r;
    }
    /* A dense update is in place; a sparse one may move or convert s. */
    if (s != orig) kv_set_raw(e, s);
    if (updated) {
        hll_cache_invalidate((uint8_t *)s->buf);
        changed(c, key, "pfadd", updated);
    }
    reply_int(c, updated ? 1 : 0);
}

/* Registers of every key merged into max[]: false after replying an error. */
static bool merge_keys(client *c, int from, uint8_t max[HLL_REGISTERS], bool *any_dense) {
    for (int j = from; j < c->argc; j++) {
        kv *e = db_find_read(c->db, c->argv[j].ptr, c->argv[j].len);
        if (e == NULL) continue; /* a missing key is an empty HyperLogLog */
        if (!check_hll(c, e)) return false;
        size_t len;
        const uint8_t *p = hll_bytes(e, &len);
        if (hll_encoding(p) == HLL_DENSE) *any_dense = true;
        if (!hll_merge(max, p, len)) {
            reply_error(c, ERR_HLL_CORRUPT);
            return false;
        }
    }
    return true;
}

/* PFCOUNT key [key ...]: the cached or freshly computed cardinality of
 * one key, or the cardinality of the union of several. */
static void cmd_pfcount(client *c) {
    if (c->argc > 2) {
        uint8_t max[HLL_REGISTERS];
        bool dense = false;
        memset(max, 0, sizeof(max));
        if (!merge_keys(c, 1, max, &dense)) return;
        reply_int(c, (long long)hll_count_registers(max));
        return;
    }
    slice *key = &c->argv[1];
    kv *e = db_find_read(c->db, key->ptr, key->len);
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    str *s = raw_hll(c, &e);
    if (s == NULL) return;
    uint64_t card;
    if (!hll_cache_get((uint8_t *)s->buf, &card)) {
        if (!hll_count((uint8_t *)s->buf, s->len, &card)) {
            reply_error(c, ERR_HLL_CORRUPT);
            return;
        }
        hll_cache_set((uint8_t *)s->buf, card);
        changed(c, key, NULL, 1);
    }
    reply_int(c, (long long)card);
}

/* PFMERGE destkey [sourcekey ...]: destkey (itself one of the sources)
 * becomes the union; dense if any source was. */
static void cmd_pfmerge(client *c) {
    uint8_t max[HLL_REGISTERS];
    bool dense = false;
    memset(max, 0, sizeof(max));
    if (!merge_keys(c, 1, max, &dense)) return;
    slice *key = &c->argv[1];
    bool created;
    str *s;
    kv *e = writable_hll(c, key, &created, &s); /* checked as a source already */
    if (e == NULL) return;
    if (dense && hll_to_dense(&s) < 0) {
        reply_error(c, ERR_HLL_CORRUPT);
        return;
    }
    for (long j = 0; j < HLL_REGISTERS; j++)
        if (max[j]) hll_set(&s, j, max[j], sparse_max());
    kv_set_raw(e, s);
    hll_cache_invalidate((uint8_t *)s->buf);
    /* Redis announces a merge as a mass PFADD. */
    changed(c, key, "pfadd", 1);
    reply_ok(c);
}

/* PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key */
static void cmd_pfdebug(client *c) {
    slice *sub = &c->argv[1], *key = &c->argv[2];
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e == NULL) {
        reply_error(c, ERR_PFDEBUG_NO_KEY);
        return;
    }
    str *s = raw_hll(c, &e);
    if (s == NULL) return;
    bool sparse = hll_encoding((uint8_t *)s->buf) == HLL_SPARSE;
    bool getreg = arg_is(sub, "getreg");
    if (getreg || arg_is(sub, "todense")) {
        if (sparse) {
            if (hll_to_dense(&s) < 0) {
                reply_error(c, ERR_HLL_CORRUPT);
                return;
            }
            kv_set_raw(e, s);
            /* An encoding change reaches replicas, as in Redis (no signal). */
            srv.dirty++;
            propagate(c->dbid, c->argc, c->argv);
        }
        if (!getreg) {
            reply_int(c, sparse ? 1 : 0);
            return;
        }
        reply_array(c, HLL_REGISTERS);
        for (long j = 0; j < HLL_REGISTERS; j++) reply_int(c, hll_dense_get((uint8_t *)s->buf, j));
    } else if (arg_is(sub, "decode")) {
        if (!sparse) {
            reply_error(c, ERR_PFDEBUG_NOT_SPARSE);
            return;
        }
        str *out = hll_decode(str_new(NULL, 0), (uint8_t *)s->buf, s->len);
        reply_bulk(c, out->buf, out->len);
        str_free(out);
    } else if (arg_is(sub, "encoding")) {
        reply_simple(c, sparse ? "sparse" : "dense");
    } else {
        reply_errorf(c, ERR_PFDEBUG_SUBCOMMAND, (int)sub->len, sub->ptr);
    }
}

/* PFSELFTEST: +OK, or the first failure as -TESTFAILED ... */
static void cmd_pfselftest(client *c) {
    char err[128];
    const char *fail = hll_selftest(sparse_max(), util_rand64(), err, sizeof(err));
    if (fail) reply_error(c, fail);
    else reply_ok(c);
}

/* COMMAND GETKEYS of PFMERGE: Redis finds the destination and the sources
 * by two key specs, and a lone destination leaves the second spec's range
 * empty, which Redis reports as invalid arguments. */
static int pfmerge_getkeys(int argc, slice *argv, int *keys, int cap) {
    (void)argv;
    if (argc < 3) return -1;
    int n = 0;
    for (int i = 1; i < argc && n < cap; i++) keys[n++] = i;
    return n;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command hllcmd_commands[] = {
    {.name = "pfadd", .proc = cmd_pfadd, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "pfcount", .proc = cmd_pfcount, .arity = -2, .flags = CMD_READONLY | CMD_MAY_REPLICATE,
     .acl = ACL_READ | ACL_HYPERLOGLOG | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "pfmerge", .proc = cmd_pfmerge, .getkeys = pfmerge_getkeys, .arity = -2,
     .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_SLOW,
     .keys = {1, -1, 1}},
    {.name = "pfdebug", .proc = cmd_pfdebug, .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_ADMIN,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .keys = {2, 2, 1}},
    {.name = "pfselftest", .proc = cmd_pfselftest, .arity = 1, .flags = CMD_ADMIN,
     .acl = ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
