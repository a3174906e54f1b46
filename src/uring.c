/* uring.c -- batched socket I/O through io_uring.
 *
 * At pipeline 1 a server turn reads one request from each of n ready
 * clients and writes n replies: 2n syscalls, each paying entry, exit and a
 * file lookup. Here a turn's receives go to the kernel in one
 * io_uring_enter(2), and its sends in another.
 *
 * A batch of one operation (a turn that served one client: a sequential
 * client, or a quiet server) goes out as the plain recv(2) or sendmsg(2)
 * instead: one syscall either way, and the plain one costs less (the
 * bench's XREADGROUP+XACK loop, one connection: 4-8% less server CPU per
 * message than through the ring).
 * Every operation carries MSG_DONTWAIT, so io_uring completes it inline
 * (data, or -EAGAIN) instead of parking it on a poll: when uring_run()
 * returns, nothing is in flight, no buffer is borrowed and no callback can
 * come later for a client that is gone. Readiness still comes from the
 * event loop's epoll. uring_init() checks that inline completion on this
 * kernel before anything relies on it.
 * A connection that keeps going (FIXED_AFTER operations) gets its
 * descriptor registered in the ring's file table, at the slot of its own
 * number: its operations then skip the kernel's per-operation file lookup
 * and reference count. uring_forget() takes it out before the descriptor
 * is closed (the table holds a reference that would keep the socket
 * open); a short-lived connection never pays the two registrations.
 * Not here: TLS (OpenSSL owns those reads and writes), accept, connect.
 * Tried and not kept (2026-12): receives kept armed in the ring
 * (multishot recv into a provided-buffer pool) with one io_uring_enter
 * per turn instead of epoll_wait plus two enters. It cut syscalls per
 * request at P1 from 0.6-0.75 to 0.27-0.31 and at P16 from 0.025 to 0.011,
 * but not server CPU per request (P1 6.4-6.8 us either way): the kernel
 * then works per arriving packet for the armed receive, and the sleep and
 * wake-up cost the same. Measure before trying it again.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "uring.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "mem.h"

#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif

/* A queued operation: a recv into buf[0..len), or a send of the iovecs
 * in mh. Its submission entry is made when the batch runs (a batch of one
 * never needs one). */
typedef struct op {
    uring_done_fn *fn;
    void *owner;
    int res;
    int fd;
    bool send;
    void *buf;
    size_t len;
    struct msghdr mh;
    struct iovec iov[URING_IOV_MAX];
} op;

static struct io_uring ring;
static bool on;
static bool running; /* inside uring_run(): its callbacks may not queue */
static op *ops;
static unsigned cap, nqueued;
static uint64_t enters, nops;
/* Per descriptor below nfixed (the file table's size, 0 without one):
 * operations seen so far, up to FIXED_AFTER, or FIXED_ON once registered,
 * or FIXED_NEVER if the kernel refused it. */
#define FIXED_AFTER 8
#define FIXED_ON 255
#define FIXED_NEVER 254
static uint8_t *fixed;
static unsigned nfixed;

bool uring_is_on(void) { return on; }
unsigned uring_queued(void) { return nqueued; }
uint64_t uring_stat_enters(void) { return enters; }
uint64_t uring_stat_ops(void) { return nops; }

/* One probe operation on a fresh ring: it must be complete as soon as it
 * is submitted, with -EAGAIN. Returns 0, or -1 with err set. */
static int probe_inline(int fd, bool send, char *err, size_t errlen) {
    char byte = 0;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (send) io_uring_prep_send(sqe, fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    else io_uring_prep_recv(sqe, fd, &byte, 1, MSG_DONTWAIT);
    int rc = io_uring_submit(&ring);
    if (rc != 1) {
        snprintf(err, errlen, "io_uring_submit: %s", strerror(rc < 0 ? -rc : EIO));
        return -1;
    }
    struct io_uring_cqe *cqe;
    if (io_uring_peek_cqe(&ring, &cqe) != 0) {
        snprintf(err, errlen, "a non-blocking %s does not complete inline", send ? "send" : "recv");
        return -1;
    }
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    if (res != -EAGAIN) {
        snprintf(err, errlen, "a non-blocking %s on a %s socket returned %d",
                 send ? "send" : "recv", send ? "full" : "empty", res);
        return -1;
    }
    return 0;
}

/* A socket pair, one end full: a recv on the other end and a send on the
 * full one must both come back at once. */
static int probe(char *err, size_t errlen) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    int rc = probe_inline(sv[1], false, err, errlen);
    if (rc == 0) {
        static char fill[65536];
        while (send(sv[0], fill, sizeof(fill), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
            ;
        rc = probe_inline(sv[0], true, err, errlen);
    }
    close(sv[0]);
    close(sv[1]);
    return rc;
}

int uring_init(unsigned entries, unsigned files, char *err, size_t errlen) {
    if (on) return 0;
    /* The cheapest mode first: completions are reaped only when we enter
     * (5.19/6.1); older kernels refuse the flags with EINVAL. */
    static const unsigned modes[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    struct io_uring_params p;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && rc == -EINVAL; i++) {
        p = (struct io_uring_params){.flags = modes[i]};
        rc = io_uring_queue_init_params(entries, &ring, &p);
    }
    if (rc < 0) {
        snprintf(err, errlen, "io_uring_setup: %s", strerror(-rc));
        return -1;
    }
    if (probe(err, errlen) == -1) {
        io_uring_queue_exit(&ring);
        return -1;
    }
    /* Each io_uring_enter(2) then names the ring by its registered index
     * instead of a descriptor the kernel looks up (5.18): the main thread,
     * the only one that enters, registers it; where that fails (an older
     * kernel) liburing passes the fd as before. */
    (void)io_uring_register_ring_fd(&ring);
    /* An empty table (5.19); without it every operation names its fd. */
    nfixed = files > 0 && io_uring_register_files_sparse(&ring, files) == 0 ? files : 0;
    fixed = nfixed ? mem_calloc(nfixed) : NULL;
    /* A batch never needs more submission entries than the ring has. */
    cap = entries < p.sq_entries ? entries : p.sq_entries;
    ops = mem_calloc(sizeof(op) * cap);
    nqueued = 0;
    on = true;
    return 0;
}

void uring_shutdown(void) {
    if (!on) return;
    io_uring_queue_exit(&ring); /* and its file table */
    mem_free(ops);
    ops = NULL;
    mem_free(fixed);
    fixed = NULL;
    nfixed = 0;
    cap = nqueued = 0;
    on = false;
}

/* The next free op; runs the queue first when full. */
static op *next_op(int fd, uring_done_fn *fn, void *owner) {
    ASSERT(!running); /* the batch being finished reuses ops[] */
    if (nqueued == cap) uring_run();
    op *o = &ops[nqueued++];
    o->fn = fn;
    o->owner = owner;
    o->fd = fd;
    return o;
}

/* Is fd's slot in the file table to be used (registering it now if fd
 * has had FIXED_AFTER operations)? */
static bool use_fixed(int fd) {
    if (fd < 0 || (unsigned)fd >= nfixed) return false;
    uint8_t *st = &fixed[fd];
    if (*st == FIXED_ON) return true;
    if (*st == FIXED_NEVER || ++*st < FIXED_AFTER) return false;
    *st = io_uring_register_files_update(&ring, (unsigned)fd, &fd, 1) == 1 ? FIXED_ON : FIXED_NEVER;
    return *st == FIXED_ON;
}

void uring_forget(int fd) {
    if (fd < 0 || (unsigned)fd >= nfixed) return;
    if (fixed[fd] == FIXED_ON) {
        int none = -1;
        if (io_uring_register_files_update(&ring, (unsigned)fd, &none, 1) != 1) {
            /* The slot keeps the socket open until the fd's number is
             * registered again; it cannot be used before. */
            log_msg(LOG_WARNING, "io_uring: could not unregister fd %d from the file table", fd);
        }
    }
    fixed[fd] = 0;
}

void uring_recv(int fd, void *buf, size_t len, uring_done_fn *fn, void *owner) {
    op *o = next_op(fd, fn, owner);
    o->send = false;
    o->buf = buf;
    o->len = len;
}

void uring_sendv(int fd, const struct iovec *iov, int n, uring_done_fn *fn, void *owner) {
    op *o = next_op(fd, fn, owner);
    o->send = true;
    memcpy(o->iov, iov, sizeof(*iov) * (size_t)n);
    o->mh = (struct msghdr){.msg_iov = o->iov, .msg_iovlen = (size_t)n};
}

/* o as its plain syscall (the socket is non-blocking, as every client's):
 * what the ring's completion would have said. */
static int run_plain(op *o) {
    ssize_t rc = o->send ? conn_writev(o->fd, NULL, o->iov, (int)o->mh.msg_iovlen)
                         : conn_read(o->fd, NULL, o->buf, o->len);
    return rc < 0 ? -errno : (int)rc;
}

/* o's submission entry, ops[i] (the ring has at least cap free). */
static void prep(op *o, uint64_t i) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    ASSERT(sqe != NULL);
    if (!o->send) io_uring_prep_recv(sqe, o->fd, o->buf, o->len, MSG_DONTWAIT);
    else if (o->mh.msg_iovlen == 1)
        io_uring_prep_send(sqe, o->fd, o->iov[0].iov_base, o->iov[0].iov_len,
                           MSG_DONTWAIT | MSG_NOSIGNAL);
    else io_uring_prep_sendmsg(sqe, o->fd, &o->mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (use_fixed(o->fd)) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, i);
}

/* Submit ops[0..n) and wait until all n completions are posted: all of
 * them inline (MSG_DONTWAIT), so the wait does not sleep. */
static void run_ring(unsigned n) {
    for (unsigned i = 0; i < n; i++) prep(&ops[i], i);
    int rc;
    do {
        rc = io_uring_submit_and_wait(&ring, n);
        enters++;
    } while (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY || rc == -ENOMEM);
    ASSERT(rc >= 0); /* anything else is a misuse of the ring */
    unsigned done = 0;
    while (done < n) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            uint64_t i = io_uring_cqe_get_data64(cqe);
            if (i < n) ops[i].res = cqe->res;
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
        done += seen;
        if (done < n) {
            io_uring_wait_cqe_nr(&ring, &cqe, n - done);
            enters++;
        }
    }
    nops += n;
}

void uring_run(void) {
    if (nqueued == 0 || running) return;
    running = true;
    unsigned n = nqueued;
    if (n == 1) ops[0].res = run_plain(&ops[0]);
    else run_ring(n);
    nqueued = 0;
    for (unsigned i = 0; i < n; i++) ops[i].fn(ops[i].owner, ops[i].res);
    running = false;
}
