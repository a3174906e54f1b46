/* lua_cmsgpack.c -- placeholder. SPDX-License-Identifier: BSD-3-Clause */
#include "lua_libs.h"

#include <lauxlib.h>

static const luaL_Reg funcs[] = {{NULL, NULL}};

int luaopen_cmsgpack(lua_State *L) {
    luaL_register(L, "cmsgpack", funcs);
    return 1;
}
