/* script_lua.h -- the Lua engine: sandboxed states, the redis.* API, the
 * conversions between RESP replies and Lua values, and calling a compiled
 * script or function for a run (script.h). */
#ifndef CASTOR_SCRIPT_LUA_H
#define CASTOR_SCRIPT_LUA_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "script.h"
#include "str.h"

typedef struct lua_State lua_State;

/* Which globals a state offers: EVAL's, or the functions engine's (whose
 * globals are swapped for the library API while FUNCTION LOAD runs). */
enum { SCRIPTL_EVAL, SCRIPTL_FUNCTIONS };

/* A new state with the libraries, the redis API and the sandbox. */
lua_State *scriptl_open(int kind);
void scriptl_close(lua_State *L);
/* Bytes the state holds (INFO used_memory_lua / used_memory_vm_functions). */
size_t scriptl_memory(lua_State *L);

/* Compile body as a chunk named 'chunk' ("@user_script"). A shebang line
 * stays as a comment, so line numbers match the text. Returns a registry
 * reference to the function, or -1 with *err set (caller frees). */
int scriptl_compile(lua_State *L, const char *chunk, const char *body, size_t len, str **err);
void scriptl_unref(lua_State *L, int ref);

/* Call function 'ref' for run r and reply to r->caller. EVAL mode sets the
 * globals KEYS and ARGV; function mode passes them as two arguments. */
void scriptl_call(lua_State *L, int ref, script_run *r, int nkeys, const slice *keys, int nargs,
                  const slice *args);

/* For function.c's library API. */
/* Push an error table {err="CODE msg"} as Redis's luaPushError does:
 * "-CODE msg" keeps its code, a bare text gets "ERR". */
void scriptl_push_error(lua_State *L, const char *err);
/* The error message of the error object on top: its "err" field or the
 * string itself with "ERR " in front (caller frees). */
str *scriptl_error_message(lua_State *L);
/* The table of globals the functions engine resolves names in: swap it
 * between the library API (FUNCTION LOAD) and the full globals. */
void scriptl_set_function_globals(lua_State *L, bool library_api);
/* Fill redis.register_function into the library API table (function.c). */
void scriptl_set_register_function(lua_State *L, int (*fn)(lua_State *));
/* The strings of a register_function flags table; false on a bad one. */
bool scriptl_read_flags(lua_State *L, int idx, unsigned *flags);

#endif
