import * as t from 'io-ts';
import type { JobCopy } from '../ports/copy-queries';
import { rows, type PgQueryable } from './pg-sql';

const CopyRow = t.type({ tape: t.string, job: t.string, original: t.number });

/** Where a job's data is held: projections/sqlite/copies-queries.ts's query, `$1` the job. */
const PLACES = `
  WITH root AS (SELECT coalesce((SELECT original_job FROM job_copies WHERE job = $1), $1) AS job),
       origin AS (
         (SELECT j.tape, j.id AS job, 1 AS original FROM jobs j WHERE j.id = (SELECT job FROM root) AND j.type = 'BACKUP'
          UNION ALL
          SELECT c.original_tape, c.original_job, 1 FROM job_copies c
          WHERE c.original_job = (SELECT job FROM root) AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = c.original_job))
         LIMIT 1
       )
  SELECT tape, job, original, 0 AS ordinal FROM origin
  UNION ALL
  SELECT c.tape, c.job, 0 AS original, j.ordinal FROM job_copies c JOIN jobs j ON j.id = c.job
  WHERE c.original_job = (SELECT job FROM root) AND j.status = 'SUCCESS'
  ORDER BY original DESC, ordinal`;

/** Reads of the copies projection on PostgreSQL (CopyQueries, async). */
export class PgCopyQueries {
  constructor(private readonly db: PgQueryable) {}

  async placesOf(job: string): Promise<JobCopy[]> {
    return (await rows(this.db, PLACES, [job])).flatMap((row) => {
      const r = CopyRow.decode(row);
      return r._tag === 'Right' ? [{ tape: r.right.tape, job: r.right.job, original: r.right.original === 1 }] : [];
    });
  }
}
