/* ptrset.c -- a set of pointers (see ptrset.h).
 * The load stays between 1/8 and 3/4: grown by doubling, shrunk by
 * halving, both by reinserting every member.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "ptrset.h"

#include "mem.h"

/* Fibonacci hashing of the address (its low 4 bits are alignment). */
static uint32_t home(const void *p, uint32_t bits) {
    uint64_t h = ((uint64_t)(uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(h >> (64 - bits));
}

/* Store p in its run; returns its index. */
static uint32_t put(void **tab, uint32_t bits, void *p) {
    uint32_t mask = (1u << bits) - 1, i = home(p, bits);
    while (tab[i]) i = (i + 1) & mask;
    tab[i] = p;
    return i;
}

static void resize(ptrset *s, uint32_t bits) {
    void **old = s->tab;
    uint32_t oldcap = s->bits ? 1u << s->bits : 0;
    s->tab = mem_calloc(sizeof(void *) << bits);
    s->bits = bits;
    s->lo = 0;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i]) put(s->tab, bits, old[i]);
    mem_free(old);
}

void ptrset_add(ptrset *s, void *p) {
    if (s->tab == NULL) resize(s, 3);
    else if ((uint64_t)(s->len + 1) * 4 > (3ull << s->bits)) resize(s, s->bits + 1);
    uint32_t at = put(s->tab, s->bits, p);
    if (at < s->lo) s->lo = at;
    s->len++;
}

static int64_t find(const ptrset *s, const void *p) {
    if (s->tab == NULL) return -1;
    uint32_t mask = (1u << s->bits) - 1, i = home(p, s->bits);
    while (s->tab[i]) {
        if (s->tab[i] == p) return i;
        i = (i + 1) & mask;
    }
    return -1;
}

bool ptrset_has(const ptrset *s, const void *p) { return find(s, p) >= 0; }

bool ptrset_remove(ptrset *s, void *p) {
    int64_t at = find(s, p);
    if (at < 0) return false;
    uint32_t mask = (1u << s->bits) - 1, i = (uint32_t)at, j = i;
    /* Backward shift: pull later members of the run into the hole when
     * their home is not cyclically within (i, j]. Each one lands where a
     * member was, so none goes below s->lo. */
    for (;;) {
        j = (j + 1) & mask;
        if (s->tab[j] == NULL) break;
        uint32_t k = home(s->tab[j], s->bits);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        s->tab[i] = s->tab[j];
        i = j;
    }
    s->tab[i] = NULL;
    s->len--;
    if (s->len == 0) ptrset_clear(s);
    else if (s->bits > 3 && (uint64_t)s->len * 8 < (1ull << s->bits)) resize(s, s->bits - 1);
    return true;
}

void ptrset_replace(ptrset *s, void *p, void *q) {
    if (p == q) return;
    if (ptrset_remove(s, p)) ptrset_add(s, q);
}

size_t ptrset_list(ptrset *s, void **out, size_t max) {
    size_t n = 0;
    uint32_t cap = s->tab ? 1u << s->bits : 0;
    for (uint32_t i = s->lo; i < cap && n < max; i++) {
        if (s->tab[i] == NULL) continue;
        if (n == 0) s->lo = i;
        out[n++] = s->tab[i];
    }
    return n;
}

void ptrset_clear(ptrset *s) {
    mem_free(s->tab);
    s->tab = NULL;
    s->bits = 0;
    s->len = 0;
    s->lo = 0;
}

size_t ptrset_bytes(const ptrset *s) { return s->tab ? sizeof(void *) << s->bits : 0; }
