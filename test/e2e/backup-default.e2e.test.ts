import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

interface BackupJson {
  mode: string;
  modeReason: string;
  files: number;
  bytes: number;
}

interface ProgressLine {
  type: string;
  phase: string;
  bytes: number;
  totalBytes: number;
  at: string;
}

const TAPE = '000700L8';
const BIG = 24 * 1024 * 1024;

/** NDJSON progress lines of stderr (anything else there fails the parse, as a reader's would). */
const progressLines = (stderr: string): ProgressLine[] =>
  stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ProgressLine);

describe('backup mode chosen as Bareos does, and progress within a file', () => {
  let box: Sandbox;
  let src: string;
  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'small.txt'), 'small');
    fs.writeFileSync(path.join(src, 'big.bin'), randomBytes(BIG));
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', box.mountPoint('tape')]).status, 0);
  });
  after(() => box.cleanup());

  it('the first backup of a source is full and says why; NDJSON progress on stderr moves within the big file', () => {
    const r = box.lto(['backup', TAPE, src, '--json'], { LTO_PROGRESS_MS: '0' });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as BackupJson;
    assert.equal(summary.mode, 'FULL');
    assert.match(summary.modeReason, /holds no earlier backup/);
    assert.equal(summary.files, 2);
    const lines = progressLines(r.stderr);
    assert.ok(lines.length > 0, 'progress lines on stderr');
    for (const line of lines) {
      assert.equal(line.type, 'progress');
      assert.match(line.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const writing = lines.filter((l) => l.phase === 'write');
    assert.equal(writing.at(-1)?.bytes, BIG + 5, 'the last line counts every byte');
    // 24 MiB streams in 4 MiB chunks: lines between "nothing of it" and "all of it".
    const within = writing.filter((l) => l.bytes > 5 && l.bytes < BIG);
    assert.ok(within.length >= 2, `progress within the big file: ${JSON.stringify(writing.map((l) => l.bytes))}`);
  });

  it('the next backup of the same source is incremental, says so, and writes nothing unchanged', () => {
    const r = box.lto(['backup', TAPE, src]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^incremental backup: 000700L8 already holds this source; only what is new or changed is written/m);
    assert.match(r.stdout, /SUCCESS: 0 files/);
  });

  it('a source the tape does not hold yet is written whole in that incremental', () => {
    const other = path.join(box.root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'o.txt'), 'other');
    const summary = box.json<BackupJson>(['backup', TAPE, src, other]);
    assert.equal(summary.mode, 'INCREMENTAL');
    assert.match(summary.modeReason, /1 of 2 sources/);
    assert.equal(summary.files, 1);
  });

  it('--full writes everything again', () => {
    const summary = box.json<BackupJson>(['backup', TAPE, src, '--full']);
    assert.equal(summary.mode, 'FULL');
    assert.match(summary.modeReason, /--full/);
    assert.equal(summary.files, 2);
  });

  it('--full with --incremental is bad usage, in one line', () => {
    const r = box.lto(['backup', TAPE, src, '--full', '--incremental']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error: --full "--incremental": expected one of --full and --incremental/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('restore and verify with --json report progress as NDJSON on stderr, the summary alone on stdout', () => {
    const out = path.join(box.root, 'out');
    const restore = box.lto(['restore', TAPE, '--to', out, '--json'], { LTO_PROGRESS_MS: '0' });
    assert.equal(restore.status, 0, restore.stderr);
    JSON.parse(restore.stdout);
    const restoring = progressLines(restore.stderr).filter((l) => l.phase === 'restore');
    assert.ok(restoring.some((l) => l.bytes > 5 && l.bytes < BIG), `restore progress within the big file: ${JSON.stringify(restoring.map((l) => l.bytes))}`);
    const verify = box.lto(['verify', TAPE, '--json'], { LTO_PROGRESS_MS: '0' });
    assert.equal(verify.status, 0, verify.stderr);
    JSON.parse(verify.stdout);
    const verifying = progressLines(verify.stderr).filter((l) => l.phase === 'verify');
    assert.ok(verifying.some((l) => l.bytes > 0 && l.bytes < l.totalBytes), `verify progress within a segment: ${JSON.stringify(verifying.map((l) => l.bytes))}`);
  });
});
