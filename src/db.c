/* db.c -- the keyspace: databases, key lookup, lazy expiry.
 *
 * Every read or write of a key passes through here. Lookups hide keys whose
 * TTL has passed; a master also deletes them and propagates DEL, a replica
 * only hides them and waits for the master's DEL.
 * Entries with a TTL are also listed in the database's volatile array (each
 * entry stores its index), which the active expire cycle samples; any call
 * that moves an entry keeps that index right.
 * Writers call db_signal_modified() once per changed key: that one hook
 * drives WATCH, blocked clients and keyspace notifications.
 * Not here: value encodings (t_*.c, kv.c), snapshots, eviction.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "db.h"

#include <string.h>

#include "config.h"
#include "crc16.h"
#include "mem.h"
#include "propagate.h"
#include "ptrset.h"
#include "seam.h"
#include "server.h"
#include "util.h"

static const char *entry_key(const void *e, size_t *len) { return kv_key(e, len); }

static void entry_free(void *e) { kv_free(e); }

/* The keyspace grows its table only if the new buckets fit under
 * maxmemory, or once it is more than 1.618 full (Redis's
 * dictExpandAllowed): a rehash must not itself push the server into
 * evicting. Unlike Redis, replica buffers and the AOF buffer are counted. */
static bool keyspace_expand_allowed(size_t more, double ratio) {
    if (ratio > 1.618 || cfg.maxmemory == 0) return true;
    return mem_used() + more <= cfg.maxmemory;
}

static const dict_type keyspace_type = {
    .hash = dict_hash_bytes,
    .key_of = entry_key,
    .free_entry = entry_free,
    .expand_allowed = keyspace_expand_allowed,
};

void db_init(int count, bool cluster) {
    srv.dbs = mem_calloc(sizeof(db) * (size_t)count);
    srv.ndbs = count;
    for (int i = 0; i < count; i++) {
        srv.dbs[i].id = i;
        srv.dbs[i].keys = dict_new(&keyspace_type);
    }
    if (cluster) srv.dbs[0].slot_keys = mem_calloc(sizeof(ptrset) * CRC16_SLOTS);
}

/* ---- Keys per cluster slot ----
 * In cluster mode db 0 lists its entries per slot, each slot a set of
 * entry pointers (ptrset.h: about 14 bytes a key, 256 KB of slot headers).
 * A standalone server pays one branch per key added or removed. Every
 * place below that adds, removes or moves (reallocates) an entry keeps
 * its slot's set right. */
static ptrset *slot_set(db *d, const kv *e) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    return &d->slot_keys[crc16_key_slot(key, klen)];
}

static inline void slot_add(db *d, kv *e) {
    if (d->slot_keys) ptrset_add(slot_set(d, e), e);
}

static inline void slot_remove(db *d, kv *e) {
    if (d->slot_keys) ptrset_remove(slot_set(d, e), e);
}

size_t db_slot_count(const db *d, unsigned slot) {
    return d->slot_keys && slot < CRC16_SLOTS ? d->slot_keys[slot].len : 0;
}

size_t db_slot_keys(db *d, unsigned slot, kv **out, size_t max) {
    if (d->slot_keys == NULL || slot >= CRC16_SLOTS) return 0;
    return ptrset_list(&d->slot_keys[slot], (void **)out, max);
}

db *db_get(int id) { return id >= 0 && id < srv.ndbs ? &srv.dbs[id] : NULL; }

/* ---- Hashes carried from the prefetch ----
 * The client layer hashes the keys of the requests it reads ahead (to
 * prefetch their buckets) and hands the running request's hashes here, by
 * the address of each key in its query buffer: a lookup of those very
 * bytes uses the hash instead of computing it again. The buffer does not
 * change while its request runs, and the hints are withdrawn when it ends. */
static struct {
    const char *key;
    size_t klen;
    uint64_t h;
} hints[DB_MAX_HINTS];
static int nhints;

void db_hint_key(const char *key, size_t klen, uint64_t h) {
    if (nhints < DB_MAX_HINTS) hints[nhints++] = (typeof(hints[0])){key, klen, h};
}

void db_hint_clear(void) { nhints = 0; }

static inline uint64_t key_hash(const char *key, size_t klen) {
    for (int i = 0; i < nhints; i++)
        if (hints[i].key == key && hints[i].klen == klen) return hints[i].h;
    return dict_hash_bytes(key, klen);
}

/* ---- The last key a lookup missed ----
 * A command that misses a key usually adds it next (INCR, PFADD, LPUSH,
 * XADD... of a new key): the add finds the hash here instead of hashing
 * the entry's copy of the key again. The key is copied (the looked-up
 * bytes may be gone by then), up to MISS_KEY_MAX bytes; a hash is a
 * function of the bytes alone (one seed per process), so an old record
 * never misleads. */
#define MISS_KEY_MAX 48
static struct {
    uint64_t h;
    size_t klen; /* 0: nothing recorded (an empty key is hashed) */
    char key[MISS_KEY_MAX];
} miss;

static inline void record_miss(const char *key, size_t klen, uint64_t h) {
    if (klen > MISS_KEY_MAX) return;
    memcpy(miss.key, key, klen);
    miss.klen = klen;
    miss.h = h;
}

/* The hash of a key an entry brings in (db_add, db_set). */
static inline uint64_t entry_key_hash(const char *key, size_t klen) {
    if (klen == miss.klen && klen > 0 && memcmp(key, miss.key, klen) == 0) return miss.h;
    return dict_hash_bytes(key, klen);
}

/* ---- The volatile array ---- */

/* ---- Keys a writable replica's own clients gave a TTL ----
 * Redis 7.0 expires those on the replica (its master never will: they are
 * not in its dataset), in the cron, without touching its master's keys.
 * A set of "<dbid 4 bytes><key>" ids (one entry per key however often it
 * is written) and, for the cron's walk, the same entries in an array; an
 * entry whose key is gone, or has no TTL any more, is dropped when the
 * walk reaches it. */
typedef struct rkey {
    dict_link link;
    size_t idlen;
    char id[];
} rkey;

static const char *rkey_id(const void *e, size_t *len) {
    const rkey *k = e;
    *len = k->idlen;
    return k->id;
}

static void rkey_free(void *e) { mem_free(e); }

static const dict_type rkey_type = {
    .hash = dict_hash_bytes, .key_of = rkey_id, .free_entry = rkey_free};
static dict *replica_keys;
static rkey **replica_walk;
static size_t replica_walk_len, replica_walk_cap, replica_walk_pos;

static void remember_replica_key(int dbid, const kv *e) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    rkey *k = mem_alloc(sizeof(rkey) + sizeof(dbid) + klen);
    k->idlen = sizeof(dbid) + klen;
    memcpy(k->id, &dbid, sizeof(dbid));
    memcpy(k->id + sizeof(dbid), key, klen);
    if (replica_keys == NULL) replica_keys = dict_new(&rkey_type);
    if (dict_add_unique(replica_keys, k, k->id, k->idlen)) {
        mem_free(k); /* already remembered */
        return;
    }
    if (replica_walk_len == replica_walk_cap) {
        replica_walk_cap = replica_walk_cap ? replica_walk_cap * 2 : 16;
        replica_walk = mem_realloc(replica_walk, replica_walk_cap * sizeof(rkey *));
    }
    replica_walk[replica_walk_len++] = k;
}

static bool written_by_replica_client(void) {
    return srv.is_replica && !srv.loading && srv.current && !(srv.current->flags & CLIENT_MASTER);
}

/* Each call looks at up to 1000 remembered keys, going on from where the
 * last one stopped (Redis bounds its walk by time the same way). */
void db_expire_replica_keys(void) {
    if (replica_walk_len == 0) return;
    size_t budget = replica_walk_len < 1000 ? replica_walk_len : 1000;
    if (!srv.is_replica) budget = replica_walk_len; /* promoted: drop them all */
    while (budget-- && replica_walk_len) {
        if (replica_walk_pos >= replica_walk_len) replica_walk_pos = 0;
        rkey *k = replica_walk[replica_walk_pos];
        int dbid;
        memcpy(&dbid, k->id, sizeof(dbid));
        db *d = dbid < srv.ndbs ? &srv.dbs[dbid] : NULL;
        kv *e = d ? dict_find(d->keys, k->id + sizeof(dbid), k->idlen - sizeof(dbid)) : NULL;
        bool keep = srv.is_replica && e && kv_has_expire(e) && kv_expire(e) > srv.mstime;
        if (keep) {
            replica_walk_pos++;
            continue;
        }
        if (srv.is_replica && e && kv_has_expire(e))
            db_expire_now(d, e); /* AOF only: a replica feeds no replicas */
        replica_walk[replica_walk_pos] = replica_walk[--replica_walk_len];
        dict_delete(replica_keys, k->id, k->idlen);
    }
}

static void vol_add(db *d, kv *e) {
    if (written_by_replica_client()) remember_replica_key(d->id, e);
    if (d->vol_len == d->vol_cap) {
        d->vol_cap = d->vol_cap ? d->vol_cap * 2 : 16;
        d->vol = mem_realloc(d->vol, d->vol_cap * sizeof(kv *));
    }
    kv_set_volatile_idx(e, (uint32_t)d->vol_len);
    d->vol[d->vol_len++] = e;
}

static void vol_remove(db *d, kv *e) {
    uint32_t idx = kv_volatile_idx(e);
    ASSERT(idx < d->vol_len && d->vol[idx] == e);
    kv *last = d->vol[--d->vol_len];
    d->vol[idx] = last;
    kv_set_volatile_idx(last, idx);
    if (d->vol_cap > 64 && d->vol_len < d->vol_cap / 4) {
        d->vol_cap /= 2;
        d->vol = mem_realloc(d->vol, d->vol_cap * sizeof(kv *));
    }
}

size_t db_volatile_count(const db *d) { return d->vol_len; }

/* ---- Access data (LRU/LFU) ----
 *
 * Each entry's 24-bit 'lru' field holds, as in Redis, either the LRU clock
 * (seconds) of its last access or, under an LFU maxmemory-policy, minutes
 * of the last decrement (16 bits) and a logarithmic access counter (8
 * bits). Lookups and writes here keep it; evict.c reads it. */

#define LFU_INIT_VAL 5
#define LRU_CLOCK_MAX ((1u << 24) - 1)

bool db_int_is_shared(const kv *e) {
    if (e->type != KV_STRING || e->enc != KV_ENC_INT || kv_int(e) < 0 || kv_int(e) >= 10000)
        return false;
    return !(e->flags & KV_INT_OWN);
}

void db_update_int_sharing(void) {
    /* Under an LRU or LFU maxmemory policy each key keeps its own access
     * data, so Redis stops sharing the integers it creates from then on
     * (MAXMEMORY_FLAG_NO_SHARED_INTEGERS); those made before stay shared. */
    int p = cfg.maxmemory_policy;
    kv_share_ints(cfg.maxmemory == 0 || !(p == POLICY_VOLATILE_LRU || p == POLICY_ALLKEYS_LRU ||
                                          p == POLICY_VOLATILE_LFU || p == POLICY_ALLKEYS_LFU));
}

bool db_policy_is_lfu(void) {
    return cfg.maxmemory_policy == POLICY_VOLATILE_LFU ||
           cfg.maxmemory_policy == POLICY_ALLKEYS_LFU;
}

static unsigned lfu_minutes(void) { return (unsigned)((srv.mstime / 1000 / 60) & 65535); }

static unsigned lfu_elapsed(unsigned ldt) {
    unsigned now = lfu_minutes();
    return now >= ldt ? now - ldt : 65535 - ldt + now;
}

unsigned db_lfu_counter(const kv *e) {
    unsigned ldt = e->lru >> 8, counter = e->lru & 255;
    unsigned periods = cfg.lfu_decay_time ? lfu_elapsed(ldt) / (unsigned)cfg.lfu_decay_time : 0;
    if (periods) counter = periods > counter ? 0 : counter - periods;
    return counter;
}

static unsigned lfu_log_incr(unsigned counter) {
    if (counter == 255) return 255;
    double r = (double)(util_rand64() >> 11) / (double)(1ULL << 53);
    double base = (double)counter - LFU_INIT_VAL;
    if (base < 0) base = 0;
    double p = 1.0 / (base * cfg.lfu_log_factor + 1);
    return r < p ? counter + 1 : counter;
}

/* While a fork child (BGSAVE, AOF rewrite, a full sync) shares the
 * parent's pages, an access is not recorded (Redis's hasActiveChildProcess()
 * check in lookupKey): the write would copy the page of every key read. */
static bool access_frozen;

void db_freeze_access(bool frozen) { access_frozen = frozen; }

static const kv *skip_once;

void db_skip_access_once(const kv *e) { skip_once = e; }

static void touch_entry(kv *e) {
    if (access_frozen) return;
    if (e == skip_once) {
        skip_once = NULL;
        return;
    }
    if (db_policy_is_lfu()) {
        unsigned counter = lfu_log_incr(db_lfu_counter(e));
        e->lru = (lfu_minutes() << 8) | counter;
    } else {
        e->lru = srv.lruclock;
    }
}

static void init_access(kv *e) {
    if (db_policy_is_lfu()) e->lru = (lfu_minutes() << 8) | LFU_INIT_VAL;
    else e->lru = srv.lruclock;
}

unsigned long long db_idle_seconds(const kv *e) {
    uint32_t now = srv.lruclock, then = e->lru;
    return now >= then ? now - then : now + (LRU_CLOCK_MAX - then);
}

bool db_set_access(kv *e, long long lfu_freq, long long lru_idle) {
    if (db_policy_is_lfu()) {
        if (lfu_freq < 0) return false;
        e->lru = (lfu_minutes() << 8) | (unsigned)(lfu_freq > 255 ? 255 : lfu_freq);
        return true;
    }
    if (lru_idle < 0) return false;
    long long clock = srv.lruclock, abs_time = clock - lru_idle;
    /* Underflow of the wrapping clock: as Redis, settle half-way round. */
    if (abs_time < 0) abs_time = (clock + LRU_CLOCK_MAX / 2) % LRU_CLOCK_MAX;
    e->lru = (uint32_t)abs_time;
    return true;
}

/* ---- Lookup ---- */

bool db_writes_paused(void) {
    return srv.pause_type != PAUSE_NONE && srv.pause_end_ms > srv.mstime;
}

bool db_key_is_expired(const kv *e) {
    if (!kv_has_expire(e) || srv.loading) return false;
    /* A replica applies its master's stream as the master saw the keys:
     * the DEL of an expired key must find it (Redis's expireIfNeeded). */
    if (srv.is_replica && srv.current && (srv.current->flags & CLIENT_MASTER)) return false;
    return kv_expire(e) <= srv.mstime;
}

void db_expire_now(db *d, kv *e) {
    size_t klen;
    const char *k = kv_key(e, &klen);
    /* Copy the key: deleting frees the entry that holds it. */
    char small[128];
    char *key = klen <= sizeof(small) ? small : mem_alloc(klen);
    memcpy(key, k, klen);
    db_delete(d, key, klen);
    srv.stat_expiredkeys++;
    propagate_deletion(d->id, key, klen);
    db_notify(NOTIFY_EXPIRED, "expired", key, klen, d->id);
    db_signal_removed(d, key, klen);
    if (key != small) mem_free(key);
}

bool db_delete_propagate(db *d, const char *key, size_t klen) {
    if (!db_delete(d, key, klen)) return false;
    propagate_del(d->id, key, klen);
    db_signal_modified(d, key, klen);
    db_notify(NOTIFY_GENERIC, "del", key, klen, d->id);
    srv.dirty++;
    return true;
}

/* Returns the live entry or NULL; expired keys are deleted on a master,
 * and on a writable replica by its own clients' writes (Redis 7.0's
 * EXPIRE_FORCE_DELETE_EXPIRED): the write then starts from no key. */
static kv *lookup(db *d, const char *key, size_t klen, bool write) {
    uint64_t h = key_hash(key, klen);
    kv *e = dict_find_h(d->keys, key, klen, h);
    if (e == NULL) {
        record_miss(key, klen, h);
        return NULL;
    }
    if (!db_key_is_expired(e)) return e;
    record_miss(key, klen, h); /* gone, or hidden: an add replaces it */
    /* CLIENT PAUSE (WRITE or ALL) holds deletions too: the key is hidden,
     * deleted (and the DEL propagated) once the pause ends, as Redis 7.0. */
    if (db_writes_paused()) return NULL;
    if (!srv.is_replica || (write && written_by_replica_client())) db_expire_now(d, e);
    return NULL;
}

static kv *find_read(db *d, const char *key, size_t klen, bool touch, bool notify) {
    kv *e = lookup(d, key, klen, false);
    if (e) {
        srv.stat_keyspace_hits++;
        if (touch) touch_entry(e);
    } else {
        srv.stat_keyspace_misses++;
        if (notify) db_notify(NOTIFY_KEY_MISS, "keymiss", key, klen, d->id);
    }
    return e;
}

kv *db_find_read(db *d, const char *key, size_t klen) {
    return find_read(d, key, klen, true, true);
}

kv *db_find_read_notouch(db *d, const char *key, size_t klen) {
    return find_read(d, key, klen, false, true);
}

kv *db_find_read_quiet(db *d, const char *key, size_t klen) {
    return find_read(d, key, klen, false, false);
}

kv *db_find_write(db *d, const char *key, size_t klen) {
    kv *e = lookup(d, key, klen, true);
    if (e) touch_entry(e);
    return e;
}

kv *db_find_silent(db *d, const char *key, size_t klen) { return lookup(d, key, klen, false); }

kv *db_find_read_nostats(db *d, const char *key, size_t klen) {
    kv *e = lookup(d, key, klen, false);
    if (e) touch_entry(e);
    return e;
}

kv *db_find_raw(db *d, const char *key, size_t klen) { return dict_find(d->keys, key, klen); }

uint64_t db_prefetch(db *d, const char *key, size_t klen) {
    return dict_prefetch(d->keys, key, klen);
}

void db_prefetch_entry(db *d, uint64_t hash) { dict_prefetch_entry(d->keys, hash); }

/* ---- Mutation ---- */

bool db_add_new(db *d, kv *e) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    init_access(e);
    if (dict_add_unique_h(d->keys, e, key, klen, key_hash(key, klen))) return false;
    slot_add(d, e);
    if (kv_has_expire(e)) vol_add(d, e);
    db_notify(NOTIFY_NEW, "new", key, klen, d->id);
    return true;
}

/* db_add() of an entry whose key hashes to h. */
static void add_hashed(db *d, kv *e, uint64_t h) {
    init_access(e);
    if (srv.is_replica && !srv.loading && !(srv.current && (srv.current->flags & CLIENT_MASTER))) {
        /* A replica keeps logically expired keys (until its master's DEL)
         * but reads don't see them, so a writable replica's client can add
         * a key that is still in the table: the new one replaces it. Our
         * master's commands see those keys (db_key_is_expired), so the
         * stream needs no such lookup. */
        size_t klen;
        const char *key = kv_key(e, &klen);
        db_delete(d, key, klen);
    }
    dict_add_h(d->keys, e, h);
    slot_add(d, e);
    if (kv_has_expire(e)) vol_add(d, e);
    size_t klen;
    const char *key = kv_key(e, &klen);
    db_notify(NOTIFY_NEW, "new", key, klen, d->id);
}

void db_add(db *d, kv *e) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    add_hashed(d, e, entry_key_hash(key, klen));
}

/* Put e in the place of the entry at *slot (same key), which it frees. */
static void replace_at(db *d, dict_link **slot, kv *e, bool keep_ttl) {
    kv *old = (kv *)*slot;
    if (kv_has_expire(old)) {
        if (keep_ttl && !kv_has_expire(e)) {
            e = kv_set_expire(e, kv_expire(old));
            /* Take over the old entry's volatile slot. */
            kv_set_volatile_idx(e, kv_volatile_idx(old));
            d->vol[kv_volatile_idx(e)] = e;
        } else {
            vol_remove(d, old);
            if (kv_has_expire(e)) vol_add(d, e);
        }
    } else if (kv_has_expire(e)) {
        vol_add(d, e);
    }
    /* A new value keeps the key's access frequency under LFU (Redis). */
    if (db_policy_is_lfu()) e->lru = old->lru;
    else init_access(e);
    dict_set_slot(slot, e);
    if (d->slot_keys) ptrset_replace(slot_set(d, old), old, e);
    kv_free(old);
}

/* The slot of e's key (NULL if absent); *h its hash. */
static dict_link **slot_of(db *d, const kv *e, uint64_t *h) {
    size_t klen;
    const char *key = kv_key(e, &klen);
    *h = entry_key_hash(key, klen);
    return dict_find_slot_h(d->keys, key, klen, *h);
}

void db_replace(db *d, kv *e, bool keep_ttl) {
    uint64_t h;
    replace_at(d, slot_of(d, e, &h), e, keep_ttl);
}

/* The slot of a key about to be set, or NULL: Redis's setKey() looks the
 * key up as a write first, so one whose TTL passed goes ("expired", its DEL
 * propagated; the set then adds a new key) and a live one counts an access
 * (the new value keeps its LFU counter). */
static dict_link **slot_to_set(db *d, dict_link **slot, const char *key, size_t klen, uint64_t h,
                               int flags) {
    if (slot == NULL || (flags & DB_SET_LOOKED_UP)) return slot;
    kv *old = (kv *)*slot;
    if (!db_key_is_expired(old)) {
        touch_entry(old);
        return slot;
    }
    lookup(d, key, klen, true);
    return dict_find_slot_h(d->keys, key, klen, h);
}

void db_set(db *d, kv *e, int flags) {
    uint64_t h;
    size_t klen;
    const char *key = kv_key(e, &klen);
    dict_link **slot = slot_of(d, e, &h);
    slot = slot_to_set(d, slot, key, klen, h, flags);
    if (slot) replace_at(d, slot, e, flags & DB_SET_KEEPTTL);
    else add_hashed(d, e, h);
}

void db_set_string(db *d, const char *key, size_t klen, const char *val, size_t vlen, int flags) {
    uint64_t h = key_hash(key, klen);
    dict_link **slot = dict_find_slot_h(d->keys, key, klen, h);
    slot = slot_to_set(d, slot, key, klen, h, flags);
    if (slot == NULL) {
        add_hashed(d, kv_new_string(key, klen, val, vlen), h);
        return;
    }
    bool keep_ttl = flags & DB_SET_KEEPTTL;
    kv *old = (kv *)*slot;
    if ((keep_ttl || !kv_has_expire(old)) && kv_overwrite_string(old, val, vlen)) {
        /* As replace_at(): LFU keeps the key's counter, LRU starts anew. */
        if (!db_policy_is_lfu()) init_access(old);
        return;
    }
    replace_at(d, slot, kv_new_string(key, klen, val, vlen), keep_ttl);
}

kv *db_unlink(db *d, const char *key, size_t klen) {
    kv *e = dict_unlink_h(d->keys, key, klen, key_hash(key, klen), true);
    if (e == NULL) return NULL;
    slot_remove(d, e);
    if (kv_has_expire(e)) vol_remove(d, e);
    return e;
}

void db_move_entry(db *from, const char *key, size_t klen, db *to, const char *newkey,
                   size_t newlen) {
    kv *old = db_unlink(from, key, klen);
    ASSERT(old != NULL);
    uint32_t access = old->lru;
    kv *n = kv_rekey(old, newkey, newlen);
    kv_free_shell(old);
    db_add(to, n);
    n->lru = access;
}

bool db_delete(db *d, const char *key, size_t klen) {
    kv *e = db_unlink(d, key, klen);
    if (e == NULL) return false;
    kv_free(e);
    return true;
}

kv *db_set_expire(db *d, kv *e, long long when_ms) {
    if (kv_has_expire(e)) return kv_set_expire(e, when_ms); /* in place */
    /* Find the slot while the chain still holds 'e': the entry moves. */
    size_t klen;
    const char *key = kv_key(e, &klen);
    dict_link **slot = dict_find_slot(d->keys, key, klen);
    ASSERT(slot && *slot == &e->link);
    dict_link *next = e->link.next;
    slot_remove(d, e);
    kv *n = kv_set_expire(e, when_ms);
    slot_add(d, n);
    n->link.next = next;
    *slot = &n->link;
    vol_add(d, n);
    return n;
}

kv *db_persist(db *d, kv *e) {
    if (!kv_has_expire(e)) return e;
    size_t klen;
    const char *key = kv_key(e, &klen);
    dict_link **slot = dict_find_slot(d->keys, key, klen);
    ASSERT(slot && *slot == &e->link);
    dict_link *next = e->link.next;
    vol_remove(d, e);
    slot_remove(d, e);
    kv *n = kv_clear_expire(e);
    slot_add(d, n);
    n->link.next = next;
    *slot = &n->link;
    return n;
}

static void empty_progress(void *priv) {
    (void)priv;
    /* Large flushes could serve clients here (Redis does); not yet. */
}

/* What indexes the entries besides the dict: emptied with it. */
static void reset_indexes(db *d) {
    mem_free(d->vol);
    d->vol = NULL;
    d->vol_len = d->vol_cap = 0;
    d->avg_ttl = 0;
    d->expire_cursor = 0;
    if (d->slot_keys)
        for (unsigned i = 0; i < CRC16_SLOTS; i++) ptrset_clear(&d->slot_keys[i]);
}

long long db_empty(db *d) {
    long long n = (long long)dict_len(d->keys);
    dict_clear(d->keys, empty_progress, NULL);
    reset_indexes(d);
    return n;
}

dict *db_detach_keys(db *d) {
    dict *old = d->keys;
    d->keys = dict_new(&keyspace_type);
    reset_indexes(d);
    return old;
}

long long db_empty_all(void) {
    long long n = 0;
    for (int i = 0; i < srv.ndbs; i++) n += db_empty(&srv.dbs[i]);
    return n;
}

void db_swap(int a, int b) {
    db tmp = srv.dbs[a];
    srv.dbs[a] = srv.dbs[b];
    srv.dbs[b] = tmp;
    srv.dbs[a].id = a;
    srv.dbs[b].id = b;
    /* Clients keep their numeric db: refresh their pointers. */
    for (client *c = srv.clients; c; c = c->next) c->db = &srv.dbs[c->dbid];
    seam_db_swapped(a, b);
}

size_t db_size(const db *d) { return dict_len(d->keys); }

/* ---- Signals ---- */

void db_signal_modified(db *d, const char *key, size_t klen) {
    seam_key_modified(d, key, klen, false);
}

void db_signal_removed(db *d, const char *key, size_t klen) {
    seam_key_modified(d, key, klen, true);
}

void db_key_changed(db *d, const slice *key, int type, const char *event, long long dirty) {
    seam_key_modified(d, key->ptr, key->len, false);
    if (event) db_notify(type, event, key->ptr, key->len, d->id);
    srv.dirty += dirty;
}

void db_signal_flushed(int dbid, int other) { seam_db_flushed(dbid, other); }

void db_notify(int type, const char *event, const char *key, size_t klen, int dbid) {
    /* Off by default: don't leave the core for nothing. */
    if (cfg.notify_keyspace_events) seam_keyspace_event(type, event, key, klen, dbid);
}

void db_cron(void) {
    for (int i = 0; i < srv.ndbs; i++) {
        dict *k = srv.dbs[i].keys;
        dict_shrink_if_needed(k);
        if (dict_is_rehashing(k)) dict_rehash_us(k, 1000);
    }
}
