/* unit.h -- the tiny harness for C unit tests: ASSERT, ASSERT_EQ, RUN and
 * unit_report(). Each test file is its own executable; a failed assertion
 * prints file:line and both values and ends that test function only. */
#ifndef CASTOR_UNIT_H
#define CASTOR_UNIT_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;
static jmp_buf unit_jmp;

#define UNIT_FAIL(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        longjmp(unit_jmp, 1);                                                                      \
    } while (0)

#undef ASSERT
#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) UNIT_FAIL("assertion failed: %s", #cond);                                     \
    } while (0)

#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long ua_ = (long long)(a), ub_ = (long long)(b);                                      \
        if (ua_ != ub_) UNIT_FAIL("%s == %s: %lld != %lld", #a, #b, ua_, ub_);                     \
    } while (0)

#define ASSERT_STREQ(a, b)                                                                         \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (strcmp(sa_, sb_) != 0) UNIT_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, sa_, sb_);      \
    } while (0)

#define ASSERT_MEMEQ(a, alen, b, blen)                                                             \
    do {                                                                                           \
        size_t la_ = (alen), lb_ = (blen);                                                         \
        if (la_ != lb_ || memcmp((a), (b), la_) != 0)                                              \
            UNIT_FAIL("%s == %s: \"%.*s\" != \"%.*s\"", #a, #b, (int)la_, (const char *)(a),       \
                      (int)lb_, (const char *)(b));                                                \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        if (setjmp(unit_jmp) == 0) {                                                               \
            fn();                                                                                  \
            unit_passed++;                                                                         \
        } else {                                                                                   \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
            unit_failed++;                                                                         \
        }                                                                                          \
    } while (0)

/* Prints the machine-read summary line; returns the exit status. */
static inline int unit_report(void) {
    printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
