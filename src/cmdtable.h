/* cmdtable.h -- the command table and the dispatcher.
 *
 * One table is the single source for the dispatcher, COMMAND, ACL
 * categories and key extraction. Each command module exports its procs;
 * cmdtable.c lists them. */
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
 * flag_names[] in cmdtable.c. */
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
/* castor, not shown by COMMAND: EVAL/FCALL, whose script declares which of
 * write, denyoom and stale apply (script_eval_cmd_flags, function_cmd_flags). */
#define CMD_SCRIPT_FLAGS (1u << 27)

/* ACL categories. Adding one? Update acl_cat_names[] in cmdtable.c. */
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
    int arity;                       /* -N: at least N arguments */
    uint32_t flags;
    uint64_t acl;
    struct {
        int first, last, step;       /* last -1: to the end; 0 first: no keys */
    } keys;
    const char *group;               /* COMMAND DOCS group */
    const char *since;
    const char *summary;
    const char *complexity;
    cmd_getkeys_proc *getkeys;       /* for CMD_MOVABLE_KEYS commands, else NULL */
    struct command *subcmds;         /* NULL-terminated by name, for containers */
    struct command *parent;          /* set at start for subcommands */
    /* Stats, written by cmdtable.c. */
    long long calls, usec, rejected, failed;
    char *fullname;                  /* "config|get", set at start */
} command;

void cmdtable_init(void);
/* Case-insensitive lookup of a top-level command. NULL if unknown. */
command *cmdtable_find(const char *name, size_t len);
/* rename-command: 0, -1 if 'from' is no command, -2 if 'to' is taken. */
int cmdtable_rename(const char *from, size_t flen, const char *to, size_t tlen);
/* Resolve argv to a command or subcommand (NULL if unknown). */
command *cmdtable_lookup(client *c);
/* Execute one parsed request of c: checks, call, stats. Returns false if
 * the request was postponed (CLIENT PAUSE) and must be parsed again later. */
bool cmdtable_dispatch(client *c);
/* Call c->cmd directly (MULTI/EXEC, scripts): stats and propagation. At
 * the outermost level it then serves clients blocked on keys it readied. */
void cmdtable_call(client *c);
/* Run the request in c, a script's fake client, as Redis's scriptCall: the
 * lookup and the admission checks a client's request gets, worded for
 * scripts, then the call. A refusal is replied into c. */
void cmdtable_dispatch_script(client *c);
/* How many cmdtable_call()s are running: 1 in a command, 2 inside EXEC. */
int cmdtable_call_depth(void);
/* Iterate all top-level commands. */
typedef void cmdtable_fn(command *cmd, void *priv);
void cmdtable_foreach(cmdtable_fn *fn, void *priv);
void cmdtable_reset_stats(void);
/* Positions of key arguments for argv; returns count, fills keys[] (cap). */
int cmdtable_get_keys(command *cmd, int argc, slice *argv, int *keys, int cap);


#endif
