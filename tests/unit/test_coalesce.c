/* test_coalesce.c -- the controller that turns the loop's timed sleep on:
 * simulated loads where sleeping raises, lowers or keeps the request rate,
 * and loads too light to bother. */
#include "coalesce.h"

#include "unit.h"

typedef struct sim {
    long long now;   /* simulated microseconds */
    long long on_us; /* time spent with the sleep on */
    double carry;
} sim;

/* Run for 'us' microseconds, one poll per millisecond; the load serves
 * 'rate_off' events/s while the sleep is off and 'rate_on' while it is on. */
static void run(coalesce *co, sim *s, long long us, double rate_off, double rate_on) {
    for (long long end = s->now + us; s->now < end; s->now += 1000) {
        bool on = coalesce_sleep_us(co) > 0;
        if (on) s->on_us += 1000;
        s->carry += (on ? rate_on : rate_off) / 1000.0;
        int n = (int)s->carry;
        s->carry -= n;
        coalesce_tick(co, s->now, n);
    }
}

/* A controller with a 100 us sleep that a gaining load has turned on. */
static void start_on(coalesce *co, sim *s) {
    coalesce_init(co, 100);
    run(co, s, 1000000, 90000, 100000);
    ASSERT(coalesce_is_on(co));
}

static void test_gain_turns_it_on_and_keeps_it(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    ASSERT_EQ(coalesce_sleep_us(&co), 0);
    run(&co, &s, 1000000, 90000, 100000);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(coalesce_sleep_us(&co), 100);
    ASSERT_EQ(co.engaged, 1);
    s.on_us = 0;
    run(&co, &s, 10000000, 90000, 100000);
    /* Re-probed every ~5 s, stays on, "off" only in the probes' windows. */
    ASSERT(co.probes >= 2 && co.engaged == co.probes);
    ASSERT(s.on_us > 9000000);
}

/* Run a fresh controller on a load where sleeping does not pay; it must
 * end off, never having engaged. Returns its probe count. */
static uint64_t probes_staying_off(sim *s, long long us, double rate_off, double rate_on) {
    coalesce co;
    coalesce_init(&co, 100);
    run(&co, s, us, rate_off, rate_on);
    ASSERT(!coalesce_is_on(&co));
    ASSERT_EQ(co.engaged, 0);
    return co.probes;
}

static void test_loss_stays_off_and_backs_off(void) {
    sim s = {0};
    uint64_t probes = probes_staying_off(&s, 60000000, 40000, 20000);
    /* Back-off 1, 2, 4, 8, 16, 16... s: a handful of probes a minute, each
     * cut short after its first "on" window. */
    ASSERT(probes >= 4 && probes <= 8);
    ASSERT_EQ(s.on_us, (long long)probes * COALESCE_WINDOW_US);
}

static void test_no_gain_stays_off(void) {
    sim s = {0};
    ASSERT(probes_staying_off(&s, 5000000, 50000, 50500) >= 1);
}

/* A close call (on/off 1.01) is probed again at once and pooled, up to
 * COALESCE_POOL_MAX probes in a row, and only then backs off. */
static void test_close_call_is_reprobed_then_backs_off(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    /* The window that starts the probes, then POOL_MAX probes of 4 windows. */
    run(&co, &s, (1 + 4 * COALESCE_POOL_MAX) * COALESCE_WINDOW_US + 1000, 50000, 50500);
    ASSERT_EQ(co.probes, COALESCE_POOL_MAX);
    ASSERT(!coalesce_is_on(&co));
    ASSERT_EQ(s.on_us, 2LL * COALESCE_POOL_MAX * COALESCE_WINDOW_US);
    run(&co, &s, COALESCE_OFF_HOLD_US - 2 * COALESCE_WINDOW_US, 50000, 50500);
    ASSERT_EQ(co.probes, COALESCE_POOL_MAX);
}

/* A gain that one probe missed by chance is found by the next, pooled. */
static void test_close_call_then_gain_turns_it_on(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    run(&co, &s, 5 * COALESCE_WINDOW_US + 1000, 50000, 50500);
    ASSERT_EQ(co.probes, 2); /* the first was close: the second started */
    ASSERT(!coalesce_is_on(&co));
    run(&co, &s, 4 * COALESCE_WINDOW_US, 50000, 58000);
    ASSERT(coalesce_is_on(&co)); /* pooled: (2*50500 + 2*58000) / 200000 = 1.085 */
    ASSERT_EQ(co.engaged, 1);
}

static void test_light_load_never_probes(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    run(&co, &s, 5000000, COALESCE_MIN_RATE / 2, COALESCE_MIN_RATE);
    ASSERT_EQ(co.probes, 0);
    ASSERT_EQ(s.on_us, 0);
}

static void test_load_gone_turns_it_off(void) {
    coalesce co;
    sim s = {0};
    start_on(&co, &s);
    run(&co, &s, 2 * COALESCE_WINDOW_US, 100, 100);
    ASSERT(!coalesce_is_on(&co));
    /* A new busy load is probed at once, not after a back-off. */
    uint64_t probes = co.probes;
    run(&co, &s, 2 * COALESCE_WINDOW_US, 90000, 100000);
    ASSERT(co.probes == probes + 1);
}

/* The end of a load often looks like a drop first: the re-probe that
 * follows then runs into quiet windows. They are no verdict: the next busy
 * load is probed at once, not after a back-off. */
static void test_load_ending_mid_probe_is_no_verdict(void) {
    coalesce co;
    sim s = {0};
    start_on(&co, &s);
    uint64_t probes = co.probes;
    run(&co, &s, 2 * COALESCE_WINDOW_US, 25000, 25000); /* the drop: re-probe */
    ASSERT_EQ(co.probes, probes + 1);
    run(&co, &s, COALESCE_WINDOW_US, 40, 10); /* gone ("on" even looks worse) */
    ASSERT(!coalesce_is_on(&co));
    run(&co, &s, 6 * COALESCE_WINDOW_US, 90000, 100000);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(co.probes, probes + 2);
}

static void test_load_change_while_on_reprobes(void) {
    coalesce co;
    sim s = {0};
    start_on(&co, &s);
    uint64_t probes = co.probes;
    /* Now sleeping hurts: well before the hold ends, a probe turns it off. */
    run(&co, &s, 5 * COALESCE_WINDOW_US, 60000, 30000);
    ASSERT(co.probes == probes + 1);
    ASSERT(!coalesce_is_on(&co));
}

static void test_disabled_means_off(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 0);
    run(&co, &s, 3000000, 90000, 200000);
    ASSERT_EQ(co.probes, 0);
    coalesce_set_sleep(&co, 50);
    run(&co, &s, 1000000, 90000, 200000);
    ASSERT(coalesce_is_on(&co));
    coalesce_set_sleep(&co, 0);
    ASSERT(!coalesce_is_on(&co));
    ASSERT_EQ(coalesce_sleep_us(&co), 0);
    /* Turned off in the middle of close calls: none of them is kept. */
    coalesce_set_sleep(&co, 100);
    run(&co, &s, 8 * COALESCE_WINDOW_US, 50000, 50500);
    ASSERT(co.pooled >= 1);
    coalesce_set_sleep(&co, 0);
    ASSERT_EQ(co.pooled, 0);
}

int main(void) {
    RUN(test_gain_turns_it_on_and_keeps_it);
    RUN(test_loss_stays_off_and_backs_off);
    RUN(test_no_gain_stays_off);
    RUN(test_close_call_is_reprobed_then_backs_off);
    RUN(test_close_call_then_gain_turns_it_on);
    RUN(test_light_load_never_probes);
    RUN(test_load_gone_turns_it_off);
    RUN(test_load_ending_mid_probe_is_no_verdict);
    RUN(test_load_change_while_on_reprobes);
    RUN(test_disabled_means_off);
    return unit_report();
}
