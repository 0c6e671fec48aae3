import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { readJournal, type JournalRecord } from '../../infrastructure/journal';
import { readVolumeLabel } from '../../infrastructure/tape/volume-label-file';

/**
 * A tape folder's journal read from scratch with the real reader: its records, its breaks
 * and its torn tail. Throws only when the label or the file cannot be read at all.
 */
export const readTapeJournal = (mount: string) => {
  const dir = path.join(mount, 'LTO-ARCHIVE');
  const label = readVolumeLabel(dir);
  if (E.isLeft(label)) throw new Error(`volume.json: ${JSON.stringify(label.left)}`);
  const read = readJournal(path.join(dir, 'journal.ndjson'), label.right.hash);
  if (E.isLeft(read)) throw new Error(`journal: ${JSON.stringify(read.left)}`);
  return read.right;
};

/** Paths of the files a job's FilesArchived events name (those of its closed segments). */
export const archivedFiles = (records: readonly JournalRecord[], job: string): string[] =>
  records.flatMap((r) => {
    const data: unknown = r.event.data;
    if (r.event.type !== 'FilesArchived' || r.event.stream !== `job-${job}` || typeof data !== 'object' || data === null) return [];
    const entries: unknown = 'entries' in data ? data.entries : [];
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((e: unknown) =>
      typeof e === 'object' && e !== null && 'kind' in e && e.kind === 'file' && 'path' in e && typeof e.path === 'string' ? [e.path] : [],
    );
  });

export const sha256File = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every regular file under `root` (paths relative to it), for comparing a restore. */
export const filesUnder = (root: string): string[] => {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      const key = rel === '' ? name : `${rel}/${name}`;
      const stat = fs.lstatSync(full);
      if (stat.isDirectory()) visit(full, key);
      else if (stat.isFile()) out.push(key);
    }
  };
  if (fs.existsSync(root)) visit(root, '');
  return out.sort();
};

/** Every path under `root` (folders, files, links), sorted: for proving that nothing appeared outside a restore target. */
export const everyPathUnder = (root: string): string[] => {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      out.push(full);
      if (fs.lstatSync(full).isDirectory()) visit(full);
    }
  };
  visit(root);
  return out.sort();
};
