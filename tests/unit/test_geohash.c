/* test_geohash.c -- unit tests for geohash.c, Redis's 52-bit geohash.
 *
 * Golden values come from redis-server 7.0.15 (GEOADD scores, GEOPOS
 * coordinates printed with 17 decimals, GEOHASH strings, STOREDIST
 * distances): each pins one step of the arithmetic to Redis's, to the
 * last bit. The neighbour and search-area tests check the geometry by its
 * properties: moving east then west returns, cells wrap around, and the
 * cells chosen for a shape cover the shape's bounding box. */
#include "geohash.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "util.h"

static uint64_t encode(double lon, double lat) {
    geohash_bits h;
    ASSERT(geohash_encode_wgs84(lon, lat, GEO_STEP_MAX, &h));
    return geohash_align52(h);
}

/* The text GEOPOS prints for a coordinate. */
static void assert_coord(double v, const char *want) {
    char buf[UTIL_DSTR_SIZE];
    size_t n = util_ld2str(buf, v);
    ASSERT_MEMEQ(buf, n, want, strlen(want));
}

static void test_encode_matches_redis_scores(void) {
    ASSERT_EQ(encode(13.361389, 38.115556), 3479099956230698LL);
    ASSERT_EQ(encode(15.087269, 37.502669), 3479447370796909LL);
    ASSERT_EQ(encode(-74.0131604, 40.7126674), 1791873972053020LL);
    ASSERT_EQ(encode(-73.7858139, 40.6428986), 1791895905559723LL);
    ASSERT_EQ(encode(0, 0), 3377699720527872LL);
    /* On the upper limits the offsets reach 2^26: one bit past 52, as in Redis. */
    ASSERT_EQ(encode(180, 85.05112878), 13510798882111488LL);
    ASSERT_EQ(encode(-180, -85.05112878), 0);
}

static void test_encode_refuses_outside_limits(void) {
    geohash_bits h;
    ASSERT(!geohash_encode_wgs84(180.0001, 0, GEO_STEP_MAX, &h));
    ASSERT(!geohash_encode_wgs84(0, 85.06, GEO_STEP_MAX, &h));
    ASSERT(!geohash_encode_wgs84(0, 0, 0, &h));
    ASSERT(!geohash_encode_wgs84(0, 0, 33, &h));
}

static void test_decode_matches_geopos(void) {
    double xy[2];
    ASSERT(geohash_decode_score(3479099956230698.0, xy));
    assert_coord(xy[0], "13.36138933897018433");
    assert_coord(xy[1], "38.11555639549629859");
    ASSERT(geohash_decode_score(3479447370796909.0, xy));
    assert_coord(xy[0], "15.08726745843887329");
    assert_coord(xy[1], "37.50266842333162032");
    /* The top cell's centre lies past the limits: clamped. */
    ASSERT(geohash_decode_score(4503599627370495.0, xy));
    assert_coord(xy[0], "179.99999731779098511");
    assert_coord(xy[1], "85.05112751263942528");
}

static void test_scores_that_are_no_geohash_decode_as_redis_on_x86(void) {
    /* Any sorted set can be asked for GEOPOS; these are what redis-server
     * 7.0.15 on x86-64 answers for such scores. */
    static const struct {
        double score;
        const char *lon, *lat;
    } cases[] = {
        {-5, "180", "85.0511287799999991"},
        {1e300, "-179.99999731779098511", "-85.05112751263942528"},
        {INFINITY, "-179.99999731779098511", "-85.05112751263942528"},
        {-INFINITY, "180", "-85.05112751263942528"},
        {9.3e18, "180", "85.0511287799999991"},
        {1.5, "-179.99999731779098511", "-85.05112497791824921"},
        {-1e19, "180", "-85.05112751263942528"},
        {4503599627370496.0, "-179.99999731779098511", "85.0511287799999991"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double xy[2];
        ASSERT(geohash_decode_score(cases[i].score, xy));
        assert_coord(xy[0], cases[i].lon);
        assert_coord(xy[1], cases[i].lat);
    }
}

static void test_standard_strings(void) {
    char buf[12];
    double xy[2];
    ASSERT(geohash_decode_score((double)encode(-5.6, 42.6), xy));
    geohash_standard_string(xy[0], xy[1], buf);
    ASSERT_STREQ(buf, "ezs42e44yx0"); /* Wikipedia's example, as Redis prints it */
    ASSERT(geohash_decode_score(3479099956230698.0, xy));
    geohash_standard_string(xy[0], xy[1], buf);
    ASSERT_STREQ(buf, "sqc8b49rny0");
    ASSERT(geohash_decode_score(0, xy));
    geohash_standard_string(xy[0], xy[1], buf);
    ASSERT_STREQ(buf, "00bh0hbj200");
}

static void test_distances(void) {
    double p[2], c[2];
    ASSERT(geohash_decode_score(3479099956230698.0, p));
    ASSERT(geohash_decode_score(3479447370796909.0, c));
    char buf[64];
    snprintf(buf, sizeof(buf), "%.4f", geohash_distance(p[0], p[1], c[0], c[1]));
    ASSERT_STREQ(buf, "166274.1516");
    /* STOREDIST keeps the double: every bit counts. */
    snprintf(buf, sizeof(buf), "%.17g", geohash_distance(p[0], p[1], c[0], c[1]) / 1000);
    ASSERT_STREQ(buf, "166.27415156960032");
    /* Same meridian: Redis 7.0.15 takes the latitude arc (a discriminating case). */
    double a[2], b[2];
    ASSERT(geohash_decode_score((double)encode(10, -58.50172094201581), a));
    ASSERT(geohash_decode_score((double)encode(10, 55.58939790995723), b));
    snprintf(buf, sizeof(buf), "%.17g", geohash_distance(a[0], a[1], b[0], b[1]) / 1000);
    ASSERT_STREQ(buf, "12689.932843686956");
}

static void test_neighbors_move_and_wrap(void) {
    geohash_bits h;
    ASSERT(geohash_encode_wgs84(13.36, 38.11, 10, &h));
    geohash_neighbors n;
    geohash_neighbors_of(&h, &n);
    geohash_area c, e, w, no, so;
    ASSERT(geohash_decode_wgs84(h, &c));
    ASSERT(geohash_decode_wgs84(n.east, &e));
    ASSERT(geohash_decode_wgs84(n.west, &w));
    ASSERT(geohash_decode_wgs84(n.north, &no));
    ASSERT(geohash_decode_wgs84(n.south, &so));
    ASSERT(e.lon.min == c.lon.max && w.lon.max == c.lon.min);
    ASSERT(no.lat.min == c.lat.max && so.lat.max == c.lat.min);
    ASSERT(e.lat.min == c.lat.min && no.lon.min == c.lon.min);
    geohash_neighbors back;
    geohash_neighbors_of(&n.east, &back);
    ASSERT_EQ(back.west.bits, h.bits);
    geohash_neighbors_of(&n.north_east, &back);
    ASSERT_EQ(back.south_west.bits, h.bits);
    /* East of the easternmost cell is the westernmost. */
    ASSERT(geohash_encode_wgs84(179.99, 0, 10, &h));
    geohash_neighbors_of(&h, &n);
    ASSERT(geohash_decode_wgs84(n.east, &e));
    ASSERT(e.lon.min == -180);
}

static void covers(geo_shape *s) {
    geohash_radius r = geohash_search_areas(s);
    /* Every corner of the bounding box that lies within the limits falls
     * in one of the nine cells (zeroed ones excluded). */
    const geohash_bits *cells[9] = {&r.hash,
                                    &r.neighbors.north,
                                    &r.neighbors.south,
                                    &r.neighbors.east,
                                    &r.neighbors.west,
                                    &r.neighbors.north_east,
                                    &r.neighbors.north_west,
                                    &r.neighbors.south_east,
                                    &r.neighbors.south_west};
    double corners[4][2] = {{s->bounds[0], s->bounds[1]},
                            {s->bounds[0], s->bounds[3]},
                            {s->bounds[2], s->bounds[1]},
                            {s->bounds[2], s->bounds[3]}};
    for (int k = 0; k < 4; k++) {
        double lon = corners[k][0], lat = corners[k][1];
        if (lon < -180 || lon > 180 || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) continue;
        bool found = false;
        for (int i = 0; i < 9 && !found; i++) {
            geohash_area a;
            if (!geohash_decode_wgs84(*cells[i], &a)) continue;
            found = lon >= a.lon.min && lon <= a.lon.max && lat >= a.lat.min && lat <= a.lat.max;
        }
        ASSERT(found);
    }
}

static void test_search_areas_cover_the_shape(void) {
    double centres[][2] = {{13.36, 38.11}, {-73.97, 40.75}, {179.5, 36},
                           {0, 0},         {45, 65},        {-120, -70}};
    double radii[] = {0.5, 10, 200, 5000};
    for (size_t i = 0; i < sizeof(centres) / sizeof(centres[0]); i++) {
        for (size_t j = 0; j < sizeof(radii) / sizeof(radii[0]); j++) {
            geo_shape circle = {.type = GEO_SHAPE_CIRCLE,
                                .xy = {centres[i][0], centres[i][1]},
                                .conversion = 1000,
                                .radius = radii[j]};
            covers(&circle);
            geo_shape box = {.type = GEO_SHAPE_BOX,
                             .xy = {centres[i][0], centres[i][1]},
                             .conversion = 1000,
                             .width = radii[j] * 2,
                             .height = radii[j]};
            covers(&box);
        }
    }
}

static void test_shape_membership(void) {
    geo_shape circle = {.type = GEO_SHAPE_CIRCLE,
                        .xy = {13.361389, 38.115556},
                        .conversion = 1000,
                        .radius = 166.3};
    double d;
    ASSERT(geohash_in_shape(&circle, 15.087269, 37.502669, &d));
    ASSERT(d > 166274 && d < 166275);
    circle.radius = 166.2;
    ASSERT(!geohash_in_shape(&circle, 15.087269, 37.502669, &d));
    geo_shape box = {
        .type = GEO_SHAPE_BOX, .xy = {15, 37}, .conversion = 1000, .width = 400, .height = 2};
    ASSERT(geohash_in_shape(&box, 12.75, 36.995, &d));
    ASSERT(!geohash_in_shape(&box, 12.75, 36.5, &d));
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double urand(void) { /* [0, 1) */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* The matcher's answers and distances against the literal reference, for
 * a shape, on scores spread over its search cells and packed along its
 * edge (where the shortcuts must defer). */
static void matcher_agrees(geo_shape *s, long *checked) {
    geohash_radius r = geohash_search_areas(s);
    geo_matcher m;
    geohash_matcher_init(&m, s);
    double w = s->bounds[2] - s->bounds[0], h = s->bounds[3] - s->bounds[1];
    for (int i = 0; i < 4000; i++) {
        double lon, lat;
        if (i % 2) {
            /* Near the edge: a random bearing, scaled to the boundary. */
            double t = urand() * 2 * M_PI, k = 1 + (urand() - 0.5) * 1e-6;
            lon = s->xy[0] + cos(t) * w / 2 * k * (s->type == GEO_SHAPE_BOX ? 1.0 : 0.999999);
            lat = s->xy[1] + sin(t) * h / 2 * k;
            if (s->type == GEO_SHAPE_BOX && i % 4 == 1) lon = s->xy[0] + (urand() - 0.5) * w;
            if (s->type == GEO_SHAPE_BOX && i % 4 == 3) lat = s->xy[1] + (urand() - 0.5) * h;
        } else {
            lon = s->bounds[0] - w * 0.1 + urand() * w * 1.2;
            lat = s->bounds[1] - h * 0.1 + urand() * h * 1.2;
        }
        if (lon < -180) lon += 360;
        if (lon > 180) lon -= 360;
        if (lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) continue;
        geohash_bits hb;
        if (!geohash_encode_wgs84(lon, lat, GEO_STEP_MAX, &hb)) continue;
        double score = (double)geohash_align52(hb), xy[2], d1 = -1, d2 = -1;
        ASSERT(geohash_decode_score(score, xy));
        bool want = geohash_in_shape(s, xy[0], xy[1], &d1);
        bool got = geohash_match_score(&m, score, &d2);
        if (want != got || (want && memcmp(&d1, &d2, sizeof(d1)) != 0))
            UNIT_FAIL(
                "shape %d at %.17g,%.17g size %g/%g/%g: point %.17g,%.17g: %d %.17g vs %d %.17g",
                s->type, s->xy[0], s->xy[1], s->radius, s->width, s->height, xy[0], xy[1], want, d1,
                got, d2);
        (*checked)++;
    }
    (void)r;
}

static void test_matcher_agrees_with_the_literal_checks(void) {
    long checked = 0;
    double sizes[] = {0, 0.001, 0.3, 5, 120, 2000, 9000, 14000, 30000};
    for (int round = 0; round < 300; round++) {
        double lon = urand() * 360 - 180, lat = (urand() * 2 - 1) * 84;
        if (round % 7 == 0) lat = (urand() * 2 - 1) * 3;
        double size = sizes[round % 9] * (0.5 + urand());
        geo_shape c = {
            .type = GEO_SHAPE_CIRCLE, .xy = {lon, lat}, .conversion = 1000, .radius = size};
        matcher_agrees(&c, &checked);
        geo_shape b = {.type = GEO_SHAPE_BOX,
                       .xy = {lon, lat},
                       .conversion = 1000,
                       .width = size * 2 * urand(),
                       .height = size * 2 * urand()};
        matcher_agrees(&b, &checked);
    }
    ASSERT(checked > 1000000);
}

/* One point against shapes whose edge passes right through it: radius,
 * half width or half height equal to its own arcs, nudged by a few
 * relative amounts around the matcher's margin. */
static void edge_cases_through(double cx, double cy, double score, long *checked) {
    static const double nudges[] = {0,      1e-16, -1e-16, 1e-13, -1e-13, 5e-10,
                                    -5e-10, 2e-9,  -2e-9,  1e-7,  -1e-7};
    double xy[2], d;
    ASSERT(geohash_decode_score(score, xy));
    double dist = geohash_distance(cx, cy, xy[0], xy[1]);
    double lon_arc = geohash_distance(xy[0], xy[1], cx, xy[1]);
    double lat_arc = geohash_lat_distance(xy[1], cy);
    for (size_t i = 0; i < sizeof(nudges) / sizeof(nudges[0]); i++) {
        double k = 1 + nudges[i];
        geo_shape shapes[3] = {
            {.type = GEO_SHAPE_CIRCLE, .xy = {cx, cy}, .conversion = 1, .radius = dist * k},
            {.type = GEO_SHAPE_BOX,
             .xy = {cx, cy},
             .conversion = 1,
             .width = 2 * lon_arc * k,
             .height = 2 * lat_arc * 1.5 + 1},
            {.type = GEO_SHAPE_BOX,
             .xy = {cx, cy},
             .conversion = 1,
             .width = 2 * lon_arc * 1.5 + 1,
             .height = 2 * lat_arc * k}};
        for (int j = 0; j < 3; j++) {
            geo_matcher m;
            geohash_matcher_init(&m, &shapes[j]);
            double d1 = -1, d2 = -1;
            bool want = geohash_in_shape(&shapes[j], xy[0], xy[1], &d1);
            bool got = geohash_match_score(&m, score, &d2);
            if (want != got || (want && memcmp(&d1, &d2, sizeof(d1)) != 0))
                UNIT_FAIL(
                    "shape %d nudge %g centre %.17g,%.17g point %.17g,%.17g: %d %.17g vs %d %.17g",
                    j, nudges[i], cx, cy, xy[0], xy[1], want, d1, got, d2);
            (*checked)++;
        }
    }
    (void)d;
}

static void test_matcher_on_shapes_through_the_point(void) {
    long checked = 0;
    for (int i = 0; i < 40000; i++) {
        double cx = urand() * 360 - 180, cy = (urand() * 2 - 1) * 85;
        double span = i % 4 == 0 ? 60 : i % 4 == 1 ? 2 : i % 4 == 2 ? 0.01 : 0.0001;
        double px = cx + (urand() * 2 - 1) * span, py = cy + (urand() * 2 - 1) * span / 2;
        if (px < -180 || px > 180 || py < GEO_LAT_MIN || py > GEO_LAT_MAX) continue;
        if (i % 5 == 0) px = cx; /* same meridian */
        geohash_bits hb;
        ASSERT(geohash_encode_wgs84(px, py, GEO_STEP_MAX, &hb));
        edge_cases_through(cx, cy, (double)geohash_align52(hb), &checked);
    }
    ASSERT(checked > 1000000);
}

/* A cell the matcher finds OUTSIDE holds no point the literal check takes:
 * its corners, centre and random points, for shapes and cells around
 * them at several steps. */
static void test_pruned_cells_hold_no_match(void) {
    long pruned = 0, checked = 0;
    for (int round = 0; round < 3000; round++) {
        double cx = urand() * 360 - 180, cy = (urand() * 2 - 1) * 84;
        double size = (round % 3 == 0 ? 3000 : round % 3 == 1 ? 50 : 1) * (0.2 + urand());
        geo_shape s = round % 2 ? (geo_shape){.type = GEO_SHAPE_CIRCLE,
                                              .xy = {cx, cy},
                                              .conversion = 1000,
                                              .radius = size}
                                : (geo_shape){.type = GEO_SHAPE_BOX,
                                              .xy = {cx, cy},
                                              .conversion = 1000,
                                              .width = size * 2 * urand(),
                                              .height = size * 2 * urand()};
        geohash_radius r = geohash_search_areas(&s);
        geo_matcher m;
        geohash_matcher_init(&m, &s);
        for (int depth = 1; depth <= 4; depth++) {
            for (int k = 0; k < 16; k++) {
                geohash_bits cell = {(r.hash.bits << (2 * depth)) |
                                         (uint64_t)(urand() * (1 << (2 * depth))),
                                     (uint8_t)(r.hash.step + depth)};
                if (cell.step > GEO_STEP_MAX) continue;
                geohash_area a;
                ASSERT(geohash_decode_wgs84(cell, &a));
                if (geohash_cell_test(&m, &a) != GEO_CELL_OUTSIDE) continue;
                pruned++;
                int shift = 2 * (GEO_STEP_MAX - cell.step);
                uint64_t span = 1ULL << shift;
                for (int t = 0; t < 40; t++) {
                    /* Step-26 cells inside: the first, the last, random ones. */
                    uint64_t sub = t == 0   ? 0
                                   : t == 1 ? span - 1
                                            : (uint64_t)(urand() * (double)span);
                    double score = (double)((cell.bits << shift) | sub), xy[2], d;
                    ASSERT(geohash_decode_score(score, xy));
                    if (geohash_in_shape(&s, xy[0], xy[1], &d))
                        UNIT_FAIL(
                            "pruned cell %llu/%d [%.17g,%.17g]x[%.17g,%.17g] holds %.17g,%.17g "
                            "(shape %d at %.17g,%.17g r %g w %g h %g; band %g lon %g)",
                            (unsigned long long)cell.bits, cell.step, a.lon.min, a.lon.max,
                            a.lat.min, a.lat.max, xy[0], xy[1], s.type, cx, cy, s.radius, s.width,
                            s.height, m.band_deg, m.lon_max_deg);
                    checked++;
                }
            }
        }
    }
    ASSERT(pruned > 10000 && checked > 100000);
}

/* Points exactly opposite each other on the grid: Redis's haversine term
 * can round past 1 and the distance becomes NaN, which a circle counts as
 * inside. The matcher must agree, whatever the radius. */
static void test_antipodes(void) {
    long checked = 0;
    for (int i = 0; i < 20000; i++) {
        geohash_bits hb;
        ASSERT(
            geohash_encode_wgs84(urand() * 360 - 180, (urand() * 2 - 1) * 85, GEO_STEP_MAX, &hb));
        double c[2], o[2];
        ASSERT(geohash_decode_score((double)geohash_align52(hb), c));
        double olon = c[0] > 0 ? c[0] - 180 : c[0] + 180;
        ASSERT(geohash_encode_wgs84(olon, -c[1], GEO_STEP_MAX, &hb));
        double score = (double)geohash_align52(hb);
        ASSERT(geohash_decode_score(score, o));
        double radii[] = {10, 5000, 9999, 15000, 19000, 25000};
        for (int j = 0; j < 6; j++) {
            geo_shape s = {.type = GEO_SHAPE_CIRCLE,
                           .xy = {c[0], c[1]},
                           .conversion = 1000,
                           .radius = radii[j]};
            geohash_search_areas(&s);
            geo_matcher m;
            geohash_matcher_init(&m, &s);
            double d1 = -1, d2 = -1;
            bool want = geohash_in_shape(&s, o[0], o[1], &d1);
            bool got = geohash_match_score(&m, score, &d2);
            ASSERT(want == got);
            ASSERT(!want || memcmp(&d1, &d2, sizeof(d1)) == 0);
            geohash_bits cell = {hb.bits >> 20, GEO_STEP_MAX - 10};
            geohash_area a;
            ASSERT(geohash_decode_wgs84(cell, &a));
            if (want) ASSERT(geohash_cell_test(&m, &a) != GEO_CELL_OUTSIDE);
            checked++;
        }
    }
    ASSERT(checked == 120000);
}

static void test_sin_is_odd_to_the_bit(void) {
    /* The matcher measures the box's longitude arc with sin(x) where Redis
     * uses sin(-x); they must be exact negations. */
    for (int i = 0; i < 2000000; i++) {
        double x = (urand() * 2 - 1) * M_PI;
        if (i % 3 == 0) x *= 1e-9;
        ASSERT(sin(-x) == -sin(x));
    }
}

int main(void) {
    RUN(test_encode_matches_redis_scores);
    RUN(test_encode_refuses_outside_limits);
    RUN(test_decode_matches_geopos);
    RUN(test_scores_that_are_no_geohash_decode_as_redis_on_x86);
    RUN(test_standard_strings);
    RUN(test_distances);
    RUN(test_neighbors_move_and_wrap);
    RUN(test_search_areas_cover_the_shape);
    RUN(test_shape_membership);
    RUN(test_matcher_agrees_with_the_literal_checks);
    RUN(test_matcher_on_shapes_through_the_point);
    RUN(test_pruned_cells_hold_no_match);
    RUN(test_antipodes);
    RUN(test_sin_is_odd_to_the_bit);
    return unit_report();
}
