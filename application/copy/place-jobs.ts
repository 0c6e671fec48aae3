import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { mountOfSetTape } from '../backup/set-target';
import type { AppError } from '../errors';
import { runCopy, type AskForTape, type CopyProgress, type CopyReport } from './run-copy';
import type { TapeId } from '../../domain/tape-id';
import type { App } from '../app';
import { CopyKeys } from './copy-keys';

/** A job to copy: of which tape, and how many bytes its segments hold. */
export interface Wanted {
  readonly tape: TapeId;
  readonly job: string;
  readonly bytes: number;
}

/** One `lto copy SRC DST` of a set copy or a migration: these jobs of one tape onto another. */
export interface CopyStep {
  readonly from: TapeId;
  readonly to: TapeId;
  readonly jobs: readonly string[];
  readonly bytes: number;
}

/** Whole jobs onto the tapes in order, each tape filled before the next is used; why not, when they do not fit. */
export const placeJobs = async (app: App, wanted: readonly Wanted[], tapes: readonly TapeId[]): Promise<E.Either<string, CopyStep[]>> => {
  const steps: CopyStep[] = [];
  const room = async (tape: TapeId): Promise<number> => {
    const t = await app.catalog.tape(tape);
    return t === undefined ? 0 : t.capacityBytes - t.usedBytes;
  };
  let at = 0;
  let left = tapes[0] === undefined ? 0 : await room(tapes[0]);
  for (const job of wanted) {
    while (at < tapes.length && job.bytes > left) {
      at++;
      const next = tapes[at];
      left = next === undefined ? 0 : await room(next);
    }
    const to = tapes[at];
    if (to === undefined) {
      const needed = wanted.slice(wanted.indexOf(job)).reduce((n, j) => n + j.bytes, 0);
      const where = tapes.length === 1 ? `tape ${tapes[0] ?? ''} has` : `tapes ${tapes.join(', ')} have`;
      return E.left(`${where} no room for job ${job.job} and the ${needed} bytes still to copy from there on (a copy does not span tapes yet)`);
    }
    left -= job.bytes;
    const last = steps.at(-1);
    if (last !== undefined && last.from === job.tape && last.to === to) steps[steps.length - 1] = { ...last, jobs: [...last.jobs, job.job], bytes: last.bytes + job.bytes };
    else steps.push({ from: job.tape, to, jobs: [job.job], bytes: job.bytes });
  }
  return E.right(steps);
};

/** What a planned copy (of a set, or a migration) needs to run its steps. */
export interface StepOptions {
  /** Mount points (one per drive) among which each tape is found by its label. */
  readonly mounts: readonly string[];
  readonly stage?: string;
  readonly breakLock?: boolean;
  readonly stop?: () => StopRequest | undefined;
  /** Encrypted tapes: how they are unlocked, once for every step. */
  readonly keys?: CopyKeys;
}

/** Each tape-to-tape step's keys checked before the first is run: a step that cannot be made refuses the whole plan. */
export const checkStepKeys = async (app: App, steps: readonly CopyStep[], keys: CopyKeys | undefined): Promise<E.Either<AppError, void>> => {
  for (const step of steps) {
    const checked = await (keys ?? new CopyKeys(app, undefined)).forCopy(step.from, step.to);
    if (E.isLeft(checked)) return checked;
  }
  return E.right(undefined);
};

/** Runs one step of a plan: its jobs copied from one tape to another, each found among the mounts. */
export const copyStep = async (
  app: App,
  step: CopyStep,
  options: StepOptions,
  progress?: Subject<CopyProgress>,
  ask?: AskForTape,
): Promise<E.Either<AppError, CopyReport>> => {
  const mountFrom = await mountOfSetTape(app, step.from, options.mounts);
  const mountTo = await mountOfSetTape(app, step.to, options.mounts);
  return runCopy(
    app,
    {
      from: step.from,
      to: step.to,
      jobs: step.jobs,
      ...(mountFrom === undefined ? {} : { mountFrom }),
      ...(mountTo === undefined ? {} : { mountTo }),
      ...(options.stage === undefined ? {} : { stage: options.stage }),
      breakLock: options.breakLock === true,
      ...(options.keys === undefined ? {} : { keys: options.keys }),
      ...(options.stop === undefined ? {} : { stop: options.stop }),
    },
    progress,
    ask,
  );
};
