// noderedis.js -- node-redis 4 (package "redis", installed as redis4):
// RESP2 commands through its reply transformers (which parse INFO, CLIENT
// INFO, XINFO, FUNCTION LIST ... into objects, so a reply of another shape
// breaks them), isolation pools, scanIterator and friends, streams with
// consumer groups and XREAD BLOCK, and RESP3 client tracking on a raw
// socket (node-redis 4 has no client-side cache).
'use strict';

const net = require('net');
const { createClient, createCluster, commandOptions } = require('redis4');
const { waitFor } = require('../lib/servers');

async function client(env, extra = {}) {
  const c = createClient({ socket: { host: '127.0.0.1', port: env.port, reconnectStrategy: false },
                           ...extra });
  c.on('error', () => {});
  await c.connect();
  return c;
}

function scenario(name, fn, extra = {}) {
  return {
    name,
    ...extra,
    async run(env) {
      const opened = [];
      const open = async (x) => {
        const c = await client(env, x);
        opened.push(c);
        return c;
      };
      try {
        return await fn(open, env);
      } finally {
        for (const c of opened) {
          try {
            await c.disconnect();
          } catch (e) { /* closed already */ }
        }
      }
    },
  };
}

async function err(p) {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e.message;
  }
}

// Stream IDs and times differ between runs: keep their shape only.
const ids = (v) => JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'string' &&
  /^\d{13}-\d+$/.test(x) ? 'ID' : x)));

module.exports = [
  scenario('commands', async (open) => {
    const c = await open();
    const out = {};
    out.set = [await c.set('s', 'v', { EX: 100, NX: true }), await c.set('s', 'w', { NX: true }),
               await c.set('s', 'x', { GET: true, KEEPTTL: true }), await c.ttl('s') > 90];
    out.getEx = [await c.getEx('s', { PERSIST: true }), await c.ttl('s')];
    out.str = [await c.append('s', 'yz'), await c.getRange('s', 1, -1), await c.strLen('s'),
               await c.incrByFloat('f', 2.5), await c.setRange('s', 10, 'q'),
               await c.get('s'), await c.lcs('s', 'f'), await c.getDel('s')];
    out.hash = [await c.hSet('h', { a: '1', b: '2', c: '3' }), await c.hGetAll('h'),
                await c.hIncrBy('h', 'a', 5), await c.hmGet('h', ['a', 'zz']),
                (await c.hRandFieldCount('h', -5)).length, await c.hStrLen('h', 'b')];
    out.list = [await c.rPush('l', ['a', 'b', 'c', 'b']), await c.lPos('l', 'b'),
                await c.lPosCount('l', 'b', 0), await c.lMove('l', 'l2', 'LEFT', 'RIGHT'),
                await c.lmPop(['nol', 'l'], 'RIGHT', { COUNT: 2 }), await c.lRange('l', 0, -1),
                await c.lInsert('l', 'BEFORE', 'b', 'x')];
    out.set2 = [await c.sAdd('S', ['a', 'b', 'c']), await c.sIsMember('S', 'a'),
                await c.smIsMember('S', ['a', 'z']), (await c.sMembers('S')).sort(),
                await c.sInterCard(['S', 'S']), await c.sMove('S', 'T', 'a')];
    out.zset = [await c.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' },
                                  { score: 3, value: 'c' }]),
                await c.zRangeWithScores('z', 0, -1), await c.zRange('z', '(1', 3, { BY: 'SCORE' }),
                await c.zRange('z', 0, 1, { REV: true }), await c.zScore('z', 'b'),
                await c.zmScore('z', ['a', 'nope']), await c.zRankWithScore
                  ? 'has' : 'none',
                await c.zPopMinCount('z', 2), await c.zmPop('z', 'MAX'),
                await c.zAdd('z2', { score: 5, value: 'x' }, { INCR: true })];
    out.keys = [await c.copy('h', 'h2'), await c.type('h2'), await c.objectEncoding('h2'),
                await c.expire('h2', 100, 'NX'), await c.expireTime('h2') > 0,
                await c.pExpireTime('nokey'), await c.rename('h2', 'h3'),
                await c.exists(['h', 'h3', 'zz']), await c.touch(['h', 'h3'])];
    out.bits = [await c.setBit('b', 7, 1), await c.bitCount('b'), await c.bitPos('b', 1),
                await c.bitField('bf', [{ operation: 'INCRBY', encoding: 'u8', offset: 0,
                                          increment: 300 },
                                        { operation: 'GET', encoding: 'i4', offset: 0 }])];
    out.geo = [await c.geoAdd('g', [{ longitude: 13.361389, latitude: 38.115556, member: 'Pa' },
                                    { longitude: 15.087269, latitude: 37.502669, member: 'Ca' }]),
               await c.geoDist('g', 'Pa', 'Ca', 'km'),
               await c.geoSearchWith('g', 'Pa', { radius: 200, unit: 'km' },
                                     ['WITHDIST', 'WITHCOORD', 'WITHHASH']),
               await c.geoPos('g', ['Pa', 'nope']), await c.geoHash('g', 'Ca')];
    out.hll = [await c.pfAdd('hl', ['a', 'b', 'c']), await c.pfCount('hl')];
    out.errs = [await err(c.incr('h')), await err(c.sendCommand(['NOPE'])),
                await err(c.sendCommand(['SET', 'a'])), await err(c.sendCommand(['EXPIRE', 'a',
                  'x']))];
    out.buf = (await c.get(commandOptions({ returnBuffers: true }), 'f')).toString('hex');
    return out;
  }),

  scenario('server-replies', async (open) => {
    // node-redis turns these replies into objects: their shapes must match
    const c = await open();
    await c.clientSetName('nr');
    const info = await c.clientInfo();
    const list = await c.clientList();
    const keysOf = (o) => Object.keys(o).sort();
    await c.set('x', '1');
    const cmd = await c.commandInfo(['get', 'set', 'nosuch']);
    const cfg = await c.configGet('maxmemory*');
    const fn = "#!lua name=mylib\nredis.register_function('myfn', function(keys, args) " +
               'return args[1] end)\nredis.register_function{function_name=\'ro\', ' +
               "callback=function() return 1 end, flags={'no-writes'}}";
    const loaded = await c.functionLoad(fn);
    const flist = await c.functionList();
    const fcall = [await c.fCall('myfn', { keys: [], arguments: ['hi'] }),
                   await c.fCallRo('ro', { keys: [], arguments: [] })];
    const stats = await c.functionStats();
    const acl = await c.aclGetUser('default');
    const mem = await c.memoryUsage('x') > 0;
    const dbInfo = (await c.info('keyspace')).trim();
    const slowlen = typeof (await c.sendCommand(['SLOWLOG', 'LEN']));
    const lastsave = (await c.lastSave()) instanceof Date;
    const ts = await c.time();
    const cmdCount = await c.commandCount() > 200;
    const getKeys = await c.commandGetKeys(['MSET', 'a', '1', 'b', '2']);
    return {
      info: [keysOf(info), info.name, info.db, info.cmd],
      listKeys: keysOf(list[0]), listNames: list.map((l) => l.name),
      cmd: cmd.map((x) => x && [x.name, x.arity, [...x.flags].sort(), x.firstKeyIndex,
                                x.lastKeyIndex, x.step, [...x.categories].sort()]),
      cfg: Object.keys(cfg).sort(),
      // a library's functions are a dict in Redis: listed in no fixed order
      loaded, flist: flist.map((l) => ({ ...l, functions: [...l.functions]
        .sort((a, b) => a.name.localeCompare(b.name)) })), fcall,
      stats: { running: stats.runningScript, engines: stats.engines },
      acl: { flags: acl.flags, passwords: acl.passwords, commands: acl.commands, keys: acl.keys,
             channels: acl.channels, selectors: acl.selectors },
      mem, dbInfo, slowlen, lastsave, ts: ts instanceof Date, cmdCount, getKeys,
    };
  }),

  scenario('isolation-pool', async (open) => {
    const c = await open({ isolationPoolOptions: { min: 1, max: 4 } });
    const c2 = await open();
    // WATCH in an isolated connection: another client's write aborts it
    const aborted = await err(c.executeIsolated(async (iso) => {
      await iso.watch('bal');
      const v = Number(await iso.get('bal')) || 0;
      await c2.set('bal', '100');
      return iso.multi().set('bal', String(v + 1)).exec();
    }));
    // concurrent isolated transactions on separate connections
    await c.set('ctr', '0');
    const ids = await Promise.all([...Array(8).keys()].map(() => c.executeIsolated(async (iso) => {
      for (;;) {
        await iso.watch('ctr');
        const v = Number(await iso.get('ctr'));
        const r = await iso.multi().set('ctr', String(v + 1)).exec().catch(() => null);
        if (r) return r;
      }
    })));
    // blocking commands in isolation do not block the main connection
    const blocked = c.executeIsolated((iso) => iso.blPop('bq', 5));
    await c.lPush('bq', 'item');
    const popped = await blocked;
    // MULTI with a runtime error and execAsPipeline
    const multi = await c.multi().set('m', 'a').incr('m').get('m').exec().catch((e) => e.message);
    const pipe = await c.multi().set('p', '1').incr('p').execAsPipeline();
    return { aborted, ids: ids.length, ctr: await c.get('ctr'), bal: await c.get('bal'),
             popped, multi, pipe };
  }),

  scenario('scan-iterators', async (open) => {
    const c = await open();
    const m = c.multi();
    for (let i = 0; i < 1200; i++) m.set('it:' + i, String(i));
    for (let i = 0; i < 300; i++) m.hSet('ih', 'f' + i, String(i));
    for (let i = 0; i < 300; i++) m.sAdd('is', 'm' + i);
    for (let i = 0; i < 300; i++) m.zAdd('iz', { score: i, value: 'm' + i });
    m.set('other', '1');
    await m.exec();
    const count = async (it) => {
      const seen = new Set();
      for await (const x of it) seen.add(typeof x === 'string' ? x : JSON.stringify(x));
      return seen.size;
    };
    return {
      keys: await count(c.scanIterator({ MATCH: 'it:*', COUNT: 100 })),
      all: await count(c.scanIterator()),
      typed: await count(c.scanIterator({ TYPE: 'zset' })),
      hash: await count(c.hScanIterator('ih', { COUNT: 30 })),
      set: await count(c.sScanIterator('is', { MATCH: 'm2*' })),
      zset: await count(c.zScanIterator('iz')),
    };
  }),

  scenario('streams', async (open) => {
    const c = await open();
    const blocker = await open();
    const out = {};
    const id1 = await c.xAdd('st', '*', { a: '1' });
    const id2 = await c.xAdd('st', '*', { b: '2' }, { TRIM: { strategy: 'MAXLEN', threshold: 1000,
                                                                strategyModifier: '~' } });
    out.fixed = [await c.xAdd('sf', '1-1', { x: '1' }), await err(c.xAdd('sf', '1-1', { x: '2' })),
                 await c.xAdd('sf', '2-*', { x: '3' })];
    out.len = await c.xLen('st');
    out.range = ids(await c.xRange('st', '-', '+'));
    out.rev = ids(await c.xRevRange('st', '+', '-', { COUNT: 1 }));
    // XREAD BLOCK on another connection, woken by an XADD
    const pending = blocker.xRead(commandOptions({ isolated: true }), { key: 'st', id: '$' },
                                  { BLOCK: 5000, COUNT: 10 });
    await waitFor(async () => (await c.clientList()).some((l) => l.cmd === 'xread'), 5000,
                  'xread blocked');
    await c.xAdd('st', '*', { c: '3' });
    out.woken = ids(await pending);
    // consumer groups
    out.group = [await c.xGroupCreate('st', 'g', '0'), await err(c.xGroupCreate('st', 'g', '0')),
                 await c.xGroupCreateConsumer('st', 'g', 'alice')];
    out.read = ids(await c.xReadGroup('g', 'alice', { key: 'st', id: '>' }, { COUNT: 2 }));
    out.pending = ids(await c.xPending('st', 'g'));
    out.pendingRange = ids((await c.xPendingRange('st', 'g', '-', '+', 10)).map((p) =>
      ({ id: p.id, consumer: p.consumer, deliveriesCounter: p.deliveriesCounter })));
    out.ack = await c.xAck('st', 'g', id1);
    out.claim = ids(await c.xClaim('st', 'g', 'bob', 0, [id2]));
    out.autoclaim = ids(await c.xAutoClaim('st', 'g', 'carol', 0, '0-0', { COUNT: 5 }));
    out.autoclaimJ = ids(await c.xAutoClaimJustId('st', 'g', 'dave', 0, '0-0'));
    out.infoStream = ids(await c.xInfoStream('st'));
    out.infoGroups = ids(await c.xInfoGroups('st'));
    out.infoConsumers = (await c.xInfoConsumers('st', 'g')).map((x) =>
      ({ name: x.name, pending: x.pending }));
    out.full = ids(await c.sendCommand(['XINFO', 'STREAM', 'st', 'FULL', 'COUNT', '2']));
    out.trim = [await c.xTrim('st', 'MAXLEN', 1), await c.xLen('st'), await c.xDel('st', id2)];
    out.setid = [await c.xGroupSetId('st', 'g', '$'), await c.xGroupDelConsumer('st', 'g', 'bob'),
                 await c.xGroupDestroy('st', 'g')];
    out.errs = [await err(c.xReadGroup('nog', 'x', { key: 'st', id: '>' })),
                await err(c.xAdd('st', '0-0', { a: '1' }))];
    // the full-reply shape with volatile fields masked
    out.full = JSON.stringify(out.full).replace(/"\d{13}"|\d{13}/g, 'T');
    return out;
  }),

  scenario('pubsub-sharded', async (open) => {
    const c = await open();
    const sub = c.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    const got = [];
    try {
      await sub.subscribe('ch', (m, ch) => got.push(['s', ch, m]));
      await sub.pSubscribe('p.*', (m, ch) => got.push(['p', ch, m]));
      await sub.sSubscribe('sh', (m, ch) => got.push(['ss', ch, m]));
      const n = [await c.publish('ch', 'a'), await c.publish('p.x', 'b'),
                 await c.sPublish('sh', 'c')];
      await waitFor(() => got.length === 3, 5000, '3 messages');
      const numsub = await c.pubSubNumSub(['ch', 'zz']);
      const shard = [await c.pubSubShardChannels(), await c.sendCommand(['PUBSUB', 'SHARDNUMSUB',
                                                                          'sh'])];
      await sub.unsubscribe('ch');
      await sub.pUnsubscribe();
      await sub.sUnsubscribe();
      return { n, got, numsub, shard, after: await c.pubSubNumPat() };
    } finally {
      await sub.disconnect();
    }
  }),


  scenario('admin-replies', async (open) => {
    // more reply transformers: MEMORY STATS, LATENCY, ACL LOG, OBJECT, HELLO
    const c = await open();
    await c.configSet('latency-monitor-threshold', '1');
    await c.sendCommand(['DEBUG', 'SLEEP', '0.01']);
    await c.set('o', 'v');
    await c.aclSetUser('u1', ['on', '>p', '~x*', '+get']);
    const u = await open({ username: 'u1', password: 'p' }).catch((e) => e.message);
    if (typeof u !== 'string') await u.get('nope').catch(() => {});
    const stats = await c.memoryStats();
    const latest = await c.latencyLatest();
    const hist = await c.latencyHistory('command');
    const acllog = await c.aclLog();
    const hello = await c.hello();
    const keysOf = (o) => Object.keys(o).sort();
    return {
      stats: keysOf(stats),
      latest: latest.map((x) => [x[0], x.length]),
      hist: hist.length > 0 && hist[0].length,
      acllog: acllog.map((x) => [x.count, x.reason, x.context, x.object, x.username, keysOf(x)]),
      hello: { ...hello, id: 'N', version: hello.version.split('.')[0] },
      freq: await c.sendCommand(['OBJECT', 'FREQ', 'o']).catch((e) => e.message),
      idle: await c.objectIdleTime('o'),
      refcount: await c.objectRefCount('o'),
      tracking: await c.clientTrackingInfo(),
      doctor: typeof (await c.memoryDoctor()),
      cmdList: (await c.commandList({ filterBy: 'PATTERN', value: 'xa*' })).sort(),
      randomkey: await c.randomKey(),
    };
  }),

  {
    name: 'cluster',
    noServer: true,
    timeout: 240000,
    async run(env) {
      const nodes = await env.startCluster(3, 0);
      const cl = createCluster({ rootNodes: [{ socket: { host: '127.0.0.1',
                                                         port: nodes[0].port } }] });
      cl.on('error', () => {});
      await cl.connect();
      try {
        await Promise.all([...Array(200).keys()].map((i) => cl.set('n:' + i, String(i))));
        const vals = await Promise.all([...Array(200).keys()].map((i) => cl.get('n:' + i)));
        const m = await cl.multi().set('{t}a', '1').incr('{t}a').get('{t}a').exec();
        const mg = await cl.mGet(['{t}a', '{t}b']);
        const cross = await cl.mGet(['x1', 'y2']).catch((e) => e.message.split(' ')[0]);
        // sharded pub/sub goes to the slot's owner
        const got = [];
        await cl.sSubscribe('sch', (msg, ch) => got.push(ch + '=' + msg));
        await cl.sPublish('sch', 'm1');
        await waitFor(() => got.length === 1, 5000, 'sharded message');
        await cl.sUnsubscribe('sch');
        const masters = cl.masters.length;
        const shards = await cl.sendCommand(undefined, true, ['CLUSTER', 'SHARDS']);
        const slots = await cl.sendCommand(undefined, true, ['CLUSTER', 'SLOTS']);
        return { ok: vals.every((v, i) => v === String(i)), m, mg, cross, got, masters,
                 shards: shards.length, slots: slots.map((s) => s.length) };
      } finally {
        await cl.disconnect();
      }
    },
  },

  {
    name: 'resp3-sweep',
    async run(env) {
      // replies of many commands in RESP3, byte for byte, on a raw socket
      const sock = net.connect(env.port, '127.0.0.1');
      const connected = new Promise((r) => sock.once('connect', r));
      let buf = '';
      sock.on('data', (d) => (buf += d.toString('latin1')));
      const send = (args) => sock.write(args.reduce((s, a) => s + '$' + Buffer.byteLength(a) +
        '\r\n' + a + '\r\n', '*' + args.length + '\r\n'));
      let n = 0;
      const reply = async (args) => {
        send(args);
        const tag = 'mark' + n++;
        send(['ECHO', tag]);
        const want = '$' + tag.length + '\r\n' + tag + '\r\n';
        await waitFor(() => buf.includes(want), 10000, tag);
        const out = buf.slice(0, buf.indexOf(want));
        buf = buf.slice(buf.indexOf(want) + want.length);
        return out;
      };
      try {
        await connected;
        await reply(['HELLO', '3']);
        const cmds = [
          ['ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
          ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES', 'LIMIT', '0', '2'],
          ['ZREVRANGE', 'z', '0', '0', 'WITHSCORES'], ['ZSCORE', 'z', 'b'], ['ZMSCORE', 'z', 'a', 'x'],
          ['ZINCRBY', 'z', '0.5', 'a'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '2'], ['ZPOPMIN', 'z'],
          ['ZADD', 'z2', '1', 'a'], ['ZRANDMEMBER', 'z2', '1', 'WITHSCORES'],
          ['ZUNION', '1', 'z2', 'WITHSCORES'], ['ZINTER', '1', 'z2', 'WITHSCORES'],
          ['ZDIFF', '1', 'z2', 'WITHSCORES'], ['ZRANK', 'z2', 'a'], ['ZADD', 'z2', 'INCR', '1', 'a'],
          ['BZPOPMIN', 'z2', '1'], ['BZPOPMIN', 'nokey', '0.01'], ['ZMPOP', '1', 'nokey', 'MIN'],
          ['HSET', 'h', 'f', '1', 'g', '2'], ['HGETALL', 'h'], ['HSET', 'h1', 'only', 'v'], ['HRANDFIELD', 'h1', '-2', 'WITHVALUES'],
          ['HINCRBYFLOAT', 'h', 'f', '1.5'], ['HGETALL', 'nokey'], ['HMGET', 'h', 'f', 'x'],
          ['SADD', 's', '1', '2'], ['SMEMBERS', 's'], ['SMISMEMBER', 's', '1', 'z'], ['SPOP', 's', '0'],
          ['SINTER', 's', 'nokey'], ['SADD', 's1', 'x'], ['SRANDMEMBER', 's1', '-3'],
          ['RPUSH', 'l', 'a', 'b', 'a'], ['LPOS', 'l', 'a', 'COUNT', '0'], ['BLPOP', 'nokey', '0.01'],
          ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '2'], ['LPOP', 'nokey', '2'],
          ['GEOADD', 'g', '13.361389', '38.115556', 'Pa'], ['GEOPOS', 'g', 'Pa', 'x'],
          ['GEODIST', 'g', 'Pa', 'Pa'], ['GEOSEARCH', 'g', 'FROMLONLAT', '13', '38', 'BYRADIUS',
                                                   '100', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
          ['XADD', 'x', '1-1', 'a', '1'], ['XADD', 'x', '2-1', 'b', '2'],
          ['XGROUP', 'CREATE', 'x', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'],
          ['XREAD', 'STREAMS', 'x', 'nokey2', '0', '0'], ['XREAD', 'STREAMS', 'x', '0'],
          ['XPENDING', 'x', 'g'], ['XPENDING', 'x', 'g', '-', '+', '10'],
          ['XAUTOCLAIM', 'x', 'g', 'd', '0', '0-0'], ['XINFO', 'GROUPS', 'x'],
          ['XINFO', 'CONSUMERS', 'x', 'g'], ['XRANGE', 'x', '-', '+', 'COUNT', '1'],
          ['CONFIG', 'GET', 'maxmemory-polic*'], ['CONFIG', 'GET', 'nosuch'],
          ['COMMAND', 'INFO', 'get', 'nosuch'], ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
          ['COMMAND', 'DOCS', 'get'], ['CLIENT', 'TRACKINGINFO'], ['SCRIPT', 'EXISTS', 'abc'],
          ['EVAL', "redis.setresp(3); return redis.call('HGETALL', 'h')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('ZSCORE', 'z2', 'a')", '0'],
          ['EVAL', 'return {double=1.5}', '0'], ['EVAL', "return redis.call('SMEMBERS', 's')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('SMEMBERS', 's')", '0'],
          ['EVAL', 'return {map={a=1}}', '0'], ['EVAL', 'return {set={a=true}}', '0'],
          ['EVAL', 'return {big_number="123456789012345678901234567890"}', '0'],
          ['EVAL', "redis.setresp(3); return redis.call('DEBUG', 'PROTOCOL', 'bignum')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('DEBUG', 'PROTOCOL', 'verbatim')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('DEBUG', 'PROTOCOL', 'attrib')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('DEBUG', 'PROTOCOL', 'null')", '0'],
          ['EVAL', "redis.setresp(3); return redis.call('DEBUG', 'PROTOCOL', 'true')", '0'],
          ['DEBUG', 'PROTOCOL', 'attrib'], ['DEBUG', 'PROTOCOL', 'push'],
          ['FUNCTION', 'LOAD', "#!lua name=l\nredis.register_function('f', function() return 1 end)"],
          ['FUNCTION', 'LIST'], ['FUNCTION', 'STATS'], ['PUBSUB', 'NUMSUB', 'a'],
          ['ACL', 'GETUSER', 'default'], ['ACL', 'LOG'],
          ['MEMORY', 'USAGE', 'nokey'], ['OBJECT', 'ENCODING', 'h'], ['SLOWLOG', 'GET', '0'],
          ['LATENCY', 'LATEST'], ['TYPE', 'x'], ['EXPIRETIME', 'h'], ['SINTERCARD', '1', 's'],
          ['LCS', 'nokey', 'nokey2', 'IDX', 'WITHMATCHLEN'], ['SUBSCRIBE', 'ch'], ['PING'],
          ['UNSUBSCRIBE'], ['RESET'],
        ];
        const out = [];
        // idle times and ages: integers masked
        const volatile = /^(XPENDING x g -|XINFO CONSUMERS|XAUTOCLAIM|ACL LOG|SLOWLOG|LATENCY)/;
        for (const c of cmds) {
          let r = await reply(c);
          if (volatile.test(c.join(' '))) r = r.replace(/([:,])\d+(\.\d+)?\r\n/g, '$1N\r\n');
          out.push(c.join(' ') + ' -> ' + r);
        }
        return out.map((x) => x.replace(/:\d{10,13}\r\n/g, ':T\r\n'));
      } finally {
        sock.destroy();
      }
    },
  },
  {
    name: 'resp3-tracking',
    async run(env) {
      // HELLO 3 + CLIENT TRACKING on a raw socket: the reply types and the
      // invalidation pushes, byte for byte (client ids masked)
      const sock = net.connect(env.port, '127.0.0.1');
      const connected = new Promise((r) => sock.once('connect', r));
      let buf = '';
      sock.on('data', (d) => (buf += d.toString()));
      const send = (...args) => sock.write(args.reduce((s, a) => s + '$' + Buffer.byteLength(a) +
        '\r\n' + a + '\r\n', '*' + args.length + '\r\n'));
      const other = await client(env);
      const mark = async (tag) => {
        send('ECHO', tag);
        const want = '$' + tag.length + '\r\n' + tag + '\r\n';
        await waitFor(() => buf.includes(want), 5000, tag);
        const out = buf.slice(0, buf.indexOf(want));
        buf = buf.slice(buf.indexOf(want) + want.length);
        return out.replace(/\$2\r\nid\r\n:\d+\r\n/, 'ID')
          .replace(/\$7\r\nversion\r\n\$\d+\r\n[^\r]*\r\n/, 'VERSION')
          .replace(/\$6\r\nserver\r\n\$\d+\r\n[^\r]*\r\n/, 'SERVER');
      };
      try {
        await connected;
        const out = [];
        send('HELLO', '3');
        out.push(await mark('m1'));
        send('CLIENT', 'TRACKING', 'on');
        send('SET', 'tk', '1');
        send('GET', 'tk');
        send('HSET', 'th', 'a', '1');
        send('HGETALL', 'th');
        send('ZADD', 'tz', '1.5', 'a');
        send('ZRANGE', 'tz', '0', '-1', 'WITHSCORES');
        send('SMEMBERS', 'nosuch');
        send('CLIENT', 'TRACKINGINFO');
        out.push(await mark('m2'));
        await other.set('tk', '2');
        await other.hSet('th', 'b', '2');
        await other.flushAll();
        out.push(await mark('m3'));
        send('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:');
        send('CLIENT', 'TRACKING', 'off');
        send('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'NOLOOP');
        send('SET', 'user:1', 'x');
        out.push(await mark('m4'));
        await other.set('user:2', 'y');
        await other.mSet(['user:3', 'a', 'nouser', 'b']);
        out.push(await mark('m5'));
        send('CLIENT', 'TRACKING', 'off');
        send('CLIENT', 'TRACKING', 'on', 'OPTIN');
        send('GET', 'a1');
        send('CLIENT', 'CACHING', 'yes');
        send('GET', 'a2');
        send('CLIENT', 'CACHING', 'no');
        out.push(await mark('m6'));
        await other.mSet(['a1', '1', 'a2', '2']);
        out.push(await mark('m7'));
        return out;
      } finally {
        sock.destroy();
        await other.disconnect();
      }
    },
  },
];
