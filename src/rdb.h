/* rdb.h -- the RDB format: snapshots of the whole dataset, DUMP payloads.
 *
 * Reads every encoding Redis 7.0 (RDB version 10) and older versions write,
 * and writes version 10 files that Redis 7.0 loads. All I/O goes through a
 * 'rio' so the same code writes files, memory buffers (DUMP, AOF preamble)
 * and sockets (replication). Untrusted input is validated: a corrupt or
 * truncated file is an error naming where it is bad, never a crash.
 * rdb.c holds the framing, rdb_types.c each type's value encoding.
 * Not here: when to save (snapshot.c), AOF (aof.c), the streams (rio.h). */
#ifndef CASTOR_RDB_H
#define CASTOR_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "rio.h"
#include "str.h"

#define RDB_VERSION 10

/* ---- Whole-dataset snapshots ---- */

typedef struct rdb_info {
    /* Filled on load from AUX fields, written on save (replication). */
    char repl_id[41];
    long long repl_offset; /* -1 if absent */
    int repl_stream_db;    /* -1 if absent */
    /* castor (aux "castor-repl-id2", written by a master with a secondary
     * ID): the history this one continues, so a castor replica of that
     * history knows a full sync from this master is not a stranger's. */
    char repl_id2[41];
    long long keys_loaded, keys_expired_skipped;
    bool aof_base; /* aux "aof-base" */
    /* Set by the caller before a load: keys found already expired are
     * announced with propagate_loaded_expired() (a master restarting, see repl.c). */
    bool feed_expired;
    /* Set by the caller before loading: a key or function library that
     * exists is replaced instead of failing the load (DEBUG RELOAD MERGE). */
    bool allow_dup;
    /* Set by the caller before a save: leave the keys, or the function
     * libraries, out (a replica's REPLCONF rdb-filter-only). */
    bool exclude_data, exclude_functions;
} rdb_info;

void rdb_info_init(rdb_info *info);
/* Write every database to r (header, aux fields, data, EOF, checksum).
 * 0, or -1 with *err set. */
int rdb_save_rio(rio *r, const rdb_info *info, str **err);
/* Have rdb_save_rio() call fn with the keys written so far every 1024
 * keys (a fork child's progress report, child.c). */
void rdb_on_save_progress(void (*fn)(long long keys));
/* Save to 'path' atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. 0 or -1 with *err. */
int rdb_save_file(const char *path, const rdb_info *info, str **err);
/* Load from r into the (empty) databases. Keys already expired are skipped
 * on a master and loaded on a replica. 0, or -1 with *err naming what is
 * wrong and where (byte offset). On error the databases may hold a partial
 * dataset: the caller empties them. */
int rdb_load_rio(rio *r, rdb_info *info, str **err);
int rdb_load_file(const char *path, rdb_info *info, str **err);
/* The same, calling every() after each 'bytes' read (not reentrant: a
 * replica drains a socket while it loads, repl_link.c; start-up serves
 * clients, snapshot.c), counting what is read in srv.loading_loaded_bytes. */
int rdb_load_file_cb(const char *path, rdb_info *info, void (*every)(void), size_t bytes,
                     str **err);
/* Make r, a reader, call every() after each 'bytes' read and count them in
 * srv.loading_loaded_bytes (one such reader at a time). */
void rdb_rio_every(rio *r, void (*every)(void), size_t bytes);

/* A replication payload received into 'path', before it replaces the
 * dataset: its header and leading AUX fields are valid (0, else -1 with
 * *err), and *has_keys says whether it holds any key. 'deep' also parses
 * and checks every value and the checksum, keeping none (a full load's
 * CPU, no memory): what a replica with data to lose does first; every()
 * (if not NULL) is called after each 'bytes' read by that parse (as
 * rdb_rio_every()). */
int rdb_check_payload(const char *path, bool deep, bool *has_keys, char *replid2,
                      void (*every)(void), size_t bytes, str **err);

/* ---- Function libraries (FUNCTION DUMP / RESTORE) ---- */

/* Write one library's code as an RDB FUNCTION2 opcode and string. */
bool rdb_save_function(rio *r, const char *code, size_t len);
/* Read one RDB string (the code after a FUNCTION2 opcode) from r; NULL if
 * it is truncated or corrupt. Caller frees. */
str *rdb_load_function_code(rio *r) MUST_USE;

/* ---- Single values: DUMP / RESTORE ---- */

/* The DUMP payload of e's value: type, value, RDB version (2 bytes LE),
 * CRC64 (8 bytes LE). Caller frees. */
str *rdb_dump_value(const kv *e) MUST_USE;
/* Check a payload's footer (version and CRC). false with *err. */
bool rdb_verify_payload(const char *p, size_t len, str **err);
/* A new entry under 'key' from a verified payload; NULL with *err if the
 * value inside is corrupt (every encoded blob is validated deeply first).
 * count_sanitized: count those validations in dump_payload_sanitizations. */
kv *rdb_restore_value(const char *key, size_t klen, const char *p, size_t len, bool count_sanitized,
                      str **err) MUST_USE;
/* Bytes this value takes in an RDB (DEBUG OBJECT serializedlength). */
size_t rdb_value_size(const kv *e);

#endif
