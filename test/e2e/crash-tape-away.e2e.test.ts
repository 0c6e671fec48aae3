import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

/**
 * A backup killed between a tape append and the local one leaves the tape ahead of the
 * catalog. If the tape is away at the next start, nobody can tell how far the job got:
 * it must not be closed then (an INTERRUPTED event taking a version the tape already
 * used would lock the tape out), but once the tape is back.
 */
describe('a job cut off between the tape append and the local one, its tape away at the next start', () => {
  let box: Sandbox;
  let mount: string;
  let away: string;
  before(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    away = path.join(box.root, 'tape-away');
    const source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(source, `f${i}.bin`), Buffer.alloc(50_000, i));
    assert.equal(box.lto(['tape', 'add', '000071L8', '--mount', mount]).status, 0);
    // The second tape append of the backup is its first closed segment's events.
    const crashed = box.lto(['backup', '000071L8', source, '--segment-size', '100KiB'], { LTO_CRASH_AT: 'after-tape-append#2' });
    assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
    fs.renameSync(mount, away);
  });
  after(() => box.cleanup());

  it('stays RUNNING while the tape is away, saying why', () => {
    const jobs = box.lto(['jobs', '--json']);
    assert.equal(jobs.status, 0, jobs.stderr);
    assert.match(jobs.stderr, /closed INTERRUPTED once its tape is mounted/);
    const backup = (JSON.parse(jobs.stdout) as { jobs: { type: string; status: string }[] }).jobs.find((j) => j.type === 'BACKUP');
    assert.equal(backup?.status, 'RUNNING');
  });

  it('is closed INTERRUPTED once the tape is back, after what the tape held is imported; the tape stays usable', () => {
    fs.renameSync(away, mount);
    const jobs = box.json<{ jobs: { type: string; status: string }[] }>(['jobs']).jobs;
    assert.equal(jobs.find((j) => j.type === 'BACKUP')?.status, 'INTERRUPTED');
    const show = box.lto(['tape', 'show', '000071L8']);
    assert.equal(show.status, 0, show.stderr);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    const restore = box.lto(['restore', '000071L8', '--to', path.join(box.root, 'out')]);
    assert.equal(restore.status, 0, restore.stderr);
  });
});
