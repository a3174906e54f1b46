/* test_resp.c -- unit tests for resp.c's incremental request parser.
 *
 * Error texts are Redis 7.0.15's, checked against redis-server (which
 * prefixes them with "-ERR " on the wire). The incremental tests feed a
 * request one byte at a time, and in random chunks, and require exactly the
 * argv, the used length and the error that one call with all bytes gives. */
#include "resp.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "str.h"
#include "util.h"
#include "unit.h"

#define MAX_BULK (512LL * 1024 * 1024)

/* The parser writes NULs into its input, so every test parses a heap copy
 * (which also lets ASan see reads past the end). */
typedef struct req {
    char *buf;
    size_t len;
} req;

static req req_of(const void *bytes, size_t len) {
    req r = {malloc(len ? len : 1), len};
    memcpy(r.buf, bytes, len);
    return r;
}

#define REQ(lit) req_of(lit, sizeof(lit) - 1)

static resp_status parse_req(resp_parser *p, req *r, const char **err) {
    *err = NULL;
    return resp_parse(p, r->buf, r->len, err);
}

/* argv must equal want[0..n), each argument followed by a NUL in the buffer. */
static void expect_argv(const resp_parser *p, const char *buf, const char *const *want, size_t n) {
    ASSERT_EQ(p->argc, n);
    for (size_t i = 0; i < n; i++) {
        const resp_arg *a = &p->argv[i];
        ASSERT_MEMEQ(buf + a->off, a->len, want[i], strlen(want[i]));
        ASSERT_EQ(buf[a->off + a->len], '\0');
    }
}

/* Parse a complete request from a string and check its argv and that it
 * used 'used' bytes (0: all of them). */
static void expect_ok(const char *text, size_t used, const char *const *want, size_t n) {
    if (used == 0) used = strlen(text);
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = req_of(text, strlen(text));
    const char *err;
    resp_status st = parse_req(&p, &r, &err);
    if (st != RESP_OK) UNIT_FAIL("\"%s\": status %d (%s)", text, st, err ? err : "-");
    ASSERT_EQ(p.pos, used);
    expect_argv(&p, r.buf, want, n);
    resp_parser_clear(&p);
    free(r.buf);
}

static void expect_err(const void *bytes, size_t len, bool unauth, long long max_bulk,
                       const char *want) {
    resp_parser p;
    resp_parser_init(&p, max_bulk);
    p.unauthenticated = unauth;
    req r = req_of(bytes, len);
    const char *err;
    resp_status st = parse_req(&p, &r, &err);
    if (st != RESP_ERR)
        UNIT_FAIL("\"%.*s\": status %d, want error \"%s\"", (int)(len < 60 ? len : 60),
                  (const char *)bytes, st, want);
    ASSERT(err != NULL);
    ASSERT_STREQ(err, want);
    resp_parser_clear(&p);
    free(r.buf);
}

#define EXPECT_ERR(lit, want) expect_err(lit, sizeof(lit) - 1, false, MAX_BULK, want)

static void expect_incomplete(const void *bytes, size_t len, bool unauth) {
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    p.unauthenticated = unauth;
    req r = req_of(bytes, len);
    const char *err;
    resp_status st = parse_req(&p, &r, &err);
    if (st != RESP_INCOMPLETE)
        UNIT_FAIL("\"%.*s\": status %d (%s), want incomplete", (int)(len < 60 ? len : 60),
                  (const char *)bytes, st, err ? err : "-");
    resp_parser_clear(&p);
    free(r.buf);
}

#define EXPECT_INCOMPLETE(lit) expect_incomplete(lit, sizeof(lit) - 1, false)

/* ---- Multibulk ---- */

static void test_multibulk_request(void) {
    size_t base = mem_used();
    static const char *const set[] = {"SET", "k", "hello"};
    expect_ok("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", 0, set, 3);
    static const char *const empty_arg[] = {"GET", ""};
    expect_ok("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", 19, empty_arg, 2);
    /* Only the first request is used; the rest stays for the next call. */
    static const char *const ping[] = {"PING"};
    expect_ok("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", 14, ping, 1);
    ASSERT_EQ(mem_used(), base);
}

static void test_multibulk_is_binary_safe(void) {
    static const char bytes[] = "*2\r\n$3\r\nSET\r\n$6\r\na\r\n\0b\n\r\n";
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = REQ(bytes);
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    ASSERT_EQ(p.argc, 2);
    ASSERT_MEMEQ(r.buf + p.argv[1].off, p.argv[1].len, "a\r\n\0b\n", 6);
    ASSERT_EQ(r.buf[p.argv[1].off + 6], '\0');
    ASSERT_EQ(p.pos, sizeof(bytes) - 1);
    resp_parser_clear(&p);
    free(r.buf);
}

/* resp_parse_whole() (the client's parse ahead): the same result as
 * resp_parse() for a whole request of the usual form, and the parser left
 * as it was (so resp_parse() answers) for anything else. */
static void test_parse_whole_matches_parse_or_declines(void) {
    static const char ok[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n";
    static const char *const set[] = {"SET", "k", "hello"};
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = REQ(ok);
    ASSERT(resp_parse_whole(&p, r.buf, r.len));
    ASSERT_EQ(p.pos, 31);
    expect_argv(&p, r.buf, set, 3);
    /* Not again on a parser holding a request. */
    ASSERT(!resp_parse_whole(&p, r.buf, r.len));
    resp_parser_reset(&p);
    free(r.buf);
    static const struct {
        const char *bytes;
        bool unauth;
    } no[] = {{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel", false}, /* incomplete */
              {"SET k v\r\n", false},                             /* inline */
              {"*0\r\n", false},
              {"*-1\r\n", false},
              {"*1\r\n$04\r\nPING\r\n", false}, /* leading zero: the general path */
              {"*1\r\n+PING\r\n", false},
              {"*11\r\n", true}}; /* over the limit before AUTH */
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        p.unauthenticated = no[i].unauth;
        r = req_of(no[i].bytes, strlen(no[i].bytes));
        ASSERT(!resp_parse_whole(&p, r.buf, r.len));
        ASSERT(p.kind == 0 && p.pos == 0 && p.argc == 0 && p.mb_left == 0);
        free(r.buf);
    }
    resp_parser_clear(&p);
}

static void test_empty_multibulk_has_no_args(void) {
    static const char *const none[] = {NULL};
    expect_ok("*0\r\n", 4, none, 0);
    expect_ok("*-1\r\n", 5, none, 0);
    expect_ok("*-5\r\n", 5, none, 0);
    expect_ok("*0\r\n*1\r\n$4\r\nPING\r\n", 4, none, 0);
}

static void test_many_arguments_grow_argv(void) {
    size_t base = mem_used();
    const size_t n = 3000;
    str *s = str_fmt("*%zu\r\n", n);
    for (size_t i = 0; i < n; i++)
        s = str_catfmt(s, "$%d\r\n%zu\r\n", snprintf(NULL, 0, "%zu", i), i);
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = req_of(s->buf, s->len);
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    ASSERT_EQ(p.argc, n);
    ASSERT_EQ(p.pos, s->len);
    for (size_t i = 0; i < n; i++) {
        char want[UTIL_LLSTR_SIZE];
        size_t wl = util_ll2str(want, (long long)i);
        ASSERT_MEMEQ(r.buf + p.argv[i].off, p.argv[i].len, want, wl);
    }
    /* Reset keeps the array; a smaller request reuses it. */
    resp_parser_reset(&p);
    ASSERT_EQ(p.argc, 0);
    free(r.buf);
    r = REQ("*1\r\n$4\r\nPING\r\n");
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    static const char *const ping[] = {"PING"};
    expect_argv(&p, r.buf, ping, 1);
    resp_parser_clear(&p);
    resp_parser_clear(&p); /* twice is harmless */
    free(r.buf);
    str_free(s);
    ASSERT_EQ(mem_used(), base);
}

static void test_pipelined_requests_parse_one_after_another(void) {
    static const char stream[] = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
                                 "PING\r\n"
                                 "*0\r\n"
                                 "\r\n"
                                 "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\n42\r\n"
                                 "ECHO \"x y\"\n";
    static const char *const want[][3] = {{"GET", "a"}, {"PING"},           {NULL},
                                          {NULL},       {"SET", "b", "42"}, {"ECHO", "x y"}};
    static const size_t wantc[] = {2, 1, 0, 0, 3, 2};
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = REQ(stream);
    size_t at = 0;
    for (int i = 0; i < 6; i++) {
        const char *err;
        ASSERT_EQ(resp_parse(&p, r.buf + at, r.len - at, &err), RESP_OK);
        expect_argv(&p, r.buf + at, want[i], wantc[i]);
        at += p.pos;
        resp_parser_reset(&p);
    }
    ASSERT_EQ(at, r.len);
    const char *err;
    ASSERT_EQ(resp_parse(&p, r.buf + at, 0, &err), RESP_INCOMPLETE);
    resp_parser_clear(&p);
    free(r.buf);
}

/* ---- Inline ---- */

static void test_inline_words_and_line_endings(void) {
    static const char *const set[] = {"SET", "k", "v"};
    expect_ok("SET k v\r\n", 9, set, 3);
    expect_ok("SET k v\n", 8, set, 3);
    expect_ok("  SET \t k   v  \r\n", 17, set, 3);
    expect_ok("SET\rk v\n", 8, set, 3); /* a lone \r separates words, as in Redis */
    static const char *const none[] = {NULL};
    expect_ok("\r\n", 2, none, 0);
    expect_ok("\n", 1, none, 0);
    expect_ok("   \t \r\n", 7, none, 0);
    static const char *const ping[] = {"PING"};
    expect_ok("PING\r\nPING\r\n", 6, ping, 1);
}

static void test_inline_quotes_and_escapes(void) {
    static const char *const dq[] = {"SET", "a b", "c d"};
    expect_ok("SET \"a b\" 'c d'\r\n", 17, dq, 3);
    static const char *const hex[] = {"ECHO", "AJ\n\t\r\b\a\\\"z"};
    expect_ok("ECHO \"\\x41\\x4a\\n\\t\\r\\b\\a\\\\\\\"\\z\"\r\n", 0, hex, 2);
    static const char *const badhex[] = {"x4g", "x"};
    expect_ok("\"\\x4g\" \"\\x\"\n", 12, badhex, 2); /* not hex: \x is just x */
    static const char *const sq[] = {"it's", "a\\nb"};
    expect_ok("'it\\'s' 'a\\nb'\n", 15, sq, 2); /* single quotes only unescape \' */
    static const char *const empty[] = {"SET", "k", ""};
    expect_ok("SET k \"\"\n", 9, empty, 3);
    static const char *const joined[] = {"abcd", "xy"};
    expect_ok("ab\"cd\" x'y'\n", 12, joined, 2); /* a quote may start mid-word */
    static const char *const spaces[] = {" lead", "trail ", "in\"side"};
    expect_ok("\" lead\" 'trail ' \"in\\\"side\"\n", 28, spaces, 3);
    static const char *const nul[] = {"a", "b"};
    expect_ok("\"a\" \"b\"\r\n", 9, nul, 2);
}

static void test_inline_hex_escape_makes_binary(void) {
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = REQ("SET k \"\\x00\\xff\\x0D\\x0a\"\r\n");
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    ASSERT_EQ(p.argc, 3);
    ASSERT_MEMEQ(r.buf + p.argv[2].off, p.argv[2].len, "\0\xff\r\n", 4);
    ASSERT_EQ(r.buf[p.argv[2].off + 4], '\0');
    resp_parser_clear(&p);
    free(r.buf);
}

/* A raw NUL inside an inline word is one of its bytes: the words end at
 * spaces and the request at '\n', never at the NUL (which would let a NUL
 * smuggle extra words into a request). */
static void test_inline_nul_byte_stays_in_the_word(void) {
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    static const char line[] = "SET k\0x v\0\0 w\r\n";
    req r = {malloc(sizeof(line) - 1), sizeof(line) - 1};
    memcpy(r.buf, line, r.len);
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    ASSERT_EQ(p.pos, r.len);
    ASSERT_EQ(p.argc, 4);
    ASSERT_MEMEQ(r.buf + p.argv[1].off, p.argv[1].len, "k\0x", 3);
    ASSERT_MEMEQ(r.buf + p.argv[2].off, p.argv[2].len, "v\0\0", 3);
    ASSERT_MEMEQ(r.buf + p.argv[3].off, p.argv[3].len, "w", 1);
    resp_parser_clear(&p);
    free(r.buf);
}

static void test_inline_unbalanced_quotes(void) {
    static const char *const bad[] = {
        "SET \"abc\r\n", "SET 'abc\r\n",      "\"a\"b\n", "'a'b\n",  "\"\n",
        "'\n",           "SET k \"abc\\\"\n", "\"a\\\n",  "'a\\'\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_err(bad[i], strlen(bad[i]), false, MAX_BULK,
                   "Protocol error: unbalanced quotes in request");
}

static void test_inline_too_big(void) {
    size_t n = RESP_INLINE_MAX + 1;
    char *big = malloc(n + 10);
    memset(big, 'a', n + 10);
    expect_incomplete(big, RESP_INLINE_MAX, false); /* at the limit: wait */
    expect_err(big, n, false, MAX_BULK, "Protocol error: too big inline request");
    /* A long line is fine when its newline is already here, as in Redis. */
    big[n + 9] = '\n';
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    const char *err;
    ASSERT_EQ(resp_parse(&p, big, n + 10, &err), RESP_OK);
    ASSERT_EQ(p.argc, 1);
    ASSERT_EQ(p.argv[0].len, n + 9);
    resp_parser_clear(&p);
    free(big);
}

/* ---- Errors ---- */

static void test_multibulk_errors_use_redis_words(void) {
    const char *mb = "Protocol error: invalid multibulk length";
    EXPECT_ERR("*abc\r\n", mb);
    EXPECT_ERR("*\r\n", mb);
    EXPECT_ERR("*+1\r\n", mb);
    EXPECT_ERR("*01\r\n", mb);
    EXPECT_ERR("*1 \r\n", mb);
    EXPECT_ERR("*2147483648\r\n", mb); /* > INT_MAX */
    EXPECT_ERR("*99999999999999999999\r\n", mb);
    EXPECT_ERR("*1\n$4\r\nPING\r\n", mb); /* the count runs up to the \r */
    EXPECT_INCOMPLETE("*2147483647\r\n"); /* INT_MAX itself is allowed */

    const char *bl = "Protocol error: invalid bulk length";
    EXPECT_ERR("*1\r\n$abc\r\n", bl);
    EXPECT_ERR("*1\r\n$-1\r\n", bl);
    EXPECT_ERR("*1\r\n$\r\n", bl);
    EXPECT_ERR("*1\r\n$+4\r\nPING\r\n", bl);
    EXPECT_ERR("*1\r\n$ 4\r\nPING\r\n", bl);
    EXPECT_ERR("*1\r\n$4\nPING\r\n", bl);
    EXPECT_ERR("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$-1\r\n", bl);
    EXPECT_ERR("*1\r\n$536870913\r\n", bl); /* > proto-max-bulk-len */
    EXPECT_INCOMPLETE("*1\r\n$536870912\r\n");
    expect_err("*1\r\n$101\r\n", 10, false, 100, bl);

    EXPECT_ERR("*1\r\nx\r\n", "Protocol error: expected '$', got 'x'");
    EXPECT_ERR("*2\r\n$3\r\nGET\r\n:1\r\n", "Protocol error: expected '$', got ':'");
    EXPECT_ERR("*1\r\n*1\r\n", "Protocol error: expected '$', got '*'");
    /* Redis looks at the byte only once the whole line is in. */
    EXPECT_INCOMPLETE("*1\r\nx");
    EXPECT_INCOMPLETE("*1\r\nx\r");
}

static void test_too_big_count_strings(void) {
    size_t n = RESP_INLINE_MAX + 2;
    char *b = malloc(n + 8);
    b[0] = '*';
    memset(b + 1, '1', n);
    expect_incomplete(b, RESP_INLINE_MAX, false);
    expect_err(b, RESP_INLINE_MAX + 1, false, MAX_BULK,
               "Protocol error: too big mbulk count string");
    memcpy(b, "*1\r\n$", 5);
    expect_incomplete(b, RESP_INLINE_MAX + 4, false);
    expect_err(b, RESP_INLINE_MAX + 5, false, MAX_BULK,
               "Protocol error: too big bulk count string");
    memcpy(b, "*1\r\nx", 5); /* not even a '$', but no line end to judge it by */
    expect_err(b, RESP_INLINE_MAX + 5, false, MAX_BULK,
               "Protocol error: too big bulk count string");
    free(b);
}

static void test_unauthenticated_limits(void) {
    /* Before AUTH: at most 10 arguments, bulks of at most 16 KiB. */
    expect_err("*11\r\n", 5, true, MAX_BULK, "Protocol error: unauthenticated multibulk length");
    expect_incomplete("*10\r\n", 5, true);
    expect_err("*1\r\n$16385\r\n", 12, true, MAX_BULK,
               "Protocol error: unauthenticated bulk length");
    expect_incomplete("*1\r\n$16384\r\n", 12, true);
    /* The absolute checks come first, as in Redis. */
    expect_err("*abc\r\n", 6, true, MAX_BULK, "Protocol error: invalid multibulk length");
    expect_err("*2147483648\r\n", 13, true, MAX_BULK, "Protocol error: invalid multibulk length");
    expect_err("*1\r\n$-1\r\n", 9, true, MAX_BULK, "Protocol error: invalid bulk length");
    expect_err("*1\r\n$20000\r\n", 12, true, 18000, "Protocol error: invalid bulk length");
    /* After AUTH the same requests are fine. */
    expect_incomplete("*11\r\n", 5, false);
    expect_incomplete("*1\r\n$16385\r\n", 12, false);
    /* Inline requests have no argument limit. */
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    p.unauthenticated = true;
    req r = REQ("a b c d e f g h i j k l\r\n");
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    ASSERT_EQ(p.argc, 12);
    resp_parser_clear(&p);
    free(r.buf);
}

/* ---- Incremental parsing ---- */

/* Parse 'bytes' in one call, then again arriving in pieces (one byte at a
 * time when chunk == 1, else random chunks of 1..chunk bytes); the outcome
 * must be the same, and a complete request must be reported as soon as its
 * last byte arrives. */
static void check_incremental(const void *bytes, size_t len, bool unauth, size_t chunk,
                              uint64_t seed) {
    resp_parser whole, part;
    resp_parser_init(&whole, MAX_BULK);
    resp_parser_init(&part, MAX_BULK);
    whole.unauthenticated = part.unauthenticated = unauth;
    req a = req_of(bytes, len);
    const char *err_a = NULL, *err_b = NULL;
    resp_status st_a = resp_parse(&whole, a.buf, a.len, &err_a);

    char *b = malloc(len ? len : 1);
    size_t have = 0;
    resp_status st_b = RESP_INCOMPLETE;
    uint64_t x = seed;
    while (have < len) {
        size_t step = 1;
        if (chunk > 1) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            step = 1 + (size_t)((x >> 33) % chunk);
        }
        if (step > len - have) step = len - have;
        memcpy(b + have, (const char *)bytes + have, step);
        have += step;
        st_b = resp_parse(&part, b, have, &err_b);
        if (st_b != RESP_INCOMPLETE) break;
    }
    if (st_a != st_b)
        UNIT_FAIL("whole %d (%s) vs pieces %d (%s) for \"%.*s\"", st_a, err_a ? err_a : "-", st_b,
                  err_b ? err_b : "-", (int)(len < 60 ? len : 60), (const char *)bytes);
    if (st_a == RESP_ERR) ASSERT_STREQ(err_a, err_b);
    if (st_a == RESP_OK) {
        ASSERT_EQ(whole.pos, part.pos);
        if (chunk == 1) ASSERT_EQ(have, whole.pos); /* reported at the last byte */
        ASSERT(have >= part.pos);
        ASSERT_EQ(whole.argc, part.argc);
        for (size_t i = 0; i < whole.argc; i++) {
            ASSERT_EQ(whole.argv[i].off, part.argv[i].off);
            ASSERT_MEMEQ(a.buf + whole.argv[i].off, whole.argv[i].len, b + part.argv[i].off,
                         part.argv[i].len);
            ASSERT_EQ(b[part.argv[i].off + part.argv[i].len], '\0');
        }
    }
    resp_parser_clear(&whole);
    resp_parser_clear(&part);
    free(a.buf);
    free(b);
}

static const char *const incremental_cases[] = {
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n",
    "*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
    "*0\r\n",
    "*-1\r\n",
    "SET k v\r\n",
    "SET \"a b\" 'c d' \"\\x41\"\r\n",
    "\r\n",
    "  PING\n",
    "*1\r\nx\r\n",
    "*abc\r\n",
    "*1\r\n$abc\r\n",
    "*1\r\n$-1\r\n",
    "*11\r\n",
    "*1\r\n$16385\r\n",
    "SET \"abc\r\n",
    "*2\r\n$1\r\na\r\n:1\r\n",
};

static void test_one_byte_at_a_time_equals_all_at_once(void) {
    size_t base = mem_used();
    for (size_t i = 0; i < sizeof(incremental_cases) / sizeof(incremental_cases[0]); i++) {
        const char *c = incremental_cases[i];
        check_incremental(c, strlen(c), false, 1, 0);
        check_incremental(c, strlen(c), true, 1, 0);
    }
    /* A big bulk with CRLF and NUL bytes inside it. */
    size_t n = 40000;
    str *s = str_fmt("*2\r\n$3\r\nSET\r\n$%zu\r\n", n);
    size_t at = s->len;
    s = str_reserve(s, n + 2);
    for (size_t i = 0; i < n; i++) s->buf[at + i] = "a\r\n\0"[i % 4];
    str_setlen(s, at + n);
    s = str_cat(s, "\r\n", 2);
    check_incremental(s->buf, s->len, false, 1, 0);
    check_incremental(s->buf, s->len, true, 1, 0); /* too big before AUTH */
    str_free(s);
    ASSERT_EQ(mem_used(), base);
}

static void test_random_chunks_equal_all_at_once(void) {
    for (uint64_t seed = 1; seed <= 200; seed++) {
        size_t i = seed % (sizeof(incremental_cases) / sizeof(incremental_cases[0]));
        const char *c = incremental_cases[i];
        check_incremental(c, strlen(c), seed % 3 == 0, 2 + seed % 7, seed);
    }
    /* Many arguments arriving in random chunks. */
    str *s = str_new("*50\r\n", 5);
    for (int i = 0; i < 50; i++) {
        s = str_catfmt(s, "$%d\r\n", i);
        for (int j = 0; j < i; j++) s = str_cat(s, j % 2 ? "\r" : "\n", 1);
        s = str_cat(s, "\r\n", 2);
    }
    for (uint64_t seed = 1; seed <= 50; seed++) check_incremental(s->buf, s->len, false, 40, seed);
    str_free(s);
}

static void test_need_reported_for_big_bulk(void) {
    const size_t n = 100000;
    str *s = str_fmt("*2\r\n$3\r\nSET\r\n$%zu\r\n", n);
    size_t hdr = s->len;
    s = str_reserve(s, n + 2);
    memset(s->buf + hdr, 'z', n);
    str_setlen(s, hdr + n);
    s = str_cat(s, "\r\n", 2);
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    const char *err;
    /* Until a bulk's header is in, the total is unknown. */
    ASSERT_EQ(resp_parse(&p, s->buf, 3, &err), RESP_INCOMPLETE);
    ASSERT_EQ(p.need, 0);
    ASSERT_EQ(resp_parse(&p, s->buf, hdr, &err), RESP_INCOMPLETE);
    ASSERT_EQ(p.need, hdr + n + 2);
    ASSERT_EQ(resp_parse(&p, s->buf, hdr + 5000, &err), RESP_INCOMPLETE);
    ASSERT_EQ(p.need, hdr + n + 2);
    ASSERT_EQ(resp_parse(&p, s->buf, hdr + n + 1, &err), RESP_INCOMPLETE); /* no \n yet */
    ASSERT_EQ(p.need, hdr + n + 2);
    ASSERT_EQ(resp_parse(&p, s->buf, s->len, &err), RESP_OK);
    ASSERT_EQ(p.pos, s->len);
    ASSERT_EQ(p.need, 0);
    ASSERT_EQ(p.argc, 2);
    ASSERT_EQ(p.argv[1].off, hdr);
    ASSERT_EQ(p.argv[1].len, n);
    ASSERT_EQ(s->buf[hdr + n], '\0');
    resp_parser_reset(&p);
    ASSERT_EQ(p.need, 0);
    resp_parser_clear(&p);
    str_free(s);
}

static void test_reset_after_error_parses_next_request(void) {
    resp_parser p;
    resp_parser_init(&p, MAX_BULK);
    req r = REQ("*1\r\n$abc\r\n");
    const char *err;
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_ERR);
    resp_parser_reset(&p);
    free(r.buf);
    r = REQ("GET k\n");
    ASSERT_EQ(parse_req(&p, &r, &err), RESP_OK);
    static const char *const get[] = {"GET", "k"};
    expect_argv(&p, r.buf, get, 2);
    resp_parser_clear(&p);
    free(r.buf);
}

/* ---- Encoding ---- */

static void test_peek_finds_elements_and_size(void) {
    slice args[2];
    size_t argc = 0;
    const char *two = "*3\r\n$3\r\nSET\r\n$5\r\nk\r\n12\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n";
    size_t first = strlen("*3\r\n$3\r\nSET\r\n$5\r\nk\r\n12\r\n$1\r\nv\r\n");
    ASSERT_EQ(resp_peek_request(two, strlen(two), args, 2, &argc), first);
    ASSERT_EQ(argc, 3); /* all counted, two kept */
    ASSERT(args[0].len == 3 && memcmp(args[0].ptr, "SET", 3) == 0);
    ASSERT(args[1].len == 5 && memcmp(args[1].ptr, "k\r\n12", 5) == 0); /* binary-safe */
    ASSERT_EQ(resp_peek_request(two + first, strlen(two) - first, args, 2, &argc), 14);
    ASSERT(argc == 1 && args[0].len == 4);
    ASSERT_EQ(resp_peek_request(two, strlen(two), args, 0, &argc), first);
}

static void test_peek_refuses_what_it_cannot_see_whole(void) {
    slice args[4];
    size_t argc = 99;
    const char *full = "*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n";
    size_t n = strlen(full);
    for (size_t cut = 0; cut < n; cut++) ASSERT_EQ(resp_peek_request(full, cut, args, 4, &argc), 0);
    ASSERT_EQ(argc, 99);
    ASSERT_EQ(resp_peek_request(full, n, args, 4, &argc), n);
    static const char *bad[] = {
        "GET foo\r\n", /* inline */
        "*0\r\n",      /* no elements */
        "*-1\r\n",
        "*\r\n$3\r\nGET\r\n",
        "*2\r\n$3\r\nGET\r\n:3\r\nfoo\r\n", /* not a bulk */
        "*2\r\n$3\r\nGET\r\n$-1\r\n",
        "*2\r\n$3\r\nGET\r\n$99999999999999999999\r\nfoo\r\n",
        "*99999999999999999999\r\n",
        "*1025\r\n",         /* over RESP_PEEK_MAX_ARGS */
        "*1\r\n$3\nGET\r\n", /* bare LF */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ASSERT_EQ(resp_peek_request(bad[i], strlen(bad[i]), args, 4, &argc), 0);
}

/* The one- and two-digit shortcuts of the count readers: every length
 * from 0 to 120 (1, 2 and 3 digits), whole and cut anywhere, gives what
 * the general readers give; a CR not followed by LF, or a leading zero,
 * still goes the general way. */
static void test_short_counts_whole_and_cut(void) {
    for (size_t n = 0; n <= 120; n++) {
        char body[128];
        memset(body, 'x', n);
        char full[200];
        int len =
            snprintf(full, sizeof(full), "*2\r\n$3\r\nGET\r\n$%zu\r\n%.*s\r\n", n, (int)n, body);
        slice args[4];
        size_t argc = 0;
        ASSERT_EQ(resp_peek_request(full, (size_t)len, args, 4, &argc), (size_t)len);
        ASSERT(argc == 2 && args[1].len == n);
        resp_parser p;
        resp_parser_init(&p, MAX_BULK);
        req r = req_of(full, (size_t)len);
        /* $0 has no shortcut in the parse (Redis's general path reads it) */
        ASSERT_EQ(resp_parse_whole(&p, r.buf, r.len), n > 0);
        if (n > 0) {
            ASSERT_EQ(p.pos, (size_t)len);
            ASSERT(p.argc == 2 && p.argv[1].len == n);
        }
        resp_parser_reset(&p);
        for (int cut = 0; cut < len; cut++) {
            ASSERT_EQ(resp_peek_request(full, (size_t)cut, args, 4, &argc), 0);
            ASSERT(!resp_parse_whole(&p, r.buf, (size_t)cut));
            ASSERT(p.kind == 0 && p.pos == 0 && p.argc == 0);
        }
        free(r.buf);
        resp_parser_clear(&p);
    }
    slice args[4];
    size_t argc = 0;
    static const char *bad[] = {"*1\r\n$3\rXGET\r\n", "*1\r\n$10\rX0123456789\r\n",
                                "*1\rX$3\r\nGET\r\n", "*12\rX$3\r\nGET\r\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ASSERT_EQ(resp_peek_request(bad[i], strlen(bad[i]), args, 4, &argc), 0);
    /* Leading zeros: the peek takes them, the whole parse leaves them to
     * the general path. */
    const char *lz = "*1\r\n$03\r\nGET\r\n";
    ASSERT_EQ(resp_peek_request(lz, strlen(lz), args, 4, &argc), strlen(lz));
    ASSERT(argc == 1 && args[0].len == 3);
}

static void test_encode_header(void) {
    char buf[RESP_HDR_MAX];
    size_t n = resp_enc_hdr(buf, '*', 3);
    ASSERT_MEMEQ(buf, n, "*3\r\n", 4);
    n = resp_enc_hdr(buf, '$', -1);
    ASSERT_MEMEQ(buf, n, "$-1\r\n", 5);
    n = resp_enc_hdr(buf, ':', 0);
    ASSERT_MEMEQ(buf, n, ":0\r\n", 4);
    n = resp_enc_hdr(buf, ':', LLONG_MIN);
    ASSERT_MEMEQ(buf, n, ":-9223372036854775808\r\n", 23);
    ASSERT(n <= RESP_HDR_MAX);
}

int main(void) {
    RUN(test_multibulk_request);
    RUN(test_multibulk_is_binary_safe);
    RUN(test_parse_whole_matches_parse_or_declines);
    RUN(test_empty_multibulk_has_no_args);
    RUN(test_many_arguments_grow_argv);
    RUN(test_pipelined_requests_parse_one_after_another);
    RUN(test_inline_words_and_line_endings);
    RUN(test_inline_quotes_and_escapes);
    RUN(test_inline_hex_escape_makes_binary);
    RUN(test_inline_nul_byte_stays_in_the_word);
    RUN(test_inline_unbalanced_quotes);
    RUN(test_inline_too_big);
    RUN(test_multibulk_errors_use_redis_words);
    RUN(test_too_big_count_strings);
    RUN(test_unauthenticated_limits);
    RUN(test_one_byte_at_a_time_equals_all_at_once);
    RUN(test_random_chunks_equal_all_at_once);
    RUN(test_need_reported_for_big_bulk);
    RUN(test_reset_after_error_parses_next_request);
    RUN(test_peek_finds_elements_and_size);
    RUN(test_peek_refuses_what_it_cannot_see_whole);
    RUN(test_short_counts_whole_and_cut);
    RUN(test_encode_header);
    return unit_report();
}
