/* geo.c -- the geo commands: GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS,
 * GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH, GEOSEARCHSTORE.
 *
 * A geo set is a sorted set whose scores are 52-bit geohashes (geohash.c
 * owns the encoding and the geometry). GEOADD is ZADD with encoded
 * positions, and is propagated and notified as that ZADD ("zadd"). A
 * search scans the score ranges of up to nine geohash cells in Redis's
 * order, keeps the members inside the shape, sorts them the way Redis
 * does -- the C library's qsort for a full sort, Redis's partial
 * quicksort (pqsort) when COUNT leaves part of the result out -- so that
 * members at equal distances come out in the same order, and replies or
 * stores them (STORE/STOREDIST propagate the command itself, as Redis).
 * Arguments are checked in Redis's order, since which error a client sees
 * first depends on it.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "geo.h"

#include "geohash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "db.h"
#include "errors.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "t_zset.h"
#include "util.h"
#include "zset.h"

/* ---- Arguments ---- */

/* A longitude and a latitude from argv[0..1], within the geo limits. */
static bool parse_lonlat(client *c, const slice *argv, double xy[2]) {
    if (!arg_double(c, &argv[0], &xy[0]) || !arg_double(c, &argv[1], &xy[1])) return false;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN ||
        xy[1] > GEO_LAT_MAX) {
        reply_errorf(c, ERR_GEO_LONLAT, xy[0], xy[1]);
        return false;
    }
    return true;
}

/* Metres per unit, or -1 after replying an error. */
static double parse_unit(client *c, const slice *u) {
    if (arg_is(u, "m")) return 1;
    if (arg_is(u, "km")) return 1000;
    if (arg_is(u, "ft")) return 0.3048;
    if (arg_is(u, "mi")) return 1609.34;
    reply_error(c, ERR_GEO_UNIT);
    return -1;
}

/* "<radius> <unit>" from argv. */
static bool parse_radius(client *c, const slice *argv, double *conversion, double *radius) {
    if (!arg_double_msg(c, &argv[0], radius, ERR_GEO_RADIUS)) return false;
    if (*radius < 0) {
        reply_error(c, ERR_GEO_RADIUS_NEG);
        return false;
    }
    return (*conversion = parse_unit(c, &argv[1])) >= 0;
}

/* "<width> <height> <unit>" from argv. */
static bool parse_box(client *c, const slice *argv, double *conversion, double *width,
                      double *height) {
    if (!arg_double_msg(c, &argv[0], width, ERR_GEO_WIDTH) ||
        !arg_double_msg(c, &argv[1], height, ERR_GEO_HEIGHT))
        return false;
    if (*height < 0 || *width < 0) {
        reply_error(c, ERR_GEO_BOX_NEG);
        return false;
    }
    return (*conversion = parse_unit(c, &argv[2])) >= 0;
}

/* The position of a member of the geo set 'z'; false if it is missing. */
static bool member_lonlat(const kv *z, const slice *m, double xy[2]) {
    double score;
    return zset_score(z, m->ptr, m->len, &score) && geohash_decode_score(score, xy);
}

/* Distances are printed with four decimals: metres to the millimetre,
 * kilometres to the metre. */
static void reply_distance(client *c, double d) {
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "%.4f", d);
    reply_bulk(c, buf, n < 0 ? 0 : (size_t)n >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)n);
}

/* ---- GEOADD, GEOPOS, GEOHASH, GEODIST ---- */

/* GEOADD key [NX|XX] [CH] longitude latitude member [...] */
static void cmd_geoadd(client *c) {
    bool nx = false, xx = false;
    int longidx = 2;
    for (; longidx < c->argc; longidx++) {
        const slice *a = &c->argv[longidx];
        if (a->len != 2) break; /* no option: the first longitude */
        if (arg_is(a, "nx")) nx = true;
        else if (arg_is(a, "xx")) xx = true;
        else if (!arg_is(a, "ch")) break; /* CH is ZADD's business */
    }
    if ((c->argc - longidx) % 3 || (xx && nx)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    /* Rewrite as "zadd key [options] score member ...", the effect Redis
     * propagates. */
    int elements = (c->argc - longidx) / 3;
    int argc = longidx + elements * 2;
    slice small_argv[32];
    char small_texts[14][UTIL_LLSTR_SIZE];
    double small_scores[14];
    bool small = argc <= 32 && elements <= 14;
    slice *argv = small ? small_argv : mem_alloc(sizeof(slice) * (size_t)argc);
    char(*score_texts)[UTIL_LLSTR_SIZE] =
        small ? small_texts : mem_alloc(UTIL_LLSTR_SIZE * (size_t)elements);
    double *scores = small ? small_scores : mem_alloc(sizeof(double) * (size_t)elements);
    argv[0] = slice_of("zadd", 4);
    for (int i = 1; i < longidx; i++) argv[i] = c->argv[i];
    /* ZADD reads the given scores, not their texts: those are only the
     * propagated effect's, not formatted when nothing reads effects. */
    bool texts = propagate_wanted();
    for (int i = 0; i < elements; i++) {
        const slice *in = &c->argv[longidx + i * 3];
        double xy[2];
        if (!parse_lonlat(c, in, xy)) goto done;
        geohash_bits hash;
        geohash_encode_wgs84(xy[0], xy[1], GEO_STEP_MAX, &hash);
        uint64_t bits = geohash_align52(hash);
        scores[i] = (double)bits; /* what ZADD reads from the text: both round to nearest */
        size_t l = texts ? util_ll2str(score_texts[i], (long long)bits) : 0;
        argv[longidx + i * 2] = slice_of(score_texts[i], l);
        argv[longidx + i * 2 + 1] = in[2];
    }
    zset_add_argv(c, argc, argv, scores);
done:
    if (!small) {
        mem_free(argv);
        mem_free(score_texts);
        mem_free(scores);
    }
}

/* GEOPOS and GEOHASH: for each member argument, one() of its position,
 * or none() when it (or the key) is missing. */
static void reply_each_position(client *c, void (*one)(client *, const double xy[2]),
                                void (*none)(client *)) {
    kv *z;
    if (!arg_lookup(c, &c->argv[1], KV_ZSET, false, &z)) return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (z == NULL || !member_lonlat(z, &c->argv[j], xy)) none(c);
        else one(c, xy);
    }
}

static void reply_lonlat(client *c, const double xy[2]) {
    reply_array(c, 2);
    reply_human_double(c, xy[0]);
    reply_human_double(c, xy[1]);
}

/* Stored hashes use latitudes +-85.05; the standard ones +-90. */
static void reply_standard_hash(client *c, const double xy[2]) {
    char buf[12];
    geohash_standard_string(xy[0], xy[1], buf);
    reply_bulk(c, buf, 11);
}

/* GEOPOS key [member ...] */
static void cmd_geopos(client *c) { reply_each_position(c, reply_lonlat, reply_null_array); }

/* GEOHASH key [member ...] */
static void cmd_geohash(client *c) { reply_each_position(c, reply_standard_hash, reply_null); }

/* GEODIST key member1 member2 [M|KM|FT|MI] */
static void cmd_geodist(client *c) {
    double to_meter = 1;
    if (c->argc == 5) {
        if ((to_meter = parse_unit(c, &c->argv[4])) < 0) return;
    } else if (c->argc > 5) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    kv *z;
    if (!arg_lookup(c, &c->argv[1], KV_ZSET, false, &z)) return;
    double a[2], b[2];
    if (z == NULL || !member_lonlat(z, &c->argv[2], a) || !member_lonlat(z, &c->argv[3], b)) {
        reply_null(c);
        return;
    }
    reply_distance(c, geohash_distance(a[0], a[1], b[0], b[1]) / to_meter);
}

/* ---- Searching ---- */

/* A member found by a search. Its name points into the set, which does not
 * change during the command; a listpack integer member is kept as its
 * value (the set holds no text of it). The position is decoded again for
 * WITHCOORD only. */
typedef struct geo_point {
    double dist, score;
    const char *m; /* NULL: the member is the integer 'ival' */
    long long ival;
    size_t len;
} geo_point;

typedef struct geo_array {
    geo_point *p;
    size_t used, cap;
} geo_array;

/* The member's text: in the set, or written into buf (LP_INTBUF_SIZE). */
static const char *point_name(const geo_point *gp, char *buf, size_t *len) {
    if (gp->m) {
        *len = gp->len;
        return gp->m;
    }
    *len = util_ll2str(buf, gp->ival);
    return buf;
}

static void append_point(geo_array *ga, const zset_elem *el, double score, double dist) {
    if (ga->used == ga->cap) {
        ga->cap = ga->cap ? ga->cap * 2 : 16;
        ga->p = mem_realloc(ga->p, ga->cap * sizeof(geo_point));
    }
    geo_point *gp = &ga->p[ga->used++];
    gp->dist = dist;
    gp->score = score;
    gp->len = el->len;
    if ((const unsigned char *)el->m == el->buf) {
        /* lp_text wrote the integer's canonical digits: read them back. */
        gp->m = NULL;
        util_str2ll(el->m, el->len, &gp->ival);
    } else {
        gp->m = el->m;
    }
}

/* Members with scores in [min, max) inside the shape, appended in set
 * order. 'limit' (ANY) stops early. */
static void range_members(const kv *z, double min, double max, const geo_matcher *m, geo_array *ga,
                          size_t limit) {
    sl_range r = {.min = min, .max = max, .minex = false, .maxex = true};
    zset_iter it;
    for (zset_iter_score(&it, z, &r, false); zset_iter_valid(&it); zset_iter_next(&it)) {
        double score = zset_iter_get_score(&it), dist;
        if (!sl_value_lte_max(score, &r)) break;
        if (geohash_match_score(m, score, &dist)) {
            zset_elem el;
            zset_iter_get(&it, &el, false);
            append_point(ga, &el, score, dist);
        }
        if (ga->used && limit && ga->used >= limit) break;
    }
}

/* Pruning (skiplist sets only): a cell's score range holds its four
 * quarter cells one after the other, and so on down. Quarters that
 * geohash_cell_test() finds OUTSIDE hold no match, so leaving their ranges
 * out changes nothing in what is found or in its order; it only spares
 * following the set through members that would be refused. */
#define PRUNE_DEPTH 3

typedef struct scan_ranges {
    double min[1 << (2 * PRUNE_DEPTH)], max[1 << (2 * PRUNE_DEPTH)];
    int n;
} scan_ranges;

static void collect_ranges(geohash_bits h, const geohash_area *a, int depth, const geo_matcher *m,
                           scan_ranges *out) {
    int where = geohash_cell_test(m, a);
    if (where == GEO_CELL_OUTSIDE) return;
    /* Quarters smaller than the shape's half height cost more tests and
     * seeks than they spare. */
    if (where == GEO_CELL_INSIDE || depth == 0 || h.step >= GEO_STEP_MAX ||
        a->lat.max - a->lat.min <= m->band_deg) {
        double min = (double)geohash_align52(h);
        h.bits++;
        double max = (double)geohash_align52(h);
        if (out->n && out->max[out->n - 1] == min) {
            out->max[out->n - 1] = max; /* adjacent: one scan */
        } else {
            out->min[out->n] = min;
            out->max[out->n++] = max;
        }
        return;
    }
    /* Quarters in score order: the low bit halves latitude, the next one
     * longitude. Halved extents are within SLACK_DEG of decoded ones. */
    double lat_mid = (a->lat.min + a->lat.max) / 2, lon_mid = (a->lon.min + a->lon.max) / 2;
    for (uint64_t q = 0; q < 4; q++) {
        geohash_bits child = {(h.bits << 2) | q, (uint8_t)(h.step + 1)};
        geohash_area ca = {.hash = child};
        ca.lat =
            (q & 1) ? (geohash_range){lat_mid, a->lat.max} : (geohash_range){a->lat.min, lat_mid};
        ca.lon =
            (q & 2) ? (geohash_range){lon_mid, a->lon.max} : (geohash_range){a->lon.min, lon_mid};
        collect_ranges(child, &ca, depth - 1, m, out);
    }
}

/* Members of the cell 'hash' inside the shape, in set order (the range
 * Redis scans: its scores, min included, max excluded). */
static void cell_members(const kv *z, geohash_bits hash, const geo_matcher *m, geo_array *ga,
                         size_t limit) {
    geohash_area a;
    if (z->enc != KV_ENC_SKIPLIST || !geohash_decode_wgs84(hash, &a)) {
        /* A listpack is walked from its start for every range: one per cell. */
        double min = (double)geohash_align52(hash);
        hash.bits++;
        range_members(z, min, (double)geohash_align52(hash), m, ga, limit);
        return;
    }
    scan_ranges r = {.n = 0};
    collect_ranges(hash, &a, PRUNE_DEPTH, m, &r);
    for (int i = 0; i < r.n && !(ga->used && limit && ga->used >= limit); i++)
        range_members(z, r.min[i], r.max[i], m, ga, limit);
}

/* The centre cell and its neighbours in Redis's order, skipping zeroed
 * cells and a cell equal to the one scanned just before it (huge radii
 * make neighbours coincide). Like Redis, nothing is compared with the
 * centre cell itself. */
static void all_cells(const kv *z, const geohash_radius *n, const geo_matcher *m, geo_array *ga,
                      size_t limit) {
    const geohash_bits cells[9] = {n->hash,
                                   n->neighbors.north,
                                   n->neighbors.south,
                                   n->neighbors.east,
                                   n->neighbors.west,
                                   n->neighbors.north_east,
                                   n->neighbors.north_west,
                                   n->neighbors.south_east,
                                   n->neighbors.south_west};
    int last = 0;
    for (int i = 0; i < 9; i++) {
        if (cells[i].bits == 0 && cells[i].step == 0) continue;
        if (last && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step)
            continue;
        if (ga->used && limit && ga->used >= limit) break;
        cell_members(z, cells[i], m, ga, limit);
        last = i;
    }
}

typedef int point_cmp(const void *, const void *);

static int by_dist_asc(const void *a, const void *b) {
    const geo_point *x = a, *y = b;
    if (x->dist > y->dist) return 1;
    if (x->dist == y->dist) return 0;
    return -1;
}

static int by_dist_desc(const void *a, const void *b) { return -by_dist_asc(a, b); }

/* The full sort, as the C library's qsort that Redis calls sorts (glibc's
 * merge sort: the first half, then the second, merged taking from the
 * first while cmp() <= 0; elements over 32 bytes through an array of
 * pointers). The same comparisons in the same order give the same result,
 * ties and NaN distances included, without qsort's indirect calls and
 * copies: a sixth of a radius search's cost went to qsort. */
static bool take_first(const geo_point *x, const geo_point *y, bool desc) {
    /* by_dist_asc(x, y) <= 0, or by_dist_desc(x, y) <= 0 */
    return desc ? (x->dist > y->dist || x->dist == y->dist) : !(x->dist > y->dist);
}

static void merge_sort(geo_point **v, geo_point **tmp, size_t n, bool desc) {
    if (n <= 1) return;
    if (n == 2) { /* the one comparison of a merge of two singles */
        if (!take_first(v[0], v[1], desc)) {
            geo_point *t = v[0];
            v[0] = v[1];
            v[1] = t;
        }
        return;
    }
    size_t n1 = n / 2, n2 = n - n1;
    geo_point **b1 = v, **b2 = v + n1;
    merge_sort(b1, tmp, n1, desc);
    merge_sort(b2, tmp, n2, desc);
    size_t k = 0;
    while (n1 > 0 && n2 > 0) {
        if (take_first(*b1, *b2, desc)) {
            tmp[k++] = *b1++;
            n1--;
        } else {
            tmp[k++] = *b2++;
            n2--;
        }
    }
    while (n1 > 0) {
        tmp[k++] = *b1++;
        n1--;
    }
    for (size_t i = 0; i < k; i++) v[i] = tmp[i]; /* what is left of b2 is in place */
}

static void sort_points(geo_array *ga, bool desc) {
    size_t n = ga->used;
    geo_point **v = mem_alloc(sizeof(*v) * n * 2);
    for (size_t i = 0; i < n; i++) v[i] = &ga->p[i];
    merge_sort(v, v + n, n, desc);
    geo_point *out = mem_alloc(sizeof(*out) * (ga->cap ? ga->cap : n));
    for (size_t i = 0; i < n; i++) out[i] = *v[i];
    mem_free(v);
    mem_free(ga->p);
    ga->p = out;
}

static inline void swap_points(geo_point *a, geo_point *b) {
    geo_point t = *a;
    *a = *b;
    *b = t;
}

static void swap_runs(geo_point *a, geo_point *b, long n) {
    for (long i = 0; i < n; i++) swap_points(a + i, b + i);
}

static geo_point *median3(geo_point *a, geo_point *b, geo_point *c, point_cmp *cmp) {
    return cmp(a, b) < 0 ? (cmp(b, c) < 0 ? b : (cmp(a, c) < 0 ? c : a))
                         : (cmp(b, c) > 0 ? b : (cmp(a, c) < 0 ? a : c));
}

static void insertion_sort(geo_point *a, long n, point_cmp *cmp) {
    for (geo_point *pm = a + 1; pm < a + n; pm++)
        for (geo_point *pl = pm; pl > a && cmp(pl - 1, pl) > 0; pl--) swap_points(pl, pl - 1);
}

/* Redis's pqsort: the Bentley-McIlroy quicksort of NetBSD's libc that
 * skips the partitions lying wholly outside the elements [lo, hi]. The
 * same comparisons and swaps in the same order, so that members at equal
 * distances are chosen and ordered as Redis does. */
static void partial_sort(geo_point *a, long n, point_cmp *cmp, const geo_point *lo,
                         const geo_point *hi) {
    for (;;) {
        bool swapped = false;
        if (n < 7) {
            insertion_sort(a, n, cmp);
            return;
        }
        geo_point *pm = a + n / 2;
        if (n > 7) {
            geo_point *pl = a, *pn = a + n - 1;
            if (n > 40) {
                long d = n / 8;
                pl = median3(pl, pl + d, pl + 2 * d, cmp);
                pm = median3(pm - d, pm, pm + d, cmp);
                pn = median3(pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median3(pl, pm, pn, cmp);
        }
        swap_points(a, pm);
        geo_point *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
        for (;;) {
            int r;
            while (pb <= pc && (r = cmp(pb, a)) <= 0) {
                if (r == 0) {
                    swapped = true;
                    swap_points(pa++, pb);
                }
                pb++;
            }
            while (pb <= pc && (r = cmp(pc, a)) >= 0) {
                if (r == 0) {
                    swapped = true;
                    swap_points(pc, pd--);
                }
                pc--;
            }
            if (pb > pc) break;
            swap_points(pb++, pc--);
            swapped = true;
        }
        if (!swapped) { /* already partitioned: finish by insertion */
            insertion_sort(a, n, cmp);
            return;
        }
        geo_point *pn = a + n;
        long r = pa - a < pb - pa ? pa - a : pb - pa;
        swap_runs(a, pb - r, r);
        r = pd - pc < pn - pd - 1 ? pd - pc : pn - pd - 1;
        swap_runs(pb, pn - r, r);
        if ((r = pb - pa) > 1) {
            const geo_point *e = a + r - 1;
            if (!((lo < a && hi < a) || (lo > e && hi > e))) partial_sort(a, r, cmp, lo, hi);
        }
        if ((r = pd - pc) <= 1) return;
        a = pn - r; /* the right part: iterate rather than recurse */
        n = r;
        const geo_point *e = a + r - 1;
        if ((lo < a && hi < a) || (lo > e && hi > e)) return;
    }
}

/* A double score as a long long the way an x86-64 cast gives it (WITHHASH
 * of a score that is no geohash): out of range is LLONG_MIN. */
static long long score_as_ll(double s) {
    if (s >= -9223372036854775808.0 && s < 9223372036854775808.0) return (long long)s;
    return (long long)(1ULL << 63);
}

enum {
    SEARCH_COORDS = 1,
    SEARCH_MEMBER = 2,
    SEARCH_NOSTORE = 4,
    SEARCH_GEOSEARCH = 8,
    SEARCH_STORE_CMD = 16
};
enum { SORT_NONE, SORT_ASC, SORT_DESC };

typedef struct search_opts {
    bool withdist, withhash, withcoord, any, storedist;
    bool frommember, fromlonlat, byradius, bybox;
    int sort;
    long long count;    /* 0: all */
    const slice *store; /* destination key, or NULL */
} search_opts;

/* The optional arguments from argv[base] on, in Redis's order of checks.
 * FROMMEMBER decodes its member at once (unless the key is missing). */
static bool parse_search_opts(client *c, int base, int flags, const kv *z, geo_shape *shape,
                              search_opts *o) {
    bool geosearch = flags & SEARCH_GEOSEARCH;
    bool store_ok = !(flags & (SEARCH_NOSTORE | SEARCH_GEOSEARCH));
    for (int i = base; i < c->argc; i++) {
        const slice *a = &c->argv[i];
        bool next1 = i + 1 < c->argc, next2 = i + 2 < c->argc, next3 = i + 3 < c->argc;
        if (arg_is(a, "withdist")) {
            o->withdist = true;
        } else if (arg_is(a, "withhash")) {
            o->withhash = true;
        } else if (arg_is(a, "withcoord")) {
            o->withcoord = true;
        } else if (arg_is(a, "any")) {
            o->any = true;
        } else if (arg_is(a, "asc")) {
            o->sort = SORT_ASC;
        } else if (arg_is(a, "desc")) {
            o->sort = SORT_DESC;
        } else if (arg_is(a, "count") && next1) {
            if (!arg_ll(c, &c->argv[++i], &o->count)) return false;
            if (o->count <= 0) {
                reply_error(c, ERR_COUNT_NOT_POSITIVE);
                return false;
            }
        } else if ((arg_is(a, "store") || arg_is(a, "storedist")) && next1 && store_ok) {
            o->storedist = arg_is(a, "storedist");
            o->store = &c->argv[++i];
        } else if (arg_is(a, "storedist") && geosearch && (flags & SEARCH_STORE_CMD)) {
            o->storedist = true;
        } else if (arg_is(a, "frommember") && next1 && geosearch && !o->fromlonlat) {
            i++;
            if (z && !member_lonlat(z, &c->argv[i], shape->xy)) {
                reply_error(c, ERR_GEO_MEMBER);
                return false;
            }
            o->frommember = true;
        } else if (arg_is(a, "fromlonlat") && next2 && geosearch && !o->frommember) {
            if (!parse_lonlat(c, &c->argv[i + 1], shape->xy)) return false;
            o->fromlonlat = true;
            i += 2;
        } else if (arg_is(a, "byradius") && next2 && geosearch && !o->bybox) {
            if (!parse_radius(c, &c->argv[i + 1], &shape->conversion, &shape->radius)) return false;
            shape->type = GEO_SHAPE_CIRCLE;
            o->byradius = true;
            i += 2;
        } else if (arg_is(a, "bybox") && next3 && geosearch && !o->byradius) {
            if (!parse_box(c, &c->argv[i + 1], &shape->conversion, &shape->width, &shape->height))
                return false;
            shape->type = GEO_SHAPE_BOX;
            o->bybox = true;
            i += 3;
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    if (o->store && (o->withdist || o->withhash || o->withcoord)) {
        reply_errorf(c, ERR_GEO_STORE_WITH,
                     (flags & SEARCH_STORE_CMD) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return false;
    }
    const slice *name = &c->argv[0];
    if (geosearch && !(o->frommember || o->fromlonlat)) {
        reply_errorf(c, ERR_GEO_FROM, (int)name->len, name->ptr);
        return false;
    }
    if (geosearch && !(o->byradius || o->bybox)) {
        reply_errorf(c, ERR_GEO_BY, (int)name->len, name->ptr);
        return false;
    }
    if (o->any && !o->count) {
        reply_error(c, ERR_GEO_ANY_COUNT);
        return false;
    }
    return true;
}

/* The store half of a search: the first 'n' points become the sorted set
 * at o->store (or it is deleted when there are none). */
static void store_points(client *c, const search_opts *o, const geo_shape *shape, geo_array *ga,
                         long n, bool geosearch) {
    const slice *dst = o->store;
    if (n == 0) {
        reply_int(c, 0);
        db_delete_propagate(c->db, dst->ptr, dst->len);
        return;
    }
    zset_limits lim = zset_cfg_limits();
    kv *z = zset_new_key(dst, 0, (size_t)n);
    size_t maxlen = 0;
    for (long i = 0; i < n; i++) {
        geo_point *gp = &ga->p[i];
        double score = o->storedist ? gp->dist / shape->conversion : gp->score;
        int out;
        double ns;
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *name = point_name(gp, buf, &len);
        if (len > maxlen) maxlen = len;
        zset_add(z, score, name, len, 0, &out, &ns, &lim);
    }
    zset_shrink_if_fits(z, maxlen, &lim);
    db_set(c->db, z, 0); /* frees the source if it is the same key: read no more */
    db_key_changed(c->db, dst, NOTIFY_ZSET, geosearch ? "geosearchstore" : "georadiusstore", n);
    propagate(c->dbid, c->argc, c->argv);
    reply_int(c, n);
}

static void reply_points(client *c, const search_opts *o, const geo_shape *shape,
                         const geo_array *ga, long n) {
    int extra = o->withdist + o->withhash + o->withcoord;
    reply_array(c, n);
    for (long i = 0; i < n; i++) {
        const geo_point *gp = &ga->p[i];
        if (extra) reply_array(c, extra + 1);
        char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *name = point_name(gp, buf, &len);
        reply_bulk(c, name, len);
        if (o->withdist) reply_distance(c, gp->dist / shape->conversion);
        if (o->withhash) reply_int(c, score_as_ll(gp->score));
        if (o->withcoord) {
            double xy[2];
            geohash_decode_score(gp->score, xy);
            reply_array(c, 2);
            reply_human_double(c, xy[0]);
            reply_human_double(c, xy[1]);
        }
    }
}

/* GEORADIUS, GEORADIUSBYMEMBER, GEOSEARCH, GEOSEARCHSTORE and the _RO
 * forms: Redis's georadiusGeneric. 'src' is the argv index of the set. */
static void search_generic(client *c, int src, int flags) {
    kv *z;
    if (!arg_lookup(c, &c->argv[src], KV_ZSET, false, &z)) return;
    geo_shape shape = {0};
    search_opts o = {.sort = SORT_NONE};
    int base;
    if (flags & SEARCH_COORDS) {
        base = 6;
        shape.type = GEO_SHAPE_CIRCLE;
        if (!parse_lonlat(c, &c->argv[2], shape.xy)) return;
        if (!parse_radius(c, &c->argv[4], &shape.conversion, &shape.radius)) return;
    } else if (flags & SEARCH_MEMBER) {
        base = 5;
        /* With no set, only the options are read (for the reply's shape). */
        if (z) {
            shape.type = GEO_SHAPE_CIRCLE;
            if (!member_lonlat(z, &c->argv[2], shape.xy)) {
                reply_error(c, ERR_GEO_MEMBER);
                return;
            }
            if (!parse_radius(c, &c->argv[3], &shape.conversion, &shape.radius)) return;
        }
    } else {
        base = (flags & SEARCH_STORE_CMD) ? 3 : 2;
        if (flags & SEARCH_STORE_CMD) o.store = &c->argv[1];
    }
    if (!parse_search_opts(c, base, flags, z, &shape, &o)) return;
    bool geosearch = flags & SEARCH_GEOSEARCH;

    geo_array ga = {0};
    if (z == NULL) {
        if (o.store) store_points(c, &o, &shape, &ga, 0, geosearch);
        else reply_empty_array(c);
        return;
    }
    /* COUNT wants the nearest; ANY takes the first found. */
    if (o.count && o.sort == SORT_NONE && !o.any) o.sort = SORT_ASC;
    geohash_radius cells = geohash_search_areas(&shape);
    geo_matcher matcher;
    geohash_matcher_init(&matcher, &shape);
    all_cells(z, &cells, &matcher, &ga, o.any ? (size_t)o.count : 0);

    long found = (long)ga.used;
    long n = (o.count == 0 || found < o.count) ? found : (long)o.count;
    if (o.sort != SORT_NONE && found) {
        point_cmp *cmp = o.sort == SORT_ASC ? by_dist_asc : by_dist_desc;
        if (n == found) sort_points(&ga, o.sort != SORT_ASC);
        else partial_sort(ga.p, found, cmp, ga.p, ga.p + n - 1);
    }
    if (o.store) store_points(c, &o, &shape, &ga, n, geosearch);
    else reply_points(c, &o, &shape, &ga, n);
    mem_free(ga.p);
}

static void cmd_georadius(client *c) { search_generic(c, 1, SEARCH_COORDS); }
static void cmd_georadius_ro(client *c) { search_generic(c, 1, SEARCH_COORDS | SEARCH_NOSTORE); }
static void cmd_georadiusbymember(client *c) { search_generic(c, 1, SEARCH_MEMBER); }
static void cmd_georadiusbymember_ro(client *c) {
    search_generic(c, 1, SEARCH_MEMBER | SEARCH_NOSTORE);
}
static void cmd_geosearch(client *c) { search_generic(c, 1, SEARCH_GEOSEARCH); }
static void cmd_geosearchstore(client *c) {
    search_generic(c, 2, SEARCH_GEOSEARCH | SEARCH_STORE_CMD);
}

/* COMMAND GETKEYS of GEORADIUS (from 6) and GEORADIUSBYMEMBER (from 5):
 * the set, then the key after the first STORE and after the first
 * STOREDIST, as Redis's keyword key specs find them (a keyword in the
 * last argument has no key after it). */
static int getkeys_from(int argc, slice *argv, int *keys, int cap, int start) {
    int n = 0;
    if (cap < 3) return 0;
    keys[n++] = 1;
    const char *words[2] = {"store", "storedist"};
    for (int w = 0; w < 2; w++) {
        for (int i = start; i < argc - 1; i++) {
            if (arg_is(&argv[i], words[w])) {
                keys[n++] = i + 1;
                break;
            }
        }
    }
    return n;
}

static int georadius_getkeys(int argc, slice *argv, int *keys, int cap) {
    return getkeys_from(argc, argv, keys, cap, 6);
}

static int georadiusbymember_getkeys(int argc, slice *argv, int *keys, int cap) {
    return getkeys_from(argc, argv, keys, cap, 5);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command geo_commands[] = {
    {.name = "geoadd", .proc = cmd_geoadd, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "geodist", .proc = cmd_geodist, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "geohash", .proc = cmd_geohash, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "geopos", .proc = cmd_geopos, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "georadius", .proc = cmd_georadius, .getkeys = georadius_getkeys, .arity = -6,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, .acl = ACL_WRITE | ACL_GEO | ACL_SLOW,
     .keys = {1, 1, 1}},
    {.name = "georadius_ro", .proc = cmd_georadius_ro, .arity = -6, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "georadiusbymember", .proc = cmd_georadiusbymember,
     .getkeys = georadiusbymember_getkeys, .arity = -5,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS, .acl = ACL_WRITE | ACL_GEO | ACL_SLOW,
     .keys = {1, 1, 1}},
    {.name = "georadiusbymember_ro", .proc = cmd_georadiusbymember_ro, .arity = -5,
     .flags = CMD_READONLY, .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "geosearch", .proc = cmd_geosearch, .arity = -7, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_GEO | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "geosearchstore", .proc = cmd_geosearchstore, .arity = -8,
     .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_GEO | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = NULL}};
/* clang-format on */
