/**
 * Worker thread: SHA-256 of a segment's bytes, fed in order from a SharedArrayBuffer
 * the writer fills (no copy). Messages in: `{ u: [start, length] }` hashes that range of
 * the shared memory and answers `{ a: start }` so the writer can reuse it; `{ d: true }`
 * answers `{ digest: hex }`. Runs only under the segment writer (see hash-worker-client).
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { HashUpdate, type HashReply } from './hash-worker-client';

const shared: unknown = typeof workerData === 'object' && workerData !== null && 'memory' in workerData ? workerData.memory : undefined;
const port = parentPort;
if (port !== null && shared instanceof SharedArrayBuffer) {
  const memory = Buffer.from(shared);
  const hash = createHash('sha256');
  port.on('message', (message: unknown) => {
    if (HashUpdate.is(message)) {
      const [start, length] = message.u;
      hash.update(memory.subarray(start, start + length));
      port.postMessage({ a: start } satisfies HashReply);
    } else {
      port.postMessage({ digest: hash.digest('hex') } satisfies HashReply);
    }
  });
}
