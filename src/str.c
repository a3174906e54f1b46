/* str.c -- growable byte strings (see str.h).
 *
 * Growth doubles up to 1 MiB and then adds 1 MiB at a time, so appending n
 * bytes one at a time is O(n) amortised without wasting half of a huge
 * buffer. Capacity follows the allocator's usable size, so no slack is lost.
 * Also the redis.conf word splitter (str_split_args), shared by the
 * configuration and ACL rules.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "str.h"

#include <ctype.h>
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

/* ---- Words and quoting ---- */

static bool is_hex(char c) { return isxdigit((unsigned char)c) != 0; }

static int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    return (tolower((unsigned char)c) - 'a') + 10;
}

void str_free_args(str **argv, int argc) {
    for (int i = 0; i < argc; i++) str_free(argv[i]);
    mem_free(argv);
}

int str_split_args(const char *line, str ***argv_out) {
    const char *p = line;
    str **argv = NULL;
    int argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '\0') break;
        bool inq = false, insq = false, done = false;
        str *cur = str_new(NULL, 0);
        while (!done) {
            if (inq) {
                if (p[0] == '\\' && p[1] == 'x' && is_hex(p[2]) && is_hex(p[3])) {
                    char byte = (char)(hex_val(p[2]) * 16 + hex_val(p[3]));
                    cur = str_cat(cur, &byte, 1);
                    p += 3;
                } else if (p[0] == '\\' && p[1]) {
                    p++;
                    char ch;
                    switch (*p) {
                    case 'n': ch = '\n'; break;
                    case 'r': ch = '\r'; break;
                    case 't': ch = '\t'; break;
                    case 'b': ch = '\b'; break;
                    case 'a': ch = '\a'; break;
                    default: ch = *p; break;
                    }
                    cur = str_cat(cur, &ch, 1);
                } else if (*p == '"') {
                    /* A closing quote must end the word. */
                    if (p[1] && !isspace((unsigned char)p[1])) goto err;
                    done = true;
                } else if (*p == '\0') {
                    goto err; /* unterminated quotes */
                } else {
                    cur = str_cat(cur, p, 1);
                }
            } else if (insq) {
                if (p[0] == '\\' && p[1] == '\'') {
                    p++;
                    cur = str_cat(cur, "'", 1);
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) goto err;
                    done = true;
                } else if (*p == '\0') {
                    goto err;
                } else {
                    cur = str_cat(cur, p, 1);
                }
            } else {
                switch (*p) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = true; break;
                case '"': inq = true; break;
                case '\'': insq = true; break;
                default: cur = str_cat(cur, p, 1); break;
                }
            }
            if (*p) p++;
        }
        argv = mem_realloc(argv, sizeof(str *) * (size_t)(argc + 1));
        argv[argc++] = cur;
        continue;
    err:
        str_free(cur);
        str_free_args(argv, argc);
        *argv_out = NULL;
        return -1;
    }
    *argv_out = argv;
    return argc;
}
