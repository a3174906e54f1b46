/* t_zset.h -- the sorted set type, for files outside t_zset.c: start-up
 * registration, the pop that the blocking commands (blocking.c) serve
 * waiters with, and what the geo commands (geo.c) build on. The commands
 * are in t_zset.c's table; the value operations are in zset.h. */
#ifndef CASTOR_T_ZSET_H
#define CASTOR_T_ZSET_H

#include <stdbool.h>

#include "client.h"
#include "cmdtable.h"
#include "kv.h"
#include "zset.h"

/* Registers the sorted set value callbacks (free, dup, size) with kv.c. */
void zset_init(void);

enum { ZSET_MIN = 0, ZSET_MAX = 1 };

/* Pop up to 'count' (>= 1) members from the low (ZSET_MIN) or high
 * (ZSET_MAX) end of the non-empty sorted set 'e' stored under 'key' in
 * c->db, and reply with them as Redis's genericZpopCommand does:
 *   emit_key=false nested=false  [m1, s1, m2, s2, ...]        ZPOPMIN
 *   emit_key=false nested=true   [[m1, s1], ...]              ZPOPMIN count, RESP3
 *   emit_key=true  nested=false  [key, m1, s1, ...]           BZPOPMIN
 *   emit_key=true  nested=true   [key, [[m1, s1], ...]]       ZMPOP, BZMPOP
 * Deletes the key when it empties, signals it, sends the zpopmin/zpopmax
 * (and del) notifications and propagates the effect as ZREM key m1 m2...
 * 'key' must not point into 'e' (it is used after a deletion). */
void zset_pop_reply(client *c, const slice *key, kv *e, int where, long count, bool emit_key,
                    bool nested);

/* The command table, registered by server.c. */
extern command t_zset_commands[];
/* The encoding limits configured now (zset-max-listpack-entries/value). */
zset_limits zset_cfg_limits(void);
/* A new, empty sorted set entry for 'key', not yet in the keyspace: a
 * listpack unless the limits (the first member's length, the expected
 * size) call for a skiplist. */
kv *zset_new_key(const slice *key, size_t first_len, size_t size_hint);
/* ZADD with the given vector ("zadd key [options] score member ...";
 * argv[0] is not read): replies, signals, notifies "zadd" and propagates
 * that vector, exactly as ZADD itself. GEOADD sends its positions here,
 * with 'scores' (non-NULL) the values of the vector's score texts. */
void zset_add_argv(client *c, int argc, slice *argv, const double *scores);

#endif
