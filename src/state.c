/* state.c -- the one instance of the process-wide state: server.h's srv
 * with its cached clock, and config.h's cfg.
 *
 * This is bottom-layer data: every layer may read it, the core included,
 * and each field's comment names the one file that writes it. It lives
 * here, not in server.c, so that the core links without the composition
 * root (tests/unit/test_core.c, castor-check-rdb, the RDB fuzzer).
 * Not here: what sets the values (config.c for cfg, each writer for srv).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "server.h"

#include <stdint.h>

#include "config.h"
#include "util.h"

struct server srv;
struct config cfg;

void server_set_time(long long us) {
    srv.ustime = us;
    srv.mstime = us / 1000;
    srv.lruclock = (uint32_t)((srv.mstime / 1000) & ((1 << 24) - 1));
}

void server_update_time(void) {
    util_clock_rebase(); /* the command path's clock follows the wall clock */
    server_set_time(util_fast_ustime());
}
