/* scan.h -- what SCAN, SSCAN, HSCAN and ZSCAN share: Redis's parsing of
 * the cursor and of MATCH/COUNT/TYPE, the bounded walk of a dict that
 * scanGenericCommand() does, and the [cursor, [elements]] reply. */
#ifndef CASTOR_SCAN_H
#define CASTOR_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "dict.h"

typedef struct scan_opts {
    const slice *pat;  /* NULL: no MATCH, or MATCH "*" */
    const slice *type; /* TYPE (SCAN only); NULL if not given */
    long long count;   /* COUNT, 10 by default */
} scan_opts;

/* Parse a cursor as Redis's parseScanCursorOrReply (strtoul of the whole
 * argument, so "-1" wraps and leading zeros are fine); replies "ERR
 * invalid cursor" and returns false if it is not one. */
bool scan_parse_cursor(client *c, const slice *a, unsigned long *out);

/* Parse [MATCH pattern] [COUNT count] pairs from argv[from] on, and
 * [TYPE type] too if 'type_ok' (SCAN: the filter is the caller's). Replies
 * Redis's error and returns false on a bad option or a COUNT below 1. */
bool scan_parse_opts(client *c, int from, bool type_ok, scan_opts *o);

/* Does the element match the options' pattern (always, without one)? */
bool scan_match(const scan_opts *o, const char *p, size_t len);

/* Walk d from *cursor as Redis does: until o->count entries are collected,
 * the cursor is back at 0, or 10 * count buckets were seen. Returns the
 * entries (caller frees the array, not the entries; they stay valid until
 * d changes), their number in *n, and the next cursor in *cursor. */
void **scan_dict(dict *d, unsigned long *cursor, const scan_opts *o, size_t *n);

/* Reply the cursor of [cursor, [elements]] and return the deferred length
 * of the elements, for reply_set_deferred_array(). */
void *scan_reply_start(client *c, unsigned long cursor);
/* Reply [0, []]: the scan of a missing key. */
void scan_reply_empty(client *c);

#endif
