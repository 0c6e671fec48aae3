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

/**
 * Across the tapes of a set: the newest version of a path on any of them (jobs ordered by
 * when they started), and a piece of a file split across tapes counts as the whole file
 * (its size the file's), so a file that spanned two tapes is not written again.
 */
const LATEST_ON_TAPES = `SELECT e.kind, coalesce(x.file_size, e.size) AS size, e.mtime_ns, e.mode, e.sha256, e.target, e.ctime_ns, e.inode
  FROM entries e JOIN dirs d ON d.id = e.dir_id
  LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x.offset = e.offset
  WHERE d.tape IN (SELECT value FROM json_each(?)) AND d.path = ? AND e.name = ?
  ORDER BY e.ordinal DESC, e.id DESC LIMIT 1`;

/**
 * The latest catalogued version of each path of a tape (or of every tape of a set), one
 * indexed look-up per path (entries_by_name): what an incremental backup compares against.
 */
export class SqliteIncrementalBaseline implements IncrementalBaseline {
  private readonly latestStatement: Database.Statement;
  private readonly key: string;

  /** `tapes`: the tapes of the set the backup writes to (more than one: the newest version on any of them counts). */
  constructor(db: Database.Database, tape: string, tapes: readonly string[] = [tape]) {
    const across = tapes.length > 1;
    this.key = across ? JSON.stringify(tapes) : tape;
    this.latestStatement = db.prepare(
      across
        ? LATEST_ON_TAPES
        : `SELECT e.kind, e.size, e.mtime_ns, e.mode, e.sha256, e.target, e.ctime_ns, e.inode FROM entries e
       WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = ? AND path = ?) AND e.name = ?
       ORDER BY e.ordinal DESC, e.id DESC LIMIT 1`,
    );
  }

  latest(path: string): LatestVersion | undefined {
    const [dir, name] = splitPath(path);
    const row: unknown = this.latestStatement.get(this.key, dir, name);
    if (row === undefined) return undefined;
    const decoded = LatestRow.decode(row);
    if (decoded._tag === 'Left') throw new Error(`catalog entry ${path} does not decode`);
    const r = decoded.right;
    return { kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, mode: r.mode, sha256: r.sha256, target: r.target, ctimeNs: r.ctime_ns, inode: r.inode };
  }
}
