import Database from 'better-sqlite3';
import { PROJECTIONS } from '../../projections/registry';

/** Jobs that never reach a tape: a catalog recovered from tapes cannot hold them. */
const LOCAL_ONLY_TYPES = new Set(['BROWSE', 'RECOVERY']);

type Row = Record<string, unknown>;

/**
 * Tables of facts that live in this catalog only: label definitions (a tape carries the
 * labels put on it, with their colour, in `tape_labels`, but not when or whether a
 * label was defined here).
 */
const LOCAL_TABLES = new Set(['labels']);

/**
 * Every projection of a catalog as canonical JSON: rows sorted, and what only says in
 * which order events reached this machine replaced by what it stands for (surrogate
 * ids dropped, a folder id by its path, a job's store position by its rank on its
 * tape). Jobs that stay local (browse, recovery) and label definitions are left out:
 * they are not on tape.
 */
export const dumpCatalog = (file: string): string => {
  const db = new Database(file, { readonly: true });
  try {
    const localJobs = new Set(
      db
        .prepare('SELECT id, type FROM jobs')
        .all()
        .flatMap((r) => (typeof r === 'object' && r !== null && 'type' in r && LOCAL_ONLY_TYPES.has(String(r.type)) && 'id' in r ? [String(r.id)] : [])),
    );
    const dirPath = new Map<unknown, unknown>(db.prepare('SELECT id, path FROM dirs').raw().all().map((r) => [(r as unknown[])[0], (r as unknown[])[1]]));
    const jobRank = new Map<unknown, number>();
    const byTape = new Map<unknown, unknown[]>();
    for (const r of db.prepare('SELECT id, tape FROM jobs ORDER BY ordinal').all() as Row[]) {
      if (localJobs.has(String(r.id))) continue;
      const list = byTape.get(r.tape) ?? [];
      list.push(r.id);
      byTape.set(r.tape, list);
      jobRank.set(r.id, list.length);
    }
    const out: Record<string, string[]> = {};
    for (const projection of PROJECTIONS) {
      for (const table of projection.tables) {
        if (LOCAL_TABLES.has(table.name)) continue;
        const rows = (db.prepare(`SELECT * FROM ${table.name}`).all() as Row[])
          .filter((r) => !localJobs.has(String(r.job ?? (table.name === 'jobs' ? r.id : ''))))
          .map((r) => {
            const c: Row = { ...r };
            if (table.name !== 'jobs' && typeof c.id === 'number') delete c.id;
            if ('dir_id' in c) {
              c.dir = dirPath.get(c.dir_id);
              delete c.dir_id;
            }
            if ('ordinal' in c) c.ordinal = table.name === 'jobs' ? jobRank.get(c.id) : undefined;
            return JSON.stringify(c, Object.keys(c).sort());
          })
          .sort();
        out[table.name] = rows;
      }
    }
    return JSON.stringify(out, null, 1);
  } finally {
    db.close();
  }
};
