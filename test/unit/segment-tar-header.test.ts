import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nameText } from '../../domain/name-bytes';
import {
  BLOCK,
  END_OF_ARCHIVE,
  dataPadding,
  decodeHeaders,
  encodeHeader,
  entryProblem,
  formatPaxTime,
  paxRecord,
  walkTar,
  type ByteSource,
  type TarEntry,
} from '../../infrastructure/segment/tar-header';

const GiB = 1024 ** 3;
const T = 1_700_000_000n * 1_000_000_000n;

const file = (path: string, size = 0, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'file', size, mode: 0o644, mtimeNs: T, uid: 1000, gid: 1000, ...extra });
const dir = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'dir', size: 0, mode: 0o755, mtimeNs: T, uid: 0, gid: 0, ...extra });
const link = (path: string, linkTarget: string): TarEntry => ({ path, type: 'symlink', size: 0, mode: 0o777, mtimeNs: T, uid: 0, gid: 0, linkTarget });

/** A tar stream of `entries`, each file's data being `size` bytes of (index & 0xff). */
const archive = (entries: readonly TarEntry[]): Buffer => {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    parts.push(encodeHeader(e));
    if (e.type === 'file') parts.push(Buffer.alloc(e.size, i & 0xff), Buffer.alloc(dataPadding(e.size)));
  });
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
};

/** The checksum as POSIX defines it: the unsigned sum of the block with the checksum field taken as spaces. */
const posixChecksum = (block: Buffer): number => {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
};

const field = (block: Buffer, offset: number, width: number): string => block.toString('latin1', offset, offset + width);

const roundTrip = (entry: TarEntry): TarEntry => {
  const listing = decodeHeaders(archive([entry]));
  assert.equal(listing.problem, undefined, JSON.stringify(listing.problem));
  assert.equal(listing.complete, true);
  assert.equal(listing.entries.length, 1);
  return listing.entries[0]!.entry;
};

/** Entry as it decodes: the encoder keeps the nanoseconds only in a pax header. */
const expectedBack = (entry: TarEntry, paxUsed: boolean): TarEntry => ({
  ...entry,
  mtimeNs: paxUsed ? entry.mtimeNs : (entry.mtimeNs / 1_000_000_000n) * 1_000_000_000n,
  ...(entry.type === 'dir' && entry.path.endsWith('/') ? { path: entry.path.slice(0, -1) } : {}),
});

const HARD_NAMES = [
  'caf\u00e9.txt', // NFC
  'cafe\u0301.txt', // NFD
  'with space/and  two  spaces .txt',
  'new\nline',
  'back\\slash\\',
  'tab\there',
  '日本語/ファイル名.txt',
  'emoji 😀 name',
  'x'.repeat(251) + '.txt', // 255 bytes
  '\u00e9'.repeat(127) + 'x', // 255 bytes of two-byte characters
  Array.from({ length: 100 }, (_, i) => `d${i}`).join('/') + '/leaf', // 100 levels deep
  'a'.repeat(100), // exactly fills the ustar name
  'p'.repeat(150) + '/' + 'n'.repeat(99), // needs the ustar prefix
  'q'.repeat(300), // too long for ustar, no '/' to split at
];

describe('tar header encoding', () => {
  it('writes a plain ustar block (no pax header) for a short ASCII entry, with POSIX fields', () => {
    const header = encodeHeader(file('home/me/a.txt', 1234));
    assert.equal(header.length, BLOCK);
    assert.equal(field(header, 0, 13), 'home/me/a.txt');
    assert.equal(field(header, 100, 8), '0000644\0');
    assert.equal(field(header, 108, 8), '0001750\0');
    assert.equal(field(header, 124, 12), '00000002322\0');
    assert.equal(field(header, 136, 12), (1_700_000_000).toString(8).padStart(11, '0') + '\0');
    assert.equal(field(header, 156, 1), '0');
    assert.equal(field(header, 257, 8), 'ustar\x0000');
    assert.equal(field(header, 154, 2), '\0 ');
    assert.equal(parseInt(field(header, 148, 6), 8), posixChecksum(header));
  });

  it('marks directories with typeflag 5 and a trailing slash, symlinks with typeflag 2 and their target', () => {
    const d = encodeHeader(dir('home/me'));
    assert.equal(field(d, 0, 9), 'home/me/\0');
    assert.equal(field(d, 156, 1), '5');
    const l = encodeHeader(link('home/me/l', '../target'));
    assert.equal(field(l, 156, 1), '2');
    assert.equal(field(l, 157, 10), '../target\0');
    assert.equal(field(l, 124, 12), '00000000000\0');
  });

  it('computes a correct checksum for every kind of header block, pax headers included', () => {
    for (const entry of [file('a', 1), dir('b'), link('c', 'd'), file('é', 3), file('x'.repeat(300), 5), file('big', 9 * GiB)]) {
      const header = encodeHeader(entry);
      for (let at = 0; at < header.length; at += BLOCK) {
        const block = header.subarray(at, at + BLOCK);
        const isHeader = at === 0 || at === header.length - BLOCK;
        if (isHeader) assert.equal(parseInt(field(block, 148, 7), 8), posixChecksum(block), `${entry.path} block at ${at}`);
      }
    }
  });

  it('adds a pax header only when a field does not fit ustar, with the time to the nanosecond', () => {
    const plain = encodeHeader(file('a.txt', 10, { mtimeNs: T + 123_456_789n }));
    assert.equal(plain.length, BLOCK);
    for (const entry of [
      file('é.txt'),
      file('q'.repeat(300)),
      link('l', 't'.repeat(101)),
      link('l', 'cible-é'),
      file('big', 8 * GiB),
      file('u', 0, { uid: 0o7777777 + 1 }),
      file('g', 0, { gid: 2 ** 31 }),
      file('old', 0, { mtimeNs: -1_500_000_000n }),
    ]) {
      const header = encodeHeader(entry);
      assert.ok(header.length > BLOCK, `${entry.path} needs a pax header`);
      assert.equal(field(header, 156, 1), 'x');
      assert.ok(field(header, 0, 11) === 'PaxHeaders/', 'the pax header is named PaxHeaders/<name>');
      assert.match(header.toString('utf8', BLOCK, header.length - BLOCK), /\d+ mtime=-?\d+\.\d{9}\n/);
    }
  });

  it('puts the path in the ustar prefix when it splits at a slash, and in pax otherwise', () => {
    const split = encodeHeader(file('p'.repeat(150) + '/' + 'n'.repeat(99)));
    assert.equal(split.length, BLOCK);
    assert.equal(field(split, 345, 150), 'p'.repeat(150));
    assert.equal(field(split, 0, 99), 'n'.repeat(99));
    assert.ok(encodeHeader(file('p'.repeat(156) + '/n')).length > BLOCK, 'a prefix longer than 155 needs pax');
  });

  it('encodes sizes of 0, 8 GiB - 1 (ustar) and 8 GiB and more (pax size record)', () => {
    assert.equal(field(encodeHeader(file('z', 0)), 124, 12), '00000000000\0');
    const max = encodeHeader(file('m', 8 * GiB - 1));
    assert.equal(max.length, BLOCK);
    assert.equal(field(max, 124, 12), '77777777777\0');
    for (const size of [8 * GiB, 5 * 1024 * GiB + 3]) {
      const header = encodeHeader(file('big', size));
      assert.ok(header.toString('utf8').includes(` size=${size}\n`));
      // Decoded from the header alone: the data is not there, a virtual source stands in for it.
      const source: ByteSource = {
        size: header.length + size + dataPadding(size) + 2 * BLOCK,
        read: (offset, length) => (offset < header.length ? header.subarray(offset, Math.min(header.length, offset + length)) : Buffer.alloc(length)),
      };
      const listing = walkTar(source);
      assert.equal(listing.complete, true);
      assert.equal(listing.entries[0]?.entry.size, size);
      assert.equal(listing.entries[0]?.dataOffset, header.length);
    }
  });

  it('writes pax records whose length counts its own digits', () => {
    for (const value of ['', 'a', 'x'.repeat(88), 'x'.repeat(89), 'x'.repeat(90), 'x'.repeat(992), 'x'.repeat(993), 'é'.repeat(50)]) {
      const record = paxRecord('path', value);
      const [length] = record.toString('utf8').split(' ');
      assert.equal(Number(length), record.length, `record for ${value.length} chars`);
      assert.ok(record.toString('utf8').endsWith(`path=${value}\n`));
    }
  });

  it('formats pax times with nine fraction digits, before the epoch too', () => {
    assert.equal(formatPaxTime(1_700_000_000_123_456_789n), '1700000000.123456789');
    assert.equal(formatPaxTime(5n), '0.000000005');
    assert.equal(formatPaxTime(-1_500_000_000n), '-1.500000000');
  });

  it('round-trips files, directories and symlinks with hard names through decodeHeaders', () => {
    for (const name of HARD_NAMES) {
      for (const entry of [file(name, 77), dir(name), link(name, name)]) {
        const paxUsed = encodeHeader(entry).length > BLOCK;
        assert.deepEqual(roundTrip(entry), expectedBack(entry, paxUsed), JSON.stringify(name));
      }
    }
  });

  it('round-trips long and unicode symlink targets, large ids, and times before the epoch', () => {
    for (const entry of [
      link('l1', '/'.repeat(1) + 'very/'.repeat(40) + 'far'),
      link('l2', 'ziel-ü-ö'),
      file('ids', 1, { uid: 2 ** 40, gid: 3_000_000 }),
      file('past', 2, { mtimeNs: -86_400_123_456_789n }),
      file('future', 3, { mtimeNs: 10n ** 19n + 7n }),
      file('mode', 4, { mode: 0o7755 }),
    ]) {
      assert.deepEqual(roundTrip(entry), expectedBack(entry, encodeHeader(entry).length > BLOCK));
    }
  });

  it('writes a name that is not UTF-8 as its raw bytes in a pax path record (as GNU tar does) and reads back the same name text', () => {
    const bad = nameText(Buffer.from('Fotos-\xe9t\xe9/bad\xff.txt', 'latin1'));
    for (const entry of [file(bad, 5), dir(bad), link('l', nameText(Buffer.from('to-\xfe', 'latin1')))]) {
      const header = encodeHeader(entry);
      assert.ok(header.length > BLOCK, 'a pax header');
      const value = entry.type === 'symlink' ? 'to-\xfe' : 'Fotos-\xe9t\xe9/bad\xff.txt';
      assert.ok(header.includes(Buffer.from(`=${value}`, 'latin1')), 'the raw bytes');
      assert.ok(!header.includes(Buffer.from('hdrcharset')), 'GNU tar 1.34 warns about hdrcharset');
      assert.deepEqual(roundTrip(entry), expectedBack(entry, true));
    }
    // A NUL that is not such an escape stays refused.
    assert.match(entryProblem(file('a\u0000zz')) ?? 'accepted', /NUL/);
  });

  it('lists several entries with the offsets of their headers and data', () => {
    const entries = [dir('d'), file('d/a', 1000), file('d/' + 'é'.repeat(80), 0), link('d/l', 'a'), file('d/b', 512)];
    const bytes = archive(entries);
    const listing = decodeHeaders(bytes);
    assert.equal(listing.complete, true);
    assert.deepEqual(
      listing.entries.map((e) => e.entry.path),
      entries.map((e) => e.path),
    );
    for (const [i, e] of listing.entries.entries()) {
      if (e.entry.type === 'file' && e.entry.size > 0) assert.ok(bytes.subarray(e.dataOffset, e.dataOffset + e.entry.size).every((b) => b === i));
      assert.equal(e.dataOffset - e.headerOffset, encodeHeader(entries[i]!).length);
    }
    assert.equal(listing.endOffset, bytes.length);
  });

  it('refuses entries that cannot be extracted as given', () => {
    for (const [entry, why] of [
      [file(''), /empty/],
      [file('/etc/passwd'), /absolute/],
      [file('a/../b'), /'\.\.'/],
      [file('a//b'), /empty component/],
      [file('a/./b'), /'\.'/],
      [file('nul\0byte'), /NUL/],
      [file('lone\ud800'), /surrogate/],
      [file('neg', -1), /size/],
      [file('frac', 1.5), /size/],
      [file('m', 0, { mode: 0o10000 }), /mode/],
      [dir('d', { size: 3 }), /only files/],
      [link('l', ''), /target/],
      [{ ...file('f'), linkTarget: 'x' }, /only symlinks/],
    ] as const) {
      assert.match(entryProblem(entry) ?? 'accepted', why, JSON.stringify(entry.path));
      assert.throws(() => encodeHeader(entry), RangeError);
    }
    assert.equal(entryProblem(dir('trailing/')), undefined);
  });
});

describe('tar header decoding of damaged input', () => {
  const sample = archive([dir('d'), file('d/a', 700), file('d/' + 'n'.repeat(120), 3), link('d/l', 'a'), file('d/z', 0)]);

  it('reports a bad checksum with the offset of the block, and keeps the entries before it', () => {
    const bytes = Buffer.from(sample);
    const second = decodeHeaders(sample).entries[1]!.headerOffset;
    bytes[second + 10] = bytes[second + 10]! ^ 0x20;
    const listing = decodeHeaders(bytes);
    assert.equal(listing.complete, false);
    assert.deepEqual(listing.problem && { kind: listing.problem.kind, offset: listing.problem.offset }, { kind: 'bad-checksum', offset: second });
    assert.deepEqual(
      listing.entries.map((e) => e.entry.path),
      ['d'],
    );
  });

  it('in resync mode, steps over a damaged header and finds the entries after it', () => {
    const bytes = Buffer.from(sample);
    const entries = decodeHeaders(sample).entries;
    const second = entries[1]!.headerOffset;
    bytes[second + 10] = bytes[second + 10]! ^ 0x20;
    const listing = decodeHeaders(bytes, { resync: true });
    assert.equal(listing.complete, false);
    assert.ok(listing.problems.length >= 1);
    assert.deepEqual(
      listing.entries.map((e) => e.entry.path),
      ['d', 'd/' + 'n'.repeat(120), 'd/l', 'd/z'],
    );
  });

  it('reports a stream cut inside data as size-beyond-end, and one cut between entries as truncated', () => {
    const entries = decodeHeaders(sample).entries;
    const inData = decodeHeaders(sample.subarray(0, entries[1]!.dataOffset + 100));
    assert.equal(inData.problem?.kind, 'size-beyond-end');
    assert.equal(inData.problem?.offset, entries[1]!.dataOffset - BLOCK);
    const atBoundary = decodeHeaders(sample.subarray(0, entries[2]!.headerOffset));
    assert.equal(atBoundary.problem?.kind, 'truncated');
    assert.equal(atBoundary.entries.length, 2);
    const noEnd = decodeHeaders(sample.subarray(0, sample.length - 2 * BLOCK));
    assert.equal(noEnd.complete, false);
    assert.equal(noEnd.entries.length, 5);
    assert.equal(decodeHeaders(Buffer.alloc(0)).problem?.kind, 'truncated');
  });

  it('reports malformed pax records and numeric fields as damage, not exceptions', () => {
    const header = Buffer.from(encodeHeader(file('é', 0)));
    header.write('99', BLOCK, 'latin1'); // the first record's length no longer matches
    const fixed = fixChecksum(header, 0);
    assert.equal(decodeHeaders(Buffer.concat([fixed, END_OF_ARCHIVE])).problem?.kind, 'bad-pax');
    const badNumber = Buffer.from(encodeHeader(file('a', 5)));
    badNumber.write('0000z44', 100, 'latin1');
    assert.equal(decodeHeaders(Buffer.concat([fixChecksum(badNumber, 0), Buffer.alloc(512), END_OF_ARCHIVE])).problem?.kind, 'bad-field');
  });

  it('never throws or hangs on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8192 }), fc.boolean(), (bytes, resync) => {
        const listing = decodeHeaders(Buffer.from(bytes), { resync });
        assert.ok(listing.endOffset <= bytes.length + 2 * BLOCK);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws or hangs on valid archives with random bytes changed, cut or inserted', () => {
    const blocks = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 12 });
    fc.assert(
      fc.property(blocks, fc.nat(), fc.boolean(), fc.uint8Array({ maxLength: 600 }), (changes, cut, resync, inserted) => {
        const bytes = Buffer.from(sample);
        for (const { at, value } of changes) bytes[at % bytes.length] = value;
        const at = cut % (bytes.length + 1);
        const mutated = Buffer.concat([bytes.subarray(0, at), Buffer.from(inserted), bytes.subarray(at)]);
        const listing = decodeHeaders(mutated, { resync });
        for (const e of listing.entries) {
          assert.ok(e.dataOffset <= mutated.length);
          assert.ok(e.entry.type !== 'file' || e.dataOffset + e.entry.size <= mutated.length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('handles headers whose size fields claim huge or pax sizes without reading them', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.constantFrom('0', 'x', 'g', 'L', 'K', '5', '2', 'S'), (size, flag) => {
        const block = Buffer.from(encodeHeader(file('s', 0)));
        if (size < 8n ** 11n) block.write(size.toString(8).padStart(11, '0'), 124, 'latin1');
        else {
          block[124] = 0x80;
          let v = size;
          for (let i = 135; i > 124; i--) {
            block[i] = Number(v & 0xffn);
            v >>= 8n;
          }
        }
        block.write(flag, 156, 'latin1');
        decodeHeaders(Buffer.concat([fixChecksum(block, 0), END_OF_ARCHIVE]), { resync: true });
      }),
      { numRuns: 300 },
    );
  });
});

/** Recomputes the checksum of the block at `at` (after a deliberate edit). */
function fixChecksum(bytes: Buffer, at: number): Buffer {
  const block = bytes.subarray(at, at + BLOCK);
  block.write(posixChecksum(block).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return bytes;
}
