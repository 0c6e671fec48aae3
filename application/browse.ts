import { holdsArchive } from '../domain/events';
import * as E from 'fp-ts/Either';
import { splitPath } from '../projections/files';
import type { BrowseRow } from '../projections/ports/browse-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { findBackupJob } from './jobs-lookup';
import { tapeIdFromInput } from './tape-id-input';
import { PLAIN_NAMES, type Names } from './entry-names';

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

/** An entry, and the folder path the catalog holds it under (sealed on an encrypted tape): what a recursive listing descends by. */
interface Found {
  readonly entry: BrowseEntry;
  readonly stored: string;
}

const toEntry = (names: Names) => (row: BrowseRow): Found[] => {
  if (row.kind === 'deleted') return [];
  const { dir, name, kind, size, mtimeNs, job, target, versions, fileOffset, fileSize } = row;
  const stored = dir === '/' ? `/${name}` : `${dir}/${name}`;
  const path = names.open(stored);
  const entry: BrowseEntry = {
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    type: kind,
    size: fileSize ?? size,
    mtimeNs,
    job,
    versions,
    target: target === null ? null : names.openText(stored, target),
    piece: fileOffset === null ? null : { offset: fileOffset, length: size },
  };
  return [{ entry, stored }];
};

/** What to list, and how: one level (default) or the whole tree below it (`recursive`, as `restic ls` does). */
export interface BrowseInput {
  readonly tape: string;
  readonly dir: string | undefined;
  readonly job: string | undefined;
  readonly recursive?: boolean;
}

/**
 * A level of a tape's tree as of a backup job (default: the latest): the children of
 * `dir` (an original absolute path), or the backup roots when none is given; with
 * `recursive`, every entry below them too, each folder followed by its contents. A
 * folder the tape does not hold is an error. Browsing only reads the catalog: it is
 * not a job and records nothing (DESIGN: Browse is local only; catalogs from before
 * hold Browse jobs, which `lto jobs` leaves out).
 */
export const browse = async (app: App, input: BrowseInput, names: Names = PLAIN_NAMES): Promise<E.Either<AppError, BrowseResult>> => {
  const parsed = tapeIdFromInput(input.tape);
  if (E.isLeft(parsed)) return parsed;
  const tape = parsed.right;
  if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const asOf = await findBackupJob(app, tape, input.job);
  if (E.isLeft(asOf)) return asOf;
  const ordinal = asOf.right.ordinal;
  const dir = input.dir === undefined ? null : input.dir.length > 1 ? input.dir.replace(/\/+$/, '') : input.dir;
  if (dir !== null && names.sealed && names.tryOpen('/') === undefined) return E.left({ _tag: 'SecretNeeded', what: `the key of tape ${tape} (to browse a folder by name)`, options: '--key FILE, --passphrase-file FILE or LTO_PASSPHRASE' });
  const level = async (storedDir: string): Promise<Found[]> => (await app.catalog.browse.children(tape, ordinal, storedDir)).flatMap(toEntry(names));
  let top: Found[];
  if (dir === null) top = await rootEntries(app, tape, ordinal, names);
  else {
    const stored = names.path(dir);
    top = await level(stored);
    if (top.length === 0 && !(await folderHeld(app, tape, ordinal, stored))) return E.left({ _tag: 'FolderNotOnTape', tape, dir, asOfJob: asOf.right.id });
  }
  const entries = input.recursive === true ? await withDescendants(top, level) : top;
  return E.right({ tape, asOfJob: asOf.right.id, dir, entries: entries.map((f) => f.entry) });
};

/** Each entry followed by everything below it (depth first, names in order). */
const withDescendants = async (found: readonly Found[], level: (storedDir: string) => Promise<Found[]>): Promise<Found[]> => {
  const out: Found[] = [];
  for (const f of found) {
    out.push(f);
    if (f.entry.type === 'dir') out.push(...(await withDescendants(await level(f.stored), level)));
  }
  return out;
};

/** The tape holds this folder as of the job: as an entry, or as a folder at or above entries it holds (`/`, a source's parent). */
const folderHeld = async (app: App, tape: string, ordinal: number, stored: string): Promise<boolean> => {
  if (stored === '/') return app.catalog.browse.holdsAnything(tape);
  const [parent, name] = splitPath(stored);
  return (await app.catalog.browse.heldAsFolder(tape, ordinal, parent, name)) || (await app.catalog.browse.foldersHolding(tape, ordinal, stored, 1)).length > 0;
};

/**
 * The backup roots: each source of the tape's backups as an entry. A later part of a
 * backup that spans tapes may not hold the source folder itself (an earlier tape does):
 * then the highest folders under it that this tape holds entries of stand in for it.
 */
const rootEntries = async (app: App, tape: string, ordinal: number, names: Names): Promise<Found[]> => {
  const found: Found[] = [];
  for (const root of await rootsOf(app, tape, ordinal)) {
    const [parent, name] = splitPath(root);
    const itself = (await app.catalog.browse.child(tape, ordinal, parent, name)).flatMap(toEntry(names));
    if (itself.length > 0) {
      found.push(...itself);
      continue;
    }
    for (const dir of await highestFoldersBelow(app, tape, ordinal, root)) found.push(...(await app.catalog.browse.children(tape, ordinal, dir)).flatMap(toEntry(names)));
  }
  return found;
};

/** Folders at or below `root` holding entries on this tape whose own parent holds none here. */
const highestFoldersBelow = async (app: App, tape: string, ordinal: number, root: string): Promise<string[]> => {
  const held = new Set(await app.catalog.browse.foldersHolding(tape, ordinal, root));
  return [...held].filter((dir) => !held.has(splitPath(dir)[0]));
};

/** The source roots of the tape's backups up to a job, without duplicates. */
const rootsOf = async (app: App, tape: string, ordinal: number): Promise<string[]> => {
  const roots = (await app.catalog.jobs({ tape }))
    .filter((j) => holdsArchive(j.type) && j.ordinal <= ordinal)
    .flatMap((j) => j.sources ?? []);
  return [...new Set(roots)].sort();
};
