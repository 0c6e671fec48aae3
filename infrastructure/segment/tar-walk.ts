/**
 * A defensive tar walker: any tar stream (pax 'x'/'g', ustar, old GNU 'L'/'K' long
 * names), never throwing or looping on hostile bytes: damage comes back as a typed
 * problem with its offset.
 */

import { nameText } from '../../domain/name-bytes';
import { BLOCK, MAX_META_BYTES, type TarEntry, paddedSize, NAME_LEN, PREFIX_LEN, LINK_LEN, NS_PER_S, checksumOf } from './tar-entry';

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
