import * as t from 'io-ts';
import { nullable } from '../../domain/ids';
import type { RecordedFile, SegmentRecord } from '../ports/verify-queries';
import { rows, type PgQueryable } from './pg-sql';

const SegmentRow = t.type({ job: t.string, segment: t.number, bytes: t.number, sha256: t.string });
const FileRow = t.type({ dir: t.string, name: t.string, offset: nullable(t.number), size: t.number, sha256: nullable(t.string) });

/** Segments and their files as the PostgreSQL catalog holds them (VerifyQueries, async). */
export class PgVerifyQueries {
  constructor(private readonly db: PgQueryable) {}

  async segmentsOf(job: string): Promise<SegmentRecord[]> {
    return (await rows(this.db, 'SELECT job, segment, bytes, sha256 FROM segments WHERE job = $1 ORDER BY segment', [job])).flatMap((row) =>
      SegmentRow.is(row) ? [{ job: row.job, segment: row.segment, bytes: row.bytes, sha256: row.sha256 }] : [],
    );
  }

  async filesOf(job: string, segment: number): Promise<RecordedFile[]> {
    const found = await rows(
      this.db,
      `SELECT d.path AS dir, e.name, e."offset" AS offset, e.size, e.sha256 FROM entries e JOIN dirs d ON d.id = e.dir_id
       WHERE e.job = $1 AND e.segment = $2 AND e.kind = 'file'
         -- A sparse file's member is a map and its extents, not its bytes: the segment's hash (or chunk tags) covers it.
         AND (e.meta IS NULL OR (e.meta::json -> 'sparse') IS NULL)
       ORDER BY e."offset"`,
      [job, segment],
    );
    return found.flatMap((row) => {
      if (!FileRow.is(row) || row.offset === null || row.sha256 === null) return [];
      return [{ path: row.dir === '/' ? `/${row.name}` : `${row.dir}/${row.name}`, offset: row.offset, size: row.size, hash: row.sha256 }];
    });
  }
}
