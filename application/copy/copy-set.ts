import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { holdsArchive } from '../../domain/events';
import type { TapeId } from '../../domain/tape-id';
import type { StopRequest } from '../../infrastructure/stop-signals';
import type { App } from '../app';
import { currentTape, setTapes } from '../backup/set-target';
import type { AppError } from '../errors';
import { existingSet } from '../sets';
import { checkStepKeys, copyStep, placeJobs, type CopyStep, type Wanted } from './place-jobs';
import type { CopyKeys } from './copy-keys';
import { readSourceJob, spansTapes } from './source-job';
import type { AskForTape, CopyProgress, CopyReport } from './run-copy';

export interface SetCopyInput {
  readonly from: string;
  readonly to: string;
  /** Mount points (one per drive) among which each tape of either set is found by its label. */
  readonly mounts: readonly string[];
  readonly stage?: string;
  readonly breakLock?: boolean;
  readonly stop?: () => StopRequest | undefined;
  readonly keys?: CopyKeys;
}


export interface SetCopyReport {
  readonly from: string;
  readonly to: string;
  readonly status: 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  /** Each tape-to-tape copy made, in order (the last one is where it stopped, if it did). */
  readonly copies: readonly CopyReport[];
  /** Jobs of the first set that already had a copy on a tape of the second. */
  readonly alreadyCopied: number;
  /** Jobs left alone, and why (a job that spans tapes). */
  readonly skipped: readonly { readonly job: string; readonly reason: string }[];
  /** Why it stopped before the end when a tape-to-tape copy after the first would not start (the copies made before stand). */
  readonly refusal?: AppError;
}

interface Planned {
  readonly steps: readonly CopyStep[];
  readonly alreadyCopied: number;
  readonly skipped: readonly { readonly job: string; readonly reason: string }[];
}


/**
 * `lto copy --set A --to-set B`: every job of A's tapes that has no copy on any tape of
 * B is copied to B, starting on B's current tape and going on to B's next tapes as each
 * fills (a whole job to a tape: a copy does not span tapes yet). The whole plan is
 * checked first: when B has not the room for it, nothing is written.
 */
export const runSetCopy = async (app: App, input: SetCopyInput, progress?: Subject<CopyProgress>, ask?: AskForTape): Promise<E.Either<AppError, SetCopyReport>> => {
  const planned = await planSetCopy(app, input.from, input.to);
  if (E.isLeft(planned)) return planned;
  const { steps, alreadyCopied, skipped } = planned.right;
  const keys = await checkStepKeys(app, steps, input.keys);
  if (E.isLeft(keys)) return keys;
  const copies: CopyReport[] = [];
  const base = { from: input.from.trim(), to: input.to.trim(), alreadyCopied, skipped };
  for (const step of steps) {
    if (input.stop?.() !== undefined) return E.right({ ...base, status: 'INTERRUPTED', copies });
    const copied = await copyStep(app, step, input, progress, ask);
    // A refusal after earlier steps were copied: those copies stand, and the report says where it stopped.
    if (E.isLeft(copied)) return copies.length === 0 ? copied : E.right({ ...base, status: 'FAILED', copies, refusal: copied.left });
    copies.push(copied.right);
    if (copied.right.status !== 'SUCCESS') return E.right({ ...base, status: copied.right.status, copies });
  }
  return E.right({ ...base, status: 'SUCCESS', copies });
};

/** What a set copy would do: which jobs, from which tape onto which, refused when the second set has not the room. */
export const planSetCopy = async (app: App, fromInput: string, toInput: string): Promise<E.Either<AppError, Planned>> => {
  const from = await existingSet(app, fromInput);
  if (E.isLeft(from)) return from;
  const to = await existingSet(app, toInput);
  if (E.isLeft(to)) return to;
  const refuse = (reason: string) => E.left<AppError>({ _tag: 'SetCopyRefused', from: from.right.set, to: to.right.set, reason });
  if (from.right.set === to.right.set) return refuse('a set cannot hold a copy of itself');
  // A retired tape is neither copied from (its jobs count as held elsewhere or lost) nor written to.
  const views = new Map((await app.catalog.tapes()).map((t) => [t.id, t]));
  const inService = (tape: TapeId): boolean => views.get(tape)?.state !== 'RETIRED';
  const sources = (await setTapes(app, from.right.set)).filter(inService);
  const members = await setTapes(app, to.right.set);
  const targets = members.filter(inService);
  if (members.length === 0) return E.left({ _tag: 'SetHasNoTapes', set: to.right.set });
  if (targets.length === 0) return E.left({ _tag: 'SetFull', set: to.right.set, tapes: members });
  const wanted: Wanted[] = [];
  const skipped: { job: string; reason: string }[] = [];
  let alreadyCopied = 0;
  for (const tape of sources) {
    const jobs = (await app.catalog.jobs({ tape, status: 'SUCCESS' })).filter((j) => holdsArchive(j.type)).sort((a, b) => a.ordinal - b.ordinal);
    for (const job of jobs) {
      if ((await app.catalog.copies.placesOf(job.id)).some((p) => targets.some((t) => t === p.tape))) alreadyCopied++;
      else if (await spansTapes(app, job)) skipped.push({ job: job.id, reason: 'it spans tapes: copies of such jobs are not supported yet' });
      else {
        const source = await readSourceJob(app, job.id);
        if (source !== undefined) wanted.push({ tape, job: job.id, bytes: source.segments.reduce((n, s) => n + s.closed.bytes, 0) });
      }
    }
  }
  const start = await currentTape(app, to.right.set, targets);
  if (E.isLeft(start)) return start;
  const placed = await placeJobs(app, wanted, targets.slice(targets.indexOf(start.right)));
  if (E.isLeft(placed)) return refuse(`${placed.left}: add a tape with \`lto tape add <barcode> --set ${to.right.set}\``);
  return E.right({ steps: placed.right, alreadyCopied, skipped });
};
