import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { Subject, map } from 'rxjs';
import { DEFAULT_SEGMENT_BYTES, runBackup, type BackupProgress, type BackupReport } from '../../application/backup/run-backup';
import { printJson, withApp, type RunState } from '../action';
import { unlockForCommand, withKeyOptions } from '../key-options';
import type { GlobalOptions } from '../bootstrap';
import { EXIT, exitForSignal } from '../exit-codes';
import { catchStopSignals } from '../../infrastructure/stop-signals';
import type { Io } from '../io';
import { formatBytes, shortId } from '../ui/format';
import { publisherFor, showProgress } from '../ui/progress';
import { renderTable } from '../ui/table';
import { collect, parseSize } from '../ui/parse';
import { terminalAsk } from '../ui/ask';
import { spanTapes } from '../span-tapes';
import { setBackupTarget, setSpanTapes } from '../set-backup';
import { displayName, globFromInput } from '../../domain/name-bytes';

interface Options {
  readonly incremental?: boolean;
  readonly full?: boolean;
  readonly exclude: string[];
  readonly dryRun?: boolean;
  readonly checksum?: boolean;
  readonly json?: boolean;
  readonly mount: string[];
  readonly span?: boolean;
  readonly segmentSize?: string;
  readonly key?: string;
  readonly passphraseFile?: string;
  readonly breakLock?: boolean;
  readonly set?: string;
}

export const registerBackup = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('backup')
    .description('back up folders (or files) to a tape, or to a tape set: full, or incremental against what the tape (or set) already holds')
    .argument('<tape>', 'tape id (barcode); with --set, the first source')
    .argument('[sources...]', 'folders or files to back up (recorded by their absolute paths)')
    .option('--full', 'write every file again (default: incremental when the tape already holds these sources, else full)')
    .option('--incremental', 'only what is new or changed since the tape\'s latest state of these sources (the default once the tape holds them)')
    .option('--checksum', 'with --incremental: also compare content, not only size and time')
    .option('--exclude <glob>', 'leave out matching paths (repeatable); a glob without / matches names at any depth', collect, [])
    .option('--dry-run', 'print the plan (new / modified / unchanged / deleted) and write nothing')
    .option('--segment-size <size>', 'start a new segment past this size (e.g. 1GiB, 200MiB; default 1GiB)')
    .option('--mount <path>', 'where the tape is mounted; with --span, repeat it for the next tapes, in order', collect, [])
    .option('--span', 'when the tape is full, go on to the next tape (the next --mount, else asked on a terminal); a file may be split across tapes')
    .option('--set <name>', 'write to this tape set: its current tape, incremental against every tape of the set, on to its next tape when one is full (its tapes are found by label among the --mount points)')
    .option('--break-lock', 'take the tape even though another lto holds its lock (only once sure that one is gone)')
    .option('--json', 'print one summary object as JSON');
  withKeyOptions(command)
    .action(async (first: string, rest: string[], options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const sources = options.set === undefined ? rest : [first, ...rest];
        if (sources.length === 0) return E.left({ _tag: 'InvalidOption', option: 'sources', value: '', expected: 'at least one folder or file to back up, after the tape' });
        if (options.set !== undefined && options.span === true) {
          return E.left({ _tag: 'InvalidOption', option: '--span', value: '--set', expected: 'one of them: a set backup goes on to the set\'s next tape by itself' });
        }
        const ask = io.interactive ? terminalAsk : undefined;
        const target = options.set === undefined ? undefined : await setBackupTarget(io, app, options.set, options.mount, ask);
        if (target !== undefined && E.isLeft(target)) return target;
        const tape = target?.right.tape ?? first;
        const segmentTargetBytes = options.segmentSize === undefined ? DEFAULT_SEGMENT_BYTES : parseSize(options.segmentSize);
        if (segmentTargetBytes === undefined) {
          return E.left({ _tag: 'InvalidOption', option: '--segment-size', value: options.segmentSize ?? '', expected: 'a size such as 1GiB or 200MB' });
        }
        if (options.exclude.some((glob) => glob.trim() === '')) {
          return E.left({ _tag: 'InvalidOption', option: '--exclude', value: '', expected: 'a glob such as *.tmp or /home/me/cache (an empty one names nothing)' });
        }
        if (options.full === true && options.incremental === true) {
          return E.left({ _tag: 'InvalidOption', option: '--full', value: '--incremental', expected: 'one of --full and --incremental (neither: incremental when the tape already holds these sources)' });
        }
        if (options.mount.length > 1 && options.span !== true && options.set === undefined) {
          return E.left({ _tag: 'InvalidOption', option: '--mount', value: options.mount.join(', '), expected: 'one mount point (more only with --span or --set)' });
        }
        const unlocked = await unlockForCommand(io, app, tape, options);
        if (E.isLeft(unlocked)) return unlocked;
        const progress = new Subject<BackupProgress>();
        const stop = showProgress(
          progress.pipe(
            map((p) => ({
              label: p.phase === 'scan' ? 'scanning' : 'writing ',
              phase: p.phase,
              unit: 'entries',
              done: p.entries,
              total: p.totalEntries,
              bytes: p.bytes,
              totalBytes: p.totalBytes,
            })),
          ),
          process.stderr,
          options.json === true ? 'json' : 'bar',
          publisherFor(app, tape),
        );
        const stopping = catchStopSignals((message) => io.err(io.errStyle.yellow(message)));
        const report = await runBackup(
          app,
          {
            tape,
            sources,
            incremental: options.full === true ? false : options.incremental === true ? true : 'auto',
            excludes: options.exclude.map(globFromInput),
            checksum: options.checksum === true,
            dryRun: options.dryRun === true,
            mount: target === undefined ? options.mount[0] : target.right.mount,
            segmentTargetBytes,
            breakLock: options.breakLock === true,
            ...(options.span === true ? { span: spanTapes(io, app, options.mount, options, ask) } : {}),
            ...(target === undefined
              ? {}
              : { span: setSpanTapes(io, app, target.right, options.mount, options, ask), set: { name: target.right.set, tapes: target.right.baseline } }),
            stop: stopping.requested,
          },
          progress,
          unlocked.right,
        ).finally(stopping.dispose);
        stop();
        if (E.isLeft(report)) return report;
        if (options.json === true) printJson(io, backupJson(report.right, target?.right.set ?? null));
        else printReport(io, report.right);
        const stopped = stopping.requested();
        if (report.right.status === 'INTERRUPTED' && stopped !== undefined) return E.right(exitForSignal(stopped.signal));
        // Files left off the tape because they could not be read are a problem found: exit 1.
        return E.right(report.right.status === 'FAILED' || report.right.notArchived > 0 ? EXIT.FAILED : EXIT.OK);
      }),
    );
};

export const backupJson = (r: BackupReport, set: string | null) => ({
  tape: r.tape,
  set,
  job: r.job,
  mode: r.mode,
  modeReason: r.modeReason,
  status: r.status,
  reason: r.reason,
  plan: r.plan,
  files: r.totals.files,
  bytes: r.totals.bytesRead,
  tapeBytes: r.totals.bytesWritten,
  segments: r.segments,
  parts: r.parts.map((p, i) => ({ part: i + 1, tape: p.tape, job: p.job })),
  warnings: r.warnings.length,
  notArchived: r.notArchived,
  warningList: r.warnings,
});

const printReport = (io: Io, r: BackupReport): void => {
  const s = io.style;
  const p = r.plan;
  io.out(`${s.bold(r.mode === 'FULL' ? 'full' : 'incremental')} backup: ${r.modeReason}`);
  io.out(
    renderTable(
      [
        ['new', p.new],
        ['modified', p.modified],
        ['unchanged', p.unchanged],
      ] as const,
      [
        { header: r.status === 'PLANNED' ? 'PLAN' : r.mode, value: ([k]) => k },
        { header: 'ENTRIES', value: ([, v]) => String(v.entries), align: 'right' },
        { header: 'FILES', value: ([, v]) => String(v.files), align: 'right' },
        { header: 'SIZE', value: ([, v]) => formatBytes(v.bytes), align: 'right' },
      ],
      s,
    ),
  );
  io.out(`deleted since the last backup: ${p.deleted}`);
  if (r.status === 'PLANNED') {
    io.out(s.dim(`dry run: nothing was written (up to ${formatBytes(p.estimatedBytes)} would go to tape)`));
  } else {
    const status = r.status === 'SUCCESS' ? s.green('SUCCESS') : r.status === 'INTERRUPTED' ? s.yellow('INTERRUPTED') : s.red('FAILED');
    io.out(
      `job ${s.bold(shortId(r.job ?? ''))} ${status}: ${r.totals.files} files, ${formatBytes(r.totals.bytesRead)} read, ${formatBytes(r.totals.bytesWritten)} written in ${r.segments} segment(s)`,
    );
    if (r.parts.length > 1) {
      io.out(`the job spans ${r.parts.length} tapes: ${r.parts.map((p, i) => `part ${i + 1} on ${s.bold(p.tape)} (job ${shortId(p.job)})`).join(', ')}`);
    }
    if (r.status === 'INTERRUPTED') io.err(`${io.errStyle.yellow('interrupted:')} ${r.reason ?? ''}; the closed segments are kept (\`lto backup --incremental\` writes the rest)`);
    else if (r.reason !== null) io.err(`${io.errStyle.red('failed:')} ${r.reason}`);
    if (r.notArchived > 0) io.err(io.errStyle.red(`${r.notArchived} file(s) or folder(s) could not be archived and are not on the tape (see the warnings)`));
  }
  if (r.warnings.length > 0) {
    io.err(io.errStyle.yellow(`${r.warnings.length} warning(s):`));
    for (const w of r.warnings.slice(0, 20)) io.err(`  ${displayName(w.path)}: ${displayName(w.reason)}`);
    if (r.warnings.length > 20) io.err(`  ... and ${r.warnings.length - 20} more (see \`lto jobs --json\`)`);
  }
};
