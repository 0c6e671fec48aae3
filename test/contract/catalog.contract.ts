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
import Database from 'better-sqlite3';
import { isTapeId } from '../../domain/tape-id';
import type { StoredEvent } from '../../domain/envelope';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import { SqliteEventStore } from '../../infrastructure/event-store/sqlite-event-store';
import type { Catalog } from '../../projections/ports/catalog';
import type { JobView } from '../../projections/ports/job-queries';
import type { DirRow } from '../../projections/ports/search-queries';
import { openSqliteCatalog } from '../../projections/sqlite/catalog';

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
export const catalogContract = (
  name: string,
  open: (folder: string) => CatalogUnderTest | Promise<CatalogUnderTest>,
  options: { readonly skip?: string | undefined } = {},
): void => {
  describe(`${name}: Catalog contract`, { skip: options.skip ?? false }, () => {
    let folder = '';
    let opened: CatalogUnderTest;
    let app: App;
    let root = '';
    let backup: JobView;

    before(async () => {
      if (options.skip !== undefined) return;
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
      if (options.skip !== undefined) return;
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

    it('answers every read port as the embedded SQLite catalog replayed from the same events does', async () => {
      const reference = await sqliteReplayOf(app.store, (await app.catalog.tapes()).map((t) => t.id));
      try {
        await assertSameAnswers(reference.catalog, app.catalog);
      } finally {
        reference.close();
      }
    });
  });
};

/** A SQLite catalog built by replaying every event of `store` (the reference the others are held to). */
const sqliteReplayOf = async (store: EventStore, tapes: readonly string[]): Promise<{ readonly catalog: Catalog; readonly close: () => void }> => {
  const histories = new Map<string, readonly StoredEvent[]>();
  for (const tape of tapes) {
    if (isTapeId(tape)) histories.set(tape, (await store.tapeEvents(tape)).map((entry) => entry.event).sort((a, b) => a.position - b.position));
  }
  const db = new Database(':memory:');
  // Its own (empty) event tables, as every SQLite catalog file has; the events are read from `store`.
  new SqliteEventStore(db);
  const opened = openSqliteCatalog(db, store, (tape, position) => (histories.get(tape) ?? []).filter((e) => e.position < position));
  await opened.runner.catchUp(store);
  return { catalog: opened.catalog, close: () => db.close() };
};

const collect = async <A>(items: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/**
 * Every read port of two catalogs answers the same questions alike: `sqlite` the reference
 * (the embedded catalog), `pg` the one under test (PostgreSQL, or a live SQLite catalog).
 */
export const assertSameAnswers = async (sqlite: Catalog, pg: Catalog): Promise<void> => {
  const tapes = await sqlite.tapes();
  assert.deepEqual(await pg.tapes(), tapes, 'tapes()');
  assert.deepEqual(await pg.storedFiles(), await sqlite.storedFiles(), 'storedFiles()');
  const jobs = await sqlite.jobs();
  assert.deepEqual(await pg.jobs(), jobs, 'jobs()');
  assert.deepEqual(await pg.jobs({ status: 'SUCCESS' }), await sqlite.jobs({ status: 'SUCCESS' }), 'jobs({ status })');
  assert.deepEqual(await pg.labels.labels(), await sqlite.labels.labels(), 'labels.labels()');
  assert.deepEqual(await pg.labels.byTape(), await sqlite.labels.byTape(), 'labels.byTape()');
  assert.deepEqual(await pg.sets.sets(), await sqlite.sets.sets(), 'sets.sets()');
  assert.deepEqual(await pg.sets.members(), await sqlite.sets.members(), 'sets.members()');
  assert.deepEqual(await pg.sets.locations(), await sqlite.sets.locations(), 'sets.locations()');
  for (const tape of tapes) {
    assert.deepEqual(await pg.tape(tape.id), await sqlite.tape(tape.id), `tape(${tape.id})`);
    assert.deepEqual(await pg.tapeInfo(tape.id), await sqlite.tapeInfo(tape.id), `tapeInfo(${tape.id})`);
    assert.deepEqual(await pg.keySlots(tape.id), await sqlite.keySlots(tape.id), `keySlots(${tape.id})`);
    assert.deepEqual(await pg.jobs({ tape: tape.id }), await sqlite.jobs({ tape: tape.id }), `jobs({ tape: ${tape.id} })`);
    assert.deepEqual(await pg.tapeContents(tape.id), await sqlite.tapeContents(tape.id), `tapeContents(${tape.id})`);
    assert.deepEqual(await pg.browse.holdsAnything(tape.id), await sqlite.browse.holdsAnything(tape.id), `holdsAnything(${tape.id})`);
    assert.deepEqual(await pg.labels.ofTape(tape.id), await sqlite.labels.ofTape(tape.id), `labels.ofTape(${tape.id})`);
    assert.deepEqual(await pg.sets.location(tape.id), await sqlite.sets.location(tape.id), `sets.location(${tape.id})`);
    assert.deepEqual(await pg.sets.continuedFrom(tape.id), await sqlite.sets.continuedFrom(tape.id), `sets.continuedFrom(${tape.id})`);
    for (const job of await sqlite.jobs({ tape: tape.id })) await assertSameJob(sqlite, pg, tape.id, job.id, job.ordinal);
  }
  await assertSameSearch(sqlite, pg, tapes.map((t) => t.id));
};

const assertSameJob = async (sqlite: Catalog, pg: Catalog, tape: string, job: string, ordinal: number): Promise<void> => {
  assert.deepEqual(await pg.spanOf(job), await sqlite.spanOf(job), `spanOf(${job})`);
  assert.deepEqual(await pg.copies.placesOf(job), await sqlite.copies.placesOf(job), `copies.placesOf(${job})`);
  const segments = await sqlite.verify.segmentsOf(job);
  assert.deepEqual(await pg.verify.segmentsOf(job), segments, `verify.segmentsOf(${job})`);
  for (const s of segments) assert.deepEqual(await pg.verify.filesOf(job, s.segment), await sqlite.verify.filesOf(job, s.segment), `verify.filesOf(${job}, ${s.segment})`);
  const folders = await sqlite.browse.foldersHolding(tape, ordinal, '/');
  assert.deepEqual(await pg.browse.foldersHolding(tape, ordinal, '/'), folders, `foldersHolding(${tape}, ${ordinal})`);
  assert.deepEqual(await pg.browse.foldersHolding(tape, ordinal, '/', 2), await sqlite.browse.foldersHolding(tape, ordinal, '/', 2), 'foldersHolding with a limit');
  for (const dir of folders) {
    const q = { tape, dir, ordinal };
    assert.equal(await pg.folders.count(q), await sqlite.folders.count(q), `folders.count(${dir})`);
    const first = await sqlite.folders.page({ ...q, limit: 2 }, { offset: 0 });
    assert.deepEqual(await pg.folders.page({ ...q, limit: 2 }, { offset: 0 }), first, `folders.page(${dir}, offset 0)`);
    assert.deepEqual(await pg.folders.page({ ...q, limit: 2 }, { offset: 1 }), await sqlite.folders.page({ ...q, limit: 2 }, { offset: 1 }), `folders.page(${dir}, offset 1)`);
    for (const e of first) {
      assert.deepEqual(await pg.folders.page({ ...q, limit: 2 }, { after: e.name }), await sqlite.folders.page({ ...q, limit: 2 }, { after: e.name }), `after ${e.name}`);
      assert.deepEqual(await pg.folders.page({ ...q, limit: 2 }, { before: e.name }), await sqlite.folders.page({ ...q, limit: 2 }, { before: e.name }), `before ${e.name}`);
    }
    const children = await sqlite.browse.children(tape, ordinal, dir);
    assert.deepEqual(await pg.browse.children(tape, ordinal, dir), children, `children(${tape}, ${ordinal}, ${dir})`);
    for (const c of children) {
      assert.deepEqual(await pg.browse.child(tape, ordinal, dir, c.name), await sqlite.browse.child(tape, ordinal, dir, c.name), `child(${dir}/${c.name})`);
      assert.equal(await pg.browse.heldAsFolder(tape, ordinal, dir, c.name), await sqlite.browse.heldAsFolder(tape, ordinal, dir, c.name), `heldAsFolder(${dir}/${c.name})`);
    }
  }
};

const assertSameSearch = async (sqlite: Catalog, pg: Catalog, tapes: readonly string[]): Promise<void> => {
  for (const suffix of ['txt.', 'txt', 'a', '', 'gnd.', 'b.gnd:cne']) {
    assert.deepEqual(await pg.search.suffixPage(suffix, tapes, 3), await sqlite.search.suffixPage(suffix, tapes, 3), `suffixPage(${suffix})`);
  }
  const byName = (a: { tape: string; name: string }, b: { tape: string; name: string }) => (a.tape + a.name < b.tape + b.name ? -1 : 1);
  for (const literals of [[], ['.txt'], ['A'], ['e', 'x'], ['enc:']]) {
    // A superset the caller filters (each may add candidates: names holding a NUL on SQLite, an escape on PostgreSQL):
    // what holds every literal is the same, in no set order.
    const holds = (n: { name: string }) => literals.every((l) => n.name.toLowerCase().includes(l.toLowerCase()));
    const exact = (await sqlite.search.namesContaining(literals)).filter(holds).sort(byName);
    assert.deepEqual((await pg.search.namesContaining(literals)).filter(holds).sort(byName), exact, `namesContaining(${literals.join()})`);
  }
  // Surrogate ids are each catalog's own (SQLite reuses a rowid freed by a forgotten tape, PostgreSQL's identity does not):
  // folders are compared by tape and path, and each catalog is asked with its own ids.
  const byPlace = (a: DirRow, b: DirRow) => (a.tape + a.path < b.tape + b.path ? -1 : a.tape + a.path > b.tape + b.path ? 1 : 0);
  const place = (d: DirRow) => ({ tape: d.tape, path: d.path });
  const dirs = (await collect(sqlite.search.dirs())).sort(byPlace);
  const pgDirs = (await collect(pg.search.dirs())).sort(byPlace);
  assert.deepEqual(pgDirs.map(place), dirs.map(place), 'search.dirs()');
  const sqliteIds: number[] = [];
  const pgIds: number[] = [];
  for (const [i, dir] of dirs.entries()) {
    const mine = await sqlite.search.entryNamesIn(dir.id);
    const theirs = await pg.search.entryNamesIn(pgDirs[i]!.id);
    assert.deepEqual(theirs.map(([, name]) => name), mine.map(([, name]) => name), `entryNamesIn(${dir.path})`);
    sqliteIds.push(...mine.map(([id]) => id));
    pgIds.push(...theirs.map(([id]) => id));
  }
  const all = await collect(sqlite.search.allHits(undefined));
  assert.deepEqual(await collect(pg.search.allHits(undefined)), all, 'allHits(all tapes)');
  assert.deepEqual(await collect(pg.search.allHits(tapes.slice(0, 1))), await collect(sqlite.search.allHits(tapes.slice(0, 1))), 'allHits(one tape)');
  for (const hit of all.slice(0, 20)) {
    assert.deepEqual(await pg.search.hitsOfName(hit.tape, hit.name, 5), await sqlite.search.hitsOfName(hit.tape, hit.name, 5), `hitsOfName(${hit.name})`);
  }
  assert.deepEqual(await pg.search.hitsByIds(pgIds.reverse().slice(0, 30)), await sqlite.search.hitsByIds(sqliteIds.reverse().slice(0, 30)), 'hitsByIds');
};
