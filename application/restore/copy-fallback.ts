import * as E from 'fp-ts/Either';
import { holdsArchive } from '../../domain/events';
import type { TapeId } from '../../domain/tape-id';
import type { JobView } from '../../projections/ports/job-queries';
import type { App } from '../app';
import { findBackupJob } from '../jobs-lookup';
import { mountHolding } from '../span/mounted-tape';
import { locateTape } from '../tape-session';
import { tapeIdFromInput } from '../tape-id-input';

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
 * (so the same files, versions and deletions make the same tree).
 */
export const treeCopies = (app: App, tape: TapeId, asOf: JobView): TreeCopy[] => {
  const mine = archiveJobsUpTo(app, tape, asOf.ordinal);
  const originals = new Set(mine.flatMap((j) => app.catalog.copies.placesOf(j.id).filter((p) => p.original).map((p) => p.job)));
  return app.catalog.copies.placesOf(asOf.id).flatMap((place) => {
    if (place.tape === tape) return [];
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

/**
 * The tape asked for is not mounted but a copy of its tree is: restore from the copy
 * instead. Undefined when the tape is mounted (or is encrypted, or has no such copy mounted).
 */
export const mountedCopyFor = (app: App, input: { readonly tape: string; readonly job: string | undefined; readonly mount: string | undefined; readonly mounts?: readonly string[] }): (TreeCopy & { mount: string | undefined }) | undefined => {
  const tape = tapeIdFromInput(input.tape);
  if (E.isLeft(tape) || app.catalog.tape(tape.right)?.encrypted !== false) return undefined;
  const asOf = findBackupJob(app, tape.right, input.job);
  if (E.isLeft(asOf) || app.catalog.spanOf(asOf.right.id) !== undefined) return undefined;
  if (E.isRight(locateTape(app, tape.right, input.mount))) return undefined;
  for (const copy of treeCopies(app, tape.right, asOf.right)) {
    const found = mountOfCopy(app, copy.tape, [input.mount, ...(input.mounts ?? [])]);
    if (found !== undefined) return { ...copy, mount: found.mount };
  }
  return undefined;
};
