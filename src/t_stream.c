/* t_stream.c -- the stream commands (XADD ... XINFO) over stream.h's value.
 *
 * Replies, error texts and effects are Redis 7.0's. What goes to the AOF
 * and replicas is what makes them reach the same state: XADD with the ID
 * it generated and, when trimming was approximate, the exact trim it did
 * ("=" and the resulting length or first ID); XREADGROUP, XCLAIM and
 * XAUTOCLAIM as one XCLAIM ... FORCE JUSTID LASTID per pending entry they
 * touched, plus XGROUP SETID (last ID and entries-read) when a NOACK read
 * moved a group's last-delivered ID and XGROUP CREATECONSUMER for a
 * consumer made by a NOACK read. As in 7.0, a replica's entries-read is
 * therefore not always its master's (it is unknown after XCLAIM LASTID).
 * XREAD and XREADGROUP block (BLOCK ms) through blocking.h: the IDs that
 * "$" stood for are written into the argv the blocked client keeps, and
 * each change of a waited key re-runs the command for that key alone,
 * which serves the client once the stream's last ID passes the one it
 * waits for (for a group: its last-delivered ID). A blocked XREADGROUP
 * whose key is deleted or changes type gets -UNBLOCKED, whose group is
 * destroyed -NOGROUP, as in Redis 7.0.
 * Not here: the value's format (stream.c), RDB (rdb.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "t_stream.h"

#include <limits.h>
#include <string.h>

#include "arg.h"
#include "blocking.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "errors.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "server.h"
#include "stream.h"
#include "util.h"

#define XREAD_BLOCKED_DEFAULT_COUNT 1000
#define XAUTOCLAIM_ATTEMPTS_FACTOR 10

/* ---- Helpers ---- */

static void reply_sid(client *c, const sid *id) {
    char buf[SID_STR_SIZE];
    reply_bulk(c, buf, sid_fmt(buf, id));
}

static bool parse_id(client *c, const slice *a, sid *id, uint64_t missing_seq, bool strict) {
    if (sid_parse(a->ptr, a->len, id, missing_seq, strict, NULL)) return true;
    reply_error(c, ERR_STREAM_ID);
    return false;
}

/* A range end: "(" makes it exclusive (then "-" and "+" are invalid). */
static bool parse_interval(client *c, const slice *a, sid *id, bool *ex, uint64_t missing_seq) {
    *ex = a->len > 1 && a->ptr[0] == '(';
    if (*ex) {
        slice rest = slice_of(a->ptr + 1, a->len - 1);
        return parse_id(c, &rest, id, missing_seq, true);
    }
    return parse_id(c, a, id, missing_seq, false);
}

/* Parse a range's start and end, applying exclusion. */
static bool parse_range(client *c, const slice *a, const slice *b, sid *start, sid *end) {
    bool ex;
    if (!parse_interval(c, a, start, &ex, 0)) return false;
    if (ex && !sid_incr(start)) {
        reply_error(c, ERR_STREAM_START_ID);
        return false;
    }
    if (!parse_interval(c, b, end, &ex, UINT64_MAX)) return false;
    if (ex && !sid_decr(end)) {
        reply_error(c, ERR_STREAM_END_ID);
        return false;
    }
    return true;
}

static bool find_stream(client *c, const slice *key, bool write, kv **e) {
    return arg_lookup(c, key, KV_STREAM, write, e);
}

static stream *value_of(kv *e) { return e ? kv_ptr(e) : NULL; }

static stream_limits limits(void) {
    stream_limits l = {cfg.stream_node_max_bytes, cfg.stream_node_max_entries};
    return l;
}

/* A change Redis signals (WATCH, blocked readers) and announces. */
static void notify(client *c, const slice *key, const char *event, long long dirty) {
    db_key_changed(c->db, key, NOTIFY_STREAM, event, dirty);
}

/* A change Redis only announces and counts (group state: no WATCH). */
static void event(client *c, const slice *key, const char *name, long long dirty) {
    if (name) db_notify(NOTIFY_STREAM, name, key->ptr, key->len, c->dbid);
    srv.dirty += dirty;
}

/* ---- Replying with entries ---- */

#define RANGE_NOACK 1
#define RANGE_RAW 2     /* no array header: the caller counts */
#define RANGE_HISTORY 4 /* the consumer's own PEL */

/* What a group read propagates under: the key and group arguments. */
typedef struct prop_info {
    const slice *key, *group;
} prop_info;

/* The XCLAIM and XGROUP SETID that carry a change of a group: the caller
 * counts the change (dirty), as Redis counts one per claimed entry but one
 * per stream a group read serves. */
static void propagate_xclaim(client *c, const slice *key, const sgroup *g, const slice *group,
                             const sid *id, const snack *n) {
    if (!propagate_wanted()) return; /* nothing to format the arguments for */
    char idb[SID_STR_SIZE], tb[UTIL_LLSTR_SIZE], cb[UTIL_LLSTR_SIZE], lb[SID_STR_SIZE];
    slice argv[14] = {
        slice_of("XCLAIM", 6),
        *key,
        *group,
        slice_of(n->consumer->name, n->consumer->namelen),
        slice_of("0", 1),
        slice_of(idb, sid_fmt(idb, id)),
        slice_of("TIME", 4),
        slice_of(tb, util_ll2str(tb, n->delivery_time)),
        slice_of("RETRYCOUNT", 10),
        slice_of(cb, util_ull2str(cb, n->delivery_count)),
        slice_of("FORCE", 5),
        slice_of("JUSTID", 6),
        slice_of("LASTID", 6),
        slice_of(lb, sid_fmt(lb, &g->last_id)),
    };
    propagate(c->dbid, 14, argv);
}

static void propagate_group_id(client *c, const slice *key, const sgroup *g, const slice *group) {
    if (!propagate_wanted()) return;
    char idb[SID_STR_SIZE], nb[UTIL_LLSTR_SIZE];
    slice argv[7] = {
        slice_of("XGROUP", 6),
        slice_of("SETID", 5),
        *key,
        *group,
        slice_of(idb, sid_fmt(idb, &g->last_id)),
        slice_of("ENTRIESREAD", 11),
        slice_of(nb, util_ll2str(nb, g->entries_read)),
    };
    propagate(c->dbid, 7, argv);
}

static void propagate_consumer_creation(client *c, const slice *key, const slice *group,
                                        const sconsumer *cons) {
    slice argv[5] = {slice_of("XGROUP", 6), slice_of("CREATECONSUMER", 14), *key, *group,
                     slice_of(cons->name, cons->namelen)};
    propagate(c->dbid, 5, argv);
}

#define ENTRY_FAST_FIELDS 16
static void reply_entry(client *c, stream_iter *it, const sid *id, int64_t nfields) {
    if (nfields <= ENTRY_FAST_FIELDS) {
        char buf[SID_STR_SIZE];
        slice head = slice_of(buf, sid_fmt(buf, id));
        slice items[2 * ENTRY_FAST_FIELDS];
        /* A number in the listpack is printed into the iterator's fbuf or
         * vbuf, which the next field reuses: keep a copy of those. */
        char nums[2 * ENTRY_FAST_FIELDS][sizeof(it->fbuf)];
        for (int64_t i = 0; i < nfields; i++) {
            const char *f, *v;
            size_t flen, vlen;
            stream_iter_field(it, &f, &flen, &v, &vlen);
            if (f == (const char *)it->fbuf) f = memcpy(nums[2 * i], f, flen);
            if (v == (const char *)it->vbuf) v = memcpy(nums[2 * i + 1], v, vlen);
            items[2 * i] = slice_of(f, flen);
            items[2 * i + 1] = slice_of(v, vlen);
        }
        reply_bulk_and_bulks(c, &head, items, (size_t)nfields * 2);
        return;
    }
    reply_array(c, 2);
    reply_sid(c, id);
    reply_array(c, nfields * 2);
    while (nfields--) {
        const char *f, *v;
        size_t flen, vlen;
        stream_iter_field(it, &f, &flen, &v, &vlen);
        reply_bulk(c, f, flen);
        reply_bulk(c, v, vlen);
    }
}

static size_t reply_range(client *c, stream *s, const sid *start, const sid *end, size_t count,
                          bool rev, sgroup *g, sconsumer *cons, int flags, const prop_info *pi);

/* A consumer's history: the entries of its PEL from start on. An entry
 * deleted since is shown as its ID and a null. */
static size_t reply_from_pel(client *c, stream *s, const sid *start, size_t count,
                             sconsumer *cons) {
    size_t n = 0;
    void *node = reply_defer(c);
    long long now = util_mstime();
    for (size_t i = sidmap_lower(&cons->pel, start); i < sidmap_len(&cons->pel); i++) {
        if (count && n >= count) break;
        sidmap_item *item = sidmap_at(&cons->pel, i);
        sid id = item->id;
        if (reply_range(c, s, &id, &id, 1, false, NULL, NULL, RANGE_RAW, NULL) == 0) {
            reply_array(c, 2);
            reply_sid(c, &id);
            reply_null_array(c);
        } else {
            snack *nk = item->val;
            nk->delivery_time = now;
            nk->delivery_count++;
        }
        n++;
    }
    reply_set_deferred_array(c, node, n);
    return n;
}

/* Redis's streamReplyWithRange: entries from start to end (NULL: the end),
 * at most count (0: all). With a group: move its last-delivered ID and
 * entries-read, create the pending entries (unless NOACK) and propagate. */
static size_t reply_range(client *c, stream *s, const sid *start, const sid *end, size_t count,
                          bool rev, sgroup *g, sconsumer *cons, int flags, const prop_info *pi) {
    if (g && (flags & RANGE_HISTORY)) return reply_from_pel(c, s, start, count, cons);
    void *node = (flags & RANGE_RAW) ? NULL : reply_defer(c);
    size_t n = 0;
    bool moved = false;
    long long now = g ? util_mstime() : 0;
    stream_iter it;
    stream_iter_start(&it, s, start, end, rev);
    sid id;
    int64_t nfields;
    while (stream_iter_next(&it, &id, &nfields)) {
        if (g && sid_cmp(&id, &g->last_id) > 0) {
            if (g->entries_read != SGROUP_ENTRIES_READ_INVALID &&
                !stream_range_has_tombstones(s, &id, NULL))
                g->entries_read++;
            else if (s->entries_added) g->entries_read = stream_estimate_distance(s, &id);
            g->last_id = id;
            /* Without NOACK the XCLAIMs carry the new last ID (LASTID). */
            if (flags & RANGE_NOACK) moved = true;
        }
        reply_entry(c, &it, &id, nfields);
        if (g && !(flags & RANGE_NOACK)) {
            snack *nk = sidmap_find(&g->pel, &id);
            if (nk == NULL) {
                nk = stream_nack_new(cons, now);
                sidmap_insert(&g->pel, &id, nk);
                sidmap_insert(&cons->pel, &id, nk);
            } else {
                /* Delivered before (the group's ID was set back): it moves
                 * to this consumer as a first delivery. */
                sidmap_remove(&nk->consumer->pel, &id);
                nk->consumer = cons;
                nk->delivery_time = now;
                nk->delivery_count = 1;
                sidmap_insert(&cons->pel, &id, nk);
            }
            if (pi) propagate_xclaim(c, pi->key, g, pi->group, &id, nk);
        }
        n++;
        if (count && n == count) break;
    }
    if (pi && moved) propagate_group_id(c, pi->key, g, pi->group);
    if (node) reply_set_deferred_array(c, node, n);
    return n;
}

/* ---- XADD, XTRIM ---- */

typedef struct add_args {
    stream_trim_args trim;
    int trim_arg;   /* index of the MAXLEN / MINID value */
    sid id;         /* XADD: the ID given */
    bool id_given;  /* not "*" */
    bool seq_given; /* not "ms-*" */
    bool nomkstream;
} add_args;

/* Redis's streamParseAddOrTrimArgsOrReply: the index of XADD's ID
 * argument, or -1 after replying an error. */
static int parse_add_trim(client *c, add_args *a, bool xadd) {
    memset(a, 0, sizeof(*a));
    int i = 2;
    bool limit_given = false;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const slice *opt = &c->argv[i];
        if (xadd && opt->len == 1 && opt->ptr[0] == '*') break;
        bool maxlen = arg_is(opt, "maxlen"), minid = arg_is(opt, "minid");
        if ((maxlen || minid) && more) {
            if (a->trim.strategy != STREAM_TRIM_NONE) {
                reply_error(c, ERR_XTRIM_BOTH);
                return -1;
            }
            a->trim.approx = false;
            const slice *next = &c->argv[i + 1];
            if (more >= 2 && next->len == 1 && (next->ptr[0] == '~' || next->ptr[0] == '=')) {
                a->trim.approx = next->ptr[0] == '~';
                i++;
            }
            if (maxlen) {
                if (!arg_ll(c, &c->argv[i + 1], &a->trim.maxlen)) return -1;
                if (a->trim.maxlen < 0) {
                    reply_error(c, ERR_XTRIM_MAXLEN_NEG);
                    return -1;
                }
            } else if (!parse_id(c, &c->argv[i + 1], &a->trim.minid, 0, true)) {
                return -1;
            }
            i++;
            a->trim.strategy = maxlen ? STREAM_TRIM_MAXLEN : STREAM_TRIM_MINID;
            a->trim_arg = i;
        } else if (arg_is(opt, "limit") && more) {
            if (!arg_ll(c, &c->argv[i + 1], &a->trim.limit)) return -1;
            if (a->trim.limit < 0) {
                reply_error(c, ERR_XTRIM_LIMIT_NEG);
                return -1;
            }
            limit_given = true;
            i++;
        } else if (xadd && arg_is(opt, "nomkstream")) {
            a->nomkstream = true;
        } else if (xadd) {
            if (!sid_parse(opt->ptr, opt->len, &a->id, 0, true, &a->seq_given)) {
                reply_error(c, ERR_STREAM_ID);
                return -1;
            }
            a->id_given = true;
            break;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->trim.limit && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, ERR_XTRIM_LIMIT_NOSTRATEGY);
        return -1;
    }
    if (!xadd && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, ERR_XTRIM_NOSTRATEGY);
        return -1;
    }
    if (client_must_obey(c)) {
        a->trim.limit = 0; /* the trim argument was made exact for us */
    } else if (limit_given) {
        if (!a->trim.approx) {
            reply_error(c, ERR_XTRIM_LIMIT_NOAPPROX);
            return -1;
        }
    } else if (a->trim.approx) {
        long long limit = cfg.stream_node_max_entries > LLONG_MAX / 100
                              ? LLONG_MAX
                              : 100 * cfg.stream_node_max_entries;
        if (limit <= 0) limit = 10000;
        if (limit > 1000000) limit = 1000000;
        a->trim.limit = limit;
    } else {
        a->trim.limit = 0;
    }
    return i;
}

/* Rewrite an approximate trim as the exact one it did: "=" and the
 * resulting length or first ID. */
static void rewrite_trim(stream *s, const add_args *a, slice *argv, char *buf) {
    argv[a->trim_arg - 1] = slice_of("=", 1);
    if (a->trim.strategy == STREAM_TRIM_MAXLEN) {
        argv[a->trim_arg] = slice_of(buf, util_ull2str(buf, s->length));
    } else {
        sid first;
        stream_edge_id(s, true, false, &first);
        argv[a->trim_arg] = slice_of(buf, sid_fmt(buf, &first));
    }
}

static void cmd_xadd(client *c) {
    add_args a;
    int idpos = parse_add_trim(c, &a, true);
    if (idpos < 0) return;
    int fpos = idpos + 1;
    if (c->argc - fpos < 2 || (c->argc - fpos) % 2 == 1) {
        reply_error_arity(c);
        return;
    }
    if (a.id_given && a.seq_given && a.id.ms == 0 && a.id.seq == 0) {
        reply_error(c, ERR_XADD_ZERO);
        return;
    }
    kv *e;
    if (!find_stream(c, &c->argv[1], true, &e)) return;
    if (e == NULL) {
        if (a.nomkstream) {
            reply_null(c);
            return;
        }
        e = kv_new_ptr(c->argv[1].ptr, c->argv[1].len, KV_STREAM, KV_ENC_STREAM, stream_new());
        db_add(c->db, e);
    }
    stream *s = kv_ptr(e);
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        reply_error(c, ERR_STREAM_EXHAUSTED);
        return;
    }
    long n = (c->argc - fpos) / 2;
    slice small[32]; /* fields then values: no allocation for up to 16 pairs */
    slice *fv = n <= 16 ? small : mem_alloc(sizeof(slice) * 2 * (size_t)n);
    for (long i = 0; i < n; i++) {
        fv[i] = c->argv[fpos + 2 * i];
        fv[n + i] = c->argv[fpos + 2 * i + 1];
    }
    stream_limits lim = limits();
    sid id;
    int rc = stream_append(s, fv, fv + n, n, a.id_given ? &a.id : NULL, a.seq_given, util_mstime(),
                           &lim, &id);
    if (fv != small) mem_free(fv);
    if (rc != 0) {
        reply_error(c, rc == -1 ? ERR_XADD_SMALL : ERR_XADD_BIG);
        return;
    }
    char idbuf[SID_STR_SIZE]; /* formatted once: the reply and the effect */
    size_t idlen = sid_fmt(idbuf, &id);
    reply_bulk(c, idbuf, idlen);
    db_notify(NOTIFY_STREAM, "xadd", c->argv[1].ptr, c->argv[1].len, c->dbid);
    srv.dirty++;
    if (a.trim.strategy != STREAM_TRIM_NONE && stream_trim(s, &a.trim))
        db_notify(NOTIFY_STREAM, "xtrim", c->argv[1].ptr, c->argv[1].len, c->dbid);
    /* The effect: this argv with the ID made concrete and the trim exact,
     * built only when something reads it. */
    slice argv_small[40], *argv = NULL;
    char trimbuf[SID_STR_SIZE];
    if (propagate_wanted()) {
        argv = c->argc <= 40 ? argv_small : mem_alloc(sizeof(slice) * (size_t)c->argc);
        memcpy(argv, c->argv, sizeof(slice) * (size_t)c->argc);
        if (a.trim.strategy != STREAM_TRIM_NONE && a.trim.approx)
            rewrite_trim(s, &a, argv, trimbuf);
        if (!a.id_given || !a.seq_given) argv[idpos] = slice_of(idbuf, idlen);
    }
    notify(c, &c->argv[1], NULL, 0);
    if (argv == NULL) return;
    propagate(c->dbid, c->argc, argv);
    if (argv != argv_small) mem_free(argv);
}

static void cmd_xtrim(client *c) {
    add_args a;
    if (parse_add_trim(c, &a, false) < 0) return;
    kv *e;
    if (!find_stream(c, &c->argv[1], true, &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    stream *s = kv_ptr(e);
    long long deleted = stream_trim(s, &a.trim);
    if (deleted) {
        slice *argv = mem_memdup(c->argv, sizeof(slice) * (size_t)c->argc);
        char buf[SID_STR_SIZE];
        if (a.trim.approx) rewrite_trim(s, &a, argv, buf);
        notify(c, &c->argv[1], "xtrim", deleted);
        propagate(c->dbid, c->argc, argv);
        mem_free(argv);
    }
    reply_int(c, deleted);
}

/* ---- XRANGE, XREVRANGE, XLEN, XDEL ---- */

static void xrange_generic(client *c, bool rev) {
    sid start, end;
    const slice *sa = rev ? &c->argv[3] : &c->argv[2];
    const slice *ea = rev ? &c->argv[2] : &c->argv[3];
    if (!parse_range(c, sa, ea, &start, &end)) return;
    long long count = -1;
    for (int j = 4; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (!arg_ll(c, &c->argv[j + 1], &count)) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    kv *e;
    if (!find_stream(c, &c->argv[1], false, &e)) return;
    if (e == NULL) {
        reply_empty_array(c);
        return;
    }
    if (count == 0) {
        reply_null_array(c);
        return;
    }
    reply_range(c, kv_ptr(e), &start, &end, count == -1 ? 0 : (size_t)count, rev, NULL, NULL, 0,
                NULL);
}

static void cmd_xrange(client *c) { xrange_generic(c, false); }
static void cmd_xrevrange(client *c) { xrange_generic(c, true); }

static void cmd_xlen(client *c) {
    kv *e;
    if (!find_stream(c, &c->argv[1], false, &e)) return;
    reply_int(c, e ? (long long)value_of(e)->length : 0);
}

/* Parse argv[from..argc) as IDs (strict) into a new array (caller frees). */
static sid *parse_ids(client *c, int from) {
    sid *ids = mem_alloc(sizeof(sid) * (size_t)(c->argc - from + 1));
    for (int j = from; j < c->argc; j++) {
        if (!parse_id(c, &c->argv[j], &ids[j - from], 0, true)) {
            mem_free(ids);
            return NULL;
        }
    }
    return ids;
}

static void cmd_xdel(client *c) {
    kv *e;
    if (!find_stream(c, &c->argv[1], true, &e)) return;
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    stream *s = kv_ptr(e);
    sid *ids = parse_ids(c, 2);
    if (ids == NULL) return;
    long long deleted = 0;
    bool first_entry = false;
    for (int j = 0; j < c->argc - 2; j++) {
        if (!stream_delete(s, &ids[j])) continue;
        if (sid_cmp(&ids[j], &s->first_id) == 0) first_entry = true;
        if (sid_cmp(&ids[j], &s->max_deleted) > 0) s->max_deleted = ids[j];
        deleted++;
    }
    mem_free(ids);
    if (deleted) {
        if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
        else if (first_entry) stream_edge_id(s, true, true, &s->first_id);
        notify(c, &c->argv[1], "xdel", deleted);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, deleted);
}

/* ---- XSETID ---- */

static void cmd_xsetid(client *c) {
    sid id, maxdel = {0, 0};
    long long added = -1;
    if (!parse_id(c, &c->argv[2], &id, 0, true)) return;
    for (int i = 3; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (arg_is(&c->argv[i], "entriesadded") && more) {
            if (!arg_ll(c, &c->argv[i + 1], &added)) return;
            if (added < 0) {
                reply_error(c, ERR_ENTRIES_ADDED);
                return;
            }
        } else if (arg_is(&c->argv[i], "maxdeletedid") && more) {
            if (!parse_id(c, &c->argv[i + 1], &maxdel, 0, true)) return;
            if (sid_cmp(&id, &maxdel) < 0) {
                reply_error(c, ERR_XSETID_MAXDEL_ARG);
                return;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    kv *e;
    if (!find_stream(c, &c->argv[1], true, &e)) return;
    if (e == NULL) {
        reply_error(c, ERR_NO_KEY);
        return;
    }
    stream *s = kv_ptr(e);
    if (s->length > 0) {
        sid maxid;
        stream_last_valid_id(s, &maxid);
        if (sid_cmp(&id, &maxid) < 0) {
            reply_error(c, ERR_XSETID_SMALL);
            return;
        }
        if (added != -1 && s->length > (uint64_t)added) {
            reply_error(c, ERR_XSETID_ADDED);
            return;
        }
    }
    s->last_id = id;
    if (added != -1) s->entries_added = (uint64_t)added;
    if (!sid_is_zero(&maxdel)) s->max_deleted = maxdel;
    reply_ok(c);
    event(c, &c->argv[1], "xsetid", 1);
    propagate(c->dbid, c->argc, c->argv);
}

/* ---- XREAD, XREADGROUP ---- */

typedef struct read_args {
    bool group_cmd;
    long long deadline; /* -1: no BLOCK */
    long long count;
    int streams_arg, nstreams;
    const slice *group, *consumer;
    bool noack;
} read_args;

static bool parse_read(client *c, read_args *r) {
    memset(r, 0, sizeof(*r));
    r->group_cmd = c->argv[0].len == 10;
    r->deadline = -1;
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        const slice *o = &c->argv[i];
        if (arg_is(o, "block") && more) {
            if (c->flags & CLIENT_SCRIPT) { /* before the timeout is parsed, as Redis */
                reply_errorf(c, ERR_XREAD_BLOCK_SCRIPT, r->group_cmd ? "xreadgroup" : "xread");
                return false;
            }
            i++;
            if (!blocking_parse_timeout_ms(c, &c->argv[i], &r->deadline)) return false;
        } else if (arg_is(o, "count") && more) {
            i++;
            if (!arg_ll(c, &c->argv[i], &r->count)) return false;
            if (r->count < 0) r->count = 0;
        } else if (arg_is(o, "streams") && more) {
            r->streams_arg = i + 1;
            r->nstreams = c->argc - r->streams_arg;
            if (r->nstreams % 2 != 0) {
                reply_error(c, ERR_XREAD_UNBALANCED);
                return false;
            }
            r->nstreams /= 2;
            break;
        } else if (arg_is(o, "group") && more >= 2) {
            if (!r->group_cmd) {
                reply_error(c, ERR_XREAD_GROUP_ONLY);
                return false;
            }
            r->group = &c->argv[i + 1];
            r->consumer = &c->argv[i + 2];
            i += 2;
        } else if (arg_is(o, "noack")) {
            if (!r->group_cmd) {
                reply_error(c, ERR_XREAD_NOACK_ONLY);
                return false;
            }
            r->noack = true;
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    if (r->streams_arg == 0) {
        reply_error(c, ERR_SYNTAX);
        return false;
    }
    if (r->group_cmd && r->group == NULL) {
        reply_error(c, ERR_XREADGROUP_NOGROUP);
        return false;
    }
    return true;
}

static bool is_word(const slice *a, char ch) { return a->len == 1 && a->ptr[0] == ch; }

/* The group named by r in e's stream, or NULL after replying NOGROUP. */
static sgroup *read_group(client *c, const read_args *r, kv *e, const slice *key) {
    sgroup *g = e ? stream_group_find(kv_ptr(e), r->group->ptr, r->group->len) : NULL;
    if (g == NULL)
        reply_errorf(c, ERR_NOGROUP_XREADGROUP, (int)key->len, key->ptr, (int)r->group->len,
                     r->group->ptr);
    return g;
}

/* The consumer of a group read, created (and announced) if new. */
static sconsumer *read_consumer(client *c, const read_args *r, sgroup *g, const slice *key) {
    long long now = util_mstime();
    sconsumer *cons = stream_consumer_find(g, r->consumer->ptr, r->consumer->len);
    if (cons == NULL) {
        cons = stream_consumer_create(g, r->consumer->ptr, r->consumer->len, now);
        event(c, key, "xgroup-createconsumer", 1);
        if (r->noack) propagate_consumer_creation(c, key, r->group, cons);
    }
    cons->seen_time = now;
    return cons;
}

/* A blocked read runs again for 'key': serve it if the stream passed the
 * ID it waits for, else stay blocked. */
static void serve_blocked_read(client *c, const read_args *r, const slice *key) {
    int idx = -1;
    for (int i = 0; i < r->nstreams; i++) {
        const slice *k = &c->argv[r->streams_arg + i];
        if (k->len == key->len && memcmp(k->ptr, key->ptr, key->len) == 0) {
            idx = i;
            break;
        }
    }
    ASSERT(idx >= 0);
    kv *e = db_find_write(c->db, key->ptr, key->len);
    if (e == NULL || e->type != KV_STREAM) {
        if (r->group_cmd) reply_error(c, ERR_XREADGROUP_GONE);
        else blocking_block(c, NULL, 0, KV_STREAM, 0);
        return;
    }
    stream *s = kv_ptr(e);
    sid gt;
    sgroup *g = NULL;
    if (r->group_cmd) {
        g = stream_group_find(s, r->group->ptr, r->group->len);
        if (g == NULL) {
            reply_error(c, ERR_XREADGROUP_GROUP_GONE);
            return;
        }
        gt = g->last_id;
    } else {
        sid_parse(c->argv[r->streams_arg + r->nstreams + idx].ptr,
                  c->argv[r->streams_arg + r->nstreams + idx].len, &gt, 0, true, NULL);
    }
    if (sid_cmp(&s->last_id, &gt) <= 0) {
        blocking_block(c, NULL, 0, KV_STREAM, 0);
        return;
    }
    sid start = gt;
    sid_incr(&start);
    sconsumer *cons = g ? read_consumer(c, r, g, key) : NULL;
    if (c->resp == 2) {
        reply_array(c, 1);
        reply_array(c, 2);
    } else {
        reply_map(c, 1);
    }
    reply_bulk(c, key->ptr, key->len);
    prop_info pi = {key, r->group};
    size_t count = r->count ? (size_t)r->count : XREAD_BLOCKED_DEFAULT_COUNT;
    reply_range(c, s, &start, NULL, count, false, g, cons, r->noack ? RANGE_NOACK : 0, &pi);
}

/* Block: the IDs "$" stood for go into the argv the blocked client keeps. */
static void block_read(client *c, const read_args *r, const sid *ids) {
    slice *own = c->argv;
    slice *argv = mem_memdup(c->argv, sizeof(slice) * (size_t)c->argc);
    char *bufs = mem_alloc((size_t)r->nstreams * SID_STR_SIZE);
    for (int i = 0; i < r->nstreams; i++) {
        int at = r->streams_arg + r->nstreams + i;
        if (!is_word(&argv[at], '$')) continue;
        char *b = bufs + (size_t)i * SID_STR_SIZE;
        argv[at] = slice_of(b, sid_fmt(b, &ids[i]));
    }
    c->argv = argv;
    blocking_block(c, argv + r->streams_arg, r->nstreams, KV_STREAM, r->deadline);
    c->argv = own;
    mem_free(bufs);
    mem_free(argv);
}

static void cmd_xread(client *c) {
    read_args r;
    if (!parse_read(c, &r)) return;
    const slice *ready = blocking_ready_key(c);
    if (ready) {
        serve_blocked_read(c, &r, ready);
        return;
    }
    sid *ids = mem_alloc(sizeof(sid) * (size_t)r.nstreams);
    sgroup **groups = mem_calloc(sizeof(sgroup *) * (size_t)r.nstreams);
    for (int i = 0; i < r.nstreams; i++) {
        const slice *key = &c->argv[r.streams_arg + i];
        const slice *ida = &c->argv[r.streams_arg + r.nstreams + i];
        kv *e;
        if (!find_stream(c, key, false, &e)) goto done;
        if (r.group && (groups[i] = read_group(c, &r, e, key)) == NULL) goto done;
        if (is_word(ida, '$')) {
            if (r.group_cmd) {
                reply_error(c, ERR_XREADGROUP_DOLLAR);
                goto done;
            }
            if (e) ids[i] = value_of(e)->last_id;
            else ids[i].ms = ids[i].seq = 0;
            continue;
        }
        if (is_word(ida, '>')) {
            if (!r.group_cmd) {
                reply_error(c, ERR_XREAD_GT);
                goto done;
            }
            ids[i].ms = ids[i].seq = UINT64_MAX;
            continue;
        }
        if (!parse_id(c, ida, &ids[i], 0, true)) goto done;
    }
    size_t served = 0;
    void *node = NULL;
    for (int i = 0; i < r.nstreams; i++) {
        const slice *key = &c->argv[r.streams_arg + i];
        kv *e = db_find_read(c->db, key->ptr, key->len);
        if (e == NULL) continue;
        stream *s = kv_ptr(e);
        sid gt = ids[i];
        bool serve = false, history = false;
        sconsumer *cons = NULL;
        if (groups[i]) {
            if (gt.ms != UINT64_MAX || gt.seq != UINT64_MAX) {
                serve = history = true;
            } else if (s->length) {
                sid maxid;
                stream_last_valid_id(s, &maxid);
                if (sid_cmp(&maxid, &groups[i]->last_id) > 0) {
                    serve = true;
                    gt = groups[i]->last_id;
                }
            }
        } else if (s->length) {
            sid maxid;
            stream_last_valid_id(s, &maxid);
            serve = sid_cmp(&maxid, &gt) > 0;
        }
        if (!serve) continue;
        /* The consumer is made when it is first served (a blocked reader
         * is not one yet), as Redis 7.0. */
        if (groups[i]) cons = read_consumer(c, &r, groups[i], key);
        if (served++ == 0) node = reply_defer(c);
        sid start = gt;
        sid_incr(&start);
        if (c->resp == 2) reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        int flags = (r.noack ? RANGE_NOACK : 0) | (history ? RANGE_HISTORY : 0);
        prop_info pi = {key, r.group};
        reply_range(c, s, &start, NULL, (size_t)r.count, false, groups[i], cons, flags, &pi);
        /* Redis counts one change per stream a group read serves (history
         * too), none per entry; a served blocked read counts none. */
        if (groups[i]) srv.dirty++;
    }
    if (served) {
        if (c->resp == 2) reply_set_deferred_array(c, node, (long long)served);
        else reply_set_deferred_map(c, node, (long long)served);
        goto done;
    }
    if (r.deadline != -1) {
        if (!blocking_allowed(c)) reply_null_array(c);
        else block_read(c, &r, ids);
        goto done;
    }
    reply_null_array(c);
done:
    mem_free(ids);
    mem_free(groups);
}

/* Movable keys of XREAD / XREADGROUP: the first half after STREAMS. */
static int xread_getkeys(int argc, slice *argv, int *keys, int cap) {
    int streams = 0;
    for (int i = 1; i < argc; i++) {
        if (arg_is(&argv[i], "streams")) {
            streams = i;
            break;
        }
    }
    if (streams == 0) return -1;
    int n = argc - streams - 1;
    if (n <= 0 || n % 2) return -1;
    n /= 2;
    if (n > cap) n = cap;
    for (int i = 0; i < n; i++) keys[i] = streams + 1 + i;
    return n;
}

/* ---- XGROUP ---- */

static void reply_xgroup_syntax(client *c) { reply_error_subcommand(c, "XGROUP"); }

/* Parse XGROUP CREATE / SETID's options from argv[5]: MKSTREAM (CREATE)
 * and ENTRIESREAD. */
static bool parse_group_opts(client *c, bool create, bool *mkstream, long long *entries_read) {
    *mkstream = false;
    *entries_read = SGROUP_ENTRIES_READ_INVALID;
    for (int i = 5; i < c->argc;) {
        if (create && arg_is(&c->argv[i], "mkstream")) {
            *mkstream = true;
            i++;
        } else if (arg_is(&c->argv[i], "entriesread") && i + 1 < c->argc) {
            if (!arg_ll(c, &c->argv[i + 1], entries_read)) return false;
            if (*entries_read < 0 && *entries_read != SGROUP_ENTRIES_READ_INVALID) {
                reply_error(c, ERR_ENTRIESREAD);
                return false;
            }
            i += 2;
        } else {
            reply_xgroup_syntax(c);
            return false;
        }
    }
    return true;
}

/* The stream of an XGROUP subcommand (argv[2]); replies when it is
 * missing (unless allowed) or of another type. */
static bool group_stream(client *c, bool may_miss, stream **s) {
    kv *e;
    if (!find_stream(c, &c->argv[2], true, &e)) return false;
    *s = value_of(e);
    if (*s == NULL && !may_miss) {
        reply_error(c, ERR_XGROUP_NOKEY);
        return false;
    }
    return true;
}

static sgroup *existing_group(client *c, stream *s) {
    sgroup *g = stream_group_find(s, c->argv[3].ptr, c->argv[3].len);
    if (g == NULL)
        reply_errorf(c, ERR_NOGROUP_FOR_KEY, (int)c->argv[3].len, c->argv[3].ptr,
                     (int)c->argv[2].len, c->argv[2].ptr);
    return g;
}

static void cmd_xgroup_create(client *c) {
    bool mkstream;
    long long entries_read;
    if (!parse_group_opts(c, true, &mkstream, &entries_read)) return;
    stream *s;
    if (!group_stream(c, mkstream, &s)) return;
    if (c->argc > 8) {
        reply_xgroup_syntax(c);
        return;
    }
    sid id;
    if (is_word(&c->argv[4], '$')) {
        if (s) id = s->last_id;
        else id.ms = id.seq = 0;
    } else if (!parse_id(c, &c->argv[4], &id, 0, true)) {
        return;
    }
    if (s == NULL) {
        s = stream_new();
        db_add(c->db, kv_new_ptr(c->argv[2].ptr, c->argv[2].len, KV_STREAM, KV_ENC_STREAM, s));
        notify(c, &c->argv[2], NULL, 0);
    }
    if (stream_group_create(s, c->argv[3].ptr, c->argv[3].len, &id, entries_read) == NULL) {
        reply_error(c, ERR_BUSYGROUP);
        return;
    }
    reply_ok(c);
    event(c, &c->argv[2], "xgroup-create", 1);
    propagate(c->dbid, c->argc, c->argv);
}

static void cmd_xgroup_setid(client *c) {
    bool mkstream;
    long long entries_read;
    if (!parse_group_opts(c, false, &mkstream, &entries_read)) return;
    stream *s;
    if (!group_stream(c, false, &s)) return;
    sgroup *g = existing_group(c, s);
    if (g == NULL) return;
    if (c->argc != 5 && c->argc != 7) {
        reply_xgroup_syntax(c);
        return;
    }
    sid id;
    if (is_word(&c->argv[4], '$')) id = s->last_id;
    else if (!parse_id(c, &c->argv[4], &id, 0, false)) return;
    g->last_id = id;
    g->entries_read = entries_read;
    reply_ok(c);
    event(c, &c->argv[2], "xgroup-setid", 1);
    propagate(c->dbid, c->argc, c->argv);
}

static void cmd_xgroup_destroy(client *c) {
    stream *s;
    if (!group_stream(c, false, &s)) return;
    sgroup *g = stream_group_find(s, c->argv[3].ptr, c->argv[3].len);
    if (g == NULL) {
        reply_int(c, 0);
        return;
    }
    stream_group_destroy(s, g);
    reply_int(c, 1);
    event(c, &c->argv[2], "xgroup-destroy", 1);
    /* Readers blocked on the group wake up to -NOGROUP. */
    blocking_signal_key(c->db, c->argv[2].ptr, c->argv[2].len);
    propagate(c->dbid, c->argc, c->argv);
}

static void cmd_xgroup_createconsumer(client *c) {
    stream *s;
    if (!group_stream(c, false, &s)) return;
    sgroup *g = existing_group(c, s);
    if (g == NULL) return;
    sconsumer *cons = stream_consumer_create(g, c->argv[4].ptr, c->argv[4].len, util_mstime());
    reply_int(c, cons ? 1 : 0);
    if (cons == NULL) return;
    event(c, &c->argv[2], "xgroup-createconsumer", 1);
    propagate(c->dbid, c->argc, c->argv);
}

static void cmd_xgroup_delconsumer(client *c) {
    stream *s;
    if (!group_stream(c, false, &s)) return;
    sgroup *g = existing_group(c, s);
    if (g == NULL) return;
    sconsumer *cons = stream_consumer_find(g, c->argv[4].ptr, c->argv[4].len);
    long long pending = 0;
    if (cons) {
        pending = (long long)sidmap_len(&cons->pel);
        stream_consumer_delete(g, cons);
        event(c, &c->argv[2], "xgroup-delconsumer", 1);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, pending);
}

static void cmd_xgroup_help(client *c) {
    static const char *help[] = {"CREATE <key> <groupname> <id|$> [option]",
                                 "    Create a new consumer group. Options are:",
                                 "    * MKSTREAM",
                                 "      Create the empty stream if it does not exist.",
                                 "    * ENTRIESREAD entries_read",
                                 "      Set the group's entries_read counter (internal use).",
                                 "CREATECONSUMER <key> <groupname> <consumer>",
                                 "    Create a new consumer in the specified group.",
                                 "DELCONSUMER <key> <groupname> <consumer>",
                                 "    Remove the specified consumer.",
                                 "DESTROY <key> <groupname>",
                                 "    Remove the specified group.",
                                 "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                                 "    Set the current group ID and entries_read counter.",
                                 NULL};
    reply_help(c, "XGROUP", help);
}

/* ---- XACK, XPENDING ---- */

/* The group argv[2] of the stream at argv[1] for XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM. False after a reply (WRONGTYPE); *g NULL when missing. */
static bool lookup_group(client *c, kv **e, sgroup **g) {
    *g = NULL;
    if (!find_stream(c, &c->argv[1], false, e)) return false;
    if (*e) *g = stream_group_find(kv_ptr(*e), c->argv[2].ptr, c->argv[2].len);
    return true;
}

static void reply_nogroup(client *c) {
    reply_errorf(c, ERR_NOGROUP_KEY, (int)c->argv[1].len, c->argv[1].ptr, (int)c->argv[2].len,
                 c->argv[2].ptr);
}

static void cmd_xack(client *c) {
    kv *e;
    sgroup *g;
    if (!lookup_group(c, &e, &g)) return;
    if (g == NULL) {
        reply_int(c, 0);
        return;
    }
    sid *ids = parse_ids(c, 3);
    if (ids == NULL) return;
    long long acked = 0;
    for (int j = 0; j < c->argc - 3; j++) {
        snack *n = sidmap_remove(&g->pel, &ids[j]);
        if (n == NULL) continue;
        sidmap_remove(&n->consumer->pel, &ids[j]);
        mem_free(n);
        acked++;
    }
    mem_free(ids);
    if (acked) {
        event(c, &c->argv[1], NULL, acked);
        propagate(c->dbid, c->argc, c->argv);
    }
    reply_int(c, acked);
}

static void cmd_xpending(client *c) {
    bool justinfo = c->argc == 3;
    long long count = 0, minidle = 0;
    sid start = {0, 0}, end = {0, 0};
    const slice *consname = NULL;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc >= 6) {
        int at = 3;
        if (arg_is(&c->argv[3], "idle")) {
            if (!arg_ll(c, &c->argv[4], &minidle)) return;
            if (c->argc < 8) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            at += 2;
        }
        if (!arg_ll(c, &c->argv[at + 2], &count)) return;
        if (count < 0) count = 0;
        if (!parse_range(c, &c->argv[at], &c->argv[at + 1], &start, &end)) return;
        if (at + 3 < c->argc) consname = &c->argv[at + 3];
    }
    kv *e;
    sgroup *g;
    if (!lookup_group(c, &e, &g)) return;
    if (g == NULL) {
        reply_nogroup(c);
        return;
    }
    if (justinfo) {
        size_t n = sidmap_len(&g->pel);
        reply_array(c, 4);
        reply_int(c, (long long)n);
        if (n == 0) {
            reply_null(c);
            reply_null(c);
            reply_null_array(c);
            return;
        }
        reply_sid(c, &sidmap_at(&g->pel, 0)->id);
        reply_sid(c, &sidmap_at(&g->pel, n - 1)->id);
        void *node = reply_defer(c);
        long long k = 0;
        for (size_t i = 0; i < g->nconsumers; i++) {
            sconsumer *cons = g->consumers[i];
            if (sidmap_len(&cons->pel) == 0) continue;
            reply_array(c, 2);
            reply_bulk(c, cons->name, cons->namelen);
            reply_bulk_ll(c, (long long)sidmap_len(&cons->pel));
            k++;
        }
        reply_set_deferred_array(c, node, k);
        return;
    }
    sconsumer *cons = NULL;
    if (consname) {
        cons = stream_consumer_find(g, consname->ptr, consname->len);
        if (cons == NULL) {
            reply_empty_array(c);
            return;
        }
    }
    sidmap *pel = cons ? &cons->pel : &g->pel;
    long long now = util_mstime(), k = 0;
    void *node = reply_defer(c);
    for (size_t i = sidmap_lower(pel, &start); count && i < sidmap_len(pel); i++) {
        sidmap_item *item = sidmap_at(pel, i);
        if (sid_cmp(&item->id, &end) > 0) break;
        snack *n = item->val;
        if (minidle && now - n->delivery_time < minidle) continue;
        k++;
        count--;
        reply_array(c, 4);
        reply_sid(c, &item->id);
        reply_bulk(c, n->consumer->name, n->consumer->namelen);
        long long elapsed = now - n->delivery_time;
        reply_int(c, elapsed < 0 ? 0 : elapsed);
        reply_int(c, (long long)n->delivery_count);
    }
    reply_set_deferred_array(c, node, k);
}

/* ---- XCLAIM, XAUTOCLAIM ---- */

/* Give pending entry n (of id) to cons; the delivery counter moves unless
 * retry >= 0 sets it, or justid leaves it. */
static void claim_to(snack *n, const sid *id, sconsumer *cons, long long when, long long retry,
                     bool justid) {
    if (n->consumer != cons && n->consumer) sidmap_remove(&n->consumer->pel, id);
    n->delivery_time = when;
    if (retry >= 0) n->delivery_count = (uint64_t)retry;
    else if (!justid) n->delivery_count++;
    if (n->consumer != cons) {
        sidmap_insert(&cons->pel, id, n);
        n->consumer = cons;
    }
}

/* An entry deleted from the stream leaves the PEL (and that is propagated). */
static void drop_pending(client *c, sgroup *g, const sid *id, snack *n) {
    propagate_xclaim(c, &c->argv[1], g, &c->argv[2], id, n);
    srv.dirty++;
    sidmap_remove(&g->pel, id);
    sidmap_remove(&n->consumer->pel, id);
    mem_free(n);
}

static void reply_claimed(client *c, stream *s, const sid *id, bool justid) {
    if (justid) reply_sid(c, id);
    else reply_range(c, s, id, id, 1, false, NULL, NULL, RANGE_RAW, NULL);
}

static sconsumer *claim_consumer(client *c, sgroup *g) {
    long long now = util_mstime();
    sconsumer *cons = stream_consumer_find(g, c->argv[3].ptr, c->argv[3].len);
    if (cons == NULL) {
        cons = stream_consumer_create(g, c->argv[3].ptr, c->argv[3].len, now);
        event(c, &c->argv[1], "xgroup-createconsumer", 1);
    }
    cons->seen_time = now;
    return cons;
}

static void cmd_xclaim(client *c) {
    kv *e;
    sgroup *g;
    if (!lookup_group(c, &e, &g)) return;
    if (g == NULL) {
        reply_nogroup(c);
        return;
    }
    long long minidle, retry = -1, when = -1;
    bool force = false, justid = false;
    if (!arg_ll_msg(c, &c->argv[4], &minidle, ERR_XCLAIM_MINIDLE)) return;
    if (minidle < 0) minidle = 0;
    sid *ids = mem_alloc(sizeof(sid) * (size_t)(c->argc - 5 + 1));
    int j;
    for (j = 5; j < c->argc; j++)
        if (!sid_parse(c->argv[j].ptr, c->argv[j].len, &ids[j - 5], 0, true, NULL)) break;
    int last_id_arg = j - 1;
    long long now = util_mstime();
    sid lastid = {0, 0};
    for (; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        const slice *o = &c->argv[j];
        if (arg_is(o, "force")) {
            force = true;
        } else if (arg_is(o, "justid")) {
            justid = true;
        } else if (arg_is(o, "idle") && more) {
            if (!arg_ll_msg(c, &c->argv[++j], &when, ERR_XCLAIM_IDLE)) goto done;
            when = now - when;
        } else if (arg_is(o, "time") && more) {
            if (!arg_ll_msg(c, &c->argv[++j], &when, ERR_XCLAIM_TIME)) goto done;
        } else if (arg_is(o, "retrycount") && more) {
            if (!arg_ll_msg(c, &c->argv[++j], &retry, ERR_XCLAIM_RETRY)) goto done;
        } else if (arg_is(o, "lastid") && more) {
            if (!parse_id(c, &c->argv[++j], &lastid, 0, true)) goto done;
        } else {
            reply_errorf(c, ERR_XCLAIM_OPTION, (int)o->len, o->ptr);
            goto done;
        }
    }
    bool moved = false;
    if (sid_cmp(&lastid, &g->last_id) > 0) {
        g->last_id = lastid;
        moved = true;
    }
    if (when != -1) {
        if (when < 0 || when > now) when = now;
    } else {
        when = now;
    }
    stream *s = kv_ptr(e);
    sconsumer *cons = NULL; /* made at the first claim, as Redis 7.0 */
    void *node = reply_defer(c);
    long long n = 0;
    for (int k = 5; k <= last_id_arg; k++) {
        sid id = ids[k - 5];
        snack *nk = sidmap_find(&g->pel, &id);
        if (!stream_entry_exists(s, &id)) {
            if (nk) {
                drop_pending(c, g, &id, nk);
                moved = false; /* the XCLAIM carries LASTID */
            }
            continue;
        }
        if (force && nk == NULL) {
            nk = stream_nack_new(NULL, now);
            sidmap_insert(&g->pel, &id, nk);
        }
        if (nk == NULL) continue;
        if (nk->consumer && minidle && now - nk->delivery_time < minidle) continue;
        if (cons == NULL) cons = claim_consumer(c, g);
        claim_to(nk, &id, cons, when, retry, justid);
        reply_claimed(c, s, &id, justid);
        n++;
        propagate_xclaim(c, &c->argv[1], g, &c->argv[2], &id, nk);
        srv.dirty++;
        moved = false;
    }
    if (moved) {
        propagate_group_id(c, &c->argv[1], g, &c->argv[2]);
        srv.dirty++;
    }
    reply_set_deferred_array(c, node, n);
done:
    mem_free(ids);
}

static void cmd_xautoclaim(client *c) {
    long long minidle;
    long count = 100;
    bool justid = false;
    sid start;
    bool ex;
    /* Redis 7.0 looks the key up before it parses (an expired key goes, a
     * hit or miss counts, even when an argument is then refused); the type
     * and the group are checked after. */
    kv *e = db_find_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!arg_ll_msg(c, &c->argv[4], &minidle, ERR_XAUTOCLAIM_MINIDLE)) return;
    if (minidle < 0) minidle = 0;
    if (!parse_interval(c, &c->argv[5], &start, &ex, 0)) return;
    if (ex && !sid_incr(&start)) {
        reply_error(c, ERR_STREAM_START_ID);
        return;
    }
    for (int j = 6; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            long max = LONG_MAX / (long)(sizeof(sid) > XAUTOCLAIM_ATTEMPTS_FACTOR
                                             ? sizeof(sid)
                                             : XAUTOCLAIM_ATTEMPTS_FACTOR);
            if (!arg_long_range(c, &c->argv[j + 1], 1, max, &count, ERR_COUNT_NOT_POSITIVE)) return;
            j++;
        } else if (arg_is(&c->argv[j], "justid")) {
            justid = true;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (e && e->type != KV_STREAM) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    sgroup *g = e ? stream_group_find(kv_ptr(e), c->argv[2].ptr, c->argv[2].len) : NULL;
    if (g == NULL) {
        reply_nogroup(c);
        return;
    }
    stream *s = kv_ptr(e);
    sconsumer *cons = NULL; /* made at the first claim, as Redis 7.0 */
    long long attempts = (long long)count * XAUTOCLAIM_ATTEMPTS_FACTOR;
    /* Claim first, then reply: the cursor comes before the entries. */
    size_t cap = (size_t)(count < 1024 ? count : 1024), nclaimed = 0, ndeleted = 0;
    sid *claimed = mem_alloc(sizeof(sid) * cap), *deleted = mem_alloc(sizeof(sid) * cap);
    size_t claimed_cap = cap, deleted_cap = cap;
    long long now = util_mstime();
    size_t i = sidmap_lower(&g->pel, &start);
    while (attempts-- && count && i < sidmap_len(&g->pel)) {
        sidmap_item *item = sidmap_at(&g->pel, i);
        sid id = item->id;
        snack *nk = item->val;
        if (!stream_entry_exists(s, &id)) {
            drop_pending(c, g, &id, nk);
            if (ndeleted == deleted_cap) {
                deleted_cap *= 2;
                deleted = mem_realloc(deleted, sizeof(sid) * deleted_cap);
            }
            deleted[ndeleted++] = id;
            count--;
            continue; /* item i is now the next one */
        }
        i++;
        if (minidle && now - nk->delivery_time < minidle) continue;
        if (cons == NULL) cons = claim_consumer(c, g);
        claim_to(nk, &id, cons, now, -1, justid);
        if (nclaimed == claimed_cap) {
            claimed_cap *= 2;
            claimed = mem_realloc(claimed, sizeof(sid) * claimed_cap);
        }
        claimed[nclaimed++] = id;
        count--;
        propagate_xclaim(c, &c->argv[1], g, &c->argv[2], &id, nk);
        srv.dirty++;
    }
    sid next = {0, 0};
    if (i < sidmap_len(&g->pel)) next = sidmap_at(&g->pel, i)->id;
    reply_array(c, 3);
    reply_sid(c, &next);
    reply_array(c, (long long)nclaimed);
    for (size_t k = 0; k < nclaimed; k++) reply_claimed(c, s, &claimed[k], justid);
    reply_array(c, (long long)ndeleted);
    for (size_t k = 0; k < ndeleted; k++) reply_sid(c, &deleted[k]);
    mem_free(claimed);
    mem_free(deleted);
}

/* ---- XINFO ---- */

static void reply_group_lag(client *c, stream *s, const sgroup *g) {
    long long lag;
    if (stream_group_lag(s, g, &lag)) reply_int(c, lag);
    else reply_null(c);
}

static void reply_entries_read(client *c, const sgroup *g) {
    if (g->entries_read != SGROUP_ENTRIES_READ_INVALID) reply_int(c, g->entries_read);
    else reply_null(c);
}

static void reply_stream_head(client *c, stream *s) {
    reply_bulk_cstr(c, "length");
    reply_int(c, (long long)s->length);
    reply_bulk_cstr(c, "radix-tree-keys");
    reply_int(c, (long long)sidmap_len(&s->nodes));
    reply_bulk_cstr(c, "radix-tree-nodes");
    /* castor's index has no inner nodes: one per key plus its root */
    reply_int(c, (long long)sidmap_len(&s->nodes) + 1);
    reply_bulk_cstr(c, "last-generated-id");
    reply_sid(c, &s->last_id);
    reply_bulk_cstr(c, "max-deleted-entry-id");
    reply_sid(c, &s->max_deleted);
    reply_bulk_cstr(c, "entries-added");
    reply_int(c, (long long)s->entries_added);
    reply_bulk_cstr(c, "recorded-first-entry-id");
    reply_sid(c, &s->first_id);
}

/* XINFO STREAM FULL's "pending" of a group (with_consumer) or of one
 * consumer: the first 'count' entries (0: all) of the PEL, each its ID,
 * [its consumer,] its last delivery time and delivery count. */
static void reply_pel_full(client *c, const sidmap *pel, long long count, bool with_consumer) {
    size_t n = sidmap_len(pel);
    if (count && (size_t)count < n) n = (size_t)count;
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const sidmap_item *item = sidmap_at(pel, i);
        const snack *nk = item->val;
        reply_array(c, with_consumer ? 4 : 3);
        reply_sid(c, &item->id);
        if (with_consumer) reply_bulk(c, nk->consumer->name, nk->consumer->namelen);
        reply_int(c, nk->delivery_time);
        reply_int(c, (long long)nk->delivery_count);
    }
}

static void reply_group_full(client *c, stream *s, const sgroup *g, long long count) {
    reply_map(c, 7);
    reply_bulk_cstr(c, "name");
    reply_bulk(c, g->name, g->namelen);
    reply_bulk_cstr(c, "last-delivered-id");
    reply_sid(c, &g->last_id);
    reply_bulk_cstr(c, "entries-read");
    reply_entries_read(c, g);
    reply_bulk_cstr(c, "lag");
    reply_group_lag(c, s, g);
    reply_bulk_cstr(c, "pel-count");
    reply_int(c, (long long)sidmap_len(&g->pel));
    reply_bulk_cstr(c, "pending");
    reply_pel_full(c, &g->pel, count, true);
    reply_bulk_cstr(c, "consumers");
    reply_array(c, (long long)g->nconsumers);
    for (size_t i = 0; i < g->nconsumers; i++) {
        sconsumer *cons = g->consumers[i];
        reply_map(c, 4);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, cons->name, cons->namelen);
        reply_bulk_cstr(c, "seen-time");
        reply_int(c, cons->seen_time);
        reply_bulk_cstr(c, "pel-count");
        reply_int(c, (long long)sidmap_len(&cons->pel));
        reply_bulk_cstr(c, "pending");
        reply_pel_full(c, &cons->pel, count, false);
    }
}

static void reply_subcmd_syntax(client *c) { reply_error_subcommand(c, "XINFO"); }

static kv *xinfo_stream(client *c) {
    kv *e;
    if (!find_stream(c, &c->argv[2], false, &e)) return NULL;
    if (e == NULL) reply_error(c, ERR_NO_KEY);
    return e;
}

static void cmd_xinfo_stream(client *c) {
    kv *e = xinfo_stream(c);
    if (e == NULL) return;
    stream *s = kv_ptr(e);
    bool full = c->argc > 3;
    long long count = 10;
    if (full) {
        if ((c->argc != 4 && c->argc != 6) || !arg_is(&c->argv[3], "full")) {
            reply_subcmd_syntax(c);
            return;
        }
        if (c->argc == 6) {
            if (!arg_is(&c->argv[4], "count")) {
                reply_subcmd_syntax(c);
                return;
            }
            if (!arg_ll(c, &c->argv[5], &count)) return;
            if (count < 0) count = 10;
        }
    }
    reply_map(c, full ? 9 : 10);
    reply_stream_head(c, s);
    if (!full) {
        reply_bulk_cstr(c, "groups");
        reply_int(c, (long long)s->ngroups);
        sid lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
        reply_bulk_cstr(c, "first-entry");
        if (!reply_range(c, s, &lo, &hi, 1, false, NULL, NULL, RANGE_RAW, NULL)) reply_null(c);
        reply_bulk_cstr(c, "last-entry");
        if (!reply_range(c, s, &lo, &hi, 1, true, NULL, NULL, RANGE_RAW, NULL)) reply_null(c);
        return;
    }
    reply_bulk_cstr(c, "entries");
    reply_range(c, s, NULL, NULL, (size_t)count, false, NULL, NULL, 0, NULL);
    reply_bulk_cstr(c, "groups");
    reply_array(c, (long long)s->ngroups);
    for (size_t i = 0; i < s->ngroups; i++) reply_group_full(c, s, s->groups[i], count);
}

static void cmd_xinfo_groups(client *c) {
    kv *e = xinfo_stream(c);
    if (e == NULL) return;
    stream *s = kv_ptr(e);
    reply_array(c, (long long)s->ngroups);
    for (size_t i = 0; i < s->ngroups; i++) {
        sgroup *g = s->groups[i];
        reply_map(c, 6);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, g->name, g->namelen);
        reply_bulk_cstr(c, "consumers");
        reply_int(c, (long long)g->nconsumers);
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)sidmap_len(&g->pel));
        reply_bulk_cstr(c, "last-delivered-id");
        reply_sid(c, &g->last_id);
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c, "lag");
        reply_group_lag(c, s, g);
    }
}

static void cmd_xinfo_consumers(client *c) {
    kv *e = xinfo_stream(c);
    if (e == NULL) return;
    stream *s = kv_ptr(e);
    sgroup *g = stream_group_find(s, c->argv[3].ptr, c->argv[3].len);
    if (g == NULL) {
        reply_errorf(c, ERR_NOGROUP_FOR_KEY, (int)c->argv[3].len, c->argv[3].ptr,
                     (int)c->argv[2].len, c->argv[2].ptr);
        return;
    }
    long long now = util_mstime();
    reply_array(c, (long long)g->nconsumers);
    for (size_t i = 0; i < g->nconsumers; i++) {
        sconsumer *cons = g->consumers[i];
        long long idle = now - cons->seen_time;
        reply_map(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, cons->name, cons->namelen);
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)sidmap_len(&cons->pel));
        reply_bulk_cstr(c, "idle");
        reply_int(c, idle < 0 ? 0 : idle);
    }
}

static void cmd_xinfo_help(client *c) {
    static const char *help[] = {"CONSUMERS <key> <groupname>",
                                 "    Show consumers of <groupname>.",
                                 "GROUPS <key>",
                                 "    Show the stream consumer groups.",
                                 "STREAM <key> [FULL [COUNT <count>]",
                                 "    Show information about the stream.",
                                 NULL};
    reply_help(c, "XINFO", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command xgroup_subcommands[] = {
    {.name = "create", .proc = cmd_xgroup_create, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "setid", .proc = cmd_xgroup_setid, .arity = -5, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "destroy", .proc = cmd_xgroup_destroy, .arity = 4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "createconsumer", .proc = cmd_xgroup_createconsumer, .arity = 5,
     .flags = CMD_WRITE | CMD_DENYOOM, .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "delconsumer", .proc = cmd_xgroup_delconsumer, .arity = 5, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "help", .proc = cmd_xgroup_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_STREAM | ACL_SLOW},
    {.name = NULL}};

static command xinfo_subcommands[] = {
    {.name = "stream", .proc = cmd_xinfo_stream, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "groups", .proc = cmd_xinfo_groups, .arity = 3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "consumers", .proc = cmd_xinfo_consumers, .arity = 4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {2, 2, 1}},
    {.name = "help", .proc = cmd_xinfo_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_STREAM | ACL_SLOW},
    {.name = NULL}};

command t_stream_commands[] = {
    {.name = "xadd", .proc = cmd_xadd, .arity = -5, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xrange", .proc = cmd_xrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "xrevrange", .proc = cmd_xrevrange, .arity = -4, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "xlen", .proc = cmd_xlen, .arity = 2, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xdel", .proc = cmd_xdel, .arity = -3, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xtrim", .proc = cmd_xtrim, .arity = -4, .flags = CMD_WRITE,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "xsetid", .proc = cmd_xsetid, .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xread", .proc = cmd_xread, .getkeys = xread_getkeys, .arity = -4,
     .flags = CMD_READONLY | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW | ACL_BLOCKING},
    {.name = "xreadgroup", .proc = cmd_xread, .getkeys = xread_getkeys, .arity = -7,
     .flags = CMD_WRITE | CMD_BLOCKING | CMD_MOVABLE_KEYS,
     .acl = ACL_WRITE | ACL_STREAM | ACL_SLOW | ACL_BLOCKING},
    {.name = "xgroup", .arity = -2, .acl = ACL_SLOW, .subcmds = xgroup_subcommands},
    {.name = "xack", .proc = cmd_xack, .arity = -4, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xpending", .proc = cmd_xpending, .arity = -3, .flags = CMD_READONLY,
     .acl = ACL_READ | ACL_STREAM | ACL_SLOW, .keys = {1, 1, 1}},
    {.name = "xclaim", .proc = cmd_xclaim, .arity = -6, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xautoclaim", .proc = cmd_xautoclaim, .arity = -6, .flags = CMD_WRITE | CMD_FAST,
     .acl = ACL_WRITE | ACL_STREAM | ACL_FAST, .keys = {1, 1, 1}},
    {.name = "xinfo", .arity = -2, .acl = ACL_SLOW, .subcmds = xinfo_subcommands},
    {.name = NULL}};
/* clang-format on */
