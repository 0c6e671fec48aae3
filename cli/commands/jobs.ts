import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { tapeIdFromInput } from '../../application/tape-id-input';
import type { JobView } from '../../projections/queries';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import type { Style } from '../ui/style';
import { formatBytes, formatDuration, formatLocalTime, shortId } from '../ui/format';
import { renderTable } from '../ui/table';

/** The `jobs --json` shape: scripts and other commands rely on these names. */
export const jobJson = (j: JobView) => ({
  job: j.id,
  tape: j.tape,
  type: j.type,
  mode: j.mode,
  status: j.status,
  startedAt: j.startedAt,
  endedAt: j.endedAt,
  files: j.files,
  bytes: j.bytesRead,
  tapeBytes: j.bytesWritten,
  encrypted: j.encrypted,
  warnings: j.warnings,
  reason: j.reason,
  host: j.host,
  /** A part of a backup that spans tapes: `{ job: first part's job, part }`; null otherwise. */
  span: j.span === null ? null : { job: j.span.id, part: j.span.part },
});

export const statusColour = (status: string, s: Style): string => {
  if (status === 'SUCCESS') return s.green(status);
  if (status === 'FAILED') return s.red(status);
  if (status === 'INTERRUPTED') return s.yellow(status);
  return s.cyan(status);
};

export const registerJobs = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  program
    .command('jobs')
    .description('list jobs (add tape, backup, restore, verify...) with status, times and sizes')
    .option('--tape <tape>', 'only the jobs of this tape')
    .option('--json', 'print as JSON')
    .action((options: { tape?: string; json?: boolean }) =>
      withApp(io, state, globals(), ({ app }) => {
        let tape: string | undefined;
        if (options.tape !== undefined) {
          const parsed = tapeIdFromInput(options.tape);
          if (E.isLeft(parsed)) return parsed;
          tape = parsed.right;
        }
        const jobs = app.catalog.jobs(tape === undefined ? {} : { tape });
        if (options.json === true) printJson(io, { jobs: jobs.map(jobJson) });
        else if (jobs.length === 0) io.out('No jobs yet.');
        else io.out(renderTable(jobs, columns(io.style), io.style));
        return ok;
      }),
    );
};

const duration = (j: JobView): string =>
  j.endedAt === null ? '-' : formatDuration(Date.parse(j.endedAt) - Date.parse(j.startedAt));

const columns = (s: Style) =>
  [
    { header: 'JOB', value: (j: JobView) => s.bold(shortId(j.id)) },
    { header: 'TAPE', value: (j: JobView) => j.tape },
    { header: 'TYPE', value: (j: JobView) => `${j.mode === null ? j.type : `${j.type} ${j.mode}`}${j.span === null ? '' : ` (part ${j.span.part})`}` },
    { header: 'STATUS', value: (j: JobView) => statusColour(j.status, s) },
    { header: 'STARTED', value: (j: JobView) => formatLocalTime(j.startedAt) },
    { header: 'TOOK', value: duration, align: 'right' as const },
    { header: 'FILES', value: (j: JobView) => String(j.files), align: 'right' as const },
    { header: 'SIZE', value: (j: JobView) => formatBytes(j.bytesRead), align: 'right' as const },
    { header: 'ENC', value: (j: JobView) => (j.encrypted ? 'yes' : 'no') },
    { header: 'WARN', value: (j: JobView) => (j.warnings === 0 ? '' : s.yellow(String(j.warnings))), align: 'right' as const },
  ] as const;
