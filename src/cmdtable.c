/* cmdtable.c -- the command table, lookup, the dispatcher and COMMAND.
 *
 * The table below is the single source of truth: the dispatcher checks
 * arity, auth and flags from it, COMMAND prints it, ACL categories and key
 * positions come from it. Lookup is a small open-addressing index built at
 * start, case-insensitive, so finding "get" costs one hash and one compare.
 * Checks run in Redis 7.0's order: existence, arity, auth, then state.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "arg.h"
#include "cmdtable.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aof.h"
#include "blocking.h"
#include "commands.h"
#include "config.h"
#include "errors.h"
#include "evict.h"
#include "keyspecs.h"
#include "mem.h"
#include "multi.h"
#include "pubsub.h"
#include "reply.h"
#include "repl.h"
#include "script.h"
#include "server.h"
#include "slowlog.h"
#include "snapshot.h"
#include "util.h"

#define W CMD_WRITE
#define R CMD_READONLY
#define F CMD_FAST
#define DOOM CMD_DENYOOM

#define KEY1 {1, 1, 1}
#define NOKEYS {0, 0, 0}

/* ---- Subcommand tables ---- */

static command config_subs[] = {
    {.name = "get", .proc = cmd_config_get, .arity = -3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.0.0", .summary = "Get the values of configuration parameters"},
    {.name = "set", .proc = cmd_config_set, .arity = -4, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.0.0", .summary = "Set configuration parameters to the given values"},
    {.name = "resetstat", .proc = cmd_config_resetstat, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.0.0", .summary = "Reset the stats returned by INFO"},
    {.name = "rewrite", .proc = cmd_config_rewrite, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.8.0", .summary = "Rewrite the configuration file with the in memory configuration"},
    {.name = "help", .proc = cmd_config_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW, .since = "5.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

#define CLIENT_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define CLIENT_ACL (ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION)
static command client_subs[] = {
    {.name = "id", .proc = cmd_client_id, .arity = 2, .flags = CLIENT_FLAGS, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "5.0.0", .summary = "Returns the client ID for the current connection"},
    {.name = "setname", .proc = cmd_client_setname, .arity = 3, .flags = CLIENT_FLAGS, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "2.6.9", .summary = "Set the current connection name"},
    {.name = "getname", .proc = cmd_client_getname, .arity = 2, .flags = CLIENT_FLAGS, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "2.6.9", .summary = "Get the current connection name"},
    {.name = "list", .proc = cmd_client_list, .arity = -2, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "2.4.0", .summary = "Get the list of client connections"},
    {.name = "info", .proc = cmd_client_info, .arity = 2, .flags = CLIENT_FLAGS, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "6.2.0", .summary = "Returns information about the current client connection."},
    {.name = "kill", .proc = cmd_client_kill, .arity = -3, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "2.4.0", .summary = "Kill open connections"},
    {.name = "pause", .proc = cmd_client_pause, .arity = -3, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "2.9.50", .summary = "Stop processing commands from clients for some time"},
    {.name = "unpause", .proc = cmd_client_unpause, .arity = 2, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "6.2.0", .summary = "Resume processing of clients that were paused"},
    {.name = "reply", .proc = cmd_client_reply, .arity = 3, .flags = CLIENT_FLAGS, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "3.2.0", .summary = "Instruct the server whether to reply to commands"},
    {.name = "unblock", .proc = cmd_client_unblock, .arity = -3, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "5.0.0", .summary = "Unblock a client blocked in a blocking command from a different connection"},
    {.name = "no-evict", .proc = cmd_client_no_evict, .arity = 3, .flags = CMD_ADMIN | CLIENT_FLAGS, .acl = CLIENT_ACL,
     .since = "7.0.0", .summary = "Set client eviction mode for the current connection"},
    {.name = "help", .proc = cmd_client_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "5.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

static command command_subs[] = {
    {.name = "count", .proc = cmd_command_count, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "2.8.13", .summary = "Get total number of Redis commands"},
    {.name = "info", .proc = cmd_command_info, .arity = -2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "2.8.13", .summary = "Get array of specific Redis command details, or all when no argument is given."},
    {.name = "list", .proc = cmd_command_list, .arity = -2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "7.0.0", .summary = "Get an array of Redis command names"},
    {.name = "getkeys", .proc = cmd_command_getkeys, .arity = -4, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "2.8.13", .summary = "Extract keys given a full Redis command"},
    {.name = "getkeysandflags", .proc = cmd_command_getkeysandflags, .arity = -4, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION, .since = "7.0.0", .summary = "Extract keys and access flags given a full Redis command"},
    {.name = "docs", .proc = cmd_command_docs, .arity = -2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "7.0.0", .summary = "Get array of specific Redis command documentation"},
    {.name = "help", .proc = cmd_command_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
     .since = "5.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

/* LOAD, LOADEX and UNLOAD are protected: enable-module-command gates them. */
static command module_subs[] = {
    {.name = "list", .proc = cmd_module_list, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "4.0.0",
     .summary = "List all modules loaded by the server", .complexity = "O(N) where N is the number of loaded modules."},
    {.name = "load", .proc = cmd_module_load, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "4.0.0", .summary = "Load a module",
     .complexity = "O(1)"},
    {.name = "loadex", .proc = cmd_module_load, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "7.0.0",
     .summary = "Load a module with extended parameters", .complexity = "O(1)"},
    {.name = "unload", .proc = cmd_module_unload, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "4.0.0", .summary = "Unload a module",
     .complexity = "O(1)"},
    {.name = "help", .proc = cmd_module_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .since = "5.0.0", .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
    {.name = NULL}};

static command object_subs[] = {
    {.name = "encoding", .proc = cmd_object_encoding, .arity = 3, .flags = R, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
     .keys = {2, 2, 1}, .since = "2.2.3", .summary = "Inspect the internal encoding of a Redis object"},
    {.name = "refcount", .proc = cmd_object_refcount, .arity = 3, .flags = R, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
     .keys = {2, 2, 1}, .since = "2.2.3", .summary = "Get the number of references to the value of the key"},
    {.name = "idletime", .proc = cmd_object_idletime, .arity = 3, .flags = R, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
     .keys = {2, 2, 1}, .since = "2.2.3", .summary = "Get the time since a Redis object was last accessed"},
    {.name = "freq", .proc = cmd_object_freq, .arity = 3, .flags = R, .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW,
     .keys = {2, 2, 1}, .since = "4.0.0", .summary = "Get the logarithmic access frequency counter of a Redis object"},
    {.name = "help", .proc = cmd_object_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_KEYSPACE | ACL_SLOW,
     .since = "6.2.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

static command slowlog_subs[] = {
    {.name = "get", .proc = cmd_slowlog_get, .arity = -2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.2.12", .summary = "Get the slow log's entries"},
    {.name = "len", .proc = cmd_slowlog_len, .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.2.12", .summary = "Get the slow log's length"},
    {.name = "reset", .proc = cmd_slowlog_reset, .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.2.12", .summary = "Clear all entries from the slow log"},
    {.name = "help", .proc = cmd_slowlog_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .since = "6.2.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

static command latency_subs[] = {
    {.name = "latest", .proc = cmd_latency_latest, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.8.13", .summary = "Return the latest latency samples for all events."},
    {.name = "history", .proc = cmd_latency_history, .arity = 3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.8.13", .summary = "Return timestamp-latency samples for the event."},
    {.name = "reset", .proc = cmd_latency_reset, .arity = -2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .since = "2.8.13", .summary = "Reset latency data for one or more events."},
    {.name = "help", .proc = cmd_latency_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .since = "2.8.13", .summary = "Show helpful text about the different subcommands."},
    {.name = NULL}};

static command memory_subs[] = {
    {.name = "usage", .proc = cmd_memory_usage, .arity = -3, .flags = R, .acl = ACL_READ | ACL_SLOW, .keys = {2, 2, 1},
     .since = "4.0.0", .summary = "Estimate the memory usage of a key"},
    {.name = "stats", .proc = cmd_memory_stats, .arity = 2, .flags = 0, .acl = ACL_SLOW,
     .since = "4.0.0", .summary = "Show memory usage details"},
    {.name = "doctor", .proc = cmd_memory_doctor, .arity = 2, .flags = 0, .acl = ACL_SLOW,
     .since = "4.0.0", .summary = "Outputs memory problems report"},
    {.name = "malloc-stats", .proc = cmd_memory_malloc_stats, .arity = 2, .flags = 0, .acl = ACL_SLOW,
     .since = "4.0.0", .summary = "Show allocator internal stats"},
    {.name = "purge", .proc = cmd_memory_purge, .arity = 2, .flags = 0, .acl = ACL_SLOW,
     .since = "4.0.0", .summary = "Ask the allocator to release memory"},
    {.name = "help", .proc = cmd_memory_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW,
     .since = "4.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

static command pubsub_subs[] = {
    {.name = "channels", .proc = cmd_pubsub_channels, .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.8.0", .summary = "List active channels",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"},
    {.name = "numsub", .proc = cmd_pubsub_numsub, .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.8.0", .summary = "Get the count of subscribers for channels",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels"},
    {.name = "numpat", .proc = cmd_pubsub_numpat, .arity = 2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.8.0", .summary = "Get the count of unique patterns pattern subscriptions",
     .complexity = "O(1)"},
    {.name = "shardchannels", .proc = cmd_pubsub_shardchannels, .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "7.0.0", .summary = "List active shard channels",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."},
    {.name = "shardnumsub", .proc = cmd_pubsub_shardnumsub, .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "7.0.0", .summary = "Get the count of subscribers for shard channels",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"},
    {.name = "help", .proc = cmd_pubsub_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "6.2.0", .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = NULL}};

/* ---- Scripting: EVAL and SCRIPT (script.c), FUNCTION and FCALL (function.c) ---- */

static command script_subs[] = {
    {.name = "kill", .proc = cmd_script_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "2.6.0", .summary = "Kill the script currently in execution."},
    {.name = "exists", .proc = cmd_script_exists, .arity = -3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "2.6.0", .summary = "Check existence of scripts in the script cache."},
    {.name = "flush", .proc = cmd_script_flush, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "2.6.0", .summary = "Remove all the scripts from the script cache."},
    {.name = "load", .proc = cmd_script_load, .arity = 3, .flags = CMD_NOSCRIPT | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "2.6.0", .summary = "Load the specified Lua script into the script cache."},
    {.name = "debug", .proc = cmd_script_debug, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "3.2.0", .summary = "Set the debug mode for executed scripts."},
    {.name = "help", .proc = cmd_script_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING, .since = "5.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

#define FUNCTION_ACL (ACL_SLOW | ACL_SCRIPTING)
static command function_subs[] = {
    {.name = "load", .proc = cmd_function_load, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
     .acl = ACL_WRITE | FUNCTION_ACL, .since = "7.0.0", .summary = "Create a function with the given arguments (name, code, description)"},
    {.name = "delete", .proc = cmd_function_delete, .arity = 3, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | FUNCTION_ACL, .since = "7.0.0", .summary = "Delete a function by name"},
    {.name = "flush", .proc = cmd_function_flush, .arity = -2, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | FUNCTION_ACL, .since = "7.0.0", .summary = "Deleting all functions"},
    {.name = "kill", .proc = cmd_function_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = FUNCTION_ACL, .since = "7.0.0", .summary = "Kill the function currently in execution."},
    {.name = "list", .proc = cmd_function_list, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = FUNCTION_ACL, .since = "7.0.0", .summary = "List information about all the functions"},
    {.name = "dump", .proc = cmd_function_dump, .arity = 2, .flags = CMD_NOSCRIPT,
     .acl = FUNCTION_ACL, .since = "7.0.0", .summary = "Dump all functions into a serialized binary payload"},
    {.name = "restore", .proc = cmd_function_restore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT,
     .acl = ACL_WRITE | FUNCTION_ACL, .since = "7.0.0", .summary = "Restore all the functions on the given payload"},
    {.name = "stats", .proc = cmd_function_stats, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = FUNCTION_ACL, .since = "7.0.0", .summary = "Return information about the function currently running (name, description, duration)"},
    {.name = "help", .proc = cmd_function_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = FUNCTION_ACL, .since = "7.0.0", .summary = "Show helpful text about the different subcommands"},
    {.name = NULL}};

/* ---- The table ---- */

#define STR (ACL_STRING)
#define KS (ACL_KEYSPACE)
#define BIT (ACL_BITMAP)

static command table[] = {
    /* Strings */
    {.name = "get", .proc = cmd_get, .arity = 2, .flags = R | F, .acl = STR | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Get the value of a key", .complexity = "O(1)"},
    {.name = "set", .proc = cmd_set, .arity = -3, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Set the string value of a key", .complexity = "O(1)"},
    {.name = "setnx", .proc = cmd_setnx, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Set the value of a key, only if the key does not exist", .complexity = "O(1)"},
    {.name = "setex", .proc = cmd_setex, .arity = 4, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "2.0.0", .summary = "Set the value and expiration of a key", .complexity = "O(1)"},
    {.name = "psetex", .proc = cmd_psetex, .arity = 4, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "2.6.0", .summary = "Set the value and expiration in milliseconds of a key", .complexity = "O(1)"},
    {.name = "mget", .proc = cmd_mget, .arity = -2, .flags = R | F, .acl = STR | ACL_READ | ACL_FAST, .keys = {1, -1, 1},
     .group = "string", .since = "1.0.0", .summary = "Get the values of all the given keys", .complexity = "O(N) where N is the number of keys to retrieve."},
    {.name = "mset", .proc = cmd_mset, .arity = -3, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 2},
     .group = "string", .since = "1.0.1", .summary = "Set multiple keys to multiple values", .complexity = "O(N) where N is the number of keys to set."},
    {.name = "msetnx", .proc = cmd_msetnx, .arity = -3, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 2},
     .group = "string", .since = "1.0.1", .summary = "Set multiple keys to multiple values, only if none of the keys exist", .complexity = "O(N) where N is the number of keys to set."},
    {.name = "getset", .proc = cmd_getset, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Set the string value of a key and return its old value", .complexity = "O(1)"},
    {.name = "getdel", .proc = cmd_getdel, .arity = 2, .flags = W | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "6.2.0", .summary = "Get the value of a key and delete the key", .complexity = "O(1)"},
    {.name = "getex", .proc = cmd_getex, .arity = -2, .flags = W | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "6.2.0", .summary = "Get the value of a key and optionally set its expiration", .complexity = "O(1)"},
    {.name = "append", .proc = cmd_append, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "2.0.0", .summary = "Append a value to a key", .complexity = "O(1)"},
    {.name = "strlen", .proc = cmd_strlen, .arity = 2, .flags = R | F, .acl = STR | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "2.2.0", .summary = "Get the length of the value stored in a key", .complexity = "O(1)"},
    {.name = "incr", .proc = cmd_incr, .arity = 2, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Increment the integer value of a key by one", .complexity = "O(1)"},
    {.name = "decr", .proc = cmd_decr, .arity = 2, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Decrement the integer value of a key by one", .complexity = "O(1)"},
    {.name = "incrby", .proc = cmd_incrby, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Increment the integer value of a key by the given amount", .complexity = "O(1)"},
    {.name = "decrby", .proc = cmd_decrby, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Decrement the integer value of a key by the given number", .complexity = "O(1)"},
    {.name = "incrbyfloat", .proc = cmd_incrbyfloat, .arity = 3, .flags = W | DOOM | F, .acl = STR | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "string", .since = "2.6.0", .summary = "Increment the float value of a key by the given amount", .complexity = "O(1)"},
    {.name = "getrange", .proc = cmd_getrange, .arity = 4, .flags = R, .acl = STR | ACL_READ | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "2.4.0", .summary = "Get a substring of the string stored at a key", .complexity = "O(N) where N is the length of the returned string."},
    {.name = "substr", .proc = cmd_getrange, .arity = 4, .flags = R, .acl = STR | ACL_READ | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "1.0.0", .summary = "Get a substring of the string stored at a key", .complexity = "O(N) where N is the length of the returned string."},
    {.name = "setrange", .proc = cmd_setrange, .arity = 4, .flags = W | DOOM, .acl = STR | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "string", .since = "2.2.0", .summary = "Overwrite part of a string at key starting at the specified offset", .complexity = "O(1)"},
    {.name = "lcs", .proc = cmd_lcs, .arity = -3, .flags = R, .acl = STR | ACL_READ | ACL_SLOW, .keys = {1, 2, 1},
     .group = "string", .since = "7.0.0", .summary = "Find longest common substring", .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively"},
    /* Bitmaps */
    {.name = "setbit", .proc = cmd_setbit, .arity = 4, .flags = W | DOOM, .acl = BIT | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "bitmap", .since = "2.2.0", .summary = "Sets or clears the bit at offset in the string value stored at key", .complexity = "O(1)"},
    {.name = "getbit", .proc = cmd_getbit, .arity = 3, .flags = R | F, .acl = BIT | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "bitmap", .since = "2.2.0", .summary = "Returns the bit value at offset in the string value stored at key", .complexity = "O(1)"},
    {.name = "bitcount", .proc = cmd_bitcount, .arity = -2, .flags = R, .acl = BIT | ACL_READ | ACL_SLOW, .keys = KEY1,
     .group = "bitmap", .since = "2.6.0", .summary = "Count set bits in a string", .complexity = "O(N)"},
    {.name = "bitpos", .proc = cmd_bitpos, .arity = -3, .flags = R, .acl = BIT | ACL_READ | ACL_SLOW, .keys = KEY1,
     .group = "bitmap", .since = "2.8.7", .summary = "Find first bit set or clear in a string", .complexity = "O(N)"},
    {.name = "bitop", .proc = cmd_bitop, .arity = -4, .flags = W | DOOM, .acl = BIT | ACL_WRITE | ACL_SLOW, .keys = {2, -1, 1},
     .group = "bitmap", .since = "2.6.0", .summary = "Perform bitwise operations between strings", .complexity = "O(N)"},
    {.name = "bitfield", .proc = cmd_bitfield, .arity = -2, .flags = W | DOOM, .acl = BIT | ACL_WRITE | ACL_SLOW, .keys = KEY1,
     .group = "bitmap", .since = "3.2.0", .summary = "Perform arbitrary bitfield integer operations on strings", .complexity = "O(1) for each subcommand specified"},
    {.name = "bitfield_ro", .proc = cmd_bitfield_ro, .arity = -2, .flags = R | F, .acl = BIT | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "bitmap", .since = "6.0.0", .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", .complexity = "O(1) for each subcommand specified"},
    /* Keyspace */
    {.name = "select", .proc = cmd_select, .arity = 2, .flags = CMD_LOADING | CMD_STALE | F, .acl = ACL_FAST | ACL_CONNECTION,
     .group = "connection", .since = "1.0.0", .summary = "Change the selected database for the current connection", .complexity = "O(1)"},
    {.name = "swapdb", .proc = cmd_swapdb, .arity = 3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST | ACL_DANGEROUS,
     .group = "server", .since = "4.0.0", .summary = "Swaps two Redis databases", .complexity = "O(N) where N is the count of clients watching or blocking on keys from both databases."},
    {.name = "move", .proc = cmd_move, .arity = 3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "1.0.0", .summary = "Move a key to another database", .complexity = "O(1)"},
    {.name = "copy", .proc = cmd_copy, .arity = -3, .flags = W | DOOM, .acl = KS | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1},
     .group = "generic", .since = "6.2.0", .summary = "Copy a key", .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."},
    {.name = "del", .proc = cmd_del, .arity = -2, .flags = W, .acl = KS | ACL_WRITE | ACL_SLOW, .keys = {1, -1, 1},
     .group = "generic", .since = "1.0.0", .summary = "Delete a key", .complexity = "O(N) where N is the number of keys that will be removed."},
    {.name = "unlink", .proc = cmd_unlink, .arity = -2, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = {1, -1, 1},
     .group = "generic", .since = "4.0.0", .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", .complexity = "O(1) for each key removed regardless of its size."},
    {.name = "exists", .proc = cmd_exists, .arity = -2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = {1, -1, 1},
     .group = "generic", .since = "1.0.0", .summary = "Determine if a key exists", .complexity = "O(N) where N is the number of keys to check."},
    {.name = "type", .proc = cmd_type, .arity = 2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "1.0.0", .summary = "Determine the type stored at key", .complexity = "O(1)"},
    {.name = "keys", .proc = cmd_keys, .arity = 2, .flags = R, .acl = KS | ACL_READ | ACL_SLOW | ACL_DANGEROUS,
     .group = "generic", .since = "1.0.0", .summary = "Find all keys matching the given pattern", .complexity = "O(N) with N being the number of keys in the database"},
    {.name = "scan", .proc = cmd_scan, .arity = -2, .flags = R, .acl = KS | ACL_READ | ACL_SLOW,
     .group = "generic", .since = "2.8.0", .summary = "Incrementally iterate the keys space", .complexity = "O(1) for every call. O(N) for a complete iteration."},
    {.name = "randomkey", .proc = cmd_randomkey, .arity = 1, .flags = R, .acl = KS | ACL_READ | ACL_SLOW,
     .group = "generic", .since = "1.0.0", .summary = "Return a random key from the keyspace", .complexity = "O(1)"},
    {.name = "rename", .proc = cmd_rename, .arity = 3, .flags = W, .acl = KS | ACL_WRITE | ACL_SLOW, .keys = {1, 2, 1},
     .group = "generic", .since = "1.0.0", .summary = "Rename a key", .complexity = "O(1)"},
    {.name = "renamenx", .proc = cmd_renamenx, .arity = 3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = {1, 2, 1},
     .group = "generic", .since = "1.0.0", .summary = "Rename a key, only if the new key does not exist", .complexity = "O(1)"},
    {.name = "dbsize", .proc = cmd_dbsize, .arity = 1, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST,
     .group = "server", .since = "1.0.0", .summary = "Return the number of keys in the selected database", .complexity = "O(1)"},
    {.name = "flushdb", .proc = cmd_flushdb, .arity = -1, .flags = W, .acl = KS | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .since = "1.0.0", .summary = "Remove all keys from the current database", .complexity = "O(N) where N is the number of keys in the selected database"},
    {.name = "flushall", .proc = cmd_flushall, .arity = -1, .flags = W, .acl = KS | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .since = "1.0.0", .summary = "Remove all keys from all databases", .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "touch", .proc = cmd_touch, .arity = -2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = {1, -1, 1},
     .group = "generic", .since = "3.2.1", .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified.", .complexity = "O(N) where N is the number of keys that will be touched."},
    /* DUMP / RESTORE (dump.c) */
    {.name = "dump", .proc = cmd_dump, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_KEYSPACE | ACL_READ | ACL_SLOW, .keys = {1, 1, 1},
     .group = "generic", .since = "2.6.0", .summary = "Return a serialized version of the value stored at the specified key.",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."},
    {.name = "restore", .proc = cmd_restore, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_KEYSPACE | ACL_WRITE | ACL_SLOW | ACL_DANGEROUS, .keys = {1, 1, 1},
     .group = "generic", .since = "2.6.0", .summary = "Create a key using the provided serialized value, previously obtained using DUMP.",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."},
    {.name = "object", .arity = -2, .acl = ACL_SLOW, .subcmds = object_subs,
     .group = "generic", .since = "2.2.3", .summary = "A container for object introspection commands", .complexity = "Depends on subcommand."},
    /* Expiry */
    {.name = "expire", .proc = cmd_expire, .arity = -3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "1.0.0", .summary = "Set a key's time to live in seconds", .complexity = "O(1)"},
    {.name = "pexpire", .proc = cmd_pexpire, .arity = -3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "2.6.0", .summary = "Set a key's time to live in milliseconds", .complexity = "O(1)"},
    {.name = "expireat", .proc = cmd_expireat, .arity = -3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "1.2.0", .summary = "Set the expiration for a key as a UNIX timestamp", .complexity = "O(1)"},
    {.name = "pexpireat", .proc = cmd_pexpireat, .arity = -3, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "2.6.0", .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds", .complexity = "O(1)"},
    {.name = "ttl", .proc = cmd_ttl, .arity = 2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "1.0.0", .summary = "Get the time to live for a key in seconds", .complexity = "O(1)"},
    {.name = "pttl", .proc = cmd_pttl, .arity = 2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "2.6.0", .summary = "Get the time to live for a key in milliseconds", .complexity = "O(1)"},
    {.name = "expiretime", .proc = cmd_expiretime, .arity = 2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "7.0.0", .summary = "Get the expiration Unix timestamp for a key", .complexity = "O(1)"},
    {.name = "pexpiretime", .proc = cmd_pexpiretime, .arity = 2, .flags = R | F, .acl = KS | ACL_READ | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "7.0.0", .summary = "Get the expiration Unix timestamp for a key in milliseconds", .complexity = "O(1)"},
    {.name = "persist", .proc = cmd_persist, .arity = 2, .flags = W | F, .acl = KS | ACL_WRITE | ACL_FAST, .keys = KEY1,
     .group = "generic", .since = "2.2.0", .summary = "Remove the expiration from a key", .complexity = "O(1)"},
    /* Connection and server */
    {.name = "ping", .proc = cmd_ping, .arity = -1, .flags = F | CMD_SENTINEL, .acl = ACL_FAST | ACL_CONNECTION,
     .group = "connection", .since = "1.0.0", .summary = "Ping the server", .complexity = "O(1)"},
    {.name = "echo", .proc = cmd_echo, .arity = 2, .flags = F | CMD_LOADING | CMD_STALE, .acl = ACL_FAST | ACL_CONNECTION,
     .group = "connection", .since = "1.0.0", .summary = "Echo the given string", .complexity = "O(1)"},
    {.name = "quit", .proc = cmd_quit, .arity = -1, .flags = CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH,
     .acl = ACL_FAST | ACL_CONNECTION, .group = "connection", .since = "1.0.0", .summary = "Close the connection", .complexity = "O(1)"},
    {.name = "reset", .proc = cmd_reset, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_CONNECTION, .group = "connection", .since = "6.2.0", .summary = "Reset the connection", .complexity = "O(1)"},
    {.name = "time", .proc = cmd_time, .arity = 1, .flags = CMD_LOADING | CMD_STALE | F, .acl = ACL_FAST,
     .group = "server", .since = "2.6.0", .summary = "Return the current server time", .complexity = "O(1)"},
    {.name = "hello", .proc = cmd_hello, .arity = -1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_SENTINEL | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_CONNECTION, .group = "connection", .since = "6.0.0", .summary = "Handshake with Redis", .complexity = "O(1)"},
    {.name = "auth", .proc = cmd_auth, .arity = -2, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | F | CMD_NO_AUTH | CMD_SENTINEL | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_CONNECTION, .group = "connection", .since = "1.0.0", .summary = "Authenticate to the server", .complexity = "O(N) where N is the number of passwords defined for the user"},
    {.name = "shutdown", .proc = cmd_shutdown, .arity = -1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_SENTINEL | CMD_ALLOW_BUSY,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "Synchronously save the dataset to disk and then shut down the server", .complexity = "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"},
    {.name = "monitor", .proc = cmd_monitor, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "Listen for all requests received by the server in real time"},
    {.name = "debug", .proc = cmd_debug, .arity = -2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PROTECTED,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "A container for debugging commands", .complexity = "Depends on subcommand."},
    {.name = "info", .proc = cmd_info, .arity = -1, .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW | ACL_DANGEROUS,
     .group = "server", .since = "1.0.0", .summary = "Get information and statistics about the server", .complexity = "O(1)"},
    {.name = "config", .arity = -2, .acl = ACL_SLOW, .subcmds = config_subs,
     .group = "server", .since = "2.0.0", .summary = "A container for server configuration commands", .complexity = "Depends on subcommand."},
    {.name = "client", .arity = -2, .acl = ACL_SLOW, .subcmds = client_subs, .flags = CMD_SENTINEL,
     .group = "connection", .since = "2.4.0", .summary = "A container for client connection commands", .complexity = "Depends on subcommand."},
    {.name = "command", .proc = cmd_command, .arity = -1, .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW | ACL_CONNECTION,
     .subcmds = command_subs, .group = "server", .since = "2.8.13", .summary = "Get array of Redis command details", .complexity = "O(N) where N is the total number of Redis commands"},
    {.name = "slowlog", .arity = -2, .acl = ACL_SLOW, .subcmds = slowlog_subs,
     .group = "server", .since = "2.2.12", .summary = "A container for slow log commands", .complexity = "Depends on subcommand."},
    {.name = "latency", .arity = -2, .acl = ACL_SLOW, .subcmds = latency_subs,
     .group = "server", .since = "2.8.13", .summary = "A container for latency diagnostics commands", .complexity = "Depends on subcommand."},
    {.name = "module", .arity = -2, .acl = ACL_SLOW, .subcmds = module_subs,
     .group = "server", .since = "4.0.0", .summary = "A container for module commands", .complexity = "Depends on subcommand."},
    {.name = "memory", .arity = -2, .acl = ACL_SLOW, .subcmds = memory_subs,
     .group = "server", .since = "4.0.0", .summary = "A container for memory diagnostics commands", .complexity = "Depends on subcommand."},
    /* Transactions */
    {.name = "multi", .proc = cmd_multi, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .keys = {0, 0, 0},
     .group = "transactions", .since = "1.2.0", .summary = "Mark the start of a transaction block",
     .complexity = "O(1)"},
    {.name = "exec", .proc = cmd_exec, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG,
     .acl = ACL_SLOW | ACL_TRANSACTION, .keys = {0, 0, 0},
     .group = "transactions", .since = "1.2.0", .summary = "Execute all commands issued after MULTI",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .proc = cmd_discard, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .keys = {0, 0, 0},
     .group = "transactions", .since = "2.0.0", .summary = "Discard all commands issued after MULTI",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .proc = cmd_watch, .arity = -2, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .keys = {1, -1, 1},
     .group = "transactions", .since = "2.2.0", .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .complexity = "O(1) for every key."},
    {.name = "unwatch", .proc = cmd_unwatch, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION, .keys = {0, 0, 0},
     .group = "transactions", .since = "2.2.0", .summary = "Forget about all watched keys",
     .complexity = "O(1)"},
    /* Pub/Sub */
    {.name = "subscribe", .proc = cmd_subscribe, .arity = -2, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.0.0", .summary = "Listen for messages published to the given channels",
     .complexity = "O(N) where N is the number of channels to subscribe to."},
    {.name = "unsubscribe", .proc = cmd_unsubscribe, .arity = -1, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.0.0", .summary = "Stop listening for messages posted to the given channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel."},
    {.name = "psubscribe", .proc = cmd_psubscribe, .arity = -2, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.0.0", .summary = "Listen for messages published to channels matching the given patterns",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to."},
    {.name = "punsubscribe", .proc = cmd_punsubscribe, .arity = -1, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.0.0", .summary = "Stop listening for messages posted to channels matching the given patterns",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."},
    {.name = "publish", .proc = cmd_publish, .arity = 3, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_PUBSUB | ACL_FAST, .keys = {0, 0, 0},
     .group = "pubsub", .since = "2.0.0", .summary = "Post a message to a channel",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."},
    {.name = "ssubscribe", .proc = cmd_ssubscribe, .arity = -2, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1},
     .group = "pubsub", .since = "7.0.0", .summary = "Listen for messages published to the given shard channels",
     .complexity = "O(N) where N is the number of shard channels to subscribe to."},
    {.name = "sunsubscribe", .proc = cmd_sunsubscribe, .arity = -1, .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1},
     .group = "pubsub", .since = "7.0.0", .summary = "Stop listening for messages posted to the given shard channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard channel."},
    {.name = "spublish", .proc = cmd_spublish, .arity = 3, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_PUBSUB | ACL_FAST, .keys = {1, 1, 1},
     .group = "pubsub", .since = "7.0.0", .summary = "Post a message to a shard channel",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel."},
    {.name = "pubsub", .arity = -2, .acl = ACL_SLOW, .subcmds = pubsub_subs,
     .group = "pubsub", .since = "2.8.0", .summary = "A container for Pub/Sub commands",
     .complexity = "Depends on subcommand."},
    {.name = "replicaof", .proc = cmd_replicaof, .arity = 3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "5.0.0",
     .summary = "Make the server a replica of another instance, or promote it as master.", .complexity = "O(1)"},
    {.name = "slaveof", .proc = cmd_slaveof, .arity = 3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Make the server a replica of another instance, or promote it as master.", .complexity = "O(1)"},
    {.name = "role", .proc = cmd_role, .arity = 1, .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS, .group = "server", .since = "2.8.12",
     .summary = "Return the role of the instance in the context of replication", .complexity = "O(1)"},
    {.name = "wait", .proc = cmd_wait, .arity = 3, .flags = CMD_NOSCRIPT, .acl = ACL_SLOW | ACL_CONNECTION,
     .group = "generic", .since = "3.0.0",
     .summary = "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
     .complexity = "O(1)"},
    {.name = "replconf", .proc = cmd_replconf, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "3.0.0",
     .summary = "An internal command for configuring the replication stream", .complexity = "O(1)"},
    {.name = "psync", .proc = cmd_psync, .arity = -3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "2.8.0",
     .summary = "Internal command used for replication", .complexity = ""},
    {.name = "sync", .proc = cmd_sync, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Internal command used for replication", .complexity = ""},
    {.name = "failover", .proc = cmd_failover, .arity = -1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "6.2.0",
     .summary = "Start a coordinated failover between this server and one of its replicas.", .complexity = "O(1)"},
    /* Scripting (script.c, function.c) */
#define SCRIPTING (CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS | CMD_STALE | CMD_SCRIPT_FLAGS)
    {.name = "eval", .proc = cmd_eval, .arity = -3, .flags = SCRIPTING, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "2.6.0", .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed."},
    {.name = "evalsha", .proc = cmd_evalsha, .arity = -3, .flags = SCRIPTING, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "2.6.0", .summary = "Execute a Lua script server side",
     .complexity = "Depends on the script that is executed."},
    {.name = "eval_ro", .proc = cmd_eval_ro, .arity = -3, .flags = SCRIPTING | R, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "7.0.0", .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed."},
    {.name = "evalsha_ro", .proc = cmd_evalsha_ro, .arity = -3, .flags = SCRIPTING | R, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "7.0.0", .summary = "Execute a read-only Lua script server side",
     .complexity = "Depends on the script that is executed."},
    {.name = "script", .arity = -2, .acl = ACL_SLOW, .subcmds = script_subs, .group = "scripting",
     .since = "2.6.0", .summary = "A container for Lua scripts management commands", .complexity = "Depends on subcommand."},
    {.name = "fcall", .proc = cmd_fcall, .arity = -3, .flags = SCRIPTING, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "7.0.0", .summary = "Invoke a function",
     .complexity = "Depends on the function that is executed."},
    {.name = "fcall_ro", .proc = cmd_fcall_ro, .arity = -3, .flags = SCRIPTING | R, .acl = ACL_SLOW | ACL_SCRIPTING,
     .getkeys = script_eval_getkeys, .group = "scripting", .since = "7.0.0", .summary = "Invoke a read-only function",
     .complexity = "Depends on the function that is executed."},
    {.name = "function", .arity = -2, .acl = ACL_SLOW, .subcmds = function_subs, .group = "scripting",
     .since = "7.0.0", .summary = "A container for function commands", .complexity = "Depends on subcommand."},
    {.name = "lastsave", .proc = cmd_lastsave, .arity = 1, .flags = CMD_LOADING | CMD_STALE | F, .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS,
     .group = "server", .since = "1.0.0", .summary = "Get the UNIX time stamp of the last successful save to disk", .complexity = "O(1)"},
    {.name = "save", .proc = cmd_save, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "Synchronously save the dataset to disk",
     .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "bgsave", .proc = cmd_bgsave, .arity = -1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "Asynchronously save the dataset to disk",
     .complexity = "O(1)"},
    {.name = "bgrewriteaof", .proc = cmd_bgrewriteaof, .arity = 1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0", .summary = "Asynchronously rewrite the append-only file",
     .complexity = "O(1)"},
    /* ---- Hashes (t_hash.c) ---- */
    {.name = "hset", .proc = cmd_hset, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Set the string value of a hash field",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."},
    {.name = "hsetnx", .proc = cmd_hsetnx, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Set the value of a hash field, only if the field does not exist",
     .complexity = "O(1)"},
    {.name = "hget", .proc = cmd_hget, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get the value of a hash field",
     .complexity = "O(1)"},
    {.name = "hmget", .proc = cmd_hmget, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get the values of all the given hash fields",
     .complexity = "O(N) where N is the number of fields being requested."},
    {.name = "hmset", .proc = cmd_hmset, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Set multiple hash fields to multiple values",
     .complexity = "O(N) where N is the number of fields being set."},
    {.name = "hdel", .proc = cmd_hdel, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Delete one or more hash fields",
     .complexity = "O(N) where N is the number of fields to be removed."},
    {.name = "hlen", .proc = cmd_hlen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get the number of fields in a hash",
     .complexity = "O(1)"},
    {.name = "hstrlen", .proc = cmd_hstrlen, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "3.2.0", .summary = "Get the length of the value of a hash field",
     .complexity = "O(1)"},
    {.name = "hexists", .proc = cmd_hexists, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Determine if a hash field exists",
     .complexity = "O(1)"},
    {.name = "hkeys", .proc = cmd_hkeys, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get all the fields in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hvals", .proc = cmd_hvals, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get all the values in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hgetall", .proc = cmd_hgetall, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Get all the fields and values in a hash",
     .complexity = "O(N) where N is the size of the hash."},
    {.name = "hincrby", .proc = cmd_hincrby, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.0.0", .summary = "Increment the integer value of a hash field by the given number",
     .complexity = "O(1)"},
    {.name = "hincrbyfloat", .proc = cmd_hincrbyfloat, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HASH | ACL_FAST, .keys = {1, 1, 1},
     .group = "hash", .since = "2.6.0", .summary = "Increment the float value of a hash field by the given amount",
     .complexity = "O(1)"},
    {.name = "hrandfield", .proc = cmd_hrandfield, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1},
     .group = "hash", .since = "6.2.0", .summary = "Get one or multiple random fields from a hash",
     .complexity = "O(N) where N is the number of fields returned"},
    {.name = "hscan", .proc = cmd_hscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_HASH | ACL_SLOW, .keys = {1, 1, 1},
     .group = "hash", .since = "2.8.0", .summary = "Incrementally iterate hash fields and associated values",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."},
    /* ---- Sets (t_set.c) ---- */
    {.name = "sadd", .proc = cmd_sadd, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Add one or more members to a set",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
    {.name = "srem", .proc = cmd_srem, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Remove one or more members from a set",
     .complexity = "O(N) where N is the number of members to be removed."},
    {.name = "scard", .proc = cmd_scard, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Get the number of members in a set",
     .complexity = "O(1)"},
    {.name = "sismember", .proc = cmd_sismember, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Determine if a given value is a member of a set",
     .complexity = "O(1)"},
    {.name = "smismember", .proc = cmd_smismember, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "6.2.0", .summary = "Returns the membership associated with the given elements for a set",
     .complexity = "O(N) where N is the number of elements being checked for membership"},
    {.name = "smembers", .proc = cmd_smembers, .arity = 2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Get all the members in a set",
     .complexity = "O(N) where N is the set cardinality."},
    {.name = "srandmember", .proc = cmd_srandmember, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Get one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."},
    {.name = "spop", .proc = cmd_spop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 1, 1},
     .group = "set", .since = "1.0.0", .summary = "Remove and return one or multiple random members from a set",
     .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."},
    {.name = "smove", .proc = cmd_smove, .arity = 4, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SET | ACL_FAST, .keys = {1, 2, 1},
     .group = "set", .since = "1.0.0", .summary = "Move a member from one set to another",
     .complexity = "O(1)"},
    {.name = "sinter", .proc = cmd_sinter, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Intersect multiple sets",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
    {.name = "sintercard", .proc = cmd_sintercard, .getkeys = cmd_sintercard_keys, .arity = -3, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "set", .since = "7.0.0", .summary = "Intersect multiple sets and return the cardinality of the result",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
    {.name = "sinterstore", .proc = cmd_sinterstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Intersect multiple sets and store the resulting set in a key",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
    {.name = "sunion", .proc = cmd_sunion, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Add multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets."},
    {.name = "sunionstore", .proc = cmd_sunionstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Add multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets."},
    {.name = "sdiff", .proc = cmd_sdiff, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Subtract multiple sets",
     .complexity = "O(N) where N is the total number of elements in all given sets."},
    {.name = "sdiffstore", .proc = cmd_sdiffstore, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SET | ACL_SLOW, .keys = {1, -1, 1},
     .group = "set", .since = "1.0.0", .summary = "Subtract multiple sets and store the resulting set in a key",
     .complexity = "O(N) where N is the total number of elements in all given sets."},
    {.name = "sscan", .proc = cmd_sscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "set", .since = "2.8.0", .summary = "Incrementally iterate Set elements",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."},
    /* ---- Lists (t_list.c, blocking.c) ---- */
    {.name = "lpush", .proc = cmd_lpush, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Prepend one or multiple elements to a list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
    {.name = "rpush", .proc = cmd_rpush, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Append one or multiple elements to a list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
    {.name = "lpushx", .proc = cmd_lpushx, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "2.2.0", .summary = "Prepend an element to a list, only if the list exists",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
    {.name = "rpushx", .proc = cmd_rpushx, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "2.2.0", .summary = "Append an element to a list, only if the list exists",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
    {.name = "lpop", .proc = cmd_lpop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Remove and get the first elements in a list",
     .complexity = "O(N) where N is the number of elements returned"},
    {.name = "rpop", .proc = cmd_rpop, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Remove and get the last elements in a list",
     .complexity = "O(N) where N is the number of elements returned"},
    {.name = "llen", .proc = cmd_llen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_LIST | ACL_FAST, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Get the length of a list",
     .complexity = "O(1)"},
    {.name = "lrange", .proc = cmd_lrange, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Get a range of elements from a list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."},
    {.name = "lindex", .proc = cmd_lindex, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Get an element from a list by its index",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."},
    {.name = "lset", .proc = cmd_lset, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Set the value of an element in a list by its index",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."},
    {.name = "linsert", .proc = cmd_linsert, .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "2.2.0", .summary = "Insert an element before or after another element in a list",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."},
    {.name = "lrem", .proc = cmd_lrem, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Remove elements from a list",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements removed."},
    {.name = "ltrim", .proc = cmd_ltrim, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "1.0.0", .summary = "Trim a list to the specified range",
     .complexity = "O(N) where N is the number of elements to be removed by the operation."},
    {.name = "lpos", .proc = cmd_lpos, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_LIST | ACL_SLOW, .keys = {1, 1, 1},
     .group = "list", .since = "6.0.6", .summary = "Return the index of matching elements on a list",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."},
    {.name = "lmove", .proc = cmd_lmove, .arity = 5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 2, 1},
     .group = "list", .since = "6.2.0", .summary = "Pop an element from a list, push it to another list and return it",
     .complexity = "O(1)"},
    {.name = "rpoplpush", .proc = cmd_rpoplpush, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {1, 2, 1},
     .group = "list", .since = "1.2.0", .summary = "Remove the last element in a list, prepend it to another list and return it",
     .complexity = "O(1)"},
    {.name = "lmpop", .proc = cmd_lmpop, .arity = -4, .flags = CMD_WRITE | CMD_MOVABLE_KEYS, .getkeys = list_lmpop_getkeys,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW, .keys = {0, 0, 0},
     .group = "list", .since = "7.0.0", .summary = "Pop elements from a list",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned."},
    {.name = "blpop", .proc = cmd_blpop, .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, -2, 1},
     .group = "list", .since = "2.0.0", .summary = "Remove and get the first element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys."},
    {.name = "brpop", .proc = cmd_brpop, .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, -2, 1},
     .group = "list", .since = "2.0.0", .summary = "Remove and get the last element in a list, or block until one is available",
     .complexity = "O(N) where N is the number of provided keys."},
    {.name = "blmove", .proc = cmd_blmove, .arity = 6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1},
     .group = "list", .since = "6.2.0", .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)"},
    {.name = "brpoplpush", .proc = cmd_brpoplpush, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT | CMD_BLOCKING,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {1, 2, 1},
     .group = "list", .since = "2.2.0", .summary = "Pop an element from a list, push it to another list and return it; or block until one is available",
     .complexity = "O(1)"},
    {.name = "blmpop", .proc = cmd_blmpop, .arity = -5, .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, .getkeys = list_blmpop_getkeys,
     .acl = ACL_WRITE | ACL_LIST | ACL_SLOW | ACL_BLOCKING, .keys = {0, 0, 0},
     .group = "list", .since = "7.0.0", .summary = "Pop elements from a list, or block until one is available",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned."},
    /* ---- Sorted sets (t_zset.c; BZPOPMIN/BZPOPMAX/BZMPOP: blocking.c) ---- */
    {.name = "zadd", .proc = cmd_zadd, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Add one or more members to a sorted set, or update its score if it already exists",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
    {.name = "zincrby", .proc = cmd_zincrby, .arity = 4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Increment the score of a member in a sorted set",
     .complexity = "O(log(N)) where N is the number of elements in the sorted set."},
    {.name = "zrem", .proc = cmd_zrem, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Remove one or more members from a sorted set",
     .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."},
    {.name = "zcard", .proc = cmd_zcard, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Get the number of members in a sorted set",
     .complexity = "O(1)"},
    {.name = "zcount", .proc = cmd_zcount, .arity = 4, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Count the members in a sorted set with scores within the given values",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "zlexcount", .proc = cmd_zlexcount, .arity = 4, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.8.9", .summary = "Count the number of members in a sorted set between a given lexicographical range",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "zscore", .proc = cmd_zscore, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Get the score associated with the given member in a sorted set",
     .complexity = "O(1)"},
    {.name = "zmscore", .proc = cmd_zmscore, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "6.2.0", .summary = "Get the score associated with the given members in a sorted set",
     .complexity = "O(N) where N is the number of members being requested."},
    {.name = "zrank", .proc = cmd_zrank, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Determine the index of a member in a sorted set",
     .complexity = "O(log(N))"},
    {.name = "zrevrank", .proc = cmd_zrevrank, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Determine the index of a member in a sorted set, with scores ordered from high to low",
     .complexity = "O(log(N))"},
    {.name = "zrange", .proc = cmd_zrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Return a range of members in a sorted set",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."},
    {.name = "zrangestore", .proc = cmd_zrangestore, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 2, 1},
     .group = "sorted-set", .since = "6.2.0", .summary = "Store a range of members from sorted set into another key",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."},
    {.name = "zrangebyscore", .proc = cmd_zrangebyscore, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.0.5", .summary = "Return a range of members in a sorted set, by score",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."},
    {.name = "zrevrangebyscore", .proc = cmd_zrevrangebyscore, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.2.0", .summary = "Return a range of members in a sorted set, by score, with scores ordered from high to low",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."},
    {.name = "zrangebylex", .proc = cmd_zrangebylex, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.8.9", .summary = "Return a range of members in a sorted set, by lexicographical range",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."},
    {.name = "zrevrangebylex", .proc = cmd_zrevrangebylex, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.8.9", .summary = "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."},
    {.name = "zrevrange", .proc = cmd_zrevrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Return a range of members in a sorted set, by index, with scores ordered from high to low",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."},
    {.name = "zremrangebyrank", .proc = cmd_zremrangebyrank, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Remove all members in a sorted set within the given indexes",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
    {.name = "zremrangebyscore", .proc = cmd_zremrangebyscore, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "1.2.0", .summary = "Remove all members in a sorted set within the given scores",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
    {.name = "zremrangebylex", .proc = cmd_zremrangebylex, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.8.9", .summary = "Remove all members in a sorted set between the given lexicographical range",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
    {.name = "zpopmin", .proc = cmd_zpopmin, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "5.0.0", .summary = "Remove and return members with the lowest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."},
    {.name = "zpopmax", .proc = cmd_zpopmax, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "5.0.0", .summary = "Remove and return members with the highest scores in a sorted set",
     .complexity = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."},
    {.name = "zmpop", .proc = cmd_zmpop, .arity = -4, .flags = CMD_WRITE | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "7.0.0", .summary = "Remove and return members with scores in a sorted set",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
     .getkeys = zset_getkeys_numkeys},
    {.name = "zrandmember", .proc = cmd_zrandmember, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "6.2.0", .summary = "Get one or multiple random elements from a sorted set",
     .complexity = "O(N) where N is the number of elements returned"},
    {.name = "zunion", .proc = cmd_zunion, .arity = -3, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "6.2.0", .summary = "Add multiple sorted sets",
     .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
     .getkeys = zset_getkeys_numkeys},
    {.name = "zinter", .proc = cmd_zinter, .arity = -3, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "6.2.0", .summary = "Intersect multiple sorted sets",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
     .getkeys = zset_getkeys_numkeys},
    {.name = "zdiff", .proc = cmd_zdiff, .arity = -3, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "6.2.0", .summary = "Subtract multiple sorted sets",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
     .getkeys = zset_getkeys_numkeys},
    {.name = "zunionstore", .proc = cmd_zunionstore, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
     .getkeys = zset_getkeys_store},
    {.name = "zinterstore", .proc = cmd_zinterstore, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.0.0", .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
     .getkeys = zset_getkeys_store},
    {.name = "zdiffstore", .proc = cmd_zdiffstore, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "6.2.0", .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
     .getkeys = zset_getkeys_store},
    {.name = "zintercard", .proc = cmd_zintercard, .arity = -3, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "7.0.0", .summary = "Intersect multiple sorted sets and return the cardinality of the result",
     .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
     .getkeys = zset_getkeys_numkeys},
    {.name = "zscan", .proc = cmd_zscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1},
     .group = "sorted-set", .since = "2.8.0", .summary = "Incrementally iterate sorted sets elements and associated scores",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."},
    /* ---- Blocking sorted-set pops (blocking.c) ---- */
    {.name = "bzpopmin", .proc = cmd_bzpopmin, .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .keys = {1, -2, 1},
     .group = "sorted-set", .since = "5.0.0", .summary = "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "bzpopmax", .proc = cmd_bzpopmax, .arity = -3, .flags = CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST | ACL_BLOCKING, .keys = {1, -2, 1},
     .group = "sorted-set", .since = "5.0.0", .summary = "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
     .complexity = "O(log(N)) with N being the number of elements in the sorted set."},
    {.name = "bzmpop", .proc = cmd_bzmpop, .arity = -5, .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS, .getkeys = list_blmpop_getkeys,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW | ACL_BLOCKING, .keys = {0, 0, 0},
     .group = "sorted-set", .since = "7.0.0", .summary = "Remove and return members with scores in a sorted set or block until one is available",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."},
    /* ---- SORT (sort.c) ---- */
    {.name = "sort", .proc = cmd_sort, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, .getkeys = sort_getkeys,
     .acl = ACL_WRITE | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS, .keys = {1, 1, 1},
     .group = "generic", .since = "1.0.0", .summary = "Sort the elements in a list, set or sorted set",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
    {.name = "sort_ro", .proc = cmd_sort_ro, .arity = -2, .flags = CMD_READONLY | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_SLOW | ACL_DANGEROUS, .keys = {1, 1, 1},
     .group = "generic", .since = "7.0.0", .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
    /* ---- HyperLogLog (hllcmd.c) ---- */
    {.name = "pfadd", .proc = cmd_pfadd, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_FAST, .keys = {1, 1, 1},
     .group = "hyperloglog", .since = "2.8.9", .summary = "Adds the specified elements to the specified HyperLogLog.",
     .complexity = "O(1) to add every element."},
    {.name = "pfcount", .proc = cmd_pfcount, .arity = -2, .flags = CMD_READONLY | CMD_MAY_REPLICATE,
     .acl = ACL_READ | ACL_HYPERLOGLOG | ACL_SLOW, .keys = {1, -1, 1},
     .group = "hyperloglog", .since = "2.8.9", .summary = "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
     .complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys."},
    {.name = "pfmerge", .proc = cmd_pfmerge, .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_SLOW, .keys = {1, -1, 1}, .getkeys = hllcmd_pfmerge_getkeys,
     .group = "hyperloglog", .since = "2.8.9", .summary = "Merge N different HyperLogLogs into a single one.",
     .complexity = "O(N) to merge N HyperLogLogs, but with high constant times."},
    {.name = "pfdebug", .proc = cmd_pfdebug, .arity = 3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_ADMIN,
     .acl = ACL_WRITE | ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .keys = {2, 2, 1},
     .group = "hyperloglog", .since = "2.8.9", .summary = "Internal commands for debugging HyperLogLog values",
     .complexity = "N/A"},
    {.name = "pfselftest", .proc = cmd_pfselftest, .arity = 1, .flags = CMD_ADMIN,
     .acl = ACL_HYPERLOGLOG | ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .keys = {0, 0, 0},
     .group = "hyperloglog", .since = "2.8.9", .summary = "An internal command for testing HyperLogLog values",
     .complexity = "N/A"},
    /* ---- Geo (geo.c) ---- */
    {.name = "geoadd", .proc = cmd_geoadd, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.0", .summary = "Add one or more geospatial items in the geospatial index represented using a sorted set",
     .complexity = "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
    {.name = "geodist", .proc = cmd_geodist, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.0", .summary = "Returns the distance between two members of a geospatial index",
     .complexity = "O(log(N))"},
    {.name = "geohash", .proc = cmd_geohash, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.0", .summary = "Returns members of a geospatial index as standard geohash strings",
     .complexity = "O(log(N)) for each member requested, where N is the number of elements in the sorted set."},
    {.name = "geopos", .proc = cmd_geopos, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.0", .summary = "Returns longitude and latitude of members of a geospatial index",
     .complexity = "O(N) where N is the number of members requested."},
    {.name = "georadius", .proc = cmd_georadius, .arity = -6, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}, .getkeys = geo_georadius_getkeys,
     .group = "geo", .since = "3.2.0", .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."},
    {.name = "georadius_ro", .proc = cmd_georadius_ro, .arity = -6, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.10", .summary = "A read-only variant for GEORADIUS",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."},
    {.name = "georadiusbymember", .proc = cmd_georadiusbymember, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}, .getkeys = geo_georadiusbymember_getkeys,
     .group = "geo", .since = "3.2.0", .summary = "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."},
    {.name = "georadiusbymember_ro", .proc = cmd_georadiusbymember_ro, .arity = -5, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "3.2.10", .summary = "A read-only variant for GEORADIUSBYMEMBER",
     .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."},
    {.name = "geosearch", .proc = cmd_geosearch, .arity = -7, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1},
     .group = "geo", .since = "6.2.0", .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
     .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"},
    {.name = "geosearchstore", .proc = cmd_geosearchstore, .arity = -8, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 2, 1},
     .group = "geo", .since = "6.2.0", .summary = "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
     .complexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"},
    {.name = NULL},
};

/* ---- Lookup ---- */

#define INDEX_SIZE 1024   /* power of two, well above the command count */
/* Name -> command. The name is the command's own, or the one rename-command
 * gave it (owned by the index then). */
static struct index_entry {
    const char *name;
    command *cmd;
} index_slots[INDEX_SIZE];

static uint64_t name_hash(const char *p, size_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)tolower((unsigned char)p[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

static bool name_eq(const char *p, size_t len, const char *name) {
    size_t i = 0;
    for (; i < len; i++) {
        if (name[i] == '\0' || tolower((unsigned char)p[i]) != name[i]) return false;
    }
    return name[i] == '\0';
}

static void index_add(const char *name, command *cmd) {
    size_t i = name_hash(name, strlen(name)) & (INDEX_SIZE - 1);
    while (index_slots[i].cmd) i = (i + 1) & (INDEX_SIZE - 1);
    index_slots[i] = (struct index_entry){name, cmd};
}

static struct index_entry *index_find(const char *name, size_t len) {
    size_t i = name_hash(name, len) & (INDEX_SIZE - 1);
    while (index_slots[i].cmd) {
        if (name_eq(name, len, index_slots[i].name)) return &index_slots[i];
        i = (i + 1) & (INDEX_SIZE - 1);
    }
    return NULL;
}

command *cmdtable_find(const char *name, size_t len) {
    struct index_entry *e = index_find(name, len);
    return e ? e->cmd : NULL;
}

/* rename-command: the command answers to 'to' instead (to "" removes it).
 * The table's own name stays for COMMAND INFO, as in Redis. The index is
 * rebuilt without the old name, which keeps its probe chains whole. */
int cmdtable_rename(const char *from, size_t flen, const char *to, size_t tlen) {
    struct index_entry *e = index_find(from, flen);
    if (e == NULL) return -1;
    if (tlen && index_find(to, tlen)) return -2;
    command *cmd = e->cmd;
    const char *old = e->name;
    size_t skip = (size_t)(e - index_slots);
    static struct index_entry saved[INDEX_SIZE];
    memcpy(saved, index_slots, sizeof(saved));
    memset(index_slots, 0, sizeof(index_slots));
    for (size_t i = 0; i < INDEX_SIZE; i++)
        if (saved[i].cmd && i != skip) index_add(saved[i].name, saved[i].cmd);
    if (old != cmd->name) mem_free((char *)old);
    if (tlen) {
        char *name = mem_alloc(tlen + 1);
        for (size_t i = 0; i < tlen; i++) name[i] = (char)tolower((unsigned char)to[i]);
        name[tlen] = '\0';
        index_add(name, cmd);
    }
    return 0;
}

static command *find_sub(command *parent, const char *name, size_t len) {
    for (command *s = parent->subcmds; s && s->name; s++)
        if (name_eq(name, len, s->name)) return s;
    return NULL;
}

void cmdtable_init(void) {
    for (command *cmd = table; cmd->name; cmd++) {
        cmd->fullname = mem_strdup(cmd->name);
        index_add(cmd->name, cmd);
        for (command *s = cmd->subcmds; s && s->name; s++) {
            s->parent = cmd;
            size_t n = strlen(cmd->name) + strlen(s->name) + 2;
            s->fullname = mem_alloc(n);
            snprintf(s->fullname, n, "%s|%s", cmd->name, s->name);
            if (s->group == NULL) s->group = cmd->group;
            if (s->complexity == NULL) s->complexity = "O(1)";
        }
    }
}

command *cmdtable_lookup(client *c) {
    command *cmd = cmdtable_find(c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL || cmd->subcmds == NULL || c->argc < 2) return cmd;
    command *sub = find_sub(cmd, c->argv[1].ptr, c->argv[1].len);
    /* COMMAND alone is a command; other containers need a subcommand. */
    return sub ? sub : (cmd->proc ? cmd : NULL);
}

void cmdtable_foreach(cmdtable_fn *fn, void *priv) {
    for (command *cmd = table; cmd->name; cmd++) fn(cmd, priv);
}

static void reset_one(command *cmd) {
    cmd->calls = cmd->usec = cmd->rejected = cmd->failed = 0;
}

void cmdtable_reset_stats(void) {
    for (command *cmd = table; cmd->name; cmd++) {
        reset_one(cmd);
        for (command *s = cmd->subcmds; s && s->name; s++) reset_one(s);
    }
}

/* ---- Dispatch ---- */

static void reject(client *c, command *cmd, const char *err) {
    if (cmd) cmd->rejected++;
    reply_error(c, err);
}

static void reject_unknown(client *c) {
    command *base = cmdtable_find(c->argv[0].ptr, c->argv[0].len);
    if (base && base->subcmds) {
        char upper[64];
        size_t n = c->argv[0].len < sizeof(upper) - 1 ? c->argv[0].len : sizeof(upper) - 1;
        for (size_t i = 0; i < n; i++) upper[i] = (char)toupper((unsigned char)c->argv[0].ptr[i]);
        upper[n] = '\0';
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr, upper);
        return;
    }
    char args[256];
    size_t off = 0;
    args[0] = '\0';
    for (int i = 1; i < c->argc && off < 128; i++) {
        int room = 128 - (int)off;
        int w = snprintf(args + off, sizeof(args) - off, "'%.*s' ",
                         (int)(c->argv[i].len < (size_t)room ? c->argv[i].len : (size_t)room),
                         c->argv[i].ptr);
        if (w < 0) break;
        off += (size_t)w;
        if (off >= sizeof(args)) off = sizeof(args) - 1;
    }
    reply_errorf(c, "ERR unknown command '%.128s', with args beginning with: %s", c->argv[0].ptr, args);
}

static bool arity_ok(const command *cmd, int argc) {
    return (cmd->arity > 0 && cmd->arity == argc) || (cmd->arity < 0 && argc >= -cmd->arity);
}

static int call_depth;   /* > 1 inside EXEC */
/* Error replies counted when the last call (or refusal) ended: a command
 * failed if errors were replied since, not counting those of the calls
 * nested in it, which count for themselves (Redis's prev_err_count). */
static unsigned long long prev_errors;

int cmdtable_call_depth(void) { return call_depth; }

void cmdtable_call(client *c) {
    command *cmd = c->cmd;
    if (call_depth == 0) prev_errors = reply_total_errors();
    /* A script's commands act for the client that sent the script (is it
     * our master?), and see the clock of its start, as in Redis. */
    client *prev = srv.current;
    if (!(c->flags & CLIENT_SCRIPT)) srv.current = c;
    long long start = util_fast_ustime();
    if (call_depth == 0) server_set_time(start);   /* the command sees one clock reading */
    call_depth++;
    cmd->proc(c);
    call_depth--;
    long long dur = util_fast_ustime() - start;
    srv.current = prev;
    cmd->calls++;
    cmd->usec += dur;
    /* '>' not '!=': CONFIG RESETSTAT zeroes the count while it runs. */
    if (reply_total_errors() > prev_errors) cmd->failed++;
    prev_errors = reply_total_errors();
    srv.stat_numcommands++;
    /* Redis files every call under one of two latency events by its speed class. */
    latency_add_sample((cmd->flags & CMD_FAST) ? "fast-command" : "command", dur / 1000);
    if (!(cmd->flags & CMD_SKIP_SLOWLOG)) slowlog_maybe_add(c, dur);
    if (client_has_monitors() && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        client_monitor_feed(c, c->dbid, c->argc, c->argv);
    c->lastcmd = cmd;
    /* Waiters on keys this command (or a whole EXEC) readied run now. */
    if (call_depth == 0) blocking_serve_ready();
}

/* DEBUG and MODULE LOAD/LOADEX/UNLOAD: enable-debug-command and
 * enable-module-command ("no" by default) say who may run them. */
static bool protected_allowed(const client *c, const command *cmd) {
    int setting = cmd->proc == cmd_debug ? cfg.enable_debug_command : cfg.enable_module_command;
    return client_protected_action_allowed(c, setting);
}

/* Check and run one request; false if CLIENT PAUSE postponed it. */
/* A request was refused before running: inside MULTI, EXEC will fail. */
static bool rejected(client *c) {
    multi_flag_error(c);
    return true;
}

/* A request refused for the server's state (OOM, MISCONF, READONLY...):
 * an EXEC aborts its transaction with the reason, as Redis. */
static bool refuse_state(client *c, command *cmd, bool exec, const char *err) {
    if (!exec) {
        reject(c, cmd, err);
        return rejected(c);
    }
    cmd->rejected++;
    multi_abort_exec(c, err);
    return true;
}

static bool dispatch_request(client *c) {
    command *cmd = cmdtable_lookup(c);
    c->cmd = cmd;
    if (cmd == NULL) {
        reject_unknown(c);
        return rejected(c);
    }
    c->lastcmd = cmd;
    if (!arity_ok(cmd, c->argc) || (cmd->subcmds && !cmd->proc)) {
        cmd->rejected++;
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd->fullname);
        return rejected(c);
    }
    if ((cmd->flags & CMD_PROTECTED) && !protected_allowed(c, cmd)) {
        reject(c, cmd, cmd->proc == cmd_debug ? ERR_DEBUG_NOT_ALLOWED : ERR_MODULE_NOT_ALLOWED);
        return rejected(c);
    }
    if (!c->authenticated && !(cmd->flags & CMD_NO_AUTH) && client_auth_required(c)) {
        reject(c, cmd, ERR_NOAUTH);
        return rejected(c);
    }
    /* RESP2 subscribers may only (un)subscribe, ping, quit or reset. */
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2 &&
        !pubsub_allowed_in_context(cmd->parent ? cmd->parent->name : cmd->name)) {
        cmd->rejected++;
        reply_errorf(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                     cmd->fullname);
        return rejected(c);
    }
    if (srv.loading && !(cmd->flags & CMD_LOADING)) {
        reject(c, cmd, ERR_LOADING);
        return rejected(c);
    }
    /* A script runs past busy-reply-threshold: only allow_busy commands.
     * Our master's stream waits for the script's end (script.c). */
    if (srv.busy_script && !(cmd->flags & CMD_ALLOW_BUSY)) {
        if (c->flags & CLIENT_MASTER) {
            script_hold_input();
            c->flags |= CLIENT_PAUSED_WAIT;
            return false;
        }
        reject(c, cmd, script_busy_error());
        return rejected(c);
    }
    /* EVAL and FCALL take write, denyoom and stale from their script, EXEC
     * from the commands it runs. */
    uint32_t flags = cmd->flags;
    if (flags & CMD_SCRIPT_FLAGS) flags = script_cmd_flags(c, flags);
    bool exec = (c->flags & CLIENT_MULTI) && cmd->proc == cmd_exec;
    if (exec) flags |= multi_queued_flags(c) & (CMD_WRITE | CMD_DENYOOM | CMD_MAY_REPLICATE);
    /* CLIENT PAUSE holds the request until the pause ends: every command
     * (ALL) or those that may write or propagate (WRITE). As in Redis 7.0
     * this comes after every rejection, only replicas are exempt, and the
     * pause lasts until the cron or UNPAUSE ends it, so nothing overtakes
     * the held requests. */
    if (srv.pause_type && !(c->flags & CLIENT_REPLICA) &&
        (srv.pause_type == 2 || (flags & (CMD_WRITE | CMD_MAY_REPLICATE)))) {
        c->flags |= CLIENT_PAUSED_WAIT;
        return false;
    }
    /* maxmemory: evict before running anything; refuse writes that would
     * grow memory if eviction can't get under the limit. */
    if (cfg.maxmemory && !evict_perform() && (flags & CMD_DENYOOM))
        return refuse_state(c, cmd, exec, ERR_OOM);
    /* After a failed background save, refuse writes (and PING, as Redis
     * 7.0 does) while stop-writes-on-bgsave-error holds; our master's
     * stream and the AOF loader are obeyed. The AOF's own -MISCONF is
     * aof_write_error(). */
    if ((flags & CMD_WRITE || cmd->proc == cmd_ping) &&
        !(c->flags & (CLIENT_MASTER | CLIENT_FAKE))) {
        const char *err = snapshot_write_error();
        if (err) return refuse_state(c, cmd, exec, err);
        const char *aof_err = aof_write_error();
        if (aof_err) {
            char buf[512];
            snprintf(buf, sizeof(buf), "MISCONF Errors writing to the AOF file: %s", aof_err);
            return refuse_state(c, cmd, exec, buf);
        }
    }
    /* Replication: -NOREPLICAS, -READONLY, -MASTERDOWN. */
    const char *repl_err = repl_refuse(c, flags);
    if (repl_err) return refuse_state(c, cmd, exec, repl_err);
    if ((c->flags & CLIENT_MULTI) && multi_maybe_queue(c, cmd, flags)) return true;
    cmdtable_call(c);
    return true;
}

bool cmdtable_dispatch(client *c) {
    if (!dispatch_request(c)) return false;
    /* CLIENT REPLY SKIP silences the next request, even one rejected above. */
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
    return true;
}

/* ---- Commands from scripts ---- */

/* Redis's scriptCall, in its order: the command and its arity, the
 * noscript flag, stale data, then (ACL goes here) the script's own rules
 * for writes and memory, then the call. The caller's state checks (auth,
 * MULTI, pause, -BUSY) were made for the EVAL itself. */
void cmdtable_dispatch_script(client *c) {
    command *cmd = cmdtable_lookup(c);
    c->cmd = cmd;
    if (cmd == NULL) {
        reply_error(c, "ERR Unknown Redis command called from script");
        prev_errors = reply_total_errors();
        return;
    }
    if (!arity_ok(cmd, c->argc) || (cmd->subcmds && !cmd->proc)) {
        cmd->rejected++;
        reply_error(c, "ERR Wrong number of args calling Redis command from script");
        prev_errors = reply_total_errors();
        return;
    }
    c->lastcmd = cmd;
    char buf[256];
    const char *err = NULL;
    if ((cmd->flags & CMD_NOSCRIPT) && !script_deny_disabled())
        err = "ERR This Redis command is not allowed from script";
    if (err == NULL) err = script_refuse_stale(cmd);
    if (err == NULL) err = script_refuse_write(cmd, buf, sizeof(buf));
    if (err == NULL) err = script_refuse_oom(cmd);
    if (err) {
        reject(c, cmd, err);
        prev_errors = reply_total_errors();   /* counted as rejected, not as the script's failure */
        return;
    }
    script_will_run(cmd);
    cmdtable_call(c);
}

/* ---- Keys of a command ---- */

int cmdtable_get_keys(command *cmd, int argc, slice *argv, int *keys, int cap) {
    if (cmd->getkeys) return cmd->getkeys(argc, argv, keys, cap);
    if (cmd->keys.first == 0) return 0;
    int last = cmd->keys.last;
    if (last < 0) last = argc + last;
    int n = 0;
    for (int i = cmd->keys.first; i <= last && i < argc && n < cap; i += cmd->keys.step) keys[n++] = i;
    return n;
}

/* ---- COMMAND ---- */

/* As in Redis, may_replicate (16), sentinel, only_sentinel and protected
 * are not shown. */
static const char *flag_names[32] = {
    [0] = "write", [1] = "readonly", [2] = "denyoom", [3] = "module", [4] = "admin",
    [5] = "pubsub", [6] = "noscript", [8] = "blocking", [9] = "loading", [10] = "stale",
    [11] = "skip_monitor", [12] = "skip_slowlog", [13] = "asking", [14] = "fast",
    [15] = "no_auth", [19] = "no_mandatory_keys",
    [23] = "no_async_loading", [24] = "no_multi", [25] = "movablekeys", [26] = "allow_busy"};

static const char *acl_cat_names[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting"};

static void reply_flags(client *c, const command *cmd) {
    int n = 0;
    for (int i = 0; i < 32; i++)
        if ((cmd->flags & (1u << i)) && flag_names[i]) n++;
    reply_set(c, n);
    for (int i = 0; i < 32; i++)
        if ((cmd->flags & (1u << i)) && flag_names[i]) reply_simple(c, flag_names[i]);
}

static void reply_acl(client *c, const command *cmd) {
    int n = 0;
    size_t ncat = sizeof(acl_cat_names) / sizeof(acl_cat_names[0]);
    for (size_t i = 0; i < ncat; i++)
        if (cmd->acl & (1ull << i)) n++;
    reply_set(c, n);
    for (size_t i = 0; i < ncat; i++) {
        if (!(cmd->acl & (1ull << i))) continue;
        char buf[32];
        snprintf(buf, sizeof(buf), "@%s", acl_cat_names[i]);
        reply_simple(c, buf);
    }
}

/* Set members named by the bits of 'flags', in bit order. */
static void reply_flag_names(client *c, unsigned flags, const char *const *names, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (flags & (1u << i)) count++;
    reply_set(c, count);
    for (int i = 0; i < n; i++)
        if (flags & (1u << i)) reply_simple(c, names[i]);
}

/* Key spec flags by bit (KS_*). */
static const char *const key_flag_names[] = {"RO", "RW", "OW", "RM", "access", "update",
                                             "insert", "delete", "not_key", "incomplete",
                                             "variable_flags"};

static void reply_key_spec(client *c, const keyspec *ks) {
    reply_map(c, ks->notes ? 4 : 3);
    if (ks->notes) {
        reply_bulk_cstr(c, "notes");
        reply_bulk_cstr(c, ks->notes);
    }
    reply_bulk_cstr(c, "flags");
    reply_flag_names(c, ks->flags, key_flag_names, 11);
    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, ks->begin == KS_BEGIN_INDEX     ? "index"
                       : ks->begin == KS_BEGIN_KEYWORD ? "keyword"
                                                       : "unknown");
    reply_bulk_cstr(c, "spec");
    if (ks->begin == KS_BEGIN_INDEX) {
        reply_map(c, 1);
        reply_bulk_cstr(c, "index");
        reply_int(c, ks->index);
    } else if (ks->begin == KS_BEGIN_KEYWORD) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, ks->keyword);
        reply_bulk_cstr(c, "startfrom");
        reply_int(c, ks->startfrom);
    } else {
        reply_map(c, 0);
    }
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, ks->find == KS_FIND_RANGE    ? "range"
                       : ks->find == KS_FIND_KEYNUM ? "keynum"
                                                    : "unknown");
    reply_bulk_cstr(c, "spec");
    if (ks->find == KS_FIND_UNKNOWN) {
        reply_map(c, 0);
        return;
    }
    reply_map(c, 3);
    if (ks->find == KS_FIND_RANGE) {
        reply_bulk_cstr(c, "lastkey");
        reply_int(c, ks->lastkey);
    } else {
        reply_bulk_cstr(c, "keynumidx");
        reply_int(c, ks->keynumidx);
        reply_bulk_cstr(c, "firstkey");
        reply_int(c, ks->firstkey);
    }
    reply_bulk_cstr(c, "keystep");
    reply_int(c, ks->keystep);
    if (ks->find == KS_FIND_RANGE) {
        reply_bulk_cstr(c, "limit");
        reply_int(c, ks->limit);
    }
}

/* Redis's key specs (keyspecs.c); for a command Redis does not have, one
 * spec derived from the table's first/last/step and write flag. */
static void reply_key_specs(client *c, const command *cmd) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m) {
        reply_set(c, m->nkey_specs);
        for (int i = 0; i < m->nkey_specs; i++) reply_key_spec(c, &m->key_specs[i]);
        return;
    }
    if (cmd->keys.first == 0) {
        reply_set(c, 0);
        return;
    }
    keyspec ks = {.flags = (cmd->flags & CMD_WRITE) ? KS_RW | KS_UPDATE : KS_RO | KS_ACCESS,
                  .begin = KS_BEGIN_INDEX, .index = cmd->keys.first, .find = KS_FIND_RANGE,
                  .lastkey = cmd->keys.last < 0 ? cmd->keys.last
                                                : cmd->keys.last - cmd->keys.first,
                  .keystep = cmd->keys.step};
    reply_set(c, 1);
    reply_key_spec(c, &ks);
}

static int count_subs(const command *cmd) {
    int n = 0;
    for (command *s = cmd->subcmds; s && s->name; s++) n++;
    return n;
}

static void reply_info(client *c, const command *cmd) {
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_int(c, cmd->arity);
    reply_flags(c, cmd);
    reply_int(c, cmd->keys.first);
    reply_int(c, cmd->keys.last);
    reply_int(c, cmd->keys.step);
    reply_acl(c, cmd);
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    reply_set(c, m ? m->ntips : 0);
    for (int i = 0; m && i < m->ntips; i++) reply_bulk_cstr(c, m->tips[i]);
    reply_key_specs(c, cmd);
    /* Redis's addReplyCommandSubCommands: no subcommands is an empty set,
     * some are an array. */
    int subs = count_subs(cmd);
    if (subs) reply_array(c, subs);
    else reply_set(c, 0);
    for (command *s = cmd->subcmds; s && s->name; s++) reply_info(c, s);
}

static int count_table(void) {
    int n = 0;
    for (command *cmd = table; cmd->name; cmd++) n++;
    return n;
}

void cmd_command(client *c) {
    if (c->argc > 1) {
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try COMMAND HELP.", c->argv[1].ptr);
        return;
    }
    reply_array(c, count_table());
    for (command *cmd = table; cmd->name; cmd++) reply_info(c, cmd);
}

void cmd_command_count(client *c) { reply_int(c, count_table()); }

static command *find_by_fullname(const char *name, size_t len) {
    const char *bar = memchr(name, '|', len);
    if (bar == NULL) return cmdtable_find(name, len);
    command *parent = cmdtable_find(name, (size_t)(bar - name));
    if (parent == NULL) return NULL;
    return find_sub(parent, bar + 1, len - (size_t)(bar - name) - 1);
}

void cmd_command_info(client *c) {
    if (c->argc == 2) {
        cmd_command(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        command *cmd = find_by_fullname(c->argv[i].ptr, c->argv[i].len);
        if (cmd) reply_info(c, cmd);
        else reply_null(c);   /* Redis answers a null bulk here, not a null array */
    }
}

void cmd_command_list(client *c) {
    int mode = 0;   /* 0 all, 1 aclcat, 2 pattern, 3 module */
    slice *arg = NULL;
    if (c->argc == 5 && cmd_arg_is(&c->argv[2], "filterby")) {
        arg = &c->argv[4];
        if (cmd_arg_is(&c->argv[3], "aclcat")) mode = 1;
        else if (cmd_arg_is(&c->argv[3], "pattern")) mode = 2;
        else if (cmd_arg_is(&c->argv[3], "module")) mode = 3;
        else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    uint64_t cat = 0;
    if (mode == 1) {
        size_t ncat = sizeof(acl_cat_names) / sizeof(acl_cat_names[0]);
        for (size_t i = 0; i < ncat; i++)
            if (util_strcaseeq(arg->ptr, arg->len, acl_cat_names[i])) cat = 1ull << i;
    }
    void *node = reply_defer(c);
    long long n = 0;
    for (command *cmd = table; cmd->name; cmd++) {
        command *all[64];
        int k = 0;
        all[k++] = cmd;
        for (command *s = cmd->subcmds; s && s->name && k < 64; s++) all[k++] = s;
        for (int i = 0; i < k; i++) {
            command *x = all[i];
            bool ok = mode == 0 || (mode == 1 && (x->acl & cat)) ||
                      (mode == 2 && util_glob_match(arg->ptr, arg->len, x->fullname,
                                                    strlen(x->fullname), true));
            if (mode == 0 && i > 0) ok = true;
            if (!ok) continue;
            reply_bulk_cstr(c, x->fullname);
            n++;
        }
    }
    reply_set_deferred_array(c, node, n);
}

/* Redis's doesCommandHaveKeys: a key spec that finds real keys (not only
 * the NOT_KEY names of SPUBLISH), or movable keys. */
static bool has_keys(const command *cmd) {
    if (cmd->getkeys) return true;
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m == NULL) return cmd->keys.first != 0;
    for (int i = 0; i < m->nkey_specs; i++)
        if (!(m->key_specs[i].flags & KS_NOT_KEY)) return true;
    return false;
}

/* The command (or subcommand) of COMMAND GETKEYS* and its key positions,
 * relative to argv[2]; NULL after replying an error. */
static command *getkeys_common(client *c, int *keys, int *nkeys) {
    command *cmd = cmdtable_find(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2;
    slice *argv = c->argv + 2;
    if (cmd && cmd->subcmds && argc >= 2) {
        command *s = find_sub(cmd, argv[1].ptr, argv[1].len);
        if (s) cmd = s;
    }
    /* Redis 7.0's order: command, has keys at all, arity, then the keys. */
    if (cmd == NULL) {
        reply_error(c, "ERR Invalid command specified");
        return NULL;
    }
    if (!has_keys(cmd)) {
        reply_error(c, "ERR The command has no key arguments");
        return NULL;
    }
    if (!arity_ok(cmd, argc)) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return NULL;
    }
    *nkeys = cmdtable_get_keys(cmd, argc, argv, keys, 256);
    if (*nkeys <= 0) {
        if (*nkeys == 0 && (cmd->flags & CMD_NO_MANDATORY_KEYS)) return cmd;
        reply_error(c, "ERR Invalid arguments specified for command");
        return NULL;
    }
    return cmd;
}

void cmd_command_getkeys(client *c) {
    int keys[256], n;
    if (!getkeys_common(c, keys, &n)) return;
    reply_array(c, n);
    for (int i = 0; i < n; i++) reply_bulk(c, c->argv[2 + keys[i]].ptr, c->argv[2 + keys[i]].len);
}

/* Does key spec 'ks' find argv[pos]? Redis's getKeysUsingKeySpecs for one
 * spec; a spec it cannot follow (unknown, a bad numkeys) finds nothing. */
static bool spec_finds(const keyspec *ks, int argc, const slice *argv, int pos) {
    int first = 0;
    if (ks->begin == KS_BEGIN_INDEX) {
        first = ks->index;
    } else if (ks->begin == KS_BEGIN_KEYWORD) {
        int from = ks->startfrom > 0 ? ks->startfrom : argc + ks->startfrom;
        int end = ks->startfrom > 0 ? argc - 1 : 0, dir = ks->startfrom > 0 ? 1 : -1;
        for (int i = from; i != end && i >= 1 && i < argc; i += dir) {
            if (cmd_arg_is(&argv[i], ks->keyword)) {
                first = i + 1;
                break;
            }
        }
    }
    if (first == 0) return false;
    int last, step;
    if (ks->find == KS_FIND_RANGE) {
        if (ks->lastkey >= 0) last = first + ks->lastkey;
        else if (ks->limit == 0) last = argc + ks->lastkey;
        else last = first + (argc - first) / ks->limit + ks->lastkey;
        step = ks->keystep;
    } else if (ks->find == KS_FIND_KEYNUM) {
        long long numkeys;
        int idx = first + ks->keynumidx;
        if (idx >= argc || !util_str2ll(argv[idx].ptr, argv[idx].len, &numkeys) || numkeys < 0 ||
            numkeys > argc)
            return false;
        first += ks->firstkey;
        last = first + (int)numkeys - 1;
        step = ks->keystep;
    } else {
        return false;
    }
    return pos >= first && pos <= last && step > 0 && (pos - first) % step == 0;
}

/* The flags of the one key of a spec with KS_VARIABLE_FLAGS, as Redis's
 * setGetKeys and bitfieldGetKeys tell them from the arguments. */
static unsigned variable_key_flags(const command *cmd, int argc, const slice *argv) {
    if (strcmp(cmd->fullname, "set") == 0) {
        for (int i = 3; i < argc; i++)
            if (cmd_arg_is(&argv[i], "get")) return KS_RW | KS_ACCESS | KS_UPDATE;
        return KS_OW | KS_UPDATE;
    }
    for (int i = 2; i < argc; i++) {   /* BITFIELD: read-only if only GETs */
        int more = argc - i - 1;
        if (cmd_arg_is(&argv[i], "get") && more >= 2) i += 2;
        else if (cmd_arg_is(&argv[i], "overflow") && more >= 1) i += 1;
        else return KS_RW | KS_ACCESS | KS_UPDATE;   /* SET, INCRBY or a syntax error */
    }
    return KS_RO | KS_ACCESS;
}

/* The flags of the key at argv[pos]: those of the first of Redis's key
 * specs that finds it; else of the last spec Redis cannot follow (SORT's
 * STORE); else derived from the table's write flag. */
static unsigned key_flags(const command *cmd, int argc, const slice *argv, int pos) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    unsigned unknown = 0;
    for (int i = 0; m && i < m->nkey_specs; i++) {
        const keyspec *ks = &m->key_specs[i];
        if (spec_finds(ks, argc, argv, pos))
            return ks->flags & KS_VARIABLE_FLAGS ? variable_key_flags(cmd, argc, argv) : ks->flags;
        if (ks->begin == KS_BEGIN_UNKNOWN || ks->find == KS_FIND_UNKNOWN) unknown = ks->flags;
    }
    if (unknown) return unknown;
    return (cmd->flags & CMD_WRITE) ? KS_RW | KS_UPDATE : KS_RO | KS_ACCESS;
}

void cmd_command_getkeysandflags(client *c) {
    int keys[256], n;
    command *cmd = getkeys_common(c, keys, &n);
    if (cmd == NULL) return;
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        reply_array(c, 2);
        reply_bulk(c, c->argv[2 + keys[i]].ptr, c->argv[2 + keys[i]].len);
        reply_flag_names(c, key_flags(cmd, c->argc - 2, c->argv + 2, keys[i]), key_flag_names,
                         11);
    }
}

/* Map entries name -> text, in order, for each text that is not NULL. */
static void reply_text_fields(client *c, const char *const (*texts)[2], size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (texts[i][1] == NULL) continue;
        reply_bulk_cstr(c, texts[i][0]);
        reply_bulk_cstr(c, texts[i][1]);
    }
}

/* COMMAND DOCS "arguments": an array of maps, as addReplyCommandArgList. */
static void reply_arg_docs(client *c, const cmd_arg_doc *args, int n) {
    static const char *const flag_names[] = {"optional", "multiple", "multiple_token"};
    reply_array(c, n);
    for (const cmd_arg_doc *a = args; a < args + n; a++) {
        reply_map(c, 2 + a->has_key_spec + !!a->token + !!a->summary + !!a->since +
                         !!a->deprecated_since + !!a->flags + (a->nargs > 0));
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, a->name);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, a->type);
        if (a->has_key_spec) {
            reply_bulk_cstr(c, "key_spec_index");
            reply_int(c, a->key_spec_index);
        }
        const char *const texts[][2] = {{"token", a->token}, {"summary", a->summary},
                                        {"since", a->since},
                                        {"deprecated_since", a->deprecated_since}};
        reply_text_fields(c, texts, 4);
        if (a->flags) {
            reply_bulk_cstr(c, "flags");
            reply_flag_names(c, a->flags, flag_names, 3);
        }
        if (a->nargs > 0) {
            reply_bulk_cstr(c, "arguments");
            reply_arg_docs(c, a->args, a->nargs);
        }
    }
}

/* The fields of Redis's doc of the command (keyspecs.c), in its order and
 * only those it has; without one, the table's four. */
static void reply_doc_fields(client *c, const command *cmd, int extra) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m == NULL) {
        const char *const texts[][2] = {{"summary", cmd->summary ? cmd->summary : ""},
                                        {"since", cmd->since ? cmd->since : "1.0.0"},
                                        {"group", cmd->group ? cmd->group : "server"},
                                        {"complexity", cmd->complexity ? cmd->complexity : "O(1)"}};
        reply_map(c, 4 + extra);
        reply_text_fields(c, texts, 4);
        return;
    }
    static const char *const doc_flag_names[] = {"deprecated", "syscmd"};
    const cmd_doc *d = &m->doc;
    reply_map(c, 1 + !!d->summary + !!d->since + !!d->complexity + !!d->doc_flags +
                     !!d->deprecated_since + !!d->replaced_by + (d->nhistory > 0) +
                     (d->nargs > 0) + extra);
    const char *const texts[][2] = {{"summary", d->summary}, {"since", d->since},
                                    {"group", d->group ? d->group : "server"},
                                    {"complexity", d->complexity}};
    reply_text_fields(c, texts, 4);
    if (d->doc_flags) {
        reply_bulk_cstr(c, "doc_flags");
        reply_flag_names(c, d->doc_flags, doc_flag_names, 2);
    }
    const char *const deprecation[][2] = {{"deprecated_since", d->deprecated_since},
                                          {"replaced_by", d->replaced_by}};
    reply_text_fields(c, deprecation, 2);
    if (d->nhistory > 0) {
        reply_bulk_cstr(c, "history");
        reply_set(c, d->nhistory);
        for (int i = 0; i < d->nhistory; i++) {
            reply_array(c, 2);
            reply_bulk_cstr(c, d->history[i][0]);
            reply_bulk_cstr(c, d->history[i][1]);
        }
    }
    if (d->nargs > 0) {
        reply_bulk_cstr(c, "arguments");
        reply_arg_docs(c, d->args, d->nargs);
    }
}

static void reply_doc(client *c, const command *cmd) {
    int subs = count_subs(cmd);
    reply_doc_fields(c, cmd, subs ? 1 : 0);
    if (subs) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, subs);
        for (command *s = cmd->subcmds; s && s->name; s++) {
            reply_bulk_cstr(c, s->fullname);
            reply_doc(c, s);
        }
    }
}

void cmd_command_docs(client *c) {
    if (c->argc == 2) {
        reply_map(c, count_table());
        for (command *cmd = table; cmd->name; cmd++) {
            reply_bulk_cstr(c, cmd->fullname);
            reply_doc(c, cmd);
        }
        return;
    }
    void *node = reply_defer(c);
    long long n = 0;
    for (int i = 2; i < c->argc; i++) {
        command *cmd = find_by_fullname(c->argv[i].ptr, c->argv[i].len);
        if (cmd == NULL) continue;
        reply_bulk_cstr(c, cmd->fullname);
        reply_doc(c, cmd);
        n++;
    }
    reply_set_deferred_map(c, node, n);
}

void cmd_command_help(client *c) {
    static const char *help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};
    reply_help(c, "COMMAND", help);
}
