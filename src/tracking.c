/* tracking.c -- client-side caching: the keys clients may hold in their
 * own caches, and the invalidation messages that tell them a key changed.
 *
 * Two tables, as Redis 7.0 keeps them. The key table maps each key a
 * tracking client read to the IDs of the clients that read it; when the
 * key changes every one of them is told once and the entry goes (a client
 * that reads it again is remembered again). The prefix table serves BCAST
 * clients: for each prefix, its clients and the keys with that prefix
 * changed in this loop turn, sent to them all before sleeping.
 * IDs, not pointers, are kept in the key table, so a client that leaves
 * costs nothing here; a client's BCAST prefixes hold its pointer and are
 * dropped when it leaves (tracking_disable()).
 * Messages are RESP3 pushes ["invalidate", [keys]], or for a RESP2 client
 * that redirects to a RESP2 client subscribed to __redis__:invalidate,
 * Pub/Sub messages on that channel; a flush sends a null for "all keys".
 * An invalidation for the client whose command is running waits until
 * that command replied (tracking_send_pending()).
 * Keys are not per database: a key read in db 0 is invalidated by a write
 * to the same name in db 9, as in Redis.
 * Spec: Redis 7.0 tracking.c and the CLIENT TRACKING documentation.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "tracking.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dict.h"
#include "errors.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "str.h"
#include "util.h"

#define INVALIDATE_CHANNEL "__redis__:invalidate"

/* ---- The tables ---- */

/* A tracked key and the sorted IDs of the clients that may cache it. */
typedef struct tkey {
    dict_link link;
    uint64_t *ids;
    size_t nids, cap;
    size_t len;
    char name[];
} tkey;

/* A key changed this turn under a BCAST prefix, and who changed it last
 * (0: the server, by expiry or eviction), for NOLOOP. */
typedef struct bkey {
    dict_link link;
    uint64_t by;
    size_t len;
    char name[];
} bkey;

/* One BCAST prefix: its clients and the keys changed this turn. */
typedef struct bprefix {
    str *prefix;
    dict *keys;
    client **clients;
    size_t nclients, cap;
} bprefix;

/* A client's own list of its BCAST prefixes (client->tracking_prefixes). */
struct tracking_prefixes {
    str **items;
    size_t len, cap;
    size_t mem; /* bytes of the prefixes, their slots here and in the prefix's client list */
};

/* An invalidation held back until the command of its client replied. */
typedef struct pending {
    uint64_t id;
    str *key; /* NULL: a flush, "all keys" */
} pending;

static const char *tkey_key(const void *e, size_t *len) {
    const tkey *t = e;
    *len = t->len;
    return t->name;
}

static void tkey_free(void *e) {
    tkey *t = e;
    mem_free(t->ids);
    mem_free(t);
}

static const dict_type tkey_dict = {
    .hash = dict_hash_bytes, .key_of = tkey_key, .free_entry = tkey_free};

static const char *bkey_key(const void *e, size_t *len) {
    const bkey *b = e;
    *len = b->len;
    return b->name;
}

static const dict_type bkey_dict = {
    .hash = dict_hash_bytes, .key_of = bkey_key, .free_entry = mem_free};

static dict *table;                    /* key -> tkey; NULL until tracking is first used */
static unsigned long long total_items; /* IDs across the whole key table */
static bprefix **prefixes;             /* sorted by bytes, as Redis's radix tree */
static size_t nprefixes, prefixes_cap;
static pending *pend;
static size_t npend, pend_cap;
static unsigned limit_rounds; /* tracking_limit_keys() calls still over the limit */

unsigned long long tracking_total_keys(void) { return table ? dict_len(table) : 0; }
unsigned long long tracking_total_items(void) { return total_items; }
unsigned long long tracking_total_prefixes(void) { return nprefixes; }

/* Byte order, a prefix before what it prefixes. */
static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen) {
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

/* ---- Sending ---- */

/* Write an invalidation for tracking client c: the key key[0..len) as a
 * one-element array, or when 'raw', len bytes of RESP already built (an
 * array of keys), or with key NULL a null ("all keys"). Goes to c's
 * redirection if it has one; says tracking-redir-broken to a RESP3 c when
 * that client is gone. */
static void send_message(client *c, const char *key, size_t len, bool raw) {
    bool redirected = false;
    client *to = c;
    if (c->tracking_redir) {
        to = client_find_by_id(c->tracking_redir);
        if (to == NULL) {
            c->tracking |= TRACKING_BROKEN_REDIR;
            if (c->resp > 2) {
                uint32_t old = c->flags;
                c->flags |= CLIENT_PUSHING;
                reply_push(c, 2);
                reply_bulk(c, "tracking-redir-broken", 21);
                reply_int(c, (long long)c->tracking_redir);
                if (!(old & CLIENT_PUSHING)) c->flags &= ~CLIENT_PUSHING;
            }
            return;
        }
        redirected = true;
    }
    uint32_t old = to->flags;
    if (to->resp > 2) {
        to->flags |= CLIENT_PUSHING;
        reply_push(to, 2);
        reply_bulk(to, "invalidate", 10);
    } else if (redirected && (to->flags & CLIENT_PUBSUB)) {
        /* RESP2 has no pushes: a redirection to a subscriber of the
         * channel gets a Pub/Sub message instead. */
        to->flags |= CLIENT_PUSHING;
        reply_array(to, 3);
        reply_bulk(to, "message", 7);
        reply_bulk(to, INVALIDATE_CHANNEL, sizeof(INVALIDATE_CHANNEL) - 1);
    } else {
        return; /* a RESP2 connection can't be told on itself */
    }
    if (key == NULL) {
        reply_null(to);
    } else if (raw) {
        reply_raw(to, key, len);
    } else {
        reply_array(to, 1);
        reply_bulk(to, key, len);
    }
    if (!(old & CLIENT_PUSHING)) to->flags &= ~CLIENT_PUSHING;
}

static void add_pending(uint64_t id, const char *key, size_t len) {
    if (npend == pend_cap) {
        pend_cap = pend_cap ? pend_cap * 2 : 8;
        pend = mem_realloc(pend, pend_cap * sizeof(*pend));
    }
    pend[npend].id = id;
    pend[npend].key = key ? str_new(key, len) : NULL;
    npend++;
}

void tracking_send_pending(void) {
    if (npend == 0 || srv.current) return; /* only once no command runs */
    /* Take the list: sending can't add to it, but stay safe. */
    pending *list = pend;
    size_t n = npend;
    pend = NULL;
    npend = pend_cap = 0;
    for (size_t i = 0; i < n; i++) {
        client *c = client_find_by_id(list[i].id);
        if (c && (c->tracking & TRACKING_ON)) {
            if (list[i].key) send_message(c, list[i].key->buf, list[i].key->len, false);
            else send_message(c, NULL, 0, false);
        }
        str_free(list[i].key);
    }
    mem_free(list);
}

/* ---- Remembering what clients read ---- */

static tkey *tkey_get(const char *key, size_t len) {
    tkey *t = dict_find(table, key, len);
    if (t) return t;
    t = mem_calloc(sizeof(tkey) + len);
    t->len = len;
    memcpy(t->name, key, len);
    dict_add(table, t);
    return t;
}

/* Add id to t's sorted IDs; false if it was there. */
static bool tkey_add_id(tkey *t, uint64_t id) {
    size_t lo = 0, hi = t->nids;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->ids[mid] == id) return false;
        if (t->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    if (t->nids == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 2;
        t->ids = mem_realloc(t->ids, t->cap * sizeof(uint64_t));
    }
    memmove(&t->ids[lo + 1], &t->ids[lo], (t->nids - lo) * sizeof(uint64_t));
    t->ids[lo] = id;
    t->nids++;
    return true;
}

void tracking_after_read(client *c, command *cmd) {
    /* A script's commands read for the client that sent the script: Redis
     * 7.0 then remembers the keys the script declared (EVAL's). */
    client *caller = (c->flags & CLIENT_SCRIPT) && srv.current ? srv.current : c;
    unsigned t = caller->tracking;
    if (!(t & TRACKING_ON) || (t & TRACKING_BCAST) || table == NULL) return;
    /* OPTIN: only after CLIENT CACHING yes; OPTOUT: not after CACHING no. */
    bool caching = t & TRACKING_CACHING;
    if (((t & TRACKING_OPTIN) && !caching) || ((t & TRACKING_OPTOUT) && caching)) return;
    /* Shard channels are keys for routing only: nothing to cache. */
    if (cmd->flags & CMD_PUBSUB) return;
    if (caller->cmd == NULL || caller->argc < 1) return;
    int small[16];
    int cap = caller->argc;
    int *keys = cap <= 16 ? small : mem_alloc((size_t)cap * sizeof(int));
    int n = cmdtable_get_keys(caller->cmd, caller->argc, caller->argv, keys, cap);
    for (int i = 0; i < n; i++) {
        const slice *k = &caller->argv[keys[i]];
        if (tkey_add_id(tkey_get(k->ptr, k->len), caller->id)) total_items++;
    }
    if (keys != small) mem_free(keys);
}

void tracking_command_done(client *c, command *cmd) {
    if (!(c->tracking & TRACKING_CACHING) || (c->flags & CLIENT_MULTI)) return;
    /* CLIENT CACHING itself (any CLIENT subcommand, as in Redis) keeps it. */
    if (cmd->parent && strcmp(cmd->parent->name, "client") == 0) return;
    c->tracking &= ~TRACKING_CACHING;
}

/* ---- Invalidation ---- */

/* Tell the clients that may cache key, and forget it. 'bcast': also note
 * it for the BCAST prefixes (not when only the table's limit drops it). */
static void invalidate(const char *key, size_t klen, bool bcast, bool by_client) {
    if (table == NULL) return;
    if (bcast && nprefixes) {
        uint64_t by = by_client && srv.current ? srv.current->id : 0;
        for (size_t i = 0; i < nprefixes; i++) {
            bprefix *p = prefixes[i];
            if (p->prefix->len > klen || memcmp(p->prefix->buf, key, p->prefix->len) != 0) continue;
            bkey *b = dict_find(p->keys, key, klen);
            if (b == NULL) {
                b = mem_alloc(sizeof(bkey) + klen);
                b->len = klen;
                memcpy(b->name, key, klen);
                dict_add(p->keys, b);
            }
            b->by = by;
        }
    }
    tkey *t = dict_unlink(table, key, klen);
    if (t == NULL) return;
    for (size_t i = 0; i < t->nids; i++) {
        client *target = client_find_by_id(t->ids[i]);
        /* Gone, or tracking off or switched to BCAST since it read the key. */
        if (target == NULL || !(target->tracking & TRACKING_ON) ||
            (target->tracking & TRACKING_BCAST))
            continue;
        if (target == srv.current) {
            if (target->tracking & TRACKING_NOLOOP) continue; /* its own write */
            add_pending(target->id, t->name, t->len);         /* after its reply */
        } else {
            send_message(target, t->name, t->len, false);
        }
    }
    total_items -= t->nids;
    tkey_free(t);
}

void tracking_key_modified(const char *key, size_t klen, bool by_client) {
    invalidate(key, klen, true, by_client);
}

void tracking_flushed(void) {
    if (srv.tracking_clients) {
        for (client *c = srv.clients; c; c = c->next) {
            if (!(c->tracking & TRACKING_ON)) continue;
            if (c == srv.current) add_pending(c->id, NULL, 0);
            else send_message(c, NULL, 0, false);
        }
    }
    /* Every key is invalid now: forget them all. */
    if (table) dict_clear(table, NULL, NULL);
    total_items = 0;
}

void tracking_limit_keys(void) {
    if (table == NULL || cfg.tracking_table_max_keys == 0) return;
    size_t max = (size_t)cfg.tracking_table_max_keys;
    if (dict_len(table) <= max) {
        limit_rounds = 0;
        return;
    }
    /* Drop random keys, as if they changed, with an effort that grows each
     * time one round was not enough. */
    long effort = 100L * (limit_rounds + 1);
    while (effort-- > 0) {
        tkey *t = dict_random(table);
        if (t == NULL) break;
        char small[128];
        size_t len = t->len;
        char *key = len <= sizeof(small) ? small : mem_alloc(len);
        memcpy(key, t->name, len);
        invalidate(key, len, false, false);
        if (key != small) mem_free(key);
        if (dict_len(table) <= max) {
            limit_rounds = 0;
            return;
        }
    }
    limit_rounds++;
}

/* ---- BCAST ---- */

static int cmp_bkey(const void *a, const void *b) {
    const bkey *x = *(const bkey *const *)a, *y = *(const bkey *const *)b;
    return cmp_bytes(x->name, x->len, y->name, y->len);
}

/* An array of the keys in 'keys' (sorted), leaving out those last changed
 * by client 'skip' (0: none); NULL when that leaves none. Caller frees. */
static str *build_keys(bkey **keys, size_t n, uint64_t skip) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (skip == 0 || keys[i]->by != skip) count++;
    if (count == 0) return NULL;
    str *s = str_fmt("*%zu\r\n", count);
    for (size_t i = 0; i < n; i++) {
        if (skip && keys[i]->by == skip) continue;
        s = str_catfmt(s, "$%zu\r\n", keys[i]->len);
        s = str_cat(s, keys[i]->name, keys[i]->len);
        s = str_cat(s, "\r\n", 2);
    }
    return s;
}

void tracking_broadcast(void) {
    if (!srv.tracking_clients) return;
    for (size_t i = 0; i < nprefixes; i++) {
        bprefix *p = prefixes[i];
        size_t n = dict_len(p->keys);
        if (n == 0) continue;
        bkey **keys = mem_alloc(n * sizeof(bkey *));
        dict_iter it;
        dict_iter_init(&it, p->keys);
        size_t k = 0;
        bkey *b;
        while ((b = dict_iter_next(&it)) != NULL) keys[k++] = b;
        dict_iter_done(&it);
        qsort(keys, n, sizeof(bkey *), cmp_bkey);
        str *all = build_keys(keys, n, 0);
        for (size_t j = 0; j < p->nclients; j++) {
            client *c = p->clients[j];
            if (c->tracking & TRACKING_NOLOOP) {
                str *own = build_keys(keys, n, c->id);
                if (own) send_message(c, own->buf, own->len, true);
                str_free(own);
            } else {
                send_message(c, all->buf, all->len, true);
            }
        }
        str_free(all);
        mem_free(keys);
        dict_clear(p->keys, NULL, NULL);
    }
}

/* Index of prefix p in the table, or where it would go (*found false). */
static size_t find_prefix(const char *p, size_t len, bool *found) {
    size_t lo = 0, hi = nprefixes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = cmp_bytes(prefixes[mid]->prefix->buf, prefixes[mid]->prefix->len, p, len);
        if (r == 0) {
            *found = true;
            return mid;
        }
        if (r < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = false;
    return lo;
}

static void add_bcast_prefix(client *c, const char *p, size_t len) {
    bool found;
    size_t at = find_prefix(p, len, &found);
    if (!found) {
        bprefix *bp = mem_calloc(sizeof(bprefix));
        bp->prefix = str_new(p, len);
        bp->keys = dict_new(&bkey_dict);
        if (nprefixes == prefixes_cap) {
            prefixes_cap = prefixes_cap ? prefixes_cap * 2 : 4;
            prefixes = mem_realloc(prefixes, prefixes_cap * sizeof(bprefix *));
        }
        memmove(&prefixes[at + 1], &prefixes[at], (nprefixes - at) * sizeof(bprefix *));
        prefixes[at] = bp;
        nprefixes++;
    }
    bprefix *bp = prefixes[at];
    for (size_t i = 0; i < bp->nclients; i++)
        if (bp->clients[i] == c) return; /* already there */
    if (bp->nclients == bp->cap) {
        bp->cap = bp->cap ? bp->cap * 2 : 4;
        bp->clients = mem_realloc(bp->clients, bp->cap * sizeof(client *));
    }
    bp->clients[bp->nclients++] = c;
    struct tracking_prefixes *tp = c->tracking_prefixes;
    if (tp == NULL) tp = c->tracking_prefixes = mem_calloc(sizeof(*tp));
    if (tp->len == tp->cap) {
        tp->cap = tp->cap ? tp->cap * 2 : 4;
        tp->items = mem_realloc(tp->items, tp->cap * sizeof(str *));
    }
    /* Kept sorted, as TRACKINGINFO lists them. */
    size_t pos = tp->len;
    while (pos > 0 && cmp_bytes(tp->items[pos - 1]->buf, tp->items[pos - 1]->len, p, len) > 0)
        pos--;
    memmove(&tp->items[pos + 1], &tp->items[pos], (tp->len - pos) * sizeof(str *));
    tp->items[pos] = str_new(p, len);
    tp->len++;
    tp->mem += str_alloc_size(tp->items[pos]) + 2 * sizeof(void *);
}

static void remove_bcast_prefix(client *c, const str *p) {
    bool found;
    size_t at = find_prefix(p->buf, p->len, &found);
    if (!found) return;
    bprefix *bp = prefixes[at];
    for (size_t i = 0; i < bp->nclients; i++) {
        if (bp->clients[i] != c) continue;
        memmove(&bp->clients[i], &bp->clients[i + 1], (bp->nclients - i - 1) * sizeof(client *));
        bp->nclients--;
        break;
    }
    if (bp->nclients) return;
    /* Its last client left: the prefix goes. */
    dict_free(bp->keys);
    str_free(bp->prefix);
    mem_free(bp->clients);
    mem_free(bp);
    memmove(&prefixes[at], &prefixes[at + 1], (nprefixes - at - 1) * sizeof(bprefix *));
    nprefixes--;
}

/* Two prefixes overlap when one starts the other: a key would match both. */
static bool overlap(const char *a, size_t alen, const char *b, size_t blen) {
    return memcmp(a, b, alen < blen ? alen : blen) == 0;
}

/* Redis's checkPrefixCollisionsOrReply: each new prefix against c's own,
 * then against the new ones after it. */
static bool check_prefixes(client *c, const slice *ps, size_t n) {
    struct tracking_prefixes *tp = c->tracking_prefixes;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; tp && j < tp->len; j++) {
            if (!overlap(tp->items[j]->buf, tp->items[j]->len, ps[i].ptr, ps[i].len)) continue;
            reply_errorf(c, ERR_TRACKING_PREFIX_OVERLAP, (int)ps[i].len, ps[i].ptr,
                         (int)tp->items[j]->len, tp->items[j]->buf);
            return false;
        }
        for (size_t j = i + 1; j < n; j++) {
            if (!overlap(ps[i].ptr, ps[i].len, ps[j].ptr, ps[j].len)) continue;
            reply_errorf(c, ERR_TRACKING_PREFIX_OVERLAP_ARGS, (int)ps[i].len, ps[i].ptr,
                         (int)ps[j].len, ps[j].ptr);
            return false;
        }
    }
    return true;
}

/* ---- Turning tracking on and off ---- */

bool tracking_enable(client *c, uint64_t redir, unsigned opts, const slice *ps, size_t n) {
    if ((opts & TRACKING_BCAST) && !check_prefixes(c, ps, n)) return false;
    if (!(c->tracking & TRACKING_ON)) srv.tracking_clients++;
    if (table == NULL) table = dict_new(&tkey_dict);
    /* The options are those of this call; CLIENT CACHING's state stays. */
    c->tracking = TRACKING_ON | (c->tracking & TRACKING_CACHING);
    c->tracking_redir = redir;
    if (opts & TRACKING_BCAST) {
        c->tracking |= TRACKING_BCAST;
        if (n == 0) add_bcast_prefix(c, "", 0);
        for (size_t i = 0; i < n; i++) add_bcast_prefix(c, ps[i].ptr, ps[i].len);
    }
    c->tracking |= opts & (TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP);
    return true;
}

void tracking_disable(client *c) {
    struct tracking_prefixes *tp = c->tracking_prefixes;
    if (tp) {
        for (size_t i = 0; i < tp->len; i++) {
            remove_bcast_prefix(c, tp->items[i]);
            str_free(tp->items[i]);
        }
        mem_free(tp->items);
        mem_free(tp);
        c->tracking_prefixes = NULL;
    }
    /* Its IDs in the key table go lazily, when those keys change. */
    if (c->tracking & TRACKING_ON) srv.tracking_clients--;
    c->tracking = 0;
}

size_t tracking_client_mem(const client *c) {
    const struct tracking_prefixes *tp = c->tracking_prefixes;
    return tp ? sizeof(*tp) + tp->mem : 0;
}

void tracking_reply_prefixes(client *c) {
    struct tracking_prefixes *tp = c->tracking_prefixes;
    if (tp == NULL) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, (long long)tp->len);
    for (size_t i = 0; i < tp->len; i++) reply_bulk(c, tp->items[i]->buf, tp->items[i]->len);
}
