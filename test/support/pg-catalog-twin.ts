import * as assert from 'node:assert/strict';
import { lastValueFrom, concatMap } from 'rxjs';
import type { Pool } from 'pg';
import { isTapeId } from '../../domain/tape-id';
import type { EventStore } from '../../infrastructure/event-store/event-store';
import type { Catalog } from '../../projections/ports/catalog';
import type { DirRow } from '../../projections/ports/search-queries';
import { openPgCatalog, type OpenedPgCatalog } from '../../projections/postgres/catalog';
import { inPgTransaction, PG_TYPES } from '../../projections/postgres/pg-sql';
import type { AsyncEventSource, AsyncTapeHistory } from '../../projections/postgres/runner';

/** The SQLite store as the source the PostgreSQL runner reads. */
export const asyncSource = (store: EventStore): AsyncEventSource => ({
  readAll: (from, batch) => store.readAll(from, batch),
  lastPosition: () => store.lastPosition(),
});

/** A tape's audit trail before a position, from the SQLite store, as the PostgreSQL runner asks for it. */
export const asyncHistory =
  (store: EventStore): AsyncTapeHistory =>
  async (tape, position) =>
    isTapeId(tape)
      ? (await store.tapeEvents(tape))
          .map((entry) => entry.event)
          .filter((event) => event.position < position)
          .sort((a, b) => a.position - b.position)
      : [];

/**
 * A PostgreSQL catalog holding the events of a SQLite store, each batch applied in a
 * transaction of its own as the PostgreSQL store's appends would (its hook on `tx`).
 */
export const pgTwin = async (pool: Pool, store: EventStore): Promise<OpenedPgCatalog> => {
  const opened = await openPgCatalog(pool, asyncSource(store), asyncHistory(store));
  await lastValueFrom(
    store.readAll(0, 16).pipe(
      concatMap((batch) =>
        inPgTransaction(pool, (client) =>
          opened.runner.hook(batch, { query: (text, params = []) => client.query({ text, values: [...params], types: PG_TYPES }) }),
        ),
      ),
    ),
    { defaultValue: undefined },
  );
  return opened;
};

const collect = async <A>(items: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/**
 * Every read port of the two catalogs answers the same questions alike (SQLite's synchronous
 * answers; PostgreSQL's awaited). To fold into test/contract/catalog.contract.ts once the
 * async ports are merged (then both sides are awaited the same way).
 */
export const assertSameAnswers = async (sqlite: Catalog, pg: OpenedPgCatalog['catalog']): Promise<void> => {
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

const assertSameJob = async (sqlite: Catalog, pg: OpenedPgCatalog['catalog'], tape: string, job: string, ordinal: number): Promise<void> => {
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

const assertSameSearch = async (sqlite: Catalog, pg: OpenedPgCatalog['catalog'], tapes: readonly string[]): Promise<void> => {
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
