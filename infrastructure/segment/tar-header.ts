/**
 * POSIX pax (ustar + extended headers) encoding and a defensive decoder.
 *
 * A segment is a plain pax tar stream: GNU tar, bsdtar and any POSIX pax reader list
 * and extract it on their own. The encoder writes a ustar header for every entry and
 * adds a pax extended header ('x') only when a field does not fit ustar. The decoder
 * walks any tar stream (pax 'x'/'g', ustar, old GNU 'L'/'K' long names) and never
 * throws or loops on hostile bytes: damage comes back as a typed problem with its offset.
 */

import { isNameText, nameByteLength, nameBytes as textBytes, nameText } from '../../domain/name-bytes';

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

// ---------------------------------------------------------------------------------------------
// Encoding

const NAME_LEN = 100;
const PREFIX_LEN = 155;
const LINK_LEN = 100;
/** 11 octal digits: sizes and times up to 8^11 - 1 fit the 12-byte fields. */
const MAX_OCTAL_11 = 0o77777777777;
/** 7 octal digits: uid, gid and mode fields (8 bytes). */
const MAX_OCTAL_7 = 0o7777777;
const NS_PER_S = 1_000_000_000n;
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

const checksumOf = (block: Buffer, signed: boolean): number => {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    sum += signed && b > 127 ? b - 256 : b;
  }
  return sum;
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

// ---------------------------------------------------------------------------------------------
// Decoding

/** Random access to the bytes of a tar stream. `read` returns fewer bytes only at the end. */
export interface ByteSource {
  readonly size: number;
  /** The returned buffer is valid until the next call. May throw (a file source's I/O error). */
  read(offset: number, length: number): Buffer;
}

export const bufferSource = (bytes: Buffer): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
});

/** What the decoder lists: hard links are stepped over like other kinds. */
export type ListedTarEntry = TarEntry & { readonly type: 'file' | 'dir' | 'symlink' };

export interface DecodedEntry {
  readonly entry: ListedTarEntry;
  /** Where the entry's first header block starts (its pax or GNU long-name header, if any). */
  readonly headerOffset: number;
  /** Where its data starts (right after its ustar header). */
  readonly dataOffset: number;
}

export type TarProblemKind =
  /** A header block whose checksum does not match (damage, or not a tar at all). */
  | 'bad-checksum'
  /** The stream ends inside a header, inside metadata, or before the end-of-archive blocks. */
  | 'truncated'
  /** An entry's data would run past the end of the stream. */
  | 'size-beyond-end'
  /** A numeric header field that is not octal / base-256, or out of range. */
  | 'bad-field'
  /** A malformed pax record (length, '=', final LF, value). */
  | 'bad-pax'
  /** A pax or long-name payload larger than MAX_META_BYTES. */
  | 'too-large';

export interface TarProblem {
  readonly _tag: 'TarDamaged';
  readonly kind: TarProblemKind;
  /** Byte offset of the block (or record) at fault. */
  readonly offset: number;
  readonly detail: string;
}

export interface TarListing {
  readonly entries: readonly DecodedEntry[];
  /** True when the stream ends with the end-of-archive blocks and nothing went wrong. */
  readonly complete: boolean;
  /** The first problem: where a walk without `resync` stopped. */
  readonly problem?: TarProblem;
  /** Every problem met, in order (more than one only with `resync`). */
  readonly problems: readonly TarProblem[];
  /** Where the archive ends (after its end blocks) or where the walk stopped. */
  readonly endOffset: number;
}

export interface DecodeOptions {
  /**
   * Salvage mode: after a damaged header, go on block by block looking for the next
   * header that checks out, instead of stopping.
   */
  readonly resync?: boolean;
}

interface Attributes {
  path?: string;
  linkpath?: string;
  size?: number;
  mtimeNs?: bigint;
  uid?: number;
  gid?: number;
}

class Damage {
  constructor(readonly problem: TarProblem) {}
}

const damage = (kind: TarProblemKind, offset: number, detail: string): Damage => new Damage({ _tag: 'TarDamaged', kind, offset, detail });

const isZeroBlock = (block: Buffer): boolean => {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
};

/** The bytes of a NUL-terminated field. */
const cString = (block: Buffer, offset: number, width: number): Buffer => {
  const field = block.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
};

/** An octal (optionally space/NUL padded) or GNU base-256 number field, or a Damage. */
const numberField = (block: Buffer, offset: number, width: number, name: string, at: number): bigint | Damage => {
  const first = block[offset] ?? 0;
  if ((first & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement, the top bit of the first byte is the marker.
    const negative = (first & 0x40) !== 0;
    let value = BigInt(first & 0x3f) - (negative ? 0x40n : 0n);
    for (let i = 1; i < width; i++) value = value * 256n + BigInt(block[offset + i] ?? 0);
    return value;
  }
  const end = offset + width;
  let allNul = true;
  for (let j = offset; j < end; j++) if (block[j] !== 0) allNul = false;
  if (allNul) return 0n; // an empty field (devmajor, some writers' uid): zero
  let i = offset;
  while (i < end && block[i] === 0x20) i++;
  let value = 0n;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i] ?? 0;
    if (c >= 0x30 && c <= 0x37) {
      value = value * 8n + BigInt(c - 0x30);
      digits++;
    } else if (c === 0x20 || c === 0) {
      break;
    } else {
      return damage('bad-field', at, `${name} field is not octal`);
    }
  }
  for (; i < end; i++) {
    if (block[i] !== 0x20 && block[i] !== 0) return damage('bad-field', at, `${name} field has bytes after its terminator`);
  }
  if (digits === 0) return 0n;
  return value;
};

const safeNumber = (value: bigint | Damage, name: string, at: number): number | Damage => {
  if (value instanceof Damage) return value;
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) return damage('bad-field', at, `${name} is out of range`);
  return Number(value);
};

const DECIMAL = /^[0-9]{1,16}$/;
const PAX_TIME = /^(-?)([0-9]{1,20})(?:\.([0-9]*))?$/;

const parsePaxTime = (value: string): bigint | undefined => {
  const m = PAX_TIME.exec(value);
  if (m === null) return undefined;
  const seconds = BigInt(m[2] ?? '0');
  const fraction = BigInt(((m[3] ?? '') + '000000000').slice(0, 9));
  const abs = seconds * NS_PER_S + fraction;
  return m[1] === '-' ? -abs : abs;
};

const parseDecimal = (value: string): number | undefined => {
  if (!DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
};

/**
 * Parses pax records into `into` (an empty value deletes the key, as POSIX says), or
 * returns a Damage. Keys other than path, linkpath, size, mtime, uid and gid are ignored.
 */
const parsePax = (data: Buffer, at: number, into: Attributes, global: boolean): Damage | undefined => {
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding after the last record: tolerated
    let lengthEnd = pos;
    while (lengthEnd < data.length && lengthEnd - pos < 12 && (data[lengthEnd] ?? 0) >= 0x30 && (data[lengthEnd] ?? 0) <= 0x39) lengthEnd++;
    if (lengthEnd === pos || data[lengthEnd] !== 0x20) return damage('bad-pax', at + pos, 'pax record without a length');
    const length = Number(data.toString('ascii', pos, lengthEnd));
    const end = pos + length;
    if (length <= lengthEnd - pos + 1 || end > data.length) return damage('bad-pax', at + pos, 'pax record length out of bounds');
    if (data[end - 1] !== 0x0a) return damage('bad-pax', at + pos, 'pax record does not end with LF');
    const body = data.subarray(lengthEnd + 1, end - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) return damage('bad-pax', at + pos, "pax record without '='");
    const key = body.toString('utf8', 0, eq);
    const value = nameText(body.subarray(eq + 1));
    const problem = applyPax(into, key, value, global);
    if (problem !== undefined) return damage('bad-pax', at + pos, problem);
    pos = end;
  }
  return undefined;
};

const applyPax = (into: Attributes, key: string, value: string, global: boolean): string | undefined => {
  const unset = value.length === 0;
  switch (key) {
    case 'path':
      if (!global) into.path = unset ? undefined : value;
      return undefined;
    case 'linkpath':
      if (!global) into.linkpath = unset ? undefined : value;
      return undefined;
    case 'size': {
      if (global) return undefined;
      if (unset) {
        into.size = undefined;
        return undefined;
      }
      const n = parseDecimal(value);
      if (n === undefined) return 'pax size is not a decimal integer';
      into.size = n;
      return undefined;
    }
    case 'uid':
    case 'gid': {
      if (unset) {
        into[key] = undefined;
        return undefined;
      }
      const n = parseDecimal(value);
      if (n === undefined) return `pax ${key} is not a decimal integer`;
      into[key] = n;
      return undefined;
    }
    case 'mtime': {
      if (unset) {
        into.mtimeNs = undefined;
        return undefined;
      }
      const t = parsePaxTime(value);
      if (t === undefined) return 'pax mtime is not a decimal time';
      into.mtimeNs = t;
      return undefined;
    }
    default:
      return undefined;
  }
};

interface RawHeader {
  readonly name: string;
  readonly linkname: string;
  readonly typeflag: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
}

const parseHeader = (block: Buffer, at: number): RawHeader | Damage => {
  const stored = numberField(block, 148, 8, 'checksum', at);
  if (stored instanceof Damage) return damage('bad-checksum', at, 'checksum field is not octal');
  if (stored !== BigInt(checksumOf(block, false)) && stored !== BigInt(checksumOf(block, true))) {
    return damage('bad-checksum', at, 'header checksum does not match');
  }
  const mode = safeNumber(numberField(block, 100, 8, 'mode', at), 'mode', at);
  if (mode instanceof Damage) return mode;
  const uid = safeNumber(numberField(block, 108, 8, 'uid', at), 'uid', at);
  if (uid instanceof Damage) return uid;
  const gid = safeNumber(numberField(block, 116, 8, 'gid', at), 'gid', at);
  if (gid instanceof Damage) return gid;
  const size = safeNumber(numberField(block, 124, 12, 'size', at), 'size', at);
  if (size instanceof Damage) return size;
  const mtime = numberField(block, 136, 12, 'mtime', at);
  if (mtime instanceof Damage) return mtime;
  const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
  const nameBytes = cString(block, 0, NAME_LEN);
  const prefixBytes = ustar ? cString(block, 345, PREFIX_LEN) : Buffer.alloc(0);
  const name = prefixBytes.length > 0 ? `${nameText(prefixBytes)}/${nameText(nameBytes)}` : nameText(nameBytes);
  return {
    name,
    linkname: nameText(cString(block, 157, LINK_LEN)),
    typeflag: String.fromCharCode(block[156] ?? 0),
    mode: mode & 0o7777,
    uid,
    gid,
    size,
    mtimeNs: mtime * NS_PER_S,
  };
};

/** Types that carry no data whatever their size field says (POSIX: links, devices, dirs, FIFOs). */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6']);

/** A stored name as an entry path: no leading '/' (as tar extracts it), no trailing '/'. */
const entryPath = (name: string): string => {
  let p = name;
  while (p.startsWith('/')) p = p.slice(1);
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
};

/**
 * Walks a tar stream header by header, skipping data (it is never read). Never throws
 * for any bytes of a buffer source, and takes at most size/512 steps.
 *
 * Entries of other kinds (hard links, devices, FIFOs, GNU sparse/volume headers) are
 * stepped over and not listed.
 */
export const walkTar = (source: ByteSource, options: DecodeOptions = {}): TarListing => {
  const entries: DecodedEntry[] = [];
  const problems: TarProblem[] = [];
  const globals: Attributes = {};
  let local: Attributes = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let entryStart = -1;
  let offset = 0;
  let complete = false;

  const resetLocal = (): void => {
    local = {};
    longName = undefined;
    longLink = undefined;
    entryStart = -1;
  };
  /** Records a problem; returns true when the walk goes on (resync). */
  const report = (d: Damage): boolean => {
    problems.push(d.problem);
    return options.resync === true;
  };

  for (;;) {
    if (offset >= source.size) {
      report(damage('truncated', offset, 'no end-of-archive blocks'));
      break;
    }
    const block = source.read(offset, BLOCK);
    if (block.length < BLOCK) {
      report(damage('truncated', offset, 'the stream ends inside a header block'));
      break;
    }
    if (isZeroBlock(block)) {
      const next = source.read(offset + BLOCK, BLOCK);
      if (next.length === BLOCK && isZeroBlock(next)) {
        complete = problems.length === 0;
        offset += 2 * BLOCK;
        break;
      }
      if (next.length < BLOCK) {
        report(damage('truncated', offset + BLOCK, 'the end-of-archive marker is a single zero block'));
        offset += BLOCK;
        break;
      }
      offset += BLOCK; // a lone zero block inside the archive: skipped, as GNU tar does
      continue;
    }
    const header = parseHeader(block, offset);
    if (header instanceof Damage) {
      if (!report(header)) break;
      resetLocal();
      offset += BLOCK;
      continue;
    }
    if (entryStart < 0) entryStart = offset;
    const dataOffset = offset + BLOCK;
    const flag = header.typeflag;

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const size = header.size;
      if (size > MAX_META_BYTES) {
        if (!report(damage('too-large', offset, `metadata of ${size} bytes`))) break;
        resetLocal();
        offset += BLOCK;
        continue;
      }
      const data = source.read(dataOffset, size);
      if (data.length < size) {
        report(damage('truncated', offset, 'the stream ends inside an extended header'));
        break;
      }
      if (flag === 'L' || flag === 'K') {
        const nul = data.indexOf(0);
        const value = nameText(nul < 0 ? data : data.subarray(0, nul));
        if (flag === 'L') longName = value;
        else longLink = value;
      } else {
        const scratch: Attributes = flag === 'g' ? { ...globals } : { ...local };
        const bad = parsePax(data, dataOffset, scratch, flag === 'g');
        if (bad !== undefined) {
          if (!report(bad)) break;
        } else if (flag === 'g') {
          Object.assign(globals, scratch);
          entryStart = -1;
        } else {
          local = scratch;
        }
      }
      offset = dataOffset + paddedSize(size);
      continue;
    }

    const attrs: Attributes = { ...globals, ...definedOnly(local) };
    const size = attrs.size ?? header.size;
    const carriesData = !NO_DATA.has(flag);
    if (carriesData && dataOffset + size > source.size) {
      report(damage('size-beyond-end', offset, `data of ${size} bytes runs past the end (${source.size - dataOffset} left)`));
      break;
    }
    const name = attrs.path ?? longName ?? header.name;
    const path = entryPath(name);
    const common = {
      path,
      mode: header.mode,
      mtimeNs: attrs.mtimeNs ?? header.mtimeNs,
      uid: attrs.uid ?? header.uid,
      gid: attrs.gid ?? header.gid,
    };
    let entry: ListedTarEntry | undefined;
    if (flag === '5' || ((flag === '0' || flag === '\0') && name.endsWith('/'))) entry = { ...common, type: 'dir', size: 0 };
    else if (flag === '0' || flag === '\0' || flag === '7') entry = { ...common, type: 'file', size };
    else if (flag === '2') entry = { ...common, type: 'symlink', size: 0, linkTarget: attrs.linkpath ?? longLink ?? header.linkname };
    if (entry !== undefined && path.length > 0) entries.push({ entry, headerOffset: entryStart, dataOffset });
    offset = dataOffset + (carriesData ? paddedSize(size) : 0);
    resetLocal();
  }
  const first = problems[0];
  return first === undefined ? { entries, complete, problems, endOffset: offset } : { entries, complete: false, problem: first, problems, endOffset: offset };
};

const definedOnly = (a: Attributes): Attributes => {
  const out: Attributes = {};
  if (a.path !== undefined) out.path = a.path;
  if (a.linkpath !== undefined) out.linkpath = a.linkpath;
  if (a.size !== undefined) out.size = a.size;
  if (a.mtimeNs !== undefined) out.mtimeNs = a.mtimeNs;
  if (a.uid !== undefined) out.uid = a.uid;
  if (a.gid !== undefined) out.gid = a.gid;
  return out;
};

/** Walks a tar stream held in memory (see `walkTar`). Never throws. */
export const decodeHeaders = (bytes: Buffer, options: DecodeOptions = {}): TarListing => walkTar(bufferSource(bytes), options);
