/* acl.h -- ACL users (Redis 7.0): who a connection is, what it may run,
 * which keys and channels it may touch; the ACL family of commands and
 * AUTH. A command family (layer 3) that config.c, server.c, srvcmd.c
 * (HELLO, RESET), clientcmd.c (CLIENT KILL USER), multi.c (EXEC),
 * script.c and sort.c call. */
#ifndef CASTOR_ACL_H
#define CASTOR_ACL_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmdtable.h"
#include "str.h"

/* Outcomes of a permission check, in Redis's order (a larger value is the
 * more relevant error when several selectors refuse). */
enum {
    ACL_OK = 0,
    ACL_DENIED_CMD = 1,
    ACL_DENIED_KEY = 2,
    ACL_DENIED_AUTH = 3,
    ACL_DENIED_CHANNEL = 4
};

/* Start-up */
/* Create the default user (on, nopass, everything) and give every
 * command its bit; after the command tables are registered, before the
 * configuration is read. */
void acl_init(void);
/* A "user <name> <rules...>" line of redis.conf (argv[0] is "user"):
 * validated and kept for acl_load_at_startup(). NULL, or the error text
 * Redis reports for the line. */
const char *acl_config_user_line(str **argv, int argc);
/* Forget the user lines read so far (a new configuration load). */
void acl_config_reset(void);
/* After the configuration: apply requirepass, the user lines, then the
 * aclfile. NULL, or why start-up must stop (already logged as Redis does). */
const char *acl_load_at_startup(void);
/* requirepass (CONFIG SET or the file): the default user's only password,
 * or nopass when len is 0. */
void acl_set_default_password(const char *pass, size_t len);
/* CONFIG REWRITE: one "user ..." line per user (none with an aclfile). */
typedef void acl_line_fn(str *line, void *priv); /* the callback takes ownership */
void acl_foreach_user_line(acl_line_fn *fn, void *priv);

/* Checks */
/* The dispatcher's check (seam_admit): NULL when c may run cmd with its
 * arguments, else the -NOPERM text to refuse it with (logged in ACL LOG). */
const char *acl_admit(client *c, command *cmd);
/* The same for a command a script calls (call_from_script): fc is the
 * script's client, acting as 'caller'. The script's error text or NULL. */
const char *acl_admit_script(client *fc, client *caller, command *cmd);
/* redis.acl_check_cmd: may c run cmd with these arguments? Nothing logged. */
bool acl_may_run(const client *c, command *cmd, int argc, slice *argv);
/* EXEC: may c still run its queued command (c->cmd, c->argv)? NULL, or the
 * -NOPERM text of Redis for rules changed since it was queued. */
const char *acl_recheck_queued(client *c);
/* SORT's BY and GET patterns: may c's user read every key? */
bool acl_client_has_full_key_access(const client *c);
/* AUTH and HELLO: authenticate c as 'user' (NULL: default). True on
 * success; a failure is logged in ACL LOG. */
bool acl_authenticate(client *c, const slice *user, const slice *pass);
/* RESET: back to the default user, authenticated if it needs no password. */
void acl_client_reset_user(client *c);
/* CLIENT KILL USER: does the user exist; is c authenticated as it? */
bool acl_user_exists(const slice *name);
bool acl_client_is_user(const client *c, const slice *name);

/* For tests and the fuzzer */
/* ACL SETUSER name words...: NULL, or its error reply (caller frees). */
str *acl_setuser_words(const char *name, size_t len, str **words, int nwords);
/* The user's ACL LIST line, or NULL if there is no such user (caller frees). */
str *acl_user_line(const char *name, size_t len);
/* ACL LOAD from 'path': NULL, or the errors (caller frees). */
str *acl_load_path(const char *path);
/* Does the dispatcher's shortcut for user 'name' running argv agree with
 * the full check (never allows what it refuses; the literal and prefix
 * matcher answers as the glob matcher for argv[1])? True for no such
 * user or command. */
bool acl_shortcut_agrees(const char *name, size_t len, int argc, slice *argv);

extern command acl_commands[];

#endif
