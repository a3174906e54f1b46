/* blocking.h -- clients blocked on keys (BLPOP, BLMOVE, BLMPOP, BZPOPMIN...).
 *
 * A blocking command that finds nothing to serve calls blocking_block()
 * and returns without replying. When a write signals one of its keys (via
 * db_signal_modified) and the key then holds a value of the awaited type,
 * the command's proc runs again, after the writing command has finished,
 * with blocking_ready_key() naming that key; it serves from that key and
 * replies. Clients waiting on the same key are served in the order they
 * blocked. A client whose deadline passes gets a null array (as Redis 7.0
 * replies for every list and sorted-set block).
 *
 * A command proc that uses this:
 *
 *     long long deadline;
 *     if (!blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline)) return;
 *     const slice *ready = blocking_ready_key(c);   // NULL on the first run
 *     ... try the ready key only (or every key on the first run); serve,
 *         reply and propagate the effect (e.g. ZPOPMIN), then return ...
 *     if (!blocking_allowed(c)) { reply_null_array(c); return; }
 *     blocking_block(c, keys, nkeys, KV_ZSET, deadline);
 */
#ifndef CASTOR_BLOCKING_H
#define CASTOR_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "kv.h"

struct db;

/* For commands */
/* Parse a timeout in seconds (decimals allowed, as Redis) into an absolute
 * deadline in ms, or 0 for "forever". Replies and returns false on error. */
bool blocking_parse_timeout(client *c, const slice *arg, long long *deadline_ms);
/* May c block now? Not inside MULTI/EXEC or scripts, nor for fake clients:
 * the command then replies as on a timeout. */
bool blocking_allowed(const client *c);
/* Block c on keys[0..nkeys) of its database until one holds a value of
 * 'type' (then the command runs again) or the deadline passes (0: never).
 * Copies the keys and the client's argv. Called again while the command
 * re-runs, it leaves the client blocked where it was. */
void blocking_block(client *c, const slice *keys, int nkeys, enum kv_type type,
                    long long deadline_ms);
/* While a blocked command runs again: the key that became ready; NULL on a
 * command's first run. */
const slice *blocking_ready_key(const client *c);

/* Reached from the core through the seam (server.c) */
/* A key was written (db_signal_modified): queue it if someone waits on it. */
void blocking_signal_key(struct db *d, const char *key, size_t klen);
/* Serve the clients waiting on keys signalled so far, repeating while that
 * readies more keys (BLMOVE). Called after each top-level command. */
void blocking_serve_ready(void);
/* Databases a and b were swapped: keys now present may serve waiters. */
void blocking_on_swapdb(int a, int b);
/* c is being freed: forget it (keys, timeout, pending resume). */
void blocking_client_freed(client *c);
/* Before sleeping: serve leftovers and resume the pipelines of clients
 * that were unblocked. */
void blocking_before_sleep(void);
/* Reply 'err' to every client blocked on keys, unblock it and close it
 * once the reply is written (the role changed: what it waits for would
 * come from a master's stream, and its pipeline assumed the old role). */
void blocking_unblock_all(const char *err);
/* SHUTDOWN: c waits (blocked, no reply) while the server waits for its
 * replicas; blocking_reply_shutdown_waiters() ends every such wait with
 * 'err' when the shutdown is cancelled. */
void blocking_block_shutdown(client *c);
void blocking_reply_shutdown_waiters(const char *err);
/* Clients blocked with a deadline (INFO clients_in_timeout_table). */
unsigned long blocking_timeout_count(void);

/* CLIENT UNBLOCK of 'target': if it waits on keys, reply it an UNBLOCKED
 * error (as_error) or the timeout's null array and resume it. False if
 * it is not blocked here. */
bool blocking_unblock_client(client *target, bool as_error);

/* The command table, registered by server.c. */
extern command blocking_commands[];

#endif
