import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { CatalogCheck, TableDifference } from '../check';
import type { ProjectionTable } from '../projection';
import { inPgTransaction, PG_TYPES, rawRows, type PgQueryable } from './pg-sql';
import type { AsyncEventSource, PgProjectionRunner } from './runner';

/**
 * `lto catalog check` on PostgreSQL (projections/check.ts on a server): every event replayed
 * into fresh tables in a schema of its own, inside one transaction that is rolled back
 * (the schema is dropped before it commits: no other host ever sees it), then each table compared with the live
 * one as multisets of rows (EXCEPT ALL both ways), the first difference reported by key.
 */
export const pgCheckCatalog = (pool: Pool, runner: PgProjectionRunner, source: AsyncEventSource, tables: readonly ProjectionTable[]): Promise<CatalogCheck> =>
  inPgTransaction(pool, async (client) => {
    const live = (await rawRows(client, 'SELECT current_schema()'))[0]?.[0];
    if (typeof live !== 'string') throw new Error('catalog check: the live catalog has no schema');
    const fresh = `lto_check_${randomBytes(6).toString('hex')}`;
    await client.query(`CREATE SCHEMA ${fresh}`);
    // The fresh schema first (where the replay creates its tables), the live one after it for extensions' operators.
    await client.query(`SET LOCAL search_path TO ${fresh}, ${quoteIdent(live)}`);
    const tx = { query: (text: string, params: readonly unknown[] = []) => client.query({ text, values: [...params], types: PG_TYPES }) };
    const events = await runner.forCheck().replayFresh(tx, source);
    const differences: TableDifference[] = [];
    const counts: { table: string; rows: number }[] = [];
    for (const table of tables) {
      const liveRows = await count(client, `${quoteIdent(live)}.${table.name}`);
      counts.push({ table: table.name, rows: liveRows });
      const difference = await compare(client, table, `${quoteIdent(live)}.${table.name}`, `${fresh}.${table.name}`, liveRows);
      if (difference !== undefined) differences.push(difference);
    }
    // Made and dropped in one transaction: no other host ever sees it.
    await client.query(`DROP SCHEMA ${fresh} CASCADE`);
    return { events, tables: counts, differences };
  });

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const count = async (db: PgQueryable, table: string): Promise<number> => {
  const n = (await rawRows(db, `SELECT count(*) FROM ${table}`))[0]?.[0];
  return typeof n === 'number' ? n : 0;
};

const firstOnlyIn = async (db: PgQueryable, a: string, b: string, key: readonly string[]): Promise<string | null> => {
  const order = key.map((k) => `d.${k === 'offset' ? '"offset"' : k}`).join(', ');
  const [row] = await rawRows(db, `SELECT row_to_json(d)::text FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) d ORDER BY ${order} LIMIT 1`);
  const json = row?.[0];
  return typeof json === 'string' ? json : null;
};

const compare = async (db: PgQueryable, table: ProjectionTable, live: string, fresh: string, liveRows: number): Promise<TableDifference | undefined> => {
  const firstLive = await firstOnlyIn(db, live, fresh, table.key);
  const firstReplayed = await firstOnlyIn(db, fresh, live, table.key);
  if (firstLive === null && firstReplayed === null) return undefined;
  return { table: table.name, liveRows, replayedRows: await count(db, fresh), firstLive, firstReplayed };
};
