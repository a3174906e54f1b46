// ioredis.js -- ioredis 5 scenarios: pipelines, MULTI, scanStream, pub/sub
// across a reconnect, defineCommand (EVALSHA with EVAL fallback), the
// Cluster client on a 6-node cluster, a sentinel-discovered master.
'use strict';

const Redis = require('ioredis');
const { waitFor, startSentinel } = require('../lib/servers');

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
