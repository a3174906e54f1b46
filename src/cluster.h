/* cluster.h -- Redis Cluster 7.0: this node's view of the cluster, the
 * CLUSTER command, READONLY/READWRITE/ASKING, redirection of requests to
 * the node serving their keys' slot, nodes.conf, and (cluster_bus.c) the
 * cluster bus shared with redis-server nodes. Everything here is inert
 * unless cluster-enabled is yes. */
#ifndef CASTOR_CLUSTER_H
#define CASTOR_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Start-up, after the listeners: nodes.conf loaded (or created) and the
 * bus port opened. -1 (logged) when the node can't start. */
int cluster_init(void);
/* Server cron (each tick) and before-sleep hook. */
void cluster_cron(void);
void cluster_before_sleep(void);
/* seam_admit(): the redirection or refusal for c's request of cmd
 * (-MOVED, -ASK, -TRYAGAIN, -CROSSSLOT, -CLUSTERDOWN), written into buf,
 * or NULL to run it here. Also clears ASKING after its one use. */
const char *cluster_redirect(client *c, command *cmd, char *buf, size_t size);
/* script.c: may a script whose caller is 'caller' run cmd (argv of fc)
 * here? *slot is the slot its keys used so far (-1: none yet) unless
 * allow_cross_slot. NULL, or the error in buf. */
const char *cluster_script_check(client *caller, client *fc, command *cmd, bool allow_cross_slot,
                                 int *slot, char *buf, size_t size);
/* The slot of the first key of c's request, or -1 without keys: a
 * script's keys must keep to the slot its EVAL/FCALL declared (script.c). */
int cluster_request_slot(client *c);
/* PUBLISH and SPUBLISH: the message goes to the other nodes too. */
void cluster_publish(bool shard, const char *ch, size_t chlen, const char *msg, size_t msglen);
/* DEBUG CLUSTERLINK KILL TO|FROM|ALL <node-id>: drop our links with it. */
void cluster_debug_kill_links(client *c);
/* DEBUG DROP-CLUSTER-PACKET-FILTER <type>: bus messages of that type are
 * dropped on receipt (-1: none). */
void cluster_debug_drop_packets(int type);
/* INFO cluster body (after "# Cluster"). */
str *cluster_info_fields(str *s) MUST_USE;
/* INFO memory mem_cluster_links, INFO clients cluster_connections. */
size_t cluster_links_memory(void);
unsigned long cluster_connections(void);
/* Is the node a replica in cluster mode (REPLICAOF refused...)? */
bool cluster_is_enabled(void);

/* The command table, registered by server.c. */
extern command cluster_commands[];

#endif
