/* t_zset.c -- sorted set commands.
 *
 * Every command here parses its arguments, finds its key and then works
 * through zset.h, which hides the two encodings (a listpack for small sets,
 * a skiplist for large ones) and converts at Redis 7.0's thresholds, so
 * OBJECT ENCODING answers as redis-server does. Replies follow Redis's
 * shapes: scores through reply_double() ("%.17g" bulk in RESP2, a double
 * in RESP3), WITHSCORES pairs flat in RESP2 and nested in RESP3.
 * Arguments are checked in Redis's order (options, then numbers, then the
 * key's type), because a client sees which error comes first.
 * Writes signal the key, notify ('z' events, 'g' del) and propagate: the
 * deterministic commands as they came, pops as Redis 7.0 replicates them
 * (ZPOPMIN/ZPOPMAX, see zset_pop_reply).
 * Not here: BZPOPMIN/BZPOPMAX/BZMPOP (blocking.c, through zset_pop_reply).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_zset.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "propagate.h"
#include "reply.h"
#include "scan.h"
#include "server.h"
#include "t_set.h"
#include "util.h"
#include "zset.h"

void zset_init(void) {
    kv_set_value_free(KV_ZSET, zset_value_free);
    kv_set_value_dup(KV_ZSET, zset_value_dup);
    kv_set_value_size(KV_ZSET, zset_value_size);
}

zset_limits zset_cfg_limits(void) {
    long long n = cfg.zset_max_listpack_entries, v = cfg.zset_max_listpack_value;
    return (zset_limits){n < 0 ? 0 : (unsigned long long)n, v < 0 ? 0 : (unsigned long long)v};
}

/* Announce a changed key: WATCH and blocked clients, the event, dirty. */
/* Find a sorted set; replies WRONGTYPE and returns false for another type.
 * *out is NULL when the key is missing. */
static bool find_zset(client *c, const slice *key, bool write, kv **out) {
    return arg_lookup(c, key, KV_ZSET, write, out);
}

/* Declared in t_zset.h. */
kv *zset_new_key(const slice *key, size_t first_len, size_t size_hint) {
    zset_limits lim = zset_cfg_limits();
    enum kv_enc enc;
    void *v = zset_value_new(&lim, first_len, size_hint, &enc);
    return kv_new_ptr(key->ptr, key->len, KV_ZSET, enc, v);
}

/* ---- Range arguments ---- */

/* strtod() over a NUL-terminated copy, accepting what Redis's
 * zslParseRange accepts: the parse must stop at the terminator (or at an
 * embedded NUL, which Redis's C-string view also stops at), and NaN is
 * refused. An empty string reads as 0, as it does in Redis. */
static bool parse_score_bound(const char *p, size_t len, double *out, bool *ex) {
    *ex = false;
    if (len && p[0] == '(') {
        *ex = true;
        p++;
        len--;
    }
    char small[128];
    char *buf = len < sizeof(small) ? small : mem_alloc(len + 1);
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    bool ok = *end == '\0' && !isnan(v);
    if (buf != small) mem_free(buf);
    *out = v;
    return ok;
}

static bool parse_score_range(const slice *min, const slice *max, sl_range *r) {
    return parse_score_bound(min->ptr, min->len, &r->min, &r->minex) &&
           parse_score_bound(max->ptr, max->len, &r->max, &r->maxex);
}

/* One end of a lex range: "-", "+", "(member" or "[member". Like Redis,
 * which reads the argument as a C string after the first byte, "+" and "-"
 * may be followed by a NUL and anything. */
static bool parse_lex_end(const slice *a, sl_lex_end *e) {
    if (a->len == 0) return false;
    *e = (sl_lex_end){0};
    switch (a->ptr[0]) {
    case '+':
    case '-':
        if (a->len > 1 && a->ptr[1] != '\0') return false;
        e->kind = a->ptr[0] == '+' ? SL_LEX_POS : SL_LEX_NEG;
        e->ex = true;
        return true;
    case '(':
    case '[':
        e->kind = SL_LEX_STR;
        e->ex = a->ptr[0] == '(';
        e->p = a->ptr + 1;
        e->len = a->len - 1;
        return true;
    default: return false;
    }
}

static bool parse_lex_range(const slice *min, const slice *max, sl_lexrange *r) {
    return parse_lex_end(min, &r->min) && parse_lex_end(max, &r->max);
}

/* ---- ZADD, ZINCRBY, ZREM ---- */

/* ZADD on argv; 'given' (GEOADD) holds the scores already parsed. */
static void zadd_generic(client *c, int argc, slice *argv, int flags, const double *given) {
    slice *key = &argv[1];
    bool ch = false;
    int idx = 2;
    for (; idx < argc; idx++) {
        slice *a = &argv[idx];
        if (a->len < 2 || a->len > 4) break; /* no option: the first score */
        if (arg_is(a, "nx")) flags |= ZSET_IN_NX;
        else if (arg_is(a, "xx")) flags |= ZSET_IN_XX;
        else if (arg_is(a, "ch")) ch = true;
        else if (arg_is(a, "incr")) flags |= ZSET_IN_INCR;
        else if (arg_is(a, "gt")) flags |= ZSET_IN_GT;
        else if (arg_is(a, "lt")) flags |= ZSET_IN_LT;
        else break;
    }
    bool incr = flags & ZSET_IN_INCR, nx = flags & ZSET_IN_NX, xx = flags & ZSET_IN_XX;
    bool gt = flags & ZSET_IN_GT, lt = flags & ZSET_IN_LT;
    int elements = argc - idx;
    if (elements % 2 || elements == 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        reply_error(c, ERR_ZADD_XX_NX);
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        reply_error(c, ERR_ZADD_GT_LT_NX);
        return;
    }
    if (incr && elements > 1) {
        reply_error(c, ERR_ZADD_INCR_PAIR);
        return;
    }
    double one;
    double *scores = elements == 1 ? &one : mem_alloc(sizeof(double) * (size_t)elements);
    for (int j = 0; j < elements; j++) {
        if (given) scores[j] = given[j];
        else if (!arg_double(c, &argv[idx + 2 * j], &scores[j])) goto done;
    }

    kv *e;
    if (!find_zset(c, key, true, &e)) goto done;
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (e == NULL) {
        if (xx) goto reply;
        e = zset_new_key(key, argv[idx + 1].len, 0);
        db_add(c->db, e);
    }
    zset_limits lim = zset_cfg_limits();
    for (int j = 0; j < elements; j++) {
        slice *m = &argv[idx + 1 + 2 * j];
        int out;
        double newscore = 0;
        if (!zset_add(e, scores[j], m->ptr, m->len, flags, &out, &newscore, &lim)) {
            reply_error(c, ERR_NAN_SCORE);
            goto changed;
        }
        if (out & ZSET_OUT_ADDED) added++;
        if (out & ZSET_OUT_UPDATED) updated++;
        if (!(out & ZSET_OUT_NOP)) processed++;
        score = newscore;
    }
reply:
    if (incr) {
        if (processed) reply_double(c, score);
        else reply_null(c);
    } else {
        reply_int(c, ch ? added + updated : added);
    }
changed:
    if (added || updated) {
        db_key_changed(c->db, key, NOTIFY_ZSET, incr ? "zincr" : "zadd", added + updated);
        propagate(c->dbid, argc, argv);
    }
done:
    if (scores != &one) mem_free(scores);
}

static void cmd_zadd(client *c) { zadd_generic(c, c->argc, c->argv, 0, NULL); }
static void cmd_zincrby(client *c) { zadd_generic(c, c->argc, c->argv, ZSET_IN_INCR, NULL); }

/* Declared in t_zset.h: GEOADD adds its encoded positions this way. */
void zset_add_argv(client *c, int argc, slice *argv, const double *scores) {
    zadd_generic(c, argc, argv, 0, scores);
}

static void cmd_zrem(client *c) {
    slice *key = &c->argv[1];
    kv *e;
    if (!find_zset(c, key, true, &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    long long deleted = 0;
    bool removed = false;
    for (int j = 2; j < c->argc; j++) {
        if (zset_del(e, c->argv[j].ptr, c->argv[j].len)) deleted++;
        if (zset_len(e) == 0) {
            removed = true;
            break;
        }
    }
    if (deleted) {
        if (removed) db_delete(c->db, key->ptr, key->len);
        db_key_changed(c->db, key, NOTIFY_ZSET, "zrem", deleted);
        if (removed) db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, deleted);
}

/* ---- Reads of one member or a count ---- */

static void cmd_zcard(client *c) {
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    reply_int(c, e ? (long long)zset_len(e) : 0);
}

static void cmd_zscore(client *c) {
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    double score;
    if (e == NULL || !zset_score(e, c->argv[2].ptr, c->argv[2].len, &score)) reply_null(c);
    else reply_double(c, score);
}

static void cmd_zmscore(client *c) {
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (e == NULL || !zset_score(e, c->argv[j].ptr, c->argv[j].len, &score)) reply_null(c);
        else reply_double(c, score);
    }
}

static void zrank_generic(client *c, bool rev) {
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    long rank = e ? zset_rank(e, c->argv[2].ptr, c->argv[2].len, rev) : -1;
    if (rank >= 0) reply_int(c, rank);
    else reply_null(c);
}

static void cmd_zrank(client *c) { zrank_generic(c, false); }
static void cmd_zrevrank(client *c) { zrank_generic(c, true); }

/* ZCOUNT and ZLEXCOUNT: the same count over a score or a lex range. */
static void zcount_generic(client *c, bool lex) {
    sl_range r;
    sl_lexrange lr;
    bool ok = lex ? parse_lex_range(&c->argv[2], &c->argv[3], &lr)
                  : parse_score_range(&c->argv[2], &c->argv[3], &r);
    if (!ok) {
        reply_error(c, lex ? ERR_MINMAX_LEX : ERR_MINMAX_FLOAT);
        return;
    }
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    unsigned long n = e == NULL ? 0 : lex ? zset_count_lex(e, &lr) : zset_count_score(e, &r);
    reply_int(c, (long long)n);
}

static void cmd_zcount(client *c) { zcount_generic(c, false); }
static void cmd_zlexcount(client *c) { zcount_generic(c, true); }

/* ---- ZRANGE and its family ---- */

enum range_type { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };
enum range_dir { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* Where the members of a range go: to the client, or into a new set for
 * ZRANGESTORE (Redis's zrange_result_handler). */
typedef struct range_sink {
    client *c;
    bool store, withscores;
    const slice *dstkey;
    kv *dst;        /* store: the set being built */
    void *deferred; /* client: the length is not known yet */
    zset_limits lim;
} range_sink;

static void sink_begin(range_sink *s, long length) {
    if (s->store) {
        s->dst = zset_new_key(s->dstkey, 0, length >= 0 ? (size_t)length : 0);
        return;
    }
    if (length > 0) {
        reply_array(s->c, s->withscores && s->c->resp == 2 ? length * 2 : length);
        s->deferred = NULL;
    } else {
        s->deferred = reply_defer(s->c);
    }
}

static void sink_emit(range_sink *s, const char *m, size_t len, double score) {
    if (s->store) {
        int out;
        double ns;
        bool ok = zset_add(s->dst, score, m, len, 0, &out, &ns, &s->lim);
        ASSERT(ok);
        return;
    }
    if (s->withscores && s->c->resp > 2) reply_array(s->c, 2);
    reply_bulk(s->c, m, len);
    if (s->withscores) reply_double(s->c, score);
}

static void sink_finish(range_sink *s, long long count) {
    client *c = s->c;
    if (!s->store) {
        if (s->deferred)
            reply_set_deferred_array(c, s->deferred,
                                     s->withscores && c->resp == 2 ? count * 2 : count);
        return;
    }
    const slice *dst = s->dstkey;
    if (count) {
        db_set(c->db, s->dst, 0);
        reply_int(c, count);
        db_key_changed(c->db, dst, NOTIFY_ZSET, "zrangestore", 1);
        propagate(c->dbid, c->argc, c->argv);
    } else {
        kv_free(s->dst);
        reply_int(c, 0);
        db_delete_propagate(c->db, dst->ptr, dst->len);
    }
    s->dst = NULL;
}

static void range_by_rank(range_sink *s, kv *e, long start, long end, bool rev) {
    long len = (long)zset_len(e);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        sink_begin(s, 0);
        sink_finish(s, 0);
        return;
    }
    if (end >= len) end = len - 1;
    long n = end - start + 1;
    sink_begin(s, n);
    zset_iter it;
    zset_iter_rank(&it, e, (unsigned long)start, rev);
    for (long i = 0; i < n; i++, zset_iter_next(&it)) {
        ASSERT(zset_iter_valid(&it));
        zset_elem el;
        zset_iter_get(&it, &el, s->withscores || s->store);
        sink_emit(s, el.m, el.len, el.score);
    }
    sink_finish(s, n);
}

/* LIMIT offset count, as Redis reads them: a negative offset skips every
 * member (Redis walks to the end), a negative count means no limit. Both
 * are turned into unsigned counts here, so LLONG_MIN is just "all". */
static bool limit_skips_all(long offset, kv *e) {
    return offset < 0 || (offset > 0 && (unsigned long)offset >= zset_len(e));
}

static unsigned long limit_count(long limit) {
    return limit < 0 ? ULONG_MAX : (unsigned long)limit;
}

static void skip_offset(zset_iter *it, long offset) {
    for (; offset > 0 && zset_iter_valid(it); offset--) zset_iter_next(it);
}

static void range_by_score(range_sink *s, kv *e, const sl_range *r, long offset, long limit,
                           bool rev) {
    sink_begin(s, -1);
    long long n = 0;
    if (limit_skips_all(offset, e)) {
        sink_finish(s, 0);
        return;
    }
    zset_iter it;
    zset_iter_score(&it, e, r, rev);
    skip_offset(&it, offset);
    for (unsigned long left = limit_count(limit); zset_iter_valid(&it) && left;
         left--, zset_iter_next(&it)) {
        double score = zset_iter_get_score(&it);
        if (rev ? !sl_value_gte_min(score, r) : !sl_value_lte_max(score, r)) break;
        zset_elem el;
        zset_iter_get(&it, &el, false);
        sink_emit(s, el.m, el.len, score);
        n++;
    }
    sink_finish(s, n);
}

static void range_by_lex(range_sink *s, kv *e, const sl_lexrange *r, long offset, long limit,
                         bool rev) {
    sink_begin(s, -1);
    long long n = 0;
    if (limit_skips_all(offset, e)) {
        sink_finish(s, 0);
        return;
    }
    zset_iter it;
    zset_iter_lex(&it, e, r, rev);
    skip_offset(&it, offset);
    for (unsigned long left = limit_count(limit); zset_iter_valid(&it) && left;
         left--, zset_iter_next(&it)) {
        zset_elem el;
        zset_iter_get(&it, &el, s->withscores || s->store);
        if (rev ? !sl_lex_gte_min(el.m, el.len, r) : !sl_lex_lte_max(el.m, el.len, r)) break;
        sink_emit(s, el.m, el.len, el.score);
        n++;
    }
    sink_finish(s, n);
}

/* Redis's zrangeGenericCommand: 'first' is the index of the source key;
 * the fixed type and direction come from the command's name. */
static void zrange_generic(client *c, int first, bool store, enum range_type type,
                           enum range_dir dir) {
    slice *key = &c->argv[first];
    int minidx = first + 1, maxidx = first + 2;
    long start = 0, end = 0, offset = 0, limit = -1;
    bool withscores = false;
    for (int j = first + 3; j < c->argc; j++) {
        slice *a = &c->argv[j];
        int left = c->argc - j - 1;
        if (!store && arg_is(a, "withscores")) {
            withscores = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_long(c, &c->argv[j + 1], &offset) || !arg_long(c, &c->argv[j + 2], &limit))
                return;
            j += 2;
        } else if (dir == DIR_AUTO && arg_is(a, "rev")) {
            dir = DIR_REVERSE;
        } else if (type == RANGE_AUTO && arg_is(a, "bylex")) {
            type = RANGE_LEX;
        } else if (type == RANGE_AUTO && arg_is(a, "byscore")) {
            type = RANGE_SCORE;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (dir == DIR_AUTO) dir = DIR_FORWARD;
    if (type == RANGE_AUTO) type = RANGE_RANK;
    if (limit != -1 && type == RANGE_RANK) {
        reply_error(c, ERR_ZRANGE_LIMIT_RANK);
        return;
    }
    if (withscores && type == RANGE_LEX) {
        reply_error(c, ERR_ZRANGE_WITHSCORES_BYLEX);
        return;
    }
    bool rev = dir == DIR_REVERSE;
    if (rev && type != RANGE_RANK) {
        int t = maxidx;
        maxidx = minidx;
        minidx = t;
    }
    sl_range r;
    sl_lexrange lr;
    switch (type) {
    case RANGE_SCORE:
        if (!parse_score_range(&c->argv[minidx], &c->argv[maxidx], &r)) {
            reply_error(c, ERR_MINMAX_FLOAT);
            return;
        }
        break;
    case RANGE_LEX:
        if (!parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &lr)) {
            reply_error(c, ERR_MINMAX_LEX);
            return;
        }
        break;
    default:
        if (!arg_long(c, &c->argv[minidx], &start) || !arg_long(c, &c->argv[maxidx], &end)) return;
        break;
    }
    range_sink s = {.c = c,
                    .store = store,
                    .withscores = withscores,
                    .dstkey = store ? &c->argv[1] : NULL,
                    .lim = zset_cfg_limits()};
    kv *e = db_find_read(c->db, key->ptr, key->len);
    if (e == NULL) {
        if (store) {
            sink_begin(&s, -1);
            sink_finish(&s, 0);
        } else {
            reply_empty_array(c);
        }
        return;
    }
    if (e->type != KV_ZSET) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    if (type == RANGE_RANK) range_by_rank(&s, e, start, end, rev);
    else if (type == RANGE_SCORE) range_by_score(&s, e, &r, offset, limit, rev);
    else range_by_lex(&s, e, &lr, offset, limit, rev);
}

static void cmd_zrange(client *c) { zrange_generic(c, 1, false, RANGE_AUTO, DIR_AUTO); }
static void cmd_zrangestore(client *c) { zrange_generic(c, 2, true, RANGE_AUTO, DIR_AUTO); }
static void cmd_zrevrange(client *c) { zrange_generic(c, 1, false, RANGE_RANK, DIR_REVERSE); }
static void cmd_zrangebyscore(client *c) { zrange_generic(c, 1, false, RANGE_SCORE, DIR_FORWARD); }
static void cmd_zrevrangebyscore(client *c) {
    zrange_generic(c, 1, false, RANGE_SCORE, DIR_REVERSE);
}
static void cmd_zrangebylex(client *c) { zrange_generic(c, 1, false, RANGE_LEX, DIR_FORWARD); }
static void cmd_zrevrangebylex(client *c) { zrange_generic(c, 1, false, RANGE_LEX, DIR_REVERSE); }

/* ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ---- */

static void zremrange_generic(client *c, enum range_type type) {
    slice *key = &c->argv[1];
    long start = 0, end = 0;
    sl_range r;
    sl_lexrange lr;
    const char *event;
    if (type == RANGE_RANK) {
        event = "zremrangebyrank";
        if (!arg_long(c, &c->argv[2], &start) || !arg_long(c, &c->argv[3], &end)) return;
    } else if (type == RANGE_SCORE) {
        event = "zremrangebyscore";
        if (!parse_score_range(&c->argv[2], &c->argv[3], &r)) {
            reply_error(c, ERR_MINMAX_FLOAT);
            return;
        }
    } else {
        event = "zremrangebylex";
        if (!parse_lex_range(&c->argv[2], &c->argv[3], &lr)) {
            reply_error(c, ERR_MINMAX_LEX);
            return;
        }
    }
    kv *e;
    if (!find_zset(c, key, true, &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    unsigned long deleted;
    if (type == RANGE_RANK) {
        long len = (long)zset_len(e);
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (start > end || start >= len) {
            reply_int(c, 0);
            return;
        }
        if (end >= len) end = len - 1;
        deleted = zset_delete_rank(e, (unsigned long)start, (unsigned long)end);
    } else if (type == RANGE_SCORE) {
        deleted = zset_delete_score(e, &r);
    } else {
        deleted = zset_delete_lex(e, &lr);
    }
    if (deleted) {
        bool removed = zset_len(e) == 0;
        if (removed) db_delete(c->db, key->ptr, key->len);
        db_key_changed(c->db, key, NOTIFY_ZSET, event, (long long)deleted);
        if (removed) db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, (long long)deleted);
}

static void cmd_zremrangebyrank(client *c) { zremrange_generic(c, RANGE_RANK); }
static void cmd_zremrangebyscore(client *c) { zremrange_generic(c, RANGE_SCORE); }
static void cmd_zremrangebylex(client *c) { zremrange_generic(c, RANGE_LEX); }

/* ---- Pops ---- */

void zset_pop_reply(client *c, const slice *key, kv *e, int where, long count, bool emit_key,
                    bool nested) {
    long len = (long)zset_len(e);
    long n = count > len ? len : count;
    ASSERT(n > 0);
    if (!emit_key) {
        reply_array(c, nested ? n : n * 2);
    } else if (!nested) {
        reply_array(c, n * 2 + 1);
        reply_bulk(c, key->ptr, key->len);
    } else {
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        reply_array(c, n);
    }
    for (long i = 0; i < n; i++) {
        zset_iter it;
        zset_iter_init(&it, e, where == ZSET_MAX);
        zset_elem el;
        zset_iter_get(&it, &el, true);
        if (nested) reply_array(c, 2);
        reply_bulk(c, el.m, el.len);
        reply_double(c, el.score);
        /* The iterator's member may live in the entry: copy it first. */
        char buf[64];
        char *m = el.len <= sizeof(buf) ? buf : mem_alloc(el.len);
        memcpy(m, el.m, el.len);
        bool ok = zset_del(e, m, el.len);
        ASSERT(ok);
        if (m != buf) mem_free(m);
    }
    bool removed = zset_len(e) == 0;
    if (removed) db_delete(c->db, key->ptr, key->len);
    db_key_changed(c->db, key, NOTIFY_ZSET, where == ZSET_MAX ? "zpopmax" : "zpopmin", n);
    if (removed) db_notify(NOTIFY_GENERIC, "del", key->ptr, key->len, c->dbid);
    /* Redis's effects: ZPOPMIN/ZPOPMAX go out as they came, BZPOPMIN/MAX
     * as "ZPOPMIN key", ZMPOP/BZMPOP as "ZPOPMIN key <popped>". */
    if (!emit_key) {
        propagate(c->dbid, c->argc, c->argv);
        return;
    }
    char num[24];
    slice argv[3] = {where == ZSET_MAX ? slice_of("ZPOPMAX", 7) : slice_of("ZPOPMIN", 7), *key,
                     slice_of(num, util_ll2str(num, n))};
    propagate(c->dbid, nested ? 3 : 2, argv);
}

/* Redis's genericZpopCommand: the first existing key among keys[] is
 * popped from (a wrong type there is an error). */
static void zpop_generic(client *c, slice *keys, int nkeys, int where, bool emit_key, long count,
                         bool nested, bool nil_when_empty) {
    kv *e = NULL;
    slice *key = NULL;
    for (int i = 0; i < nkeys && e == NULL; i++) {
        key = &keys[i];
        if (!find_zset(c, key, true, &e)) return;
    }
    if (e == NULL) {
        if (nil_when_empty) reply_null_array(c);
        else reply_empty_array(c);
        return;
    }
    if (count == 0) {
        reply_empty_array(c);
        return;
    }
    zset_pop_reply(c, key, e, where, count == -1 ? 1 : count, emit_key, nested);
}

static void zpop_minmax(client *c, int where) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    long count = -1;
    /* Redis's getPositiveLongFromObjectOrReply: a non-number gets the
     * same message. */
    if (c->argc == 3 && !arg_long_range(c, &c->argv[2], 0, LONG_MAX, &count, ERR_NOT_POSITIVE))
        return;
    bool nested = c->resp > 2 && count != -1;
    zpop_generic(c, &c->argv[1], 1, where, false, count, nested, false);
}

static void cmd_zpopmin(client *c) { zpop_minmax(c, ZSET_MIN); }
static void cmd_zpopmax(client *c) { zpop_minmax(c, ZSET_MAX); }

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
static void cmd_zmpop(client *c) {
    arg_mpop a;
    if (!arg_parse_mpop(c, 1, "min", "max", &a)) return;
    zpop_generic(c, &c->argv[2], (int)a.numkeys, a.second ? ZSET_MAX : ZSET_MIN, true, a.count,
                 true, true);
}

/* ---- ZRANDMEMBER ---- */

/* Random access by rank: a listpack is indexed once, a skiplist answers
 * by rank through its spans. */
typedef struct picker {
    kv *e;
    unsigned char **pairs; /* listpack: the member element of each pair */
} picker;

static void picker_init(picker *p, kv *e) {
    p->e = e;
    p->pairs = NULL;
    if (e->enc != KV_ENC_LISTPACK) return;
    unsigned long n = zset_len(e);
    p->pairs = mem_alloc(sizeof(unsigned char *) * n);
    zset_iter it;
    unsigned long i = 0;
    for (zset_iter_init(&it, e, false); zset_iter_valid(&it); zset_iter_next(&it))
        p->pairs[i++] = it.eptr;
}

static void picker_get(picker *p, unsigned long rank, zset_elem *el) {
    zset_iter it;
    if (p->pairs) {
        zset_iter_rank(&it, p->e, 0, false); /* then point it at the pair */
        it.eptr = p->pairs[rank];
        it.sptr = lp_next(it.zl, it.eptr);
    } else {
        zset_iter_rank(&it, p->e, rank, false);
    }
    zset_iter_get(&it, el, true);
}

static void reply_member(client *c, const zset_elem *el, bool withscores) {
    if (withscores && c->resp > 2) reply_array(c, 2);
    reply_bulk(c, el->m, el->len);
    if (withscores) reply_double(c, el->score);
}

/* A small open-addressing set of ranks, for sampling without repeats. */
typedef struct rank_set {
    unsigned long *slots; /* rank + 1; 0 is empty */
    unsigned long mask;
} rank_set;

static bool rank_set_add(rank_set *s, unsigned long rank) {
    unsigned long h = (rank * 0x9E3779B97F4A7C15ULL) & s->mask;
    while (s->slots[h]) {
        if (s->slots[h] == rank + 1) return false;
        h = (h + 1) & s->mask;
    }
    s->slots[h] = rank + 1;
    return true;
}

static void zrandmember_count(client *c, long long l, bool withscores) {
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        reply_empty_array(c);
        return;
    }
    unsigned long size = zset_len(e), count;
    bool uniq = l >= 0;
    count = uniq ? (unsigned long)l : -(unsigned long)l;
    if (count == 0) {
        reply_empty_array(c);
        return;
    }
    bool flat = withscores && c->resp == 2;
    picker p;
    zset_elem el;
    if (!uniq || count == 1) {
        /* With repetition: every pick is independent. */
        if (!arg_rand_repeat_ok(c, count, withscores)) return;
        reply_array(c, (long long)(flat ? count * 2 : count));
        size_t begin = reply_repeat_begin(c);
        picker_init(&p, e);
        while (count--) {
            picker_get(&p, util_rand64() % size, &el);
            reply_member(c, &el, withscores);
            if (reply_repeat_stop(c, begin)) break;
        }
        mem_free(p.pairs);
        return;
    }
    unsigned long n = count < size ? count : size;
    reply_array(c, (long long)(flat ? n * 2 : n));
    if (count >= size) {
        /* The whole set, from the highest member down, as Redis's iterator. */
        zset_iter it;
        for (zset_iter_init(&it, e, true); zset_iter_valid(&it); zset_iter_next(&it)) {
            zset_iter_get(&it, &el, true);
            reply_member(c, &el, withscores);
        }
        return;
    }
    picker_init(&p, e);
    if (count * 3 > size) {
        /* Most of the set: shuffle the first 'count' ranks into place. */
        unsigned long *ranks = mem_alloc(sizeof(unsigned long) * size);
        for (unsigned long i = 0; i < size; i++) ranks[i] = i;
        for (unsigned long i = 0; i < count; i++) {
            unsigned long j = i + util_rand64() % (size - i);
            unsigned long t = ranks[i];
            ranks[i] = ranks[j];
            ranks[j] = t;
            picker_get(&p, ranks[i], &el);
            reply_member(c, &el, withscores);
        }
        mem_free(ranks);
    } else {
        /* A small part: draw ranks, rejecting repeats. */
        rank_set seen;
        unsigned long cap = 16;
        while (cap < count * 2) cap <<= 1;
        seen.slots = mem_calloc(sizeof(unsigned long) * cap);
        seen.mask = cap - 1;
        for (unsigned long added = 0; added < count;) {
            unsigned long r = util_rand64() % size;
            if (!rank_set_add(&seen, r)) continue;
            added++;
            picker_get(&p, r, &el);
            reply_member(c, &el, withscores);
        }
        mem_free(seen.slots);
    }
    mem_free(p.pairs);
}

static void cmd_zrandmember(client *c) {
    if (c->argc >= 3) {
        long l;
        bool withscores;
        if (!arg_rand_count(c, "withscores", &l, &withscores)) return;
        zrandmember_count(c, l, withscores);
        return;
    }
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        reply_null(c);
        return;
    }
    zset_elem el;
    zset_random(e, &el);
    reply_bulk(c, el.m, el.len);
}

/* ---- ZSCAN ---- */

static void cmd_zscan(client *c) {
    unsigned long cursor;
    if (!scan_parse_cursor(c, &c->argv[2], &cursor)) return;
    kv *e;
    if (!find_zset(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        scan_reply_empty(c);
        return;
    }
    scan_opts o;
    if (!scan_parse_opts(c, 3, false, &o)) return;
    if (e->enc == KV_ENC_LISTPACK) {
        /* Small sets answer in one call, scores as stored. */
        void *node = scan_reply_start(c, 0);
        long long n = 0;
        unsigned char *zl = kv_ptr(e);
        unsigned char mbuf[LP_INTBUF_SIZE], sbuf[LP_INTBUF_SIZE];
        for (unsigned char *p = lp_first(zl); p; p = lp_next(zl, lp_next(zl, p))) {
            size_t mlen, slen;
            const char *m = (const char *)lp_get(p, &mlen, NULL, mbuf);
            if (!scan_match(&o, m, mlen)) continue;
            const char *s = (const char *)lp_get(lp_next(zl, p), &slen, NULL, sbuf);
            reply_bulk(c, m, mlen);
            reply_bulk(c, s, slen);
            n += 2;
        }
        reply_set_deferred_array(c, node, n);
        return;
    }
    skiplist *sl = kv_ptr(e);
    size_t len;
    sl_node **nodes = (sl_node **)scan_dict(sl->dict, &cursor, &o, &len);
    void *node = scan_reply_start(c, cursor);
    long long n = 0;
    for (size_t i = 0; i < len; i++) {
        sl_node *x = nodes[i];
        if (!scan_match(&o, sl_member(x), x->len)) continue;
        char sbuf[UTIL_DSTR_SIZE];
        reply_bulk(c, sl_member(x), x->len);
        reply_bulk(c, sbuf, util_d2str(sbuf, x->score));
        n += 2;
    }
    mem_free(nodes);
    reply_set_deferred_array(c, node, n);
}

/* ---- ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD ---- */

enum set_op { OP_UNION, OP_INTER, OP_DIFF };
enum aggregate { AGG_SUM, AGG_MIN, AGG_MAX };

/* One input: a sorted set, or a plain set whose members score 1. A plain
 * set is copied into a skiplist first, so that lookups stay O(1) whatever
 * its encoding (t_set.h offers only a walk). */
typedef struct zsrc {
    kv *e;         /* the key's entry; NULL for a missing key */
    skiplist *set; /* for a plain set: its members, each scored 1 */
    double weight;
    unsigned long len;
    int idx; /* position in the command, to keep the sort stable */
} zsrc;

/* Called for each member of an input; returns false to stop early. */
typedef bool member_fn(void *priv, const char *m, size_t len, double score);

static void copy_set_member(void *priv, const char *p, size_t len) { sl_insert(priv, 1.0, p, len); }

static void src_open(zsrc *s, kv *e, int idx) {
    *s = (zsrc){.e = e, .weight = 1.0, .idx = idx};
    if (e == NULL) return;
    if (e->type == KV_SET) {
        s->set = sl_new();
        t_set_foreach(e, copy_set_member, s->set);
        s->len = s->set->length;
    } else {
        s->len = zset_len(e);
    }
}

static bool src_find(const zsrc *s, const char *m, size_t len, double *score) {
    if (s->e == NULL) return false;
    if (s->set == NULL) return zset_score(s->e, m, len, score);
    if (sl_find(s->set, m, len) == NULL) return false;
    *score = 1.0;
    return true;
}

static void src_foreach(const zsrc *s, member_fn *fn, void *priv) {
    if (s->e == NULL) return;
    if (s->set) {
        for (sl_node *x = sl_first(s->set); x; x = sl_next(x))
            if (!fn(priv, sl_member(x), x->len, 1.0)) return;
        return;
    }
    zset_iter it;
    for (zset_iter_init(&it, s->e, false); zset_iter_valid(&it); zset_iter_next(&it)) {
        zset_elem el;
        zset_iter_get(&it, &el, true);
        if (!fn(priv, el.m, el.len, el.score)) return;
    }
}

/* Smallest first; equal sizes keep their order (Redis's qsort is a merge
 * sort in glibc, and the order decides how float sums round). */
static int by_len(const void *a, const void *b) {
    const zsrc *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx - y->idx;
}

static void aggregate(double *target, double val, enum aggregate agg) {
    if (agg == AGG_SUM) {
        *target += val;
        if (isnan(*target)) *target = 0.0; /* inf + -inf */
    } else if (agg == AGG_MIN) {
        if (val < *target) *target = val;
    } else {
        if (val > *target) *target = val;
    }
}

typedef struct setop {
    zsrc *src;
    long n;
    enum aggregate agg;
    skiplist *res;
    size_t maxlen;
    unsigned long card; /* ZINTERCARD */
    long limit;
    bool card_only;
    int cur; /* union: the input being added */
} setop;

static void result_add(setop *op, const char *m, size_t len, double score) {
    sl_insert(op->res, score, m, len);
    if (len > op->maxlen) op->maxlen = len;
}

static bool inter_member(void *priv, const char *m, size_t len, double s) {
    setop *op = priv;
    double score = op->src[0].weight * s;
    if (isnan(score)) score = 0;
    for (long j = 1; j < op->n; j++) {
        double v;
        if (op->src[j].e == op->src[0].e) v = s;
        else if (!src_find(&op->src[j], m, len, &v)) return true;
        aggregate(&score, v * op->src[j].weight, op->agg);
    }
    if (op->card_only) {
        op->card++;
        return !(op->limit && op->card >= (unsigned long)op->limit);
    }
    result_add(op, m, len, score);
    return true;
}

static bool union_member(void *priv, const char *m, size_t len, double s) {
    setop *op = priv;
    double score = op->src[op->cur].weight * s;
    if (isnan(score)) score = 0;
    sl_node *x = sl_find(op->res, m, len);
    if (x == NULL) {
        result_add(op, m, len, score);
    } else {
        double t = x->score;
        aggregate(&t, score, op->agg);
        /* Compare bits, not values: -0 + 0 must store 0, as Redis does. */
        if (memcmp(&t, &x->score, sizeof(t)) != 0) sl_update_score(op->res, x, t);
    }
    return true;
}

static bool diff_member(void *priv, const char *m, size_t len, double s) {
    setop *op = priv;
    double v;
    for (long j = 1; j < op->n; j++)
        if (src_find(&op->src[j], m, len, &v)) return true;
    result_add(op, m, len, s);
    return true;
}

static void run_setop(setop *op, enum set_op kind) {
    if (kind == OP_INTER) {
        if (op->src[0].len > 0) src_foreach(&op->src[0], inter_member, op);
    } else if (kind == OP_UNION) {
        for (op->cur = 0; op->cur < op->n; op->cur++)
            src_foreach(&op->src[op->cur], union_member, op);
    } else if (op->src[0].len > 0) {
        for (long j = 1; j < op->n; j++)
            if (op->src[j].e == op->src[0].e) return; /* A - A - ... is empty */
        src_foreach(&op->src[0], diff_member, op);
    }
}

/* Parse the options after the keys; replies and returns false on error. */
static bool parse_setop_options(client *c, int j, setop *op, enum set_op kind, bool store,
                                bool *withscores) {
    while (j < c->argc) {
        int left = c->argc - j;
        slice *a = &c->argv[j];
        if (kind != OP_DIFF && !op->card_only && left >= op->n + 1 && arg_is(a, "weights")) {
            j++;
            for (long i = 0; i < op->n; i++, j++) {
                if (!util_str2d(c->argv[j].ptr, c->argv[j].len, &op->src[i].weight)) {
                    reply_error(c, ERR_WEIGHT_NOT_FLOAT);
                    return false;
                }
            }
        } else if (kind != OP_DIFF && !op->card_only && left >= 2 && arg_is(a, "aggregate")) {
            slice *v = &c->argv[j + 1];
            if (arg_is(v, "sum")) op->agg = AGG_SUM;
            else if (arg_is(v, "min")) op->agg = AGG_MIN;
            else if (arg_is(v, "max")) op->agg = AGG_MAX;
            else {
                reply_error(c, ERR_SYNTAX);
                return false;
            }
            j += 2;
        } else if (!store && !op->card_only && arg_is(a, "withscores")) {
            *withscores = true;
            j++;
        } else if (op->card_only && left >= 2 && arg_is(a, "limit")) {
            long long v;
            if (!util_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &v) || v < 0) {
                reply_error(c, ERR_LIMIT_NEG);
                return false;
            }
            op->limit = (long)v;
            j += 2;
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static const char *setop_event(enum set_op kind) {
    return kind == OP_UNION ? "zunionstore" : kind == OP_INTER ? "zinterstore" : "zdiffstore";
}

static void store_setop(client *c, const slice *dst, setop *op, enum set_op kind) {
    if (op->res->length) {
        unsigned long len = op->res->length;
        kv *e = kv_new_ptr(dst->ptr, dst->len, KV_ZSET, KV_ENC_SKIPLIST, op->res);
        op->res = NULL;
        zset_limits lim = zset_cfg_limits();
        zset_shrink_if_fits(e, op->maxlen, &lim);
        db_set(c->db, e, 0);
        reply_int(c, (long long)len);
        db_key_changed(c->db, dst, NOTIFY_ZSET, setop_event(kind), 1);
        propagate(c->dbid, c->argc, c->argv);
        return;
    }
    reply_int(c, 0);
    db_delete_propagate(c->db, dst->ptr, dst->len);
}

/* Redis's zunionInterDiffGenericCommand. dst is NULL for the forms that
 * reply with the result. */
static void setop_generic(client *c, const slice *dst, int numkeys_idx, enum set_op kind,
                          bool card_only) {
    long long n;
    if (!arg_ll(c, &c->argv[numkeys_idx], &n)) return;
    if (n < 1) {
        reply_errorf(c, ERR_NEED_INPUT_KEY, c->cmd->fullname);
        return;
    }
    if (n > c->argc - (numkeys_idx + 1)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    setop op = {.n = (long)n, .agg = AGG_SUM, .card_only = card_only};
    op.src = mem_calloc(sizeof(zsrc) * (size_t)n);
    int j = numkeys_idx + 1;
    for (long i = 0; i < n; i++, j++) {
        kv *e = db_find_read(c->db, c->argv[j].ptr, c->argv[j].len);
        if (e && e->type != KV_ZSET && e->type != KV_SET) {
            reply_error(c, ERR_WRONGTYPE);
            goto done;
        }
        src_open(&op.src[i], e, (int)i);
    }
    bool withscores = false;
    if (!parse_setop_options(c, j, &op, kind, dst != NULL, &withscores)) goto done;
    if (kind != OP_DIFF) qsort(op.src, (size_t)n, sizeof(zsrc), by_len);
    op.res = sl_new();
    run_setop(&op, kind);
    if (dst) {
        store_setop(c, dst, &op, kind);
    } else if (card_only) {
        reply_int(c, (long long)op.card);
    } else {
        unsigned long len = op.res->length;
        reply_array(c, (long long)(withscores && c->resp == 2 ? len * 2 : len));
        for (sl_node *x = sl_first(op.res); x; x = sl_next(x)) {
            if (withscores && c->resp > 2) reply_array(c, 2);
            reply_bulk(c, sl_member(x), x->len);
            if (withscores) reply_double(c, x->score);
        }
    }
done:
    sl_free(op.res);
    for (long i = 0; i < n; i++) sl_free(op.src[i].set);
    mem_free(op.src);
}

static void cmd_zunionstore(client *c) { setop_generic(c, &c->argv[1], 2, OP_UNION, false); }
static void cmd_zinterstore(client *c) { setop_generic(c, &c->argv[1], 2, OP_INTER, false); }
static void cmd_zdiffstore(client *c) { setop_generic(c, &c->argv[1], 2, OP_DIFF, false); }
static void cmd_zunion(client *c) { setop_generic(c, NULL, 1, OP_UNION, false); }
static void cmd_zinter(client *c) { setop_generic(c, NULL, 1, OP_INTER, false); }
static void cmd_zdiff(client *c) { setop_generic(c, NULL, 1, OP_DIFF, false); }
static void cmd_zintercard(client *c) { setop_generic(c, NULL, 1, OP_INTER, true); }

/* ---- Key positions for COMMAND GETKEYS ---- */

/* Keys counted by argv[numkeys_idx] start right after it, as Redis's
 * "keynum" key spec; these finders run where that spec fails, as Redis's
 * genericGetKeys(): numkeys by atoi(), below 1 or past the arguments is
 * no key at all. */
/* ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: destination, then numkeys at 2. */
static int store_getkeys(int argc, slice *argv, int *keys, int cap) {
    if (cap < 1) return 0;
    /* The destination last, as Redis's genericGetKeys() (its key specs,
     * which castor follows first, put it first). */
    int n = cmdtable_numkeys_getkeys(argc, argv, 2, keys, 0, cap - 1);
    if (n > 0) keys[n++] = 1;
    return n;
}

/* ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP: numkeys at 1. */
static int numkeys_getkeys(int argc, slice *argv, int *keys, int cap) {
    return cmdtable_numkeys_getkeys(argc, argv, 1, keys, 0, cap);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command t_zset_commands[] = {
    {.name = "zadd", .proc = cmd_zadd, .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zincrby", .proc = cmd_zincrby, .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST, .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST,
     .keys = {1, 1, 1}},
    {.name = "zrem", .proc = cmd_zrem, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zcard", .proc = cmd_zcard, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zcount", .proc = cmd_zcount, .arity = 4, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zlexcount", .proc = cmd_zlexcount, .arity = 4, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zscore", .proc = cmd_zscore, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zmscore", .proc = cmd_zmscore, .arity = -3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zrank", .proc = cmd_zrank, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zrevrank", .proc = cmd_zrevrank, .arity = 3, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zrange", .proc = cmd_zrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zrangestore", .proc = cmd_zrangestore, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 2, 1}},
    {.name = "zrangebyscore", .proc = cmd_zrangebyscore, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zrevrangebyscore", .proc = cmd_zrevrangebyscore, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zrangebylex", .proc = cmd_zrangebylex, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zrevrangebylex", .proc = cmd_zrevrangebylex, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zrevrange", .proc = cmd_zrevrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zremrangebyrank", .proc = cmd_zremrangebyrank, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zremrangebyscore", .proc = cmd_zremrangebyscore, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zremrangebylex", .proc = cmd_zremrangebylex, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zpopmin", .proc = cmd_zpopmin, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zpopmax", .proc = cmd_zpopmax, .arity = -2, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "zmpop", .proc = cmd_zmpop, .getkeys = numkeys_getkeys, .arity = -4,
     .flags = CMD_WRITE | CMD_MOVABLE_KEYS, .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW},
    {.name = "zrandmember", .proc = cmd_zrandmember, .arity = -2, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zunion", .proc = cmd_zunion, .getkeys = numkeys_getkeys, .arity = -3,
     .flags = CMD_READONLY | CMD_MOVABLE_KEYS, .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW},
    {.name = "zinter", .proc = cmd_zinter, .getkeys = numkeys_getkeys, .arity = -3,
     .flags = CMD_READONLY | CMD_MOVABLE_KEYS, .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW},
    {.name = "zdiff", .proc = cmd_zdiff, .getkeys = numkeys_getkeys, .arity = -3,
     .flags = CMD_READONLY | CMD_MOVABLE_KEYS, .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW},
    {.name = "zunionstore", .proc = cmd_zunionstore, .getkeys = store_getkeys, .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zinterstore", .proc = cmd_zinterstore, .getkeys = store_getkeys, .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zdiffstore", .proc = cmd_zdiffstore, .getkeys = store_getkeys, .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "zintercard", .proc = cmd_zintercard, .getkeys = numkeys_getkeys, .arity = -3,
     .flags = CMD_READONLY | CMD_MOVABLE_KEYS, .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW},
    {.name = "zscan", .proc = cmd_zscan, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_SORTEDSET | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = NULL}};
/* clang-format on */
