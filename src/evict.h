/* evict.h -- maxmemory: access tracking (LRU/LFU) and eviction. */
#ifndef CASTOR_EVICT_H
#define CASTOR_EVICT_H

#include <stdbool.h>

#include "kv.h"

/* maxmemory-policy values, in config.c's enum order. */
enum {
    POLICY_VOLATILE_LRU = 0,
    POLICY_VOLATILE_LFU = 1,
    POLICY_VOLATILE_RANDOM = 2,
    POLICY_VOLATILE_TTL = 3,
    POLICY_ALLKEYS_LRU = 4,
    POLICY_ALLKEYS_LFU = 5,
    POLICY_ALLKEYS_RANDOM = 6,
    POLICY_NOEVICTION = 7,
};

bool evict_policy_is_lfu(void);
/* Record an access to e (LRU clock, or LFU counter with decay). */
void evict_touch(kv *e);
/* Initial access data for a new entry. */
void evict_init_entry(kv *e);
/* The LFU counter after decay (OBJECT FREQ). */
unsigned evict_lfu_counter(const kv *e);
/* Seconds since the last access, for LRU entries (OBJECT IDLETIME). */
unsigned long long evict_idle_seconds(const kv *e);
/* Access data given from outside (RDB IDLE/FREQ opcodes, RESTORE IDLETIME/FREQ),
 * as Redis's objectSetLRUOrLFU: under an LFU policy a freq >= 0 (0..255)
 * becomes the counter; otherwise an idle time >= 0 (seconds) backdates the
 * LRU clock. The other value, or -1, is ignored. Returns true if set. */
bool evict_set_access(kv *e, long long lfu_freq, long long lru_idle);

/* Free memory down to maxmemory if needed. Returns false when memory is
 * still above the limit (the caller refuses writes with -OOM). */
bool evict_perform(void);
/* Is used memory above maxmemory (nothing evicted)? */
bool evict_over_limit(void);

#endif
