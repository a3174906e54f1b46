// ioredis.js -- ioredis 5 scenarios: pipelines, MULTI, scanStream, pub/sub
// across a reconnect, defineCommand (EVALSHA with EVAL fallback), the
// Cluster client on a 6-node cluster (hash tags, MULTI, cluster pub/sub),
// its failover after kill -9 of a master and a live reshard, keyspace
// notifications, blocking commands and CLIENT UNBLOCK, MONITOR, Lua's
// libraries, ACL users, reads and refused writes on a replica, binary keys
// and 3 MB values, connection options and CLIENT KILL filters, approximate
// stream trimming, and a master found through redis-sentinel.
'use strict';

const Redis = require('ioredis');
const { waitFor, startSentinel, sleep } = require('../lib/servers');
const { execFile } = require('child_process');

const cli = (args) => new Promise((resolve) => execFile('/usr/bin/redis-cli', args,
  { timeout: 120000 }, (e, out, errout) => resolve({ code: e ? 1 : 0, out: out + errout })));

const conn = (env, extra = {}) =>
  new Redis({ host: '127.0.0.1', port: env.port, lazyConnect: false, ...extra });

// [err, value] pairs as plain data (errors by message).
const plain = (res) => res.map(([e, v]) => (e ? ['ERR', e.message] : [null, v]));

module.exports = [
  {
    name: 'pipeline',
    async run(env) {
      const r = conn(env);
      try {
        const p = r.pipeline();
        for (let i = 0; i < 200; i++) p.set('k' + i, i);
        p.incr('k5').incrbyfloat('k6', 1.5).lpush('k7', 'x').get('missing');
        p.hset('h', 'a', 1, 'b', 2).hgetall('h').zadd('z', 1, 'a', 2, 'b')
          .zrange('z', 0, -1, 'WITHSCORES').mget('k1', 'k2', 'nokey');
        const res = plain(await p.exec());
        return { n: res.length, tail: res.slice(198), dbsize: await r.dbsize() };
      } finally {
        r.disconnect();
      }
    },
  },
  {
    name: 'multi',
    async run(env) {
      const r = conn(env);
      const r2 = conn(env);
      try {
        const a = plain(await r.multi().set('a', 1).incr('a').lpush('a', 'x').get('a').exec());
        // WATCH broken by another client: exec() resolves to null
        await r.watch('w');
        await r2.set('w', 'other');
        const b = await r.multi().set('w', 'mine').exec();
        // queuing error: the whole transaction is discarded (EXECABORT)
        let c;
        try {
          await r.multi().set('q', 1).call('NOSUCHCMD').exec();
          c = 'no error';
        } catch (e) {
          c = e.message;
        }
        return { a, b, w: await r.get('w'), c, q: await r.exists('q') };
      } finally {
        r.disconnect();
        r2.disconnect();
      }
    },
  },
  {
    name: 'scanStream',
    async run(env) {
      const r = conn(env);
      try {
        const p = r.pipeline();
        for (let i = 0; i < 3000; i++) p.set('user:' + i, i);
        for (let i = 0; i < 500; i++) p.set('other:' + i, i);
        for (let i = 0; i < 400; i++) p.hset('bigh', 'f' + i, i);
        for (let i = 0; i < 300; i++) p.sadd('bigs', 'm' + i);
        for (let i = 0; i < 300; i++) p.zadd('bigz', i, 'm' + i);
        await p.exec();
        const collect = (stream) => new Promise((resolve, reject) => {
          const seen = new Set();
          let dup = 0;
          stream.on('data', (keys) => keys.forEach((k) => (seen.has(k) ? dup++ : seen.add(k))));
          stream.on('end', () => resolve({ n: seen.size, dupOk: dup >= 0 }));
          stream.on('error', reject);
        });
        return {
          keys: await collect(r.scanStream({ match: 'user:*', count: 100 })),
          all: await collect(r.scanStream({ count: 1000 })),
          typed: await collect(r.scanStream({ type: 'hash' })),
          hscan: await collect(r.hscanStream('bigh', { count: 50 })), // [f, v, f, v ...]
          sscan: await collect(r.sscanStream('bigs', { match: 'm1*' })),
          zscan: await collect(r.zscanStream('bigz', { count: 20 })),
        };
      } finally {
        r.disconnect();
      }
    },
  },
  {
    name: 'pubsub-reconnect',
    async run(env) {
      const sub = conn(env, { retryStrategy: () => 50 });
      const pub = conn(env);
      const got = [];
      sub.on('message', (ch, m) => got.push(['m', ch, m]));
      sub.on('pmessage', (p, ch, m) => got.push(['p', p, ch, m]));
      try {
        const n1 = await sub.subscribe('news', 'sport');
        const n2 = await sub.psubscribe('ev.*');
        await pub.publish('news', 'a');
        await pub.publish('ev.1', 'b');
        await waitFor(() => got.length === 2, 5000, 'two messages');
        // the server drops the subscriber: ioredis reconnects and resubscribes
        const before = got.length;
        await pub.client('KILL', 'TYPE', 'pubsub');
        await waitFor(async () => (await pub.pubsub('NUMSUB', 'news'))[1] === 1 &&
                      (await pub.pubsub('NUMPAT')) === 1, 10000, 'resubscribed');
        await pub.publish('news', 'c');
        await pub.publish('ev.2', 'd');
        await pub.publish('sport', 'e');
        await waitFor(() => got.length === before + 3, 5000, 'messages after reconnect');
        const channels = (await pub.pubsub('CHANNELS')).sort();
        await sub.unsubscribe('news');
        const numsub = await pub.pubsub('NUMSUB', 'news', 'sport');
        return { n1, n2, got, channels, numsub };
      } finally {
        sub.disconnect();
        pub.disconnect();
      }
    },
  },
  {
    name: 'defineCommand',
    async run(env) {
      const r = conn(env);
      try {
        r.defineCommand('incrCap', {
          numberOfKeys: 1,
          lua: "local v = redis.call('INCRBY', KEYS[1], ARGV[1])\n" +
               "if v > tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[2]); return " +
               "tonumber(ARGV[2]) end\nreturn v",
        });
        r.defineCommand('multiRet', {
          numberOfKeys: 2,
          lua: "return {KEYS[1], KEYS[2], ARGV[1], redis.call('EXISTS', KEYS[1]), " +
               "{1, 'x', false}, redis.status_reply('OK'), 3.9}",
        });
        r.defineCommand('boom', { numberOfKeys: 0, lua: "return redis.error_reply('MY bad')" });
        r.defineCommand('raise', { numberOfKeys: 0, lua: "return redis.call('INCR')" });
        const out = [];
        out.push(await r.incrCap('c', 4, 10), await r.incrCap('c', 4, 10), await r.incrCap('c', 4, 10));
        // SCRIPT FLUSH: the next call gets NOSCRIPT and falls back to EVAL
        await r.script('FLUSH');
        out.push(await r.incrCap('c', 1, 100));
        out.push(await r.multiRet('k1', 'k2', 'v'));
        for (const f of ['boom', 'raise']) {
          try {
            await r[f]();
            out.push('no error');
          } catch (e) {
            out.push(e.message.replace(/f_[0-9a-f]{40}/, 'f_SHA').replace(/@user_script:\d+/,
              '@user_script:N'));
          }
        }
        // the same script in a pipeline and in MULTI
        out.push(plain(await r.pipeline().incrCap('p', 2, 3).incrCap('p', 2, 3).exec()));
        out.push(plain(await r.multi().incrCap('m', 7, 5).get('m').exec()));
        return out;
      } finally {
        r.disconnect();
      }
    },
  },
  {
    name: 'cluster',
    noServer: true,
    timeout: 240000,
    async run(env) {
      const nodes = await env.startCluster(6, 1);
      const c = new Redis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }],
                                  { scaleReads: 'master', redisOptions: {} });
      try {
        await Promise.all([...Array(500).keys()].map((i) => c.set('key:' + i, i)));
        // a pipeline within one slot
        const pl = plain(await c.pipeline().set('{p}1', 'a').append('{p}1', 'b').get('{p}1').exec());
        const vals = await Promise.all([...Array(500).keys()].map((i) => c.get('key:' + i)));
        const okVals = vals.every((v, i) => v === String(i));
        // hash tags: multi-key commands and MULTI in one slot
        await c.mset('{u1}a', 1, '{u1}b', 2);
        const m = plain(await c.multi().incr('{u1}a').mget('{u1}a', '{u1}b').exec());
        let cross;
        try {
          await c.mget('a1', 'b2');
          cross = 'no error';
        } catch (e) {
          cross = e.message.split(' ')[0];
        }
        const script = await c.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, '{u1}a', 5);
        // scanning every master finds every key
        const masters = c.nodes('master');
        let total = 0;
        for (const n of masters) {
          total += (await n.keys('key:*')).length;
        }
        // pub/sub through the cluster bus
        const sub = c.duplicate();
        const got = [];
        sub.on('message', (ch, msg) => got.push(ch + '=' + msg));
        await sub.subscribe('cl-news');
        await c.publish('cl-news', 'hello');
        await waitFor(() => got.length === 1, 5000, 'cluster message');
        sub.disconnect();
        const info = await c.cluster('INFO');
        const state = info.split('\r\n').filter((l) => /^cluster_(state|slots_assigned|known_nodes|size):/.test(l));
        return { okVals, pl, m, cross, script, masters: masters.length, total, got, state };
      } finally {
        c.disconnect();
      }
    },
  },

  {
    name: 'keyspace-events',
    async run(env) {
      const r = conn(env);
      const sub = conn(env);
      const got = [];
      sub.on('pmessage', (p, ch, m) => got.push(ch.replace(/^__key(space|event)@0__:/, '$1:') +
                                                 '=' + m));
      try {
        await r.config('SET', 'notify-keyspace-events', 'KEA');
        await sub.psubscribe('__key*@0__:*');
        await r.set('a', '1');
        await r.append('a', '2');
        await r.incrby('n', 3);
        await r.expire('a', 100);
        await r.persist('a');
        await r.rename('a', 'b');
        await r.lpush('l', 'x', 'y');
        await r.lpop('l');
        await r.lmove('l', 'l2', 'LEFT', 'RIGHT');
        await r.hset('h', 'f', 'v');
        await r.hincrbyfloat('h', 'g', 1.5);
        await r.hdel('h', 'f', 'g');
        await r.sadd('s', 'm');
        await r.smove('s', 's2', 'm');
        await r.zadd('z', 1, 'a');
        await r.zincrby('z', 1, 'a');
        await r.zpopmin('z');
        await r.xadd('x', '1-1', 'f', 'v');
        await r.xgroup('CREATE', 'x', 'g', '0');
        await r.xtrim('x', 'MAXLEN', 0);
        await r.setex('e', 100, 'v');
        await r.getex('e', 'PERSIST');
        await r.getdel('e');
        await r.set('px', 'v', 'PX', 1);
        await waitFor(async () => (await r.exists('px')) === 0, 5000, 'px expired');
        await r.copy('b', 'c');
        await r.sort('l2', 'ALPHA', 'STORE', 'sorted');
        await r.del('b', 'c', 'nokey');
        await r.restore('rr', 0, await r.dumpBuffer('sorted'));
        await r.pfadd('hll', 'a');
        await r.setrange('sr', 0, 'x');
        await r.set('end', '1');
        await waitFor(() => got.some((g) => g === 'space:end=set'), 5000, 'end event');
        return got;
      } finally {
        r.disconnect();
        sub.disconnect();
      }
    },
  },
  {
    name: 'blocking',
    async run(env) {
      const r = conn(env);
      const b = conn(env);
      try {
        const out = [];
        out.push(await b.blpop('nol', 0.1));
        let p = b.brpoplpush('src', 'dst', 5);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=brpoplpush'), 5000, 'blocked');
        await r.rpush('src', 'v');
        out.push(await p, await r.lrange('dst', 0, -1));
        p = b.bzpopmin('zz', 'z2', 5);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=bzpopmin'), 5000, 'blocked');
        await r.zadd('z2', 5, 'm');
        out.push(await p);
        p = b.blmpop(5, 2, 'la', 'lb', 'RIGHT', 'COUNT', 3);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=blmpop'), 5000, 'blocked');
        await r.rpush('lb', 1, 2);
        out.push(await p);
        // CLIENT UNBLOCK, with and without ERROR
        const id = await b.client('ID');
        p = b.blpop('never', 0);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=blpop'), 5000, 'blocked');
        out.push(await r.client('UNBLOCK', id), await p);
        p = b.blpop('never', 0).catch((e) => e.message);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=blpop'), 5000, 'blocked');
        out.push(await r.client('UNBLOCK', id, 'ERROR'), await p);
        // a blocked XREADGROUP woken by XADD, and by the key being deleted
        await r.xgroup('CREATE', 'bs', 'g', '$', 'MKSTREAM');
        p = b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 5000, 'STREAMS', 'bs', '>');
        await waitFor(async () => (await r.client('LIST')).includes('cmd=xreadgroup'), 5000, 'blocked');
        await r.xadd('bs', '5-1', 'k', 'v');
        out.push(await p);
        p = b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 5000, 'STREAMS', 'bs', '>').catch((e) => e.message);
        await waitFor(async () => (await r.client('LIST')).includes('cmd=xreadgroup'), 5000, 'blocked');
        await r.del('bs');
        out.push(await p);
        // MULTI makes a blocking command non-blocking
        out.push(await r.multi().blpop('nol', 0).exec());
        // WAIT with no replicas
        out.push(await r.wait(0, 10));
        return out;
      } finally {
        r.disconnect();
        b.disconnect();
      }
    },
  },
  {
    name: 'monitor',
    async run(env) {
      const r = conn(env);
      const base = conn(env);
      const mon = await base.monitor();
      const lines = [];
      mon.on('monitor', (time, args, source, database) => lines.push([database, ...args]));
      try {
        await r.set('k', 'hello world');
        await r.eval("return redis.call('GET', KEYS[1])", 1, 'k');
        await r.multi().incr('n').hset('h', 'f', 'quote"d\n').exec();
        await r.select(3);
        await r.del('k');
        await r.auth('wrongpw').catch(() => {});
        await r.ping('end');
        await waitFor(() => lines.some((l) => l.includes('end')), 5000, 'end line');
        return lines;
      } finally {
        r.disconnect();
        mon.disconnect();
        base.disconnect();
      }
    },
  },
  {
    name: 'lua-libs',
    async run(env) {
      const r = conn(env);
      try {
        const ev = (s, ...a) => r.eval(s, 0, ...a).catch((e) => 'E: ' + e.message.replace(
          /script: [0-9a-f]{40}/, 'script: SHA'));
        return [
          await ev("return cjson.encode({a={1,2,3}, b='x'})"),
          await ev("return cjson.decode('[1,2,{\"k\":null}]')[3].k == cjson.null and 1 or 0"),
          await ev("return cmsgpack.unpack(cmsgpack.pack({1,2,'three'}))"),
          await ev("return bit.band(0xff, 0x0f) .. ' ' .. bit.tohex(255)"),
          await ev("return struct.pack('>I2', 258)"),
          await ev("return redis.sha1hex('abc')"),
          await ev("return redis.pcall('INCR', 'notnum', 'x')['err']"),
          await ev("redis.call('SET','s','abc'); return redis.pcall('INCR', 's')"),
          await ev("return {1, 2.7, 'x', true, false, nil, 5}"),
          await ev("redis.setresp(3); return redis.call('HGETALL', 'nohash')"),
          await ev("redis.setresp(3); redis.call('HSET','hh','a','1'); local t = redis.call('HGETALL', 'hh'); return t['map']['a']"),
          await ev("return {double=3.5}"),
          await ev("return redis.call('DEBUG', 'sleep', 0)"),
          await ev("return type(loadstring)"),
          await ev("return os.time ~= nil"),
          await ev("return redis.REDIS_VERSION_NUM >= 0x070000"),
          await ev("return #KEYS + #ARGV", 'a', 'b'),
          await ev("local t = {} for i=1,20 do t[i]=i end return redis.call('RPUSH', 'big', unpack(t))"),
          await ev("x = 5"),
          await ev("error('plain')"),
          await ev("error({err='CUSTOM code'})"),
          await ev("return redis.call('EVAL', 'return 1', 0)"),
          await ev('this is not lua'),
          await ev("redis.call('SET', 'a', 'b'); redis.call('SHUTDOWN')"),
          await ev("return redis.call('PUBLISH', 'c', 'm')"),
          await ev("return redis.acl_check_cmd('set', 'a', 'b')"),
        ];
      } finally {
        r.disconnect();
      }
    },
  },
  {
    name: 'cluster-failover',
    noServer: true,
    timeout: 240000,
    serial: true,
    async run(env) {
      // validity factor 0: redis-server 7.0.15's replica refuses to fail over
      // after a diskless full sync otherwise (its repl_down_since stays 0)
      const nodes = await env.startCluster(6, 1, ['--cluster-replica-validity-factor', '0']);
      const c = new Redis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }],
                                  { scaleReads: 'slave', retryDelayOnFailover: 200,
                                    clusterRetryStrategy: () => 200 });
      try {
        await Promise.all([...Array(300).keys()].map((i) => c.set('f:' + i, i)));
        // reads from replicas (READONLY)
        await waitFor(async () => {
          const vals = await Promise.all([...Array(300).keys()].map((i) => c.get('f:' + i)));
          return vals.every((v, i) => v === String(i));
        }, 10000, 'replicas caught up');
        // every replica linked and synced (redis-server's diskless sync waits 5 s)
        for (const n of nodes) {
          const cl = new Redis(n.port);
          await waitFor(async () => {
            const i = await cl.info('replication');
            return i.includes('role:master') || (i.includes('master_link_status:up') &&
                                                 i.includes('master_sync_in_progress:0'));
          }, 30000, 'replica synced');
          await waitFor(async () => (await cl.dbsize()) > 0, 30000, 'replica has keys');
          cl.disconnect();
        }
        // kill -9 one master (not the seed): its replica takes over
        const masterPorts = [];
        for (const n of nodes.slice(1)) {
          const cl = new Redis(n.port);
          if ((await cl.role())[0] === 'master') masterPorts.push(n.port);
          cl.disconnect();
        }
        const victim = nodes.find((n) => n.port === masterPorts[0]);
        await victim.kill();
        let lastErr;
        await waitFor(async () => {
          const cl = new Redis(nodes[0].port);
          const info = await cl.cluster('INFO');
          cl.disconnect();
          return info.includes('cluster_state:ok') && !info.includes('cluster_state:fail');
        }, 30000, 'state ok after failover', 200);
        await waitFor(async () => {
          try {
            await c.set('after', '1');
            return true;
          } catch (e) {
            lastErr = e.message;
            return false;
          }
        }, 30000, "writes work after failover", 200).catch(async (e) => {
          const st = await Promise.all(nodes.filter((n) => n !== victim).map(async (n) => {
            const cl = new Redis(n.port);
            const i = await cl.cluster('INFO');
            const nn = await cl.cluster('NODES');
            cl.disconnect();
            return n.port + ' ' + i.split('\r\n')[0] + '\n' + nn;
          }));
          throw new Error(e.message + ': ' + lastErr + '\nvictim ' + victim.port + '\n' + st.join('\n'));
        });
        const vals = await Promise.all([...Array(300).keys()].map((i) => c.get('f:' + i)));
        const bad = vals.map((v, i) => [i, v]).filter(([i, v]) => v !== String(i));
        if (bad.length) {
          const slot = await new Redis(nodes[0].port).cluster('KEYSLOT', 'f:' + bad[0][0]);
          const nodesTxt = await new Redis(nodes[0].port).cluster('NODES');
          throw new Error(bad.length + ' keys wrong, e.g. ' + JSON.stringify(bad.slice(0, 3)) +
                          ' slot ' + slot + '\n' + nodesTxt + ' victim ' + victim.port);
        }
        return { all: vals.every((v, i) => v === String(i)), after: await c.get('after') };
      } finally {
        c.disconnect();
      }
    },
  },
  {
    name: 'cluster-reshard',
    noServer: true,
    timeout: 240000,
    serial: true,
    async run(env) {
      const nodes = await env.startCluster(3, 0);
      const c = new Redis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }]);
      try {
        for (let i = 0; i < 400; i++) await c.set('r:' + i, i);
        const ids = [];
        for (const n of nodes) {
          const cl = new Redis(n.port);
          ids.push(await cl.cluster('MYID'));
          cl.disconnect();
        }
        // move 2000 slots from node 0 to node 2 while the client keeps writing
        let stop = false;
        let ops = 0;
        let errors = 0;
        const loop = (async () => {
          while (!stop) {
            const i = ops % 400;
            try {
              await c.incr('r:' + i);
              ops++;
            } catch (e) {
              errors++;
              if (errors > 50) throw e;
            }
          }
        })();
        const res = await cli(['--cluster', 'reshard', '127.0.0.1:' + nodes[0].port,
                               '--cluster-from', ids[0], '--cluster-to', ids[2],
                               '--cluster-slots', '2000', '--cluster-yes',
                               '--cluster-pipeline', '20']);
        stop = true;
        await loop;
        if (res.code !== 0) throw new Error('redis-cli --cluster reshard failed:\n' + res.out.slice(-1500));
        const keys = await Promise.all([...Array(400).keys()].map((i) => c.get('r:' + i)));
        const sum = keys.reduce((a, v) => a + Number(v), 0);
        const expectSum = [...Array(400).keys()].reduce((a, i) => a + i, 0) + ops;
        const chk = await cli(['--cluster', 'check', '127.0.0.1:' + nodes[0].port]);
        return { reshard: res.code, sumOk: sum === expectSum, noErrors: errors === 0,
                 agree: chk.out.includes('[OK] All nodes agree about slots configuration.') };
      } finally {
        c.disconnect();
      }
    },
  },

  {
    name: 'acl-users',
    async run(env) {
      const admin = conn(env);
      const out = [];
      try {
        out.push(await admin.acl('SETUSER', 'app', 'on', '>s3cret', '~bull:*', '~app:*', '&*',
                                 '+@all', '-@dangerous', '-flushall'));
        out.push(await admin.acl('SETUSER', 'ro', 'on', 'nopass', '~*', '+@read', '+ping'));
        const app = conn(env, { username: 'app', password: 's3cret' });
        // ioredis's ready check (an INFO each user is denied) is done on
        // each connection before the next one opens and before the commands,
        // so the ACL LOG's order does not depend on which connection the
        // server happens to read first.
        await app.ping();
        const ro = conn(env, { username: 'ro' });
        await ro.ping();
        const e = (p) => p.then((v) => v, (x) => 'E: ' + x.message);
        out.push(await e(app.set('app:1', 'x')), await e(app.set('other', 'x')),
                 await e(app.flushall()), await e(app.keys('*')),
                 await e(app.eval("return redis.call('SET', 'nope', 1)", 0)),
                 await e(app.eval("return redis.call('SET', KEYS[1], 1)", 1, 'app:2')),
                 await e(app.eval("return redis.pcall('GET', 'nope')", 0)),
                 await e(app.acl('WHOAMI')), await e(app.publish('ch', 'm')));
        out.push(await e(ro.get('app:1')), await e(ro.set('a', 'b')), await e(ro.ping()),
                 await e(ro.multi().get('app:1').set('x', 1).exec()));
        const bad = conn(env, { username: 'app', password: 'wrong', retryStrategy: () => null,
                                maxRetriesPerRequest: 0 });
        out.push(await e(bad.ping()));
        bad.disconnect();
        const log = (await admin.acl('LOG')).map((entry) => {
          const o = {};
          for (let i = 0; i < entry.length; i += 2) o[entry[i]] = entry[i + 1];
          return [o.count, o.reason, o.context, o.object, o.username];
        });
        out.push(log, (await admin.acl('GETUSER', 'app')).filter((x, i) => i % 2 === 0));
        out.push(await admin.acl('LIST'));
        out.push(await admin.acl('DRYRUN', 'app', 'set', 'other', 'x'));
        app.disconnect();
        ro.disconnect();
        return out;
      } finally {
        admin.disconnect();
      }
    },
  },
  {
    name: 'replica-reads',
    async run(env) {
      const replica = await env.startServer(['--replicaof', '127.0.0.1', String(env.port)]);
      const m = conn(env);
      const r = new Redis({ host: '127.0.0.1', port: replica.port });
      try {
        await m.set('k', 'v');
        await m.lpush('l', 'a', 'b');
        await waitFor(async () => (await r.get('k')) === 'v' && (await r.llen('l')) === 2, 20000,
                      'replica has the writes');
        const e = (p) => p.then((v) => v, (x) => 'E: ' + x.message);
        const out = [await e(r.set('x', 1)), await e(r.get('k')),
                     await e(r.eval("return redis.call('GET', 'k')", 0)),
                     await e(r.eval("return redis.call('SET', 'k', 1)", 0)),
                     await e(r.multi().get('k').incr('n').exec()),
                     await e(r.sort('l', 'ALPHA')), await e(r.sort('l', 'ALPHA', 'STORE', 'd')),
                     await e(r.call('SORT_RO', 'l', 'ALPHA')), (await r.role())[0],
                     await e(r.call('EVAL_RO', "return redis.call('GET', 'k')", 0)),
                     await e(r.xadd('s', '*', 'a', 1)), await e(r.publish('c', 'm'))];
        // expired on the master: the replica hides it after the DEL arrives
        await m.set('t', 'v', 'PX', 100);
        await waitFor(async () => (await m.exists('t')) === 0, 5000, 'expired on master');
        await waitFor(async () => (await r.exists('t')) === 0, 5000, 'gone on replica');
        out.push(await r.dbsize());
        return out;
      } finally {
        m.disconnect();
        r.disconnect();
      }
    },
  },
  {
    name: 'binary-big',
    async run(env) {
      const r = conn(env);
      try {
        const bin = Buffer.from([...Array(256).keys()]);
        const big = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh');
        await r.set(bin, bin);
        await r.set('big', big);
        await r.hset('hb', bin, big);
        const p = r.pipeline();
        for (let i = 0; i < 30; i++) p.getBuffer('big');
        const many = await p.exec();
        const lst = [];
        for (let i = 0; i < 1000; i++) lst.push(Buffer.from([i % 256, 0, 13, 10]));
        await r.rpush('lb', ...lst);
        const back = await r.lrangeBuffer('lb', 0, -1);
        // one command of 200,001 arguments, and a pipeline of 50,000
        const margs = [];
        for (let i = 0; i < 100000; i++) margs.push('mk' + i, i);
        const mset = await r.mset(margs);
        const members = [...Array(200000).keys()].map((i) => 'm' + i);
        const sadd = await r.sadd('bigset', members);
        const enc = await r.object('ENCODING', 'bigset');
        const p2 = r.pipeline();
        for (let i = 0; i < 50000; i++) p2.incr('ctr');
        const res2 = await p2.exec();
        const del = await r.del([...Array(100000).keys()].map((i) => 'mk' + i));
        return {
          mset, sadd, enc, ctr: res2[49999][1], del, dbsize: await r.dbsize(),
          key: (await r.getBuffer(bin)).equals(bin),
          big: many.every(([e, v]) => !e && v.equals(big)),
          hb: (await r.hgetBuffer('hb', bin)).length,
          list: back.every((b, i) => b.equals(lst[i])),
          strlen: await r.strlen('big'),
          range: (await r.getrangeBuffer('big', -5, -1)).toString(),
          keys: (await r.keysBuffer('*')).map((k) => k.toString('hex')).sort(),
          debug: (await r.memory('USAGE', 'big')) > 3 * 1024 * 1024,
        };
      } finally {
        r.disconnect();
      }
    },
  },

  {
    name: 'connections',
    async run(env) {
      const admin = conn(env);
      const e = (p) => p.then((v) => v, (x) => 'E: ' + x.message);
      const out = [];
      const a = conn(env, { connectionName: 'alpha', db: 3 });
      const b = conn(env, { connectionName: 'beta' });
      try {
        await a.set('in3', '1');
        out.push(await admin.select(3).then(() => admin.get('in3')), await a.client('GETNAME'));
        await admin.select(0);
        const list = (await admin.client('LIST')).split('\n').filter(Boolean)
          .map((l) => Object.fromEntries(l.split(' ').map((kv) => kv.split('='))));
        out.push(list.map((c) => [c.name, c.db, c.cmd]).sort());
        const aid = await a.client('ID');
        // kill filters
        out.push(await e(admin.client('KILL', 'ID', String(aid), 'SKIPME', 'yes')),
                 await e(admin.client('KILL', 'USER', 'nosuchuser')),
                 await e(admin.client('KILL', 'TYPE', 'bogus')),
                 await e(admin.client('KILL', 'ADDR', '1.2.3.4:5')),
                 await e(admin.client('KILL', 'MAXAGE', '100000')),
                 await e(admin.client('KILL', 'LADDR', 'x')));
        // pause: writes wait, reads go on
        await admin.client('PAUSE', 300, 'WRITE');
        const t0 = Date.now();
        const [g, s] = await Promise.all([b.get('in3'), b.set('w', '1')]);
        out.push(g, s, Date.now() - t0 >= 250);
        out.push(await admin.client('UNPAUSE'));
        // CLIENT REPLY OFF/ON over a raw pipeline is covered by the diff tests;
        // NO-EVICT and the info fields it shows
        out.push(await admin.client('NO-EVICT', 'on'), await e(admin.client('NO-EVICT', 'maybe')));
        out.push(await e(admin.call('RESET')));
        out.push(await admin.client('GETNAME'), await e(b.quit()));
        out.push(await e(admin.call('HELLO', '2', 'SETNAME', 'h2')), await admin.client('GETNAME'));
        out.push(await e(admin.call('HELLO', '4')));
        // client ids depend on the order the three connections were accepted
        return JSON.parse(JSON.stringify(out).replace(/"id",\d+/g, '"id","N"'));
      } finally {
        admin.disconnect();
        a.disconnect();
        b.disconnect();
      }
    },
  },
  {
    name: 'stream-trim',
    async run(env) {
      const r = conn(env);
      try {
        const out = [];
        for (const [n, cap, extra] of [[1000, 150, []], [777, 300, ['LIMIT', '200']],
                                       [500, 10, []]]) {
          const key = 's' + n;
          const p = r.pipeline();
          for (let i = 1; i <= n; i++) {
            p.xadd(key, 'MAXLEN', '~', cap, ...extra, i + '-1', 'f', 'x'.repeat(i % 50));
          }
          await p.exec();
          out.push([await r.xlen(key), (await r.xrange(key, '-', '+', 'COUNT', 1))[0][0]]);
          out.push(await r.xtrim(key, 'MINID', '~', String(n - 20) + '-0'),
                   await r.xlen(key));
        }
        // BullMQ's events stream: maxLen ~ 10000 after 12,000 adds
        const p = r.pipeline();
        for (let i = 0; i < 12000; i++) p.xadd('ev', 'MAXLEN', '~', 10000, '*', 'event', 'x');
        await p.exec();
        out.push(await r.xlen('ev'));
        await r.config('SET', 'stream-node-max-entries', '7');
        for (let i = 1; i <= 100; i++) await r.xadd('small', 'MAXLEN', '~', 20, i + '-1', 'a', 'b');
        out.push(await r.xlen('small'));
        const info = await r.xinfo('STREAM', 'small');
        out.push(info.filter((x, i) => i % 2 === 0));
        await r.config('SET', 'stream-node-max-entries', '100');
        return out;
      } finally {
        r.disconnect();
      }
    },
  },

  {
    name: 'sentinel-failover',
    timeout: 90000,
    async run(env) {
      // a replica, one sentinel; SENTINEL FAILOVER: ioredis follows the new master
      const replica = await env.startServer(['--replicaof', '127.0.0.1', String(env.port)]);
      const m = conn(env);
      await waitFor(async () => (await m.info('replication')).includes('connected_slaves:1'),
                    20000, 'replica linked');
      const sentinel = await startSentinel(env.port);
      env.servers.push(sentinel);
      const sc = new Redis({ host: '127.0.0.1', port: sentinel.port });
      const r = new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
                            name: 'mymaster', sentinelRetryStrategy: () => 100 });
      r.on('error', () => {}); // the old master's disconnect, while it switches
      const rep = new Redis({ host: '127.0.0.1', port: replica.port });
      try {
        await r.set('before', '1');
        await waitFor(async () => (await sc.sentinel('REPLICAS', 'mymaster')).length === 1, 30000,
                      'sentinel knows the replica');
        await waitFor(async () => {
          const i = await rep.info('replication').catch(() => '');
          return i.includes('master_link_status:up');
        }, 20000, 'replica up');
        const fo = await sc.sentinel('FAILOVER', 'mymaster');
        await waitFor(async () => Number((await sc.sentinel('GET-MASTER-ADDR-BY-NAME',
                                                             'mymaster'))[1]) === replica.port,
                      30000, 'sentinel switched');
        await waitFor(async () => {
          try {
            await r.set('after', '1');
            return Number((await r.config('GET', 'port'))[1]) === replica.port;
          } catch (e) {
            return false;
          }
        }, 30000, 'ioredis on the new master', 100);
        await waitFor(async () => (await m.role())[0] === 'slave', 30000, 'old master demoted');
        return { fo, before: await r.get('before'), after: await r.get('after'),
                 oldRole: (await m.role())[0] };
      } finally {
        sc.disconnect();
        r.disconnect();
        m.disconnect();
        rep.disconnect();
      }
    },
  },
  {
    name: 'sentinel',
    timeout: 60000,
    async run(env) {
      const sentinel = await startSentinel(env.port);
      env.servers.push(sentinel);
      const r = new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
                            name: 'mymaster' });
      try {
        await r.set('via-sentinel', 'yes');
        const role = (await r.role())[0];
        const port = Number((await r.config('GET', 'port'))[1]);
        return { v: await r.get('via-sentinel'), role, samePort: port === env.port };
      } finally {
        r.disconnect();
      }
    },
  },
];
