import { withTapeLock } from '../tape-lock';
import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import type { JobTotals } from '../../domain/events';
import { compileGlob } from '../../domain/glob';
import { JobId } from '../../domain/ids';
import type { TapeId } from '../../domain/tape-id';
import type { App } from '../app';
import type { AppError } from '../errors';
import { mintId } from '../ids';
import { findBackupJob } from '../jobs-lookup';
import { JobRecorder } from '../job-recorder';
import { segmentRanker } from '../tape-order';
import { openTapeSession } from '../tape-session';
import { RestoreSelection } from './selection';
import { RestoreWriter, type RestoreEntry, type RestoreProblem, type RestoreSource } from '../../infrastructure/restore/restore-writer';
import type { Names } from '../names';
import { tapeForJob, type Unlocked } from '../unlock';
import { checkTargetFolder } from '../../infrastructure/restore/target';

export interface RestoreInput {
  readonly tape: string;
  readonly to: string;
  readonly job: string | undefined;
  readonly paths: readonly string[];
  readonly overwrite: boolean;
  readonly dryRun: boolean;
  readonly stripComponents: number;
  readonly mount: string | undefined;
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
  readonly status: 'PLANNED' | 'SUCCESS' | 'FAILED';
  readonly selected: { readonly files: number; readonly bytes: number; readonly dirs: number; readonly symlinks: number };
  readonly restored: { readonly files: number; readonly bytes: number; readonly dirs: number; readonly symlinks: number };
  readonly skipped: number;
  readonly problems: readonly RestoreProblem[];
  /** Bytes taken from segments: close to the restored size, since files are read by seeking. */
  readonly bytesReadFromTape: number;
}

/**
 * A restore job: the tree as of a backup job (default: the latest), filtered by globs,
 * written under `--to` in tape order; every file's hash is checked as it is written.
 */
export const runRestore = async (
  app: App,
  input: RestoreInput,
  progress?: Subject<RestoreProgress>,
  unlocked?: Unlocked,
): Promise<E.Either<AppError, RestoreReport>> => {
  const named = tapeForJob(app, input.tape, unlocked);
  if (E.isLeft(named)) return named;
  const { tape, names } = named.right;
  const target = checkTargetFolder(input.to, input.dryRun);
  if (E.isLeft(target)) return target;
  const asOf = findBackupJob(app, tape, input.job);
  if (E.isLeft(asOf)) return asOf;
  const session = openTapeSession(app, tape, input.mount);
  if (E.isLeft(session)) return session;

  const selection = new RestoreSelection(app.db);
  const count = selection.select(tape, asOf.right.ordinal, input.paths.map(compileGlob), names, segmentRanker(session.right.mount));
  if (count === 0) return E.left({ _tag: 'NothingMatched', tape, patterns: input.paths.length === 0 ? ['(everything)'] : input.paths });
  const selected = selection.totals();
  const base = { tape, asOfJob: asOf.right.id, selected };
  if (input.dryRun) {
    return E.right({ ...base, job: null, status: 'PLANNED', restored: { files: 0, bytes: 0, dirs: 0, symlinks: 0 }, skipped: 0, problems: [], bytesReadFromTape: 0 });
  }

  return withTapeLock(app, session.right, 'lto restore', async () => {
    const job = mintId(JobId, app.newId());
    const asOfJob = mintId(JobId, asOf.right.id);
    const recorder = new JobRecorder(app, tape, job, session.right);
    const started = recorder.record(
      { type: 'StartJob', job, tape, jobType: 'RESTORE', encrypted: names.sealed, host: app.host, target: names.text('', target.right), asOfJob },
      { pid: app.pid },
    );
    if (E.isLeft(started)) return started;

    const writer = new RestoreWriter(session.right.mount, target.right, input.stripComponents, input.overwrite, unlocked?.keys);
    const unreadable: RestoreProblem[] = [];
    const outcome = await writer.restore(openedNames(selection, names, unreadable), (files, bytes) =>
      progress?.next({ files, bytes, totalFiles: selected.files, totalBytes: selected.bytes }),
    );
    const problems = [...unreadable, ...outcome.problems];
    if (problems.length > 0) {
      const warnings = problems.map((p) => {
        const stored = p.stored ?? names.path(p.path);
        return { path: stored, reason: names.text(stored, `${p.kind}: ${p.reason}`) };
      });
      const warned = recorder.record({ type: 'RecordWarnings', job, warnings });
      if (E.isLeft(warned)) return warned;
    }
    const failures = problems.filter((p) => p.kind !== 'skipped').length;
    const totals: JobTotals = { files: outcome.restored.files, bytesRead: outcome.bytesReadFromTape, bytesWritten: outcome.restored.bytes, warnings: problems.length };
    const ended =
      failures === 0
        ? recorder.record({ type: 'CompleteJob', job, totals })
        : recorder.record({ type: 'FailJob', job, reason: `${failures} entr${failures === 1 ? 'y' : 'ies'} not restored`, totals });
    if (E.isLeft(ended)) return ended;
    return E.right({
      ...base,
      job,
      status: failures === 0 ? 'SUCCESS' : 'FAILED',
      restored: outcome.restored,
      skipped: problems.length - failures,
      problems,
      bytesReadFromTape: outcome.bytesReadFromTape,
    });
  });
};

/**
 * The selection with its names opened: the writer works with real paths. An entry whose
 * name does not decrypt is not restored; it is reported under its catalogued path.
 */
const openedNames = (selection: RestoreSelection, names: Names, unreadable: RestoreProblem[]): RestoreSource => ({
  *ofKind(kind, order): Generator<RestoreEntry> {
    for (const entry of selection.ofKind(kind, order)) {
      if (!names.sealed) {
        yield entry;
        continue;
      }
      const path = names.tryOpen(entry.path);
      if (path === undefined) {
        if (order !== 'path-desc') unreadable.push({ path: names.open(entry.path), stored: entry.path, kind: 'corrupted', reason: 'its name does not decrypt with this key' });
        continue;
      }
      yield { ...entry, path, target: entry.target === null ? null : names.openText(entry.path, entry.target) };
    }
  },
});
