/* test_dict.c -- unit tests for dict.c: the intrusive hash table with
 * incremental rehashing.
 *
 * Every test checks the table against a plain model (an array of "is this
 * id present" flags), so a lost, duplicated or misplaced entry shows up as a
 * disagreement, not only as a crash. The SCAN tests are the strongest: they
 * resize the table between cursor calls in both directions, stop in the
 * middle of rehashes, and require every entry present for the whole scan to
 * have been reported at least once (Redis's dictScan guarantee). */
#include "dict.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

/* ---- A tiny entry type ---- */

#define ENT_MAGIC 0x5eed1e55u

typedef struct ent {
    dict_link link;
    uint32_t magic; /* cleared on free: a reported freed entry is caught */
    long id;
    long val;
    size_t klen;
    char key[24];
} ent;

static long entries_freed;

static const char *ent_key(const void *entry, size_t *len) {
    const ent *e = entry;
    *len = e->klen;
    return e->key;
}

static void ent_free(void *entry) {
    ent *e = entry;
    e->magic = 0;
    entries_freed++;
    mem_free(e);
}

static uint64_t hash_default(const char *key, size_t len) { return dict_hash_bytes(key, len); }

/* A deliberately bad hash: 8 distinct values, so chains get long and many
 * entries share buckets across every table size. */
static uint64_t hash_poor(const char *key, size_t len) { return dict_hash_bytes(key, len) & 7; }

static const dict_type ent_type = {
    .hash = hash_default, .key_of = ent_key, .key_eq = NULL, .free_entry = ent_free};
static const dict_type poor_type = {
    .hash = hash_poor, .key_of = ent_key, .key_eq = NULL, .free_entry = ent_free};

static size_t key_for(long id, char *buf) { return (size_t)snprintf(buf, 24, "key:%ld", id); }

static ent *ent_new(long id, long val) {
    ent *e = mem_alloc(sizeof(*e));
    e->link.next = NULL;
    e->magic = ENT_MAGIC;
    e->id = id;
    e->val = val;
    e->klen = key_for(id, e->key);
    return e;
}

static ent *find_id(dict *d, long id) {
    char k[24];
    size_t n = key_for(id, k);
    return dict_find(d, k, n);
}

static bool delete_id(dict *d, long id) {
    char k[24];
    size_t n = key_for(id, k);
    return dict_delete(d, k, n);
}

/* A single incremental rehash step: lookups move one bucket. */
static void rehash_one_step(dict *d) { (void)dict_find(d, "no-such-key", 11); }

static void rehash_all(dict *d) {
    while (dict_rehash_us(d, 1000000)) {
    }
    ASSERT(!dict_is_rehashing(d));
}

static uint64_t rng_state;

static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }

/* splitmix64: deterministic, so a failing run can be repeated. */
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool is_pow2(size_t n) { return n && (n & (n - 1)) == 0; }

/* Check d against the model: exactly the ids with present[id] set are
 * findable, each with its own id, and dict_len agrees. */
static void check_model(dict *d, const unsigned char *present, long max_id) {
    size_t n = 0;
    for (long id = 0; id < max_id; id++) {
        ent *e = find_id(d, id);
        if (present[id]) {
            if (e == NULL) UNIT_FAIL("id %ld missing", id);
            ASSERT_EQ(e->magic, ENT_MAGIC);
            ASSERT_EQ(e->id, id);
            n++;
        } else if (e != NULL) {
            UNIT_FAIL("id %ld present after delete", id);
        }
    }
    ASSERT_EQ(dict_len(d), n);
}

/* ---- Basics ---- */

static void test_add_find_unlink_delete(void) {
    size_t base = mem_used();
    entries_freed = 0;
    dict *d = dict_new(&ent_type);
    ASSERT_EQ(dict_len(d), 0);
    ASSERT(find_id(d, 1) == NULL);
    ASSERT(!delete_id(d, 1));
    ASSERT(dict_random(d) == NULL);

    ent *a = ent_new(1, 100), *b = ent_new(2, 200), *c = ent_new(3, 300);
    dict_add(d, a);
    dict_add(d, b);
    dict_add(d, c);
    ASSERT_EQ(dict_len(d), 3);
    ASSERT(find_id(d, 1) == a);
    ASSERT(find_id(d, 2) == b);
    ASSERT(find_id(d, 3) == c);
    ASSERT(find_id(d, 4) == NULL);
    /* Same bytes with a different length are a different key. */
    ASSERT(dict_find(d, "key:1", 4) == NULL);
    ASSERT(dict_find(d, "key:10", 6) == NULL);

    ent *u = dict_unlink(d, "key:2", 5);
    ASSERT(u == b);
    ASSERT_EQ(entries_freed, 0); /* unlink hands it back, not freed */
    ASSERT(u->link.next == NULL);
    ASSERT_EQ(dict_len(d), 2);
    ASSERT(find_id(d, 2) == NULL);
    ASSERT(dict_unlink(d, "key:2", 5) == NULL);
    dict_add(d, u); /* an unlinked entry can go back in */
    ASSERT(find_id(d, 2) == b);

    ASSERT(delete_id(d, 1));
    ASSERT_EQ(entries_freed, 1);
    ASSERT(!delete_id(d, 1));
    ASSERT_EQ(dict_len(d), 2);
    ASSERT(find_id(d, 3) == c);

    dict_free(d);
    ASSERT_EQ(entries_freed, 3);
    dict_free(NULL);
    ASSERT_EQ(mem_used(), base);
}

static bool key_eq_nocase(const char *a, size_t alen, const char *b, size_t blen) {
    if (alen != blen) return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return false;
    }
    return true;
}

/* dict_add_unique adds once, then returns the entry already there, also
 * through growth and rehashing and with colliding hashes. */
static void test_add_unique(void) {
    const dict_type *types[] = {&ent_type, &poor_type};
    for (int ti = 0; ti < 2; ti++) {
        entries_freed = 0;
        dict *d = dict_new(types[ti]);
        for (long id = 0; id < 2000; id++) {
            char k[24];
            size_t kl = key_for(id, k);
            ent *e = ent_new(id, id);
            ASSERT(dict_add_unique(d, e, k, kl) == NULL);
            if (id % 7 == 0) {
                long again = id / 2;
                size_t al = key_for(again, k);
                ent *dup = ent_new(again, -1);
                ASSERT(dict_add_unique(d, dup, k, al) == find_id(d, again));
                ent_free(dup);
            }
        }
        ASSERT_EQ(dict_len(d), 2000);
        for (long id = 0; id < 2000; id++) ASSERT(find_id(d, id) && find_id(d, id)->val == id);
        dict_free(d);
    }
}

static void test_custom_key_eq_and_nocase_hash(void) {
    static const dict_type nocase = {.hash = dict_hash_nocase,
                                     .key_of = ent_key,
                                     .key_eq = key_eq_nocase,
                                     .free_entry = ent_free};
    dict *d = dict_new(&nocase);
    ent *e = ent_new(0, 0);
    memcpy(e->key, "GeT", 3);
    e->klen = 3;
    dict_add(d, e);
    ASSERT(dict_find(d, "get", 3) == e);
    ASSERT(dict_find(d, "GET", 3) == e);
    ASSERT(dict_find(d, "gets", 4) == NULL);
    ASSERT_EQ(dict_hash_nocase("AbC", 3), dict_hash_nocase("aBc", 3));
    ASSERT_EQ(dict_hash_nocase("abc", 3), dict_hash_bytes("abc", 3));
    ASSERT(dict_hash_bytes("AbC", 3) != dict_hash_bytes("abc", 3));
    dict_free(d);
}

static void count_call(void *priv) { (*(long *)priv)++; }

static void test_clear_frees_everything_and_table_is_reusable(void) {
    size_t base = mem_used();
    entries_freed = 0;
    dict *d = dict_new(&ent_type);
    for (long id = 0; id < 100000; id++) dict_add(d, ent_new(id, id));
    ASSERT(dict_buckets(d) >= 65536); /* so progress fires more than once */
    long calls = 0;
    dict_clear(d, count_call, &calls);
    ASSERT_EQ(entries_freed, 100000);
    ASSERT(calls >= 2);
    ASSERT_EQ(dict_len(d), 0);
    ASSERT_EQ(dict_buckets(d), 0);
    ASSERT(!dict_is_rehashing(d));
    ASSERT(find_id(d, 5) == NULL);
    dict_add(d, ent_new(5, 5));
    ASSERT(find_id(d, 5) != NULL);
    ASSERT_EQ(dict_len(d), 1);
    dict_free(d);
    ASSERT_EQ(entries_freed, 100001);
    ASSERT_EQ(mem_used(), base);
}

/* ---- Growth and incremental rehash ---- */

/* Insert ids one by one through many table sizes. While a rehash is in
 * progress, interleave lookups, deletes and re-adds, and check the whole
 * table against the model the moment each rehash starts and ends. */
static void grow_through_sizes(const dict_type *type, long n, uint64_t seed) {
    size_t base = mem_used();
    rng_seed(seed);
    unsigned char *present = calloc((size_t)n, 1);
    dict *d = dict_new(type);
    size_t last_buckets = 0;
    int rehash_starts = 0, rehash_ends = 0, sizes_seen = 0;
    long mid_rehash_ops = 0;
    bool was_rehashing = false;
    for (long id = 0; id < n; id++) {
        dict_add(d, ent_new(id, id * 7));
        present[id] = 1;
        bool now = dict_is_rehashing(d);
        if (now) {
            /* Operations mid-rehash: each also moves a bucket. */
            long other = (long)(rng() % (uint64_t)(id + 1));
            ent *e = find_id(d, other);
            ASSERT((e != NULL) == (present[other] != 0));
            if (e) ASSERT_EQ(e->val, other * 7);
            switch (rng() % 4) {
            case 0:
                if (present[other]) {
                    ASSERT(delete_id(d, other));
                    present[other] = 0;
                }
                break;
            case 1:
                if (!present[other]) {
                    dict_add(d, ent_new(other, other * 7));
                    present[other] = 1;
                }
                break;
            default:
                ASSERT(find_id(d, id + n) == NULL); /* absent keys stay absent */
                break;
            }
            mid_rehash_ops++;
        }
        if (now && !was_rehashing) {
            rehash_starts++;
            check_model(d, present, id + 1);
        }
        if (!now && was_rehashing) {
            rehash_ends++;
            check_model(d, present, id + 1);
        }
        if (!now) {
            size_t b = dict_buckets(d);
            ASSERT(is_pow2(b));
            ASSERT(dict_len(d) <= b);  /* load factor at most 1 */
            ASSERT(b >= last_buckets); /* no shrinking on insert */
            if (b != last_buckets) sizes_seen++;
            last_buckets = b;
        }
        was_rehashing = now;
    }
    ASSERT(rehash_starts >= 10);
    ASSERT(rehash_ends >= rehash_starts - 1);
    ASSERT(sizes_seen >= 10);
    ASSERT(mid_rehash_ops > 0);
    check_model(d, present, n);
    rehash_all(d);
    check_model(d, present, n);
    ASSERT(dict_len(d) <= dict_buckets(d));
    dict_free(d);
    free(present);
    ASSERT_EQ(mem_used(), base);
}

static void test_grow_through_many_sizes_with_ops_mid_rehash(void) {
    grow_through_sizes(&ent_type, 40000, 1);
    grow_through_sizes(&ent_type, 5000, 2);
}

static void test_grow_with_long_chains(void) { grow_through_sizes(&poor_type, 3000, 3); }

static void test_expand_presizes_and_rehashes_existing(void) {
    dict *d = dict_new(&ent_type);
    dict_expand(d, 1000);
    ASSERT_EQ(dict_buckets(d), 1024);
    ASSERT(!dict_is_rehashing(d));
    ASSERT(dict_overhead(d) >= 1024 * sizeof(void *));
    for (long id = 0; id < 1000; id++) {
        dict_add(d, ent_new(id, id));
        ASSERT(!dict_is_rehashing(d)); /* pre-sized: never grows */
    }
    ASSERT_EQ(dict_buckets(d), 1024);
    dict_expand(d, 10); /* smaller than now: no-op */
    ASSERT_EQ(dict_buckets(d), 1024);
    dict_expand(d, 5000); /* from a full table: incremental */
    ASSERT(dict_is_rehashing(d));
    ASSERT_EQ(dict_buckets(d), 1024 + 8192);
    unsigned char present[1000];
    memset(present, 1, sizeof(present));
    check_model(d, present, 1000);
    rehash_all(d);
    ASSERT_EQ(dict_buckets(d), 8192);
    check_model(d, present, 1000);
    dict_free(d);
}

static void test_resize_forbidden_grows_only_when_overloaded(void) {
    dict *d = dict_new(&ent_type);
    dict_add(d, ent_new(0, 0));
    ASSERT_EQ(dict_buckets(d), 4);
    dict_set_resize_allowed(false);
    for (long id = 1; id < 12; id++) dict_add(d, ent_new(id, id));
    ASSERT_EQ(dict_buckets(d), 4); /* 3 per bucket: still tolerated */
    for (long id = 12; id < 200; id++) dict_add(d, ent_new(id, id));
    ASSERT(dict_buckets(d) > 4); /* 50 per bucket: forced to grow */
    for (long id = 0; id < 190; id++) ASSERT(delete_id(d, id));
    rehash_all(d);
    size_t b = dict_buckets(d);
    ASSERT(!dict_shrink_if_needed(d)); /* shrinking is never forced */
    ASSERT_EQ(dict_buckets(d), b);
    dict_set_resize_allowed(true);
    ASSERT(dict_shrink_if_needed(d));
    rehash_all(d);
    ASSERT(dict_buckets(d) < b);
    unsigned char present[200] = {0};
    memset(present + 190, 1, 10);
    check_model(d, present, 200);
    dict_free(d);
}

/* ---- Slot replacement ---- */

/* Replace every entry with a fresh allocation through find_slot/set_slot,
 * as db.c does when an entry is reallocated. */
static void replace_all_through_slots(const dict_type *type, long n, bool mid_rehash) {
    size_t base = mem_used();
    entries_freed = 0;
    dict *d = dict_new(type);
    long added = 0;
    unsigned char *present = calloc((size_t)n, 1);
    while (added < n) {
        dict_add(d, ent_new(added, added));
        present[added++] = 1;
        if (mid_rehash && added > n / 2 && dict_is_rehashing(d)) break;
    }
    if (mid_rehash) ASSERT(dict_is_rehashing(d));
    size_t len = dict_len(d);
    ASSERT(dict_find_slot(d, "key:-1", 6) == NULL);
    for (long id = 0; id < added; id++) {
        char k[24];
        size_t kl = key_for(id, k);
        dict_link **slot = dict_find_slot(d, k, kl);
        ASSERT(slot != NULL);
        ent *old = (ent *)*slot;
        ASSERT_EQ(old->id, id);
        ent *fresh = ent_new(id, id + 1000000);
        dict_set_slot(slot, fresh);
        ent_free(old);
        ASSERT(dict_find(d, k, kl) == fresh);
        ASSERT_EQ(dict_len(d), len);
    }
    check_model(d, present, added);
    for (long id = 0; id < added; id++) ASSERT_EQ(find_id(d, id)->val, id + 1000000);
    rehash_all(d);
    check_model(d, present, added);
    for (long id = 0; id < added; id++) ASSERT_EQ(find_id(d, id)->val, id + 1000000);
    dict_free(d);
    ASSERT_EQ(entries_freed, 2 * added);
    free(present);
    ASSERT_EQ(mem_used(), base);
}

static void test_find_slot_and_set_slot_replace_in_place(void) {
    replace_all_through_slots(&ent_type, 3000, false);
    replace_all_through_slots(&ent_type, 3000, true);
    replace_all_through_slots(&poor_type, 500, false); /* middle of long chains */
    replace_all_through_slots(&poor_type, 500, true);
}

static void test_find_slot_on_empty_dict(void) {
    dict *d = dict_new(&ent_type);
    ASSERT(dict_find_slot(d, "x", 1) == NULL);
    dict_add(d, ent_new(1, 1));
    ASSERT(delete_id(d, 1));
    ASSERT(dict_find_slot(d, "key:1", 5) == NULL);
    dict_free(d);
}

/* ---- Iteration ---- */

/* Iterate and delete the current entry for every id where del(id); each
 * entry must be returned exactly once. */
static void iterate_deleting(dict *d, long max_id, unsigned char *present, int mod) {
    unsigned char *visits = calloc((size_t)max_id, 1);
    bool rehashing_before = dict_is_rehashing(d);
    dict_iter it;
    dict_iter_init(&it, d);
    ent *e;
    long n = 0;
    while ((e = dict_iter_next(&it)) != NULL) {
        ASSERT_EQ(e->magic, ENT_MAGIC);
        ASSERT(e->id >= 0 && e->id < max_id);
        visits[e->id]++;
        n++;
        long id = e->id;
        if (id % mod == 0) {
            ASSERT(delete_id(d, id)); /* frees e: don't touch it again */
            present[id] = 0;
        }
        /* The iterator pauses rehashing, even though deletes look up keys. */
        ASSERT_EQ(dict_is_rehashing(d), rehashing_before);
    }
    ASSERT(dict_iter_next(&it) == NULL);
    dict_iter_done(&it);
    for (long id = 0; id < max_id; id++) {
        if (visits[id] > 1) UNIT_FAIL("id %ld visited %d times", id, visits[id]);
    }
    long expected = 0;
    for (long id = 0; id < max_id; id++) expected += visits[id];
    ASSERT_EQ(n, expected);
    free(visits);
}

static void test_iteration_deletes_current_entry(void) {
    size_t base = mem_used();
    const long n = 2000;
    unsigned char present[2000];
    memset(present, 1, sizeof(present));
    dict *d = dict_new(&ent_type);
    for (long id = 0; id < n; id++) dict_add(d, ent_new(id, id));
    rehash_all(d);
    iterate_deleting(d, n, present, 2);
    ASSERT_EQ(dict_len(d), n / 2);
    check_model(d, present, n);
    iterate_deleting(d, n, present, 1); /* delete everything */
    ASSERT_EQ(dict_len(d), 0);
    dict_free(d);
    ASSERT_EQ(mem_used(), base);
}

static void test_iteration_mid_rehash_visits_each_entry_once(void) {
    const dict_type *types[2] = {&ent_type, &poor_type};
    for (int t = 0; t < 2; t++) {
        unsigned char present[3000] = {0};
        dict *d = dict_new(types[t]);
        long id = 0;
        /* Stop right after a growth starts, with most entries unmoved. */
        while (id < 3000) {
            dict_add(d, ent_new(id, id));
            present[id++] = 1;
            if (id > 1000 && dict_is_rehashing(d)) break;
        }
        ASSERT(dict_is_rehashing(d));
        /* A full visit first: every entry exactly once. */
        dict_iter it;
        dict_iter_init(&it, d);
        long seen = 0;
        while (dict_iter_next(&it)) seen++;
        dict_iter_done(&it);
        ASSERT_EQ(seen, id);
        ASSERT(dict_is_rehashing(d));
        iterate_deleting(d, id, present, 3);
        check_model(d, present, id);
        /* Rehashing resumes once the iterator is done. */
        rehash_all(d);
        check_model(d, present, id);
        iterate_deleting(d, id, present, 1);
        ASSERT_EQ(dict_len(d), 0);
        dict_free(d);
    }
}

static void test_iteration_of_empty_dict(void) {
    dict *d = dict_new(&ent_type);
    dict_iter it;
    dict_iter_init(&it, d);
    ASSERT(dict_iter_next(&it) == NULL);
    dict_iter_done(&it);
    dict_add(d, ent_new(1, 1));
    dict_iter_init(&it, d);
    ent *e = dict_iter_next(&it);
    ASSERT(e != NULL && e->id == 1);
    ASSERT(dict_iter_next(&it) == NULL);
    dict_iter_done(&it);
    dict_free(d);
}

/* ---- Random sampling ---- */

static void check_random_members(dict *d, long max_id, int draws, bool want_all) {
    unsigned char *hit = calloc((size_t)max_id, 1);
    for (int i = 0; i < draws; i++) {
        ent *e = dict_random(d);
        ASSERT(e != NULL);
        ASSERT_EQ(e->magic, ENT_MAGIC);
        ASSERT(e->id >= 0 && e->id < max_id);
        ASSERT(find_id(d, e->id) == e);
        hit[e->id] = 1;
    }
    if (want_all) {
        for (long id = 0; id < max_id; id++) {
            if (find_id(d, id) && !hit[id]) UNIT_FAIL("id %ld never drawn", id);
        }
    }
    free(hit);
}

static void test_random_returns_members(void) {
    dict *d = dict_new(&ent_type);
    ASSERT(dict_random(d) == NULL);
    dict_add(d, ent_new(7, 7));
    for (int i = 0; i < 20; i++) ASSERT(dict_random(d) == find_id(d, 7));
    ASSERT(delete_id(d, 7));
    ASSERT(dict_random(d) == NULL);

    for (long id = 0; id < 300; id++) dict_add(d, ent_new(id, id));
    rehash_all(d);
    check_random_members(d, 300, 20000, true); /* misses one: p < 1e-25 */
    for (long id = 0; id < 300; id += 2) ASSERT(delete_id(d, id));
    check_random_members(d, 300, 20000, true); /* never a deleted one */
    dict_free(d);
}

/* One bucket for every key: a single long chain. */
static uint64_t hash_one(const char *key, size_t len) {
    (void)key;
    (void)len;
    return 0;
}

static const dict_type one_chain_type = {
    .hash = hash_one, .key_of = ent_key, .key_eq = NULL, .free_entry = ent_free};

/* dict_fair_random() on a chain longer than its sample of 20 still draws
 * every entry, about evenly (the suite's "SRANDMEMBER with a dict containing
 * long chain" and its chi-square bound). */
static void test_fair_random_reaches_the_whole_of_a_long_chain(void) {
    dict *d = dict_new(&one_chain_type);
    for (long id = 0; id < 100; id++) dict_add(d, ent_new(id, id));
    rehash_all(d);
    long counts[100] = {0};
    for (int i = 0; i < 100000; i++) {
        ent *e = dict_fair_random(d);
        ASSERT(e != NULL && e->id >= 0 && e->id < 100);
        counts[e->id]++;
    }
    double chi = 0;
    for (long id = 0; id < 100; id++) {
        if (counts[id] == 0) UNIT_FAIL("id %ld never drawn", id);
        chi += (counts[id] - 1000.0) * (counts[id] - 1000.0) / 1000.0;
    }
    ASSERT(chi < 200); /* df 99: a 1e-5 tail is about 160 */
    dict_free(d);
}

static void test_random_mid_rehash(void) {
    const dict_type *types[2] = {&ent_type, &poor_type};
    for (int t = 0; t < 2; t++) {
        dict *d = dict_new(types[t]);
        long id = 0;
        while (!(id > 200 && dict_is_rehashing(d))) {
            dict_add(d, ent_new(id, id));
            id++;
        }
        /* Each draw also steps the rehash, so this covers every stage. */
        int draws_mid = 0;
        while (dict_is_rehashing(d)) {
            check_random_members(d, id, 1, false);
            draws_mid++;
        }
        ASSERT(draws_mid > 0);
        check_random_members(d, id, 200, false);
        /* Shrinking: the small table is the target. */
        for (long i = 0; i < id - 5; i++) ASSERT(delete_id(d, i));
        rehash_all(d);
        ASSERT(dict_shrink_if_needed(d));
        while (dict_is_rehashing(d)) check_random_members(d, id, 1, false);
        check_random_members(d, id, 500, true);
        dict_free(d);
    }
}

/* Prefetching is only a hint: it returns the type's hash, touches no state
 * and is safe with no table, mid-rehash and on absent keys. */
static void test_prefetch_returns_hash_and_changes_nothing(void) {
    char buf[24];
    dict *d = dict_new(&poor_type);
    size_t n = key_for(7, buf);
    ASSERT(dict_prefetch(d, buf, n) == hash_poor(buf, n));
    dict_prefetch_entry(d, hash_poor(buf, n));
    long id = 0;
    while (!(id > 100 && dict_is_rehashing(d))) dict_add(d, ent_new(id, id)), id++;
    for (long i = 0; i < id + 10; i++) {
        n = key_for(i, buf);
        uint64_t h = dict_prefetch(d, buf, n);
        ASSERT(h == hash_poor(buf, n));
        dict_prefetch_entry(d, h);
        ASSERT((dict_find(d, buf, n) != NULL) == (i < id));
    }
    ASSERT_EQ(dict_len(d), id);
    dict_free(d);
}

static void test_sample_returns_live_members(void) {
    dict *d = dict_new(&ent_type);
    void *out[32];
    ASSERT_EQ(dict_sample(d, out, 20), 0);
    for (long id = 0; id < 5; id++) dict_add(d, ent_new(id, id));
    /* No more than the dict holds. */
    size_t n = dict_sample(d, out, 20);
    ASSERT(n <= 5 && n > 0);
    for (long id = 5; id < 3000; id++) dict_add(d, ent_new(id, id));
    /* Mid-rehash and after: every sampled entry is a live member. */
    for (int round = 0; round < 200; round++) {
        n = dict_sample(d, out, 20);
        ASSERT(n > 0 && n <= 20);
        for (size_t i = 0; i < n; i++) ASSERT(find_id(d, ((ent *)out[i])->id) == out[i]);
    }
    rehash_all(d);
    for (long id = 0; id < 3000; id++)
        if (id % 97) ASSERT(delete_id(d, id));
    for (int round = 0; round < 200; round++) {
        n = dict_sample(d, out, 20);
        for (size_t i = 0; i < n; i++) ASSERT_EQ(((ent *)out[i])->id % 97, 0);
    }
    dict_free(d);
}

/* ---- Shrink ---- */

static void test_shrink_after_mass_delete(void) {
    size_t base = mem_used();
    const long n = 8192;
    unsigned char *present = calloc(n, 1);
    dict *d = dict_new(&ent_type);
    for (long id = 0; id < n; id++) {
        dict_add(d, ent_new(id, id));
        present[id] = 1;
    }
    rehash_all(d);
    size_t big = dict_buckets(d);
    ASSERT(big >= (size_t)n);
    ASSERT(!dict_shrink_if_needed(d)); /* full: nothing to do */
    /* Keep 100 scattered entries. */
    for (long id = 0; id < n; id++) {
        if (id % 80 != 0 || id >= 8000) {
            ASSERT(delete_id(d, id));
            present[id] = 0;
        }
    }
    ASSERT_EQ(dict_len(d), 100);
    ASSERT_EQ(dict_buckets(d), big); /* deletes never shrink by themselves */
    ASSERT(dict_shrink_if_needed(d));
    ASSERT(dict_is_rehashing(d));
    ASSERT(!dict_shrink_if_needed(d)); /* one resize at a time */
    /* Work mid-shrink: lookups, deletes and adds while entries move. */
    rng_seed(9);
    while (dict_is_rehashing(d)) {
        long id = (long)(rng() % n);
        ASSERT((find_id(d, id) != NULL) == (present[id] != 0));
        if (rng() % 3 == 0 && present[id] && dict_len(d) > 50) {
            ASSERT(delete_id(d, id));
            present[id] = 0;
        } else if (rng() % 3 == 0 && !present[id] && dict_len(d) < 120) {
            dict_add(d, ent_new(id, id));
            present[id] = 1;
        }
    }
    check_model(d, present, n);
    size_t small = dict_buckets(d);
    ASSERT(is_pow2(small));
    ASSERT(small < big / 8);
    ASSERT(small >= dict_len(d));
    /* Shrink to empty leaves the minimum table, still usable. */
    for (long id = 0; id < n; id++) {
        if (present[id]) {
            ASSERT(delete_id(d, id));
            present[id] = 0;
        }
    }
    ASSERT_EQ(dict_len(d), 0);
    if (dict_shrink_if_needed(d)) rehash_all(d);
    ASSERT_EQ(dict_buckets(d), 4);
    ASSERT(!dict_shrink_if_needed(d)); /* already minimal */
    dict_add(d, ent_new(1, 1));
    ASSERT(find_id(d, 1) != NULL);
    dict_free(d);
    free(present);
    ASSERT_EQ(mem_used(), base);
}

/* ---- SCAN ---- */

typedef struct scan_state {
    unsigned char *seen; /* times each id was reported, saturating */
    long max_id;
    long reported;
    long bad; /* reports of something that is not a live entry */
} scan_state;

static void scan_cb(void *priv, void *entry) {
    scan_state *s = priv;
    ent *e = entry;
    if (e->magic != ENT_MAGIC || e->id < 0 || e->id >= s->max_id) {
        s->bad++;
        return;
    }
    if (s->seen[e->id] < 255) s->seen[e->id]++;
    s->reported++;
}

static void scan_state_init(scan_state *s, long max_id) {
    s->seen = calloc((size_t)max_id, 1);
    s->max_id = max_id;
    s->reported = 0;
    s->bad = 0;
}

/* A whole scan with no changes between calls: each entry exactly once. */
static void scan_stable_exactly_once(dict *d, const unsigned char *present, long max_id) {
    scan_state s;
    scan_state_init(&s, max_id);
    unsigned long cursor = 0;
    long calls = 0;
    do {
        cursor = dict_scan(d, cursor, scan_cb, &s);
        ASSERT(++calls <= (long)dict_buckets(d) + 1);
    } while (cursor != 0);
    ASSERT_EQ(s.bad, 0);
    for (long id = 0; id < max_id; id++) {
        if (s.seen[id] != (present[id] ? 1 : 0))
            UNIT_FAIL("id %ld reported %d times (present %d)", id, s.seen[id], present[id]);
    }
    free(s.seen);
}

static void test_scan_stable_table_reports_each_entry_once(void) {
    dict *d = dict_new(&ent_type);
    scan_state s;
    scan_state_init(&s, 1);
    ASSERT_EQ(dict_scan(d, 0, scan_cb, &s), 0); /* empty */
    ASSERT_EQ(s.reported, 0);
    free(s.seen);
    unsigned char present[5000] = {0};
    for (long id = 0; id < 5000; id++) {
        dict_add(d, ent_new(id, id));
        present[id] = 1;
        /* Scan at a few sizes, including mid-rehash (scan doesn't step it). */
        if (id == 0 || id == 3 || id == 4 || id == 100 || id == 1024 || id == 4999 ||
            (id > 2048 && id < 2100 && dict_is_rehashing(d)))
            scan_stable_exactly_once(d, present, id + 1);
    }
    rehash_all(d);
    scan_stable_exactly_once(d, present, 5000);
    /* Mid-shrink: the small table is table 1 now. */
    for (long id = 100; id < 5000; id++) {
        ASSERT(delete_id(d, id));
        present[id] = 0;
    }
    ASSERT(dict_shrink_if_needed(d));
    for (int i = 0; i < 3; i++) rehash_one_step(d);
    ASSERT(dict_is_rehashing(d));
    scan_stable_exactly_once(d, present, 5000);
    dict_free(d);
}

/* Between two scan calls, the table may change in one of these ways. */
typedef struct churn {
    dict *d;
    unsigned char *present;
    const unsigned char *keep; /* ids that must stay for the whole scan */
    long max_id;
    long next_id;          /* ids below this may have been used */
    int mode;              /* CHURN_GROW, CHURN_SHRINK, CHURN_MIXED */
    size_t stable_buckets; /* table size when last seen not rehashing */
    long grows, shrinks, mid_rehash_calls;
} churn;

enum { CHURN_GROW, CHURN_SHRINK, CHURN_MIXED };

static void churn_add(churn *c, long count) {
    while (count-- > 0 && c->next_id < c->max_id) {
        long id = c->next_id++;
        dict_add(c->d, ent_new(id, id));
        c->present[id] = 1;
    }
}

/* Delete up to 'count' present entries that are not kept, picked at random. */
static void churn_delete(churn *c, long count) {
    for (long tries = 0; count > 0 && tries < count * 8; tries++) {
        long id = (long)(rng() % (uint64_t)c->next_id);
        if (!c->present[id] || c->keep[id]) continue;
        ASSERT(delete_id(c->d, id));
        c->present[id] = 0;
        count--;
    }
}

static void churn_step(churn *c) {
    dict *d = c->d;
    bool was_rehashing = dict_is_rehashing(d);
    int action = c->mode == CHURN_GROW ? 0 : c->mode == CHURN_SHRINK ? 1 : (int)(rng() % 4);
    size_t len = dict_len(d);
    switch (action) {
    case 0: /* grow: up to double the population */ churn_add(c, (long)(rng() % (len + 16))); break;
    case 1: /* shrink: delete some, then shrink if under 1/8 full */
        churn_delete(c, (long)(rng() % (c->mode == CHURN_SHRINK ? len / 32 + 2 : len / 2 + 8)));
        dict_shrink_if_needed(d);
        break;
    case 2: /* a few deletes and adds at once */
        churn_delete(c, (long)(rng() % 32));
        churn_add(c, (long)(rng() % 32));
        break;
    default: /* big jump in size, as after DEBUG RELOAD or a bulk load */
        if (rng() % 2) dict_expand(d, len * 4 + 64);
        else rehash_all(d);
        break;
    }
    /* Leave the table at a random point of any rehash in progress. */
    long steps = (long)(rng() % 4);
    if (rng() % 8 == 0) steps = 1000000;
    for (long i = 0; i < steps && dict_is_rehashing(d); i++) rehash_one_step(d);
    if (dict_is_rehashing(d) || was_rehashing) c->mid_rehash_calls++;
    if (!dict_is_rehashing(d)) {
        size_t now = dict_buckets(d);
        if (now > c->stable_buckets) c->grows++;
        if (now < c->stable_buckets) c->shrinks++;
        c->stable_buckets = now;
    }
}

/* One full scan with churn between every pair of calls. Returns the number
 * of dict_scan calls. */
static long scan_under_churn(churn *c, scan_state *s) {
    unsigned long cursor = 0;
    long calls = 0;
    do {
        cursor = dict_scan(c->d, cursor, scan_cb, s);
        if (++calls > 10000000) UNIT_FAIL("scan did not finish");
        if (cursor != 0) churn_step(c);
    } while (cursor != 0);
    return calls;
}

static void check_kept_were_seen(const churn *c, const scan_state *s) {
    ASSERT_EQ(s->bad, 0);
    for (long id = 0; id < c->max_id; id++) {
        if (c->keep[id] && !s->seen[id])
            UNIT_FAIL("kept id %ld never reported (mode %d, grows %ld, shrinks %ld)", id, c->mode,
                      c->grows, c->shrinks);
        if (s->seen[id] && id >= c->next_id) UNIT_FAIL("id %ld reported before it existed", id);
    }
}

/* Run one scan of a table that starts with 'initial' entries, of which the
 * ids with keep_every dividing them stay for the whole scan. */
static void scan_guarantee(const dict_type *type, int mode, long initial, long max_id,
                           long keep_every, uint64_t seed, long *grows, long *shrinks, long *mid) {
    size_t base = mem_used();
    rng_seed(seed);
    churn c = {0};
    c.d = dict_new(type);
    c.present = calloc((size_t)max_id, 1);
    unsigned char *keep = calloc((size_t)max_id, 1);
    c.keep = keep;
    c.max_id = max_id;
    c.mode = mode;
    churn_add(&c, initial);
    rehash_all(c.d);
    c.stable_buckets = dict_buckets(c.d);
    for (long id = 0; id < initial; id++) keep[id] = (id % keep_every) == 0;
    scan_state s;
    scan_state_init(&s, max_id);
    long calls = scan_under_churn(&c, &s);
    ASSERT(calls > 0);
    check_kept_were_seen(&c, &s);
    /* Kept entries are still there and intact afterwards. */
    for (long id = 0; id < initial; id++) {
        if (keep[id]) ASSERT(find_id(c.d, id) != NULL);
    }
    *grows += c.grows;
    *shrinks += c.shrinks;
    *mid += c.mid_rehash_calls;
    dict_free(c.d);
    free(c.present);
    free(keep);
    free(s.seen);
    ASSERT_EQ(mem_used(), base);
}

static void test_scan_guarantee_while_growing(void) {
    long grows = 0, shrinks = 0, mid = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        /* Start small so the table doubles many times during one scan. */
        scan_guarantee(&ent_type, CHURN_GROW, 16 + (long)seed * 7, 50000, 1, seed, &grows, &shrinks,
                       &mid);
    }
    scan_guarantee(&poor_type, CHURN_GROW, 40, 4000, 1, 99, &grows, &shrinks, &mid);
    ASSERT(grows >= 12 * 5); /* several doublings within each scan */
    ASSERT(mid > 0);
    ASSERT_EQ(shrinks, 0);
}

static void test_scan_guarantee_while_shrinking(void) {
    long grows = 0, shrinks = 0, mid = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        /* Start big and keep few, so the table shrinks (by 8x or more) several
         * times during one scan. */
        long initial = 20000 + (long)seed * 1000;
        scan_guarantee(&ent_type, CHURN_SHRINK, initial, initial, 100 + (long)seed * 40, seed,
                       &grows, &shrinks, &mid);
    }
    scan_guarantee(&poor_type, CHURN_SHRINK, 4000, 4000, 25, 77, &grows, &shrinks, &mid);
    ASSERT(shrinks >= 12 * 2);
    ASSERT(mid > 0);
    ASSERT_EQ(grows, 0);
}

static void test_scan_guarantee_while_growing_and_shrinking(void) {
    long grows = 0, shrinks = 0, mid = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        long initial = (long)(seed * 97 % 3000) + 1;
        bool poor = seed % 5 == 0; /* long chains: keep them short enough to be quick */
        scan_guarantee(poor ? &poor_type : &ent_type, CHURN_MIXED, initial, poor ? 4000 : 20000,
                       1 + (long)(seed % 4), seed + 1000, &grows, &shrinks, &mid);
    }
    ASSERT(grows > 20);
    ASSERT(shrinks > 20);
    ASSERT(mid > 100);
}

int main(void) {
    uint8_t seed[16];
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)(i * 17 + 3);
    dict_set_seed(seed);
    RUN(test_add_find_unlink_delete);
    RUN(test_add_unique);
    RUN(test_custom_key_eq_and_nocase_hash);
    RUN(test_clear_frees_everything_and_table_is_reusable);
    RUN(test_grow_through_many_sizes_with_ops_mid_rehash);
    RUN(test_grow_with_long_chains);
    RUN(test_expand_presizes_and_rehashes_existing);
    RUN(test_resize_forbidden_grows_only_when_overloaded);
    RUN(test_find_slot_and_set_slot_replace_in_place);
    RUN(test_find_slot_on_empty_dict);
    RUN(test_iteration_deletes_current_entry);
    RUN(test_iteration_mid_rehash_visits_each_entry_once);
    RUN(test_iteration_of_empty_dict);
    RUN(test_random_returns_members);
    RUN(test_random_mid_rehash);
    RUN(test_fair_random_reaches_the_whole_of_a_long_chain);
    RUN(test_prefetch_returns_hash_and_changes_nothing);
    RUN(test_sample_returns_live_members);
    RUN(test_shrink_after_mass_delete);
    RUN(test_scan_stable_table_reports_each_entry_once);
    RUN(test_scan_guarantee_while_growing);
    RUN(test_scan_guarantee_while_shrinking);
    RUN(test_scan_guarantee_while_growing_and_shrinking);
    return unit_report();
}
