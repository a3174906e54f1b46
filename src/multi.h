/* multi.h -- MULTI/EXEC transactions and WATCH. */
#ifndef CASTOR_MULTI_H
#define CASTOR_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmdtable.h"

struct command;
struct db;

/* The last step of server.c's seam_admit() for a client in MULTI: queues
 * the request (and replies +QUEUED) unless its command is CMD_NO_QUEUE;
 * 'flags' are the command's, EVAL's from its script. Returns true if
 * queued. */
bool multi_maybe_queue(client *c, struct command *cmd, uint32_t flags);
/* A key c watches has changed since WATCH (CLIENT LIST's flag d). */
bool multi_watch_dirty(const client *c);
/* The flags of the commands c queued, OR-ed: EXEC stands for them in the
 * dispatcher's checks (write, denyoom). 0 outside MULTI. */
uint32_t multi_queued_flags(const client *c);
/* The flags some queued command lacks (OR of their complements): EXEC is
 * refused on a stale replica if one of them lacks CMD_STALE. */
uint32_t multi_queued_missing_flags(const client *c);
/* EXEC refused by the server's state (err: "READONLY ...", "OOM ..."):
 * EXECABORT with the reason, and the transaction is discarded. */
void multi_abort_exec(client *c, const char *err);
/* A request of a client in MULTI was rejected: EXEC will fail. */
void multi_flag_error(client *c);
/* A key changed: transactions watching it will fail. */
void multi_touch_key(struct db *d, const char *key, size_t klen);
/* Database dbid is about to be emptied (FLUSHDB/FLUSHALL, other = -1) or
 * swapped with 'other' (SWAPDB): watched keys existing on either side fail
 * their transactions. Call before the change. */
void multi_touch_db(int dbid, int other);
/* Forget the client's transaction and watched keys (free, RESET). */
void multi_client_reset(client *c);

/* Call fn with each command c queued, in order (cluster redirection of
 * EXEC). argv is borrowed. */
typedef void multi_queued_fn(void *priv, struct command *cmd, int argc, slice *argv);
void multi_foreach_queued(client *c, multi_queued_fn *fn, void *priv);
/* Forget c's transaction and watches (EXEC redirected in a cluster). */
void multi_discard(client *c);
/* Bytes c's transaction state uses (queue and WATCHed keys); *queue_mem
 * gets the queue's share (CLIENT LIST multi-mem). O(1). */
size_t multi_client_mem(const client *c, size_t *queue_mem);
/* The command table, registered by server.c. */
extern command multi_commands[];

#endif
