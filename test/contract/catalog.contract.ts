import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import type { App } from '../../application/app';
import { runBackup } from '../../application/backup/run-backup';
import { addTapeToSet, createSet } from '../../application/sets';
import { changeTapeLabel, createLabel } from '../../application/tags';
import type { JobView } from '../../projections/ports/job-queries';

/**
 * A catalog to test: an App whose event store appends project into it (the way its
 * composition root wires them), in a folder of its own for the tape and the sources.
 */
export interface CatalogUnderTest {
  readonly app: App;
  readonly close: () => void | Promise<void>;
}

const TAPE = '000001L8';
const SET = 'vault';
const LABEL = 'offsite';

/** The files backed up: `root` is the source folder (an absolute path, as catalogued on a plain tape). */
const FILES: Record<string, string> = { 'a.txt': 'alpha\n', 'b.dng': 'raw bytes of b', 'sub/c.dng': 'raw bytes of c, a little longer' };

const rightOf = <L, A>(result: E.Either<L, A>): A => {
  if (E.isLeft(result)) assert.fail(`expected Right, got ${JSON.stringify(result.left)}`);
  return result.right;
};

/** Reverses a name suffix as the search port takes it (`.dng` → `gnd.`). */
const reversed = (suffix: string): string => [...suffix.toLowerCase()].reverse().join('');

/**
 * What the catalog's read ports answer after a handful of real events, made by the use
 * cases themselves: a tape added (a folder standing in for it), a backup of three files,
 * a label defined and put on the tape, a set defined and the tape put in it. Runs
 * unchanged against every Catalog implementation (SQLite now; PostgreSQL adds itself).
 */
export const catalogContract = (name: string, open: (folder: string) => CatalogUnderTest | Promise<CatalogUnderTest>): void => {
  describe(`${name}: Catalog contract`, () => {
    let folder = '';
    let opened: CatalogUnderTest;
    let app: App;
    let root = '';
    let backup: JobView;

    before(async () => {
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-catalog-contract-'));
      opened = await open(folder);
      app = opened.app;
      root = path.join(folder, 'src');
      for (const [rel, text] of Object.entries(FILES)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
      }
      const mount = path.join(folder, 'tape');
      fs.mkdirSync(mount);
      rightOf(await addTape(app, { barcode: TAPE, mount, description: 'contract tape', generation: undefined }));
      const done = rightOf(
        await runBackup(app, { tape: TAPE, sources: [root], incremental: false, excludes: [], checksum: false, dryRun: false, mount, segmentTargetBytes: 1024 * 1024 }),
      );
      assert.equal(done.status, 'SUCCESS');
      rightOf(await createLabel(app, LABEL, '#6f42c1'));
      rightOf(await changeTapeLabel(app, 'assign', TAPE, LABEL, mount));
      rightOf(await createSet(app, SET, '2', 'two copies'));
      rightOf(await addTapeToSet(app, SET, TAPE, mount));
      const found = (await app.catalog.jobs({ tape: TAPE })).find((j) => j.type === 'BACKUP');
      assert.ok(found !== undefined, 'the backup is a job of the tape');
      backup = found;
    });

    after(async () => {
      await opened.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });

    it('lists the tape, its details and the files it holds', async () => {
      const tapes = await app.catalog.tapes();
      assert.deepEqual(tapes.map((t) => [t.id, t.generation, t.description, t.encrypted, t.state]), [[TAPE, 'L8', 'contract tape', false, 'ACTIVE']]);
      assert.ok((tapes[0]?.usedBytes ?? 0) > 0, 'the backup used some of the tape');
      assert.deepEqual(await app.catalog.tape(TAPE), tapes[0]);
      assert.equal(await app.catalog.tape('000099L8'), undefined);
      const info = await app.catalog.tapeInfo(TAPE);
      assert.equal(info?.lastJobId, backup.id);
      assert.deepEqual(await app.catalog.keySlots(TAPE), []);
      assert.deepEqual((await app.catalog.storedFiles()).get(TAPE)?.files, 3);
    });

    it('lists the jobs: the tape added, then the backup with its totals and sources', async () => {
      const jobs = await app.catalog.jobs({ tape: TAPE });
      assert.deepEqual(jobs.map((j) => [j.type, j.status]), [['ADD_TAPE', 'SUCCESS'], ['BACKUP', 'SUCCESS']]);
      assert.equal(backup.files, 3);
      assert.equal(backup.mode, 'FULL');
      assert.deepEqual(backup.sources, [root]);
      assert.ok(jobs[0]!.ordinal < backup.ordinal, 'jobs are ordered as their starts were stored');
      assert.deepEqual(await app.catalog.jobs({ status: 'RUNNING' }), []);
      assert.equal(await app.catalog.spanOf(backup.id), undefined);
    });

    it('browses the tape as of the backup: a folder\'s children, one child, the folders holding entries', async () => {
      const children = await app.catalog.browse.children(TAPE, backup.ordinal, root);
      assert.deepEqual(children.map((c) => [c.name, c.kind]), [['a.txt', 'file'], ['b.dng', 'file'], ['sub', 'dir']]);
      assert.equal(children.find((c) => c.name === 'a.txt')?.size, FILES['a.txt']!.length);
      assert.deepEqual((await app.catalog.browse.child(TAPE, backup.ordinal, path.join(root, 'sub'), 'c.dng')).map((c) => c.job), [backup.id]);
      assert.equal(await app.catalog.browse.holdsAnything(TAPE), true);
      assert.equal(await app.catalog.browse.heldAsFolder(TAPE, backup.ordinal, root, 'sub'), true);
      assert.deepEqual(await app.catalog.browse.foldersHolding(TAPE, backup.ordinal, root), [root, path.join(root, 'sub')]);
      assert.equal(await app.catalog.folders.count({ tape: TAPE, dir: root, ordinal: backup.ordinal }), 3);
      assert.deepEqual((await app.catalog.folders.page({ tape: TAPE, dir: root, ordinal: backup.ordinal, limit: 2 }, { offset: 1 })).map((e) => e.name), ['b.dng', 'sub']);
    });

    it('searches names by suffix and by literal, and reads every version', async () => {
      const page = await app.catalog.search.suffixPage(reversed('.dng'), [TAPE], 10);
      assert.equal(page.total, 2);
      assert.deepEqual(page.names.map((n) => n.name), ['b.dng', 'c.dng']);
      const hits = await app.catalog.search.hitsOfName(TAPE, 'c.dng', 10);
      assert.deepEqual(hits.map((h) => [h.dir, h.name, h.job]), [[path.join(root, 'sub'), 'c.dng', backup.id]]);
      assert.deepEqual((await app.catalog.search.namesContaining(['txt'])).map((n) => n.name), ['a.txt']);
      const dirs: string[] = [];
      for await (const d of app.catalog.search.dirs()) dirs.push(d.path);
      assert.ok(dirs.includes(root) && dirs.includes(path.join(root, 'sub')));
      const all: string[] = [];
      for await (const h of app.catalog.search.allHits([TAPE])) all.push(h.name);
      assert.deepEqual([...all].sort(), ['a.txt', 'b.dng', 'c.dng', 'src', 'sub']);
      const rootDir = await (async () => {
        for await (const d of app.catalog.search.dirs()) if (d.path === root) return d;
        return undefined;
      })();
      assert.ok(rootDir !== undefined);
      const names = await app.catalog.search.entryNamesIn(rootDir.id);
      assert.deepEqual(names.map(([, n]) => n), ['a.txt', 'b.dng', 'sub']);
      assert.deepEqual((await app.catalog.search.hitsByIds([names[1]![0]])).map((h) => h.name), ['b.dng']);
    });

    it('gives what verify checks: the closed segments and the files each holds', async () => {
      const segments = await app.catalog.verify.segmentsOf(backup.id);
      assert.equal(segments.length, 1);
      assert.match(segments[0]!.sha256, /^[0-9a-f]{64}$/);
      const files = await app.catalog.verify.filesOf(backup.id, segments[0]!.segment);
      assert.deepEqual(files.map((f) => path.basename(f.path)).sort(), ['a.txt', 'b.dng', 'c.dng']);
    });

    it('holds the label and the set the tape was given, and where it is', async () => {
      assert.deepEqual((await app.catalog.labels.labels()).map((l) => [l.name, l.color, l.tapes]), [[LABEL, '#6f42c1', 1]]);
      assert.deepEqual((await app.catalog.labels.ofTape(TAPE)).map((l) => l.name), [LABEL]);
      assert.deepEqual([...(await app.catalog.labels.byTape()).keys()], [TAPE]);
      assert.deepEqual(await app.catalog.labels.tapesWith(LABEL), [TAPE]);
      assert.deepEqual((await app.catalog.sets.sets()).map((s) => [s.name, s.copies, s.description]), [[SET, 2, 'two copies']]);
      assert.equal((await app.catalog.sets.set(SET))?.copies, 2);
      assert.deepEqual((await app.catalog.sets.tapesOf(SET)).map((m) => [m.tape, m.location]), [[TAPE, 'library']]);
      assert.equal((await app.catalog.sets.members()).get(TAPE)?.set, SET);
      assert.equal(await app.catalog.sets.continuedFrom(TAPE), false);
      assert.equal(await app.catalog.sets.location(TAPE), 'library');
      assert.equal((await app.catalog.sets.locations()).size, 0, 'a tape never moved is in the library');
    });

    it('places the backup on its tape as the original, and compares an incremental with it', async () => {
      assert.deepEqual(await app.catalog.copies.placesOf(backup.id), [{ tape: TAPE, job: backup.id, original: true }]);
      const baseline = await app.catalog.baseline(TAPE);
      assert.equal(baseline.latest(path.join(root, 'sub', 'c.dng'))?.kind, 'file');
      assert.equal(baseline.latest(path.join(root, 'nope')), undefined);
    });

    it('describes the tape\'s contents as lines, and a replay of every event equals the live catalog', async () => {
      const contents = await app.catalog.tapeContents(TAPE);
      assert.equal(contents.jobs.length, 2);
      assert.equal(contents.versions.filter((v) => v.includes('.dng')).length, 2);
      const check = await app.catalog.check();
      assert.ok(check.events > 0);
      assert.deepEqual(check.differences, []);
    });
  });
};
