"""EVAL, EVALSHA, SCRIPT and the Lua engine, differential against
redis-server 7.0.15: replies and error texts (RESP2 and RESP3), the
conversions between Redis replies and Lua values both ways, the sandbox
(each CVE class: read-only globals and library tables, the string
metatable, unpack's range, bit.tohex, huge strings in cjson/cmsgpack,
bytecode), the libraries (cjson, cmsgpack, struct, bit), shebang flags,
commands refused inside scripts, and the effects a script leaves in the
replication stream and in the AOF: its writes wrapped in MULTI/EXEC,
never the EVAL itself."""

import glob
import os
import socket

import pytest

from resp import RespConn, encode_command, normalize


def ev(pair, script, *args, proto=2, numkeys=0, keys=()):
    return pair.check("EVAL", script, str(numkeys if not keys else len(keys)), *keys, *args,
                      proto=proto)


# ---- redis.call and the conversions ----

CONVERSIONS = [
    "return 1",
    "return 3.99",
    "return -3.99",
    "return 'hello'",
    "return true",
    "return false",
    "return nil",
    "return {1,2,3,'ciao',{1,2}}",
    "return {1,2,nil,4}",
    "return {}",
    "return {err='My Error'}",
    "return {err='ERR x\\r\\ny'}",
    "return {ok='FINE'}",
    "return {ok='a\\r\\nb'}",
    "return {1,{err='ERR inner'},{ok='OK'}}",
    "return redis.error_reply('My Error')",
    "return redis.error_reply('-CODE detail')",
    "return redis.error_reply(1)",
    "return redis.status_reply('FOO')",
    "return redis.status_reply()",
    "return {double=1.5}",
    "return {double=0.1}",
    "return {double=1/0}",
    # A NaN keeps its sign ("%.17g": 0/0 is a negative NaN on x86).
    "return {double=0/0}",
    "return {double=-(0/0)}",
    "return {big_number='123456789012345678901234567890'}",
    "return {big_number='12\\r\\n3'}",
    "return {verbatim_string={format='txt',string='abc'}}",
    "return {verbatim_string={format='mkd',string='# x'}}",
    # A format shorter than three bytes (to a NUL) is padded with spaces.
    "return {verbatim_string={format='tx',string='abc'}}",
    "return {verbatim_string={format='',string='abc'}}",
    "return {verbatim_string={format='a\\0bc',string='abc'}}",
    "return {verbatim_string={format='long',string='abc'}}",
    "return {map={a=1}}",
    "return {set={a=true}}",
    "return {map={a={1,2}}, x=1}",
    "local a = {} setmetatable(a,{__index=function() foo() end}) return a",
    "local a = {} setmetatable(a,{__index=function() redis.call('set','x','1') end}) return a",
    "return function() end",
    "return {1, function() end, 3}",
    "return cjson.null",
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script", CONVERSIONS)
def test_lua_values_reach_the_client_as_redis_does(pair, script, proto):
    ev(pair, script, proto=proto)
    ev(pair, "redis.setresp(3) " + script, proto=proto)


REPLIES = [
    "return redis.call('ping')",
    "return redis.call('get', 'nokey')",
    "return redis.call('set', 'a', '1')",
    "return {redis.call('set','a','1'), redis.call('get','a')}",
    "redis.call('hset', 'h', 'f', 'v', 'g', 'w') return redis.call('hgetall', 'h')",
    "redis.call('zadd', 'z', 1.5, 'a') return {redis.call('zscore', 'z', 'a'), redis.call('zrange', 'z', 0, -1, 'withscores')}",
    "redis.call('sadd', 's', 'x') return redis.call('smembers', 's')",
    "return redis.call('smembers', 'nokey')",
    "return redis.call('lrange', 'nokey', 0, -1)",
    "return redis.call('blpop', 'nolist', 0)",
    "return redis.call('incr', 'counter')",
    "return redis.pcall('incr', 'k', 'z')",
    "redis.call('set', 's1', 'str') return redis.pcall('lpush', 's1', 'x')",
    "redis.call('set', 's1', 'str') return redis.call('lpush', 's1', 'x')",
    "return redis.call('debug', 'protocol', 'bignum')",
    "return redis.call('debug', 'protocol', 'verbatim')",
    "return redis.call('debug', 'protocol', 'double')",
    "return redis.call('debug', 'protocol', 'true')",
    "return redis.call('debug', 'protocol', 'null')",
    "return redis.call('debug', 'protocol', 'map')",
    "return redis.call('debug', 'protocol', 'set')",
    "return redis.call('debug', 'protocol', 'attrib')",
    "return redis.call('set', 'n', 1.5)",
    "redis.call('set', 'n', 0.1) return redis.call('get', 'n')",
    "redis.call('set', 'n', 1e20) return redis.call('get', 'n')",
    "return redis.call('time')[3]",
    "return {pcall(redis.call, 'nosuch')}",
    "return {pcall(error, {err='x'})}",
    "return {pcall(error, 'y')}",
    "return redis.pcall('nosuch')['err']",
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script", REPLIES)
def test_command_replies_reach_lua_as_redis_does(pair, script, proto):
    ev(pair, script, proto=proto)
    ev(pair, "redis.setresp(3) " + script, proto=proto)


# Numbers a script passes to redis.call become Redis arguments as Redis
# 7.0 prints them ("%.17g"); castor prints integers below 1e15 without
# printf: every boundary of that shortcut, and what lies past it.
NUMBER_ARGS = ["0", "-0", "0.0", "-0.0", "1", "-1", "9", "100", "2^31", "-2^31", "2^53",
               "999999999999999", "-999999999999999", "1e15", "-1e15", "1e15 - 1",
               "1e16", "123456789012345678", "0.1", "1.5", "-2.25", "1/3", "1e-7",
               "1e300", "1/0", "-1/0", "3.0", "2^63", "-2^63"]


@pytest.mark.parametrize("num", NUMBER_ARGS)
def test_numbers_passed_to_redis_call_print_as_redis_does(pair, num):
    ev(pair, "redis.call('set', 'n', %s) return redis.call('get', 'n')" % num)
    ev(pair, "return redis.call('echo', %s)" % num)


def test_self_referencing_table_stops_at_the_lua_stack_limit(pair):
    """Redis nests the reply until Lua's stack runs out, then answers an
    error in place: compared as redis-cli prints it (too deep for resp.py)."""
    import subprocess
    outs = []
    for srv in (pair.castor, pair.redis):
        out = subprocess.run(["redis-cli", "-p", str(srv.port), "EVAL",
                              "local t = {} t[1]=t return t", "0"],
                             capture_output=True, timeout=30).stdout
        outs.append(out)
    assert outs[0] == outs[1]
    assert b"reached lua stack limit" in outs[0]


def test_keys_and_argv(pair):
    ev(pair, "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "a1", "a2",
       keys=("k1", "k2"))
    ev(pair, "return {type(KEYS), #ARGV}")
    pair.check("EVAL", "return 1", "-1")
    pair.check("EVAL", "return 1", "2", "a")
    pair.check("EVAL", "return 1", "abc")
    pair.check("EVAL", "return 1")
    # EVALSHA of anything but 40 characters is -NOSCRIPT before numkeys is read.
    for cmd in ("EVALSHA", "EVALSHA_RO"):
        pair.check(cmd, "abc", "1.5")
        pair.check(cmd, "f1", "-1", "k")
        pair.check(cmd, "a" * 40, "-1")
        pair.check(cmd, "a" * 40, "5")


# What a script can do to its KEYS and ARGV tables. castor refills the
# last run's tables while they are exactly as new: none of these may show
# in the next run (not a key, a field, a metatable, nor the order pairs()
# walks them in).
KEYS_ARGV_CHANGES = [
    "KEYS[3] = 'extra'",
    "KEYS.x = 1",
    "setmetatable(KEYS, {__index = function() return 'meta' end})",
    "setmetatable(ARGV, {__newindex = function() error('no') end})",
    "table.insert(ARGV, 'more')",
    "KEYS[1] = nil",
    "ARGV[1] = 'changed' KEYS[2] = 7",
    "for i = 3, 40 do KEYS[i] = i end for i = 3, 40 do KEYS[i] = nil end",
    "KEYS.x = 1 KEYS.x = nil",
    "KEYS[1] = nil KEYS[2] = nil for i = 1, 9 do ARGV['f' .. i] = i end "
    "for i = 1, 9 do ARGV['f' .. i] = nil end KEYS[2] = 'b' KEYS[1] = 'a'",
    "table.remove(KEYS)",
    "table.sort(KEYS, function(a, b) return a > b end)",
    "error('after ' .. table.concat(KEYS, ','))",
]

LOOK_AT_KEYS_ARGV = (
    "local o = {} "
    "for k, v in pairs(KEYS) do o[#o + 1] = 'K' .. tostring(k) .. '=' .. tostring(v) end "
    "for k, v in pairs(ARGV) do o[#o + 1] = 'A' .. tostring(k) .. '=' .. tostring(v) end "
    "o[#o + 1] = #KEYS .. '/' .. #ARGV "
    "o[#o + 1] = tostring(getmetatable(KEYS)) .. tostring(getmetatable(ARGV)) "
    "o[#o + 1] = tostring(KEYS[3]) .. tostring(KEYS.x) .. tostring(ARGV[9]) .. tostring(ARGV.y) "
    "ARGV[2] = 'set' o[#o + 1] = ARGV[2] "
    "return o")


@pytest.mark.parametrize("change", KEYS_ARGV_CHANGES)
def test_a_runs_changes_to_keys_and_argv_do_not_reach_the_next_run(pair, change):
    for keys, args in ((("k1", "k2"), ("v1",)), (("k1",), ("v1", "v2")), ((), ()),
                       (("k1", "k2"), ("v1",))):
        ev(pair, LOOK_AT_KEYS_ARGV, *args, keys=keys)
        ev(pair, change + " return 1", *args, keys=keys)
        ev(pair, LOOK_AT_KEYS_ARGV, *args, keys=keys)
        ev(pair, LOOK_AT_KEYS_ARGV, "w1", "w2", "w3", keys=("j1", "j2", "j3"))


def test_many_mixed_arguments_to_redis_call(pair):
    """redis.call formats numbers into a scratch array that grows (and
    moves) while the arguments are read: the earlier ones must still read
    right."""
    args = ", ".join("%d, 's%d'" % (i, i) if i % 3 else "%d.5" % i for i in range(1, 40))
    ev(pair, "redis.call('del', 'l') redis.call('rpush', 'l', %s) "
             "return redis.call('lrange', 'l', 0, -1)" % args)
    ev(pair, "return redis.call('echo', 1, 2)")
    ev(pair, "return redis.call('set', 'k', 1, {})")
    ev(pair, "return redis.pcall('rpush', 'l', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, nil, 12)")


ERRORS = [
    "return a",
    "a = 10",
    "error('x')",
    "error({err='MY thing'})",
    "error()",
    "error(12)",
    "error({err='x', line=3})",
    "return redis.call()",
    "return redis.pcall()",
    "return redis.call('nosuch')",
    "return redis.call('object')",
    "return redis.call('object', 'nosuch')",
    "return redis.call('incr', 'a', 'b')",
    "return redis.call('set', 'x', {})",
    "return redis.call('set', 'x', nil)",
    "return redis.sha1hex()",
    "redis.log(redis.LOG_WARNING)",
    "redis.log('x', 'y')",
    "redis.log(99, 'y')",
    "redis.setresp(4)",
    "redis.setresp()",
    "redis.set_repl(8)",
    "redis.set_repl()",
    "return 1 +",
    "#!lua\nerror('on line two')",
    "#!lua flags=no-writes,bad\nreturn 1",
    "#!luax\nreturn 1",
    "#!lua x=y\nreturn 1",
    "#!lua",
    "#!lua flags=no-writes,,allow-oom\nreturn 1",
    "#!lua name=x\nreturn 1",
    "#!lua flags=NO-WRITES\nreturn 1",
    "#!\nreturn 1",
]


@pytest.mark.parametrize("script", ERRORS)
def test_script_errors_have_redis_words(pair, script):
    ev(pair, script)


API = [
    "return redis.sha1hex('')",
    "return redis.sha1hex('Pizza & Mandolino')",
    "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
    "return redis.replicate_commands()",
    "return redis.breakpoint()",
    "return redis.debug('x')",
    "redis.log(redis.LOG_DEBUG, 'quiet')",
    "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
    "return redis.acl_check_cmd('get', 'x')",
    "return redis.acl_check_cmd('nosuch')",
    "local t={} for k,v in pairs(_G) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k,v in pairs(redis) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k,v in pairs(string) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k,v in pairs(math) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k,v in pairs(table) do t[#t+1]=k end table.sort(t) return t",
    "return tostring(math.random(1, 1000000))",
    "math.randomseed(7) return {math.random(100), math.random(1, 5), tostring(math.random())}",
    "return string.format('%d %s %5.2f', 5, 'x', 1.5)",
    "local s = 'abc' return {s:upper(), s:len(), s:rep(2)}",
    "return {select('#', 1, 2, 3), select(2, 'a', 'b')}",
    "return {unpack({1, 2, 3})}",
    "return {tonumber('0x10'), tonumber('z', 36), tostring(1e15), tostring(0.1)}",
    "return type(coroutine.create(function() end))",
    "local co = coroutine.wrap(function() coroutine.yield(1) return 2 end) return {co(), co()}",
    "return {xpcall(function() error('e') end, function(m) return 'handled: ' .. m end)}",
    "return {loadstring('return 1 + 1')()}",
    "return {loadstring('return +')}",
    "local n = 0 local f = load(function() n = n + 1 if n == 1 then return 'return 7' end end) return f()",
    "return {collectgarbage('count') > 0, gcinfo() > 0}",
    "return {rawequal(string, string), rawget(string, 'len') ~= nil}",
    "return {next({})}",
    "return getmetatable('').__index == string",
    "return getmetatable(redis)",
    "return {select('#', getmetatable({})), select('#', getmetatable(string)), "
    "select('#', getmetatable(1)), select('#', getmetatable(KEYS))}",
    "return {tostring(getmetatable({})), tostring(getmetatable(redis)), tostring(getmetatable(1))}",
    "return {getmetatable(setmetatable({}, {__metatable='locked'}))}",
    "return _VERSION",
]


@pytest.mark.parametrize("script", API)
def test_lua_api_matches(pair, script):
    ev(pair, script)


def test_math_random_continues_one_sequence_across_scripts(make_pair):
    """Redis 7 seeds its PRNG once: successive scripts continue one sequence."""
    p = make_pair()
    for _ in range(3):
        p.check("EVAL", "return tostring(math.random())", "0")


# ---- The sandbox, one test per CVE class ----

SANDBOX = [
    # Read-only globals and library tables (Redis 7.0's protection).
    "setmetatable(_G, {})",
    "local g = getmetatable(_G) g.__index = {}",
    "return type(getmetatable(_G).__index)",
    "redis = function() return 1 end",
    "_G = {}",
    "_G.x = 1",
    "rawset(_G, 'x', 1)",
    "redis.call = function() return 1 end",
    "cjson.encode = function() return 1 end",
    "cmsgpack.pack = function() return 1 end",
    "bit.lshift = function() return 1 end",
    "struct.pack = function() return 1 end",
    "string.upper = function() return 1 end",
    "math.floor = nil",
    "table.insert(string, 1)",
    "rawset(redis, 'call', 1)",
    "setmetatable(redis, {})",
    "return {pcall(rawset, math, 'pi', 3)}",
    # CVE-2025-46818: the string metatable, shared by every script.
    "getmetatable('').__index = {}",
    "getmetatable('').__index.upper = function() return 'pwned' end",
    "rawset(getmetatable(''), '__index', {})",
    "setmetatable(getmetatable(''), {})",
    "return ('x'):upper()",
    # What is not there at all.
    "loadfile('some file')",
    "dofile('some file')",
    "print('some data')",
    "return getfenv(0)",
    "setfenv(1, {})",
    "return newproxy(true)",
    "return require('os')",
    "return os.time()",
    "return io.write('x')",
    "return debug.getinfo(1)",
    "return package.loaded",
    "return module('x')",
    # Precompiled bytecode: Lua 5.1 runs it unchecked.
    "return loadstring(string.dump(function() return 1 end))()",
    "return {loadstring(string.dump(function() return 1 end))}",
    "local s = string.dump(function() return 1 end) local f = load(function() local r = s s = nil return r end) return f",
    # CVE-2025-46817: unpack's range overflow.
    "return unpack({}, -2147483648, 2147483647)",
    "return unpack({}, 0, 2147483647)",
    "return unpack({}, -2, 2147483645)",
    "return unpack({1, 2}, 2147483647, -2147483648)",
    # CVE-2024-31449: bit.tohex with the most negative width.
    "return bit.tohex(-2147483648, -2147483648)",
    "return bit.tohex(65535, -2147483647)",
    "return bit.tohex(65535, 2147483647)",
    "return bit.tohex(1, 0)",
]


@pytest.mark.parametrize("script", SANDBOX)
def test_sandbox_matches_redis(pair, script):
    ev(pair, script)
    pair.check("PING")


def test_string_metatable_change_cannot_reach_another_script(pair):
    """CVE-2025-46818: a script that could change the shared string
    metatable would run its code inside the next user's script."""
    ev(pair, "pcall(function() getmetatable('').__index.upper = function() return 'pwned' end end)")
    assert ev(pair, "return ('abc'):upper()") == b"ABC"


def test_huge_strings_in_cjson_and_cmsgpack_do_not_overflow(server):
    """CVE-2022-24834: the encoders sized their buffers with int arithmetic,
    so a string of hundreds of MB wrapped the size and overflowed the heap.
    Sizes are size_t here, checked at each growth; a 16 MB string that
    expands six times is encoded whole and decoded back."""
    c = server.client()
    n = 16 * 1024 * 1024
    script = ("local s = string.rep('\\1', %d) "
              "local j = cjson.encode(s) local m = cmsgpack.pack(s) "
              "return {#j, #m, #cjson.decode(j), #cmsgpack.unpack(m)}" % n)
    assert c.eval(script, 0) == [n * 6 + 2, n + 5, n, n]
    assert c.ping()


# ---- The libraries ----

CJSON = [
    "return cjson.encode({1,2,3,'a\"b/c\\n\\1\\127'})",
    "return cjson.encode({a=1})",
    "return cjson.encode({})",
    "return cjson.encode({[1]=1,[3]=3})",
    "return cjson.encode({[1]=1,[30]=3})",
    "return cjson.encode({1.5, 1e20, 0.1, -0, 1/3, 123456789012345})",
    "return cjson.encode(1/0)",
    "return cjson.encode(function() end)",
    "return cjson.encode({[true]=1})",
    "return cjson.encode({[1.5]=1})",
    "return cjson.encode(nil)",
    "return cjson.encode(cjson.null)",
    "return cjson.encode({x={y={z={1}}}})",
    "return cjson.encode()",
    "return cjson.encode(string.rep('\\200', 3))",
    "local t = {} t[1]=t return cjson.encode(t)",
    "return cjson.decode('[1,2,3]')",
    "return cjson.decode('{\"a\":[1,{\"b\":\"c\"}]}').a[2].b",
    "return cjson.decode('')",
    "return cjson.decode('x')",
    "return cjson.decode('[1,')",
    "return cjson.decode('{\"a\" 1}')",
    "return cjson.decode('{1:1}')",
    "return cjson.decode('[1 2]')",
    "return cjson.decode('{\"a\":1,}')",
    "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')",
    "return cjson.decode('\"\\\\ud83d\"')",
    "return cjson.decode('\"\\\\x\"')",
    "return cjson.decode('\"abc')",
    "return cjson.decode('0x10')",
    "return cjson.decode('01')",
    "return cjson.decode('+1')",
    "return tostring(cjson.decode('-inf'))",
    "return tostring(cjson.decode('nan'))",
    "return cjson.decode('[1] x')",
    "return cjson.decode('\\0a')",
    "return cjson.decode('tru')",
    "return cjson.decode(string.rep('[', 1001))",
    "return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)) and 1",
    "return {cjson.decode('null') == cjson.null}",
    "return {cjson.decode('[1, null, 3]')[2] == cjson.null}",
    "return cjson.encode_max_depth()",
    "return {cjson.encode_sparse_array()}",
    "return cjson.encode_number_precision(20)",
    "return cjson.decode('[1,2]', 3)",
    "return cjson.new().encode({1})",
    "return {cjson._NAME, cjson._VERSION}",
    "local t = cjson.new() t.encode_invalid_numbers('null') return t.encode({1/0})",
]

CMSGPACK = [
    "return cmsgpack.pack({1,2,3})",
    "return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769, 2^31, -2^31-1, 2^40, -2^40)",
    "return cmsgpack.pack(1.5, 0.1, 1/0, -1/0)",
    "return cmsgpack.pack('a', string.rep('x', 40), string.rep('y', 300), string.rep('z', 70000))",
    "return cmsgpack.pack({a=1}, true, false, nil)",
    "return cmsgpack.pack()",
    "return {cmsgpack.unpack(cmsgpack.pack({1,2,{a='b'}}, 'x', 3.5))}",
    "return cmsgpack.unpack('\\193')",
    "return cmsgpack.unpack('\\205\\1')",
    "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}",
    "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1)}",
    "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}",
    "return {cmsgpack.unpack_one('\\1', 5)}",
    "return {cmsgpack.unpack_limit('\\1', -1)}",
    "return {cmsgpack.unpack('a', 'b')}",
    "local t = {} t[1]=t return cmsgpack.pack(t)",
    "return cmsgpack.pack({['1']=5})",
    "return cmsgpack.pack({[1]=1, [2]=2, [4]=4})",
    "return {cmsgpack.unpack('')}",
    "return {cmsgpack.unpack_one('')}",
    "return cmsgpack.unpack(string.rep('\\145', 10000))",
    "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
    "return cmsgpack.unpack('\\129\\192\\1')",
    "return {cmsgpack.unpack(cmsgpack.pack(2^53, -2^53, 2^63, 1e300))}",
    "return {cmsgpack.unpack('\\196\\2ab\\217\\1c\\202\\63\\192\\0\\0')}",
]

STRUCT_BIT = [
    "return struct.pack('>I2', 258)",
    "return {struct.unpack('<i4', struct.pack('<i4', -5))}",
    "return struct.size('!4 i3 d')",
    "return {struct.unpack('c0', '\\3abc')}",
    "return {struct.unpack('bc0', '\\3abc')}",
    "return struct.pack('i33', 1)",
    "return struct.pack('s', 'ab')",
    "return {struct.unpack('s', 'ab')}",
    "return struct.pack('>d', 1.5)",
    "return {struct.unpack('>i3<i3', struct.pack('>i3<i3', -2, 300))}",
    "return {struct.unpack('!4 b i4', struct.pack('!4 b i4', 1, 2))}",
    "return {struct.unpack('i4', 'ab')}",
    "return {struct.unpack('i4', 'abcdabcd', 0)}",
    "return struct.pack('z', 1)",
    "return struct.pack('i99999999999', 1)",
    "return struct.pack('c3', 'ab')",
    "return struct.size('s')",
    "return struct.size('q')",
    "return struct.pack('=i', 1)",
    "return {bit.band(0xff, 0x0f), bit.bor(1,2), bit.lshift(1, 31), bit.arshift(-256, 4), bit.rol(1,33)}",
    "return {bit.tobit(2^32 + 5), bit.bnot(0), bit.bxor(5, 3), bit.rshift(-1, 28), bit.ror(1, 1), bit.bswap(0x12345678)}",
    "return {bit.tohex(65535, -4), bit.tohex(-1), bit.tohex(255, 2)}",
    "return bit.tobit('x')",
    "return bit.band()",
]


@pytest.mark.parametrize("script", CJSON + CMSGPACK + STRUCT_BIT)
def test_libraries_match(pair, script):
    ev(pair, script)


# ---- EVALSHA and SCRIPT ----

def test_script_cache(pair):
    sha = pair.check("SCRIPT", "LOAD", "return 'loaded'")
    pair.check("EVALSHA", sha, "0")
    pair.check("EVALSHA", sha.upper(), "0")
    pair.check("EVALSHA_RO", sha, "0")
    pair.check("SCRIPT", "EXISTS", sha, "ffffffffffffffffffffffffffffffffffffffff", "x")
    pair.check("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0")
    pair.check("EVALSHA", "short", "0")
    pair.check("SCRIPT", "LOAD", "return +")
    pair.check("SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1")
    pair.check("SCRIPT", "FLUSH", "nosuch")
    pair.check("EVALSHA", sha, "0")
    pair.check("SCRIPT", "FLUSH", "ASYNC")
    pair.check("SCRIPT", "EXISTS", sha)
    pair.check("EVALSHA", sha, "0")  # -NOSCRIPT: the entry found last went with the cache
    pair.check("EVALSHA", sha.upper(), "0")
    pair.check("EVAL", "return 'run'", "0")
    sha2 = pair.check("SCRIPT", "LOAD", "return 'run'")
    pair.check("SCRIPT", "EXISTS", sha2)
    pair.check("SCRIPT", "FLUSH")
    pair.check("SCRIPT", "EXISTS", sha2)
    # EVAL finds the body it ran last by comparing bodies: that entry went
    # with the cache, a body of the same length is another script.
    pair.check("EVAL", "return 'run'", "0")
    pair.check("SCRIPT", "EXISTS", sha2)
    pair.check("EVAL", "return 'nur'", "0")
    pair.check("EVAL", "return 'run'", "0")
    pair.check("EVAL_RO", "return 'nur'", "0")
    pair.check("SCRIPT", "KILL")
    pair.check("SCRIPT", "NOSUCH")
    pair.check("SCRIPT")
    pair.check("SCRIPT", "DEBUG", "no")


def test_globals_do_not_leak_between_scripts(pair):
    ev(pair, "local x = 5 return x")
    ev(pair, "return x")


# ---- Flags and refused commands ----

REFUSED = [
    "return redis.call('multi')",
    "return redis.call('exec')",
    "return redis.call('eval', 'return 1', 0)",
    "return redis.call('subscribe', 'x')",
    "return redis.call('client', 'list')",
    "return redis.call('config', 'get', 'maxmemory')",
    "return redis.call('script', 'load', 'return 1')",
    "return redis.call('watch', 'x')",
    "return redis.call('shutdown')",
    "return redis.call('save')",
    "return redis.call('monitor')",
    "return redis.call('select', 1)",
    "return redis.call('wait', 0, 0)",
    "return redis.call('brpoplpush', 'a', 'b', 0)",
    "return redis.call('bzpopmin', 'a', 0)",
]


@pytest.mark.parametrize("script", REFUSED)
def test_commands_refused_or_non_blocking_in_scripts(pair, script):
    ev(pair, script)


def test_read_only_scripts(pair):
    ev(pair, "#!lua flags=no-writes\nreturn redis.call('get', 'x')")
    ev(pair, "#!lua flags=no-writes\nreturn redis.call('set', 'x', '1')")
    ev(pair, "#!lua flags=no-writes\nreturn redis.pcall('set', 'x', '1')")
    pair.check("EVAL_RO", "return redis.call('set', 'x', '1')", "0")
    pair.check("EVAL_RO", "return redis.call('get', 'x')", "0")
    pair.check("EVAL_RO", "#!lua\nreturn 1", "0")
    pair.check("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0")
    pair.check("EXISTS", "x")


def test_script_flags_under_oom(make_pair):
    p = make_pair(directives={"maxmemory": "1"})
    p.check("EVAL", "return redis.call('set', 'x', 1)", "0")
    p.check("EVAL", "return redis.call('get', 'x')", "0")
    p.check("EVAL", "#!lua\nreturn redis.call('get', 'x')", "0")
    p.check("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'x')", "0")
    p.check("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'x', 1)", "0")
    p.check("EVAL", "#!lua flags=allow-oom\nreturn redis.call('get', 'x')", "0")
    sha = p.check("SCRIPT", "LOAD", "#!lua\nreturn 1")
    p.check("EVALSHA", sha, "0")
    sha = p.check("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 1")
    p.check("EVALSHA", sha, "0")


def test_scripts_in_multi(pair):
    c, r = pair.conns()
    try:
        for conn in (c, r):
            conn.call_node("MULTI")
            conn.call_node("EVAL", "return redis.call('incr', 'm')", "0")
            conn.call_node("EVAL", "return redis.call('nosuch')", "0")
            conn.call_node("EVAL", "return 1 +", "0")
        assert normalize(c.call_node("EXEC")) == normalize(r.call_node("EXEC"))
    finally:
        c.close()
        r.close()
    pair.check("GET", "m")


def test_select_in_script_does_not_change_the_callers_db(pair):
    ev(pair, "redis.call('select', 1) redis.call('set', 'in1', 'x') return redis.call('get', 'in1')")
    pair.check("GET", "in1")
    pair.check("SELECT", "1")
    pair.check("GET", "in1")
    pair.check("FLUSHDB")
    pair.check("SELECT", "0")


def test_expiry_is_frozen_while_a_script_runs(pair):
    """A key expiring mid-script stays for the rest of the script, as the
    script sees the time it started."""
    ev(pair, "redis.call('set', 'e', '1', 'px', 1) local t = redis.call('time') "
             "while true do local n = redis.call('time') "
             "if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 5000 then break end end "
             "return redis.call('get', 'e')")


# ---- Effects: the replication stream and the AOF ----

def read_reply_line(sock_file):
    line = sock_file.readline()
    assert line, "connection closed"
    return line


class StreamReader:
    """A raw replica: SYNC, skip the snapshot, then read the commands."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.sock.makefile("rb")
        self.sock.sendall(encode_command("SYNC"))
        line = self.f.readline()
        while line in (b"\n", b"\r\n"):
            line = self.f.readline()
        assert line.startswith(b"$"), line
        self.f.read(int(line[1:]))

    def command(self):
        line = self.f.readline()
        while line in (b"\n", b"\r\n"):
            line = self.f.readline()
        assert line.startswith(b"*"), line
        args = []
        for _ in range(int(line[1:])):
            n = int(self.f.readline()[1:])
            args.append(self.f.read(n + 2)[:-2])
        return args

    def commands_until(self, marker):
        out = []
        while True:
            cmd = self.command()
            if cmd[0].upper() == b"PING":
                continue
            if cmd == [b"SET", b"marker", marker]:
                return out
            out.append(cmd)

    def close(self):
        self.sock.close()


EFFECT_SCRIPTS = [
    ("return redis.call('set', 'a', '1')", ()),
    ("redis.call('set', 'a', '1') redis.call('incr', 'b') return redis.call('expire', 'a', 100)", ()),
    ("return redis.call('get', 'a')", ()),
    ("redis.call('lpush', 'l', 1, 2, 3) return redis.call('spop', 'nosuchset')", ()),
    ("redis.call('select', 3) redis.call('set', 'x', 'y') redis.call('select', 0) return redis.call('set', 'z', 'w')", ()),
    ("redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1') redis.set_repl(redis.REPL_ALL) return redis.call('set', 'shown', '1')", ()),
    ("redis.set_repl(redis.REPL_AOF) redis.call('set', 'aofonly', '1') return 1", ()),
    ("redis.call('set', 'p', '1') return redis.call('nosuch')", ()),
    ("redis.call('set', 'p', '1') error('fail after a write')", ()),
    ("#!lua\nredis.call('incrbyfloat', 'f', '1.5') return redis.call('set', 'q', 'r', 'ex', 100)", ()),
]


def _effects(srv, script):
    reader = StreamReader(srv.port)
    try:
        conn = RespConn(srv.port)
        conn.call_node("EVAL", script, "0")
        conn.call_node("SET", "marker", "m1")
        conn.close()
        cmds = reader.commands_until(b"m1")
    finally:
        reader.close()
    return normalize_effects(cmds)


def normalize_effects(cmds):
    """Command names in one case (both are valid on the wire); absolute
    expiry times, which differ between the two servers' clocks, masked."""
    return [[c[0].upper()] + [b"<ts>" if a.isdigit() and len(a) >= 13 else a for a in c[1:]]
            for c in cmds]


@pytest.mark.parametrize("script", [s for s, _ in EFFECT_SCRIPTS])
def test_script_effects_in_the_replication_stream(make_pair, script):
    p = make_pair(directives={"repl-diskless-sync": "no"})
    assert _effects(p.castor, script) == _effects(p.redis, script)


def _aof_commands(workdir):
    out = []
    for path in sorted(glob.glob(os.path.join(workdir, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        i = 0
        while i < len(data):
            assert data[i:i + 1] == b"*", data[i:i + 40]
            j = data.index(b"\r\n", i)
            n = int(data[i + 1:j])
            i = j + 2
            args = []
            for _ in range(n):
                j = data.index(b"\r\n", i)
                ln = int(data[i + 1:j])
                args.append(data[j + 2:j + 2 + ln])
                i = j + 2 + ln + 2
            out.append(args)
    return normalize_effects(out)


def test_script_effects_in_the_aof(make_pair):
    p = make_pair(directives={"appendonly": "yes", "appendfsync": "always"})
    for script, _ in EFFECT_SCRIPTS:
        p.check("EVAL", script, "0")
    assert _aof_commands(p.castor.workdir) == _aof_commands(p.redis.workdir)
    assert b"EVAL" not in [c[0].upper() for c in _aof_commands(p.castor.workdir)]


PROTOCOL_TYPES = ["string", "integer", "double", "bignum", "null", "array", "set", "map",
                  "attrib", "true", "false", "verbatim", "nosuch"]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("kind", PROTOCOL_TYPES)
def test_every_reply_type_through_a_script(pair, kind, proto):
    """DEBUG PROTOCOL sends one reply of each RESP type; a script that may
    call it (DEBUG SET-DISABLE-DENY-SCRIPTS, as Redis's own tests do) sees
    it converted, in RESP2 and RESP3 on both the script's and the client's
    side."""
    pair.check("DEBUG", "PROTOCOL", kind, proto=proto)
    pair.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1")
    try:
        for resp in (2, 3):
            ev(pair, "redis.setresp(%d) return redis.call('debug', 'protocol', '%s')" % (resp, kind),
               proto=proto)
    finally:
        pair.check("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0")


def test_sort_of_a_set_is_alphabetical_in_scripts(pair):
    pair.check("SADD", "myset", *"a b c d e f g h i l m n o p q r s t u v z aa aaa azz".split())
    ev(pair, "return redis.call('sort', KEYS[1], 'by', '_')", keys=("myset",))
    ev(pair, "return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*')",
       keys=("myset",))


# ---- redis.acl_check_cmd and blocking commands inside scripts ----

def test_acl_check_cmd_answers_for_the_callers_user(pair):
    """The answer is the calling user's permission for the command and its
    keys, as Redis's unit/scripting "Script ACL check" pins it."""
    pair.check("ACL", "SETUSER", "bob", "on", ">123", "+@scripting", "+set", "~x*")
    a, b = pair.conns()
    try:
        outs = []
        for c in (a, b):
            assert c.call("AUTH", "bob", "123") == "OK"
            out = []
            for script, keys in (("return redis.acl_check_cmd('set','xx',1)", ["xx"]),
                                 ("return redis.acl_check_cmd('hset','xx','f',1)", ["xx"]),
                                 ("return redis.acl_check_cmd('set','yy',1)", []),
                                 ("return redis.acl_check_cmd('invalid-cmd','arg')", []),
                                 ("return redis.acl_check_cmd()", [])):
                out.append(c.call_node("EVAL", script, str(len(keys)), *keys))
            outs.append(out)
        assert outs[0] == outs[1]
        assert outs[0][0] == (":", 1) and outs[0][1] == ("$", None) and outs[0][2] == ("$", None)
        # Nothing the check refused is logged.
        assert pair.check("ACL", "LOG") == []
    finally:
        a.close()
        b.close()
        pair.check("ACL", "DELUSER", "bob")


@pytest.mark.parametrize("script", [
    "return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')",
    "return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS','s','>')",
    "return redis.pcall('xread','BLOCK','notanumber','STREAMS','s','$')",
    "return redis.pcall('xread','STREAMS','s','$')",
    "return redis.pcall('xreadgroup','group','g','c','STREAMS','s','>')",
])
def test_xread_block_is_refused_in_scripts(pair, script):
    pair.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    pair.check("EVAL", script, "1", "s")
