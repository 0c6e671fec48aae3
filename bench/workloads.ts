/** The benchmark's data: the same workloads for the folder and the LTFS benchmark. */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Drops the page cache (as root) so a timing starts cold; elsewhere the run is warm and says so. */
export const dropCaches = (): void => {
  execFileSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    // Not root, or not allowed in this container: the run is warm.
  }
};

/** 4 x 512 MiB of random bytes. */
export const makeBig = (dir: string): number => {
  fs.mkdirSync(dir, { recursive: true });
  const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
  for (let f = 0; f < 4; f++) {
    const fd = fs.openSync(path.join(dir, `big-${f}.bin`), 'w');
    for (let i = 0; i < 64; i++) fs.writeSync(fd, randomFillSync(chunk));
    fs.closeSync(fd);
  }
  return 4 * 512 * 1024 * 1024;
};

/** `files` x 4 KiB of random bytes in `folders` folders. */
export const makeSmall = (dir: string, files: number, folders: number): number => {
  const data = Buffer.allocUnsafe(4096);
  for (let d = 0; d < folders; d++) {
    const folder = path.join(dir, `dir-${String(d).padStart(4, '0')}`);
    fs.mkdirSync(folder, { recursive: true });
    for (let f = 0; f < files / folders; f++) fs.writeFileSync(path.join(folder, `file-${f}.dat`), randomFillSync(data));
  }
  return files * 4096;
};
