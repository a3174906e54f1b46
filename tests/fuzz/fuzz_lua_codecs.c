/* fuzz_lua_codecs.c -- libFuzzer target for the decoders scripts feed
 * outside bytes to: cjson.decode (lua_cjson.c) and cmsgpack.unpack
 * (lua_cmsgpack.c).
 *
 * The first input byte picks the decoder (even: cjson, odd: cmsgpack); the
 * rest is the text. Whatever decodes is encoded and decoded again twice,
 * and the last two values must be equal (a stable round trip). Errors are
 * Lua errors, caught here; a crash, a sanitizer report or an unstable
 * round trip is a finding. Build and run: see README.md beside this file. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_libs.h"

static lua_State *L;

/* v1 = decode(bytes); v2 = decode(encode(v1)); v3 = decode(encode(v2)):
 * v2 and v3 must be equal (compared as values: table order, NaN). One
 * round trip may lose what the format cannot hold (cjson's 14 digits,
 * cmsgpack's 16 levels: a map key cut to nil does not decode again, as in
 * Redis); after it nothing more may change. Runs as Lua
 * code so the decoders' errors stay errors. */
static const char *const ROUND_TRIP =
    "local decode, encode, s = ...\n"
    "local function pack(...) return {n = select('#', ...), ...} end\n"
    "local function eq(a, b, depth)\n"
    "  if depth > 200 then return true end\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  local na, nb = 0, 0\n"
    "  for k, v in pairs(a) do\n"
    "    na = na + 1\n"
    "    if type(k) ~= 'table' and not eq(v, b[k], depth + 1) then return false end\n"
    "  end\n"
    "  for _ in pairs(b) do nb = nb + 1 end\n"
    "  return na == nb\n"
    "end\n"
    "local ok, v1 = pcall(function() return pack(decode(s)) end)\n"
    "if not ok then return end\n"
    "local ok1, e1 = pcall(encode, unpack(v1, 1, v1.n))\n"
    "if not ok1 then return end\n"
    "local ok2, v2 = pcall(function() return pack(decode(e1)) end)\n"
    "if not ok2 then return end\n"
    "local v3 = pack(decode(encode(unpack(v2, 1, v2.n))))\n"
    "if not eq(v2, v3, 0) then error('unstable round trip') end\n";

static void open_lib(lua_CFunction fn, const char *name) {
    lua_pushcfunction(L, fn);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static void init(void) {
    L = luaL_newstate();
    open_lib(luaopen_base, "");
    open_lib(luaopen_table, LUA_TABLIBNAME);
    open_lib(luaopen_string, LUA_STRLIBNAME);
    open_lib(luaopen_cjson, "cjson");
    open_lib(luaopen_cmsgpack, "cmsgpack");
    if (luaL_loadstring(L, ROUND_TRIP) != 0) abort();
    lua_setglobal(L, "round_trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (L == NULL) init();
    if (size == 0) return 0;
    bool json = (data[0] & 1) == 0;
    lua_getglobal(L, "round_trip");
    lua_getglobal(L, json ? "cjson" : "cmsgpack");
    lua_getfield(L, -1, json ? "decode" : "unpack");
    lua_getfield(L, -2, json ? "encode" : "pack");
    lua_remove(L, -3);
    lua_pushlstring(L, (const char *)data + 1, size - 1);
    if (lua_pcall(L, 3, 0, 0) != 0) {
        fprintf(stderr, "fuzz_lua_codecs: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_gc(L, LUA_GCSTEP, 10);
    return 0;
}
