import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalLines, refused, sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { seededBytes } from '../support/seeded';

const OLD = '000801L6';
const OFFSITE = '000811L8';
const NEW = ['000821L9', '000822L9'] as const;
const OLDER = '000831L5';
const SMALL = '000832L9';
const CUT = '000823L9';
const KiB = 1024;

interface JobJson {
  job: string;
  tape: string;
  type: string;
  status: string;
  copyOf: { tape: string; job: string } | null;
}
interface MigrateJson {
  from: string;
  to: string[];
  status: string;
  copies: { from: string; to: string; jobs: { original: string; copy: string; status: string }[] }[];
  alreadyCopied: number;
  verified: number;
  notMigrated: { job: string; reason: string }[];
  migrated: boolean;
  pending: boolean;
}
interface ReportJson {
  unreadable: { tape: string; generation: string; readBy: number[] }[];
}

/** Linux: whether SIGTERM waits, not yet delivered, for the stopped process `pid`. */
const termPending = (pid: number): boolean => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return ['SigPnd', 'ShdPnd'].some((field) => {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
  });
};

/**
 * Issue 19, items 5 and 6, with the real CLI on folder tapes: a set on LTO-6 cartridges
 * (which no drive made now reads) copied off site, migrated to LTO-9 cartridges, each
 * copy read back against the original's hashes, then retired.
 */
describe('migration: lto migrate onto newer tapes, then lto tape retire', () => {
  let box: Sandbox;
  let src: string;
  const mounts: Record<string, string> = {};
  const mountArgs = (): string[] => Object.values(mounts).flatMap((m) => ['--mount', m]);
  const jobs = (db?: string): JobJson[] => box.json<{ jobs: JobJson[] }>([...(db === undefined ? [] : ['--db', db]), 'jobs']).jobs;
  const add = (tape: string, capacity: string, set?: string): void => {
    mounts[tape] = box.mountPoint(tape);
    const added = box.lto(['tape', 'add', tape, '--mount', mounts[tape]!, '--capacity', capacity, ...(set === undefined ? [] : ['--set', set])]);
    assert.equal(added.status, 0, added.stderr);
  };
  const write = (name: string, seed: number): void => fs.writeFileSync(path.join(src, name), seededBytes(200 * KiB, seed));
  const backup = (): void => {
    const r = box.lto(['backup', '--set', 'photos', src, '--mount', mounts[OLD]!]);
    assert.equal(r.status, 0, r.stderr);
  };

  before(() => {
    box = sandbox();
    src = box.mountPoint('src');
    assert.equal(box.lto(['set', 'create', 'photos', '--copies', '2']).status, 0);
    assert.equal(box.lto(['set', 'create', 'offsite']).status, 0);
    add(OLD, '8MiB', 'photos');
    add(OFFSITE, '8MiB', 'offsite');
    for (const tape of NEW) add(tape, '1MiB');
    add(OLDER, '8MiB');
    add(SMALL, '256KiB');
    for (let i = 1; i <= 3; i++) write(`img-${i}.dng`, i);
    backup();
    for (let i = 4; i <= 6; i++) write(`img-${i}.dng`, i);
    backup();
    write('img-7.dng', 7);
    backup();
    const copied = box.lto(['copy', '--set', 'photos', '--to-set', 'offsite', ...mountArgs()]);
    assert.equal(copied.status, 0, copied.stderr);
  });
  after(() => box.cleanup());

  it('report lists the tapes no drive made now reads (text, --json, HTML)', () => {
    const report = box.json<ReportJson>(['report', '--fail-on', 'never']);
    assert.deepEqual(
      report.unreadable.map((u) => [u.tape, u.generation, u.readBy]),
      [[OLD, 'L6', [6, 7]], [OLDER, 'L5', [5, 6, 7]]],
    );
    assert.match(box.lto(['report', '--fail-on', 'never']).stdout, /! 000801L6 \(LTO-6\): no drive made now \(LTO-9, LTO-10\) reads it; LTO-6 and LTO-7 drives do: migrate it/);
    const html = path.join(box.root, 'report.html');
    assert.equal(box.lto(['report', '--fail-on', 'never', '--html', html]).status, 0);
    assert.match(fs.readFileSync(html, 'utf8'), /data-unreadable="000801L6"/);
  });

  it('refuses a migration it cannot do whole, in one line, writing nothing', () => {
    const before = NEW.map((t) => journalLines(mounts[t]!).length);
    refused(box.lto(['migrate', OLD, '--to', OLDER, ...mountArgs()]), 2, /^error: cannot migrate 000801L6: 000831L5 is LTO-5, older than 000801L6's LTO-6/);
    refused(box.lto(['migrate', OLD, '--to', SMALL, ...mountArgs()]), 2, /^error: cannot migrate 000801L6: tape 000832L9 has no room for job .*name another tape with --to; nothing was written$/);
    refused(box.lto(['migrate', OLD, '--to', OLD]), 2, /a tape cannot be migrated onto itself/);
    refused(box.lto(['migrate', OLD]), 2, /--to/);
    assert.deepEqual(NEW.map((t) => journalLines(mounts[t]!).length), before);
    assert.equal(journalLines(mounts[SMALL]!).length > 0, true);
  });

  it('a tape whose jobs lack their second copy cannot be retired yet', () => {
    const r = box.lto(['tape', 'retire', OLD]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /retiring 000801L6 would leave 3 job\(s\) without the copies their set asks for/);
  });

  it('a migration stopped by SIGTERM does not mark the tape: not every job has its copy', async () => {
    add(CUT, '8MiB');
    const run = box.ltoAsync(['migrate', OLD, '--to', CUT, ...mountArgs()], { LTO_STOP_AT: 'after-segment-recorded' });
    let frozen: number | undefined;
    await waitFor('the migration to stop after its first segment', () => (frozen = stoppedIn(run.pid)) !== undefined);
    process.kill(run.pid, 'SIGTERM');
    await waitFor('SIGTERM to be forwarded', () => termPending(frozen ?? 0));
    process.kill(frozen ?? 0, 'SIGCONT');
    const done = await run.done;
    assert.equal(done.status, 143, done.stderr);
    const cut = jobs().filter((j) => j.tape === CUT && j.type === 'COPY');
    assert.ok(cut.filter((j) => j.status === 'SUCCESS').length < 3, 'stopped before every job was copied');
    assert.equal(box.json<{ tapes: { tape: string; state: string }[] }>(['tape', 'list']).tapes.find((t) => t.tape === OLD)?.state, 'ACTIVE');
    assert.ok(!journalLines(mounts[OLD]!).some((l) => l.includes('TapeMigrated')));
  });

  it('migrates every job onto the newer tapes, filling each in turn, reads each copy back, and marks the tape MIGRATED', () => {
    const originals = jobs().filter((j) => j.tape === OLD && j.type === 'BACKUP').map((j) => j.job);
    const r = box.lto(['migrate', OLD, '--to', ...NEW, ...mountArgs(), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as MigrateJson;
    assert.deepEqual([m.status, m.verified, m.migrated, m.pending, m.notMigrated], ['SUCCESS', 3, true, false, []]);
    assert.deepEqual(
      m.copies.map((c) => [c.to, c.jobs.map((j) => j.original)]),
      [[NEW[0], [originals[0]]], [NEW[1], [originals[1], originals[2]]]],
    );
    const last = JSON.parse(journalLines(mounts[OLD]!).at(-1)!) as { event: { type: string; data: unknown } };
    assert.deepEqual([last.event.type, last.event.data], ['TapeMigrated', { tape: OLD, to: [...NEW], jobs: 3 }]);
    const state = box.json<{ tapes: { tape: string; state: string }[] }>(['tape', 'list']).tapes.find((t) => t.tape === OLD)?.state;
    assert.equal(state, 'MIGRATED');
    assert.deepEqual(box.json<ReportJson>(['report', '--fail-on', 'never']).unreadable.map((u) => u.tape), [OLDER], 'a migrated tape is no longer listed');
    // Again: every job already has its copy there; nothing is written.
    const again = box.json<MigrateJson>(['migrate', OLD, '--to', ...NEW, ...mountArgs()]);
    assert.deepEqual([again.status, again.alreadyCopied, again.copies.length], ['SUCCESS', 3, 0]);
  });

  it('then retires it; the new tapes recovered alone know every original and restore exactly', () => {
    const retired = box.json<{ changed: boolean; lost: unknown[] }>(['tape', 'retire', OLD]);
    assert.deepEqual([retired.changed, retired.lost], [true, []]);
    refused(box.lto(['migrate', OLD, '--to', ...NEW]), 2, /tape 000801L6 is retired/);
    refused(box.lto(['backup', '--set', 'photos', src]), 1, /every tape of set photos is full or retired \(000801L6\): add one/);
    const reported = box.json<{ tapes: { tape: string; state: string }[] }>(['report', '--fail-on', 'never']).tapes.find((t) => t.tape === OLD);
    assert.equal(reported?.state, 'RETIRED');
    assert.match(box.lto(['report', '--fail-on', 'never']).stdout, /000801L6 .*retired/);
    const html = path.join(box.root, 'retired.html');
    assert.equal(box.lto(['report', '--fail-on', 'never', '--html', html]).status, 0);
    assert.match(fs.readFileSync(html, 'utf8'), /data-state="RETIRED"/);
    const originals = jobs().filter((j) => j.tape === OLD && j.type === 'BACKUP').map((j) => [OLD, j.job]);
    const db = path.join(box.root, 'new.db');
    const recovered = box.lto(['--db', db, 'recover', ...NEW.flatMap((t) => ['--mount', mounts[t]!])]);
    assert.equal(recovered.status, 0, recovered.stderr);
    assert.deepEqual(jobs(db).filter((j) => j.type === 'COPY').map((j) => [j.copyOf?.tape, j.copyOf?.job]), originals);
    const to = path.join(box.root, 'restored');
    const r = box.lto(['--db', db, 'restore', NEW[0], '--to', to, '--mount', mounts[NEW[0]]!]);
    assert.equal(r.status, 0, r.stderr);
    for (let i = 1; i <= 3; i++) assert.deepEqual(fs.readFileSync(path.join(to, src, `img-${i}.dng`)), seededBytes(200 * KiB, i));
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});
