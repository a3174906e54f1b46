/* geohash.h -- Redis's 52-bit geohash: encoding, decoding, neighbouring
 * cells, the search areas of a radius or box query, and the distances.
 *
 * A geo set is a sorted set whose scores are 52-bit geohashes: longitude
 * in [-180, 180] and latitude in [-85.05112878, 85.05112878] (the Web
 * Mercator limits), each cut into 2^26 steps, their bits interleaved
 * (latitude in the even bits). Every computation here follows Redis 7.0's
 * geohash.c and geohash_helper.c operation for operation, because the
 * results are visible to the last bit: GEOPOS prints 17 digits, STOREDIST
 * stores the double, and which cells a search visits decides which
 * members it finds and in what order.
 *
 * Layer 1: pure functions, no server state.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_GEOHASH_H
#define CASTOR_GEOHASH_H

#include <stdbool.h>
#include <stdint.h>

#define GEO_STEP_MAX 26 /* 26 * 2 = 52 bits: what a double score holds exactly */
#define GEO_LAT_MIN -85.05112878
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN -180
#define GEO_LONG_MAX 180

typedef struct geohash_bits {
    uint64_t bits;
    uint8_t step; /* bits per coordinate; bits == 0 and step == 0: no cell */
} geohash_bits;

typedef struct geohash_range {
    double min, max;
} geohash_range;

typedef struct geohash_area {
    geohash_bits hash;
    geohash_range lon, lat;
} geohash_area;

typedef struct geohash_neighbors {
    geohash_bits north, east, west, south, north_east, south_east, north_west, south_west;
} geohash_neighbors;

/* Encoding and decoding */
/* The geohash of (lon, lat) at 'step' bits per coordinate within the given
 * ranges. False (and *out untouched or zero) outside the ranges or the
 * Mercator limits. */
bool geohash_encode(const geohash_range *lon_r, const geohash_range *lat_r, double lon, double lat,
                    uint8_t step, geohash_bits *out);
/* The same within the geo set ranges. */
bool geohash_encode_wgs84(double lon, double lat, uint8_t step, geohash_bits *out);
/* The cell of 'hash' within the geo set ranges. False for the empty hash. */
bool geohash_decode_wgs84(geohash_bits hash, geohash_area *area);
/* A stored score (any double) as Redis decodes it: converted to 64 bits
 * as an x86-64 (uint64_t) cast does, decoded at step 26, centred. */
bool geohash_decode_score(double score, double xy[2]);
/* 'hash' shifted to 52 bits: a score, or a bound of a cell's scores. */
uint64_t geohash_align52(geohash_bits hash);
void geohash_neighbors_of(const geohash_bits *hash, geohash_neighbors *out);
/* The 11-character standard geohash (ranges +-180, +-90) of a position, as
 * GEOHASH prints it: ten base32 characters of 52 bits, then '0'. */
void geohash_standard_string(double lon, double lat, char out[12]);

/* Distances in metres (haversine on Redis's Earth radius) */
double geohash_distance(double lon1, double lat1, double lon2, double lat2);
double geohash_lat_distance(double lat1, double lat2);

/* Search shapes */
enum { GEO_SHAPE_CIRCLE = 1, GEO_SHAPE_BOX = 2 };

typedef struct geo_shape {
    int type;
    double xy[2];         /* centre: lon, lat */
    double conversion;    /* metres per unit of radius / width / height */
    double bounds[4];     /* set by geohash_search_areas: lon min, lat min, lon max, lat max */
    double radius;        /* circle, in units */
    double width, height; /* box, in units */
} geo_shape;

/* The cells to scan for a shape: its centre cell and eight neighbours, at
 * a step coarse enough that they cover the shape; neighbours that cannot
 * hold a match are zeroed. */
typedef struct geohash_radius {
    geohash_bits hash;
    geohash_area area;
    geohash_neighbors neighbors;
} geohash_radius;

geohash_radius geohash_search_areas(geo_shape *shape);
/* Whether (lon, lat) lies inside the shape; *dist gets its distance from
 * the centre in metres when it does. Redis's geoWithinShape, literally. */
bool geohash_in_shape(const geo_shape *shape, double lon, double lat, double *dist);

/* A shape prepared for testing many stored scores: the centre's
 * trigonometry is computed once, the longitude is decoded only for scores
 * inside the shape's latitude band, and clear cases are settled on the
 * haversine term without sqrt and asin. The answers and distances are
 * exactly those of geohash_decode_score() then geohash_in_shape(): the
 * shortcuts only decide where a margin of 1e-9 (far above the rounding
 * errors) leaves no doubt, and defer to the full computation otherwise. */
typedef struct geo_matcher {
    int type;
    double cx, cy; /* centre, degrees */
    double lon1r, lat1r, cos_lat1;
    double limit;       /* circle: radius in metres; box: half its width */
    double half_h;      /* box: half its height in metres */
    double lat_reject;  /* circle: a latitude arc above this is outside; < 0: none */
    double a_out, a_in; /* haversine terms above a_out are outside, below a_in inside
                              * (circle: distance; box: longitude arc); a_out < 0: none */
    double band_deg;    /* cells: latitudes further from cy cannot match; < 0: no pruning */
    double lon_max_deg; /* cells: nor longitudes further round from cx; < 0: none */
    double lon_min_deg; /* the longitude reach nearest the equator (a hint) */
} geo_matcher;

void geohash_matcher_init(geo_matcher *m, const geo_shape *shape);
/* Whether the stored score lies inside; *dist as geohash_in_shape(). */
bool geohash_match_score(const geo_matcher *m, double score, double *dist);
/* Where a cell (its decoded extents) lies against the shape. OUTSIDE only
 * if no score within the cell can match, by a conservative bound with
 * margins: a search may skip the cell's score range. INSIDE when the cell
 * looks wholly inside: a hint to stop dividing it, not a promise. */
enum { GEO_CELL_OUTSIDE, GEO_CELL_CROSSES, GEO_CELL_INSIDE };
int geohash_cell_test(const geo_matcher *m, const geohash_area *cell);

#endif
