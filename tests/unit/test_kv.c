/* test_kv.c -- unit tests for kv.c: key, value and expire in one allocation.
 *
 * Encodings must be chosen exactly as Redis 7.0.15 reports them through
 * OBJECT ENCODING after SET (the table below was checked against
 * redis-server). Every relayout (expire on/off, rekey, dup) must keep the
 * key, the value, the LRU field and the expire, and must neither leak nor
 * double-free the value: each test ends with mem_used() back where it
 * started, and the ASan build catches the rest. */
#include "kv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "util.h"
#include "unit.h"

static kv *new_str(const char *key, const char *val) {
    return kv_new_string(key, strlen(key), val, strlen(val));
}

static void check_key(const kv *e, const char *key, size_t klen) {
    size_t len;
    const char *k = kv_key(e, &len);
    ASSERT_MEMEQ(k, len, key, klen);
}

static void check_val(const kv *e, const char *val, size_t vlen) {
    char buf[UTIL_LLSTR_SIZE];
    size_t len = 12345;
    const char *v = kv_str(e, buf, &len);
    ASSERT_MEMEQ(v, len, val, vlen);
    ASSERT_EQ(kv_str_len(e), vlen);
}

/* ---- Encodings ---- */

static void test_encodings_match_redis_set(void) {
    static const struct {
        const char *val;
        const char *enc;
    } cases[] = {
        {"123", "int"},
        {"0", "int"},
        {"-1", "int"},
        {"9223372036854775807", "int"},
        {"-9223372036854775808", "int"},   /* 20 chars: still int */
        {"9223372036854775808", "embstr"}, /* overflows */
        {"-9223372036854775809", "embstr"},
        {"0123", "embstr"}, /* leading zero */
        {"00", "embstr"},
        {"-0", "embstr"},
        {"+1", "embstr"},
        {" 1", "embstr"},
        {"1 ", "embstr"},
        {"1.5", "embstr"},
        {"1e3", "embstr"},
        {"0x10", "embstr"},
        {"12345678901234567890", "embstr"},  /* 20 digits, too big */
        {"123456789012345678901", "embstr"}, /* 21 digits */
        {"", "embstr"},
        {"abc", "embstr"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "embstr"}, /* 44 */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "raw"},   /* 45 */
    };
    size_t base = mem_used();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv *e = new_str("k", cases[i].val);
        if (strcmp(kv_enc_name(e), cases[i].enc) != 0)
            UNIT_FAIL("\"%s\": encoding %s, want %s", cases[i].val, kv_enc_name(e), cases[i].enc);
        ASSERT_EQ(e->type, KV_STRING);
        ASSERT_STREQ(kv_type_name(e), "string");
        ASSERT(!kv_has_expire(e));
        ASSERT_EQ(kv_expire(e), -1);
        check_key(e, "k", 1);
        check_val(e, cases[i].val, strlen(cases[i].val));
        kv_free(e);
    }
    ASSERT_EQ(strlen("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), KV_EMBSTR_MAX);
    ASSERT_EQ(mem_used(), base);
}

static void test_int_values_and_in_place_update(void) {
    kv *e = new_str("counter", "-42");
    ASSERT_EQ(e->enc, KV_ENC_INT);
    ASSERT_EQ(kv_int(e), -42);
    kv_set_int(e, 9223372036854775807LL);
    ASSERT_EQ(kv_int(e), 9223372036854775807LL);
    check_val(e, "9223372036854775807", 19);
    kv_set_int(e, (-9223372036854775807LL - 1));
    check_val(e, "-9223372036854775808", 20);
    check_key(e, "counter", 7);
    kv_free(e);

    kv *n = kv_new_int("n", 1, 7);
    ASSERT_EQ(n->enc, KV_ENC_INT);
    ASSERT_STREQ(kv_enc_name(n), "int");
    check_val(n, "7", 1);
    kv_free(n);
}

static void test_noint_and_raw_constructors(void) {
    kv *e = kv_new_string_noint("k", 1, "123", 3);
    ASSERT_EQ(e->enc, KV_ENC_EMBSTR);
    check_val(e, "123", 3);
    kv_free(e);
    char big[100];
    memset(big, '7', sizeof(big));
    e = kv_new_string_noint("k", 1, big, 45);
    ASSERT_EQ(e->enc, KV_ENC_RAW);
    check_val(e, big, 45);
    kv_free(e);
    /* RAW stays RAW whatever the content (APPEND, SETRANGE results). */
    e = kv_new_raw("k", 1, str_new("5", 1));
    ASSERT_EQ(e->enc, KV_ENC_RAW);
    ASSERT_STREQ(kv_enc_name(e), "raw");
    check_val(e, "5", 1);
    str *s = kv_raw(e);
    ASSERT_EQ(s->len, 1);
    kv_set_raw(e, str_cat(s, "00", 2)); /* grow in place, as APPEND does */
    check_val(e, "500", 3);
    kv_free(e);
}

static void test_str_round_trips_binary_values(void) {
    size_t base = mem_used();
    char val[3000];
    for (size_t i = 0; i < sizeof(val); i++) val[i] = (char)(i * 131 + 7); /* NULs, \r\n */
    size_t lens[] = {0, 1, 2, 20, 21, 43, 44, 45, 46, 255, 256, 3000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        kv *e = kv_new_string("bin", 3, val, lens[i]);
        ASSERT_EQ(e->enc, lens[i] <= KV_EMBSTR_MAX ? KV_ENC_EMBSTR : KV_ENC_RAW);
        check_val(e, val, lens[i]);
        check_key(e, "bin", 3);
        kv_free(e);
    }
    /* Integers of every length print back exactly. */
    for (int i = 0; i < 2000; i++) {
        long long v = (long long)(util_rand64() >> (util_rand64() % 64));
        if (i % 2) v = -v;
        char buf[UTIL_LLSTR_SIZE];
        size_t n = util_ll2str(buf, v);
        kv *e = kv_new_string("i", 1, buf, n);
        ASSERT_EQ(e->enc, KV_ENC_INT);
        ASSERT_EQ(kv_int(e), v);
        check_val(e, buf, n);
        kv_free(e);
    }
    ASSERT_EQ(mem_used(), base);
}

/* ---- Keys ---- */

static void test_long_keys_use_32_bit_length(void) {
    size_t base = mem_used();
    size_t lens[] = {0, 1, 254, 255, 256, 300, 70000};
    char *key = malloc(70000);
    for (size_t i = 0; i < 70000; i++) key[i] = (char)('a' + i % 26);
    key[100] = '\0'; /* keys are binary */
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t kl = lens[i];
        kv *e = kv_new_string(key, kl, "hello", 5);
        ASSERT_EQ((e->flags & KV_KLEN32) != 0, kl > 255);
        check_key(e, key, kl);
        check_val(e, "hello", 5);
        e = kv_set_expire(e, 1700000000000LL);
        ASSERT_EQ((e->flags & KV_KLEN32) != 0, kl > 255);
        check_key(e, key, kl);
        check_val(e, "hello", 5);
        ASSERT_EQ(kv_expire(e), 1700000000000LL);
        kv_free(e);

        e = kv_new_int(key, kl, 99);
        check_key(e, key, kl);
        ASSERT_EQ(kv_int(e), 99);
        kv_free(e);
    }
    free(key);
    ASSERT_EQ(mem_used(), base);
}

/* ---- Expire relayout ---- */

static int list_frees;

static void list_free(void *p, enum kv_enc enc) {
    (void)enc;
    list_frees++;
    mem_free(p);
}

static void *list_dup(const void *p, enum kv_enc enc) {
    (void)enc;
    return mem_memdup(p, 16);
}

/* One entry of each value kind under 'key': 0 INT, 1 EMBSTR (44 bytes),
 * 2 RAW, 3 a list whose payload is 16 heap bytes. */
static kv *make_kind(int kind, const char *key, size_t klen) {
    switch (kind) {
    case 0: return kv_new_string(key, klen, "12345", 5);
    case 1: return kv_new_string(key, klen, "0123456789abcdef0123456789abcdef0123456789ab", 44);
    case 2: return kv_new_string(key, klen, "a value that is long enough to be raw: 123456789", 49);
    default: {
        char *payload = mem_alloc(16);
        memcpy(payload, "list-payload-16b", 16);
        return kv_new_ptr(key, klen, KV_LIST, KV_ENC_QUICKLIST, payload);
    }
    }
}

static void check_kind(const kv *e, int kind) {
    switch (kind) {
    case 0:
        ASSERT_EQ(e->enc, KV_ENC_INT);
        ASSERT_EQ(kv_int(e), 12345);
        break;
    case 1:
        ASSERT_EQ(e->enc, KV_ENC_EMBSTR);
        check_val(e, "0123456789abcdef0123456789abcdef0123456789ab", 44);
        break;
    case 2:
        ASSERT_EQ(e->enc, KV_ENC_RAW);
        check_val(e, "a value that is long enough to be raw: 123456789", 49);
        break;
    default:
        ASSERT_EQ(e->type, KV_LIST);
        ASSERT_EQ(e->enc, KV_ENC_QUICKLIST);
        ASSERT_STREQ(kv_type_name(e), "list");
        ASSERT_STREQ(kv_enc_name(e), "quicklist");
        ASSERT_MEMEQ(kv_ptr(e), 16, "list-payload-16b", 16);
        break;
    }
}

static void test_set_and_clear_expire_keep_key_and_value(void) {
    kv_set_value_free(KV_LIST, list_free);
    size_t base = mem_used();
    list_frees = 0;
    char longkey[300];
    memset(longkey, 'L', sizeof(longkey));
    const char *keys[2] = {"user:1000", longkey};
    size_t klens[2] = {9, sizeof(longkey)};
    for (int kind = 0; kind < 4; kind++) {
        for (int k = 0; k < 2; k++) {
            kv *e = make_kind(kind, keys[k], klens[k]);
            e->lru = 0xABCDE;
            const void *raw_before = e->enc == KV_ENC_RAW ? (void *)kv_raw(e) : NULL;
            size_t size_before = kv_alloc_size(e);
            ASSERT(!kv_has_expire(e));
            ASSERT(kv_clear_expire(e) == e); /* nothing to clear: same entry */

            e = kv_set_expire(e, 1234567890123LL);
            ASSERT(kv_has_expire(e));
            ASSERT_EQ(kv_expire(e), 1234567890123LL);
            ASSERT_EQ(kv_volatile_idx(e), UINT32_MAX); /* not yet indexed */
            ASSERT_EQ(e->lru, 0xABCDE);
            ASSERT(kv_alloc_size(e) >= size_before + 12 - 16);
            check_key(e, keys[k], klens[k]);
            check_kind(e, kind);
            if (raw_before) ASSERT(kv_raw(e) == raw_before); /* moved, not copied */

            kv_set_volatile_idx(e, 42);
            kv *same = kv_set_expire(e, 99); /* update: no relayout */
            ASSERT(same == e);
            ASSERT_EQ(kv_expire(e), 99);
            ASSERT_EQ(kv_volatile_idx(e), 42);
            check_key(e, keys[k], klens[k]);
            check_kind(e, kind);

            e = kv_clear_expire(e);
            ASSERT(!kv_has_expire(e));
            ASSERT_EQ(kv_expire(e), -1);
            ASSERT_EQ(e->lru, 0xABCDE);
            check_key(e, keys[k], klens[k]);
            check_kind(e, kind);
            if (raw_before) ASSERT(kv_raw(e) == raw_before);
            ASSERT_EQ(kv_alloc_size(e), size_before);

            /* Negative and zero expire times are stored as given. */
            e = kv_set_expire(e, 0);
            ASSERT(kv_has_expire(e));
            ASSERT_EQ(kv_expire(e), 0);
            check_kind(e, kind);
            kv_free(e);
        }
    }
    ASSERT_EQ(list_frees, 2); /* the two lists, each freed once */
    ASSERT_EQ(mem_used(), base);
}

/* ---- Rekey and dup ---- */

static void test_rekey_moves_value_and_keeps_expire(void) {
    kv_set_value_free(KV_LIST, list_free);
    size_t base = mem_used();
    list_frees = 0;
    char longkey[400];
    memset(longkey, 'R', sizeof(longkey));
    for (int kind = 0; kind < 4; kind++) {
        for (int ex = 0; ex < 2; ex++) {
            kv *e = make_kind(kind, "old", 3);
            e->lru = 123;
            if (ex) {
                e = kv_set_expire(e, 5000);
                kv_set_volatile_idx(e, 7);
            }
            void *ptr_before = kind >= 2 ? kv_ptr(e) : NULL;
            /* Short to long key and back again. */
            kv *n = kv_rekey(e, longkey, sizeof(longkey));
            kv_free_shell(e); /* the value moved: free only the old shell */
            check_key(n, longkey, sizeof(longkey));
            ASSERT(n->flags & KV_KLEN32);
            check_kind(n, kind);
            ASSERT_EQ(n->lru, 123);
            ASSERT_EQ(kv_has_expire(n), ex);
            ASSERT_EQ(kv_expire(n), ex ? 5000 : -1);
            if (ex) ASSERT_EQ(kv_volatile_idx(n), UINT32_MAX); /* caller re-indexes */
            if (ptr_before) ASSERT(kv_ptr(n) == ptr_before);
            kv *m = kv_rekey(n, "new", 3);
            kv_free_shell(n);
            ASSERT(!(m->flags & KV_KLEN32));
            check_key(m, "new", 3);
            check_kind(m, kind);
            ASSERT_EQ(kv_expire(m), ex ? 5000 : -1);
            kv_free(m);
        }
    }
    ASSERT_EQ(list_frees, 2); /* once per list, never twice */
    ASSERT_EQ(mem_used(), base);
}

static void test_dup_copies_raw_value(void) {
    size_t base = mem_used();
    char val[200];
    memset(val, 'x', sizeof(val));
    val[50] = '\0';
    kv *e = kv_new_string("src", 3, val, sizeof(val));
    ASSERT_EQ(e->enc, KV_ENC_RAW);
    e = kv_set_expire(e, 777);
    e->lru = 55;
    kv *d = kv_dup(e, "dst", 3);
    ASSERT(kv_raw(d) != kv_raw(e)); /* a deep copy */
    check_key(d, "dst", 3);
    check_val(d, val, sizeof(val));
    ASSERT_EQ(kv_expire(d), 777);
    ASSERT_EQ(d->lru, 55);
    /* Changing or freeing the original leaves the copy intact. */
    str *s = kv_raw(e);
    s->buf[0] = 'Z';
    check_val(d, val, sizeof(val));
    kv_free(e);
    check_val(d, val, sizeof(val));
    kv_free(d);

    /* INT and EMBSTR copy their bytes; the copy is independent. */
    kv *i = new_str("a", "100");
    kv *j = kv_dup(i, "b", 1);
    kv_set_int(i, 5);
    ASSERT_EQ(kv_int(j), 100);
    check_key(j, "b", 1);
    kv_free(i);
    kv_free(j);
    kv *em = new_str("a", "embedded");
    kv *em2 = kv_dup(em, "a", 1);
    kv_free(em);
    check_val(em2, "embedded", 8);
    kv_free(em2);
    ASSERT_EQ(mem_used(), base);
}

static void test_dup_uses_collection_callbacks(void) {
    kv_set_value_free(KV_LIST, list_free);
    kv_set_value_dup(KV_LIST, list_dup);
    size_t base = mem_used();
    list_frees = 0;
    kv *e = make_kind(3, "l", 1);
    kv *d = kv_dup(e, "l2", 2);
    ASSERT(kv_ptr(d) != kv_ptr(e));
    check_kind(d, 3);
    kv_free(e);
    check_kind(d, 3);
    ASSERT_EQ(list_frees, 1);
    /* kv_set_ptr swaps the pointer without freeing (the caller owns it). */
    void *old = kv_ptr(d);
    char *fresh = mem_alloc(16);
    memcpy(fresh, "list-payload-16b", 16);
    kv_set_ptr(d, fresh);
    ASSERT(kv_ptr(d) == fresh);
    list_free(old, KV_ENC_QUICKLIST);
    kv_free(d);
    ASSERT_EQ(list_frees, 3);
    ASSERT_EQ(mem_used(), base);
}

/* ---- Memory ---- */

static void test_alloc_size_is_compact(void) {
    /* The design's promise: a 16-byte key with a 16-byte value costs one
     * allocation of at most 48 bytes. */
    kv *e = kv_new_string("0123456789abcdef", 16, "fedcba9876543210", 16);
    ASSERT_EQ(e->enc, KV_ENC_EMBSTR);
    ASSERT(kv_alloc_size(e) <= 48);
    ASSERT(kv_alloc_size(e) >= 16 + 16 + 8);
    kv_free(e);
    kv *i = kv_new_string("0123456789abcdef", 16, "1234567890123456", 16);
    ASSERT_EQ(i->enc, KV_ENC_INT);
    ASSERT(kv_alloc_size(i) <= 48);
    kv_free(i);
    /* RAW values count their string too. */
    char val[1000];
    memset(val, 'v', sizeof(val));
    kv *r = kv_new_string("k", 1, val, sizeof(val));
    ASSERT(kv_alloc_size(r) >= sizeof(val) + mem_usable(r));
    kv_free(r);
}

static void check_value(const kv *e, const char *want) {
    char buf[32];
    size_t len;
    const char *p = kv_str(e, buf, &len);
    ASSERT(len == strlen(want) && memcmp(p, want, len) == 0);
}

static void test_overwrite_string_in_place_only_when_it_fits(void) {
    /* INT over INT. */
    kv *e = kv_new_string("k", 1, "12", 2);
    ASSERT(kv_overwrite_string(e, "-7", 2));
    ASSERT(e->enc == KV_ENC_INT && kv_int(e) == -7);
    ASSERT(!kv_overwrite_string(e, "abc", 3)); /* would be EMBSTR */
    check_value(e, "-7");
    kv_free(e);
    /* EMBSTR over EMBSTR of the same length only. */
    e = kv_new_string("k", 1, "abc", 3);
    ASSERT(kv_overwrite_string(e, "xyz", 3));
    check_value(e, "xyz");
    ASSERT(!kv_overwrite_string(e, "wxyz", 4));
    ASSERT(!kv_overwrite_string(e, "42", 2)); /* would be INT */
    check_value(e, "xyz");
    kv_free(e);
    /* RAW into a buffer that holds it, not one it would leave mostly empty. */
    char big[200];
    memset(big, 'a', sizeof(big));
    e = kv_new_string("key", 3, big, 200);
    ASSERT(e->enc == KV_ENC_RAW);
    memset(big, 'b', sizeof(big));
    ASSERT(kv_overwrite_string(e, big, 150));
    ASSERT(kv_str_len(e) == 150 && kv_raw(e)->buf[149] == 'b' && kv_raw(e)->buf[150] == '\0');
    ASSERT(!kv_overwrite_string(e, big, 60)); /* under half the buffer */
    ASSERT(kv_str_len(e) == 150);
    kv_free(e);
    /* Not a string: never. */
    e = kv_new_ptr("k", 1, KV_LIST, KV_ENC_QUICKLIST, NULL);
    ASSERT(!kv_overwrite_string(e, "1", 1));
    kv_free_shell(e);
}

int main(void) {
    RUN(test_encodings_match_redis_set);
    RUN(test_int_values_and_in_place_update);
    RUN(test_noint_and_raw_constructors);
    RUN(test_str_round_trips_binary_values);
    RUN(test_long_keys_use_32_bit_length);
    RUN(test_set_and_clear_expire_keep_key_and_value);
    RUN(test_rekey_moves_value_and_keeps_expire);
    RUN(test_dup_copies_raw_value);
    RUN(test_dup_uses_collection_callbacks);
    RUN(test_alloc_size_is_compact);
    RUN(test_overwrite_string_in_place_only_when_it_fits);
    return unit_report();
}
