import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { JobRecorder } from '../../application/job-recorder';
import { JobId } from '../../domain/ids';
import { TapeId } from '../../domain/tape-id';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { testApp, type TestApp } from '../support/app';
import { sandbox, type Sandbox } from '../support/cli';

interface Entry {
  readonly path: string;
  readonly type: string;
  readonly piece: { offset: number; length: number } | null;
}
interface Job {
  readonly job: string;
  readonly type: string;
  readonly status: string;
  readonly startedAt: string;
  readonly sources: string[] | null;
}

const TAPE = '000050L8';

/** Every path below `root` (itself included), as a recursive browse should list them. */
const treePaths = (root: string): string[] => [
  root,
  ...fs.readdirSync(root, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? treePaths(path.join(root, d.name)) : [path.join(root, d.name)])),
];

/**
 * Browse and jobs as a user reads them (issue 16 §5): browsing is not a job, a folder
 * that is not on the tape is an error, `--recursive` lists the whole tree, the second
 * tape of a span shows its roots, and `lto jobs` filters and shows a backup's sources.
 * A catalog written before, with Browse jobs in it, still reads and hides them.
 */
describe('browse and jobs as a user reads them (real CLI)', () => {
  let t: TestApp;
  let box: Sandbox;
  let db: string;
  let mount: string;
  let src: string;
  const lto = (args: readonly string[]) => box.lto(['--db', db, ...args]);
  const json = <T>(args: readonly string[]): T => box.json<T>(['--db', db, ...args]);
  const jobs = (...args: string[]) => json<{ jobs: Job[] }>(['jobs', ...args]).jobs;

  before(async () => {
    // A catalog as an earlier version left it: a tape and a Browse job recorded locally (as every browse was).
    t = await testApp();
    db = path.join(t.root, 'catalog.db');
    mount = t.mountPoint('tape');
    const tape = TapeId.decode(TAPE);
    const job = JobId.decode(newUuidV7());
    assert.ok(E.isRight(tape) && E.isRight(job));
    assert.ok(E.isRight(await addTape(t.app, { barcode: TAPE, mount, description: '', generation: undefined })));
    const recorder = new JobRecorder(t.app, tape.right, job.right, undefined, true);
    assert.ok(E.isRight(await recorder.record({ type: 'StartJob', job: job.right, tape: tape.right, jobType: 'BROWSE', encrypted: false, host: 'old-host' }, { pid: 1 })));
    assert.ok(E.isRight(await recorder.record({ type: 'CompleteJob', job: job.right, totals: { files: 3, bytesRead: 0, bytesWritten: 0, warnings: 0 } })));

    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'photos', '2019'), { recursive: true });
    fs.writeFileSync(path.join(src, 'photos', '2019', 'a.jpg'), 'a');
    fs.writeFileSync(path.join(src, 'photos', 'b.jpg'), 'bb');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes');
    const first = lto(['backup', TAPE, src, '--mount', mount]);
    assert.equal(first.status, 0, first.stderr);
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes, changed');
    const again = lto(['backup', TAPE, src, '--mount', mount, '--incremental']);
    assert.equal(again.status, 0, again.stderr);
  });
  after(() => {
    box.cleanup();
    t.close();
  });

  it('an old catalog with a Browse job still reads; lto jobs leaves it out', () => {
    assert.equal(lto(['catalog', 'check']).status, 0);
    assert.deepEqual(jobs().map((j) => j.type), ['ADD_TAPE', 'BACKUP', 'BACKUP']);
    assert.equal(lto(['tape', 'history', TAPE]).status, 0);
  });

  it('browsing records nothing: no job, no event', () => {
    const before = { jobs: jobs().length, events: json<{ events: unknown[] }>(['tape', 'history', TAPE]).events.length };
    assert.equal(lto(['browse', TAPE]).status, 0);
    assert.equal(lto(['browse', TAPE, src, '--recursive']).status, 0);
    assert.deepEqual({ jobs: jobs().length, events: json<{ events: unknown[] }>(['tape', 'history', TAPE]).events.length }, before);
  });

  it('a folder that is not on the tape is an error: one line, exit 2', () => {
    const missing = lto(['browse', TAPE, path.join(src, 'nowhere')]);
    assert.equal(missing.status, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^error: there is no folder .*nowhere on 000050L8 as of job \w{8}: see `lto browse 000050L8`/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.equal(lto(['browse', TAPE, path.join(src, 'notes.txt')]).status, 2, 'a file is not a folder');
  });

  it('--recursive lists the whole tree, each folder followed by its contents', () => {
    const listed = json<{ entries: Entry[] }>(['browse', TAPE, '--recursive']).entries;
    assert.deepEqual(listed.map((e) => e.path).sort(), treePaths(src).sort());
    const photos = listed.findIndex((e) => e.path === path.join(src, 'photos'));
    assert.equal(listed[photos + 1]!.path, path.join(src, 'photos', '2019'), 'depth first, names in order');
    const below = json<{ entries: Entry[] }>(['browse', TAPE, path.join(src, 'photos'), '-R']).entries.map((e) => e.path);
    assert.deepEqual(below, ['2019', '2019/a.jpg', 'b.jpg'].map((p) => path.join(src, 'photos', p)));
    const table = lto(['browse', TAPE, src, '--recursive']);
    assert.match(table.stdout, new RegExp(`${path.join(src, 'photos', '2019', 'a.jpg')}`));
  });

  it('lto jobs filters by type, status, start and count, and shows what each backup backed up', () => {
    const backups = jobs('--type', 'backup');
    assert.deepEqual(backups.map((j) => j.type), ['BACKUP', 'BACKUP']);
    assert.deepEqual(backups.map((j) => j.sources), [[src], [src]]);
    assert.deepEqual(jobs('--type', 'add-tape').map((j) => j.sources), [null]);
    assert.equal(jobs('--status', 'failed').length, 0);
    assert.equal(jobs('--status', 'SUCCESS').length, 3);
    const newest = jobs('--limit', '1');
    assert.deepEqual(newest.map((j) => j.job), [backups[1]!.job], 'the newest one');
    // The tape was added by the test app, whose clock stands at 2026-11-26: more than a day ago.
    assert.deepEqual(jobs('--since', '1d').map((j) => j.type), ['BACKUP', 'BACKUP']);
    assert.equal(jobs('--since', '2026-11-26').length, 3);
    assert.equal(jobs('--since', '2999-01-01').length, 0);
    assert.equal(jobs('--since', backups[1]!.startedAt).length, 1);
    const table = lto(['jobs', '--type', 'backup']);
    assert.match(table.stdout, /SOURCES/);
    assert.match(table.stdout, new RegExp(`BACKUP FULL .*${src}`));
    for (const [option, value] of [['--type', 'browse'], ['--status', 'done'], ['--since', 'last week'], ['--limit', '0']] as const) {
      const bad = lto(['jobs', option, value]);
      assert.equal(bad.status, 2, `${option} ${value}`);
      assert.match(bad.stderr, new RegExp(`^error: ${option} "${value}": expected`));
    }
  });
});

/** Every file below `root`, relative to it, sorted. */
const filesBelow = (root: string): string[] =>
  fs.existsSync(root) ? treePaths(root).filter((p) => fs.statSync(p).isFile()).map((p) => path.relative(root, p)).sort() : [];

describe('restore --only-written (real CLI)', () => {
  let box: Sandbox;
  before(() => (box = sandbox()));
  after(() => box.cleanup());

  it('restores just what a job wrote: the files an incremental found new or changed', () => {
    const mount = box.mountPoint('tape');
    const src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'photos'), { recursive: true });
    fs.writeFileSync(path.join(src, 'photos', 'a.jpg'), 'a');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes');
    assert.equal(box.lto(['tape', 'add', '000070L8', '--mount', mount]).status, 0);
    assert.equal(box.lto(['backup', '000070L8', src, '--mount', mount]).status, 0);
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes, changed');
    fs.writeFileSync(path.join(src, 'photos', 'new.jpg'), 'new');
    const incremental = box.json<{ job: string }>(['backup', '000070L8', src, '--mount', mount, '--incremental']);
    const only = path.join(box.root, 'only');
    const planned = box.json<{ selected: { files: number } }>(['restore', '000070L8', '--job', incremental.job, '--only-written', '--to', only, '--dry-run', '--mount', mount]);
    assert.equal(planned.selected.files, 2);
    const restored = box.lto(['restore', '000070L8', '--job', incremental.job, '--only-written', '--to', only, '--mount', mount]);
    assert.equal(restored.status, 0, restored.stderr);
    const at = (root: string) => path.join(root, src);
    assert.deepEqual(filesBelow(at(only)), ['notes.txt', 'photos/new.jpg']);
    assert.equal(fs.readFileSync(path.join(at(only), 'notes.txt'), 'utf8'), 'notes, changed');
    const whole = path.join(box.root, 'whole');
    assert.equal(box.lto(['restore', '000070L8', '--job', incremental.job, '--to', whole, '--mount', mount]).status, 0);
    assert.deepEqual(filesBelow(at(whole)), ['notes.txt', 'photos/a.jpg', 'photos/new.jpg'], 'without it: the whole tree as of the job');
    const unchanged = box.json<{ job: string }>(['backup', '000070L8', src, '--mount', mount, '--incremental']);
    const none = box.lto(['restore', '000070L8', '--job', unchanged.job, '--only-written', '--to', path.join(box.root, 'none'), '--mount', mount]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^error: nothing on 000070L8 matches \(what job .* wrote\)/);
  });
});

/** A backup that spans two small tapes: the second holds no source folder itself, only files below it. */
describe('browse of a later part of a span (real CLI)', () => {
  let box: Sandbox;
  before(() => (box = sandbox()));
  after(() => box.cleanup());

  it('shows the roots that tape holds', () => {
    const src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'photos', '2019'), { recursive: true });
    // Bytes that do not compress: 8 x 500 KB do not fit on one 2.5 MiB tape.
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(src, 'photos', '2019', `img-${i}.dng`), Buffer.from(Array.from({ length: 500_000 }, (_, n) => (n * 7919 + i * 104729) % 251)));
    const mounts = ['000061L8', '000062L8'].map((tape) => {
      const m = box.mountPoint(tape);
      assert.equal(box.lto(['tape', 'add', tape, '--mount', m, '--capacity', '2.5MiB']).status, 0);
      return m;
    });
    const backup = box.json<{ parts: { tape: string }[] }>(['backup', '000061L8', src, '--span', ...mounts.flatMap((m) => ['--mount', m]), '--segment-size', '1MiB']);
    assert.deepEqual(backup.parts.map((p) => p.tape), ['000061L8', '000062L8']);
    const second = box.json<{ entries: Entry[] }>(['browse', '000062L8']).entries;
    assert.ok(second.length > 0, 'the second tape has roots');
    assert.ok(second.every((e) => e.path.startsWith(path.join(src, 'photos', '2019'))), JSON.stringify(second));
    assert.deepEqual(box.json<{ entries: Entry[] }>(['browse', '000061L8']).entries.map((e) => e.path), [src]);
    const both = [...box.json<{ entries: Entry[] }>(['browse', '000061L8', '-R']).entries, ...second]
      .filter((e) => e.type === 'file' && (e.piece === null || e.piece.offset === 0))
      .map((e) => path.basename(e.path));
    assert.deepEqual([...new Set(both)].sort(), fs.readdirSync(path.join(src, 'photos', '2019')).sort(), 'every file starts on one of the two tapes');
  });
});
