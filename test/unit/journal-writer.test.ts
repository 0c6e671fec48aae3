import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { appendToJournal, readJournal, sha256Hex, type JournalHead, type JournalReadResult } from '../../infrastructure/journal';
import { writeVolumeLabel, type VolumeLabelFile } from '../../infrastructure/tape/volume-label-file';
import { TAPE, makeEnvelope, makeEnvelopes, sampleLabel, tempDir } from '../support/events';

const right = <L, A>(either: E.Either<L, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/** A labelled folder standing for a tape: LTO-ARCHIVE/volume.json and the journal path. */
const withTape = (test: (tape: { archive: string; journal: string; label: VolumeLabelFile }) => void): void => {
  const { dir, cleanup } = tempDir();
  try {
    const archive = path.join(dir, 'LTO-ARCHIVE');
    const label = right(writeVolumeLabel(archive, sampleLabel()));
    test({ archive, journal: path.join(archive, 'journal.ndjson'), label });
  } finally {
    cleanup();
  }
};

const read = (journal: string, label: VolumeLabelFile): JournalReadResult => right(readJournal(journal, label.bytes));
const start = (label: VolumeLabelFile): JournalHead => ({ seq: 0, hash: label.hash });

describe('journal writer', () => {
  it('creates the journal and chains record 1 to the bytes of volume.json', () => {
    withTape(({ journal, label }) => {
      const appended = right(appendToJournal(journal, start(label), makeEnvelopes(3)));
      assert.deepEqual(appended.seqs, [1, 2, 3]);
      const result = read(journal, label);
      assert.deepStrictEqual(
        result.records.map((r) => r.event),
        makeEnvelopes(3),
      );
      assert.deepEqual(result.head, appended.head);
      assert.equal(result.complete, true);
      const text = fs.readFileSync(journal, 'latin1');
      assert.ok(text.startsWith(`{"seq":1,"prev":"${label.hash}","event":{"id":`));
      assert.ok(text.endsWith('"}\n'));
    });
  });

  it('continues the seqs and the chain over several appends', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), [makeEnvelope(1)]));
      const second = right(appendToJournal(journal, first.head, [makeEnvelope(2), makeEnvelope(3)]));
      assert.deepEqual(second.seqs, [2, 3]);
      assert.deepEqual(read(journal, label).records.map((r) => r.seq), [1, 2, 3]);
    });
  });

  it('appends nothing and touches nothing for no envelopes', () => {
    withTape(({ journal, label }) => {
      const appended = right(appendToJournal(journal, start(label), []));
      assert.deepEqual([appended.seqs, appended.head], [[], start(label)]);
      assert.equal(fs.existsSync(journal), false);
    });
  });

  it('heals a torn tail: writes a LF first, and the file then reads complete with the tear reported as healed', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), makeEnvelopes(2)));
      const size = fs.statSync(journal).size;
      fs.appendFileSync(journal, '{"seq":3,"prev":"ab'); // a crash in the middle of an append
      const torn = read(journal, label);
      assert.deepEqual(torn.tornTail, { record: 3, line: 3, byteOffset: size, length: 19 });
      assert.deepEqual(torn.head, first.head);

      const healed = right(appendToJournal(journal, torn.head, [makeEnvelope(3)]));
      assert.deepEqual(healed.seqs, [3]);
      assert.equal(fs.readFileSync(journal, 'latin1').slice(size, size + 21), '{"seq":3,"prev":"ab\n{');
      const after = read(journal, label);
      assert.deepEqual(after.records.map((r) => r.seq), [1, 2, 3]);
      assert.equal(after.complete, true);
      assert.deepEqual(after.breaks, []);
      assert.equal(after.tornTail, undefined);
      assert.deepEqual(after.healedTears, [{ record: 3, line: 3, byteOffset: size, length: 19, lines: 1 }]);
    });
  });

  it('gives a complete last record without LF its LF before appending', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), makeEnvelopes(2)));
      fs.truncateSync(journal, fs.statSync(journal).size - 1);
      const before = read(journal, label);
      assert.equal(before.unterminated, true);
      right(appendToJournal(journal, first.head, [makeEnvelope(3)]));
      const after = read(journal, label);
      assert.deepEqual(after.records.map((r) => r.seq), [1, 2, 3]);
      assert.deepEqual([after.healedTears, after.breaks, after.unterminated], [[], [], false]);
    });
  });

  it('refuses a stale head: the journal grew since it was read', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), [makeEnvelope(1)]));
      const second = right(appendToJournal(journal, first.head, [makeEnvelope(2)]));
      const size = fs.statSync(journal).size;
      const stale = appendToJournal(journal, first.head, [makeEnvelope(3)]);
      assert.deepEqual(stale, E.left({ _tag: 'JournalHeadMismatch', path: journal, expected: first.head, found: second.head }));
      assert.equal(fs.statSync(journal).size, size, 'nothing was written');
    });
  });

  it('with the head line\'s length known (an LTFS contact), still refuses a stale head and still heals a torn tail', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), makeEnvelopes(2)));
      const second = right(appendToJournal(journal, first.head, [makeEnvelope(3)], first.headLength));
      const size = fs.statSync(journal).size;
      // Appended by someone else since first.head: its last line is another record, whatever its length.
      const stale = appendToJournal(journal, first.head, [makeEnvelope(4)], first.headLength);
      assert.deepEqual(stale, E.left({ _tag: 'JournalHeadMismatch', path: journal, expected: first.head, found: second.head }));
      assert.equal(fs.statSync(journal).size, size, 'nothing was written');
      fs.appendFileSync(journal, '{"seq":4,"prev":"ab'); // a torn append after the head
      const healed = right(appendToJournal(journal, second.head, [makeEnvelope(4)], second.headLength));
      assert.deepEqual(healed.seqs, [4]);
      assert.deepEqual(read(journal, label).records.map((r) => r.seq), [1, 2, 3, 4]);
    });
  });

  it('refuses to start a journal that has records from seq 0, and to continue an empty one', () => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), [makeEnvelope(1)]));
      const again = appendToJournal(journal, start(label), [makeEnvelope(2)]);
      assert.deepEqual(again, E.left({ _tag: 'JournalHeadMismatch', path: journal, expected: start(label), found: first.head }));
      fs.writeFileSync(journal, '');
      const onEmpty = appendToJournal(journal, first.head, [makeEnvelope(2)]);
      assert.deepEqual(onEmpty, E.left({ _tag: 'JournalHeadMismatch', path: journal, expected: first.head, found: undefined }));
    });
  });

  it('appends after a damaged last record from the record before it, which then reads as a healed tear', () => {
    withTape(({ journal, label }) => {
      right(appendToJournal(journal, start(label), makeEnvelopes(3)));
      const bytes = fs.readFileSync(journal);
      bytes[bytes.length - 100] = 0x01 ^ (bytes[bytes.length - 100] ?? 0);
      fs.writeFileSync(journal, bytes);
      const salvaged = right(readJournal(journal, label.bytes, { salvage: true }));
      assert.deepEqual([salvaged.breaks[0]?.kind, salvaged.breaks[0]?.record, salvaged.head.seq], ['checksum', 3, 2]);
      right(appendToJournal(journal, salvaged.head, [makeEnvelope(3)]));
      const after = read(journal, label);
      assert.deepEqual(after.records.map((r) => r.seq), [1, 2, 3]);
      assert.deepEqual(after.healedTears.map((h) => h.record), [3]);
    });
  });

  it('refuses an envelope that cannot be written so that it reads back, writing nothing', () => {
    withTape(({ journal, label }) => {
      const bad = makeEnvelope(2, { data: { size: 10n } });
      const result = appendToJournal(journal, start(label), [makeEnvelope(1), bad]);
      assert.equal(result._tag, 'Left');
      if (result._tag === 'Left') {
        assert.equal(result.left._tag, 'JournalEventInvalid');
        if (result.left._tag === 'JournalEventInvalid') assert.equal(result.left.index, 1);
      }
      assert.equal(fs.existsSync(journal), false);
    });
  });

  it('gives a read-only error for a write-protected journal (immutable file) and leaves it as it was', (t) => {
    withTape(({ journal, label }) => {
      const first = right(appendToJournal(journal, start(label), [makeEnvelope(1)]));
      const before = fs.readFileSync(journal);
      try {
        execFileSync('chattr', ['+i', journal], { stdio: 'pipe' });
      } catch (error) {
        t.skip(`chattr +i is not available here: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      try {
        const result = appendToJournal(journal, first.head, [makeEnvelope(2)]);
        assert.equal(result._tag, 'Left');
        if (result._tag === 'Left' && result.left._tag === 'JournalWriteFailed') {
          assert.equal(result.left.readOnly, true);
          assert.equal(result.left.full, false);
          assert.equal(result.left.op, 'open');
          assert.equal(result.left.code, 'EPERM');
        } else {
          assert.fail(`expected JournalWriteFailed, got ${JSON.stringify(result)}`);
        }
      } finally {
        execFileSync('chattr', ['-i', journal]);
      }
      assert.deepEqual(fs.readFileSync(journal), before);
      assert.equal(sha256Hex(fs.readFileSync(journal)), sha256Hex(before));
    });
  });

  it('an append that fails part-way (a full tape) is cut back to where it started: no torn record of its own', (t) => {
    const { dir, cleanup } = tempDir();
    const mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]).status === 0;
    try {
      if (!mounted) return t.skip('needs root on Linux to mount a small tmpfs');
      const archive = path.join(dir, 'LTO-ARCHIVE');
      const label = right(writeVolumeLabel(archive, sampleLabel()));
      const journal = path.join(archive, 'journal.ndjson');
      const first = right(appendToJournal(journal, start(label), makeEnvelopes(3)));
      const before = fs.readFileSync(journal);
      // 400 records of ~1 KiB: more than the tmpfs holds, so the write stops part-way with ENOSPC.
      const big = Array.from({ length: 400 }, (_, i) => makeEnvelope(4 + i, { data: { tape: TAPE, description: 'x'.repeat(1000) } }));
      const failed = appendToJournal(journal, first.head, big);
      assert.ok(E.isLeft(failed) && failed.left._tag === 'JournalWriteFailed' && failed.left.full, JSON.stringify(failed));
      assert.deepEqual(fs.readFileSync(journal), before);
      const next = right(appendToJournal(journal, first.head, [makeEnvelope(4)]));
      assert.deepEqual(next.seqs, [4]);
      const result = read(journal, label);
      assert.equal(result.records.length, 4);
      assert.equal(result.tornTail, undefined);
      assert.equal(result.healedTears.length, 0);
    } finally {
      if (mounted) spawnSync('umount', [dir]);
      cleanup();
    }
  });
});
