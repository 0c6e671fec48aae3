import { paddedSize, type PaxExtra } from './tar-header';

/**
 * GNU tar's pax sparse format 1.0 (what `tar --sparse --format=pax` writes and any
 * GNU tar extracts as a sparse file): the member is named `<dir>/GNUSparseFile.0/<name>`,
 * its pax header carries `GNU.sparse.major=1`, `GNU.sparse.minor=0`,
 * `GNU.sparse.name` (the real name) and `GNU.sparse.realsize`, and its data is a map
 * (decimal text: the number of extents, then each extent's offset and length, one
 * number a line, padded with zeros to 512 bytes) followed by the extents' bytes.
 */
export type Extent = readonly [offset: number, length: number];

/**
 * The map block that starts the member's data. A file that ends in a hole gets a last
 * extent (realSize, 0), as GNU tar writes it: that is how an extracting tar learns the size.
 */
export const sparseMap = (extents: readonly Extent[], realSize: number): Buffer => {
  const last = extents[extents.length - 1];
  const all: readonly Extent[] = last !== undefined && last[0] + last[1] === realSize ? extents : [...extents, [realSize, 0]];
  const text = [String(all.length), ...all.flatMap(([offset, length]) => [String(offset), String(length)])].join('\n') + '\n';
  const map = Buffer.alloc(paddedSize(Buffer.byteLength(text)));
  map.write(text, 'ascii');
  return map;
};

/** The member name GNU tar gives a sparse file (the real name goes in GNU.sparse.name). */
export const sparseMemberPath = (path: string): string => {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? `GNUSparseFile.0/${path}` : `${path.slice(0, cut)}/GNUSparseFile.0/${path.slice(cut + 1)}`;
};

export const sparseRecords = (path: string, realSize: number): PaxExtra[] => [
  ['GNU.sparse.major', '1'],
  ['GNU.sparse.minor', '0'],
  ['GNU.sparse.name', path],
  ['GNU.sparse.realsize', String(realSize)],
];

/** Bytes of data in the extents. */
export const extentBytes = (extents: readonly Extent[]): number => extents.reduce((sum, [, length]) => sum + length, 0);
