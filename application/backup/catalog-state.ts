import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { nullable } from '../../domain/ids';
import { splitPath } from '../../projections/files';


const LatestRow = t.type({
  kind: t.string,
  size: t.number,
  mtime_ns: t.string,
  mode: t.number,
  sha256: nullable(t.string),
  target: nullable(t.string),
  ctime_ns: nullable(t.string),
  inode: nullable(t.string),
});
export type LatestVersion = t.TypeOf<typeof LatestRow>;

/**
 * The latest catalogued version of each path of a tape: what an incremental backup
 * compares against.
 */
export class CatalogState {
  private readonly latestStatement: Database.Statement;

  constructor(db: Database.Database, private readonly tape: string) {
    this.latestStatement = db.prepare(
      `SELECT e.kind, e.size, e.mtime_ns, e.mode, e.sha256, e.target, e.ctime_ns, e.inode FROM entries e
       WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = ? AND path = ?) AND e.name = ?
       ORDER BY e.ordinal DESC, e.id DESC LIMIT 1`,
    );
  }

  /** The latest version of a path, or undefined when never archived (a `deleted` row is returned as such). */
  latest(path: string): LatestVersion | undefined {
    const [dir, name] = splitPath(path);
    const row: unknown = this.latestStatement.get(this.tape, dir, name);
    if (row === undefined) return undefined;
    const decoded = LatestRow.decode(row);
    if (decoded._tag === 'Left') throw new Error(`catalog entry ${path} does not decode`);
    return decoded.right;
  }
}
