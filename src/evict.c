/* evict.c -- maxmemory: LRU/LFU access data and eviction by sampling.
 *
 * Each entry's 24-bit 'lru' field holds, as in Redis, either the LRU clock
 * (seconds) of its last access or, under an LFU policy, minutes of the last
 * decrement (16 bits) and a logarithmic access counter (8 bits).
 * Eviction follows Redis 7.0's approximation: sample maxmemory-samples keys
 * of every database into a 16-slot pool kept sorted by "idleness" (idle
 * time, 255 - frequency, or closeness to expiry) and evict the best
 * candidate still present, until used memory is under the limit. Evicted
 * keys are propagated as DEL and announced as "evicted" events.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "evict.h"

#include <limits.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "mem.h"
#include "memory.h"
#include "propagate.h"
#include "server.h"
#include "util.h"

#define POOL_SIZE 16
#define POOL_KEY_INLINE 255

/* ---- The eviction pool ---- */

typedef struct pool_entry {
    unsigned long long idle; /* bigger = better candidate */
    int dbid;
    size_t klen;
    char *key; /* points at 'inline_key' for short keys */
    char inline_key[POOL_KEY_INLINE];
} pool_entry;

static pool_entry pool[POOL_SIZE];
static int pool_len;

static bool policy_volatile(void) { return cfg.maxmemory_policy <= POLICY_VOLATILE_TTL; }

static unsigned long long idleness(const kv *e) {
    switch (cfg.maxmemory_policy) {
    case POLICY_VOLATILE_LRU:
    case POLICY_ALLKEYS_LRU: return db_idle_seconds(e) * 1000;
    case POLICY_VOLATILE_LFU:
    case POLICY_ALLKEYS_LFU: return 255 - db_lfu_counter(e);
    default: return ULLONG_MAX - (unsigned long long)kv_expire(e); /* volatile-ttl */
    }
}

static void pool_clear_entry(pool_entry *p) {
    if (p->key != p->inline_key) mem_free(p->key);
    p->key = NULL;
}

/* Insert a candidate, keeping the pool sorted by idleness ascending. */
static void pool_insert(int dbid, const kv *e) {
    unsigned long long idle = idleness(e);
    size_t klen;
    const char *key = kv_key(e, &klen);
    int k = 0;
    while (k < pool_len && pool[k].idle < idle) k++;
    for (int i = 0; i < pool_len; i++) /* already a candidate */
        if (pool[i].dbid == dbid && pool[i].klen == klen && memcmp(pool[i].key, key, klen) == 0)
            return;
    if (k == 0 && pool_len == POOL_SIZE) return; /* worse than everything */
    if (pool_len < POOL_SIZE) {
        memmove(&pool[k + 1], &pool[k], sizeof(pool_entry) * (size_t)(pool_len - k));
        pool_len++;
    } else {
        /* Full: drop the worst (first) and shift left. */
        k--;
        pool_clear_entry(&pool[0]);
        memmove(&pool[0], &pool[1], sizeof(pool_entry) * (size_t)k);
    }
    pool_entry *p = &pool[k];
    p->idle = idle;
    p->dbid = dbid;
    p->klen = klen;
    p->key = klen <= POOL_KEY_INLINE ? p->inline_key : mem_alloc(klen);
    memcpy(p->key, key, klen);
}

/* memmove copied inline pointers: make every key point at its own slot. */
static void pool_fix_pointers(void) {
    for (int i = 0; i < pool_len; i++)
        if (pool[i].klen <= POOL_KEY_INLINE) pool[i].key = pool[i].inline_key;
}

static kv *sample(db *d) {
    if (policy_volatile()) return d->vol_len ? d->vol[util_rand64() % d->vol_len] : NULL;
    return dict_random(d->keys);
}

static void populate(db *d) {
    size_t n = policy_volatile() ? d->vol_len : db_size(d);
    if (n == 0) return;
    for (int i = 0; i < cfg.maxmemory_samples; i++) {
        kv *e = sample(d);
        if (e == NULL) break;
        pool_insert(d->id, e);
        pool_fix_pointers();
    }
}

/* Bytes freed by the last eviction: the deletion only, as Redis counts
 * it, not what its invalidation or keyspace messages then allocate. */
static long long last_freed;

static void evict_key(db *d, const char *key, size_t klen) {
    /* Copy the key: deleting frees the entry that holds it. */
    char *copy = mem_memdup(key, klen);
    long long before = (long long)mem_used();
    db_delete(d, copy, klen);
    last_freed = before - (long long)mem_used();
    srv.stat_evictedkeys++;
    propagate_deletion(d->id, copy, klen);
    db_notify(NOTIFY_EVICTED, "evicted", copy, klen, d->id);
    db_signal_removed(d, copy, klen);
    mem_free(copy);
}

/* Choose and evict one key; false if there is nothing to evict. */
static bool evict_one(void) {
    static int next_db;
    if (cfg.maxmemory_policy == POLICY_ALLKEYS_RANDOM ||
        cfg.maxmemory_policy == POLICY_VOLATILE_RANDOM) {
        for (int i = 0; i < srv.ndbs; i++) {
            db *d = db_get(next_db);
            next_db = (next_db + 1) % srv.ndbs;
            kv *e = sample(d);
            if (e == NULL) continue;
            size_t klen;
            const char *key = kv_key(e, &klen);
            evict_key(d, key, klen);
            return true;
        }
        return false;
    }
    for (int tries = 0; tries < 16; tries++) {
        bool any = false;
        for (int i = 0; i < srv.ndbs; i++) {
            db *d = db_get(i);
            if ((policy_volatile() ? d->vol_len : db_size(d)) == 0) continue;
            any = true;
            populate(d);
        }
        if (!any) return false;
        /* Best candidates are at the end; skip ghosts of deleted keys. */
        while (pool_len > 0) {
            pool_entry *p = &pool[--pool_len];
            db *d = db_get(p->dbid);
            kv *e = db_find_raw(d, p->key, p->klen);
            bool ok = e && (!policy_volatile() || kv_has_expire(e));
            if (ok) {
                evict_key(d, p->key, p->klen);
                pool_clear_entry(p);
                return true;
            }
            pool_clear_entry(p);
        }
    }
    return false;
}

/* Over maxmemory, not counting replica output buffers and the AOF buffer
 * (computed only once the raw figure is over). */
bool evict_over_limit(void) {
    if (!cfg.maxmemory) return false;
    long long used = (long long)mem_used();
    if (used <= (long long)cfg.maxmemory) return false;
    return used - (long long)memory_not_counted_for_evict() > (long long)cfg.maxmemory;
}

bool evict_perform(void) {
    /* A replica's dataset is its master's: it doesn't evict on its own. */
    if (srv.is_replica && cfg.replica_ignore_maxmemory) return true;
    if (!evict_over_limit()) return true;
    /* The dataset stands still during CLIENT PAUSE: no evictions either. */
    if (db_writes_paused()) return true;
    if (cfg.maxmemory_policy == POLICY_NOEVICTION) return false;
    /* As Redis: free what is over the limit now, counting only what the
     * deletions free, so the invalidation messages evicting sends to
     * tracking clients can't make it evict on and on. The work before one
     * command is bounded: out of time is not out of memory (Redis's
     * EVICT_RUNNING), the next commands and the cron evict more. */
    long long over = (long long)mem_used() - (long long)memory_not_counted_for_evict() -
                     (long long)cfg.maxmemory;
    long long freed = 0, start = util_ustime();
    while (freed < over) {
        if (!evict_one()) return !evict_over_limit(); /* nothing left to evict */
        freed += last_freed;
        if (util_ustime() - start > 50000) return true;
    }
    return true;
}
