/* lua_cmsgpack.c -- the 'cmsgpack' library of scripts: lua-cmsgpack
 * 0.4.0's API and encoding, as Redis ships it.
 *
 * cmsgpack.pack(v1, v2, ...) concatenates the MessagePack encodings of its
 * arguments; unpack(s) returns every value in s; unpack_one(s [, offset])
 * and unpack_limit(s, limit [, offset]) return the offset to continue from
 * (-1 at the end) and the values. Encoding follows the original: integers
 * in the smallest form, a double as float32 when that is exact, strings
 * as str 8/16/32, a table with keys exactly 1..n as an array (length by
 * #t, elements read with metamethods), else as a map; tables nested 16
 * deep encode as nil, which ends reference cycles. Unpacking reads the
 * formats of the spec except bin and ext, which are format errors (as in
 * the original).
 * The pack buffer counts in size_t and checks every growth, so huge
 * strings cannot wrap its size (CVE-2022-24834).
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lua_libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 16

/* ---- Packing ---- */

typedef struct mbuf {
    unsigned char *p;
    size_t len, cap;
} mbuf;

/* The buffer pack writes into; kept between calls (an error unwinds past
 * any free), trimmed when a large one is no longer needed. */
static mbuf pack_buf;

static void buf_add(lua_State *L, mbuf *b, const void *s, size_t len) {
    if (len > b->cap - b->len) {
        if (len > SIZE_MAX / 2 - b->len) luaL_error(L, "cmsgpack: value too large to pack");
        size_t cap = b->cap ? b->cap : 128;
        while (cap - b->len < len) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (p == NULL) luaL_error(L, "cmsgpack: not enough memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, len);
    b->len += len;
}

static void put_be(unsigned char *out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static void pack_header(lua_State *L, mbuf *b, unsigned char tag, uint64_t v, int bytes) {
    unsigned char h[9];
    h[0] = tag;
    put_be(h + 1, v, bytes);
    buf_add(L, b, h, (size_t)bytes + 1);
}

static void pack_int(lua_State *L, mbuf *b, int64_t n) {
    if (n >= 0) {
        if (n <= 127) pack_header(L, b, (unsigned char)n, 0, 0);
        else if (n <= 0xff) pack_header(L, b, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff) pack_header(L, b, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL) pack_header(L, b, 0xce, (uint64_t)n, 4);
        else pack_header(L, b, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32) pack_header(L, b, (unsigned char)(int8_t)n, 0, 0);
        else if (n >= -128) pack_header(L, b, 0xd0, (uint64_t)n, 1);
        else if (n >= -32768) pack_header(L, b, 0xd1, (uint64_t)n, 2);
        else if (n >= -2147483648LL) pack_header(L, b, 0xd2, (uint64_t)n, 4);
        else pack_header(L, b, 0xd3, (uint64_t)n, 8);
    }
}

static void pack_number(lua_State *L, mbuf *b, lua_Number n) {
    /* An integer when int64_t holds it exactly (the cast is checked first:
     * out-of-range conversions are undefined). */
    if (!isinf(n) && !isnan(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
        (lua_Number)(int64_t)n == n) {
        pack_int(L, b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((double)f == n) {
        uint32_t u;
        memcpy(&u, &f, 4);
        pack_header(L, b, 0xca, u, 4);
    } else {
        uint64_t u;
        double d = n;
        memcpy(&u, &d, 8);
        pack_header(L, b, 0xcb, u, 8);
    }
}

static void pack_string(lua_State *L, mbuf *b) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len < 32) pack_header(L, b, (unsigned char)(0xa0 | len), 0, 0);
    else if (len <= 0xff) pack_header(L, b, 0xd9, len, 1);
    else if (len <= 0xffff) pack_header(L, b, 0xda, len, 2);
    else if (len <= 0xffffffffULL) pack_header(L, b, 0xdb, len, 4);
    else luaL_error(L, "cmsgpack: string too long to pack");
    buf_add(L, b, s, len);
}

/* The original's test: every key a number that is a positive int, and
 * the largest equal to the count. */
static bool is_array(lua_State *L) {
    int top = lua_gettop(L);
    long long count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_Number n;
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || n > INT_MAX ||
            (lua_Number)(int)n != n) {
            lua_settop(L, top);
            return false;
        }
        if (n > max) max = (long long)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void pack_value(lua_State *L, mbuf *b, int level);

static void pack_table(lua_State *L, mbuf *b, int level) {
    if (is_array(L)) {
        size_t len = lua_objlen(L, -1);
        if (len <= 15) pack_header(L, b, (unsigned char)(0x90 | len), 0, 0);
        else if (len <= 0xffff) pack_header(L, b, 0xdc, len, 2);
        else pack_header(L, b, 0xdd, len, 4);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t j = 1; j <= len; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            pack_value(L, b, level + 1);
        }
        return;
    }
    size_t len = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        len++;
    }
    if (len <= 15) pack_header(L, b, (unsigned char)(0x80 | len), 0, 0);
    else if (len <= 0xffff) pack_header(L, b, 0xde, len, 2);
    else pack_header(L, b, 0xdf, len, 4);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        pack_value(L, b, level + 1); /* the key */
        pack_value(L, b, level + 1); /* the value */
    }
}

/* Encode the value at -1 and pop it. */
static void pack_value(lua_State *L, mbuf *b, int level) {
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == MAX_NESTING) t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: pack_string(L, b); break;
    case LUA_TBOOLEAN: pack_header(L, b, lua_toboolean(L, -1) ? 0xc3 : 0xc2, 0, 0); break;
    case LUA_TNUMBER: pack_number(L, b, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: pack_table(L, b, level); break;
    default: pack_header(L, b, 0xc0, 0, 0);
    }
    lua_pop(L, 1);
}

static int mp_pack(lua_State *L) {
    int nargs = lua_gettop(L);
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, nargs))
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    mbuf *b = &pack_buf;
    for (int i = 1; i <= nargs; i++) {
        b->len = 0;
        luaL_checkstack(L, 1, "in function mp_check_stack");
        lua_pushvalue(L, i);
        pack_value(L, b, 0);
        lua_pushlstring(L, b->p ? (const char *)b->p : "", b->len);
    }
    if (b->cap > 1024 * 1024) {
        free(b->p);
        *b = (mbuf){0};
    }
    lua_concat(L, nargs);
    return 1;
}

/* ---- Unpacking ---- */

typedef struct cursor {
    const unsigned char *p;
    size_t left;
    int err; /* 0, CUR_EOF or CUR_BADFMT */
} cursor;

#define CUR_EOF 1
#define CUR_BADFMT 2

static bool need(cursor *c, size_t n) {
    if (c->left < n) {
        c->err = CUR_EOF;
        return false;
    }
    return true;
}

static uint64_t get_be(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
    return v;
}

static void unpack_value(lua_State *L, cursor *c);

static void unpack_array(lua_State *L, cursor *c, uint64_t len) {
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (uint64_t i = 1; i <= len; i++) {
        lua_pushnumber(L, (lua_Number)i);
        unpack_value(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

static void unpack_map(lua_State *L, cursor *c, uint64_t len) {
    lua_newtable(L);
    luaL_checkstack(L, 2, "in function mp_decode_to_lua_hash");
    while (len--) {
        unpack_value(L, c);
        if (c->err) return;
        unpack_value(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

/* Push the bytes after a header whose length field is 'lbytes' wide. */
static void unpack_bytes(lua_State *L, cursor *c, int lbytes) {
    if (!need(c, 1 + (size_t)lbytes)) return;
    uint64_t len = get_be(c->p + 1, lbytes);
    if (!need(c, 1 + (size_t)lbytes + len)) return;
    lua_pushlstring(L, (const char *)c->p + 1 + lbytes, (size_t)len);
    c->p += 1 + lbytes + len;
    c->left -= 1 + lbytes + len;
}

/* A header of 1 + n bytes: its n-byte big-endian field; false at EOF. */
static bool take(cursor *c, int n, uint64_t *v) {
    if (!need(c, 1 + (size_t)n)) return false;
    *v = get_be(c->p + 1, n);
    c->p += 1 + n;
    c->left -= 1 + n;
    return true;
}

static void unpack_value(lua_State *L, cursor *c) {
    if (!need(c, 1)) return;
    luaL_checkstack(L, 1, "too many nested values");
    unsigned char tag = c->p[0];
    uint64_t v;
    if (tag <= 0x7f || tag >= 0xe0) { /* fixints */
        lua_pushnumber(L, tag <= 0x7f ? (lua_Number)tag : (lua_Number)(int8_t)tag);
        c->p++;
        c->left--;
        return;
    }
    if ((tag & 0xf0) == 0x80 || (tag & 0xf0) == 0x90) { /* fixmap, fixarray */
        c->p++;
        c->left--;
        if ((tag & 0xf0) == 0x80) unpack_map(L, c, tag & 0x0f);
        else unpack_array(L, c, tag & 0x0f);
        return;
    }
    if ((tag & 0xe0) == 0xa0) { /* fixstr */
        size_t len = tag & 0x1f;
        if (!need(c, 1 + len)) return;
        lua_pushlstring(L, (const char *)c->p + 1, len);
        c->p += 1 + len;
        c->left -= 1 + len;
        return;
    }
    switch (tag) {
    case 0xc0:
        lua_pushnil(L);
        c->p++;
        c->left--;
        return;
    case 0xc2:
        lua_pushboolean(L, 0);
        c->p++;
        c->left--;
        return;
    case 0xc3:
        lua_pushboolean(L, 1);
        c->p++;
        c->left--;
        return;
    case 0xd9: unpack_bytes(L, c, 1); return;
    case 0xda: unpack_bytes(L, c, 2); return;
    case 0xdb: unpack_bytes(L, c, 4); return;
    case 0xca:
        if (take(c, 4, &v)) {
            uint32_t u = (uint32_t)v;
            float f;
            memcpy(&f, &u, 4);
            lua_pushnumber(L, f);
        }
        return;
    case 0xcb:
        if (take(c, 8, &v)) {
            double d;
            memcpy(&d, &v, 8);
            lua_pushnumber(L, d);
        }
        return;
    case 0xcc:
        if (take(c, 1, &v)) lua_pushnumber(L, (lua_Number)v);
        return;
    case 0xcd:
        if (take(c, 2, &v)) lua_pushnumber(L, (lua_Number)v);
        return;
    case 0xce:
        if (take(c, 4, &v)) lua_pushnumber(L, (lua_Number)v);
        return;
    case 0xcf:
        if (take(c, 8, &v)) lua_pushnumber(L, (lua_Number)v);
        return;
    case 0xd0:
        if (take(c, 1, &v)) lua_pushnumber(L, (int8_t)v);
        return;
    case 0xd1:
        if (take(c, 2, &v)) lua_pushnumber(L, (int16_t)v);
        return;
    case 0xd2:
        if (take(c, 4, &v)) lua_pushnumber(L, (int32_t)v);
        return;
    case 0xd3:
        if (take(c, 8, &v)) lua_pushnumber(L, (lua_Number)(int64_t)v);
        return;
    case 0xdc:
        if (take(c, 2, &v)) unpack_array(L, c, v);
        return;
    case 0xdd:
        if (take(c, 4, &v)) unpack_array(L, c, v);
        return;
    case 0xde:
        if (take(c, 2, &v)) unpack_map(L, c, v);
        return;
    case 0xdf:
        if (take(c, 4, &v)) unpack_map(L, c, v);
        return;
    default: c->err = CUR_BADFMT; return;
    }
}

static int unpack_full(lua_State *L, int limit, int offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    bool all = !limit && !offset;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset,
                          (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)len);
    if (all) limit = INT_MAX;
    cursor c = {(const unsigned char *)s + offset, len - (size_t)offset, 0};
    int count;
    for (count = 0; c.left > 0 && count < limit; count++) {
        unpack_value(L, &c);
        if (c.err == CUR_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err == CUR_BADFMT) return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int mp_unpack(lua_State *L) {
    lua_settop(L, 1);
    return unpack_full(L, 0, 0);
}

static int mp_unpack_one(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return unpack_full(L, limit, offset);
}

int luaopen_cmsgpack(lua_State *L) {
    static const luaL_Reg funcs[] = {{"pack", mp_pack},
                                     {"unpack", mp_unpack},
                                     {"unpack_one", mp_unpack_one},
                                     {"unpack_limit", mp_unpack_limit},
                                     {NULL, NULL}};
    luaL_register(L, "cmsgpack", funcs);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}
