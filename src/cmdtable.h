/* cmdtable.h -- the command tables, lookup, the dispatcher and call().
 *
 * Each command family (t_string.c, keys.c, pubsub.c, ...) ends with its own
 * table of commands beside its static procs; server.c registers the tables
 * at start-up. The registered tables are the single source for the
 * dispatcher, COMMAND (cmdinfo.c), ACL categories and key extraction. */
#ifndef CASTOR_CMDTABLE_H
#define CASTOR_CMDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"

typedef void cmd_proc(client *c);
/* Key positions of a command whose keys move (numkeys, STORE, ...): fills
 * keys[] (at most cap) with argv indexes and returns how many, or -1 when
 * the arguments make no sense (a bad numkeys), which COMMAND GETKEYS
 * reports as Redis does. */
typedef int cmd_getkeys_proc(int argc, slice *argv, int *keys, int cap);

/* Command flags, named as COMMAND INFO prints them. Adding one? Update
 * flag_names[] in cmdinfo.c. */
#define CMD_WRITE (1u << 0)
#define CMD_READONLY (1u << 1)
#define CMD_DENYOOM (1u << 2)
#define CMD_MODULE (1u << 3)
#define CMD_ADMIN (1u << 4)
#define CMD_PUBSUB (1u << 5)
#define CMD_NOSCRIPT (1u << 6)
#define CMD_BLOCKING (1u << 8)
#define CMD_LOADING (1u << 9)
#define CMD_STALE (1u << 10)
#define CMD_SKIP_MONITOR (1u << 11)
#define CMD_SKIP_SLOWLOG (1u << 12)
#define CMD_ASKING (1u << 13)
#define CMD_FAST (1u << 14)
#define CMD_NO_AUTH (1u << 15)
#define CMD_MAY_REPLICATE (1u << 16)
#define CMD_SENTINEL (1u << 17)
#define CMD_ONLY_SENTINEL (1u << 18)
#define CMD_NO_MANDATORY_KEYS (1u << 19)
#define CMD_PROTECTED (1u << 20)
#define CMD_NO_ASYNC_LOADING (1u << 23)
#define CMD_NO_MULTI (1u << 24)
#define CMD_MOVABLE_KEYS (1u << 25)
#define CMD_ALLOW_BUSY (1u << 26)
/* castor's own flags: questions the dispatcher asks, not printed by
 * COMMAND INFO (they have no name in flag_names[]). They use the bits
 * Redis 7.0 gives module-only flags (7, 21, 22) and those above 26. */
#define CMD_QUEUED_FLAGS (1u << 7) /* EXEC: write, denyoom... of the commands queued */
#define CMD_SCRIPT_FLAGS                                                                           \
    (1u << 27)                         /* EVAL/FCALL: their script declares which of write,
                                        * denyoom and stale apply (script_cmd_flags) */
#define CMD_SUBSCRIBER_OK (1u << 28)   /* allowed to a RESP2 client in subscribed mode */
#define CMD_DENY_ON_MISCONF (1u << 29) /* refused after a failed save, as writes are (PING) */
#define CMD_NO_QUEUE (1u << 30)        /* runs at once inside MULTI, never queued (EXEC...) */
#define CMD_MODULE_GATE                                                                            \
    (1u << 31) /* protected by enable-module-command, not
                                        * enable-debug-command (MODULE LOAD...) */

/* ACL categories. Adding one? Update acl_cat_names[] in cmdinfo.c. */
#define ACL_KEYSPACE (1ull << 0)
#define ACL_READ (1ull << 1)
#define ACL_WRITE (1ull << 2)
#define ACL_SET (1ull << 3)
#define ACL_SORTEDSET (1ull << 4)
#define ACL_LIST (1ull << 5)
#define ACL_HASH (1ull << 6)
#define ACL_STRING (1ull << 7)
#define ACL_BITMAP (1ull << 8)
#define ACL_HYPERLOGLOG (1ull << 9)
#define ACL_GEO (1ull << 10)
#define ACL_STREAM (1ull << 11)
#define ACL_PUBSUB (1ull << 12)
#define ACL_ADMIN (1ull << 13)
#define ACL_FAST (1ull << 14)
#define ACL_SLOW (1ull << 15)
#define ACL_BLOCKING (1ull << 16)
#define ACL_DANGEROUS (1ull << 17)
#define ACL_CONNECTION (1ull << 18)
#define ACL_TRANSACTION (1ull << 19)
#define ACL_SCRIPTING (1ull << 20)

typedef struct command {
    const char *name;
    cmd_proc *proc;
    int arity; /* -N: at least N arguments */
    uint32_t flags;
    uint64_t acl;
    struct {
        int first, last, step; /* last -1: to the end; 0 first: no keys */
    } keys;
    cmd_getkeys_proc *getkeys; /* for CMD_MOVABLE_KEYS commands, else NULL */
    struct command *subcmds;   /* NULL-terminated by name, for containers */
    struct command *parent;    /* set at start for subcommands */
    /* Stats, written by cmdtable.c. */
    long long calls, usec, rejected, failed;
    struct latency_hist *latency_hist; /* latency.c's; NULL until a call is tracked */
    char *fullname;                    /* "config|get", set at start */
    int acl_id;                        /* its bit in ACL selectors, set at start by acl.c */
} command;

/* Tables */
/* Add a family's table (terminated by a NULL name) to the dispatcher: its
 * commands become findable and its subcommands get their full names.
 * server.c calls it for each family at start-up. */
void cmdtable_register(command *table);
/* Case-insensitive lookup of a top-level command. NULL if unknown. */
command *cmdtable_find(const char *name, size_t len);
/* Case-insensitive lookup of a subcommand of 'parent'. NULL if unknown. */
command *cmdtable_find_sub(command *parent, const char *name, size_t len);
/* rename-command: 0, -1 if 'from' is no command, -2 if 'to' is taken. */
int cmdtable_rename(const char *from, size_t flen, const char *to, size_t tlen);
/* Resolve argv to a command or subcommand (NULL if unknown). */
command *cmdtable_lookup(client *c);
/* Execute one parsed request of c: checks, call, stats. Returns false if
 * the request was postponed (CLIENT PAUSE) and must be parsed again later. */
bool cmdtable_dispatch(client *c);
/* Call c->cmd directly (MULTI/EXEC, scripts): the clock, the run, stats,
 * MONITOR, then seam_after_call() (slow log, latency, and at the
 * outermost level the clients blocked on keys it readied). */
void cmdtable_call(client *c);
/* Run cmd's proc for c as one unit: c is srv.current (unless c is a
 * script's client: its commands act for the script's caller) and the
 * effects it propagates reach the AOF and replicas together, wrapped in
 * MULTI/EXEC when there are several (every command is atomic to them).
 * Returns how long it took (us). No stats: cmdtable_call() adds them; a
 * blocked command served again (blocking.c) runs through here alone. */
long long cmdtable_run(client *c, command *cmd);
/* A command that blocked ended (served, timed out, unblocked): its time
 * ('usec', all its runs) is added, and a failure if it ended in an error
 * (Redis 7.0's updateStatsOnUnblock; the call was counted when it ran). */
void cmdtable_count_unblocked(command *cmd, long long usec, bool failed);
/* Refuse c's request for cmd (NULL: unknown) with 'err': replies it and
 * counts it rejected, not as a failure of the command running now (a
 * script's EVAL). For the admission checks outside the core (script.c). */
void cmdtable_reject(client *c, command *cmd, const char *err);
/* How many cmdtable_call()s are running: 1 in a command, 2 inside EXEC. */
int cmdtable_call_depth(void);
/* Iterate all top-level commands, in registration order. */
typedef void cmdtable_fn(command *cmd, void *priv);
void cmdtable_foreach(cmdtable_fn *fn, void *priv);
/* Number of top-level commands. */
int cmdtable_count(void);
void cmdtable_reset_stats(void);
/* Does argc fit cmd's arity? */
bool cmdtable_arity_ok(const command *cmd, int argc);
/* Positions of key arguments for argv; returns count, fills keys[] (cap). */
int cmdtable_get_keys(command *cmd, int argc, slice *argv, int *keys, int cap);
/* For a family's getkeys: the keys counted by a numkeys argument at
 * argv[idx], which follow it (LMPOP, ZUNION, SINTERCARD...). Appends their
 * positions to keys[n..cap) and returns the new count, or -1 when numkeys
 * is not in [1, argc - idx - 1]. numkeys reads as C's atoi() ("1.5" is 1),
 * as Redis's genericGetKeys(): the key finder after the key specs fail. */
int cmdtable_numkeys_getkeys(int argc, const slice *argv, int idx, int *keys, int n, int cap);
/* The same with numkeys in [min, argc - idx - 1] (EVAL and FCALL take 0). */
int cmdtable_numkeys_from(int argc, const slice *argv, int idx, int min, int *keys, int n, int cap);
/* C's atoi() of an argument (leading blanks and digits; 0 if none), as
 * Redis's native key finders read a numkeys argument. */
int cmdtable_atoi(const slice *arg);

#endif
