import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a person relies on a restore to give back, per relative path: content, link target, mode, mtime (µs). */
export interface TreeFacts {
  readonly [rel: string]: string;
}

export const treeFacts = (root: string, options: { mtime?: boolean } = {}): TreeFacts => {
  const out: Record<string, string> = {};
  const visit = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const key = rel === '' ? name : `${rel}/${name}`;
      const stat = fs.lstatSync(full, { bigint: true });
      const mode = (stat.mode & 0o7777n).toString(8);
      // Node sets times to the microsecond: the nanosecond digits cannot come back.
      const mtime = options.mtime === false ? '' : ` mtime=${stat.mtimeNs / 1000n}`;
      if (stat.isSymbolicLink()) out[key] = `link -> ${fs.readlinkSync(full)}`;
      else if (stat.isDirectory()) {
        out[key] = `dir mode=${mode}${mtime}`;
        visit(full, key);
      } else out[key] = `file ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')} mode=${mode}${mtime}`;
    }
  };
  visit(root, '');
  return out;
};

/**
 * The tree with hard names the issue lists: NFC and NFD unicode, spaces, newline and
 * backslash in names, a 255-byte name, 100 levels deep, symlinks, empty files and
 * folders, and one large file (size given, default 64 MiB).
 */
export const makeHardTree = (root: string, bigBytes = 64 * 1024 * 1024): void => {
  const write = (rel: string, data: Buffer | string) => {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, data);
  };
  write('unicode/caf\u00e9 NFC.txt', 'nfc');
  write('unicode/cafe\u0301 NFD.txt', 'nfd');
  write('spaces/a file with  spaces.txt', 'spaces');
  write('odd/new\nline.txt', 'newline');
  write('odd/back\\slash.txt', 'backslash');
  write(`long/${'x'.repeat(251)}.txt`, 'a 255-byte name');
  write(`long/${'é'.repeat(126)}.tx`, 'a 255-byte name in 2-byte characters');
  const deep = Array.from({ length: 100 }, (_, i) => `d${i}`).join('/');
  write(`${deep}/bottom.txt`, 'a hundred levels down');
  write('empty/empty-file', '');
  fs.mkdirSync(path.join(root, 'empty', 'empty-dir'), { recursive: true });
  write('modes/private.txt', 'secret');
  fs.chmodSync(path.join(root, 'modes', 'private.txt'), 0o600);
  write('modes/script.sh', '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(root, 'modes', 'script.sh'), 0o755);
  fs.symlinkSync('../unicode', path.join(root, 'spaces', 'link-to-unicode'));
  fs.symlinkSync('/nonexistent/absolute/target', path.join(root, 'spaces', 'dangling'));
  const big = Buffer.allocUnsafe(bigBytes);
  for (let i = 0; i < bigBytes; i += 1024 * 1024) randomBytes(Math.min(1024 * 1024, bigBytes - i)).copy(big, i);
  write('big/large.bin', big);
  // Fixed times with a sub-second part, so mtimes are compared for real.
  const stamp = (rel: string, seconds: number) => fs.utimesSync(path.join(root, rel), seconds, seconds);
  stamp('unicode/caf\u00e9 NFC.txt', 1_500_000_000.123456);
  stamp('big/large.bin', 1_600_000_000.5);
};
