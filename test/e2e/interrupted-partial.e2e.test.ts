import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

const TAPE = '000950L8';

interface Job {
  type: string;
  status: string;
  files: number;
  bytes: number;
  tapeBytes: number;
}

describe('an interrupted backup shows what its closed segments hold, and counts as partial', () => {
  let box: Sandbox;
  let restored: number;
  before(() => {
    box = sandbox();
    const src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, `${String(i).padStart(2, '0')}.bin`), Buffer.alloc(100_000, i));
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', box.mountPoint('tape')]).status, 0);
    const crashed = box.lto(['backup', TAPE, src, '--segment-size', '1MiB'], { LTO_CRASH_AT: 'after-segment-recorded' });
    assert.equal(crashed.signal, 'SIGKILL');
    const out = path.join(box.root, 'out');
    const restore = box.json<{ restored: { files: number } }>(['restore', TAPE, '--to', out]);
    restored = restore.restored.files;
    assert.ok(restored > 0 && restored < 40, `the closed segments hold some files: ${restored}`);
  });
  after(() => box.cleanup());

  it('lto jobs: INTERRUPTED with the files and bytes of its closed segments', () => {
    const job = box.json<{ jobs: Job[] }>(['jobs', '--tape', TAPE]).jobs.find((j) => j.type === 'BACKUP')!;
    assert.equal(job.status, 'INTERRUPTED');
    assert.equal(job.files, restored);
    assert.equal(job.bytes, restored * 100_000);
    assert.ok(job.tapeBytes > job.bytes);
    assert.match(box.lto(['jobs', '--tape', TAPE]).stdout, new RegExp(`INTERRUPTED.*\\b${restored}\\b`));
  });

  it('lto tape show: the interrupted job with what it kept', () => {
    const shown = box.lto(['tape', 'show', TAPE]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`interrupted, ${restored} file\\(s\\) \\(.+\\) kept in its closed segments`));
    assert.match(shown.stdout, new RegExp(`holds +${restored} file version`));
    const json = box.json<{ backups: { interrupted: { files: number }[] }; content: { files: number } }>(['tape', 'show', TAPE]);
    assert.equal(json.backups.interrupted[0]?.files, restored);
    assert.equal(json.content.files, restored);
  });

  it('lto report: partial, a warning, not "0% of backups succeeded"', () => {
    const r = box.lto(['report', '--json']);
    assert.equal(r.status, 1, 'a warning');
    const tape = (JSON.parse(r.stdout) as { tapes: { health: string; backups: { partial: number; successRate: number | null }; reasons: { text: string }[] }[] }).tapes[0]!;
    assert.equal(tape.health, 'WARNING');
    assert.equal(tape.backups.partial, 1);
    assert.equal(tape.backups.successRate, null);
    assert.ok(tape.reasons.some((x) => x.text === `a backup was interrupted: ${restored} file(s) in closed segments kept; back up again to finish`), JSON.stringify(tape.reasons));
    assert.doesNotMatch(box.lto(['report']).stdout, /0% of backups succeeded/);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
  });
});
