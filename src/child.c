/* child.c -- the one background child process: fork, track, reap.
 *
 * BGSAVE (snapshot.c) and BGREWRITEAOF (aof.c) both fork a copy-on-write
 * child. Redis runs one at a time; this file is the single record of which
 * one runs, so every owner asks child_active() before forking and the cron
 * reaps through child_reap(), which calls back the owner. A pipe carries
 * the child's progress (keys written, copy-on-write size) to the parent
 * about once a second, and its final copy-on-write size, for INFO.
 * A child never outlives its parent: the kernel signals it when the parent
 * dies (PR_SET_PDEATHSIG), and it removes its temp file and exits.
 * The Lua debugger's forked sessions (ldb.c) fork here too, any number of
 * them beside the one child: the cron reaps them, SHUTDOWN kills them.
 * Not here: what the child writes (rdb.c, aof.c), temp files (owners).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "dict.h"
#include "latency.h"
#include "log.h"
#include "mem.h"
#include "rdb.h"
#include "server.h"
#include "util.h"

static pid_t running = -1;
static child_kind running_kind = CHILD_NONE;
static child_done_fn *running_done;
static long long started_ms;
static int info_pipe[2] = {-1, -1}; /* child writes [1], parent reads [0] */
static bool in_child;
static size_t last_cow[3];

/* What the child sends through the pipe: its progress about once a
 * second while it saves (INFO current_*), then its final COW size. */
typedef struct child_msg {
    uint32_t final;          /* 0: progress, 1: the last message */
    uint64_t keys;           /* keys written so far */
    uint64_t cow;            /* private dirty bytes when measured */
    int64_t cow_measured_ms; /* wall clock of that measure */
} child_msg;

/* Parent: the running child's last report (zero when none runs). */
static child_progress progress;

/* Child: its COW history for the "Fork CoW" log lines, and when it last
 * reported. */
static child_kind child_own_kind;
/* Child: the file it writes (a temp name its parent would rename), removed
 * if the parent dies first. Set through child_set_temp_file(). */
static char temp_file[PATH_MAX];
static size_t cow_peak, cow_now;
static unsigned long long cow_sum, cow_reads;
static long long cow_measured_ms, reported_ms;

/* Private dirty bytes of this process: in a fork child, the pages it had to
 * copy (Redis's zmalloc_get_private_dirty). 0 if /proc can't tell. */
static size_t private_dirty(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL) return 0;
    char line[256];
    size_t total = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long kb;
        if (sscanf(line, "Private_Dirty: %llu kB", &kb) == 1) total += (size_t)kb * 1024;
    }
    fclose(f);
    return total;
}

static const char *kind_name(child_kind kind) { return kind == CHILD_AOF ? "AOF rewrite" : "RDB"; }

/* Child: measure the COW size (a read of smaps; the final message always
 * measures, progress at most once a second) and log it as Redis does. */
static void measure_cow(bool final) {
    long long now = util_mstime();
    if (!final && cow_reads && now - cow_measured_ms < 1000) return;
    cow_now = private_dirty();
    cow_measured_ms = now;
    if (cow_now > cow_peak) cow_peak = cow_now;
    cow_sum += cow_now;
    cow_reads++;
    if (cow_now || final)
        log_msg(final ? LOG_NOTICE : LOG_VERBOSE,
                "Fork CoW for %s: current %zu MB, peak %zu MB, average %llu MB",
                kind_name(child_own_kind), cow_now >> 20, cow_peak >> 20,
                (cow_sum / cow_reads) >> 20);
}

static void send_msg(bool final, long long keys) {
    if (info_pipe[1] == -1) return;
    measure_cow(final);
    child_msg m = {.final = final ? 1 : 0,
                   .keys = keys < 0 ? 0 : (uint64_t)keys,
                   .cow = cow_now,
                   .cow_measured_ms = cow_measured_ms};
    ssize_t rc = write(info_pipe[1], &m, sizeof(m)); /* atomic: < PIPE_BUF */
    (void)rc;
}

void child_report_progress(long long keys) {
    if (!in_child) return;
    long long now = util_mstime();
    if (now - reported_ms < 1000) return;
    reported_ms = now;
    send_msg(false, keys);
}

/* Parent: take what the child sent (the pipe never blocks us). */
static void receive_msgs(void) {
    child_msg m;
    while (info_pipe[0] != -1 && read(info_pipe[0], &m, sizeof(m)) == (ssize_t)sizeof(m)) {
        if (m.final) {
            last_cow[running_kind] = (size_t)m.cow;
            continue;
        }
        progress.keys_processed = (long long)m.keys;
        progress.cow_size = (size_t)m.cow;
        progress.cow_measured_ms = m.cow_measured_ms;
        if (progress.cow_size > progress.cow_peak) progress.cow_peak = progress.cow_size;
    }
}

void child_get_progress(child_progress *out) { *out = progress; }

static void close_pipe(void) {
    for (int i = 0; i < 2; i++) {
        if (info_pipe[i] != -1) close(info_pipe[i]);
        info_pipe[i] = -1;
    }
}

/* Child: the parent is gone (PR_SET_PDEATHSIG). Nobody would rename, read
 * or remove what we write, and a dead master's snapshot must not go on
 * eating memory and disk: remove our temp file and exit (Redis's child
 * exits once it can't report to its parent). Async-signal-safe. */
static void on_parent_death(int sig) {
    (void)sig;
    if (temp_file[0]) unlink(temp_file);
    _exit(1);
}

void child_set_temp_file(const char *path) {
    if (!in_child) return;
    snprintf(temp_file, sizeof(temp_file), "%s", path);
}

/* In the new child: drop what belongs to the serving process (all but
 * keep_fd, a debugging session's own client, -1 for none). */
static void become_child(pid_t parent, int keep_fd) {
    in_child = true;
    dict_set_resize_allowed(false);
    log_set_role('C');
    config_set_oom_score_adj(OOM_CLASS_BGCHILD); /* first to go when memory runs out */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    /* Die with the parent: the kernel signals us when it exits, however
     * it dies (kill -9, the OOM killer). It may have died before the
     * prctl: then we are already someone else's child. */
    struct sigaction sa = {0};
    sa.sa_handler = on_parent_death;
    sigemptyset(&sa.sa_mask);
    sigaction(CHILD_PARENT_DEATH_SIGNAL, &sa, NULL);
    if (prctl(PR_SET_PDEATHSIG, CHILD_PARENT_DEATH_SIGNAL) == -1 || getppid() != parent)
        on_parent_death(CHILD_PARENT_DEATH_SIGNAL);
    for (int i = 0; i < srv.tcp_count; i++) close(srv.tcp_fds[i]);
    for (int i = 0; i < srv.tls_count; i++) close(srv.tls_fds[i]);
    if (srv.unix_fd != -1) close(srv.unix_fd);
    /* nodes.conf's lock is the parent's: the next file it locks is the
     * inode this copy would keep locked. */
    if (srv.cluster_lock_fd != -1) close(srv.cluster_lock_fd);
    /* Client sockets too: a connection the parent closes (CLIENT KILL, a
     * replica dropped mid-sync) must end now, not when the child exits. */
    for (client *c = srv.clients; c; c = c->next)
        if (c->fd != -1 && c->fd != keep_fd) close(c->fd);
    if (info_pipe[0] != -1) close(info_pipe[0]);
    info_pipe[0] = -1;
    if (info_pipe[1] != -1) fcntl(info_pipe[1], F_SETFL, O_NONBLOCK); /* never stall */
    rdb_on_save_progress(child_report_progress);
}

/* fork(2), counted as Redis counts every fork (INFO total_forks and
 * latest_fork_usec, the "fork" latency event); the new child becomes one
 * (become_child, keeping keep_fd) before this returns 0 in it. */
static pid_t fork_child(int keep_fd) {
    long long t0 = util_ustime();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        become_child(parent, keep_fd);
    } else if (pid > 0) {
        srv.stat_total_forks++;
        srv.stat_fork_usec = util_ustime() - t0;
        latency_add_sample("fork", srv.stat_fork_usec / 1000);
    }
    return pid;
}

pid_t child_fork(child_kind kind, child_done_fn *done) {
    if (running != -1) {
        errno = EBUSY;
        return -1;
    }
    if (pipe(info_pipe) == -1) {
        info_pipe[0] = info_pipe[1] = -1;
    } else {
        fcntl(info_pipe[0], F_SETFD, FD_CLOEXEC);
        fcntl(info_pipe[1], F_SETFD, FD_CLOEXEC);
        fcntl(info_pipe[0], F_SETFL, O_NONBLOCK);
    }
    pid_t pid = fork_child(-1);
    if (pid == -1) {
        int saved = errno;
        close_pipe();
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        child_own_kind = kind;
        return 0;
    }
    if (info_pipe[1] != -1) close(info_pipe[1]);
    info_pipe[1] = -1;
    running = pid;
    running_kind = kind;
    running_done = done;
    started_ms = util_mstime();
    memset(&progress, 0, sizeof(progress));
    for (int i = 0; i < srv.ndbs; i++) progress.keys_total += (long long)db_size(db_get(i));
    dict_set_resize_allowed(false); /* a resize would copy every page it touches */
    db_freeze_access(true);         /* and so would recording each read's access */
    return pid;
}

void child_exit(int code) {
    send_msg(true, 0);
    _exit(code);
}

/* ---- Debugging sessions' children ---- */

/* The children of forked debugging sessions (ldb.c): any number of them,
 * beside the one child above, as Redis's CHILD_TYPE_LDB is not exclusive. */
static pid_t *sessions;
static int nsessions, sessions_cap;

pid_t child_fork_session(int keep_fd) {
    pid_t pid = fork_child(keep_fd);
    if (pid == -1) return -1;
    if (pid == 0) {
        /* As Redis's: a signal meant for the server leaves the session be
         * (the server's shutdown kills it). */
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        return 0;
    }
    if (nsessions == sessions_cap) {
        sessions_cap = sessions_cap ? sessions_cap * 2 : 4;
        sessions = mem_realloc(sessions, sizeof(*sessions) * (size_t)sessions_cap);
    }
    sessions[nsessions++] = pid;
    return pid;
}

static void reap_sessions(void) {
    for (int i = 0; i < nsessions;) {
        int status;
        pid_t pid = waitpid(sessions[i], &status, WNOHANG);
        if (pid == 0 || (pid == -1 && errno == EINTR)) {
            i++;
            continue;
        }
        sessions[i] = sessions[--nsessions];
    }
}

int child_sessions(void) { return nsessions; }

void child_kill_sessions(void) {
    for (int i = 0; i < nsessions; i++) {
        log_msg(LOG_WARNING, "Killing debugging session %ld", (long)sessions[i]);
        kill(sessions[i], SIGKILL);
    }
    nsessions = 0;
}

bool child_active(void) { return running != -1; }
child_kind child_type(void) { return running_kind; }
pid_t child_pid(void) { return running; }
size_t child_last_cow_size(child_kind kind) { return kind <= CHILD_AOF ? last_cow[kind] : 0; }

/* Forget the child, keeping the COW figure it sent (if any). */
static void forget(void) {
    receive_msgs();
    memset(&progress, 0, sizeof(progress));
    close_pipe();
    running = -1;
    running_kind = CHILD_NONE;
    running_done = NULL;
    dict_set_resize_allowed(!srv.no_dict_resizing);
    db_freeze_access(false);
}

void child_reap(void) {
    if (nsessions) reap_sessions();
    if (running == -1) return;
    receive_msgs();
    int status;
    pid_t pid = waitpid(running, &status, WNOHANG);
    if (pid == 0) return;
    if (pid == -1) {
        /* ECHILD: someone else reaped it; treat it as a failure. */
        log_msg(LOG_WARNING, "waitpid() returned an error: %s. child_type: %d, child_pid = %d",
                strerror(errno), (int)running_kind, (int)running);
        status = 1 << 8;
    }
    child_done_fn *done = running_done;
    forget();
    int exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (done) done(exitcode, bysignal);
}

void child_kill(child_kind kind) {
    if (running == -1 || running_kind != kind) return;
    if (kill(running, SIGUSR1) != -1) {
        int status;
        while (waitpid(running, &status, 0) == -1 && errno == EINTR) {
        }
    }
    forget();
}
