import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, errorMessage } from '../errno';
import { nameText } from '../../domain/name-bytes';
import { osPath } from '../os-path';

export type ScannedKind = 'file' | 'dir' | 'symlink';

/**
 * What the scan saw of one path (lstat: a symlink is itself, never followed), except a
 * source root that is a symlink to a folder: that is backed up as the folder, under the
 * root's own path (docs/FORMAT.md, Sources).
 */
export interface ScannedEntry {
  /** The path's text (domain/name-bytes.ts): exact for any bytes. */
  readonly path: string;
  readonly kind: ScannedKind;
  readonly size: number;
  readonly mtimeNs: bigint;
  /** Status change time: any write, rename over, chmod or link changes it, and nothing sets it back. */
  readonly ctimeNs: bigint;
  /** A file replaced by another (`mv` over it) has another inode, whatever its size and times. */
  readonly inode: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly target?: string;
  /**
   * A file's link count and 512-byte blocks as the scan saw them, so the backup need not
   * stat it again for hard links and holes (absent: not known, stat it when written).
   */
  readonly links?: number;
  readonly blocks?: number;
}

export type ScanItem =
  | { readonly _tag: 'entry'; readonly entry: ScannedEntry }
  | { readonly _tag: 'warning'; readonly path: string; readonly reason: string; readonly lost?: true };

const kindOf = (stat: fs.BigIntStats): ScannedKind | string => {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isSocket()) return 'a socket';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'of an unknown type';
};

const entryOf = (p: string, stat: fs.BigIntStats, kind: ScannedKind): ScannedEntry => ({
  path: p,
  kind,
  size: kind === 'file' ? Number(stat.size) : 0,
  mtimeNs: stat.mtimeNs,
  ctimeNs: stat.ctimeNs,
  inode: stat.ino,
  mode: Number(stat.mode & 0o7777n),
  uid: Number(stat.uid),
  gid: Number(stat.gid),
  ...(kind === 'symlink' ? { target: nameText(fs.readlinkSync(osPath(p), { encoding: 'buffer' })) } : {}),
  ...(kind === 'file' ? { links: Number(stat.nlink), blocks: Number(stat.blocks) } : {}),
});

/** One path: its entry, or why it is skipped. */
const look = (p: string): ScanItem => {
  try {
    const stat = fs.lstatSync(osPath(p), { bigint: true });
    const kind = kindOf(stat);
    if (kind !== 'file' && kind !== 'dir' && kind !== 'symlink') return { _tag: 'warning', path: p, reason: `skipped: ${kind}` };
    return { _tag: 'entry', entry: entryOf(p, stat, kind) };
  } catch (error) {
    return { _tag: 'warning', path: p, reason: `cannot stat (${errnoCode(error)}): ${errorMessage(error)}`, lost: true };
  }
};

const childrenOf = (dir: string): { names: string[] } | { warning: string } => {
  try {
    const names = fs.readdirSync(osPath(dir));
    // A name that is not UTF-8 decodes with U+FFFD in it: then the folder is listed again as bytes, exactly.
    if (names.some((n) => n.includes('\uFFFD'))) return { names: fs.readdirSync(osPath(dir), { encoding: 'buffer' }).sort(Buffer.compare).map(nameText) };
    return { names: inByteOrder(names) };
  } catch (error) {
    return { warning: `cannot list (${errnoCode(error)}): ${errorMessage(error)}` };
  }
};

/**
 * Names in the byte order of their UTF-8, so a scan is the same on every run and platform:
 * that is the order of their UTF-16 code units (sort's own, and fast) unless a name holds
 * a character beyond U+FFFF.
 */
const inByteOrder = (names: string[]): string[] =>
  names.some((n) => /[\uD800-\uDFFF]/.test(n)) ? names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) : names.sort();

/**
 * A streaming depth-first walk of the roots (each an absolute path), a folder before
 * its contents, names in byte order. Memory holds the open folders' name lists only,
 * never the whole tree. `excluded` prunes a path (and, for a folder, all below it).
 */
export function* walk(roots: readonly string[], excluded: (path: string) => boolean): Generator<ScanItem> {
  for (const root of roots) {
    const stack: { dir: string; names: string[]; next: number }[] = [];
    const first = symlinkedFolder(root) === undefined ? look(root) : lookFollowed(root);
    yield first;
    if (first._tag !== 'entry' || first.entry.kind !== 'dir') continue;
    const listed = childrenOf(root);
    if ('warning' in listed) yield { _tag: 'warning', path: root, reason: listed.warning, lost: true };
    else stack.push({ dir: root, names: listed.names, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next >= top.names.length) {
        stack.pop();
        continue;
      }
      const name = top.names[top.next++]!;
      const p = top.dir === '/' ? `/${name}` : `${top.dir}/${name}`;
      if (excluded(p)) continue;
      const item = look(p);
      yield item;
      if (item._tag !== 'entry' || item.entry.kind !== 'dir') continue;
      const children = childrenOf(p);
      if ('warning' in children) yield { _tag: 'warning', path: p, reason: children.warning, lost: true };
      else stack.push({ dir: p, names: children.names, next: 0 });
    }
  }
}

/** The folder a source root leads to when the root is a symlink to one (its real path); undefined otherwise. */
export const symlinkedFolder = (root: string): string | undefined => {
  try {
    if (!fs.lstatSync(root).isSymbolicLink() || !fs.statSync(root).isDirectory()) return undefined;
    return fs.realpathSync(root);
  } catch {
    return undefined;
  }
};

/** A root symlinked to a folder: the folder it leads to, recorded under the root's path. Its children are found through the link. */
const lookFollowed = (root: string): ScanItem => {
  try {
    return { _tag: 'entry', entry: entryOf(root, fs.statSync(root, { bigint: true }), 'dir') };
  } catch (error) {
    return { _tag: 'warning', path: root, reason: `cannot stat (${errnoCode(error)}): ${errorMessage(error)}`, lost: true };
  }
};

/** A source root as recorded: absolute, normalised, no trailing slash. */
export const sourceRoot = (input: string): string => {
  const resolved = path.resolve(input);
  return resolved.length > 1 && resolved.endsWith('/') ? resolved.slice(0, -1) : resolved;
};
