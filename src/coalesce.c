/* coalesce.c -- the probe that turns the event loop's timed sleep on and off.
 *
 * Time is cut into windows of COALESCE_WINDOW_US; each closed window gives a
 * rate (ready events per second). Off, a window at or above
 * COALESCE_MIN_RATE starts a probe: four windows off, on, on, off (ABBA, so
 * a load that ramps up or down favours neither side). On wins when its two
 * windows served COALESCE_GAIN times the events of the off ones; then it
 * holds for COALESCE_ON_HOLD_US, or until a window falls under COALESCE_DROP
 * times the rate it won with, and probes again. A first "on" window under
 * COALESCE_ABORT times the "off" one loses at once. A close call (on
 * between COALESCE_CLOSE and COALESCE_GAIN times off) is probed again at
 * once, its rates pooled with the next probe's, up to COALESCE_POOL_MAX
 * probes. A lost probe backs off, doubling up to COALESCE_OFF_HOLD_MAX_US;
 * a quiet window (a new workload may follow) resets the back-off, and one
 * inside a probe ends it with no verdict: a load that stopped (the drop
 * that re-probes is often its end) must not count as sleeping's loss.
 *
 * Once on, a stretch probe compares the sleep in use (A) with twice it (B),
 * ABBA again, and keeps B if it served at least COALESCE_STRETCH_GAIN times
 * A's events, up to COALESCE_STRETCH_MAX doublings. The stretched level is
 * remembered across a quiet gap and a drop in the rate (the next probe
 * tries it against off: a run of similar loads need not climb again); an
 * on/off probe lost at a stretched level retries the configured sleep at
 * once, which may then stretch again.
 *
 * A window slept in that goes quiet (under COALESCE_MIN_RATE) is either
 * the end of the load or a sleep that slowed a few waiting clients that
 * much; the next window, without that sleep, tells: quiet too, the load
 * left (no verdict); busy, the sleep lost.
 *
 * The end of a load is no verdict, and a load back within
 * COALESCE_RESUME_US of it resumes "on" at the remembered sleep, without a
 * probe, as soon as the current window holds a busy window's events (not
 * when it closes, 50-100 ms into the load): bursts of the same work (a
 * batch job, a benchmark's runs) need not be probed from scratch each
 * time, and sleep from their start. A new load slower than the one the
 * verdict was won with by COALESCE_DROP is re-probed at its next window, and
 * any other one when the verdict's ON hold ends (gaps do not extend it).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "coalesce.h"

void coalesce_init(coalesce *co, long sleep_us) {
    *co = (coalesce)COALESCE_INIT;
    co->sleep_us = sleep_us > 0 ? sleep_us : 0;
}

void coalesce_set_sleep(coalesce *co, long sleep_us) {
    co->sleep_us = sleep_us > 0 ? sleep_us : 0;
    co->level = 0;
    co->verdict_on = false;
    co->quiet_check = false;
    if (co->sleep_us == 0) { /* off, and a later probe starts afresh */
        co->state = COALESCE_OFF;
        co->hold_until = 0;
        co->off_hold = COALESCE_OFF_HOLD_US;
        co->pool_rate[0] = co->pool_rate[1] = 0;
        co->pooled = 0;
    }
}

bool coalesce_is_on(const coalesce *co) { return co->state == COALESCE_ON; }

static long nap_at(const coalesce *co, int level) {
    long nap = co->sleep_us << level;
    return level > 0 && nap > COALESCE_NAP_MAX_US ? COALESCE_NAP_MAX_US : nap;
}

long coalesce_nap_us(const coalesce *co) { return nap_at(co, co->level); }

static bool can_stretch(const coalesce *co) {
    return co->level < COALESCE_STRETCH_MAX && nap_at(co, co->level + 1) > nap_at(co, co->level);
}

long coalesce_sleep_us(const coalesce *co) {
    switch (co->state) {
    case COALESCE_ON: return nap_at(co, co->level);
    case COALESCE_PROBE: {
        bool b = (co->step == 1 || co->step == 2) && !co->collapsed;
        if (co->stretching) return nap_at(co, co->level + b);
        return b ? nap_at(co, co->level) : 0;
    }
    default: return 0;
    }
}

static void start_probe(coalesce *co, bool stretching) {
    co->state = COALESCE_PROBE;
    co->stretching = stretching;
    co->collapsed = false;
    co->step = 0;
    co->probe_rate[0] = co->probe_rate[1] = 0;
    co->probes++;
}

static void hold_on(coalesce *co, long long now, double rate) {
    co->state = COALESCE_ON;
    co->verdict_on = true;
    co->hold_until = co->recheck_at = now + COALESCE_ON_HOLD_US;
    co->won_rate = rate;
}

/* A stretch probe ended: the longer sleep is kept if it served as many. */
static void end_stretch(coalesce *co, long long now) {
    if (co->probe_rate[1] >= co->probe_rate[0] * COALESCE_STRETCH_GAIN) {
        co->level++;
        if (can_stretch(co)) {
            start_probe(co, true);
            return;
        }
        hold_on(co, now, co->probe_rate[1] / 2);
        return;
    }
    hold_on(co, now, co->probe_rate[0] / (co->step == 4 ? 2 : 1)); /* cut short: one A window */
}

/* An on/off probe ended. Its rates join those of the close calls before it: ABBA
 * windows of 50 ms on a busy VM spread by several percent, so a load that
 * gains 10% from sleeping can lose a single probe by chance. A close call
 * is probed again at once, the evidence pooled, up to COALESCE_POOL_MAX
 * probes; re-probing costs little, since either choice serves such a load
 * about equally. A clear loss backs off. */
static void end_probe(coalesce *co, long long now) {
    if (co->stretching) {
        end_stretch(co, now);
        return;
    }
    co->pool_rate[0] += co->probe_rate[0];
    co->pool_rate[1] += co->probe_rate[1];
    co->pooled++;
    double off = co->pool_rate[0], on = co->pool_rate[1];
    bool won = on >= off * COALESCE_GAIN;
    if (!won && co->step == 4 && on >= off * COALESCE_CLOSE && co->pooled < COALESCE_POOL_MAX) {
        start_probe(co, false);
        return;
    }
    co->pool_rate[0] = co->pool_rate[1] = 0;
    co->pooled = 0;
    if (won) {
        co->off_hold = COALESCE_OFF_HOLD_US;
        co->verdict_on = true;
        co->engaged++;
        if (can_stretch(co)) {
            start_probe(co, true);
            return;
        }
        hold_on(co, now, co->probe_rate[1] / 2); /* the last probe's: the load now */
        return;
    }
    if (co->level > 0) { /* lost at a stretched sleep: try the configured one */
        co->level = 0;
        start_probe(co, false);
        return;
    }
    co->state = COALESCE_OFF;
    co->verdict_on = false;
    co->hold_until = now + co->off_hold;
    co->off_hold *= 2;
    if (co->off_hold > COALESCE_OFF_HOLD_MAX_US) co->off_hold = COALESCE_OFF_HOLD_MAX_US;
}

/* Off, probing again as soon as the load is busy: no evidence pooled. */
static void leave_for_off(coalesce *co, long long now) {
    co->state = COALESCE_OFF;
    co->hold_until = now;
    co->pool_rate[0] = co->pool_rate[1] = 0;
    co->pooled = 0;
}

/* The load left: no verdict, no back-off; the verdict stands. */
static void go_quiet(coalesce *co, long long now) {
    leave_for_off(co, now);
    co->quiet_since = now;
    co->off_hold = COALESCE_OFF_HOLD_US;
}

/* A window slept in went quiet: the load may have left, or the sleep may
 * have slowed a few clients that wait for their replies under
 * COALESCE_MIN_RATE. The next window, without that sleep, tells. */
static void quiet_while_on(coalesce *co, long long now) {
    leave_for_off(co, now);
    co->quiet_check = true;
}

/* The events of a window at COALESCE_MIN_RATE: the load is back. */
#define BUSY_WINDOW_EVENTS (COALESCE_MIN_RATE * (COALESCE_WINDOW_US / 1000) / 1000)

/* Off after a quiet gap, with an "on" verdict recent enough to resume. */
static bool can_resume(const coalesce *co, long long now) {
    return co->state == COALESCE_OFF && !co->quiet_check && co->verdict_on &&
           now - co->quiet_since <= COALESCE_RESUME_US;
}

/* won_rate stays: a slower load re-probes; so does the hold's end. */
static void resume(coalesce *co) {
    co->state = COALESCE_ON;
    co->hold_until = co->recheck_at;
}

/* A window closed with 'rate' events per second. */
static void close_window(coalesce *co, long long now, double rate) {
    bool busy = rate >= COALESCE_MIN_RATE;
    switch (co->state) {
    case COALESCE_OFF:
        if (co->quiet_check) {
            co->quiet_check = false;
            if (busy) { /* the sleep emptied the window, not the load */
                co->verdict_on = false;
                co->level = 0;
            } else {
                co->quiet_since = now;
            }
        }
        if (!busy) {
            co->off_hold = COALESCE_OFF_HOLD_US;
            if (co->hold_until > now) co->hold_until = now;
        } else if (can_resume(co, now)) {
            resume(co);
        } else if (now >= co->hold_until) {
            start_probe(co, false);
        }
        break;
    case COALESCE_ON:
        if (!busy) quiet_while_on(co, now);
        else if (now >= co->hold_until || rate < co->won_rate * COALESCE_DROP)
            start_probe(co, false); /* due, or the load changed under us */
        break;
    case COALESCE_PROBE: {
        bool longer = co->step == 1 || co->step == 2; /* slept (longer) in it */
        if (co->collapsed) {                          /* the window after a quiet one slept in */
            co->collapsed = false;
            if (!busy) {
                go_quiet(co, now);
            } else { /* the sleep emptied it: a loss */
                co->probe_rate[1] = 0;
                end_probe(co, now);
            }
            break;
        }
        if (!busy) {
            if (longer) co->collapsed = true; /* ask the next window, without it */
            else if (co->stretching) quiet_while_on(co, now);
            else go_quiet(co, now);
            break;
        }
        co->probe_rate[longer] += rate;
        /* A first "on" window well below the "off" one is a clear loss:
         * stop there rather than slow the clients for another window. */
        if (co->step == 1 && co->probe_rate[1] < co->probe_rate[0] * COALESCE_ABORT) {
            end_probe(co, now);
            break;
        }
        if (++co->step == 4) end_probe(co, now);
        break;
    }
    }
}

void coalesce_tick(coalesce *co, long long now_us, int events) {
    if (co->sleep_us == 0) return;
    if (co->window_start < 0) co->window_start = now_us;
    if (events > 0) co->window_events += (uint64_t)events;
    long long elapsed = now_us - co->window_start;
    if (elapsed < COALESCE_WINDOW_US) {
        /* A load back after a quiet gap: resumed as soon as this window
         * holds a busy window's events, not when it closes. */
        if (co->window_events >= BUSY_WINDOW_EVENTS && can_resume(co, now_us)) {
            resume(co);
            co->window_start = now_us;
            co->window_events = 0;
        }
        return;
    }
    double rate = (double)co->window_events * 1e6 / (double)elapsed;
    co->window_start = now_us;
    co->window_events = 0;
    close_window(co, now_us, rate);
}
