/* script.c -- EVAL, EVALSHA, SCRIPT, and what scripts and functions share:
 * the run of the script executing now.
 *
 * A run begins with Redis 7.0's checks of the script's flags against the
 * server's state (a read-only replica, OOM, stale data, disk errors, *_RO)
 * and wraps everything the script propagates in one block, so replicas and
 * the AOF apply its effects atomically (never the EVAL itself). The
 * script's commands run as one fake client, looked up, checked as Redis's
 * scriptCall does and called through the core (script_call).
 * A run that passes busy-reply-threshold is "timed out": from the engine's
 * hook other clients are served between Lua instructions (client.c's
 * client_serve_while_busy), answered -BUSY except the commands flagged
 * allow_busy (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN NOSAVE...); our
 * master's stream is held until the run ends.
 * The cache maps a script's SHA1 to its compiled function and flags; SCRIPT
 * FLUSH replaces the Lua state, as Redis does.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "script.h"

#include <ctype.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aof.h"
#include "acl.h"
#include "arg.h"
#include "cluster.h"
#include "cmdtable.h"
#include "config.h"
#include "dict.h"
#include "errors.h"
#include "evict.h"
#include "function.h"
#include "ldb.h"
#include "log.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "repl.h"
#include "script_lua.h"
#include "server.h"
#include "snapshot.h"
#include "util.h"

/* ---- Flags ---- */

static const struct {
    const char *name;
    unsigned flag;
} flag_names[] = {
    {"no-writes", SCRIPT_FLAG_NO_WRITES},
    {"allow-oom", SCRIPT_FLAG_ALLOW_OOM},
    {"allow-stale", SCRIPT_FLAG_ALLOW_STALE},
    {"no-cluster", SCRIPT_FLAG_NO_CLUSTER},
    {"allow-cross-slot-keys", SCRIPT_FLAG_ALLOW_CROSS_SLOT},
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static unsigned flag_from(const char *name, size_t len, bool nocase) {
    for (size_t i = 0; i < NFLAGS; i++) {
        if (strlen(flag_names[i].name) != len) continue;
        if (nocase ? util_strcaseeq(name, len, flag_names[i].name)
                   : memcmp(name, flag_names[i].name, len) == 0)
            return flag_names[i].flag;
    }
    return 0;
}

unsigned script_flag_from_name(const char *name, size_t len) { return flag_from(name, len, true); }

void script_reply_flags(client *c, unsigned flags) {
    int n = 0;
    for (size_t i = 0; i < NFLAGS; i++) n += (flags & flag_names[i].flag) != 0;
    reply_set(c, n);
    for (size_t i = 0; i < NFLAGS; i++)
        if (flags & flag_names[i].flag) reply_simple(c, flag_names[i].name);
}

/* The words of a shebang line, split on spaces (and \r, \t, as Redis's
 * sdssplitargs); at most 'cap'. */
static int split_words(const char *p, size_t len, slice *words, int cap) {
    int n = 0;
    size_t i = 0;
    while (i < len && n < cap) {
        while (i < len && isspace((unsigned char)p[i])) i++;
        if (i == len) break;
        size_t start = i;
        while (i < len && !isspace((unsigned char)p[i])) i++;
        words[n++] = slice_of(p + start, i - start);
    }
    return n;
}

/* EVAL's "#!lua [flags=a,b]": returns the shebang's length, 0 without one
 * (old rules), -1 with *err set. */
static long eval_shebang(const char *body, size_t len, unsigned *flags, str **err) {
    *flags = SCRIPT_FLAG_EVAL_COMPAT;
    if (len < 2 || body[0] != '#' || body[1] != '!') return 0;
    const char *nl = memchr(body, '\n', len);
    if (nl == NULL) {
        *err = str_from(ERR_SHEBANG);
        return -1;
    }
    slice words[64];
    int n = split_words(body, (size_t)(nl - body), words, 64);
    if (n == 0 || words[0].len != 5 || memcmp(words[0].ptr, "#!lua", 5) != 0) {
        *err = str_fmt(ERR_SHEBANG_ENGINE, n ? (int)words[0].len : 2, n ? words[0].ptr : "#!");
        return -1;
    }
    unsigned f = 0;
    for (int i = 1; i < n; i++) {
        if (words[i].len < 6 || memcmp(words[i].ptr, "flags=", 6) != 0) {
            *err = str_fmt(ERR_SHEBANG_OPTION, (int)words[i].len, words[i].ptr);
            return -1;
        }
        const char *p = words[i].ptr + 6, *end = words[i].ptr + words[i].len;
        while (p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma ? comma : end;
            unsigned one = flag_from(p, (size_t)(stop - p), false);
            if (one == 0) {
                *err = str_fmt(ERR_SHEBANG_FLAG, (int)(stop - p), p);
                return -1;
            }
            f |= one;
            p = comma ? comma + 1 : end;
            if (comma && p == end) { /* "a," ends with an empty flag */
                *err = str_from(ERR_SHEBANG_FLAG_EMPTY);
                return -1;
            }
        }
    }
    *flags = f;
    return nl - body + 1;
}

/* ---- Runs ---- */

static script_run the_run;
static script_run *current;
static client *script_client;
static bool held_input; /* our master's stream was held while busy */

script_run *script_current(void) { return current; }

static bool caller_is_master_or_aof(const client *c) { return client_must_obey(c); }

/* Redis's "running stale": a replica whose link is down, not serving stale data. */
static bool running_stale(void) { return repl_is_stale(); }

/* The first error of the server's state for a script with these flags. */
static const char *refuse_run(client *caller, unsigned sf, bool ro, char *buf, size_t cap) {
    if (sf & SCRIPT_FLAG_EVAL_COMPAT) return running_stale() ? ERR_MASTERDOWN : NULL;
    if ((sf & SCRIPT_FLAG_NO_CLUSTER) && cfg.cluster_enabled) return ERR_SCRIPT_NO_CLUSTER;
    if (!(sf & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) && cfg.maxmemory &&
        evict_over_limit())
        return ERR_SCRIPT_OOM;
    if (running_stale() && !(sf & SCRIPT_FLAG_ALLOW_STALE)) return ERR_SCRIPT_MASTERDOWN;
    if (sf & SCRIPT_FLAG_NO_WRITES) return NULL;
    if (srv.is_replica && cfg.replica_read_only && !caller_is_master_or_aof(caller))
        return ERR_SCRIPT_WRITE_REPLICA;
    if (!srv.is_replica) {
        if (snapshot_write_error()) return ERR_SCRIPT_MISCONF_RDB;
        const char *aof_err = aof_write_error();
        if (aof_err) {
            snprintf(buf, cap, ERR_SCRIPT_MISCONF_AOF, aof_err);
            return buf;
        }
    }
    if (ro) return ERR_SCRIPT_WRITE_RO;
    return NULL;
}

script_run *script_run_begin(client *caller, const char *name, unsigned sf, bool ro, bool eval) {
    char buf[512];
    const char *err = refuse_run(caller, sf, ro, buf, sizeof(buf));
    if (err) {
        reply_error(caller, err);
        return NULL;
    }
    ASSERT(current == NULL);
    script_run *r = &the_run;
    *r = (script_run){.caller = caller,
                      .fc = script_client,
                      .name = name,
                      .repl = PROPAGATE_AOF | PROPAGATE_REPL,
                      .start_us = (long long)util_monotonic_us()};
    if (eval) r->flags |= RUN_EVAL;
    bool compat = sf & SCRIPT_FLAG_EVAL_COMPAT;
    if (ro || (!compat && (sf & SCRIPT_FLAG_NO_WRITES))) r->flags |= RUN_READONLY;
    if (!compat && (sf & SCRIPT_FLAG_ALLOW_OOM)) r->flags |= RUN_ALLOW_OOM;
    if (compat || (sf & SCRIPT_FLAG_ALLOW_CROSS_SLOT)) r->flags |= RUN_ALLOW_CROSS_SLOT;
    r->slot = cfg.cluster_enabled ? cluster_request_slot(caller) : -1;
    client *fc = script_client;
    fc->dbid = caller->dbid;
    fc->db = caller->db;
    fc->resp = 2;
    current = r;
    return r;
}

void script_run_end(script_run *r) {
    ASSERT(r == current);
    if (r->flags & RUN_TIMEDOUT) {
        srv.busy_script = 0;
        client_resume_reads(r->caller);
    }
    current = NULL;
}

/* Our master's requests that arrived while busy run once this loop turn
 * ends (not from inside the EVAL that held them). */
void script_before_sleep(void) {
    if (!held_input) return;
    held_input = false;
    client_unpause_all();
}

/* Serve what arrived for other clients while the script is busy. */
static void serve_while_busy(void) { client_serve_while_busy(current ? current->caller : NULL); }

bool script_interrupt(script_run *r) {
    if (r->flags & RUN_TIMEDOUT) {
        serve_while_busy();
        return r->flags & RUN_KILLED;
    }
    long long elapsed = ((long long)util_monotonic_us() - r->start_us) / 1000;
    if (elapsed < cfg.busy_reply_threshold) return false;
    log_msg(
        LOG_WARNING,
        "Slow script detected: still in execution after %lld milliseconds. You can try killing the script using the %s command.",
        elapsed, (r->flags & RUN_EVAL) ? "SCRIPT KILL" : "FUNCTION KILL");
    r->flags |= RUN_TIMEDOUT;
    srv.busy_script = (r->flags & RUN_EVAL) ? 1 : 2;
    /* The caller's further requests wait: reading them now would run them
     * inside its own EVAL. */
    client_pause_reads(r->caller);
    serve_while_busy();
    return r->flags & RUN_KILLED;
}

const char *script_busy_error(void) {
    return srv.busy_script == 1 ? ERR_BUSY_EVAL : ERR_BUSY_FUNCTION;
}

void script_hold_input(void) { held_input = true; }

void script_kill(client *c, bool eval) {
    script_run *r = current;
    if (r == NULL) {
        reply_error(c, ERR_NOTBUSY);
        return;
    }
    if (r->caller->flags & CLIENT_MASTER) {
        reply_error(c, ERR_UNKILLABLE_MASTER);
        return;
    }
    if (r->flags & RUN_WRITE_DIRTY) {
        reply_error(c, ERR_UNKILLABLE_WRITES);
        return;
    }
    if (eval && !(r->flags & RUN_EVAL)) {
        reply_error(c, ERR_BUSY_FUNCTION);
        return;
    }
    if (!eval && (r->flags & RUN_EVAL)) {
        reply_error(c, ERR_BUSY_EVAL);
        return;
    }
    r->flags |= RUN_KILLED;
    reply_ok(c);
}

/* ---- Commands from scripts ---- */

static bool deny_disabled;
void script_set_deny_disabled(bool on) { deny_disabled = on; }

static const char *refuse_stale(const command *cmd) {
    if (!running_stale() || (cmd->flags & CMD_STALE)) return NULL;
    return ERR_SCRIPT_STALE;
}

/* Writes: a read-only script or replica, too few replicas, disk errors
 * (buf holds a built text). */
static const char *refuse_write(const script_run *r, const command *cmd, char *buf, size_t cap) {
    /* A read-only script may not PUBLISH either (may_replicate counts as a
     * write), so it can run under CLIENT PAUSE WRITE. */
    if ((r->flags & RUN_READONLY) && (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)))
        return ERR_SCRIPT_WRITE_FROM_RO;
    if (!(cmd->flags & CMD_WRITE)) return NULL;
    if (srv.is_replica && cfg.replica_read_only && !caller_is_master_or_aof(r->caller))
        return ERR_READONLY;
    /* Once the script wrote it must finish: replicas lost meanwhile don't stop it. */
    if (!(r->flags & RUN_WRITE_DIRTY) && !caller_is_master_or_aof(r->caller) &&
        repl_too_few_replicas())
        return ERR_NOREPLICAS;
    if (snapshot_write_error()) return ERR_MISCONF;
    const char *aof_err = aof_write_error();
    if (aof_err) {
        snprintf(buf, cap, ERR_MISCONF_AOF, aof_err);
        return buf;
    }
    return NULL;
}

/* OOM, before the script's first write. */
static const char *refuse_oom(const script_run *r, const command *cmd) {
    if (r->flags & (RUN_ALLOW_OOM | RUN_WRITE_DIRTY)) return NULL;
    if (!cfg.maxmemory || srv.is_replica || caller_is_master_or_aof(r->caller)) return NULL;
    if (!(cmd->flags & CMD_DENYOOM) || !evict_over_limit()) return NULL;
    return ERR_OOM;
}

/* Redis's scriptCall, in its order: the command and its arity, the
 * noscript flag, stale data, then (ACL goes here) the script's own rules
 * for writes and memory, then the call. The caller's state checks (auth,
 * MULTI, pause, -BUSY) were made for the EVAL itself. A refusal counts as
 * the command's rejection, not as the script's failure. */
static const char *call_from_script(script_run *r, client *fc) {
    command *cmd = cmdtable_lookup(fc);
    fc->cmd = cmd;
    if (cmd == NULL) {
        cmdtable_reject(fc, NULL, ERR_SCRIPT_UNKNOWN_COMMAND);
        return ERR_SCRIPT_UNKNOWN_COMMAND;
    }
    if (!cmdtable_arity_ok(cmd, fc->argc) || (cmd->subcmds && !cmd->proc)) {
        cmdtable_reject(fc, cmd, ERR_SCRIPT_ARITY);
        return ERR_SCRIPT_ARITY;
    }
    fc->lastcmd = cmd;
    char buf[256];
    const char *err = NULL;
    if ((cmd->flags & CMD_NOSCRIPT) && !deny_disabled) err = ERR_SCRIPT_NOSCRIPT_COMMAND;
    if (err == NULL) err = refuse_stale(cmd);
    if (err == NULL) err = acl_admit_script(fc, r->caller, cmd);
    if (err == NULL) err = refuse_write(r, cmd, buf, sizeof(buf));
    if (err == NULL) err = refuse_oom(r, cmd);
    if (err == NULL && cfg.cluster_enabled)
        err = cluster_script_check(r->caller, fc, cmd, r->flags & RUN_ALLOW_CROSS_SLOT, &r->slot,
                                   buf, sizeof(buf));
    if (err) {
        cmdtable_reject(fc, cmd, err);
        /* The text outlives buf: the caller only logs it (ldb.c). */
        static char refused[sizeof(buf)];
        size_t len = strnlen(err, sizeof(refused) - 1);
        memcpy(refused, err, len);
        refused[len] = '\0';
        return refused;
    }
    if (cmd->flags & CMD_WRITE) r->flags |= RUN_WRITE_DIRTY; /* now unkillable */
    cmdtable_call(fc);
    return NULL;
}

command *script_acl_check(script_run *r, bool *ok) {
    command *cmd = cmdtable_lookup(r->fc);
    *ok = cmd && acl_may_run(r->caller, cmd, r->fc->argc, r->fc->argv);
    return cmd;
}

const char *script_call(script_run *r) {
    propagate_set_targets(r->repl);
    /* The script's commands act as its caller's user (SORT asks fc). */
    r->fc->user = r->caller->user;
    const char *refused = call_from_script(r, r->fc);
    r->fc->user = NULL; /* the user may be deleted once the script ends */
    propagate_set_targets(PROPAGATE_AOF | PROPAGATE_REPL);
    return refused;
}

/* The command flags EVAL, EVALSHA or FCALL stand for with this request:
 * a script with a shebang (a function) declares whether it writes, may
 * run out of memory or on stale data, as Redis's scriptFlagsToCmdFlags. */
uint32_t script_flags_to_cmd_flags(uint32_t cmd_flags, unsigned sf) {
    cmd_flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(sf & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) cmd_flags |= CMD_DENYOOM;
    if (!(sf & SCRIPT_FLAG_NO_WRITES)) cmd_flags |= CMD_WRITE;
    if (sf & SCRIPT_FLAG_ALLOW_STALE) cmd_flags |= CMD_STALE;
    return cmd_flags;
}

/* ---- The script cache ---- */

typedef struct script_entry {
    dict_link link;
    char sha[41];
    unsigned flags;
    int ref; /* the compiled function in the Lua registry */
    str *body;
} script_entry;

static const char *entry_key(const void *e, size_t *len) {
    *len = 40;
    return ((const script_entry *)e)->sha;
}

static void entry_free(void *p) {
    script_entry *e = p;
    str_free(e->body);
    mem_free(e);
}

/* Keys are SHA1s in hex: their first 16 digits are already random, so
 * mixing the two words they fill (case folded) is hash enough, and much
 * cheaper than hashing 40 bytes again. */
static uint64_t sha_hash(const char *key, size_t len) {
    char b[16] = {0};
    memcpy(b, key, len < 16 ? len : 16);
    uint64_t w0, w1;
    memcpy(&w0, b, 8);
    memcpy(&w1, b + 8, 8);
    uint64_t h = (util_fold_ascii64(w0) ^ util_fold_ascii64(w1) * 0xff51afd7ed558ccdULL) *
                 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32); /* the table takes the low bits */
}

static const dict_type cache_type = {
    .hash = sha_hash, .key_of = entry_key, .free_entry = entry_free};

static lua_State *lua;
static dict *cache;
static size_t cache_bytes;
/* The entry the admission found for a request's script (its flags), kept
 * for the command itself so EVAL hashes its body once. Checked against
 * the argument before use; cleared with the cache. */
static struct {
    const char *arg;
    size_t len;
    script_entry *e;
} memo;

void script_init(void) {
    lua = scriptl_open(SCRIPTL_EVAL);
    cache = dict_new(&cache_type);
    script_client = client_new(-1, false);
    script_client->flags |= CLIENT_FAKE | CLIENT_SCRIPT;
    /* Redis 7.0 makes a second client at start, its function engine's:
     * skip its id, so that the first connection is CLIENT ID 3 there too. */
    srv.next_client_id++;
    snprintf(script_client->addr, sizeof(script_client->addr), "lua");
}

size_t script_memory_lua(void) { return scriptl_memory(lua); }
size_t script_cache_count(void) { return dict_len(cache); }
size_t script_cache_bytes(void) { return cache_bytes; }

static void sha1_hex(const char *p, size_t len, char out[41]) {
    unsigned char hash[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)p, len, hash);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[hash[i] >> 4];
        out[2 * i + 1] = hex[hash[i] & 15];
    }
    out[40] = '\0';
}

/* The entry EVAL found by its body last: a client sending one body over
 * and over finds it with one compare of the body, not its SHA1 (OpenSSL's
 * digest of a 1 KB body is ~14,000 instructions). Cleared with the cache,
 * which is the only place entries are freed. */
static script_entry *last_body;

/* The cached script with this body, or NULL (nothing compiled): then sha
 * holds the body's SHA1. */
static script_entry *cache_find_body(const char *body, size_t len, char sha[41]) {
    if (last_body && last_body->body->len == len && memcmp(last_body->body->buf, body, len) == 0)
        return last_body;
    sha1_hex(body, len, sha);
    script_entry *e = dict_find(cache, sha, 40);
    if (e) last_body = e;
    return e;
}

/* The cached script with this body, compiled and added if new; NULL after
 * replying the error to c. */
static script_entry *cache_add(client *c, const char *body, size_t len) {
    char sha[41];
    script_entry *e = cache_find_body(body, len, sha);
    if (e) return e;
    unsigned flags;
    str *err = NULL;
    if (eval_shebang(body, len, &flags, &err) < 0) {
        reply_error(c, err->buf);
        str_free(err);
        return NULL;
    }
    int ref = scriptl_compile(lua, "@user_script", body, len, &err);
    if (ref < 0) {
        reply_errorf(c, ERR_SCRIPT_COMPILE, err->buf);
        str_free(err);
        return NULL;
    }
    e = mem_calloc(sizeof(*e));
    memcpy(e->sha, sha, 41);
    e->flags = flags;
    e->ref = ref;
    e->body = str_new(body, len);
    dict_add(cache, e);
    cache_bytes += sizeof(*e) + str_alloc_size(e->body);
    return e;
}

/* The entry cache_find_sha found last: a client calling one script over
 * and over finds it with one compare. Cleared with the cache. */
static script_entry *last_found;

static script_entry *cache_find_sha(const slice *sha) {
    if (sha->len != 40) return NULL;
    if (last_found && memcmp(last_found->sha, sha->ptr, 40) == 0) return last_found;
    /* Clients send the lowercase digits SCRIPT LOAD gave them. */
    script_entry *e = dict_find(cache, sha->ptr, 40);
    if (e == NULL) {
        char lower[40];
        for (int i = 0; i < 40; i++) lower[i] = (char)tolower((unsigned char)sha->ptr[i]);
        e = dict_find(cache, lower, 40);
    }
    if (e) last_found = e;
    return e;
}

/* ---- EVAL and EVALSHA ---- */

/* EVAL's numkeys: argv[2] within [0, argc - 3]; false after replying. */
static bool eval_numkeys(client *c, long long *numkeys) {
    if (!arg_ll(c, &c->argv[2], numkeys)) return false;
    if (*numkeys > c->argc - 3) {
        reply_error(c, ERR_NUMKEYS_TOO_MANY);
        return false;
    }
    if (*numkeys < 0) {
        reply_error(c, ERR_NUMKEYS_NEG);
        return false;
    }
    return true;
}

/* The memo's entry if it was found for this very argument. */
static script_entry *memo_take(const slice *arg, bool by_sha) {
    script_entry *e = memo.e;
    memo.e = NULL;
    if (e == NULL || memo.arg != arg->ptr || memo.len != arg->len) return NULL;
    if (by_sha)
        return memcmp(e->sha, arg->ptr, 40) == 0 || strncasecmp(e->sha, arg->ptr, 40) == 0 ? e
                                                                                           : NULL;
    return e->body->len == arg->len && memcmp(e->body->buf, arg->ptr, arg->len) == 0 ? e : NULL;
}

static void eval_generic(client *c, bool by_sha, bool ro) {
    /* Redis's EVALSHA: no SHA1 is other than 40 characters, so -NOSCRIPT
     * comes before numkeys is read. */
    if (by_sha && c->argv[1].len != 40) {
        reply_error(c, ERR_NOSCRIPT);
        return;
    }
    long long numkeys;
    if (!eval_numkeys(c, &numkeys)) return;
    script_entry *e = memo_take(&c->argv[1], by_sha);
    if (e) {
        /* found by the admission (script_cmd_flags) */
    } else if (by_sha) {
        e = cache_find_sha(&c->argv[1]);
        if (e == NULL) {
            reply_error(c, ERR_NOSCRIPT);
            return;
        }
    } else {
        e = cache_add(c, c->argv[1].ptr, c->argv[1].len);
        if (e == NULL) return;
    }
    /* The entry may go (SCRIPT FLUSH from... nowhere: it is noscript and
     * refused while busy), so its fields are used directly. */
    script_run *r = script_run_begin(c, e->sha, e->flags, ro, true);
    if (r == NULL) return;
    int nargs = c->argc - 3 - (int)numkeys;
    scriptl_call(lua, e->ref, r, (int)numkeys, c->argv + 3, nargs, c->argv + 3 + numkeys);
    script_run_end(r);
}

/* A client in debug mode (SCRIPT DEBUG YES|SYNC) has its EVAL run in the
 * debugger; EVALSHA is refused. Only a client of its own (not our master,
 * nor the AOF) debugs. */
static bool debugging(const client *c) {
    return (c->flags & CLIENT_LUA_DEBUG) && c->fd != -1 && !(c->flags & CLIENT_MASTER);
}

static void eval_maybe_debugging(client *c, bool ro) {
    if (!debugging(c)) {
        eval_generic(c, false, ro);
        return;
    }
    if (!ldb_session_begin(c)) {
        c->flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
        return;
    }
    eval_generic(c, false, ro);
    ldb_session_end(c);
}

static void evalsha_maybe_debugging(client *c, bool ro) {
    if (debugging(c) && c->argv[1].len == 40) {
        reply_error(c, ERR_SCRIPT_DEBUG_EVALSHA);
        return;
    }
    eval_generic(c, true, ro);
}

static void cmd_eval(client *c) { eval_maybe_debugging(c, false); }
static void cmd_evalsha(client *c) { evalsha_maybe_debugging(c, false); }
static void cmd_eval_ro(client *c) { eval_maybe_debugging(c, true); }
static void cmd_evalsha_ro(client *c) { evalsha_maybe_debugging(c, true); }

/* The flags EVAL/EVALSHA stand for (the admission asks before running). */
static uint32_t eval_cmd_flags(client *c, uint32_t cmd_flags) {
    script_entry *e;
    if (c->argc < 2) return cmd_flags;
    const char *name = c->cmd->name;
    unsigned sf;
    if (name[4] == 's') { /* evalsha, evalsha_ro */
        e = cache_find_sha(&c->argv[1]);
        if (e == NULL) return cmd_flags;
        sf = e->flags;
    } else {
        char sha[41];
        e = cache_find_body(c->argv[1].ptr, c->argv[1].len, sha);
        if (e) {
            sf = e->flags;
        } else {
            /* Not compiled yet: its shebang says (a bad one fails later). */
            str *err = NULL;
            if (eval_shebang(c->argv[1].ptr, c->argv[1].len, &sf, &err) < 0) {
                str_free(err);
                return cmd_flags;
            }
        }
    }
    if (e) memo.arg = c->argv[1].ptr, memo.len = c->argv[1].len, memo.e = e;
    if (sf & SCRIPT_FLAG_EVAL_COMPAT) return cmd_flags;
    return script_flags_to_cmd_flags(cmd_flags, sf);
}

uint32_t script_cmd_flags(client *c, uint32_t cmd_flags) {
    if (c->cmd->name[0] == 'f') return function_cmd_flags(c, cmd_flags); /* FCALL, FCALL_RO */
    return eval_cmd_flags(c, cmd_flags);
}

/* EVAL's keys: numkeys at argv[2], read by atoi() as Redis's evalGetKeys
 * (its key spec reads it strictly first). */
int script_eval_getkeys(int argc, slice *argv, int *keys, int cap) {
    return cmdtable_numkeys_from(argc, argv, 2, 0, keys, 0, cap);
}

/* ---- SCRIPT ---- */

static void cmd_script_kill(client *c) { script_kill(c, true); }

static void cmd_script_exists(client *c) {
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_int(c, cache_find_sha(&c->argv[i]) != NULL);
}

static void flush_cache(void) {
    memo.e = NULL;
    last_found = NULL;
    last_body = NULL;
    dict_free(cache);
    cache = dict_new(&cache_type);
    cache_bytes = 0;
    scriptl_close(lua);
    lua = scriptl_open(SCRIPTL_EVAL);
}

static void cmd_script_flush(client *c) {
    if (c->argc > 3 ||
        (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async"))) {
        reply_error(c, ERR_SCRIPT_FLUSH_OPTION);
        return;
    }
    flush_cache();
    reply_ok(c);
}

static void cmd_script_load(client *c) {
    script_entry *e = cache_add(c, c->argv[2].ptr, c->argv[2].len);
    if (e) reply_bulk(c, e->sha, 40);
}

/* The debug mode of the client's next EVAL (ldb.c). */
static void cmd_script_debug(client *c) {
    if (reply_pending(c) > 0) {
        reply_error(c, ERR_SCRIPT_DEBUG_PIPELINE);
        return;
    }
    uint32_t mode;
    if (arg_is(&c->argv[2], "no")) mode = 0;
    else if (arg_is(&c->argv[2], "yes")) mode = CLIENT_LUA_DEBUG;
    else if (arg_is(&c->argv[2], "sync")) mode = CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC;
    else {
        reply_error(c, ERR_SCRIPT_DEBUG_OPTION);
        return;
    }
    c->flags = (c->flags & ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC)) | mode;
    reply_ok(c);
}

static void cmd_script_help(client *c) {
    static const char *help[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    reply_help(c, "SCRIPT", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command script_subcommands[] = {
    {.name = "kill", .proc = cmd_script_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "exists", .proc = cmd_script_exists, .arity = -3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "flush", .proc = cmd_script_flush, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "load", .proc = cmd_script_load, .arity = 3, .flags = CMD_NOSCRIPT | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "debug", .proc = cmd_script_debug, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "help", .proc = cmd_script_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = NULL}};

command script_commands[] = {
    {.name = "eval", .proc = cmd_eval, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_MAY_REPLICATE, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "evalsha", .proc = cmd_evalsha, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_MAY_REPLICATE, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "eval_ro", .proc = cmd_eval_ro, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_READONLY, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "evalsha_ro", .proc = cmd_evalsha_ro, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_READONLY, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "script", .arity = -2, .acl = ACL_SLOW, .subcmds = script_subcommands},
    {.name = NULL}};
/* clang-format on */
