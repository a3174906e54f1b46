/* test_stream.c -- unit tests for stream.c: IDs, the sorted ID map, and
 * the stream value against a plain model (an array of live IDs) through
 * appends, deletions and trims, walked in both directions after each
 * change; the node check of stream_validate_node() on nodes the value
 * wrote itself (tombstones above later entries after XSETID included) and
 * on damaged copies. */
#include "stream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "unit.h"

static sid mk(uint64_t ms, uint64_t seq) {
    sid id = {ms, seq};
    return id;
}

static void test_id_parse_and_format(void) {
    sid id;
    bool given;
    ASSERT(sid_parse("5-3", 3, &id, 0, true, NULL) && id.ms == 5 && id.seq == 3);
    ASSERT(sid_parse("5", 1, &id, 7, true, NULL) && id.ms == 5 && id.seq == 7);
    ASSERT(sid_parse("5-*", 3, &id, 0, true, &given) && id.ms == 5 && !given);
    ASSERT(!sid_parse("5-*", 3, &id, 0, true, NULL));
    ASSERT(sid_parse("-", 1, &id, 0, false, NULL) && id.ms == 0 && id.seq == 0);
    ASSERT(sid_parse("+", 1, &id, 0, false, NULL) && id.ms == UINT64_MAX);
    ASSERT(!sid_parse("+", 1, &id, 0, true, NULL));
    ASSERT(!sid_parse("1-x", 3, &id, 0, true, NULL));
    ASSERT(!sid_parse("-1", 2, &id, 0, true, NULL));
    ASSERT(!sid_parse("18446744073709551616", 20, &id, 0, true, NULL));
    ASSERT(sid_parse("18446744073709551615-18446744073709551615", 41, &id, 0, true, NULL));
    char buf[SID_STR_SIZE];
    ASSERT_EQ(sid_fmt(buf, &id), 41);
    ASSERT_MEMEQ(buf, 41, "18446744073709551615-18446744073709551615", 41);
    ASSERT(!sid_incr(&id) && id.ms == 0 && id.seq == 0);
    ASSERT(!sid_decr(&id) && id.ms == UINT64_MAX && id.seq == UINT64_MAX);
    id = mk(3, 0);
    ASSERT(sid_decr(&id) && id.ms == 2 && id.seq == UINT64_MAX);
    unsigned char enc[16];
    sid_encode(enc, &id);
    sid back = sid_decode(enc);
    ASSERT(sid_cmp(&back, &id) == 0);
}

static void test_sidmap_ends_and_middle(void) {
    sidmap m = {0};
    for (uint64_t i = 1; i <= 100; i++)
        ASSERT(sidmap_insert(&m, &(sid){i, 0}, (void *)(uintptr_t)i));
    ASSERT(!sidmap_insert(&m, &(sid){50, 0}, NULL));
    for (uint64_t i = 1; i <= 30; i++)
        ASSERT(sidmap_remove(&m, &(sid){i, 0}) == (void *)(uintptr_t)i);
    ASSERT(sidmap_insert(&m, &(sid){1, 5}, (void *)1)); /* into the head gap */
    ASSERT(sidmap_remove(&m, &(sid){60, 0}) == (void *)60);
    ASSERT(sidmap_find(&m, &(sid){60, 0}) == NULL);
    ASSERT_EQ(sidmap_len(&m), 70);
    for (size_t i = 1; i < sidmap_len(&m); i++)
        ASSERT(sid_cmp(&sidmap_at(&m, i - 1)->id, &sidmap_at(&m, i)->id) < 0);
    ASSERT_EQ(sidmap_lower(&m, &(sid){60, 0}), sidmap_lower(&m, &(sid){61, 0}));
    for (uint64_t i = 101; i <= 400; i++) ASSERT(sidmap_insert(&m, &(sid){i, 0}, NULL));
    ASSERT_EQ(sidmap_len(&m), 370);
    sidmap_clear(&m);
}

/* The model: live IDs in order. */
static sid live[4000];
static size_t nlive;

/* Every node passes the check made for outside bytes, in order; returns
 * the greatest live ID it found. */
static sid check_nodes(stream *s) {
    sid top = {0, 0};
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++) {
        sidmap_item *n = sidmap_at(&s->nodes, i);
        int64_t nl;
        ASSERT(stream_validate_node(n->val, lp_bytes(n->val), &n->id, &top, &nl));
    }
    return top;
}

static void check_against_model(stream *s) {
    ASSERT_EQ(s->length, nlive);
    for (int rev = 0; rev < 2; rev++) {
        stream_iter it;
        stream_iter_start(&it, s, NULL, NULL, rev);
        sid id;
        int64_t nf;
        size_t k = 0;
        while (stream_iter_next(&it, &id, &nf)) {
            ASSERT(k < nlive);
            sid want = live[rev ? nlive - 1 - k : k];
            ASSERT(sid_cmp(&id, &want) == 0);
            ASSERT(nf == 1 + (int64_t)(id.seq % 2));
            const char *f, *v;
            size_t flen, vlen;
            stream_iter_field(&it, &f, &flen, &v, &vlen);
            ASSERT(flen == 1 && f[0] == 'a');
            if (nf == 2) stream_iter_field(&it, &f, &flen, &v, &vlen);
            k++;
        }
        ASSERT_EQ(k, nlive);
    }
    sid top = check_nodes(s);
    if (nlive) ASSERT(sid_cmp(&top, &live[nlive - 1]) == 0);
}

static void add(stream *s, uint64_t ms, uint64_t seq, const stream_limits *lim) {
    slice f[2] = {{"a", 1}, {"b", 1}}, v[2] = {{"12", 2}, {"xyz", 3}};
    sid id = mk(ms, seq), got;
    ASSERT_EQ(stream_append(s, f, v, 1 + (long)(seq % 2), &id, true, 0, lim, &got), 0);
    live[nlive++] = got;
}

static void test_append_delete_trim_against_model(void) {
    stream_limits lim = {4096, 7};
    stream *s = stream_new();
    nlive = 0;
    for (uint64_t i = 1; i <= 300; i++) add(s, i / 3 + 1, i, &lim);
    check_against_model(s);
    sid small = mk(1, 0), got;
    slice f = {"a", 1};
    ASSERT_EQ(stream_append(s, &f, &f, 1, &small, true, 0, &lim, &got), -1);
    /* Deletions everywhere, including whole nodes. */
    size_t kept = 0;
    for (size_t i = 0; i < nlive; i++) {
        if (i % 3 == 0 || (i >= 70 && i < 90)) {
            ASSERT(stream_delete(s, &live[i]));
            ASSERT(!stream_delete(s, &live[i]));
        } else {
            live[kept++] = live[i];
        }
    }
    nlive = kept;
    check_against_model(s);
    /* Exact MAXLEN, then MINID, then approximate (whole nodes only). */
    stream_trim_args a = {.strategy = STREAM_TRIM_MAXLEN, .maxlen = 150};
    long long removed = stream_trim(s, &a);
    ASSERT_EQ((size_t)removed + 150, nlive);
    memmove(live, live + removed, 150 * sizeof(sid));
    nlive = 150;
    check_against_model(s);
    a = (stream_trim_args){.strategy = STREAM_TRIM_MINID, .minid = live[20]};
    ASSERT_EQ(stream_trim(s, &a), 20);
    memmove(live, live + 20, (nlive - 20) * sizeof(sid));
    nlive -= 20;
    check_against_model(s);
    a = (stream_trim_args){.strategy = STREAM_TRIM_MAXLEN, .maxlen = 1, .approx = true};
    removed = stream_trim(s, &a);
    ASSERT(removed > 0 && nlive - (size_t)removed >= 1);
    memmove(live, live + removed, (nlive - (size_t)removed) * sizeof(sid));
    nlive -= (size_t)removed;
    check_against_model(s);
    stream *d = stream_dup(s);
    check_against_model(d);
    stream_free(d);
    stream_free(s);
}

/* The first entry at or after start, by a forward iteration. */
static bool first_from(stream *s, const sid *start, sid *out) {
    stream_iter it;
    stream_iter_start(&it, s, start, NULL, false);
    int64_t nf;
    return stream_iter_next(&it, out, &nf);
}

/* Forward reads that go on where the last one stopped jump to the entry
 * it returned (stream->seek): each must still find exactly the model's
 * entry, also after the node's entry count outgrows one byte (the master
 * entry grows), reads that go back, deletions and trims. */
static void test_forward_reads_resume(void) {
    stream_limits lim = {0, 400};
    stream *s = stream_new();
    nlive = 0;
    for (uint64_t i = 1; i <= 100; i++) add(s, 7, 3 * i, &lim); /* gaps between IDs */
    sid got;
    for (size_t k = 0; k < nlive; k++) {
        ASSERT(first_from(s, &live[k], &got) && sid_cmp(&got, &live[k]) == 0);
        sid between = live[k];
        if (sid_decr(&between)) ASSERT(first_from(s, &between, &got) && !sid_cmp(&got, &live[k]));
    }
    ASSERT(s->seek.off > 0);
    for (uint64_t i = 101; i <= 300; i++) add(s, 7, 3 * i, &lim); /* the count takes 2 bytes */
    ASSERT_EQ(sidmap_len(&s->nodes), 1);
    for (size_t k = 99; k < nlive; k += 13)
        ASSERT(first_from(s, &live[k], &got) && sid_cmp(&got, &live[k]) == 0);
    ASSERT(first_from(s, &live[5], &got) && sid_cmp(&got, &live[5]) == 0); /* back */
    ASSERT(first_from(s, &live[290], &got) && sid_cmp(&got, &live[290]) == 0);
    ASSERT(stream_delete(s, &live[291]));
    ASSERT(first_from(s, &live[291], &got) && sid_cmp(&got, &live[292]) == 0);
    ASSERT(first_from(s, &live[200], &got) && sid_cmp(&got, &live[200]) == 0);
    stream_trim_args a = {.strategy = STREAM_TRIM_MINID, .minid = live[250]};
    ASSERT_EQ(stream_trim(s, &a), 250);
    ASSERT(first_from(s, &live[100], &got) && sid_cmp(&got, &live[250]) == 0);
    ASSERT(first_from(s, &live[260], &got) && sid_cmp(&got, &live[260]) == 0);
    /* Emptied, then given a lower last ID (XSETID allows that on an empty
     * stream): the new node has the old one's master ID, other bytes. */
    a = (stream_trim_args){.strategy = STREAM_TRIM_MAXLEN, .maxlen = 0};
    stream_trim(s, &a);
    ASSERT_EQ(s->length, 0);
    s->last_id = mk(1, 0);
    slice f[3] = {{"x", 1}, {"yy", 2}, {"zzz", 3}};
    for (uint64_t i = 1; i <= 300; i++) {
        sid id = mk(7, 3 * i), out; /* from 7-3, the old node's master */
        ASSERT_EQ(stream_append(s, f, f, 3, &id, true, 0, &lim, &out), 0);
    }
    ASSERT(first_from(s, &live[260], &got) && sid_cmp(&got, &live[260]) == 0);
    ASSERT(first_from(s, &live[270], &got) && sid_cmp(&got, &live[270]) == 0);
    stream_free(s);
}

/* Entries of many fields (more than one batch of listpack items), with
 * the master's fields and with others, numbers and strings: each reads
 * back field by field in both directions and every node passes the deep
 * check, which walks the element counts written after each entry. */
static void test_wide_entries_read_back(void) {
    stream_limits lim = {0, 0};
    stream *s = stream_new();
    static const long widths[] = {9, 9, 3, 12, 9, 1, 20};
    char fbuf[20][8], vbuf[20][24];
    slice f[20], v[20];
    for (size_t e = 0; e < sizeof(widths) / sizeof(*widths); e++) {
        long n = widths[e];
        for (long i = 0; i < n; i++) {
            f[i] = slice_of(fbuf[i], (size_t)snprintf(fbuf[i], 8, "f%ld", i));
            if (i % 2)
                v[i] = slice_of(vbuf[i], (size_t)snprintf(vbuf[i], 24, "%ld", -1000 * i - (long)e));
            else v[i] = slice_of(vbuf[i], (size_t)snprintf(vbuf[i], 24, "value-%zu-%ld", e, i));
        }
        sid id = mk(5, e + 1), got;
        ASSERT_EQ(stream_append(s, f, v, n, &id, true, 0, &lim, &got), 0);
    }
    for (int rev = 0; rev < 2; rev++) {
        stream_iter it;
        stream_iter_start(&it, s, NULL, NULL, rev);
        sid id;
        int64_t nf;
        size_t k = 0;
        while (stream_iter_next(&it, &id, &nf)) {
            size_t e = rev ? sizeof(widths) / sizeof(*widths) - 1 - k : k;
            ASSERT_EQ(id.seq, e + 1);
            ASSERT_EQ(nf, widths[e]);
            for (long i = 0; i < nf; i++) {
                const char *fp, *vp;
                size_t flen, vlen;
                char want[24];
                stream_iter_field(&it, &fp, &flen, &vp, &vlen);
                ASSERT_MEMEQ(fp, flen, want, (size_t)snprintf(want, 24, "f%ld", i));
                if (i % 2)
                    ASSERT_MEMEQ(vp, vlen, want,
                                 (size_t)snprintf(want, 24, "%ld", -1000 * i - (long)e));
                else
                    ASSERT_MEMEQ(vp, vlen, want, (size_t)snprintf(want, 24, "value-%zu-%ld", e, i));
            }
            k++;
        }
        ASSERT_EQ(k, sizeof(widths) / sizeof(*widths));
    }
    check_nodes(s);
    stream_free(s);
}

static void test_auto_ids_and_exhaustion(void) {
    stream_limits lim = {0, 0};
    stream *s = stream_new();
    slice f = {"a", 1};
    sid got;
    ASSERT_EQ(stream_append(s, &f, &f, 1, NULL, true, 1000, &lim, &got), 0);
    ASSERT(got.ms == 1000 && got.seq == 0);
    ASSERT_EQ(stream_append(s, &f, &f, 1, NULL, true, 999, &lim, &got), 0);
    ASSERT(got.ms == 1000 && got.seq == 1); /* the clock went back: never the IDs */
    sid id = mk(1000, 0);
    ASSERT_EQ(stream_append(s, &f, &f, 1, &id, false, 0, &lim, &got), 0); /* 1000-* */
    ASSERT(got.ms == 1000 && got.seq == 2);
    id = mk(UINT64_MAX, UINT64_MAX);
    ASSERT_EQ(stream_append(s, &f, &f, 1, &id, true, 0, &lim, &got), 0);
    ASSERT_EQ(stream_append(s, &f, &f, 1, NULL, true, 5, &lim, &got), -1);
    stream_free(s);
}

static void test_groups_consumers_and_pel(void) {
    stream *s = stream_new();
    sid zero = mk(0, 0);
    ASSERT(stream_group_create(s, "b", 1, &zero, -1) != NULL);
    ASSERT(stream_group_create(s, "ab", 2, &zero, -1) != NULL);
    ASSERT(stream_group_create(s, "a", 1, &zero, -1) != NULL);
    ASSERT(stream_group_create(s, "a", 1, &zero, -1) == NULL);
    ASSERT(s->ngroups == 3 && s->groups[0]->name[0] == 'a' && s->groups[0]->namelen == 1);
    ASSERT(s->groups[1]->namelen == 2 && s->groups[2]->name[0] == 'b');
    sgroup *g = stream_group_find(s, "ab", 2);
    sconsumer *c1 = stream_consumer_create(g, "c1", 2, 1),
              *c2 = stream_consumer_create(g, "c2", 2, 1);
    ASSERT(stream_consumer_create(g, "c1", 2, 1) == NULL);
    for (uint64_t i = 1; i <= 10; i++) {
        sconsumer *c = i % 2 ? c1 : c2;
        snack *n = stream_nack_new(c, 5);
        ASSERT(sidmap_insert(&g->pel, &(sid){i, 0}, n));
        ASSERT(sidmap_insert(&c->pel, &(sid){i, 0}, n));
    }
    stream *d = stream_dup(s);
    sgroup *dg = stream_group_find(d, "ab", 2);
    ASSERT(sidmap_len(&dg->pel) == 10 && dg->nconsumers == 2);
    for (size_t i = 0; i < sidmap_len(&dg->pel); i++) {
        snack *n = sidmap_at(&dg->pel, i)->val;
        ASSERT(n->consumer == dg->consumers[i % 2 ? 1 : 0]);
    }
    stream_consumer_delete(g, c1);
    ASSERT(sidmap_len(&g->pel) == 5 && g->nconsumers == 1);
    stream_group_destroy(s, g);
    ASSERT(s->ngroups == 2 && stream_group_find(s, "ab", 2) == NULL);
    stream_free(d);
    stream_free(s);
}

static void test_validate_rejects_damaged_nodes(void) {
    stream_limits lim = {4096, 100};
    stream *s = stream_new();
    nlive = 0;
    for (uint64_t i = 1; i <= 5; i++) add(s, 7, i, &lim);
    sidmap_item *n = sidmap_at(&s->nodes, 0);
    size_t size = lp_bytes(n->val);
    sid top = {0, 0};
    int64_t nl;
    ASSERT(stream_validate_node(n->val, size, &n->id, &top, &nl) && nl == 5);
    ASSERT(sid_cmp(&top, &live[4]) == 0);
    /* Its entries are not above the live IDs of an earlier node. */
    top = live[2];
    ASSERT(!stream_validate_node(n->val, size, &n->id, &top, &nl));
    /* Any single changed byte past the header is caught or still consistent. */
    unsigned char *copy = mem_alloc(size);
    int refused = 0;
    for (size_t i = 6; i < size; i++) {
        for (int delta = 1; delta < 256; delta += 85) {
            memcpy(copy, n->val, size);
            copy[i] = (unsigned char)(copy[i] + delta);
            top = (sid){0, 0};
            if (!stream_validate_node(copy, size, &n->id, &top, &nl)) refused++;
        }
    }
    ASSERT(refused > 0);
    mem_free(copy);
    stream_free(s);
}

/* XSETID may set the last ID back below a deleted entry, down to the last
 * live one (Redis's streamLastValidID); the next append then lands after
 * that tombstone with a smaller ID, even the same ID again. Redis writes
 * such nodes to RDB and loads them: so must the check. */
static void test_tombstones_above_later_entries(void) {
    stream_limits lim = {4096, 4};
    stream *s = stream_new();
    nlive = 0;
    add(s, 8, 3, &lim);
    add(s, 29, 0, &lim);
    ASSERT(stream_delete(s, &live[1]));
    nlive = 1;
    s->last_id = mk(8, 3);
    add(s, 10, 0, &lim);
    add(s, 29, 0, &lim); /* the deleted ID again, now live */
    check_against_model(s);
    ASSERT(stream_delete(s, &live[2]));
    nlive = 2;
    s->last_id = mk(10, 0);
    for (uint64_t i = 1; i <= 6; i++) add(s, 10, i, &lim); /* into new nodes */
    ASSERT(sidmap_len(&s->nodes) >= 2);
    check_against_model(s);
    stream_free(s);
}

int main(void) {
    RUN(test_id_parse_and_format);
    RUN(test_sidmap_ends_and_middle);
    RUN(test_append_delete_trim_against_model);
    RUN(test_forward_reads_resume);
    RUN(test_wide_entries_read_back);
    RUN(test_auto_ids_and_exhaustion);
    RUN(test_groups_consumers_and_pel);
    RUN(test_validate_rejects_damaged_nodes);
    RUN(test_tombstones_above_later_entries);
    return unit_report();
}
