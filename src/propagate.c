/* propagate.c -- the effect stream (DESIGN.md, "the one rule of the data
 * path"). Between propagate_begin() and propagate_end() -- cmdtable.c
 * brackets every command call with them -- effects are collected; at the
 * outermost end they go to the readers, wrapped in MULTI/EXEC when there
 * are several, so a replica or an AOF reader applies each command (and
 * each EXEC) whole. Readers (the AOF, the replication stream) switch
 * themselves on with propagate_set_reader(); until one does, propagate()
 * returns at once. The readers are reached through the seam (server.c).
 *
 * Collected effects are copied into one byte buffer that is reused from
 * call to call, so a write costs a memcpy of its arguments, not an
 * allocation per argument.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "propagate.h"

#include <stdbool.h>
#include <string.h>

#include "mem.h"
#include "seam.h"
#include "server.h"

typedef struct effect {
    int dbid;
    int targets; /* PROPAGATE_* readers it goes to */
    int argc;
    size_t first; /* index of its first argument in args[] */
} effect;

typedef struct arg_ref {
    size_t off, len; /* in bytes->buf */
} arg_ref;

static effect *effects;
static size_t neffects, effects_cap;
static arg_ref *args;
static size_t nargs, args_cap;
static str *bytes; /* the collected arguments, back to back */
static int depth;
/* PROPAGATE_* bits of the readers listening; while 0 effects cost nothing. */
static int readers;
/* Readers the effects announced now go to (a script may narrow them). */
static int targets = PROPAGATE_AOF | PROPAGATE_REPL;

#define KEEP_BYTES (64 * 1024) /* a bigger buffer is dropped after use */

void propagate_set_targets(int t) { targets = t; }

void propagate_set_reader(int reader, bool on) {
    if (on) readers |= reader;
    else readers &= ~reader;
}

static void emit(int dbid, int to, int argc, const slice *argv) {
    to &= readers;
    if (to) seam_propagate(to, dbid, argc, argv);
}

/* Send the collected effects and forget them. Each reader gets its
 * effects wrapped in MULTI/EXEC when there is more than one for it. */
static void flush(void) {
    if (neffects == 0) return;
    int wrap = 0;
    for (int reader = PROPAGATE_AOF; reader <= PROPAGATE_REPL; reader <<= 1) {
        size_t n = 0;
        for (size_t i = 0; i < neffects && n < 2; i++) n += (effects[i].targets & reader) != 0;
        if (n > 1) wrap |= reader;
    }
    if (wrap) {
        slice multi = slice_of("MULTI", 5);
        emit(effects[0].dbid, wrap, 1, &multi); /* in the first effect's db */
    }
    for (size_t i = 0; i < neffects; i++) {
        const effect *e = &effects[i];
        slice small[8];
        slice *argv = e->argc <= 8 ? small : mem_alloc(sizeof(slice) * (size_t)e->argc);
        for (int j = 0; j < e->argc; j++) {
            const arg_ref *a = &args[e->first + (size_t)j];
            argv[j] = slice_of(bytes->buf + a->off, a->len);
        }
        emit(e->dbid, e->targets, e->argc, argv);
        if (argv != small) mem_free(argv);
    }
    if (wrap) {
        /* EXEC in whatever db the block ended in (no SELECT before it), as
         * Redis orders them. */
        slice exec = slice_of("EXEC", 4);
        emit(-1, wrap, 1, &exec);
    }
    neffects = nargs = 0;
    /* A command with a huge argument list leaves nothing big behind. */
    if (args_cap > KEEP_BYTES / sizeof(arg_ref)) {
        mem_free(args);
        args = NULL;
        args_cap = 0;
    }
    if (effects_cap > KEEP_BYTES / sizeof(effect)) {
        mem_free(effects);
        effects = NULL;
        effects_cap = 0;
    }
    if (bytes->cap > KEEP_BYTES) {
        str_free(bytes);
        bytes = NULL;
    } else {
        str_setlen(bytes, 0);
    }
}

static void collect(int dbid, int argc, const slice *argv) {
    if (neffects == effects_cap) {
        effects_cap = effects_cap ? effects_cap * 2 : 8;
        effects = mem_realloc(effects, effects_cap * sizeof(effect));
    }
    if (nargs + (size_t)argc > args_cap) {
        while (nargs + (size_t)argc > args_cap) args_cap = args_cap ? args_cap * 2 : 32;
        args = mem_realloc(args, args_cap * sizeof(arg_ref));
    }
    if (bytes == NULL) bytes = str_new_cap(256);
    effects[neffects++] = (effect){.dbid = dbid, .targets = targets, .argc = argc, .first = nargs};
    for (int i = 0; i < argc; i++) {
        args[nargs++] = (arg_ref){.off = bytes->len, .len = argv[i].len};
        bytes = str_cat(bytes, argv[i].ptr, argv[i].len);
        bytes = str_cat(bytes, "", 1); /* NUL-ended, as arguments in a query buffer */
    }
}

void propagate(int dbid, int argc, const slice *argv) {
    /* What is being loaded (an AOF, DEBUG LOADAOF) is not announced again. */
    if (!propagate_wanted()) return;
    if (depth == 0) {
        /* Outside a call (the cron's active expiry): one effect, sent now. */
        emit(dbid, targets, argc, argv);
        return;
    }
    collect(dbid, argc, argv);
}

bool propagate_wanted(void) { return (readers & targets) && !srv.loading; }

void propagate_to(int to, int dbid, int argc, const slice *argv) {
    int all = targets;
    targets &= to;
    propagate(dbid, argc, argv);
    targets = all;
}

void propagate_del(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    propagate(dbid, 2, argv);
}

void propagate_loaded_expired(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    emit(dbid, PROPAGATE_AOF | PROPAGATE_REPL, 2, argv);
}

void propagate_deletion(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    if (depth > 1) {
        int narrowed = targets; /* a script's set_repl does not hold it back */
        targets = PROPAGATE_AOF | PROPAGATE_REPL;
        propagate(dbid, 2, argv);
        targets = narrowed;
    } else if (!srv.loading) emit(dbid, PROPAGATE_AOF | PROPAGATE_REPL, 2, argv);
}

void propagate_begin(void) { depth++; }

void propagate_end(void) {
    if (depth > 0 && --depth == 0) flush();
}
