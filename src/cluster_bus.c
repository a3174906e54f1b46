/* cluster_bus.c -- the Redis Cluster bus: node-to-node links on the bus
 * port, Redis 7.0's binary messages (header "RCmb", version 1), gossip,
 * failure detection (PFAIL, then FAIL by a majority of masters), config
 * epochs, replica elections and manual failover. Byte for byte what
 * redis-server 7.0 sends and expects, so castor and redis-server nodes
 * form one cluster.
 *
 * Messages are encoded and decoded field by field at Redis's offsets
 * (big-endian), never through a packed struct. A link is ours (outbound,
 * node->link: we send PINGs on it) or the peer's (inbound: we answer).
 *
 * Spec: Redis 7.0 cluster.c (clusterProcessPacket, clusterSendPing,
 * clusterCron, clusterHandleSlaveFailover...), cluster.h (the layout).
 * SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "cluster.h"
#include "cluster_int.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "pubsub.h"
#include "repl.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ---- The layout ---- */

#define HDR_LEN 2256 /* Redis's CLUSTERMSG_MIN_LEN */
#define OFF_TOTLEN 4
#define OFF_VER 8
#define OFF_PORT 10
#define OFF_TYPE 12
#define OFF_COUNT 14
#define OFF_CURRENT_EPOCH 16
#define OFF_CONFIG_EPOCH 24
#define OFF_OFFSET 32
#define OFF_SENDER 40
#define OFF_MYSLOTS 80
#define OFF_SLAVEOF 2128
#define OFF_MYIP 2168
#define OFF_EXTENSIONS 2214
#define OFF_PPORT 2246
#define OFF_CPORT 2248
#define OFF_FLAGS 2250
#define OFF_STATE 2252
#define OFF_MFLAGS 2253
#define GOSSIP_LEN 104
#define UPDATE_LEN (8 + CLUSTER_NAMELEN + CLUSTER_SLOTS / 8)
#define MFLAG0_PAUSED 1
#define MFLAG0_FORCEACK 2
#define MFLAG0_EXT_DATA 4
#define EXT_HOSTNAME 0
#define RCVBUF_INIT 1024

static void put16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}
static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static bool name_is_null(const uint8_t *p) {
    for (int i = 0; i < CLUSTER_NAMELEN; i++)
        if (p[i]) return false;
    return true;
}

static bool slot_bit(const uint8_t *slots, int j) { return (slots[j >> 3] >> (j & 7)) & 1; }

const char *bus_msg_type_name(int type) {
    static const char *names[MSG_TYPES] = {"ping",    "pong",     "meet",        "fail",
                                           "publish", "auth-req", "auth-ack",    "update",
                                           "mfstart", "module",   "publishshard"};
    return type >= 0 && type < MSG_TYPES ? names[type] : "unknown";
}

/* ---- Links ---- */

typedef struct clink {
    long long ctime;
    int fd;
    bool inbound, connecting;
    tls_conn *tls;         /* tls-cluster: the link's TLS, else NULL */
    bool handshaking;      /* tls-cluster: TLS handshake not over, nothing sent yet */
    bool read_wants_write; /* a TLS read waits for the socket to be writable */
    bool write_wants_read; /* a TLS write waits for the socket to be readable */
    cnode *node;
    str *sndbuf; /* NULL while there is nothing to send (a link is idle) */
    uint8_t *rcvbuf;
    size_t rcv_len, rcv_cap;
} clink;

static clink **links;
static int nlinks;
static int listen_fds[16];
static int nlisten;

static void on_readable(int fd, void *data, int mask);
static void on_writable(int fd, void *data, int mask);
static void on_handshake(int fd, void *data, int mask);

static clink *link_new(int fd, bool inbound, cnode *n) {
    clink *l = mem_calloc(sizeof(clink));
    l->ctime = srv.mstime;
    l->fd = fd;
    l->inbound = inbound;
    l->node = n;
    links = mem_realloc(links, sizeof(clink *) * (size_t)(nlinks + 1));
    links[nlinks++] = l;
    return l;
}

void bus_free_link(clink *l) {
    if (l == NULL) return;
    if (l->fd != -1) {
        ev_del(l->fd, EV_READ | EV_WRITE);
        tls_free(l->tls);
        close(l->fd);
    }
    if (l->node) {
        if (l->node->link == l) l->node->link = NULL;
        if (l->node->inbound_link == l) l->node->inbound_link = NULL;
    }
    for (int i = 0; i < nlinks; i++)
        if (links[i] == l) {
            links[i] = links[--nlinks];
            break;
        }
    if (l->sndbuf) str_free(l->sndbuf);
    mem_free(l->rcvbuf);
    mem_free(l);
}

static size_t sndbuf_len(const clink *l) { return l->sndbuf ? l->sndbuf->len : 0; }

static size_t sndbuf_cap(const clink *l) { return l->sndbuf ? l->sndbuf->cap : 0; }

size_t bus_links_memory(void) {
    size_t n = 0;
    for (int i = 0; i < nlinks; i++) n += sizeof(clink) + sndbuf_cap(links[i]) + links[i]->rcv_cap;
    return n;
}

unsigned long bus_connections(void) { return (unsigned long)nlinks; }

static void link_send(clink *l, const uint8_t *msg, size_t len) {
    l->sndbuf = l->sndbuf ? str_cat(l->sndbuf, msg, len) : str_new(msg, len);
    if (!l->connecting && !l->handshaking && !l->write_wants_read)
        ev_add(l->fd, EV_WRITE, on_writable, l);
    int type = (int)get16(msg + OFF_TYPE);
    if (type < MSG_TYPES) cs->stats_sent[type]++;
}

static void on_writable(int fd, void *data, int mask) {
    (void)mask;
    clink *l = data;
    if (l->connecting) {
        int err = 0;
        socklen_t elen = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 || err) {
            log_msg(LOG_VERBOSE, "Connection with Node %.40s at %s:%d failed: %s",
                    l->node ? l->node->name : "?", l->node ? l->node->ip : "?",
                    l->node ? l->node->cport : 0, strerror(err ? err : errno));
            bus_free_link(l);
            return;
        }
        l->connecting = false;
        if (l->tls) {
            l->handshaking = true;
            on_handshake(fd, l, EV_WRITE);
            return;
        }
        ev_add(fd, EV_READ, on_readable, l);
    }
    while (sndbuf_len(l)) {
        ssize_t n = conn_write(fd, l->tls, l->sndbuf->buf, l->sndbuf->len);
        if (n <= 0) {
            if (n == -1 && errno == EAGAIN) {
                if (l->tls && tls_write_wants_read(l->tls)) {
                    /* Retried by on_readable once the peer's bytes came. */
                    l->write_wants_read = true;
                    ev_del(fd, EV_WRITE);
                }
                return;
            }
            bus_free_link(l);
            return;
        }
        str_consume(l->sndbuf, (size_t)n);
    }
    ev_del(fd, EV_WRITE);
    if (l->read_wants_write) {
        l->read_wants_write = false;
        on_readable(fd, l, EV_READ);
    }
}

/* tls-cluster: one step of a link's TLS handshake per event, either way
 * (we connected or the peer did). Once it is over the link reads, and
 * sends what was queued meanwhile (our first PING). */
static void on_handshake(int fd, void *data, int mask) {
    (void)mask;
    clink *l = data;
    int rc = tls_handshake(l->tls);
    if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE) {
        ev_del(fd, rc == TLS_WANT_READ ? EV_WRITE : EV_READ);
        ev_add(fd, rc == TLS_WANT_READ ? EV_READ : EV_WRITE, on_handshake, l);
        return;
    }
    if (rc == TLS_FAILED) {
        if (l->inbound)
            log_msg(LOG_VERBOSE, "Error accepting cluster node connection: %s",
                    tls_last_error(l->tls));
        else
            log_msg(LOG_VERBOSE, "Connection with Node %.40s at %s:%d failed: %s",
                    l->node ? l->node->name : "?", l->node ? l->node->ip : "?",
                    l->node ? l->node->cport : 0, tls_last_error(l->tls));
        bus_free_link(l);
        return;
    }
    l->handshaking = false;
    ev_del(fd, EV_WRITE);
    ev_add(fd, EV_READ, on_readable, l);
    if (sndbuf_len(l)) ev_add(fd, EV_WRITE, on_writable, l);
    /* Records that came with the handshake's last flight raise no event. */
    if (tls_has_pending(l->tls)) on_readable(fd, l, EV_READ);
}

/* ---- Building messages ---- */

/* The header every message starts with, about myself (or, for a replica,
 * the slots and config epoch of its master). */
static void build_header(uint8_t *m, int type, size_t totlen) {
    cnode *me = cs->myself;
    cnode *master = (me->flags & CN_SLAVE) && me->master ? me->master : me;
    memset(m, 0, HDR_LEN);
    memcpy(m, "RCmb", 4);
    put32(m + OFF_TOTLEN, (uint32_t)totlen);
    put16(m + OFF_VER, 1);
    put16(m + OFF_PORT, (unsigned)me->port);
    put16(m + OFF_TYPE, (unsigned)type);
    put64(m + OFF_CURRENT_EPOCH, cs->current_epoch);
    put64(m + OFF_CONFIG_EPOCH, master->config_epoch);
    put64(m + OFF_OFFSET, (uint64_t)cluster_my_repl_offset());
    memcpy(m + OFF_SENDER, me->name, CLUSTER_NAMELEN);
    memcpy(m + OFF_MYSLOTS, master->slots, CLUSTER_SLOTS / 8);
    if ((me->flags & CN_SLAVE) && me->master)
        memcpy(m + OFF_SLAVEOF, me->master->name, CLUSTER_NAMELEN);
    if (cfg.cluster_announce_ip && cfg.cluster_announce_ip[0])
        snprintf((char *)m + OFF_MYIP, CLUSTER_IPLEN, "%s", cfg.cluster_announce_ip);
    put16(m + OFF_PPORT, (unsigned)me->pport);
    put16(m + OFF_CPORT, (unsigned)me->cport);
    put16(m + OFF_FLAGS, (unsigned)(me->flags & 0xffff));
    m[OFF_STATE] = (uint8_t)cs->state;
    if ((me->flags & CN_MASTER) && cs->mf_end) m[OFF_MFLAGS] |= MFLAG0_PAUSED;
}

static void put_gossip(uint8_t *g, const cnode *n) {
    memset(g, 0, GOSSIP_LEN);
    memcpy(g, n->name, CLUSTER_NAMELEN);
    put32(g + 40, (uint32_t)(n->ping_sent / 1000));
    put32(g + 44, (uint32_t)(n->pong_received / 1000));
    memcpy(g + 48, n->ip, CLUSTER_IPLEN);
    put16(g + 94, (unsigned)n->port);
    put16(g + 96, (unsigned)n->cport);
    put16(g + 98, (unsigned)(n->flags & 0xffff));
    put16(g + 100, (unsigned)n->pport);
}

/* PING, PONG or MEET to l: a header, gossip about a tenth of the nodes
 * (at least three) and every node in PFAIL, then the hostname extension. */
static void send_ping(clink *l, int type) {
    int known = cs->nnodes;
    int fresh = known - 2;
    int wanted = known / 10;
    if (wanted < 3) wanted = 3;
    if (wanted > fresh) wanted = fresh;
    if (wanted < 0) wanted = 0;
    int pfail = 0;
    for (int i = 0; i < known; i++)
        if (cs->nodes[i]->flags & CN_PFAIL) pfail++;
    if (l->node && type == MSG_PING) l->node->ping_sent = srv.mstime;
    size_t hostlen = cs->myself->hostname ? cs->myself->hostname->len : 0;
    size_t extlen = hostlen ? 8 + ((hostlen + 1 + 7) / 8) * 8 : 0;
    size_t cap = HDR_LEN + (size_t)(wanted + pfail) * GOSSIP_LEN + extlen;
    uint8_t *m = mem_calloc(cap);
    uint8_t *chosen = mem_calloc((size_t)known);
    int count = 0, tries = wanted * 3;
    while (fresh > 0 && count < wanted && tries-- > 0) {
        int i = (int)(util_rand64() % (uint64_t)known);
        cnode *n = cs->nodes[i];
        if (n == cs->myself || (n->flags & CN_PFAIL)) continue;
        if ((n->flags & (CN_HANDSHAKE | CN_NOADDR)) || (n->link == NULL && n->numslots == 0)) {
            fresh--;
            continue;
        }
        if (chosen[i]) continue;
        chosen[i] = 1;
        put_gossip(m + HDR_LEN + (size_t)count * GOSSIP_LEN, n);
        fresh--;
        count++;
    }
    for (int i = 0; i < known && pfail > 0; i++) {
        cnode *n = cs->nodes[i];
        if (!(n->flags & CN_PFAIL) || (n->flags & (CN_HANDSHAKE | CN_NOADDR))) continue;
        put_gossip(m + HDR_LEN + (size_t)count * GOSSIP_LEN, n);
        count++;
        pfail--;
    }
    size_t totlen = HDR_LEN + (size_t)count * GOSSIP_LEN;
    int extensions = 0;
    if (hostlen) {
        uint8_t *e = m + totlen;
        put32(e, (uint32_t)extlen);
        put16(e + 4, EXT_HOSTNAME);
        memcpy(e + 8, cs->myself->hostname->buf, hostlen);
        totlen += extlen;
        extensions++;
    }
    uint8_t hdr[HDR_LEN];
    build_header(hdr, type, totlen);
    memcpy(m, hdr, HDR_LEN);
    m[OFF_MFLAGS] |= MFLAG0_EXT_DATA; /* we understand extensions (Redis 7.0 says so always) */
    put16(m + OFF_COUNT, (unsigned)count);
    put16(m + OFF_EXTENSIONS, (unsigned)extensions);
    link_send(l, m, totlen);
    mem_free(chosen);
    mem_free(m);
}

static void broadcast(const uint8_t *m, size_t len) {
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        if (n->link == NULL || (n->flags & (CN_MYSELF | CN_HANDSHAKE))) continue;
        link_send(n->link, m, len);
    }
}

/* local_only: to the other replicas of our master (an election's offset). */
void bus_broadcast_pong(bool local_only) {
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        if (n->link == NULL || n == cs->myself || (n->flags & CN_HANDSHAKE)) continue;
        if (local_only) {
            cnode *me = cs->myself;
            bool sibling = (n->flags & CN_SLAVE) && n->master && n->master == me->master;
            if (!sibling) continue;
        }
        send_ping(n->link, MSG_PONG);
    }
}

void bus_send_fail(const char *name) {
    uint8_t m[HDR_LEN + CLUSTER_NAMELEN];
    build_header(m, MSG_FAIL, sizeof(m));
    memcpy(m + HDR_LEN, name, CLUSTER_NAMELEN);
    broadcast(m, sizeof(m));
}

void bus_send_update(clink *l, cnode *n) {
    if (l == NULL) return;
    uint8_t m[HDR_LEN + UPDATE_LEN];
    build_header(m, MSG_UPDATE, sizeof(m));
    put64(m + HDR_LEN, n->config_epoch);
    memcpy(m + HDR_LEN + 8, n->name, CLUSTER_NAMELEN);
    memcpy(m + HDR_LEN + 8 + CLUSTER_NAMELEN, n->slots, CLUSTER_SLOTS / 8);
    link_send(l, m, sizeof(m));
}

void bus_send_mfstart(cnode *n) {
    if (n->link == NULL) return;
    uint8_t m[HDR_LEN];
    build_header(m, MSG_MFSTART, sizeof(m));
    link_send(n->link, m, sizeof(m));
}

static void send_auth_ack(cnode *n) {
    if (n->link == NULL) return;
    uint8_t m[HDR_LEN];
    build_header(m, MSG_AUTH_ACK, sizeof(m));
    link_send(n->link, m, sizeof(m));
}

void bus_publish(bool shard, const char *ch, size_t chlen, const char *msg, size_t msglen) {
    size_t len = HDR_LEN + 8 + chlen + msglen;
    uint8_t *m = mem_alloc(len);
    build_header(m, shard ? MSG_PUBLISHSHARD : MSG_PUBLISH, len);
    put32(m + HDR_LEN, (uint32_t)chlen);
    put32(m + HDR_LEN + 4, (uint32_t)msglen);
    memcpy(m + HDR_LEN + 8, ch, chlen);
    memcpy(m + HDR_LEN + 8 + chlen, msg, msglen);
    if (!shard) {
        broadcast(m, len);
    } else {
        /* A shard message stays with our master and its replicas. */
        cnode *me = cs->myself;
        cnode *master = (me->flags & CN_SLAVE) && me->master ? me->master : me;
        for (int i = -1; i < master->nreplicas; i++) {
            cnode *n = i == -1 ? master : master->replicas[i];
            if (n != me && n->link) link_send(n->link, m, len);
        }
    }
    mem_free(m);
}

/* ---- Handshakes and connections ---- */

static bool handshake_in_progress(const char *ip, int port, int cport) {
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        if ((n->flags & CN_HANDSHAKE) && !strcasecmp(n->ip, ip) && n->port == port &&
            n->cport == cport)
            return true;
    }
    return false;
}

bool bus_start_handshake(const char *ip, int port, int cport) {
    /* A literal address only, normalized, as Redis's clusterStartHandshake. */
    char norm[CLUSTER_IPLEN];
    if (!net_normalize_ip(ip, norm, sizeof(norm)) || port <= 0 || port > 65535 || cport <= 0 ||
        cport > 65535) {
        errno = EINVAL;
        return false;
    }
    if (handshake_in_progress(norm, port, cport)) {
        errno = EAGAIN;
        return true; /* Redis answers OK too */
    }
    cnode *n = cluster_node_new(NULL, CN_HANDSHAKE | CN_MEET);
    snprintf(n->ip, sizeof(n->ip), "%s", norm);
    n->port = port;
    n->cport = cport;
    cluster_node_add(n);
    return true;
}

static void on_accept(int lfd, void *data, int mask) {
    (void)data;
    (void)mask;
    for (int max = 1000; max > 0; max--) {
        char ip[NET_ADDR_SIZE];
        int port;
        int fd = net_accept(lfd, ip, sizeof(ip), &port);
        if (fd == -1) return;
        net_set_nodelay(fd);
        tls_conn *t = NULL;
        if (cfg.tls_cluster && (t = tls_new_accepted_node(fd)) == NULL) {
            log_msg(LOG_VERBOSE, "Error creating an accepting connection for cluster node: %s",
                    "TLS is not configured");
            close(fd);
            return;
        }
        clink *l = link_new(fd, true, NULL);
        l->tls = t;
        l->handshaking = t != NULL;
        ev_add(fd, EV_READ, t ? on_handshake : on_readable, l);
        log_msg(LOG_VERBOSE, "Accepting cluster node connection from %s:%d", ip, port);
    }
}

static void connect_node(cnode *n) {
    char err[256];
    int fd = net_connect(n->ip, n->cport, err, sizeof(err));
    if (fd == -1) {
        if (n->ping_sent == 0) n->ping_sent = srv.mstime;
        log_msg(LOG_DEBUG, "Unable to connect to Cluster Node [%s]:%d -> %s", n->ip, n->cport, err);
        return;
    }
    net_set_nodelay(fd);
    tls_conn *t = NULL;
    if (cfg.tls_cluster && (t = tls_new_connected(fd)) == NULL) {
        if (n->ping_sent == 0) n->ping_sent = srv.mstime;
        log_msg(LOG_DEBUG, "Unable to connect to Cluster Node [%s]:%d -> %s", n->ip, n->cport,
                "TLS is not configured");
        close(fd);
        return;
    }
    clink *l = link_new(fd, false, n);
    l->tls = t;
    l->connecting = true;
    n->link = l;
    ev_add(fd, EV_WRITE, on_writable, l);
    /* Keep the failure detection clock of a node we reconnect to. */
    long long old_ping_sent = n->ping_sent;
    send_ping(l, (n->flags & CN_MEET) ? MSG_MEET : MSG_PING);
    if (old_ping_sent) n->ping_sent = old_ping_sent;
    n->flags &= ~CN_MEET;
}

/* ---- Receiving ---- */

static void copy_ip(char *out, const char *ip) {
    size_t n = strnlen(ip, CLUSTER_IPLEN - 1);
    memcpy(out, ip, n);
    out[n] = '\0';
}

/* The address the message's sender is at: what it announced, or the
 * peer address of the link. */
static void sender_ip(const clink *l, const uint8_t *m, char *out) {
    if (m[OFF_MYIP]) {
        memcpy(out, m + OFF_MYIP, CLUSTER_IPLEN);
        out[CLUSTER_IPLEN - 1] = '\0';
        return;
    }
    char addr[NET_ADDR_SIZE];
    net_peer_name(l->fd, addr, sizeof(addr));
    char *colon = strrchr(addr, ':');
    if (colon) *colon = '\0';
    /* "[::1]" style: drop the brackets. */
    const char *p = addr;
    if (p[0] == '[') {
        p++;
        char *close = strchr(addr, ']');
        if (close) *close = '\0';
    }
    copy_ip(out, p);
}

static bool update_address(cnode *n, clink *l, const uint8_t *m) {
    if (n == cs->myself || l == n->link) return false;
    char ip[CLUSTER_IPLEN];
    sender_ip(l, m, ip);
    int port = (int)get16(m + OFF_PORT), cport = (int)get16(m + OFF_CPORT);
    int pport = (int)get16(m + OFF_PPORT);
    if (!strcmp(ip, n->ip) && n->port == port && n->cport == cport && n->pport == pport)
        return false;
    memcpy(n->ip, ip, CLUSTER_IPLEN);
    n->port = port;
    n->cport = cport;
    n->pport = pport;
    if (n->link) bus_free_link(n->link);
    n->flags &= ~CN_NOADDR;
    log_msg(LOG_WARNING, "Address updated for node %.40s, now %s:%d", n->name, n->ip, n->port);
    if ((cs->myself->flags & CN_SLAVE) && cs->myself->master == n) cluster_replicate_master_addr(n);
    return true;
}

static void mark_failing_if_needed(cnode *n) {
    int quorum = cs->size / 2 + 1;
    if (!(n->flags & CN_PFAIL) || (n->flags & CN_FAIL)) return;
    int failures = cluster_count_failure_reports(n);
    if (cs->myself->flags & CN_MASTER) failures++;
    if (failures < quorum) return;
    log_msg(LOG_NOTICE, "Marking node %.40s as failing (quorum reached).", n->name);
    n->flags &= ~CN_PFAIL;
    n->flags |= CN_FAIL;
    n->fail_time = srv.mstime;
    bus_send_fail(n->name);
    cluster_todo(true, true);
}

static void clear_failure_if_needed(cnode *n) {
    long long now = srv.mstime;
    if ((n->flags & CN_SLAVE) || n->numslots == 0) {
        log_msg(LOG_NOTICE, "Clear FAIL state for node %.40s: %s is reachable again.", n->name,
                (n->flags & CN_SLAVE) ? "replica" : "master without slots");
        n->flags &= ~CN_FAIL;
        cluster_todo(true, true);
    }
    if ((n->flags & CN_MASTER) && n->numslots > 0 &&
        now - n->fail_time > cfg.cluster_node_timeout * 2) {
        log_msg(LOG_NOTICE,
                "Clear FAIL state for node %.40s: is reachable again and nobody is serving its "
                "slots after some time.",
                n->name);
        n->flags &= ~CN_FAIL;
        cluster_todo(true, true);
    }
}

static void process_gossip(const uint8_t *m, clink *l, cnode *sender) {
    unsigned count = get16(m + OFF_COUNT);
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *g = m + HDR_LEN + (size_t)i * GOSSIP_LEN;
        int flags = (int)get16(g + 98);
        cnode *n = cluster_node_find((const char *)g, CLUSTER_NAMELEN);
        char gip[CLUSTER_IPLEN];
        memcpy(gip, g + 48, CLUSTER_IPLEN);
        gip[CLUSTER_IPLEN - 1] = '\0';
        int gport = (int)get16(g + 94), gcport = (int)get16(g + 96);
        if (n) {
            if (sender && (sender->flags & CN_MASTER) && n != cs->myself) {
                if (flags & (CN_FAIL | CN_PFAIL)) {
                    if (cluster_add_failure_report(n, sender))
                        log_msg(LOG_VERBOSE, "Node %.40s reported node %.40s as not reachable.",
                                sender->name, n->name);
                    mark_failing_if_needed(n);
                } else {
                    cluster_del_failure_report(n, sender);
                }
            }
            if (!(flags & (CN_FAIL | CN_PFAIL)) && n->ping_sent == 0 &&
                cluster_count_failure_reports(n) == 0) {
                long long pong = (long long)get32(g + 44) * 1000;
                if (pong <= srv.mstime + 500 && pong > n->pong_received) n->pong_received = pong;
            }
            if ((n->flags & (CN_FAIL | CN_PFAIL)) && !(flags & CN_NOADDR) &&
                !(flags & (CN_FAIL | CN_PFAIL)) &&
                (strcasecmp(n->ip, gip) || n->port != gport || n->cport != gcport)) {
                if (n->link) bus_free_link(n->link);
                memcpy(n->ip, gip, CLUSTER_IPLEN);
                n->port = gport;
                n->cport = gcport;
                n->pport = (int)get16(g + 100);
                n->flags &= ~CN_NOADDR;
            }
        } else if (sender && !(flags & CN_NOADDR) && !cluster_blacklisted((const char *)g)) {
            cnode *nn = cluster_node_new((const char *)g, flags & ~(CN_MYSELF | CN_MEET));
            memcpy(nn->ip, gip, CLUSTER_IPLEN);
            nn->port = gport;
            nn->cport = gcport;
            nn->pport = (int)get16(g + 100);
            cluster_node_add(nn);
            cluster_todo(true, false);
        }
    }
    (void)l;
}

static void process_extensions(const uint8_t *m, size_t totlen, cnode *sender) {
    unsigned count = get16(m + OFF_COUNT);
    unsigned exts = get16(m + OFF_EXTENSIONS);
    bool got_hostname = false;
    if (m[OFF_MFLAGS] & MFLAG0_EXT_DATA) {
        size_t off = HDR_LEN + (size_t)count * GOSSIP_LEN;
        while (exts-- && off + 8 <= totlen) {
            uint32_t len = get32(m + off);
            unsigned type = get16(m + off + 4);
            if (len < 8 || off + len > totlen) break;
            if (type == EXT_HOSTNAME) {
                const char *h = (const char *)m + off + 8;
                size_t hlen = strnlen(h, len - 8);
                if (sender->hostname == NULL || sender->hostname->len != hlen ||
                    memcmp(sender->hostname->buf, h, hlen)) {
                    str_free(sender->hostname);
                    sender->hostname = hlen ? str_new(h, hlen) : NULL;
                    cluster_todo(true, false);
                }
                got_hostname = true;
            }
            off += len;
        }
    }
    /* No hostname sent: the node announces none. */
    if (!got_hostname && sender->hostname) {
        str_free(sender->hostname);
        sender->hostname = NULL;
        cluster_todo(true, false);
    }
}

/* Redis's clusterUpdateSlotsConfigWith: slots claimed by sender with a
 * newer config epoch move to it; a master left without slots follows the
 * node that took them. */
static void update_slots_config(cnode *sender, uint64_t epoch, const uint8_t *slots) {
    cnode *me = cs->myself;
    cnode *curmaster = (me->flags & CN_MASTER) ? me : me->master;
    cnode *newmaster = NULL;
    int sender_slots = 0, migrated_ours = 0;
    int *dirty = mem_alloc(sizeof(int) * CLUSTER_SLOTS);
    int ndirty = 0;
    if (sender == me) {
        log_msg(LOG_WARNING, "Discarding UPDATE message about myself.");
        mem_free(dirty);
        return;
    }
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!slot_bit(slots, j)) continue;
        sender_slots++;
        if (cs->slots[j] == sender || cs->importing_from[j]) continue;
        if (cs->slots[j] == NULL || cs->slots[j]->config_epoch < epoch) {
            if (cs->slots[j] == me && db_slot_count(db_get(0), (unsigned)j)) dirty[ndirty++] = j;
            if (cs->slots[j] && cs->slots[j] == curmaster) {
                newmaster = sender;
                migrated_ours++;
            }
            cluster_del_slot(j);
            cluster_add_slot(sender, j);
            cluster_todo(true, true);
        }
    }
    if (newmaster && curmaster && curmaster->numslots == 0 &&
        (cfg.cluster_allow_replica_migration || sender_slots == migrated_ours)) {
        log_msg(LOG_WARNING,
                "Configuration change detected. Reconfiguring myself as a replica of %.40s",
                sender->name);
        cluster_set_my_master(sender);
    } else if (me->master && me->master->master) {
        log_msg(LOG_WARNING,
                "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %.40s",
                me->master->master->name);
        cluster_set_my_master(me->master->master);
    } else {
        for (int i = 0; i < ndirty; i++) cluster_del_keys_in_slot((unsigned)dirty[i]);
    }
    mem_free(dirty);
}

static void handle_epoch_collision(cnode *sender) {
    cnode *me = cs->myself;
    if (sender->config_epoch != me->config_epoch || !(sender->flags & CN_MASTER) ||
        !(me->flags & CN_MASTER))
        return;
    /* The node with the smaller name keeps its epoch. */
    if (memcmp(sender->name, me->name, CLUSTER_NAMELEN) <= 0) return;
    cs->current_epoch++;
    me->config_epoch = cs->current_epoch;
    cluster_save_config(true);
    log_msg(LOG_VERBOSE, "WARNING: configEpoch collision with node %.40s. configEpoch set to %llu",
            sender->name, (unsigned long long)me->config_epoch);
}

static void maybe_vote(cnode *n, const uint8_t *m) {
    cnode *me = cs->myself;
    cnode *master = n->master;
    uint64_t req_current = get64(m + OFF_CURRENT_EPOCH);
    uint64_t req_config = get64(m + OFF_CONFIG_EPOCH);
    bool force = m[OFF_MFLAGS] & MFLAG0_FORCEACK;
    if ((me->flags & CN_SLAVE) || me->numslots == 0) return;
    if (req_current < cs->current_epoch) return;
    if (cs->last_vote_epoch == cs->current_epoch) return;
    if ((n->flags & CN_MASTER) || master == NULL || (!(master->flags & CN_FAIL) && !force)) return;
    if (srv.mstime - master->voted_time < cfg.cluster_node_timeout * 2) return;
    const uint8_t *claimed = m + OFF_MYSLOTS;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!slot_bit(claimed, j)) continue;
        if (cs->slots[j] == NULL || cs->slots[j]->config_epoch <= req_config) continue;
        return;
    }
    cs->last_vote_epoch = cs->current_epoch;
    master->voted_time = srv.mstime;
    cluster_save_config(true);
    send_auth_ack(n);
    log_msg(LOG_NOTICE, "Failover auth granted to %.40s for epoch %llu", n->name,
            (unsigned long long)cs->current_epoch);
}

static bool packet_is_valid(const uint8_t *m, size_t totlen) {
    if (totlen < 16 || get16(m + OFF_VER) != 1) return false;
    int type = (int)get16(m + OFF_TYPE);
    size_t explen = HDR_LEN;
    if (totlen < HDR_LEN) return false;
    if (type == MSG_PING || type == MSG_PONG || type == MSG_MEET) {
        explen += (size_t)get16(m + OFF_COUNT) * GOSSIP_LEN;
        if (m[OFF_MFLAGS] & MFLAG0_EXT_DATA) {
            unsigned exts = get16(m + OFF_EXTENSIONS);
            while (exts--) {
                if (explen + 8 > totlen) return false;
                uint32_t len = get32(m + explen);
                if (len % 8 || len < 8 || totlen - explen < len) return false;
                explen += len;
            }
        }
    } else if (type == MSG_FAIL) {
        explen += CLUSTER_NAMELEN;
    } else if (type == MSG_PUBLISH || type == MSG_PUBLISHSHARD) {
        if (totlen < HDR_LEN + 8) return false;
        explen += 8 + (size_t)get32(m + HDR_LEN) + get32(m + HDR_LEN + 4);
    } else if (type == MSG_UPDATE) {
        explen += UPDATE_LEN;
    } else if (type == MSG_MODULE) {
        return true; /* not ours to read; its length is its own */
    }
    return explen == totlen;
}

static int drop_type = -1;

void cluster_debug_drop_packets(int type) { drop_type = type; }

/* One whole message from l. False if l was freed. */
static bool process_packet(clink *l, const uint8_t *m, size_t totlen) {
    int type = (int)get16(m + OFF_TYPE);
    if (type < MSG_TYPES) cs->stats_received[type]++;
    if (!packet_is_valid(m, totlen)) return true;
    if (type == drop_type) return true; /* DEBUG DROP-CLUSTER-PACKET-FILTER */
    int flags = (int)get16(m + OFF_FLAGS);
    uint64_t sender_current = 0, sender_config = 0;
    cnode *me = cs->myself;
    cnode *sender = cluster_node_find((const char *)m + OFF_SENDER, CLUSTER_NAMELEN);
    if (sender && (sender->flags & CN_HANDSHAKE)) sender = NULL;
    if (sender) sender->data_received = srv.mstime;
    if (sender && l->inbound && l->node == NULL) {
        if (sender->inbound_link && sender->inbound_link != l) bus_free_link(sender->inbound_link);
        sender->inbound_link = l;
        l->node = sender;
    }
    if (sender) {
        sender_current = get64(m + OFF_CURRENT_EPOCH);
        sender_config = get64(m + OFF_CONFIG_EPOCH);
        if (sender_current > cs->current_epoch) {
            cs->current_epoch = sender_current;
            cluster_todo(true, true);
        }
        if (sender_config > sender->config_epoch) {
            sender->config_epoch = sender_config;
            cluster_todo(true, false);
        }
        sender->repl_offset = (long long)get64(m + OFF_OFFSET);
        sender->repl_offset_time = srv.mstime;
        if (cs->mf_end && (me->flags & CN_SLAVE) && me->master == sender &&
            (m[OFF_MFLAGS] & MFLAG0_PAUSED) && cs->mf_master_offset == -1) {
            cs->mf_master_offset = sender->repl_offset;
            log_msg(LOG_NOTICE,
                    "Received replication offset for paused master manual failover: %lld",
                    cs->mf_master_offset);
        }
    }
    if (type == MSG_PING || type == MSG_MEET) {
        /* MEETs tell us our own address, as others see it. */
        if ((type == MSG_MEET || me->ip[0] == '\0') &&
            !(cfg.cluster_announce_ip && cfg.cluster_announce_ip[0])) {
            char addr[NET_ADDR_SIZE];
            net_sock_name(l->fd, addr, sizeof(addr));
            char *colon = strrchr(addr, ':');
            if (colon) *colon = '\0';
            const char *ip = addr[0] == '[' ? addr + 1 : addr;
            char *close = strchr(addr, ']');
            if (close) *close = '\0';
            if (strcmp(ip, me->ip)) {
                copy_ip(me->ip, ip);
                log_msg(LOG_WARNING, "IP address for this node updated to %s", me->ip);
                cluster_todo(true, false);
            }
        }
        if (!sender && type == MSG_MEET) {
            cnode *n = cluster_node_new(NULL, CN_HANDSHAKE);
            sender_ip(l, m, n->ip);
            n->port = (int)get16(m + OFF_PORT);
            n->pport = (int)get16(m + OFF_PPORT);
            n->cport = (int)get16(m + OFF_CPORT);
            cluster_node_add(n);
            cluster_todo(true, false);
            process_gossip(m, l, NULL);
        }
        send_ping(l, MSG_PONG);
    }
    if (type == MSG_PING || type == MSG_PONG || type == MSG_MEET) {
        if (!l->inbound && l->node) {
            if (l->node->flags & CN_HANDSHAKE) {
                if (sender) {
                    /* We know it already: only its address may be news. */
                    update_address(sender, l, m);
                    cluster_node_del(l->node); /* frees l */
                    return false;
                }
                cluster_node_rename(l->node, (const char *)m + OFF_SENDER);
                l->node->flags &= ~CN_HANDSHAKE;
                l->node->flags |= flags & (CN_MASTER | CN_SLAVE);
                log_msg(LOG_DEBUG, "Handshake with node %.40s completed.", l->node->name);
                cluster_todo(true, false);
            } else if (memcmp(l->node->name, m + OFF_SENDER, CLUSTER_NAMELEN)) {
                log_msg(LOG_DEBUG, "PONG contains mismatching sender ID.");
                l->node->flags |= CN_NOADDR;
                l->node->ip[0] = '\0';
                l->node->port = l->node->cport = l->node->pport = 0;
                bus_free_link(l);
                cluster_todo(true, false);
                return false;
            }
        }
        if (sender) {
            sender->flags &= ~CN_NOFAILOVER;
            sender->flags |= flags & CN_NOFAILOVER;
        }
        if (sender && type == MSG_PING && update_address(sender, l, m)) cluster_todo(true, true);
        if (!l->inbound && type == MSG_PONG && l->node) {
            cnode *n = l->node;
            n->pong_received = srv.mstime;
            n->ping_sent = 0;
            if (n->flags & CN_PFAIL) {
                n->flags &= ~CN_PFAIL;
                cluster_todo(true, true);
            } else if (n->flags & CN_FAIL) {
                clear_failure_if_needed(n);
            }
        }
        /* A master that became a replica, or a replica of another master. */
        if (sender) {
            if (name_is_null(m + OFF_SLAVEOF)) {
                cluster_set_as_master(sender);
            } else {
                cnode *master = cluster_node_find((const char *)m + OFF_SLAVEOF, CLUSTER_NAMELEN);
                if (sender->flags & CN_MASTER) {
                    cluster_del_node_slots(sender);
                    sender->flags &= ~(CN_MASTER | CN_MIGRATE_TO);
                    sender->flags |= CN_SLAVE;
                    cluster_todo(true, true);
                }
                if (master && sender->master != master) {
                    if (sender->master) cluster_node_remove_replica(sender->master, sender);
                    cluster_node_add_replica(master, sender);
                    sender->master = master;
                    cluster_todo(true, false);
                }
            }
        }
        /* The slots it claims against those we think it has. */
        cnode *sender_master = NULL;
        bool dirty = false;
        if (sender) {
            sender_master = (sender->flags & CN_MASTER) ? sender : sender->master;
            if (sender_master)
                dirty = memcmp(sender_master->slots, m + OFF_MYSLOTS, CLUSTER_SLOTS / 8) != 0;
        }
        if (sender && (sender->flags & CN_MASTER) && dirty)
            update_slots_config(sender, sender_config, m + OFF_MYSLOTS);
        /* It claims slots we know a newer owner of: tell it. */
        if (sender && dirty) {
            for (int j = 0; j < CLUSTER_SLOTS; j++) {
                if (!slot_bit(m + OFF_MYSLOTS, j)) continue;
                if (cs->slots[j] == sender || cs->slots[j] == NULL) continue;
                if (cs->slots[j]->config_epoch > sender_config) {
                    log_msg(LOG_VERBOSE,
                            "Node %.40s has old slots configuration, sending an UPDATE message "
                            "about %.40s",
                            sender->name, cs->slots[j]->name);
                    bus_send_update(sender->link, cs->slots[j]);
                    break;
                }
            }
        }
        if (sender && (me->flags & CN_MASTER) && (sender->flags & CN_MASTER) &&
            sender_config == me->config_epoch)
            handle_epoch_collision(sender);
        if (sender) {
            process_gossip(m, l, sender);
            process_extensions(m, totlen, sender);
        }
    } else if (type == MSG_FAIL) {
        if (sender) {
            cnode *failing = cluster_node_find((const char *)m + HDR_LEN, CLUSTER_NAMELEN);
            if (failing && !(failing->flags & (CN_FAIL | CN_MYSELF))) {
                log_msg(LOG_NOTICE, "FAIL message received from %.40s about %.40s", sender->name,
                        failing->name);
                failing->flags |= CN_FAIL;
                failing->fail_time = srv.mstime;
                failing->flags &= ~CN_PFAIL;
                cluster_todo(true, true);
            }
        }
    } else if (type == MSG_PUBLISH || type == MSG_PUBLISHSHARD) {
        if (sender) {
            uint32_t clen = get32(m + HDR_LEN), mlen = get32(m + HDR_LEN + 4);
            const char *ch = (const char *)m + HDR_LEN + 8;
            pubsub_publish_local(type == MSG_PUBLISHSHARD, ch, clen, ch + clen, mlen);
        }
    } else if (type == MSG_AUTH_REQUEST) {
        if (sender) maybe_vote(sender, m);
    } else if (type == MSG_AUTH_ACK) {
        if (sender && (sender->flags & CN_MASTER) && sender->numslots > 0 &&
            sender_current >= cs->failover_auth_epoch) {
            cs->failover_auth_count++;
        }
    } else if (type == MSG_MFSTART) {
        if (sender && sender->master == me) {
            bus_reset_manual_failover();
            cs->mf_end = srv.mstime + 5000;
            cs->mf_replica = sender;
            /* Writes wait while the replica catches up (Redis pauses them). */
            srv.pause_type = PAUSE_WRITE;
            srv.pause_end_ms = srv.mstime + 10000;
            log_msg(LOG_WARNING, "Manual failover requested by replica %.40s.", sender->name);
            if (sender->link) send_ping(sender->link, MSG_PING);
        }
    } else if (type == MSG_UPDATE) {
        if (sender) {
            uint64_t reported = get64(m + HDR_LEN);
            cnode *n = cluster_node_find((const char *)m + HDR_LEN + 8, CLUSTER_NAMELEN);
            if (n && n->config_epoch < reported) {
                if (n->flags & CN_SLAVE) cluster_set_as_master(n);
                n->config_epoch = reported;
                cluster_todo(true, false);
                update_slots_config(n, reported, m + HDR_LEN + 8 + CLUSTER_NAMELEN);
            }
        }
    }
    return true;
}

static void on_readable(int fd, void *data, int mask) {
    (void)mask;
    clink *l = data;
    if (l->write_wants_read) { /* the TLS write can go on */
        l->write_wants_read = false;
        ev_add(fd, EV_WRITE, on_writable, l);
    }
    for (;;) {
        size_t want;
        if (l->rcv_len < 8) {
            want = 8 - l->rcv_len;
        } else {
            uint32_t totlen = get32(l->rcvbuf + OFF_TOTLEN);
            if (memcmp(l->rcvbuf, "RCmb", 4) || totlen < 16 || totlen > 64u * 1024 * 1024) {
                char addr[NET_ADDR_SIZE];
                net_peer_name(fd, addr, sizeof(addr));
                log_msg(LOG_VERBOSE,
                        "Bad message length or signature received on the Cluster "
                        "bus from %s",
                        addr);
                bus_free_link(l);
                return;
            }
            want = totlen - l->rcv_len;
        }
        size_t need = l->rcv_len + want;
        if (need > l->rcv_cap) {
            size_t cap = need < RCVBUF_INIT ? RCVBUF_INIT : need;
            l->rcvbuf = mem_realloc(l->rcvbuf, cap);
            l->rcv_cap = cap;
        }
        ssize_t n = conn_read(fd, l->tls, l->rcvbuf + l->rcv_len, want);
        if (n == -1 && errno == EAGAIN) {
            if (l->tls && tls_read_wants_write(l->tls)) {
                l->read_wants_write = true;
                ev_add(fd, EV_WRITE, on_writable, l);
            }
            return;
        }
        if (n <= 0) {
            bus_free_link(l);
            return;
        }
        l->rcv_len += (size_t)n;
        if (l->rcv_len >= 8 && l->rcv_len == get32(l->rcvbuf + OFF_TOTLEN)) {
            size_t len = l->rcv_len;
            l->rcv_len = 0;
            if (!process_packet(l, l->rcvbuf, len)) return;
            if (l->rcv_cap > RCVBUF_INIT) {
                l->rcvbuf = mem_realloc(l->rcvbuf, RCVBUF_INIT);
                l->rcv_cap = RCVBUF_INIT;
            }
        }
    }
}

/* ---- Failover ---- */

void bus_reset_manual_failover(void) {
    if (cs->mf_replica && srv.pause_type == PAUSE_WRITE) {
        srv.pause_type = PAUSE_NONE;
        srv.pause_end_ms = 0;
        client_unpause_all();
    }
    cs->mf_end = 0;
    cs->mf_can_start = false;
    cs->mf_replica = NULL;
    cs->mf_master_offset = -1;
}

void bus_manual_failover_check_timeout(void) {
    if (cs->mf_end && cs->mf_end < srv.mstime) {
        log_msg(LOG_WARNING, "Manual failover timed out.");
        bus_reset_manual_failover();
    }
}

static int replica_rank(void) {
    cnode *me = cs->myself, *master = me->master;
    if (master == NULL) return 0;
    long long mine = cluster_my_repl_offset();
    int rank = 0;
    for (int i = 0; i < master->nreplicas; i++) {
        cnode *r = master->replicas[i];
        if (r != me && !(r->flags & CN_NOFAILOVER) && r->repl_offset > mine) rank++;
    }
    return rank;
}

void bus_replace_my_master(void) {
    cnode *me = cs->myself, *old = me->master;
    if ((me->flags & CN_MASTER) || old == NULL) return;
    cluster_set_as_master(me);
    cluster_become_master();
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!cluster_node_has_slot(old, j)) continue;
        cluster_del_slot(j);
        cluster_add_slot(me, j);
    }
    cluster_update_state();
    cluster_save_config(true);
    bus_broadcast_pong(false);
    bus_reset_manual_failover();
}

static void request_votes(void) {
    uint8_t m[HDR_LEN];
    build_header(m, MSG_AUTH_REQUEST, sizeof(m));
    if (cs->mf_end) m[OFF_MFLAGS] |= MFLAG0_FORCEACK;
    broadcast(m, sizeof(m));
}

/* Redis's clusterHandleSlaveFailover. */
void bus_handle_replica_failover(void) {
    cnode *me = cs->myself;
    bool manual = cs->mf_end != 0 && cs->mf_can_start;
    long long auth_timeout = cfg.cluster_node_timeout * 2;
    if (auth_timeout < 2000) auth_timeout = 2000;
    long long auth_retry = auth_timeout * 2;
    long long auth_age = srv.mstime - cs->failover_auth_time;
    int quorum = cs->size / 2 + 1;
    if ((me->flags & CN_MASTER) || me->master == NULL ||
        (!(me->master->flags & CN_FAIL) && !manual) ||
        (cfg.cluster_replica_no_failover && !manual) || me->master->numslots == 0)
        return;
    long long data_age = repl_cluster_data_age();
    if (data_age > cfg.cluster_node_timeout) data_age -= cfg.cluster_node_timeout;
    if (cfg.cluster_replica_validity_factor &&
        data_age > (long long)cfg.repl_ping_replica_period * 1000 +
                       cfg.cluster_node_timeout * cfg.cluster_replica_validity_factor &&
        !manual)
        return;
    if (auth_age > auth_retry) {
        cs->failover_auth_time = srv.mstime + 500 + (long long)(util_rand64() % 500);
        cs->failover_auth_count = 0;
        cs->failover_auth_sent = false;
        cs->failover_auth_rank = replica_rank();
        cs->failover_auth_time += cs->failover_auth_rank * 1000;
        if (cs->mf_end) {
            cs->failover_auth_time = srv.mstime;
            cs->failover_auth_rank = 0;
        }
        log_msg(
            LOG_NOTICE, "Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
            cs->failover_auth_time - srv.mstime, cs->failover_auth_rank, cluster_my_repl_offset());
        bus_broadcast_pong(true);
        return;
    }
    if (!cs->failover_auth_sent && cs->mf_end == 0) {
        int rank = replica_rank();
        if (rank > cs->failover_auth_rank) {
            cs->failover_auth_time += (long long)(rank - cs->failover_auth_rank) * 1000;
            cs->failover_auth_rank = rank;
        }
    }
    if (srv.mstime < cs->failover_auth_time || auth_age > auth_timeout) return;
    if (!cs->failover_auth_sent) {
        cs->current_epoch++;
        cs->failover_auth_epoch = cs->current_epoch;
        log_msg(LOG_NOTICE, "Starting a failover election for epoch %llu.",
                (unsigned long long)cs->current_epoch);
        request_votes();
        cs->failover_auth_sent = true;
        cluster_save_config(true);
        return;
    }
    if (cs->failover_auth_count >= quorum) {
        log_msg(LOG_NOTICE, "Failover election won: I'm the new master.");
        if (me->config_epoch < cs->failover_auth_epoch) {
            me->config_epoch = cs->failover_auth_epoch;
            log_msg(LOG_NOTICE, "configEpoch set to %llu after successful failover",
                    (unsigned long long)me->config_epoch);
        }
        bus_replace_my_master();
    }
}

static void handle_manual_failover(void) {
    if (cs->mf_end == 0 || cs->mf_can_start || cs->mf_master_offset == -1) return;
    if (cs->mf_master_offset == cluster_my_repl_offset()) {
        cs->mf_can_start = true;
        log_msg(LOG_WARNING, "All master replication stream processed, manual failover can start.");
    }
}

/* ---- Replica migration ---- */

/* A master orphaned this long gets a replica from elsewhere: its own
 * replicas have that long to announce they followed a failover (Redis's
 * CLUSTER_SLAVE_MIGRATION_DELAY). */
#define MIGRATION_DELAY 5000

static int ok_replicas(const cnode *master) {
    int ok = 0;
    for (int i = 0; i < master->nreplicas; i++)
        if (!(master->replicas[i]->flags & CN_FAIL)) ok++;
    return ok;
}

/* Redis's clusterHandleSlaveMigration: I am a replica of a master with
 * max_ok working replicas, the most any master has. If my master keeps
 * more than cluster-migration-barrier working replicas without me, and I
 * have the smallest name among the replicas of such masters, I follow a
 * master that has slots but no working replica (and had one: MIGRATE_TO)
 * once it has been orphaned for MIGRATION_DELAY. */
static void migrate_to_orphaned_master(int max_ok) {
    cnode *me = cs->myself, *mine = me->master, *target = NULL, *candidate = me;
    if (cs->state != CLUSTER_OK || mine == NULL) return;
    int left = 0;
    for (int i = 0; i < mine->nreplicas; i++)
        if (!(mine->replicas[i]->flags & (CN_FAIL | CN_PFAIL))) left++;
    if (left <= cfg.cluster_migration_barrier) return;
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        int ok = (n->flags & CN_MASTER) ? ok_replicas(n) : 0;
        bool orphaned = (n->flags & CN_MASTER) && !(n->flags & CN_FAIL) &&
                        (n->flags & CN_MIGRATE_TO) && ok == 0;
        if (orphaned) {
            if (target == NULL && n->numslots > 0) target = n;
            if (n->orphaned_time == 0) n->orphaned_time = srv.mstime;
        } else {
            n->orphaned_time = 0;
        }
        if (ok != max_ok) continue;
        for (int j = 0; j < n->nreplicas; j++)
            if (memcmp(n->replicas[j]->name, candidate->name, CLUSTER_NAMELEN) < 0)
                candidate = n->replicas[j];
    }
    if (target && candidate == me && srv.mstime - target->orphaned_time > MIGRATION_DELAY) {
        log_msg(LOG_NOTICE, "Migrating to orphaned master %.40s", target->name);
        cluster_set_my_master(target);
    }
}

/* ---- Cron ---- */

static long long iteration;

/* cluster-link-sendbuf-limit: a link whose peer does not read gets freed
 * (a new one is made to a node we know), as Redis's cron does. */
static void free_links_over_limit(void) {
    unsigned long long limit = cfg.cluster_link_sendbuf_limit;
    if (limit == 0) return;
    for (int i = 0; i < nlinks; i++) {
        clink *l = links[i];
        if (sndbuf_cap(l) <= limit) continue;
        log_msg(LOG_WARNING,
                "Freeing cluster link(%s node %.40s, used memory: %zu) due to "
                "exceeding send buffer memory limit.",
                l->inbound ? "from" : "to", l->node ? l->node->name : "?", sndbuf_cap(l));
        bus_free_link(l);
        cs->links_limit_exceeded++;
        i = -1; /* the array changed */
    }
}

/* An idle link keeps no send buffer (CLUSTER LINKS send-buffer-allocated
 * 0, as Redis's cron resize leaves it), a burst's (big PUBLISH) included:
 * the next message allocates one. */
static void drop_idle_send_buffers(void) {
    for (int i = 0; i < nlinks; i++) {
        clink *l = links[i];
        if (l->sndbuf && l->sndbuf->len == 0) {
            str_free(l->sndbuf);
            l->sndbuf = NULL;
        }
    }
}

void bus_cron(void) {
    iteration++;
    free_links_over_limit();
    drop_idle_send_buffers();
    long long timeout = cfg.cluster_node_timeout;
    long long handshake_timeout = timeout < 1000 ? 1000 : timeout;
    bool update = false;
    cs->stats_pfail_nodes = 0;
    /* For replica migration: masters orphaned, the most working replicas
     * a master has, and how many mine has. */
    int orphaned = 0, max_ok = 0, mine_ok = 0;
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        if (n->flags & (CN_MYSELF | CN_NOADDR)) continue;
        if (n->flags & CN_PFAIL) cs->stats_pfail_nodes++;
        if ((n->flags & CN_HANDSHAKE) && srv.mstime - n->ctime > handshake_timeout) {
            cluster_node_del(n);
            i = -1; /* the array changed */
            continue;
        }
        if (n->link == NULL) connect_node(n);
    }
    /* Once a second, PING the node we heard from longest ago of a few. */
    if (iteration % 10 == 0 && cs->nnodes > 1) {
        cnode *oldest = NULL;
        for (int k = 0; k < 5; k++) {
            cnode *n = cs->nodes[util_rand64() % (uint64_t)cs->nnodes];
            if (n->link == NULL || n->ping_sent != 0 || (n->flags & (CN_MYSELF | CN_HANDSHAKE)))
                continue;
            if (oldest == NULL || n->pong_received < oldest->pong_received) oldest = n;
        }
        if (oldest) send_ping(oldest->link, MSG_PING);
    }
    for (int i = 0; i < cs->nnodes; i++) {
        cnode *n = cs->nodes[i];
        long long now = srv.mstime;
        if (n->flags & (CN_MYSELF | CN_NOADDR | CN_HANDSHAKE)) continue;
        if ((cs->myself->flags & CN_SLAVE) && (n->flags & CN_MASTER) && !(n->flags & CN_FAIL)) {
            int ok = ok_replicas(n);
            if (ok == 0 && n->numslots > 0 && (n->flags & CN_MIGRATE_TO)) orphaned++;
            if (ok > max_ok) max_ok = ok;
            if (cs->myself->master == n) mine_ok = ok;
        }
        long long ping_delay = now - n->ping_sent, data_delay = now - n->data_received;
        /* Nothing heard for half the timeout: maybe the link is bad. */
        if (n->link && now - n->link->ctime > timeout && n->ping_sent && ping_delay > timeout / 2 &&
            data_delay > timeout / 2)
            bus_free_link(n->link);
        if (n->link && n->ping_sent == 0 && now - n->pong_received > timeout / 2) {
            send_ping(n->link, MSG_PING);
            continue;
        }
        if (cs->mf_end && (cs->myself->flags & CN_MASTER) && cs->mf_replica == n && n->link) {
            send_ping(n->link, MSG_PING);
            continue;
        }
        if (n->ping_sent == 0) continue;
        long long delay = ping_delay < data_delay ? ping_delay : data_delay;
        if (delay > timeout && !(n->flags & (CN_PFAIL | CN_FAIL))) {
            log_msg(LOG_DEBUG, "*** NODE %.40s possibly failing", n->name);
            n->flags |= CN_PFAIL;
            update = true;
        }
    }
    cnode *me = cs->myself;
    /* A replica follows its master's address as the bus learns it. */
    if ((me->flags & CN_SLAVE) && me->master && !(me->master->flags & CN_NOADDR) &&
        me->master->ip[0])
        cluster_replicate_master_addr(me->master);
    bus_manual_failover_check_timeout();
    if (me->flags & CN_SLAVE) {
        handle_manual_failover();
        bus_handle_replica_failover();
        /* Migrating makes sense only from a master with two working
         * replicas or more, and only for one of the best served. */
        if (orphaned && max_ok >= 2 && mine_ok == max_ok && cfg.cluster_allow_replica_migration)
            migrate_to_orphaned_master(max_ok);
    }
    if (update || cs->state == CLUSTER_FAIL) cluster_update_state();
}

void bus_before_sleep(void) {
    if (cs->myself->flags & CN_SLAVE) {
        handle_manual_failover();
        if (cs->mf_end && cs->mf_can_start) bus_handle_replica_failover();
    }
}

/* ---- Start-up ---- */

static int listen_port;

int bus_port(void) { return listen_port; }

int bus_init(void) {
    /* With tls-cluster the nodes' "port" is the TLS port, and the bus is
     * 10000 above it (Redis's clusterInit). */
    int port = cfg.tls_cluster ? cfg.tls_port : cfg.port;
    int cport = cfg.cluster_port ? cfg.cluster_port : port + CLUSTER_PORT_INCR;
    listen_port = cport;
    if (cport > 65535) {
        log_msg(LOG_WARNING, "Redis port number too high. Cluster communication port is 10,000 "
                             "port numbers higher than your Redis port. Your Redis port number "
                             "must be 55535 or less.");
        return -1;
    }
    char *binds = mem_strdup(cfg.bind && cfg.bind[0] ? cfg.bind : "* -::*");
    char *save = NULL;
    char err[256];
    for (char *a = strtok_r(binds, " ", &save); a && nlisten < 16; a = strtok_r(NULL, " ", &save)) {
        bool optional = a[0] == '-';
        int fd = net_listen_tcp(a, cport, cfg.tcp_backlog, err, sizeof(err));
        if (fd == -1) {
            if (optional) continue;
            /* Redis's words: its test suite (and operators' scripts) read
             * "Failed listening on port" as "that port is taken, try
             * another", for the bus port as for the client port. */
            log_msg(LOG_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s",
                    a, cport, err);
            log_msg(LOG_WARNING, "Failed listening on port %d (cluster), aborting.", cport);
            mem_free(binds);
            return -1;
        }
        ev_add(fd, EV_READ, on_accept, NULL);
        listen_fds[nlisten++] = fd;
    }
    mem_free(binds);
    if (nlisten == 0) {
        log_msg(LOG_WARNING, "Failed listening on port %d (cluster), aborting.", cport);
        return -1;
    }
    return 0;
}

/* ---- CLUSTER LINKS ---- */

static void reply_link(client *c, const clink *l) {
    reply_map(c, 6);
    reply_bulk_cstr(c, "direction");
    reply_bulk_cstr(c, l->inbound ? "from" : "to");
    reply_bulk_cstr(c, "node");
    reply_bulk(c, l->node->name, CLUSTER_NAMELEN);
    reply_bulk_cstr(c, "create-time");
    reply_int(c, l->ctime);
    reply_bulk_cstr(c, "events");
    int mask = l->fd != -1 ? ev_mask(l->fd) : 0;
    char ev[3];
    int k = 0;
    if (mask & EV_READ) ev[k++] = 'r';
    if (mask & EV_WRITE) ev[k++] = 'w';
    ev[k] = '\0';
    reply_bulk_cstr(c, ev);
    reply_bulk_cstr(c, "send-buffer-allocated");
    reply_int(c, (long long)sndbuf_cap(l));
    reply_bulk_cstr(c, "send-buffer-used");
    reply_int(c, (long long)sndbuf_len(l));
}

/* Node by node, ours to it then its to us, as Redis 7.0. */
void bus_reply_links(client *c) {
    long long n = 0;
    void *node = reply_defer(c);
    for (int i = 0; i < cs->nnodes; i++) {
        const clink *pair[2] = {cs->nodes[i]->link, cs->nodes[i]->inbound_link};
        for (int j = 0; j < 2; j++) {
            if (pair[j] == NULL) continue;
            reply_link(c, pair[j]);
            n++;
        }
    }
    reply_set_deferred_array(c, node, n);
}
