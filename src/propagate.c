/* propagate.c -- the effect stream (DESIGN.md, "the one rule of the data
 * path"). Effects are buffered between propagate_begin() and
 * propagate_end() so a command that produces several is wrapped in
 * MULTI/EXEC for its readers. Readers (the AOF, later the replication
 * backlog) switch themselves on with propagate_set_reader(); until one
 * does, propagate() returns at once.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "propagate.h"

#include <stdbool.h>
#include <string.h>

#include "aof.h"
#include "mem.h"
#include "repl.h"

typedef struct effect {
    int dbid;
    int targets;   /* PROPAGATE_* readers it goes to */
    int argc;
    slice *argv;
} effect;

static effect *pending;
static size_t pending_len, pending_cap;
static int depth;
/* PROPAGATE_* bits of the readers listening; while 0 effects cost nothing. */
static int readers;
/* Readers the effects announced now go to (scripts may narrow them). */
static int targets = PROPAGATE_AOF | PROPAGATE_REPL;

static void emit(const effect *e) {
    int to = readers & e->targets;
    if (to & PROPAGATE_AOF) aof_feed(e->dbid, e->argc, e->argv);
    if (to & PROPAGATE_REPL) repl_feed(e->dbid, e->argc, e->argv);
}

void propagate_set_targets(int t) { targets = t; }

void propagate_set_reader(int reader, bool on) {
    if (on) readers |= reader;
    else readers &= ~reader;
}

static void clear_pending(void) {
    for (size_t i = 0; i < pending_len; i++) mem_free(pending[i].argv);
    pending_len = 0;
}

/* Each reader gets its effects wrapped in MULTI/EXEC when there are more
 * than one for it. */
static void flush(void) {
    int wrap = 0;
    for (int reader = PROPAGATE_AOF; reader <= PROPAGATE_REPL; reader <<= 1) {
        size_t n = 0;
        for (size_t i = 0; i < pending_len; i++) n += (pending[i].targets & reader) != 0;
        if (n > 1) wrap |= reader;
    }
    slice multi = slice_of("MULTI", 5), exec = slice_of("EXEC", 4);
    if (wrap) {
        /* MULTI in the first effect's db. */
        effect m = {pending[0].dbid, wrap, 1, &multi};
        emit(&m);
    }
    for (size_t i = 0; i < pending_len; i++) emit(&pending[i]);
    if (wrap) {
        /* EXEC in whatever db the block ended in (no SELECT before it), as
         * Redis orders them. */
        effect x = {-1, wrap, 1, &exec};
        emit(&x);
    }
    clear_pending();
}

void propagate(int dbid, int argc, const slice *argv) {
    if (!(readers & targets)) return;
    if (depth == 0 && pending_len == 0) {
        /* A lone effect outside begin/end: readers copy what they keep. */
        effect e = {dbid, targets, argc, (slice *)argv};
        emit(&e);
        return;
    }
    if (pending_len == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 8;
        pending = mem_realloc(pending, pending_cap * sizeof(effect));
    }
    effect *e = &pending[pending_len++];
    e->dbid = dbid;
    e->targets = targets;
    e->argc = argc;
    /* One allocation per effect: the slices, then the bytes (NUL-ended). */
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += argv[i].len + 1;
    e->argv = mem_alloc(sizeof(slice) * (size_t)argc + bytes);
    char *p = (char *)(e->argv + argc);
    for (int i = 0; i < argc; i++) {
        memcpy(p, argv[i].ptr, argv[i].len);
        p[argv[i].len] = '\0';
        e->argv[i] = slice_of(p, argv[i].len);
        p += argv[i].len + 1;
    }
    if (depth == 0) flush();
}

void propagate_del(int dbid, const char *key, size_t klen) {
    slice argv[2] = {slice_of("DEL", 3), slice_of(key, klen)};
    propagate(dbid, 2, argv);
}

void propagate_begin(void) { depth++; }

void propagate_end(void) {
    if (depth > 0 && --depth == 0) flush();
}
