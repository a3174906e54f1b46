/* lua_struct.c -- the 'struct' library of scripts: struct.pack, unpack and
 * size with Roberto Ierusalimschy's format language, as Redis ships it.
 *
 * Format: '<' '>' endianness, '!n' alignment, 'x' a pad byte, 'b' 'B'
 * 'h' 'H' 'l' 'L' 'T' 'i[n]' 'I[n]' integers (n bytes, 1..32), 'f' 'd'
 * floats, 'c[n]' n chars (c0: the length is the value before it, when
 * unpacking), 's' a zero-terminated string, ' ' ignored.
 * Every count is checked against overflow and every read against the
 * data's length: a script's format is outside input.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lua_libs.h"

#include <ctype.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAXINTSIZE 32
#define MAXALIGN 8

typedef struct header {
    bool little;
    size_t align;
} header;

static bool host_little(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static int read_count(lua_State *L, const char **fmt, int dflt) {
    if (!isdigit((unsigned char)**fmt)) return dflt;
    int a = 0;
    do {
        int d = *(*fmt)++ - '0';
        if (a > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
        a = a * 10 + d;
    } while (isdigit((unsigned char)**fmt));
    return a;
}

static size_t int_size(lua_State *L, const char **fmt) {
    int n = read_count(L, fmt, (int)sizeof(int));
    if (n > MAXINTSIZE || n < 1)
        luaL_error(L, "integral size %d is larger than limit of %d", n, MAXINTSIZE);
    return (size_t)n;
}

/* The size of option 'opt'; reads its count from fmt. */
static size_t opt_size(lua_State *L, char opt, const char **fmt) {
    switch (opt) {
    case 'B':
    case 'b': return 1;
    case 'H':
    case 'h': return sizeof(short);
    case 'L':
    case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_count(L, fmt, 1);
    case 'i':
    case 'I': return int_size(L, fmt);
    default: return 0;
    }
}

/* Padding before a value of 'size' at offset len, as the original (its
 * mask arithmetic included, for sizes that are not powers of two). */
static size_t pad_for(const header *h, size_t len, size_t size, char opt) {
    if (size == 0 || opt == 'c') return 0;
    if (size > h->align) size = h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

/* Apply a header option; true if opt was one. */
static bool header_opt(lua_State *L, header *h, char opt, const char **fmt) {
    switch (opt) {
    case ' ': return true;
    case '>': h->little = false; return true;
    case '<': h->little = true; return true;
    case '!': {
        int a = read_count(L, fmt, MAXALIGN);
        if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = (size_t)a;
        return true;
    }
    default: return false;
    }
}

static int bad_option(lua_State *L, char opt) {
    return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
}

static size_t aligned(lua_State *L, const header *h, size_t pos, size_t size, char opt) {
    (void)L;
    return pad_for(h, pos, size, opt);
}

static void put_int(luaL_Buffer *b, lua_Number n, bool little, size_t size) {
    unsigned char buf[MAXINTSIZE];
    /* Two's complement of the integer part, in 64 bits; wider sizes extend the sign. */
    int64_t v = (int64_t)n;
    uint64_t u = (uint64_t)v;
    for (size_t i = 0; i < size; i++) {
        buf[little ? i : size - 1 - i] =
            (unsigned char)(i < 8 ? (u >> (8 * i)) & 0xff : (v < 0 ? 0xff : 0));
    }
    luaL_addlstring(b, (char *)buf, size);
}

static void put_bytes(luaL_Buffer *b, const void *p, size_t size, bool little) {
    unsigned char buf[sizeof(double)];
    memcpy(buf, p, size);
    if (little != host_little()) {
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = buf[i];
            buf[i] = buf[size - 1 - i];
            buf[size - 1 - i] = t;
        }
    }
    luaL_addlstring(b, (char *)buf, size);
}

static int struct_pack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    header h = {host_little(), 1};
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*fmt) {
        char opt = *fmt++;
        if (header_opt(L, &h, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        size_t pad = aligned(L, &h, total, size, opt);
        for (size_t i = 0; i < pad; i++) luaL_addchar(&b, '\0');
        total += pad;
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': put_int(&b, luaL_checknumber(L, arg++), h.little, size); break;
        case 'x': luaL_addchar(&b, '\0'); break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            put_bytes(&b, &f, sizeof(f), h.little);
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            put_bytes(&b, &d, sizeof(d), h.little);
            break;
        }
        case 'c':
        case 's': {
            size_t len;
            const char *s = luaL_checklstring(L, arg++, &len);
            if (opt == 's') {
                size = len + 1;
            } else if (size == 0) {
                size = len;
            } else {
                /* The original names the argument after this one. */
                luaL_argcheck(L, len >= size, arg, "string too short");
            }
            luaL_addlstring(&b, s, opt == 's' ? len : size);
            if (opt == 's') luaL_addchar(&b, '\0');
            break;
        }
        default: return bad_option(L, opt);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number get_int(const unsigned char *p, bool little, bool is_signed, size_t size) {
    uint64_t u = 0;
    size_t n = size < 8 ? size : 8;
    for (size_t i = 0; i < n; i++) u |= (uint64_t)p[little ? i : size - 1 - i] << (8 * i);
    if (is_signed && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~0ULL << (8 * n);
    return is_signed ? (lua_Number)(int64_t)u : (lua_Number)u;
}

static void get_bytes(void *out, const char *p, size_t size, bool little) {
    unsigned char buf[sizeof(double)];
    memcpy(buf, p, size);
    if (little != host_little()) {
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = buf[i];
            buf[i] = buf[size - 1 - i];
            buf[size - 1 - i] = t;
        }
    }
    memcpy(out, buf, size);
}

static int struct_unpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    lua_Integer start = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
    size_t pos = (size_t)start - 1;
    header h = {host_little(), 1};
    int n = 0;
    while (*fmt) {
        char opt = *fmt++;
        if (header_opt(L, &h, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        size_t pad = aligned(L, &h, pos, size, opt);
        luaL_argcheck(L, pos <= ld && pad <= ld - pos && size <= ld - pos - pad, 2,
                      "data string too short");
        pos += pad;
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': {
            bool is_signed = islower((unsigned char)opt);
            lua_pushnumber(L,
                           get_int((const unsigned char *)data + pos, h.little, is_signed, size));
            n++;
            break;
        }
        case 'x': break;
        case 'f': {
            float f;
            get_bytes(&f, data + pos, sizeof(f), h.little);
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            get_bytes(&d, data + pos, sizeof(d), h.little);
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                lua_Number len = lua_tonumber(L, -1);
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, len >= 0 && len <= (lua_Number)(ld - pos), 2,
                              "data string too short");
                size = (size_t)len;
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (e == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        default: return bad_option(L, opt);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int struct_size(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    header h = {host_little(), 1};
    size_t pos = 0;
    while (*fmt) {
        char opt = *fmt++;
        if (header_opt(L, &h, opt, &fmt)) continue;
        size_t size = opt_size(L, opt, &fmt);
        pos += aligned(L, &h, pos, size, opt);
        if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
        if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
        /* Unknown letters and digits count as nothing, as in the original. */
        if (!isalnum((unsigned char)opt)) bad_option(L, opt);
        if (size > SIZE_MAX - pos) luaL_error(L, "format result too large");
        pos += size;
    }
    lua_pushnumber(L, (lua_Number)pos);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"pack", struct_pack}, {"unpack", struct_unpack}, {"size", struct_size}, {NULL, NULL}};

int luaopen_struct(lua_State *L) {
    luaL_register(L, "struct", funcs);
    return 1;
}
