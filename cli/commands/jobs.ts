import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import type { AppError } from '../../application/errors';
import { listJobs, type JobsFilter } from '../../application/list-jobs';
import { LOCKED_NAMES } from '../../application/entry-names';
import { tapeIdFromInput } from '../../application/tape-id-input';
import type { JobView } from '../../projections/ports/job-queries';
import type { JobCopy } from '../../projections/ports/copy-queries';
import type { App } from '../../application/app';
import { holdsArchive } from '../../domain/events';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { nameDecodersFor, withKeyOptions } from '../key-options';
import type { Style } from '../ui/style';
import { formatBytes, formatDuration, formatLocalTime, shortId } from '../ui/format';
import { parseCount, parseSince } from '../ui/parse';
import { renderTable } from '../ui/table';
import { copiesJson, copiesText } from '../ui/copies';

/**
 * A job with its backup sources as a person reads them (opened on an unlocked encrypted tape, else locked markers),
 * and every place its data is held (a backup or a copy: the original and each copy that succeeded).
 */
type ListedJob = JobView & { readonly shownSources: readonly string[] | null; readonly copies: readonly JobCopy[] };

/** The `jobs --json` shape: scripts and other commands rely on these names (docs/JSON.md). */
export const jobJson = (j: ListedJob) => ({
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
  /** A backup's sources (absolute paths); null for other jobs. */
  sources: j.shownSources,
  /** A backup or a copy: where its data is held, the original first, then each copy that succeeded; [] for other jobs. */
  copies: copiesJson(j.copies),
  /** A COPY job: the backup it is a copy of; null otherwise. */
  copyOf: copyOf(j),
});

const copyOf = (j: ListedJob): { tape: string; job: string } | null => {
  const original = j.type === 'COPY' ? j.copies.find((c) => c.original) : undefined;
  return original === undefined ? null : { tape: original.tape, job: original.job };
};

export const statusColour = (status: string, s: Style): string => {
  if (status === 'SUCCESS') return s.green(status);
  if (status === 'FAILED') return s.red(status);
  if (status === 'INTERRUPTED') return s.yellow(status);
  return s.cyan(status);
};

const TYPES = ['ADD_TAPE', 'BACKUP', 'COPY', 'RESTORE', 'VERIFY', 'RECOVERY'] as const;
const STATUSES = ['RUNNING', 'SUCCESS', 'FAILED', 'INTERRUPTED'] as const;

interface Options {
  readonly tape?: string;
  readonly type?: string;
  readonly status?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly json?: boolean;
  readonly key?: string;
  readonly passphraseFile?: string;
}

/** One of `words`, typed in any case (`add-tape` for ADD_TAPE). */
const oneOf = (option: string, words: readonly string[], text: string): E.Either<AppError, string> => {
  const word = text.trim().toUpperCase().replace(/-/g, '_');
  return words.includes(word) ? E.right(word) : E.left({ _tag: 'InvalidOption', option, value: text, expected: words.map((w) => w.toLowerCase().replace(/_/g, '-')).join(', ') });
};

const filterFrom = (app: App, options: Options): E.Either<AppError, JobsFilter> => {
  const tape = options.tape === undefined ? E.right(undefined) : tapeIdFromInput(options.tape);
  if (E.isLeft(tape)) return tape;
  const type = options.type === undefined ? E.right(undefined) : oneOf('--type', TYPES, options.type);
  if (E.isLeft(type)) return type;
  const status = options.status === undefined ? E.right(undefined) : oneOf('--status', STATUSES, options.status);
  if (E.isLeft(status)) return status;
  const limit = options.limit === undefined ? E.right(undefined) : parseCount('--limit', options.limit);
  if (E.isLeft(limit)) return limit;
  const sinceMs = options.since === undefined ? undefined : parseSince(options.since, app.clock().getTime());
  if (options.since !== undefined && sinceMs === undefined) {
    return E.left({ _tag: 'InvalidOption', option: '--since', value: options.since, expected: 'an age such as 30m, 12h, 7d, 2w, or a date such as 2026-12-01 (UTC) or 2026-12-01T08:00:00Z' });
  }
  return E.right({ tape: tape.right, type: type.right, status: status.right, sinceMs, limit: limit.right });
};

export const registerJobs = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('jobs')
    .description('list jobs (add tape, backup, copy, restore, verify, recovery) with status, times, sizes and a backup\'s sources')
    .option('--tape <tape>', 'only the jobs of this tape')
    .option('--type <type>', `only jobs of this type: ${TYPES.map((t) => t.toLowerCase().replace(/_/g, '-')).join(', ')}`)
    .option('--status <status>', `only jobs with this status: ${STATUSES.map((t) => t.toLowerCase()).join(', ')}`)
    .option('--since <when>', 'only jobs started since: an age (30m, 12h, 7d, 2w) or a date (2026-12-01, 2026-12-01T08:00:00Z)')
    .option('--limit <n>', 'only the newest n (after the other filters)')
    .option('--json', 'print as JSON');
  withKeyOptions(command).action((options: Options) =>
    withApp(io, state, globals(), async ({ app }) => {
      const filter = filterFrom(app, options);
      if (E.isLeft(filter)) return filter;
      const decoders = await nameDecodersFor(io, app, options, filter.right.tape);
      const plain = new Set((await app.catalog.tapes()).filter((t) => !t.encrypted).map((t) => t.id));
      const open = (tape: string, stored: string): string => (plain.has(tape) ? stored : (decoders.get(tape) ?? LOCKED_NAMES.open)(stored));
      const jobs: ListedJob[] = [];
      for (const j of await listJobs(app, filter.right)) {
        jobs.push({
          ...j,
          shownSources: j.sources === null ? null : j.sources.map((p) => open(j.tape, p)),
          copies: holdsArchive(j.type) ? await app.catalog.copies.placesOf(j.id) : [],
        });
      }
      if (options.json === true) printJson(io, { jobs: jobs.map(jobJson) });
      else if (jobs.length === 0) io.out(filtered(options) ? 'No jobs match these filters.' : 'No jobs yet.');
      else io.out(renderTable(jobs, columns(io.style), io.style));
      return ok;
    }),
  );
};

const filtered = (o: Options): boolean => [o.tape, o.type, o.status, o.since, o.limit].some((v) => v !== undefined);

const duration = (j: JobView): string =>
  j.endedAt === null ? '-' : formatDuration(Date.parse(j.endedAt) - Date.parse(j.startedAt));

const columns = (s: Style) =>
  [
    { header: 'JOB', value: (j: ListedJob) => s.bold(shortId(j.id)) },
    { header: 'TAPE', value: (j: ListedJob) => j.tape },
    { header: 'TYPE', value: (j: ListedJob) => `${j.mode === null ? j.type : `${j.type} ${j.mode}`}${j.span === null ? '' : ` (part ${j.span.part})`}` },
    { header: 'STATUS', value: (j: ListedJob) => statusColour(j.status, s) },
    { header: 'STARTED', value: (j: ListedJob) => formatLocalTime(j.startedAt) },
    { header: 'TOOK', value: duration, align: 'right' as const },
    { header: 'FILES', value: (j: ListedJob) => String(j.files), align: 'right' as const },
    { header: 'SIZE', value: (j: ListedJob) => formatBytes(j.bytesRead), align: 'right' as const },
    { header: 'ENC', value: (j: ListedJob) => (j.encrypted ? 'yes' : 'no') },
    { header: 'COPIES', value: (j: ListedJob) => copiesText(j.copies), align: 'right' as const },
    { header: 'WARN', value: (j: ListedJob) => (j.warnings === 0 ? '' : s.yellow(String(j.warnings))), align: 'right' as const },
    { header: 'SOURCES', value: (j: ListedJob) => (j.shownSources ?? []).join(', ') },
  ] as const;

