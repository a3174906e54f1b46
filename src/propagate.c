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
    int argc;
    size_t first;   /* index of its first argument in args[] */
} effect;

typedef struct arg_ref {
    size_t off, len;   /* in bytes->buf */
} arg_ref;

static effect *effects;
static size_t neffects, effects_cap;
static arg_ref *args;
static size_t nargs, args_cap;
static str *bytes;   /* the collected arguments, back to back */
static int depth;
/* PROPAGATE_* bits of the readers listening; while 0 effects cost nothing. */
static int readers;

#define KEEP_BYTES (64 * 1024)   /* a bigger buffer is dropped after use */

void propagate_set_reader(int reader, bool on) {
    if (on) readers |= reader;
    else readers &= ~reader;
}

static void emit(int dbid, int argc, const slice *argv) {
    if (readers) seam_propagate(readers, dbid, argc, argv);
}

/* Send the collected effects and forget them. */
static void flush(void) {
    if (neffects == 0) return;
    int first_db = effects[0].dbid;
    if (neffects > 1) {
        slice multi = slice_of("MULTI", 5);
        emit(first_db, 1, &multi);
    }
    for (size_t i = 0; i < neffects; i++) {
        const effect *e = &effects[i];
        slice small[8];
        slice *argv = e->argc <= 8 ? small : mem_alloc(sizeof(slice) * (size_t)e->argc);
        for (int j = 0; j < e->argc; j++) {
            const arg_ref *a = &args[e->first + (size_t)j];
            argv[j] = slice_of(bytes->buf + a->off, a->len);
        }
        emit(e->dbid, e->argc, argv);
        if (argv != small) mem_free(argv);
    }
    if (neffects > 1) {
        /* MULTI in the first effect's db; EXEC in whatever db the block
         * ended in (no SELECT before it), as Redis orders them. */
        slice exec = slice_of("EXEC", 4);
        emit(-1, 1, &exec);
    }
    neffects = nargs = 0;
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
    effects[neffects++] = (effect){.dbid = dbid, .argc = argc, .first = nargs};
    for (int i = 0; i < argc; i++) {
        args[nargs++] = (arg_ref){.off = bytes->len, .len = argv[i].len};
        bytes = str_cat(bytes, argv[i].ptr, argv[i].len);
    }
}

void propagate(int dbid, int argc, const slice *argv) {
    /* What is being loaded (an AOF, DEBUG LOADAOF) is not announced again. */
    if (!readers || srv.loading) return;
    if (depth == 0) {
        /* Outside a call (the cron's active expiry): one effect, sent now. */
        emit(dbid, argc, argv);
        return;
    }
    collect(dbid, argc, argv);
}

void propagate_del(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    propagate(dbid, 2, argv);
}

void propagate_deletion(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    if (depth > 1) propagate(dbid, 2, argv);
    else if (!srv.loading) emit(dbid, 2, argv);
}

void propagate_begin(void) { depth++; }

void propagate_end(void) {
    if (depth > 0 && --depth == 0) flush();
}
