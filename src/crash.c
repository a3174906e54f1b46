/* crash.c -- the crash report and the software watchdog.
 *
 * On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (DEBUG SEGFAULT, DEBUG
 * PANIC, an assertion) the log gets a bug report laid out as Redis's, which
 * operators and Redis's tests look for: "=== REDIS BUG REPORT START ...",
 * the signal and faulting address, "------ STACK TRACE ------" with the
 * instruction pointer and a backtrace(3) (static functions named too:
 * symtab.c), "------ INFO OUTPUT ------",
 * the client list, the client whose command was running with its
 * arguments, and "=== REDIS BUG REPORT END ...". The process then dies by
 * the same signal (default action: a core dump where enabled). With
 * crash-log-enabled no the signal takes its default action at once.
 *
 * Like Redis's, the report calls functions that are not async-signal-safe
 * (formatting INFO, the client list): the process is dying anyway, and the
 * backtrace, written first, is safe.
 *
 * The watchdog (watchdog-period ms, 0: off) is Redis's: each cron tick
 * re-arms a one-shot ITIMER_REAL, so if the loop is stuck for longer than
 * the period SIGALRM logs "--- WATCHDOG TIMER EXPIRED ---" and where the
 * server is (a backtrace), and the server goes on.
 * Spec: Redis 7.0 debug.c (sigsegvHandler, logStackTrace, watchdog).
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "crash.h"

#include <execinfo.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "info.h"
#include "log.h"
#include "mem.h"
#include "server.h"
#include "str.h"
#include "symtab.h"

#define BACKTRACE_MAX 100

static bool installed; /* the handlers are in place: the watchdog may arm */

static void write_raw(const char *s) { log_raw_signal_safe(s); }

/* The instruction the signal interrupted, when the platform says. */
static void *fault_ip(const void *uctx) {
    const ucontext_t *uc = uctx;
    if (uc == NULL) return NULL;
#if defined(__x86_64__)
    return (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
    return (void *)uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
    return (void *)uc->uc_mcontext.pc;
#else
    (void)uc;
    return NULL;
#endif
}

static char *put_hex(char *p, uintptr_t v) {
    char digits[2 * sizeof(v)];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    *p++ = '0';
    *p++ = 'x';
    while (n) *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *end, const char *s) {
    while (*s && p < end) *p++ = *s++;
    return p;
}

/* One frame as backtrace_symbols_fd() writes it, "binary(function+0x1f)
 * [0x55d0c4a2b1f]", but with the names of static functions too (symtab.c);
 * a frame outside this program's functions goes to backtrace_symbols_fd().
 * A return address is looked up by the byte before it (the call: a call
 * that never returns may be a function's last instruction). */
static void log_frame(int fd, void *frame, bool is_return) {
    uintptr_t addr = (uintptr_t)frame, off;
    const char *name;
    if (!symtab_lookup(addr - is_return, &name, &off)) {
        backtrace_symbols_fd(&frame, 1, fd);
        return;
    }
    char line[512];
    char *end = line + sizeof(line) - 48, *p = put_str(line, end, symtab_path());
    *p++ = '(';
    p = put_str(p, end, name);
    *p++ = '+';
    p = put_hex(p, off + is_return);
    *p++ = ')';
    *p++ = '[';
    p = put_hex(p, addr);
    *p++ = ']';
    *p++ = '\n';
    *p = '\0';
    write_raw(line);
}

/* "EIP:" and the interrupted function, then "Backtrace:" and the frames,
 * with no allocation. */
static void log_stack_trace(const void *uctx) {
    int fd = log_signal_fd();
    void *ip = fault_ip(uctx);
    if (ip) {
        write_raw("EIP:\n");
        log_frame(fd, ip, false);
    }
    write_raw("\nBacktrace:\n");
    void *frames[BACKTRACE_MAX];
    int n = backtrace(frames, BACKTRACE_MAX);
    for (int i = 0; i < n; i++) log_frame(fd, frames[i], frames[i] != ip);
}

static void log_str(str *s) {
    write_raw(s->buf);
    str_free(s);
}

/* The running client and its arguments, as Redis's "CURRENT CLIENT INFO". */
static void log_current_client(void) {
    client *c = srv.current;
    write_raw("\n------ CURRENT CLIENT INFO ------\n");
    if (c == NULL) return;
    str *s = client_info_line(str_new(NULL, 0), c);
    s = str_catc(s, "\n");
    for (int j = 0; j < c->argc && j < 32; j++) {
        s = str_catfmt(s, "argv[%d]: '", j);
        s = str_catrepr(s, c->argv[j].ptr, c->argv[j].len < 128 ? c->argv[j].len : 128);
        s = str_catc(s, "'\n");
    }
    log_str(s);
}

static void crash_report(int sig, const siginfo_t *info, const void *uctx) {
    write_raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
    log_msg(LOG_WARNING, "Redis %s crashed by signal: %d, si_code: %d", CASTOR_VERSION, sig,
            info ? info->si_code : 0);
    if (info && (sig == SIGSEGV || sig == SIGBUS))
        log_msg(LOG_WARNING, "Accessing address: %p", info->si_addr);
    if (info && info->si_pid && sig != SIGSEGV && sig != SIGBUS)
        log_msg(LOG_WARNING, "Killed by PID: %d, UID: %d", (int)info->si_pid, (int)info->si_uid);
    void *ip = fault_ip(uctx);
    if (ip) log_msg(LOG_WARNING, "Crashed running the instruction at: %p", ip);
    write_raw("\n------ STACK TRACE ------\n");
    log_stack_trace(uctx);
    write_raw("\n------ INFO OUTPUT ------\n");
    log_str(info_generate_all());
    write_raw("\n------ CLIENT LIST OUTPUT ------\n");
    str *list = str_new(NULL, 0);
    for (client *c = srv.clients; c; c = c->next) list = str_catc(client_info_line(list, c), "\n");
    log_str(list);
    log_current_client();
    write_raw("\n------ MODULES INFO OUTPUT ------\n");
    write_raw("\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n");
}

static void on_crash(int sig, siginfo_t *info, void *uctx) {
    if (cfg.crash_log_enabled) crash_report(sig, info, uctx);
    /* Die by the same signal, with its default action (a core dump). */
    struct sigaction act = {0};
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_NODEFER | SA_RESETHAND;
    act.sa_handler = SIG_DFL;
    sigaction(sig, &act, NULL);
    kill(getpid(), sig);
}

static void on_watchdog(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    /* Only the timer's own signal: a SIGALRM sent by someone else is not
     * the loop being stuck. */
    if (info && info->si_pid && info->si_pid != getpid()) return;
    write_raw("\n--- WATCHDOG TIMER EXPIRED ---\n");
    log_stack_trace(uctx);
    write_raw("--------\n");
}

void crash_setup(void) {
    /* An alternate stack: a stack overflow can still be reported. */
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    struct sigaction act = {0};
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_NODEFER | SA_RESETHAND | SA_SIGINFO | SA_ONSTACK;
    act.sa_sigaction = on_crash;
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaction(sigs[i], &act, NULL);
    act.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    act.sa_sigaction = on_watchdog;
    sigaction(SIGALRM, &act, NULL);
    /* Load libgcc's unwinder now: backtrace() would otherwise dlopen it
     * from inside the signal handler. */
    void *probe[2];
    backtrace(probe, 2);
    symtab_load();
    installed = true;
}

void crash_watchdog_cron(void) {
    static bool armed;
    if (!installed) return; /* a SIGALRM without its handler would kill us */
    if (cfg.watchdog_period <= 0) {
        if (armed) {
            struct itimerval off = {0};
            setitimer(ITIMER_REAL, &off, NULL);
            armed = false;
        }
        return;
    }
    struct itimerval it = {0};
    it.it_value.tv_sec = cfg.watchdog_period / 1000;
    it.it_value.tv_usec = (cfg.watchdog_period % 1000) * 1000;
    setitimer(ITIMER_REAL, &it, NULL);
    armed = true;
}
