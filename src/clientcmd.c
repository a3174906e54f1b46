/* clientcmd.c -- the CLIENT command: ID, SETNAME, GETNAME, LIST, INFO,
 * KILL, PAUSE, UNPAUSE, REPLY, NO-EVICT, UNBLOCK, HELP, and the
 * client-side caching ones (TRACKING, CACHING, GETREDIR, TRACKINGINFO),
 * whose state tracking.c keeps.
 *
 * Client state lives in client.c; this file only reads and flags it. A
 * client is never freed here: KILL marks others with client_close_async()
 * and the caller itself with CLIENT_CLOSE_AFTER_REPLY, so its reply still
 * goes out. PAUSE only records the pause in srv; the admission (server.c's
 * seam_admit) postpones requests while it lasts and client_unpause_all() resumes them.
 * Spec: Redis 7.0 clientCommand (networking.c) and its error texts.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "clientcmd.h"

#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"
#include "arg.h"
#include "blocking.h"
#include "cmdtable.h"
#include "errors.h"
#include "mem.h"
#include "multi.h"
#include "pubsub.h"
#include "repl.h"
#include "reply.h"
#include "server.h"
#include "tracking.h"
#include "util.h"

/* Map a CLIENT LIST/KILL type argument to client_type_name()'s words, or
 * NULL if unknown. "slave" is Redis's old name for "replica". */
static const char *type_by_name(const slice *a) {
    if (arg_is(a, "normal")) return "normal";
    if (arg_is(a, "slave") || arg_is(a, "replica")) return "replica";
    if (arg_is(a, "pubsub")) return "pubsub";
    if (arg_is(a, "master")) return "master";
    return NULL;
}

static void cmd_client_id(client *c) { reply_int(c, (long long)c->id); }

static void cmd_client_setname(client *c) {
    slice *name = &c->argv[2];
    if (!client_name_valid(name->ptr, name->len)) {
        reply_error(c, ERR_CLIENT_NAME);
        return;
    }
    str_free(c->name);
    c->name = name->len ? str_new(name->ptr, name->len) : NULL; /* "" clears the name */
    reply_ok(c);
}

static void cmd_client_getname(client *c) {
    if (c->name) reply_bulk(c, c->name->buf, c->name->len);
    else reply_null(c);
}

/* ---- LIST and INFO ---- */

static str *cat_line(str *s, client *cl) {
    s = client_info_line(s, cl);
    return str_cat(s, "\n", 1);
}

/* Every client of 'type' (NULL: all), oldest first as Redis lists them. */
static str *all_clients_info(const char *type) {
    str *s = str_new(NULL, 0);
    client *tail = srv.clients;
    while (tail && tail->next) tail = tail->next;
    for (client *cl = tail; cl; cl = cl->prev) {
        if (type && strcmp(client_type_name(cl), type) != 0) continue;
        s = cat_line(s, cl);
    }
    return s;
}

/* CLIENT LIST [TYPE type | ID id [id ...]] */
static void cmd_client_list(client *c) {
    const char *type = NULL;
    str *s = NULL;
    if (c->argc == 4 && arg_is(&c->argv[2], "type")) {
        type = type_by_name(&c->argv[3]);
        if (type == NULL) {
            reply_errorf(c, ERR_CLIENT_TYPE, c->argv[3].ptr);
            return;
        }
    } else if (c->argc > 3 && arg_is(&c->argv[2], "id")) {
        s = str_new(NULL, 0);
        for (int j = 3; j < c->argc; j++) {
            long long id;
            if (!util_str2ll(c->argv[j].ptr, c->argv[j].len, &id)) {
                str_free(s);
                reply_error(c, ERR_CLIENT_ID);
                return;
            }
            client *cl = client_find_by_id((uint64_t)id);
            if (cl) s = cat_line(s, cl);
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (s == NULL) s = all_clients_info(type);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

static void cmd_client_info(client *c) {
    str *s = cat_line(str_new(NULL, 0), c);
    reply_verbatim(c, s->buf, s->len, "txt");
    str_free(s);
}

/* ---- KILL ---- */

typedef struct kill_filter {
    const slice *addr, *laddr;
    const slice *user; /* ACL user name (case-sensitive), or NULL */
    const char *type;  /* client_type_name() word, or NULL */
    uint64_t id;       /* 0: any */
    bool skipme;
} kill_filter;

/* Parse "option value" pairs from argv[2]; replies and returns false on error. */
static bool parse_kill_filter(client *c, kill_filter *f) {
    for (int i = 2; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        const slice *opt = &c->argv[i], *val = &c->argv[i + 1];
        if (more && arg_is(opt, "id")) {
            long long id;
            if (!arg_ll_range(c, val, 1, LONG_MAX, &id, ERR_CLIENT_ID_ZERO)) return false;
            f->id = (uint64_t)id;
        } else if (more && arg_is(opt, "type")) {
            f->type = type_by_name(val);
            if (f->type == NULL) {
                reply_errorf(c, ERR_CLIENT_TYPE, val->ptr);
                return false;
            }
        } else if (more && arg_is(opt, "addr")) {
            f->addr = val;
        } else if (more && arg_is(opt, "laddr")) {
            f->laddr = val;
        } else if (more && arg_is(opt, "user")) {
            if (!acl_user_exists(val)) {
                reply_errorf(c, ERR_CLIENT_NO_USER, val->ptr);
                return false;
            }
            f->user = val;
        } else if (more && arg_is(opt, "skipme")) {
            if (arg_is(val, "yes")) {
                f->skipme = true;
            } else if (arg_is(val, "no")) {
                f->skipme = false;
            } else {
                reply_error(c, ERR_SYNTAX);
                return false;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static bool slice_eq_cstr(const slice *a, const char *s) {
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

static bool kill_matches(const kill_filter *f, client *self, client *cl) {
    if (f->addr && !slice_eq_cstr(f->addr, cl->addr)) return false;
    if (f->laddr && !slice_eq_cstr(f->laddr, cl->laddr)) return false;
    if (f->type && strcmp(client_type_name(cl), f->type) != 0) return false;
    if (f->id && cl->id != f->id) return false;
    if (f->user && !acl_client_is_user(cl, f->user)) return false;
    if (cl == self && f->skipme) return false;
    return true;
}

/* CLIENT KILL of another client: Redis frees it at once, so the next
 * PUBLISH, push or write to a WATCHed key must not find it. It leaves its
 * subscriptions, MONITOR, the keys it is blocked on and its transaction
 * now; the rest goes as with client_close_async(). Never for the client
 * whose command is running. */
static void kill_client(client *c) {
    if (c->flags & CLIENT_MONITOR) client_monitor_remove(c);
    blocking_client_freed(c);
    pubsub_client_free(c);
    multi_client_reset(c);
    /* Its peer sees the connection end now, before the reply to KILL (or
     * to the EXEC around it) goes out, as with Redis's immediate free: a
     * replica killed this way has lost its link by the time our client
     * can ask it. */
    if (c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
    client_close_async(c);
}

/* CLIENT KILL ip:port (old form: replies OK or an error, may kill the
 * caller) or CLIENT KILL <option> <value> ... (replies the count). */
static void cmd_client_kill(client *c) {
    kill_filter f = {.skipme = true};
    bool old_form = c->argc == 3;
    if (old_form) {
        f.addr = &c->argv[2];
        f.skipme = false; /* with the old form a client may kill itself */
    } else if (!parse_kill_filter(c, &f)) {
        return;
    }
    long long killed = 0;
    bool close_self = false;
    for (client *cl = srv.clients; cl; cl = cl->next) {
        if (!kill_matches(&f, c, cl)) continue;
        if (cl == c) close_self = true;
        else kill_client(cl);
        killed++;
    }
    if (!old_form) reply_int(c, killed);
    else if (killed == 0) reply_error(c, ERR_CLIENT_NONE);
    else reply_ok(c);
    /* Our own connection goes once the reply above is written. */
    if (close_self) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* ---- PAUSE, UNPAUSE ---- */

/* CLIENT PAUSE timeout [WRITE|ALL]: a second pause only makes the current
 * one longer or stricter, never shorter or looser (Redis's pauseClients). */
static void cmd_client_pause(client *c) {
    int type = PAUSE_ALL;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "write")) {
            type = PAUSE_WRITE;
        } else if (arg_is(&c->argv[3], "all")) {
            type = PAUSE_ALL;
        } else {
            reply_error(c, ERR_CLIENT_PAUSE_MODE);
            return;
        }
    } else if (c->argc != 3) {
        reply_error_subcommand(c, "CLIENT");
        return;
    }
    long long ms;
    if (!arg_ll_msg(c, &c->argv[2], &ms, ERR_TIMEOUT_NOT_INT)) return;
    if (ms < 0) {
        reply_error(c, ERR_TIMEOUT_NEG);
        return;
    }
    long long now = srv.mstime;
    /* Redis 7.0 adds the timeout to the clock unchecked, so a timeout too big
     * to add wraps into the past and pauses nothing; keep that, without UB. */
    if (ms > LLONG_MAX - now) {
        reply_ok(c);
        return;
    }
    long long end = now + ms;
    /* A pause that ran out but that the cron has not ended yet is over. */
    bool expired = srv.pause_type && srv.pause_end_ms <= now;
    if (expired) {
        srv.pause_type = PAUSE_NONE;
        srv.pause_end_ms = 0;
    }
    /* CLIENT PAUSE 0 ends at once: like Redis, it leaves no pause behind. */
    if (end > now) {
        if (type > srv.pause_type) srv.pause_type = type;
        if (end > srv.pause_end_ms) srv.pause_end_ms = end;
    }
    reply_ok(c);
    /* Clients the old pause held are judged again under the new one. */
    if (expired) client_unpause_all();
}

static void cmd_client_unpause(client *c) {
    srv.pause_type = PAUSE_NONE;
    srv.pause_end_ms = 0;
    reply_ok(c);
    client_unpause_all();
}

/* ---- REPLY, NO-EVICT ---- */

static void cmd_client_reply(client *c) {
    const slice *mode = &c->argv[2];
    if (arg_is(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
        reply_ok(c);
    } else if (arg_is(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(mode, "skip")) {
        /* The dispatcher turns SKIP_NEXT into SKIP once this command ends. */
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

static void cmd_client_no_evict(client *c) {
    if (arg_is(&c->argv[2], "on")) {
        client_set_no_evict(c, true);
        reply_ok(c);
    } else if (arg_is(&c->argv[2], "off")) {
        client_set_no_evict(c, false); /* evicted before sleeping if it must be */
        reply_ok(c);
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

/* ---- Client-side caching: TRACKING, CACHING, GETREDIR, TRACKINGINFO ---- */

/* CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
 * [OPTOUT] [NOLOOP]: the options are checked (and REDIRECT's client must
 * exist) for OFF too, as in Redis; then tracking.c does the rest. */
static void cmd_client_tracking(client *c) {
    long long redir = 0;
    unsigned opts = 0;
    slice *ps = NULL;
    size_t n = 0;
    for (int j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        const slice *a = &c->argv[j];
        if (more && arg_is(a, "redirect")) {
            j++;
            if (redir != 0) {
                reply_error(c, ERR_TRACKING_REDIRECT_ONE);
                goto done;
            }
            if (!arg_ll(c, &c->argv[j], &redir)) goto done;
            /* It may leave later (then the client is told); it must exist now. */
            if (redir <= 0 || client_find_by_id((uint64_t)redir) == NULL) {
                reply_error(c, ERR_TRACKING_REDIRECT_NONE);
                goto done;
            }
        } else if (arg_is(a, "bcast")) {
            opts |= TRACKING_BCAST;
        } else if (arg_is(a, "optin")) {
            opts |= TRACKING_OPTIN;
        } else if (arg_is(a, "optout")) {
            opts |= TRACKING_OPTOUT;
        } else if (arg_is(a, "noloop")) {
            opts |= TRACKING_NOLOOP;
        } else if (more && arg_is(a, "prefix")) {
            j++;
            ps = mem_realloc(ps, (n + 1) * sizeof(slice));
            ps[n++] = c->argv[j];
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    if (arg_is(&c->argv[2], "on")) {
        const char *err = NULL;
        unsigned cur = c->tracking;
        if (!(opts & TRACKING_BCAST) && n) err = ERR_TRACKING_PREFIX_BCAST;
        else if ((cur & TRACKING_ON) && !!(cur & TRACKING_BCAST) != !!(opts & TRACKING_BCAST))
            err = ERR_TRACKING_BCAST_SWITCH;
        else if ((opts & TRACKING_BCAST) && (opts & (TRACKING_OPTIN | TRACKING_OPTOUT)))
            err = ERR_TRACKING_OPT_BCAST;
        else if ((opts & TRACKING_OPTIN) && (opts & TRACKING_OPTOUT))
            err = ERR_TRACKING_OPTIN_OPTOUT;
        else if (((opts & TRACKING_OPTIN) && (cur & TRACKING_OPTOUT)) ||
                 ((opts & TRACKING_OPTOUT) && (cur & TRACKING_OPTIN)))
            err = ERR_TRACKING_OPT_SWITCH;
        if (err) {
            reply_error(c, err);
            goto done;
        }
        if (!tracking_enable(c, (uint64_t)redir, opts, ps, n)) goto done;
    } else if (arg_is(&c->argv[2], "off")) {
        tracking_disable(c);
    } else {
        reply_error(c, ERR_SYNTAX);
        goto done;
    }
    reply_ok(c);
done:
    mem_free(ps);
}

/* CLIENT CACHING YES|NO: whether the next command's keys are tracked. */
static void cmd_client_caching(client *c) {
    if (!(c->tracking & TRACKING_ON)) {
        reply_error(c, ERR_CACHING_NOT_TRACKING);
        return;
    }
    const slice *a = &c->argv[2];
    if (arg_is(a, "yes")) {
        if (!(c->tracking & TRACKING_OPTIN)) {
            reply_error(c, ERR_CACHING_YES);
            return;
        }
    } else if (arg_is(a, "no")) {
        if (!(c->tracking & TRACKING_OPTOUT)) {
            reply_error(c, ERR_CACHING_NO);
            return;
        }
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    c->tracking |= TRACKING_CACHING;
    reply_ok(c);
}

static void cmd_client_getredir(client *c) {
    reply_int(c, (c->tracking & TRACKING_ON) ? (long long)c->tracking_redir : -1);
}

static void cmd_client_trackinginfo(client *c) {
    unsigned t = c->tracking;
    reply_map(c, 3);
    reply_bulk_cstr(c, "flags");
    if (!(t & TRACKING_ON)) {
        reply_set(c, 1);
        reply_bulk_cstr(c, "off");
    } else {
        const char *words[8];
        int n = 0;
        words[n++] = "on";
        if (t & TRACKING_BCAST) words[n++] = "bcast";
        if (t & TRACKING_OPTIN) {
            words[n++] = "optin";
            if (t & TRACKING_CACHING) words[n++] = "caching-yes";
        }
        if (t & TRACKING_OPTOUT) {
            words[n++] = "optout";
            if (t & TRACKING_CACHING) words[n++] = "caching-no";
        }
        if (t & TRACKING_NOLOOP) words[n++] = "noloop";
        if (t & TRACKING_BROKEN_REDIR) words[n++] = "broken_redirect";
        reply_set(c, n);
        for (int i = 0; i < n; i++) reply_bulk_cstr(c, words[i]);
    }
    reply_bulk_cstr(c, "redirect");
    reply_int(c, (t & TRACKING_ON) ? (long long)c->tracking_redir : -1);
    reply_bulk_cstr(c, "prefixes");
    tracking_reply_prefixes(c);
}

/* ---- HELP ---- */

/* Redis 7.0's text word for word. */
static const char *client_help[] = {
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    NULL};

static void cmd_client_help(client *c) { reply_help(c, "CLIENT", client_help); }

/* CLIENT UNBLOCK <id> [TIMEOUT|ERROR]: end another client's block as if
 * it timed out, or with an UNBLOCKED error. Replies 1 if it was blocked. */
static void cmd_client_unblock(client *c) {
    bool as_error = false;
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "error")) {
            as_error = true;
        } else if (!arg_is(&c->argv[3], "timeout")) {
            reply_error(c, ERR_CLIENT_UNBLOCK_REASON);
            return;
        }
    } else if (c->argc != 3) {
        reply_error_subcommand(c, "CLIENT");
        return;
    }
    long long id;
    if (!arg_ll(c, &c->argv[2], &id)) return;
    client *target = client_find_by_id((uint64_t)id);
    bool done = false;
    if (target && (target->flags & CLIENT_BLOCKED)) {
        /* Blocked on nothing of blocking.c's: in WAIT (repl_ack.c). */
        if (target->bstate == NULL)
            done = repl_unblock_wait(target, as_error ? ERR_UNBLOCKED_CLIENT : NULL);
        else done = blocking_unblock_client(target, as_error);
    }
    reply_int(c, done);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command client_subcommands[] = {
    {.name = "id", .proc = cmd_client_id, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "setname", .proc = cmd_client_setname, .arity = 3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "getname", .proc = cmd_client_getname, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "list", .proc = cmd_client_list, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "info", .proc = cmd_client_info, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "kill", .proc = cmd_client_kill, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "pause", .proc = cmd_client_pause, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "unpause", .proc = cmd_client_unpause, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "reply", .proc = cmd_client_reply, .arity = 3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "unblock", .proc = cmd_client_unblock, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "no-evict", .proc = cmd_client_no_evict, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION},
    {.name = "tracking", .proc = cmd_client_tracking, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "caching", .proc = cmd_client_caching, .arity = 3,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "getredir", .proc = cmd_client_getredir, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "trackinginfo", .proc = cmd_client_trackinginfo, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "help", .proc = cmd_client_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = NULL}};

command clientcmd_commands[] = {
    {.name = "client", .arity = -2, .flags = CMD_SENTINEL, .acl = ACL_SLOW,
     .subcmds = client_subcommands},
    {.name = NULL}};
/* clang-format on */
