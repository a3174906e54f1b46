/* t_list.h -- the list type, for files outside t_list.c that look inside
 * a list value (DEBUG DIGEST, SORT, RDB, RESTORE). The commands are in
 * t_list.c's table. A list value is a quicklist (quicklist.h), the
 * only list encoding of Redis 7.0. */
#ifndef CASTOR_T_LIST_H
#define CASTOR_T_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
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

/* For the blocking list commands (blocking.c), which serve waiters with
 * what the non-blocking ones do. Each returns false, without replying,
 * when no key held a list to take from; else true after replying (an
 * error included). */
/* BLPOP/BRPOP: pop one element from the first non-empty list among keys;
 * replies [key, element] and propagates the pop. 'served': c is a blocked
 * client being served, whose pop counts no change (dirty), as Redis's
 * serveClientBlockedOnList (BLMPOP's counts its elements there too). */
bool list_pop_first(client *c, const slice *keys, int nkeys, int where, bool served);
/* LMPOP, BLMPOP: pop up to count elements from the first non-empty list
 * among keys; replies [key, [elements]] and propagates [LR]POP key count. */
bool list_mpop(client *c, const slice *keys, int nkeys, int where, long count);
/* LMOVE, BLMOVE, (B)RPOPLPUSH: move one element from argv[1]'s 'from' end
 * to argv[2]'s 'to' end and reply it (WRONGTYPE if argv[2] is no list);
 * propagates LMOVE, or RPOPLPUSH if 'rpoplpush'. 'served' as above. */
bool list_move(client *c, int from, int to, bool rpoplpush, bool served);
/* Parse LEFT (QL_HEAD) or RIGHT (QL_TAIL); replies a syntax error otherwise. */
bool list_parse_side(client *c, const slice *a, int *where);
/* "numkeys key... LEFT|RIGHT [COUNT n]" from argv[idx] (LMPOP, BLMPOP). */
bool list_parse_mpop(client *c, int idx, long *numkeys, int *where, long *count);

/* The command table, registered by server.c. */
extern command t_list_commands[];

#endif
