/* test_core.c -- the core (layers 1 and 2) linked alone, with stubs of the
 * seam (seam.h) in place of server.c and every feature above it.
 *
 * That it links at all proves the core calls up only through the seam.
 * It links seam_none.c, the offline tools' seam, and replaces the
 * functions whose calls it observes: these record each call they get,
 * and the tests drive requests through the real dispatcher with a small
 * table of test commands:
 *   - the admission ladder's order (existence, arity, auth, then the
 *     features' seam_admit) and that a request refused, queued or
 *     postponed never reaches its proc;
 *   - lazy expiry: a master deletes, announces and propagates DEL at
 *     once, ahead of the command's own effects; a replica only hides;
 *   - MULTI wrapping by the dispatcher: one effect goes alone, several
 *     (of one command, or of commands run inside another, as EXEC does)
 *     as one MULTI/EXEC block; inside that block a lazy DEL keeps its
 *     place;
 *   - propagation: nothing while no reader listens or while loading. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "ev.h"
#include "mem.h"
#include "propagate.h"
#include "reply.h"
#include "seam.h"
#include "server.h"
#include "util.h"
#include "unit.h"

/* ---- The stub seam: a log of what the core asked ----
 * These strong definitions replace seam_none.c's weak ones. */

static char calls[64][128];
static int ncalls;
static const char *admit_error;    /* seam_admit() refuses with this */
static seam_verdict admit_verdict; /* else answers this */

static void record(const char *fmt, const char *a, const char *b) {
    if (ncalls < 64) snprintf(calls[ncalls++], sizeof(calls[0]), fmt, a, b);
}

/* As server.c's: a refusal is replied and counted by the feature. */
seam_verdict seam_admit(client *c, command *cmd) {
    record("admit %s%s", cmd->fullname, "");
    if (admit_error) {
        cmdtable_reject(c, cmd, admit_error);
        return SEAM_DONE;
    }
    if (admit_verdict == SEAM_POSTPONED) c->flags |= CLIENT_PAUSED_WAIT;
    return admit_verdict;
}

void seam_refused_in_multi(client *c) {
    (void)c;
    record("refused in multi%s%s", "", "");
}

void seam_after_call(client *c, command *cmd, long long dur_us, bool outermost) {
    (void)c;
    (void)dur_us;
    record("after %s%s", cmd->fullname, outermost ? "" : " (nested)");
}

void seam_key_modified(db *d, const char *key, size_t klen, bool by_server) {
    (void)d;
    (void)by_server;
    char k[64];
    snprintf(k, sizeof(k), "%.*s", (int)klen, key);
    record("modified %s%s", k, "");
}

void seam_db_flushed(int dbid, int other) {
    (void)dbid;
    (void)other;
    record("flushed%s%s", "", "");
}

void seam_db_swapped(int a, int b) {
    (void)a;
    (void)b;
    record("swapped%s%s", "", "");
}

void seam_keyspace_event(int type, const char *event, const char *key, size_t klen, int dbid) {
    (void)type;
    (void)dbid;
    char k[64];
    snprintf(k, sizeof(k), "%.*s", (int)klen, key);
    record("event %s %s", event, k);
}

void seam_propagate(int readers, int dbid, int argc, const slice *argv) {
    (void)readers;
    (void)dbid;
    char line[128] = "";
    size_t off = 0;
    for (int i = 0; i < argc && off < sizeof(line); i++)
        off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%.*s", i ? " " : "",
                                (int)argv[i].len, argv[i].ptr);
    record("propagate %s%s", line, "");
}

bool seam_arg_is_secret(const client *c, int i) {
    (void)c;
    (void)i;
    return false;
}

void seam_client_freed(client *c) {
    (void)c;
    record("client freed%s%s", "", "");
}

/* The rest of the seam is seam_none.c's (weak) defaults. */

/* ---- Test commands ---- */

static int procs_run;

/* tset key value: one effect, like SET. */
static void cmd_tset(client *c) {
    procs_run++;
    db_set_string(c->db, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len, 0);
    db_signal_modified(c->db, c->argv[1].ptr, c->argv[1].len);
    db_notify(NOTIFY_STRING, "set", c->argv[1].ptr, c->argv[1].len, c->dbid);
    propagate(c->dbid, c->argc, c->argv);
    reply_ok(c);
}

/* tget key: reads, so a lazily expired key goes here. */
static void cmd_tget(client *c) {
    procs_run++;
    kv *e = db_find_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e == NULL) reply_null(c);
    else reply_ok(c);
}

/* tincr2 key: looks the key up for writing, then two effects. */
static void cmd_tincr2(client *c) {
    procs_run++;
    (void)db_find_write(c->db, c->argv[1].ptr, c->argv[1].len);
    slice a[2] = {slice_of("INCR", 4), c->argv[1]};
    propagate(c->dbid, 2, a);
    propagate(c->dbid, 2, a);
    reply_ok(c);
}

/* tnest: runs "tset a 1" then "tget b" inside itself, as EXEC runs its
 * queue. */
static void cmd_tnest(client *c) {
    procs_run++;
    slice own[1] = {c->argv[0]};
    slice set[3] = {slice_of("tset", 4), slice_of("a", 1), slice_of("1", 1)};
    slice get[2] = {slice_of("tget", 4), slice_of("b", 1)};
    c->argv = set;
    c->argc = 3;
    c->cmd = cmdtable_lookup(c);
    cmdtable_call(c);
    c->argv = get;
    c->argc = 2;
    c->cmd = cmdtable_lookup(c);
    cmdtable_call(c);
    c->argv = own;
    c->argc = 1;
}

/* tauthon: the default user needs a password from now on (as CONFIG SET
 * requirepass): unauthenticated clients get the tighter protocol limits. */
static void cmd_tauthon(client *c) {
    srv.acl_default_needs_auth = true;
    reply_ok(c);
}

/* clang-format off */
static command test_commands[] = {
    {.name = "tauthon", .proc = cmd_tauthon, .arity = 1, .flags = 0},
    {.name = "tset", .proc = cmd_tset, .arity = 3, .flags = CMD_WRITE, .keys = {1, 1, 1}},
    {.name = "tget", .proc = cmd_tget, .arity = 2, .flags = CMD_READONLY, .keys = {1, 1, 1}},
    {.name = "tincr2", .proc = cmd_tincr2, .arity = 2, .flags = CMD_WRITE, .keys = {1, 1, 1}},
    {.name = "tnest", .proc = cmd_tnest, .arity = 1, .flags = CMD_WRITE},
    {.name = "tnoauth", .proc = cmd_tget, .arity = 2, .flags = CMD_NO_AUTH | CMD_LOADING},
    {.name = NULL}};
/* clang-format on */

/* ---- Helpers ---- */

static client *cl;
static int sockets[2];

static void reset(void) {
    ncalls = 0;
    procs_run = 0;
    admit_error = NULL;
    admit_verdict = SEAM_RUN;
    cl->flags &= ~CLIENT_PAUSED_WAIT;
    cl->buf_used = 0;
    cl->flags &= ~CLIENT_MULTI;
    cl->authenticated = true;
    srv.loading = false;
    srv.is_replica = false;
    server_update_time();
}

/* Dispatch "words..." (NULL-terminated) as one request of the client. */
static void request(const char *first, ...) {
    slice argv[8];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *w = first; w && argc < 8; w = va_arg(ap, const char *))
        argv[argc++] = slice_of(w, strlen(w));
    va_end(ap);
    cl->argv = argv;
    cl->argc = argc;
    ASSERT(cmdtable_dispatch(cl));
    cl->argv = NULL;
    cl->argc = 0;
}

static bool replied(const char *prefix) {
    return cl->buf_used >= strlen(prefix) && memcmp(cl->buf, prefix, strlen(prefix)) == 0;
}

/* Are the recorded calls exactly these, in order? */
static void expect_calls(const char *const *want, int n) {
    for (int i = 0; i < n && i < ncalls; i++) ASSERT_STREQ(calls[i], want[i]);
    ASSERT_EQ(ncalls, n);
}

static int count_calls(const char *prefix) {
    int n = 0;
    for (int i = 0; i < ncalls; i++) n += strncmp(calls[i], prefix, strlen(prefix)) == 0;
    return n;
}

static void add_expired(const char *key) {
    kv *e = kv_new_string(key, strlen(key), "v", 1);
    e = kv_set_expire(e, srv.mstime - 1000);
    db_add(db_get(0), e);
}

/* ---- Dispatch order ---- */

static void test_unknown_command_is_refused_before_anything(void) {
    reset();
    request("nosuch", "x", NULL);
    ASSERT(replied("-ERR unknown command 'nosuch', with args beginning with: 'x' "));
    ASSERT_EQ(ncalls, 0);
}

static void test_arity_comes_before_auth_and_the_features(void) {
    reset();
    cl->authenticated = false;
    request("tget", NULL);
    ASSERT(replied("-ERR wrong number of arguments for 'tget' command"));
    ASSERT_EQ(ncalls, 0);
    ASSERT_EQ(procs_run, 0);
}

static void test_auth_comes_before_the_features(void) {
    reset();
    cl->authenticated = false;
    srv.acl_default_needs_auth = true; /* the default user has a password */
    request("tget", "k", NULL);
    ASSERT(replied("-NOAUTH "));
    ASSERT_EQ(ncalls, 0);
    cl->buf_used = 0;
    request("tnoauth", "k", NULL); /* NO_AUTH: asks the features, runs */
    ASSERT_EQ(procs_run, 1);
    srv.acl_default_needs_auth = false;
}

/* -LOADING and a RESP2 subscriber's limit come after ACL in Redis, so the
 * core leaves them to seam_admit() (server.c). */
static void test_loading_and_subscribers_are_the_features_to_refuse(void) {
    reset();
    srv.loading = true;
    cl->flags |= CLIENT_PUBSUB;
    request("tget", "k", NULL);
    cl->flags &= ~CLIENT_PUBSUB;
    const char *want[] = {"admit tget", "after tget"};
    expect_calls(want, 2);
    ASSERT_EQ(procs_run, 1);
}

static void test_a_feature_refusal_stops_the_request(void) {
    reset();
    admit_error = "OOM command not allowed when used memory > 'maxmemory'.";
    command *cmd = cmdtable_find("tset", 4);
    long long rejected = cmd->rejected;
    request("tset", "k", "v", NULL);
    ASSERT(replied("-OOM command not allowed"));
    ASSERT_EQ(procs_run, 0);
    ASSERT_EQ(cmd->rejected, rejected + 1);
    ASSERT(db_find_raw(db_get(0), "k", 1) == NULL);
    const char *want[] = {"admit tset"};
    expect_calls(want, 1);
}

static void test_a_core_refusal_inside_multi_fails_the_transaction(void) {
    reset();
    cl->flags |= CLIENT_MULTI;
    request("tset", "k", NULL); /* wrong arity: refused by the core */
    ASSERT(replied("-ERR wrong number of arguments"));
    const char *want[] = {"refused in multi"};
    expect_calls(want, 1);
}

static void test_a_request_the_features_answered_does_not_run(void) {
    reset();
    cl->flags |= CLIENT_MULTI;
    admit_verdict = SEAM_DONE; /* queued by MULTI */
    request("tset", "k", "v", NULL);
    ASSERT_EQ(procs_run, 0);
    const char *want[] = {"admit tset"};
    expect_calls(want, 1);
}

static void test_a_postponed_request_is_kept_for_later(void) {
    reset();
    admit_verdict = SEAM_POSTPONED; /* CLIENT PAUSE */
    slice argv[3] = {slice_of("tset", 4), slice_of("k", 1), slice_of("v", 1)};
    cl->argv = argv;
    cl->argc = 3;
    ASSERT(!cmdtable_dispatch(cl)); /* to be parsed again */
    cl->argv = NULL;
    cl->argc = 0;
    ASSERT_EQ(procs_run, 0);
    ASSERT_EQ(cl->buf_used, 0);
    ASSERT(db_find_raw(db_get(0), "k", 1) == NULL);
}

static void test_a_call_runs_then_reports_after(void) {
    reset();
    request("tset", "k", "v", NULL);
    ASSERT(replied("+OK"));
    ASSERT_EQ(procs_run, 1);
    const char *want[] = {"admit tset", "modified k", "propagate tset k v", "after tset"};
    expect_calls(want, 4);
    db_delete(db_get(0), "k", 1);
}

/* ---- Lazy expiry ---- */

static void test_lazy_expiry_on_a_master_deletes_and_propagates_del(void) {
    reset();
    add_expired("gone");
    cfg.notify_keyspace_events = 1; /* any bit: the core then reports events */
    request("tget", "gone", NULL);
    cfg.notify_keyspace_events = 0;
    ASSERT(replied("$-1"));
    ASSERT(db_find_raw(db_get(0), "gone", 4) == NULL);
    const char *want[] = {"admit tget",    "propagate DEL gone", "event expired gone",
                          "modified gone", "event keymiss gone", "after tget"};
    expect_calls(want, 6);
}

static void test_lazy_expiry_on_a_replica_only_hides(void) {
    reset();
    add_expired("old");
    srv.is_replica = true;
    request("tget", "old", NULL);
    ASSERT(replied("$-1"));
    ASSERT(db_find_raw(db_get(0), "old", 3) != NULL); /* the master's DEL will come */
    ASSERT_EQ(count_calls("propagate"), 0);
    ASSERT_EQ(count_calls("modified"), 0);
    srv.is_replica = false;
    db_delete(db_get(0), "old", 3);
}

/* db_add() and db_set() take the hash a missed lookup computed, for
 * those very bytes only: a key of the same length added in between, an
 * expired key deleted by the lookup, and a key too long to be recorded
 * must all be found again by their own hash. */
static void test_a_missed_keys_hash_serves_only_that_key(void) {
    reset();
    db *d = db_get(0);
    char a[24], b[24], big[100];
    memset(big, 'k', sizeof(big));
    /* Enough keys that a wrong bucket cannot pass by chance. */
    for (int i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "miss:a%04d", i);
        snprintf(b, sizeof(b), "miss:b%04d", i);
        ASSERT(db_find_write(d, a, 10) == NULL);
        db_add(d, kv_new_string(b, 10, "1", 1));
        db_set(d, kv_new_string(a, 10, "2", 1), 0);
        big[0] = (char)('A' + i % 26), big[1] = (char)('A' + i / 26);
        ASSERT(db_find_write(d, big, sizeof(big)) == NULL);
        db_add(d, kv_new_string(big, sizeof(big), "3", 1));
    }
    add_expired("miss:c");
    ASSERT(db_find_write(d, "miss:c", 6) == NULL);
    db_add(d, kv_new_string("miss:c", 6, "4", 1));
    ASSERT(db_delete(d, "miss:c", 6));
    for (int i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "miss:a%04d", i);
        snprintf(b, sizeof(b), "miss:b%04d", i);
        big[0] = (char)('A' + i % 26), big[1] = (char)('A' + i / 26);
        ASSERT(db_delete(d, a, 10));
        ASSERT(db_delete(d, b, 10));
        ASSERT(db_delete(d, big, sizeof(big)));
    }
}

static void test_lazy_del_goes_ahead_of_the_commands_block(void) {
    reset();
    add_expired("n");
    request("tincr2", "n", NULL);
    /* Redis 7.0: the DEL is not wrapped with the command's effects. */
    const char *want[] = {"admit tincr2",    "propagate DEL n",  "modified n",
                          "propagate MULTI", "propagate INCR n", "propagate INCR n",
                          "propagate EXEC",  "after tincr2"};
    expect_calls(want, 8);
}

/* ---- MULTI wrapping ---- */

static void test_one_effect_is_not_wrapped(void) {
    reset();
    request("tset", "one", "1", NULL);
    ASSERT_EQ(count_calls("propagate MULTI"), 0);
    ASSERT_EQ(count_calls("propagate"), 1);
    db_delete(db_get(0), "one", 3);
}

static void test_commands_run_inside_another_form_one_block(void) {
    reset();
    add_expired("b");
    request("tnest", NULL);
    /* The nested lookup's DEL keeps its place inside the block. */
    ASSERT_EQ(count_calls("propagate MULTI"), 1);
    ASSERT_EQ(count_calls("propagate EXEC"), 1);
    int multi = -1, set = -1, del = -1, exec = -1, after_get = -1, after_nest = -1;
    for (int i = 0; i < ncalls; i++) {
        if (!strcmp(calls[i], "propagate MULTI")) multi = i;
        if (!strcmp(calls[i], "propagate tset a 1")) set = i;
        if (!strcmp(calls[i], "propagate DEL b")) del = i;
        if (!strcmp(calls[i], "propagate EXEC")) exec = i;
        if (!strcmp(calls[i], "after tget (nested)")) after_get = i;
        if (!strcmp(calls[i], "after tnest")) after_nest = i;
    }
    /* Sent when the outer command returns: after the inner calls. */
    ASSERT(after_get >= 0 && after_get < multi);
    ASSERT(multi < set && set < del && del < exec && exec < after_nest);
    db_delete(db_get(0), "a", 1);
}

/* ---- Propagation ---- */

static void test_no_reader_no_effects(void) {
    reset();
    propagate_set_reader(PROPAGATE_AOF, false);
    request("tincr2", "x", NULL);
    ASSERT_EQ(count_calls("propagate"), 0);
    propagate_set_reader(PROPAGATE_AOF, true);
}

static void test_nothing_is_propagated_while_loading(void) {
    reset();
    srv.loading = true;
    request("tnoauth", "x", NULL); /* allowed while loading */
    propagate_begin();
    slice a[2] = {slice_of("DEL", 3), slice_of("x", 1)};
    propagate(0, 2, a);
    propagate_deletion(0, "x", 1);
    propagate_end();
    ASSERT_EQ(count_calls("propagate"), 0);
}

static void test_effects_outside_a_call_go_out_at_once(void) {
    reset();
    slice a[2] = {slice_of("DEL", 3), slice_of("y", 1)};
    propagate(0, 2, a);
    propagate(0, 2, a);
    const char *want[] = {"propagate DEL y", "propagate DEL y"};
    expect_calls(want, 2);
}

/* ---- Clients ---- */

static void test_freeing_a_client_tells_the_features(void) {
    reset();
    client_free(cl);
    cl = NULL;
    const char *want[] = {"client freed"};
    expect_calls(want, 1);
}

/* client_find_by_id() goes through client.c's index by ID: every client
 * with a socket is found, a freed one no longer, as the index grows and
 * shrinks. */
static void test_clients_are_found_by_id_until_freed(void) {
    enum { N = 40 };
    client *cs[N];
    int peer[N];
    ASSERT(client_find_by_id(cl->id) == cl);
    for (int i = 0; i < N; i++) {
        int sv[2];
        ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        cs[i] = client_new(sv[0], false);
        ASSERT(cs[i] != NULL);
        peer[i] = sv[1];
    }
    for (int i = 0; i < N; i++) ASSERT(client_find_by_id(cs[i]->id) == cs[i]);
    uint64_t last = cs[N - 1]->id;
    ASSERT(client_find_by_id(last + 1) == NULL);
    ASSERT(client_find_by_id(0) == NULL);
    for (int i = 0; i < N; i += 2) {
        uint64_t id = cs[i]->id;
        client_free(cs[i]);
        ASSERT(client_find_by_id(id) == NULL);
    }
    for (int i = 1; i < N; i += 2) ASSERT(client_find_by_id(cs[i]->id) == cs[i]);
    for (int i = 1; i < N; i += 2) client_free(cs[i]);
    for (int i = 0; i < N; i++) close(peer[i]);
    ASSERT(client_find_by_id(last) == NULL);
    ASSERT(client_find_by_id(cl->id) == cl);
}

/* The prefetch parses a queued client's first request before the
 * clients ahead of it run; one of those may change the limits that request
 * is parsed under (here: a password becomes required, so a request of 11
 * arguments from a client that has not authenticated is a protocol
 * error). It must then be parsed again under the new limits. */
static void test_a_request_parsed_ahead_obeys_limits_changed_before_it_runs(void) {
    int sa[2], sb[2];
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sa) == 0);
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sb) == 0);
    client *b = client_new(sb[0], false), *a = client_new(sa[0], false);
    a->authenticated = false;
    long long qlimit = cfg.client_query_buffer_limit;
    cfg.client_query_buffer_limit = 1024 * 1024;
    const char *on = "*1\r\n$7\r\ntauthon\r\n";
    str *req = str_from("*11\r\n$4\r\ntget\r\n");
    for (int i = 0; i < 10; i++) req = str_cat(req, "$1\r\nk\r\n", 7);
    ASSERT(write(sb[1], on, strlen(on)) == (ssize_t)strlen(on));
    ASSERT(write(sa[1], req->buf, req->len) == (ssize_t)req->len);
    str_free(req);
    ev_poll_files(100); /* reads both: b first, as its bytes came first */
    client_run_queued();
    ASSERT(b->buf_used >= 3 && memcmp(b->buf, "+OK", 3) == 0);
    const char *want = "-ERR Protocol error: unauthenticated multibulk length";
    ASSERT(a->buf_used >= strlen(want) && memcmp(a->buf, want, strlen(want)) == 0);
    srv.acl_default_needs_auth = false;
    cfg.client_query_buffer_limit = qlimit;
    client_free(a);
    client_free(b);
    for (int i = 0; i < 2; i++) close(sa[i]), close(sb[i]);
}

int main(void) {
    cfg.databases = 16;
    cfg.proto_max_bulk_len = 512 * 1024 * 1024;
    cfg.maxmemory_policy = POLICY_NOEVICTION;
    server_update_time();
    db_init(cfg.databases, false);
    ASSERT(ev_init(128) == 0);
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) == 0);
    cmdtable_register(test_commands);
    cl = client_new(sockets[0], false); /* a socket, so replies are kept */
    propagate_set_reader(PROPAGATE_AOF, true);

    RUN(test_unknown_command_is_refused_before_anything);
    RUN(test_arity_comes_before_auth_and_the_features);
    RUN(test_auth_comes_before_the_features);
    RUN(test_loading_and_subscribers_are_the_features_to_refuse);
    RUN(test_a_feature_refusal_stops_the_request);
    RUN(test_a_core_refusal_inside_multi_fails_the_transaction);
    RUN(test_a_request_the_features_answered_does_not_run);
    RUN(test_a_postponed_request_is_kept_for_later);
    RUN(test_a_call_runs_then_reports_after);
    RUN(test_lazy_expiry_on_a_master_deletes_and_propagates_del);
    RUN(test_lazy_expiry_on_a_replica_only_hides);
    RUN(test_a_missed_keys_hash_serves_only_that_key);
    RUN(test_lazy_del_goes_ahead_of_the_commands_block);
    RUN(test_one_effect_is_not_wrapped);
    RUN(test_commands_run_inside_another_form_one_block);
    RUN(test_no_reader_no_effects);
    RUN(test_nothing_is_propagated_while_loading);
    RUN(test_effects_outside_a_call_go_out_at_once);

    RUN(test_a_request_parsed_ahead_obeys_limits_changed_before_it_runs);
    RUN(test_clients_are_found_by_id_until_freed);
    RUN(test_freeing_a_client_tells_the_features);
    close(sockets[1]);
    return unit_report();
}
