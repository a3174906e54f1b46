/* lazyfree.h -- freeing large values and whole keyspaces on a background
 * thread (UNLINK, FLUSHDB/FLUSHALL ASYNC, lazyfree-lazy-user-*). */
#ifndef CASTOR_LAZYFREE_H
#define CASTOR_LAZYFREE_H

#include <stdbool.h>

#include "dict.h"
#include "kv.h"

/* Free e, already unlinked from its database: on the background thread
 * if that is much work (Redis's free effort above 64), else now. */
void lazyfree_value(kv *e);
/* Free a database's whole keyspace dict (detached by db_detach_keys()) on
 * the background thread; false if it can't (the caller frees it). */
bool lazyfree_keys(dict *keys);
/* INFO lazyfree_pending_objects, lazyfreed_objects (CONFIG RESETSTAT
 * zeroes the second). */
long long lazyfree_pending(void);
long long lazyfree_freed(void);
void lazyfree_reset_stats(void);

#endif
