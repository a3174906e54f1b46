/* snapshot.h -- when and how RDB snapshots happen: load at start, SAVE,
 * BGSAVE (a forked child), save points, LASTSAVE, the final save at
 * shutdown, DEBUG RELOAD and the -MISCONF state after a failed save.
 * The format itself is rdb.h's. */
#ifndef CASTOR_SNAPSHOT_H
#define CASTOR_SNAPSHOT_H

#include <stdbool.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Start-up and cron */
/* Load dir/dbfilename if it exists; exits the process (status 1) when the
 * file can't be read or is corrupt, so it is never overwritten. server.c
 * calls it only when appendonly is off (the AOF then holds the dataset). */
void snapshot_load_at_start(void);
/* Reap a finished child, start a save when a save point is reached or a
 * BGSAVE was scheduled. Called from the server cron. */
void snapshot_cron(void);

/* Saving */
/* Fork a child (child.c) that saves to dir/dbfilename. 0, or -1 if a
 * child (ours or aof.c's) already runs or fork failed (logged). */
int snapshot_bgsave(void);
/* Diskless replication: fork a child that writes "$EOF:<mark>\r\n", the
 * RDB and the 40-byte mark into the pipe 'wfd' (it closes 'rfd', the
 * parent's end). repl_rdb_child_done(ok, false) when it ends. 0 or -1.
 * 'exclude' (SNAPSHOT_EXCLUDE_*) leaves parts out (rdb-filter-only). */
#define SNAPSHOT_EXCLUDE_DATA 1
#define SNAPSHOT_EXCLUDE_FUNCTIONS 2
int snapshot_bgsave_pipe(int wfd, int rfd, const char *mark, int exclude);

/* Hooks for other commands */
/* FLUSHALL, after the databases were emptied: stops a saving child and, as
 * Redis 7.0 does, writes the now empty dataset when save points exist. */
void snapshot_flushall(void);
/* Stop our snapshot child without a word in the log (repl_sync.c: nobody
 * takes its output any more). */
void snapshot_kill_child(void);
/* True when "save" lists at least one save point (a snapshot child then
 * matters beyond the replicas it was started for). */
bool snapshot_has_save_points(void);
/* SHUTDOWN and SIGTERM, in Redis's order: snapshot_stop_child() first, then
 * the AOF flush (aof.c), then snapshot_final_save(). The latter returns -1
 * when a wanted save failed and flags lack SHUTDOWN_FORCE. */
void snapshot_stop_child(void);
int snapshot_final_save(int flags);
/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: replies to c. */
void snapshot_debug_reload(client *c);
/* The -MISCONF error when writes must be refused because the last
 * background save failed (stop-writes-on-bgsave-error), else NULL. */
const char *snapshot_write_error(void);
/* INFO persistence: the lines from current_cow_peak to
 * rdb_last_load_keys_loaded, in Redis 7.0's order. */
str *snapshot_info(str *s) MUST_USE;

/* The command table, registered by server.c. */
extern command snapshot_commands[];

#endif
