/* server.c -- main, start-up, the cron and shutdown.
 *
 * Start-up order: defaults, config file, command-line directives, logging,
 * listeners, databases, then the event loop. The cron runs hz times a
 * second for slow housekeeping (timeouts, active expiry, rehashing); fast
 * work that must happen every loop turn (writing replies, freeing closed
 * clients) lives in before_sleep().
 * SPDX-License-Identifier: BSD-3-Clause */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "aof.h"
#include "bitops.h"
#include "blocking.h"
#include "child.h"
#include "clientcmd.h"
#include "cluster.h"
#include "cmdinfo.h"
#include "cmdtable.h"
#include "config.h"
#include "crash.h"
#include "db.h"
#include "debug.h"
#include "dump.h"
#include "errors.h"
#include "ev.h"
#include "evict.h"
#include "expire.h"
#include "function.h"
#include "geo.h"
#include "hllcmd.h"
#include "info.h"
#include "keys.h"
#include "log.h"
#include "lolwut.h"
#include "mem.h"
#include "memory.h"
#include "migrate.h"
#include "module.h"
#include "multi.h"
#include "net.h"
#include "proctitle.h"
#include "propagate.h"
#include "pubsub.h"
#include "repl.h"
#include "reply.h"
#include "script.h"
#include "seam.h"
#include "latency.h"
#include "slowlog.h"
#include "snapshot.h"
#include "sort.h"
#include "srvcmd.h"
#include "str.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "stream.h"
#include "t_stream.h"
#include "t_string.h"
#include "t_zset.h"
#include "tls.h"
#include "tracking.h"
#include "util.h"

/* ---- Shutdown ---- */

static volatile sig_atomic_t last_signal;

static void remove_files(void) {
    if (cfg.unixsocket && cfg.unixsocket[0]) unlink(cfg.unixsocket);
    if (cfg.pidfile && cfg.pidfile[0]) {
        log_msg(LOG_NOTICE, "Removing the pid file.");
        unlink(cfg.pidfile);
    }
}

/* Writes stay paused while a shutdown waits for replicas; what was paused
 * before comes back if it is cancelled. */
static int paused_before_type;
static long long paused_before_end;

static void cancel_shutdown(void) {
    srv.shutdown_asap = false;
    srv.shutdown_flags = 0;
    if (srv.shutdown_mstime) {
        srv.shutdown_mstime = 0;
        srv.pause_type = paused_before_type;
        srv.pause_end_ms = paused_before_end;
        client_unpause_all();
    }
    last_signal = 0;
    blocking_reply_shutdown_waiters(ERR_SHUTDOWN_FAILED);
}

/* The last steps, in Redis's order: stop a saving child (it could rename
 * its file over ours), flush the AOF (aof.c), the final snapshot (with
 * save points or SAVE), then let replicas have what is queued for them. */
static int finish_shutdown(void) {
    int flags = srv.shutdown_flags;
    repl_log_shutdown_state();
    child_kill_sessions(); /* forked Lua debugging sessions */
    snapshot_stop_child();
    if (aof_prepare_shutdown(flags & SHUTDOWN_FORCE) == -1 || snapshot_final_save(flags) == -1) {
        log_msg(LOG_WARNING,
                "Errors trying to shut down the server. Check the logs for more information.");
        cancel_shutdown();
        return -1;
    }
    remove_files();
    client_flush_pending(); /* best effort: replicas get their last bytes */
    for (int i = 0; i < srv.tcp_count; i++) close(srv.tcp_fds[i]);
    for (int i = 0; i < srv.tls_count; i++) close(srv.tls_fds[i]);
    if (srv.unix_fd != -1) close(srv.unix_fd);
    log_msg(LOG_WARNING, "%s is now ready to exit, bye bye...", "Redis");
    return 0;
}

int server_prepare_shutdown(int flags) {
    if (srv.shutdown_mstime) return -1; /* one is already waiting */
    /* Never save a dataset that is only partly loaded. */
    if (srv.loading) flags = (flags & ~SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE;
    srv.shutdown_flags = flags;
    log_msg(LOG_NOTICE, "User requested shutdown...");
    if (!(flags & SHUTDOWN_NOW) && cfg.shutdown_timeout != 0 && !repl_replicas_in_sync()) {
        srv.shutdown_mstime = srv.mstime + (long long)cfg.shutdown_timeout * 1000;
        if (!srv.pause_type) repl_send_getack();
        paused_before_type = srv.pause_type;
        paused_before_end = srv.pause_end_ms;
        if (srv.pause_type < 1) srv.pause_type = 1; /* writes */
        srv.pause_end_ms = LLONG_MAX;
        log_msg(LOG_NOTICE, "Waiting for replicas before shutting down.");
        return -1;
    }
    return finish_shutdown();
}

int server_abort_shutdown(void) {
    if (srv.shutdown_mstime) cancel_shutdown();
    else if (srv.shutdown_asap) srv.shutdown_asap = false; /* a signal not acted on yet */
    else return -1;
    log_msg(LOG_NOTICE, "Shutdown manually aborted.");
    return 0;
}

/* "temp-<pid>.rdb", made before any signal can come: a second SIGINT
 * removes the snapshot being written and exits at once. */
static char temp_rdb_name[64];

static void on_signal(int sig) {
    if (srv.shutdown_asap && sig == SIGINT) {
        log_raw_signal_safe("You insist... exiting now.\n");
        unlink(temp_rdb_name);
        _exit(1); /* not a clean shutdown */
    }
    last_signal = sig;
    srv.shutdown_asap = true;
}

static void setup_signals(void) {
    snprintf(temp_rdb_name, sizeof(temp_rdb_name), "temp-%d.rdb", (int)getpid());
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
}

void server_shutdown_while_loading(void) {
    if (!srv.shutdown_asap || !srv.loading || srv.shutdown_mstime) return;
    log_msg(LOG_WARNING, "Received %s during loading, shutting down without saving...",
            last_signal == SIGINT ? "SIGINT" : "SIGTERM");
    if (server_prepare_shutdown(SHUTDOWN_NOSAVE) == 0) exit(0);
    log_msg(
        LOG_WARNING,
        "SIGTERM received but errors trying to shut down the server, check the logs for more information");
    srv.shutdown_asap = false;
}

/* A signal asked for a shutdown (with the flags shutdown-on-sigterm or
 * shutdown-on-sigint give), or one waits for replicas to catch up. */
static void check_shutdown(void) {
    if (srv.shutdown_asap && !srv.shutdown_mstime) {
        log_msg(LOG_WARNING, "Received %s scheduling shutdown...",
                last_signal == SIGINT ? "SIGINT" : "SIGTERM");
        int flags = last_signal == SIGINT ? cfg.shutdown_on_sigint : cfg.shutdown_on_sigterm;
        if (server_prepare_shutdown(flags) == 0) exit(0);
        if (!srv.shutdown_mstime) /* failed, not waiting for replicas */
            log_msg(
                LOG_WARNING,
                "SIGTERM received but errors trying to shut down the server, check the logs for more information");
    } else if (srv.shutdown_mstime) {
        if (srv.mstime >= srv.shutdown_mstime || repl_replicas_in_sync()) {
            if (finish_shutdown() == 0) exit(0);
        }
    }
}

/* ---- While the dataset loads at start-up ---- */

void server_serve_while_loading(void) {
    server_update_time();
    check_shutdown(); /* srv.loading: a shutdown that never saves */
    client_serve_while_busy(NULL);
}

/* ---- Cron and loop hooks ---- */

static long long cron(long long id, void *data) {
    (void)id;
    (void)data;
    server_update_time();
    if (srv.pause_cron) return 1000 / (srv.hz > 0 ? srv.hz : 10);
    srv.cronloops++;
    size_t used = mem_used();
    if ((long long)used > srv.stat_peak_memory) srv.stat_peak_memory = (long long)used;
    check_shutdown();
    client_cron();
    if (srv.active_expire_enabled && !srv.is_replica && !db_writes_paused()) expire_cycle_slow();
    if (srv.active_expire_enabled) db_expire_replica_keys(); /* after a promotion: forgets them */
    db_cron();
    child_reap();    /* a finished BGSAVE or AOF rewrite child */
    snapshot_cron(); /* save points, scheduled BGSAVE */
    aof_cron();      /* scheduled and automatic AOF rewrites */
    repl_cron();     /* links, snapshots for replicas, pings, WAIT timeouts */
    if (srv.tracking_clients) tracking_limit_keys();
    cluster_cron(); /* the cluster bus: pings, failure detection, failover */
    migrate_cron(); /* idle cached MIGRATE connections */
    crash_watchdog_cron();
    if (srv.pause_type && srv.pause_end_ms <= srv.mstime) {
        srv.pause_type = PAUSE_NONE;
        client_unpause_all();
    }
    if (cfg.maxmemory) evict_perform(); /* keep evicting between commands */
    info_cron();
    return 1000 / (srv.hz > 0 ? srv.hz : 10);
}

static void before_sleep(void) {
    server_update_time();
    if (srv.active_expire_enabled && !srv.is_replica && !db_writes_paused()) expire_cycle_fast();
    /* Clients released since the last turn run what they pipelined after
     * (WAIT's; CLIENT UNPAUSE's, before the keys they signal; the blocked
     * ones served), as Redis's beforeSleep does, before the AOF is written
     * and replies leave; again while one of them unpaused the others. */
    do {
        repl_resume_released();
        client_resume_unpaused();
        blocking_before_sleep();
    } while (client_unpause_pending());
    tracking_send_pending(); /* those of the waiters served just above */
    tracking_broadcast();    /* BCAST clients: the keys changed this turn */
    /* The AOF is written (under appendfsync always, synced) before any
     * reply of this turn leaves: an acknowledged write is on disk. */
    aof_flush_before_sleep();
    repl_before_sleep();    /* GETACK for WAIT */
    script_before_sleep();  /* our master's stream held by a busy script */
    cluster_before_sleep(); /* state, nodes.conf, a manual failover's next step */
    client_evict();         /* maxmemory-clients: before their output is written */
    client_flush_pending();
    client_free_closing();
}

/* ---- The seam (seam.h): where the core reaches the features ---- */

/* A refusal by a feature: the error, counted; inside MULTI, EXEC fails.
 * A refused EXEC (-BUSY, OOM, MISCONF, READONLY...) aborts its transaction
 * with the reason, as Redis's rejectCommand does. */
static seam_verdict refuse(client *c, command *cmd, const char *err) {
    if (cmd->flags & CMD_QUEUED_FLAGS) { /* EXEC, in MULTI or not */
        cmd->rejected++;
        multi_abort_exec(c, err);
        return SEAM_DONE;
    }
    cmdtable_reject(c, cmd, err);
    multi_flag_error(c);
    return SEAM_DONE;
}

/* A RESP2 subscriber may only (un)subscribe, ping, quit or reset. */
static bool refused_to_subscriber(const client *c, const command *cmd) {
    return (c->flags & CLIENT_PUBSUB) && c->resp == 2 && !(cmd->flags & CMD_SUBSCRIBER_OK);
}

/* After the core's checks (existence, arity, protected, auth), in the
 * order of Redis 7.0's processCommand: a refusal a client sees is the
 * first of these that applies. */
seam_verdict seam_admit(client *c, command *cmd) {
    if ((c->flags & CLIENT_MULTI) && (cmd->flags & CMD_NO_MULTI))
        return refuse(c, cmd, ERR_MULTI_FORBIDDEN);
    /* ACL, before the server's state; skipped for the default user while
     * it may run anything (the common case costs one test). */
    if (c->user || !srv.acl_default_open) {
        const char *err = acl_admit(c, cmd);
        if (err) return refuse(c, cmd, err);
    }
    /* Cluster: the request goes to the node serving its keys' slot (our
     * master's stream and the AOF are obeyed). An EXEC redirected loses
     * its transaction; a request queued after MULTI makes EXEC fail. */
    if (cfg.cluster_enabled && !(c->flags & (CLIENT_MASTER | CLIENT_FAKE))) {
        char buf[128 + NET_ADDR_SIZE];
        const char *err = cluster_redirect(c, cmd, buf, sizeof(buf));
        if (err) {
            if ((c->flags & CLIENT_MULTI) && (cmd->flags & CMD_QUEUED_FLAGS)) multi_discard(c);
            else multi_flag_error(c);
            cmdtable_reject(c, cmd, err);
            return SEAM_DONE;
        }
    }
    /* EVAL and FCALL take write, denyoom and stale from their script, EXEC
     * from the commands it runs. */
    uint32_t flags = cmd->flags;
    if (flags & CMD_SCRIPT_FLAGS) flags = script_cmd_flags(c, flags);
    bool exec = (c->flags & CLIENT_MULTI) && (cmd->flags & CMD_QUEUED_FLAGS);
    if (exec) {
        flags |= multi_queued_flags(c) & (CMD_WRITE | CMD_DENYOOM | CMD_MAY_REPLICATE);
        if (multi_queued_missing_flags(c) & CMD_STALE) flags &= ~CMD_STALE;
    }
    /* maxmemory-clients, before key eviction as in Redis: the commands
     * run since the last check may have grown output buffers. If c itself
     * goes, its request is dropped unanswered. */
    if (cfg.maxmemory_clients) {
        client_evict();
        if (c->flags & CLIENT_CLOSE_ASAP) {
            reply_discard(c); /* its memory back now, before key eviction looks */
            return SEAM_DONE;
        }
    }
    /* maxmemory: evict before running anything; refuse writes that would
     * grow memory if eviction can't get under the limit. Not while a
     * script is busy: its effects and eviction's DELs must not mix. */
    if (cfg.maxmemory && !srv.busy_script && !evict_perform() && (flags & CMD_DENYOOM))
        return refuse(c, cmd, ERR_OOM);
    /* Keep the client-side caching table within tracking-table-max-keys. */
    if (srv.tracking_clients) tracking_limit_keys();
    /* After a failed background save, refuse writes (and PING, as Redis
     * 7.0 does) while stop-writes-on-bgsave-error holds; our master's
     * stream and the AOF loader are obeyed. The AOF's own -MISCONF is
     * aof_write_error(). */
    if ((flags & (CMD_WRITE | CMD_DENY_ON_MISCONF)) &&
        !(c->flags & (CLIENT_MASTER | CLIENT_FAKE))) {
        const char *err = snapshot_write_error();
        if (err) return refuse(c, cmd, err);
        const char *aof_err = aof_write_error();
        if (aof_err) {
            char buf[512];
            snprintf(buf, sizeof(buf), ERR_MISCONF_AOF, aof_err);
            return refuse(c, cmd, buf);
        }
    }
    /* Replication: -NOREPLICAS, -READONLY, then a RESP2 subscriber's
     * limit, then -MASTERDOWN (Redis checks them in this order). */
    const char *repl_err = repl_refuse(c, flags);
    bool subscriber = refused_to_subscriber(c, cmd);
    if (repl_err && !(subscriber && strncmp(repl_err, "MASTERDOWN", 10) == 0))
        return refuse(c, cmd, repl_err);
    if (subscriber) {
        char buf[256];
        snprintf(buf, sizeof(buf), ERR_SUBSCRIBER_CONTEXT, cmd->fullname);
        return refuse(c, cmd, buf);
    }
    if (repl_err) return refuse(c, cmd, repl_err);
    if ((srv.loading && !(cmd->flags & CMD_LOADING)) ||
        (srv.async_loading && (cmd->flags & CMD_NO_ASYNC_LOADING)))
        return refuse(c, cmd, ERR_LOADING);
    /* A script runs past busy-reply-threshold: only allow_busy commands.
     * Our master's stream waits for the script's end (script.c). */
    if (srv.busy_script && !(cmd->flags & CMD_ALLOW_BUSY)) {
        if (c->flags & CLIENT_MASTER) {
            script_hold_input();
            c->flags |= CLIENT_PAUSED_WAIT;
            return SEAM_POSTPONED;
        }
        return refuse(c, cmd, script_busy_error());
    }
    /* A replica may not touch the keyspace (it is exempt from CLIENT PAUSE
     * below, which this would let it abuse). */
    if ((c->flags & CLIENT_REPLICA) && (flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE)))
        return refuse(c, cmd, ERR_REPLICA_KEYSPACE);
    /* CLIENT PAUSE holds the request until the pause ends: every command
     * (ALL) or those that may write or propagate (WRITE). As in Redis 7.0
     * this comes after every rejection, only replicas are exempt, and the
     * pause lasts until the cron or UNPAUSE ends it, so nothing overtakes
     * the held requests. */
    if (srv.pause_type && !(c->flags & CLIENT_REPLICA) &&
        (srv.pause_type == PAUSE_ALL || (flags & (CMD_WRITE | CMD_MAY_REPLICATE)))) {
        c->flags |= CLIENT_PAUSED_WAIT;
        return SEAM_POSTPONED;
    }
    if ((c->flags & CLIENT_MULTI) && multi_maybe_queue(c, cmd, flags)) return SEAM_DONE;
    /* The durability mode notes where a write's reply starts (PUBLISH and
     * other commands that only propagate are not held: Sentinel's hello
     * messages share a link with its PINGs). */
    if (cfg.min_replicas_to_ack > 0) repl_ack_before(c, flags & CMD_WRITE);
    return SEAM_RUN;
}

void seam_refused_in_multi(client *c) { multi_flag_error(c); }

void seam_exec_refused(client *c, const char *err) { multi_abort_exec(c, err); }

void seam_after_call(client *c, command *cmd, long long dur_us, bool outermost) {
    /* Redis files every call under one of two latency events by its speed class. */
    latency_add_sample((cmd->flags & CMD_FAST) ? "fast-command" : "command", dur_us / 1000);
    /* A command that blocked is counted when it is served (blocking.c). */
    bool blocked = (c->flags & CLIENT_BLOCKED) && c->bstate;
    if (blocked) blocking_add_usec(c, dur_us);
    else if (cfg.latency_tracking) latency_record_command(cmd, dur_us);
    if (!(cmd->flags & CMD_SKIP_SLOWLOG)) slowlog_maybe_add(c, dur_us);
    /* Client-side caching: the keys a read-only command read (not EVAL_RO
     * and FCALL_RO themselves: the commands their script calls). */
    if (srv.tracking_clients && (cmd->flags & CMD_READONLY) && !(cmd->flags & CMD_SCRIPT_FLAGS))
        tracking_after_read(c, cmd);
    /* The durability mode: a write's reply waits for replicas' acks. */
    if (outermost && cfg.min_replicas_to_ack > 0) repl_ack_after(c);
    if (outermost) {
        /* Waiters on keys this command (or a whole EXEC) readied run now. */
        blocking_serve_ready();
        /* Invalidations held back while their client's command ran follow
         * its reply (also those of the waiters just served). */
        tracking_send_pending();
        if (c->tracking) tracking_command_done(c, cmd);
    }
}

void seam_key_modified(db *d, const char *key, size_t klen, bool by_server) {
    multi_touch_key(d, key, klen);
    if (srv.blocked_clients) blocking_signal_key(d, key, klen);
    tracking_key_modified(key, klen, !by_server);
}

void seam_db_flushed(int dbid, int other) {
    if (other == -1) tracking_flushed();
    if (other < 0 && srv.blocked_clients) blocking_on_flush(dbid);
    if (dbid == -1) {
        for (int i = 0; i < srv.ndbs; i++) multi_touch_db(i, -1);
        return;
    }
    multi_touch_db(dbid, other);
    if (other >= 0) multi_touch_db(other, dbid);
}

void seam_db_swapped(int a, int b) { blocking_on_swapdb(a, b); }

void seam_keyspace_event(int type, const char *event, const char *key, size_t klen, int dbid) {
    pubsub_notify(type, event, key, klen, dbid);
}

void seam_propagate(int readers, int dbid, int argc, const slice *argv) {
    if (readers & PROPAGATE_AOF) aof_feed(dbid, argc, argv);
    if (readers & PROPAGATE_REPL) repl_feed(dbid, argc, argv);
}

bool seam_arg_is_secret(const client *c, int i) { return slowlog_arg_is_secret(c, i); }

void seam_client_freed(client *c) {
    tracking_disable(c);
    repl_client_freed(c);
    blocking_client_freed(c);
    pubsub_client_free(c);
    multi_client_reset(c);
}

void seam_before_reply_write(void) { aof_flush_before_reply(); }

size_t seam_client_mem(const client *c, size_t *multi_mem) {
    return multi_client_mem(c, multi_mem) + pubsub_client_mem(c) + tracking_client_mem(c);
}

bool seam_watch_dirty(const client *c) { return multi_watch_dirty(c); }

void seam_master_request_done(client *c, const char *req, size_t len) {
    repl_master_applied(c, req, len);
}

void seam_master_error(client *c, const char *err, size_t len) { repl_master_error(c, err, len); }

size_t seam_replica_pending(const client *c) { return repl_stream_pending(c); }

int seam_replica_write(client *c) { return repl_write_stream(c); }

void seam_function_foreach(seam_code_fn *fn, void *priv) { function_foreach_code(fn, priv); }

int seam_function_load(const char *code, size_t len, bool replace, str **err) {
    return function_load_code(code, len, replace, err);
}

/* ---- Commands ---- */

/* Every command family's table. Adding a family? Add its table here. */
static command *const families[] = {
    t_string_commands,  bitops_commands,    keys_commands,     dump_commands,
    expire_commands,    srvcmd_commands,    debug_commands,    info_commands,
    config_commands,    clientcmd_commands, cmdinfo_commands,  slowlog_commands,
    memory_commands,    multi_commands,     pubsub_commands,   repl_role_commands,
    repl_sync_commands, repl_ack_commands,  snapshot_commands, aof_commands,
    t_hash_commands,    t_set_commands,     t_list_commands,   t_zset_commands,
    blocking_commands,  sort_commands,      module_commands,   script_commands,
    function_commands,  hllcmd_commands,    geo_commands,      acl_commands,
    cluster_commands,   t_stream_commands,  migrate_commands,  latency_commands,
    lolwut_commands,
};

static void register_commands(void) {
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        cmdtable_register(families[i]);
}

/* ---- Start-up ---- */

/* Room in the event loop and RLIMIT_NOFILE for maxclients plus listeners
 * and files. At start-up a limit the system refuses lowers maxclients (with
 * Redis's warnings); from CONFIG SET it is an error, as in Redis. */
const char *server_apply_maxclients(void) {
    static char msg[128];
    unsigned asked = cfg.maxclients;
    long long want = (long long)cfg.maxclients + 128;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = (rlim_t)want;
        if (rl.rlim_max < rl.rlim_cur) rl.rlim_max = rl.rlim_cur;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            int e = errno;
            rl.rlim_cur = old;
            getrlimit(RLIMIT_NOFILE, &rl);
            long long fit = (long long)rl.rlim_cur - 128;
            if (fit < 1) fit = 1;
            log_msg(LOG_WARNING,
                    "You requested maxclients of %u requiring at least %lld max file descriptors.",
                    cfg.maxclients, want);
            log_msg(LOG_WARNING,
                    "Server can't set maximum open files to %lld because of OS error: %s.", want,
                    strerror(e));
            cfg.maxclients = (unsigned)fit;
            want = fit + 128;
        }
    }
    if (cfg.maxclients != asked && srv.cronloops > 0) {
        snprintf(msg, sizeof(msg),
                 "The operating system is not able to handle the specified number of clients, "
                 "try with %u",
                 cfg.maxclients);
        return msg;
    }
    if (want > INT_MAX) want = INT_MAX;
    if (ev_setsize() && ev_setsize() < want && ev_resize((int)want) == -1)
        return "The event loop API used by Redis is not able to handle the specified number of clients";
    return NULL;
}

static void usage(void) {
    fprintf(stderr, "Usage: ./castor-server [/path/to/redis.conf] [options] [-]\n"
                    "       ./castor-server - (read config from stdin)\n"
                    "       ./castor-server -v or --version\n"
                    "       ./castor-server -h or --help\n\n"
                    "Examples:\n"
                    "       ./castor-server (run the server with default config)\n"
                    "       ./castor-server /etc/redis/6379.conf\n"
                    "       ./castor-server --port 7777\n"
                    "       ./castor-server /etc/myredis.conf --loglevel verbose\n"
                    "       ./castor-server /etc/myredis.conf --loglevel verbose -\n");
    exit(1);
}

static void write_pidfile(void) {
    if (cfg.pidfile == NULL || cfg.pidfile[0] == '\0') return;
    FILE *f = fopen(cfg.pidfile, "w");
    if (f == NULL) {
        log_msg(LOG_WARNING, "Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

/* ---- Listeners ---- */

/* What the TCP listeners were opened for, to reopen only on a change. */
static int listen_port;
static char *listen_bind;

/* Open TCP listeners for cfg.bind and 'port' into fds (at most 16).
 * An address starting with '-' may fail. Returns the count, or -1 (the
 * opened ones closed, the reason logged). */
static int open_tcp_port(int port, int *fds) {
    int n = 0;
    if (port == 0) return 0;
    char *binds = mem_strdup(cfg.bind ? cfg.bind : "");
    char err[256];
    /* The addresses are cfg.bind's words, one space apart; an empty one
     * ("" in a config file) is an address that fails, as in Redis. */
    char *next = binds[0] ? binds : NULL;
    while (next && n < CONFIG_BINDADDR_MAX) {
        char *a = next, *sp = strchr(a, ' ');
        if (sp) *sp = '\0';
        next = sp ? sp + 1 : NULL;
        bool optional = a[0] == '-';
        err[0] = '\0';
        int fd = net_listen_tcp(a, port, cfg.tcp_backlog, err, sizeof(err));
        if (fd != -1) {
            fds[n++] = fd;
            continue;
        }
        if (optional) {
            log_msg(LOG_NOTICE, "Could not create server TCP listening socket %s:%d: %s", a + 1,
                    port, err);
            continue;
        }
        log_msg(LOG_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s", a,
                port, err);
        for (int i = 0; i < n; i++) close(fds[i]);
        mem_free(binds);
        return -1;
    }
    mem_free(binds);
    return n;
}

static int open_tcp(int *fds) { return open_tcp_port(cfg.port, fds); }

static int install_tcp(const int *fds, int n) {
    for (int i = 0; i < n; i++) {
        if (ev_add(fds[i], EV_READ, client_accept_handler, NULL) == -1) {
            log_msg(LOG_WARNING, "Unrecoverable error creating TCP socket accept handler.");
            return -1;
        }
        srv.tcp_fds[i] = fds[i];
    }
    srv.tcp_count = n;
    listen_port = cfg.port;
    if (listen_bind != cfg.bind) {
        mem_free(listen_bind);
        listen_bind = mem_strdup(cfg.bind ? cfg.bind : "");
    }
    return 0;
}

static void close_tcp(void) {
    for (int i = 0; i < srv.tcp_count; i++) {
        ev_del(srv.tcp_fds[i], EV_READ);
        close(srv.tcp_fds[i]);
    }
    srv.tcp_count = 0;
}

static void close_tls(void);
static int open_tls(void);

/* Open the plain listeners, and the TLS ones too when 'tls' (the addresses
 * changed): 0, or -1 with none of them open. */
static int open_listeners(bool tls) {
    int fds[CONFIG_BINDADDR_MAX];
    int n = open_tcp(fds);
    if (n < 0) return -1;
    if (install_tcp(fds, n) == -1 || (tls && open_tls() == -1)) {
        close_tcp();
        return -1;
    }
    return 0;
}

/* CONFIG SET port / bind: close the listeners and open them again for the
 * new values, as Redis does (the new addresses may overlap the old ones);
 * a new bind moves the tls-port listeners too. If that fails, the old
 * listeners are opened again at once, so a refused change leaves the
 * server reachable as before. NULL or Redis's error. */
const char *server_relisten(bool bind_changed) {
    const char *want_bind = cfg.bind ? cfg.bind : "";
    bool same_bind = listen_bind && strcmp(listen_bind, want_bind) == 0;
    if (listen_port == cfg.port && same_bind) return NULL;
    int old_port = listen_port;
    char *old_bind = mem_strdup(listen_bind ? listen_bind : "");
    close_tcp();
    if (!same_bind) close_tls();
    const char *err = NULL;
    if (open_listeners(!same_bind) == 0) {
        config_set_proc_title(NULL);
    } else {
        /* Back to what was listening (CONFIG SET restores the values too). */
        int new_port = cfg.port;
        char *new_bind = cfg.bind;
        cfg.port = old_port;
        cfg.bind = old_bind;
        if (open_listeners(!same_bind) == -1)
            log_msg(LOG_WARNING, "Could not listen again on port %d after a failed change.",
                    cfg.port);
        cfg.port = new_port;
        cfg.bind = new_bind;
        err = bind_changed ? "Failed to bind to specified addresses."
                           : "Unable to listen on this port. Check server logs.";
    }
    mem_free(old_bind);
    return err;
}

/* The tls-port listeners, beside the plain ones on the same addresses. */
static int listen_tls_port;

static void close_tls(void) {
    for (int i = 0; i < srv.tls_count; i++) {
        ev_del(srv.tls_fds[i], EV_READ);
        close(srv.tls_fds[i]);
    }
    srv.tls_count = 0;
}

static int open_tls(void) {
    int fds[CONFIG_BINDADDR_MAX];
    int n = open_tcp_port(cfg.tls_port, fds);
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        if (ev_add(fds[i], EV_READ, client_accept_tls_handler, NULL) == -1) {
            log_msg(LOG_WARNING, "Unrecoverable error creating TLS socket accept handler.");
            for (int j = i; j < n; j++) close(fds[j]);
            srv.tls_count = i;
            close_tls();
            return -1;
        }
        srv.tls_fds[i] = fds[i];
    }
    srv.tls_count = n;
    listen_tls_port = cfg.tls_port;
    return 0;
}

const char *server_relisten_tls(void) {
    if (listen_tls_port == cfg.tls_port && (cfg.tls_port == 0 || srv.tls_count > 0)) return NULL;
    close_tls();
    if (open_tls() == 0) return NULL;
    int want = cfg.tls_port;
    cfg.tls_port = listen_tls_port;
    if (open_tls() == -1)
        log_msg(LOG_WARNING, "Could not listen again on TLS port %d after a failed change.",
                cfg.tls_port);
    cfg.tls_port = want;
    return "Unable to listen on this port. Check server logs.";
}

static int listen_all(void) {
    if ((cfg.tls_port || cfg.tls_replication || cfg.tls_cluster) && tls_configure() == -1) {
        log_msg(LOG_WARNING, "Failed to configure TLS. Check logs for more info.");
        return -1;
    }
    int fds[CONFIG_BINDADDR_MAX];
    int n = open_tcp(fds);
    /* bind "" listens on no address (the unix socket may still serve). */
    bool no_addresses = cfg.bind == NULL || strspn(cfg.bind, " ") == strlen(cfg.bind);
    if (n == -1 || (cfg.port != 0 && n == 0 && !no_addresses)) {
        log_msg(LOG_WARNING, "Failed listening on port %d (TCP), aborting.", cfg.port);
        return -1;
    }
    if (install_tcp(fds, n) == -1) return -1;
    if (open_tls() == -1 || (cfg.tls_port != 0 && srv.tls_count == 0 && !no_addresses)) {
        log_msg(LOG_WARNING, "Failed listening on port %d (TLS), aborting.", cfg.tls_port);
        return -1;
    }
    srv.unix_fd = -1;
    char err[256];
    if (cfg.unixsocket && cfg.unixsocket[0]) {
        int fd =
            net_listen_unix(cfg.unixsocket, cfg.unixsocketperm, cfg.tcp_backlog, err, sizeof(err));
        if (fd == -1) {
            log_msg(LOG_WARNING, "Failed opening Unix socket: %s", err);
            return -1;
        }
        static int unix_marker;
        ev_add(fd, EV_READ, client_accept_handler, &unix_marker);
        srv.unix_fd = fd;
        log_msg(LOG_NOTICE, "The server is now ready to accept connections at %s", cfg.unixsocket);
    }
    if (srv.tcp_count == 0 && srv.tls_count == 0 && srv.unix_fd == -1) {
        log_msg(LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

/* ---- Supervision (supervised upstart|systemd|auto) ---- */

/* Tell systemd (Type=notify units) over $NOTIFY_SOCKET, as sd_notify(3). */
static void notify_systemd(const char *msg) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || (path[0] != '/' && path[0] != '@') ||
        strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1) return;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path));
    if (path[0] == '@') sa.sun_path[0] = '\0'; /* abstract namespace */
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len) == -1)
        log_msg(LOG_WARNING, "Can't send notification to systemd: %s", strerror(errno));
    close(fd);
}

/* Redis's redisIsSupervised: the mode to follow, "auto" resolved from
 * the environment; systemd without $NOTIFY_SOCKET is no supervision. */
static bool supervised_no_socket;

static int supervision_mode(void) {
    int mode = cfg.supervised;
    if (mode == SUPERVISED_AUTODETECT) {
        if (getenv("UPSTART_JOB")) mode = SUPERVISED_UPSTART;
        else if (getenv("NOTIFY_SOCKET")) mode = SUPERVISED_SYSTEMD;
        else mode = SUPERVISED_NONE;
    }
    if (mode == SUPERVISED_SYSTEMD && getenv("NOTIFY_SOCKET") == NULL) {
        supervised_no_socket = true;
        mode = SUPERVISED_NONE;
    }
    return mode;
}

static void log_supervision(int mode) {
    if (supervised_no_socket)
        log_msg(LOG_WARNING, "systemd supervision requested or auto-detected, but no socket "
                             "address was provided, will not attempt to connect");
    if (mode == SUPERVISED_SYSTEMD)
        log_msg(LOG_NOTICE, "Supervised by systemd. Please make sure you set appropriate values "
                            "for TimeoutStartSec and TimeoutStopSec in your service unit.");
    if (mode == SUPERVISED_UPSTART)
        log_msg(LOG_NOTICE, "Supervised by upstart, will stop to signal readiness.");
}

static void notify_ready(int mode) {
    if (mode == SUPERVISED_SYSTEMD) notify_systemd("STATUS=Ready to accept connections\nREADY=1\n");
    if (mode == SUPERVISED_UPSTART) {
        const char *job = getenv("UPSTART_JOB");
        if (job) {
            raise(SIGSTOP);
            unsetenv("UPSTART_JOB");
        }
    }
}

int main(int argc, char **argv) {
    srv.pid = getpid();
    /* Keep copies: the process title is written over argv's strings. */
    srv.exec_argv = mem_alloc(sizeof(char *) * (size_t)(argc + 1));
    for (int i = 0; i < argc; i++) srv.exec_argv[i] = mem_strdup(argv[i]);
    srv.exec_argv[argc] = NULL;
    proctitle_init(argc, argv);
    argv = srv.exec_argv;
    srv.executable = argv[0];
    srv.active_expire_enabled = true;
    server_update_time();
    srv.start_ms = srv.mstime;
    uint8_t seed[16];
    util_random_bytes(seed, sizeof(seed));
    dict_set_seed(seed);
    util_random_hex(srv.run_id, 40);
    util_random_hex(srv.replid, 40);

    /* As redis-server: [config file] [--directive value ...] ["-" for the
     * config on standard input, first or last]. */
    int opt_start = 1;
    const char *config_path = NULL;
    bool from_stdin = false;
    /* Redis's checkForSentinelMode: --sentinel anywhere, or a program
     * named redis-sentinel. Its config file would fail line by line. */
    const char *exec_name = strrchr(argv[0], '/');
    bool sentinel = strstr(exec_name ? exec_name + 1 : argv[0], "redis-sentinel") != NULL;
    for (int j = 1; j < argc && !sentinel; j++) sentinel = !strcmp(argv[j], "--sentinel");
    if (sentinel) {
        fprintf(stderr, "castor has no Sentinel mode: use redis-sentinel, which monitors castor "
                        "servers as it does redis-server\n");
        return 1;
    }
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            /* Redis's shape, so tools that read "v=" see the version of
             * Redis castor answers as; castor's own version last. */
            printf("castor-server v=%s sha=00000000:0 malloc=%s bits=64 build=%llx castor=%s\n",
                   CASTOR_VERSION, mem_allocator(), info_build_id(), CASTOR_OWN_VERSION);
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
        if (argv[1][0] != '-') {
            config_path = argv[1];
            opt_start = 2;
        }
        from_stdin = !strcmp(argv[1], "-") || !strcmp(argv[argc - 1], "-");
    }
    config_init();
    register_commands(); /* before the config: rename-command renames in them */
    acl_init();          /* the default user, before requirepass and user lines */
    str *opts = config_join_options(argc, argv, opt_start);
    str *err = NULL;
    if (config_path) {
        char abs[PATH_MAX];
        srv.config_file = mem_strdup(realpath(config_path, abs) ? abs : config_path);
    }
    if (from_stdin) fprintf(stdout, "Reading config from stdin\n");
    int rc = config_load(srv.config_file, from_stdin, opts->buf, &err);
    str_free(opts);
    if (rc == -1) {
        /* Redis prints its FATAL report on stderr, other failures (a file
         * that can't be opened) as a log line. */
        if (err->buf[0] == '\n') fprintf(stderr, "%s\n", err->buf);
        else log_msg(LOG_WARNING, "%s", err->buf);
        str_free(err);
        return 1;
    }
    int supervised = supervision_mode();
    if (cfg.daemonize && supervised == SUPERVISED_NONE) daemonize();
    srv.pid = getpid();
    if (log_open(cfg.logfile, cfg.loglevel) == -1) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    if (cfg.syslog_enabled) log_open_syslog(cfg.syslog_ident, cfg.syslog_facility);
    log_supervision(supervised);
    srv.hz = cfg.hz;
    srv.cluster_lock_fd = -1;
    ev_set_coalesce(cfg.io_coalesce_us);
    db_update_int_sharing();
    log_msg(LOG_NOTICE, "oO0OoO0OoO0Oo castor is starting oO0OoO0OoO0Oo");
    log_msg(LOG_NOTICE, "castor version=%s (Redis %s compatible), bits=64, pid=%d, just started",
            CASTOR_OWN_VERSION, CASTOR_VERSION, (int)srv.pid);
    if (argc == 1) /* as Redis: options alone are a configuration too */
        log_msg(
            LOG_WARNING,
            "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf",
            argv[0]);
    else log_msg(LOG_NOTICE, "Configuration loaded");
    setup_signals();
    crash_setup();
    if (acl_load_at_startup()) return 1; /* logged */
    config_apply_at_start();
    server_apply_maxclients();
    if (ev_init(cfg.maxclients + 128) == -1) {
        log_msg(LOG_WARNING, "Failed creating the event loop. Error message: '%s'",
                strerror(errno));
        return 1;
    }
    if (cfg.io_uring) client_set_io_uring(true);
    db_init(cfg.databases, cfg.cluster_enabled);
    /* Collection types register their value callbacks (free, dup, size). */
    zset_init();
    stream_init();
    hash_init();
    list_init();
    t_set_init();
    script_init();
    function_init();
    if (listen_all() == -1) return 1;
    if (cluster_init() == -1) return 1;
    client_accept_init();
    write_pidfile();
    srv.initial_memory_usage = mem_used();
    log_msg(LOG_NOTICE, "Running mode=%s, port=%d. PID: %d",
            cfg.cluster_enabled ? "cluster" : "standalone", cfg.port ? cfg.port : cfg.tls_port,
            (int)srv.pid);
    log_msg(LOG_NOTICE, "Server initialized");
    /* The dataset, before the first client is served. With appendonly yes
     * the AOF holds it and aof.c's loader runs instead of this one. */
    repl_init(); /* before loading: a replica keeps the expired keys it loads */
    /* The AOF carries no replication history (nor does Redis 7.0's): the
     * node starts a new one. */
    if (aof_load_at_start()) repl_adopt_history(NULL, true);
    else snapshot_load_at_start();
    ev_timer_add(1, cron, NULL);
    ev_set_before_sleep(before_sleep);
    ev_set_after_sleep(server_update_time);
    ev_set_after_events(client_run_queued);
    log_msg(LOG_NOTICE, "Ready to accept connections");
    notify_ready(supervised);
    ev_run();
    return 0;
}
