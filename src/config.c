/* config.c -- one table of every directive Redis 7.0.15 knows: its type,
 * default, bounds, flags (immutable, protected, sensitive, hidden,
 * multi-arg) and apply hook. The same table parses redis.conf files and
 * command-line directives (config_file.c), and serves CONFIG GET, SET and
 * REWRITE, so a directive exists in all four places or in none.
 *
 * Values are parsed, bounded, shown and rewritten exactly as Redis's
 * config.c does it for each type (memtoull for memory units, percentages
 * stored negated, octal, enums, several words for multi-arg directives),
 * and errors use Redis's words. CONFIG SET of several directives is
 * all-or-nothing: old values are kept as text, set back if any value or
 * apply hook fails, and the hooks run again.
 * Directives whose feature castor lacks carry CF_INERT: they are accepted
 * and kept, castor logs at start-up when one is set away from its default,
 * and README.md's configuration table lists them. A few features a user
 * would expect to work when set (TLS, cluster mode, ACL users, modules)
 * are refused at start-up instead, never ignored.
 * Not here: redis.conf text, include, rename-command and CONFIG REWRITE's
 * file handling (config_file.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "acl.h"
#include "aof.h"
#include "cmdtable.h"
#include "config_int.h"
#include "crash.h"
#include "db.h"
#include "errors.h"
#include "ev.h"
#include "info.h"
#include "log.h"
#include "mem.h"
#include "proctitle.h"
#include "pubsub.h"
#include "reply.h"
#include "repl.h"
#include "server.h"
#include "tls.h"
#include "util.h"

/* ---- Enumerations ---- */

static const enum_pair loglevel_enum[] = {{"debug", LOG_DEBUG},
                                          {"verbose", LOG_VERBOSE},
                                          {"notice", LOG_NOTICE},
                                          {"warning", LOG_WARNING},
                                          {NULL, 0}};
static const enum_pair policy_enum[] = {
    {"volatile-lru", 0},   {"volatile-lfu", 1}, {"volatile-random", 2},
    {"volatile-ttl", 3},   {"allkeys-lru", 4},  {"allkeys-lfu", 5},
    {"allkeys-random", 6}, {"noeviction", 7},   {NULL, 0}};
static const enum_pair diskless_load_enum[] = {{"disabled", REPL_DISKLESS_LOAD_DISABLED},
                                               {"on-empty-db", REPL_DISKLESS_LOAD_ON_EMPTY_DB},
                                               {"swapdb", REPL_DISKLESS_LOAD_SWAPDB},
                                               {NULL, 0}};
static const enum_pair protected_enum[] = {
    {"no", PROTECTED_NO}, {"yes", PROTECTED_YES}, {"local", PROTECTED_LOCAL}, {NULL, 0}};
static const enum_pair propagation_error_enum[] = {
    {"ignore", PROPAGATION_ERR_IGNORE},
    {"panic", PROPAGATION_ERR_PANIC},
    {"panic-on-replicas", PROPAGATION_ERR_PANIC_ON_REPLICAS},
    {NULL, 0}};
/* shutdown-on-sigterm/-sigint: flags combined by listing several ("nosave now"). */
static const enum_pair shutdown_sig_enum[] = {
    {"default", SHUTDOWN_NOFLAGS}, {"save", SHUTDOWN_SAVE},   {"nosave", SHUTDOWN_NOSAVE},
    {"now", SHUTDOWN_NOW},         {"force", SHUTDOWN_FORCE}, {NULL, 0}};
static const enum_pair appendfsync_enum[] = {{"everysec", APPENDFSYNC_EVERYSEC},
                                             {"always", APPENDFSYNC_ALWAYS},
                                             {"no", APPENDFSYNC_NO},
                                             {NULL, 0}};
static const enum_pair supervised_enum[] = {{"upstart", SUPERVISED_UPSTART},
                                            {"systemd", SUPERVISED_SYSTEMD},
                                            {"auto", SUPERVISED_AUTODETECT},
                                            {"no", SUPERVISED_NONE},
                                            {NULL, 0}};
/* syslog(3) facilities by their <syslog.h> numbers (log.h's level names
 * clash with that header's, so it is not included here). */
static const enum_pair syslog_facility_enum[] = {{"user", 1 << 3},    {"local0", 16 << 3},
                                                 {"local1", 17 << 3}, {"local2", 18 << 3},
                                                 {"local3", 19 << 3}, {"local4", 20 << 3},
                                                 {"local5", 21 << 3}, {"local6", 22 << 3},
                                                 {"local7", 23 << 3}, {NULL, 0}};
static const enum_pair oom_score_adj_enum[] = {{"no", OOM_SCORE_ADJ_NO},
                                               {"yes", OOM_SCORE_RELATIVE},
                                               {"relative", OOM_SCORE_RELATIVE},
                                               {"absolute", OOM_SCORE_ADJ_ABSOLUTE},
                                               {NULL, 0}};
static const enum_pair acl_pubsub_enum[] = {{"allchannels", 1}, {"resetchannels", 0}, {NULL, 0}};
static const enum_pair sanitize_enum[] = {{"no", SANITIZE_DUMP_NO},
                                          {"yes", SANITIZE_DUMP_YES},
                                          {"clients", SANITIZE_DUMP_CLIENTS},
                                          {NULL, 0}};
static const enum_pair tls_auth_enum[] = {{"no", TLS_CLIENT_AUTH_NO},
                                          {"yes", TLS_CLIENT_AUTH_YES},
                                          {"optional", TLS_CLIENT_AUTH_OPTIONAL},
                                          {NULL, 0}};
static const enum_pair endpoint_enum[] = {{"ip", ENDPOINT_IP},
                                          {"hostname", ENDPOINT_HOSTNAME},
                                          {"unknown-endpoint", ENDPOINT_UNKNOWN},
                                          {NULL, 0}};

static const enum_pair *enum_by_name(const enum_pair *e, const char *name) {
    for (; e->name; e++)
        if (!strcasecmp(e->name, name)) return e;
    return NULL;
}

static const char *enum_name(const enum_pair *e, int val) {
    for (; e->name; e++)
        if (e->val == val) return e->name;
    return "unknown";
}

/* "argument(s) must be one of the following: a, b, c" (Redis cuts it at
 * 256 bytes). */
static const char *enum_error(const enum_pair *e) {
    static char buf[256];
    size_t off = (size_t)snprintf(buf, sizeof(buf), "argument(s) must be one of the following: ");
    for (; e->name && off < sizeof(buf); e++)
        off +=
            (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", e->name, e[1].name ? ", " : "");
    return buf;
}

/* ---- Numbers ---- */

/* Redis's memtoull: digits and an optional unit (b k kb m mb g gb, any
 * case). No sign, no spaces; the digits are read by strtoull, which
 * saturates instead of failing, and the multiplication wraps, as in Redis.
 * "" and a bare unit read as 0. */
static bool memtoull(const char *p, unsigned long long *out) {
    if (*p == '-') return false;
    const char *u = p;
    while (*u && isdigit((unsigned char)*u)) u++;
    unsigned long long mul;
    if (*u == '\0' || !strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000 * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024 * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = 1024ULL * 1024 * 1024;
    else return false;
    char buf[128];
    size_t digits = (size_t)(u - p);
    if (digits >= sizeof(buf)) return false;
    memcpy(buf, p, digits);
    buf[digits] = '\0';
    *out = strtoull(buf, NULL, 10) * mul;
    return true;
}

bool config_parse_memory(const char *s, long long *out) {
    unsigned long long v;
    if (!memtoull(s, &v) || v > LLONG_MAX) return false;
    *out = (long long)v;
    return true;
}

static long long num_load(const directive *d) {
    switch (d->num & NUM_STORAGE) {
    case NUM_INT: return *(int *)d->field;
    case NUM_UINT: return *(unsigned *)d->field;
    case NUM_LL: return *(long long *)d->field;
    default: return (long long)*(unsigned long long *)d->field;
    }
}

static void num_store(const directive *d, long long v) {
    switch (d->num & NUM_STORAGE) {
    case NUM_INT: *(int *)d->field = (int)v; break;
    case NUM_UINT: *(unsigned *)d->field = (unsigned)v; break;
    case NUM_LL: *(long long *)d->field = v; break;
    default: *(unsigned long long *)d->field = (unsigned long long)v; break;
    }
}

/* Redis's numericParseString: memory units, then a percent, then octal,
 * and plain integers only for directives with none of these. */
static bool num_parse(const directive *d, const str *v, long long *res, const char **err) {
    if (d->num & NUM_MEMORY) {
        unsigned long long u;
        if (memtoull(v->buf, &u)) {
            *res = (long long)u; /* above LLONG_MAX wraps negative, as in Redis */
            return true;
        }
    }
    if ((d->num & NUM_PERCENT) && v->len > 1 && v->buf[v->len - 1] == '%' &&
        util_str2ll(v->buf, v->len - 1, res) && *res >= 0) {
        *res = -*res;
        return true;
    }
    if (d->num & NUM_OCTAL) {
        char *end;
        errno = 0;
        *res = strtoll(v->buf, &end, 8);
        if (errno == 0 && *end == '\0') return true;
    }
    if (!(d->num & (NUM_MEMORY | NUM_PERCENT | NUM_OCTAL)) && util_str2ll(v->buf, v->len, res))
        return true;
    if ((d->num & NUM_MEMORY) && (d->num & NUM_PERCENT))
        *err = "argument must be a memory or percent value";
    else if (d->num & NUM_MEMORY) *err = "argument must be a memory value";
    else if (d->num & NUM_OCTAL) *err = "argument couldn't be parsed as an octal number";
    else *err = "argument couldn't be parsed into an integer";
    return false;
}

/* Redis's numericBoundaryCheck, with its messages. */
static bool num_in_bounds(const directive *d, long long v, const char **err) {
    static char buf[256];
    if (d->num & NUM_UNSIGNED) {
        unsigned long long u = (unsigned long long)v, lo = (unsigned long long)d->lo,
                           hi = (unsigned long long)d->hi;
        if (u >= lo && u <= hi) return true;
        snprintf(buf, sizeof(buf),
                 (d->num & NUM_OCTAL) ? "argument must be between %llo and %llo inclusive"
                                      : "argument must be between %llu and %llu inclusive",
                 lo, hi);
    } else if ((d->num & NUM_PERCENT) && v < 0) {
        if (v >= d->lo) return true;
        snprintf(buf, sizeof(buf), "percentage argument must be less or equal to %lld", -d->lo);
    } else {
        if (v >= d->lo && v <= d->hi) return true;
        snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive", d->lo,
                 d->hi);
    }
    *err = buf;
    return false;
}

static str *num_text(const directive *d, long long v) {
    if ((d->num & NUM_PERCENT) && v < 0) return str_fmt("%lld%%", -v);
    if (d->num & NUM_MEMORY) return str_fmt("%llu", (unsigned long long)v);
    if (d->num & NUM_OCTAL) return str_fmt("%llo", (unsigned long long)v);
    return str_fmt("%lld", v);
}

/* Bytes as redis.conf writes them: the largest exact unit of gb, mb, kb.
 * (Redis prints values above LLONG_MAX signed, which it can't read back;
 * castor prints them unsigned.) */
static str *cat_memory(str *s, unsigned long long v) {
    const unsigned long long gb = 1024ULL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
    if (v && v % gb == 0) return str_catfmt(s, "%llugb", v / gb);
    if (v && v % mb == 0) return str_catfmt(s, "%llumb", v / mb);
    if (v && v % kb == 0) return str_catfmt(s, "%llukb", v / kb);
    return str_catfmt(s, "%llu", v);
}

/* ---- Validators (Redis's is_valid_fn) ---- */

/* Redis's pathIsBaseName (no '/' or '\\' anywhere), and, stricter than
 * Redis, not "..": appenddirname ".." would put the AOF outside dir. */
static bool is_base_name(const char *p) {
    return strchr(p, '/') == NULL && strchr(p, '\\') == NULL && strcmp(p, "..") != 0;
}

static bool valid_dbfilename(const char *v, const char **err) {
    if (is_base_name(v)) return true;
    *err = "dbfilename can't be a path, just a filename";
    return false;
}

static bool valid_appendfilename(const char *v, const char **err) {
    if (v[0] == '\0') {
        *err = "appendfilename can't be empty";
        return false;
    }
    if (is_base_name(v)) return true;
    *err = "appendfilename can't be a path, just a filename";
    return false;
}

static bool valid_appenddirname(const char *v, const char **err) {
    if (v[0] == '\0') {
        *err = "appenddirname can't be empty";
        return false;
    }
    if (is_base_name(v)) return true;
    *err = "appenddirname can't be a path, just a dirname";
    return false;
}

static bool valid_hostname(const char *v, const char **err) {
    if (strlen(v) >= 256) {
        *err = "Hostnames must be less than 256 characters";
        return false;
    }
    for (const char *p = v; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
            *err = "Hostnames may only contain alphanumeric characters, hyphens or dots";
            return false;
        }
    }
    return true;
}

/* proc-title-template variables, as Redis's redisProcTitleGetVariable. */
static str *title_variable(const char *name, size_t len, const char *title) {
    if (len == 5 && !memcmp(name, "title", 5)) return str_from(title);
    if (len == 11 && !memcmp(name, "listen-addr", 11)) {
        if (cfg.port || cfg.tls_port) {
            char first[256] = "*";
            if (cfg.bind && cfg.bind[0]) sscanf(cfg.bind, "%255s", first);
            return str_fmt("%s:%u", first, (unsigned)(cfg.port ? cfg.port : cfg.tls_port));
        }
        return str_fmt("unixsocket:%s", cfg.unixsocket ? cfg.unixsocket : "");
    }
    if (len == 11 && !memcmp(name, "server-mode", 11)) return str_from("");
    if (len == 11 && !memcmp(name, "config-file", 11))
        return str_from(srv.config_file ? srv.config_file : "-");
    if (len == 4 && !memcmp(name, "port", 4)) return str_fmt("%u", (unsigned)cfg.port);
    if (len == 8 && !memcmp(name, "tls-port", 8)) return str_fmt("%u", (unsigned)cfg.tls_port);
    if (len == 10 && !memcmp(name, "unixsocket", 10))
        return str_from(cfg.unixsocket ? cfg.unixsocket : "");
    return NULL;
}

/* Expand a template ("{title} {listen-addr}", "{{" is a literal '{'),
 * trimming spaces at both ends. NULL if a variable is unknown or a brace
 * is left open (Redis's sdstemplate). Caller frees. */
static str *expand_title(const char *tpl, const char *title) {
    str *res = str_new(NULL, 0);
    const char *p = tpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (open == NULL) {
            res = str_catc(res, p);
            break;
        }
        res = str_cat(res, p, (size_t)(open - p));
        const char *name = open + 1;
        if (*name == '\0') goto error;
        if (*name == '{') {
            res = str_cat(res, "{", 1);
            p = name + 1;
            continue;
        }
        const char *close = strchr(name, '}');
        if (close == NULL) goto error;
        str *value = title_variable(name, (size_t)(close - name), title);
        if (value == NULL) goto error;
        res = str_cat(res, value->buf, value->len);
        str_free(value);
        p = close + 1;
    }
    size_t start = 0, end = res->len;
    while (start < end && res->buf[start] == ' ') start++;
    while (end > start && res->buf[end - 1] == ' ') end--;
    str *trimmed = str_new(res->buf + start, end - start);
    str_free(res);
    return trimmed;
error:
    str_free(res);
    return NULL;
}

static bool valid_title_template(const char *v, const char **err) {
    str *res = expand_title(v, "");
    bool ok = res && res->len > 0; /* Redis: an empty title is invalid too */
    str_free(res);
    if (!ok) *err = "template format is invalid or contains unknown variables";
    return ok;
}

/* Redis built without its own jemalloc (Debian's) refuses activedefrag. */
static bool valid_activedefrag(long long v, const char **err) {
    if (!v) return true;
    *err = "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
           "modified Jemalloc like the one shipped by default with the Redis source distribution";
    return false;
}

/* ---- Apply hooks (CONFIG SET only; start-up reads cfg directly) ---- */

static const char *apply_loglevel(void) {
    log_set_level(cfg.loglevel);
    return NULL;
}

static const char *apply_maxclients(void) { return server_apply_maxclients(); }

static const char *apply_listeners(void) { return server_relisten(false); }

static const char *apply_bind(void) { return server_relisten(true); }

static const char *apply_appendonly(void) { return aof_config_changed(); }

/* hz is a hint: out-of-range values are kept at Redis's 1..500. */
static void clamp_hz(void) {
    if (cfg.hz < 1) cfg.hz = 1;
    if (cfg.hz > 500) cfg.hz = 500;
}

/* requirepass sets the default user's one password (Redis's
 * ACLUpdateDefaultUserPassword); at start acl.c applies it after reading. */
static const char *apply_requirepass(void) {
    acl_set_default_password(cfg.requirepass, cfg.requirepass ? cfg.requirepass_len : 0);
    return NULL;
}

static const char *apply_hz(void) {
    clamp_hz();
    srv.hz = cfg.hz;
    return NULL;
}

static const char *apply_io_coalesce(void) {
    ev_set_coalesce(cfg.io_coalesce_us);
    return NULL;
}

static const char *apply_io_uring(void) {
    client_set_io_uring(cfg.io_uring);
    return NULL;
}

static const char *apply_backlog_size(void) {
    /* Redis's CONFIG_REPL_BACKLOG_MIN_SIZE, applied on CONFIG SET only. */
    if (cfg.repl_backlog_size < 16 * 1024) cfg.repl_backlog_size = 16 * 1024;
    repl_backlog_size_changed();
    return NULL;
}

static const char *apply_maxmemory_policy(void) {
    db_update_int_sharing();
    return NULL;
}

static const char *apply_maxmemory(void) {
    db_update_int_sharing();
    size_t used = mem_used();
    if (cfg.maxmemory && cfg.maxmemory < used)
        log_msg(LOG_WARNING,
                "WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller than the "
                "current memory usage (%zu). This will result in key eviction and/or the "
                "inability to accept new write commands depending on the maxmemory-policy.",
                cfg.maxmemory, used);
    /* The cron evicts down to it (Redis's eviction timer), after this
     * command: inside MULTI the transaction's later commands still see the
     * keys. A maxmemory-clients percentage follows at once. */
    if (cfg.maxmemory_clients < 0) client_evict();
    return NULL;
}

/* As Redis: a lower limit evicts clients at once. */
static const char *apply_maxmemory_clients(void) {
    client_evict();
    return NULL;
}

static const char *apply_oom_score_adj(void) {
    if (config_set_oom_score_adj(-1) == -1)
        return "Failed to set current oom_score_adj. Check server logs.";
    return NULL;
}

/* The watchdog (crash.c) cannot fire between two cron ticks: Redis's floor
 * of two ticks. Armed (or disarmed) at once, as Redis. */
static const char *apply_watchdog(void) {
    int min_period = (1000 / (cfg.hz > 0 ? cfg.hz : 10)) * 2;
    if (cfg.watchdog_period && cfg.watchdog_period < min_period) cfg.watchdog_period = min_period;
    crash_watchdog_cron();
    return NULL;
}

/* Turned back on: the history kept meanwhile goes at once, as in Redis. */
static const char *apply_aof_auto_gc(void) {
    aof_apply_auto_gc();
    return NULL;
}

static const char *apply_proc_title(void) {
    config_set_proc_title(NULL);
    return NULL;
}

/* A tls-* change rebuilds the TLS contexts when TLS is in use, as Redis's
 * applyTlsCfg; a failure keeps the old contexts (the reason is logged). */
#define TLS_UPDATE_ERR "Unable to update TLS configuration. Check server logs."

static const char *apply_tls(void) {
    if ((cfg.tls_port || cfg.tls_replication || cfg.tls_cluster) && tls_configure() == -1)
        return TLS_UPDATE_ERR;
    return NULL;
}

static const char *apply_tls_port(void) {
    if (cfg.tls_port && !tls_is_configured() && tls_configure() == -1) return TLS_UPDATE_ERR;
    return server_relisten_tls();
}

/* ---- Special directives ---- */

static str *get_str_field(const directive *d) {
    char *v = *(char **)d->field;
    return str_from(v ? v : "");
}

static str *join_args(str **argv, int argc) {
    str *s = str_new(NULL, 0);
    for (int i = 0; i < argc; i++) {
        if (i) s = str_cat(s, " ", 1);
        s = str_cat(s, argv[i]->buf, strlen(argv[i]->buf));
    }
    return s;
}

/* Replace a string field with 'v' (taken); 1 if it changed, else 2. */
static int swap_text(char **field, str *v) {
    int rc = (*field && strcmp(*field, v->buf) == 0) ? 2 : 1;
    mem_free(*field);
    *field = mem_strdup(v->buf);
    str_free(v);
    return rc;
}

static int set_dir(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
    }
    if (chdir(argv[0]->buf) == -1) {
        *err = strerror(errno);
        return 0;
    }
    return 1;
}

static str *get_dir(const directive *d) {
    (void)d;
    char buf[PATH_MAX];
    return str_from(getcwd(buf, sizeof(buf)) ? buf : "");
}

static void rewrite_dir(const directive *d, rewrite_state *st) {
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        rewrite_mark_processed(st, d->name);
        return;
    }
    str *line = str_fmt("%s ", d->name);
    rewrite_line(st, d->name, str_catrepr(line, buf, strlen(buf)), true);
}

/* Reading a config file, the first "save" replaces the defaults and later
 * ones add to it; CONFIG SET replaces. */
static bool reading_file, save_loaded;

void config_loading(bool on) { reading_file = on; }

static int set_save(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc == 1 && argv[0]->buf[0] == '\0') argc = 0; /* save "" */
    if (argc & 1) {
        *err = "Invalid save parameters";
        return 0;
    }
    str *points = str_new(NULL, 0);
    for (int j = 0; j < argc; j++) {
        char *end;
        long long v = strtoll(argv[j]->buf, &end, 10);
        if (*end != '\0' || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0)) {
            *err = "Invalid save parameters";
            str_free(points);
            return 0;
        }
        /* Kept as given (Redis 7.0 wraps a count past 2^31-1 into an int:
         * 4294967295 becomes -1, which then saves at every check and makes
         * its rewritten file refuse to load). */
        points = str_catfmt(points, "%s%lld", j ? " " : "", v);
    }
    if (reading_file && save_loaded && cfg.save && cfg.save[0] && points->len) {
        str *all = str_fmt("%s %s", cfg.save, points->buf);
        str_free(points);
        points = all;
    }
    if (reading_file) save_loaded = true;
    return swap_text(&cfg.save, points);
}

static void rewrite_save(const directive *d, rewrite_state *st) {
    if (cfg.save == NULL || cfg.save[0] == '\0') {
        rewrite_line(st, d->name, str_from("save \"\""), true);
    } else {
        char *copy = mem_strdup(cfg.save), *sp = NULL;
        for (char *s = strtok_r(copy, " ", &sp); s; s = strtok_r(NULL, " ", &sp)) {
            char *c = strtok_r(NULL, " ", &sp);
            rewrite_line(st, d->name, str_fmt("save %s %s", s, c ? c : "0"), true);
        }
        mem_free(copy);
    }
    rewrite_mark_processed(st, d->name);
}

static const cobl_limit cobl_defaults[COBL_COUNT] = {
    {0, 0, 0},
    {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60},
    {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60}};

/* Redis's getClientTypeByName, less "master" which has no limits. */
static int cobl_class(const char *name) {
    if (!strcasecmp(name, "normal")) return COBL_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return COBL_REPLICA;
    if (!strcasecmp(name, "pubsub")) return COBL_PUBSUB;
    return -1;
}

/* "<class> <hard> <soft> <seconds>" repeated; all or nothing. */
static int set_cobl(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return 0;
    }
    cobl_limit parsed[COBL_COUNT];
    bool seen[COBL_COUNT] = {false};
    for (int j = 0; j < argc; j += 4) {
        int cls = cobl_class(argv[j]->buf);
        if (cls == -1) {
            *err = "Invalid client class specified in buffer limit configuration.";
            return 0;
        }
        unsigned long long hard, soft;
        char *end;
        long long secs = strtoll(argv[j + 3]->buf, &end, 10);
        if (!memtoull(argv[j + 1]->buf, &hard) || !memtoull(argv[j + 2]->buf, &soft) ||
            (int)secs < 0 || *end != '\0') {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            return 0;
        }
        parsed[cls] = (cobl_limit){hard, soft, (int)secs}; /* Redis keeps seconds in an int */
        seen[cls] = true;
    }
    for (int i = 0; i < COBL_COUNT; i++)
        if (seen[i]) cfg.client_output_buffer_limit[i] = parsed[i];
    return 1;
}

static str *get_cobl(const directive *d) {
    (void)d;
    static const char *names[COBL_COUNT] = {"normal", "slave", "pubsub"};
    str *s = str_new(NULL, 0);
    for (int i = 0; i < COBL_COUNT; i++) {
        const cobl_limit *l = &cfg.client_output_buffer_limit[i];
        s = str_catfmt(s, "%s%s %llu %llu %lld", i ? " " : "", names[i], l->hard, l->soft,
                       l->soft_seconds);
    }
    return s;
}

static void rewrite_cobl(const directive *d, rewrite_state *st) {
    static const char *names[COBL_COUNT] = {"normal", "replica", "pubsub"};
    for (int i = 0; i < COBL_COUNT; i++) {
        const cobl_limit *l = &cfg.client_output_buffer_limit[i], *def = &cobl_defaults[i];
        bool force =
            l->hard != def->hard || l->soft != def->soft || l->soft_seconds != def->soft_seconds;
        str *line = str_fmt("%s %s ", d->name, names[i]);
        line = cat_memory(line, l->hard);
        line = str_cat(line, " ", 1);
        line = cat_memory(line, l->soft);
        line = str_catfmt(line, " %lld", l->soft_seconds);
        rewrite_line(st, d->name, line, force);
    }
}

static const int oom_defaults[OOM_CLASS_COUNT] = {0, 200, 800};

static int set_oom_values(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc != OOM_CLASS_COUNT) {
        *err = "wrong number of arguments";
        return 0;
    }
    int values[OOM_CLASS_COUNT];
    for (int i = 0; i < OOM_CLASS_COUNT; i++) {
        char *end;
        long long v = strtoll(argv[i]->buf, &end, 10);
        if (*end != '\0' || v < -2000 || v > 2000) {
            *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            return 0;
        }
        values[i] = (int)v;
    }
    if (values[OOM_CLASS_REPLICA] < values[OOM_CLASS_MASTER] ||
        values[OOM_CLASS_BGCHILD] < values[OOM_CLASS_REPLICA])
        log_msg(LOG_WARNING,
                "The oom-score-adj-values configuration may not work for non-privileged "
                "processes! Please consult the documentation.");
    int rc = 2;
    for (int i = 0; i < OOM_CLASS_COUNT; i++) {
        if (cfg.oom_score_adj_values[i] != values[i]) rc = 1;
        cfg.oom_score_adj_values[i] = values[i];
    }
    return rc;
}

static str *get_oom_values(const directive *d) {
    (void)d;
    return str_fmt("%d %d %d", cfg.oom_score_adj_values[0], cfg.oom_score_adj_values[1],
                   cfg.oom_score_adj_values[2]);
}

static void rewrite_oom_values(const directive *d, rewrite_state *st) {
    bool force = false;
    for (int i = 0; i < OOM_CLASS_COUNT; i++)
        force |= cfg.oom_score_adj_values[i] != oom_defaults[i];
    str *v = get_oom_values(d);
    rewrite_line(st, d->name, str_fmt("%s %s", d->name, v->buf), force);
    str_free(v);
}

static int set_notify(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
    }
    int flags = pubsub_notify_parse(argv[0]->buf);
    if (flags == -1) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return 0;
    }
    cfg.notify_keyspace_events = flags;
    return 1;
}

static str *get_notify(const directive *d) {
    (void)d;
    return pubsub_notify_string(cfg.notify_keyspace_events);
}

static void rewrite_notify(const directive *d, rewrite_state *st) {
    str *flags = pubsub_notify_string(cfg.notify_keyspace_events);
    str *line = str_fmt("%s ", d->name);
    line = str_catrepr(line, flags->buf, flags->len);
    str_free(flags);
    rewrite_line(st, d->name, line, cfg.notify_keyspace_events != 0);
}

#define DEFAULT_BIND "* -::*"

static int set_bind(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc > CONFIG_BINDADDR_MAX) {
        *err = "Too many bind addresses specified.";
        return 0;
    }
    if (argc == 1 && argv[0]->buf[0] == '\0') argc = 0;
    return swap_text(&cfg.bind, join_args(argv, argc));
}

/* A word of a multi-word line: as it is, as Redis writes it, unless it
 * needs quoting to read back as one word (then quoted and escaped, so that
 * no value, not even a REPLICAOF host, can add a line). */
static str *cat_word(str *s, const char *w, size_t len) {
    bool plain = len > 0;
    for (size_t i = 0; i < len && plain; i++)
        plain = w[i] > ' ' && w[i] < 0x7f && w[i] != '"' && w[i] != '\'' && w[i] != '\\';
    return plain ? str_cat(s, w, len) : str_catrepr(s, w, len);
}

static void rewrite_bind(const directive *d, rewrite_state *st) {
    if (cfg.bind && strcmp(cfg.bind, DEFAULT_BIND) == 0) {
        rewrite_mark_processed(st, d->name);
        return;
    }
    /* Its words, one space apart; an empty one (even the last) as "". */
    str *line = str_from(d->name);
    const char *p = cfg.bind ? cfg.bind : "";
    for (;;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        line = cat_word(str_cat(line, " ", 1), p, len);
        if (end == NULL) break;
        p = end + 1;
    }
    rewrite_line(st, d->name, line, true);
}

/* "host port" or "no one"; acted on by repl_init() at start. */
static int set_replicaof(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc != 2) {
        *err = "wrong number of arguments";
        return 0;
    }
    if (!strcasecmp(argv[0]->buf, "no") && !strcasecmp(argv[1]->buf, "one"))
        return swap_text(&cfg.replicaof, str_from(""));
    char *end;
    long port = strtol(argv[1]->buf, &end, 10);
    if (port < 0 || port > 65535 || *end != '\0') {
        *err = "Invalid master port";
        return 0;
    }
    return swap_text(&cfg.replicaof, str_fmt("%s %ld", argv[0]->buf, port));
}

/* The master we follow now (REPLICAOF changes it at run time). */
static str *get_replicaof(const directive *d) {
    (void)d;
    const char *m = repl_config_master();
    return str_from(m ? m : "");
}

static void rewrite_replicaof(const directive *d, rewrite_state *st) {
    const char *m = repl_config_master(); /* "host port" */
    const char *sp = m ? strrchr(m, ' ') : NULL;
    if (sp == NULL) {
        rewrite_mark_processed(st, d->name);
        return;
    }
    str *line = cat_word(str_fmt("%s ", d->name), m, (size_t)(sp - m));
    rewrite_line(st, d->name, str_catc(line, sp), true);
}

static str *cat_percentile(str *s, double v) {
    char buf[128];
    size_t len = util_trimmed_f(buf, sizeof(buf), v);
    return str_cat(s, buf, len);
}

static int set_percentiles(directive *d, str **argv, int argc, const char **err) {
    (void)d;
    if (argc == 1 && argv[0]->len == 0) argc = 0;
    double *vals = argc ? mem_alloc(sizeof(double) * (size_t)argc) : NULL;
    for (int j = 0; j < argc; j++) {
        if (!util_str2d(argv[j]->buf, argv[j]->len, &vals[j])) {
            *err = "Invalid latency-tracking-info-percentiles parameters";
            goto fail;
        }
        if (vals[j] > 100.0 || vals[j] < 0.0) {
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            goto fail;
        }
    }
    mem_free(cfg.latency_tracking_info_percentiles);
    cfg.latency_tracking_info_percentiles = vals;
    cfg.latency_tracking_info_percentiles_len = argc;
    return 1;
fail:
    /* Redis leaves the list empty after a bad value (CONFIG SET restores it). */
    mem_free(vals);
    mem_free(cfg.latency_tracking_info_percentiles);
    cfg.latency_tracking_info_percentiles = NULL;
    cfg.latency_tracking_info_percentiles_len = 0;
    return 0;
}

static str *get_percentiles(const directive *d) {
    (void)d;
    str *s = str_new(NULL, 0);
    for (int j = 0; j < cfg.latency_tracking_info_percentiles_len; j++) {
        if (j) s = str_cat(s, " ", 1);
        s = cat_percentile(s, cfg.latency_tracking_info_percentiles[j]);
    }
    return s;
}

static void rewrite_percentiles(const directive *d, rewrite_state *st) {
    str *line = str_from(d->name);
    if (cfg.latency_tracking_info_percentiles_len == 0) line = str_catc(line, " \"\"");
    for (int j = 0; j < cfg.latency_tracking_info_percentiles_len; j++) {
        line = str_cat(line, " ", 1);
        line = cat_percentile(line, cfg.latency_tracking_info_percentiles[j]);
    }
    rewrite_line(st, d->name, line, true); /* Redis always writes it */
}

/* Redis's isValidShutdownOnSigFlags. */
static bool valid_shutdown_flags(long long v, const char **err) {
    if ((v & SHUTDOWN_SAVE) && (v & SHUTDOWN_NOSAVE)) {
        *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return false;
    }
    return true;
}

static const char *apply_min_replicas(void) {
    repl_min_replicas_changed();
    return NULL;
}

/* ---- The table ---- */

#define BOOL(n, a, fl, f, dflt, ...)                                                               \
    {                                                                                              \
        .name = n, .alias = a, .type = CT_BOOL, .flags = fl, .field = &cfg.f, .def = dflt,         \
        __VA_ARGS__                                                                                \
    }
/* Numeric: st is the field's NUM_ storage, nf its parse flags. */
#define NUM(n, a, fl, st, lo_, hi_, f, dflt, nf, ...)                                              \
    {                                                                                              \
        .name = n, .alias = a, .type = CT_NUM, .flags = fl, .num = (st) | (nf), .lo = lo_,         \
        .hi = hi_, .field = &cfg.f, .def = dflt, __VA_ARGS__                                       \
    }
#define INT(n, a, fl, lo_, hi_, f, dflt, ...)                                                      \
    NUM(n, a, fl, NUM_INT, lo_, hi_, f, dflt, 0, __VA_ARGS__)
#define ENUM(n, a, fl, en, f, dflt, ...)                                                           \
    {                                                                                              \
        .name = n, .alias = a, .type = CT_ENUM, .flags = fl, .enums = en, .field = &cfg.f,         \
        .def = dflt, __VA_ARGS__                                                                   \
    }
#define STRING(n, a, fl, f, dflt, ...)                                                             \
    {                                                                                              \
        .name = n, .alias = a, .type = CT_STRING, .flags = fl, .field = &cfg.f, .def_str = dflt,   \
        __VA_ARGS__                                                                                \
    }
#define SDS(n, fl, f, ...)                                                                         \
    {                                                                                              \
        .name = n, .type = CT_SDS, .flags = (fl) | CF_EMPTY_NULL, .field = &cfg.f,                 \
        .len_field = &cfg.f##_len, __VA_ARGS__                                                     \
    }
#define SPECIAL(n, a, fl, s, g, r, ...)                                                            \
    {                                                                                              \
        .name = n, .alias = a, .type = CT_SPECIAL, .flags = fl, .set = s, .get = g, .rewrite = r,  \
        __VA_ARGS__                                                                                \
    }

#define IMM CF_IMMUTABLE
#define INERT CF_INERT
#define NUL CF_EMPTY_NULL
#define VOL CF_VOLATILE
#define SIZE_T (NUM_LL | NUM_UNSIGNED) /* Redis's size_t directives */

/* Adding a directive: give it a cfg field (config.h), a row here with
 * Redis's type, flags, bounds and default, and a line in README.md's
 * configuration table (CF_INERT if castor lacks its feature). One
 * directive per line. */
/* clang-format off */
static directive table[] = {
    /* Network */
    SPECIAL("bind", NULL, CF_MULTI_ARG, set_bind, get_str_field, rewrite_bind, .field = &cfg.bind,
            .def_str = DEFAULT_BIND, .apply = apply_bind),
    STRING("bind-source-addr", NULL, NUL, bind_source_addr, NULL),
    INT("port", NULL, 0, 0, 65535, port, 6379, .apply = apply_listeners),
    INT("tcp-backlog", NULL, IMM, 0, INT_MAX, tcp_backlog, 511),
    INT("tcp-keepalive", NULL, 0, 0, INT_MAX, tcp_keepalive, 300),
    STRING("unixsocket", NULL, IMM | NUL, unixsocket, NULL),
    NUM("unixsocketperm", NULL, IMM, NUM_UINT | NUM_UNSIGNED, 0, 0777, unixsocketperm, 0, NUM_OCTAL),
    NUM("socket-mark-id", NULL, IMM | INERT, NUM_UINT | NUM_UNSIGNED, 0, UINT_MAX, socket_mark_id, 0, 0),
    INT("timeout", NULL, 0, 0, INT_MAX, timeout, 0),
    NUM("maxclients", NULL, 0, NUM_UINT | NUM_UNSIGNED, 1, UINT_MAX, maxclients, 10000, 0,
        .apply = apply_maxclients),
    BOOL("protected-mode", NULL, 0, protected_mode, 1),
    NUM("proto-max-bulk-len", NULL, 0, NUM_LL, 1024 * 1024, LONG_MAX, proto_max_bulk_len,
        512LL * 1024 * 1024, NUM_MEMORY),
    NUM("client-query-buffer-limit", NULL, 0, SIZE_T, 1024 * 1024, LONG_MAX, client_query_buffer_limit,
        1024LL * 1024 * 1024, NUM_MEMORY),
    SPECIAL("client-output-buffer-limit", NULL, CF_MULTI_ARG, set_cobl, get_cobl, rewrite_cobl),
    INT("io-coalesce-us", NULL, 0, 0, 100000, io_coalesce_us, 100, .apply = apply_io_coalesce),
    BOOL("io-uring", NULL, 0, io_uring, 1, .apply = apply_io_uring),
    /* General */
    INT("databases", NULL, IMM, 1, INT_MAX, databases, CONFIG_DEFAULT_DATABASES),
    INT("hz", NULL, 0, 0, INT_MAX, hz, 10, .apply = apply_hz),
    BOOL("dynamic-hz", NULL, 0, dynamic_hz, 1),
    ENUM("loglevel", NULL, 0, loglevel_enum, loglevel, LOG_NOTICE, .apply = apply_loglevel),
    STRING("logfile", NULL, IMM, logfile, ""),
    BOOL("syslog-enabled", NULL, IMM, syslog_enabled, 0),
    STRING("syslog-ident", NULL, IMM, syslog_ident, "redis"),
    ENUM("syslog-facility", NULL, IMM, syslog_facility_enum, syslog_facility, 16 << 3),
    BOOL("daemonize", NULL, IMM, daemonize, 0),
    ENUM("supervised", NULL, IMM, supervised_enum, supervised, SUPERVISED_NONE),
    STRING("pidfile", NULL, IMM | NUL, pidfile, NULL),
    BOOL("always-show-logo", NULL, IMM, always_show_logo, 0),
    BOOL("set-proc-title", NULL, IMM, set_proc_title, 1),
    STRING("proc-title-template", NULL, 0, proc_title_template, "{title} {listen-addr} {server-mode}",
           .valid_str = valid_title_template, .apply = apply_proc_title),
    BOOL("crash-log-enabled", NULL, 0, crash_log_enabled, 1),
    BOOL("crash-memcheck-enabled", NULL, INERT, crash_memcheck_enabled, 1),
    BOOL("use-exit-on-panic", NULL, CF_HIDDEN | INERT, use_exit_on_panic, 0),
    INT("watchdog-period", NULL, CF_HIDDEN, 0, INT_MAX, watchdog_period, 0, .apply = apply_watchdog),
    STRING("ignore-warnings", NULL, 0, ignore_warnings, ""),
    BOOL("disable-thp", NULL, IMM, disable_thp, 1),
    ENUM("oom-score-adj", NULL, 0, oom_score_adj_enum, oom_score_adj, OOM_SCORE_ADJ_NO,
         .apply = apply_oom_score_adj),
    SPECIAL("oom-score-adj-values", NULL, CF_MULTI_ARG, set_oom_values, get_oom_values,
            rewrite_oom_values, .apply = apply_oom_score_adj),
    STRING("server_cpulist", NULL, IMM | NUL | INERT, server_cpulist, NULL),
    STRING("bio_cpulist", NULL, IMM | NUL | INERT, bio_cpulist, NULL),
    STRING("aof_rewrite_cpulist", NULL, IMM | NUL | INERT, aof_rewrite_cpulist, NULL),
    STRING("bgsave_cpulist", NULL, IMM | NUL | INERT, bgsave_cpulist, NULL),
    INT("io-threads", NULL, IMM | INERT, 1, 128, io_threads, 1),
    BOOL("io-threads-do-reads", NULL, IMM | INERT, io_threads_do_reads, 0),
    BOOL("jemalloc-bg-thread", NULL, INERT, jemalloc_bg_thread, 1),
    BOOL("activerehashing", NULL, 0, activerehashing, 1),
    ENUM("enable-protected-configs", NULL, IMM, protected_enum, enable_protected_configs, PROTECTED_NO),
    ENUM("enable-debug-command", NULL, IMM, protected_enum, enable_debug_command, PROTECTED_NO),
    ENUM("enable-module-command", NULL, IMM, protected_enum, enable_module_command, PROTECTED_NO),
    INT("active-expire-effort", NULL, 0, 1, 10, active_expire_effort, 1),
    BOOL("latency-tracking", NULL, 0, latency_tracking, 1),
    SPECIAL("latency-tracking-info-percentiles", NULL, CF_MULTI_ARG, set_percentiles,
            get_percentiles, rewrite_percentiles),
    NUM("tracking-table-max-keys", NULL, INERT, SIZE_T, 0, LONG_MAX, tracking_table_max_keys, 1000000, 0),
    /* Snapshots */
    SPECIAL("dir", NULL, CF_PROTECTED | CF_DENY_LOADING, set_dir, get_dir, rewrite_dir),
    STRING("dbfilename", NULL, CF_PROTECTED, dbfilename, "dump.rdb", .valid_str = valid_dbfilename),
    SPECIAL("save", NULL, CF_MULTI_ARG, set_save, get_str_field, rewrite_save, .field = &cfg.save,
            .def_str = "3600 1 300 100 60 10000"),
    BOOL("stop-writes-on-bgsave-error", NULL, 0, stop_writes_on_bgsave_error, 1),
    BOOL("rdbcompression", NULL, 0, rdbcompression, CONFIG_DEFAULT_RDBCOMPRESSION),
    BOOL("rdbchecksum", NULL, IMM, rdbchecksum, CONFIG_DEFAULT_RDBCHECKSUM),
    BOOL("rdb-del-sync-files", NULL, INERT, rdb_del_sync_files, 0),
    BOOL("rdb-save-incremental-fsync", NULL, 0, rdb_save_incremental_fsync, 1),
    NUM("loading-process-events-interval-bytes", NULL, CF_HIDDEN, NUM_LL, 1024, INT_MAX,
        loading_process_events_interval_bytes, 2 * 1024 * 1024, 0),
    ENUM("sanitize-dump-payload", NULL, 0, sanitize_enum, sanitize_dump_payload, SANITIZE_DUMP_NO),
    /* Append-only file */
    BOOL("appendonly", NULL, CF_DENY_LOADING, appendonly, 0, .apply = apply_appendonly),
    STRING("appendfilename", NULL, IMM, appendfilename, "appendonly.aof", .valid_str = valid_appendfilename),
    STRING("appenddirname", NULL, IMM, appenddirname, "appendonlydir", .valid_str = valid_appenddirname),
    ENUM("appendfsync", NULL, 0, appendfsync_enum, appendfsync, APPENDFSYNC_EVERYSEC),
    BOOL("aof-use-rdb-preamble", NULL, 0, aof_use_rdb_preamble, 1),
    BOOL("aof-load-truncated", NULL, 0, aof_load_truncated, 1),
    BOOL("aof-timestamp-enabled", NULL, 0, aof_timestamp_enabled, 0),
    BOOL("aof-disable-auto-gc", NULL, 0, aof_disable_auto_gc, 0, .apply = apply_aof_auto_gc),
    BOOL("aof-rewrite-incremental-fsync", NULL, 0, aof_rewrite_incremental_fsync, 1),
    BOOL("no-appendfsync-on-rewrite", NULL, 0, no_appendfsync_on_rewrite, 0),
    INT("auto-aof-rewrite-percentage", NULL, 0, 0, INT_MAX, auto_aof_rewrite_percentage, 100),
    NUM("auto-aof-rewrite-min-size", NULL, 0, NUM_LL, 0, LLONG_MAX, auto_aof_rewrite_min_size,
        64LL * 1024 * 1024, NUM_MEMORY),
    /* Security */
    SDS("requirepass", CF_SENSITIVE, requirepass, .apply = apply_requirepass),
    STRING("aclfile", NULL, IMM, aclfile, ""),
    NUM("acllog-max-len", NULL, 0, NUM_LL, 0, LONG_MAX, acllog_max_len, 128, 0),
    ENUM("acl-pubsub-default", NULL, 0, acl_pubsub_enum, acl_pubsub_default, 0),
    /* Memory */
    NUM("maxmemory", NULL, 0, NUM_ULL | NUM_UNSIGNED, 0, (long long)ULLONG_MAX, maxmemory, 0,
        NUM_MEMORY, .apply = apply_maxmemory),
    ENUM("maxmemory-policy", NULL, 0, policy_enum, maxmemory_policy, CONFIG_DEFAULT_MAXMEMORY_POLICY,
         .apply = apply_maxmemory_policy),
    INT("maxmemory-samples", NULL, 0, 1, INT_MAX, maxmemory_samples, 5),
    INT("maxmemory-eviction-tenacity", NULL, INERT, 0, 100, maxmemory_eviction_tenacity, 10),
    NUM("maxmemory-clients", NULL, 0, NUM_LL, -100, LLONG_MAX, maxmemory_clients, 0,
        NUM_MEMORY | NUM_PERCENT, .apply = apply_maxmemory_clients),
    INT("lfu-log-factor", NULL, 0, 0, INT_MAX, lfu_log_factor, CONFIG_DEFAULT_LFU_LOG_FACTOR),
    INT("lfu-decay-time", NULL, 0, 0, INT_MAX, lfu_decay_time, CONFIG_DEFAULT_LFU_DECAY_TIME),
    BOOL("lazyfree-lazy-eviction", NULL, 0, lazyfree_lazy_eviction, 0),
    BOOL("lazyfree-lazy-expire", NULL, 0, lazyfree_lazy_expire, 0),
    BOOL("lazyfree-lazy-server-del", NULL, 0, lazyfree_lazy_server_del, 0),
    BOOL("lazyfree-lazy-user-del", NULL, 0, lazyfree_lazy_user_del, 0),
    BOOL("lazyfree-lazy-user-flush", NULL, 0, lazyfree_lazy_user_flush, 0),
    BOOL("activedefrag", NULL, 0, activedefrag, 0, .valid_int = valid_activedefrag),
    NUM("active-defrag-ignore-bytes", NULL, INERT, SIZE_T, 1, LLONG_MAX, active_defrag_ignore_bytes,
        100LL << 20, NUM_MEMORY),
    INT("active-defrag-threshold-lower", NULL, INERT, 0, 1000, active_defrag_threshold_lower, 10),
    INT("active-defrag-threshold-upper", NULL, INERT, 0, 1000, active_defrag_threshold_upper, 100),
    INT("active-defrag-cycle-min", NULL, INERT, 1, 99, active_defrag_cycle_min, 1),
    INT("active-defrag-cycle-max", NULL, INERT, 1, 99, active_defrag_cycle_max, 25),
    NUM("active-defrag-max-scan-fields", NULL, INERT, NUM_LL, 1, LONG_MAX, active_defrag_max_scan_fields,
        1000, 0),
    /* Diagnostics */
    NUM("slowlog-log-slower-than", NULL, 0, NUM_LL, -1, LLONG_MAX, slowlog_log_slower_than, 10000, 0),
    NUM("slowlog-max-len", NULL, 0, NUM_LL, 0, LONG_MAX, slowlog_max_len, 128, 0),
    NUM("latency-monitor-threshold", NULL, 0, NUM_LL, 0, LLONG_MAX, latency_monitor_threshold, 0, 0),
    SPECIAL("notify-keyspace-events", NULL, 0, set_notify, get_notify, rewrite_notify),
    NUM("busy-reply-threshold", "lua-time-limit", 0, NUM_LL, 0, LONG_MAX, busy_reply_threshold, 5000, 0),
    BOOL("lua-enable-deprecated-api", NULL, IMM | CF_HIDDEN | INERT, lua_enable_deprecated_api, 0),
    /* Encodings of small collections (Redis's thresholds and old names). */
    INT("list-max-listpack-size", "list-max-ziplist-size", 0, INT_MIN, INT_MAX, list_max_listpack_size,
        CONFIG_DEFAULT_LIST_MAX_LISTPACK_SIZE),
    INT("list-compress-depth", NULL, 0, 0, INT_MAX, list_compress_depth, CONFIG_DEFAULT_LIST_COMPRESS_DEPTH),
    NUM("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, SIZE_T, 0, LONG_MAX,
        hash_max_listpack_entries, CONFIG_DEFAULT_HASH_MAX_LISTPACK_ENTRIES, 0),
    NUM("hash-max-listpack-value", "hash-max-ziplist-value", 0, SIZE_T, 0, LONG_MAX,
        hash_max_listpack_value, CONFIG_DEFAULT_HASH_MAX_LISTPACK_VALUE, NUM_MEMORY),
    NUM("set-max-intset-entries", NULL, 0, SIZE_T, 0, LONG_MAX, set_max_intset_entries,
        CONFIG_DEFAULT_SET_MAX_INTSET_ENTRIES, 0),
    NUM("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, SIZE_T, 0, LONG_MAX,
        zset_max_listpack_entries, CONFIG_DEFAULT_ZSET_MAX_LISTPACK_ENTRIES, 0),
    NUM("zset-max-listpack-value", "zset-max-ziplist-value", 0, SIZE_T, 0, LONG_MAX,
        zset_max_listpack_value, CONFIG_DEFAULT_ZSET_MAX_LISTPACK_VALUE, NUM_MEMORY),
    NUM("hll-sparse-max-bytes", NULL, 0, SIZE_T, 0, LONG_MAX, hll_sparse_max_bytes, 3000, NUM_MEMORY),
    NUM("stream-node-max-bytes", NULL, INERT, SIZE_T, 0, LONG_MAX, stream_node_max_bytes, 4096, NUM_MEMORY),
    NUM("stream-node-max-entries", NULL, INERT, NUM_LL, 0, LLONG_MAX, stream_node_max_entries, 100, 0),
    /* Replication (repl.c). */
    SPECIAL("replicaof", "slaveof", IMM | CF_MULTI_ARG, set_replicaof, get_replicaof, rewrite_replicaof,
            .field = &cfg.replicaof, .def_str = ""),
    SDS("masterauth", CF_SENSITIVE, masterauth),
    STRING("masteruser", NULL, CF_SENSITIVE | NUL, masteruser, NULL),
    NUM("repl-backlog-size", NULL, 0, NUM_LL, 1, LLONG_MAX, repl_backlog_size, 1024 * 1024, NUM_MEMORY,
        .apply = apply_backlog_size),
    NUM("repl-backlog-ttl", NULL, 0, NUM_LL, 0, LONG_MAX, repl_backlog_ttl, 3600, 0),
    BOOL("repl-diskless-sync", NULL, 0, repl_diskless_sync, 1),
    INT("repl-diskless-sync-delay", NULL, 0, 0, INT_MAX, repl_diskless_sync_delay, 5),
    INT("repl-diskless-sync-max-replicas", NULL, 0, 0, INT_MAX, repl_diskless_sync_max_replicas, 0),
    ENUM("repl-diskless-load", NULL, CF_DENY_LOADING, diskless_load_enum, repl_diskless_load,
         REPL_DISKLESS_LOAD_DISABLED),
    INT("repl-timeout", NULL, 0, 1, INT_MAX, repl_timeout, 60),
    INT("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, INT_MAX, repl_ping_replica_period, 10),
    BOOL("repl-disable-tcp-nodelay", NULL, 0, repl_disable_tcp_nodelay, 0),
    INT("min-replicas-to-write", "min-slaves-to-write", 0, 0, INT_MAX, min_replicas_to_write, 0,
        .apply = apply_min_replicas),
    INT("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, INT_MAX, min_replicas_max_lag, 10,
        .apply = apply_min_replicas),
    INT("replica-priority", "slave-priority", 0, 0, INT_MAX, replica_priority, 100),
    STRING("replica-announce-ip", "slave-announce-ip", NUL, replica_announce_ip, NULL),
    INT("replica-announce-port", "slave-announce-port", 0, 0, 65535, replica_announce_port, 0),
    BOOL("replica-announced", NULL, 0, replica_announced, 1),
    BOOL("replica-read-only", "slave-read-only", 0, replica_read_only, 1),
    BOOL("replica-serve-stale-data", "slave-serve-stale-data", 0, replica_serve_stale_data, 1),
    BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, replica_ignore_maxmemory, 1),
    BOOL("replica-lazy-flush", "slave-lazy-flush", 0, replica_lazy_flush, 0),
    BOOL("replica-ignore-disk-write-errors", NULL, INERT, replica_ignore_disk_write_errors, 0),
    BOOL("repl-empty-master-guard", NULL, 0, repl_empty_master_guard, 1),   /* castor */
    NUM("replica-sync-buffer-size", NULL, 0, NUM_LL, 0, LLONG_MAX, replica_sync_buffer_size,
        64LL * 1024 * 1024, NUM_MEMORY),                                     /* castor */
    INT("min-replicas-to-ack", NULL, 0, 0, INT_MAX, min_replicas_to_ack, 0), /* castor */
    ENUM("propagation-error-behavior", NULL, 0, propagation_error_enum, propagation_error_behavior,
         PROPAGATION_ERR_IGNORE),
    INT("shutdown-timeout", NULL, 0, 0, INT_MAX, shutdown_timeout, 10),
    {.name = "shutdown-on-sigterm", .type = CT_FLAGS, .flags = CF_MULTI_ARG, .enums = shutdown_sig_enum,
     .field = &cfg.shutdown_on_sigterm, .def = SHUTDOWN_NOFLAGS, .valid_int = valid_shutdown_flags},
    {.name = "shutdown-on-sigint", .type = CT_FLAGS, .flags = CF_MULTI_ARG, .enums = shutdown_sig_enum,
     .field = &cfg.shutdown_on_sigint, .def = SHUTDOWN_NOFLAGS, .valid_int = valid_shutdown_flags},
    /* Test-only, hidden as in Redis: microseconds slept per key saved / loaded. */
    INT("rdb-key-save-delay", NULL, CF_HIDDEN, INT_MIN, INT_MAX, rdb_key_save_delay, 0),
    INT("key-load-delay", NULL, CF_HIDDEN, INT_MIN, INT_MAX, key_load_delay, 0),
    /* Cluster (cluster.c, cluster_bus.c). */
    BOOL("cluster-enabled", NULL, IMM, cluster_enabled, 0),
    STRING("cluster-config-file", NULL, IMM, cluster_config_file, "nodes.conf"),
    NUM("cluster-node-timeout", NULL, 0, NUM_LL, 0, LLONG_MAX, cluster_node_timeout, 15000, 0),
    INT("cluster-port", NULL, IMM, 0, 65535, cluster_port, 0),
    INT("cluster-announce-port", NULL, 0, 0, 65535, cluster_announce_port, 0),
    INT("cluster-announce-bus-port", NULL, 0, 0, 65535, cluster_announce_bus_port, 0),
    INT("cluster-announce-tls-port", NULL, 0, 0, 65535, cluster_announce_tls_port, 0),
    STRING("cluster-announce-ip", NULL, NUL, cluster_announce_ip, NULL),
    STRING("cluster-announce-hostname", NULL, NUL, cluster_announce_hostname, NULL,
           .valid_str = valid_hostname),
    ENUM("cluster-preferred-endpoint-type", NULL, 0, endpoint_enum, cluster_preferred_endpoint_type,
         ENDPOINT_IP),
    INT("cluster-migration-barrier", NULL, 0, 0, INT_MAX, cluster_migration_barrier, 1),
    INT("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, INT_MAX,
        cluster_replica_validity_factor, 10),
    BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", 0, cluster_replica_no_failover, 0),
    BOOL("cluster-require-full-coverage", NULL, 0, cluster_require_full_coverage, 1),
    BOOL("cluster-allow-reads-when-down", NULL, 0, cluster_allow_reads_when_down, 0),
    BOOL("cluster-allow-pubsubshard-when-down", NULL, 0, cluster_allow_pubsubshard_when_down, 1),
    BOOL("cluster-allow-replica-migration", NULL, 0, cluster_allow_replica_migration, 1),
    NUM("cluster-link-sendbuf-limit", NULL, 0, NUM_ULL | NUM_UNSIGNED, 0, (long long)ULLONG_MAX,
        cluster_link_sendbuf_limit, 0, NUM_MEMORY),
    /* TLS (tls.c). The files' directives are volatile as in Redis: setting
     * one to the same path reloads it (certificate rotation). tls-cluster
     * holds for bus links made after it changes, as in Redis. */
    INT("tls-port", NULL, 0, 0, 65535, tls_port, 0, .apply = apply_tls_port),
    BOOL("tls-replication", NULL, 0, tls_replication, 0, .apply = apply_tls),
    BOOL("tls-cluster", NULL, 0, tls_cluster, 0, .apply = apply_tls),
    STRING("tls-cert-file", NULL, NUL | VOL, tls_cert_file, NULL, .apply = apply_tls),
    STRING("tls-key-file", NULL, NUL | VOL, tls_key_file, NULL, .apply = apply_tls),
    STRING("tls-key-file-pass", NULL, NUL | CF_SENSITIVE, tls_key_file_pass, NULL, .apply = apply_tls),
    STRING("tls-client-cert-file", NULL, NUL | VOL, tls_client_cert_file, NULL, .apply = apply_tls),
    STRING("tls-client-key-file", NULL, NUL | VOL, tls_client_key_file, NULL, .apply = apply_tls),
    STRING("tls-client-key-file-pass", NULL, NUL | CF_SENSITIVE, tls_client_key_file_pass, NULL,
           .apply = apply_tls),
    STRING("tls-dh-params-file", NULL, NUL | VOL, tls_dh_params_file, NULL, .apply = apply_tls),
    STRING("tls-ca-cert-file", NULL, NUL | VOL, tls_ca_cert_file, NULL, .apply = apply_tls),
    STRING("tls-ca-cert-dir", NULL, NUL | VOL, tls_ca_cert_dir, NULL, .apply = apply_tls),
    STRING("tls-protocols", NULL, NUL, tls_protocols, NULL, .apply = apply_tls),
    STRING("tls-ciphers", NULL, NUL, tls_ciphers, NULL, .apply = apply_tls),
    STRING("tls-ciphersuites", NULL, NUL, tls_ciphersuites, NULL, .apply = apply_tls),
    ENUM("tls-auth-clients", NULL, 0, tls_auth_enum, tls_auth_clients, TLS_CLIENT_AUTH_YES),
    BOOL("tls-prefer-server-ciphers", NULL, 0, tls_prefer_server_ciphers, 0, .apply = apply_tls),
    BOOL("tls-session-caching", NULL, 0, tls_session_caching, 1, .apply = apply_tls),
    INT("tls-session-cache-size", NULL, 0, 0, INT_MAX, tls_session_cache_size, 20 * 1024, .apply = apply_tls),
    INT("tls-session-cache-timeout", NULL, 0, 0, INT_MAX, tls_session_cache_timeout, 300, .apply = apply_tls),
    {.name = NULL},
};
/* clang-format on */

/* ---- Per-type set, get and rewrite ---- */

directive *config_directives(void) { return table; }

directive *config_find(const char *name, size_t len) {
    for (directive *d = table; d->name; d++)
        if (util_strcaseeq(name, len, d->name) || (d->alias && util_strcaseeq(name, len, d->alias)))
            return d;
    return NULL;
}

/* Bits of a multi-flag enum from its names (0 is the name of no flag). */
static int set_flags(directive *d, str **argv, int argc, const char **err) {
    if (argc == 0) {
        *err = enum_error(d->enums);
        return 0;
    }
    int v = 0;
    for (int i = 0; i < argc; i++) {
        const enum_pair *e = enum_by_name(d->enums, argv[i]->buf);
        if (e == NULL) {
            *err = enum_error(d->enums);
            return 0;
        }
        v |= e->val;
    }
    if (d->valid_int && !d->valid_int(v, err)) return 0;
    int prev = *(int *)d->field;
    *(int *)d->field = v;
    return prev == v ? 2 : 1;
}

static str *flags_text(const directive *d, int v) {
    str *s = str_new(NULL, 0);
    for (const enum_pair *e = d->enums; e->name; e++) {
        if ((v == 0 && e->val == 0) || (e->val != 0 && (v & e->val) == e->val)) {
            if (s->len) s = str_cat(s, " ", 1);
            s = str_catc(s, e->name);
        }
    }
    return s;
}

int config_set_args(directive *d, str **argv, int argc, const char **err) {
    if (d->type == CT_SPECIAL) return d->set(d, argv, argc, err);
    if (d->type == CT_FLAGS) return set_flags(d, argv, argc, err);
    if (argc != 1) {
        *err = "wrong number of arguments";
        return 0;
    }
    const str *v = argv[0];
    switch (d->type) {
    case CT_BOOL: {
        int yn;
        if (!strcasecmp(v->buf, "yes")) yn = 1;
        else if (!strcasecmp(v->buf, "no")) yn = 0;
        else {
            *err = "argument must be 'yes' or 'no'";
            return 0;
        }
        if (d->valid_int && !d->valid_int(yn, err)) return 0;
        bool prev = *(bool *)d->field;
        *(bool *)d->field = yn;
        return prev == (bool)yn ? 2 : 1;
    }
    case CT_NUM: {
        long long ll;
        if (!num_parse(d, v, &ll, err) || !num_in_bounds(d, ll, err)) return 0;
        if (d->valid_int && !d->valid_int(ll, err)) return 0;
        if (num_load(d) == ll) return 2;
        num_store(d, ll);
        return 1;
    }
    case CT_ENUM: {
        const enum_pair *e = enum_by_name(d->enums, v->buf);
        if (e == NULL) {
            *err = enum_error(d->enums);
            return 0;
        }
        if (d->valid_int && !d->valid_int(e->val, err)) return 0;
        int prev = *(int *)d->field;
        *(int *)d->field = e->val;
        return prev == e->val ? 2 : 1;
    }
    case CT_STRING: {
        /* A C string: like Redis's zstrdup, a NUL byte ends the value. */
        if (d->valid_str && !d->valid_str(v->buf, err)) return 0;
        char **slot = d->field;
        const char *nv = (d->flags & CF_EMPTY_NULL) && v->buf[0] == '\0' ? NULL : v->buf;
        if (*slot == nv || (*slot && nv && strcmp(*slot, nv) == 0)) return 2;
        mem_free(*slot);
        *slot = nv ? mem_strdup(nv) : NULL;
        return 1;
    }
    case CT_SDS: {
        /* Binary-safe: every byte of the value is kept, NULs included. */
        char **slot = d->field;
        size_t *len = d->len_field;
        if (v->len == 0) {
            if (*slot == NULL) return 2;
            mem_free(*slot);
            *slot = NULL;
            *len = 0;
            return 1;
        }
        if (*slot && *len == v->len && memcmp(*slot, v->buf, v->len) == 0) return 2;
        mem_free(*slot);
        *slot = mem_alloc(v->len + 1);
        memcpy(*slot, v->buf, v->len + 1);
        *len = v->len;
        return 1;
    }
    default: break;
    }
    *err = "unknown type";
    return 0;
}

str *config_get_text(const directive *d) {
    switch (d->type) {
    case CT_BOOL: return str_from(*(bool *)d->field ? "yes" : "no");
    case CT_NUM: return num_text(d, num_load(d));
    case CT_ENUM: return str_from(enum_name(d->enums, *(int *)d->field));
    case CT_FLAGS: return flags_text(d, *(int *)d->field);
    case CT_STRING: return get_str_field(d);
    case CT_SDS: {
        char *v = *(char **)d->field;
        return v ? str_new(v, *d->len_field) : str_new(NULL, 0);
    }
    case CT_SPECIAL: return d->get(d);
    }
    return str_new(NULL, 0);
}

/* Redis's rewrite of each standard type (rewriteConfig*Option). */
static void rewrite_standard(const directive *d, rewrite_state *st) {
    const char *name = d->name;
    switch (d->type) {
    case CT_BOOL: {
        bool v = *(bool *)d->field;
        rewrite_line(st, name, str_fmt("%s %s", name, v ? "yes" : "no"), v != (d->def != 0));
        return;
    }
    case CT_NUM: {
        long long v = num_load(d);
        str *line = str_fmt("%s ", name);
        if ((d->num & NUM_PERCENT) && v < 0) line = str_catfmt(line, "%lld%%", -v);
        else if (d->num & NUM_MEMORY) line = cat_memory(line, (unsigned long long)v);
        else if (d->num & NUM_OCTAL) line = str_catfmt(line, "%llo", (unsigned long long)v);
        else line = str_catfmt(line, "%lld", v);
        rewrite_line(st, name, line, v != d->def);
        return;
    }
    case CT_ENUM:
    case CT_FLAGS: {
        int v = *(int *)d->field;
        str *text = d->type == CT_ENUM ? str_from(enum_name(d->enums, v)) : flags_text(d, v);
        rewrite_line(st, name, str_fmt("%s %s", name, text->buf), v != d->def);
        str_free(text);
        return;
    }
    case CT_STRING:
    case CT_SDS: {
        const char *v = *(char **)d->field;
        if (v == NULL) {
            /* Unset strings stay out of the file so they read back unset. */
            rewrite_mark_processed(st, name);
            return;
        }
        size_t len = d->type == CT_SDS ? *d->len_field : strlen(v);
        bool force = !(d->def_str && d->type == CT_STRING && strcmp(v, d->def_str) == 0);
        str *line = str_fmt("%s ", name);
        rewrite_line(st, name, str_catrepr(line, v, len), force);
        return;
    }
    case CT_SPECIAL: d->rewrite(d, st); return;
    }
}

void config_rewrite_all(rewrite_state *st) {
    for (directive *d = table; d->name; d++) rewrite_standard(d, st);
}

bool config_is_sensitive(const char *name, size_t len) {
    directive *d = config_find(name, len);
    return d && (d->flags & CF_SENSITIVE);
}

int config_get_value(const char *name, str **out) {
    directive *d = config_find(name, strlen(name));
    if (d == NULL) return -1;
    *out = config_get_text(d);
    return 0;
}

/* Set a directive from its default text (start-up only). */
static void set_default(directive *d, const char *text) {
    str *arg[CONFIG_BINDADDR_MAX];
    int argc = 0;
    char *copy = mem_strdup(text), *sp = NULL;
    if ((d->flags & CF_MULTI_ARG) && text[0]) {
        for (char *t = strtok_r(copy, " ", &sp); t && argc < CONFIG_BINDADDR_MAX;
             t = strtok_r(NULL, " ", &sp))
            arg[argc++] = str_from(t);
    } else {
        arg[argc++] = str_from(text);
    }
    const char *err = NULL;
    int rc = config_set_args(d, arg, argc, &err);
    ASSERT(rc != 0);
    for (int i = 0; i < argc; i++) str_free(arg[i]);
    mem_free(copy);
}

void config_init(void) {
    reading_file = save_loaded = false;
    for (directive *d = table; d->name; d++) {
        switch (d->type) {
        case CT_BOOL: *(bool *)d->field = d->def != 0; break;
        case CT_NUM: num_store(d, d->def); break;
        case CT_ENUM:
        case CT_FLAGS: *(int *)d->field = (int)d->def; break;
        case CT_STRING:
        case CT_SDS: {
            char **slot = d->field;
            mem_free(*slot);
            *slot = d->def_str ? mem_strdup(d->def_str) : NULL;
            if (d->len_field) *d->len_field = 0;
            break;
        }
        case CT_SPECIAL: break;
        }
    }
    mem_free(cfg.bind);
    cfg.bind = NULL;
    mem_free(cfg.save);
    cfg.save = NULL;
    mem_free(cfg.replicaof);
    cfg.replicaof = NULL;
    set_default(config_find("bind", 4), DEFAULT_BIND);
    set_default(config_find("save", 4), "3600 1 300 100 60 10000");
    cfg.replicaof = mem_strdup("");
    memcpy(cfg.client_output_buffer_limit, cobl_defaults, sizeof(cobl_defaults));
    memcpy(cfg.oom_score_adj_values, oom_defaults, sizeof(oom_defaults));
    cfg.notify_keyspace_events = 0;
    set_default(config_find("latency-tracking-info-percentiles", 33), "50 99 99.9");
}

/* ---- After loading, and at start-up ---- */

const char *config_check_loaded(void) {
    static char buf[512];
    clamp_hz();
    reading_file = false;
    if (cfg.logfile && cfg.logfile[0]) {
        FILE *f = fopen(cfg.logfile, "a");
        if (f == NULL) {
            snprintf(buf, sizeof(buf), "Can't open the log file: %s", strerror(errno));
            return buf;
        }
        fclose(f);
    }
    return NULL;
}

/* /proc/self/oom_score_adj for a process class, as Redis's setOOMScoreAdj:
 * the first change remembers the value castor started with, relative mode
 * adds to it, and turning the directive off puts it back. */
int config_set_oom_score_adj(int process_class) {
    static bool adjusted;
    static int base;
    if (process_class == -1) process_class = srv.is_replica ? OOM_CLASS_REPLICA : OOM_CLASS_MASTER;
    char buf[64];
    int val;
    if (cfg.oom_score_adj != OOM_SCORE_ADJ_NO) {
        if (!adjusted) {
            int fd = open("/proc/self/oom_score_adj", O_RDONLY);
            ssize_t n = fd == -1 ? -1 : read(fd, buf, sizeof(buf) - 1);
            if (n < 0) {
                log_msg(LOG_WARNING, "Unable to read oom_score_adj: %s", strerror(errno));
                if (fd != -1) close(fd);
                return -1;
            }
            buf[n] = '\0';
            base = atoi(buf);
            close(fd);
            adjusted = true;
        }
        val = cfg.oom_score_adj_values[process_class];
        if (cfg.oom_score_adj == OOM_SCORE_RELATIVE) val += base;
        if (val > 1000) val = 1000;
        if (val < -1000) val = -1000;
    } else if (adjusted) {
        adjusted = false;
        val = base;
    } else {
        return 0;
    }
    int len = snprintf(buf, sizeof(buf), "%d\n", val);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd == -1 || write(fd, buf, (size_t)len) < 0) {
        log_msg(LOG_WARNING, "Unable to write oom_score_adj: %s", strerror(errno));
        if (fd != -1) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void config_set_proc_title(const char *title) {
    if (!cfg.set_proc_title) return;
    str *t = expand_title(cfg.proc_title_template, title ? title : proctitle_argv0());
    if (t) proctitle_set(t->buf);
    str_free(t);
}

/* Is the value still the one castor started with? */
static bool is_default(const directive *d) {
    switch (d->type) {
    case CT_BOOL: return *(bool *)d->field == (d->def != 0);
    case CT_NUM: return num_load(d) == d->def;
    case CT_ENUM:
    case CT_FLAGS: return *(int *)d->field == d->def;
    case CT_STRING: {
        const char *v = *(char **)d->field;
        return (v == NULL && d->def_str == NULL) || (v && d->def_str && strcmp(v, d->def_str) == 0);
    }
    case CT_SDS: return *(char **)d->field == NULL;
    case CT_SPECIAL: return true;
    }
    return true;
}

void config_apply_at_start(void) {
    for (directive *d = table; d->name; d++) {
        if ((d->flags & CF_INERT) && !is_default(d)) {
            str *v = config_get_text(d);
            log_msg(LOG_WARNING,
                    "castor accepts '%s %s' but does not implement what it controls yet: the "
                    "setting has no effect (see README.md, Configuration).",
                    d->name, v->buf);
            str_free(v);
        }
    }
    /* Redis disables transparent huge pages for its process where the
     * kernel lets it: fork() copy-on-write of huge pages costs latency. */
    if (cfg.disable_thp) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    config_set_oom_score_adj(-1);
    config_set_proc_title(NULL);
}

/* ---- CONFIG command ---- */

static bool has_glob(const slice *s) {
    return memchr(s->ptr, '*', s->len) || memchr(s->ptr, '?', s->len) ||
           memchr(s->ptr, '[', s->len);
}

static void config_get(client *c) {
    void *node = reply_defer(c);
    long long n = 0;
    /* What was replied, to answer each name once. */
    size_t cap = 64, count = 0;
    const char **seen = mem_alloc(sizeof(char *) * cap);
    for (int i = 2; i < c->argc; i++) {
        const slice *pat = &c->argv[i];
        if (!has_glob(pat)) {
            bool dup = false; /* names compare without case, as in Redis */
            for (size_t k = 0; k < count && !dup; k++)
                dup = util_strcaseeq(pat->ptr, pat->len, seen[k]);
            directive *d = config_find(pat->ptr, pat->len);
            if (dup || d == NULL) continue;
            if (count == cap) seen = mem_realloc(seen, sizeof(char *) * (cap *= 2));
            seen[count++] = pat->ptr;
            str *v = config_get_text(d);
            reply_bulk(c, pat->ptr, pat->len); /* Redis answers with the name as asked */
            reply_bulk(c, v->buf, v->len);
            str_free(v);
            n++;
            continue;
        }
        for (directive *d = table; d->name; d++) {
            if (d->flags & CF_HIDDEN) continue; /* only by exact name */
            const char *names[2] = {d->name, d->alias};
            for (int k = 0; k < 2; k++) {
                if (names[k] == NULL) continue;
                size_t len = strlen(names[k]);
                bool dup = false;
                for (size_t j = 0; j < count && !dup; j++) dup = !strcasecmp(seen[j], names[k]);
                if (dup || !util_glob_match(pat->ptr, pat->len, names[k], len, true)) continue;
                if (count == cap) seen = mem_realloc(seen, sizeof(char *) * (cap *= 2));
                seen[count++] = names[k];
                str *v = config_get_text(d);
                reply_bulk_cstr(c, names[k]);
                reply_bulk(c, v->buf, v->len);
                str_free(v);
                n++;
            }
        }
    }
    mem_free(seen);
    reply_set_deferred_map(c, node, n);
}

/* Split CONFIG SET's value for a multi-arg directive on single spaces, as
 * Redis's sdssplitlen(value, " "): "" is no word, "a  b" has an empty one. */
static int split_value(const directive *d, const slice *v, str ***out) {
    if (!(d->flags & CF_MULTI_ARG)) {
        *out = mem_alloc(sizeof(str *));
        (*out)[0] = str_new(v->ptr, v->len);
        return 1;
    }
    int n = 0;
    *out = NULL;
    if (v->len == 0) return 0;
    size_t start = 0;
    for (size_t i = 0; i <= v->len; i++) {
        if (i == v->len || v->ptr[i] == ' ') {
            *out = mem_realloc(*out, sizeof(str *) * (size_t)(n + 1));
            (*out)[n++] = str_new(v->ptr + start, i - start);
            start = i + 1;
        }
    }
    return n;
}

static int set_from_slice(directive *d, const slice *v, const char **err) {
    str **argv;
    int argc = split_value(d, v, &argv);
    int rc = config_set_args(d, argv, argc, err);
    str_free_args(argv, argc);
    return rc;
}

static void restore_values(directive **ds, str **old, int count) {
    for (int i = 0; i < count; i++) {
        const char *err = NULL;
        slice s = slice_of(old[i]->buf, old[i]->len);
        if (set_from_slice(ds[i], &s, &err) == 0)
            log_msg(LOG_WARNING,
                    "Failed restoring failed CONFIG SET command. Error setting %s to '%s': %s",
                    ds[i]->name, old[i]->buf, err);
    }
}

/* The name CONFIG SET's errors use: the one the directive was found by. */
static const char *typed_name(const directive *d, const slice *s) {
    return d->alias && util_strcaseeq(s->ptr, s->len, d->alias) ? d->alias : d->name;
}

static void config_set(client *c) {
    if ((c->argc % 2) != 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int pairs = (c->argc - 2) / 2;
    directive **ds = mem_calloc(sizeof(directive *) * (size_t)pairs);
    str **old = mem_calloc(sizeof(str *) * (size_t)pairs);
    config_apply_fn **applies = mem_calloc(sizeof(config_apply_fn *) * (size_t)pairs);
    int *apply_of = mem_calloc(sizeof(int) * (size_t)pairs);
    const char *err = NULL, *bad = NULL, *unknown = NULL;
    bool invalid = false, deny_loading = false;
    int napplies = 0;
    /* Check every name first, as Redis: the first unknown name wins over
     * later problems, an earlier refusal wins over a later unknown name. */
    for (int i = 0; i < pairs; i++) {
        const slice *name = &c->argv[2 + i * 2];
        directive *d = config_find(name->ptr, name->len);
        if (d == NULL) {
            if (!invalid) unknown = name->ptr;
            invalid = true;
            continue;
        }
        if (invalid) continue;
        if ((d->flags & CF_IMMUTABLE) ||
            ((d->flags & CF_PROTECTED) &&
             !client_protected_action_allowed(c, cfg.enable_protected_configs))) {
            err = (d->flags & CF_IMMUTABLE) ? "can't set immutable config"
                                            : "can't set protected config";
            bad = name->ptr;
            invalid = true;
            continue;
        }
        if ((srv.loading || srv.async_loading) && (d->flags & CF_DENY_LOADING)) {
            deny_loading = invalid = true;
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (ds[j] == d) {
                err = "duplicate parameter";
                bad = name->ptr;
                invalid = true;
                break;
            }
        }
        ds[i] = d;
    }
    if (invalid) goto fail;
    for (int i = 0; i < pairs; i++) old[i] = config_get_text(ds[i]);
    for (int i = 0; i < pairs; i++) {
        int rc = set_from_slice(ds[i], &c->argv[3 + i * 2], &err);
        if (rc == 0) {
            restore_values(ds, old, i + 1);
            bad = typed_name(ds[i], &c->argv[2 + i * 2]);
            goto fail;
        }
        if ((rc == 1 || (rc == 2 && (ds[i]->flags & CF_VOLATILE))) && ds[i]->apply) {
            bool known = false;
            for (int j = 0; j < napplies && !known; j++) known = applies[j] == ds[i]->apply;
            if (!known) {
                apply_of[napplies] = i;
                applies[napplies++] = ds[i]->apply;
            }
        }
    }
    for (int k = 0; k < napplies; k++) {
        if ((err = applies[k]()) != NULL) {
            int i = apply_of[k];
            log_msg(LOG_WARNING,
                    "Failed applying new configuration. Possibly related to new %s setting. "
                    "Restoring previous settings.",
                    ds[i]->name);
            restore_values(ds, old, pairs);
            for (int j = 0; j < napplies; j++) {
                const char *again = applies[j]();
                if (again)
                    log_msg(LOG_WARNING, "Failed applying restored failed CONFIG SET command: %s",
                            again);
            }
            bad = typed_name(ds[i], &c->argv[2 + i * 2]);
            goto fail;
        }
    }
    reply_ok(c);
    goto cleanup;
fail:
    if (deny_loading) reply_error(c, ERR_LOADING);
    else if (unknown) reply_errorf(c, ERR_CONFIG_SET_UNKNOWN, unknown);
    else reply_errorf(c, ERR_CONFIG_SET_FAILED, bad, err);
cleanup:
    for (int i = 0; i < pairs; i++) str_free(old[i]);
    mem_free(old);
    mem_free(ds);
    mem_free(applies);
    mem_free(apply_of);
}

static void cmd_config_get(client *c) { config_get(c); }

static void cmd_config_set(client *c) { config_set(c); }

static void cmd_config_resetstat(client *c) {
    info_reset_stats();
    reply_ok(c);
}

int config_rewrite(bool force_all) {
    if (srv.config_file == NULL) {
        errno = ENOENT;
        return -1;
    }
    return config_rewrite_file(srv.config_file, force_all);
}

static void cmd_config_rewrite(client *c) {
    if (srv.config_file == NULL) {
        reply_error(c, ERR_CONFIG_NO_FILE);
        return;
    }
    if (config_rewrite(false) == -1) {
        int e = errno;
        log_msg(LOG_WARNING, "CONFIG REWRITE failed: %s", strerror(e));
        reply_errorf(c, ERR_CONFIG_REWRITE, strerror(e));
        return;
    }
    log_msg(LOG_WARNING, "CONFIG REWRITE executed with success.");
    reply_ok(c);
}

static void cmd_config_help(client *c) {
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

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command config_subcommands[] = {
    {.name = "get", .proc = cmd_config_get, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "set", .proc = cmd_config_set, .arity = -4,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "resetstat", .proc = cmd_config_resetstat, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "rewrite", .proc = cmd_config_rewrite, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = cmd_config_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command config_commands[] = {
    {.name = "config", .arity = -2, .acl = ACL_SLOW, .subcmds = config_subcommands},
    {.name = NULL}};
/* clang-format on */
