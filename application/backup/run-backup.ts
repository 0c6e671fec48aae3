import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { roomOnTape } from '../../domain/capacity';
import type { ArchivedEntry, BackupMode, JobTotals } from '../../domain/events';
import { compileGlob } from '../../domain/glob';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import { sourceRoot, type ScannedEntry } from '../../infrastructure/scan/walk';
import { segmentPath } from '../../infrastructure/tape/layout';
import { fileSystemSpace } from '../../infrastructure/tape/space';
import { ltfsCapacity } from '../../infrastructure/tape/ltfs-attributes';
import { FolderTape } from '../../infrastructure/tape/tape-volume';
import { SegmentWriter, describeSegmentError, type SegmentEncryption, type SegmentError } from '../../infrastructure/segment';
import { DEFAULT_CHUNK_BYTES } from '../../infrastructure/crypto/segment-chunks';
import type { Names } from '../names';
import { tapeForJob, type Unlocked } from '../unlock';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../ids';
import { JobRecorder } from '../job-recorder';
import { holdTapeLock } from '../tape-lock';
import { openTapeSession, type TapeSession } from '../tape-session';
import type { TapeLock } from '../../infrastructure/tape/tape-lock';
import { estimateTarBytes, planBackup, type BackupPlan } from './plan';
import { SpaceGuard } from './space-guard';
import { protectClosedSegment } from '../../infrastructure/segment/protect-segment';
import type { PlannedEntry, ScanTable } from './scan-table';

export const DEFAULT_SEGMENT_BYTES = 1024 ** 3;
/** A segment also closes after this many entries: bounds the memory held until its events are written. */
export const MAX_SEGMENT_ENTRIES = 50_000;
/** Entries handed to the segment writer before the first of them is placed. */
const IN_FLIGHT = 64;

export interface BackupInput {
  readonly tape: string;
  readonly sources: readonly string[];
  readonly incremental: boolean;
  readonly excludes: readonly string[];
  readonly checksum: boolean;
  readonly dryRun: boolean;
  readonly mount: string | undefined;
  readonly segmentTargetBytes: number;
  /** Break the tape's lock even when its holder cannot be checked (another host). */
  readonly breakLock?: boolean;
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
  readonly plan: BackupPlan;
  readonly job: string | null;
  readonly status: 'PLANNED' | 'SUCCESS' | 'FAILED';
  readonly reason: string | null;
  readonly totals: JobTotals;
  readonly segments: number;
  readonly warnings: readonly { readonly path: string; readonly reason: string }[];
  /** Files that could not be read (EIO, EACCES...): reported among the warnings, not on the tape. */
  readonly notArchived: number;
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
 * The tape's lock (application/tape-lock.ts) is held from contact to the job's end.
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
  const named = tapeForJob(app, input.tape, unlocked);
  if (E.isLeft(named)) return named;
  const { tape, known, names } = named.right;
  const roots = input.sources.map(sourceRoot);
  const missing = missingSources(roots);
  if (missing.length > 0) return E.left({ _tag: 'SourceMissing', paths: missing });
  const session = openTapeSession(app, tape, input.mount);
  if (E.isLeft(session)) return session;
  const writable = new FolderTape(session.right.mount).checkWritable();
  if (!input.dryRun && E.isLeft(writable)) return writable;
  if (!input.dryRun) {
    const lock = holdTapeLock(app, session.right, 'lto backup', input.breakLock === true);
    if (E.isLeft(lock)) return lock;
    locked(lock.right);
  }

  const mode: BackupMode = input.incremental ? 'INCREMENTAL' : 'FULL';
  const { plan, scan } = planBackup(app.db, {
    tape,
    roots,
    excludes: input.excludes.map(compileGlob),
    incremental: input.incremental,
    checksum: input.checksum,
    names,
    contentKey: unlocked?.keys.contentKey,
    onScanned: (entries) => progress?.next({ phase: 'scan', entries, bytes: 0, totalEntries: 0, totalBytes: 0 }),
    onEntry: () => app.crashPoint('scanned-entry'),
  });
  const report = (rest: Partial<BackupReport>): BackupReport => ({
    tape, mode, plan, job: null, status: 'PLANNED', reason: null, totals: { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 },
    segments: 0, warnings: readable(names, scan.warnings()), notArchived: 0, ...rest,
  });
  if (input.dryRun) return E.right(report({}));

  const room = roomOnTape(known.capacityBytes, known.usedBytes, fileSystemSpace(session.right.mount), ltfsCapacity(session.right.mount));
  if (plan.estimatedBytes > room.availableBytes) return E.left({ _tag: 'NotEnoughRoom', tape, neededBytes: plan.estimatedBytes, room });

  const job = mintId(JobId, app.newId());
  const recorder = new JobRecorder(app, tape, job, session.right);
  const started = recorder.record(
    {
      type: 'StartJob', job, tape, jobType: 'BACKUP', mode, encrypted: names.sealed, host: app.host,
      sources: roots.map((root) => names.path(root)),
      excludes: input.excludes.map((glob) => names.text('', glob)),
      segmentTargetBytes: input.segmentTargetBytes,
    },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const encryption: SegmentEncryption | undefined =
    unlocked === undefined ? undefined : { segmentKey: (salt) => unlocked.keys.segmentKey(salt), contentKey: unlocked.keys.contentKey, chunkBytes: DEFAULT_CHUNK_BYTES };
  const written = await writeSegments(app, recorder, session.right, scan, plan, input.segmentTargetBytes, progress, names, encryption);
  if (E.isLeft(written)) return written;
  const outcome = written.right;
  app.crashPoint('job-ending');
  const ended = finishJob(recorder, scan, outcome);
  if (E.isLeft(ended)) return ended;
  return E.right(
    report({
      job,
      status: outcome.failure === undefined ? 'SUCCESS' : 'FAILED',
      reason: outcome.failure ?? null,
      totals: outcome.totals,
      segments: outcome.segments,
      warnings: readable(names, outcome.warnings),
      notArchived: outcome.notArchived,
    }),
  );
};

/** Warnings are recorded as catalogued (sealed on an encrypted tape); the report shows them readable. */
const readable = (names: Names, warnings: readonly { path: string; reason: string }[]): { path: string; reason: string }[] =>
  warnings.map((w) => ({ path: names.open(w.path), reason: names.openText(w.path, w.reason) }));

interface WriteOutcome {
  readonly totals: JobTotals;
  readonly segments: number;
  readonly warnings: { path: string; reason: string }[];
  readonly notArchived: number;
  /** Why the job stopped (tape full, write error), when it did. */
  readonly failure: string | undefined;
}

const finishJob = (recorder: JobRecorder, scan: ScanTable, outcome: WriteOutcome): E.Either<AppError, void> => {
  const job = recorder.job;
  if (outcome.failure === undefined) {
    // In pages: an incremental after a big clean-up may declare a million paths gone.
    const page: string[] = [];
    const flush = (): E.Either<AppError, unknown> =>
      page.length === 0 ? E.right(undefined) : recorder.record({ type: 'RecordDeletions', job, paths: page.splice(0) });
    for (const path of scan.gone()) {
      page.push(path);
      if (page.length >= 10_000) {
        const recorded = flush();
        if (E.isLeft(recorded)) return recorded;
      }
    }
    const recorded = flush();
    if (E.isLeft(recorded)) return recorded;
  }
  const ended =
    outcome.failure === undefined
      ? recorder.record({ type: 'CompleteJob', job, totals: outcome.totals })
      : recorder.record({ type: 'FailJob', job, reason: outcome.failure, totals: outcome.totals });
  return E.map(() => undefined)(ended);
};

const tarPath = (path: string): string => path.replace(/^\/+/, '');

const archivedEntry = (e: ScannedEntry): ArchivedEntry => ({
  path: e.path,
  kind: e.kind,
  size: e.kind === 'file' ? e.size : 0,
  mtimeNs: e.mtimeNs.toString(),
  mode: e.mode,
  uid: e.uid,
  gid: e.gid,
  ...(e.target === undefined ? {} : { target: e.target }),
});

/** Pass 2: the changed entries into segments, closing one past the size target. */
const writeSegments = async (
  app: App,
  recorder: JobRecorder,
  session: TapeSession,
  scan: ScanTable,
  plan: BackupPlan,
  target: number,
  progress: Subject<BackupProgress> | undefined,
  names: Names,
  encryption: SegmentEncryption | undefined,
): Promise<E.Either<AppError, WriteOutcome>> => {
  const warnings = [...scan.warnings()];
  let pendingWarnings = warnings.length;
  const totals = { files: 0, bytesRead: 0, bytesWritten: 0, warnings: 0 };
  let notArchived = 0;
  const totalEntries = plan.new.entries + plan.modified.entries;
  const totalBytes = plan.new.bytes + plan.modified.bytes;
  let segment = 0;
  let writer: SegmentWriter | undefined;
  let entries: ArchivedEntry[] = [];
  let done = 0;

  const flushWarnings = (): E.Either<AppError, void> => {
    if (pendingWarnings === 0) return E.right(undefined);
    const batch = warnings.slice(warnings.length - pendingWarnings);
    pendingWarnings = 0;
    return E.map(() => undefined)(recorder.record({ type: 'RecordWarnings', job: recorder.job, warnings: batch }));
  };

  const closeSegment = async (): Promise<E.Either<AppError, string | undefined>> => {
    if (writer === undefined) return E.right(undefined);
    const closed = await writer.close();
    writer = undefined;
    if (E.isLeft(closed)) return E.right(describeSegmentFailure(closed.left));
    protectClosedSegment(session.mount, recorder.job, segment);
    app.crashPoint('segment-closed');
    totals.bytesWritten += closed.right.bytes;
    const { bytes, sha256, plainBytes, chunkBytes } = closed.right;
    const recorded = recorder.record({ type: 'CloseSegment', job: recorder.job, segment, bytes, sha256, plainBytes, chunkBytes, entries });
    entries = [];
    if (E.isLeft(recorded)) return recorded;
    app.crashPoint('after-segment-recorded');
    const flushed = flushWarnings();
    return E.isLeft(flushed) ? flushed : E.right(undefined);
  };

  const fail = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await writer?.abort();
    const flushed = flushWarnings();
    if (E.isLeft(flushed)) return flushed;
    totals.warnings = warnings.length;
    return E.right({ totals, segments: recorder.current.status === 'NONE' ? 0 : recorder.current.segments, warnings, notArchived, failure: reason });
  };

  const guard = new SpaceGuard(() => fileSystemSpace(session.mount));
  let inFlightBytes = 0;
  // Adds stay in flight up to IN_FLIGHT: the writer reads many small files at once and
  // places each as it is ready (its offset is recorded), so the disk never waits on us.
  const inFlight = new Set<Promise<void>>();
  let issuedBytes = 0;
  let fatal: string | undefined;
  const settle = (entry: PlannedEntry, added: Added): void => {
    if (added._tag === 'fatal') {
      fatal ??= added.reason;
      return;
    }
    if (added._tag === 'warning') {
      notArchived += 1;
      warnings.push({ path: entry.path, reason: names.text(entry.path, added.reason) });
      pendingWarnings++;
    } else {
      entries.push(added.entry);
      app.crashPoint('entry-written');
      if (added.changed) {
        warnings.push({ path: entry.path, reason: names.text(entry.path, 'changed while it was read: the archived copy may be inconsistent') });
        pendingWarnings++;
      }
      if (entry.kind === 'file') {
        totals.files += 1;
        totals.bytesRead += entry.size;
      }
    }
    done += 1;
    progress?.next({ phase: 'write', entries: done, bytes: totals.bytesRead, totalEntries, totalBytes });
  };
  const drain = async (): Promise<void> => {
    await Promise.all(inFlight);
  };
  /** What is placed is kept: the open segment is closed (it fits) and its events recorded, then the job fails. */
  const stopBeforeReserve = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await drain();
    if (fatal !== undefined) return fail(fatal);
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    return fail(closed.right ?? reason);
  };

  for (const entry of scan.toWrite()) {
    const estimate = estimateTarBytes(entry.size);
    const full = guard.check(estimate, (writer === undefined ? 0 : writer.position - writer.bytesWritten) + inFlightBytes);
    if (full !== undefined) return stopBeforeReserve(full);
    if (writer === undefined) {
      segment += 1;
      const opened = SegmentWriter.open(segmentPath(session.mount, recorder.job, segment), {}, encryption);
      if (E.isLeft(opened)) return fail(describeSegmentFailure(opened.left));
      writer = opened.right;
    }
    // Counted as issued, not as placed: adds in flight have not moved the writer's position yet.
    issuedBytes += estimate;
    inFlightBytes += estimate;
    const task: Promise<void> = addEntry(writer, entry, names).then((added) => {
      inFlightBytes -= estimate;
      settle(entry, added);
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    if (fatal !== undefined) {
      await drain();
      return fail(fatal);
    }
    if (issuedBytes >= target || entries.length + inFlight.size >= MAX_SEGMENT_ENTRIES) {
      issuedBytes = 0;
      await drain();
      if (fatal !== undefined) return fail(fatal);
      const closed = await closeSegment();
      if (E.isLeft(closed)) return closed;
      if (closed.right !== undefined) return fail(closed.right);
    }
  }
  await drain();
  if (fatal !== undefined) return fail(fatal);
  const closed = await closeSegment();
  if (E.isLeft(closed)) return closed;
  if (closed.right !== undefined) return fail(closed.right);
  const flushed = flushWarnings();
  if (E.isLeft(flushed)) return flushed;
  totals.warnings = warnings.length;
  return E.right({ totals, segments: segment, warnings, notArchived, failure: undefined });
};

type Added =
  | { readonly _tag: 'ok'; readonly entry: ArchivedEntry; readonly changed: boolean }
  | { readonly _tag: 'warning'; readonly reason: string }
  | { readonly _tag: 'fatal'; readonly reason: string };

/**
 * One planned entry into the segment. The entry's path is as catalogued; the source is
 * read, and the tar inside the segment is written, under the real path (on an
 * encrypted tape the whole tar is sealed).
 */
const addEntry = async (writer: SegmentWriter, entry: PlannedEntry, names: Names): Promise<Added> => {
  const source = names.open(entry.path);
  const header = { path: tarPath(source), mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid };
  const fatal = (e: SegmentError): Added => ({ _tag: 'fatal', reason: describeSegmentFailure(names.sealed && e._tag === 'SegmentEntryInvalid' ? { ...e, entryPath: '(a sealed name)' } : e) });
  if (entry.kind !== 'file') {
    const r =
      entry.kind === 'dir'
        ? await writer.addDirectory(header)
        : await writer.addSymlink({ ...header, linkTarget: entry.target === undefined ? '' : names.openText(entry.path, entry.target) });
    return E.isLeft(r) ? fatal(r.left) : { _tag: 'ok', entry: archivedEntry(entry), changed: false };
  }
  const r = await writer.addFile(header, source, { size: entry.size, mtimeNs: entry.mtimeNs });
  if (E.isLeft(r)) {
    const problem = r.left;
    if (problem._tag === 'SourceUnreadable') return { _tag: 'warning', reason: `not archived: cannot ${problem.op} (${problem.code}): ${problem.message}` };
    return fatal(problem);
  }
  return {
    _tag: 'ok',
    entry: { ...archivedEntry(entry), offset: r.right.dataOffset, sha256: r.right.sha256, size: r.right.length },
    changed: r.right.changedWhileRead,
  };
};

/** One line for the job's failure reason. */
const describeSegmentFailure = (e: SegmentError): string =>
  'full' in e && e.full ? `the tape is full (${e.code})` : describeSegmentError(e);
