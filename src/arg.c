/* arg.c -- argument readers shared by the command procs of several types.
 *
 * Each reader either stores what it parsed and returns true, or replies
 * with the error Redis 7.0 gives for that argument and returns false, so a
 * proc that gets false just returns. The words of the errors are Redis's
 * (object.c's getRangeLongFromObjectOrReply, t_list.c's and t_zset.c's
 * MPOP parsing), including their quirks: a count of 0 says "should be
 * greater than 0" whether or not it was a number.
 * Not here: the byte-level number parsers (util.c), option parsing of a
 * single command (in its t_*.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "arg.h"

#include <limits.h>

#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "reply.h"
#include "util.h"

/* ---- Numbers ---- */

bool arg_long(client *c, const slice *a, long *out) {
    if (util_str2l(a->ptr, a->len, out)) return true;
    reply_error(c, ERR_NOT_INT);
    return false;
}

bool arg_long_range(client *c, const slice *a, long min, long max, long *out, const char *err) {
    long v;
    if (!util_str2l(a->ptr, a->len, &v)) {
        reply_error(c, err ? err : ERR_NOT_INT);
        return false;
    }
    if (v < min || v > max) {
        if (err) reply_error(c, err);
        else reply_errorf(c, ERR_RANGE_LONG, min, max);
        return false;
    }
    *out = v;
    return true;
}

/* ---- Words ---- */

bool arg_choice(client *c, const slice *a, const char *first, const char *second_word,
                bool *second) {
    if (arg_is(a, first)) {
        *second = false;
    } else if (arg_is(a, second_word)) {
        *second = true;
    } else {
        reply_error(c, ERR_SYNTAX);
        return false;
    }
    return true;
}

bool arg_parse_mpop(client *c, int idx, const char *first, const char *second, arg_mpop *out) {
    if (!arg_long_range(c, &c->argv[idx], 1, LONG_MAX, &out->numkeys, ERR_NUMKEYS_ZERO))
        return false;
    /* The word must follow the keys (checked before adding, so that a huge
     * numkeys cannot overflow). */
    if (out->numkeys >= c->argc - idx - 1) {
        reply_error(c, ERR_SYNTAX);
        return false;
    }
    int word_idx = idx + (int)out->numkeys + 1;
    if (!arg_choice(c, &c->argv[word_idx], first, second, &out->second)) return false;
    out->count = -1;
    for (int j = word_idx + 1; j < c->argc; j++) {
        if (out->count == -1 && arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!arg_long_range(c, &c->argv[++j], 1, LONG_MAX, &out->count, ERR_COUNT_ZERO))
                return false;
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    if (out->count == -1) out->count = 1;
    return true;
}

bool arg_rand_count(client *c, const char *word, long *count, bool *with) {
    if (!arg_long_range(c, &c->argv[2], -LONG_MAX, LONG_MAX, count, NULL)) return false;
    *with = false;
    if (c->argc > 4 || (c->argc == 4 && !arg_is(&c->argv[3], word))) {
        reply_error(c, ERR_SYNTAX);
        return false;
    }
    if (c->argc == 4) {
        *with = true;
        if (*count < -LONG_MAX / 2 || *count > LONG_MAX / 2) {
            reply_error(c, ERR_VALUE_RANGE);
            return false;
        }
    }
    return true;
}

bool arg_rand_repeat_ok(client *c, unsigned long count, bool pairs) {
    /* An output-buffer hard limit will close the client mid-run, as in
     * Redis 7.0.15 (the suite's 'HRANDFIELD with huge count stopped
     * mid-run'): let it. */
    if (client_output_hard_limit(c)) return true;
    /* Else Redis would build the reply until memory runs out: refuse what
     * could not fit proto-max-bulk-len even with the smallest elements
     * (each pick is at least "$0\r\n\r\n", a value or score as much again). */
    unsigned long min_bytes = pairs ? 12 : 6;
    if (count <= (unsigned long long)cfg.proto_max_bulk_len / min_bytes) return true;
    reply_error(c, ERR_VALUE_RANGE);
    return false;
}

/* ---- Keys ---- */

bool arg_lookup(client *c, const slice *key, enum kv_type type, bool write, kv **out) {
    kv *e =
        write ? db_find_write(c->db, key->ptr, key->len) : db_find_read(c->db, key->ptr, key->len);
    if (e && e->type != type) {
        reply_error(c, ERR_WRONGTYPE);
        return false;
    }
    *out = e;
    return true;
}

/* ---- Words and numbers ---- */

bool arg_is(const slice *a, const char *word) { return util_strcaseeq(a->ptr, a->len, word); }

bool arg_ll_msg(client *c, const slice *a, long long *out, const char *err) {
    if (util_str2ll(a->ptr, a->len, out)) return true;
    reply_error(c, err ? err : ERR_NOT_INT);
    return false;
}

bool arg_ll(client *c, const slice *a, long long *out) { return arg_ll_msg(c, a, out, NULL); }

bool arg_ll_range(client *c, const slice *a, long long min, long long max, long long *out,
                  const char *err) {
    long long v;
    if (!util_str2ll(a->ptr, a->len, &v) || v < min || v > max) {
        if (err) reply_error(c, err);
        else reply_errorf(c, ERR_RANGE_LLONG, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool arg_double_msg(client *c, const slice *a, double *out, const char *err) {
    if (util_str2d(a->ptr, a->len, out)) return true;
    reply_error(c, err ? err : ERR_NOT_FLOAT);
    return false;
}

bool arg_double(client *c, const slice *a, double *out) { return arg_double_msg(c, a, out, NULL); }

bool arg_long_double(client *c, const slice *a, long double *out) {
    if (util_str2ld(a->ptr, a->len, out)) return true;
    reply_error(c, ERR_NOT_FLOAT);
    return false;
}
