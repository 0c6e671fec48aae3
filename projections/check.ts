import Database from 'better-sqlite3';
import type { Projection, ProjectionTable } from './projection';
import { ProjectionRunner, type EventSource, type TapeHistory } from './runner';

export interface TableDifference {
  readonly table: string;
  readonly liveRows: number;
  readonly replayedRows: number;
  /** The first row (by key order) where the two differ, as JSON, for the report. */
  readonly firstLive: string | null;
  readonly firstReplayed: string | null;
}

export interface CatalogCheck {
  readonly events: number;
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  readonly differences: readonly TableDifference[];
}

/**
 * Replays every event into a fresh in-memory catalog and compares it, table by table
 * and row by row in key order, with the live one. Equal means the live projections are
 * exactly what the events say.
 */
export const checkCatalog = async (
  live: Database.Database,
  source: EventSource,
  projections: readonly Projection[],
  tapeHistory?: TapeHistory,
): Promise<CatalogCheck> => {
  const fresh = new Database(':memory:');
  try {
    const events = await new ProjectionRunner(fresh, projections, tapeHistory).rebuild(source);
    const tables = projections.flatMap((p) => p.tables);
    const differences = tables.flatMap((table) => compareTable(live, fresh, table));
    const counts = tables.map((table) => ({ table: table.name, rows: countRows(live, table.name) }));
    return { events, tables: counts, differences };
  } finally {
    fresh.close();
  }
};

const compareTable = (live: Database.Database, fresh: Database.Database, table: ProjectionTable): TableDifference[] => {
  const query = `SELECT * FROM ${table.name} ORDER BY ${table.key.join(', ')}`;
  const liveRows = live.prepare(query).iterate();
  const freshRows = fresh.prepare(query).iterate();
  for (;;) {
    const a = liveRows.next();
    const b = freshRows.next();
    if (a.done === true && b.done === true) return [];
    const left = a.done === true ? null : JSON.stringify(a.value);
    const right = b.done === true ? null : JSON.stringify(b.value);
    if (left !== right) {
      liveRows.return?.();
      freshRows.return?.();
      return [
        {
          table: table.name,
          liveRows: countRows(live, table.name),
          replayedRows: countRows(fresh, table.name),
          firstLive: left,
          firstReplayed: right,
        },
      ];
    }
  }
};

const countRows = (db: Database.Database, table: string): number => {
  const value: unknown = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
  return typeof value === 'number' ? value : 0;
};
