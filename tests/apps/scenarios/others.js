// others.js -- two more applications built on Redis: bee-queue 2 (a job
// queue over node-redis 3, the callback-era client: Lua scripts, BRPOPLPUSH,
// delayed jobs through a sorted set and pub/sub) and rate-limiter-flexible
// (its RateLimiterRedis over ioredis: a Lua script per consume).
'use strict';

const BeeQueue = require('bee-queue');
const IORedis = require('ioredis');
const { RateLimiterRedis } = require('rate-limiter-flexible');
const { waitFor } = require('../lib/servers');

function bee(env, name, extra = {}) {
  return new BeeQueue(name, { redis: { host: '127.0.0.1', port: env.port },
                              activateDelayedJobs: true, removeOnSuccess: false, ...extra });
}

module.exports = [
  {
    name: 'bee-queue',
    async run(env) {
      const q = bee(env, 'bq');
      const producer = bee(env, 'bq', { isWorker: false, getEvents: true });
      try {
        await q.ready();
        await producer.ready();
        const seen = new Map();
        const progress = [];
        q.process(4, async (job) => {
          seen.set(job.id, (seen.get(job.id) || 0) + 1);
          if (job.data.fail && seen.get(job.id) < 3) throw new Error('try again');
          if (job.data.progress) job.reportProgress(50);
          return { double: job.data.x * 2 };
        });
        const results = {};
        producer.on('job succeeded', (id, result) => (results[id] = result));
        producer.on('job progress', (id, p) => progress.push([id, p]));
        const jobs = [];
        for (let i = 0; i < 200; i++) jobs.push(producer.createJob({ x: i }).save());
        const saved = await Promise.all(jobs);
        const flaky = await producer.createJob({ x: 1000, fail: true }).retries(3)
          .backoff('fixed', 50).save();
        const prog = await producer.createJob({ x: 7, progress: true }).save();
        const delayed = await producer.createJob({ x: 5 }).delayUntil(Date.now() + 400).save();
        const custom = await producer.createJob({ x: 9 }).setId('my-id').save();
        const dupe = await producer.createJob({ x: 10 }).setId('my-id').save();
        await waitFor(() => Object.keys(results).length === 204, 60000, '204 jobs succeeded');
        const health = await producer.checkHealth();
        const got = await producer.getJob(flaky.id);
        const listed = await producer.getJobs('succeeded', { start: 0, end: 4 });
        await producer.removeJob(saved[0].id);
        const afterRemove = await producer.getJob(saved[0].id);
        return {
          ids: saved.slice(0, 3).map((j) => j.id),
          once: [...seen.entries()].filter(([id, n]) => id !== flaky.id && n !== 1).length,
          flakyTries: seen.get(flaky.id), flakyStatus: got.status,
          result: results[saved[10].id], progress: progress.filter(([id]) => id === prog.id),
          delayed: results[delayed.id], custom: [custom.id, dupe.id],
          health: { ...health, newestJob: 'N' }, listed: listed.length,
          removed: afterRemove === null,
        };
      } finally {
        await producer.close();
        await q.close();
      }
    },
  },
  {
    name: 'rate-limiter-flexible',
    async run(env) {
      const r = new IORedis({ host: '127.0.0.1', port: env.port, enableOfflineQueue: false });
      try {
        await new Promise((res) => r.once('ready', res));
        const rl = new RateLimiterRedis({ storeClient: r, keyPrefix: 'rl', points: 5, duration: 2,
                                          blockDuration: 3 });
        const out = [];
        const take = async (key, n = 1) => rl.consume(key, n).then(
          (res) => ['ok', res.remainingPoints, res.consumedPoints, res.msBeforeNext > 1000],
          (res) => ['limited', res.remainingPoints, res.consumedPoints, res.msBeforeNext > 2000]);
        for (let i = 0; i < 7; i++) out.push(await take('user1'));
        out.push(await take('user2', 3), await take('user2', 3));
        const g = await rl.get('user2');
        out.push([g.consumedPoints, g.remainingPoints]);
        await rl.penalty('user3', 2);
        await rl.reward('user3', 1);
        out.push((await rl.get('user3')).consumedPoints);
        out.push(await rl.delete('user3'), await rl.get('user3'));
        out.push(await r.pttl('rl:user1') > 2000); // blocked for 3 s
        const keys = (await r.keys('rl:*')).sort();
        return { out, keys };
      } finally {
        r.disconnect();
      }
    },
  },
];
