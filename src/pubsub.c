/* pubsub.c -- Pub/Sub: channels, patterns and shard channels, and the
 * keyspace notifications that ride on them.
 *
 * Each channel, pattern or shard channel with at least one subscriber is a
 * 'topic' in one of three dicts; a topic lists its subscribers, and each
 * subscribed client lists its topics, so both PUBLISH and a client's
 * disconnect cost only what they touch. Messages are RESP3 pushes, or plain
 * arrays for RESP2 clients, whose connection is then limited to the
 * subscribe family (the check lives in the dispatcher).
 * Keyspace events follow notify-keyspace-events exactly as Redis 7.0 does:
 * __keyspace@<db>__:<key> carries the event name, __keyevent@<db>__:<event>
 * carries the key.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "pubsub.h"

#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "cmdtable.h"
#include "config.h"
#include "dict.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "util.h"

enum { T_CHANNEL = 0, T_PATTERN = 1, T_SHARD = 2, T_KINDS = 3 };

typedef struct topic {
    dict_link link;
    client **subs;
    size_t nsubs, cap;
    size_t len;
    char name[];
} topic;

struct pubsub_state {
    topic **items[T_KINDS];
    size_t len[T_KINDS], cap[T_KINDS];
};

static const char *topic_key(const void *e, size_t *len) {
    const topic *t = e;
    *len = t->len;
    return t->name;
}

static void topic_free(void *e) {
    topic *t = e;
    mem_free(t->subs);
    mem_free(t);
}

static const dict_type topic_dict = {
    .hash = dict_hash_bytes, .key_of = topic_key, .free_entry = topic_free};

static dict *topics[T_KINDS];

static dict *kind_dict(int kind) {
    if (topics[kind] == NULL) topics[kind] = dict_new(&topic_dict);
    return topics[kind];
}

/* ---- Subscriptions ---- */

static struct pubsub_state *state_of(client *c) {
    if (c->pubsub == NULL) c->pubsub = mem_calloc(sizeof(struct pubsub_state));
    return c->pubsub;
}

size_t pubsub_client_mem(const client *c) {
    const struct pubsub_state *s = c->pubsub;
    if (s == NULL) return 0;
    size_t mem = sizeof(*s);
    /* Per subscription: its slot here and in the topic's client list
     * (the topic itself is shared by its subscribers, as in Redis). */
    for (int k = 0; k < T_KINDS; k++)
        mem += s->cap[k] * sizeof(topic *) + s->len[k] * 2 * sizeof(client *);
    return mem;
}

static void update_counts(client *c) {
    struct pubsub_state *s = c->pubsub;
    c->pubsub_channels = s ? s->len[T_CHANNEL] : 0;
    c->pubsub_patterns = s ? s->len[T_PATTERN] : 0;
    c->pubsub_shard_channels = s ? s->len[T_SHARD] : 0;
    if (c->pubsub_channels + c->pubsub_patterns + c->pubsub_shard_channels)
        c->flags |= CLIENT_PUBSUB;
    else c->flags &= ~CLIENT_PUBSUB;
}

/* The count Redis reports after (un)subscribing: channels+patterns, or
 * shard channels for the sharded commands. */
static long long sub_count(const client *c, int kind) {
    if (kind == T_SHARD) return (long long)c->pubsub_shard_channels;
    return (long long)(c->pubsub_channels + c->pubsub_patterns);
}

static bool client_has(struct pubsub_state *s, int kind, topic *t) {
    for (size_t i = 0; i < s->len[kind]; i++)
        if (s->items[kind][i] == t) return true;
    return false;
}

static bool subscribe(client *c, int kind, const char *name, size_t len) {
    dict *d = kind_dict(kind);
    topic *t = dict_find(d, name, len);
    if (t == NULL) {
        t = mem_calloc(sizeof(topic) + len + 1);
        t->len = len;
        memcpy(t->name, name, len);
        dict_add(d, t);
    }
    struct pubsub_state *s = state_of(c);
    if (client_has(s, kind, t)) return false;
    if (t->nsubs == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->subs = mem_realloc(t->subs, t->cap * sizeof(client *));
    }
    t->subs[t->nsubs++] = c;
    if (s->len[kind] == s->cap[kind]) {
        s->cap[kind] = s->cap[kind] ? s->cap[kind] * 2 : 4;
        s->items[kind] = mem_realloc(s->items[kind], s->cap[kind] * sizeof(topic *));
    }
    s->items[kind][s->len[kind]++] = t;
    update_counts(c);
    return true;
}

/* Remove c from topic t (and the topic if nobody is left). */
static void unsubscribe_topic(client *c, int kind, topic *t) {
    struct pubsub_state *s = c->pubsub;
    for (size_t i = 0; i < t->nsubs; i++) {
        if (t->subs[i] == c) {
            /* Keep delivery order stable: shift rather than swap. */
            memmove(&t->subs[i], &t->subs[i + 1], (t->nsubs - i - 1) * sizeof(client *));
            t->nsubs--;
            break;
        }
    }
    for (size_t i = 0; i < s->len[kind]; i++) {
        if (s->items[kind][i] == t) {
            memmove(&s->items[kind][i], &s->items[kind][i + 1],
                    (s->len[kind] - i - 1) * sizeof(topic *));
            s->len[kind]--;
            break;
        }
    }
    if (t->nsubs == 0) dict_delete(kind_dict(kind), t->name, t->len);
    update_counts(c);
}

static const char *kind_sub_name[T_KINDS] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *kind_unsub_name[T_KINDS] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

/* Pushes reach the client even under CLIENT REPLY OFF or SKIP, as in
 * Redis 7.0.15: a subscriber that silenced its replies still hears. */
static uint32_t push_begin(client *c) {
    uint32_t old = c->flags;
    c->flags |= CLIENT_PUSHING;
    return old;
}

static void push_end(client *c, uint32_t old) {
    if (!(old & CLIENT_PUSHING)) c->flags &= ~CLIENT_PUSHING;
}

static void reply_sub_event(client *c, const char *what, const char *name, size_t len,
                            long long n) {
    uint32_t old = push_begin(c);
    reply_push(c, 3);
    reply_bulk_cstr(c, what);
    if (name) reply_bulk(c, name, len);
    else reply_null(c);
    reply_int(c, n);
    push_end(c, old);
}

static void unsubscribe_one(client *c, int kind, const char *name, size_t len, bool notify) {
    topic *t = dict_find(kind_dict(kind), name, len);
    struct pubsub_state *s = c->pubsub;
    if (t && s && client_has(s, kind, t)) unsubscribe_topic(c, kind, t);
    if (notify) reply_sub_event(c, kind_unsub_name[kind], name, len, sub_count(c, kind));
}

/* Unsubscribe from every topic of a kind; returns how many. */
static size_t unsubscribe_all(client *c, int kind, bool notify) {
    struct pubsub_state *s = c->pubsub;
    size_t n = 0;
    while (s && s->len[kind] > 0) {
        topic *t = s->items[kind][0];
        /* Copy the name: the topic may be freed by the unsubscribe. */
        size_t len = t->len;
        char small[256];
        char *name = len <= sizeof(small) ? small : mem_alloc(len);
        memcpy(name, t->name, len);
        unsubscribe_topic(c, kind, t);
        if (notify) reply_sub_event(c, kind_unsub_name[kind], name, len, sub_count(c, kind));
        if (name != small) mem_free(name);
        n++;
    }
    if (notify && n == 0) reply_sub_event(c, kind_unsub_name[kind], NULL, 0, sub_count(c, kind));
    return n;
}

void pubsub_client_free(client *c) {
    if (c->pubsub == NULL) return;
    for (int k = 0; k < T_KINDS; k++) {
        unsubscribe_all(c, k, false);
        mem_free(c->pubsub->items[k]);
    }
    mem_free(c->pubsub);
    c->pubsub = NULL;
    update_counts(c);
}

bool pubsub_client_any_topic(client *c, pubsub_topic_fn *fn, void *priv) {
    struct pubsub_state *s = c->pubsub;
    for (int k = 0; s && k < T_KINDS; k++)
        for (size_t i = 0; i < s->len[k]; i++)
            if (fn(k == T_PATTERN, s->items[k][i]->name, s->items[k][i]->len, priv)) return true;
    return false;
}

void pubsub_drop_shard_channels(pubsub_topic_fn *fn, void *priv) {
    if (topics[T_SHARD] == NULL || dict_len(topics[T_SHARD]) == 0) return;
    /* Names first: unsubscribing frees topics under the iterator. */
    str **names = NULL;
    size_t n = 0, cap = 0;
    dict_iter it;
    dict_iter_init(&it, topics[T_SHARD]);
    topic *t;
    while ((t = dict_iter_next(&it)) != NULL) {
        if (!fn(false, t->name, t->len, priv)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            names = mem_realloc(names, cap * sizeof(str *));
        }
        names[n++] = str_new(t->name, t->len);
    }
    dict_iter_done(&it);
    for (size_t i = 0; i < n; i++) {
        while ((t = dict_find(topics[T_SHARD], names[i]->buf, names[i]->len)) != NULL)
            unsubscribe_one(t->subs[0], T_SHARD, names[i]->buf, names[i]->len, true);
        str_free(names[i]);
    }
    mem_free(names);
}

size_t pubsub_channel_count(void) { return topics[T_CHANNEL] ? dict_len(topics[T_CHANNEL]) : 0; }
size_t pubsub_pattern_count(void) { return topics[T_PATTERN] ? dict_len(topics[T_PATTERN]) : 0; }
size_t pubsub_shard_count(void) { return topics[T_SHARD] ? dict_len(topics[T_SHARD]) : 0; }

/* ---- Publishing ---- */

static void deliver(client *c, const char *kind, const topic *pattern, const char *channel,
                    size_t clen, const char *msg, size_t mlen) {
    uint32_t old = push_begin(c);
    reply_push(c, pattern ? 4 : 3);
    reply_bulk_cstr(c, kind);
    if (pattern) reply_bulk(c, pattern->name, pattern->len);
    reply_bulk(c, channel, clen);
    reply_bulk(c, msg, mlen);
    push_end(c, old);
}

static long long publish_kind(int kind, const char *channel, size_t clen, const char *msg,
                              size_t mlen) {
    long long receivers = 0;
    topic *t = topics[kind] ? dict_find(topics[kind], channel, clen) : NULL;
    const char *what = kind == T_SHARD ? "smessage" : "message";
    if (t) {
        for (size_t i = 0; i < t->nsubs; i++) {
            deliver(t->subs[i], what, NULL, channel, clen, msg, mlen);
            receivers++;
        }
    }
    if (kind == T_CHANNEL && topics[T_PATTERN] && dict_len(topics[T_PATTERN])) {
        dict_iter it;
        dict_iter_init(&it, topics[T_PATTERN]);
        topic *p;
        while ((p = dict_iter_next(&it)) != NULL) {
            if (!util_glob_match(p->name, p->len, channel, clen, false)) continue;
            for (size_t i = 0; i < p->nsubs; i++) {
                deliver(p->subs[i], "pmessage", p, channel, clen, msg, mlen);
                receivers++;
            }
        }
        dict_iter_done(&it);
    }
    return receivers;
}

/* Send a message to a channel's subscribers and matching patterns;
 * returns how many clients received it. */
static long long pubsub_publish(const char *channel, size_t clen, const char *msg, size_t mlen) {
    return publish_kind(T_CHANNEL, channel, clen, msg, mlen);
}

/* ---- Keyspace notifications ---- */

static const struct {
    char ch;
    int flag;
} classes[] = {{'g', NOTIFY_GENERIC},  {'$', NOTIFY_STRING},   {'l', NOTIFY_LIST},
               {'s', NOTIFY_SET},      {'h', NOTIFY_HASH},     {'z', NOTIFY_ZSET},
               {'x', NOTIFY_EXPIRED},  {'e', NOTIFY_EVICTED},  {'t', NOTIFY_STREAM},
               {'m', NOTIFY_KEY_MISS}, {'d', NOTIFY_MODULE},   {'n', NOTIFY_NEW},
               {'K', NOTIFY_KEYSPACE}, {'E', NOTIFY_KEYEVENT}, {0, 0}};

int pubsub_notify_parse(const char *s) {
    int flags = 0;
    for (; *s; s++) {
        if (*s == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        int f = 0;
        for (int i = 0; classes[i].ch; i++)
            if (classes[i].ch == *s) f = classes[i].flag;
        if (f == 0) return -1;
        flags |= f;
    }
    return flags;
}

str *pubsub_notify_string(int flags) {
    str *s = str_new(NULL, 0);
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        s = str_cat(s, "A", 1);
    } else {
        static const char order[] = "g$lshzxetdn";
        for (const char *p = order; *p; p++)
            for (int i = 0; classes[i].ch; i++)
                if (classes[i].ch == *p && (flags & classes[i].flag)) s = str_cat(s, p, 1);
    }
    if (flags & NOTIFY_KEYSPACE) s = str_cat(s, "K", 1);
    if (flags & NOTIFY_KEYEVENT) s = str_cat(s, "E", 1);
    if (flags & NOTIFY_KEY_MISS) s = str_cat(s, "m", 1);
    return s;
}

void pubsub_notify(int type, const char *event, const char *key, size_t klen, int dbid) {
    int flags = cfg.notify_keyspace_events;
    if (!(flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)) || !(flags & type)) return;
    char prefix[64];
    size_t elen = strlen(event);
    if (flags & NOTIFY_KEYSPACE) {
        int n = snprintf(prefix, sizeof(prefix), "__keyspace@%d__:", dbid);
        str *ch = str_new(prefix, (size_t)n);
        ch = str_cat(ch, key, klen);
        pubsub_publish(ch->buf, ch->len, event, elen);
        str_free(ch);
    }
    if (flags & NOTIFY_KEYEVENT) {
        int n = snprintf(prefix, sizeof(prefix), "__keyevent@%d__:", dbid);
        str *ch = str_new(prefix, (size_t)n);
        ch = str_cat(ch, event, elen);
        pubsub_publish(ch->buf, ch->len, key, klen);
        str_free(ch);
    }
}

/* ---- Commands ---- */

static void subscribe_generic(client *c, int kind) {
    for (int i = 1; i < c->argc; i++) {
        subscribe(c, kind, c->argv[i].ptr, c->argv[i].len);
        reply_sub_event(c, kind_sub_name[kind], c->argv[i].ptr, c->argv[i].len, sub_count(c, kind));
    }
}

static void unsubscribe_generic(client *c, int kind) {
    if (c->argc == 1) {
        unsubscribe_all(c, kind, true);
        return;
    }
    for (int i = 1; i < c->argc; i++)
        unsubscribe_one(c, kind, c->argv[i].ptr, c->argv[i].len, true);
}

static void cmd_subscribe(client *c) { subscribe_generic(c, T_CHANNEL); }

static void cmd_psubscribe(client *c) { subscribe_generic(c, T_PATTERN); }

static void cmd_ssubscribe(client *c) { subscribe_generic(c, T_SHARD); }

static void cmd_unsubscribe(client *c) { unsubscribe_generic(c, T_CHANNEL); }
static void cmd_punsubscribe(client *c) { unsubscribe_generic(c, T_PATTERN); }
static void cmd_sunsubscribe(client *c) { unsubscribe_generic(c, T_SHARD); }

long long pubsub_publish_local(bool shard, const char *ch, size_t chlen, const char *msg,
                               size_t msglen) {
    return shard ? publish_kind(T_SHARD, ch, chlen, msg, msglen)
                 : pubsub_publish(ch, chlen, msg, msglen);
}

/* PUBLISH and SPUBLISH reach replicas (their subscribers hear it too),
 * not the AOF, as in Redis 7.0 outside cluster mode; in cluster mode they
 * travel over the cluster bus instead, to every node (SPUBLISH: the shard). */
static void cmd_publish(client *c) {
    long long n = pubsub_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len);
    if (cfg.cluster_enabled)
        cluster_publish(false, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len);
    else propagate_to(PROPAGATE_REPL, c->dbid, c->argc, c->argv);
    reply_int(c, n);
}

static void cmd_spublish(client *c) {
    long long n =
        publish_kind(T_SHARD, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len);
    if (cfg.cluster_enabled)
        cluster_publish(true, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len);
    else propagate_to(PROPAGATE_REPL, c->dbid, c->argc, c->argv);
    reply_int(c, n);
}

static void list_topics(client *c, int kind) {
    /* The table's arity is "at least 2"; more than a pattern is Redis's
     * subcommand error (pubsubCommand checks argc itself). */
    if (c->argc > 3) {
        reply_error_subcommand(c, "PUBSUB");
        return;
    }
    slice *pat = c->argc == 3 ? &c->argv[2] : NULL;
    void *node = reply_defer(c);
    long long n = 0;
    if (topics[kind]) {
        dict_iter it;
        dict_iter_init(&it, topics[kind]);
        topic *t;
        while ((t = dict_iter_next(&it)) != NULL) {
            if (pat && !util_glob_match(pat->ptr, pat->len, t->name, t->len, false)) continue;
            reply_bulk(c, t->name, t->len);
            n++;
        }
        dict_iter_done(&it);
    }
    reply_set_deferred_array(c, node, n);
}

static void numsub(client *c, int kind) {
    /* An array even in RESP3, as Redis 7.0 replies. */
    reply_array(c, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        topic *t = topics[kind] ? dict_find(topics[kind], c->argv[i].ptr, c->argv[i].len) : NULL;
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_int(c, t ? (long long)t->nsubs : 0);
    }
}

static void cmd_pubsub_channels(client *c) { list_topics(c, T_CHANNEL); }
static void cmd_pubsub_shardchannels(client *c) { list_topics(c, T_SHARD); }
static void cmd_pubsub_numsub(client *c) { numsub(c, T_CHANNEL); }
static void cmd_pubsub_shardnumsub(client *c) { numsub(c, T_SHARD); }
static void cmd_pubsub_numpat(client *c) { reply_int(c, (long long)pubsub_pattern_count()); }

static void cmd_pubsub_help(client *c) {
    static const char *help[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL};
    reply_help(c, "PUBSUB", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command pubsub_subcommands[] = {
    {.name = "channels", .proc = cmd_pubsub_channels, .arity = -2,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE, .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "numsub", .proc = cmd_pubsub_numsub, .arity = -2,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE, .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "numpat", .proc = cmd_pubsub_numpat, .arity = 2,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE, .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "shardchannels", .proc = cmd_pubsub_shardchannels, .arity = -2,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE, .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "shardnumsub", .proc = cmd_pubsub_shardnumsub, .arity = -2,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE, .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "help", .proc = cmd_pubsub_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW},
    {.name = NULL}};

command pubsub_commands[] = {
    {.name = "subscribe", .proc = cmd_subscribe, .arity = -2,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "unsubscribe", .proc = cmd_unsubscribe, .arity = -1,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "psubscribe", .proc = cmd_psubscribe, .arity = -2,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "punsubscribe", .proc = cmd_punsubscribe, .arity = -1,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW},
    {.name = "publish", .proc = cmd_publish, .arity = 3,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE,
     .acl = ACL_PUBSUB | ACL_FAST},
    {.name = "ssubscribe", .proc = cmd_ssubscribe, .arity = -2,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "sunsubscribe", .proc = cmd_sunsubscribe, .arity = -1,
     .flags = CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SUBSCRIBER_OK,
     .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1}},
    {.name = "spublish", .proc = cmd_spublish, .arity = 3,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE, .acl = ACL_PUBSUB | ACL_FAST,
     .keys = {1, 1, 1}},
    {.name = "pubsub", .arity = -2, .acl = ACL_SLOW, .subcmds = pubsub_subcommands},
    {.name = NULL}};
/* clang-format on */
