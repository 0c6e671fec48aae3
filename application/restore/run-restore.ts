import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import type { JobTotals } from '../../domain/events';
import { compileGlob } from '../../domain/glob';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import type { JobView, SpanView } from '../../projections/ports/job-queries';
import type { RestoreSelection } from '../../projections/ports/restore-selection';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../mint-id';
import { findBackupJob } from '../jobs-lookup';
import { refuseUnknownFeatures } from '../format-check';
import { JobRecorder } from '../job-recorder';
import { segmentRanker } from '../segment-order';
import { locateTape, openTapeSession, type TapeSession } from '../tape-session';
import { withTapeLock } from '../hold-tape-lock';
import { tapeIdFromInput } from '../tape-id-input';
import { KEPT_KINDS, RestoreWriter, type RestoreEntry, type RestoreOutcome, type RestorePiece, type RestoreProblem, type RestoreSource } from '../../infrastructure/restore/restore-writer';
import { PieceLedger } from '../../infrastructure/restore/pieces';
import { partTag, removePart } from '../../infrastructure/restore/part-file';
import type { Names } from '../entry-names';
import { tapeForJob, type Unlocked } from '../unlock';
import { checkTargetFolder } from '../../infrastructure/restore/target';
import { mountHolding } from '../span/mounted-tape';
import type { StopRequest } from '../../infrastructure/stop-signals';
import type { MetadataPolicy } from '../../infrastructure/restore/entry-metadata';
import { exactTimes } from '../../infrastructure/meta/file-times';
import { openMetadata } from './opened-metadata';

export interface RestoreInput {
  readonly tape: string;
  readonly to: string;
  readonly job: string | undefined;
  readonly paths: readonly string[];
  /** Only the entries the job itself wrote (what an incremental found new or changed), not the whole tree as of it. */
  readonly onlyWritten?: boolean;
  readonly overwrite: boolean;
  /** Take the tape although a lock says another lto holds it (only once sure that one is gone). */
  readonly breakLock?: boolean;
  /** A file already there counts as equal when its size and modification time are (it is not read). */
  readonly quick?: boolean;
  /** Leave owners to the user running the restore (what a restore not run as root always does). */
  readonly noOwner?: boolean;
  readonly dryRun: boolean;
  readonly stripComponents: number;
  readonly mount: string | undefined;
  /** More mount points, for a job that spans tapes: each is matched to its tape by its label. */
  readonly mounts?: readonly string[];
  /** Polled between entries: a stop asked for (a signal) ends the job INTERRUPTED, the files written so far complete. */
  readonly stop?: () => StopRequest | undefined;
}

/**
 * The other tapes of a job that spans tapes, as a restore needs them: from a person at
 * a terminal (who is told which tape comes next), with the same secrets as the first.
 */
export interface RestoreTapes {
  /** Whether a person can be asked for a tape on the way (else every tape must be found first). */
  readonly interactive: boolean;
  /** Where `tape` (part `part` of `parts`) is mounted now; undefined: no one to ask, or they gave up. */
  mountOf(tape: TapeId, part: number, parts: number, problem: AppError | undefined): Promise<string | undefined>;
  unlock(tape: TapeId): Promise<E.Either<AppError, Unlocked | undefined>>;
  /**
   * The tape asked for is not mounted, but copies of its tree are known: where one of
   * them (each named with its location) is mounted now. Absent or undefined: no one to ask, or they gave up.
   */
  oneOf?(tape: TapeId, places: readonly { readonly tape: TapeId; readonly location: string }[], problem: AppError | undefined): Promise<string | undefined>;
}

export interface RestoreProgress {
  readonly files: number;
  readonly bytes: number;
  readonly totalFiles: number;
  readonly totalBytes: number;
}

export interface RestoreReport {
  readonly tape: TapeId;
  readonly asOfJob: string;
  readonly job: string | null;
  readonly status: 'PLANNED' | 'SUCCESS' | 'FAILED' | 'INTERRUPTED';
  readonly selected: { readonly files: number; readonly bytes: number; readonly dirs: number; readonly symlinks: number };
  readonly restored: { readonly files: number; readonly bytes: number; readonly dirs: number; readonly symlinks: number };
  /** Files already there and equal to the tape's (kept as they are). */
  readonly skipped: number;
  /** Files already there that differ from the tape's (kept; --overwrite replaces them). */
  readonly differs: number;
  readonly problems: readonly RestoreProblem[];
  /** Bytes taken from segments: close to the restored size, since files are read by seeking. */
  readonly bytesReadFromTape: number;
  /** The tapes read, in order (more than one when the job spans tapes). */
  readonly tapes: readonly TapeId[];
  /** What the restore did not do for every file, said once (owners not restored, times to the microsecond). */
  readonly notes?: readonly string[];
}

/** One tape's share of a restore: the tape's tree as of a job, or (a later part of a span) that part's own entries. */
interface Pass {
  readonly number: number;
  readonly tape: TapeId;
  readonly part: number;
  /** The backup job this tape's share is taken as of (part 1, or the tape alone) or from (a later part). */
  readonly job: string;
  readonly names: Names;
  readonly unlocked: Unlocked | undefined;
}

/**
 * A restore job: the tree as of a backup job (default: the latest), filtered by globs,
 * written under `--to` in tape order; every file's hash is checked as it is written.
 * When that job spans tapes, the tree is the whole job's, read tape by tape in the
 * order of its parts; the tapes are found by their labels, or asked for.
 */
export const runRestore = async (
  app: App,
  input: RestoreInput,
  progress?: Subject<RestoreProgress>,
  unlocked?: Unlocked,
  tapes?: RestoreTapes,
): Promise<E.Either<AppError, RestoreReport>> => {
  const named = await tapeForJob(app, input.tape, unlocked);
  if (E.isLeft(named)) return named;
  const { tape, names } = named.right;
  const target = checkTargetFolder(input.to, input.dryRun);
  if (E.isLeft(target)) return target;
  const asOf = await findBackupJob(app, tape, input.job);
  if (E.isLeft(asOf)) return asOf;
  const span = await app.catalog.spanOf(asOf.right.id);
  const first = await openTapeSession(app, tape, input.mount, 'read');
  if (E.isLeft(first)) return first;

  const planned = await planPasses(app, { tape, job: asOf.right.id, names, unlocked }, span, tapes);
  if (E.isLeft(planned)) return planned;
  const { passes, missing } = planned.right;
  const globs = input.paths.map(compileGlob);
  const selection = await app.catalog.restoreSelection();
  for (const pass of passes) {
    // Part 1 (or a tape alone) is its tree as of its job; a later part, that part's own entries
    // (and so is part 1 when only what the job wrote is asked for).
    const asOfPass = pass.job === asOf.right.id ? asOf : await findBackupJob(app, pass.tape, pass.job);
    if (E.isLeft(asOfPass)) return asOfPass;
    const scope = pass.part === 1 && input.onlyWritten !== true ? { pass: pass.number } : { pass: pass.number, onlyJob: pass.job };
    const readable = await refuseUnknownFeatures(app, pass.tape, await jobsRead(app, pass.tape, asOfPass.right, scope.onlyJob));
    if (E.isLeft(readable)) return readable;
    // One tape: in its LTFS order now; several: each when its turn comes (runPasses).
    const rank = passes.length === 1 ? segmentRanker(first.right.mount) : undefined;
    await selection.select(pass.tape, asOfPass.right.ordinal, globs, pass.names, rank, scope);
  }
  selection.settle();
  const count = selection.count();
  if (count === 0) {
    const everything = input.onlyWritten === true ? `(what job ${asOf.right.id} wrote)` : '(everything)';
    return E.left({ _tag: 'NothingMatched', tape, patterns: input.paths.length === 0 ? [everything] : input.paths });
  }
  const selected = selection.totals();
  const base = { tape, asOfJob: asOf.right.id, selected, tapes: passes.map((p) => p.tape) };
  if (input.dryRun) {
    return E.right({ ...base, job: null, status: 'PLANNED', restored: { files: 0, bytes: 0, dirs: 0, symlinks: 0 }, skipped: 0, differs: 0, problems: [], bytesReadFromTape: 0 });
  }
  if (passes.length > 1 && tapes?.interactive !== true) {
    // Nobody to ask for a tape on the way: every one must be found before anything is written.
    for (const pass of passes) {
      const located = await locateTape(app, pass.tape, mountGiven(input, pass.tape));
      if (E.isLeft(located)) return located;
    }
  }

  const job = mintId(JobId, app.newId());
  const asOfJob = mintId(JobId, asOf.right.id);
  // A restore from several tapes is recorded in the catalog only: no one tape holds all of it.
  const recorder = new JobRecorder(app, tape, job, first.right, passes.length > 1, true);
  const run = async (): Promise<E.Either<AppError, RestoreReport>> => {
    const started = await recorder.record(
      { type: 'StartJob', job, tape, jobType: 'RESTORE', encrypted: names.sealed, host: app.host, target: names.text('', target.right), asOfJob },
      { pid: app.pid },
    );
    if (E.isLeft(started)) return started;
    const ledger = new PieceLedger();
    const outcome = await runPasses(app, input, { target: target.right, tag: partTag(asOf.right.id), ledger }, passes, selection, first.right, tapes, (files, bytes) =>
      progress?.next({ files, bytes, totalFiles: selected.files, totalBytes: selected.bytes }),
    );
    if (E.isLeft(outcome)) return outcome;
    const stopped = input.stop?.();
    const problems = [...missing.map(missingPart), ...outcome.right.problems, ...unfinishedPieces(ledger)];
    const recorded = await recordEnd(recorder, names, problems, outcome.right, stopped === undefined ? undefined : { ...stopped, at: app.clock().toISOString() });
    if (E.isLeft(recorded)) return recorded;
    const failures = problems.filter(isFailure).length;
    return E.right({
      ...base,
      notes: metadataNotes(input),
      job,
      status: stopped !== undefined ? 'INTERRUPTED' : failures === 0 ? 'SUCCESS' : 'FAILED',
      restored: outcome.right.restored,
      skipped: problems.filter((p) => p.kind === 'skipped').length,
      differs: problems.filter((p) => p.kind === 'differs').length,
      problems,
      bytesReadFromTape: outcome.right.bytesReadFromTape,
    });
  };
  return passes.length > 1 ? run() : withTapeLock(app, first.right, 'lto restore', run, input.breakLock === true);
};

/** The backups whose entries a pass reads: the tape's tree as of `asOf` (every backup up to it), or one job's own entries. */
const jobsRead = async (app: App, tape: TapeId, asOf: JobView, onlyJob: string | undefined): Promise<string[]> =>
  onlyJob !== undefined
    ? [onlyJob]
    : (await app.catalog.jobs({ tape }))
        .filter((j) => j.type === 'BACKUP' && j.ordinal <= asOf.ordinal)
        .map((j) => j.id);

/** Owners are restored by root only, and not with --no-owner (as GNU tar: --same-owner is root's default). */
const metadataPolicy = (input: RestoreInput): MetadataPolicy => ({ owners: input.noOwner !== true && process.getuid?.() === 0 });

const metadataNotes = (input: RestoreInput): string[] => [
  ...(input.noOwner !== true && !metadataPolicy(input).owners ? ['owners not restored: not running as root (the files belong to the user who restored them)'] : []),
  ...(exactTimes ? [] : ['times restored to the microsecond: the native addon native/file-meta is not built (npm run prepare)']),
];

/** A file kept because it is already there (equal or not) is no failure of the restore. */
const isFailure = (p: RestoreProblem): boolean => !KEPT_KINDS.includes(p.kind);

const mountGiven = (input: RestoreInput, tape: TapeId): string | undefined => mountHolding(tape, [input.mount, ...(input.mounts ?? [])]);

/**
 * The tapes to read, in order: the named tape alone, or every part of the span its job
 * belongs to whose journal the catalog holds (the others are reported, not guessed at).
 */
const planPasses = async (
  app: App,
  named: { readonly tape: TapeId; readonly job: string; readonly names: Names; readonly unlocked: Unlocked | undefined },
  span: SpanView | undefined,
  tapes: RestoreTapes | undefined,
): Promise<E.Either<AppError, { passes: Pass[]; missing: SpanView['parts'][number][] }>> => {
  const { tape, unlocked } = named;
  if (span === undefined) return E.right({ passes: [{ number: 1, part: 1, ...named }], missing: [] });
  const passes: Pass[] = [];
  const missing: SpanView['parts'][number][] = [];
  for (const part of span.parts) {
    if (!part.recorded) {
      missing.push(part);
      continue;
    }
    const id = tapeIdFromInput(part.tape);
    if (E.isLeft(id)) return id;
    const keys = id.right === tape ? E.right(unlocked) : tapes === undefined ? E.right(undefined) : await tapes.unlock(id.right);
    if (E.isLeft(keys)) return keys;
    const partTape = await tapeForJob(app, id.right, keys.right);
    if (E.isLeft(partTape)) return partTape;
    passes.push({ number: passes.length + 1, tape: id.right, part: part.part, job: part.job, names: partTape.right.names, unlocked: keys.right });
  }
  return E.right({ passes, missing });
};

const missingPart = (part: SpanView['parts'][number]): RestoreProblem => ({
  path: `(part ${part.part} of the job, on tape ${part.tape})`,
  kind: 'missing',
  reason: `the catalog has not read ${part.tape}'s journal, so its files are not restored: run \`lto recover --mount PATH\` with ${part.tape} mounted, then restore again`,
});

/**
 * A file some of whose pieces never came: what was written of it (its temporary file)
 * is removed and it is reported; one already there, compared equal as far as read, stays.
 */
const unfinishedPieces = (ledger: PieceLedger): RestoreProblem[] =>
  ledger.unfinished().map((f): RestoreProblem => {
    if (f.part === undefined) {
      return { path: f.original, kind: 'skipped', reason: `already there: the ${f.done} of its ${f.size} bytes read are equal to the tape; the rest is in a part of the job not read` };
    }
    try {
      removePart(f.part);
    } catch {
      // Reported below either way; its name is recognisable and the next restore removes it.
    }
    return { path: f.original, kind: 'missing', reason: `only ${f.done} of its ${f.size} bytes were restored: the rest is in a part of the job not read` };
  });

/** Each tape in turn: found (or asked for), locked, and its share written. */
const runPasses = async (
  app: App,
  input: RestoreInput,
  into: { readonly target: string; readonly tag: string; readonly ledger: PieceLedger },
  passes: readonly Pass[],
  selection: RestoreSelection,
  first: TapeSession,
  tapes: RestoreTapes | undefined,
  onProgress: (files: number, bytes: number) => void,
): Promise<E.Either<AppError, RestoreOutcome>> => {
  const restored = { files: 0, bytes: 0, dirs: 0, symlinks: 0 };
  const problems: RestoreProblem[] = [];
  let bytesReadFromTape = 0;
  const finishing: [RestoreWriter, RestoreSource][] = [];
  for (const pass of passes) {
    if (input.stop?.() !== undefined) break;
    // Each tape of several is checked when its turn comes: with one drive, the cartridge in it changes between passes.
    const session = passes.length === 1 ? E.right(first) : await sessionFor(app, input, pass, passes.length, tapes);
    if (E.isLeft(session)) return session;
    // A later tape's LTFS positions are known only now that it is mounted.
    const rank = passes.length === 1 ? undefined : segmentRanker(session.right.mount);
    if (rank !== undefined) selection.rankPass(pass.number, rank);
    const write = async (): Promise<E.Either<AppError, RestoreOutcome>> => {
      const writer = new RestoreWriter(session.right.mount, into.target, {
        strip: input.stripComponents,
        overwrite: input.overwrite,
        quick: input.quick === true,
        tag: into.tag,
        keys: pass.unlocked?.keys,
        ledger: into.ledger,
        crashPoint: app.crashPoint,
        metadata: metadataPolicy(input),
      });
      const unreadable: RestoreProblem[] = [];
      const done = restored.files;
      const bytes = restored.bytes;
      const source = openedNames(selection, pass, unreadable, input.stop, () => app.crashPoint('restore-entry'));
      // Folders get their times once every tape is in: a later tape writes into them.
      app.crashPoint('tape-reads-start');
      const outcome = await writer.restore(source, (f, b) => onProgress(done + f, bytes + b), passes.length === 1);
      app.crashPoint('tape-reads-end');
      finishing.push([writer, source]);
      return E.right({ ...outcome, problems: [...unreadable, ...outcome.problems] });
    };
    const outcome = passes.length > 1 ? await withTapeLock(app, session.right, 'lto restore', write, input.breakLock === true) : await write();
    if (E.isLeft(outcome)) return outcome;
    for (const k of ['files', 'bytes', 'dirs', 'symlinks'] as const) restored[k] += outcome.right.restored[k];
    problems.push(...outcome.right.problems);
    bytesReadFromTape += outcome.right.bytesReadFromTape;
  }
  if (passes.length > 1) for (const [writer, source] of finishing) problems.push(...writer.finishDirectories(source));
  return E.right({ restored, problems, bytesReadFromTape });
};

/** The session of a later tape: its mount given on the command line, else where it was last seen, else asked for. */
const sessionFor = async (
  app: App,
  input: RestoreInput,
  pass: Pass,
  parts: number,
  tapes: RestoreTapes | undefined,
): Promise<E.Either<AppError, TapeSession>> => {
  let session = await openTapeSession(app, pass.tape, mountGiven(input, pass.tape), 'read');
  for (let attempt = 0; E.isLeft(session) && tapes !== undefined && attempt < 5; attempt++) {
    const mount = await tapes.mountOf(pass.tape, pass.number, parts, session.left);
    if (mount === undefined) break;
    session = await openTapeSession(app, pass.tape, mount, 'read');
  }
  return session;
};

const recordEnd = async (
  recorder: JobRecorder,
  names: Names,
  problems: readonly RestoreProblem[],
  outcome: RestoreOutcome,
  stopped: (StopRequest & { readonly at: string }) | undefined,
): Promise<E.Either<AppError, unknown>> => {
  const job = recorder.job;
  if (problems.length > 0) {
    const warnings = problems.map((p) => {
      const stored = p.stored ?? names.path(p.path);
      return { path: stored, reason: names.text(stored, `${p.kind}: ${p.reason}`) };
    });
    const warned = await recorder.record({ type: 'RecordWarnings', job, warnings });
    if (E.isLeft(warned)) return warned;
  }
  const failures = problems.filter(isFailure).length;
  const totals: JobTotals = { files: outcome.restored.files, bytesRead: outcome.bytesReadFromTape, bytesWritten: outcome.restored.bytes, warnings: problems.length };
  if (stopped !== undefined) return recorder.record({ type: 'InterruptJob', job, reason: stopped.reason, detectedAt: stopped.at });
  return failures === 0
    ? recorder.record({ type: 'CompleteJob', job, totals })
    : recorder.record({ type: 'FailJob', job, reason: `${failures} entr${failures === 1 ? 'y' : 'ies'} not restored`, totals });
};

/**
 * One pass of the selection with its names opened: the writer works with real paths. An
 * entry whose name does not decrypt is not restored; it is reported under its catalogued path.
 * Once a stop is asked for, no entry is handed out: the writer finishes the files it has
 * begun and ends (folders still get their times). This is how a restore stops, with
 * no change to the writer.
 */
const openedNames = (
  selection: RestoreSelection,
  pass: Pass,
  unreadable: RestoreProblem[],
  stop: (() => StopRequest | undefined) | undefined,
  handedOut: () => void,
): RestoreSource => {
  const stopped = (): boolean => stop?.() !== undefined;
  const names = pass.names;
  const open = <A extends RestoreEntry>(entry: A, report: boolean): A | undefined => {
    if (!names.sealed) return entry;
    const path = names.tryOpen(entry.path);
    if (path === undefined) {
      if (report) unreadable.push({ path: names.open(entry.path), stored: entry.path, kind: 'corrupted', reason: 'its name does not decrypt with this key' });
      return undefined;
    }
    return { ...entry, path, target: entry.target === null ? null : names.openText(entry.path, entry.target), meta: openMetadata(names, entry.path, entry.meta) };
  };
  return {
    *ofKind(kind, order): Generator<RestoreEntry> {
      for (const entry of selection.ofKind(kind, order, pass.number)) {
        if (order !== 'path-desc' && stopped()) return;
        const opened = open(entry, order !== 'path-desc');
        if (opened === undefined) continue;
        handedOut();
        yield opened;
      }
    },
    linkTargets: () => selection.linkTargets(pass.number).flatMap((stored) => {
      const plain = names.tryOpen(stored);
      return plain === undefined ? [] : [plain];
    }),
    *pieces(): Generator<RestorePiece> {
      for (const entry of selection.pieces(pass.number)) {
        if (stopped()) return;
        if (entry.fileOffset === null || entry.fileSize === null) continue;
        const opened = open({ ...entry, fileOffset: entry.fileOffset, fileSize: entry.fileSize }, true);
        if (opened !== undefined) yield opened;
      }
    },
  };
};
