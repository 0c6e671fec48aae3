import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import type { CopyQueries, JobCopy } from '../ports/copy-queries';

const CopyRow = t.type({ tape: t.string, job: t.string, original: t.number });

/**
 * Every place a job's data is held, original first then copies by when they were made:
 * for a backup, itself and its copies; for a copy, its original (when the catalog knows
 * it) and every copy of that. Only copies whose job succeeded count; the original counts
 * as the catalog knows it (a copy tape recovered alone knows its original by name only).
 */
const PLACES = `
  WITH root AS (SELECT coalesce((SELECT original_job FROM job_copies WHERE job = @job), @job) AS job),
       origin AS (
         SELECT j.tape, j.id AS job, 1 AS original, 0 AS ordinal FROM jobs j WHERE j.id = (SELECT job FROM root) AND j.type = 'BACKUP'
         UNION ALL
         SELECT c.original_tape, c.original_job, 1, 0 FROM job_copies c
         WHERE c.original_job = (SELECT job FROM root) AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = c.original_job)
         LIMIT 1
       )
  SELECT tape, job, original FROM origin
  UNION ALL
  SELECT * FROM (
    SELECT c.tape, c.job, 0 AS original FROM job_copies c JOIN jobs j ON j.id = c.job
    WHERE c.original_job = (SELECT job FROM root) AND j.status = 'SUCCESS' ORDER BY j.ordinal
  )`;

/** Reads of the copies projection (projections/copies.ts). */
export class SqliteCopyQueries implements CopyQueries {
  private readonly places: Database.Statement;

  constructor(db: Database.Database) {
    this.places = db.prepare(PLACES);
  }

  /** Where the job's data is held (see PLACES); a job that holds no archive has none. */
  async placesOf(job: string): Promise<JobCopy[]> {
    return this.places.all({ job }).flatMap((row) => {
      const r = CopyRow.decode(row);
      return r._tag === 'Right' ? [{ tape: r.right.tape, job: r.right.job, original: r.right.original === 1 }] : [];
    });
  }
}
