import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { fsPath } from '../../domain/name-bytes';
import { restoreComponents } from '../../domain/restore-path';
import { setTimes } from '../meta/file-times';

/**
 * The restored folders that hold these original paths (under `target`, less `strip`
 * components), with their times as they are now: a later pass that writes into them
 * (a file read from another copy) changes their times, which `put back` sets again.
 */
export const keepFolderTimes = (target: string, strip: number, originals: readonly string[]): { readonly putBack: () => void } => {
  const root = fs.realpathSync(target);
  const folders = new Map<string, bigint>();
  for (const original of originals) {
    const components = restoreComponents(original, strip);
    if (E.isLeft(components) || components.right === null) continue;
    for (let depth = components.right.length - 1; depth >= 1; depth--) {
      const folder = path.join(root, ...components.right.slice(0, depth));
      if (folders.has(folder)) break;
      try {
        folders.set(folder, fs.lstatSync(fsPath(folder), { bigint: true }).mtimeNs);
      } catch {
        // Not there (the first pass made none): the later pass makes it, with whatever time it gets.
      }
    }
  }
  return {
    putBack: () => {
      for (const [folder, ns] of [...folders].sort(([a], [b]) => b.length - a.length)) {
        try {
          setTimes(folder, ns);
        } catch {
          // A folder gone since: nothing to put back.
        }
      }
    },
  };
};
