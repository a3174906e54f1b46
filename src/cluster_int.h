/* cluster_int.h -- what cluster.c (the node's view: nodes, slots, commands,
 * redirection, nodes.conf) and cluster_bus.c (the cluster bus: links,
 * messages, gossip, failure detection, failover) share. Nothing else
 * includes it; the server sees cluster.h.
 *
 * Flag values and limits are Redis 7.0's: node flags travel on the bus
 * and slots/epochs are compared with redis-server nodes. */
#ifndef CASTOR_CLUSTER_INT_H
#define CASTOR_CLUSTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define CLUSTER_SLOTS 16384
#define CLUSTER_NAMELEN 40
#define CLUSTER_IPLEN 46 /* Redis's NET_IP_STR_LEN */
#define CLUSTER_PORT_INCR 10000

/* Node flags (Redis's CLUSTER_NODE_*, sent in messages). */
#define CN_MASTER 1
#define CN_SLAVE 2
#define CN_PFAIL 4
#define CN_FAIL 8
#define CN_MYSELF 16
#define CN_HANDSHAKE 32
#define CN_NOADDR 64
#define CN_MEET 128
#define CN_MIGRATE_TO 256
#define CN_NOFAILOVER 512

enum { CLUSTER_OK = 0, CLUSTER_FAIL = 1 };

/* Message types (Redis's CLUSTERMSG_TYPE_*). */
enum {
    MSG_PING = 0,
    MSG_PONG = 1,
    MSG_MEET = 2,
    MSG_FAIL = 3,
    MSG_PUBLISH = 4,
    MSG_AUTH_REQUEST = 5,
    MSG_AUTH_ACK = 6,
    MSG_UPDATE = 7,
    MSG_MFSTART = 8,
    MSG_MODULE = 9,
    MSG_PUBLISHSHARD = 10,
    MSG_TYPES = 11
};

struct clink;

typedef struct fail_report {
    struct cnode *node; /* who reported it failing */
    long long time;
} fail_report;

typedef struct cnode {
    char name[CLUSTER_NAMELEN];
    int flags;
    uint64_t config_epoch;
    uint8_t slots[CLUSTER_SLOTS / 8];
    int numslots;
    struct cnode **replicas;
    int nreplicas;
    struct cnode *master; /* NULL for a master, or a replica of an unknown one */
    long long ctime, ping_sent, pong_received, data_received, fail_time, voted_time;
    long long repl_offset_time, orphaned_time;
    long long repl_offset;
    char ip[CLUSTER_IPLEN];
    str *hostname; /* NULL: none announced */
    int port, pport, cport;
    struct clink *link;         /* ours, to it */
    struct clink *inbound_link; /* its, to us */
    fail_report *reports;
    int nreports;
} cnode;

typedef struct cluster_state {
    cnode *myself;
    uint64_t current_epoch;
    int state;
    int size; /* masters serving at least one slot */
    cnode **nodes;
    int nnodes;
    cnode *slots[CLUSTER_SLOTS];
    cnode *migrating_to[CLUSTER_SLOTS];
    cnode *importing_from[CLUSTER_SLOTS];
    /* Forgotten nodes are not added again before this time (FORGET). */
    struct {
        char name[CLUSTER_NAMELEN];
        long long until;
    } * blacklist;
    int nblacklist;
    /* A replica's election. */
    long long failover_auth_time;
    int failover_auth_count;
    bool failover_auth_sent;
    int failover_auth_rank;
    uint64_t failover_auth_epoch;
    /* Manual failover (both sides). */
    long long mf_end;
    cnode *mf_replica;          /* master side: the replica taking over */
    long long mf_master_offset; /* replica side: -1 until the master's is known */
    bool mf_can_start;
    uint64_t last_vote_epoch;
    bool todo_save, todo_fsync, todo_update_state;
    long long stats_sent[MSG_TYPES], stats_received[MSG_TYPES];
    long long stats_pfail_nodes;
    unsigned long long links_limit_exceeded;
    long long among_minority_time, first_call_time;
} cluster_state;

extern cluster_state *cs;

/* ---- cluster.c: the node table and the slots ---- */
cnode *cluster_node_new(const char *name, int flags); /* NULL name: a random one */
cnode *cluster_node_find(const char *name, size_t len);
void cluster_node_add(cnode *n);
void cluster_node_del(cnode *n);
void cluster_node_rename(cnode *n, const char *newname);
bool cluster_blacklisted(const char *name);
bool cluster_node_has_slot(const cnode *n, int slot);
int cluster_add_slot(cnode *n, int slot);
int cluster_del_slot(int slot);
int cluster_del_node_slots(cnode *n);
void cluster_set_as_master(cnode *n);
void cluster_node_add_replica(cnode *master, cnode *r);
void cluster_node_remove_replica(cnode *master, cnode *r);
int cluster_count_failure_reports(cnode *n);
bool cluster_add_failure_report(cnode *failing, cnode *sender);
void cluster_del_failure_report(cnode *failing, cnode *sender);
/* Make myself a replica of n (slots dropped, replication started). */
void cluster_set_my_master(cnode *n);
void cluster_update_state(void);
int cluster_save_config(bool fsync_it);
void cluster_todo(bool save, bool update_state);
/* Save with fsync before sleeping. Only changes to my own epoch need it
 * (votes and failovers fsync at once): what the bus taught us is written
 * (atomically, by rename) but not fsynced, since a node that lost it to a
 * power cut learns it again from its peers. Redis 7.0 fsyncs those too, but
 * writes in place: each of our saves makes a new file, which costs twice
 * as much to fsync, and a slot moved by redis-cli costs one save per node. */
void cluster_todo_fsync(void);
/* Keys of 'slot' deleted (their DELs propagated); returns how many. */
unsigned cluster_del_keys_in_slot(unsigned slot);
/* The announced endpoint, by cluster-preferred-endpoint-type. */
const char *cluster_node_endpoint(const cnode *n);
int cluster_client_port(const struct client *c, const cnode *n);
long long cluster_my_repl_offset(void);
/* Replication: follow n's address (replica side), or become a master. */
void cluster_replicate_master_addr(cnode *n);
void cluster_become_master(void);

/* ---- cluster_bus.c ---- */
int bus_init(void);
/* The port the bus listens on (cluster-port, or port + 10000 at start). */
int bus_port(void);
void bus_cron(void);
void bus_before_sleep(void);
void bus_free_link(struct clink *l);
/* Start a handshake with ip:port (cport: the bus port); false (errno set:
 * EINVAL) for a bad address or port. */
bool bus_start_handshake(const char *ip, int port, int cport);
void bus_broadcast_pong(bool local_only);
void bus_send_fail(const char *name);
void bus_send_update(struct clink *l, cnode *n);
void bus_send_mfstart(cnode *n);
void bus_publish(bool shard, const char *ch, size_t chlen, const char *msg, size_t msglen);
/* CLUSTER LINKS */
struct client;
void bus_reply_links(struct client *c);
size_t bus_links_memory(void);
unsigned long bus_connections(void);
/* The replica's election and manual failover, driven by the cron. */
void bus_handle_replica_failover(void);
void bus_manual_failover_check_timeout(void);
void bus_reset_manual_failover(void);
/* A replica takes its master's slots and tells the cluster (an election
 * won, or CLUSTER FAILOVER TAKEOVER): Redis's clusterFailoverReplaceYourMaster. */
void bus_replace_my_master(void);
const char *bus_msg_type_name(int type);

#endif
