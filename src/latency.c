/* latency.c -- the latency monitor (LATENCY) and the per-command latency
 * histograms (LATENCY HISTOGRAM, INFO latencystats).
 *
 * The monitor keeps, per named event ("command", "fast-command",
 * "expire-cycle"...), one sample per second (the worst of that second) for
 * the last 160 seconds with a sample, plus the all-time maximum. Samples
 * below latency-monitor-threshold (0: off) are not recorded. LATENCY
 * GRAPH draws a series as Redis's sparkline (4 rows of "_o#", 80 columns,
 * labels of how long ago, top to bottom); LATENCY DOCTOR prints each
 * series' statistics in Redis's line format and advice (castor's words).
 *
 * With latency-tracking on, each command's run time goes into a histogram
 * of its own, allocated at its first call: the layout of Redis's
 * hdr_histogram (1 ns .. 1 s, two significant digits: 24 power-of-two
 * buckets of 128 linear sub-buckets), so percentiles and the cumulative
 * distribution (power-of-two steps from 1024 ns) come out as Redis's.
 * CONFIG RESETSTAT drops the histograms (cmdtable.c frees them).
 * Spec: Redis 7.0 latency.c, sparkline.c, server.c (latency tracking)
 * and deps/hdr_histogram.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "latency.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "errors.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "str.h"
#include "util.h"

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

/* ---- LATENCY GRAPH: the sparkline ---- */

#define GRAPH_COLS 80
#define GRAPH_ROWS 4

typedef struct spark {
    long long value;
    char label[24]; /* "" for none */
} spark;

/* Render samples [off, off+len) of seq as Redis's sparklineRenderRange with
 * the fill charset: rows of '_' 'o' '#' ('|' below a higher one), then the
 * labels written downwards, one character per line. */
static str *render_range(str *out, const spark *seq, int nseq, int off, int len, long long min,
                         long long max) {
    static const char fill[] = "_o#";
    const int charset_len = 3, steps = charset_len * GRAPH_ROWS;
    double relmax = (double)(max - min);
    if (relmax == 0) relmax = 1;
    bool labels = false;
    for (int j = 0; j < nseq; j++)
        if (seq[j].label[0]) labels = true;
    char chars[GRAPH_COLS];
    for (int row = 0;; row++) {
        bool more = false;
        memset(chars, ' ', (size_t)len);
        for (int j = 0; j < len; j++) {
            const spark *s = &seq[j + off];
            double relval = (double)(s->value - min);
            int step = (int)((int)(relval * steps) / relmax);
            if (step < 0) step = 0;
            if (step >= steps) step = steps - 1;
            if (row < GRAPH_ROWS) {
                int idx = step - (GRAPH_ROWS - row - 1) * charset_len;
                more = true;
                if (idx >= 0 && idx < charset_len) chars[j] = fill[idx];
                else if (idx >= charset_len) chars[j] = '|';
            } else if (labels && row - GRAPH_ROWS < 1) {
                more = true; /* one blank line between the graph and the labels */
                break;
            } else {
                int at = row - GRAPH_ROWS - 1;
                if ((int)strlen(s->label) > at) {
                    more = true;
                    chars[j] = s->label[at];
                }
            }
        }
        if (!more) break;
        out = str_cat(out, chars, (size_t)len);
        out = str_cat(out, "\n", 1);
    }
    return out;
}

static str *graph_series(const latency_series *ts) {
    spark seq[LATENCY_TS_LEN];
    int n = 0;
    long long min = 0, max = 0, now = (long long)time(NULL);
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const latency_sample *s = &ts->samples[(ts->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0) continue;
        if (n == 0 || s->ms > max) max = s->ms;
        if (n == 0 || s->ms < min) min = s->ms;
        long long ago = now - s->time;
        spark *p = &seq[n++];
        p->value = s->ms;
        if (ago < 60) snprintf(p->label, sizeof(p->label), "%llds", ago);
        else if (ago < 3600) snprintf(p->label, sizeof(p->label), "%lldm", ago / 60);
        else if (ago < 86400) snprintf(p->label, sizeof(p->label), "%lldh", ago / 3600);
        else snprintf(p->label, sizeof(p->label), "%lldd", ago / 86400);
    }
    str *g = str_fmt("%s - high %llu ms, low %llu ms (all time high %llu ms)\n", ts->event,
                     (unsigned long long)max, (unsigned long long)min, (unsigned long long)ts->max);
    for (int j = 0; j < GRAPH_COLS; j++) g = str_cat(g, "-", 1);
    g = str_cat(g, "\n", 1);
    for (int j = 0; j < n; j += GRAPH_COLS) {
        int len = n - j < GRAPH_COLS ? n - j : GRAPH_COLS;
        if (j) g = str_cat(g, "\n", 1);
        g = render_range(g, seq, n, j, len, min, max);
    }
    return g;
}

/* LATENCY GRAPH event: a verbatim text, or Redis's error for an event with
 * no samples. */
static void cmd_latency_graph(client *c) {
    latency_series *ts = series_find(c->argv[2].ptr, c->argv[2].len);
    if (ts == NULL) {
        reply_errorf(c, ERR_LATENCY_NO_SAMPLES, (int)c->argv[2].len, c->argv[2].ptr);
        return;
    }
    str *g = graph_series(ts);
    reply_verbatim(c, g->buf, g->len, "txt");
    str_free(g);
}

/* ---- LATENCY DOCTOR ---- */

typedef struct series_stats {
    int samples;
    long long avg, mad, period; /* ms, ms, seconds spanned */
} series_stats;

/* Average, mean absolute deviation and time spanned, as Redis's
 * analyzeLatencyForEvent (integer arithmetic, period at least 1 s). */
static series_stats analyze(const latency_series *ts) {
    series_stats st = {0};
    long long sum = 0, oldest = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const latency_sample *s = &ts->samples[j];
        if (s->time == 0) continue;
        st.samples++;
        sum += s->ms;
        if (oldest == 0 || s->time < oldest) oldest = s->time;
    }
    if (st.samples == 0) return st;
    st.avg = sum / st.samples;
    st.period = (long long)time(NULL) - oldest;
    if (st.period == 0) st.period = 1;
    sum = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const latency_sample *s = &ts->samples[j];
        if (s->time == 0) continue;
        sum += st.avg > s->ms ? st.avg - s->ms : s->ms - st.avg;
    }
    st.mad = sum / st.samples;
    return st;
}

enum {
    ADV_SLOWLOG_ON = 1 << 0,
    ADV_SLOWLOG_TUNE = 1 << 1,
    ADV_SLOWLOG_READ = 1 << 2,
    ADV_BIG_KEYS = 1 << 3,
    ADV_CPU = 1 << 4,
    ADV_DISK = 1 << 5,
    ADV_FSYNC = 1 << 6,
    ADV_HZ = 1 << 7,
    ADV_EVICTION = 1 << 8,
};

/* Which advice an event calls for. */
static int advice_for(const char *event) {
    if (strcmp(event, "command") == 0) {
        int a = ADV_SLOWLOG_READ | ADV_BIG_KEYS;
        if (cfg.slowlog_log_slower_than < 0 || cfg.slowlog_max_len == 0) a |= ADV_SLOWLOG_ON;
        else if (cfg.slowlog_log_slower_than / 1000 > cfg.latency_monitor_threshold)
            a |= ADV_SLOWLOG_TUNE;
        return a;
    }
    if (strcmp(event, "fast-command") == 0) return ADV_CPU;
    if (strncmp(event, "aof-", 4) == 0 || strcmp(event, "rdb-unlink-temp-file") == 0)
        return ADV_DISK | (strcmp(event, "aof-fsync-always") == 0 ? ADV_FSYNC : 0);
    if (strcmp(event, "expire-cycle") == 0) return ADV_HZ | ADV_BIG_KEYS;
    if (strcmp(event, "eviction-del") == 0) return ADV_BIG_KEYS;
    if (strcmp(event, "eviction-cycle") == 0) return ADV_EVICTION;
    return 0;
}

static str *doctor_advice(str *r, int adv) {
    long long thr_us = cfg.latency_monitor_threshold * 1000;
    r = str_catc(r, "\nI have a few advices for you:\n\n");
    if (adv & ADV_SLOWLOG_ON)
        r = str_catfmt(r,
                       "- The slow log is off, so slow commands are not recorded. Turn it on "
                       "with 'CONFIG SET slowlog-log-slower-than %lld'.\n",
                       thr_us);
    if (adv & ADV_SLOWLOG_TUNE)
        r = str_catfmt(r,
                       "- The slow log only records commands slower than the latency monitor "
                       "threshold. Use 'CONFIG SET slowlog-log-slower-than %lld'.\n",
                       thr_us);
    if (adv & ADV_SLOWLOG_READ)
        r = str_catc(r, "- SLOWLOG GET shows which commands were slow, with their "
                        "arguments.\n");
    if (adv & ADV_CPU)
        r = str_catc(r, "- Even fast commands were slow: the server did not get the CPU "
                        "when it needed it. Lower the load of the machine, or check its "
                        "intrinsic latency with 'redis-cli --intrinsic-latency 100'.\n");
    if (adv & ADV_DISK)
        r = str_catc(r, "- Disk writes were slow. Prefer local disks (SSDs if possible) and "
                        "fewer other processes writing to the same disks.\n");
    if ((adv & ADV_FSYNC) && cfg.appendfsync == APPENDFSYNC_ALWAYS)
        r = str_catc(r, "- appendfsync is 'always': every write waits for the disk. "
                        "'everysec' is much faster.\n");
    if ((adv & ADV_HZ) && cfg.hz < 100)
        r = str_catc(r, "- Expiring keys takes long steps: 'CONFIG SET hz 100' makes it "
                        "more incremental.\n");
    if (adv & ADV_BIG_KEYS)
        r = str_catc(r, "- Deleting, expiring or evicting a large key blocks the server "
                        "while it is freed. Split very large keys into smaller ones, or "
                        "let lazyfree free them in the background.\n");
    if (adv & ADV_EVICTION)
        r = str_catc(r, "- Eviction took long: a sudden drop of 'maxmemory' or a large "
                        "allocation forced many keys out at once.\n");
    return r;
}

static str *doctor_report(void) {
    if (nseries == 0 && cfg.latency_monitor_threshold == 0)
        return str_from("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in "
                        "this Redis instance. You may use \"CONFIG SET "
                        "latency-monitor-threshold <milliseconds>.\" in order to enable it.\n");
    str *r = str_new(NULL, 0);
    int adv = 0;
    for (size_t i = 0; i < nseries; i++) {
        const latency_series *ts = series[i];
        if (i == 0)
            r = str_catc(r, "Dave, I have observed latency spikes in this Redis instance. You "
                            "don't mind talking about it, do you Dave?\n\n");
        series_stats st = analyze(ts);
        r = str_catfmt(r,
                       "%zu. %s: %d latency spikes (average %lldms, mean deviation %lldms, "
                       "period %.2f sec). Worst all time event %lldms.\n",
                       i + 1, ts->event, st.samples, st.avg, st.mad,
                       st.samples ? (double)st.period / st.samples : 0.0, ts->max);
        adv |= advice_for(ts->event);
    }
    if (nseries == 0)
        return str_catc(r, "Dave, no latency spike was observed during the lifetime of this "
                           "Redis instance. There is nothing to worry about.\n");
    if (adv == 0)
        return str_catc(r, "\nWhile there are latency events logged, I'm not able to suggest "
                           "any easy fix.\n");
    return doctor_advice(r, adv);
}

static void cmd_latency_doctor(client *c) {
    str *r = doctor_report();
    reply_verbatim(c, r->buf, r->len, "txt");
    str_free(r);
}

/* ---- Command latency histograms ---- */

#define HIST_HALF 128 /* sub-buckets per power of two: two significant digits */
#define HIST_BUCKETS 23
#define HIST_LEN ((HIST_BUCKETS + 1) * HIST_HALF)
#define HIST_MIN_NS 1LL
#define HIST_MAX_NS 1000000000LL

struct latency_hist {
    long long total;
    long long counts[HIST_LEN];
};

static int bucket_of(long long v) { return 63 - __builtin_clzll((uint64_t)v | 255) - 7; }

static int index_of(long long v) {
    int b = bucket_of(v);
    int sub = (int)(v >> b);
    return (b + 1) * HIST_HALF + sub - HIST_HALF;
}

static long long value_at(int idx) {
    int b = (idx >> 7) - 1, sub = (idx & (HIST_HALF - 1)) + HIST_HALF;
    if (b < 0) {
        sub -= HIST_HALF;
        b = 0;
    }
    return (long long)sub << b;
}

/* The largest value counted in the same slot as v. */
static long long highest_equivalent(long long v) {
    int b = bucket_of(v);
    int sub = (int)(v >> b);
    int shift = sub >= 2 * HIST_HALF ? b + 1 : b;
    return ((long long)sub << b) + (1LL << shift) - 1;
}

void latency_record_command(command *cmd, long long us) {
    if (cmd->latency_hist == NULL) cmd->latency_hist = mem_calloc(sizeof(struct latency_hist));
    long long ns = us * 1000;
    if (ns < HIST_MIN_NS) ns = HIST_MIN_NS;
    if (ns > HIST_MAX_NS) ns = HIST_MAX_NS;
    cmd->latency_hist->counts[index_of(ns)]++;
    cmd->latency_hist->total++;
}

/* The value (ns) at percentile p, as hdr_value_at_percentile. */
static long long hist_percentile(const struct latency_hist *h, double p) {
    if (p > 100.0) p = 100.0;
    long long want = (long long)((p / 100.0) * (double)h->total + 0.5);
    if (want < 1) want = 1;
    long long seen = 0;
    for (int i = 0; i < HIST_LEN; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            long long v = value_at(i);
            return p == 0.0 ? v : highest_equivalent(v);
        }
    }
    return 0;
}

/* {calls, histogram_usec: {step: cumulative count}} with steps 1024 ns
 * doubling, each shown (in us) only when its count grew. */
static void reply_cdf(client *c, const struct latency_hist *h) {
    reply_map(c, 2);
    reply_bulk_cstr(c, "calls");
    reply_int(c, h->total);
    reply_bulk_cstr(c, "histogram_usec");
    void *node = reply_defer(c);
    long long n = 0, cum = 0, prev = 0;
    int i = 0;
    for (long long level = 1024; cum < h->total && level <= 2 * HIST_MAX_NS; level *= 2) {
        long long top = highest_equivalent(level);
        while (i < HIST_LEN && value_at(i) <= top) cum += h->counts[i++];
        if (cum > prev) {
            reply_int(c, top / 1000);
            reply_int(c, cum);
            n++;
        }
        prev = cum;
    }
    reply_set_deferred_map(c, node, n);
}

static void hist_one(client *c, command *cmd, long long *n) {
    if (cmd->latency_hist == NULL) return;
    reply_bulk_cstr(c, cmd->fullname);
    reply_cdf(c, cmd->latency_hist);
    (*n)++;
}

typedef struct hist_walk {
    client *c;
    long long n;
} hist_walk;

static void hist_all(command *cmd, void *priv) {
    hist_walk *w = priv;
    hist_one(w->c, cmd, &w->n);
    for (command *s = cmd->subcmds; s && s->name; s++) hist_one(w->c, s, &w->n);
}

/* LATENCY HISTOGRAM [command ...]: per command with samples, its
 * distribution; a container names its subcommands; unknown names skipped. */
static void cmd_latency_histogram(client *c) {
    void *node = reply_defer(c);
    hist_walk w = {c, 0};
    if (c->argc == 2) cmdtable_foreach(hist_all, &w);
    for (int j = 2; j < c->argc; j++) {
        const slice *a = &c->argv[j];
        const char *bar = memchr(a->ptr, '|', a->len);
        command *cmd = cmdtable_find(a->ptr, bar ? (size_t)(bar - a->ptr) : a->len);
        if (cmd && bar) cmd = cmdtable_find_sub(cmd, bar + 1, a->len - (size_t)(bar + 1 - a->ptr));
        if (cmd == NULL) continue;
        if (cmd->subcmds && !bar) {
            for (command *s = cmd->subcmds; s->name; s++) hist_one(c, s, &w.n);
            hist_one(c, cmd, &w.n);
        } else {
            hist_one(c, cmd, &w.n);
        }
    }
    reply_set_deferred_map(c, node, w.n);
}

static void info_line(str **s, command *cmd) {
    if (cmd->latency_hist == NULL) return;
    *s = str_catfmt(*s, "latency_percentiles_usec_%s:", cmd->fullname);
    for (int j = 0; j < cfg.latency_tracking_info_percentiles_len; j++) {
        double p = cfg.latency_tracking_info_percentiles[j];
        char pct[128];
        util_trimmed_f(pct, sizeof(pct), p);
        *s = str_catfmt(*s, "%sp%s=%.3f", j ? "," : "", pct,
                        (double)hist_percentile(cmd->latency_hist, p) / 1000.0);
    }
    *s = str_cat(*s, "\r\n", 2);
}

static void info_cmd(command *cmd, void *priv) {
    info_line(priv, cmd);
    for (command *s = cmd->subcmds; s && s->name; s++) info_line(priv, s);
}

str *latency_info(str *s) {
    s = str_catc(s, "# Latencystats\r\n");
    if (cfg.latency_tracking) cmdtable_foreach(info_cmd, &s);
    return s;
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command latency_subcommands[] = {
    {.name = "latest", .proc = cmd_latency_latest, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "histogram", .proc = cmd_latency_histogram, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "doctor", .proc = cmd_latency_doctor, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = cmd_latency_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = "history", .proc = cmd_latency_history, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "graph", .proc = cmd_latency_graph, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "reset", .proc = cmd_latency_reset, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};

command latency_commands[] = {
    {.name = "latency", .arity = -2, .acl = ACL_SLOW, .subcmds = latency_subcommands},
    {.name = NULL}};
/* clang-format on */
