/* seam_none.c -- the seam (seam.h) with nothing above the core.
 *
 * For the programs that link the core, the RDB format and the value types
 * without the server: castor-check-rdb (check_rdb.c) and the RDB/RESTORE
 * fuzzer. There is no transaction, blocked client, subscriber, AOF or
 * replica to tell: every request is admitted, nothing is queued, and
 * events and effects go nowhere. There is no script engine: a function
 * library is read but not compiled, as redis-check-rdb does. Not linked
 * into castor-server, whose seam is server.c.
 *
 * Every definition is weak: tests/unit/test_core.c links this file and
 * defines again only the functions whose calls it observes (the linker
 * takes its strong definitions over these), so a new seam function is
 * stubbed here once.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "seam.h"

#include "reply.h"

/* A default a test may replace with its own definition. */
#define SEAM_DEFAULT __attribute__((weak))

SEAM_DEFAULT seam_verdict seam_admit(client *c, struct command *cmd) {
    (void)c;
    (void)cmd;
    return SEAM_RUN;
}

SEAM_DEFAULT void seam_refused_in_multi(client *c) { (void)c; }

SEAM_DEFAULT void seam_exec_refused(client *c, const char *err) { reply_error(c, err); }

SEAM_DEFAULT void seam_after_call(client *c, struct command *cmd, long long dur_us,
                                  bool outermost) {
    (void)c;
    (void)cmd;
    (void)dur_us;
    (void)outermost;
}

SEAM_DEFAULT void seam_key_modified(struct db *d, const char *key, size_t klen, bool by_server) {
    (void)d;
    (void)key;
    (void)klen;
    (void)by_server;
}

SEAM_DEFAULT void seam_db_flushed(int dbid, int other) {
    (void)dbid;
    (void)other;
}

SEAM_DEFAULT void seam_db_swapped(int a, int b) {
    (void)a;
    (void)b;
}

SEAM_DEFAULT void seam_keyspace_event(int type, const char *event, const char *key, size_t klen,
                                      int dbid) {
    (void)type;
    (void)event;
    (void)key;
    (void)klen;
    (void)dbid;
}

SEAM_DEFAULT void seam_propagate(int readers, int dbid, int argc, const slice *argv) {
    (void)readers;
    (void)dbid;
    (void)argc;
    (void)argv;
}

SEAM_DEFAULT void seam_client_freed(client *c) { (void)c; }
SEAM_DEFAULT bool seam_watch_dirty(const client *c) {
    (void)c;
    return false;
}
SEAM_DEFAULT size_t seam_client_mem(const client *c, size_t *multi_mem) {
    (void)c;
    *multi_mem = 0;
    return 0;
}

SEAM_DEFAULT bool seam_arg_is_secret(const client *c, int i) {
    (void)c;
    (void)i;
    return false;
}

SEAM_DEFAULT void seam_before_reply_write(void) {}

SEAM_DEFAULT void seam_master_request_done(client *c, const char *req, size_t len) {
    (void)c;
    (void)req;
    (void)len;
}

SEAM_DEFAULT void seam_master_error(client *c, const char *err, size_t len) {
    (void)c;
    (void)err;
    (void)len;
}

SEAM_DEFAULT size_t seam_replica_pending(const client *c) {
    (void)c;
    return 0;
}

SEAM_DEFAULT int seam_replica_write(client *c) {
    (void)c;
    return 0;
}

SEAM_DEFAULT void seam_function_foreach(seam_code_fn *fn, void *priv) {
    (void)fn;
    (void)priv;
}

SEAM_DEFAULT int seam_function_load(const char *code, size_t len, bool replace, str **err) {
    (void)code;
    (void)len;
    (void)replace;
    (void)err;
    return 0;
}
