/* ptrset.h -- a set of pointers: open addressing with linear probing,
 * hashed by the pointer's own value, backward-shift deletion (no
 * tombstones). About 14 bytes per member at its usual load. The keyspace
 * keeps one per cluster slot (db.c) so a slot's keys are listed without a
 * walk of the whole keyspace. A listing starts at the lowest index that may
 * hold a member, so listing and removing the first members over and over
 * (CLUSTER GETKEYSINSLOT then MIGRATE, slot after slot) does not rescan the
 * emptied front of the table each time. Pure: no server state. */
#ifndef CASTOR_PTRSET_H
#define CASTOR_PTRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ptrset {
    void **tab;    /* NULL when empty */
    uint32_t bits; /* capacity is 1 << bits (0 when tab is NULL) */
    uint32_t len;  /* members */
    uint32_t lo;   /* no member sits below this index */
} ptrset;

/* Add p, which the set must not hold. */
void ptrset_add(ptrset *s, void *p);
/* Remove p; false if it was not there. */
bool ptrset_remove(ptrset *s, void *p);
/* p moved to q (a reallocated entry): one removal, one insertion. */
void ptrset_replace(ptrset *s, void *p, void *q);
bool ptrset_has(const ptrset *s, const void *p);
/* Up to max members into out[]; returns how many. Moves s->lo up to the
 * first member found. */
size_t ptrset_list(ptrset *s, void **out, size_t max);
/* Forget every member and the table. */
void ptrset_clear(ptrset *s);
/* Bytes of the table. */
size_t ptrset_bytes(const ptrset *s);

#endif
