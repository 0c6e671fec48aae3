import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { filesUnder, readTapeJournal, sha256File } from '../support/tape-checks';

const TAPE = '000404L8';
const PRELOAD = path.join(REPO_ROOT, 'dist', 'test', 'support', 'eio-preload.js');
/** The environment that makes reads of `spec` fail with EIO (see test/support/eio-preload.ts). */
const eio = (spec: string): NodeJS.ProcessEnv => ({ NODE_OPTIONS: `--require=${PRELOAD}`, LTO_FAULT_EIO: spec });

interface Located {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  readonly segment: number;
  readonly job: string;
}

/** Where the tape's journal says each file's data is. */
const locations = (mount: string): Located[] =>
  readTapeJournal(mount).records.flatMap((r) => {
    if (r.event.type !== 'FilesArchived') return [];
    const data = JSON.parse(JSON.stringify(r.event.data));
    return data.entries.filter((e: { kind: string }) => e.kind === 'file').map((e: Located) => ({ ...e, segment: data.segment, job: data.job }));
  });

describe('I/O errors: reported, the job goes on with the other files, and exits non-zero', () => {
  let box: Sandbox;
  let mount: string;
  let source: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (const name of ['a.bin', 'b-bad.bin', 'c.bin', 'd.bin']) fs.writeFileSync(path.join(source, name), Buffer.alloc(300_000, name.charCodeAt(0)));
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
  });
  afterEach(() => box.cleanup());

  it('backup: a source file that answers EIO is reported and not archived; the others are, and the exit is 1', () => {
    const r = box.lto(['backup', TAPE, source, '--mount', mount, '--json'], eio('b-bad.bin@100000-100001'));
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.notArchived, 1);
    assert.deepEqual(
      report.warningList.map((w: { path: string; reason: string }) => [path.basename(w.path), /EIO/.test(w.reason)]),
      [['b-bad.bin', true]],
    );
    assert.deepEqual(locations(mount).map((l) => path.basename(l.path)).sort(), ['a.bin', 'c.bin', 'd.bin']);
    const jobs = box.json<{ jobs: { type: string; status: string; warnings: number }[] }>(['jobs']).jobs;
    assert.deepEqual(jobs.filter((j) => j.type === 'BACKUP').map((j) => [j.status, j.warnings]), [['SUCCESS', 1]]);
    const next = box.lto(['backup', TAPE, source, '--mount', mount, '--incremental', '--json']);
    assert.equal(next.status, 0, 'once readable, the next incremental takes it');
    assert.equal(JSON.parse(next.stdout).files, 1);
  });

  it('restore: a bad block under one file of a segment fails that file only; the others restore byte-exact; exit 1', () => {
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount]).status, 0);
    const bad = locations(mount).find((l) => l.path.endsWith('b-bad.bin'));
    assert.ok(bad);
    const segment = `jobs/${bad.job}/${bad.segment}.tar`;
    const to = path.join(box.root, 'restored');
    const r = box.lto(['restore', TAPE, '--to', to, '--json'], eio(`${segment}@${bad.offset + 4096}-${bad.offset + 4097}`));
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    const problems = report.problems.map((p: { path: string; reason: string }) => [path.basename(p.path), /EIO/.test(p.reason)]);
    assert.deepEqual(problems, [['b-bad.bin', true]]);
    const restored = filesUnder(path.join(to, source));
    assert.deepEqual(restored, ['a.bin', 'c.bin', 'd.bin'], 'no partial copy of the bad file is left');
    for (const name of restored) assert.equal(sha256File(path.join(to, source, name)), sha256File(path.join(source, name)));
  });

  it('verify: a bad block under one file is reported for that file only; the others are checked; exit 4', () => {
    assert.equal(box.lto(['backup', TAPE, source, '--mount', mount]).status, 0);
    const bad = locations(mount).find((l) => l.path.endsWith('b-bad.bin'));
    assert.ok(bad);
    const segment = `jobs/${bad.job}/${bad.segment}.tar`;
    const r = box.lto(['verify', TAPE, '--mount', mount, '--json'], eio(`${segment}@${bad.offset + 4096}-${bad.offset + 4097}`));
    assert.equal(r.status, 4, r.stderr);
    const report = JSON.parse(r.stdout) as { jobs: { filesChecked: number; damaged: { path: string; reason: string }[] }[] };
    assert.deepEqual(report.jobs[0]!.damaged.map((d) => [path.basename(d.path), /EIO/.test(d.reason)]), [['b-bad.bin', true]]);
    assert.equal(report.jobs[0]!.filesChecked, 3);
  });
});
