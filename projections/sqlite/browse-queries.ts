import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import type { BrowseQueries, BrowseRow } from '../ports/browse-queries';

const Row = t.type({
  dir: t.string,
  name: t.string,
  kind: t.keyof({ file: null, dir: null, symlink: null, deleted: null }),
  size: t.number,
  mtime_ns: t.string,
  job: t.string,
  target: t.union([t.string, t.null]),
  versions: t.number,
  file_offset: t.union([t.number, t.null]),
  file_size: t.union([t.number, t.null]),
});

const latest = (where: string): string => `
  SELECT d.path AS dir, e.name, e.kind, e.size, e.mtime_ns, e.job, e.target,
         (SELECT count(*) FROM entries v WHERE v.dir_id = e.dir_id AND v.name = e.name AND v.ordinal <= @ordinal AND v.kind != 'deleted') AS versions,
         x.file_offset, x.file_size
  FROM entries e JOIN dirs d ON d.id = e.dir_id
  LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x.offset = e.offset
  WHERE d.tape = @tape AND ${where}
    AND e.id = (SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name AND e2.ordinal <= @ordinal
                ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)
  ORDER BY e.name`;

const HELD_BELOW = `
  SELECT d.path FROM dirs d
  WHERE d.tape = @tape AND (d.path = @root OR substr(d.path, 1, length(@root) + 1) = @root || '/')
    AND EXISTS (SELECT 1 FROM entries e WHERE e.dir_id = d.id AND e.ordinal <= @ordinal)
  ORDER BY d.path`;

/** A row that does not decode is left out, as before the port (a listing shows what it can read). */
const toRows = (rows: readonly unknown[]): BrowseRow[] =>
  rows.flatMap((row) => {
    const r = Row.decode(row);
    if (r._tag === 'Left') return [];
    const { dir, name, kind, size, mtime_ns, job, target, versions, file_offset, file_size } = r.right;
    return [{ dir, name, kind, size, mtimeNs: mtime_ns, job, target, versions, fileOffset: file_offset, fileSize: file_size }];
  });

/** Browsing the SQLite catalog: a folder's statement is prepared once and reused by a recursive listing. */
export class SqliteBrowseQueries implements BrowseQueries {
  private childrenOf: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  async children(tape: string, ordinal: number, dir: string): Promise<BrowseRow[]> {
    this.childrenOf ??= this.db.prepare(latest('d.path = @dir'));
    return toRows(this.childrenOf.all({ tape, ordinal, dir }));
  }

  async child(tape: string, ordinal: number, dir: string, name: string): Promise<BrowseRow[]> {
    return toRows(this.db.prepare(latest('d.path = @dir AND e.name = @name')).all({ tape, ordinal, dir, name }));
  }

  async holdsAnything(tape: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM dirs WHERE tape = ? LIMIT 1').get(tape) !== undefined;
  }

  async heldAsFolder(tape: string, ordinal: number, dir: string, name: string): Promise<boolean> {
    return (
      this.db
        .prepare(`SELECT 1 FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE d.tape = ? AND d.path = ? AND e.name = ? AND e.kind = 'dir' AND e.ordinal <= ? LIMIT 1`)
        .get(tape, dir, name, ordinal) !== undefined
    );
  }

  async foldersHolding(tape: string, ordinal: number, root: string, limit?: number): Promise<string[]> {
    return this.db
      .prepare(limit === undefined ? HELD_BELOW : `${HELD_BELOW} LIMIT ${Math.floor(limit)}`)
      .pluck()
      .all({ tape, ordinal, root })
      .filter((p): p is string => typeof p === 'string');
  }
}
