/* lazyfree.c -- freeing large values and whole databases off the main
 * thread: UNLINK, DEL under lazyfree-lazy-user-del, FLUSHDB/FLUSHALL ASYNC
 * (or under lazyfree-lazy-user-flush).
 *
 * As in Redis, a value goes to the background thread only when freeing it
 * is real work: its free effort (about the allocations it holds) is above
 * LAZYFREE_THRESHOLD; a small value costs less to free at once than to
 * hand over. The value was unlinked from the keyspace before it gets here,
 * so nothing else can reach it: the thread owns it alone. Queued values are
 * chained through their own (now unused) dict link: no allocation.
 * INFO: lazyfree_pending_objects, lazyfreed_objects.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lazyfree.h"

#include <pthread.h>

#include "dict.h"
#include "kv.h"
#include "log.h"
#include "quicklist.h"
#include "stream.h"
#include "zset.h"

/* Redis's LAZYFREE_THRESHOLD: below this effort the value is freed now. */
#define LAZYFREE_THRESHOLD 64

typedef struct job {
    dict_link *values; /* kv chain, through link.next */
    dict *keys;        /* a database's whole keyspace, or NULL */
    struct job *next;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool started;
static dict_link *queued_values; /* guarded by mu */
static dict *queued_dicts[64];   /* guarded by mu; a flush of all dbs fits */
static size_t nqueued_dicts;
static long long pending, freed; /* atomics: objects queued, freed */

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (queued_values == NULL && nqueued_dicts == 0) pthread_cond_wait(&cv, &mu);
        dict_link *values = queued_values;
        queued_values = NULL;
        dict *d = nqueued_dicts ? queued_dicts[--nqueued_dicts] : NULL;
        pthread_mutex_unlock(&mu);
        while (values) {
            dict_link *next = values->next;
            kv_free((kv *)values);
            values = next;
            __atomic_sub_fetch(&pending, 1, __ATOMIC_RELAXED);
            __atomic_add_fetch(&freed, 1, __ATOMIC_RELAXED);
        }
        if (d) {
            long long n = (long long)dict_len(d);
            dict_free(d);
            __atomic_sub_fetch(&pending, n, __ATOMIC_RELAXED);
            __atomic_add_fetch(&freed, n, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

static bool start(void) {
    if (started) return true;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_msg(LOG_WARNING, "Can't start the lazy free thread: freeing synchronously");
        return false;
    }
    started = true;
    return true;
}

/* About how many allocations freeing e's value takes (Redis's
 * lazyfreeGetFreeEffort): 1 for a value in one allocation. */
static size_t free_effort(kv *e) {
    switch (e->type) {
    case KV_LIST: return e->enc == KV_ENC_QUICKLIST ? ((quicklist *)kv_ptr(e))->len : 1;
    case KV_SET:
    case KV_HASH: return e->enc == KV_ENC_HT ? dict_len((dict *)kv_ptr(e)) : 1;
    case KV_ZSET: return e->enc == KV_ENC_SKIPLIST ? zset_len(e) : 1;
    case KV_STREAM: {
        /* Every node is an allocation, every group and its PEL entries
         * too (the first group's PEL stands for all, as Redis counts). */
        const stream *s = kv_ptr(e);
        size_t n = sidmap_len(&s->nodes);
        if (s->ngroups) n += s->ngroups * (1 + sidmap_len(&s->groups[0]->pel));
        return n;
    }
    default: return 1;
    }
}

void lazyfree_value(kv *e) {
    if (e == NULL) return;
    if (free_effort(e) <= LAZYFREE_THRESHOLD || !start()) {
        kv_free(e);
        return;
    }
    __atomic_add_fetch(&pending, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&mu);
    e->link.next = queued_values;
    queued_values = &e->link;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

bool lazyfree_keys(dict *keys) {
    if (!start()) return false;
    pthread_mutex_lock(&mu);
    bool room = nqueued_dicts < sizeof(queued_dicts) / sizeof(queued_dicts[0]);
    if (room) {
        __atomic_add_fetch(&pending, (long long)dict_len(keys), __ATOMIC_RELAXED);
        queued_dicts[nqueued_dicts++] = keys;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&mu);
    return room;
}

long long lazyfree_pending(void) { return __atomic_load_n(&pending, __ATOMIC_RELAXED); }
long long lazyfree_freed(void) { return __atomic_load_n(&freed, __ATOMIC_RELAXED); }
void lazyfree_reset_stats(void) { __atomic_store_n(&freed, 0, __ATOMIC_RELAXED); }
