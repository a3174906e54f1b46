"""Differential tests of the geo commands (geo.c, geohash.c) against
redis-server 7.0.

Replies are compared exactly, in RESP2 and RESP3: coordinates with their
17 decimals, distances with four, hashes, the order of every result (ties
at equal distances included, with and without COUNT, which switches Redis
to a partial sort), the sorted sets STORE and STOREDIST leave (scores to
the last bit, encodings), and every error in the order Redis checks.
Seeded random data sets and searches cover both zset encodings, every
shape, unit and option, the poles and the date line.

"GEOSEARCH ... The command optionally returns additional information using
the following options: WITHDIST ... WITHCOORD ... WITHHASH" (Redis
GEOSEARCH documentation)
"""

import random

import pytest

NYC = ["-73.9454966", "40.747533", "lic market", "-73.9733487", "40.7648057", "central park n/q/r",
       "-73.9903085", "40.7362513", "union square", "-74.0131604", "40.7126674", "wtc one",
       "-73.7858139", "40.6428986", "jfk", "-73.9375699", "40.7498929", "q4",
       "-73.9564142", "40.7480973", "4545"]
SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]
CENTER = ["-73.9798091", "40.7598464"]


def both_protocols(pair, *args):
    pair.check(*args)
    pair.check3(*args)


@pytest.fixture
def nyc(pair):
    pair.check("GEOADD", "nyc", *NYC)
    return "nyc"


# ---- GEOADD ---------------------------------------------------------------------------------

def test_geoadd_replies_scores_and_encoding(pair):
    pair.same([("GEOADD", "g", *SICILY), ("GEOADD", "g", *SICILY), ("ZRANGE", "g", 0, -1, "WITHSCORES"),
               ("OBJECT", "ENCODING", "g"), ("TYPE", "g"), ("GEOADD", "g", "13", "38", "Palermo"),
               ("ZRANGE", "g", 0, -1, "WITHSCORES")])
    pair.check3("ZRANGE", "g", 0, -1, "WITHSCORES")


@pytest.mark.parametrize("opts", [(), ("NX",), ("XX",), ("CH",), ("CH", "NX"), ("CH", "XX"),
                                  ("nx", "ch"), ("XX", "XX"), ("ch", "ch", "xx")],
                         ids=lambda o: "-".join(o) or "none")
def test_geoadd_options(pair, opts):
    pair.check("GEOADD", "g", "10", "20", "a", "30", "40", "b")
    pair.same([("GEOADD", "g", *opts, "11", "21", "a", "30", "40", "b", "50", "60", "c"),
               ("ZRANGE", "g", 0, -1, "WITHSCORES"), ("GEOADD", "new", *opts, "1", "2", "x"),
               ("EXISTS", "new")])


def test_geoadd_errors(pair):
    pair.same([("SET", "s", "x"), ("GEOADD", "g", "1", "2", "a")])
    for args in [("XX", "NX", "1", "2", "m"), ("xx", "nx", "ch", "1", "2", "m"), ("1", "2"),
                 ("ch", "xx", "foo", "1", "2", "m"), ("1", "2", "m", "3"), ("GT", "1", "2", "m"),
                 ("foo", "bar", "m"), ("1", "bar", "m"), ("200", "100", "m"), ("-180.1", "0", "m"),
                 ("180.0000001", "0", "m"), ("0", "85.05112879", "m"), ("0", "-85.06", "m"),
                 ("nan", "0", "m"), ("inf", "0", "m"), ("0", "-inf", "m"), ("1e300", "1", "m"),
                 ("1", "2", "ok", "500", "2", "bad"), (" 1", "2", "m"), ("1", "2 ", "m"),
                 ("", "2", "m"), ("0x10", "2", "m")]:
        pair.check("GEOADD", "g", *args)
    pair.check("GEOADD", "s", "1", "2", "m")
    pair.check("GEOADD", "s", "500", "2", "m")
    pair.check("ZRANGE", "g", 0, -1, "WITHSCORES")
    pair.check("GEOADD", "g")


def test_geoadd_limits_and_special_numbers(pair):
    pair.same([("GEOADD", "g", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw",
                "0", "0", "o", "-0", "-0", "negzero", "1e-300", "0", "tiny", "179.99999999", "0", "e",
                "+5", "+5", "plus", "5.", "5.", "dot", "1E1", "1e1", "exp"),
               ("ZRANGE", "g", 0, -1, "WITHSCORES")])
    both_protocols(pair, "GEOPOS", "g", "ne", "sw", "o", "negzero", "tiny", "e", "plus", "dot", "exp")
    pair.check("GEOHASH", "g", "ne", "sw", "o", "negzero", "tiny", "e")


def test_geoadd_grows_into_a_skiplist_like_zadd(pair):
    for i in range(0, 200, 20):
        args = []
        for j in range(i, i + 20):
            args += [str(-170 + j * 1.3), str(-80 + j * 0.7), "p%d" % j]
        pair.check("GEOADD", "g", *args)
        pair.check("OBJECT", "ENCODING", "g")
    pair.check("GEOADD", "g", "1", "1", "x" * 100)
    pair.check("OBJECT", "ENCODING", "g")


# ---- GEOPOS, GEOHASH, GEODIST ---------------------------------------------------------------

def test_geopos_geohash(pair, nyc):
    both_protocols(pair, "GEOPOS", nyc, "wtc one", "nope", "4545", "jfk")
    both_protocols(pair, "GEOPOS", nyc)
    both_protocols(pair, "GEOPOS", "nokey", "a", "b")
    both_protocols(pair, "GEOHASH", nyc, "wtc one", "nope", "4545", "jfk")
    both_protocols(pair, "GEOHASH", nyc)
    both_protocols(pair, "GEOHASH", "nokey", "a")
    pair.same([("GEOADD", "p", "-5.6", "42.6", "test"), ("GEOHASH", "p", "test")])


def test_geodist(pair, nyc):
    for unit in ((), ("m",), ("km",), ("KM",), ("ft",), ("Mi",), ("parsec",), ("",)):
        both_protocols(pair, "GEODIST", nyc, "wtc one", "jfk", *unit)
    for args in (("wtc one", "nope"), ("nope", "wtc one"), ("jfk", "jfk"), ("a", "b", "km", "x"),
                 ("a", "b", "parsec")):
        both_protocols(pair, "GEODIST", nyc, *args)
    both_protocols(pair, "GEODIST", "nokey", "a", "b")
    both_protocols(pair, "GEODIST", "nokey", "a", "b", "bad")
    pair.check("SET", "s", "x")
    for cmd in (("GEODIST", "s", "a", "b"), ("GEOPOS", "s", "a"), ("GEOHASH", "s", "a"),
                ("GEODIST", "s", "a", "b", "bad"), ("GEODIST", nyc, "a")):
        pair.check(*cmd)


def test_scores_that_are_no_geohash(pair):
    """Any sorted set answers the geo reads; Redis decodes whatever score
    it finds (as an x86-64 conversion to 64 bits)."""
    pair.check("ZADD", "z", "-5", "neg", "1e300", "huge", "inf", "pinf", "-inf", "ninf",
               "9.3e18", "big", "1.5", "frac", "-1e19", "hugeneg", "4503599627370496", "b52",
               "0", "zero", "-0.5", "negfrac")
    members = ["neg", "huge", "pinf", "ninf", "big", "frac", "hugeneg", "b52", "zero", "negfrac"]
    both_protocols(pair, "GEOPOS", "z", *members)
    pair.check("GEOHASH", "z", *members)
    pair.check("GEODIST", "z", "neg", "frac")
    for lon, lat in (("180", "85"), ("-180", "-85"), ("0", "0"), ("-179.9", "-85")):
        pair.check("GEORADIUS", "z", lon, lat, "500", "km", "WITHHASH", "WITHCOORD", "WITHDIST")
        pair.check("GEOSEARCH", "z", "FROMLONLAT", lon, lat, "BYBOX", "1000", "1000", "km",
                   "WITHHASH", "ASC")


# ---- Searches: the suite's cases ---------------------------------------------------------------

def test_searches_from_the_redis_suite(pair, nyc):
    for args in [("GEORADIUS", nyc, *CENTER, "3", "km", "asc"),
                 ("GEORADIUS", nyc, *CENTER, "3", "km", "withdist", "asc"),
                 ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "3"),
                 ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "3", "ANY"),
                 ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "3", "ANY", "ASC"),
                 ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "2", "DESC"),
                 ("GEORADIUSBYMEMBER", nyc, "wtc one", "7", "km"),
                 ("GEORADIUSBYMEMBER", nyc, "wtc one", "7", "km", "withdist"),
                 ("GEOSEARCH", nyc, "fromlonlat", *CENTER, "bybox", "6", "6", "km", "asc"),
                 ("GEOSEARCH", nyc, "fromlonlat", *CENTER, "bybox", "6", "6", "km", "withdist", "asc"),
                 ("GEOSEARCH", nyc, "frommember", "wtc one", "bybox", "14", "14", "km"),
                 ("GEORADIUS_RO", nyc, *CENTER, "3", "km", "WITHCOORD", "WITHHASH"),
                 ("GEORADIUSBYMEMBER_RO", nyc, "jfk", "30", "km", "WITHDIST", "DESC")]:
        both_protocols(pair, *args)


def test_search_edges_from_the_redis_suite(pair):
    pair.same([("GEOADD", "users", "-47.271613776683807", "-54.534504198047678", "user_000000"),
               ("GEORADIUS", "users", "0", "0", "50000", "km", "WITHCOORD"),
               ("GEOADD", "k1", "-0.15307903289794921875", "85", "n1", "0.3515625",
                "85.00019260486917005437", "n2"),
               ("GEORADIUSBYMEMBER", "k1", "n1", "4891.94", "m"),
               ("GEOADD", "k2", "-4.95211958885192871094", "85", "n3", "11.25", "85.0511", "n4"),
               ("GEORADIUSBYMEMBER", "k2", "n3", "156544", "m"),
               ("GEOADD", "k3", "-45", "65.50900022111811438208", "n5", "90", "85.0511", "n6"),
               ("GEORADIUSBYMEMBER", "k3", "n5", "5009431", "m"),
               ("GEOADD", "k4", "45", "65", "n1", "-135", "85.05", "n2"),
               ("GEORADIUSBYMEMBER", "k4", "n1", "5009431", "m"),
               ("GEOADD", "s", *SICILY, "12.758489", "38.788135", "edge1", "17.241510", "38.788135",
                "eage2"),
               ("GEORADIUS", "s", "15", "37", "200", "km", "asc"),
               ("GEOSEARCH", "s", "fromlonlat", "15", "37", "bybox", "400", "400", "km", "asc"),
               ("GEOADD", "t", "12.75", "36.995", "test1", "12.75", "36.50", "test2", "13.00",
                "36.50", "test3"),
               ("GEOSEARCH", "t", "fromlonlat", "15", "37", "bybox", "400", "2", "km"),
               ("GEOADD", "t", "-1", "37.00", "test3"),
               ("GEOSEARCH", "t", "fromlonlat", "15", "37", "bybox", "3000", "2", "km", "asc"),
               ("GEOADD", "d", "179.5", "36", "point1", "-179.5", "36", "point2"),
               ("GEOSEARCH", "d", "fromlonlat", "179", "37", "bybox", "400", "400", "km", "asc"),
               ("GEOSEARCH", "d", "fromlonlat", "-179", "37", "bybox", "400", "400", "km", "asc"),
               ("GEOADD", "sm", "-122.407107", "37.794300", "1", "-122.227336", "37.794300", "2"),
               ("GEORADIUS", "sm", "-122.407107", "37.794300", "30", "mi", "ASC", "WITHDIST")])


def test_corner_points_of_a_box(pair):
    pair.check("GEOADD", "c", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2",
               "17.250000", "35.202000", "edge3", "12.750000", "35.202000", "edge4",
               "12.748489955781654", "37", "edge5", "15", "38.798135872540925", "edge6",
               "17.251510044218346", "37", "edge7", "15", "35.201864127459075", "edge8",
               "12.692799634687903", "38.798135872540925", "corner1",
               "12.692799634687903", "38.798135872540925", "corner2",
               "17.200560937451133", "35.201864127459075", "corner3",
               "12.799439062548865", "35.201864127459075", "corner4")
    for opts in ((), ("asc",), ("desc",), ("count", "3"), ("count", "3", "desc"), ("withdist",)):
        pair.check("GEOSEARCH", "c", "fromlonlat", "15", "37", "bybox", "400", "400", "km", *opts)


# ---- Searches: options and errors ---------------------------------------------------------------

SEARCH_OPTS = [(), ("WITHDIST",), ("WITHHASH",), ("WITHCOORD",), ("WITHDIST", "WITHHASH", "WITHCOORD"),
               ("ASC",), ("DESC",), ("COUNT", "1"), ("COUNT", "4"), ("COUNT", "100"),
               ("COUNT", "2", "ANY"), ("COUNT", "3", "ANY", "DESC"), ("ANY", "COUNT", "2", "ASC"),
               ("desc", "asc"), ("withcoord", "withcoord", "count", "5", "count", "2"),
               ("COUNT", "3", "WITHDIST", "DESC", "WITHCOORD")]


@pytest.mark.parametrize("opts", SEARCH_OPTS, ids=lambda o: "-".join(o) or "none")
def test_every_search_command_with_options(pair, nyc, opts):
    for args in [("GEORADIUS", nyc, *CENTER, "12", "km"),
                 ("GEORADIUS_RO", nyc, *CENTER, "12000", "m"),
                 ("GEORADIUSBYMEMBER", nyc, "q4", "7", "mi"),
                 ("GEORADIUSBYMEMBER_RO", nyc, "q4", "30000", "ft"),
                 ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "12", "km"),
                 ("GEOSEARCH", nyc, "FROMMEMBER", "q4", "BYBOX", "20", "10", "km"),
                 ("GEOSEARCH", nyc, "BYBOX", "20", "10", "km", "FROMMEMBER", "jfk")]:
        both_protocols(pair, *args, *opts)


def test_search_errors_in_redis_order(pair, nyc):
    pair.check("SET", "s", "x")
    cases = [
        ("GEORADIUS", nyc, "200", "100", "10", "km"), ("GEORADIUS", nyc, "x", "0", "10", "km"),
        ("GEORADIUS", nyc, "0", "0", "ten", "km"), ("GEORADIUS", nyc, "0", "0", "-1", "km"),
        ("GEORADIUS", nyc, "0", "0", "10", "parsec"), ("GEORADIUS", nyc, "0", "0", "-1", "parsec"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT"), ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "0"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "-3"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "COUNT", "x"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "ANY"), ("GEORADIUS", nyc, *CENTER, "10", "km", "ANY", "ASC"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "foo"), ("GEORADIUS", nyc, *CENTER, "10", "km", "STORE"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "STORE", "d", "WITHDIST"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "STOREDIST", "d", "WITHHASH"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "WITHCOORD", "STORE", "d"),
        ("GEORADIUS", nyc, *CENTER, "10", "km", "FROMMEMBER", "q4"),
        ("GEORADIUS_RO", nyc, *CENTER, "10", "km", "STORE", "d"),
        ("GEORADIUSBYMEMBER", nyc, "nope", "10", "km"), ("GEORADIUSBYMEMBER", nyc, "nope", "x", "km"),
        ("GEORADIUSBYMEMBER", nyc, "q4", "x", "km"), ("GEORADIUSBYMEMBER", nyc, "q4", "1", "x"),
        ("GEORADIUSBYMEMBER_RO", nyc, "q4", "10", "km", "STOREDIST", "d"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "FROMMEMBER", "q4", "BYBOX", "6", "6", "km"),
        ("GEOSEARCH", nyc, "FROMMEMBER", "q4", "FROMLONLAT", *CENTER, "BYBOX", "6", "6", "km"),
        ("GEOSEARCH", nyc, "BYBOX", "3", "3", "km", "ASC", "DESC", "WITHHASH"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km", "BYBOX", "3", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "3", "3", "km", "BYRADIUS", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "ASC", "WITHCOORD"),
        ("geosearch", nyc, "FROMLONLAT", *CENTER, "ASC"), ("GeoSearch", nyc, "BYRADIUS", "1", "km", "ASC"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "6", "6", "km", "STOREDIST"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "6", "6", "km", "STORE", "d"),
        ("GEOSEARCH", nyc, "FROMMEMBER", "nope", "BYRADIUS", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", "200", "0", "BYRADIUS", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "-3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "kmm"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "x", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "3", "x", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "-3", "3", "km"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "3", "-3", "parsec"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYBOX", "3", "3"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3"),
        ("GEOSEARCH", nyc, "FROMLONLAT", "1", "BYRADIUS", "3", "km"),
        ("GEOSEARCH", nyc, "FROMMEMBER"),
        ("GEOSEARCH", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km", "ANY"),
        ("GEOSEARCHSTORE", "d", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km", "WITHDIST"),
        ("GEOSEARCHSTORE", "d", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km", "STORE", "x"),
        ("GEOSEARCHSTORE", "d", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km", "STOREDIST", "x"),
        ("GEOSEARCHSTORE", "d", nyc, "FROMLONLAT", *CENTER, "ASC"),
        ("GEOSEARCHSTORE", "d", nyc, "BYRADIUS", "3", "km"),
        ("GEORADIUS", "s", "0", "0", "1", "km"), ("GEORADIUS", "s", "500", "0", "1", "km"),
        ("GEORADIUSBYMEMBER", "s", "m", "1", "km"), ("GEOSEARCH", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"),
        ("GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
        ("GEOSEARCHSTORE", "s", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "3", "km"),
        ("GEORADIUS", nyc, "0", "0"), ("GEOSEARCH", nyc, "FROMLONLAT", "0", "0"),
    ]
    for args in cases:
        pair.check(*args)
    pair.check("TYPE", "s")
    pair.check("EXISTS", "d")


def test_searches_on_a_missing_key(pair):
    """Like the suite's "GEO with non existing src key": arguments are read,
    GEORADIUSBYMEMBER's radius is not, and a store target is deleted."""
    pair.check("SET", "dest", "x")
    for args in [("GEORADIUS", "nokey", "1", "1", "1", "km"), ("GEORADIUS", "nokey", "1", "1", "1", "km", "STORE", "dest"),
                 ("GEORADIUSBYMEMBER", "nokey", "m", "x", "parsec"),
                 ("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STOREDIST", "dest"),
                 ("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "COUNT", "0"),
                 ("GEOSEARCH", "nokey", "FROMMEMBER", "m", "BYBOX", "1", "1", "km"),
                 ("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
                 ("GEOSEARCHSTORE", "dest", "nokey", "FROMMEMBER", "m", "BYBOX", "1", "1", "m"),
                 ("GEOSEARCH", "nokey", "FROMLONLAT", "500", "0", "BYRADIUS", "1", "km")]:
        pair.check(*args)
        pair.check("EXISTS", "dest")
        pair.check("SET", "dest", "x")
    pair.check3("GEORADIUS", "nokey", "1", "1", "1", "km")


def test_store_and_storedist(pair, nyc):
    for args, dest in [(("GEORADIUS", nyc, *CENTER, "10", "km", "STORE", "d1"), "d1"),
                       (("GEORADIUS", nyc, *CENTER, "10", "km", "STOREDIST", "d2", "DESC", "COUNT", "3"), "d2"),
                       (("GEORADIUS", nyc, *CENTER, "10", "mi", "STORE", "a", "STOREDIST", "d3"), "d3"),
                       (("GEORADIUSBYMEMBER", nyc, "q4", "5", "km", "STOREDIST", "d4", "ASC"), "d4"),
                       (("GEORADIUSBYMEMBER", nyc, "q4", "5", "km", "COUNT", "2", "ANY", "STORE", "d5"), "d5"),
                       (("GEOSEARCHSTORE", "d6", nyc, "FROMLONLAT", *CENTER, "BYBOX", "20", "20", "km"), "d6"),
                       (("GEOSEARCHSTORE", "d7", nyc, "FROMMEMBER", "jfk", "BYRADIUS", "30", "km", "STOREDIST", "COUNT", "4"), "d7"),
                       (("GEOSEARCHSTORE", "d8", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "9000", "ft", "STOREDIST", "DESC"), "d8"),
                       (("GEORADIUS", nyc, "0", "0", "1", "km", "STORE", "d1"), "d1"),
                       (("GEOSEARCHSTORE", nyc, nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "5", "km"), nyc)]:
        pair.check("SET", dest, "old", "EX", "100")
        pair.check(*args)
        pair.same([("TYPE", dest), ("ZRANGE", dest, 0, -1, "WITHSCORES"), ("OBJECT", "ENCODING", dest),
                   ("TTL", dest)])
        pair.check3("ZRANGE", dest, 0, -1, "WITHSCORES")


def test_store_result_encoding_follows_the_zset_limits(pair):
    try:
        pair.check("CONFIG", "SET", "zset-max-listpack-entries", "5")
        pair.check("GEOADD", "g", *[v for i in range(20) for v in (str(i * 0.01), str(i * 0.01), "m%d" % i)])
        pair.check("GEOADD", "g", "0.05", "0.05", "x" * 80)
        for count in ("3", "5", "6", "30"):
            pair.check("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "100", "km", "COUNT", count)
            pair.same([("OBJECT", "ENCODING", "d"), ("ZRANGE", "d", 0, -1, "WITHSCORES")])
            pair.check("GEORADIUS", "g", "0", "0", "100", "km", "COUNT", count, "STOREDIST", "d")
            pair.same([("OBJECT", "ENCODING", "d"), ("ZRANGE", "d", 0, -1, "WITHSCORES")])
    finally:
        pair.check("CONFIG", "SET", "zset-max-listpack-entries", "128")


def test_ties_at_equal_distances(pair):
    """Members at the same place: a full sort (qsort) keeps them in set
    order, COUNT's partial sort (pqsort) picks and orders them its way."""
    args = []
    for i in range(60):
        spot = i % 7
        args += [str(2 + spot * 0.01), str(3 + spot * 0.01), "m%02d" % i]
    pair.check("GEOADD", "t", *args)
    for opts in ((), ("ASC",), ("DESC",), ("COUNT", "1"), ("COUNT", "5"), ("COUNT", "9", "DESC"),
                 ("COUNT", "20"), ("COUNT", "41", "DESC"), ("COUNT", "59"), ("COUNT", "60"),
                 ("COUNT", "61"), ("COUNT", "8", "ANY"), ("COUNT", "8", "ANY", "DESC")):
        pair.check("GEORADIUS", "t", "2.03", "3.03", "100", "km", "WITHDIST", *opts)
        pair.check("GEOSEARCH", "t", "FROMLONLAT", "2", "3", "BYBOX", "50", "50", "km", *opts)


def test_count_ties_near_a_whole_earth_radius(pair):
    """COUNT without ANY over (nearly) the whole earth: mirror images about
    the center, members at one place and near-antipodal ones are at equal
    distances, and pqsort must pick and order them as Redis does."""
    rnd = random.Random(11)
    args = []
    for i in range(150):
        lon, lat = round(rnd.uniform(0, 180), 1), round(rnd.uniform(0, 85), 1)
        for k, (sl, sa) in enumerate(((1, 1), (-1, 1), (1, -1), (-1, -1))):
            args += [str(sl * lon), str(sa * lat), "m%d-%d" % (i, k)]
    for i in range(40):
        args += [rnd.choice(["180", "-180", "179.9999", "10"]), rnd.choice(["0", "0.00001", "20"]),
                 "a%d" % i]
    pair.check("GEOADD", "g", *args)
    for center in (("0", "0"), ("180", "0"), ("0.0001", "0"), ("10", "20")):
        for radius in ("19000", "20000", "20037.5", "25000"):
            for opts in (("COUNT", "1"), ("COUNT", "7"), ("COUNT", "60", "ASC"),
                         ("COUNT", "61", "DESC"), ("COUNT", "300"), ("COUNT", "639", "DESC")):
                pair.check("GEORADIUS", "g", *center, radius, "km", "WITHDIST", *opts)
        pair.check("GEOSEARCH", "g", "FROMLONLAT", *center, "BYBOX", "40100", "40100", "km",
                   "COUNT", "100")


def test_radius_zero_and_huge_and_infinite(pair, nyc):
    for r in ("0", "0.0001", "1e-300", "20000", "50000", "1e30", "inf", "+inf"):
        pair.check("GEORADIUS", nyc, *CENTER, r, "km", "WITHDIST", "ASC")
        pair.check("GEOSEARCH", nyc, "FROMMEMBER", "jfk", "BYBOX", r, r, "km", "DESC")
    pair.check("GEORADIUSBYMEMBER", nyc, "jfk", "0", "m", "WITHDIST")


def test_poles_and_date_line(pair):
    rnd = random.Random(3)
    args = []
    for i in range(300):
        lon = rnd.choice([rnd.uniform(-180, -175), rnd.uniform(175, 180), rnd.uniform(-180, 180)])
        lat = rnd.choice([rnd.uniform(80, 85.05), rnd.uniform(-85.05, -80), rnd.uniform(-60, 60)])
        args += ["%.9f" % lon, "%.9f" % lat, "p%d" % i]
    pair.check("GEOADD", "g", *args)
    for lon, lat in (("180", "84"), ("-180", "-84"), ("179.9", "0"), ("-179.9", "0"), ("0", "85.05"),
                     ("90", "-85.05112878"), ("-180", "85.05112878")):
        for shape in (("BYRADIUS", "500", "km"), ("BYBOX", "2000", "300", "km"), ("BYRADIUS", "3000", "mi")):
            pair.check("GEOSEARCH", "g", "FROMLONLAT", lon, lat, *shape, "WITHDIST", "WITHCOORD", "ASC")


@pytest.mark.parametrize("entries", ["128", "0"], ids=["listpack", "skiplist"])
def test_random_searches_match(pair, entries):
    """Seeded data sets and searches, each compared whole (both encodings:
    a listpack set is walked by score text, a skiplist by node)."""
    rnd = random.Random(7 + len(entries))
    try:
        pair.check("CONFIG", "SET", "zset-max-listpack-entries", entries)
        for round_ in range(6):
            pair.check("DEL", "g")
            n = rnd.choice([5, 40, 120, 600])
            args = []
            clon, clat = rnd.uniform(-170, 170), rnd.uniform(-70, 70)
            for i in range(n):
                args += ["%.7f" % (clon + rnd.gauss(0, 2)), "%.7f" % max(-85, min(85, clat + rnd.gauss(0, 2))),
                         rnd.choice(["p%d" % i, str(i), "%d" % (i * 1000003)])]
            pair.check("GEOADD", "g", *args)
            pair.check("OBJECT", "ENCODING", "g")
            for _ in range(25):
                unit = rnd.choice(["m", "km", "ft", "mi"])
                scale = {"m": 1000, "km": 1, "ft": 3280, "mi": 0.62}[unit]
                size = "%.3f" % (rnd.choice([5, 50, 200, 1000]) * scale * rnd.random())
                shape = rnd.choice([("BYRADIUS", size, unit),
                                    ("BYBOX", size, "%.3f" % (float(size) * rnd.uniform(0.2, 3)), unit)])
                center = rnd.choice([("FROMLONLAT", "%.5f" % (clon + rnd.gauss(0, 1)), "%.5f" % (clat + rnd.gauss(0, 1))),
                                     ("FROMMEMBER", args[2 + 3 * rnd.randrange(n)])])
                opts = rnd.sample(["WITHDIST", "WITHHASH", "WITHCOORD"], rnd.randint(0, 3))
                opts += rnd.choice([[], ["ASC"], ["DESC"], ["COUNT", str(rnd.randint(1, 30))],
                                    ["COUNT", str(rnd.randint(1, 30)), "DESC"],
                                    ["COUNT", str(rnd.randint(1, 30)), "ANY"]])
                pair.check("GEOSEARCH", "g", *center, *shape, *opts)
                if shape[0] == "BYRADIUS" and center[0] == "FROMLONLAT":
                    pair.check3("GEORADIUS", "g", center[1], center[2], shape[1], shape[2], *opts)
                store = [o for o in opts if o not in ("WITHDIST", "WITHHASH", "WITHCOORD")]
                pair.check("GEOSEARCHSTORE", "dst", "g", *center, *shape, *store, "STOREDIST")
                pair.check("ZRANGE", "dst", 0, -1, "WITHSCORES")
    finally:
        pair.check("CONFIG", "SET", "zset-max-listpack-entries", "128")


# ---- Keys, notifications, transactions -------------------------------------------------------

def test_command_getkeys(pair):
    for args in [("GEORADIUS", "g", "0", "0", "1", "km"),
                 ("GEORADIUS", "g", "0", "0", "1", "km", "STORE", "a"),
                 ("GEORADIUS", "g", "0", "0", "1", "km", "STOREDIST", "a", "STORE", "b"),
                 ("GEORADIUS", "g", "0", "0", "1", "km", "STORE", "a", "STORE", "b"),
                 ("GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "STORE"),
                 ("GEORADIUS", "g", "store", "0", "1", "km", "STORE", "x"),
                 ("GEORADIUSBYMEMBER", "g", "m", "1", "km", "STORE", "a"),
                 ("GEORADIUSBYMEMBER", "g", "store", "1", "km"),
                 ("GEORADIUSBYMEMBER", "g", "m", "1", "km", "storedist", "a", "storedist", "b"),
                 ("GEORADIUS_RO", "g", "0", "0", "1", "km"),
                 ("GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
                 ("GEOSEARCH", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
                 ("GEOADD", "g", "1", "2", "m"), ("GEODIST", "g", "a", "b"),
                 ("PFCOUNT", "a", "b", "c"), ("PFMERGE", "d", "a", "b"), ("PFDEBUG", "GETREG", "k")]:
        pair.check("COMMAND", "GETKEYS", *args)
        pair.check("COMMAND", "GETKEYSANDFLAGS", *args)


def test_notifications(pair):
    pair.same_notifications([
        ("GEOADD", "g", *NYC), ("GEOADD", "g", "CH", "-73.9454966", "40.747533", "lic market"),
        ("GEOADD", "g", "NX", "-73.9454966", "40.747533", "lic market"),
        ("GEORADIUS", "g", *CENTER, "10", "km", "STORE", "d"),
        ("GEORADIUS", "g", *CENTER, "10", "km", "STOREDIST", "d"),
        ("GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", *CENTER, "BYRADIUS", "5", "km"),
        ("GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "5", "km"),
        ("GEORADIUS", "g", "0", "0", "1", "km", "STORE", "d"),
        ("GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "g"),
        ("GEOPOS", "g", "x"), ("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")])


def test_geo_inside_multi(pair):
    pair.same([("MULTI",), ("GEOADD", "g", *SICILY), ("GEODIST", "g", "Palermo", "Catania", "km"),
               ("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"), ("GEOPOS", "d", "Catania"),
               ("GEOADD", "g", "bad", "1", "x"), ("EXEC",)])


def test_digest_after_geo_writes(pair, nyc):
    pair.check("GEOSEARCHSTORE", "d", nyc, "FROMLONLAT", *CENTER, "BYRADIUS", "10", "km", "STOREDIST")
    pair.check("DEBUG", "DIGEST")
    pair.check("DEBUG", "DIGEST-VALUE", "d", nyc)


def test_same_meridian_distances(pair):
    """Points on one meridian: Redis 7.0.15 measures the latitude arc
    directly, which differs from the haversine in the last bits."""
    rnd = random.Random(11)
    args = []
    for i in range(40):
        args += ["10", "%.12f" % rnd.uniform(-80, 80), "m%d" % i]
    pair.check("GEOADD", "g", *args)
    pair.check("GEOADD", "g", "10", "-58.50172094201581", "p", "10", "55.58939790995723", "q")
    pair.check("GEODIST", "g", "p", "q", "km")
    for m in ("p", "q", "m3"):
        pair.check("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", m, "BYRADIUS", "20000", "km", "STOREDIST")
        pair.check("ZRANGE", "d", 0, -1, "WITHSCORES")
        pair.check("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", m, "BYBOX", "100", "20000", "km", "STOREDIST")
        pair.check("ZRANGE", "d", 0, -1, "WITHSCORES")
