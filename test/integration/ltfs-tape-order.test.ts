import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { runBackup } from '../../application/backup/run-backup';
import { PLAIN_NAMES } from '../../application/entry-names';
import { runRestore } from '../../application/restore/run-restore';
import { segmentRanker, segmentsInTapeOrder } from '../../application/segment-order';
import { runVerify } from '../../application/verify';
import { inTapeOrder, tapeRank } from '../../domain/tape-order';
import { segmentPath } from '../../infrastructure/tape/layout';
import { testApp, type TestApp } from '../support/app';
import { imitateLtfs, setLtfs, userXattrsMissing } from '../support/ltfs';

const backup = async (t: TestApp, mount: string, source: string) => {
  const done = await runBackup(t.app, {
    tape: '000012L5', sources: [source], incremental: false, excludes: [], checksum: false, dryRun: false, mount, segmentTargetBytes: 1,
  });
  assert.ok(E.isRight(done), JSON.stringify(done));
  return done.right;
};

/** Two backup jobs of three one-file segments each (a new segment starts after every file). */
const twoJobs = async (t: TestApp, mount: string) => {
  const jobs: string[] = [];
  for (const name of ['first', 'second']) {
    const source = t.mountPoint(`src-${name}`);
    for (const f of ['a', 'b', 'c']) fs.writeFileSync(path.join(source, `${f}.bin`), `${name}/${f} `.repeat(500));
    const report = await backup(t, mount, source);
    jobs.push(report.job ?? '');
  }
  return jobs;
};

const segmentsOf = (mount: string, job: string): number[] =>
  fs.readdirSync(path.join(mount, 'LTO-ARCHIVE', 'jobs', job)).map((f) => Number.parseInt(f, 10)).sort((a, b) => a - b);

describe('tape order on an LTFS mount (segments by partition and start block)', { skip: userXattrsMissing(os.tmpdir()) }, () => {
  let t: TestApp;
  let mount: string;
  beforeEach(async () => {
    t = await testApp();
    mount = t.mountPoint('ltfs');
    imitateLtfs(mount);
    const added = await addTape(t.app, { barcode: '000012L5', mount, description: '', generation: undefined });
    assert.ok(E.isRight(added), JSON.stringify(added));
  });
  afterEach(() => t.close());

  it('ranks by partition first, then start block; unknown positions last, in their own order', () => {
    assert.ok(tapeRank({ partition: 'a', startBlock: 900 }) < tapeRank({ partition: 'b', startBlock: 5 }));
    assert.ok(tapeRank({ partition: 'b', startBlock: 5 }) < tapeRank({ partition: 'b', startBlock: 6 }));
    const items = [{ n: 1 }, { n: 2, p: { partition: 'b', startBlock: 30 } }, { n: 3 }, { n: 4, p: { partition: 'b', startBlock: 10 } }];
    assert.deepEqual(inTapeOrder(items, (i) => i.p).map((i) => i.n), [4, 2, 1, 3]);
    const none = [{ n: 1 }, { n: 2 }];
    assert.equal(inTapeOrder(none, () => undefined), none);
  });

  it('verify and restore read the segments of several jobs in start-block order, and both still pass', async () => {
    const jobs = await twoJobs(t, mount);
    const all = jobs.flatMap((job) => segmentsOf(mount, job).map((segment) => ({ job, segment })));
    assert.ok(all.length >= 6, `${all.length} segments`);
    // The tape wrote them in an order unlike the catalog's: positions interleave the two jobs.
    const blocks = all.map((_, i) => (((i + 1) * 5) % (all.length + 1)) * 10);
    all.forEach((s, i) => {
      setLtfs(segmentPath(mount, s.job, s.segment), 'partition', 'b');
      setLtfs(segmentPath(mount, s.job, s.segment), 'startblock', String(blocks[i]));
    });
    const expected = all.map((s, i) => ({ ...s, block: blocks[i] ?? 0 })).sort((a, b) => a.block - b.block);

    assert.deepEqual(segmentsInTapeOrder(mount, all), expected.map(({ job, segment }) => ({ job, segment })));

    const selection = await t.app.catalog.restoreSelection();
    await selection.select('000012L5', Number.MAX_SAFE_INTEGER, [], PLAIN_NAMES, segmentRanker(mount));
    const files = [...selection.ofKind('file', 'tape')];
    const blockOf = (job: string, segment: number | null) => expected.find((s) => s.job === job && s.segment === segment)?.block ?? -1;
    const fileBlocks = files.map((f) => blockOf(f.job, f.segment));
    assert.equal(files.length, 6);
    assert.deepEqual(fileBlocks, [...fileBlocks].sort((a, b) => a - b), 'files come in start-block order');
    const catalogOrder = [...files].sort((a, b) => a.job.localeCompare(b.job) || (a.segment ?? 0) - (b.segment ?? 0));
    assert.notDeepEqual(catalogOrder.map((f) => blockOf(f.job, f.segment)), fileBlocks, 'and that is not the catalog order');

    const verified = await runVerify(t.app, { tape: '000012L5', job: undefined, quick: false, noKey: false, mount });
    assert.ok(E.isRight(verified), JSON.stringify(verified));
    assert.equal(verified.right.status, 'PASSED');
    assert.deepEqual(verified.right.jobs.map((j) => [j.job, j.segments, j.filesChecked]), jobs.map((j) => [j, segmentsOf(mount, j).length, 3]));

    const target = t.mountPoint('restored');
    const restored = await runRestore(t.app, { tape: '000012L5', to: target, job: undefined, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount });
    assert.ok(E.isRight(restored), JSON.stringify(restored));
    assert.equal(restored.right.status, 'SUCCESS');
    assert.equal(restored.right.restored.files, 6);
  });

  it('a pass whose tape is mounted later (a span) is put in start-block order then', async () => {
    const jobs = await twoJobs(t, mount);
    const all = jobs.flatMap((job) => segmentsOf(mount, job).map((segment) => ({ job, segment })));
    const blocks = all.map((_, i) => (all.length - i) * 10);
    all.forEach((s, i) => setLtfs(segmentPath(mount, s.job, s.segment), 'startblock', String(blocks[i])));
    const selection = await t.app.catalog.restoreSelection();
    await selection.select('000012L5', Number.MAX_SAFE_INTEGER, [], PLAIN_NAMES, undefined, { pass: 2, onlyJob: jobs[1] ?? '' });
    selection.settle();
    const blockOf = (job: string, segment: number | null) => blocks[all.findIndex((s) => s.job === job && s.segment === segment)] ?? -1;
    const before = [...selection.ofKind('file', 'tape', 2)].map((f) => blockOf(f.job, f.segment));
    assert.equal(before.length, 3);
    assert.deepEqual(before, [...before].sort((a, b) => b - a), 'selected in catalog order, which is the reverse of the blocks');
    const rows = selection.count();
    const ranker = segmentRanker(mount);
    assert.ok(ranker !== undefined);
    selection.rankPass(2, ranker);
    const after = [...selection.ofKind('file', 'tape', 2)].map((f) => blockOf(f.job, f.segment));
    assert.deepEqual(after, [...before].sort((a, b) => a - b));
    assert.equal(selection.count(), rows, 'nothing lost or doubled');
    assert.equal([...selection.ofKind('dir', 'path', 2)].length, 1, 'the folder row is still there');
  });

  it('a damaged segment read out of catalog order is still reported under its own job and segment', async () => {
    const jobs = await twoJobs(t, mount);
    const firstJob = jobs[0] ?? '';
    const [s1, s2] = segmentsOf(mount, firstJob);
    setLtfs(segmentPath(mount, firstJob, s1 ?? 0), 'startblock', '90');
    setLtfs(segmentPath(mount, firstJob, s2 ?? 0), 'startblock', '5');
    const damaged = segmentPath(mount, firstJob, s2 ?? 0);
    const bytes = fs.readFileSync(damaged);
    bytes[600] = (bytes[600] ?? 0) ^ 0xff;
    fs.writeFileSync(damaged, bytes);
    const verified = await runVerify(t.app, { tape: '000012L5', job: undefined, quick: false, noKey: false, mount });
    assert.ok(E.isRight(verified));
    const first = verified.right.jobs.find((j) => j.job === firstJob);
    assert.equal(first?.status, 'CORRUPTED');
    assert.deepEqual(first?.damaged.map((d) => d.segment), [s2]);
    assert.equal(verified.right.jobs.find((j) => j.job === jobs[1])?.status, 'PASSED');
  });

  it('on a plain folder the ranker is absent and the catalog order stays', () => {
    const plain = t.mountPoint('plain');
    assert.equal(segmentRanker(plain), undefined);
    const items = [{ job: 'x', segment: 2 }, { job: 'x', segment: 1 }];
    assert.equal(segmentsInTapeOrder(plain, items), items);
  });
});
