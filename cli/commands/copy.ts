import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { Subject, map } from 'rxjs';
import type { App } from '../../application/app';
import { runSetCopy, type SetCopyReport } from '../../application/copy/copy-set';
import { runCopy, type AskForTape, type CopyProgress, type CopyReport } from '../../application/copy/run-copy';
import type { AppError } from '../../application/errors';
import { printJson, withApp, type ActionResult, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { renderError } from '../errors';
import { EXIT, exitForSignal, type ExitCode } from '../exit-codes';
import { catchStopSignals, type StopRequest } from '../../infrastructure/stop-signals';
import type { Io } from '../io';
import { formatBytes, shortId } from '../ui/format';
import { collect } from '../ui/parse';
import { CopyKeys } from '../../application/copy/copy-keys';
import { withKeyOptions } from '../key-options';
import { cliSecrets } from '../secrets';
import { showProgress } from '../ui/progress';
import { terminalAsk } from '../ui/ask';
import { displayName } from '../../domain/name-bytes';

interface Options {
  readonly job: string[];
  readonly mountSrc?: string;
  readonly mountDst?: string;
  readonly stage?: string;
  readonly rekey?: boolean;
  readonly breakLock?: boolean;
  readonly json?: boolean;
  readonly set?: string;
  readonly toSet?: string;
  readonly mount: string[];
  readonly key?: string;
  readonly passphraseFile?: string;
}

/**
 * Runs a copy (or a migration) with its progress bar (or JSON progress lines) on stderr
 * and the stop signals caught: a signal asks the job to stop, and the bar ends with it.
 */
export const withCopyProgress = async <R>(
  io: Io,
  label: string,
  json: boolean,
  run: (progress: Subject<CopyProgress>, stop: () => StopRequest | undefined) => Promise<R>,
): Promise<{ readonly result: R; readonly stopped: StopRequest | undefined }> => {
  const progress = new Subject<CopyProgress>();
  const stopBar = showProgress(
    progress.pipe(map((p) => ({ label, phase: 'copy', unit: 'bytes', done: p.bytes, total: p.totalBytes, bytes: p.bytes, totalBytes: p.totalBytes }))),
    process.stderr,
    json ? 'json' : 'bar',
  );
  const stopping = catchStopSignals((message) => io.err(io.errStyle.yellow(message)));
  try {
    const result = await run(progress, stopping.requested);
    return { result, stopped: stopping.requested() };
  } finally {
    stopping.dispose();
    stopBar();
  }
};

/** A copy's exit: the signal's code when a signal stopped it, else OK or FAILED. */
export const copyExit = (status: string, stopped: StopRequest | undefined): ExitCode =>
  status === 'INTERRUPTED' && stopped !== undefined ? exitForSignal(stopped.signal) : status === 'SUCCESS' ? EXIT.OK : EXIT.FAILED;

export const registerCopy = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  withKeyOptions(program
    .command('copy'))
    .description('copy the backup jobs of one tape to another (or of one tape set to another): each becomes a COPY job of the destination, checked file by file on the way')
    .argument('[src]', 'the tape to copy from (barcode)')
    .argument('[dst]', 'the tape to copy to (barcode; added with `lto tape add` first)')
    .option('--set <name>', 'instead of SRC and DST: copy every job of this tape set that has no copy on the set named by --to-set')
    .option('--to-set <name>', "with --set: the set to copy to (its current tape first, then its next tapes as each fills)")
    .option('--mount <path>', 'with --set: where tapes of either set are mounted (repeatable: one per drive; each found by its label)', collect, [])
    .option('--job <job>', 'only this backup job of SRC (id, prefix, or short id; repeatable); default: every job without a copy on DST', collect, [])
    .option('--mount-src <path>', 'where SRC is mounted')
    .option('--mount-dst <path>', 'where DST is mounted')
    .option('--stage <dir>', 'one drive: read SRC into this folder first (checked for room; emptied after), then write DST from it')
    .option('--rekey', "re-encrypt to DST's own key slots (not supported yet: copy an encrypted tape onto one added with `lto tape add DST --key-of SRC`)")
    .option('--break-lock', 'take the tapes even though another lto holds their lock (only once sure that one is gone)')
    .option('--json', 'print one summary object as JSON')
    .action(async (src: string | undefined, dst: string | undefined, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const sets = copyTargets(src, dst, options);
        if (E.isLeft(sets)) return sets;
        if (sets.right !== undefined) return copySets(io, app, sets.right, options);
        const { result: report, stopped } = await withCopyProgress(io, 'copying', options.json === true, (progress, stop) =>
          runCopy(
            app,
            {
              from: src ?? '',
              to: dst ?? '',
              jobs: options.job,
              ...(options.mountSrc === undefined ? {} : { mountFrom: options.mountSrc }),
              ...(options.mountDst === undefined ? {} : { mountTo: options.mountDst }),
              ...(options.stage === undefined ? {} : { stage: options.stage }),
              rekey: options.rekey === true,
              keys: new CopyKeys(app, cliSecrets(io, options)),
              breakLock: options.breakLock === true,
              stop,
            },
            progress,
            terminalTapeAsk(io),
          ),
        );
        if (E.isLeft(report)) return report;
        if (options.json === true) printJson(io, copyJson(report.right));
        else printReport(io, report.right);
        return E.right(copyExit(report.right.status, stopped));
      }),
    );
};

/** Either two tapes or two sets (undefined: two tapes), never a mix. */
const copyTargets = (src: string | undefined, dst: string | undefined, options: Options): E.Either<AppError, { from: string; to: string } | undefined> => {
  const bySet = options.set !== undefined || options.toSet !== undefined;
  if (!bySet) {
    if (options.mount.length > 0) return E.left({ _tag: 'InvalidOption', option: '--mount', value: options.mount[0] ?? '', expected: 'only with --set (two tapes take --mount-src and --mount-dst)' });
    return src === undefined || dst === undefined ? E.left({ _tag: 'InvalidOption', option: 'copy', value: src ?? '', expected: 'SRC and DST tapes, or --set A --to-set B' }) : E.right(undefined);
  }
  if (src !== undefined) return E.left({ _tag: 'InvalidOption', option: '--set', value: src, expected: 'no SRC or DST tape with --set and --to-set' });
  if (options.set === undefined || options.toSet === undefined) return E.left({ _tag: 'InvalidOption', option: options.set === undefined ? '--to-set' : '--set', value: options.set ?? options.toSet ?? '', expected: 'both --set and --to-set' });
  if (options.job.length > 0 || options.mountSrc !== undefined || options.mountDst !== undefined || options.rekey === true) {
    return E.left({ _tag: 'InvalidOption', option: '--set', value: options.set, expected: 'no --job, --mount-src, --mount-dst or --rekey with it (tapes are found by --mount)' });
  }
  return E.right({ from: options.set, to: options.toSet });
};

/** `lto copy --set A --to-set B`. */
const copySets = async (io: Io, app: App, sets: { from: string; to: string }, options: Options): Promise<ActionResult> => {
  const { result: report, stopped } = await withCopyProgress(io, 'copying', options.json === true, (progress, stop) =>
    runSetCopy(
      app,
      { ...sets, mounts: options.mount, ...(options.stage === undefined ? {} : { stage: options.stage }), breakLock: options.breakLock === true, stop, keys: new CopyKeys(app, cliSecrets(io, options)) },
      progress,
      terminalTapeAsk(io),
    ),
  );
  if (E.isLeft(report)) return report;
  const r = report.right;
  if (options.json === true) printJson(io, setCopyJson(r));
  else {
    for (const copy of r.copies) printReport(io, copy);
    if (r.alreadyCopied > 0) io.err(io.errStyle.dim(`${r.alreadyCopied} job(s) of set ${r.from} already have a copy on set ${r.to}: left as they are`));
    for (const k of r.skipped) io.err(io.errStyle.yellow(`job ${shortId(k.job)} not copied: ${k.reason}`));
    if (r.copies.length === 0) io.out(`nothing to copy from set ${r.from} to set ${r.to}`);
  }
  if (r.refusal !== undefined) io.err(io.errStyle.red(`stopped: ${renderError(r.refusal).message} (the copies above stand)`));
  return E.right(copyExit(r.status, stopped));
};

/** The `copy --set --json` shape (docs/JSON.md): each tape-to-tape copy as `copy --json` prints it. */
export const setCopyJson = (r: SetCopyReport) => ({
  set: r.from,
  toSet: r.to,
  status: r.status,
  copies: r.copies.map(copyJson),
  alreadyCopied: r.alreadyCopied,
  skipped: r.skipped,
  stopped: r.refusal === undefined ? null : renderError(r.refusal).message,
});

/** The `copy --json` shape (docs/JSON.md). */
export const copyJson = (r: CopyReport) => ({
  from: r.from,
  to: r.to,
  status: r.status,
  bytes: r.bytes,
  jobs: r.jobs.map((j) => ({ original: j.original, copy: j.copy, status: j.status, segments: j.segments, files: j.files, bytes: j.bytes, reason: j.reason, damaged: j.damaged })),
  alreadyCopied: r.alreadyCopied,
  skipped: r.skipped,
});

/** On a terminal: where the destination is mounted once the cartridges are swapped. */
export const terminalTapeAsk = (io: Io): AskForTape | undefined =>
  io.interactive
    ? async (tape, problem) => {
        io.err(io.errStyle.yellow(renderError(problem).message));
        const answer = await terminalAsk(`Put ${tape} in the drive and give its mount point (Ctrl-D: stop): `);
        return answer === undefined || answer.trim() === '' ? undefined : answer.trim();
      }
    : undefined;

export const printReport = (io: Io, r: CopyReport): void => {
  const s = io.style;
  for (const j of r.jobs) {
    const status = j.status === 'SUCCESS' ? s.green('SUCCESS') : j.status === 'INTERRUPTED' ? s.yellow('INTERRUPTED') : s.red('FAILED');
    io.out(`job ${s.bold(shortId(j.original))} -> ${r.to} as ${s.bold(shortId(j.copy))} ${status}: ${j.files} files, ${j.segments} segments (${formatBytes(j.bytes)})`);
    if (j.reason !== null) io.err(io.errStyle.red(`  ${displayName(j.reason)}`));
    for (const d of j.damaged.slice(0, 20)) io.err(`  ${io.errStyle.red('damaged')} ${displayName(d.path)}: ${d.reason}`);
    if (j.damaged.length > 20) io.err(`  ... and ${j.damaged.length - 20} more`);
  }
  for (const a of r.alreadyCopied) io.err(io.errStyle.dim(`job ${shortId(a.job)} already has a copy on ${r.to} (${shortId(a.copy)}): left as it is`));
  for (const k of r.skipped) io.err(io.errStyle.yellow(`job ${shortId(k.job)} not copied: ${k.reason}`));
  if (r.jobs.length === 0) io.out(`nothing to copy from ${r.from} to ${r.to}`);
  else if (r.status === 'INTERRUPTED') io.err(io.errStyle.yellow('copy interrupted: the job cut short is INTERRUPTED and counts as no copy'));
};
