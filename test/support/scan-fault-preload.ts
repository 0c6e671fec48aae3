/**
 * Test-only fault injection for the backup's scan, loaded with `node --require` (through
 * NODE_OPTIONS), like eio-preload.ts. No product code knows about it.
 *
 * LTO_FAULT_SCAN=<text>:<call>[,...]: `readdirSync` of a folder whose path contains <text>
 * fails with EACCES (a folder the backup may not list), `lstatSync` of such a path fails
 * with ENOENT (a file that vanished between the listing and its stat). A path given as
 * bytes is matched on its latin1 text.
 */
// The default import is the module object itself (a namespace import would be a copy of getters).
import fs from 'node:fs';

const faults = (process.env['LTO_FAULT_SCAN'] ?? '').split(',').flatMap((part) => {
  const cut = part.lastIndexOf(':');
  return cut > 0 ? [{ text: part.slice(0, cut), call: part.slice(cut + 1) }] : [];
});

const textOf = (p: unknown): string => (Buffer.isBuffer(p) ? p.toString('latin1') : String(p));
const hit = (call: string, p: unknown): boolean => faults.some((f) => f.call === call && textOf(p).includes(f.text));
const failure = (code: string, errno: number, syscall: string, p: unknown): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: injected by LTO_FAULT_SCAN, ${syscall} '${textOf(p)}'`), { code, errno, syscall });

if (faults.length > 0) {
  const readdirSync = fs.readdirSync;
  const lstatSync = fs.lstatSync;
  Object.assign(fs, {
    readdirSync: (p: unknown, ...rest: unknown[]) => {
      if (hit('readdirSync', p)) throw failure('EACCES', -13, 'scandir', p);
      return Reflect.apply(readdirSync, fs, [p, ...rest]);
    },
    lstatSync: (p: unknown, ...rest: unknown[]) => {
      if (hit('lstatSync', p)) throw failure('ENOENT', -2, 'lstat', p);
      return Reflect.apply(lstatSync, fs, [p, ...rest]);
    },
  });
}
