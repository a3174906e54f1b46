/* script.h -- what scripts and functions share: the run of the one script
 * executing now (its caller, flags, the client its commands run as), the
 * shebang flags, long-script handling (-BUSY, SCRIPT/FUNCTION KILL) and the
 * way a script's command is checked and called (script_call). EVAL/EVALSHA and the
 * script cache live in script.c too; FUNCTION/FCALL in function.c. */
#ifndef CASTOR_SCRIPT_H
#define CASTOR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmdtable.h"

struct command;

/* Script flags, from a shebang line or redis.register_function. */
#define SCRIPT_FLAG_NO_WRITES (1u << 0)
#define SCRIPT_FLAG_ALLOW_OOM (1u << 1)
#define SCRIPT_FLAG_ALLOW_STALE (1u << 2)
#define SCRIPT_FLAG_NO_CLUSTER (1u << 3)
#define SCRIPT_FLAG_ALLOW_CROSS_SLOT (1u << 4)
#define SCRIPT_FLAG_EVAL_COMPAT (1u << 5) /* EVAL without a shebang: old rules */

/* Run flags. */
#define RUN_EVAL (1u << 0)     /* EVAL/EVALSHA, not FCALL */
#define RUN_READONLY (1u << 1) /* writes refused (no-writes, *_RO) */
#define RUN_ALLOW_OOM (1u << 2)
#define RUN_WRITE_DIRTY (1u << 3)      /* a write command ran: no longer killable */
#define RUN_TIMEDOUT (1u << 4)         /* past busy-reply-threshold */
#define RUN_KILLED (1u << 5)           /* SCRIPT/FUNCTION KILL asked it to stop */
#define RUN_ALLOW_CROSS_SLOT (1u << 6) /* allow-cross-slot-keys: a cluster's keys of any slot */

/* The run of the script executing now. Written by script.c, except 'resp'
 * and 'repl' (redis.setresp, redis.set_repl in script_lua.c). */
typedef struct script_run {
    client *caller;     /* the client that sent EVAL/FCALL (may be our master) */
    client *fc;         /* the fake client the script's commands run as */
    const char *name;   /* the script's SHA1 or the function's name, for errors */
    unsigned flags;     /* RUN_* */
    int repl;           /* PROPAGATE_* targets of the script's effects */
    long long start_us; /* monotonic */
    int slot;           /* cluster mode: the slot its keys use so far, -1 none yet */
} script_run;

/* Flags */
/* Map one flag name to SCRIPT_FLAG_* (any case), 0 if unknown. */
unsigned script_flag_from_name(const char *name, size_t len);
/* Append the names of 'flags' to a reply as a set (FUNCTION LIST). */
void script_reply_flags(client *c, unsigned flags);
/* The command flags EVAL/FCALL stand for when the script declares flags
 * (Redis's scriptFlagsToCmdFlags): write unless no-writes, denyoom unless
 * allow-oom or no-writes, stale only with allow-stale. */
uint32_t script_flags_to_cmd_flags(uint32_t cmd_flags, unsigned script_flags);

/* Runs */
/* Begin a run for caller: checks the flags against the server's state
 * (replica, OOM, stale, disk errors, *_RO) and replies the error to the
 * caller, returning NULL, when the script may not start. 'ro': *_RO. */
script_run *script_run_begin(client *caller, const char *name, unsigned script_flags, bool ro,
                             bool eval);
void script_run_end(script_run *r);
/* The run executing now, or NULL. */
script_run *script_current(void);
/* Called from the engine's hook every few thousand instructions: after
 * busy-reply-threshold it serves other clients (-BUSY) and returns true
 * when the script was killed. */
bool script_interrupt(script_run *r);
/* redis.call: look fc's argv up, check it as Redis's scriptCall does and
 * call it; the reply (or the error of a refused command) is left in fc's
 * output buffers. Returns the refusal's text (valid until the next call),
 * NULL if the command ran. */
const char *script_call(script_run *r);
/* redis.acl_check_cmd: the command fc's argv names, or NULL if none; *ok
 * whether the caller's user may run it with those arguments. */
command *script_acl_check(script_run *r, bool *ok);

/* The admission's questions about scripts (server.c's seam_admit). */
/* The flags of EVAL/EVALSHA/FCALL with this request's script (c->cmd is
 * one of them, flagged CMD_SCRIPT_FLAGS). */
uint32_t script_cmd_flags(client *c, uint32_t cmd_flags);
/* The -BUSY text for clients while a script runs past the threshold. */
const char *script_busy_error(void);
/* Our master's request arrived while busy: it was postponed, and runs
 * after the script (script_before_sleep). */
void script_hold_input(void);
void script_before_sleep(void);
/* EVAL's key positions (numkeys at argv[2]). */
int script_eval_getkeys(int argc, slice *argv, int *keys, int cap);

/* DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may run noscript commands. */
void script_set_deny_disabled(bool on);
/* SCRIPT KILL / FUNCTION KILL of the running script. */
void script_kill(client *c, bool eval);
/* Start-up: the engine's state and the fake client. */
void script_init(void);
/* INFO memory: bytes used by the EVAL engine and its cache. */
size_t script_memory_lua(void);
size_t script_cache_count(void);
size_t script_cache_bytes(void);

/* The command table, registered by server.c. */
extern command script_commands[];

#endif
