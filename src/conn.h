/* conn.h -- a connection's bytes, over a plain socket or TLS: the one
 * branch every reader and writer of a peer takes. A NULL tls_conn is a
 * plain socket and costs one predictable test on the hot path; otherwise
 * tls.c answers with recv(2)/send(2)'s conventions. */
#ifndef CASTOR_CONN_H
#define CASTOR_CONN_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tls.h"

static inline ssize_t conn_read(int fd, tls_conn *t, void *buf, size_t len) {
    if (__builtin_expect(t != NULL, 0)) return tls_read(t, buf, len);
    return recv(fd, buf, len, 0);
}

static inline ssize_t conn_write(int fd, tls_conn *t, const void *buf, size_t len) {
    if (__builtin_expect(t != NULL, 0)) return tls_write(t, buf, len);
    return send(fd, buf, len, MSG_NOSIGNAL);
}

static inline ssize_t conn_writev(int fd, tls_conn *t, const struct iovec *iov, int iovcnt) {
    if (__builtin_expect(t != NULL, 0)) return tls_writev(t, iov, iovcnt);
    if (iovcnt == 1) return send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
    struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
    return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/* The reason of the last failed read or write, for the log. */
static inline const char *conn_last_error(tls_conn *t) {
    return t ? tls_last_error(t) : strerror(errno);
}

#endif
