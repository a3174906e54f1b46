/* test_symtab.c -- this test binary's own functions named from its .symtab,
 * static ones included, as the crash report names castor's. */
#include "symtab.h"

#include <string.h>

#include "unit.h"

/* A static function that stays a function (not inlined), with a body. */
__attribute__((noinline)) static int a_static_function(int x) {
    __asm__ volatile("" ::: "memory");
    return x * 3 + 1;
}

int (*volatile keep)(int) = a_static_function;

static void test_names_a_static_function(void) {
    ASSERT(symtab_load());
    uintptr_t at = (uintptr_t)keep;
    const char *name = NULL;
    uintptr_t off = 99;
    ASSERT(symtab_lookup(at, &name, &off));
    ASSERT_STREQ(name, "a_static_function");
    ASSERT(off == 0);
    ASSERT(symtab_lookup(at + 1, &name, &off));
    ASSERT_STREQ(name, "a_static_function");
    ASSERT(off == 1);
    ASSERT(keep(2) == 7);
}

static void test_names_a_global_and_not_data(void) {
    const char *name = NULL;
    uintptr_t off;
    ASSERT(symtab_lookup((uintptr_t)symtab_lookup + 4, &name, &off));
    ASSERT_STREQ(name, "symtab_lookup");
    ASSERT(off == 4);
    /* Data and addresses far from the program hold no function. */
    static char data[16];
    ASSERT(!symtab_lookup((uintptr_t)data, &name, &off));
    ASSERT(!symtab_lookup(1, &name, &off));
    ASSERT(!symtab_lookup(UINTPTR_MAX, &name, &off));
}

static void test_path_is_this_binary(void) {
    const char *p = symtab_path();
    ASSERT(p[0] == '/');
    ASSERT(strstr(p, "test_symtab") != NULL);
}

int main(void) {
    RUN(test_names_a_static_function);
    RUN(test_names_a_global_and_not_data);
    RUN(test_path_is_this_binary);
    return unit_report();
}
