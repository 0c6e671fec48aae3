import * as E from 'fp-ts/Either';
import type { ArchivedEntry } from '../../domain/events';
import type { ScannedEntry } from '../../infrastructure/scan/walk';
import { SegmentWriter, describeSegmentError, type SegmentError } from '../../infrastructure/segment';
import type { Names } from '../names';
import { estimateTarBytes } from './plan';
import type { PlannedEntry } from './scan-table';

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
  | { readonly _tag: 'ok'; readonly entry: ArchivedEntry; readonly changed: boolean }
  | { readonly _tag: 'warning'; readonly reason: string }
  | { readonly _tag: 'fatal'; readonly reason: string };

/**
 * One planned entry into the segment. The entry's path is as catalogued; the source is
 * read, and the tar inside the segment is written, under the real path (on an
 * encrypted tape the whole tar is sealed).
 */
export const addEntry = async (writer: SegmentWriter, entry: PlannedEntry, names: Names, piece?: Piece): Promise<Added> => {
  const source = names.open(entry.path);
  // A piece's tar member is named apart (FORMAT.md): extracted by tar alone, pieces never overwrite each other or pass for the file.
  const member = piece === undefined ? tarPath(source) : `${tarPath(source)}${pieceSuffix(piece.from)}`;
  const header = { path: member, mode: entry.mode, mtimeNs: entry.mtimeNs, uid: entry.uid, gid: entry.gid };
  const fatal = (e: SegmentError): Added => ({ _tag: 'fatal', reason: describeSegmentFailure(names.sealed && e._tag === 'SegmentEntryInvalid' ? { ...e, entryPath: '(a sealed name)' } : e) });
  if (entry.kind !== 'file') {
    const r =
      entry.kind === 'dir'
        ? await writer.addDirectory(header)
        : await writer.addSymlink({ ...header, linkTarget: entry.target === undefined ? '' : names.openText(entry.path, entry.target) });
    return E.isLeft(r) ? fatal(r.left) : { _tag: 'ok', entry: archivedEntry(entry), changed: false };
  }
  const r = await writer.addFile(header, source, { size: entry.size, mtimeNs: entry.mtimeNs }, piece);
  if (E.isLeft(r)) {
    const problem = r.left;
    if (problem._tag === 'SourceUnreadable') return { _tag: 'warning', reason: `not archived: cannot ${problem.op} (${problem.code}): ${problem.message}` };
    return fatal(problem);
  }
  return {
    _tag: 'ok',
    entry: {
      ...archivedEntry(entry),
      offset: r.right.dataOffset,
      sha256: r.right.sha256,
      size: r.right.length,
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
