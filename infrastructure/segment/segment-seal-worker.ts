/**
 * Worker thread for encrypted segments: takes the segment's tar stream in order from the
 * writer's shared memory, cuts it into chunks, encrypts each (see crypto/segment-chunks),
 * writes them to the segment file in order and hashes what it wrote (the SHA-256 of the
 * file on tape, for a key-less media check). A chunk is sealed only once the next byte
 * has arrived or the stream has ended, so the last chunk carries the last-chunk flag.
 * A chunk that lies whole in one range, with a byte after it, is sealed where it lies;
 * the others are gathered in a chunk buffer first.
 *
 * In:  `{ u: [start, length] }` → `{ a: start }` once those bytes are taken (the writer reuses them)
 *      `{ d: true }` → seals the last chunk → `{ digest, bytes, plainBytes }`
 * A failed write answers `{ e: { code, message } }` once; later updates are only acknowledged.
 * With O_DIRECT (where the file system takes it) the ciphertext bypasses the page cache:
 * buffered writes here were several times slower than the crypto (page reclaim).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ALIGN } from '../direct-io';
import { HEADER_BYTES, TAG_BYTES, sealChunk } from '../crypto/segment-chunks';
import { HashUpdate, HashWorker, type HashReply, type SealSpec } from './hash-worker-client';

/** What the writer sends (SealSpec), as it arrives here: Buffers become Uint8Arrays on the way. */
type SealData = Omit<SealSpec, 'key' | 'header'> & {
  readonly memory: SharedArrayBuffer;
  readonly key: Uint8Array;
  readonly header: Uint8Array;
};

const isSealData = (d: unknown): d is SealData =>
  typeof d === 'object' && d !== null && 'memory' in d && d.memory instanceof SharedArrayBuffer && 'fd' in d && typeof d.fd === 'number' &&
  'key' in d && d.key instanceof Uint8Array && 'header' in d && d.header instanceof Uint8Array && 'chunkBytes' in d && typeof d.chunkBytes === 'number' &&
  'flushEveryBytes' in d && typeof d.flushEveryBytes === 'number' && 'direct' in d && typeof d.direct === 'boolean' &&
  'stagingStart' in d && typeof d.stagingStart === 'number' && 'stagingBytes' in d && typeof d.stagingBytes === 'number' && 'path' in d && typeof d.path === 'string';


const errorOf = (error: unknown): { code: string; message: string } => ({
  code: typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'EIO',
  message: error instanceof Error ? error.message : String(error),
});

/**
 * The SHA-256 of the ciphertext on a thread of its own (segment-hash-worker), over the
 * staging memory where the ciphertext waits: sealing and hashing then use two cores.
 * Each range gets a ticket; `through(t)` resolves once every range up to t is hashed
 * (before that memory is reused).
 */
class StageHasher {
  private readonly hasher: HashWorker;
  private issued = 0;
  private hashed = 0;
  private failure: unknown;
  private readonly waiters: { ticket: number; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(memory: SharedArrayBuffer) {
    this.hasher = new HashWorker(
      memory,
      () => this.rangeHashed(),
      (error) => this.failed(error),
    );
  }

  update(start: number, length: number): number {
    this.hasher.update(start, length);
    return ++this.issued;
  }

  /** Resolves once every range up to `ticket` is hashed; rejects if the hash thread failed. */
  through(ticket: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.hashed >= ticket) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ ticket, resolve, reject }));
  }

  async digest(): Promise<string> {
    const digest = await this.hasher.digest();
    await this.hasher.terminate();
    if (digest === undefined) throw this.failure ?? new Error('the segment hash thread stopped');
    return digest.sha256;
  }

  private rangeHashed(): void {
    this.hashed++;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.hashed >= w.ticket) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private failed(error: unknown): void {
    this.failure = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}

const port = parentPort;
const data: unknown = workerData;
if (port !== null && isSealData(data)) {
  const memory = Buffer.from(data.memory);
  const key = Buffer.from(data.key);
  const header = Buffer.from(data.header);
  const { chunkBytes, flushEveryBytes } = data;
  let fd = data.fd;
  let direct = data.direct;
  const plain = Buffer.alloc(chunkBytes);
  const hash = direct ? new StageHasher(data.memory) : createHash('sha256');
  /**
   * Ciphertext waits in one of two halves of the staging memory. With O_DIRECT a full
   * half goes out as whole pages (from its aligned start, at a page-aligned file offset)
   * while the other half fills, and the partial page left over moves to the start of
   * the other half. Without O_DIRECT each sealed chunk is written at once.
   */
  const half = Math.floor(data.stagingBytes / 2 / ALIGN) * ALIGN;
  const halves = direct
    ? [memory.subarray(data.stagingStart, data.stagingStart + half), memory.subarray(data.stagingStart + half, data.stagingStart + 2 * half)]
    : [Buffer.alloc(chunkBytes + TAG_BYTES)];
  let current = 0;
  let staged = 0;
  /** File offset of the current half's first byte. */
  let stagedAt = 0;
  /** The other half's write, in flight. */
  let inflight: Promise<void> = Promise.resolve();
  /** The hash ticket of the last bytes put in each half: a half is reused once they are hashed. */
  const lastTicket = [0, 0];
  let fill = 0;
  let index = 0;
  let plainBytes = 0;
  let sinceFlush = 0;
  let flushing = false;
  let failed = false;

  const writeSyncFully = (bytes: Buffer, at: number): void => {
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
      if (n <= 0) throw Object.assign(new Error('the segment write made no progress'), { code: 'EIO' });
      done += n;
    }
    sinceFlush += bytes.length;
  };

  const writeFully = (bytes: Buffer, at: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const step = (done: number): void =>
        fs.write(fd, bytes, done, bytes.length - done, at + done, (error, n) => {
          if (error !== null) return reject(error);
          if (n <= 0) return reject(Object.assign(new Error('the segment write made no progress'), { code: 'EIO' }));
          if (done + n < bytes.length) return step(done + n);
          resolve();
        });
      step(0);
    });

  const isEinval = (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === 'EINVAL';

  /** The file system refused a direct write: the same file, through the page cache, from here on. */
  const toBuffered = (): void => {
    if (!direct) return;
    fd = fs.openSync(data.path, fs.constants.O_WRONLY);
    direct = false;
  };

  const writeDirect = async (bytes: Buffer, at: number): Promise<void> => {
    try {
      await writeFully(bytes, at);
    } catch (error) {
      if (!direct || !isEinval(error)) throw error;
      toBuffered();
      await writeFully(bytes, at);
    }
  };

  /** Sends the current half's whole pages out (in the background) and carries its partial page to the other half. */
  const rotate = async (): Promise<void> => {
    const whole = Math.floor(staged / ALIGN) * ALIGN;
    await inflight;
    if (hash instanceof StageHasher) await hash.through(lastTicket[1 - current] ?? 0);
    const from = halves[current]!;
    const to = halves[1 - current]!;
    from.copy(to, 0, whole, staged);
    const at = stagedAt;
    inflight = whole === 0 ? Promise.resolve() : writeDirect(from.subarray(0, whole), at);
    // A write that fails is seen when it is awaited, not as an unhandled rejection.
    inflight.catch(() => undefined);
    stagedAt += whole;
    staged -= whole;
    current = 1 - current;
  };

  /** Room for `bytes` more in the current half. */
  const reserve = async (bytes: number): Promise<Buffer> => {
    if (direct && staged + bytes > half) await rotate();
    return halves[current]!.subarray(staged, staged + bytes);
  };

  const emit = (length: number): void => {
    const bytes = halves[current]!.subarray(staged, staged + length);
    if (hash instanceof StageHasher) lastTicket[current] = hash.update(data.stagingStart + current * half + staged, length);
    else hash.update(bytes);
    if (direct) staged += length;
    else {
      writeSyncFully(bytes, stagedAt);
      stagedAt += length;
      flushNowAndThen();
    }
  };

  /** Starts writing back in the background now and then (page cache only), so the fsync at close has less to do. */
  const flushNowAndThen = (): void => {
    if (flushing || sinceFlush < flushEveryBytes) return;
    flushing = true;
    sinceFlush = 0;
    fs.fdatasync(fd, () => {
      flushing = false;
    });
  };

  const seal = async (bytes: Buffer, last: boolean): Promise<void> => {
    sealChunk(key, header, index, last, bytes, await reserve(bytes.length + TAG_BYTES));
    emit(bytes.length + TAG_BYTES);
    index++;
  };

  const sealFilled = async (last: boolean): Promise<void> => {
    await seal(plain.subarray(0, fill), last);
    fill = 0;
  };

  /** Everything staged goes out; the last partial page through the page cache (the writer fsyncs). */
  const finish = async (): Promise<void> => {
    await rotate();
    await inflight;
    if (staged > 0) {
      toBuffered();
      writeSyncFully(halves[current]!.subarray(0, staged), stagedAt);
      stagedAt += staged;
      staged = 0;
    }
    if (fd !== data.fd) fs.closeSync(fd);
  };

  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    port.postMessage({ e: errorOf(error) } satisfies HashReply);
  };

  const take = async (start: number, length: number): Promise<void> => {
    const bytes = memory.subarray(start, start + length);
    plainBytes += length;
    for (let at = 0; at < length; ) {
      if (fill === chunkBytes) await sealFilled(false);
      if (fill === 0 && length - at > chunkBytes) {
        // A whole chunk in this range with a byte after it (so not the last): sealed where it lies.
        await seal(bytes.subarray(at, at + chunkBytes), false);
        at += chunkBytes;
        continue;
      }
      const n = Math.min(length - at, chunkBytes - fill);
      bytes.copy(plain, fill, at, at + n);
      fill += n;
      at += n;
    }
  };

  const handle = async (message: unknown): Promise<void> => {
    if (HashUpdate.is(message)) {
      const [start, length] = message.u;
      if (!failed) await take(start, length).catch(fail);
      port.postMessage({ a: start } satisfies HashReply);
      return;
    }
    if (failed) return;
    try {
      if (fill > 0) await sealFilled(true);
      if (direct) await finish();
      const digest = hash instanceof StageHasher ? await hash.digest() : hash.digest('hex');
      port.postMessage({ digest, bytes: stagedAt, plainBytes } satisfies HashReply);
    } catch (error) {
      fail(error);
    }
  };

  // Messages are handled one after the other; a handler may wait for a write in flight.
  const queue: unknown[] = [];
  let running = false;
  const run = async (): Promise<void> => {
    running = true;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await handle(next);
    running = false;
  };

  void (async () => {
    const first = await reserve(HEADER_BYTES);
    header.copy(first, 0, 0, HEADER_BYTES);
    emit(HEADER_BYTES);
  })().catch(fail);

  port.on('message', (message: unknown) => {
    queue.push(message);
    if (!running) void run();
  });
}

