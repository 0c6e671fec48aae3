import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { browse, type BrowseEntry } from '../../application/browse';
import { ok, printJson, withApp, type RunState } from '../action';
import type { App } from '../../application/app';
import type { AppError } from '../../application/errors';
import { LOCKED_NAMES, PLAIN_NAMES, type Names } from '../../application/entry-names';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { SECRET_OPTIONS, type Unlocked } from '../../application/unlock';
import { secretAvailable, unlockForCommand, withKeyOptions } from '../key-options';
import type { SecretOptions } from '../secrets';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatBytes, formatLocalTime, shortId } from '../ui/format';
import { renderLabels } from '../ui/tag-chips';
import { renderTable } from '../ui/table';
import { copiesJson, copiesOfJobs, copiesText } from '../ui/copies';
import type { JobCopy } from '../../projections/ports/copy-queries';
import { displayName, nameFromInput } from '../../domain/name-bytes';

/** Nanosecond text → ISO time (millisecond precision is what people read). */
export const nsToIso = (ns: string): string => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();

/** The `browse --json` shape: scripts rely on these names. */
const entryJson = (copiesOf: (job: string) => readonly JobCopy[]) => (e: BrowseEntry) => ({
  path: e.path,
  name: e.name,
  type: e.type,
  bytes: e.size,
  mtime: nsToIso(e.mtimeNs),
  mtimeNs: e.mtimeNs,
  job: e.job,
  versions: e.versions,
  target: e.target,
  /** A file split across tapes: the piece this tape holds (`offset` in the file, `length`); null otherwise. */
  piece: e.piece,
  /** Where the job that wrote this version is held: the original and each copy that succeeded. */
  copies: copiesJson(copiesOf(e.job)),
});

/**
 * An encrypted tape is unlocked when a secret can be had; otherwise (a script without
 * one) its tree is still shown, with names locked, and a note says how to unlock.
 */
const browseNames = async (io: Io, app: App, tape: string, options: SecretOptions): Promise<E.Either<AppError, Names>> => {
  const parsed = tapeIdFromInput(tape);
  const encrypted = E.isRight(parsed) && (await app.catalog.tape(parsed.right))?.encrypted === true;
  if (!encrypted) return E.right(PLAIN_NAMES);
  if (!secretAvailable(io, options)) {
    io.err(`note: tape ${tape} is encrypted and no key was given: names are shown locked (unlock with ${SECRET_OPTIONS})`);
    return E.right(LOCKED_NAMES);
  }
  const unlocked = await unlockForCommand(io, app, tape, options);
  return E.map((u: Unlocked | undefined) => u?.names ?? PLAIN_NAMES)(unlocked);
};

export const registerBrowse = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('browse')
    .description("one level of a tape's tree as of a backup job (default: the latest), with sizes and versions; --recursive: the whole tree below")
    .argument('<tape>', 'tape id (barcode)')
    .argument('[dir]', 'an original absolute path; none: the backup roots')
    .option('--job <job>', 'the backup job to look at (id, prefix, or the 8-character short id)')
    .option('-R, --recursive', 'list everything below, each folder followed by its contents (as restic ls does)')
    .option('--json', 'print as JSON');
  withKeyOptions(command)
    .action((tape: string, dir: string | undefined, options: { job?: string; recursive?: boolean; json?: boolean; key?: string; passphraseFile?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const names = await browseNames(io, app, tape, options);
        if (E.isLeft(names)) return names;
        const result = await browse(app, { tape, dir: dir === undefined ? undefined : nameFromInput(dir), job: options.job, recursive: options.recursive === true }, names.right);
        if (E.isLeft(result)) return result;
        const s = io.style;
        const copiesOf = await copiesOfJobs(app, result.right.entries.map((e) => e.job));
        if (options.json === true) printJson(io, { tape: result.right.tape, asOfJob: result.right.asOfJob, dir: result.right.dir ?? null, entries: result.right.entries.map(entryJson(copiesOf)) });
        else {
          // The roots, and a recursive listing, show whole paths; one level shows names.
          const whole = dir === undefined || options.recursive === true;
          const labels = await app.catalog.labels.ofTape(result.right.tape);
          io.out(s.dim(`${result.right.tape} as of job ${shortId(result.right.asOfJob)}: ${displayName(result.right.dir ?? 'backup roots')}`) + (labels.length === 0 ? '' : `  ${renderLabels(labels, s)}`));
          io.out(
            renderTable(
              result.right.entries,
              [
                { header: 'NAME', value: (e) => (e.type === 'dir' ? s.blue(`${displayName(whole ? e.path : e.name)}/`) : e.type === 'symlink' ? s.cyan(`${displayName(whole ? e.path : e.name)} -> ${displayName(e.target ?? '')}`) : displayName(whole ? e.path : e.name)) },
                { header: 'SIZE', value: (e) => (e.type !== 'file' ? '' : e.piece === null ? formatBytes(e.size) : `${formatBytes(e.size)} (${formatBytes(e.piece.length)} here)`), align: 'right' },
                { header: 'MODIFIED', value: (e) => formatLocalTime(nsToIso(e.mtimeNs)) },
                { header: 'VERSIONS', value: (e) => String(e.versions), align: 'right' },
                { header: 'JOB', value: (e) => shortId(e.job) },
                { header: 'COPIES', value: (e) => copiesText(copiesOf(e.job)) },
              ],
              s,
            ),
          );
        }
        return ok;
      }),
    );
};
