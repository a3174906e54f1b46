/* aof.h -- the append-only file: Redis 7.0's multi-part AOF (a manifest,
 * a base and incremental files in appenddirname), fed by the effect stream,
 * written before replies, rewritten in a fork child, loaded at start. */
#ifndef CASTOR_AOF_H
#define CASTOR_AOF_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Start-up */
/* With appendonly yes: load the AOF (exits the process on a fatal error,
 * as Redis does), open it for appending (creating the base from the
 * dataset if there is no AOF yet) and start feeding it. Returns false,
 * doing nothing, when appendonly is no: the caller loads the snapshot. */
bool aof_load_at_start(void);

/* The effect stream (called by propagate.c only). */
void aof_feed(int dbid, int argc, const slice *argv);

/* Event loop */
/* Before sleep, before replies are written: write the buffer; fsync it
 * now (always) or in the background (everysec). */
void aof_flush_before_sleep(void);
/* Before writing replies outside the before-sleep hook (a socket became
 * writable): with appendfsync always, nothing unsynced may be answered. */
void aof_flush_before_reply(void);
/* Cron: scheduled and automatic rewrites, retries of failed writes. */
void aof_cron(void);
/* CONFIG SET aof-disable-auto-gc: back to no deletes the kept history. */
void aof_apply_auto_gc(void);
/* DEBUG AOF-FLUSH-SLEEP <us>: sleep before each AOF write (0: off). */
void aof_debug_set_flush_sleep(long long us);
/* Shutdown: stop a rewrite child, write and fsync everything. -1 (logged)
 * when the AOF is being switched on and its base is not written yet,
 * unless 'force'. */
int aof_prepare_shutdown(bool force);

/* Config and state */
/* CONFIG SET appendonly changed: start (with a rewrite) or stop the AOF.
 * NULL, or an error text. */
const char *aof_config_changed(void);
bool aof_is_on(void);
/* Replication: stop the AOF before the dataset is replaced by a full
 * sync, and switch it on again (with a rewrite) afterwards. */
void aof_suspend(void);
void aof_resume(void);
/* Why writes are refused (a failed AOF write or fsync), or NULL. */
const char *aof_write_error(void);
size_t aof_buffer_size(void);
/* DEBUG LOADAOF: write the buffer, empty the dataset and load the AOF
 * again (exits on a damaged AOF, as Redis). Replies to c. */
void aof_debug_loadaof(client *c);

/* INFO persistence: the aof_* fields Redis prints before module_fork_*,
 * and the ones it prints after them when the AOF is on. */
str *aof_info_fields(str *s) MUST_USE;
str *aof_info_sizes(str *s) MUST_USE;
/* CONFIG RESETSTAT: aof_rewrites, the failure streak, aof_delayed_fsync. */
void aof_reset_stats(void);

/* The command table, registered by server.c. */
extern command aof_commands[];

#endif
