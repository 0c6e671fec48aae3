import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { SCRYPT_LIMITS, scryptMemory } from '../../domain/key-slots';
import { HEADER_BYTES, TAG_BYTES, chunkPosition, newSegmentHeader, sealChunk } from '../../infrastructure/crypto/segment-chunks';
import { parseJournal } from '../../infrastructure/journal';
import { SealedSegment, SealedSegmentDamaged } from '../../infrastructure/restore/segment-source';
import { BLOCK, END_OF_ARCHIVE, decodeHeaders, encodeHeader, paddedSize, type TarEntry } from '../../infrastructure/segment/tar-header';
import { decodeVolumeLabel, encodeVolumeLabel } from '../../infrastructure/tape/volume-label-file';
import { buildJournal, makeEnvelopes, sampleLabel, sampleLabelHash, tempDir } from '../support/events';
import { mutate, mutationsArb } from '../support/mutations';
import { REPO_ROOT } from '../support/cli';
import { countFrom } from '../support/seeded';

/**
 * Fuzzing the four readers that take bytes from a tape (issue 7 §5): mutated and random
 * inputs give typed results, never a throw or a hang, and never accept what they must
 * not. FUZZ_RUNS sets the cases per target (default 2,500: 10,000 in CI); `npm run fuzz`
 * runs many more. A failure prints fast-check's seed and path to replay it.
 */
const RUNS = countFrom('FUZZ_RUNS', 2_500);

describe(`fuzz: tape readers (${RUNS} cases each)`, () => {
  it('journal reader: mutated journals read as records in order plus breaks or a torn tail, never a throw', () => {
    const labelHash = sampleLabelHash();
    const journals = [1, 3, 8].map((n) => buildJournal(makeEnvelopes(n), labelHash).bytes);
    fc.assert(
      fc.property(fc.nat(journals.length - 1), mutationsArb, fc.boolean(), (which, mutations, salvage) => {
        const bytes = mutate(journals[which]!, mutations);
        const result = parseJournal(bytes, labelHash, { salvage });
        const seqs = result.records.map((r) => r.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'records come in seq order');
        assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
        if (!salvage) assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'without salvage: contiguous from 1');
        assert.equal(result.head.seq, seqs.at(-1) ?? 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('volume.json decoder: mutated labels are refused with a typed error; whatever decodes holds scrypt within limits', () => {
    const plain = encodeVolumeLabel(sampleLabel());
    const encrypted = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-encrypted', 'LTO-ARCHIVE', 'volume.json'));
    const json = JSON.parse(encrypted.toString('utf8'));
    // Structural changes too: any JSON value in place of a field of the first key slot.
    const slotField = fc.constantFrom('logN', 'r', 'p', 'salt', 'name');
    fc.assert(
      fc.property(fc.boolean(), mutationsArb, fc.option(fc.tuple(slotField, fc.jsonValue()), { nil: undefined }), (useEncrypted, mutations, replace) => {
        let base = useEncrypted ? encrypted : plain;
        if (replace !== undefined) {
          const changed = structuredClone(json);
          changed.encryption.slots[0].kdf[replace[0]] = replace[1];
          base = Buffer.from(JSON.stringify(changed));
        }
        const decoded = decodeVolumeLabel('volume.json', replace !== undefined && mutations.length === 1 ? base : mutate(base, mutations));
        if (E.isLeft(decoded)) {
          assert.match(decoded.left._tag, /^VolumeLabel/);
          return;
        }
        for (const slot of decoded.right.encryption?.slots ?? []) {
          if (slot.kind !== 'passphrase') continue;
          const { logN, r, p } = slot.kdf;
          assert.ok(logN >= SCRYPT_LIMITS.minLogN && logN <= SCRYPT_LIMITS.maxLogN && r <= SCRYPT_LIMITS.maxR && p <= SCRYPT_LIMITS.maxP);
          assert.ok(scryptMemory(logN, r) <= SCRYPT_LIMITS.maxMemoryBytes);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('segment (tar) reader: mutated archives list entries whose data lies inside the stream, or report damage', () => {
    const T = 1_700_000_000n * 1_000_000_000n;
    const entryArb: fc.Arbitrary<TarEntry> = fc.record({
      path: fc.stringMatching(/^[a-z]{1,8}(\/[a-zé ]{1,120}){0,3}$/),
      type: fc.constantFrom('file' as const, 'dir' as const),
      size: fc.nat(3000),
      mode: fc.constant(0o644),
      mtimeNs: fc.constant(T),
      uid: fc.nat(3_000_000),
      gid: fc.constant(0),
    });
    const archive = (entries: readonly TarEntry[]): Buffer =>
      Buffer.concat([
        ...entries.flatMap((e) => {
          const size = e.type === 'file' ? e.size : 0;
          return [encodeHeader({ ...e, size }), Buffer.alloc(paddedSize(size), 0x61)];
        }),
        END_OF_ARCHIVE,
      ]);
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 4 }), mutationsArb, fc.boolean(), (entries, mutations, resync) => {
        const bytes = mutate(archive(entries), mutations);
        const listing = decodeHeaders(bytes, { resync });
        for (const d of listing.entries) {
          assert.ok(d.dataOffset % BLOCK === 0 && d.dataOffset + d.entry.size <= bytes.length, 'no entry claims bytes beyond the segment');
        }
        assert.ok(listing.complete || listing.problems.length > 0, 'an incomplete listing says why');
      }),
      { numRuns: RUNS },
    );
  });

  describe('encrypted chunk reader', () => {
    const { dir, cleanup } = tempDir('lto-fuzz-sealed-');
    after(cleanup);
    const CHUNK = 4096;
    const key = randomBytes(32);
    const keys = { segmentKey: () => key, contentKey: Buffer.alloc(32) };
    const seal = (plain: Buffer): Buffer => {
      const header = newSegmentHeader(CHUNK);
      const chunks = Math.max(1, Math.ceil(plain.length / CHUNK));
      const out = Buffer.alloc(HEADER_BYTES + plain.length + chunks * TAG_BYTES);
      header.bytes.copy(out, 0);
      for (let i = 0; i < chunks; i++) {
        const part = plain.subarray(i * CHUNK, (i + 1) * CHUNK);
        sealChunk(key, header.bytes, i, i === chunks - 1, part, out.subarray(chunkPosition(i, CHUNK), chunkPosition(i, CHUNK) + part.length + TAG_BYTES));
      }
      return out;
    };

    it('releases only the true plaintext, or refuses with SealedSegmentDamaged', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 3 * CHUNK + 100 }), mutationsArb, fc.nat(), fc.integer({ min: 1, max: 2 * CHUNK }), async (size, mutations, from, length) => {
          const plain = randomBytes(size);
          const file = path.join(dir, `s${n++ % 8}`);
          fs.writeFileSync(file, mutate(seal(plain), mutations));
          const segment = new SealedSegment(fs.openSync(file, 'r'), keys);
          const position = from % size;
          const buffer = Buffer.alloc(length);
          try {
            const got = await segment.read(buffer, 0, length, position);
            assert.ok(buffer.subarray(0, got).equals(plain.subarray(position, position + got)), 'every released byte is the plaintext');
          } catch (error) {
            assert.ok(error instanceof SealedSegmentDamaged, `a typed refusal, not ${String(error)}`);
          } finally {
            segment.close();
          }
        }),
        { numRuns: RUNS },
      );
    });
  });
});
