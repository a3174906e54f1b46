/* str.h -- growable byte strings and borrowed byte slices.
 *
 * A str is a heap buffer with its length and capacity in front; buf is
 * always NUL-terminated so it can be handed to libc. Functions that may move
 * the string return the new pointer (MUST_USE). A slice is a borrowed view:
 * ptr/len into someone else's memory, valid as long as that memory is. */
#ifndef CASTOR_STR_H
#define CASTOR_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mem.h"

typedef struct str {
    size_t len;
    size_t cap; /* bytes available in buf, not counting the NUL */
    char buf[];
} str;

typedef struct slice {
    char *ptr;
    size_t len;
} slice;

str *str_new(const void *p, size_t len) MUST_USE;
str *str_new_cap(size_t cap) MUST_USE;
str *str_from(const char *cstr) MUST_USE;
void str_free(str *s);
str *str_cat(str *s, const void *p, size_t len) MUST_USE;
str *str_catc(str *s, const char *cstr) MUST_USE;
str *str_catfmt(str *s, const char *fmt, ...) MUST_USE __attribute__((format(printf, 2, 3)));
str *str_catvfmt(str *s, const char *fmt, va_list ap) MUST_USE;
/* Append p[0..len) in double quotes with Redis's sdscatrepr escapes
 * (\\ \" \n \r \t \a \b, \xHH for other non-printable bytes): one line
 * that redis.conf quoting reads back as exactly those bytes. */
str *str_catrepr(str *s, const char *p, size_t len) MUST_USE;
/* Split one line into words with redis.conf quoting (Redis's
 * sdssplitargs): "..." with \n \r \t \b \a \xHH and \<char>, '...' with \'.
 * Returns the count (0 for a blank line), -1 on unbalanced quotes; *argv
 * is set on success (free with str_free_args). str_catrepr() writes what
 * this reads back as one word. */
int str_split_args(const char *line, str ***argv);
void str_free_args(str **argv, int argc);
str *str_fmt(const char *fmt, ...) MUST_USE __attribute__((format(printf, 1, 2)));
/* Make room for at least 'add' more bytes without changing len. */
str *str_reserve(str *s, size_t add) MUST_USE;
/* Grow capacity to at least cap bytes exactly (no doubling). */
str *str_grow_to(str *s, size_t cap) MUST_USE;
/* Set length to len (<= cap), writing the NUL. */
void str_setlen(str *s, size_t len);
/* Drop the first n bytes, moving the rest to the front. */
void str_consume(str *s, size_t n);
/* Release spare capacity beyond len. */
str *str_shrink(str *s) MUST_USE;
/* Usable allocation size, for memory accounting. */
size_t str_alloc_size(const str *s);

static inline slice slice_of(const char *p, size_t len) { return (slice){(char *)p, len}; }

/* Same bytes? */
static inline bool str_eq(const str *a, const str *b) {
    return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

#endif
