import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import type { FolderEntry, FolderPages, PageStart } from '../ports/folder-pages';

/**
 * One page of a folder as of a backup job, for the web catalog: the latest version of
 * each name up to the job's ordinal (deleted ones left out), in name order, `LIMIT` rows
 * from `OFFSET`; and how many there are. The same tables and order as application/browse.ts's
 * listing, walked along `entries_by_name (dir_id, name, ordinal)` so a page of a folder
 * of 100,000 entries reads about a page of rows.
 */

const FolderRow = t.type({
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

const LATEST_IN_FOLDER = `
  FROM dirs d JOIN entries e ON e.dir_id = d.id
  WHERE d.tape = @tape AND d.path = @dir
    AND e.id = (SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name AND e2.ordinal <= @ordinal
                ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)
    AND e.kind != 'deleted'`;

const SELECT_PAGE = `
  SELECT e.name, e.kind, e.size, e.mtime_ns, e.job, e.target,
         (SELECT count(*) FROM entries v WHERE v.dir_id = e.dir_id AND v.name = e.name AND v.ordinal <= @ordinal AND v.kind != 'deleted') AS versions,
         x.file_offset, x.file_size
  ${LATEST_IN_FOLDER.replace('JOIN entries e ON e.dir_id = d.id', 'JOIN entries e ON e.dir_id = d.id LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x.offset = e.offset')}`;

/** By position (a page jumped to), or by the name it comes after or before (next / previous: an index seek, as fast on page 500 as on page 1). */
const PAGE_AT = `${SELECT_PAGE} ORDER BY e.name LIMIT @limit OFFSET @offset`;
const PAGE_AFTER = `${SELECT_PAGE} AND e.name > @after ORDER BY e.name LIMIT @limit`;
const PAGE_BEFORE = `${SELECT_PAGE} AND e.name < @before ORDER BY e.name DESC LIMIT @limit`;

/**
 * How many names the folder shows: per name, the kind of its latest version up to the
 * job (SQLite gives a bare column the row of the `max()`; ordinal then id, as the
 * listing orders versions), kept unless deleted. One pass along the index, without the
 * listing's per-name lookup: about half the time on a folder of 100,000.
 */
const COUNT = `
  SELECT count(*) AS n FROM (
    SELECT e.kind, max((e.ordinal << 32) + e.id) FROM entries e
    WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = @tape AND path = @dir) AND e.ordinal <= @ordinal
    GROUP BY e.name)
  WHERE kind != 'deleted'`;

const Count = t.type({ n: t.number });

export class SqliteFolderPages implements FolderPages {
  constructor(private readonly db: Database.Database) {}

  async page(q: { readonly tape: string; readonly dir: string; readonly ordinal: number; readonly limit: number }, start: PageStart): Promise<FolderEntry[]> {
    const sql = 'after' in start ? PAGE_AFTER : 'before' in start ? PAGE_BEFORE : PAGE_AT;
    const rows = this.db
      .prepare(sql)
      .all({ ...q, ...start })
      .map((row) => {
        const decoded = FolderRow.decode(row);
        if (decoded._tag === 'Left') throw new Error('catalog table entries: a row this version cannot read');
        const r = decoded.right;
        return { name: r.name, kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, job: r.job, target: r.target, versions: r.versions, fileOffset: r.file_offset, fileSize: r.file_size };
      });
    return 'before' in start ? rows.reverse() : rows;
  }

  async count(q: { readonly tape: string; readonly dir: string; readonly ordinal: number }): Promise<number> {
    const decoded = Count.decode(this.db.prepare(COUNT).get(q));
    return decoded._tag === 'Right' ? decoded.right.n : 0;
  }
}
