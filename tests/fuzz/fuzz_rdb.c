/* fuzz_rdb.c -- libFuzzer target for the RDB loader: whole files through
 * rdb_load_rio() and single values through rdb_restore_value() (RESTORE).
 *
 * The first input byte picks the mode:
 *   bit 0   the rest is a RESTORE payload (type byte, value, footer), else
 *           an RDB file read from a memory rio into emptied databases;
 *   bit 1   load as a replica (expired keys are kept, not skipped);
 *   bit 2   tiny encoding thresholds (2 entries, 8 bytes), so every
 *           conversion path of the loader runs;
 *   bit 3   (files) overwrite the last 8 bytes with the CRC-64 of the rest,
 *           so that mutated files reach the end and the round trip;
 *   bit 4   sanitize-dump-payload yes (RESTORE: count the validations).
 * RESTORE payloads go to rdb_restore_value() without their CRC check, so
 * every mutation reaches the deep validation of listpacks, ziplists,
 * zipmaps, intsets and quicklists. Nothing may crash or leak. Whatever is
 * accepted must be usable: every element of every value is read through
 * the types' own iterators (both directions for sorted sets) and the count
 * must match the value's length -- a blob that passed validation with a
 * lying header or entry would fail here or under ASan. When a file loads,
 * the dataset is also saved again and that save must load back; when a
 * value restores, its DUMP must restore too.
 * A stream is walked in both directions (its live entries must number its
 * length) and each group's pending entries must belong to the consumer
 * whose list holds them, and no other.
 * Linked with the core, the RDB format and the value types alone (the
 * Makefile's RDB_ALONE, over seam_none.c); see run-tests.sh.
 * Build and run: see README.md beside this file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crc64.h"
#include "db.h"
#include "dict.h"
#include "kv.h"
#include "log.h"
#include "rdb.h"
#include "server.h"
#include "str.h"
#include "stream.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"
#include "zset.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_rdb: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void init_once(void) {
    static bool done;
    if (done) return;
    done = true;
    server_update_time();
    config_loading_defaults();
    log_open("/dev/null", LOG_WARNING);
    db_init(cfg.databases, false);
    zset_init();
    stream_init();
    hash_init();
    list_init();
    t_set_init();
}

static void set_thresholds(bool tiny) {
    cfg.hash_max_listpack_entries = tiny ? 2 : 512;
    cfg.hash_max_listpack_value = tiny ? 8 : 64;
    cfg.set_max_intset_entries = tiny ? 2 : 512;
    cfg.zset_max_listpack_entries = tiny ? 2 : 128;
    cfg.zset_max_listpack_value = tiny ? 8 : 64;
    cfg.list_max_listpack_size = tiny ? 2 : -2;
    cfg.list_compress_depth = tiny ? 1 : 0;
}

static void count_elem(void *priv, const char *p, size_t len) {
    (void)p;
    (void)len;
    ++*(unsigned long *)priv;
}

static void count_pair(void *priv, const char *f, size_t flen, const char *v, size_t vlen) {
    (void)f;
    (void)flen;
    (void)v;
    (void)vlen;
    ++*(unsigned long *)priv;
}

/* Every entry both ways, every field; the PELs consistent. */
static void walk_stream(stream *s) {
    for (int rev = 0; rev < 2; rev++) {
        stream_iter it;
        stream_iter_start(&it, s, NULL, NULL, rev);
        sid id, prev = {0, 0};
        int64_t nf;
        uint64_t k = 0;
        while (stream_iter_next(&it, &id, &nf)) {
            if (k++) CHECK(rev ? sid_cmp(&id, &prev) < 0 : sid_cmp(&id, &prev) > 0);
            prev = id;
            while (nf--) {
                const char *f, *v;
                size_t flen, vlen;
                stream_iter_field(&it, &f, &flen, &v, &vlen);
            }
        }
        CHECK(k == s->length);
    }
    for (size_t i = 0; i < s->ngroups; i++) {
        sgroup *g = s->groups[i];
        size_t owned = 0;
        for (size_t j = 0; j < g->nconsumers; j++) {
            sconsumer *c = g->consumers[j];
            for (size_t m = 0; m < sidmap_len(&c->pel); m++) {
                sidmap_item *item = sidmap_at(&c->pel, m);
                CHECK(sidmap_find(&g->pel, &item->id) == item->val);
                CHECK(((snack *)item->val)->consumer == c);
                owned++;
            }
        }
        CHECK(owned == sidmap_len(&g->pel));
    }
}

/* Read every element of e's value as the commands would. */
static void walk_value(const kv *e) {
    unsigned long n = 0;
    switch ((enum kv_type)e->type) {
    case KV_STRING: {
        char buf[32];
        size_t len;
        CHECK(kv_str(e, buf, &len) != NULL);
        return;
    }
    case KV_LIST:
        list_foreach(e, count_elem, &n);
        CHECK(n == list_len(e));
        return;
    case KV_HASH:
        hash_foreach(e, count_pair, &n);
        CHECK(n == hash_len(e));
        return;
    case KV_SET:
        t_set_foreach(e, count_elem, &n);
        CHECK(n == t_set_len(e));
        return;
    case KV_ZSET:
        for (int rev = 0; rev < 2; rev++) {
            zset_iter it;
            unsigned long k = 0;
            for (zset_iter_init(&it, e, rev); zset_iter_valid(&it); zset_iter_next(&it), k++) {
                zset_elem el;
                zset_iter_get(&it, &el, true);
            }
            CHECK(k == zset_len(e));
        }
        return;
    case KV_STREAM: walk_stream(kv_ptr(e)); return;
    }
}

/* Walk every loaded key; returns how many there are. */
static long long walk_dataset(void) {
    long long n = 0;
    for (int i = 0; i < srv.ndbs; i++) {
        dict_iter it;
        dict_iter_init(&it, db_get(i)->keys);
        kv *e;
        while ((e = dict_iter_next(&it)) != NULL) {
            (void)rdb_value_size(e);
            walk_value(e);
            n++;
        }
        dict_iter_done(&it);
    }
    return n;
}

static void fuzz_file(const uint8_t *data, size_t size, bool fix_crc) {
    str *err = NULL;
    rdb_info info;
    rdb_info_init(&info);
    rio r;
    rio_init_mem(&r, str_new(data, size));
    if (fix_crc && size >= 8) {
        uint64_t crc = crc64(0, data, size - 8);
        for (int i = 0; i < 8; i++) r.io.mem.buf->buf[size - 8 + i] = (char)(crc >> (8 * i));
    }
    db_empty_all();
    int rc = rdb_load_rio(&r, &info, &err);
    str_free(r.io.mem.buf);
    if (rc == -1) {
        CHECK(err != NULL);
        str_free(err);
        db_empty_all();
        return;
    }
    long long keys = walk_dataset();
    /* What loaded must save, and the save must load to the same count. */
    rio w;
    rio_init_mem(&w, NULL);
    CHECK(rdb_save_rio(&w, &info, &err) == 0);
    db_empty_all();
    /* Reload as a replica: a key whose TTL ran out meanwhile still counts. */
    bool was_replica = srv.is_replica;
    srv.is_replica = true;
    rio back;
    rio_init_mem(&back, w.io.mem.buf);
    rdb_info again;
    rdb_info_init(&again);
    rc = rdb_load_rio(&back, &again, &err);
    if (rc == -1) fprintf(stderr, "fuzz_rdb: reload failed: %s\n", err->buf);
    CHECK(rc == 0);
    srv.is_replica = was_replica;
    CHECK(walk_dataset() == keys);
    str_free(back.io.mem.buf);
    db_empty_all();
}

static void fuzz_restore(const uint8_t *data, size_t size, bool counted) {
    str *err = NULL;
    long long before = srv.stat_dump_payload_sanitizations;
    kv *e = rdb_restore_value("key", 3, (const char *)data, size, counted, &err);
    if (!counted) CHECK(srv.stat_dump_payload_sanitizations == before);
    if (e == NULL) {
        CHECK(err != NULL);
        str_free(err);
        return;
    }
    (void)rdb_value_size(e);
    walk_value(e);
    str *payload = rdb_dump_value(e);
    CHECK(rdb_verify_payload(payload->buf, payload->len, &err));
    kv *again = rdb_restore_value("key", 3, payload->buf, payload->len, false, &err);
    if (again == NULL) fprintf(stderr, "fuzz_rdb: re-restore failed: %s\n", err->buf);
    CHECK(again != NULL);
    CHECK(again->type == e->type);
    kv_free(again);
    kv_free(e);
    str_free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    init_once();
    if (size < 1) return 0;
    uint8_t mode = data[0];
    srv.is_replica = mode & 2;
    set_thresholds(mode & 4);
    cfg.sanitize_dump_payload = (mode & 16) ? SANITIZE_DUMP_YES : SANITIZE_DUMP_NO;
    if (mode & 1) fuzz_restore(data + 1, size - 1, mode & 16);
    else fuzz_file(data + 1, size - 1, mode & 8);
    return 0;
}
