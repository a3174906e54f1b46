/* util.h -- small pure helpers: number <-> string conversions with Redis's
 * exact rules, glob matching, hashing, randomness. Layer 1: no server state. */
#ifndef CASTOR_UTIL_H
#define CASTOR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maximum chars needed for a long long in decimal, with sign and NUL. */
#define UTIL_LLSTR_SIZE 21
/* Enough for any double formatted by util_d2str / util_ld2str: Redis's
 * MAX_LONG_DOUBLE_CHARS. "%.17Lf" of a large long double (INCRBYFLOAT of
 * 1e200) prints every integer digit, up to about 4,950 chars. */
#define UTIL_DSTR_SIZE (5 * 1024)

/* Parse s[0..len) as a signed 64-bit decimal integer, exactly as Redis's
 * string2ll: no leading '+', no spaces, no leading zeros (except "0"),
 * "-0" is rejected, overflow is rejected. Returns true and sets *out on success. */
bool util_str2ll(const char *s, size_t len, long long *out);

/* Like util_str2ll but also rejects values outside long. */
bool util_str2l(const char *s, size_t len, long *out);

/* Parse as Redis's string2ld/strtold-based parsing for INCRBYFLOAT:
 * accepts what strtold accepts for the whole buffer, rejects empty strings,
 * leading/trailing spaces, NaN. len must be < UTIL_DSTR_SIZE else false
 * (Redis's MAX_LONG_DOUBLE_CHARS limit). */
bool util_str2ld(const char *s, size_t len, long double *out);

/* Parse a double as Redis's getDoubleFromObject: strtod of the whole string,
 * no leading space, rejects NaN; accepts "inf", "+inf", "-inf". */
bool util_str2d(const char *s, size_t len, double *out);

/* Write v in decimal into buf (size >= UTIL_LLSTR_SIZE); returns length. */
size_t util_ll2str(char *buf, long long v);
size_t util_ull2str(char *buf, unsigned long long v);

/* Format a double like Redis's RESP2 bulk of a score (addReplyDouble):
 * "inf", "-inf", "nan" for special values, otherwise "%.17g".
 * Returns length. buf must hold UTIL_DSTR_SIZE. */
size_t util_d2str(char *buf, double v);
/* v as "%f" without trailing zeros (nor a trailing dot), as Redis's
 * trimDoubleString: 99.9, 50. Returns the length (0 if cap is too small). */
size_t util_trimmed_f(char *buf, size_t cap, double v);

/* Format a long double like Redis's ld2string in LD_STR_HUMAN mode (used by
 * INCRBYFLOAT and HINCRBYFLOAT): "%.17Lf" then trailing zeros and a trailing
 * dot removed; "-0" becomes "0". Returns 0 on inf/nan (caller errors). */
size_t util_ld2str(char *buf, long double v);

/* Redis's stringmatchlen: glob-style match with * ? [abc] [^a] [a-z] and
 * backslash escapes; nocase folds ASCII case. Never recursive: at most
 * O(patlen * slen) steps, however many stars (Redis's own recursion is
 * exponential without its CVE-2022-36021 fix, and its CVE-2024-31228 fix
 * makes a pattern that needs more than UTIL_GLOB_MAX_STARS stars followed
 * by more pattern match nothing: so does this).
 * As in Redis, an empty string matches only an empty pattern (not even "*"):
 * KEYS/SCAN must special-case a lone "*" as Redis does. */
#define UTIL_GLOB_MAX_STARS 1000
bool util_glob_match(const char *pat, size_t patlen, const char *s, size_t slen, bool nocase);

/* SipHash-1-2 of buf with a 16-byte key, as used for hash tables. */
uint64_t util_siphash(const void *buf, size_t len, const uint8_t key[16]);
/* ASCII-lowercase the eight bytes packed in v: 0x20 is added to each byte
 * in 'A'..'Z', every other byte (>= 0x80 too) stays as it is. */
static inline uint64_t util_fold_ascii64(uint64_t v) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low7 = v & ~high;                               /* each byte's 7 low bits */
    uint64_t ge_a = (low7 + ones * (0x80 - 'A')) & high;     /* byte >= 'A' (7 bits) */
    uint64_t gt_z = (low7 + ones * (0x80 - 'Z' - 1)) & high; /* byte > 'Z' (7 bits) */
    uint64_t upper = ge_a & ~gt_z & ~v;                      /* and the top bit clear */
    return v | (upper >> 2);
}

/* Case-insensitive variant (ASCII lowercase folded before hashing). */
uint64_t util_siphash_nocase(const void *buf, size_t len, const uint8_t key[16]);

/* Fill buf with len random bytes from /dev/urandom (falls back to a
 * time/pid-seeded generator if unavailable). */
void util_random_bytes(void *buf, size_t len);

/* Fast non-cryptographic PRNG (xoshiro256** or similar), seeded once
 * from util_random_bytes at first use. */
uint64_t util_rand64(void);
/* Test hooks (rdb-key-save-delay, key-load-delay): sleep 'us' microseconds;
 * a negative value sleeps 1 us with probability 1/-us, as Redis's
 * debugDelay(), so tiny average delays cost no system call per key. */
void util_debug_delay(int us);

/* 40 random hex chars + NUL into out (size >= 41), like Redis run_id. */
void util_random_hex(char *out, size_t hexlen);
/* write() until done or an error: the bytes written, or -1 if none. */
long util_write_all(int fd, const char *p, size_t len);

/* Monotonic and wall-clock time. */
long long util_mstime(void); /* wall clock, milliseconds since epoch */
long long util_ustime(void); /* wall clock, microseconds since epoch */
uint64_t util_monotonic_us(void);
/* The wall clock for the command path, cheaper than util_ustime(): the
 * CPU's time stamp counter, scaled and added to the wall time read at the
 * last util_clock_rebase() (which the event loop calls every turn). Falls
 * back to util_ustime() until the counter is calibrated (100 ms after the
 * first rebase) and on CPUs without an invariant counter. */
void util_clock_rebase(void);
long long util_fast_ustime(void);

/* ASCII lowercase copy helpers used by the command lookup. */
bool util_strcaseeq(const char *a, size_t alen, const char *b);

/* a[0..n) == b[0..n): keys and members of up to 16 bytes in two
 * overlapping word loads per side instead of a call to memcmp (every
 * dict lookup compares one key). */
static inline bool util_mem_eq(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    if (n >= 8 && n <= 16) {
        uint64_t x0, x1, y0, y1;
        __builtin_memcpy(&x0, x, 8);
        __builtin_memcpy(&y0, y, 8);
        __builtin_memcpy(&x1, x + n - 8, 8);
        __builtin_memcpy(&y1, y + n - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t x0, x1, y0, y1;
        __builtin_memcpy(&x0, x, 4);
        __builtin_memcpy(&y0, y, 4);
        __builtin_memcpy(&x1, x + n - 4, 4);
        __builtin_memcpy(&y1, y + n - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n < 4) {
        for (size_t i = 0; i < n; i++)
            if (x[i] != y[i]) return false;
        return true;
    }
    return __builtin_memcmp(x, y, n) == 0;
}

#endif
