/* script.c -- SCRIPT, until Lua scripting lands. Sentinel sends SCRIPT
 * KILL to a master it is about to fail over; with no script engine there
 * is never a script to kill, and the cache is always empty, which is what
 * KILL, EXISTS and FLUSH answer, in Redis's words. LOAD and DEBUG need
 * the engine and say so.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "script.h"

#include "arg.h"
#include "cmdtable.h"
#include "reply.h"

#define ERR_NO_SCRIPTING "ERR scripting is not supported by castor yet"

static void cmd_script_kill(client *c) { reply_error(c, "NOTBUSY No scripts in execution right now."); }

static void cmd_script_exists(client *c) {
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) reply_int(c, 0);
}

static void cmd_script_flush(client *c) {
    if (c->argc > 3 || (c->argc == 3 && !arg_is(&c->argv[2], "sync") &&
                        !arg_is(&c->argv[2], "async"))) {
        reply_error(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    reply_ok(c);
}

static void cmd_script_load(client *c) { reply_error(c, ERR_NO_SCRIPTING); }
static void cmd_script_debug(client *c) { reply_error(c, ERR_NO_SCRIPTING); }

static void cmd_script_help(client *c) {
    static const char *help[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL};
    reply_help(c, "SCRIPT", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off: tables are laid out by hand, an entry or two per line */
static command script_subcommands[] = {
    {.name = "kill", .proc = cmd_script_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "exists", .proc = cmd_script_exists, .arity = -3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "flush", .proc = cmd_script_flush, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "load", .proc = cmd_script_load, .arity = 3, .flags = CMD_NOSCRIPT | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "debug", .proc = cmd_script_debug, .arity = 3, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "help", .proc = cmd_script_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = NULL}};

command script_commands[] = {
    {.name = "script", .arity = -2, .acl = ACL_SLOW, .subcmds = script_subcommands},
    {.name = NULL}};
/* clang-format on */
