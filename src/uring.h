/* uring.h -- batched socket I/O through io_uring: the receives (or the
 * sends) of many connections in one io_uring_enter(2), each completing
 * before the batch returns. Optional: when the kernel refuses io_uring the
 * callers keep their one-syscall-per-operation path. */
#ifndef CASTOR_URING_H
#define CASTOR_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The most iovecs one queued send carries (the rest of a longer reply
 * goes with the next write). */
#define URING_IOV_MAX 16

/* Called once per queued operation when its batch runs: res is what
 * recv(2)/sendmsg(2) would return, or -errno. */
typedef void uring_done_fn(void *owner, int res);

/* Set up the ring (entries: the most operations in one batch; files: the
 * descriptors below it may be registered in the ring's file table) and
 * check that a non-blocking operation completes inside the batch. 0, or -1
 * with a reason in err (the caller logs it and stays on plain syscalls). */
int uring_init(unsigned entries, unsigned files, char *err, size_t errlen);
/* Tear the ring down (io-uring no); nothing may be queued. */
void uring_shutdown(void);
bool uring_is_on(void);

/* Queue a recv(2) of up to len bytes into buf, or a sendmsg(2) of iov[0..n)
 * (n <= URING_IOV_MAX; the iovecs are copied, the bytes are not), both
 * non-blocking. buf and the bytes must stay valid until the batch runs.
 * If the ring is full, the operations queued so far run first. */
void uring_recv(int fd, void *buf, size_t len, uring_done_fn *fn, void *owner);
void uring_sendv(int fd, const struct iovec *iov, int n, uring_done_fn *fn, void *owner);
/* Run the queued operations: one io_uring_enter(2) submits them all and
 * returns with all of them complete (a lone operation is its plain
 * syscall instead), then each callback runs, in queue order. Callbacks may
 * queue more (they run in a later batch). */
void uring_run(void);
/* fd is about to be closed: out of the ring's file table (which would
 * keep the socket open), so a new connection on its number starts afresh.
 * Nothing of fd may be queued. Every descriptor given to uring_recv() or
 * uring_sendv() goes through here before close(2). */
void uring_forget(int fd);
/* Operations queued and not run yet. */
unsigned uring_queued(void);

/* Counters for INFO. */
uint64_t uring_stat_enters(void);
uint64_t uring_stat_ops(void);

#endif
