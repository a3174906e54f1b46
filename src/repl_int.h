/* repl_int.h -- how repl.c (the master side: the backlog, the stream,
 * replicas, full syncs, WAIT, FAILOVER, REPLICAOF, INFO) and repl_link.c
 * (the replica side: the link to our master, the handshake, the transfer
 * and load of its snapshot, the client applying its stream) ask each
 * other. Each keeps its own state static; this is the list of questions
 * and orders between them. Not for other modules: they use repl.h. */
#ifndef CASTOR_REPL_INT_H
#define CASTOR_REPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backlog.h"
#include "client.h"
#include "net.h"
#include "rdb.h"
#include "str.h"
#include "tls.h"

#define ZERO_REPLID "0000000000000000000000000000000000000000"

/* ---- repl.c, for repl_link.c ---- */

/* master_repl_offset: the bytes of the stream (ours or our master's). */
long long repl_offset(void);
/* The highest offset a replica of ours acknowledged. */
long long repl_max_acked(void);
/* A full sync took the master's snapshot at 'offset'. */
void repl_set_offset(long long offset);
/* Our master's history goes on under 'replid' (it was promoted): ours so
 * far becomes replid2, valid up to the current offset (PSYNC2). */
void repl_continue_history(const char *replid);
/* Is 'replid' our current or our previous replication ID? */
bool repl_is_our_history(const char *replid);
/* Bytes our master's client applied: to our backlog and sub-replicas. */
void repl_feed_applied(const char *p, size_t len);
long long repl_total_keys(void);
void repl_clear_replid2(void);
/* Create the backlog if there is none; drop it. */
void repl_backlog_create(void);
void repl_backlog_drop(void);
void repl_disconnect_replicas(void);
void repl_write_all_nb(int fd, tls_conn *t, const char *p, size_t len);
/* FAILOVER: are we handing over to a replica (PSYNC ... FAILOVER)? Is
 * one under way at all (waiting for a replica to catch up, or that)? */
bool repl_failover_in_progress(void);
bool repl_failover_pending(void);
void repl_failover_abort(const char *why);
/* The link to the failover target host:port is up: FAILOVER is done. */
void repl_failover_link_up(const char *host, int port);

/* ---- repl_link.c, for repl.c ---- */

/* The link's life: REPLICAOF host port (or the replicaof directive, before
 * loading: configure), REPLICAOF NO ONE (stop), the cron. start():
 * own_history_db >= 0 when we were a master (PSYNC continues our history
 * from that db), else -1. */
void repl_link_configure(const char *host, int port);
void repl_link_start(const char *host, int port, int own_history_db);
void repl_link_stop(void);
void repl_link_cron(void);
/* Connect now if a (re)connection is due. */
void repl_link_retry(void);
/* The master client is connected and applying the stream. */
bool repl_link_is_up(void);
/* A full sync is under way: the payload comes or loads (the offset we
 * had is no more). */
bool repl_link_in_full_sync(void);
bool repl_link_is_master(const client *c);
/* c is being freed: if it is our master's client, cache its state. */
void repl_link_client_freed(client *c);
/* Is host:port the master we follow? */
bool repl_link_is_to(const char *host, int port);
/* REPLICAOF of the same master: lift the empty-master guard if it refused. */
void repl_link_lift_guard(void);
/* The RDB we loaded at start names the stream's db (PSYNC from it). */
void repl_link_loaded(int stream_db);
/* A dataset of a history we don't know was loaded: no partial resync,
 * the master client goes. */
void repl_link_forget_history(void);
/* The db of the master's stream (to save in an RDB); false if none. */
bool repl_link_stream_db(int *dbid);
/* The history our master's last full sync said it continues, when it was
 * ours ("" if none): our snapshots carry it as aux castor-repl-id2. */
const char *repl_link_lineage(void);
/* ROLE, and the replica's INFO fields (Redis's, then castor's). */
void repl_link_role(client *c);
str *repl_link_info(str *s);
str *repl_link_info_sync(str *s);
void repl_send_ack(void);
/* Milliseconds since our master last sent data (or since the link went
 * down): a cluster replica's data age in an election. */
long long repl_link_data_age_ms(void);

#endif
