/* mem.h -- every allocation in castor goes through here (and ASSERT).
 *
 * Aborts on out-of-memory, so no call site checks for NULL, and keeps the
 * process-wide used_memory figure from the allocator's own usable sizes. */
#ifndef CASTOR_MEM_H
#define CASTOR_MEM_H

#include <stddef.h>

#define MUST_USE __attribute__((warn_unused_result))

/* A bug of ours: print file:line and abort. Always compiled in. Never use
 * it on outside bytes (RESP, RDB, config): those get errors. */
#ifndef ASSERT
#define ASSERT(cond) ((cond) ? (void)0 : mem_assert_fail(#cond, __FILE__, __LINE__))
#endif
void mem_assert_fail(const char *cond, const char *file, int line) __attribute__((noreturn));

void *mem_alloc(size_t size) MUST_USE;
void *mem_calloc(size_t size) MUST_USE;
void *mem_realloc(void *p, size_t size) MUST_USE;
void mem_free(void *p);
char *mem_strndup(const char *s, size_t len) MUST_USE;
char *mem_strdup(const char *s) MUST_USE;
void *mem_memdup(const void *p, size_t len) MUST_USE;

/* Usable size of an allocation made here (>= the size asked for). */
size_t mem_usable(const void *p);
/* Bytes currently allocated through this module. */
size_t mem_used(void);
/* The allocator's name and version, for INFO (e.g. "jemalloc-5.3.0"). */
const char *mem_allocator(void);
/* Resident set size of this process in bytes, read from /proc. */
size_t mem_rss(void);

#endif
