import { copyShortfall, type CopyProblem } from '../domain/set/copy-policy';
import { DEFAULT_LOCATION } from '../domain/set/set-name';
import type { App } from './app';

/** A backup job of a set's tape that its set's copy policy finds short: too few copies, or all of them in one place. */
export interface JobCopyFlag {
  readonly job: string;
  readonly tape: string;
  readonly set: string;
  readonly problem: CopyProblem;
  readonly copies: number;
  readonly required: number;
  /** Where each place holding it is: `{tape, location}`, the original first. */
  readonly places: readonly { readonly tape: string; readonly location: string }[];
}

/**
 * Every backup job (that succeeded) of a tape in a set, checked against the set's copy
 * policy: the places holding it are the original and its copies that succeeded, on
 * tapes that are not retired; each counts where its tape is now. By tape, in job order.
 */
export const copyFlags = async (app: App): Promise<ReadonlyMap<string, readonly JobCopyFlag[]>> => {
  const locations = await app.catalog.sets.locations();
  const policies = new Map((await app.catalog.sets.sets()).map((s) => [s.name, s.copies]));
  // A retired tape is no place (it may be wiped or gone); a migrated one still holds its data while it exists.
  const live = new Set((await app.catalog.tapes()).filter((t) => t.state !== 'RETIRED').map((t) => t.id));
  const out = new Map<string, JobCopyFlag[]>();
  for (const member of (await app.catalog.sets.members()).values()) {
    const required = policies.get(member.set);
    if (required === undefined) continue;
    for (const job of (await app.catalog.jobs({ tape: member.tape, status: 'SUCCESS' })).filter((j) => j.type === 'BACKUP')) {
      const places = (await app.catalog.copies.placesOf(job.id))
        .filter((p) => live.has(p.tape))
        .map((p) => ({ tape: p.tape, location: locations.get(p.tape) ?? DEFAULT_LOCATION }));
      const shortfall = copyShortfall(required, places.map((p) => p.location));
      if (shortfall !== undefined) out.set(member.tape, [...(out.get(member.tape) ?? []), { job: job.id, tape: member.tape, set: member.set, ...shortfall, places }]);
    }
  }
  return out;
};
