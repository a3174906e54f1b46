/* symtab.h -- names for the addresses of this program's own functions,
 * static ones included, for the crash report's backtrace.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_SYMTAB_H
#define CASTOR_SYMTAB_H

#include <stdbool.h>
#include <stdint.h>

/* Map the running binary's symbol table (not read until a lookup). False
 * when there is none (a stripped binary): lookups then find nothing. */
bool symtab_load(void);

/* The function of this program holding addr, and addr's offset in it;
 * false if addr is not in one. Async-signal-safe: reads memory only. */
bool symtab_lookup(uintptr_t addr, const char **name, uintptr_t *offset);

/* The binary's path, as /proc/self/exe names it ("" before symtab_load). */
const char *symtab_path(void);

#endif
