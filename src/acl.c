/* acl.c -- ACL users, as Redis 7.0: rules, checks, the log, ACL and AUTH.
 *
 * A user has flags (on/off, nopass), SHA-256 hashes of its passwords and a
 * list of selectors; the first, the root selector, holds the rules given
 * outside parentheses. A selector allows commands by a bitmap indexed by
 * each command's and subcommand's acl_id (plus first-argument exceptions
 * such as +select|0), keys by patterns each with read and/or write
 * permission, and channels by patterns. A request passes if one selector
 * allows the command and all its keys and channels; otherwise the most
 * relevant refusal is replied and logged (ACL LOG).
 * Invariants: the default user always exists and is never freed; clients
 * of the default user have c->user NULL; a deleted user's clients are
 * closed before the user is freed. srv.acl_default_open (the default user
 * may do anything) lets the dispatcher skip the check for it entirely.
 * Key read/write needs come from Redis's key specs (cmdinfo.c). Users as
 * text (redis.conf's user lines, the ACL file) are acl_file.c's, through
 * acl_int.h.
 * Spec: Redis 7.0 acl.c semantics, ACL docs; texts as redis-server 7.0.15.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "acl.h"
#include "acl_int.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "arg.h"
#include "cmdinfo.h"
#include "config.h"
#include "errors.h"
#include "keyspecs.h"
#include "log.h"
#include "mem.h"
#include "pubsub.h"
#include "reply.h"
#include "server.h"
#include "util.h"

/* ---- Types ---- */

#define CMD_BITS 1024             /* ids per selector bitmap */
#define FUTURE_BIT (CMD_BITS - 1) /* set only by +@all: commands added later */
#define CMD_WORDS (CMD_BITS / 64)

#define SEL_ROOT (1u << 0)
#define SEL_ALLKEYS (1u << 1)
#define SEL_ALLCHANNELS (1u << 2)
#define SEL_ALLCOMMANDS (1u << 3)

#define PERM_READ 1
#define PERM_WRITE 2
#define PERM_ALL (PERM_READ | PERM_WRITE)

#define USER_ON (1u << 0)
#define USER_OFF (1u << 1)
#define USER_NOPASS (1u << 2)
#define USER_SKIP_SANITIZE (1u << 3)
#define USER_SANITIZE (1u << 4)

enum { PAT_GLOB, PAT_LITERAL, PAT_PREFIX }; /* how a pattern is matched, fastest first */

/* A selector's key patterns for the dispatcher's common case (one key, no
 * flags needed). KEYS_PARTIAL (0, as calloc leaves it) asks check_user(). */
enum {
    KEYS_PARTIAL, /* a pattern is read- or write-only: the key's flags decide */
    KEYS_ALL,     /* allkeys */
    KEYS_PLAIN,   /* all literals and prefixes, none empty: plain_key_ok() */
    KEYS_ANY      /* globs among them: selector_key_ok() */
};

/* Checked for every key of every request of a restricted user: what the
 * match needs sits in the struct, no pointer to chase for a mismatch. */
typedef struct pattern {
    int perm;       /* PERM_*, for key patterns */
    int kind;       /* PAT_*: "abc" and "abc*" skip the glob matcher */
    size_t plen;    /* bytes compared: all of LITERAL, PREFIX's before the '*' */
    char first;     /* its first byte (0 if plen is 0) */
    uint64_t head;  /* its first min(plen, 8) bytes as one load of a name reads them */
    uint64_t hmask; /* which bits of that load they are */
    str *text;      /* the pattern as given */
} pattern;

typedef struct firstarg {
    int id;
    str *arg;
} firstarg;

typedef struct selector {
    unsigned flags; /* SEL_* */
    uint64_t allowed[CMD_WORDS];
    firstarg *fa; /* +cmd|arg exceptions, in the order given */
    int nfa;
    pattern *keys;
    int nkeys;
    bool partial_perms; /* a key pattern is read-only or write-only: the
                         * check must know what each key needs */
    uint8_t key_fast;   /* KEYS_*: how root_allows() checks a key */
    /* The key patterns indexed by first byte (keys_changed()): those any
     * key may match (globs, "*", "") come first in 'sorted', then
     * those starting with byte b at sorted[by_first[b] .. by_first[b+1]).
     * 'sorted' holds copies of the patterns (their texts are keys[]'s). */
    pattern *sorted;
    uint16_t *by_first; /* 257 entries, NULL when there is no index */
    int nany;
    pattern *chans;
    int nchans;
} selector;

struct acl_user {
    str *name;
    unsigned flags;   /* USER_* */
    char (*pass)[65]; /* lowercase hex SHA-256 of each password */
    int npass;
    selector **sels; /* sels[0] is the root selector */
    int nsels;
};

acl_user **acl_all_users; /* sorted by name, bytewise (ACL LIST order) */
int acl_nusers;
acl_user *acl_default_user;

/* Commands by acl_id, and the key specs of each (looked up once). */
static command *by_id[CMD_BITS];
static const cmd_meta *meta_by_id[CMD_BITS];
/* Commands whose keys need no key-spec flags unless a pattern is read- or
 * write-only: one spec, not NOT_KEY (most commands). */
static bool plain_keys[CMD_BITS];
/* The argument index of a command's only key when its specs need no
 * flags (GET, SET, INCR...): checked without a key set. 0 otherwise. */
static int one_key[CMD_BITS];
static int ncmd_ids;
static command *cmd_publish, *cmd_spublish, *cmd_subscribe, *cmd_ssubscribe, *cmd_psubscribe;

/* Categories are cmdinfo.c's names, bit i standing for 1 << i. */
#define NCATEGORIES CMDINFO_NCATEGORIES
#define CAT_NAME(i) cmdinfo_category_name(i)
#define CAT_FLAG(i) (1ull << (i))

const char *acl_rule_error_text(int err) {
    switch (err) {
    case RULE_UNKNOWN: return "Unknown command or category name in ACL";
    case RULE_SYNTAX: return "Syntax error";
    case RULE_KEYS_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
               "does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case RULE_CHANNELS_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
               "and does not have any effect. Try 'resetchannels' to start with an empty list of "
               "channels";
    case RULE_NO_SUCH_PASS:
        return "The password you are trying to remove from the user does not exist";
    case RULE_BAD_HASH:
        return "The password hash must be exactly 64 characters and contain only lowercase "
               "hexadecimal characters";
    case RULE_DUPLICATE:
        return "Duplicate user found. A user can only be defined once in config files";
    case RULE_FIRSTARG_OF_SUB: return "Allowing first-arg of a subcommand is not supported";
    default: return "Wrong format";
    }
}

/* ---- Helpers ---- */

/* Names and patterns may hold no whitespace or NUL, so that ACL LIST and
 * the ACL file read back exactly what was set. */
bool acl_has_spaces(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (isspace((unsigned char)p[i]) || p[i] == '\0') return true;
    return false;
}

static void hash_password(const char *p, size_t len, char out[65]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)p, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[i * 2] = hex[md[i] >> 4];
        out[i * 2 + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static bool valid_hash(const char *p, size_t len) {
    if (len != 64) return false;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= 'a' && p[i] <= 'f') || (p[i] >= '0' && p[i] <= '9'))) return false;
    return true;
}

static int pattern_kind(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '*' && i == len - 1) return PAT_PREFIX;
        if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == '\\') return PAT_GLOB;
    }
    return PAT_LITERAL;
}

static inline uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* s (len >= plen) starts with the pattern's plen bytes: a name of 8 bytes
 * or more is compared 8 at a time, its first 8 in one masked load (no
 * call: the check of a plain selector saves no registers). */
static inline __attribute__((always_inline)) bool head_match(const pattern *pt, const char *s,
                                                             size_t len) {
    size_t n = pt->plen;
    if (len < 8) return util_mem_eq(s, pt->text->buf, n); /* then n < 8 too: inline */
    if ((load8(s) ^ pt->head) & pt->hmask) return false;
    if (n <= 8) return true;
    const char *t = pt->text->buf;
    for (size_t i = 8; i + 8 < n; i += 8)
        if (load8(s + i) != load8(t + i)) return false;
    return load8(s + n - 8) == load8(t + n - 8); /* the last 8, overlapping */
}

/* Redis's stringmatchlen, which the two common kinds answer without it:
 * "abc" only matches itself; "abc*" matches what starts with "abc", but
 * as in Redis no empty name (not even "*" matches ""). */
static inline __attribute__((always_inline)) bool pattern_match(const pattern *pt, const char *s,
                                                                size_t len) {
    if (pt->kind == PAT_PREFIX) return len != 0 && len >= pt->plen && head_match(pt, s, len);
    if (pt->kind == PAT_LITERAL) return len == pt->plen && head_match(pt, s, len);
    return util_glob_match(pt->text->buf, pt->text->len, s, len, false);
}

static pattern pattern_make(const char *p, size_t len, int perm) {
    int kind = pattern_kind(p, len);
    size_t plen = kind == PAT_PREFIX ? len - 1 : len;
    size_t h = plen < 8 ? plen : 8;
    uint64_t head = 0, hmask = 0;
    memcpy(&head, p, h); /* in memory order, as memcpy loads a name */
    memset(&hmask, 0xff, h);
    return (pattern){perm, kind, plen, plen ? p[0] : 0, head, hmask, str_new(p, len)};
}

static uint64_t category_by_name(const char *name) {
    for (int i = 0; i < NCATEGORIES; i++)
        if (strcasecmp(name, CAT_NAME(i)) == 0) return CAT_FLAG(i);
    return 0;
}

/* ---- Commands by id ---- */

static void assign_id(command *cmd) {
    ASSERT(ncmd_ids < FUTURE_BIT);
    cmd->acl_id = ncmd_ids;
    by_id[ncmd_ids] = cmd;
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    meta_by_id[ncmd_ids] = m;
    plain_keys[ncmd_ids] = m && m->nkey_specs == 1 && !(m->key_specs[0].flags & KS_NOT_KEY);
    bool one = cmd->getkeys == NULL && cmd->keys.first > 0 && cmd->keys.last == cmd->keys.first;
    one_key[ncmd_ids] = one && plain_keys[ncmd_ids] ? cmd->keys.first : 0;
    ncmd_ids++;
}

static void assign_ids(command *cmd, void *priv) {
    (void)priv;
    assign_id(cmd);
    for (command *s = cmd->subcmds; s && s->name; s++) assign_id(s);
}

/* A command by its original name (rename-command does not change ACL
 * rules), "name" or "container|sub". NULL if unknown. */
static command *lookup_original(const char *name) {
    const char *bar = strchr(name, '|');
    size_t len = bar ? (size_t)(bar - name) : strlen(name);
    for (int i = 0; i < ncmd_ids; i++) {
        command *c = by_id[i];
        if (c->parent || strlen(c->name) != len || strncasecmp(c->name, name, len) != 0) continue;
        if (bar == NULL) return c;
        if (c->subcmds == NULL || strchr(bar + 1, '|')) return NULL;
        for (command *s = c->subcmds; s->name; s++)
            if (strcasecmp(s->name, bar + 1) == 0) return s;
        return NULL;
    }
    return NULL;
}

/* ---- Selectors ---- */

static bool get_bit(const selector *s, int id) { return (s->allowed[id / 64] >> (id % 64)) & 1; }

static void set_bit(selector *s, int id, bool on) {
    if (on) {
        s->allowed[id / 64] |= 1ull << (id % 64);
    } else {
        s->allowed[id / 64] &= ~(1ull << (id % 64));
        s->flags &= ~SEL_ALLCOMMANDS;
    }
}

static void patterns_clear(pattern **arr, int *n) {
    for (int i = 0; i < *n; i++) str_free((*arr)[i].text);
    mem_free(*arr);
    *arr = NULL;
    *n = 0;
}

/* The key patterns changed: what the check derives from them follows. */
static void keys_changed(selector *s) {
    s->partial_perms = false;
    bool plain = true;
    for (int i = 0; i < s->nkeys; i++) {
        s->partial_perms |= s->keys[i].perm != PERM_ALL;
        plain &= s->keys[i].kind != PAT_GLOB && s->keys[i].plen > 0;
    }
    s->key_fast = (s->flags & SEL_ALLKEYS) ? KEYS_ALL
                  : s->partial_perms       ? KEYS_PARTIAL
                  : plain                  ? KEYS_PLAIN
                                           : KEYS_ANY;
    mem_free(s->sorted);
    mem_free(s->by_first);
    s->sorted = NULL;
    s->by_first = NULL;
    s->nany = 0;
    if (s->nkeys == 0 || s->nkeys > UINT16_MAX) return;
    s->sorted = mem_alloc(sizeof(pattern) * (size_t)s->nkeys);
    s->by_first = mem_calloc(sizeof(uint16_t) * 257);
    int n = 0;
    for (int i = 0; i < s->nkeys; i++) /* counting sort: any first, then by byte */
        if (s->keys[i].kind == PAT_GLOB || s->keys[i].plen == 0) s->sorted[n++] = s->keys[i];
    s->nany = n;
    for (int b = 0; b < 256; b++) {
        s->by_first[b] = (uint16_t)n;
        for (int i = 0; i < s->nkeys; i++) {
            const pattern *p = &s->keys[i];
            if (p->kind != PAT_GLOB && p->plen && (unsigned char)p->first == b) s->sorted[n++] = *p;
        }
    }
    s->by_first[256] = (uint16_t)n;
}

static void firstargs_reset(selector *s, int id) {
    int w = 0;
    for (int i = 0; i < s->nfa; i++) {
        if (id >= 0 && s->fa[i].id != id) {
            s->fa[w++] = s->fa[i];
            continue;
        }
        str_free(s->fa[i].arg);
    }
    s->nfa = w;
    if (w == 0) {
        mem_free(s->fa);
        s->fa = NULL;
    }
}

static selector *selector_new(unsigned flags) {
    selector *s = mem_calloc(sizeof(*s));
    s->flags = flags | (cfg.acl_pubsub_default ? SEL_ALLCHANNELS : 0);
    keys_changed(s);
    return s;
}

static void selector_free(selector *s) {
    if (s == NULL) return;
    patterns_clear(&s->keys, &s->nkeys);
    patterns_clear(&s->chans, &s->nchans);
    mem_free(s->sorted);
    mem_free(s->by_first);
    firstargs_reset(s, -1);
    mem_free(s);
}

static pattern *patterns_copy(const pattern *src, int n) {
    if (n == 0) return NULL;
    pattern *p = mem_alloc(sizeof(*p) * (size_t)n);
    for (int i = 0; i < n; i++) {
        p[i] = src[i];
        p[i].text = str_new(src[i].text->buf, src[i].text->len);
    }
    return p;
}

static selector *selector_copy(const selector *src) {
    selector *s = mem_alloc(sizeof(*s));
    *s = *src;
    s->keys = patterns_copy(src->keys, src->nkeys);
    s->chans = patterns_copy(src->chans, src->nchans);
    s->sorted = NULL;
    s->by_first = NULL;
    keys_changed(s);
    s->fa = NULL;
    s->nfa = 0;
    if (src->nfa) {
        s->fa = mem_alloc(sizeof(*s->fa) * (size_t)src->nfa);
        for (int i = 0; i < src->nfa; i++)
            s->fa[i] = (firstarg){src->fa[i].id, str_new(src->fa[i].arg->buf, src->fa[i].arg->len)};
        s->nfa = src->nfa;
    }
    return s;
}

/* Allow or deny one command; a container's subcommands follow it. */
static void change_perm(selector *s, command *cmd, bool allow) {
    set_bit(s, cmd->acl_id, allow);
    if (s->nfa) firstargs_reset(s, cmd->acl_id);
    for (command *sub = cmd->subcmds; sub && sub->name; sub++) set_bit(s, sub->acl_id, allow);
}

static void change_category(selector *s, uint64_t cat, bool allow) {
    for (int i = 0; i < ncmd_ids; i++)
        if (by_id[i]->acl & cat) change_perm(s, by_id[i], allow);
}

static void add_firstarg(selector *s, int id, const char *arg) {
    for (int i = 0; i < s->nfa; i++)
        if (s->fa[i].id == id && strcasecmp(s->fa[i].arg->buf, arg) == 0) return;
    s->fa = mem_realloc(s->fa, sizeof(*s->fa) * (size_t)(s->nfa + 1));
    s->fa[s->nfa++] = (firstarg){id, str_from(arg)};
}

static void add_pattern(pattern **arr, int *n, const char *p, size_t len, int perm) {
    for (int i = 0; i < *n; i++) {
        if ((*arr)[i].text->len == len && memcmp((*arr)[i].text->buf, p, len) == 0) {
            (*arr)[i].perm |= perm;
            return;
        }
    }
    *arr = mem_realloc(*arr, sizeof(**arr) * (size_t)(*n + 1));
    (*arr)[(*n)++] = pattern_make(p, len, perm);
}

/* +cmd, +cmd|sub, +cmd|firstarg (a command without subcommands). */
static int allow_command_rule(selector *s, const char *name) {
    const char *bar = strrchr(name, '|');
    if (bar == NULL) {
        command *cmd = lookup_original(name);
        if (cmd == NULL) return RULE_UNKNOWN;
        change_perm(s, cmd, true);
        return RULE_OK;
    }
    char base[256];
    size_t blen = (size_t)(bar - name);
    if (blen >= sizeof(base)) return RULE_UNKNOWN;
    memcpy(base, name, blen);
    base[blen] = '\0';
    command *cmd = lookup_original(base);
    if (cmd == NULL) return RULE_UNKNOWN;
    if (cmd->parent) return RULE_FIRSTARG_OF_SUB;
    if (bar[1] == '\0') return RULE_SYNTAX;
    if (cmd->subcmds) {
        command *sub = lookup_original(name);
        if (sub == NULL) return RULE_UNKNOWN;
        change_perm(s, sub, true);
        return RULE_OK;
    }
    log_msg(LOG_WARNING,
            "Deprecation warning: Allowing a first arg of an otherwise blocked command is a "
            "misuse of ACL and may get disabled in the future (offender: +%s)",
            name);
    add_firstarg(s, cmd->acl_id, bar + 1);
    return RULE_OK;
}

/* %R~, %W~, %RW~ (any order, each once): the permission, or 0. */
static int parse_key_perm(const char *op, size_t len, size_t *off) {
    int perm = 0;
    size_t i = 1;
    for (; i < len; i++) {
        int c = toupper((unsigned char)op[i]);
        if (c == 'R' && !(perm & PERM_READ)) perm |= PERM_READ;
        else if (c == 'W' && !(perm & PERM_WRITE)) perm |= PERM_WRITE;
        else if (op[i] == '~') break;
        else return 0;
    }
    if (perm == 0) return 0;
    *off = i < len ? i + 1 : len; /* Redis takes "%R" as "%R~" (an empty pattern) */
    return perm;
}

/* One rule that applies to a selector (Redis's ACLSetSelector). op is
 * NUL-terminated (rules reach here as C strings), len its length. */
static int selector_set(selector *s, const char *op, size_t len) {
    if (!strcasecmp(op, "allkeys") || !strcasecmp(op, "~*")) {
        s->flags |= SEL_ALLKEYS;
        patterns_clear(&s->keys, &s->nkeys);
        keys_changed(s);
    } else if (!strcasecmp(op, "resetkeys")) {
        s->flags &= ~SEL_ALLKEYS;
        patterns_clear(&s->keys, &s->nkeys);
        keys_changed(s);
    } else if (!strcasecmp(op, "allchannels") || !strcasecmp(op, "&*")) {
        s->flags |= SEL_ALLCHANNELS;
        patterns_clear(&s->chans, &s->nchans);
    } else if (!strcasecmp(op, "resetchannels")) {
        s->flags &= ~SEL_ALLCHANNELS;
        patterns_clear(&s->chans, &s->nchans);
    } else if (!strcasecmp(op, "allcommands") || !strcasecmp(op, "+@all")) {
        memset(s->allowed, 255, sizeof(s->allowed));
        s->flags |= SEL_ALLCOMMANDS;
        firstargs_reset(s, -1);
    } else if (!strcasecmp(op, "nocommands") || !strcasecmp(op, "-@all")) {
        memset(s->allowed, 0, sizeof(s->allowed));
        s->flags &= ~SEL_ALLCOMMANDS;
        firstargs_reset(s, -1);
    } else if (op[0] == '~' || op[0] == '%') {
        if (s->flags & SEL_ALLKEYS) return RULE_KEYS_AFTER_ALL;
        size_t off = 1;
        int perm = op[0] == '%' ? parse_key_perm(op, len, &off) : PERM_ALL;
        if (perm == 0 || acl_has_spaces(op + off, len - off)) return RULE_SYNTAX;
        add_pattern(&s->keys, &s->nkeys, op + off, len - off, perm);
        s->flags &= ~SEL_ALLKEYS;
        keys_changed(s);
    } else if (op[0] == '&') {
        if (s->flags & SEL_ALLCHANNELS) return RULE_CHANNELS_AFTER_ALL;
        if (acl_has_spaces(op + 1, len - 1)) return RULE_SYNTAX;
        add_pattern(&s->chans, &s->nchans, op + 1, len - 1, 0);
        s->flags &= ~SEL_ALLCHANNELS;
    } else if (op[0] == '+' && op[1] != '@') {
        return allow_command_rule(s, op + 1);
    } else if (op[0] == '-' && op[1] != '@') {
        command *cmd = lookup_original(op + 1);
        if (cmd == NULL) return RULE_UNKNOWN;
        change_perm(s, cmd, false);
    } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
        uint64_t cat = category_by_name(op + 2);
        if (cat == 0) return RULE_UNKNOWN;
        change_category(s, cat, op[0] == '+');
    } else {
        return RULE_SYNTAX;
    }
    return RULE_OK;
}

/* ---- Users ---- */

acl_user *acl_user_new(const char *name, size_t len) {
    acl_user *u = mem_calloc(sizeof(*u));
    u->name = str_new(name, len);
    u->flags = USER_OFF;
    u->sels = mem_alloc(sizeof(*u->sels));
    u->sels[0] = selector_new(SEL_ROOT);
    u->nsels = 1;
    return u;
}

void acl_user_free(acl_user *u) {
    if (u == NULL) return;
    str_free(u->name);
    mem_free(u->pass);
    for (int i = 0; i < u->nsels; i++) selector_free(u->sels[i]);
    mem_free(u->sels);
    mem_free(u);
}

/* dst gets src's rules (not its name). */
void acl_user_copy_rules(acl_user *dst, const acl_user *src) {
    mem_free(dst->pass);
    for (int i = 0; i < dst->nsels; i++) selector_free(dst->sels[i]);
    mem_free(dst->sels);
    dst->flags = src->flags;
    dst->npass = src->npass;
    dst->pass = src->npass ? mem_alloc(sizeof(*dst->pass) * (size_t)src->npass) : NULL;
    if (src->npass) memcpy(dst->pass, src->pass, sizeof(*dst->pass) * (size_t)src->npass);
    dst->nsels = src->nsels;
    dst->sels = mem_alloc(sizeof(*dst->sels) * (size_t)src->nsels);
    for (int i = 0; i < src->nsels; i++) dst->sels[i] = selector_copy(src->sels[i]);
}

static int find_pass(const acl_user *u, const char *hex) {
    for (int i = 0; i < u->npass; i++)
        if (memcmp(u->pass[i], hex, 64) == 0) return i;
    return -1;
}

static void clear_selectors(acl_user *u) {
    for (int i = 1; i < u->nsels; i++) selector_free(u->sels[i]);
    u->nsels = 1;
}

int acl_user_set(acl_user *u, const char *op, size_t len);

/* "(rule rule ...)": a new selector, or the error of its first bad rule. */
static int add_selector(acl_user *u, const char *op, size_t len) {
    selector *s = selector_new(0);
    str *inner = str_new(op + 1, len - 2);
    str **words = NULL;
    int n = str_split_args(inner->buf, &words);
    int rc = n < 0 ? RULE_SYNTAX : RULE_OK;
    for (int i = 0; i < n && rc == RULE_OK; i++) rc = selector_set(s, words[i]->buf, words[i]->len);
    if (n > 0) str_free_args(words, n);
    str_free(inner);
    if (rc != RULE_OK) {
        selector_free(s);
        return rc;
    }
    u->sels = mem_realloc(u->sels, sizeof(*u->sels) * (size_t)(u->nsels + 1));
    u->sels[u->nsels++] = s;
    return RULE_OK;
}

/* One rule for a user (Redis's ACLSetUser); RULE_OK or why not. */
int acl_user_set(acl_user *u, const char *op, size_t len) {
    if (len == 0) return RULE_OK;
    if (!strcasecmp(op, "on")) {
        u->flags = (u->flags | USER_ON) & ~USER_OFF;
    } else if (!strcasecmp(op, "off")) {
        u->flags = (u->flags | USER_OFF) & ~USER_ON;
    } else if (!strcasecmp(op, "skip-sanitize-payload")) {
        u->flags = (u->flags | USER_SKIP_SANITIZE) & ~USER_SANITIZE;
    } else if (!strcasecmp(op, "sanitize-payload")) {
        u->flags = (u->flags | USER_SANITIZE) & ~USER_SKIP_SANITIZE;
    } else if (!strcasecmp(op, "nopass") || !strcasecmp(op, "resetpass")) {
        if (op[0] == 'n' || op[0] == 'N') u->flags |= USER_NOPASS;
        else u->flags &= ~USER_NOPASS;
        mem_free(u->pass);
        u->pass = NULL;
        u->npass = 0;
    } else if (op[0] == '>' || op[0] == '#') {
        char hex[65];
        if (op[0] == '>') {
            hash_password(op + 1, len - 1, hex);
        } else {
            if (!valid_hash(op + 1, len - 1)) return RULE_BAD_HASH;
            memcpy(hex, op + 1, 64);
            hex[64] = '\0';
        }
        if (find_pass(u, hex) < 0) {
            u->pass = mem_realloc(u->pass, sizeof(*u->pass) * (size_t)(u->npass + 1));
            memcpy(u->pass[u->npass++], hex, 65);
        }
        u->flags &= ~USER_NOPASS;
    } else if (op[0] == '<' || op[0] == '!') {
        char hex[65];
        if (op[0] == '<') {
            hash_password(op + 1, len - 1, hex);
        } else {
            if (!valid_hash(op + 1, len - 1)) return RULE_BAD_HASH;
            memcpy(hex, op + 1, 64);
        }
        int i = find_pass(u, hex);
        if (i < 0) return RULE_NO_SUCH_PASS;
        memmove(u->pass[i], u->pass[i + 1], sizeof(*u->pass) * (size_t)(u->npass - i - 1));
        u->npass--;
    } else if (op[0] == '(' && op[len - 1] == ')') {
        return add_selector(u, op, len);
    } else if (!strcasecmp(op, "clearselectors")) {
        clear_selectors(u);
    } else if (!strcasecmp(op, "reset")) {
        acl_user_set(u, "resetpass", 9);
        selector *root = u->sels[0];
        selector_set(root, "resetkeys", 9);
        selector_set(root, "resetchannels", 13);
        if (cfg.acl_pubsub_default) selector_set(root, "allchannels", 11);
        acl_user_set(u, "off", 3);
        acl_user_set(u, "sanitize-payload", 16);
        clear_selectors(u);
        selector_set(root, "-@all", 5);
    } else {
        return selector_set(u->sels[0], op, len);
    }
    return RULE_OK;
}

bool acl_user_is_off(const acl_user *u) { return u->flags & USER_OFF; }

/* May u do anything at all (the dispatcher's fast path)? One selector
 * with every permission. */
static bool user_is_open(const acl_user *u) {
    for (int i = 0; i < u->nsels; i++) {
        unsigned all = SEL_ALLCOMMANDS | SEL_ALLKEYS | SEL_ALLCHANNELS;
        if ((u->sels[i]->flags & all) == all) return true;
    }
    return false;
}

/* The default user changed: the dispatcher's shortcuts follow it. */
void acl_default_changed(void) {
    srv.acl_default_open = user_is_open(acl_default_user);
    srv.acl_default_nopass = acl_default_user->flags & USER_NOPASS;
    srv.acl_default_needs_auth = !srv.acl_default_nopass || (acl_default_user->flags & USER_OFF);
}

static int user_index(const char *name, size_t len, bool *found) {
    int lo = 0, hi = acl_nusers;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        const str *n = acl_all_users[mid]->name;
        size_t m = n->len < len ? n->len : len;
        int c = memcmp(n->buf, name, m);
        if (c == 0) c = n->len < len ? -1 : (n->len > len ? 1 : 0);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = false;
    return lo;
}

acl_user *acl_user_find(const char *name, size_t len) {
    bool found;
    int i = user_index(name, len, &found);
    return found ? acl_all_users[i] : NULL;
}

void acl_user_insert(acl_user *u) {
    bool found;
    int i = user_index(u->name->buf, u->name->len, &found);
    ASSERT(!found);
    acl_all_users = mem_realloc(acl_all_users, sizeof(*acl_all_users) * (size_t)(acl_nusers + 1));
    memmove(acl_all_users + i + 1, acl_all_users + i,
            sizeof(*acl_all_users) * (size_t)(acl_nusers - i));
    acl_all_users[i] = u;
    acl_nusers++;
}

void acl_user_unlink(acl_user *u) {
    bool found;
    int i = user_index(u->name->buf, u->name->len, &found);
    ASSERT(found && acl_all_users[i] == u);
    memmove(acl_all_users + i, acl_all_users + i + 1,
            sizeof(*acl_all_users) * (size_t)(acl_nusers - i - 1));
    acl_nusers--;
}

static acl_user *user_of(const client *c) { return c->user ? c->user : acl_default_user; }

static void set_client_user(client *c, acl_user *u) {
    c->user = u == acl_default_user ? NULL : u;
    c->user_name = u == acl_default_user ? NULL : u->name->buf;
}

/* A deleted user: its clients go back to the unauthenticated default
 * user and are closed (after this reply, for the client running now). */
void acl_kill_user_clients(acl_user *u) {
    for (client *c = srv.clients; c; c = c->next) {
        if (c->user != u) continue;
        set_client_user(c, acl_default_user);
        c->authenticated = false;
        if (c == srv.current) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else client_close_async(c);
    }
}

/* ---- Describing users (ACL LIST, GETUSER, SAVE, CONFIG REWRITE) ---- */

static void count_category(const selector *s, uint64_t cat, unsigned long *on, unsigned long *off) {
    *on = *off = 0;
    for (int i = 0; i < ncmd_ids; i++) {
        if (!(by_id[i]->acl & cat)) continue;
        if (get_bit(s, i)) (*on)++;
        else (*off)++;
    }
}

/* Emit the +/- single commands that make 'fake' equal 's' (and the
 * first-arg exceptions), for cmd then its subcommands. */
static str *describe_single(const selector *s, selector *fake, str *out, command *cmd) {
    bool userbit = get_bit(s, cmd->acl_id), fakebit = get_bit(fake, cmd->acl_id);
    if (userbit != fakebit) {
        out = str_catfmt(out, "%c%s ", userbit ? '+' : '-', cmd->fullname);
        change_perm(fake, cmd, userbit);
    }
    for (command *sub = cmd->subcmds; sub && sub->name; sub++)
        out = describe_single(s, fake, out, sub);
    if (!userbit)
        for (int i = 0; i < s->nfa; i++)
            if (s->fa[i].id == cmd->acl_id)
                out = str_catfmt(out, "+%s|%s ", cmd->fullname, s->fa[i].arg->buf);
    return out;
}

/* The command rules of a selector, as Redis 7.0 rebuilds them: +@all or
 * -@all, then the best-fitting categories one at a time, then single
 * commands. Redis lists single commands in hash-table order; castor in
 * table order (Redis itself says the order is not stable). */
static str *describe_commands(const selector *s) {
    selector fake = {0}, temp = {0};
    bool additive = !get_bit(s, FUTURE_BIT);
    str *out = str_from(additive ? "-@all " : "+@all ");
    if (!additive) memset(fake.allowed, 255, sizeof(fake.allowed));
    memcpy(temp.allowed, s->allowed, sizeof(temp.allowed));
    bool applied[NCATEGORIES] = {false};
    for (;;) {
        int best = -1;
        unsigned long mindiff = (unsigned long)-1, maxsame = 0;
        for (int j = 0; j < NCATEGORIES; j++) {
            if (applied[j]) continue;
            unsigned long on, off;
            count_category(&temp, CAT_FLAG(j), &on, &off);
            unsigned long diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = j;
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best == -1) break;
        change_category(&fake, CAT_FLAG(best), additive);
        change_category(&temp, CAT_FLAG(best), !additive);
        out = str_catfmt(out, "%c@%s ", additive ? '+' : '-', CAT_NAME(best));
        applied[best] = true;
    }
    for (int i = 0; i < ncmd_ids; i++)
        if (by_id[i]->parent == NULL) out = describe_single(s, &fake, out, by_id[i]);
    firstargs_reset(&fake, -1);
    str_setlen(out, out->len - 1);
    /* Aborting beats a description that grants something else (Redis too). */
    ASSERT(memcmp(fake.allowed, s->allowed, sizeof(fake.allowed)) == 0);
    return out;
}

static str *cat_pattern(str *out, const pattern *p) {
    const char *prefix = p->perm == PERM_ALL ? "~" : (p->perm == PERM_READ ? "%R~" : "%W~");
    out = str_catc(out, prefix);
    return str_cat(out, p->text->buf, p->text->len);
}

static str *describe_selector(const selector *s) {
    str *out = str_new(NULL, 0);
    if (s->flags & SEL_ALLKEYS) {
        out = str_catc(out, "~* ");
    } else {
        for (int i = 0; i < s->nkeys; i++) out = str_catc(cat_pattern(out, &s->keys[i]), " ");
    }
    if (s->flags & SEL_ALLCHANNELS) {
        out = str_catc(out, "&* ");
    } else {
        out = str_catc(out, "resetchannels ");
        for (int i = 0; i < s->nchans; i++) out = str_catfmt(out, "&%s ", s->chans[i].text->buf);
    }
    str *rules = describe_commands(s);
    out = str_cat(out, rules->buf, rules->len);
    str_free(rules);
    return out;
}

static const struct {
    const char *name;
    unsigned flag;
} user_flags[] = {{"on", USER_ON},
                  {"off", USER_OFF},
                  {"nopass", USER_NOPASS},
                  {"skip-sanitize-payload", USER_SKIP_SANITIZE},
                  {"sanitize-payload", USER_SANITIZE}};
#define NUSER_FLAGS ((int)(sizeof(user_flags) / sizeof(user_flags[0])))

/* "user <name> <rules>": the line of ACL LIST, the ACL file and redis.conf. */
str *acl_describe_user_line(const acl_user *u) {
    str *out = str_fmt("user %s ", u->name->buf);
    for (int i = 0; i < NUSER_FLAGS; i++)
        if (u->flags & user_flags[i].flag) out = str_catfmt(out, "%s ", user_flags[i].name);
    for (int i = 0; i < u->npass; i++) out = str_catfmt(out, "#%s ", u->pass[i]);
    for (int i = 0; i < u->nsels; i++) {
        str *d = describe_selector(u->sels[i]);
        out = i == 0 ? str_cat(out, d->buf, d->len) : str_catfmt(out, " (%s)", d->buf);
        str_free(d);
    }
    return out;
}

void acl_foreach_user_line(acl_line_fn *fn, void *priv) {
    if (cfg.aclfile && cfg.aclfile[0]) return;
    for (int i = 0; i < acl_nusers; i++) fn(acl_describe_user_line(acl_all_users[i]), priv);
}

/* ---- Permission checks ---- */

/* The keys of a request, found once for all selectors. */
typedef struct keyset {
    bool init;
    bool perms; /* perm[] is filled (only selectors with partial_perms need it) */
    int n;
    int *pos;
    int *perm; /* PERM_* each key needs */
    int small_pos[16], small_perm[16];
} keyset;

static void keyset_fill(keyset *ks, command *cmd, int argc, slice *argv, bool perms) {
    ks->init = true;
    ks->perms = perms;
    ks->pos = ks->small_pos;
    ks->perm = ks->small_perm;
    int cap = argc < 16 ? 16 : argc;
    if (cap > 16) {
        ks->pos = mem_alloc(sizeof(int) * (size_t)cap);
        ks->perm = mem_alloc(sizeof(int) * (size_t)cap);
    }
    int n;
    if (cmd->getkeys == NULL && cmd->keys.step == 1 && cmd->keys.last == cmd->keys.first) {
        n = argc > cmd->keys.first; /* one key (GET, SET...): no call */
        ks->pos[0] = cmd->keys.first;
    } else {
        n = cmdtable_get_keys(cmd, argc, argv, ks->pos, cap);
    }
    ks->n = n < 0 ? 0 : n;
    /* Without perms wanted, only commands whose specs mark names that are
     * no keys (shard channels) need the flags. */
    if (!perms && plain_keys[cmd->acl_id]) return;
    const cmd_meta *m = meta_by_id[cmd->acl_id];
    ks->perms = true;
    int w = 0;
    for (int i = 0; i < ks->n; i++) {
        unsigned f = cmdinfo_key_flags_meta(cmd, m, argc, argv, ks->pos[i]);
        if (f & KS_NOT_KEY) continue; /* a shard channel: checked as a channel */
        int perm = 0;
        if (f & KS_ACCESS) perm |= PERM_READ;
        if (f & (KS_INSERT | KS_DELETE | KS_UPDATE)) perm |= PERM_WRITE;
        ks->pos[w] = ks->pos[i];
        ks->perm[w++] = perm;
    }
    ks->n = w;
}

static void keyset_clear(keyset *ks) {
    if (ks->init && ks->pos != ks->small_pos) {
        mem_free(ks->pos);
        mem_free(ks->perm);
    }
    ks->init = false;
}

static inline __attribute__((always_inline)) bool key_pattern_ok(const pattern *p, const char *key,
                                                                 size_t len, int perm) {
    return (p->perm & perm) == perm && pattern_match(p, key, len);
}

static inline __attribute__((always_inline)) bool selector_key_ok(const selector *s,
                                                                  const char *key, size_t len,
                                                                  int perm) {
    if (s->flags & SEL_ALLKEYS) return true;
    if (s->by_first == NULL || len == 0) {
        for (int i = 0; i < s->nkeys; i++)
            if (key_pattern_ok(&s->keys[i], key, len, perm)) return true;
        return false;
    }
    for (int i = 0; i < s->nany; i++)
        if (key_pattern_ok(&s->sorted[i], key, len, perm)) return true;
    unsigned char b = (unsigned char)key[0];
    for (int i = s->by_first[b]; i < s->by_first[b + 1]; i++)
        if (key_pattern_ok(&s->sorted[i], key, len, perm)) return true;
    return false;
}

/* A channel against a selector's patterns: glob-matched, or for
 * PSUBSCRIBE's patterns compared literally. */
static bool channel_ok(const pattern *pats, int n, const char *ch, size_t len, bool literal) {
    for (int i = 0; i < n; i++) {
        const str *t = pats[i].text;
        if (literal ? (t->len == len && memcmp(t->buf, ch, len) == 0)
                    : pattern_match(&pats[i], ch, len))
            return true;
    }
    return false;
}

static inline __attribute__((always_inline)) int selector_check(const selector *s, command *cmd,
                                                                int argc, slice *argv, int *pos,
                                                                keyset *ks) {
    if (!(s->flags & SEL_ALLCOMMANDS) && !(cmd->flags & CMD_NO_AUTH) && !get_bit(s, cmd->acl_id)) {
        int idx = cmd->parent ? 2 : 1;
        bool ok = false;
        for (int i = 0; i < s->nfa && !ok && idx < argc; i++)
            ok = s->fa[i].id == cmd->acl_id &&
                 util_strcaseeq(argv[idx].ptr, argv[idx].len, s->fa[i].arg->buf);
        if (!ok) return ACL_DENIED_CMD;
    }
    if (!(s->flags & SEL_ALLKEYS) && one_key[cmd->acl_id] && !s->partial_perms) {
        /* One key and any pattern will do (GET, SET, INCR...): no key set. */
        int k = one_key[cmd->acl_id];
        if (k < argc && !selector_key_ok(s, argv[k].ptr, argv[k].len, 0)) {
            *pos = k;
            return ACL_DENIED_KEY;
        }
    } else if (!(s->flags & SEL_ALLKEYS) && (cmd->keys.first || cmd->getkeys)) {
        if (!ks->init || (s->partial_perms && !ks->perms)) {
            keyset_clear(ks);
            keyset_fill(ks, cmd, argc, argv, s->partial_perms);
        }
        for (int i = 0; i < ks->n; i++) {
            const slice *k = &argv[ks->pos[i]];
            if (!selector_key_ok(s, k->ptr, k->len, ks->perms ? ks->perm[i] : 0)) {
                *pos = ks->pos[i];
                return ACL_DENIED_KEY;
            }
        }
    }
    if (!(s->flags & SEL_ALLCHANNELS) && (cmd->flags & CMD_PUBSUB)) {
        int first = 0, last = -1;
        bool literal = false;
        if (cmd == cmd_publish || cmd == cmd_spublish) first = last = 1;
        else if (cmd == cmd_subscribe || cmd == cmd_ssubscribe) first = 1, last = argc - 1;
        else if (cmd == cmd_psubscribe) first = 1, last = argc - 1, literal = true;
        for (int j = first; j <= last && j >= 1; j++) {
            if (!channel_ok(s->chans, s->nchans, argv[j].ptr, argv[j].len, literal)) {
                *pos = j;
                return ACL_DENIED_CHANNEL;
            }
        }
    }
    return ACL_OK;
}

/* Redis's ACLCheckAllUserCommandPerm: OK if one selector allows it; else
 * the command if none does, or the last key or channel none matched. */
static int check_user(const acl_user *u, command *cmd, int argc, slice *argv, int *pos) {
    int relevant = ACL_DENIED_CMD, last = 0;
    keyset ks;
    ks.init = false; /* filled by the first selector that needs the keys */
    for (int i = 0; i < u->nsels; i++) {
        int p = 0;
        int rc = selector_check(u->sels[i], cmd, argc, argv, &p, &ks);
        if (rc == ACL_OK) {
            keyset_clear(&ks);
            return ACL_OK;
        }
        if (rc > relevant || (rc == relevant && p > last)) {
            relevant = rc;
            last = p;
        }
    }
    keyset_clear(&ks);
    *pos = last;
    return relevant;
}

/* ---- The log ---- */

enum { CTX_TOPLEVEL, CTX_MULTI, CTX_LUA };
#define LOG_GROUPING_MS 60000

typedef struct log_entry {
    long long count;
    int reason, context;
    str *object, *username, *cinfo;
    long long ctime;
} log_entry;

static log_entry **log_entries; /* newest first */
static int log_len;

static void entry_free(log_entry *e) {
    str_free(e->object);
    str_free(e->username);
    str_free(e->cinfo);
    mem_free(e);
}

/* Log a refusal; 'object' (taken) is the command, key, channel or AUTH. */
static void log_add(client *info_of, int reason, int context, const str *username, str *object) {
    log_entry *e = mem_calloc(sizeof(*e));
    e->count = 1;
    e->reason = reason;
    e->context = context;
    e->object = object;
    e->username = str_new(username->buf, username->len);
    e->ctime = util_mstime();
    e->cinfo = client_info_line(str_new(NULL, 0), info_of);
    /* A similar entry among the latest ten is bumped instead. */
    for (int i = 0; i < log_len && i < 10; i++) {
        log_entry *m = log_entries[i];
        long long delta = m->ctime - e->ctime;
        if (m->reason != e->reason || m->context != e->context || delta > LOG_GROUPING_MS ||
            delta < -LOG_GROUPING_MS || !str_eq(m->object, e->object) ||
            !str_eq(m->username, e->username))
            continue;
        memmove(log_entries + 1, log_entries, sizeof(*log_entries) * (size_t)i);
        log_entries[0] = m;
        str_free(m->cinfo);
        m->cinfo = e->cinfo;
        e->cinfo = NULL;
        m->ctime = e->ctime;
        m->count++;
        entry_free(e);
        return;
    }
    log_entries = mem_realloc(log_entries, sizeof(*log_entries) * (size_t)(log_len + 1));
    memmove(log_entries + 1, log_entries, sizeof(*log_entries) * (size_t)log_len);
    log_entries[0] = e;
    log_len++;
    while (log_len > 0 && (long long)log_len > cfg.acllog_max_len)
        entry_free(log_entries[--log_len]);
}

static void log_refusal(client *c, client *info_of, const acl_user *u, int reason, int context,
                        command *cmd, slice *argv, int pos) {
    str *object =
        reason == ACL_DENIED_CMD ? str_from(cmd->fullname) : str_new(argv[pos].ptr, argv[pos].len);
    (void)c;
    log_add(info_of, reason, context, u->name, object);
}

/* ---- The dispatcher's questions ---- */

/* selector_key_ok() out of line, for selectors the glob matcher may serve. */
static __attribute__((noinline)) bool any_key_ok(const selector *s, const char *key, size_t len) {
    return selector_key_ok(s, key, len, 0);
}

/* selector_key_ok() for a selector whose patterns are all literals and
 * prefixes of at least a byte (KEYS_PLAIN), any permission: no call. */
static inline __attribute__((always_inline)) bool plain_key_ok(const selector *s, const char *key,
                                                               size_t len) {
    if (len == 0) return false; /* neither "abc" nor "abc*" matches "" */
    if (s->by_first == NULL) return any_key_ok(s, key, len); /* none, or 64K+ */
    /* No "any" patterns here: only those starting with the key's byte. */
    const pattern *p = s->sorted + s->by_first[(unsigned char)key[0]];
    const pattern *end = s->sorted + s->by_first[(unsigned char)key[0] + 1];
    for (; p < end; p++)
        if ((p->kind == PAT_PREFIX ? len >= p->plen : len == p->plen) && head_match(p, key, len))
            return true;
    return false;
}

/* The common request in a few tests: the root selector allows the
 * command by its bit, and it names no channel and no key, or one key
 * that needs no flags (GET, SET...). False when that does not settle it
 * (check_user() decides, from the start). */
static inline bool root_allows(const selector *s, const command *cmd, int argc, const slice *argv) {
    unsigned id = (unsigned)cmd->acl_id;
    if (!((s->allowed[id / 64] >> (id % 64)) & 1)) return false;
    if ((cmd->flags & CMD_PUBSUB) && !(s->flags & SEL_ALLCHANNELS)) return false;
    int k = one_key[id];
    if (k == 0) return (cmd->keys.first == 0 && cmd->getkeys == NULL) || s->key_fast == KEYS_ALL;
    if (k >= argc || s->key_fast == KEYS_ALL) return true;
    if (s->key_fast == KEYS_PLAIN) return plain_key_ok(s, argv[k].ptr, argv[k].len);
    return s->key_fast == KEYS_ANY && any_key_ok(s, argv[k].ptr, argv[k].len);
}

/* acl_admit() past root_allows(): every selector, and a refusal logged.
 * Out of line, so that the common case saves no registers. */
static __attribute__((noinline)) const char *admit_checked(client *c, command *cmd) {
    acl_user *u = user_of(c);
    int pos = 0;
    int rc = check_user(u, cmd, c->argc, c->argv, &pos);
    if (rc == ACL_OK) return NULL;
    log_refusal(c, c, u, rc, (c->flags & CLIENT_MULTI) ? CTX_MULTI : CTX_TOPLEVEL, cmd, c->argv,
                pos);
    static char buf[256];
    if (rc == ACL_DENIED_CMD) snprintf(buf, sizeof(buf), ERR_NOPERM_COMMAND, cmd->fullname);
    else if (rc == ACL_DENIED_KEY) snprintf(buf, sizeof(buf), ERR_NOPERM_KEY);
    else snprintf(buf, sizeof(buf), ERR_NOPERM_CHANNEL);
    return buf;
}

const char *acl_admit(client *c, command *cmd) {
    /* Our master and the AOF loader run everything (Redis: no user). */
    if (c->flags & (CLIENT_MASTER | CLIENT_FAKE)) return NULL;
    if (root_allows(user_of(c)->sels[0], cmd, c->argc, c->argv)) return NULL;
    return admit_checked(c, cmd);
}

const char *acl_admit_script(client *fc, client *caller, command *cmd) {
    if (caller->flags & (CLIENT_MASTER | CLIENT_FAKE)) return NULL;
    acl_user *u = user_of(caller);
    if (u == acl_default_user && srv.acl_default_open) return NULL;
    int pos = 0;
    int rc = check_user(u, cmd, fc->argc, fc->argv, &pos);
    if (rc == ACL_OK) return NULL;
    log_refusal(fc, caller, u, rc, CTX_LUA, cmd, fc->argv, pos);
    if (rc == ACL_DENIED_CMD) return ERR_SCRIPT_ACL_COMMAND;
    if (rc == ACL_DENIED_KEY) return ERR_SCRIPT_ACL_KEY;
    return ERR_SCRIPT_ACL_CHANNEL;
}

bool acl_may_run(const client *c, command *cmd, int argc, slice *argv) {
    if (c->flags & (CLIENT_MASTER | CLIENT_FAKE)) return true;
    acl_user *u = user_of(c);
    if (u == acl_default_user && srv.acl_default_open) return true;
    int pos = 0;
    return check_user(u, cmd, argc, argv, &pos) == ACL_OK;
}

const char *acl_recheck_queued(client *c) {
    if (c->flags & (CLIENT_MASTER | CLIENT_FAKE)) return NULL;
    acl_user *u = user_of(c);
    if (u == acl_default_user && srv.acl_default_open) return NULL;
    int pos = 0;
    int rc = check_user(u, c->cmd, c->argc, c->argv, &pos);
    if (rc == ACL_OK) return NULL;
    log_refusal(c, c, u, rc, CTX_MULTI, c->cmd, c->argv, pos);
    const char *reason = rc == ACL_DENIED_CMD ? "no permission to execute the command or subcommand"
                         : rc == ACL_DENIED_KEY
                             ? "no permission to touch the specified keys"
                             : "no permission to access one of the channels used as arguments";
    static char buf[320];
    snprintf(buf, sizeof(buf), ERR_NOPERM_EXEC_CHANGED, reason);
    return buf;
}

bool acl_client_has_full_key_access(const client *c) {
    if (c->flags & CLIENT_MASTER) return true;
    if ((c->flags & CLIENT_FAKE) && !(c->flags & CLIENT_SCRIPT)) return true;
    const acl_user *u = user_of(c);
    for (int i = 0; i < u->nsels; i++)
        if (selector_key_ok(u->sels[i], "*", 1, PERM_READ)) return true;
    return false;
}

/* ---- Authentication ---- */

/* Every byte counts, and the time taken says nothing of how much matched:
 * the SHA-256 of the attempt is compared with each hash in constant time. */
static bool credentials_ok(const acl_user *u, const slice *pass) {
    if (u->flags & USER_OFF) return false;
    if (u->flags & USER_NOPASS) return true;
    char hex[65];
    hash_password(pass->ptr, pass->len, hex);
    bool ok = false;
    for (int i = 0; i < u->npass; i++) ok |= CRYPTO_memcmp(hex, u->pass[i], 64) == 0;
    return ok;
}

bool acl_authenticate(client *c, const slice *user, const slice *pass) {
    acl_user *u = user ? acl_user_find(user->ptr, user->len) : acl_default_user;
    if (u && credentials_ok(u, pass)) {
        c->authenticated = true;
        set_client_user(c, u);
        return true;
    }
    str *name = user ? str_new(user->ptr, user->len) : str_from("default");
    log_add(c, ACL_DENIED_AUTH, (c->flags & CLIENT_MULTI) ? CTX_MULTI : CTX_TOPLEVEL, name,
            str_new(c->argv[0].ptr, c->argv[0].len));
    str_free(name);
    return false;
}

void acl_client_reset_user(client *c) {
    set_client_user(c, acl_default_user);
    c->authenticated = !srv.acl_default_needs_auth;
}

bool acl_user_exists(const slice *name) { return acl_user_find(name->ptr, name->len) != NULL; }

bool acl_client_is_user(const client *c, const slice *name) {
    if (c->flags & CLIENT_MASTER) return false; /* no user: "(superuser)" */
    const str *n = user_of(c)->name;
    return n->len == name->len && memcmp(n->buf, name->ptr, n->len) == 0;
}

void acl_set_default_password(const char *pass, size_t len) {
    acl_user_set(acl_default_user, "resetpass", 9);
    if (len) {
        str *op = str_new(">", 1);
        op = str_cat(op, pass, len);
        acl_user_set(acl_default_user, op->buf, op->len);
        str_free(op);
    } else {
        acl_user_set(acl_default_user, "nopass", 6);
    }
    acl_default_changed();
}

acl_user *acl_user_new_default(void) {
    acl_user *u = acl_user_new("default", 7);
    acl_user_set(u, "+@all", 5);
    acl_user_set(u, "~*", 2);
    acl_user_set(u, "&*", 2);
    acl_user_set(u, "on", 2);
    acl_user_set(u, "nopass", 6);
    return u;
}

void acl_init(void) {
    cmdtable_foreach(assign_ids, NULL);
    cmd_publish = lookup_original("publish");
    cmd_spublish = lookup_original("spublish");
    cmd_subscribe = lookup_original("subscribe");
    cmd_ssubscribe = lookup_original("ssubscribe");
    cmd_psubscribe = lookup_original("psubscribe");
    acl_default_user = acl_user_new_default();
    acl_user_insert(acl_default_user);
    acl_default_changed();
}

/* ---- Pub/sub clients losing channels ---- */

typedef struct revoke_ctx {
    const pattern *pats;
    int n;
} revoke_ctx;

static bool topic_revoked(bool pattern_topic, const char *name, size_t len, void *priv) {
    revoke_ctx *r = priv;
    return !channel_ok(r->pats, r->n, name, len, pattern_topic);
}

/* After ACL SETUSER: the subscribers of 'orig' that 'upd' no longer lets
 * hear one of their channels or patterns are disconnected (Redis). */
static void kill_revoked_subscribers(const acl_user *upd, acl_user *orig) {
    for (int i = 0; i < upd->nsels; i++)
        if (upd->sels[i]->flags & SEL_ALLCHANNELS) return;
    pattern *all = NULL;
    int nall = 0;
    for (int i = 0; i < upd->nsels; i++)
        for (int j = 0; j < upd->sels[i]->nchans; j++) {
            all = mem_realloc(all, sizeof(*all) * (size_t)(nall + 1));
            all[nall++] = upd->sels[i]->chans[j];
        }
    /* Losing allchannels revokes every channel the clients may hear. */
    bool superset = true;
    for (int i = 0; i < orig->nsels && superset; i++)
        if (orig->sels[i]->flags & SEL_ALLCHANNELS) superset = false;
    for (int i = 0; i < orig->nsels && superset; i++)
        for (int j = 0; j < orig->sels[i]->nchans && superset; j++) {
            const str *t = orig->sels[i]->chans[j].text;
            superset = channel_ok(all, nall, t->buf, t->len, true);
        }
    if (!superset) {
        revoke_ctx r = {all, nall};
        for (client *c = srv.clients; c; c = c->next) {
            if (c->user != orig || !(c->flags & CLIENT_PUBSUB)) continue;
            if (pubsub_client_any_topic(c, topic_revoked, &r)) {
                pubsub_client_free(c);
                if (c == srv.current) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
                else client_close_async(c);
            }
        }
    }
    mem_free(all);
}

/* A request's command (or subcommand) as the dispatcher finds it. */
static command *find_command(int argc, slice *argv) {
    command *cmd = cmdtable_find(argv[0].ptr, argv[0].len);
    if (cmd && cmd->subcmds && argc >= 2) {
        command *sub = cmdtable_find_sub(cmd, argv[1].ptr, argv[1].len);
        cmd = sub ? sub : (cmd->proc ? cmd : NULL);
    }
    return cmd;
}

/* ---- The ACL command ---- */

str *acl_setuser_words(const char *name, size_t len, str **words, int nwords) {
    if (acl_has_spaces(name, len)) return str_from(ERR_ACL_USERNAME);
    int n = 0, bad = 0;
    str **rules = acl_merge_selector_args(words, nwords, &n, &bad);
    if (rules == NULL) return str_fmt(ERR_ACL_UNMATCHED_PAREN, words[bad]->buf);
    /* Every rule is tried on a copy: all apply, or none. */
    str *err = NULL;
    acl_user *u = acl_user_find(name, len);
    acl_user *temp = acl_user_new(name, len);
    if (u) acl_user_copy_rules(temp, u);
    for (int j = 0; j < n && err == NULL; j++) {
        int rc = acl_user_set(temp, rules[j]->buf, rules[j]->len);
        if (rc != RULE_OK)
            err = str_fmt(ERR_ACL_SETUSER_MODIFIER, rules[j]->buf, acl_rule_error_text(rc));
    }
    if (err == NULL) {
        if (u) {
            kill_revoked_subscribers(temp, u);
        } else {
            u = acl_user_new(name, len);
            acl_user_insert(u);
        }
        acl_user_copy_rules(u, temp);
        if (u == acl_default_user) acl_default_changed();
    }
    acl_user_free(temp);
    str_free_args(rules, n);
    return err;
}

str *acl_user_line(const char *name, size_t len) {
    acl_user *u = acl_user_find(name, len);
    return u ? acl_describe_user_line(u) : NULL;
}

str *acl_load_path(const char *path) { return acl_load_file(path); }

bool acl_shortcut_agrees(const char *name, size_t len, int argc, slice *argv) {
    acl_user *u = acl_user_find(name, len);
    command *cmd = u && argc ? find_command(argc, argv) : NULL;
    if (cmd == NULL || !cmdtable_arity_ok(cmd, argc)) return true;
    int pos = 0;
    if (root_allows(u->sels[0], cmd, argc, argv) && check_user(u, cmd, argc, argv, &pos) != ACL_OK)
        return false;
    /* The plain matcher answers as the general one, key by key. */
    for (int i = 0; i < u->nsels && argc >= 2; i++) {
        const selector *s = u->sels[i];
        if (s->key_fast == KEYS_PLAIN && plain_key_ok(s, argv[1].ptr, argv[1].len) !=
                                             selector_key_ok(s, argv[1].ptr, argv[1].len, 0))
            return false;
    }
    return true;
}

static void acl_setuser(client *c) {
    int nargs = c->argc - 3;
    str **words = mem_alloc(sizeof(*words) * (size_t)(nargs ? nargs : 1));
    for (int i = 0; i < nargs; i++) words[i] = str_new(c->argv[3 + i].ptr, c->argv[3 + i].len);
    str *err = acl_setuser_words(c->argv[2].ptr, c->argv[2].len, words, nargs);
    str_free_args(words, nargs);
    if (err) reply_error(c, err->buf);
    else reply_ok(c);
    str_free(err);
}

static void acl_deluser(client *c) {
    for (int j = 2; j < c->argc; j++) {
        if (c->argv[j].len == 7 && memcmp(c->argv[j].ptr, "default", 7) == 0) {
            reply_error(c, ERR_ACL_DELUSER_DEFAULT);
            return;
        }
    }
    long long deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        acl_user *u = acl_user_find(c->argv[j].ptr, c->argv[j].len);
        if (u == NULL) continue;
        acl_user_unlink(u);
        acl_kill_user_clients(u);
        acl_user_free(u);
        deleted++;
    }
    reply_int(c, deleted);
}

static void reply_selector(client *c, const selector *s) {
    reply_bulk_cstr(c, "commands");
    str *d = describe_commands(s);
    reply_bulk(c, d->buf, d->len);
    str_free(d);
    reply_bulk_cstr(c, "keys");
    if (s->flags & SEL_ALLKEYS) {
        reply_bulk_cstr(c, "~*");
    } else {
        str *k = str_new(NULL, 0);
        for (int i = 0; i < s->nkeys; i++) {
            if (i) k = str_catc(k, " ");
            k = cat_pattern(k, &s->keys[i]);
        }
        reply_bulk(c, k->buf, k->len);
        str_free(k);
    }
    reply_bulk_cstr(c, "channels");
    if (s->flags & SEL_ALLCHANNELS) {
        reply_bulk_cstr(c, "&*");
    } else {
        str *k = str_new(NULL, 0);
        for (int i = 0; i < s->nchans; i++)
            k = str_catfmt(k, "%s&%s", i ? " " : "", s->chans[i].text->buf);
        reply_bulk(c, k->buf, k->len);
        str_free(k);
    }
}

static void acl_getuser(client *c) {
    acl_user *u = acl_user_find(c->argv[2].ptr, c->argv[2].len);
    if (u == NULL) {
        reply_null(c);
        return;
    }
    reply_map(c, 6);
    reply_bulk_cstr(c, "flags");
    int nflags = 0;
    for (int i = 0; i < NUSER_FLAGS; i++) nflags += (u->flags & user_flags[i].flag) != 0;
    reply_set(c, nflags);
    for (int i = 0; i < NUSER_FLAGS; i++)
        if (u->flags & user_flags[i].flag) reply_bulk_cstr(c, user_flags[i].name);
    reply_bulk_cstr(c, "passwords");
    reply_array(c, u->npass);
    for (int i = 0; i < u->npass; i++) reply_bulk(c, u->pass[i], 64);
    reply_selector(c, u->sels[0]);
    reply_bulk_cstr(c, "selectors");
    reply_array(c, u->nsels - 1);
    for (int i = 1; i < u->nsels; i++) {
        reply_map(c, 3);
        reply_selector(c, u->sels[i]);
    }
}

static void acl_list(client *c) {
    reply_array(c, acl_nusers);
    for (int i = 0; i < acl_nusers; i++) {
        str *line = acl_describe_user_line(acl_all_users[i]);
        reply_bulk(c, line->buf, line->len);
        str_free(line);
    }
}

static void acl_users(client *c) {
    reply_array(c, acl_nusers);
    for (int i = 0; i < acl_nusers; i++)
        reply_bulk(c, acl_all_users[i]->name->buf, acl_all_users[i]->name->len);
}

static void acl_whoami(client *c) {
    const str *n = user_of(c)->name;
    reply_bulk(c, n->buf, n->len);
}

static bool no_aclfile(client *c) {
    if (cfg.aclfile && cfg.aclfile[0]) return false;
    reply_error(c, ERR_ACL_NO_FILE);
    return true;
}

static void acl_load(client *c) {
    if (no_aclfile(c)) return;
    str *errors = acl_load_file(cfg.aclfile);
    if (errors == NULL) {
        reply_ok(c);
        return;
    }
    for (size_t i = 0; i < errors->len; i++)
        if (errors->buf[i] == '\r' || errors->buf[i] == '\n') errors->buf[i] = ' ';
    reply_errorf(c, "ERR %s", errors->buf);
    str_free(errors);
}

static void acl_save(client *c) {
    if (no_aclfile(c)) return;
    if (acl_save_file(cfg.aclfile) == 0) reply_ok(c);
    else reply_error(c, ERR_ACL_SAVE);
}

/* Redis's addReplySubcommandSyntaxError, for CAT, GENPASS and LOG given
 * too many arguments (their arity lets them through). */
static bool too_many_args(client *c, int max) {
    if (c->argc <= max) return false;
    reply_error_subcommand(c, "ACL");
    return true;
}

static void acl_cat(client *c) {
    if (too_many_args(c, 3)) return;
    if (c->argc == 2) {
        reply_array(c, NCATEGORIES);
        for (int i = 0; i < NCATEGORIES; i++) reply_bulk_cstr(c, CAT_NAME(i));
        return;
    }
    uint64_t cat = category_by_name(c->argv[2].ptr);
    if (cat == 0 || strlen(c->argv[2].ptr) != c->argv[2].len) {
        reply_errorf(c, ERR_ACL_CATEGORY, c->argv[2].ptr);
        return;
    }
    void *len = reply_defer(c);
    long long n = 0;
    for (int i = 0; i < ncmd_ids; i++) {
        if (!(by_id[i]->acl & cat)) continue;
        reply_bulk_cstr(c, by_id[i]->fullname);
        n++;
    }
    reply_set_deferred_array(c, len, n);
}

static void acl_genpass(client *c) {
    long long bits = 256;
    if (too_many_args(c, 3)) return;
    if (c->argc == 3 && !arg_ll(c, &c->argv[2], &bits)) return;
    if (bits <= 0 || bits > 4096) {
        reply_error(c, ERR_ACL_GENPASS);
        return;
    }
    char pass[4096 / 4 + 1];
    size_t chars = (size_t)(bits + 3) / 4;
    util_random_hex(pass, chars);
    reply_bulk(c, pass, chars);
}

static void acl_log(client *c) {
    long long count = 10;
    if (too_many_args(c, 3)) return;
    if (c->argc == 3) {
        if (arg_is(&c->argv[2], "reset")) {
            for (int i = 0; i < log_len; i++) entry_free(log_entries[i]);
            mem_free(log_entries);
            log_entries = NULL;
            log_len = 0;
            reply_ok(c);
            return;
        }
        long v;
        if (!arg_long(c, &c->argv[2], &v)) return;
        count = v < 0 ? 0 : v;
    }
    if (count > log_len) count = log_len;
    static const char *reasons[] = {"unknown", "command", "key", "auth", "channel"};
    static const char *contexts[] = {"toplevel", "multi", "lua"};
    long long now = util_mstime();
    reply_array(c, count);
    for (long long i = 0; i < count; i++) {
        const log_entry *e = log_entries[i];
        reply_map(c, 7);
        reply_bulk_cstr(c, "count");
        reply_int(c, e->count);
        reply_bulk_cstr(c, "reason");
        reply_bulk_cstr(c, reasons[e->reason]);
        reply_bulk_cstr(c, "context");
        reply_bulk_cstr(c, contexts[e->context]);
        reply_bulk_cstr(c, "object");
        reply_bulk(c, e->object->buf, e->object->len);
        reply_bulk_cstr(c, "username");
        reply_bulk(c, e->username->buf, e->username->len);
        reply_bulk_cstr(c, "age-seconds");
        reply_double(c, (double)(now - e->ctime) / 1000);
        reply_bulk_cstr(c, "client-info");
        reply_bulk(c, e->cinfo->buf, e->cinfo->len);
    }
}

static void acl_dryrun(client *c) {
    acl_user *u = acl_user_find(c->argv[2].ptr, c->argv[2].len);
    if (u == NULL) {
        reply_errorf(c, ERR_ACL_NO_USER, c->argv[2].ptr);
        return;
    }
    int argc = c->argc - 3;
    slice *argv = c->argv + 3;
    command *cmd = find_command(argc, argv);
    if (cmd == NULL) {
        reply_errorf(c, ERR_ACL_NO_COMMAND, argv[0].ptr);
        return;
    }
    if (!cmdtable_arity_ok(cmd, argc)) {
        reply_errorf(c, ERR_ARITY, cmd->fullname);
        return;
    }
    int pos = 0;
    int rc = check_user(u, cmd, argc, argv, &pos);
    if (rc == ACL_OK) {
        reply_ok(c);
        return;
    }
    str *msg = rc == ACL_DENIED_CMD
                   ? str_fmt("This user has no permissions to run the '%s' command", cmd->fullname)
                   : str_fmt("This user has no permissions to access the '%s' %s", argv[pos].ptr,
                             rc == ACL_DENIED_KEY ? "key" : "channel");
    reply_bulk(c, msg->buf, msg->len);
    str_free(msg);
}

static void acl_help(client *c) {
    static const char *help[] = {
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the "
        "command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        NULL};
    reply_help(c, "ACL", help);
}

/* ---- AUTH ---- */

static void cmd_auth(client *c) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && (acl_default_user->flags & USER_NOPASS)) {
        reply_error(c, ERR_AUTH_NOPASS);
        return;
    }
    slice *user = c->argc == 3 ? &c->argv[1] : NULL;
    if (acl_authenticate(c, user, &c->argv[c->argc - 1])) {
        reply_ok(c);
    } else {
        log_msg(LOG_VERBOSE, "Failed authentication attempt");
        reply_error(c, ERR_WRONGPASS);
    }
}

/* clang-format off */
static command acl_subcommands[] = {
    {.name = "cat", .proc = acl_cat, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW},
    {.name = "deluser", .proc = acl_deluser, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "dryrun", .proc = acl_dryrun, .arity = -4,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "genpass", .proc = acl_genpass, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW},
    {.name = "getuser", .proc = acl_getuser, .arity = 3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "help", .proc = acl_help, .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW},
    {.name = "list", .proc = acl_list, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "load", .proc = acl_load, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "log", .proc = acl_log, .arity = -2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "save", .proc = acl_save, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "setuser", .proc = acl_setuser, .arity = -3,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "users", .proc = acl_users, .arity = 2,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS},
    {.name = "whoami", .proc = acl_whoami, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW},
    {0},
};

command acl_commands[] = {
    {.name = "acl", .arity = -2, .flags = CMD_SENTINEL, .acl = ACL_SLOW, .subcmds = acl_subcommands},
    {.name = "auth", .proc = cmd_auth, .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH | CMD_SENTINEL |
              CMD_ALLOW_BUSY,
     .acl = ACL_FAST | ACL_CONNECTION},
    {0},
};
/* clang-format on */
