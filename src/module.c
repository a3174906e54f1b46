/* module.c -- MODULE, for a server that loads no modules.
 *
 * castor has no module API, so no module is ever loaded: LIST is empty,
 * LOAD and LOADEX fail the way Redis fails to load a bad library (an error
 * reply and a log line naming the path), UNLOAD finds no such module.
 * What stays exactly Redis's is the gate in front: LOAD, LOADEX and UNLOAD
 * are protected commands that enable-module-command (default "no") must
 * allow, which the dispatcher checks before any of this runs (cmdtable.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "module.h"

#include "errors.h"
#include "log.h"
#include "reply.h"

static void cmd_module_list(client *c) { reply_array(c, 0); }

/* MODULE LOAD path [arg ...] and MODULE LOADEX path [CONFIG ...] [ARGS ...] */
static void cmd_module_load(client *c) {
    log_msg(LOG_WARNING, "Module %.*s failed to load: castor does not load modules",
            (int)c->argv[2].len, c->argv[2].ptr);
    reply_error(c, ERR_MODULE_LOAD);
}

static void cmd_module_unload(client *c) { reply_error(c, ERR_MODULE_UNLOAD); }

static void cmd_module_help(client *c) {
    static const char *help[] = {
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and "
        "optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        NULL};
    reply_help(c, "MODULE", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command module_subcommands[] = {
    {.name = "list", .proc = cmd_module_list, .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "load", .proc = cmd_module_load, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED | CMD_MODULE_GATE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "loadex", .proc = cmd_module_load, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED | CMD_MODULE_GATE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "unload", .proc = cmd_module_unload, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_PROTECTED | CMD_MODULE_GATE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = cmd_module_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command module_commands[] = {
    {.name = "module", .arity = -2, .acl = ACL_SLOW, .subcmds = module_subcommands},
    {.name = NULL}};
/* clang-format on */
