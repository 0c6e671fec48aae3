import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * A tree as bytes, for comparing names exactly: relative path (its bytes as latin1 text,
 * one character per byte) → what is there (`dir`, `file <sha256>`, `link <target bytes
 * as latin1>`). Works at any depth: each folder is opened and its entries reached through
 * `/proc/self/fd/<fd>/`, so no path given to a system call passes PATH_MAX, whatever the
 * tree's depth. Independent of the product's own long-path code on purpose.
 */
export const byteTree = (root: string | Buffer): Map<string, string> => {
  const out = new Map<string, string>();
  const visit = (dir: Buffer, rel: Buffer): void => {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      const base = Buffer.from(`/proc/self/fd/${fd}/`);
      for (const name of fs.readdirSync(base, { encoding: 'buffer' })) {
        const here = Buffer.concat([base, name]);
        const key = Buffer.concat([rel, name]);
        const stat = fs.lstatSync(here);
        if (stat.isSymbolicLink()) out.set(key.toString('latin1'), `link ${fs.readlinkSync(here, { encoding: 'buffer' }).toString('latin1')}`);
        else if (stat.isFile()) out.set(key.toString('latin1'), `file ${createHash('sha256').update(fs.readFileSync(here)).digest('hex')}`);
        else if (stat.isDirectory()) {
          out.set(key.toString('latin1'), 'dir');
          visit(here, Buffer.concat([key, Buffer.from('/')]));
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  visit(Buffer.isBuffer(root) ? root : Buffer.from(root), Buffer.alloc(0));
  return out;
};

/** Writes `file` under `root` below a chain of new folders `components` (bytes), however long: each folder is made through its open parent. */
export const writeDeepFile = (root: string, components: readonly Buffer[], file: Buffer, content: string): void => {
  let at = Buffer.from(root);
  const opened: number[] = [];
  try {
    for (const c of components) {
      const next = Buffer.concat([at, Buffer.from('/'), c]);
      fs.mkdirSync(next);
      const fd = fs.openSync(next, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      opened.push(fd);
      at = Buffer.from(`/proc/self/fd/${fd}`);
    }
    fs.writeFileSync(Buffer.concat([at, Buffer.from('/'), file]), content);
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
};
