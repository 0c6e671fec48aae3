import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { Subject, map } from 'rxjs';
import type { RestoreProgress } from '../../application/restore/run-restore';
import { restoreWithCopies, type RestoreWithCopiesReport } from '../../application/restore/restore-with-copies';
import { printJson, withApp, type RunState } from '../action';
import { unlockForCommand, withKeyOptions } from '../key-options';
import type { GlobalOptions } from '../bootstrap';
import { EXIT, exitForSignal } from '../exit-codes';
import { catchStopSignals } from '../../infrastructure/stop-signals';
import type { Io } from '../io';
import { formatBytes, shortId } from '../ui/format';
import { collect } from '../ui/parse';
import { publisherFor, showProgress } from '../ui/progress';
import { terminalAsk } from '../ui/ask';
import { restoreTapes } from '../span-tapes';
import { displayName, globFromInput } from '../../domain/name-bytes';

interface Options {
  readonly to: string;
  readonly job?: string;
  readonly path: string[];
  readonly onlyWritten?: boolean;
  readonly overwrite?: boolean;
  readonly breakLock?: boolean;
  readonly quick?: boolean;
  /** Commander's `--no-owner`: false when given. */
  readonly owner?: boolean;
  readonly dryRun?: boolean;
  readonly stripComponents?: string;
  readonly mount: string[];
  readonly json?: boolean;
  readonly key?: string;
  readonly passphraseFile?: string;
}

export const registerRestore = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('restore')
    .description('restore the tree of a tape as of a backup job (default: the latest), or the paths matching globs')
    .argument('<tape>', 'tape id (barcode)')
    .requiredOption('--to <dir>', 'where to restore: original paths are re-rooted under it (/home/me/x -> DIR/home/me/x)')
    .option('--job <job>', 'restore the tree as of this backup job (id, prefix, or short id)')
    .option('--only-written', "only what that job wrote itself (an incremental: the files it found new or changed), not the whole tree as of it")
    .option('--path <glob>', 'only original paths matching this glob, e.g. "**/hello.txt" or "/home/me/Pictures/2019/**" (repeatable)', collect, [])
    .option('--strip-components <n>', 'drop this many leading path components, as tar does')
    .option('--overwrite', 'replace files that already exist under --to, each only by a copy whose hash was checked (else they are kept and reported)')
    .option('--quick', 'a file already there counts as equal to the tape when its size and modification time are, without reading it (default: same size and content hash)')
    .option('--no-owner', 'leave files to the user running the restore instead of giving them their recorded owner (as root; not root: always)')
    .option('--dry-run', 'print what would be restored and write nothing')
    .option('--mount <path>', 'where the tape is mounted; for a job that spans tapes, repeat it for each (matched by label)', collect, [])
    .option('--break-lock', 'take the tape even though another lto holds its lock (only once sure that one is gone)')
    .option('--json', 'print one summary object as JSON');
  withKeyOptions(command)
    .action(async (tape: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const strip = options.stripComponents === undefined ? 0 : Number(options.stripComponents);
        if (!Number.isInteger(strip) || strip < 0) {
          return E.left({ _tag: 'InvalidOption', option: '--strip-components', value: options.stripComponents ?? '', expected: 'a whole number >= 0' });
        }
        const unlocked = await unlockForCommand(io, app, tape, options);
        if (E.isLeft(unlocked)) return unlocked;
        const progress = new Subject<RestoreProgress>();
        const stop = showProgress(
          progress.pipe(map((p) => ({ label: 'restoring', phase: 'restore', unit: 'files', done: p.files, total: p.totalFiles, bytes: p.bytes, totalBytes: p.totalBytes }))),
          process.stderr,
          options.json === true ? 'json' : 'bar',
          publisherFor(app, tape),
        );
        const stopping = catchStopSignals((message) => io.err(io.errStyle.yellow(message)));
        const report = await restoreWithCopies(
          app,
          {
            tape,
            to: options.to,
            job: options.job,
            paths: options.path.map(globFromInput),
            onlyWritten: options.onlyWritten === true,
            overwrite: options.overwrite === true,
            breakLock: options.breakLock === true,
            quick: options.quick === true,
            noOwner: options.owner === false,
            dryRun: options.dryRun === true,
            stripComponents: strip,
            mount: options.mount[0],
            mounts: options.mount.slice(1),
            stop: stopping.requested,
          },
          progress,
          unlocked.right,
          restoreTapes(io, app, options, io.interactive ? terminalAsk : undefined),
        ).finally(stopping.dispose);
        stop();
        if (E.isLeft(report)) return report;
        if (options.json === true) printJson(io, restoreJson(report.right));
        else printReport(io, report.right);
        const stopped = stopping.requested();
        if (report.right.status === 'INTERRUPTED' && stopped !== undefined) return E.right(exitForSignal(stopped.signal));
        return E.right(report.right.status === 'FAILED' ? EXIT.FAILED : EXIT.OK);
      }),
    );
};

/** The `restore --json` shape (docs/JSON.md). */
export const restoreJson = (r: RestoreWithCopiesReport) => ({
  tape: r.tape,
  job: r.job,
  status: r.status,
  asOfJob: r.asOfJob,
  tapes: r.tapes,
  selected: r.selected,
  restored: r.restored,
  skipped: r.skipped,
  differs: r.differs,
  problems: r.problems.map((p) => ({ kind: p.kind, path: p.path, reason: p.reason })),
  tapeBytes: r.bytesReadFromTape,
  notes: r.notes ?? [],
  /** The tape asked for was not mounted: the copy of its tree that was read instead; null otherwise. */
  readFrom: r.readFrom,
  /** Files read from another copy because the first tape could not give them whole. */
  fallbacks: r.fallbacks.map((f) => ({ path: f.path, tape: f.tape, job: f.job, reason: f.reason })),
});

const printReport = (io: Io, r: RestoreWithCopiesReport): void => {
  const s = io.style;
  const sel = r.selected;
  if (r.status === 'PLANNED') {
    io.out(`would restore ${sel.files} files (${formatBytes(sel.bytes)}), ${sel.dirs} folders, ${sel.symlinks} symlinks as of job ${shortId(r.asOfJob)}`);
    io.out(s.dim('dry run: nothing was written'));
    return;
  }
  const status = r.status === 'SUCCESS' ? s.green('SUCCESS') : r.status === 'INTERRUPTED' ? s.yellow('INTERRUPTED') : s.red('FAILED');
  io.out(
    `job ${s.bold(shortId(r.job ?? ''))} ${status}${r.tapes.length > 1 ? ` (from ${r.tapes.join(', ')})` : ''}: restored ${r.restored.files}/${sel.files} files (${formatBytes(r.restored.bytes)}), ${r.restored.dirs} folders, ${r.restored.symlinks} symlinks as of job ${shortId(r.asOfJob)}; ${formatBytes(r.bytesReadFromTape)} read from tape`,
  );
  for (const note of r.notes ?? []) io.err(io.errStyle.dim(`note: ${note}`));
  for (const f of r.fallbacks) io.err(`${io.errStyle.yellow('read from copy')} ${displayName(f.path)} on ${f.tape} (job ${shortId(f.job)}): ${displayName(f.reason)}`);
  if (r.skipped > 0) io.err(`${r.skipped} already there and equal to the tape: kept as they were`);
  if (r.differs > 0) {
    io.err(io.errStyle.yellow(`${r.differs} already there but different from the tape: kept as they were (--overwrite replaces them)`));
    const differing = r.problems.filter((p) => p.kind === 'differs');
    for (const p of differing.slice(0, 20)) io.err(`${io.errStyle.yellow('kept, differs')} ${displayName(p.path)}: ${displayName(p.reason)}`);
    if (differing.length > 20) io.err(`... and ${differing.length - 20} more`);
  }
  const serious = r.problems.filter((p) => p.kind !== 'skipped' && p.kind !== 'differs');
  for (const p of serious.slice(0, 20)) io.err(`${io.errStyle.red(p.kind)} ${displayName(p.path)}: ${displayName(p.reason)}`);
  if (serious.length > 20) io.err(`... and ${serious.length - 20} more`);
};
