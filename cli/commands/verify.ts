import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { Subject, map } from 'rxjs';
import { runVerify, type VerifyProgress, type VerifyReport } from '../../application/verify';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { unlockForCommand, withKeyOptions } from '../key-options';
import { formatBytes, shortId } from '../ui/format';
import { showProgress } from '../ui/progress';
import { renderTable } from '../ui/table';

interface Options {
  readonly job?: string;
  readonly quick?: boolean;
  /** --key FILE, or false for --no-key (commander pairs them). */
  readonly key?: string | false;
  readonly passphraseFile?: string;
  readonly mount?: string;
  readonly json?: boolean;
}

/** The `verify --json` shape (damaged files by their real path; sealed paths stay inside). */
export const verifyJson = (r: VerifyReport) => ({
  tape: r.tape,
  job: r.job,
  status: r.status,
  mode: r.mode,
  bytesRead: r.bytesRead,
  journal: r.journal,
  jobs: r.jobs.map((j) => ({
    job: j.job,
    status: j.status,
    segments: j.segments,
    filesChecked: j.filesChecked,
    problems: j.problems,
    damaged: j.damaged.map((d) => ({ path: d.path, segment: d.segment, offset: d.offset, status: d.status, reason: d.reason })),
  })),
});

export const registerVerify = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('verify')
    .description('read a tape back and check it: every file hash and the tar structure or chunk tags (or --quick: segment hashes)')
    .argument('<tape>', 'tape id (barcode)');
  // --key first, then --no-key: commander pairs them on one property (false for --no-key).
  withKeyOptions(command)
    .option('--no-key', "an encrypted tape without its key: the segments' ciphertext hashes only")
    .option('--job <job>', 'only this backup job (id, prefix, or short id); default: every backup on the tape')
    .option('--quick', "check each segment's SHA-256 only")
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print the report as JSON')
    .action((tape: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const noKey = options.key === false;
        const key = typeof options.key === 'string' ? options.key : undefined;
        const unlocked = noKey ? E.right(undefined) : await unlockForCommand(io, app, tape, { key, passphraseFile: options.passphraseFile });
        if (E.isLeft(unlocked)) return unlocked;
        const progress = new Subject<VerifyProgress>();
        const stop = showProgress(
          progress.pipe(map((p) => ({ label: 'verifying', done: p.segments, total: p.totalSegments, bytes: p.bytes, totalBytes: p.totalBytes }))),
          process.stderr,
          options.json !== true,
        );
        const report = await runVerify(app, { tape, job: options.job, quick: options.quick === true, noKey, mount: options.mount }, progress, unlocked.right);
        stop();
        if (E.isLeft(report)) return report;
        if (options.json === true) printJson(io, verifyJson(report.right));
        else printReport(io, report.right);
        return E.right(report.right.status === 'PASSED' ? EXIT.OK : EXIT.DAMAGED);
      }),
    );
};

const printReport = (io: Io, r: VerifyReport): void => {
  const s = io.style;
  const paint = (status: string) => (status === 'PASSED' ? s.green(status) : s.red(status));
  io.out(
    renderTable(
      r.jobs,
      [
        { header: 'JOB', value: (j) => shortId(j.job) },
        { header: 'STATUS', value: (j) => paint(j.status) },
        { header: 'SEGMENTS', value: (j) => String(j.segments), align: 'right' },
        { header: 'FILES CHECKED', value: (j) => (r.mode === 'full' ? String(j.filesChecked) : '-'), align: 'right' },
        { header: 'DAMAGED', value: (j) => String(j.damaged.length), align: 'right' },
      ],
      s,
    ),
  );
  for (const d of r.journal.damaged) io.err(`${io.errStyle.red('journal')} record ${d.record} (line ${d.line}) is damaged: ${d.kind}: ${d.detail}`);
  if (r.journal.tornTail !== null) io.err(`${io.errStyle.yellow('journal')} its last record (line ${r.journal.tornTail.line}) was cut short by a crash`);
  for (const j of r.jobs) {
    for (const p of j.problems) io.err(`${io.errStyle.red('segment')} ${shortId(j.job)}/${p.segment}: ${p.problem}`);
    for (const d of j.damaged.slice(0, 50)) io.err(`${io.errStyle.red(d.status)} ${d.path} (segment ${d.segment}, offset ${d.offset}): ${d.reason}`);
    if (j.damaged.length > 50) io.err(`... and ${j.damaged.length - 50} more in job ${shortId(j.job)}`);
  }
  const what = r.mode === 'full' ? 'every file read back and hashed' : r.mode === 'quick' ? 'segment hashes only (--quick)' : 'ciphertext hashes only (no key)';
  io.out(`verify ${s.bold(shortId(r.job))} ${paint(r.status)}: ${what}; ${formatBytes(r.bytesRead)} read from tape`);
};
