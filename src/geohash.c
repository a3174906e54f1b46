/* geohash.c -- Redis's 52-bit geohash and the geometry of GEO searches.
 *
 * Encoding interleaves the two 26-bit fixed-point coordinates; decoding
 * takes the centre of the cell. A search (geohash_search_areas) picks a
 * step at which one cell is about the size of the shape, takes the cell
 * of the centre and its eight neighbours, drops the neighbours that lie
 * outside the shape's bounding box, and the caller scans the score range
 * of each remaining cell. All of it reproduces Redis 7.0's arithmetic,
 * in the same order, so the same members are found with the same
 * distances (see geohash.h).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "geohash.h"

#include <math.h>
#include <stddef.h>

#define D_R (M_PI / 180.0)
#define EARTH_RADIUS_IN_METERS 6372797.560856 /* Redis's mean radius */
#define MERCATOR_MAX 20037726.37

static inline double deg_rad(double ang) { return ang * D_R; }
static inline double rad_deg(double ang) { return ang / D_R; }

static inline bool hash_is_zero(geohash_bits h) { return h.bits == 0 && h.step == 0; }

/* ---- Bits ---- */

/* Spread the 32 bits of v to the even bit positions. */
static inline uint64_t spread(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* Gather the even bits of v into 32 bits. */
static inline uint32_t gather(uint64_t v) {
    uint64_t x = v & 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

/* ---- Encoding and decoding ---- */

bool geohash_encode(const geohash_range *lon_r, const geohash_range *lat_r, double lon, double lat,
                    uint8_t step, geohash_bits *out) {
    if (step > 32 || step == 0) return false;
    if ((lat_r->min == 0 && lat_r->max == 0) || (lon_r->min == 0 && lon_r->max == 0)) return false;
    if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN)
        return false;
    out->bits = 0;
    out->step = step;
    if (lat < lat_r->min || lat > lat_r->max || lon < lon_r->min || lon > lon_r->max) return false;
    double lat_offset = (lat - lat_r->min) / (lat_r->max - lat_r->min);
    double lon_offset = (lon - lon_r->min) / (lon_r->max - lon_r->min);
    lat_offset *= (double)(1ULL << step);
    lon_offset *= (double)(1ULL << step);
    /* Offsets lie in [0, 2^step]: the conversion to 32 bits truncates. */
    out->bits = spread((uint32_t)lat_offset) | (spread((uint32_t)lon_offset) << 1);
    return true;
}

static const geohash_range WGS84_LON = {GEO_LONG_MIN, GEO_LONG_MAX};
static const geohash_range WGS84_LAT = {GEO_LAT_MIN, GEO_LAT_MAX};

bool geohash_encode_wgs84(double lon, double lat, uint8_t step, geohash_bits *out) {
    return geohash_encode(&WGS84_LON, &WGS84_LAT, lon, lat, step, out);
}

bool geohash_decode_wgs84(geohash_bits hash, geohash_area *area) {
    if (hash_is_zero(hash)) return false;
    area->hash = hash;
    uint32_t ilat = gather(hash.bits), ilon = gather(hash.bits >> 1);
    double lat_scale = WGS84_LAT.max - WGS84_LAT.min;
    double lon_scale = WGS84_LON.max - WGS84_LON.min;
    double cells = (double)(1ULL << hash.step);
    /* ilat + 1 is 32-bit arithmetic, as in Redis (it wraps at the top). */
    area->lat.min = WGS84_LAT.min + (ilat * 1.0 / cells) * lat_scale;
    area->lat.max = WGS84_LAT.min + ((uint32_t)(ilat + 1) * 1.0 / cells) * lat_scale;
    area->lon.min = WGS84_LON.min + (ilon * 1.0 / cells) * lon_scale;
    area->lon.max = WGS84_LON.min + ((uint32_t)(ilon + 1) * 1.0 / cells) * lon_scale;
    return true;
}

/* What "(uint64_t)score" gives on x86-64, where Redis runs it on any
 * sorted set member: cvttsd2si below 2^63 (two's complement for negative
 * values, 2^63 for those below -2^63), 2^63 subtracted and added back
 * above, 2^63 ^ 2^63 = 0 past 2^64, for +inf and NaN. Written out so that
 * castor gives the same answer without undefined behaviour. */
static uint64_t score_to_bits(double s) {
    const double two63 = 9223372036854775808.0;
    if (s < two63) return s >= -two63 ? (uint64_t)(int64_t)s : 1ULL << 63;
    double t = s - two63;
    uint64_t low = t < two63 ? (uint64_t)(int64_t)t : 1ULL << 63; /* NaN lands here */
    return low ^ (1ULL << 63);
}

/* The centre of cell i of 2^26 along a coordinate, clamped to the limits:
 * the very operations of geohash_decode_wgs84() then Redis's
 * geohashDecodeAreaToLongLat (lower and upper edge, their mean). */
static inline double cell_center(uint32_t i, double min, double max, double lo, double hi) {
    const double cells = (double)(1ULL << GEO_STEP_MAX), scale = max - min;
    double a = min + (i * 1.0 / cells) * scale;
    double b = min + ((uint32_t)(i + 1) * 1.0 / cells) * scale;
    double c = (a + b) / 2;
    if (c > hi) c = hi;
    if (c < lo) c = lo;
    return c;
}

static inline double score_lat(uint64_t bits) {
    return cell_center(gather(bits), GEO_LAT_MIN, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
}

static inline double score_lon(uint64_t bits) {
    return cell_center(gather(bits >> 1), GEO_LONG_MIN, GEO_LONG_MAX, GEO_LONG_MIN, GEO_LONG_MAX);
}

bool geohash_decode_score(double score, double xy[2]) {
    /* Step 26 is never the empty hash: decoding cannot fail. */
    uint64_t bits = score_to_bits(score);
    xy[0] = score_lon(bits);
    xy[1] = score_lat(bits);
    return true;
}

uint64_t geohash_align52(geohash_bits hash) { return hash.bits << (52 - hash.step * 2); }

/* Move one cell east/west (d = +-1) in the odd (longitude) bits, or
 * north/south in the even (latitude) bits, wrapping around. */
static void move_cell(geohash_bits *h, int d, bool lon) {
    const uint64_t odd = 0xaaaaaaaaaaaaaaaaULL, even = 0x5555555555555555ULL;
    uint64_t mine = h->bits & (lon ? odd : even), other = h->bits & (lon ? even : odd);
    int shift = 64 - h->step * 2;
    uint64_t fill = (lon ? even : odd) >> shift; /* the other coordinate's bits set */
    if (d > 0) {
        mine += fill + 1;
    } else {
        mine |= fill;
        mine -= fill + 1;
    }
    mine &= (lon ? odd : even) >> shift;
    h->bits = mine | other;
}

void geohash_neighbors_of(const geohash_bits *hash, geohash_neighbors *n) {
    static const struct {
        int dx, dy;
        size_t off;
    } dirs[] = {{1, 0, offsetof(geohash_neighbors, east)},
                {-1, 0, offsetof(geohash_neighbors, west)},
                {0, -1, offsetof(geohash_neighbors, south)},
                {0, 1, offsetof(geohash_neighbors, north)},
                {-1, 1, offsetof(geohash_neighbors, north_west)},
                {1, 1, offsetof(geohash_neighbors, north_east)},
                {1, -1, offsetof(geohash_neighbors, south_east)},
                {-1, -1, offsetof(geohash_neighbors, south_west)}};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        geohash_bits *h = (geohash_bits *)((char *)n + dirs[i].off);
        *h = *hash;
        if (dirs[i].dx) move_cell(h, dirs[i].dx, true);
        if (dirs[i].dy) move_cell(h, dirs[i].dy, false);
    }
}

void geohash_standard_string(double lon, double lat, char out[12]) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    const geohash_range lon_r = {-180, 180}, lat_r = {-90, 90};
    geohash_bits h = {0, 0};
    geohash_encode(&lon_r, &lat_r, lon, lat, GEO_STEP_MAX, &h);
    for (int i = 0; i < 10; i++) out[i] = alphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
    out[10] = alphabet[0]; /* 52 bits give ten characters; Redis pads the 11th */
    out[11] = '\0';
}

/* ---- Distances ---- */

double geohash_lat_distance(double lat1, double lat2) {
    return EARTH_RADIUS_IN_METERS * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geohash_distance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = deg_rad(lon1), lon2r = deg_rad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* Same meridian (to about 6 nm): the haversine is the latitude arc. */
    if (fabs(v) <= 1e-15) return geohash_lat_distance(lat1, lat2);
    double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS_IN_METERS * asin(sqrt(a));
}

bool geohash_in_shape(const geo_shape *s, double lon, double lat, double *dist) {
    if (s->type == GEO_SHAPE_CIRCLE) {
        *dist = geohash_distance(s->xy[0], s->xy[1], lon, lat);
        return !(*dist > s->radius * s->conversion); /* a NaN distance is inside */
    }
    /* Box: the latitude arc first, it is cheaper. */
    if (geohash_lat_distance(lat, s->xy[1]) > s->height * s->conversion / 2) return false;
    if (geohash_distance(lon, lat, s->xy[0], lat) > s->width * s->conversion / 2) return false;
    *dist = geohash_distance(s->xy[0], s->xy[1], lon, lat);
    return true;
}

/* ---- Matching many scores ---- */

#define MARGIN 1e-9 /* relative; rounding errors here are below 1e-14 */

/* Thresholds on a haversine term a for an arc 'limit' metres long:
 * 2R asin(sqrt(a)) > limit for a > *out, < limit for a < *in. Only where
 * asin is well conditioned (arcs below 1.2 radians). */
static void arc_thresholds(double limit, double *out, double *in) {
    double theta = limit / (2 * EARTH_RADIUS_IN_METERS);
    *out = *in = -1;
    if (!(theta >= 0 && theta < 1.2)) return;
    double s = sin(theta);
    *out = s * s * (1 + MARGIN);
    *in = s * s * (1 - MARGIN);
}

#define SLACK_DEG 1e-9 /* a cell's decoded points lie within its extent to ~1e-13 degree */

/* The widest longitude difference (degrees, with margins) at which
 * sqrt(k) * |sin(dlon / 2)| can stay within sin(limit / 2R); < 0: any. */
static double lon_reach(double limit, double k) {
    double s = sin(limit / (2 * EARTH_RADIUS_IN_METERS)), denom = sqrt(k);
    if (!(denom > 0) || !(s / denom < 1 - MARGIN)) return -1;
    return rad_deg(2 * asin(s / denom)) * (1 + MARGIN) + SLACK_DEG;
}

void geohash_matcher_init(geo_matcher *m, const geo_shape *s) {
    m->type = s->type;
    m->cx = s->xy[0];
    m->cy = s->xy[1];
    m->lon1r = deg_rad(m->cx);
    m->lat1r = deg_rad(m->cy);
    m->cos_lat1 = cos(m->lat1r);
    m->lat_reject = m->band_deg = m->lon_max_deg = m->lon_min_deg = -1;
    bool box = s->type == GEO_SHAPE_BOX;
    if (box) {
        m->limit = s->width * s->conversion / 2;
        m->half_h = s->height * s->conversion / 2;
    } else {
        m->limit = s->radius * s->conversion;
        m->half_h = 0;
    }
    arc_thresholds(m->limit, &m->a_out, &m->a_in);
    /* Below 10,000 km the rounding of every arc stays far inside MARGIN. */
    double lat_limit = box ? m->half_h : m->limit;
    if (!(lat_limit >= 0 && lat_limit <= 1e7 && m->limit >= 0 && m->limit <= 1e7)) return;
    /* The great circle is never shorter than the latitude arc. */
    if (!box) m->lat_reject = m->limit * (1 + MARGIN);
    /* Cells: a latitude band, then, inside it, how far round the longitude
     * can be: the parallel arc (box) or the haversine's longitude term
     * (circle) is smallest where the cosine is, at the band's far edge. */
    m->band_deg = rad_deg(lat_limit / EARTH_RADIUS_IN_METERS) * (1 + MARGIN) + SLACK_DEG;
    double far = fmax(fabs(m->cy - m->band_deg), fabs(m->cy + m->band_deg));
    if (far >= 90) return;
    double cos_far = cos(deg_rad(far));
    m->lon_max_deg = lon_reach(m->limit, box ? cos_far * cos_far : m->cos_lat1 * cos_far);
    double near = m->cy - m->band_deg > 0   ? m->cy - m->band_deg
                  : m->cy + m->band_deg < 0 ? -(m->cy + m->band_deg)
                                            : 0;
    double cos_near = cos(deg_rad(near));
    m->lon_min_deg = lon_reach(m->limit, box ? cos_near * cos_near : m->cos_lat1 * cos_near);
}

/* How far round (degrees, 0..180) the interval [lo, hi] is from x; the
 * interval lies within a degree of [-180, 180]. */
static double lon_gap(double x, double lo, double hi) {
    if (x >= 180) x -= 360;
    if (x < -180) x += 360;
    if (hi - lo >= 360 || (x >= lo && x <= hi)) return 0;
    return x < lo ? fmin(lo - x, x + 360 - hi) : fmin(x - hi, lo + 360 - x);
}

int geohash_cell_test(const geo_matcher *m, const geohash_area *a) {
    if (m->band_deg < 0) return GEO_CELL_CROSSES;
    double lat_lo = a->lat.min - SLACK_DEG, lat_hi = a->lat.max + SLACK_DEG;
    double lon_lo = a->lon.min - SLACK_DEG, lon_hi = a->lon.max + SLACK_DEG;
    /* Near the antipode a circle's haversine term may round past 1: Redis
     * then measures NaN, which is "inside". Leave those cells alone. */
    if (m->type == GEO_SHAPE_CIRCLE && -m->cy >= lat_lo - 1 && -m->cy <= lat_hi + 1 &&
        lon_gap(m->cx + 180, lon_lo, lon_hi) <= 1)
        return GEO_CELL_CROSSES;
    double dlat = m->cy < lat_lo ? lat_lo - m->cy : m->cy > lat_hi ? m->cy - lat_hi : 0;
    if (dlat > m->band_deg) return GEO_CELL_OUTSIDE;
    if (m->lon_max_deg < 0) return GEO_CELL_CROSSES;
    if (lon_gap(m->cx, lon_lo, lon_hi) > m->lon_max_deg) return GEO_CELL_OUTSIDE;
    /* The hint: the far corner within the smaller reaches, by a margin. */
    double lat_far = fmax(fabs(a->lat.min - m->cy), fabs(a->lat.max - m->cy)) / m->band_deg;
    double lon_far = fmax(fabs(a->lon.min - m->cx), fabs(a->lon.max - m->cx)) / m->lon_min_deg;
    bool inside = m->type == GEO_SHAPE_BOX ? lat_far < 0.99 && lon_far < 0.99
                                           : lat_far * lat_far + lon_far * lon_far < 0.95;
    return inside ? GEO_CELL_INSIDE : GEO_CELL_CROSSES;
}

/* 2R asin(sqrt(a)): the end of geohash_distance(). */
static inline double arc_of(double a) { return 2.0 * EARTH_RADIUS_IN_METERS * asin(sqrt(a)); }

bool geohash_match_score(const geo_matcher *m, double score, double *dist) {
    uint64_t bits = score_to_bits(score);
    double lat = score_lat(bits);
    bool box = m->type == GEO_SHAPE_BOX;
    if (box) {
        if (geohash_lat_distance(lat, m->cy) > m->half_h) return false;
    } else if (m->lat_reject >= 0 && geohash_lat_distance(m->cy, lat) > m->lat_reject &&
               fabs(lat + m->cy) > 1) {
        return false; /* (not near the antipode: see geohash_cell_test) */
    }
    double lon = score_lon(bits);
    double lat2r = deg_rad(lat);
    /* The distance's v; the box's longitude arc is measured the other way
     * round, with -v: sin is odd to the bit, and v only appears squared. */
    double v = sin((deg_rad(lon) - m->lon1r) / 2);
    bool same_meridian = fabs(v) <= 1e-15;
    double c2 = 0;
    if (!same_meridian) c2 = cos(lat2r);
    if (box && !same_meridian) {
        double al = 0.0 + c2 * c2 * v * v; /* the arc along the point's parallel */
        if (m->a_out >= 0 && al > m->a_out) return false;
        if (!(m->a_out >= 0 && al < m->a_in) && arc_of(al) > m->limit) return false;
    }
    double d;
    if (same_meridian) {
        d = geohash_lat_distance(m->cy, lat);
    } else {
        double u = sin((lat2r - m->lat1r) / 2);
        double a = u * u + m->cos_lat1 * c2 * v * v;
        /* Past 1 the arc is NaN, which Redis counts as inside. */
        if (!box && m->a_out >= 0 && a > m->a_out && a <= 1) return false;
        d = arc_of(a);
    }
    if (!box && d > m->limit) return false;
    *dist = d;
    return true;
}

/* ---- Search areas ---- */

/* A step whose cells are about as wide as the range: coarser towards the
 * poles, where meridians converge. */
static int steps_for_radius(double range_meters, double lat) {
    if (range_meters == 0) return 26;
    int step = 1;
    while (range_meters < MERCATOR_MAX) {
        range_meters *= 2;
        step++;
    }
    step -= 2; /* make sure the range fits in most cases */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return step;
}

/* The shape's bounding box in degrees. The box is wider on the side
 * further from the equator; the centre's hemisphere decides which. */
static void bounding_box(geo_shape *s) {
    bool circle = s->type == GEO_SHAPE_CIRCLE;
    double height = s->conversion * (circle ? s->radius : s->height / 2);
    double width = s->conversion * (circle ? s->radius : s->width / 2);
    double lon = s->xy[0], lat = s->xy[1];
    const double lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    const double lon_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat + lat_delta)));
    const double lon_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat - lat_delta)));
    bool south = lat < 0;
    s->bounds[0] = south ? lon - lon_delta_bottom : lon - lon_delta_top;
    s->bounds[2] = south ? lon + lon_delta_bottom : lon + lon_delta_top;
    s->bounds[1] = lat - lat_delta;
    s->bounds[3] = lat + lat_delta;
}

static void cells_at(double lon, double lat, int steps, geohash_radius *r) {
    geohash_encode_wgs84(lon, lat, (uint8_t)steps, &r->hash);
    geohash_neighbors_of(&r->hash, &r->neighbors);
    geohash_decode_wgs84(r->hash, &r->area);
}

geohash_radius geohash_search_areas(geo_shape *s) {
    bounding_box(s);
    double min_lon = s->bounds[0], min_lat = s->bounds[1];
    double max_lon = s->bounds[2], max_lat = s->bounds[3];
    double lon = s->xy[0], lat = s->xy[1];
    /* A box is covered by the circle through its corners. */
    double radius_meters =
        s->type == GEO_SHAPE_CIRCLE
            ? s->radius
            : sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2));
    radius_meters *= s->conversion;

    int steps = steps_for_radius(radius_meters, lat);
    geohash_radius r;
    cells_at(lon, lat, steps, &r);

    /* Near a cell edge the neighbours may not reach the whole box: one step
     * coarser then. */
    geohash_area north, south, east, west;
    geohash_decode_wgs84(r.neighbors.north, &north);
    geohash_decode_wgs84(r.neighbors.south, &south);
    geohash_decode_wgs84(r.neighbors.east, &east);
    geohash_decode_wgs84(r.neighbors.west, &west);
    bool decrease = north.lat.max < max_lat || south.lat.min > min_lat || east.lon.max < max_lon ||
                    west.lon.min > min_lon;
    if (steps > 1 && decrease) cells_at(lon, lat, --steps, &r);

    /* Drop the neighbours on sides the box does not reach past the centre
     * cell. */
    if (steps >= 2) {
        const geohash_bits zero = {0, 0};
        geohash_neighbors *n = &r.neighbors;
        if (r.area.lat.min < min_lat) n->south = n->south_west = n->south_east = zero;
        if (r.area.lat.max > max_lat) n->north = n->north_east = n->north_west = zero;
        if (r.area.lon.min < min_lon) n->west = n->south_west = n->north_west = zero;
        if (r.area.lon.max > max_lon) n->east = n->south_east = n->north_east = zero;
    }
    return r;
}
