import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { processTree, sandbox, stoppedIn, waitFor, type CliResult, type Sandbox } from '../support/cli';
import { readTapeJournal } from '../support/tape-checks';

const TAPE = '000515L7';
const FILES = 300;
const SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;
const NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Linux: whether `signal` waits, not yet delivered, for the stopped process `pid`. */
const pending = (pid: number, signal: string): boolean => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const bit = 1n << BigInt((NUMBERS[signal] ?? 0) - 1);
  return ['SigPnd', 'ShdPnd'].some((field) => {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & bit) !== 0n;
  });
};

const alive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
};

/**
 * A signal stops the job (issue 15 §5). bin/lto.js runs long jobs in a child; the
 * signal goes to the parent (the `lto` a person or a service manager sees), the job is
 * frozen at a named point (LTO_STOP_AT) until the signal has reached it, then let go.
 */
describe('a signal stops the job cleanly', { skip: process.platform !== 'linux' }, () => {
  let box: Sandbox;
  let mount: string;
  let source: string;
  let lock: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(source, `f${String(i).padStart(3, '0')}`), Buffer.alloc(20_000, i));
    lock = path.join(mount, 'LTO-ARCHIVE', 'lock');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
  });
  afterEach(() => box.cleanup());

  /** Starts `args` frozen at `point`, sends `signal` to the parent `lto`, waits for it to reach the job, lets the job go on. */
  const signalled = async (args: readonly string[], point: string, signal: string): Promise<{ done: CliResult; tree: number[] }> => {
    const run = box.ltoAsync(args, { LTO_STOP_AT: point });
    try {
      let job: number | undefined;
      await waitFor(`the job to stop at ${point}`, () => (job = stoppedIn(run.pid)) !== undefined);
      const frozen = job ?? 0;
      const tree = processTree(run.pid);
      assert.ok(tree.length >= 2 && frozen !== run.pid, 'the job runs in a child of the lto process');
      process.kill(run.pid, signal);
      // SIGKILL ends the parent itself: the job sees its IPC channel close once it runs again.
      if (signal !== 'SIGKILL') await waitFor(`${signal} to be forwarded to the job`, () => pending(frozen, signal));
      else await waitFor('the parent to end', () => !alive(run.pid));
      process.kill(frozen, 'SIGCONT');
      // `done` comes once every process holding the output pipes has ended: the child too.
      return { done: await run.done, tree };
    } finally {
      run.kill();
    }
  };

  const backupJob = () => box.json<{ jobs: { type: string; status: string; reason: string | null; job: string }[] }>(['jobs']).jobs.find((j) => j.type === 'BACKUP');

  for (const [signal, exit] of SIGNALS) {
    it(`${signal} to lto during a backup: closed segments kept, job INTERRUPTED naming ${signal}, lock released, no process left, exit ${exit}`, async () => {
      const { done, tree } = await signalled(['backup', TAPE, source, '--mount', mount, '--segment-size', '100KiB'], 'after-segment-recorded', signal);
      assert.equal(done.status, exit, done.stderr);
      assert.match(done.stderr, new RegExp(`stopped by ${signal}`));
      assert.doesNotMatch(done.stderr, /internal error|\n\s+at /);
      assert.equal(tree.filter(alive).length, 0, 'no process of the tree is left');
      assert.equal(fs.existsSync(lock), false, 'the lock is released');
      const job = backupJob();
      assert.equal(job?.status, 'INTERRUPTED');
      assert.equal(job?.reason, `stopped by ${signal}`);
      const journal = readTapeJournal(mount);
      assert.deepEqual(journal.breaks, []);
      assert.ok(journal.records.some((r) => r.event.type === 'JobInterrupted'), 'the end is on the tape too');
      // What was closed restores exactly; the rest was never recorded.
      const out = path.join(box.root, 'out');
      const restored = box.lto(['restore', TAPE, '--mount', mount, '--to', out, '--job', job?.job ?? '']);
      assert.equal(restored.status, 0, restored.stderr);
      const files = fs.readdirSync(path.join(out, source));
      assert.ok(files.length > 0 && files.length < FILES, `${files.length} files restored`);
      for (const f of files) assert.deepEqual(fs.readFileSync(path.join(out, source, f)), fs.readFileSync(path.join(source, f)));
      assert.equal(box.lto(['verify', TAPE, '--mount', mount]).status, 0);
      assert.equal(box.lto(['backup', TAPE, source, '--mount', mount, '--incremental']).status, 0, 'the tape takes the next backup');
      assert.equal(box.lto(['catalog', 'check']).status, 0);
    });
  }

  it('SIGKILL of lto during a backup: the job does not outlive it, it stops as on SIGTERM and releases the lock', async () => {
    const { done, tree } = await signalled(['backup', TAPE, source, '--mount', mount, '--segment-size', '100KiB'], 'after-segment-recorded', 'SIGKILL');
    assert.equal(done.signal, 'SIGKILL');
    assert.equal(tree.filter(alive).length, 0, 'the child ended too');
    assert.equal(fs.existsSync(lock), false, 'the lock is released');
    const job = backupJob();
    assert.equal(job?.status, 'INTERRUPTED');
    // The kernel hangs up a stopped process whose group lost its leader, so either cause may be the first heard.
    assert.match(job?.reason ?? '', /^stopped(: the lto process that started it ended| by SIGHUP)$/);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('SIGTERM to lto during a restore: the files begun are finished, the job INTERRUPTED, exit 143', async () => {
    // Small segments: the restore reads one window of a segment at a time, and stops between them.
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount, '--segment-size', '100KiB']).status, 0);
    const out = path.join(box.root, 'out');
    const { done, tree } = await signalled(['restore', TAPE, '--mount', mount, '--to', out, '--json'], 'restore-entry#20', 'SIGTERM');
    assert.equal(done.status, 143, done.stderr);
    const report = JSON.parse(done.stdout);
    assert.equal(report.status, 'INTERRUPTED');
    assert.ok(report.restored.files < FILES, `${report.restored.files} restored`);
    assert.equal(tree.filter(alive).length, 0);
    assert.equal(fs.existsSync(lock), false);
    const restore = box.json<{ jobs: { type: string; status: string; reason: string }[] }>(['jobs']).jobs.find((j) => j.type === 'RESTORE');
    assert.deepEqual([restore?.status, restore?.reason], ['INTERRUPTED', 'stopped by SIGTERM']);
    // Every file that is there is whole: none is left half-written.
    const files = fs.readdirSync(path.join(out, source));
    for (const f of files) assert.deepEqual(fs.readFileSync(path.join(out, source, f)), fs.readFileSync(path.join(source, f)));
  });

  it('SIGINT to lto during a verify: the job INTERRUPTED, exit 130', async () => {
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount, '--segment-size', '100KiB']).status, 0);
    const { done, tree } = await signalled(['verify', TAPE, '--mount', mount, '--json'], 'segment-verified#2', 'SIGINT');
    assert.equal(done.status, 130, done.stderr);
    assert.equal(JSON.parse(done.stdout).verdict, 'INTERRUPTED');
    assert.equal(tree.filter(alive).length, 0);
    assert.equal(fs.existsSync(lock), false);
    const verify = box.json<{ jobs: { type: string; status: string; reason: string }[] }>(['jobs']).jobs.find((j) => j.type === 'VERIFY');
    assert.deepEqual([verify?.status, verify?.reason], ['INTERRUPTED', 'stopped by SIGINT']);
  });
});
