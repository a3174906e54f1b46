/* t_list.h -- the list type, for files outside t_list.c that look inside
 * a list value (DEBUG DIGEST, SORT, RDB, RESTORE). The commands are in
 * t_list.c's table. A list value is a quicklist (quicklist.h), the
 * only list encoding of Redis 7.0. */
#ifndef CASTOR_T_LIST_H
#define CASTOR_T_LIST_H

#include <stddef.h>

#include "cmdtable.h"
#include "kv.h"
#include "quicklist.h"

/* Registers the list value callbacks (free, dup, size) with kv.c. */
void list_init(void);

/* An empty quicklist with the current list-max-listpack-size and
 * list-compress-depth (a list keeps the options it was created with). */
quicklist *list_new(void);

/* Number of elements of a KV_LIST entry. */
unsigned long list_len(const kv *e);

/* Call fn for every element, head to tail; integers are passed as their
 * decimal text. fn must not change the list. */
typedef void list_elem_fn(void *priv, const char *p, size_t len);
void list_foreach(const kv *e, list_elem_fn *fn, void *priv);

/* The command table, registered by server.c. */
extern command t_list_commands[];

#endif
