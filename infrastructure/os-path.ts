import * as fs from 'node:fs';
import { fsPath, nameByteLength, nameBytes } from '../domain/name-bytes';

/**
 * PATH_MAX (4,096 bytes) limits the path given to one system call, not how deep a tree
 * goes. A longer path is reached through a folder opened on the way: its part up to a
 * `/` within the limit is opened (O_DIRECTORY), and the rest follows
 * `/proc/self/fd/<fd>/`, as many times as the path needs. The opened folders are kept
 * (a walk reuses them, a deep tree's files share their folders) up to KEPT, the oldest
 * closed first.
 */
const LIMIT = 3800;
const KEPT = 64;
const opened = new Map<string, number>();

/** A path any fs call takes: the text itself in the common case, its bytes when not UTF-8, via an open folder when long. */
export const osPath = (text: string): string | Buffer => {
  if (text.length < LIMIT / 4 || nameByteLength(text) < LIMIT) return fsPath(text);
  return reachLong(nameBytes(text));
};

const reachLong = (bytes: Buffer): Buffer => {
  let base = Buffer.alloc(0);
  let at = 0;
  while (base.length + bytes.length - at >= LIMIT) {
    const cut = bytes.lastIndexOf(0x2f, at + LIMIT - base.length - 1);
    // A single name longer than the limit cannot be reached (NAME_MAX is 255): let the call fail on it.
    if (cut <= at) break;
    const folder = Buffer.concat([base, bytes.subarray(at, cut)]);
    base = Buffer.from(`/proc/self/fd/${openFolder(folder, bytes.subarray(0, cut))}/`);
    at = cut + 1;
  }
  return Buffer.concat([base, bytes.subarray(at)]);
};

const openFolder = (reachable: Buffer, whole: Buffer): number => {
  const key = whole.toString('latin1');
  const known = opened.get(key);
  if (known !== undefined) {
    opened.delete(key);
    opened.set(key, known);
    return known;
  }
  const fd = fs.openSync(reachable, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  opened.set(key, fd);
  if (opened.size > KEPT) {
    const [oldest, oldFd] = opened.entries().next().value ?? [];
    if (oldest !== undefined && oldFd !== undefined) {
      opened.delete(oldest);
      fs.closeSync(oldFd);
    }
  }
  return fd;
};
