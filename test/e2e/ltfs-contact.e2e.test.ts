import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isStopped, REPO_ROOT, sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { imitateLtfs, LTFS_ROOT_DEFAULTS, setLtfs, userXattrsMissing } from '../support/ltfs';
import { readTapeJournal } from '../support/tape-checks';

const TAPE = '000012L5';
const PRELOAD = path.join(REPO_ROOT, 'dist', 'test', 'support', 'eio-preload.js');
/** Every read of the label and of the journal fails (test/support/eio-preload.ts): a contact that reads them fails. */
const unreadable = { NODE_OPTIONS: `--require=${PRELOAD}`, LTO_FAULT_EIO: 'LTO-ARCHIVE/volume.json,LTO-ARCHIVE/journal.ndjson' };

/**
 * A contact with an LTFS cartridge costs the drive as little as the data asks for
 * (docs/FORMAT.md "Contact on LTFS", "Lock", write order 6): imitated here with the
 * user.ltfs.* attributes of a folder; test/ltfs/positioning.ltfs.test.ts measures it
 * on a real LTFS mount.
 */
describe('contact with an LTFS cartridge (imitated LTFS, real CLI)', { skip: userXattrsMissing(os.tmpdir()) }, () => {
  let box: Sandbox;
  let mount: string;
  let source: string;
  let journalFile: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('ltfs');
    imitateLtfs(mount, { mamBarcode: TAPE, volumeSerial: TAPE.slice(0, 6) });
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(source, `f${i}.bin`), Buffer.alloc(50_000, i));
    journalFile = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const backup = box.lto(['backup', TAPE, source, '--mount', mount]);
    assert.equal(backup.status, 0, backup.stderr);
  });
  afterEach(() => box.cleanup());

  const hostLock = (): string => path.join(box.home, 'locks', `${LTFS_ROOT_DEFAULTS['volumeUUID']}.lock`);

  it('keeps the lock of an LTFS cartridge on this host, not on the tape, and still keeps a second writer out', async () => {
    fs.writeFileSync(path.join(source, 'new.bin'), Buffer.alloc(70_000, 7));
    const running = box.ltoAsync(['backup', TAPE, source, '--mount', mount, '--incremental'], { LTO_STOP_AT: 'entry-written' });
    try {
      const holder = (): number => JSON.parse(fs.readFileSync(hostLock(), 'utf8')).pid;
      await waitFor('the backup to hold the lock and stop', () => fs.existsSync(hostLock()) && isStopped(holder()));
      assert.equal(fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'lock')), false, 'nothing written to the tape for the lock');
      const journal = fs.readFileSync(journalFile);
      const second = box.lto(['backup', TAPE, source, '--mount', mount]);
      assert.equal(second.status, 3, second.stderr);
      assert.match(second.stderr, /is in use: lto backup/);
      const restore = box.lto(['restore', TAPE, '--mount', mount, '--to', path.join(box.root, 'out')]);
      assert.equal(restore.status, 3, restore.stderr);
      assert.deepEqual(fs.readFileSync(journalFile), journal, 'neither wrote to the journal');
      process.kill(holder(), 'SIGCONT');
      const done = await running.done;
      assert.equal(done.status, 0, done.stderr);
    } finally {
      running.kill();
    }
    assert.equal(fs.existsSync(hostLock()), false, 'released at the end');
  });

  it('honours a lock an earlier version left on the tape while its holder runs here, and ignores it otherwise', () => {
    const onTape = path.join(mount, 'LTO-ARCHIVE', 'lock');
    const alive = { host: os.hostname(), pid: process.pid, since: '2026-12-01T09:00:00.000Z', command: 'lto backup' };
    fs.writeFileSync(onTape, `${JSON.stringify(alive)}\n`);
    const refused = box.lto(['verify', TAPE, '--mount', mount]);
    assert.equal(refused.status, 3, refused.stderr);
    assert.match(refused.stderr, new RegExp(`pid ${process.pid} on ${os.hostname()}`));
    fs.writeFileSync(onTape, `${JSON.stringify({ ...alive, host: 'gone-host.example' })}\n`);
    const verified = box.lto(['verify', TAPE, '--mount', mount]);
    assert.equal(verified.status, 0, verified.stderr);
  });

  it('a restore and a verify append their events once, at their end, with what was pending for the tape', async () => {
    // Pending for the tape: a description made while it was not mounted (the mount point moved away).
    const before = fs.readFileSync(journalFile);
    fs.renameSync(mount, `${mount}-away`);
    assert.equal(box.lto(['tape', 'describe', TAPE, 'holidays']).status, 0);
    fs.renameSync(`${mount}-away`, mount);
    assert.deepEqual(fs.readFileSync(journalFile), before, 'the description is pending');
    for (const command of [['restore', TAPE, '--to', path.join(box.root, 'out')], ['verify', TAPE]]) {
      const journal = fs.readFileSync(journalFile);
      const run = box.ltoAsync([...command, '--mount', mount], { LTO_STOP_AT: 'tape-reads-end' });
      try {
        await waitFor(`the ${command[0]} to finish its reads`, () => stoppedIn(run.pid) !== undefined);
        assert.deepEqual(fs.readFileSync(journalFile), journal, `${command[0]}: nothing appended before its end`);
        process.kill(stoppedIn(run.pid) ?? 0, 'SIGCONT');
        const done = await run.done;
        assert.equal(done.status, 0, done.stderr);
      } finally {
        run.kill();
      }
      const added = readTapeJournal(mount).records.slice(journal.toString().split('\n').length - 1);
      const types = added.map((r) => r.event.type);
      assert.equal(types[0] === 'TapeDescribed' ? types.slice(1)[0] : types[0], 'JobStarted', types.join(' '));
      assert.equal(types.at(-1), 'JobCompleted', `${command[0]}: its whole job, in one batch: ${types.join(' ')}`);
    }
    const read = readTapeJournal(mount);
    assert.deepEqual(read.breaks, []);
    const started = read.records.filter((r) => r.event.type === 'JobStarted').map((r) => JSON.parse(JSON.stringify(r.event.data)).type);
    assert.deepEqual(started.slice(-3), ['BACKUP', 'RESTORE', 'VERIFY'], 'on the tape, in the order they ran');
    assert.ok(read.records.some((r) => r.event.type === 'TapeDescribed'), 'the pending description went with the restore');
  });

  it('reads neither the label nor the journal when the cartridge is as the last contact left it, and both when it is not', () => {
    const out = path.join(box.root, 'out');
    const remembered = box.lto(['restore', TAPE, '--mount', mount, '--to', out], unreadable);
    assert.equal(remembered.status, 0, `the same index, the same files: nothing read but the segment\n${remembered.stderr}`);
    // Another index (the cartridge was written elsewhere and unmounted there): read again.
    setLtfs(mount, 'indexGeneration', '6');
    const changed = box.lto(['restore', TAPE, '--mount', mount, '--to', path.join(box.root, 'out2')], unreadable);
    assert.notEqual(changed.status, 0, 'the label and the journal were read');
    assert.match(changed.stderr, /EIO/);
    assert.equal(box.lto(['tape', 'show', TAPE, '--mount', mount]).status, 0, 'a contact that can read remembers the new index');
    assert.equal(box.lto(['restore', TAPE, '--mount', mount, '--to', path.join(box.root, 'out3')], unreadable).status, 0);
  });

  it('reads the journal again when it changed under the same index (a write not yet in an index), and finds the damage', () => {
    const bytes = fs.readFileSync(journalFile);
    const at = bytes.indexOf('"jobType"');
    bytes.writeUInt8(bytes.readUInt8(at + 2) ^ 0x01, at + 2);
    fs.writeFileSync(journalFile, bytes);
    const shown = box.lto(['tape', 'show', TAPE, '--mount', mount]);
    assert.match(shown.stderr, /journal of 000012L5 is damaged at record/);
  });

  it('reads the journal again when the catalog wrote past the remembered head (a power loss may have taken it back)', () => {
    // A whole-second time, so that the test can put it back exactly as LTFS would.
    const then = new Date('2026-12-01T10:00:00.000Z');
    fs.utimesSync(journalFile, then, then);
    assert.equal(box.lto(['tape', 'show', TAPE, '--mount', mount]).status, 0, 'remembers the journal as it is now');
    const before = fs.readFileSync(journalFile);
    assert.equal(box.lto(['tape', 'describe', TAPE, 'holidays', '--mount', mount]).status, 0);
    // LTFS rolled the volume back to the remembered index: the same generation and time, the journal as it was then.
    fs.writeFileSync(journalFile, before);
    fs.utimesSync(journalFile, then, then);
    const shown = box.lto(['tape', 'show', TAPE, '--mount', mount]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stderr, /rolled the tape back/);
    assert.equal(readTapeJournal(mount).records.at(-1)?.event.type, 'TapeDescribed', 'the lost event written again');
  });
});
