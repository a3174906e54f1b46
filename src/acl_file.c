/* acl_file.c -- ACL users as text: the "user" lines of redis.conf
 * (validated while the file is read, applied after it with requirepass,
 * then the aclfile), the ACL file (loaded at start and by ACL LOAD, all or
 * nothing; written by ACL SAVE) and the joining of selector words. The
 * users themselves, their rules and checks are acl.c's (acl_int.h).
 * Spec: Redis 7.0 acl.c (ACLLoadFromFile, ACLSaveToFile,
 * ACLAppendUserForLoading, ACLLoadConfiguredUsers); texts as
 * redis-server 7.0.15.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "acl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "util.h"

/* Rules spread over several words, "(+get" "~k*)", become one selector
 * rule, as Redis's ACLMergeSelectorArguments. NULL if a '(' is never
 * closed (*bad: the index of the word opening it). */
str **acl_merge_selector_args(str **argv, int argc, int *out_n, int *bad) {
    str **out = mem_alloc(sizeof(*out) * (size_t)(argc ? argc : 1));
    int n = 0, open = -1;
    str *sel = NULL;
    for (int j = 0; j < argc; j++) {
        const str *op = argv[j];
        bool closes = op->len && op->buf[op->len - 1] == ')';
        if (open == -1 && op->len && op->buf[0] == '(' && !closes) {
            sel = str_new(op->buf, op->len);
            open = j;
            continue;
        }
        if (open != -1) {
            sel = str_catc(sel, " ");
            sel = str_cat(sel, op->buf, op->len);
            if (closes) {
                out[n++] = sel;
                sel = NULL;
                open = -1;
            }
            continue;
        }
        out[n++] = str_new(op->buf, op->len);
    }
    if (open != -1) {
        for (int i = 0; i < n; i++) str_free(out[i]);
        mem_free(out);
        str_free(sel);
        *bad = open;
        return NULL;
    }
    *out_n = n;
    return out;
}

typedef struct pending_user {
    str **rules; /* rules[0] is the name */
    int n;
} pending_user;
static pending_user *pending;
static int npending;

void acl_config_reset(void) {
    for (int i = 0; i < npending; i++) str_free_args(pending[i].rules, pending[i].n);
    mem_free(pending);
    pending = NULL;
    npending = 0;
}

const char *acl_config_user_line(str **argv, int argc) {
    static char buf[512];
    const char *bad_word = argv[0]->buf;
    int err = RULE_OK;
    for (int i = 0; i < npending && err == RULE_OK; i++)
        if (str_eq(pending[i].rules[0], argv[1])) err = RULE_DUPLICATE, bad_word = argv[1]->buf;
    int n = 0, bad = 0;
    str **rules = NULL;
    if (err == RULE_OK) {
        rules = acl_merge_selector_args(argv + 2, argc - 2, &n, &bad);
        if (rules == NULL) err = RULE_UNKNOWN, bad_word = argv[bad]->buf; /* Redis: a stale errno */
    }
    /* Commands unknown now are reported when the users load, as Redis
     * (modules may add them); other errors stop here. Redis names the
     * word by the rule's index into the line, which we repeat. */
    acl_user *fake = acl_user_new("", 0);
    for (int j = 0; rules && j < n && err == RULE_OK; j++) {
        int rc = acl_user_set(fake, rules[j]->buf, rules[j]->len);
        if (rc != RULE_OK && rc != RULE_UNKNOWN) err = rc, bad_word = argv[j]->buf;
    }
    acl_user_free(fake);
    if (err != RULE_OK) {
        if (rules) str_free_args(rules, n);
        snprintf(buf, sizeof(buf), "Error in user declaration '%s': %s", bad_word,
                 acl_rule_error_text(err));
        return buf;
    }
    str **copy = mem_alloc(sizeof(*copy) * (size_t)(n + 1));
    copy[0] = str_new(argv[1]->buf, argv[1]->len);
    memcpy(copy + 1, rules, sizeof(*copy) * (size_t)n);
    mem_free(rules);
    pending = mem_realloc(pending, sizeof(*pending) * (size_t)(npending + 1));
    pending[npending++] = (pending_user){copy, n + 1};
    return NULL;
}

static const char *load_configured_users(void) {
    for (int i = 0; i < npending; i++) {
        str **r = pending[i].rules;
        if (acl_has_spaces(r[0]->buf, r[0]->len)) {
            log_msg(LOG_WARNING, "Spaces not allowed in ACL usernames");
            return "ACL";
        }
        acl_user *u = acl_user_find(r[0]->buf, r[0]->len);
        if (u == NULL) {
            u = acl_user_new(r[0]->buf, r[0]->len);
            acl_user_insert(u);
        } else {
            acl_user_set(u, "reset", 5);
        }
        for (int j = 1; j < pending[i].n; j++) {
            int rc = acl_user_set(u, r[j]->buf, r[j]->len);
            if (rc != RULE_OK) {
                log_msg(LOG_WARNING, "Error loading ACL rule '%s' for the user named '%s': %s",
                        r[j]->buf, r[0]->buf, acl_rule_error_text(rc));
                return "ACL";
            }
        }
        if (acl_user_is_off(u))
            log_msg(LOG_NOTICE,
                    "The user '%s' is disabled (there is no 'on' modifier in the user "
                    "description). Make sure this is not a configuration error.",
                    r[0]->buf);
    }
    acl_default_changed();
    return NULL;
}

/* Split a line of the ACL file on single spaces, as Redis's sdssplitlen
 * (no quoting; doubled spaces make empty rules, which do nothing). */
static str **split_spaces(const char *p, size_t len, int *n) {
    str **out = NULL;
    int cnt = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != ' ') continue;
        out = mem_realloc(out, sizeof(*out) * (size_t)(cnt + 1));
        out[cnt++] = str_new(p + start, i - start);
        start = i + 1;
    }
    *n = cnt;
    return out;
}

static void trim(str *s, const char *set) {
    size_t a = 0, b = s->len;
    while (a < b && strchr(set, s->buf[a])) a++;
    while (b > a && strchr(set, s->buf[b - 1])) b--;
    memmove(s->buf, s->buf + a, b - a);
    str_setlen(s, b - a);
}

static void free_users(acl_user **set, int n, bool kill) {
    for (int i = 0; i < n; i++) {
        if (set[i] == acl_default_user) continue;
        if (kill) acl_kill_user_clients(set[i]);
        acl_user_free(set[i]);
    }
    mem_free(set);
}

/* ACL LOAD and the aclfile at start: all or nothing. NULL, or the
 * errors found, in Redis's words (caller frees). */
str *acl_load_file(const char *path) {
    const char *shown = cfg.aclfile && cfg.aclfile[0] ? cfg.aclfile : path;
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return str_fmt("Error loading ACLs, opening file '%s': %s", path, strerror(errno));
    str *text = str_new(NULL, 0);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) text = str_cat(text, chunk, got);
    fclose(fp);
    /* Redis reads the file as C strings: a NUL ends it. */
    str_setlen(text, strlen(text->buf));
    acl_user **old = acl_all_users;
    int nold = acl_nusers;
    acl_all_users = NULL;
    acl_nusers = 0;
    str *errors = str_new(NULL, 0);
    size_t start = 0;
    int linenum = 0;
    while (start <= text->len) {
        const char *nl = memchr(text->buf + start, '\n', text->len - start);
        size_t end = nl ? (size_t)(nl - text->buf) : text->len;
        linenum++;
        str *line = str_new(text->buf + start, end - start);
        start = end + 1;
        trim(line, " \t\r\n");
        if (line->len == 0) {
            str_free(line);
            if (nl == NULL) break;
            continue;
        }
        int argc;
        str **argv = split_spaces(line->buf, line->len, &argc);
        str_free(line);
        if (strcmp(argv[0]->buf, "user") != 0 || argc < 2) {
            errors = str_catfmt(errors,
                                "%s:%d should start with user keyword followed by the username. ",
                                shown, linenum);
        } else if (acl_has_spaces(argv[1]->buf, argv[1]->len)) {
            errors = str_catfmt(errors, "'%s:%d: username '%s' contains invalid characters. ",
                                shown, linenum, argv[1]->buf);
        } else if (acl_user_find(argv[1]->buf, argv[1]->len)) {
            errors = str_catfmt(errors, "WARNING: Duplicate user '%s' found on line %d. ",
                                argv[1]->buf, linenum);
        } else {
            acl_user *u = acl_user_new(argv[1]->buf, argv[1]->len);
            acl_user_insert(u);
            int n = 0, bad = 0;
            str **rules = acl_merge_selector_args(argv + 2, argc - 2, &n, &bad);
            if (rules == NULL)
                errors = str_catfmt(errors, "%s:%d: Unmatched parenthesis in selector definition.",
                                    shown, linenum);
            for (int j = 0; rules && j < n; j++) {
                trim(rules[j], "\t\r\n");
                int rc = acl_user_set(u, rules[j]->buf, rules[j]->len);
                if (rc != RULE_OK)
                    errors =
                        str_catfmt(errors, "%s:%d: %s. ", shown, linenum, acl_rule_error_text(rc));
            }
            if (rules) str_free_args(rules, n);
        }
        str_free_args(argv, argc);
        if (nl == NULL) break;
    }
    str_free(text);
    if (errors->len) {
        free_users(acl_all_users, acl_nusers, false);
        acl_all_users = old;
        acl_nusers = nold;
        return str_catc(errors, "WARNING: ACL errors detected, no change to the previously active "
                                "ACL rules was performed");
    }
    str_free(errors);
    /* The default user object stays (clients point at it): it takes the
     * file's rules, or the defaults when the file has no default user. */
    acl_user *nd = acl_user_find("default", 7);
    if (nd) {
        acl_user_unlink(nd);
    } else {
        nd = acl_user_new_default();
    }
    acl_user_copy_rules(acl_default_user, nd);
    acl_user_free(nd);
    acl_user_insert(acl_default_user);
    free_users(old, nold, true);
    acl_default_changed();
    return NULL;
}

int acl_save_file(const char *path) {
    str *content = str_new(NULL, 0);
    for (int i = 0; i < acl_nusers; i++) {
        str *line = acl_describe_user_line(acl_all_users[i]);
        content = str_cat(content, line->buf, line->len);
        content = str_catc(content, "\n");
        str_free(line);
    }
    str *tmp = str_fmt("%s.tmp-%d-%lld", path, (int)getpid(), util_mstime());
    int rc = -1, fd = open(tmp->buf, O_WRONLY | O_CREAT, 0644);
    if (fd == -1) {
        log_msg(LOG_WARNING, "Opening temp ACL file for ACL SAVE: %s", strerror(errno));
    } else if (write(fd, content->buf, content->len) != (ssize_t)content->len) {
        log_msg(LOG_WARNING, "Writing ACL file for ACL SAVE: %s", strerror(errno));
    } else if (rename(tmp->buf, path) == -1) {
        log_msg(LOG_WARNING, "Renaming ACL file for ACL SAVE: %s", strerror(errno));
    } else {
        rc = 0;
    }
    if (fd != -1) close(fd);
    if (rc == -1) unlink(tmp->buf);
    str_free(tmp);
    str_free(content);
    return rc;
}

const char *acl_load_at_startup(void) {
    if (cfg.requirepass_len) acl_set_default_password(cfg.requirepass, cfg.requirepass_len);
    bool file = cfg.aclfile && cfg.aclfile[0];
    if (file && npending) {
        log_msg(LOG_WARNING,
                "Configuring Redis with users defined in redis.conf and at the same setting an "
                "ACL file path is invalid. This setup is very likely to lead to configuration "
                "errors and security holes, please define either an ACL file or declare users "
                "directly in your redis.conf, but not both.");
        return "ACL";
    }
    if (load_configured_users()) {
        log_msg(LOG_WARNING, "Critical error while loading ACLs. Exiting.");
        return "ACL";
    }
    if (file) {
        str *errors = acl_load_file(cfg.aclfile);
        if (errors) {
            log_msg(LOG_WARNING, "Aborting Redis startup because of ACL errors: %s", errors->buf);
            str_free(errors);
            return "ACL";
        }
    }
    acl_config_reset();
    return NULL;
}
