/* noop_server.c -- the bench's reference for pipeline-1 CPU: a RESP server
 * that does no work.
 *
 * At pipeline 1 most of a server's CPU per request is the kernel's (the
 * receive, the send, and on loopback the client's side of the send, which
 * runs in the sender's context). This server pays only that: one epoll
 * loop, a read per ready connection, one write of every reply it owes.
 * It answers PING with +PONG and any other request with :1, whatever the
 * command. bench.py runs it beside castor and redis-server in the P1 cells
 * of the light commands, so the figures show how much of a request's CPU
 * any server must pay on this host.
 *
 * Usage: noop_server PORT (listens on 127.0.0.1). Not part of castor.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
#define BUF 65536

typedef struct conn {
    char in[BUF];
    size_t len;
    char *out;
    size_t out_len, out_cap;
    int watching_out; /* EPOLLOUT is in the interest set */
} conn;

static conn *conns[MAX_FD];

/* Length of the complete request at p[0..n), or 0 when it is not all here
 * (or -1 if it is not a multibulk request). Sets *ping for PING. */
static long frame(const char *p, size_t n, int *ping) {
    const char *end = p + n, *q;
    if (n == 0) return 0;
    if (p[0] != '*') { /* inline command: one line */
        q = memchr(p, '\n', n);
        *ping = n >= 4 && strncasecmp(p, "PING", 4) == 0;
        return q ? q - p + 1 : 0;
    }
    q = memchr(p, '\n', n);
    if (!q) return 0;
    long argc = strtol(p + 1, NULL, 10);
    const char *c = q + 1;
    for (long i = 0; i < argc; i++) {
        if (c >= end || *c != '$') return c >= end ? 0 : -1;
        q = memchr(c, '\n', (size_t)(end - c));
        if (!q) return 0;
        long blen = strtol(c + 1, NULL, 10);
        if (blen < 0 || blen > BUF) return -1;
        if (i == 0) *ping = blen == 4 && q + 5 <= end && strncasecmp(q + 1, "PING", 4) == 0;
        c = q + 1 + blen + 2;
        if (c > end) return 0;
    }
    return c - p;
}

static void owe(conn *c, const char *s, size_t n) {
    if (c->out_len + n > c->out_cap) {
        c->out_cap = (c->out_len + n) * 2;
        c->out = realloc(c->out, c->out_cap);
        if (!c->out) abort();
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

static void drop(int ep, int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(conns[fd]->out);
    free(conns[fd]);
    conns[fd] = NULL;
}

/* Write what fd is owed; watch for writability while some is left. */
static void flush(int ep, int fd) {
    conn *c = conns[fd];
    size_t done = 0;
    while (done < c->out_len) {
        ssize_t w = write(fd, c->out + done, c->out_len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) {
            drop(ep, fd);
            return;
        }
        done += (size_t)w;
    }
    memmove(c->out, c->out + done, c->out_len - done);
    c->out_len -= done;
    if (c->watching_out != (c->out_len > 0)) { /* as Redis: a watch only while behind */
        c->watching_out = c->out_len > 0;
        struct epoll_event ev = {.events = EPOLLIN | (c->watching_out ? EPOLLOUT : 0),
                                 .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    }
}

static void serve(int ep, int fd) {
    conn *c = conns[fd];
    ssize_t r = read(fd, c->in + c->len, BUF - c->len);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(ep, fd);
        return;
    }
    if (r < 0) return;
    c->len += (size_t)r;
    size_t at = 0;
    for (;;) {
        int ping = 0;
        long n = frame(c->in + at, c->len - at, &ping);
        if (n < 0 || (n == 0 && at == 0 && c->len == BUF)) { /* not RESP, or too big */
            drop(ep, fd);
            return;
        }
        if (n == 0) break;
        owe(c, ping ? "+PONG\r\n" : ":1\r\n", ping ? 7 : 4);
        at += (size_t)n;
    }
    memmove(c->in, c->in + at, c->len - at);
    c->len -= at;
    if (c->out_len) flush(ep, fd);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: noop_server PORT\n");
        return 2;
    }
    int one = 1, ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 511)) {
        perror("noop_server: bind");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, ready[512];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    for (;;) {
        int n = epoll_wait(ep, ready, 512, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == ls) {
                int cfd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                if (cfd < 0 || cfd >= MAX_FD) {
                    if (cfd >= 0) close(cfd);
                    continue;
                }
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conns[cfd] = calloc(1, sizeof(conn));
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
                epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                continue;
            }
            if (conns[fd] && (ready[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) serve(ep, fd);
            if (conns[fd] && (ready[i].events & EPOLLOUT)) flush(ep, fd);
        }
    }
}
