/* multi.c -- transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * A client in MULTI has its requests copied into a queue (their argv must
 * outlive the query buffer) and answered +QUEUED; a request rejected while
 * queuing makes EXEC fail with EXECABORT. EXEC runs the queue within its
 * own call, so the AOF and replicas receive the effects as one MULTI/EXEC
 * block (cmdtable.c wraps every call).
 * WATCH keeps, per database, a dict from key to the clients watching it;
 * db_signal_modified() reaches multi_touch_key(), which marks those clients
 * so their EXEC answers a null array. A watched key that expires between
 * WATCH and EXEC also fails the transaction, as in Redis 7.0.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "multi.h"

#include <string.h>

#include "acl.h"
#include "cmdtable.h"
#include "db.h"
#include "dict.h"
#include "errors.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"

typedef struct queued {
    struct command *cmd;
    int argc;
    slice *argv;
} queued;

/* One watched key of one database, with the clients watching it. */
typedef struct watched {
    dict_link link;
    client **clients;
    size_t nclients, cap;
    size_t klen;
    char key[];
} watched;

/* Per-client transaction state. */
struct multi_state {
    queued *queue;
    int len, cap;
    uint32_t cmd_flags;     /* the queued commands' flags, OR-ed (EVAL's from its script) */
    uint32_t cmd_inv_flags; /* their missing flags, OR-ed: one lacks CMD_STALE... */
    bool error;             /* a request was rejected while queuing */
    bool dirty;             /* a watched key changed */
    struct watch_ref {
        int dbid;
        watched *w;
        bool expired_at_watch;
    } * watches;
    size_t nwatches, watches_cap;
    size_t queue_mem; /* bytes of the queued arguments (CLIENT LIST multi-mem) */
};

static const char *watched_key(const void *e, size_t *len) {
    const watched *w = e;
    *len = w->klen;
    return w->key;
}

static void watched_free(void *e) {
    watched *w = e;
    mem_free(w->clients);
    mem_free(w);
}

static const dict_type watched_type = {
    .hash = dict_hash_bytes, .key_of = watched_key, .free_entry = watched_free};

static dict **watched_by_db; /* per db, created on first WATCH */
static size_t total_watched;

static struct multi_state *state_of(client *c) {
    if (c->multi == NULL) c->multi = mem_calloc(sizeof(struct multi_state));
    return c->multi;
}

/* ---- Queue ---- */

static void free_queue(struct multi_state *m) {
    m->cmd_flags = 0;
    m->cmd_inv_flags = 0;
    for (int i = 0; i < m->len; i++) {
        for (int j = 0; j < m->queue[i].argc; j++) mem_free(m->queue[i].argv[j].ptr);
        mem_free(m->queue[i].argv);
    }
    mem_free(m->queue);
    m->queue = NULL;
    m->len = m->cap = 0;
    m->queue_mem = 0;
    m->error = false;
}

static void end_multi(client *c) {
    struct multi_state *m = c->multi;
    if (m) free_queue(m);
    c->flags &= ~CLIENT_MULTI;
    c->multi_len = 0;
}

bool multi_maybe_queue(client *c, struct command *cmd, uint32_t flags) {
    if (cmd->flags & CMD_NO_QUEUE) return false;
    struct multi_state *m = state_of(c);
    /* A transaction already doomed (a refused request, a touched watched
     * key) keeps nothing more, as Redis's queueMultiCommand: the request
     * is answered QUEUED but neither counts (CLIENT LIST multi=) nor lends
     * EXEC its flags, and EXEC fails as it would have. */
    if (m->error || m->dirty) {
        reply_simple(c, "QUEUED");
        return true;
    }
    if (m->len == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->queue = mem_realloc(m->queue, sizeof(queued) * (size_t)m->cap);
    }
    m->cmd_flags |= flags;
    m->cmd_inv_flags |= ~flags;
    queued *q = &m->queue[m->len++];
    q->cmd = cmd;
    q->argc = c->argc;
    q->argv = mem_alloc(sizeof(slice) * (size_t)c->argc);
    for (int i = 0; i < c->argc; i++) {
        /* NUL-terminated copies, like arguments in the query buffer. */
        q->argv[i] = slice_of(mem_strndup(c->argv[i].ptr, c->argv[i].len), c->argv[i].len);
        m->queue_mem += c->argv[i].len;
    }
    /* As Redis's multi-mem: argument bytes plus each command's record. */
    m->queue_mem += sizeof(queued) + sizeof(slice) * (size_t)c->argc;
    c->multi_len = m->len;
    reply_simple(c, "QUEUED");
    return true;
}

static void unwatch_all(client *c);

size_t multi_client_mem(const client *c, size_t *queue_mem) {
    const struct multi_state *m = c->multi;
    if (m == NULL) {
        *queue_mem = 0;
        return 0;
    }
    *queue_mem = m->queue_mem;
    /* Each WATCH: its reference here and its slot in the key's client list. */
    return m->queue_mem + m->watches_cap * sizeof(struct watch_ref) +
           m->nwatches * (sizeof(client *) + sizeof(watched));
}

bool multi_watch_dirty(const client *c) { return c->multi && c->multi->dirty; }

uint32_t multi_queued_flags(const client *c) {
    return (c->flags & CLIENT_MULTI) && c->multi ? c->multi->cmd_flags : 0;
}

uint32_t multi_queued_missing_flags(const client *c) {
    return (c->flags & CLIENT_MULTI) && c->multi ? c->multi->cmd_inv_flags : 0;
}

void multi_abort_exec(client *c, const char *err) {
    /* Redis gives the reason as it would have replied it, less the ERR of
     * its formatted refusals ("wrong number of arguments...", "Can't
     * execute 'exec'..."); its other refusals (NOAUTH, NOPERM, OOM, BUSY...)
     * keep their code. */
    if (strncmp(err, "ERR ", 4) == 0) err += 4;
    reply_errorf(c, ERR_EXECABORT_FMT, err);
    end_multi(c);
    unwatch_all(c);
    /* Monitors see the EXEC that did not run, as Redis's execCommandAbort. */
    if (client_has_monitors()) client_monitor_feed(c, c->dbid, c->argc, c->argv);
}

void multi_foreach_queued(client *c, multi_queued_fn *fn, void *priv) {
    if (!(c->flags & CLIENT_MULTI) || c->multi == NULL) return;
    for (int i = 0; i < c->multi->len; i++)
        fn(priv, c->multi->queue[i].cmd, c->multi->queue[i].argc, c->multi->queue[i].argv);
}

void multi_discard(client *c) {
    end_multi(c);
    unwatch_all(c);
}

void multi_flag_error(client *c) {
    if (c->flags & CLIENT_MULTI) state_of(c)->error = true;
}

/* ---- WATCH ---- */

static void watch_key(client *c, const slice *key) {
    struct multi_state *m = state_of(c);
    for (size_t i = 0; i < m->nwatches; i++) {
        watched *w = m->watches[i].w;
        if (m->watches[i].dbid == c->dbid && w->klen == key->len &&
            memcmp(w->key, key->ptr, key->len) == 0)
            return;
    }
    if (watched_by_db == NULL) watched_by_db = mem_calloc(sizeof(dict *) * (size_t)srv.ndbs);
    if (watched_by_db[c->dbid] == NULL) watched_by_db[c->dbid] = dict_new(&watched_type);
    dict *d = watched_by_db[c->dbid];
    watched *w = dict_find(d, key->ptr, key->len);
    if (w == NULL) {
        w = mem_calloc(sizeof(watched) + key->len);
        w->klen = key->len;
        memcpy(w->key, key->ptr, key->len);
        dict_add(d, w);
    }
    if (w->nclients == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 2;
        w->clients = mem_realloc(w->clients, sizeof(client *) * w->cap);
    }
    w->clients[w->nclients++] = c;
    if (m->nwatches == m->watches_cap) {
        m->watches_cap = m->watches_cap ? m->watches_cap * 2 : 4;
        m->watches = mem_realloc(m->watches, sizeof(*m->watches) * m->watches_cap);
    }
    kv *e = db_find_raw(c->db, key->ptr, key->len);
    m->watches[m->nwatches++] = (struct watch_ref){c->dbid, w, e && db_key_is_expired(e)};
    total_watched++;
}

static void unwatch_all(client *c) {
    struct multi_state *m = c->multi;
    if (m == NULL) return;
    for (size_t i = 0; i < m->nwatches; i++) {
        watched *w = m->watches[i].w;
        for (size_t j = 0; j < w->nclients; j++) {
            if (w->clients[j] == c) {
                w->clients[j] = w->clients[--w->nclients];
                break;
            }
        }
        if (w->nclients == 0) dict_delete(watched_by_db[m->watches[i].dbid], w->key, w->klen);
        total_watched--;
    }
    mem_free(m->watches);
    m->watches = NULL;
    m->nwatches = m->watches_cap = 0;
    m->dirty = false;
}

/* c's reference to watched key w of database dbid. */
static struct watch_ref *ref_of(client *c, int dbid, const watched *w) {
    struct multi_state *m = c->multi;
    for (size_t i = 0; i < m->nwatches; i++)
        if (m->watches[i].w == w && m->watches[i].dbid == dbid) return &m->watches[i];
    return NULL;
}

/* As Redis 7.0: a key already logically expired at WATCH that is now
 * deleted (lazily, by DEL, by a flush) has not changed for the watcher:
 * its EXEC still runs, and the key counts as absent from then on. */
void multi_touch_key(db *d, const char *key, size_t klen) {
    if (total_watched == 0 || watched_by_db == NULL || watched_by_db[d->id] == NULL) return;
    watched *w = dict_find(watched_by_db[d->id], key, klen);
    if (w == NULL) return;
    bool gone = db_find_raw(d, key, klen) == NULL;
    for (size_t i = 0; i < w->nclients; i++) {
        client *c = w->clients[i];
        struct watch_ref *ref = ref_of(c, d->id, w);
        if (ref && ref->expired_at_watch && gone) {
            ref->expired_at_watch = false;
            continue;
        }
        c->multi->dirty = true;
    }
}

static bool expired_in(db *d, const watched *w) {
    kv *e = d ? db_find_raw(d, w->key, w->klen) : NULL;
    return e && db_key_is_expired(e);
}

/* Database dbid is about to be emptied, or replaced by 'other' (SWAPDB).
 * Only keys existing on either side change (Redis's
 * touchAllWatchedKeysInDb), and logically expired keys count as absent:
 * an expired key that goes, or stays expired, or an absent one replaced by
 * an expired one changes nothing. */
void multi_touch_db(int dbid, int other) {
    if (total_watched == 0 || watched_by_db == NULL || watched_by_db[dbid] == NULL) return;
    db *emptied = db_get(dbid), *with = other >= 0 ? db_get(other) : NULL;
    dict_iter it;
    dict_iter_init(&it, watched_by_db[dbid]);
    watched *w;
    while ((w = dict_iter_next(&it)) != NULL) {
        bool in_emptied = db_find_raw(emptied, w->key, w->klen) != NULL;
        bool in_with = with && db_find_raw(with, w->key, w->klen);
        if (!in_emptied && !in_with) continue;
        for (size_t j = 0; j < w->nclients; j++) {
            client *c = w->clients[j];
            struct watch_ref *ref = ref_of(c, dbid, w);
            if (ref && ref->expired_at_watch) {
                if (!in_with) {
                    ref->expired_at_watch = false; /* expired, now deleted */
                    continue;
                }
                if (expired_in(with, w)) continue; /* still expired */
            } else if (ref && !in_emptied && expired_in(with, w)) {
                ref->expired_at_watch = true; /* absent, now expired */
                continue;
            }
            c->multi->dirty = true;
        }
    }
    dict_iter_done(&it);
}

/* A watched key that was live at WATCH and is logically expired now. */
static bool watched_key_expired(client *c) {
    struct multi_state *m = c->multi;
    for (size_t i = 0; i < m->nwatches; i++) {
        if (m->watches[i].expired_at_watch) continue;
        db *d = db_get(m->watches[i].dbid);
        kv *e = db_find_raw(d, m->watches[i].w->key, m->watches[i].w->klen);
        if (e && db_key_is_expired(e)) return true;
    }
    return false;
}

void multi_client_reset(client *c) {
    if (c->multi == NULL) return;
    end_multi(c);
    unwatch_all(c);
    mem_free(c->multi);
    c->multi = NULL;
}

/* ---- Commands ---- */

static void cmd_multi(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, ERR_MULTI_NESTED);
        return;
    }
    state_of(c);
    c->flags |= CLIENT_MULTI;
    c->multi_len = 0;
    reply_ok(c);
}

static void cmd_discard(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, ERR_DISCARD_NO_MULTI);
        return;
    }
    end_multi(c);
    unwatch_all(c);
    reply_ok(c);
}

static void cmd_watch(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, ERR_WATCH_IN_MULTI);
        return;
    }
    for (int i = 1; i < c->argc; i++) watch_key(c, &c->argv[i]);
    reply_ok(c);
}

static void cmd_unwatch(client *c) {
    unwatch_all(c);
    reply_ok(c);
}

static void cmd_exec(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, ERR_EXEC_NO_MULTI);
        return;
    }
    struct multi_state *m = c->multi;
    if (m->error) {
        reply_error(c, ERR_EXECABORT_PREV);
        end_multi(c);
        unwatch_all(c);
        return;
    }
    if (m->dirty || watched_key_expired(c)) {
        reply_null_array(c);
        end_multi(c);
        unwatch_all(c);
        return;
    }
    /* Take the queue: the commands may touch keys this client watches. */
    queued *queue = m->queue;
    int len = m->len;
    m->queue = NULL;
    m->len = m->cap = 0;
    c->flags &= ~CLIENT_MULTI;
    c->multi_len = 0;
    unwatch_all(c);
    int saved_argc = c->argc;
    slice *saved_argv = c->argv;
    struct command *saved_cmd = c->cmd;
    reply_array(c, len);
    /* EXEC's own call collects the effects of these: they reach the AOF
     * and replicas as one MULTI/EXEC block (cmdtable_run()). */
    for (int i = 0; i < len; i++) {
        c->argc = queue[i].argc;
        c->argv = queue[i].argv;
        c->cmd = queue[i].cmd;
        c->lastcmd = saved_cmd; /* CLIENT LIST and ACL LOG say "exec", as Redis */
        /* The user's rules may have changed since the command was queued. */
        const char *denied = (c->user || !srv.acl_default_open) ? acl_recheck_queued(c) : NULL;
        if (denied) reply_error(c, denied);
        else cmdtable_call(c);
    }
    c->argc = saved_argc;
    c->argv = saved_argv;
    c->cmd = saved_cmd;
    for (int i = 0; i < len; i++) {
        for (int j = 0; j < queue[i].argc; j++) mem_free(queue[i].argv[j].ptr);
        mem_free(queue[i].argv);
    }
    mem_free(queue);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command multi_commands[] = {
    {.name = "multi", .proc = cmd_multi, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_QUEUE,
     .acl = ACL_FAST | ACL_TRANSACTION},
    {.name = "exec", .proc = cmd_exec, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG | CMD_NO_QUEUE | CMD_QUEUED_FLAGS,
     .acl = ACL_SLOW | ACL_TRANSACTION},
    {.name = "discard", .proc = cmd_discard, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_QUEUE,
     .acl = ACL_FAST | ACL_TRANSACTION},
    {.name = "watch", .proc = cmd_watch, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NO_QUEUE,
     .acl = ACL_FAST | ACL_TRANSACTION, .keys = {1, -1, 1}},
    {.name = "unwatch", .proc = cmd_unwatch, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_TRANSACTION},
    {.name = NULL}};
/* clang-format on */
