/**
 * A worker thread for the concurrency kit's tests (test/unit/threads.test.ts): it answers
 * { echo: n } to { echo: n }, and on request throws, exits or sends a malformed message.
 */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (m: unknown) => {
  if (typeof m !== 'object' || m === null) return;
  if ('echo' in m) parentPort?.postMessage({ echo: m.echo });
  else if ('throw' in m) throw new Error('asked to throw');
  else if ('exit' in m) process.exit(3);
  else if ('garbage' in m) parentPort?.postMessage({ echo: 'not a number' });
});
