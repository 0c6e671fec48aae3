import { holdsArchive } from '../domain/events';
import { withTapeLock } from './hold-tape-lock';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import { JobId } from '../domain/ids';
import type { TapeId } from '../domain/tape-id';
import { readJournal } from '../infrastructure/journal';
import { segmentPath } from '../infrastructure/tape/layout';
import { FolderTape } from '../infrastructure/tape/tape-volume';
import { checkSegment, type CheckStatus, type SegmentCheck } from '../infrastructure/verify/segment-check';
import type { SegmentRecord } from '../projections/ports/verify-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { mintId } from './mint-id';
import { findBackupJob } from './jobs-lookup';
import { refuseUnknownFeatures } from './format-check';
import { JobRecorder } from './job-recorder';
import type { Names } from './entry-names';
import { segmentsInTapeOrder } from './segment-order';
import { openTapeSession } from './tape-session';
import { tapeForJob, type Unlocked } from './unlock';
import type { StopRequest } from '../infrastructure/stop-signals';
import { hearSignals } from '../infrastructure/stop-signals';

export interface VerifyInput {
  readonly tape: string;
  readonly job: string | undefined;
  readonly quick: boolean;
  /** An encrypted tape without its key: the segments' ciphertext hashes only. */
  readonly noKey: boolean;
  readonly mount: string | undefined;
  /** Take the tape although a lock says another lto holds it (only once sure that one is gone). */
  readonly breakLock?: boolean;
  /** Polled between segments: a stop asked for (a signal) ends the job INTERRUPTED with what was checked. */
  readonly stop?: () => StopRequest | undefined;
}

export interface VerifiedFile {
  readonly path: string;
  /** The path as catalogued (sealed on an encrypted tape): what the job's warnings record. */
  readonly stored: string;
  readonly segment: number;
  readonly offset: number;
  readonly status: 'CORRUPTED' | 'MISSING';
  readonly reason: string;
}

export interface VerifiedJob {
  readonly job: string;
  readonly status: CheckStatus;
  readonly segments: number;
  readonly filesChecked: number;
  readonly problems: readonly { readonly segment: number; readonly problem: string }[];
  readonly damaged: readonly VerifiedFile[];
}

/** The journal read back whole: its damaged records, and a record cut short at its end. */
export interface VerifiedJournal {
  readonly records: number;
  readonly damaged: readonly { readonly record: number; readonly line: number; readonly kind: string; readonly detail: string }[];
  readonly tornTail: { readonly record: number; readonly line: number } | null;
}

export interface VerifyReport {
  readonly tape: TapeId;
  readonly journal: VerifiedJournal;
  /** The VERIFY job's id. */
  readonly job: string;
  /** INTERRUPTED: stopped by a signal; `jobs` then hold what was checked. */
  readonly status: CheckStatus | 'INTERRUPTED';
  readonly mode: 'full' | 'quick' | 'no-key';
  readonly jobs: readonly VerifiedJob[];
  readonly bytesRead: number;
}

export interface VerifyProgress {
  readonly segments: number;
  readonly totalSegments: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

const worst = (statuses: readonly CheckStatus[]): CheckStatus =>
  statuses.includes('CORRUPTED') ? 'CORRUPTED' : statuses.includes('MISSING') ? 'MISSING' : 'PASSED';

/**
 * A verify job: reads the tape's segments back (never trusting the catalog's copy of
 * anything but what was recorded when they were written) and checks every file's hash
 * and the tar structure or every chunk's tag (full), or each segment's SHA-256 (quick,
 * and always without the key of an encrypted tape). Its events go to the tape when it
 * is writable (pending otherwise), so the health report knows the last result.
 */
export const runVerify = async (
  app: App,
  input: VerifyInput,
  progress?: Subject<VerifyProgress>,
  unlocked?: Unlocked,
): Promise<E.Either<AppError, VerifyReport>> => {
  const named = await tapeForJob(app, input.tape, unlocked, { allowed: input.noKey, option: '--no-key' });
  if (E.isLeft(named)) return named;
  const { tape, known, names } = named.right;
  const mode: VerifyReport['mode'] = known.encrypted && unlocked === undefined ? 'no-key' : input.quick ? 'quick' : 'full';
  const jobs = input.job === undefined ? (await app.catalog.jobs({ tape })).filter((j) => holdsArchive(j.type)) : [];
  if (input.job !== undefined) {
    const one = await findBackupJob(app, tape, input.job);
    if (E.isLeft(one)) return one;
    jobs.push(one.right);
  }
  if (jobs.length === 0) return E.left({ _tag: 'NothingOnTape', tape });
  const readable = await refuseUnknownFeatures(app, tape, jobs.map((j) => j.id));
  if (E.isLeft(readable)) return readable;
  const session = await openTapeSession(app, tape, input.mount, 'read');
  if (E.isLeft(session)) return session;

  return withTapeLock(app, session.right, 'lto verify', async () => {
    const job = mintId(JobId, app.newId());
    const recorder = new JobRecorder(app, tape, job, session.right, false, true);
    const started = await recorder.record({ type: 'StartJob', job, tape, jobType: 'VERIFY', encrypted: known.encrypted, host: app.host }, { pid: app.pid });
    if (E.isLeft(started)) return started;

    const plan: { job: string; segments: SegmentRecord[] }[] = [];
    for (const j of jobs) plan.push({ job: j.id, segments: await app.catalog.verify.segmentsOf(j.id) });
    const totalSegments = plan.reduce((n, p) => n + p.segments.length, 0);
    const totalBytes = plan.reduce((n, p) => n + p.segments.reduce((m, s) => m + s.bytes, 0), 0);
    let segmentsDone = 0;
    let bytesRead = 0;
    const checks = new Map<string, [number, SegmentCheck][]>(plan.map((p) => [p.job, []]));
    // Every segment of every job, read in tape order on an LTFS mount (by start block).
    const reads = segmentsInTapeOrder(session.right.mount, plan.flatMap((p) => p.segments));
    // The journal first: it begins near the start of the tape, where a fresh mount leaves the
    // head; read after the segments it would cost a locate back to the start (docs/PERFORMANCE.md).
    const journal = checkJournal(session.right.mount, session.right.labelHash);
    app.crashPoint('tape-reads-start');
    for (const s of reads) {
      // Let the progress bar draw between segments (the check itself reads synchronously), and a signal be heard.
      await hearSignals();
      if (input.stop?.() !== undefined) break;
      const files = mode === 'full' ? await app.catalog.verify.filesOf(s.job, s.segment) : [];
      const check = checkSegment(
        { path: segmentPath(session.right.mount, s.job, s.segment), bytes: s.bytes, sha256: s.sha256, files },
        mode === 'full' ? 'full' : 'quick',
        mode === 'full' ? unlocked?.keys : undefined,
        // Within a segment too: a 1 GiB segment moves the bar as it is read.
        (within) => progress?.next({ segments: segmentsDone, totalSegments, bytes: bytesRead + Math.min(within, s.bytes), totalBytes }),
      );
      checks.get(s.job)?.push([s.segment, check]);
      bytesRead += check.bytesRead;
      progress?.next({ segments: ++segmentsDone, totalSegments, bytes: bytesRead, totalBytes });
      app.crashPoint('segment-verified');
    }
    const verified: VerifiedJob[] = plan.map((p) =>
      jobReport(p.job, [...(checks.get(p.job) ?? [])].sort(([a], [b]) => a - b), names),
    );
    app.crashPoint('tape-reads-end');
    const stopped = input.stop?.();
    const found = worst([...verified.map((v) => v.status), journal.damaged.length > 0 ? 'CORRUPTED' : 'PASSED']);
    const status = stopped === undefined ? found : 'INTERRUPTED';
    const ending = stopped === undefined ? undefined : { ...stopped, at: app.clock().toISOString() };
    const recorded = await recordOutcome(recorder, verified, journal, { status: found, stopped: ending }, bytesRead, names);
    if (E.isLeft(recorded)) return recorded;
    return E.right({ tape, journal, job, status, mode, jobs: verified, bytesRead });
  }, input.breakLock === true);
};

const jobReport = (job: string, checks: readonly [number, SegmentCheck][], names: Names): VerifiedJob => ({
  job,
  status: worst(checks.map(([, c]) => c.status)),
  segments: checks.length,
  filesChecked: checks.reduce((n, [, c]) => n + c.filesChecked, 0),
  problems: checks.flatMap(([segment, c]) => c.problems.map((problem) => ({ segment, problem }))),
  damaged: checks.flatMap(([segment, c]) =>
    c.damaged.map((d) => ({ path: names.open(d.file.path), stored: d.file.path, segment, offset: d.file.offset, status: d.status, reason: d.reason })),
  ),
});

const recordOutcome = async (
  recorder: JobRecorder,
  verified: readonly VerifiedJob[],
  journal: VerifiedJournal,
  end: { readonly status: CheckStatus; readonly stopped: (StopRequest & { readonly at: string }) | undefined },
  bytesRead: number,
  names: Names,
): Promise<E.Either<AppError, unknown>> => {
  const status = end.status;
  const job = recorder.job;
  const journalWarnings = journal.damaged.map((d) => ({ path: '', reason: `journal record ${d.record} (line ${d.line}) is damaged: ${d.kind}` }));
  const warnings = [...journalWarnings, ...verified.flatMap((v) => [
    ...v.problems.map((p) => ({ path: '', reason: `job ${v.job} segment ${p.segment}: ${p.problem}` })),
    ...v.damaged.map((d) => ({ path: d.stored, reason: names.sealed && names.tryOpen(d.stored) === undefined ? `${d.status}` : names.text(d.stored, `${d.status}: segment ${d.segment} offset ${d.offset}: ${d.reason}`) })),
  ])];
  if (warnings.length > 0) {
    const warned = await recorder.record({ type: 'RecordWarnings', job, warnings });
    if (E.isLeft(warned)) return warned;
  }
  const files = verified.reduce((n, v) => n + v.filesChecked, 0);
  const totals = { files, bytesRead, bytesWritten: 0, warnings: warnings.length };
  const damaged = verified.reduce((n, v) => n + v.damaged.length, 0);
  if (end.stopped !== undefined) return recorder.record({ type: 'InterruptJob', job, reason: end.stopped.reason, detectedAt: end.stopped.at });
  return status === 'PASSED'
    ? recorder.record({ type: 'CompleteJob', job, totals })
    : recorder.record({ type: 'FailJob', job, reason: `${status}: ${damaged} file(s) damaged or missing`, totals });
};

/**
 * The tape's journal read back whole, around damage, to report it (the session read only
 * what it needed, on LTFS perhaps nothing). Chained from the label the session checked:
 * reading volume.json again would cost a locate to the start of the data partition.
 */
const checkJournal = (mount: string, labelHash: string): VerifiedJournal => {
  const volume = new FolderTape(mount);
  const read = readJournal(volume.journalPath, labelHash, { salvage: true });
  if (E.isLeft(read)) return { records: 0, damaged: [{ record: 0, line: 0, kind: 'unreadable', detail: read.left.code }], tornTail: null };
  const r = read.right;
  return {
    records: r.records.length,
    damaged: r.breaks.map((b) => ({ record: b.record, line: b.line, kind: b.kind, detail: b.detail })),
    tornTail: r.tornTail === undefined ? null : { record: r.tornTail.record, line: r.tornTail.line },
  };
};
