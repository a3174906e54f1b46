/* function.c -- Redis 7.0 functions: libraries of Lua code that register
 * named functions, FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL
 * and FCALL/FCALL_RO.
 *
 * A library is its code ("#!lua name=<lib>" first) and the functions its
 * loading run registered with redis.register_function. Loading runs the
 * code once in the functions engine's own Lua state with only the library
 * API visible (scriptl_set_function_globals), under a 500 ms limit; the
 * registered callbacks later run as FCALL with the full API. Function
 * names are unique across libraries. Functions are data: they live in
 * RDB files (opcode FUNCTION2: the library's code), DUMP/RESTORE payloads
 * and the AOF, and their commands propagate as sent.
 * Spec: Redis 7.0's functions.c and function_lua.c behaviour, checked
 * against redis-server 7.0.15 (tests/interop/test_diff_functions.py).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "function.h"

#include <lauxlib.h>
#include <lua.h>
#include <string.h>
#include <strings.h>

#include "arg.h"
#include "cmdtable.h"
#include "crc64.h"
#include "dict.h"
#include "errors.h"
#include "mem.h"
#include "propagate.h"
#include "rdb.h"
#include "reply.h"
#include "script.h"
#include "script_lua.h"
#include "server.h"
#include "util.h"

#define LOAD_TIMEOUT_MS 500
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION_PRE_GA 246

#define ERR_NAME                                                                                   \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

typedef struct library library;

typedef struct function {
    dict_link link; /* in 'functions' while its library is linked */
    str *name;
    str *desc;      /* NULL: none */
    unsigned flags; /* SCRIPT_FLAG_* */
    int ref;        /* the callback in the engine's registry */
    library *lib;
} function;

struct library {
    dict_link link; /* in 'libraries' */
    str *name;
    str *code;
    function **fns;
    int nfns, cap;
};

static const char *fn_key(const void *e, size_t *len) {
    const function *f = e;
    *len = f->name->len;
    return f->name->buf;
}

static const char *lib_key(const void *e, size_t *len) {
    const library *l = e;
    *len = l->name->len;
    return l->name->buf;
}

static bool name_eq_nocase(const char *a, size_t alen, const char *b, size_t blen) {
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* Function names are case-insensitive (FCALL F1 calls f1), library names are not. */
static const dict_type functions_type = {
    .hash = dict_hash_nocase, .key_of = fn_key, .key_eq = name_eq_nocase};
static const dict_type libraries_type = {.hash = dict_hash_bytes, .key_of = lib_key};

static lua_State *flua;  /* the functions engine */
static dict *libraries;  /* name -> library */
static dict *functions;  /* name -> function, of linked libraries */
static library *loading; /* the library FUNCTION LOAD is building */
static long long load_start_us;

/* ---- Libraries ---- */

static void library_free(library *l) {
    if (l == NULL) return;
    for (int i = 0; i < l->nfns; i++) {
        function *f = l->fns[i];
        scriptl_unref(flua, f->ref);
        str_free(f->name);
        str_free(f->desc);
        mem_free(f);
    }
    mem_free(l->fns);
    str_free(l->name);
    str_free(l->code);
    mem_free(l);
}

static void library_unlink(library *l) {
    for (int i = 0; i < l->nfns; i++)
        dict_unlink(functions, l->fns[i]->name->buf, l->fns[i]->name->len);
    dict_unlink(libraries, l->name->buf, l->name->len);
}

static void library_link(library *l) {
    for (int i = 0; i < l->nfns; i++) dict_add(functions, l->fns[i]);
    dict_add(libraries, l);
}

/* The first of l's functions that another linked library has, or NULL. */
static function *name_conflict(const library *l) {
    for (int i = 0; i < l->nfns; i++) {
        function *f = dict_find(functions, l->fns[i]->name->buf, l->fns[i]->name->len);
        if (f) return f;
    }
    return NULL;
}

static bool valid_name(const char *p, size_t len) {
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* "#!<engine> name=<lib>" on the first line: the library's name, or NULL
 * with *err (Redis's words). */
static str *parse_metadata(const char *code, size_t len, str **err) {
    if (len < 2 || code[0] != '#' || code[1] != '!') {
        *err = str_from("Missing library metadata");
        return NULL;
    }
    const char *nl = memchr(code, '\n', len);
    if (nl == NULL) {
        *err = str_from("Invalid library metadata");
        return NULL;
    }
    const char *p = code + 2, *end = nl;
    while (p < end && *p != ' ' && *p != '\t' && *p != '\r') p++;
    size_t elen = (size_t)(p - (code + 2));
    if (!(elen == 3 && strncasecmp(code + 2, "lua", 3) == 0)) {
        *err = str_fmt("Engine '%.*s' not found", (int)elen, code + 2);
        return NULL;
    }
    str *name = NULL;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
        if (p == end) break;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r') p++;
        size_t wlen = (size_t)(p - w);
        if (wlen < 5 || strncmp(w, "name=", 5) != 0) {
            *err = str_fmt("Invalid metadata value given: %.*s", (int)wlen, w);
            str_free(name);
            return NULL;
        }
        if (name) {
            *err = str_from("Invalid metadata value, name argument was given multiple times");
            str_free(name);
            return NULL;
        }
        const char *v = w + 5;
        size_t vlen = wlen - 5;
        /* name="foo" is accepted with its quotes removed. */
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
            v++;
            vlen -= 2;
        }
        name = str_new(v, vlen);
    }
    if (name == NULL) {
        *err = str_from("Library name was not given");
        return NULL;
    }
    if (!valid_name(name->buf, name->len)) {
        *err = str_from(ERR_NAME);
        str_free(name);
        return NULL;
    }
    return name;
}

/* ---- redis.register_function (the library API) ---- */

static int register_error(lua_State *L, const char *err) {
    scriptl_push_error(L, err);
    return lua_error(L);
}

static const char *add_function(library *l, const char *name, size_t nlen, lua_State *L, int cb_idx,
                                const char *desc, unsigned flags) {
    if (!valid_name(name, nlen)) return ERR_NAME;
    for (int i = 0; i < l->nfns; i++)
        if (name_eq_nocase(l->fns[i]->name->buf, l->fns[i]->name->len, name, nlen))
            return "Function already exists in the library";
    function *f = mem_calloc(sizeof(*f));
    f->name = str_new(name, nlen);
    f->desc = desc ? str_from(desc) : NULL;
    f->flags = flags;
    lua_pushvalue(L, cb_idx);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    f->lib = l;
    if (l->nfns == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->fns = mem_realloc(l->fns, sizeof(function *) * (size_t)l->cap);
    }
    l->fns[l->nfns++] = f;
    return NULL;
}

static int register_named(lua_State *L) {
    if (!lua_istable(L, 1))
        return register_error(
            L,
            "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    const char *name = NULL, *desc = NULL;
    size_t nlen = 0;
    int cb = 0;
    unsigned flags = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (!lua_isstring(L, -2))
            return register_error(
                L, "named argument key given to redis.register_function is not a string");
        const char *key = lua_tostring(L, -2);
        if (!strcasecmp(key, "function_name")) {
            if (!lua_isstring(L, -1))
                return register_error(
                    L, "function_name argument given to redis.register_function must be a string");
            name = lua_tolstring(L, -1, &nlen);
        } else if (!strcasecmp(key, "description")) {
            if (!lua_isstring(L, -1))
                return register_error(
                    L, "description argument given to redis.register_function must be a string");
            desc = lua_tostring(L, -1);
        } else if (!strcasecmp(key, "callback")) {
            if (!lua_isfunction(L, -1))
                return register_error(
                    L, "callback argument given to redis.register_function must be a function");
            cb = 1;
        } else if (!strcasecmp(key, "flags")) {
            if (!lua_istable(L, -1))
                return register_error(
                    L,
                    "flags argument to redis.register_function must be a table representing function flags");
            if (!scriptl_read_flags(L, lua_gettop(L), &flags))
                return register_error(L, "unknown flag given");
        } else {
            return register_error(L, "unknown argument given to redis.register_function");
        }
        lua_pop(L, 1);
    }
    if (name == NULL)
        return register_error(L, "redis.register_function must get a function name argument");
    if (!cb) return register_error(L, "redis.register_function must get a callback argument");
    /* The strings stay alive in the table at index 1 meanwhile. */
    lua_getfield(L, 1, "callback");
    if (lua_isnil(L, -1)) { /* the key was spelled in another case */
        lua_pop(L, 1);
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (lua_type(L, -2) == LUA_TSTRING && !strcasecmp(lua_tostring(L, -2), "callback")) {
                lua_remove(L, -2);
                break;
            }
            lua_pop(L, 1);
        }
    }
    const char *err = add_function(loading, name, nlen, L, lua_gettop(L), desc, flags);
    if (err) return register_error(L, err);
    return 0;
}

static int register_function(lua_State *L) {
    if (loading == NULL)
        return register_error(
            L, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2)
        return register_error(L, "wrong number of arguments to redis.register_function");
    if (argc == 1) return register_named(L);
    if (!lua_isstring(L, 1))
        return register_error(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2))
        return register_error(L, "second argument to redis.register_function must be a function");
    size_t nlen;
    const char *name = lua_tolstring(L, 1, &nlen);
    const char *err = add_function(loading, name, nlen, L, 2, NULL, 0);
    if (err) return register_error(L, err);
    return 0;
}

static void load_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (((long long)util_monotonic_us() - load_start_us) / 1000 <= LOAD_TIMEOUT_MS) return;
    lua_sethook(L, load_hook, LUA_MASKLINE, 0);
    scriptl_push_error(L, "FUNCTION LOAD timeout");
    lua_error(L);
}

/* Build a library from its code: parse, compile, run the registrations.
 * NULL with *err (Redis's words) on any failure. */
static library *library_create(const char *code, size_t len, str **err) {
    str *name = parse_metadata(code, len, err);
    if (name == NULL) return NULL;
    library *l = mem_calloc(sizeof(*l));
    l->name = name;
    l->code = str_new(code, len);
    str *cerr = NULL;
    scriptl_set_function_globals(flua, true);
    int ref = scriptl_compile(flua, "@user_function", code, len, &cerr);
    if (ref < 0) {
        *err = str_fmt("Error compiling function: %s", cerr->buf);
        str_free(cerr);
        goto fail;
    }
    loading = l;
    load_start_us = (long long)util_monotonic_us();
    lua_sethook(flua, load_hook, LUA_MASKCOUNT, 100000);
    lua_rawgeti(flua, LUA_REGISTRYINDEX, ref);
    scriptl_unref(flua, ref);
    int rc = lua_pcall(flua, 0, 0, 0);
    lua_sethook(flua, NULL, 0, 0);
    loading = NULL;
    if (rc != 0) {
        str *m = scriptl_error_message(flua);
        lua_pop(flua, 1);
        *err = str_fmt("Error registering functions: %s", m->buf);
        str_free(m);
        goto fail;
    }
    scriptl_set_function_globals(flua, false);
    if (l->nfns == 0) {
        *err = str_from("No functions registered");
        library_free(l);
        return NULL;
    }
    return l;
fail:
    scriptl_set_function_globals(flua, false);
    library_free(l);
    return NULL;
}

/* Create and link a library; with 'replace' one of the same name goes.
 * The new library's name, or NULL with *err. */
static library *library_load(const char *code, size_t len, bool replace, str **err) {
    str *name = parse_metadata(code, len, err);
    if (name == NULL) return NULL;
    library *old = dict_find(libraries, name->buf, name->len);
    str_free(name);
    if (old && !replace) {
        *err = str_fmt("Library '%s' already exists", old->name->buf);
        return NULL;
    }
    if (old) library_unlink(old);
    library *l = library_create(code, len, err);
    function *clash = l ? name_conflict(l) : NULL;
    if (clash) {
        *err = str_fmt("Function %s already exists", clash->name->buf);
        library_free(l);
        l = NULL;
    }
    if (l == NULL) {
        if (old) library_link(old);
        return NULL;
    }
    library_free(old);
    library_link(l);
    return l;
}

static void flush_all(void) {
    dict_iter it;
    dict_iter_init(&it, libraries);
    library *l;
    library **all = mem_alloc(sizeof(library *) * (dict_len(libraries) + 1));
    size_t n = 0;
    while ((l = dict_iter_next(&it)) != NULL) all[n++] = l;
    dict_iter_done(&it);
    for (size_t i = 0; i < n; i++) {
        library_unlink(all[i]);
        library_free(all[i]);
    }
    mem_free(all);
}

/* ---- Outside API ---- */

void function_init(void) {
    if (flua) return;
    flua = scriptl_open(SCRIPTL_FUNCTIONS);
    scriptl_set_register_function(flua, register_function);
    libraries = dict_new(&libraries_type);
    functions = dict_new(&functions_type);
}

void function_flush(void) {
    if (libraries) flush_all();
}

size_t function_count(void) { return functions ? dict_len(functions) : 0; }
size_t function_library_count(void) { return libraries ? dict_len(libraries) : 0; }
size_t function_memory_vm(void) { return scriptl_memory(flua); }

size_t function_memory_overhead(void) {
    size_t n = dict_overhead(libraries) + dict_overhead(functions);
    dict_iter it;
    dict_iter_init(&it, libraries);
    library *l;
    while ((l = dict_iter_next(&it)) != NULL)
        n += sizeof(*l) + str_alloc_size(l->code) + (size_t)l->nfns * sizeof(function);
    dict_iter_done(&it);
    return n;
}

void function_foreach_code(function_code_fn *fn, void *priv) {
    if (libraries == NULL) return; /* castor-check-rdb and the fuzzers start no engine */
    dict_iter it;
    dict_iter_init(&it, libraries);
    library *l;
    while ((l = dict_iter_next(&it)) != NULL) fn(priv, l->code->buf, l->code->len);
    dict_iter_done(&it);
}

int function_load_code(const char *code, size_t len, bool replace, str **err) {
    function_init();
    return library_load(code, len, replace, err) ? 0 : -1;
}

uint32_t function_cmd_flags(client *c, uint32_t cmd_flags) {
    if (c->argc < 2) return cmd_flags;
    function *f = dict_find(functions, c->argv[1].ptr, c->argv[1].len);
    return f ? script_flags_to_cmd_flags(cmd_flags, f->flags) : cmd_flags;
}

/* ---- FCALL ---- */

static void fcall_generic(client *c, bool ro) {
    function *f = dict_find(functions, c->argv[1].ptr, c->argv[1].len);
    if (f == NULL) {
        reply_error(c, ERR_FUNCTION_NOT_FOUND);
        return;
    }
    long long numkeys;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &numkeys)) {
        reply_error(c, ERR_NUMKEYS_BAD);
        return;
    }
    if (numkeys > c->argc - 3) {
        reply_error(c, ERR_NUMKEYS_TOO_MANY);
        return;
    }
    if (numkeys < 0) {
        reply_error(c, ERR_NUMKEYS_NEG);
        return;
    }
    script_run *r = script_run_begin(c, f->name->buf, f->flags, ro, false);
    if (r == NULL) return;
    int nargs = c->argc - 3 - (int)numkeys;
    scriptl_call(flua, f->ref, r, (int)numkeys, c->argv + 3, nargs, c->argv + 3 + numkeys);
    script_run_end(r);
}

static void cmd_fcall(client *c) { fcall_generic(c, false); }
static void cmd_fcall_ro(client *c) { fcall_generic(c, true); }

/* ---- FUNCTION ---- */

static void propagate_as_sent(client *c) {
    propagate(c->dbid, c->argc, c->argv);
    srv.dirty++;
}

static void cmd_function_load(client *c) {
    bool replace = false;
    int i = 2;
    for (; i < c->argc - 1; i++) {
        if (!arg_is(&c->argv[i], "replace")) {
            reply_errorf(c, ERR_FUNCTION_UNKNOWN_OPTION, c->argv[i].ptr);
            return;
        }
        replace = true;
    }
    str *err = NULL;
    library *l = library_load(c->argv[i].ptr, c->argv[i].len, replace, &err);
    if (l == NULL) {
        reply_errorf(c, "ERR %s", err->buf);
        str_free(err);
        return;
    }
    reply_bulk(c, l->name->buf, l->name->len);
    propagate_as_sent(c);
}

static void cmd_function_delete(client *c) {
    library *l = dict_find(libraries, c->argv[2].ptr, c->argv[2].len);
    if (l == NULL) {
        reply_error(c, ERR_LIBRARY_NOT_FOUND);
        return;
    }
    library_unlink(l);
    library_free(l);
    reply_ok(c);
    propagate_as_sent(c);
}

static void subcommand_syntax_error(client *c) { reply_error_subcommand(c, "FUNCTION"); }

static void cmd_function_flush(client *c) {
    if (c->argc > 3) {
        subcommand_syntax_error(c);
        return;
    }
    if (c->argc == 3 && !arg_is(&c->argv[2], "sync") && !arg_is(&c->argv[2], "async")) {
        reply_error(c, ERR_FUNCTION_FLUSH_OPTION);
        return;
    }
    flush_all();
    reply_ok(c);
    propagate_as_sent(c);
}

static void cmd_function_kill(client *c) { script_kill(c, false); }

static void reply_library(client *c, const library *l, bool with_code) {
    reply_map(c, with_code ? 4 : 3);
    reply_bulk_cstr(c, "library_name");
    reply_bulk(c, l->name->buf, l->name->len);
    reply_bulk_cstr(c, "engine");
    reply_bulk_cstr(c, "LUA");
    reply_bulk_cstr(c, "functions");
    reply_array(c, l->nfns);
    for (int i = 0; i < l->nfns; i++) {
        const function *f = l->fns[i];
        reply_map(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, f->name->buf, f->name->len);
        reply_bulk_cstr(c, "description");
        if (f->desc) reply_bulk(c, f->desc->buf, f->desc->len);
        else reply_null(c);
        reply_bulk_cstr(c, "flags");
        script_reply_flags(c, f->flags);
    }
    if (with_code) {
        reply_bulk_cstr(c, "library_code");
        reply_bulk(c, l->code->buf, l->code->len);
    }
}

static void cmd_function_list(client *c) {
    bool with_code = false;
    const slice *pattern = NULL;
    for (int i = 2; i < c->argc; i++) {
        if (!with_code && arg_is(&c->argv[i], "withcode")) {
            with_code = true;
        } else if (!pattern && arg_is(&c->argv[i], "libraryname")) {
            if (i == c->argc - 1) {
                reply_error(c, ERR_LIBRARY_NAME_MISSING);
                return;
            }
            pattern = &c->argv[++i];
        } else {
            reply_errorf(c, ERR_UNKNOWN_ARGUMENT, c->argv[i].ptr);
            return;
        }
    }
    void *node = reply_defer(c);
    long long n = 0;
    dict_iter it;
    dict_iter_init(&it, libraries);
    library *l;
    while ((l = dict_iter_next(&it)) != NULL) {
        if (pattern &&
            !util_glob_match(pattern->ptr, pattern->len, l->name->buf, l->name->len, false))
            continue;
        reply_library(c, l, with_code);
        n++;
    }
    dict_iter_done(&it);
    reply_set_deferred_array(c, node, n);
}

/* Every library as RDB: FUNCTION2 opcode and code, each (rdb.c writes). */
static void dump_one(void *priv, const char *code, size_t len) {
    rdb_save_function(priv, code, len);
}

static void cmd_function_dump(client *c) {
    rio r;
    rio_init_mem(&r, str_new_cap(256));
    r.update_cksum = false;
    function_foreach_code(dump_one, &r);
    str *s = r.io.mem.buf;
    unsigned char footer[10] = {RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff};
    s = str_cat(s, footer, 2);
    uint64_t crc = crc64(0, s->buf, s->len);
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    s = str_cat(s, footer + 2, 8);
    reply_bulk(c, s->buf, s->len);
    str_free(s);
}

/* Move 'src' (libraries from a payload) into the live set: FLUSH, APPEND
 * (no name may exist) or REPLACE. NULL, or an error (caller frees). */
static str *join_libraries(library **src, int n, int policy) {
    enum { FLUSH, APPEND, REPLACE };
    library **replaced = mem_calloc(sizeof(library *) * (size_t)(n + 1));
    str *err = NULL;
    if (policy == FLUSH) flush_all();
    int i;
    for (i = 0; i < n; i++) {
        library *old = dict_find(libraries, src[i]->name->buf, src[i]->name->len);
        if (old && policy != REPLACE) {
            err = str_fmt("Library %s already exists", old->name->buf);
            break;
        }
        if (old) library_unlink(old);
        replaced[i] = old;
    }
    for (int j = 0; err == NULL && j < n; j++) {
        function *clash = name_conflict(src[j]);
        if (clash) err = str_fmt("Function %s already exists", clash->name->buf);
    }
    if (err) {
        for (int j = 0; j < i; j++)
            if (replaced[j]) library_link(replaced[j]);
    } else {
        for (int j = 0; j < n; j++) {
            library_free(replaced[j]);
            library_link(src[j]);
        }
    }
    mem_free(replaced);
    return err;
}

static void cmd_function_restore(client *c) {
    int policy = 1; /* APPEND */
    if (c->argc == 4) {
        if (arg_is(&c->argv[3], "flush")) policy = 0;
        else if (arg_is(&c->argv[3], "append")) policy = 1;
        else if (arg_is(&c->argv[3], "replace")) policy = 2;
        else {
            reply_error(c, ERR_FUNCTION_RESTORE_POLICY);
            return;
        }
    } else if (c->argc > 4) {
        subcommand_syntax_error(c);
        return;
    }
    str *err = NULL;
    const char *p = c->argv[2].ptr;
    size_t len = c->argv[2].len;
    if (!rdb_verify_payload(p, len, &err)) {
        reply_errorf(c, "ERR %s", err->buf);
        str_free(err);
        return;
    }
    library **libs = NULL;
    int n = 0, cap = 0;
    rio r;
    str *buf = str_new(p, len - 10);
    rio_init_mem(&r, buf);
    r.update_cksum = false;
    while (err == NULL && r.io.mem.pos < buf->len) {
        unsigned char type;
        str *code = NULL;
        if (rio_read(&r, &type, 1) != 1) {
            err = str_from("can not read data type");
        } else if (type == RDB_OPCODE_FUNCTION_PRE_GA) {
            err = str_from("Pre-GA function format not supported");
        } else if (type != RDB_OPCODE_FUNCTION2) {
            err = str_from("given type is not a function");
        } else if ((code = rdb_load_function_code(&r)) == NULL) {
            err = str_from("failed loading the given functions payload");
        } else {
            library *l = library_create(code->buf, code->len, &err);
            /* The payload's libraries among themselves: unique names. */
            for (int j = 0; l && j < n; j++) {
                const char *clash = NULL;
                if (libs[j]->name->len == l->name->len &&
                    memcmp(libs[j]->name->buf, l->name->buf, l->name->len) == 0)
                    err = str_fmt("Library '%s' already exists", l->name->buf);
                for (int a = 0; !err && a < l->nfns; a++)
                    for (int b = 0; !clash && b < libs[j]->nfns; b++)
                        if (name_eq_nocase(l->fns[a]->name->buf, l->fns[a]->name->len,
                                           libs[j]->fns[b]->name->buf, libs[j]->fns[b]->name->len))
                            clash = l->fns[a]->name->buf;
                if (clash) err = str_fmt("Function %s already exists", clash);
                if (err) {
                    library_free(l);
                    l = NULL;
                }
            }
            if (l) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 4;
                    libs = mem_realloc(libs, sizeof(library *) * (size_t)cap);
                }
                libs[n++] = l;
            }
        }
        str_free(code);
    }
    str_free(r.io.mem.buf);
    if (err == NULL) err = join_libraries(libs, n, policy);
    if (err) {
        for (int j = 0; j < n; j++)
            if (dict_find(libraries, libs[j]->name->buf, libs[j]->name->len) != libs[j])
                library_free(libs[j]);
        reply_errorf(c, "ERR %s", err->buf);
        str_free(err);
    } else {
        reply_ok(c);
        propagate_as_sent(c);
    }
    mem_free(libs);
}

static void cmd_function_stats(client *c) {
    reply_map(c, 2);
    reply_bulk_cstr(c, "running_script");
    script_run *r = script_current();
    if (r == NULL) {
        reply_null(c);
    } else {
        reply_map(c, 3);
        reply_bulk_cstr(c, "name");
        reply_bulk_cstr(c, r->name);
        reply_bulk_cstr(c, "command");
        reply_array(c, r->caller->argc);
        for (int i = 0; i < r->caller->argc; i++)
            reply_bulk(c, r->caller->argv[i].ptr, r->caller->argv[i].len);
        reply_bulk_cstr(c, "duration_ms");
        reply_int(c, ((long long)util_monotonic_us() - r->start_us) / 1000);
    }
    reply_bulk_cstr(c, "engines");
    reply_map(c, 1);
    reply_bulk_cstr(c, "LUA");
    reply_map(c, 2);
    reply_bulk_cstr(c, "libraries_count");
    reply_int(c, (long long)dict_len(libraries));
    reply_bulk_cstr(c, "functions_count");
    reply_int(c, (long long)dict_len(functions));
}

static void cmd_function_help(client *c) {
    static const char *help[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    reply_help(c, "FUNCTION", help);
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
static command function_subcommands[] = {
    {.name = "load", .proc = cmd_function_load, .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING},
    {.name = "delete", .proc = cmd_function_delete, .arity = 3, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING},
    {.name = "flush", .proc = cmd_function_flush, .arity = -2, .flags = CMD_WRITE | CMD_NOSCRIPT,
     .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING},
    {.name = "kill", .proc = cmd_function_kill, .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "list", .proc = cmd_function_list, .arity = -2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "dump", .proc = cmd_function_dump, .arity = 2, .flags = CMD_NOSCRIPT,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "restore", .proc = cmd_function_restore, .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_NOSCRIPT, .acl = ACL_WRITE | ACL_SLOW | ACL_SCRIPTING},
    {.name = "stats", .proc = cmd_function_stats, .arity = 2,
     .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "help", .proc = cmd_function_help, .arity = 2, .flags = CMD_LOADING | CMD_STALE,
     .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = NULL}};

command function_commands[] = {
    {.name = "fcall", .proc = cmd_fcall, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_MAY_REPLICATE, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "fcall_ro", .proc = cmd_fcall_ro, .getkeys = script_eval_getkeys, .arity = -3,
     .flags = CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_MOVABLE_KEYS |
              CMD_STALE | CMD_SCRIPT_FLAGS | CMD_READONLY, .acl = ACL_SLOW | ACL_SCRIPTING},
    {.name = "function", .arity = -2, .acl = ACL_SLOW, .subcmds = function_subcommands},
    {.name = NULL}};
/* clang-format on */
