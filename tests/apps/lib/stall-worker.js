// stall-worker.js PORT -- a BullMQ worker for the 'stall' queue that reports
// "active" and then never finishes: the stalled scenario kills it -9.
'use strict';

const { Worker } = require('bullmq');

const w = new Worker('stall', () => new Promise(() => {}), {
  connection: { host: '127.0.0.1', port: Number(process.argv[2]), maxRetriesPerRequest: null },
  lockDuration: 1000,
  stalledInterval: 300,
});
w.on('active', () => process.stdout.write('active\n'));
