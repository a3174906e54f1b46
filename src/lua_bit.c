/* lua_bit.c -- the 'bit' library of scripts: LuaBitOp 1.0.2's API, as
 * Redis ships it.
 *
 * Numbers are taken modulo 2^32 (adding 2^52 + 2^51 to a double leaves the
 * low 32 bits of its integer part in the mantissa's low word, LuaBitOp's
 * trick), operations work on uint32_t and results are returned as signed
 * 32-bit numbers. bit.tohex clamps its width: -2^31 has no positive
 * counterpart (CVE-2024-31449 overflowed the digit buffer with it).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lua_libs.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

static uint32_t arg_bits(lua_State *L, int idx) {
    union {
        lua_Number n;
        uint64_t b;
    } u;
    u.n = luaL_checknumber(L, idx) + 6755399441055744.0;
    return (uint32_t)u.b;
}

static int push_bits(lua_State *L, uint32_t b) {
    lua_pushnumber(L, (lua_Number)(int32_t)b);
    return 1;
}

static int bit_tobit(lua_State *L) { return push_bits(L, arg_bits(L, 1)); }
static int bit_bnot(lua_State *L) { return push_bits(L, ~arg_bits(L, 1)); }

static int bit_band(lua_State *L) {
    uint32_t b = arg_bits(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b &= arg_bits(L, i);
    return push_bits(L, b);
}

static int bit_bor(lua_State *L) {
    uint32_t b = arg_bits(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b |= arg_bits(L, i);
    return push_bits(L, b);
}

static int bit_bxor(lua_State *L) {
    uint32_t b = arg_bits(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b ^= arg_bits(L, i);
    return push_bits(L, b);
}

static int bit_lshift(lua_State *L) {
    uint32_t b = arg_bits(L, 1), n = arg_bits(L, 2) & 31;
    return push_bits(L, b << n);
}

static int bit_rshift(lua_State *L) {
    uint32_t b = arg_bits(L, 1), n = arg_bits(L, 2) & 31;
    return push_bits(L, b >> n);
}

static int bit_arshift(lua_State *L) {
    uint32_t b = arg_bits(L, 1), n = arg_bits(L, 2) & 31;
    /* An arithmetic shift without relying on signed >> of negatives. */
    uint32_t sign = (b & 0x80000000u) ? ~(0xFFFFFFFFu >> n) : 0;
    return push_bits(L, (b >> n) | sign);
}

static int bit_rol(lua_State *L) {
    uint32_t b = arg_bits(L, 1), n = arg_bits(L, 2) & 31;
    return push_bits(L, n ? (b << n) | (b >> (32 - n)) : b);
}

static int bit_ror(lua_State *L) {
    uint32_t b = arg_bits(L, 1), n = arg_bits(L, 2) & 31;
    return push_bits(L, n ? (b >> n) | (b << (32 - n)) : b);
}

static int bit_bswap(lua_State *L) {
    uint32_t b = arg_bits(L, 1);
    b = (b >> 24) | ((b >> 8) & 0xff00u) | ((b & 0xff00u) << 8) | (b << 24);
    return push_bits(L, b);
}

static int bit_tohex(lua_State *L) {
    uint32_t b = arg_bits(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)arg_bits(L, 2);
    const char *digits = "0123456789abcdef";
    if (n == INT32_MIN) n = INT32_MIN + 1;
    if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) n = 8;
    char buf[8];
    for (int i = n - 1; i >= 0; i--) {
        buf[i] = digits[b & 15];
        b >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"tobit", bit_tobit}, {"bnot", bit_bnot},     {"band", bit_band},     {"bor", bit_bor},
    {"bxor", bit_bxor},   {"lshift", bit_lshift}, {"rshift", bit_rshift}, {"arshift", bit_arshift},
    {"rol", bit_rol},     {"ror", bit_ror},       {"bswap", bit_bswap},   {"tohex", bit_tohex},
    {NULL, NULL}};

int luaopen_bit(lua_State *L) {
    luaL_register(L, "bit", funcs);
    return 1;
}
