/* fuzz_resp.c -- libFuzzer target for resp.c's incremental request parser.
 *
 * The first input byte picks the mode (bit 0: unauthenticated limits,
 * bit 1: a tiny proto-max-bulk-len, bits 2-4: how many times each request
 * is cut, bits 5-6: the client's read-ahead parses under the other
 * unauthenticated / max-bulk limit, bit 7: it sees only a prefix); the rest is a byte stream from a
 * client. Requests are parsed one after another, each fed in pieces at cut
 * points derived from the data, into a buffer that is reallocated to
 * exactly the bytes received so far (so ASan sees any read past them).
 * After every call the parser's promises are checked, and a request parsed
 * in pieces must give what one call with all the bytes gives.
 * check_read_ahead() then plays the whole stream as a pipeline through
 * client.c's read-ahead (parse ahead in the same buffer, run from the
 * parse where the limits match, else parse again) and compares it with
 * plain parsing. Build and run: see README.md beside this file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_resp: check failed at line %d: %s\n", __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* Promises that hold after any call, whatever the bytes. */
static void check_call(const resp_parser *p, resp_status st, const char *buf, size_t have,
                       const char *err) {
    CHECK(st == RESP_OK || st == RESP_INCOMPLETE || st == RESP_ERR);
    CHECK(p->pos <= have);
    if (st == RESP_ERR) {
        CHECK(err != NULL);
        CHECK(strncmp(err, "Protocol error: ", 16) == 0);
        CHECK(strlen(err) < 64);
    }
    if (st == RESP_INCOMPLETE) {
        CHECK(p->need == 0 || p->need > have); /* more bytes are really needed */
    }
    if (st != RESP_OK) return;
    CHECK(p->pos > 0); /* else a client would loop on the same bytes */
    CHECK(p->argc <= p->pos);
    size_t end = 0;
    for (size_t i = 0; i < p->argc; i++) {
        const resp_arg *a = &p->argv[i];
        CHECK(a->off >= end); /* in order, no overlap */
        CHECK(a->off <= p->pos);
        CHECK(a->len < p->pos - a->off); /* room for the NUL after it */
        CHECK(buf[a->off + a->len] == '\0');
        end = a->off + a->len + 1;
    }
}

/* Parse one request at data[0..len) in pieces. Returns the status; *used,
 * and copies of the results, are left in 'p' and *out (owned by caller). */
static resp_status parse_in_pieces(resp_parser *p, const uint8_t *data, size_t len, int cuts,
                                   uint64_t seed, char **out, const char **err) {
    size_t points[9];
    int n = 0;
    for (int i = 0; i < cuts; i++) points[n++] = (size_t)(mix(seed + (uint64_t)i) % (len + 1));
    points[n++] = len;
    /* Insertion sort: n <= 9. */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && points[j - 1] > points[j]; j--) {
            size_t t = points[j];
            points[j] = points[j - 1];
            points[j - 1] = t;
        }
    }
    char *buf = NULL;
    size_t have = 0;
    resp_status st = RESP_INCOMPLETE;
    for (int i = 0; i < n; i++) {
        size_t want = points[i];
        if (want == have && have != 0) continue;
        /* Reallocate to exactly 'want' bytes, keeping what the parser wrote. */
        char *nb = malloc(want ? want : 1);
        if (have) memcpy(nb, buf, have);
        memcpy(nb + have, data + have, want - have);
        free(buf);
        buf = nb;
        have = want;
        *err = NULL;
        st = resp_parse(p, buf, have, err);
        check_call(p, st, buf, have, *err);
        if (st != RESP_INCOMPLETE) break;
    }
    *out = buf;
    return st;
}

/* ---- The client's read-ahead over a pipeline ----
 * As client.c's prefetch_client() over the first 'seen' bytes (the rest
 * arrives later): the request at 0 parsed whole into a parser, up to 15
 * more into a table by offset (resp_parse_whole_into(), at most 16
 * arguments), each under the read-ahead's limits; where a request can't
 * be, the chain goes on past it by resp_peek_request() or stops. All of
 * this writes into the one buffer the requests then run from: each taken
 * from the parse ahead when its limits are the running ones (as
 * take_parsed_ahead() and parse_limits_hold() allow), else parsed by
 * resp_parse(). Every request must come out as plain parsing of an
 * untouched copy gives it: the same status, size, arguments and bytes. */
#define AHEAD_REQS 16
#define AHEAD_ARGS 16

struct ahead_req {
    size_t off, used, argc;
    resp_arg args[AHEAD_ARGS];
};

static void check_read_ahead(const uint8_t *data, size_t size, size_t seen, bool unauth,
                             long long max_bulk, bool ahead_unauth, long long ahead_max_bulk) {
    char *ref = malloc(size ? size : 1), *buf = malloc(size ? size : 1);
    memcpy(ref, data, size);
    memcpy(buf, data, size);
    static struct ahead_req table[AHEAD_REQS];
    int n = 0;
    resp_parser held;
    resp_parser_init(&held, ahead_max_bulk);
    held.unauthenticated = ahead_unauth;
    bool have_held = false;
    size_t p = 0;
    for (int k = 0; k < AHEAD_REQS && p < seen; k++) {
        size_t used = 0, argc = 0;
        struct ahead_req *e = &table[n];
        if (k == 0 && resp_parse_whole(&held, buf, seen)) {
            have_held = true;
            used = held.pos;
        } else if (resp_parse_whole_into(ahead_unauth, ahead_max_bulk, buf + p, seen - p, e->args,
                                         AHEAD_ARGS, &argc, &used)) {
            e->off = p;
            e->used = used;
            e->argc = argc;
            n++;
        } else {
            slice peek[4];
            used = resp_peek_request(buf + p, seen - p, peek, 4, &argc);
            if (used == 0) break;
        }
        CHECK(used > 0 && used <= seen - p);
        p += used;
    }

    bool same_limits = ahead_unauth == unauth && ahead_max_bulk == max_bulk;
    resp_parser run, plain;
    resp_parser_init(&run, max_bulk);
    resp_parser_init(&plain, max_bulk);
    run.unauthenticated = plain.unauthenticated = unauth;
    size_t at = 0;
    for (int k = 0; at < size; k++) {
        const char *perr = NULL, *err = NULL;
        resp_status pst = resp_parse(&plain, ref + at, size - at, &perr);
        const struct ahead_req *e = NULL;
        for (int i = 0; i < n && e == NULL; i++)
            if (table[i].off == at) e = &table[i];
        const resp_arg *args;
        size_t argc, used;
        resp_status st = RESP_OK;
        if (k == 0 && have_held && same_limits) {
            args = held.argv;
            argc = held.argc;
            used = held.pos;
        } else if (e != NULL && same_limits) {
            args = e->args;
            argc = e->argc;
            used = e->used;
        } else {
            st = resp_parse(&run, buf + at, size - at, &err);
            args = run.argv;
            argc = run.argc;
            used = run.pos;
        }
        CHECK(st == pst);
        if (st == RESP_ERR) CHECK(err != NULL && strcmp(err, perr) == 0);
        if (st != RESP_OK) break;
        CHECK(used == plain.pos && argc == plain.argc);
        for (size_t i = 0; i < argc; i++) {
            CHECK(args[i].off == plain.argv[i].off && args[i].len == plain.argv[i].len);
            CHECK(memcmp(buf + at + args[i].off, ref + at + plain.argv[i].off, args[i].len) == 0);
        }
        at += used;
        resp_parser_reset(&run);
        resp_parser_reset(&plain);
    }
    resp_parser_clear(&held);
    resp_parser_clear(&run);
    resp_parser_clear(&plain);
    free(ref);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    bool unauth = mode & 1;
    long long max_bulk = (mode & 2) ? 64 : 512LL * 1024 * 1024;
    int cuts = (mode >> 2) & 7;
    uint64_t seed = mix(size);
    for (size_t i = 0; i < size && i < 32; i++) seed = mix(seed ^ data[i]);

    resp_parser inc, whole;
    resp_parser_init(&inc, max_bulk);
    resp_parser_init(&whole, max_bulk);
    inc.unauthenticated = whole.unauthenticated = unauth;

    size_t at = 0;
    while (at < size) {
        const uint8_t *rest = data + at;
        size_t len = size - at;
        char *ibuf;
        const char *ierr;
        resp_status ist = parse_in_pieces(&inc, rest, len, cuts, seed + at, &ibuf, &ierr);

        /* The look-ahead used for prefetching, on an exact-size copy. */
        char *pbuf = malloc(len);
        memcpy(pbuf, rest, len);
        slice pargs[4];
        size_t pargc = 0, peeked = resp_peek_request(pbuf, len, pargs, 4, &pargc);
        CHECK(peeked <= len);
        for (size_t i = 0; peeked && i < pargc && i < 4; i++)
            CHECK(pargs[i].ptr >= pbuf && pargs[i].ptr + pargs[i].len <= pbuf + peeked);

        /* The same bytes in one call. */
        char *wbuf = malloc(len);
        memcpy(wbuf, rest, len);
        const char *werr = NULL;
        resp_status wst = resp_parse(&whole, wbuf, len, &werr);
        check_call(&whole, wst, wbuf, len, werr);
        /* Where both accept a request, they agree on its size and first
         * arguments (the look-ahead may accept what the parser refuses,
         * such as leading zeros; that only costs a useless prefetch). */
        /* A request the look-ahead finds whole is whole for the parser
         * too: the read-ahead goes on after it, and would otherwise parse
         * (and write NULs into) the middle of this request. */
        if (peeked) CHECK(wst != RESP_INCOMPLETE);
        if (peeked && wst == RESP_OK) {
            CHECK(whole.pos == peeked && whole.argc == pargc);
            for (size_t i = 0; i < pargc && i < 4; i++)
                CHECK(whole.argv[i].len == pargs[i].len &&
                      memcmp(wbuf + whole.argv[i].off, pargs[i].ptr, pargs[i].len) == 0);
        }
        free(pbuf);

        /* The client's parse ahead: declines leaving the parser as it was,
         * or gives exactly what resp_parse() gives. */
        char *abuf = malloc(len);
        memcpy(abuf, rest, len);
        resp_parser ahead;
        resp_parser_init(&ahead, max_bulk);
        ahead.unauthenticated = unauth;
        if (resp_parse_whole(&ahead, abuf, len)) {
            check_call(&ahead, RESP_OK, abuf, len, NULL);
            CHECK(wst == RESP_OK && ahead.pos == whole.pos && ahead.argc == whole.argc);
            CHECK(memcmp(abuf, wbuf, len) == 0); /* the same NULs written */
            for (size_t i = 0; i < ahead.argc; i++)
                CHECK(ahead.argv[i].off == whole.argv[i].off &&
                      ahead.argv[i].len == whole.argv[i].len);
        } else {
            CHECK(ahead.kind == 0 && ahead.pos == 0 && ahead.argc == 0 && ahead.mb_left == 0);
        }
        resp_parser_clear(&ahead);
        free(abuf);

        /* The same without a parser (the read-ahead's table of later
         * requests): where it accepts, exactly resp_parse()'s request. */
        char *tbuf = malloc(len);
        memcpy(tbuf, rest, len);
        resp_arg targs[16];
        size_t targc = 0, tused = 0;
        if (resp_parse_whole_into(unauth, max_bulk, tbuf, len, targs, 16, &targc, &tused)) {
            CHECK(wst == RESP_OK && tused == whole.pos && targc == whole.argc);
            CHECK(memcmp(tbuf, wbuf, tused) == 0); /* the same NULs written */
            for (size_t i = 0; i < targc; i++)
                CHECK(targs[i].off == whole.argv[i].off && targs[i].len == whole.argv[i].len);
        }
        free(tbuf);

        if (ist == RESP_OK) {
            CHECK(wst == RESP_OK);
            CHECK(inc.pos == whole.pos);
            CHECK(inc.argc == whole.argc);
            for (size_t i = 0; i < inc.argc; i++) {
                CHECK(inc.argv[i].off == whole.argv[i].off);
                CHECK(inc.argv[i].len == whole.argv[i].len);
                CHECK(memcmp(ibuf + inc.argv[i].off, wbuf + whole.argv[i].off, inc.argv[i].len) ==
                      0);
            }
        } else if (ist == RESP_ERR && strstr(ierr, "too big") == NULL) {
            /* Only the "too big" errors depend on how the bytes arrived. */
            CHECK(wst == RESP_ERR);
            CHECK(strcmp(ierr, werr) == 0);
        } else if (ist == RESP_INCOMPLETE) {
            CHECK(wst == RESP_INCOMPLETE); /* every byte was fed in the end */
        }
        free(ibuf);
        free(wbuf);
        if (ist != RESP_OK) break; /* an error closes the connection */
        at += inc.pos;
        resp_parser_reset(&inc);
        resp_parser_reset(&whole);
    }
    resp_parser_clear(&inc);
    resp_parser_clear(&whole);

    bool ahead_unauth = (mode & 32) ? !unauth : unauth;
    long long ahead_max_bulk = (mode & 64) ? ((mode & 2) ? 512LL * 1024 * 1024 : 64) : max_bulk;
    size_t seen = (mode & 128) ? (size_t)(mix(seed ^ 0x5eedu) % (size + 1)) : size;
    check_read_ahead(data, size, seen, unauth, max_bulk, ahead_unauth, ahead_max_bulk);
    return 0;
}
