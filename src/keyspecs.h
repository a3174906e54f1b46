/* keyspecs.h -- Redis 7.0's description of each command beyond what the
 * dispatcher needs: key specs and tips for COMMAND INFO, documentation and
 * argument trees for COMMAND DOCS. The data (keyspecs.c) is generated from
 * redis-server by scripts/gen-keyspecs.py; cmdinfo.c replies with it and
 * falls back to what the command's table says for a command it does not list.
 * Everything here is static and read-only. */
#ifndef CASTOR_KEYSPECS_H
#define CASTOR_KEYSPECS_H

#include <stdbool.h>

/* Key spec flags, in the order COMMAND INFO prints them. */
enum {
    KS_RO = 1 << 0,              /* reads the value */
    KS_RW = 1 << 1,              /* reads and writes it */
    KS_OW = 1 << 2,              /* overwrites it without reading */
    KS_RM = 1 << 3,              /* deletes the key */
    KS_ACCESS = 1 << 4,          /* returns, copies or uses the user data */
    KS_UPDATE = 1 << 5,          /* updates the data in place */
    KS_INSERT = 1 << 6,          /* only adds data */
    KS_DELETE = 1 << 7,          /* only removes data */
    KS_NOT_KEY = 1 << 8,         /* a name that is not a key (cluster slot only) */
    KS_INCOMPLETE = 1 << 9,      /* the spec may miss keys */
    KS_VARIABLE_FLAGS = 1 << 10, /* the flags depend on the arguments */
};

/* How the first key is found, then how the keys from there are. */
enum ks_begin { KS_BEGIN_UNKNOWN, KS_BEGIN_INDEX, KS_BEGIN_KEYWORD };
enum ks_find { KS_FIND_UNKNOWN, KS_FIND_RANGE, KS_FIND_KEYNUM };

typedef struct keyspec {
    const char *notes; /* NULL: none */
    unsigned flags;    /* KS_* */
    enum ks_begin begin;
    int index;           /* INDEX: argv position of the first key */
    const char *keyword; /* KEYWORD: the first key follows this word, */
    int startfrom;       /* searched from here (negative: from the end, backwards) */
    enum ks_find find;
    int lastkey;   /* RANGE: last key relative to the first (-1: argv's last) */
    int keystep;   /* RANGE and KEYNUM: step between keys */
    int limit;     /* RANGE: with lastkey -1, keep 1/limit of the rest */
    int keynumidx; /* KEYNUM: where the count is, relative to the begin */
    int firstkey;  /* KEYNUM: the first key, relative to the begin */
} keyspec;

/* Argument flags and command doc flags, in the order they are printed. */
enum { ARG_OPTIONAL = 1 << 0, ARG_MULTIPLE = 1 << 1, ARG_MULTIPLE_TOKEN = 1 << 2 };
enum { DOC_DEPRECATED = 1 << 0, DOC_SYSCMD = 1 << 1 };

typedef struct cmd_arg_doc {
    const char *name;
    const char *type;   /* as printed: "key", "string", "oneof", "pure-token", ... */
    bool has_key_spec;  /* a key, or a pattern of keys (SORT's BY): */
    int key_spec_index; /* which of the command's key specs finds it */
    const char *token;  /* NULL where absent, as for the next three */
    const char *summary;
    const char *since;
    const char *deprecated_since;
    unsigned flags;                 /* ARG_* */
    const struct cmd_arg_doc *args; /* "oneof" and "block": the choices or parts */
    int nargs;
} cmd_arg_doc;

typedef const char *cmd_history[2]; /* version, what changed */

typedef struct cmd_doc {
    const char *summary, *since, *group, *complexity; /* NULL where absent */
    unsigned doc_flags;                               /* DOC_* */
    const char *deprecated_since, *replaced_by;
    const cmd_history *history;
    int nhistory;
    const cmd_arg_doc *args;
    int nargs;
} cmd_doc;

typedef struct cmd_meta {
    const char *fullname; /* "get", "config|get" */
    const keyspec *key_specs;
    int nkey_specs;
    const char *const *tips; /* "nondeterministic_output", "request_policy:all_shards" */
    int ntips;
    cmd_doc doc;
} cmd_meta;

/* What Redis says about the command or subcommand 'fullname' (lowercase,
 * "parent|sub"); NULL if Redis has no such command. */
const cmd_meta *keyspecs_find(const char *fullname);

#endif
