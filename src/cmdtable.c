/* cmdtable.c -- the command tables, lookup, the dispatcher and call().
 *
 * Each family's table is registered here at start-up (server.c); lookup is
 * a small open-addressing index over every registered command, built then,
 * case-insensitive, so finding "get" costs one hash and one compare.
 * Checks run in Redis 7.0's order: existence, arity, auth, then state.
 * Not here: COMMAND and its introspection (cmdinfo.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "cmdtable.h"

#include <ctype.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "seam.h"
#include "server.h"
#include "util.h"

/* ---- Tables and lookup ---- */

#define MAX_TABLES 64
static command *tables[MAX_TABLES]; /* registered, in order */
static int ntables;

#define INDEX_SIZE 1024 /* power of two, well above the command count */
/* Name -> command. The name is the command's own, or the one rename-command
 * gave it (owned by the index then). */
static struct index_entry {
    const char *name;
    command *cmd;
    uint64_t w[2]; /* name_words(name) */
    size_t len;
} index_slots[INDEX_SIZE];
static int ncommands;

/* ASCII lowercase, as tolower() in the "C" locale castor runs in. */
static inline uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

static bool name_eq(const char *p, size_t len, const char *name) {
    size_t i = 0;
    for (; i < len; i++) {
        if (name[i] == '\0' || fold((uint8_t)p[i]) != (uint8_t)name[i]) return false;
    }
    return name[i] == '\0';
}

/* A name's first 16 bytes, lowercased and zero-padded, as two words: with
 * the length they tell names of up to 16 bytes (all but a few) apart, and
 * they hash any name. Every request's name goes through here, so no byte
 * loop and no libc tolower(). */
static inline uint64_t load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t load32(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void name_words(const char *p, size_t len, uint64_t w[2]) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The same words as the copy below, by loads that stay inside the
     * name (overlapping ones for lengths that are not 4, 8 or 16): no
     * call to memcpy with a variable length. */
    if (len >= 16) {
        w[0] = load64(p);
        w[1] = load64(p + 8);
    } else if (len >= 8) {
        w[0] = load64(p);
        w[1] = len == 8 ? 0 : load64(p + len - 8) >> (8 * (16 - len));
    } else if (len >= 4) {
        w[0] = load32(p) | (uint64_t)load32(p + len - 4) << (8 * (len - 4));
        w[1] = 0;
    } else {
        w[0] = len == 0
                   ? 0
                   : (uint64_t)(uint8_t)p[0] | (uint64_t)(uint8_t)p[len / 2] << (8 * (len / 2)) |
                         (uint64_t)(uint8_t)p[len - 1] << (8 * (len - 1));
        w[1] = 0;
    }
#else
    char b[16] = {0};
    memcpy(b, p, len < 16 ? len : 16);
    memcpy(&w[0], b, 8);
    memcpy(&w[1], b + 8, 8);
#endif
    w[0] = util_fold_ascii64(w[0]);
    w[1] = util_fold_ascii64(w[1]);
}

static inline size_t index_slot(const uint64_t w[2], size_t len) {
    uint64_t h = (w[0] ^ (w[1] * 0xff51afd7ed558ccdULL) ^ len) * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 54) & (INDEX_SIZE - 1);
}

static void index_add(const char *name, command *cmd) {
    struct index_entry e = {.name = name, .cmd = cmd, .len = strlen(name)};
    name_words(name, e.len, e.w);
    size_t i = index_slot(e.w, e.len);
    while (index_slots[i].cmd) i = (i + 1) & (INDEX_SIZE - 1);
    index_slots[i] = e;
}

static struct index_entry *index_find(const char *name, size_t len) {
    uint64_t w[2];
    name_words(name, len, w);
    size_t i = index_slot(w, len);
    while (index_slots[i].cmd) {
        const struct index_entry *e = &index_slots[i];
        if (e->len == len && e->w[0] == w[0] && e->w[1] == w[1] &&
            (len <= 16 || name_eq(name, len, e->name)))
            return &index_slots[i];
        i = (i + 1) & (INDEX_SIZE - 1);
    }
    return NULL;
}

command *cmdtable_find(const char *name, size_t len) {
    struct index_entry *e = index_find(name, len);
    return e ? e->cmd : NULL;
}

/* rename-command: the command answers to 'to' instead (to "" removes it).
 * The table's own name stays for COMMAND INFO, as in Redis. The index is
 * rebuilt without the old name, which keeps its probe chains whole. */
int cmdtable_rename(const char *from, size_t flen, const char *to, size_t tlen) {
    struct index_entry *e = index_find(from, flen);
    if (e == NULL) return -1;
    if (tlen && index_find(to, tlen)) return -2;
    command *cmd = e->cmd;
    const char *old = e->name;
    size_t skip = (size_t)(e - index_slots);
    static struct index_entry saved[INDEX_SIZE];
    memcpy(saved, index_slots, sizeof(saved));
    memset(index_slots, 0, sizeof(index_slots));
    for (size_t i = 0; i < INDEX_SIZE; i++)
        if (saved[i].cmd && i != skip) index_add(saved[i].name, saved[i].cmd);
    if (old != cmd->name) mem_free((char *)old);
    if (tlen) {
        char *name = mem_alloc(tlen + 1);
        for (size_t i = 0; i < tlen; i++) name[i] = (char)tolower((unsigned char)to[i]);
        name[tlen] = '\0';
        index_add(name, cmd);
    }
    return 0;
}

command *cmdtable_find_sub(command *parent, const char *name, size_t len) {
    for (command *s = parent->subcmds; s && s->name; s++)
        if (name_eq(name, len, s->name)) return s;
    return NULL;
}

void cmdtable_register(command *table) {
    ASSERT(ntables < MAX_TABLES);
    tables[ntables++] = table;
    for (command *cmd = table; cmd->name; cmd++) {
        /* Two families claiming one name is a bug of the build. */
        ASSERT(cmdtable_find(cmd->name, strlen(cmd->name)) == NULL);
        ASSERT(ncommands < INDEX_SIZE / 2);
        cmd->fullname = mem_strdup(cmd->name);
        index_add(cmd->name, cmd);
        ncommands++;
        for (command *s = cmd->subcmds; s && s->name; s++) {
            s->parent = cmd;
            size_t n = strlen(cmd->name) + strlen(s->name) + 2;
            s->fullname = mem_alloc(n);
            snprintf(s->fullname, n, "%s|%s", cmd->name, s->name);
        }
    }
}

command *cmdtable_lookup(client *c) {
    command *cmd = cmdtable_find(c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL || cmd->subcmds == NULL || c->argc < 2) return cmd;
    /* COMMAND alone is a command (above); with an argument, as any other
     * container, a subcommand or nothing (refused before MULTI queues it). */
    return cmdtable_find_sub(cmd, c->argv[1].ptr, c->argv[1].len);
}

void cmdtable_foreach(cmdtable_fn *fn, void *priv) {
    for (int t = 0; t < ntables; t++)
        for (command *cmd = tables[t]; cmd->name; cmd++) fn(cmd, priv);
}

int cmdtable_count(void) { return ncommands; }

static void reset_one(command *cmd, void *priv) {
    (void)priv;
    cmd->calls = cmd->usec = cmd->rejected = cmd->failed = 0;
    mem_free(cmd->latency_hist); /* a plain block (latency.c) */
    cmd->latency_hist = NULL;
    for (command *s = cmd->subcmds; s && s->name; s++) {
        s->calls = s->usec = s->rejected = s->failed = 0;
        mem_free(s->latency_hist);
        s->latency_hist = NULL;
    }
}

void cmdtable_reset_stats(void) { cmdtable_foreach(reset_one, NULL); }

/* ---- Dispatch ---- */

static void reject(client *c, command *cmd, const char *err) {
    if (cmd) cmd->rejected++;
    reply_error(c, err);
}

static void reject_unknown(client *c) {
    command *base = cmdtable_find(c->argv[0].ptr, c->argv[0].len);
    if (base && base->subcmds) {
        char upper[64];
        size_t n = c->argv[0].len < sizeof(upper) - 1 ? c->argv[0].len : sizeof(upper) - 1;
        for (size_t i = 0; i < n; i++) upper[i] = (char)toupper((unsigned char)c->argv[0].ptr[i]);
        upper[n] = '\0';
        reply_errorf(c, ERR_UNKNOWN_SUBCOMMAND, c->argv[1].ptr, upper);
        return;
    }
    char args[256];
    size_t off = 0;
    args[0] = '\0';
    for (int i = 1; i < c->argc && off < 128; i++) {
        int room = 128 - (int)off;
        int w = snprintf(args + off, sizeof(args) - off, "'%.*s' ",
                         (int)(c->argv[i].len < (size_t)room ? c->argv[i].len : (size_t)room),
                         c->argv[i].ptr);
        if (w < 0) break;
        off += (size_t)w;
        if (off >= sizeof(args)) off = sizeof(args) - 1;
    }
    reply_errorf(c, ERR_UNKNOWN_COMMAND, c->argv[0].ptr, args);
}

bool cmdtable_arity_ok(const command *cmd, int argc) {
    return (cmd->arity > 0 && cmd->arity == argc) || (cmd->arity < 0 && argc >= -cmd->arity);
}

static int call_depth; /* > 1 inside EXEC or a script */
/* Error replies counted when the last call (or refusal) ended: a command
 * failed if errors were replied since, not counting those of the calls
 * nested in it, which count for themselves (Redis's prev_err_count). */
static unsigned long long prev_errors;

int cmdtable_call_depth(void) { return call_depth; }

/* cmdtable_run() from a clock reading already taken. */
static long long run(client *c, command *cmd, long long start) {
    /* A script's commands act for the client that sent the script (is it
     * our master?). */
    client *prev = srv.current;
    if (!(c->flags & CLIENT_SCRIPT)) srv.current = c;
    call_depth++;
    propagate_begin();
    cmd->proc(c);
    long long dur = util_fast_ustime() - start;
    propagate_end(); /* the command's effects leave as one unit */
    call_depth--;
    srv.current = prev;
    return dur;
}

long long cmdtable_run(client *c, command *cmd) { return run(c, cmd, util_fast_ustime()); }

void cmdtable_call(client *c) {
    command *cmd = c->cmd;
    if (call_depth == 0) prev_errors = reply_total_errors();
    long long start = util_fast_ustime();
    /* The command sees one clock reading; those it runs (EXEC, a script)
     * see the same, as in Redis. */
    if (call_depth == 0) server_set_time(start);
    /* EVAL and FCALL (skip_monitor) show in MONITOR before the commands
     * their script runs, even when they fail, as in Redis. */
    if ((cmd->flags & CMD_SCRIPT_FLAGS) && client_has_monitors())
        client_monitor_feed(c, c->dbid, c->argc, c->argv);
    long long dur = run(c, cmd, start);
    cmd->calls++;
    srv.stat_numcommands++;
    /* A command that blocked adds its time (all its runs) when it ends:
     * cmdtable_count_unblocked(), as Redis 7.0's updateStatsOnUnblock. */
    if (!((c->flags & CLIENT_BLOCKED) && c->bstate)) cmd->usec += dur;
    /* '>' not '!=': CONFIG RESETSTAT zeroes the count while it runs. */
    if (reply_total_errors() > prev_errors) cmd->failed++;
    prev_errors = reply_total_errors();
    if (client_has_monitors() && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        client_monitor_feed(c, c->dbid, c->argc, c->argv);
    c->lastcmd = cmd;
    seam_after_call(c, cmd, dur, call_depth == 0);
}

void cmdtable_count_unblocked(command *cmd, long long usec, bool failed) {
    cmd->usec += usec;
    if (failed) cmd->failed++;
}

void cmdtable_reject(client *c, command *cmd, const char *err) {
    reject(c, cmd, err);
    prev_errors = reply_total_errors(); /* rejected, not the running command's failure */
}

/* A request was refused before running: inside MULTI, EXEC will fail. */
static bool rejected(client *c) {
    if (c->flags & CLIENT_MULTI) seam_refused_in_multi(c);
    return true;
}

/* Refuse cmd with err; a refused EXEC (in MULTI or not) aborts its
 * transaction with the reason instead (seam_exec_refused). */
static bool refuse(client *c, command *cmd, const char *err) {
    if (cmd->flags & CMD_QUEUED_FLAGS) {
        cmd->rejected++;
        seam_exec_refused(c, err);
        return true;
    }
    reject(c, cmd, err);
    return rejected(c);
}

/* Check and run one request; false if it was postponed (CLIENT PAUSE, a
 * busy script holding our master's stream) and must be parsed again. */
static bool dispatch_request(client *c) {
    command *cmd = cmdtable_lookup(c);
    c->cmd = c->lastcmd = cmd; /* CLIENT LIST says cmd=NULL after an unknown one, as Redis */
    if (cmd == NULL) {
        reject_unknown(c);
        return rejected(c);
    }
    if (!cmdtable_arity_ok(cmd, c->argc) || (cmd->subcmds && !cmd->proc)) {
        char err[160];
        snprintf(err, sizeof(err), ERR_ARITY, cmd->fullname);
        return refuse(c, cmd, err);
    }
    /* DEBUG (enable-debug-command) and MODULE LOAD... (enable-module-command). */
    if (cmd->flags & CMD_PROTECTED) {
        bool module = cmd->flags & CMD_MODULE_GATE;
        if (!client_protected_action_allowed(c, module ? cfg.enable_module_command
                                                       : cfg.enable_debug_command)) {
            return refuse(c, cmd, module ? ERR_MODULE_NOT_ALLOWED : ERR_DEBUG_NOT_ALLOWED);
        }
    }
    if (!c->authenticated && !(cmd->flags & CMD_NO_AUTH) && client_auth_required(c)) {
        return refuse(c, cmd, ERR_NOAUTH);
    }
    /* The rest, in Redis's order, is server.c's: ACL comes next, and the
     * server's states (-LOADING, a RESP2 subscriber...) only after it. */
    switch (seam_admit(c, cmd)) {
    case SEAM_RUN: break;
    case SEAM_POSTPONED: return false;
    case SEAM_DONE: return true;
    }
    cmdtable_call(c);
    return true;
}

bool cmdtable_dispatch(client *c) {
    /* A replica's request after its SYNC (Redis answers none: see reply.c). */
    if (c->flags & CLIENT_REPLICA) c->flags |= CLIENT_REPLICA_CMD;
    bool done = dispatch_request(c);
    c->flags &= ~CLIENT_REPLICA_CMD;
    if (!done) return false;
    /* CLIENT REPLY SKIP silences the next request, even one rejected above. */
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
    return true;
}

/* ---- Keys of a command ---- */

int cmdtable_get_keys(command *cmd, int argc, slice *argv, int *keys, int cap) {
    if (cmd->getkeys) return cmd->getkeys(argc, argv, keys, cap);
    if (cmd->keys.first == 0) return 0;
    int last = cmd->keys.last;
    if (last < 0) last = argc + last;
    int n = 0;
    for (int i = cmd->keys.first; i <= last && i < argc && n < cap; i += cmd->keys.step)
        keys[n++] = i;
    return n;
}

int cmdtable_atoi(const slice *arg) {
    /* glibc's atoi() is (int)strtol(s, NULL, 10): leading white space, a
     * sign, digits; saturated at LONG_MIN / LONG_MAX, then cut to an int.
     * Read in place (an argument may be long and is not NUL-terminated). */
    const char *p = arg->ptr, *end = p + arg->len;
    while (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r'))) p++;
    bool neg = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) p++;
    unsigned long mag = 0, limit = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        mag = mag > (limit - d) / 10 ? limit : mag * 10 + d;
    }
    return (int)(mag > LONG_MAX ? LONG_MIN : neg ? -(long)mag : (long)mag);
}

int cmdtable_numkeys_from(int argc, const slice *argv, int idx, int min, int *keys, int n,
                          int cap) {
    if (idx >= argc) return -1;
    int num = cmdtable_atoi(&argv[idx]);
    if (num < min || num > argc - idx - 1) return -1;
    for (int i = 0; i < num && n < cap; i++) keys[n++] = idx + 1 + i;
    return n;
}

int cmdtable_numkeys_getkeys(int argc, const slice *argv, int idx, int *keys, int n, int cap) {
    return cmdtable_numkeys_from(argc, argv, idx, 1, keys, n, cap);
}
