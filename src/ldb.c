/* ldb.c -- the Lua debugger of EVAL, as Redis 7.0's (SCRIPT DEBUG YES|SYNC;
 * what redis-cli --ldb talks to): its commands, texts and wire format.
 *
 * A client that sent SCRIPT DEBUG YES or SYNC has its next EVAL run as a
 * session. YES forks a child that runs it, so the dataset changes die with
 * the child, and the server closes its own side of the client; SYNC runs
 * it here, and the server serves nobody else meanwhile. Either way the
 * client's socket turns blocking and the session talks on it directly from
 * the Lua hook: at each stop its log lines go out as one array of simple
 * strings, then debugger commands (RESP arrays: step, continue, print,
 * break, eval, redis, ...) are read until one resumes the script. When the
 * script ends, "<endsession>" goes out, then EVAL's reply, and the
 * connection is closed (a forked child exits).
 * While stepping, redis.call() logs its command and reply, and the errors
 * scripts see are logged ("<redis>", "<reply>", "<error>"; script_lua.c
 * calls in here); redis.debug() and redis.breakpoint() work in a session.
 * One session at a time in a process: a SYNC one blocks the server, a
 * forked one has its own process. The state below is that session's.
 * Not as Redis: an error object that is not a string, raised by the
 * debugger's eval, is shown instead of crashing the server; removing a
 * breakpoint keeps the others (Redis moves bytes, not lines); commands
 * pipelined after the one read are kept, not dropped.
 * SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* memmem */
#include "ldb.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "mem.h"
#include "reply.h"
#include "script.h"
#include "util.h"

#define BREAKPOINTS_MAX 64
#define MAXLEN_DEFAULT 256 /* bytes of a logged reply or value */
#define MAXLEN_MIN 60
#define CMD_MAX 1024                 /* a command's arguments, and bytes per argument */
#define CMD_BUF_MAX (1 << 20)        /* bytes of an unfinished command */
#define DEPTH_MAX (LUA_MINSTACK / 2) /* nesting shown of a table */
#define SEND_TIMEOUT_MS 5000
#define TIMEOUT_DEFAULT_MS 5000 /* a stop when busy-reply-threshold is 0 */

static struct {
    bool active; /* a session's script is running */
    bool forked;
    bool step;  /* stop at the next line */
    bool luabp; /* redis.breakpoint(): stop at the next line */
    int fd;
    tls_conn *tls;
    str **logs; /* lines for the next send */
    int nlogs, logs_cap;
    int bp[BREAKPOINTS_MAX];
    int nbp;
    str *src;        /* the script, its trailing newlines cut */
    size_t *line_at; /* where each line starts in src, and one past the end */
    int lines;
    int currentline;
    str *cbuf;     /* bytes read of the next command */
    size_t maxlen; /* 0: unlimited */
    bool maxlen_hint_sent;
} ldb;

bool ldb_active(void) { return ldb.active; }
bool ldb_logging(void) { return ldb.active && ldb.step; }

/* ---- The log ---- */

static void log_line(str *s) {
    if (ldb.nlogs == ldb.logs_cap) {
        ldb.logs_cap = ldb.logs_cap ? ldb.logs_cap * 2 : 16;
        ldb.logs = mem_realloc(ldb.logs, sizeof(*ldb.logs) * (size_t)ldb.logs_cap);
    }
    ldb.logs[ldb.nlogs++] = s;
}

static void log_text(const char *text) { log_line(str_from(text)); }

/* A line cut to maxlen bytes, with a hint the first time. */
static void log_trimmed(str *s) {
    bool trimmed = false;
    if (ldb.maxlen && s->len > ldb.maxlen) {
        str_setlen(s, ldb.maxlen);
        s = str_cat(s, " ...", 4);
        trimmed = true;
    }
    log_line(s);
    if (trimmed && !ldb.maxlen_hint_sent) {
        ldb.maxlen_hint_sent = true;
        log_text("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
    }
}

static void write_all(const char *p, size_t len) {
    while (len) {
        ssize_t n = conn_write(ldb.fd, ldb.tls, p, len);
        if (n < 0 && errno == EINTR) continue;
        /* A gone client: the next read says so and the script runs on. */
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

/* The lines as one array of simple strings (CR and LF made spaces). */
static void send_logs(void) {
    str *out = str_fmt("*%d\r\n", ldb.nlogs);
    for (int i = 0; i < ldb.nlogs; i++) {
        str *l = ldb.logs[i];
        for (size_t j = 0; j < l->len; j++)
            if (l->buf[j] == '\r' || l->buf[j] == '\n') l->buf[j] = ' ';
        out = str_cat(out, "+", 1);
        out = str_cat(out, l->buf, l->len);
        out = str_cat(out, "\r\n", 2);
        str_free(l);
    }
    ldb.nlogs = 0;
    write_all(out->buf, out->len);
    str_free(out);
}

/* ---- The source ---- */

static void split_source(const char *body, size_t len) {
    while (len && (body[len - 1] == '\n' || body[len - 1] == '\r')) len--;
    ldb.src = str_new(body, len);
    int n = len ? 1 : 0;
    for (size_t i = 0; i < len; i++) n += body[i] == '\n';
    ldb.line_at = mem_alloc(sizeof(size_t) * (size_t)(n + 1));
    ldb.lines = n;
    int k = 0;
    if (n) ldb.line_at[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (body[i] == '\n') ldb.line_at[k++] = i + 1;
    ldb.line_at[n] = len + 1;
}

static bool is_breakpoint(int line) {
    for (int i = 0; i < ldb.nbp; i++)
        if (ldb.bp[i] == line) return true;
    return false;
}

static void log_source_line(int line) {
    bool bp = is_breakpoint(line), cur = line == ldb.currentline;
    const char *prefix = cur && bp ? "->#" : cur ? "-> " : bp ? "  #" : "   ";
    str *s = str_fmt("%s%-3d ", prefix, line);
    if (line < 1 || line > ldb.lines) {
        s = str_catc(s, "<out of range source code line>");
    } else {
        size_t at = ldb.line_at[line - 1];
        s = str_cat(s, ldb.src->buf + at, ldb.line_at[line] - 1 - at);
    }
    log_line(s);
}

/* Lines within 'context' of 'around' (0: all of them). */
static void list_source(int around, int context) {
    for (int j = 1; j <= ldb.lines; j++) {
        if (around != 0 && abs(around - j) > context) continue;
        log_source_line(j);
    }
}

/* ---- Values and replies in words ---- */

static str *cat_value(str *s, lua_State *L, int idx, int level);

/* A table as an array {a; b} when its keys are 1..n in order, else as
 * {[k]=v; ...}; both are built while walking it once. */
static str *cat_table(str *s, lua_State *L, int idx, int level) {
    if (!lua_checkstack(L, 4)) return str_catc(s, "{...}");
    str *arr = str_new_cap(16), *map = str_new_cap(16);
    bool is_array = true;
    double expected = 1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (is_array && (lua_type(L, -2) != LUA_TNUMBER || lua_tonumber(L, -2) != expected))
            is_array = false;
        arr = cat_value(arr, L, -1, level);
        arr = str_cat(arr, "; ", 2);
        map = str_cat(map, "[", 1);
        map = cat_value(map, L, -2, level);
        map = str_cat(map, "]=", 2);
        map = cat_value(map, L, -1, level);
        map = str_cat(map, "; ", 2);
        lua_pop(L, 1);
        expected++;
    }
    str *pick = is_array ? arr : map;
    if (pick->len) str_setlen(pick, pick->len - 2);
    s = str_cat(s, "{", 1);
    s = str_cat(s, pick->buf, pick->len);
    s = str_cat(s, "}", 1);
    str_free(arr);
    str_free(map);
    return s;
}

/* The value at idx in words, as Redis's ldbCatStackValue. */
static str *cat_value(str *s, lua_State *L, int idx, int level) {
    if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
    if (level++ == DEPTH_MAX) return str_catc(s, "<max recursion level reached! Nested table?>");
    int t = lua_type(L, idx);
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *p = lua_tolstring(L, idx, &len);
        return str_catrepr(s, p, len);
    }
    case LUA_TBOOLEAN: return str_catc(s, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TNUMBER: return str_catfmt(s, "%g", (double)lua_tonumber(L, idx));
    case LUA_TNIL: return str_catc(s, "nil");
    case LUA_TTABLE: return cat_table(s, L, idx, level);
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
    case LUA_TTHREAD:
    case LUA_TLIGHTUSERDATA: {
        const char *name = t == LUA_TFUNCTION   ? "function"
                           : t == LUA_TUSERDATA ? "userdata"
                           : t == LUA_TTHREAD   ? "thread"
                                                : "light-userdata";
        return str_catfmt(s, "\"%s@%p\"", name, lua_topointer(L, idx));
    }
    default: return str_catc(s, "\"<unknown-lua-type>\"");
    }
}

static void log_value(lua_State *L, const char *prefix) {
    log_trimmed(cat_value(str_from(prefix), L, -1, 0));
}

static const char *cat_reply(str **o, const char *p);

/* n elements from p, separated by commas ("k => v" pairs when map). */
static const char *cat_elements(str **o, const char *p, long long n, bool map) {
    for (long long j = 0; j < n; j++) {
        p = cat_reply(o, p);
        if (map) {
            *o = str_cat(*o, " => ", 4);
            p = cat_reply(o, p);
        }
        if (j != n - 1) *o = str_cat(*o, ",", 1);
    }
    return p;
}

/* One RESP reply (as written by reply.c) in words, as Redis's
 * ldbRedisProtocolToHuman; returns what follows it. */
static const char *cat_reply(str **o, const char *p) {
    const char *e = strchr(p + 1, '\r'), *next = e + 2; /* every reply line ends in CRLF */
    long long n = 0;
    if (strchr("$=*>~%|", *p)) util_str2ll(p + 1, (size_t)(e - p - 1), &n); /* a length */
    switch (*p) {
    case ':':
    case '(': *o = str_cat(*o, p + 1, (size_t)(e - p - 1)); return next;
    case '+':
    case '-': *o = str_catrepr(*o, p, (size_t)(e - p)); return next;
    case '$':
    case '=':
        if (n < 0) {
            *o = str_cat(*o, "NULL", 4);
            return next;
        }
        if (*p == '=' && n >= 4) *o = str_catrepr(*o, next + 4, (size_t)n - 4);
        else *o = str_catrepr(*o, next, (size_t)n);
        return next + n + 2;
    case '*':
    case '>':
        if (n < 0) {
            *o = str_cat(*o, "NULL", 4);
            return next;
        }
        *o = str_cat(*o, "[", 1);
        next = cat_elements(o, next, n, false);
        *o = str_cat(*o, "]", 1);
        return next;
    case '~':
        *o = str_cat(*o, "~(", 2);
        next = cat_elements(o, next, n, false);
        *o = str_cat(*o, ")", 1);
        return next;
    case '%':
        *o = str_cat(*o, "{", 1);
        next = cat_elements(o, next, n, true);
        *o = str_cat(*o, "}", 1);
        return next;
    case '|': { /* attributes: not shown, as to scripts */
        str *skip = str_new_cap(16);
        next = cat_elements(&skip, next, n, true);
        str_free(skip);
        return cat_reply(o, next);
    }
    case '_': *o = str_cat(*o, "(null)", 6); return next;
    case '#': *o = str_catc(*o, p[1] == 't' ? "#true" : "#false"); return next;
    case ',':
        *o = str_cat(*o, "(double) ", 9);
        *o = str_cat(*o, p + 1, (size_t)(e - p - 1));
        return next;
    default: return next;
    }
}

/* ---- What scripts log while stepping ---- */

void ldb_log_call(int argc, const slice *argv) {
    str *s = str_from("<redis>");
    for (int j = 0; j < argc; j++) {
        if (j == 10) {
            /* Redis's count, one short of what is left out. */
            s = str_catfmt(s, " ... (%d more)", argc - j - 1);
            break;
        }
        s = str_cat(s, " ", 1);
        s = str_cat(s, argv[j].ptr, argv[j].len);
    }
    log_line(s);
}

void ldb_log_reply(const char *reply) {
    str *s = str_from("<reply> ");
    cat_reply(&s, reply);
    log_trimmed(s);
}

void ldb_log_error(const char *text, size_t len) {
    log_line(str_cat(str_from("<error> "), text, len));
}

int ldb_lua_debug(lua_State *L) {
    if (!ldb.active) return 0;
    int argc = lua_gettop(L);
    str *s = str_fmt("<debug> line %d: ", ldb.currentline);
    for (int i = 1; i <= argc; i++) {
        s = cat_value(s, L, i, 0);
        if (i != argc) s = str_cat(s, ", ", 2);
    }
    log_line(s);
    return 0;
}

int ldb_lua_breakpoint(lua_State *L) {
    if (ldb.active) ldb.luabp = true;
    lua_pushboolean(L, ldb.active);
    return 1;
}

/* ---- Debugger commands ---- */

static bool is_cmd(const str *a, const char *shortname, const char *name) {
    return (a->len == strlen(shortname) && strcasecmp(a->buf, shortname) == 0) ||
           (a->len == strlen(name) && strcasecmp(a->buf, name) == 0);
}

static void help(void) {
    static const char *lines[] = {
        "Redis Lua debugger help:",
        "[h]elp               Show this help.",
        "[s]tep               Run current line and stop again.",
        "[n]ext               Alias for step.",
        "[c]ontinue           Run till next breakpoint.",
        "[l]ist               List source code around current line.",
        "[l]ist [line]        List source code around [line].",
        "                     line = 0 means: current position.",
        "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
        "                     to show before/after [line].",
        "[w]hole              List all source code. Alias for 'list 1 1000000'.",
        "[p]rint              Show all the local variables.",
        "[p]rint <var>        Show the value of the specified variable.",
        "                     Can also show global vars KEYS and ARGV.",
        "[b]reak              Show all breakpoints.",
        "[b]reak <line>       Add a breakpoint to the specified line.",
        "[b]reak -<line>      Remove breakpoint from the specified line.",
        "[b]reak 0            Remove all breakpoints.",
        "[t]race              Show a backtrace.",
        "[e]val <code>        Execute some Lua code (in a different callframe).",
        "[r]edis <cmd>        Execute a Redis command.",
        "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
        "                     Specifying zero as <len> means unlimited.",
        "[a]bort              Stop the execution of the script. In sync",
        "                     mode dataset changes will be retained.",
        "",
        "Debugger functions you can call from Lua scripts:",
        "redis.debug()        Produce logs in the debugger console.",
        "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
        "                     next line of code.",
        NULL};
    for (int i = 0; lines[i]; i++) log_text(lines[i]);
}

/* A local of the running function or its callers, else KEYS or ARGV. */
static void print_var(lua_State *L, const char *name) {
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(L, &ar, i)) != NULL; i++) {
            if (strcmp(name, n) == 0) {
                log_value(L, "<value> ");
                lua_pop(L, 1);
                return;
            }
            lua_pop(L, 1);
        }
    }
    if (strcmp(name, "ARGV") == 0 || strcmp(name, "KEYS") == 0) {
        lua_getglobal(L, name);
        log_value(L, "<value> ");
        lua_pop(L, 1);
        return;
    }
    log_text("No such variable.");
}

static void print_all(lua_State *L) {
    lua_Debug ar;
    int vars = 0;
    if (lua_getstack(L, 0, &ar)) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(L, &ar, i)) != NULL; i++) {
            if (!strstr(n, "(*temporary)")) {
                str *prefix = str_fmt("<value> %s = ", n);
                log_value(L, prefix->buf);
                str_free(prefix);
                vars++;
            }
            lua_pop(L, 1);
        }
    }
    if (vars == 0) log_text("No local variables in the current context.");
}

static bool remove_breakpoint(int line) {
    for (int i = 0; i < ldb.nbp; i++) {
        if (ldb.bp[i] != line) continue;
        memmove(ldb.bp + i, ldb.bp + i + 1, sizeof(int) * (size_t)(ldb.nbp - i - 1));
        ldb.nbp--;
        return true;
    }
    return false;
}

static void break_line(const str *arg) {
    long line;
    if (!util_str2l(arg->buf, arg->len, &line)) {
        log_line(str_fmt("Invalid argument:'%s'", arg->buf));
    } else if (line == 0) {
        ldb.nbp = 0;
        log_text("All breakpoints removed.");
    } else if (line > 0) {
        if (ldb.nbp == BREAKPOINTS_MAX) {
            log_text("Too many breakpoints set.");
        } else if (line <= ldb.lines && !is_breakpoint((int)line)) {
            ldb.bp[ldb.nbp++] = (int)line;
            list_source((int)line, 1);
        } else {
            log_text("Wrong line number."); /* Redis's answer for a line set already too */
        }
    } else {
        bool found = line >= -(long)ldb.lines && remove_breakpoint((int)-line);
        log_text(found ? "Breakpoint removed." : "No breakpoint in the specified line.");
    }
}

static void break_cmd(str **argv, int argc) {
    if (argc > 1) {
        for (int j = 1; j < argc; j++) break_line(argv[j]);
        return;
    }
    if (ldb.nbp == 0) {
        log_text("No breakpoints set. Use 'b <line>' to add one.");
        return;
    }
    log_line(str_fmt("%d breakpoints set:", ldb.nbp));
    for (int j = 0; j < ldb.nbp; j++) log_source_line(ldb.bp[j]);
}

/* The text of the error object on top. */
static void log_lua_error(lua_State *L) {
    const char *m = lua_tostring(L, -1);
    if (m == NULL && lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        str *s = str_fmt("<error> %s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "(no text)");
        lua_pop(L, 1);
        log_line(s);
        return;
    }
    if (m == NULL) m = lua_typename(L, lua_type(L, -1));
    log_line(str_fmt("<error> %s", m));
}

/* Run Lua code, as an expression if it compiles as one. */
static void eval_cmd(lua_State *L, str **argv, int argc) {
    str *code = str_new_cap(64);
    for (int j = 1; j < argc; j++) {
        if (j > 1) code = str_cat(code, " ", 1);
        code = str_cat(code, argv[j]->buf, argv[j]->len);
    }
    str *expr = str_cat(str_from("return "), code->buf, code->len);
    bool loaded = luaL_loadbuffer(L, expr->buf, expr->len, "@ldb_eval") == 0;
    if (!loaded) {
        lua_pop(L, 1);
        loaded = luaL_loadbuffer(L, code->buf, code->len, "@ldb_eval") == 0;
    }
    str_free(code);
    str_free(expr);
    if (!loaded || lua_pcall(L, 0, 1, 0) != 0) {
        log_lua_error(L);
        lua_pop(L, 1);
        return;
    }
    log_value(L, "<retval> ");
    lua_pop(L, 1);
}

/* redis.call() with stepping on, so that it logs its command and reply. */
static void redis_cmd(lua_State *L, str **argv, int argc) {
    if (!lua_checkstack(L, argc + 1)) {
        log_text("<error> max lua stack reached");
        return;
    }
    lua_getglobal(L, "redis");
    lua_getfield(L, -1, "call");
    for (int j = 1; j < argc; j++) lua_pushlstring(L, argv[j]->buf, argv[j]->len);
    ldb.step = true;
    lua_pcall(L, argc - 1, 1, 0);
    ldb.step = false;
    lua_pop(L, 2);
}

static void trace_cmd(lua_State *L) {
    lua_Debug ar;
    int level = 0;
    for (; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Snl", &ar);
        if (strstr(ar.short_src, "user_script") == NULL) continue;
        log_line(str_fmt("%s %s:", level == 0 ? "In" : "From", ar.name ? ar.name : "top level"));
        log_source_line(ar.currentline);
    }
    if (level == 0) log_text("<error> Can't retrieve Lua stack.");
}

static void maxlen_cmd(str **argv, int argc) {
    if (argc == 2) {
        int v = atoi(argv[1]->buf);
        ldb.maxlen_hint_sent = true; /* the user knows of it */
        if (v != 0 && v <= MAXLEN_MIN) v = MAXLEN_MIN;
        ldb.maxlen = (size_t)v;
    }
    if (ldb.maxlen)
        log_line(str_fmt("<value> replies are truncated at %d bytes.", (int)ldb.maxlen));
    else log_text("<value> replies are unlimited.");
}

static void list_cmd(str **argv, int argc) {
    int around = ldb.currentline, ctx = 5;
    if (argc > 1) {
        int num = atoi(argv[1]->buf);
        if (num > 0) around = num;
    }
    if (argc > 2) ctx = atoi(argv[2]->buf);
    list_source(around, ctx);
}

enum { STAY, RESUME, ABORT };

static int run_cmd(lua_State *L, str **argv, int argc) {
    str *a = argv[0];
    if (is_cmd(a, "s", "step") || is_cmd(a, "n", "next")) {
        ldb.step = true;
        return RESUME;
    }
    if (is_cmd(a, "c", "continue")) return RESUME;
    if (is_cmd(a, "a", "abort")) return ABORT;
    if (is_cmd(a, "h", "help")) help();
    else if (is_cmd(a, "t", "trace")) trace_cmd(L);
    else if (is_cmd(a, "m", "maxlen")) maxlen_cmd(argv, argc);
    else if (is_cmd(a, "b", "break")) break_cmd(argv, argc);
    else if (is_cmd(a, "e", "eval")) eval_cmd(L, argv, argc);
    else if (argc > 1 && is_cmd(a, "r", "redis")) redis_cmd(L, argv, argc);
    else if (is_cmd(a, "p", "print") && argc == 2) print_var(L, argv[1]->buf);
    else if (is_cmd(a, "p", "print")) print_all(L);
    else if (is_cmd(a, "l", "list")) list_cmd(argv, argc);
    else if (is_cmd(a, "w", "whole")) list_source(1, 1000000);
    else log_text("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
    send_logs();
    return STAY;
}

/* ---- Reading commands ---- */

static int parse_number(const char *p, const char *end) {
    char buf[24];
    size_t n = (size_t)(end - p) < sizeof(buf) - 1 ? (size_t)(end - p) : sizeof(buf) - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return atoi(buf);
}

/* The first command in cbuf, as Redis's forgiving reader: 1 with *argv
 * (the bytes consumed), 0 while incomplete, -1 when it can't be one. */
static int parse_cmd(str ***argvp, int *argcp) {
    const char *buf = ldb.cbuf->buf, *end = buf + ldb.cbuf->len;
    if (buf == end) return 0;
    const char *p = memchr(buf, '*', (size_t)(end - buf));
    if (p == NULL) return -1;
    const char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (nl == NULL) return 0;
    int argc = parse_number(p + 1, nl);
    if (argc <= 0 || argc > CMD_MAX) return -1;
    p = nl + 2;
    str **argv = mem_calloc(sizeof(str *) * (size_t)argc);
    int rc = 0, n = 0;
    while (n < argc) {
        if (p == end) goto out;
        if (*p != '$') goto bad;
        nl = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (nl == NULL) goto out;
        int len = parse_number(p + 1, nl);
        if (len <= 0 || len > CMD_MAX) goto bad;
        p = nl + 2;
        if (end - p < len + 2) goto out;
        if (p[len] != '\r' || p[len + 1] != '\n') goto bad;
        argv[n++] = str_new(p, (size_t)len);
        p += len + 2;
    }
    str_consume(ldb.cbuf, (size_t)(p - buf));
    *argvp = argv;
    *argcp = argc;
    return 1;
bad:
    rc = -1;
out:
    str_free_args(argv, n);
    return rc;
}

static void raise_text(lua_State *L, const char *msg) {
    lua_pushstring(L, msg);
    lua_error(L);
}

/* Serve commands until one resumes the script: false when the client is
 * gone (the script then runs to its end without stopping). */
static bool repl(lua_State *L) {
    for (;;) {
        str **argv = NULL;
        int argc = 0, rc;
        while ((rc = parse_cmd(&argv, &argc)) == 0) {
            char buf[1024];
            ssize_t n = conn_read(ldb.fd, ldb.tls, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ldb.step = false;
                ldb.nbp = 0;
                return false;
            }
            ldb.cbuf = str_cat(ldb.cbuf, buf, (size_t)n);
            if (ldb.cbuf->len > CMD_BUF_MAX) {
                str_setlen(ldb.cbuf, 0);
                raise_text(L, "max client buffer reached");
            }
        }
        if (rc < 0) {
            str_setlen(ldb.cbuf, 0);
            raise_text(L, "protocol error");
        }
        int what = run_cmd(L, argv, argc);
        str_free_args(argv, argc);
        if (what == ABORT) raise_text(L, "script aborted for user request");
        if (what == RESUME) return true;
    }
}

/* ---- The hook ---- */

void ldb_hook(lua_State *L, lua_Debug *ar) {
    lua_getstack(L, 0, ar);
    lua_getinfo(L, "Sl", ar);
    ldb.currentline = ar->currentline;
    bool bp = is_breakpoint(ldb.currentline) || ldb.luabp;
    bool timeout = false;
    if (strstr(ar->short_src, "user_script") == NULL) return; /* not the script's own code */
    script_run *r = script_current();
    if (ar->event == LUA_HOOKCOUNT && !ldb.step && !bp) {
        long long limit = cfg.busy_reply_threshold ? cfg.busy_reply_threshold : TIMEOUT_DEFAULT_MS;
        if (r == NULL || ((long long)util_monotonic_us() - r->start_us) / 1000 < limit) return;
        timeout = true;
        ldb.step = true;
    }
    if (!ldb.step && !bp) return;
    const char *reason = !bp         ? (timeout ? "timeout reached, infinite loop?" : "step over")
                         : ldb.luabp ? "redis.breakpoint() called"
                                     : "break point";
    ldb.step = ldb.luabp = false;
    log_line(str_fmt("* Stopped at %d, stop reason = %s", ldb.currentline, reason));
    log_source_line(ldb.currentline);
    send_logs();
    /* A stop on a timeout with nobody left to resume it: end the script,
     * or the server would stay stuck in it. */
    if (!repl(L) && timeout)
        raise_text(L, "timeout during Lua debugging with client closing connection");
    if (r) r->start_us = (long long)util_monotonic_us(); /* debugging time is not the script's */
}

/* ---- Sessions ---- */

static void set_blocking(int fd, bool on) {
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1) fcntl(fd, F_SETFL, on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
    struct timeval tv = {.tv_sec = on ? SEND_TIMEOUT_MS / 1000 : 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool ldb_session_begin(client *c) {
    ldb.forked = !(c->flags & CLIENT_LUA_DEBUG_SYNC);
    if (ldb.forked) {
        pid_t pid = child_fork_session(c->fd);
        if (pid == -1) {
            reply_errorf(c, "ERR Fork() failed: can't run EVAL in debugging mode: %s",
                         strerror(errno));
            return false;
        }
        if (pid > 0) {
            /* The child has the connection now: close ours without a word. */
            tls_disown(c->tls);
            client_close_async(c);
            return false;
        }
        log_msg(LOG_WARNING, "Redis forked for debugging eval");
    } else {
        log_msg(LOG_WARNING, "Redis synchronous debugging eval session started");
    }
    ldb.fd = c->fd;
    ldb.tls = c->tls;
    ldb.step = true;
    ldb.luabp = false;
    ldb.nbp = 0;
    ldb.nlogs = 0;
    ldb.currentline = 0;
    ldb.maxlen = MAXLEN_DEFAULT;
    ldb.maxlen_hint_sent = false;
    if (ldb.cbuf == NULL) ldb.cbuf = str_new_cap(64);
    str_setlen(ldb.cbuf, 0);
    split_source(c->argv[1].ptr, c->argv[1].len);
    set_blocking(c->fd, true);
    ldb.active = true;
    return true;
}

void ldb_session_end(client *c) {
    log_text("<endsession>");
    send_logs();
    if (ldb.forked) {
        /* EVAL's reply, on the socket that is still blocking. */
        size_t left;
        while ((left = reply_pending(c)) > 0 && reply_write(c) == 0 && reply_pending(c) < left) {
        }
        /* Closed as the server closes a client: a TLS peer gets its
         * close_notify (without it redis-cli's next write, of COMMAND DOCS,
         * can meet a reset and die of SIGPIPE). */
        tls_free(c->tls);
        close(c->fd);
        log_msg(LOG_WARNING, "Lua debugging session child exiting");
        child_exit(0);
    }
    log_msg(LOG_WARNING, "Redis synchronous debugging eval session ended");
    set_blocking(c->fd, false);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY; /* the end of the session, for the client */
    str_free(ldb.src);
    mem_free(ldb.line_at);
    ldb.src = NULL;
    ldb.line_at = NULL;
    ldb.lines = 0;
    ldb.active = false;
}
