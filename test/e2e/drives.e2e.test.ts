import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sandbox, type CliResult, type Sandbox } from '../support/cli';

const TAPES = ['000401L7', '000402L7', '000403L7'] as const;

/**
 * Several drives, one catalog (issue 15 §6): jobs on different tapes run at once from
 * separate `lto` processes against the same LTO_HOME. Small segments make each job
 * commit many times, so their transactions interleave.
 */
describe('several drives, one catalog', () => {
  let box: Sandbox;
  let mounts: string[];
  let source: string;
  beforeEach(() => {
    box = sandbox();
    mounts = TAPES.map((tape) => box.mountPoint(`tape-${tape}`));
    source = path.join(box.root, 'source');
    fs.mkdirSync(source);
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(source, `f${i}`), Buffer.alloc(20_000, i));
    TAPES.forEach((tape, i) => assert.equal(box.lto(['tape', 'add', tape, '--mount', mounts[i] ?? '']).status, 0));
  });
  afterEach(() => box.cleanup());

  const all = async (runs: readonly { readonly done: Promise<CliResult> }[]): Promise<CliResult[]> => Promise.all(runs.map((r) => r.done));
  const backup = (i: number) => box.ltoAsync(['backup', TAPES[i] ?? '', source, '--mount', mounts[i] ?? '', '--segment-size', '400KiB', '--json']);

  it('runs three backups to three tapes at once: all succeed and the catalog checks', async () => {
    const results = await all([0, 1, 2].map(backup));
    for (const r of results) {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).status, 'SUCCESS');
      assert.doesNotMatch(r.stderr, /database is locked|internal error/);
    }
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const jobs = box.json<{ jobs: { type: string; status: string }[] }>(['jobs']).jobs;
    assert.deepEqual(jobs.filter((j) => j.type === 'BACKUP').map((j) => j.status), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('runs a backup, a restore and a verify of three tapes at once: all succeed', async () => {
    for (const i of [1, 2]) assert.equal(box.lto(['backup', TAPES[i] ?? '', source, '--mount', mounts[i] ?? '']).status, 0);
    const out = path.join(box.root, 'restored');
    const results = await all([
      backup(0),
      box.ltoAsync(['restore', TAPES[1], '--mount', mounts[1] ?? '', '--to', out]),
      box.ltoAsync(['verify', TAPES[2], '--mount', mounts[2] ?? '']),
    ]);
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readdirSync(path.join(out, source)).length, 200);
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});
