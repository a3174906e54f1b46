/* seam_none.c -- the seam (seam.h) with nothing above the core.
 *
 * For the programs that link the core, the RDB format and the value types
 * without the server: castor-check-rdb (check_rdb.c) and the RDB/RESTORE
 * fuzzer. There is no transaction, blocked client, subscriber, AOF or
 * replica to tell: every request is admitted, nothing is queued, and
 * events and effects go nowhere. There is no script engine: a function
 * library is read but not compiled, as redis-check-rdb does. Not linked into castor-server, whose
 * seam is server.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "seam.h"

seam_verdict seam_admit(client *c, struct command *cmd) {
    (void)c;
    (void)cmd;
    return SEAM_RUN;
}

void seam_refused_in_multi(client *c) { (void)c; }

void seam_after_call(client *c, struct command *cmd, long long dur_us, bool outermost) {
    (void)c;
    (void)cmd;
    (void)dur_us;
    (void)outermost;
}

void seam_key_modified(struct db *d, const char *key, size_t klen, bool by_server) {
    (void)d;
    (void)key;
    (void)klen;
    (void)by_server;
}

void seam_db_flushed(int dbid, int other) {
    (void)dbid;
    (void)other;
}

void seam_db_swapped(int a, int b) {
    (void)a;
    (void)b;
}

void seam_keyspace_event(int type, const char *event, const char *key, size_t klen, int dbid) {
    (void)type;
    (void)event;
    (void)key;
    (void)klen;
    (void)dbid;
}

void seam_propagate(int readers, int dbid, int argc, const slice *argv) {
    (void)readers;
    (void)dbid;
    (void)argc;
    (void)argv;
}

void seam_client_freed(client *c) { (void)c; }

bool seam_arg_is_secret(const client *c, int i) {
    (void)c;
    (void)i;
    return false;
}

void seam_before_reply_write(void) {}

void seam_master_request_done(client *c, const char *req, size_t len) {
    (void)c;
    (void)req;
    (void)len;
}

void seam_master_error(client *c, const char *err, size_t len) {
    (void)c;
    (void)err;
    (void)len;
}

size_t seam_replica_pending(const client *c) {
    (void)c;
    return 0;
}

int seam_replica_write(client *c) {
    (void)c;
    return 0;
}

void seam_function_foreach(seam_code_fn *fn, void *priv) {
    (void)fn;
    (void)priv;
}

int seam_function_load(const char *code, size_t len, bool replace, str **err) {
    (void)code;
    (void)len;
    (void)replace;
    (void)err;
    return 0;
}
