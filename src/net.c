/* net.c -- listeners and socket plumbing; nothing here knows RESP or
 * clients. Errors come back as -1 with a message for the caller to log.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int net_set_nonblock(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) return -1;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

void net_set_nodelay(int fd) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
}

void net_set_keepalive(int fd, int interval) {
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) == -1) return;
    if (interval <= 0) return;
    int idle = interval, intvl = interval / 3 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

int net_listen_tcp(const char *addr, int port, int backlog, char *err, size_t errlen) {
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (addr[0] == '-') addr++;
    bool any6 = strcmp(addr, "::*") == 0, any4 = strcmp(addr, "*") == 0;
    struct addrinfo hints = {0}, *res, *p;
    hints.ai_family = any6 ? AF_INET6 : (any4 ? AF_INET : AF_UNSPEC);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rv = getaddrinfo((any4 || any6) ? NULL : addr, portstr, &hints, &res);
    if (rv != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rv));
        return -1;
    }
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd == -1) continue;
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
        if (bind(fd, p->ai_addr, p->ai_addrlen) == -1 || listen(fd, backlog) == -1) {
            snprintf(err, errlen, "%s", strerror(errno));
            close(fd);
            fd = -1;
            continue;
        }
        break;
    }
    if (p == NULL && fd == -1 && err[0] == '\0') snprintf(err, errlen, "unable to bind socket");
    freeaddrinfo(res);
    if (fd != -1) net_set_nonblock(fd, true);
    return fd;
}

int net_listen_unix(const char *path, unsigned perm, int backlog, char *err, size_t errlen) {
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "unix socket path too long");
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, backlog) == -1) {
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (perm) chmod(path, perm);
    net_set_nonblock(fd, true);
    return fd;
}

int net_accept(int lfd, char *ip, size_t iplen, int *port) {
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int fd;
    do {
        fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd == -1 && errno == EINTR);
    if (fd == -1) return -1;
    if (ip) {
        ip[0] = '\0';
        if (port) *port = 0;
        if (sa.ss_family == AF_INET) {
            struct sockaddr_in *s = (struct sockaddr_in *)&sa;
            inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)iplen);
            if (port) *port = ntohs(s->sin_port);
        } else if (sa.ss_family == AF_INET6) {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sa;
            inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)iplen);
            if (port) *port = ntohs(s->sin6_port);
        }
    }
    return fd;
}

static void format_name(struct sockaddr_storage *sa, char *buf, size_t len) {
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%d", ip, ntohs(s->sin_port));
    } else if (sa->ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%d", ip, ntohs(s->sin6_port));
    } else if (sa->ss_family == AF_UNIX) {
        struct sockaddr_un *s = (struct sockaddr_un *)sa;
        snprintf(buf, len, "%s:0", s->sun_path);
    } else {
        snprintf(buf, len, "?:0");
    }
}

static void socket_name(int fd, bool peer, char *buf, size_t len) {
    struct sockaddr_storage sa = {0};
    socklen_t salen = sizeof(sa);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&sa, &salen)
                  : getsockname(fd, (struct sockaddr *)&sa, &salen);
    if (rc == -1) {
        snprintf(buf, len, "?:0");
        return;
    }
    format_name(&sa, buf, len);
}

void net_peer_name(int fd, char *buf, size_t len) { socket_name(fd, true, buf, len); }

void net_sock_name(int fd, char *buf, size_t len) { socket_name(fd, false, buf, len); }

/* Bind fd to source address 'src' (any port); 0, or -1 with err set. */
static int bind_source(int fd, int family, const char *src, char *err, size_t errlen) {
    struct addrinfo hints = {0}, *res, *p;
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(src, NULL, &hints, &res);
    if (rv != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rv));
        return -1;
    }
    int ok = -1;
    for (p = res; p && ok == -1; p = p->ai_next)
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0) ok = 0;
    if (ok == -1) snprintf(err, errlen, "bind: %s", strerror(errno));
    freeaddrinfo(res);
    return ok;
}

bool net_normalize_ip(const char *ip, char *out, size_t len) {
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, ip, buf) == 1) return inet_ntop(AF_INET, buf, out, (socklen_t)len);
    if (inet_pton(AF_INET6, ip, buf) == 1) return inet_ntop(AF_INET6, buf, out, (socklen_t)len);
    return false;
}

int net_connect(const char *host, int port, char *err, size_t errlen) {
    return net_connect_from(host, port, NULL, err, errlen);
}

int net_connect_from(const char *host, int port, const char *src, char *err, size_t errlen) {
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints = {0}, *res, *p;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(host, portstr, &hints, &res);
    if (rv != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rv));
        return -1;
    }
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
        if (fd == -1) continue;
        if (src && src[0] && bind_source(fd, p->ai_family, src, err, errlen) == -1) {
            close(fd);
            fd = -1;
            continue;
        }
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS) break;
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}
