import { createHash, type Hash, type Hmac } from 'node:crypto';
import * as fs from 'node:fs';
import { HEADER_BYTES, TAG_BYTES, openChunk, parseSegmentHeader } from '../crypto/segment-chunks';
import { errnoCode } from '../errno';
import { closeQuietly } from '../journal/durable-file';
import { readFullySync } from '../read-fully';
import type { SegmentKeys } from '../restore/segment-source';
import { contentHasher } from '../segment/content-hash';
import { walkTar, type ByteSource } from '../segment/tar-header';

/** A catalogued file of the segment, as verify expects to find it. */
export interface ExpectedFile {
  /** The path as catalogued (sealed on an encrypted tape). */
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  /** SHA-256 (plain) or HMAC-SHA256 (encrypted) hex. */
  readonly hash: string;
}

export type CheckStatus = 'PASSED' | 'CORRUPTED' | 'MISSING';

export interface DamagedFile {
  readonly file: ExpectedFile;
  readonly status: 'CORRUPTED' | 'MISSING';
  readonly reason: string;
}

export interface SegmentCheck {
  readonly status: CheckStatus;
  /** What is wrong with the segment as a whole (missing, size, hash, tar structure, chunks), if anything. */
  readonly problems: readonly string[];
  readonly damaged: readonly DamagedFile[];
  /** Files whose bytes were read and hashed (full check only). */
  readonly filesChecked: number;
  readonly bytesRead: number;
}

export interface SegmentExpectation {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Sorted by offset. */
  readonly files: readonly ExpectedFile[];
}

const READ_BYTES = 4 * 1024 * 1024;

/** Where the segment's bytes go as they are read: its SHA-256, and (a copy) the file it is copied to. */
interface ByteSink {
  update(bytes: Buffer): unknown;
}

const missingSegment = (expected: SegmentExpectation, why: string): SegmentCheck => ({
  status: 'MISSING',
  problems: [why],
  damaged: expected.files.map((file) => ({ file, status: 'MISSING', reason: why })),
  filesChecked: 0,
  bytesRead: 0,
});

/**
 * Feeds a segment's tar stream, in order, to the hash of every catalogued file it
 * holds: each file is checked as soon as its last byte has passed, in one sequential
 * read of the segment (a tape does not seek for it).
 */
class FileHashes {
  private next = 0;
  private readonly open = new Map<number, Hash | Hmac>();
  private readonly spoiled = new Map<number, string>();
  private readonly finished = new Set<number>();
  readonly damaged: DamagedFile[] = [];
  checked = 0;

  constructor(
    private readonly files: readonly ExpectedFile[],
    private readonly key: Buffer | undefined,
  ) {}

  /** Plaintext `bytes` at tar offset `at`. */
  feed(at: number, bytes: Buffer): void {
    const end = at + bytes.length;
    for (let i = this.next; i < this.files.length && this.files[i]!.offset <= end; i++) {
      const file = this.files[i]!;
      const fileEnd = file.offset + file.size;
      if (fileEnd < at) continue;
      const from = Math.max(at, file.offset);
      const to = Math.min(end, fileEnd);
      if (!this.spoiled.has(i)) {
        let hash = this.open.get(i);
        if (hash === undefined) {
          hash = contentHasher(this.key);
          this.open.set(i, hash);
        }
        if (to > from) hash.update(bytes.subarray(from - at, to - at));
      }
      if (fileEnd <= end) this.finish(i);
    }
    while (this.next < this.files.length && this.isDone(this.next)) this.next++;
  }

  /** Tar bytes `at .. at + length` could not be trusted (a chunk failed its tag). */
  spoil(at: number, length: number, reason: string): void {
    const end = at + length;
    for (let i = this.next; i < this.files.length && this.files[i]!.offset < end; i++) {
      const file = this.files[i]!;
      if (file.offset + file.size > at || (file.size === 0 && file.offset >= at)) this.spoiled.set(i, reason);
    }
  }

  /** The stream ended at tar offset `end`: files not finished are missing. */
  end(end: number, why: string): void {
    for (let i = this.next; i < this.files.length; i++) {
      if (this.isDone(i)) continue;
      const reason = this.spoiled.get(i);
      if (reason !== undefined) this.damaged.push({ file: this.files[i]!, status: 'CORRUPTED', reason });
      else this.damaged.push({ file: this.files[i]!, status: 'MISSING', reason: `${why} (the segment ends at ${end})` });
      this.finished.add(i);
    }
  }

  private isDone(i: number): boolean {
    return this.finished.has(i);
  }

  private finish(i: number): void {
    if (this.finished.has(i)) return;
    this.finished.add(i);
    const file = this.files[i]!;
    const reason = this.spoiled.get(i);
    if (reason !== undefined) {
      this.damaged.push({ file, status: 'CORRUPTED', reason });
      return;
    }
    const digest = (this.open.get(i) ?? contentHasher(this.key)).digest('hex');
    this.open.delete(i);
    this.checked++;
    if (digest !== file.hash) this.damaged.push({ file, status: 'CORRUPTED', reason: `${this.key === undefined ? 'SHA-256' : 'HMAC-SHA256'} mismatch` });
  }
}

const statusOf = (problems: readonly string[], damaged: readonly DamagedFile[]): CheckStatus => {
  if (damaged.some((d) => d.status === 'CORRUPTED')) return 'CORRUPTED';
  if (damaged.length > 0) return 'MISSING';
  return problems.length > 0 ? 'CORRUPTED' : 'PASSED';
};

/**
 * Reads a segment back and checks it against what the catalog recorded: its size and
 * SHA-256 (quick), and (full) every file's hash, plus the tar structure of a plain
 * segment or every chunk's tag of an encrypted one.
 */
export const checkSegment = (
  expected: SegmentExpectation,
  mode: 'quick' | 'full',
  keys: SegmentKeys | undefined,
  onRead: (bytesSoFar: number) => void = () => undefined,
  /** Given every byte of the segment file once, in order, as it is read (`lto copy` writes them to the copy). */
  tee?: (bytes: Buffer) => void,
): SegmentCheck => {
  let fd: number;
  try {
    fd = fs.openSync(expected.path, 'r');
  } catch (error) {
    return missingSegment(expected, `segment file cannot be opened (${errnoCode(error)})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const problems: string[] = [];
    if (size !== expected.bytes) problems.push(`segment is ${size} bytes, ${expected.bytes} were written${size < expected.bytes ? ' (truncated)' : ''}`);
    const hash = createHash('sha256');
    const whole: ByteSink = tee === undefined ? hash : { update: (bytes: Buffer) => (hash.update(bytes), tee(bytes)) };
    const hashes = mode === 'full' ? new FileHashes(expected.files, keys?.contentKey) : undefined;
    const read =
      keys === undefined || mode === 'quick'
        ? streamPlain(fd, size, whole, hashes, problems, mode === 'full' && keys === undefined, onRead)
        : streamSealed(fd, size, whole, hashes, keys, problems, onRead);
    if (hash.digest('hex') !== expected.sha256) problems.push('segment SHA-256 differs from the one recorded when it was closed');
    hashes?.end(read.tarEnd, size < expected.bytes ? 'the segment is truncated' : 'past the end of the segment');
    const damaged = hashes?.damaged ?? [];
    return { status: statusOf(problems, damaged), problems, damaged, filesChecked: hashes?.checked ?? 0, bytesRead: read.bytesRead };
  } catch (error) {
    return missingSegment(expected, `segment unreadable (${errnoCode(error)})`);
  } finally {
    closeQuietly(fd);
  }
};

/** A read that fails is retried a page at a time: a bad block then costs only the files on it. */
const PIECE_BYTES = 4096;

/**
 * A plain segment in one forward pass: every block feeds the segment's hash and the files'
 * hashes as it is read, and (full check) the tar walk takes its headers from the blocks as
 * they pass. A tape is read front to back once, never a second time for the headers.
 */
const streamPlain = (
  fd: number,
  size: number,
  whole: ByteSink,
  hashes: FileHashes | undefined,
  problems: string[],
  checkTar: boolean,
  onRead: (bytesSoFar: number) => void,
): { bytesRead: number; tarEnd: number } => {
  const stream = new ForwardStream(fd, size, whole, hashes, problems, onRead);
  if (checkTar) {
    const listing = walkTar(stream);
    if (!listing.complete) problems.push(`tar structure: ${listing.problem?.detail ?? 'no end-of-archive blocks'}`);
  }
  const end = stream.finish();
  return { bytesRead: end, tarEnd: end };
};

/**
 * The segment read forward in READ_BYTES blocks, as a ByteSource for the tar walk: a
 * request past the current block reads (and hashes) the blocks up to it; the part of a
 * request that began in the block before is carried over. The walk only moves forward.
 */
class ForwardStream implements ByteSource {
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);
  private block: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  /** Where the next block starts: everything before it was read and hashed. */
  private next = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly whole: ByteSink,
    private readonly hashes: FileHashes | undefined,
    private readonly problems: string[],
    private readonly onRead: (bytesSoFar: number) => void,
  ) {}

  read(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + length);
    if (offset < this.blockStart) throw new Error(`verify: the tar walk went back to ${offset} (block at ${this.blockStart})`);
    while (this.blockStart + this.block.length < end && this.next < this.size) {
      const inBlock = offset < this.blockStart + this.block.length;
      const carry = inBlock ? Buffer.from(this.block.subarray(offset - this.blockStart)) : undefined;
      if (!this.advance()) break;
      if (carry !== undefined) {
        this.block = Buffer.concat([carry, this.block]);
        this.blockStart -= carry.length;
      }
    }
    const from = Math.max(0, offset - this.blockStart);
    return this.block.subarray(from, Math.max(from, end - this.blockStart));
  }

  /** Reads the rest of the segment; returns how far it got. */
  finish(): number {
    while (this.next < this.size && this.advance());
    return this.next;
  }

  private advance(): boolean {
    const want = Math.min(READ_BYTES, this.size - this.next);
    const bytes = this.buffer.subarray(0, want);
    let n: number;
    try {
      n = readFullySync(this.fd, bytes, this.next);
      if (n === 0) return false;
      this.whole.update(bytes.subarray(0, n));
      this.hashes?.feed(this.next, bytes.subarray(0, n));
    } catch (error) {
      // Piece by piece: each piece that reads is hashed there, each that does not is zeroed.
      readInPieces(this.fd, bytes, this.next, this.whole, this.hashes, this.problems, errnoCode(error));
      n = want;
    }
    this.block = bytes.subarray(0, n);
    this.blockStart = this.next;
    this.next += n;
    this.onRead(this.next);
    return true;
  }
}

const readInPieces = (fd: number, buffer: Buffer, at: number, whole: ByteSink, hashes: FileHashes | undefined, problems: string[], code: string): void => {
  for (let done = 0; done < buffer.length; done += PIECE_BYTES) {
    const piece = buffer.subarray(done, Math.min(buffer.length, done + PIECE_BYTES));
    try {
      const n = readFullySync(fd, piece, at + done);
      whole.update(piece.subarray(0, n));
      hashes?.feed(at + done, piece.subarray(0, n));
    } catch (error) {
      piece.fill(0);
      problems.push(`unreadable at ${at + done} (${errnoCode(error) || code})`);
      hashes?.spoil(at + done, piece.length, `unreadable (${errnoCode(error) || code}) at segment offset ${at + done}`);
    }
  }
};

/** Every chunk is authenticated; a chunk that fails spoils the files it holds (its bytes are never hashed). */
const streamSealed = (
  fd: number,
  size: number,
  whole: ByteSink,
  hashes: FileHashes | undefined,
  keys: SegmentKeys,
  problems: string[],
  onRead: (bytesSoFar: number) => void,
): { bytesRead: number; tarEnd: number } => {
  const headerBytes = Buffer.alloc(HEADER_BYTES);
  const got = readFullySync(fd, headerBytes, 0);
  whole.update(headerBytes.subarray(0, got));
  const header = parseSegmentHeader(headerBytes.subarray(0, got));
  if (typeof header === 'string') {
    problems.push(`encrypted segment header: ${header}`);
    streamRest(fd, size, got, whole);
    return { bytesRead: size, tarEnd: 0 };
  }
  const key = keys.segmentKey(header.salt);
  const sealedChunk = header.chunkBytes + TAG_BYTES;
  const chunks = Math.ceil((size - HEADER_BYTES) / sealedChunk);
  const buffer = Buffer.allocUnsafe(sealedChunk);
  let tar = 0;
  let bad = 0;
  for (let i = 0; i < chunks; i++) {
    let n: number;
    try {
      n = readFullySync(fd, buffer, HEADER_BYTES + i * sealedChunk);
    } catch (error) {
      problems.push(`chunk ${i} unreadable (${errnoCode(error)})`);
      hashes?.spoil(tar, header.chunkBytes, `chunk ${i} unreadable (${errnoCode(error)})`);
      tar += header.chunkBytes;
      continue;
    }
    const sealed = buffer.subarray(0, n);
    whole.update(sealed);
    const plain = openChunk(key, header.bytes, i, i === chunks - 1, sealed);
    const length = Math.max(0, n - TAG_BYTES);
    if (plain === undefined) {
      bad++;
      hashes?.spoil(tar, length, `chunk ${i} fails authentication`);
    } else hashes?.feed(tar, plain);
    tar += length;
    onRead(HEADER_BYTES + (i + 1) * sealedChunk);
  }
  if (bad > 0) problems.push(`${bad} chunk${bad === 1 ? '' : 's'} fail authentication (damaged, truncated, reordered or from another segment)`);
  return { bytesRead: size, tarEnd: tar };
};

const streamRest = (fd: number, size: number, from: number, whole: ByteSink): void => {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  for (let position = from; position < size; ) {
    const n = readFullySync(fd, buffer.subarray(0, Math.min(READ_BYTES, size - position)), position);
    if (n === 0) break;
    whole.update(buffer.subarray(0, n));
    position += n;
  }
};
