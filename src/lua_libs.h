/* lua_libs.h -- the Lua libraries scripts get beside Lua's own, each with
 * Redis's API and limits: cjson (lua_cjson.c), cmsgpack (lua_cmsgpack.c),
 * struct (lua_struct.c) and bit (lua_bit.c). Each luaopen_* takes the
 * library's name as argument 1 (as lua_call from script_lua.c passes it),
 * sets the global of that name and returns the table. */
#ifndef CASTOR_LUA_LIBS_H
#define CASTOR_LUA_LIBS_H

#include <lua.h>

int luaopen_cjson(lua_State *L);
int luaopen_cmsgpack(lua_State *L);
int luaopen_struct(lua_State *L);
int luaopen_bit(lua_State *L);

#endif
