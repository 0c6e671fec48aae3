import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { readTapeJournal } from '../support/tape-checks';

/**
 * The golden backup tape (test/fixtures/golden-v1-backup) was written before entries
 * carried `ctimeNs` and `inode`. An incremental over it must compare its entries without
 * them (docs/FORMAT.md, Entry): a file whose kind, mode, size and mtime still match is
 * unchanged, not written again for want of fields the old version never recorded; and the
 * new entries do carry both fields.
 *
 * The fixture names its files under /tmp/golden-src. The tree restored from the tape is
 * shown there in a private mount namespace of the backup alone (`unshare -m`, root), so
 * no other test or process sees it.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-backup');
const SOURCE = '/tmp/golden-src';
const TAPE = '000777L6';
const BIN = path.join(REPO_ROOT, 'bin', 'lto.js');

const cannotRun = (): string | false => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs Linux and root (a private mount namespace)';
  if (spawnSync('unshare', ['-m', 'true']).status !== 0) return 'unshare -m is not allowed here';
  return false;
};

/** `lto backup --incremental` of `source`, where `tree` is bind-mounted in a private mount namespace. */
const incrementalAt = (box: Sandbox, tape: string, mount: string, tree: string, source: string): { plan: Plan; status: string; stderr: string } => {
  const script = `mkdir -p ${source} && mount --make-rprivate / && mount --bind "$TREE" ${source} && exec "$NODE" "$BIN" backup ${tape} ${source} --incremental --mount "$MOUNT" --json`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1', TREE: tree, NODE: process.execPath, BIN, MOUNT: mount },
  });
  // The empty mount point left in the real /tmp (the bind mount itself never left the namespace).
  try {
    fs.rmdirSync(source);
  } catch {
    // Another run's, or not empty: left alone.
  }
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  return { plan: report.plan, status: report.status, stderr: r.stderr };
};

interface Plan {
  readonly new: { readonly files: number };
  readonly modified: { readonly files: number; readonly entries: number };
  readonly unchanged: { readonly files: number };
}

describe('golden backup tape: an incremental over entries without ctime and inode', { skip: cannotRun() }, () => {
  let box: Sandbox;
  let mount: string;
  let tree: string;
  before(() => {
    box = sandbox();
    mount = path.join(box.root, 'tape');
    fs.cpSync(FIXTURE, mount, { recursive: true });
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const to = path.join(box.root, 'latest');
    assert.equal(box.lto(['restore', TAPE, '--to', to]).status, 0);
    tree = path.join(to, SOURCE);
    // Restore sets times to the microsecond; the fixture's files carry nanoseconds. Put the
    // catalogued times back exactly (touch takes nanoseconds), the folder's after its files.
    const touch = (file: string, ns: string): void => {
      const r = spawnSync('touch', ['-h', '-d', `@${ns.slice(0, -9)}.${ns.slice(-9)}`, path.join(tree, file)]);
      assert.equal(r.status, 0, r.stderr?.toString());
    };
    touch('empty.txt', '1767323045123456789');
    touch('docs', '1795700379134760707');
  });
  after(() => box.cleanup());

  const incremental = (): { plan: Plan; status: string; stderr: string } => incrementalAt(box, TAPE, mount, tree, SOURCE);

  it('takes the unchanged files as unchanged (compared without ctime and inode) and writes only a changed one', () => {
    const first = incremental();
    assert.equal(first.status, 'SUCCESS', first.stderr);
    assert.equal(first.plan.modified.files, 0, 'nothing was re-written for want of ctime and inode');
    assert.equal(first.plan.new.files, 0);
    assert.equal(first.plan.unchanged.files, 2, JSON.stringify(first.plan));
    assert.equal(first.plan.modified.entries, 0, JSON.stringify(first.plan));

    fs.appendFileSync(path.join(tree, 'docs', 'readme.txt'), 'changed again\n');
    const second = incremental();
    assert.equal(second.plan.modified.files, 1, JSON.stringify(second.plan));
    const written = readTapeJournal(mount)
      .records.filter((r) => r.event.type === 'FilesArchived')
      .at(-1);
    const entries: { path: string; kind: string; ctimeNs?: string; inode?: string }[] = JSON.parse(JSON.stringify(written?.event.data)).entries;
    const readme = entries.find((e) => e.path === `${SOURCE}/docs/readme.txt`);
    assert.match(readme?.ctimeNs ?? '', /^\d+$/, 'the new entry carries ctimeNs');
    assert.match(readme?.inode ?? '', /^\d+$/, 'and inode');
  });
});

/**
 * test/fixtures/golden-v1-ctime: a tape written once entries carried `ctimeNs` and `inode`
 * (a full backup of /tmp/golden-ctime-src: docs/readme.txt, kept.txt). It must stay
 * readable by every later version: never regenerate it.
 */
describe('golden backup tape with ctime and inode (format lto-archive/1)', { skip: cannotRun() }, () => {
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-ctime');
  const source = '/tmp/golden-ctime-src';
  const tape = '000778L6';
  let box: Sandbox;
  let mount: string;
  before(() => {
    box = sandbox();
    mount = path.join(box.root, 'tape');
    fs.cpSync(fixture, mount, { recursive: true });
    const added = box.lto(['tape', 'add', tape, '--mount', mount, '--json']);
    assert.equal(added.status, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).outcome, 'imported');
  });
  after(() => box.cleanup());

  it('reads its entries, ctime and inode included, and restores them', () => {
    const entries: { path: string; ctimeNs?: string; inode?: string }[] = readTapeJournal(mount).records.flatMap((r) =>
      r.event.type === 'FilesArchived' ? JSON.parse(JSON.stringify(r.event.data)).entries : [],
    );
    assert.deepEqual(
      entries.map((e) => [e.path, e.ctimeNs, e.inode]),
      [
        [source, '1796679783999662060', '2712169'],
        [`${source}/docs`, '1796679783999662060', '2712170'],
        [`${source}/docs/readme.txt`, '1796679783991662059', '2712171'],
        [`${source}/kept.txt`, '1796679783991662059', '2712172'],
      ],
    );
    const to = path.join(box.root, 'restored');
    assert.equal(box.lto(['restore', tape, '--to', to]).status, 0);
    assert.equal(fs.readFileSync(path.join(to, source, 'docs', 'readme.txt'), 'utf8'), 'format 1 with ctime and inode\n');
    assert.equal(fs.statSync(path.join(to, source, 'kept.txt'), { bigint: true }).mtimeNs / 1000n, 1767323045123456n);
  });

  it('compares them with ctime and inode: a copy with the same sizes and times is another file, written again', () => {
    const tree = path.join(box.root, 'copy');
    fs.mkdirSync(path.join(tree, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'docs', 'readme.txt'), 'format 1 with ctime and inode\n');
    fs.writeFileSync(path.join(tree, 'kept.txt'), 'kept\n');
    for (const file of ['docs/readme.txt', 'kept.txt']) {
      assert.equal(spawnSync('touch', ['-d', '@1767323045.123456789', path.join(tree, file)]).status, 0);
    }
    const run = incrementalAt(box, tape, mount, tree, source);
    assert.equal(run.status, 'SUCCESS', run.stderr);
    assert.equal(run.plan.modified.files, 2, JSON.stringify(run.plan));
    assert.equal(run.plan.unchanged.files, 0, JSON.stringify(run.plan));
  });
});
