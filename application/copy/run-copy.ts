import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { holdsArchive } from '../../domain/events';
import type { TapeId } from '../../domain/tape-id';
import { copySegment } from '../../infrastructure/copy/segment-copy';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { hearSignals } from '../../infrastructure/stop-signals';
import { segmentPath } from '../../infrastructure/tape/layout';
import { fileSystemSpace } from '../../infrastructure/tape/space';
import type { JobView } from '../../projections/ports/job-queries';
import type { App } from '../app';
import type { AppError } from '../errors';
import { findBackupJob } from '../jobs-lookup';
import { PLAIN_NAMES, sealedNames } from '../entry-names';
import type { TapeKeys } from '../../infrastructure/crypto/tape-keys';
import { CopyKeys } from './copy-keys';
import { segmentsInTapeOrder } from '../segment-order';
import { withTapeLock } from '../hold-tape-lock';
import { openTapeSession, type TapeSession } from '../tape-session';
import { tapeIdFromInput } from '../tape-id-input';
import { refuseRetired } from '../tape-service';
import { copyJob, describeDamage, expectedFiles, type CopiedJob, type CopyJobContext, type EarlierFailure, type SegmentPlace } from './copy-job';
import { readSourceJob, spansTapes, type SourceJob } from './source-job';

export interface CopyInput {
  readonly from: string;
  readonly to: string;
  /** Only these jobs of the source (id, prefix or short id); none: every job that has no copy on the destination yet. */
  readonly jobs: readonly string[];
  readonly mountFrom?: string;
  readonly mountTo?: string;
  /** One drive: read the source into this folder first, then write the destination from it. */
  readonly stage?: string;
  readonly rekey?: boolean;
  /** Encrypted tapes: how they are unlocked (one per command, so each tape is unlocked once). */
  readonly keys?: CopyKeys;
  readonly breakLock?: boolean;
  readonly stop?: () => StopRequest | undefined;
}

export interface CopyProgress {
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface CopyReport {
  readonly from: TapeId;
  readonly to: TapeId;
  readonly status: 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  readonly jobs: readonly CopiedJob[];
  /** Jobs left alone: the destination already holds a copy of them (or is where they were written). */
  readonly alreadyCopied: readonly { readonly job: string; readonly copy: string }[];
  /** Jobs that span tapes are not copied (yet): named here. */
  readonly skipped: readonly { readonly job: string; readonly reason: string }[];
  readonly bytes: number;
}

/** With one drive: where the destination is mounted once the cartridges are swapped (undefined: stop). */
export type AskForTape = (tape: TapeId, problem: AppError) => Promise<string | undefined>;

/**
 * `lto copy SRC DST`: each backup job of SRC (or those named) becomes a COPY job of DST
 * holding the same segments byte for byte and the same entries, each segment read and
 * written sequentially and checked on the way; DST's journal names each copy's original.
 */
export const runCopy = async (app: App, input: CopyInput, progress?: Subject<CopyProgress>, ask?: AskForTape): Promise<E.Either<AppError, CopyReport>> => {
  const tapes = await checkTapes(app, input);
  if (E.isLeft(tapes)) return tapes;
  const { from, to } = tapes.right;
  const planned = await planJobs(app, from, to, input.jobs);
  if (E.isLeft(planned)) return planned;
  const { todo, alreadyCopied, skipped } = planned.right;
  const totalBytes = todo.reduce((n, j) => n + j.segments.reduce((m, s) => m + s.closed.bytes, 0), 0);
  const room = await roomOnTape(app, from, to, totalBytes);
  if (E.isLeft(room)) return room;
  const base = { from, to, alreadyCopied, skipped };
  if (todo.length === 0) return E.right({ ...base, status: 'SUCCESS', jobs: [], bytes: 0 });
  const keys = await (input.keys ?? new CopyKeys(app, undefined)).forCopy(from, to);
  if (E.isLeft(keys)) return keys;
  let done = 0;
  const onBytes = (n: number): void => {
    done += n;
    progress?.next({ bytes: done, totalBytes: input.stage === undefined ? totalBytes : 2 * totalBytes });
  };
  const copied = input.stage === undefined
    ? await copyDirect(app, input, { from, to, todo, keys: keys.right }, onBytes)
    : await copyStaged(app, input, { from, to, todo, totalBytes, keys: keys.right }, onBytes, ask);
  if (E.isLeft(copied)) return copied;
  const jobs = copied.right;
  // A stop before every job was copied (while staging too) leaves the rest uncopied: INTERRUPTED.
  const cut = jobs.some((j) => j.status === 'INTERRUPTED') || (input.stop?.() !== undefined && jobs.length < todo.length);
  const status = cut ? 'INTERRUPTED' : jobs.some((j) => j.status === 'FAILED') ? 'FAILED' : 'SUCCESS';
  return E.right({ ...base, status, jobs, bytes: jobs.reduce((n, j) => n + j.bytes, 0) });
};

const checkTapes = async (app: App, input: CopyInput): Promise<E.Either<AppError, { from: TapeId; to: TapeId }>> => {
  const from = tapeIdFromInput(input.from);
  if (E.isLeft(from)) return from;
  const to = tapeIdFromInput(input.to);
  if (E.isLeft(to)) return to;
  const refuse = (reason: string) => E.left<AppError>({ _tag: 'CopyRefused', from: from.right, to: to.right, reason });
  if (from.right === to.right) return refuse('a tape cannot hold a copy of itself');
  for (const tape of [from.right, to.right]) if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const inService = await refuseRetired(app, to.right);
  if (E.isLeft(inService)) return inService;
  if (input.rekey === true) return refuse('--rekey is not supported yet: copy onto a tape added with `lto tape add <barcode> --key-of ' + from.right + '`');
  return E.right({ from: from.right, to: to.right });
};

interface Plan {
  readonly todo: SourceJob[];
  readonly alreadyCopied: { job: string; copy: string }[];
  readonly skipped: { job: string; reason: string }[];
}

/** The jobs to copy, oldest first: those named, or every backup (or copy) of SRC that succeeded and has no copy on DST. */
const planJobs = async (app: App, from: TapeId, to: TapeId, names: readonly string[]): Promise<E.Either<AppError, Plan>> => {
  const candidates: JobView[] = [];
  for (const name of names) {
    const found = await jobOfTape(app, from, name);
    if (E.isLeft(found)) return found;
    if (found.right.status !== 'SUCCESS') return E.left({ _tag: 'CopyRefused', from, to, reason: `job ${found.right.id} is ${found.right.status}: only a job that succeeded is copied` });
    if (!candidates.some((c) => c.id === found.right.id)) candidates.push(found.right);
  }
  if (names.length === 0) candidates.push(...(await app.catalog.jobs({ tape: from, status: 'SUCCESS' })).filter((j) => holdsArchive(j.type)));
  candidates.sort((a, b) => a.ordinal - b.ordinal);
  const plan: Plan = { todo: [], alreadyCopied: [], skipped: [] };
  for (const job of candidates) {
    const there = (await app.catalog.copies.placesOf(job.id)).find((p) => p.tape === to);
    if (there !== undefined) plan.alreadyCopied.push({ job: job.id, copy: there.job });
    else if (await spansTapes(app, job)) plan.skipped.push({ job: job.id, reason: 'it spans tapes: copies of such jobs are not supported yet' });
    else {
      const source = await readSourceJob(app, job.id);
      if (source !== undefined) plan.todo.push(source);
    }
  }
  return E.right(plan);
};

/** A job of SRC by its name, or (by its full id) the job of another tape that SRC holds a copy of. */
const jobOfTape = async (app: App, tape: TapeId, name: string): Promise<E.Either<AppError, JobView>> => {
  const found = await findBackupJob(app, tape, name);
  if (E.isRight(found) || found.left._tag !== 'JobNotFound') return found;
  const copy = (await app.catalog.copies.placesOf(name)).find((p) => p.tape === tape);
  const job = copy === undefined ? undefined : (await app.catalog.jobs({ tape })).find((j) => j.id === copy.job);
  return job === undefined ? found : E.right(job);
};

/** What the catalog says is left on DST: the copy needs as many bytes as the segments it copies. */
const roomOnTape = async (app: App, from: TapeId, to: TapeId, needed: number): Promise<E.Either<AppError, void>> => {
  const tape = await app.catalog.tape(to);
  const left = tape === undefined ? 0 : tape.capacityBytes - tape.usedBytes;
  return needed <= left ? E.right(undefined) : E.left({ _tag: 'CopyRefused', from, to, reason: `${to} has ${left} bytes left, the copy needs ${needed}` });
};

const roomOnMount = (from: TapeId, to: TapeId, mount: string, needed: number, what: string): E.Either<AppError, void> => {
  const space = fileSystemSpace(mount);
  if (space === undefined || space.freeBytes >= needed) return E.right(undefined);
  return E.left({ _tag: 'CopyRefused', from, to, reason: `${what} ${mount} has ${space.freeBytes} bytes free, the copy needs ${needed}` });
};

/** Jobs in the order the source's segments lie on tape (by each job's first segment). */
const inTapeOrder = (mount: string, jobs: readonly SourceJob[]): SourceJob[] =>
  segmentsInTapeOrder(mount, jobs.map((j) => ({ job: j.started.job, segment: j.segments[0]?.closed.segment ?? 1, source: j }))).map((x) => x.source);

const runJobs = async (context: CopyJobContext, jobs: readonly SourceJob[], place: SegmentPlace, earlier: ReadonlyMap<string, EarlierFailure>): Promise<E.Either<AppError, CopiedJob[]>> => {
  const out: CopiedJob[] = [];
  for (const source of jobs) {
    if (context.stop?.() !== undefined) break;
    const copied = await copyJob(context, source, place, earlier.get(source.started.job));
    if (E.isLeft(copied)) return copied;
    out.push(copied.right);
    if (copied.right.status === 'INTERRUPTED') break;
  }
  return E.right(out);
};

/** Two drives: each segment read from SRC and written to DST at once. */
const copyDirect = async (
  app: App,
  input: CopyInput,
  plan: { from: TapeId; to: TapeId; todo: readonly SourceJob[]; keys: TapeKeys | undefined },
  onBytes: (n: number) => void,
): Promise<E.Either<AppError, CopiedJob[]>> => {
  const source = await openTapeSession(app, plan.from, input.mountFrom, 'read');
  if (E.isLeft(source)) return source;
  const target = await openTapeSession(app, plan.to, input.mountTo, 'write');
  if (E.isLeft(target)) return target;
  if (target.right.mount === source.right.mount) return E.left({ _tag: 'CopyRefused', from: plan.from, to: plan.to, reason: `both are at ${target.right.mount}: with one drive, copy through a staging folder (--stage DIR)` });
  const needed = plan.todo.reduce((n, j) => n + j.segments.reduce((m, s) => m + s.closed.bytes, 0), 0);
  const room = roomOnMount(plan.from, plan.to, target.right.mount, needed, 'the mount');
  if (E.isLeft(room)) return room;
  const jobs = inTapeOrder(source.right.mount, plan.todo);
  const context = contextFor(app, input, plan, target.right, onBytes);
  const place: SegmentPlace = (job, segment) => segmentPath(source.right.mount, job, segment);
  return withTapeLock(app, source.right, 'lto copy', () => withTapeLock(app, target.right, 'lto copy', () => runJobs(context, jobs, place, new Map()), input.breakLock === true), input.breakLock === true);
};

const contextFor = (app: App, input: CopyInput, plan: { from: TapeId; keys: TapeKeys | undefined }, to: TapeSession, onBytes: (n: number) => void): CopyJobContext => ({
  app, from: plan.from, to, onBytes,
  names: plan.keys === undefined ? PLAIN_NAMES : sealedNames(plan.keys.names),
  ...(plan.keys === undefined ? {} : { keys: plan.keys }),
  ...(input.stop === undefined ? {} : { stop: input.stop }),
});

/**
 * One drive: every segment read from SRC into a folder of its own under the staging
 * folder (checked as it is read), then DST asked for and written from there (checked
 * again). The staging folder is checked for room first and emptied at the end, whatever happened.
 */
const copyStaged = async (
  app: App,
  input: CopyInput,
  plan: { from: TapeId; to: TapeId; todo: readonly SourceJob[]; totalBytes: number; keys: TapeKeys | undefined },
  onBytes: (n: number) => void,
  ask: AskForTape | undefined,
): Promise<E.Either<AppError, CopiedJob[]>> => {
  const stageRoot = input.stage ?? '';
  if (!fs.existsSync(stageRoot) || !fs.statSync(stageRoot).isDirectory()) return E.left({ _tag: 'InvalidOption', option: '--stage', value: stageRoot, expected: 'an existing folder' });
  const room = roomOnMount(plan.from, plan.to, stageRoot, plan.totalBytes, 'the staging folder');
  if (E.isLeft(room)) return room;
  const source = await openTapeSession(app, plan.from, input.mountFrom, 'read');
  if (E.isLeft(source)) return source;
  const stage = fs.mkdtempSync(path.join(stageRoot, 'lto-copy-'));
  try {
    const jobs = inTapeOrder(source.right.mount, plan.todo);
    const staged = (job: string, segment: number): string => path.join(stage, job, `${segment}.tar`);
    const earlier = await withTapeLock(app, source.right, 'lto copy', () => stageJobs(input, plan, source.right.mount, jobs, staged, onBytes), input.breakLock === true);
    if (E.isLeft(earlier)) return earlier;
    if (input.stop?.() !== undefined) return E.right([]);
    const target = await destination(app, plan.to, input.mountTo, ask);
    if (E.isLeft(target)) return target;
    const fits = roomOnMount(plan.from, plan.to, target.right.mount, plan.totalBytes, 'the mount');
    if (E.isLeft(fits)) return fits;
    const context = contextFor(app, input, plan, target.right, onBytes);
    return await withTapeLock(app, target.right, 'lto copy', () => runJobs(context, jobs, staged, earlier.right), input.breakLock === true);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
};

/** Every segment into the stage, checked; a job whose segment does not check out is not staged further (its copy fails). */
const stageJobs = async (
  input: CopyInput,
  { from, to, keys }: { readonly from: TapeId; readonly to: TapeId; readonly keys: TapeKeys | undefined },
  mount: string,
  jobs: readonly SourceJob[],
  staged: SegmentPlace,
  onBytes: (n: number) => void,
): Promise<E.Either<AppError, Map<string, EarlierFailure>>> => {
  const failures = new Map<string, EarlierFailure>();
  for (const job of jobs) {
    for (const segment of job.segments) {
      if (input.stop?.() !== undefined) return E.right(failures);
      const c = segment.closed;
      let seen = 0;
      const copied = copySegment(
        { path: segmentPath(mount, c.job, c.segment), bytes: c.bytes, sha256: c.sha256, files: expectedFiles(segment.entries) },
        staged(c.job, c.segment),
        keys,
        (n) => {
          onBytes(n - seen);
          seen = n;
        },
      );
      if (copied._tag === 'Damaged') failures.set(c.job, describeDamage(c.segment, c.job, from, copied.check, keys === undefined ? PLAIN_NAMES : sealedNames(keys.names)));
      if (copied._tag === 'WriteFailed') return E.left({ _tag: 'CopyRefused', from, to, reason: `the staging folder cannot take ${copied.path} (${copied.failure.code})` });
      if (copied._tag !== 'Copied') break;
      await hearSignals();
    }
  }
  return E.right(failures);
};

/** DST once the source is read: where it was said to be, or (one drive, a person at the terminal) where it is mounted after the swap. */
const destination = async (app: App, to: TapeId, mount: string | undefined, ask: AskForTape | undefined): Promise<E.Either<AppError, TapeSession>> => {
  let session = await openTapeSession(app, to, mount, 'write');
  for (let attempt = 0; E.isLeft(session) && ask !== undefined && attempt < 5; attempt++) {
    const answer = await ask(to, session.left);
    if (answer === undefined) break;
    session = await openTapeSession(app, to, answer, 'write');
  }
  return session;
};
