import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { readTapeJournal } from '../support/tape-checks';

const TAPE = '000120L8';
const MiB = 1024 * 1024;
const BIG = 50 * MiB;
/** The temporary name a restore writes a file under (infrastructure/restore/part-file.ts). */
const PART = /^\.(.+)\.lto-part-[0-9a-f]{8}$/;

interface Report {
  readonly status: string;
  readonly restored: { readonly files: number };
  readonly skipped: number;
  readonly differs: number;
  readonly problems: readonly { readonly path: string; readonly kind: string; readonly reason: string }[];
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every name below `dir` that is a restore's temporary file. */
const partsUnder = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => PART.test(d.name))
    .map((d) => path.join(d.parentPath, d.name));

/**
 * Issue 15 part 1, "Restore is atomic per file", through the real CLI: a file is only
 * ever under its final name whole and checked; a crash leaves temporary files that the
 * next restore removes; --overwrite never gives up a good file for a bad tape copy;
 * "already there" means equal.
 */
describe('restore is atomic per file', () => {
  let box: Sandbox;
  let source: string;
  let mount: string;
  const big = (): string => path.join(source, 'big', 'large.bin');
  const small = (): string => path.join(source, 'notes', 'alpha.txt');

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'source');
    fs.mkdirSync(path.join(source, 'big'), { recursive: true });
    fs.mkdirSync(path.join(source, 'notes'));
    fs.writeFileSync(big(), randomBytes(BIG));
    fs.writeFileSync(small(), 'alpha: the first small file\n');
    // A whole second, so a test can give another file exactly the tape's time (Node sets times to the microsecond at best).
    fs.utimesSync(small(), 1_600_000_000, 1_600_000_000);
    fs.writeFileSync(path.join(source, 'notes', 'bravo.txt'), 'bravo: the second small file\n');
    fs.writeFileSync(path.join(source, 'notes', 'charlie.txt'), 'charlie\n');
    mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const backup = box.lto(['backup', TAPE, source, '--json']);
    assert.equal(backup.status, 0, backup.stderr);
  });
  after(() => box.cleanup());

  const restore = (to: string, ...args: string[]): { status: number | null; stderr: string; report: Report } => {
    const r = box.lto(['restore', TAPE, '--to', to, '--json', ...args]);
    return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) as Report };
  };

  /** Starts a restore that stops (SIGSTOP) while the large file is half copied, waits for that, and returns it. */
  const stoppedMidLargeFile = async (to: string, ...args: string[]) => {
    // Chunk reads 1-3 start at once; the 5th starts only once chunk 2 is written.
    const run = box.ltoAsync(['restore', TAPE, '--to', to, ...args], { LTO_STOP_AT: 'restore-chunk#5' });
    await waitFor('the restore to stop mid-way through the large file', () => stoppedIn(run.pid) !== undefined, 60_000);
    return run;
  };

  it('SIGKILLed mid-way through a 50 MB file: only a temporary file is left, and the next restore removes it and completes byte-exact', async () => {
    const to = path.join(box.root, 'crashed');
    const bigDir = path.join(to, source, 'big');
    const run = await stoppedMidLargeFile(to);
    try {
      const names = fs.readdirSync(bigDir);
      assert.equal(names.length, 1, `only the temporary file: ${names.join(', ')}`);
      assert.equal(PART.exec(names[0]!)?.[1], 'large.bin');
      const half = fs.statSync(path.join(bigDir, names[0]!)).size;
      assert.ok(half > 0 && half < BIG, `half written: ${half} bytes`);
    } finally {
      run.kill();
    }
    assert.equal((await run.done).signal, 'SIGKILL');
    assert.equal(fs.existsSync(path.join(to, big())), false, 'no partial file under the final name');

    const again = restore(to);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.report.status, 'SUCCESS');
    assert.equal(again.report.differs, 0);
    assert.equal(again.report.restored.files + again.report.skipped, 4);
    assert.equal(sha256(path.join(to, big())), sha256(big()));
    for (const name of ['alpha.txt', 'bravo.txt', 'charlie.txt']) assert.equal(sha256(path.join(to, source, 'notes', name)), sha256(path.join(source, 'notes', name)));
    assert.deepEqual(partsUnder(to), []);
  });

  it('SIGKILLed while --overwrite replaces a file: the file on disk is as it was, and the next --overwrite replaces it', async () => {
    const to = path.join(box.root, 'overwritten');
    assert.equal(restore(to).status, 0);
    const mine = path.join(to, big());
    fs.writeFileSync(mine, 'my own version\n');
    const inode = fs.statSync(mine).ino;
    const run = await stoppedMidLargeFile(to, '--overwrite', '--path', '**/large.bin');
    run.kill();
    await run.done;
    assert.equal(fs.readFileSync(mine, 'utf8'), 'my own version\n');
    assert.equal(fs.statSync(mine).ino, inode, 'not even replaced by a copy');
    assert.equal(partsUnder(to).length, 1);

    const again = restore(to, '--overwrite', '--path', '**/large.bin');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.report.restored.files, 1);
    assert.equal(sha256(mine), sha256(big()));
    assert.deepEqual(partsUnder(to), []);
  });

  it('"already there" means equal: a differing file is kept, reported "kept, differs" and counted apart; --quick trusts size and time', () => {
    const to = path.join(box.root, 'differs');
    assert.equal(restore(to).status, 0);
    const alpha = path.join(to, small());
    const bravo = path.join(to, source, 'notes', 'bravo.txt');
    // Same size and time as the tape's, other content: only the hash tells.
    fs.writeFileSync(alpha, 'ALPHA: THE FIRST SMALL FILE\n');
    fs.utimesSync(alpha, 1_600_000_000, 1_600_000_000);
    fs.writeFileSync(bravo, 'bravo, edited and longer than on tape\n');

    const human = box.lto(['restore', TAPE, '--to', to]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stderr, /2 already there and equal to the tape: kept as they were/);
    assert.match(human.stderr, /2 already there but different from the tape: kept as they were \(--overwrite replaces them\)/);
    assert.match(human.stderr, /kept, differs .*alpha\.txt: same size, other content \(SHA-256 differs from the tape's\)/);
    assert.match(human.stderr, /kept, differs .*bravo\.txt: 38 bytes on disk, 29 on tape/);

    const json = restore(to);
    assert.equal(json.status, 0);
    assert.equal(json.report.status, 'SUCCESS');
    assert.equal(json.report.restored.files, 0);
    assert.equal(json.report.skipped, 2);
    assert.equal(json.report.differs, 2);
    assert.deepEqual(json.report.problems.filter((p) => p.kind === 'differs').map((p) => path.basename(p.path)).sort(), ['alpha.txt', 'bravo.txt']);
    assert.equal(fs.readFileSync(alpha, 'utf8'), 'ALPHA: THE FIRST SMALL FILE\n', 'kept');

    const quick = restore(to, '--quick');
    assert.equal(quick.report.skipped, 3, 'alpha has the size and time of the tape: --quick takes it as equal');
    assert.equal(quick.report.differs, 1);

    const replaced = restore(to, '--overwrite');
    assert.equal(replaced.status, 0);
    assert.equal(replaced.report.differs, 0);
    assert.equal(sha256(alpha), sha256(small()));
    assert.deepEqual(partsUnder(to), []);
  });

  describe('--overwrite with a flipped byte in the segment on tape', () => {
    const flipped: { segment: string; at: number }[] = [];
    const flip = ({ segment, at }: { segment: string; at: number }): void => {
      const fd = fs.openSync(segment, 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0x01;
      fs.writeSync(fd, byte, 0, 1, at);
      fs.closeSync(fd);
    };
    before(() => {
      const entries = readTapeJournal(mount).records.flatMap((r) => {
        const data = r.event.data as { job: string; segment: number; entries?: { path: string; offset: number; size: number }[] };
        return r.event.type === 'FilesArchived' ? (data.entries ?? []).map((e) => ({ ...e, job: data.job, segment: data.segment })) : [];
      });
      for (const file of [big(), small()]) {
        const entry = entries.find((e) => e.path === file);
        assert.ok(entry, file);
        const segment = path.join(mount, 'LTO-ARCHIVE', 'jobs', entry.job, `${entry.segment}.tar`);
        fs.chmodSync(segment, 0o644);
        flipped.push({ segment, at: entry.offset + Math.floor(entry.size / 2) });
      }
      flipped.forEach(flip);
    });
    after(() => flipped.forEach(flip));

    it("leaves the user's good copies untouched, reports the files corrupted and exits non-zero", () => {
      const to = path.join(box.root, 'good-copies');
      fs.mkdirSync(path.join(to, source, 'big'), { recursive: true });
      fs.mkdirSync(path.join(to, source, 'notes'));
      fs.copyFileSync(big(), path.join(to, big()));
      fs.copyFileSync(small(), path.join(to, small()));
      const before = [big(), small()].map((f) => ({ sha: sha256(path.join(to, f)), ino: fs.statSync(path.join(to, f)).ino }));

      const r = restore(to, '--overwrite');
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.report.status, 'FAILED');
      assert.deepEqual(r.report.problems.map((p) => [path.basename(p.path), p.kind]).sort(), [['alpha.txt', 'corrupted'], ['large.bin', 'corrupted']]);
      assert.deepEqual(
        [big(), small()].map((f) => ({ sha: sha256(path.join(to, f)), ino: fs.statSync(path.join(to, f)).ino })),
        before,
        'the good copies are the very same files, unchanged',
      );
      assert.equal(sha256(path.join(to, big())), sha256(big()));
      assert.equal(r.report.restored.files, 2, 'the two undamaged files are written');
      assert.deepEqual(partsUnder(to), []);
    });
  });
});
