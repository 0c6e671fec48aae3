import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { treeFacts } from '../support/trees';

const SRC = '000601L8';
const DST = '000602L8';
const THIRD = '000603L8';

interface Place {
  tape: string;
  job: string;
  original: boolean;
}
interface JobJson {
  job: string;
  tape: string;
  type: string;
  status: string;
  files: number;
  copies: Place[];
  copyOf: { tape: string; job: string } | null;
}
interface CopyJson {
  status: string;
  jobs: { original: string; copy: string; status: string; reason: string | null; damaged: { path: string; reason: string }[] }[];
  alreadyCopied: { job: string; copy: string }[];
}

/** A byte of a segment's file data flipped, far from its tar headers: what a bad block on tape does. */
const damageSegment = (file: string, at: number): void => {
  const bytes = fs.readFileSync(file);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  fs.writeFileSync(file, bytes);
};

/** Linux: whether SIGTERM waits, not yet delivered, for the stopped process `pid`. */
const termPending = (pid: number): boolean => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return ['SigPnd', 'ShdPnd'].some((field) => {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
  });
};

const segmentsOf = (mount: string, job: string): string[] => {
  const dir = path.join(mount, 'LTO-ARCHIVE', 'jobs', job);
  return fs.readdirSync(dir).map((name) => path.join(dir, name)).sort();
};

/**
 * `lto copy` (issue 19, item 2) and a catalog that knows every copy (item 3), with the
 * real CLI on folder tapes: a copy, a damaged original restored whole from the copy, a
 * copy tape recovered alone, a copy that meets damage, one that is interrupted.
 */
describe('copies: lto copy, and restore, verify, jobs, browse and search that know every copy', () => {
  let box: Sandbox;
  let source: string;
  let srcMount: string;
  let dstMount: string;
  let full: string;
  let incremental: string;
  const jobs = (): JobJson[] => box.json<{ jobs: JobJson[] }>(['jobs']).jobs;

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'source');
    fs.mkdirSync(path.join(source, 'photos'), { recursive: true });
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(source, 'photos', `p${i}.jpg`), Buffer.alloc(50_000, i + 1));
    fs.writeFileSync(path.join(source, 'notes.txt'), 'first notes');
    srcMount = box.mountPoint('src');
    dstMount = box.mountPoint('dst');
    assert.equal(box.lto(['tape', 'add', SRC, '--mount', srcMount]).status, 0);
    assert.equal(box.lto(['tape', 'add', DST, '--mount', dstMount]).status, 0);
    full = box.json<{ job: string }>(['backup', SRC, source, '--mount', srcMount, '--segment-size', '1MiB']).job;
    fs.writeFileSync(path.join(source, 'notes.txt'), 'second notes');
    fs.rmSync(path.join(source, 'photos', 'p0.jpg'));
    incremental = box.json<{ job: string }>(['backup', SRC, source, '--mount', srcMount, '--incremental']).job;
  });
  after(() => box.cleanup());

  it('copies every job of a tape as COPY jobs of another, each naming its original', () => {
    const copied = box.lto(['copy', SRC, DST, '--mount-src', srcMount, '--mount-dst', dstMount, '--json']);
    assert.equal(copied.status, 0, copied.stderr);
    const report = JSON.parse(copied.stdout) as CopyJson;
    assert.equal(report.status, 'SUCCESS');
    assert.deepEqual(report.jobs.map((j) => [j.original, j.status]), [[full, 'SUCCESS'], [incremental, 'SUCCESS']]);
    const copies = jobs().filter((j) => j.type === 'COPY');
    assert.deepEqual(copies.map((j) => [j.tape, j.copyOf?.job, j.copyOf?.tape]), [[DST, full, SRC], [DST, incremental, SRC]]);
    const original = jobs().find((j) => j.job === full);
    assert.deepEqual(original?.copies.map((c) => [c.tape, c.original]), [[SRC, true], [DST, false]]);
    // The copy's segments are the original's, byte for byte.
    const copyOfFull = report.jobs[0]?.copy ?? '';
    assert.deepEqual(segmentsOf(dstMount, copyOfFull).map((f) => fs.readFileSync(f)), segmentsOf(srcMount, full).map((f) => fs.readFileSync(f)));
    // Asked again, nothing is copied twice.
    const again = box.json<CopyJson>(['copy', SRC, DST, '--mount-src', srcMount, '--mount-dst', dstMount]);
    assert.deepEqual([again.jobs.length, again.alreadyCopied.map((a) => a.job)], [0, [full, incremental]]);
  });

  it('browse and search show how many copies a file has and on which tapes', () => {
    const listing = box.json<{ entries: { name: string; copies: Place[] }[] }>(['browse', SRC, path.join(source, 'photos')]);
    assert.deepEqual(listing.entries[0]?.copies.map((c) => c.tape), [SRC, DST]);
    const found = box.json<{ results: { tape: string; copies: Place[] }[] }>(['search', 'notes.txt']);
    assert.ok(found.results.length >= 2);
    for (const hit of found.results) assert.deepEqual(hit.copies.map((c) => c.tape), [SRC, DST]);
    const table = box.lto(['jobs', '--tape', SRC]);
    assert.match(table.stdout, new RegExp(`2: ${SRC} ${DST}`));
  });

  it('restores exactly from the tape asked for when it is damaged: the files it withholds come from the copy, one line each', () => {
    const [first] = segmentsOf(srcMount, full);
    damageSegment(first ?? '', 200_000);
    const to = path.join(box.root, 'restored');
    const restored = box.lto(['restore', SRC, '--to', to, '--mount', srcMount, '--mount', dstMount, '--json']);
    assert.equal(restored.status, 0, restored.stderr);
    const report = JSON.parse(restored.stdout) as { status: string; fallbacks: { path: string; tape: string }[]; tapes: string[] };
    assert.equal(report.status, 'SUCCESS');
    assert.equal(report.fallbacks.length, 1);
    assert.equal(report.fallbacks[0]?.tape, DST);
    assert.deepEqual(report.tapes, [SRC, DST]);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
    const text = box.lto(['restore', SRC, '--to', path.join(box.root, 'again'), '--mount', srcMount, '--mount', dstMount]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stderr.split('\n').filter((l) => l.startsWith('read from copy ')).length, 1, text.stderr);
  });

  it('verify names, for each damaged file, the copies that still hold it', () => {
    const verify = box.lto(['verify', SRC, '--mount', srcMount, '--json']);
    assert.equal(verify.status, 4, verify.stderr);
    const report = JSON.parse(verify.stdout) as { jobs: { job: string; damaged: { copies: { tape: string }[] }[] }[] };
    const damaged = report.jobs.find((j) => j.job === full)?.damaged ?? [];
    assert.equal(damaged.length, 1);
    assert.deepEqual(damaged[0]?.copies.map((c) => c.tape), [DST]);
    assert.match(box.lto(['verify', SRC, '--mount', srcMount]).stderr, new RegExp(`still held by the copy on ${DST}`));
  });

  it('restores from the copy when the tape asked for is not mounted', () => {
    const to = path.join(box.root, 'from-copy');
    const restored = box.lto(['restore', SRC, '--to', to, '--mount', dstMount, '--json']);
    assert.equal(restored.status, 0, restored.stderr);
    assert.equal((JSON.parse(restored.stdout) as { readFrom: { tape: string } | null }).readFrom?.tape, DST);
    assert.match(restored.stderr, new RegExp(`${SRC} is not mounted: restoring from its copy on ${DST}`));
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('a copy tape recovered alone gives a catalog in which every job knows its original', () => {
    const db = path.join(box.root, 'alone.db');
    const recovered = box.lto(['--db', db, 'recover', '--mount', dstMount]);
    assert.equal(recovered.status, 0, recovered.stderr);
    const alone = box.json<{ jobs: JobJson[] }>(['--db', db, 'jobs']).jobs.filter((j) => j.type === 'COPY');
    assert.deepEqual(alone.map((j) => [j.copyOf?.tape, j.copyOf?.job]), [[SRC, full], [SRC, incremental]]);
    assert.deepEqual(alone[0]?.copies.map((c) => [c.tape, c.job, c.original]), [[SRC, full, true], [DST, alone[0]?.job, false]]);
    const to = path.join(box.root, 'alone');
    assert.equal(box.lto(['--db', db, 'restore', DST, '--to', to, '--mount', dstMount]).status, 0);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('a copy whose source does not match its hashes fails, naming the file; the destination claims no copy', () => {
    const third = box.mountPoint('third');
    assert.equal(box.lto(['tape', 'add', THIRD, '--mount', third]).status, 0);
    const copied = box.lto(['copy', SRC, THIRD, '--mount-src', srcMount, '--mount-dst', third, '--job', full, '--json']);
    assert.equal(copied.status, 1, copied.stderr);
    const report = JSON.parse(copied.stdout) as CopyJson;
    assert.equal(report.status, 'FAILED');
    assert.match(report.jobs[0]?.reason ?? '', /segment 1 of job .* is damaged: 1 file\(s\) do not match their recorded hash: .*p\d+\.jpg/);
    assert.equal(report.jobs[0]?.damaged.length, 1);
    assert.ok(!fs.existsSync(path.join(third, 'LTO-ARCHIVE', 'jobs', report.jobs[0]?.copy ?? '')), 'no segment (nor its folder) of the failed copy is left');
    assert.deepEqual(jobs().find((j) => j.job === full)?.copies.map((c) => c.tape), [SRC, DST]);
    const failed = jobs().find((j) => j.job === report.jobs[0]?.copy);
    assert.equal(failed?.status, 'FAILED');
  });

  it('with one drive, through a staging folder emptied after; an interrupted copy counts as none', async () => {
    const fourth = box.mountPoint('fourth');
    const stage = box.mountPoint('stage');
    assert.equal(box.lto(['tape', 'add', '000604L8', '--mount', fourth]).status, 0);
    const staged = box.lto(['copy', DST, '000604L8', '--mount-src', dstMount, '--mount-dst', fourth, '--stage', stage, '--json']);
    assert.equal(staged.status, 0, staged.stderr);
    assert.equal((JSON.parse(staged.stdout) as CopyJson).jobs.length, 2);
    assert.deepEqual(fs.readdirSync(stage), []);
    assert.deepEqual(jobs().find((j) => j.job === incremental)?.copies.map((c) => c.tape), [SRC, DST, '000604L8']);

    const fifth = box.mountPoint('fifth');
    assert.equal(box.lto(['tape', 'add', '000605L8', '--mount', fifth]).status, 0);
    const run = box.ltoAsync(['copy', DST, '000605L8', '--mount-src', dstMount, '--mount-dst', fifth, '--job', full], { LTO_STOP_AT: 'after-segment-recorded' });
    let frozen: number | undefined;
    await waitFor('the copy to stop after its first segment', () => (frozen = stoppedIn(run.pid)) !== undefined);
    process.kill(run.pid, 'SIGTERM');
    await waitFor('SIGTERM to be forwarded to the copy', () => termPending(frozen ?? 0));
    process.kill(frozen ?? 0, 'SIGCONT');
    const done = await run.done;
    assert.equal(done.status, 143, done.stderr);
    const cut = jobs().find((j) => j.tape === '000605L8' && j.type === 'COPY');
    assert.equal(cut?.status, 'INTERRUPTED');
    assert.ok(!(jobs().find((j) => j.job === full)?.copies ?? []).some((c) => c.tape === '000605L8'));
  });

  it('refuses what it cannot copy in one line: an encrypted tape, a tape onto itself', () => {
    const secret = box.mountPoint('secret');
    assert.equal(box.lto(['tape', 'add', '000606L8', '--mount', secret, '--encrypt', 'passphrase'], { LTO_NEW_PASSPHRASE: 'pass phrase', LTO_PASSPHRASE: 'pass phrase' }).status, 0);
    for (const [from, to] of [[SRC, '000606L8'], [SRC, SRC]] as const) {
      const refused = box.lto(['copy', from, to, '--mount-src', srcMount]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /^error: cannot copy .*; nothing was written\n$/);
    }
  });
});
