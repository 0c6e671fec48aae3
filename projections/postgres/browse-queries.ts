import * as t from 'io-ts';
import type { BrowseRow } from '../ports/browse-queries';
import { rawRows, rows, type PgQueryable } from './pg-sql';

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

/** The latest version of each name as of an ordinal ($2) on a tape ($1): projections/sqlite/browse-queries.ts's query. */
const latest = (where: string): string => `
  SELECT d.path AS dir, e.name, e.kind, e.size, e.mtime_ns, e.job, e.target,
         (SELECT count(*) FROM entries v WHERE v.dir_id = e.dir_id AND v.name = e.name AND v.ordinal <= $2 AND v.kind != 'deleted') AS versions,
         x.file_offset, x.file_size
  FROM entries e JOIN dirs d ON d.id = e.dir_id
  LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x."offset" = e."offset"
  WHERE d.tape = $1 AND ${where}
    AND e.id = (SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name AND e2.ordinal <= $2
                ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)
  ORDER BY e.name`;

const HELD_BELOW = `
  SELECT d.path FROM dirs d
  WHERE d.tape = $1 AND (d.path = $3 OR substr(d.path, 1, length($3) + 1) = $3 || '/')
    AND EXISTS (SELECT 1 FROM entries e WHERE e.dir_id = d.id AND e.ordinal <= $2)
  ORDER BY d.path`;

/** A row that does not decode is left out, as in SQLite's (a listing shows what it can read). */
const toRows = (found: readonly unknown[]): BrowseRow[] =>
  found.flatMap((row) => {
    const r = Row.decode(row);
    if (r._tag === 'Left') return [];
    const { dir, name, kind, size, mtime_ns, job, target, versions, file_offset, file_size } = r.right;
    return [{ dir, name, kind, size, mtimeNs: mtime_ns, job, target, versions, fileOffset: file_offset, fileSize: file_size }];
  });

/** Browsing the PostgreSQL catalog (BrowseQueries, async). */
export class PgBrowseQueries {
  constructor(private readonly db: PgQueryable) {}

  async children(tape: string, ordinal: number, dir: string): Promise<BrowseRow[]> {
    return toRows(await rows(this.db, latest('d.path = $3'), [tape, ordinal, dir]));
  }

  async child(tape: string, ordinal: number, dir: string, name: string): Promise<BrowseRow[]> {
    return toRows(await rows(this.db, latest('d.path = $3 AND e.name = $4'), [tape, ordinal, dir, name]));
  }

  async holdsAnything(tape: string): Promise<boolean> {
    return (await rawRows(this.db, 'SELECT 1 FROM dirs WHERE tape = $1 LIMIT 1', [tape])).length > 0;
  }

  async heldAsFolder(tape: string, ordinal: number, dir: string, name: string): Promise<boolean> {
    const found = await rawRows(
      this.db,
      `SELECT 1 FROM entries e JOIN dirs d ON d.id = e.dir_id WHERE d.tape = $1 AND d.path = $2 AND e.name = $3 AND e.kind = 'dir' AND e.ordinal <= $4 LIMIT 1`,
      [tape, dir, name, ordinal],
    );
    return found.length > 0;
  }

  async foldersHolding(tape: string, ordinal: number, root: string, limit?: number): Promise<string[]> {
    const text = limit === undefined ? HELD_BELOW : `${HELD_BELOW} LIMIT ${Math.floor(limit)}`;
    return (await rawRows(this.db, text, [tape, ordinal, root])).map(([p]) => p).filter((p): p is string => typeof p === 'string');
  }
}
