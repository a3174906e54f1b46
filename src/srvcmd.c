/* srvcmd.c -- connection and server commands: PING, ECHO, QUIT, RESET,
 * TIME, HELLO, AUTH, SHUTDOWN, MONITOR (LASTSAVE is snapshot.c's).
 *
 * HELLO ... AUTH and RESET ask acl.c, which owns the users and AUTH.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "srvcmd.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "arg.h"
#include "blocking.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "log.h"
#include "multi.h"
#include "pubsub.h"
#include "reply.h"
#include "script.h"
#include "server.h"
#include "tracking.h"
#include "util.h"

static void cmd_ping(client *c) {
    if (c->argc > 2) {
        reply_error_arity(c);
        return;
    }
    if ((c->flags & CLIENT_PUBSUB) && c->resp == 2) {
        /* A subscribed RESP2 connection only carries arrays. */
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 2) reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
        else reply_bulk(c, "", 0);
        return;
    }
    if (c->argc == 2) reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
    else reply_simple(c, "PONG");
}

static void cmd_echo(client *c) { reply_bulk(c, c->argv[1].ptr, c->argv[1].len); }

static void cmd_quit(client *c) {
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void cmd_time(client *c) {
    long long us = util_ustime();
    reply_array(c, 2);
    reply_bulk_ll(c, us / 1000000);
    reply_bulk_ll(c, us % 1000000);
}

/* ---- Authentication (AUTH and the users are acl.c's) ---- */

static void cmd_hello(client *c) {
    long long ver = 0;
    int next = 1;
    if (c->argc >= 2) {
        if (!util_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
            reply_error(c, ERR_HELLO_PROTOCOL);
            return;
        }
        next = 2;
        if (ver < 2 || ver > 3) {
            reply_error(c, ERR_NOPROTO);
            return;
        }
    }
    slice *user = NULL, *pass = NULL, *name = NULL;
    for (int j = next; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (arg_is(&c->argv[j], "auth") && left >= 2) {
            user = &c->argv[j + 1];
            pass = &c->argv[j + 2];
            j += 2;
        } else if (arg_is(&c->argv[j], "setname") && left >= 1) {
            name = &c->argv[j + 1];
            j++;
            if (!client_name_valid(name->ptr, name->len)) {
                reply_error(c, ERR_CLIENT_NAME);
                return;
            }
        } else {
            reply_errorf(c, ERR_HELLO_OPTION, c->argv[j].ptr);
            return;
        }
    }
    if (user && !acl_authenticate(c, user, pass)) {
        reply_error(c, ERR_WRONGPASS);
        return;
    }
    if (client_auth_required(c)) {
        reply_error(c, ERR_HELLO_NOAUTH);
        return;
    }
    if (name) {
        str_free(c->name);
        c->name = name->len ? str_new(name->ptr, name->len) : NULL;
    }
    if (ver) c->resp = (int)ver;
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, CASTOR_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, srv.is_replica ? "replica" : "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

static void cmd_reset(client *c) {
    if (c->flags & CLIENT_MONITOR) client_monitor_remove(c);
    pubsub_client_free(c);
    multi_client_reset(c);
    tracking_disable(c);
    str_free(c->name);
    c->name = NULL;
    c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT | CLIENT_READONLY |
                  CLIENT_ASKING);
    client_set_no_evict(c, false);
    c->db = db_get(0);
    c->dbid = 0;
    c->resp = 2;
    acl_client_reset_user(c);
    reply_simple(c, "RESET");
}

/* ---- SHUTDOWN and MONITOR ---- */

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the client blocks while a
 * master waits for its replicas (server_prepare_shutdown); it gets no
 * reply when the server exits, an error when the shutdown fails or is
 * aborted. */
static void cmd_shutdown(client *c) {
    int flags = SHUTDOWN_NOFLAGS;
    bool abort = false;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "nosave")) flags |= SHUTDOWN_NOSAVE;
        else if (arg_is(&c->argv[i], "save")) flags |= SHUTDOWN_SAVE;
        else if (arg_is(&c->argv[i], "now")) flags |= SHUTDOWN_NOW;
        else if (arg_is(&c->argv[i], "force")) flags |= SHUTDOWN_FORCE;
        else if (arg_is(&c->argv[i], "abort")) abort = true;
        else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if ((abort && flags != SHUTDOWN_NOFLAGS) ||
        ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (abort) {
        if (server_abort_shutdown() == 0) reply_ok(c);
        else reply_error(c, ERR_SHUTDOWN_NONE);
        return;
    }
    /* A script past busy-reply-threshold: only SHUTDOWN NOSAVE ends it,
     * and at once: the loop is nested inside the script, so it can't wait
     * for replicas. */
    if (srv.busy_script) {
        if (!(flags & SHUTDOWN_NOSAVE)) {
            reply_error(c, script_busy_error());
            return;
        }
        flags |= SHUTDOWN_NOW;
    }
    if (!(flags & SHUTDOWN_NOW) && !blocking_allowed(c)) {
        reply_error(c, ERR_SHUTDOWN_DENY_BLOCKING);
        return;
    }
    blocking_block_shutdown(c);
    if (server_prepare_shutdown(flags) == 0) exit(0);
}

static void cmd_monitor(client *c) {
    if (c->flags & CLIENT_MONITOR) return;
    client_monitor_add(c);
    reply_ok(c);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command srvcmd_commands[] = {
    {.name = "ping", .proc = cmd_ping, .arity = -1,
     .flags = CMD_FAST | CMD_SENTINEL | CMD_SUBSCRIBER_OK | CMD_DENY_ON_MISCONF,
     .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "echo", .proc = cmd_echo, .arity = 2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE,
     .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "quit", .proc = cmd_quit, .arity = -1,
     .flags = CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH |
              CMD_SUBSCRIBER_OK | CMD_NO_QUEUE, .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "reset", .proc = cmd_reset, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_ALLOW_BUSY |
              CMD_SUBSCRIBER_OK | CMD_NO_QUEUE, .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "time", .proc = cmd_time, .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_FAST},
    {.name = "hello", .proc = cmd_hello, .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
              CMD_ALLOW_BUSY, .acl = ACL_FAST | ACL_CONNECTION},
    {.name = "shutdown", .proc = cmd_shutdown, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI | CMD_SENTINEL |
              CMD_ALLOW_BUSY, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "monitor", .proc = cmd_monitor, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
