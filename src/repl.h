/* repl.h -- master and replica sides of replication (docs/REPLICATION.md).
 *
 * Master side: the backlog, the replicas' handshake (REPLCONF, PSYNC,
 * SYNC), full syncs by disk or diskless BGSAVE, the stream to replicas,
 * WAIT and min-replicas. Replica side: the non-blocking link to our
 * master (connect, handshake, transfer, load, online), the client that
 * applies its stream, ACKs, and the empty-master guard. */
#ifndef CASTOR_REPL_H
#define CASTOR_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "rdb.h"
#include "str.h"

struct command;

/* Start-up: the replicaof directive, before the dataset is loaded (a
 * replica keeps expired keys it loads). */
void repl_init(void);
/* After the dataset was loaded from an RDB: its repl-id / repl-offset /
 * repl-stream-db let a restarted node continue with a partial resync. */
void repl_loaded(const rdb_info *info);
/* Cron (every tick; once-a-second work inside) and before-sleep hook. */
void repl_cron(void);
void repl_before_sleep(void);

/* propagate.c: one effect of our own dataset (masters only). */
void repl_feed(int dbid, int argc, const slice *argv);
/* client.c: the master client applied 'len' bytes starting at p. */
void repl_master_applied(client *c, const char *p, size_t len);
/* client.c: c is being freed (replica, master, or a client in WAIT). */
void repl_client_freed(client *c);

/* snapshot.c: what an RDB we write carries for replication. */
void repl_fill_rdb_info(rdb_info *info);
/* snapshot.c: a BGSAVE child ended (to disk, or to the replicas' pipe). */
void repl_rdb_child_done(bool ok, bool to_disk);

/* cmdtable.c: the replication reason to refuse c's command, whose flags
 * (CMD_WRITE, CMD_STALE: EVAL's come from its script) are cmd_flags,
 * before it runs (READONLY, MASTERDOWN, NOREPLICAS), or NULL. */
const char *repl_refuse(client *c, uint32_t cmd_flags);
/* A master with fewer good replicas than min-replicas-to-write asks. */
bool repl_too_few_replicas(void);
/* A replica whose link is down and that does not serve stale data. */
bool repl_is_stale(void);

/* CLIENT UNBLOCK of a client in WAIT: true if c was waiting. */
bool repl_unblock_wait(client *c, bool as_error);

/* INFO replication (the whole section body) and INFO stats fields. */
str *repl_info(str *s) MUST_USE;
/* sync_full, sync_partial_ok, sync_partial_err (INFO stats). */
void repl_sync_stats(long long out[3]);
void repl_reset_stats(void);
/* Memory held by the backlog (INFO memory). */
size_t repl_backlog_memory(void);
/* The config file line of replicaof ("host port"), or NULL (CONFIG GET,
 * CONFIG REWRITE). */
const char *repl_config_master(void);
/* CONFIG SET repl-backlog-size. */
void repl_backlog_size_changed(void);

#endif
