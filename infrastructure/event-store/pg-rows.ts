import pg from 'pg';

/** What runs a query: the pool (reads) or the one client of a transaction (writes, hooks). */
export type PgQueryable = pg.Pool | pg.PoolClient;

/**
 * The transaction an append hook runs in: the same client as the append, so whatever the
 * hook writes commits or rolls back with the events. (Rows come back as objects, as pg
 * gives them; BIGINT columns as numbers, see `pgTypes`.)
 */
export interface PgTx {
  // Mutable arrays in the result: so this type also fits the catalog's view of it ({ rows: unknown[] }).
  query(text: string, values?: readonly unknown[], name?: string): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** The rows of a query as arrays of cells, in the order of its SELECT list. */
export const arrayRows = async (q: PgQueryable, text: string, values: readonly unknown[] = []): Promise<readonly (readonly unknown[])[]> => {
  const result = await q.query({ text, values: [...values], rowMode: 'array' });
  return result.rows;
};

/**
 * BIGINT (int8) as a JavaScript number: positions and seqs stay far below 2^53; a value
 * beyond is refused rather than rounded. Everything else as pg parses it.
 */
export const pgTypes = (): pg.TypeOverrides => {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, 'text', parseInt8);
  return types;
};

const parseInt8 = (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`event store: ${text} does not fit a safe integer`);
  return n;
};

export const cell = <A>(row: readonly unknown[] | undefined, index: number, is: (u: unknown) => u is A, what: string): A => {
  const value = row?.[index];
  if (is(value)) return value;
  throw new Error(`event store: ${what} is ${String(value)}`);
};

const isInteger = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u);

export const integerCell = (row: readonly unknown[] | undefined, index: number, what: string): number => cell(row, index, isInteger, what);
