import * as E from 'fp-ts/Either';
import type { ArchivedEntry } from '../../domain/events';
import type { ScannedEntry } from '../../infrastructure/scan/walk';
import { SegmentWriter, describeSegmentError, type SegmentError } from '../../infrastructure/segment';
import type { Names } from '../entry-names';
import { estimateTarBytes } from './plan';
import type { PlannedEntry } from '../../projections/ports/scan-table';
import { readSourceMetadata, xattrRecords, type SourceMetadata } from '../../infrastructure/meta/source-metadata';
import { xattrsText } from '../../infrastructure/meta/xattrs';
import type { HardLinks } from './hard-links';
import type { ArchivedMetadata } from '../../domain/events';

/** One planned entry into a segment: a whole file, folder or symlink, or a piece of a file split across tapes. */

const tarPath = (path: string): string => path.replace(/^\/+/, '');

const archivedEntry = (e: ScannedEntry): ArchivedEntry => ({
  path: e.path,
  kind: e.kind,
  size: e.kind === 'file' ? e.size : 0,
  mtimeNs: e.mtimeNs.toString(),
  ctimeNs: e.ctimeNs.toString(),
  inode: e.inode.toString(),
  mode: e.mode,
  uid: e.uid,
  gid: e.gid,
  ...(e.target === undefined ? {} : { target: e.target }),
});

/** A piece smaller than this is not worth splitting a file for: the file goes whole to the next tape. */
export const SPLIT_MIN_BYTES = 64 * 1024;

/** The longest piece of a file whose tar bytes fit in `room`, in whole 512-byte blocks. */
export const pieceThatFits = (room: number): number => Math.max(0, Math.floor((room - estimateTarBytes(0)) / 512) * 512);

/** A piece of a file split across tapes. */
export interface Piece {
  readonly from: number;
  readonly length: number;
}

export type Added =
  | { readonly _tag: 'ok'; readonly entry: ArchivedEntry; readonly changed: boolean; readonly metadataProblem?: string }
  | { readonly _tag: 'warning'; readonly reason: string }
  | { readonly _tag: 'fatal'; readonly reason: string };

/**
 * One planned entry into the segment. The entry's path is as catalogued; the source is
 * read, and the tar inside the segment is written, under the real path (on an
 * encrypted tape the whole tar is sealed).
 */
export const addEntry = async (writer: SegmentWriter, entry: PlannedEntry, names: Names, piece?: Piece, links?: HardLinks): Promise<Added> => {
  const source = names.open(entry.path);
  // A piece's tar member is named apart (FORMAT.md): extracted by tar alone, pieces never overwrite each other or pass for the file.
  const member = piece === undefined ? tarPath(source) : `${tarPath(source)}${pieceSuffix(piece.from)}`;
  const meta = readSourceMetadata(source, entry.kind, entry.uid, entry.gid, entry);
  const header = { path: member, mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid, ...ownerNames(meta), pax: xattrRecords(meta.xattrs) };
  const recorded = { ...archivedEntry(entry), ...archivedMetadata(meta, entry.path, names) };
  const problem = meta.problem === undefined ? {} : { metadataProblem: meta.problem };
  const fatal = (e: SegmentError): Added => ({ _tag: 'fatal', reason: describeSegmentFailure(names.sealed && e._tag === 'SegmentEntryInvalid' ? { ...e, entryPath: '(a sealed name)' } : e) });
  if (entry.kind !== 'file') {
    const r =
      entry.kind === 'dir'
        ? await writer.addDirectory(header)
        : await writer.addSymlink({ ...header, linkTarget: entry.target === undefined ? '' : names.openText(entry.path, entry.target) });
    return E.isLeft(r) ? fatal(r.left) : { _tag: 'ok', entry: recorded, changed: false, ...problem };
  }
  // A second name of a file archived whole in this job part: a link to the first, no data.
  const claim = piece === undefined && meta.linkKey !== undefined ? links?.claim(meta.linkKey) : undefined;
  if (claim !== undefined && 'first' in claim) {
    const first = await claim.first;
    if (first !== undefined) {
      const r = await writer.addHardLink({ ...header, linkTarget: first.member });
      return E.isLeft(r) ? fatal(r.left) : { _tag: 'ok', entry: { ...recorded, link: first.catalogued }, changed: false, ...problem };
    }
  }
  const settle = claim !== undefined && 'settle' in claim ? claim.settle : undefined;
  let archivedWhole = false;
  try {
    const added = await addData(writer, entry, source, header, recorded, piece === undefined ? meta.sparse : undefined, piece, fatal);
    archivedWhole = added._tag === 'ok' && !added.changed;
    return added._tag === 'ok' ? { ...added, ...problem } : added;
  } finally {
    settle?.(archivedWhole ? { catalogued: entry.path, member } : undefined);
  }
};

const ownerNames = (meta: SourceMetadata): { uname?: string; gname?: string } => ({
  ...(meta.uname === undefined ? {} : { uname: meta.uname }),
  ...(meta.gname === undefined ? {} : { gname: meta.gname }),
});

/** The entry's metadata as the catalog keeps it: names and attributes sealed on an encrypted tape. */
const archivedMetadata = (meta: SourceMetadata, storedPath: string, names: Names): ArchivedMetadata => {
  const xattrs = xattrsText(meta.xattrs);
  return {
    ...(meta.uname === undefined ? {} : { uname: names.text(storedPath, meta.uname) }),
    ...(meta.gname === undefined ? {} : { gname: names.text(storedPath, meta.gname) }),
    ...(xattrs === undefined ? {} : { xattrs: names.text(storedPath, xattrs) }),
  };
};

/** A file's data into the segment (a whole file or a piece). */
const addData = async (
  writer: SegmentWriter,
  entry: PlannedEntry,
  source: string,
  header: Parameters<SegmentWriter['addFile']>[0],
  recorded: ArchivedEntry,
  sparse: SourceMetadata['sparse'],
  piece: Piece | undefined,
  fatal: (e: SegmentError) => Added,
): Promise<Added> => {
  const expected = { size: entry.size, mtimeNs: entry.mtimeNs };
  const r = sparse === undefined ? await writer.addFile(header, source, expected, piece) : await writer.addSparseFile(header, source, expected, sparse);
  if (E.isLeft(r)) {
    const problem = r.left;
    if (problem._tag === 'SourceUnreadable') return { _tag: 'warning', reason: `not archived: cannot ${problem.op} (${problem.code}): ${problem.message}` };
    return fatal(problem);
  }
  return {
    _tag: 'ok',
    entry: {
      ...recorded,
      offset: r.right.dataOffset,
      sha256: r.right.sha256,
      // A sparse file's member holds its map and data; the entry keeps the file's size.
      size: sparse === undefined ? r.right.length : entry.size,
      ...(sparse === undefined ? {} : { sparse: sparse.map(([offset, length]): [number, number] => [offset, length]) }),
      ...(piece === undefined ? {} : { extent: { offset: piece.from, fileSize: entry.size } }),
    },
    changed: r.right.changedWhileRead,
  };
};

/** The tar member name of a piece: the file's name, then where the piece starts in it. */
export const pieceSuffix = (from: number): string => `.lto-extent-${from}`;

/** One line for the job's failure reason. */
export const describeSegmentFailure = (e: SegmentError): string =>
  'full' in e && e.full ? `the tape is full (${e.code})` : describeSegmentError(e);
