/* snapshot.c -- when and how RDB snapshots happen.
 *
 * The dataset is written to dir/dbfilename by rdb_save_file() (rdb.c owns
 * the format and the atomic temp-file-and-rename), either in this process
 * (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD) or in a fork()ed child that
 * sees a copy-on-write image of memory (BGSAVE, save points). This file
 * decides when, tracks the child and keeps the counters INFO persistence
 * shows, with Redis 7.0's semantics and log lines:
 *   - save points "save <seconds> <changes> ..." are checked by the cron,
 *     and after a failed BGSAVE retried only every 5 seconds;
 *   - a failed BGSAVE makes write commands fail with -MISCONF while
 *     stop-writes-on-bgsave-error is set and save points exist;
 *   - a file that can't be loaded at start stops the server (exit 1) and
 *     is left as it is: nothing overwrites it with an empty dataset.
 * The child (forked, tracked and reaped by child.c, which allows one child
 * at a time for BGSAVE and AOF rewrites) only saves: it never runs the
 * event loop, never writes to a client or propagates, and leaves through
 * child_exit(). Killed with SIGUSR1 on purpose, it does not count as a
 * failed save.
 * Not here: the RDB format (rdb.c), the AOF (aof.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "arg.h"
#include "cmdtable.h"
#include "config.h"
#include "db.h"
#include "function.h"
#include "errors.h"
#include "log.h"
#include "mem.h"
#include "rdb.h"
#include "reply.h"
#include "repl.h"
#include "server.h"
#include "util.h"

#define BGSAVE_RETRY_DELAY 5 /* seconds between tries after a failed BGSAVE */

typedef struct save_point {
    long long seconds, changes;
} save_point;

static struct {
    /* Save points, parsed from cfg.save whenever its text changes. */
    save_point *points;
    int npoints;
    char *points_text;

    long long lastsave;       /* unix time of the last successful save */
    long long lastbgsave_try; /* unix time of the last BGSAVE attempt */
    bool lastbgsave_ok;
    bool bgsave_scheduled; /* BGSAVE SCHEDULE, or BGSAVE inside EXEC */
    long long saves;       /* rdb_saves */

    pid_t child_pid;       /* our BGSAVE child (child.c tracks it), or -1 */
    long long child_start; /* unix time it was forked */
    long long dirty_before_bgsave;
    long long save_time_last; /* seconds the last BGSAVE took, -1 */

    long long load_keys_loaded, load_keys_expired;
} st = {.lastbgsave_ok = true, .child_pid = -1, .save_time_last = -1};

static long long now_sec(void) { return srv.mstime / 1000; }

/* ---- Save points ---- */

static void refresh_save_points(void) {
    const char *text = cfg.save ? cfg.save : "";
    if (st.points_text && strcmp(st.points_text, text) == 0) return;
    mem_free(st.points_text);
    st.points_text = mem_strdup(text);
    mem_free(st.points);
    st.points = NULL;
    st.npoints = 0;
    /* config.c validated the text: pairs of non-negative integers. */
    char *copy = mem_strdup(text), *save = NULL;
    long long v[2];
    int n = 0;
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (!util_str2ll(t, strlen(t), &v[n])) break;
        if (++n < 2) continue;
        st.points = mem_realloc(st.points, sizeof(save_point) * (size_t)(st.npoints + 1));
        st.points[st.npoints++] = (save_point){.seconds = v[0], .changes = v[1]};
        n = 0;
    }
    mem_free(copy);
}

/* True when "save" lists at least one save point. */
bool snapshot_has_save_points(void) {
    refresh_save_points();
    return st.npoints > 0;
}

/* At start the dataset counts as saved, as in Redis. */
static long long snapshot_last_save(void) {
    return st.lastsave ? st.lastsave : srv.start_ms / 1000;
}

/* ---- Saving in this process ---- */

/* The replication fields of the file (repl-stream-db, repl-id, offset). */
static void fill_save_info(rdb_info *info) {
    rdb_info_init(info);
    repl_fill_rdb_info(info);
}

/* Foreground save to dir/dbfilename. 0, or -1 (the reason is logged). On
 * success dirty is reset and LASTSAVE moves. */
static int snapshot_save(void) {
    rdb_info info;
    fill_save_info(&info);
    str *err = NULL;
    if (rdb_save_file(cfg.dbfilename, &info, &err) == -1) {
        log_msg(LOG_WARNING, "%s", err ? err->buf : "Error saving DB on disk");
        str_free(err);
        return -1;
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    srv.dirty = 0;
    st.lastsave = util_mstime() / 1000;
    st.lastbgsave_ok = true;
    return 0;
}

/* ---- The child ---- */

/* Runs in the forked child (child.c closed the listeners); never returns. */
static void child_main(void) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)getpid()); /* rdb.c's temp name */
    child_set_temp_file(tmp);
    rdb_info info;
    fill_save_info(&info);
    str *err = NULL;
    if (rdb_save_file(cfg.dbfilename, &info, &err) == -1) {
        log_msg(LOG_WARNING, "%s", err ? err->buf : "Error saving DB on disk");
        child_exit(1);
    }
    log_msg(LOG_NOTICE, "DB saved on disk");
    child_exit(0); /* reports the copy-on-write size to the parent */
}

/* ---- Tracking the child in the parent ---- */

static bool snapshot_bgsave_in_progress(void) { return child_type() == CHILD_RDB; }

static void bgsave_done(int exitcode, int bysignal);

/* The diskless replication child: "$EOF:<mark>\r\n", the RDB, the mark,
 * into the pipe 'wfd' that repl_sync.c relays to the replicas. */
static bool child_to_pipe;

int snapshot_bgsave_pipe(int wfd, int rfd, const char *mark, int exclude) {
    if (child_active()) return -1;
    rdb_info info;
    fill_save_info(&info);
    info.exclude_data = exclude & SNAPSHOT_EXCLUDE_DATA;
    info.exclude_functions = exclude & SNAPSHOT_EXCLUDE_FUNCTIONS;
    pid_t pid = child_fork(CHILD_RDB, bgsave_done);
    if (pid == 0) {
        close(rfd);
        FILE *fp = fdopen(wfd, "w");
        if (fp == NULL) child_exit(1);
        setvbuf(fp, NULL, _IOFBF, 64 * 1024);
        rio r;
        rio_init_file(&r, fp);
        str *err = NULL;
        char pre[64];
        int n = snprintf(pre, sizeof(pre), "$EOF:%s\r\n", mark);
        int rc = rio_write(&r, pre, (size_t)n) == (size_t)n ? 0 : -1;
        if (rc == 0) {
            r.cksum = 0; /* the checksum covers the RDB only */
            rc = rdb_save_rio(&r, &info, &err);
        }
        if (rc == 0 && (rio_write(&r, mark, 40) != 40 || fflush(fp) != 0)) rc = -1;
        if (rc == -1)
            log_msg(LOG_WARNING, "Diskless RDB transfer failed: %s",
                    err ? err->buf : strerror(errno));
        child_exit(rc == 0 ? 0 : 1);
    }
    if (pid == -1) {
        log_msg(LOG_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    child_to_pipe = true;
    st.child_pid = pid;
    st.child_start = now_sec();
    log_msg(LOG_NOTICE, "Background RDB transfer started by pid %ld", (long)pid);
    return 0;
}

int snapshot_bgsave(void) {
    if (child_active()) return -1;
    st.saves++;
    st.dirty_before_bgsave = srv.dirty;
    st.lastbgsave_try = now_sec();
    pid_t pid = child_fork(CHILD_RDB, bgsave_done);
    if (pid == 0) child_main();
    if (pid == -1) {
        st.lastbgsave_ok = false;
        log_msg(LOG_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    st.child_pid = pid;
    st.child_start = now_sec();
    log_msg(LOG_NOTICE, "Background saving started by pid %ld", (long)pid);
    return 0;
}

/* The child ended (child.c calls this from the cron): its exit status, or
 * the signal that ended it. */
static void bgsave_done(int exitcode, int bysignal) {
    bool ok = !bysignal && exitcode == 0;
    if (child_to_pipe) {
        child_to_pipe = false;
        if (ok) log_msg(LOG_NOTICE, "Background RDB transfer terminated with success");
        else if (bysignal)
            log_msg(LOG_WARNING, "Background transfer terminated by signal %d", bysignal);
        else log_msg(LOG_WARNING, "Background transfer error");
        st.child_pid = -1;
        repl_rdb_child_done(ok, false);
        return;
    }
    if (!bysignal && exitcode == 0) {
        log_msg(LOG_NOTICE, "Background saving terminated with success");
        srv.dirty -= st.dirty_before_bgsave;
        if (srv.dirty < 0) srv.dirty = 0; /* a foreground save reset it meanwhile */
        st.lastsave = util_mstime() / 1000;
        st.lastbgsave_ok = true;
    } else if (!bysignal) {
        log_msg(LOG_WARNING, "Background saving error");
        st.lastbgsave_ok = false;
    } else {
        log_msg(LOG_WARNING, "Background saving terminated by signal %d", bysignal);
        /* rdb.c names its temp file "temp-<pid>.rdb", as Redis does. */
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "temp-%d.rdb", (int)st.child_pid);
        unlink(tmp);
        /* SIGUSR1 is how we stop a child on purpose: not a failed save. */
        if (bysignal != SIGUSR1) st.lastbgsave_ok = false;
    }
    st.child_pid = -1;
    st.save_time_last = now_sec() - st.child_start;
    repl_rdb_child_done(ok, true);
}

/* Stop our child with SIGUSR1 (not a failed save) and wait for it, so it
 * can't rename its file over the snapshot the caller is about to write. */
static void kill_child(void) {
    if (child_type() != CHILD_RDB) return;
    child_kill(CHILD_RDB);
    bgsave_done(1, SIGUSR1);
}

void snapshot_kill_child(void) { kill_child(); }

void snapshot_stop_child(void) {
    if (child_type() != CHILD_RDB) return;
    log_msg(LOG_WARNING, "There is a child saving an .rdb. Killing it!");
    kill_child();
}

/* ---- Cron ---- */

void snapshot_cron(void) {
    long long now = now_sec();
    bool retry_ok = st.lastbgsave_ok || now - st.lastbgsave_try > BGSAVE_RETRY_DELAY;
    if (!child_active()) {
        refresh_save_points();
        for (int i = 0; i < st.npoints; i++) {
            save_point *sp = &st.points[i];
            if (srv.dirty >= sp->changes && now - snapshot_last_save() > sp->seconds && retry_ok) {
                log_msg(LOG_NOTICE, "%lld changes in %lld seconds. Saving...", sp->changes,
                        sp->seconds);
                snapshot_bgsave();
                break;
            }
        }
    }
    /* A BGSAVE postponed by an AOF rewrite (BGSAVE SCHEDULE) starts now. */
    if (st.bgsave_scheduled && !child_active() && retry_ok && snapshot_bgsave() == 0)
        st.bgsave_scheduled = false;
}

/* ---- Loading ---- */

/* Load dir/dbfilename into the databases; *info_out gets what the file
 * said (replication history). -1 with errno if it can't be opened
 * (nothing changed). A file that opens but does not load is bad data: at
 * start, like Redis, stop the server rather than serve part of it; later
 * (DEBUG RELOAD) return -1. 'merge': keys and function libraries already
 * there are replaced (DEBUG RELOAD MERGE). */
static int load_file(rdb_info *info_out, bool at_start, bool merge) {
    int fd = open(cfg.dbfilename, O_RDONLY);
    if (fd == -1) return -1;
    struct stat sb;
    srv.loading_total_bytes = fstat(fd, &sb) == 0 ? (long long)sb.st_size : 0;
    close(fd);
    rdb_info info;
    rdb_info_init(&info);
    repl_prepare_load(&info, at_start);
    info.allow_dup = merge;
    str *err = NULL;
    /* At start-up the clients are served while the file loads (-LOADING
     * for most commands); DEBUG RELOAD runs inside a command and can't. */
    srv.loading_start_time = (long long)time(NULL);
    srv.loading_loaded_bytes = 0;
    srv.loading = at_start;
    int rc = rdb_load_file_cb(cfg.dbfilename, &info, at_start ? server_serve_while_loading : NULL,
                              (size_t)cfg.loading_process_events_interval_bytes, &err);
    srv.loading = false;
    if (rc == -1) {
        log_msg(LOG_WARNING, "Error loading %s/%s: %s", cfg.dir ? cfg.dir : ".", cfg.dbfilename,
                err ? err->buf : "unknown error");
        str_free(err);
        if (!at_start) return -1;
        log_msg(LOG_WARNING, "Terminating server after rdb file reading failure.");
        exit(1);
    }
    /* rdb.c logged "Done loading RDB, keys loaded: ..., keys expired: ...". */
    st.load_keys_loaded = info.keys_loaded;
    st.load_keys_expired = info.keys_expired_skipped;
    *info_out = info;
    return 0;
}

void snapshot_load_at_start(void) {
    long long start = util_ustime();
    rdb_info info;
    if (load_file(&info, true, false) == -1) {
        if (errno == ENOENT) {
            repl_adopt_history(NULL, true);
            return;
        }
        log_msg(LOG_WARNING, "Fatal error loading the DB: %s. Exiting.", strerror(errno));
        exit(1);
    }
    log_msg(LOG_NOTICE, "DB loaded from disk: %.3f seconds",
            (double)(util_ustime() - start) / 1000000);
    repl_adopt_history(&info, true);
}

/* ---- Hooks for other commands ---- */

void snapshot_flushall(void) {
    kill_child();
    /* snapshot_save() resets dirty: FLUSHALL leaves 0 changes, as 7.0. */
    if (snapshot_has_save_points()) snapshot_save();
}

int snapshot_final_save(int flags) {
    bool want =
        (snapshot_has_save_points() && !(flags & SHUTDOWN_NOSAVE)) || (flags & SHUTDOWN_SAVE);
    if (!want) return 0;
    log_msg(LOG_NOTICE, "Saving the final RDB snapshot before exiting.");
    if (snapshot_save() == 0) return 0;
    if (flags & SHUTDOWN_FORCE) {
        log_msg(LOG_WARNING, "Error trying to save the DB. Exit anyway.");
        return 0;
    }
    log_msg(LOG_WARNING, "Error trying to save the DB, can't exit.");
    return -1;
}

void snapshot_debug_reload(client *c) {
    bool flush = true, save = true, merge = false;
    for (int j = 2; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "merge")) merge = true;
        else if (arg_is(&c->argv[j], "noflush")) flush = false;
        else if (arg_is(&c->argv[j], "nosave")) save = false;
        else {
            reply_error(c, ERR_DEBUG_RELOAD_OPTION);
            return;
        }
    }
    if (save && snapshot_save() == -1) {
        reply_error(c, ERR_FAILED);
        return;
    }
    if (flush) {
        db_signal_flushed(-1, -1);
        db_empty_all();
        function_flush();
    }
    rdb_info info;
    if (load_file(&info, false, merge) == -1) {
        reply_error(c, ERR_DEBUG_RELOAD_LOAD);
        return;
    }
    /* What we just saved is our history as it is; another file is not. */
    if (!save) repl_adopt_history(&info, false);
    log_msg(LOG_WARNING, "DB reloaded by DEBUG RELOAD");
    reply_ok(c);
}

const char *snapshot_write_error(void) {
    if (!st.lastbgsave_ok && cfg.stop_writes_on_bgsave_error && snapshot_has_save_points())
        return ERR_MISCONF;
    return NULL;
}

str *snapshot_info(str *s) {
    bool running = snapshot_bgsave_in_progress() || repl_diskless_transfer_active();
    /* Any fork child's progress (BGSAVE, AOF rewrite), as it last told. */
    child_progress p;
    child_get_progress(&p);
    long long age = p.cow_measured_ms ? (util_mstime() - p.cow_measured_ms) / 1000 : 0;
    double perc = p.keys_total ? (double)p.keys_processed * 100 / (double)p.keys_total : 0;
    s = str_catfmt(s,
                   "current_cow_peak:%zu\r\n"
                   "current_cow_size:%zu\r\n"
                   "current_cow_size_age:%lld\r\n"
                   "current_fork_perc:%.2f\r\n"
                   "current_save_keys_processed:%lld\r\n"
                   "current_save_keys_total:%lld\r\n",
                   p.cow_peak, p.cow_size, age < 0 ? 0 : age, perc, p.keys_processed, p.keys_total);
    return str_catfmt(
        s,
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%lld\r\n"
        "rdb_last_cow_size:%lld\r\n"
        "rdb_last_load_keys_expired:%lld\r\n"
        "rdb_last_load_keys_loaded:%lld\r\n",
        srv.dirty, running ? 1 : 0, snapshot_last_save(), st.lastbgsave_ok ? "ok" : "err",
        st.save_time_last, running ? now_sec() - st.child_start : -1, st.saves,
        (long long)child_last_cow_size(CHILD_RDB), st.load_keys_expired, st.load_keys_loaded);
}

/* ---- Commands ---- */

static void cmd_save(client *c) {
    if (snapshot_bgsave_in_progress()) {
        reply_error(c, ERR_BGSAVE_RUNNING);
        return;
    }
    st.saves++;
    if (snapshot_save() == 0) reply_ok(c);
    else reply_error(c, ERR_FAILED);
}

/* BGSAVE [SCHEDULE] */
static void cmd_bgsave(client *c) {
    bool schedule = false;
    if (c->argc > 1) {
        if (c->argc != 2 || !arg_is(&c->argv[1], "schedule")) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        schedule = true;
    }
    bool in_exec = cmdtable_call_depth() > 1;
    if (snapshot_bgsave_in_progress()) {
        reply_error(c, ERR_BGSAVE_RUNNING);
    } else if (child_active() || in_exec) {
        if (schedule || in_exec) {
            st.bgsave_scheduled = true;
            reply_simple(c, "Background saving scheduled");
        } else {
            reply_error(c, ERR_BGSAVE_CHILD_ACTIVE);
        }
    } else if (snapshot_bgsave() == 0) {
        reply_simple(c, "Background saving started");
    } else {
        reply_error(c, ERR_FAILED);
    }
}

static void cmd_lastsave(client *c) { reply_int(c, snapshot_last_save()); }

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command snapshot_commands[] = {
    {.name = "lastsave", .proc = cmd_lastsave, .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS},
    {.name = "save", .proc = cmd_save, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING | CMD_NO_MULTI,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "bgsave", .proc = cmd_bgsave, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
