/* scan.c -- the parts of the SCAN family that do not depend on what is
 * scanned: cursor and option parsing with Redis's errors, and the walk of
 * a dict bounded by COUNT. The callers (keys.c, t_set.c, t_hash.c,
 * t_zset.c) filter and reply, since only they know their entries.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "scan.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtable.h"
#include "errors.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

bool scan_parse_cursor(client *c, const slice *a, unsigned long *out) {
    char tmp[64];
    if (a->len >= sizeof(tmp)) goto invalid;
    memcpy(tmp, a->ptr, a->len);
    tmp[a->len] = '\0';
    if (isspace((unsigned char)tmp[0])) goto invalid;
    char *end;
    errno = 0;
    *out = strtoul(tmp, &end, 10);
    if (*end != '\0' || errno == ERANGE) goto invalid;
    return true;
invalid:
    reply_error(c, "ERR invalid cursor");
    return false;
}

bool scan_parse_opts(client *c, int from, scan_opts *o) {
    o->pat = NULL;
    o->count = 10;
    for (int i = from; i < c->argc; i += 2) {
        bool more = i + 1 < c->argc;
        if (more && cmd_arg_is(&c->argv[i], "count")) {
            if (!cmd_arg_ll(c, &c->argv[i + 1], &o->count)) return false;
            if (o->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return false;
            }
        } else if (more && cmd_arg_is(&c->argv[i], "match")) {
            const slice *p = &c->argv[i + 1];
            o->pat = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
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
