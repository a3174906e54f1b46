/* blocking.h -- clients blocked on keys, and the blocking commands
 * (BLPOP, BLMOVE, BLMPOP, BZPOPMIN...), which all live in blocking.c.
 * What the rest of the server asks of them: may a client block now, the
 * core's signals (through the seam), CLIENT UNBLOCK, SHUTDOWN, INFO. */
#ifndef CASTOR_BLOCKING_H
#define CASTOR_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "kv.h"

struct db;

/* May c block now? Not inside MULTI/EXEC or scripts, nor for fake clients:
 * the command then replies as on a timeout. */
bool blocking_allowed(const client *c);

/* For blocking commands of other files (XREAD, XREADGROUP in t_stream.c).
 * The key that became ready while the blocked command runs again (NULL on
 * its first run); a timeout in milliseconds (BLOCK) as a deadline (0:
 * none), replying on error; block c on keys until one of them changes
 * (for KV_STREAM: any change, whatever the key then holds) or the
 * deadline passes (null array). The client's argv is copied: rewrite it
 * first for what the re-run must see. */
const slice *blocking_ready_key(const client *c);
bool blocking_parse_timeout_ms(client *c, const slice *arg, long long *deadline_ms);
void blocking_block(client *c, const slice *keys, int nkeys, enum kv_type type,
                    long long deadline_ms);

/* Reached from the core through the seam (server.c) */
/* A key was written (db_signal_modified): queue it if someone waits on it. */
void blocking_signal_key(struct db *d, const char *key, size_t klen);
/* Serve the clients waiting on keys signalled so far, repeating while that
 * readies more keys (BLMOVE). Called after each top-level command. */
void blocking_serve_ready(void);
/* Databases a and b were swapped: keys now present may serve waiters,
 * stream group readers whose key is gone fail (Redis 7.0). */
void blocking_on_swapdb(int a, int b);
/* Database dbid (-1: all) is being emptied: its waited keys are signalled
 * (served after the command: XREADGROUP readers get -UNBLOCKED). */
void blocking_on_flush(int dbid);
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

/* c, blocked on keys, gets 'err' and is unblocked (its keys' slot moved
 * to another cluster node). False if it is not blocked on keys. */
bool blocking_unblock_with_error(client *c, const char *err);
/* The first key a client blocked on keys waits for; false if none. */
bool blocking_first_key(const client *c, slice *key);
/* The command table, registered by server.c. */
extern command blocking_commands[];

/* Add 'usec' of run time to c's blocked command (its first run, before it
 * blocked: counted with the rest when it ends). */
void blocking_add_usec(client *c, long long usec);

#endif
