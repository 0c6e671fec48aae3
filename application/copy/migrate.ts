import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { generationNumber } from '../../domain/drive-generations';
import { holdsArchive } from '../../domain/events';
import { GENERATIONS, type TapeId } from '../../domain/tape-id';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { segmentPath } from '../../infrastructure/tape/layout';
import type { App } from '../app';
import { mountOfSetTape } from '../backup/set-target';
import type { AppError } from '../errors';
import { changeTapeService, refuseRetired } from '../tape-service';
import { tapeIdFromInput } from '../tape-id-input';
import { checkStepKeys, copyStep, placeJobs, type CopyStep, type Wanted } from './place-jobs';
import type { CopyKeys } from './copy-keys';
import type { AskForTape, CopyProgress, CopyReport } from './run-copy';
import { readSourceJob, spansTapes } from './source-job';

export interface MigrateInput {
  readonly from: string;
  readonly to: readonly string[];
  /** Mount points (one per drive) among which each tape is found by its label. */
  readonly mounts: readonly string[];
  readonly stage?: string;
  readonly breakLock?: boolean;
  readonly stop?: () => StopRequest | undefined;
  readonly keys?: CopyKeys;
}

export interface MigrateReport {
  readonly from: TapeId;
  readonly to: readonly TapeId[];
  readonly status: 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  readonly copies: readonly CopyReport[];
  /** Jobs of the source that already had a copy on one of the destinations. */
  readonly alreadyCopied: number;
  /** Copies read back from the destination, each segment's SHA-256 equal to the source's. */
  readonly verified: number;
  /** Jobs not migrated and why (cut short, spanning tapes, a read-back that differs). */
  readonly notMigrated: readonly { readonly job: string; readonly reason: string }[];
  /** The source now carries `TapeMigrated` (every job it holds has a verified copy on the destinations). */
  readonly migrated: boolean;
  readonly pending: boolean;
}

interface Plan {
  readonly from: TapeId;
  readonly to: readonly TapeId[];
  readonly steps: readonly CopyStep[];
  readonly alreadyCopied: number;
  readonly notMigrated: { job: string; reason: string }[];
}

/**
 * `lto migrate SRC --to DST…`: every job of SRC (every version it holds) copied onto the
 * destinations in order, whole jobs, each filled before the next; each copy read back
 * and its segments' SHA-256 checked against SRC's; then SRC is marked MIGRATED (an event
 * on its journal). When the destinations have not the room, nothing is written.
 */
export const runMigrate = async (app: App, input: MigrateInput, progress?: Subject<CopyProgress>, ask?: AskForTape): Promise<E.Either<AppError, MigrateReport>> => {
  const planned = await planMigration(app, input.from, input.to);
  if (E.isLeft(planned)) return planned;
  const { from, to, steps, alreadyCopied } = planned.right;
  const keys = await checkStepKeys(app, steps, input.keys);
  if (E.isLeft(keys)) return keys;
  const notMigrated = [...planned.right.notMigrated];
  const copies: CopyReport[] = [];
  let verified = 0;
  const report = (status: MigrateReport['status'], migrated = false, pending = false): MigrateReport => ({ from, to, status, copies, alreadyCopied, verified, notMigrated, migrated, pending });
  for (const step of steps) {
    if (input.stop?.() !== undefined) return E.right(report('INTERRUPTED'));
    const copied = await copyStep(app, step, input, progress, ask);
    if (E.isLeft(copied)) return copies.length === 0 ? copied : E.right({ ...report('FAILED'), notMigrated: [...notMigrated, ...step.jobs.map((job) => ({ job, reason: 'not copied: the copy stopped before it' }))] });
    copies.push(copied.right);
    const mount = await mountOfSetTape(app, step.to, input.mounts);
    for (const job of copied.right.jobs) {
      if (job.status !== 'SUCCESS') continue;
      const differs = mount === undefined ? `${step.to} is no longer mounted to be read back` : await readBack(app, mount, job.original, job.copy);
      if (differs === undefined) verified++;
      else notMigrated.push({ job: job.original, reason: differs });
    }
    if (copied.right.status !== 'SUCCESS') return E.right(report(copied.right.status));
  }
  if (notMigrated.length > 0) return E.right(report('FAILED'));
  const holding: TapeId[] = [];
  for (const t of to) if (await holdsCopyOf(app, from, t)) holding.push(t);
  const used = [...new Set([...steps.map((s) => s.to), ...holding])];
  const marked = await changeTapeService(app, from, await mountOfSetTape(app, from, input.mounts), () => ({ type: 'MarkMigrated', tape: from, to: to.filter((t) => used.includes(t)), jobs: verified + alreadyCopied }));
  if (E.isLeft(marked)) return marked;
  return E.right(report('SUCCESS', true, marked.right.pending));
};

/** Whether `to` holds a copy of a job of `from`. */
const holdsCopyOf = async (app: App, from: TapeId, to: TapeId): Promise<boolean> => {
  for (const j of await app.catalog.jobs({ tape: from })) {
    if ((await app.catalog.copies.placesOf(j.id)).some((p) => p.tape === to)) return true;
  }
  return false;
};

/** The copy's segments read back from the destination: undefined when each one's SHA-256 is the original's, else why not. */
const readBack = async (app: App, mount: string, original: string, copy: string): Promise<string | undefined> => {
  const source = await readSourceJob(app, original);
  if (source === undefined) return `job ${original} is no longer in the catalog`;
  for (const segment of source.segments) {
    const file = segmentPath(mount, copy, segment.closed.segment);
    const hash = sha256OfFile(file);
    if (hash !== segment.closed.sha256) return `segment ${segment.closed.segment} of its copy ${copy} reads back ${hash === undefined ? 'not at all' : 'with another SHA-256'} (${file})`;
  }
  return undefined;
};

const CHUNK = 8 * 1024 * 1024;

const sha256OfFile = (file: string): string | undefined => {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const hash = crypto.createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let n = fs.readSync(fd, buffer, 0, CHUNK, null); n > 0; n = fs.readSync(fd, buffer, 0, CHUNK, null)) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
};

/** What a migration would copy where; refused (nothing written) when a tape is wrong for it or the destinations have not the room. */
export const planMigration = async (app: App, fromInput: string, toInputs: readonly string[]): Promise<E.Either<AppError, Plan>> => {
  const parsed = tapeIdFromInput(fromInput);
  if (E.isLeft(parsed)) return parsed;
  const from = parsed.right;
  const source = await app.catalog.tape(from);
  if (source === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: from });
  const refuse = (reason: string) => E.left<AppError>({ _tag: 'MigrateRefused', tape: from, reason });
  const retired = await refuseRetired(app, from);
  if (E.isLeft(retired)) return retired;
  const to: TapeId[] = [];
  for (const input of toInputs) {
    const tape = tapeIdFromInput(input);
    if (E.isLeft(tape)) return tape;
    const known = await app.catalog.tape(tape.right);
    if (known === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: tape.right });
    const inService = await refuseRetired(app, tape.right);
    if (E.isLeft(inService)) return inService;
    if (tape.right === from) return refuse('a tape cannot be migrated onto itself');
    if (to.includes(tape.right)) return refuse(`${tape.right} is named twice`);
    if (generationNumber(known.generation) < generationNumber(source.generation)) {
      return refuse(`${tape.right} is ${GENERATIONS[known.generation].name}, older than ${from}'s ${GENERATIONS[source.generation].name}: migrate onto the same generation or a newer one`);
    }
    to.push(tape.right);
  }
  if (to.length === 0) return refuse('no destination tape (--to)');
  const wanted: Wanted[] = [];
  const notMigrated: { job: string; reason: string }[] = [];
  let alreadyCopied = 0;
  for (const job of (await app.catalog.jobs({ tape: from })).filter((j) => holdsArchive(j.type)).sort((a, b) => a.ordinal - b.ordinal)) {
    if (job.status !== 'SUCCESS') {
      if (job.files > 0) notMigrated.push({ job: job.id, reason: `it is ${job.status}: only a job that succeeded is copied (its ${job.files} files stay on ${from} alone)` });
    } else if ((await app.catalog.copies.placesOf(job.id)).some((p) => to.some((t) => t === p.tape))) alreadyCopied++;
    else if (await spansTapes(app, job)) notMigrated.push({ job: job.id, reason: 'it spans tapes: copies of such jobs are not supported yet' });
    else {
      const read = await readSourceJob(app, job.id);
      if (read !== undefined) wanted.push({ tape: from, job: job.id, bytes: read.segments.reduce((n, s) => n + s.closed.bytes, 0) });
    }
  }
  const placed = await placeJobs(app, wanted, to);
  if (E.isLeft(placed)) return refuse(`${placed.left}: name another tape with --to`);
  return E.right({ from, to, steps: placed.right, alreadyCopied, notMigrated });
};
