import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isStopped, sandbox, waitFor, type Sandbox } from '../support/cli';
import { archivedFiles, readTapeJournal, sha256File } from '../support/tape-checks';

const TAPE = '000900L5';
const KiB = 1024;

interface JobJson {
  readonly job: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string | null;
}

/**
 * A tape that fills up while a backup writes (issue 7 §2): the tape is a 16 MiB tmpfs;
 * the backup is frozen (LTO_STOP_AT) after its first closed segment, the file system is
 * filled behind its back, and the backup goes on. Needs root on Linux (mount).
 */
describe('a tape that fills up during a backup', () => {
  let box: Sandbox;
  let mount: string;
  let mounted = false;
  let earlier: string;
  let big: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('small-tape');
    mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount]).status === 0;
    earlier = path.join(box.root, 'earlier');
    big = path.join(box.root, 'big');
    for (const [dir, count] of [[earlier, 3], [big, 12]] as const) {
      fs.mkdirSync(dir);
      for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `f${i}.bin`), Buffer.alloc(600 * KiB, i + 1));
    }
  });
  afterEach(() => {
    if (mounted) spawnSync('umount', [mount]);
    box.cleanup();
  });

  const reserveBytes = () => Math.ceil(fs.statfsSync(mount).blocks * fs.statfsSync(mount).bsize * 0.05);
  const freeBytes = () => fs.statfsSync(mount).bavail * fs.statfsSync(mount).bsize;

  /** The backup of `big`, frozen after its first closed segment while `fill` eats the free space, then let go. */
  const backupWhileFilling = async (leaveFree: () => number) => {
    const run = box.ltoAsync(['backup', TAPE, big, '--segment-size', '1MiB', '--json'], { LTO_STOP_AT: 'after-segment-recorded' });
    const lock = path.join(mount, 'LTO-ARCHIVE', 'lock');
    let pid = 0;
    try {
      await waitFor('the backup to stop after its first segment', () => {
        pid = fs.existsSync(lock) ? JSON.parse(fs.readFileSync(lock, 'utf8')).pid : 0;
        return pid > 0 && isStopped(pid);
      });
      const filler = path.join(mount, 'filler');
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes() - leaveFree())));
      process.kill(pid, 'SIGCONT');
      return { ...(await run.done), filler };
    } finally {
      run.kill();
    }
  };

  const checkEarlierJobIntact = (job: JobJson) => {
    const records = readTapeJournal(mount).records;
    const to = path.join(box.root, `restore-${job.job}`);
    const restored = box.lto(['restore', TAPE, '--job', job.job, '--to', to, '--path', `${earlier}/**`]);
    assert.equal(restored.status, 0, restored.stderr);
    for (const file of archivedFiles(records, job.job)) assert.equal(sha256File(path.join(to, file)), sha256File(file));
  };

  it('stops before the reserve: the open segment is closed, the job fails cleanly, the journal and earlier jobs are intact', async (t) => {
    if (!mounted) return t.skip('needs root on Linux to mount a small tmpfs');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    assert.equal(box.lto(['backup', TAPE, earlier]).status, 0);
    const [first] = box.json<{ jobs: JobJson[] }>(['jobs']).jobs.filter((j) => j.type === 'BACKUP');
    assert.ok(first);

    // Leave the reserve and 300 KiB: less than the next 600 KiB file.
    const result = await backupWhileFilling(() => reserveBytes() + 300 * KiB);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.status, 'FAILED');
    assert.match(report.reason, /the tape is full: .* stopped before writing into it/);
    assert.ok(freeBytes() >= reserveBytes() - 64 * KiB, `the reserve holds (${freeBytes()} free, reserve ${reserveBytes()})`);

    const journal = readTapeJournal(mount);
    assert.deepEqual([journal.breaks, journal.tornTail], [[], undefined], 'the journal stays valid');
    const job = box.json<{ jobs: JobJson[] }>(['jobs']).jobs.find((j) => j.job === report.job);
    assert.equal(job?.status, 'FAILED');
    assert.ok(journal.records.some((r) => r.event.type === 'JobFailed' && r.event.stream === `job-${report.job}`), 'the failure is on the tape');
    const kept = archivedFiles(journal.records, report.job);
    assert.ok(kept.length >= 2, 'what was closed is kept');
    const to = path.join(box.root, 'restore-failed');
    assert.equal(box.lto(['restore', TAPE, '--job', report.job, '--to', to, '--path', `${big}/**`]).status, 0);
    for (const file of kept) assert.equal(sha256File(path.join(to, file)), sha256File(file));
    checkEarlierJobIntact(first);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('when something else ate the reserve too: the job stops at once, the journal stays valid, nothing earlier is lost', async (t) => {
    if (!mounted) return t.skip('needs root on Linux to mount a small tmpfs');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    assert.equal(box.lto(['backup', TAPE, earlier]).status, 0);
    const [first] = box.json<{ jobs: JobJson[] }>(['jobs']).jobs.filter((j) => j.type === 'BACKUP');
    assert.ok(first);

    const result = await backupWhileFilling(() => 0);
    assert.equal(result.signal, null);
    assert.notEqual(result.status, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).reason, /the tape is full/, result.stdout);
    const journal = readTapeJournal(mount);
    assert.deepEqual(journal.breaks, [], 'a torn tail at most');
    const jobs = box.json<{ jobs: JobJson[] }>(['jobs']).jobs;
    assert.equal(jobs.filter((j) => j.status === 'RUNNING').length, 0, JSON.stringify(jobs));
    checkEarlierJobIntact(first);

    // Room again (the filler goes): the job's end is on the tape (written, or pending until now).
    fs.rmSync(result.filler);
    const shown = box.lto(['tape', 'show', TAPE]);
    assert.equal(shown.status, 0, shown.stderr);
    const after = readTapeJournal(mount);
    assert.deepEqual(after.breaks, []);
    const crashed = jobs.find((j) => j.type === 'BACKUP' && j.job !== first.job);
    assert.ok(crashed);
    assert.ok(after.records.some((r) => r.event.stream === `job-${crashed.job}` && /JobFailed|JobInterrupted/.test(r.event.type)), JSON.stringify([result, jobs, shown.stderr, after.records.map((r) => r.event.type)]));
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(box.lto(['backup', TAPE, earlier, '--incremental']).status, 0, 'and the tape takes the next backup');
  });

  it('keeps a change pending when the journal append meets ENOSPC, and writes it once there is room (FORMAT.md write order 5)', (t) => {
    if (!mounted) return t.skip('needs root on Linux to mount a small tmpfs');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const filler = path.join(mount, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(freeBytes()));
    const journal = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'));
    // Longer than what is left of the journal's last page: the append needs a new one.
    const described = box.lto(['tape', 'describe', TAPE, 'x'.repeat(20 * KiB)]);
    assert.equal(described.status, 0, described.stderr);
    assert.match(described.stdout, /pending/);
    assert.deepEqual(readTapeJournal(mount).breaks, []);
    assert.ok(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')).subarray(0, journal.length).equals(journal), 'what was there is unchanged');
    fs.rmSync(filler);
    const shown = box.lto(['tape', 'show', TAPE]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stderr, /wrote 1 pending event/);
    assert.equal(readTapeJournal(mount).records.at(-1)?.event.type, 'TapeDescribed');
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });
});
