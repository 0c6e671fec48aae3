import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';

/**
 * A tape written by format lto-archive/1 with a full and an incremental backup of
 * /tmp/golden-src (readme.txt changed, data.bin deleted in between). It must stay
 * readable by every later version: never regenerate it.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-backup');
const SOURCE = '/tmp/golden-src';

describe('golden backup tape, format lto-archive/1', () => {
  let box: Sandbox;
  let mount: string;
  before(() => {
    box = sandbox();
    mount = path.join(box.root, 'tape');
    fs.cpSync(FIXTURE, mount, { recursive: true });
    const added = box.lto(['tape', 'add', '000777L6', '--mount', mount, '--json']);
    assert.equal(added.status, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).outcome, 'imported');
  });
  after(() => box.cleanup());

  it('brings back its jobs from the journal', () => {
    const jobs = box.json<{ jobs: { type: string; mode: string | null; status: string; files: number }[] }>(['jobs']).jobs;
    assert.deepEqual(jobs.map((j) => [j.type, j.mode, j.status, j.files]), [
      ['ADD_TAPE', null, 'SUCCESS', 0],
      ['BACKUP', 'FULL', 'SUCCESS', 3],
      ['BACKUP', 'INCREMENTAL', 'SUCCESS', 1],
    ]);
  });

  it('restores the latest tree: the change is there, the deleted file is not', () => {
    const to = path.join(box.root, 'latest');
    assert.equal(box.lto(['restore', '000777L6', '--to', to]).status, 0);
    const root = path.join(to, SOURCE);
    assert.equal(fs.readFileSync(path.join(root, 'docs', 'readme.txt'), 'utf8'), 'format 1 pins this file\nchanged\n');
    assert.equal(fs.existsSync(path.join(root, 'docs', 'data.bin')), false);
    assert.equal(fs.readFileSync(path.join(root, 'empty.txt'), 'utf8'), '');
    assert.equal(fs.readlinkSync(path.join(root, 'link')), 'docs/readme.txt');
    assert.ok(fs.statSync(path.join(root, 'empty-dir')).isDirectory());
  });

  it('restores the tree as of the full backup, times to the microsecond', () => {
    const full = box.json<{ jobs: { job: string; mode: string | null }[] }>(['jobs']).jobs.find((j) => j.mode === 'FULL')!;
    const to = path.join(box.root, 'first');
    assert.equal(box.lto(['restore', '000777L6', '--to', to, '--job', full.job]).status, 0);
    const root = path.join(to, SOURCE);
    assert.equal(fs.readFileSync(path.join(root, 'docs', 'readme.txt'), 'utf8'), 'format 1 pins this file\n');
    assert.deepEqual(fs.readFileSync(path.join(root, 'docs', 'data.bin')), Buffer.from([0, 1, 2, 0x62, 0x69, 0x6e, 0x61, 0x72, 0x79, 0xff]));
    assert.equal(fs.statSync(path.join(root, 'docs', 'data.bin'), { bigint: true }).mtimeNs / 1000n, 1767323045123456n);
  });

  it('keeps segments that GNU tar lists', () => {
    const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    const listed = fs
      .readdirSync(jobs)
      .flatMap((job) => execFileSync('tar', ['-tf', path.join(jobs, job, '1.tar')], { encoding: 'utf8' }).trim().split('\n'));
    assert.ok(listed.includes('tmp/golden-src/docs/data.bin'));
    assert.ok(listed.includes('tmp/golden-src/empty-dir/'));
  });
});
