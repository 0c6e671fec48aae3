import * as E from 'fp-ts/Either';
import type { SetName } from '../../domain/set/set-name';
import type { TapeId } from '../../domain/tape-id';
import { isTapeId } from '../../domain/tape-id';
import type { App } from '../app';
import type { AppError } from '../errors';
import { existingSet } from '../sets';
import { mountHolding, mountedTape } from '../span/mounted-tape';
import { mountCandidates } from '../tape-session';

/** Where a backup of a set goes, and what its incremental compares with. */
export interface SetTarget {
  readonly set: SetName;
  /** The set's tape the job starts on. */
  readonly tape: TapeId;
  /** Where it is mounted, when found (else the person is asked, or the job is refused). */
  readonly mount: string | undefined;
  /** The set's tapes in the order they joined. */
  readonly tapes: readonly TapeId[];
  /**
   * The tapes whose catalog the incremental compares with: every plain tape of the set.
   * An encrypted tape's names are sealed with its own key, so it compares with itself alone.
   */
  readonly baseline: readonly TapeId[];
}

/** The set's tapes, in the order they joined it (only those registered here). */
export const setTapes = (app: App, set: string): TapeId[] => app.catalog.sets.tapesOf(set).map((m) => m.tape).filter(isTapeId);

/**
 * The tape a set's next backup starts on: the last one that holds data, unless a backup
 * already went on from it to another because it was full; then the one after it.
 */
export const currentTape = (app: App, set: SetName, tapes: readonly TapeId[]): E.Either<AppError, TapeId> => {
  let at = 0;
  tapes.forEach((tape, i) => {
    if ((app.catalog.tape(tape)?.usedBytes ?? 0) > 0) at = i;
  });
  while (at < tapes.length && app.catalog.sets.continuedFrom(tapes[at]!)) at++;
  const tape = tapes[at];
  return tape === undefined ? E.left({ _tag: 'SetFull', set, tapes }) : E.right(tape);
};

/** The set's tape after `tape` (in join order) that no part of this job is on yet. */
export const nextSetTape = (app: App, set: string, after: TapeId, used: readonly TapeId[]): TapeId | undefined => {
  const tapes = setTapes(app, set);
  return tapes.slice(tapes.indexOf(after) + 1).find((t) => !used.includes(t) && !app.catalog.sets.continuedFrom(t) && app.catalog.tape(t)?.state !== 'RETIRED');
};

/**
 * A retired tape is no baseline: what only it held (retired with --force) is written
 * again, never taken as held (the cartridge may be wiped or gone).
 */
const baselineFor = (app: App, tape: TapeId, tapes: readonly TapeId[]): TapeId[] =>
  app.catalog.tape(tape)?.encrypted === true ? [tape] : tapes.filter((t) => app.catalog.tape(t)?.encrypted === false && !isRetired(app, t));

const isRetired = (app: App, tape: TapeId): boolean => app.catalog.tape(tape)?.state === 'RETIRED';

/**
 * Which of a set's tapes a backup writes to. One `--mount` given: the tape mounted
 * there, which must be one of the set's (the person chose it). Else the set's current
 * tape, found by its label among the `--mount` points given, else where it was last
 * seen, the drive, its default folder (undefined: not found).
 */
export const chooseSetTarget = (app: App, setInput: string, mounts: readonly string[]): E.Either<AppError, SetTarget> => {
  const policy = existingSet(app, setInput);
  if (E.isLeft(policy)) return policy;
  const set = policy.right.set;
  const tapes = setTapes(app, set);
  if (tapes.length === 0) return E.left({ _tag: 'SetHasNoTapes', set });
  const target = (tape: TapeId, mount: string | undefined): SetTarget => ({ set, tape, mount, tapes, baseline: baselineFor(app, tape, tapes) });
  const only = mounts.length === 1 ? mounts[0] : undefined;
  if (only !== undefined) {
    const mounted = mountedTape(only);
    if (E.isLeft(mounted)) return mounted;
    return tapes.includes(mounted.right) ? E.right(target(mounted.right, only)) : E.left({ _tag: 'TapeNotInSet', tape: mounted.right, set, mount: only });
  }
  // A retired tape takes no more backups: the set goes on on its other tapes.
  const inService = tapes.filter((t) => !isRetired(app, t));
  const current = inService.length === 0 ? E.left<AppError, TapeId>({ _tag: 'SetFull', set, tapes }) : currentTape(app, set, inService);
  return E.map((tape: TapeId) => target(tape, mountOfSetTape(app, tape, mounts)))(current);
};

/** Where a tape of a set is mounted: among the mount points given, else where a command looks for it. */
export const mountOfSetTape = (app: App, tape: TapeId, mounts: readonly string[]): string | undefined =>
  mountHolding(tape, [...mounts, ...mountCandidates(app, tape, undefined).map(([path]) => path)]);
