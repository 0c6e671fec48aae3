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
export const setTapes = async (app: App, set: string): Promise<TapeId[]> => (await app.catalog.sets.tapesOf(set)).map((m) => m.tape).filter(isTapeId);

/**
 * The tape a set's next backup starts on: the last one that holds data, unless a backup
 * already went on from it to another because it was full; then the one after it.
 */
export const currentTape = async (app: App, set: SetName, tapes: readonly TapeId[]): Promise<E.Either<AppError, TapeId>> => {
  let at = 0;
  for (const [i, tape] of tapes.entries()) {
    if (((await app.catalog.tape(tape))?.usedBytes ?? 0) > 0) at = i;
  }
  while (at < tapes.length && (await app.catalog.sets.continuedFrom(tapes[at]!))) at++;
  const tape = tapes[at];
  return tape === undefined ? E.left({ _tag: 'SetFull', set, tapes }) : E.right(tape);
};

/** The set's tape after `tape` (in join order) that no part of this job is on yet. */
export const nextSetTape = async (app: App, set: string, after: TapeId, used: readonly TapeId[]): Promise<TapeId | undefined> => {
  const tapes = await setTapes(app, set);
  for (const t of tapes.slice(tapes.indexOf(after) + 1)) {
    if (!used.includes(t) && !(await app.catalog.sets.continuedFrom(t)) && (await app.catalog.tape(t))?.state !== 'RETIRED') return t;
  }
  return undefined;
};

/**
 * A retired tape is no baseline: what only it held (retired with --force) is written
 * again, never taken as held (the cartridge may be wiped or gone).
 */
const baselineFor = async (app: App, tape: TapeId, tapes: readonly TapeId[]): Promise<TapeId[]> => {
  if ((await app.catalog.tape(tape))?.encrypted === true) return [tape];
  const plain: TapeId[] = [];
  for (const t of tapes) {
    const view = await app.catalog.tape(t);
    if (view?.encrypted === false && view.state !== 'RETIRED') plain.push(t);
  }
  return plain;
};

const isRetired = async (app: App, tape: TapeId): Promise<boolean> => (await app.catalog.tape(tape))?.state === 'RETIRED';

/**
 * Which of a set's tapes a backup writes to. One `--mount` given: the tape mounted
 * there, which must be one of the set's (the person chose it). Else the set's current
 * tape, found by its label among the `--mount` points given, else where it was last
 * seen, the drive, its default folder (undefined: not found).
 */
export const chooseSetTarget = async (app: App, setInput: string, mounts: readonly string[]): Promise<E.Either<AppError, SetTarget>> => {
  const policy = await existingSet(app, setInput);
  if (E.isLeft(policy)) return policy;
  const set = policy.right.set;
  const tapes = await setTapes(app, set);
  if (tapes.length === 0) return E.left({ _tag: 'SetHasNoTapes', set });
  const target = async (tape: TapeId, mount: string | undefined): Promise<SetTarget> => ({ set, tape, mount, tapes, baseline: await baselineFor(app, tape, tapes) });
  const only = mounts.length === 1 ? mounts[0] : undefined;
  if (only !== undefined) {
    const mounted = mountedTape(only);
    if (E.isLeft(mounted)) return mounted;
    return tapes.includes(mounted.right) ? E.right(await target(mounted.right, only)) : E.left({ _tag: 'TapeNotInSet', tape: mounted.right, set, mount: only });
  }
  // A retired tape takes no more backups: the set goes on on its other tapes.
  const inService: TapeId[] = [];
  for (const t of tapes) if (!(await isRetired(app, t))) inService.push(t);
  const current = inService.length === 0 ? E.left<AppError, TapeId>({ _tag: 'SetFull', set, tapes }) : await currentTape(app, set, inService);
  if (E.isLeft(current)) return current;
  return E.right(await target(current.right, await mountOfSetTape(app, current.right, mounts)));
};

/** Where a tape of a set is mounted: among the mount points given, else where a command looks for it. */
export const mountOfSetTape = async (app: App, tape: TapeId, mounts: readonly string[]): Promise<string | undefined> =>
  mountHolding(tape, [...mounts, ...(await mountCandidates(app, tape, undefined)).map(([path]) => path)]);
