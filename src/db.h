/* db.h -- the keyspace: numbered databases of kv entries, lazy expiry and
 * the one hook through which every modified key is announced. */
#ifndef CASTOR_DB_H
#define CASTOR_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "dict.h"
#include "kv.h"

typedef struct db {
    int id;
    dict *keys;
    kv **vol; /* entries with a TTL; each knows its index here */
    size_t vol_len, vol_cap;
    long long avg_ttl; /* sampled by the active expire cycle, for INFO */
    unsigned long expire_cursor;
    struct ptrset *slot_keys; /* the entries of each cluster slot: db 0 in cluster
                               * mode, else NULL (16384 sets, ptrset.h) */
} db;

/* 'cluster': db 0 counts its keys per cluster slot (cluster-enabled). */
void db_init(int count, bool cluster);
db *db_get(int id); /* NULL if out of range */

/* Lookup */
/* Find a key, hiding (and on a master deleting) it if its TTL passed.
 * Read lookups count keyspace hits/misses. */
kv *db_find_read(db *d, const char *key, size_t klen);
/* As db_find_read, without updating the key's LRU/LFU (EXISTS, TYPE: Redis's LOOKUP_NOTOUCH). */
kv *db_find_read_notouch(db *d, const char *key, size_t klen);
/* As db_find_read_notouch, without the "keymiss" event (OBJECT: Redis's
 * LOOKUP_NOTOUCH|LOOKUP_NONOTIFY). */
kv *db_find_read_quiet(db *d, const char *key, size_t klen);
kv *db_find_write(db *d, const char *key, size_t klen);
/* The live entry or NULL, an expired one deleted as by any lookup, but no
 * access recorded: no hit or miss, no keymiss event, no LRU/LFU touch
 * (SCAN's expiry filter: Redis's expireIfNeeded). */
kv *db_find_silent(db *d, const char *key, size_t klen);
/* A read that records the access but counts no hit or miss and sends no
 * keymiss (Redis's LOOKUP_NOSTATS|LOOKUP_NONOTIFY: serving blocked clients). */
kv *db_find_read_nostats(db *d, const char *key, size_t klen);
/* While a fork child shares our pages, lookups record no access (LRU/LFU):
 * child.c turns it on at the fork and off when the child is gone. */
void db_freeze_access(bool frozen);
/* The next lookup that finds e records no access (then lookups record as
 * usual; NULL cancels): a served blocked client's re-run, whose ready key
 * Redis reads once for all the waiters it serves. */
void db_skip_access_once(const kv *e);
/* Find without expiring or counting (for SCAN's type filter, DEBUG). */
kv *db_find_raw(db *d, const char *key, size_t klen);
/* The hash of a key of the request about to run, computed by its prefetch:
 * lookups of exactly these bytes (same address and length) use it until
 * db_hint_clear(). The caller guarantees the bytes don't change meanwhile
 * (they are in the running client's query buffer). Up to DB_MAX_HINTS. */
#define DB_MAX_HINTS 16
void db_hint_key(const char *key, size_t klen, uint64_t h);
void db_hint_clear(void);
/* CLIENT PAUSE is in force: expired keys are hidden, not deleted (lookups
 * here, the active expiry cycle in server.c). */
bool db_writes_paused(void);
/* Start loading what a lookup of 'key' will touch (see dict_prefetch). */
uint64_t db_prefetch(db *d, const char *key, size_t klen);
void db_prefetch_entry(db *d, uint64_t hash);

/* Mutation: none of these propagate; the calling command does. */
/* Add a new key (must be absent). Takes ownership. */
void db_add(db *d, kv *e);
/* Add e unless its key exists (then nothing changes): false. Loading. */
bool db_add_new(db *d, kv *e);
/* Replace the entry under e's key with e (same key, present), freeing the
 * old one; keeps the old TTL only if keep_ttl. Takes ownership. */
void db_replace(db *d, kv *e, bool keep_ttl);
/* Flags of db_set() and db_set_string(). */
enum {
    DB_SET_KEEPTTL = 1 << 0, /* keep the key's TTL */
    /* The caller has just looked the key up with db_find_write() (SET, for
     * NX/XX: Redis's SETKEY_ALREADY_EXIST / DOESNT_EXIST): not again. */
    DB_SET_LOOKED_UP = 1 << 1,
};
/* Add or replace, as Redis's setKey(): the key is looked up as a write
 * first (one whose TTL passed goes, "expired"; a live one counts an access,
 * whose LRU/LFU the new value keeps); the TTL is dropped unless
 * DB_SET_KEEPTTL. */
void db_set(db *d, kv *e, int flags);
/* db_set() of a string: the value goes into the key's entry when its
 * layout allows (kv_overwrite_string), else a new entry replaces or adds it. */
void db_set_string(db *d, const char *key, size_t klen, const char *val, size_t vlen, int flags);
bool db_delete(db *d, const char *key, size_t klen);
/* Remove and return an entry without freeing it (UNLINK's lazy free). */
kv *db_unlink(db *d, const char *key, size_t klen);
/* Move key's entry in `from` to `newkey` in `to` (RENAME, MOVE): its value,
 * TTL and LRU/LFU go with it, as Redis moves the object. The key must be
 * live in `from` and `newkey` free in `to`. */
void db_move_entry(db *from, const char *key, size_t klen, db *to, const char *newkey,
                   size_t newlen);
/* Set or clear a TTL; returns the (possibly moved) entry. */
kv *db_set_expire(db *d, kv *e, long long when_ms);
kv *db_persist(db *d, kv *e);
/* Remove every key; returns how many there were. */
long long db_empty(db *d);
/* Empty d as db_empty() does, but hand its old keyspace dict, entries and
 * all, to the caller to free (FLUSHDB ASYNC: lazyfree.c). */
dict *db_detach_keys(db *d);
long long db_empty_all(void);
void db_swap(int a, int b);
size_t db_size(const db *d);
size_t db_volatile_count(const db *d);

/* Cluster mode (d->slot_keys): how many keys hash to 'slot', and up to
 * 'max' of them into out[] (borrowed until the next change of d); both
 * cost nothing like a walk of the keyspace. */
size_t db_slot_count(const db *d, unsigned slot);
size_t db_slot_keys(db *d, unsigned slot, kv **out, size_t max);

/* Is this key logically expired now? (replicas hide, masters delete) */
bool db_key_is_expired(const kv *e);
/* Delete an expired key and propagate DEL (master side of expiry). */
void db_expire_now(db *d, kv *e);
/* Delete a key as a command's own effect, as GETDEL does, EXPIRE or GETEX
 * with a time already past, and every STORE command whose result is
 * empty (its destination goes): if the key exists, propagates DEL,
 * signals the key, notifies "del" and counts one change. False if there
 * was no such key (nothing happens). */
bool db_delete_propagate(db *d, const char *key, size_t klen);

/* Called once per changed key: WATCH, blocked clients, notifications. */
void db_signal_modified(db *d, const char *key, size_t klen);
/* The same for a key the server removed (expired, evicted), not a command. */
void db_signal_removed(db *d, const char *key, size_t klen);
/* A command changed 'key' of d: db_signal_modified(), the keyspace event
 * 'event' of class 'type' (NOTIFY_*) unless event is NULL (a change no
 * event reports, as PFCOUNT caching its count), and 'dirty' changes
 * counted. */
void db_key_changed(db *d, const slice *key, int type, const char *event, long long dirty);
/* Before database dbid (-1: all) is emptied, or swapped with 'other'
 * (-1 for none): WATCH of keys that exist on either side fails. */
void db_signal_flushed(int dbid, int other);

/* Keyspace event classes (notify-keyspace-events), Redis's bit values. */
#define NOTIFY_KEYSPACE (1 << 0)  /* K */
#define NOTIFY_KEYEVENT (1 << 1)  /* E */
#define NOTIFY_GENERIC (1 << 2)   /* g */
#define NOTIFY_STRING (1 << 3)    /* $ */
#define NOTIFY_LIST (1 << 4)      /* l */
#define NOTIFY_SET (1 << 5)       /* s */
#define NOTIFY_HASH (1 << 6)      /* h */
#define NOTIFY_ZSET (1 << 7)      /* z */
#define NOTIFY_EXPIRED (1 << 8)   /* x */
#define NOTIFY_EVICTED (1 << 9)   /* e */
#define NOTIFY_STREAM (1 << 10)   /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_LOADED (1 << 12)   /* module only */
#define NOTIFY_MODULE (1 << 13)   /* d */
#define NOTIFY_NEW (1 << 14)      /* n */
#define NOTIFY_ALL                                                                                 \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |       \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* Announce the keyspace event 'event' of class 'type' (NOTIFY_*) for key
 * in database dbid. Leaves the core (pub/sub) only while
 * notify-keyspace-events is on; the class filter is pubsub.c's. */
void db_notify(int type, const char *event, const char *key, size_t klen, int dbid);

/* Access data (LRU/LFU) */
/* Is maxmemory-policy an LFU one (the entries' access data are counters)? */
bool db_policy_is_lfu(void);
/* Would Redis hold this value as one of its shared integers 0..9999
 * (OBJECT REFCOUNT and DEBUG OBJECT say INT_MAX)? Not under an LRU or LFU
 * maxmemory policy. */
bool db_int_is_shared(const kv *e);
/* After maxmemory or maxmemory-policy changed (and at start-up). */
void db_update_int_sharing(void);
/* The LFU counter after decay (OBJECT FREQ). */
unsigned db_lfu_counter(const kv *e);
/* Seconds since the last access, for LRU entries (OBJECT IDLETIME). */
unsigned long long db_idle_seconds(const kv *e);
/* Access data given from outside (RDB IDLE/FREQ opcodes, RESTORE IDLETIME/FREQ),
 * as Redis's objectSetLRUOrLFU: under an LFU policy a freq >= 0 (0..255)
 * becomes the counter; otherwise an idle time >= 0 (seconds) backdates the
 * LRU clock. The other value, or -1, is ignored. Returns true if set. */
bool db_set_access(kv *e, long long lfu_freq, long long lru_idle);

/* Cron of a replica: delete (AOF: propagate DEL) the keys its own clients
 * wrote with a TTL that has passed; its master's keys wait for its DEL. */
void db_expire_replica_keys(void);
/* Cron: rehash a bit and shrink sparse tables. */
void db_cron(void);

#endif
