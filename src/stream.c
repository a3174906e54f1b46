/* stream.c -- the stream value (see stream.h): IDs, the ordered ID maps,
 * appending, iterating, deleting and trimming entries in their node
 * listpacks, consumer groups, consumers and pending entries, and the
 * structural check of node listpacks that come from outside.
 * Spec: Redis 7.0 src/t_stream.c and src/stream.h (node format, trimming,
 * the entries-read and lag arithmetic).
 * Layer 1: no server state.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "listpack.h"
#include "util.h"

#define FLAG_DELETED 1
#define FLAG_SAMEFIELDS 2
#define LISTPACK_MAX_SIZE (1u << 30) /* STREAM_LISTPACK_MAX_SIZE */
#define LISTPACK_PREALLOC 4096       /* STREAM_LISTPACK_MAX_PRE_ALLOCATE */

/* ---- IDs ---- */

bool sid_incr(sid *id) {
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) {
        id->ms = id->seq = 0;
        return false;
    }
    id->ms++;
    id->seq = 0;
    return true;
}

bool sid_decr(sid *id) {
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms == 0) {
        id->ms = id->seq = UINT64_MAX;
        return false;
    }
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

/* The last ms part formatted: XADDs within one millisecond (and the
 * entries a read returns) mostly share it. Per thread, as a plain cache. */
static __thread struct {
    uint64_t ms;
    char digits[24]; /* "ms-", then room for a fixed-size copy */
    size_t len;      /* of "ms-"; 0: empty */
} ms_cache;

size_t sid_fmt(char *buf, const sid *id) {
    if (ms_cache.len == 0 || ms_cache.ms != id->ms) {
        ms_cache.len = util_ull2str(ms_cache.digits, id->ms);
        ms_cache.digits[ms_cache.len++] = '-';
        ms_cache.ms = id->ms;
    }
    /* SID_STR_SIZE leaves room for all 21 bytes of "ms-" at its longest. */
    memcpy(buf, ms_cache.digits, 21);
    size_t n = ms_cache.len;
    return n + util_ull2str(buf + n, id->seq);
}

void sid_encode(unsigned char *buf, const sid *id) {
    for (int i = 0; i < 8; i++) {
        buf[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        buf[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

sid sid_decode(const unsigned char *buf) {
    sid id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.ms = id.ms << 8 | buf[i];
        id.seq = id.seq << 8 | buf[8 + i];
    }
    return id;
}

/* Redis's string2ull: string2ll for non-negative values, else strtoull of
 * the whole string (which takes a leading '+' or spaces). */
static bool parse_u64(const char *s, uint64_t *out) {
    long long ll;
    if (util_str2ll(s, strlen(s), &ll)) {
        if (ll < 0) return false;
        *out = (uint64_t)ll;
        return true;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
    *out = v;
    return true;
}

/* "ms" or "ms-seq" of plain digits, at most 19 each (no overflow): the
 * common form, parsed without the copy and the general rules of
 * sid_parse(), whose result it equals. False: not this form. */
static bool parse_plain(const char *p, size_t len, sid *out, uint64_t missing_seq) {
    uint64_t part[2] = {0, 0};
    int k = 0;
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)((unsigned char)p[i] - '0');
        if (d <= 9) {
            if (++digits > 19) return false;
            part[k] = part[k] * 10 + d;
        } else if (p[i] == '-' && k == 0 && digits) {
            k = 1;
            digits = 0;
        } else {
            return false;
        }
    }
    if (digits == 0) return false;
    out->ms = part[0];
    out->seq = k ? part[1] : missing_seq;
    return true;
}

bool sid_parse(const char *p, size_t len, sid *out, uint64_t missing_seq, bool strict,
               bool *seq_given) {
    if (parse_plain(p, len, out, missing_seq)) {
        if (seq_given) *seq_given = true;
        return true;
    }
    char buf[128];
    if (len > sizeof(buf) - 1) return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    /* A NUL inside the argument ends the C string Redis parses. */
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return false;
    if (seq_given) *seq_given = true;
    if (buf[0] == '-' && buf[1] == '\0') {
        out->ms = out->seq = 0;
        return true;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        out->ms = out->seq = UINT64_MAX;
        return true;
    }
    uint64_t ms, seq;
    char *dash = strchr(buf, '-');
    if (dash) *dash = '\0';
    if (!parse_u64(buf, &ms)) return false;
    if (dash) {
        if (seq_given && dash[1] == '*' && dash[2] == '\0') {
            seq = 0;
            *seq_given = false;
        } else if (!parse_u64(dash + 1, &seq)) {
            return false;
        }
    } else {
        seq = missing_seq;
    }
    out->ms = ms;
    out->seq = seq;
    return true;
}

/* ---- sidmap ---- */

size_t sidmap_lower(const sidmap *m, const sid *id) {
    size_t lo = 0, hi = m->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sid_cmp(&m->items[m->head + mid].id, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void *sidmap_find(const sidmap *m, const sid *id) {
    if (m->len == 0 || sid_cmp(&m->items[m->head + m->len - 1].id, id) < 0) return NULL;
    size_t i = sidmap_lower(m, id);
    if (i < m->len && sid_cmp(&m->items[m->head + i].id, id) == 0) return m->items[m->head + i].val;
    return NULL;
}

/* Room for one more item at the tail. */
static void sidmap_make_room(sidmap *m) {
    if (m->head + m->len < m->cap) return;
    if (m->head > 0 && m->head >= m->len) {
        /* Half or more of the vector is the gap left by head removals. */
        memmove(m->items, m->items + m->head, m->len * sizeof(sidmap_item));
        m->head = 0;
        return;
    }
    m->cap = m->cap ? m->cap * 2 : 4;
    m->items = mem_realloc(m->items, m->cap * sizeof(sidmap_item));
}

bool sidmap_insert(sidmap *m, const sid *id, void *val) {
    /* IDs mostly come in increasing order (new entries, new deliveries):
     * above the last item there is nothing to search. */
    size_t i = m->len && sid_cmp(&m->items[m->head + m->len - 1].id, id) < 0 ? m->len
                                                                             : sidmap_lower(m, id);
    if (i < m->len && sid_cmp(&m->items[m->head + i].id, id) == 0) return false;
    if (i == 0 && m->head > 0) {
        m->head--;
    } else {
        sidmap_make_room(m);
        sidmap_item *at = &m->items[m->head + i];
        memmove(at + 1, at, (m->len - i) * sizeof(sidmap_item));
    }
    m->items[m->head + i].id = *id;
    m->items[m->head + i].val = val;
    m->len++;
    return true;
}

void *sidmap_remove_at(sidmap *m, size_t i) {
    void *val = m->items[m->head + i].val;
    if (i == 0) {
        m->head++;
    } else {
        sidmap_item *at = &m->items[m->head + i];
        memmove(at, at + 1, (m->len - i - 1) * sizeof(sidmap_item));
    }
    m->len--;
    if (m->len == 0) m->head = 0;
    return val;
}

void *sidmap_remove(sidmap *m, const sid *id) {
    /* Mostly the oldest item goes (acknowledged in delivery order). */
    size_t i = m->len && sid_cmp(&m->items[m->head].id, id) == 0 ? 0 : sidmap_lower(m, id);
    if (i < m->len && sid_cmp(&m->items[m->head + i].id, id) == 0) return sidmap_remove_at(m, i);
    return NULL;
}

void sidmap_clear(sidmap *m) {
    mem_free(m->items);
    memset(m, 0, sizeof(*m));
}

size_t sidmap_mem(const sidmap *m) { return m->items ? mem_usable(m->items) : 0; }

/* ---- Listpack helpers ---- */

/* An element that should hold an integer; false if it does not. */
static bool lp_int(const unsigned char *p, int64_t *out) {
    size_t len;
    long long v;
    const unsigned char *s = lp_get(p, &len, &v, NULL);
    if (s == NULL) {
        *out = v;
        return true;
    }
    long long ll;
    if (!util_str2ll((const char *)s, len, &ll)) return false;
    *out = ll;
    return true;
}

/* For listpacks we wrote or validated: the integer, 0 if none. */
static int64_t lp_intv(const unsigned char *p) {
    int64_t v = 0;
    lp_int(p, &v);
    return v;
}

/* The master entry's counters are mostly 7-bit integers: one byte, then a
 * one-byte backlen. These read, step over and bump them without decoding. */
static inline int64_t hdr_int(const unsigned char *p) { return p[0] < 128 ? p[0] : lp_intv(p); }

static inline unsigned char *hdr_next(const unsigned char *lp, unsigned char *p) {
    return p[0] < 128 ? p + 2 : lp_next(lp, p);
}

static unsigned char *lp_set_int(unsigned char *lp, unsigned char **p, int64_t v) {
    return lp_insert_int(lp, v, *p, LP_REPLACE, p);
}

/* ---- Groups and consumers ---- */

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

/* Index of the first group >= name in s->groups. */
static size_t group_pos(const stream *s, const char *name, size_t len) {
    size_t lo = 0, hi = s->ngroups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sgroup *g = s->groups[mid];
        if (name_cmp(g->name, g->namelen, name, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

sgroup *stream_group_find(const stream *s, const char *name, size_t len) {
    size_t i = group_pos(s, name, len);
    if (i < s->ngroups && name_cmp(s->groups[i]->name, s->groups[i]->namelen, name, len) == 0)
        return s->groups[i];
    return NULL;
}

sgroup *stream_group_create(stream *s, const char *name, size_t len, const sid *id,
                            long long entries_read) {
    size_t i = group_pos(s, name, len);
    if (i < s->ngroups && name_cmp(s->groups[i]->name, s->groups[i]->namelen, name, len) == 0)
        return NULL;
    sgroup *g = mem_calloc(sizeof(*g) + len + 1);
    g->last_id = *id;
    g->entries_read = entries_read;
    g->namelen = (uint32_t)len;
    memcpy(g->name, name, len);
    if (s->ngroups == s->groups_cap) {
        s->groups_cap = s->groups_cap ? s->groups_cap * 2 : 2;
        s->groups = mem_realloc(s->groups, s->groups_cap * sizeof(sgroup *));
    }
    memmove(s->groups + i + 1, s->groups + i, (s->ngroups - i) * sizeof(sgroup *));
    s->groups[i] = g;
    s->ngroups++;
    return g;
}

static void consumer_free(sconsumer *c) {
    sidmap_clear(&c->pel);
    mem_free(c);
}

static void group_free(sgroup *g) {
    for (size_t i = 0; i < sidmap_len(&g->pel); i++) mem_free(sidmap_at(&g->pel, i)->val);
    sidmap_clear(&g->pel);
    for (size_t i = 0; i < g->nconsumers; i++) consumer_free(g->consumers[i]);
    mem_free(g->consumers);
    mem_free(g);
}

void stream_group_destroy(stream *s, sgroup *g) {
    size_t i = group_pos(s, g->name, g->namelen);
    ASSERT(i < s->ngroups && s->groups[i] == g);
    memmove(s->groups + i, s->groups + i + 1, (s->ngroups - i - 1) * sizeof(sgroup *));
    s->ngroups--;
    group_free(g);
}

static size_t consumer_pos(const sgroup *g, const char *name, size_t len) {
    size_t lo = 0, hi = g->nconsumers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sconsumer *c = g->consumers[mid];
        if (name_cmp(c->name, c->namelen, name, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

sconsumer *stream_consumer_find(const sgroup *g, const char *name, size_t len) {
    size_t i = consumer_pos(g, name, len);
    if (i < g->nconsumers &&
        name_cmp(g->consumers[i]->name, g->consumers[i]->namelen, name, len) == 0)
        return g->consumers[i];
    return NULL;
}

sconsumer *stream_consumer_create(sgroup *g, const char *name, size_t len, long long now_ms) {
    size_t i = consumer_pos(g, name, len);
    if (i < g->nconsumers &&
        name_cmp(g->consumers[i]->name, g->consumers[i]->namelen, name, len) == 0)
        return NULL;
    sconsumer *c = mem_calloc(sizeof(*c) + len + 1);
    c->seen_time = now_ms;
    c->namelen = (uint32_t)len;
    memcpy(c->name, name, len);
    if (g->nconsumers == g->consumers_cap) {
        g->consumers_cap = g->consumers_cap ? g->consumers_cap * 2 : 2;
        g->consumers = mem_realloc(g->consumers, g->consumers_cap * sizeof(sconsumer *));
    }
    memmove(g->consumers + i + 1, g->consumers + i, (g->nconsumers - i) * sizeof(sconsumer *));
    g->consumers[i] = c;
    g->nconsumers++;
    return c;
}

void stream_consumer_delete(sgroup *g, sconsumer *c) {
    for (size_t i = 0; i < sidmap_len(&c->pel); i++) {
        sidmap_item *it = sidmap_at(&c->pel, i);
        mem_free(sidmap_remove(&g->pel, &it->id));
    }
    size_t i = consumer_pos(g, c->name, c->namelen);
    ASSERT(i < g->nconsumers && g->consumers[i] == c);
    memmove(g->consumers + i, g->consumers + i + 1, (g->nconsumers - i - 1) * sizeof(sconsumer *));
    g->nconsumers--;
    consumer_free(c);
}

snack *stream_nack_new(sconsumer *c, long long now_ms) {
    snack *n = mem_alloc(sizeof(*n));
    n->delivery_time = now_ms;
    n->delivery_count = 1;
    n->consumer = c;
    return n;
}

/* ---- The stream value ---- */

stream *stream_new(void) { return mem_calloc(sizeof(stream)); }

void stream_free(stream *s) {
    if (s == NULL) return;
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++) lp_free(sidmap_at(&s->nodes, i)->val);
    sidmap_clear(&s->nodes);
    for (size_t i = 0; i < s->ngroups; i++) group_free(s->groups[i]);
    mem_free(s->groups);
    mem_free(s);
}

stream *stream_dup(const stream *s) {
    stream *d = stream_new();
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++) {
        sidmap_item *it = sidmap_at(&s->nodes, i);
        sidmap_insert(&d->nodes, &it->id, lp_dup(it->val));
    }
    d->length = s->length;
    d->last_id = s->last_id;
    d->first_id = s->first_id;
    d->max_deleted = s->max_deleted;
    d->entries_added = s->entries_added;
    for (size_t i = 0; i < s->ngroups; i++) {
        const sgroup *g = s->groups[i];
        sgroup *ng = stream_group_create(d, g->name, g->namelen, &g->last_id, g->entries_read);
        for (size_t j = 0; j < sidmap_len(&g->pel); j++) {
            sidmap_item *it = sidmap_at(&g->pel, j);
            snack *n = mem_memdup(it->val, sizeof(snack));
            n->consumer = NULL;
            sidmap_insert(&ng->pel, &it->id, n);
        }
        for (size_t j = 0; j < g->nconsumers; j++) {
            const sconsumer *c = g->consumers[j];
            sconsumer *nc = stream_consumer_create(ng, c->name, c->namelen, c->seen_time);
            for (size_t k = 0; k < sidmap_len(&c->pel); k++) {
                sidmap_item *it = sidmap_at(&c->pel, k);
                snack *n = sidmap_find(&ng->pel, &it->id);
                ASSERT(n != NULL);
                n->consumer = nc;
                sidmap_insert(&nc->pel, &it->id, n);
            }
        }
    }
    return d;
}

size_t stream_mem(const stream *s) {
    size_t n = mem_usable(s) + sidmap_mem(&s->nodes);
    for (size_t i = 0; i < sidmap_len(&s->nodes); i++)
        n += mem_usable(sidmap_at(&s->nodes, i)->val);
    if (s->groups) n += mem_usable(s->groups);
    for (size_t i = 0; i < s->ngroups; i++) {
        const sgroup *g = s->groups[i];
        n += mem_usable(g) + sidmap_mem(&g->pel) + sidmap_len(&g->pel) * sizeof(snack);
        if (g->consumers) n += mem_usable(g->consumers);
        for (size_t j = 0; j < g->nconsumers; j++)
            n += mem_usable(g->consumers[j]) + sidmap_mem(&g->consumers[j]->pel);
    }
    return n;
}

static void value_free(void *ptr, enum kv_enc enc) {
    (void)enc;
    stream_free(ptr);
}

static void *value_dup(const void *ptr, enum kv_enc enc) {
    (void)enc;
    return stream_dup(ptr);
}

static size_t value_size(const void *ptr, enum kv_enc enc) {
    (void)enc;
    return stream_mem(ptr);
}

void stream_init(void) {
    kv_set_value_free(KV_STREAM, value_free);
    kv_set_value_dup(KV_STREAM, value_dup);
    kv_set_value_size(KV_STREAM, value_size);
}

/* ---- Appending ---- */

static bool next_id(const sid *last, long long now_ms, sid *out) {
    if (now_ms > 0 && (uint64_t)now_ms > last->ms) {
        out->ms = (uint64_t)now_ms;
        out->seq = 0;
        return true;
    }
    *out = *last;
    return sid_incr(out);
}

/* Does the tail node lp have room for an entry of 'add' bytes of elements? */
static bool node_has_room(const unsigned char *lp, size_t add, const stream_limits *lim) {
    size_t max_bytes = (size_t)lim->node_max_bytes;
    if (max_bytes == 0 || max_bytes > LISTPACK_MAX_SIZE) max_bytes = LISTPACK_MAX_SIZE;
    if (lp_bytes(lp) + add >= max_bytes) return false;
    if (lim->node_max_entries) {
        unsigned char *p = lp_first(lp);
        int64_t count = hdr_int(p) + hdr_int(hdr_next(lp, p));
        if (count >= lim->node_max_entries) return false;
    }
    return true;
}

/* Append an entry's elements after the master entry: flags, the ID's
 * difference to the master's, [field count], fields and values (only the
 * values under FLAG_SAMEFIELDS), then the element count, for walking back.
 * One lp_append_batch() per 16 elements, not one insert each. */
static unsigned char *append_entry(unsigned char *lp, int flags, long long msd, long long seqd,
                                   const slice *fields, const slice *values, long nfields) {
    bool same = flags & FLAG_SAMEFIELDS;
    lp_item items[16];
    size_t n = 0;
    items[n++] = (lp_item){.v = flags};
    items[n++] = (lp_item){.v = msd};
    items[n++] = (lp_item){.v = seqd};
    if (!same) items[n++] = (lp_item){.v = nfields};
    for (long i = 0; i < nfields; i++) {
        if (n + 2 > sizeof(items) / sizeof(items[0])) {
            lp = lp_append_batch(lp, items, n);
            n = 0;
        }
        if (!same) items[n++] = (lp_item){.s = fields[i].ptr, .len = fields[i].len};
        items[n++] = (lp_item){.s = values[i].ptr, .len = values[i].len};
    }
    long long count = nfields + 3;
    if (!same) count += nfields + 1;
    if (n == sizeof(items) / sizeof(items[0])) {
        lp = lp_append_batch(lp, items, n);
        n = 0;
    }
    items[n++] = (lp_item){.v = count};
    return lp_append_batch(lp, items, n);
}

int stream_append(stream *s, const slice *fields, const slice *values, long nfields, const sid *id,
                  bool seq_given, long long now_ms, const stream_limits *lim, sid *added) {
    sid nid;
    if (id) {
        if (seq_given) {
            nid = *id;
        } else if (s->last_id.ms == id->ms) {
            if (s->last_id.seq == UINT64_MAX) return -1;
            nid = s->last_id;
            nid.seq++;
        } else {
            nid = *id;
        }
    } else if (!next_id(&s->last_id, now_ms, &nid)) {
        return -1;
    }
    if (sid_cmp(&nid, &s->last_id) <= 0) return -1;
    size_t total = 0;
    for (long i = 0; i < nfields; i++) total += fields[i].len + values[i].len;
    if (total > LISTPACK_MAX_SIZE) return -2;

    size_t nn = sidmap_len(&s->nodes);
    sidmap_item *tail = nn ? sidmap_at(&s->nodes, nn - 1) : NULL;
    unsigned char *lp = tail ? tail->val : NULL;
    if (lp && !node_has_room(lp, total, lim)) {
        tail->val = lp_shrink(lp);
        lp = NULL;
    }
    int flags = 0;
    sid master;
    if (lp == NULL) {
        size_t prealloc = LISTPACK_PREALLOC;
        if (lim->node_max_bytes > 0 && (size_t)lim->node_max_bytes < prealloc)
            prealloc = (size_t)lim->node_max_bytes;
        lp = lp_new(prealloc);
        lp = lp_append_int(lp, 1);
        lp = lp_append_int(lp, 0);
        lp = lp_append_int(lp, nfields);
        for (long i = 0; i < nfields; i++) lp = lp_append(lp, fields[i].ptr, fields[i].len);
        lp = lp_append_int(lp, 0);
        sidmap_insert(&s->nodes, &nid, lp);
        tail = sidmap_at(&s->nodes, sidmap_len(&s->nodes) - 1);
        master = nid;
        flags |= FLAG_SAMEFIELDS;
    } else {
        master = tail->id;
        unsigned char *p = lp_first(lp);
        if (p[0] < 127) p[0]++; /* still 7 bits: the same size */
        else lp = lp_set_int(lp, &p, lp_intv(p) + 1);
        p = hdr_next(lp, p);
        p = hdr_next(lp, p);
        int64_t mfields = hdr_int(p);
        p = hdr_next(lp, p);
        if (mfields == nfields) {
            long i;
            for (i = 0; i < nfields; i++) {
                if (!lp_eq(p, fields[i].ptr, fields[i].len)) break;
                p = lp_next(lp, p);
            }
            if (i == nfields) flags |= FLAG_SAMEFIELDS;
        }
    }
    lp = append_entry(lp, flags, (long long)(nid.ms - master.ms), (long long)(nid.seq - master.seq),
                      fields, values, nfields);
    tail->val = lp;
    s->length++;
    s->entries_added++;
    s->last_id = nid;
    if (s->length == 1) s->first_id = nid;
    *added = nid;
    return 0;
}

/* ---- Iterating ---- */

void stream_iter_start(stream_iter *it, stream *s, const sid *start, const sid *end, bool rev) {
    memset(it, 0, sizeof(*it));
    it->s = s;
    if (start) it->start = *start;
    if (end) it->end = *end;
    else it->end.ms = it->end.seq = UINT64_MAX;
    it->rev = rev;
    it->skip_tombstones = true;
    size_t n = sidmap_len(&s->nodes);
    const sid *seek = rev ? &it->end : &it->start;
    /* The node whose master ID is the greatest <= the seek ID. */
    size_t i = sidmap_lower(&s->nodes, seek);
    if (i < n && sid_cmp(&sidmap_at(&s->nodes, i)->id, seek) == 0) i++;
    /* Now i is the number of nodes whose master <= seek. */
    if (rev) {
        it->node = i; /* open node i-1 next */
    } else {
        it->node = i ? i - 1 : 0;
    }
}

/* Open the next node in the iteration's direction; false at the end. */
static bool open_node(stream_iter *it) {
    size_t n = sidmap_len(&it->s->nodes);
    sidmap_item *item;
    if (it->rev) {
        if (it->node == 0) return false;
        item = sidmap_at(&it->s->nodes, --it->node);
    } else {
        if (it->node >= n) return false;
        item = sidmap_at(&it->s->nodes, it->node++);
    }
    it->master = item->id;
    it->lp = item->val;
    unsigned char *p = lp_first(it->lp); /* count */
    p = lp_next(it->lp, p);              /* deleted */
    p = lp_next(it->lp, p);              /* master fields */
    it->master_fields = lp_intv(p);
    p = lp_next(it->lp, p);
    it->master_fields_start = p;
    if (!it->rev) {
        for (int64_t i = 0; i < it->master_fields; i++) p = lp_next(it->lp, p);
        it->entries = p;
        it->p = p; /* at the master's terminator */
        const stream_seek *h = &it->s->seek;
        if (h->off && sid_cmp(&h->master, &it->master) == 0 && sid_cmp(&h->id, &it->start) <= 0 &&
            h->off < lp_bytes(it->lp) - (size_t)(p - it->lp))
            it->p = p + h->off; /* the element before the entry h->id */
    } else {
        it->p = lp_last(it->lp); /* the last entry's lp-count */
    }
    return true;
}

bool stream_iter_next(stream_iter *it, sid *id, int64_t *nfields) {
    for (;;) {
        if (it->lp == NULL || it->p == NULL) {
            if (!open_node(it)) return false;
        } else if (it->rev) {
            /* Step back over the entry returned last, to the lp-count of the one before. */
            int64_t n = lp_intv(it->p);
            while (n--) it->p = lp_prev(it->lp, it->p);
            it->p = lp_prev(it->lp, it->p);
        }
        for (;;) {
            unsigned char *before = it->p;
            if (!it->rev) {
                it->p = lp_next(it->lp, it->p); /* past the previous lp-count */
                if (it->p == NULL) break;
            } else {
                int64_t n = lp_intv(it->p);
                if (n == 0) { /* the master entry */
                    it->lp = NULL;
                    it->p = NULL;
                    break;
                }
                while (n--) it->p = lp_prev(it->lp, it->p);
            }
            it->flags_p = it->p;
            int64_t flags = lp_intv(it->p);
            it->p = lp_next(it->lp, it->p);
            *id = it->master;
            id->ms += (uint64_t)lp_intv(it->p);
            it->p = lp_next(it->lp, it->p);
            id->seq += (uint64_t)lp_intv(it->p);
            it->p = lp_next(it->lp, it->p);
            if (flags & FLAG_SAMEFIELDS) {
                *nfields = it->master_fields;
            } else {
                *nfields = lp_intv(it->p);
                it->p = lp_next(it->lp, it->p);
            }
            bool live = !it->skip_tombstones || !(flags & FLAG_DELETED);
            if (!it->rev) {
                if (sid_cmp(id, &it->start) >= 0 && live) {
                    if (sid_cmp(id, &it->end) > 0) return false;
                    it->entry_flags = flags;
                    it->master_field_ptr = it->master_fields_start;
                    it->s->seek.master = it->master;
                    it->s->seek.id = *id;
                    it->s->seek.off = (uint32_t)(before - it->entries);
                    return true;
                }
                int64_t skip = (flags & FLAG_SAMEFIELDS) ? *nfields : *nfields * 2;
                for (int64_t i = 0; i < skip; i++) it->p = lp_next(it->lp, it->p);
            } else {
                if (sid_cmp(id, &it->end) <= 0 && live) {
                    if (sid_cmp(id, &it->start) < 0) return false;
                    it->entry_flags = flags;
                    it->master_field_ptr = it->master_fields_start;
                    return true;
                }
                int back = (flags & FLAG_SAMEFIELDS) ? 4 : 5;
                while (back--) it->p = lp_prev(it->lp, it->p);
            }
        }
    }
}

static void get_elem(const unsigned char *p, unsigned char *buf, const char **out, size_t *len) {
    long long v;
    *out = (const char *)lp_get(p, len, &v, buf);
}

void stream_iter_field(stream_iter *it, const char **f, size_t *flen, const char **v,
                       size_t *vlen) {
    if (it->entry_flags & FLAG_SAMEFIELDS) {
        get_elem(it->master_field_ptr, it->fbuf, f, flen);
        it->master_field_ptr = lp_next(it->lp, it->master_field_ptr);
    } else {
        get_elem(it->p, it->fbuf, f, flen);
        it->p = lp_next(it->lp, it->p);
    }
    get_elem(it->p, it->vbuf, v, vlen);
    it->p = lp_next(it->lp, it->p);
}

/* The index of the node the iterator has open. */
static size_t open_index(const stream_iter *it) { return it->rev ? it->node : it->node - 1; }

void stream_iter_remove(stream_iter *it, const sid *current) {
    it->s->seek.off = 0; /* the flags rewritten in place may change size */
    unsigned char *lp = it->lp;
    size_t idx = open_index(it);
    int64_t flags = lp_intv(it->flags_p) | FLAG_DELETED;
    lp = lp_set_int(lp, &it->flags_p, flags);
    unsigned char *p = lp_first(lp);
    int64_t count = lp_intv(p);
    if (count == 1) {
        lp_free(lp);
        sidmap_remove_at(&it->s->nodes, idx);
    } else {
        lp = lp_set_int(lp, &p, count - 1);
        p = lp_next(lp, p);
        lp = lp_set_int(lp, &p, lp_intv(p) + 1);
        sidmap_at(&it->s->nodes, idx)->val = lp;
    }
    it->s->length--;
    /* Start again from the entry after 'current'. */
    sid start = it->start, end = it->end;
    if (it->rev) end = *current;
    else start = *current;
    bool skip = it->skip_tombstones;
    stream_iter_start(it, it->s, &start, &end, it->rev);
    it->skip_tombstones = skip;
}

bool stream_delete(stream *s, const sid *id) {
    stream_iter it;
    stream_iter_start(&it, s, id, id, false);
    sid got;
    int64_t nf;
    if (!stream_iter_next(&it, &got, &nf)) return false;
    stream_iter_remove(&it, &got);
    return true;
}

bool stream_entry_exists(stream *s, const sid *id) {
    stream_iter it;
    stream_iter_start(&it, s, id, id, false);
    sid got;
    int64_t nf;
    return stream_iter_next(&it, &got, &nf);
}

void stream_edge_id(stream *s, bool first, bool skip_tombstones, sid *out) {
    stream_iter it;
    stream_iter_start(&it, s, NULL, NULL, !first);
    it.skip_tombstones = skip_tombstones;
    int64_t nf;
    if (!stream_iter_next(&it, out, &nf)) {
        if (first) out->ms = out->seq = UINT64_MAX;
        else out->ms = out->seq = 0;
    }
}

void stream_last_valid_id(stream *s, sid *out) { stream_edge_id(s, false, true, out); }

/* ---- Trimming ---- */

/* The ID of the last entry of node lp (deleted or not); false if none. */
static bool node_last_id(const unsigned char *lp, const sid *master, sid *out) {
    unsigned char *p = lp_last(lp);
    int64_t n = lp_intv(p);
    if (n == 0) return false;
    while (n--) p = lp_prev(lp, p);
    p = lp_next(lp, p);
    *out = *master;
    out->ms += (uint64_t)lp_intv(p);
    p = lp_next(lp, p);
    out->seq += (uint64_t)lp_intv(p);
    return true;
}

/* Mark entries of the node at index 0 deleted from its start until the
 * trim's condition holds; returns how many. */
static long long trim_inside(stream *s, const stream_trim_args *a) {
    s->seek.off = 0; /* as in stream_iter_remove */
    sidmap_item *item = sidmap_at(&s->nodes, 0);
    unsigned char *lp = item->val;
    unsigned char *p = lp_first(lp);
    int64_t entries = lp_intv(p);
    p = lp_next(lp, p);
    p = lp_next(lp, p);
    int64_t mfields = lp_intv(p);
    p = lp_next(lp, p);
    for (int64_t j = 0; j < mfields; j++) p = lp_next(lp, p);
    p = lp_next(lp, p); /* first entry's flags */
    long long removed = 0;
    while (p) {
        unsigned char *flagp = p;
        int64_t flags = lp_intv(p);
        p = lp_next(lp, p);
        sid cur = item->id;
        cur.ms += (uint64_t)lp_intv(p);
        p = lp_next(lp, p);
        cur.seq += (uint64_t)lp_intv(p);
        p = lp_next(lp, p);
        bool stop = a->strategy == STREAM_TRIM_MAXLEN ? s->length <= (uint64_t)a->maxlen
                                                      : sid_cmp(&cur, &a->minid) >= 0;
        if (stop) break;
        int64_t skip = mfields;
        if (!(flags & FLAG_SAMEFIELDS)) {
            skip = lp_intv(p) * 2;
            p = lp_next(lp, p);
        }
        while (skip--) p = lp_next(lp, p);
        p = lp_next(lp, p); /* the lp-count */
        if (!(flags & FLAG_DELETED)) {
            ptrdiff_t off = p ? p - lp : 0;
            lp = lp_set_int(lp, &flagp, flags | FLAG_DELETED);
            removed++;
            s->length--;
            p = off ? lp + off : NULL;
        }
    }
    p = lp_first(lp);
    lp = lp_set_int(lp, &p, entries - removed);
    p = lp_next(lp, p);
    lp = lp_set_int(lp, &p, lp_intv(p) + removed);
    item->val = lp;
    return removed;
}

long long stream_trim(stream *s, const stream_trim_args *a) {
    if (a->strategy == STREAM_TRIM_NONE) return 0;
    long long deleted = 0;
    while (sidmap_len(&s->nodes)) {
        if (a->strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)a->maxlen) break;
        sidmap_item *item = sidmap_at(&s->nodes, 0);
        unsigned char *lp = item->val;
        int64_t entries = lp_intv(lp_first(lp));
        if (a->limit && deleted + entries > a->limit) break;
        bool remove_node;
        if (a->strategy == STREAM_TRIM_MAXLEN) {
            remove_node = s->length - (uint64_t)entries >= (uint64_t)a->maxlen;
        } else {
            sid last = {0, 0};
            node_last_id(lp, &item->id, &last);
            remove_node = sid_cmp(&last, &a->minid) < 0;
        }
        if (remove_node) {
            lp_free(lp);
            sidmap_remove_at(&s->nodes, 0);
            /* An emptied stream may take lower IDs again (XSETID): a
             * later node could have this master ID with other bytes. */
            s->seek.off = 0;
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (a->approx) break;
        deleted += trim_inside(s, a);
        break;
    }
    if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
    else if (deleted) stream_edge_id(s, true, true, &s->first_id);
    return deleted;
}

/* ---- Groups' counters ---- */

bool stream_range_has_tombstones(const stream *s, const sid *start, const sid *end) {
    if (!s->length || sid_is_zero(&s->max_deleted)) return false;
    sid a = {0, 0}, b = {UINT64_MAX, UINT64_MAX};
    if (start) a = *start;
    if (end) b = *end;
    return sid_cmp(&a, &s->max_deleted) <= 0 && sid_cmp(&s->max_deleted, &b) <= 0;
}

long long stream_estimate_distance(const stream *s, const sid *id) {
    if (!s->entries_added) return 0;
    if (!s->length && sid_cmp(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cmp_last = sid_cmp(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return SGROUP_ENTRIES_READ_INVALID;
    int cmp_first = sid_cmp(id, &s->first_id);
    int cmp_xdel_first = sid_cmp(&s->max_deleted, &s->first_id);
    if (sid_is_zero(&s->max_deleted) || cmp_xdel_first < 0) {
        if (cmp_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_first == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return SGROUP_ENTRIES_READ_INVALID;
}

bool stream_group_lag(stream *s, const sgroup *g, long long *lag) {
    if (!s->entries_added) {
        *lag = 0;
        return true;
    }
    if (g->entries_read != SGROUP_ENTRIES_READ_INVALID &&
        !stream_range_has_tombstones(s, &g->last_id, NULL)) {
        *lag = (long long)s->entries_added - g->entries_read;
        return true;
    }
    long long read = stream_estimate_distance(s, &g->last_id);
    if (read == SGROUP_ENTRIES_READ_INVALID) return false;
    *lag = (long long)s->entries_added - read;
    return true;
}

/* ---- Checking nodes from outside ---- */

bool stream_validate_node(const unsigned char *lp, size_t size, const sid *master, sid *top,
                          int64_t *live) {
    /* The structure is always checked, as sanitize-dump-payload yes would:
     * commands trust it. */
    if (!lp_validate(lp, size, true)) return false;
    const unsigned char *p = lp_first(lp);
    int64_t count, deleted, mfields, zero;
    if (!p || !lp_int(p, &count) || count < 0) return false;
    if (!(p = lp_next(lp, p)) || !lp_int(p, &deleted) || deleted < 0) return false;
    if (!(p = lp_next(lp, p)) || !lp_int(p, &mfields) || mfields < 0) return false;
    for (int64_t j = 0; j < mfields; j++)
        if (!(p = lp_next(lp, p))) return false;
    if (!(p = lp_next(lp, p)) || !lp_int(p, &zero) || zero != 0) return false;
    if (count > INT32_MAX || deleted > INT32_MAX) return false;
    int64_t total = count + deleted, seen_live = 0, seen_deleted = 0;
    if (total == 0) return false;
    sid max_live = *top;
    for (int64_t e = 0; e < total; e++) {
        int64_t flags, msd, seqd, nf, lpcount;
        if (!(p = lp_next(lp, p)) || !lp_int(p, &flags) || (flags & ~3)) return false;
        if (!(p = lp_next(lp, p)) || !lp_int(p, &msd)) return false;
        if (!(p = lp_next(lp, p)) || !lp_int(p, &seqd)) return false;
        sid id = *master;
        id.ms += (uint64_t)msd;
        id.seq += (uint64_t)seqd;
        if (sid_cmp(&id, master) < 0 || sid_cmp(&id, &max_live) <= 0) return false;
        if (!(flags & FLAG_DELETED)) max_live = id;
        int64_t elems;
        if (flags & FLAG_SAMEFIELDS) {
            nf = mfields;
            elems = nf;
        } else {
            if (!(p = lp_next(lp, p)) || !lp_int(p, &nf) || nf < 0 || nf > INT32_MAX) return false;
            elems = nf * 2;
        }
        for (int64_t j = 0; j < elems; j++)
            if (!(p = lp_next(lp, p))) return false;
        if (!(p = lp_next(lp, p)) || !lp_int(p, &lpcount)) return false;
        int64_t want = (flags & FLAG_SAMEFIELDS) ? nf + 3 : nf * 2 + 4;
        if (lpcount != want) return false;
        if (flags & FLAG_DELETED) seen_deleted++;
        else seen_live++;
    }
    if (lp_next(lp, p) != NULL) return false;
    if (seen_live != count || seen_deleted != deleted) return false;
    *top = max_live;
    *live = count;
    return true;
}
