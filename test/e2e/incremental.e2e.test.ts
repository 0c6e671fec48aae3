import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { treeFacts } from '../support/trees';

interface Plan {
  new: { entries: number; files: number; bytes: number };
  modified: { entries: number; files: number; bytes: number };
  unchanged: { entries: number; files: number; bytes: number };
  deleted: number;
}

const write = (root: string, rel: string, data: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), data);
};

describe('incremental backups', () => {
  let box: Sandbox;
  let src: string;
  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    write(src, 'a.txt', 'alpha');
    write(src, 'b/b.txt', 'beta');
    write(src, 'b/c.txt', 'gamma');
    box.lto(['tape', 'add', '000200L9', '--mount', box.mountPoint('tape')]);
    assert.equal(box.lto(['backup', '000200L9', src]).status, 0);
  });
  afterEach(() => box.cleanup());

  it('plans new / modified / unchanged / deleted with --dry-run and writes nothing', () => {
    write(src, 'a.txt', 'alpha, longer now');
    write(src, 'new.txt', 'new');
    fs.rmSync(path.join(src, 'b', 'c.txt'));
    const events = box.json<{ events: unknown[] }>(['tape', 'history', '000200L9']).events.length;
    const dry = box.json<{ status: string; plan: Plan }>(['backup', '000200L9', src, '--incremental', '--dry-run']);
    assert.equal(dry.status, 'PLANNED');
    assert.equal(dry.plan.new.files, 1);
    assert.equal(dry.plan.modified.files, 1);
    assert.equal(dry.plan.unchanged.files, 1);
    assert.equal(dry.plan.deleted, 1);
    assert.equal(box.json<{ events: unknown[] }>(['tape', 'history', '000200L9']).events.length, events);
  });

  it('writes only what changed, records deletions, and restores each job as it was', () => {
    const firstFacts = treeFacts(src);
    write(src, 'a.txt', 'alpha, longer now');
    fs.rmSync(path.join(src, 'b', 'c.txt'));
    const second = box.json<{ files: number; plan: Plan }>(['backup', '000200L9', src, '--incremental']);
    assert.equal(second.files, 1, 'only a.txt is written again');
    const jobs = box.json<{ jobs: { job: string; type: string; mode: string }[] }>(['jobs', '--tape', '000200L9']).jobs.filter((j) => j.type === 'BACKUP');
    assert.deepEqual(jobs.map((j) => j.mode), ['FULL', 'INCREMENTAL']);

    const latest = path.join(box.root, 'latest');
    assert.equal(box.lto(['restore', '000200L9', '--to', latest]).status, 0);
    assert.deepEqual(treeFacts(path.join(latest, src)), treeFacts(src));

    const first = path.join(box.root, 'first');
    assert.equal(box.lto(['restore', '000200L9', '--to', first, '--job', jobs[0]!.job.slice(-8)]).status, 0);
    assert.deepEqual(treeFacts(path.join(first, src), { mtime: false }), Object.fromEntries(Object.entries(firstFacts).map(([k, v]) => [k, v.replace(/ mtime=\d+/, '')])));
  });

  it('notices a rewrite with the same size and time by its status change time, without --checksum', () => {
    const file = path.join(src, 'a.txt');
    // A whole-second time can be set back exactly (sub-microsecond digits cannot).
    fs.utimesSync(file, 1_600_000_000, 1_600_000_000);
    assert.equal(box.lto(['backup', '000200L9', src, '--incremental']).status, 0);
    assert.equal(box.json<{ plan: Plan }>(['backup', '000200L9', src, '--incremental', '--dry-run']).plan.modified.files, 0, 'nothing changed yet');
    fs.writeFileSync(file, 'ALPHA');
    fs.utimesSync(file, 1_600_000_000, 1_600_000_000);
    assert.equal(box.json<{ plan: Plan }>(['backup', '000200L9', src, '--incremental', '--dry-run']).plan.modified.files, 1);
    assert.equal(box.json<{ plan: Plan }>(['backup', '000200L9', src, '--incremental', '--checksum', '--dry-run']).plan.modified.files, 1);
  });

  for (const [how, replace] of [
    ['mv over it', (file: string, other: string) => fs.renameSync(other, file)],
    ['cp -p over it', (file: string, other: string) => execFileSync('cp', ['-p', other, file])],
  ] as const) {
    it(`a file replaced by another of the same size and mtime (${how}) is backed up again, and the latest restore gives the new content`, () => {
      const file = path.join(src, 'same.txt');
      fs.writeFileSync(file, 'version one');
      fs.utimesSync(file, 1_600_000_000, 1_600_000_000);
      assert.equal(box.lto(['backup', '000200L9', src, '--incremental']).status, 0);
      const other = path.join(box.root, 'other.txt');
      fs.writeFileSync(other, 'version two');
      fs.utimesSync(other, 1_600_000_000, 1_600_000_000);
      replace(file, other);
      const again = box.json<{ plan: Plan }>(['backup', '000200L9', src, '--incremental']);
      assert.equal(again.plan.modified.files, 1, JSON.stringify(again.plan));
      const out = path.join(box.root, `latest-${how.replace(/\W+/g, '-')}`);
      assert.equal(box.lto(['restore', '000200L9', '--to', out, '--path', file]).status, 0);
      assert.equal(fs.readFileSync(path.join(out, file), 'utf8'), 'version two');
    });
  }
});

describe('backup and restore: bad input', () => {
  let box: Sandbox;
  let src: string;
  let mount: string;
  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    write(src, 'hello.txt', 'hello');
    mount = box.mountPoint('tape');
    box.lto(['tape', 'add', '000300L7', '--mount', mount]);
  });
  afterEach(() => box.cleanup());

  const noJobsBut = (count: number) => assert.equal(box.json<{ jobs: unknown[] }>(['jobs']).jobs.length, count);

  it('refuses a missing source path before writing anything', () => {
    const r = box.lto(['backup', '000300L7', src, path.join(box.root, 'nope')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /source path not found: .*nope/);
    noJobsBut(1);
    assert.ok(!fs.existsSync(path.join(mount, 'LTO-ARCHIVE', 'jobs')));
  });

  it('backs up a source that is a file as one file', () => {
    assert.equal(box.lto(['backup', '000300L7', path.join(src, 'hello.txt')]).status, 0);
    const to = path.join(box.root, 'to');
    assert.equal(box.lto(['restore', '000300L7', '--to', to]).status, 0);
    assert.equal(fs.readFileSync(path.join(to, src, 'hello.txt'), 'utf8'), 'hello');
  });

  it('refuses a tape that is not registered, or not the one mounted', () => {
    assert.equal(box.lto(['backup', '000301L7', src]).status, 3);
    const other = box.mountPoint('other');
    box.lto(['tape', 'add', '000302L7', '--mount', other]);
    const wrong = box.lto(['backup', '000300L7', src, '--mount', other]);
    assert.equal(wrong.status, 3);
    assert.match(wrong.stderr, /expected 000300L7, found 000302L7/);
  });

  it('refuses a restore target that is a file, a job that is not on the tape, and a glob that matches nothing', () => {
    box.lto(['backup', '000300L7', src]);
    const file = path.join(box.root, 'file');
    fs.writeFileSync(file, 'x');
    assert.equal(box.lto(['restore', '000300L7', '--to', file]).status, 2);
    const nojob = box.lto(['restore', '000300L7', '--to', path.join(box.root, 'r1'), '--job', 'deadbeef']);
    assert.equal(nojob.status, 2);
    assert.match(nojob.stderr, /no job deadbeef on tape 000300L7/);
    const nothing = box.lto(['restore', '000300L7', '--to', path.join(box.root, 'r2'), '--path', '**/nothing-like-this']);
    assert.equal(nothing.status, 1);
    assert.match(nothing.stderr, /nothing on 000300L7 matches/);
  });

  it('keeps the closed segments of a job cut off by a crash restorable, and closes the job INTERRUPTED', () => {
    for (let i = 0; i < 40; i++) write(src, `many/${i}.bin`, 'x'.repeat(100_000));
    const crashed = box.lto(['backup', '000300L7', src, '--segment-size', '1MiB'], { LTO_CRASH_AT: 'after-segment-recorded' });
    assert.equal(crashed.signal, 'SIGKILL');
    const jobs = box.json<{ jobs: { type: string; status: string }[] }>(['jobs']).jobs;
    assert.deepEqual(jobs.map((j) => [j.type, j.status]), [
      ['ADD_TAPE', 'SUCCESS'],
      ['BACKUP', 'INTERRUPTED'],
    ]);
    const to = path.join(box.root, 'partial');
    const restored = box.json<{ restored: { files: number }; status: string }>(['restore', '000300L7', '--to', to]);
    assert.equal(restored.status, 'SUCCESS');
    assert.ok(restored.restored.files > 0);
    assert.equal(box.lto(['backup', '000300L7', src]).status, 0, 'a new backup succeeds');
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });
});

describe('backup warnings and restore paths', () => {
  let box: Sandbox;
  let src: string;
  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    write(src, 'keep/a.txt', 'a');
    box.lto(['tape', 'add', '000400L8', '--mount', box.mountPoint('tape')]);
  });
  afterEach(() => box.cleanup());

  it('skips a FIFO with a warning, and the job still completes and counts it', () => {
    execFileSync('mkfifo', [path.join(src, 'keep', 'pipe')]);
    const r = box.lto(['backup', '000400L8', src, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'SUCCESS');
    assert.equal(report.warnings, 1);
    assert.match(report.warningList[0].reason, /FIFO/);
    const jobs = box.json<{ jobs: { type: string; warnings: number }[] }>(['jobs']).jobs;
    assert.equal(jobs.find((j) => j.type === 'BACKUP')?.warnings, 1);
  });

  it('re-roots under --to and drops leading components with --strip-components', () => {
    box.lto(['backup', '000400L8', src]);
    const to = path.join(box.root, 'to');
    const depth = src.split('/').length - 1;
    assert.equal(box.lto(['restore', '000400L8', '--to', to, '--strip-components', String(depth)]).status, 0);
    assert.equal(fs.readFileSync(path.join(to, 'keep', 'a.txt'), 'utf8'), 'a');
  });

  it('plans a restore with --dry-run and writes nothing', () => {
    box.lto(['backup', '000400L8', src]);
    const to = path.join(box.root, 'never');
    const r = box.json<{ status: string; selected: { files: number } }>(['restore', '000400L8', '--to', to, '--dry-run']);
    assert.equal(r.status, 'PLANNED');
    assert.equal(r.selected.files, 1);
    assert.equal(fs.existsSync(to), false);
  });
});

describe('restore of damaged data', () => {
  let box: Sandbox;
  let src: string;
  let mount: string;
  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    write(src, 'good.txt', 'good data');
    write(src, 'bad.txt', 'this file will be damaged on tape');
    mount = box.mountPoint('tape');
    box.lto(['tape', 'add', '000600L8', '--mount', mount]);
    assert.equal(box.lto(['backup', '000600L8', src]).status, 0);
  });
  afterEach(() => box.cleanup());

  it('reports a file whose bytes on tape no longer match its hash, keeps the good ones, and exits non-zero', () => {
    const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    const segment = path.join(jobs, fs.readdirSync(jobs)[0]!, '1.tar');
    const bytes = fs.readFileSync(segment);
    const at = bytes.indexOf('this file will be damaged');
    bytes[at] = bytes[at]! ^ 0x20;
    fs.writeFileSync(segment, bytes);
    const to = path.join(box.root, 'to');
    const r = box.lto(['restore', '000600L8', '--to', to, '--json']);
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'FAILED');
    assert.deepEqual(report.problems.map((p: { path: string; kind: string }) => [p.path, p.kind]), [[path.join(src, 'bad.txt'), 'corrupted']]);
    assert.equal(fs.existsSync(path.join(to, src, 'bad.txt')), false, 'damaged bytes are not left as if they were the file');
    assert.equal(fs.readFileSync(path.join(to, src, 'good.txt'), 'utf8'), 'good data');
    const restoreJob = box.json<{ jobs: { type: string; status: string }[] }>(['jobs']).jobs.find((j) => j.type === 'RESTORE');
    assert.equal(restoreJob?.status, 'FAILED');
  });
});
