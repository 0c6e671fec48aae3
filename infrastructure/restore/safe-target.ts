import * as E from 'fp-ts/Either';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { restoreComponents } from '../../domain/restore-path';
import { errnoCode, errorMessage, isErrno } from '../errno';
import { osPath } from '../os-path';
import type { RestoreProblem } from './restore-writer';

/**
 * The path rules of a restore, apart from the copying: where an entry from tape may go
 * under the target folder, and nowhere else. A path from tape is split into checked
 * components (never '', '.', '..'; `strip` leading ones dropped), joined under the
 * target, and every folder on the way is made or found to be a real folder (never a
 * symlink: nothing is written through one). When components are stripped, two entries
 * can meet on one path: the second is refused (two threads must never write one
 * temporary name at once). What is refused or fails is reported, once, to `report`.
 */
export class SafeTarget {
  /** Folders known to be real folders under the target (the target itself first). */
  private readonly verifiedDirs = new Set<string>();
  /** The target with a trailing separator: every restored path starts with it. */
  private readonly base: string;
  /** Target paths of this restore's entries, only when stripping components. */
  private readonly claimed: Set<string> | undefined;

  constructor(
    private readonly target: string,
    private readonly strip: number,
    private readonly report: (problem: RestoreProblem) => void,
  ) {
    this.verifiedDirs.add(target);
    this.base = target.endsWith(path.sep) ? target : target + path.sep;
    this.claimed = strip > 0 ? new Set() : undefined;
  }

  /** The target path of an entry, with its parent folders made (and checked to be real folders); undefined when refused or stripped away. */
  place(entryPath: string): string | undefined {
    const components = restoreComponents(entryPath, this.strip);
    if (E.isLeft(components)) {
      this.report({ path: entryPath, kind: 'refused', reason: `unsafe path from tape: ${components.left}` });
      return undefined;
    }
    if (components.right === null) return undefined;
    const full = this.under(components.right);
    if (!full.startsWith(this.target + path.sep)) {
      this.report({ path: entryPath, kind: 'refused', reason: 'resolves outside the restore target' });
      return undefined;
    }
    return this.ensureParents(full, entryPath) ? full : undefined;
  }

  /** A folder this restore made or found to be one (its metadata may be set); undefined otherwise. */
  verifiedFolder(entryPath: string): string | undefined {
    const components = restoreComponents(entryPath, this.strip);
    if (E.isLeft(components) || components.right === null) return undefined;
    const full = this.under(components.right);
    return this.verifiedDirs.has(full) ? full : undefined;
  }

  /** `full` was made, or found to be a real folder: entries may go into it. */
  folderVerified(full: string): void {
    this.verifiedDirs.add(full);
  }

  /** False (and reported) when another entry of this restore already went to `full`. */
  claim(full: string, entryPath: string): boolean {
    if (this.claimed === undefined) return true;
    if (!this.claimed.has(full)) {
      this.claimed.add(full);
      return true;
    }
    this.report({ path: entryPath, kind: 'refused', reason: 'another entry of this restore has the same path once components are stripped' });
    return false;
  }

  /** A failure met on the way to `entryPath` (reported as 'failed'). */
  failed(entryPath: string, error: unknown): false {
    this.report({ path: entryPath, kind: 'failed', reason: `${errnoCode(error)}: ${errorMessage(error)}` });
    return false;
  }

  /** Checked components (no '', '.', '..') under the target: joined as they are, nothing to normalise. */
  private under(components: readonly string[]): string {
    return `${this.base}${components.join(path.sep)}`;
  }

  private ensureParents(full: string, original: string): boolean {
    const parent = path.dirname(full);
    if (this.verifiedDirs.has(parent)) return true;
    if (!this.ensureParents(parent, original)) return false;
    try {
      const stat = fs.lstatSync(osPath(parent));
      if (!stat.isDirectory()) {
        this.report({ path: original, kind: 'refused', reason: `${parent} is ${stat.isSymbolicLink() ? 'a symlink' : 'not a folder'}: nothing is written through it` });
        return false;
      }
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) return this.failed(original, error);
      try {
        fs.mkdirSync(osPath(parent));
      } catch (mkdirError) {
        return this.failed(original, mkdirError);
      }
    }
    this.verifiedDirs.add(parent);
    return true;
  }
}
