/* dict.c -- intrusive chained hash table with incremental rehashing.
 *
 * Two bucket arrays, as in Redis: while growing or shrinking, each
 * operation moves one bucket from table 0 to table 1, so no single call
 * pays for the whole rehash. Sizes are powers of two; a table grows when it
 * holds as many entries as buckets and shrinks below 1/8 full. Entries carry
 * their own 'next' link (dict_link at offset 0), so the table costs one
 * pointer per bucket and nothing per entry.
 * Scan follows Redis's dictScan: the cursor's bits are incremented from the
 * top, so buckets that split or merge across a resize are visited as a group.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "dict.h"

#include <string.h>

#include "mem.h"
#include "util.h"

#define DICT_INIT_EXP 2
#define DICT_FORCE_RATIO 4

struct dict {
    const dict_type *type;
    dict_link **table[2];
    int8_t exp[2]; /* log2 of bucket count, -1 when the table is empty */
    size_t used[2];
    long rehash_idx; /* -1 when not rehashing */
    int pauses;      /* iterators that forbid rehash steps */
};

static uint8_t hash_seed[16];
static bool resize_allowed = true;

void dict_set_seed(const uint8_t seed[16]) { memcpy(hash_seed, seed, 16); }

uint64_t dict_hash_bytes(const char *key, size_t len) { return util_siphash(key, len, hash_seed); }

uint64_t dict_hash_nocase(const char *key, size_t len) {
    return util_siphash_nocase(key, len, hash_seed);
}

void dict_set_resize_allowed(bool allowed) { resize_allowed = allowed; }

static inline size_t tsize(const dict *d, int t) {
    return d->exp[t] < 0 ? 0 : (size_t)1 << d->exp[t];
}

static inline size_t tmask(const dict *d, int t) { return d->exp[t] < 0 ? 0 : tsize(d, t) - 1; }

static inline bool rehashing(const dict *d) { return d->rehash_idx != -1; }

static inline bool keys_equal(const dict *d, const char *a, size_t alen, const void *entry) {
    size_t blen;
    const char *b = d->type->key_of(entry, &blen);
    if (d->type->key_eq) return d->type->key_eq(a, alen, b, blen);
    return alen == blen && util_mem_eq(a, b, alen);
}

static inline uint64_t hash_entry(const dict *d, const void *entry) {
    size_t len;
    const char *k = d->type->key_of(entry, &len);
    return d->type->hash(k, len);
}

dict *dict_new(const dict_type *type) {
    dict *d = mem_calloc(sizeof(*d));
    d->type = type;
    d->exp[0] = d->exp[1] = -1;
    d->rehash_idx = -1;
    return d;
}

static void free_chain(const dict *d, dict_link *e) {
    while (e) {
        dict_link *next = e->next;
        if (d->type->free_entry) d->type->free_entry(e);
        e = next;
    }
}

void dict_clear(dict *d, void (*progress)(void *), void *priv) {
    for (int t = 0; t < 2; t++) {
        size_t n = tsize(d, t);
        for (size_t i = 0; i < n; i++) {
            if (progress && (i & 65535) == 0) progress(priv);
            free_chain(d, d->table[t][i]);
        }
        mem_free(d->table[t]);
        d->table[t] = NULL;
        d->exp[t] = -1;
        d->used[t] = 0;
    }
    d->rehash_idx = -1;
}

void dict_free(dict *d) {
    if (d == NULL) return;
    dict_clear(d, NULL, NULL);
    mem_free(d);
}

size_t dict_len(const dict *d) { return d->used[0] + d->used[1]; }

size_t dict_buckets(const dict *d) { return tsize(d, 0) + tsize(d, 1); }

size_t dict_overhead(const dict *d) { return sizeof(*d) + dict_buckets(d) * sizeof(dict_link *); }

bool dict_is_rehashing(const dict *d) { return rehashing(d); }

/* Move up to n buckets from table 0 to table 1, visiting at most 10*n empty
 * buckets so one step stays cheap on a sparse table. */
static bool rehash_steps(dict *d, int n) {
    int empty_visits = n * 10;
    if (!rehashing(d)) return false;
    while (n-- && d->used[0] != 0) {
        while (d->table[0][d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0) return true;
        }
        dict_link *e = d->table[0][d->rehash_idx];
        while (e) {
            dict_link *next = e->next;
            size_t h = hash_entry(d, e) & tmask(d, 1);
            e->next = d->table[1][h];
            d->table[1][h] = e;
            d->used[0]--;
            d->used[1]++;
            e = next;
        }
        d->table[0][d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (d->used[0] == 0) {
        mem_free(d->table[0]);
        d->table[0] = d->table[1];
        d->exp[0] = d->exp[1];
        d->used[0] = d->used[1];
        d->table[1] = NULL;
        d->exp[1] = -1;
        d->used[1] = 0;
        d->rehash_idx = -1;
        return false;
    }
    return true;
}

static inline void rehash_step(dict *d) {
    if (d->pauses == 0) rehash_steps(d, 1);
}

bool dict_rehash_us(dict *d, long long us) {
    if (d->pauses) return rehashing(d);
    uint64_t start = util_monotonic_us();
    while (rehash_steps(d, 100)) {
        if ((long long)(util_monotonic_us() - start) > us) return true;
    }
    return false;
}

static int8_t exp_for(size_t n) {
    int8_t e = DICT_INIT_EXP;
    while (((size_t)1 << e) < n && e < 62) e++;
    return e;
}

/* Start a resize to a table of at least n buckets (or finish init). */
static void resize_to(dict *d, size_t n) {
    if (rehashing(d)) return;
    int8_t e = exp_for(n);
    if (e == d->exp[0]) return;
    dict_link **t = mem_calloc(((size_t)1 << e) * sizeof(dict_link *));
    if (d->table[0] == NULL) {
        d->table[0] = t;
        d->exp[0] = e;
        return;
    }
    d->table[1] = t;
    d->exp[1] = e;
    d->rehash_idx = 0;
}

void dict_expand(dict *d, size_t n) {
    if (n > tsize(d, 0)) resize_to(d, n);
}

static void grow_if_needed(dict *d) {
    if (rehashing(d)) return;
    if (d->table[0] == NULL) {
        resize_to(d, (size_t)1 << DICT_INIT_EXP);
        return;
    }
    size_t size = tsize(d, 0);
    if (d->used[0] < size || !(resize_allowed || d->used[0] / size > DICT_FORCE_RATIO)) return;
    if (d->type->expand_allowed &&
        !d->type->expand_allowed(((size_t)1 << exp_for(d->used[0] + 1)) * sizeof(dict_link *),
                                 (double)d->used[0] / (double)size))
        return;
    resize_to(d, d->used[0] + 1);
}

bool dict_shrink_if_needed(dict *d) {
    if (rehashing(d) || !resize_allowed || d->table[0] == NULL) return false;
    size_t size = tsize(d, 0);
    if (size <= ((size_t)1 << DICT_INIT_EXP) || d->used[0] * 8 >= size) return false;
    resize_to(d, d->used[0] ? d->used[0] : 1);
    return rehashing(d);
}

/* The bucket of hash h in table t, or NULL where a lookup would not look
 * (no table, or a bucket of table 0 that rehashing already emptied). */
static dict_link **bucket_of(const dict *d, int t, uint64_t h) {
    if (d->table[t] == NULL) return NULL;
    size_t idx = h & tmask(d, t);
    if (t == 0 && rehashing(d) && (long)idx < d->rehash_idx) return NULL;
    return &d->table[t][idx];
}

/* The slot pointing at the entry with this key (hash h), or NULL; *table
 * is set to the table that holds it. */
static dict_link **find_slot_h(dict *d, const char *key, size_t len, uint64_t h, int *table) {
    for (int t = 0; t < 2; t++) {
        if (d->table[t] == NULL) break;
        dict_link **slot = bucket_of(d, t, h);
        while (slot && *slot) {
            if (keys_equal(d, key, len, *slot)) {
                *table = t;
                return slot;
            }
            slot = &(*slot)->next;
        }
        if (!rehashing(d)) break;
    }
    return NULL;
}

/* With have_h, h is d->type->hash(key, len); without, the hash is
 * computed here (only when the table holds something). */
static dict_link **find_slot(dict *d, const char *key, size_t len, uint64_t h, bool have_h,
                             int *table) {
    if (dict_len(d) == 0) return NULL;
    if (rehashing(d)) rehash_step(d);
    return find_slot_h(d, key, len, have_h ? h : d->type->hash(key, len), table);
}

/* Link e at the head of its bucket (hash h) in the table being filled. */
static void insert_h(dict *d, dict_link *e, uint64_t h) {
    int t = rehashing(d) ? 1 : 0;
    size_t idx = h & tmask(d, t);
    e->next = d->table[t][idx];
    d->table[t][idx] = e;
    d->used[t]++;
}

uint64_t dict_prefetch(const dict *d, const char *key, size_t len) {
    uint64_t h = d->type->hash(key, len);
    for (int t = 0; t < 2; t++) {
        dict_link **b = bucket_of(d, t, h);
        if (b) __builtin_prefetch(b);
    }
    return h;
}

void dict_prefetch_entry(const dict *d, uint64_t h) {
    for (int t = 0; t < 2; t++) {
        dict_link **b = bucket_of(d, t, h);
        if (b && *b) __builtin_prefetch(*b);
    }
}

dict_link **dict_find_slot(dict *d, const char *key, size_t len) {
    int t;
    return find_slot(d, key, len, 0, false, &t);
}

dict_link **dict_find_slot_h(dict *d, const char *key, size_t len, uint64_t h) {
    int t;
    return find_slot(d, key, len, h, true, &t);
}

void *dict_find(dict *d, const char *key, size_t len) {
    int t;
    dict_link **slot = find_slot(d, key, len, 0, false, &t);
    return slot ? *slot : NULL;
}

void *dict_find_h(dict *d, const char *key, size_t len, uint64_t h) {
    int t;
    dict_link **slot = find_slot(d, key, len, h, true, &t);
    return slot ? *slot : NULL;
}

void dict_set_slot(dict_link **slot, void *entry) {
    dict_link *e = entry;
    e->next = (*slot)->next;
    *slot = e;
}

void dict_add(dict *d, void *entry) {
    if (rehashing(d)) rehash_step(d);
    grow_if_needed(d);
    insert_h(d, entry, hash_entry(d, entry));
}

void dict_add_h(dict *d, void *entry, uint64_t h) {
    if (rehashing(d)) rehash_step(d);
    grow_if_needed(d);
    insert_h(d, entry, h);
}

void *dict_add_unique(dict *d, void *entry, const char *key, size_t len) {
    return dict_add_unique_h(d, entry, key, len, d->type->hash(key, len));
}

void *dict_add_unique_h(dict *d, void *entry, const char *key, size_t len, uint64_t h) {
    if (rehashing(d)) rehash_step(d);
    grow_if_needed(d);
    int t;
    dict_link **slot = find_slot_h(d, key, len, h, &t);
    if (slot) return *slot;
    insert_h(d, entry, h);
    return NULL;
}

void *dict_unlink(dict *d, const char *key, size_t len) {
    return dict_unlink_h(d, key, len, 0, false);
}

void *dict_unlink_h(dict *d, const char *key, size_t len, uint64_t h, bool have_h) {
    int t;
    dict_link **slot = find_slot(d, key, len, h, have_h, &t);
    if (slot == NULL) return NULL;
    dict_link *e = *slot;
    *slot = e->next;
    d->used[t]--;
    e->next = NULL;
    return e;
}

bool dict_delete(dict *d, const char *key, size_t len) {
    void *e = dict_unlink(d, key, len);
    if (e == NULL) return false;
    if (d->type->free_entry) d->type->free_entry(e);
    return true;
}

/* ---- Statistics (DEBUG HTSTATS) ---- */

#define STATS_VECTLEN 50

static str *table_stats(const dict *d, int t, str *s) {
    size_t size = tsize(d, t);
    s = str_catfmt(s, "Hash table %d stats (%s):\n", t,
                   t == 0 ? "main hash table" : "rehashing target");
    if (d->used[t] == 0 || size == 0)
        return str_catc(s, "No stats available for empty dictionaries\n");
    size_t chains[STATS_VECTLEN] = {0};
    size_t slots = 0, max_chain = 0, total_chain = 0;
    for (size_t i = 0; i < size; i++) {
        size_t len = 0;
        for (dict_link *e = d->table[t][i]; e; e = e->next) len++;
        chains[len < STATS_VECTLEN ? len : STATS_VECTLEN - 1]++;
        if (len == 0) continue;
        slots++;
        if (len > max_chain) max_chain = len;
        total_chain += len;
    }
    s = str_catfmt(s,
                   " table size: %zu\n number of elements: %zu\n different slots: %zu\n"
                   " max chain length: %zu\n avg chain length (counted): %.02f\n"
                   " avg chain length (computed): %.02f\n Chain length distribution:\n",
                   size, d->used[t], slots, max_chain, (double)((float)total_chain / (float)slots),
                   (double)((float)d->used[t] / (float)slots));
    for (size_t i = 0; i < STATS_VECTLEN - 1; i++) {
        if (chains[i] == 0) continue;
        s = str_catfmt(s, "   %zu: %zu (%.02f%%)\n", i, chains[i],
                       (double)((float)chains[i] / (float)size * 100));
    }
    return s;
}

str *dict_stats(const dict *d, str *s) {
    s = table_stats(d, 0, s);
    if (rehashing(d)) s = table_stats(d, 1, s);
    return s;
}

/* ---- Random sampling ---- */

void *dict_random(dict *d) {
    if (dict_len(d) == 0) return NULL;
    if (rehashing(d)) rehash_step(d);
    dict_link *head = NULL;
    if (rehashing(d)) {
        /* Buckets below rehash_idx in table 0 are empty: skip them. */
        size_t s0 = tsize(d, 0), s1 = tsize(d, 1);
        do {
            size_t i = d->rehash_idx + util_rand64() % (s0 + s1 - d->rehash_idx);
            head = i >= s0 ? d->table[1][i - s0] : d->table[0][i];
        } while (head == NULL);
    } else {
        size_t mask = tmask(d, 0);
        do {
            head = d->table[0][util_rand64() & mask];
        } while (head == NULL);
    }
    size_t n = 0;
    for (dict_link *e = head; e; e = e->next) n++;
    size_t pick = util_rand64() % n;
    while (pick--) head = head->next;
    return head;
}

void *dict_fair_random(dict *d) {
    void *sample[20];
    size_t n = dict_sample(d, sample, 20);
    if (n == 0) return dict_random(d);
    return sample[util_rand64() % n];
}

size_t dict_sample(dict *d, void **out, size_t count) {
    if (count > dict_len(d)) count = dict_len(d);
    if (count == 0) return 0;
    for (size_t i = 0; i < count && rehashing(d); i++) rehash_step(d);
    int tables = rehashing(d) ? 2 : 1;
    size_t mask = tmask(d, 0);
    if (tables == 2 && tmask(d, 1) > mask) mask = tmask(d, 1);
    size_t i = util_rand64() & mask, stored = 0, empty_run = 0, steps = count * 10;
    while (stored < count && steps--) {
        for (int t = 0; t < tables; t++) {
            /* Buckets of table 0 below rehash_idx are empty. */
            if (tables == 2 && t == 0 && i < (size_t)d->rehash_idx) {
                if (i >= tsize(d, 1)) i = (size_t)d->rehash_idx;
                else continue;
            }
            if (i >= tsize(d, t)) continue;
            dict_link *e = d->table[t][i];
            if (e == NULL) {
                /* A long empty stretch: jump somewhere else. */
                if (++empty_run >= 5 && empty_run > count) {
                    i = util_rand64() & mask;
                    empty_run = 0;
                }
                continue;
            }
            empty_run = 0;
            for (; e; e = e->next) {
                out[stored++] = e;
                if (stored == count) break;
            }
            if (stored == count) {
                /* The sample is full inside a chain: the rest of the chain
                 * gets an equal chance (reservoir sampling), so the tail of
                 * a long chain can still be picked. */
                size_t seen = count;
                for (e = e ? e->next : NULL; e; e = e->next) {
                    size_t r = util_rand64() % ++seen;
                    if (r < count) out[r] = e;
                }
                return stored;
            }
        }
        i = (i + 1) & mask;
    }
    return stored;
}

/* ---- Scan ---- */

static unsigned long rev(unsigned long v) {
    unsigned long s = 8 * sizeof(v), mask = ~0UL;
    while ((s >>= 1) > 0) {
        mask ^= (mask << s);
        v = ((v >> s) & mask) | ((v << s) & ~mask);
    }
    return v;
}

static void scan_bucket(dict_link *e, void (*fn)(void *, void *), void *priv) {
    while (e) {
        dict_link *next = e->next;
        fn(priv, e);
        e = next;
    }
}

unsigned long dict_scan(dict *d, unsigned long v, void (*fn)(void *priv, void *entry), void *priv) {
    if (dict_len(d) == 0) return 0;
    d->pauses++;
    if (!rehashing(d)) {
        size_t m0 = tmask(d, 0);
        scan_bucket(d->table[0][v & m0], fn, priv);
        v |= ~m0;
        v = rev(v);
        v++;
        v = rev(v);
    } else {
        int small = 0, big = 1;
        if (tsize(d, 0) > tsize(d, 1)) {
            small = 1;
            big = 0;
        }
        size_t m0 = tmask(d, small), m1 = tmask(d, big);
        scan_bucket(d->table[small][v & m0], fn, priv);
        /* Every bucket of the larger table that expands from this one. */
        do {
            scan_bucket(d->table[big][v & m1], fn, priv);
            v |= ~m1;
            v = rev(v);
            v++;
            v = rev(v);
        } while (v & (m0 ^ m1));
    }
    d->pauses--;
    return v;
}

/* ---- Iteration ---- */

void dict_iter_init(dict_iter *it, dict *d) {
    it->d = d;
    it->table = 0;
    it->idx = -1;
    it->entry = it->next = NULL;
    d->pauses++;
}

void *dict_iter_next(dict_iter *it) {
    dict *d = it->d;
    for (;;) {
        if (it->next) {
            it->entry = it->next;
            it->next = it->entry->next;
            return it->entry;
        }
        it->idx++;
        if ((size_t)it->idx >= tsize(d, it->table)) {
            if (it->table == 0 && rehashing(d)) {
                it->table = 1;
                it->idx = 0;
            } else {
                return NULL;
            }
        }
        if (tsize(d, it->table) == 0) return NULL;
        it->next = d->table[it->table][it->idx];
    }
}

void dict_iter_done(dict_iter *it) {
    if (it->d) it->d->pauses--;
    it->d = NULL;
}
