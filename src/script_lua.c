/* script_lua.c -- the Lua engine: sandboxed states, the redis.* API, the
 * RESP <-> Lua conversions, and calling a script for a run.
 *
 * The sandbox is Redis 7.0's, built on Debian's unmodified Lua 5.1, which
 * has no read-only tables. Every table a script can reach from the globals
 * is therefore a *proxy*: an empty table whose metatable sends reads to a
 * hidden backing table and refuses writes ("Attempt to modify a readonly
 * table"). Backing tables hold proxies for their nested tables, so no path
 * from the globals leads to a writable shared table. The few builtins that
 * bypass metatables are wrapped: rawset, setmetatable and table.insert /
 * remove / sort refuse proxies; rawget, next and pairs see through them to
 * the backing table (so pairs(string) lists the library); getmetatable
 * returns a read-only face (the string metatable's, the globals' whose
 * __index raises the "nonexistent global" error). loadstring and load
 * refuse precompiled chunks, whose bytecode Lua 5.1 does not verify.
 * getfenv/setfenv, print, dofile, loadfile, newproxy and the debug, io,
 * os and package libraries are not there, as in Redis 7.0.15.
 *
 * A script's redis.call builds argv as slices into the Lua strings (alive
 * on the stack during the call), runs it through script_call(), and reads
 * the reply back from the fake client's output buffer (RESP, parsed here).
 * Spec: Redis 7.0's script_lua.c behaviour, checked against redis-server
 * 7.0.15 in tests/interop/test_diff_scripting.py.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "script_lua.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <limits.h>
#include <math.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtable.h"
#include "config.h"
#include "errors.h"
#include "ldb.h"
#include "log.h"
#include "lua_libs.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "util.h"

#define REG_PROTECTED "castor.protected"    /* proxy -> backing table */
#define REG_FACES "castor.faces"            /* proxy or metatable -> what getmetatable shows */
#define REG_FGLOBALS_META "castor.fmeta"    /* functions engine: the globals proxy's metatable */
#define REG_LIBRARY_API "castor.libapi"     /* functions engine: FUNCTION LOAD's globals */
#define REG_FULL_GLOBALS "castor.fullg"     /* functions engine: FCALL's globals */
#define REG_LIBRARY_REDIS "castor.libredis" /* backing table of FUNCTION LOAD's redis */

#define ERR_READONLY_TABLE "Attempt to modify a readonly table"

/* Fixed slots of the registry's array, set before any luaL_ref (which then
 * numbers its references after them): what every call needs, fetched
 * without a string lookup. */
#define SLOT_ERROR_HANDLER 1
#define SLOT_GLOBALS 2
#define SLOT_KEYS 3 /* EVAL's KEYS table, kept for the next run (false until one) */
#define SLOT_ARGV 4

/* The run whose script is executing (set by scriptl_call). */
static script_run *cur_run;

/* ---- math.random: Redis's rand48, one sequence for every script ---- */

static uint64_t rand48_state = 0x1234ABCD330EULL;

static int32_t rand48_next(void) {
    rand48_state = (0x5DEECE66DULL * rand48_state + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(rand48_state >> 17);
}

static int math_random(lua_State *L) {
    const int32_t max = 2147483647;
    lua_Number r = (lua_Number)(rand48_next() % max) / (lua_Number)max;
    switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, r); break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default: return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int math_randomseed(lua_State *L) {
    int32_t seed = (int32_t)luaL_checkint(L, 1);
    rand48_state = ((uint64_t)(uint32_t)seed << 16) | 0x330E;
    return 0;
}

/* ---- Errors ---- */

/* Push {err="CODE msg"} built from "-CODE msg" or from a bare "msg". */
static void push_error_len(lua_State *L, const char *s, size_t len) {
    if (__builtin_expect(ldb_logging(), 0)) ldb_log_error(s, len);
    const char *code = "ERR", *msg = s;
    size_t code_len = 3, msg_len = len;
    if (len > 0 && s[0] == '-') {
        const char *sp = memchr(s, ' ', len);
        if (sp == NULL) {
            msg = s + 1;
            msg_len = len - 1;
        } else {
            code = s + 1;
            code_len = (size_t)(sp - s) - 1;
            msg = sp + 1;
            msg_len = len - (size_t)(msg - s);
        }
    }
    while (msg_len && (*msg == '\r' || *msg == '\n')) msg++, msg_len--;
    while (msg_len && (msg[msg_len - 1] == '\r' || msg[msg_len - 1] == '\n')) msg_len--;
    lua_newtable(L);
    lua_pushlstring(L, code, code_len);
    lua_pushliteral(L, " ");
    lua_pushlstring(L, msg, msg_len);
    lua_concat(L, 3);
    lua_setfield(L, -2, "err");
}

void scriptl_push_error(lua_State *L, const char *err) { push_error_len(L, err, strlen(err)); }

/* Raise an error table for a mistake in a redis.* call. */
static int raise_error(lua_State *L, const char *err) {
    scriptl_push_error(L, err);
    return lua_error(L);
}

/* Redis's error handler: make every error a table {err=, source=, line=}
 * naming the Lua line that raised it (past a C function such as error()). */
static int error_handler(lua_State *L) {
    lua_Debug ar;
    int have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
    if (have && strcmp(ar.what, "C") == 0)
        have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
    if (!lua_istable(L, 1)) {
        lua_settop(L, 1);
        lua_newtable(L);
        lua_pushliteral(L, "ERR ");
        int t = lua_type(L, 1);
        if (t == LUA_TSTRING || t == LUA_TNUMBER) lua_pushvalue(L, 1);
        else if (t == LUA_TNIL) lua_pushliteral(L, "nil");
        else if (t == LUA_TBOOLEAN) lua_pushstring(L, lua_toboolean(L, 1) ? "true" : "false");
        else lua_pushfstring(L, "%s: %p", lua_typename(L, t), lua_topointer(L, 1));
        lua_concat(L, 2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    if (have) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    lua_settop(L, 1);
    return 1;
}

str *scriptl_error_message(lua_State *L) {
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        str *s = lua_isstring(L, -1) ? str_from(lua_tostring(L, -1)) : str_from(ERR_UNKNOWN_ERROR);
        lua_pop(L, 1);
        return s;
    }
    const char *m = lua_tostring(L, -1);
    return str_fmt("ERR %s", m ? m : "unknown error");
}

/* ---- Read-only tables ---- */

/* Assigning into a read-only table from Lua code: the error names the line. */
static int readonly_newindex(lua_State *L) { return luaL_error(L, ERR_READONLY_TABLE); }

/* The same refused by a builtin (rawset, setmetatable): no line, as Redis. */
static int readonly_builtin(lua_State *L) {
    lua_pushliteral(L, ERR_READONLY_TABLE);
    return lua_error(L);
}

static int nonexistent_global(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      name ? name : "?");
}

/* The backing table of proxy at idx pushed, or nothing and false. */
static bool push_backing(lua_State *L, int idx) {
    if (!lua_istable(L, idx)) return false;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROTECTED);
    lua_pushvalue(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return false;
    }
    return true;
}

static bool is_protected(lua_State *L, int idx) {
    if (!push_backing(L, idx)) return false;
    lua_pop(L, 1);
    return true;
}

/* Give the table on top a metatable whose __index raises the nonexistent
 * global error. */
static void set_strict_meta(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, nonexistent_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* Replace the table on top by its proxy, protecting nested tables first.
 * 'seen' (a table at index seen_idx) maps backing tables to their proxies
 * so shared and cyclic references (_G._G) get one proxy. */
static void protect_rec(lua_State *L, int seen_idx) {
    int t = lua_gettop(L);
    if (is_protected(L, t)) return;
    lua_pushvalue(L, t);
    lua_rawget(L, seen_idx);
    if (!lua_isnil(L, -1)) {
        lua_replace(L, t);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L); /* the proxy */
    int p = t + 1;
    lua_pushvalue(L, t);
    lua_pushvalue(L, p);
    lua_rawset(L, seen_idx);
    /* Nested tables become proxies inside the backing table. */
    lua_checkstack(L, 8);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_istable(L, -1)) {
            protect_rec(L, seen_idx);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, t);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_newtable(L); /* the proxy's metatable */
    lua_pushvalue(L, t);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, p);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_PROTECTED);
    lua_pushvalue(L, p);
    lua_pushvalue(L, t);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, t);
}

/* Push a read-only view of the table on top (replacing it), recursively;
 * with 'strict', reading a missing key raises Redis's "nonexistent global
 * variable" error. */
static void protect(lua_State *L, bool strict) {
    if (strict) set_strict_meta(L);
    lua_newtable(L);
    lua_insert(L, -2);
    protect_rec(L, lua_gettop(L) - 1);
    lua_remove(L, -2);
}

/* What getmetatable(obj) shows for obj (a proxy or a string): faces[key]. */
static void set_face(lua_State *L, int key_idx, int face_idx) {
    if (key_idx < 0) key_idx += lua_gettop(L) + 1;
    if (face_idx < 0) face_idx += lua_gettop(L) + 1;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_FACES);
    lua_pushvalue(L, key_idx);
    lua_pushvalue(L, face_idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* ---- Wrapped builtins ---- */

static int safe_setmetatable(lua_State *L) {
    if (is_protected(L, 1)) return readonly_builtin(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    int t = lua_type(L, 2);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (luaL_getmetafield(L, 1, "__metatable"))
        luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int safe_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_FACES);
    if (lua_type(L, 1) == LUA_TSTRING) lua_pushliteral(L, ""); /* every string shares one */
    else lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) return 1;
    lua_settop(L, 1);
    if (is_protected(L, 1) || !lua_getmetatable(L, 1)) {
        lua_pushnil(L); /* one value, nil, as Lua's own */
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

static int safe_rawset(lua_State *L) {
    if (is_protected(L, 1)) return readonly_builtin(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int safe_rawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    if (push_backing(L, 1)) lua_replace(L, 1);
    lua_settop(L, 2);
    lua_rawget(L, 1);
    return 1;
}

static int safe_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (push_backing(L, 1)) lua_replace(L, 1);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int safe_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); /* our next */
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* table.insert/remove/sort with the original as upvalue 1. */
static int safe_table_op(lua_State *L) {
    if (is_protected(L, 1)) return readonly_builtin(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* unpack with the range counted in 64 bits: Lua 5.1's overflows on
 * extreme bounds (CVE-2025-46817) and then writes past the stack. */
static int safe_unpack(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    long long i = luaL_optint(L, 2, 1);
    long long e = luaL_opt(L, luaL_checkint, 3, luaL_getn(L, 1));
    if (i > e) return 0;
    long long n = e - i + 1;
    if (n >= INT_MAX || !lua_checkstack(L, (int)n))
        return luaL_error(L, "too many results to unpack");
    for (long long k = i; k <= e; k++) lua_rawgeti(L, 1, (int)k);
    return (int)n;
}

/* Precompiled chunks start with ESC "Lua"; Lua 5.1 runs their bytecode
 * unchecked, so only source is loaded (Redis answers nil here too). */
static bool is_binary(const char *s, size_t len) { return len > 0 && s[0] == LUA_SIGNATURE[0]; }

/* Compile source s as loadstring does: the chunk, or nil and the error. */
static int load_source(lua_State *L, const char *s, size_t len, const char *name) {
    if (is_binary(s, len)) {
        lua_pushnil(L);
        lua_pushliteral(L, "attempt to load a binary chunk");
        return 2;
    }
    if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int safe_loadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    return load_source(L, s, len, luaL_optstring(L, 2, s));
}

/* load(func [, name]): gather the pieces, then as loadstring. */
static int safe_load(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_Buffer b;
    lua_settop(L, 2);
    luaL_buffinit(L, &b);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    return load_source(L, s, len, name);
}

/* Redis 7's pcall: an error table with an "err" string comes back as that
 * string, as older versions returned it. */
static int redis_style_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) lua_replace(L, -2);
            else lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

/* ---- RESP reply -> Lua ---- */

static const char *parse_reply(lua_State *L, const char *p);

static const char *line_end(const char *p) {
    while (*p != '\r') p++;
    return p;
}

/* The integer reply.c wrote before 'end' (util_str2ll reads it without
 * strtoll()'s locale and base machinery). */
static long long parse_ll(const char *p, const char *end) {
    long long v;
    if (util_str2ll(p, (size_t)(end - p), &v)) return v;
    return strtoll(p, NULL, 10);
}

/* Room for an aggregate's own slots (table, "map", inner table, a key)
 * and a scalar child's (an error's four): 8. A scalar at the top needs no
 * check: a C function starts with LUA_MINSTACK (20) free slots. */
static void check_stack(lua_State *L, int n) {
    /* Replies of commands nest a few levels at most. */
    if (!lua_checkstack(L, n)) {
        log_msg(LOG_WARNING, "lua stack limit reached when parsing redis.call reply");
        abort();
    }
}

static const char *parse_aggregate(lua_State *L, const char *p, char type, long long n) {
    check_stack(L, 8);
    if (type == '*' || type == '>') {
        lua_createtable(L, n > 0 && n < 1 << 20 ? (int)n : 0, 0);
        for (long long i = 0; i < n; i++) {
            p = parse_reply(L, p);
            lua_rawseti(L, -2, (int)(i + 1));
        }
        return p;
    }
    lua_newtable(L);
    lua_pushstring(L, type == '%' ? "map" : "set");
    lua_newtable(L);
    for (long long i = 0; i < n; i++) {
        p = parse_reply(L, p);
        if (type == '%') p = parse_reply(L, p);
        else lua_pushboolean(L, 1);
        lua_settable(L, -3);
    }
    lua_settable(L, -3);
    return p;
}

/* Parse one RESP value at p (well-formed: written by reply.c), push its
 * Lua form as Redis's redisProtocolToLuaType does; returns what follows. */
static const char *parse_reply(lua_State *L, const char *p) {
    char type = *p++;
    const char *e = line_end(p);
    const char *next = e + 2;
    switch (type) {
    case '+':
        lua_createtable(L, 0, 1); /* as lua_newtable grows to for "ok", without the rehash */
        lua_pushlstring(L, p, (size_t)(e - p));
        lua_setfield(L, -2, "ok");
        return next;
    case '-':
        push_error_len(L, p - 1, (size_t)(e - p + 1));
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        return next;
    case ':': lua_pushnumber(L, (lua_Number)parse_ll(p, e)); return next;
    case '$':
    case '=': {
        long long len = parse_ll(p, e);
        if (len < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        if (type == '$') {
            lua_pushlstring(L, next, (size_t)len);
        } else {
            lua_newtable(L);
            lua_newtable(L);
            lua_pushlstring(L, next + 4, (size_t)len - 4);
            lua_setfield(L, -2, "string");
            lua_pushlstring(L, next, 3);
            lua_setfield(L, -2, "format");
            lua_setfield(L, -2, "verbatim_string");
        }
        return next + len + 2;
    }
    case '*':
    case '%':
    case '~':
    case '>': {
        long long n = parse_ll(p, e);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        return parse_aggregate(L, next, type, n);
    }
    case '|': { /* attributes are not shown to scripts */
        check_stack(L, 8);
        long long n = parse_ll(p, e);
        for (long long i = 0; i < 2 * n; i++) {
            next = parse_reply(L, next);
            lua_pop(L, 1);
        }
        return parse_reply(L, next);
    }
    case '_': lua_pushnil(L); return next;
    case '#': lua_pushboolean(L, *p == 't'); return next;
    case ',': {
        char buf[128];
        size_t n = (size_t)(e - p) < sizeof(buf) - 1 ? (size_t)(e - p) : sizeof(buf) - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        lua_newtable(L);
        lua_pushnumber(L, strtod(buf, NULL));
        lua_setfield(L, -2, "double");
        return next;
    }
    case '(':
        lua_newtable(L);
        lua_pushlstring(L, p, (size_t)(e - p));
        lua_setfield(L, -2, "big_number");
        return next;
    default:
        log_msg(LOG_WARNING, "Unexpected reply type '%c' from a command called by a script", type);
        abort();
    }
}

/* ---- Lua -> reply ---- */

/* Redis maps CR and LF to spaces in status replies and big numbers. */
static str *no_newlines(const char *p, size_t len) {
    str *s = str_new(p, len);
    for (size_t i = 0; i < s->len; i++)
        if (s->buf[i] == '\r' || s->buf[i] == '\n') s->buf[i] = ' ';
    return s;
}

/* Field 'name' of the table at -1 pushed, raw; its type returned. */
static int raw_field(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static void reply_lua_value(client *c, lua_State *L, int script_resp);

/* The table at -1 as an error reply, if it has an "err" string. */
static bool reply_error_table(client *c, lua_State *L) {
    if (raw_field(L, "err") != LUA_TSTRING) {
        lua_pop(L, 1);
        return false;
    }
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    lua_getfield(L, -2, "ignore_error_stats_update");
    bool nostats = lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* The text goes out as it is: it carries its own code. */
    if (nostats) reply_error_nostats(c, msg);
    else reply_error(c, msg);
    lua_pop(L, 1);
    return true;
}

static bool reply_special_table(client *c, lua_State *L, int script_resp) {
    int t;
    if ((t = raw_field(L, "ok")) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        str *ok = no_newlines(s, len);
        reply_simple(c, ok->buf);
        str_free(ok);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if ((t = raw_field(L, "double")) == LUA_TNUMBER) {
        reply_double(c, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if ((t = raw_field(L, "big_number")) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        str *num = no_newlines(s, len);
        reply_big_number(c, num->buf, num->len);
        str_free(num);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if ((t = raw_field(L, "verbatim_string")) == LUA_TTABLE) {
        if (raw_field(L, "format") == LUA_TSTRING) {
            const char *fmt = lua_tostring(L, -1);
            lua_pushstring(L, "string");
            lua_rawget(L, -3);
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t len;
                const char *s = lua_tolstring(L, -1, &len);
                reply_verbatim(c, s, len, fmt);
                lua_pop(L, 3);
                return true;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if ((t = raw_field(L, "map")) == LUA_TTABLE) {
        void *node = reply_defer(c);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            reply_lua_value(c, L, script_resp); /* the key */
            reply_lua_value(c, L, script_resp); /* the value */
            n++;
        }
        reply_set_deferred_map(c, node, n);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    if ((t = raw_field(L, "set")) == LUA_TTABLE) {
        void *node = reply_defer(c);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            reply_lua_value(c, L, script_resp);
            n++;
        }
        reply_set_deferred_set(c, node, n);
        lua_pop(L, 1);
        return true;
    }
    lua_pop(L, 1);
    return false;
}

/* Reply the value on top of the stack to c and pop it, as Redis's
 * luaReplyToRedisReply: script_resp is the protocol the script chose
 * (it decides how booleans go out). */
static void reply_lua_value(client *c, lua_State *L, int script_resp) {
    if (!lua_checkstack(L, 4)) {
        reply_error(c, ERR_LUA_STACK);
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        reply_bulk(c, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (script_resp == 2) {
            if (lua_toboolean(L, -1)) reply_int(c, 1);
            else reply_null(c);
        } else {
            reply_bool(c, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER: reply_int(c, (long long)lua_tonumber(L, -1)); break;
    case LUA_TTABLE: {
        if (reply_error_table(c, L) || reply_special_table(c, L, script_resp)) break;
        void *node = reply_defer(c);
        long long n = 0;
        for (int j = 1;; j++) {
            lua_rawgeti(L, -1, j);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
            }
            reply_lua_value(c, L, script_resp);
            n++;
        }
        reply_set_deferred_array(c, node, n);
        break;
    }
    default: reply_null(c);
    }
    lua_pop(L, 1);
}

/* ---- The redis.* API ---- */

/* Scratch space for redis.call's argv: slices into Lua strings, numbers
 * formatted into nums. Reused by every call (calls do not nest). */
static slice *call_argv;
static size_t call_argv_cap;
static char (*call_nums)[32];
static size_t call_nums_cap;

/* Build fc's argv from the Lua arguments; false after pushing an error. */
static bool args_to_argv(lua_State *L, client *fc) {
    int argc = lua_gettop(L);
    if (argc == 0) {
        scriptl_push_error(L, "Please specify at least one argument for this redis lib call");
        return false;
    }
    if ((size_t)argc > call_argv_cap) {
        call_argv_cap = (size_t)argc * 2;
        call_argv = mem_realloc(call_argv, sizeof(slice) * call_argv_cap);
    }
    size_t nums = 0;
    for (int j = 1; j <= argc; j++) {
        int t = lua_type(L, j);
        if (t == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, j, &len);
            call_argv[j - 1] = slice_of(s, len);
            continue;
        }
        if (t != LUA_TNUMBER) {
            scriptl_push_error(L, "Lua redis lib command arguments must be strings or integers");
            return false;
        }
        if (nums == call_nums_cap) {
            call_nums_cap = call_nums_cap ? call_nums_cap * 2 : 8;
            call_nums = mem_realloc(call_nums, sizeof(*call_nums) * call_nums_cap);
            /* The numbers placed so far moved with the array. */
            size_t m = 0;
            for (int k = 1; k < j; k++)
                if (lua_type(L, k) == LUA_TNUMBER) call_argv[k - 1].ptr = call_nums[m++];
        }
        /* %.17g: Lua's own %.14g would lose precision. Integers below 1e15
         * (nearly every number a script passes) print the same digits
         * without printf's floating point machinery. */
        double d = (double)lua_tonumber(L, j);
        long long ll = d > -1e15 && d < 1e15 ? (long long)d : 0;
        size_t n;
        if ((double)ll == d && (ll != 0 || !signbit(d))) n = util_ll2str(call_nums[nums], ll);
        else n = (size_t)snprintf(call_nums[nums], sizeof(call_nums[nums]), "%.17g", d);
        call_argv[j - 1] = slice_of(call_nums[nums++], n);
    }
    fc->argv = call_argv;
    fc->argc = argc;
    return true;
}

/* The fake client's reply as one contiguous buffer (its inline buffer when
 * it fits; else *owned, which the caller frees). */
static const char *take_reply(client *fc, str **owned) {
    *owned = NULL;
    if (fc->head == NULL) return fc->buf;
    str *s = str_new(fc->buf, fc->buf_used);
    for (reply_block *b = fc->head; b; b = b->next) s = str_cat(s, b->data, b->used);
    *owned = s;
    return s->buf;
}

/* A command refused before it ran, as its error table (what parse_reply
 * makes of the refusal's reply), made from the text Redis logs for it in
 * the debugger: its own words for an ERR, "-CODE ..." for other codes. */
static void push_refusal(lua_State *L, const char *err) {
    if (strncmp(err, "ERR ", 4) == 0) {
        push_error_len(L, err + 4, strlen(err) - 4);
    } else {
        str *t = str_fmt("-%s", err);
        push_error_len(L, t->buf, t->len);
        str_free(t);
    }
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ignore_error_stats_update");
}

static int redis_generic_call(lua_State *L, bool raise) {
    script_run *r = cur_run;
    if (r == NULL)
        return raise_error(L, "redis.call/pcall can only be called inside a script invocation");
    static bool inuse;
    if (inuse) {
        const char *w =
            "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?";
        log_msg(LOG_WARNING, "%s", w);
        scriptl_push_error(L, w);
        return 1;
    }
    client *fc = r->fc;
    if (!args_to_argv(L, fc)) return raise ? lua_error(L) : 1;
    bool logging = ldb_logging();
    if (__builtin_expect(logging, 0)) ldb_log_call(fc->argc, fc->argv);
    inuse = true;
    const char *refused = script_call(r);
    lua_settop(L, 0); /* the arguments are no longer needed: room for the reply */
    str *owned;
    const char *reply = take_reply(fc, &owned);
    bool is_error = reply[0] == '-';
    if (__builtin_expect(logging, 0) && refused) push_refusal(L, refused);
    else parse_reply(L, reply);
    if (__builtin_expect(logging, 0) && !refused) ldb_log_reply(reply);
    str_free(owned);
    reply_discard(fc);
    fc->argc = 0;
    fc->argv = NULL;
    inuse = false;
    if (raise && is_error) return lua_error(L);
    return 1;
}

static int redis_call(lua_State *L) { return redis_generic_call(L, true); }
static int redis_pcall(lua_State *L) { return redis_generic_call(L, false); }

static int redis_sha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return raise_error(L, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    unsigned char hash[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)(s ? s : ""), s ? len : 0, hash);
    char hex[41];
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    lua_pushstring(L, hex);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        scriptl_push_error(L, "wrong number or type of arguments");
        return 1;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (s[0] == '-') {
        push_error_len(L, s, len);
    } else {
        lua_pushliteral(L, "-");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        s = lua_tolstring(L, -1, &len);
        push_error_len(L, s, len);
    }
    return 1;
}

static int redis_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        scriptl_push_error(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return raise_error(L, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < LOG_DEBUG || level > LOG_WARNING) return raise_error(L, "Invalid debug level.");
    if (level < cfg.loglevel) return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool first = true;
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (s == NULL) continue;
        if (!first) luaL_addchar(&b, ' ');
        luaL_addlstring(&b, s, len);
        first = false;
    }
    luaL_pushresult(&b);
    log_msg(level, "%s", lua_tostring(L, -1));
    return 0;
}

static int redis_setresp(lua_State *L) {
    if (cur_run == NULL)
        return raise_error(L, "redis.setresp can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_error(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3) return raise_error(L, "RESP version must be 2 or 3.");
    cur_run->fc->resp = resp;
    return 0;
}

static int redis_set_repl(lua_State *L) {
    if (cur_run == NULL)
        return raise_error(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return raise_error(L, "redis.set_repl() requires two arguments.");
    int flags = (int)lua_tonumber(L, 1);
    if (flags & ~(1 | 2))
        return raise_error(
            L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    cur_run->repl = flags;
    return 0;
}

static int redis_true(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

/* As Redis: the caller's user's permission for the command and its
 * arguments (keys, channels), a boolean; nothing is logged in ACL LOG. */
static int redis_acl_check_cmd(lua_State *L) {
    script_run *r = cur_run;
    if (r == NULL)
        return raise_error(L, "redis.acl_check_cmd can only be called inside a script invocation");
    client *fc = r->fc;
    if (!args_to_argv(L, fc)) return lua_error(L);
    bool ok;
    command *cmd = script_acl_check(r, &ok);
    fc->argc = 0;
    fc->argv = NULL;
    if (cmd == NULL) return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, ok);
    return 1;
}

static void set_number(lua_State *L, const char *name, lua_Number v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

static void set_function(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

/* redis.log, the LOG_* levels and the version: in both APIs. */
static void add_common_api(lua_State *L) {
    set_function(L, "log", redis_log);
    set_number(L, "LOG_DEBUG", LOG_DEBUG);
    set_number(L, "LOG_VERBOSE", LOG_VERBOSE);
    set_number(L, "LOG_NOTICE", LOG_NOTICE);
    set_number(L, "LOG_WARNING", LOG_WARNING);
    lua_pushstring(L, CASTOR_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    int a = 0, b = 0, c = 0;
    sscanf(CASTOR_VERSION, "%d.%d.%d", &a, &b, &c);
    set_number(L, "REDIS_VERSION_NUM", (a << 16) | (b << 8) | c);
}

/* EVAL's debugger hooks and replicate_commands exist only for EVAL. */
static void add_redis_api(lua_State *L, int kind) {
    lua_newtable(L);
    set_function(L, "call", redis_call);
    set_function(L, "pcall", redis_pcall);
    add_common_api(L);
    set_function(L, "setresp", redis_setresp);
    set_function(L, "sha1hex", redis_sha1hex);
    set_function(L, "error_reply", redis_error_reply);
    set_function(L, "status_reply", redis_status_reply);
    set_function(L, "set_repl", redis_set_repl);
    set_number(L, "REPL_NONE", 0);
    set_number(L, "REPL_AOF", 1);
    set_number(L, "REPL_SLAVE", 2);
    set_number(L, "REPL_REPLICA", 2);
    set_number(L, "REPL_ALL", 3);
    set_function(L, "acl_check_cmd", redis_acl_check_cmd);
    if (kind == SCRIPTL_EVAL) {
        set_function(L, "replicate_commands", redis_true);
        set_function(L, "breakpoint", ldb_lua_breakpoint);
        set_function(L, "debug", ldb_lua_debug);
    }
    lua_setfield(L, -2, "redis");
}

/* ---- Is a table as new? ---- */

/* The head of Lua 5.1.5's Table (lobject.h), to read whether a table is
 * still exactly as lua_createtable(n, 0) made it: no metatable, an array
 * part of n slots and no hash part (the shared dummy node). The public API
 * cannot tell (a script may have added and removed keys, leaving a grown
 * hash part). Debian's liblua5.1 is 5.1.5, which will not change; still,
 * check_table_layout() tries it on tables it made and, unless every field
 * reads as expected, table_is_fresh() always answers false. */
struct lua51_table {
    void *next;
    unsigned char tt, marked, flags, lsizenode;
    const void *metatable;
    void *array;
    const void *node;
    void *lastfree;
    void *gclist;
    int sizearray;
};

static const void *dummy_node; /* NULL: the layout did not check out */

static bool table_is_fresh(const void *p, int n) {
    const struct lua51_table *t = p;
    return dummy_node && t->node == dummy_node && t->sizearray == n && t->metatable == NULL;
}

static void check_table_layout(lua_State *L) {
    static bool checked;
    if (checked) return;
    checked = true;
    lua_createtable(L, 0, 0);
    const struct lua51_table *empty = lua_topointer(L, -1);
    lua_createtable(L, 3, 0);
    const struct lua51_table *arr = lua_topointer(L, -1);
    lua_createtable(L, 0, 4);
    const struct lua51_table *hash = lua_topointer(L, -1);
    const void *dummy = empty->node;
    bool ok = empty->sizearray == 0 && empty->lsizenode == 0 && empty->metatable == NULL &&
              arr->sizearray == 3 && arr->node == dummy && arr->array != NULL &&
              arr->metatable == NULL && hash->sizearray == 0 && hash->lsizenode == 2 &&
              hash->node != dummy;
    lua_pushvalue(L, -3);
    lua_setmetatable(L, -3); /* arr's metatable: empty */
    ok = ok && arr->metatable == empty;
    lua_pop(L, 3);
    if (ok) dummy_node = dummy;
    else
        log_msg(
            LOG_WARNING,
            "Lua tables are not laid out as in Lua 5.1.5: KEYS and ARGV are new tables every run.");
}

/* ---- Building a state ---- */

static void open_lib(lua_State *L, const char *name, lua_CFunction fn) {
    lua_pushcfunction(L, fn);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/* Wrap t[name] (t at -1) in fn with the original as upvalue. */
static void wrap_field(lua_State *L, const char *name, lua_CFunction fn) {
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

/* The builtins of Redis 7.0.15, with the wrappers the proxies need; runs
 * with the real globals table on top of the stack. */
static void set_builtins(lua_State *L) {
    static const char *const removed[] = {"dofile",   "loadfile", "print",   "getfenv", "setfenv",
                                          "newproxy", "module",   "require", "debug",   NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, removed[i]);
    }
    set_function(L, "pcall", redis_style_pcall);
    set_function(L, "loadstring", safe_loadstring);
    set_function(L, "load", safe_load);
    set_function(L, "setmetatable", safe_setmetatable);
    set_function(L, "getmetatable", safe_getmetatable);
    set_function(L, "rawset", safe_rawset);
    set_function(L, "rawget", safe_rawget);
    set_function(L, "next", safe_next);
    set_function(L, "unpack", safe_unpack);
    lua_getfield(L, -1, "next");
    lua_pushcclosure(L, safe_pairs, 1);
    lua_setfield(L, -2, "pairs");
    lua_getfield(L, -1, "table");
    wrap_field(L, "insert", safe_table_op);
    wrap_field(L, "remove", safe_table_op);
    wrap_field(L, "sort", safe_table_op);
    lua_pop(L, 1);
    lua_getfield(L, -1, "math");
    set_function(L, "random", math_random);
    set_function(L, "randomseed", math_randomseed);
    lua_pop(L, 1);
}

/* Make the string metatable's __index the string library's proxy and show
 * a read-only face of it to getmetatable (CVE-2025-46818: scripts changed
 * it to run their code in other users' scripts). */
static void protect_string_meta(lua_State *L, int globals_idx) {
    lua_pushliteral(L, "");
    if (!lua_getmetatable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, globals_idx, "string");
    lua_setfield(L, -2, "__index");
    protect(L, false); /* the face, in place of the metatable */
    set_face(L, -2, -1);
    lua_pop(L, 2);
}

lua_State *scriptl_open(int kind) {
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        log_msg(LOG_WARNING, "Failed creating the Lua VM.");
        abort();
    }
    lua_pushcfunction(L, error_handler);
    lua_rawseti(L, LUA_REGISTRYINDEX, SLOT_ERROR_HANDLER);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_rawseti(L, LUA_REGISTRYINDEX, SLOT_GLOBALS);
    lua_pushboolean(L, 0);
    lua_rawseti(L, LUA_REGISTRYINDEX, SLOT_KEYS);
    lua_pushboolean(L, 0);
    lua_rawseti(L, LUA_REGISTRYINDEX, SLOT_ARGV);
    check_table_layout(L);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_PROTECTED);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_FACES);
    open_lib(L, "", luaopen_base);
    open_lib(L, LUA_TABLIBNAME, luaopen_table);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math);
    open_lib(L, "cjson", luaopen_cjson);
    open_lib(L, "struct", luaopen_struct);
    open_lib(L, "cmsgpack", luaopen_cmsgpack);
    open_lib(L, "bit", luaopen_bit);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int g = lua_gettop(L);
    set_builtins(L);
    add_redis_api(L, kind);
    lua_pushcfunction(L, error_handler);
    lua_setfield(L, g, "__redis__err__handler");

    /* The globals proxy E: every chunk and the thread see only E. _G in
     * the backing table is E itself. */
    lua_pushvalue(L, g);
    protect(L, true);
    int e = lua_gettop(L);
    lua_pushvalue(L, e);
    lua_setfield(L, g, "_G");
    /* getmetatable(_G) shows a read-only table whose __index raises. */
    lua_newtable(L);
    lua_pushcfunction(L, nonexistent_global);
    lua_setfield(L, -2, "__index");
    protect(L, false);
    set_face(L, e, -1);
    lua_pop(L, 1);
    protect_string_meta(L, g);
    if (kind == SCRIPTL_FUNCTIONS) {
        /* Function code runs with globals F whose metatable's __index is
         * swapped between the library API and E (scriptl_set_function_globals). */
        lua_newtable(L);
        lua_newtable(L);
        lua_pushvalue(L, e);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, readonly_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_FGLOBALS_META);
        lua_setmetatable(L, -2);
        /* F counts as protected (backing: E's backing table). */
        lua_getfield(L, LUA_REGISTRYINDEX, REG_PROTECTED);
        lua_pushvalue(L, -2);
        lua_pushvalue(L, g);
        lua_rawset(L, -3);
        lua_pop(L, 1);
        lua_pushvalue(L, e);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_FULL_GLOBALS);
        /* The library API: globals with only 'redis' (register_function,
         * log, levels, version); reading anything else raises. */
        lua_newtable(L);
        lua_newtable(L);
        add_common_api(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_LIBRARY_REDIS);
        set_strict_meta(L);
        lua_setfield(L, -2, "redis");
        protect(L, true);
        lua_setfield(L, LUA_REGISTRYINDEX, REG_LIBRARY_API);
        lua_replace(L, LUA_GLOBALSINDEX);
    } else {
        lua_pushvalue(L, e);
        lua_replace(L, LUA_GLOBALSINDEX);
    }
    lua_settop(L, 0);
    return L;
}

void scriptl_set_register_function(lua_State *L, int (*fn)(lua_State *)) {
    /* The library API's redis table is read-only once protected: write
     * into its backing table. */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LIBRARY_REDIS);
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, "register_function");
    lua_pop(L, 1);
}

void scriptl_set_function_globals(lua_State *L, bool library_api) {
    lua_getfield(L, LUA_REGISTRYINDEX, REG_FGLOBALS_META);
    lua_getfield(L, LUA_REGISTRYINDEX, library_api ? REG_LIBRARY_API : REG_FULL_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

bool scriptl_read_flags(lua_State *L, int idx, unsigned *flags) {
    unsigned f = 0;
    for (int j = 1;; j++) {
        lua_rawgeti(L, idx, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        size_t len;
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        unsigned one = s ? script_flag_from_name(s, len) : 0;
        lua_pop(L, 1);
        if (one == 0) return false;
        f |= one;
    }
    *flags = f;
    return true;
}

void scriptl_close(lua_State *L) {
    if (L) lua_close(L);
}

size_t scriptl_memory(lua_State *L) { return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024; }

int scriptl_compile(lua_State *L, const char *chunk, const char *body, size_t len, str **err) {
    int rc;
    if (len >= 2 && body[0] == '#' && body[1] == '!') {
        /* Keep the shebang's line as a comment. */
        char *copy = mem_alloc(len);
        memcpy(copy, body, len);
        copy[0] = copy[1] = '-';
        rc = luaL_loadbuffer(L, copy, len, chunk);
        mem_free(copy);
    } else {
        rc = luaL_loadbuffer(L, body, len, chunk);
    }
    if (rc != 0) {
        const char *m = lua_tostring(L, -1);
        *err = str_from(m ? m : "unknown error");
        lua_pop(L, 1);
        return -1;
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

void scriptl_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }

/* ---- Calling a script ---- */

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (cur_run == NULL || !script_interrupt(cur_run)) return;
    log_msg(LOG_WARNING, "Lua script killed by user with SCRIPT KILL.");
    /* Every line from now on raises again, so pcall cannot swallow it. */
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    raise_error(L, "Script killed by user with SCRIPT KILL...");
}

static void fill_array(lua_State *L, int n, const slice *v) {
    for (int j = 0; j < n; j++) {
        lua_pushlstring(L, v[j].ptr, v[j].len);
        lua_rawseti(L, -2, j + 1);
    }
}

static void push_array(lua_State *L, int n, const slice *v) {
    lua_createtable(L, n, 0);
    fill_array(L, n, v);
}

/* Set EVAL's global 'name' (KEYS or ARGV) to the array v. The table of
 * the last run is refilled when it is still exactly what
 * lua_createtable(n, 0) made (a script may have changed it: then it gets
 * a new one), which spares a new table and its collection per run. No
 * run sees another's table: an EVAL script keeps nothing between runs
 * (its globals are read-only), unlike a function's library. */
static void set_eval_array(lua_State *L, int slot, const char *name, int n, const slice *v) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, slot);
    if (!lua_istable(L, -1) || !table_is_fresh(lua_topointer(L, -1), n)) {
        lua_pop(L, 1);
        lua_createtable(L, n, 0);
        lua_pushvalue(L, -1);
        lua_rawseti(L, LUA_REGISTRYINDEX, slot);
        lua_rawgeti(L, LUA_REGISTRYINDEX, SLOT_GLOBALS);
        lua_pushstring(L, name);
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    fill_array(L, n, v);
    lua_pop(L, 1);
}

static void reply_run_error(client *c, lua_State *L, const script_run *r) {
    if (!lua_istable(L, -1)) {
        const char *m = lua_tostring(L, -1);
        reply_errorf(c, ERR_LUA_RUNNING, r->name, m ? m : "execution failure");
        return;
    }
    lua_getfield(L, -1, "err");
    const char *msg = lua_tostring(L, -1);
    lua_getfield(L, -2, "source");
    const char *source = lua_tostring(L, -1);
    lua_getfield(L, -3, "line");
    const char *line = lua_tostring(L, -1);
    lua_getfield(L, -4, "ignore_error_stats_update");
    bool nostats = lua_toboolean(L, -1);
    /* An error table without a message (error({})) crashes Redis 7.0.15;
     * here it is a plain script error. */
    str *s = str_from(msg ? msg : ERR_UNKNOWN_ERROR);
    if (source && line) s = str_catfmt(s, " script: %s, on %s:%s.", r->name, source, line);
    if (nostats) reply_error_nostats(c, s->buf);
    else reply_error(c, s->buf);
    str_free(s);
    lua_pop(L, 4);
}

void scriptl_call(lua_State *L, int ref, script_run *r, int nkeys, const slice *keys, int nargs,
                  const slice *args) {
    bool eval = r->flags & RUN_EVAL;
    lua_rawgeti(L, LUA_REGISTRYINDEX, SLOT_ERROR_HANDLER);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    cur_run = r;
    bool debugging = ldb_active(), hook = debugging || cfg.busy_reply_threshold > 0;
    if (debugging) lua_sethook(L, ldb_hook, LUA_MASKLINE | LUA_MASKCOUNT, 100000);
    else if (hook) lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
    if (eval) {
        set_eval_array(L, SLOT_KEYS, "KEYS", nkeys, keys);
        set_eval_array(L, SLOT_ARGV, "ARGV", nargs, args);
    } else {
        push_array(L, nkeys, keys);
        push_array(L, nargs, args);
    }
    int err = lua_pcall(L, eval ? 0 : 2, 1, -(eval ? 2 : 4));
    /* Every 50 runs, a few incremental GC steps when the runs left much
     * garbage (over 1 KB each), as Redis steps to spread the collection's
     * cost. Light scripts (a few strings and the KEYS/ARGV tables a run)
     * are left to Lua's own allocation-driven steps: a forced step there
     * walks the whole heap again and again, a sixth of a small script's
     * cost, and frees nothing more (the heap stays under twice its live
     * size either way). */
    static int gc_count;
    static int gc_last_kb;
    if (++gc_count == 50) {
        int kb = lua_gc(L, LUA_GCCOUNT, 0);
        if (kb - gc_last_kb >= 50) {
            lua_gc(L, LUA_GCSTEP, 50);
            kb = lua_gc(L, LUA_GCCOUNT, 0);
        }
        gc_last_kb = kb;
        gc_count = 0;
    }
    if (err) reply_run_error(r->caller, L, r);
    else reply_lua_value(r->caller, L, r->fc->resp);
    if (hook) lua_sethook(L, NULL, 0, 0);
    cur_run = NULL;
    lua_settop(L, 0);
}
