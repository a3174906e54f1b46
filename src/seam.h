/* seam.h -- the one way the core calls up to the features above it.
 *
 * The core is layers 1 and 2: the event loop, sockets, RESP, clients,
 * replies, the command tables and dispatcher, the keyspace and
 * propagation (ev, net, resp, client, reply, cmdtable, db, propagate,
 * log, state, and the pure libraries). It knows nothing of transactions,
 * blocked clients, pub/sub, persistence, replication or eviction. Where
 * it must reach them it calls one of these functions, and server.c, the
 * composition root, implements each once with plain direct calls: no
 * registry of hooks, no function pointers. The offline tools and
 * tests/unit/test_core.c link the core with src/seam_none.c's stubs
 * instead (weak: the test replaces those whose calls it observes).
 *
 * Adding a seam function? Declare it here, say when the core calls it,
 * implement it in server.c and stub it in src/seam_none.c (and in
 * tests/unit/test_core.c only if a test watches it). A new admission check (ACL,
 * cluster redirection) is not a new seam function: it goes in server.c's
 * seam_admit(). */
#ifndef CASTOR_SEAM_H
#define CASTOR_SEAM_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "str.h"

struct command;
struct db;

/* ---- Dispatch (cmdtable.c) ---- */

/* What the features say of a request that passed the core's own checks
 * (existence, arity, enable-debug-command, auth). */
typedef enum {
    SEAM_RUN,       /* run it now */
    SEAM_DONE,      /* answered: refused (error replied, counted), or queued by MULTI */
    SEAM_POSTPONED, /* held (CLIENT PAUSE, a busy script and our master): c is
                      * CLIENT_PAUSED_WAIT and the request is parsed again later */
} seam_verdict;
/* Asks, in the order of Redis 7.0's processCommand: a no_multi command
 * inside MULTI, ACL (-NOPERM), cluster redirection, maxmemory, -MISCONF,
 * -NOREPLICAS, -READONLY, a RESP2 subscriber's limit, -MASTERDOWN,
 * -LOADING, a script running past busy-reply-threshold (-BUSY), CLIENT
 * PAUSE, then MULTI's queue. A new admission check goes here, in
 * server.c, at its place in that order. */
seam_verdict seam_admit(client *c, struct command *cmd);
/* A request of c, which is in MULTI, was refused: its EXEC must fail. */
void seam_refused_in_multi(client *c);
/* EXEC itself was refused before running (arity, NOAUTH) with err: its
 * transaction, if any, is discarded and the reply is EXECABORT with the
 * reason, as Redis's rejectCommand does for EXEC. */
void seam_exec_refused(client *c, const char *err);
/* cmd ran for c and took dur_us; 'outermost' unless it ran inside
 * another command (EXEC). Stats and the command's effects are done. */
void seam_after_call(client *c, struct command *cmd, long long dur_us, bool outermost);

/* ---- The keyspace (db.c) ---- */

/* A key of d changed (db_signal_modified): WATCH, blocked clients,
 * client-side caching. 'by_server': it expired or was evicted, no
 * client's command changed it (Redis's signalModifiedKey with no client). */
void seam_key_modified(struct db *d, const char *key, size_t klen, bool by_server);
/* Database dbid (-1: all) is about to be emptied, or swapped with
 * 'other' (-1 for none): WATCH of keys existing on either side fails;
 * emptied (other -1), clients that cache keys are told to drop them all. */
void seam_db_flushed(int dbid, int other);
/* Databases a and b were swapped (SWAPDB): clients blocked on their keys. */
void seam_db_swapped(int a, int b);
/* A keyspace event of class 'type' (a NOTIFY_* bit of db.h) for key in
 * database dbid, while notify-keyspace-events is on. */
void seam_keyspace_event(int type, const char *event, const char *key, size_t klen, int dbid);

/* ---- Propagation (propagate.c) ---- */

/* One effect leaves the core for the readers in 'readers' (PROPAGATE_*
 * bits): the AOF, the replication stream. argv is borrowed. */
void seam_propagate(int readers, int dbid, int argc, const slice *argv);

/* ---- Clients (client.c) ---- */

/* c is being freed: drop what the features keep of it. */
void seam_client_freed(client *c);
/* Bytes the features keep for c (its MULTI queue and WATCHed keys,
 * subscriptions, tracking prefixes), for client memory accounting; O(1),
 * called only for a client that has such state. *multi_mem gets the MULTI
 * queue's share (CLIENT LIST multi-mem). */
size_t seam_client_mem(const client *c, size_t *multi_mem);
/* A key c WATCHes has changed since (CLIENT LIST's flag d). */
bool seam_watch_dirty(const client *c);
/* Replies are about to be written outside before-sleep: what must reach
 * disk before an acknowledgement (appendfsync always) goes first. */
void seam_before_reply_write(void);
/* Our master's request req[0..len) was applied (c is CLIENT_MASTER). */
void seam_master_request_done(client *c, const char *req, size_t len);
/* Our master's stream made us reply the error err[0..len) to it (c is
 * CLIENT_MASTER): the replica no longer matches its master. */
void seam_master_error(client *c, const char *err, size_t len);

/* Argument i of c's command (c->cmd) carries a secret (AUTH's, HELLO's
 * AUTH user/pass, MIGRATE's AUTH/AUTH2...): MONITOR shows "(redacted)",
 * as the slow log does. */
bool seam_arg_is_secret(const client *c, int i);

/* ---- Replies (reply.c, client.c) ---- */

/* Bytes of the shared replication stream replica c has yet to receive
 * (output-buffer accounting and limits). */
size_t seam_replica_pending(const client *c);
/* Write what replica c has pending of the shared replication stream, its
 * own reply buffers being empty; 0, or -1 when the socket failed. */
int seam_replica_write(client *c);

/* ---- The dataset's function libraries (rdb.c) ---- */

/* rdb.c is not the core, but the offline tools link it with the core over
 * seam_none.c: the libraries, which need the script engine, reach it here.
 * Call fn with the code of each library (saving a dataset). */
typedef void seam_code_fn(void *priv, const char *code, size_t len);
void seam_function_foreach(seam_code_fn *fn, void *priv);
/* Create a library from its code (loading a dataset); with 'replace' one
 * of the same name goes. 0, or -1 with *err set (caller frees). */
int seam_function_load(const char *code, size_t len, bool replace, str **err);

#endif
