/* mem.c -- allocation wrappers with used-memory accounting.
 *
 * castor links jemalloc (Debian's libjemalloc, unprefixed), whose size
 * classes make malloc_usable_size() exact and cheap; used_memory is the sum
 * of usable sizes, as Redis reports it. Out of memory is fatal: a data
 * server that silently drops a write is worse than one that stops.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "mem.h"

#include <execinfo.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Relaxed atomics: background threads (lazy free, later I/O threads) may
 * free memory while the main thread reads the figure. */
static size_t used_bytes;

void mem_assert_fail(const char *cond, const char *file, int line) {
    fprintf(stderr, "castor: ASSERTION FAILED %s:%d: %s\n", file, line, cond);
    /* The call chain, for addr2line -e castor-server -f. */
    void *frames[32];
    int n = backtrace(frames, 32);
    backtrace_symbols_fd(frames, n, fileno(stderr));
    fflush(stderr);
    abort();
}

static void oom(size_t size) {
    fprintf(stderr, "castor: out of memory allocating %zu bytes\n", size);
    fflush(stderr);
    abort();
}

static inline void count_add(void *p) {
    __atomic_add_fetch(&used_bytes, malloc_usable_size(p), __ATOMIC_RELAXED);
}

static inline void count_sub(void *p) {
    __atomic_sub_fetch(&used_bytes, malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *mem_alloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (p == NULL) oom(size);
    count_add(p);
    return p;
}

void *mem_calloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (p == NULL) oom(size);
    count_add(p);
    return p;
}

void *mem_realloc(void *p, size_t size) {
    if (p == NULL) return mem_alloc(size);
    count_sub(p);
    void *np = realloc(p, size ? size : 1);
    if (np == NULL) oom(size);
    count_add(np);
    return np;
}

void mem_free(void *p) {
    if (p == NULL) return;
    count_sub(p);
    free(p);
}

void *mem_memdup(const void *p, size_t len) {
    void *d = mem_alloc(len);
    memcpy(d, p, len);
    return d;
}

char *mem_strndup(const char *s, size_t len) {
    char *d = mem_alloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }

size_t mem_usable(const void *p) { return p ? malloc_usable_size((void *)p) : 0; }

size_t mem_used(void) { return __atomic_load_n(&used_bytes, __ATOMIC_RELAXED); }

const char *mem_allocator(void) {
#ifdef CASTOR_LIBC_MALLOC
    return "libc";
#else
    return "jemalloc";
#endif
}

size_t mem_rss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    unsigned long size = 0, rss = 0;
    int n = fscanf(f, "%lu %lu", &size, &rss);
    fclose(f);
    if (n != 2) return 0;
    return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}
