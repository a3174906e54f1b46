// bullmq.js -- BullMQ 5 job queues (Lua-heavy: every state change is a
// script) on both servers: add/process/complete, retries with exponential
// backoff, delayed jobs, priorities, job schedulers (every/cron), the rate
// limiter, flows, removal, counts and listings, QueueEvents (XREAD BLOCK),
// pause/resume, drain/obliterate, stalled-job recovery after a killed
// worker process, concurrency, and 5,000 jobs each completed exactly once.
'use strict';

const path = require('path');
const { spawn } = require('child_process');
const { Queue, Worker, QueueEvents, FlowProducer, Job, UnrecoverableError, DelayedError,
        WaitingChildrenError } = require('bullmq');
const IORedis = require('ioredis');
const { waitFor, sleep } = require('../lib/servers');

// Tracks what a scenario opened so that it is closed however it ends.
function context(env) {
  const closables = [];
  const connection = { host: '127.0.0.1', port: env.port, maxRetriesPerRequest: null };
  const keep = (x) => {
    closables.push(x);
    return x;
  };
  return {
    connection,
    queue: (name, opts = {}) => keep(new Queue(name, { connection, ...opts })),
    worker: (name, fn, opts = {}) => keep(new Worker(name, fn, { connection, ...opts })),
    events: (name) => keep(new QueueEvents(name, { connection })),
    flow: () => keep(new FlowProducer({ connection })),
    redis: () => keep(new IORedis(connection)),
    async close() {
      for (const c of closables.reverse()) {
        try {
          if (c instanceof IORedis) c.disconnect();
          else await c.close();
        } catch (e) { /* closing anyway */ }
      }
    },
  };
}

function scenario(name, fn, extra = {}) {
  return {
    name,
    ...extra,
    async run(env) {
      const ctx = context(env);
      try {
        return await fn(ctx, env);
      } finally {
        await ctx.close();
      }
    },
  };
}

// Waits until worker (or QueueEvents) emitted `event` n times.
function counter(emitter, event) {
  const c = { n: 0, args: [] };
  emitter.on(event, (...a) => {
    c.n++;
    c.args.push(a);
  });
  return c;
}

const byId = (a, b) => Number(a.id) - Number(b.id);

module.exports = [
  scenario('basic', async (ctx) => {
    const q = ctx.queue('basic');
    const jobs = await Promise.all([...Array(20).keys()].map((i) => q.add('double', { x: i })));
    const w = ctx.worker('basic', async (job) => ({ y: job.data.x * 2, name: job.name }));
    const done = counter(w, 'completed');
    await waitFor(() => done.n === 20, 30000, '20 completed');
    const got = await Promise.all(jobs.map((j) => Job.fromId(q, j.id)));
    return {
      ids: jobs.map((j) => j.id),
      results: got.map((j) => [j.id, j.returnvalue, j.attemptsMade, j.finishedOn >= j.processedOn]),
      counts: await q.getJobCounts(),
      states: await Promise.all(got.slice(0, 3).map((j) => j.getState())),
    };
  }),

  scenario('retries-backoff', async (ctx) => {
    const q = ctx.queue('retry');
    const times = {};
    const w = ctx.worker('retry', async (job) => {
      (times[job.id] = times[job.id] || []).push(Date.now());
      if (job.data.mode === 'flaky' && job.attemptsMade < 2) throw new Error('flaky ' + job.attemptsMade);
      if (job.data.mode === 'always') throw new Error('always fails');
      return 'ok after ' + job.attemptsMade;
    });
    const done = counter(w, 'completed');
    const failed = counter(w, 'failed');
    const a = await q.add('flaky', { mode: 'flaky' },
                          { attempts: 3, backoff: { type: 'exponential', delay: 200 } });
    const b = await q.add('always', { mode: 'always' },
                          { attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    await waitFor(() => done.n === 1 && failed.n === 4, 30000, 'retries finished');
    const ja = await Job.fromId(q, a.id);
    const jb = await Job.fromId(q, b.id);
    const gaps = (id) => times[id].slice(1).map((t, i) => t - times[id][i]);
    return {
      a: [ja.returnvalue, ja.attemptsMade, await ja.getState(), ja.stacktrace.length],
      b: [jb.failedReason, jb.attemptsMade, await jb.getState(), jb.stacktrace.length],
      aGaps: gaps(a.id).map((g, i) => g >= 200 * 2 ** i - 20), // 200, 400 ms
      bGaps: gaps(b.id).map((g) => g >= 80),
      failedEvents: failed.args.map(([j, e]) => [j.id, e.message]),
      counts: await q.getJobCounts('completed', 'failed', 'delayed', 'wait'),
    };
  }),

  scenario('delayed', async (ctx) => {
    const q = ctx.queue('delayed');
    const t0 = Date.now();
    const j = await q.add('later', { v: 1 }, { delay: 700 });
    const now = await q.add('now', { v: 2 });
    const before = [await j.getState(), await q.getDelayedCount(), await q.getWaitingCount()];
    const w = ctx.worker('delayed', async (job) => [job.name, Date.now() - t0]);
    const done = counter(w, 'completed');
    await waitFor(() => done.n === 2, 20000, 'both completed');
    const order = done.args.map(([job]) => job.name);
    const late = done.args.find(([job]) => job.name === 'later')[1][1];
    // changeDelay / promote on another delayed job
    const k = await q.add('promoted', {}, { delay: 60000 });
    await k.promote();
    await waitFor(() => done.n === 3, 20000, 'promoted completed');
    return { before, order, lateEnough: late >= 690, nowId: now.id,
             promoted: await (await Job.fromId(q, k.id)).getState() };
  }),

  scenario('priorities', async (ctx) => {
    const q = ctx.queue('prio');
    const specs = [[5, 'p5a'], [1, 'p1a'], [0, 'none1'], [3, 'p3'], [1, 'p1b'], [0, 'none2'],
                   [10, 'p10'], [5, 'p5b']];
    for (const [priority, name] of specs) await q.add(name, {}, priority ? { priority } : {});
    const counts = await q.getJobCounts('prioritized', 'wait');
    const order = [];
    const w = ctx.worker('prio', async (job) => order.push(job.name), { concurrency: 1 });
    await waitFor(() => order.length === specs.length, 20000, 'all processed');
    await w.close();
    // changePriority on a waiting job
    const q2 = ctx.queue('prio2');
    const x = await q2.add('x', {}, { priority: 9 });
    await q2.add('y', {}, { priority: 5 });
    await x.changePriority({ priority: 1 });
    const order2 = [];
    ctx.worker('prio2', async (job) => order2.push(job.name), { concurrency: 1 });
    await waitFor(() => order2.length === 2, 20000, 'prio2 processed');
    return { counts, order, order2 };
  }),

  scenario('schedulers', async (ctx) => {
    const q = ctx.queue('sched');
    const runs = { every: 0, cron: 0 };
    const w = ctx.worker('sched', async (job) => {
      runs[job.name]++;
    });
    await q.upsertJobScheduler('every-300', { every: 300 }, { name: 'every', data: { a: 1 } });
    await q.upsertJobScheduler('cron-sec', { pattern: '* * * * * *' }, { name: 'cron', data: {} });
    await waitFor(() => runs.every >= 3 && runs.cron >= 2, 20000, 'scheduled runs');
    const list = (await q.getJobSchedulers()).map((s) => [s.key || s.id, s.every || null,
                                                          s.pattern || null]).sort();
    await q.removeJobScheduler('every-300');
    await q.removeJobScheduler('cron-sec');
    const after = await q.getJobSchedulers();
    await w.close();
    // the legacy repeat option still makes a repeatable job
    const legacy = await q.add('legacy', {}, { repeat: { every: 1000, limit: 2 } });
    const rep = (await q.getRepeatableJobs()).length;
    return { list, after: after.length, legacyDelayed: await legacy.getState(), rep };
  }),

  scenario('rate-limiter', async (ctx) => {
    const q = ctx.queue('limited');
    const stamps = [];
    const w = ctx.worker('limited', async () => stamps.push(Date.now()),
                         { concurrency: 4, limiter: { max: 4, duration: 800 } });
    await q.addBulk([...Array(10).keys()].map((i) => ({ name: 'j', data: { i } })));
    await waitFor(() => stamps.length === 10, 30000, '10 done');
    // no 500 ms saw more than 4 jobs start (the limit is per 800 ms; the
    // margin absorbs a loaded machine's delay between a job's move to
    // active, which the limiter counts, and its processor's first line)
    let worst = 0;
    for (const t of stamps) worst = Math.max(worst, stamps.filter((u) => u >= t && u < t + 500).length);
    // manual rate limiting from the processor
    const q2 = ctx.queue('manual');
    let first = true;
    const seen = [];
    const w2 = ctx.worker('manual', async (job) => {
      if (first) {
        first = false;
        await w2.rateLimit(300);
        throw Worker.RateLimitError();
      }
      seen.push(job.name);
    });
    await q2.add('once', {});
    await waitFor(() => seen.length === 1, 20000, 'rate-limited job retried');
    const ttl = await q2.getRateLimitTtl();
    await w.close();
    return { worst, withinLimit: worst <= 4, spread: stamps[9] - stamps[0] >= 1500, seen,
             ttlAfter: ttl <= 0 };
  }),

  scenario('flows', async (ctx) => {
    const flow = ctx.flow();
    const order = [];
    const wc = ctx.worker('children', async (job) => {
      order.push(job.name);
      if (job.data.fail) throw new Error('child failed');
      return job.data.v * 10;
    });
    const wp = ctx.worker('parents', async (job) => {
      order.push(job.name);
      const vals = await job.getChildrenValues();
      return Object.values(vals).sort((a, b) => a - b);
    });
    const pdone = counter(wp, 'completed');
    const tree = await flow.add({
      name: 'parent', queueName: 'parents', data: {},
      children: [1, 2, 3].map((v) => ({ name: 'child' + v, queueName: 'children', data: { v } })),
    });
    const parentStateBefore = await tree.job.getState();
    await waitFor(() => pdone.n === 1, 20000, 'parent completed');
    const parent = await Job.fromId(ctx.queue('parents'), tree.job.id);
    // a failing child with failParentOnFailure fails the parent
    const tree2 = await flow.add({
      name: 'parent2', queueName: 'parents', data: {},
      children: [{ name: 'bad', queueName: 'children', data: { fail: true },
                   opts: { failParentOnFailure: true } },
                 { name: 'good', queueName: 'children', data: { v: 7 } }],
    });
    const pq = ctx.queue('parents');
    await waitFor(async () => (await (await Job.fromId(pq, tree2.job.id)).getState()) === 'failed',
                  20000, 'parent2 failed');
    const p2 = await Job.fromId(pq, tree2.job.id);
    const deps = await parent.getDependenciesCount();
    return { parentStateBefore, result: parent.returnvalue, lastIsParent: order[3] === 'parent',
             p2: [await p2.getState(), p2.failedReason.replace(/[0-9a-f-]{36}|\d+/g, 'ID')],
             deps };
  }),

  scenario('removal', async (ctx) => {
    const q = ctx.queue('removal');
    const r = ctx.redis();
    const a = await q.add('a', {});
    await a.remove();
    const gone = await Job.fromId(q, a.id);
    const w = ctx.worker('removal', async (job) => {
      if (job.data.fail) throw new Error('x');
      return 1;
    });
    const done = counter(w, 'completed');
    const failed = counter(w, 'failed');
    await q.add('rc-true', {}, { removeOnComplete: true });
    for (let i = 0; i < 5; i++) await q.add('rc-2', {}, { removeOnComplete: 2 });
    for (let i = 0; i < 3; i++) await q.add('rf-1', { fail: true }, { removeOnFail: { count: 1 } });
    await waitFor(() => done.n === 6 && failed.n === 3, 20000, 'all finished');
    const completed = (await q.getCompleted()).map((j) => j.name);
    const failedJobs = (await q.getFailed()).map((j) => j.name);
    const keys = (await r.keys('bull:removal:*')).map((k) => k.replace(/:\d+$/, ':N'))
      .sort().filter((k, i, all) => all.indexOf(k) === i);
    // clean: completed jobs older than 0 ms
    const cleaned = await q.clean(0, 100, 'completed');
    return { gone: gone === undefined || gone === null, completed, failedJobs, keys,
             cleaned: cleaned.length, left: await q.getCompletedCount() };
  }),

  scenario('counts-getJobs', async (ctx) => {
    const q = ctx.queue('counts');
    const w = ctx.worker('counts', async (job) => {
      if (job.data.fail) throw new Error('nope');
      return job.data.i;
    });
    const done = counter(w, 'completed');
    const failed = counter(w, 'failed');
    for (let i = 0; i < 6; i++) await q.add('c', { i });
    await q.add('f', { fail: true });
    await waitFor(() => done.n === 6 && failed.n === 1, 20000, 'first batch');
    await w.close();
    await q.add('d', {}, { delay: 60000 });
    await q.add('p', {}, { priority: 2 });
    for (let i = 0; i < 3; i++) await q.add('w', { i });
    const counts = await q.getJobCounts();
    const some = await q.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'prioritized');
    const list = async (...a) => (await q.getJobs(...a)).map((j) => j.name + ':' + j.id);
    return {
      counts, some,
      completedAsc: await list(['completed'], 0, 2, true),
      completedDesc: await list(['completed'], 0, 2, false),
      waiting: await list(['waiting']),
      mixed: (await list(['delayed', 'failed', 'prioritized'])).sort(),
      total: await q.count(),
      metrics: typeof (await q.getMetrics('completed')).count,
    };
  }),

  scenario('queue-events', async (ctx) => {
    const qe = ctx.events('evq');
    await qe.waitUntilReady();
    const seen = [];
    for (const ev of ['added', 'waiting', 'active', 'progress', 'completed', 'failed', 'delayed',
                      'removed']) {
      qe.on(ev, (args) => seen.push([ev, args.jobId, args.returnvalue || args.failedReason ||
                                     args.data || null]));
    }
    const q = ctx.queue('evq');
    const w = ctx.worker('evq', async (job) => {
      await job.updateProgress(50);
      if (job.name === 'bad') throw new Error('bad job');
      return 'r-' + job.name;
    });
    const a = await q.add('good', {});
    await qe.waitUntilReady();
    const done = await a.waitUntilFinished(qe, 20000);
    const b = await q.add('bad', {});
    let err;
    try {
      await b.waitUntilFinished(qe, 20000);
    } catch (e) {
      err = e.message;
    }
    const c = await q.add('del', {}, { delay: 60000 });
    await c.remove();
    await waitFor(() => seen.some((s) => s[0] === 'removed'), 10000, 'removed event');
    await w.close();
    const perJob = (id) => seen.filter((s) => s[1] === id).map((s) => s[0] + (s[2] !== null ?
      '=' + JSON.stringify(s[2]) : ''));
    return { done, err, a: perJob(a.id), b: perJob(b.id), c: perJob(c.id) };
  }),

  scenario('pause-resume', async (ctx) => {
    const q = ctx.queue('pause');
    const done = [];
    ctx.worker('pause', async (job) => done.push(job.data.i));
    await q.pause();
    const paused = await q.isPaused();
    for (let i = 0; i < 5; i++) await q.add('p', { i });
    // nothing is processed while paused (a bounded look, not a sync)
    await sleep(500);
    const whilePaused = [done.length, await q.getJobCounts('paused', 'wait', 'active')];
    await q.resume();
    await waitFor(() => done.length === 5, 20000, 'processed after resume');
    // a worker paused locally
    const q2 = ctx.queue('pause2');
    const done2 = [];
    const w2 = ctx.worker('pause2', async (job) => done2.push(job.name));
    await w2.pause();
    await q2.add('x', {});
    await sleep(300);
    const local = done2.length;
    w2.resume();
    await waitFor(() => done2.length === 1, 20000, 'worker resumed');
    return { paused, whilePaused, after: done.sort(), resumed: await q.isPaused(), local };
  }),

  scenario('drain-obliterate', async (ctx) => {
    const q = ctx.queue('drain');
    const r = ctx.redis();
    for (let i = 0; i < 10; i++) await q.add('w', { i });
    for (let i = 0; i < 4; i++) await q.add('d', { i }, { delay: 60000 });
    await q.add('p', {}, { priority: 3 });
    const before = await q.getJobCounts('wait', 'delayed', 'prioritized');
    await q.drain();
    const afterDrain = await q.getJobCounts('wait', 'delayed', 'prioritized');
    await q.drain(true); // delayed too
    const afterDrainDelayed = await q.getJobCounts('wait', 'delayed', 'prioritized');
    for (let i = 0; i < 50; i++) await q.add('o', { i });
    await q.obliterate();
    const left = await r.keys('bull:drain:*');
    // obliterate refuses with active jobs unless forced
    const q2 = ctx.queue('obl');
    let release;
    const hold = new Promise((res) => (release = res));
    const w = ctx.worker('obl', async () => hold);
    const active = counter(w, 'active');
    await q2.add('busy', {});
    await waitFor(() => active.n === 1, 20000, 'job active');
    let refused;
    try {
      await q2.obliterate();
      refused = 'no error';
    } catch (e) {
      refused = e.message;
    }
    await q2.obliterate({ force: true });
    release();
    const left2 = await r.keys('bull:obl:*');
    return { before, afterDrain, afterDrainDelayed, left: left.length, refused,
             left2: left2.filter((k) => !k.endsWith(':lock')).length };
  }),

  scenario('stalled', async (ctx, env) => {
    // a worker in another process takes the job and is killed -9 mid-job
    const q = ctx.queue('stall');
    const job = await q.add('long', { v: 1 });
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'lib', 'stall-worker.js'),
                                           String(env.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(() => out.includes('active'), 20000, 'child worker active');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const stateAfterKill = await job.getState();
    // a new worker with a short stalled interval moves the job back and runs it
    const w = ctx.worker('stall', async (j) => 'recovered ' + j.data.v,
                         { stalledInterval: 300, lockDuration: 1000 });
    const stalled = counter(w, 'stalled');
    const done = counter(w, 'completed');
    await waitFor(() => done.n === 1, 30000, 'stalled job completed');
    const j = await Job.fromId(q, job.id);
    return { stateAfterKill, stalled: stalled.args.map((a) => a[0]), result: j.returnvalue,
             attemptsStarted: j.attemptsStarted, stalledCounter: j.stalledCounter };
  }),

  scenario('concurrency', async (ctx) => {
    const q = ctx.queue('conc');
    let running = 0;
    let peak = 0;
    const w = ctx.worker('conc', async (job) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(100);
      running--;
      return job.data.i;
    }, { concurrency: 5 });
    const done = counter(w, 'completed');
    await q.addBulk([...Array(30).keys()].map((i) => ({ name: 'c', data: { i } })));
    await waitFor(() => done.n === 30, 30000, '30 done');
    return { peak, results: done.args.map(([j, r]) => r).sort((a, b) => a - b) };
  }),


  scenario('job-api', async (ctx) => {
    const q = ctx.queue('api');
    const out = {};
    // deduplication: a second add with the same id is ignored while the first lives
    const d1 = await q.add('d', { n: 1 }, { deduplication: { id: 'dd' } });
    const d2 = await q.add('d', { n: 2 }, { deduplication: { id: 'dd' } });
    out.dedup = [d1.id === d2.id, await q.getDeduplicationJobId('dd') === d1.id];
    // custom job ids: a duplicate id returns the existing job
    const c1 = await q.add('c', { v: 1 }, { jobId: 'custom-1' });
    const c2 = await q.add('c', { v: 2 }, { jobId: 'custom-1' });
    out.custom = [c1.id, c2.id, (await Job.fromId(q, 'custom-1')).data];
    // logs, data updates, progress objects
    await c1.log('first line');
    await c1.log('second line');
    out.logs = await q.getJobLogs('custom-1', 0, -1, true);
    await c1.updateData({ v: 3 });
    await c1.updateProgress({ step: 2 });
    const c = await Job.fromId(q, 'custom-1');
    out.updated = [c.data, c.progress];
    out.perPriority = await q.getCountsPerPriority([0, 1]);
    // manual processing: getNextJob + moveToCompleted / moveToFailed
    await q.drain();
    await q.add('m1', { a: 1 });
    await q.add('m2', { a: 2 });
    const w = ctx.worker('api', null, { autorun: false });
    const token = 'tok';
    const j1 = await w.getNextJob(token);
    await j1.extendLock(token, 5000);
    await j1.moveToCompleted('done-1', token, false);
    const j2 = await w.getNextJob(token);
    await j2.moveToFailed(new Error('manual fail'), token);
    out.manual = [j1.name, await j1.getState(), j2.name, await j2.getState()];
    // retry a failed job, then retry all failed, then promote delayed ones
    await j2.retry();
    out.retried = await j2.getState();
    const j3 = await w.getNextJob(token);
    await j3.moveToFailed(new Error('again'), token);
    await q.retryJobs({ state: 'failed' });
    out.afterRetryJobs = await q.getJobCounts('failed', 'wait');
    await q.add('late1', {}, { delay: 60000 });
    await q.add('late2', {}, { delay: 60000 });
    await q.promoteJobs();
    out.afterPromote = await q.getJobCounts('delayed', 'wait');
    out.isFinished = [await j1.isCompleted(), await j1.isFailed(), await j1.isActive()];
    // workers are listed from CLIENT LIST by their names
    const w2 = ctx.worker('api', async () => 1, { name: 'w-two' });
    await w2.waitUntilReady();
    await waitFor(async () => (await q.getWorkersCount()) >= 1, 5000, 'workers listed');
    out.workers = (await q.getWorkers()).map((x) => x.rawname.replace(/:[^:]+$/, ''))
      .filter((x, i, all) => all.indexOf(x) === i).sort();
    await q.setGlobalConcurrency(3);
    out.globalConcurrency = await q.getGlobalConcurrency();
    out.version = await q.client.then((cl) => cl.info('server')).then((i) => /redis_version:7/.test(i));
    return out;
  }),

  scenario('metrics-sandbox', async (ctx) => {
    const q = ctx.queue('metrics');
    const w = ctx.worker('metrics', path.join(__dirname, '..', 'lib', 'sandbox-processor.js'),
                         { metrics: { maxDataPoints: 10 }, useWorkerThreads: false });
    const done = counter(w, 'completed');
    const failed = counter(w, 'failed');
    for (let i = 0; i < 5; i++) await q.add('s', { i });
    await q.add('s', { fail: true });
    await waitFor(() => done.n === 5 && failed.n === 1, 30000, 'sandboxed jobs');
    const m = await q.getMetrics('completed');
    const mf = await q.getMetrics('failed');
    return { results: done.args.map(([, r]) => r).sort(), failed: failed.args[0][1].message,
             metrics: [m.meta.count, mf.meta.count, m.data.length <= 10] };
  }),

  scenario('flow-tree', async (ctx) => {
    const flow = ctx.flow();
    ctx.worker('ft-leaf', async (job) => job.data.v);
    ctx.worker('ft-mid', async (job) => Object.values(await job.getChildrenValues())
      .reduce((a, b) => a + b, 0));
    const top = ctx.worker('ft-top', async (job) => {
      const step = job.data.step || 0;
      return Object.values(await job.getChildrenValues()).sort();
    });
    const done = counter(top, 'completed');
    const tree = await flow.add({
      name: 'top', queueName: 'ft-top',
      children: [1, 2].map((m) => ({
        name: 'mid' + m, queueName: 'ft-mid',
        children: [1, 2, 3].map((v) => ({ name: 'leaf', queueName: 'ft-leaf', data: { v: v * m } })),
      })),
    });
    await waitFor(() => done.n === 1, 30000, 'top completed');
    const got = await flow.getFlow({ id: tree.job.id, queueName: 'ft-top' });
    const shape = (n) => [n.job.name, n.job.returnvalue, (n.children || []).map(shape)
      .sort((a, b) => String(a).localeCompare(String(b)))];
    // a child that is ignored on failure, and one removed on failure
    const t2 = await flow.add({
      name: 'top2', queueName: 'ft-top',
      children: [{ name: 'leaf', queueName: 'ft-leaf', data: { v: 'x' } },
                 { name: 'nope', queueName: 'ft-none', data: {},
                   opts: { ignoreDependencyOnFailure: true } }],
    });
    const deps = await t2.job.getDependencies();
    return { tree: shape(got), done: done.args[0][1],
             deps: [Object.keys(deps.processed || {}).length, (deps.unprocessed || []).length],
             state2: await t2.job.getState() };
  }),


  {
    name: 'on-cluster',
    noServer: true,
    timeout: 240000,
    async run(env) {
      // BullMQ on a Redis Cluster: a {hash-tagged} prefix keeps a queue in one slot
      const nodes = await env.startCluster(3, 0);
      const connection = new IORedis.Cluster([{ host: '127.0.0.1', port: nodes[0].port }],
                                             { redisOptions: { maxRetriesPerRequest: null } });
      const opts = { connection, prefix: '{bq}' };
      const q = new Queue('cq', opts);
      const fp = new FlowProducer(opts);
      const w = new Worker('cq', async (job) => (job.name === 'parent' ?
        Object.values(await job.getChildrenValues()).sort() : job.data.i * 3),
      { ...opts, concurrency: 4 });
      const wdone = counter(w, 'completed');
      const qe = new QueueEvents('cq', opts);
      try {
        await qe.waitUntilReady();
        const doneIds = new Set();
        qe.on('completed', ({ jobId }) => doneIds.add(jobId));
        await q.addBulk([...Array(100).keys()].map((i) => ({ name: 'c', data: { i } })));
        await q.add('d', { i: 1000 }, { delay: 300 });
        const tree = await fp.add({ name: 'parent', queueName: 'cq', prefix: '{bq}',
                                    children: [1, 2].map((i) => ({ name: 'c', queueName: 'cq',
                                                                   prefix: '{bq}', data: { i } })) });
        // the worker's count is the measure; QueueEvents' XREAD BLOCK through
        // the cluster client must see completions too (once, redis-server's
        // run missed some within 60 s on a loaded machine: not compared)
        await waitFor(() => wdone.n === 104, 60000, '104 completed');
        await waitFor(() => doneIds.size > 0, 20000, 'QueueEvents saw completions');
        const parent = await Job.fromId(q, tree.job.id);
        return { counts: await q.getJobCounts('completed', 'failed', 'wait', 'delayed'),
                 parent: parent.returnvalue };
      } finally {
        await qe.close();
        await w.close();
        await fp.close();
        await q.close();
        connection.disconnect();
      }
    },
  },

  {
    name: 'warnings',
    serial: true,
    async run(env) {
      // BullMQ reads INFO (redis_version, maxmemory_policy) and warns on an
      // evicting policy: what it printed is part of the outcome
      const said = [];
      const orig = console.warn;
      console.warn = (...a) => said.push(a.join(' '));
      const r = new IORedis({ port: env.port, host: '127.0.0.1' });
      try {
        await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
        const q = new Queue('warn', { connection: { port: env.port, host: '127.0.0.1' } });
        await q.waitUntilReady();
        await q.add('a', {});
        await q.close();
        await r.config('SET', 'maxmemory-policy', 'noeviction');
        const q2 = new Queue('warn2', { connection: { port: env.port, host: '127.0.0.1' } });
        await q2.waitUntilReady();
        await q2.close();
        return said;
      } finally {
        console.warn = orig;
        r.disconnect();
      }
    },
  },

  {
    name: 'restart-persistence',
    args: ['--appendonly', 'yes', '--save', '3600 1'],
    timeout: 120000,
    async run(env) {
      // queue state in every shape, then a restart from the AOF (and one
      // from the RDB after BGREWRITEAOF's preamble): nothing is lost
      const build = async (port) => {
        const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
        return { connection, q: new Queue('persist', { connection }) };
      };
      let { connection, q } = await build(env.port);
      const w = new Worker('persist', async (job) => {
        if (job.data.fail) throw new Error('f');
        return job.data.i;
      }, { connection });
      const done = counter(w, 'completed');
      const failed = counter(w, 'failed');
      for (let i = 0; i < 5; i++) await q.add('ok', { i });
      await q.add('bad', { fail: true });
      await waitFor(() => done.n === 5 && failed.n === 1, 20000, 'first jobs');
      await w.close();
      for (let i = 0; i < 4; i++) await q.add('later', { i }, { delay: 3600000 });
      await q.add('prio', {}, { priority: 4 });
      await q.add('waiting', {});
      await q.upsertJobScheduler('sch', { every: 3600000 }, { name: 'sched' });
      const before = await q.getJobCounts();
      await q.close();
      const out = { before };
      const r0 = new IORedis(connection);
      await r0.bgrewriteaof();
      await waitFor(async () => (await r0.info('persistence')).includes(
        'aof_rewrite_in_progress:0') && (await r0.info('persistence')).includes(
        'aof_rewrite_scheduled:0'), 20000, 'rewrite done');
      r0.disconnect();
      await env.server.restart();
      ({ connection, q } = await build(env.server.port));
      out.afterAof = await q.getJobCounts();
      out.schedulers = (await q.getJobSchedulers()).map((x) => x.key || x.id);
      const w2 = new Worker('persist', async (job) => job.name, { connection });
      const d2 = counter(w2, 'completed');
      await waitFor(() => d2.n === 3, 20000, 'the 3 jobs left run after restart');
      await w2.close();
      out.ran = d2.args.map(([, r]) => r).sort();
      await q.close();
      return out;
    },
  },

  {
    name: 'server-restart',
    args: ['--appendonly', 'yes'],
    timeout: 120000,
    async run(env) {
      // the server restarts under a blocked worker and a QueueEvents reader:
      // both reconnect on their own and every job completes once
      const connection = { host: '127.0.0.1', port: env.port, maxRetriesPerRequest: null,
                           retryStrategy: () => 100 };
      const q = new Queue('rs', { connection });
      const qe = new QueueEvents('rs', { connection });
      const seen = new Map();
      const w = new Worker('rs', async (job) => {
        seen.set(job.data.i, (seen.get(job.data.i) || 0) + 1);
        return job.data.i;
      }, { connection, concurrency: 3 });
      const swallow = () => {};
      for (const x of [q, qe, w]) x.on('error', swallow);
      const events = new Set();
      qe.on('completed', ({ jobId }) => events.add(jobId));
      try {
        await qe.waitUntilReady();
        await w.waitUntilReady();
        for (let i = 0; i < 20; i++) await q.add('a', { i });
        await waitFor(() => seen.size === 20, 20000, 'first 20');
        await env.server.restart(true);
        for (let i = 20; i < 40; i++) {
          await waitFor(async () => {
            try {
              await q.add('b', { i });
              return true;
            } catch (e) {
              return false;
            }
          }, 20000, 'add after restart', 100);
        }
        await waitFor(() => seen.size === 40, 30000, 'all 40 after restart');
        await waitFor(() => events.size >= 20, 30000, 'events after restart');
        return { distinct: seen.size, dup: [...seen.values()].filter((c) => c !== 1).length,
                 counts: await q.getJobCounts('completed', 'failed', 'wait', 'active') };
      } finally {
        await w.close();
        await qe.close();
        await q.close();
      }
    },
  },

  scenario('processor-errors', async (ctx) => {
    const q = ctx.queue('perr');
    const flow = ctx.flow();
    const steps = [];
    const w = ctx.worker('perr', async (job, token) => {
      steps.push(job.name + ':' + job.attemptsMade);
      if (job.name === 'unrecoverable') throw new UnrecoverableError('give up');
      if (job.name === 'delay-self' && !job.data.delayed) {
        await job.updateData({ delayed: true });
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError();
      }
      if (job.name === 'wait-kids' && !job.data.waited) {
        await job.updateData({ waited: true });
        const waiting = await job.moveToWaitingChildren(token);
        if (waiting) throw new WaitingChildrenError();
      }
      if (job.name === 'kid') return 'k';
      return 'done ' + job.name;
    });
    const done = counter(w, 'completed');
    const failed = counter(w, 'failed');
    const u = await q.add('unrecoverable', {}, { attempts: 5 });
    const d = await q.add('delay-self', {});
    const tree = await flow.add({ name: 'wait-kids', queueName: 'perr', data: {},
                                  children: [{ name: 'kid', queueName: 'perr', data: {} }] });
    await waitFor(() => failed.n === 1 && done.n === 3, 20000, 'all settled');
    const ju = await Job.fromId(q, u.id);
    const jd = await Job.fromId(q, d.id);
    const jp = await Job.fromId(q, tree.job.id);
    return {
      u: [await ju.getState(), ju.attemptsMade, ju.failedReason],
      d: [await jd.getState(), jd.returnvalue, jd.attemptsMade],
      p: [await jp.getState(), jp.returnvalue],
      steps: steps.sort(),
    };
  }),

  scenario('many-jobs', async (ctx) => {
    const N = 5000;
    const q = ctx.queue('many');
    const seen = new Map();
    const ws = [1, 2].map(() => ctx.worker('many', async (job) => {
      seen.set(job.data.i, (seen.get(job.data.i) || 0) + 1);
      return job.data.i;
    }, { concurrency: 25 }));
    const done = ws.map((w) => counter(w, 'completed'));
    for (let b = 0; b < N; b += 500) {
      await q.addBulk([...Array(500).keys()].map((i) => ({ name: 'm', data: { i: b + i },
                                                           opts: { removeOnComplete: 1000 } })));
    }
    await waitFor(() => done[0].n + done[1].n === N, 120000, N + ' completed', 50);
    const dup = [...seen.values()].filter((c) => c !== 1).length;
    return { distinct: seen.size, dup, counts: await q.getJobCounts('completed', 'wait', 'active',
                                                                      'failed') };
  }, { timeout: 240000 }),
];
