import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `~/x` → the home folder's x; other text as typed. */
export const expandHome = (typed: string): string => (typed === '~' || typed.startsWith('~/') ? path.join(os.homedir(), typed.slice(1)) : typed);

/** What a typed path can complete to: the entries of its folder that start with its last part (folders end with /). */
export const completePath = (typed: string): string[] => {
  const expanded = expandHome(typed === '' ? './' : typed);
  const folder = expanded.endsWith('/') ? expanded : path.dirname(expanded);
  const start = expanded.endsWith('/') ? '' : path.basename(expanded);
  // What stays as typed before the completed name: the folder part of the line.
  const before = expanded.endsWith('/') ? expanded : expanded.includes('/') ? `${folder === '/' ? '' : folder}/` : '';
  try {
    return fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((d) => d.name.startsWith(start) && (start.startsWith('.') || !d.name.startsWith('.')))
      .map((d) => {
        const full = path.join(folder, d.name);
        const isFolder = d.isDirectory() || (d.isSymbolicLink() && isDirectory(full));
        return `${before}${d.name}${isFolder ? '/' : ''}`;
      })
      .sort();
  } catch {
    return [];
  }
};

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Answers a path question may be given: checked on Enter, the reason shown when refused. */
export const PATH_CHECKS = {
  /** An existing file or folder (what to back up). */
  exists: (typed: string): true | string => (typed.trim() === '' ? 'Please type a path.' : fs.existsSync(expandHome(typed.trim())) ? true : `${typed.trim()} does not exist.`),
  /** An existing folder (a mount point to read). */
  folder: (typed: string): true | string => (typed.trim() === '' ? 'Please type a path.' : isDirectory(expandHome(typed.trim())) ? true : `${typed.trim()} is not a folder.`),
  /** A folder, or a path whose parent folder exists (a folder to create or fill). */
  folderToBe: (typed: string): true | string => {
    const p = expandHome(typed.trim());
    if (p === '') return 'Please type a path.';
    if (fs.existsSync(p)) return isDirectory(p) ? true : `${typed.trim()} is a file, not a folder.`;
    return isDirectory(path.dirname(path.resolve(p))) ? true : `${path.dirname(path.resolve(p))} does not exist.`;
  },
  /** A file to write: its folder exists and it is not a folder. */
  fileToWrite: (typed: string): true | string => {
    const p = expandHome(typed.trim());
    if (p === '') return 'Please type a file name.';
    if (isDirectory(p)) return `${typed.trim()} is a folder.`;
    return isDirectory(path.dirname(path.resolve(p))) ? true : `${path.dirname(path.resolve(p))} does not exist.`;
  },
} as const;
