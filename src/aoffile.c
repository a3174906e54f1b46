/* aoffile.c -- the on-disk formats of the multi-part append-only file.
 *
 * A manifest ("appendonly.aof.manifest") lists the files of the AOF, one
 * line each: "file <name> seq <n> type <b|h|i>". The base holds the dataset
 * at the last rewrite (an RDB file, or AOF commands), the incremental files
 * hold every effect since, in sequence order. The command stream is RESP
 * multibulk, read with resp.c's parser so the server and the checker agree
 * on where the last whole command ends.
 * Parsing follows Redis 7.0's aofLoadManifestFromFile(), error texts
 * included. Pure: no server state.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "aoffile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

/* ---- Manifest ---- */

aof_manifest *aoffile_manifest_new(void) { return mem_calloc(sizeof(aof_manifest)); }

static void part_clear(aof_part *p) {
    mem_free(p->name);
    p->name = NULL;
}

void aoffile_manifest_free(aof_manifest *m) {
    if (m == NULL) return;
    if (m->base) part_clear(m->base);
    mem_free(m->base);
    for (size_t i = 0; i < m->incr_len; i++) part_clear(&m->incr[i]);
    for (size_t i = 0; i < m->hist_len; i++) part_clear(&m->hist[i]);
    mem_free(m->incr);
    mem_free(m->hist);
    mem_free(m);
}

static void push_part(aof_part **arr, size_t *len, size_t *cap, aof_part p) {
    if (*len == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *arr = mem_realloc(*arr, sizeof(aof_part) * *cap);
    }
    (*arr)[(*len)++] = p;
}

static aof_part copy_part(const aof_part *p) {
    return (aof_part){mem_strdup(p->name), p->seq, p->type};
}

aof_manifest *aoffile_manifest_dup(const aof_manifest *m) {
    aof_manifest *d = aoffile_manifest_new();
    d->base_seq = m->base_seq;
    d->incr_seq = m->incr_seq;
    if (m->base) {
        d->base = mem_alloc(sizeof(aof_part));
        *d->base = copy_part(m->base);
    }
    for (size_t i = 0; i < m->incr_len; i++)
        push_part(&d->incr, &d->incr_len, &d->incr_cap, copy_part(&m->incr[i]));
    for (size_t i = 0; i < m->hist_len; i++)
        push_part(&d->hist, &d->hist_len, &d->hist_cap, copy_part(&m->hist[i]));
    return d;
}

void aoffile_add(aof_manifest *m, const char *name, long long seq, char type) {
    aof_part p = {mem_strdup(name), seq, type};
    if (type == AOF_TYPE_BASE) {
        if (m->base) part_clear(m->base);
        else m->base = mem_alloc(sizeof(aof_part));
        *m->base = p;
        m->base_seq = seq;
    } else if (type == AOF_TYPE_INCR) {
        push_part(&m->incr, &m->incr_len, &m->incr_cap, p);
        if (seq > m->incr_seq) m->incr_seq = seq;
    } else {
        push_part(&m->hist, &m->hist_len, &m->hist_cap, p);
    }
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Split a line into words with Redis's sdssplitargs quoting. Words are
 * new strs in out[] (at most max). Returns the count, or -1 on bad quotes. */
static int split_words(const char *p, str **out, int max) {
    int n = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '\0') return n;
        if (n == max) goto bad;
        str *w = str_new(NULL, 0);
        out[n++] = w;
        char q = 0;
        if (*p == '"' || *p == '\'') q = *p++;
        for (;;) {
            if (q == 0) {
                if (*p == '\0' || isspace((unsigned char)*p)) break;
                out[n - 1] = w = str_cat(w, p++, 1);
                continue;
            }
            if (*p == '\0') goto bad;
            if (*p == q) {
                p++;
                if (*p && !isspace((unsigned char)*p)) goto bad;
                break;
            }
            char c = *p;
            if (q == '"' && c == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                c = (char)(hexval(p[2]) * 16 + hexval(p[3]));
                p += 4;
            } else if (q == '"' && c == '\\' && p[1]) {
                switch (p[1]) {
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'b': c = '\b'; break;
                case 'a': c = '\a'; break;
                default: c = p[1]; break;
                }
                p += 2;
            } else if (q == '\'' && c == '\\' && p[1] == '\'') {
                p += 2;
            } else {
                p++;
            }
            out[n - 1] = w = str_cat(w, &c, 1);
        }
    }
bad:
    for (int i = 0; i < n; i++) str_free(out[i]);
    return -1;
}

#define MANIFEST_MAX_LINE 1024

aof_manifest *aoffile_manifest_parse(const char *text, size_t len, str **err, int *errline,
                                     str **line) {
    aof_manifest *m = aoffile_manifest_new();
    const char *msg = NULL;
    long long maxseq = 0;
    int lineno = 0;
    size_t off = 0;
    *errline = 0;
    *line = NULL;
    str *words[32];
    int nw = 0;
    while (off < len) {
        const char *start = text + off;
        const char *nl = memchr(start, '\n', len - off);
        size_t ll = nl ? (size_t)(nl - start) : len - off;
        off += ll + (nl ? 1 : 0);
        lineno++;
        if (start[0] == '#') continue;
        /* Redis reads lines with fgets(1025): a longer one, or a last line
         * with no newline, is "too long". */
        if (nl == NULL || ll >= MANIFEST_MAX_LINE) {
            msg = "The AOF manifest file contains too long line";
            goto fail;
        }
        str *l = str_new(start, ll);
        size_t b = 0, e = l->len;
        while (b < e && strchr(" \t\r\n", l->buf[b])) b++;
        while (e > b && strchr(" \t\r\n", l->buf[e - 1])) e--;
        *line = str_new(l->buf + b, e - b);
        str_free(l);
        if ((*line)->len == 0 || memchr((*line)->buf, '\0', (*line)->len)) {
            msg = "Invalid AOF manifest file format";
            goto fail;
        }
        nw = split_words((*line)->buf, words, 32);
        if (nw < 6 || nw % 2) {
            msg = "Invalid AOF manifest file format";
            goto fail;
        }
        aof_part p = {NULL, 0, 0};
        for (int i = 0; i < nw; i += 2) {
            const char *k = words[i]->buf, *v = words[i + 1]->buf;
            if (!strcasecmp(k, "file")) {
                mem_free(p.name);
                p.name = mem_strndup(v, words[i + 1]->len);
                if (strchr(p.name, '/') != NULL) {
                    mem_free(p.name);
                    msg = "File can't be a path, just a filename";
                    goto fail;
                }
            } else if (!strcasecmp(k, "seq")) {
                /* atoll, as Redis, but out of range is invalid, not UB. */
                char *end;
                errno = 0;
                p.seq = strtoll(v, &end, 10);
                if (errno == ERANGE || p.seq > (1LL << 62)) p.seq = 0;
            } else if (!strcasecmp(k, "type")) {
                p.type = v[0];
            }
        }
        for (int i = 0; i < nw; i++) str_free(words[i]);
        nw = 0;
        /* Redis takes any non-zero seq; a negative one would make the next
         * base number 0, which no one could read back. */
        if (p.name == NULL || p.seq <= 0 || p.type == 0) {
            mem_free(p.name);
            msg = "Invalid AOF manifest file format";
            goto fail;
        }
        if (p.type == AOF_TYPE_BASE) {
            if (m->base) {
                mem_free(p.name);
                msg = "Found duplicate base file information";
                goto fail;
            }
            m->base = mem_alloc(sizeof(aof_part));
            *m->base = p;
            m->base_seq = p.seq;
        } else if (p.type == AOF_TYPE_HIST) {
            push_part(&m->hist, &m->hist_len, &m->hist_cap, p);
        } else if (p.type == AOF_TYPE_INCR) {
            if (p.seq <= maxseq) {
                mem_free(p.name);
                msg = "Found a non-monotonic sequence number";
                goto fail;
            }
            push_part(&m->incr, &m->incr_len, &m->incr_cap, p);
            m->incr_seq = maxseq = p.seq;
        } else {
            mem_free(p.name);
            msg = "Unknown AOF file type";
            goto fail;
        }
        str_free(*line);
        *line = NULL;
    }
    if (lineno == 0) {
        msg = "Found an empty AOF manifest";
        goto fail;
    }
    return m;
fail:
    for (int i = 0; i < nw; i++) str_free(words[i]);
    *err = str_from(msg);
    *errline = lineno;
    aoffile_manifest_free(m);
    return NULL;
}

/* A file name as Redis writes it: bare, or quoted when it holds spaces,
 * quotes or unprintable bytes (sdscatrepr). */
static str *cat_name(str *s, const char *name) {
    bool plain = *name != '\0';
    for (const char *p = name; *p; p++)
        if (!isprint((unsigned char)*p) || isspace((unsigned char)*p) || *p == '"' || *p == '\'' ||
            *p == '\\')
            plain = false;
    if (plain) return str_catc(s, name);
    s = str_cat(s, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        switch (*p) {
        case '\\': s = str_catc(s, "\\\\"); break;
        case '"': s = str_catc(s, "\\\""); break;
        case '\n': s = str_catc(s, "\\n"); break;
        case '\r': s = str_catc(s, "\\r"); break;
        case '\t': s = str_catc(s, "\\t"); break;
        case '\a': s = str_catc(s, "\\a"); break;
        case '\b': s = str_catc(s, "\\b"); break;
        default:
            if (isprint(*p)) s = str_cat(s, p, 1);
            else s = str_catfmt(s, "\\x%02x", *p);
        }
    }
    return str_cat(s, "\"", 1);
}

static str *cat_part(str *s, const aof_part *p) {
    s = str_catc(s, "file ");
    s = cat_name(s, p->name);
    return str_catfmt(s, " seq %lld type %c\n", p->seq, p->type);
}

str *aoffile_manifest_format(const aof_manifest *m) {
    str *s = str_new(NULL, 0);
    if (m->base) s = cat_part(s, m->base);
    for (size_t i = 0; i < m->hist_len; i++) s = cat_part(s, &m->hist[i]);
    for (size_t i = 0; i < m->incr_len; i++) s = cat_part(s, &m->incr[i]);
    return s;
}

const char *aoffile_new_base(aof_manifest *m, const char *prefix, bool rdb) {
    if (m->base) {
        m->base->type = AOF_TYPE_HIST;
        /* The old base goes first in history, as Redis's listAddNodeHead. */
        push_part(&m->hist, &m->hist_len, &m->hist_cap, *m->base);
        memmove(&m->hist[1], &m->hist[0], sizeof(aof_part) * (m->hist_len - 1));
        m->hist[0] = *m->base;
    } else {
        m->base = mem_alloc(sizeof(aof_part));
    }
    m->base_seq++;
    str *name = str_fmt("%s.%lld.base.%s", prefix, m->base_seq, rdb ? "rdb" : "aof");
    *m->base = (aof_part){mem_strndup(name->buf, name->len), m->base_seq, AOF_TYPE_BASE};
    str_free(name);
    return m->base->name;
}

const char *aoffile_new_incr(aof_manifest *m, const char *prefix) {
    m->incr_seq++;
    str *name = str_fmt("%s.%lld.incr.aof", prefix, m->incr_seq);
    aof_part p = {mem_strndup(name->buf, name->len), m->incr_seq, AOF_TYPE_INCR};
    str_free(name);
    push_part(&m->incr, &m->incr_len, &m->incr_cap, p);
    return m->incr[m->incr_len - 1].name;
}

void aoffile_incr_to_history(aof_manifest *m, size_t keep) {
    if (m->incr_len <= keep) return;
    size_t move = m->incr_len - keep;
    /* Each goes first in history, as Redis's listAddNodeHead: the newest
     * history file is listed first. */
    for (size_t i = 0; i < move; i++) {
        aof_part p = m->incr[i];
        p.type = AOF_TYPE_HIST;
        push_part(&m->hist, &m->hist_len, &m->hist_cap, p);
        memmove(&m->hist[1], &m->hist[0], sizeof(aof_part) * (m->hist_len - 1));
        m->hist[0] = p;
    }
    memmove(&m->incr[0], &m->incr[move], sizeof(aof_part) * keep);
    m->incr_len = keep;
}

void aoffile_clear_history(aof_manifest *m) {
    for (size_t i = 0; i < m->hist_len; i++) part_clear(&m->hist[i]);
    m->hist_len = 0;
}

/* ---- Command stream ---- */

#define READ_CHUNK (64 * 1024)

void aofread_init(aof_reader *r, FILE *fp, off_t start) {
    memset(r, 0, sizeof(*r));
    r->fp = fp;
    r->buf = str_new_cap(READ_CHUNK);
    r->buf_off = start;
    /* Bulk lengths in an AOF are bounded only by memory (Redis reads them
     * with strtol); keep resp.c's checks for everything else. */
    resp_parser_init(&r->parser, LLONG_MAX / 2);
}

void aofread_clear(aof_reader *r) {
    str_free(r->buf);
    r->buf = NULL;
    resp_parser_clear(&r->parser);
    mem_free(r->argv);
    r->argv = NULL;
}

off_t aofread_offset(const aof_reader *r) { return r->buf_off + (off_t)r->pos; }

/* Drop consumed bytes and read more. false at end of file or on error. */
static bool fill(aof_reader *r, size_t want) {
    if (r->eof) return false;
    if (r->pos > 0) {
        str_consume(r->buf, r->pos);
        r->buf_off += (off_t)r->pos;
        r->pos = 0;
    }
    /* Grow by what arrives, not by what a length claims: a bogus huge
     * bulk length at the end of a small file must not allocate it. */
    size_t chunk = want > READ_CHUNK ? want : READ_CHUNK;
    if (chunk > 64 * READ_CHUNK) chunk = 64 * READ_CHUNK;
    if (r->buf->cap - r->buf->len < chunk) {
        /* Double, so a huge value is copied O(log n) times, not O(n). */
        size_t cap = r->buf->len + chunk;
        if (cap < r->buf->cap * 2) cap = r->buf->cap * 2;
        r->buf = str_grow_to(r->buf, cap);
    }
    size_t n = fread(r->buf->buf + r->buf->len, 1, chunk, r->fp);
    str_setlen(r->buf, r->buf->len + n);
    if (n == 0) r->eof = true;
    return n > 0;
}

aofread_status aofread_next(aof_reader *r, int *argc, slice **argv) {
    for (;;) {
        if (r->pos == r->buf->len && !fill(r, 0))
            return ferror(r->fp) ? AOFREAD_IOERR : AOFREAD_EOF;
        char first = r->buf->buf[r->pos];
        if (first == '#') {
            /* An annotation (e.g. "#TS:..."): skip the line. */
            char *nl = memchr(r->buf->buf + r->pos, '\n', r->buf->len - r->pos);
            if (nl == NULL) {
                if (!fill(r, 0)) return ferror(r->fp) ? AOFREAD_IOERR : AOFREAD_TRUNCATED;
                continue;
            }
            r->pos = (size_t)(nl - r->buf->buf) + 1;
            continue;
        }
        if (first != '*') return AOFREAD_FORMAT;
        const char *err;
        resp_status st = resp_parse(&r->parser, r->buf->buf + r->pos, r->buf->len - r->pos, &err);
        if (st == RESP_ERR) {
            resp_parser_reset(&r->parser);
            return AOFREAD_FORMAT;
        }
        if (st == RESP_INCOMPLETE) {
            size_t have = r->buf->len - r->pos;
            size_t need = r->parser.need > have ? r->parser.need - have : 0;
            if (!fill(r, need)) {
                resp_parser_reset(&r->parser);
                return ferror(r->fp) ? AOFREAD_IOERR : AOFREAD_TRUNCATED;
            }
            continue;
        }
        if (r->parser.argc == 0) {
            resp_parser_reset(&r->parser);
            return AOFREAD_FORMAT; /* "*0" or "*-1": Redis's argc < 1 */
        }
        int n = (int)r->parser.argc;
        if (n > r->argv_cap) {
            r->argv_cap = n;
            r->argv = mem_realloc(r->argv, sizeof(slice) * (size_t)n);
        }
        char *base = r->buf->buf + r->pos;
        for (int i = 0; i < n; i++)
            r->argv[i] = slice_of(base + r->parser.argv[i].off, r->parser.argv[i].len);
        r->pos += r->parser.pos;
        resp_parser_reset(&r->parser);
        *argc = n;
        *argv = r->argv;
        return AOFREAD_CMD;
    }
}

bool aoffile_is_rdb(FILE *fp) {
    char sig[5];
    bool rdb = fread(sig, 1, 5, fp) == 5 && memcmp(sig, "REDIS", 5) == 0;
    rewind(fp);
    return rdb;
}
