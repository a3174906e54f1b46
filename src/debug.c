/* debug.c -- the DEBUG command: introspection and test hooks.
 *
 * The centre of this file is DEBUG DIGEST, which must print the same 40 hex
 * digits as redis-server for the same dataset, so that tests can compare a
 * castor and a Redis (or a master and its replica) in one call. It is Redis
 * 7.0's computeDatasetDigest() step for step: SHA1 (OpenSSL) of each piece,
 * "xor" to combine unordered things and "mix" (xor, then SHA1 of the digest
 * itself) where order matters; a key with a TTL adds "!!expire!!" but not
 * the TTL, so the digest of a replica equals its master's.
 * Every subcommand replies in Redis's words; those not listed in HELP get
 * Redis's unknown-subcommand error. DEBUG is refused unless
 * enable-debug-command allows it (checked by the dispatcher, cmdtable.c).
 * RELOAD is snapshot.c's (snapshot_debug_reload), LOADAOF aof.c's
 * (aof_debug_loadaof). SEGFAULT and PANIC crash here; the report they
 * leave in the log is crash.c's (its signal handlers).
 * SPDX-License-Identifier: BSD-3-Clause */

#include "debug.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "aof.h"
#include "child.h"
#include "arg.h"
#include "cmdtable.h"
#include "cluster.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "kv.h"
#include "listpack.h"
#include "log.h"
#include "memory.h"
#include "rdb.h"
#include "repl.h"
#include "reply.h"
#include "script.h"
#include "server.h"
#include "snapshot.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "stream.h"
#include "util.h"
#include "zset.h"

/* ---- Digests ---- */

#define DIGEST_LEN 20

/* digest ^= SHA1(p): order-free combination, digest(a,b) == digest(b,a). */
static void xor_digest(unsigned char *digest, const void *p, size_t len) {
    unsigned char hash[DIGEST_LEN];
    SHA1(p, len, hash);
    for (int j = 0; j < DIGEST_LEN; j++) digest[j] ^= hash[j];
}

/* digest = SHA1(digest ^ SHA1(p)): order matters, and "fo","obar" differs
 * from "foo","bar". */
static void mix_digest(unsigned char *digest, const void *p, size_t len) {
    unsigned char hash[DIGEST_LEN];
    xor_digest(digest, p, len);
    SHA1(digest, DIGEST_LEN, hash);
    memcpy(digest, hash, DIGEST_LEN);
}

/* A hash digests as the xor of one digest per pair, each mixing the field
 * then the value, so the order of the pairs does not matter. */
static void digest_hash_pair(void *priv, const char *f, size_t flen, const char *v, size_t vlen) {
    unsigned char pair[DIGEST_LEN] = {0};
    mix_digest(pair, f, flen);
    mix_digest(pair, v, vlen);
    xor_digest(priv, pair, DIGEST_LEN);
}

static void digest_list_elem(void *priv, const char *p, size_t len) { mix_digest(priv, p, len); }

static void digest_set_member(void *priv, const char *p, size_t len) { xor_digest(priv, p, len); }

/* A sorted set digests as the xor of one digest per member, each mixing
 * the member then its score as "%.17g" (Redis 7.0 prints it with snprintf;
 * a listpack's -0 was stored as 0 and digests as "0"). */
static void zset_digest(unsigned char *digest, const kv *e) {
    zset_iter it;
    for (zset_iter_init(&it, e, false); zset_iter_valid(&it); zset_iter_next(&it)) {
        zset_elem el;
        zset_iter_get(&it, &el, true);
        unsigned char one[DIGEST_LEN] = {0};
        char buf[UTIL_DSTR_SIZE];
        mix_digest(one, el.m, el.len);
        mix_digest(one, buf, util_d2str(buf, el.score));
        xor_digest(digest, one, DIGEST_LEN);
    }
}

/* A stream's entries in order: "ms.seq", then each field and value (as
 * Redis 7.0; groups are not part of the digest). */
static void stream_digest(unsigned char *digest, stream *s) {
    stream_iter it;
    stream_iter_start(&it, s, NULL, NULL, false);
    sid id;
    int64_t nfields;
    while (stream_iter_next(&it, &id, &nfields)) {
        char buf[SID_STR_SIZE];
        size_t n = sid_fmt(buf, &id);
        buf[strchr(buf, '-') - buf] = '.';
        mix_digest(digest, buf, n);
        while (nfields--) {
            const char *f, *v;
            size_t flen, vlen;
            stream_iter_field(&it, &f, &flen, &v, &vlen);
            mix_digest(digest, f, flen);
            mix_digest(digest, v, vlen);
        }
    }
}

/* Mix the value of e (its type, content and whether it has a TTL) into
 * digest, as Redis's xorObjectDigest(). kv_type values equal Redis's
 * OBJ_* numbers, which are part of the digest. */
static void value_digest(unsigned char *digest, const kv *e) {
    uint32_t aux = htonl((uint32_t)e->type);
    mix_digest(digest, &aux, sizeof(aux));
    switch ((enum kv_type)e->type) {
    case KV_STRING: {
        char buf[UTIL_LLSTR_SIZE];
        size_t len;
        const char *p = kv_str(e, buf, &len); /* INT values digest as their digits */
        mix_digest(digest, p, len);
        break;
    }
    case KV_HASH: hash_foreach(e, digest_hash_pair, digest); break;
    case KV_SET:
        /* Members xor-ed: the order of a set does not matter. */
        t_set_foreach(e, digest_set_member, digest);
        break;
    case KV_LIST:
        /* Elements mixed in order, head to tail. */
        list_foreach(e, digest_list_elem, digest);
        break;
    case KV_ZSET: zset_digest(digest, e); break;
    case KV_STREAM: stream_digest(digest, kv_ptr(e)); break;
    }
    if (kv_has_expire(e)) xor_digest(digest, "!!expire!!", 10);
}

/* Redis's computeDatasetDigest(): 20 zero bytes for an empty dataset. */
static void dataset_digest(unsigned char *final) {
    memset(final, 0, DIGEST_LEN);
    for (int j = 0; j < srv.ndbs; j++) {
        db *d = &srv.dbs[j];
        if (db_size(d) == 0) continue;
        /* The db number goes in, so the same keys in another db differ. */
        uint32_t aux = htonl((uint32_t)j);
        mix_digest(final, &aux, sizeof(aux));
        dict_iter it;
        dict_iter_init(&it, d->keys);
        kv *e;
        while ((e = dict_iter_next(&it)) != NULL) {
            unsigned char digest[DIGEST_LEN] = {0};
            size_t klen;
            const char *key = kv_key(e, &klen);
            mix_digest(digest, key, klen);
            value_digest(digest, e);
            xor_digest(final, digest, DIGEST_LEN);
        }
        dict_iter_done(&it);
    }
}

static void reply_digest(client *c, const unsigned char *digest) {
    char hex[DIGEST_LEN * 2 + 1];
    for (int i = 0; i < DIGEST_LEN; i++) snprintf(hex + i * 2, 3, "%02x", digest[i]);
    reply_simple(c, hex);
}

/* ---- DEBUG OBJECT ---- */

static void debug_object(client *c) {
    kv *e = db_find_raw(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    /* Redis shares the integers 0..9999 (see OBJECT REFCOUNT in keys.c). */
    bool shared = db_int_is_shared(e);
    uint32_t now = srv.lruclock, then = e->lru;
    uint32_t idle = now >= then ? now - then : now + ((1u << 24) - then);
    char line[512];
    snprintf(line, sizeof(line),
             "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u "
             "lru_seconds_idle:%u",
             (void *)e, shared ? INT_MAX : 1, kv_enc_name(e), rdb_value_size(e), (unsigned)e->lru,
             idle);
    if (e->type == KV_LIST) {
        /* Redis adds the quicklist's shape. */
        const quicklist *ql = kv_ptr(e);
        unsigned long sz = 0;
        for (const ql_node *n = ql->head; n; n = n->next) sz += n->sz;
        size_t used = strlen(line);
        snprintf(line + used, sizeof(line) - used,
                 " ql_nodes:%lu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
                 "ql_uncompressed_size:%lu",
                 ql->len, (double)ql->count / (double)ql->len, ql->fill, ql->compress != 0, sz);
    }
    reply_simple(c, line);
}

/* ---- HTSTATS, HTSTATS-KEY ---- */

/* DEBUG HTSTATS <dbid> [FULL]: the keyspace's hash table as Redis shows
 * it. castor keeps no expires hash table (keys with a TTL are listed in
 * an array), so that part only counts them. */
static void debug_htstats(client *c) {
    long long id;
    if (!arg_ll(c, &c->argv[2], &id)) return;
    db *d = id >= 0 && id <= INT_MAX ? db_get((int)id) : NULL;
    if (d == NULL) {
        reply_error(c, ERR_DEBUG_DB_RANGE);
        return;
    }
    str *s = str_from("[Dictionary HT]\n");
    s = dict_stats(d->keys, s);
    s = str_catc(s, "[Expires HT]\nHash table 0 stats (main hash table):\n");
    if (d->vol_len == 0) s = str_catc(s, "No stats available for empty dictionaries\n");
    else s = str_catfmt(s, " number of elements: %zu\n", d->vol_len);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

/* DEBUG HTSTATS-KEY <key>: a hashtable-encoded set's or hash's table. */
static void debug_htstats_key(client *c) {
    kv *e = db_find_raw(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (e->enc != KV_ENC_HT || (e->type != KV_SET && e->type != KV_HASH)) {
        reply_error(c, ERR_DEBUG_NOT_HT);
        return;
    }
    str *s = dict_stats(kv_ptr(e), str_new(NULL, 0));
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

/* ---- Other subcommands ---- */

/* A NUL-terminated copy of an argument, for libc parsers; cut to cap-1. */
static const char *arg_cstr(const slice *a, char *buf, size_t cap) {
    size_t n = a->len < cap - 1 ? a->len : cap - 1;
    memcpy(buf, a->ptr, n);
    buf[n] = '\0';
    return buf;
}

/* DEBUG SLEEP <seconds>: block the whole server, decimals allowed. Like
 * Redis, a non-number sleeps 0 and a negative time does not sleep. */
/* DEBUG PROTOCOL <type>: one reply of each RESP type, as Redis's. */
static void debug_protocol(client *c) {
    const slice *t = &c->argv[2];
    if (arg_is(t, "string")) {
        reply_bulk_cstr(c, "Hello World");
    } else if (arg_is(t, "integer")) {
        reply_int(c, 12345);
    } else if (arg_is(t, "double")) {
        reply_double(c, 3.141);
    } else if (arg_is(t, "bignum")) {
        reply_big_number(c, "1234567999999999999999999999999999999", 37);
    } else if (arg_is(t, "null")) {
        reply_null(c);
    } else if (arg_is(t, "array") || arg_is(t, "set") || arg_is(t, "map")) {
        bool map = arg_is(t, "map");
        if (map) reply_map(c, 3);
        else if (arg_is(t, "set")) reply_set(c, 3);
        else reply_array(c, 3);
        for (int j = 0; j < 3; j++) {
            reply_int(c, j);
            if (map) reply_bool(c, j == 1);
        }
    } else if (arg_is(t, "attrib")) {
        if (c->resp >= 3) {
            reply_raw(c, "|1\r\n", 4);
            reply_bulk_cstr(c, "key-popularity");
            reply_array(c, 2);
            reply_bulk_cstr(c, "key:123");
            reply_int(c, 90);
        }
        reply_bulk_cstr(c, "Some real reply following the attribute");
    } else if (arg_is(t, "push")) {
        reply_push(c, 2);
        reply_bulk_cstr(c, "server-cpu-usage");
        reply_int(c, 42);
        reply_bulk_cstr(c, "Some real reply following the push reply");
    } else if (arg_is(t, "true") || arg_is(t, "false")) {
        reply_bool(c, arg_is(t, "true"));
    } else if (arg_is(t, "verbatim")) {
        reply_verbatim(c, "This is a verbatim\nstring", 25, "txt");
    } else {
        reply_error(c, ERR_DEBUG_PROTOCOL);
    }
}

static void debug_sleep(client *c) {
    char buf[64];
    double secs = strtod(arg_cstr(&c->argv[2], buf, sizeof(buf)), NULL);
    long long us = (long long)(secs * 1000000);
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    /* The watchdog's SIGALRM interrupts the sleep: sleep the rest. */
    if (us > 0)
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        }
    reply_ok(c);
}

/* DEBUG ERROR <string>: the string as an error reply, raw, as Redis writes
 * it (no "ERR " added, newlines made spaces, not counted in errorstats). */
static void debug_error(client *c) {
    str *s = str_new("-", 1);
    s = str_cat(s, c->argv[2].ptr, c->argv[2].len);
    for (size_t i = 1; i < s->len; i++)
        if (s->buf[i] == '\r' || s->buf[i] == '\n') s->buf[i] = ' ';
    s = str_cat(s, "\r\n", 2);
    reply_raw(c, s->buf, s->len);
    str_free(s);
}

/* DEBUG POPULATE <count> [<prefix>] [<size>]: add string keys
 * "<prefix>:<n>" = "value:<n>" (zero-padded or cut to <size>), skipping
 * keys that exist. Not propagated, as in Redis. */
static void debug_populate(client *c) {
    static const char *range_err = ERR_NOT_POSITIVE;
    long long count, size = 0;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &count) || count < 0) {
        reply_error(c, range_err);
        return;
    }
    if (c->argc == 5 && (!util_str2ll(c->argv[4].ptr, c->argv[4].len, &size) || size < 0)) {
        reply_error(c, range_err);
        return;
    }
    /* A sizing hint only; bounded so a huge count cannot abort on OOM. */
    dict_expand(c->db->keys, (size_t)(count < (1 << 24) ? count : (1 << 24)));
    const char *prefix = c->argc == 3 ? "key" : c->argv[3].ptr;
    int plen = c->argc == 3 ? 3 : (int)(c->argv[3].len > 127 ? 127 : c->argv[3].len);
    char *val = size > 0 ? mem_calloc((size_t)size) : NULL;
    for (long long j = 0; j < count; j++) {
        char key[128], v[64];
        int klen = snprintf(key, sizeof(key), "%.*s:%lld", plen, prefix, j);
        if (klen >= (int)sizeof(key)) klen = sizeof(key) - 1; /* Redis cuts at 127 too */
        if (db_find_write(c->db, key, (size_t)klen) != NULL) continue;
        int vlen = snprintf(v, sizeof(v), "value:%lld", j);
        kv *e;
        if (size == 0) {
            e = kv_new_string_noint(key, (size_t)klen, v, (size_t)vlen);
        } else {
            memcpy(val, v, (size_t)(size < vlen ? size : vlen));
            e = kv_new_string_noint(key, (size_t)klen, val, (size_t)size);
        }
        db_add(c->db, e);
        db_signal_modified(c->db, key, (size_t)klen);
    }
    mem_free(val);
    reply_ok(c);
}

/* DEBUG QUICKLIST-PACKED-THRESHOLD <size>: list elements of at least this
 * size get a plain quicklist node of their own (0 restores 1 GB). */
static void debug_packed_threshold(client *c) {
    char buf[64];
    long long v;
    if (!config_parse_memory(arg_cstr(&c->argv[2], buf, sizeof(buf)), &v) || v < 0 ||
        !ql_set_packed_threshold((size_t)v)) {
        reply_error(c, ERR_DEBUG_MEMORY_VALUE);
        return;
    }
    reply_ok(c);
}

/* DEBUG LISTPACK key: the listpack of a listpack-encoded value, entry by
 * entry, on the server's standard output (as Redis's lpRepr). */
/* DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms> | RESIZING <0|1>. */
static void debug_replybuffer(client *c) {
    const slice *what = &c->argv[2], *v = &c->argv[3];
    if (arg_is(what, "peak-reset-time")) {
        long long ms;
        if (arg_is(v, "never")) ms = -1;
        else if (arg_is(v, "reset")) ms = CLIENT_TUNING_DEFAULT;
        else if (!arg_ll(c, v, &ms)) return;
        else if (ms < 0) ms = -1; /* any negative period: never */
        client_reply_buffer_tuning(ms, (int)CLIENT_TUNING_KEEP);
    } else if (arg_is(what, "resizing")) {
        char buf[32];
        client_reply_buffer_tuning(CLIENT_TUNING_KEEP, atoi(arg_cstr(v, buf, sizeof(buf))) != 0);
    } else {
        reply_error_subcommand(c, "DEBUG");
        return;
    }
    reply_ok(c);
}

static void debug_listpack(client *c) {
    kv *e = db_find_raw(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    if (e->enc != KV_ENC_LISTPACK) {
        reply_error(c, ERR_DEBUG_NOT_LISTPACK);
        return;
    }
    const unsigned char *lp = kv_ptr(e);
    printf("{total bytes %zu} {num entries %lu}\n", lp_bytes(lp), lp_len(lp));
    int index = 0;
    for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, p), index++) {
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        const unsigned char *v = lp_get(p, &len, NULL, buf);
        printf("{\n\taddr: %p,\n\tindex: %2d,\n\toffset: %zu,\n\tlen: %zu,\n\tvalue: %.*s\n}\n",
               (void *)p, index, (size_t)(p - lp), len, (int)(len > 40 ? 40 : len), v);
    }
    printf("{end}\n\n");
    fflush(stdout);
    reply_simple(c, "Listpack structure printed on stdout");
}

static void debug_help(client *c) {
    /* Redis's lines for the subcommands castor implements. */
    static const char *help[] = {
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
        "    In case NEVER is provided the last observed peak will never be reset",
        "    In case RESET is provided the peak reset time will be restored to the default value",
        "REPLYBUFFER RESIZING <0|1>",
        "    Enable or disable the reply buffer resize cron job",
        "REPLICATE <string>",
        "    Replicates the provided string to replicas, allowing data divergence.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "PANIC",
        "    Crash the server simulating a panic.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        NULL};
    reply_help(c, "DEBUG", help);
}

/* DEBUG <subcommand> [args]: see debug_help(). Subcommand names are
 * case-insensitive; a known name with the wrong argument count gets the same
 * error as an unknown one, as in Redis. */
static void cmd_debug(client *c) {
    const slice *sub = &c->argv[1];
    int argc = c->argc;
    if (argc == 2 && arg_is(sub, "help")) {
        debug_help(c);
    } else if (srv.loading &&
               (arg_is(sub, "reload") || arg_is(sub, "loadaof") || arg_is(sub, "populate"))) {
        /* Served while the data loads at start-up: replacing or adding
         * keys under the loader would break the load. */
        reply_error(c, ERR_LOADING);
    } else if (argc == 2 && arg_is(sub, "digest")) {
        unsigned char digest[DIGEST_LEN];
        dataset_digest(digest);
        reply_digest(c, digest);
    } else if (arg_is(sub, "digest-value")) {
        reply_array(c, argc - 2);
        for (int j = 2; j < argc; j++) {
            unsigned char digest[DIGEST_LEN] = {0};
            /* Raw lookup: a debug command sees logically expired keys too. */
            kv *e = db_find_raw(c->db, c->argv[j].ptr, c->argv[j].len);
            if (e) value_digest(digest, e);
            reply_digest(c, digest);
        }
    } else if (argc == 3 && arg_is(sub, "quicklist-packed-threshold")) {
        debug_packed_threshold(c);
    } else if (argc == 3 && arg_is(sub, "object")) {
        debug_object(c);
    } else if ((argc == 3 || argc == 4) && arg_is(sub, "htstats")) {
        debug_htstats(c);
    } else if ((argc == 3 || argc == 4) && arg_is(sub, "mallctl")) {
        memory_debug_mallctl(c, false);
    } else if ((argc == 3 || argc == 4) && arg_is(sub, "mallctl-str")) {
        memory_debug_mallctl(c, true);
    } else if (argc == 3 && arg_is(sub, "htstats-key")) {
        debug_htstats_key(c);
    } else if (argc == 3 && arg_is(sub, "sleep")) {
        debug_sleep(c);
    } else if (arg_is(sub, "reload")) {
        snapshot_debug_reload(c);
    } else if (argc == 2 && arg_is(sub, "loadaof")) {
        aof_debug_loadaof(c);
    } else if (argc == 3 && arg_is(sub, "protocol")) {
        debug_protocol(c);
    } else if (argc == 3 && arg_is(sub, "set-disable-deny-scripts")) {
        /* Tests: let scripts run the commands flagged noscript. */
        char buf[32];
        script_set_deny_disabled(atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) != 0);
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "set-active-expire")) {
        char buf[32];
        srv.active_expire_enabled = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) != 0;
        reply_ok(c);
    } else if (argc == 2 && arg_is(sub, "config-rewrite-force-all")) {
        /* Every directive written, defaults too: the suite restarts on it. */
        if (config_rewrite(true) == -1) reply_errorf(c, ERR_DEBUG_REWRITE_ALL, strerror(errno));
        else reply_ok(c);
    } else if (argc >= 3 && arg_is(sub, "replicate")) {
        /* Into the replication stream only (not the AOF), as Redis: tests
         * use it to send a replica what a master would never send. */
        repl_feed(-1, argc - 2, c->argv + 2);
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "pause-cron")) {
        char buf[32];
        srv.pause_cron = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) != 0;
        reply_ok(c);
    } else if (argc == 4 && arg_is(sub, "replybuffer")) {
        debug_replybuffer(c);
    } else if (argc == 3 && arg_is(sub, "set-skip-checksum-validation")) {
        char buf[32];
        srv.skip_checksum_validation = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) != 0;
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "error")) {
        debug_error(c);
    } else if (argc == 3 && arg_is(sub, "log")) {
        log_msg(LOG_WARNING, "DEBUG LOG: %.*s", (int)c->argv[2].len, c->argv[2].ptr);
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "listpack")) {
        debug_listpack(c);
    } else if (argc == 2 && arg_is(sub, "change-repl-id")) {
        repl_change_replid();
        log_msg(LOG_WARNING, "Changing replication IDs after receiving DEBUG change-repl-id");
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "aof-flush-sleep")) {
        char buf[32];
        aof_debug_set_flush_sleep(atoll(arg_cstr(&c->argv[2], buf, sizeof(buf))));
        reply_ok(c);
    } else if (argc == 3 && arg_is(sub, "dict-resizing")) {
        /* Redis 7.2's: 0 stops the keyspace tables from resizing. */
        char buf[32];
        srv.no_dict_resizing = atoi(arg_cstr(&c->argv[2], buf, sizeof(buf))) == 0;
        if (!child_active()) dict_set_resize_allowed(!srv.no_dict_resizing);
        reply_ok(c);
    } else if (argc == 2 && arg_is(sub, "segfault")) {
        /* A write to a read-only page: SIGSEGV, and crash.c's report. */
        char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *(volatile char *)p = 'x';
    } else if (argc == 2 && arg_is(sub, "panic")) {
        log_msg(LOG_WARNING, "------------------------------------------------");
        log_msg(LOG_WARNING, "!!! Software Failure. Press left mouse button to continue");
        log_msg(LOG_WARNING, "Guru Meditation: DEBUG PANIC called at Unix time %lld #%s:%d",
                (long long)time(NULL), __FILE__, __LINE__);
        abort(); /* the SIGABRT handler (crash.c) writes the report */
    } else if (argc >= 3 && argc <= 5 && arg_is(sub, "populate")) {
        debug_populate(c);
    } else if (argc == 3 && arg_is(sub, "drop-cluster-packet-filter")) {
        long long type;
        if (!arg_ll(c, &c->argv[2], &type)) return;
        cluster_debug_drop_packets((int)type);
        reply_ok(c);
    } else if (argc == 5 && arg_is(sub, "clusterlink") && arg_is(&c->argv[2], "kill")) {
        cluster_debug_kill_links(c);
    } else {
        reply_error_subcommand(c, "DEBUG");
    }
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command debug_commands[] = {
    {.name = "debug", .proc = cmd_debug, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PROTECTED,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
