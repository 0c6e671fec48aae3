import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { seededBytes } from '../support/seeded';
import { readTapeJournal } from '../support/tape-checks';
import { treeFacts } from '../support/trees';

const TAPES = ['000101L5', '000102L5', '000103L5'] as const;
const KiB = 1024;

interface Part {
  readonly part: number;
  readonly tape: string;
  readonly job: string;
}
interface BackupJson {
  readonly status: string;
  readonly reason: string | null;
  readonly job: string;
  readonly files: number;
  readonly parts: readonly Part[];
}
interface Extent {
  readonly tape: string;
  readonly job: string;
  readonly segment: number;
  readonly offset: number;
  readonly path: string;
  readonly size: number;
  readonly extent: { readonly offset: number; readonly fileSize: number };
}

/** A tree of 5.6 MiB: too much for two 2.5 MiB tapes, with a file of 2.5 MiB that no tape can take whole once the others are in. */
const makeSource = (root: string): void => {
  fs.mkdirSync(path.join(root, 'photos', '2019'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty'));
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(root, 'photos', '2019', `img-${i}.dng`), seededBytes(500 * KiB, i + 1));
  fs.writeFileSync(path.join(root, 'photos', 'film.mov'), seededBytes(2560 * KiB, 99));
  fs.writeFileSync(path.join(root, 'notes.txt'), 'the last file\n');
  fs.symlinkSync('photos/film.mov', path.join(root, 'latest'));
  fs.chmodSync(path.join(root, 'notes.txt'), 0o600);
  fs.utimesSync(path.join(root, 'photos', 'film.mov'), new Date('2019-06-01T12:00:00Z'), new Date('2019-06-01T12:00:00.123456Z'));
};

/** Every piece of a split file the journals of `mounts` record. */
const extentsOn = (mounts: readonly string[]): Extent[] =>
  mounts.flatMap((mount, i) =>
    readTapeJournal(mount).records.flatMap((r) => {
      const data = r.event.data as { job: string; segment: number; entries?: { path: string; size: number; offset: number; extent?: { offset: number; fileSize: number } }[] };
      if (r.event.type !== 'FilesArchived') return [];
      return (data.entries ?? []).flatMap((e) =>
        e.extent === undefined ? [] : [{ tape: TAPES[i] ?? '', job: data.job, segment: data.segment, offset: e.offset, path: e.path, size: e.size, extent: e.extent }],
      );
    }),
  );

/**
 * A backup bigger than one tape (issue "Real LTFS" §6): three folder-backed tapes of
 * 2.5 MiB each (`tape add --capacity`), `backup --span` with one `--mount` per tape.
 */
describe('a backup that spans three tapes', () => {
  let box: Sandbox;
  let src: string;
  let mounts: string[];
  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    makeSource(src);
    mounts = TAPES.map((t) => box.mountPoint(t));
    TAPES.forEach((tape, i) => {
      const added = box.lto(['tape', 'add', tape, '--mount', mounts[i]!, '--capacity', '2.5MiB']);
      assert.equal(added.status, 0, added.stderr);
    });
  });
  afterEach(() => box.cleanup());

  const backup = (): BackupJson => {
    const r = box.lto(['backup', TAPES[0], src, '--span', ...mounts.flatMap((m) => ['--mount', m]), '--segment-size', '1MiB', '--json']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as BackupJson;
  };

  it('writes a part on each tape, splits the file that does not fit, and restores the whole tree from the three', () => {
    const job = backup();
    assert.equal(job.status, 'SUCCESS');
    assert.deepEqual(job.parts.map((p) => p.tape), [...TAPES]);
    assert.equal(job.files, 8, 'a split file counts once');

    // Each tape's journal says which part it holds and names the parts before it; each full tape names the next.
    const starts = mounts.map((m) => readTapeJournal(m).records.find((r) => r.event.type === 'JobStarted' && (r.event.data as { type: string }).type === 'BACKUP'));
    starts.forEach((start, i) => {
      const span = (start?.event.data as { span?: { id: string; part: number; previous: { tape: string }[] } }).span;
      assert.equal(span?.id, job.parts[0]!.job);
      assert.equal(span?.part, i + 1);
      assert.deepEqual(span?.previous.map((p) => p.tape), TAPES.slice(0, i));
    });
    for (const [i, mount] of mounts.slice(0, 2).entries()) {
      const end = readTapeJournal(mount).records.find((r) => r.event.type === 'JobCompleted' && r.event.stream === `job-${job.parts[i]!.job}`);
      assert.deepEqual((end?.event.data as { next?: unknown }).next, { tape: TAPES[i + 1], job: job.parts[i + 1]!.job });
    }

    // The film is split: its pieces, on two tapes, cover it exactly.
    const film = extentsOn(mounts).filter((e) => e.path.endsWith('/film.mov')).sort((a, b) => a.extent.offset - b.extent.offset);
    assert.ok(film.length >= 2, `film.mov should be split, pieces: ${JSON.stringify(film)}`);
    assert.ok(new Set(film.map((e) => e.tape)).size >= 2);
    let covered = 0;
    for (const piece of film) {
      assert.equal(piece.extent.offset, covered);
      covered += piece.size;
    }
    assert.equal(covered, 2560 * KiB);
    // Each segment holding a piece names the format feature, so a reader that lacks it refuses the job.
    for (const piece of film) {
      const closed = readTapeJournal(mounts[(TAPES as readonly string[]).indexOf(piece.tape)]!).records.find(
        (r) => r.event.type === 'SegmentClosed' && (r.event.data as { job: string; segment: number }).job === piece.job && (r.event.data as { segment: number }).segment === piece.segment,
      );
      assert.deepEqual((closed?.event.data as { features?: string[] }).features, ['split-files']);
    }

    const to = path.join(box.root, 'restored');
    const restored = box.lto(['restore', TAPES[1], '--to', to, '--job', job.parts[1]!.job, '--json']);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual((JSON.parse(restored.stdout) as { tapes: string[] }).tapes, [...TAPES]);
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));

    // One file alone, from the middle of the job, still comes whole from its two tapes.
    const one = path.join(box.root, 'one');
    assert.equal(box.lto(['restore', TAPES[0], '--to', one, '--path', '**/film.mov']).status, 0);
    assert.ok(fs.readFileSync(path.join(one, src, 'photos', 'film.mov')).equals(fs.readFileSync(path.join(src, 'photos', 'film.mov'))));

    // Browsing a tape that holds a piece shows the whole file's size, and what of it is here.
    const holder = film[0]!;
    const listed = box.json<{ entries: { name: string; bytes: number; piece: { offset: number; length: number } | null }[] }>(['browse', holder.tape, path.join(src, 'photos'), '--json']).entries;
    assert.deepEqual(listed.find((e) => e.name === 'film.mov'), { ...listed.find((e) => e.name === 'film.mov'), bytes: 2560 * KiB, piece: { offset: 0, length: holder.size } });

    const checked = box.lto(['catalog', 'check']);
    assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    const jobs = box.json<{ jobs: { job: string; span: { job: string; part: number } | null }[] }>(['jobs', '--json']).jobs;
    assert.deepEqual(
      job.parts.map((p) => jobs.find((j) => j.job === p.job)?.span),
      job.parts.map((p) => ({ job: job.parts[0]!.job, part: p.part })),
    );

    const verified = box.lto(['verify', TAPES[0], '--job', job.parts[0]!.job, '--json']);
    assert.equal(verified.status, 0, verified.stderr);
    assert.deepEqual((JSON.parse(verified.stdout) as { span: { tape: string; verdict: string }[] }).span.map((r) => [r.tape, r.verdict]), TAPES.map((t) => [t, 'PASSED']));
  });

  it('GNU tar alone gets the split file back: its pieces are named apart and join in offset order', () => {
    backup();
    const out = path.join(box.root, 'by-tar');
    fs.mkdirSync(out);
    for (const mount of mounts) {
      const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
      for (const job of fs.readdirSync(jobs)) {
        for (const segment of fs.readdirSync(path.join(jobs, job))) execFileSync('tar', ['-xf', path.join(jobs, job, segment), '-C', out]);
      }
    }
    const folder = path.join(out, src, 'photos');
    const pieces = fs.readdirSync(folder).filter((n) => n.startsWith('film.mov.lto-extent-'));
    assert.ok(pieces.length >= 2);
    assert.ok(!fs.existsSync(path.join(folder, 'film.mov')), 'no piece passes for the whole file');
    const joined = Buffer.concat(
      pieces.sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop())).map((n) => fs.readFileSync(path.join(folder, n))),
    );
    assert.ok(joined.equals(fs.readFileSync(path.join(src, 'photos', 'film.mov'))));
  });

  it('recovers each tape alone: its part, and the names of the tapes holding the others', () => {
    const job = backup();
    const alone = (i: number) => ({ ...process.env, LTO_HOME: path.join(box.root, `alone-${i}`) });
    for (const [i, mount] of mounts.entries()) {
      const r = box.lto(['recover', '--mount', mount, '--json'], alone(i));
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { tapes: { spans: { part: number; span: { parts: { part: number; tape: string; recorded: boolean }[] } }[] }[] };
      const span = report.tapes[0]!.spans[0]!;
      assert.equal(span.part, i + 1);
      const named = span.span.parts.map((p) => p.tape);
      // Every part before it, itself, and the next (the one its end names).
      assert.deepEqual(named, TAPES.slice(0, Math.min(i + 2, TAPES.length)));
      assert.deepEqual(span.span.parts.filter((p) => p.recorded).map((p) => p.tape), [TAPES[i]]);
    }

    // From the middle tape alone: its own files come back, the rest is reported by tape, and nothing half-written stays.
    const to = path.join(box.root, 'from-b');
    const partial = box.lto(['restore', TAPES[1], '--to', to, '--json'], alone(1));
    assert.equal(partial.status, 1);
    const report = JSON.parse(partial.stdout) as { problems: { path: string; kind: string; reason: string }[] };
    assert.ok(report.problems.some((p) => p.kind === 'missing' && p.path.includes(TAPES[0])), JSON.stringify(report.problems));
    for (const p of report.problems.filter((q) => q.path.endsWith('film.mov'))) assert.equal(p.kind, 'missing');
    assert.ok(!fs.existsSync(path.join(to, src, 'photos', 'film.mov')), 'a file missing pieces is not left half-written');

    // The three recovered into one catalog restore the whole job again.
    for (const mount of mounts) assert.equal(box.lto(['recover', '--mount', mount], alone(9)).status, 0);
    const whole = path.join(box.root, 'whole');
    const restored = box.lto(['restore', TAPES[2], '--to', whole, '--job', job.parts[2]!.job], alone(9));
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(treeFacts(path.join(whole, src)), treeFacts(src));
  });

  it('a damaged piece is reported and the file is not left half right, while the other files restore', () => {
    backup();
    const film = extentsOn(mounts).filter((e) => e.path.endsWith('/film.mov')).sort((a, b) => a.extent.offset - b.extent.offset);
    const second = film[1]!;
    const segment = path.join(mounts[TAPES.indexOf(second.tape as (typeof TAPES)[number])]!, 'LTO-ARCHIVE', 'jobs', second.job, `${second.segment}.tar`);
    fs.chmodSync(segment, 0o644);
    const fd = fs.openSync(segment, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, second.offset + 100);
    byte[0] = byte[0]! ^ 0xff;
    fs.writeSync(fd, byte, 0, 1, second.offset + 100);
    fs.closeSync(fd);

    const to = path.join(box.root, 'damaged');
    const r = box.lto(['restore', TAPES[0], '--to', to, '--json']);
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout) as { problems: { path: string; kind: string }[]; restored: { files: number } };
    assert.deepEqual(report.problems.map((p) => [p.path.endsWith('/film.mov'), p.kind]), [[true, 'corrupted']]);
    assert.equal(fs.existsSync(path.join(to, src, 'photos', 'film.mov')), false);
    assert.equal(report.restored.files, 7);
    const verified = box.lto(['verify', second.tape]);
    assert.equal(verified.status, 4, verified.stdout + verified.stderr);
    assert.match(verified.stderr, /CORRUPTED .*film\.mov/);
  });

  it('a split file already there is compared piece by piece: equal is kept, a difference is reported; --overwrite with a damaged piece keeps the good copy', () => {
    backup();
    const to = path.join(box.root, 'again');
    assert.equal(box.lto(['restore', TAPES[0], '--to', to]).status, 0);
    const mine = path.join(to, src, 'photos', 'film.mov');
    type Report = { status: string; skipped: number; differs: number; restored: { files: number }; problems: { path: string; kind: string; reason: string }[] };
    const restore = (...args: string[]): { status: number | null; report: Report } => {
      const r = box.lto(['restore', TAPES[0], '--to', to, '--json', ...args]);
      return { status: r.status, report: JSON.parse(r.stdout) as Report };
    };

    const equal = restore();
    assert.equal(equal.status, 0);
    assert.deepEqual([equal.report.restored.files, equal.report.skipped, equal.report.differs], [0, 9, 0], 'the 8 files and the link are already there');

    const film = extentsOn(mounts).filter((e) => e.path.endsWith('/film.mov')).sort((a, b) => a.extent.offset - b.extent.offset);
    const second = film[1]!;
    const fd = fs.openSync(mine, 'r+');
    fs.writeSync(fd, Buffer.from('x'), 0, 1, second.extent.offset + 100);
    fs.closeSync(fd);
    const differs = restore();
    assert.equal(differs.status, 0);
    assert.deepEqual(differs.report.problems.filter((p) => p.kind === 'differs').map((p) => [path.basename(p.path), p.reason]), [['film.mov', "same size, other content (SHA-256 differs from the tape's)"]]);
    assert.equal(differs.report.skipped, 8);

    fs.copyFileSync(path.join(src, 'photos', 'film.mov'), mine);
    const inode = fs.statSync(mine).ino;
    const segment = path.join(mounts[TAPES.indexOf(second.tape as (typeof TAPES)[number])]!, 'LTO-ARCHIVE', 'jobs', second.job, `${second.segment}.tar`);
    fs.chmodSync(segment, 0o644);
    const bytes = fs.readFileSync(segment);
    bytes[second.offset + 100]! ^= 0xff;
    fs.writeFileSync(segment, bytes);
    const damaged = restore('--overwrite');
    assert.equal(damaged.status, 1);
    assert.deepEqual(damaged.report.problems.map((p) => [path.basename(p.path), p.kind]), [['film.mov', 'corrupted']]);
    assert.equal(damaged.report.restored.files, 7);
    assert.equal(fs.statSync(mine).ino, inode, 'the good copy is the same file');
    assert.deepEqual(fs.readFileSync(mine), fs.readFileSync(path.join(src, 'photos', 'film.mov')));
    assert.deepEqual(fs.readdirSync(path.join(to, src, 'photos')).filter((n) => n.includes('.lto-part-')), []);
  });

  it('refuses a next tape that is not registered, or already holds a part, before writing to it', () => {
    const stranger = box.mountPoint('stranger');
    const other = sandbox();
    try {
      assert.equal(other.lto(['tape', 'add', '000199L5', '--mount', stranger]).status, 0);
    } finally {
      other.cleanup();
    }
    const notRegistered = box.lto(['backup', TAPES[0], src, '--span', '--mount', mounts[0]!, '--mount', stranger]);
    assert.notEqual(notRegistered.status, 0);
    assert.match(notRegistered.stderr, /000199L5 cannot take the next part of this job: it is not in the catalog/);
    assert.equal(fs.existsSync(path.join(stranger, 'LTO-ARCHIVE', 'jobs')), false);
    // The part on the first tape is ended, not left running: FAILED, with the reason.
    const [first] = box.json<{ jobs: { status: string; reason: string; type: string }[] }>(['jobs', '--tape', TAPES[0]!]).jobs.filter((j) => j.type === 'BACKUP');
    assert.equal(first?.status, 'FAILED');
    assert.match(first?.reason ?? '', /000199L5 cannot take the next part/);

    const again = box.lto(['backup', TAPES[1], src, '--span', '--mount', mounts[1]!, '--mount', mounts[1]!]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /already holds a part of this job/);
  });

  it('without a next tape (no more --mount, no terminal) the job fails cleanly: what is on the first tape stays restorable', () => {
    const r = box.lto(['backup', TAPES[0], src, '--span', '--mount', mounts[0]!, '--json']);
    assert.equal(r.status, 1);
    const job = JSON.parse(r.stdout) as BackupJson;
    assert.equal(job.status, 'FAILED');
    assert.match(job.reason ?? '', /no next tape/);
    const to = path.join(box.root, 'first-only');
    const restored = box.lto(['restore', TAPES[0], '--to', to, '--json']);
    assert.equal(restored.status, 0, restored.stderr);
    assert.ok((JSON.parse(restored.stdout) as { restored: { files: number } }).restored.files > 0);
  });

  it('without --span, a job bigger than the tape is refused before anything is written', () => {
    const r = box.lto(['backup', TAPES[0], src, '--mount', mounts[0]!]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /not enough room on 000101L5/);
    const several = box.lto(['backup', TAPES[0], src, '--mount', mounts[0]!, '--mount', mounts[1]!]);
    assert.notEqual(several.status, 0);
    assert.match(several.stderr, /--mount/);
  });
});
