import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { nullable } from '../../domain/ids';
import type { RecordedFile, SegmentRecord, VerifyQueries } from '../ports/verify-queries';

const SegmentRow = t.type({ job: t.string, segment: t.number, bytes: t.number, sha256: t.string });
const FileRow = t.type({ dir: t.string, name: t.string, offset: nullable(t.number), size: t.number, sha256: nullable(t.string) });

/** Segments and their files as the SQLite catalog holds them. */
export class SqliteVerifyQueries implements VerifyQueries {
  constructor(private readonly db: Database.Database) {}

  async segmentsOf(job: string): Promise<SegmentRecord[]> {
    return this.db
      .prepare('SELECT job, segment, bytes, sha256 FROM segments WHERE job = ? ORDER BY segment')
      .all(job)
      .flatMap((row) => (SegmentRow.is(row) ? [{ job: row.job, segment: row.segment, bytes: row.bytes, sha256: row.sha256 }] : []));
  }

  async filesOf(job: string, segment: number): Promise<RecordedFile[]> {
    return this.db
      .prepare(
        `SELECT d.path AS dir, e.name, e.offset, e.size, e.sha256 FROM entries e JOIN dirs d ON d.id = e.dir_id
         WHERE e.job = ? AND e.segment = ? AND e.kind = 'file'
           -- A sparse file's member is a map and its extents, not its bytes: the segment's hash (or chunk tags) covers it.
           AND (e.meta IS NULL OR json_extract(e.meta, '$.sparse') IS NULL)
         ORDER BY e.offset`,
      )
      .all(job, segment)
      .flatMap((row) => {
        if (!FileRow.is(row) || row.offset === null || row.sha256 === null) return [];
        return [{ path: row.dir === '/' ? `/${row.name}` : `${row.dir}/${row.name}`, offset: row.offset, size: row.size, hash: row.sha256 }];
      });
  }
}
