import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sandbox, stoppedIn, waitFor, type CliResult, type Sandbox } from '../support/cli';

const TAPE = '000616L7';

/** A failure is one line on stderr (after any notices), never a stack trace nor an "internal error". */
const assertOneLineError = (result: CliResult, pattern: RegExp): void => {
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at |SqliteError:/, result.stderr);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0] ?? '', pattern);
};

const tmpfs = (dir: string, size: string): boolean => {
  fs.mkdirSync(dir, { recursive: true });
  return process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
};

/** Fills the file system of `dir` until it refuses (ENOSPC). */
const fill = (dir: string): void => {
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024));
  } catch {
    // Full.
  } finally {
    fs.closeSync(fd);
  }
};

/** Every failure is one line (issue 15 §7), here the ones that used to escape as a stack trace. */
describe('every failure is one line', () => {
  let box: Sandbox;
  let mount: string;
  let source: string;
  const mounted: string[] = [];
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(source, `f${String(i).padStart(3, '0')}`), Buffer.alloc(20_000, i));
  });
  afterEach(() => {
    for (const dir of mounted.splice(0)) spawnSync('umount', [dir]);
    box.cleanup();
  });

  /** A backup frozen after its first closed segment while `act` changes the world, then let go. */
  const backupAfter = async (act: () => void, env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const run = box.ltoAsync(['backup', TAPE, source, '--mount', mount, '--segment-size', '100KiB'], { LTO_STOP_AT: 'after-segment-recorded', ...env });
    try {
      let job: number | undefined;
      await waitFor('the backup to stop after its first segment', () => (job = stoppedIn(run.pid)) !== undefined);
      act();
      process.kill(job ?? 0, 'SIGCONT');
      return await run.done;
    } finally {
      run.kill();
    }
  };

  it('the catalog database locked by another process past the wait: one line, exit 5; the next command closes the job', async () => {
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const other = new Database(path.join(box.home, 'catalog.db'));
    try {
      const result = await backupAfter(() => other.exec('BEGIN IMMEDIATE'), { LTO_DB_BUSY_MS: '300' });
      assert.equal(result.status, 5, result.stderr);
      assertOneLineError(result, /^error: the catalog database stayed locked by another lto process past the wait \(SQLITE_BUSY\)/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'lock')), false, 'the tape lock is released');
    const jobs = box.json<{ jobs: { type: string; status: string }[] }>(['jobs', '--tape', TAPE]).jobs;
    assert.equal(jobs.find((j) => j.type === 'BACKUP')?.status, 'INTERRUPTED');
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('the catalog disk full mid-job (SQLITE_FULL): one line, exit 5; once there is room the job is closed and the catalog checks', async (t) => {
    if (process.getuid?.() !== 0 || !tmpfs(box.home, '3m')) return t.skip('needs root on Linux to mount a small tmpfs as LTO_HOME');
    mounted.push(box.home);
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const result = await backupAfter(() => fill(box.home));
    assert.equal(result.status, 5, result.stderr);
    assertOneLineError(result, /^error: (the disk holding the catalog database is full \(SQLITE_FULL\)|cannot use the catalog database .*full)/);
    fs.rmSync(path.join(box.home, 'filler'));
    assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'lock')), false, 'the tape lock is released');
    const jobs = box.json<{ jobs: { type: string; status: string }[] }>(['jobs', '--tape', TAPE]).jobs;
    assert.equal(jobs.find((j) => j.type === 'BACKUP')?.status, 'INTERRUPTED');
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('the tape turned read-only mid-job: one line naming the tape, never ENOTDIR of the lock', async (t) => {
    if (process.getuid?.() !== 0 || !tmpfs(mount, '16m')) return t.skip('needs root on Linux to mount a tmpfs it can turn read-only');
    mounted.push(mount);
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const result = await backupAfter(() => assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount]).status, 0));
    assert.notEqual(result.status, 0);
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at |ENOTDIR|scandir/, result.stderr);
    assert.match(result.stderr, /EROFS/);
    spawnSync('mount', ['-o', 'remount,rw', mount]);
    // The lock the read-only tape kept names a process that is gone: the next backup breaks it with a notice.
    const next = box.lto(['backup', TAPE, source, '--mount', mount, '--incremental']);
    assert.equal(next.status, 0, next.stderr);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });

  it('refuses an empty --exclude in one line, usage exit code', () => {
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const result = box.lto(['backup', TAPE, source, '--mount', mount, '--exclude', '']);
    assert.equal(result.status, 2, result.stderr);
    assertOneLineError(result, /^error: --exclude "": expected a glob/);
    assert.equal(fs.readdirSync(path.join(mount, 'LTO-ARCHIVE')).includes('jobs'), false, 'nothing was written');
  });

  it('backs up a source that is a symlink to a folder as that folder, under the given path, and says so', () => {
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const link = path.join(box.root, 'link-to-source');
    fs.symlinkSync(source, link);
    const result = box.lto(['backup', TAPE, link, '--mount', mount, '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`source ${link} is a symlink to ${source}: backing up ${source}'s contents under ${link}`));
    assert.equal(JSON.parse(result.stdout).files, 200);
    const out = path.join(box.root, 'out');
    assert.equal(box.lto(['restore', TAPE, '--mount', mount, '--to', out]).status, 0);
    const restored = path.join(out, link);
    assert.ok(fs.lstatSync(restored).isDirectory(), 'restored as a real folder');
    assert.equal(fs.readdirSync(restored).length, 200);
    assert.deepEqual(fs.readFileSync(path.join(restored, 'f007')), fs.readFileSync(path.join(source, 'f007')));
  });
});
