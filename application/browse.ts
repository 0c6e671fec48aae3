import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { JobId } from '../domain/ids';
import { splitPath } from '../projections/files';
import type { App } from './app';
import type { AppError } from './errors';
import { mintId } from './ids';
import { JobRecorder } from './job-recorder';
import { findBackupJob } from './jobs-lookup';
import { tapeIdFromInput } from './tape-id-input';
import { PLAIN_NAMES, type Names } from './names';

export interface BrowseEntry {
  readonly path: string;
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly size: number;
  readonly mtimeNs: string;
  /** The job that archived this version. */
  readonly job: string;
  /** How many versions of it the tape holds up to the job browsed. */
  readonly versions: number;
  readonly target: string | null;
  /** A file split across tapes by a backup that spans them: the piece this tape holds (`size` is the whole file's). */
  readonly piece: { readonly offset: number; readonly length: number } | null;
}

export interface BrowseResult {
  readonly tape: string;
  readonly asOfJob: string;
  readonly dir: string | null;
  readonly entries: readonly BrowseEntry[];
}

const Row = t.type({
  dir: t.string,
  name: t.string,
  kind: t.keyof({ file: null, dir: null, symlink: null, deleted: null }),
  size: t.number,
  mtime_ns: t.string,
  job: t.string,
  target: t.union([t.string, t.null]),
  versions: t.number,
  file_offset: t.union([t.number, t.null]),
  file_size: t.union([t.number, t.null]),
});

const LATEST = `
  SELECT d.path AS dir, e.name, e.kind, e.size, e.mtime_ns, e.job, e.target,
         (SELECT count(*) FROM entries v WHERE v.dir_id = e.dir_id AND v.name = e.name AND v.ordinal <= @ordinal AND v.kind != 'deleted') AS versions,
         x.file_offset, x.file_size
  FROM entries e JOIN dirs d ON d.id = e.dir_id
  LEFT JOIN file_extents x ON x.job = e.job AND x.segment = e.segment AND x.offset = e.offset
  WHERE d.tape = @tape AND %WHERE%
    AND e.id = (SELECT e2.id FROM entries e2 WHERE e2.dir_id = e.dir_id AND e2.name = e.name AND e2.ordinal <= @ordinal
                ORDER BY e2.ordinal DESC, e2.id DESC LIMIT 1)
  ORDER BY e.name`;

const toEntry = (names: Names) => (row: unknown): BrowseEntry[] => {
  const r = Row.decode(row);
  if (r._tag === 'Left' || r.right.kind === 'deleted') return [];
  const { dir, name, kind, size, mtime_ns, job, target, versions, file_offset, file_size } = r.right;
  const stored = dir === '/' ? `/${name}` : `${dir}/${name}`;
  const path = names.open(stored);
  return [
    {
      path,
      name: path.slice(path.lastIndexOf('/') + 1),
      type: kind,
      size: file_size ?? size,
      mtimeNs: mtime_ns,
      job,
      versions,
      target: target === null ? null : names.openText(stored, target),
      piece: file_offset === null ? null : { offset: file_offset, length: size },
    },
  ];
};

/**
 * One level of a tape's tree as of a backup job (default: the latest): the children of
 * `dir` (an original absolute path), or the backup roots when none is given. A browse
 * is a job too, recorded locally only (it never writes to the tape).
 */
export const browse = (
  app: App,
  input: { tape: string; dir: string | undefined; job: string | undefined },
  names: Names = PLAIN_NAMES,
): E.Either<AppError, BrowseResult> => {
  const parsed = tapeIdFromInput(input.tape);
  if (E.isLeft(parsed)) return parsed;
  const tape = parsed.right;
  if (app.catalog.tape(tape) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const asOf = findBackupJob(app, tape, input.job);
  if (E.isLeft(asOf)) return asOf;
  const ordinal = asOf.right.ordinal;
  const dir = input.dir === undefined ? null : input.dir.length > 1 ? input.dir.replace(/\/+$/, '') : input.dir;
  if (dir !== null && names.sealed && names.tryOpen('/') === undefined) return E.left({ _tag: 'SecretNeeded', what: `the key of tape ${tape} (to browse a folder by name)`, options: '--key FILE, --passphrase-file FILE or LTO_PASSPHRASE' });
  const stored = dir === null ? null : names.path(dir);
  const entries =
    dir === null
      ? rootsOf(app, tape, ordinal).flatMap((root) => {
          const [parent, name] = splitPath(root);
          return app.db.prepare(LATEST.replace('%WHERE%', 'd.path = @dir AND e.name = @name')).all({ tape, ordinal, dir: parent, name }).flatMap(toEntry(names));
        })
      : app.db.prepare(LATEST.replace('%WHERE%', 'd.path = @dir')).all({ tape, ordinal, dir: stored }).flatMap(toEntry(names));

  const job = mintId(JobId, app.newId());
  const recorder = new JobRecorder(app, tape, job, undefined, true);
  const started = recorder.record({ type: 'StartJob', job, tape, jobType: 'BROWSE', encrypted: names.sealed, host: app.host }, { pid: app.pid });
  if (E.isLeft(started)) return started;
  const done = recorder.record({ type: 'CompleteJob', job, totals: { files: entries.length, bytesRead: 0, bytesWritten: 0, warnings: 0 } });
  if (E.isLeft(done)) return done;
  return E.right({ tape, asOfJob: asOf.right.id, dir, entries });
};

/** The source roots of the tape's backups up to a job, without duplicates. */
const rootsOf = (app: App, tape: string, ordinal: number): string[] => {
  const roots = app.catalog
    .jobs({ tape })
    .filter((j) => j.type === 'BACKUP' && j.ordinal <= ordinal)
    .flatMap((j) => j.sources ?? []);
  return [...new Set(roots)].sort();
};
