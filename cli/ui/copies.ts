import type { App } from '../../application/app';
import type { JobCopy } from '../../projections/ports/copy-queries';

/** The JSON form of where a job's data is held (`copies` in `jobs`, `browse`, `search`). */
export const copiesJson = (copies: readonly JobCopy[]) => copies.map((c) => ({ tape: c.tape, job: c.job, original: c.original }));

/** `2: 000100L8 000200L8`: how many places hold a job's data, and on which tapes (blank when none). */
export const copiesText = (copies: readonly JobCopy[]): string => (copies.length === 0 ? '' : `${copies.length}: ${copies.map((c) => c.tape).join(' ')}`);

/** Where each job's data is held, asked of the catalog once per job (a listing names the same jobs many times). */
export const copiesOfJobs = (app: App): ((job: string) => readonly JobCopy[]) => {
  const known = new Map<string, readonly JobCopy[]>();
  return (job) => {
    let copies = known.get(job);
    if (copies === undefined) {
      copies = app.catalog.copies.placesOf(job);
      known.set(job, copies);
    }
    return copies;
  };
};
