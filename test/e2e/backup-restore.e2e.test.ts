import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { makeHardTree, treeFacts } from '../support/trees';

interface JobJson {
  job: string;
  tape: string;
  type: string;
  mode: string | null;
  status: string;
  files: number;
  bytes: number;
  warnings: number;
  encrypted: boolean;
  startedAt: string;
  endedAt: string | null;
}

describe('backup and restore round trip (real CLI, hard names, 64 MiB file)', () => {
  let box: Sandbox;
  let source: string;
  let mount: string;
  before(() => {
    box = sandbox();
    source = path.join(box.root, 'source');
    makeHardTree(source);
    mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', '000100L8', '--mount', mount]).status, 0);
    // Small segments, so the job spans several.
    const backup = box.lto(['backup', '000100L8', source, '--segment-size', '16MiB', '--json']);
    assert.equal(backup.status, 0, backup.stderr);
  });
  after(() => box.cleanup());

  it('restores a tree equal in content, mode and mtime', () => {
    const to = path.join(box.root, 'restored');
    const restore = box.lto(['restore', '000100L8', '--to', to, '--json']);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('records the job with the --json shape scripts rely on', () => {
    const jobs = box.json<{ jobs: JobJson[] }>(['jobs', '--tape', '000100L8']).jobs;
    const backup = jobs.find((j) => j.type === 'BACKUP');
    assert.ok(backup);
    assert.equal(backup.mode, 'FULL');
    assert.equal(backup.status, 'SUCCESS');
    assert.equal(backup.encrypted, false);
    assert.equal(backup.warnings, 0);
    assert.equal(backup.files, Object.values(treeFacts(source)).filter((f) => f.startsWith('file')).length);
    assert.ok(backup.bytes >= 64 * 1024 * 1024);
  });

  it('writes segments that GNU tar lists and extracts on its own', () => {
    const jobDir = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    const [job] = fs.readdirSync(jobDir);
    const segments = fs.readdirSync(path.join(jobDir, job!)).sort((a, b) => parseInt(a) - parseInt(b));
    assert.ok(segments.length > 1, `expected several segments, got ${segments.join(', ')}`);
    const out = path.join(box.root, 'gnu-tar');
    fs.mkdirSync(out);
    for (const segment of segments) execFileSync('tar', ['-xf', path.join(jobDir, job!, segment), '-C', out]);
    assert.deepEqual(treeFacts(path.join(out, source), { mtime: false }), treeFacts(source, { mtime: false }));
  });

  it('restores one file by seeking: it reads no more than the file plus 1 MiB', () => {
    const to = path.join(box.root, 'one');
    const restore = box.json<{ restored: { files: number }; tapeBytes: number }>([
      'restore', '000100L8', '--to', to, '--path', '**/bottom.txt',
    ]);
    assert.equal(restore.restored.files, 1);
    assert.ok(restore.tapeBytes <= 'a hundred levels down'.length + 1024 * 1024, `read ${restore.tapeBytes}`);
    const deep = Array.from({ length: 100 }, (_, i) => `d${i}`).join('/');
    assert.equal(fs.readFileSync(path.join(to, source, deep, 'bottom.txt'), 'utf8'), 'a hundred levels down');
  });

  it('browses one level with sizes and versions', () => {
    const roots = box.json<{ entries: { path: string; type: string }[] }>(['browse', '000100L8']).entries;
    assert.deepEqual(roots.map((e) => [e.path, e.type]), [[source, 'dir']]);
    const big = box.json<{ entries: { path: string; name: string; type: string; bytes: number; mtime: string; job: string; versions: number }[] }>([
      'browse', '000100L8', path.join(source, 'big'),
    ]).entries;
    assert.equal(big.length, 1);
    assert.equal(big[0]!.name, 'large.bin');
    assert.equal(big[0]!.type, 'file');
    assert.equal(big[0]!.bytes, 64 * 1024 * 1024);
    assert.equal(big[0]!.mtime, '2020-09-13T12:26:40.500Z');
    assert.equal(big[0]!.versions, 1);
  });

  it('keeps existing files unless --overwrite, and says so', () => {
    const to = path.join(box.root, 'again');
    box.lto(['restore', '000100L8', '--to', to, '--path', '**/notes-none', '--path', '**/private.txt']);
    const target = path.join(to, source, 'modes', 'private.txt');
    fs.writeFileSync(target, 'changed locally');
    const kept = box.lto(['restore', '000100L8', '--to', to, '--path', '**/private.txt']);
    assert.equal(kept.status, 0);
    assert.match(kept.stderr, /kept as they were/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'changed locally');
    assert.equal(box.lto(['restore', '000100L8', '--to', to, '--path', '**/private.txt', '--overwrite']).status, 0);
    assert.equal(fs.readFileSync(target, 'utf8'), 'secret');
  });

  it('passes a catalog check after backup and restores', () => {
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });
});
