/* util.c -- small pure helpers: number <-> string conversions, glob matching,
 * SipHash, randomness, clocks.
 *
 * The conversions reproduce Redis 7.0's util.c rules byte for byte, because
 * clients see their results: which strings count as integers (string2ll),
 * how INCRBYFLOAT prints (ld2string, human mode), how scores print ("%.17g"),
 * and which keys a KEYS/SCAN/PSUBSCRIBE pattern selects (stringmatchlen).
 * Where Redis's behaviour is odd but observable, the oddity is kept and
 * commented. Nothing here knows about the server: no globals except the PRNG
 * state, no allocation except one rare transient buffer in util_str2d.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ASCII-only case folding. Redis never changes LC_CTYPE from "C", so its
 * tolower() calls fold exactly A-Z; bytes >= 0x80 are left alone. */
static inline int fold(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

/* fold() of a signed char value as glibc's tolower() in the "C" locale
 * returns it: its table is indexed from -128, so -128..-2 come back as
 * 128..254, while -1 is EOF and stays -1. Redis folds range bounds through
 * exactly this, which decides what nocase ranges over high bytes match. */
static inline int fold_signed(int c) { return c < -1 ? c + 256 : fold(c); }

/* isspace() in the "C" locale, without the signed-char pitfall. */
static inline bool is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* ---- Integers ---- */

/* Redis's string2ll: an optional '-', then "0" alone or a digit 1-9 followed
 * by digits, and nothing else. Overflow fails. */
bool util_str2ll(const char *s, size_t len, long long *out) {
    /* 20 chars hold "-9223372036854775808"; longer can't be valid. */
    if (len == 0 || len >= UTIL_LLSTR_SIZE) return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool negative = s[0] == '-';
    if (negative && ++i == len) return false;
    if (s[i] < '1' || s[i] > '9') return false; /* also rejects "-0", "01" */

    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1) return false;
        /* Negate in unsigned arithmetic so LLONG_MIN does not overflow. */
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX) return false;
        *out = (long long)v;
    }
    return true;
}

/* util_str2ll restricted to the range of long (the same on LP64). */
bool util_str2l(const char *s, size_t len, long *out) {
    long long v;
    if (!util_str2ll(s, len, &v)) return false;
#if LONG_MAX < LLONG_MAX
    if (v < LONG_MIN || v > LONG_MAX) return false;
#endif
    *out = (long)v;
    return true;
}

/* Write the digits of v backwards ending at end[-1]; returns the first one. */
/* Two digits per division: IDs of streams (13 + n digits) and every
 * integer reply go through here. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static char *ull_digits(char *end, unsigned long long v) {
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--end = digit_pairs[i + 1];
        *--end = digit_pairs[i];
    }
    if (v >= 10) {
        *--end = digit_pairs[v * 2 + 1];
        *--end = digit_pairs[v * 2];
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* Decimal digits of v. */
static size_t ull_len(unsigned long long v) {
    size_t n = 1;
    for (; v >= 10000; v /= 10000) n += 4;
    return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* The digits go straight to their place in buf: no copy from a scratch
 * buffer (IDs and counters are formatted on hot paths). */
size_t util_ull2str(char *buf, unsigned long long v) {
    size_t len = ull_len(v);
    ull_digits(buf + len, v);
    buf[len] = '\0';
    return len;
}

size_t util_ll2str(char *buf, long long v) {
    /* 0 - (unsigned)v is the magnitude even for LLONG_MIN. */
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t neg = v < 0, len = neg + ull_len(mag);
    ull_digits(buf + len, mag);
    if (neg) buf[0] = '-';
    buf[len] = '\0';
    return len;
}

/* ---- Floating point ---- */

/* Redis's string2ld: strtold() over a NUL-terminated copy, which must be
 * used whole: "1\0junk" fails, as in Redis 7.0.15 (INCRBYFLOAT and
 * HINCRBYFLOAT refuse a stored value with a NUL inside). Overflow to +-inf and underflow to zero fail; a literal "inf" passes
 * (INCRBYFLOAT then rejects the infinite result itself). */
bool util_str2ld(const char *s, size_t len, long double *out) {
    char buf[UTIL_DSTR_SIZE];
    if (len == 0 || len >= sizeof(buf)) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (is_c_space(buf[0]) || end != buf + len || isnan(v) || errno == EINVAL) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    *out = v;
    return true;
}

/* Core of util_str2d over a buffer with buf[len] == '\0'. */
static bool str2d_terminated(const char *buf, size_t len, double *out) {
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    /* Unlike string2ld, every byte must be used: "1\0" fails. */
    if (is_c_space(buf[0]) || (size_t)(end - buf) != len || isnan(v)) return false;
    if (errno == ERANGE && (isinf(v) || v == 0)) return false;
    *out = v;
    return true;
}

/* Plain decimals ("-13.361389", "0.5", "42"): at most 15 digits, so the
 * digits as an integer m are exact in a double, as is 10^k for k <= 22, and
 * m / 10^k, one IEEE division, is the correctly rounded value, exactly
 * what strtod() returns (Clinger's fast path). False for anything else
 * (exponents, more digits, hex, inf, spaces...), which strtod() then reads. */
/* Are the 8 bytes of v (loaded from text) all ASCII digits? Each byte
 * must be 0x30-0x39: its high nibble 3, and adding 6 must not carry it
 * into the high nibble. */
static inline bool eight_digits(uint64_t v) {
    return ((v & 0xF0F0F0F0F0F0F0F0ULL) |
            (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

/* The value of 8 ASCII digits loaded little-endian (first digit in the
 * low byte): pairs, then fours, then all eight, by multiplications. */
static inline uint64_t eight_digits_value(uint64_t v) {
    v -= 0x3030303030303030ULL;
    v = v * 10 + (v >> 8); /* each even byte: two digits */
    uint64_t pairs_lo = v & 0x000000FF000000FFULL, pairs_hi = (v >> 16) & 0x000000FF000000FFULL;
    return (pairs_lo * (100 + (1000000ULL << 32)) + pairs_hi * (1 + (10000ULL << 32))) >> 32;
}

/* Digits at *p (before end) into m, eight at a time while they last. */
static inline const char *read_decimal(const char *p, const char *end, uint64_t *m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        if (!eight_digits(v)) break;
        *m = *m * 100000000 + eight_digits_value(v);
        p += 8;
    }
#endif
    while (p < end && (unsigned)(*p - '0') < 10) *m = *m * 10 + (uint64_t)(*p++ - '0');
    return p;
}

static bool str2d_simple(const char *s, size_t len, double *out) {
    static const double pow10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *p = s, *end = s + len;
    bool neg = *p == '-';
    p += neg;
    /* Two tight loops, the whole part then the fraction: a GEOADD reads
     * two 14-digit coordinates per point. Past 15 digits m may wrap; the
     * count refuses it below. */
    const char *start = p;
    uint64_t m = 0;
    p = read_decimal(p, end, &m);
    size_t frac = 0;
    bool dot = p < end && *p == '.';
    if (dot) {
        const char *f = ++p;
        p = read_decimal(p, end, &m);
        frac = (size_t)(p - f);
    }
    size_t digits = (size_t)(p - start) - dot;
    /* strtod() needs a digit ("." and "-" alone are not numbers; "5." and
     * ".5" are). */
    if (p != end || digits == 0 || digits > 15) return false;
    double v = (double)m;
    if (frac) v /= pow10[frac];
    *out = neg ? -v : v;
    return true;
}

/* Redis's string2d (getDoubleFromObject): strtod() must consume the whole
 * string, no leading space, no NaN, no overflow or underflow to zero. */
bool util_str2d(const char *s, size_t len, double *out) {
    if (len == 0) return false;
    if (str2d_simple(s, len, out)) return true;
    char small[256];
    if (len < sizeof(small)) {
        memcpy(small, s, len);
        small[len] = '\0';
        return str2d_terminated(small, len, out);
    }
    /* Rule zero: plain malloc, since layer 1 util.c may not include mem.h.
     * The buffer lives for one call; Redis puts no length limit on a double
     * string, so a valid one of any length must still parse. */
    char *big = malloc(len + 1);
    if (big == NULL) return false;
    memcpy(big, s, len);
    big[len] = '\0';
    bool ok = str2d_terminated(big, len, out);
    free(big);
    return ok;
}

/* "%.17g" in Redis's own spelling of the special values (glibc would print
 * "-nan" for a negative NaN). Integral values print without a point or
 * exponent up to 1e17, like Redis's ll2string shortcut. */
size_t util_trimmed_f(char *buf, size_t cap, double v) {
    int len = snprintf(buf, cap, "%f", v);
    if (len < 0 || (size_t)len >= cap) {
        if (cap) buf[0] = '\0';
        return 0;
    }
    if (strchr(buf, '.')) {
        while (len > 0 && buf[len - 1] == '0') len--;
        if (len > 0 && buf[len - 1] == '.') len--;
        buf[len] = '\0';
    }
    return (size_t)len;
}

size_t util_d2str(char *buf, double v) {
    if (isnan(v)) {
        memcpy(buf, "nan", 4);
        return 3;
    }
    if (isinf(v)) {
        const char *s = v > 0 ? "inf" : "-inf";
        size_t len = strlen(s);
        memcpy(buf, s, len + 1);
        return len;
    }
    int n = snprintf(buf, UTIL_DSTR_SIZE, "%.17g", v);
    return n > 0 ? (size_t)n : 0;
}

/* Redis's ld2string(LD_STR_HUMAN): "%.17Lf", then strip trailing zeros and a
 * bare trailing '.', and turn "-0" into "0". 17 decimals of an 80-bit long
 * double round short decimal inputs back to what the user typed, so
 * 10.5 + 0.1 prints "10.6" and 5.0e3 prints "5000". */
size_t util_ld2str(char *buf, long double v) {
    if (isnan(v) || isinf(v)) return 0;
    int n = snprintf(buf, UTIL_DSTR_SIZE, "%.17Lf", v);
    if (n <= 0 || (size_t)n + 1 > UTIL_DSTR_SIZE) return 0;
    size_t len = (size_t)n;
    if (memchr(buf, '.', len) != NULL) {
        while (buf[len - 1] == '0') len--;
        if (buf[len - 1] == '.') len--;
    }
    if (len == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        len = 1;
    }
    buf[len] = '\0';
    return len;
}

/* ---- Glob matching ---- */

/* Does the bracket class at pat[0] == '[' match byte c? Sets *used to the
 * bytes the class spans. An unterminated class runs to the end of the
 * pattern, as in Redis. Redis's quirks, kept on purpose:
 *  - an escaped byte inside a class compares case-sensitively even with
 *    nocase;
 *  - range bounds are swapped when reversed ([z-a] == [a-z]) before case
 *    folding, so nocase [a-Z] matches nothing;
 *  - range bounds and c compare as signed chars (Redis's "int x = char"
 *    on x86-64 glibc, our reference platform), so [a-\xff] spans \xff..a;
 *    with nocase they are then folded as glibc's tolower() does. */
static bool match_class(const char *pat, size_t patlen, char c, bool nocase, size_t *used) {
    size_t i = 1;
    bool negate = i < patlen && pat[i] == '^';
    if (negate) i++;
    bool match = false;
    for (;;) {
        if (i >= patlen) {
            i = patlen - 1; /* so that *used below is patlen */
            break;
        }
        if (pat[i] == '\\' && patlen - i >= 2) {
            i++;
            if (pat[i] == c) match = true;
        } else if (pat[i] == ']') {
            break;
        } else if (patlen - i >= 3 && pat[i + 1] == '-') {
            int lo = (signed char)pat[i], hi = (signed char)pat[i + 2], ch = (signed char)c;
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (nocase) {
                lo = fold_signed(lo);
                hi = fold_signed(hi);
                ch = fold_signed(ch);
            }
            if (ch >= lo && ch <= hi) match = true;
            i += 2;
        } else if (nocase ? fold((unsigned char)pat[i]) == fold((unsigned char)c) : pat[i] == c) {
            match = true;
        }
        i++;
    }
    *used = i + 1;
    return match != negate;
}

/* Does the single-byte token at pat[0] (anything but '*') match c? Every
 * such token consumes exactly one byte of the string; *used gets its length
 * in the pattern. A lone trailing backslash is a literal backslash. */
static bool match_token(const char *pat, size_t patlen, char c, bool nocase, size_t *used) {
    char lit = pat[0];
    *used = 1;
    switch (pat[0]) {
    case '?': return true;
    case '[': return match_class(pat, patlen, c, nocase, used);
    case '\\':
        if (patlen >= 2) {
            lit = pat[1];
            *used = 2;
        }
        break;
    default: break;
    }
    return nocase ? fold((unsigned char)lit) == fold((unsigned char)c) : lit == c;
}

/* Redis's stringmatchlen, without its recursion. Redis tries the rest of
 * the pattern after each '*' at every later position, recursively. Since
 * every other token consumes exactly one byte, only the most recent '*'
 * ever needs to be retried (the classic wildcard-matching argument, the
 * same one behind Redis's skipLongerMatches shortcut), so one saved
 * position gives the same answers in O(patlen * slen) time and constant
 * stack, whatever the pattern.
 * Redis quirk kept: an empty string matches only an empty pattern, so even
 * "*" fails on "". Redis's KEYS and SCAN special-case a lone "*" before
 * matching; callers that want "*" to select the empty key must do the same. */
bool util_glob_match(const char *pat, size_t patlen, const char *s, size_t slen, bool nocase) {
    if (slen == 0) return patlen == 0;
    size_t p = 0, i = 0;
    bool have_star = false;
    size_t star_p = 0, star_i = 0; /* pattern after the last '*', and where it was tried */
    int stars = 0;
    while (i < slen) {
        if (p < patlen && pat[p] == '*') {
            while (p < patlen && pat[p] == '*') p++;
            if (p == patlen) return true; /* a trailing '*' eats the rest */
            /* Redis (CVE-2024-31228) gives up past 1000 nested stars; this
             * loop never recurses, but answers the same. */
            if (++stars > UTIL_GLOB_MAX_STARS) return false;
            have_star = true;
            star_p = p;
            star_i = i;
            continue;
        }
        size_t used;
        if (p < patlen && match_token(pat + p, patlen - p, s[i], nocase, &used)) {
            p += used;
            i++;
            continue;
        }
        if (!have_star) return false;
        /* Let the last '*' swallow one more byte and retry after it. */
        p = star_p;
        i = ++star_i;
    }
    while (p < patlen && pat[p] == '*') p++;
    return p == patlen;
}

/* ---- SipHash-1-2 ---- */

/* Rounds per message block and at finalization. Redis uses 1-2 (fast
 * enough to replace MurmurHash2); the reference vectors are for 2-4, which
 * a verification build can select with -DSIPHASH_C_ROUNDS=2
 * -DSIPHASH_D_ROUNDS=4. */
#ifndef SIPHASH_C_ROUNDS
#define SIPHASH_C_ROUNDS 1
#endif
#ifndef SIPHASH_D_ROUNDS
#define SIPHASH_D_ROUNDS 2
#endif

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

/* Little-endian load of 8 bytes (one move on x86-64 and most others). */
static inline uint64_t load64_le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

typedef struct {
    uint64_t v0, v1, v2, v3;
} sip_state;

static inline void sip_round(sip_state *s) {
    s->v0 += s->v1;
    s->v1 = rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl64(s->v2, 32);
}

static inline void sip_compress(sip_state *s, uint64_t m) {
    s->v3 ^= m;
    for (int r = 0; r < SIPHASH_C_ROUNDS; r++) sip_round(s);
    s->v0 ^= m;
}

/* Every key is hashed once or more per request, so this is written for
 * speed: whole words are loaded at once, the last 1-7 bytes with at most
 * three loads, and the case-folding variant is a separate instance (the
 * 'nocase' constant is folded away where each wrapper inlines this). */
static inline __attribute__((always_inline)) uint64_t siphash(const uint8_t *in, size_t len,
                                                              const uint8_t key[16], bool nocase) {
    uint64_t k0 = load64_le(key), k1 = load64_le(key + 8);
    sip_state s = {
        .v0 = 0x736f6d6570736575ULL ^ k0, /* "somepseudorandomlygeneratedbytes" */
        .v1 = 0x646f72616e646f6dULL ^ k1,
        .v2 = 0x6c7967656e657261ULL ^ k0,
        .v3 = 0x7465646279746573ULL ^ k1,
    };
    size_t tail = len & 7;
    const uint8_t *end = in + (len - tail);
    for (; in != end; in += 8) {
        uint64_t m = load64_le(in);
        sip_compress(&s, nocase ? util_fold_ascii64(m) : m);
    }

    /* Last block: the leftover bytes, with the length's low byte on top. */
    uint64_t t = 0;
    switch (tail) {
    case 7: t |= (uint64_t)in[6] << 48; /* fall through */
    case 6: t |= (uint64_t)in[5] << 40; /* fall through */
    case 5: t |= (uint64_t)in[4] << 32; /* fall through */
    case 4:
        t |= (uint64_t)in[0] | (uint64_t)in[1] << 8 | (uint64_t)in[2] << 16 | (uint64_t)in[3] << 24;
        break;
    case 3: t |= (uint64_t)in[2] << 16; /* fall through */
    case 2: t |= (uint64_t)in[1] << 8;  /* fall through */
    case 1: t |= (uint64_t)in[0]; break;
    case 0: break;
    }
    if (nocase) t = util_fold_ascii64(t);
    sip_compress(&s, t | (uint64_t)len << 56);

    s.v2 ^= 0xff;
    for (int r = 0; r < SIPHASH_D_ROUNDS; r++) sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t util_siphash(const void *buf, size_t len, const uint8_t key[16]) {
    return siphash(buf, len, key, false);
}

/* Equal to util_siphash of the ASCII-lowercased input, without a copy. */
uint64_t util_siphash_nocase(const void *buf, size_t len, const uint8_t key[16]) {
    return siphash(buf, len, key, true);
}

/* ---- Randomness ---- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Read len bytes from /dev/urandom; false if it can't be read fully. */
static bool read_urandom(uint8_t *p, size_t len) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return len == 0;
}

void util_random_bytes(void *buf, size_t len) {
    if (read_urandom(buf, len)) return;
    /* No /dev/urandom (chroot, fd limit): not secret, but still distinct
     * per process and per call. */
    static uint64_t calls;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)buf ^ ++calls * 0x9e3779b97f4a7c15ULL;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = splitmix64(&x);
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(p + i, &r, n);
    }
}

/* xoshiro256** (Blackman and Vigna). State is per process; the command
 * thread is its only user, so there is no locking. */
static uint64_t rng[4];
static bool rng_seeded;

uint64_t util_rand64(void) {
    if (!rng_seeded) {
        uint64_t seed;
        util_random_bytes(&seed, sizeof(seed));
        /* splitmix64 expansion never yields the forbidden all-zero state. */
        for (int i = 0; i < 4; i++) rng[i] = splitmix64(&seed);
        rng_seeded = true;
    }
    uint64_t result = rotl64(rng[1] * 5, 7) * 9;
    uint64_t t = rng[1] << 17;
    rng[2] ^= rng[0];
    rng[3] ^= rng[1];
    rng[1] ^= rng[2];
    rng[0] ^= rng[3];
    rng[2] ^= t;
    rng[3] = rotl64(rng[3], 45);
    return result;
}

void util_debug_delay(int us) {
    if (us < 0) us = util_rand64() % (uint64_t)(-(long long)us) == 0 ? 1 : 0;
    if (us > 0) usleep((useconds_t)us);
}

/* hexlen random lowercase hex chars and a NUL into out (size >= hexlen+1),
 * drawn from /dev/urandom like Redis's run ids and replication ids. */
long util_write_all(int fd, const char *p, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return done ? (long)done : -1;
        }
        done += (size_t)n;
    }
    return (long)done;
}

void util_random_hex(char *out, size_t hexlen) {
    static const char digits[] = "0123456789abcdef";
    uint8_t bytes[32];
    for (size_t i = 0; i < hexlen; i += 2 * sizeof(bytes)) {
        util_random_bytes(bytes, sizeof(bytes));
        for (size_t j = 0; j < 2 * sizeof(bytes) && i + j < hexlen; j++)
            out[i + j] = digits[(bytes[j / 2] >> (j % 2 ? 0 : 4)) & 0xf];
    }
    out[hexlen] = '\0';
}

/* ---- Time ---- */

long long util_ustime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <x86intrin.h>
static inline uint64_t ticks(void) { return __rdtsc(); }
#define HAVE_TICKS 1
#else
static inline uint64_t ticks(void) { return 0; }
#define HAVE_TICKS 0
#endif

static struct {
    long long base_us; /* wall clock at the last rebase */
    uint64_t base_tick;
    long long anchor_us; /* calibration interval start */
    uint64_t anchor_tick;
    double us_per_tick; /* 0: not calibrated */
    int usable;         /* -1 unknown, 0 no, 1 yes */
} clk = {.usable = -1};

/* An invariant TSC ticks at a constant rate in every power state; only
 * then is it a clock. */
static int tsc_invariant(void) {
#if HAVE_TICKS
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u));
    if (a < 0x80000007u) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u));
    return (d >> 8) & 1;
#else
    return 0;
#endif
}

void util_clock_rebase(void) {
    if (clk.usable == -1) clk.usable = tsc_invariant();
    clk.base_us = util_ustime();
    clk.base_tick = ticks();
    if (!clk.usable) return;
    if (clk.anchor_tick == 0) {
        clk.anchor_us = clk.base_us;
        clk.anchor_tick = clk.base_tick;
        return;
    }
    /* Recalibrate over at least 100 ms; move the anchor every 10 s so the
     * rate follows the wall clock's own corrections. */
    long long span = clk.base_us - clk.anchor_us;
    if (span >= 100000 && clk.base_tick > clk.anchor_tick) {
        clk.us_per_tick = (double)span / (double)(clk.base_tick - clk.anchor_tick);
        if (span >= 10000000) {
            clk.anchor_us = clk.base_us;
            clk.anchor_tick = clk.base_tick;
        }
    } else if (span < 0) { /* the wall clock went back: start over */
        clk.anchor_us = clk.base_us;
        clk.anchor_tick = clk.base_tick;
        clk.us_per_tick = 0;
    }
}

long long util_fast_ustime(void) {
    if (clk.us_per_tick == 0) return util_ustime();
    return clk.base_us + (long long)((double)(ticks() - clk.base_tick) * clk.us_per_tick);
}

long long util_mstime(void) { return util_ustime() / 1000; }

/* Never goes backwards, unlike the wall clock; for timeouts and latency. */
uint64_t util_monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- Strings ---- */

/* Is a[0..alen) equal to the NUL-terminated b, ignoring ASCII case? A NUL
 * inside a never matches. */
bool util_strcaseeq(const char *a, size_t alen, const char *b) {
    for (size_t i = 0; i < alen; i++) {
        if (b[i] == '\0' || fold((unsigned char)a[i]) != fold((unsigned char)b[i])) return false;
    }
    return b[alen] == '\0';
}
