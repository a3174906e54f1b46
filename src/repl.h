/* repl.h -- master and replica sides of replication (docs/REPLICATION.md).
 *
 * Master side: the backlog and the stream to replicas (repl.c), the
 * replicas' handshake (REPLCONF, PSYNC, SYNC) and full syncs by disk or
 * diskless BGSAVE (repl_sync.c), WAIT and the durability mode
 * (repl_ack.c), REPLICAOF, ROLE and FAILOVER (repl_role.c). Replica side
 * (repl_link.c): the non-blocking link to our master (connect, handshake,
 * transfer, load, online), the client that applies its stream, ACKs, and
 * the empty-master guard. This header is the whole module's; its files ask
 * each other through repl_int.h. */
#ifndef CASTOR_REPL_H
#define CASTOR_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmdtable.h"
#include "rdb.h"
#include "str.h"

struct command;

/* Start-up: the replicaof directive, before the dataset is loaded (a
 * replica keeps expired keys it loads). */
void repl_init(void);
/* Before loading a dataset from a file: a master announces the DELs of
 * keys found expired (sets info->feed_expired); at start it first makes
 * the backlog that keeps them for its replicas, as Redis 7.0. */
void repl_prepare_load(rdb_info *info, bool at_start);
/* The one rule for a dataset loaded from a file (RDB or AOF at start,
 * DEBUG RELOAD NOSAVE): the file's repl-id / repl-offset name the history
 * it belongs to. A replica resumes it (partial resync with its master); a
 * master continues it under a new ID, the file's becoming replid2, valid up
 * to the file's offset, so no replica that went further continues. */
void repl_adopt_history(const rdb_info *info, bool at_start);
/* Cron (every tick; once-a-second work inside) and before-sleep hook. */
void repl_cron(void);
void repl_before_sleep(void);
/* The before-sleep step that runs, before the AOF is written, the
 * pipelines of the clients WAIT (or the durability mode) released. */
void repl_resume_released(void);

/* propagate.c: one effect of our own dataset (masters only). */
void repl_feed(int dbid, int argc, const slice *argv);
/* client.c: the master client applied 'len' bytes starting at p. */
void repl_master_applied(client *c, const char *p, size_t len);
/* reply.c: our master's stream made us reply an error (the replica no
 * longer matches its master): log it as Redis does and, under
 * propagation-error-behavior panic|panic-on-replicas on a read-only
 * replica, stop the process. */
void repl_master_error(client *c, const char *err, size_t len);
/* client.c: c is being freed (replica, master, or a client in WAIT). */
void repl_client_freed(client *c);

/* snapshot.c: what an RDB we write carries for replication. */
void repl_fill_rdb_info(rdb_info *info);
/* snapshot.c (INFO rdb_bgsave_in_progress): a diskless snapshot is still
 * being relayed to replicas (Redis's child lives until then). */
bool repl_diskless_transfer_active(void);
/* snapshot.c: a BGSAVE child ended (to disk, or to the replicas' pipe). */
void repl_rdb_child_done(bool ok, bool to_disk);

/* server.c's seam_admit(): the replication reason to refuse c's command, whose flags
 * (CMD_WRITE, CMD_STALE: EVAL's come from its script) are cmd_flags,
 * before it runs (READONLY, MASTERDOWN, NOREPLICAS), or NULL. */
const char *repl_refuse(client *c, uint32_t cmd_flags);
/* The durability mode (min-replicas-to-ack, castor): server.c notes where
 * a write's reply starts before it runs (write: its flags, EXEC's and
 * scripts' included, say CMD_WRITE); after it, the reply is held until
 * enough replicas acknowledged it, or becomes -NOREPLICAS. */
void repl_ack_before(client *c, bool write);
void repl_ack_after(client *c);
/* A master with fewer good replicas than min-replicas-to-write asks. */
bool repl_too_few_replicas(void);
/* A replica whose link is down and that does not serve stale data. */
bool repl_is_stale(void);

/* CLIENT UNBLOCK of a client in WAIT: true if c was waiting. It gets
 * 'err', or (NULL) the count of replicas that acknowledged. */
bool repl_unblock_wait(client *c, const char *err);

/* INFO loading: a replica is receiving a full sync's payload under
 * repl-diskless-load on-empty-db|swapdb, which Redis loads as it arrives
 * (loading:1); castor keeps serving its old data meanwhile. */
bool repl_receiving_dataset(void);
/* Shutdown (server.c): has every replica acknowledged our offset? */
bool repl_replicas_in_sync(void);
/* Ask the replicas for an ACK now (REPLCONF GETACK into the stream). */
void repl_send_getack(void);
/* Log each lagging replica and how many are in sync, Redis's lines. */
void repl_log_shutdown_state(void);

/* INFO replication (the whole section body) and INFO stats fields. */
str *repl_info(str *s) MUST_USE;
/* sync_full, sync_partial_ok, sync_partial_err (INFO stats). */
void repl_sync_stats(long long out[3]);
void repl_reset_stats(void);
/* Memory of the replication buffer that is the backlog: all of it, or
 * repl-backlog-size when replicas hold more (INFO memory). */
size_t repl_backlog_memory(void);
/* The part of the shared replication buffer replicas hold beyond the
 * backlog (not counted for maxmemory). */
size_t repl_replica_output_memory(void);
/* reply.c, for a replica client: stream bytes it has not been sent yet,
 * and writing them from the shared buffer (0, or -1 on a socket error). */
size_t repl_stream_pending(const client *c);
int repl_write_stream(client *c);
/* The config file line of replicaof ("host port"), or NULL (CONFIG GET,
 * CONFIG REWRITE). */
const char *repl_config_master(void);
/* CONFIG SET min-replicas-to-write / min-replicas-max-lag: recount the
 * good replicas now (writes must not wait for the cron). */
void repl_min_replicas_changed(void);
/* CONFIG SET repl-backlog-size. */
void repl_backlog_size_changed(void);

/* Cluster mode (cluster.c): follow host:port as its replica, or (host
 * NULL) become a master, as CLUSTER REPLICATE and failovers do. */
void repl_cluster_follow(const char *host, int port);
/* The offset a cluster node announces: the stream it has (master) or
 * processed (replica). */
long long repl_cluster_offset(void);
/* ms since our master's last data (a replica's election). */
long long repl_cluster_data_age(void);

/* The command tables, registered by server.c: REPLICAOF, SLAVEOF, ROLE,
 * FAILOVER (repl_role.c); REPLCONF, PSYNC, SYNC (repl_sync.c); WAIT
 * (repl_ack.c). */
extern command repl_role_commands[];
extern command repl_sync_commands[];
extern command repl_ack_commands[];

/* A new replication id, and no previous one (DEBUG CHANGE-REPL-ID). */
void repl_change_replid(void);

#endif
