/* propagate.h -- the one exit for dataset effects: everything that changes
 * the keyspace is announced here as a command, for the AOF and replicas. */
#ifndef CASTOR_PROPAGATE_H
#define CASTOR_PROPAGATE_H

#include <stdbool.h>

#include "str.h"

/* Announce one effect of the running command in database 'dbid' (argv is
 * copied). The effects of one call reach the readers together when it
 * returns, wrapped in MULTI/EXEC when there are several: cmdtable.c wraps
 * every call, so a command never needs to. Outside any call (the cron)
 * an effect goes out at once. */
void propagate(int dbid, int argc, const slice *argv);
/* Would propagate() record an effect now? For a command that builds an
 * effect's arguments only to propagate them (XREADGROUP's XCLAIMs): false
 * while nothing listens or while loading. */
bool propagate_wanted(void);
/* propagate() of "DEL key". */
void propagate_del(int dbid, const char *key, size_t klen);
/* "DEL key" of a key a master's RDB load found expired, sent while loading
 * (where propagate() is silent): the replicas continuing the file's history
 * hold the key (Redis's RDBFLAGS_FEED_REPL), and so does an AOF that goes on
 * through a DEBUG RELOAD (Redis leaves the key there, to be loaded back
 * with a past TTL: DBSIZE and DEBUG DIGEST differ after a restart until it
 * is expired). At start-up no AOF is open: it is written from the data. */
void propagate_loaded_expired(int dbid, const char *key, size_t klen);
/* "DEL key" for a deletion the server decided, of an expired or evicted
 * key: it goes out at once, ahead of the running command's own effects
 * (Redis 7.0's propagateNow), except inside a command run by another
 * (EXEC), where it keeps its place in that block. */
void propagate_deletion(int dbid, const char *key, size_t klen);
/* Effects between begin and end reach readers as one unit (cmdtable.c,
 * around each call). Nested pairs are counted; the outermost end sends. */
void propagate_begin(void);
void propagate_end(void);

/* Readers of the effect stream. Each subsystem switches its own bit; while
 * no bit is set propagate() returns at once. */
#define PROPAGATE_AOF 1
#define PROPAGATE_REPL 2
void propagate_set_reader(int reader, bool on);
/* Which readers the next effects go to (a script's redis.set_repl):
 * PROPAGATE_AOF | PROPAGATE_REPL by default, 0 for none. A deletion the
 * server decides (propagate_deletion) goes to every reader. */
void propagate_set_targets(int targets);
/* propagate() to the readers in 'to' only (of those the effects go to
 * now): PUBLISH reaches replicas, not the AOF (Redis's
 * forceCommandPropagation with PROPAGATE_REPL). */
void propagate_to(int to, int dbid, int argc, const slice *argv);

#endif
