import * as t from 'io-ts';
import type { FolderEntry, PageStart } from '../ports/folder-pages';
import { rawRows, rows, type PgQueryable } from './pg-sql';

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

/** projections/sqlite/folder-pages.ts's page: `$1` tape, `$2` folder, `$3` ordinal, `$4` limit, `$5` offset or name. */
const SELECT_PAGE = `
  SELECT e.name, e.kind, e.size, e.mtime_ns, e.job, e.target,
         (SELECT count(*) FROM entries v WHERE v.dir_id = e.dir_id AND v.name = e.name AND v.ordinal <= $3 AND v.kind != 'deleted') AS versions,
         x.file_offset, x.file_size
  FROM dirs d JOIN entries e ON e.dir_id = d.id LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x."offset" = e."offset"
  WHERE d.tape = $1 AND d.path = $2
    AND e.id = (SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name AND e2.ordinal <= $3
                ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)
    AND e.kind != 'deleted'`;

const PAGE_AT = `${SELECT_PAGE} ORDER BY e.name LIMIT $4 OFFSET $5`;
const PAGE_AFTER = `${SELECT_PAGE} AND e.name > $5 ORDER BY e.name LIMIT $4`;
const PAGE_BEFORE = `${SELECT_PAGE} AND e.name < $5 ORDER BY e.name DESC LIMIT $4`;

/** Per name, the kind of its latest version up to the job (DISTINCT ON: SQLite's bare column of a max()), kept unless deleted. */
const COUNT = `
  SELECT count(*) FROM (
    SELECT DISTINCT ON (e.name) e.kind FROM entries e
    WHERE e.dir_id = (SELECT id FROM dirs WHERE tape = $1 AND path = $2) AND e.ordinal <= $3
    ORDER BY e.name, e.ordinal DESC, e.id DESC) latest
  WHERE kind != 'deleted'`;

/** A folder a page at a time on the PostgreSQL catalog (FolderPages, async). */
export class PgFolderPages {
  constructor(private readonly db: PgQueryable) {}

  async page(q: { readonly tape: string; readonly dir: string; readonly ordinal: number; readonly limit: number }, start: PageStart): Promise<FolderEntry[]> {
    const [text, from] = 'after' in start ? [PAGE_AFTER, start.after] : 'before' in start ? [PAGE_BEFORE, start.before] : [PAGE_AT, start.offset];
    const found = (await rows(this.db, text, [q.tape, q.dir, q.ordinal, q.limit, from])).map((row) => {
      const decoded = FolderRow.decode(row);
      if (decoded._tag === 'Left') throw new Error('catalog table entries: a row this version cannot read');
      const r = decoded.right;
      return { name: r.name, kind: r.kind, size: r.size, mtimeNs: r.mtime_ns, job: r.job, target: r.target, versions: r.versions, fileOffset: r.file_offset, fileSize: r.file_size };
    });
    return 'before' in start ? found.reverse() : found;
  }

  async count(q: { readonly tape: string; readonly dir: string; readonly ordinal: number }): Promise<number> {
    const n = (await rawRows(this.db, COUNT, [q.tape, q.dir, q.ordinal]))[0]?.[0];
    return typeof n === 'number' ? n : 0;
  }
}
