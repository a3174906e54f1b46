// sandbox-processor.js -- a BullMQ sandboxed processor (run in a child
// process by the metrics-sandbox scenario).
'use strict';

module.exports = async (job) => {
  if (job.data.fail) throw new Error('sandboxed failure');
  await job.updateProgress(10);
  return 'sb-' + job.data.i;
};
