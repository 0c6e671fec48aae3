/**
 * POSIX pax encoding: a ustar header for every entry, and a pax extended header ('x')
 * only when a field does not fit ustar. What cannot be encoded is refused up front
 * (entryProblem), never written wrong.
 */

import { isNameText, nameByteLength, nameBytes as textBytes } from '../../domain/name-bytes';
import { BLOCK, MAX_NAME_BYTES, type TarEntryType, type TarEntry, dataPadding, NAME_LEN, PREFIX_LEN, LINK_LEN, NS_PER_S, checksumOf } from './tar-entry';

/** 11 octal digits: sizes and times up to 8^11 - 1 fit the 12-byte fields. */
const MAX_OCTAL_11 = 0o77777777777;
/** 7 octal digits: uid, gid and mode fields (8 bytes). */
const MAX_OCTAL_7 = 0o7777777;
const PAX_DIR = 'PaxHeaders/';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

const isPlainAscii = (s: string): boolean => PLAIN_ASCII.test(s);

/**
 * Why `entry` cannot be written as a tar entry that reads back the same, or undefined
 * when it can. Checked by `encodeHeader` (which throws) and by the segment writer
 * (which returns a typed error instead).
 */
export const entryProblem = (entry: TarEntry): string | undefined => {
  const p = entry.path;
  if (typeof p !== 'string' || p.length === 0) return 'path is empty';
  // A NUL is only the escape of a byte that is not UTF-8 (domain/name-bytes.ts); the header holds the byte itself.
  if (p.includes('\0') && !isNameText(p)) return 'path contains NUL';
  if (p.startsWith('/')) return 'path is absolute';
  if (LONE_SURROGATE.test(p)) return 'path is not valid Unicode (lone surrogate)';
  const trimmed = entry.type === 'dir' && p.endsWith('/') ? p.slice(0, -1) : p;
  for (const part of trimmed.split('/')) {
    if (part === '') return 'path has an empty component';
    if (part === '.' || part === '..') return `path has a '${part}' component`;
  }
  if (nameByteLength(p) > MAX_NAME_BYTES) return `path is longer than ${MAX_NAME_BYTES} bytes`;
  if (entry.type !== 'file' && entry.type !== 'dir' && entry.type !== 'symlink' && entry.type !== 'hardlink') return 'unknown entry type';
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) return 'size is not a non-negative integer';
  if (entry.type !== 'file' && entry.size !== 0) return 'only files have a size';
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) return 'mode is not within 0o7777';
  if (!Number.isSafeInteger(entry.uid) || entry.uid < 0) return 'uid is not a non-negative integer';
  if (!Number.isSafeInteger(entry.gid) || entry.gid < 0) return 'gid is not a non-negative integer';
  if (typeof entry.mtimeNs !== 'bigint') return 'mtimeNs is not a bigint';
  const extraProblem = extrasProblem(entry);
  if (extraProblem !== undefined) return extraProblem;
  if (entry.type === 'symlink' || entry.type === 'hardlink') {
    const t = entry.linkTarget;
    if (typeof t !== 'string' || t.length === 0) return `${entry.type} without a target`;
    if (t.includes('\0') && !isNameText(t)) return 'symlink target contains NUL';
    if (LONE_SURROGATE.test(t)) return 'symlink target is not valid Unicode (lone surrogate)';
    if (nameByteLength(t) > MAX_NAME_BYTES) return `symlink target is longer than ${MAX_NAME_BYTES} bytes`;
  } else if (entry.linkTarget !== undefined) {
    return 'only symlinks and hard links have a target';
  }
  return undefined;
};

/** Why owner names or extra pax records cannot be written, or undefined. */
const extrasProblem = (entry: TarEntry): string | undefined => {
  for (const name of [entry.uname, entry.gname]) {
    if (name !== undefined && (name.includes('\0') || name.includes('\n') || LONE_SURROGATE.test(name))) return 'owner name contains NUL, a newline or a lone surrogate';
  }
  for (const [key, value] of entry.pax ?? []) {
    if (key.length === 0 || key.includes('=') || key.includes('\0') || key.includes('\n') || LONE_SURROGATE.test(key)) return 'pax record key is empty or contains =, NUL or a newline';
    if (value.length > MAX_NAME_BYTES) return `pax record ${key} is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
};

/** The name as stored: directories end in '/'. */
const storedName = (entry: TarEntry): string => (entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path);

/** Splits an ASCII name into ustar prefix (<= 155) and name (<= 100) at a '/', or undefined. */
const splitUstar = (name: string): { prefix: string; name: string } | undefined => {
  if (name.length <= NAME_LEN) return { prefix: '', name };
  // The longest prefix that fits leaves the shortest name; the name must not be empty.
  for (let i = Math.min(PREFIX_LEN, name.length - 2); i > 0; i--) {
    if (name.charCodeAt(i) === 0x2f) {
      const rest = name.length - i - 1;
      if (rest > NAME_LEN) return undefined;
      if (rest >= 1) return { prefix: name.slice(0, i), name: name.slice(i + 1) };
    }
  }
  return undefined;
};

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};

/** `<sec>.<9 digits>`, with a leading '-' for times before the epoch. */
export const formatPaxTime = (ns: bigint): string => {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  return `${sign}${abs / NS_PER_S}.${(abs % NS_PER_S).toString().padStart(9, '0')}`;
};

/** One pax record, `"%d %s=%s\n"`, whose length counts its own digits; a name's value is its exact bytes, a Buffer value goes in as its bytes. */
export const paxRecord = (key: string, value: string | Buffer): Buffer => {
  const bytes = typeof value === 'string' ? textBytes(value) : value;
  const base = Buffer.byteLength(` ${key}=\n`, 'utf8') + bytes.length;
  let digits = 1;
  while (String(base + digits).length !== digits) digits++;
  return Buffer.concat([Buffer.from(`${base + digits} ${key}=`, 'utf8'), bytes, Buffer.from('\n')]);
};

const writeString = (block: Buffer, offset: number, width: number, value: string): void => {
  block.write(value, offset, width, 'utf8');
};

/** `width - 1` zero-padded octal digits and a NUL. */
const writeOctal = (block: Buffer, offset: number, width: number, value: number): void => {
  block.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  block[offset + width - 1] = 0;
};


interface UstarFields {
  readonly name: string;
  readonly prefix: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname: string;
  readonly uname?: string;
  readonly gname?: string;
}

const ustarBlock = (f: UstarFields): Buffer => {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, NAME_LEN, f.name);
  writeOctal(block, 100, 8, f.mode);
  writeOctal(block, 108, 8, f.uid);
  writeOctal(block, 116, 8, f.gid);
  writeOctal(block, 124, 12, f.size);
  writeOctal(block, 136, 12, f.mtime);
  block.write(f.typeflag, 156, 1, 'ascii');
  writeString(block, 157, LINK_LEN, f.linkname);
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  if (f.uname !== undefined) writeString(block, 265, OWNER_LEN, f.uname);
  if (f.gname !== undefined) writeString(block, 297, OWNER_LEN, f.gname);
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  writeString(block, 345, PREFIX_LEN, f.prefix);
  // Six octal digits, NUL, space (as POSIX and GNU tar write it).
  block.write(checksumOf(block, false).toString(8).padStart(6, '0'), 148, 6, 'ascii');
  block[154] = 0;
  block[155] = 0x20;
  return block;
};

const TYPEFLAG: Record<TarEntryType, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1' };

/** ustar uname/gname: 32 bytes, NUL-terminated. */
const OWNER_LEN = 32;

/** An owner name for the ustar field, or undefined when it needs a pax record. */
const ustarOwner = (name: string | undefined): string | undefined => (name !== undefined && isPlainAscii(name) && name.length < OWNER_LEN ? name : undefined);

/** The pax header's own name: `PaxHeaders/<basename>`, plain ASCII, within 100 bytes. */
const paxHeaderName = (stored: string): string => {
  const parts = stored.split('/').filter((s) => s.length > 0);
  const base = (parts[parts.length - 1] ?? '_').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, NAME_LEN - PAX_DIR.length);
  return PAX_DIR + base;
};

/**
 * The header block(s) of one entry: a ustar header, preceded by a pax extended header
 * when the path, the link target, the size, the uid/gid or the time does not fit ustar
 * (a pax header also carries the time to the nanosecond). Throws a RangeError for an
 * entry that `entryProblem` refuses.
 */
export const encodeHeader = (entry: TarEntry): Buffer => {
  const problem = entryProblem(entry);
  if (problem !== undefined) throw new RangeError(`cannot encode tar entry: ${problem}`);
  return encodeCheckedHeader(entry);
};

/**
 * The header block(s) of an entry that `entryProblem` has already accepted (the segment
 * writer checks each entry once, as it is added, rather than twice per small file).
 */
export const encodeCheckedHeader = (entry: TarEntry): Buffer => {
  const stored = storedName(entry);
  const link = entry.type === 'symlink' || entry.type === 'hardlink' ? (entry.linkTarget ?? '') : '';
  const size = entry.type === 'file' ? entry.size : 0;
  const seconds = floorDiv(entry.mtimeNs, NS_PER_S);

  const split = isPlainAscii(stored) ? splitUstar(stored) : undefined;
  const records: Buffer[] = [];
  // A name that is not UTF-8 goes into its pax record as its bytes, as GNU tar writes it (GNU tar 1.34 writes no
  // `hdrcharset=BINARY` and warns about one it reads), so it goes into a pax record even when it is short.
  if (split === undefined) records.push(paxRecord('path', stored));
  if (link.length > 0 && (!isPlainAscii(link) || link.length > LINK_LEN)) records.push(paxRecord('linkpath', link));
  if (size > MAX_OCTAL_11) records.push(paxRecord('size', String(size)));
  if (entry.uid > MAX_OCTAL_7) records.push(paxRecord('uid', String(entry.uid)));
  if (entry.gid > MAX_OCTAL_7) records.push(paxRecord('gid', String(entry.gid)));
  if (entry.uname !== undefined && ustarOwner(entry.uname) === undefined) records.push(paxRecord('uname', entry.uname));
  if (entry.gname !== undefined && ustarOwner(entry.gname) === undefined) records.push(paxRecord('gname', entry.gname));
  const timeFits = seconds >= 0n && seconds <= BigInt(MAX_OCTAL_11);
  for (const [key, value] of entry.pax ?? []) records.push(paxRecord(key, value));
  if (records.length > 0 || !timeFits) records.push(paxRecord('mtime', formatPaxTime(entry.mtimeNs)));

  const ustarTime = timeFits ? Number(seconds) : seconds < 0n ? 0 : MAX_OCTAL_11;
  const ustar = ustarBlock({
    name: split?.name ?? truncateAscii(stored, NAME_LEN),
    prefix: split?.prefix ?? '',
    mode: entry.mode,
    uid: entry.uid > MAX_OCTAL_7 ? 0 : entry.uid,
    gid: entry.gid > MAX_OCTAL_7 ? 0 : entry.gid,
    size: size > MAX_OCTAL_11 ? 0 : size,
    mtime: ustarTime,
    typeflag: TYPEFLAG[entry.type],
    linkname: link.length > 0 && isPlainAscii(link) && link.length <= LINK_LEN ? link : truncateAscii(link, LINK_LEN),
    uname: ustarOwner(entry.uname),
    gname: ustarOwner(entry.gname),
  });
  if (records.length === 0) return ustar;

  const data = Buffer.concat(records);
  const paxHeader = ustarBlock({
    name: paxHeaderName(stored),
    prefix: '',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: ustarTime,
    typeflag: 'x',
    linkname: '',
  });
  return Buffer.concat([paxHeader, data, Buffer.alloc(dataPadding(data.length)), ustar]);
};

/** A stand-in for the ustar field when the real value lives in the pax header: printable ASCII only. */
const truncateAscii = (s: string, max: number): string => s.replace(/[^\x20-\x7e]/g, '_').slice(0, max);
