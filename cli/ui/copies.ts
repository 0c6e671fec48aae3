import type { App } from '../../application/app';
import type { JobCopy } from '../../projections/ports/copy-queries';

/** The JSON form of where a job's data is held (`copies` in `jobs`, `browse`, `search`). */
export const copiesJson = (copies: readonly JobCopy[]) => copies.map((c) => ({ tape: c.tape, job: c.job, original: c.original }));

/** `2: 000100L8 000200L8`: how many places hold a job's data, and on which tapes (blank when none). */
export const copiesText = (copies: readonly JobCopy[]): string => (copies.length === 0 ? '' : `${copies.length}: ${copies.map((c) => c.tape).join(' ')}`);

/**
 * Where each of these jobs' data is held, asked of the catalog once per job (a listing
 * names the same jobs many times), up front: the listing then renders synchronously.
 * A job not among them holds no copies as far as the listing is concerned.
 */
export const copiesOfJobs = async (app: App, jobs: Iterable<string>): Promise<(job: string) => readonly JobCopy[]> => {
  const known = new Map<string, readonly JobCopy[]>();
  for (const job of jobs) if (!known.has(job)) known.set(job, await app.catalog.copies.placesOf(job));
  return (job) => known.get(job) ?? [];
};
