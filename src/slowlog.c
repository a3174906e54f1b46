/* slowlog.c -- the slow log (SLOWLOG) and the latency monitor (LATENCY).
 *
 * The slow log is a list, newest first, of commands whose execution took at
 * least slowlog-log-slower-than microseconds (-1 disables it, 0 logs every
 * command), trimmed to slowlog-max-len. An entry copies what it shows: at
 * most 32 arguments of at most 128 bytes each, with the rest summarised,
 * and secrets (AUTH, HELLO AUTH, sensitive CONFIG SET values) replaced by
 * "(redacted)". Entry ids keep counting across SLOWLOG RESET.
 *
 * The latency monitor keeps, per named event, one sample per second (the
 * worst of that second) for the last 160 seconds with a sample, plus the
 * all-time maximum. Samples below latency-monitor-threshold (0: off) are
 * not recorded.
 * Not here: LATENCY DOCTOR, GRAPH and HISTOGRAM.
 * Spec: Redis 7.0 slowlog.c and latency.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "slowlog.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
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

/* True if argument i of c's command carries a secret, the arguments Redis
 * redacts from the slow log. */
static bool arg_is_secret(const client *c, int i) {
    const char *name = c->cmd ? c->cmd->fullname : "";
    if (strcmp(name, "auth") == 0) return i >= 1;
    if (strcmp(name, "acl|setuser") == 0) return i >= 2; /* the name too, as Redis */
    if (strcmp(name, "config|set") == 0)
        return i >= 3 && i % 2 == 1 && config_is_sensitive(c->argv[i - 1].ptr, c->argv[i - 1].len);
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
    if (arg_is_secret(c, i)) return str_from("(redacted)");
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
        reply_errorf(c,
                     "ERR unknown subcommand or wrong number of arguments for '%.128s'. "
                     "Try SLOWLOG HELP.",
                     c->argv[1].ptr);
        return;
    }
    if (c->argc == 3 && !arg_ll_range(c, &c->argv[2], -1, LONG_MAX, &count,
                                      "ERR count should be greater than or equal to -1"))
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

/* ---- The latency monitor ---- */

#define LATENCY_TS_LEN 160

typedef struct latency_sample {
    long long time; /* unix seconds; 0: slot unused */
    long long ms;
} latency_sample;

typedef struct latency_series {
    char *event;
    int idx; /* slot the next new second goes into */
    long long max;
    latency_sample samples[LATENCY_TS_LEN];
} latency_series;

/* A handful of event names at most, kept in creation order. */
static latency_series **series;
static size_t nseries, series_cap;

static latency_series *series_find(const char *event, size_t len) {
    for (size_t i = 0; i < nseries; i++)
        if (strlen(series[i]->event) == len && memcmp(series[i]->event, event, len) == 0)
            return series[i];
    return NULL;
}

static latency_series *series_add(const char *event) {
    if (nseries == series_cap) {
        series_cap = series_cap ? series_cap * 2 : 8;
        series = mem_realloc(series, series_cap * sizeof(*series));
    }
    latency_series *ts = mem_calloc(sizeof(*ts));
    ts->event = mem_strdup(event);
    series[nseries++] = ts;
    return ts;
}

static void series_free(latency_series *ts) {
    mem_free(ts->event);
    mem_free(ts);
}

/* Record 'ms' for 'event' when the monitor is on (latency-monitor-threshold
 * > 0) and ms reaches the threshold. Several samples in one second keep the
 * worst. */
void latency_add_sample(const char *event, long long ms) {
    if (cfg.latency_monitor_threshold <= 0 || ms < cfg.latency_monitor_threshold) return;
    latency_series *ts = series_find(event, strlen(event));
    if (ts == NULL) ts = series_add(event);
    long long now = (long long)time(NULL);
    if (ms > ts->max) ts->max = ms;
    latency_sample *prev = &ts->samples[(ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
    if (prev->time == now) {
        if (ms > prev->ms) prev->ms = ms;
        return;
    }
    ts->samples[ts->idx].time = now;
    ts->samples[ts->idx].ms = ms;
    ts->idx = (ts->idx + 1) % LATENCY_TS_LEN;
}

/* LATENCY LATEST: per event, name, time and value of the latest sample, max. */
static void cmd_latency_latest(client *c) {
    reply_array(c, (long long)nseries);
    for (size_t i = 0; i < nseries; i++) {
        latency_series *ts = series[i];
        latency_sample *last = &ts->samples[(ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
        reply_array(c, 4);
        reply_bulk_cstr(c, ts->event);
        reply_int(c, last->time);
        reply_int(c, last->ms);
        reply_int(c, ts->max);
    }
}

/* LATENCY HISTORY event: [time, ms] pairs, oldest first. Event names are
 * case-sensitive here, as in Redis. */
static void cmd_latency_history(client *c) {
    latency_series *ts = series_find(c->argv[2].ptr, c->argv[2].len);
    if (ts == NULL) {
        reply_array(c, 0);
        return;
    }
    long long n = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++)
        if (ts->samples[j].time) n++;
    reply_array(c, n);
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        latency_sample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0) continue;
        reply_array(c, 2);
        reply_int(c, s->time);
        reply_int(c, s->ms);
    }
}

/* Drop the series named 'event' (case-insensitive), or all when NULL.
 * Returns how many were dropped. */
static long long latency_reset(const slice *event) {
    long long resets = 0;
    size_t kept = 0;
    for (size_t i = 0; i < nseries; i++) {
        latency_series *ts = series[i];
        if (event == NULL || util_strcaseeq(event->ptr, event->len, ts->event)) {
            series_free(ts);
            resets++;
        } else {
            series[kept++] = ts;
        }
    }
    nseries = kept;
    return resets;
}

/* LATENCY RESET [event ...]: replies the number of series dropped. */
static void cmd_latency_reset(client *c) {
    if (c->argc == 2) {
        reply_int(c, latency_reset(NULL));
        return;
    }
    long long resets = 0;
    for (int j = 2; j < c->argc; j++) resets += latency_reset(&c->argv[j]);
    reply_int(c, resets);
}

static const char *latency_help[] = {
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
    NULL};

static void cmd_latency_help(client *c) { reply_help(c, "LATENCY", latency_help); }

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

static command latency_subcommands[] = {
    {.name = "latest", .proc = cmd_latency_latest, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "history", .proc = cmd_latency_history, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "reset", .proc = cmd_latency_reset, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = cmd_latency_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command slowlog_commands[] = {
    {.name = "slowlog", .arity = -2, .acl = ACL_SLOW, .subcmds = slowlog_subcommands},
    {.name = "latency", .arity = -2, .acl = ACL_SLOW, .subcmds = latency_subcommands},
    {.name = NULL}};
/* clang-format on */
