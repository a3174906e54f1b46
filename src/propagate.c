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
    int argc;
    slice *argv;
} effect;

static effect *pending;
static size_t pending_len, pending_cap;
static int depth;
/* PROPAGATE_* bits of the readers listening; while 0 effects cost nothing. */
static int readers;

static void emit(const effect *e) {
    if (readers & PROPAGATE_AOF) aof_feed(e->dbid, e->argc, e->argv);
    if (readers & PROPAGATE_REPL) repl_feed(e->dbid, e->argc, e->argv);
}

void propagate_set_reader(int reader, bool on) {
    if (on) readers |= reader;
    else readers &= ~reader;
}

static void clear_pending(void) {
    for (size_t i = 0; i < pending_len; i++) {
        for (int j = 0; j < pending[i].argc; j++) mem_free(pending[i].argv[j].ptr);
        mem_free(pending[i].argv);
    }
    pending_len = 0;
}

static void flush(void) {
    if (pending_len > 1) {
        slice multi = slice_of("MULTI", 5), exec = slice_of("EXEC", 4);
        /* MULTI in the first effect's db; EXEC in whatever db the block
         * ended in (no SELECT before it), as Redis orders them. */
        effect m = {pending[0].dbid, 1, &multi}, x = {-1, 1, &exec};
        emit(&m);
        for (size_t i = 0; i < pending_len; i++) emit(&pending[i]);
        emit(&x);
    } else if (pending_len == 1) {
        emit(&pending[0]);
    }
    clear_pending();
}

void propagate(int dbid, int argc, const slice *argv) {
    if (!readers) return;
    if (depth == 0 && pending_len == 0) {
        /* A lone effect outside begin/end: readers copy what they keep. */
        effect e = {dbid, argc, (slice *)argv};
        emit(&e);
        return;
    }
    if (pending_len == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 8;
        pending = mem_realloc(pending, pending_cap * sizeof(effect));
    }
    effect *e = &pending[pending_len++];
    e->dbid = dbid;
    e->argc = argc;
    e->argv = mem_alloc(sizeof(slice) * (size_t)argc);
    for (int i = 0; i < argc; i++)
        e->argv[i] = slice_of(mem_memdup(argv[i].ptr, argv[i].len), argv[i].len);
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
