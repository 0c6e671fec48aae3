import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isStopped, sandbox, waitFor, type Sandbox } from '../support/cli';
import { readTapeJournal } from '../support/tape-checks';

const TAPE = '000321L7';

describe('one writer per tape: the lock on the tape', { skip: process.platform !== 'linux' }, () => {
  let box: Sandbox;
  let mount: string;
  let source: string;
  let lock: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(source, `f${i}`), Buffer.alloc(20_000, i));
    lock = path.join(mount, 'LTO-ARCHIVE', 'lock');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
  });
  afterEach(() => box.cleanup());

  const holderPid = (): number => JSON.parse(fs.readFileSync(lock, 'utf8')).pid;

  it('refuses a second backup while the first runs, with one line naming the holder, and lets the first finish', async () => {
    const first = box.ltoAsync(['backup', TAPE, source, '--mount', mount, '--json'], { LTO_STOP_AT: 'entry-written' });
    try {
      await waitFor('the first backup to hold the lock and stop mid-segment', () => fs.existsSync(lock) && isStopped(holderPid()));
      const journal = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'));
      const second = box.lto(['backup', TAPE, source, '--mount', mount]);
      assert.equal(second.status, 3, second.stderr);
      const lines = second.stderr.trim().split('\n');
      assert.equal(lines.length, 1, second.stderr);
      assert.match(lines[0] ?? '', new RegExp(`tape ${TAPE} is in use: lto backup \\(pid ${holderPid()} on ${os.hostname()}, since .*\\) holds .*LTO-ARCHIVE/lock; .*--break-lock`));
      assert.deepEqual(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')), journal, 'the second wrote nothing');
      process.kill(holderPid(), 'SIGCONT');
      const done = await first.done;
      assert.equal(done.status, 0, done.stderr);
      assert.equal(JSON.parse(done.stdout).status, 'SUCCESS');
    } finally {
      first.kill();
    }
    assert.equal(fs.existsSync(lock), false, 'the lock is released at the end');
    assert.deepEqual(readTapeJournal(mount).breaks, []);
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount]).status, 0, 'and the tape takes the next backup');
  });

  it('keeps a restore and a verify out while a backup runs: their events would break its journal appends', async () => {
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount]).status, 0);
    fs.writeFileSync(path.join(source, 'changed-meanwhile.bin'), Buffer.alloc(70_000, 9));
    const running = box.ltoAsync(['backup', TAPE, source, '--mount', mount, '--incremental', '--json'], { LTO_STOP_AT: 'entry-written' });
    try {
      await waitFor('the incremental backup to hold the lock and stop', () => fs.existsSync(lock) && isStopped(holderPid()));
      const journal = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'));
      const restore = box.lto(['restore', TAPE, '--mount', mount, '--to', path.join(box.root, 'out')]);
      assert.equal(restore.status, 3, restore.stderr);
      assert.match(restore.stderr, /is in use: lto backup/);
      const verify = box.lto(['verify', TAPE, '--mount', mount]);
      assert.equal(verify.status, 3, verify.stderr);
      assert.deepEqual(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')), journal, 'neither wrote to the journal');
      process.kill(holderPid(), 'SIGCONT');
      const done = await running.done;
      assert.equal(done.status, 0, done.stderr);
    } finally {
      running.kill();
    }
    assert.equal(box.lto(['verify', TAPE, '--mount', mount]).status, 0, 'once it is done, verify runs');
  });

  it('keeps small changes (description, labels) pending while a backup runs, and writes them once it is done', async () => {
    const running = box.ltoAsync(['backup', TAPE, source, '--mount', mount, '--json'], { LTO_STOP_AT: 'entry-written' });
    const journalFile = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    try {
      await waitFor('the backup to hold the lock and stop', () => fs.existsSync(lock) && isStopped(holderPid()));
      const journal = fs.readFileSync(journalFile);
      const described = box.lto(['tape', 'describe', TAPE, 'holiday footage', '--mount', mount]);
      assert.equal(described.status, 0, described.stderr);
      assert.match(described.stderr, /in use by lto backup .*written to the tape at the next contact/);
      assert.equal(box.lto(['label', 'create', 'offsite']).status, 0);
      assert.equal(box.lto(['label', 'assign', TAPE, 'offsite', '--mount', mount]).status, 0);
      // A contact meanwhile does not flush them under the backup either.
      const shown = box.lto(['tape', 'show', TAPE, '--mount', mount]);
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stderr, /stay pending: the tape is in use by lto backup/);
      assert.deepEqual(fs.readFileSync(journalFile), journal, 'nothing was appended under the backup');
      process.kill(holderPid(), 'SIGCONT');
      const done = await running.done;
      assert.equal(done.status, 0, done.stderr);
      assert.equal(JSON.parse(done.stdout).status, 'SUCCESS');
    } finally {
      running.kill();
    }
    assert.equal(box.lto(['tape', 'show', TAPE, '--mount', mount]).status, 0);
    const records = readTapeJournal(mount);
    assert.deepEqual(records.breaks, []);
    const types = records.records.map((r) => r.event.type);
    assert.ok(types.includes('TapeDescribed') && types.includes('TapeLabelled'), types.join(' '));
    assert.ok(types.lastIndexOf('TapeDescribed') > types.lastIndexOf('JobCompleted'), 'written after the backup ended');
  });

  it('breaks the stale lock of a crashed backup on this host by itself, saying so', () => {
    const crashed = box.lto(['backup', TAPE, source, '--mount', mount], { LTO_CRASH_AT: 'entry-written' });
    assert.equal(crashed.signal, 'SIGKILL');
    assert.ok(fs.existsSync(lock), 'the crash left its lock');
    const pid = holderPid();
    const next = box.lto(['backup', TAPE, source, '--mount', mount]);
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`broke the lock of ${TAPE} left by lto backup \\(pid ${pid} on ${os.hostname()}, .*\\): that process is gone`));
    assert.equal(fs.existsSync(lock), false);
  });

  it('refuses a lock of another host (it cannot be checked from here) until --break-lock', () => {
    const foreign = { host: 'other-host.example', pid: 1234, since: '2026-11-26T09:00:00.000Z', command: 'lto backup' };
    fs.writeFileSync(lock, `${JSON.stringify(foreign)}\n`);
    const refused = box.lto(['backup', TAPE, source, '--mount', mount]);
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /pid 1234 on other-host\.example, since 2026-11-26T09:00:00\.000Z.*--break-lock/);
    assert.deepEqual(JSON.parse(fs.readFileSync(lock, 'utf8')), foreign, 'the lock is untouched');
    const forced = box.lto(['backup', TAPE, source, '--mount', mount, '--break-lock']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(fs.existsSync(lock), false);
  });

  it('refuses a lock that does not say whose it is (torn) until --break-lock', () => {
    fs.writeFileSync(lock, '{"host":"vm","pi');
    const refused = box.lto(['backup', TAPE, source, '--mount', mount]);
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /is locked by .*lock, which does not say by whom: .*--break-lock/);
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount, '--break-lock']).status, 0);
  });

  it('restore and verify take --break-lock too, as their refusal says', () => {
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount]).status, 0);
    const foreign = { host: 'other-host.example', pid: 1234, since: '2026-11-26T09:00:00.000Z', command: 'lto backup' };
    for (const command of [['verify', TAPE], ['restore', TAPE, '--to', path.join(box.root, 'out')]]) {
      fs.writeFileSync(lock, `${JSON.stringify(foreign)}\n`);
      const refused = box.lto([...command, '--mount', mount]);
      assert.equal(refused.status, 3, refused.stderr);
      assert.match(refused.stderr, /--break-lock/);
      const forced = box.lto([...command, '--mount', mount, '--break-lock']);
      assert.equal(forced.status, 0, forced.stderr);
      assert.equal(fs.existsSync(lock), false);
    }
  });
});
