import * as E from 'fp-ts/Either';
import { roomOnTape } from '../../domain/capacity';
import type { BackupMode } from '../../domain/events';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import { fileSystemSpace } from '../../infrastructure/tape/space';
import { ltfsCapacity } from '../../infrastructure/tape/ltfs-attributes';
import { FolderTape } from '../../infrastructure/tape/tape-volume';
import type { SegmentEncryption } from '../../infrastructure/segment';
import { DEFAULT_CHUNK_BYTES } from '../../infrastructure/crypto/segment-chunks';
import type { Names } from '../entry-names';
import { tapeForJob, type Unlocked } from '../unlock';
import type { App } from '../app';
import type { AppError } from '../errors';
import { JobRecorder } from '../job-recorder';
import { holdTapeLock } from '../hold-tape-lock';
import { openTapeSession, type TapeSession } from '../tape-session';
import { refuseRetired } from '../tape-service';
import type { TapeLock } from '../../infrastructure/tape/tape-lock';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { SpaceGuard } from './space-guard';

/** The parts of a backup job: one per tape, each a complete job of its tape (see docs/FORMAT.md, Jobs that span tapes). */

/**
 * The tapes a spanning backup goes on to, from the command line (`--mount` in order) or
 * from a person at a terminal. Asked in two steps, so that one drive is enough: which
 * tape comes next (while the full one is still mounted: its journal names it), then,
 * once the full tape's part has ended, where that tape is mounted.
 */
export interface SpanTapes {
  /** The tape part `part` goes on; undefined: there is none. */
  nextTape(full: TapeId, part: number): Promise<E.Either<AppError, TapeId | undefined>>;
  /** Where `tape` is mounted now (`problem`: why the last answer would not do); undefined: give up. */
  mountOf(tape: TapeId, part: number, problem: AppError | undefined): Promise<string | undefined>;
  /** The keys of `tape`, when it is encrypted (the same secrets as the first tape's). */
  unlock(tape: TapeId): Promise<E.Either<AppError, Unlocked | undefined>>;
}

/** What stays the same across the parts of one job. */
export interface JobContext {
  readonly mode: BackupMode;
  readonly roots: readonly string[];
  readonly excludes: readonly string[];
  readonly segmentTargetBytes: number;
  readonly breakLock: boolean;
  readonly span: SpanTapes | undefined;
  /** Every tape lock taken, released when the job ends whatever happens. */
  readonly locked: (lock: TapeLock) => void;
  /** Whether a stop was asked for (a signal), polled before each entry. */
  readonly stop: (() => StopRequest | undefined) | undefined;
}

/** A part of the job: the job on one tape (a backup that spans tapes has one per tape). */
export interface Part {
  readonly number: number;
  readonly tape: TapeId;
  readonly recorder: JobRecorder;
  readonly session: TapeSession;
  readonly names: Names;
  readonly encryption: SegmentEncryption | undefined;
  readonly guard: SpaceGuard;
  readonly release: () => void;
  readonly totals: { files: number; bytesRead: number; bytesWritten: number; warnings: number };
  /** Warnings recorded in this part's stream (named as this tape catalogues them), the last `pending` not yet recorded. */
  readonly warnings: { path: string; reason: string }[];
  pending: number;
  segment: number;
}

/** Where a part of the job is: what a span's parts name (and the report lists). */
export interface PartPlace {
  readonly tape: TapeId;
  readonly job: JobId;
}

/** A tape that may not take the next part: not registered, already in this job, or not encrypted as the first is. */
export const refuseNextTape = async (app: App, next: TapeId, parts: readonly PartPlace[], first: Part): Promise<AppError | undefined> => {
  const known = await app.catalog.tape(next);
  if (known === undefined) return { _tag: 'SpanTapeRefused', tape: next, reason: `it is not in the catalog: add it first with \`lto tape add ${next}\`` };
  if (parts.some((p) => p.tape === next)) return { _tag: 'SpanTapeRefused', tape: next, reason: 'it already holds a part of this job' };
  if (known.encrypted !== first.names.sealed) {
    return { _tag: 'SpanTapeRefused', tape: next, reason: `it is ${known.encrypted ? '' : 'not '}encrypted and ${first.tape} is ${first.names.sealed ? '' : 'not'}` };
  }
  return undefined;
};

/**
 * Starts part `number` on `tape`: waits for it to be mounted (a person may be swapping
 * cartridges), checks it is that tape, takes its lock, unlocks it (encrypted spans) and
 * records the part's start, naming every earlier part.
 */
export const openNextPart = async (
  app: App,
  context: JobContext,
  span: SpanTapes,
  tape: TapeId,
  job: JobId,
  number: number,
  previous: readonly PartPlace[],
): Promise<E.Either<AppError, Part>> => {
  let problem: AppError | undefined;
  const inService = await refuseRetired(app, tape);
  if (E.isLeft(inService)) return inService;
  for (let attempt = 0; attempt < MOUNT_ATTEMPTS; attempt++) {
    const mount = await span.mountOf(tape, number, problem);
    if (mount === undefined) return E.left(problem ?? { _tag: 'TapeNotMounted', tape, tried: [] });
    const session = await openTapeSession(app, tape, mount);
    if (E.isLeft(session)) {
      problem = session.left;
      continue;
    }
    const writable = new FolderTape(session.right.mount).checkWritable();
    if (E.isLeft(writable)) return writable;
    const lock = await holdTapeLock(app, session.right, 'lto backup', context.breakLock);
    if (E.isLeft(lock)) return lock;
    context.locked(lock.right);
    const started = await startPart(app, context, span, session.right, job, number, previous, () => lock.right.release());
    if (E.isLeft(started)) lock.right.release();
    return started;
  }
  return E.left(problem ?? { _tag: 'TapeNotMounted', tape, tried: [] });
};

/** How many times a person is asked for the next tape before the job gives up. */
const MOUNT_ATTEMPTS = 5;

const startPart = async (
  app: App,
  context: JobContext,
  span: SpanTapes,
  session: TapeSession,
  job: JobId,
  number: number,
  previous: readonly PartPlace[],
  release: () => void,
): Promise<E.Either<AppError, Part>> => {
  const tape = session.tape;
  const unlocked = await span.unlock(tape);
  if (E.isLeft(unlocked)) return unlocked;
  const named = await tapeForJob(app, tape, unlocked.right);
  if (E.isLeft(named)) return named;
  const { known, names } = named.right;
  const recorder = new JobRecorder(app, tape, job, session);
  const started = await recorder.record(
    {
      ...startCommand(app, context, tape, job, names),
      // The span's identity is its first part's job.
      span: { id: previous[0]?.job ?? job, part: number, previous: previous.map((p) => ({ ...p })) },
    },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const room = roomOnTape(known.capacityBytes, known.usedBytes, fileSystemSpace(session.mount), ltfsCapacity(session.mount));
  return E.right(newPart(number, tape, recorder, session, names, encryptionOf(unlocked.right), room.availableBytes, release));
};

export const newPart = (
  number: number,
  tape: TapeId,
  recorder: JobRecorder,
  session: TapeSession,
  names: Names,
  encryption: SegmentEncryption | undefined,
  budgetBytes: number,
  release: () => void,
): Part => ({
  number, tape, recorder, session, names, encryption, release,
  guard: new SpaceGuard(() => fileSystemSpace(session.mount), budgetBytes),
  totals: { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 },
  warnings: [],
  pending: 0,
  segment: 0,
});

export const encryptionOf = (unlocked: Unlocked | undefined): SegmentEncryption | undefined =>
  unlocked === undefined ? undefined : { segmentKey: (salt) => unlocked.keys.segmentKey(salt), contentKey: unlocked.keys.contentKey, chunkBytes: DEFAULT_CHUNK_BYTES };

/** What every part's start records: the job's sources and settings, named as that tape catalogues them. */
export const startCommand = (app: App, context: JobContext, tape: TapeId, job: JobId, names: Names) =>
  ({
    type: 'StartJob', job, tape, jobType: 'BACKUP', mode: context.mode, encrypted: names.sealed, host: app.host,
    sources: context.roots.map((root) => names.path(root)),
    excludes: context.excludes.map((glob) => names.text('', glob)),
    segmentTargetBytes: context.segmentTargetBytes,
  }) as const;
