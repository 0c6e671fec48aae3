import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { filesProjection } from '../files';
import { jobsProjection } from '../jobs';
import { createProjectionTables } from '../schema';
import { spansProjection } from '../spans';
import { fromPgValue, PG_TYPES } from './pg-sql';

/** Rows copied per round trip. */
const PAGE = 10_000;

/** Each table a job's working tables read, and how to pick the rows of some tapes (`$1`: the tapes). */
const TABLES: readonly { readonly table: string; readonly select: string }[] = [
  { table: 'file_jobs', select: 'SELECT * FROM file_jobs WHERE tape = ANY($1::text[])' },
  { table: 'jobs', select: 'SELECT j.* FROM jobs j JOIN file_jobs f ON f.job = j.id WHERE f.tape = ANY($1::text[])' },
  { table: 'dirs', select: 'SELECT * FROM dirs WHERE tape = ANY($1::text[])' },
  { table: 'entries', select: 'SELECT e.* FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE d.tape = ANY($1::text[])' },
  { table: 'file_extents', select: 'SELECT x.* FROM file_extents x JOIN file_jobs f ON f.job = x.job WHERE f.tape = ANY($1::text[])' },
];

/**
 * The working tables of one job (a backup's scan, an incremental's baseline, a restore's
 * selection) stay synchronous and local with a shared catalog (async-spec): they are hit
 * once per file in hot loops. So the files of the tapes a job needs are copied in bulk
 * from PostgreSQL into an in-memory SQLite database, with the same ids, once; the SQLite
 * implementations of those ports then run on it unchanged (projections/sqlite/).
 */
export class TapeScratch {
  readonly db = new Database(':memory:');
  private readonly loaded = new Set<string>();

  constructor(private readonly pool: Pool) {
    createProjectionTables(this.db, [jobsProjection, filesProjection, spansProjection]);
  }

  /** Copies the files of these tapes (those not copied yet). */
  async load(tapes: readonly string[]): Promise<void> {
    const missing = tapes.filter((t) => !this.loaded.has(t));
    if (missing.length === 0) return;
    for (const { table, select } of TABLES) await this.copy(table, select, missing);
    for (const t of missing) this.loaded.add(t);
  }

  /** One table's rows through a cursor, a page per round trip, into the same table here. */
  private async copy(table: string, select: string, tapes: readonly string[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query({ text: `DECLARE copy_rows NO SCROLL CURSOR FOR ${select}`, values: [[...tapes]] });
      for (;;) {
        const page = await client.query({ text: `FETCH ${PAGE} FROM copy_rows`, types: PG_TYPES, rowMode: 'array' });
        if (page.rows.length === 0) break;
        const columns = page.fields.map((f) => `"${f.name}"`);
        const insert = this.db.prepare(`INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        this.db.transaction(() => {
          for (const row of page.rows) if (Array.isArray(row)) insert.run(...row.map((v) => sqliteValue(fromPgValue(v))));
        })();
        if (page.rows.length < PAGE) break;
      }
      await client.query('COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}

/** A PostgreSQL value as SQLite binds it (numbers, text and NULL are all the catalog's tables hold). */
const sqliteValue = (v: unknown): string | number | null => (typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
