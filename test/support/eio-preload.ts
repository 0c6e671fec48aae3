/**
 * Test-only fault injection of read errors, loaded with `node --require` (through
 * NODE_OPTIONS, so it also runs in the worker threads that read sources and segments).
 * No product code knows about it: the real CLI, readers and writers run unchanged, and
 * a read meets EIO exactly as from a failing disk or a tape with a bad block.
 *
 * LTO_FAULT_EIO=<text>[@<from>-<to>]: every positioned read of a file whose path
 * contains <text> fails with EIO when it touches bytes [from, to) (all of the file
 * without a range). Several faults are separated by `,`.
 */
// The default import is the module object itself (a namespace import would be a copy of getters).
import fs from 'node:fs';

interface Fault {
  readonly text: string;
  readonly from: number;
  readonly to: number;
}

const parse = (spec: string): Fault[] =>
  spec.split(',').flatMap((part) => {
    const match = /^(.+?)(?:@([0-9]+)-([0-9]+))?$/.exec(part);
    if (match === null || match[1] === undefined) return [];
    return [{ text: match[1], from: Number(match[2] ?? 0), to: match[3] === undefined ? Number.POSITIVE_INFINITY : Number(match[3]) }];
  });

const faults = parse(process.env['LTO_FAULT_EIO'] ?? '');
const faulty = new Map<number, Fault[]>();

const eio = (): NodeJS.ErrnoException => Object.assign(new Error('EIO: i/o error, read (injected by LTO_FAULT_EIO)'), { code: 'EIO', errno: -5, syscall: 'read' });

/** The file's own name: a second descriptor opened through /proc/self/fd (direct reads) is the same file. */
const nameOf = (file: unknown): string => {
  const name = String(file);
  if (!/^\/proc\/self\/fd\/[0-9]+$/.test(name)) return name;
  try {
    return fs.readlinkSync(name);
  } catch {
    return name;
  }
};

const remember = (fd: number, file: unknown): void => {
  const name = nameOf(file);
  const matching = faults.filter((f) => name.includes(f.text));
  if (matching.length > 0) faulty.set(fd, matching);
  else faulty.delete(fd);
};

/** Does a read of `length` bytes at `position` (null: the current position, taken as 0) touch a fault? */
const hits = (fd: number, length: unknown, position: unknown): boolean => {
  const list = faulty.get(fd);
  if (list === undefined) return false;
  const at = typeof position === 'number' ? position : typeof position === 'bigint' ? Number(position) : 0;
  const len = typeof length === 'number' ? length : Number.POSITIVE_INFINITY;
  return list.some((f) => at < f.to && at + len > f.from);
};

if (faults.length > 0) {
  const openSync = fs.openSync;
  const open = fs.open;
  const readSync = fs.readSync;
  const read = fs.read;
  const closeSync = fs.closeSync;
  const close = fs.close;
  Object.assign(fs, {
    openSync: (...args: Parameters<typeof fs.openSync>) => {
      const fd = openSync(...args);
      remember(fd, args[0]);
      return fd;
    },
    open: (file: fs.PathLike, ...rest: unknown[]) => {
      const callback = rest.pop();
      if (typeof callback !== 'function') return Reflect.apply(open, fs, [file, ...rest]);
      return Reflect.apply(open, fs, [file, ...rest, (error: unknown, fd: number) => {
        if (!error) remember(fd, file);
        callback(error, fd);
      }]);
    },
    readSync: (fd: number, ...rest: unknown[]) => {
      if (hits(fd, rest[2], rest[3])) throw eio();
      return Reflect.apply(readSync, fs, [fd, ...rest]);
    },
    read: (fd: number, ...rest: unknown[]) => {
      const callback = rest[rest.length - 1];
      if (typeof callback === 'function' && hits(fd, rest[2], rest[3])) {
        process.nextTick(() => callback(eio(), 0, rest[0]));
        return undefined;
      }
      return Reflect.apply(read, fs, [fd, ...rest]);
    },
    closeSync: (fd: number) => {
      faulty.delete(fd);
      closeSync(fd);
    },
    close: (fd: number, ...rest: unknown[]) => {
      faulty.delete(fd);
      return Reflect.apply(close, fs, [fd, ...rest]);
    },
  });
}
