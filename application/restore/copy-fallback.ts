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

const archiveJobsUpTo = (app: App, tape: string, ordinal: number): JobView[] =>
  app.catalog.jobs({ tape }).filter((j) => holdsArchive(j.type) && j.ordinal <= ordinal);

/**
 * Other tapes whose tree as of a job is `tape`'s tree as of `asOf`: each archive job of
 * `tape` up to `asOf` has a copy there, and that tape holds nothing else up to that copy
 * (so the same files, versions and deletions make the same tree). A retired tape is
 * never one: it is out of service, maybe recycled, and no restore is sent to it.
 */
export const treeCopies = (app: App, tape: TapeId, asOf: JobView): TreeCopy[] => {
  const mine = archiveJobsUpTo(app, tape, asOf.ordinal);
  const originals = new Set(mine.flatMap((j) => app.catalog.copies.placesOf(j.id).filter((p) => p.original).map((p) => p.job)));
  return app.catalog.copies.placesOf(asOf.id).flatMap((place) => {
    if (place.tape === tape || app.catalog.tape(place.tape)?.state === 'RETIRED') return [];
    const id = tapeIdFromInput(place.tape);
    const there = app.catalog.jobs({ tape: place.tape }).find((j) => j.id === place.job);
    if (E.isLeft(id) || there === undefined) return [];
    const theirs = archiveJobsUpTo(app, place.tape, there.ordinal);
    const allCopied = mine.every((j) => app.catalog.copies.placesOf(j.id).some((p) => p.tape === place.tape));
    const nothingElse = theirs.every((j) => app.catalog.copies.placesOf(j.id).some((p) => p.original && originals.has(p.job)));
    return allCopied && nothingElse ? [{ tape: id.right, job: place.job }] : [];
  });
};

/** Where a copy is mounted: one of the mount points given (by its label), else where lto finds it (remembered, drive, default). */
export const mountOfCopy = (app: App, tape: TapeId, mounts: readonly (string | undefined)[]): { mount: string | undefined } | undefined => {
  const given = mountHolding(tape, mounts);
  if (given !== undefined) return { mount: given };
  return E.isRight(locateTape(app, tape, undefined)) ? { mount: undefined } : undefined;
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
export const copiesIfNotMounted = (app: App, input: AskedRestore): TapeOrCopies | undefined => {
  const tape = tapeIdFromInput(input.tape);
  if (E.isLeft(tape) || app.catalog.tape(tape.right) === undefined) return undefined;
  const asOf = findBackupJob(app, tape.right, input.job);
  if (E.isLeft(asOf) || app.catalog.spanOf(asOf.right.id) !== undefined) return undefined;
  const copies = treeCopies(app, tape.right, asOf.right);
  if (copies.length === 0) return undefined;
  const located = locateTape(app, tape.right, input.mount);
  return E.isRight(located) ? undefined : { tape: tape.right, copies, problem: located.left };
};

/** The tape asked for is not mounted but a copy of its tree is: restore from the copy instead. */
export const mountedCopyFor = (app: App, input: AskedRestore, wanted: TapeOrCopies | undefined = copiesIfNotMounted(app, input)): (TreeCopy & { mount: string | undefined }) | undefined => {
  for (const copy of wanted?.copies ?? []) {
    const found = mountOfCopy(app, copy.tape, [input.mount, ...(input.mounts ?? [])]);
    if (found !== undefined) return { ...copy, mount: found.mount };
  }
  return undefined;
};

/** Each tape of the choice with where it is (`library` until moved): what a person is asked to mount. */
export const placesToMount = (app: App, wanted: TapeOrCopies): { readonly tape: TapeId; readonly location: string }[] =>
  [wanted.tape, ...wanted.copies.map((c) => c.tape)].map((tape) => ({ tape, location: app.catalog.sets.location(tape) }));
