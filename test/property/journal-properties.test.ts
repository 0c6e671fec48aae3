import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { appendToJournal, parseJournal, readJournal, type JournalHead } from '../../infrastructure/journal';
import { buildJournal, envelopeArb, makeEnvelopes, sampleLabelBytes, sampleLabelHash, tempDir, type LineSpan } from '../support/events';

const labelHash = sampleLabelHash();
const RUNS = 250;

/** The record whose line or terminating LF holds byte `offset`. */
const recordAt = (spans: readonly LineSpan[], offset: number): number => {
  const span = spans.find((s) => offset >= s.start && offset <= s.start + s.length);
  if (span === undefined) throw new Error(`offset ${offset} is past the journal`);
  return span.seq;
};

/** Splits `items` at the given cut points (sorted, deduplicated). */
const batches = <T>(items: readonly T[], cuts: readonly number[]): T[][] => {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const p of [...points, items.length]) {
    if (p > from) out.push(items.slice(from, p));
    from = Math.max(from, p);
  }
  return out;
};

describe('journal properties', () => {
  it('reads back any envelopes appended in any batches, equal, with seqs 1..n', () => {
    const { dir, cleanup } = tempDir();
    let run = 0;
    try {
      fc.assert(
        fc.property(fc.array(envelopeArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 3 }), (envelopes, cuts) => {
          const file = path.join(dir, `journal-${run++}.ndjson`);
          let head: JournalHead = { seq: 0, hash: labelHash };
          for (const batch of batches(envelopes, cuts)) {
            const appended = appendToJournal(file, head, batch);
            if (E.isLeft(appended)) throw new Error(JSON.stringify(appended.left));
            head = appended.right.head;
          }
          const read = readJournal(file, sampleLabelBytes());
          if (E.isLeft(read)) throw new Error(JSON.stringify(read.left));
          assert.deepStrictEqual(
            read.right.records.map((r) => r.event),
            envelopes,
          );
          assert.deepEqual(
            read.right.records.map((r) => r.seq),
            envelopes.map((_, i) => i + 1),
          );
          assert.deepEqual(read.right.head, head);
          assert.deepEqual([read.right.complete, read.right.breaks, read.right.tornTail], [true, [], undefined]);
          fs.rmSync(file, { force: true });
        }),
        { numRuns: RUNS },
      );
    } finally {
      cleanup();
    }
  });

  it('never accepts a single flipped byte: the break or torn tail names the record that holds it', () => {
    fc.assert(
      fc.property(
        fc.array(envelopeArb, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
        fc.integer({ min: 1, max: 255 }),
        (envelopes, where, fromLineEnd, mask) => {
          const journal = buildJournal(envelopes, labelHash);
          // Half the flips land anywhere; half in the last 90 bytes of a line, where the sum is.
          const target = journal.spans[where % journal.spans.length];
          const offset =
            fromLineEnd === undefined || target === undefined
              ? where % journal.bytes.length
              : target.start + Math.max(0, target.length - fromLineEnd);
          const bytes = Buffer.from(journal.bytes);
          bytes[offset] = (bytes[offset] ?? 0) ^ mask;
          const record = recordAt(journal.spans, offset);

          const result = parseJournal(bytes, labelHash);
          const named = result.breaks[0]?.record ?? result.tornTail?.record;
          assert.equal(named, record, JSON.stringify({ offset, mask, breaks: result.breaks, tornTail: result.tornTail }));
          assert.deepEqual(
            result.records.map((r) => r.seq),
            journal.spans.filter((s) => s.seq < record).map((s) => s.seq),
          );

          // Salvage loses only the damaged record (and the next, when the flip joined their lines).
          const salvaged = parseJournal(bytes, labelHash, { salvage: true });
          const kept = new Set(salvaged.records.map((r) => r.seq));
          const damaged = journal.spans[record - 1];
          const joinedNext = damaged !== undefined && offset === damaged.start + damaged.length;
          for (const s of journal.spans) {
            if (s.seq === record || (joinedNext && s.seq === record + 1)) assert.ok(!kept.has(s.seq));
            else assert.ok(kept.has(s.seq), `salvage lost record ${s.seq} (flip in record ${record})`);
          }
          for (const r of salvaged.records) assert.deepStrictEqual(r.event, envelopes[r.seq - 1]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('reads any truncation as the records wholly before the cut, plus a torn tail when the cut is mid-line', () => {
    fc.assert(
      fc.property(fc.array(envelopeArb, { maxLength: 6 }), fc.nat(), (envelopes, where) => {
        const journal = buildJournal(envelopes, labelHash);
        const cut = where % (journal.bytes.length + 1);
        const result = parseJournal(journal.bytes.subarray(0, cut), labelHash);
        const whole = journal.spans.filter((s) => s.start + s.length <= cut);
        assert.deepEqual(
          result.records.map((r) => r.seq),
          whole.map((s) => s.seq),
        );
        assert.deepEqual(result.breaks, []);
        const midLine = journal.spans.find((s) => cut > s.start && cut < s.start + s.length);
        assert.deepEqual(
          result.tornTail,
          midLine === undefined ? undefined : { record: midLine.seq, line: midLine.seq, byteOffset: midLine.start, length: cut - midLine.start },
        );
        assert.equal(result.unterminated, journal.spans.some((s) => cut === s.start + s.length));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws or hangs on arbitrary bytes, alone or after valid records, with or without salvage', () => {
    const prefix = buildJournal(makeEnvelopes(3), labelHash).bytes;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), fc.boolean(), (noise, afterRecords, salvage) => {
        const bytes = Buffer.concat([afterRecords ? prefix : Buffer.alloc(0), Buffer.from(noise)]);
        const result = parseJournal(bytes, labelHash, { salvage });
        assert.ok(result.head.seq >= 0);
      }),
      { numRuns: RUNS },
    );
  });
});
