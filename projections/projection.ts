import type { StoredEvent } from '../domain/envelope';
import type { DomainEvent } from '../domain/events';

export type SqlValue = string | number | null;

/** One SQL statement a projection wants run; the runner prepares and caches it. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

export const sql = (text: string, ...params: SqlValue[]): Statement => ({ sql: text, params });

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
