/* function.h -- Redis 7.0 functions: libraries of Lua functions, FUNCTION
 * and FCALL (function.c). Functions are data: rdb.c saves and loads their
 * libraries' code through function_foreach_code / function_load_code
 * (server.c's seam_function_foreach / seam_function_load). */
#ifndef CASTOR_FUNCTION_H
#define CASTOR_FUNCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Start-up: the functions engine's Lua state and the empty library set. */
void function_init(void);
/* Remove every library (a full sync or DEBUG RELOAD replaces the data). */
void function_flush(void);
/* Call fn with the code of each library (saving them). */
typedef void function_code_fn(void *priv, const char *code, size_t len);
void function_foreach_code(function_code_fn *fn, void *priv);
/* Create a library from its code (RDB loading); with 'replace' one of the
 * same name goes. 0, or -1 with *err set (caller frees). */
int function_load_code(const char *code, size_t len, bool replace, str **err);
/* FCALL's flags with the function it names (see script_flags_to_cmd_flags). */
uint32_t function_cmd_flags(client *c, uint32_t cmd_flags);
/* INFO. */
size_t function_count(void);
size_t function_library_count(void);
size_t function_memory_vm(void);
size_t function_memory_overhead(void);

/* The command table, registered by server.c. */
extern command function_commands[];

#endif
