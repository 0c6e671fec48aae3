/** One place a backup job's data is held: the original, or a copy that succeeded. */
export interface JobCopy {
  readonly tape: string;
  readonly job: string;
  /** True for the backup itself, false for a copy of it. */
  readonly original: boolean;
}

/** Reads of the copies projection (projections/copies.ts). */
export interface CopyQueries {
  /**
   * Every place a job's data is held, original first then copies by when they were made
   * (only copies whose job succeeded); a job that holds no archive has none.
   */
  placesOf(job: string): Promise<JobCopy[]>;
}
