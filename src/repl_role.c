/* repl_role.c -- a node's role and its changes: REPLICAOF/SLAVEOF, ROLE,
 * FAILOVER, and the cluster's orders to follow a master or become one.
 *
 * Every change of role goes through repl_become_master() or
 * become_replica(): a promotion continues our history under a new ID (the
 * old one becomes replid2), a demotion answers every blocked client with
 * -UNBLOCKED (a client left blocked would consume the new master's stream)
 * and starts the link (repl_link.c). FAILOVER (Redis 6.2+) pauses writes,
 * waits in the cron for a replica to have every byte, then becomes its
 * replica with "PSYNC <replid> <offset> FAILOVER".
 * Not here: the link to our master (repl_link.c), the replicas' syncs
 * (repl_sync.c). docs/REPLICATION.md "Roles and commands" is the contract.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "repl.h"
#include "repl_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arg.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ---- State ---- */

/* FAILOVER (Redis 6.2+): pause writes, wait for a replica to have every
 * byte, then become its replica with "PSYNC <replid> <offset> FAILOVER",
 * which makes it promote itself and continue our history. */
typedef enum { FO_NONE, FO_WAIT_FOR_SYNC, FO_IN_PROGRESS } fostate;
struct repl_failover {
    fostate state;
    char host[256]; /* target, "" for any */
    int port;
    bool force;
    long long end_ms; /* 0: no timeout */
};

static struct repl_failover repl_fo;

/* ---- FAILOVER ---- */

static void become_replica(const char *host, int port);

static void unpause_writes(void) {
    srv.pause_type = PAUSE_NONE;
    srv.pause_end_ms = 0;
    client_unpause_all();
}

void repl_failover_abort(const char *why) {
    log_msg(LOG_NOTICE, "FAILOVER aborted: %s", why);
    if (repl_fo.state == FO_IN_PROGRESS) {
        repl_fo.state = FO_NONE;
        repl_become_master(); /* back to where we were */
    }
    repl_fo.state = FO_NONE;
    unpause_writes();
}

bool repl_failover_in_progress(void) { return repl_fo.state == FO_IN_PROGRESS; }

bool repl_failover_pending(void) { return repl_fo.state != FO_NONE; }

/* Our link to the failover target is up: the handover is complete. */
void repl_failover_link_up(const char *host, int port) {
    if (repl_fo.state != FO_IN_PROGRESS) return;
    log_msg(LOG_NOTICE, "Failover target %s:%d is now our master: FAILOVER complete", host, port);
    repl_fo.state = FO_NONE;
    unpause_writes();
}

static client *find_replica(const char *host, int port) {
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *c = repl_ms.replicas[i];
        replica_info *ri = c->repl;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(c->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - c->addr) : (int)strlen(c->addr),
                 c->addr);
        if (!strcasecmp(ri->ip[0] ? ri->ip : ip, host) && ri->listening_port == port) return c;
    }
    return NULL;
}

void repl_failover_step(void) {
    if (repl_fo.state != FO_WAIT_FOR_SYNC) return;
    client *target = NULL;
    if (repl_fo.host[0]) {
        client *c = find_replica(repl_fo.host, repl_fo.port);
        if (c && c->repl->state == RS_ONLINE && c->repl->ack_off == repl_ms.offset) target = c;
    } else {
        for (size_t i = 0; i < repl_ms.nreplicas && !target; i++) {
            replica_info *ri = repl_ms.replicas[i]->repl;
            if (ri->state == RS_ONLINE && !ri->online_on_ack && ri->ack_off == repl_ms.offset)
                target = repl_ms.replicas[i];
        }
    }
    bool timed_out = repl_fo.end_ms && srv.mstime >= repl_fo.end_ms;
    if (target == NULL && !(timed_out && repl_fo.force)) {
        if (timed_out) repl_failover_abort("Replica never caught up before timeout");
        return;
    }
    if (target == NULL) { /* FORCE: the named target, caught up or not */
        log_msg(LOG_NOTICE, "FAILOVER to %s:%d time out exceeded, failing over.", repl_fo.host,
                repl_fo.port);
        repl_fo.state = FO_IN_PROGRESS;
        become_replica(repl_fo.host, repl_fo.port);
        return;
    }
    {
        replica_info *ri = target->repl;
        const char *colon = strrchr(target->addr, ':');
        if (ri->ip[0]) snprintf(repl_fo.host, sizeof(repl_fo.host), "%s", ri->ip);
        else
            snprintf(repl_fo.host, sizeof(repl_fo.host), "%.*s",
                     colon ? (int)(colon - target->addr) : (int)strlen(target->addr), target->addr);
        repl_fo.port = ri->listening_port;
    }
    log_msg(LOG_NOTICE, "Failover target %s:%d is synced, failing over.", repl_fo.host,
            repl_fo.port);
    repl_fo.state = FO_IN_PROGRESS;
    become_replica(repl_fo.host, repl_fo.port);
}

static void cmd_failover(client *c) {
    if (c->argc == 2 && arg_is(&c->argv[1], "abort")) {
        if (repl_fo.state == FO_NONE) {
            reply_error(c, ERR_FAILOVER_NONE);
            return;
        }
        repl_failover_abort("Failover manually aborted");
        reply_ok(c);
        return;
    }
    long long timeout = 0, port = 0;
    bool force = false;
    const slice *host = NULL;
    for (int j = 1; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "timeout") && j + 1 < c->argc && timeout == 0) {
            if (!arg_ll(c, &c->argv[j + 1], &timeout)) return;
            if (timeout <= 0) {
                reply_error(c, ERR_FAILOVER_TIMEOUT);
                return;
            }
            j++;
        } else if (arg_is(&c->argv[j], "to") && j + 2 < c->argc && !host) {
            if (!arg_ll(c, &c->argv[j + 2], &port)) return;
            host = &c->argv[j + 1];
            j += 2;
        } else if (arg_is(&c->argv[j], "force") && !force) {
            force = true;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (repl_fo.state != FO_NONE) {
        reply_error(c, ERR_FAILOVER_RUNNING);
        return;
    }
    if (srv.is_replica) {
        reply_error(c, ERR_FAILOVER_REPLICA);
        return;
    }
    if (repl_ms.nreplicas == 0) {
        reply_error(c, ERR_FAILOVER_NO_REPLICAS);
        return;
    }
    if (force && (!timeout || !host)) {
        reply_error(c, ERR_FAILOVER_FORCE);
        return;
    }
    repl_fo.host[0] = '\0';
    if (host) {
        snprintf(repl_fo.host, sizeof(repl_fo.host), "%.*s", (int)host->len, host->ptr);
        client *target = find_replica(repl_fo.host, (int)port);
        if (target == NULL) {
            reply_error(c, ERR_FAILOVER_NOT_REPLICA);
            return;
        }
        if (target->repl->state != RS_ONLINE) {
            reply_error(c, ERR_FAILOVER_NOT_ONLINE);
            return;
        }
        repl_fo.port = (int)port;
        log_msg(LOG_NOTICE, "FAILOVER requested to %s:%d.", repl_fo.host, repl_fo.port);
    } else {
        log_msg(LOG_NOTICE, "FAILOVER requested to any replica.");
    }
    repl_fo.end_ms = timeout ? srv.mstime + timeout : 0;
    repl_fo.force = force;
    repl_fo.state = FO_WAIT_FOR_SYNC;
    /* Writes wait (CLIENT PAUSE WRITE) until the roles are swapped. */
    if (srv.pause_type != PAUSE_ALL) srv.pause_type = PAUSE_WRITE;
    srv.pause_end_ms = LLONG_MAX;
    reply_ok(c);
}

/* ---- REPLICAOF / ROLE ---- */

void repl_become_master(void) {
    if (!srv.is_replica) return;
    log_msg(LOG_NOTICE, "MASTER MODE enabled (user request)");
    repl_link_stop();
    srv.is_replica = false;
    log_set_role('M');
    config_set_oom_score_adj(-1); /* oom-score-adj's master class */
    /* Our history goes on under a new id; sub-replicas reconnect and
     * continue with the old one as replid2. */
    repl_shift_replid();
    repl_disconnect_replicas();
    repl_ms.seldb = -1;
    repl_ms.no_replicas_since_ms = srv.mstime; /* the backlog's ttl starts now */
    if (repl_ms.bl == NULL) repl_backlog_create();
}

static void become_replica(const char *host, int port) {
    bool was_master = !srv.is_replica;
    srv.is_replica = true;
    log_set_role('S');
    config_set_oom_score_adj(-1); /* oom-score-adj's replica class */
    repl_unblock_all_for_role_change();
    /* From a master: PSYNC with our own history, a promoted peer may
     * continue it. */
    repl_link_start(host, port, was_master ? (repl_ms.seldb >= 0 ? repl_ms.seldb : 0) : -1);
}

void repl_cluster_follow(const char *host, int port) {
    /* Not while a dataset loads and the loop is served from inside the
     * load: the cluster's cron asks again once it is loaded. */
    if (srv.loading) return;
    if (host == NULL) {
        repl_become_master();
        return;
    }
    if (srv.is_replica && repl_link_is_to(host, port)) return;
    become_replica(host, port);
    log_msg(LOG_NOTICE, "Connecting to MASTER %s:%d", host, port);
}

/* The offset a cluster node announces: a replica in a full sync has none
 * (0, as Redis's replicationGetSlaveOffset(): the bus then shows its
 * health as "loading"). */
long long repl_cluster_offset(void) {
    return srv.is_replica && repl_link_in_full_sync() ? 0 : repl_offset();
}

long long repl_cluster_data_age(void) { return srv.is_replica ? repl_link_data_age_ms() : 0; }

static void replicaof(client *c) {
    if (cfg.cluster_enabled) {
        reply_error(c, ERR_REPLICAOF_CLUSTER);
        return;
    }
    if (repl_fo.state != FO_NONE) {
        reply_error(c, ERR_REPLICAOF_FAILING_OVER);
        return;
    }
    if (arg_is(&c->argv[1], "no") && arg_is(&c->argv[2], "one")) {
        if (srv.is_replica) {
            repl_become_master();
            log_msg(LOG_NOTICE, "MASTER MODE enabled (user request from 'id=%llu addr=%s')",
                    (unsigned long long)c->id, c->addr);
        }
        reply_ok(c);
        return;
    }
    if (c->flags & CLIENT_REPLICA) {
        reply_error(c, ERR_REPLICAOF_REPLICA);
        return;
    }
    long long port;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &port) || port < 0 || port > 65535) {
        reply_error(c, ERR_MASTER_PORT);
        return;
    }
    char host[256];
    snprintf(host, sizeof(host), "%.*s", (int)c->argv[1].len, c->argv[1].ptr);
    if (srv.is_replica && repl_link_is_to(host, (int)port)) {
        log_msg(
            LOG_NOTICE,
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        repl_link_lift_guard(); /* castor: an explicit command lifts it */
        reply_simple(c, "OK Already connected to specified master");
        return;
    }
    become_replica(host, (int)port);
    log_msg(LOG_NOTICE, "REPLICAOF %s:%d enabled (user request from 'id=%llu addr=%s')", host,
            (int)port, (unsigned long long)c->id, c->addr);
    reply_ok(c);
}

static void cmd_replicaof(client *c) { replicaof(c); }
static void cmd_slaveof(client *c) { replicaof(c); }

static void cmd_role(client *c) {
    if (srv.is_replica) {
        repl_link_role(c);
        return;
    }
    reply_array(c, 3);
    reply_bulk_cstr(c, "master");
    reply_int(c, repl_ms.offset);
    void *node = reply_defer(c);
    long long n = 0;
    for (size_t i = 0; i < repl_ms.nreplicas; i++) {
        client *s = repl_ms.replicas[i];
        replica_info *ri = s->repl;
        if (ri->state != RS_ONLINE) continue;
        char ip[NET_ADDR_SIZE];
        const char *colon = strrchr(s->addr, ':');
        snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - s->addr) : (int)strlen(s->addr),
                 s->addr);
        reply_array(c, 3);
        reply_bulk_cstr(c, ri->ip[0] ? ri->ip : ip);
        reply_bulk_ll(c, ri->listening_port);
        reply_bulk_ll(c, ri->ack_off);
        n++;
    }
    reply_set_deferred_array(c, node, n);
}

const char *repl_failover_state_name(void) {
    return repl_fo.state == FO_NONE            ? "no-failover"
           : repl_fo.state == FO_WAIT_FOR_SYNC ? "waiting-for-sync"
                                               : "failover-in-progress";
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command repl_role_commands[] = {
    {.name = "replicaof", .proc = cmd_replicaof, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "slaveof", .proc = cmd_slaveof, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_NO_ASYNC_LOADING,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "role", .proc = cmd_role, .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST,
     .acl = ACL_ADMIN | ACL_FAST | ACL_DANGEROUS},
    {.name = "failover", .proc = cmd_failover, .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = NULL}};
/* clang-format on */
