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
  /** `--span`: when the tape is full, go on to the tapes these give. */
  readonly span?: SpanTapes;
}

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
interface JobContext {
  readonly mode: BackupMode;
  readonly roots: readonly string[];
  readonly excludes: readonly string[];
  readonly segmentTargetBytes: number;
  readonly breakLock: boolean;
  readonly span: SpanTapes | undefined;
  /** The first part's job: the span's identity. */
  readonly spanId: JobId | undefined;
  /** Every tape lock taken, released when the job ends whatever happens. */
  readonly locked: (lock: TapeLock) => void;
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
  let release = (): void => undefined;
  if (!input.dryRun) {
    const lock = holdTapeLock(app, session.right, 'lto backup', input.breakLock === true);
    if (E.isLeft(lock)) return lock;
    locked(lock.right);
    release = () => lock.right.release();
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
    segments: 0, warnings: readable(names, scan.warnings()), notArchived: 0, parts: [], ...rest,
  });
  if (input.dryRun) return E.right(report({}));

  const room = roomOnTape(known.capacityBytes, known.usedBytes, fileSystemSpace(session.right.mount), ltfsCapacity(session.right.mount));
  // A spanning job goes on to the next tape when this one is full: only an unspanned one must fit.
  if (input.span === undefined && plan.estimatedBytes > room.availableBytes) return E.left({ _tag: 'NotEnoughRoom', tape, neededBytes: plan.estimatedBytes, room });

  const job = mintId(JobId, app.newId());
  const context: JobContext = {
    mode, roots, excludes: input.excludes, segmentTargetBytes: input.segmentTargetBytes, breakLock: input.breakLock === true,
    span: input.span, spanId: input.span === undefined ? undefined : job, locked,
  };
  const recorder = new JobRecorder(app, tape, job, session.right);
  const started = recorder.record(
    { ...startCommand(app, context, tape, job, names), ...(input.span === undefined ? {} : { span: { id: job, part: 1, previous: [] } }) },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const first = newPart(1, tape, recorder, session.right, names, encryptionOf(unlocked), room.availableBytes, release);
  const written = await writeSegments(app, first, scan, plan, context, progress);
  if (E.isLeft(written)) return written;
  const outcome = written.right;
  app.crashPoint('job-ending');
  const ended = finishJob(outcome, scan);
  if (E.isLeft(ended)) return ended;
  if (outcome.error !== undefined) return E.left(outcome.error);
  const totals = { files: outcome.filesDone, bytesRead: outcome.bytesDone, bytesWritten: 0, warnings: outcome.warnings.length };
  const parts = outcome.parts;
  return E.right(
    report({
      job,
      status: outcome.failure === undefined ? 'SUCCESS' : 'FAILED',
      reason: outcome.failure ?? null,
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

interface WriteOutcome {
  readonly parts: readonly PartPlace[];
  /** The part the job ended in (its end event is still to be recorded). */
  readonly last: Part;
  readonly filesDone: number;
  readonly bytesDone: number;
  /** Over every part: segment bytes on tape, and closed segments. */
  readonly bytesWritten: number;
  readonly segments: number;
  readonly warnings: { path: string; reason: string }[];
  readonly notArchived: number;
  /** Whether the job's deletions are recorded already (a spanning job records them in its first part). */
  readonly deletionsRecorded: boolean;
  /** Why the job stopped (tape full, write error), when it did. */
  readonly failure: string | undefined;
  /** A refusal to report once the job has ended (the next tape of a span would not do). */
  readonly error?: AppError;
}

const refusalReason = (e: AppError): string =>
  e._tag === 'SpanTapeRefused' ? `tape ${e.tape} cannot take the next part of this job: ${e.reason}` : `the next tape cannot be used (${e._tag})`;

/** Paths gone since the baseline, in pages: an incremental after a big clean-up may declare a million paths gone. */
const recordDeletions = (recorder: JobRecorder, scan: ScanTable): E.Either<AppError, void> => {
  const job = recorder.job;
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
  return E.map(() => undefined)(flush());
};

const finishJob = (outcome: WriteOutcome, scan: ScanTable): E.Either<AppError, void> => {
  const part = outcome.last;
  const recorder = part.recorder;
  const job = recorder.job;
  if (outcome.failure === undefined && !outcome.deletionsRecorded) {
    const recorded = recordDeletions(recorder, scan);
    if (E.isLeft(recorded)) return recorded;
  }
  const totals = { ...part.totals };
  const ended =
    outcome.failure === undefined
      ? recorder.record({ type: 'CompleteJob', job, totals })
      : recorder.record({ type: 'FailJob', job, reason: outcome.failure, totals });
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

/** A part of the job: the job on one tape (a backup that spans tapes has one per tape). */
interface Part {
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

/** A piece smaller than this is not worth splitting a file for: the file goes whole to the next tape. */
export const SPLIT_MIN_BYTES = 64 * 1024;

/** The longest piece of a file whose tar bytes fit in `room`, in whole 512-byte blocks. */
export const pieceThatFits = (room: number): number => Math.max(0, Math.floor((room - estimateTarBytes(0)) / 512) * 512);

/** Pass 2: the changed entries into segments, closing one past the size target; with a span, on to the next tape when one is full. */
const writeSegments = async (
  app: App,
  first: Part,
  scan: ScanTable,
  plan: BackupPlan,
  context: JobContext,
  progress: Subject<BackupProgress> | undefined,
): Promise<E.Either<AppError, WriteOutcome>> => {
  let part = first;
  const parts: PartPlace[] = [{ tape: first.tape, job: first.recorder.job }];
  const readableWarnings: { path: string; reason: string }[] = [];
  let notArchived = 0;
  let deletionsRecorded = false;
  const totalEntries = plan.new.entries + plan.modified.entries;
  const totalBytes = plan.new.bytes + plan.modified.bytes;
  let writer: SegmentWriter | undefined;
  let entries: ArchivedEntry[] = [];
  let done = 0;
  let filesDone = 0;
  let bytesDone = 0;
  let bytesWritten = 0;
  let segments = 0;

  // The scan's catalogued paths are those of the first tape; a later (encrypted) tape seals them its own way.
  const asCatalogued = (path: string): string => (part === first ? path : part.names.path(first.names.open(path)));
  const warn = (path: string, reason: string): void => {
    part.warnings.push({ path, reason: part.names.text(path, reason) });
    part.pending++;
    readableWarnings.push({ path: part.names.open(path), reason });
  };
  for (const w of scan.warnings()) {
    part.warnings.push(w);
    part.pending++;
    readableWarnings.push({ path: first.names.open(w.path), reason: first.names.openText(w.path, w.reason) });
  }

  const flushWarnings = (): E.Either<AppError, void> => {
    if (part.pending === 0) return E.right(undefined);
    const batch = part.warnings.slice(part.warnings.length - part.pending);
    part.pending = 0;
    return E.map(() => undefined)(part.recorder.record({ type: 'RecordWarnings', job: part.recorder.job, warnings: batch }));
  };

  const closeSegment = async (): Promise<E.Either<AppError, string | undefined>> => {
    if (writer === undefined) return E.right(undefined);
    const closed = await writer.close();
    writer = undefined;
    if (E.isLeft(closed)) return E.right(describeSegmentFailure(closed.left));
    const job = part.recorder.job;
    protectClosedSegment(part.session.mount, job, part.segment);
    app.crashPoint('segment-closed');
    part.totals.bytesWritten += closed.right.bytes;
    bytesWritten += closed.right.bytes;
    segments += 1;
    const { bytes, sha256, plainBytes, chunkBytes } = closed.right;
    const recorded = part.recorder.record({ type: 'CloseSegment', job, segment: part.segment, bytes, sha256, plainBytes, chunkBytes, entries });
    entries = [];
    if (E.isLeft(recorded)) return recorded;
    app.crashPoint('after-segment-recorded');
    const flushed = flushWarnings();
    return E.isLeft(flushed) ? flushed : E.right(undefined);
  };

  const outcome = (failure: string | undefined): WriteOutcome => {
    part.totals.warnings = part.warnings.length;
    return { parts, last: part, filesDone, bytesDone, bytesWritten, segments, warnings: readableWarnings, notArchived, deletionsRecorded, failure };
  };

  const fail = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await writer?.abort();
    const flushed = flushWarnings();
    if (E.isLeft(flushed)) return flushed;
    return E.right(outcome(reason));
  };

  let inFlightBytes = 0;
  // Adds stay in flight up to IN_FLIGHT: the writer reads many small files at once and
  // places each as it is ready (its offset is recorded), so the disk never waits on us.
  const inFlight = new Set<Promise<void>>();
  let issuedBytes = 0;
  let fatal: string | undefined;
  const settle = (entry: PlannedEntry, added: Added, last: boolean): void => {
    if (added._tag === 'fatal') {
      fatal ??= added.reason;
      return;
    }
    if (added._tag === 'warning') {
      notArchived += 1;
      warn(entry.path, added.reason);
    } else {
      entries.push(added.entry);
      app.crashPoint('entry-written');
      if (added.changed) warn(entry.path, 'changed while it was read: the archived copy may be inconsistent');
      if (entry.kind === 'file') {
        // A file split across tapes counts once, in the part that holds its first byte.
        const counts = added.entry.extent === undefined || added.entry.extent.offset === 0;
        if (counts) part.totals.files += 1;
        part.totals.bytesRead += added.entry.size;
        if (counts) filesDone += 1;
        bytesDone += added.entry.size;
      }
    }
    if (last) done += 1;
    progress?.next({ phase: 'write', entries: done, bytes: bytesDone, totalEntries, totalBytes });
  };
  const drain = async (): Promise<void> => {
    await Promise.all(inFlight);
  };
  const openWriter = (): E.Either<string, SegmentWriter> => {
    if (writer !== undefined) return E.right(writer);
    part.segment += 1;
    const opened = SegmentWriter.open(segmentPath(part.session.mount, part.recorder.job, part.segment), {}, part.encryption);
    if (E.isLeft(opened)) return E.left(describeSegmentFailure(opened.left));
    writer = opened.right;
    return E.right(writer);
  };
  const issue = (entry: PlannedEntry, estimate: number, piece: Piece | undefined): void => {
    const opened = writer;
    if (opened === undefined) return;
    // Counted as issued, not as placed: adds in flight have not moved the writer's position yet.
    issuedBytes += estimate;
    inFlightBytes += estimate;
    const last = piece === undefined || piece.from + piece.length === entry.size;
    const task: Promise<void> = addEntry(opened, { ...entry, path: asCatalogued(entry.path) }, part.names, piece).then((added) => {
      inFlightBytes -= estimate;
      settle(entry, added, last);
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };
  /** What is placed is kept: the open segment is closed (it fits) and its events recorded, then the job fails. */
  const stopBeforeReserve = async (reason: string): Promise<E.Either<AppError, WriteOutcome>> => {
    await drain();
    if (fatal !== undefined) return fail(fatal);
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    return fail(closed.right ?? reason);
  };
  /**
   * The tape is full and the job spans: this part ends (its segment closed and recorded,
   * its end naming the next part), and the next part starts on the next tape. Returns why
   * it cannot go on, if it cannot.
   */
  /**
   * Which tape the job goes on to, asked while the full one is still mounted (so its
   * part's end can name it); a tape that may not take the next part is refused here,
   * before anything more is written.
   */
  const nextTape = async (span: SpanTapes): Promise<E.Either<AppError, TapeId | undefined>> => {
    const next = await span.nextTape(part.tape, part.number + 1);
    if (E.isLeft(next) || next.right === undefined) return next;
    const refused = refuseNextTape(app, next.right, parts, first);
    return refused === undefined ? next : E.left(refused);
  };
  /**
   * The tape is full and the job goes on: this part ends (its segment closed and
   * recorded, its end naming the next part), and the next part starts on `next`.
   * Returns why it cannot go on, if it cannot.
   */
  const continueOn = async (span: SpanTapes, next: TapeId): Promise<E.Either<AppError, string | undefined>> => {
    const closed = await closeSegment();
    if (E.isLeft(closed)) return closed;
    if (closed.right !== undefined) return E.right(closed.right);
    if (!deletionsRecorded) {
      // Deletions belong with the tape that holds the job's baseline: the first part.
      const recorded = recordDeletions(part.recorder, scan);
      if (E.isLeft(recorded)) return recorded;
      deletionsRecorded = true;
    }
    const nextJob = mintId(JobId, app.newId());
    part.totals.warnings = part.warnings.length;
    const ended = part.recorder.record({ type: 'CompleteJob', job: part.recorder.job, totals: { ...part.totals }, next: { tape: next, job: nextJob } });
    if (E.isLeft(ended)) return ended;
    part.release();
    const opened = await openNextPart(app, context, span, next, nextJob, part.number + 1, parts);
    if (E.isLeft(opened)) return opened;
    part = opened.right;
    parts.push({ tape: part.tape, job: part.recorder.job });
    issuedBytes = 0;
    return E.right(undefined);
  };

  for (const entry of scan.toWrite()) {
    let from = 0;
    for (;;) {
      const remaining = entry.kind === 'file' ? entry.size - from : 0;
      const estimate = estimateTarBytes(remaining);
      const unwritten = (writer === undefined ? 0 : writer.position - writer.bytesWritten) + inFlightBytes;
      const full = part.guard.check(estimate, unwritten);
      if (full === undefined) {
        const opened = openWriter();
        if (E.isLeft(opened)) return fail(opened.left);
        issue(entry, estimate, from === 0 ? undefined : { from, length: remaining });
        break;
      }
      const span = context.span;
      if (span === undefined) return stopBeforeReserve(full);
      await drain();
      if (fatal !== undefined) return fail(fatal);
      const next = await nextTape(span);
      if (E.isLeft(next)) {
        // The job ends FAILED on this tape (its closed segments kept), then the refusal is reported.
        const failed = await stopBeforeReserve(`${full}; ${refusalReason(next.left)}`);
        return E.isLeft(failed) ? failed : E.right({ ...failed.right, error: next.left });
      }
      if (next.right === undefined) return stopBeforeReserve(`${full}; no next tape to continue on (give one --mount per tape, or run on a terminal to be asked)`);
      // As much of a large file as fits stays on this tape, as a piece.
      const fits = pieceThatFits(part.guard.left(writer === undefined ? 0 : writer.position - writer.bytesWritten));
      if (entry.kind === 'file' && fits >= SPLIT_MIN_BYTES && fits < remaining && part.guard.check(estimateTarBytes(fits), 0) === undefined) {
        const opened = openWriter();
        if (E.isLeft(opened)) return fail(opened.left);
        issue(entry, estimateTarBytes(fits), { from, length: fits });
        await drain();
        if (fatal !== undefined) return fail(fatal);
        from += fits;
      }
      const went = await continueOn(span, next.right);
      if (E.isLeft(went)) return went;
      if (went.right !== undefined) return fail(went.right);
    }
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    if (fatal !== undefined) {
      await drain();
      return fail(fatal);
    }
    if (issuedBytes >= context.segmentTargetBytes || entries.length + inFlight.size >= MAX_SEGMENT_ENTRIES) {
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
  return E.right(outcome(undefined));
};

/** A tape that may not take the next part: not registered, already in this job, or not encrypted as the first is. */
const refuseNextTape = (app: App, next: TapeId, parts: readonly PartPlace[], first: Part): AppError | undefined => {
  const known = app.catalog.tape(next);
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
const openNextPart = async (
  app: App,
  context: JobContext,
  span: SpanTapes,
  tape: TapeId,
  job: JobId,
  number: number,
  previous: readonly PartPlace[],
): Promise<E.Either<AppError, Part>> => {
  let problem: AppError | undefined;
  for (let attempt = 0; attempt < MOUNT_ATTEMPTS; attempt++) {
    const mount = await span.mountOf(tape, number, problem);
    if (mount === undefined) return E.left(problem ?? { _tag: 'TapeNotMounted', tape, tried: [] });
    const session = openTapeSession(app, tape, mount);
    if (E.isLeft(session)) {
      problem = session.left;
      continue;
    }
    const writable = new FolderTape(session.right.mount).checkWritable();
    if (E.isLeft(writable)) return writable;
    const lock = holdTapeLock(app, session.right, 'lto backup', context.breakLock);
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
  const named = tapeForJob(app, tape, unlocked.right);
  if (E.isLeft(named)) return named;
  const { known, names } = named.right;
  const recorder = new JobRecorder(app, tape, job, session);
  const started = recorder.record(
    {
      ...startCommand(app, context, tape, job, names),
      span: { id: context.spanId ?? job, part: number, previous: previous.map((p) => ({ ...p })) },
    },
    { pid: app.pid },
  );
  if (E.isLeft(started)) return started;
  const room = roomOnTape(known.capacityBytes, known.usedBytes, fileSystemSpace(session.mount), ltfsCapacity(session.mount));
  return E.right(newPart(number, tape, recorder, session, names, encryptionOf(unlocked.right), room.availableBytes, release));
};

const newPart = (
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

const encryptionOf = (unlocked: Unlocked | undefined): SegmentEncryption | undefined =>
  unlocked === undefined ? undefined : { segmentKey: (salt) => unlocked.keys.segmentKey(salt), contentKey: unlocked.keys.contentKey, chunkBytes: DEFAULT_CHUNK_BYTES };

/** What every part's start records: the job's sources and settings, named as that tape catalogues them. */
const startCommand = (app: App, context: JobContext, tape: TapeId, job: JobId, names: Names) =>
  ({
    type: 'StartJob', job, tape, jobType: 'BACKUP', mode: context.mode, encrypted: names.sealed, host: app.host,
    sources: context.roots.map((root) => names.path(root)),
    excludes: context.excludes.map((glob) => names.text('', glob)),
    segmentTargetBytes: context.segmentTargetBytes,
  }) as const;

/** A piece of a file split across tapes. */
interface Piece {
  readonly from: number;
  readonly length: number;
}

type Added =
  | { readonly _tag: 'ok'; readonly entry: ArchivedEntry; readonly changed: boolean }
  | { readonly _tag: 'warning'; readonly reason: string }
  | { readonly _tag: 'fatal'; readonly reason: string };

/**
 * One planned entry into the segment. The entry's path is as catalogued; the source is
 * read, and the tar inside the segment is written, under the real path (on an
 * encrypted tape the whole tar is sealed).
 */
const addEntry = async (writer: SegmentWriter, entry: PlannedEntry, names: Names, piece?: Piece): Promise<Added> => {
  const source = names.open(entry.path);
  // A piece's tar member is named apart (FORMAT.md): extracted by tar alone, pieces never overwrite each other or pass for the file.
  const member = piece === undefined ? tarPath(source) : `${tarPath(source)}${pieceSuffix(piece.from)}`;
  const header = { path: member, mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid };
  const fatal = (e: SegmentError): Added => ({ _tag: 'fatal', reason: describeSegmentFailure(names.sealed && e._tag === 'SegmentEntryInvalid' ? { ...e, entryPath: '(a sealed name)' } : e) });
  if (entry.kind !== 'file') {
    const r =
      entry.kind === 'dir'
        ? await writer.addDirectory(header)
        : await writer.addSymlink({ ...header, linkTarget: entry.target === undefined ? '' : names.openText(entry.path, entry.target) });
    return E.isLeft(r) ? fatal(r.left) : { _tag: 'ok', entry: archivedEntry(entry), changed: false };
  }
  const r = await writer.addFile(header, source, { size: entry.size, mtimeNs: entry.mtimeNs }, piece);
  if (E.isLeft(r)) {
    const problem = r.left;
    if (problem._tag === 'SourceUnreadable') return { _tag: 'warning', reason: `not archived: cannot ${problem.op} (${problem.code}): ${problem.message}` };
    return fatal(problem);
  }
  return {
    _tag: 'ok',
    entry: {
      ...archivedEntry(entry),
      offset: r.right.dataOffset,
      sha256: r.right.sha256,
      size: r.right.length,
      ...(piece === undefined ? {} : { extent: { offset: piece.from, fileSize: entry.size } }),
    },
    changed: r.right.changedWhileRead,
  };
};

/** The tar member name of a piece: the file's name, then where the piece starts in it. */
export const pieceSuffix = (from: number): string => `.lto-extent-${from}`;

/** One line for the job's failure reason. */
const describeSegmentFailure = (e: SegmentError): string =>
  'full' in e && e.full ? `the tape is full (${e.code})` : describeSegmentError(e);
