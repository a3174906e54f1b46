/* keyspecs.c -- lookup in the table of what Redis 7.0 reports about its
 * commands beyond castor's command table (key specs, tips, docs).
 *
 * The table itself, keyspecs.def, is generated from redis-server by
 * scripts/gen-keyspecs.py and included here; it lists every command Redis
 * has, castor's and the others, sorted by full name. cmdinfo.c replies
 * COMMAND INFO and COMMAND DOCS from it.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "keyspecs.h"

#include <stdlib.h>
#include <string.h>

#include "keyspecs.def"

static int by_name(const void *key, const void *entry) {
    return strcmp(key, ((const cmd_meta *)entry)->fullname);
}

const cmd_meta *keyspecs_find(const char *fullname) {
    return bsearch(fullname, table, sizeof(table) / sizeof(table[0]), sizeof(table[0]), by_name);
}
