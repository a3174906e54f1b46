/* acl_int.h -- what acl.c (users, rules, checks, the log, ACL and AUTH)
 * shares with acl_file.c (users as text: redis.conf's user lines, the ACL
 * file). Not for other modules: they use acl.h.
 * SPDX-License-Identifier: BSD-3-Clause */
#ifndef CASTOR_ACL_INT_H
#define CASTOR_ACL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

typedef struct acl_user acl_user;

/* Why a rule was refused; the texts of Redis's ACLSetUserStringError. */
enum {
    RULE_OK,
    RULE_SYNTAX,
    RULE_UNKNOWN,
    RULE_KEYS_AFTER_ALL,
    RULE_CHANNELS_AFTER_ALL,
    RULE_NO_SUCH_PASS,
    RULE_BAD_HASH,
    RULE_DUPLICATE,
    RULE_FIRSTARG_OF_SUB,
};

const char *acl_rule_error_text(int err);

/* The users, sorted by name bytewise (ACL LIST order); acl.c keeps the
 * order (acl_user_insert/unlink), acl_file.c swaps the whole set on load. */
extern acl_user **acl_all_users;
extern int acl_nusers;
/* Always exists and is never freed; ACL LOAD changes its rules in place. */
extern acl_user *acl_default_user;

/* A user with no rules (off, no passwords, nothing allowed), not listed. */
acl_user *acl_user_new(const char *name, size_t len);
void acl_user_free(acl_user *u);
/* "default" as Redis starts it: on, nopass, every command, key and channel. */
acl_user *acl_user_new_default(void);
/* Apply one rule ("on", ">pw", "~k*", "(+get ~x)"...): RULE_OK or why not. */
int acl_user_set(acl_user *u, const char *op, size_t len);
/* dst's rules become a copy of src's (its name stays). */
void acl_user_copy_rules(acl_user *dst, const acl_user *src);
bool acl_user_is_off(const acl_user *u);
/* NULL if absent. */
acl_user *acl_user_find(const char *name, size_t len);
/* Into / out of acl_all_users, keeping its order. */
void acl_user_insert(acl_user *u);
void acl_user_unlink(acl_user *u);
/* Close the clients authenticated as u. */
void acl_kill_user_clients(acl_user *u);
/* The default user's rules changed: update srv.acl_default_*. */
void acl_default_changed(void);
/* "user <name> <rules>" as ACL LIST and the ACL file write it (caller frees). */
str *acl_describe_user_line(const acl_user *u);
/* Names and patterns may hold no whitespace or NUL. */
bool acl_has_spaces(const char *p, size_t len);

/* ---- acl_file.c ---- */

/* Words of rules with selectors spread over several, "(+get" "~k*)",
 * joined into one rule each (caller frees with str_free_args); NULL if
 * a '(' is never closed (*bad: the index of the word opening it). */
str **acl_merge_selector_args(str **argv, int argc, int *out_n, int *bad);
/* Replace the users with those of the ACL file at path, all or nothing:
 * NULL, or the errors in Redis's words (caller frees). */
str *acl_load_file(const char *path);
/* Write every user to path (through a temp file); 0 or -1, logged. */
int acl_save_file(const char *path);

#endif
