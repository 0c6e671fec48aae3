import * as E from 'fp-ts/Either';
import { holdsArchive } from '../../domain/events';
import type { TapeId } from '../../domain/tape-id';
import type { JobView } from '../../projections/ports/job-queries';
import type { App } from '../app';
import { findBackupJob } from '../jobs-lookup';
import { mountHolding } from '../span/mounted-tape';
import { locateTape } from '../tape-session';
import { tapeIdFromInput } from '../tape-id-input';
import type { AppError } from '../errors';

/** A tape whose tree, as of one of its jobs, is the tree of another tape as of a job: the first holds copies of all of it. */
export interface TreeCopy {
  readonly tape: TapeId;
  /** The copy of the job the tree is taken as of. */
  readonly job: string;
}

const archiveJobsUpTo = async (app: App, tape: string, ordinal: number): Promise<JobView[]> =>
  (await app.catalog.jobs({ tape })).filter((j) => holdsArchive(j.type) && j.ordinal <= ordinal);

/**
 * Other tapes whose tree as of a job is `tape`'s tree as of `asOf`: each archive job of
 * `tape` up to `asOf` has a copy there, and that tape holds nothing else up to that copy
 * (so the same files, versions and deletions make the same tree). A retired tape is
 * never one: it is out of service, maybe recycled, and no restore is sent to it.
 */
export const treeCopies = async (app: App, tape: TapeId, asOf: JobView): Promise<TreeCopy[]> => {
  const placesOf = (job: string) => app.catalog.copies.placesOf(job);
  const mine = await archiveJobsUpTo(app, tape, asOf.ordinal);
  const placesOfMine = await Promise.all(mine.map((j) => placesOf(j.id)));
  const originals = new Set(placesOfMine.flatMap((places) => places.filter((p) => p.original).map((p) => p.job)));
  const copies: TreeCopy[] = [];
  for (const place of await placesOf(asOf.id)) {
    if (place.tape === tape || (await app.catalog.tape(place.tape))?.state === 'RETIRED') continue;
    const id = tapeIdFromInput(place.tape);
    const there = (await app.catalog.jobs({ tape: place.tape })).find((j) => j.id === place.job);
    if (E.isLeft(id) || there === undefined) continue;
    const theirs = await archiveJobsUpTo(app, place.tape, there.ordinal);
    const allCopied = placesOfMine.every((places) => places.some((p) => p.tape === place.tape));
    const placesOfTheirs = await Promise.all(theirs.map((j) => placesOf(j.id)));
    const nothingElse = placesOfTheirs.every((places) => places.some((p) => p.original && originals.has(p.job)));
    if (allCopied && nothingElse) copies.push({ tape: id.right, job: place.job });
  }
  return copies;
};

/** Where a copy is mounted: one of the mount points given (by its label), else where lto finds it (remembered, drive, default). */
export const mountOfCopy = async (app: App, tape: TapeId, mounts: readonly (string | undefined)[]): Promise<{ mount: string | undefined } | undefined> => {
  const given = mountHolding(tape, mounts);
  if (given !== undefined) return { mount: given };
  return E.isRight(await locateTape(app, tape, undefined)) ? { mount: undefined } : undefined;
};

interface AskedRestore {
  readonly tape: string;
  readonly job: string | undefined;
  readonly mount: string | undefined;
  readonly mounts?: readonly string[];
}

/** The tape asked for when it is not to be found, and the copies of its tree (none retired): the tapes a person may mount. */
export interface TapeOrCopies {
  readonly tape: TapeId;
  readonly copies: readonly TreeCopy[];
  /** Why the tape itself could not be opened (not mounted, looked in these places). */
  readonly problem: AppError;
}

/**
 * The tape asked for is not mounted: its copies (of the same tree, in service), or
 * undefined when it is mounted, has no copy, or its job spans tapes (each part is asked for in turn).
 * A copy of an encrypted tape holds its data key, so the same unlock reads it.
 */
export const copiesIfNotMounted = async (app: App, input: AskedRestore): Promise<TapeOrCopies | undefined> => {
  const tape = tapeIdFromInput(input.tape);
  if (E.isLeft(tape) || (await app.catalog.tape(tape.right)) === undefined) return undefined;
  const asOf = await findBackupJob(app, tape.right, input.job);
  if (E.isLeft(asOf) || (await app.catalog.spanOf(asOf.right.id)) !== undefined) return undefined;
  const copies = await treeCopies(app, tape.right, asOf.right);
  if (copies.length === 0) return undefined;
  const located = await locateTape(app, tape.right, input.mount);
  return E.isRight(located) ? undefined : { tape: tape.right, copies, problem: located.left };
};

/** The tape asked for is not mounted but a copy of its tree is: restore from the copy instead. */
export const mountedCopyFor = async (app: App, input: AskedRestore, wanted?: TapeOrCopies): Promise<(TreeCopy & { mount: string | undefined }) | undefined> => {
  for (const copy of (wanted ?? (await copiesIfNotMounted(app, input)))?.copies ?? []) {
    const found = await mountOfCopy(app, copy.tape, [input.mount, ...(input.mounts ?? [])]);
    if (found !== undefined) return { ...copy, mount: found.mount };
  }
  return undefined;
};

/** Each tape of the choice with where it is (`library` until moved): what a person is asked to mount. */
export const placesToMount = (app: App, wanted: TapeOrCopies): Promise<{ readonly tape: TapeId; readonly location: string }[]> =>
  Promise.all([wanted.tape, ...wanted.copies.map((c) => c.tape)].map(async (tape) => ({ tape, location: await app.catalog.sets.location(tape) })));
