/* config_int.h -- what config.c (the directive table, CONFIG GET/SET) and
 * config_file.c (redis.conf text: loading, quoting, CONFIG REWRITE) share.
 * Nothing outside these two files includes it. */
#ifndef CASTOR_CONFIG_INT_H
#define CASTOR_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "str.h"

/* The directive types of Redis's config.c. */
typedef enum {
    CT_BOOL,    /* yes/no */
    CT_NUM,     /* integer, optionally with memory units, a percent or octal (NUM_*) */
    CT_ENUM,    /* one name of a list */
    CT_FLAGS,   /* several names of a list, OR-ed (a multi-flag enum) */
    CT_STRING,  /* C string: a NUL byte ends the value */
    CT_SDS,     /* binary-safe string with its length beside it */
    CT_SPECIAL, /* own set/get/rewrite functions */
} config_type;

/* Directive flags, Redis's names. */
#define CF_IMMUTABLE (1u << 0)    /* only in the config file or on the command line */
#define CF_SENSITIVE (1u << 1)    /* CONFIG SET's value is redacted in SLOWLOG/MONITOR */
#define CF_PROTECTED (1u << 2)    /* CONFIG SET needs enable-protected-configs */
#define CF_DENY_LOADING (1u << 3) /* CONFIG SET refused with -LOADING while loading */
#define CF_HIDDEN (1u << 4)       /* CONFIG GET shows it only when asked by exact name */
#define CF_MULTI_ARG (1u << 5)    /* takes several words ("save 3600 1 300 100") */
#define CF_EMPTY_NULL (1u << 6)   /* strings: "" means unset (not rewritten) */
#define CF_INERT (1u << 7)        /* castor: accepted and kept, but castor lacks the feature */
#define CF_VOLATILE (1u << 8)     /* applied even when set to its value (reload a file) */

/* Numeric storage and parsing (CT_NUM). */
#define NUM_INT 0  /* int field */
#define NUM_UINT 1 /* unsigned field */
#define NUM_LL 2   /* long long field */
#define NUM_ULL 3  /* unsigned long long field */
#define NUM_STORAGE 3
#define NUM_UNSIGNED (1u << 2) /* bounds compared as unsigned (Redis's uint, ull, size_t) */
#define NUM_MEMORY (1u << 3)   /* "10mb", "1gb" ... */
#define NUM_PERCENT (1u << 4)  /* "50%", stored negated */
#define NUM_OCTAL (1u << 5)    /* "0700" */

typedef struct enum_pair {
    const char *name;
    int val;
} enum_pair;

typedef struct rewrite_state rewrite_state;
typedef struct directive directive;

/* set: 0 on error (*err set), 1 changed, 2 same value (apply not needed). */
typedef int config_set_fn(directive *d, str **argv, int argc, const char **err);
typedef str *config_get_fn(const directive *d);
typedef void config_rewrite_fn(const directive *d, rewrite_state *st);
/* apply after CONFIG SET changed the value: NULL or an error text. */
typedef const char *config_apply_fn(void);

struct directive {
    const char *name;
    const char *alias; /* the old name (slave-..., ...-ziplist-...), or NULL */
    config_type type;
    unsigned flags;      /* CF_* */
    void *field;         /* &cfg.x */
    long long def;       /* default of bool, numeric, enum and flags types */
    const char *def_str; /* default of string types (NULL: unset) */
    unsigned num;        /* NUM_* */
    long long lo, hi;    /* numeric bounds, inclusive */
    const enum_pair *enums;
    size_t *len_field; /* CT_SDS: &cfg.x_len */
    bool (*valid_str)(const char *v, const char **err);
    bool (*valid_int)(long long v, const char **err);
    config_set_fn *set; /* CT_SPECIAL */
    config_get_fn *get;
    config_rewrite_fn *rewrite;
    config_apply_fn *apply;
};

/* ---- config.c ---- */

/* The table, ended by an entry whose name is NULL (for the fuzzer). */
directive *config_directives(void);
/* Case-insensitive lookup of a name or alias. NULL if unknown. */
directive *config_find(const char *name, size_t len);
/* Set from the words after the directive's name (file, command line, or
 * CONFIG SET's value split on spaces for multi-arg directives). */
int config_set_args(directive *d, str **argv, int argc, const char **err);
/* The value as CONFIG GET shows it (caller frees). */
str *config_get_text(const directive *d) MUST_USE;
/* Ask every directive for its lines (CONFIG REWRITE). */
void config_rewrite_all(rewrite_state *st);
/* Reading a config file: the first "save" line replaces the defaults, the
 * next ones add to it (Redis's reading_config_file). */
void config_loading(bool on);
/* After the whole configuration is read: Redis's final checks and
 * castor's refusals of features it lacks. NULL or an error text. */
const char *config_check_loaded(void);

/* ---- config_file.c ---- */

/* CONFIG REWRITE's line for an option: replaces the option's old line or,
 * when force (or force-all) is set, is appended. Takes ownership of line. */
void rewrite_line(rewrite_state *st, const char *option, str *line, bool force);
/* The option was handled: its old lines that got no new value are blanked. */
void rewrite_mark_processed(rewrite_state *st, const char *option);
/* Rewrite 'path' from the current values; force_all writes every option
 * (DEBUG CONFIG-REWRITE-FORCE-ALL). 0, or -1 with errno set. */
int config_rewrite_file(const char *path, bool force_all);

#endif
