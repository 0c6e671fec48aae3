import * as E from 'fp-ts/Either';
import type { FolderEntry, PageStart } from '../projections/ports/folder-pages';
import type { App } from './app';
import { browse, type BrowseEntry, type BrowseInput } from './browse';
import type { AppError } from './errors';
import { findBackupJob } from './jobs-lookup';
import { PLAIN_NAMES, type Names } from './entry-names';
import { tapeIdFromInput } from './tape-id-input';

export interface BrowsePage {
  readonly tape: string;
  readonly asOfJob: string;
  readonly dir: string | null;
  /** The entries of this page, in name order. */
  readonly entries: readonly BrowseEntry[];
  /** Every entry of the folder (all pages). */
  readonly total: number;
}

/** `limit` entries from a position, or after / before a name (what a next / previous link carries). */
export type PageWindow = PageStart & { readonly limit: number };

const offsetOf = (window: PageWindow): number => ('offset' in window ? window.offset : 0);

const toEntry = (dir: string, r: FolderEntry): BrowseEntry => {
  const path = dir === '/' ? `/${r.name}` : `${dir}/${r.name}`;
  return {
    path,
    name: r.name,
    type: r.kind === 'deleted' ? 'file' : r.kind,
    size: r.fileSize ?? r.size,
    mtimeNs: r.mtimeNs,
    job: r.job,
    versions: r.versions,
    target: r.target,
    piece: r.fileOffset === null ? null : { offset: r.fileOffset, length: r.size },
  };
};

/** The same window over a whole listing (names in order). */
const sliceOf = (entries: readonly BrowseEntry[], window: PageWindow): readonly BrowseEntry[] => {
  if ('after' in window) return entries.filter((e) => e.name > window.after).slice(0, window.limit);
  if ('before' in window) return entries.filter((e) => e.name < window.before).slice(-window.limit);
  return entries.slice(offsetOf(window), offsetOf(window) + window.limit);
};

/**
 * `browse`, a page at a time (the web catalog): the same entries in the same order, but
 * only `limit` of them from `offset`, with the folder's count, so a folder of 100,000
 * entries answers as fast as one of 100. The backup roots, and an encrypted tape's
 * folders (names sealed), are listed whole by `browse` and cut here: they are few, or
 * need the names opened one by one.
 */
export const browsePage = async (app: App, input: BrowseInput, window: PageWindow, names: Names = PLAIN_NAMES): Promise<E.Either<AppError, BrowsePage>> => {
  const whole = async (): Promise<E.Either<AppError, BrowsePage>> =>
    E.map((r: { tape: string; asOfJob: string; dir: string | null; entries: readonly BrowseEntry[] }) => ({
      tape: r.tape,
      asOfJob: r.asOfJob,
      dir: r.dir,
      entries: sliceOf(r.entries, window),
      total: r.entries.length,
    }))(await browse(app, input, names));
  if (input.dir === undefined || names.sealed || input.recursive === true) return whole();
  const tape = tapeIdFromInput(input.tape);
  if (E.isLeft(tape)) return tape;
  if ((await app.catalog.tape(tape.right)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: tape.right });
  const asOf = await findBackupJob(app, tape.right, input.job);
  if (E.isLeft(asOf)) return asOf;
  const dir = input.dir.length > 1 ? input.dir.replace(/\/+$/, '') : input.dir;
  const q = app.catalog.folders;
  const where = { tape: tape.right, dir, ordinal: asOf.right.ordinal };
  const total = await q.count(where);
  // An empty folder, or one the tape does not hold: `browse` tells which.
  if (total === 0) return whole();
  const entries = (await q.page({ ...where, limit: window.limit }, window)).map((r) => toEntry(dir, r));
  return E.right({ tape: tape.right, asOfJob: asOf.right.id, dir, entries, total });
};
