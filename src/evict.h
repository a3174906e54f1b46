/* evict.h -- maxmemory: eviction of keys by the access data db.c keeps. */
#ifndef CASTOR_EVICT_H
#define CASTOR_EVICT_H

#include <stdbool.h>

/* Free memory down to maxmemory if needed. Returns false when memory is
 * still above the limit (the caller refuses writes with -OOM). */
bool evict_perform(void);
/* Is used memory above maxmemory (nothing evicted)? */
bool evict_over_limit(void);

#endif
