/* scan.c -- the parts of the SCAN family that do not depend on what is
 * scanned: cursor and option parsing with Redis's errors, the walk of a
 * dict bounded by COUNT, and the frame of the reply. The callers (keys.c,
 * t_set.c, t_hash.c, t_zset.c) filter and reply the elements, since only
 * they know their entries; a small encoding (listpack, intset) they answer
 * whole with cursor 0, as Redis does.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "scan.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "errors.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

bool scan_parse_cursor(client *c, const slice *a, unsigned long *out) {
    /* strtoul needs a terminated copy; a long one (leading zeros) is rare. */
    char small[64];
    char *tmp = a->len < sizeof(small) ? small : mem_alloc(a->len + 1);
    memcpy(tmp, a->ptr, a->len);
    tmp[a->len] = '\0';
    char *end;
    errno = 0;
    *out = strtoul(tmp, &end, 10);
    bool ok = !isspace((unsigned char)tmp[0]) && *end == '\0' && errno != ERANGE;
    if (tmp != small) mem_free(tmp);
    if (!ok) reply_error(c, ERR_CURSOR);
    return ok;
}

bool scan_parse_opts(client *c, int from, bool type_ok, scan_opts *o) {
    o->pat = NULL;
    o->type = NULL;
    o->count = 10;
    for (int i = from; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (more && arg_is(&c->argv[i], "count")) {
            if (!arg_ll(c, &c->argv[i + 1], &o->count)) return false;
            if (o->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return false;
            }
        } else if (more && arg_is(&c->argv[i], "match")) {
            const slice *p = &c->argv[i + 1];
            o->pat = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
        } else if (more && type_ok && arg_is(&c->argv[i], "type")) {
            o->type = &c->argv[i + 1];
        } else {
            reply_error(c, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

bool scan_match(const scan_opts *o, const char *p, size_t len) {
    return o->pat == NULL || util_glob_match(o->pat->ptr, o->pat->len, p, len, false);
}

typedef struct acc {
    void **items;
    size_t len, cap;
} acc;

static void collect(void *priv, void *entry) {
    acc *a = priv;
    if (a->len == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->items = mem_realloc(a->items, a->cap * sizeof(void *));
    }
    a->items[a->len++] = entry;
}

void **scan_dict(dict *d, unsigned long *cursor, const scan_opts *o, size_t *n) {
    acc a = {0};
    unsigned long v = *cursor;
    long long maxiter = o->count > LLONG_MAX / 10 ? LLONG_MAX : o->count * 10;
    do {
        v = dict_scan(d, v, collect, &a);
    } while (v && maxiter-- && a.len < (size_t)o->count);
    *cursor = v;
    *n = a.len;
    return a.items;
}

void *scan_reply_start(client *c, unsigned long cursor) {
    reply_array(c, 2);
    /* Redis prints the cursor signed; dict_scan never returns one past
     * its largest table mask, so the sign never shows. */
    reply_bulk_ll(c, (long long)cursor);
    return reply_defer(c);
}

void scan_reply_empty(client *c) { reply_raw(c, "*2\r\n$1\r\n0\r\n*0\r\n", 15); }
