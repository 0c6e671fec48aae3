import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { roomOnTape } from '../../domain/capacity';
import type { BackupMode, JobTotals } from '../../domain/events';
import { compileGlob } from '../../domain/glob';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import { sourceRoot, symlinkedFolder } from '../../infrastructure/scan/walk';
import { fileSystemSpace } from '../../infrastructure/tape/space';
import { ltfsCapacity } from '../../infrastructure/tape/ltfs-attributes';
import { FolderTape } from '../../infrastructure/tape/tape-volume';
import type { Names } from '../entry-names';
import { tapeForJob, type Unlocked } from '../unlock';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../mint-id';
import { JobRecorder } from '../job-recorder';
import { holdTapeLock } from '../hold-tape-lock';
import { openTapeSession } from '../tape-session';
import { refuseRetired } from '../tape-service';
import type { TapeLock } from '../../infrastructure/tape/tape-lock';
import type { StopRequest } from '../../infrastructure/stop-signals';
import { planBackup, type BackupPlan } from './plan';
import { chooseMode } from './choose-mode';
import { encryptionOf, newPart, startCommand, type JobContext, type PartPlace, type SpanTapes } from './parts';
import { finishJob } from './finish-job';
import { writeSegments } from './write-segments';

export type { PartPlace, SpanTapes } from './parts';
export { pieceThatFits, SPLIT_MIN_BYTES } from './add-entry';

export const DEFAULT_SEGMENT_BYTES = 1024 ** 3;

export interface BackupInput {
  readonly tape: string;
  readonly sources: readonly string[];
  /** `full` or `incremental` as asked; `auto` (neither flag): incremental when the tape already holds these sources. */
  readonly incremental: boolean | 'auto';
  readonly excludes: readonly string[];
  readonly checksum: boolean;
  readonly dryRun: boolean;
  readonly mount: string | undefined;
  readonly segmentTargetBytes: number;
  /** Break the tape's lock even when its holder cannot be checked (another host). */
  readonly breakLock?: boolean;
  /** `--span`: when the tape is full, go on to the tapes these give. */
  readonly span?: SpanTapes;
  /** Polled at the job's safe points: a stop asked for (a signal) ends it INTERRUPTED. */
  readonly stop?: () => StopRequest | undefined;
  /** `--set`: the tape is one of this set's, and the incremental compares with every one of `tapes` (application/backup/set-target.ts). */
  readonly set?: { readonly name: string; readonly tapes: readonly string[] };
}

export interface BackupProgress {
  readonly phase: 'scan' | 'write';
  readonly entries: number;
  readonly bytes: number;
  readonly totalEntries: number;
  readonly totalBytes: number;
}

export interface BackupReport {
  readonly tape: TapeId;
  readonly mode: BackupMode;
  /** Why this mode (the flag given, or what the tape holds). */
  readonly modeReason: string;
  readonly plan: BackupPlan;
  readonly job: string | null;
  readonly status: 'PLANNED' | 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  readonly reason: string | null;
  readonly totals: JobTotals;
  readonly segments: number;
  readonly warnings: readonly { readonly path: string; readonly reason: string }[];
  /** Files that could not be read (EIO, EACCES...): reported among the warnings, not on the tape. */
  readonly notArchived: number;
  /** Each tape the job wrote, in order, with its part's job (one, unless the job spanned tapes). */
  readonly parts: readonly PartPlace[];
}

const missingSources = (roots: readonly string[]): string[] =>
  roots.filter((root) => {
    try {
      fs.lstatSync(root);
      return false;
    } catch {
      return true;
    }
  });

/**
 * A backup job: plan (scan and compare), check the room, then write the changed
 * entries into segments; each closed segment's events reach the journal right after
 * the segment is fsynced, so whatever was closed survives a crash or a full tape.
 * The tape's lock (application/hold-tape-lock.ts) is held from contact to the job's end.
 */
export const runBackup = async (
  app: App,
  input: BackupInput,
  progress?: Subject<BackupProgress>,
  unlocked?: Unlocked,
): Promise<E.Either<AppError, BackupReport>> => {
  const held: TapeLock[] = [];
  try {
    return await backup(app, input, progress, unlocked, (lock) => held.push(lock));
  } finally {
    for (const lock of held) lock.release();
  }
};

const backup = async (
  app: App,
  input: BackupInput,
  progress: Subject<BackupProgress> | undefined,
  unlocked: Unlocked | undefined,
  locked: (lock: TapeLock) => void,
): Promise<E.Either<AppError, BackupReport>> => {
  const named = await tapeForJob(app, input.tape, unlocked);
  if (E.isLeft(named)) return named;
  const { tape, known, names } = named.right;
  const inService = await refuseRetired(app, tape);
  if (E.isLeft(inService)) return inService;
  const roots = input.sources.map(sourceRoot);
  const missing = missingSources(roots);
  if (missing.length > 0) return E.left({ _tag: 'SourceMissing', paths: missing });
  for (const root of roots) {
    const target = symlinkedFolder(root);
    if (target !== undefined) app.notice(`source ${root} is a symlink to ${target}: backing up ${target}'s contents under ${root}`);
  }
  const session = await openTapeSession(app, tape, input.mount);
  if (E.isLeft(session)) return session;
  const writable = new FolderTape(session.right.mount).checkWritable();
  if (!input.dryRun && E.isLeft(writable)) return writable;
  let release = (): void => undefined;
  if (!input.dryRun) {
    const lock = await holdTapeLock(app, session.right, 'lto backup', input.breakLock === true);
    if (E.isLeft(lock)) return lock;
    locked(lock.right);
    release = () => lock.right.release();
  }

  const request = input.incremental === 'auto' ? 'auto' : input.incremental ? 'incremental' : 'full';
  const { mode, reason: modeReason } = await chooseMode(app.catalog, tape, roots, names, request, input.set);
  const { plan, scan } = await planBackup(app.catalog, {
    tape,
    ...(input.set === undefined ? {} : { baseline: input.set.tapes }),
    roots,
    excludes: input.excludes.map(compileGlob),
    incremental: mode === 'INCREMENTAL',
    checksum: input.checksum,
    names,
    contentKey: unlocked?.keys.contentKey,
    onScanned: (entries) => progress?.next({ phase: 'scan', entries, bytes: 0, totalEntries: 0, totalBytes: 0 }),
    onEntry: () => app.crashPoint('scanned-entry'),
  });
  const report = (rest: Partial<BackupReport>): BackupReport => ({
    tape, mode, modeReason, plan, job: null, status: 'PLANNED', reason: null, totals: { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 },
    segments: 0, warnings: readable(names, scan.warnings()), notArchived: 0, parts: [], ...rest,
  });
  if (input.dryRun) return E.right(report({}));

  const room = roomOnTape(known.capacityBytes, known.usedBytes, fileSystemSpace(session.right.mount), ltfsCapacity(session.right.mount));
  // A spanning job goes on to the next tape when this one is full: only an unspanned one must fit.
  if (input.span === undefined && plan.estimatedBytes > room.availableBytes) return E.left({ _tag: 'NotEnoughRoom', tape, neededBytes: plan.estimatedBytes, room });

  // A stop asked for during the scan (which runs without a pause) ends the command before the job starts.
  const early = input.stop?.();
  if (early !== undefined) return E.left({ _tag: 'StoppedBeforeStart', signal: early.signal, reason: early.reason });
  const job = mintId(JobId, app.newId());
  const context: JobContext = {
    mode, roots, excludes: input.excludes, segmentTargetBytes: input.segmentTargetBytes, breakLock: input.breakLock === true,
    span: input.span, locked, stop: input.stop,
  };
  const recorder = new JobRecorder(app, tape, job, session.right);
  const started = await recorder.record(
    { ...startCommand(app, context, tape, job, names), ...(input.span === undefined ? {} : { span: { id: job, part: 1, previous: [] } }) },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const first = newPart(1, tape, recorder, session.right, names, encryptionOf(unlocked), room.availableBytes, release);
  const written = await writeSegments(app, first, scan, plan, context, progress);
  if (E.isLeft(written)) return written;
  const outcome = written.right;
  app.crashPoint('job-ending');
  const ended = await finishJob(outcome, scan, app.clock().toISOString());
  if (E.isLeft(ended)) return ended;
  if (outcome.error !== undefined) return E.left(outcome.error);
  const totals = { files: outcome.filesDone, bytesRead: outcome.bytesDone, bytesWritten: 0, warnings: outcome.warnings.length };
  const parts = outcome.parts;
  return E.right(
    report({
      job,
      status: outcome.stopped !== undefined ? 'INTERRUPTED' : outcome.failure === undefined ? 'SUCCESS' : 'FAILED',
      reason: outcome.stopped?.reason ?? outcome.failure ?? null,
      totals: { ...totals, bytesWritten: outcome.bytesWritten },
      segments: outcome.segments,
      warnings: outcome.warnings,
      notArchived: outcome.notArchived,
      parts,
    }),
  );
};

/** Warnings are recorded as catalogued (sealed on an encrypted tape); the report shows them readable. */
const readable = (names: Names, warnings: readonly { path: string; reason: string }[]): { path: string; reason: string }[] =>
  warnings.map((w) => ({ path: names.open(w.path), reason: names.openText(w.path, w.reason) }));
