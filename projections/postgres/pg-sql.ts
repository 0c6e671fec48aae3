import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { types } from 'pg';

/**
 * What the catalog needs of a PostgreSQL connection: a query. A pool, a pool's client, or
 * the event store's transaction (`tx`) all have this shape, so the same code reads the
 * shared catalog and applies projections inside an append.
 */
export interface PgQueryable {
  query<R extends QueryResultRow = QueryResultRow>(config: PgQueryConfig): Promise<{ rows: R[] }>;
}

export interface PgQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  readonly name?: string;
  readonly rowMode?: 'array';
  readonly types?: typeof PG_TYPES;
}

/** The event store's transaction as the projection hook sees it (async-spec: `tx.query(sql, params)`). */
export interface PgTx {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (text: string): number => Number(text);

/**
 * Counts, sizes and offsets come back as numbers, as from SQLite: BIGINT (and the NUMERIC a
 * sum of BIGINT gives) would be strings by default. Sizes stay far below 2^53. Scoped to the
 * catalog's queries, not set globally on the pg module.
 */
export const PG_TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return toNumber;
    return format === 'binary' ? types.getTypeParser(oid, 'binary') : types.getTypeParser(oid, 'text');
  },
};

/**
 * SQLite's `?` placeholders as PostgreSQL's `$1, $2, …` (a `?` inside a string literal or a
 * quoted identifier is left alone). Projections write `?`: one statement text for both.
 */
export const numberPlaceholders = (sql: string): string => {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
};

const translated = new Map<string, { text: string; name: string }>();

/** A statement in PostgreSQL's form, named so each connection prepares it once. */
export const pgStatement = (sql: string): { text: string; name: string } => {
  let found = translated.get(sql);
  if (found === undefined) {
    found = { text: numberPlaceholders(sql), name: `lto_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}` };
    translated.set(sql, found);
  }
  return found;
};

/** Rows of a catalog query, numbers as numbers. */
export const rows = async (db: PgQueryable, text: string, values: readonly unknown[] = []): Promise<unknown[]> =>
  (await db.query({ text, values: [...values], types: PG_TYPES })).rows;

/** Rows as arrays (SQLite's `.raw()`). */
export const rawRows = async (db: PgQueryable, text: string, values: readonly unknown[] = []): Promise<unknown[][]> => {
  const result = await db.query({ text, values: [...values], types: PG_TYPES, rowMode: 'array' });
  return result.rows.filter((r): r is unknown[] => Array.isArray(r));
};

/** Runs `work` in one transaction on one client of the pool. */
export const inPgTransaction = async <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

