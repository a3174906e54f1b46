/* test_util.c -- unit tests for util.c: Redis's number parsing and printing
 * rules, glob matching, SipHash-1-2, randomness and clocks. Expected strings
 * are what Redis 7.0.15 replies (checked against redis-server where a
 * command exposes them). */
#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"

/* ---- Integers ---- */

static bool str2ll_cstr(const char *s, long long *out) { return util_str2ll(s, strlen(s), out); }

static void test_str2ll_accepts_canonical_integers(void) {
    long long v;
    ASSERT(str2ll_cstr("0", &v));
    ASSERT_EQ(v, 0);
    ASSERT(str2ll_cstr("1", &v));
    ASSERT_EQ(v, 1);
    ASSERT(str2ll_cstr("-1", &v));
    ASSERT_EQ(v, -1);
    ASSERT(str2ll_cstr("99", &v));
    ASSERT_EQ(v, 99);
    ASSERT(str2ll_cstr("-99", &v));
    ASSERT_EQ(v, -99);
    ASSERT(str2ll_cstr("9223372036854775807", &v));
    ASSERT_EQ(v, LLONG_MAX);
    ASSERT(str2ll_cstr("-9223372036854775808", &v));
    ASSERT_EQ(v, LLONG_MIN);
}

static void test_str2ll_rejects_what_redis_rejects(void) {
    static const char *const bad[] = {
        "",
        "-",
        "-0",
        "01",
        "00",
        "-01",
        "+1",
        " 1",
        "1 ",
        "1a",
        "a1",
        "0x10",
        "1.0",
        "1e3",
        "9223372036854775808",  /* LLONG_MAX + 1 */
        "-9223372036854775809", /* LLONG_MIN - 1 */
        "18446744073709551615", /* fits unsigned, not signed */
        "18446744073709551616", /* overflows unsigned too */
        "99999999999999999999",
        "100000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long long v = 42;
        if (str2ll_cstr(bad[i], &v)) UNIT_FAIL("accepted \"%s\" as %lld", bad[i], v);
    }
    long long v;
    ASSERT(!util_str2ll("1\0", 2, &v)); /* an embedded NUL is not a digit */
}

static void test_str2ll_reads_only_len_bytes(void) {
    long long v;
    ASSERT(util_str2ll("123abc", 3, &v));
    ASSERT_EQ(v, 123);
    ASSERT(util_str2ll("-5-", 2, &v));
    ASSERT_EQ(v, -5);
    ASSERT(!util_str2ll("7", 0, &v));
}

static void test_str2l_matches_str2ll_within_long(void) {
    long v;
    ASSERT(util_str2l("-42", 3, &v));
    ASSERT_EQ(v, -42);
    ASSERT(util_str2l("9223372036854775807", 19, &v));
    ASSERT_EQ(v, LONG_MAX);
    ASSERT(!util_str2l("+1", 2, &v));
    ASSERT(!util_str2l("01", 2, &v));
    ASSERT(!util_str2l("9223372036854775808", 19, &v));
}

static void test_ll2str_prints_extremes(void) {
    char buf[UTIL_LLSTR_SIZE];
    ASSERT_EQ(util_ll2str(buf, 0), 1);
    ASSERT_STREQ(buf, "0");
    ASSERT_EQ(util_ll2str(buf, -1), 2);
    ASSERT_STREQ(buf, "-1");
    ASSERT_EQ(util_ll2str(buf, LLONG_MAX), 19);
    ASSERT_STREQ(buf, "9223372036854775807");
    ASSERT_EQ(util_ll2str(buf, LLONG_MIN), 20);
    ASSERT_STREQ(buf, "-9223372036854775808");
    ASSERT_EQ(util_ull2str(buf, ULLONG_MAX), 20);
    ASSERT_STREQ(buf, "18446744073709551615");
    ASSERT_EQ(util_ull2str(buf, 0), 1);
    ASSERT_STREQ(buf, "0");
}

/* Digits come two at a time: every length, odd and even, at its edges. */
static void test_ull2str_at_every_power_of_ten(void) {
    unsigned long long p = 1;
    for (int k = 0; k <= 19; k++, p *= 10) {
        unsigned long long vals[] = {p - 1, p, p + 1, p * 5 + 7};
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            char buf[UTIL_LLSTR_SIZE], want[32];
            size_t len = util_ull2str(buf, vals[i]);
            snprintf(want, sizeof(want), "%llu", vals[i]);
            ASSERT_STREQ(buf, want);
            ASSERT_EQ(len, strlen(want));
        }
    }
}

static void test_ll2str_round_trips_through_str2ll(void) {
    for (int i = 0; i < 20000; i++) {
        /* Vary the magnitude so short and long numbers both get covered. */
        long long v = (long long)(util_rand64() >> (util_rand64() % 64));
        if (i % 2) v = -v;
        char buf[UTIL_LLSTR_SIZE], want[32];
        size_t len = util_ll2str(buf, v);
        snprintf(want, sizeof(want), "%lld", v);
        ASSERT_STREQ(buf, want);
        ASSERT_EQ(len, strlen(want));
        long long back;
        ASSERT(util_str2ll(buf, len, &back));
        ASSERT_EQ(back, v);
    }
}

/* ---- Floating point ---- */

static const char *ld2str_of(char *buf, long double v) {
    return util_ld2str(buf, v) ? buf : "(failed)";
}

static void test_ld2str_prints_like_incrbyfloat(void) {
    char buf[UTIL_DSTR_SIZE];
    ASSERT_STREQ(ld2str_of(buf, 3.0L), "3");
    ASSERT_STREQ(ld2str_of(buf, 10.5L), "10.5");
    ASSERT_STREQ(ld2str_of(buf, 5.0e3L), "5000");
    ASSERT_STREQ(ld2str_of(buf, 0.1L), "0.1");
    ASSERT_STREQ(ld2str_of(buf, -17.25L), "-17.25");
    ASSERT_STREQ(ld2str_of(buf, 1e20L), "100000000000000000000");
    ASSERT_STREQ(ld2str_of(buf, 0.0L), "0");
    ASSERT_STREQ(ld2str_of(buf, -0.0L), "0");   /* "-0" becomes "0" */
    ASSERT_STREQ(ld2str_of(buf, -1e-20L), "0"); /* rounds to "-0.000..." */
    ASSERT_STREQ(ld2str_of(buf, 1e-20L), "0");
    ASSERT_EQ(util_ld2str(buf, 3.0L), 1);
}

static void test_ld2str_prints_every_integer_digit(void) {
    char buf[UTIL_DSTR_SIZE];
    ASSERT_EQ(util_ld2str(buf, 1e200L), 201); /* no exponent in human mode */
    ASSERT_EQ(buf[0], '1');
    ASSERT(strchr(buf, '.') == NULL);
    /* The largest long double still fits the buffer. */
    long double big;
    ASSERT(util_str2ld("1.1e4932", 8, &big));
    ASSERT_EQ(util_ld2str(buf, big), 4933);
}

static void test_ld2str_refuses_inf_and_nan(void) {
    char buf[UTIL_DSTR_SIZE];
    ASSERT_EQ(util_ld2str(buf, (long double)INFINITY), 0);
    ASSERT_EQ(util_ld2str(buf, -(long double)INFINITY), 0);
    ASSERT_EQ(util_ld2str(buf, (long double)NAN), 0);
}

/* What INCRBYFLOAT replies for SET k a; INCRBYFLOAT k b (from the Redis
 * docs and redis-server 7.0.15). */
static const char *incrbyfloat(char *buf, const char *a, const char *b) {
    long double x, y;
    if (!util_str2ld(a, strlen(a), &x) || !util_str2ld(b, strlen(b), &y)) return "(parse)";
    return ld2str_of(buf, x + y);
}

static void test_incrbyfloat_examples_from_redis_docs(void) {
    char buf[UTIL_DSTR_SIZE];
    ASSERT_STREQ(incrbyfloat(buf, "10.50", "0.1"), "10.6");
    ASSERT_STREQ(incrbyfloat(buf, "10.6", "-5"), "5.6");
    ASSERT_STREQ(incrbyfloat(buf, "5.0e3", "2.0e2"), "5200");
    ASSERT_STREQ(incrbyfloat(buf, "5.0e3", "0"), "5000");
    ASSERT_STREQ(incrbyfloat(buf, "1.1", "2.2"), "3.3");
    ASSERT_STREQ(incrbyfloat(buf, "0.1", "0.2"), "0.3");
    ASSERT_STREQ(incrbyfloat(buf, "0x10", "1"), "17");
    ASSERT_STREQ(incrbyfloat(buf, "-0.0", "0"), "0");
}

static void test_str2ld_accepts_and_rejects_like_string2ld(void) {
    long double v;
    ASSERT(util_str2ld("1.5", 3, &v));
    ASSERT(v == 1.5L);
    ASSERT(util_str2ld("inf", 3, &v)); /* INCRBYFLOAT rejects the result */
    ASSERT(isinf(v));
    ASSERT(util_str2ld("1e-4940", 7, &v)); /* denormal: ERANGE but not zero */
    ASSERT(v > 0);
    ASSERT(util_str2ld("2junk", 1, &v)); /* only len bytes are read */
    ASSERT(v == 2.0L);
    /* Every byte must be used: an embedded NUL fails, as in Redis 7.0.15
     * (INCRBYFLOAT of a value with a NUL inside is refused). */
    ASSERT(!util_str2ld("1\0junk", 6, &v));
    ASSERT(!util_str2ld("1\0", 2, &v));

    static const char *const bad[] = {"",    " 1",     "1 ",      "\t1",     "nan", "-nan",
                                      "abc", "1e5000", "-1e5000", "1e-5000", "1.5x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (util_str2ld(bad[i], strlen(bad[i]), &v)) UNIT_FAIL("accepted \"%s\"", bad[i]);

    /* Redis's MAX_LONG_DOUBLE_CHARS limit: a long but valid number fails
     * once it no longer fits the copy buffer. */
    static char digits[UTIL_DSTR_SIZE + 1];
    memset(digits, '1', sizeof(digits));
    memcpy(digits, "0.", 2);
    ASSERT(util_str2ld(digits, UTIL_DSTR_SIZE - 1, &v));
    ASSERT(!util_str2ld(digits, UTIL_DSTR_SIZE, &v));
}

static void test_str2d_accepts_and_rejects_like_string2d(void) {
    double v;
    ASSERT(util_str2d("1.5", 3, &v));
    ASSERT(v == 1.5);
    ASSERT(util_str2d("inf", 3, &v) && isinf(v) && v > 0);
    ASSERT(util_str2d("+inf", 4, &v) && isinf(v) && v > 0);
    ASSERT(util_str2d("-inf", 4, &v) && isinf(v) && v < 0);
    ASSERT(util_str2d("3xyz", 1, &v));
    ASSERT(v == 3.0);
    ASSERT(util_str2d("4e-320", 6, &v)); /* denormal is fine */
    ASSERT(!util_str2d("1\0", 2, &v));   /* unlike str2ld: every byte must parse */

    static const char *const bad[] = {"",      " 1",     "1 ",     "nan", "NaN",
                                      "1e400", "-1e400", "1e-400", "abc", "--1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (util_str2d(bad[i], strlen(bad[i]), &v)) UNIT_FAIL("accepted \"%s\"", bad[i]);
}

/* Plain decimals skip strtod() (an exact fast path): every one must come
 * out bit for bit as strtod() reads it, signs of zero included, and the
 * shapes strtod() refuses ("." "-" "1.2.3") must still fail. */
static void test_str2d_plain_decimals_equal_strtod(void) {
    uint64_t x = 88172645463325252ULL;
    char buf[40];
    for (int n = 0; n < 300000; n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = 0, ndig = 1 + (size_t)(x % 17);
        if (x >> 60 & 1) buf[len++] = '-';
        size_t dot = (x >> 40) % (ndig + 2); /* == ndig + 1: no '.' */
        for (size_t i = 0; i < ndig; i++) {
            if (i == dot) buf[len++] = '.';
            buf[len++] = (char)('0' + (x >> (3 * i % 50)) % 10);
        }
        if (dot == ndig) buf[len++] = '.';
        buf[len] = '\0';
        double got, want = strtod(buf, NULL);
        if (!util_str2d(buf, len, &got) || memcmp(&got, &want, sizeof(got)) != 0)
            UNIT_FAIL("\"%s\": %.17g, strtod %.17g", buf, got, want);
    }
    double v;
    ASSERT(util_str2d("-0", 2, &v) && v == 0 && signbit(v));
    ASSERT(util_str2d("5.", 2, &v) && v == 5);
    ASSERT(util_str2d("-.5", 3, &v) && v == -0.5);
    ASSERT(util_str2d("0.1", 3, &v) && v == 0.1);
    ASSERT(util_str2d("123456789012345.6", 17, &v) && v == 123456789012345.6);
    ASSERT(!util_str2d(".", 1, &v));
    ASSERT(!util_str2d("-", 1, &v));
    ASSERT(!util_str2d("1.2.3", 5, &v));
    ASSERT(!util_str2d("1-2", 3, &v));
}

/* Eight digits are read at once when all eight are digits: a byte next to
 * '0' or '9' in the table (':', '/', and every other non-digit) anywhere
 * in a run of 8-16 digits, before or after the point, is refused. */
static void test_str2d_eight_digit_runs_refuse_any_other_byte(void) {
    const char *base = "1234567890123.45";
    size_t len = strlen(base);
    char buf[32];
    for (size_t at = 0; at < len; at++) {
        if (base[at] == '.') continue;
        for (int b = 0; b < 256; b++) {
            if (strchr("0123456789.eE+-xXpPaAfFiInN", b) && b != 0) continue;
            memcpy(buf, base, len);
            buf[at] = (char)b;
            double v;
            if (util_str2d(buf, len, &v)) UNIT_FAIL("accepted byte %d at %zu", b, at);
        }
    }
    double v;
    ASSERT(util_str2d("9999999999999999", 16, &v) && v == 9999999999999999.0);
    ASSERT(util_str2d("0.0000000099999999", 18, &v) && v == strtod("0.0000000099999999", NULL));
    ASSERT(util_str2d("13.000000012345", 15, &v) && v == strtod("13.000000012345", NULL));
}

static void test_str2d_parses_very_long_numbers(void) {
    /* "0.000...0015" with thousands of zeros: Redis has no length limit. */
    size_t len = 3 * UTIL_DSTR_SIZE;
    char *s = malloc(len);
    ASSERT(s != NULL);
    memset(s, '0', len);
    s[1] = '.';
    s[len - 2] = '1';
    s[len - 1] = '5';
    s[0] = '1'; /* 1.000...0015 rounds to 1 */
    double v = 0;
    bool ok = util_str2d(s, len, &v);
    s[len - 1] = 'x';
    bool bad = util_str2d(s, len, &v);
    free(s);
    ASSERT(ok);
    ASSERT(!bad);
}

static const char *d2str_of(char *buf, double v) {
    util_d2str(buf, v);
    return buf;
}

static void test_d2str_prints_scores_like_redis(void) {
    char buf[UTIL_DSTR_SIZE];
    ASSERT_STREQ(d2str_of(buf, 1.5), "1.5");
    ASSERT_STREQ(d2str_of(buf, 3.0), "3");
    ASSERT_STREQ(d2str_of(buf, 0.1), "0.10000000000000001");
    ASSERT_STREQ(d2str_of(buf, 2.5e-5), "2.5000000000000001e-05");
    ASSERT_STREQ(d2str_of(buf, 1e16), "10000000000000000");
    ASSERT_STREQ(d2str_of(buf, 1e17), "1e+17");
    ASSERT_STREQ(d2str_of(buf, 1e20), "1e+20");
    ASSERT_STREQ(d2str_of(buf, -1.7976931348623157e308), "-1.7976931348623157e+308");
    ASSERT_STREQ(d2str_of(buf, 0.0), "0");
    ASSERT_STREQ(d2str_of(buf, -0.0), "-0");
    ASSERT_STREQ(d2str_of(buf, INFINITY), "inf");
    ASSERT_STREQ(d2str_of(buf, -INFINITY), "-inf");
    ASSERT_STREQ(d2str_of(buf, NAN), "nan");
    ASSERT_STREQ(d2str_of(buf, -NAN), "nan"); /* glibc alone would say "-nan" */
    ASSERT_EQ(util_d2str(buf, -INFINITY), 4);
    ASSERT_EQ(util_d2str(buf, 0.1), 19);
}

static void test_d2str_round_trips_through_str2d(void) {
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = util_rand64();
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (isnan(v)) continue;
        char buf[UTIL_DSTR_SIZE];
        size_t len = util_d2str(buf, v);
        double back;
        ASSERT(util_str2d(buf, len, &back));
        ASSERT(memcmp(&back, &v, sizeof(v)) == 0); /* exact, including -0 */
    }
}

/* ---- Glob matching ---- */

static bool glob(const char *pat, const char *s) {
    return util_glob_match(pat, strlen(pat), s, strlen(s), false);
}

static bool glob_nocase(const char *pat, const char *s) {
    return util_glob_match(pat, strlen(pat), s, strlen(s), true);
}

static void test_glob_wildcards(void) {
    ASSERT(glob("hello", "hello"));
    ASSERT(!glob("hello", "hell"));
    ASSERT(!glob("hell", "hello"));
    ASSERT(glob("h?llo", "hello"));
    ASSERT(glob("h?llo", "hallo"));
    ASSERT(!glob("h?llo", "hllo"));
    ASSERT(glob("h*llo", "hllo"));
    ASSERT(glob("h*llo", "heeeello"));
    ASSERT(glob("*", "anything"));
    ASSERT(glob("**", "x"));
    ASSERT(glob("a*", "a"));
    ASSERT(glob("a**", "a"));
    ASSERT(glob("*a", "a"));
    ASSERT(glob("*a*", "bab"));
    ASSERT(!glob("*a*", "bbb"));
    ASSERT(glob("user:*:name", "user:1000:name"));
    ASSERT(!glob("user:*:name", "user:1000:names"));
    ASSERT(glob("*b*b*", "abcbd"));
    ASSERT(!glob("a*?", "a"));
    ASSERT(glob("a*?", "ab"));
}

static void test_glob_empty_string_matches_only_empty_pattern(void) {
    /* Redis's stringmatchlen never enters its loop for an empty string, so
     * even "*" fails; KEYS and SCAN special-case a lone "*" instead. */
    ASSERT(glob("", ""));
    ASSERT(!glob("*", ""));
    ASSERT(!glob("**", ""));
    ASSERT(!glob("?", ""));
    ASSERT(!glob("", "a"));
}

static void test_glob_classes(void) {
    ASSERT(glob("h[ae]llo", "hello"));
    ASSERT(glob("h[ae]llo", "hallo"));
    ASSERT(!glob("h[ae]llo", "hillo"));
    ASSERT(glob("h[^e]llo", "hallo"));
    ASSERT(glob("h[^e]llo", "hbllo"));
    ASSERT(!glob("h[^e]llo", "hello"));
    ASSERT(glob("h[a-b]llo", "hallo"));
    ASSERT(glob("h[a-b]llo", "hbllo"));
    ASSERT(!glob("h[a-b]llo", "hcllo"));
    ASSERT(glob("[z-a]", "m")); /* reversed bounds are swapped */
    ASSERT(!glob("[z-a]", "A"));
    ASSERT(glob("[^a-c]", "d"));
    ASSERT(!glob("[^a-c]", "b"));
    ASSERT(glob("[-a]", "-"));  /* '-' first is literal */
    ASSERT(!glob("[a-]", "-")); /* "a-]" is the range ']'..'a', unclosed */
    ASSERT(glob("[a-]", "_"));
    ASSERT(glob("[]]", "]") == false); /* "[]" is an empty class, then ']' */
    ASSERT(glob("[]]", "]]") == false);
    ASSERT(glob("x[]", "x") == false);
    ASSERT(glob("[abc", "b")); /* unterminated: class runs to the end */
    ASSERT(!glob("[abc", "d"));
    ASSERT(glob("[^", "x")); /* "[^" negates nothing: any byte */
    ASSERT(!glob("[", "x"));
}

static void test_glob_escapes(void) {
    ASSERT(glob("h\\*llo", "h*llo"));
    ASSERT(!glob("h\\*llo", "hello"));
    ASSERT(glob("\\?", "?"));
    ASSERT(!glob("\\?", "x"));
    ASSERT(glob("\\[a]", "[a]"));
    ASSERT(glob("a\\\\b", "a\\b"));
    ASSERT(glob("\\", "\\")); /* a lone trailing backslash is literal */
    ASSERT(glob("ab\\", "ab\\"));
    ASSERT(glob("[\\]]", "]"));
    ASSERT(glob("[\\^a]", "^"));
    ASSERT(glob("[a\\-z]", "-"));
    ASSERT(!glob("[a\\-z]", "m")); /* escaped '-' makes no range */
    ASSERT(glob("[\\", "\\"));
}

static void test_glob_nocase(void) {
    ASSERT(glob_nocase("HeLLo", "hello"));
    ASSERT(!glob("HeLLo", "hello"));
    ASSERT(glob_nocase("h*O", "HELLO"));
    ASSERT(glob_nocase("[A-Z]", "q"));
    ASSERT(glob_nocase("[a-z]", "Q"));
    ASSERT(glob_nocase("[xyz]", "Y"));
    ASSERT(glob_nocase("[^xyz]", "a"));
    ASSERT(!glob_nocase("[^xyz]", "Y"));
    ASSERT(glob_nocase("\\A", "a"));
    /* Redis quirks: an escaped byte in a class compares case-sensitively,
     * and folding after swapping the bounds empties [a-Z]. */
    ASSERT(!glob_nocase("[\\A]", "a"));
    ASSERT(glob_nocase("[\\A]", "A"));
    ASSERT(glob("[a-Z]", "_"));
    ASSERT(!glob_nocase("[a-Z]", "_"));
    ASSERT(!glob_nocase("[a-Z]", "a"));
    ASSERT(!glob_nocase("[A-z]", "_")); /* folded to [a-z] */
    ASSERT(glob("[A-z]", "_"));
}

static void test_glob_high_bytes_compare_as_signed_chars(void) {
    /* Redis on x86-64 reads range bounds as signed chars: [a-\xff] is the
     * range \xff..a, which holds \xff and 'a' but not \x80. */
    ASSERT(glob("[a-\xff]", "\xff"));
    ASSERT(glob("[a-\xff]", "a"));
    ASSERT(!glob("[a-\xff]", "\x80"));
    ASSERT(!glob("[a-\xff]", "b"));
    ASSERT(glob("[\x80-\x90]", "\x85"));
    ASSERT(glob("\xc3\xa9*", "\xc3\xa9t\xc3\xa9"));
    ASSERT(glob_nocase("\xc3\xa9", "\xc3\xa9"));
    /* nocase folds the bounds through glibc's tolower(): \x80..\xfe become
     * 128..254 while \xff (EOF) stays -1, so [\xfe-\xff] turns into the
     * empty range 254..-1. */
    ASSERT(glob("[\xfe-\xff]", "\xfe"));
    ASSERT(glob("[\xfe-\xff]", "\xff"));
    ASSERT(!glob_nocase("[\xfe-\xff]", "\xfe"));
    ASSERT(!glob_nocase("[\xfe-\xff]", "\xff"));
    ASSERT(glob_nocase("[\x80-\xfe]", "\x90"));
}

static void test_glob_reads_only_len_bytes(void) {
    ASSERT(util_glob_match("ab*", 2, "ab", 2, false));
    ASSERT(!util_glob_match("ab*", 2, "abc", 3, false));
    ASSERT(util_glob_match("a*", 2, "abcdef", 3, false));
    ASSERT(util_glob_match("[ab]", 3, "a", 1, false)); /* cut before ']' */
    ASSERT(util_glob_match("a\0b", 3, "a\0b", 3, false));
    ASSERT(!util_glob_match("a\0b", 3, "a\0c", 3, false));
}

static void test_glob_star_heavy_patterns_finish(void) {
    /* The shape behind CVE-2022-36021: many stars and a tail that fails. */
    size_t n = 20000;
    char *s = malloc(n);
    char *p = malloc(2 * n + 1);
    ASSERT(s && p);
    memset(s, 'a', n);
    size_t plen = 0;
    for (size_t i = 0; i < 1000; i++) {
        p[plen++] = 'a';
        p[plen++] = '*';
    }
    p[plen++] = 'b';
    bool m1 = util_glob_match(p, plen, s, n, false);
    /* 100k nested stars would overflow a recursive matcher's stack. */
    size_t deep = 0;
    for (size_t i = 0; i < n; i++) {
        p[deep++] = '*';
        p[deep++] = 'a';
    }
    bool m2 = util_glob_match(p, deep, s, n, false);
    p[deep - 1] = 'b';
    bool m3 = util_glob_match(p, deep, s, n, false);
    bool m4 = util_glob_match(p, deep, s, n, true);
    free(s);
    free(p);
    ASSERT(!m1);
    ASSERT(!m2); /* past UTIL_GLOB_MAX_STARS star groups: no match, as Redis */
    ASSERT(!m3);
    ASSERT(!m4);
}

/* Redis 7.0.15 (CVE-2024-31228) stops at 1000 nested stars: a pattern that
 * must pass more than 1000 star groups with pattern after them matches
 * nothing, a trailing one does not count. Checked against redis-server:
 * "*a" x 1000 matches 3000 a's, x 1001 does not; "a*" x 1001 does. */
static void test_glob_star_nesting_limit_is_redis(void) {
    char s[3000], p[2 * 1002 + 1];
    memset(s, 'a', sizeof(s));
    for (int n = 999; n <= 1002; n++) {
        size_t plen = 0;
        for (int i = 0; i < n; i++) {
            p[plen++] = '*';
            p[plen++] = 'a';
        }
        ASSERT_EQ(util_glob_match(p, plen, s, sizeof(s), false), n <= 1000);
        p[plen++] = '*'; /* a trailing star adds no nesting */
        ASSERT_EQ(util_glob_match(p, plen, s, sizeof(s), false), n <= 1000);
        for (int i = 0; i < n; i++) {
            p[2 * i] = 'a';
            p[2 * i + 1] = '*';
        }
        ASSERT_EQ(util_glob_match(p, 2 * (size_t)n, s, sizeof(s), false), n <= 1001);
    }
    /* Escaped and bracketed stars are bytes, not wildcards. */
    char lit[2 * 1100 + 1];
    size_t len = 0;
    for (int i = 0; i < 1100; i++) {
        lit[len++] = '\\';
        lit[len++] = '*';
    }
    char stars[1100];
    memset(stars, '*', sizeof(stars));
    ASSERT(util_glob_match(lit, len, stars, sizeof(stars), false));
}

static void test_glob_random_input_never_crashes(void) {
    /* As Redis's stringmatchlen_fuzz_test; run under ASan to mean much. */
    char pat[32], str[32];
    int matches = 0;
    for (int i = 0; i < 200000; i++) {
        size_t plen = util_rand64() % sizeof(pat), slen = util_rand64() % sizeof(str);
        for (size_t j = 0; j < plen; j++) pat[j] = "ab*?[]^-\\\xff"[util_rand64() % 10];
        for (size_t j = 0; j < slen; j++) str[j] = (char)(util_rand64() % 256);
        matches += util_glob_match(pat, plen, str, slen, i % 2);
    }
    ASSERT(matches >= 0);
}

/* ---- SipHash ---- */

static const uint8_t key_seq[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void test_siphash_matches_redis_siphash_1_2(void) {
    /* Values from Redis 7.0's src/siphash.c (SipHash-1-2) for the paper's
     * key and message bytes 00 01 02 ...; the paper's own vectors are for
     * 2-4 rounds and do not apply. */
    uint8_t in[64];
    for (int i = 0; i < 64; i++) in[i] = (uint8_t)i;
    ASSERT(util_siphash(in, 0, key_seq) == 0xcea28b51565c12e2ULL);
    ASSERT(util_siphash(in, 15, key_seq) == 0xec8f61bc1c8966a6ULL);
    ASSERT(util_siphash(in, 63, key_seq) == 0xff6d07afacbad6d9ULL);
    ASSERT(util_siphash("hello world", 11, (const uint8_t *)"1234567812345678") ==
           0x89cb5e38dae0f000ULL);
}

static void test_siphash_is_deterministic_and_length_sensitive(void) {
    uint8_t in[64];
    for (int i = 0; i < 64; i++) in[i] = (uint8_t)(i * 7);
    uint64_t seen[65];
    for (size_t len = 0; len <= 64; len++) {
        seen[len] = util_siphash(in, len, key_seq);
        ASSERT(seen[len] == util_siphash(in, len, key_seq));
        for (size_t j = 0; j < len; j++) ASSERT(seen[len] != seen[j]);
    }
}

static void test_siphash_depends_on_every_key_bit(void) {
    const char *msg = "castor";
    uint64_t base = util_siphash(msg, 6, key_seq);
    for (int bit = 0; bit < 128; bit++) {
        uint8_t k[16];
        memcpy(k, key_seq, sizeof(k));
        k[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (util_siphash(msg, 6, k) == base) UNIT_FAIL("key bit %d ignored", bit);
    }
}

static void test_siphash_nocase_folds_ascii_only(void) {
    ASSERT(util_siphash_nocase("AbC", 3, key_seq) == util_siphash_nocase("abc", 3, key_seq));
    ASSERT(util_siphash_nocase("AbC", 3, key_seq) == util_siphash("abc", 3, key_seq));
    ASSERT(util_siphash("AbC", 3, key_seq) != util_siphash("abc", 3, key_seq));
    /* Every tail length, and bytes that only look like letters. */
    char mixed[40], lower[40];
    for (size_t i = 0; i < sizeof(mixed); i++) {
        mixed[i] = "AzQ@[`{\xc3\x89"[i % 9];
        lower[i] = (mixed[i] >= 'A' && mixed[i] <= 'Z') ? (char)(mixed[i] + 32) : mixed[i];
    }
    for (size_t len = 0; len <= sizeof(mixed); len++)
        ASSERT(util_siphash_nocase(mixed, len, key_seq) == util_siphash(lower, len, key_seq));
    ASSERT(util_siphash_nocase("\xc9", 1, key_seq) != util_siphash("\xe9", 1, key_seq));
}

/* The case-insensitive hash folds eight bytes at a time: every byte value,
 * at every position of a word and of the tail, must fold as A-Z -> a-z and
 * nothing else does. */
static void test_siphash_nocase_folds_every_byte_in_every_position(void) {
    for (size_t len = 1; len <= 16; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (int b = 0; b < 256; b++) {
                char in[16], lower[16];
                memset(in, 'x', sizeof(in));
                in[pos] = (char)b;
                memcpy(lower, in, sizeof(in));
                if (b >= 'A' && b <= 'Z') lower[pos] = (char)(b + 32);
                if (util_siphash_nocase(in, len, key_seq) != util_siphash(lower, len, key_seq))
                    UNIT_FAIL("byte 0x%02x at %zu of %zu folds wrongly", b, pos, len);
            }
        }
    }
}

/* ---- Randomness, clocks, strings ---- */

static void test_random_bytes_and_hex(void) {
    uint8_t a[64] = {0}, b[64] = {0};
    util_random_bytes(a, sizeof(a));
    util_random_bytes(b, sizeof(b));
    ASSERT(memcmp(a, b, sizeof(a)) != 0);
    util_random_bytes(a, 0); /* nothing to do, no crash */

    char id1[41], id2[41];
    memset(id1, 'Z', sizeof(id1));
    util_random_hex(id1, 40);
    util_random_hex(id2, 40);
    ASSERT_EQ(strlen(id1), 40);
    ASSERT_EQ(strspn(id1, "0123456789abcdef"), 40);
    ASSERT(strcmp(id1, id2) != 0);

    char odd[8];
    util_random_hex(odd, 7);
    ASSERT_EQ(strlen(odd), 7);
    char big[200];
    util_random_hex(big, 199); /* spans several refills */
    ASSERT_EQ(strspn(big, "0123456789abcdef"), 199);
}

static void test_rand64_varies(void) {
    uint64_t first = util_rand64();
    bool differs = false;
    uint64_t ors = 0, ands = ~0ULL;
    for (int i = 0; i < 1000; i++) {
        uint64_t r = util_rand64();
        differs |= r != first;
        ors |= r;
        ands &= r;
    }
    ASSERT(differs);
    ASSERT(ors == ~0ULL); /* every bit seen set ... */
    ASSERT(ands == 0);    /* ... and clear */
}

static void test_clocks(void) {
    long long ms = util_mstime(), us = util_ustime();
    long long now = (long long)time(NULL);
    ASSERT(ms / 1000 >= now - 1 && ms / 1000 <= now + 1);
    ASSERT(us / 1000 >= ms);
    uint64_t m1 = util_monotonic_us(), m2 = util_monotonic_us();
    ASSERT(m2 >= m1);
}

static void test_strcaseeq(void) {
    ASSERT(util_strcaseeq("GET", 3, "get"));
    ASSERT(util_strcaseeq("gEt", 3, "GeT"));
    ASSERT(util_strcaseeq("", 0, ""));
    ASSERT(!util_strcaseeq("GE", 2, "get"));
    ASSERT(!util_strcaseeq("GETX", 4, "get"));
    ASSERT(util_strcaseeq("GETX", 3, "get"));
    ASSERT(!util_strcaseeq("get\0", 4, "get"));
    ASSERT(!util_strcaseeq("g@t", 3, "g`t")); /* '@' and '`' are not a case pair */
}

/* A rebase whose two clock reads (wall, then ticks) were not split by a
 * preemption: one that was would shift the fast clock by the delay. The
 * test brackets it with wall readings and retries, up to a bound. */
static void clean_rebase(void) {
    for (int i = 0; i < 100; i++) {
        long long w0 = util_ustime();
        util_clock_rebase();
        if (util_ustime() - w0 < 200) return;
    }
}

/* 20 ms after a clean rebase, is the fast clock within a millisecond of
 * the wall clock? The wall clock is read between two fast readings; a
 * bracket wider than 200 us was preempted and is read again. */
static bool fast_clock_is_close(void) {
    clean_rebase();
    long long t0 = util_ustime();
    while (util_ustime() - t0 < 20000) {
    }
    for (int i = 0; i < 100; i++) {
        long long fast = util_fast_ustime(), wall = util_ustime(), fast2 = util_fast_ustime();
        if (fast2 - fast > 200) continue;
        return wall - fast > -1000 && fast2 - wall < 1000 && fast2 - wall > -1000;
    }
    return false;
}

/* The command path's clock stays within a millisecond of the wall clock
 * once calibrated, and between rebases too. On a loaded machine a round
 * may still be preempted where the test can't see (inside a rebase, the
 * calibration's anchor), so each of the five rounds may be tried again,
 * up to ten times; a wrong rate or offset fails every try. */
static void test_fast_clock_follows_wall_clock(void) {
    util_clock_rebase();
    long long start = util_ustime();
    while (util_ustime() - start < 250000) util_clock_rebase(); /* calibrates after 100 ms */
    for (int round = 0; round < 5; round++) {
        int tries = 0;
        while (!fast_clock_is_close()) ASSERT(++tries < 10);
    }
    long long a = util_fast_ustime(), b = util_fast_ustime();
    ASSERT(b >= a);
}

/* util_mem_eq() agrees with memcmp() for every length up to 40 and a
 * difference at every position (the word loads overlap for 5-7, 9-15). */
static void test_mem_eq_matches_memcmp(void) {
    unsigned char a[48], b[48];
    for (size_t i = 0; i < sizeof(a); i++) a[i] = b[i] = (unsigned char)(i * 7 + 1);
    for (size_t n = 0; n <= 40; n++) {
        ASSERT(util_mem_eq(a, b, n));
        for (size_t at = 0; at < n; at++) {
            b[at] ^= 0x80;
            ASSERT(!util_mem_eq(a, b, n));
            ASSERT(util_mem_eq(a, b, at)); /* shorter: the difference is past the end */
            b[at] ^= 0x80;
        }
    }
}

int main(void) {
    RUN(test_fast_clock_follows_wall_clock);
    RUN(test_str2ll_accepts_canonical_integers);
    RUN(test_str2ll_rejects_what_redis_rejects);
    RUN(test_str2ll_reads_only_len_bytes);
    RUN(test_str2l_matches_str2ll_within_long);
    RUN(test_ll2str_prints_extremes);
    RUN(test_ull2str_at_every_power_of_ten);
    RUN(test_ll2str_round_trips_through_str2ll);
    RUN(test_ld2str_prints_like_incrbyfloat);
    RUN(test_ld2str_prints_every_integer_digit);
    RUN(test_ld2str_refuses_inf_and_nan);
    RUN(test_incrbyfloat_examples_from_redis_docs);
    RUN(test_str2ld_accepts_and_rejects_like_string2ld);
    RUN(test_str2d_accepts_and_rejects_like_string2d);
    RUN(test_str2d_plain_decimals_equal_strtod);
    RUN(test_str2d_eight_digit_runs_refuse_any_other_byte);
    RUN(test_str2d_parses_very_long_numbers);
    RUN(test_d2str_prints_scores_like_redis);
    RUN(test_d2str_round_trips_through_str2d);
    RUN(test_glob_wildcards);
    RUN(test_glob_empty_string_matches_only_empty_pattern);
    RUN(test_glob_classes);
    RUN(test_glob_escapes);
    RUN(test_glob_nocase);
    RUN(test_glob_high_bytes_compare_as_signed_chars);
    RUN(test_glob_reads_only_len_bytes);
    RUN(test_glob_star_heavy_patterns_finish);
    RUN(test_glob_star_nesting_limit_is_redis);
    RUN(test_glob_random_input_never_crashes);
    RUN(test_siphash_matches_redis_siphash_1_2);
    RUN(test_siphash_is_deterministic_and_length_sensitive);
    RUN(test_siphash_depends_on_every_key_bit);
    RUN(test_siphash_nocase_folds_ascii_only);
    RUN(test_siphash_nocase_folds_every_byte_in_every_position);
    RUN(test_random_bytes_and_hex);
    RUN(test_rand64_varies);
    RUN(test_clocks);
    RUN(test_strcaseeq);
    RUN(test_mem_eq_matches_memcmp);
    return unit_report();
}
