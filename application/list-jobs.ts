import type { JobView } from '../projections/ports/job-queries';
import type { App } from './app';

/** Which jobs `lto jobs` lists; every filter is optional. */
export interface JobsFilter {
  readonly tape?: string;
  /** BACKUP, RESTORE, VERIFY, ADD_TAPE, RECOVERY. */
  readonly type?: string;
  readonly status?: string;
  /** Only jobs started at or after this instant (ms since 1970). */
  readonly sinceMs?: number;
  /** Only the newest this many (after the other filters), still listed oldest first. */
  readonly limit?: number;
}

/**
 * Job types that are not shown as jobs: browsing only reads the catalog (DESIGN: local
 * only) and is no longer recorded, but catalogs written before hold Browse jobs.
 */
const NOT_LISTED = new Set(['BROWSE']);

/** The jobs a person asked for, oldest first. */
export const listJobs = async (app: App, filter: JobsFilter): Promise<JobView[]> => {
  const matching = (
    await app.catalog.jobs({ ...(filter.tape === undefined ? {} : { tape: filter.tape }), ...(filter.status === undefined ? {} : { status: filter.status }) })
  )
    .filter((j) => !NOT_LISTED.has(j.type))
    .filter((j) => filter.type === undefined || j.type === filter.type)
    .filter((j) => filter.sinceMs === undefined || Date.parse(j.startedAt) >= filter.sinceMs);
  return filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit));
};
