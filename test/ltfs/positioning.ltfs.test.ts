import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, seekLatencySeconds, syncIndex, type MountedCartridge } from '../support/ltfs-cartridge';
import { treeFacts } from '../support/trees';

const TAPE = '000043L5';

/**
 * On a Calculate-mode cartridge LTFS adds up the positioning a real drive would spend
 * (wraps, end-to-end time, direction changes): issue 14 §4. Between a restore's (or
 * verify's) first and last segment read, after the first locate, that must be nothing:
 * one reader, front to back, never two reads in flight. `tar -xf` of the same data from
 * the same cartridge is the peer, measured in the same run.
 */
describe('real LTFS: a restore and a verify read the tape front to back (Calculate mode)', { skip: realLtfsMissing() }, () => {
  let box: Sandbox;
  let tape: MountedCartridge;
  let cartridge: string;
  let src: string;
  before(async () => {
    box = sandbox();
    cartridge = path.join(box.root, 'cartridge');
    formatCartridge(cartridge, { serial: TAPE.slice(0, 6), capacityMb: 2048, delayMode: 'Calculate' });
    tape = await mountCartridge(cartridge, path.join(box.root, 'mnt'));
    src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'big'), { recursive: true });
    fs.mkdirSync(path.join(src, 'small'), { recursive: true });
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, 'big', `f${i}.bin`), Buffer.alloc(10_000_000, `big ${i} `));
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(src, 'small', `s${i}.bin`), Buffer.alloc(4096, `small ${i} `));
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', tape.mount]).status, 0);
    const backup = box.lto(['backup', TAPE, src, '--mount', tape.mount]);
    assert.equal(backup.status, 0, backup.stderr);
    const tarred = spawnSync('tar', ['-cf', path.join(tape.mount, 'peer.tar'), '-C', box.root, 'src']);
    assert.equal(tarred.status, 0, tarred.stderr?.toString());
  });
  after(async () => {
    await tape?.unmount();
    box?.cleanup();
  });

  /** A fresh mount: the head where LTFS leaves it, the counter from the mount on. */
  const remount = async (): Promise<void> => {
    await tape.unmount();
    tape = await mountCartridge(cartridge, tape.mount);
  };

  const segmentFile = (): string => {
    const jobs = path.join(tape.mount, 'LTO-ARCHIVE', 'jobs');
    const job = fs.readdirSync(jobs)[0] ?? '';
    return path.join(jobs, job, '1.tar');
  };

  /**
   * Runs `args` frozen at the start and at the end of its tape reads. At the start the
   * test makes the first locate itself (one block at the segment's start); the positioning
   * counted from there to the end of the reads is what the command added.
   */
  const positioningOfReads = async (args: readonly string[], firstAt: () => number = () => 0): Promise<number> => {
    await remount();
    const run = box.ltoAsync([...args, '--mount', tape.mount], { LTO_STOP_AT: 'tape-reads-start,tape-reads-end' });
    let frozen = 0;
    await waitFor('the reads to start', () => (frozen = stoppedIn(run.pid) ?? 0) > 0, 60_000);
    const fd = fs.openSync(segmentFile(), 'r');
    fs.readSync(fd, Buffer.alloc(512 * 1024), 0, 512 * 1024, firstAt());
    fs.closeSync(fd);
    const start = seekLatencySeconds(tape.mount);
    process.kill(frozen, 'SIGCONT');
    await waitFor('the reads to end', () => stoppedIn(run.pid) === frozen, 300_000);
    const added = seekLatencySeconds(tape.mount) - start;
    process.kill(frozen, 'SIGCONT');
    const result = await run.done;
    assert.equal(result.status, 0, result.stderr);
    return added;
  };

  it('tar -xf of the same data, for comparison (the peer, same cartridge, same run)', async () => {
    await remount();
    const start = seekLatencySeconds(tape.mount);
    const out = path.join(box.root, 'out-tar');
    fs.mkdirSync(out);
    assert.equal(spawnSync('tar', ['-xf', path.join(tape.mount, 'peer.tar'), '-C', out]).status, 0);
    const tar = seekLatencySeconds(tape.mount) - start;
    // Reported, not asserted: where the head is after a mount decides the first locate.
    console.log(`# positioning: tar -xf ${tar.toFixed(1)} s (its first locate included)`);
    // GNU tar's ustar headers keep whole seconds: the peer is compared by content.
    const content = (root: string) => Object.fromEntries(Object.entries(treeFacts(root)).map(([k, v]) => [k, v.replace(/ mtime=\d+/, '')]));
    assert.deepEqual(content(path.join(out, 'src')), content(src));
  });

  it('a restore of the whole job adds no positioning after the first locate', async () => {
    const out = path.join(box.root, 'out-restore');
    const added = await positioningOfReads(['restore', TAPE, '--to', out]);
    console.log(`# positioning: lto restore reads ${added.toFixed(1)} s after the first locate`);
    assert.equal(added, 0);
    assert.deepEqual(treeFacts(path.join(out, src)), treeFacts(src));
  });

  it('a verify of the whole job adds no positioning after the first locate', async () => {
    const added = await positioningOfReads(['verify', TAPE]);
    console.log(`# positioning: lto verify reads ${added.toFixed(1)} s after the first locate`);
    assert.equal(added, 0);
  });

  /** Positioning of a whole command, from a fresh mount to its end (its contact, lock, reads and records included). */
  const positioningOfCommand = async (run: () => void): Promise<number> => {
    await remount();
    const start = seekLatencySeconds(tape.mount);
    run();
    return seekLatencySeconds(tape.mount) - start;
  };

  it('whole commands: lto restore and lto verify of the job cost no more positioning than tar -xf of the same data', async () => {
    // The catalog has been in contact with the cartridge since it was last written (here by tar -cf).
    assert.equal(box.lto(['tape', 'show', TAPE, '--mount', tape.mount]).status, 0);
    const tarOut = path.join(box.root, 'whole-tar');
    fs.mkdirSync(tarOut);
    const tar = await positioningOfCommand(() => assert.equal(spawnSync('tar', ['-xf', path.join(tape.mount, 'peer.tar'), '-C', tarOut]).status, 0));
    const restoreOut = path.join(box.root, 'whole-restore');
    const restore = await positioningOfCommand(() => {
      const r = box.lto(['restore', TAPE, '--to', restoreOut, '--mount', tape.mount]);
      assert.equal(r.status, 0, r.stderr);
    });
    const verify = await positioningOfCommand(() => {
      const r = box.lto(['verify', TAPE, '--mount', tape.mount]);
      assert.equal(r.status, 0, r.stderr);
    });
    // What lto does and tar does not, each priced alone on the same cartridge from a fresh mount:
    // verify reads the journal back whole (what `lto recover` needs from the tape), and both
    // record their job on the tape: one append at the end of data and an index write, made
    // where their reads of the segment end (here: a line appended to a file, then the index).
    const journal = await positioningOfCommand(() => fs.readFileSync(path.join(tape.mount, 'LTO-ARCHIVE', 'journal.ndjson')));
    await remount();
    fs.readFileSync(segmentFile());
    const recordStart = seekLatencySeconds(tape.mount);
    fs.appendFileSync(path.join(tape.mount, 'record-peer.txt'), `${'x'.repeat(2000)}\n`);
    syncIndex(tape.mount);
    const record = seekLatencySeconds(tape.mount) - recordStart;
    console.log(
      `# positioning, whole command from a fresh mount: tar -xf ${tar.toFixed(1)} s, lto restore ${restore.toFixed(1)} s, ` +
        `lto verify ${verify.toFixed(1)} s; alone: the journal read ${journal.toFixed(1)} s, recording a job after the reads ${record.toFixed(1)} s`,
    );
    assert.deepEqual(treeFacts(path.join(restoreOut, src)), treeFacts(src));
    assert.ok(restore <= tar + record, `restore ${restore} s > tar ${tar} s + recording ${record} s`);
    assert.ok(verify <= tar + journal + record, `verify ${verify} s > tar ${tar} s + journal ${journal} s + recording ${record} s`);
  });

  it('a restore --path of a few files reads forward only: no more than one pass over their ranges', async () => {
    const out = path.join(box.root, 'out-path');
    // The first locate of a selection is to its first file's data (GNU tar names its header block).
    const firstSelected = (): number => {
      const listing = spawnSync('tar', ['-tR', '-f', segmentFile()], { encoding: 'utf8' }).stdout.split('\n');
      const line = listing.find((l) => /small\/s1[^/]*$/.test(l)) ?? '';
      return (Number(/^block (\d+):/.exec(line)?.[1] ?? 0) + 1) * 512;
    };
    const added = await positioningOfReads(['restore', TAPE, '--to', out, '--path', `${src}/small/s1*`], firstSelected);
    console.log(`# positioning: lto restore --path reads ${added.toFixed(1)} s after the first locate`);
    assert.equal(added, 0);
    const restored = fs.readdirSync(path.join(out, src, 'small')).sort();
    assert.deepEqual(restored, fs.readdirSync(path.join(src, 'small')).filter((n) => n.startsWith('s1')).sort());
  });
});
