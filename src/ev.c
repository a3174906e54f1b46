/* ev.c -- the event loop: epoll readiness, timers, before-sleep hook.
 *
 * Level-triggered epoll with one registration per fd; read and write
 * callbacks are separate so a client can wait for writability only while
 * its output is pending. Timers are few (the cron and a handful of one-shot
 * ones), so they live in an unsorted list scanned once per turn.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "ev.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "util.h"

typedef struct io_slot {
    int mask;
    ev_io_fn *rfn, *wfn;
    void *rdata, *wdata;
} io_slot;

typedef struct timer {
    long long id;
    long long when_us;
    ev_timer_fn *fn;
    void *data;
    bool deleted;
    struct timer *next;
} timer;

static int epfd = -1;
static int setsize;
static io_slot *slots;
static struct epoll_event *fired;
static timer *timers;
static long long next_timer_id = 1;
static ev_hook_fn *before_sleep, *after_sleep, *after_events;
static coalesce co = COALESCE_INIT;
static unsigned long long turns;

int ev_init(int size) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd == -1) return -1;
    setsize = size;
    slots = mem_calloc(sizeof(io_slot) * (size_t)size);
    fired = mem_calloc(sizeof(struct epoll_event) * (size_t)size);
    return 0;
}

int ev_resize(int size) {
    if (size == setsize) return 0;
    for (int fd = size; fd < setsize; fd++)
        if (slots[fd].mask) return -1;
    slots = mem_realloc(slots, sizeof(io_slot) * (size_t)size);
    fired = mem_realloc(fired, sizeof(struct epoll_event) * (size_t)size);
    for (int fd = setsize; fd < size; fd++) slots[fd] = (io_slot){0};
    setsize = size;
    return 0;
}

int ev_setsize(void) { return setsize; }

static int apply(int fd, int old, int mask) {
    struct epoll_event ee = {0};
    ee.data.fd = fd;
    if (mask & EV_READ) ee.events |= EPOLLIN;
    if (mask & EV_WRITE) ee.events |= EPOLLOUT;
    int op = old == 0 ? EPOLL_CTL_ADD : (mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    return epoll_ctl(epfd, op, fd, &ee);
}

int ev_add(int fd, int mask, ev_io_fn *fn, void *data) {
    if (fd >= setsize) {
        errno = ERANGE;
        return -1;
    }
    io_slot *s = &slots[fd];
    int nmask = s->mask | mask;
    if (nmask != s->mask && apply(fd, s->mask, nmask) == -1) return -1;
    s->mask = nmask;
    if (mask & EV_READ) {
        s->rfn = fn;
        s->rdata = data;
    }
    if (mask & EV_WRITE) {
        s->wfn = fn;
        s->wdata = data;
    }
    return 0;
}

void ev_del(int fd, int mask) {
    if (fd < 0 || fd >= setsize) return;
    io_slot *s = &slots[fd];
    int nmask = s->mask & ~mask;
    if (nmask == s->mask) return;
    apply(fd, s->mask, nmask);
    s->mask = nmask;
}

int ev_mask(int fd) { return fd >= 0 && fd < setsize ? slots[fd].mask : 0; }

/* now_us + ms microseconds later, saturated: a deadline centuries away
 * (BLPOP with a timeout of 9e12 s) must stay in the future, not wrap. */
static long long deadline_us(long long now_us, long long ms) {
    if (ms <= 0) return now_us;
    if (ms > (LLONG_MAX - now_us) / 1000) return LLONG_MAX;
    return now_us + ms * 1000;
}

long long ev_timer_add(long long ms, ev_timer_fn *fn, void *data) {
    timer *t = mem_alloc(sizeof(*t));
    t->id = next_timer_id++;
    t->when_us = deadline_us((long long)util_monotonic_us(), ms);
    t->fn = fn;
    t->data = data;
    t->deleted = false;
    t->next = timers;
    timers = t;
    return t->id;
}

void ev_timer_del(long long id) {
    for (timer *t = timers; t; t = t->next)
        if (t->id == id) t->deleted = true;
}

void ev_set_before_sleep(ev_hook_fn *fn) { before_sleep = fn; }
void ev_set_after_sleep(ev_hook_fn *fn) { after_sleep = fn; }
void ev_set_after_events(ev_hook_fn *fn) { after_events = fn; }

/* Milliseconds until the earliest timer (-1 for none), at most
 * EV_MAX_WAIT_MS: the poll timeout is an int, and a far deadline is
 * simply waited for in several polls. */
#define EV_MAX_WAIT_MS 1000
static long long ms_to_next_timer(void) {
    long long now = (long long)util_monotonic_us(), best = -1;
    for (timer *t = timers; t; t = t->next) {
        if (t->deleted) continue;
        long long d = t->when_us > now ? t->when_us - now : 0;
        if (best == -1 || d < best) best = d;
    }
    if (best == -1) return -1;
    return best >= EV_MAX_WAIT_MS * 1000LL ? EV_MAX_WAIT_MS : (best + 999) / 1000;
}

static void run_timers(void) {
    long long now = (long long)util_monotonic_us();
    long long max_id = next_timer_id - 1; /* timers added now wait a turn */
    timer **pp = &timers;
    while (*pp) {
        timer *t = *pp;
        if (t->deleted) {
            *pp = t->next;
            mem_free(t);
            continue;
        }
        if (t->id <= max_id && t->when_us <= now) {
            long long again = t->fn(t->id, t->data);
            if (again == -1) {
                t->deleted = true;
            } else {
                t->when_us = deadline_us((long long)util_monotonic_us(), again);
            }
        }
        pp = &t->next;
    }
}

void ev_set_coalesce(long us) {
    coalesce_set_sleep(&co, us);
    /* The default 50 us slack would stretch a 100 us sleep by half. */
    if (us > 0) prctl(PR_SET_TIMERSLACK, 5000UL, 0, 0, 0);
}

const coalesce *ev_coalesce(void) { return &co; }

/* Wait for readiness. With coalescing on and nothing ready now, sleep on a
 * timer first: off epoll's wait queue, arriving requests cost their senders
 * no wake-up, and the poll after the sleep collects them together. */
static int poll_events(int timeout_ms) {
    long nap = timeout_ms != 0 ? coalesce_sleep_us(&co) : 0;
    if (nap > 0 && timeout_ms > 0 && nap > timeout_ms * 1000L) nap = timeout_ms * 1000L;
    if (nap > 0) {
        int n = epoll_wait(epfd, fired, setsize, 0);
        if (n != 0) return n;
        struct timespec ts = {nap / 1000000, (nap % 1000000) * 1000};
        nanosleep(&ts, NULL);
        co.sleeps++;
    }
    return epoll_wait(epfd, fired, setsize, timeout_ms);
}

static void run_fired(int n) {
    for (int i = 0; i < n; i++) {
        int fd = fired[i].data.fd;
        uint32_t ev = fired[i].events;
        io_slot *s = &slots[fd];
        int mask = 0;
        if (ev & EPOLLIN) mask |= EV_READ;
        if (ev & EPOLLOUT) mask |= EV_WRITE;
        if (ev & (EPOLLERR | EPOLLHUP)) mask |= EV_READ | EV_WRITE;
        if ((mask & EV_READ) && (s->mask & EV_READ)) s->rfn(fd, s->rdata, EV_READ);
        /* The read callback may have closed fd or dropped the write watch. */
        if ((mask & EV_WRITE) && (s->mask & EV_WRITE)) s->wfn(fd, s->wdata, EV_WRITE);
    }
}

int ev_poll_files(int timeout_ms) {
    int n = epoll_wait(epfd, fired, setsize, timeout_ms);
    run_fired(n);
    return n > 0 ? n : 0;
}

/* One turn: poll (up to timeout_ms), the ready callbacks, the timers. */
static void poll_once(int timeout_ms) {
    int n = poll_events(timeout_ms);
    if (co.sleep_us) coalesce_tick(&co, (long long)util_monotonic_us(), n);
    if (after_sleep) after_sleep();
    run_fired(n);
    if (after_events) after_events();
    run_timers();
}

unsigned long long ev_turns(void) { return turns; }

void ev_reset_turns(void) { turns = 0; }

void ev_run(void) {
    for (;;) {
        turns++;
        if (before_sleep) before_sleep();
        long long ms = ms_to_next_timer();
        poll_once(ms < 0 ? EV_MAX_WAIT_MS : (int)ms);
    }
}
