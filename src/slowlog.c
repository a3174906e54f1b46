/* slowlog.c -- the slow log (SLOWLOG).
 *
 * The slow log is a list, newest first, of commands whose execution took at
 * least slowlog-log-slower-than microseconds (-1 disables it, 0 logs every
 * command), trimmed to slowlog-max-len. An entry copies what it shows: at
 * most 32 arguments of at most 128 bytes each, with the rest summarised,
 * and secrets (AUTH, HELLO AUTH, sensitive CONFIG SET values) replaced by
 * "(redacted)". Entry ids keep counting across SLOWLOG RESET.
 * Not here: the latency monitor and LATENCY (latency.c).
 * Spec: Redis 7.0 slowlog.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "slowlog.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "errors.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

/* ---- The slow log ---- */

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_ARG_LEN 128

typedef struct slowlog_entry {
    struct slowlog_entry *next, *prev; /* next is older */
    long long id;
    long long time; /* unix seconds */
    long long duration_us;
    int argc;
    str **argv;
    str *addr;
    str *name; /* "" when the client had none */
} slowlog_entry;

static slowlog_entry *log_head, *log_tail; /* newest, oldest */
static long long log_len;
static long long next_entry_id;

bool slowlog_arg_is_secret(const client *c, int i) {
    const char *name = c->cmd ? c->cmd->fullname : "";
    if (strcmp(name, "auth") == 0) return i >= 1;
    if (strcmp(name, "acl|setuser") == 0) return i >= 2; /* the name too, as Redis */
    if (strcmp(name, "config|set") == 0)
        return i >= 3 && i % 2 == 1 && config_is_sensitive(c->argv[i - 1].ptr, c->argv[i - 1].len);
    if (strcmp(name, "migrate") == 0) {
        /* AUTH pw and AUTH2 user pw, before KEYS. */
        for (int j = 6; j < c->argc && !arg_is(&c->argv[j], "keys"); j++) {
            if (arg_is(&c->argv[j], "auth")) {
                if (i == j + 1) return true;
                j++;
            } else if (arg_is(&c->argv[j], "auth2")) {
                if (i == j + 1 || i == j + 2) return true;
                j += 2;
            }
        }
        return false;
    }
    if (strcmp(name, "hello") == 0) {
        for (int j = 2; j < c->argc; j++) {
            int more = c->argc - 1 - j;
            if (arg_is(&c->argv[j], "auth") && more >= 2) {
                if (i == j + 1 || i == j + 2) return true;
                j += 2;
            } else if (arg_is(&c->argv[j], "setname") && more >= 1) {
                j++;
            } else {
                break;
            }
        }
    }
    return false;
}

static str *entry_arg(const client *c, int i) {
    if (slowlog_arg_is_secret(c, i)) return str_from("(redacted)");
    const slice *a = &c->argv[i];
    if (a->len <= SLOWLOG_MAX_ARG_LEN) return str_new(a->ptr, a->len);
    str *s = str_new(a->ptr, SLOWLOG_MAX_ARG_LEN);
    return str_catfmt(s, "... (%zu more bytes)", a->len - SLOWLOG_MAX_ARG_LEN);
}

static slowlog_entry *entry_new(const client *c, long long duration_us) {
    slowlog_entry *e = mem_calloc(sizeof(*e));
    int argc = c->argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : c->argc;
    e->argc = argc;
    e->argv = mem_alloc(sizeof(str *) * (size_t)argc);
    for (int j = 0; j < argc; j++) {
        /* The last slot of a cut argument list says how much was left out. */
        if (argc != c->argc && j == argc - 1)
            e->argv[j] = str_fmt("... (%d more arguments)", c->argc - argc + 1);
        else e->argv[j] = entry_arg(c, j);
    }
    e->id = next_entry_id++;
    e->time = (long long)time(NULL);
    e->duration_us = duration_us;
    e->addr = str_from(c->addr);
    e->name = c->name ? str_new(c->name->buf, c->name->len) : str_new(NULL, 0);
    return e;
}

static void entry_free(slowlog_entry *e) {
    for (int j = 0; j < e->argc; j++) str_free(e->argv[j]);
    mem_free(e->argv);
    str_free(e->addr);
    str_free(e->name);
    mem_free(e);
}

static void drop_oldest(void) {
    slowlog_entry *e = log_tail;
    log_tail = e->prev;
    if (log_tail) log_tail->next = NULL;
    else log_head = NULL;
    log_len--;
    entry_free(e);
}

/* Record c's current command (argv as received, cmd already resolved) if
 * it ran for at least slowlog-log-slower-than microseconds, then trim the
 * log to slowlog-max-len. Copies what it keeps; c is not changed. */
void slowlog_maybe_add(client *c, long long duration_us) {
    if (cfg.slowlog_log_slower_than < 0) return;
    if (duration_us >= cfg.slowlog_log_slower_than && c->argc > 0) {
        slowlog_entry *e = entry_new(c, duration_us);
        e->next = log_head;
        if (log_head) log_head->prev = e;
        else log_tail = e;
        log_head = e;
        log_len++;
    }
    while (log_len > cfg.slowlog_max_len) drop_oldest();
}

/* SLOWLOG GET [count]: newest first; count -1 means all. */
static void cmd_slowlog_get(client *c) {
    long long count = 10;
    if (c->argc > 3) {
        reply_error_subcommand(c, "SLOWLOG");
        return;
    }
    if (c->argc == 3 && !arg_ll_range(c, &c->argv[2], -1, LONG_MAX, &count, ERR_SLOWLOG_COUNT))
        return;
    if (count == -1 || count > log_len) count = log_len;
    reply_array(c, count);
    slowlog_entry *e = log_head;
    for (long long n = 0; n < count; n++, e = e->next) {
        reply_array(c, 6);
        reply_int(c, e->id);
        reply_int(c, e->time);
        reply_int(c, e->duration_us);
        reply_array(c, e->argc);
        for (int j = 0; j < e->argc; j++) reply_bulk(c, e->argv[j]->buf, e->argv[j]->len);
        reply_bulk(c, e->addr->buf, e->addr->len);
        reply_bulk(c, e->name->buf, e->name->len);
    }
}

static void cmd_slowlog_len(client *c) { reply_int(c, log_len); }

static void cmd_slowlog_reset(client *c) {
    while (log_tail) drop_oldest();
    reply_ok(c);
}

static const char *slowlog_help[] = {
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    NULL};

static void cmd_slowlog_help(client *c) { reply_help(c, "SLOWLOG", slowlog_help); }

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command slowlog_subcommands[] = {
    {.name = "get", .proc = cmd_slowlog_get, .arity = -2,
     .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "len", .proc = cmd_slowlog_len, .arity = 2,
     .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "reset", .proc = cmd_slowlog_reset, .arity = 2,
     .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = cmd_slowlog_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command slowlog_commands[] = {
    {.name = "slowlog", .arity = -2, .acl = ACL_SLOW, .subcmds = slowlog_subcommands},
    {.name = NULL}};
/* clang-format on */
