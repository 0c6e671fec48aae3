import * as E from 'fp-ts/Either';
import type { Subject } from 'rxjs';
import type { TapeId } from '../../domain/tape-id';
import { keepFolderTimes } from '../../infrastructure/restore/folder-times';
import { KEPT_KINDS, type RestoreProblem } from '../../infrastructure/restore/restore-writer';
import type { App } from '../app';
import type { AppError } from '../errors';
import { findBackupJob } from '../jobs-lookup';
import { tapeIdFromInput } from '../tape-id-input';
import type { Unlocked } from '../unlock';
import { copiesIfNotMounted, mountedCopyFor, mountOfCopy, placesToMount, treeCopies, type TapeOrCopies } from './copy-fallback';
import { mountedTape } from '../span/mounted-tape';
import { runRestore, type RestoreInput, type RestoreProgress, type RestoreReport, type RestoreTapes } from './run-restore';

/** A file the restore took from another copy, because the tape it read first could not give it whole. */
export interface Fallback {
  readonly path: string;
  readonly tape: TapeId;
  readonly job: string;
  /** Why the first copy could not give it (its problem there). */
  readonly reason: string;
}

export interface RestoreWithCopiesReport extends RestoreReport {
  /** The tape asked for was not mounted: the restore read this copy of its tree instead. */
  readonly readFrom: { readonly tape: TapeId; readonly job: string } | null;
  readonly fallbacks: readonly Fallback[];
}

/** Problems a damaged or missing segment causes: another copy of the same bytes may not have them. */
const FROM_THE_TAPE: readonly RestoreProblem['kind'][] = ['corrupted', 'missing'];

/** A path as a glob that matches only itself (`\` before every character a glob reads specially). */
const literalGlob = (path: string): string => path.replace(/[\\*?[\]]/g, '\\$&');

/**
 * A restore that knows every copy: from the tape asked for, or (when it is not mounted)
 * from a mounted copy of its tree; then each file the first tape could not give whole
 * (a damaged or missing segment) is read from another copy that is mounted, with one
 * line per file saying so. A copy counts only when its tree as of the job is the same.
 */
export const restoreWithCopies = async (
  app: App,
  input: RestoreInput,
  progress?: Subject<RestoreProgress>,
  unlocked?: Unlocked,
  tapes?: RestoreTapes,
): Promise<E.Either<AppError, RestoreWithCopiesReport>> => {
  const wanted = await copiesIfNotMounted(app, input);
  let copy = await mountedCopyFor(app, input, wanted);
  let asked = input;
  if (wanted !== undefined && copy === undefined) {
    const chosen = await askForTapeOrCopy(app, wanted, tapes);
    if (E.isLeft(chosen)) return chosen;
    const picked = wanted.copies.find((c) => c.tape === chosen.right.tape);
    if (picked === undefined) asked = { ...input, mount: chosen.right.mount };
    else copy = { ...picked, mount: chosen.right.mount };
  }
  const first = copy === undefined ? asked : { ...input, tape: copy.tape, job: copy.job, mount: copy.mount, mounts: input.mounts ?? [] };
  if (copy !== undefined) app.notice(`${input.tape} is not mounted: restoring from its copy on ${copy.tape}`);
  const report = await runRestore(app, first, progress, unlocked, tapes);
  if (E.isLeft(report)) return report;
  const readFrom = copy === undefined ? null : { tape: copy.tape, job: copy.job };
  const failed = report.right.problems.filter((p) => FROM_THE_TAPE.includes(p.kind));
  // An encrypted copy holds its original's data key (lto copy checks it), so the same unlock reads it.
  if (input.dryRun || report.right.status !== 'FAILED' || failed.length === 0 || report.right.tapes.length > 1) {
    return E.right({ ...report.right, readFrom, fallbacks: [] });
  }
  return E.right(await fallBack(app, first, { ...report.right, readFrom, fallbacks: [] }, failed, unlocked));
};

/**
 * The tape asked for is not mounted and neither is a copy: on a terminal, a person is
 * asked to mount it or one of its copies, each named with where it is; off a terminal
 * (or when they give up), one line names them all.
 */
const askForTapeOrCopy = async (app: App, wanted: TapeOrCopies, tapes: RestoreTapes | undefined): Promise<E.Either<AppError, { tape: TapeId; mount: string }>> => {
  const places = await placesToMount(app, wanted);
  const tried = wanted.problem._tag === 'TapeNotMounted' ? wanted.problem.tried : [];
  const refusal: AppError = { _tag: 'TapeOrCopyNotMounted', tape: wanted.tape, places, tried };
  let problem: AppError | undefined = wanted.problem;
  for (let attempt = 0; tapes?.oneOf !== undefined && attempt < 5; attempt++) {
    const answer = await tapes.oneOf(wanted.tape, places, problem);
    if (answer === undefined) break;
    const found = mountedTape(answer);
    const tape = E.isRight(found) ? places.find((p) => p.tape === found.right)?.tape : undefined;
    if (tape !== undefined) return E.right({ tape, mount: answer });
    problem = E.isLeft(found) ? found.left : { ...refusal, tried: [answer] };
  }
  return E.left(refusal);
};

/** The files the first tape could not give, from each other mounted copy of the tree in turn, until none is left. */
const fallBack = async (app: App, input: RestoreInput, report: RestoreWithCopiesReport, failed: readonly RestoreProblem[], unlocked: Unlocked | undefined): Promise<RestoreWithCopiesReport> => {
  const tape = tapeIdFromInput(input.tape);
  const asOf = E.isRight(tape) ? await findBackupJob(app, tape.right, input.job) : undefined;
  if (asOf === undefined || E.isLeft(asOf) || E.isLeft(tape)) return report;
  let result = report;
  let missing = failed;
  for (const copy of await treeCopies(app, tape.right, asOf.right)) {
    if (missing.length === 0) break;
    const where = await mountOfCopy(app, copy.tape, [input.mount, ...(input.mounts ?? [])]);
    if (where === undefined) continue;
    const folders = keepFolderTimes(input.to, input.stripComponents, missing.map((p) => p.path));
    const again = await runRestore(app, { ...input, tape: copy.tape, job: copy.job, mount: where.mount, mounts: [], onlyWritten: false, paths: missing.map((p) => literalGlob(p.path)) }, undefined, unlocked);
    folders.putBack();
    if (E.isLeft(again)) continue;
    const stillFailing = new Set(again.right.problems.filter((p) => !KEPT_KINDS.includes(p.kind)).map((p) => p.path));
    const recovered = missing.filter((p) => !stillFailing.has(p.path));
    result = merge(result, again.right, recovered, copy);
    missing = missing.filter((p) => stillFailing.has(p.path));
  }
  return result;
};

const merge = (first: RestoreWithCopiesReport, again: RestoreReport, recovered: readonly RestoreProblem[], copy: { tape: TapeId; job: string }): RestoreWithCopiesReport => {
  const gone = new Set(recovered.map((p) => p.path));
  const problems = [...first.problems.filter((p) => !gone.has(p.path) || !FROM_THE_TAPE.includes(p.kind)), ...again.problems.filter((p) => !KEPT_KINDS.includes(p.kind) && !first.problems.some((q) => q.path === p.path))];
  const failures = problems.filter((p) => !KEPT_KINDS.includes(p.kind)).length;
  const add = (a: RestoreReport['restored'], b: RestoreReport['restored']) => ({ files: a.files + b.files, bytes: a.bytes + b.bytes, dirs: a.dirs + b.dirs, symlinks: a.symlinks + b.symlinks });
  return {
    ...first,
    status: failures === 0 ? 'SUCCESS' : 'FAILED',
    restored: add(first.restored, again.restored),
    problems,
    bytesReadFromTape: first.bytesReadFromTape + again.bytesReadFromTape,
    tapes: [...first.tapes, ...again.tapes.filter((t) => !first.tapes.includes(t))],
    fallbacks: [...first.fallbacks, ...recovered.map((p) => ({ path: p.path, tape: copy.tape, job: copy.job, reason: p.reason }))],
  };
};
