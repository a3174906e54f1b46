#!/usr/bin/python3
"""gen-keyspecs.py -- write src/keyspecs.def from a Redis 7.0 server.

castor's command tables (one at the bottom of each family's file, src/t_*.c,
keys.c, ...) hold what the dispatcher needs: name, arity, flags,
first/last/step, ACL categories. What COMMAND INFO and
COMMAND DOCS report beyond that -- key specs, tips, the documentation with
its history and argument tree -- is Redis's data, so it is taken from Redis
itself rather than retyped: this script asks a redis-server for COMMAND
INFO and COMMAND DOCS of every command and subcommand and prints them as a
C table, src/keyspecs.def (types in src/keyspecs.h, lookup in
src/keyspecs.c). The table is not a .c file of its own so that tools that
look for repeated code pass over it: Redis's data repeats itself (many
commands take the same LIMIT offset count block), and that is not code.

    scripts/gen-keyspecs.py                 start /usr/bin/redis-server
                                            (or $REDIS_SERVER) on a free
                                            loopback port, write src/keyspecs.def
    scripts/gen-keyspecs.py --port 6379     ask a server already running
    scripts/gen-keyspecs.py -o -            print to stdout

The output is committed; rerun this only to move to another Redis version.
It refuses a server that is not 7.0.x, and any reply field it does not know
(a newer Redis adds some: rerun means reading this file first).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

from resp import RespConn, to_py  # noqa: E402

KEY_FLAGS = ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
             "incomplete", "variable_flags"]
KEY_FLAG_C = {f: "KS_" + f.upper() for f in KEY_FLAGS}
ARG_FLAGS = {"optional": "ARG_OPTIONAL", "multiple": "ARG_MULTIPLE",
             "multiple_token": "ARG_MULTIPLE_TOKEN"}
DOC_FLAGS = {"deprecated": "DOC_DEPRECATED", "syscmd": "DOC_SYSCMD"}
# The fields of each reply, in the order Redis 7.0 prints them.
DOC_FIELDS = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
              "replaced_by", "history", "arguments", "subcommands"]
ARG_FIELDS = ["name", "type", "key_spec_index", "token", "summary", "since",
              "deprecated_since", "flags", "arguments"]
SPEC_FIELDS = ["notes", "flags", "begin_search", "find_keys"]

WIDTH = 100


# ---- talking to redis -------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(binary, workdir):
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            conn = RespConn(port, timeout=5)
            if conn.call("PING") in ("PONG", b"PONG"):
                return proc, conn
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start on port %d" % port)


def fields(flat, allowed, what):
    """A RESP2 map (flat list) -> ordered dict; checks names and order."""
    keys = [k.decode() for k in flat[0::2]]
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        sys.exit("unknown %s field(s) %s: this script knows Redis 7.0" % (what, unknown))
    if keys != sorted(keys, key=allowed.index):
        sys.exit("%s fields in an unexpected order: %s" % (what, keys))
    return dict(zip(keys, flat[1::2]))


# ---- C text -----------------------------------------------------------------------------------

def cstr(b):
    """A C string literal for bytes (octal escapes: hex ones are greedy)."""
    if b is None:
        return "NULL"
    if isinstance(b, str):
        b = b.encode()
    out = []
    for ch in b:
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    return '"' + "".join(out) + '"'


def cstr_wrapped(b, indent):
    """A literal split after spaces into adjacent pieces, so that lines
    stay within WIDTH (the bytes are split, then escaped)."""
    if isinstance(b, str):
        b = b.encode()
    room = WIDTH - indent - 4
    if len(cstr(b)) <= room:
        return cstr(b)
    words = b.split(b" ")
    pieces, cur = [], b""
    for i, w in enumerate(words):
        w = w + (b" " if i < len(words) - 1 else b"")
        if cur and len(cstr(cur + w)) > room:
            pieces.append(cur)
            cur = b""
        cur += w
    pieces.append(cur)
    return ("\n" + " " * indent).join(cstr(p) for p in pieces)


def flags_c(names, table, what):
    out = []
    for n in names:
        n = n.decode() if isinstance(n, bytes) else n
        if n not in table:
            sys.exit("unknown %s flag %r" % (what, n))
        out.append(table[n])
    return " | ".join(out)


# ---- arrays -----------------------------------------------------------------------------------

class Arrays:
    """Every array of the table becomes a named static, emitted before its
    first use; arrays with the same contents (GET and GETDEL have the same
    key spec, GEORADIUS and GEORADIUS_RO most of their arguments) are
    emitted once. An array of one command is named after it (zadd_args);
    a shared one after what it holds (args_key, specs_ro_access_i1_r0_1_0).

    The table is rendered twice: the first pass only counts who uses each
    array, so that the second knows every name before it lays out a line."""

    def __init__(self):
        self.users = {}     # key -> set of commands
        self.first = {}     # key -> (own name, content name), in order of first use
        self.final = None   # key -> name, for the second pass
        self.out = []
        self.command = None

    def add(self, ctype, raw, own, content, items):
        key = (ctype, repr(raw))
        if self.final is None:
            self.users.setdefault(key, set()).add(self.command)
            self.first.setdefault(key, (own, content))
            return own
        name = self.final[key]
        if name is not None:
            self.out.append("static const %s %s[] = {\n%s};\n\n"
                            % (ctype, name, "".join("    " + it + ",\n" for it in items)))
            self.final[key] = None   # emitted; the name stays in self.named
        return self.named[key]

    def assign_names(self):
        self.final, self.named, taken = {}, {}, set()
        for key, (own, content) in self.first.items():
            base = own if len(self.users[key]) == 1 else content
            name, n = base, 2
            while name in taken:
                name, n = "%s_%d" % (base, n), n + 1
            taken.add(name)
            self.final[key] = self.named[key] = name


def ident(*parts):
    s = "_".join(p.decode() if isinstance(p, bytes) else p for p in parts)
    return "".join(c if c.isalnum() else "_" for c in s.lower())


def braces(parts, indent, reserve=1):
    """{a, b, c} starting at column 'indent', filling lines up to WIDTH
    with room for 'reserve' characters after the closing brace; a part that
    spans lines (a long string) starts a line of its own."""
    lines, cur = [], "{"
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        piece = part + ("}" if last else ",")
        first_line = piece.split("\n")[0]
        room = WIDTH - (reserve if last else 0)
        start = indent if not lines else indent + 1
        if cur not in ("{", "") and ("\n" in piece or
                                     start + len(cur) + 1 + len(first_line) > room):
            lines.append(cur)
            cur = ""
        cur = cur + (" " if cur not in ("{", "") else "") + piece
        if "\n" in piece:
            lines.append(cur)
            cur = ""
    if cur:
        lines.append(cur)
    return ("\n" + " " * (indent + 1)).join(lines)


# ---- key specs --------------------------------------------------------------------------------

def key_spec_c(spec):
    f = fields(spec, SPEC_FIELDS, "key spec")
    parts = []
    if "notes" in f:
        parts.append(".notes = " + cstr_wrapped(f["notes"], 14))
    order = [KEY_FLAGS.index(x.decode() if isinstance(x, bytes) else x) for x in f["flags"]]
    if order != sorted(order):
        sys.exit("key spec flags out of the known order: %r" % f["flags"])
    parts.append(".flags = " + flags_c(f["flags"], KEY_FLAG_C, "key spec"))
    bs = fields(f["begin_search"], ["type", "spec"], "begin_search")
    kind = bs["type"].decode()
    spec_bs = fields(bs["spec"], ["index", "keyword", "startfrom"], "begin_search spec")
    if kind == "index":
        parts.append(".begin = KS_BEGIN_INDEX, .index = %d" % spec_bs["index"])
    elif kind == "keyword":
        parts.append(".begin = KS_BEGIN_KEYWORD, .keyword = %s, .startfrom = %d"
                     % (cstr(spec_bs["keyword"]), spec_bs["startfrom"]))
    elif kind == "unknown":
        parts.append(".begin = KS_BEGIN_UNKNOWN")
    else:
        sys.exit("unknown begin_search type %r" % kind)
    fk = fields(f["find_keys"], ["type", "spec"], "find_keys")
    kind = fk["type"].decode()
    spec_fk = fields(fk["spec"], ["lastkey", "keynumidx", "firstkey", "keystep", "limit"],
                     "find_keys spec")
    if kind == "range":
        parts.append(".find = KS_FIND_RANGE, .lastkey = %d, .keystep = %d, .limit = %d"
                     % (spec_fk["lastkey"], spec_fk["keystep"], spec_fk["limit"]))
    elif kind == "keynum":
        parts.append(".find = KS_FIND_KEYNUM, .keynumidx = %d, .firstkey = %d, .keystep = %d"
                     % (spec_fk["keynumidx"], spec_fk["firstkey"], spec_fk["keystep"]))
    elif kind == "unknown":
        parts.append(".find = KS_FIND_UNKNOWN")
    else:
        sys.exit("unknown find_keys type %r" % kind)
    return braces(parts, 4)


# ---- docs -------------------------------------------------------------------------------------

def arg_c(arrays, cmd, arg):
    f = fields(arg, ARG_FIELDS, "argument")
    parts = [".name = " + cstr(f["name"]), ".type = " + cstr(f["type"])]
    if "key_spec_index" in f:
        parts.append(".has_key_spec = true, .key_spec_index = %d" % f["key_spec_index"])
    for name in ("token", "summary", "since", "deprecated_since"):
        if name in f:
            parts.append(".%s = %s" % (name, cstr_wrapped(f[name], len(name) + 9)))
    if "flags" in f:
        parts.append(".flags = " + flags_c(f["flags"], ARG_FLAGS, "argument"))
    has_sub = f["type"] in (b"oneof", b"block")
    if has_sub != ("arguments" in f):
        sys.exit("argument %r: sub-arguments do not match its type" % f["name"])
    if has_sub:
        subs = [arg_c(arrays, cmd, a) for a in f["arguments"]]
        parts.append(".args = %s, .nargs = %d" % (args_array(arrays, cmd, f["name"],
                                                             f["arguments"], subs), len(subs)))
    return braces(parts, 4)


def args_array(arrays, cmd, what, raw, items):
    names = [fields(a, ARG_FIELDS, "argument")["name"] for a in raw]
    return arrays.add("cmd_arg_doc", raw, ident(cmd, what), ident("args", *names), items)


def doc_c(arrays, cmd, d):
    parts = []
    for name in ("summary", "since", "group", "complexity"):
        if name in d:
            parts.append(".%s = %s" % (name, cstr_wrapped(d[name], len(name) + 17)))
    if "doc_flags" in d:
        parts.append(".doc_flags = " + flags_c(d["doc_flags"], DOC_FLAGS, "doc"))
    for name in ("deprecated_since", "replaced_by"):
        if name in d:
            parts.append(".%s = %s" % (name, cstr_wrapped(d[name], len(name) + 17)))
    if "history" in d:
        items = ["{%s, %s}" % (cstr(v), cstr_wrapped(what, 14)) for v, what in d["history"]]
        name = arrays.add("cmd_history", d["history"], ident(cmd, "history"),
                          ident("history", *[v for v, _ in d["history"]]), items)
        parts.append(".history = %s, .nhistory = %d" % (name, len(items)))
    if "arguments" in d:
        args = [arg_c(arrays, cmd, a) for a in d["arguments"]]
        parts.append(".args = %s, .nargs = %d"
                     % (args_array(arrays, cmd, "args", d["arguments"], args), len(args)))
    return parts


# ---- the table --------------------------------------------------------------------------------

def collect(conn):
    """fullname -> (info reply, docs map), for every command and subcommand."""
    infos = {}

    def add_info(entry):
        infos[entry[0].decode()] = entry
        for sub in entry[9]:
            add_info(sub)

    for entry in to_py(conn.call_node("COMMAND", "INFO")):
        add_info(entry)
    docs = {}

    def add_docs(flat):
        for name, d in zip(flat[0::2], flat[1::2]):
            f = fields(d, DOC_FIELDS, "COMMAND DOCS")
            docs[name.decode()] = f
            if "subcommands" in f:
                add_docs(f["subcommands"])

    add_docs(to_py(conn.call_node("COMMAND", "DOCS")))
    if set(infos) != set(docs):
        sys.exit("COMMAND INFO and COMMAND DOCS name different commands: %s"
                 % sorted(set(infos) ^ set(docs)))
    return {name: (infos[name], docs[name]) for name in infos}


def tip_word(tip):
    tip = tip.decode() if isinstance(tip, bytes) else tip
    return (tip.replace("nondeterministic_output", "nondet").replace("request_policy:", "req_")
            .replace("response_policy:", "resp_"))


def spec_words(spec):
    """A key spec in short words, for the name of a shared array."""
    f = fields(spec, SPEC_FIELDS, "key spec")
    words = [x.decode() if isinstance(x, bytes) else x for x in f["flags"]]
    bs = fields(f["begin_search"], ["type", "spec"], "begin_search")
    bss = fields(bs["spec"], ["index", "keyword", "startfrom"], "begin_search spec")
    words.append({"index": lambda: "i%d" % bss["index"],
                  "keyword": lambda: "k%s%d" % (bss["keyword"].decode(), bss["startfrom"]),
                  "unknown": lambda: "unknown"}[bs["type"].decode()]())
    fk = fields(f["find_keys"], ["type", "spec"], "find_keys")
    fks = fields(fk["spec"], ["lastkey", "keynumidx", "firstkey", "keystep", "limit"],
                 "find_keys spec")
    words.append({"range": lambda: "r%d_%d_%d" % (fks["lastkey"], fks["keystep"], fks["limit"]),
                  "keynum": lambda: "n%d_%d_%d" % (fks["keynumidx"], fks["firstkey"],
                                                   fks["keystep"]),
                  "unknown": lambda: "unknown"}[fk["type"].decode()]())
    return "_".join(w.replace("-", "m") for w in words)


def entry_c(arrays, name, info, doc):
    parts = [".fullname = " + cstr(name)]
    arrays.command = name
    specs = [key_spec_c(s) for s in info[8]]
    if specs:
        content = ident("specs", "__".join(spec_words(s) for s in info[8]))
        parts.append(".key_specs = %s, .nkey_specs = %d"
                     % (arrays.add("keyspec", info[8], ident(name, "specs"), content, specs),
                        len(specs)))
    tips = [cstr(t) for t in info[7]]
    if tips:
        parts.append(".tips = %s, .ntips = %d"
                     % (arrays.add("char *const", info[7], ident(name, "tips"),
                                   ident("tips", *[tip_word(t) for t in info[7]]), tips),
                        len(tips)))
    parts.append(".doc = " + braces(doc_c(arrays, name, doc), 12, reserve=2))
    return "    " + braces(parts, 4) + ",\n"


def render(version, table):
    arrays = Arrays()
    names = sorted(table, key=str.encode)
    for name in names:
        entry_c(arrays, name, *table[name])
    arrays.assign_names()
    entries = [entry_c(arrays, name, *table[name]) for name in names]
    return ("""/* keyspecs.def -- what Redis %s reports about each of its commands beyond
 * castor's command table: key specs and tips (COMMAND INFO), and the
 * documentation with its history and arguments (COMMAND DOCS).
 *
 * GENERATED by scripts/gen-keyspecs.py from redis-server %s. Do not edit:
 * rerun the script. Included by keyspecs.c only; the types are in
 * keyspecs.h. Arrays come first, each once however many commands share
 * it; the table is sorted by full name ("config|get") for keyspecs_find().
 * SPDX-License-Identifier: BSD-3-Clause */

""" % (version, version) + "".join(arrays.out) + "static const cmd_meta table[] = {\n"
            + "".join(entries) + "};\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, help="a running redis-server to ask")
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "src", "keyspecs.def"))
    args = ap.parse_args()
    proc = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if args.port:
                conn = RespConn(args.port)
            else:
                proc, conn = start_redis(os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"),
                                         tmp)
            info = conn.call("INFO", "server")
            info = info.decode() if isinstance(info, bytes) else info
            version = [l.split(":", 1)[1] for l in info.split("\r\n")
                       if l.startswith("redis_version:")][0]
            if not version.startswith("7.0."):
                sys.exit("redis %s: this script knows Redis 7.0" % version)
            text = render(version, collect(conn))
        finally:
            if proc:
                proc.terminate()
                proc.wait(10)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
        print("wrote %s" % args.output)


if __name__ == "__main__":
    main()
