/**
 * The tar layout both the encoder (tar-encode.ts) and the walker (tar-walk.ts) rely on:
 * blocks, the entry an archive member describes, the ustar field widths, the checksum.
 */

export const BLOCK = 512;

/** Two zero blocks: the end-of-archive marker. Never mutate it. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

/** The longest path or symlink target an entry may have, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 64 * 1024;

/** The largest pax / GNU long-name payload the decoder accepts (a larger one is damage). */
export const MAX_META_BYTES = 1024 * 1024;

/** 'hardlink': a second name of a file archived earlier (typeflag '1', no data; `linkTarget` names the first). */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

/** A pax record added as it is (GNU tar's `SCHILY.xattr.<name>` and `SCHILY.acl.*`); a value may be any bytes. */
export type PaxExtra = readonly [key: string, value: string | Buffer];

export interface TarEntry {
  /** Relative, '/'-separated, e.g. "home/me/a.txt"; never starts with '/'; no trailing '/' needed for directories. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Bytes of data: files only, 0 for directories and symlinks. */
  readonly size: number;
  /** Permission bits (0o7777). */
  readonly mode: number;
  /** Modification time, nanoseconds since the epoch (may be negative). */
  readonly mtimeNs: bigint;
  readonly uid: number;
  readonly gid: number;
  /** Symlinks: the target, as stored (relative or absolute); hard links: the tar path of the first name. */
  readonly linkTarget?: string;
  /** Owner names (ustar uname/gname, or pax records when they do not fit). */
  readonly uname?: string;
  readonly gname?: string;
  /** More pax records (extended attributes, ACLs), written after the standard ones. */
  readonly pax?: readonly PaxExtra[];
}

/** Bytes of zero padding after `size` bytes of data, up to the next 512-byte block. */
export const dataPadding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** `size` rounded up to whole blocks. */
export const paddedSize = (size: number): number => size + dataPadding(size);

/** ustar field widths: name, prefix (joined to the name with '/'), link name. */
export const NAME_LEN = 100;
export const PREFIX_LEN = 155;
export const LINK_LEN = 100;
export const NS_PER_S = 1_000_000_000n;

/** The ustar header checksum: the block's bytes summed with the checksum field as spaces (signed: as old tars summed them). */
export const checksumOf = (block: Buffer, signed: boolean): number => {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    sum += signed && b > 127 ? b - 256 : b;
  }
  return sum;
};
