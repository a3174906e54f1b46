/* lua_cjson.c -- the 'cjson' library of scripts: Lua CJSON 2.1.0's API and
 * output, as Redis ships it.
 *
 * cjson.encode(value) and cjson.decode(text), the settings functions
 * (encode_sparse_array, encode_max_depth, decode_max_depth,
 * encode_number_precision, encode_keep_buffer, encode_invalid_numbers,
 * decode_invalid_numbers), cjson.new() and cjson.null. Numbers print with
 * "%.14g", '/' is escaped, an empty table is "{}", JSON null decodes to
 * cjson.null (a NULL light userdata), errors use CJSON's words.
 * The encoder's buffer counts in size_t and checks every growth, so a huge
 * string cannot wrap its size (CVE-2022-24834 overflowed the original's
 * int arithmetic); the decoder's scratch space is a Lua userdata, freed
 * by the collector even when a parse error unwinds.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lua_libs.h"

#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_SPARSE_CONVERT 0
#define DEFAULT_SPARSE_RATIO 2
#define DEFAULT_SPARSE_SAFE 10
#define DEFAULT_MAX_DEPTH 1000
#define DEFAULT_PRECISION 14

typedef struct jbuf {
    char *p;
    size_t len, cap;
} jbuf;

/* One set of settings per cjson instance (a userdata upvalue). */
typedef struct jconfig {
    int sparse_convert, sparse_ratio, sparse_safe;
    int encode_max_depth, decode_max_depth;
    int precision;
    int keep_buffer;
    int encode_invalid; /* 0 off, 1 on, 2 null */
    int decode_invalid;
    jbuf buf; /* the encoder's buffer, kept between calls */
} jconfig;

static jconfig *get_config(lua_State *L) {
    jconfig *c = lua_touserdata(L, lua_upvalueindex(1));
    if (c == NULL) luaL_error(L, "BUG: Unable to fetch CJSON configuration");
    return c;
}

/* ---- The encoder's buffer ---- */

static void jbuf_free(jbuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void jbuf_need(lua_State *L, jbuf *b, size_t more) {
    if (more <= b->cap - b->len) return;
    if (more > SIZE_MAX / 2 - b->len) luaL_error(L, "Cannot serialise: string too large");
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) luaL_error(L, "Cannot serialise: not enough memory");
    b->p = p;
    b->cap = cap;
}

static void jbuf_add(lua_State *L, jbuf *b, const char *s, size_t len) {
    jbuf_need(L, b, len);
    memcpy(b->p + b->len, s, len);
    b->len += len;
}

static void jbuf_addc(lua_State *L, jbuf *b, char c) {
    jbuf_need(L, b, 1);
    b->p[b->len++] = c;
}

/* ---- Settings ---- */

static void args_at_most(lua_State *L, int n) {
    luaL_argcheck(L, lua_gettop(L) <= n, n + 1, "found too many arguments");
    while (lua_gettop(L) < n) lua_pushnil(L);
}

static int int_option(lua_State *L, int idx, int *setting, int min, int max) {
    if (!lua_isnil(L, idx)) {
        int v = (int)luaL_checkinteger(L, idx);
        char msg[64];
        snprintf(msg, sizeof(msg), "expected integer between %d and %d", min, max);
        luaL_argcheck(L, min <= v && v <= max, 1, msg);
        *setting = v;
    }
    lua_pushinteger(L, *setting);
    return 1;
}

static int enum_option(lua_State *L, int idx, int *setting, const char *const *options,
                       int bool_true) {
    static const char *const bool_options[] = {"off", "on", NULL};
    if (options == NULL) {
        options = bool_options;
        bool_true = 1;
    }
    if (!lua_isnil(L, idx)) {
        if (bool_true && lua_isboolean(L, idx)) *setting = lua_toboolean(L, idx) * bool_true;
        else *setting = luaL_checkoption(L, idx, NULL, options);
    }
    if (bool_true && (*setting == 0 || *setting == bool_true)) lua_pushboolean(L, *setting);
    else lua_pushstring(L, options[*setting]);
    return 1;
}

static int cfg_encode_sparse_array(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 3);
    enum_option(L, 1, &c->sparse_convert, NULL, 1);
    int_option(L, 2, &c->sparse_ratio, 0, INT_MAX);
    int_option(L, 3, &c->sparse_safe, 0, INT_MAX);
    return 3;
}

static int cfg_encode_max_depth(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    return int_option(L, 1, &c->encode_max_depth, 1, INT_MAX);
}

static int cfg_decode_max_depth(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    return int_option(L, 1, &c->decode_max_depth, 1, INT_MAX);
}

static int cfg_encode_number_precision(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    return int_option(L, 1, &c->precision, 1, 14);
}

static int cfg_encode_keep_buffer(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    int old = c->keep_buffer;
    enum_option(L, 1, &c->keep_buffer, NULL, 1);
    if (old && !c->keep_buffer) jbuf_free(&c->buf);
    return 1;
}

static int cfg_encode_invalid_numbers(lua_State *L) {
    static const char *const options[] = {"off", "on", "null", NULL};
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    return enum_option(L, 1, &c->encode_invalid, options, 1);
}

static int cfg_decode_invalid_numbers(lua_State *L) {
    jconfig *c = get_config(L);
    args_at_most(L, 1);
    return enum_option(L, 1, &c->decode_invalid, NULL, 1);
}

static int config_gc(lua_State *L) {
    jconfig *c = lua_touserdata(L, 1);
    if (c) jbuf_free(&c->buf);
    return 0;
}

/* ---- Encoding ---- */

static const char *escape_of(unsigned char ch) {
    static char table[256][7];
    static int ready;
    if (!ready) {
        for (int i = 0; i < 256; i++) table[i][0] = '\0';
        for (int i = 0; i < 32; i++) snprintf(table[i], 7, "\\u%04x", i);
        snprintf(table[127], 7, "\\u007f");
        strcpy(table['\b'], "\\b");
        strcpy(table['\t'], "\\t");
        strcpy(table['\n'], "\\n");
        strcpy(table['\f'], "\\f");
        strcpy(table['\r'], "\\r");
        strcpy(table['"'], "\\\"");
        strcpy(table['\\'], "\\\\");
        strcpy(table['/'], "\\/");
        ready = 1;
    }
    return table[ch][0] ? table[ch] : NULL;
}

static void encode_error(lua_State *L, jconfig *c, int idx, const char *reason) {
    if (!c->keep_buffer) jbuf_free(&c->buf);
    luaL_error(L, "Cannot serialise %s: %s", lua_typename(L, lua_type(L, idx)), reason);
}

static void encode_string(lua_State *L, jbuf *b, int idx) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    /* At most six bytes per input byte, plus the quotes. */
    if (len > (SIZE_MAX - 2) / 6) luaL_error(L, "Cannot serialise string: too large");
    jbuf_need(L, b, len * 6 + 2);
    char *out = b->p + b->len;
    *out++ = '"';
    for (size_t i = 0; i < len; i++) {
        const char *esc = escape_of((unsigned char)s[i]);
        if (esc) {
            size_t n = strlen(esc);
            memcpy(out, esc, n);
            out += n;
        } else {
            *out++ = s[i];
        }
    }
    *out++ = '"';
    b->len = (size_t)(out - b->p);
}

static void encode_number(lua_State *L, jconfig *c, jbuf *b, int idx) {
    double num = lua_tonumber(L, idx);
    if (c->encode_invalid == 0) {
        if (isinf(num) || isnan(num)) encode_error(L, c, idx, "must not be NaN or Inf");
    } else if (c->encode_invalid == 1) {
        if (isnan(num)) {
            jbuf_add(L, b, "nan", 3);
            return;
        }
    } else if (isinf(num) || isnan(num)) {
        jbuf_add(L, b, "null", 4);
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%.*g", c->precision, num);
    jbuf_add(L, b, tmp, (size_t)n);
}

/* The table at -1: its array length, or -1 if it is an object. */
static double array_length(lua_State *L, jconfig *c) {
    double max = 0, items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        double k;
        if (lua_type(L, -2) == LUA_TNUMBER && (k = lua_tonumber(L, -2)) != 0 && floor(k) == k &&
            k >= 1) {
            if (k > max) max = k;
            items++;
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 2);
        return -1;
    }
    if (c->sparse_ratio > 0 && max > items * c->sparse_ratio && max > c->sparse_safe) {
        if (!c->sparse_convert) encode_error(L, c, -1, "excessively sparse array");
        return -1;
    }
    return max;
}

static void encode_value(lua_State *L, jconfig *c, int depth, jbuf *b);

static void encode_table(lua_State *L, jconfig *c, int depth, jbuf *b) {
    if (depth > c->encode_max_depth || !lua_checkstack(L, 3)) {
        if (!c->keep_buffer) jbuf_free(&c->buf);
        luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
    }
    double len = array_length(L, c);
    if (len > 0) {
        jbuf_addc(L, b, '[');
        for (double i = 1; i <= len; i++) {
            if (i > 1) jbuf_addc(L, b, ',');
            lua_rawgeti(L, -1, (int)i);
            encode_value(L, c, depth, b);
            lua_pop(L, 1);
        }
        jbuf_addc(L, b, ']');
        return;
    }
    jbuf_addc(L, b, '{');
    bool first = true;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (!first) jbuf_addc(L, b, ',');
        first = false;
        int kt = lua_type(L, -2);
        if (kt == LUA_TNUMBER) {
            jbuf_addc(L, b, '"');
            encode_number(L, c, b, -2);
            jbuf_add(L, b, "\":", 2);
        } else if (kt == LUA_TSTRING) {
            encode_string(L, b, -2);
            jbuf_addc(L, b, ':');
        } else {
            encode_error(L, c, -2, "table key must be a number or string");
        }
        encode_value(L, c, depth, b);
        lua_pop(L, 1);
    }
    jbuf_addc(L, b, '}');
}

/* Append the value at -1 (left on the stack). */
static void encode_value(lua_State *L, jconfig *c, int depth, jbuf *b) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: encode_string(L, b, -1); break;
    case LUA_TNUMBER: encode_number(L, c, b, -1); break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1)) jbuf_add(L, b, "true", 4);
        else jbuf_add(L, b, "false", 5);
        break;
    case LUA_TTABLE: encode_table(L, c, depth + 1, b); break;
    case LUA_TNIL: jbuf_add(L, b, "null", 4); break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == NULL) {
            jbuf_add(L, b, "null", 4);
            break;
        }
        /* fall through */
    default: encode_error(L, c, -1, "type not supported");
    }
}

static int json_encode(lua_State *L) {
    jconfig *c = get_config(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    jbuf *b = &c->buf;
    b->len = 0;
    encode_value(L, c, 0, b);
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    if (!c->keep_buffer) jbuf_free(b);
    return 1;
}

/* ---- Decoding ---- */

typedef enum {
    T_OBJ_BEGIN,
    T_OBJ_END,
    T_ARR_BEGIN,
    T_ARR_END,
    T_STRING,
    T_NUMBER,
    T_BOOLEAN,
    T_NULL,
    T_COLON,
    T_COMMA,
    T_END,
    T_WHITESPACE,
    T_ERROR,
    T_UNKNOWN
} token_type;

static const char *const token_names[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
                                          "T_STRING",    "T_NUMBER",  "T_BOOLEAN",   "T_NULL",
                                          "T_COLON",     "T_COMMA",   "T_END",       "T_WHITESPACE",
                                          "T_ERROR",     "T_UNKNOWN"};

typedef struct token {
    token_type type;
    size_t index;
    union {
        const char *err;
        double number;
        int boolean;
    } v;
    size_t str_len; /* T_STRING: the text is in the parser's tmp */
} token;

typedef struct parser {
    jconfig *c;
    const char *data, *ptr;
    char *tmp; /* decoded string scratch: a Lua userdata as long as the input */
    size_t tmp_len;
    int depth;
} parser;

static token_type char_token(unsigned char ch) {
    switch (ch) {
    case '\0': return T_END;
    case ' ':
    case '\t':
    case '\n':
    case '\r': return T_WHITESPACE;
    case '{': return T_OBJ_BEGIN;
    case '}': return T_OBJ_END;
    case '[': return T_ARR_BEGIN;
    case ']': return T_ARR_END;
    case ':': return T_COLON;
    case ',': return T_COMMA;
    case 'f':
    case 'i':
    case 'I':
    case 'n':
    case 'N':
    case 't':
    case '"':
    case '+':
    case '-': return T_UNKNOWN;
    default: return ch >= '0' && ch <= '9' ? T_UNKNOWN : T_ERROR;
    }
}

static char unescape(unsigned char ch) {
    switch (ch) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 't': return '\t';
    case 'n': return '\n';
    case 'f': return '\f';
    case 'r': return '\r';
    case 'u': return 'u';
    default: return 0;
    }
}

static int hex_value(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d;
        char ch = p[i];
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') d = (ch | 0x20) - 'a' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(parser *p, unsigned cp) {
    char *o = p->tmp + p->tmp_len;
    if (cp < 0x80) {
        o[0] = (char)cp;
        p->tmp_len += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        p->tmp_len += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        p->tmp_len += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        p->tmp_len += 4;
    }
}

/* \uXXXX (and a surrogate pair) at p->ptr; false if invalid. Never writes
 * more bytes than it consumes: 6 escape bytes give at most 3 UTF-8 bytes,
 * 12 give 4. */
static bool unicode_escape(parser *p) {
    int cp = hex_value(p->ptr + 2);
    if (cp < 0) return false;
    int used = 6;
    if ((cp & 0xF800) == 0xD800) {
        if (cp & 0x400) return false; /* a lone low surrogate */
        if (p->ptr[6] != '\\' || p->ptr[7] != 'u') return false;
        int low = hex_value(p->ptr + 8);
        if (low < 0 || (low & 0xFC00) != 0xDC00) return false;
        cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
        used = 12;
    }
    put_utf8(p, (unsigned)cp);
    p->ptr += used;
    return true;
}

/* A token error at the parser's position, as CJSON reports it. */
static void token_error(parser *p, token *t, const char *what) {
    t->type = T_ERROR;
    t->index = (size_t)(p->ptr - p->data);
    t->v.err = what;
}

static void string_token(parser *p, token *t) {
    p->ptr++;
    p->tmp_len = 0;
    char ch;
    while ((ch = *p->ptr) != '"') {
        if (ch == '\0') {
            token_error(p, t, "unexpected end of string");
            return;
        }
        if (ch == '\\') {
            ch = unescape((unsigned char)p->ptr[1]);
            if (ch == 'u') {
                if (unicode_escape(p)) continue;
                token_error(p, t, "invalid unicode escape code");
                return;
            }
            if (ch == 0) {
                token_error(p, t, "invalid escape code");
                return;
            }
            p->ptr++;
        }
        p->tmp[p->tmp_len++] = ch;
        p->ptr++;
    }
    p->ptr++;
    t->type = T_STRING;
    t->str_len = p->tmp_len;
}

/* JSON's forbidden numbers (inf, nan, hex, leading zeros, a '+'). */
static bool invalid_number(const char *p) {
    if (*p == '+') return true;
    if (*p == '-') p++;
    if (*p == '0') {
        char c2 = p[1];
        return (c2 | 0x20) == 'x' || (c2 >= '0' && c2 <= '9');
    }
    if (*p <= '9') return false;
    return strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0;
}

static void number_token(parser *p, token *t) {
    char *end;
    t->type = T_NUMBER;
    t->v.number = strtod(p->ptr, &end);
    if (end == p->ptr) {
        token_error(p, t, "invalid number");
    } else {
        p->ptr = end;
    }
}

static void next_token(parser *p, token *t) {
    token_type type;
    for (;;) {
        type = char_token((unsigned char)*p->ptr);
        if (type != T_WHITESPACE) break;
        p->ptr++;
    }
    t->index = (size_t)(p->ptr - p->data);
    t->type = type;
    if (type == T_ERROR) {
        t->v.err = "invalid token";
        return;
    }
    if (type == T_END) return;
    if (type != T_UNKNOWN) {
        p->ptr++;
        return;
    }
    char ch = *p->ptr;
    if (ch == '"') {
        string_token(p, t);
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        if (!p->c->decode_invalid && invalid_number(p->ptr)) {
            token_error(p, t, "invalid number");
            return;
        }
        number_token(p, t);
    } else if (strncmp(p->ptr, "true", 4) == 0) {
        t->type = T_BOOLEAN;
        t->v.boolean = 1;
        p->ptr += 4;
    } else if (strncmp(p->ptr, "false", 5) == 0) {
        t->type = T_BOOLEAN;
        t->v.boolean = 0;
        p->ptr += 5;
    } else if (strncmp(p->ptr, "null", 4) == 0) {
        t->type = T_NULL;
        p->ptr += 4;
    } else if (p->c->decode_invalid && invalid_number(p->ptr)) {
        number_token(p, t);
    } else {
        token_error(p, t, "invalid token");
    }
}

static void parse_error(lua_State *L, const char *expected, const token *t) {
    const char *found = t->type == T_ERROR ? t->v.err : token_names[t->type];
    luaL_error(L, "Expected %s but found %s at character %d", expected, found, (int)t->index + 1);
}

static void descend(lua_State *L, parser *p, int slots) {
    p->depth++;
    if (p->depth <= p->c->decode_max_depth && lua_checkstack(L, slots)) return;
    luaL_error(L, "Found too many nested data structures (%d) at character %d", p->depth,
               (int)(p->ptr - p->data));
}

static void parse_value(lua_State *L, parser *p, token *t);

static void parse_object(lua_State *L, parser *p) {
    token t;
    descend(L, p, 3);
    lua_newtable(L);
    next_token(p, &t);
    if (t.type == T_OBJ_END) {
        p->depth--;
        return;
    }
    for (;;) {
        if (t.type != T_STRING) parse_error(L, "object key string", &t);
        lua_pushlstring(L, p->tmp, t.str_len);
        next_token(p, &t);
        if (t.type != T_COLON) parse_error(L, "colon", &t);
        next_token(p, &t);
        parse_value(L, p, &t);
        lua_rawset(L, -3);
        next_token(p, &t);
        if (t.type == T_OBJ_END) {
            p->depth--;
            return;
        }
        if (t.type != T_COMMA) parse_error(L, "comma or object end", &t);
        next_token(p, &t);
    }
}

static void parse_array(lua_State *L, parser *p) {
    token t;
    descend(L, p, 2);
    lua_newtable(L);
    next_token(p, &t);
    if (t.type == T_ARR_END) {
        p->depth--;
        return;
    }
    for (int i = 1;; i++) {
        parse_value(L, p, &t);
        lua_rawseti(L, -2, i);
        next_token(p, &t);
        if (t.type == T_ARR_END) {
            p->depth--;
            return;
        }
        if (t.type != T_COMMA) parse_error(L, "comma or array end", &t);
        next_token(p, &t);
    }
}

static void parse_value(lua_State *L, parser *p, token *t) {
    switch (t->type) {
    case T_STRING: lua_pushlstring(L, p->tmp, t->str_len); break;
    case T_NUMBER: lua_pushnumber(L, t->v.number); break;
    case T_BOOLEAN: lua_pushboolean(L, t->v.boolean); break;
    case T_OBJ_BEGIN: parse_object(L, p); break;
    case T_ARR_BEGIN: parse_array(L, p); break;
    case T_NULL: lua_pushlightuserdata(L, NULL); break;
    default: parse_error(L, "value", t);
    }
}

static int json_decode(lua_State *L) {
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    size_t len;
    parser p = {.c = get_config(L)};
    p.data = p.ptr = luaL_checklstring(L, 1, &len);
    /* RFC 4627: only the first byte of UTF-8 JSON is sure to be ASCII. */
    if (len >= 2 && (!p.data[0] || !p.data[1]))
        luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    /* A decoded string is never longer than the text it comes from. */
    p.tmp = lua_newuserdata(L, len + 1);
    lua_insert(L, 1); /* below everything the parse pushes */
    token t;
    next_token(&p, &t);
    parse_value(L, &p, &t);
    next_token(&p, &t);
    if (t.type != T_END) parse_error(L, "the end", &t);
    return 1;
}

/* ---- The module ---- */

static void create_module(lua_State *L);

static int json_new(lua_State *L) {
    create_module(L);
    return 1;
}

static void create_module(lua_State *L) {
    static const luaL_Reg funcs[] = {{"encode", json_encode},
                                     {"decode", json_decode},
                                     {"encode_sparse_array", cfg_encode_sparse_array},
                                     {"encode_max_depth", cfg_encode_max_depth},
                                     {"decode_max_depth", cfg_decode_max_depth},
                                     {"encode_number_precision", cfg_encode_number_precision},
                                     {"encode_keep_buffer", cfg_encode_keep_buffer},
                                     {"encode_invalid_numbers", cfg_encode_invalid_numbers},
                                     {"decode_invalid_numbers", cfg_decode_invalid_numbers},
                                     {"new", json_new},
                                     {NULL, NULL}};
    lua_newtable(L);
    jconfig *c = lua_newuserdata(L, sizeof(jconfig));
    *c = (jconfig){.sparse_convert = DEFAULT_SPARSE_CONVERT,
                   .sparse_ratio = DEFAULT_SPARSE_RATIO,
                   .sparse_safe = DEFAULT_SPARSE_SAFE,
                   .encode_max_depth = DEFAULT_MAX_DEPTH,
                   .decode_max_depth = DEFAULT_MAX_DEPTH,
                   .precision = DEFAULT_PRECISION,
                   .keep_buffer = 1,
                   .encode_invalid = 0,
                   .decode_invalid = 1};
    lua_newtable(L);
    lua_pushcfunction(L, config_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    for (const luaL_Reg *r = funcs; r->name; r++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, r->func, 1);
        lua_setfield(L, -3, r->name);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
}

int luaopen_cjson(lua_State *L) {
    create_module(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "cjson");
    return 1;
}
