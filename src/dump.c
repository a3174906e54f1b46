/* dump.c -- DUMP and RESTORE: one value as an RDB payload.
 *
 * A payload is the value's RDB type byte and encoding (rdb_types.c), then the RDB
 * version (2 bytes, little-endian) and a CRC64 of everything before it (8
 * bytes, little-endian), so a payload from redis-server 7.0 restores here
 * and the other way round. RESTORE checks the footer before it reads a
 * byte of the value, and any malformed value is "Bad data format", never a
 * crash. Its effect propagates as the command itself, deterministic once a
 * relative TTL is turned into an absolute one (… <abs ms> … ABSTTL), as
 * Redis 7.0 does; a key that arrives already expired propagates as a DEL
 * of the key it replaced, if any.
 * Spec: Redis 7.0 cluster.c (dumpCommand, restoreCommand, verifyDumpPayload).
 * SPDX-License-Identifier: BSD-3-Clause */

#include "dump.h"

#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "mem.h"
#include "propagate.h"
#include "rdb.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* DUMP key: the payload, or nil for a missing key. */
static void cmd_dump(client *c) {
    kv *e = db_find_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) {
        reply_null(c);
        return;
    }
    str *payload = rdb_dump_value(e);
    reply_bulk(c, payload->buf, payload->len);
    str_free(payload);
}

typedef struct restore_opts {
    bool replace, absttl;
    long long idle, freq; /* -1: not given */
} restore_opts;

/* Options after the payload, in Redis's order of checks: IDLETIME and FREQ
 * exclude each other (the second one is a syntax error). */
static bool parse_restore_opts(client *c, restore_opts *o) {
    *o = (restore_opts){false, false, -1, -1};
    for (int j = 4; j < c->argc; j++) {
        const slice *a = &c->argv[j];
        bool more = j + 1 < c->argc;
        if (arg_is(a, "replace")) {
            o->replace = true;
        } else if (arg_is(a, "absttl")) {
            o->absttl = true;
        } else if (arg_is(a, "idletime") && more && o->freq == -1) {
            if (!arg_ll(c, &c->argv[++j], &o->idle)) return false;
            if (o->idle < 0) {
                reply_error(c, ERR_RESTORE_IDLETIME);
                return false;
            }
        } else if (arg_is(a, "freq") && more && o->idle == -1) {
            if (!arg_ll(c, &c->argv[++j], &o->freq)) return false;
            if (o->freq < 0 || o->freq > 255) {
                reply_error(c, ERR_RESTORE_FREQ);
                return false;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* Propagate RESTORE with the TTL made absolute (and ABSTTL appended). */
static void propagate_absttl(client *c, long long when) {
    slice *argv = mem_alloc(sizeof(*argv) * (size_t)(c->argc + 1));
    memcpy(argv, c->argv, sizeof(*argv) * (size_t)c->argc);
    char buf[UTIL_LLSTR_SIZE];
    argv[2] = slice_of(buf, util_ll2str(buf, when));
    argv[c->argc] = slice_of("ABSTTL", 6);
    propagate(c->dbid, c->argc + 1, argv);
    mem_free(argv);
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] */
static void cmd_restore(client *c) {
    const slice *key = &c->argv[1], *payload = &c->argv[3];
    restore_opts o;
    if (!parse_restore_opts(c, &o)) return;
    if (!o.replace && db_find_write(c->db, key->ptr, key->len) != NULL) {
        reply_error(c, ERR_BUSYKEY);
        return;
    }
    long long ttl;
    if (!arg_ll(c, &c->argv[2], &ttl)) return;
    if (ttl < 0) {
        reply_error(c, ERR_RESTORE_TTL);
        return;
    }
    str *err = NULL;
    if (!rdb_verify_payload(payload->ptr, payload->len, &err)) {
        str_free(err);
        reply_error(c, ERR_BAD_PAYLOAD);
        return;
    }
    /* Redis validates deeply (and counts it) with sanitize-dump-payload yes,
     * or clients for a normal client; castor validates deeply always. */
    bool counted = cfg.sanitize_dump_payload == SANITIZE_DUMP_YES ||
                   (cfg.sanitize_dump_payload == SANITIZE_DUMP_CLIENTS && !srv.loading &&
                    !(c->flags & CLIENT_MASTER));
    kv *e = rdb_restore_value(key->ptr, key->len, payload->ptr, payload->len, counted, &err);
    if (e == NULL) {
        /* Redis reports a corrupt payload at warning level too. */
        log_msg(LOG_WARNING, "Internal error in RDB reading RESTORE payload -> %s",
                err ? err->buf : "bad payload");
        str_free(err);
        reply_error(c, ERR_BAD_FORMAT);
        return;
    }
    bool deleted = o.replace && db_delete(c->db, key->ptr, key->len);
    long long now = util_mstime();
    if (ttl && !o.absttl) ttl += now;
    /* A replica keeps what its master sends, whatever its own clock says. */
    if (ttl && ttl <= now && !srv.is_replica && !srv.loading) {
        kv_free(e);
        if (deleted) {
            propagate_del(c->dbid, key->ptr, key->len);
            db_key_changed(c->db, key, NOTIFY_GENERIC, "del", 1);
        }
        reply_ok(c);
        return;
    }
    db_add(c->db, e);
    if (ttl) e = db_set_expire(c->db, e, ttl);
    db_set_access(e, o.freq, o.idle);
    if (ttl && !o.absttl) propagate_absttl(c, ttl);
    else propagate(c->dbid, c->argc, c->argv);
    db_key_changed(c->db, key, NOTIFY_GENERIC, "restore", 1);
    reply_ok(c);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command dump_commands[] = {
    {.name = "dump", .proc = cmd_dump, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "restore", .proc = cmd_restore, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .keys = {1, 1, 1}},
    /* What a cluster's MIGRATE sends its target: RESTORE, admitted in an
     * importing slot without ASKING. */
    {.name = "restore-asking", .proc = cmd_restore, .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_ASKING,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
