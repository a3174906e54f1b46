/* config.c -- one table of every directive: type, default, bounds,
 * mutability and apply hook. The same table parses redis.conf files and
 * command-line directives, and serves CONFIG GET, SET and REWRITE, so a
 * directive exists in all four places or in none.
 * CONFIG SET of several directives is all-or-nothing: old values are kept
 * as text and restored if any value or apply hook fails.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aof.h"
#include "cmdtable.h"
#include "errors.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "pubsub.h"
#include "reply.h"
#include "repl.h"
#include "server.h"
#include "util.h"

struct config cfg;

typedef enum { T_BOOL, T_INT, T_LL, T_MEM, T_ENUM, T_STR, T_SPECIAL } dtype;

#define D_IMMUTABLE 1
#define D_SENSITIVE 2    /* value hidden from logs */
#define D_PROTECTED 4    /* only when enable-protected-configs allows */
#define D_DEPRECATED 8   /* accepted, not rewritten unless set */
#define D_MULTI_ARG 16   /* rewritten as several words ("host port"); no line when empty */

typedef struct enum_pair {
    const char *name;
    int val;
} enum_pair;

typedef struct directive directive;
struct directive {
    const char *name;
    const char *alias;
    dtype type;
    void *field;
    const char *def;
    long long min, max;
    const enum_pair *enums;
    unsigned flags;
    /* T_SPECIAL: parse text into the field; return NULL or an error. */
    const char *(*set)(const directive *d, const char *val);
    str *(*get)(const directive *d);
    /* Runs after a runtime change; returns NULL or an error text. */
    const char *(*apply)(void);
    char *inert;   /* value of a directive with no field (see X below) */
};

/* ---- Special types ---- */

static const enum_pair loglevel_enum[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING}, {NULL, 0}};
static const enum_pair policy_enum[] = {
    {"volatile-lru", 0}, {"volatile-lfu", 1}, {"volatile-random", 2}, {"volatile-ttl", 3},
    {"allkeys-lru", 4}, {"allkeys-lfu", 5}, {"allkeys-random", 6}, {"noeviction", 7},
    {NULL, 0}};
static const enum_pair diskless_load_enum[] = {{"disabled", REPL_DISKLESS_LOAD_DISABLED},
                                               {"on-empty-db", REPL_DISKLESS_LOAD_ON_EMPTY_DB},
                                               {"swapdb", REPL_DISKLESS_LOAD_SWAPDB},
                                               {NULL, 0}};
static const enum_pair debugcmd_enum[] = {{"no", 0}, {"yes", 1}, {"local", 2}, {NULL, 0}};
static const enum_pair appendfsync_enum[] = {{"everysec", APPENDFSYNC_EVERYSEC},
                                             {"always", APPENDFSYNC_ALWAYS},
                                             {"no", APPENDFSYNC_NO}, {NULL, 0}};

/* Redis's memtoull: digits and an optional unit (k kb m mb g gb, any case). */
static bool parse_mem(const char *s, long long *out) {
    const char *u = s;
    if (*u == '-') u++;
    while (isdigit((unsigned char)*u)) u++;
    long long mul = 1;
    if (*u == '\0') mul = 1;
    else if (!strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024 * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000LL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = 1024LL * 1024 * 1024;
    else return false;
    long long v;
    if (!util_str2ll(s, (size_t)(u - s), &v)) return false;
    if (v != 0 && (v > LLONG_MAX / mul || v < LLONG_MIN / mul)) return false;
    *out = v * mul;
    return true;
}

static const char *cobl_class_names[COBL_COUNT] = {"normal", "replica", "pubsub"};

static const char *set_cobl(const directive *d, const char *val) {
    (void)d;
    /* "<class> <hard> <soft> <seconds>" repeated. */
    char *copy = mem_strdup(val);
    char *tok[64];
    int n = 0;
    for (char *t = strtok(copy, " \t"); t && n < 64; t = strtok(NULL, " \t")) tok[n++] = t;
    const char *err = NULL;
    cobl_limit parsed[COBL_COUNT];
    memcpy(parsed, cfg.client_output_buffer_limit, sizeof(parsed));
    if (n == 0 || n % 4 != 0) {
        err = "Wrong number of arguments in buffer limit configuration.";
        goto done;
    }
    for (int i = 0; i < n; i += 4) {
        int cls = -1;
        if (!strcasecmp(tok[i], "normal")) cls = COBL_NORMAL;
        else if (!strcasecmp(tok[i], "replica") || !strcasecmp(tok[i], "slave")) cls = COBL_REPLICA;
        else if (!strcasecmp(tok[i], "pubsub")) cls = COBL_PUBSUB;
        long long hard, soft, secs;
        if (cls == -1) {
            err = "Invalid client class specified in buffer limit configuration.";
            goto done;
        }
        if (!parse_mem(tok[i + 1], &hard) || !parse_mem(tok[i + 2], &soft) ||
            !util_str2ll(tok[i + 3], strlen(tok[i + 3]), &secs) || hard < 0 || soft < 0 ||
            secs < 0) {
            err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            goto done;
        }
        parsed[cls] = (cobl_limit){hard, soft, secs};
    }
    memcpy(cfg.client_output_buffer_limit, parsed, sizeof(parsed));
done:
    mem_free(copy);
    return err;
}

static str *get_cobl(const directive *d) {
    (void)d;
    str *s = str_new(NULL, 0);
    for (int i = 0; i < COBL_COUNT; i++) {
        cobl_limit *l = &cfg.client_output_buffer_limit[i];
        s = str_catfmt(s, "%s%s %lld %lld %lld", i ? " " : "", cobl_class_names[i], l->hard,
                       l->soft, l->soft_seconds);
    }
    return s;
}

static const char *set_octal(const directive *d, const char *val) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 8);
    if (*val == '\0' || *end != '\0' || errno || v < 0 || v > 0777) return "Invalid socket file permissions";
    *(int *)d->field = (int)v;
    return NULL;
}

static str *get_octal(const directive *d) { return str_fmt("%o", *(int *)d->field); }

static const char *set_save(const directive *d, const char *val) {
    (void)d;
    /* Pairs of "<seconds> <changes>", or empty. Validated now, used by rdb.c. */
    char *copy = mem_strdup(val);
    int n = 0;
    const char *err = NULL;
    for (char *t = strtok(copy, " \t"); t; t = strtok(NULL, " \t")) {
        long long v;
        if (!util_str2ll(t, strlen(t), &v) || v < 0) {
            err = "Invalid save parameters";
            break;
        }
        n++;
    }
    mem_free(copy);
    if (!err && n % 2) err = "Invalid save parameters";
    if (err) return err;
    mem_free(cfg.save);
    cfg.save = mem_strdup(val);
    return NULL;
}

static const char *set_notify(const directive *d, const char *val) {
    int flags = pubsub_notify_parse(val);
    if (flags == -1) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    *(int *)d->field = flags;
    return NULL;
}

static str *get_notify(const directive *d) { return pubsub_notify_string(*(int *)d->field); }

static str *get_str_field(const directive *d) {
    char *v = *(char **)d->field;
    return str_from(v ? v : "");
}

static const char *set_dir(const directive *d, const char *val) {
    (void)d;
    if (chdir(val) == -1) return strerror(errno);
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) == NULL) return strerror(errno);
    mem_free(cfg.dir);
    cfg.dir = mem_strdup(buf);
    return NULL;
}

static const char *apply_loglevel(void) {
    log_set_level(cfg.loglevel);
    return NULL;
}

static const char *apply_maxclients(void) {
    /* The event loop needs room for clients plus listeners and files. */
    extern const char *server_apply_maxclients(void);
    return server_apply_maxclients();
}

static const char *apply_appendonly(void) { return aof_config_changed(); }

static const char *apply_hz(void) {
    if (cfg.hz < 1) cfg.hz = 1;
    if (cfg.hz > 500) cfg.hz = 500;
    srv.hz = cfg.hz;
    return NULL;
}

static const char *apply_io_coalesce(void) {
    ev_set_coalesce(cfg.io_coalesce_us);
    return NULL;
}

static const char *apply_backlog_size(void) {
    repl_backlog_size_changed();
    return NULL;
}

/* "host port": validated here, acted on by repl_init() at start. */
static const char *set_replicaof(const directive *d, const char *val) {
    (void)d;
    char host[256];
    int port;
    char extra;
    if (val[0] != '\0' && (sscanf(val, "%255s %d %c", host, &port, &extra) != 2 || port < 0 ||
                           port > 65535))
        return "Invalid master port";   /* Redis: "Invalid master port" */
    mem_free(cfg.replicaof);
    cfg.replicaof = mem_strdup(val);
    return NULL;
}

static str *get_replicaof(const directive *d) {
    (void)d;
    const char *m = repl_config_master();
    return str_from(m ? m : "");
}

/* ---- The table ---- */

#define B(n, f, dflt, fl) {.name = n, .type = T_BOOL, .field = &cfg.f, .def = dflt, .flags = fl}
#define I(n, f, dflt, lo, hi, fl) \
    {.name = n, .type = T_INT, .field = &cfg.f, .def = dflt, .min = lo, .max = hi, .flags = fl}
#define L(n, f, dflt, lo, hi, fl) \
    {.name = n, .type = T_LL, .field = &cfg.f, .def = dflt, .min = lo, .max = hi, .flags = fl}
#define M(n, f, dflt, lo, hi, fl) \
    {.name = n, .type = T_MEM, .field = &cfg.f, .def = dflt, .min = lo, .max = hi, .flags = fl}
#define S(n, f, dflt, fl) {.name = n, .type = T_STR, .field = &cfg.f, .def = dflt, .flags = fl}
#define E(n, f, dflt, en, fl) \
    {.name = n, .type = T_ENUM, .field = &cfg.f, .def = dflt, .enums = en, .flags = fl}

/* Directives we accept for compatibility but whose behaviour arrives in later
 * work keep their value in the table entry so CONFIG GET/REWRITE round-trip
 * them. */
#define X(n, dflt) {.name = n, .type = T_STR, .field = NULL, .def = dflt, .flags = D_DEPRECATED}

static directive table[] = {
    S("bind", bind, "* -::*", D_IMMUTABLE),
    I("port", port, "6379", 0, 65535, D_IMMUTABLE),
    I("tcp-backlog", tcp_backlog, "511", 0, INT_MAX, D_IMMUTABLE),
    I("tcp-keepalive", tcp_keepalive, "300", 0, INT_MAX, 0),
    S("unixsocket", unixsocket, "", D_IMMUTABLE),
    {.name = "unixsocketperm", .type = T_SPECIAL, .field = &cfg.unixsocketperm, .def = "0",
     .flags = D_IMMUTABLE, .set = set_octal, .get = get_octal},
    I("timeout", timeout, "0", 0, INT_MAX, 0),
    {.name = "maxclients", .type = T_INT, .field = &cfg.maxclients, .def = "10000", .min = 1,
     .max = INT_MAX, .apply = apply_maxclients},
    B("protected-mode", protected_mode, "yes", 0),
    M("proto-max-bulk-len", proto_max_bulk_len, "512mb", 1024 * 1024, LLONG_MAX, 0),
    M("client-query-buffer-limit", client_query_buffer_limit, "1gb", 1024 * 1024, LLONG_MAX, 0),
    {.name = "client-output-buffer-limit", .type = T_SPECIAL, .field = &cfg.client_output_buffer_limit,
     .def = "normal 0 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60",
     .set = set_cobl, .get = get_cobl},
    I("databases", databases, "16", 1, INT_MAX, D_IMMUTABLE),
    {.name = "hz", .type = T_INT, .field = &cfg.hz, .def = "10", .min = 0, .max = INT_MAX,
     .apply = apply_hz},
    B("dynamic-hz", dynamic_hz, "yes", 0),
    {.name = "io-coalesce-us", .type = T_INT, .field = &cfg.io_coalesce_us, .def = "100", .min = 0,
     .max = 100000, .apply = apply_io_coalesce},   /* castor: see coalesce.h */
    {.name = "loglevel", .type = T_ENUM, .field = &cfg.loglevel, .def = "notice",
     .enums = loglevel_enum, .apply = apply_loglevel},
    S("logfile", logfile, "", D_IMMUTABLE),
    B("daemonize", daemonize, "no", D_IMMUTABLE),
    S("pidfile", pidfile, "", D_IMMUTABLE),
    {.name = "dir", .type = T_SPECIAL, .field = &cfg.dir, .def = "", .flags = D_PROTECTED,
     .set = set_dir, .get = get_str_field},
    S("dbfilename", dbfilename, "dump.rdb", D_PROTECTED),
    {.name = "save", .type = T_SPECIAL, .field = &cfg.save, .def = "3600 1 300 100 60 10000",
     .set = set_save, .get = get_str_field},
    {.name = "appendonly", .type = T_BOOL, .field = &cfg.appendonly, .def = "no",
     .apply = apply_appendonly},
    E("appendfsync", appendfsync, "everysec", appendfsync_enum, 0),
    B("aof-use-rdb-preamble", aof_use_rdb_preamble, "yes", 0),
    B("aof-load-truncated", aof_load_truncated, "yes", 0),
    B("no-appendfsync-on-rewrite", no_appendfsync_on_rewrite, "no", 0),
    I("auto-aof-rewrite-percentage", auto_aof_rewrite_percentage, "100", 0, INT_MAX, 0),
    M("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size, "64mb", 0, LLONG_MAX, 0),
    S("appendfilename", appendfilename, "appendonly.aof", D_IMMUTABLE),
    S("appenddirname", appenddirname, "appendonlydir", D_IMMUTABLE),
    E("enable-debug-command", enable_debug_command, "no", debugcmd_enum, D_IMMUTABLE),
    E("enable-protected-configs", enable_protected_configs, "no", debugcmd_enum, D_IMMUTABLE),
    I("active-expire-effort", active_expire_effort, "1", 1, 10, 0),
    S("requirepass", requirepass, "", D_SENSITIVE),
    M("maxmemory", maxmemory, "0", 0, LLONG_MAX, 0),
    E("maxmemory-policy", maxmemory_policy, "noeviction", policy_enum, 0),
    I("maxmemory-samples", maxmemory_samples, "5", 1, 64, 0),
    I("lfu-log-factor", lfu_log_factor, "10", 0, INT_MAX, 0),
    I("lfu-decay-time", lfu_decay_time, "1", 0, INT_MAX, 0),
    {.name = "busy-reply-threshold", .alias = "lua-time-limit", .type = T_LL,
     .field = &cfg.busy_reply_threshold, .def = "5000", .min = 0, .max = LLONG_MAX},
    L("slowlog-log-slower-than", slowlog_log_slower_than, "10000", -1, LLONG_MAX, 0),
    I("slowlog-max-len", slowlog_max_len, "128", 0, INT_MAX, 0),
    L("latency-monitor-threshold", latency_monitor_threshold, "0", 0, LLONG_MAX, 0),
    {.name = "notify-keyspace-events", .type = T_SPECIAL, .field = &cfg.notify_keyspace_events,
     .def = "", .set = set_notify, .get = get_notify},
    B("lazyfree-lazy-user-del", lazyfree_lazy_user_del, "no", 0),
    B("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush, "no", 0),
    {.name = "replica-read-only", .alias = "slave-read-only", .type = T_BOOL,
     .field = &cfg.replica_read_only, .def = "yes"},
    {.name = "replica-serve-stale-data", .alias = "slave-serve-stale-data", .type = T_BOOL,
     .field = &cfg.replica_serve_stale_data, .def = "yes"},
    /* Replication (repl.c). */
    {.name = "replicaof", .alias = "slaveof", .type = T_SPECIAL, .field = &cfg.replicaof,
     .def = "", .flags = D_IMMUTABLE | D_MULTI_ARG, .set = set_replicaof, .get = get_replicaof},
    S("masterauth", masterauth, "", D_SENSITIVE),
    S("masteruser", masteruser, "", 0),
    {.name = "repl-backlog-size", .type = T_MEM, .field = &cfg.repl_backlog_size, .def = "1mb",
     .min = 1, .max = LLONG_MAX, .apply = apply_backlog_size},
    I("repl-backlog-ttl", repl_backlog_ttl, "3600", 0, INT_MAX, 0),
    B("repl-diskless-sync", repl_diskless_sync, "yes", 0),
    I("repl-diskless-sync-delay", repl_diskless_sync_delay, "5", 0, INT_MAX, 0),
    I("repl-diskless-sync-max-replicas", repl_diskless_sync_max_replicas, "0", 0, INT_MAX, 0),
    E("repl-diskless-load", repl_diskless_load, "disabled", diskless_load_enum, 0),
    I("repl-timeout", repl_timeout, "60", 1, INT_MAX, 0),
    {.name = "repl-ping-replica-period", .alias = "repl-ping-slave-period", .type = T_INT,
     .field = &cfg.repl_ping_replica_period, .def = "10", .min = 1, .max = INT_MAX},
    B("repl-disable-tcp-nodelay", repl_disable_tcp_nodelay, "no", 0),
    {.name = "min-replicas-to-write", .alias = "min-slaves-to-write", .type = T_INT,
     .field = &cfg.min_replicas_to_write, .def = "0", .min = 0, .max = INT_MAX},
    {.name = "min-replicas-max-lag", .alias = "min-slaves-max-lag", .type = T_INT,
     .field = &cfg.min_replicas_max_lag, .def = "10", .min = 0, .max = INT_MAX},
    {.name = "replica-priority", .alias = "slave-priority", .type = T_INT,
     .field = &cfg.replica_priority, .def = "100", .min = 0, .max = INT_MAX},
    {.name = "replica-announce-ip", .alias = "slave-announce-ip", .type = T_STR,
     .field = &cfg.replica_announce_ip, .def = ""},
    {.name = "replica-announce-port", .alias = "slave-announce-port", .type = T_INT,
     .field = &cfg.replica_announce_port, .def = "0", .min = 0, .max = 65535},
    B("replica-announced", replica_announced, "yes", 0),
    {.name = "replica-ignore-maxmemory", .alias = "slave-ignore-maxmemory", .type = T_BOOL,
     .field = &cfg.replica_ignore_maxmemory, .def = "yes"},
    B("repl-empty-master-guard", repl_empty_master_guard, "yes", 0),   /* castor */
    /* Encodings of small collections (Redis's thresholds and old names). */
    {.name = "list-max-listpack-size", .alias = "list-max-ziplist-size", .type = T_INT,
     .field = &cfg.list_max_listpack_size, .def = "-2", .min = INT_MIN, .max = INT_MAX},
    I("list-compress-depth", list_compress_depth, "0", 0, INT_MAX, 0),
    {.name = "hash-max-listpack-entries", .alias = "hash-max-ziplist-entries", .type = T_LL,
     .field = &cfg.hash_max_listpack_entries, .def = "512", .min = 0, .max = LLONG_MAX},
    {.name = "hash-max-listpack-value", .alias = "hash-max-ziplist-value", .type = T_LL,
     .field = &cfg.hash_max_listpack_value, .def = "64", .min = 0, .max = LLONG_MAX},
    L("set-max-intset-entries", set_max_intset_entries, "512", 0, LLONG_MAX, 0),
    {.name = "zset-max-listpack-entries", .alias = "zset-max-ziplist-entries", .type = T_LL,
     .field = &cfg.zset_max_listpack_entries, .def = "128", .min = 0, .max = LLONG_MAX},
    {.name = "zset-max-listpack-value", .alias = "zset-max-ziplist-value", .type = T_LL,
     .field = &cfg.zset_max_listpack_value, .def = "64", .min = 0, .max = LLONG_MAX},
    /* Accepted now, acted on by later subsystems. */
    B("rdbcompression", rdbcompression, "yes", 0),
    B("rdbchecksum", rdbchecksum, "yes", D_IMMUTABLE),
    B("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error, "yes", 0),
    X("always-show-logo", "no"),
    X("set-proc-title", "yes"),
    X("supervised", "no"),
    X("io-threads", "1"),
    X("io-threads-do-reads", "no"),
    X("lazyfree-lazy-eviction", "no"),
    X("lazyfree-lazy-expire", "no"),
    X("lazyfree-lazy-server-del", "no"),
    X("activerehashing", "yes"),
    X("jemalloc-bg-thread", "yes"),
    X("latency-tracking", "yes"),
    X("crash-log-enabled", "yes"),
    X("crash-memcheck-enabled", "yes"),
    X("syslog-enabled", "no"),
    X("syslog-ident", "redis"),
    X("oom-score-adj", "no"),
    X("activedefrag", "no"),
    X("rdb-save-incremental-fsync", "yes"),
    X("aof-rewrite-incremental-fsync", "yes"),
    X("aof-timestamp-enabled", "no"),
    X("enable-module-command", "no"),
    X("maxmemory-clients", "0"),
    X("cluster-enabled", "no"),
    {.name = NULL},
};

static directive *find_directive(const char *name) {
    for (directive *d = table; d->name; d++)
        if (!strcasecmp(d->name, name) || (d->alias && !strcasecmp(d->alias, name))) return d;
    return NULL;
}

static char **inert_slot(const directive *d) { return &((directive *)d)->inert; }

/* Parse 'val' into the directive's field. NULL or an error text. */
static const char *set_value(const directive *d, const char *val) {
    static char errbuf[256];
    switch (d->type) {
    case T_BOOL:
        if (!strcasecmp(val, "yes")) *(bool *)d->field = true;
        else if (!strcasecmp(val, "no")) *(bool *)d->field = false;
        else return "argument must be 'yes' or 'no'";
        return NULL;
    case T_INT:
    case T_LL: {
        long long v;
        if (!util_str2ll(val, strlen(val), &v)) {
            /* Redis accepts memory units for some numeric options. */
            if (!parse_mem(val, &v)) return "argument couldn't be parsed into an integer";
        }
        if (v < d->min || v > d->max) {
            snprintf(errbuf, sizeof(errbuf), "argument must be between %lld and %lld inclusive",
                     d->min, d->max);
            return errbuf;
        }
        if (d->type == T_INT) *(int *)d->field = (int)v;
        else *(long long *)d->field = v;
        return NULL;
    }
    case T_MEM: {
        long long v;
        if (!parse_mem(val, &v)) return "argument must be a memory value";
        if (v < d->min || v > d->max) {
            snprintf(errbuf, sizeof(errbuf), "argument must be between %lld and %lld inclusive",
                     d->min, d->max);
            return errbuf;
        }
        *(long long *)d->field = v;
        return NULL;
    }
    case T_ENUM:
        for (const enum_pair *e = d->enums; e->name; e++) {
            if (!strcasecmp(e->name, val)) {
                *(int *)d->field = e->val;
                return NULL;
            }
        }
        {
            size_t off = (size_t)snprintf(errbuf, sizeof(errbuf),
                                          "argument(s) must be one of the following: ");
            for (const enum_pair *e = d->enums; e->name; e++)
                off += (size_t)snprintf(errbuf + off, sizeof(errbuf) - off, "%s%s", e->name,
                                        e[1].name ? ", " : "");
        }
        return errbuf;
    case T_STR: {
        char **slot = d->field ? (char **)d->field : inert_slot(d);
        mem_free(*slot);
        *slot = mem_strdup(val);
        return NULL;
    }
    case T_SPECIAL:
        return d->set(d, val);
    }
    return "unknown type";
}

/* Current value as text (caller frees). */
static str *get_value(const directive *d) {
    switch (d->type) {
    case T_BOOL: return str_from(*(bool *)d->field ? "yes" : "no");
    case T_INT: return str_fmt("%d", *(int *)d->field);
    case T_LL:
    case T_MEM: return str_fmt("%lld", *(long long *)d->field);
    case T_ENUM:
        for (const enum_pair *e = d->enums; e->name; e++)
            if (e->val == *(int *)d->field) return str_from(e->name);
        return str_from("");
    case T_STR: {
        char *v = d->field ? *(char **)d->field : *inert_slot(d);
        return str_from(v ? v : "");
    }
    case T_SPECIAL: return d->get(d);
    }
    return str_from("");
}

bool config_parse_memory(const char *s, long long *out) { return parse_mem(s, out); }

int config_get_value(const char *name, str **out) {
    directive *d = find_directive(name);
    if (d == NULL) return -1;
    *out = get_value(d);
    return 0;
}

void config_init(void) {
    char buf[PATH_MAX];
    for (directive *d = table; d->name; d++) {
        if (d->set == set_dir) {
            cfg.dir = mem_strdup(getcwd(buf, sizeof(buf)) ? buf : ".");
            continue;
        }
        const char *err = set_value(d, d->def);
        ASSERT(err == NULL);
    }
}

/* ---- Config files ---- */

/* Split a config line into words with Redis's quoting rules. Returns the
 * count (0 for blank/comment), -1 on unbalanced quotes. Words point into
 * 'line', which is modified. */
static int split_line(char *line, char **argv, int max) {
    int argc = 0;
    char *p = line;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '\0' || (*p == '#' && argc == 0)) return argc;
        if (argc == max) return -1;
        char *w = p, *start = p;
        char q = 0;
        if (*p == '"' || *p == '\'') q = *p++;
        while (*p) {
            if (q) {
                if (*p == '\\' && q == '"' && p[1]) {
                    p++;
                    char c = *p;
                    if (c == 'x' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
                        char hex[3] = {p[1], p[2], 0};
                        c = (char)strtol(hex, NULL, 16);
                        p += 2;
                    } else if (c == 'n') c = '\n';
                    else if (c == 'r') c = '\r';
                    else if (c == 't') c = '\t';
                    *w++ = c;
                    p++;
                    continue;
                }
                if (*p == '\\' && q == '\'' && p[1] == '\'') {
                    *w++ = '\'';
                    p += 2;
                    continue;
                }
                if (*p == q) {
                    p++;
                    if (*p && !isspace((unsigned char)*p)) return -1;
                    q = 0;
                    break;
                }
                *w++ = *p++;
            } else {
                if (isspace((unsigned char)*p)) break;
                *w++ = *p++;
            }
        }
        if (q) return -1;
        bool more = *p != '\0';
        *w = '\0';
        argv[argc++] = start;
        if (!more) return argc;
        p++;
    }
}

static int load_text(const char *text, const char *origin, str **err) {
    char *copy = mem_strdup(text);
    int lineno = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *orig = mem_strdup(line);
        char *argv[512];
        int argc = split_line(line, argv, 512);
        const char *msg = NULL;
        if (argc < 0) {
            msg = "Unbalanced quotes in configuration line";
        } else if (argc > 0) {
            directive *d = find_directive(argv[0]);
            if (!strcasecmp(argv[0], "include") || !strcasecmp(argv[0], "rename-command") ||
                !strcasecmp(argv[0], "user") || !strcasecmp(argv[0], "loadmodule")) {
                msg = "Directive not supported by castor yet";
            } else if (d == NULL) {
                msg = "Bad directive or wrong number of arguments";
            } else if (argc < 2 && d->type != T_STR && d->type != T_SPECIAL) {
                msg = "wrong number of arguments";
            } else {
                /* Multi-word values (save, bind, client-output-buffer-limit). */
                str *v = str_new(NULL, 0);
                for (int i = 1; i < argc; i++) {
                    if (i > 1) v = str_cat(v, " ", 1);
                    v = str_catc(v, argv[i]);
                }
                if (!strcasecmp(d->name, "save") && argc > 1 && cfg.save && origin &&
                    strcmp(cfg.save, d->def) != 0 && v->len) {
                    /* Several "save" lines accumulate, as in redis.conf. */
                    str *all = str_fmt("%s %s", cfg.save, v->buf);
                    str_free(v);
                    v = all;
                }
                msg = set_value(d, v->buf);
                str_free(v);
            }
        }
        if (msg) {
            *err = str_fmt("\n*** FATAL CONFIG FILE ERROR (castor %s) ***\n"
                           "Reading the configuration file %s, at line %d\n>>> '%s'\n%s",
                           CASTOR_OWN_VERSION, origin ? origin : "(command line)", lineno,
                           orig, msg);
            mem_free(orig);
            rc = -1;
            break;
        }
        mem_free(orig);
    }
    mem_free(copy);
    return rc;
}

int config_load(const char *path, const char *extra, str **err) {
    if (path) {
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (f == NULL) {
            *err = str_fmt("Fatal error, can't open config file '%s': %s", path, strerror(errno));
            return -1;
        }
        str *text = str_new(NULL, 0);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text = str_cat(text, buf, n);
        if (f != stdin) fclose(f);
        int rc = load_text(text->buf, path, err);
        str_free(text);
        if (rc) return -1;
    }
    if (extra && extra[0]) return load_text(extra, NULL, err);
    return 0;
}

/* ---- CONFIG command ---- */

static void config_get(client *c) {
    void *node = reply_defer(c);
    long long n = 0;
    for (directive *d = table; d->name; d++) {
        const char *names[2] = {d->name, d->alias};
        for (int k = 0; k < 2; k++) {
            if (names[k] == NULL) continue;
            bool match = false;
            for (int i = 2; i < c->argc && !match; i++)
                match = util_glob_match(c->argv[i].ptr, c->argv[i].len, names[k],
                                        strlen(names[k]), true);
            if (!match) continue;
            str *v = get_value(d);
            reply_bulk_cstr(c, names[k]);
            reply_bulk(c, v->buf, v->len);
            str_free(v);
            n++;
        }
    }
    reply_set_deferred_map(c, node, n);
}

static void config_set(client *c) {
    if ((c->argc % 2) != 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int pairs = (c->argc - 2) / 2;
    directive **ds = mem_alloc(sizeof(directive *) * (size_t)pairs);
    str **old = mem_calloc(sizeof(str *) * (size_t)pairs);
    const char *err = NULL, *bad = NULL;
    int set_count = 0;
    for (int i = 0; i < pairs; i++) {
        const char *name = c->argv[2 + i * 2].ptr;
        directive *d = find_directive(name);
        if (d == NULL) {
            reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'", name);
            goto cleanup;
        }
        for (int j = 0; j < i; j++) {
            if (ds[j] == d) {
                bad = name;
                err = "duplicate parameter";
                goto fail;
            }
        }
        ds[i] = d;
        if (d->flags & D_IMMUTABLE) {
            bad = name;
            err = "can't set immutable config";
            goto fail;
        }
        if ((d->flags & D_PROTECTED) && cfg.enable_protected_configs == 0) {
            bad = name;
            err = "can't set protected config";
            goto fail;
        }
    }
    for (int i = 0; i < pairs; i++) {
        old[i] = get_value(ds[i]);
        set_count = i + 1;
        err = set_value(ds[i], c->argv[3 + i * 2].ptr);
        if (err) {
            bad = c->argv[2 + i * 2].ptr;
            goto restore;
        }
    }
    for (int i = 0; i < pairs; i++) {
        if (ds[i]->apply && (err = ds[i]->apply()) != NULL) {
            bad = c->argv[2 + i * 2].ptr;
            goto restore;
        }
    }
    reply_ok(c);
    goto cleanup;
restore:
    for (int i = set_count - 1; i >= 0; i--) {
        set_value(ds[i], old[i]->buf);
        if (ds[i]->apply) ds[i]->apply();
    }
fail:
    reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s", bad, err);
cleanup:
    for (int i = 0; i < pairs; i++) str_free(old[i]);
    mem_free(old);
    mem_free(ds);
}

/* A directive's value as CONFIG REWRITE writes it: memory values in the
 * largest exact unit ("10mb"), as Redis's rewriteConfigBytesOption does. */
static str *rewrite_value(const directive *d) {
    if (d->type != T_MEM) return get_value(d);
    long long v = *(long long *)d->field;
    const long long gb = 1024LL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
    if (v != 0 && v % gb == 0) return str_fmt("%lldgb", v / gb);
    if (v != 0 && v % mb == 0) return str_fmt("%lldmb", v / mb);
    if (v != 0 && v % kb == 0) return str_fmt("%lldkb", v / kb);
    return str_fmt("%lld", v);
}

/* One directive's line, as Redis writes it: quoted when the value is empty
 * or has spaces or quotes, except for multi-word values (written as they
 * are, and not at all when empty) and an empty save ("save \"\""). */
static str *cat_line(str *out, const directive *d, const str *v) {
    if (d->flags & D_MULTI_ARG) return v->len ? str_catfmt(out, "%s %s\n", d->name, v->buf) : out;
    if (d->type == T_SPECIAL && !strcmp(d->name, "save") && v->len == 0)
        return str_catc(out, "save \"\"\n");
    if (v->len == 0 || strpbrk(v->buf, " \"'") != NULL)
        return str_catfmt(out, "%s \"%s\"\n", d->name, v->buf);
    return str_catfmt(out, "%s %s\n", d->name, v->buf);
}

/* CONFIG REWRITE: keep the file's comments and order; rewrite lines of
 * directives whose value we know, drop duplicates of the same directive,
 * and append directives that differ from their defaults. Written to a
 * temp file, fsynced and renamed over the original. */
static int rewrite_file(const char *path, str **errout) {
    str *orig = str_new(NULL, 0);
    FILE *f = fopen(path, "r");
    if (f) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) orig = str_cat(orig, buf, n);
        fclose(f);
    }
    size_t ndirs = 0;
    while (table[ndirs].name) ndirs++;
    bool *written = mem_calloc(ndirs);
    str *out = str_new(NULL, 0);
    char *copy = mem_strdup(orig->buf);
    char *next = copy;
    /* Lines are trimmed as Redis does; blank lines and comments are kept. */
    while (next && *next) {
        char *line = next;
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        while (*line == ' ' || *line == '\t' || *line == '\r') line++;
        size_t ll = strlen(line);
        while (ll && (line[ll - 1] == ' ' || line[ll - 1] == '\t' || line[ll - 1] == '\r')) line[--ll] = '\0';
        char *tmp = mem_strdup(line);
        char *argv[8];
        int argc = split_line(tmp, argv, 8);
        directive *d = argc > 0 ? find_directive(argv[0]) : NULL;
        if (d == NULL) {
            out = str_catfmt(out, "%s\n", line);
        } else {
            size_t idx = (size_t)(d - table);
            if (!written[idx]) {
                str *v = rewrite_value(d);
                out = cat_line(out, d, v);
                str_free(v);
                written[idx] = true;
            }
        }
        mem_free(tmp);
    }
    bool header = false;
    for (size_t i = 0; i < ndirs; i++) {
        directive *d = &table[i];
        if (written[i]) continue;
        str *v = rewrite_value(d);
        bool is_default = strcmp(v->buf, d->def) == 0 || (d->set == set_dir);
        if (!is_default) {
            if (!header) {
                out = str_catc(out, "# Generated by CONFIG REWRITE\n");
                header = true;
            }
            out = cat_line(out, d, v);
        }
        str_free(v);
    }
    mem_free(copy);
    mem_free(written);
    str_free(orig);
    str *tmpname = str_fmt("%s.tmp-%d", path, (int)getpid());
    int rc = -1;
    int fd = open(tmpname->buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        *errout = str_fmt("%s", strerror(errno));
        goto done;
    }
    size_t off = 0;
    while (off < out->len) {
        ssize_t w = write(fd, out->buf + off, out->len - off);
        if (w <= 0) {
            *errout = str_fmt("%s", strerror(errno));
            close(fd);
            unlink(tmpname->buf);
            goto done;
        }
        off += (size_t)w;
    }
    fsync(fd);
    close(fd);
    if (rename(tmpname->buf, path) == -1) {
        *errout = str_fmt("%s", strerror(errno));
        unlink(tmpname->buf);
        goto done;
    }
    rc = 0;
done:
    str_free(tmpname);
    str_free(out);
    return rc;
}

void cmd_config_get(client *c) { config_get(c); }

void cmd_config_set(client *c) { config_set(c); }

void cmd_config_resetstat(client *c) {
    extern void info_reset_stats(void);
    info_reset_stats();
    reply_ok(c);
}

void cmd_config_rewrite(client *c) {
    if (srv.config_file == NULL) {
        reply_error(c, "ERR The server is running without a config file");
        return;
    }
    str *err = NULL;
    if (rewrite_file(srv.config_file, &err) == -1) {
        log_msg(LOG_WARNING, "CONFIG REWRITE failed: %s", err->buf);
        reply_errorf(c, "ERR Rewriting config file: %s", err->buf);
        str_free(err);
        return;
    }
    log_msg(LOG_NOTICE, "CONFIG REWRITE executed with success.");
    reply_ok(c);
}

void cmd_config_help(client *c) {
    static const char *help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL};
    reply_help(c, "CONFIG", help);
}
