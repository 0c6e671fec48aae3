import * as assert from 'node:assert/strict';
import { createHash, createHmac, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { HEADER_BYTES, TAG_BYTES, chunkPosition } from '../../infrastructure/crypto/segment-chunks';
import { TapeKeys } from '../../infrastructure/crypto/tape-keys';
import { SealedSegment, SealedSegmentDamaged } from '../../infrastructure/restore/segment-source';
import { SegmentWriter, type ArchivedFile } from '../../infrastructure/segment';

const KiB = 1024;
const CHUNK = 64 * KiB;

const right = <L, R>(either: E.Either<L, R>): R => {
  if (E.isLeft(either)) assert.fail(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

interface Written {
  readonly segment: string;
  readonly files: Map<string, { data: Buffer; archived: ArchivedFile }>;
  readonly bytes: number;
  readonly sha256: string;
  readonly plainBytes: number;
}

/** An encrypted segment of a few small files and one of several chunks, through the real writer. */
const writeSealed = async (dir: string, keys: TapeKeys, name: string): Promise<Written> => {
  const sources = path.join(dir, `${name}-src`);
  fs.mkdirSync(sources);
  const sizes = { small: 100, edge: CHUNK, large: 5 * CHUNK + 7, empty: 0, tiny: 1 };
  const segment = path.join(dir, name, '1.tar');
  const writer = right(SegmentWriter.open(segment, {}, { segmentKey: (salt) => keys.segmentKey(salt), contentKey: keys.contentKey, chunkBytes: CHUNK }));
  const files = new Map<string, { data: Buffer; archived: ArchivedFile }>();
  for (const [file, size] of Object.entries(sizes)) {
    const data = randomFillSync(Buffer.alloc(size));
    const source = path.join(sources, file);
    fs.writeFileSync(source, data);
    const stat = fs.statSync(source, { bigint: true });
    const archived = right(await writer.addFile({ path: `src/${file}`, mode: 0o644, mtimeNs: stat.mtimeNs, uid: 0, gid: 0 }, source, { size, mtimeNs: stat.mtimeNs }));
    files.set(file, { data, archived });
  }
  const closed = right(await writer.close());
  return { segment, files, bytes: closed.bytes, sha256: closed.sha256, plainBytes: closed.plainBytes ?? -1 };
};

const readRange = async (segment: string, keys: TapeKeys, offset: number, length: number): Promise<{ bytes: Buffer; taken: number }> => {
  const source = new SealedSegment(fs.openSync(segment, 'r'), keys);
  try {
    const bytes = Buffer.alloc(length);
    const n = await source.read(bytes, 0, length, offset);
    return { bytes: bytes.subarray(0, n), taken: source.bytesRead };
  } finally {
    source.close();
  }
};

describe('encrypted segments (AES-256-GCM chunks)', () => {
  let dir: string;
  const keys = TapeKeys.generate();
  let first: Written;
  let second: Written;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-sealed-'));
    first = await writeSealed(dir, keys, 'a');
    second = await writeSealed(dir, keys, 'b');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the file size and SHA-256 of the ciphertext, and the plaintext size', () => {
    const onTape = fs.readFileSync(first.segment);
    assert.equal(first.bytes, onTape.length);
    assert.equal(first.sha256, createHash('sha256').update(onTape).digest('hex'));
    assert.equal(onTape.length, HEADER_BYTES + first.plainBytes + Math.ceil(first.plainBytes / CHUNK) * TAG_BYTES);
  });

  it('holds no plaintext: neither the names nor the data', () => {
    const onTape = fs.readFileSync(first.segment);
    assert.equal(onTape.includes('src/large'), false);
    assert.equal(onTape.includes('ustar'), false);
    assert.equal(onTape.includes(first.files.get('large')!.data.subarray(1000, 1064)), false);
  });

  it('records keyed content hashes (HMAC-SHA256 under the content key)', () => {
    for (const { data, archived } of first.files.values()) {
      assert.equal(archived.sha256, createHmac('sha256', keys.contentKey).update(data).digest('hex'));
    }
  });

  it('reads every file back at its tar offset', async () => {
    for (const { data, archived } of first.files.values()) {
      const { bytes } = await readRange(first.segment, keys, archived.dataOffset, archived.length);
      assert.deepEqual(bytes, data);
    }
  });

  it('reads one small file by decrypting only the chunk that holds it', async () => {
    const { archived } = first.files.get('small')!;
    const { taken } = await readRange(first.segment, keys, archived.dataOffset, archived.length);
    assert.ok(taken <= HEADER_BYTES + 2 * (CHUNK + TAG_BYTES), `took ${taken} bytes`);
  });

  const damaged = async (mutate: (bytes: Buffer) => Buffer, file = 'large'): Promise<unknown> => {
    const copy = path.join(dir, `damaged-${Math.random()}.tar`);
    fs.writeFileSync(copy, mutate(fs.readFileSync(first.segment)));
    const { archived } = first.files.get(file)!;
    return readRange(copy, keys, archived.dataOffset, archived.length).then(
      () => undefined,
      (error: unknown) => error,
    );
  };

  it('refuses a flipped bit, releasing nothing of that chunk', async () => {
    const error = await damaged((b) => {
      b[chunkPosition(2, CHUNK) + 10]! ^= 0x01;
      return b;
    });
    assert.ok(error instanceof SealedSegmentDamaged);
    assert.equal(error.chunk, 2);
  });

  it('refuses a truncated segment (cut at a chunk boundary or inside a chunk)', async () => {
    for (const cut of [chunkPosition(4, CHUNK), chunkPosition(4, CHUNK) + 100]) {
      const error = await damaged((b) => b.subarray(0, cut));
      assert.ok(error instanceof SealedSegmentDamaged, `cut at ${cut}`);
    }
  });

  it('refuses two swapped chunks', async () => {
    const error = await damaged((b) => {
      const one = Buffer.from(b.subarray(chunkPosition(1, CHUNK), chunkPosition(2, CHUNK)));
      b.copy(b, chunkPosition(1, CHUNK), chunkPosition(2, CHUNK), chunkPosition(3, CHUNK));
      one.copy(b, chunkPosition(2, CHUNK));
      return b;
    });
    assert.ok(error instanceof SealedSegmentDamaged);
  });

  it('refuses a chunk spliced in from another segment of the same tape', async () => {
    const other = fs.readFileSync(second.segment);
    const error = await damaged((b) => {
      other.copy(b, chunkPosition(2, CHUNK), chunkPosition(2, CHUNK), chunkPosition(3, CHUNK));
      return b;
    });
    assert.ok(error instanceof SealedSegmentDamaged);
  });

  it('does not decrypt under another tape key', async () => {
    const { archived } = first.files.get('small')!;
    const error = await readRange(first.segment, TapeKeys.generate(), archived.dataOffset, archived.length).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof SealedSegmentDamaged);
  });
});
