/* cmdinfo.c -- COMMAND: the command table described to clients.
 *
 * COMMAND, COMMAND INFO, LIST, COUNT, DOCS, GETKEYS and GETKEYSANDFLAGS
 * read the registered tables (cmdtable.c) and, for what the dispatcher
 * does not need -- key specs, tips, documentation -- Redis 7.0's own data
 * (keyspecs.c, generated from redis-server). A command Redis does not know
 * is described from its table alone.
 * Not here: lookup, dispatch and key extraction (cmdtable.c).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "cmdinfo.h"

#include <stdio.h>
#include <string.h>

#include "arg.h"
#include "errors.h"
#include "keyspecs.h"
#include "mem.h"
#include "reply.h"
#include "util.h"

/* As in Redis, may_replicate (16), sentinel, only_sentinel and protected
 * are not shown, nor castor's own flags (27-31). */
static const char *flag_names[32] = {[0] = "write",
                                     [1] = "readonly",
                                     [2] = "denyoom",
                                     [3] = "module",
                                     [4] = "admin",
                                     [5] = "pubsub",
                                     [6] = "noscript",
                                     [8] = "blocking",
                                     [9] = "loading",
                                     [10] = "stale",
                                     [11] = "skip_monitor",
                                     [12] = "skip_slowlog",
                                     [13] = "asking",
                                     [14] = "fast",
                                     [15] = "no_auth",
                                     [19] = "no_mandatory_keys",
                                     [23] = "no_async_loading",
                                     [24] = "no_multi",
                                     [25] = "movablekeys",
                                     [26] = "allow_busy"};

static const char *acl_cat_names[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

_Static_assert(sizeof(acl_cat_names) / sizeof(acl_cat_names[0]) == CMDINFO_NCATEGORIES,
               "CMDINFO_NCATEGORIES counts acl_cat_names[]");

const char *cmdinfo_category_name(int bit) {
    return bit >= 0 && bit < CMDINFO_NCATEGORIES ? acl_cat_names[bit] : NULL;
}

static void reply_flags(client *c, const command *cmd) {
    int n = 0;
    for (int i = 0; i < 32; i++)
        if ((cmd->flags & (1u << i)) && flag_names[i]) n++;
    reply_set(c, n);
    for (int i = 0; i < 32; i++)
        if ((cmd->flags & (1u << i)) && flag_names[i]) reply_simple(c, flag_names[i]);
}

static void reply_acl(client *c, const command *cmd) {
    int n = 0;
    size_t ncat = sizeof(acl_cat_names) / sizeof(acl_cat_names[0]);
    for (size_t i = 0; i < ncat; i++)
        if (cmd->acl & (1ull << i)) n++;
    reply_set(c, n);
    for (size_t i = 0; i < ncat; i++) {
        if (!(cmd->acl & (1ull << i))) continue;
        char buf[32];
        snprintf(buf, sizeof(buf), "@%s", acl_cat_names[i]);
        reply_simple(c, buf);
    }
}

/* Set members named by the bits of 'flags', in bit order. */
static void reply_flag_names(client *c, unsigned flags, const char *const *names, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (flags & (1u << i)) count++;
    reply_set(c, count);
    for (int i = 0; i < n; i++)
        if (flags & (1u << i)) reply_simple(c, names[i]);
}

/* Key spec flags by bit (KS_*). */
static const char *const key_flag_names[] = {
    "RO",     "RW",     "OW",      "RM",         "access",        "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags"};

static void reply_key_spec(client *c, const keyspec *ks) {
    reply_map(c, ks->notes ? 4 : 3);
    if (ks->notes) {
        reply_bulk_cstr(c, "notes");
        reply_bulk_cstr(c, ks->notes);
    }
    reply_bulk_cstr(c, "flags");
    reply_flag_names(c, ks->flags, key_flag_names, 11);
    reply_bulk_cstr(c, "begin_search");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, ks->begin == KS_BEGIN_INDEX     ? "index"
                       : ks->begin == KS_BEGIN_KEYWORD ? "keyword"
                                                       : "unknown");
    reply_bulk_cstr(c, "spec");
    if (ks->begin == KS_BEGIN_INDEX) {
        reply_map(c, 1);
        reply_bulk_cstr(c, "index");
        reply_int(c, ks->index);
    } else if (ks->begin == KS_BEGIN_KEYWORD) {
        reply_map(c, 2);
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, ks->keyword);
        reply_bulk_cstr(c, "startfrom");
        reply_int(c, ks->startfrom);
    } else {
        reply_map(c, 0);
    }
    reply_bulk_cstr(c, "find_keys");
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, ks->find == KS_FIND_RANGE    ? "range"
                       : ks->find == KS_FIND_KEYNUM ? "keynum"
                                                    : "unknown");
    reply_bulk_cstr(c, "spec");
    if (ks->find == KS_FIND_UNKNOWN) {
        reply_map(c, 0);
        return;
    }
    reply_map(c, 3);
    if (ks->find == KS_FIND_RANGE) {
        reply_bulk_cstr(c, "lastkey");
        reply_int(c, ks->lastkey);
    } else {
        reply_bulk_cstr(c, "keynumidx");
        reply_int(c, ks->keynumidx);
        reply_bulk_cstr(c, "firstkey");
        reply_int(c, ks->firstkey);
    }
    reply_bulk_cstr(c, "keystep");
    reply_int(c, ks->keystep);
    if (ks->find == KS_FIND_RANGE) {
        reply_bulk_cstr(c, "limit");
        reply_int(c, ks->limit);
    }
}

/* Redis's key specs (keyspecs.c); for a command Redis does not have, one
 * spec derived from the table's first/last/step and write flag. */
static void reply_key_specs(client *c, const command *cmd) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m) {
        reply_set(c, m->nkey_specs);
        for (int i = 0; i < m->nkey_specs; i++) reply_key_spec(c, &m->key_specs[i]);
        return;
    }
    if (cmd->keys.first == 0) {
        reply_set(c, 0);
        return;
    }
    keyspec ks = {.flags = (cmd->flags & CMD_WRITE) ? KS_RW | KS_UPDATE : KS_RO | KS_ACCESS,
                  .begin = KS_BEGIN_INDEX,
                  .index = cmd->keys.first,
                  .find = KS_FIND_RANGE,
                  .lastkey = cmd->keys.last < 0 ? cmd->keys.last : cmd->keys.last - cmd->keys.first,
                  .keystep = cmd->keys.step};
    reply_set(c, 1);
    reply_key_spec(c, &ks);
}

static int count_subs(const command *cmd) {
    int n = 0;
    for (command *s = cmd->subcmds; s && s->name; s++) n++;
    return n;
}

static void reply_info(client *c, const command *cmd) {
    reply_array(c, 10);
    reply_bulk_cstr(c, cmd->fullname);
    reply_int(c, cmd->arity);
    reply_flags(c, cmd);
    reply_int(c, cmd->keys.first);
    reply_int(c, cmd->keys.last);
    reply_int(c, cmd->keys.step);
    reply_acl(c, cmd);
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    reply_set(c, m ? m->ntips : 0);
    for (int i = 0; m && i < m->ntips; i++) reply_bulk_cstr(c, m->tips[i]);
    reply_key_specs(c, cmd);
    /* Redis's addReplyCommandSubCommands: no subcommands is an empty set,
     * some are an array. */
    int subs = count_subs(cmd);
    if (subs) reply_array(c, subs);
    else reply_set(c, 0);
    for (command *s = cmd->subcmds; s && s->name; s++) reply_info(c, s);
}

static void reply_info_fn(command *cmd, void *priv) { reply_info(priv, cmd); }

/* Every command's info: COMMAND, and COMMAND INFO without names. */
static void reply_all_info(client *c) {
    reply_array(c, cmdtable_count());
    cmdtable_foreach(reply_info_fn, c);
}

/* COMMAND alone (cmdtable_lookup sends COMMAND <anything> to a subcommand
 * or refuses it). */
static void cmd_command(client *c) { reply_all_info(c); }

static void cmd_command_count(client *c) { reply_int(c, cmdtable_count()); }

static command *find_by_fullname(const char *name, size_t len) {
    const char *bar = memchr(name, '|', len);
    if (bar == NULL) return cmdtable_find(name, len);
    command *parent = cmdtable_find(name, (size_t)(bar - name));
    if (parent == NULL) return NULL;
    return cmdtable_find_sub(parent, bar + 1, len - (size_t)(bar - name) - 1);
}

static void cmd_command_info(client *c) {
    if (c->argc == 2) {
        reply_all_info(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        command *cmd = find_by_fullname(c->argv[i].ptr, c->argv[i].len);
        if (cmd) reply_info(c, cmd);
        else reply_null(c); /* Redis answers a null bulk here, not a null array */
    }
}

/* COMMAND LIST [FILTERBY MODULE|ACLCAT|PATTERN arg]: which names it lists. */
enum list_filter { LIST_ALL, LIST_ACLCAT, LIST_PATTERN, LIST_MODULE };

typedef struct list_state {
    client *c;
    enum list_filter filter;
    const slice *arg;
    uint64_t cat; /* LIST_ACLCAT: the category's bit (0: unknown) */
    long long n;
} list_state;

static bool list_matches(const list_state *st, const command *x) {
    switch (st->filter) {
    case LIST_ALL: return true;
    case LIST_ACLCAT: return (x->acl & st->cat) != 0;
    case LIST_PATTERN:
        return util_glob_match(st->arg->ptr, st->arg->len, x->fullname, strlen(x->fullname), true);
    case LIST_MODULE: return false; /* no modules */
    }
    return false;
}

static void list_one(command *cmd, void *priv) {
    list_state *st = priv;
    if (list_matches(st, cmd)) {
        reply_bulk_cstr(st->c, cmd->fullname);
        st->n++;
    }
    for (command *s = cmd->subcmds; s && s->name; s++) {
        if (!list_matches(st, s)) continue;
        reply_bulk_cstr(st->c, s->fullname);
        st->n++;
    }
}

static void cmd_command_list(client *c) {
    list_state st = {.c = c, .filter = LIST_ALL};
    if (c->argc == 5 && arg_is(&c->argv[2], "filterby")) {
        st.arg = &c->argv[4];
        if (arg_is(&c->argv[3], "aclcat")) st.filter = LIST_ACLCAT;
        else if (arg_is(&c->argv[3], "pattern")) st.filter = LIST_PATTERN;
        else if (arg_is(&c->argv[3], "module")) st.filter = LIST_MODULE;
        else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    } else if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (st.filter == LIST_ACLCAT) {
        size_t ncat = sizeof(acl_cat_names) / sizeof(acl_cat_names[0]);
        for (size_t i = 0; i < ncat; i++)
            if (util_strcaseeq(st.arg->ptr, st.arg->len, acl_cat_names[i])) st.cat = 1ull << i;
    }
    void *node = reply_defer(c);
    cmdtable_foreach(list_one, &st);
    reply_set_deferred_array(c, node, st.n);
}

/* Redis's doesCommandHaveKeys: a key spec that finds real keys (not only
 * the NOT_KEY names of SPUBLISH), or movable keys. */
static bool has_keys(const command *cmd) {
    if (cmd->getkeys) return true;
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m == NULL) return cmd->keys.first != 0;
    for (int i = 0; i < m->nkey_specs; i++)
        if (!(m->key_specs[i].flags & KS_NOT_KEY)) return true;
    return false;
}

/* Where key spec ks finds keys in argv, as Redis's getKeysUsingKeySpecs:
 * 1 with argv[*first..*last] every *step; 0 when it finds none (its
 * keyword is absent); -1 when it cannot be followed (an unknown begin or
 * find, a bad key count). The range is not checked against argc. */
static int spec_range(const keyspec *ks, int argc, const slice *argv, int *first, int *last,
                      int *step) {
    *first = 0;
    if (ks->begin == KS_BEGIN_INDEX) {
        *first = ks->index;
    } else if (ks->begin == KS_BEGIN_KEYWORD) {
        int from = ks->startfrom > 0 ? ks->startfrom : argc + ks->startfrom;
        int end = ks->startfrom > 0 ? argc - 1 : 1;
        for (int i = from; i != end; i += from <= end ? 1 : -1) {
            if (i >= argc || i < 1) break;
            if (arg_is(&argv[i], ks->keyword)) {
                *first = i + 1;
                break;
            }
        }
    } else {
        return -1;
    }
    if (*first == 0) return 0;
    *step = ks->keystep;
    if (ks->find == KS_FIND_RANGE) {
        if (ks->lastkey >= 0) *last = *first + ks->lastkey;
        else if (ks->limit == 0) *last = argc + ks->lastkey;
        else *last = *first + (argc - *first) / ks->limit + ks->lastkey;
    } else if (ks->find == KS_FIND_KEYNUM) {
        long long num;
        int idx = *first + ks->keynumidx;
        if (idx >= argc || !util_str2ll(argv[idx].ptr, argv[idx].len, &num) || num < 0) return -1;
        *first += ks->firstkey;
        /* Redis takes the count as an int: 4294967297 counts 1 key. */
        long long last_ll = (long long)*first + (int)num - 1;
        *last = last_ll > argc ? argc : (int)last_ll;
    } else {
        return -1;
    }
    return 1;
}

/* The keys m's specs find in argv, in spec order, at most cap; -1 where a
 * spec cannot be followed (spec_range(), keys out of bounds, an INCOMPLETE
 * spec), for the caller to fall back on the command's own key finder. */
static int specs_get_keys(const cmd_meta *m, int argc, const slice *argv, int *keys, int cap) {
    int n = 0;
    for (int j = 0; j < m->nkey_specs; j++) {
        const keyspec *ks = &m->key_specs[j];
        if (ks->flags & KS_NOT_KEY) continue;
        int first, last, step;
        int r = spec_range(ks, argc, argv, &first, &last, &step);
        if (r == 0) continue;
        if (r < 0 || last >= argc || last < first || first >= argc || step <= 0) return -1;
        for (int i = first; i <= last && n < cap; i += step) keys[n++] = i;
        if (ks->flags & KS_INCOMPLETE) return -1;
    }
    return n;
}

/* Redis's getKeysFromCommandWithSpecs: the key specs where they find every
 * key with fixed flags, else the command's own key finder. *flagless is set
 * when that finder is one of Redis's genericGetKeys() (a command with a
 * numkeys spec), which gives its keys no flags. */
static int getkeys_with_specs(command *cmd, int argc, slice *argv, int *keys, int cap,
                              bool *flagless) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    bool has_spec = false, variable = false, keynum = false;
    for (int i = 0; m && i < m->nkey_specs; i++) {
        if (!(m->key_specs[i].flags & KS_NOT_KEY)) has_spec = true;
        if (m->key_specs[i].flags & KS_VARIABLE_FLAGS) variable = true;
        if (m->key_specs[i].find == KS_FIND_KEYNUM) keynum = true;
    }
    *flagless = false;
    if (has_spec && !variable) {
        int n = specs_get_keys(m, argc, argv, keys, cap);
        if (n >= 0) return n;
    }
    *flagless = keynum;
    return cmdtable_get_keys(cmd, argc, argv, keys, cap);
}

/* The command (or subcommand) of COMMAND GETKEYS* and its key positions,
 * relative to argv[2], in *keys (caller frees; as many as there are
 * arguments, so a command with hundreds of keys lists them all); NULL
 * after replying an error. */
static command *getkeys_common(client *c, int **keys, int *nkeys, bool *flagless) {
    command *cmd = cmdtable_find(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2;
    slice *argv = c->argv + 2;
    /* As Redis's lookupCommand: a container's unknown subcommand is no
     * command at all ("COMMAND GETKEYS XGROUP nosuch k g"). */
    if (cmd && cmd->subcmds && argc >= 2) cmd = cmdtable_find_sub(cmd, argv[1].ptr, argv[1].len);
    /* Redis 7.0's order: command, has keys at all, arity, then the keys. */
    if (cmd == NULL) {
        reply_error(c, ERR_GETKEYS_INVALID_CMD);
        return NULL;
    }
    if (!has_keys(cmd)) {
        reply_error(c, ERR_GETKEYS_NO_KEYS);
        return NULL;
    }
    if (!cmdtable_arity_ok(cmd, argc)) {
        reply_error(c, ERR_GETKEYS_ARITY);
        return NULL;
    }
    *keys = mem_alloc(sizeof(int) * (size_t)argc);
    *nkeys = getkeys_with_specs(cmd, argc, argv, *keys, argc, flagless);
    if (*nkeys <= 0) {
        /* Redis's key finders answer 0 keys for malformed arguments: [] for
         * a command that may have none (EVAL k abc), else an error. */
        if (cmd->flags & CMD_NO_MANDATORY_KEYS) {
            *nkeys = 0;
            return cmd;
        }
        mem_free(*keys);
        *keys = NULL;
        reply_error(c, ERR_GETKEYS_ARGS);
        return NULL;
    }
    return cmd;
}

static void cmd_command_getkeys(client *c) {
    int *keys = NULL, n;
    bool flagless;
    if (!getkeys_common(c, &keys, &n, &flagless)) return;
    reply_array(c, n);
    for (int i = 0; i < n; i++) reply_bulk(c, c->argv[2 + keys[i]].ptr, c->argv[2 + keys[i]].len);
    mem_free(keys);
}

/* Does key spec 'ks' find argv[pos]? A spec it cannot follow finds
 * nothing. */
static bool spec_finds(const keyspec *ks, int argc, const slice *argv, int pos) {
    int first, last, step;
    if (spec_range(ks, argc, argv, &first, &last, &step) <= 0) return false;
    return pos >= first && pos <= last && step > 0 && (pos - first) % step == 0;
}

/* The flags of the one key of a spec with KS_VARIABLE_FLAGS, as Redis's
 * setGetKeys and bitfieldGetKeys tell them from the arguments. */
static unsigned variable_key_flags(const command *cmd, int argc, const slice *argv) {
    if (strcmp(cmd->fullname, "set") == 0) {
        for (int i = 3; i < argc; i++)
            if (arg_is(&argv[i], "get")) return KS_RW | KS_ACCESS | KS_UPDATE;
        return KS_OW | KS_UPDATE;
    }
    for (int i = 2; i < argc; i++) { /* BITFIELD: read-only if only GETs */
        int more = argc - i - 1;
        if (arg_is(&argv[i], "get") && more >= 2) i += 2;
        else if (arg_is(&argv[i], "overflow") && more >= 1) i += 1;
        else return KS_RW | KS_ACCESS | KS_UPDATE; /* SET, INCRBY or a syntax error */
    }
    return KS_RO | KS_ACCESS;
}

/* The flags of the key at argv[pos]: those of the first of Redis's key
 * specs that finds it; else of the last spec Redis cannot follow (SORT's
 * STORE); else derived from the table's write flag. m is
 * keyspecs_find(cmd->fullname), which the caller may have kept. */
unsigned cmdinfo_key_flags_meta(const command *cmd, const cmd_meta *m, int argc, const slice *argv,
                                int pos) {
    unsigned unknown = 0;
    for (int i = 0; m && i < m->nkey_specs; i++) {
        const keyspec *ks = &m->key_specs[i];
        if (spec_finds(ks, argc, argv, pos))
            return ks->flags & KS_VARIABLE_FLAGS ? variable_key_flags(cmd, argc, argv) : ks->flags;
        if (ks->begin == KS_BEGIN_UNKNOWN || ks->find == KS_FIND_UNKNOWN) unknown = ks->flags;
    }
    if (unknown) return unknown;
    return (cmd->flags & CMD_WRITE) ? KS_RW | KS_UPDATE : KS_RO | KS_ACCESS;
}

static void cmd_command_getkeysandflags(client *c) {
    int *keys = NULL, n;
    bool flagless;
    command *cmd = getkeys_common(c, &keys, &n, &flagless);
    if (cmd == NULL) return;
    reply_array(c, n);
    for (int i = 0; i < n; i++) {
        reply_array(c, 2);
        reply_bulk(c, c->argv[2 + keys[i]].ptr, c->argv[2 + keys[i]].len);
        unsigned f = flagless ? 0
                              : cmdinfo_key_flags_meta(cmd, keyspecs_find(cmd->fullname),
                                                       c->argc - 2, c->argv + 2, keys[i]);
        reply_flag_names(c, f, key_flag_names, 11);
    }
    mem_free(keys);
}

/* Map entries name -> text, in order, for each text that is not NULL. */
static void reply_text_fields(client *c, const char *const (*texts)[2], size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (texts[i][1] == NULL) continue;
        reply_bulk_cstr(c, texts[i][0]);
        reply_bulk_cstr(c, texts[i][1]);
    }
}

/* COMMAND DOCS "arguments": an array of maps, as addReplyCommandArgList. */
static void reply_arg_docs(client *c, const cmd_arg_doc *args, int n) {
    static const char *const arg_flag_names[] = {"optional", "multiple", "multiple_token"};
    reply_array(c, n);
    for (const cmd_arg_doc *a = args; a < args + n; a++) {
        reply_map(c, 2 + a->has_key_spec + !!a->token + !!a->summary + !!a->since +
                         !!a->deprecated_since + !!a->flags + (a->nargs > 0));
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, a->name);
        reply_bulk_cstr(c, "type");
        reply_bulk_cstr(c, a->type);
        if (a->has_key_spec) {
            reply_bulk_cstr(c, "key_spec_index");
            reply_int(c, a->key_spec_index);
        }
        const char *const texts[][2] = {{"token", a->token},
                                        {"summary", a->summary},
                                        {"since", a->since},
                                        {"deprecated_since", a->deprecated_since}};
        reply_text_fields(c, texts, 4);
        if (a->flags) {
            reply_bulk_cstr(c, "flags");
            reply_flag_names(c, a->flags, arg_flag_names, 3);
        }
        if (a->nargs > 0) {
            reply_bulk_cstr(c, "arguments");
            reply_arg_docs(c, a->args, a->nargs);
        }
    }
}

/* The fields of Redis's doc of the command (keyspecs.c), in its order and
 * only those it has. */
static void reply_doc_fields(client *c, const command *cmd, int extra) {
    const cmd_meta *m = keyspecs_find(cmd->fullname);
    if (m == NULL) {
        /* Not a Redis command: no documentation, only the group Redis
         * always prints. */
        reply_map(c, 1 + extra);
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, "server");
        return;
    }
    static const char *const doc_flag_names[] = {"deprecated", "syscmd"};
    const cmd_doc *d = &m->doc;
    reply_map(c, 1 + !!d->summary + !!d->since + !!d->complexity + !!d->doc_flags +
                     !!d->deprecated_since + !!d->replaced_by + (d->nhistory > 0) + (d->nargs > 0) +
                     extra);
    const char *const texts[][2] = {{"summary", d->summary},
                                    {"since", d->since},
                                    {"group", d->group ? d->group : "server"},
                                    {"complexity", d->complexity}};
    reply_text_fields(c, texts, 4);
    if (d->doc_flags) {
        reply_bulk_cstr(c, "doc_flags");
        reply_flag_names(c, d->doc_flags, doc_flag_names, 2);
    }
    const char *const deprecation[][2] = {{"deprecated_since", d->deprecated_since},
                                          {"replaced_by", d->replaced_by}};
    reply_text_fields(c, deprecation, 2);
    if (d->nhistory > 0) {
        reply_bulk_cstr(c, "history");
        reply_set(c, d->nhistory);
        for (int i = 0; i < d->nhistory; i++) {
            reply_array(c, 2);
            reply_bulk_cstr(c, d->history[i][0]);
            reply_bulk_cstr(c, d->history[i][1]);
        }
    }
    if (d->nargs > 0) {
        reply_bulk_cstr(c, "arguments");
        reply_arg_docs(c, d->args, d->nargs);
    }
}

static void reply_doc(client *c, const command *cmd) {
    int subs = count_subs(cmd);
    reply_doc_fields(c, cmd, subs ? 1 : 0);
    if (subs) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, subs);
        for (command *s = cmd->subcmds; s && s->name; s++) {
            reply_bulk_cstr(c, s->fullname);
            reply_doc(c, s);
        }
    }
}

static void reply_named_doc(command *cmd, void *priv) {
    reply_bulk_cstr(priv, cmd->fullname);
    reply_doc(priv, cmd);
}

static void cmd_command_docs(client *c) {
    if (c->argc == 2) {
        reply_map(c, cmdtable_count());
        cmdtable_foreach(reply_named_doc, c);
        return;
    }
    void *node = reply_defer(c);
    long long n = 0;
    for (int i = 2; i < c->argc; i++) {
        command *cmd = find_by_fullname(c->argv[i].ptr, c->argv[i].len);
        if (cmd == NULL) continue;
        reply_bulk_cstr(c, cmd->fullname);
        reply_doc(c, cmd);
        n++;
    }
    reply_set_deferred_map(c, node, n);
}

static void cmd_command_help(client *c) {
    static const char *help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};
    reply_help(c, "COMMAND", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command command_subcommands[] = {
    {.name = "count", .proc = cmd_command_count, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "info", .proc = cmd_command_info, .arity = -2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "list", .proc = cmd_command_list, .arity = -2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "getkeys", .proc = cmd_command_getkeys, .arity = -4, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "getkeysandflags", .proc = cmd_command_getkeysandflags, .arity = -4,
     .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "docs", .proc = cmd_command_docs, .arity = -2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = "help", .proc = cmd_command_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_CONNECTION},
    {.name = NULL}};

command cmdinfo_commands[] = {
    {.name = "command", .proc = cmd_command, .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_SENTINEL, .acl = ACL_SLOW | ACL_CONNECTION,
     .subcmds = command_subcommands},
    {.name = NULL}};
/* clang-format on */
