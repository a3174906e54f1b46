/* symtab.c -- names for the addresses of this program's own functions.
 *
 * backtrace_symbols_fd(3) names only what the dynamic symbol table holds
 * (-rdynamic exports the global functions); a static function, which is
 * most of castor (every command's proc), shows as "(+0x6f313)", to be
 * looked up later with addr2line against the very same build. Here the
 * crash report names them itself, from the ELF .symtab of the running
 * binary: symtab_load() maps /proc/self/exe read-only at start-up (no page
 * of it is read until a crash), and symtab_lookup() scans the function
 * symbols for the one that holds an address, reading memory only, so it
 * may run in a signal handler. The mapping holds the inode: a binary
 * replaced on disk while the server runs still names the running code.
 * Without a .symtab (a stripped binary) lookups find nothing and the
 * caller falls back to backtrace_symbols_fd(3).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const Elf64_Sym *syms;
static size_t nsyms;
static const char *strs;
static size_t strs_len;
static uintptr_t bias; /* run-time address minus link-time address */
static char path[4096];

/* The main program is the first object dl_iterate_phdr(3) reports. */
static int first_object(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    *(uintptr_t *)arg = (uintptr_t)info->dlpi_addr;
    return 1;
}

/* The section headers of the image, checked against its size. */
static const Elf64_Shdr *sections(const unsigned char *img, size_t len, size_t *n) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr))
        return NULL;
    if (eh->e_shoff > len || (len - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum) return NULL;
    *n = eh->e_shnum;
    return (const Elf64_Shdr *)(img + eh->e_shoff);
}

static bool within(const Elf64_Shdr *sh, size_t len) {
    return sh->sh_offset <= len && sh->sh_size <= len - sh->sh_offset;
}

bool symtab_load(void) {
    ssize_t plen = readlink("/proc/self/exe", path, sizeof(path) - 1);
    path[plen > 0 ? plen : 0] = '\0';
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    void *img = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED) return false;
    size_t len = (size_t)st.st_size, n = 0;
    const Elf64_Shdr *sh = sections(img, len, &n);
    for (size_t i = 0; sh && i < n; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= n) continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (!within(&sh[i], len) || !within(str, len)) break;
        syms = (const Elf64_Sym *)((const unsigned char *)img + sh[i].sh_offset);
        nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        strs = (const char *)img + str->sh_offset;
        strs_len = str->sh_size;
        dl_iterate_phdr(first_object, &bias);
        return true;
    }
    munmap(img, len);
    return false;
}

bool symtab_lookup(uintptr_t addr, const char **name, uintptr_t *offset) {
    if (addr < bias) return false;
    uintptr_t at = addr - bias;
    for (size_t i = 0; i < nsyms; i++) {
        const Elf64_Sym *s = &syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF) continue;
        if (at < s->st_value || at - s->st_value >= s->st_size) continue;
        if (s->st_name >= strs_len ||
            memchr(strs + s->st_name, '\0', strs_len - s->st_name) == NULL)
            return false;
        *name = strs + s->st_name;
        *offset = at - s->st_value;
        return true;
    }
    return false;
}

const char *symtab_path(void) { return path; }
