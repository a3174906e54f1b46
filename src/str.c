/* str.c -- growable byte strings (see str.h).
 *
 * Growth doubles up to 1 MiB and then adds 1 MiB at a time, so appending n
 * bytes one at a time is O(n) amortised without wasting half of a huge
 * buffer. Capacity follows the allocator's usable size, so no slack is lost.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "str.h"

#include <stdio.h>
#include <string.h>

#define STR_MAX_PREALLOC (1024 * 1024)

static str *alloc_cap(size_t cap) {
    str *s = mem_alloc(sizeof(str) + cap + 1);
    s->cap = mem_usable(s) - sizeof(str) - 1;
    s->len = 0;
    s->buf[0] = '\0';
    return s;
}

str *str_new_cap(size_t cap) { return alloc_cap(cap); }

str *str_new(const void *p, size_t len) {
    str *s = alloc_cap(len);
    if (len) memcpy(s->buf, p, len);
    s->len = len;
    s->buf[len] = '\0';
    return s;
}

str *str_from(const char *cstr) { return str_new(cstr, strlen(cstr)); }

void str_free(str *s) { mem_free(s); }

str *str_reserve(str *s, size_t add) {
    if (s->cap - s->len >= add) return s;
    size_t need = s->len + add;
    size_t cap = need < STR_MAX_PREALLOC ? need * 2 : need + STR_MAX_PREALLOC;
    s = mem_realloc(s, sizeof(str) + cap + 1);
    s->cap = mem_usable(s) - sizeof(str) - 1;
    return s;
}

str *str_grow_to(str *s, size_t cap) {
    if (s->cap >= cap) return s;
    s = mem_realloc(s, sizeof(str) + cap + 1);
    s->cap = mem_usable(s) - sizeof(str) - 1;
    return s;
}

str *str_cat(str *s, const void *p, size_t len) {
    s = str_reserve(s, len);
    if (len) memcpy(s->buf + s->len, p, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return s;
}

str *str_catc(str *s, const char *cstr) { return str_cat(s, cstr, strlen(cstr)); }

str *str_catvfmt(str *s, const char *fmt, va_list ap) {
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(s->buf + s->len, s->cap - s->len + 1, fmt, cp);
    va_end(cp);
    if (n < 0) return s;
    if ((size_t)n > s->cap - s->len) {
        s = str_reserve(s, (size_t)n);
        vsnprintf(s->buf + s->len, s->cap - s->len + 1, fmt, ap);
    }
    s->len += (size_t)n;
    return s;
}

str *str_catfmt(str *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = str_catvfmt(s, fmt, ap);
    va_end(ap);
    return s;
}

str *str_fmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    str *s = str_catvfmt(alloc_cap(64), fmt, ap);
    va_end(ap);
    return s;
}

void str_setlen(str *s, size_t len) {
    s->len = len;
    s->buf[len] = '\0';
}

str *str_catrepr(str *s, const char *p, size_t len) {
    s = str_cat(s, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\\': s = str_cat(s, "\\\\", 2); break;
        case '"': s = str_cat(s, "\\\"", 2); break;
        case '\n': s = str_cat(s, "\\n", 2); break;
        case '\r': s = str_cat(s, "\\r", 2); break;
        case '\t': s = str_cat(s, "\\t", 2); break;
        case '\a': s = str_cat(s, "\\a", 2); break;
        case '\b': s = str_cat(s, "\\b", 2); break;
        default:
            if (ch >= 0x20 && ch < 0x7f) s = str_cat(s, p + i, 1);
            else s = str_catfmt(s, "\\x%02x", ch);
            break;
        }
    }
    return str_cat(s, "\"", 1);
}

void str_consume(str *s, size_t n) {
    if (n == 0) return;
    if (n >= s->len) {
        str_setlen(s, 0);
        return;
    }
    memmove(s->buf, s->buf + n, s->len - n);
    str_setlen(s, s->len - n);
}

str *str_shrink(str *s) {
    if (s->cap == s->len) return s;
    s = mem_realloc(s, sizeof(str) + s->len + 1);
    s->cap = mem_usable(s) - sizeof(str) - 1;
    return s;
}

size_t str_alloc_size(const str *s) { return mem_usable(s); }
