/* resp.h -- RESP request parsing and reply encoding. Pure: knows no client.
 *
 * The parser is incremental: it keeps its place inside a partly received
 * request, so a request that arrives in many reads is scanned once, and it
 * reports how many bytes a large bulk still needs so the caller can size
 * its buffer once instead of growing it quadratically. */
#ifndef CASTOR_RESP_H
#define CASTOR_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

typedef enum { RESP_OK, RESP_INCOMPLETE, RESP_ERR } resp_status;

#define RESP_INLINE_MAX (1024 * 64) /* Redis's PROTO_INLINE_MAX_SIZE */
#define RESP_BIG_ARG (1024 * 32)    /* Redis's PROTO_MBULK_BIG_ARG */
#define RESP_PEEK_MAX_ARGS 1024

typedef struct resp_arg {
    size_t off; /* from the start of the request */
    size_t len;
} resp_arg;

typedef struct resp_parser {
    long long max_bulk;   /* proto-max-bulk-len */
    bool unauthenticated; /* tighter limits before AUTH, as Redis */
    /* State of the request being parsed. */
    char kind;          /* 0 before the first byte, '*' multibulk, 'i' inline */
    long long mb_left;  /* elements still to read */
    long long bulk_len; /* length of the bulk being read, -1 for none */
    size_t pos;         /* bytes of this request consumed so far */
    size_t need;        /* bytes the request needs in total, when known */
    size_t argc, argv_cap;
    resp_arg *argv;
    char errbuf[64];
} resp_parser;

void resp_parser_init(resp_parser *p, long long max_bulk);
void resp_parser_clear(resp_parser *p);
/* Forget the finished (or failed) request; keeps limits and the argv array. */
void resp_parser_reset(resp_parser *p);

/* Parse one request from buf[0..len), the bytes from the start of the
 * request. On RESP_OK p->argv/argc are set (argc may be 0 for an empty
 * line, which callers skip) and p->pos bytes were used; each argument is
 * followed by a NUL written into buf. On RESP_INCOMPLETE call again with
 * the same start and more bytes; p->need tells how many bytes in total a
 * large bulk needs (0 if unknown). On RESP_ERR *err is a Redis-worded
 * message ("Protocol error: ..."). */
resp_status resp_parse(resp_parser *p, char *buf, size_t len, const char **err);

/* resp_parse() of a request that is all in buf[0..len) with every line
 * of the usual kind (its fast path), for a caller that parses ahead of
 * time: true with the same result and the same NULs written; false with
 * nothing changed but argv's capacity (resp_parse() then answers). p must
 * be at the start of a request. */
bool resp_parse_whole(resp_parser *p, char *buf, size_t len);

/* resp_parse_whole() without a parser: under a parser's limits (its
 * unauthenticated and max_bulk), a whole multibulk request of the usual form
 * with at most max_args elements at buf[0..len) goes into out[0..*argc)
 * (offsets into buf, NULs written after each as resp_parse() writes
 * them), *used its length; false, with nothing promised about out, for
 * anything else. What resp_parse() then gives for buf is the same
 * request. */
bool resp_parse_whole_into(bool unauth, long long max_bulk, char *buf, size_t len, resp_arg *out,
                           size_t max_args, size_t *argc, size_t *used);

/* Look ahead without parsing state: if buf[0..len) starts with a complete
 * multibulk request of at most RESP_PEEK_MAX_ARGS elements (bigger ones
 * are not worth a second scan), return its size in bytes, set *argc to its element
 * count and args[0..min(argc, max_args)) to its first elements; else
 * return 0 (args may have been written). Used to prefetch the keys of
 * requests waiting in a buffer. */
size_t resp_peek_request(const char *buf, size_t len, slice *args, size_t max_args, size_t *argc);

/* Encoders: each writes into dst (which must have room) and returns the
 * bytes written. RESP_HDR_MAX bounds a header. */
#define RESP_HDR_MAX 32
size_t resp_enc_hdr(char *dst, char type, long long n); /* "<type><n>\r\n" */

/* Append argv as a RESP array of bulk strings to s (the AOF and the
 * replication stream); resp_cat_select appends "SELECT <dbid>". */
str *resp_cat_command(str *s, int argc, const slice *argv) MUST_USE;
str *resp_cat_select(str *s, int dbid) MUST_USE;

#endif
