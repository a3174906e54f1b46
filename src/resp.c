/* resp.c -- RESP2/RESP3 request parser and reply encoders.
 *
 * Requests are either multibulk ("*<n>\r\n$<len>\r\n<bytes>\r\n...") or
 * inline (a line of words, with Redis's quoting rules). Arguments are kept
 * as offsets into the caller's buffer, never copied; inline words are
 * unescaped in place, which fits because an unescaped word is never longer
 * than its source. Limits and error texts are Redis 7.0's.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "resp.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "util.h"

void resp_parser_init(resp_parser *p, long long max_bulk) {
    memset(p, 0, sizeof(*p));
    p->max_bulk = max_bulk;
    p->bulk_len = -1;
}

void resp_parser_clear(resp_parser *p) {
    mem_free(p->argv);
    p->argv = NULL;
    p->argv_cap = 0;
}

void resp_parser_reset(resp_parser *p) {
    p->kind = 0;
    p->mb_left = 0;
    p->bulk_len = -1;
    p->pos = 0;
    p->need = 0;
    p->argc = 0;
}

static __attribute__((noinline)) void grow_args(resp_parser *p) {
    p->argv_cap = p->argv_cap ? p->argv_cap * 2 : 8;
    p->argv = mem_realloc(p->argv, p->argv_cap * sizeof(resp_arg));
}

/* Inlined: every argument of every request comes through here. */
static inline __attribute__((always_inline)) void push_arg(resp_parser *p, size_t off, size_t len) {
    if (p->argc == p->argv_cap) grow_args(p);
    p->argv[p->argc++] = (resp_arg){off, len};
}

static void reserve_args(resp_parser *p, long long n) {
    /* Trust the announced count only up to a point: a liar must not make
     * us allocate gigabytes before sending anything. */
    size_t want = (size_t)(n < 1024 ? n : 1024);
    if (want > p->argv_cap) {
        p->argv_cap = want;
        p->argv = mem_realloc(p->argv, p->argv_cap * sizeof(resp_arg));
    }
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Split line[0..len) into words in place (Redis's sdssplitargs rules).
 * Returns false on unbalanced quotes. */
static bool split_inline(resp_parser *p, char *line, size_t len) {
    size_t r = 0, w = 0;
    for (;;) {
        while (r < len && isspace((unsigned char)line[r])) r++;
        if (r >= len) return true;
        size_t start = w;
        bool inq = false, insq = false, done = false;
        while (!done) {
            if (inq) {
                if (r >= len) return false;
                if (line[r] == '\\' && r + 3 < len && line[r + 1] == 'x' &&
                    hexval((unsigned char)line[r + 2]) >= 0 &&
                    hexval((unsigned char)line[r + 3]) >= 0) {
                    line[w++] = (char)(hexval((unsigned char)line[r + 2]) * 16 +
                                       hexval((unsigned char)line[r + 3]));
                    r += 3;
                } else if (line[r] == '\\' && r + 1 < len) {
                    r++;
                    char c = line[r];
                    switch (c) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    }
                    line[w++] = c;
                } else if (line[r] == '"') {
                    /* The closing quote must be followed by a space or end. */
                    if (r + 1 < len && !isspace((unsigned char)line[r + 1])) return false;
                    done = true;
                } else {
                    line[w++] = line[r];
                }
            } else if (insq) {
                if (r >= len) return false;
                if (line[r] == '\\' && r + 1 < len && line[r + 1] == '\'') {
                    r++;
                    line[w++] = '\'';
                } else if (line[r] == '\'') {
                    if (r + 1 < len && !isspace((unsigned char)line[r + 1])) return false;
                    done = true;
                } else {
                    line[w++] = line[r];
                }
            } else {
                if (r >= len) {
                    done = true;
                    break;
                }
                /* A NUL is a byte of the word: the line ends at '\n' only
                 * (splitting at it would let a NUL smuggle in more words). */
                switch (line[r]) {
                case ' ':
                case '\n':
                case '\r':
                case '\t': done = true; break;
                case '"': inq = true; break;
                case '\'': insq = true; break;
                default: line[w++] = line[r]; break;
                }
            }
            if (r < len) r++;
        }
        /* w < r here: at least the delimiter or closing quote was consumed. */
        size_t wlen = w - start;
        line[w++] = '\0';
        push_arg(p, start, wlen);
    }
}

static resp_status parse_inline(resp_parser *p, char *buf, size_t len, const char **err) {
    char *nl = memchr(buf, '\n', len);
    if (nl == NULL) {
        if (len > RESP_INLINE_MAX) {
            *err = "Protocol error: too big inline request";
            return RESP_ERR;
        }
        return RESP_INCOMPLETE;
    }
    size_t linelen = (size_t)(nl - buf);
    size_t used = linelen + 1;
    if (linelen && buf[linelen - 1] == '\r') linelen--;
    if (!split_inline(p, buf, linelen)) {
        *err = "Protocol error: unbalanced quotes in request";
        return RESP_ERR;
    }
    p->pos = used;
    return RESP_OK;
}

/* read_count() of any line: the first CR, then Redis's string2ll. */
static __attribute__((noinline)) int read_count_slow(resp_parser *p, char *buf, size_t len,
                                                     long long *out, bool *toobig) {
    size_t start = p->pos;
    char *cr = memchr(buf + start, '\r', len - start);
    *toobig = false;
    if (cr == NULL) {
        if (len - start > RESP_INLINE_MAX) *toobig = true;
        return 0;
    }
    size_t crpos = (size_t)(cr - buf);
    if (crpos + 1 >= len) return 0; /* need the '\n' too */
    if (!util_str2ll(buf + start + 1, crpos - start - 1, out)) return -1;
    p->pos = crpos + 2;
    return 1;
}

/* The usual count line at buf[*pos] (after its prefix byte): 1-18 digits
 * without a leading zero, then "\r" and one more byte in the buffer. What
 * read_count_slow() would accept, read in one pass; false (nothing moved)
 * for any other line: a sign, a zero, junk, or not all in yet. */
static inline bool read_digits(const char *buf, size_t len, size_t *pos, long long *out) {
    size_t start = *pos, i = start + 1;
    /* One or two digits (argument counts, short bulks) without the loop. */
    if (len > start + 4) {
        unsigned d0 = (unsigned char)buf[i] - (unsigned)'1';
        if (d0 < 9 && buf[i + 1] == '\r') {
            *out = d0 + 1;
            *pos = i + 3;
            return true;
        }
        unsigned d1 = (unsigned char)buf[i + 1] - (unsigned)'0';
        if (d0 < 9 && d1 < 10 && buf[i + 2] == '\r') {
            *out = (d0 + 1) * 10 + d1;
            *pos = i + 4;
            return true;
        }
    }
    if (i >= len || buf[i] < '1' || buf[i] > '9') return false;
    long long v = 0;
    size_t stop = len - start > 19 ? start + 19 : len; /* 18 digits can't overflow */
    for (; i < stop && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (buf[i] - '0');
    if (i + 1 >= len || buf[i] != '\r') return false;
    *out = v;
    *pos = i + 2;
    return true;
}

/* Read "<prefix><number>\r\n" at buf[p->pos]; 1 ok, 0 incomplete, -1 no number. */
static inline int read_count(resp_parser *p, char *buf, size_t len, long long *out, bool *toobig) {
    if (read_digits(buf, len, &p->pos, out)) {
        *toobig = false;
        return 1;
    }
    return read_count_slow(p, buf, len, out, toobig);
}

/* The usual bulk at buf[*pos]: "$<len>\r\n<bytes>\r\n" all in, within the
 * limits; NUL-terminated in place, *pos moved past it. */
static inline bool read_whole_bulk(char *buf, size_t len, size_t *pos, bool unauth,
                                   long long max_bulk, size_t *off, size_t *blen) {
    long long n;
    if (*pos >= len || buf[*pos] != '$' || !read_digits(buf, len, pos, &n) || n > max_bulk ||
        (unauth && n > 16384) || len - *pos < (size_t)n + 2)
        return false;
    *off = *pos;
    *blen = (size_t)n;
    buf[*pos + (size_t)n] = '\0';
    *pos += (size_t)n + 2;
    return true;
}

/* A whole request already in the buffer, every line the usual kind: parsed
 * in one pass with the state in locals. Returns false, with nothing but
 * argv's capacity changed, for anything else (incomplete, an empty or
 * limit-breaking argument, a malformed line), which parse_multibulk()'s
 * general path then reads from the start and answers exactly; the NULs
 * written after the arguments already read are those it writes too. */
static bool parse_whole_multibulk(resp_parser *p, char *buf, size_t len) {
    size_t pos = 0;
    long long n;
    if (!read_digits(buf, len, &pos, &n) || n > INT_MAX || (p->unauthenticated && n > 10))
        return false;
    reserve_args(p, n);
    for (long long i = 0; i < n; i++) {
        size_t off, blen;
        if (!read_whole_bulk(buf, len, &pos, p->unauthenticated, p->max_bulk, &off, &blen)) {
            p->argc = 0;
            return false;
        }
        push_arg(p, off, blen);
    }
    p->pos = pos;
    return true;
}

bool resp_parse_whole_into(bool unauth, long long max_bulk, char *buf, size_t len, resp_arg *out,
                           size_t max_args, size_t *argc, size_t *used) {
    size_t pos = 0;
    long long n;
    if (len == 0 || buf[0] != '*' || !read_digits(buf, len, &pos, &n) || (size_t)n > max_args ||
        (unauth && n > 10))
        return false;
    for (long long i = 0; i < n; i++) {
        size_t off, blen;
        if (!read_whole_bulk(buf, len, &pos, unauth, max_bulk, &off, &blen)) return false;
        out[i] = (resp_arg){off, blen};
    }
    *argc = (size_t)n;
    *used = pos;
    return true;
}

/* "<c><digits>\r\n" at buf[*pos..len): the number, or -1 if malformed,
 * absent or over 'max'. Advances *pos past the line. */
static long long peek_count(const char *buf, size_t len, size_t *pos, char c, long long max) {
    size_t i = *pos;
    if (i >= len || buf[i] != c) return -1;
    if (len > i + 4) { /* one or two digits without the loop */
        unsigned d0 = (unsigned char)buf[i + 1] - (unsigned)'0';
        unsigned d1 = (unsigned char)buf[i + 2] - (unsigned)'0';
        if (d0 < 10 && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
            if ((long long)d0 > max) return -1;
            *pos = i + 4;
            return d0;
        }
        if (d0 < 10 && d1 < 10 && buf[i + 3] == '\r' && buf[i + 4] == '\n') {
            long long n2 = d0 * 10 + d1;
            if (n2 > max) return -1;
            *pos = i + 5;
            return n2;
        }
    }
    long long n = 0;
    for (i++; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
        n = n * 10 + (buf[i] - '0');
        if (n > max) return -1;
    }
    if (i + 1 >= len || buf[i] != '\r' || buf[i + 1] != '\n' || i == *pos + 1) return -1;
    *pos = i + 2;
    return n;
}

size_t resp_peek_request(const char *buf, size_t len, slice *args, size_t max_args, size_t *argc) {
    size_t pos = 0;
    long long n = peek_count(buf, len, &pos, '*', RESP_PEEK_MAX_ARGS);
    if (n <= 0) return 0;
    for (long long i = 0; i < n; i++) {
        long long blen = peek_count(buf, len, &pos, '$', (long long)len);
        if (blen < 0 || len - pos < (size_t)blen + 2) return 0;
        if ((size_t)i < max_args) args[i] = slice_of(buf + pos, (size_t)blen);
        pos += (size_t)blen + 2;
    }
    *argc = (size_t)n;
    return pos;
}

static resp_status parse_multibulk(resp_parser *p, char *buf, size_t len, const char **err) {
    bool toobig;
    if (p->mb_left == 0 && p->argc == 0 && p->pos == 0 && parse_whole_multibulk(p, buf, len))
        return RESP_OK;
    if (p->mb_left == 0 && p->argc == 0) {
        long long n;
        int rc = read_count(p, buf, len, &n, &toobig);
        if (rc == 0) {
            if (toobig) {
                *err = "Protocol error: too big mbulk count string";
                return RESP_ERR;
            }
            return RESP_INCOMPLETE;
        }
        if (rc < 0 || n > INT_MAX) {
            *err = "Protocol error: invalid multibulk length";
            return RESP_ERR;
        }
        if (p->unauthenticated && n > 10) {
            *err = "Protocol error: unauthenticated multibulk length";
            return RESP_ERR;
        }
        if (n <= 0) return RESP_OK;
        p->mb_left = n;
        reserve_args(p, n);
    }
    while (p->mb_left > 0) {
        if (p->bulk_len == -1) {
            if (p->pos >= len) return RESP_INCOMPLETE;
            if (buf[p->pos] != '$') {
                /* Redis checks '$' only once the whole count line is in. */
                char *cr = memchr(buf + p->pos, '\r', len - p->pos);
                if (cr == NULL) {
                    if (len - p->pos > RESP_INLINE_MAX) {
                        *err = "Protocol error: too big bulk count string";
                        return RESP_ERR;
                    }
                    return RESP_INCOMPLETE;
                }
                if ((size_t)(cr - buf) + 1 >= len) return RESP_INCOMPLETE; /* and its '\n' */
                snprintf(p->errbuf, sizeof(p->errbuf), "Protocol error: expected '$', got '%c'",
                         buf[p->pos]);
                *err = p->errbuf;
                return RESP_ERR;
            }
            long long n;
            size_t save = p->pos;
            int rc = read_count(p, buf, len, &n, &toobig);
            if (rc == 0) {
                p->pos = save;
                if (toobig) {
                    *err = "Protocol error: too big bulk count string";
                    return RESP_ERR;
                }
                return RESP_INCOMPLETE;
            }
            if (rc < 0 || n < 0 || n > p->max_bulk) {
                *err = "Protocol error: invalid bulk length";
                return RESP_ERR;
            }
            if (p->unauthenticated && n > 16384) {
                *err = "Protocol error: unauthenticated bulk length";
                return RESP_ERR;
            }
            p->bulk_len = n;
        }
        size_t blen = (size_t)p->bulk_len;
        if (len - p->pos < blen + 2) {
            p->need = p->pos + blen + 2;
            return RESP_INCOMPLETE;
        }
        push_arg(p, p->pos, blen);
        buf[p->pos + blen] = '\0';
        p->pos += blen + 2;
        p->bulk_len = -1;
        p->mb_left--;
        p->need = 0;
    }
    return RESP_OK;
}

bool resp_parse_whole(resp_parser *p, char *buf, size_t len) {
    if (p->kind != 0 || p->pos != 0 || p->mb_left != 0 || p->argc != 0 || len == 0 || buf[0] != '*')
        return false;
    if (!parse_whole_multibulk(p, buf, len)) return false;
    p->kind = '*';
    return true;
}

resp_status resp_parse(resp_parser *p, char *buf, size_t len, const char **err) {
    if (len == 0) return RESP_INCOMPLETE;
    if (p->kind == 0) p->kind = buf[0] == '*' ? '*' : 'i';
    if (p->kind == 'i') return parse_inline(p, buf, len, err);
    return parse_multibulk(p, buf, len, err);
}

size_t resp_enc_hdr(char *dst, char type, long long n) {
    dst[0] = type;
    size_t l;
    if (n >= 0 && n < 100) { /* most headers: short bulks, small arrays */
        if (n < 10) {
            dst[1] = (char)('0' + n);
            l = 2;
        } else {
            dst[1] = (char)('0' + n / 10);
            dst[2] = (char)('0' + n % 10);
            l = 3;
        }
    } else {
        l = 1 + util_ll2str(dst + 1, n);
    }
    dst[l++] = '\r';
    dst[l++] = '\n';
    return l;
}

/* ---- Encoding commands (AOF, replication stream) ---- */

str *resp_cat_command(str *s, int argc, const slice *argv) {
    size_t need = RESP_HDR_MAX;
    for (int i = 0; i < argc; i++) need += RESP_HDR_MAX + argv[i].len + 2;
    s = str_reserve(s, need);
    char *p = s->buf + s->len;
    p += resp_enc_hdr(p, '*', argc);
    for (int i = 0; i < argc; i++) {
        p += resp_enc_hdr(p, '$', (long long)argv[i].len);
        memcpy(p, argv[i].ptr, argv[i].len);
        p += argv[i].len;
        *p++ = '\r';
        *p++ = '\n';
    }
    str_setlen(s, (size_t)(p - s->buf));
    return s;
}

str *resp_cat_select(str *s, int dbid) {
    char n[UTIL_LLSTR_SIZE];
    size_t len = util_ll2str(n, dbid);
    slice argv[2] = {slice_of("SELECT", 6), slice_of(n, len)};
    return resp_cat_command(s, 2, argv);
}
