import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { nullable } from '../../domain/ids';
import { splitPath } from '../files';
import type { IncrementalBaseline, LatestVersion } from '../ports/incremental-baseline';

const LatestRow = t.type({
  kind: t.keyof({ file: null, dir: null, symlink: null, deleted: null }),
  size: t.number,
  mtime_ns: t.string,
  mode: t.number,
  sha256: nullable(t.string),
  target: nullable(t.string),
  ctime_ns: nullable(t.string),
  inode: nullable(t.string),
});

/** The latest catalogued version of each path of a tape, one indexed look-up per path (entries_by_name). */
export class SqliteIncrementalBaseline implements IncrementalBaseline {
  private readonly latestStatement: Database.Statement;

  constructor(db: Database.Database, private readonly tape: string) {
    this.latestStatement = db.prepare(
      `SELECT e.kind, e.size, e.mtime_ns, e.mode, e.sha256, e.target, e.ctime_ns, e.inode FROM entries e
       WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = ? AND path = ?) AND e.name = ?
       ORDER BY e.ordinal DESC, e.id DESC LIMIT 1`,
    );
  }

  latest(path: string): LatestVersion | undefined {
    const [dir, name] = splitPath(path);
    const row: unknown = this.latestStatement.get(this.tape, dir, name);
    if (row === undefined) return undefined;
    const decoded = LatestRow.decode(row);
    if (decoded._tag === 'Left') throw new Error(`catalog entry ${path} does not decode`);
    const r = decoded.right;
    return { kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, mode: r.mode, sha256: r.sha256, target: r.target, ctimeNs: r.ctime_ns, inode: r.inode };
  }
}
