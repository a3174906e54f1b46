/* coalesce.h -- decides when the event loop should wait on a timer before
 * polling, so that several clients' requests are picked up by one wake-up.
 *
 * Why: a server that blocks in epoll_wait is woken by each arriving request,
 * and the sender pays for that wake-up (on a VM an inter-processor interrupt
 * and an exit). When many connections keep a client process busy, sleeping
 * briefly off the wait queue lets requests accumulate: both sides then do
 * fewer wake-ups per request. With a few sequential clients the same sleep
 * only adds latency. The controller therefore measures: it probes the
 * request rate with the sleep off and on (ABBA windows) and keeps it on only
 * while it raises the rate, i.e. lowers the average latency of clients that
 * wait for their replies. Once on, it tries longer sleeps (2x, 4x the
 * configured one, ABBA against the current) and keeps one that serves at
 * least as many requests: with a fixed set of clients that wait for their
 * replies, an equal rate is an equal average latency (Little's law) for
 * fewer wake-ups and polls per request. A load that comes back soon after
 * a quiet gap resumes the last verdict, checked as a load change would be.
 * Pure: the caller supplies the clock and counts. */
#ifndef CASTOR_COALESCE_H
#define CASTOR_COALESCE_H

#include <stdbool.h>
#include <stdint.h>

#define COALESCE_WINDOW_US 50000     /* one measurement window */
#define COALESCE_MIN_RATE 20000      /* events/s below which it stays off */
#define COALESCE_GAIN 1.03           /* on must beat off by this factor */
#define COALESCE_CLOSE 0.97          /* on/off between this and GAIN: a close call */
#define COALESCE_POOL_MAX 4          /* close calls pooled before it gives up */
#define COALESCE_ABORT 0.9           /* a first on window below this ends a probe */
#define COALESCE_ON_HOLD_US 5000000  /* re-probe this often while on */
#define COALESCE_DROP 0.7            /* on: a window below this x the probe's rate re-probes */
#define COALESCE_OFF_HOLD_US 1000000 /* first back-off after a failed probe */
#define COALESCE_OFF_HOLD_MAX_US 16000000
#define COALESCE_STRETCH_MAX 2      /* the sleep may grow to sleep_us << this */
#define COALESCE_STRETCH_GAIN 1.0   /* a longer sleep is kept if it serves at least this x */
#define COALESCE_NAP_MAX_US 100000  /* no stretched sleep is longer */
#define COALESCE_RESUME_US 10000000 /* a load back within this of a quiet gap resumes "on" */

enum coalesce_state { COALESCE_OFF, COALESCE_PROBE, COALESCE_ON };

typedef struct coalesce {
    long sleep_us; /* the configured sleep; 0 disables */
    enum coalesce_state state;
    long long window_start; /* -1 before the first event */
    uint64_t window_events;
    long long hold_until;  /* OFF/ON: when to consider probing again */
    long long off_hold;    /* current back-off while probes fail */
    int level;             /* the sleep is sleep_us << level (ON, and probed) */
    bool stretching;       /* PROBE: sleep << level [0] against << level+1 [1] */
    bool collapsed;        /* PROBE: a window slept in went quiet; the next one without */
    bool quiet_check;      /* OFF: a window slept in went quiet; is the load gone? */
    int step;              /* PROBE: 0..3 of the ABBA pattern */
    double probe_rate[2];  /* PROBE: summed rate of off (or shorter) [0] and on [1] */
    double pool_rate[2];   /* the close calls so far, pooled */
    int pooled;            /* how many probes pool_rate holds */
    double won_rate;       /* ON: the rate of the probe's "on" windows */
    bool verdict_on;       /* the last verdict was "on" (kept through quiet gaps) */
    long long quiet_since; /* when the last load went quiet */
    long long recheck_at;  /* the ON hold's end, kept through quiet gaps */
    /* Counters for INFO. */
    uint64_t probes, engaged, sleeps;
} coalesce;

/* A controller that is off with no sleep configured (static storage). */
#define COALESCE_INIT                                                                              \
    { .window_start = -1, .off_hold = COALESCE_OFF_HOLD_US }

void coalesce_init(coalesce *co, long sleep_us);
/* Change the configured sleep (0 turns coalescing off at once). */
void coalesce_set_sleep(coalesce *co, long sleep_us);
/* The sleep to take before the next poll when the last poll found nothing
 * ready: 0 means block in the poll as usual. */
long coalesce_sleep_us(const coalesce *co);
/* The sleep in use while on (the configured one, or a stretched one). */
long coalesce_nap_us(const coalesce *co);
/* Account one poll that returned 'events' ready descriptors at 'now_us'. */
void coalesce_tick(coalesce *co, long long now_us, int events);
bool coalesce_is_on(const coalesce *co);

#endif
