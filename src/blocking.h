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

/* Add 'usec' of run time to c's blocked command (its first run, before it
 * blocked: counted with the rest when it ends). */
void blocking_add_usec(client *c, long long usec);

#endif
