import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  MAX_LINE_BYTES,
  parseJournal,
  readJournal,
  sha256Hex,
  type JournalReadResult,
} from '../../infrastructure/journal';
import { buildJournal, joinLines, makeEnvelope, makeEnvelopes, sampleLabelBytes, sampleLabelHash, tempDir } from '../support/events';

const labelHash = sampleLabelHash();
const five = buildJournal(makeEnvelopes(5), labelHash);
const line = (seq: number): Buffer => {
  const found = five.lines[seq - 1];
  if (found === undefined) throw new Error(`no line ${seq}`);
  return found;
};
const seqs = (result: JournalReadResult): number[] => result.records.map((r) => r.seq);
const onlyBreak = (result: JournalReadResult) => {
  assert.equal(result.breaks.length, 1, JSON.stringify(result.breaks));
  const [first] = result.breaks;
  if (first === undefined) throw new Error('no break');
  return first;
};
/** A line with a correct sum around any body: what a careless (or hostile) writer could leave. */
const sealed = (body: string): Buffer => Buffer.from(`${body},"sum":"${sha256Hex(body)}"}`);

describe('journal reader', () => {
  it('reads back every record of a well-formed journal, chained from volume.json', () => {
    const result = parseJournal(five.bytes, labelHash);
    assert.deepEqual(seqs(result), [1, 2, 3, 4, 5]);
    assert.deepStrictEqual(
      result.records.map((r) => r.event),
      makeEnvelopes(5),
    );
    assert.deepEqual(result.head, five.head);
    assert.deepEqual(
      result.records.map((r) => [r.line, r.byteOffset]),
      five.spans.map((s) => [s.seq, s.start]),
    );
    assert.equal(result.complete, true);
    assert.equal(result.tornTail, undefined);
    assert.deepEqual(result.healedTears, []);
  });

  it('reads an empty journal as no records, its head at the label', () => {
    const result = parseJournal(Buffer.alloc(0), labelHash);
    assert.deepEqual(result.head, { seq: 0, hash: labelHash });
    assert.equal(result.complete, true);
  });

  it('reports a missing record as a seq gap at that record', () => {
    const result = parseJournal(joinLines([line(1), line(2), line(4), line(5)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line, broken.byteOffset], ['seq-gap', 3, 3, five.spans[2]?.start]);
    assert.deepEqual(seqs(result), [1, 2]);
    assert.deepEqual(result.head, { seq: 2, hash: sha256Hex(line(2)) });
    assert.equal(result.complete, false);
  });

  it('reports swapped records as out of order at the first misplaced one', () => {
    const result = parseJournal(joinLines([line(1), line(2), line(4), line(3), line(5)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['seq-out-of-order', 3, 3]);
    assert.match(broken.detail, /line 3 holds record 4 where record 3 belongs/);
    assert.deepEqual(seqs(result), [1, 2]);
  });

  it('reports an altered byte as a checksum break at the record holding it', () => {
    const bytes = Buffer.from(five.bytes);
    const at = (five.spans[3]?.start ?? 0) + 100;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const result = parseJournal(bytes, labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['checksum', 4, 4]);
    assert.deepEqual(seqs(result), [1, 2, 3]);
    assert.deepEqual(result.healedTears, [], 'a damaged record is not a healed tear');
  });

  it('reports an inserted copy of an earlier record as out of order where it stands', () => {
    const result = parseJournal(joinLines([line(1), line(2), line(3), line(2), line(4), line(5)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['seq-out-of-order', 4, 4]);
    assert.match(broken.detail, /holds record 2/);
  });

  it('reports a record with a correct sum but a prev that is not the record before as a chain break', () => {
    const forged = buildJournal([makeEnvelope(1), makeEnvelope(2), makeEnvelope(3)], sha256Hex('another volume'));
    const result = parseJournal(joinLines([line(1), line(2), forged.lines[2] ?? Buffer.alloc(0), line(4)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['chain', 3, 3]);
    assert.deepEqual(seqs(result), [1, 2]);
  });

  it('reports record 1 as a chain break when the journal was chained to another volume.json', () => {
    const result = parseJournal(five.bytes, sha256Hex('{"format":"lto-archive/1"}\n'));
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['chain', 1, 1]);
    assert.match(broken.detail, /volume\.json/);
    assert.deepEqual(result.records, []);
  });

  it('reports a verified record whose event is not an envelope; salvage carries the chain past it', () => {
    const bad = sealed(`{"seq":3,"prev":"${sha256Hex(line(2))}","event":{"id":"not-a-uuid","data":1}`);
    const bytes = joinLines([line(1), line(2), bad, line(4)]);
    const strict = parseJournal(bytes, labelHash);
    const broken = onlyBreak(strict);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['invalid-envelope', 3, 3]);
    assert.match(broken.detail, /id: expected EventId, got "not-a-uuid"/);
    // line 4 chains to the original record 3, not to `bad`: salvage reports that too.
    const salvaged = parseJournal(bytes, labelHash, { salvage: true });
    assert.deepEqual(seqs(salvaged), [1, 2, 4]);
    assert.deepEqual(
      salvaged.breaks.map((b) => [b.kind, b.record]),
      [
        ['invalid-envelope', 3],
        ['chain', 4],
      ],
    );
  });

  it('reports a line that is not a record at all as undecodable', () => {
    const result = parseJournal(joinLines([line(1), Buffer.from('{"hello":"world"}'), line(3)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['undecodable', 2, 2]);
  });

  it('reports an empty line between records as a break at the record after the last good one', () => {
    const result = parseJournal(joinLines([line(1), Buffer.alloc(0), line(3)]), labelHash);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['undecodable', 2, 2]);
  });

  it('tolerates a torn last line: reports it, ignores it, and returns the records before it', () => {
    const cut = (five.spans[4]?.start ?? 0) + 57;
    const result = parseJournal(five.bytes.subarray(0, cut), labelHash);
    assert.deepEqual(seqs(result), [1, 2, 3, 4]);
    assert.deepEqual(result.tornTail, { record: 5, line: 5, byteOffset: five.spans[4]?.start, length: 57 });
    assert.deepEqual(result.breaks, []);
    assert.equal(result.complete, true);
    assert.equal(result.unterminated, false);
  });

  it('accepts a last record that is complete but lacks its LF', () => {
    const result = parseJournal(five.bytes.subarray(0, five.bytes.length - 1), labelHash);
    assert.deepEqual(seqs(result), [1, 2, 3, 4, 5]);
    assert.equal(result.tornTail, undefined);
    assert.equal(result.unterminated, true);
    assert.equal(result.complete, true);
  });

  it('reports a damaged last record that has its LF as a break, not a torn tail', () => {
    const bytes = Buffer.from(five.bytes);
    const at = (five.spans[4]?.start ?? 0) + 10;
    bytes[at] = (bytes[at] ?? 0) ^ 0x40;
    const result = parseJournal(bytes, labelHash);
    assert.deepEqual([onlyBreak(result).kind, onlyBreak(result).record], ['checksum', 5]);
    assert.equal(result.tornTail, undefined);
  });

  it('stops at the first break without salvage and returns the valid prefix only', () => {
    const bytes = joinLines([line(1), Buffer.from('garbage'), line(3), line(4), line(5)]);
    const result = parseJournal(bytes, labelHash);
    assert.deepEqual(seqs(result), [1]);
    assert.equal(result.breaks.length, 1);
    assert.equal(result.complete, false);
  });

  it('salvage skips a damaged middle record and returns the records after it', () => {
    const bytes = Buffer.from(five.bytes);
    const at = (five.spans[2]?.start ?? 0) + 40;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    const result = parseJournal(bytes, labelHash, { salvage: true });
    assert.deepEqual(seqs(result), [1, 2, 4, 5]);
    assert.deepEqual(
      result.records.map((r) => r.event),
      [1, 2, 4, 5].map((n) => makeEnvelope(n)),
    );
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['checksum', 3, 3]);
    assert.deepEqual(result.head, five.head);
    assert.equal(result.complete, false);
  });

  it('salvage reports a gap and goes on from the record after it', () => {
    const result = parseJournal(joinLines([line(1), line(4), line(5)]), labelHash, { salvage: true });
    assert.deepEqual(seqs(result), [1, 4, 5]);
    const broken = onlyBreak(result);
    assert.deepEqual([broken.kind, broken.record, broken.line], ['seq-gap', 2, 2]);
    assert.match(broken.detail, /records 2 to 3 missing/);
  });

  it('reads an unverifiable line followed by a record that continues the chain as a healed tear, not a break', () => {
    const torn = line(4).subarray(0, 80);
    const result = parseJournal(joinLines([line(1), line(2), line(3), torn, line(4), line(5)]), labelHash);
    assert.deepEqual(seqs(result), [1, 2, 3, 4, 5]);
    assert.deepEqual(result.breaks, []);
    assert.equal(result.complete, true);
    assert.deepEqual(result.healedTears, [{ record: 4, line: 4, byteOffset: five.spans[3]?.start, length: 80, lines: 1 }]);
  });

  it('reports consecutive torn lines healed by one append as one healed tear, however many', () => {
    const torn = Array.from({ length: 100_000 }, () => Buffer.from('{"seq":4,'));
    const result = parseJournal(joinLines([line(1), line(2), line(3), ...torn, line(4), line(5)]), labelHash);
    assert.deepEqual(seqs(result), [1, 2, 3, 4, 5]);
    assert.deepEqual(result.healedTears, [
      { record: 4, line: 4, byteOffset: five.spans[3]?.start, length: 100_000 * 10 - 1, lines: 100_000 },
    ]);
  });

  it('reports a line longer than a record may be without holding it, and salvage goes on after it', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'journal.ndjson');
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, joinLines([line(1)]));
      const block = Buffer.alloc(1024 * 1024, 0x78);
      for (let i = 0; i < MAX_LINE_BYTES / block.length; i++) fs.writeSync(fd, block);
      fs.writeSync(fd, Buffer.from('xx\n'));
      fs.writeSync(fd, joinLines([line(3)]));
      fs.closeSync(fd);
      const read = readJournal(file, labelHash, { salvage: true });
      assert.equal(read._tag, 'Right');
      if (read._tag !== 'Right') return;
      assert.deepEqual(seqs(read.right), [1, 3]);
      const broken = onlyBreak(read.right);
      assert.deepEqual([broken.kind, broken.record, broken.line], ['undecodable', 2, 2]);
      assert.match(broken.detail, new RegExp(`line of ${MAX_LINE_BYTES + 2} bytes is longer`));
    } finally {
      cleanup();
    }
  });

  it('reads a file in chunks exactly as it parses the same bytes in memory', () => {
    const big = buildJournal(
      Array.from({ length: 30 }, (_, i) => makeEnvelope(i + 1, { data: { blob: 'é'.repeat(60_000 + i) } })),
      labelHash,
    );
    assert.ok(big.bytes.length > 3 * 1024 * 1024, 'the journal spans several chunks');
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'journal.ndjson');
      fs.writeFileSync(file, big.bytes.subarray(0, big.bytes.length - 1000));
      const read = readJournal(file, sampleLabelBytes());
      assert.deepStrictEqual(read, { _tag: 'Right', right: parseJournal(big.bytes.subarray(0, big.bytes.length - 1000), labelHash) });
      if (read._tag === 'Right') {
        assert.equal(read.right.records.length, 29);
        assert.equal(read.right.tornTail?.record, 30);
      }
    } finally {
      cleanup();
    }
  });

  it('reads a missing journal file as empty, chained at the label', () => {
    const { dir, cleanup } = tempDir();
    try {
      const read = readJournal(path.join(dir, 'journal.ndjson'), sampleLabelBytes());
      assert.equal(read._tag, 'Right');
      if (read._tag !== 'Right') return;
      assert.equal(read.right.exists, false);
      assert.deepEqual(read.right.head, { seq: 0, hash: labelHash });
    } finally {
      cleanup();
    }
  });

  it('gives JournalUnreadable when the journal cannot be read', () => {
    const { dir, cleanup } = tempDir();
    try {
      const read = readJournal(dir, labelHash);
      assert.equal(read._tag, 'Left');
      if (read._tag === 'Left') assert.deepEqual([read.left._tag, read.left.code], ['JournalUnreadable', 'EISDIR']);
    } finally {
      cleanup();
    }
  });
});
