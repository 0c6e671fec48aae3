import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';

/**
 * Known answers: an encrypted tape written by format lto-archive/1 (passphrase slot,
 * scrypt N=2^17) with a full and an incremental backup of /tmp/golden-enc-src
 * (docs/readme.txt changed, empty.txt deleted in between; a file named `caf\xc3\xa9.txt`,
 * backslashes and all). Every later version must
 * unlock it with this passphrase and read exactly this content: never regenerate it.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-encrypted');
const SOURCE = '/tmp/golden-enc-src';
const PASSPHRASE = 'lto-archive known answer test';
const pattern = (): Buffer => Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) % 251));

describe('golden encrypted tape, format lto-archive/1', () => {
  let box: Sandbox;
  let mount: string;
  before(() => {
    box = sandbox();
    mount = path.join(box.root, 'tape');
    fs.cpSync(FIXTURE, mount, { recursive: true });
    const added = box.lto(['tape', 'add', '000778L8', '--mount', mount, '--json']);
    assert.equal(added.status, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).outcome, 'imported');
  });
  after(() => box.cleanup());

  it('is catalogued without the key: jobs, and one passphrase slot', () => {
    const jobs = box.json<{ jobs: { type: string; mode: string | null; status: string; files: number; encrypted: boolean }[] }>(['jobs']).jobs;
    assert.deepEqual(jobs.map((j) => [j.type, j.mode, j.status, j.files, j.encrypted]), [
      ['ADD_TAPE', null, 'SUCCESS', 0, true],
      ['BACKUP', 'FULL', 'SUCCESS', 4, true],
      ['BACKUP', 'INCREMENTAL', 'SUCCESS', 1, true],
    ]);
    const slots = box.json<{ slots: { kind: string; detail: string }[] }>(['tape', 'keys', '000778L8']).slots;
    assert.deepEqual(slots.map((s) => [s.kind, s.detail]), [['passphrase', 'scrypt N=2^17 r=8 p=1']]);
  });

  it('shows names locked without the key', () => {
    const browse = box.lto(['browse', '000778L8', '--json']);
    assert.equal(browse.status, 0, browse.stderr);
    const [root] = (JSON.parse(browse.stdout) as { entries: { path: string }[] }).entries;
    assert.match(root!.path, /^\/\[locked [A-Za-z0-9_-]{8}\]\/\[locked [A-Za-z0-9_-]{8}\]$/);
  });

  it('restores the latest tree with the passphrase: known content, names and times', () => {
    const to = path.join(box.root, 'latest');
    const restore = box.lto(['restore', '000778L8', '--to', to], { LTO_PASSPHRASE: PASSPHRASE });
    assert.equal(restore.status, 0, restore.stderr);
    const root = path.join(to, SOURCE);
    assert.equal(fs.readFileSync(path.join(root, 'docs', 'readme.txt'), 'utf8'), 'encrypted format 1 pins this file\nchanged\n');
    assert.deepEqual(fs.readFileSync(path.join(root, 'docs', 'pattern.bin')), pattern());
    // A name with backslashes in it (the fixture's script did not expand the escapes).
    assert.equal(fs.readFileSync(path.join(root, 'caf\\xc3\\xa9.txt'), 'utf8'), 'caf\u00e9 name\n');
    assert.equal(fs.readlinkSync(path.join(root, 'link')), 'docs/readme.txt');
    assert.ok(fs.statSync(path.join(root, 'empty-dir')).isDirectory());
    assert.equal(fs.existsSync(path.join(root, 'empty.txt')), false);
  });

  it('restores the full backup as it was, to the microsecond', () => {
    const full = box.json<{ jobs: { job: string; mode: string | null }[] }>(['jobs']).jobs.find((j) => j.mode === 'FULL')!;
    const to = path.join(box.root, 'full');
    const restore = box.lto(['restore', '000778L8', '--to', to, '--job', full.job], { LTO_PASSPHRASE: PASSPHRASE });
    assert.equal(restore.status, 0, restore.stderr);
    const readme = path.join(to, SOURCE, 'docs', 'readme.txt');
    assert.equal(fs.readFileSync(readme, 'utf8'), 'encrypted format 1 pins this file\n');
    assert.equal(fs.statSync(readme, { bigint: true }).mtimeNs / 1000n, 1577934245123456n);
    assert.equal(fs.readFileSync(path.join(to, SOURCE, 'empty.txt'), 'utf8'), '');
  });

  it('refuses a wrong passphrase and writes nothing', () => {
    const to = path.join(box.root, 'wrong');
    const restore = box.lto(['restore', '000778L8', '--to', to], { LTO_PASSPHRASE: 'not the passphrase' });
    assert.notEqual(restore.status, 0);
    assert.match(restore.stderr, /wrong passphrase for tape 000778L8/);
    assert.equal(restore.stderr.trim().split('\n').length, 1);
    assert.equal(fs.existsSync(to), false);
  });
});
