import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { StoredEvent } from '../../domain/envelope';
import { decodeDomainEvent } from '../../domain/events';
import { mergeInserts, ROWS_PER_INSERT } from '../../projections/postgres/batch';
import { isRowsStatement, rowChunks, type Statement } from '../../projections/projection';
import { PROJECTIONS } from '../../projections/registry';
import { createProjectionTables } from '../../projections/schema';
import { uuid7 } from '../support/events';

const TAPE = '000001L8';
const JOB = uuid7(1);

const stored = (position: number, stream: string, type: string, data: unknown): StoredEvent => ({
  id: uuid7(1000 + position), stream, version: position, type, schema: 1, at: '2026-12-08T03:00:00.000Z', data, position,
} as StoredEvent);

/** Every projection's statements for these events, in the runner's order. */
const statementsOf = (events: readonly StoredEvent[]): Statement[][] =>
  events.map((e) => {
    const decoded = decodeDomainEvent(e.type, e.schema, e.data);
    if (decoded._tag === 'Left') throw new Error(JSON.stringify(decoded.left));
    return PROJECTIONS.flatMap((p) => [...p.project(decoded.right, e)]);
  });

const dump = (db: Database.Database) =>
  PROJECTIONS.flatMap((p) => p.tables).map((t) => db.prepare(`SELECT * FROM ${t.name} ORDER BY ${t.key.join(', ')}`).all());

const replay = (batches: readonly Statement[][], merge: boolean) => {
  const db = new Database(':memory:');
  createProjectionTables(db, PROJECTIONS);
  for (const batch of batches) {
    for (const s of merge ? mergeInserts(batch) : batch) {
      for (const one of isRowsStatement(s) ? rowChunks(s, 7) : [s]) db.prepare(one.sql).run(...one.params);
    }
  }
  const rows = dump(db);
  db.close();
  return rows;
};

const entry = fc.record({
  dir: fc.constantFrom('/a', '/a/b', '/c d', '/'),
  name: fc.constantFrom('x.dng', 'y.txt', 'Z.DNG', 'é'),
  size: fc.nat(1e6),
  extent: fc.boolean(),
});

describe('merged INSERTs (the PostgreSQL runner)', () => {
  it('leave the same rows as the single-row statements they merge, whatever the entries (run on SQLite)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), (segments) => {
        const events = [
          stored(1, `tape-${TAPE}`, 'TapeInitialised', { tape: TAPE, generation: 'L8', capacityBytes: 12e12, description: '', volumeUuid: uuid7(99), format: 'lto-archive/1', encrypted: false, job: JOB }),
          stored(2, `job-${JOB}`, 'JobStarted', { job: JOB, tape: TAPE, type: 'BACKUP', encrypted: false }),
          ...segments.map((entries, i) =>
            stored(3 + i, `job-${JOB}`, 'FilesArchived', {
              job: JOB,
              segment: i + 1,
              entries: entries.map((e, n) => ({
                path: e.dir === '/' ? `/${e.name}` : `${e.dir}/${e.name}`, kind: 'file', size: e.size, mtimeNs: '1', mode: 420, offset: 512 * (n + 1),
                ...(e.extent ? { extent: { offset: 0, fileSize: e.size + 1 } } : {}),
              })),
            }),
          ),
        ];
        const batches = statementsOf(events);
        assert.deepEqual(replay(batches, true), replay(batches, false));
      }),
      { numRuns: 60 },
    );
  });

  it('merge only adjacent statements of one text, at most ROWS_PER_INSERT rows each, and leave others in place', () => {
    const row = (n: number): Statement => ({ sql: 'INSERT INTO t (a) VALUES (?)', params: [n] });
    const other: Statement = { sql: 'UPDATE t SET a = a + 1', params: [] };
    const merged = mergeInserts([row(1), row(2), other, row(3), ...Array.from({ length: ROWS_PER_INSERT + 1 }, (_, i) => row(10 + i))]);
    assert.deepEqual(merged.map((s) => s.params.length), [2, 0, ROWS_PER_INSERT, 2]);
    assert.equal(merged[0]!.sql, 'INSERT INTO t (a) VALUES (?), (?)');
    assert.equal(merged[1], other);
  });
});
