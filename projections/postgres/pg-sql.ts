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
  /**
   * `name`, when the transaction's client takes it (node-postgres' `{ name, text, values }`),
   * makes the statement a prepared one on that connection: planned once, not per event.
   * An implementation may ignore it.
   */
  query(sql: string, params?: readonly unknown[], name?: string): Promise<{ rows: unknown[] }>;
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

const names = new Map<string, string>();

/** A name for a query's text, the same in every process (a prepared statement per connection). */
export const statementName = (text: string): string => {
  let name = names.get(text);
  if (name === undefined) {
    name = `lto_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
};

/**
 * PostgreSQL text cannot hold NUL, which the names of files whose bytes are not UTF-8 carry
 * (domain/name-bytes.ts: NUL then two hex digits). Every text crossing into PostgreSQL is
 * escaped, and back out unescaped: NUL as U+0001 '0', U+0001 itself as U+0001 '1'. Lossless,
 * and it keeps the order of texts (code point order, the "C" collation: NUL < U+0001 < all
 * else) and their prefixes, so ranges, joins and `path || '/' || name` work on escaped text.
 */
const SOH = '\u0001';
export const toPgText = (text: string): string => (text.includes('\0') || text.includes(SOH) ? text.replace(/[\0\u0001]/g, (c) => (c === '\0' ? `${SOH}0` : `${SOH}1`)) : text);
export const fromPgText = (text: string): string => (text.includes(SOH) ? text.replace(/\u0001([01])/g, (_, d) => (d === '0' ? '\0' : SOH)) : text);

/** A value bound to a statement: its text escaped (toPgText). */
export const toPgValue = (v: unknown): unknown => (typeof v === 'string' ? toPgText(v) : v);
/** A value read back: its text unescaped. */
export const fromPgValue = (v: unknown): unknown => (typeof v === 'string' ? fromPgText(v) : v);

/** A row read back (an array or an object of columns), its texts unescaped. */
export const fromPgRow = (row: unknown): unknown => {
  if (Array.isArray(row)) return row.map(fromPgValue);
  if (typeof row === 'object' && row !== null) return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, fromPgValue(v)]));
  return row;
};

/**
 * Rows of a catalog query, numbers as numbers. Named (by a hash of its text): each
 * connection parses and plans it once, not at every call of a hot loop (a search asks
 * for the versions of up to a hundred names one by one).
 */
export const rows = async (db: PgQueryable, text: string, values: readonly unknown[] = []): Promise<unknown[]> =>
  (await db.query({ text, name: statementName(text), values: values.map(toPgValue), types: PG_TYPES })).rows.map(fromPgRow);

/** Rows as arrays (SQLite's `.raw()`). */
export const rawRows = async (db: PgQueryable, text: string, values: readonly unknown[] = []): Promise<unknown[][]> => {
  const result = await db.query({ text, name: statementName(text), values: values.map(toPgValue), types: PG_TYPES, rowMode: 'array' });
  return result.rows.filter((r): r is unknown[] => Array.isArray(r)).map((r) => r.map(fromPgValue));
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

