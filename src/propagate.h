/* propagate.h -- the one exit for dataset effects: everything that changes
 * the keyspace is announced here as a command, for the AOF and replicas. */
#ifndef CASTOR_PROPAGATE_H
#define CASTOR_PROPAGATE_H

#include <stdbool.h>

#include "str.h"

/* Announce one effect in database 'dbid'. argv is copied. */
void propagate(int dbid, int argc, const slice *argv);
/* Convenience for effects built from C strings (e.g. "DEL", key). */
void propagate_del(int dbid, const char *key, size_t klen);
/* Effects between begin and end reach readers as one MULTI/EXEC block
 * when there is more than one. Nested calls are counted. */
void propagate_begin(void);
void propagate_end(void);

/* Readers of the effect stream. Each subsystem switches its own bit; while
 * no bit is set propagate() returns at once. */
#define PROPAGATE_AOF 1
#define PROPAGATE_REPL 2
void propagate_set_reader(int reader, bool on);
/* Which readers the next effects go to (a script's redis.set_repl):
 * PROPAGATE_AOF | PROPAGATE_REPL by default, 0 for none. */
void propagate_set_targets(int targets);

#endif
