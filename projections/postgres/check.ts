import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { CatalogCheck, TableDifference } from '../check';
import type { ProjectionTable } from '../projection';
import { inPgTransaction, PG_TYPES, rawRows, type PgQueryable } from './pg-sql';
import type { AsyncEventSource, PgProjectionRunner } from './runner';

/**
 * `lto catalog check` on PostgreSQL (projections/check.ts on a server): every event replayed
 * into fresh tables in a schema of its own (made and dropped in one transaction: no other
 * host ever sees it), then each table compared with the live one as multisets of rows
 * (EXCEPT ALL both ways), the first difference reported.
 *
 * Surrogate ids are left out of the comparison, and a row's folder is compared by its tape
 * and path rather than by `dir_id`: PostgreSQL takes identity values outside transactions,
 * so an append rolled back after its projections ran leaves a gap live that a replay does
 * not have, and two hosts appending at once interleave their values. Which rows the
 * catalog holds, and which folder each entry is in, is what must equal the replay.
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
      const difference = await compare(client, table, live, fresh, liveRows);
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

/** A table's rows as compared: its columns but a surrogate `id`, `dir_id` as the folder's tape and path. */
const comparable = (columns: readonly string[], schema: string, table: string): string => {
  const shown = columns.flatMap((c) => {
    if (c === 'id') return [];
    if (c === 'dir_id') return [`(SELECT tape FROM ${schema}.dirs d WHERE d.id = t.dir_id) AS dir_tape`, `(SELECT path FROM ${schema}.dirs d WHERE d.id = t.dir_id) AS dir_path`];
    return [`t.${quoteIdent(c)}`];
  });
  return `SELECT ${shown.join(', ')} FROM ${schema}.${table} t`;
};

const firstOnlyIn = async (db: PgQueryable, a: string, b: string): Promise<string | null> => {
  const [row] = await rawRows(db, `SELECT row_to_json(d)::text FROM (${a} EXCEPT ALL ${b}) d ORDER BY 1 LIMIT 1`);
  const json = row?.[0];
  return typeof json === 'string' ? json : null;
};

const compare = async (db: PgQueryable, table: ProjectionTable, live: string, fresh: string, liveRows: number): Promise<TableDifference | undefined> => {
  const found = await rawRows(db, 'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [
    live,
    table.name,
  ]);
  const columns = found.map(([c]) => c).filter((c): c is string => typeof c === 'string');
  const [a, b] = [comparable(columns, quoteIdent(live), table.name), comparable(columns, fresh, table.name)];
  const firstLive = await firstOnlyIn(db, a, b);
  const firstReplayed = await firstOnlyIn(db, b, a);
  if (firstLive === null && firstReplayed === null) return undefined;
  return { table: table.name, liveRows, replayedRows: await count(db, `${fresh}.${table.name}`), firstLive, firstReplayed };
};
