/* net.h -- sockets: listeners (TCP, unix), accept, options, peer names. */
#ifndef CASTOR_NET_H
#define CASTOR_NET_H

#include <stdbool.h>
#include <stddef.h>

#define NET_ADDR_SIZE 64 /* "ip:port" of an IPv6 peer fits */

/* Listen on addr:port (addr may be "*" / "::*" / an IPv4 or IPv6 literal;
 * a leading '-' marks the address optional as in Redis's bind). Returns
 * the fd, or -1 with a message in err (size errlen). */
int net_listen_tcp(const char *addr, int port, int backlog, char *err, size_t errlen);
int net_listen_unix(const char *path, unsigned perm, int backlog, char *err, size_t errlen);
/* Accept one connection; -1 with errno EAGAIN when none is pending. The new
 * fd is non-blocking and close-on-exec. For TCP, ip/port are filled. */
int net_accept(int lfd, char *ip, size_t iplen, int *port);
int net_set_nonblock(int fd, bool on);
void net_set_nodelay(int fd);
void net_set_keepalive(int fd, int interval);
/* "ip:port" of the remote end (or the unix path) into buf. */
void net_peer_name(int fd, char *buf, size_t len);
void net_sock_name(int fd, char *buf, size_t len);
/* A literal IPv4 or IPv6 address in its canonical form into out; false if
 * 'ip' is not one (host names are not resolved). */
bool net_normalize_ip(const char *ip, char *out, size_t len);
/* Connect to host:port non-blocking; -1 with errno on immediate failure. */
int net_connect(const char *host, int port, char *err, size_t errlen);
/* net_connect() from source address 'src' (bind-source-addr; NULL or "":
 * any). */
int net_connect_from(const char *host, int port, const char *src, char *err, size_t errlen);

#endif
