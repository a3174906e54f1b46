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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof.h"
#include "blocking.h"
#include "rdb_check.h"
#include "child.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "ev.h"
#include "expire.h"
#include "function.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "repl.h"
#include "script.h"
#include "snapshot.h"
#include "str.h"
#include "t_hash.h"
#include "t_list.h"
#include "t_set.h"
#include "t_zset.h"
#include "util.h"

struct server srv;

void server_set_time(long long us) {
    srv.ustime = us;
    srv.mstime = us / 1000;
    srv.lruclock = (uint32_t)((srv.mstime / 1000) & ((1 << 24) - 1));
}

void server_update_time(void) {
    util_clock_rebase();   /* the command path's clock follows the wall clock */
    server_set_time(util_fast_ustime());
}

/* ---- Shutdown ---- */

static void remove_files(void) {
    if (cfg.unixsocket && cfg.unixsocket[0]) unlink(cfg.unixsocket);
    if (cfg.pidfile && cfg.pidfile[0]) {
        log_msg(LOG_NOTICE, "Removing the pid file.");
        unlink(cfg.pidfile);
    }
}

int server_prepare_shutdown(int flags, client *c) {
    (void)c;
    /* Never save a dataset that is only partly loaded. */
    if (srv.loading) flags = (flags & ~SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE;
    log_msg(LOG_WARNING, "User requested shutdown...");
    /* Persistence in Redis's order: stop a saving child (it could rename
     * its file over ours), flush the AOF (aof.c), then the final snapshot
     * (when save points exist or SAVE was given). */
    snapshot_stop_child();
    if (aof_prepare_shutdown(flags & SHUTDOWN_FORCE) == -1) return -1;
    if (snapshot_final_save(flags) == -1) {
        log_msg(LOG_WARNING,
                "Errors trying to shut down the server. Check the logs for more information.");
        return -1;
    }
    for (int i = 0; i < srv.tcp_count; i++) close(srv.tcp_fds[i]);
    if (srv.unix_fd != -1) close(srv.unix_fd);
    remove_files();
    log_msg(LOG_WARNING, "%s is now ready to exit, bye bye...", "Redis");
    return 0;
}

static volatile sig_atomic_t shutdown_signal;

static void on_signal(int sig) {
    if (srv.shutdown_asap && sig == SIGINT) {
        log_raw_signal_safe("You insist... exiting now.\n");
        _exit(1);
    }
    shutdown_signal = sig;
    srv.shutdown_asap = true;
    srv.shutdown_flags = SHUTDOWN_NOFLAGS;
}

static void setup_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
}

static void check_shutdown(void) {
    if (!srv.shutdown_asap) return;
    log_msg(LOG_WARNING, "Received %s scheduling shutdown...",
            shutdown_signal == SIGINT ? "SIGINT" : "SIGTERM");
    /* Like Redis: save only when save points exist. */
    if (server_prepare_shutdown(srv.shutdown_flags, NULL) == 0) exit(0);
    log_msg(LOG_WARNING, "SIGTERM received but errors trying to shut down the server, check the "
                         "logs for more information");
    srv.shutdown_asap = false;
}

/* ---- Cron and loop hooks ---- */

static long long cron(long long id, void *data) {
    (void)id;
    (void)data;
    server_update_time();
    srv.cronloops++;
    size_t used = mem_used();
    if ((long long)used > srv.stat_peak_memory) srv.stat_peak_memory = (long long)used;
    check_shutdown();
    client_cron();
    if (srv.active_expire_enabled && !srv.is_replica) expire_cycle_slow();
    db_cron();
    child_reap();      /* a finished BGSAVE or AOF rewrite child */
    snapshot_cron();   /* save points, scheduled BGSAVE */
    aof_cron();        /* scheduled and automatic AOF rewrites */
    repl_cron();       /* links, snapshots for replicas, pings, WAIT timeouts */
    if (srv.pause_type && srv.pause_end_ms <= srv.mstime) {
        srv.pause_type = 0;
        client_unpause_all();
    }
    extern void info_cron(void);
    info_cron();
    return 1000 / (srv.hz > 0 ? srv.hz : 10);
}

static void before_sleep(void) {
    server_update_time();
    if (srv.active_expire_enabled && !srv.is_replica) expire_cycle_fast();
    blocking_before_sleep();
    /* The AOF is written (under appendfsync always, synced) before any
     * reply of this turn leaves: an acknowledged write is on disk. */
    aof_flush_before_sleep();
    repl_before_sleep();   /* GETACK for WAIT; resume released WAIT clients */
    script_before_sleep(); /* our master's stream held by a busy script */
    client_flush_pending();
    client_free_closing();
}

/* ---- Start-up ---- */

const char *server_apply_maxclients(void) {
    int want = cfg.maxclients + 128;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = (rlim_t)want;
        if (rl.rlim_max < rl.rlim_cur) rl.rlim_max = rl.rlim_cur;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            rl.rlim_cur = old;
            getrlimit(RLIMIT_NOFILE, &rl);
            int fit = (int)rl.rlim_cur - 128;
            if (fit < 1) fit = 1;
            log_msg(LOG_WARNING,
                    "You requested maxclients of %d requiring at least %d max file descriptors.",
                    cfg.maxclients, want);
            log_msg(LOG_WARNING, "Server can't set maximum open files to %d because of OS error: %s.",
                    want, strerror(errno));
            cfg.maxclients = fit;
            want = fit + 128;
        }
    }
    if (ev_setsize() && ev_resize(want) == -1) return "The event loop API used by Redis is not able to handle the specified number of clients";
    return NULL;
}

static void usage(void) {
    fprintf(stderr,
            "Usage: ./castor-server [/path/to/redis.conf] [options] [-]\n"
            "       ./castor-server - (read config from stdin)\n"
            "       ./castor-server -v or --version\n"
            "       ./castor-server -h or --help\n\n"
            "Examples:\n"
            "       ./castor-server (run the server with default config)\n"
            "       ./castor-server /etc/redis/6379.conf\n"
            "       ./castor-server --port 7777\n"
            "       ./castor-server /etc/myredis.conf --loglevel verbose\n");
    exit(1);
}

/* Join "--name v1 v2 --other v" into "name v1 v2\nother v\n", Redis-style. */
static str *join_options(int argc, char **argv, int start) {
    str *s = str_new(NULL, 0);
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            if (s->len) s = str_cat(s, "\n", 1);
            s = str_catc(s, a + 2);
            s = str_cat(s, " ", 1);
        } else {
            /* Quote values so spaces and empty strings survive the split. */
            s = str_cat(s, "\"", 1);
            for (const char *p = a; *p; p++) {
                if (*p == '"' || *p == '\\') s = str_cat(s, "\\", 1);
                s = str_cat(s, p, 1);
            }
            s = str_cat(s, "\" ", 2);
        }
    }
    if (s->len) s = str_cat(s, "\n", 1);
    return s;
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

static int listen_all(void) {
    char *binds = mem_strdup(cfg.bind);
    char *save = NULL;
    char err[256];
    srv.tcp_count = 0;
    if (cfg.port != 0) {
        for (char *a = strtok_r(binds, " ", &save); a && srv.tcp_count < 16; a = strtok_r(NULL, " ", &save)) {
            bool optional = a[0] == '-';
            err[0] = '\0';
            int fd = net_listen_tcp(a, cfg.port, cfg.tcp_backlog, err, sizeof(err));
            if (fd == -1) {
                if (optional) {
                    log_msg(LOG_NOTICE, "Could not create server TCP listening socket %s:%d: %s",
                            a + 1, cfg.port, err);
                    continue;
                }
                log_msg(LOG_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s",
                        a, cfg.port, err);
                log_msg(LOG_WARNING, "Failed listening on port %d (tcp), aborting.", cfg.port);
                mem_free(binds);
                return -1;
            }
            if (ev_add(fd, EV_READ, client_accept_handler, NULL) == -1) {
                log_msg(LOG_WARNING, "Unrecoverable error creating TCP socket accept handler.");
                mem_free(binds);
                return -1;
            }
            srv.tcp_fds[srv.tcp_count++] = fd;
        }
        if (srv.tcp_count == 0) {
            log_msg(LOG_WARNING, "Failed listening on port %d (tcp), aborting.", cfg.port);
            mem_free(binds);
            return -1;
        }
    }
    mem_free(binds);
    srv.unix_fd = -1;
    if (cfg.unixsocket && cfg.unixsocket[0]) {
        int fd = net_listen_unix(cfg.unixsocket, (unsigned)cfg.unixsocketperm, cfg.tcp_backlog, err,
                                 sizeof(err));
        if (fd == -1) {
            log_msg(LOG_WARNING, "Failed opening Unix socket: %s", err);
            return -1;
        }
        static int unix_marker;
        ev_add(fd, EV_READ, client_accept_handler, &unix_marker);
        srv.unix_fd = fd;
        log_msg(LOG_NOTICE, "The server is now ready to accept connections at %s", cfg.unixsocket);
    }
    if (srv.tcp_count == 0 && srv.unix_fd == -1) {
        log_msg(LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    /* Run as castor-check-rdb (a link to this binary), as redis-check-rdb is redis-server. */
    const char *base = strrchr(argv[0], '/');
    if (strstr(base ? base + 1 : argv[0], "castor-check-rdb")) return rdb_check_main(argc, argv);
    srv.pid = getpid();
    srv.exec_argv = argv;
    srv.executable = argv[0];
    srv.active_expire_enabled = true;
    server_update_time();
    srv.start_ms = srv.mstime;
    uint8_t seed[16];
    util_random_bytes(seed, sizeof(seed));
    dict_set_seed(seed);
    util_random_hex(srv.run_id, 40);
    util_random_hex(srv.replid, 40);

    int opt_start = 1;
    const char *config_path = NULL;
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("castor-server v=%s (Redis %s compatible) bits=64 malloc=%s\n", CASTOR_OWN_VERSION,
                   CASTOR_VERSION, mem_allocator());
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
        if (argv[1][0] != '-' || (argv[1][0] == '-' && argv[1][1] == '\0')) {
            config_path = argv[1];
            opt_start = 2;
        }
    }
    config_init();
    str *opts = join_options(argc, argv, opt_start);
    str *err = NULL;
    if (config_path && strcmp(config_path, "-") != 0) {
        char abs[PATH_MAX];
        srv.config_file = mem_strdup(realpath(config_path, abs) ? abs : config_path);
    }
    int rc = config_load(config_path, opts->buf, &err);
    str_free(opts);
    if (rc == -1) {
        fprintf(stderr, "%s\n", err->buf);
        str_free(err);
        return 1;
    }
    if (cfg.daemonize) daemonize();
    srv.pid = getpid();
    if (log_open(cfg.logfile, cfg.loglevel) == -1) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    srv.hz = cfg.hz;
    ev_set_coalesce(cfg.io_coalesce_us);
    log_msg(LOG_NOTICE, "oO0OoO0OoO0Oo castor is starting oO0OoO0OoO0Oo");
    log_msg(LOG_NOTICE, "castor version=%s (Redis %s compatible), bits=64, pid=%d, just started",
            CASTOR_OWN_VERSION, CASTOR_VERSION, (int)srv.pid);
    if (config_path == NULL)
        log_msg(LOG_WARNING, "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf", argv[0]);
    else
        log_msg(LOG_NOTICE, "Configuration loaded");
    setup_signals();
    server_apply_maxclients();
    if (ev_init(cfg.maxclients + 128) == -1) {
        log_msg(LOG_WARNING, "Failed creating the event loop. Error message: '%s'", strerror(errno));
        return 1;
    }
    cmdtable_init();
    db_init(cfg.databases);
    /* Collection types register their value callbacks (free, dup, size). */
    zset_init();
    hash_init();
    list_init();
    t_set_init();
    script_init();
    function_init();
    if (listen_all() == -1) return 1;
    write_pidfile();
    srv.initial_memory_usage = mem_used();
    log_msg(LOG_NOTICE, "Running mode=standalone, port=%d. PID: %d", cfg.port, (int)srv.pid);
    log_msg(LOG_NOTICE, "Server initialized");
    /* The dataset, before the first client is served. With appendonly yes
     * the AOF holds it and aof.c's loader runs instead of this one. */
    repl_init();   /* before loading: a replica keeps the expired keys it loads */
    if (!aof_load_at_start()) snapshot_load_at_start();
    ev_timer_add(1, cron, NULL);
    ev_set_before_sleep(before_sleep);
    ev_set_after_sleep(server_update_time);
    ev_set_after_events(client_run_queued);
    log_msg(LOG_NOTICE, "Ready to accept connections");
    ev_run();
    return 0;
}
