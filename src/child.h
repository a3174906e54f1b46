/* child.h -- the one background child process (BGSAVE, AOF rewrite), and
 * the Lua debugger's forked sessions beside it.
 *
 * Redis runs at most one fork child at a time, whoever asked for it. Every
 * owner forks through child_fork() so "is a child running, and whose?" has
 * one answer, and the cron reaps it with child_reap(), which calls back the
 * owner that started it. Debugging sessions (SCRIPT DEBUG YES) are not
 * that child: any number run beside it, reaped by the same cron. */
#ifndef CASTOR_CHILD_H
#define CASTOR_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

typedef enum { CHILD_NONE = 0, CHILD_RDB = 1, CHILD_AOF = 2 } child_kind;

/* Runs in the parent, from the cron, once the child has ended: exitcode is
 * its exit status (0 success) unless bysignal, then the signal number. */
typedef void child_done_fn(int exitcode, int bysignal);

/* Fork a child doing 'kind' work. In the parent: the child's pid (> 0),
 * remembered with 'done'. In the child: 0 (listeners closed, default
 * signal actions, log role 'C', exits if the parent dies); finish with
 * child_exit(). -1 with errno
 * if fork failed or a child already runs (EBUSY); nothing is recorded. */
pid_t child_fork(child_kind kind, child_done_fn *done);
/* Every child exits when its parent dies (PR_SET_PDEATHSIG, this signal),
 * after removing the file it named here (in the child: the temp file its
 * parent would have renamed; a no-op in the parent). */
#define CHILD_PARENT_DEATH_SIGNAL SIGUSR2
void child_set_temp_file(const char *path);
/* In the child: report copy-on-write bytes to the parent and _exit(code)
 * (no atexit handlers, no leak check of the parent's heap). */
void child_exit(int code) __attribute__((noreturn));

/* A forked Lua debugging session (ldb.c): a child beside the one above,
 * any number of them, keeping the descriptor keep_fd (its client) open
 * and ignoring SIGTERM and SIGINT. In the parent: its pid, reaped by
 * child_reap(); in the child: 0 (finish with child_exit()); -1 with errno. */
pid_t child_fork_session(int keep_fd);
/* Sessions not reaped yet, and SIGKILL to all of them (shutdown). */
int child_sessions(void);
void child_kill_sessions(void);

bool child_active(void);
child_kind child_type(void); /* CHILD_NONE when none runs */
pid_t child_pid(void);       /* -1 when none runs */

/* Cron: if the child ended, collect its status and COW report, forget it,
 * then call its done callback. */
void child_reap(void);
/* Kill the running child if it is of 'kind' (SIGUSR1) and wait for it. Its
 * done callback is not called: the caller cleans up. */
void child_kill(child_kind kind);
/* Bytes of copy-on-write the last child of 'kind' reported (INFO
 * rdb_last_cow_size, aof_last_cow_size). */
size_t child_last_cow_size(child_kind kind);

/* The running child's progress as it last reported it (INFO current_*):
 * all zero when no child runs. */
typedef struct child_progress {
    long long keys_total;     /* keys in the dataset when it forked */
    long long keys_processed; /* keys it has written */
    size_t cow_size, cow_peak;
    long long cow_measured_ms; /* 0: never measured */
} child_progress;
void child_get_progress(child_progress *out);
/* In the child: 'keys' written so far; sent to the parent at most once a
 * second (rdb.c calls it every 1024 keys). */
void child_report_progress(long long keys);

#endif
