import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { Subject, map } from 'rxjs';
import { runVerify, type VerifyProgress, type VerifyReport } from '../../application/verify';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT, exitForSignal } from '../exit-codes';
import { catchStopSignals, type StopListener } from '../../infrastructure/stop-signals';
import type { Io } from '../io';
import { unlockForCommand, withKeyOptions } from '../key-options';
import { formatBytes, shortId } from '../ui/format';
import { publisherFor, showProgress } from '../ui/progress';
import { terminalAsk } from '../ui/ask';
import { collect } from '../ui/parse';
import { restoreTapes } from '../span-tapes';
import type { App } from '../../application/app';
import type { AppError } from '../../application/errors';
import { findBackupJob } from '../../application/jobs-lookup';
import type { RestoreTapes } from '../../application/restore/run-restore';
import { mountHolding } from '../../application/span/mounted-tape';
import { tapeIdFromInput } from '../../application/tape-id-input';
import type { Unlocked } from '../../application/unlock';
import { renderTable } from '../ui/table';
import { copiesOfJobs } from '../ui/copies';
import type { JobCopy } from '../../projections/ports/copy-queries';
import { displayName } from '../../domain/name-bytes';

interface Options {
  readonly job?: string;
  readonly quick?: boolean;
  /** --key FILE, or false for --no-key (commander pairs them). */
  readonly key?: string | false;
  readonly passphraseFile?: string;
  readonly mount: string[];
  readonly json?: boolean;
  readonly breakLock?: boolean;
}

/** The `verify --json` shape (damaged files by their real path; sealed paths stay inside). */
export const verifyJson = (r: VerifyReport, copiesOf: (job: string) => readonly JobCopy[]) => ({
  tape: r.tape,
  job: r.job,
  verdict: r.status,
  mode: r.mode === 'no-key' ? 'NO_KEY' : r.mode.toUpperCase(),
  tapeBytes: r.bytesRead,
  journal: r.journal,
  jobs: r.jobs.map((j) => ({
    job: j.job,
    verdict: j.status,
    segments: j.segments,
    filesChecked: j.filesChecked,
    problems: j.problems,
    damaged: j.damaged.map((d) => ({ path: d.path, segment: d.segment, offset: d.offset, verdict: d.status, reason: d.reason, copies: otherCopies(r, j.job, copiesOf) })),
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
    .option('--mount <path>', 'where the tape is mounted; for a --job that spans tapes, repeat it for each (matched by label)', collect, [])
    .option('--break-lock', 'take the tape even though another lto holds its lock (only once sure that one is gone)')
    .option('--json', 'print the report as JSON')
    .action((tape: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const noKey = options.key === false;
        const key = typeof options.key === 'string' ? options.key : undefined;
        const secrets = { key, passphraseFile: options.passphraseFile };
        const parts = await spanParts(app, tape, options.job);
        if (E.isLeft(parts)) return parts;
        const ask = restoreTapes(io, app, secrets, io.interactive ? terminalAsk : undefined);
        const reports: VerifyReport[] = [];
        const stopping = catchStopSignals((message) => io.err(io.errStyle.yellow(message)));
        try {
          // A job that spans tapes is verified part by part, in order, each tape found by its label or asked for.
          for (const part of parts.right) {
            if (stopping.requested() !== undefined) break;
            const unlocked = noKey ? E.right(undefined) : await unlockForCommand(io, app, part.tape, secrets);
            if (E.isLeft(unlocked)) return unlocked;
            const report = await verifyPart(app, io, options, part, parts.right.length, unlocked.right, ask, stopping);
            if (E.isLeft(report)) return report;
            reports.push(report.right);
            if (options.json !== true) printReport(io, report.right, await copiesOfJobs(app, report.right.jobs.map((j) => j.job)));
          }
        } finally {
          stopping.dispose();
        }
        const stopped = stopping.requested();
        const status = overall(reports, stopped !== undefined);
        const [first] = reports;
        if (options.json === true && first !== undefined) {
          const copiesOf = await copiesOfJobs(app, reports.flatMap((r) => r.jobs.map((j) => j.job)));
          const json = (r: VerifyReport) => verifyJson(r, copiesOf);
          printJson(io, reports.length === 1 ? json(first) : { ...json(first), verdict: status, span: reports.map(json) });
        }
        if (reports.length > 1 && options.json !== true) io.out(`the job spans ${reports.length} tapes (${reports.map((r) => r.tape).join(', ')}): ${status}`);
        if (status === 'INTERRUPTED' && stopped !== undefined) return E.right(exitForSignal(stopped.signal));
        return E.right(status === 'PASSED' ? EXIT.OK : EXIT.DAMAGED);
      }),
    );
};

/** The whole job's status: damage found wins over a stop (it is what the person must know), a stop over a pass. */
const overall = (reports: readonly VerifyReport[], stopped: boolean): VerifyReport['status'] => {
  if (reports.some((r) => r.status === 'CORRUPTED')) return 'CORRUPTED';
  if (reports.some((r) => r.status === 'MISSING')) return 'MISSING';
  return stopped || reports.some((r) => r.status === 'INTERRUPTED') ? 'INTERRUPTED' : 'PASSED';
};

/** What to verify: the tape (every job, or one), or, for a job that spans tapes, each part on its own tape. */
interface PartToVerify {
  readonly tape: string;
  readonly job: string | undefined;
  readonly part: number;
}

const spanParts = async (app: App, tape: string, job: string | undefined): Promise<E.Either<AppError, PartToVerify[]>> => {
  const one = [{ tape, job, part: 1 }];
  if (job === undefined) return E.right(one);
  const id = tapeIdFromInput(tape);
  if (E.isLeft(id)) return E.right(one);
  const found = await findBackupJob(app, id.right, job);
  if (E.isLeft(found)) return E.right(one);
  const span = await app.catalog.spanOf(found.right.id);
  if (span === undefined || span.parts.length < 2) return E.right(one);
  const missing = span.parts.find((p) => !p.recorded);
  if (missing !== undefined) {
    const missingTape = tapeIdFromInput(missing.tape);
    if (E.isLeft(missingTape)) return missingTape;
    return E.left({ _tag: 'SpanPartMissing', span: span.id, part: missing.part, tape: missingTape.right });
  }
  return E.right(span.parts.map((p) => ({ tape: p.tape, job: p.job, part: p.part })));
};

const verifyPart = async (
  app: App,
  io: Io,
  options: Options,
  part: PartToVerify,
  parts: number,
  unlocked: Unlocked | undefined,
  tapes: RestoreTapes,
  stopping: StopListener,
): Promise<E.Either<AppError, VerifyReport>> => {
  const progress = new Subject<VerifyProgress>();
  const run = async (mount: string | undefined): Promise<E.Either<AppError, VerifyReport>> => {
    const stop = showProgress(
      progress.pipe(map((p) => ({ label: parts > 1 ? `verifying ${part.tape}` : 'verifying', phase: 'verify', unit: 'segments', done: p.segments, total: p.totalSegments, bytes: p.bytes, totalBytes: p.totalBytes }))),
      process.stderr,
      options.json === true ? 'json' : 'bar',
      publisherFor(app, part.tape),
    );
    const input = {
      tape: part.tape, job: part.job, quick: options.quick === true, noKey: options.key === false, mount, stop: stopping.requested,
      breakLock: options.breakLock === true,
    };
    const report = await runVerify(app, input, progress, unlocked);
    stop();
    return report;
  };
  const tape = tapeIdFromInput(part.tape);
  if (E.isLeft(tape)) return tape;
  const given = parts === 1 ? options.mount[0] : mountHolding(tape.right, options.mount);
  let report = await run(given);
  for (let attempt = 0; parts > 1 && E.isLeft(report) && isMountProblem(report.left) && attempt < 5; attempt++) {
    const mount = await tapes.mountOf(tape.right, part.part, parts, report.left);
    if (mount === undefined) break;
    report = await run(mount);
  }
  return report;
};

const isMountProblem = (e: AppError): boolean => e._tag === 'TapeNotMounted' || e._tag === 'WrongTapeMounted' || e._tag === 'MountMissing';

const printReport = (io: Io, r: VerifyReport, copiesOf: (job: string) => readonly JobCopy[]): void => {
  const s = io.style;
  const paint = (status: string) => (status === 'PASSED' ? s.green(status) : status === 'INTERRUPTED' ? s.yellow(status) : s.red(status));
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
    const copies = otherCopies(r, j.job, copiesOf);
    const held = copies.length === 0 ? '; no other copy' : `; still held by the copy on ${copies.map((c) => `${c.tape} (job ${shortId(c.job)})`).join(', ')}`;
    for (const d of j.damaged.slice(0, 50)) io.err(`${io.errStyle.red(d.status)} ${displayName(d.path)} (segment ${d.segment}, offset ${d.offset}): ${d.reason}${held}`);
    if (j.damaged.length > 50) io.err(`... and ${j.damaged.length - 50} more in job ${shortId(j.job)}`);
  }
  const what = r.mode === 'full' ? 'every file read back and hashed' : r.mode === 'quick' ? 'segment hashes only (--quick)' : 'ciphertext hashes only (no key)';
  io.out(`verify ${s.bold(shortId(r.job))} ${paint(r.status)}: ${what}; ${formatBytes(r.bytesRead)} read from tape`);
};

/** The other places that hold the data of a job whose file is damaged on this tape (its original, its copies). */
const otherCopies = (r: VerifyReport, job: string, copiesOf: (job: string) => readonly JobCopy[]) =>
  copiesOf(job)
    .filter((c) => c.tape !== r.tape)
    .map((c) => ({ tape: c.tape, job: c.job }));
