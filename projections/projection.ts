import type { StoredEvent } from '../domain/envelope';
import type { DomainEvent } from '../domain/events';

export type SqlValue = string | number | null;

/** One SQL statement a projection wants run; the runner prepares and caches it. */
export type Statement = SingleStatement | RowsStatement;

export interface SingleStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Where a RowsStatement's rows go in its SQL. */
export const ROWS = '{rows}';

/**
 * One statement over many rows (a FilesArchived event's entries): `sql` holds `{rows}`
 * where the rows' tuples go (`INSERT INTO t (a, b) VALUES {rows}`, or `... FROM (VALUES
 * {rows}) AS v ...`), `row` is one row's tuple of placeholders, `params` every row's
 * values one row after the other, and `after` the values of placeholders after the rows
 * (none may come before them). The runner runs as many rows per statement as the
 * database's bound on variables allows (portable SQL: SQLite and PostgreSQL both read
 * multi-row VALUES), in order.
 */
export interface RowsStatement {
  readonly sql: string;
  readonly row: string;
  /** Variables per row (the `?` in `row`). */
  readonly width: number;
  readonly params: readonly SqlValue[];
  readonly after: readonly SqlValue[];
}

export const sql = (text: string, ...params: SqlValue[]): SingleStatement => ({ sql: text, params });

/** `params` holds the rows' values one row after the other (a flat array: no array per row to collect). */
export const rowsStatement = (text: string, row: string, params: readonly SqlValue[], after: readonly SqlValue[] = []): RowsStatement => {
  const width = (row.match(/\?/g) ?? []).length;
  if (width === 0 || params.length % width !== 0) throw new Error(`${params.length} values do not make rows of ${width}: ${row}`);
  if (!text.includes(ROWS) || text.slice(0, text.indexOf(ROWS)).includes('?')) throw new Error(`no ${ROWS}, or placeholders before it: ${text}`);
  return { sql: text, row, width, params, after };
};

export const isRowsStatement = (s: Statement): s is RowsStatement => 'row' in s;

/** A RowsStatement as plain statements of at most `maxRows` rows each, in order (a runner that does not cache by row count). */
export const rowChunks = (s: RowsStatement, maxRows: number): SingleStatement[] => {
  const rows = s.params.length / s.width;
  const out: SingleStatement[] = [];
  for (let first = 0; first < rows; first += maxRows) {
    const count = Math.min(maxRows, rows - first);
    const text = s.sql.replace(ROWS, Array.from({ length: count }, () => s.row).join(', '));
    out.push({ sql: text, params: [...s.params.slice(first * s.width, (first + count) * s.width), ...s.after] });
  }
  return out;
};

/**
 * A projection is pure: it declares its tables and turns one event into statements.
 * The runner applies a batch of them and the checkpoint in one transaction.
 */
export interface Projection {
  readonly name: string;
  /** CREATE TABLE / CREATE INDEX statements, idempotent (IF NOT EXISTS). */
  readonly schema: readonly string[];
  /** Tables it owns: dropped by a rebuild, compared by a check. */
  readonly tables: readonly ProjectionTable[];
  readonly project: (event: DomainEvent, stored: StoredEvent) => readonly Statement[];
}

export interface ProjectionTable {
  readonly name: string;
  /** Columns that order rows deterministically for comparisons and dumps. */
  readonly key: readonly string[];
}

export const bool = (b: boolean): number => (b ? 1 : 0);

/**
 * `?, ?, ?` for a list bound one value per placeholder: `IN (${inList(xs)})` reads the same
 * in SQLite and PostgreSQL (SQLite's json_each has no PostgreSQL twin). An empty list is
 * `NULL`, which nothing equals (PostgreSQL refuses `IN ()`).
 */
export const inList = (values: readonly unknown[]): string => (values.length === 0 ? 'NULL' : values.map(() => '?').join(', '));
