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

/* Run with a rate that depends on the sleep: rates[0] with none, rates[k]
 * with 100 << (k - 1) us (100, 200, 400: a controller set to 100 us). */
static void run_naps(coalesce *co, sim *s, long long us, const double rates[4]) {
    for (long long end = s->now + us; s->now < end; s->now += 1000) {
        long nap = coalesce_sleep_us(co);
        int k = nap == 0 ? 0 : nap <= 100 ? 1 : nap <= 200 ? 2 : 3;
        if (nap > 0) s->on_us += 1000;
        s->carry += rates[k] / 1000.0;
        int n = (int)s->carry;
        s->carry -= n;
        coalesce_tick(co, s->now, n);
    }
}

/* A load that any sleep serves alike, a little more at 400 us; and none. */
static const double EQUAL[4] = {90000, 100000, 100000, 101000};
static const double QUIET[4] = {10, 10, 10, 10};

/* A controller with a 100 us sleep that EQUAL has turned on and stretched
 * to 400 us. */
static void start_stretched(coalesce *co, sim *s) {
    coalesce_init(co, 100);
    run_naps(co, s, 1000000, EQUAL);
    ASSERT(coalesce_is_on(co));
    ASSERT_EQ(coalesce_nap_us(co), 400);
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
    /* Any sleep serves this load alike: stretched twice, to 400 us. */
    ASSERT_EQ(coalesce_sleep_us(&co), 400);
    ASSERT_EQ(co.engaged, 1);
    ASSERT_EQ(co.probes, 3);
    s.on_us = 0;
    run(&co, &s, 10000000, 90000, 100000);
    /* Re-probed (on/off) every ~5 s, stays on, "off" only in the probes' windows. */
    /* Every on/off probe won; the two stretches, and one may be under way. */
    ASSERT(co.engaged >= 2 && co.probes >= co.engaged + 2 && co.probes <= co.engaged + 3);
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
    ASSERT_EQ(co.engaged, 1);           /* pooled: (2*50500 + 2*58000) / 200000 = 1.085 */
    ASSERT(coalesce_sleep_us(&co) > 0); /* on, stretching */
    run(&co, &s, 8 * COALESCE_WINDOW_US, 50000, 58000);
    ASSERT(coalesce_is_on(&co));
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
    /* A busy load soon after resumes the verdict, with no probe. */
    uint64_t probes = co.probes;
    run(&co, &s, 2 * COALESCE_WINDOW_US, 90000, 100000);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(co.probes, probes);
}

/* Run quiet until a window has just closed (a new one starts now). */
static void quiet_to_window_start(coalesce *co, sim *s) {
    run(co, s, 1000, 10, 10);
    while (s->now - 1000 != co->window_start) run(co, s, 1000, 10, 10);
}

/* A load back after a quiet gap is resumed once it has served a busy
 * window's events (1000), before its first window closes: a burst of the
 * same work sleeps from its start, not from 50-100 ms into it. A trickle
 * under that count does not resume it. */
static void test_load_back_resumes_within_its_first_window(void) {
    coalesce co;
    sim s = {0};
    start_on(&co, &s);
    run(&co, &s, 3 * COALESCE_WINDOW_US, 100, 100);
    ASSERT(!coalesce_is_on(&co));
    quiet_to_window_start(&co, &s);
    run(&co, &s, 40000, 20000, 20000); /* 800 events in 40 ms */
    ASSERT(!coalesce_is_on(&co));
    quiet_to_window_start(&co, &s);
    run(&co, &s, 15000, 100000, 100000); /* 1500 events in 15 ms */
    ASSERT(coalesce_is_on(&co));
    ASSERT(s.now - co.window_start < 15000); /* a fresh window, measured "on" */
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
    /* Gone ("on" even looks worse). A quiet window slept in is only taken
     * for the end of the load once the next, without the sleep, is quiet too. */
    run(&co, &s, 3 * COALESCE_WINDOW_US, 40, 10);
    ASSERT(!coalesce_is_on(&co));
    ASSERT(co.verdict_on);
    /* The verdict stands: the next busy load resumes it. */
    run(&co, &s, 6 * COALESCE_WINDOW_US, 90000, 100000);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(co.probes, probes + 1);
}

static void test_load_change_while_on_reprobes(void) {
    coalesce co;
    sim s = {0};
    start_on(&co, &s);
    uint64_t probes = co.probes;
    /* Now sleeping hurts: well before the hold ends, a probe at the
     * stretched sleep loses, then one at the configured sleep, and off. */
    run(&co, &s, 5 * COALESCE_WINDOW_US, 60000, 30000);
    ASSERT_EQ(co.probes, probes + 2);
    ASSERT(!coalesce_is_on(&co));
    ASSERT_EQ(coalesce_nap_us(&co), 100);
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

/* Once on, the sleep doubles while the longer one serves as many: here
 * 200 us serves as many as 100 and 400 more, so it ends at 400. */
static void test_equal_rate_stretches_the_sleep(void) {
    coalesce co;
    sim s = {0};
    start_stretched(&co, &s);
    ASSERT_EQ(coalesce_sleep_us(&co), 400);
    ASSERT_EQ(co.engaged, 1);
    ASSERT_EQ(co.probes, 3); /* on/off, then 100 vs 200, then 200 vs 400 */
    /* The re-probe every ~5 s is on/off at 400; no stretch past the top. */
    run_naps(&co, &s, 6000000, EQUAL);
    ASSERT_EQ(co.probes, 4);
    ASSERT_EQ(coalesce_sleep_us(&co), 400);
}

/* A longer sleep that serves fewer is not kept. */
static void test_loss_keeps_the_shorter_sleep(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    const double rates[4] = {90000, 100000, 99000, 99000};
    run_naps(&co, &s, 1000000, rates);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(coalesce_sleep_us(&co), 100);
    ASSERT_EQ(co.probes, 2);
}

/* The stretch never passes COALESCE_NAP_MAX_US, nor tries to. */
static void test_stretch_is_capped(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 60000);
    run(&co, &s, 3000000, 90000, 100000);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(coalesce_sleep_us(&co), COALESCE_NAP_MAX_US);
    coalesce_init(&co, COALESCE_NAP_MAX_US);
    run(&co, &s, 1000000, 90000, 100000);
    ASSERT_EQ(co.probes, 1); /* nothing longer to try */
    ASSERT_EQ(coalesce_sleep_us(&co), COALESCE_NAP_MAX_US);
}

/* A load that comes back after a short quiet gap resumes the verdict and
 * the stretched sleep at once; after a long gap it is probed afresh. */
static void test_short_gap_resumes_long_gap_probes(void) {
    coalesce co;
    sim s = {0};
    start_stretched(&co, &s);
    uint64_t probes = co.probes;
    run_naps(&co, &s, 2000000, QUIET);
    ASSERT(!coalesce_is_on(&co));
    run_naps(&co, &s, 2 * COALESCE_WINDOW_US, EQUAL);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(co.probes, probes);
    ASSERT_EQ(coalesce_sleep_us(&co), 400);
    run_naps(&co, &s, COALESCE_RESUME_US + 1000000, QUIET);
    for (int ms = 0; ms < 3 * COALESCE_WINDOW_US / 1000 && co.probes == probes; ms++)
        run_naps(&co, &s, 1000, EQUAL);
    ASSERT(!coalesce_is_on(&co));
    ASSERT_EQ(co.probes, probes + 1);     /* probing on/off at the remembered 400 us */
    ASSERT_EQ(coalesce_sleep_us(&co), 0); /* its first window, off */
    ASSERT_EQ(coalesce_nap_us(&co), 400);
}

/* A load that resumes much slower than the verdict's is re-probed at its
 * first window; one that loses at the stretched sleep tries the configured
 * one at once, with no back-off. */
static void test_resumed_slower_load_reprobes(void) {
    coalesce co;
    sim s = {0};
    start_stretched(&co, &s);
    run_naps(&co, &s, 1000000, QUIET);
    uint64_t probes = co.probes;
    /* 30000/s off, 40000 at 100 us, 20000 at 200 and 400. */
    const double slower[4] = {30000, 40000, 20000, 20000};
    run_naps(&co, &s, 2 * COALESCE_WINDOW_US + 1000, slower);
    ASSERT_EQ(co.probes, probes + 1);
    run_naps(&co, &s, 10 * COALESCE_WINDOW_US, slower);
    ASSERT(coalesce_is_on(&co));
    ASSERT_EQ(coalesce_sleep_us(&co), 100); /* lost at 400, won at 100, 200 no better */
    ASSERT_EQ(co.probes, probes + 3);
}

/* Short bursts with short gaps: the resumed verdict is re-probed when its
 * ON hold ends, counted in wall time, and may stretch again then. */
static void test_resumed_verdict_is_rechecked_on_time(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    const double first[4] = {90000, 100000, 90000, 90000}; /* 200 us loses */
    run_naps(&co, &s, 1000000, first);
    ASSERT_EQ(coalesce_sleep_us(&co), 100);
    uint64_t probes = co.probes;
    for (int i = 0; i < 5; i++) { /* 1.5 s bursts, 1 s apart, now served alike */
        run_naps(&co, &s, 1500000, EQUAL);
        run_naps(&co, &s, 1000000, QUIET);
    }
    ASSERT(co.probes >= probes + 3); /* on/off, then 100 vs 200, 200 vs 400 */
    ASSERT_EQ(coalesce_nap_us(&co), 400);
}

/* A few clients that wait for their replies: any sleep slows them under
 * COALESCE_MIN_RATE. That is a loss, not a load that left: the probes back
 * off and the sleep is not taken every other window. */
static void test_sleep_that_empties_windows_is_a_loss(void) {
    coalesce co;
    sim s = {0};
    coalesce_init(&co, 100);
    const double few[4] = {50000, 10000, 10000, 10000};
    run_naps(&co, &s, 10000000, few);
    ASSERT_EQ(co.engaged, 0);
    ASSERT(co.probes >= 2 && co.probes <= 5); /* back-off 1, 2, 4 s */
    ASSERT_EQ(s.on_us, (long long)co.probes * COALESCE_WINDOW_US);
}

/* The same load right after a kept verdict: resumed, found emptying its
 * windows, dropped, probed and lost; it does not resume again. */
static void test_resumed_sleep_that_empties_windows_is_dropped(void) {
    coalesce co;
    sim s = {0};
    start_stretched(&co, &s);
    run_naps(&co, &s, 1000000, QUIET);
    s.on_us = 0;
    const double few[4] = {50000, 10000, 10000, 10000};
    run_naps(&co, &s, 10000000, few);
    ASSERT(!coalesce_is_on(&co));
    ASSERT(!co.verdict_on);
    ASSERT(s.on_us <= 8 * COALESCE_WINDOW_US); /* the resumed window, then probes backing off */
}

int main(void) {
    RUN(test_gain_turns_it_on_and_keeps_it);
    RUN(test_loss_stays_off_and_backs_off);
    RUN(test_no_gain_stays_off);
    RUN(test_close_call_is_reprobed_then_backs_off);
    RUN(test_close_call_then_gain_turns_it_on);
    RUN(test_light_load_never_probes);
    RUN(test_load_gone_turns_it_off);
    RUN(test_load_back_resumes_within_its_first_window);
    RUN(test_load_ending_mid_probe_is_no_verdict);
    RUN(test_load_change_while_on_reprobes);
    RUN(test_disabled_means_off);
    RUN(test_equal_rate_stretches_the_sleep);
    RUN(test_loss_keeps_the_shorter_sleep);
    RUN(test_stretch_is_capped);
    RUN(test_short_gap_resumes_long_gap_probes);
    RUN(test_resumed_slower_load_reprobes);
    RUN(test_resumed_verdict_is_rechecked_on_time);
    RUN(test_sleep_that_empties_windows_is_a_loss);
    RUN(test_resumed_sleep_that_empties_windows_is_dropped);
    return unit_report();
}
