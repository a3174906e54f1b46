/* ldb.h -- the Lua debugger of EVAL (SCRIPT DEBUG YES|SYNC, the protocol
 * redis-cli --ldb speaks): sessions, the line hook that stops a script,
 * and the logs redis.call(), redis.debug() and errors add while it runs. */
#ifndef CASTOR_LDB_H
#define CASTOR_LDB_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "str.h"

typedef struct lua_State lua_State;
struct lua_Debug;

/* EVAL by a client in debug mode: start a session for c->argv[1]. True:
 * run the script now (SYNC here; YES in the forked child, where this
 * returns); then call ldb_session_end(). False: nothing to run (the
 * parent of a fork, which closes its side of the client, or a failed
 * fork, which replied the error). */
bool ldb_session_begin(client *c);
/* "<endsession>", then EVAL's reply: a forked child writes it and exits;
 * SYNC closes the client once the reply is written. */
void ldb_session_end(client *c);

/* A session's script is running. */
bool ldb_active(void);
/* ...and stepping: redis.call() logs its command and reply, and errors
 * made into Lua error tables are logged (Redis's ldbIsEnabled). */
bool ldb_logging(void);
void ldb_log_call(int argc, const slice *argv);
void ldb_log_reply(const char *reply);
void ldb_log_error(const char *text, size_t len);

/* The line and count hook installed while a session's script runs. */
void ldb_hook(lua_State *L, struct lua_Debug *ar);
/* redis.debug() and redis.breakpoint() (no-ops outside a session). */
int ldb_lua_debug(lua_State *L);
int ldb_lua_breakpoint(lua_State *L);

#endif
